"""Airflow's own Python client (apache-airflow-client 2.10 from PyPI) as a
real client of airc's API: every call for a feature airc has must succeed
AND deserialize with the client's strict type checks (required fields,
types, enums, nullability). The client is installed in a cached venv by
scripts/airflow-client-venv.sh (pip, once) and put on sys.path here.
Calls that airc answers with Airflow's refusal (get_config: 403 while
expose_config is off) are asserted as that refusal."""
import base64
import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, wait_for

_SITE = subprocess.run([os.path.join(ROOT, "scripts", "airflow-client-venv.sh"), sys.executable],
                       capture_output=True, text=True, timeout=300)
assert _SITE.returncode == 0, "cannot install apache-airflow-client: " + _SITE.stderr[-2000:]
sys.path.insert(0, _SITE.stdout.strip())

import airflow_client.client as ac  # noqa: E402
from airflow_client.client.api import (config_api, connection_api, dag_api, dag_run_api,  # noqa: E402
                                       event_log_api, import_error_api, monitoring_api, plugin_api,
                                       pool_api, task_instance_api, variable_api, x_com_api)
from airflow_client.client.model.connection import Connection  # noqa: E402
from airflow_client.client.model.dag import DAG  # noqa: E402
from airflow_client.client.model.dag_run import DAGRun  # noqa: E402
from airflow_client.client.model.variable import Variable  # noqa: E402


def client(server, user="admin"):
    cfg = ac.Configuration(host="http://127.0.0.1:%d/api/v1" % server.port,
                           username=user, password=server.users[user])
    return ac.ApiClient(cfg)


@pytest.fixture(scope="module")
def api(server):
    with client(server) as c:
        yield c


@pytest.fixture(scope="module")
def done_run(server, scheduler, api):
    """A successful run of 'hello' triggered through the client."""
    dag_api.DAGApi(api).patch_dag("hello", DAG(is_paused=False))
    runs = dag_run_api.DAGRunApi(api)
    run = runs.post_dag_run("hello", DAGRun(dag_run_id="client_run", conf={"k": "v"}))
    assert run.dag_run_id == "client_run" and run.conf == {"k": "v"}
    state = wait_for(lambda: (lambda s: s if s in ("success", "failed") else None)(
        runs.get_dag_run("hello", "client_run").state.value), timeout=60)
    assert state == "success", server.json("GET", "/api/v1/dags/hello/dagRuns/client_run/taskInstances")
    return run


def test_health_and_version(api):
    h = monitoring_api.MonitoringApi(api).get_health()
    assert h.metadatabase.status.value == "healthy"
    assert h.scheduler.status.value in ("healthy", "unhealthy")
    v = monitoring_api.MonitoringApi(api).get_version()
    assert v.version and isinstance(v.version, str)


def test_dags(api):
    dags = dag_api.DAGApi(api)
    col = dags.get_dags(limit=100)
    ids = [d.dag_id for d in col.dags]
    assert "hello" in ids and col.total_entries >= len(ids)
    d = dags.get_dag("hello")
    assert d.dag_id == "hello" and d.description == "say hello"
    assert d.schedule_interval["type"] == "CronExpression" and d.schedule_interval["value"] == "@daily"
    assert [t.name for t in d.tags] == ["demo", "web"]
    assert d.owners == ["airflow"] or isinstance(d.owners, list)
    unscheduled = dags.get_dag("slow")
    assert unscheduled.schedule_interval is None


def test_dag_details(api):
    d = dag_api.DAGApi(api).get_dag_details("hello")
    assert d.dag_id == "hello" and d.catchup in (True, False)
    assert d.start_date.year == 2026
    assert d.timezone == "UTC"
    assert d.params == {} or isinstance(d.params, dict)


def test_tasks(api):
    dags = dag_api.DAGApi(api)
    col = dags.get_tasks("hello")
    by_id = {t.task_id: t for t in col.tasks}
    assert sorted(by_id) == ["a", "b", "c"] and col.total_entries == 3
    assert by_id["b"].downstream_task_ids == ["c"]
    assert by_id["a"].retry_delay.days == 0 and by_id["a"].retry_delay.seconds >= 0
    assert by_id["a"].retry_delay["type"] == "TimeDelta"
    t = dags.get_task("hello", "b")
    assert t.task_id == "b" and t.trigger_rule.value == "all_success"
    assert t.operator_name == "shell"


def test_patch_dag(server, api):
    dags = dag_api.DAGApi(api)
    d = dags.patch_dag("page_1", DAG(is_paused=True))
    assert d.is_paused is True
    assert dags.get_dag("page_1").is_paused is True
    d = dags.patch_dag("page_1", DAG(is_paused=False), update_mask=["is_paused"])
    assert d.is_paused is False


def test_viewer_reads_but_cannot_act(server):
    with client(server, "viewer1") as c:
        assert dag_api.DAGApi(c).get_dag("hello").dag_id == "hello"
        with pytest.raises(ac.ApiException) as e:
            dag_api.DAGApi(c).patch_dag("hello", DAG(is_paused=True))
        assert e.value.status == 403
        assert "role" in json.loads(e.value.body)["detail"]


def test_runs_and_task_instances(api, done_run):
    runs = dag_run_api.DAGRunApi(api)
    col = runs.get_dag_runs("hello")
    assert "client_run" in [r.dag_run_id for r in col.dag_runs]
    r = runs.get_dag_run("hello", "client_run")
    assert r.state.value == "success" and r.run_type == "manual" and r.end_date is not None
    tis = task_instance_api.TaskInstanceApi(api)
    col = tis.get_task_instances("hello", "client_run")
    assert sorted(t.task_id for t in col.task_instances) == ["a", "b", "c"]
    assert all(t.state.value == "success" for t in col.task_instances)
    ti = tis.get_task_instance("hello", "client_run", "a")
    assert ti.try_number == 1 and ti.dag_run_id == "client_run" and ti.duration >= 0


LOG = "/api/v1/dags/hello/dagRuns/client_run/taskInstances/a/logs/1"


def test_logs(server, api, done_run):
    tis = task_instance_api.TaskInstanceApi(api)
    log = tis.get_log("hello", "client_run", "a", 1, full_content=True)
    assert "hello-from-a" in log.content
    assert isinstance(log.continuation_token, str)
    # the token continues from where the answer ended: nothing new after the end
    more = tis.get_log("hello", "client_run", "a", 1, token=log.continuation_token)
    assert more.content == ""
    # the token is Airflow's shape: base64url JSON with log_pos and end_of_log
    pos = json.loads(base64.urlsafe_b64decode(log.continuation_token + "=="))
    assert pos == {"log_pos": len(log.content.encode()), "end_of_log": True}
    tok = base64.urlsafe_b64encode(b'{"log_pos": 5}').decode().rstrip("=")
    assert tis.get_log("hello", "client_run", "a", 1, token=tok).content == log.content[5:]
    status, _, body = server.request("GET", LOG + "?token=nonsense", headers={"Accept": "application/json"})
    assert status == 400 and json.loads(body)["detail"] == "token is not a continuation_token given by this API"
    # text/plain when asked for it (and without an Accept header), as before
    for accept in ("text/plain", None):
        status, hdrs, body = server.request("GET", LOG, headers={"Accept": accept})
        assert status == 200 and hdrs["content-type"].startswith("text/plain") and b"hello-from-a" in body


def test_xcom(api, done_run):
    xc = x_com_api.XComApi(api)
    col = xc.get_xcom_entries("hello", "client_run", "a")
    assert col.total_entries == 1 and col.xcom_entries[0].key == "return_value"
    e = xc.get_xcom_entry("hello", "client_run", "a", "return_value")
    assert e.value == "xcom-a" or json.loads(e.value) == "xcom-a"
    col = xc.get_xcom_entries("hello", "client_run", "c")
    assert col.total_entries == 0
    with pytest.raises(ac.ApiException) as ex:
        xc.get_xcom_entry("hello", "client_run", "a", "other_key")
    assert ex.value.status == 404


def test_delete_dag_run(api):
    runs = dag_run_api.DAGRunApi(api)
    runs.post_dag_run("page_4", DAGRun(dag_run_id="to_delete"))
    runs.delete_dag_run("page_4", "to_delete")
    with pytest.raises(ac.ApiException) as e:
        runs.get_dag_run("page_4", "to_delete")
    assert e.value.status == 404


def test_import_errors(api):
    col = import_error_api.ImportErrorApi(api).get_import_errors()
    assert any("broken" in e.filename for e in col.import_errors)


def test_event_logs(server, api, done_run):
    dag_api.DAGApi(api).patch_dag("page_5", DAG(is_paused=True))
    col = event_log_api.EventLogApi(api).get_event_logs(limit=1000)
    events = [(e.event, e.dag_id, e.owner) for e in col.event_logs]
    assert ("trigger", "hello", "admin") in events
    assert ("paused", "page_5", "admin") in events
    trig = [e for e in col.event_logs if e.event == "trigger" and e.run_id == "client_run"][0]
    assert trig.when is not None and "127.0.0.1" in trig.extra
    one = event_log_api.EventLogApi(api).get_event_log(trig.event_log_id)
    assert one.event == "trigger"


def test_config_plugins_pools_variables_connections(api):
    with pytest.raises(ac.ApiException) as e:
        config_api.ConfigApi(api).get_config()
    assert e.value.status == 403 and "expose_config" in json.loads(e.value.body)["detail"]
    p = plugin_api.PluginApi(api).get_plugins()
    assert p.total_entries == len(p.plugins)
    pools = pool_api.PoolApi(api).get_pools()
    assert "default_pool" in [x.name for x in pools.pools] and pools.pools[0].slots > 0
    v = variable_api.VariableApi(api).get_variables()
    assert v.total_entries == len(v.variables)
    c = connection_api.ConnectionApi(api).get_connections()
    assert c.total_entries == len(c.connections)


def test_pools_round_trip_through_the_client(api):
    from airflow_client.client.model.pool import Pool
    pools = pool_api.PoolApi(api)
    made = pools.post_pool(Pool(name="client_pool", slots=3, description="three"))
    assert made.name == "client_pool" and made.slots == 3 and made.open_slots == 3 and made.occupied_slots == 0
    assert pools.patch_pool("client_pool", Pool(name="client_pool", slots=5)).slots == 5
    got = pools.get_pool("client_pool")
    assert got.slots == 5 and got.description == "three" and got.deferred_slots == 0
    assert "client_pool" in [p.name for p in pools.get_pools(limit=100).pools]
    pools.delete_pool("client_pool")
    with pytest.raises(ac.ApiException) as e:
        pools.get_pool("client_pool")
    assert e.value.status == 404
    with pytest.raises(ac.ApiException) as e:
        pools.delete_pool("default_pool")
    assert e.value.status == 400


def test_variables_and_connections_round_trip_masked(server, api):
    """Created through the API, read back through the client's models:
    the connection's password and the secret variable's value are ***."""
    server.json("POST", "/api/v1/variables", {"key": "client_secret_v", "value": "hush", "is_secret": True})
    vars_ = variable_api.VariableApi(api)
    made = vars_.post_variables(Variable(key="client_plain_v", value="first", description="d"))
    assert made.key == "client_plain_v" and made.value == "first"
    assert vars_.patch_variable("client_plain_v", Variable(key="client_plain_v", value="open")).value == "open"
    conns = connection_api.ConnectionApi(api)
    c = conns.post_connection(Connection(connection_id="client_conn", conn_type="postgres", host="db", port=5432,
                                         login="u", password="pw-xyz"))
    assert c.password == "***"
    col = vars_.get_variables(limit=100)
    assert col.total_entries >= 2 and {"client_secret_v", "client_plain_v"} <= {x.key for x in col.variables}
    one = vars_.get_variable("client_secret_v")
    assert one.key == "client_secret_v" and one.value == "***"
    assert vars_.get_variable("client_plain_v").value == "open"
    ccol = conns.get_connections(limit=100)
    item = [x for x in ccol.connections if x.connection_id == "client_conn"][0]
    assert item.conn_type == "postgres" and item.port == 5432 and item.host == "db"
    got = conns.get_connection("client_conn")
    assert got.password == "***" and got.login == "u" and got.extra == "{}"
    conns.delete_connection("client_conn")
    vars_.delete_variable("client_secret_v")
    vars_.delete_variable("client_plain_v")
    with pytest.raises(ac.ApiException) as e:
        conns.get_connection("client_conn")
    assert e.value.status == 404 and "not found" in json.loads(e.value.body)["detail"]


def test_new_routes_are_in_the_openapi_document(server):
    doc = server.json("GET", "/api/v1/openapi.json", user=None)
    paths = doc["paths"]
    run = "/dags/{dag_id}/dagRuns/{dag_run_id}"
    assert "delete" in paths[run]
    for p in ["/eventLogs", "/eventLogs/{event_log_id}", "/version", "/config", "/plugins", "/pools",
              "/pools/{pool_name}", "/variables", "/connections", run + "/taskInstances/{task_id}/xcomEntries",
              run + "/taskInstances/{task_id}/xcomEntries/{xcom_key}"]:
        assert p in paths, p
    assert doc["components"]["schemas"]["Task"]["properties"]["retry_delay"]["allOf"][0]["$ref"].endswith("/TimeDelta")


def test_event_log_filters_and_refusals(server, api):
    dag_api.DAGApi(api).patch_dag("page_6", DAG(is_paused=False))
    doc = server.json("GET", "/api/v1/eventLogs?dag_id=page_6&event=unpaused&order_by=-event_log_id")
    assert doc["total_entries"] >= 1 and all(e["dag_id"] == "page_6" for e in doc["event_logs"])
    extra = json.loads(doc["event_logs"][0]["extra"])
    assert extra["ip"] == "127.0.0.1" and extra["method"] == "PATCH"
    status, _, body = server.request("GET", "/api/v1/eventLogs?order_by=owner")
    assert status == 400 and json.loads(body)["detail"] == "order_by 'owner' is not one of [-]event_log_id, [-]when"
    status, _, body = server.request("GET", "/api/v1/eventLogs?after=yesterday")
    assert status == 400 and json.loads(body)["detail"] == "after 'yesterday' is not an ISO 8601 date"
    status, _, body = server.request("GET", "/api/v1/eventLogs/999999")
    assert status == 404 and json.loads(body)["detail"] == "event log 999999 not found"
    # a failed login is recorded under the name that was tried
    status, _, _ = server.request("POST", "/api/v1/auth/login", body={"username": "op1", "password": "wrong-pass"},
                                  user=None)
    assert status == 401
    doc = server.json("GET", "/api/v1/eventLogs?event=login_failed&owner=op1")
    assert doc["total_entries"] >= 1
    # viewers read the trail; deleting a run needs op, and a refusal says why in JSON
    assert server.json("GET", "/api/v1/eventLogs?limit=1", user="viewer1")["total_entries"] >= 1
    status, _, body = server.request("DELETE", "/api/v1/dags/page_6/dagRuns/nope", user="viewer1",
                                     headers={"Content-Type": None})
    assert status == 403 and "role" in json.loads(body)["detail"]
    status, _, body = server.request("DELETE", "/api/v1/dags/page_6/dagRuns/nope", headers={"Content-Type": None})
    assert status == 404 and json.loads(body)["detail"] == "DAG 'page_6' has no run 'nope'"
