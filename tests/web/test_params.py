"""Typed params: the DAG details show them in Airflow's Param shape, a
trigger's conf is checked against their schemas (API 400, CLI exit 2, one
line naming the key and the rule) and overrides them in templates."""
import json
import os
import signal
import subprocess

import pytest

from conftest import AIRC, run_cli, start_server, stop_server, wait_for

RUNS = "/api/v1/dags/typed/dagRuns"
TYPED = """[dag]
id = typed
params.count = 3
params.count.type = integer
params.count.minimum = 1
params.count.maximum = 10
params.count.description = how many rows
params.env = dev
params.env.enum = dev, prod
params.name = abc
params.name.pattern = ^[a-z]+$
params.plain = p

[task show]
type = shell
command = echo count={{ params.count }} env={{ params.env }} plain={{ params.plain }}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_server(tmp_path_factory)
    with open(os.path.join(srv.home, "dags", "typed.ini"), "w") as f:
        f.write(TYPED)
    assert run_cli(srv.home, "dags", "reserialize").returncode == 0
    yield srv
    stop_server(srv)


def test_details_show_params_with_schema(server):
    doc = server.json("GET", "/api/v1/dags/typed/details")
    p = doc["params"]
    assert p["count"] == {"__class": "airflow.models.param.Param", "value": 3, "description": "how many rows",
                          "schema": {"type": "integer", "minimum": 1, "maximum": 10, "description": "how many rows"}}
    assert p["env"]["schema"] == {"enum": ["dev", "prod"]} and p["env"]["value"] == "dev"
    assert p["plain"] == {"__class": "airflow.models.param.Param", "value": "p", "description": None, "schema": {}}


def test_api_trigger_checks_conf(server):
    for conf, detail in [({"count": 0}, "conf: 'count' must be an integer >= 1 and <= 10 (got 0)"),
                         ({"count": "5"}, "conf: 'count' must be an integer >= 1 and <= 10 (got \"5\")"),
                         ({"env": "test"}, "conf: 'env' must be one of \"dev\", \"prod\" (got \"test\")"),
                         ({"name": "A1"}, "conf: 'name' must match the pattern '^[a-z]+$' (got \"A1\")")]:
        status, _, body = server.request("POST", RUNS, body={"conf": conf})
        assert status == 400, (conf, status, body)
        assert json.loads(body)["detail"] == detail
    # keys without a schema pass as they are
    server.json("POST", RUNS, body={"dag_run_id": "ok1", "conf": {"count": 10, "other": [1]}}, expect=201)


def test_cli_trigger_checks_conf(server):
    r = run_cli(server.home, "dags", "trigger", "typed", "--conf", '{"count": 0}')
    assert r.returncode == 2, r
    assert r.stderr.strip().splitlines() == ["airc: error: conf: 'count' must be an integer >= 1 and <= 10 (got 0)"]
    r = run_cli(server.home, "dags", "trigger", "typed", "--conf", '{"count": 4}', "--run-id", "cli_ok")
    assert r.returncode == 0, r.stderr


def test_conf_overrides_params_in_templates(server):
    server.json("PATCH", "/api/v1/dags/typed", body={"is_paused": False})
    server.json("POST", RUNS, body={"dag_run_id": "over", "conf": {"count": 7, "env": "prod"}}, expect=201)
    env = dict(os.environ, AIRC_HOME=server.home)
    proc = subprocess.Popen([AIRC, "scheduler"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: server.json("GET", RUNS + "/over")["state"] in ("success", "failed"), timeout=60)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    assert server.json("GET", RUNS + "/over")["state"] == "success"
    body = server.request("GET", RUNS + "/over/taskInstances/show/logs/1?full_content=true")[2].decode()
    assert "count=7 env=prod plain=p" in body, body
