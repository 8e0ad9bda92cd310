#!/usr/bin/env python3
"""The "Planner vs scan" table of docs/BENCHMARKS-MIH.md from one bench/mih/planner.sh run: for each data set, width
and query, two of the run's jars side by side (scan and planner mean ms with their ratio, queries more than 10 %
slower than their scan, the worst query's ratio, segments probed), then a summary line per jar.

  python3 bench/mih/planner_table.py bench/mih/results/planner-1000000-calibrated.jsonl core-before.jar core-after.jar
"""
import json
import sys

CASES = {"k=10": "top 10", "k=100": "top 100"}


def rows(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.startswith("{")]


def main(path, before, after):
    runs = rows(path)
    by = {(r["jar"], r["data"], r["bits"], r["case"]): r for r in runs}
    print("| data | bits | query | before: scan → planner ms (ratio) | after: scan → planner ms (ratio) "
          "| queries > 1.1x their scan, before → after (of 40) | worst query / its scan, before → after "
          "| probed, before → after |")
    print("|---|---|---|---|---|---|---|---|")
    keys = [(r["data"], r["bits"], r["case"]) for r in runs if r["jar"] == before]
    for data, bits, case in keys:
        b, a = by[(before, data, bits, case)], by.get((after, data, bits, case))
        if a is None:
            continue
        cell = lambda r: f"{r['scan_ms']:.3f} → {r['planner_ms']:.3f} ({r['planner_ms'] / r['scan_ms']:.2f})"
        query = CASES.get(case, "radius " + case[2:])
        print(f"| {data} | {bits} | {query} | {cell(b)} | {cell(a)} | {b['slower_than_scan_10pct']} → "
              f"{a['slower_than_scan_10pct']} | {b['worst_ratio']:.2f} → {a['worst_ratio']:.2f} | "
              f"{b['probed']} → {a['probed']} |")
    print()
    for jar in (before, after):
        mine = [r for r in runs if r["jar"] == jar]
        ratios = [r["planner_ms"] / r["scan_ms"] for r in mine]
        over = [f"{r['data']} {r['bits']} {r['case']} {r['planner_ms'] / r['scan_ms']:.2f}" for r in mine
                if r["planner_ms"] / r["scan_ms"] > 1.10]
        print(f"{jar}: {len(mine)} cases, worst mean ratio {max(ratios):.2f}, cases over 1.1x: "
              f"{', '.join(over) if over else 'none'}; queries over 1.1x: "
              f"{sum(r['slower_than_scan_10pct'] for r in mine)} of {sum(r['queries'] for r in mine)}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
