"""Smoke test of the real stack: Kafka -> jobs/spark_stream.py -> Cassandra.

Brings the stack up (reusing it when already up), produces three records to a
fresh topic with kcat (two valid users, one malformed), runs the Spark job in
available_now mode, and checks Cassandra field for field, the dead-letter row,
and that neither a second run on the same checkpoint nor a full replay on a
fresh checkpoint duplicates anything.

It uses its own topic and keyspace (airc_smoke, dropped first), so it neither
sees nor disturbs the pipeline's spark_streams data. Leaves the stack running.
"""

import json
import os
import tempfile
import uuid

import pytest

import stack_helpers as sh

KEYSPACE = "airc_smoke"
FIELDS = ("id", "first_name", "last_name", "gender", "address", "post_code",
          "email", "username", "dob", "registered_date", "phone", "picture")


def _user(n):
    uid = str(uuid.uuid4())
    return {
        "id": uid, "first_name": "First%d" % n, "last_name": "Last%d" % n,
        "gender": "female" if n % 2 else "male",
        "address": "%d Main St, Springfield, Österreich" % n, "post_code": "10%03d" % n,
        "email": "user%d@example.com" % n, "username": "user%d_%s" % (n, uid[:4]),
        "dob": "1990-01-%02dT10:00:00.000Z" % n, "registered_date": "2015-05-%02dT08:00:00.000Z" % n,
        "phone": "(555) 010-%04d" % n, "picture": "https://randomuser.me/api/portraits/men/%d.jpg" % n,
    }


@pytest.fixture(scope="module")
def stack():
    reason = sh.have_tools()
    if reason:
        pytest.skip(reason)
    sh.stack_up()
    sh.cassandra_rows("DROP KEYSPACE IF EXISTS %s" % KEYSPACE, timeout=120)
    return sh.stack_env()


def _run_job(checkpoint, topic):
    p = sh.run_spark_job(checkpoint, ["--topic", topic, "--keyspace", KEYSPACE], timeout=300)
    assert p.returncode == 0, "spark job failed (exit %d)\n%s\n%s" % (
        p.returncode, p.stdout[-3000:], p.stderr[-3000:])
    done = [l for l in p.stdout.splitlines() if l.startswith("spark_stream: done")]
    assert done, "no summary line\n" + p.stdout[-3000:]
    return dict(kv.split("=", 1) for kv in done[-1].split()[2:])


def test_kafka_to_cassandra(stack):
    topic = sh.unique_name("smoke_users")
    users = [_user(1), _user(2)]
    malformed = '{"id": "%s", "first_name": ' % uuid.uuid4()   # truncated JSON
    sh.kcat_produce(topic, json.dumps(users[0]), key=users[0]["id"])
    sh.kcat_produce(topic, malformed)
    sh.kcat_produce(topic, json.dumps(users[1]), key=users[1]["id"], headers={"source": "smoke"})

    msgs = sh.kcat_consume(topic, timeout=30)
    assert [m[1] for m in msgs] == [json.dumps(users[0]), malformed, json.dumps(users[1])]
    assert msgs[2][2] == [("source", "smoke")]

    with tempfile.TemporaryDirectory(prefix="airc-smoke-ckpt-") as tmp:
        ckpt = os.path.join(tmp, "ckpt")
        summary = _run_job(ckpt, topic)
        assert summary["written"] == "2" and summary["dead_letter"] == "1", summary

        rows = sh.cassandra_rows("SELECT * FROM %s.created_users" % KEYSPACE)
        by_id = {r["id"]: r for r in rows}
        assert len(rows) == 2
        for u in users:
            row = by_id[u["id"]]
            for f in FIELDS:
                assert row[f] == u[f], "field %s of %s: %r != %r" % (f, u["id"], row[f], u[f])

        dead = sh.cassandra_rows("SELECT * FROM %s.created_users_dead_letter" % KEYSPACE)
        assert len(dead) == 1
        assert dead[0]["partition"] == 0 and dead[0]["offset"] == 1
        assert dead[0]["raw"] == malformed
        assert dead[0]["error"] == "not valid JSON"
        assert dead[0]["topic"] == topic

        # Same checkpoint: nothing new to read.
        again = _run_job(ckpt, topic)
        assert again["written"] == "0" and again["dead_letter"] == "0", again

    # Fresh checkpoint: the whole topic is replayed; upserts keep the counts.
    with tempfile.TemporaryDirectory(prefix="airc-smoke-ckpt-") as tmp:
        replay = _run_job(os.path.join(tmp, "ckpt"), topic)
        assert replay["written"] == "2" and replay["dead_letter"] == "1", replay
    assert sh.cassandra_rows("SELECT count(*) AS n FROM %s.created_users" % KEYSPACE)[0]["n"] == 2
    assert sh.cassandra_rows(
        "SELECT count(*) AS n FROM %s.created_users_dead_letter" % KEYSPACE)[0]["n"] == 1
