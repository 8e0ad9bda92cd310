"""Indexing images through the `image_hash` pipeline and measuring retrieval through OpenSearch's REST API.

mAP is computed from what OpenSearch returns, with the training package's own metric functions, so that it can be
compared number for number with the offline evaluation (docs/TRAINING.md):
- mAP@1000 from the top 1,000 hits of a `hamming` query by image (ties: smaller doc id first, which is database
  order because the images are indexed in that order into one shard whose merges keep doc order);
- tie-aware mAP@all from a per-distance, per-label histogram aggregated by OpenSearch over the whole database (it
  does not depend on any tie order, so it must equal the offline tie-aware value exactly).
"""
import base64
import io
import sys
import time

import numpy as np

from vithash.evaluation.metrics import average_precision, tie_aware_average_precision

PIPELINE = "image-hash-demo"
DISTANCE_SCRIPT = "Math.round(1.0 / _score.doubleValue()) - 1"  # score = 1 / (1 + distance), boost 1


def b64(data):
    return base64.b64encode(data).decode()


def create_index(client, index, bits, model_id="default", batch_size=32):
    try:
        client.delete(f"/{index}")
    except Exception:
        pass
    client.put(f"/_ingest/pipeline/{PIPELINE}", {"description": "image-hash demo", "processors": [{"image_hash": {
        "field": "image", "target_field": "code", "model_id": model_id, "batch_size": batch_size,
        "remove_source_field": True}}]})
    client.put(f"/{index}", {
        "settings": {
            "number_of_shards": 1, "number_of_replicas": 0, "default_pipeline": PIPELINE, "refresh_interval": "-1",
            # log merges only join neighbouring segments, so doc ids stay in indexing (database) order
            "index.merge.policy": "log_byte_size",
        },
        "mappings": {"properties": {"code": {"type": "hash_code", "bits": bits, "model_id": model_id}, "label": {"type": "keyword"},
                                    "position": {"type": "integer"},
                                    # a small PNG (base64) for the search page and Discover: kept, not indexed
                                    "thumbnail": {"type": "binary"}}},
    })


def index_images(client, index, images, chunk=500, progress=True):
    """Bulk-indexes the database images in order; returns (images per second, failures by id)."""
    started = time.time()
    failures = {}
    total = len(images.db_ids)
    for start in range(0, total, chunk):
        docs = []
        for position in range(start, min(start + chunk, total)):
            image_id = images.db_ids[position]
            image = images.load(image_id)
            source = {"image": b64(image), "position": position}
            thumbnail = thumbnail_png(image)
            if thumbnail is not None:
                source["thumbnail"] = b64(thumbnail)
            if images.db_labels is not None:
                source["label"] = images.db_labels[position]
            docs.append((image_id, source))
        for result in client.bulk(index, docs):
            if result.get("error"):
                failures[result["_id"]] = result["error"].get("reason")
        if progress:
            done = min(start + chunk, total)
            rate = done / (time.time() - started)
            print(f"\r  indexed {done:,}/{total:,} images ({rate:,.0f} images/s)", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    seconds = time.time() - started
    client.post(f"/{index}/_forcemerge?max_num_segments=1")
    client.put(f"/{index}/_settings", {"index": {"refresh_interval": "1s"}})
    client.post(f"/{index}/_refresh")
    return total / seconds, failures


def thumbnail_png(data, size=96):
    """A small PNG of an image for display: the image itself when it already is a PNG of at most size x size; None
    when Pillow cannot read it (the pipeline then reports the image, per document)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format == "PNG" and max(image.size) <= size:
                return data
            image.thumbnail((size, size))
            out = io.BytesIO()
            image.convert("RGBA" if "A" in image.getbands() else "RGB").save(out, "PNG", optimize=True)
            return out.getvalue()
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


def stored_codes(client, index, bits):
    """Every stored code, by database position (via the scroll API)."""
    codes = {}
    response = client.post(f"/{index}/_search?scroll=1m", {"size": 5000, "_source": ["code", "position"], "sort": ["_doc"]})
    while response["hits"]["hits"]:
        for hit in response["hits"]["hits"]:
            codes[hit["_source"]["position"]] = hit["_source"]["code"]
        response = client.post("/_search/scroll", {"scroll": "1m", "scroll_id": response["_scroll_id"]})
    client.request("DELETE", "/_search/scroll", {"scroll_id": response["_scroll_id"]})
    assert sorted(codes) == list(range(len(codes))) and all(len(c) == bits // 4 for c in codes.values())
    return code_bits([codes[position] for position in range(len(codes))], bits)


def code_bits(hex_codes, bits):
    """Hex codes as a boolean array [N, bits], bit i of a code in column i (numpy.packbits order)."""
    return np.stack([np.unpackbits(np.frombuffer(bytes.fromhex(h), dtype=np.uint8))[:bits] for h in hex_codes]).astype(bool)


def evaluate_queries(client, index, images, top=1000, progress=True, model_id="default"):
    """Runs every query image through OpenSearch; returns per-query metrics, latencies and the top-10 lists."""
    latencies, ap_top, ap_tie, top10 = [], [], [], []
    for n, (image_id, label) in enumerate(zip(images.query_ids, images.query_labels or [None] * len(images.query_ids))):
        image = b64(images.load(image_id))
        started = time.perf_counter()
        hits = client.search(index, {"size": 10, "_source": ["label", "position"], "query": {"hamming": {
            "field": "code", "image": image, "model_id": model_id, "k": 10}}})["hits"]["hits"]
        latencies.append(time.perf_counter() - started)
        top10.append([(h["_id"], h["_source"].get("label"), round(1 / h["_score"]) - 1) for h in hits])
        if label is not None:
            code = client.post(f"/_plugins/image_hash/models/{model_id}/_encode", {"image": image})["code"]
            ranked = client.search(index, {"size": top, "_source": ["label"], "query": {"hamming": {
                "field": "code", "code": code, "k": top}}})["hits"]["hits"]
            ap_top.append(average_precision(np.array([h["_source"]["label"] == label for h in ranked]), top))
            ap_tie.append(tie_aware_ap_from_histogram(client, index, code, label))
        if progress:
            print(f"\r  queried {n + 1:,}/{len(images.query_ids):,}", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    return {"latencies": latencies, "ap_top": ap_top, "ap_tie": ap_tie, "top10": top10}


def tie_aware_ap_from_histogram(client, index, code, label):
    """Tie-aware AP@all from OpenSearch's count of documents per (distance, label) over the whole index."""
    response = client.search(index, {"size": 0, "query": {"hamming": {"field": "code", "code": code}}, "aggs": {
        "distance": {"terms": {"script": {"source": DISTANCE_SCRIPT, "lang": "painless"}, "size": 5000},
                     "aggs": {"label": {"terms": {"field": "label", "size": 1000}}}}}})
    distances, relevant = [], []
    for bucket in response["aggregations"]["distance"]["buckets"]:
        d = int(bucket["key"])
        same = sum(b["doc_count"] for b in bucket["label"]["buckets"] if b["key"] == label)
        distances += [d] * bucket["doc_count"]
        relevant += [True] * same + [False] * (bucket["doc_count"] - same)
    return tie_aware_average_precision(np.array(distances), np.array(relevant))
