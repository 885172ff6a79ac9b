"""PyTorch versions of the two EncDec models the benches use, built from stock torch.nn modules.

Transformer (ModelFactory.BuildTransformer): post-norm encoder-decoder, ReLU feed-forward, sinusoidal positions,
one token embedding shared by source and target (N(0, d^-1/2) init, zero padding row, scaled by sqrt(d)), dropout
after the embedding; no final layer norm (EncDec adds one only for pre-norm); the output projection is either its
own Linear with bias (EncDec's default, used by `bench train`) or tied to the embedding without bias (`bench decode`).

RnnSeq2Seq (ModelFactory.BuildRnn, cell LSTM, Bahdanau attention, input feeding): shared embedding with dropout,
1-layer bidirectional LSTM encoder, decoder LSTMCell fed [embedding; previous attentional vector], Bahdanau attention
queried by the new hidden state, attentional vector tanh(W_c [context; h]) (Luong et al. 2015), dropout on it, and
a Linear(hidden, vocab) with bias as readout. The initial decoder state is tanh(Linear(final encoder states)).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from common import PAD


def sinusoidal_table(length, d):
    """(length, d) table: sin on even, cos on odd features."""
    pos = torch.arange(length, dtype=torch.float32).unsqueeze(1)                        # (L, 1)
    rate = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(10000.0) / d))  # (d/2,)
    table = torch.zeros(length, d)
    table[:, 0::2] = torch.sin(pos * rate)
    table[:, 1::2] = torch.cos(pos * rate)
    return table


def causal_mask(t):
    """(t, t) additive mask: -inf above the diagonal."""
    return torch.triu(torch.full((t, t), float("-inf")), diagonal=1)


class Transformer(nn.Module):
    def __init__(self, vocab, d_model=256, heads=4, encoder_layers=3, decoder_layers=3, feed_forward=1024,
                 dropout=0.1, tie_output=False, max_positions=512):
        super().__init__()
        self.d_model, self.heads = d_model, heads
        self.embedding = nn.Embedding(vocab, d_model, padding_idx=PAD)
        with torch.no_grad():
            self.embedding.weight.normal_(0.0, d_model ** -0.5)
            self.embedding.weight[PAD].zero_()
        self.register_buffer("positions", sinusoidal_table(max_positions, d_model), persistent=False)
        self.dropout = nn.Dropout(dropout)
        enc = nn.TransformerEncoderLayer(d_model, heads, feed_forward, dropout, batch_first=True)
        dec = nn.TransformerDecoderLayer(d_model, heads, feed_forward, dropout, batch_first=True)
        self.encoder = nn.TransformerEncoder(enc, encoder_layers)
        self.decoder = nn.TransformerDecoder(dec, decoder_layers)
        if tie_output:
            self.generator = nn.Linear(d_model, vocab, bias=False)
            self.generator.weight = self.embedding.weight
        else:
            self.generator = nn.Linear(d_model, vocab)
        self._masks = {}

    def embed(self, ids, offset=0):
        """ids (B, T) → (B, T, d)."""
        x = self.embedding(ids) * math.sqrt(self.d_model) + self.positions[offset:offset + ids.size(1)]
        return self.dropout(x)

    def mask(self, t):
        if t not in self._masks:
            self._masks[t] = causal_mask(t)
        return self._masks[t]

    def encode(self, src, src_pad=None):
        """src (B, S) → memory (B, S, d); src_pad (B, S) True at padding, or None."""
        return self.encoder(self.embed(src), src_key_padding_mask=src_pad)

    def decode(self, tgt_in, memory, src_pad=None, tgt_pad=None):
        """Teacher-forced / full-prefix decoder: tgt_in (B, T) → hidden (B, T, d)."""
        return self.decoder(self.embed(tgt_in), memory, tgt_mask=self.mask(tgt_in.size(1)),
                            tgt_key_padding_mask=tgt_pad, memory_key_padding_mask=src_pad)

    def forward(self, src, tgt_in, src_pad=None, tgt_pad=None):
        """Logits (B, T, V)."""
        return self.generator(self.decode(tgt_in, self.encode(src, src_pad), src_pad, tgt_pad))


class IncrementalDecoder:
    """Runs the weights of a Transformer's stock decoder layers one position at a time: self-attention keys and
    values are cached (and reordered with the hypotheses), source keys and values are projected once. Eval mode only.
    """

    def __init__(self, model, memory, src_pad=None):
        self.model = model
        self.d, self.h = model.d_model, model.heads
        self.dh = self.d // self.h
        self.layers = list(model.decoder.layers)
        # additive (B, 1, 1, S) mask for cross-attention, or None
        self.src_bias = None if src_pad is None else \
            torch.zeros(src_pad.shape).masked_fill(src_pad, float("-inf"))[:, None, None, :]
        self.memory_kv = []
        for layer in self.layers:
            w, b = layer.multihead_attn.in_proj_weight, layer.multihead_attn.in_proj_bias
            k = F.linear(memory, w[self.d:2 * self.d], b[self.d:2 * self.d])            # (B, S, d)
            v = F.linear(memory, w[2 * self.d:], b[2 * self.d:])                       # (B, S, d)
            self.memory_kv.append((self.split(k), self.split(v)))                      # (B, h, S, dh) each
        self.self_kv = [None] * len(self.layers)
        self.position = 0

    def split(self, x):
        """(B, T, d) → (B, h, T, dh)."""
        return x.view(x.size(0), x.size(1), self.h, self.dh).transpose(1, 2)

    def attend(self, q, k, v, out_proj, bias=None):
        """q (B, h, 1, dh), k/v (B, h, S, dh) → (B, 1, d)."""
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.dh)            # (B, h, 1, S)
        if bias is not None:
            scores = scores + bias
        ctx = torch.matmul(torch.softmax(scores, dim=-1), v)                           # (B, h, 1, dh)
        ctx = ctx.transpose(1, 2).reshape(ctx.size(0), 1, self.d)                      # (B, 1, d)
        return out_proj(ctx)

    def step(self, last):
        """last tokens (B,) → decoder output at the new position (B, d)."""
        x = self.model.embed(last.unsqueeze(1), self.position)                         # (B, 1, d)
        for i, layer in enumerate(self.layers):
            sa = layer.self_attn
            q, k, v = F.linear(x, sa.in_proj_weight, sa.in_proj_bias).split(self.d, dim=-1)   # (B, 1, d) each
            k, v = self.split(k), self.split(v)                                        # (B, h, 1, dh)
            if self.self_kv[i] is not None:
                k = torch.cat([self.self_kv[i][0], k], dim=2)                          # (B, h, t+1, dh)
                v = torch.cat([self.self_kv[i][1], v], dim=2)
            self.self_kv[i] = (k, v)
            x = layer.norm1(x + self.attend(self.split(q), k, v, sa.out_proj))
            ca = layer.multihead_attn
            q = F.linear(x, ca.in_proj_weight[:self.d], ca.in_proj_bias[:self.d])       # (B, 1, d)
            mk, mv = self.memory_kv[i]
            x = layer.norm2(x + self.attend(self.split(q), mk, mv, ca.out_proj, self.src_bias))
            x = layer.norm3(x + layer.linear2(F.relu(layer.linear1(x))))
        self.position += 1
        return x[:, 0]

    def select(self, rows):
        """Keeps / reorders / repeats the hypotheses: rows (B',) indices into the current batch."""
        self.self_kv = [(k.index_select(0, rows), v.index_select(0, rows)) for k, v in self.self_kv]

    def select_sources(self, rows):
        """Reorders the per-source memory (needed when the rows stop matching the sources, e.g. beam expansion)."""
        self.memory_kv = [(k.index_select(0, rows), v.index_select(0, rows)) for k, v in self.memory_kv]
        if self.src_bias is not None:
            self.src_bias = self.src_bias.index_select(0, rows)


class RnnSeq2Seq(nn.Module):
    def __init__(self, vocab, embed=256, hidden=512, dropout=0.1):
        super().__init__()
        memory = 2 * hidden                                          # bidirectional encoder states
        self.embedding = nn.Embedding(vocab, embed, padding_idx=PAD)
        self.dropout = nn.Dropout(dropout)
        self.encoder = nn.LSTM(embed, hidden, num_layers=1, batch_first=True, bidirectional=True)
        self.bridge_h = nn.Linear(memory, hidden)
        self.bridge_c = nn.Linear(memory, hidden)
        self.cell = nn.LSTMCell(embed + hidden, hidden)              # input feeding: [embedding; attentional vector]
        self.query_proj = nn.Linear(hidden, hidden, bias=False)      # Bahdanau: v^T tanh(W_q h + W_k k + b)
        self.key_proj = nn.Linear(memory, hidden)
        self.score = nn.Linear(hidden, 1, bias=False)
        self.out_proj = nn.Linear(memory + hidden, hidden, bias=False)
        self.generator = nn.Linear(hidden, vocab)

    def forward(self, src, tgt_in):
        """src (B, S), tgt_in (B, T) without padding → logits (B, T, V)."""
        memory, (h_n, c_n) = self.encoder(self.dropout(self.embedding(src)))  # (B, S, 2H); (2, B, H) each
        h = torch.tanh(self.bridge_h(torch.cat([h_n[0], h_n[1]], dim=-1)))   # (B, H)
        c = torch.tanh(self.bridge_c(torch.cat([c_n[0], c_n[1]], dim=-1)))   # (B, H)
        keys = self.key_proj(memory)                                          # (B, S, H), once per batch
        feed = torch.zeros_like(h)
        y = self.dropout(self.embedding(tgt_in))                              # (B, T, E)
        outs = []
        for t in range(tgt_in.size(1)):
            h, c = self.cell(torch.cat([y[:, t], feed], dim=-1), (h, c))      # (B, H)
            e = self.score(torch.tanh(keys + self.query_proj(h).unsqueeze(1))).squeeze(-1)  # (B, S)
            ctx = torch.bmm(torch.softmax(e, dim=-1).unsqueeze(1), memory).squeeze(1)       # (B, 2H)
            feed = torch.tanh(self.out_proj(torch.cat([ctx, h], dim=-1)))                  # (B, H)
            outs.append(self.dropout(feed))
        return self.generator(torch.stack(outs, dim=1))                      # (B, T, V)
