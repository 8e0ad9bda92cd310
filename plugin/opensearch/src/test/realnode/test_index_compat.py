"""Index compatibility: indices written by plugin 0.1.0 give identical answers in the node under test.

The fixture (src/test/resources/compat/: an `fs` snapshot repository and expected.json, made by
compat/make_snapshot_fixture.py against a 0.1.0 node) holds small `hash_code` indices (8 to 256 bits, with and
without substrings, several segments, deleted documents). This test copies the repository into the node's path.repo
($OS_SNAPSHOT_DIR, default $OS_NODE_DIR/snapshots as scripts/opensearch-node.sh sets it), restores the indices
(deleting any left by an earlier run) and requires every live document's code and every recorded query's hits (ids
in order, scores exactly, totals) to be what 0.1.0 answered.
"""
import json
import os
import shutil
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "src"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "compat"))
from imagehash_demo.client import OpenSearch  # noqa: E402
from make_snapshot_fixture import clear_repository, delete, probed  # noqa: E402

URL = os.environ.get("OS_URL")
NODE_DIR = os.environ.get("OS_NODE_DIR", "/tmp/opensearch-image-hash-node")
SNAPSHOT_DIR = os.environ.get("OS_SNAPSHOT_DIR", os.path.join(NODE_DIR, "snapshots"))
FIXTURE = os.path.join(os.path.dirname(__file__), "..", "resources", "compat")
EXPECTED = json.load(open(os.path.join(FIXTURE, "expected.json")))
REPOSITORY = "compat-" + EXPECTED["repository"]

pytestmark = pytest.mark.skipif(URL is None, reason="OS_URL is not set: no real node to test against")


@pytest.fixture(scope="module")
def client():
    return OpenSearch(URL)


@pytest.fixture(scope="module")
def restored(client):
    """The fixture's indices, restored from the snapshot under their own names."""
    assert os.path.isdir(SNAPSHOT_DIR), f"{SNAPSHOT_DIR} (OS_SNAPSHOT_DIR) is not there: the node needs it as path.repo"
    location = os.path.join(SNAPSHOT_DIR, REPOSITORY)
    clear_repository(client, REPOSITORY, location)
    shutil.copytree(os.path.join(FIXTURE, EXPECTED["repository"]), location)
    owner = os.stat(SNAPSHOT_DIR)
    for folder, dirs, files in os.walk(location):  # readable by the node's unprivileged user
        for path in [folder] + [os.path.join(folder, f) for f in files]:
            if os.geteuid() == 0:
                os.chown(path, owner.st_uid, owner.st_gid)
            os.chmod(path, 0o755 if os.path.isdir(path) else 0o644)
    client.put(f"/_snapshot/{REPOSITORY}", {"type": "fs", "settings": {"location": location, "readonly": True}})
    names = list(EXPECTED["indices"])
    for name in names:
        delete(client, f"/{name}")
    result = client.post(f"/_snapshot/{REPOSITORY}/{EXPECTED['snapshot']}/_restore?wait_for_completion=true",
                         {"indices": ",".join(names), "include_global_state": False})
    assert result["snapshot"]["shards"]["failed"] == 0, result
    client.get(f"/_cluster/health/{','.join(names)}?wait_for_status=green&timeout=60s")
    yield names
    for name in names:
        client.delete(f"/{name}")
    clear_repository(client, REPOSITORY, location)


def test_the_fixture_covers_what_it_should():
    indices = EXPECTED["indices"].values()
    assert {i["bits"] for i in indices} >= {8, 64, 72, 128, 256}
    assert {i["bits"] for i in indices if i["substrings"]} >= {64, 128}
    assert all(i["deleted"] > 0 and i["segments"] >= 3 * i["shards"] for i in indices)
    assert all(None in i["codes"].values() for i in indices)  # documents without a code too


@pytest.mark.parametrize("name", list(EXPECTED["indices"]))
def test_every_code_reads_back(client, restored, name):
    expected = EXPECTED["indices"][name]["codes"]
    for how in ("docvalue_fields", "fields"):
        response = client.search(name, {"size": 10000, "query": {"match_all": {}}, "_source": False, how: ["code"]})
        got = {h["_id"]: (h.get("fields", {}).get("code") or [None])[0] for h in response["hits"]["hits"]}
        wrong = [(i, expected.get(i, "<absent>"), got.get(i, "<absent>")) for i in sorted(set(expected) | set(got))
                 if expected.get(i, "<absent>") != got.get(i, "<absent>")]
        assert not wrong, f"{name}: {len(wrong)} documents differ in {how} (id, 0.1.0, now): {wrong[:5]}"
    stats = client.get(f"/{name}/_stats/docs")["indices"][name]["primaries"]["docs"]
    assert stats["count"] == len(expected), name


@pytest.mark.parametrize("name", list(EXPECTED["indices"]))
def test_every_query_answers_as_before(client, restored, name):
    differences = []
    for query in EXPECTED["indices"][name]["queries"]:
        response = client.search(name, query["body"])
        got = {"total": response["hits"]["total"]["value"],
               "hits": [[h["_id"], h["_score"]] for h in response["hits"]["hits"]]}
        if got != {"total": query["total"], "hits": query["hits"]}:
            at = next((n for n, (a, b) in enumerate(zip(query["hits"], got["hits"])) if a != b),
                      min(len(query["hits"]), len(got["hits"])))
            differences.append(f"[{query['name']}] total {query['total']} -> {got['total']}, "
                               f"{len(query['hits'])} -> {len(got['hits'])} hits, first difference at hit {at}: "
                               f"{query['hits'][at:at + 3]} -> {got['hits'][at:at + 3]}; "
                               f"body {json.dumps(query['body'])}")
    assert not differences, f"{name}: {len(differences)} of {len(EXPECTED['indices'][name]['queries'])} queries " \
                            "answer differently from 0.1.0:\n" + "\n".join(differences[:10])


@pytest.mark.parametrize("name", [n for n, i in EXPECTED["indices"].items() if i["substrings"]])
def test_the_substring_terms_written_by_0_1_0_are_searched(client, restored, name):
    """The answers above prove the substring terms only if some queries still read them: the ones that 0.1.0's planner
    answered by probing (per the profile's plan) must still probe somewhere, or this fixture no longer covers them."""
    queries = {q["name"]: q for q in EXPECTED["indices"][name]["queries"]}
    probing = EXPECTED["indices"][name]["probing_queries"]
    segments = sum(probed(client, name, queries[query]["body"]) for query in probing)
    assert segments > 0, f"{name}: none of {probing} probes a segment's substrings any more"
