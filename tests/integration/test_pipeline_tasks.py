"""Pipeline task types through the real scheduler, without the big stack:
fetch-users against the project's randomuser-compatible server (run by
airc-task, the binary that links libcurl), and publish-kafka's clear
failure against a dead broker."""
import json
import os
import socket
import subprocess

import pytest

from conftest import AIRC, dag_ini

SERVER = os.path.join(os.path.dirname(AIRC), "randomuser-server")


@pytest.fixture
def randomuser():
    p = subprocess.Popen([SERVER, "--port", "0"], stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    assert line.startswith("listening on http://127.0.0.1:"), line
    yield line.split()[-1]  # ".../api/"
    p.terminate()
    p.wait(10)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_fetch_users_runs_in_airc_task_and_hands_its_file_on(home, randomuser):
    home.write_dag("fu.ini", dag_ini("fu", [
        ("fetch", {"type": "fetch-users", "url": randomuser, "count": "250", "results": "100",
                   "seed": "abc", "nat": "us,gb,tr"}),
        ("count", {"command": "wc -l < {{ xcom.fetch.path }}", "upstream": "fetch"}),
    ]))
    home.start_scheduler()
    run = home.trigger("fu")
    assert home.wait_run("fu", run, 60) == "success"
    x = home.tis("fu", run)["fetch"]["xcom"]
    assert x["records"] == 250 and x["rejected"] == 0
    assert x["path"] == os.path.join(home.path, "data", "fu", run, "fetch.jsonl")
    rows = [json.loads(l) for l in open(x["path"], encoding="utf-8")]
    assert len(rows) == 250 and len({r["id"] for r in rows}) == 250
    assert set(rows[0]) == {"id", "first_name", "last_name", "gender", "address", "post_code", "email",
                            "username", "dob", "registered_date", "phone", "picture"}
    assert all(isinstance(r["post_code"], str) for r in rows)
    assert "250" in home.run("tasks", "logs", "fu", run, "count", check=True).stdout
    # the same seed gives the same users on a retry or replay
    run2 = home.trigger("fu")
    assert home.wait_run("fu", run2, 60) == "success"
    rows2 = [json.loads(l) for l in open(home.tis("fu", run2)["fetch"]["xcom"]["path"], encoding="utf-8")]
    assert [r["id"] for r in rows2] == [r["id"] for r in rows]


def test_publish_kafka_to_a_dead_broker_fails_with_a_clear_error(home, randomuser):
    port = free_port()
    home.write_dag("pk.ini", dag_ini("pk", [
        ("fetch", {"type": "fetch-users", "url": randomuser, "count": "5"}),
        ("publish", {"type": "publish-kafka", "bootstrap_servers": f"127.0.0.1:{port}", "timeout": "3s",
                     "upstream": "fetch"}),
    ]))
    home.start_scheduler()
    run = home.trigger("pk")
    assert home.wait_run("pk", run, 60) == "failed"
    t = home.tis("pk", run)["publish"]
    assert t["state"] == "failed"
    log = home.run("tasks", "logs", "pk", run, "publish", check=True).stdout
    # one line naming the broker and the reason (it fails at topic creation)
    line = [l for l in log.splitlines() if l.startswith("publish-kafka:") and "127.0.0.1" in l][-1]
    assert f"users_created at 127.0.0.1:{port}" in line and "Connection refused" in line


def test_pipeline_dag_file_errors_name_the_field(home):
    home.write_dag("bad.ini", dag_ini("bad", [("f", {"type": "fetch-users", "results": "9000"})]))
    errs = home.import_errors(reparse=True)
    assert "task 'f': results:" in errs["bad.ini"] and "5000" in errs["bad.ini"]


def test_publish_kafka_avro_format_errors_are_one_line(home, randomuser):
    """format = avro: a DAG with an unknown format is refused at parse time;
    no registry configured, a registry on a closed port, and a registry that
    answers 409 each fail the task with one line before any broker is
    contacted (the broker here is a closed port too: its error never shows).
    The 409 comes from a small fake registry over real HTTP (libcurl)."""
    import http.server
    import threading

    home.write_dag("fmt.ini", dag_ini("fmt", [("p", {"type": "publish-kafka", "format": "xml", "input": "/x"})]))
    errs = home.import_errors(reparse=True)
    assert "task 'p': format:" in errs["fmt.ini"] and "must be json or avro, not 'xml'" in errs["fmt.ini"]
    os.unlink(os.path.join(home.path, "dags", "fmt.ini"))

    seen = []

    class Registry(http.server.BaseHTTPRequestHandler):
        def _answer(self, code, body):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_PUT(self):
            seen.append(("PUT", self.path, self.rfile.read(int(self.headers["Content-Length"]))))
            self._answer(200, {"compatibility": "BACKWARD"})

        def do_POST(self):
            seen.append(("POST", self.path, self.rfile.read(int(self.headers["Content-Length"]))))
            self._answer(409, {"error_code": 409, "message": "io.apicurio.registry.rules.RuleViolationException: "
                                                            "Incompatible artifact: age at /fields/13\nstack"})

        def log_message(self, *a):
            pass

    srv = http.server.HTTPServer(("127.0.0.1", 0), Registry)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        broker = f"127.0.0.1:{free_port()}"
        closed = f"http://127.0.0.1:{free_port()}/apis/ccompat/v7"
        fake = f"http://127.0.0.1:{srv.server_address[1]}/apis/ccompat/v7"
        common = {"type": "publish-kafka", "format": "avro", "bootstrap_servers": broker, "timeout": "20s",
                  "upstream": "fetch", "topic": "users_v"}
        home.write_dag("av.ini", dag_ini("av", [
            ("fetch", {"type": "fetch-users", "url": randomuser, "count": "3"}),
            ("no_registry", dict(common)),
            ("closed", dict(common, registry_url=closed)),
            ("refused", dict(common, registry_url=fake)),
        ]))
        home.start_scheduler()
        run = home.trigger("av")
        assert home.wait_run("av", run, 60) == "failed"
        want = {
            "no_registry": "publish-kafka: format avro needs a schema registry: set option 'registry_url' or "
                           "[registry] url (AIRC__REGISTRY__URL)",
            "closed": f"publish-kafka: schema registry at {closed}/config/users_v-value did not answer: ",
            "refused": "publish-kafka: schema registry refused the schema for subject users_v-value (HTTP 409, "
                       "not BACKWARD compatible): Incompatible artifact: age at /fields/13",
        }
        for tid, prefix in want.items():
            assert home.tis("av", run)[tid]["state"] == "failed"
            log = home.run("tasks", "logs", "av", run, tid, check=True).stdout
            lines = [l for l in log.splitlines() if l.startswith("publish-kafka:")]
            assert len(lines) == 1 and lines[0].startswith(prefix), log
            assert broker not in log  # the producer was never started
        # the fake saw the level set, then the registration of the built-in schema
        assert [(m, p) for m, p, _ in seen] == [("PUT", "/apis/ccompat/v7/config/users_v-value"),
                                                ("POST", "/apis/ccompat/v7/subjects/users_v-value/versions")]
        assert json.loads(seen[0][2]) == {"compatibility": "BACKWARD"}
        schema = json.loads(json.loads(seen[1][2])["schema"])
        assert schema["name"] == "User" and [f["name"] for f in schema["fields"]][:2] == ["id", "first_name"]
    finally:
        srv.shutdown()


def test_cluster_settings_are_the_tasks_defaults(home, randomuser):
    """[cassandra] consistency (the cluster profile's `stack.sh env` sets ONE)
    is validate-cassandra's default: a bad one is named in one line before
    any connection. ([kafka] partitions / replication_factor as publish-kafka's
    defaults are checked on the real cluster, tests/e2e/test_cluster.py.)"""
    port = free_port()
    home.env.update(AIRC__CASSANDRA__CONSISTENCY="SOMETIMES")
    home.write_dag("cs.ini", dag_ini("cs", [
        ("fetch", {"type": "fetch-users", "url": randomuser, "count": "5"}),
        ("validate", {"type": "validate-cassandra", "port": str(port), "timeout": "3s", "upstream": "fetch"}),
    ]))
    home.start_scheduler()
    run = home.trigger("cs")
    assert home.wait_run("cs", run, 60) == "failed"
    log = home.run("tasks", "logs", "cs", run, "validate", check=True).stdout
    assert "validate-cassandra: option 'consistency': 'SOMETIMES' is not a consistency level" in log, log
