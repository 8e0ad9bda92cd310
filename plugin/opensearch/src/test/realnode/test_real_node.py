"""The installed plugin zip in a real OpenSearch 3.5.0 node, over HTTP: the field, the query, and bad input.

Started by scripts/test-all.sh (scripts/opensearch-node.sh installs the built zip into the distribution fetched by
Maven and runs it as an unprivileged user). Point OS_URL at a node to run it by hand.
"""
import os
import random
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "..", "src"))
from imagehash_demo.client import OpenSearch, OpenSearchError  # noqa: E402

URL = os.environ.get("OS_URL")
pytestmark = pytest.mark.skipif(URL is None, reason="OS_URL is not set: no real node to test against")

INDEX = "real-node-codes"
BITS = 64


@pytest.fixture(scope="module")
def client():
    return OpenSearch(URL)


def delete_if_exists(client, index):
    try:
        client.delete(f"/{index}")
    except OpenSearchError as e:
        assert e.status == 404, e


def distance(a_hex, b_hex):
    return bin(int(a_hex, 16) ^ int(b_hex, 16)).count("1")


def score_to_distance(score):
    return round(1 / score) - 1


@pytest.fixture(scope="module")
def codes(client):
    """An index of 1,500 clustered codes over 3 shards and several segments."""
    delete_if_exists(client, INDEX)
    client.put(f"/{INDEX}", {
        "settings": {"number_of_shards": 3, "number_of_replicas": 0},
        "mappings": {"properties": {"code": {"type": "hash_code", "bits": BITS}, "tag": {"type": "keyword"}}},
    })
    rng = random.Random(7)
    centres = [rng.getrandbits(BITS) for _ in range(4)]
    docs = {}
    for batch in range(3):
        items = []
        for i in range(500):
            code = rng.choice(centres)
            for _ in range(rng.randrange(12)):
                code ^= 1 << rng.randrange(BITS)
            doc_id = f"{batch}-{i}"
            docs[doc_id] = {"code": f"{code:016x}", "tag": rng.choice(["a", "b"])}
            items.append((doc_id, docs[doc_id]))
        results = client.bulk(INDEX, items, refresh=True)
        assert all(r["status"] == 201 for r in results)
    return docs


def test_the_plugin_is_installed_from_the_zip(client):
    plugins = client.get("/_cat/plugins?format=json")
    assert "opensearch-image-hash" in {p["component"] for p in plugins}


@pytest.mark.smoke
def test_bad_documents_fail_alone_with_the_field_named(client, codes):
    items = [
        ("ok", {"code": "00000000000000ff"}),
        ("short", {"code": "00ff"}),
        ("nonhex", {"code": "zz000000000000ff"}),
        ("range", {"code": [0, 1, 2, 3, 4, 5, 6, 256]}),
        ("object", {"code": {"hex": "00"}}),
        ("several", {"code": ["00000000000000ff", "00000000000000ff"]}),
        ("bytes", {"code": [0, 0, 0, 0, 0, 0, 0, -1]}),
        ("null", {"code": None}),
    ]
    delete_if_exists(client, "real-node-bad")
    client.put("/real-node-bad", {"mappings": {"properties": {"code": {"type": "hash_code", "bits": BITS}}}})
    results = {r["_id"]: r for r in client.bulk("real-node-bad", items, refresh=True)}
    for good in ("ok", "bytes", "null"):
        assert results[good]["status"] == 201, results[good]
    expected = {
        "short": "got a hex string of 4 digits",
        "nonhex": "non-hex character [z]",
        "range": "element [7] is 256, outside [-128, 255]",
        "object": "got an object",
        "several": "one field holds one code",
    }
    for doc_id, reason in expected.items():
        result = results[doc_id]
        assert result["status"] == 400, result
        error = result["error"]
        # each engine's own name for a value a field mapper refuses (Elasticsearch: document_parsing_exception)
        assert error["type"] in ("mapper_parsing_exception", "document_parsing_exception")
        assert "failed to parse field [code] of type [hash_code]" in error["reason"]
        assert reason in error["caused_by"]["reason"]
        assert "expects a code of 64 bits" in error["caused_by"]["reason"]
    assert client.get("/real-node-bad/_count")["count"] == 3
    hits = client.search("real-node-bad", {"query": {"term": {"code": "00000000000000FF"}}})["hits"]
    assert {h["_id"] for h in hits["hits"]} == {"ok", "bytes"}


@pytest.mark.smoke
@pytest.mark.parametrize("k,max_distance,tag", [(10, None, None), (25, 6, None), (5, None, "a"), (40, 9, "b")])
def test_top_k_equals_brute_force(client, codes, k, max_distance, tag):
    rng = random.Random(k)
    query = rng.choice(list(codes.values()))["code"]
    body = {"field": "code", "code": query, "k": k}
    if max_distance is not None:
        body["max_distance"] = max_distance
    if tag is not None:
        body["filter"] = {"term": {"tag": tag}}
    hits = client.search(INDEX, {"size": k, "query": {"hamming": body}})["hits"]["hits"]
    expected = sorted(
        distance(query, d["code"]) for d in codes.values()
        if (tag is None or d["tag"] == tag) and (max_distance is None or distance(query, d["code"]) <= max_distance)
    )[:k]
    actual = [score_to_distance(h["_score"]) for h in hits]
    assert actual == expected
    for h in hits:
        assert score_to_distance(h["_score"]) == distance(query, codes[h["_id"]]["code"])
        if tag:
            assert codes[h["_id"]]["tag"] == tag


@pytest.mark.smoke
def test_max_distance_matches_every_document_within(client, codes):
    query = next(iter(codes.values()))["code"]
    body = {"size": 0, "track_total_hits": True, "query": {"bool": {"filter": [
        {"hamming": {"field": "code", "code": query, "max_distance": 5}}, {"term": {"tag": "a"}}]}}}
    total = client.search(INDEX, body)["hits"]["total"]["value"]
    assert total == sum(1 for d in codes.values() if d["tag"] == "a" and distance(query, d["code"]) <= 5)


def test_fields_return_hex_and_explain_shows_distance(client, codes):
    doc_id, doc = next(iter(codes.items()))
    response = client.search(INDEX, {"size": 1, "explain": True, "fields": ["code"], "docvalue_fields": ["code"],
                                     "query": {"hamming": {"field": "code", "code": doc["code"].upper(), "k": 1,
                                                           "_name": "nearest", "boost": 2}}})
    hit = response["hits"]["hits"][0]
    assert hit["fields"]["code"] == [doc["code"]]
    assert hit["matched_queries"] == ["nearest"]
    assert hit["_score"] == 2.0
    assert hit["_explanation"]["description"].startswith("hamming distance 0 in field [code]")


@pytest.mark.smoke
@pytest.mark.parametrize("query,status,reason", [
    ({"hamming": {"field": "code", "code": "00ff"}}, 400, "[code] has 16 bits (4 hex digits) but field [code] has [bits: 64]"),
    ({"hamming": {"field": "tag", "code": "00000000000000ff"}}, 400, "field [tag] is of type [keyword]"),
    ({"hamming": {"field": "missing", "code": "00000000000000ff"}}, 400, "field [missing] is not mapped"),
    ({"hamming": {"field": "code", "code": "0g"}}, 400, "non-hex character [g]"),
    ({"hamming": {"field": "code", "code": "00", "k": 0}}, 400, "[k] must be between 1 and 10000"),
    ({"hamming": {"field": "code", "code": "00", "max_distance": -2}}, 400, "[max_distance] must be >= 0"),
    ({"hamming": {"field": "code", "code": "00", "radius": 2}}, 400, "does not support [radius]"),
])
def test_bad_queries_are_400_with_a_reason(client, codes, query, status, reason):
    with pytest.raises(OpenSearchError) as error:
        client.search(INDEX, {"query": query})
    assert error.value.status == status
    assert reason in error.value.reason


@pytest.mark.smoke
def test_ignore_unmapped_matches_nothing(client, codes):
    hits = client.search(INDEX, {"query": {"hamming": {"field": "missing", "code": "00", "ignore_unmapped": True}}})
    assert hits["hits"]["total"]["value"] == 0


@pytest.mark.smoke
@pytest.mark.parametrize("mapping,reason", [
    ({"type": "hash_code"}, "[bits] is required for field [code]"),
    ({"type": "hash_code", "bits": 12}, "must be a multiple of 8 from 8 to 4096, got [12]"),
    ({"type": "hash_code", "bits": 64, "dims": 3}, "unknown parameter [dims]"),
])
def test_bad_mappings_are_400(client, mapping, reason):
    delete_if_exists(client, "real-node-bad-mapping")
    with pytest.raises(OpenSearchError) as error:
        client.put("/real-node-bad-mapping", {"mappings": {"properties": {"code": mapping}}})
    assert error.value.status == 400
    assert reason in error.value.reason
