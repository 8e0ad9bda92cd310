"""Durability in a real node: documents indexed through the image pipeline, then the node restarted, once with a plain
stop and once with kill -9. Every acknowledged document is there afterwards, with the same code, and queries give
the same results. Concurrency: several clients bulk-index through the pipeline at once.

Runs last (file order): it restarts the node that the other real-node tests use. Needs OS_URL and root (it calls
scripts/opensearch-node.sh restart, as scripts/test-all.sh does).
"""
import base64
import glob
import os
import subprocess
import sys
import threading

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "..", "src"))
from imagehash_demo.client import OpenSearch, OpenSearchError  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", ".."))
URL = os.environ.get("OS_URL")
pytestmark = pytest.mark.skipif(URL is None or os.geteuid() != 0, reason="needs OS_URL and root (restarts the node)")
INDEX = "real-node-durable"


def restart(kill):
    subprocess.run(["bash", os.path.join(ROOT, "scripts", "opensearch-node.sh"), "restart"] + (["--kill"] if kill else []),
                   check=True, capture_output=True)


@pytest.fixture(scope="module")
def client():
    return OpenSearch(URL)


@pytest.fixture(scope="module")
def indexed(client):
    """1,600 image documents from four clients at once, through the pipeline, with the default model."""
    try:
        client.delete(f"/{INDEX}")
    except OpenSearchError:
        pass
    client.put("/_ingest/pipeline/real-node-durable", {"processors": [{"image_hash": {
        "field": "image", "target_field": "code", "batch_size": 16, "remove_source_field": True}}]})
    client.put(f"/{INDEX}", {"settings": {"number_of_shards": 2, "number_of_replicas": 0,
                                          "default_pipeline": "real-node-durable"},
                             "mappings": {"properties": {"code": {"type": "hash_code", "bits": 64}}}})
    images = sorted(glob.glob(os.path.join(ROOT, "models", "default", "golden", "*.png")))
    payloads = [base64.b64encode(open(f, "rb").read()).decode() for f in images]
    acknowledged, errors = {}, []

    def writer(worker):
        mine = OpenSearch(URL)
        for batch in range(10):
            docs = [(f"{worker}-{batch}-{i}", {"image": payloads[(worker + batch + i) % len(payloads)]}) for i in range(40)]
            try:
                for result in mine.bulk(INDEX, docs):
                    if result["status"] in (200, 201):
                        acknowledged[result["_id"]] = (worker + batch + int(result["_id"].split("-")[2])) % len(payloads)
                    else:
                        errors.append(result)
            except Exception as e:  # noqa: BLE001 - recorded and asserted below
                errors.append(e)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    client.post(f"/{INDEX}/_refresh")
    return acknowledged


def snapshot(client):
    count = client.get(f"/{INDEX}/_count")["count"]
    codes = {}
    response = client.post(f"/{INDEX}/_search?scroll=1m", {"size": 1000, "_source": ["code"]})
    while response["hits"]["hits"]:
        codes.update({h["_id"]: h["_source"]["code"] for h in response["hits"]["hits"]})
        response = client.post("/_search/scroll", {"scroll": "1m", "scroll_id": response["_scroll_id"]})
    top = client.search(INDEX, {"size": 20, "query": {"hamming": {"field": "code", "code": next(iter(codes.values())), "k": 20}}})
    return count, codes, [(h["_id"], h["_score"]) for h in top["hits"]["hits"]]


def test_concurrent_clients_index_everything_with_the_right_codes(client, indexed):
    count, codes, _ = snapshot(client)
    assert count == len(indexed) == 4 * 10 * 40
    images = sorted(glob.glob(os.path.join(ROOT, "models", "default", "golden", "*.png")))
    import json
    golden = {g["file"]: g["hex"] for g in json.load(open(os.path.join(ROOT, "models", "default", "golden", "golden.json")))["images"]}
    for doc_id, image in indexed.items():
        assert codes[doc_id] == golden[os.path.basename(images[image])], doc_id


@pytest.mark.parametrize("kill", [False, True], ids=["stop", "kill-9"])
def test_a_restart_loses_nothing(client, indexed, kill):
    before = snapshot(client)
    restart(kill)
    client.get(f"/_cluster/health/{INDEX}?wait_for_status=yellow&timeout=60s")
    after = snapshot(client)
    assert after[0] == before[0] == len(indexed)
    assert after[1] == before[1]
    assert after[2] == before[2]
