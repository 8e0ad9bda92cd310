"""Index compatibility: indices written by plugin 0.1.0 give identical answers in the node under test.

Each fixture in src/test/resources/compat/ (an `fs` snapshot repository and its expected*.json, made by
compat/make_snapshot_fixture.py against a node with the 0.1.0 plugin) holds small `hash_code` indices (8 to 256 bits,
with and without substrings, several segments, deleted documents). There is one per engine build that wrote one:
OpenSearch 3.5.0 (expected.json), OpenSearch 2.19.6 and Elasticsearch 8.19.21. The node under test restores every
fixture its engine can read (same engine; same version or older, at most one major back: the engines' own index
compatibility), so a 2.19.6 index is read by 3.5.0 and an 8.19.21 one by 9.5.3: the upgrade a user makes. Each test
copies the repository into the node's path.repo ($OS_SNAPSHOT_DIR, default $OS_NODE_DIR/snapshots as
scripts/<engine>-node.sh sets it), restores the indices (deleting any left by an earlier run) and requires every live
document's code and every recorded query's hits (ids in order, scores exactly, totals) to be what 0.1.0 answered.
"""
import glob
import json
import os
import shutil
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "src"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "compat"))
from imagehash_demo.client import OpenSearch  # noqa: E402
from make_snapshot_fixture import clear_repository, delete, engine_of, probed  # noqa: E402

URL = os.environ.get("OS_URL")
NODE_DIR = os.environ.get("OS_NODE_DIR", "/tmp/opensearch-image-hash-node")
SNAPSHOT_DIR = os.environ.get("OS_SNAPSHOT_DIR", os.path.join(NODE_DIR, "snapshots"))
FIXTURE = os.path.join(os.path.dirname(__file__), "..", "resources", "compat")
FIXTURES = {os.path.basename(path)[:-len(".json")]: json.load(open(path))
            for path in sorted(glob.glob(os.path.join(FIXTURE, "expected*.json")))}
# the same seeded documents in every fixture: one list of index names
INDICES = list(FIXTURES["expected"]["indices"])

pytestmark = [pytest.mark.skipif(URL is None, reason="OS_URL is not set: no real node to test against"),
              pytest.mark.smoke]


def written_by(expected):
    """(engine, version) of the node that wrote a fixture (the first one's header predates the engine key)."""
    return expected.get("engine", "opensearch"), expected.get("version") or expected["opensearch"]


def readable(fixture_engine, fixture_version, engine, version):
    """Whether a node of engine/version reads indices written by fixture_engine/fixture_version."""
    older = tuple(map(int, fixture_version.split("."))) <= tuple(map(int, version.split(".")))
    majors_back = int(version.split(".")[0]) - int(fixture_version.split(".")[0])
    return fixture_engine == engine and older and majors_back <= 1


@pytest.fixture(scope="module")
def client():
    return OpenSearch(URL)


@pytest.fixture(scope="module")
def node(client):
    """(engine, version) of the node under test."""
    return engine_of(client)[:2]


@pytest.fixture(scope="module", params=list(FIXTURES))
def restored(client, node, request):
    """A fixture's indices, restored from its snapshot under their own names; skips the fixtures the node's engine
    cannot read."""
    expected = FIXTURES[request.param]
    engine, version = node
    if not readable(*written_by(expected), engine, version):
        pytest.skip(f"{request.param}: written by {'/'.join(written_by(expected))}, not readable by {engine}/{version}")
    assert os.path.isdir(SNAPSHOT_DIR), f"{SNAPSHOT_DIR} (OS_SNAPSHOT_DIR) is not there: the node needs it as path.repo"
    repository = "compat-" + expected["repository"]
    location = os.path.join(SNAPSHOT_DIR, repository)
    clear_repository(client, repository, location)
    shutil.copytree(os.path.join(FIXTURE, expected["repository"]), location)
    owner = os.stat(SNAPSHOT_DIR)
    for folder, dirs, files in os.walk(location):  # readable by the node's unprivileged user
        for path in [folder] + [os.path.join(folder, f) for f in files]:
            if os.geteuid() == 0:
                os.chown(path, owner.st_uid, owner.st_gid)
            os.chmod(path, 0o755 if os.path.isdir(path) else 0o644)
    client.put(f"/_snapshot/{repository}", {"type": "fs", "settings": {"location": location, "readonly": True}})
    names = list(expected["indices"])
    for name in names:
        delete(client, f"/{name}")
    result = client.post(f"/_snapshot/{repository}/{expected['snapshot']}/_restore?wait_for_completion=true",
                         {"indices": ",".join(names), "include_global_state": False})
    assert result["snapshot"]["shards"]["failed"] == 0, result
    client.get(f"/_cluster/health/{','.join(names)}?wait_for_status=green&timeout=60s")
    yield expected
    for name in names:
        client.delete(f"/{name}")
    clear_repository(client, repository, location)


@pytest.mark.parametrize("fixture", list(FIXTURES))
def test_the_fixture_covers_what_it_should(fixture):
    assert list(FIXTURES[fixture]["indices"]) == INDICES
    indices = FIXTURES[fixture]["indices"].values()
    assert {i["bits"] for i in indices} >= {8, 64, 72, 128, 256}
    assert {i["bits"] for i in indices if i["substrings"]} >= {64, 128}
    assert all(i["deleted"] > 0 and i["segments"] >= 3 * i["shards"] for i in indices)
    assert all(None in i["codes"].values() for i in indices)  # documents without a code too


@pytest.mark.parametrize("name", INDICES)
def test_every_code_reads_back(client, restored, name):
    expected = restored["indices"][name]["codes"]
    for how in ("docvalue_fields", "fields"):
        response = client.search(name, {"size": 10000, "query": {"match_all": {}}, "_source": False, how: ["code"]})
        got = {h["_id"]: (h.get("fields", {}).get("code") or [None])[0] for h in response["hits"]["hits"]}
        wrong = [(i, expected.get(i, "<absent>"), got.get(i, "<absent>")) for i in sorted(set(expected) | set(got))
                 if expected.get(i, "<absent>") != got.get(i, "<absent>")]
        assert not wrong, f"{name}: {len(wrong)} documents differ in {how} (id, 0.1.0, now): {wrong[:5]}"
    stats = client.get(f"/{name}/_stats/docs")["indices"][name]["primaries"]["docs"]
    assert stats["count"] == len(expected), name


# Queries whose scores are the engine's own, not ours: the `hamming` clause is a filter and the score is that of a
# `term` query on a keyword field, which OpenSearch 3 scores as a constant 1.0 where 2.19 used BM25. Across an engine
# major the same documents must match (ids and total); their scores, and so the order of the hits (BM25 differed
# between the shards of an index), are the engine's business.
ENGINE_SCORED = {"bool must term + filter max_distance=5"}


def same_answer(query, got, across_majors):
    if across_majors and query["name"] in ENGINE_SCORED:
        return (got["total"], sorted(i for i, _ in got["hits"])) == (query["total"], sorted(i for i, _ in query["hits"]))
    return got == {"total": query["total"], "hits": query["hits"]}


@pytest.mark.parametrize("name", INDICES)
def test_every_query_answers_as_before(client, node, restored, name):
    version = node[1]
    across_majors = version.split(".")[0] != written_by(restored)[1].split(".")[0]
    differences = []
    for query in restored["indices"][name]["queries"]:
        response = client.search(name, query["body"])
        got = {"total": response["hits"]["total"]["value"],
               "hits": [[h["_id"], h["_score"]] for h in response["hits"]["hits"]]}
        if not same_answer(query, got, across_majors):
            at = next((n for n, (a, b) in enumerate(zip(query["hits"], got["hits"])) if a != b),
                      min(len(query["hits"]), len(got["hits"])))
            differences.append(f"[{query['name']}] total {query['total']} -> {got['total']}, "
                               f"{len(query['hits'])} -> {len(got['hits'])} hits, first difference at hit {at}: "
                               f"{query['hits'][at:at + 3]} -> {got['hits'][at:at + 3]}; "
                               f"body {json.dumps(query['body'])}")
    assert not differences, f"{name}: {len(differences)} of {len(restored['indices'][name]['queries'])} queries " \
                            "answer differently from 0.1.0:\n" + "\n".join(differences[:10])


@pytest.mark.parametrize("name", [n for n, i in FIXTURES["expected"]["indices"].items() if i["substrings"]])
def test_the_substring_terms_written_by_0_1_0_are_searched(client, restored, name):
    """The answers above prove the substring terms only if some queries still read them: the ones that 0.1.0's planner
    answered by probing (per the profile's plan) must still probe somewhere, or this fixture no longer covers them."""
    queries = {q["name"]: q for q in restored["indices"][name]["queries"]}
    probing = restored["indices"][name]["probing_queries"]
    segments = sum(probed(client, name, queries[query]["body"]) for query in probing)
    assert segments > 0, f"{name}: none of {probing} probes a segment's substrings any more"


def test_an_old_mapping_without_substrings_stays_exact_after_new_writes(client, restored):
    """A 0.1.0 mapping that never mentioned `substrings` gets this build's default (on up to 256 bits): documents written
    after the upgrade carry substring terms, the restored ones do not. A segment mixing both (here everything merged
    into one) must be scanned, since probing would miss the old codes, and every answer must be the brute force's."""
    name, copy = "compat-b64", "compat-b64-written-after-upgrade"
    delete(client, f"/{copy}")
    result = client.post(f"/_snapshot/compat-{restored['repository']}/{restored['snapshot']}/_restore?wait_for_completion=true",
                         {"indices": name, "include_global_state": False,
                          "rename_pattern": name, "rename_replacement": copy})
    assert result["snapshot"]["shards"]["failed"] == 0, result
    client.get(f"/_cluster/health/{copy}?wait_for_status=green&timeout=60s")
    try:
        field = client.get(f"/{copy}/_mapping/field/code")[copy]["mappings"]["code"]["mapping"]["code"]
        assert field["substrings"] == {"enabled": True}, field  # what the field now does with new documents
        old = {i: c for i, c in restored["indices"][name]["codes"].items() if c is not None}
        new = {}
        for n, code in enumerate(sorted(old.values())[:150]):  # near copies of old codes: neighbours in both halves
            flipped = int(code, 16) ^ (1 << (n % 64))
            new[f"new-{n}"] = code if n % 3 == 0 else f"{flipped:016x}"
        items = client.bulk(copy, [(i, {"code": c}) for i, c in new.items()], refresh=True)
        assert all(item["status"] in (200, 201) for item in items), items[:3]
        client.post(f"/{copy}/_forcemerge?max_num_segments=1")
        client.post(f"/{copy}/_refresh")
        codes = {**old, **new}

        def distance(a, b):
            return bin(int(a, 16) ^ int(b, 16)).count("1")

        for query in [codes["new-0"], codes["new-1"], next(iter(old.values()))]:
            assert probed(client, copy, {"query": {"hamming": {"field": "code", "code": query, "k": 10}}}) == 0
            for radius in (0, 2, 5):
                body = {"size": 1000, "_source": False, "query": {"hamming": {"field": "code", "code": query, "max_distance": radius}}}
                got = {h["_id"] for h in client.search(copy, body)["hits"]["hits"]}
                assert got == {i for i, c in codes.items() if distance(c, query) <= radius}, (query, radius)
            body = {"size": 20, "_source": False, "query": {"hamming": {"field": "code", "code": query, "k": 20}}}
            hits = client.search(copy, body)["hits"]["hits"]
            assert [distance(codes[h["_id"]], query) for h in hits] == sorted(distance(c, query) for c in codes.values())[:20]
    finally:
        delete(client, f"/{copy}")
