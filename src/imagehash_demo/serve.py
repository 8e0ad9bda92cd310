"""A small search-by-image page for a cluster with the image-hash plugin, on the standard library.

    PYTHONPATH=src python3 -m imagehash_demo.serve --url http://127.0.0.1:9250 [--index I --field F]

then open http://127.0.0.1:8765/. Drop or pick an image, choose index / field / k / max_distance / a keyword filter,
and see the nearest documents as a grid of thumbnails with their Hamming distance and score; click one to search
"more like this".

The page talks only to this server, which talks to the cluster: no CORS change is needed on the cluster and its
credentials stay here. This is not an open proxy: it answers four things, and builds every cluster request itself
from form fields:

    GET  /                 the page (search_page.html)
    GET  /api/config       defaults, the engine's model path, the indices that have hash_code fields
    POST /api/search       {"index", "field", "k", "max_distance", "filter_field", "filter_value"} and one of
                           "image" (base64 or a data: URL), "code" (hex) or "like": {"index", "id"}
    GET  /api/thumbnail    ?index=I&id=ID: the document's stored base64 image (--thumbnail-field)

Thumbnails come from a URL field of the documents (--url-field, used as is when it is an http(s) or data:image URL,
or prefixed with --thumbnail-base) or else from a stored base64 image (--thumbnail-field; the demo index keeps a
small PNG there). Both engines: OpenSearch's model paths are /_plugins/image_hash/models/..., the Elasticsearch
flavour's /_image_hash/models/...; --engine auto tries the likelier first and falls back. The `hamming` query is the
same JSON on both.
"""
import argparse
import base64
import binascii
import json
import os
import re
import socket
import ssl
import sys
import traceback
import urllib.error
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .client import OpenSearch, OpenSearchError

PAGE = os.path.join(os.path.dirname(__file__), "search_page.html")
MODEL_PATHS = {"opensearch": "/_plugins/image_hash", "elasticsearch": "/_image_hash"}
IMAGE_MAGIC = [(b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF87a", "image/gif"),
               (b"GIF89a", "image/gif"), (b"BM", "image/bmp")]
# an index name the page may name: no wildcards, lists, paths or hidden/system indices
INDEX_NAME = re.compile(r"^(?![._\-+])[^\s/\\*?\"<>|,#:]{1,255}$")
HEX_CODE = re.compile(r"^[0-9a-fA-F]{1,2048}$")
MAX_K = 10000
DRAIN_LIMIT = 256 << 20  # a larger upload is answered without being read, and the connection closed


class PageError(Exception):
    """An error the page shows as it is: `status` for the HTTP answer, `message` for people."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def image_type(data):
    """The MIME type of PNG/JPEG/GIF/BMP/WebP bytes (the formats the plugin decodes), else None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((mime for magic, mime in IMAGE_MAGIC if data.startswith(magic)), None)


def decode_image(value, max_bytes):
    """Base64 (or a data: URL) to image bytes, checked: a PageError for anything that is not an image or too large."""
    if not isinstance(value, str) or not value:
        raise PageError(400, "No image was sent.")
    if value.startswith("data:"):
        value = value.partition(",")[2]
    if len(value) * 3 // 4 > max_bytes + 3:
        raise PageError(413, f"The image is {len(value) * 3 // 4 / 1e6:.1f} MB; this page accepts up to "
                             f"{max_bytes / 1e6:.1f} MB (--max-image-bytes).")
    try:
        data = base64.b64decode(value, validate=False)
    except (binascii.Error, ValueError):
        raise PageError(400, "The upload is not valid base64.") from None
    if len(data) > max_bytes:
        raise PageError(413, f"The image is {len(data) / 1e6:.1f} MB; this page accepts up to {max_bytes / 1e6:.1f} MB "
                             f"(--max-image-bytes).")
    if image_type(data) is None:
        raise PageError(400, "This file is not an image the plugin can read: send a PNG, JPEG, GIF, BMP or WebP.")
    return data


def index_name(value, what="index"):
    if not isinstance(value, str) or not INDEX_NAME.match(value):
        raise PageError(400, f"Not a valid {what} name: {value!r} (no wildcards, commas, or names starting with "
                             f"'.', '_', '-' or '+').")
    return value


def integer(value, what, low, high, default=None):
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise PageError(400, f"{what} must be a whole number, got {value!r}.") from None
    if not low <= number <= high:
        raise PageError(400, f"{what} must be between {low} and {high}, got {number}.")
    return number


def cluster_message(error, url):
    """A readable sentence for a failed cluster call (never a stack trace)."""
    if isinstance(error, OpenSearchError):
        body = error.body
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            reason = error.reason
        else:  # e.g. {"error": "no handler found for uri ..."}
            reason = str(body.get("error") if isinstance(body, dict) else body)[:500]
        if error.status in (401, 403):
            return PageError(502, f"The cluster refused this server's credentials (HTTP {error.status}): {reason}. "
                                  f"Check --user/--password.")
        error_type = body["error"].get("type") if isinstance(body, dict) and isinstance(body.get("error"), dict) else None
        if error.status == 404 and error_type == "index_not_found_exception":
            return PageError(404, f"The cluster has no such index: {reason}")
        if 400 <= error.status < 500:
            return PageError(400, f"The cluster refused the request (HTTP {error.status}): {reason}")
        return PageError(502, f"The cluster failed (HTTP {error.status}): {reason}")
    if isinstance(error, urllib.error.URLError):
        error = error.reason if isinstance(error.reason, Exception) else error
    if isinstance(error, (ConnectionRefusedError, ConnectionResetError)):
        return PageError(502, f"The cluster at {url} is not reachable (connection refused): is it running?")
    if isinstance(error, (socket.timeout, TimeoutError)):
        return PageError(504, f"The cluster at {url} did not answer in time.")
    if isinstance(error, ssl.SSLError):
        return PageError(502, f"TLS with the cluster at {url} failed: {error} (self-signed? try --insecure).")
    if isinstance(error, OSError):
        return PageError(502, f"The cluster at {url} is not reachable: {error}")
    if isinstance(error, ValueError):  # a non-JSON answer
        return PageError(502, f"The cluster at {url} sent an answer that is not JSON: is this the right URL?")
    return None


class Searcher:
    """Everything the page asks of the cluster, each request built here from form fields."""

    def __init__(self, client, engine="auto", model="default", index="image-hash-demo", field="code",
                 url_field="thumbnail_url", thumbnail_field="thumbnail", thumbnail_base=None,
                 max_image_bytes=5_000_000):
        self.client = client
        self.engine = engine
        self.model = model
        self.index, self.field = index, field
        self.url_field, self.thumbnail_field, self.thumbnail_base = url_field, thumbnail_field, thumbnail_base
        self.max_image_bytes = max_image_bytes
        self._model_path = None

    def call(self, method, path, body=None):
        try:
            return self.client.request(method, path, body)
        except Exception as e:  # noqa: BLE001 - mapped to a sentence, or re-raised
            mapped = cluster_message(e, self.client.url)
            if mapped is None:
                raise
            raise mapped from None

    def model_path(self):
        """/_plugins/image_hash (OpenSearch) or /_image_hash (the Elasticsearch flavour), found once."""
        if self._model_path:
            return self._model_path
        if self.engine != "auto":
            self._model_path = MODEL_PATHS[self.engine]
            return self._model_path
        order = ["opensearch", "elasticsearch"]
        try:
            info = self.client.get("/")
            if (info.get("version") or {}).get("distribution") != "opensearch":
                order.reverse()
        except OpenSearchError:
            pass  # e.g. no right to read "/": try both
        except Exception as e:  # noqa: BLE001
            raise cluster_message(e, self.client.url) or e from None
        for engine in order:
            try:
                self.client.get(MODEL_PATHS[engine] + "/models")
            except OpenSearchError as e:
                if e.status in (400, 404, 405):
                    continue
                raise cluster_message(e, self.client.url) from None
            except Exception as e:  # noqa: BLE001
                raise cluster_message(e, self.client.url) or e from None
            self._model_path = MODEL_PATHS[engine]
            return self._model_path
        raise PageError(502, f"The image_hash plugin does not answer at {self.client.url}: neither "
                             f"{MODEL_PATHS['opensearch']}/models nor {MODEL_PATHS['elasticsearch']}/models exists.")

    def config(self):
        answer = {"index": self.index, "field": self.field, "max_image_bytes": self.max_image_bytes,
                  "model": self.model, "indices": []}
        try:
            answer["model_path"] = self.model_path()
            answer["engine"] = next(e for e, p in MODEL_PATHS.items() if p == answer["model_path"])
            answer["indices"] = self.hash_indices()
        except PageError as e:
            answer["error"] = e.message
        return answer

    def hash_indices(self):
        """[{index, fields (hash_code), keywords}] for every index with a hash_code field (hidden ones left out)."""
        mappings = self.call("GET", "/_mapping")
        found = []
        for name, mapping in sorted(mappings.items()):
            if name.startswith("."):
                continue
            codes, keywords = [], []
            walk(mapping.get("mappings", {}).get("properties", {}), "", codes, keywords)
            if codes:
                found.append({"index": name, "fields": codes, "keywords": keywords})
        return found

    def encode(self, image_b64):
        path = f"{self.model_path()}/models/{urllib.parse.quote(self.model, safe='')}/_encode"
        try:
            return self.client.request("POST", path, {"image": image_b64})["code"]
        except OpenSearchError as e:
            if e.status == 400:
                raise PageError(400, f"The cluster could not read this image: {e.reason}") from None
            raise cluster_message(e, self.client.url) from None
        except Exception as e:  # noqa: BLE001
            raise cluster_message(e, self.client.url) or e from None

    def search(self, form):
        if not isinstance(form, dict):
            raise PageError(400, "The search request must be a JSON object.")
        index = index_name(form.get("index") or self.index)
        field = form.get("field") or self.field
        if not isinstance(field, str) or not field.strip():
            raise PageError(400, "Name the hash_code field to search.")
        k = integer(form.get("k"), "k", 1, MAX_K, default=20)
        max_distance = integer(form.get("max_distance"), "max_distance", 0, 8192)
        hamming = {"field": field}
        query = {}
        if form.get("image"):
            image = decode_image(form["image"], self.max_image_bytes)
            hamming["code"] = query["code"] = self.encode(base64.b64encode(image).decode())
            query["kind"] = "image"
        elif isinstance(form.get("like"), dict):
            like = {"index": index_name(form["like"].get("index") or index, "like index"),
                    "id": form["like"].get("id")}
            if not isinstance(like["id"], str) or not like["id"]:
                raise PageError(400, "'more like this' needs a document id.")
            hamming["like"] = like
            query.update(kind="like", like=like)
        elif form.get("code"):
            if not isinstance(form["code"], str) or not HEX_CODE.match(form["code"].strip()):
                raise PageError(400, f"A code is hex digits, got {str(form['code'])[:80]!r}.")
            hamming["code"] = query["code"] = form["code"].strip().lower()
            query["kind"] = "code"
        else:
            raise PageError(400, "Give an image, a code or a document to search like.")
        hamming["k"] = k
        if max_distance is not None:
            hamming["max_distance"] = max_distance
        filter_field, filter_value = form.get("filter_field"), form.get("filter_value")
        if filter_field and filter_value not in (None, ""):
            if not isinstance(filter_field, str) or not isinstance(filter_value, (str, int, float, bool)):
                raise PageError(400, "The filter is a field name and one value.")
            hamming["filter"] = {"term": {filter_field: filter_value}}
        body = {"size": k, "query": {"hamming": hamming}, "_source": {"excludes": [self.thumbnail_field]}}
        response = self.call("POST", f"/{urllib.parse.quote(index)}/_search", body)
        hits = [self.hit(h, field) for h in response["hits"]["hits"]]
        return {"query": query, "request": {"index": index, "body": body}, "took": response.get("took"),
                "hits": hits}

    def hit(self, raw, field):
        source = raw.get("_source") or {}
        score = raw.get("_score") or 0.0
        return {"index": raw["_index"], "id": raw["_id"], "score": score,
                "distance": round(1 / score - 1) if score > 0 else None,
                "code": source.get(field) if isinstance(source.get(field), str) else None,
                "thumbnail": self.thumbnail_src(raw["_index"], raw["_id"], source.get(self.url_field)),
                "fields": caption(source, skip={field, self.url_field})}

    def thumbnail_src(self, index, doc_id, url):
        if isinstance(url, str) and url:
            if re.match(r"^(https?:|data:image/)", url, re.I):
                return url
            if self.thumbnail_base:
                return self.thumbnail_base.rstrip("/") + "/" + url.lstrip("/")
        return "/api/thumbnail?" + urllib.parse.urlencode({"index": index, "id": doc_id})

    def thumbnail(self, index, doc_id):
        """(MIME type, bytes) of the document's stored base64 image."""
        index = index_name(index)
        if not doc_id:
            raise PageError(400, "No document id.")
        path = (f"/{urllib.parse.quote(index)}/_doc/{urllib.parse.quote(doc_id, safe='')}?"
                + urllib.parse.urlencode({"_source_includes": self.thumbnail_field}))
        try:
            doc = self.call("GET", path)
        except PageError as e:
            if e.status in (400, 404):
                raise PageError(404, "No such document.") from None
            raise
        value = (doc.get("_source") or {}).get(self.thumbnail_field)
        if not isinstance(value, str):
            raise PageError(404, f"The document has no [{self.thumbnail_field}] image.")
        try:
            data = base64.b64decode(value.partition(",")[2] if value.startswith("data:") else value)
        except (binascii.Error, ValueError):
            raise PageError(404, f"[{self.thumbnail_field}] is not base64.") from None
        mime = image_type(data)
        if mime is None:
            raise PageError(404, f"[{self.thumbnail_field}] is not an image.")
        return mime, data


def walk(properties, prefix, codes, keywords):
    for name, spec in properties.items():
        path = prefix + name
        if spec.get("type") == "hash_code":
            codes.append(path)
        elif spec.get("type") == "keyword" and spec.get("index", True) is not False:
            keywords.append(path)
        if isinstance(spec.get("properties"), dict):
            walk(spec["properties"], path + ".", codes, keywords)


def caption(source, skip, limit=4):
    """A few short scalar fields of a hit, to show under its thumbnail."""
    shown = {}
    for name, value in source.items():
        if name in skip or isinstance(value, (dict, list)) or value is None:
            continue
        text = str(value)
        if len(text) <= 60:
            shown[name] = value
        if len(shown) == limit:
            break
    return shown


class Handler(BaseHTTPRequestHandler):
    server_version = "imagehash-search-page"
    searcher: Searcher = None
    quiet = False

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path in ("/", "/index.html"):
            with open(PAGE, "rb") as f:
                return self.send(200, f.read(), "text/html; charset=utf-8")
        if url.path == "/api/config":
            return self.guarded(self.searcher.config)
        if url.path == "/api/thumbnail":
            params = urllib.parse.parse_qs(url.query)
            one = (lambda key: (params.get(key) or [""])[0])
            return self.guarded(lambda: self.searcher.thumbnail(one("index"), one("id")), raw=True)
        return self.json(404, {"error": f"No such page: {url.path}"})

    def do_POST(self):
        if urllib.parse.urlsplit(self.path).path != "/api/search":
            return self.json(404, {"error": "Not found."})
        return self.guarded(lambda: self.searcher.search(self.read_json()))

    def read_json(self):
        length = int(self.headers.get("Content-Length") or 0)
        limit = self.searcher.max_image_bytes * 4 // 3 + 64 * 1024
        if length > limit:
            if length <= DRAIN_LIMIT:  # read the upload, so that the browser sees the answer rather than a reset
                for done in range(0, length, 1 << 20):
                    self.rfile.read(min(1 << 20, length - done))
            else:
                self.close_connection = True
            raise PageError(413, f"The upload is {length / 1e6:.1f} MB; this page accepts images up to "
                                 f"{self.searcher.max_image_bytes / 1e6:.1f} MB (--max-image-bytes).")
        try:
            return json.loads(self.rfile.read(length) or b"null")
        except ValueError:
            raise PageError(400, "The request is not JSON.") from None

    def guarded(self, action, raw=False):
        try:
            result = action()
        except PageError as e:
            return self.json(e.status, {"error": e.message})
        except Exception as e:  # noqa: BLE001 - the page gets a sentence, the console the trace
            traceback.print_exc()
            return self.json(500, {"error": f"Internal error in the page server: {type(e).__name__}: {e}"})
        if raw:
            mime, data = result
            return self.send(200, data, mime, {"Cache-Control": "max-age=3600"})
        return self.json(200, result)

    def json(self, status, body):
        self.send(status, json.dumps(body).encode(), "application/json")

    def send(self, status, data, content_type, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        if not self.quiet:
            sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))


def parse_args(argv):
    p = argparse.ArgumentParser(description="A local search-by-image page for a cluster with the image-hash plugin.")
    p.add_argument("--url", default="http://127.0.0.1:9250", help="the cluster (OpenSearch or Elasticsearch)")
    p.add_argument("--user")
    p.add_argument("--password", default=os.environ.get("IMAGE_HASH_PASSWORD"),
                   help="or the IMAGE_HASH_PASSWORD environment variable")
    p.add_argument("--insecure", action="store_true", help="do not verify the cluster's TLS certificate")
    p.add_argument("--index", default="image-hash-demo", help="the index the page starts with")
    p.add_argument("--field", default="code", help="the hash_code field the page starts with")
    p.add_argument("--engine", choices=["auto", "opensearch", "elasticsearch"], default="auto",
                   help="model paths: /_plugins/image_hash (opensearch) or /_image_hash (elasticsearch)")
    p.add_argument("--model", default="default", help="the model that encodes uploaded images")
    p.add_argument("--url-field", default="thumbnail_url", help="a document field holding an image URL")
    p.add_argument("--thumbnail-base", help="prefix for --url-field values that are paths, e.g. http://images/")
    p.add_argument("--thumbnail-field", default="thumbnail", help="a document field holding a base64 image")
    p.add_argument("--max-image-bytes", type=int, default=5_000_000, help="largest upload")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: this machine only)")
    p.add_argument("--port", type=int, default=8765)
    return p.parse_args(argv)


def make_server(args, quiet=False):
    client = OpenSearch(args.url, args.user, args.password, verify_tls=not args.insecure, timeout=30)
    searcher = Searcher(client, args.engine, args.model, args.index, args.field, args.url_field,
                        args.thumbnail_field, args.thumbnail_base, args.max_image_bytes)
    handler = type("PageHandler", (Handler,), {"searcher": searcher, "quiet": quiet})
    return ThreadingHTTPServer((args.host, args.port), handler)


def main(argv=None):
    args = parse_args(argv)
    server = make_server(args)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: bound to {args.host}: anyone who reaches this port searches with this server's cluster "
              f"credentials", file=sys.stderr)
    host, port = server.server_address[:2]
    print(f"search page: http://{host}:{port}/ (cluster {args.url}; Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
