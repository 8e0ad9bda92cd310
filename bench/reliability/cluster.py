"""Three real OpenSearch 3.5.0 nodes on loopback under faults, with four clients bulk-indexing images throughout.

    python3 bench/reliability/cluster.py [--quick] [--zip OLD.zip] [--new-zip NEW.zip] [--out FILE]   # as root

The nodes (n1..n3: HTTP 9701-9703, transport 9801-9803, heap 512m, data under /tmp/ih-cluster) run the plugin zip;
an index of 3 shards and 1 replica gets its `hash_code` field from the `image_hash` ingest pipeline (bundled default
model). Four client threads bulk-index images under unique ids and record which items were acknowledged (item status
200/201); an item that was not is retried later under the same id (so that a double write would show as a duplicate).

Phases, with the clients indexing through each:
  a) kill -9 a data node that is not the elected cluster manager, restart it;
  b) kill -9 the elected cluster manager (from _cat/cluster_manager), restart it;
  c) rolling restart onto a new plugin build: per node, replica allocation off, stop, `opensearch-plugin remove` +
     `install` NEW.zip, start, allocation on, wait green.
Before the first phase, after each one and at the end the clients pause and the check runs: green with no unassigned,
initializing or relocating shard, every primary and replica on different nodes with equal document counts; every
acknowledged document present once with the expected code for its image (both in _source and in doc values); no
document that was never sent; `hamming` queries sent to each node (top 10, top 1000, top 10 under a filter, and a
radius) equal a brute force over the documents (ids and distances; ties handled). Exit status 1 if anything is lost,
wrong, duplicated, unexpected or unassigned, or a query differs. `--sabotage` checks against a deliberately wrong
expectation (a flipped bit in one image's code, an acknowledged id that was never written): that run must fail.

Expected codes: the 32 images of models/default/golden carry torch's codes (golden.json, the offline reference). The
Fashion-MNIST test images (more distinct codes, so that top k and radius have something to rank) get the code that
each of the three nodes' `_encode` gives before any fault; those three must agree, and `_encode` must reproduce
every golden code, or the run stops before it starts.

Writes docs/bench/cluster.json (--quick: docs/bench/cluster-quick.json) and prints a summary.
"""
import argparse
import base64
import collections
import gzip
import http.client
import hashlib
import json
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
import traceback
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "src"))
sys.path.insert(0, os.path.join(ROOT, "bench", "mih"))
import cluster_nodes  # noqa: E402
from cluster_nodes import Node, log  # noqa: E402
from encode_fashion import png_grey  # noqa: E402  (the same PNG writer as the MIH benchmark's codes)
from imagehash_demo.client import OpenSearch, OpenSearchError  # noqa: E402

INDEX = "cluster-images"
PIPELINE = "cluster-images"
FIELD = "hash_code"
API = "/_plugins/image_hash"
GOLDEN_DIR = os.path.join(ROOT, "models", "default", "golden")
FASHION_TEST = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"

MODES = {
    # quick: for a CI step; every phase still happens, with short waits
    "quick": dict(fashion_images=300, bulk=5, pause_s=0.5, warmup_s=10, down_a_s=5, down_b_s=5, after_s=5,
                  rolling_gap_s=3, final_s=5),
    # full: node a stays down past index.unassigned.node_left.delayed_timeout (60 s), so its replicas are rebuilt on
    # the other two nodes while it is away and then move back
    "full": dict(fashion_images=2000, bulk=10, pause_s=0.5, warmup_s=60, down_a_s=75, down_b_s=20, after_s=30,
                 rolling_gap_s=20, final_s=30),
}


PHASES = ["0 baseline (all nodes up)", "a kill -9 data node", "b kill -9 cluster manager",
          "c rolling restart onto new build", "end (all nodes up, writers stopped)"]


def hamming(a, b):
    return (int(a, 16) ^ int(b, 16)).bit_count()


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def jar_sha_in_zip(zip_path):
    with zipfile.ZipFile(zip_path) as z:
        name = next(n for n in z.namelist() if n.startswith(cluster_nodes.PLUGIN) and n.endswith(".jar"))
        return hashlib.sha256(z.read(name)).hexdigest()


# --- images and their expected codes ----------------------------------------------------------------------------
def golden_images():
    """models/default/golden: PNG bytes and torch's code per image (the realnode tests' reference)."""
    with open(os.path.join(GOLDEN_DIR, "golden.json")) as f:
        entries = json.load(f)["images"]
    return {f"g:{e['file']}": (open(os.path.join(GOLDEN_DIR, e["file"]), "rb").read(), e["hex"]) for e in entries}


def fashion_images(count):
    """`count` evenly spaced Fashion-MNIST test images as PNG bytes (no expected code yet: see reference_codes)."""
    with gzip.open(FASHION_TEST) as f:
        _, n, rows, cols = struct.unpack(">IIII", f.read(16))
        data = f.read(rows * cols * n)
    picks = sorted({round(i * (n - 1) / max(1, count - 1)) for i in range(count)})
    return {f"fm:{i}": png_grey(data[i * rows * cols:(i + 1) * rows * cols], cols, rows) for i in picks}


def reference_codes(nodes, golden, fashion):
    """Expected code per image key. Golden: torch's. Fashion: `_encode` on each node before any fault, all equal;
    and `_encode` must give torch's code for every golden image on every node, else the reference is not trusted."""
    expected, problems = {k: code for k, (_, code) in golden.items()}, []
    for node in nodes:
        client = OpenSearch(node.url)
        for key, (png, code) in golden.items():
            got = client.post(f"{API}/models/default/_encode", {"image": base64.b64encode(png).decode()})["code"]
            if got != code:
                problems.append(f"{node.name} _encode {key}: {got} != torch {code}")
    per_node = []
    for node in nodes:
        client = OpenSearch(node.url)
        per_node.append({k: client.post(f"{API}/models/default/_encode", {"image": base64.b64encode(png).decode()})["code"]
                         for k, png in fashion.items()})
    for key in fashion:
        codes = {p[key] for p in per_node}
        if len(codes) != 1:
            problems.append(f"nodes disagree on {key}: {sorted(codes)}")
        expected[key] = per_node[0][key]
    return expected, problems


# --- the writers ------------------------------------------------------------------------------------------------
class Gate:
    """Lets the checks pause the writers and wait for their in-flight bulks, so that each check sees a still index."""

    def __init__(self):
        self.cond = threading.Condition()
        self.paused = False
        self.inflight = 0
        self.stopped = False

    def enter(self):
        with self.cond:
            while self.paused and not self.stopped:
                self.cond.wait(0.5)
            if self.stopped:
                return False
            self.inflight += 1
            return True

    def leave(self):
        with self.cond:
            self.inflight -= 1
            self.cond.notify_all()

    def pause(self):
        with self.cond:
            self.paused = True
            while self.inflight:
                self.cond.wait(0.5)

    def resume(self):
        with self.cond:
            self.paused = False
            self.cond.notify_all()

    def stop(self):
        with self.cond:
            self.stopped = True
            self.cond.notify_all()


class Ledger:
    """What the writers sent and what was acknowledged. One lock: the checks read it while the writers are paused."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent = {}  # id -> image key (every id ever sent, acknowledged or not)
        self.acked = {}  # id -> image key
        self.phase = "setup"
        self.stats = collections.defaultdict(collections.Counter)  # phase -> counters

    def count(self, phase, name, n=1):
        with self.lock:
            self.stats[phase][name] += n


class Writer(threading.Thread):
    def __init__(self, number, nodes, payloads, keys, ledger, gate, cfg, seed):
        super().__init__(name=f"writer-{number}", daemon=True)
        self.number, self.nodes, self.payloads, self.keys = number, nodes, payloads, keys
        self.ledger, self.gate, self.cfg = ledger, gate, cfg
        self.rng = random.Random(seed)
        self.target = number % len(nodes)  # spread the writers over the nodes; move on when one fails
        self.retry = []  # (id, key) not acknowledged yet: sent again under the same id
        self.seq = 0
        self.error = None

    def next_batch(self):
        batch, self.retry = self.retry[:self.cfg["bulk"]], self.retry[self.cfg["bulk"]:]
        while len(batch) < self.cfg["bulk"]:
            # golden images (torch's codes) about a third of the time, Fashion-MNIST images otherwise
            key = self.rng.choice(self.keys["golden"] if self.rng.random() < 0.33 else self.keys["fashion"])
            batch.append((f"w{self.number}-{self.seq}", key))
            self.seq += 1
        return batch

    def run(self):
        # the writers are a load generator on a machine shared with other jobs: lower this thread's priority only
        # (Linux niceness is per thread), not the nodes' that this process starts
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        try:
            while self.gate.enter():
                try:
                    self.one_bulk()
                finally:
                    self.gate.leave()
                time.sleep(self.cfg["pause_s"])
        except Exception as e:  # noqa: BLE001 - a writer bug must fail the run, not vanish with the thread
            self.error = traceback.format_exc()
            log(f"{self.name} died: {e}")

    def one_bulk(self):
        batch = self.next_batch()
        ledger = self.ledger
        with ledger.lock:
            # a bulk counts in the phase it was sent in, whenever its answer comes
            phase = ledger.phase
            for doc_id, key in batch:
                ledger.sent[doc_id] = key
        node = self.nodes[self.target]
        docs = [(doc_id, {"image": self.payloads[key], "img": key, "writer": self.number, "seq": int(doc_id.split("-")[1])})
                for doc_id, key in batch]
        ledger.count(phase, "bulks")
        ledger.count(phase, "items_sent", len(batch))
        try:
            items = OpenSearch(node.url, timeout=90).bulk(INDEX, docs)
        except (OpenSearchError, OSError, ValueError, http.client.HTTPException) as e:
            # the whole request failed (node down, connection reset, timeout, 5xx): nothing acknowledged
            ledger.count(phase, f"bulk_failed:{type(e).__name__}" + (f":{e.status}" if isinstance(e, OpenSearchError) else ""))
            self.retry = batch + self.retry
            self.target = (self.target + 1) % len(self.nodes)
            return
        unacked = []
        with ledger.lock:
            stats = ledger.stats[phase]
            for (doc_id, key), item in zip(batch, items):
                if item["_id"] != doc_id:
                    raise AssertionError(f"bulk answered item {item['_id']} for {doc_id}")
                if item["status"] in (200, 201):
                    ledger.acked[doc_id] = key
                    stats["items_acked"] += 1
                    if item["status"] == 200:
                        # the id was there already: an earlier attempt was applied but not acknowledged
                        stats["acked_as_update"] += 1
                else:
                    reason = (item.get("error") or {}).get("type", "?")
                    stats[f"item_failed:{item['status']}:{reason}"] += 1
                    unacked.append((doc_id, key))
        self.retry = unacked + self.retry


# --- the cluster ------------------------------------------------------------------------------------------------
class Cluster:
    def __init__(self, root, java, heap):
        self.root = root
        self.nodes = [Node(root, i, java, heap) for i in (1, 2, 3)]

    def any_client(self, timeout=60):
        for node in self.nodes:
            if node.alive():
                try:
                    OpenSearch(node.url, timeout=5).get("/")
                    return OpenSearch(node.url, timeout=timeout)
                except (OpenSearchError, OSError):
                    continue
        raise RuntimeError("no node answers")

    def by_name(self, name):
        return next(n for n in self.nodes if n.name == name)

    def elected(self):
        return self.any_client().get("/_cat/cluster_manager?format=json")[0]["node"]

    def wait_green(self, timeout=600):
        """Green with every node in, no initializing or relocating shard; returns the seconds it took."""
        start = time.time()
        while time.time() - start < timeout:
            try:
                health = self.any_client().get(
                    f"/_cluster/health/{INDEX}?wait_for_status=green&wait_for_nodes=3&wait_for_no_initializing_shards=true"
                    "&wait_for_no_relocating_shards=true&wait_for_events=languid&timeout=30s")
                if not health["timed_out"] and health["status"] == "green":
                    return round(time.time() - start, 1)
            except (OpenSearchError, OSError, RuntimeError):
                time.sleep(1)
        raise RuntimeError(f"not green after {timeout} s")

    def start_all(self):
        for node in self.nodes:
            node.start()
        return {node.name: round(node.wait_up(), 1) for node in self.nodes}

    def stop_all(self):
        """Plain stop of every node at once (SIGTERM, SIGKILL after 90 s), then whatever JVM of ours is left."""
        threads = [threading.Thread(target=n.stop) for n in self.nodes]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for pid in cluster_nodes.own_java_pids(self.root):
            os.kill(pid, signal.SIGKILL)


# --- the checks -------------------------------------------------------------------------------------------------
def scan(client):
    """Every document: id -> list of (img, code in _source, code from doc values). A list, to see duplicates."""
    docs = collections.defaultdict(list)
    response = client.post(f"/{INDEX}/_search?scroll=2m", {
        "size": 2000, "sort": ["_doc"], "_source": ["img", FIELD], "docvalue_fields": [FIELD]})
    scroll_ids = set()
    while response["hits"]["hits"]:
        for h in response["hits"]["hits"]:
            dv = (h.get("fields") or {}).get(FIELD, [None])
            docs[h["_id"]].append((h["_source"].get("img"), h["_source"].get(FIELD), dv[0] if len(dv) == 1 else dv))
        scroll_ids.add(response["_scroll_id"])
        response = client.post("/_search/scroll", {"scroll": "2m", "scroll_id": response["_scroll_id"]})
    scroll_ids.add(response["_scroll_id"])
    client.request("DELETE", "/_search/scroll", {"scroll_id": sorted(scroll_ids)})
    return docs


FILTER = {"bool": {"filter": [{"term": {"writer": 0}}, {"range": {"seq": {"lt": 300}}}]}}


def in_filter(doc_id):
    """Whether FILTER matches the document of this id (ids are w<writer>-<seq>)."""
    writer, _, seq = doc_id.partition("-")
    return writer == "w0" and seq.isdigit() and int(seq) < 300


def check_queries(cluster, corpus, query_codes):
    """`hamming` top k and radius queries, sent to each node, against a brute force over `corpus` (id -> code).

    Top k: k=10 over everything (each image was indexed many times, so these are mostly ties), k=1000 (the k-th
    distance lies above the least one, so the ranking itself is checked), and k=10 under a filter that leaves a few
    hundred documents of many images (the plugin's filtered path). Ties: OpenSearch may pick any of the documents at
    the k-th distance, so the hits' distances must equal the brute force's k smallest (as a multiset), every id
    strictly below the k-th distance must be there, and each hit's distance must be that id's true distance.
    Radius: exactly the ids within the radius, each with its distance, and the same total.
    """
    results, problems = [], []
    for qname, q in query_codes:
        dist = {i: hamming(q, c) for i, c in corpus.items()}
        # the largest radius with at most 2,000 documents (at least radius 0), so the answer fits in one page
        ordered = sorted(dist.values())
        radius = max([r for r in range(65) if sum(1 for d in ordered if d <= r) <= 2000] or [0])
        want_radius = {i: d for i, d in dist.items() if d <= radius}
        cases = [("top10", 10, None), ("top1000", 1000, None), ("top10 filtered", 10, FILTER)]
        for node in cluster.nodes:
            client = OpenSearch(node.url, timeout=120)
            for case, k, flt in cases:
                pool = {i: d for i, d in dist.items() if flt is None or in_filter(i)}
                want_top = sorted(pool.values())[:k]
                kth = want_top[-1] if want_top else None
                below = {i for i, d in pool.items() if kth is not None and d < kth}
                body = {"field": FIELD, "code": q, "k": k}
                if flt:
                    body["filter"] = flt
                hits = client.search(INDEX, {"size": k, "_source": False, "query": {"hamming": body}})["hits"]["hits"]
                got = [(h["_id"], round(1 / h["_score"]) - 1) for h in hits]
                bad = [f"{i}: score says {d}, true {pool.get(i)}" for i, d in got if pool.get(i) != d]
                ok = (len(got) == len({i for i, _ in got}) and sorted(d for _, d in got) == want_top
                      and below <= {i for i, _ in got} and not bad)
                results.append({"query": qname, "via": node.name, "case": case, "ok": ok, "kth_distance": kth,
                                "ids_below_kth": len(below), "candidates": len(pool)})
                if not ok:
                    problems.append(f"{case} for {qname} via {node.name}: got {got[:20]}, want distances {want_top[:20]}, "
                                    f"{len(below)} ids below {kth}; {bad[:3]}")
            page = client.search(INDEX, {"size": min(len(want_radius) + 10, 10000), "track_total_hits": True, "_source": False,
                                         "query": {"hamming": {"field": FIELD, "code": q, "max_distance": radius}}})
            got_radius = {h["_id"]: round(1 / h["_score"]) - 1 for h in page["hits"]["hits"]}
            ok = got_radius == want_radius and page["hits"]["total"]["value"] == len(want_radius)
            results.append({"query": qname, "via": node.name, "case": f"radius {radius}", "ok": ok,
                            "docs": len(want_radius)})
            if not ok:
                missing = sorted(set(want_radius) - set(got_radius))[:5]
                extra = sorted(set(got_radius) - set(want_radius))[:5]
                wrong = [i for i in set(want_radius) & set(got_radius) if want_radius[i] != got_radius[i]][:5]
                problems.append(f"radius {radius} for {qname} via {node.name}: {len(got_radius)} hits "
                                f"(total {page['hits']['total']}), want {len(want_radius)}; missing {missing}, "
                                f"extra {extra}, wrong distance {wrong}")
    return results, problems


def check(name, cluster, ledger, expected, query_codes, sabotage=False):
    """The check after a phase: writers are paused by the caller. Returns a dict with `problems` (empty = passed)."""
    out = {"after": name, "problems": []}
    problems = out["problems"]
    t0 = time.time()
    out["seconds_to_green"] = cluster.wait_green()
    client = cluster.any_client(timeout=120)
    health = client.get("/_cluster/health")
    out["health"] = {k: health[k] for k in ("status", "number_of_nodes", "active_primary_shards", "active_shards",
                                            "relocating_shards", "initializing_shards", "unassigned_shards")}
    if health["status"] != "green" or health["unassigned_shards"] or health["initializing_shards"] or health["number_of_nodes"] != 3:
        problems.append(f"cluster health {out['health']}")
    refresh = client.post(f"/{INDEX}/_refresh")["_shards"]
    if refresh["failed"] or refresh["successful"] != 6:
        problems.append(f"refresh reached {refresh}")
    # shard copies: 3 primaries and 3 replicas, all started, each pair on two different nodes, equal doc counts
    shards = client.get(f"/_cat/shards/{INDEX}?format=json&h=shard,prirep,state,docs,node")
    out["shards"] = shards
    by_shard = collections.defaultdict(list)
    for s in shards:
        by_shard[s["shard"]].append(s)
    for shard, copies in sorted(by_shard.items()):
        kinds = sorted(c["prirep"] for c in copies)
        if (kinds != ["p", "r"] or any(c["state"] != "STARTED" for c in copies) or len({c["node"] for c in copies}) != 2
                or len({c["docs"] for c in copies}) != 1):
            problems.append(f"shard {shard}: {copies}")
    if len(by_shard) != 3:
        problems.append(f"{len(by_shard)} shards listed, want 3")

    with ledger.lock:
        sent, acked = dict(ledger.sent), dict(ledger.acked)
    want = dict(expected)
    if sabotage:
        # a deliberately wrong expectation: one golden image's code with a bit flipped, and an acknowledged id that
        # was never written. The check must report both (wrong codes, a lost document, query mismatches).
        key = sorted(k for k in want if k.startswith("g:"))[0]
        want[key] = format(int(want[key], 16) ^ 1, "016x")
        acked["sabotage-never-written"] = key
        sent["sabotage-never-written"] = key
    docs = scan(client)
    count = client.get(f"/{INDEX}/_count")["count"]
    lost = sorted(i for i in acked if i not in docs)
    duplicated = sorted(i for i, copies in docs.items() if len(copies) > 1)
    never_sent = sorted(i for i in docs if i not in sent)
    present_unacked = sorted(i for i in docs if i in sent and i not in acked)
    wrong = []
    for doc_id, copies in docs.items():
        key = sent.get(doc_id)
        for img, source_code, dv_code in copies:
            if key is None or img != key or source_code != want[key] or dv_code != want[key]:
                wrong.append({"id": doc_id, "img": img, "sent_image": key, "source": source_code, "doc_values": dv_code,
                              "expected": want.get(key)})
    out["documents"] = {
        "sent": len(sent), "acked": len(acked), "present": len(docs), "count_api": count, "lost": len(lost),
        "duplicated": len(duplicated), "wrong_code": len(wrong), "never_sent": len(never_sent),
        "present_not_acked": len(present_unacked),
        "acked_with_golden_torch_code": sum(1 for k in acked.values() if k.startswith("g:")),
        "acked_with_encode_reference_code": sum(1 for k in acked.values() if k.startswith("fm:"))}
    if lost:
        problems.append(f"{len(lost)} acknowledged documents missing, e.g. {lost[:5]}")
    if duplicated:
        problems.append(f"{len(duplicated)} ids found more than once, e.g. {duplicated[:5]}")
    if never_sent:
        problems.append(f"{len(never_sent)} documents that were never sent, e.g. {never_sent[:5]}")
    if wrong:
        problems.append(f"{len(wrong)} documents with a wrong code or image, e.g. {wrong[:3]}")
    if count != sum(len(c) for c in docs.values()):
        problems.append(f"_count {count} != {sum(len(c) for c in docs.values())} documents scanned")
    # brute force over what should be there: the acknowledged documents, plus those applied without an
    # acknowledgement (present, sent by us, code checked above), each with its image's expected code
    corpus = {i: want[k] for i, k in acked.items()}
    corpus.update({i: want[sent[i]] for i in present_unacked})
    out["queries"], query_problems = check_queries(cluster, corpus, query_codes)
    problems.extend(query_problems)
    # which build each node runs: the installed jar against the two zips' jars
    out["plugin_jar_sha256"] = {n.name: sha256(n.installed_jar()) for n in cluster.nodes}
    out["check_seconds"] = round(time.time() - t0, 1)
    return out


# --- the run ----------------------------------------------------------------------------------------------------
class Run:
    def __init__(self, args, cfg):
        self.args, self.cfg = args, cfg
        self.ledger, self.gate = Ledger(), Gate()
        self.writers = []
        self.results = {"mode": args.mode, "config": cfg, "phases": [], "problems": []}
        self.t0 = time.time()

    def elapsed(self):
        return round(time.time() - self.t0, 1)

    def phase(self, name):
        with self.ledger.lock:
            self.ledger.phase = name
        log(f"phase {name}")
        return {"phase": name, "started_at_s": self.elapsed(), "events": []}

    def event(self, record, what, **details):
        details.update(what=what, at_s=self.elapsed())
        record["events"].append(details)
        log(f"  {what} {details if len(details) > 2 else ''}")

    def run_check(self, record, next_phase, sabotage=False):
        self.gate.pause()
        try:
            for w in self.writers:
                if w.error:
                    self.results["problems"].append(f"{w.name}: {w.error}")
            result = check(record["phase"], self.cluster, self.ledger, self.expected, self.query_codes, sabotage)
        finally:
            # the phase's counters are complete now (no bulk in flight); what is sent from here on is the next one's
            with self.ledger.lock:
                record["client_stats"] = dict(self.ledger.stats[record["phase"]])
                self.ledger.phase = next_phase
            self.gate.resume()
        record["check"] = result
        record["ended_at_s"] = self.elapsed()
        self.results["phases"].append(record)
        self.results["problems"].extend(f"after {record['phase']}: {p}" for p in result["problems"])
        d = result["documents"]
        log(f"  check: acked {d['acked']} lost {d['lost']} duplicated {d['duplicated']} wrong {d['wrong_code']} "
            f"present-not-acked {d['present_not_acked']} never-sent {d['never_sent']}; queries "
            f"{sum(q['ok'] for q in result['queries'])}/{len(result['queries'])} ok; "
            f"green after {result['seconds_to_green']} s; {len(result['problems'])} problems")
        for p in result["problems"]:
            log(f"  PROBLEM {p[:400]}")

    def health_summary(self):
        try:
            h = self.cluster.any_client(timeout=30).get("/_cluster/health")
            return {k: h[k] for k in ("status", "number_of_nodes", "active_shards", "unassigned_shards", "initializing_shards")}
        except (OpenSearchError, OSError, RuntimeError) as e:
            return {"error": repr(e)}

    def restart(self, record, node, how):
        """Stops `node` (kill -9 or plain), keeps it down for a while, starts it; writers keep going."""
        if how == "kill":
            pid = node.kill9()
            self.event(record, f"kill -9 {node.name}", jvm_pid=pid)
            after = [n for n in self.cluster.nodes if n is not node]
            # who leads now (a new election when the killed node was the cluster manager)
            deadline = time.time() + 120
            while time.time() < deadline:
                try:
                    leader = OpenSearch(after[0].url, timeout=5).get("/_cat/cluster_manager?format=json")[0]["node"]
                    if leader != node.name:
                        self.event(record, "cluster manager now", node=leader)
                        break
                except (OpenSearchError, OSError, IndexError, KeyError):
                    pass
                time.sleep(0.5)
        down = self.cfg["down_b_s"] if record["phase"].startswith("b") else self.cfg["down_a_s"]
        time.sleep(down)
        # the fault is real: the cluster runs on two nodes (yellow; after 60 s down, replicas rebuilt on the others)
        self.event(record, "health just before the restart", **self.health_summary())
        node.start()
        self.event(record, f"{node.name} started again", up_after_s=round(node.wait_up(), 1))

    def main(self):
        args, cfg = self.args, self.cfg
        root = args.root
        for pid in cluster_nodes.own_java_pids(root):  # a previous run's nodes, if it died without cleaning up
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(root)
        subprocess.run(["chown", f"{cluster_nodes.RUN_USER}:", root], check=True)
        java = cluster_nodes.java_home()
        self.results["zips"] = {"old": {"path": args.zip, "sha256": sha256(args.zip), "jar_sha256": jar_sha_in_zip(args.zip)},
                                "new": {"path": args.new_zip, "sha256": sha256(args.new_zip),
                                        "jar_sha256": jar_sha_in_zip(args.new_zip)}}
        setup = self.phase("setup")
        template = cluster_nodes.prepare_template(root, cluster_nodes.distribution_zip(os.path.join(root, "dist")),
                                                  args.zip, java)
        self.cluster = cluster = Cluster(root, java, args.heap)
        for node in cluster.nodes:
            node.install(template)
        self.event(setup, "installed", seconds=self.elapsed())
        self.event(setup, "nodes up", seconds_each=cluster.start_all())
        client = cluster.any_client()
        client.put(f"/_ingest/pipeline/{PIPELINE}", {"processors": [{"image_hash": {
            "field": "image", "target_field": FIELD, "batch_size": 16, "remove_source_field": True}}]})
        client.put(f"/{INDEX}", {"settings": {"number_of_shards": 3, "number_of_replicas": 1, "default_pipeline": PIPELINE},
                                 "mappings": {"properties": {FIELD: {"type": "hash_code", "bits": 64},
                                                             "img": {"type": "keyword"}, "writer": {"type": "integer"},
                                                             "seq": {"type": "integer"}}}})
        self.event(setup, "green", seconds=cluster.wait_green())

        golden, fashion = golden_images(), fashion_images(cfg["fashion_images"])
        self.expected, ref_problems = reference_codes(cluster.nodes, golden, fashion)
        self.results["reference"] = {
            "golden_images": len(golden), "golden_code_source": "torch (models/default/golden/golden.json)",
            "fashion_images": len(fashion), "fashion_code_source": "_encode on each of the 3 nodes before any fault, all equal",
            "distinct_codes": len(set(self.expected.values())), "problems": ref_problems}
        if ref_problems:
            raise RuntimeError(f"reference codes not trusted: {ref_problems[:5]}")
        rng = random.Random(18)
        fm_key = sorted(fashion)[len(fashion) // 2]
        g_key = sorted(golden)[5]
        self.query_codes = [
            (f"code of {sorted(golden)[0]}", self.expected[sorted(golden)[0]]),
            (f"code of {fm_key}", self.expected[fm_key]),
            (f"code of {g_key} with 3 bits flipped", format(int(self.expected[g_key], 16) ^ (1 << 3 | 1 << 30 | 1 << 61), "016x")),
            ("random code (seed 18)", format(rng.getrandbits(64), "016x"))]
        payloads = {k: base64.b64encode(v[0] if k.startswith("g:") else v).decode()
                    for k, v in list(golden.items()) + list(fashion.items())}
        keys = {"golden": sorted(golden), "fashion": sorted(fashion)}
        self.writers = [Writer(w, cluster.nodes, payloads, keys, self.ledger, self.gate, cfg, seed=1000 + w) for w in range(4)]

        warm = self.phase(PHASES[0])
        for w in self.writers:
            w.start()
        time.sleep(cfg["warmup_s"])
        self.run_check(warm, PHASES[1], args.sabotage)

        # a) a data node that is not the elected cluster manager
        a = self.phase(PHASES[1])
        leader = cluster.elected()
        victim = next(n for n in cluster.nodes if n.name != leader)
        self.event(a, "cluster manager", node=leader)
        self.restart(a, victim, "kill")
        time.sleep(cfg["after_s"])
        self.run_check(a, PHASES[2], args.sabotage)

        # b) the elected cluster manager
        b = self.phase(PHASES[2])
        leader = cluster.elected()
        self.event(b, "cluster manager", node=leader)
        self.restart(b, cluster.by_name(leader), "kill")
        time.sleep(cfg["after_s"])
        self.run_check(b, PHASES[3], args.sabotage)

        # c) rolling restart onto the new build
        c = self.phase(PHASES[3])
        for node in cluster.nodes:
            any_client = cluster.any_client()
            any_client.put("/_cluster/settings", {"persistent": {"cluster.routing.allocation.enable": "primaries"}})
            any_client.post(f"/{INDEX}/_flush")
            node.stop()
            self.event(c, f"{node.name} stopped")
            self.event(c, "health while it is out", **self.health_summary())
            node.install_plugin(args.new_zip)
            jar = sha256(node.installed_jar())
            self.event(c, f"{node.name} plugin replaced", new_build=jar == self.results["zips"]["new"]["jar_sha256"])
            node.start()
            up = round(node.wait_up(), 1)
            cluster.any_client().put("/_cluster/settings", {"persistent": {"cluster.routing.allocation.enable": None}})
            self.event(c, f"{node.name} started", up_after_s=up, green_after_s=cluster.wait_green())
            time.sleep(cfg["rolling_gap_s"])
        self.run_check(c, PHASES[4], args.sabotage)
        wrong_build = [n for n, s in c["check"]["plugin_jar_sha256"].items() if s != self.results["zips"]["new"]["jar_sha256"]]
        if wrong_build:
            self.results["problems"].append(f"after the rolling restart {wrong_build} do not run the new build")

        end = self.phase(PHASES[4])
        time.sleep(cfg["final_s"])
        self.gate.stop()
        for w in self.writers:
            w.join(120)
        self.run_check(end, "after the end", args.sabotage)


def summary(results):
    lines = [f"mode {results['mode']}, {results.get('wall_s')} s, "
             f"{'PASSED' if not results['problems'] else 'FAILED'} ({len(results['problems'])} problems)"]
    lines.append(f"{'after phase':40} {'acked':>7} {'lost':>5} {'dup':>4} {'wrong':>5} {'unacked-present':>15} "
                 f"{'never-sent':>10} {'queries ok':>10} {'green s':>7} {'item/bulk failures in phase':>28}")
    for p in results["phases"]:
        d, q, s = p["check"]["documents"], p["check"]["queries"], p.get("client_stats", {})
        failures = sum(v for k, v in s.items() if k.startswith(("item_failed", "bulk_failed")))
        lines.append(f"{p['phase']:40} {d['acked']:>7} {d['lost']:>5} {d['duplicated']:>4} {d['wrong_code']:>5} "
                     f"{d['present_not_acked']:>15} {d['never_sent']:>10} "
                     f"{sum(x['ok'] for x in q):>5}/{len(q):<4} "
                     f"{p['check']['seconds_to_green']:>7} {failures:>28}")
    for p in results["problems"]:
        lines.append(f"PROBLEM: {p[:600]}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer images and short phases (CI)")
    parser.add_argument("--zip", default=os.path.join(ROOT, "dist", "opensearch-image-hash-0.1.0-os-3.5.0.zip"))
    parser.add_argument("--new-zip", default=os.path.join(ROOT, "plugin", "opensearch", "target", "opensearch-image-hash-0.1.0.zip"),
                        help="the build that the rolling restart installs")
    parser.add_argument("--root", default="/tmp/ih-cluster")
    parser.add_argument("--heap", default="512m")
    parser.add_argument("--out")
    parser.add_argument("--keep", action="store_true", help="keep the nodes' folders (logs, data) after the run")
    parser.add_argument("--sabotage", action="store_true",
                        help="self-test: check against a deliberately wrong expectation; the run must fail")
    args = parser.parse_args()
    args.mode = "quick" if args.quick else "full"
    args.out = args.out or os.path.join(ROOT, "docs", "bench", "cluster-quick.json" if args.quick else "cluster.json")
    if os.geteuid() != 0:
        sys.exit("run as root: the nodes run as the unprivileged user opensearch-ih, through runuser")
    for path in (args.zip, args.new_zip):
        if not os.path.isfile(path):
            sys.exit(f"plugin zip not found: {path}")

    # SIGTERM (a CI runner cancelling) takes the same way out as Ctrl-C: through the finally below
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    # and Ctrl-C even when started in the background of a script, where the shell hands SIGINT over ignored
    signal.signal(signal.SIGINT, signal.default_int_handler)
    run = Run(args, MODES[args.mode])
    run.results["sabotage"] = args.sabotage
    run.results["started"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    run.results["command"] = " ".join([os.path.relpath(sys.argv[0], ROOT)] + sys.argv[1:])
    try:
        run.main()
    except KeyboardInterrupt:
        run.results["problems"].append("interrupted")
    except Exception as e:  # noqa: BLE001 - recorded; the nodes are stopped below either way
        run.results["problems"].append(f"run failed: {e!r}")
        traceback.print_exc()
    finally:
        run.gate.stop()
        if hasattr(run, "cluster"):
            log("stopping the three nodes")
            run.cluster.stop_all()
        if not args.keep:
            # keep the logs of a failed run (data and homes go): they are what explains it
            if run.results["problems"]:
                for node_dir in (os.path.join(args.root, n) for n in ("n1", "n2", "n3")):
                    for sub in ("data", "tmp", f"opensearch-{cluster_nodes.VERSION}"):
                        shutil.rmtree(os.path.join(node_dir, sub), ignore_errors=True)
                shutil.rmtree(os.path.join(args.root, "template"), ignore_errors=True)
                log(f"failed: node logs kept in {args.root}/n*/logs")
            else:
                shutil.rmtree(args.root, ignore_errors=True)
    run.results["wall_s"] = run.elapsed()
    with run.ledger.lock:
        run.results["totals"] = {"sent": len(run.ledger.sent), "acked": len(run.ledger.acked),
                                 "client_stats_by_phase": {k: dict(v) for k, v in run.ledger.stats.items()}}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(run.results, f, indent=1)
    print(summary(run.results))
    print(f"results: {args.out}")
    sys.exit(1 if run.results["problems"] else 0)


if __name__ == "__main__":
    main()
