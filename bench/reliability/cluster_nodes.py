"""Three real OpenSearch processes on loopback, for bench/reliability/cluster.py.

Each node is its own unzipped integ-test distribution (its own plugins folder, so that a rolling restart can swap the
plugin node by node), with its own data, logs and temp folder under one root (default /tmp/ih-cluster). The nodes run
as the unprivileged user of scripts/opensearch-node.sh (OpenSearch refuses root), started with runuser like there.

Processes are found only by their own home path under the root (never by a broad name): other jobs on this machine
run OpenSearch nodes of their own.
"""
import glob
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RUN_USER = os.environ.get("OS_USER", "opensearch-ih")
VERSION = "3.5.0"
PLUGIN = "opensearch-image-hash"
DIST_COORDS = f"org.opensearch.distribution.integ-test-zip:opensearch:{VERSION}:zip"


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def java_home():
    """The JDK that scripts/java-env.sh picks (21+), so that the nodes run on what the other scripts use."""
    out = subprocess.run(["bash", "-c", f"source {ROOT}/scripts/java-env.sh >/dev/null && echo $NODE_JAVA_HOME"],
                         capture_output=True, text=True, check=True).stdout.strip()
    if not out:
        raise RuntimeError("scripts/java-env.sh found no JDK 21+")
    return out


def distribution_zip(cache_dir):
    """The OpenSearch integ-test zip: from the local Maven repository, else fetched as scripts/opensearch-node.sh does."""
    local = os.path.expanduser(f"~/.m2/repository/org/opensearch/distribution/integ-test-zip/opensearch/{VERSION}/"
                               f"opensearch-{VERSION}.zip")
    if os.path.getsize(local) if os.path.exists(local) else 0:
        return local
    os.makedirs(cache_dir, exist_ok=True)
    subprocess.run(["bash", "-c", f"source {ROOT}/scripts/java-env.sh && mvn -B -q dependency:copy -Dartifact={DIST_COORDS} "
                    f"-DoutputDirectory={cache_dir} -Dmdep.overWriteReleases=false"], check=True)
    return os.path.join(cache_dir, f"opensearch-{VERSION}.zip")


def own_java_pids(root):
    """PIDs of JVMs whose opensearch.path.home lies under `root` (only processes this tool started)."""
    pids = []
    marker = f"-Dopensearch.path.home={root.rstrip('/')}/"
    for cmdline_file in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(cmdline_file, "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if any(a.decode(errors="replace").startswith(marker) for a in args):
            pids.append(int(cmdline_file.split("/")[2]))
    return pids


def http_json(url, method="GET", body=None, timeout=10):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"null")


def as_user(java, heap, tmp, *args):
    return ["runuser", "-u", RUN_USER, "--", "env", f"JAVA_HOME={java}", f"OPENSEARCH_JAVA_OPTS=-Xms{heap} -Xmx{heap}",
            f"OPENSEARCH_TMPDIR={tmp}", *args]


def prepare_template(root, dist_zip, plugin_zip, java):
    """One unzipped distribution with the plugin installed (`opensearch-plugin install`), that the nodes link to."""
    template = os.path.join(root, "template")
    os.makedirs(os.path.join(template, "tmp"))
    subprocess.run(["unzip", "-q", dist_zip, "-d", template], check=True)
    home = os.path.join(template, f"opensearch-{VERSION}")
    subprocess.run(["chown", "-R", f"{RUN_USER}:", template], check=True)
    install_plugin(home, plugin_zip, lambda *a: as_user(java, "256m", os.path.join(template, "tmp"), *a))
    return home


def install_plugin(home, plugin_zip, run_as):
    local = os.path.join(os.path.dirname(home), "plugin.zip")  # a copy that the node's user can read
    shutil.copyfile(plugin_zip, local)
    subprocess.run(["chown", f"{RUN_USER}:", local], check=True)
    cli = os.path.join(home, "bin", "opensearch-plugin")
    if os.path.isdir(os.path.join(home, "plugins", PLUGIN)):
        subprocess.run(run_as(cli, "remove", PLUGIN), check=True, capture_output=True, text=True)
    result = subprocess.run(run_as(cli, "install", "--batch", f"file://{local}"), capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"plugin install into {home} failed:\n{result.stdout}\n{result.stderr}")


class Node:
    def __init__(self, root, number, java, heap="512m", cluster_name="ih-cluster", node_count=3):
        self.root = root
        self.number = number
        self.name = f"n{number}"
        self.http_port = 9700 + number
        self.transport_port = 9800 + number
        self.dir = os.path.join(root, self.name)
        self.home = os.path.join(self.dir, f"opensearch-{VERSION}")
        self.java = java
        self.heap = heap
        self.cluster_name = cluster_name
        self.node_count = node_count
        self.process = None  # runuser, parent of the JVM
        self.url = f"http://127.0.0.1:{self.http_port}"

    # --- installation -------------------------------------------------------------------------------------------
    def install(self, template_home):
        """This node's home as hard links to a prepared one (distribution + plugin): instant, and nothing there is
        rewritten in place (a plugin swap removes and adds files, which unlinks only this node's links)."""
        shutil.rmtree(self.dir, ignore_errors=True)
        for sub in ("data", "logs", "tmp"):
            os.makedirs(os.path.join(self.dir, sub))
        subprocess.run(["cp", "-al", template_home, self.home], check=True)
        subprocess.run(["chown", "-R", f"{RUN_USER}:", self.dir], check=True)

    def as_user(self, *args):
        return as_user(self.java, self.heap, os.path.join(self.dir, "tmp"), *args)

    def install_plugin(self, plugin_zip):
        """Replaces our plugin (the node must be stopped): `opensearch-plugin remove`, then `install` of the zip."""
        install_plugin(self.home, plugin_zip, self.as_user)

    def installed_jar(self):
        jars = glob.glob(os.path.join(self.home, "plugins", PLUGIN, f"{PLUGIN}-*.jar"))
        return jars[0] if jars else None

    # --- lifecycle ----------------------------------------------------------------------------------------------
    def start(self):
        assert not self.alive(), f"{self.name} is already running"
        seeds = ",".join(f"127.0.0.1:{9800 + i}" for i in range(1, self.node_count + 1))
        managers = ",".join(f"n{i}" for i in range(1, self.node_count + 1))
        args = self.as_user(
            os.path.join(self.home, "bin", "opensearch"),
            f"-Ecluster.name={self.cluster_name}", f"-Enode.name={self.name}", "-Enetwork.host=127.0.0.1",
            f"-Ehttp.port={self.http_port}", f"-Etransport.port={self.transport_port}",
            f"-Ediscovery.seed_hosts={seeds}",
            # only read when the cluster forms for the first time (empty data paths); later starts rejoin it
            f"-Ecluster.initial_cluster_manager_nodes={managers}",
            f"-Epath.data={self.dir}/data", f"-Epath.logs={self.dir}/logs",
            # the 3 nodes share one disk with other jobs: disk watermarks would only add noise here
            "-Ecluster.routing.allocation.disk.threshold_enabled=false")
        out = open(os.path.join(self.dir, "logs", "stdout.log"), "ab")
        # own session: a Ctrl-C in the terminal reaches this script, which stops the nodes itself (in order)
        self.process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        start_new_session=True)
        out.close()
        self.started_at = time.time()

    def jvm_pid(self):
        pids = own_java_pids(self.dir)
        return pids[0] if pids else None

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def wait_up(self, timeout=300):
        """Until the node answers HTTP and has joined a cluster with a cluster manager."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited (rc {self.process.returncode}); see {self.dir}/logs/stdout.log")
            try:
                http_json(f"{self.url}/_cluster/health?timeout=1s", timeout=5)
                return time.time() - self.started_at
            except (OSError, urllib.error.URLError, ValueError):
                pass  # not listening yet, or no cluster manager yet (503)
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} did not come up in {timeout} s")

    def signal_jvm(self, sig):
        pid = self.jvm_pid()
        if pid is not None:
            os.kill(pid, sig)
        return pid

    def kill9(self):
        """A crash: SIGKILL to the JVM itself (not to runuser), no shutdown hooks, no flush."""
        pid = self.signal_jvm(signal.SIGKILL)
        if pid is None:
            raise RuntimeError(f"{self.name}: no JVM found to kill")
        self._reap(30)
        return pid

    def stop(self, timeout=90):
        """A plain stop (SIGTERM, OpenSearch's orderly shutdown), SIGKILL if it hangs."""
        if self.signal_jvm(signal.SIGTERM) is None and not self.alive():
            return
        if not self._reap(timeout):
            self.signal_jvm(signal.SIGKILL)
            self._reap(30)

    def _reap(self, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if (self.process is None or self.process.poll() is not None) and self.jvm_pid() is None:
                return True
            time.sleep(0.2)
        return False
