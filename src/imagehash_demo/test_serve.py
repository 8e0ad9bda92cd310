"""The search page's server against a fake cluster on 127.0.0.1: the requests it builds, both engines' model paths,
and a readable message (never a stack trace) for a cluster that is down, 4xx answers, non-images and large uploads."""
import base64
import io
import json
import socket
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from imagehash_demo import serve
from imagehash_demo.search_eval import thumbnail_png


def png(size=(28, 28), colour=128):
    out = io.BytesIO()
    Image.new("L", size, colour).save(out, "PNG")
    return out.getvalue()


PNG = png()


class FakeCluster:
    """Answers like a node with the plugin; `engine` picks the model paths; records every request."""

    def __init__(self, engine="opensearch"):
        self.engine = engine
        self.requests = []
        self.overrides = {}  # (method, path) -> (status, body)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                fake.answer(self, "GET")

            def do_POST(self):
                fake.answer(self, "POST")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, handler, method):
        length = int(handler.headers.get("Content-Length") or 0)
        body = json.loads(handler.rfile.read(length)) if length else None
        path = handler.path
        self.requests.append((method, path, body))
        status, answer = self.route(method, path, body)
        data = json.dumps(answer).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def route(self, method, path, body):
        if (method, path.split("?")[0]) in self.overrides:
            return self.overrides[(method, path.split("?")[0])]
        prefix = serve.MODEL_PATHS[self.engine]
        if path == "/":
            version = {"number": "3.5.0", "distribution": "opensearch"} if self.engine == "opensearch" else {"number": "9.1.0"}
            return 200, {"version": version}
        if path == prefix + "/models":
            return 200, {"models": [{"id": "default", "bits": 64}]}
        if path == prefix + "/models/default/_encode":
            if not base64.b64decode(body["image"]).startswith(b"\x89PNG"):
                return 400, {"error": {"root_cause": [{"reason": "the image could not be decoded"}]}}
            return 200, {"code": "e1dfc34a8750e1da"}
        if path == "/_mapping":
            return 200, {"images": {"mappings": {"properties": {
                "code": {"type": "hash_code", "bits": 64}, "label": {"type": "keyword"},
                "meta": {"properties": {"tag": {"type": "keyword"}}}}}},
                ".hidden": {"mappings": {"properties": {"code": {"type": "hash_code"}}}},
                "plain": {"mappings": {"properties": {"title": {"type": "text"}}}}}
        if path == "/images/_search":
            return 200, {"took": 3, "hits": {"hits": [
                {"_index": "images", "_id": "a", "_score": 1.0,
                 "_source": {"code": "e1dfc34a8750e1da", "label": "shoe", "thumbnail_url": "https://img/a.png"}},
                {"_index": "images", "_id": "b", "_score": 0.25, "_source": {"code": "e1dfc34a8750e1d5", "label": "bag",
                                                                            "big": "x" * 500, "thumbnail_url": "b.png"}},
                {"_index": "images", "_id": "c/1", "_score": 1 / 7, "_source": {"code": "00dfc34a8750e1da"}}]}}
        if path.startswith("/images/_doc/"):
            doc_id = path.split("/")[3].split("?")[0]
            if doc_id == "a":
                return 200, {"_source": {"thumbnail": base64.b64encode(PNG).decode()}}
            if doc_id == "text":
                return 200, {"_source": {"thumbnail": base64.b64encode(b"hello").decode()}}
            return 404, {"_index": "images", "_id": doc_id, "found": False}
        if path.startswith("/nope/"):
            return 404, {"error": {"type": "index_not_found_exception", "root_cause": [
                {"type": "index_not_found_exception", "reason": "no such index [nope]"}]}, "status": 404}
        return 400, {"error": f"no handler found for uri [{path}] and method [{method}]"}

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def start_page(url, *extra):
    args = serve.parse_args(["--url", url, "--index", "images", "--port", "0", *extra])
    server = serve.make_server(args, quiet=True)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture()
def cluster():
    fake = FakeCluster()
    yield fake
    fake.close()


@pytest.fixture()
def page(cluster):
    server, url = start_page(cluster.url)
    yield url
    server.shutdown()
    server.server_close()


def call(url, path, body=None, raw=False):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(url + path, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            payload, status, headers = response.read(), response.status, response.headers
    except urllib.error.HTTPError as e:
        payload, status, headers = e.read(), e.code, e.headers
    if raw:
        return status, headers, payload
    assert b"Traceback" not in payload
    return status, json.loads(payload)


def b64(data):
    return base64.b64encode(data).decode()


def test_binds_to_localhost_by_default():
    assert serve.parse_args([]).host == "127.0.0.1"


def test_the_page_and_its_config(cluster, page):
    status, headers, html = call(page, "/", raw=True)
    assert status == 200 and headers["Content-Type"].startswith("text/html") and b"/api/search" in html
    status, config = call(page, "/api/config")
    assert status == 200 and config["engine"] == "opensearch" and config["model_path"] == "/_plugins/image_hash"
    assert config["indices"] == [{"index": "images", "fields": ["code"], "keywords": ["label", "meta.tag"]}]
    assert (config["index"], config["field"]) == ("images", "code")


def test_search_by_image_encodes_then_searches_by_code(cluster, page):
    status, answer = call(page, "/api/search", {"image": "data:image/png;base64," + b64(PNG), "k": "3",
                                                "max_distance": "6", "filter_field": "label", "filter_value": "shoe"})
    assert status == 200, answer
    encode = [r for r in cluster.requests if r[1].endswith("/_encode")]
    assert encode == [("POST", "/_plugins/image_hash/models/default/_encode", {"image": b64(PNG)})]
    search = [r for r in cluster.requests if r[1] == "/images/_search"]
    assert search == [("POST", "/images/_search", {"size": 3, "_source": {"excludes": ["thumbnail"]}, "query": {
        "hamming": {"field": "code", "code": "e1dfc34a8750e1da", "k": 3, "max_distance": 6,
                    "filter": {"term": {"label": "shoe"}}}}})]
    assert answer["query"] == {"kind": "image", "code": "e1dfc34a8750e1da"}
    hits = answer["hits"]
    assert [(h["id"], h["distance"]) for h in hits] == [("a", 0), ("b", 3), ("c/1", 6)]
    assert hits[0]["thumbnail"] == "https://img/a.png"  # an image URL field is used as is
    assert hits[1]["thumbnail"] == "/api/thumbnail?index=images&id=b"  # a path without --thumbnail-base: stored image
    assert hits[2]["thumbnail"] == "/api/thumbnail?index=images&id=c%2F1"
    assert hits[1]["fields"] == {"label": "bag"} and hits[1]["code"] == "e1dfc34a8750e1d5"  # long values left out


def test_more_like_this_and_by_code(cluster, page):
    status, answer = call(page, "/api/search", {"like": {"index": "images", "id": "b"}})
    assert status == 200 and answer["query"] == {"kind": "like", "like": {"index": "images", "id": "b"}}
    assert cluster.requests[-1][2]["query"] == {"hamming": {"field": "code", "like": {"index": "images", "id": "b"},
                                                            "k": 20}}
    status, answer = call(page, "/api/search", {"code": "E1DFC34A8750E1DA ", "k": 5})
    assert status == 200 and cluster.requests[-1][2]["query"]["hamming"]["code"] == "e1dfc34a8750e1da"
    assert not any(r[1].endswith("/_encode") for r in cluster.requests)


def test_thumbnail_base_for_path_values(cluster):
    server, url = start_page(cluster.url, "--thumbnail-base", "http://images.example/")
    try:
        hits = call(url, "/api/search", {"code": "e1dfc34a8750e1da"})[1]["hits"]
        assert hits[1]["thumbnail"] == "http://images.example/b.png"
    finally:
        server.shutdown()
        server.server_close()


def test_thumbnail_endpoint(cluster, page):
    status, headers, data = call(page, "/api/thumbnail?index=images&id=a", raw=True)
    assert status == 200 and headers["Content-Type"] == "image/png" and data == PNG
    assert cluster.requests[-1][1] == "/images/_doc/a?_source_includes=thumbnail"
    assert call(page, "/api/thumbnail?index=images&id=missing")[0] == 404
    assert call(page, "/api/thumbnail?index=images&id=text") == (404, {"error": "[thumbnail] is not an image."})
    assert call(page, "/api/thumbnail?index=_all&id=a")[0] == 400


def test_elasticsearch_paths():
    fake = FakeCluster("elasticsearch")
    server, url = start_page(fake.url)
    try:
        assert call(url, "/api/config")[1]["model_path"] == "/_image_hash"
        assert call(url, "/api/search", {"image": b64(PNG)})[0] == 200
        assert ("POST", "/_image_hash/models/default/_encode", {"image": b64(PNG)}) in fake.requests
    finally:
        server.shutdown()
        server.server_close()
        fake.close()


def test_elasticsearch_fallback_when_root_looks_like_opensearch():
    fake = FakeCluster("elasticsearch")
    fake.overrides[("GET", "/")] = (200, {"version": {"distribution": "opensearch"}})
    searcher = serve.Searcher(serve.OpenSearch(fake.url))
    try:
        assert searcher.model_path() == "/_image_hash"
    finally:
        fake.close()


def test_no_plugin(cluster):
    cluster.overrides[("GET", "/_plugins/image_hash/models")] = (400, {"error": "no handler found"})
    server, url = start_page(cluster.url)
    try:
        status, answer = call(url, "/api/search", {"image": b64(PNG)})
        assert status == 502 and "image_hash plugin does not answer" in answer["error"]
    finally:
        server.shutdown()
        server.server_close()


def test_cluster_down():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    server, url = start_page(f"http://127.0.0.1:{port}")
    try:
        status, answer = call(url, "/api/search", {"image": b64(PNG)})
        assert status == 502 and "not reachable (connection refused): is it running?" in answer["error"]
        status, config = call(url, "/api/config")
        assert status == 200 and "not reachable" in config["error"]  # the page still loads, and says why
        assert call(url, "/api/search", {"code": "ab", "index": "images"})[0] == 502
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("form,status,message", [
    ({"image": b64(b"%PDF-1.4 not an image")}, 400, "not an image the plugin can read"),
    ({"image": "@@@not base64@@@"}, 400, "not valid base64"),
    ({"image": b64(b"\x89PNG\r\n\x1a\n" + b"\0" * 5_030_000)}, 413, "this page accepts up to 5.0 MB"),
    ({}, 400, "Give an image, a code or a document"),
    ({"code": "xyz"}, 400, "A code is hex digits"),
    ({"code": "ab", "k": "ten"}, 400, "k must be a whole number"),
    ({"code": "ab", "k": 0}, 400, "k must be between 1 and 10000"),
    ({"code": "ab", "max_distance": -1}, 400, "max_distance must be between"),
    ({"code": "ab", "index": "*"}, 400, "Not a valid index name"),
    ({"code": "ab", "index": ".security"}, 400, "Not a valid index name"),
    ({"like": {"index": "images"}}, 400, "needs a document id"),
    ({"code": "ab", "index": "nope"}, 404, "no such index [nope]"),
    (["not", "an", "object"], 400, "must be a JSON object"),
])
def test_bad_input_is_a_sentence(cluster, page, form, status, message):
    got_status, answer = call(page, "/api/search", form)
    assert (got_status, message in answer["error"]) == (status, True), answer


def test_a_broken_png_is_refused_by_the_cluster_with_its_reason(cluster, page):
    status, answer = call(page, "/api/search", {"image": b64(b"GIF89a broken")})
    assert status == 400 and answer["error"] == "The cluster could not read this image: the image could not be decoded"


def test_upstream_4xx_and_5xx(cluster, page):
    cluster.overrides[("POST", "/images/_search")] = (400, {"error": {"root_cause": [
        {"reason": "field [nope] of [hamming] is not mapped"}]}})
    status, answer = call(page, "/api/search", {"code": "ab", "field": "nope"})
    assert status == 400
    assert answer["error"] == "The cluster refused the request (HTTP 400): field [nope] of [hamming] is not mapped"
    cluster.overrides[("POST", "/images/_search")] = (401, {"error": {"reason": "missing authentication"}})
    status, answer = call(page, "/api/search", {"code": "ab"})
    assert status == 502 and "refused this server's credentials" in answer["error"]
    cluster.overrides[("POST", "/images/_search")] = (503, {"error": {"reason": "all shards failed"}})
    assert call(page, "/api/search", {"code": "ab"}) == (502, {"error": "The cluster failed (HTTP 503): all shards failed"})


def test_not_an_open_proxy(cluster, page):
    before = len(cluster.requests)
    assert call(page, "/_cat/indices")[0] == 404
    assert call(page, "/images/_search", {"query": {"match_all": {}}})[0] == 404
    assert call(page, "/api/search", b"{not json")[1] == {"error": "The request is not JSON."}
    assert len(cluster.requests) == before


def test_upload_over_the_limit_is_refused_before_reading(cluster, page):
    status, answer = call(page, "/api/search", json.dumps({"image": "A" * 8_000_000}).encode())
    assert status == 413 and "accepts images up to 5.0 MB" in answer["error"]


def test_thumbnail_png_keeps_small_pngs_and_shrinks_the_rest():
    assert thumbnail_png(PNG) is PNG
    small = thumbnail_png(png((400, 200)))
    assert Image.open(io.BytesIO(small)).size == (96, 48)
    assert thumbnail_png(b"not an image") is None
