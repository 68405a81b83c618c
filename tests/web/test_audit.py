"""The audit trail of the command line and its retention: every mutating
CLI action appears in GET /api/v1/eventLogs with owner "cli:<login name>"
and extra {"source": "cli"}; the scheduler's sweep deletes rows older than
[core] audit_retention_days and keeps the others."""
import getpass
import json
import os
import pwd
import signal
import sqlite3
import subprocess
import time

from conftest import AIRC, run_cli, wait_for

OWNER = "cli:" + pwd.getpwuid(os.getuid()).pw_name


def cli_ok(server, *args, stdin=None):
    r = run_cli(server.home, *args, stdin=stdin)
    assert r.returncode == 0, (args, r.stderr)
    return r


def events(server, **params):
    qs = "&".join("%s=%s" % kv for kv in params.items())
    return server.json("GET", "/api/v1/eventLogs?limit=100&" + qs)["event_logs"]


def test_cli_actions_are_recorded(server):
    assert getpass.getuser()  # the login name the CLI records
    out = cli_ok(server, "dags", "trigger", "hello", "--run-id", "audit_run", "--output", "json").stdout
    assert json.loads(out)["run_id"] == "audit_run"
    cli_ok(server, "tasks", "clear", "hello", "audit_run", "--yes")
    tasks = json.loads(cli_ok(server, "tasks", "list", "hello", "--output", "json").stdout)
    task = tasks[0]["task_id"] if isinstance(tasks[0], dict) else tasks[0]
    cli_ok(server, "tasks", "mark", "hello", "audit_run", task, "--state", "success")
    cli_ok(server, "dags", "pause", "page_3")
    cli_ok(server, "dags", "unpause", "--pattern", "^page_[45]$", "--yes")
    cli_ok(server, "dags", "pause", "--pattern", "^page_[45]$", "--yes")
    cli_ok(server, "variables", "set", "audit_key", "v1")
    cli_ok(server, "variables", "delete", "audit_key")
    cli_ok(server, "connections", "add", "audit_conn", "--conn-uri", "postgres://u:p@h:5432/db")
    cli_ok(server, "connections", "delete", "audit_conn")
    cli_ok(server, "users", "create", "--username", "audit_u", "--role", "viewer", "--password-stdin",
           stdin="a-long-password-1\n")
    cli_ok(server, "users", "set-password", "--username", "audit_u", "--password-stdin", stdin="a-long-password-2\n")
    cli_ok(server, "users", "tokens", "create", "audit_u", "--name", "t1")
    cli_ok(server, "users", "tokens", "revoke", "audit_u", "t1")
    cli_ok(server, "users", "delete", "--username", "audit_u")

    rows = events(server, owner=OWNER)
    assert rows and all(json.loads(e["extra"])["source"] == "cli" for e in rows)
    seen = {(e["event"], e["dag_id"], e["run_id"], e["task_id"]) for e in rows}
    assert ("trigger", "hello", "audit_run", None) in seen
    assert ("clear", "hello", "audit_run", None) in seen
    assert ("mark", "hello", "audit_run", task) in seen
    assert ("paused", "page_3", None, None) in seen
    # bulk: a row per DAG, saying it was a bulk change
    bulk = [e for e in rows if e["event"] == "paused" and e["dag_id"] in ("page_4", "page_5")]
    assert {e["dag_id"] for e in bulk} == {"page_4", "page_5"}
    assert all(json.loads(e["extra"])["bulk"] == "^page_[45]$" for e in bulk)
    names = [e["event"] for e in rows]
    for ev in ["unpaused", "variable_set", "variable_delete", "connection_add", "connection_delete",
               "user_create", "user_password", "token_create", "token_revoke", "user_delete"]:
        assert ev in names, ev
    tok = next(e for e in rows if e["event"] == "token_create")
    assert json.loads(tok["extra"]) == {"username": "audit_u", "name": "t1", "source": "cli"}
    mark = next(e for e in rows if e["event"] == "mark")
    assert json.loads(mark["extra"])["new_state"] == "success"
    # a failed command records nothing
    r = run_cli(server.home, "dags", "pause", "no_such_dag")
    assert r.returncode == 1
    assert not events(server, owner=OWNER, dag_id="no_such_dag")


def test_cli_delete_and_backfill_are_recorded(server):
    cli_ok(server, "dags", "backfill", "hello", "--start-date", "2026-01-01", "--end-date", "2026-01-02")
    cli_ok(server, "dags", "delete", "page_6", "--yes")
    rows = events(server, owner=OWNER)
    bf = [e for e in rows if e["event"] == "backfill" and e["dag_id"] == "hello"]
    assert bf and json.loads(bf[0]["extra"])["from_date"] == "2026-01-01"
    assert any(e["event"] == "delete_dag" and e["dag_id"] == "page_6" for e in rows)


def test_audit_store_error_is_a_warning_not_a_failure(server, tmp_path):
    # a store whose event_log table is gone: the action succeeds, one warning line
    import shutil
    home = str(tmp_path)
    shutil.copytree(os.path.join(server.home, "dags"), os.path.join(home, "dags"))
    assert run_cli(home, "dags", "reserialize").returncode == 0
    db = sqlite3.connect(os.path.join(home, "airc.db"))
    db.execute("DROP TABLE event_log")
    db.commit()
    db.close()
    r = run_cli(home, "dags", "pause", "hello")
    assert r.returncode == 0, r.stderr
    assert "DAG hello is paused" in r.stdout
    assert r.stderr.startswith("airc: warning: audit trail: event 'paused' not recorded: "), r.stderr
    assert r.stderr.count("\n") == 1


def test_retention_deletes_old_rows(server):
    day_us = 86400 * 1000000
    now_us = int(time.time() * 1000000)
    db = sqlite3.connect(os.path.join(server.home, "airc.db"), timeout=10)
    for i, age in enumerate([200, 120, 30]):
        db.execute("INSERT INTO event_log(when_us, event, owner, dag_id) VALUES(?,?,?,?)",
                   (now_us - age * day_us, "retention_probe", "probe", "age_%d" % age))
    db.commit()
    db.close()
    assert len(events(server, event="retention_probe")) == 3
    env = dict(os.environ, AIRC_HOME=server.home, AIRC__CORE__AUDIT_RETENTION_DAYS="90")
    err = open(os.path.join(server.home, "scheduler-retention.err"), "w")
    proc = subprocess.Popen([AIRC, "scheduler"], env=env, stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_for(lambda: len(events(server, event="retention_probe")) == 1, timeout=30)
        assert [e["dag_id"] for e in events(server, event="retention_probe")] == ["age_30"]
        # the CLI rows of this module are recent: kept
        assert events(server, owner=OWNER)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert "deleted 2 event log rows older than 90 days" in open(os.path.join(server.home, "scheduler-retention.err")).read()
