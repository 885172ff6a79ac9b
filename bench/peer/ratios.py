#!/usr/bin/python3
"""Reads the JSON lines of one sitting (EncDec's `bench train|decode|gemm` and the peer scripts, mixed, in any order)
and prints EncDec / PyTorch ratios with the peak RSS of each side. Used by run-all.sh; lines that are not JSON are
ignored.

  /usr/bin/python3 bench/peer/ratios.py results.jsonl
"""
import json
import sys


def load(path):
    encdec, peer = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                r = json.loads(line)
            except ValueError:
                continue
            (peer if r.get("peer") == "pytorch" else encdec).append(r)
    return encdec, peer


def find(records, **keys):
    for r in records:
        if all(r.get(k) == v for k, v in keys.items()):
            return r
    return None


def ratio(a, b):
    return f"{a / b:.2f}x" if a and b else "-"


def rss(r):
    return f"{r['peak_rss_mib']:.0f}" if r and "peak_rss_mib" in r else "-"


def rows(encdec, peer):
    out = []
    for model in ("transformer", "lstm"):
        e, p = find(encdec, bench="train", model=model), find(peer, bench="train", model=model)
        if e or p:
            ev, pv = (e or {}).get("tgt_tokens_per_s"), (p or {}).get("tgt_tokens_per_s")
            note = "" if not (e and p) or e.get("params") == p.get("params") else \
                f"  (parameter counts differ: {e.get('params')} vs {p.get('params')})"
            out.append((f"train {model} (target tokens/s)", ev, f"{pv}", ratio(ev, pv), f"{rss(e)} / {rss(p)}", note))
    for strategy in ("greedy", "beam4"):
        e = find(encdec, bench="decode", strategy=strategy)
        stock = find(peer, bench="decode", strategy=strategy, decoder="recompute")
        cache = find(peer, bench="decode", strategy=strategy, decoder="cache")
        if e or stock or cache:
            ev = (e or {}).get("out_tokens_per_s")
            sv, cv = (stock or {}).get("out_tokens_per_s"), (cache or {}).get("out_tokens_per_s")
            peak = max([x["peak_rss_mib"] for x in (stock, cache) if x] or [0]) or None
            out.append((f"decode {strategy} (output tokens/s)", ev, f"{sv} stock / {cv} cache",
                        f"{ratio(ev, sv)} / {ratio(ev, cv)}", f"{rss(e)} / {peak:.0f}" if peak else f"{rss(e)} / -", ""))
    for p in (r for r in peer if r.get("bench") == "gemm"):
        shape = {k: p.get(k) for k in ("m", "k", "n", "trans", "batch")}
        name = f"gemm {p['m']}x{p['k']}x{p['n']} {p['trans']}" + (f" x{p['batch']}" if p.get("batch") else "")
        for provider in ("managed", "openblas"):
            e = find(encdec, bench="gemm", provider=provider, **shape)
            if e:
                out.append((f"{name} {provider} (GFLOP/s)", e["gflops"], f"{p['gflops']}", ratio(e["gflops"], p["gflops"]), "", ""))
    return out


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: ratios.py RESULTS.jsonl")
    encdec, peer = load(sys.argv[1])
    table = rows(encdec, peer)
    if not table:
        raise SystemExit(f"error: {sys.argv[1]}: no benchmark lines")
    head = ("benchmark", "EncDec", "PyTorch", "EncDec/PyTorch", "peak RSS MiB EncDec / PyTorch")
    widths = [max(len(str(r[i])) for r in table + [head]) for i in range(5)]
    for r in [head] + table:
        print("  ".join(str(r[i]).ljust(widths[i]) for i in range(5)) + (r[5] if len(r) > 5 else ""))


if __name__ == "__main__":
    main()
