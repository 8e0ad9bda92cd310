#!/usr/bin/env python3
"""Where the time of one top-10 query goes inside OpenSearch, per phase, for our `hamming` query and any other engine
of bench_query.py (match_all, HNSW) on the same node: the profile API's rewrite_time (our scan or probing and the
top-k selection happen in Query.rewrite), query and collector time, the fetch phase where the engine profiles it,
and the rest of `took` (can_match, fetch, coordination), over the same queries bench_query.py uses. Needs the
indices loaded by bench_query.py.

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
    bq.add_data_arguments(ap, queries=100)
    ap.add_argument("--engines", default="ours", help="any of bench_query.py's: ours,ours_scan,match_all,hnsw,...")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--out", required=True)
    args = bq.parse_data_arguments(ap)
    client = OpenSearch(args.url)
    _, _, queries = bq.make_data(args)  # the same queries as bench_query.py (generating the codes takes seconds)
    engines = [e for e in args.engines.split(",") if e]
    rows = {e: [] for e in engines}
    for rnd in range(args.rounds):  # engines in alternating order, each block warmed up first
        for engine in engines if rnd % 2 == 0 else list(reversed(engines)):
            for j in range(-10, len(queries)):
                index, body = bq.build_query(engine, queries[j % len(queries)], args.bits, args.n)
                body["profile"] = True
                r = client.search(index, body)
                if j < 0:
                    continue
                shard = r["profile"]["shards"][0]
                s = shard["searches"][0]
                row = {"took_ms": r["took"], "rewrite_ms": s["rewrite_time"] / 1e6,
                       "query_ms": sum(q["time_in_nanos"] for q in s["query"]) / 1e6,
                       "collector_ms": sum(c["time_in_nanos"] for c in s["collector"]) / 1e6}
                if "fetch" in shard:  # the fetch phase's own profile, where the engine reports it
                    row["fetch_ms"] = sum(f["time_in_nanos"] for f in shard["fetch"]) / 1e6
                # what `took` holds beyond the shard's query phase: can_match, fetch, coordination (reduce, merge)
                row["outside_query_phase_ms"] = row["took_ms"] - row["rewrite_ms"] - row["query_ms"] - row["collector_ms"]
                rows[engine].append(row)
    summary = {e: {k: float(np.median([x[k] for x in rows[e] if k in x])) for k in rows[e][0]} for e in engines}
    segments = len(client.get(f"/_cat/segments/{bq.index_name('ih', args.n, args.bits)}?format=json"))
    out = {"config": vars(args), "segments_of_ours": segments, "median": summary, "queries": rows}
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
