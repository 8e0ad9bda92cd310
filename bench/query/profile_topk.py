#!/usr/bin/env python3
"""Where the time of one `hamming` top-k query goes inside OpenSearch: the profile API's rewrite_time (the scan of
every segment's codes and the top-k selection happen in Query.rewrite) against the query and collector time, over
the same queries bench_query.py uses. Needs an index loaded by bench_query.py.

  PYTHONPATH=src /usr/bin/python3 bench/query/profile_topk.py --n 1000000 --bits 64 \
      --out docs/bench/results/profile-1M-64.json
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import bench_query as bq  # noqa: E402

from imagehash_demo.client import OpenSearch  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://127.0.0.1:9270")
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--bits", type=int, default=64)
    ap.add_argument("--clusters", type=int, default=2000)
    ap.add_argument("--flip", type=float, default=0.08)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    client = OpenSearch(args.url)
    rng = np.random.default_rng(args.seed)
    centres = rng.integers(0, 256, size=(args.clusters, args.bits // 8), dtype=np.uint8)
    weights = 1.0 / np.arange(1, args.clusters + 1) ** 0.8
    weights /= weights.sum()
    queries = bq.make_queries(centres, weights, args.queries, args.bits, args.flip, args.seed)
    rows = []
    for j in range(-10, len(queries)):
        index, body = bq.build_query("ours", queries[j % len(queries)], args.bits, args.n)
        body["profile"] = True
        r = client.search(index, body)
        if j < 0:
            continue
        s = r["profile"]["shards"][0]["searches"][0]
        rows.append({"took_ms": r["took"], "rewrite_ms": s["rewrite_time"] / 1e6,
                     "query_ms": sum(q["time_in_nanos"] for q in s["query"]) / 1e6,
                     "collector_ms": sum(c["time_in_nanos"] for c in s["collector"]) / 1e6})
    summary = {k: float(np.median([x[k] for x in rows])) for k in rows[0]}
    summary["segments"] = len(client.get(f"/_cat/segments/{bq.index_name('ih', args.n, args.bits)}?format=json"))
    summary["codes_per_s_in_rewrite"] = args.n / (summary["rewrite_ms"] / 1e3)
    out = {"config": vars(args), "median": summary, "queries": rows}
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
