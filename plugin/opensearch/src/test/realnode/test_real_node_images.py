"""Images through the installed plugin in a real node: the models API, _encode, an image_hash pipeline with the
bundled model fed real images in many formats plus broken ones, then search by image and by example.

Needs OS_URL (scripts/test-all.sh starts the node), Debian's python3-pil to write the test images and python3-cbor2
for a binary document.
"""
import base64
import glob
import io
import json
import os
import sys

import cbor2
import numpy
import pytest
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "..", "src"))
from imagehash_demo.client import OpenSearch, OpenSearchError  # noqa: E402

URL = os.environ.get("OS_URL")
pytestmark = pytest.mark.skipif(URL is None, reason="OS_URL is not set: no real node to test against")

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "..")
GOLDEN_DIR = os.path.join(ROOT, "models", "default", "golden")
INDEX = "real-node-images"
# the models API's prefix: OpenSearch's, unless the node is another engine's (Elasticsearch: /_image_hash)
API = os.environ.get("IH_API", "/_plugins/image_hash")


@pytest.fixture(scope="module")
def client():
    return OpenSearch(URL)


@pytest.fixture(scope="module")
def golden():
    with open(os.path.join(GOLDEN_DIR, "golden.json")) as f:
        return json.load(f)["images"]


def b64(data):
    return base64.b64encode(data).decode()


def encoded(image, fmt, **options):
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def delete_if_exists(client, *paths):
    """Deletes what an earlier run left (an index, a pipeline); absent is fine."""
    for path in paths:
        try:
            client.delete(path)
        except OpenSearchError as e:
            assert e.status == 404


def read(name):
    with open(os.path.join(GOLDEN_DIR, name), "rb") as f:
        return f.read()


@pytest.mark.smoke
def test_models_api_lists_the_bundled_model(client):
    models = client.get(f"{API}/models")["models"]
    default = models[0]
    assert default["id"] == "default" and default["source"] == "bundled"
    assert default["bits"] == 64
    assert default["input"] == {"height": 28, "width": 28, "channels": 1, "colour_mode": "grey"}


@pytest.mark.smoke
def test_encode_reproduces_every_golden_code(client, golden):
    for image in golden:
        response = client.post(f"{API}/models/default/_encode", {"image": b64(read(image["file"]))})
        assert response["code"] == image["hex"], image["file"]
    listed = client.get(f"{API}/models")["models"][0]
    assert listed["loaded"] is True and listed["device"].startswith("cpu")


@pytest.mark.smoke
@pytest.mark.parametrize("path,body,status,reason", [
    (f"{API}/models/nope/_encode", {"image": "AAAA"}, 404, "no model [nope]"),
    (f"{API}/models/..%2F..%2Fconfig/_encode", {"image": "AAAA"}, 400, "invalid model id"),
    (f"{API}/models/default/_encode", {"image": "%%%"}, 400, "not valid base64"),
    (f"{API}/models/default/_encode", {"image": b64(b"GIF89a...")}, 400, "could not be decoded"),
    (f"{API}/models/default/_encode", {"img": "AAAA"}, 400, "does not support [img]"),
    (f"{API}/models/default/_encode", {"image": "http://example.com/cat.png"}, 400, "not valid base64"),
    # a body too large to hold an image within image_hash.image.max_bytes (10 MB) is refused before it is parsed
    (f"{API}/models/default/_encode", {"image": "A" * (14 << 20)}, 413, "image_hash.image.max_bytes"),
])
def test_encode_errors(client, path, body, status, reason):
    with pytest.raises(OpenSearchError) as error:
        client.post(path, body)
    assert error.value.status == status
    assert reason in error.value.reason


@pytest.fixture(scope="module")
def few_indexed(client, golden):
    """A few golden images through a pipeline of the image_hash processor alone (no ingest-common: the engines'
    test distributions lack it), a broken image beside them."""
    index, pipeline = f"{INDEX}-few", "/_ingest/pipeline/real-node-images-few"
    delete_if_exists(client, f"/{index}", pipeline)
    client.put(pipeline, {"processors": [{"image_hash": {
        "field": "image", "target_field": "code", "batch_size": 4, "remove_source_field": True}}]})
    client.put(f"/{index}", {
        "settings": {"number_of_shards": 1, "number_of_replicas": 0, "default_pipeline": "real-node-images-few"},
        "mappings": {"properties": {"code": {"type": "hash_code", "bits": 64}}}})
    docs = [(image["file"], {"image": b64(read(image["file"]))}) for image in golden[:6]]
    docs.append(("broken", {"image": b64(b"%PDF-1.4 not an image at all")}))
    return index, {r["_id"]: r for r in client.bulk(index, docs, refresh=True)}


@pytest.mark.smoke
def test_a_few_images_through_the_pipeline(client, few_indexed, golden):
    index, results = few_indexed
    assert results["broken"]["status"] == 400 and "not an image in a supported format" in str(results["broken"]["error"])
    for image in golden[:6]:
        assert results[image["file"]]["status"] == 201, results[image["file"]]
        source = client.get(f"/{index}/_doc/{image['file']}")["_source"]
        assert source == {"code": image["hex"]}, image["file"]


@pytest.mark.smoke
def test_a_failed_image_goes_to_on_failure_alone(client, golden):
    """A document whose image fails takes its own on_failure path while the others of its batch are encoded: here the
    fallback encodes a second image of the same document (the engines' test distributions have no ingest-common
    `set` processor), and a document that fails there too is refused alone, naming the fallback's field."""
    index, pipeline = f"{INDEX}-fallback", "/_ingest/pipeline/real-node-images-fallback"
    delete_if_exists(client, f"/{index}", pipeline)
    client.put(pipeline, {"processors": [{"image_hash": {
        "field": "image", "target_field": "code", "batch_size": 4, "remove_source_field": True,
        "on_failure": [{"image_hash": {"field": "thumbnail", "target_field": "code", "remove_source_field": True}}]}}]})
    client.put(f"/{index}", {
        "settings": {"number_of_shards": 1, "number_of_replicas": 0, "default_pipeline": "real-node-images-fallback"},
        "mappings": {"properties": {"code": {"type": "hash_code", "bits": 64}}}})
    broken = b64(b"%PDF-1.4 not an image at all")
    docs = [(image["file"], {"image": b64(read(image["file"]))}) for image in golden[1:7]]
    docs.insert(2, ("fallback", {"image": broken, "thumbnail": b64(read(golden[0]["file"]))}))
    docs.insert(5, ("lost", {"image": broken}))
    results = {r["_id"]: r for r in client.bulk(index, docs, refresh=True)}
    assert results["fallback"]["status"] == 201, results["fallback"]
    assert client.get(f"/{index}/_doc/fallback")["_source"] == {"image": broken, "code": golden[0]["hex"]}
    assert results["lost"]["status"] == 400 and "[image_hash] field [thumbnail] is missing" in str(results["lost"]["error"])
    for image in golden[1:7]:
        assert results[image["file"]]["status"] == 201, results[image["file"]]
        assert client.get(f"/{index}/_doc/{image['file']}")["_source"] == {"code": image["hex"]}, image["file"]


@pytest.mark.smoke
def test_binary_documents_carry_raw_image_bytes(client, few_indexed, golden):
    """A CBOR document carries the image as raw bytes, not base64 text: the processor encodes them to the same code.
    (SMILE bulks do the same; engines refuse CBOR for _bulk, 406.)"""
    index, _ = few_indexed
    image = golden[1]
    client.request("PUT", f"/{index}/_doc/cbor-raw?refresh=true", cbor2.dumps({"image": read(image["file"])}),
                   content_type="application/cbor")
    assert client.get(f"/{index}/_doc/cbor-raw")["_source"] == {"code": image["hex"]}
    with pytest.raises(OpenSearchError) as empty:
        client.request("PUT", f"/{index}/_doc/cbor-empty", cbor2.dumps({"image": b""}), content_type="application/cbor")
    assert empty.value.status == 400 and "[image_hash] field [image] is empty" in empty.value.reason


@pytest.mark.smoke
def test_query_by_image_finds_its_document(client, few_indexed, golden):
    index, _ = few_indexed
    query = golden[1]
    hits = client.search(index, {"size": 3, "query": {"hamming": {
        "field": "code", "image": b64(read(query["file"])), "k": 3}}})["hits"]["hits"]
    assert hits[0]["_score"] == 1.0
    assert query["file"] in {h["_id"] for h in hits if h["_score"] == 1.0}


@pytest.fixture(scope="module")
def indexed(client, golden):
    """Golden images and re-encodings of them through a pipeline, with broken images beside them."""
    delete_if_exists(client, f"/{INDEX}", "/_ingest/pipeline/real-node-images")
    client.put("/_ingest/pipeline/real-node-images", {"processors": [{"image_hash": {
        "field": "image", "target_field": "code", "batch_size": 8, "remove_source_field": True,
        "on_failure": [{"set": {"field": "error", "value": "{{ _ingest.on_failure_message }}"}}]}}]})
    client.put(f"/{INDEX}", {
        "settings": {"number_of_shards": 2, "number_of_replicas": 0, "default_pipeline": "real-node-images"},
        "mappings": {"properties": {"code": {"type": "hash_code", "bits": 64}, "label": {"type": "keyword"},
                                    "error": {"type": "keyword"}}}})
    docs = []
    for image in golden:
        docs.append((image["file"], {"image": b64(read(image["file"])), "label": image["class"]}))
    first = Image.open(os.path.join(GOLDEN_DIR, golden[0]["file"]))
    variants = {
        "as.bmp": encoded(first, "BMP"),
        "as.gif": encoded(first, "GIF"),
        "as.webp": encoded(first, "WEBP", lossless=True),
        "as-rgba.png": encoded(first.convert("RGBA"), "PNG"),
        # full-range 16-bit grey (v * 257): scaled back to 8 bits, the very same pixels
        "as-16bit.png": encoded(Image.fromarray(numpy.asarray(first, dtype=numpy.uint16) * 257), "PNG"),
        "as-cmyk.jpg": encoded(first.convert("CMYK"), "JPEG", quality=95),
        "as-56x56.png": encoded(first.resize((56, 56), Image.BILINEAR), "PNG"),
        "as-animated.gif": encoded(first.convert("P"), "GIF", save_all=True, append_images=[first.convert("P")]),
    }
    for name, data in variants.items():
        docs.append((name, {"image": b64(data), "label": "variant"}))
    png = read(golden[0]["file"])
    broken = {
        "truncated": b64(png[: len(png) // 2]),
        "wrong-magic": b64(b"\x00\x01\x02\x03" + png[4:]),
        "zero-bytes": "",
        "not-an-image": b64(b"%PDF-1.4 not an image at all"),
        "invalid-base64": "this is *not* base64!",
        "bomb": b64(encoded(Image.new("L", (8000, 8000)), "PNG")),
    }
    for name, data in broken.items():
        docs.append((name, {"image": data, "label": "broken"}))
    results = {r["_id"]: r for r in client.bulk(INDEX, docs, refresh=True)}
    return {"results": results, "broken": broken, "variants": variants}


def test_every_document_is_indexed_and_broken_images_carry_their_reason(client, indexed, golden):
    results = indexed["results"]
    assert all(r["status"] in (200, 201) for r in results.values()), results
    reasons = {
        "truncated": "could not be decoded",
        "wrong-magic": "not an image in a supported format",
        "zero-bytes": "is empty",
        "not-an-image": "not an image in a supported format",
        "invalid-base64": "not valid base64",
        "bomb": "more than the limit of 50000000 (image_hash.image.max_pixels)",
    }
    for doc_id, reason in reasons.items():
        source = client.get(f"/{INDEX}/_doc/{doc_id}")["_source"]
        assert "code" not in source, doc_id
        assert reason in source["error"], (doc_id, source["error"])
    for image in golden:
        source = client.get(f"/{INDEX}/_doc/{image['file']}")["_source"]
        assert source["code"] == image["hex"], image["file"]
        assert "image" not in source  # remove_source_field


def test_other_formats_of_the_same_image_get_its_code(client, indexed, golden):
    expected = golden[0]["hex"]
    for name in ("as.bmp", "as.gif", "as.webp", "as-rgba.png", "as-16bit.png", "as-animated.gif"):
        source = client.get(f"/{INDEX}/_doc/{name}")["_source"]
        assert source.get("code") == expected, (name, source)
    for name in ("as-cmyk.jpg", "as-56x56.png"):  # lossy or resampled: decoded, coded, close
        code = client.get(f"/{INDEX}/_doc/{name}")["_source"]["code"]
        assert bin(int(code, 16) ^ int(expected, 16)).count("1") <= 16, name


def test_search_by_image_and_by_example(client, indexed, golden):
    query = golden[1]
    by_image = client.search(INDEX, {"size": 5, "query": {"hamming": {
        "field": "code", "image": b64(read(query["file"])), "k": 5}}})["hits"]["hits"]
    assert by_image[0]["_score"] == 1.0
    assert query["file"] in {h["_id"] for h in by_image if h["_score"] == 1.0}
    like = client.search(INDEX, {"size": 5, "query": {"hamming": {
        "field": "code", "like": {"index": INDEX, "id": query["file"]}, "k": 5}}})["hits"]["hits"]
    assert [h["_score"] for h in like] == [h["_score"] for h in by_image]


@pytest.mark.parametrize("query,status,reason", [
    ({"image": "AAAA"}, 400, "[hamming] [image] (model [default])"),
    ({"image": "!!"}, 400, "not valid base64"),
    ({"image": "AAAA", "model_id": "nope"}, 400, "[hamming] [model_id]: no model [nope]"),
    ({"like": {"index": INDEX, "id": "no-such-doc"}}, 404, "[like] document [no-such-doc] was not found"),
    ({"like": {"index": INDEX, "id": "truncated"}}, 400, "has no value in field [code]"),
    ({"like": {"index": INDEX}}, 400, "needs both [index] and [id]"),
])
def test_bad_image_queries(client, indexed, query, status, reason):
    body = {"field": "code", "k": 3, **query}
    with pytest.raises(OpenSearchError) as error:
        client.search(INDEX, {"query": {"hamming": body}})
    assert error.value.status == status, error.value
    assert reason in error.value.reason
