"""End-to-end: the cluster profile (scripts/stack.sh up --cluster) and its faults.

One cluster for the whole module: the single-node stack of this stack home is
brought down first (both profiles share the ports), `up --cluster` starts three
Kafka brokers, two Cassandra nodes and a Spark standalone master with two
workers, and the module brings it all down at the end. Checked with clients
independent of airc's own code:

  - kcat -L -J: 3 brokers; users_created with 3 partitions, each with 3
    replicas and 3 in sync; Kafka's own ConfigCommand (kafka core jar):
    min.insync.replicas=2 effective for users_created;
  - the Spark master's /json/: 2 alive workers; after a run, each worker's
    /json/ lists a finished executor of the stream job (it ran on the workers);
  - the stack venv's cassandra-driver: system.peers of node 1 lists node 2,
    the pipeline keyspace has replication factor 2.

Runs of dags/user_pipeline.ini (tests/e2e/test_pipeline.py's harness) on the
cluster: (a) baseline, every user lands field for field; (b) a broker SIGKILLed
while publish_kafka runs (20,000 users): every user delivered and landed;
(c) a Spark worker SIGKILLed during the stream job (spark-submit on the
master, 20,000 records in batches of 2,000): the job finishes, every record
landed once; (d) the second Cassandra node down: the run lands and
validate-cassandra passes at ONE (docs/pipeline.md, "Cluster profile").
Every killed or stopped process is restarted in a `finally`. Every wait is
bounded.
"""

import json
import os
import re
import signal
import subprocess
import time
import uuid

import pytest

import stack_helpers as sh
from test_pipeline import (AIRC, DAG, FIELDS, RANDOMUSER, PipelineHome, api_url, pipeline_dag,  # noqa: F401
                           read_jsonl, wait_for)

KEYSPACE = "airc_e2e_cluster"
TABLE = "created_users"
BIG = int(os.environ.get("AIRC_E2E_CLUSTER_USERS", "20000"))
RUN_TIMEOUT = int(os.environ.get("AIRC_E2E_RUN_TIMEOUT", "600"))
UP_TIMEOUT = int(os.environ.get("AIRC_E2E_CLUSTER_UP_TIMEOUT", "600"))


def stack(*args, timeout=300):
    p = subprocess.run([sh.STACK_SH] + list(args), capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, "stack.sh %s -> %d\n%s\n%s" % (" ".join(args), p.returncode,
                                                             p.stdout[-3000:], p.stderr[-3000:])
    return p.stdout


def http_json(url, timeout=10):
    p = subprocess.run(["curl", "-fsS", "-m", str(timeout), url], capture_output=True, text=True,
                       timeout=timeout + 5)
    assert p.returncode == 0, "GET %s: %s" % (url, p.stderr)
    return json.loads(p.stdout)


def worker_ui_urls():
    base = int(os.environ.get("AIRC_STACK_SPARK_WORKER_UI_PORT", "8091"))
    return ["http://127.0.0.1:%d" % (base + i) for i in (0, 1)]


def pid_of(env, unit):
    with open(os.path.join(env["AIRC_STACK_HOME"], "pids", unit + ".pid")) as f:
        return int(f.read().strip())


def kcat_meta(env, topic=None):
    argv = ["kcat", "-b", env["AIRC__KAFKA__BOOTSTRAP_SERVERS"], "-L", "-J", "-m", "10"]
    if topic:
        argv += ["-t", topic]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def table_rows(ids):
    rows = {}
    ids = [str(uuid.UUID(i)) for i in ids]
    for k in range(0, len(ids), 100):
        for r in sh.cassandra_rows("SELECT * FROM %s.%s WHERE id IN (%s)" % (
                KEYSPACE, TABLE, ", ".join(ids[k:k + 100])), timeout=120):
            rows[r["id"]] = r
    return rows


@pytest.fixture(scope="module")
def cluster():
    reason = sh.have_tools()
    if reason:
        pytest.skip(reason)
    for b in (AIRC, RANDOMUSER):
        if not os.access(b, os.X_OK):
            pytest.skip("%s is not built (make all)" % b)
    stack("down", "--single", timeout=300)
    t0 = time.monotonic()
    try:
        stack("up", "--cluster", timeout=UP_TIMEOUT)
        print("cluster up in %.0f s" % (time.monotonic() - t0))
        env = sh.stack_env()
        assert env["AIRC_STACK_PROFILE"] == "cluster"
        sh.cassandra_rows("DROP KEYSPACE IF EXISTS %s" % KEYSPACE, timeout=180)
        yield env
    finally:
        if os.environ.get("AIRC_E2E_CLUSTER_KEEP") != "1":  # 1: leave it up (while working on these tests)
            stack("down", timeout=600)


@pytest.fixture
def make_home(tmp_path, cluster, api_url):  # noqa: F811
    homes = []

    def make(topic, **kw):
        h = PipelineHome(tmp_path / ("home%d" % len(homes)), cluster, api_url,
                         pipeline_dag(topic, keyspace=KEYSPACE, **kw))
        homes.append(h)
        h.start_scheduler()
        return h

    yield make
    for h in homes:
        h.stop()


def assert_all_landed(h, run_id):
    """validate-cassandra's verdict, then independently: every id of the run
    is in the table (one query over the module's table), and a sample of 300
    users is equal field for field."""
    t = h.tis(run_id)
    raw, records = read_jsonl(t["fetch_users"]["xcom"]["path"])
    n = len(records)
    assert t["publish_kafka"]["xcom"]["delivered"] == n
    assert t["validate_cassandra"]["xcom"] == {"expected": n, "found": n, "missing": 0, "mismatched": 0}
    # the cluster profile's PostgreSQL sink, checked by validate_postgres and by psql
    assert t["validate_postgres"]["xcom"] == {"expected": n, "found": n, "missing": 0, "mismatched": 0}
    in_pg = {r[0] for r in sh.psql_rows(sh.stack_env()["AIRC__POSTGRES__URL"], "SELECT id FROM created_users",
                                        timeout=120)}
    missing = [r["id"] for r in records if r["id"] not in in_pg]
    assert not missing, "%d of %d users missing in PostgreSQL, e.g. %s" % (len(missing), n, missing[:3])
    present = {r["id"] for r in sh.cassandra_rows("SELECT id FROM %s.%s" % (KEYSPACE, TABLE), timeout=180)}
    missing = [r["id"] for r in records if r["id"] not in present]
    assert not missing, "%d of %d users missing in Cassandra, e.g. %s" % (len(missing), n, missing[:3])
    sample = records[:: max(1, n // 300)]
    rows = table_rows([r["id"] for r in sample])
    for r in sample:
        for f in FIELDS:
            assert rows[r["id"]][f] == r[f], (r["id"], f)
    return records


_RING_SCRIPT = r"""
import json, logging, sys
logging.disable(logging.CRITICAL)
from cassandra.cluster import Cluster, ExecutionProfile, EXEC_PROFILE_DEFAULT
from cassandra.policies import WhiteListRoundRobinPolicy
out = {}
for host in sys.argv[2:]:
    prof = ExecutionProfile(load_balancing_policy=WhiteListRoundRobinPolicy([host]))
    c = Cluster([host], port=int(sys.argv[1]), connect_timeout=10, execution_profiles={EXEC_PROFILE_DEFAULT: prof})
    try:
        s = c.connect()
        out[host] = sorted(str(r.peer) for r in s.execute("SELECT peer FROM system.peers", timeout=20))
    finally:
        c.shutdown()
print(json.dumps(out))
"""


def cassandra_ring(env):
    """{node: [peers it knows]} asking each node itself (driver pinned to it)."""
    host2 = os.environ.get("AIRC_STACK_CASSANDRA_HOST2", "127.0.0.2")
    p = subprocess.run([sh._cql_python(), "-c", _RING_SCRIPT, env["AIRC__CASSANDRA__PORT"],
                        env["AIRC__CASSANDRA__HOST"], host2], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


def test_cluster_shape(cluster):
    meta = kcat_meta(cluster, "users_created")
    assert sorted(b["id"] for b in meta["brokers"]) == [1, 2, 3]
    (topic,) = [t for t in meta["topics"] if t["topic"] == "users_created"]
    assert len(topic["partitions"]) == 3
    for p in topic["partitions"]:
        assert sorted(r["id"] for r in p["replicas"]) == [1, 2, 3], p
        assert sorted(r["id"] for r in p["isrs"]) == [1, 2, 3], p

    home = cluster["AIRC_STACK_HOME"]
    p = subprocess.run(["java", "-Dlog4j.configuration=file:%s/conf/kafka1/log4j.properties" % home,
                        "-cp", home + "/lib/kafka/*", "kafka.admin.ConfigCommand",
                        "--bootstrap-server", cluster["AIRC__KAFKA__BOOTSTRAP_SERVERS"],
                        "--entity-type", "topics", "--entity-name", "users_created", "--describe", "--all"],
                       capture_output=True, text=True, timeout=90)
    assert p.returncode == 0, p.stderr
    assert any(l.strip().startswith("min.insync.replicas=2 ") for l in p.stdout.splitlines()), p.stdout

    assert cluster["AIRC__SPARK__MASTER"].startswith("spark://127.0.0.1:")
    master = http_json(cluster["AIRC__SPARK__UI"] + "/json/")
    assert master["status"] == "ALIVE" and master["aliveworkers"] == 2, master
    assert all(w["cores"] == 1 for w in master["workers"] if w["state"] == "ALIVE")

    assert cassandra_ring(cluster) == {"127.0.0.1": ["127.0.0.2"], "127.0.0.2": ["127.0.0.1"]}

    st = subprocess.run([sh.STACK_SH, "status"], capture_output=True, text=True, timeout=120)
    assert st.returncode == 0, st.stdout + st.stderr
    for unit in ("kafka1", "kafka2", "kafka3", "cassandra1", "cassandra2", "spark-master",
                 "spark-worker1", "spark-worker2"):
        assert any(l.split()[:2] == [unit, "running"] for l in st.stdout.splitlines()), st.stdout


def test_pipeline_on_cluster_lands_every_user(make_home, cluster):
    before = {u: len(http_json(u + "/json/").get("finishedexecutors", [])) for u in worker_ui_urls()}
    h = make_home(sh.unique_name("e2e_cluster"))
    run_id = h.trigger()
    assert h.wait_run(run_id, RUN_TIMEOUT) == "success", h.explain(run_id)
    records = assert_all_landed(h, run_id)
    assert len(records) == 100
    # topic auto-created by publish-kafka with the cluster's settings
    px = h.tis(run_id)["publish_kafka"]["xcom"]
    assert sorted(px["partitions"]) == ["0", "1", "2"], px
    # the cluster profile publishes Avro through its schema registry
    assert cluster["AIRC__KAFKA__FORMAT"] == "avro" and px["format"] == "avro", px
    assert "--format avro" in h.logs(run_id, "trigger_stream_job")
    ks = sh.cassandra_rows("SELECT JSON replication FROM system_schema.keyspaces WHERE keyspace_name = %s",
                           [KEYSPACE])
    assert json.loads(ks[0]["[json]"])["replication"]["replication_factor"] == "2", ks
    assert "--master %s" % cluster["AIRC__SPARK__MASTER"] in h.logs(run_id, "trigger_stream_job")
    # the job's executors ran on both workers
    for u in worker_ui_urls():
        w = http_json(u + "/json/")
        assert len(w.get("finishedexecutors", [])) > before[u], (u, w)


def test_broker_killed_during_publish_delivers_everything(make_home, cluster):
    topic = sh.unique_name("e2e_cluster_kfault")
    # Made beforehand (3 x 3, min ISR 2 from the brokers' defaults), so that
    # publish-kafka's CreateTopics never races the kill (replication 3 cannot
    # be created with two brokers).
    p = subprocess.run(["kcat", "-b", cluster["AIRC__KAFKA__BOOTSTRAP_SERVERS"], "-L", "-t", topic,
                        "-X", "allow.auto.create.topics=true"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    wait_for(lambda: len(kcat_meta(cluster, topic)["topics"][0].get("partitions", [])) == 3, 30, "topic")
    h = make_home(topic, count=BIG)
    run_id = h.trigger()
    log = os.path.join(h.path, "logs", "dag_id=" + DAG, "run_id=" + run_id, "task_id=publish_kafka", "attempt=1.log")

    def produce_starting():
        try:
            with open(log, encoding="utf-8") as f:
                return "publishing to %s" % topic in f.read()
        except OSError:
            return False

    killed = None
    try:
        # The line (flushed) comes right before the topic check and the first
        # produce; the 20,000 take a quarter of a second, so the broker dies
        # as they start to go out, while the producer still has it as the
        # leader of one partition in three.
        wait_for(produce_starting, 300, "publish_kafka to start producing", 0.005)
        killed = pid_of(cluster, "kafka2")
        os.kill(killed, signal.SIGKILL)
        assert h.wait_run(run_id, RUN_TIMEOUT) == "success", h.explain(run_id)
    finally:
        if killed:
            stack("up", "--cluster", "kafka2", timeout=300)
    t = h.tis(run_id)
    # delivered in the try that saw the broker die (no task retry needed) ...
    assert t["publish_kafka"]["try_number"] == 1, h.explain(run_id)
    # ... and the death was felt: deliveries to the dead leader waited for
    # the new leader's election (a quarter of a second without a kill), or,
    # when the killed broker was the controller, the topic check waited for
    # a new controller and the election was over before the first produce
    logs = h.logs(run_id, "publish_kafka")
    m = re.search(r"%d/%d delivered to \S+ in ([0-9.]+)s" % (BIG, BIG), logs)
    assert m, logs
    assert float(m.group(1)) > 1.0 or "waiting for controller" in logs, logs
    records = assert_all_landed(h, run_id)
    assert len(records) == BIG


def _write_records(path, n):
    ids = []
    with open(path, "w") as f:
        for i in range(n):
            u = str(uuid.uuid4())
            ids.append(u)
            rec = {k: "%s-%d" % (k, i) for k in FIELDS}
            rec["id"] = u
            f.write("%s\t%s\n" % (u, json.dumps(rec)))
    return ids


def test_spark_worker_killed_during_stream_job(cluster, tmp_path):
    topic = sh.unique_name("e2e_cluster_sfault")
    table = "sfault_" + uuid.uuid4().hex[:8]
    data = tmp_path / "records.tsv"
    ids = _write_records(str(data), BIG)
    with open(data, "rb") as f:
        p = subprocess.run(["kcat", "-b", cluster["AIRC__KAFKA__BOOTSTRAP_SERVERS"], "-P", "-t", topic,
                            "-K", "\t", "-X", "acks=all"], stdin=f, capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr
    env = sh.spark_env()
    out = open(tmp_path / "job.log", "w")
    argv = [env["AIRC__SPARK__SPARK_SUBMIT"], "--master", env["AIRC__SPARK__MASTER"],
            "--jars", env["AIRC__SPARK__JARS"], env["AIRC__SPARK__JOB"],
            "--checkpoint", str(tmp_path / "ck"), "--topic", topic, "--keyspace", KEYSPACE, "--table", table,
            "--max-offsets-per-trigger", "2000", "--pg-table", table]
    job = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    killed = None
    try:
        wait_for(lambda: "spark_stream: batch=0 " in open(tmp_path / "job.log").read() or job.poll() is not None,
                 300, "the first micro-batch", 0.2)
        assert job.poll() is None, open(tmp_path / "job.log").read()[-4000:]
        killed = pid_of(cluster, "spark-worker1")
        os.kill(killed, signal.SIGKILL)
        rc = job.wait(RUN_TIMEOUT)
        log = open(tmp_path / "job.log").read()
        assert rc == 0, log[-4000:]
    finally:
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGKILL)
            job.wait(30)
        if killed:
            stack("up", "--cluster", "spark-worker1", timeout=300)
    assert "done mode=available_now" in log, log[-3000:]
    n = sh.cassandra_rows("SELECT count(*) AS n FROM %s.%s" % (KEYSPACE, table), timeout=180)[0]["n"]
    assert n == BIG
    # the PostgreSQL sink too: nothing lost, nothing doubled
    (pg_n, pg_d), = sh.psql_rows(env["AIRC__POSTGRES__URL"], "SELECT count(*), count(DISTINCT id) FROM %s" % table,
                                 timeout=120)
    assert (int(pg_n), int(pg_d)) == (BIG, BIG)
    rows = table_rows_in(table, ids[:: max(1, BIG // 500)])
    assert len(rows) == len(ids[:: max(1, BIG // 500)])


def table_rows_in(table, ids):
    rows = []
    for k in range(0, len(ids), 100):
        rows += sh.cassandra_rows("SELECT id FROM %s.%s WHERE id IN (%s)" % (
            KEYSPACE, table, ", ".join(ids[k:k + 100])), timeout=120)
    return rows


def test_second_cassandra_node_down_pipeline_lands(make_home, cluster):
    h = make_home(sh.unique_name("e2e_cluster_cfault"))
    stack("down", "cassandra2", timeout=300)
    try:
        st = subprocess.run([sh.STACK_SH, "status", "cassandra"], capture_output=True, text=True, timeout=60)
        assert st.returncode != 0 and any(l.split()[:2] == ["cassandra2", "stopped"] for l in st.stdout.splitlines())
        run_id = h.trigger()
        assert h.wait_run(run_id, RUN_TIMEOUT) == "success", h.explain(run_id)
        assert_all_landed(h, run_id)
    finally:
        stack("up", "--cluster", "cassandra2", timeout=400)


def test_one_profile_at_a_time_and_clear_errors(cluster):
    # the cluster is up: the single-node profile refuses to start beside it
    p = subprocess.run([sh.STACK_SH, "up", "--single", "kafka"], capture_output=True, text=True, timeout=60)
    assert p.returncode != 0
    assert "stack: error: the cluster profile is up in %s; run: %s down" % (
        cluster["AIRC_STACK_HOME"], sh.STACK_SH) in p.stderr, p.stderr
    p = subprocess.run([sh.STACK_SH, "down", "kafka9"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 1
    assert p.stderr.strip().splitlines()[-1].startswith(
        "stack: error: unknown component 'kafka9' (cluster profile: kafka cassandra spark registry postgres"), p.stderr
    # env without a flag follows the recorded profile
    assert sh.stack_env()["AIRC__SPARK__MASTER"].startswith("spark://")
