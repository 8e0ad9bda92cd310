#!/usr/bin/env python3
"""Multi-index hashing vs the linear scan, in a real node: latency, identical results, index size and indexing time.

Every index holds each code twice, in a plain `hash_code` field (`plain`: linear scan) and in one with substrings
(`mih`), so that both engines search the same segment in the same run. Per engine, queries run in blocks (alternating
engines would flush each other's caches), after a warm-up that loads the per-segment codes. Results of the two
engines are compared query by query (ids and scores for k; total hits and top ids for max_distance).

Usage (bench/mih/run.sh wraps it, starting the node):
  mih_bench.py --url http://127.0.0.1:9280 --sizes 1000000 --bits 64 128 --data clustered uniform --out DIR
  mih_bench.py ... --data model --model-codes FILE     # codes of the default model, replicated with bit noise
  mih_bench.py ... --overhead                          # separate plain-only / mih-only indices: size and indexing time
  mih_bench.py ... --knn                               # also k-NN's exact knn_score (hamming, binary knn_vector)
"""
import argparse
import json
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "src"))
from imagehash_demo.client import OpenSearch  # noqa: E402

KS = (1, 10, 100)
CASES = ("k", "radius")
RADII = tuple(range(0, 13))


# ---------------------------------------------------------------------------------------------------------------- data
def flip(codes, rng, max_flips):
    """Flips 0..max_flips random bits (uniformly many) in each row of a uint8 code matrix, in place."""
    n, nbytes = codes.shape
    bits = nbytes * 8
    count = rng.integers(0, max_flips + 1, n)
    rows = np.arange(n)
    for slot in range(max_flips):
        apply = slot < count
        pos = rng.integers(0, bits, n)
        r = rows[apply]
        p = pos[apply]
        codes[r, p // 8] ^= (1 << (p % 8)).astype(np.uint8)
    return codes


def make_codes(kind, n, bits, rng, model_codes=None):
    """(codes, centres or None). clustered: n/100 random centres, each code 0..8 bit flips from one."""
    nbytes = bits // 8
    if kind == "uniform":
        return rng.integers(0, 256, (n, nbytes), dtype=np.uint8), None
    if kind == "clustered":
        centres = rng.integers(0, 256, (max(1, n // 100), nbytes), dtype=np.uint8)
    elif kind == "model":
        centres = model_codes
    else:
        raise ValueError(kind)
    codes = centres[rng.integers(0, len(centres), n)]
    return flip(codes, rng, 8 if kind == "clustered" else 3), centres


def make_queries(kind, codes, centres, count, rng):
    """clustered/model: a stored code with 0..4 bit flips (a new photo of a known object); uniform: random codes."""
    if kind == "uniform":
        return rng.integers(0, 256, (count, codes.shape[1]), dtype=np.uint8)
    picked = codes[rng.integers(0, len(codes), count)].copy()
    return flip(picked, rng, 4)


def hex_rows(codes):
    h = codes.tobytes().hex()
    w = codes.shape[1] * 2
    return [h[i * w:(i + 1) * w] for i in range(len(codes))]


# ------------------------------------------------------------------------------------------------------------ indexing
def mih_fields(counts):
    """Field name per substring count: "mih" for the default, "mih_<m>" for an explicit m."""
    return {("mih" if c is None else f"mih_{c}"): c for c in counts}


def create_index(es, name, bits, fields, counts, knn=False):
    try:
        es.delete("/" + name)
    except Exception:
        pass
    props = {}
    if "plain" in fields:
        props["plain"] = {"type": "hash_code", "bits": bits}
    for f, c in mih_fields(counts).items():
        if f not in fields:
            continue
        sub = {"enabled": True}
        if c:
            sub["count"] = c
        props[f] = {"type": "hash_code", "bits": bits, "substrings": sub}
    if knn:
        props["vec"] = {"type": "knn_vector", "dimension": bits, "data_type": "binary"}
    es.put("/" + name, {
        "settings": {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "-1",
                     "translog": {"durability": "async"}},
        "mappings": {"_source": {"enabled": False}, "properties": props},
    })


def bulk_index(es, name, codes, fields, knn=False, chunk=20000, workers=2):
    """Indexes the codes (same value in every field) with 2 concurrent bulk requests; returns seconds."""
    hexes = None
    start = time.perf_counter()
    errors = []

    def body(lo, hi):
        hx = hex_rows(codes[lo:hi])
        lines = []
        for i, h in enumerate(hx):
            doc = {f: h for f in fields}
            if knn:
                doc["vec"] = codes[lo + i].astype(np.int8).tolist()
            lines.append('{"index":{"_index":"%s","_id":"%d"}}' % (name, lo + i))
            lines.append(json.dumps(doc))
        return "\n".join(lines) + "\n"

    def send(lo):
        r = es.request("POST", "/_bulk", body(lo, min(lo + chunk, len(codes))), content_type="application/x-ndjson")
        if r.get("errors"):
            errors.append(next(i for i in r["items"] if "error" in i["index"]))

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(send, range(0, len(codes), chunk)))
    if errors:
        raise RuntimeError(f"bulk errors, first: {errors[0]}")
    es.post(f"/{name}/_refresh")
    return time.perf_counter() - start


def force_merge(es, name):
    start = time.perf_counter()
    es.post(f"/{name}/_forcemerge?max_num_segments=1")
    es.post(f"/{name}/_refresh")
    return time.perf_counter() - start


def store_bytes(es, name):
    stats = es.get(f"/{name}/_stats/store,segments")
    return stats["indices"][name]["primaries"]["store"]["size_in_bytes"], stats["indices"][name]["primaries"]["segments"]["count"]


# ------------------------------------------------------------------------------------------------------------ querying
def hamming(field, hexcode, k=None, radius=None):
    q = {"field": field, "code": hexcode}
    if k is not None:
        q["k"] = k
    if radius is not None:
        q["max_distance"] = radius
    return {"hamming": q}


def knn_query(code_bytes, k):
    return {"size": k, "_source": False, "query": {"script_score": {"query": {"match_all": {}}, "script": {
        "source": "knn_score", "lang": "knn",
        "params": {"field": "vec", "query_value": code_bytes.astype(np.int8).tolist(), "space_type": "hamming"}}}}}


def timed(es, index, body):
    t = time.perf_counter()
    r = es.search(index, body)
    return (time.perf_counter() - t) * 1000, r


def profile_ms(r):
    """Server-side time of the search from the profile: rewrite (where top k runs) + query + collector, in ms."""
    total = 0
    plans = []
    for shard in r["profile"]["shards"]:
        for search in shard["searches"]:
            total += search["rewrite_time"]
            for q in search["query"]:
                total += q["time_in_nanos"]
                plans.append(q["description"])
            for c in search["collector"]:
                total += c["time_in_nanos"]
    return total / 1e6, plans


def summarize(values):
    values = sorted(values)
    return {"mean": statistics.fmean(values), "p50": values[len(values) // 2], "p90": values[int(len(values) * 0.9)],
            "max": values[-1]}


def hits_key(r):
    return [(h["_id"], h["_score"]) for h in r["hits"]["hits"]]


def msearch_ms(es, index, bodies, reps=3):
    """Server-side mean ms per query: one _msearch of all bodies run one at a time (max_concurrent_searches=1), whose
    took covers them all; best of `reps` blocks (the machine is shared), and every block's mean."""
    lines = []
    for b in bodies:
        lines.append(json.dumps({"index": index}))
        lines.append(json.dumps(b))
    payload = "\n".join(lines) + "\n"
    means = []
    for _ in range(reps):
        r = es.request("POST", "/_msearch?max_concurrent_searches=1", payload, content_type="application/x-ndjson")
        errs = [x for x in r["responses"] if "error" in x]
        if errs:
            raise RuntimeError(f"msearch error: {errs[0]}")
        means.append(r["took"] / len(bodies))
    return {"best": min(means), "blocks": means}


def run_block(es, index, bodies):
    lat, took, resp = [], [], []
    for b in bodies:
        ms, r = timed(es, index, b)
        lat.append(ms)
        took.append(r["took"])
        resp.append(r)
    return lat, took, resp


def bench_queries(es, index, queries, log, mfields, knn=False, nq_profile=20):
    hexq = hex_rows(queries)
    engines = ["plain"] + mfields
    results = []
    cases = ([("k", k) for k in KS] if "k" in CASES else []) + ([("radius", r) for r in RADII] if "radius" in CASES else [])
    # warm-up: loads both fields' packed codes and the terms index, and lets the JIT compile both paths
    for f in engines:
        warm = [{"size": 10, "_source": False, "query": hamming(f, h, k=k)} for h in hexq for k in KS]
        warm += [{"size": 10, "_source": False, "query": hamming(f, h, radius=r)} for h in hexq[:20] for r in (0, 4, 8, 12)]
        msearch_ms(es, index, warm, reps=2)
    # the probing code runs a few microseconds per query: give the JIT enough calls to compile it fully (C2)
    warm = [{"size": 10, "_source": False, "query": hamming(f, h, k=k)} for f in mfields for h in hexq for k in (1, 10)]
    warm += [{"size": 10, "_source": False, "query": hamming(f, h, radius=r)} for f in mfields for h in hexq for r in (0, 2, 4, 6)]
    for _ in range(max(1, 6000 // len(warm))):
        msearch_ms(es, index, warm, reps=1)
    for kind, v in cases:
        row = {"case": kind, "value": v}
        bodies = {}
        for f in engines:
            if kind == "k":
                bodies[f] = [{"size": v, "_source": False, "query": hamming(f, h, k=v)} for h in hexq]
            else:
                bodies[f] = [{"size": 10, "_source": False, "track_total_hits": True, "query": hamming(f, h, radius=v)}
                             for h in hexq]
        resp = {}
        for f in engines:
            server = msearch_ms(es, index, bodies[f])
            lat, took, resp[f] = run_block(es, index, bodies[f])
            row[f] = {"server_ms": server, "latency_ms": summarize(lat), "took_ms": summarize(took)}
            prof, plans = [], []
            # the profile times every document of a radius scan (0.5 s a query at 10M): profile fewer of those
            for b in bodies[f][:nq_profile if kind == "k" or f != "plain" else 3]:
                _, r = timed(es, index, dict(b, profile=True))
                ms, p = profile_ms(r)
                prof.append(ms)
                plans.extend(p)
            row[f]["profile_ms"] = summarize(prof)
            if f != "plain":
                row[f]["plans_probed"] = sum(1 for p in plans if "segments probed:1" in p)
                row[f]["plans_scanned"] = sum(1 for p in plans if "scanned:1" in p)
                row[f]["plan_example"] = plans[0][-200:] if plans else None
                same = 0
                for a, b in zip(resp["plain"], resp[f]):
                    if kind == "k":
                        same += hits_key(a) == hits_key(b)
                    else:
                        same += (a["hits"]["total"]["value"] == b["hits"]["total"]["value"] and hits_key(a) == hits_key(b))
                row[f]["identical"] = f"{same}/{len(hexq)}"
        if kind == "radius":
            row["mean_hits"] = statistics.fmean(r["hits"]["total"]["value"] for r in resp["plain"])
        else:
            row["mean_kth_distance"] = statistics.fmean(
                (round(1 / r["hits"]["hits"][-1]["_score"]) - 1) if r["hits"]["hits"] else -1 for r in resp["plain"])
        if knn and kind == "k":
            kb = [knn_query(q, v) for q in queries]
            server = msearch_ms(es, index, kb, reps=1)
            lat, took, kr = run_block(es, index, kb)
            row["knn"] = {"server_ms": server, "latency_ms": summarize(lat), "took_ms": summarize(took)}
            # k-NN's score is 1/(1+d) as ours: compare the distances of the hits (ties may order differently)
            row["knn_same_distances"] = sum(
                [round(1 / h["_score"]) for h in a["hits"]["hits"]] == [round(1 / h["_score"]) for h in b["hits"]["hits"]]
                for a, b in zip(resp["plain"], kr))
        ps = row["plain"]["server_ms"]["best"]
        line = f"  {kind}={v:<4} server ms/query: plain {ps:8.3f} (profile p50 {row['plain']['profile_ms']['p50']:7.3f})"
        for f in mfields:
            ms_ = row[f]["server_ms"]["best"]
            line += (f" | {f} {ms_:7.3f} x{ps / max(ms_, 1e-9):6.1f} (profile p50 {row[f]['profile_ms']['p50']:7.3f})"
                     f" identical {row[f]['identical']} probed/scanned {row[f]['plans_probed']}/{row[f]['plans_scanned']}")
        if "knn" in row:
            line += f" | knn {row['knn']['server_ms']['best']:.2f} same distances {row['knn_same_distances']}"
        line += f" | {'mean hits' if kind == 'radius' else 'mean kth distance'} {row.get('mean_hits', row.get('mean_kth_distance')):.1f}"
        log(line)
        results.append(row)
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://127.0.0.1:9280")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--bits", type=int, nargs="+", default=[64])
    ap.add_argument("--data", nargs="+", default=["clustered", "uniform"])
    ap.add_argument("--counts", nargs="+", default=["default"],
                    help="substrings.count of each MIH field: 'default' and/or integers (one field each)")
    ap.add_argument("--index-only", action="store_true", help="build (and keep) the indices, run no queries")
    ap.add_argument("--reuse", action="store_true", help="use an existing index of the right size instead of re-indexing")
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--model-codes", default=None, help="hex codes of the default model, one a line")
    ap.add_argument("--overhead", action="store_true")
    ap.add_argument("--cases", nargs="+", default=["k", "radius"], help="k and/or radius")
    ap.add_argument("--knn", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the indices")
    ap.add_argument("--out", default="bench/mih/results")
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    global CASES
    CASES = tuple(args.cases)
    counts = [None if c == "default" else int(c) for c in args.counts]
    mf = list(mih_fields(counts))
    tag = "-".join(str(c) for c in args.counts)
    es = OpenSearch(args.url, timeout=3600)
    os.makedirs(args.out, exist_ok=True)
    logf = open(os.path.join(args.out, "log.txt"), "a")

    def log(msg):
        print(msg, flush=True)
        logf.write(msg + "\n")
        logf.flush()

    model = None
    if args.model_codes:
        with open(args.model_codes) as f:
            model = np.array([list(bytes.fromhex(l.strip())) for l in f if l.strip()], dtype=np.uint8)
    for n in args.sizes:
        for bits in args.bits:
            for kind in args.data:
                if kind == "model" and bits != model.shape[1] * 8:
                    continue
                rng = np.random.default_rng(args.seed)
                t = time.perf_counter()
                codes, centres = make_codes(kind, n, bits, rng, model)
                queries = make_queries(kind, codes, centres, args.queries, rng)
                log(f"== {kind} n={n} bits={bits} counts={args.counts} (data made in {time.perf_counter() - t:.1f} s)")
                record = {"data": kind, "n": n, "bits": bits, "counts": args.counts}
                if args.overhead:
                    for fields in (["plain"], [mf[0]]):
                        name = f"ovh-{kind}-{bits}-{n}-{fields[0]}"
                        create_index(es, name, bits, fields, counts)
                        secs = bulk_index(es, name, codes, fields)
                        merge = force_merge(es, name)
                        size, segs = store_bytes(es, name)
                        record[f"overhead_{fields[0]}"] = {"index_s": secs, "merge_s": merge, "store_bytes": size,
                                                           "docs_per_s": n / secs}
                        log(f"  {fields[0]}-only: indexed in {secs:.1f} s ({n / secs:,.0f} docs/s), force-merged in "
                            f"{merge:.1f} s, {size / n:.1f} bytes/doc ({size / 2**20:.1f} MiB)")
                        es.delete("/" + name)
                name = f"mih-{kind}-{bits}-{n}-{tag}" + ("-knn" if args.knn else "")
                existing = None
                if args.reuse:
                    try:
                        existing = es.get(f"/{name}/_count")["count"]
                    except Exception:
                        existing = None
                if existing == n:
                    log(f"  reusing index {name}")
                else:
                    create_index(es, name, bits, ["plain"] + mf, counts, knn=args.knn)
                    secs = bulk_index(es, name, codes, ["plain"] + mf, knn=args.knn)
                    merge = force_merge(es, name)
                    size, segs = store_bytes(es, name)
                    log(f"  all fields: indexed in {secs:.1f} s, merged in {merge:.1f} s, {segs} segment, {size / 2**20:.1f} MiB")
                    record.update({"index_s": secs, "merge_s": merge, "segments": segs, "store_bytes": size})
                if args.index_only:
                    continue
                record["queries"] = bench_queries(es, name, queries, log, mf, knn=args.knn)
                with open(os.path.join(args.out, f"{kind}-{bits}-{n}-{tag}.json"), "w") as f:
                    json.dump(record, f, indent=1)
                if not args.keep and not args.reuse:
                    es.delete("/" + name)
    logf.close()


if __name__ == "__main__":
    main()
