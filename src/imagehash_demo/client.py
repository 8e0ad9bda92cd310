"""A minimal OpenSearch REST client on the standard library (no PyPI here, and the demo must run anywhere).

Only what the demos and the real-node tests need: JSON requests, NDJSON bulk, basic auth, and errors that carry
OpenSearch's own error body so that callers can assert on status and reason.
"""
import base64
import json
import ssl
import urllib.error
import urllib.request


class OpenSearchError(Exception):
    """An HTTP error answer; `status` is the HTTP status and `body` the decoded JSON error."""

    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {json.dumps(body)[:2000]}")
        self.status = status
        self.body = body

    @property
    def reason(self):
        error = self.body.get("error", {}) if isinstance(self.body, dict) else {}
        causes = error.get("root_cause") or [error]
        return " | ".join(str(c.get("reason")) for c in causes if isinstance(c, dict))


class OpenSearch:
    def __init__(self, url="http://127.0.0.1:9250", user=None, password=None, verify_tls=True, timeout=120):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.headers = {}
        if user is not None:
            token = base64.b64encode(f"{user}:{password or ''}".encode()).decode()
            self.headers["Authorization"] = f"Basic {token}"
        self.context = None if verify_tls else ssl._create_unverified_context()

    def request(self, method, path, body=None, content_type="application/json"):
        data = None
        if body is not None:
            if isinstance(body, bytes):  # a binary body (CBOR, SMILE) as it is
                data = body
            else:
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=dict(self.headers))
        request.add_header("Accept", "application/json")  # JSON answers also to binary bodies
        if data is not None:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self.context) as response:
                payload = response.read()
        except urllib.error.HTTPError as e:
            payload = e.read()
            try:
                decoded = json.loads(payload)
            except ValueError:
                decoded = {"error": {"reason": payload.decode(errors="replace")}}
            raise OpenSearchError(e.code, decoded) from None
        return json.loads(payload) if payload else None

    def get(self, path):
        return self.request("GET", path)

    def put(self, path, body=None):
        return self.request("PUT", path, body)

    def post(self, path, body=None):
        return self.request("POST", path, body)

    def delete(self, path):
        return self.request("DELETE", path)

    def bulk(self, index, docs, refresh=False):
        """Indexes (id, source) pairs in one request; returns the per-item results in order."""
        return self.send_bulk(self.bulk_body(index, docs), refresh)

    @staticmethod
    def bulk_body(index, docs):
        """The NDJSON body indexing (id, source) pairs into `index`; built apart so benchmarks can build it unclocked."""
        lines = []
        for doc_id, source in docs:
            lines.append(json.dumps({"index": {"_index": index, "_id": str(doc_id)}}))
            lines.append(json.dumps(source))
        return "\n".join(lines) + "\n"

    def send_bulk(self, body, refresh=False):
        """Sends a bulk body from `bulk_body`; returns the per-item results in order."""
        path = "/_bulk" + ("?refresh=true" if refresh else "")
        response = self.request("POST", path, body, content_type="application/x-ndjson")
        return [item["index"] for item in response["items"]]

    def search(self, index, body):
        return self.post(f"/{index}/_search", body)
