#!/usr/bin/env python3
"""Summarises bench/query/compare_builds.sh: per mode, each build's server ms/query (sequential _msearch) and client
p50, the median over its blocks, the after/before ratio, and recall / exactness, as a markdown table.

  /usr/bin/python3 bench/query/compare_builds.py OUT_DIR
"""
import glob
import json
import os
import statistics
import sys


def blocks(out_dir, build):
    for path in sorted(glob.glob(os.path.join(out_dir, f"{build}-*.json"))):
        with open(path) as f:
            yield json.load(f)


def collect(out_dir, build):
    """{(mode, engine): {"server": [...], "p50": [...], "recall": [...], "exact": [...]}} over every block and round."""
    found = {}
    for result in blocks(out_dir, build):
        for mode, engines in result["states"]["merged"]["engines"].items():
            for engine, rec in engines.items():
                entry = found.setdefault((mode, engine), {"server": [], "p50": [], "recall": [], "exact": []})
                for r in rec.get("rounds", []):
                    entry["server"].append(r["msearch_ms_per_query"])
                    entry["p50"].append(r["p50_ms"])
                    if "recall_at_10" in r:
                        entry["recall"].append(r["recall_at_10"])
                    if "radius_results_exact" in r:
                        entry["exact"].append(r["radius_results_exact"])
    return found


def main(out_dir):
    before, after = collect(out_dir, "before"), collect(out_dir, "after")
    print("| mode | engine | server ms/query before | after | after/before | client p50 ms before | after | recall@10 / exact |")
    print("|---|---|---|---|---|---|---|---|")
    for key in sorted(before):
        if key not in after:
            continue
        b, a = before[key], after[key]
        sb, sa = statistics.median(b["server"]), statistics.median(a["server"])
        quality = "-"
        if a["recall"]:
            quality = f"{min(b['recall']):.3f} / {min(a['recall']):.3f}"
        elif a["exact"]:
            quality = f"exact {all(b['exact'])} / {all(a['exact'])}"
        print(f"| {key[0]} | {key[1]} | {sb:.3f} | {sa:.3f} | {sa / sb:.2f} | {statistics.median(b['p50']):.2f} "
              f"| {statistics.median(a['p50']):.2f} | {quality} |")


if __name__ == "__main__":
    main(sys.argv[1])
