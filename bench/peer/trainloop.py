"""The measured training step shared by transformer_train.py and lstm_train.py: the work of EncDec's `bench train`.

Batches: 64 examples, source and target of 20 random tokens each (ids 5..7999, above EncDec's 5 specials), a fresh
batch every step; the decoder reads BOS + target (21 positions) and predicts target + EOS (21 positions), so a step
has 64 × 21 = 1,344 target tokens. Step: forward, cross-entropy with label smoothing 0.1 (padding ignored), backward,
global gradient-norm clipping at 1.0, Adam (lr 1e-4, betas 0.9/0.98, eps 1e-8), as EncDec's Trainer does.
Reported: the median over the timed steps of target tokens / step seconds, and the process's peak RSS.
"""
import argparse
import sys
import time

import torch
import torch.nn as nn

import common

BATCH, LENGTH, VOCAB, FIRST_TOKEN = 64, 20, 8000, 5


def arguments(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--steps", type=int, default=20, help="timed steps (default 20, as EncDec)")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps first (default 3, as EncDec)")
    p.add_argument("--verbose", action="store_true", help="per-step time and loss on stderr")
    common.add_thread_flag(p)
    return p.parse_args()


def batches(count, seed=12345):
    """count batches of (src (B, S), tgt_in (B, T+1), tgt_out (B, T+1))."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(count):
        src = torch.randint(FIRST_TOKEN, VOCAB, (BATCH, LENGTH), generator=g)
        tgt = torch.randint(FIRST_TOKEN, VOCAB, (BATCH, LENGTH), generator=g)
        tgt_in = torch.cat([torch.full((BATCH, 1), common.BOS), tgt], dim=1)     # (B, T+1)
        tgt_out = torch.cat([tgt, torch.full((BATCH, 1), common.EOS)], dim=1)    # (B, T+1)
        out.append((src, tgt_in, tgt_out))
    return out


def run(name, model, args, extra=None):
    """Trains model for warmup + steps steps on synthetic batches and prints the JSON line."""
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, betas=(0.9, 0.98), eps=1e-8)
    loss_fn = nn.CrossEntropyLoss(ignore_index=common.PAD, label_smoothing=0.1)
    params = list(model.parameters())                                            # shared weights appear once
    data = batches(args.warmup + args.steps)
    rates = []
    for step, (src, tgt_in, tgt_out) in enumerate(data, start=1):
        t0 = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        logits = model(src, tgt_in)                                              # (B, T+1, V)
        loss = loss_fn(logits.reshape(-1, logits.size(-1)), tgt_out.reshape(-1))  # (B·(T+1), V) vs (B·(T+1),)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        value = loss.item()
        dt = time.perf_counter() - t0
        tokens = int(tgt_out.ne(common.PAD).sum())
        if step > args.warmup:
            rates.append(tokens / dt)
        if args.verbose:
            print(f"step {step}: {dt:.3f} s, loss {value:.3f}, peak rss {common.peak_rss_mib():.0f} MiB", file=sys.stderr)
    record = {
        "bench": "train",
        "peer": "pytorch",
        "model": name,
        "params": sum(p.numel() for p in params),
        "tgt_tokens_per_s": round(common.median(rates), 1),
        "peak_rss_mib": common.peak_rss_mib(),
        "steps": args.steps,
        "warmup": args.warmup,
        "batch": BATCH,
        "length": LENGTH,
        "last_loss": round(value, 4),
    }
    record.update(extra or {})
    record.update(common.environment(torch))
    common.emit(record)
