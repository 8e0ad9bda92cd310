"""Overload, oversized and damaged images under concurrency, and a model file replaced on disk, in a real node.

The inference limits are dynamic cluster settings, so each test sets the small queue it needs (transient) and puts
the node's own values back afterwards: image_hash.inference.max_concurrency 1 and max_waiting 0 make rejections
certain within a 32-client burst. Needs OS_URL; the model-on-disk test also needs the node's folder (OS_NODE_DIR,
OS_VERSION as scripts/opensearch-node.sh uses them) and skips without it. bench/reliability/overload.py measures the
same at a larger scale.
"""
import base64
import concurrent.futures
import io
import json
import os
import random
import shutil
import time
import urllib.error
import urllib.request

import pytest

URL = os.environ.get("OS_URL")
pytestmark = pytest.mark.skipif(URL is None, reason="OS_URL is not set: no real node to test against")

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "..")
GOLDEN_DIR = os.path.join(ROOT, "models", "default", "golden")
API = os.environ.get("IH_API", "/_plugins/image_hash")
INDEX = "real-node-overload"
CLIENTS = 32


def call(method, path, body=None, ndjson=False, timeout=120):
    """(status, parsed body) without raising on HTTP errors."""
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(URL + path, data=data, method=method,
                                     headers={"Content-Type": "application/x-ndjson" if ndjson else "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def reason(body):
    return json.dumps(body)


def node_pid():
    status, nodes = call("GET", "/_nodes/process")
    assert status == 200
    return [n["process"]["id"] for n in nodes["nodes"].values()]


def b64(data):
    return base64.b64encode(data).decode()


@pytest.fixture(scope="module")
def golden():
    with open(os.path.join(GOLDEN_DIR, "golden.json")) as f:
        images = json.load(f)["images"]
    for image in images:
        with open(os.path.join(GOLDEN_DIR, image["file"]), "rb") as f:
            image["b64"] = b64(f.read())
    return images


@pytest.fixture(scope="module")
def indexed(golden):
    """The golden images' codes in a one-shard index (by code: these tests are about the query path)."""
    call("DELETE", f"/{INDEX}")
    status, body = call("PUT", f"/{INDEX}", {"settings": {"number_of_shards": 1, "number_of_replicas": 0},
                                             "mappings": {"properties": {"code": {"type": "hash_code", "bits": 64}}}})
    assert status == 200, body
    lines = []
    for image in golden:
        lines.append(json.dumps({"index": {"_index": INDEX, "_id": image["file"]}}))
        lines.append(json.dumps({"code": image["hex"]}))
    status, body = call("POST", "/_bulk?refresh=true", ("\n".join(lines) + "\n").encode(), ndjson=True)
    assert status == 200 and not body["errors"], body
    yield INDEX
    call("DELETE", f"/{INDEX}")


@pytest.fixture
def inference_limits():
    """Sets the two dynamic inference limits for one test; the node's own values come back after it."""
    def set_limits(max_concurrency, max_waiting):
        status, body = call("PUT", "/_cluster/settings", {"transient": {
            "image_hash.inference.max_concurrency": max_concurrency, "image_hash.inference.max_waiting": max_waiting}})
        assert status == 200, body
    yield set_limits
    set_limits(None, None)


def burst(requests):
    """Sends (method, path, body) requests from CLIENTS threads at once; returns (status, body, seconds) in order."""
    def one(request):
        start = time.monotonic()
        status, body = call(*request)
        return status, body, time.monotonic() - start
    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(one, requests))


def by_image(index, image_b64, model_id=None):
    query = {"field": "code", "image": image_b64, "k": 1}
    if model_id:
        query["model_id"] = model_id
    return "POST", f"/{index}/_search", {"size": 1, "query": {"hamming": query}}


def assert_rejection(body):
    """A 429 is the engine's own rejection and names the setting that bounds the wait."""
    text = reason(body)
    assert "rejected_execution_exception" in text, text
    assert "image_hash.inference.max_waiting [0]" in text and "too many requests" in text, text


def test_a_burst_beyond_the_inference_queue_gets_clean_429s(golden, indexed, inference_limits):
    pids = node_pid()
    inference_limits(1, 0)
    requests = []
    for i in range(10 * CLIENTS):
        image = golden[i % len(golden)]
        requests.append([by_image(indexed, image["b64"]), by_image(indexed, image["b64"], "default"),
                         ("POST", f"{API}/models/default/_encode", {"image": image["b64"]})][i % 3])
    results = burst(requests)
    statuses = [status for status, _, _ in results]
    assert set(statuses) <= {200, 429}, [(s, b) for s, b, _ in results if s not in (200, 429)][:3]
    assert statuses.count(429) > 0, "max_concurrency 1 and max_waiting 0 must refuse some of a 32-client burst"
    assert statuses.count(200) > 0
    for i, (status, body, _) in enumerate(results):
        image = golden[i % len(golden)]
        if status == 429:
            assert_rejection(body)
        elif "code" in body:
            assert body["code"] == image["hex"]
        else:  # every answer that came is the right one
            assert body["hits"]["hits"][0]["_score"] == 1.0, body
            assert body["hits"]["hits"][0]["_source"]["code"] == image["hex"]
    assert node_pid() == pids


def test_a_pipeline_bulk_beside_a_query_burst_gets_per_document_429s(golden, indexed, inference_limits):
    """A 256-image bulk (batch_size 256) while queries run: a refused batch fails its documents with 429 (the bulk's
    own retry signal), the rest of the node keeps answering."""
    pipeline, index = "real-node-overload", f"{INDEX}-bulk"
    call("DELETE", f"/{index}")
    assert call("PUT", f"/_ingest/pipeline/{pipeline}", {"processors": [{"image_hash": {
        "field": "image", "target_field": "code", "batch_size": 256, "remove_source_field": True}}]})[0] == 200
    assert call("PUT", f"/{index}", {"settings": {"number_of_shards": 1, "number_of_replicas": 0},
                                     "mappings": {"properties": {"code": {"type": "hash_code", "bits": 64}}}})[0] == 200
    lines = []
    for i in range(256):
        lines.append(json.dumps({"index": {"_index": index, "_id": str(i)}}))
        lines.append(json.dumps({"image": golden[i % len(golden)]["b64"]}))
    bulk = ("\n".join(lines) + "\n").encode()
    pids = node_pid()
    inference_limits(1, 0)
    requests = [("POST", f"/_bulk?pipeline={pipeline}", bulk, True) for _ in range(4)]
    requests += [by_image(indexed, golden[i % len(golden)]["b64"], "default") for i in range(4 * CLIENTS)]
    results = burst(requests)
    items = [item["index"] for status, body, _ in results[:4] for item in body["items"]]
    assert all(status == 200 for status, _, _ in results[:4])
    item_statuses = {item["status"] for item in items}
    # 200: the same id written by one of the other three bulks first
    assert item_statuses <= {200, 201, 429}, [i for i in items if i["status"] not in (200, 201, 429)][:2]
    for item in items:
        if item["status"] == 429:
            assert "image_hash.inference.max_waiting [0]" in item["error"]["reason"], item
    query_statuses = {status for status, _, _ in results[4:]}
    assert query_statuses <= {200, 429}
    assert 429 in item_statuses | query_statuses
    assert node_pid() == pids
    call("DELETE", f"/{index}")
    call("DELETE", f"/_ingest/pipeline/{pipeline}")


def damaged(data, rng):
    """One of the ways an image arrives broken."""
    kind = rng.randrange(5)
    if kind == 0:
        return data[: rng.randrange(1, len(data) - 1)]  # truncated
    if kind == 1:
        return b"\x00\x01\x02\x03" + data[4:]  # wrong magic
    if kind == 2:
        mangled = bytearray(data)
        for _ in range(20):
            mangled[rng.randrange(8, len(mangled))] = rng.randrange(256)
        return bytes(mangled)  # corrupted past the header: may still decode, then it is an image like any other
    if kind == 3:
        return b""
    return b"%PDF-1.4 not an image"


def test_damaged_images_inside_a_concurrent_burst(golden, indexed, inference_limits):
    """Damaged query images among good ones, 32 clients at once: each damaged one is a 400 naming [image] (or, when
    the damage left a decodable image, an answer), each good one finds its own document, the node stays up."""
    inference_limits(2, 10 * CLIENTS)  # a queue long enough for the whole burst: this test is about bad input only
    rng = random.Random(18)
    pids = node_pid()
    cases = []
    for i in range(8 * CLIENTS):
        image = golden[i % len(golden)]
        good = i % 2 == 0
        data = base64.b64decode(image["b64"]) if good else damaged(base64.b64decode(image["b64"]), rng)
        encoded = b64(data) if data else "!!"
        cases.append((good, image, by_image(indexed, encoded, "default" if i % 4 < 2 else None)))
    results = burst([request for _, _, request in cases])
    bad = 0
    for (good, image, _), (status, body, _) in zip(cases, results):
        if good:
            assert status == 200, body
            assert body["hits"]["hits"][0]["_source"]["code"] == image["hex"]
        elif status != 200:
            bad += 1
            assert status == 400, body
            assert "[hamming] [image]" in reason(body), body
    assert bad > 0
    assert node_pid() == pids


def test_an_image_over_the_parsers_string_limit_is_a_413_naming_the_setting(indexed):
    """60 MB of base64 is over OpenSearch's 50,000,000-character string limit: the parser fails before the plugin's
    own check, and the plugin answers that as a 413 naming image_hash.image.max_bytes (it was a 500). Elasticsearch
    has no such limit below its body limit: there the plugin's own check answers, a 400 naming the same setting."""
    status, body = call("POST", f"/{indexed}/_search", {"query": {"hamming": {
        "field": "code", "image": "A" * 60_000_000, "k": 1}}})
    assert status == (413 if API == "/_plugins/image_hash" else 400), reason(body)[:500]
    assert "image_hash.image.max_bytes" in reason(body) and "[hamming] [image]" in reason(body)
    status, body = call("POST", f"{API}/models/default/_encode", {"image": "A" * 60_000_000})
    assert status == 413 and "image_hash.image.max_bytes" in reason(body)


def node_models_dir():
    node_dir = os.environ.get("OS_NODE_DIR", "/tmp/opensearch-image-hash-node")
    home = os.path.join(node_dir, "opensearch-" + os.environ.get("OS_VERSION", "3.5.0"))
    return os.path.join(home, "config", "image_hash", "models") if os.path.isdir(home) else None


def test_a_model_file_replaced_on_disk_while_serving(golden, inference_limits):
    """A config-folder model is loaded and in use; its model.onnx is overwritten (garbage, then half a graph) while 32
    clients encode with it. The loaded model keeps serving the right codes (files are read only at load); a model
    loaded after a bad file landed fails with a clear error naming it; the node never goes down."""
    models_dir = node_models_dir()
    if models_dir is None or API != "/_plugins/image_hash":
        pytest.skip("needs the node's folder (OS_NODE_DIR) on this machine")
    inference_limits(2, 10 * CLIENTS)  # a queue long enough for the burst: this test is about the file, not overload
    source = os.path.join(ROOT, "models", "default")
    ids = ["replaced-on-disk", "broken-on-disk"]
    for model_id in ids:
        target = os.path.join(models_dir, model_id)
        shutil.rmtree(target, ignore_errors=True)
        os.makedirs(target)
        for name in ("model.json", "model.onnx"):
            shutil.copy(os.path.join(source, name), target)
        os.chmod(target, 0o755)
    os.chmod(models_dir, 0o755)
    try:
        pids = node_pid()
        image = golden[3]
        encode = ("POST", f"{API}/models/replaced-on-disk/_encode", {"image": image["b64"]})
        status, body = call(*encode)
        assert status == 200 and body["code"] == image["hex"], body  # loaded now
        graph = os.path.join(models_dir, "replaced-on-disk", "model.onnx")
        with open(os.path.join(source, "model.onnx"), "rb") as f:
            real = f.read()
        with concurrent.futures.ThreadPoolExecutor(1) as writer:
            def overwrite():
                for content in (os.urandom(len(real)), real[: len(real) // 2]):
                    with open(graph, "wb") as f:  # in place, as an operator copying a new file over it
                        f.write(content)
                    time.sleep(0.2)
            pending = writer.submit(overwrite)
            results = burst([encode] * (4 * CLIENTS))
            pending.result()
        wrong = [(status, body) for status, body, _ in results if status != 200 or body["code"] != image["hex"]]
        assert not wrong, wrong[:3]
        # a model first loaded from a half-written graph: a clear failure naming it, then the node goes on
        with open(os.path.join(models_dir, "broken-on-disk", "model.onnx"), "wb") as f:
            f.write(real[: len(real) // 2])
        status, body = call("POST", f"{API}/models/broken-on-disk/_encode", {"image": image["b64"]})
        assert status >= 400 and "model [broken-on-disk] could not be loaded" in reason(body), body
        status, body = call(*encode)
        assert status == 200 and body["code"] == image["hex"]
        assert node_pid() == pids
    finally:
        for model_id in ids:
            shutil.rmtree(os.path.join(models_dir, model_id), ignore_errors=True)
