"""Does the node's memory grow over repeated ingest? Indexes the same images through the image_hash pipeline in
rounds, deleting the index between rounds, and records the node's resident memory (RSS) and JVM heap after each.

    PYTHONPATH=src python3 bench/reliability/native_memory.py [ROUNDS] [IMAGES]   # against the node on port 9250

ONNX Runtime tensors and results are closed after every call (HashModel.run); a leak would show as RSS rising
round after round while the heap stays flat. Writes docs/bench/native_memory.json.
"""
import base64
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "src"))
from imagehash_demo.client import OpenSearch  # noqa: E402
from imagehash_demo.image_source import fashion_mnist  # noqa: E402

INDEX = "native-memory"


def node_rss_mb():
    pid = subprocess.run(["pgrep", "-f", "org.opensearch.bootstrap.OpenSearch.*image-hash-node"], capture_output=True,
                         text=True).stdout.split()[0]
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    client = OpenSearch(os.environ.get("OS_URL", "http://127.0.0.1:9250"))
    images, _ = fashion_mnist(database_limit=count, query_limit=1)
    docs = [(i, {"image": base64.b64encode(images.load(image_id)).decode()}) for i, image_id in enumerate(images.db_ids)]
    client.put("/_ingest/pipeline/native-memory", {"processors": [{"image_hash": {
        "field": "image", "target_field": "code", "batch_size": 32, "remove_source_field": True}}]})
    samples = []
    for r in range(rounds):
        try:
            client.delete(f"/{INDEX}")
        except Exception:
            pass
        client.put(f"/{INDEX}", {"settings": {"number_of_shards": 1, "number_of_replicas": 0, "default_pipeline": "native-memory"},
                                 "mappings": {"properties": {"code": {"type": "hash_code", "bits": 64}}}})
        for start in range(0, len(docs), 500):
            assert all(x["status"] == 201 for x in client.bulk(INDEX, docs[start:start + 500]))
        heap = client.get("/_nodes/stats/jvm")["nodes"]
        heap_mb = next(iter(heap.values()))["jvm"]["mem"]["heap_used_in_bytes"] / 2**20
        samples.append({"round": r, "images_total": (r + 1) * len(docs), "rss_mb": round(node_rss_mb(), 1), "heap_used_mb": round(heap_mb, 1)})
        print(samples[-1], flush=True)
    os.makedirs("docs/bench", exist_ok=True)
    with open("docs/bench/native_memory.json", "w") as f:
        json.dump(samples, f, indent=1)


if __name__ == "__main__":
    main()
