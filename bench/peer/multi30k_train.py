#!/usr/bin/python3
"""PyTorch peer of the README's Multi30k recipe, for comparing steps, speed and quality at equal wall-clock time.

Recipe (README "Training on a real parallel corpus", `encdec train` defaults for what it leaves out): German→English,
joint BPE vocabulary of 8,000 (here SentencePiece BPE, ids PAD 0, BOS 1, EOS 2, UNK 3 as EncDec's specials), pairs
over 128 tokens on either side dropped, Transformer d_model 256, 4 heads, 3+3 layers, FFN 1024, dropout 0.1, shared
source/target embedding, own output projection with bias (models.Transformer); batches of at most 4,096 padded tokens
(batch × max(source length, target length + 1)) packed from chunks of 8,192 shuffled pairs sorted by max(source, target + 1), then target, source length, batch order
shuffled each epoch (EncDec's Batcher); label smoothing 0.1, gradient-norm clipping 1.0, Adam (0.9, 0.98, eps 1e-8),
lr 5e-4 with linear warm-up over 1,000 steps then inverse square root; until --minutes or --max-steps (20,000).
Then decodes each --translate file (length-sorted batches of 32, at most 200 output tokens, cached incremental
decoder) greedily, and with --beam N also by beam search (GNMT length penalty 0.6, a sentence stops when N hypotheses
have ended), writing OUT/<file>.hyp (and OUT/<file>.beamN.hyp).

Not the same as `encdec train`: the BPE is SentencePiece's, not EncDec's (segmentations differ slightly); EncDec also
validates (loss and greedy BLEU) every 1,000 steps and writes checkpoints inside its time budget, this script does
neither; EncDec's beam search stops a sentence by its score bound, this one at N finished hypotheses.
Prints one JSON line: steps, epochs, training seconds, target tokens/s, peak RSS, and each decoding's speed.

  /usr/bin/python3 bench/peer/multi30k_train.py --train-src DATA/train.de --train-tgt DATA/train.en --out OUT \
                   --minutes 60 [--translate DATA/val.de ...] [--beam 5] [--threads N]
"""
import argparse
import math
import os
import random
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sentencepiece as spm  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import common  # noqa: E402
from common import BOS, EOS, PAD  # noqa: E402
from models import IncrementalDecoder, Transformer  # noqa: E402

UNK = 3
# stock nn.TransformerEncoder takes its nested-tensor fast path for padded batches at inference and warns about it
warnings.filterwarnings("ignore", message="The PyTorch API of nested tensors")
MAX_LEN, CHUNK, DECODE_BATCH, MAX_OUT, LENGTH_PENALTY = 128, 8192, 32, 200, 0.6


def read_lines(path):
    try:
        with open(path, encoding="utf-8") as f:
            return [line.rstrip("\r\n") for line in f]
    except (OSError, UnicodeDecodeError) as e:
        raise SystemExit(f"error: {path}: {e}")


def train_tokenizer(src_lines, tgt_lines, out, vocab):
    joint = os.path.join(out, "joint.txt")
    with open(joint, "w", encoding="utf-8") as f:
        for line in src_lines + tgt_lines:
            if line.strip():
                f.write(line + "\n")
    spm.SentencePieceTrainer.train(input=joint, model_prefix=os.path.join(out, "bpe"), vocab_size=vocab,
                                   model_type="bpe", pad_id=PAD, bos_id=BOS, eos_id=EOS, unk_id=UNK,
                                   character_coverage=1.0, minloglevel=2)
    return spm.SentencePieceProcessor(model_file=os.path.join(out, "bpe.model"))


def plan(pairs, budget, rng):
    """One epoch's batches (lists of pair indices), as EncDec's Batcher packs them."""
    order = list(range(len(pairs)))
    rng.shuffle(order)
    batches = []
    for c0 in range(0, len(order), CHUNK):
        chunk = sorted(order[c0:c0 + CHUNK], key=lambda i: (max(len(pairs[i][0]), len(pairs[i][1]) + 1), len(pairs[i][1]), len(pairs[i][0]), i))
        cur, s, t = [], 0, 0
        for i in chunk:
            ns, nt = max(s, len(pairs[i][0])), max(t, len(pairs[i][1]) + 1)
            if cur and (len(cur) + 1) * max(ns, nt) > budget:
                batches.append(cur)
                cur, ns, nt = [], len(pairs[i][0]), len(pairs[i][1]) + 1
            cur.append(i)
            s, t = ns, nt
        if cur:
            batches.append(cur)
    rng.shuffle(batches)
    return batches


def padded(seqs):
    """List of id lists → (B, max length) with PAD."""
    width = max(1, max(len(x) for x in seqs))
    return torch.tensor([x + [PAD] * (width - len(x)) for x in seqs], dtype=torch.long)


def lr_at(step, peak, warmup):
    """EncDec's InverseSqrtSchedule for the 1-based step."""
    return peak * step / warmup if step < warmup else peak * math.sqrt(warmup) / math.sqrt(step)


def processed(model, hidden, step):
    """Log-probs (R, V) with PAD/BOS banned and only EOS allowed at the length limit."""
    lp = torch.log_softmax(model.generator(hidden), dim=-1)
    lp[:, [PAD, BOS]] = float("-inf")
    if step >= MAX_OUT:
        eos = lp[:, EOS].clone()
        lp.fill_(float("-inf"))
        lp[:, EOS] = eos
    return lp


def greedy(model, src, src_pad):
    """Greedy outputs (id lists without EOS) of one batch; finished rows are dropped from the computation."""
    dec = IncrementalDecoder(model, model.encode(src, src_pad), src_pad)
    outs = [[] for _ in range(src.size(0))]
    alive = list(range(src.size(0)))
    last = torch.full((src.size(0),), BOS, dtype=torch.long)
    for step in range(MAX_OUT + 1):
        tok = processed(model, dec.step(last), step).argmax(-1).tolist()
        keep = [j for j, t in enumerate(tok) if t != EOS]
        for j in keep:
            outs[alive[j]].append(tok[j])
        if not keep:
            break
        if len(keep) < len(alive):
            rows = torch.tensor(keep)
            dec.select(rows)
            dec.select_sources(rows)
            alive = [alive[j] for j in keep]
        last = torch.tensor([tok[j] for j in keep], dtype=torch.long)
    return outs


def beam(model, src, src_pad, k):
    """Beam search outputs of one batch: best finished hypothesis per sentence by score / ((5 + |Y|) / 6)^0.6."""
    dec = IncrementalDecoder(model, model.encode(src, src_pad), src_pad)
    live = list(range(src.size(0)))                      # sentences still searching, in row-block order
    hyps = [[] for _ in live]                            # token lists per row
    scores = torch.zeros(len(live))
    finished = [[] for _ in live]                        # (normalized score, tokens)
    last = torch.full((len(live),), BOS, dtype=torch.long)
    for step in range(MAX_OUT + 1):
        lp = processed(model, dec.step(last), step)     # (R, V)
        width, v = lp.size(0) // len(live), lp.size(1)
        cand = (scores.view(len(live), width, 1) + lp.view(len(live), width, v)).view(len(live), width * v)
        top, idx = cand.topk(min(2 * k, width * v), dim=-1)      # (nb, 2k)
        top, idx = top.tolist(), idx.tolist()
        penalty = ((5 + step + 1) / 6) ** LENGTH_PENALTY
        rows, new_hyps, new_scores, new_live, new_last = [], [], [], [], []
        for si, sent in enumerate(live):
            chosen = []
            for rank, (sc, flat) in enumerate(zip(top[si], idx[si])):
                if sc == float("-inf") or len(chosen) == k:
                    break
                row, tok = si * width + flat // v, flat % v
                if tok == EOS:
                    if rank < k:
                        finished[sent].append((sc / penalty, hyps[row]))
                else:
                    chosen.append((row, tok, sc))
            if len(finished[sent]) >= k or not chosen or step == MAX_OUT:
                continue
            while len(chosen) < k:                       # keep k rows per sentence (repeat the last one)
                chosen.append(chosen[-1][:2] + (float("-inf"),))
            new_live.append(sent)
            for row, tok, sc in chosen:
                rows.append(row)
                new_hyps.append(hyps[row] + [tok])
                new_scores.append(sc)
                new_last.append(tok)
        if not new_live:
            break
        index = torch.tensor(rows)
        dec.select(index)
        if step == 0 or new_live != live:
            dec.select_sources(index)
        live, hyps, scores = new_live, new_hyps, torch.tensor(new_scores)
        last = torch.tensor(new_last, dtype=torch.long)
    return [max(f, key=lambda x: x[0])[1] if f else [] for f in finished]


def translate(model, sp, path, out_path, k):
    lines = read_lines(path)
    encoded = [sp.encode(line) for line in lines]
    order = sorted(range(len(lines)), key=lambda i: (len(encoded[i]), i))
    hyps = [""] * len(lines)
    n_out = 0
    t0 = time.perf_counter()
    with torch.inference_mode():
        for c in range(0, len(order), DECODE_BATCH):
            ids = order[c:c + DECODE_BATCH]
            src = padded([encoded[i] for i in ids])
            src_pad = src.eq(PAD)
            outs = greedy(model, src, src_pad) if k <= 1 else beam(model, src, src_pad, k)
            for i, out in zip(ids, outs):
                hyps[i] = sp.decode(out)
                n_out += len(out)
    wall = time.perf_counter() - t0
    tmp = out_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("".join(h + "\n" for h in hyps))
    os.replace(tmp, out_path)
    return {"file": path, "hyp": out_path, "strategy": "greedy" if k <= 1 else f"beam{k}", "sents": len(lines),
            "out_tokens": n_out, "wall_s": round(wall, 2), "out_tokens_per_s": round(n_out / max(wall, 1e-9), 1)}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--train-src", required=True)
    p.add_argument("--train-tgt", required=True)
    p.add_argument("--out", required=True, help="folder for the tokenizer, the log and the outputs")
    p.add_argument("--minutes", type=float, required=True, help="wall-clock budget of the training loop")
    p.add_argument("--max-steps", type=int, default=20000)
    p.add_argument("--vocab-size", type=int, default=8000)
    p.add_argument("--batch-tokens", type=int, default=4096)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--warmup", type=int, default=1000)
    p.add_argument("--translate", nargs="*", default=[], help="source files to decode after training")
    p.add_argument("--beam", type=int, default=0, help="also decode with beam search of this size")
    p.add_argument("--log-every", type=int, default=100, help="progress line on stderr every N steps (0 = none)")
    common.add_thread_flag(p)
    args = p.parse_args()
    if args.minutes <= 0:
        raise SystemExit("error: --minutes must be positive")
    common.set_threads(torch, args.threads)
    torch.manual_seed(1)
    os.makedirs(args.out, exist_ok=True)

    src_lines, tgt_lines = read_lines(args.train_src), read_lines(args.train_tgt)
    if len(src_lines) != len(tgt_lines):
        raise SystemExit(f"error: {args.train_tgt}: {len(tgt_lines)} lines, but {args.train_src} has {len(src_lines)}")
    sp = train_tokenizer(src_lines, tgt_lines, args.out, args.vocab_size)
    pairs = []
    for s, t in zip(src_lines, tgt_lines):
        if not s.strip() or not t.strip():
            continue
        si, ti = sp.encode(s), sp.encode(t)
        if 1 <= len(si) <= MAX_LEN and 1 <= len(ti) <= MAX_LEN:       # EncDec's LengthFilter (before BOS/EOS)
            pairs.append((si, ti))

    model = Transformer(sp.get_piece_size(), d_model=256, heads=4, encoder_layers=3, decoder_layers=3,
                        feed_forward=1024, dropout=0.1, tie_output=False, max_positions=1024)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.98), eps=1e-8)
    loss_fn = nn.CrossEntropyLoss(ignore_index=PAD, label_smoothing=0.1)
    params = list(model.parameters())
    rng = random.Random(1)
    step, epoch, tokens, loss_value = 0, 0, 0, float("nan")
    budget = args.minutes * 60
    model.train()
    t0 = time.perf_counter()
    while step < args.max_steps and time.perf_counter() - t0 < budget:
        for batch in plan(pairs, args.batch_tokens, rng):
            if step >= args.max_steps or time.perf_counter() - t0 >= budget:
                break
            src = padded([pairs[i][0] for i in batch])                        # (B, S)
            tgt_in = padded([[BOS] + pairs[i][1] for i in batch])             # (B, T+1)
            tgt_out = padded([pairs[i][1] + [EOS] for i in batch])            # (B, T+1)
            step += 1
            for g in optimizer.param_groups:
                g["lr"] = lr_at(step, args.lr, args.warmup)
            optimizer.zero_grad(set_to_none=True)
            logits = model(src, tgt_in, src.eq(PAD), tgt_in.eq(PAD))           # (B, T+1, V)
            loss = loss_fn(logits.reshape(-1, logits.size(-1)), tgt_out.reshape(-1))  # (B·(T+1), V)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            loss_value = loss.item()
            tokens += int(tgt_out.ne(PAD).sum())
            if args.log_every and step % args.log_every == 0:
                el = time.perf_counter() - t0
                print(f"step {step} epoch {epoch} loss {loss_value:.3f} {tokens / el:.0f} tgt tok/s "
                      f"peak rss {common.peak_rss_mib():.0f} MiB", file=sys.stderr, flush=True)
        else:
            epoch += 1
    train_s = time.perf_counter() - t0

    model.eval()
    decodes = []
    for path in args.translate:
        base = os.path.join(args.out, os.path.basename(path))
        decodes.append(translate(model, sp, path, base + ".hyp", 1))
        if args.beam > 1:
            decodes.append(translate(model, sp, path, f"{base}.beam{args.beam}.hyp", args.beam))
    record = {"bench": "multi30k_train", "peer": "pytorch", "steps": step, "epochs": epoch,
              "train_pairs": len(pairs), "minutes": args.minutes, "train_s": round(train_s, 1),
              "tgt_tokens_per_s": round(tokens / max(train_s, 1e-9), 1), "last_loss": round(loss_value, 4),
              "params": sum(x.numel() for x in params), "peak_rss_mib": common.peak_rss_mib(), "decode": decodes}
    record.update(common.environment(torch))
    common.emit(record)


if __name__ == "__main__":
    main()
