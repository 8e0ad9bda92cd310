#!/usr/bin/env python3
"""Throughput and tail latency under concurrent clients: QPS and p50/p99 of top-10 queries with 1, 4 and 16
clients at once, our `hamming` query (default mapping and substrings off) beside k-NN HNSW and k-NN's exact path,
on indices loaded by bench_query.py (same --n/--bits/--seed; run it first, with --reps ih,ihscan,kv,hnsw).

Each (client count, engine) block sends the same queries from that many threads (one HTTP connection each; the
client shares the machine's cores with the node, so read QPS as a lower bound and compare engines within a run);
blocks alternate engine order per client count. Every answer's recall is checked against brute force.
`--shards 3` uses the 3-shard indices (bench_query.py --shards 3 loads them); `--concurrent-segment-search none,all`
repeats the blocks with OpenSearch's cluster setting `search.concurrent_segment_search.mode` at each value (restored
to the node's default at the end).

  PYTHONPATH=src /usr/bin/python3 bench/query/concurrency.py --url http://127.0.0.1:9270 --n 1000000 \
      --out docs/bench/results/concurrency-1M-64.json
"""
import argparse
import json
import os
import sys
import threading
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import bench_query as bq  # noqa: E402

from imagehash_demo.client import OpenSearch  # noqa: E402


def run_concurrent(url, engine, queries, bits, n, clients, per_client, truth):
    """`clients` threads, each sending `per_client` top-10 queries one after the other; latencies, wall time, recall."""
    latencies, recalls, errors = [], [], []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def worker(w):
        client = OpenSearch(url)  # one connection per thread
        mine, mine_recall = [], []
        start.wait()
        for j in range(per_client):
            i = (w * per_client + j) % len(queries)
            index, body = bq.build_query(engine, queries[i], bits, n)
            t0 = time.perf_counter()
            try:
                response = client.search(index, body)
            except Exception as e:  # noqa: BLE001 - counted and reported
                with lock:
                    errors.append(str(e)[:200])
                continue
            mine.append((time.perf_counter() - t0) * 1000)
            if engine != "match_all":
                d = truth[i]["dist"]
                hits = [int(h["_id"]) for h in response["hits"]["hits"]]
                mine_recall.append(min(sum(1 for x in hits if d[x] <= truth[i]["d10"]), 10) / 10)
        with lock:
            latencies.extend(mine)
            recalls.extend(mine_recall)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    a = np.array(latencies)
    return {"clients": clients, "queries": len(a), "errors": len(errors), "error_sample": errors[:3],
            "qps": len(a) / wall, "p50_ms": float(np.percentile(a, 50)), "p99_ms": float(np.percentile(a, 99)),
            "recall_at_10": float(np.mean(recalls)) if recalls else None,
            "recall_min": float(np.min(recalls)) if recalls else None}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    bq.add_data_arguments(ap, queries=200)
    ap.add_argument("--clients", default="1,4,16")
    ap.add_argument("--per-client", type=int, default=0, help="queries per client (default: 400 / clients, at least 50)")
    ap.add_argument("--engines", default="ours,ours_scan,hnsw,hnsw_ef256,knn_score")
    ap.add_argument("--slow-per-client", type=int, default=10, help="queries per client for knn_score (slow)")
    ap.add_argument("--concurrent-segment-search", default="",
                    help="comma-separated values of search.concurrent_segment_search.mode to run under (default: as set)")
    ap.add_argument("--out", required=True)
    args = bq.parse_data_arguments(ap)

    codes, labels, queries = bq.make_data(args)
    codes16 = codes.view(np.uint16)
    truth = []
    for q in queries:
        d = bq.distances(codes16, q.view(np.uint16))
        truth.append({"d10": int(np.partition(d, 9)[9]), "dist": d.astype(np.uint16)})
    client = OpenSearch(args.url)
    engines = [e for e in args.engines.split(",") if e]
    # only the indices the chosen engines read (the 10M runs have no HNSW index)
    reps = {"ours": "ih", "ours_scan": "ihscan", "knn_score": "kv", "hnsw": "hnsw", "hnsw_ef256": "hnsw"}
    for rep in sorted({reps[e] for e in engines}):
        index = bq.index_name(rep, args.n, args.bits)
        assert bq.count(client, index) == args.n, f"{index} does not hold {args.n} documents: run bench_query.py first"
    result = {"config": vars(args), "machine": bq.machine_info(), "blocks": []}
    # Every engine for a few seconds before any block is timed: the brute-force pass above sweeps gigabytes through the
    # caches, and whichever engine came first paid for it (10M codes: our top 10 at one client 348-579 QPS when first,
    # 753-797 after HNSW's blocks; 200 queries of its own were not enough when it ran alone: 393-465; docs/BENCHMARKS.md,
    # thirteenth session). Each block still has its own warm-up.
    for engine in engines:
        warm_until = time.perf_counter() + 5
        while time.perf_counter() < warm_until:
            run_concurrent(args.url, engine, queries, args.bits, args.n, 1, args.slow_per_client if engine == "knn_score" else 100, truth)
    modes = [m for m in args.concurrent_segment_search.split(",") if m] or [None]
    for mode in modes:
        if mode is not None:
            client.put("/_cluster/settings", {"persistent": {"search.concurrent_segment_search.mode": mode}})
        for c, clients in enumerate(int(x) for x in args.clients.split(",")):
            order = engines if c % 2 == 0 else list(reversed(engines))
            for engine in order:
                per = args.slow_per_client if engine == "knn_score" else (args.per_client or max(50, 400 // clients))
                run_concurrent(args.url, engine, queries, args.bits, args.n, clients, max(2, per // 5), truth)  # warm-up
                block = {"engine": engine, "shards": args.shards, "concurrent_segment_search": mode,
                         **run_concurrent(args.url, engine, queries, args.bits, args.n, clients, per, truth)}
                result["blocks"].append(block)
                bq.log(f"{mode or ''} {clients} clients {engine}: {block['qps']:.1f} QPS, p50 {block['p50_ms']:.2f} ms, "
                       f"p99 {block['p99_ms']:.2f} ms, recall {block['recall_at_10']}, errors {block['errors']}")
                bq.save(args.out, result)
    if modes != [None]:
        client.put("/_cluster/settings", {"persistent": {"search.concurrent_segment_search.mode": None}})
    result["machine"]["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    bq.save(args.out, result)


if __name__ == "__main__":
    main()
