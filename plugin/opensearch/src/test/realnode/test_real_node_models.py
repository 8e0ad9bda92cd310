"""Models as cluster data in a real node: upload models/default under a new id in several parts (vithash push),
check that it gives the bundled model's golden codes through _encode, an ingest pipeline and query by image, then
every bad upload (each a clear 4xx naming the problem, the node healthy, nothing half-loaded) and deletion.

Needs OS_URL (scripts/opensearch-node.sh starts a node).
"""
import base64
import hashlib
import json
import os
import random
import sys

import pytest

HERE = os.path.dirname(__file__)
ROOT = os.path.join(HERE, "..", "..", "..", "..", "..")
sys.path.insert(0, os.path.join(ROOT, "src"))
from imagehash_demo.client import OpenSearch, OpenSearchError  # noqa: E402
from vithash.push import push, read_model  # noqa: E402

URL = os.environ.get("OS_URL")
pytestmark = pytest.mark.skipif(URL is None, reason="OS_URL is not set: no real node to test against")

MODELS = "/_plugins/image_hash/models"
DEFAULT_DIR = os.path.join(ROOT, "models", "default")
GOLDEN_DIR = os.path.join(DEFAULT_DIR, "golden")
SUFFIX = f"{random.randrange(1 << 30):x}"
with open(os.path.join(GOLDEN_DIR, "golden.json")) as f:
    ANY_IMAGE = json.load(f)["images"][0]["file"]  # any real image the bundled model has a golden code for


@pytest.fixture(scope="module")
def client():
    return OpenSearch(URL)


@pytest.fixture(scope="module")
def golden():
    with open(os.path.join(GOLDEN_DIR, "golden.json")) as f:
        return json.load(f)["images"][:8]


def image_b64(name):
    with open(os.path.join(GOLDEN_DIR, name), "rb") as f:
        return base64.b64encode(f.read()).decode()


def error(call):
    with pytest.raises(OpenSearchError) as e:
        call()
    return e.value


def start(client, model_id, graph, manifest=None, parts=1, sha=None, length=None):
    return client.put(f"{MODELS}/{model_id}", {
        "manifest": manifest or read_model(DEFAULT_DIR)[0], "total_parts": parts,
        "total_length": len(graph) if length is None else length, "sha256": sha or hashlib.sha256(graph).hexdigest()})


def part(client, model_id, n, data):
    return client.put(f"{MODELS}/{model_id}/_part/{n}", {"data": base64.b64encode(data).decode()})


@pytest.fixture(scope="module")
def uploaded(client):
    model_id = f"uploaded-{SUFFIX}"
    graph = read_model(DEFAULT_DIR)[1]
    model = push(client, model_id, DEFAULT_DIR, part_bytes=len(graph) // 3 + 1, log=lambda *a: None)
    yield model
    try:
        client.delete(f"{MODELS}/{model_id}?force=true")
    except OpenSearchError:
        pass


def test_upload_is_ready_and_listed_cluster_wide(client, uploaded):
    graph = read_model(DEFAULT_DIR)[1]
    assert uploaded["state"] == "ready" and uploaded["source"] == "index"
    assert uploaded["sha256"] == hashlib.sha256(graph).hexdigest() and uploaded["size"] == len(graph)
    assert uploaded["total_parts"] == 3 and uploaded["bits"] == 64 and "created" in uploaded
    assert uploaded["manifest"] == read_model(DEFAULT_DIR)[0]
    assert len(uploaded["nodes"]) >= 1
    listed = {m["id"]: m for m in client.get(MODELS)["models"]}
    assert listed["default"]["source"] == "bundled" and listed["default"]["state"] == "ready"
    assert listed[uploaded["id"]]["state"] == "ready"


def test_uploaded_model_gives_the_bundled_codes(client, uploaded, golden):
    for image in golden:
        answer = client.post(f"{MODELS}/{uploaded['id']}/_encode", {"image": image_b64(image["file"])})
        assert answer["code"] == image["hex"], image["file"]
    model = client.get(f"{MODELS}/{uploaded['id']}")
    assert any(state["loaded"] for state in model["nodes"].values())


def test_uploaded_model_in_a_pipeline_and_query_by_image(client, uploaded, golden):
    index, pipeline = f"uploaded-codes-{SUFFIX}", f"uploaded-pipeline-{SUFFIX}"
    client.put(f"/_ingest/pipeline/{pipeline}", {"processors": [{"image_hash": {
        "field": "image", "target_field": "code", "model_id": uploaded["id"], "remove_source_field": True}}]})
    client.put(f"/{index}", {"settings": {"default_pipeline": pipeline, "number_of_replicas": 0},
                             "mappings": {"properties": {"code": {"type": "hash_code", "bits": 64}}}})
    try:
        for i, image in enumerate(golden):
            client.put(f"/{index}/_doc/{i}?refresh=true", {"image": image_b64(image["file"])})
        for i, image in enumerate(golden):
            assert client.get(f"/{index}/_doc/{i}")["_source"]["code"] == image["hex"]
        hits = client.search(index, {"query": {"hamming": {"field": "code", "image": image_b64(golden[0]["file"]),
                                                           "model_id": uploaded["id"], "k": 3}}})["hits"]["hits"]
        assert hits[0]["_id"] == "0"
        # in use: refused without force
        e = error(lambda: client.delete(f"{MODELS}/{uploaded['id']}"))
        assert e.status == 409 and f"ingest pipeline [{pipeline}]" in e.reason
    finally:
        client.delete(f"/{index}")
        client.delete(f"/_ingest/pipeline/{pipeline}")


def test_bad_uploads_are_clear_4xx_and_never_used(client):
    manifest, graph = read_model(DEFAULT_DIR)
    half = len(graph) // 2
    # wrong SHA-256: refused when the last part arrives; the model is failed, never served
    bad = f"bad-sha-{SUFFIX}"
    start(client, bad, graph, parts=2, sha="0" * 64)
    part(client, bad, 0, graph[:half])
    e = error(lambda: part(client, bad, 1, graph[half:]))
    assert e.status == 400 and "SHA-256 mismatch" in e.reason
    assert client.get(f"{MODELS}/{bad}")["state"] == "failed"
    e = error(lambda: client.post(f"{MODELS}/{bad}/_encode", {"image": image_b64(ANY_IMAGE)}))
    assert e.status == 409 and "not ready" in e.reason
    client.delete(f"{MODELS}/{bad}")
    # a missing part: the model stays uploading, cannot be used
    missing = f"missing-{SUFFIX}"
    start(client, missing, graph, parts=2)
    answer = part(client, missing, 1, graph[half:])
    assert answer["state"] == "uploading" and answer["missing_parts"] == [0]
    e = error(lambda: client.post(f"{MODELS}/{missing}/_encode", {"image": image_b64(ANY_IMAGE)}))
    assert e.status == 409 and "uploading" in e.reason
    # a part out of range, bad base64, a part too large, a duplicate id
    e = error(lambda: part(client, missing, 2, b"x"))
    assert e.status == 400 and "out of range" in e.reason
    e = error(lambda: client.put(f"{MODELS}/{missing}/_part/0", {"data": "not base64!"}))
    assert e.status == 400 and "not valid base64" in e.reason
    e = error(lambda: part(client, missing, 0, b"\0" * (10 * 1024 * 1024 + 1)))
    assert e.status == 413, e
    e = error(lambda: start(client, missing, graph, parts=2))
    assert e.status == 409 and "already exists" in e.reason
    e = error(lambda: start(client, "default", graph))
    assert e.status == 409 and "already exists" in e.reason
    client.delete(f"{MODELS}/{missing}")
    # a manifest that does not match the graph; a file that is not ONNX
    wrong = f"wrong-bits-{SUFFIX}"
    start(client, wrong, graph, manifest=dict(manifest, bits=32))
    e = error(lambda: part(client, wrong, 0, graph))
    assert e.status == 400 and "says [bits] is 32" in e.reason
    client.delete(f"{MODELS}/{wrong}")
    junk = b"this is not an onnx model" * 10
    not_onnx = f"not-onnx-{SUFFIX}"
    start(client, not_onnx, junk)
    e = error(lambda: part(client, not_onnx, 0, junk))
    assert e.status == 400 and "cannot open the file as an ONNX model" in e.reason
    client.delete(f"{MODELS}/{not_onnx}")
    # bad start requests
    e = error(lambda: start(client, "x..y", graph))
    assert e.status == 400 and "invalid model id" in e.reason
    e = error(lambda: start(client, f"big-{SUFFIX}", graph, parts=100, length=1 << 40))
    assert e.status == 413 and "image_hash.models.max_bytes" in e.reason
    e = error(lambda: start(client, f"sha-{SUFFIX}", graph, sha="abc"))
    assert e.status == 400 and "[sha256]" in e.reason
    e = error(lambda: part(client, f"nothing-{SUFFIX}", 0, b"x"))
    assert e.status == 404
    # the node is healthy, the bundled model still works
    assert client.get("/_cluster/health")["status"] in ("green", "yellow")
    ids = [m["id"] for m in client.get(MODELS)["models"]]
    assert not any(i.endswith(SUFFIX) and not i.startswith("uploaded-") for i in ids), ids


def test_delete_evicts_and_forgets(client):
    model_id = f"to-delete-{SUFFIX}"
    push(client, model_id, DEFAULT_DIR, log=lambda *a: None)
    client.post(f"{MODELS}/{model_id}/_encode", {"image": image_b64(ANY_IMAGE)})
    answer = client.delete(f"{MODELS}/{model_id}")
    assert answer["acknowledged"] is True and answer["evicted_on_nodes"] >= 1
    assert error(lambda: client.get(f"{MODELS}/{model_id}")).status == 404
    assert error(lambda: client.post(f"{MODELS}/{model_id}/_encode", {"image": image_b64(ANY_IMAGE)})).status == 404
    assert error(lambda: client.delete(f"{MODELS}/default")).status == 400


def test_fields_know_their_model(client, uploaded, golden):
    index, right, wrong = f"field-model-{SUFFIX}", f"right-{SUFFIX}", f"wrong-{SUFFIX}"
    client.put(f"/_ingest/pipeline/{right}", {"processors": [{"image_hash": {
        "field": "image", "target_field": "code", "model_id": uploaded["id"]}}]})
    client.put(f"/_ingest/pipeline/{wrong}", {"processors": [{"image_hash": {
        "field": "image", "target_field": "code", "model_id": "default"}}]})
    client.put(f"/{index}", {"settings": {"number_of_replicas": 0, "number_of_shards": 2}, "mappings": {"properties": {
        "code": {"type": "hash_code", "bits": 64, "model_id": uploaded["id"]}}}})
    try:
        mapping = client.get(f"/{index}/_mapping")[index]["mappings"]["properties"]["code"]
        assert mapping["model_id"] == uploaded["id"]
        e = error(lambda: client.put(f"/{index}/_doc/x?pipeline={wrong}", {"image": image_b64(golden[0]["file"])}))
        assert e.status == 400 and f"holds codes of model [{uploaded['id']}]" in e.reason
        for i, image in enumerate(golden):
            client.put(f"/{index}/_doc/{i}?pipeline={right}&refresh=true", {"image": image_b64(image["file"])})
        # query by image without model_id: the field's model encodes it
        hits = client.search(index, {"query": {"hamming": {"field": "code", "image": image_b64(golden[3]["file"]),
                                                           "k": 1}}})["hits"]["hits"]
        assert hits[0]["_id"] == "3" and hits[0]["_source"]["code"] == golden[3]["hex"]
        e = error(lambda: client.delete(f"{MODELS}/{uploaded['id']}"))
        assert e.status == 409 and f"field [code] of index [{index}]" in e.reason
    finally:
        client.delete(f"/{index}")
        client.delete(f"/_ingest/pipeline/{right}")
        client.delete(f"/_ingest/pipeline/{wrong}")
