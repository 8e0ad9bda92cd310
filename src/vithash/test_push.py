"""vithash push against a fake cluster: the hash is computed here, parts cover the file in order, --replace needs
--force, and the command waits for `ready`."""
import base64
import hashlib
import os

import pytest

from imagehash_demo.client import OpenSearchError
from vithash.push import push, read_model, split

DEFAULT_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "models", "default")


class FakeCluster:
    def __init__(self):
        self.calls = []
        self.plan = None
        self.parts = {}

    def put(self, path, body):
        self.calls.append(("PUT", path))
        if "/_part/" in path:
            self.parts[int(path.rsplit("/", 1)[1])] = base64.b64decode(body["data"])
            return {"state": "uploading", "parts_received": len(self.parts)}
        self.plan = body
        return {"state": "uploading"}

    def get(self, path):
        graph = b"".join(self.parts[n] for n in sorted(self.parts))
        ok = hashlib.sha256(graph).hexdigest() == self.plan["sha256"] and len(graph) == self.plan["total_length"]
        return {"id": path.rsplit("/", 1)[1], "state": "ready" if ok else "failed", "reason": "mismatch", "bits": 64}

    def delete(self, path):
        self.calls.append(("DELETE", path))
        raise OpenSearchError(404, {"error": {"reason": "no model"}})


def test_split_covers_the_file_in_order():
    data = bytes(range(256)) * 10
    parts = split(data, 1000)
    assert [len(p) for p in parts] == [1000, 1000, 560] and b"".join(parts) == data


def test_push_sends_the_hash_and_every_part_then_waits_for_ready():
    cluster = FakeCluster()
    manifest, graph = read_model(DEFAULT_DIR)
    model = push(cluster, "m1", DEFAULT_DIR, part_bytes=500_000, log=lambda *a: None)
    assert model["state"] == "ready"
    assert cluster.plan["sha256"] == hashlib.sha256(graph).hexdigest()
    assert cluster.plan["total_parts"] == len(cluster.parts) == 4 and cluster.plan["manifest"] == manifest


def test_replace_needs_force_and_deletes_first():
    cluster = FakeCluster()
    with pytest.raises(ValueError, match="--force"):
        push(cluster, "m1", DEFAULT_DIR, replace=True, log=lambda *a: None)
    assert cluster.calls == []
    push(cluster, "m1", DEFAULT_DIR, replace=True, force=True, log=lambda *a: None)
    assert cluster.calls[0] == ("DELETE", "/_plugins/image_hash/models/m1?force=true")
