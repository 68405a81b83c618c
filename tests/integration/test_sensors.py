"""Sensors the scheduler pokes itself (no process per poke): file, http
(a real local HTTP server), external_task, sql (PostgreSQL, under
scripts/pg-test.sh); timeout and soft_fail; mode = reschedule giving the
slot back between pokes (up_for_reschedule)."""
import http.server
import os
import subprocess
import threading
import time

import pytest

from conftest import ON_PG, PG_ADMIN, dag_ini, wait_for


def states(home, dag, run):
    return {(r["task_id"], r["map_index"]): r for r in home.json("tasks", "states-for-dag-run", dag, run)}


def known(home, dag):
    wait_for(lambda: dag in home.run("dags", "list").stdout, 10, what=f"DAG {dag} known")


class Server:
    """A local HTTP server whose answer the test changes: status, and a
    delay before answering."""

    def __init__(self):
        self.status = 503
        self.delay = 0.0
        self.hits = 0
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.hits += 1
                time.sleep(outer.delay)
                self.send_response(outer.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/ready"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def test_file_sensor_in_reschedule_mode_frees_its_slot(home, tmp_path):
    """max_active_tasks = 1: while the sensor waits (up_for_reschedule, no
    slot) another task of the DAG runs, and that task makes the file the
    sensor waits for."""
    flag = tmp_path / "flag"
    home.write_dag("f.ini", dag_ini("f", [
        ("wait", {"type": "sensor", "sensor": "file", "path": str(tmp_path / "fl*"), "poke_interval": "1s",
                  "timeout": "30s", "mode": "reschedule"}),
        ("maker", {"command": f"sleep 1; touch {flag}"}),
        ("after", {"upstream": "wait", "command": "true"}),
    ], max_active_tasks="1"))
    home.start_scheduler()
    known(home, "f")
    run = home.trigger("f")
    wait_for(lambda: states(home, "f", run)[("wait", -1)]["state"] == "up_for_reschedule", 10,
             what="sensor up_for_reschedule")
    assert home.wait_run("f", run) == "success"
    st = states(home, "f", run)
    assert st[("wait", -1)]["state"] == "success"
    assert st[("wait", -1)]["try_number"] == 1  # its pokes are one try
    assert st[("maker", -1)]["end_date"] <= st[("wait", -1)]["end_date"]
    log = open(os.path.join(home.path, "logs", "dag_id=f", f"run_id={run}", "task_id=wait", "attempt=1.log")).read()
    assert "no file matches" in log and f"first {flag}" in log and "sensor condition met: success" in log


def test_http_sensor_pokes_a_real_server_until_the_status_matches(home, server):
    home.write_dag("h.ini", dag_ini("h", [
        ("up", {"type": "sensor", "sensor": "http", "url": server.url, "expected_status": "204",
                "poke_interval": "1s", "timeout": "30s"}),
    ]))
    home.start_scheduler()
    known(home, "h")
    run = home.trigger("h")
    wait_for(lambda: server.hits >= 2, 10, what="two pokes")
    assert states(home, "h", run)[("up", -1)]["state"] == "running"  # mode poke: holds its slot
    server.status = 204
    assert home.wait_run("h", run) == "success"
    log = open(os.path.join(home.path, "logs", "dag_id=h", f"run_id={run}", "task_id=up", "attempt=1.log")).read()
    assert f"GET {server.url}: status 503 (waiting for 204)" in log


def mapped(pid, soname):
    with open(f"/proc/{pid}/maps") as f:
        return any(line.rstrip().endswith(soname) or f"/{soname}" in line for line in f)


def test_the_scheduler_maps_libcurl_and_libpq_only_once_it_uses_them(home, server):
    """libcurl and libpq are dlopen'ed on first use (executor/sensor_poke.c,
    store/pq_lazy.h) so that an idle scheduler stays small: none is mapped
    until an http sensor pokes (libpq: until a PostgreSQL store or sql
    sensor connects); the http poke then loads libcurl in-process."""
    server.status = 200
    home.write_dag("h.ini", dag_ini("h", [
        ("up", {"type": "sensor", "sensor": "http", "url": server.url, "poke_interval": "1s", "timeout": "30s"}),
    ]))
    home.write_dag("s.ini", dag_ini("s", [("a", {"command": "true"})]))
    p = home.start_scheduler()
    known(home, "h")
    known(home, "s")
    assert home.wait_run("s", home.trigger("s")) == "success"
    assert not mapped(p.pid, "libcurl.so.4")
    if not ON_PG:
        assert not mapped(p.pid, "libpq.so.5")
    run = home.trigger("h")
    assert home.wait_run("h", run) == "success"
    assert server.hits >= 1
    assert mapped(p.pid, "libcurl.so.4")


def test_a_slow_http_poke_does_not_block_the_scheduler(home, server):
    """The server takes 4 s to answer: meanwhile a chain of three shell tasks
    of another DAG runs to the end (the scheduler loop keeps going)."""
    server.delay = 4
    server.status = 200
    home.write_dag("slow.ini", dag_ini("slow", [
        ("up", {"type": "sensor", "sensor": "http", "url": server.url, "poke_interval": "1s", "timeout": "60s"}),
    ]))
    home.write_dag("quick.ini", dag_ini("quick", [("a", {"command": "true"}), ("b", {"command": "true", "upstream": "a"}),
                                                  ("c", {"command": "true", "upstream": "b"})]))
    home.start_scheduler()
    known(home, "slow")
    known(home, "quick")
    slow = home.trigger("slow")
    wait_for(lambda: server.hits >= 1, 10, what="the slow poke")
    t0 = time.time()
    quick = home.trigger("quick")
    assert home.wait_run("quick", quick, timeout=10) == "success"
    assert time.time() - t0 < 3.5
    assert home.run_state("slow", slow) == "running"
    assert home.wait_run("slow", slow) == "success"


def test_timeout_fails_and_soft_fail_skips(home):
    home.write_dag("t.ini", dag_ini("t", [
        ("hard", {"type": "sensor", "sensor": "file", "path": "/nonexistent/airc-never", "poke_interval": "1s",
                  "timeout": "2s"}),
        ("soft", {"type": "sensor", "sensor": "file", "path": "/nonexistent/airc-never", "poke_interval": "1s",
                  "timeout": "2s", "soft_fail": "true", "mode": "reschedule"}),
        ("after_soft", {"upstream": "soft", "command": "true"}),
    ]))
    home.start_scheduler()
    known(home, "t")
    run = home.trigger("t")
    assert home.wait_run("t", run) == "failed"
    st = states(home, "t", run)
    assert st[("hard", -1)]["state"] == "failed"
    assert st[("hard", -1)]["note"] == "sensor timed out after 2s"
    assert st[("soft", -1)]["state"] == "skipped"
    assert st[("soft", -1)]["note"] == "sensor timed out after 2s: soft_fail, skipped"
    assert st[("after_soft", -1)]["state"] == "skipped"


def test_external_task_sensor_waits_for_another_dags_task(home, tmp_path):
    """Both DAGs run for the same logical date; the sensor succeeds once
    the other DAG's task has."""
    go = tmp_path / "go"
    home.write_dag("prod.ini", dag_ini("prod", [("load", {"command": f"while [ ! -e {go} ]; do sleep 0.1; done"})]))
    home.write_dag("cons.ini", dag_ini("cons", [
        ("wait", {"type": "sensor", "sensor": "external_task", "external_dag_id": "prod",
                  "external_task_id": "load", "poke_interval": "1s", "timeout": "30s", "mode": "reschedule"}),
    ]))
    home.start_scheduler()
    known(home, "prod")
    known(home, "cons")
    date = "2026-03-01T00:00:00Z"
    prod = home.trigger("prod", "--logical-date", date)
    cons = home.trigger("cons", "--logical-date", date)
    wait_for(lambda: states(home, "cons", cons)[("wait", -1)]["state"] == "up_for_reschedule", 10, what="waiting")
    time.sleep(1.5)
    assert home.run_state("cons", cons) == "running"
    go.touch()
    assert home.wait_run("prod", prod) == "success"
    assert home.wait_run("cons", cons) == "success"


def test_a_poking_sensor_survives_a_scheduler_restart(home, tmp_path):
    """mode = poke, running in a scheduler that stops: the next scheduler
    continues the same try (no zombie failure)."""
    flag = tmp_path / "later"
    home.write_dag("r.ini", dag_ini("r", [
        ("wait", {"type": "sensor", "sensor": "file", "path": str(flag), "poke_interval": "1s", "timeout": "60s"}),
    ]))
    home.start_scheduler()
    known(home, "r")
    run = home.trigger("r")
    wait_for(lambda: states(home, "r", run)[("wait", -1)]["state"] == "running", 10, what="sensor running")
    assert home.stop() == []
    home.start_scheduler()
    flag.touch()
    assert home.wait_run("r", run) == "success"
    st = states(home, "r", run)[("wait", -1)]
    assert st["state"] == "success" and st["try_number"] == 1


@pytest.mark.skipif(not ON_PG, reason="needs PostgreSQL: run under scripts/pg-test.sh")
def test_sql_sensor_on_a_postgres_connection(home):
    name = f"airc_sensor_{os.getpid()}"
    subprocess.run(["psql", "-q", "-X", PG_ADMIN, "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    subprocess.run(["psql", "-q", "-X", url, "-c", "CREATE TABLE ready(ok boolean)"], check=True, capture_output=True)
    home.run("connections", "add", "wh", "--conn-uri", url, check=True)
    home.write_dag("q.ini", dag_ini("q", [
        ("wait", {"type": "sensor", "sensor": "sql", "conn": "wh", "sql": "SELECT ok FROM ready LIMIT 1",
                  "poke_interval": "1s", "timeout": "30s", "mode": "reschedule"}),
        ("bad", {"type": "sensor", "sensor": "sql", "conn": "wh", "sql": "SELECT nope FROM nowhere",
                 "poke_interval": "1s", "timeout": "2s", "soft_fail": "true"}),
    ]))
    home.start_scheduler()
    known(home, "q")
    run = home.trigger("q")
    wait_for(lambda: states(home, "q", run)[("bad", -1)]["state"] == "skipped", 15, what="bad sql skipped")
    assert states(home, "q", run)[("wait", -1)]["state"] in ("up_for_reschedule", "queued", "running")
    subprocess.run(["psql", "-q", "-X", url, "-c", "INSERT INTO ready VALUES (false)"], check=True, capture_output=True)
    time.sleep(2)
    assert states(home, "q", run)[("wait", -1)]["state"] != "success"  # false is not true
    subprocess.run(["psql", "-q", "-X", url, "-c", "UPDATE ready SET ok = true"], check=True, capture_output=True)
    assert home.wait_run("q", run) == "success"
    log = open(os.path.join(home.path, "logs", "dag_id=q", f"run_id={run}", "task_id=bad", "attempt=1.log")).read()
    assert 'sql sensor: ERROR:  relation "nowhere" does not exist' in log
