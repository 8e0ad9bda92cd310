"""The search-by-image page (python3 -m imagehash_demo.serve) in a real browser against a real node: headless Debian
Chromium, driven over its DevTools protocol by browser/search_page.mjs (playwright-core, no browser download).

Indexes Fashion-MNIST images with the demo's own code (so also its stored thumbnails), uploads a query image in the
page, waits for the grid, and checks that the hits equal a direct REST `hamming` query by image; then "more like
this" (a click) against a direct `like` query, and the page's messages for a non-image, an undecodable image, a
field the index lacks and a cluster that is down. Screenshots go to docs/ (SEARCH_PAGE_SHOTS=DIR elsewhere).

Needs OS_URL, chromium, node and browser/node_modules (scripts/install-browser-deps.sh), and the Debian package
dataset-fashion-mnist; skips with the reason otherwise.
"""
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import threading

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "src"))
from imagehash_demo import search_eval, serve  # noqa: E402
from imagehash_demo.client import OpenSearch  # noqa: E402

URL = os.environ.get("OS_URL")
BROWSER_DIR = os.path.join(HERE, "browser")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
INDEX = "search-page-test"
K = 12


def missing():
    if URL is None:
        return "OS_URL is not set: no real node to test against"
    if not os.path.isdir(FASHION_MNIST):
        return f"no {FASHION_MNIST} (Debian package dataset-fashion-mnist)"
    return None


def browser_missing():
    if not os.path.exists(CHROMIUM):
        return f"no {CHROMIUM} (scripts/install-browser-deps.sh installs Debian's chromium)"
    if shutil.which("node") is None:
        return "no node (scripts/install-browser-deps.sh)"
    if not os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", "playwright-core")):
        return "no browser/node_modules/playwright-core (scripts/install-browser-deps.sh runs npm ci)"
    return None


pytestmark = pytest.mark.skipif(missing() is not None, reason=str(missing()))


def page_server(url):
    args = serve.parse_args(["--url", url, "--index", INDEX, "--port", "0"])
    server = serve.make_server(args, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture(scope="module")
def indexed():
    from imagehash_demo import image_source

    client = OpenSearch(URL)
    images, _ = image_source.fashion_mnist(400, 10)
    search_eval.create_index(client, INDEX, 64)
    rate, failures = search_eval.index_images(client, INDEX, images, progress=False)
    assert failures == {}
    yield client, images
    client.delete(f"/{INDEX}")


def direct(client, hamming):
    hits = client.search(INDEX, {"size": K, "_source": False, "query": {"hamming": {"field": "code", "k": K, **hamming}}})
    return [{"id": h["_id"], "distance": round(1 / h["_score"]) - 1} for h in hits["hits"]["hits"]]


@pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))
def test_search_page_in_chromium(indexed, tmp_path):
    client, images = indexed
    # the query image (not in the index) for a screenshot that makes sense: its direct top K mostly shares its label,
    # at several distances
    def looks(i):
        hits = client.search(INDEX, {"size": K, "_source": ["label"], "query": {"hamming": {
            "field": "code", "image": base64.b64encode(images.load(images.query_ids[i])).decode(), "k": K}}})
        hits = hits["hits"]["hits"]
        same = sum(h["_source"]["label"] == images.query_labels[i] for h in hits)
        return min(same, K - 2), len({h["_score"] for h in hits})

    query = max(range(len(images.query_ids)), key=looks)
    label = images.query_labels[query]
    query_png = tmp_path / "query.png"
    query_png.write_bytes(images.load(images.query_ids[query]))
    # the form's filter and max_distance: the class of the nearest document of another class, and its distance
    ranked = client.search(INDEX, {"size": 400, "_source": ["label"], "query": {"hamming": {
        "field": "code", "image": base64.b64encode(query_png.read_bytes()).decode(), "k": 400}}})["hits"]["hits"]
    nearest_other = next(h for h in ranked if h["_source"]["label"] != label)
    other, max_distance = nearest_other["_source"]["label"], round(1 / nearest_other["_score"]) - 1
    not_image = tmp_path / "notes.txt"
    not_image.write_text("not an image")
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    shots = os.environ.get("SEARCH_PAGE_SHOTS", os.path.join(ROOT, "docs"))

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    server, page_url = page_server(URL)
    dead_server, dead_url = page_server(f"http://127.0.0.1:{dead_port}")
    try:
        env = dict(os.environ, PAGE_URL=page_url, DEAD_PAGE_URL=dead_url, QUERY_IMAGE=str(query_png),
                   NOT_IMAGE=str(not_image), BROKEN_IMAGE=str(broken), SHOTS=shots, CHROMIUM=CHROMIUM,
                   SEARCH_K=str(K), MAX_DISTANCE=str(max_distance), FILTER_FIELD="label",
                   FILTER_VALUE=other)
        run = subprocess.run(["node", "search_page.mjs"], cwd=BROWSER_DIR, env=env, capture_output=True, text=True,
                             timeout=300)
    finally:
        for s in (server, dead_server):
            s.shutdown()
            s.server_close()
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])

    assert seen["config_error"] == "" and seen["console_errors"] == []
    expected = direct(client, {"image": base64.b64encode(query_png.read_bytes()).decode()})
    assert seen["image_state"] == "done"
    assert [{"id": h["id"], "distance": h["distance"]} for h in seen["image_hits"]] == expected
    assert all(h["thumbnail_loaded"] for h in seen["image_hits"])  # the stored PNGs, through /api/thumbnail
    assert seen["drop_state"] == "done" and seen["drop_hits"] == seen["image_hits"]
    filtered = direct(client, {"image": base64.b64encode(query_png.read_bytes()).decode(), "max_distance": max_distance,
                               "filter": {"term": {"label": other}}})
    labels = dict(zip(images.db_ids, images.db_labels))
    assert seen["filtered_state"] == "done" and filtered
    assert {labels[h["id"]] for h in filtered} == {other} and max(h["distance"] for h in filtered) == max_distance
    assert [{"id": h["id"], "distance": h["distance"]} for h in seen["filtered_hits"]] == filtered
    assert seen["like_state"] == "done" and f"document {seen['like_id']}" in seen["like_status"]
    expected_like = direct(client, {"like": {"index": INDEX, "id": seen["like_id"]}})
    assert [{"id": h["id"], "distance": h["distance"]} for h in seen["like_hits"]] == expected_like
    assert expected_like[0]["distance"] == 0

    assert "is not an image" in seen["not_image_error"]
    assert seen["broken_state"] == "error"
    assert seen["broken_image_error"].startswith("The cluster could not read this image:")
    assert seen["no_field_state"] == "error" and "no_such_field" in seen["no_field_error"]
    assert "not reachable (connection refused)" in seen["cluster_down_error"]
    for message in (seen["not_image_error"], seen["broken_image_error"], seen["no_field_error"],
                    seen["cluster_down_error"]):
        assert "Traceback" not in message and "Exception" not in message.split(":")[0]


@pytest.mark.parametrize("saved_objects", ["opensearch-dashboards.ndjson", "kibana.ndjson"])
def test_saved_search_query_runs_as_discover_sends_it(indexed, saved_objects):
    """The saved search's Lucene-bar JSON, wrapped the way Discover wraps a query (bool.must, highlight on every
    field, sort by _score), against the index: the same 20 documents as the bare hamming query. (Dashboards and Kibana
    themselves are not run here.)"""
    client, images = indexed
    with open(os.path.join(ROOT, "docs", "dashboards", saved_objects)) as f:
        objects = {o["type"]: o for o in map(json.loads, f)}
    source = json.loads(objects["search"]["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    assert source["query"]["language"] == "lucene"
    query = source["query"]["query"]
    query["hamming"]["like"] = {"index": INDEX, "id": images.db_ids[0]}  # fm-1, the saved search's document
    assert images.db_ids[0] == "fm-1"
    discover = client.search(INDEX, {
        "size": 500, "sort": [{"_score": {"order": "desc"}}], "version": True, "stored_fields": ["*"],
        "script_fields": {}, "docvalue_fields": [], "_source": {"excludes": []},
        "query": {"bool": {"must": [query], "filter": [{"match_all": {}}], "should": [], "must_not": []}},
        "highlight": {"pre_tags": ["@opensearch-dashboards-highlighted-field@"],
                      "post_tags": ["@/opensearch-dashboards-highlighted-field@"], "fields": {"*": {}},
                      "fragment_size": 2147483647}})["hits"]["hits"]
    bare = client.search(INDEX, {"size": 500, "query": query})["hits"]["hits"]
    assert len(discover) == 20 and [h["_id"] for h in discover] == [h["_id"] for h in bare]
    assert discover[0]["_id"] == "fm-1" and discover[0]["_score"] == 1.0
    thumbnail = discover[0]["_source"]["thumbnail"]  # what the Url format's data: template turns into an image
    formats = json.loads(objects["index-pattern"]["attributes"]["fieldFormatMap"])
    url = formats["thumbnail"]["params"]["urlTemplate"].replace("{{rawValue}}", thumbnail)
    assert base64.b64decode(url.partition(",")[2]) == images.load("fm-1")
