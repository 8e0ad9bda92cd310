"""Overload: 32 concurrent query-by-image clients against one node, and a 10,000-image bulk (batch_size 256) through
the image_hash pipeline, alone and together; first with the node's own inference limits, then with the smallest
queue (image_hash.inference.max_concurrency 1, max_waiting 0, set as transient cluster settings and put back after).
Records every answer's status, latency percentiles, whether each answered query found its own image (a distance-0
hit), the bulk items' statuses, and whether the node process is the same one at the end (no crash).

    /usr/bin/python3 bench/reliability/overload.py [--url URL] [--clients 32] [--seconds 20] [--images 10000]

Writes docs/bench/overload.json (--out). Needs Debian's python3-pil (Fashion-MNIST images, as the demo uses).
"""
import argparse
import base64
import collections
import concurrent.futures
import datetime
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "src"))
from imagehash_demo.image_source import fashion_mnist  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
INDEX = "overload"
PIPELINE = "overload"


class Node:
    def __init__(self, url):
        self.url = url.rstrip("/")

    def call(self, method, path, body=None, ndjson=False, timeout=600):
        data = None if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method, headers={
            "Content-Type": "application/x-ndjson" if ndjson else "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as e:
            try:
                return e.code, json.loads(e.read() or b"null")
            except ValueError:
                return e.code, None
        except (urllib.error.URLError, ConnectionError, TimeoutError) as e:
            return 0, {"connection_error": str(e)}

    def pids(self):
        status, body = self.call("GET", "/_nodes/process")
        return sorted(n["process"]["id"] for n in body["nodes"].values()) if status == 200 else None


def percentiles(values):
    if not values:
        return {}
    values = sorted(values)
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]  # noqa: E731
    return {"p50_ms": round(pick(0.5) * 1000, 1), "p95_ms": round(pick(0.95) * 1000, 1),
            "p99_ms": round(pick(0.99) * 1000, 1), "max_ms": round(values[-1] * 1000, 1)}


def first_reason(body):
    if not isinstance(body, dict):
        return str(body)[:300]
    error = body.get("error")
    if isinstance(error, dict):
        causes = error.get("root_cause") or [error]
        return f"{causes[0].get('type')}: {causes[0].get('reason')}"[:300]
    return json.dumps(body)[:300]


def query_clients(node, queries, clients, seconds, stop=None):
    """`clients` threads send query-by-image searches (half with model_id: encoded on the coordinating node through
    the encode action; half without: the field's model, encoded on the shard) for `seconds` or until `stop`."""
    results = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(n):
        i = n
        while time.monotonic() < deadline and not (stop and stop.is_set()):
            image = queries[i % len(queries)]
            query = {"field": "code", "image": image, "k": 1}
            if i % 2 == 0:
                query["model_id"] = "default"
            start = time.monotonic()
            status, body = node.call("POST", f"/{INDEX}/_search", {"size": 1, "query": {"hamming": query}})
            elapsed = time.monotonic() - start
            found = None
            if status == 200:
                hits = body["hits"]["hits"]
                found = bool(hits) and hits[0]["_score"] == 1.0
            with lock:
                results.append((status, elapsed, found, None if status == 200 else first_reason(body)))
            i += clients

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    wall = time.monotonic() - started
    statuses = collections.Counter(r[0] for r in results)
    answered = [r for r in results if r[0] == 200]
    return {
        "clients": clients,
        "seconds": round(wall, 1),
        "requests": len(results),
        "per_second": round(len(results) / wall, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "latency_all": percentiles([r[1] for r in results]),
        "latency_200": percentiles([r[1] for r in answered]),
        "latency_429": percentiles([r[1] for r in results if r[0] == 429]),
        "answered_found_own_image": sum(1 for r in answered if r[2]),
        "answered": len(answered),
        "error_reasons": dict(collections.Counter(r[3] for r in results if r[3]).most_common(4)),
    }


def bulk(node, docs, index):
    lines = []
    for doc_id, image in docs:
        lines.append(json.dumps({"index": {"_index": index, "_id": doc_id}}))
        lines.append(json.dumps({"image": image}))
    body = ("\n".join(lines) + "\n").encode()
    start = time.monotonic()
    status, response = node.call("POST", f"/_bulk?pipeline={PIPELINE}", body, ndjson=True)
    elapsed = time.monotonic() - start
    result = {"documents": len(docs), "http_status": status, "seconds": round(elapsed, 1),
              "bytes": len(body)}
    if status == 200:
        items = [item["index"] for item in response["items"]]
        result["item_statuses"] = {str(k): v for k, v in sorted(collections.Counter(i["status"] for i in items).items())}
        result["indexed_per_second"] = round(sum(1 for i in items if i["status"] in (200, 201)) / elapsed, 1)
        reasons = collections.Counter(first_reason({"error": i["error"]}) for i in items if "error" in i)
        result["error_reasons"] = dict(reasons.most_common(3))
    else:
        result["error"] = first_reason(response)
    return result


def set_limits(node, max_concurrency, max_waiting):
    status, body = node.call("PUT", "/_cluster/settings", {"transient": {
        "image_hash.inference.max_concurrency": max_concurrency, "image_hash.inference.max_waiting": max_waiting}})
    assert status == 200, body


def limits(node):
    status, body = node.call("GET", "/_cluster/settings?include_defaults=true&flat_settings=true")
    merged = {**body.get("defaults", {}), **body.get("persistent", {}), **body.get("transient", {})}
    return {k: merged.get(k) for k in ("image_hash.inference.max_concurrency", "image_hash.inference.max_waiting")}


def scenario(node, name, docs, queries, clients, seconds):
    """Queries alone, the bulk alone, then both at once."""
    print(f"== {name}: {limits(node)}", flush=True)
    out = {"limits": limits(node)}
    out["queries"] = query_clients(node, queries, clients, seconds)
    print("queries", json.dumps(out["queries"]), flush=True)
    node.call("DELETE", f"/{INDEX}-bulk")
    node.call("PUT", f"/{INDEX}-bulk", {"settings": {"number_of_shards": 1, "number_of_replicas": 0},
                                        "mappings": {"properties": {"code": {"type": "hash_code", "bits": 64}}}})
    out["bulk"] = bulk(node, docs, f"{INDEX}-bulk")
    print("bulk", json.dumps(out["bulk"]), flush=True)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        # the same bulk again (same ids), with the query clients running for as long as it does
        pending = pool.submit(bulk, node, docs, f"{INDEX}-bulk")
        done = threading.Event()
        pending.add_done_callback(lambda _: done.set())
        out["queries_during_bulk"] = query_clients(node, queries, clients, 600, stop=done)
        out["bulk_during_queries"] = pending.result()
    print("queries during bulk", json.dumps(out["queries_during_bulk"]), flush=True)
    print("bulk during queries", json.dumps(out["bulk_during_queries"]), flush=True)
    node.call("DELETE", f"/{INDEX}-bulk")
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("OS_URL", "http://127.0.0.1:9250"))
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--images", type=int, default=10000)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--out", default=os.path.normpath(os.path.join(ROOT, "docs", "bench", "overload.json")))
    args = parser.parse_args()
    node = Node(args.url)

    images, _ = fashion_mnist(database_limit=args.images, query_limit=1)
    docs = [(str(i), base64.b64encode(images.load(image_id)).decode()) for i, image_id in enumerate(images.db_ids)]
    queries = [image for _, image in docs[:500]]

    # the query index: the first 500 images through the pipeline, so that each query has its own document
    node.call("DELETE", f"/{INDEX}")
    status, body = node.call("PUT", f"/_ingest/pipeline/{PIPELINE}", {"processors": [{"image_hash": {
        "field": "image", "target_field": "code", "batch_size": args.batch_size, "remove_source_field": True}}]})
    assert status == 200, body
    node.call("PUT", f"/{INDEX}", {"settings": {"number_of_shards": 1, "number_of_replicas": 0},
                                   "mappings": {"properties": {"code": {"type": "hash_code", "bits": 64}}}})
    seeded = bulk(node, docs[:500], INDEX)
    assert seeded.get("item_statuses") == {"201": 500}, seeded
    node.call("POST", f"/{INDEX}/_refresh")

    pids = node.pids()
    report = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "url": args.url,
        "machine": {"cpus": os.cpu_count(), "note": "node, clients and other jobs share this machine"},
        "model": "default (bundled, 64 bits, grey 28x28)",
        "images": len(docs),
        "batch_size": args.batch_size,
        "node_pids_before": pids,
    }
    report["node_limits"] = scenario(node, "node's own limits", docs, queries, args.clients, args.seconds)
    try:
        set_limits(node, 1, 0)
        report["smallest_queue"] = scenario(node, "max_concurrency 1, max_waiting 0", docs, queries, args.clients,
                                            args.seconds)
    finally:
        set_limits(node, None, None)
    report["node_pids_after"] = node.pids()
    report["same_node_process"] = report["node_pids_after"] == pids
    status, health = node.call("GET", "/_cluster/health")
    report["health_after"] = health.get("status") if status == 200 else status
    node.call("DELETE", f"/{INDEX}")
    node.call("DELETE", f"/_ingest/pipeline/{PIPELINE}")
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1)
    print(f"same node process: {report['same_node_process']}, health {report['health_after']}; wrote {args.out}")


if __name__ == "__main__":
    main()
