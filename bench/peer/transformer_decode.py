#!/usr/bin/python3
"""PyTorch peer of `dotnet run -c Release --project bench/EncDec.Bench -- decode`.

The work of bench/EncDec.Bench/DecodeBench.cs: the training bench's Transformer with the output projection tied to
the shared embedding (random init, eval mode), 200 random source sentences of 20 tokens in batches of 32, exactly 25
output tokens each, greedy and beam 4. As in EncDec's generator: the encoder runs once per batch; each step projects
the last position to the vocabulary, takes log-softmax, bans PAD and BOS (and EOS before 25 tokens); a 26th step
is computed and allows only EOS; beam search starts from one hypothesis per sentence and keeps the best 4 (row,
token) pairs per sentence. Two decoders, both on the same weights:
  recompute  the stock nn.TransformerDecoder re-run over the whole prefix every step (PyTorch has no KV cache);
  cache      models.IncrementalDecoder: self-attention keys/values cached, source keys/values projected once
             (checked against recompute at start-up: cache_check_max_abs_diff).
Prints one JSON line per (strategy, decoder); output tokens are the 200 × 25 tokens of the final outputs.

  /usr/bin/python3 bench/peer/transformer_decode.py [--sents 200] [--batch 32] [--reps 1]
                   [--strategy greedy|beam4|both] [--decoder recompute|cache|both] [--threads N]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402

import common  # noqa: E402
from common import BOS, EOS, PAD  # noqa: E402
from models import IncrementalDecoder, Transformer  # noqa: E402

VOCAB, SRC_LEN, OUT_LEN, BEAM = 8000, 20, 25, 4


class RecomputeDecoder:
    """Stock decoder over the full prefix each step; same interface as models.IncrementalDecoder."""

    def __init__(self, model, memory):
        self.model, self.memory, self.prefix = model, memory, None

    def step(self, last):
        tok = last.unsqueeze(1)                                                   # (R, 1)
        self.prefix = tok if self.prefix is None else torch.cat([self.prefix, tok], dim=1)   # (R, t+1)
        return self.model.decode(self.prefix, self.memory)[:, -1]                 # (R, d)

    def select(self, rows):
        self.prefix = self.prefix.index_select(0, rows)

    def select_sources(self, rows):
        self.memory = self.memory.index_select(0, rows)


DECODERS = {"recompute": RecomputeDecoder, "cache": IncrementalDecoder}


def log_probs(model, hidden, step):
    """hidden (R, d) → processed log-probs (R, V) for output position step."""
    lp = torch.log_softmax(model.generator(hidden), dim=-1)                       # (R, V)
    if step >= OUT_LEN:
        eos = lp[:, EOS].clone()
        lp.fill_(float("-inf"))
        lp[:, EOS] = eos
    else:
        lp[:, [PAD, BOS, EOS]] = float("-inf")
    return lp


def greedy(model, src, decoder):
    dec = DECODERS[decoder](model, model.encode(src))
    last = torch.full((src.size(0),), BOS, dtype=torch.long)
    out = []
    for step in range(OUT_LEN + 1):
        last = log_probs(model, dec.step(last), step).argmax(-1)                  # (B,)
        if step < OUT_LEN:
            out.append(last)
    return torch.stack(out, dim=1)                                                # (B, 25)


def beam_search(model, src, decoder, k=BEAM):
    b = src.size(0)
    dec = DECODERS[decoder](model, model.encode(src))
    last = torch.full((b,), BOS, dtype=torch.long)
    scores = torch.zeros(b)
    hyps = torch.zeros(b, 0, dtype=torch.long)
    for step in range(OUT_LEN + 1):
        lp = log_probs(model, dec.step(last), step)                               # (R, V)
        width, v = lp.size(0) // b, lp.size(1)
        if step == OUT_LEN:                                                       # every hypothesis takes EOS
            final = (scores + lp[:, EOS]).view(b, width)
            best = final.argmax(-1) + torch.arange(b) * width
            return hyps.index_select(0, best)                                     # (b, 25)
        cand = (scores.view(b, width, 1) + lp.view(b, width, v)).view(b, width * v)  # (b, width·V)
        top, idx = cand.topk(k, dim=-1)                                           # (b, k)
        rows = (torch.div(idx, v, rounding_mode="floor") + torch.arange(b).unsqueeze(1) * width).view(-1)  # (b·k,)
        last = (idx % v).view(-1)
        dec.select(rows)
        if step == 0:
            dec.select_sources(rows)                                              # one row per source → k rows
        hyps = torch.cat([hyps.index_select(0, rows), last.unsqueeze(1)], dim=1)
        scores = top.view(-1)


def decode_all(model, sources, batch, strategy, decoder):
    n = 0
    for i in range(0, sources.size(0), batch):
        src = sources[i:i + batch]
        out = greedy(model, src, decoder) if strategy == "greedy" else beam_search(model, src, decoder)
        n += out.numel()
    return n


def cache_check(model, src, steps=8):
    """Largest |difference| of decoder outputs between the cached and the recompute decoder on a random prefix."""
    memory = model.encode(src)
    a, b = RecomputeDecoder(model, memory), IncrementalDecoder(model, memory)
    g = torch.Generator().manual_seed(3)
    last = torch.full((src.size(0),), BOS, dtype=torch.long)
    worst = 0.0
    for _ in range(steps):
        worst = max(worst, (a.step(last) - b.step(last)).abs().max().item())
        last = torch.randint(3, VOCAB, (src.size(0),), generator=g)
    return worst


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sents", type=int, default=200)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--reps", type=int, default=1, help="median of this many timed runs")
    p.add_argument("--strategy", choices=["greedy", "beam4", "both"], default="both")
    p.add_argument("--decoder", choices=["recompute", "cache", "both"], default="both")
    common.add_thread_flag(p)
    args = p.parse_args()
    common.set_threads(torch, args.threads)
    torch.manual_seed(1234)
    model = Transformer(VOCAB, d_model=256, heads=4, encoder_layers=3, decoder_layers=3, feed_forward=1024,
                        dropout=0.1, tie_output=True).eval()
    sources = torch.randint(3, VOCAB, (args.sents, SRC_LEN), generator=torch.Generator().manual_seed(7))
    strategies = ["greedy", "beam4"] if args.strategy == "both" else [args.strategy]
    decoders = ["recompute", "cache"] if args.decoder == "both" else [args.decoder]
    env = common.environment(torch)
    with torch.inference_mode():
        check = cache_check(model, sources[:8])
        for decoder in decoders:
            warm = sources[:min(args.batch, args.sents)]
            for _ in range(2):                                    # untimed, as EncDec's bench
                for strategy in strategies:
                    decode_all(model, warm, args.batch, strategy, decoder)
            for strategy in strategies:
                walls, cpus, n = [], [], 0
                for _ in range(max(1, args.reps)):
                    t0, c0 = time.perf_counter(), time.process_time()
                    n = decode_all(model, sources, args.batch, strategy, decoder)
                    walls.append(time.perf_counter() - t0)
                    cpus.append(time.process_time() - c0)
                if n != args.sents * OUT_LEN:
                    raise SystemExit(f"error: expected {args.sents * OUT_LEN} output tokens, got {n}")
                wall, cpu = common.median(walls), common.median(cpus)
                record = {"bench": "decode", "peer": "pytorch", "strategy": strategy, "decoder": decoder,
                          "out_tokens_per_s": round(n / wall, 1), "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
                          "out_tokens_per_cpu_s": round(n / cpu, 1), "out_tokens": n,
                          "sents": args.sents, "batch": args.batch, "reps": max(1, args.reps),
                          "cache_check_max_abs_diff": check, "peak_rss_mib": common.peak_rss_mib()}
                record.update(env)
                common.emit(record)


if __name__ == "__main__":
    main()
