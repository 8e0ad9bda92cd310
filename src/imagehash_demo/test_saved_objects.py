"""docs/dashboards/*.ndjson are importable as saved objects: one JSON object a line, references that resolve, nested
JSON strings that parse, the Image formats and the saved search's hamming query (run on a real node by
plugin/opensearch/src/test/realnode/test_search_page.py)."""
import glob
import json
import os

import pytest

DOCS = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "dashboards")
FILES = sorted(glob.glob(os.path.join(DOCS, "*.ndjson")))


def test_both_files_are_there():
    assert [os.path.basename(f) for f in FILES] == ["kibana.ndjson", "opensearch-dashboards.ndjson"]


@pytest.mark.parametrize("path", FILES, ids=os.path.basename)
def test_saved_objects(path):
    with open(path) as f:
        objects = {o["type"]: o for o in map(json.loads, f.read().splitlines())}
    assert sorted(objects) == ["index-pattern", "search"]
    pattern, search = objects["index-pattern"], objects["search"]
    assert pattern["attributes"]["title"] == "image-hash-demo" and json.loads(pattern["attributes"]["fields"]) == []
    formats = json.loads(pattern["attributes"]["fieldFormatMap"])
    assert formats["thumbnail"]["params"]["urlTemplate"] == "data:image/png;base64,{{rawValue}}"
    assert {f["id"] for f in formats.values()} == {"url"} and {f["params"]["type"] for f in formats.values()} == {"img"}
    source = json.loads(search["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    assert search["references"] == [{"id": pattern["id"], "name": source["indexRefName"], "type": "index-pattern"}]
    assert source["query"]["language"] == "lucene"
    assert source["query"]["query"] == {"hamming": {"field": "code", "like": {"index": "image-hash-demo", "id": "fm-1"},
                                                    "k": 20}}
    assert search["attributes"]["sort"] == [["_score", "desc"]] and "thumbnail" in search["attributes"]["columns"]
