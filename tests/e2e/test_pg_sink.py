"""The Spark job's PostgreSQL sink on the real stack, job run directly.

Three users (two countries) are produced with kcat to a fresh topic, then
jobs/spark_stream.py runs three times (available_now, fresh checkpoints):

  1. with no PostgreSQL URL: Cassandra is written, PostgreSQL skipped, and
     the job says so (a line, and `postgres=skipped` in its summary);
  2. into a fresh database whose watermark for the topic is set an hour
     ahead: every user lands in created_users, but their hourly windows are
     closed, so they are counted late and the aggregate stays empty;
  3. with the watermark removed: the replay adds no user (pg_new=0) and the
     aggregate gets one row per country with the right counts.

Checked with psql. Its own keyspace (airc_pgsink) and database
(airc_e2e_pgsink), dropped first. Leaves the stack running.
"""

import json
import os
import tempfile
import uuid

import pytest

import stack_helpers as sh

KEYSPACE = "airc_pgsink"
DATABASE = "airc_e2e_pgsink"


def _user(n, country):
    uid = str(uuid.uuid4())
    return {"id": uid, "first_name": "F%d" % n, "last_name": "L%d" % n, "gender": "female",
            "address": "%d Main St, Springfield, IL, %s" % (n, country), "post_code": "6270%d" % n,
            "email": "u%d@example.com" % n, "username": "u%d" % n, "dob": "1990-01-01T00:00:00.000Z",
            "registered_date": "2015-05-05T00:00:00.000Z", "phone": "555", "picture": "https://x/%d.jpg" % n}


@pytest.fixture(scope="module")
def stack():
    reason = sh.have_tools()
    if reason:
        pytest.skip(reason)
    sh.stack_up()
    sh.cassandra_rows("DROP KEYSPACE IF EXISTS %s" % KEYSPACE, timeout=120)
    return sh.postgres_database(DATABASE)


def _run(topic, pg_url):
    with tempfile.TemporaryDirectory(prefix="airc-pgsink-ckpt-") as tmp:
        p = sh.run_spark_job(os.path.join(tmp, "ckpt"), ["--topic", topic, "--keyspace", KEYSPACE],
                             timeout=400, env={"AIRC__POSTGRES__URL": pg_url})
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    done = [l for l in p.stdout.splitlines() if l.startswith("spark_stream: done")]
    assert done, p.stdout[-3000:]
    return p.stdout, dict(kv.split("=", 1) for kv in done[-1].split()[2:])


def test_skip_then_late_then_counted(stack):
    pg = stack
    topic = sh.unique_name("pgsink_users")
    users = [_user(1, "Norway"), _user(2, "Norway"), _user(3, "Brazil")]
    for u in users:
        sh.kcat_produce(topic, json.dumps(u), key=u["id"])

    # 1. no URL: Cassandra only, and the job says it skipped PostgreSQL
    out, summary = _run(topic, "")
    assert summary["written"] == "3" and summary["postgres"] == "skipped", summary
    assert "spark_stream: postgres: no URL (--postgres-url, [postgres] url): skipping the PostgreSQL sink" in out
    assert sh.psql_rows(pg, "SELECT to_regclass('created_users') IS NULL") == [["t"]]

    # 2. the watermark an hour ahead of every record: windows closed, users still land
    sh.psql_rows(pg, "CREATE TABLE stream_watermarks (name text PRIMARY KEY, max_event_time timestamptz NOT NULL, "
                     "updated_at timestamptz NOT NULL DEFAULT now())")
    sh.psql_rows(pg, "INSERT INTO stream_watermarks (name, max_event_time) VALUES ('%s:users_per_country_hour', "
                     "now() + interval '2 hours')" % topic)
    out, summary = _run(topic, pg)
    assert (summary["pg_new"], summary["pg_late"]) == ("3", "3"), summary
    assert "pg_upserted=3 pg_new=3 pg_late=3" in out
    rows = sh.psql_rows(pg, "SELECT id::text, address, created_at IS NOT NULL FROM created_users ORDER BY first_name")
    assert rows == [[u["id"], u["address"], "t"] for u in users]
    assert sh.psql_rows(pg, "SELECT count(*) FROM users_per_country_hour") == [["0"]]

    # 3. watermark gone: the replay adds no user and fills the open window
    sh.psql_rows(pg, "DELETE FROM stream_watermarks")
    out, summary = _run(topic, pg)
    assert (summary["pg_new"], summary["pg_late"]) == ("0", "0"), summary
    assert sh.psql_rows(pg, "SELECT count(*), count(DISTINCT id) FROM created_users") == [["3", "3"]]
    agg = sh.psql_rows(pg, "SELECT country, users, window_end - window_start = interval '1 hour', "
                           "window_start = date_trunc('hour', window_start) FROM users_per_country_hour "
                           "ORDER BY country")
    assert agg == [["Brazil", "1", "t", "t"], ["Norway", "2", "t", "t"]]
    # the watermark moved to the newest event time seen
    wm = sh.psql_rows(pg, "SELECT max_event_time = (SELECT max(created_at) FROM created_users) "
                          "FROM stream_watermarks WHERE name = '%s:users_per_country_hour'" % topic)
    assert wm == [["t"]]
