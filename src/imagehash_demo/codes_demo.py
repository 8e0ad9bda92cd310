"""The first demo: index example hash codes into a node with the plugin, run hamming queries, print the hits.

    PYTHONPATH=src python3 -m imagehash_demo.codes_demo [--url URL] [--user U --password P]

The codes are synthetic but shaped like image codes: a few "classes", each a cloud of codes a few bit flips from a
centre. The image demo (model, ingest, mAP) comes with the ingest issue.
"""
import argparse
import random
import time

from .client import OpenSearch

INDEX = "image-hash-demo-codes"
BITS = 64


def flip(code, flips, rng):
    for _ in range(flips):
        code ^= 1 << rng.randrange(BITS)
    return code


def hex64(code):
    return f"{code:016x}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:9250")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--docs", type=int, default=20000)
    args = parser.parse_args(argv)

    client = OpenSearch(args.url, args.user, args.password)
    version = client.get("/")["version"]["number"]
    plugins = [p["component"] for p in client.get("/_cat/plugins?format=json")]
    print(f"OpenSearch {version} at {args.url}; plugins: {', '.join(sorted(set(plugins)))}")

    rng = random.Random(42)
    classes = ["shirt", "shoe", "bag", "dress", "coat"]
    centres = {c: rng.getrandbits(BITS) for c in classes}
    try:
        client.delete(f"/{INDEX}")
    except Exception:
        pass
    client.put(f"/{INDEX}", {
        "settings": {"number_of_shards": 2, "number_of_replicas": 0},
        "mappings": {"properties": {"code": {"type": "hash_code", "bits": BITS}, "label": {"type": "keyword"}}},
    })
    started = time.time()
    batch = []
    for i in range(args.docs):
        label = classes[i % len(classes)]
        batch.append((i, {"code": hex64(flip(centres[label], rng.randrange(0, 10), rng)), "label": label}))
        if len(batch) == 2000:
            client.bulk(INDEX, batch)
            batch = []
    if batch:
        client.bulk(INDEX, batch)
    client.post(f"/{INDEX}/_refresh")
    count = client.get(f"/{INDEX}/_count")["count"]
    print(f"indexed {count} codes of {BITS} bits in {time.time() - started:.1f} s")

    query = hex64(flip(centres["shoe"], 3, rng))
    print(f"\nquery code {query} (3 bits from the 'shoe' centre)")
    top = client.search(INDEX, {"size": 10, "query": {"hamming": {"field": "code", "code": query, "k": 10}}})
    print(f"top 10 by Hamming distance (took {top['took']} ms):")
    for hit in top["hits"]["hits"]:
        distance = round(1 / hit["_score"]) - 1
        print(f"  id {hit['_id']:>6}  distance {distance:2d}  score {hit['_score']:.4f}  {hit['_source']['code']}  {hit['_source']['label']}")

    radius = client.search(INDEX, {"size": 0, "track_total_hits": True,
                                   "query": {"hamming": {"field": "code", "code": query, "max_distance": 4}},
                                   "aggs": {"labels": {"terms": {"field": "label"}}}})
    buckets = ", ".join(f"{b['key']}: {b['doc_count']}" for b in radius["aggregations"]["labels"]["buckets"])
    print(f"\nwithin 4 bits: {radius['hits']['total']['value']} documents ({buckets})")

    filtered = client.search(INDEX, {"size": 3, "query": {"hamming": {
        "field": "code", "code": query, "k": 3, "filter": {"term": {"label": "bag"}}}}})
    print("nearest 3 among 'bag' documents: " + ", ".join(
        f"{h['_id']} (distance {round(1 / h['_score']) - 1})" for h in filtered["hits"]["hits"]))


if __name__ == "__main__":
    main()
