#!/usr/bin/python3
"""PyTorch peer of `dotnet run -c Release --project bench/EncDec.Bench -- gemm`: GFLOP/s of torch.mm (torch.bmm for
the batched shape) on the same float32 shapes, layouts and timing rule (9 rounds, 5 with --quick, each long enough
to take about 20 ms; the median round). C (M, N) = op(A) · op(B) with op(A) (M, K), op(B) (K, N); "TN" reads A
stored (K, M) transposed, "NT" reads B stored (N, K) transposed. One JSON line per shape, with the fields of
EncDec's lines (provider "torch").

  /usr/bin/python3 bench/peer/sgemm.py [--quick] [--shape MxKxN[:TT[:BATCH]]] [--threads N]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402

import common  # noqa: E402

# (M, K, N, trans, batch) as in bench/EncDec.Bench/GemmBench.cs
FULL = [
    (512, 512, 512, "NN", 1), (1024, 1024, 1024, "NN", 1), (2048, 2048, 2048, "NN", 1),
    (2048, 256, 256, "NN", 1), (2048, 256, 1024, "NN", 1), (2048, 1024, 256, "NN", 1), (2048, 256, 8000, "NN", 1),
    (256, 2048, 256, "TN", 1), (1024, 2048, 256, "TN", 1), (8000, 2048, 256, "TN", 1),
    (20, 64, 20, "NT", 256),   # attention scores Q·Kᵀ per (batch·head): T = 20, d = 64
]
QUICK = [(512, 512, 512, "NN", 1), (1024, 1024, 1024, "NN", 1), (2048, 256, 1024, "NN", 1), (1024, 2048, 256, "TN", 1)]


def parse_shape(text):
    parts = text.split(":")
    m, k, n = (int(x) for x in parts[0].split("x"))
    return m, k, n, parts[1].upper() if len(parts) > 1 else "NN", int(parts[2]) if len(parts) > 2 else 1


def operands(m, k, n, trans, batch, g):
    """Stored operands and the call computing C = op(A) op(B)."""
    a_shape = (k, m) if trans[0] == "T" else (m, k)
    b_shape = (n, k) if trans[1] == "T" else (k, n)
    a = torch.rand((batch,) + a_shape, generator=g) * 2 - 1
    b = torch.rand((batch,) + b_shape, generator=g) * 2 - 1
    opa = a.transpose(1, 2) if trans[0] == "T" else a             # (batch, M, K), a view
    opb = b.transpose(1, 2) if trans[1] == "T" else b             # (batch, K, N), a view
    c = torch.empty(batch, m, n)
    if batch == 1:
        a2, b2, c2 = opa[0], opb[0], c[0]
        return lambda: torch.mm(a2, b2, out=c2)                   # (M, K) · (K, N) → (M, N)
    return lambda: torch.bmm(opa, opb, out=c)                     # (batch, M, K) · (batch, K, N) → (batch, M, N)


def measure(fn, reps):
    fn()                                                          # warm-up (threads, buffers)
    t0 = time.perf_counter()
    fn()
    inner = max(1, int(0.02 / max(time.perf_counter() - t0, 1e-6)))
    rounds = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        rounds.append((time.perf_counter() - t0) / inner)
    rounds.sort()
    return rounds[reps // 2]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--shape", help="one shape MxKxN[:TT[:BATCH]], e.g. 1024x2048x256:TN or 20x64x20:NT:256")
    common.add_thread_flag(p)
    args = p.parse_args()
    threads = common.set_threads(torch, args.threads)
    shapes = [parse_shape(args.shape)] if args.shape else (QUICK if args.quick else FULL)
    g = torch.Generator().manual_seed(1)
    env = common.environment(torch)
    for m, k, n, trans, batch in shapes:
        seconds = measure(operands(m, k, n, trans, batch, g), 5 if args.quick else 9)
        record = {"bench": "gemm", "peer": "pytorch", "provider": "torch", "m": m, "k": k, "n": n, "trans": trans}
        if batch > 1:
            record["batch"] = batch
        record["gflops"] = round(2.0 * m * n * k * batch / seconds / 1e9, 1)
        record["threads"] = threads
        record["cpu_capability"] = env["cpu_capability"]
        common.emit(record)


if __name__ == "__main__":
    main()
