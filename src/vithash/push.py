"""Upload an exported model (model.onnx + model.json) to a cluster's model registry over REST.

Computes the SHA-256 itself, sends the graph in base64 parts, waits until the cluster has verified the model
(`ready`), and returns its per-node view. Standard library only (no torch needed).
"""
import base64
import hashlib
import json
import os
import time

from imagehash_demo.client import OpenSearchError

PATH = "/_plugins/image_hash/models"
PART_BYTES = 4 * 1024 * 1024  # the cluster accepts parts of up to 10 MB; smaller parts keep each request light


def read_model(model_dir):
    with open(os.path.join(model_dir, "model.json")) as f:
        manifest = json.load(f)
    with open(os.path.join(model_dir, "model.onnx"), "rb") as f:
        graph = f.read()
    return manifest, graph


def split(graph, part_bytes):
    return [graph[i:i + part_bytes] for i in range(0, len(graph), part_bytes)] or [b""]


def push(client, model_id, model_dir, part_bytes=PART_BYTES, replace=False, force=False, log=print, wait_s=120):
    """Uploads model_dir under model_id; returns GET …/models/{id} once the model is ready."""
    manifest, graph = read_model(model_dir)
    parts = split(graph, part_bytes)
    sha256 = hashlib.sha256(graph).hexdigest()
    if replace:
        if not force:
            raise ValueError("--replace deletes the model first (ids are immutable): add --force to confirm")
        try:
            client.delete(f"{PATH}/{model_id}?force=true")
            log(f"deleted model [{model_id}]")
        except OpenSearchError as e:
            if e.status != 404:
                raise
    client.put(f"{PATH}/{model_id}", {"manifest": manifest, "total_parts": len(parts), "total_length": len(graph),
                                      "sha256": sha256})
    log(f"uploading model [{model_id}]: {len(graph)} bytes in {len(parts)} parts, sha256 {sha256}")
    answer = None
    for n, part in enumerate(parts):
        answer = client.put(f"{PATH}/{model_id}/_part/{n}", {"data": base64.b64encode(part).decode()})
        log(f"  part {n + 1}/{len(parts)} ({answer.get('parts_received')} received, state {answer.get('state')})")
    deadline = time.time() + wait_s
    while True:
        model = client.get(f"{PATH}/{model_id}")
        if model.get("state") == "ready":
            return model
        if model.get("state") == "failed" or time.time() > deadline:
            raise RuntimeError(f"model [{model_id}] is [{model.get('state')}]: {model.get('reason')}")
        time.sleep(1)


def main(args):
    from imagehash_demo.client import OpenSearch

    client = OpenSearch(args.url, user=args.user, password=args.password, verify_tls=not args.insecure)
    try:
        model = push(client, args.model_id, args.model_dir, replace=args.replace, force=args.force)
    except OpenSearchError as e:
        print(f"upload failed: HTTP {e.status}: {e.reason}")
        return 1
    print(f"model [{model['id']}] is ready: {model['bits']} bits, {model.get('size')} bytes, sha256 {model.get('sha256')}")
    for node, state in sorted(model.get("nodes", {}).items()):
        print(f"  {node}: {'loaded on ' + state['device'] if state.get('loaded') else 'not loaded yet (loads on first use)'}")
    return 0
