#!/usr/bin/env python3
"""The "Planner vs scan" table of docs/BENCHMARKS-MIH.md from one bench/mih/planner.sh run: for each segment size, data
set, width and query, two of the run's jars side by side (scan and planner mean ms with their ratio, queries more than
10 % slower than their scan, the worst query's ratio, segments probed), then a summary line per jar. Where a case was
repeated (REPS), the repetition with the median ratio stands for it and the ratios of all are listed.

  python3 bench/mih/planner_table.py bench/mih/results/planner-first-round.jsonl core-before.jar core-first-round.jar
"""
import json
import statistics
import sys
from collections import defaultdict

CASES = {"k=10": "top 10", "k=100": "top 100"}


def rows(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.startswith("{")]


def ratio(r):
    return r["planner_ms"] / r["scan_ms"]


def median_runs(runs):
    """(jar, docs, data, bits, case) -> (the repetition with the median ratio, every repetition's ratio)."""
    reps = defaultdict(list)
    for r in runs:
        reps[(r["jar"], r.get("docs"), r["data"], r["bits"], r["case"])].append(r)
    out = {}
    for key, rs in reps.items():
        rs = sorted(rs, key=ratio)
        out[key] = (rs[(len(rs) - 1) // 2], [ratio(r) for r in rs])  # the lower middle one when even
    return out


def main(path, before, after):
    by = median_runs(rows(path))
    print("| docs | data | bits | query | before: scan → planner ms (ratio) | after: scan → planner ms (ratio) "
          "| queries > 1.1x their scan, before → after (of 40) | worst query / its scan, before → after "
          "| probed, before → after |")
    print("|---:|---|---|---|---|---|---|---|---|")
    keys = sorted({k[1:] for k in by if k[0] == before}, key=lambda k: (-(k[0] or 0), list(by).index((before,) + k)))
    for docs, data, bits, case in keys:
        (b, bratios), found = by[(before, docs, data, bits, case)], by.get((after, docs, data, bits, case))
        if found is None:
            continue
        a, aratios = found

        def cell(r, ratios):
            spread = f"; runs {'/'.join(f'{x:.2f}' for x in ratios)}" if len(ratios) > 1 else ""
            return f"{r['scan_ms']:.3f} → {r['planner_ms']:.3f} ({ratio(r):.2f}{spread})"

        query = CASES.get(case, "radius " + case[2:])
        print(f"| {docs:,} | {data} | {bits} | {query} | {cell(b, bratios)} | {cell(a, aratios)} | "
              f"{b['slower_than_scan_10pct']} → {a['slower_than_scan_10pct']} | {b['worst_ratio']:.2f} → "
              f"{a['worst_ratio']:.2f} | {b['probed']} → {a['probed']} |")
    print()
    for jar in (before, after):
        mine = [(k, r) for k, (r, _) in by.items() if k[0] == jar]
        over = [f"{k[1]:,} {k[2]} {k[3]} {k[4]} {ratio(r):.2f}" for k, r in mine if ratio(r) > 1.10]
        print(f"{jar}: {len(mine)} cases, worst ratio {max(ratio(r) for _, r in mine):.2f}, cases over 1.1x: "
              f"{', '.join(over) if over else 'none'}; queries over 1.1x: "
              f"{sum(r['slower_than_scan_10pct'] for _, r in mine)} of {sum(r['queries'] for _, r in mine)}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
