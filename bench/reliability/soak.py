"""Soak: does one node's memory stay flat under steady ingest, queries and index rotation for an hour?

    # the node must run with Native Memory Tracking, e.g.
    OS_PORT=9270 OS_NODE_DIR=/tmp/ih-soak OS_JAVA_OPTS=-XX:NativeMemoryTracking=summary \
        scripts/opensearch-node.sh start --plugin dist/opensearch-image-hash-0.1.0-os-3.5.0.zip
    nice /usr/bin/python3 bench/reliability/soak.py run --url http://127.0.0.1:9270 --minutes 60
    /usr/bin/python3 bench/reliability/soak.py report       # slope and plot again from docs/bench/soak.json

Load (loopback only, every loop bounded by the deadline):
- ingest: one bulk of --bulk-size Fashion-MNIST PNGs through the image_hash pipeline every 1/--bulks-per-s seconds, at a
  fixed rate (a bulk that is late is sent at once, but missed slots are skipped, not caught up in a burst);
- queries at --qps: hamming top k by code, max_distance (radius) by code, top k by image (an inference per query),
  against the two newest indices;
- rotation: a new index every --rotate-minutes; ingest moves to it and the oldest beyond two is deleted, so segments
  (and their cached packed codes, charged to the hash_code breaker) are created and released all along.

Every --sample-s seconds a sample: the JVM's VmRSS (/proc), heap used before and after a `jcmd GC.run` (a full GC, so
"after" is the live heap, not wherever G1 happened to be), NMT's total committed (`jcmd VM.native_memory summary`;
RSS minus that estimates native memory outside the JVM's own accounting, i.e. ONNX Runtime's), the hash_code breaker,
doc and segment counts, per-interval latency percentiles, errors and the load average (the machine is shared).
At the end every soak index is deleted and the breaker is sampled 12 times, --after-s apart: it must come back to 0.
The plugin exposes no segment-cache entry count (no stats endpoint); the breaker's bytes are its only measure.
The heap's resident pages (smaps over its address range), RssAnon and RssFile split RSS further: RssAnon - resident
heap - NMT's non-heap committed is untracked native memory without the effect of heap pages touched for the first time.
Writes docs/bench/soak.json after every sample (a crash keeps what was measured) and docs/soak.png (--json, --png to
write elsewhere).
"""
import argparse
import base64
import json
import os
import pwd
import random
import re
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "src"))
from imagehash_demo.client import OpenSearch, OpenSearchError  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
OUT_JSON = os.path.join(ROOT, "docs", "bench", "soak.json")
OUT_PNG = os.path.join(ROOT, "docs", "soak.png")
PREFIX = "soak-"
PIPELINE = "soak"
MB = 2 ** 20


def now_utc():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Interval:
    """Latencies and errors since the last sample, shared by the load threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.latencies, self.errors, self.messages, self.docs, self.skipped = {}, {}, [], 0, 0

    def record(self, kind, seconds):
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds * 1000)

    def error(self, kind, message):
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1
            if len(self.messages) < 5:
                self.messages.append(f"{kind}: {message[:300]}")

    def take(self):
        with self.lock:
            out = {"latency_ms": {k: percentiles(v) for k, v in self.latencies.items()}, "errors": self.errors,
                   "error_messages": self.messages, "docs_indexed": self.docs, "bulk_slots_skipped": self.skipped}
            self.reset()
            return out


def percentiles(values):
    values = sorted(values)
    pick = lambda q: round(values[min(len(values) - 1, int(q * len(values)))], 1)  # noqa: E731 (nearest rank)
    return {"n": len(values), "p50": pick(0.5), "p95": pick(0.95), "p99": pick(0.99), "max": round(values[-1], 1)}


class Jvm:
    """The node's JVM process: found by its path.home, inspected as its own user (jcmd must attach as that user)."""

    def __init__(self, node_dir):
        found = subprocess.run(["pgrep", "-f", f"org.opensearch.bootstrap.OpenSearch.*{node_dir}"], capture_output=True,
                               text=True).stdout.split()
        if len(found) != 1:
            raise SystemExit(f"expected one OpenSearch JVM under {node_dir}, found {found}")
        self.pid = int(found[0])
        self.jcmd_path = os.path.join(os.path.dirname(os.readlink(f"/proc/{self.pid}/exe")), "jcmd")
        self.user = pwd.getpwuid(os.stat(f"/proc/{self.pid}").st_uid).pw_name

    def rss_mb(self, field="VmRSS"):
        with open(f"/proc/{self.pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith(field + ":")) / 1024

    def heap_resident_mb(self):
        """Resident pages of the Java heap's mappings: NMT counts the whole committed heap, RSS only pages touched,
        so heap pages touched for the first time raise RSS - NMT without any native allocation."""
        if not hasattr(self, "heap_range"):
            found = re.search(r"\[0x([0-9a-f]+), 0x([0-9a-f]+)\)", self.jcmd("GC.heap_info"))
            self.heap_range = (int(found.group(1), 16), int(found.group(2), 16))
        total, inside = 0, False
        with open(f"/proc/{self.pid}/smaps") as f:
            for line in f:
                head = re.match(r"([0-9a-f]+)-([0-9a-f]+) ", line)
                if head:
                    start, end = int(head.group(1), 16), int(head.group(2), 16)
                    inside = start >= self.heap_range[0] and end <= self.heap_range[1]
                elif inside and line.startswith("Rss:"):
                    total += int(line.split()[1])
        return total / 1024

    def jcmd(self, *command):
        run = subprocess.run(["runuser", "-u", self.user, "--", self.jcmd_path, str(self.pid), *command],
                             capture_output=True, text=True, timeout=120)
        if run.returncode != 0:
            raise RuntimeError(f"jcmd {' '.join(command)}: {run.stdout[-500:]} {run.stderr[-500:]}")
        return run.stdout

    def nmt_committed_mb(self):
        """Total and per-category committed memory from NMT's summary (KB in its output)."""
        text = self.jcmd("VM.native_memory", "summary")
        total = re.search(r"Total: reserved=(\d+)KB, committed=(\d+)KB", text)
        if not total:
            raise RuntimeError("no NMT total: is the node running with -XX:NativeMemoryTracking=summary? " + text[:300])
        categories = {m.group(1).strip(): round(int(m.group(2)) / 1024, 1)
                      for m in re.finditer(r"-\s+([A-Za-z][A-Za-z ]+?) \(reserved=\d+KB, committed=(\d+)KB\)", text)}
        return int(total.group(2)) / 1024, categories


def live_indices(client):
    names = [row["index"] for row in client.get(f"/_cat/indices/{PREFIX}*?format=json&h=index")]
    return sorted(names)


def ingest_loop(client, state, interval, docs, args, deadline):
    """Fixed-rate bulks into the current index; a late bulk goes at once but missed slots are skipped."""
    period, position, slot = 1 / args.bulks_per_s, 0, time.monotonic()
    while time.monotonic() < deadline and not state["stop"]:
        time.sleep(max(0.0, slot - time.monotonic()))
        index = state["current"]
        batch = [(f"{state['generation']}-{position + i}", docs[(position + i) % len(docs)]) for i in range(args.bulk_size)]
        position += args.bulk_size
        started = time.monotonic()
        try:
            items = client.bulk(index, batch)
            interval.record("bulk", time.monotonic() - started)
            failed = [x for x in items if x.get("status") not in (200, 201)]
            with interval.lock:
                interval.docs += len(items) - len(failed)
            for item in failed[:1]:
                interval.error("bulk_item", json.dumps(item.get("error"))[:300])
        except Exception as e:  # an error is a measurement here, not a reason to stop
            interval.error("bulk", str(e))
        slot += period
        if time.monotonic() > slot + period:  # behind by more than a slot: skip, do not burst
            missed = int((time.monotonic() - slot) / period)
            slot += missed * period
            with interval.lock:
                interval.skipped += missed


def query_loop(client, state, interval, queries, args, deadline):
    """Top k by code, radius by code and top k by image, in a fixed mix, against the two newest indices."""
    rng = random.Random(7)
    period, slot = 1 / args.qps, time.monotonic()
    while time.monotonic() < deadline and not state["stop"]:
        time.sleep(max(0.0, slot - time.monotonic()))
        slot = max(slot + period, time.monotonic() - period)  # no bursts after a slow query either
        code, image = rng.choice(queries)
        roll = rng.random()
        if roll < 0.55:
            kind, query = "topk_code", {"field": "code", "code": code, "k": rng.choice([10, 100])}
        elif roll < 0.8:
            kind, query = "radius_code", {"field": "code", "code": code, "max_distance": rng.choice([4, 6, 8])}
        else:
            kind, query = "topk_image", {"field": "code", "image": image, "k": 10}
        targets = ",".join(state["queryable"])
        started = time.monotonic()
        try:
            answer = client.post(f"/{targets}/_search?ignore_unavailable=true",
                                 {"size": 10, "_source": False, "query": {"hamming": query}})
            interval.record(kind, time.monotonic() - started)
            if answer["_shards"].get("failed"):
                interval.error(kind + "_shard", json.dumps(answer["_shards"].get("failures"))[:300])
        except Exception as e:
            interval.error(kind, str(e))


def create_index(client, name):
    client.put(f"/{name}", {"settings": {"number_of_shards": 1, "number_of_replicas": 0, "default_pipeline": PIPELINE},
                            "mappings": {"properties": {"code": {"type": "hash_code", "bits": 64}}}})


def node_stats(client):
    node = next(iter(client.get("/_nodes/_local/stats/jvm,breaker")["nodes"].values()))
    breaker = node["breakers"]["hash_code"]
    return node["jvm"]["mem"]["heap_used_in_bytes"] / MB, breaker


def sample(client, jvm, t0, interval, phase):
    heap_before, _ = node_stats(client)
    gc_started = time.monotonic()
    jvm.jcmd("GC.run")
    gc_s = time.monotonic() - gc_started
    heap_after, breaker = node_stats(client)
    rss, rss_anon, rss_file, heap_resident = jvm.rss_mb(), jvm.rss_mb("RssAnon"), jvm.rss_mb("RssFile"), jvm.heap_resident_mb()
    nmt, categories = jvm.nmt_committed_mb()
    nmt_outside_heap = nmt - categories.get("Java Heap", 0)
    stats = client.get(f"/{PREFIX}*/_stats/docs,segments")["indices"] if live_indices(client) else {}
    with open("/proc/loadavg") as f:
        load = float(f.read().split()[0])
    return {"t_s": round(time.monotonic() - t0, 1), "utc": now_utc(), "phase": phase, "rss_mb": round(rss, 1),
            "nmt_committed_mb": round(nmt, 1), "rss_minus_nmt_mb": round(rss - nmt, 1),
            # the split of RSS: anonymous memory minus the resident heap minus NMT's non-heap committed is native
            # memory the JVM does not track (ONNX Runtime's, glibc's arenas), without the heap's first-touch effect
            "rss_anon_mb": round(rss_anon, 1), "rss_file_mb": round(rss_file, 1), "heap_resident_mb": round(heap_resident, 1),
            "anon_outside_heap_and_nmt_mb": round(rss_anon - heap_resident - nmt_outside_heap, 1),
            "heap_used_before_gc_mb": round(heap_before, 1), "heap_after_gc_mb": round(heap_after, 1),
            "gc_run_s": round(gc_s, 2), "breaker_hash_code_bytes": breaker["estimated_size_in_bytes"],
            "breaker_hash_code_tripped": breaker["tripped"],
            "indices": {name: {"docs": s["primaries"]["docs"]["count"], "segments": s["primaries"]["segments"]["count"]}
                        for name, s in sorted(stats.items())},
            "load_avg_1m": load, "nmt_categories_mb": categories, **interval.take()}


def run(args):
    paths = (args.json, args.png)
    from imagehash_demo.image_source import fashion_mnist
    client = OpenSearch(args.url, timeout=60)
    jvm = Jvm(args.node_dir)
    jvm.nmt_committed_mb()  # fail now, not after an hour, if NMT is off
    images, _ = fashion_mnist(database_limit=args.images, query_limit=args.queries)
    docs = [{"image": base64.b64encode(images.load(i)).decode()} for i in images.db_ids]
    query_images = [base64.b64encode(images.load(i)).decode() for i in images.query_ids]
    queries = [(client.post("/_plugins/image_hash/models/default/_encode", {"image": b})["code"], b) for b in query_images]
    client.put(f"/_ingest/pipeline/{PIPELINE}", {"processors": [{"image_hash": {
        "field": "image", "target_field": "code", "batch_size": 16, "remove_source_field": True}}]})
    for name in live_indices(client):
        client.delete(f"/{name}")

    meta = {"started_utc": now_utc(), "url": args.url, "jvm_pid": jvm.pid, "args": vars(args),
            "heap_after_gc": "jcmd GC.run (full GC) then _nodes/stats/jvm heap_used, every sample",
            "segment_cache_entries": "not exposed by the plugin (no stats endpoint); the hash_code breaker's bytes stand for it",
            "images_in_rotation": len(docs), "query_images": len(queries)}
    result = {"meta": meta, "samples": []}
    interval = Interval()
    state = {"generation": 0, "current": f"{PREFIX}000", "queryable": [f"{PREFIX}000"], "stop": False}
    create_index(client, state["current"])
    t0 = time.monotonic()
    deadline = t0 + args.minutes * 60
    result["samples"].append(sample(client, jvm, t0, interval, "start"))
    threads = [threading.Thread(target=ingest_loop, args=(OpenSearch(args.url, timeout=60), state, interval, docs, args, deadline)),
               threading.Thread(target=query_loop, args=(OpenSearch(args.url, timeout=60), state, interval, queries, args, deadline))]
    for thread in threads:
        thread.start()
    next_sample, next_rotation = t0 + args.sample_s, t0 + args.rotate_minutes * 60
    try:
        while time.monotonic() < deadline:
            time.sleep(max(0.0, min(next_sample, next_rotation, deadline) - time.monotonic()))
            if time.monotonic() >= next_rotation and time.monotonic() < deadline:
                rotate(client, state, interval)
                next_rotation += args.rotate_minutes * 60
            if time.monotonic() >= next_sample:
                result["samples"].append(sample(client, jvm, t0, interval, "load"))
                print(brief(result["samples"][-1]), flush=True)
                write(result, paths[0])
                next_sample += args.sample_s
    finally:
        state["stop"] = True
        for thread in threads:
            thread.join()
    result["samples"].append(sample(client, jvm, t0, interval, "load"))
    for name in live_indices(client):
        client.delete(f"/{name}")
    meta["all_indices_deleted_at_s"] = round(time.monotonic() - t0, 1)
    # after deletion: the breaker must return to 0 once the shards' segment readers close
    for _ in range(int(60 / args.after_s)):
        time.sleep(args.after_s)
        result["samples"].append(sample(client, jvm, t0, interval, "after_delete"))
        print(brief(result["samples"][-1]), flush=True)
    meta["ended_utc"] = now_utc()
    write(result, paths[0])
    report(result, args.warmup_minutes, paths)


def rotate(client, state, interval):
    """A new index takes the writes; the two newest are queried; older ones are deleted."""
    try:
        state["generation"] += 1
        name = f"{PREFIX}{state['generation']:03d}"
        create_index(client, name)
        state["current"] = name
        state["queryable"] = [name, state["queryable"][0]]
        for old in live_indices(client):
            if old not in state["queryable"]:
                client.delete(f"/{old}")
    except OpenSearchError as e:
        interval.error("rotate", str(e))


def brief(s):
    docs = sum(i["docs"] for i in s["indices"].values())
    lat = s["latency_ms"]
    return (f"[{s['utc']}] t={s['t_s']:.0f}s {s['phase']} rss={s['rss_mb']} nmt={s['nmt_committed_mb']} "
            f"rss-nmt={s['rss_minus_nmt_mb']} heapGC={s['heap_after_gc_mb']} breaker={s['breaker_hash_code_bytes']} "
            f"docs={docs} indexed={s['docs_indexed']} skipped={s['bulk_slots_skipped']} errors={s['errors']} "
            f"load={s['load_avg_1m']} " + " ".join(f"{k}:p50={v['p50']},p95={v['p95']}" for k, v in sorted(lat.items())))


def write(result, path):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(result, f, indent=1)
    os.replace(path + ".tmp", path)


def slope(ts_s, values_mb, lag):
    """Least-squares slope in MB per hour, with the plain standard error and a Newey-West one (lag samples): the
    samples are autocorrelated (index rotation makes a sawtooth), so the plain error is too small."""
    import numpy as np
    x = np.asarray(ts_s) / 3600.0
    y = np.asarray(values_mb, dtype=float)
    X = np.column_stack([np.ones_like(x), x])
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    n = len(y)
    xtx_inv = np.linalg.inv(X.T @ X)
    plain = np.sqrt(resid @ resid / (n - 2) * xtx_inv[1, 1])
    meat = (X * resid[:, None]).T @ (X * resid[:, None])
    for L in range(1, lag + 1):
        w = 1 - L / (lag + 1)
        g = (X[L:] * resid[L:, None]).T @ (X[:-L] * resid[:-L, None])
        meat += w * (g + g.T)
    hac = np.sqrt((xtx_inv @ meat @ xtx_inv)[1, 1] * n / (n - 2))
    return {"mb_per_hour": round(float(beta[1]), 2), "intercept_mb": round(float(beta[0]), 1),
            "se_plain": round(float(plain), 2), "se_newey_west": round(float(hac), 2), "newey_west_lag": lag,
            "ci95_newey_west": [round(float(beta[1] - 1.96 * hac), 2), round(float(beta[1] + 1.96 * hac), 2)],
            "n": n, "within_noise": bool(abs(beta[1]) <= 1.96 * hac)}


def report(result, warmup_minutes, paths):
    samples = result["samples"]
    load = [s for s in samples if s["phase"] == "load" and s["t_s"] >= warmup_minutes * 60]
    after = [s for s in samples if s["phase"] == "after_delete"]
    sample_s = result["meta"]["args"]["sample_s"]
    lag = max(1, int(2 * result["meta"]["args"]["rotate_minutes"] * 60 / sample_s))  # an index lives two rotations
    summary = {"warmup_minutes": warmup_minutes}
    if len(load) >= 3:
        ts = [s["t_s"] for s in load]
        for key in ("rss_mb", "nmt_committed_mb", "rss_minus_nmt_mb", "heap_after_gc_mb", "heap_resident_mb",
                    "anon_outside_heap_and_nmt_mb"):
            if key in load[0]:  # the last two were added after the first hour-long run
                summary[f"slope_{key}"] = slope(ts, [s[key] for s in load], min(lag, len(load) - 2))
        # warm-up that is still settling shows as a slope that falls from the first half to the second; a leak does not
        half = len(load) // 2
        if half >= 3:
            for name, part in (("first", load[:half]), ("second", load[half:])):
                summary[f"slope_rss_mb_{name}_half"] = slope([s["t_s"] for s in part], [s["rss_mb"] for s in part],
                                                              min(lag, len(part) - 2))
    loads = [s for s in samples if s["phase"] in ("start", "load")]
    summary.update({
        "rss_mb_first": loads[0]["rss_mb"], "rss_mb_at_warmup_end": load[0]["rss_mb"] if load else None,
        "rss_mb_last_under_load": loads[-1]["rss_mb"], "rss_mb_max": max(s["rss_mb"] for s in samples),
        "breaker_after_delete_bytes": [s["breaker_hash_code_bytes"] for s in after],
        "breaker_max_bytes": max(s["breaker_hash_code_bytes"] for s in samples),
        "breaker_tripped": max(s["breaker_hash_code_tripped"] for s in samples),
        "docs_indexed": sum(s["docs_indexed"] for s in samples),
        "queries": sum(v["n"] for s in samples for k, v in s["latency_ms"].items() if k != "bulk"),
        "bulks": sum(s["latency_ms"].get("bulk", {}).get("n", 0) for s in samples),
        "bulk_slots_skipped": sum(s["bulk_slots_skipped"] for s in samples),
        "errors": {k: sum(s["errors"].get(k, 0) for s in samples) for k in sorted({k for s in samples for k in s["errors"]})},
        "load_avg_1m_mean": round(sum(s["load_avg_1m"] for s in loads) / len(loads), 2),
    })
    if load:  # which NMT categories moved after warm-up (a growing one names where the JVM's own memory went)
        first, last = load[0]["nmt_categories_mb"], load[-1]["nmt_categories_mb"]
        summary["nmt_category_change_after_warmup_mb"] = {
            k: round(last[k] - first.get(k, 0), 1) for k in last if abs(last[k] - first.get(k, 0)) >= 0.5}
    result["summary"] = summary
    write(result, paths[0])
    plot(result, paths[1])
    print(json.dumps(summary, indent=1))


def plot(result, png):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    samples, summary = result["samples"], result["summary"]
    t = [s["t_s"] / 60 for s in samples]
    fig, axes = plt.subplots(4, 1, figsize=(10, 12), sharex=True)
    series = [  # one panel per scale: RSS - NMT is ~100 MB and would be flat next to RSS's ~1.3 GB
        [("rss_mb", "RSS (VmRSS)"), ("nmt_committed_mb", "NMT total committed")],
        [("rss_minus_nmt_mb", "RSS - NMT committed (native outside the JVM's accounting, e.g. ONNX Runtime)"),
         ("anon_outside_heap_and_nmt_mb", "RssAnon - resident heap pages - NMT non-heap committed")],
        [("heap_after_gc_mb", "heap after GC (jcmd GC.run)"), ("heap_used_before_gc_mb", "heap before GC"),
         ("heap_resident_mb", "resident heap pages (of the committed heap)")],
    ]
    for ax, lines in zip(axes, series):
        for key, label in lines:
            if key not in samples[0]:
                continue
            ax.plot(t, [s[key] for s in samples], label=label)
            fit = summary.get(f"slope_{key}")
            if fit:  # the least-squares line over the samples it was fitted to
                xs = [s["t_s"] for s in samples if s["phase"] == "load" and s["t_s"] >= summary["warmup_minutes"] * 60]
                xs = [xs[0], xs[-1]]
                low, high = fit["ci95_newey_west"]
                ax.plot([x / 60 for x in xs], [fit["intercept_mb"] + fit["mb_per_hour"] * x / 3600 for x in xs], "k--",
                        linewidth=1, label=f"fit: {fit['mb_per_hour']:+.1f} MB/h (95% {low:+.1f} to {high:+.1f})")
        ax.set_ylabel("MB")
    axes[3].plot(t, [s["breaker_hash_code_bytes"] / 1024 for s in samples], label="hash_code breaker estimate")
    axes[3].set_ylabel("KB")
    axes[3].set_xlabel("minutes")
    axes[0].set_title("Soak: one node, steady ingest + queries + index rotation (2-core machine shared with other jobs)",
                      fontsize=10)
    deleted = result["meta"].get("all_indices_deleted_at_s")
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.axvspan(0, summary["warmup_minutes"], color="grey", alpha=0.12)
        if deleted:
            ax.axvline(deleted / 60, color="red", linestyle=":", linewidth=1, label="all indices deleted")
        ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(png, dpi=80)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--url", default="http://127.0.0.1:9270")
    r.add_argument("--node-dir", default="/tmp/ih-soak", help="the node's OS_NODE_DIR (finds its JVM)")
    r.add_argument("--minutes", type=float, default=60)
    r.add_argument("--bulks-per-s", type=float, default=2)
    r.add_argument("--bulk-size", type=int, default=8)
    r.add_argument("--qps", type=float, default=4)
    r.add_argument("--rotate-minutes", type=float, default=5)
    r.add_argument("--sample-s", type=float, default=30)
    r.add_argument("--after-s", type=float, default=5, help="breaker sampling period after the final deletion")
    r.add_argument("--images", type=int, default=4000, help="distinct database images cycled through by ingest")
    r.add_argument("--queries", type=int, default=50, help="query images (their codes found once with _encode)")
    r.add_argument("--warmup-minutes", type=float, default=10)
    p = sub.add_parser("report")
    p.add_argument("--warmup-minutes", type=float, default=10)
    for command in (r, p):
        command.add_argument("--json", default=OUT_JSON)
        command.add_argument("--png", default=OUT_PNG)
    args = parser.parse_args()
    if args.command == "run":
        run(args)
    else:
        with open(args.json) as f:
            result = json.load(f)
        report(result, args.warmup_minutes, (args.json, args.png))


if __name__ == "__main__":
    main()
