#!/usr/bin/env python3
"""Markdown tables from mih_bench.py's JSON results: report.py bench/mih/results/*.json"""
import json
import sys


def main():
    for path in sys.argv[1:]:
        if not path.endswith(".json"):
            continue
        r = json.load(open(path))
        fields = [f for f in r["queries"][0] if f == "mih" or f.startswith("mih_")]
        knn = any("knn" in q for q in r["queries"])
        print(f"\n#### {r['data']}, N = {r['n']:,}, {r['bits']} bits ({path.split('/')[-1]})\n")
        head = "| query | plain (scan) ms |"
        sep = "|---|---:|"
        for f in fields:
            m = "default" if f == "mih" else f.split("_")[1]
            head += f" MIH m={m} ms | speed-up | identical | probed/scanned |"
            sep += "---:|---:|---:|---:|"
        if knn:
            head += " k-NN knn_score ms |"
            sep += "---:|"
        head += " kth dist / hits |"
        sep += "---:|"
        print(head)
        print(sep)
        for q in r["queries"]:
            name = f"k={q['value']}" if q["case"] == "k" else f"r={q['value']}"
            ps = q["plain"]["server_ms"]["best"]
            line = f"| {name} | {ps:.2f} |"
            for f in fields:
                ms = q[f]["server_ms"]["best"]
                line += f" {ms:.2f} | {ps / max(ms, 1e-3):.1f}x | {q[f]['identical']} | {q[f]['plans_probed']}/{q[f]['plans_scanned']} |"
            if knn:
                line += f" {q['knn']['server_ms']['best']:.1f} |" if "knn" in q else " |"
            extra = q.get("mean_kth_distance", q.get("mean_hits"))
            line += f" {extra:.1f} |"
            print(line)


if __name__ == "__main__":
    main()
