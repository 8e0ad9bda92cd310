#!/usr/bin/env python3
"""Query benchmark: our `hamming` query side by side with the k-NN plugin's paths, on one real node.

The same codes (clustered, reproducible from --seed) go into one index per representation:

  ih    `hash_code` field (default mapping: substrings on up to 256 bits) -> our `hamming` query (top k,
        max_distance, filter), the planner choosing per segment between probing and the scan
  ihscan `hash_code` field with substrings off  -> our `hamming` query by the scan alone (engine `ours_scan`)
  kv    binary `knn_vector`, index.knn false    -> k-NN exact script_score `knn_score` / space_type hamming
  bin   `binary` field with doc values          -> k-NN exact script_score `knn_score` / space_type hammingbit
  long  one `long` field per 64 bits            -> Painless Long.bitCount script; k-NN `hammingbit` on long (64 bits)
  hnsw  binary `knn_vector`, Lucene HNSW        -> k-NN approximate `knn` query (recall@10 against exact)

On Elasticsearch (the plugin's Elasticsearch flavour; no k-NN plugin there), its own bit vectors instead:

  esflat  `dense_vector` `element_type: bit`, `flat`  -> ES `knn` query, exact (brute force)
  eshnsw  `dense_vector` `element_type: bit`, `hnsw`  -> ES `knn` query, approximate (num_candidates 100 / 256)

Loading refreshes every --refresh-every documents, as a live index does, so that the "loaded" state has the
segments that indexing and the merge policy leave. For each index state (as loaded, then force-merged to one segment) each engine runs in its own block: warm-up
queries, then timed queries with a client-side timer (stdlib client, one request at a time: single-client QPS).
Blocks run twice, the second time in reverse engine order. Recall is tie-aware: a hit counts when its true
distance is at most the exact 10th-nearest distance.

  PYTHONPATH=src /usr/bin/python3 bench/query/bench_query.py --url http://127.0.0.1:9270 --n 1000000 --bits 64 \
      --out docs/bench/results/query-1M-64.json
"""
import argparse
import base64
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

from imagehash_demo.client import OpenSearch, OpenSearchError

REPS = ["ih", "kv", "bin", "long", "hnsw"]  # OpenSearch; Elasticsearch: --reps ih,esflat,eshnsw
LABELS = 10  # label values, uniform: a term filter keeps ~10 % of the documents


# ----------------------------------------------------------------------------------------------------------- data
def make_codes(n, bits, clusters, flip, seed):
    """n codes (uint8, bits/8 bytes each) around `clusters` random centres, each bit flipped with prob `flip`.
    Cluster sizes follow a Zipf-like law (a few big clusters, a long tail), as image collections do."""
    rng = np.random.default_rng(seed)
    nbytes = bits // 8
    centres = rng.integers(0, 256, size=(clusters, nbytes), dtype=np.uint8)
    weights = 1.0 / np.arange(1, clusters + 1) ** 0.8
    weights /= weights.sum()
    out = np.empty((n, nbytes), dtype=np.uint8)
    chunk = 250_000
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        assign = rng.choice(clusters, size=m, p=weights)
        noise = rng.random((m, bits)) < flip
        out[start:start + m] = centres[assign] ^ np.packbits(noise, axis=1)
    labels = rng.integers(0, LABELS, size=n)
    return centres, weights, out, labels


def make_queries(centres, weights, count, bits, flip, seed):
    rng = np.random.default_rng(seed + 1_000_003)
    assign = rng.choice(len(centres), size=count, p=weights)
    noise = rng.random((count, bits)) < flip
    return centres[assign] ^ np.packbits(noise, axis=1)


def flip_bits(codes, flips, rng):
    """A copy of `codes` with flips[i] distinct random bits flipped in row i."""
    bits = codes.shape[1] * 8
    unpacked = np.unpackbits(codes, axis=1)
    order = np.argsort(rng.random((len(codes), bits)), axis=1)  # a random permutation of the bit positions per row
    mask = np.arange(bits)[None, :] < np.asarray(flips)[:, None]
    rows = np.repeat(np.arange(len(codes)), bits).reshape(len(codes), bits)
    unpacked[rows[mask], order[mask]] ^= 1
    return np.packbits(unpacked, axis=1)


def make_heldout_style(n, bits, clusters, seed, count):
    """The data of issue #16's held-out runs: codes around `clusters` random centres (200 there), each with 0-15
    distinct bits flipped, uniform cluster sizes; each query a stored code with one bit flipped."""
    rng = np.random.default_rng(seed)
    centres = rng.integers(0, 256, size=(clusters, bits // 8), dtype=np.uint8)
    out = np.empty((n, bits // 8), dtype=np.uint8)
    chunk = 100_000
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        out[start:start + m] = flip_bits(centres[rng.integers(0, clusters, size=m)], rng.integers(0, 16, size=m), rng)
    labels = rng.integers(0, LABELS, size=n)
    queries = flip_bits(out[rng.integers(0, n, size=count)], np.ones(count, dtype=int), rng)
    return out, labels, queries


def make_data(args):
    """(codes, labels, queries) of the data set the arguments name (--style)."""
    if args.style == "heldout":
        return make_heldout_style(args.n, args.bits, args.clusters, args.seed, args.queries)
    centres, weights, codes, labels = make_codes(args.n, args.bits, args.clusters, args.flip, args.seed)
    return codes, labels, make_queries(centres, weights, args.queries, args.bits, args.flip, args.seed)


POP16 = np.array([bin(i).count("1") for i in range(1 << 16)], dtype=np.uint8)


def distances(codes_u16, query_u16):
    """Hamming distances of one query to every code (codes viewed as uint16 words)."""
    x = np.bitwise_xor(codes_u16, query_u16)
    return POP16[x].sum(axis=1, dtype=np.int32)


# ---------------------------------------------------------------------------------------------------- documents
def doc_source(rep, code_bytes, label, bits):
    lab = f"l{label}"
    if rep in ("ih", "ihscan"):
        return '{"code":"%s","label":"%s"}' % (code_bytes.tobytes().hex(), lab)
    if rep in ("kv", "hnsw"):
        return '{"vec":[%s],"label":"%s"}' % (",".join(str(int(b)) for b in code_bytes.view(np.int8)), lab)
    if rep in ("esflat", "eshnsw"):
        return '{"v":"%s","label":"%s"}' % (code_bytes.tobytes().hex(), lab)
    if rep == "bin":
        return '{"b":"%s","label":"%s"}' % (base64.b64encode(code_bytes.tobytes()).decode(), lab)
    if rep == "long":
        words = code_bytes.view(">i8")
        return "{%s,\"label\":\"%s\"}" % (",".join('"l%d":%d' % (i, int(w)) for i, w in enumerate(words)), lab)
    raise ValueError(rep)


# Primary shards of every index (--shards) and the data style (--style); indices of other shard counts and styles are
# named apart so that several can stay loaded.
SHARDS = 1
STYLE = "zipf"


def mapping(rep, bits):
    props = {"label": {"type": "keyword"}}
    settings = {"number_of_shards": SHARDS, "number_of_replicas": 0, "refresh_interval": "-1"}
    if rep == "ih":
        props["code"] = {"type": "hash_code", "bits": bits}
    elif rep == "ihscan":
        props["code"] = {"type": "hash_code", "bits": bits, "substrings": {"enabled": False}}
    elif rep == "kv":
        settings["knn"] = False
        props["vec"] = {"type": "knn_vector", "dimension": bits, "data_type": "binary"}
    elif rep == "hnsw":
        settings["knn"] = True
        props["vec"] = {"type": "knn_vector", "dimension": bits, "data_type": "binary",
                        "method": {"name": "hnsw", "engine": "lucene", "space_type": "hamming",
                                   "parameters": {"m": 16, "ef_construction": 100}}}
    elif rep in ("esflat", "eshnsw"):
        options = {"type": "flat"} if rep == "esflat" else {"type": "hnsw", "m": 16, "ef_construction": 100}
        props["v"] = {"type": "dense_vector", "element_type": "bit", "dims": bits, "index": True, "similarity": "l2_norm",
                      "index_options": options}
    elif rep == "bin":
        props["b"] = {"type": "binary", "doc_values": True}
    elif rep == "long":
        for i in range(bits // 64):
            props[f"l{i}"] = {"type": "long"}
    return {"settings": {"index": settings}, "mappings": {"_source": {"enabled": True}, "properties": props}}


def index_name(rep, n, bits):
    return f"bench-{rep}-{bits}-{n}" + (f"-s{SHARDS}" if SHARDS > 1 else "") + ("-heldout" if STYLE == "heldout" else "")


def count(client, index):
    try:
        return client.get(f"/{index}/_count")["count"]
    except OpenSearchError:
        return -1


def load(client, rep, codes, labels, bits, batch=5000, refresh_every=0):
    """(Re)creates the index and bulk-loads it; returns indexing timings."""
    n = len(codes)
    index = index_name(rep, n, bits)
    try:
        client.delete(f"/{index}")
    except OpenSearchError:
        pass
    client.put(f"/{index}", mapping(rep, bits))
    request_s = 0.0
    t_all = time.perf_counter()
    for start in range(0, n, batch):
        stop = min(n, start + batch)
        action = '{"index":{"_id":"%d"}}'
        body = "\n".join(action % i + "\n" + doc_source(rep, codes[i], labels[i], bits) for i in range(start, stop)) + "\n"
        t0 = time.perf_counter()
        resp = client.request("POST", f"/{index}/_bulk", body, content_type="application/x-ndjson")
        request_s += time.perf_counter() - t0
        if resp.get("errors"):
            bad = next(it for it in resp["items"] if it["index"].get("error"))
            raise RuntimeError(f"bulk into {index} failed: {json.dumps(bad)[:1000]}")
        if refresh_every and stop % refresh_every == 0 and stop < n:
            # a live index refreshes as it grows: segments get written (and merged) on the way, as in production
            t0 = time.perf_counter()
            client.post(f"/{index}/_refresh")
            request_s += time.perf_counter() - t0
        if (start // batch) % 40 == 0:
            log(f"  {index}: {stop}/{n} docs, {request_s:.1f} s in bulk requests")
    t0 = time.perf_counter()
    client.post(f"/{index}/_refresh")
    refresh_s = time.perf_counter() - t0
    wall_s = time.perf_counter() - t_all
    return {"docs": n, "bulk_request_s": request_s, "refresh_s": refresh_s, "wall_s": wall_s,
            "docs_per_s": n / (request_s + refresh_s), "batch": batch, "refresh_every": refresh_every}


def force_merge(client, index):
    t0 = time.perf_counter()
    client.timeout = 7200
    client.post(f"/{index}/_forcemerge?max_num_segments=1")
    client.post(f"/{index}/_refresh")
    client.timeout = 600
    return time.perf_counter() - t0


def index_stats(client, index, n):
    stats = client.get(f"/{index}/_stats/store,segments")["indices"][index]["primaries"]
    segs = client.get(f"/_cat/segments/{index}?format=json")
    out = {"store_bytes": stats["store"]["size_in_bytes"], "store_bytes_per_doc": stats["store"]["size_in_bytes"] / n,
           "segments": len(segs)}
    # bytes per Lucene file extension (dvd/dvm: doc values, vec/vex/vem: vectors and HNSW graph, tim/doc: terms...)
    files = client.get(f"/{index}/_stats/segments?include_segment_file_sizes=true")["indices"][index]["primaries"]
    out["file_sizes"] = {ext: v["size_in_bytes"] for ext, v in files["segments"].get("file_sizes", {}).items()}
    return out


def breaker_bytes(client):
    nodes = client.get("/_nodes/stats/breaker")["nodes"]
    return sum(nd["breakers"].get("hash_code", {}).get("estimated_size_in_bytes", 0) for nd in nodes.values())


def jvm_heap_used(client):
    nodes = client.get("/_nodes/stats/jvm")["nodes"]
    return sum(nd["jvm"]["mem"]["heap_used_in_bytes"] for nd in nodes.values())


# ------------------------------------------------------------------------------------------------------- queries
def q_int8(q):
    return [int(b) for b in q.view(np.int8)]


def build_query(engine, q, bits, n, label=None, radius=None):
    """The request body for one engine; `label` adds a term filter, `radius` asks for all docs within it."""
    filt = {"term": {"label": f"l{label}"}} if label is not None else None
    base = {"size": 10, "_source": False, "track_total_hits": False}
    if radius is not None:
        base = {"size": 100, "_source": False, "track_total_hits": True}
    hexcode = q.tobytes().hex()
    if engine in ("ours", "ours_scan"):
        hq = {"field": "code", "code": hexcode}
        if radius is not None:
            hq["max_distance"] = radius
        else:
            hq["k"] = 10
        if filt:
            hq["filter"] = filt
        return index_name("ih" if engine == "ours" else "ihscan", n, bits), dict(base, query={"hamming": hq})
    if engine in ("knn_score", "hammingbit_bin", "hammingbit_long", "painless"):
        inner = {"bool": {"filter": filt}} if filt else {"match_all": {}}
        if engine == "knn_score":
            rep, script = "kv", {"lang": "knn", "source": "knn_score",
                                 "params": {"field": "vec", "query_value": q_int8(q), "space_type": "hamming"}}
        elif engine == "hammingbit_bin":
            rep, script = "bin", {"lang": "knn", "source": "knn_score",
                                  "params": {"field": "b", "query_value": base64.b64encode(q.tobytes()).decode(),
                                             "space_type": "hammingbit"}}
        elif engine == "hammingbit_long":
            rep, script = "long", {"lang": "knn", "source": "knn_score",
                                   "params": {"field": "l0", "query_value": int(q.view(">i8")[0]),
                                              "space_type": "hammingbit"}}
        else:
            words = bits // 64
            src = "int d = 0;" + "".join(f" d += Long.bitCount(doc['l{i}'].value ^ params.q{i});" for i in range(words))
            src += " return 1.0 / (1 + d);"
            rep, script = "long", {"lang": "painless", "source": src,
                                   "params": {f"q{i}": int(w) for i, w in enumerate(q.view(">i8"))}}
        ss = {"query": inner, "script": script}
        if radius is not None:
            ss["min_score"] = 1.0 / (1 + radius + 0.5)
        return index_name(rep, n, bits), dict(base, query={"script_score": ss})
    if engine.startswith("hnsw"):
        kq = {"vector": q_int8(q), "k": 10}
        if "_ef" in engine:
            kq["method_parameters"] = {"ef_search": int(engine.split("_ef")[1])}
        if filt:
            kq["filter"] = filt
        return index_name("hnsw", n, bits), dict(base, query={"knn": {"vec": kq}})
    if engine.startswith("es_"):  # Elasticsearch bit vectors: flat = exact, hnsw = approximate
        kq = {"field": "v", "query_vector": hexcode, "k": 10, "num_candidates": 100}
        if "_nc" in engine:
            kq["num_candidates"] = int(engine.split("_nc")[1])
        if filt:
            kq["filter"] = filt
        rep = "esflat" if engine == "es_flat" else "eshnsw"
        return index_name(rep, n, bits), dict(base, query={"knn": kq})
    if engine == "match_all":
        return index_name("ih", n, bits), dict(base, query={"match_all": {}})
    raise ValueError(engine)


def run_block(client, engine, queries, bits, n, mode, labels_q, radius, warmup):
    lat, took, hits_all, totals = [], [], [], []
    for j in range(-warmup, len(queries)):
        q = queries[j % len(queries)]
        label = int(labels_q[j % len(queries)]) if mode == "filtered" else None
        index, body = build_query(engine, q, bits, n, label=label, radius=radius if mode == "radius" else None)
        t0 = time.perf_counter()
        resp = client.search(index, body)
        dt = time.perf_counter() - t0
        if j < 0:
            continue
        lat.append(dt * 1000)
        took.append(resp["took"])
        hits_all.append([int(h["_id"]) for h in resp["hits"]["hits"]])
        if mode == "radius":
            totals.append(resp["hits"]["total"]["value"])
    return lat, took, hits_all, totals


def run_msearch(client, engine, queries, bits, n, mode, labels_q, radius):
    """Server-side mean time per query, free of HTTP and client cost: all queries in one `_msearch` run one after
    the other (max_concurrent_searches=1); the response's `took` divided by the number of queries."""
    lines = []
    for j, q in enumerate(queries):
        label = int(labels_q[j]) if mode == "filtered" else None
        index, body = build_query(engine, q, bits, n, label=label, radius=radius if mode == "radius" else None)
        lines.append(json.dumps({"index": index}))
        lines.append(json.dumps(body))
    resp = client.request("POST", "/_msearch?max_concurrent_searches=1", "\n".join(lines) + "\n",
                          content_type="application/x-ndjson")
    errors = [r for r in resp["responses"] if "error" in r]
    if errors:
        raise RuntimeError(json.dumps(errors[0])[:500])
    return resp["took"] / len(queries)


def summarize(lat):
    a = np.array(lat)
    return {"n": len(a), "p50_ms": float(np.percentile(a, 50)), "p99_ms": float(np.percentile(a, 99)),
            "mean_ms": float(a.mean()), "qps": float(1000.0 / a.mean())}


def log(msg):
    print(time.strftime("%H:%M:%S"), msg, file=sys.stderr, flush=True)


def machine_info():
    info = {"python": platform.python_version(), "cpus": os.cpu_count()}
    try:
        info["cpu_model"] = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
        info["loadavg_start"] = open("/proc/loadavg").read().split()[:3]
        info["other_processes_top_cpu"] = subprocess.run(
            ["ps", "-eo", "pcpu,comm,args", "--sort=-pcpu"], capture_output=True, text=True
        ).stdout.splitlines()[1:6]
    except Exception as e:  # noqa: BLE001 - informative only
        info["error"] = str(e)
    return info


def add_data_arguments(ap, queries):
    """The node, data set and queries: the harnesses beside this one (profile_topk.py, concurrency.py) take the same
    arguments with the same defaults, so the same values find the indices this script loaded and the same queries."""
    ap.add_argument("--url", default="http://127.0.0.1:9270")
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--bits", type=int, default=64)
    ap.add_argument("--clusters", type=int, default=2000)
    ap.add_argument("--flip", type=float, default=0.08, help="per-bit flip probability around a cluster centre")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--queries", type=int, default=queries)
    ap.add_argument("--shards", type=int, default=1, help="primary shards per index (indices of more than one are named -sN)")
    ap.add_argument("--style", choices=["zipf", "heldout"], default="zipf",
                    help="zipf: Zipf-sized clusters, per-bit flips (--flip), queries near centres; heldout: uniform "
                         "clusters (use --clusters 200), 0-15 bits flipped per code, each query a stored code with one "
                         "bit flipped (indices named -heldout)")


def parse_data_arguments(ap):
    """Parses and applies the data arguments (the shard count names the indices)."""
    global SHARDS, STYLE
    args = ap.parse_args()
    SHARDS, STYLE = args.shards, args.style
    return args


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_arguments(ap, queries=200)
    ap.add_argument("--slow-queries", type=int, default=50, help="timed queries for the script engines (slow)")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--radius", type=int, default=None, help="max_distance for radius queries (default bits/8)")
    ap.add_argument("--reps", default=",".join(REPS), help="representations to index")
    ap.add_argument("--engines", default="match_all,ours,knn_score,hammingbit_bin,hammingbit_long,painless,hnsw,hnsw_ef256")
    ap.add_argument("--modes", default="topk,radius,filtered")
    ap.add_argument("--states", default="loaded,merged")
    ap.add_argument("--refresh-every", type=int, default=100_000,
                    help="refresh after every this many documents while loading (0: once at the end)")
    ap.add_argument("--reuse", action="store_true", help="keep indices that already hold n documents")
    ap.add_argument("--out", required=True)
    args = parse_data_arguments(ap)
    radius = args.radius if args.radius is not None else args.bits // 8

    client = OpenSearch(args.url, timeout=600)
    reps = [r for r in args.reps.split(",") if r]
    engines = [e for e in args.engines.split(",") if e]
    if args.bits != 64:
        engines = [e for e in engines if e != "hammingbit_long"]
    need = {"ours": "ih", "ours_scan": "ihscan", "match_all": "ih", "knn_score": "kv", "hammingbit_bin": "bin", "hammingbit_long": "long",
            "painless": "long", "es_flat": "esflat"}
    engines = [e for e in engines
               if need.get(e, "hnsw" if e.startswith("hnsw") else "eshnsw" if e.startswith("es_hnsw") else None) in reps]

    log(f"generating {args.n} codes of {args.bits} bits")
    codes, labels, queries = make_data(args)
    labels_q = np.random.default_rng(args.seed + 7).integers(0, LABELS, size=args.queries)
    codes16 = codes.view(np.uint16)
    log("exact ground truth")
    truth = []
    for i, q in enumerate(queries):
        d = distances(codes16, q.view(np.uint16))
        order = np.lexsort((np.arange(args.n), d))
        dl = d[labels == labels_q[i]]
        truth.append({
            "d10": int(d[order[9]]),
            "d10_filtered": int(np.partition(dl, 9)[9]),
            "within_radius": int((d <= radius).sum()),
            "dist": d.astype(np.uint16),  # kept for recall checks: 2 bytes per code per query
        })
    d10s = [t["d10"] for t in truth]
    log(f"10th-nearest distance: median {np.median(d10s)}, min {min(d10s)}, max {max(d10s)}; "
        f"within radius {radius}: median {np.median([t['within_radius'] for t in truth])}")

    result = {"config": vars(args) | {"radius": radius}, "machine": machine_info(), "indexing": {}, "states": {},
              "data": {"d10_median": float(np.median(d10s)), "d10_min": min(d10s), "d10_max": max(d10s),
                       "within_radius_median": float(np.median([t["within_radius"] for t in truth]))}}
    try:
        result["versions"] = {p["component"]: p["version"] for p in client.get("/_cat/plugins?format=json")}
    except Exception:  # noqa: BLE001
        pass

    # ---- indexing
    for rep in reps:
        index = index_name(rep, args.n, args.bits)
        if args.reuse and count(client, index) == args.n:
            log(f"reusing {index}")
            continue
        log(f"indexing {index}")
        result["indexing"][rep] = load(client, rep, codes, labels, args.bits, refresh_every=args.refresh_every)
        log(f"  {result['indexing'][rep]['docs_per_s']:.0f} docs/s")
        save(args.out, result)

    for state in args.states.split(","):
        st = result["states"].setdefault(state, {"indices": {}, "engines": {}})
        if state == "merged":
            for rep in reps:
                index = index_name(rep, args.n, args.bits)
                log(f"force-merging {index}")
                st["indices"].setdefault(rep, {})["forcemerge_s"] = force_merge(client, index)
                save(args.out, result)
        for rep in reps:
            st["indices"].setdefault(rep, {}).update(index_stats(client, index_name(rep, args.n, args.bits), args.n))
        st["breaker_before"] = breaker_bytes(client)
        st["heap_before"] = jvm_heap_used(client)
        for mode in args.modes.split(","):
            mode_engines = [e for e in engines
                            if not (mode == "radius" and (e.startswith(("hnsw", "es_")) or e == "match_all"))]
            for rnd in range(args.rounds):
                order = mode_engines if rnd % 2 == 0 else list(reversed(mode_engines))
                for engine in order:
                    slow = engine in ("knn_score", "hammingbit_bin", "hammingbit_long", "painless")
                    qs = queries[: args.slow_queries] if slow else queries
                    warm = max(3, args.warmup // 4) if slow else args.warmup
                    log(f"[{state}] {mode} round {rnd} {engine}: {len(qs)} queries")
                    try:
                        lat, took, hits, totals = run_block(client, engine, qs, args.bits, args.n, mode, labels_q,
                                                            radius, warm)
                    except OpenSearchError as e:
                        log(f"  FAILED: {str(e)[:300]}")
                        st["engines"].setdefault(mode, {}).setdefault(engine, {})["error"] = str(e)[:1000]
                        continue
                    rec = st["engines"].setdefault(mode, {}).setdefault(engine, {"rounds": []})
                    summ = summarize(lat)
                    summ["took_mean_ms"] = float(np.mean(took))
                    summ["msearch_ms_per_query"] = run_msearch(client, engine, qs, args.bits, args.n, mode, labels_q,
                                                               radius)
                    # quality
                    if engine != "match_all":
                        recalls, exact_ok = [], True
                        for i, h in enumerate(hits):
                            t = truth[i]
                            d = t["dist"]
                            if mode == "radius":
                                ok = totals[i] == t["within_radius"] and all(d[x] <= radius for x in h)
                                exact_ok &= ok
                                continue
                            if mode == "filtered":
                                bad = [x for x in h if labels[x] != labels_q[i]]
                                lim = t["d10_filtered"]
                            else:
                                bad, lim = [], t["d10"]
                            good = sum(1 for x in h if d[x] <= lim and x not in bad)
                            recalls.append(min(good, 10) / 10)
                        if recalls:
                            summ["recall_at_10"] = float(np.mean(recalls))
                            summ["recall_min"] = float(np.min(recalls))
                        if mode == "radius":
                            summ["radius_results_exact"] = bool(exact_ok)
                            summ["radius_total_median"] = float(np.median(totals))
                    summ["latencies_ms"] = [round(x, 3) for x in lat]
                    rec["rounds"].append(summ)
                    log(f"  p50 {summ['p50_ms']:.2f} ms p99 {summ['p99_ms']:.2f} ms qps {summ['qps']:.1f} "
                        f"recall {summ.get('recall_at_10', '-')} took {summ['took_mean_ms']:.2f} "
                        f"msearch {summ['msearch_ms_per_query']:.3f} ms/q")
                    save(args.out, result)
        st["breaker_after"] = breaker_bytes(client)
        st["heap_after"] = jvm_heap_used(client)
        st["hash_code_cache_bytes_per_doc"] = (st["breaker_after"] - st["breaker_before"]) / args.n
        save(args.out, result)
    result["machine"]["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    save(args.out, result)
    log("done")


def save(path, result):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f, indent=1, default=lambda o: o.item() if hasattr(o, "item") else str(o))
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
