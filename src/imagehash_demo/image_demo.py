"""The main job: image search in a real OpenSearch node with the image-hash plugin.

    PYTHONPATH=src python3 -m imagehash_demo.image_demo --url http://127.0.0.1:9250            # Fashion-MNIST protocol
    PYTHONPATH=src python3 -m imagehash_demo.image_demo --url ... --images-dir ~/photos       # your own images
    PYTHONPATH=src python3 -m imagehash_demo.image_demo --url ... --images-dir ~/photos --model-id photos \
        --model-dir models/photos                           # ... with your model (vithash export, then push)

1. creates an `image_hash` pipeline with the bundled default model (or --model-id's) and an index with a `hash_code` field;
2. bulk-indexes the database images (PNG bytes, base64) through the pipeline, showing progress;
3. queries with each query image through the REST `hamming` query (by image);
4. prints mAP@all (tie-aware), mAP@1000, p50/p99 query latency and indexing throughput, and compares the mAP with
   the offline evaluation of the same model (its exported folder, --model-dir) on the same images;
5. writes an HTML page of query images with their top 10 (and, with --screenshot, a PNG of it via headless Chromium).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np

from . import html_report, image_source, search_eval
from .client import OpenSearch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def parse_args(argv):
    p = argparse.ArgumentParser(description="Image search demo on a node with the image-hash plugin.")
    p.add_argument("--url", default="http://127.0.0.1:9250", help="OpenSearch URL (an existing cluster works too)")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--insecure", action="store_true", help="do not verify TLS certificates")
    p.add_argument("--index", default="image-hash-demo")
    p.add_argument("--images-dir", help="index this folder's images instead of Fashion-MNIST (labels: sub-folder names)")
    p.add_argument("--database", type=int, help="index only this many database images (evenly spaced)")
    p.add_argument("--queries", type=int, help="run only this many queries (evenly spaced); with --images-dir: "
                   "hold out this many seeded-random images as queries (default 20)")
    p.add_argument("--out", default=os.path.join(ROOT, "build", "demo"), help="folder for the HTML page and results.json")
    p.add_argument("--screenshot", help="also save a PNG screenshot of the page here (needs chromium)")
    p.add_argument("--model-id", default="default",
                   help="the node's model for the pipeline and the queries (uploaded with `vithash push`, or in the "
                        "node's config/image_hash/models/<id>/); default: the bundled model")
    p.add_argument("--model-dir", help="that model's exported folder (model.onnx + model.json) for the offline "
                                       "comparison (default: models/default, or models/<id> when it exists)")
    p.add_argument("--skip-offline", action="store_true", help="skip the torch evaluation used for the comparison")
    args = p.parse_args(argv)
    if args.model_dir is None:
        candidate = os.path.join(ROOT, "models", args.model_id)
        args.model_dir = candidate if os.path.isfile(os.path.join(candidate, "model.json")) else None
    if args.model_dir is None and not args.skip_offline:
        p.error(f"--model-id {args.model_id}: give --model-dir (its exported folder) for the offline comparison, "
                "or --skip-offline")
    return args


def main(argv=None):
    args = parse_args(argv)
    client = OpenSearch(args.url, args.user, args.password, verify_tls=not args.insecure)
    info = client.get("/")
    model = client.get(f"/_plugins/image_hash/models/{args.model_id}")
    print(f"OpenSearch {info['version']['number']} at {args.url}; model [{model['id']}] {model['manifest_id']}, "
          f"{model['bits']} bits")

    if args.images_dir:
        images, pool = image_source.folder(args.images_dir, args.queries or 20), None
        what = f"images of {args.images_dir}"
    else:
        images, pool = image_source.fashion_mnist(args.database, args.queries)
        what = "Fashion-MNIST database images"
    print(f"indexing {len(images.db_ids):,} {what} through the image_hash pipeline")
    search_eval.create_index(client, args.index, model["bits"], args.model_id)
    rate, failures = search_eval.index_images(client, args.index, images)
    print(f"  {rate:,.0f} images/s; {len(failures)} failed" + "".join(f"\n    {k}: {v}" for k, v in list(failures.items())[:5]))

    print(f"querying with {len(images.query_ids):,} images (hamming query by image)")
    results = search_eval.evaluate_queries(client, args.index, images, model_id=args.model_id)
    latency_ms = np.array(results["latencies"]) * 1000
    summary = {
        "images_indexed": len(images.db_ids) - len(failures),
        "indexing_images_per_second": round(rate, 1),
        "queries": len(images.query_ids),
        "query_by_image_top10_ms_p50": round(float(np.percentile(latency_ms, 50)), 2),
        "query_by_image_top10_ms_p99": round(float(np.percentile(latency_ms, 99)), 2),
    }
    if images.query_labels is not None:
        summary["map_1000_opensearch"] = float(np.mean(results["ap_top"]))
        summary["map_all_tie_aware_opensearch"] = float(np.mean(results["ap_tie"]))
    if images.query_labels is not None and not args.skip_offline:
        summary.update(compare_offline(client, args, images, pool, model["bits"]))

    print("\nresults")
    for key, value in summary.items():
        print(f"  {key:42s} {value:.4f}" if key.startswith("map") else f"  {key:42s} {value}")

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(summary, f, indent=1)
    page = os.path.join(args.out, "index.html")
    write_page(page, images, results, summary)
    print(f"\npage: {page}")
    if args.screenshot:
        screenshot(page, args.screenshot)
    return summary


def compare_offline(client, args, images, pool, bits):
    """The offline evaluation of the same model on the same images (torch, vithash's metrics), and how the codes the
    node stored compare with torch's."""
    from vithash.evaluation.metrics import retrieval_report

    from .offline import model_pixels, torch_codes

    started = time.time()
    if pool is not None:  # Fashion-MNIST: the pool's pixels are the model's input
        db_pool = [images.pool_indices[i] for i in images.db_ids]
        q_pool = [images.pool_indices[i] for i in images.query_ids]
        db_u8, q_u8 = pool.images[db_pool], pool.images[q_pool]
        labels_db, labels_q = pool.labels[db_pool], pool.labels[q_pool]
    else:  # a folder: the files preprocessed by the model's own rules (model.json "input"), as the node does
        db_u8 = model_pixels(args.model_dir, [images.load(i) for i in images.db_ids])
        q_u8 = model_pixels(args.model_dir, [images.load(i) for i in images.query_ids])
        names = {name: n for n, name in enumerate(images.class_names)}
        labels_db = np.array([names[label] for label in images.db_labels])
        labels_q = np.array([names[label] for label in images.query_labels])
    db_torch = torch_codes(args.model_dir, db_u8)
    q_torch = torch_codes(args.model_dir, q_u8)
    db_stored = search_eval.stored_codes(client, args.index, bits)
    offline = retrieval_report(q_torch, labels_q, db_torch, labels_db)
    from_stored = retrieval_report(q_torch, labels_q, db_stored, labels_db)
    print(f"  offline evaluation in {time.time() - started:.0f} s")
    return {
        "map_all_offline": offline["map_all"],
        "map_1000_offline": offline["map_1000"],
        "map_all_tie_aware_offline": offline["map_all_tie_aware"],
        "codes_differing_node_vs_torch": int((db_stored != db_torch).any(axis=1).sum()),
        "bits_differing_node_vs_torch": int((db_stored != db_torch).sum()),
        "map_1000_offline_on_node_codes": from_stored["map_1000"],
        "map_all_tie_aware_offline_on_node_codes": from_stored["map_all_tie_aware"],
    }


def write_page(path, images, results, summary, shown=10):
    picks, seen = [], set()
    for i, label in enumerate(images.query_labels or [None] * len(images.query_ids)):
        if label not in seen or images.query_labels is None:
            picks.append(i)
            seen.add(label)
        if len(picks) == shown:
            break
    queries = []
    for i in picks:
        hits = [(images.load(hit_id), label, distance) for hit_id, label, distance in results["top10"][i]]
        queries.append((images.load(images.query_ids[i]), images.query_labels[i] if images.query_labels else None, hits))
    rows = [(k.replace("_", " "), f"{v:.4f}" if k.startswith("map") else v) for k, v in summary.items()]
    html_report.write(path, "Image search with deep hash codes in OpenSearch", rows, queries)


def screenshot(page, out):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        print("no chromium: skipping the screenshot", file=sys.stderr)
        return
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
                    f"--user-data-dir=/tmp/chromium-demo-{os.getpid()}", "--window-size=1250,1450",
                    f"--screenshot={os.path.abspath(out)}", f"file://{os.path.abspath(page)}"],
                   check=True, capture_output=True, timeout=120)
    print(f"screenshot: {out}")


if __name__ == "__main__":
    main()
