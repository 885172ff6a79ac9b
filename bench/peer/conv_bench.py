#!/usr/bin/python3
"""PyTorch peer of `dotnet run -c Release --project bench/EncDec.Bench -- conv`: Conv2d forward + backward (input,
weight and bias gradients) on ResNet-like shapes, float32 NCHW, timed as EncDec times it (one warm-up, then rounds
of enough iterations to take about 0.1 s; the median round).

  /usr/bin/python3 bench/peer/conv_bench.py [--batch 16] [--threads N]     # every shape, one JSON line each
  /usr/bin/python3 bench/peer/conv_bench.py --serve                        # what `bench conv` starts: reads
      lines "N C H W O K STRIDE PAD" on stdin, answers each with the median seconds of one fwd+bwd iteration

GFLOP/s counts 3 × the forward's 2·N·O·C·K²·Ho·Wo multiply-adds (forward, input gradient, weight gradient).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import common  # noqa: E402

SHAPES = [  # (C, H, W, O, K, stride, pad) as in bench/EncDec.Bench/ConvBench.cs
    (64, 56, 56, 64, 3, 1, 1),
    (128, 28, 28, 128, 3, 1, 1),
    (256, 14, 14, 256, 3, 1, 1),
    (64, 56, 56, 128, 1, 2, 0),
]


def make(n, c, h, w, o, k, stride, pad):
    g = torch.Generator().manual_seed(1)
    x = (torch.rand(n, c, h, w, generator=g) * 2 - 1).requires_grad_(True)
    wt = ((torch.rand(o, c, k, k, generator=g) * 2 - 1) * 0.05).requires_grad_(True)
    b = torch.zeros(o, requires_grad=True)
    ho = (h + 2 * pad - k) // stride + 1
    gy = torch.rand(n, o, ho, ho, generator=g)

    def step():
        x.grad = wt.grad = b.grad = None
        y = F.conv2d(x, wt, b, stride=stride, padding=pad)         # (N, O, Ho, Wo)
        y.backward(gy)
    return step, 3 * 2.0 * n * o * c * k * k * ho * ho


def measure(step, rounds, target=0.1):
    step()
    t0 = time.perf_counter()
    step()
    inner = max(1, int(target / max(time.perf_counter() - t0, 1e-6)))
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(inner):
            step()
        times.append((time.perf_counter() - t0) / inner)
    times.sort()
    return times[rounds // 2]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--serve", action="store_true")
    common.add_thread_flag(p)
    args = p.parse_args()
    threads = common.set_threads(torch, args.threads)
    if args.serve:
        for line in sys.stdin:
            parts = [int(v) for v in line.split()]
            if not parts:
                continue
            step, _ = make(*parts)
            print(f"{measure(step, 1):.9f}", flush=True)
        return
    env = common.environment(torch)
    for c, h, w, o, k, s, pad in SHAPES:
        step, flops = make(args.batch, c, h, w, o, k, s, pad)
        sec = measure(step, args.rounds)
        common.emit({"bench": "conv", "peer": "pytorch", "n": args.batch, "c": c, "h": h, "o": o, "k": k, "stride": s,
                     "gflops": round(flops / sec / 1e9, 1), "threads": threads, "cpu_capability": env["cpu_capability"],
                     "mkldnn": torch.backends.mkldnn.is_available()})


if __name__ == "__main__":
    main()
