"""Writes the index-compatibility fixture: small `hash_code` indices in a snapshot, and the answers the node gave.

Run it once against a real node with the plugin version that the fixture stands for (0.1.0), started by
scripts/opensearch-node.sh (which sets the node's path.repo to $OS_NODE_DIR/snapshots):

    OS_PORT=9280 OS_NODE_DIR=/tmp/os-compat bash scripts/opensearch-node.sh start \\
        --plugin opensearch-image-hash-0.1.0.zip
    PYTHONPATH=src OS_URL=http://127.0.0.1:9280 OS_NODE_DIR=/tmp/os-compat \\
        /usr/bin/python3 plugin/opensearch/src/test/realnode/compat/make_snapshot_fixture.py

It creates the indices below (codes of 8 to 256 bits, with and without substrings; several segments per shard: a
refresh after each bulk and no merge; deleted and updated documents; a few documents without a code), snapshots them
into an `fs` repository under the node's path.repo, restores the snapshot under other names to check that it answers
the same, copies the repository into plugin/opensearch/src/test/resources/compat/snapshot-0.1.0/ and writes
expected.json beside it (with COMPAT_FLAVOUR=os-2.19.6 or es-8.19.21: snapshot-0.1.0-<flavour>/ and
expected-<flavour>.json, for the node of that flavour, started by scripts/<engine>-node.sh): every live document's code as the node returns it, and the hits (ids, scores, total) of a set
of queries. test_index_compat.py restores the snapshot into a node of a later version and requires the same answers.
Codes are seeded-random: rerunning writes the same documents (the snapshot's files differ in their UUIDs only).
"""
import json
import os
import random
import re
import shutil
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "src"))
from imagehash_demo.client import OpenSearch, OpenSearchError  # noqa: E402

URL = os.environ.get("OS_URL", "http://127.0.0.1:9250")
NODE_DIR = os.environ.get("OS_NODE_DIR", "/tmp/opensearch-image-hash-node")
SNAPSHOT_DIR = os.environ.get("OS_SNAPSHOT_DIR", os.path.join(NODE_DIR, "snapshots"))
OUT = os.path.join(ROOT, "plugin", "opensearch", "src", "test", "resources", "compat")
# COMPAT_FLAVOUR names the engine build the fixture is written with when it is not the first one (OpenSearch 3.5.0's,
# whose files keep their original names): e.g. os-2.19.6 writes snapshot-0.1.0-os-2.19.6/ and expected-os-2.19.6.json.
FLAVOUR = os.environ.get("COMPAT_FLAVOUR")
REPOSITORY = "snapshot-0.1.0" + (f"-{FLAVOUR}" if FLAVOUR else "")  # the folder in resources/compat, and the
SNAPSHOT = "snapshot-0.1.0"                                           # repository's name when registered
EXPECTED = f"expected-{FLAVOUR}.json" if FLAVOUR else "expected.json"
LABELS = ["red", "green", "blue", "black"]

# name, bits, substrings option, shards, documents, seed. The "-mih" indices hold exactly the documents of their plain
# twin (same seed), so their answers must agree too (checked here before anything is written). The first segment of
# each shard is the largest (BATCHES): large enough that the planner probes the substring terms for some queries
# (max_distance 0 and small k); the later, small segments are scanned.
INDICES = [
    ("compat-b8", 8, None, 2, 120, 1),
    ("compat-b64", 64, None, 1, 500, 2),
    ("compat-b64-mih", 64, {"enabled": True}, 1, 500, 2),
    ("compat-b72", 72, None, 1, 240, 3),
    ("compat-b128", 128, None, 1, 300, 4),
    ("compat-b128-mih", 128, {"enabled": True, "count": 12}, 1, 300, 4),
    ("compat-b256-mih", 256, {"enabled": True}, 1, 240, 5),
]
BATCHES = (0.65, 0.2, 0.15)  # then one more of deletes and updates


def delete(client, path):
    """DELETE that is content with a 404: nothing there to delete."""
    try:
        client.delete(path)
    except OpenSearchError as e:
        assert e.status == 404, e


def clear_repository(client, repository, location):
    """Unregisters the snapshot repository if it is registered, and removes its folder."""
    delete(client, f"/_snapshot/{repository}")
    shutil.rmtree(location, ignore_errors=True)


def random_code(rng, bits):
    return rng.getrandbits(bits)


def hex_of(value, bits):
    return format(value, f"0{bits // 4}x")


def flip(rng, value, bits, n):
    for b in rng.sample(range(bits), n):
        value ^= 1 << b
    return value


def documents(bits, n, seed):
    """The write operations for one index, in batches: (id, source) to index, or (id, None) to delete."""
    rng = random.Random(seed)
    centers = [random_code(rng, bits) for _ in range(10)]
    spread = max(2, bits // 16)

    def doc():
        if rng.random() < 0.04:
            return {"label": rng.choice(LABELS)}  # no code
        value = flip(rng, rng.choice(centers), bits, rng.randint(0, spread) if rng.random() > 0.15 else 0)
        return {"label": rng.choice(LABELS), "code": hex_of(value, bits)}

    ids = [f"d{i:04d}" for i in range(n)]
    bounds = [round(n * sum(BATCHES[:j])) for j in range(len(BATCHES) + 1)]
    batches = [[(i, doc()) for i in ids[a:b]] for a, b in zip(bounds, bounds[1:])]
    doomed = rng.sample(ids, n // 10)
    updated = rng.sample([i for i in ids if i not in doomed], n // 25)
    batches.append([(i, None) for i in doomed] + [(i, doc()) for i in updated])
    return batches, centers


# the log-byte-size merge policy, as each engine names it (Elasticsearch calls it the time-based one)
LOG_BYTE_SIZE = {"opensearch": {"merge.policy": "log_byte_size"}, "elasticsearch": {"merge.policy.type": "time_based"}}


def write_index(client, engine, name, bits, substrings, shards, n, seed):
    field = {"type": "hash_code", "bits": bits}
    if substrings:
        field["substrings"] = substrings
    client.put(f"/{name}", {
        # segments only where the bulks end, and no merge (log_byte_size merges 10 segments at once; the default tiered
        # policy would merge away segments with many deletes, on the snapshot's flush, and reorder ties)
        "settings": {"number_of_shards": shards, "number_of_replicas": 0, "refresh_interval": -1,
                     **LOG_BYTE_SIZE[engine]},
        "mappings": {"properties": {"code": field, "label": {"type": "keyword"}}}})
    batches, centers = documents(bits, n, seed)
    deleted = {}
    for batch in batches:
        lines = []
        for doc_id, source in batch:
            if source is None:
                lines.append(json.dumps({"delete": {"_index": name, "_id": doc_id}}))
            else:
                lines.append(json.dumps({"index": {"_index": name, "_id": doc_id}}))
                lines.append(json.dumps(source))
        response = client.request("POST", "/_bulk", "\n".join(lines) + "\n", content_type="application/x-ndjson")
        assert not response["errors"], [i for i in response["items"] if "error" in next(iter(i.values()))][:3]
        client.post(f"/{name}/_refresh")
    for doc_id, source in batches[-1]:
        if source is None:
            deleted[doc_id] = next(s.get("code") for batch in batches[:-1] for i, s in batch if i == doc_id)
    return centers, deleted


def live_codes(client, name):
    """{id: hex or None} of every live document, as docvalue_fields returns it (fields must say the same)."""
    answers = []
    for how in ("docvalue_fields", "fields"):
        response = client.search(name, {"size": 10000, "query": {"match_all": {}}, "_source": False, how: ["code"]})
        hits = response["hits"]["hits"]
        answers.append(dict(sorted((h["_id"], (h.get("fields", {}).get("code") or [None])[0]) for h in hits)))
    assert answers[0] == answers[1], name
    return answers[0]


def queries(name, bits, codes, centers, deleted, seed):
    """The requests whose answers the fixture records: (name, body)."""
    rng = random.Random(seed * 1000 + 7)
    live = sorted(i for i, c in codes.items() if c is not None)
    deleted_code = next(c for _, c in sorted(deleted.items()) if c is not None)
    probes = {
        "doc": codes[rng.choice(live)],
        "near": hex_of(flip(rng, rng.choice(centers), bits, min(2, bits // 4)), bits),
        "random": hex_of(random_code(rng, bits), bits),
        "deleted": deleted_code,
    }
    everything = len(codes) + 10
    large = {"doc": bits * 3 // 8, "random": bits // 2}  # a cluster and then some; about half of all codes
    wide = max(2, bits // 8)  # within a cluster
    out = []

    def add(label, query, size):
        out.append((label, {"size": size, "track_total_hits": True, "_source": False, "query": query}))

    def hamming(**params):
        return {"hamming": {"field": "code", **params}}

    for probe, code in probes.items():
        for k in (1, 10, 50) if probe in ("doc", "random") else (1, 10):
            add(f"{probe} k={k}", hamming(code=code, k=k), k)
        for radius in (0, 2, 5) + ((large[probe],) if probe in large else ()):
            add(f"{probe} max_distance={radius}", hamming(code=code, max_distance=radius), everything)
        label = LABELS[len(out) % 4]
        add(f"{probe} k=10 filter=label", hamming(code=code, k=10, filter={"term": {"label": label}}), 10)
        add(f"{probe} k=10 max_distance=5", hamming(code=code, k=10, max_distance=5), 10)
    add(f"doc k=20 max_distance={wide} filter=label", hamming(code=probes["doc"], k=20, max_distance=wide,
                                                             filter={"term": {"label": "blue"}}), 20)
    add("doc no k, no max_distance (brute force)", hamming(code=probes["doc"]), 25)
    signed = [b - 256 if b > 127 else b for b in bytes.fromhex(probes["doc"])]  # the k-NN plugin's byte convention
    add("doc byte array k=10", hamming(code=signed, k=10), 10)
    add("doc boost=2 k=10", hamming(code=probes["doc"], k=10, boost=2.0), 10)
    add("bool must term + filter max_distance=5", {"bool": {"must": [{"term": {"label": "red"}}],
                                                            "filter": [hamming(code=probes["near"], max_distance=5)]}},
        everything)
    liked = rng.choice(live)
    add("like k=10", hamming(like={"index": name, "id": liked}, k=10), 10)
    add(f"like max_distance={wide}", hamming(like={"index": name, "id": liked}, max_distance=wide), everything)
    add("term exact code", {"term": {"code": probes["doc"]}}, everything)
    add("term exact code, upper case", {"term": {"code": probes["doc"].upper()}}, everything)
    add("term deleted doc's code", {"term": {"code": deleted_code}}, everything)
    add("exists", {"exists": {"field": "code"}}, 0)
    return out


def answer(client, name, body):
    response = client.search(name, body)
    hits = response["hits"]
    return {"total": hits["total"]["value"], "hits": [[h["_id"], h["_score"]] for h in hits["hits"]]}


def probed(client, name, body):
    """Segments whose substring terms the query probed, per the profile's plan (0 without substrings)."""
    response = client.search(name, {**body, "profile": True})
    descriptions = json.dumps([shard["searches"] for shard in response["profile"]["shards"]])
    return sum(int(n) for n in re.findall(r"segments probed:(\d+)", descriptions))


def segments(client, name):
    stats = client.get(f"/{name}/_stats/docs,segments")["indices"][name]["primaries"]
    return {"segments": stats["segments"]["count"], "docs": stats["docs"]["count"], "deleted": stats["docs"]["deleted"]}


def main():
    client = OpenSearch(URL)
    engine, version, plugin = engine_of(client)
    names = [spec[0] for spec in INDICES]
    for name in names + [f"verify-{name}" for name in names]:
        delete(client, f"/{name}")
    fixture = {}
    for name, bits, substrings, shards, n, seed in INDICES:
        centers, deleted = write_index(client, engine, name, bits, substrings, shards, n, seed)
        client.post(f"/{name}/_flush")
        codes = live_codes(client, name)
        asked = queries(name, bits, codes, centers, deleted, seed)
        fixture[name] = {
            "bits": bits, "substrings": substrings, "shards": shards, **segments(client, name), "codes": codes,
            "queries": [{"name": label, "body": body, **answer(client, name, body)} for label, body in asked]}
        if substrings:  # the 0.1.0 terms get read: some queries probe them, max_distance and k ones both
            fixture[name]["probing_queries"] = [q["name"] for q in fixture[name]["queries"]
                                                if probed(client, name, q["body"]) > 0]
            assert any("max_distance" in q and "k=" not in q for q in fixture[name]["probing_queries"]), name
            assert any("k=" in q for q in fixture[name]["probing_queries"]), name
        assert fixture[name]["deleted"] > 0 and fixture[name]["segments"] >= 3 * shards, segments(client, name)
        print(f"{name}: {segments(client, name)}, {len(asked)} queries", file=sys.stderr)

    # a plain index and its substrings twin hold the same documents: their answers must agree
    for plain, twin in (("compat-b64", "compat-b64-mih"), ("compat-b128", "compat-b128-mih")):
        for a, b in zip(fixture[plain]["queries"], fixture[twin]["queries"]):
            assert (a["total"], a["hits"]) == (b["total"], b["hits"]), (plain, twin, a["name"])

    # the snapshot, written by the node into path.repo, then copied into the sources
    location = os.path.join(SNAPSHOT_DIR, REPOSITORY)
    clear_repository(client, REPOSITORY, location)
    client.put(f"/_snapshot/{REPOSITORY}", {"type": "fs", "settings": {"location": location}})
    result = client.put(f"/_snapshot/{REPOSITORY}/{SNAPSHOT}?wait_for_completion=true",
                        {"indices": ",".join(names), "include_global_state": False})
    assert result["snapshot"]["state"] == "SUCCESS", result

    # what the snapshot holds answers the same: restored under other names, and the originals after a refresh
    result = client.post(f"/_snapshot/{REPOSITORY}/{SNAPSHOT}/_restore?wait_for_completion=true", {
        "indices": ",".join(names), "include_global_state": False,
        "rename_pattern": "(.+)", "rename_replacement": "verify-$1"})
    assert result["snapshot"]["shards"]["failed"] == 0, result
    for name in names:
        client.post(f"/{name}/_refresh")
        client.get(f"/_cluster/health/verify-{name}?wait_for_status=green&timeout=60s")
        for query in fixture[name]["queries"]:
            for index in (name, f"verify-{name}"):
                again = answer(client, index, query["body"])
                assert (again["total"], again["hits"]) == (query["total"], query["hits"]), (index, query["name"])
        assert live_codes(client, name) == live_codes(client, f"verify-{name}") == fixture[name]["codes"], name
        client.delete(f"/verify-{name}")
    client.delete(f"/_snapshot/{REPOSITORY}")  # unregisters; the files stay

    target = os.path.join(OUT, REPOSITORY)
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(OUT, exist_ok=True)
    shutil.copytree(location, target)
    write_expected(os.path.join(OUT, EXPECTED), {
        "engine": engine, "version": version, "plugin": plugin, "repository": REPOSITORY,
        "snapshot": SNAPSHOT, "written": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, fixture)
    print(f"wrote {target} and {os.path.join(OUT, EXPECTED)}", file=sys.stderr)


def engine_of(client):
    """(engine, its version, our plugin's version) of the node: from the installed plugin's name, which says the
    engine (Elasticsearch's integ-test distribution has no handler for GET /)."""
    version = next(iter(client.get("/_nodes/_local")["nodes"].values()))["version"]
    for p in client.get("/_cat/plugins?format=json"):
        if p["component"].endswith("-image-hash"):
            return p["component"][:-len("-image-hash")], version, p["version"]
    raise AssertionError("the image-hash plugin is not installed on the node")


def write_expected(path, header, fixture):
    """One line per query and one per index's codes: small, and diffs stay readable."""
    line = lambda value: json.dumps(value, separators=(",", ":"))  # noqa: E731
    parts = ["{"]
    for key, value in header.items():
        parts.append(f" {json.dumps(key)}: {json.dumps(value)},")
    parts.append(' "indices": {')
    for n, (name, index) in enumerate(fixture.items()):
        parts.append(f"  {json.dumps(name)}: {{")
        for key, value in index.items():
            if key not in ("codes", "queries", "probing_queries"):
                parts.append(f"   {json.dumps(key)}: {json.dumps(value)},")
        if "probing_queries" in index:
            parts.append(f'   "probing_queries": {line(index["probing_queries"])},')
        parts.append(f'   "codes": {line(index["codes"])},')
        parts.append('   "queries": [')
        parts.append(",\n".join("    " + line(q) for q in index["queries"]))
        parts.append("   ]")
        parts.append("  }" + ("," if n < len(fixture) - 1 else ""))
    parts.append(" }")
    parts.append("}")
    text = "\n".join(parts) + "\n"
    assert json.loads(text)["indices"] == json.loads(json.dumps(fixture))
    with open(path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
