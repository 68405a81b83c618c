"""The PostgreSQL backend, end to end (run by `make test-pg`, skipped
without AIRC_TEST_PG): the schema is created only by `airc db init`, a
wrong URL, an unreachable server, a missing, older or newer schema is one
line and exit 1, the password is never shown, a run created twice is
refused by the database, and a scheduler whose connection is cut
(pg_terminate_backend, from psql) reconnects and finishes its run."""
import os
import subprocess
import time

import pytest

from conftest import ON_PG, PG_ADMIN, dag_ini, pg_database, wait_for

# the schema version this airc writes (PG_SCHEMA_VERSION, store/postgres/pg_driver.h)
SCHEMA = "15"

pytestmark = pytest.mark.skipif(not ON_PG, reason="needs AIRC_TEST_PG (make test-pg)")


def psql(url, sql):
    r = subprocess.run(["psql", "-X", "-q", "-t", "-A", url, "-c", sql], capture_output=True, text=True,
                       timeout=60, check=True)
    return r.stdout.strip()


def test_schema_only_from_db_init_and_one_line_errors(home):
    url = pg_database()
    home.env["AIRC__DATABASE__URL"] = url
    for args in (["db", "check"], ["dags", "list"]):
        r = home.run(*args)
        assert r.returncode == 1, r
        assert r.stderr.strip().count("\n") == 0
        assert "no airc schema in" in r.stderr and "run 'airc db init'" in r.stderr
    # the scheduler on an uninitialized database: the same line, exit 1
    r = subprocess.run([os.environ.get("AIRC_BIN", "bin/airc"), "scheduler"], env=home.env, capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 1 and "run 'airc db init'" in r.stderr
    assert psql(url, "SELECT count(*) FROM pg_tables WHERE schemaname='public'") == "0"  # nothing half-written
    r = home.run("db", "init", check=True)
    assert f"schema version {SCHEMA}" in r.stdout
    r = home.run("db", "check", check=True)
    assert "(postgres)" in r.stdout and "integrity: ok" in r.stdout
    assert psql(url, "SELECT version FROM airc_schema_version") == SCHEMA
    # newer than this airc
    psql(url, "UPDATE airc_schema_version SET version=99")
    r = home.run("dags", "list")
    assert r.returncode == 1 and f"schema version 99, newer than this airc ({SCHEMA})" in r.stderr
    # older: only `airc db upgrade` migrates a shared database
    psql(url, "UPDATE airc_schema_version SET version=7; DROP TABLE api_token; DROP TABLE connection; DROP TABLE variable;"
              " DROP TABLE dagrun_dataset_event; DROP TABLE dataset_dag_run_queue; DROP TABLE dataset_event;"
              " DROP TABLE dataset_ref; DROP TABLE dataset;"
              " ALTER TABLE task_instance DROP COLUMN map_index;"
              " DROP TABLE pool; DROP TABLE notification; DROP FUNCTION pool_usage_keep CASCADE; DROP TABLE pool_usage;"
              " ALTER TABLE task_instance DROP COLUMN pool, DROP COLUMN pool_slots;"
              " ALTER TABLE dag_run DROP COLUMN deadline_us, DROP COLUMN deadline_missed_us;"
              " DROP INDEX task_claim_done; ALTER TABLE task_claim DROP COLUMN log_path, DROP COLUMN continued_ti")
    r = home.run("dags", "list")
    assert r.returncode == 1 and f"older than this airc ({SCHEMA}): run 'airc db upgrade'" in r.stderr
    r = home.run("db", "upgrade", check=True)
    assert f"from schema version 7 to {SCHEMA}" in r.stdout
    assert psql(url, "SELECT count(*) FROM pg_tables WHERE tablename IN ('connection', 'variable', 'api_token', 'pool', 'notification')") == "5"
    # a broken trigger-kept count is what the integrity check finds
    psql(url, "INSERT INTO dag_run_count VALUES('ghost', 'queued', 3)")
    r = home.run("db", "check")
    assert r.returncode == 1 and "dag_run_count disagrees" in r.stdout


def test_bad_urls_and_the_password_is_masked(home):
    port = PG_ADMIN.rsplit(":", 1)[1].split("/")[0]
    cases = [
        ("postgresql://me:s3cret@127.0.0.1:1/nope", "cannot connect to store postgresql://me:***@127.0.0.1:1/nope"),
        (f"postgresql://postgres:s3cret@127.0.0.1:{port}/no_such_db", "database \"no_such_db\" does not exist"),
        ("postgresql://me:s3cret@127.0.0.1:notaport/x", "invalid integer value \"notaport\""),
        ("mysql://me:s3cret@h/x", "unsupported scheme"),
    ]
    for url, want in cases:
        home.env["AIRC__DATABASE__URL"] = url
        r = home.run("dags", "list")
        assert r.returncode == 1, (url, r)
        assert want in r.stderr, (url, r.stderr)
        assert "s3cret" not in r.stderr and r.stderr.strip().count("\n") == 0
    url = home.env["AIRC__DATABASE__URL"] = pg_database().replace("postgres@", "postgres:s3cret@")
    home.run("db", "init", check=True)
    r = home.run("db", "check", check=True)
    assert "postgres:***@" in r.stdout and "s3cret" not in r.stdout


def test_run_created_twice_is_refused_and_runs_finish_across_a_cut_connection(home):
    home.write_dag("d.ini", dag_ini("d", [("a", {"command": "sleep 2"}), ("b", {"command": "true", "upstream": "a"})]))
    home.reserialize()
    home.run("dags", "unpause", "d", check=True)
    home.run("dags", "trigger", "d", "--run-id", "r1", check=True)
    r = home.run("dags", "trigger", "d", "--run-id", "r1")
    assert r.returncode == 1 and "already" in r.stderr
    home.start_scheduler()
    wait_for(lambda: home.tis("d", "r1")["a"]["state"] == "running", 20, what="a running")
    url = home.env["AIRC__DATABASE__URL"]
    db = url.rsplit("/", 1)[1]
    # cut every connection of the scheduler to its database (a server restart, a network cut)
    n = psql(PG_ADMIN, f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname='{db}'"
                       " AND application_name='airc'")
    assert int(n) >= 1
    assert home.wait_run("d", "r1", 40) == "success"
    tis = home.tis("d", "r1")
    assert tis["a"]["state"] == "success" and tis["b"]["state"] == "success"
    assert home.procs[0].poll() is None  # the scheduler kept running
