"""End-to-end: Avro values and schema evolution on the real stack.

Real Kafka, the real Apicurio Registry (`scripts/stack.sh up registry`), real
Spark and Cassandra; airc's tasks run with `airc tasks test` on a temporary
AIRC_HOME whose settings come from `scripts/stack.sh env` plus
AIRC__KAFKA__FORMAT=avro. What landed is checked with independent clients:
kcat for the raw Kafka values, fastavro (scripts/fastavro-venv.sh) decoding
them with the writer schema fetched over HTTP from the registry, and the
stack venv's cassandra-driver for the table.

  (a) v1 users (schemas/user.avsc), then v2 users (tests/fixtures/avro/
      user_v2.avsc: one optional field, default null) in one topic: each value
      is magic 0 + its schema's id + Avro binary that fastavro decodes to the
      published record; the subject is BACKWARD with versions [1, 2]; the
      Spark job (trigger-stream-job, format from [kafka] format) lands both
      sets in Cassandra field for field; a value with a bad magic byte goes to
      the dead letter table;
  (b) an incompatible v3 (an added required field) fails the task with one
      line naming the subject and the registry's reason; no message is added;
  (c) the registry down (a closed port, then the real component stopped):
      publish fails within a few seconds with one clear line, nothing is
      published. Runs last: restarting the in-memory registry forgets every
      schema.
"""

import base64
import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

import pytest

import stack_helpers as sh

REPO = sh.REPO
AIRC = os.environ.get("AIRC_BIN", os.path.join(REPO, "bin", "airc"))
KEYSPACE = "airc_e2e_avro"
TABLE = "created_users"
FIELDS = ("id", "first_name", "last_name", "gender", "address", "post_code",
          "email", "username", "dob", "registered_date", "phone", "picture")
V2 = os.path.join(REPO, "tests", "fixtures", "avro", "user_v2.avsc")
V3 = os.path.join(REPO, "tests", "fixtures", "avro", "user_v3_incompatible.avsc")
COMPONENTS = ["kafka", "cassandra", "spark", "postgres", "registry"]
SPARK_TIMEOUT = int(os.environ.get("AIRC_E2E_RUN_TIMEOUT", "480"))


def fastavro():
    site = subprocess.run([os.path.join(REPO, "scripts", "fastavro-venv.sh")], capture_output=True, text=True,
                          timeout=300, check=True).stdout.strip()
    if site not in sys.path:
        sys.path.insert(0, site)
    import fastavro as fa  # noqa: E402
    return fa


@pytest.fixture(scope="module")
def stack():
    reason = sh.have_tools()
    if reason:
        pytest.skip(reason)
    if not os.access(AIRC, os.X_OK):
        pytest.skip("%s is not built (make all)" % AIRC)
    sh.stack_up(COMPONENTS)
    sh.cassandra_rows("DROP KEYSPACE IF EXISTS %s" % KEYSPACE, timeout=180)
    env = sh.stack_env()
    assert env["AIRC__REGISTRY__URL"].endswith("/apis/ccompat/v7")
    return env


def users(n, nationality=False):
    """n JSON records of the pipeline's twelve string fields (non-ASCII
    included); with nationality, every other one carries the v2 field."""
    out = []
    for i in range(n):
        r = {f: "%s %d \u00e9\u4e2d" % (f, i) for f in FIELDS}
        r["id"] = str(uuid.uuid4())
        r["post_code"] = str(10000 + i)
        if nationality and i % 2 == 0:
            r["nationality"] = "FR"
        out.append(r)
    return out


class AvroHome:
    """An AIRC_HOME with one DAG of publish-kafka / trigger-stream-job tasks,
    run one at a time with `airc tasks test`."""

    def __init__(self, path, stack_env, topic):
        self.path = str(path)
        self.topic = topic
        os.makedirs(os.path.join(self.path, "dags"), exist_ok=True)
        self.env = dict(os.environ)
        self.env.update(stack_env)
        self.env.update(AIRC_HOME=self.path, AIRC__KAFKA__FORMAT="avro")

    def write_users(self, name, records):
        p = os.path.join(self.path, name)
        with open(p, "w", encoding="utf-8") as f:
            for r in records:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        return p

    def write_dag(self, tasks):
        """tasks: {task_id: {key: value}}."""
        lines = ["[dag]", "id = avro_e2e", "schedule = none", "start_date = 2024-01-01T00:00:00Z", ""]
        for tid, opts in tasks.items():
            lines.append("[task %s]" % tid)
            lines += ["%s = %s" % kv for kv in opts.items()]
            lines.append("")
        with open(os.path.join(self.path, "dags", "avro_e2e.ini"), "w") as f:
            f.write("\n".join(lines))
        self.airc("db", "init")
        self.airc("dags", "reserialize")

    def airc(self, *args, timeout=60):
        r = subprocess.run([AIRC, *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        assert r.returncode == 0, "airc %s -> %d\n%s\n%s" % (" ".join(args), r.returncode, r.stdout, r.stderr)
        return r

    def task(self, tid, timeout=120):
        """Runs one task; returns (exit code, stdout, stderr, seconds)."""
        t0 = time.monotonic()
        r = subprocess.run([AIRC, "tasks", "test", "avro_e2e", tid], env=self.env, capture_output=True,
                           text=True, timeout=timeout)
        return r.returncode, r.stdout, r.stderr, time.monotonic() - t0


def publish_task(home, path, **extra):
    d = {"type": "publish-kafka", "input": path, "topic": home.topic, "timeout": "30s"}
    d.update(extra)
    return d


def task_error_lines(stderr):
    """The task's own error lines (airc's [airc] footer and warnings left out)."""
    return [l for l in stderr.splitlines() if l.strip() and not l.startswith("[airc]") and
            not l.startswith("airc: warning")]


def raw_values(topic):
    """Every value of the topic, in offset order, as bytes (kcat's %R: a
    4-byte big-endian length before each payload, so binary survives)."""
    p = subprocess.run(["kcat", "-b", sh._bootstrap(), "-C", "-t", topic, "-o", "beginning", "-e", "-q",
                        "-f", "%R%s"], capture_output=True, timeout=60)
    if p.returncode != 0:
        err = p.stderr.decode("utf-8", "replace")
        if "Unknown topic" in err or "UNKNOWN_TOPIC" in err:
            return []
        raise AssertionError("kcat: %s" % err)
    out, b, i = [], p.stdout, 0
    while i < len(b):
        n = int.from_bytes(b[i:i + 4], "big", signed=True)
        i += 4
        out.append(b[i:i + n] if n >= 0 else None)
        i += max(n, 0)
    return out


def registry_get(url, path):
    with urllib.request.urlopen(url + path, timeout=10) as r:
        return json.loads(r.read().decode())


def free_closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def cassandra_users(ids):
    rows = []
    ids = [str(uuid.UUID(i)) for i in ids]
    for k in range(0, len(ids), 50):
        rows += sh.cassandra_rows("SELECT * FROM %s.%s WHERE id IN (%s)" % (
            KEYSPACE, TABLE, ", ".join(ids[k:k + 50])), timeout=120)
    return {r["id"]: r for r in rows}


def test_v1_then_v2_in_one_topic_decode_and_land(stack, tmp_path):
    topic = sh.unique_name("e2e_avro")
    url = stack["AIRC__REGISTRY__URL"]
    h = AvroHome(tmp_path / "home", stack, topic)
    v1, v2 = users(40), users(40, nationality=True)
    p1, p2 = h.write_users("v1.jsonl", v1), h.write_users("v2.jsonl", v2)
    pg = sh.postgres_database("airc_e2e_avro")  # the batch sink, a database of its own
    h.write_dag({
        # format comes from [kafka] format (AIRC__KAFKA__FORMAT=avro); schema: the built-in schemas/user.avsc
        "pub_v1": publish_task(h, p1),
        "pub_v2": publish_task(h, p2, format="avro", schema=V2),
        "stream": {"type": "trigger-stream-job", "topic": topic, "keyspace": KEYSPACE, "table": TABLE,
                   "mode": "available_now", "timeout": "%ds" % SPARK_TIMEOUT, "postgres_url": pg},
    })
    rc, out, err, _ = h.task("pub_v1")
    assert rc == 0, out + err
    assert "is id " in out and "under subject %s-value" % topic in out, out
    rc, out2, err, _ = h.task("pub_v2")
    assert rc == 0, out2 + err
    id1 = int(out.split("is id ")[1].split()[0])
    id2 = int(out2.split("is id ")[1].split()[0])
    assert id1 != id2
    xcom = json.loads((out2 + err).split("[airc] xcom: ")[1].splitlines()[0])
    assert xcom["format"] == "avro" and xcom["delivered"] == 40

    # the registry: the subject holds both versions, at BACKWARD
    subject = "%s-value" % topic
    assert registry_get(url, "/subjects/%s/versions" % subject) == [1, 2]
    assert registry_get(url, "/config/%s" % subject)["compatibilityLevel"] == "BACKWARD"

    # independent decode: kcat's raw bytes, the writer schema over HTTP, fastavro
    fa = fastavro()
    values = raw_values(topic)
    assert len(values) == 80
    schemas = {}
    for k, (value, rec) in enumerate(zip(values, v1 + v2)):
        assert value[0] == 0, "magic byte of message %d: %r" % (k, value[:5])
        sid = int.from_bytes(value[1:5], "big")
        assert sid == (id1 if k < 40 else id2)
        if sid not in schemas:
            schemas[sid] = fa.parse_schema(json.loads(registry_get(url, "/schemas/ids/%d" % sid)["schema"]))
        got = fa.schemaless_reader(io.BytesIO(value[5:]), schemas[sid])
        want = dict(rec)
        if k >= 40:
            want.setdefault("nationality", None)
        assert got == want, "message %d decodes to %r" % (k, got)
    # Avro is smaller than the JSON line of the same record
    assert sum(len(v) for v in values[:40]) < sum(len(json.dumps(r, ensure_ascii=False).encode()) for r in v1)

    # a value that is not in the wire format, and one whose schema id the
    # registry does not know, go to the dead letter table
    sh.kcat_produce(topic, b"\x07not avro", key="bad")
    sh.kcat_produce(topic, b"\x00\x7f\xff\xff\xf0\x02x", key="unknown")

    rc, out, err, secs = h.task("stream", timeout=SPARK_TIMEOUT + 60)
    assert rc == 0, out[-3000:] + err[-3000:]
    # the format and registry came from the settings ([kafka] format, [registry] url)
    assert " --format avro --registry-url %s" % url in out, out[:3000]
    assert "spark_stream: done mode=available_now" in out and "dead_letter=2" in out, out[-3000:]
    rows = cassandra_users([r["id"] for r in v1 + v2])
    assert len(rows) == 80, "%d of 80 users in Cassandra" % len(rows)
    for r in v1 + v2:
        for f in FIELDS:
            assert rows[r["id"]][f] == r[f], "user %s field %s" % (r["id"], f)
    # both versions land in the PostgreSQL sink too (psql), field for field
    cols = ", ".join(FIELDS)
    pg_rows = {r[0]: dict(zip(FIELDS, r)) for r in sh.psql_rows(pg, "SELECT %s FROM created_users" % cols)}
    assert len(pg_rows) == 80, "%d of 80 users in PostgreSQL" % len(pg_rows)
    for r in v1 + v2:
        for f in FIELDS:
            assert pg_rows[r["id"]][f] == r[f], "user %s field %s in PostgreSQL" % (r["id"], f)
    dead = sh.cassandra_rows("SELECT offset, raw, error FROM %s.%s_dead_letter WHERE partition = 0" % (
        KEYSPACE, TABLE), timeout=120)
    bad = {d["offset"]: d for d in dead}
    assert sorted(bad) == [80, 81], dead
    assert bad[80]["error"].startswith("not Avro in the Confluent wire format"), dead
    assert base64.b64decode(bad[80]["raw"]) == b"\x07not avro"
    assert bad[81]["error"] == "unknown schema id %d" % 0x7ffffff0, dead


def test_incompatible_schema_is_refused_before_anything_is_sent(stack, tmp_path):
    topic = sh.unique_name("e2e_avro_v3")
    h = AvroHome(tmp_path / "home", stack, topic)
    p = h.write_users("u.jsonl", users(5))
    h.write_dag({"pub_v1": publish_task(h, p), "pub_v3": publish_task(h, p, schema=V3)})
    rc, out, err, _ = h.task("pub_v1")
    assert rc == 0, out + err
    assert len(raw_values(topic)) == 5
    rc, out, err, _ = h.task("pub_v3")
    assert rc != 0
    lines = task_error_lines(err)
    assert len(lines) == 1, err
    assert lines[0].startswith("publish-kafka: schema registry refused the schema for subject %s-value "
                               "(HTTP 409, not BACKWARD compatible): Incompatible artifact" % topic), lines
    assert "age" in lines[0]
    assert len(raw_values(topic)) == 5  # nothing new
    assert registry_get(stack["AIRC__REGISTRY__URL"], "/subjects/%s-value/versions" % topic) == [1]


def test_registry_down_fails_fast_and_publishes_nothing(stack, tmp_path):
    topic = sh.unique_name("e2e_avro_down")
    h = AvroHome(tmp_path / "home", stack, topic)
    p = h.write_users("u.jsonl", users(5))
    closed = "http://127.0.0.1:%d/apis/ccompat/v7" % free_closed_port()
    h.write_dag({"pub_closed": publish_task(h, p, registry_url=closed), "pub": publish_task(h, p)})
    rc, out, err, secs = h.task("pub_closed")
    assert rc != 0 and secs < 10, (secs, err)
    lines = task_error_lines(err)
    assert len(lines) == 1 and lines[0].startswith("publish-kafka: schema registry at %s/config/%s-value did not answer"
                                                   % (closed, topic)), err
    assert raw_values(topic) == []

    # the real registry stopped: the stack's own URL, nothing listening
    try:
        sh.stack_down(["registry"])
        assert not sh.stack_status(["registry"])
        assert "AIRC__REGISTRY__URL" not in sh.stack_env()  # printed only while it runs
        rc, out, err, secs = h.task("pub")
        assert rc != 0 and secs < 10, (secs, err)
        lines = task_error_lines(err)
        assert len(lines) == 1 and "schema registry at %s" % stack["AIRC__REGISTRY__URL"] in lines[0] \
            and "did not answer" in lines[0], err
        assert raw_values(topic) == []
    finally:
        sh.stack_up(["registry"])
    assert sh.stack_status(["registry"]) and sh.stack_env()["AIRC__REGISTRY__URL"] == stack["AIRC__REGISTRY__URL"]
