"""Notifications and deadlines (docs/authoring.md): on_failure, on_retry,
on_success, on_run_failure, on_run_success and on_deadline_miss reach a
local HTTP receiver as JSON, a local SMTP server (aiosmtpd) as e-mail and a
Slack-style incoming webhook (conn:NAME) as a text message; delivery runs
outside the scheduler's loop, so a dead endpoint does not slow a chain, and
is retried, then shown as failed with its error."""
import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import ROOT, dag_ini, wait_for


class Receiver:
    """A local HTTP endpoint that records every POST (path, JSON body)."""

    def __init__(self, status=200):
        self.got = []
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                outer.got.append((self.path, self.headers.get("Content-Type"), json.loads(body)))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d" % self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def events(self):
        return [b for _, _, b in self.got]

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


class Blackhole:
    """Accepts connections and never answers: a hung endpoint."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = "http://127.0.0.1:%d/hook" % self.sock.getsockname()[1]
        self.conns = []
        self.stop = False

        def loop():
            self.sock.settimeout(0.2)
            while not self.stop:
                try:
                    c, _ = self.sock.accept()
                    self.conns.append(c)
                except OSError:
                    pass

        threading.Thread(target=loop, daemon=True).start()

    def close(self):
        self.stop = True
        for c in self.conns:
            c.close()
        self.sock.close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def fast_delivery(home, attempts=5):
    home.env["AIRC__NOTIFICATIONS__POLL_INTERVAL_MS"] = "100"
    home.env["AIRC__NOTIFICATIONS__RETRY_DELAY"] = "1"
    home.env["AIRC__NOTIFICATIONS__MAX_ATTEMPTS"] = str(attempts)
    home.env["AIRC__NOTIFICATIONS__TIMEOUT"] = "2"


def test_task_and_run_events_post_json(home, receiver):
    fast_delivery(home)
    hook = receiver.url + "/hook"
    tasks = [("flaky", {"command": "echo 'disk full on /data'; exit 3", "retries": "1", "retry_delay": "1s",
                        "on_retry": hook}),
             ("ok", {"command": "true", "on_success": hook, "on_failure": ""})]
    home.write_dag("nt.ini", dag_ini("nt", tasks, on_failure=hook, on_run_failure=hook, on_run_success=hook))
    home.start_scheduler()
    wait_for(lambda: "nt" in home.run("dags", "list").stdout, 10)
    run = home.trigger("nt")
    assert home.wait_run("nt", run, 40) == "failed"
    wait_for(lambda: len(receiver.got) >= 4, 20, what="4 notifications")
    time.sleep(0.5)
    ev = {(e["event"], e["task_id"]): e for e in receiver.events()}
    assert set(ev) == {("on_retry", "flaky"), ("on_failure", "flaky"), ("on_success", "ok"), ("on_run_failure", None)}
    assert all(ct == "application/json" for _, ct, _ in receiver.got)
    f = ev[("on_failure", "flaky")]
    assert (f["dag_id"], f["run_id"], f["try_number"], f["state"]) == ("nt", run, 2, "failed")
    assert f["logical_date"].endswith("Z") and f["error"] == "exited with code 3: disk full on /data"
    assert f["log_url"].endswith("/api/v1/dags/nt/dagRuns/%s/taskInstances/flaky/logs/2" % run.replace(":", "%3A").replace("+", "%2B"))
    assert ev[("on_retry", "flaky")]["try_number"] == 1 and ev[("on_retry", "flaky")]["state"] == "up_for_retry"
    assert ev[("on_run_failure", None)]["state"] == "failed"
    # the outbox shows them as sent
    rows = home.json("notifications", "list", "--dag-id", "nt")
    assert len(rows) == 4 and all(r["state"] == "sent" and r["attempts"] == 1 for r in rows)


def test_email_through_smtp_and_a_slack_style_connection(home, receiver):
    site = subprocess.run([os.path.join(ROOT, "scripts", "aiosmtpd-venv.sh"), sys.executable],
                          capture_output=True, text=True, timeout=300)
    assert site.returncode == 0, site.stderr[-2000:]
    sys.path.insert(0, site.stdout.strip())
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    mails = []

    class Keep(Message):
        def handle_message(self, message):
            mails.append(message)

    with socket.socket() as s:  # a free port (the controller checks its server by connecting to it)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctl = Controller(Keep(), hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        fast_delivery(home)
        home.env["AIRC__NOTIFICATIONS__MAIL_FROM"] = "airc@test.example"
        # a Slack-style incoming webhook, and an e-mail connection
        home.run("connections", "add", "chat", "--conn-uri",
                 "slack://127.0.0.1:%d/services/T1?scheme=http" % receiver.srv.server_address[1], check=True)
        home.run("connections", "add", "mailer", "--conn-uri", "smtp://127.0.0.1:%d?to=oncall%%40test.example" % port,
                 check=True)
        tasks = [("boom", {"command": "echo 'bad input row 7' >&2; exit 1",
                           "on_failure": "smtp://127.0.0.1:%d/ops@test.example, conn:chat, conn:mailer" % port})]
        home.write_dag("ml.ini", dag_ini("ml", tasks))
        home.start_scheduler()
        wait_for(lambda: "ml" in home.run("dags", "list").stdout, 10)
        run = home.trigger("ml")
        assert home.wait_run("ml", run, 40) == "failed"
        wait_for(lambda: len(mails) >= 2 and receiver.got, 30, what="2 mails and a webhook")
        by_to = {m["To"]: m for m in mails}
        assert set(by_to) == {"ops@test.example", "oncall@test.example"}
        m = by_to["ops@test.example"]
        assert m["From"] == "airc@test.example"
        assert "boom" in m["Subject"] and "ml" in m["Subject"] and "failed" in m["Subject"]
        assert "bad input row 7" in m.get_payload()
        path, _, body = receiver.got[0]
        assert path == "/services/T1" and set(body) == {"text"}
        assert "task boom of DAG ml: failed" in body["text"] and "bad input row 7" in body["text"]
    finally:
        ctl.stop()


def chain_dag(home, dag, targets):
    tasks = []
    for i in range(6):
        keys = {"command": "true", "on_success": targets}
        if i:
            keys["upstream"] = f"t{i - 1}"
        tasks.append((f"t{i}", keys))
    home.write_dag(f"{dag}.ini", dag_ini(dag, tasks))


def run_seconds(home, dag):
    run = home.trigger(dag)
    t0 = time.monotonic()
    assert home.wait_run(dag, run, 60) == "success"
    return time.monotonic() - t0


def test_a_dead_endpoint_does_not_slow_a_chain_and_is_shown(home, receiver):
    fast_delivery(home, attempts=2)
    dead = Blackhole()
    try:
        chain_dag(home, "fast", receiver.url + "/ok")
        chain_dag(home, "slow", dead.url)
        home.start_scheduler()
        wait_for(lambda: "slow" in home.run("dags", "list").stdout and "fast" in home.run("dags", "list").stdout, 10)
        base = run_seconds(home, "fast")
        with_dead = run_seconds(home, "slow")
        # each hung attempt takes the 2 s timeout: six of them in the loop
        # would add 12 s; outside it they add nothing much
        assert with_dead < base * 2 + 3, (base, with_dead)
        # retried once, then shown as failed, with the error, and logged
        wait_for(lambda: len(home.json("notifications", "list", "--dag-id", "slow", "--state", "failed")) == 6, 60,
                 0.5, "the dead endpoint's notifications to fail")
        rows = home.json("notifications", "list", "--dag-id", "slow")
        assert all(r["attempts"] == 2 and "timed out" in r["last_error"] for r in rows), [(r["attempts"], r["last_error"]) for r in rows]
        assert home.scheduler_log_has("gave up after 2 attempts")
        assert len(receiver.got) == 6  # the live endpoint got each of its own
    finally:
        dead.close()


def test_deadline_miss_fires_once_for_a_late_run_only(home, receiver):
    fast_delivery(home)
    hook = receiver.url + "/late"
    home.write_dag("dl.ini", dag_ini("dl", [("slow", {"command": "sleep 14"})], deadline="2s", on_deadline_miss=hook))
    home.write_dag("dq.ini", dag_ini("dq", [("quick", {"command": "true"})], deadline="1h", on_deadline_miss=hook))
    home.start_scheduler()
    wait_for(lambda: "dl" in home.run("dags", "list").stdout and "dq" in home.run("dags", "list").stdout, 10)
    quick = home.trigger("dq")
    run = home.trigger("dl")
    assert home.wait_run("dq", quick, 30) == "success"
    wait_for(lambda: receiver.got, 30, 0.2, "on_deadline_miss")
    e = receiver.events()[0]
    assert (e["event"], e["dag_id"], e["run_id"], e["state"]) == ("on_deadline_miss", "dl", run, "running")
    assert e["deadline"].endswith("Z") and "deadline" in e["error"]
    assert home.wait_run("dl", run, 40) == "success"
    time.sleep(1)
    assert len(receiver.got) == 1  # once, and not for the quick run
    assert home.scheduler_log_has("missed its deadline")


def test_bad_targets_and_deadlines_are_import_errors(home):
    home.write_dag("b1.ini", dag_ini("b1", [("t", {"command": "true", "on_failure": "ftp://x/y"})]))
    home.write_dag("b2.ini", dag_ini("b2", [("t", {"command": "true"})], deadline="soon"))
    home.write_dag("b3.ini", dag_ini("b3", [("t", {"command": "true"})], on_run_failure="smtp://mail.example"))
    errs = home.import_errors(reparse=True)
    assert "b1.ini:7: task 't': on_failure: bad target 'ftp://x/y'" in errs["b1.ini"]
    assert "b2.ini:3: DAG 'b2': deadline: bad duration 'soon'" in errs["b2.ini"]
    assert "b3.ini:3: DAG 'b3': on_run_failure: bad target 'smtp://mail.example'" in errs["b3.ini"]
