#!/usr/bin/env python3
"""Summarizes ScanBenchmark's JMH JSON: codes/s and GB/s per benchmark, and the ratios scan/plainLoop and
scan/seqRead for each (bits, size, data). Usage: summarize.py JMH_JSON [--markdown]"""
import json
import sys


def n_codes(bits, size):
    return 1_000_000 if size == "1M" else (128 << 20) // (bits // 8)


def rows(path):
    out = {}
    for r in json.load(open(path)):
        name = r["benchmark"].rsplit(".", 1)[1]
        p = r["params"]
        bits, size, data = int(p["bits"]), p["size"], p["data"]
        n = n_codes(bits, size)
        ops, err = r["primaryMetric"]["score"], r["primaryMetric"]["scoreError"]
        err = err if isinstance(err, (int, float)) else 0.0
        out.setdefault((bits, size, data), {})[name] = {
            "codes_per_s": ops * n, "gb_per_s": ops * n * bits / 8 / 1e9, "err_pct": 100 * err / ops if ops else 0}
    return out


def main():
    table = rows(sys.argv[1])
    md = "--markdown" in sys.argv
    if md:
        print("| bits | array | data | scan (G codes/s) | plain loop (G codes/s) | seq. read (GB/s) | scan (GB/s) "
              "| scan / plain loop | scan / seq. read |")
        print("|---|---|---|---|---|---|---|---|---|")
    for (bits, size, data), b in sorted(table.items()):
        s, p, r = b.get("scan"), b.get("plainLoop"), b.get("seqReadVector") or b.get("seqRead")
        if not (s and p and r):
            continue
        if md:
            print(f"| {bits} | {size} | {data} | {s['codes_per_s']/1e9:.2f} ± {s['err_pct']:.0f}% "
                  f"| {p['codes_per_s']/1e9:.2f} ± {p['err_pct']:.0f}% | {r['gb_per_s']:.1f} ± {r['err_pct']:.0f}% "
                  f"| {s['gb_per_s']:.1f} | {s['codes_per_s']/p['codes_per_s']:.2f} | {s['gb_per_s']/r['gb_per_s']:.2f} |")
        else:
            print(f"{bits:4d} {size:6s} {data:9s} scan {s['codes_per_s']/1e9:6.2f} G/s ({s['gb_per_s']:5.1f} GB/s)  "
                  f"plain {p['codes_per_s']/1e9:6.2f} G/s  seqRead {r['gb_per_s']:5.1f} GB/s  "
                  f"scan/plain {s['codes_per_s']/p['codes_per_s']:.2f}  scan/read {s['gb_per_s']/r['gb_per_s']:.2f}")


if __name__ == "__main__":
    main()
