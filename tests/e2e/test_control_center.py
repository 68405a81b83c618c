"""End-to-end: the Control Center API (webui/api_pipeline.c) against the real
Kafka and Cassandra of scripts/stack.sh, checked with independent clients.

A fresh 3-partition topic (created with Kafka's own AdminClient, a one-file
Java program run from the stack's jars), messages produced with kcat, a
consumer group that reads them with kcat (committing), more messages
produced after that. Then, compared with kcat:

  - partitions, leader, replicas and ISR of /api/v1/kafka/topics equal
    `kcat -L -J`; high watermarks equal `kcat -Q` (offset of the end);
  - /api/v1/kafka/consumerGroups lists the group with, per partition, the
    committed offset (the end before the second batch) and lag = the second
    batch's messages in that partition;
  - messages/s between two readings equals the messages produced between them
    divided by the time between the readings' sampled_at;
  - /api/v1/kafka/cluster names the broker and the controller;
  - /metrics carries the same high watermarks and lags and passes promtool;
  - /api/v1/pipeline/tables counts the rows of a Cassandra table the test
    fills (its own keyspace);
  - after the real Spark job (jobs/spark_stream.py, available_now) read the
    topic, its query appears with the groups, at the offsets kcat reported,
    with the messages produced since as lag (from its checkpoint);
  - the Pipeline page (tests/browser/pipeline.test.mjs, Playwright on Debian's
    Chromium) shows the topic, the group's lag and a screenshot.

Uses kafka and cassandra of the stack, and spark (the venv and jars) for the
Spark query;
honours AIRC_STACK_* (home and ports), so it can run beside another stack.
Leaves the stack running.
"""

import base64
import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

import stack_helpers as sh

REPO = sh.REPO
AIRC = os.environ.get("AIRC_BIN", os.path.join(REPO, "bin", "airc"))
KEYSPACE = "airc_e2e_cc"
PARTITIONS = 3
VIEWER_PASSWORD = "viewer-pass-cc-1"

CREATE_TOPIC_JAVA = r"""
import java.util.*;
import org.apache.kafka.clients.admin.*;
public class CreateTopic {
  public static void main(String[] a) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", a[0]);
    try (Admin admin = Admin.create(p)) {
      admin.createTopics(List.of(new NewTopic(a[1], Integer.parseInt(a[2]), (short) 1))).all().get();
    }
  }
}
"""


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(argv, timeout=60, **kw):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)
    assert p.returncode == 0, "%s failed (%d)\n%s\n%s" % (" ".join(argv), p.returncode, p.stdout[-2000:], p.stderr[-2000:])
    return p.stdout


@pytest.fixture(scope="module")
def stack():
    reason = sh.have_tools()
    if reason:
        pytest.skip(reason)
    sh.stack_up(["kafka", "cassandra"])
    return sh.stack_env()


def create_topic(env, topic, partitions):
    jars = os.path.join(env["AIRC_STACK_HOME"], "lib", "kafka", "*")
    with tempfile.TemporaryDirectory(prefix="airc-cc-java-") as d:
        src = os.path.join(d, "CreateTopic.java")
        with open(src, "w") as f:
            f.write(CREATE_TOPIC_JAVA)
        _run(["java", "-cp", jars, src, env["AIRC__KAFKA__BOOTSTRAP_SERVERS"], topic, str(partitions)], timeout=120)


def produce(boot, topic, n, tag):
    """n messages spread over the partitions by kcat's partitioner (keys)."""
    lines = "".join("k%d_%s:%s-%d\n" % (i, tag, tag, i) for i in range(n))
    _run(["kcat", "-b", boot, "-P", "-t", topic, "-K", ":"], input=lines, timeout=60)


def kcat_ends(boot, topic):
    """{partition: end offset} from `kcat -Q` (timestamp -1 = the end)."""
    meta = json.loads(_run(["kcat", "-b", boot, "-L", "-J", "-t", topic]))
    parts = [p["partition"] for p in meta["topics"][0]["partitions"]]
    argv = ["kcat", "-b", boot, "-Q"]
    for p in parts:
        argv += ["-t", "%s:%d:-1" % (topic, p)]
    out = _run(argv)
    ends = {}
    for line in out.splitlines():
        # "<topic> [<partition>] offset <N>"
        bits = line.split()
        if len(bits) >= 4 and bits[0] == topic and bits[2] == "offset":
            ends[int(bits[1].strip("[]"))] = int(bits[3])
    assert sorted(ends) == sorted(parts), out
    return ends


class Web:
    def __init__(self, home, port, proc):
        self.home, self.port, self.proc = home, port, proc
        self.auth = "Basic " + base64.b64encode(b"viewer:" + VIEWER_PASSWORD.encode()).decode()

    def get(self, path, raw=False):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request("GET", path, headers={"Authorization": self.auth})
        r = c.getresponse()
        body = r.read()
        c.close()
        assert r.status == 200, (path, r.status, body[:300])
        return body if raw else json.loads(body)


@pytest.fixture(scope="module")
def web(stack, tmp_path_factory):
    home = str(tmp_path_factory.mktemp("airc_cc_home"))
    os.makedirs(os.path.join(home, "dags"))
    with open(os.path.join(home, "airc.ini"), "w") as f:
        f.write("[webserver]\nstatic_folder = %s\n[kafka]\nbootstrap_servers = %s\n"
                "[cassandra]\nhost = %s\nport = %s\n"
                "[control_center]\ncache_seconds = 0\ncassandra_tables = %s.users, %s.missing\n"
                % (os.path.join(REPO, "static"), stack["AIRC__KAFKA__BOOTSTRAP_SERVERS"],
                   stack["AIRC__CASSANDRA__HOST"], stack["AIRC__CASSANDRA__PORT"], KEYSPACE, KEYSPACE))
    env = dict(os.environ, AIRC_HOME=home)
    # the stack's settings must not leak in through AIRC__* variables of the caller
    env = {k: v for k, v in env.items() if not k.startswith("AIRC__")}
    _run([AIRC, "db", "init"], env=env)
    _run([AIRC, "users", "create", "--username", "viewer", "--role", "viewer", "--password-stdin"],
         input=VIEWER_PASSWORD + "\n", env=env)
    port = _free_port()
    proc = subprocess.Popen([AIRC, "webserver", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(home, "webserver.err"), "w"))
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/api/v1/health")
            if c.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise AssertionError("webserver did not start")
    yield Web(home, port, proc)
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    err = open(os.path.join(home, "webserver.err")).read()
    # with AIRC_BIN=bin-san/airc: the real librdkafka paths under ASan/UBSan
    assert "AddressSanitizer" not in err and "LeakSanitizer" not in err and "runtime error" not in err, err[-3000:]


@pytest.fixture(scope="module")
def scene(stack, web):
    """The topic, the group, and the offsets kcat reports at each step."""
    boot = stack["AIRC__KAFKA__BOOTSTRAP_SERVERS"]
    topic = sh.unique_name("cc_topic")
    group = sh.unique_name("cc_group")
    create_topic(stack, topic, PARTITIONS)
    produce(boot, topic, 30, "a")
    committed = kcat_ends(boot, topic)
    # the group reads everything there is and commits it on close
    _run(["kcat", "-b", boot, "-G", group, "-X", "auto.offset.reset=earliest", "-e", "-q", topic], timeout=60)
    produce(boot, topic, 17, "b")
    ends = kcat_ends(boot, topic)
    return {"boot": boot, "topic": topic, "group": group, "committed": committed, "ends": ends}


def test_topics_match_kcat(web, scene):
    boot, topic = scene["boot"], scene["topic"]
    meta = json.loads(_run(["kcat", "-b", boot, "-L", "-J", "-t", topic]))
    want = {p["partition"]: p for p in meta["topics"][0]["partitions"]}
    doc = web.get("/api/v1/kafka/topics")
    assert doc["status"] == "up" and doc["error"] is None
    (t,) = [t for t in doc["topics"] if t["name"] == topic]
    assert t["internal"] is False
    assert sorted(p["partition"] for p in t["partitions"]) == sorted(want) == list(range(PARTITIONS))
    for p in t["partitions"]:
        k = want[p["partition"]]
        assert p["leader"] == k["leader"]
        assert p["replicas"] == [r["id"] for r in k["replicas"]]
        assert p["isr"] == [r["id"] for r in k["isrs"]]
        assert p["high_watermark"] == scene["ends"][p["partition"]]
        assert p["low_watermark"] == 0 and p["error"] is None
    assert t["messages"] == 47 == sum(scene["ends"].values())


def test_consumer_group_lag_matches_kcat(web, scene):
    doc = web.get("/api/v1/kafka/consumerGroups")
    assert doc["status"] == "up"
    (g,) = [g for g in doc["groups"] if g["group_id"] == scene["group"]]
    assert g["state"] == "Empty" and g["members"] == [] and g["error"] is None
    offsets = {o["partition"]: o for o in g["offsets"] if o["topic"] == scene["topic"]}
    assert sorted(offsets) == list(range(PARTITIONS))
    for p, o in offsets.items():
        assert o["committed"] == scene["committed"][p]
        assert o["high_watermark"] == scene["ends"][p]
        assert o["lag"] == scene["ends"][p] - scene["committed"][p]
    assert g["lag"] == 17 == sum(o["lag"] for o in offsets.values())


def test_messages_per_second_between_readings(web, scene):
    first = web.get("/api/v1/kafka/topics")
    time.sleep(1.0)
    produce(scene["boot"], scene["topic"], 40, "c")
    second = web.get("/api/v1/kafka/topics")
    (t,) = [t for t in second["topics"] if t["name"] == scene["topic"]]

    def us(iso):
        from datetime import datetime
        return datetime.fromisoformat(iso).timestamp()

    dt = us(second["sampled_at"]) - us(first["sampled_at"])
    assert dt > 0.9
    assert abs(t["messages_per_second"] * dt - 40) < 0.01, (t["messages_per_second"], dt)
    scene["ends"] = kcat_ends(scene["boot"], scene["topic"])  # later tests see the third batch


def test_cluster_names_broker_and_controller(web, scene):
    meta = json.loads(_run(["kcat", "-b", scene["boot"], "-L", "-J"]))
    doc = web.get("/api/v1/kafka/cluster")
    assert doc["status"] == "up"
    assert [b["id"] for b in doc["brokers"]] == [b["id"] for b in meta["brokers"]]
    assert doc["controller_id"] == meta["brokers"][0]["id"]  # single node: it is the controller
    assert doc["brokers"][0]["controller"] is True


def test_metrics_carry_watermarks_and_lag(web, scene):
    body = web.get("/metrics", raw=True)
    text = body.decode()
    assert "\nairc_kafka_up 1\n" in text
    for p, end in scene["ends"].items():
        assert 'airc_kafka_partition_high_watermark{topic="%s",partition="%d"} %d\n' % (scene["topic"], p, end) in text
        assert 'airc_kafka_consumer_group_lag{group="%s",topic="%s",partition="%d"} %d\n' % (
            scene["group"], scene["topic"], p, end - scene["committed"][p]) in text
    promtool = shutil.which("promtool")
    if promtool:
        r = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True, timeout=30)
        assert r.returncode == 0, r.stdout.decode() + r.stderr.decode()


def test_cassandra_row_counts(web):
    sh.cassandra_rows("DROP KEYSPACE IF EXISTS %s" % KEYSPACE, timeout=120)
    sh.cassandra_rows("CREATE KEYSPACE %s WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
                      % KEYSPACE, timeout=120)
    sh.cassandra_rows("CREATE TABLE %s.users (id int PRIMARY KEY, name text)" % KEYSPACE, timeout=120)
    for i in range(5):
        sh.cassandra_rows("INSERT INTO %s.users (id, name) VALUES (%d, 'u%d')" % (KEYSPACE, i, i))
    doc = web.get("/api/v1/pipeline/tables")
    c = doc["cassandra"]
    assert c["status"] == "up", c
    by = {t["table"]: t for t in c["tables"]}
    assert by["%s.users" % KEYSPACE]["rows"] == 5 and by["%s.users" % KEYSPACE]["error"] is None
    missing = by["%s.missing" % KEYSPACE]
    assert missing["rows"] is None and "missing" in missing["error"], missing
    health = web.get("/api/v1/pipeline/health")["components"]
    assert health["kafka"]["status"] == "up" and health["cassandra"]["status"] == "up"


def test_spark_query_lag_from_its_checkpoint(web, scene):
    """The real jobs/spark_stream.py reads the topic (available_now) with its
    checkpoint where trigger-stream-job keeps it ($AIRC_HOME/checkpoints/<dag>/<task>);
    the API then lists the query beside the consumer groups, at the offsets
    kcat reported when the job ran, with the messages produced since as lag."""
    sh.stack_up(["spark"])
    ckpt = os.path.join(web.home, "checkpoints", "e2e_dag", "stream_task")
    p = sh.run_spark_job(ckpt, ["--topic", scene["topic"], "--keyspace", KEYSPACE], timeout=400)
    assert p.returncode == 0, "spark job failed (exit %d)\n%s\n%s" % (p.returncode, p.stdout[-3000:], p.stderr[-3000:])
    read = kcat_ends(scene["boot"], scene["topic"])  # available_now: everything up to now
    produce(scene["boot"], scene["topic"], 11, "d")
    scene["ends"] = kcat_ends(scene["boot"], scene["topic"])
    doc = web.get("/api/v1/kafka/consumerGroups")
    (g,) = [g for g in doc["groups"] if g["group_id"] == "spark:e2e_dag/stream_task"]
    assert g["kind"] == "spark_checkpoint" and g["checkpoint"] == ckpt and g["error"] is None
    assert isinstance(g["batch"], int) and g["batch"] >= 0
    offsets = {o["partition"]: o for o in g["offsets"] if o["topic"] == scene["topic"]}
    assert sorted(offsets) == list(range(PARTITIONS))
    for part, o in offsets.items():
        assert o["committed"] == read[part]
        assert o["lag"] == scene["ends"][part] - read[part]
    assert g["lag"] == 11
    scene["spark_group"] = g["group_id"]


def _browser_ready():
    """None when the browser test can run (installing playwright-core from the
    lock file if needed, as scripts/browser-tests.sh does), else why not."""
    if not shutil.which("node") or not os.path.exists(os.environ.get("CHROMIUM", "/usr/bin/chromium")):
        return "node or chromium missing (scripts/browser-tests.sh installs them)"
    tests = os.path.join(REPO, "tests", "browser")
    if not os.path.isdir(os.path.join(tests, "node_modules", "playwright-core")):
        cache = os.environ.get("NPM_CACHE", os.path.join(os.path.expanduser("~"), ".cache", "airc-npm"))
        p = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefer-offline", "--cache", cache],
                           cwd=tests, capture_output=True, text=True, timeout=300,
                           env=dict(os.environ, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD="1"))
        if p.returncode != 0:
            return "npm ci failed in tests/browser: " + p.stderr[-500:]
    return None


def test_pipeline_page_in_a_browser(web, scene):
    reason = _browser_ready()
    if reason:
        pytest.skip(reason)
    shots = os.path.join(REPO, "tests", "artifacts", "screenshots")
    os.makedirs(shots, exist_ok=True)
    env = dict(os.environ, AIRC_URL="http://127.0.0.1:%d" % web.port, AIRC_VIEWER_USER="viewer",
               AIRC_VIEWER_PASSWORD=VIEWER_PASSWORD, AIRC_SCREENSHOTS=shots, CC_TOPIC=scene["topic"],
               CC_GROUP=scene["group"], CC_LAG=str(sum(scene["ends"].values()) - sum(scene["committed"].values())),
               CC_ENDS=json.dumps(scene["ends"]), CC_KEYSPACE=KEYSPACE, CC_SPARK_GROUP=scene.get("spark_group", ""))
    p = subprocess.run(["node", "--test", "--test-reporter=spec", "pipeline.test.mjs"],
                       cwd=os.path.join(REPO, "tests", "browser"), env=env, capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-2000:]
    assert os.path.getsize(os.path.join(shots, "pipeline.png")) > 10000
