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
