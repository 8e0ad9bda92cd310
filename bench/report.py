#!/usr/bin/env python3
"""Turns the harnesses' raw results (docs/bench/results/*.json) into the Markdown tables of docs/BENCHMARKS.md
and the PNG plots in docs/bench/. Prints the tables; writes the plots.

  /usr/bin/python3 bench/report.py [docs/bench/results] [docs/bench]
"""
import glob
import json
import os
import sys

import numpy as np

NAMES = {
    "match_all": "`match_all` (fixed cost of a request)",
    "ours": "**our `hamming`**",
    "knn_score": "k-NN exact `knn_score` hamming (binary `knn_vector`)",
    "hammingbit_bin": "k-NN exact `knn_score` hammingbit (`binary` doc values)",
    "hammingbit_long": "k-NN exact `knn_score` hammingbit (`long`)",
    "painless": "Painless `Long.bitCount` (`long` fields)",
    "hnsw": "k-NN Lucene HNSW, approximate (ef_search default)",
    "hnsw_ef256": "k-NN Lucene HNSW, approximate (ef_search 256)",
}
REP_NAMES = {"ih": "`hash_code` (ours)", "kv": "binary `knn_vector`, index.knn false", "bin": "`binary` + doc values",
             "long": "`long` field(s)", "hnsw": "binary `knn_vector`, Lucene HNSW m=16 ef_c=100"}


def agg(rounds, key):
    vals = [r[key] for r in rounds if key in r]
    return float(np.mean(vals)) if vals else None


def engine_rows(engines):
    ours = engines.get("ours", {}).get("rounds")
    base_p50 = agg(ours, "p50_ms") if ours else None
    base_ms = agg(ours, "msearch_ms_per_query") if ours else None
    rows = []
    for name, rec in engines.items():
        if "rounds" not in rec or not rec["rounds"]:
            rows.append(f"| {NAMES.get(name, name)} | failed: {rec.get('error', '')[:120]} | | | | | | |")
            continue
        r = rec["rounds"]
        p50, p99, qps, ms = agg(r, "p50_ms"), agg(r, "p99_ms"), agg(r, "qps"), agg(r, "msearch_ms_per_query")
        recall = agg(r, "recall_at_10")
        exact = [x.get("radius_results_exact") for x in r if "radius_results_exact" in x]
        quality = f"{recall:.3f}" if recall is not None else ("all exact" if exact and all(exact) else
                                                                 ("MISMATCH" if exact else "-"))
        ratio_p50 = f"{p50 / base_p50:.1f}x" if base_p50 and name not in ("ours", "match_all") else ""
        ratio_ms = f"{ms / base_ms:.1f}x" if base_ms and name not in ("ours", "match_all") else ""
        n = r[0]["n"]
        rows.append(f"| {NAMES.get(name, name)} | {p50:.2f} | {p99:.2f} | {qps:.0f} | {ms:.2f} | {ratio_p50} | {ratio_ms} "
                    f"| {quality} | {n}x{len(r)} |")
    return rows


HEADER = ("| engine | p50 ms | p99 ms | QPS (1 client) | server ms/query | p50 vs ours | server vs ours | "
          "recall@10 | queries x rounds |\n|---|---|---|---|---|---|---|---|---|")


def query_tables(path):
    res = json.load(open(path))
    cfg = res["config"]
    out = [f"### {os.path.basename(path)}: N = {cfg['n']:,}, {cfg['bits']} bits",
           "",
           f"Data: {cfg['clusters']} clusters, per-bit flip {cfg['flip']}, seed {cfg['seed']}; 10th-nearest distance "
           f"median {res['data']['d10_median']} (min {res['data']['d10_min']}, max {res['data']['d10_max']}); "
           f"radius {cfg['radius']} holds a median of {res['data']['within_radius_median']:.0f} codes. "
           f"Load average at start {res['machine'].get('loadavg_start')}, at end {res['machine'].get('loadavg_end')}."]
    for state, st in res["states"].items():
        segs = {rep: v.get("segments") for rep, v in st["indices"].items()}
        out.append("")
        out.append(f"**{'force-merged to 1 segment' if state == 'merged' else 'as loaded (not force-merged)'}** "
                   f"(segments per index: {segs})")
        for mode, engines in st["engines"].items():
            title = {"topk": "top 10", "radius": f"all within max_distance {cfg['radius']} (size 100, total hits counted)",
                     "filtered": "top 10 with a term filter keeping ~10 % of the documents"}[mode]
            out += ["", f"_{title}_", "", HEADER] + engine_rows(engines)
    return "\n".join(out), res


def index_table(res):
    n = res["config"]["n"]
    out = ["| representation | indexing docs/s | store B/doc as loaded | store B/doc merged | "
           "code bytes read per query, B/doc (where) | heap B/doc |", "|---|---|---|---|---|---|"]
    loaded = res["states"].get("loaded", {}).get("indices", {})
    merged = res["states"].get("merged", {}).get("indices", {})
    base_dvd = merged.get("hnsw", {}).get("file_sizes", {}).get("dvd")
    # the cache is built on the first query of a state; a state whose segments were already cached shows 0
    # (steady state: the merged state's value when it has one; as loaded, old and merged segments can be cached at once)
    heaps = [st.get("hash_code_cache_bytes_per_doc") for st in res["states"].values()]
    merged_heap = res["states"].get("merged", {}).get("hash_code_cache_bytes_per_doc")
    heap = merged_heap if merged_heap else max([h for h in heaps if h is not None], default=None)
    for rep in ["ih", "kv", "bin", "long", "hnsw"]:
        if rep not in merged and rep not in loaded:
            continue
        idx = res["indexing"].get(rep, {})
        fs = merged.get(rep, {}).get("file_sizes", {})
        if rep == "hnsw":
            read = f"{(fs.get('vec', 0) + fs.get('vex', 0)) / n:.1f} (.vec {fs.get('vec', 0) / n:.1f} + graph .vex {fs.get('vex', 0) / n:.1f}, mmap)"
        elif rep == "ih":
            read = f"{res['config']['bits'] / 8:.1f} (heap `long[]`; doc values read once per segment)"
        else:
            read = f"{(fs.get('dvd', 0) - base_dvd) / n:.1f} (doc values, mmap)" if base_dvd else "-"
        h = f"{heap:.1f}" if rep == "ih" and heap is not None else "0 (per-doc structures are off-heap, mmap)"
        ld = loaded.get(rep, {}).get("store_bytes_per_doc")
        mg = merged.get(rep, {}).get("store_bytes_per_doc")
        out.append(f"| {REP_NAMES[rep]} | {idx.get('docs_per_s', float('nan')):,.0f} | "
                   f"{ld if ld is None else round(ld, 1)} | {mg if mg is None else round(mg, 1)} | {read} | {h} |")
    return "\n".join(out)


def plot_query(results, outdir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    panels = [(os.path.basename(p), r) for p, r in results
              if "merged" in r["states"] and os.path.basename(p).startswith("query-")]
    if not panels:
        return
    ncols = 2
    nrows = (len(panels) + 1) // 2
    fig, axes = plt.subplots(nrows, ncols, figsize=(13, 4.2 * nrows), squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.axis("off")
    for ax, (name, res) in zip(axes.flat, panels):
        eng = res["states"]["merged"]["engines"].get("topk", {})
        labels, p50, p99, colors = [], [], [], []
        for e, rec in eng.items():
            if e == "match_all" or not rec.get("rounds"):
                continue
            r = rec["rounds"]
            rc = agg(r, "recall_at_10")
            labels.append(f"{e}\nrecall {rc:.3f}" if rc is not None else e)
            p50.append(agg(r, "msearch_ms_per_query"))
            p99.append(agg(r, "p99_ms"))
            colors.append("tab:green" if e == "ours" else ("tab:orange" if e.startswith("hnsw") else "tab:gray"))
        y = np.arange(len(labels))
        ax.barh(y, p50, color=colors)
        ax.set_yticks(y, labels, fontsize=8)
        ax.set_xscale("log")
        ax.invert_yaxis()
        for yi, v in zip(y, p50):
            ax.text(v, yi, f" {v:.2f}", va="center", fontsize=8)
        cfg = res["config"]
        ax.set_title(f"top 10, N={cfg['n']:,}, {cfg['bits']} bits, 1 segment ({name})", fontsize=9)
        ax.set_xlabel("server time per query, ms (log; sequential _msearch)")
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "query-top10.png"), dpi=110)


def jmh_table(path):
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "jmh"))
    import summarize
    table = summarize.rows(path)
    out = ["| bits | array | data | scan, G codes/s | original scan | plain loop, G codes/s | seq. read GB/s (vector) "
           "| scan GB/s | **scan / plain loop** | scan / seq. read |", "|---|---|---|---|---|---|---|---|---|---|"]
    for (bits, size, data), b in sorted(table.items()):
        s, p, r, o = b.get("scan"), b.get("plainLoop"), b.get("seqReadVector"), b.get("scanOriginal")
        if not (s and p and r):
            continue
        orig = f"{o['codes_per_s'] / 1e9:.2f}" if o else "-"
        out.append(f"| {bits} | {size} | {data} | {s['codes_per_s'] / 1e9:.2f} ±{s['err_pct']:.0f}% | {orig} "
                   f"| {p['codes_per_s'] / 1e9:.2f} ±{p['err_pct']:.0f}% | {r['gb_per_s']:.1f} | {s['gb_per_s']:.1f} "
                   f"| **{s['codes_per_s'] / p['codes_per_s']:.2f}** | {s['gb_per_s'] / r['gb_per_s']:.2f} |")
    return "\n".join(out), table


def interleaved_table(path):
    rows = json.load(open(path))
    out = ["| bits | array | data | scan, G codes/s | scan before tuning | plain loop | seq. read, GB/s | scan, GB/s "
           "| **scan / plain loop** (min-max) | scan / seq. read | scan / scan before |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        bytes_per = r["bits"] / 8
        def g(name):
            return r[f"{name}_codes_per_s_median"]
        sp, sr, so = r["scan_over_plainLoop"], r["scan_over_seqReadVector"], r["scan_over_scanOriginal"]
        out.append(f"| {r['bits']} | {r['size']} | {r['data']} | {g('scan') / 1e9:.2f} | {g('scanOriginal') / 1e9:.2f} "
                   f"| {g('plainLoop') / 1e9:.2f} | {g('seqReadVector') * bytes_per / 1e9:.1f} "
                   f"| {g('scan') * bytes_per / 1e9:.1f} | **{sp['median']:.2f}** ({sp['min']:.2f}-{sp['max']:.2f}) "
                   f"| {sr['median']:.2f} | {so['median']:.2f} |")
    return "\n".join(out), rows


def plot_interleaved(rows, outdir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(10, 4))
    x = np.arange(len(rows))
    w = 0.2
    series = [("scanOriginal", "scan before tuning", "tab:red"), ("scan", "scan (plugin)", "tab:green"),
              ("plainLoop", "plain XOR+popcount loop (limit)", "tab:blue"), ("seqReadVector", "sequential read", "tab:gray")]
    for i, (b, label, color) in enumerate(series):
        vals = [r[f"{b}_codes_per_s_median"] * r["bits"] / 8 / 1e9 for r in rows]
        ax.bar(x + (i - 1.5) * w, vals, w, label=label, color=color)
    for xi, r in zip(x, rows):
        ax.text(xi - 0.5 * w, r["scan_codes_per_s_median"] * r["bits"] / 8 / 1e9,
                f"{r['scan_over_plainLoop']['median']:.2f}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(x, [f"{r['bits']} bits\n{r['size']}\n{r['data']}" for r in rows], fontsize=8)
    ax.set_ylabel("GB/s of codes (one core)")
    ax.legend(fontsize=8)
    ax.set_title("Per-segment scan vs. plain loop vs. read bandwidth; label = scan / plain loop "
                 "(medians of 25 interleaved rounds)", fontsize=9)
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "kernel.png"), dpi=110)


def plot_jmh(table, outdir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    keys = [k for k in sorted(table) if all(b in table[k] for b in ("scan", "plainLoop", "seqReadVector"))]
    if not keys:
        return
    fig, ax = plt.subplots(figsize=(10, 4))
    x = np.arange(len(keys))
    w = 0.2
    series = [("scanOriginal", "scan before tuning", "tab:red"), ("scan", "scan (plugin)", "tab:green"),
              ("plainLoop", "plain XOR+popcount loop", "tab:blue"), ("seqReadVector", "sequential read", "tab:gray")]
    for i, (b, label, color) in enumerate(series):
        vals = [table[k].get(b, {}).get("gb_per_s", 0) for k in keys]
        ax.bar(x + (i - 1.5) * w, vals, w, label=label, color=color)
    ax.set_xticks(x, [f"{b} bits\n{s}\n{d}" for b, s, d in keys], fontsize=8)
    ax.set_ylabel("GB/s of codes scanned (one core)")
    ax.legend(fontsize=8)
    ax.set_title("Per-segment scan vs. plain loop vs. read bandwidth (JMH, one run)", fontsize=10)
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "kernel-jmh.png"), dpi=110)


def main():
    resdir = sys.argv[1] if len(sys.argv) > 1 else "docs/bench/results"
    outdir = sys.argv[2] if len(sys.argv) > 2 else "docs/bench"
    results = []
    for path in sorted(glob.glob(os.path.join(resdir, "*query-*.json"))):
        text, res = query_tables(path)
        print(text)
        print()
        print(index_table(res))
        print()
        results.append((path, res))
    plot_query(results, outdir)
    jmh = os.path.join(resdir, "jmh-scan.json")
    if os.path.exists(jmh):
        text, table = jmh_table(jmh)
        print("### JMH")
        print()
        print(text)
        plot_jmh(table, outdir)
    inter = os.path.join(resdir, "jmh-interleaved.json")
    if os.path.exists(inter):
        text, rows = interleaved_table(inter)
        plot_interleaved(rows, outdir)
        print()
        print("### Interleaved ratios")
        print()
        print(text)


if __name__ == "__main__":
    main()
