"""Ingest throughput: images per second through the image_hash pipeline (bulk, batched) against the raw ONNX Runtime
session on the same images and batch sizes, measured in one run on one machine.

    bash bench/ingest/run.sh [N_IMAGES]     # builds, starts a node (port 9250), writes docs/bench/ingest.json
    INGEST_ENGINE=elasticsearch bash bench/ingest/run.sh [N_IMAGES]     # the same on Elasticsearch (port 9500)

Every side uses one inference thread: the node runs image_hash.inference.threads = 1 (the default) and, for this
run, image_hash.inference.max_concurrency = 1 (one inference at a time); the raw side runs the same session settings
in one JVM thread. The node gets one bulk request at a time from one client (JSON or SMILE), or two at a time from
two clients (JSON): then one request's inference overlaps the other's HTTP, parsing, decoding and indexing, while
inference itself stays one call at a time. Every round checks that all three node sides wrote the same codes.
The JSON client sends pre-encoded base64 PNGs in NDJSON bodies built before its clock (since 2026-12-03; before,
building them was timed), so client-side work is not timed; the SMILE client (SmileBulk.java)
sends the same PNGs as raw bytes in SMILE bulks, its bodies built before its clock starts. From the second round on,
an index-only side sends the same JSON bulks, codes included, to an index whose pipeline only drops the image: the
node's own cost per image (HTTP, parsing, the ingest pass, indexing) with no decoding and no inference.
"""
import base64
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "src"))
from imagehash_demo.client import OpenSearch, OpenSearchError  # noqa: E402
from imagehash_demo.image_source import fashion_mnist  # noqa: E402

BATCHES = [1, 8, 32, 128]
BULK_SIZE = 512
ROUNDS = int(os.environ.get("INGEST_ROUNDS", 3))


def image_hash(batch):
    """The processor under test: encodes field `image` into `code` in batches of `batch`, dropping the image."""
    return {"image_hash": {"field": "image", "target_field": "code", "batch_size": batch, "remove_source_field": True}}


def prepare(client, index, processor):
    """A fresh index whose default pipeline is `processor` alone."""
    try:
        client.delete(f"/{index}")
    except Exception:
        pass
    client.put(f"/_ingest/pipeline/{index}", {"processors": [processor]})
    client.put(f"/{index}", {"settings": {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "-1",
                                          "default_pipeline": index},
                             "mappings": {"properties": {"code": {"type": "hash_code", "bits": 64}}}})


def bulk_rate(client, index, docs, clients=1, bulk_size=BULK_SIZE):
    """Documents/s of JSON bulks of `docs` into `index`, sent by `clients` concurrent clients (after one warm-up bulk).
    The bodies are built before the clock, as the SMILE side's are and as the raw side has none: the client's
    JSON building is not the node's work (it cost ~3 % of the ratio when it was clocked, up to 2026-12-03)."""
    client.bulk(index, [(f"w{i}", d) for i, d in enumerate(docs[:bulk_size])])
    bodies = [client.bulk_body(index, [(i, d) for i, d in enumerate(docs[start:start + bulk_size], start)])
              for start in range(0, len(docs), bulk_size)]

    def send(body):
        results = client.send_bulk(body)
        assert all(r["status"] in (200, 201) for r in results), results[0]

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(send, bodies))
    return len(docs) / (time.perf_counter() - started)


def pipeline_rate(client, sources, batch, clients=1):
    """Images/s through the pipeline from JSON bulks (base64 text), sent by `clients` concurrent clients."""
    index = f"ingest-bench-{batch}" + (f"-{clients}-clients" if clients > 1 else "")
    prepare(client, index, image_hash(batch))
    return bulk_rate(client, index, sources, clients)


def index_only_rate(client, sources, codes):
    """Images/s for the node's work other than the model: the same bulks (base64 images and all), each document
    carrying its code already, into an index whose pipeline only removes the image (as the image_hash processor does
    with remove_source_field); HTTP, parsing, the ingest pass and indexing, without decoding or inference. Where the
    node has no `remove` processor (Elasticsearch's integ-test distribution lacks ingest-common), the index has no
    pipeline and leaves the image out of `_source` and the mapping instead: the same storage, no ingest pass."""
    index = "ingest-bench-index-only"
    kind = "pipeline that removes the image"
    try:
        prepare(client, index, {"remove": {"field": "image"}})
    except OpenSearchError as e:
        if e.status != 400 or "remove" not in str(e):
            raise
        client.put(f"/{index}", {"settings": {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "-1"},
                                 "mappings": {"dynamic": False, "_source": {"excludes": ["image"]},
                                              "properties": {"code": {"type": "hash_code", "bits": 64}}}})
        kind = "no pipeline; the image left out of _source and the mapping"
    return bulk_rate(client, index, [{**s, "code": c} for s, c in zip(sources, codes)]), kind


def same_codes(client, batch, ids):
    """The codes of the same images through each client's index (JSON 1 client, JSON 2 clients, SMILE)."""
    indices = [f"ingest-bench-{batch}", f"ingest-bench-{batch}-2-clients", f"ingest-bench-smile-{batch}"]
    codes = [{d["_id"]: d["_source"]["code"] for d in client.post(f"/{i}/_mget", {"ids": ids})["docs"]} for i in indices]
    return all(c == codes[0] for c in codes) and len(codes[0]) == len(ids)


def smile_rate(client, smile, batch, bulk_size=BULK_SIZE):
    """Images/s through the pipeline from SMILE bulks (raw image bytes), sent by SmileBulk.java."""
    index = f"ingest-bench-smile-{batch}"
    prepare(client, index, image_hash(batch))
    smile.stdin.write(f"{index} {bulk_size}\n")
    smile.stdin.flush()
    return float(smile.stdout.readline())


def java(source, args, classpath):
    # the class path goes in CLASSPATH, not on the command line: ONNX Runtime 1.29 crashes (SIGSEGV) when the
    # process's command line is longer than about 3,900 bytes (docs/MODELS.md, known issues)
    return subprocess.Popen(["java", "--enable-native-access=ALL-UNNAMED", os.path.join(os.path.dirname(__file__), source), *args],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env={**os.environ, "CLASSPATH": classpath})


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 8192
    url, classpath, png_dir, out = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
    images, _ = fashion_mnist(database_limit=n, query_limit=1)
    os.makedirs(png_dir, exist_ok=True)
    sources = []
    for i, image_id in enumerate(images.db_ids):
        data = images.load(image_id)
        with open(os.path.join(png_dir, f"{i:06d}.png"), "wb") as f:
            f.write(data)
        sources.append({"image": base64.b64encode(data).decode()})

    client = OpenSearch(url)
    # optional: a second node with another build of the plugin (e.g. from before a change), its JSON side measured in
    # the same rounds, right after this node's
    other = OpenSearch(sys.argv[6]) if len(sys.argv) > 6 else None
    raw = java("RawOrtBench.java", [png_dir], classpath)
    line = raw.stdout.readline()
    while not line.startswith("{"):  # log lines (the model loading) come first
        line = raw.stdout.readline()
    decode = json.loads(line)
    smile = java("SmileBulk.java", [url, png_dir], classpath)
    # one inference at a time on the node, as on the raw side (one session, one thread): a second client can then
    # only overlap the node's other work (HTTP, parsing, decoding, indexing) with the first one's inference
    for node in (client, other) if other else (client,):
        node.put("/_cluster/settings", {"persistent": {"image_hash.inference.max_concurrency": 1}})
    pipeline, two_clients, binary, direct, compared, compared_two = ({str(b): [] for b in BATCHES} for _ in range(6))
    index_only, index_only_kind, codes = [], None, None
    for round_ in range(ROUNDS):  # interleaved, so that every side sees the same machine load
        if codes is not None:
            rate, index_only_kind = index_only_rate(client, sources, codes)
            index_only.append(rate)
            print(f"round {round_}: index only (codes given, image removed) {index_only[-1]:.0f} images/s", file=sys.stderr)
        for batch in BATCHES:
            for first in (round_ % 2 == 0, round_ % 2 == 1):  # the two nodes' JSON sides in alternating order
                if first:
                    pipeline[str(batch)].append(pipeline_rate(client, sources, batch))
                    two_clients[str(batch)].append(pipeline_rate(client, sources, batch, clients=2))
                elif other:
                    compared[str(batch)].append(pipeline_rate(other, sources, batch))
                    compared_two[str(batch)].append(pipeline_rate(other, sources, batch, clients=2))
            binary[str(batch)].append(smile_rate(client, smile, batch))
            raw.stdin.write(f"{batch}\n")
            raw.stdin.flush()
            direct[str(batch)].append(float(raw.stdout.readline()))
            print(f"round {round_}: batch {batch}: pipeline JSON {pipeline[str(batch)][-1]:.0f}, "
                  + (f"other node's pipeline JSON {compared[str(batch)][-1]:.0f} (2 clients {compared_two[str(batch)][-1]:.0f}), "
                     if other else "") +
                  f"JSON 2 clients {two_clients[str(batch)][-1]:.0f}, SMILE {binary[str(batch)][-1]:.0f}, "
                  f"raw {direct[str(batch)][-1]:.0f} images/s", file=sys.stderr)
            assert same_codes(client, batch, [str(i) for i in range(0, n, max(1, n // 200))]), batch
        if codes is None:  # the pipeline's own codes, for the index-only side of the next rounds
            got = {d["_id"]: d["_source"]["code"] for d in client.post(
                f"/ingest-bench-{BATCHES[-1]}/_mget", {"ids": [str(i) for i in range(n)]})["docs"]}
            codes = [got[str(i)] for i in range(n)]
    client.put("/_cluster/settings", {"persistent": {"image_hash.inference.max_concurrency": None}})
    for process in (raw, smile):
        process.stdin.write("\n")
        process.stdin.flush()
        process.wait()
    best = lambda runs: {b: max(v) for b, v in runs.items()}  # noqa: E731 (best of rounds: least disturbed)
    ratio = lambda runs: {b: max(runs[b]) / max(direct[b]) for b in runs}  # noqa: E731
    result = {"engine": os.environ.get("INGEST_ENGINE", "opensearch"), "images": n, "rounds": ROUNDS, "bulk_size": BULK_SIZE, "max_concurrency": 1, **decode,
              "pipeline_images_per_s": best(pipeline), "pipeline_2_clients_images_per_s": best(two_clients),
              "pipeline_smile_images_per_s": best(binary), "raw_ort_images_per_s": best(direct),
              "index_only_images_per_s": max(index_only), "index_only_side": index_only_kind,
              **({"other_node_pipeline_images_per_s": best(compared), "ratio_other_node_pipeline_to_raw": ratio(compared),
                  "other_node_pipeline_2_clients_images_per_s": best(compared_two),
                  "ratio_other_node_pipeline_2_clients_to_raw": ratio(compared_two)} if other else {}),
              "ratio_pipeline_to_raw": ratio(pipeline), "ratio_pipeline_2_clients_to_raw": ratio(two_clients),
              "ratio_pipeline_smile_to_raw": ratio(binary),
              "all_runs": {"pipeline": pipeline, "pipeline_2_clients": two_clients, "pipeline_smile": binary, "raw_ort": direct,
                           "index_only": index_only,
                           **({"other_node_pipeline": compared, "other_node_pipeline_2_clients": compared_two} if other else {})}}
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
    print(json.dumps({k: v for k, v in result.items() if k != "all_runs"}, indent=1))


if __name__ == "__main__":
    main()
