"""Mapped task instances and sensors in the API: map_index (-1 for an
unmapped task, as Airflow), .../taskInstances/{task}/listMapped and
.../taskInstances/{task}/{map_index}, and the up_for_reschedule state."""
import os

import pytest

from conftest import run_cli, start_server, stop_server, wait_for, q

DAG = """[dag]
id = mapped
schedule = none

[task make]
type = shell
command = echo '["x", "y", "z"]' > "$AIRC_XCOM_OUT"

[task each]
type = shell
expand = xcom.make
group = fan
command = echo "item {{ item }}"; echo "\\"got {{ item }}\\"" > "$AIRC_XCOM_OUT"

[task wait]
type = sensor
sensor = file
path = /nonexistent/airc-web-test
poke_interval = 1s
timeout = 1h
mode = reschedule
"""


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = start_server(tmp_path_factory)
    with open(os.path.join(s.home, "dags", "mapped.ini"), "w") as f:
        f.write(DAG)
    assert run_cli(s.home, "dags", "reserialize").returncode == 0
    # a whole run without a scheduler; the sensor is still waiting when it is
    # stopped, so use `dags test` with a timeout on the mapped part only
    yield s
    stop_server(s)


def test_map_index_list_mapped_and_one_instance(srv):
    import signal
    import subprocess
    from conftest import AIRC
    env = dict(os.environ, AIRC_HOME=srv.home)
    proc = subprocess.Popen([AIRC, "scheduler"], env=env, stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(srv.home, "scheduler.err"), "w"))
    try:
        srv.json("PATCH", "/api/v1/dags/mapped", {"is_paused": False})
        srv.json("POST", "/api/v1/dags/mapped/dagRuns", {"dag_run_id": "r1"}, expect=201)
        base = "/api/v1/dags/mapped/dagRuns/r1/taskInstances"

        def each_done():
            doc = srv.json("GET", base + "/each/listMapped")
            return doc["total_entries"] == 3 and all(t["state"] == "success" for t in doc["task_instances"]) and doc
        doc = wait_for(each_done, 30)
        assert [t["map_index"] for t in doc["task_instances"]] == [0, 1, 2]
        assert [t["xcom_value"] for t in doc["task_instances"]] == ['"got x"', '"got y"', '"got z"']
        one = srv.json("GET", base + "/each/1")
        assert one["map_index"] == 1 and one["state"] == "success" and len(one["tries"]) == 1
        # each instance's log, by ?map_index= (Airflow's query parameter)
        status, _, body = srv.request("GET", base + "/each/logs/1?map_index=2")
        assert status == 200 and b"item z" in body and b"item x" not in body
        status, _, body = srv.request("GET", base + "/each/logs/1?map_index=9")
        assert status == 404 and b"has no instance 9 of task 'each'" in body
        # the mapped task as a whole is no single instance: a 404 that says where to look
        status, _, body = srv.request("GET", base + "/each")
        assert status == 404 and b"task 'each' is mapped (3 instances)" in body
        status, _, body = srv.request("GET", base + "/each/7")
        assert status == 404 and b"has no instance 7 of task 'each'" in body
        status, _, body = srv.request("GET", base + "/each/x")
        assert status == 400 and b"map_index must be a whole number" in body
        # unmapped tasks: map_index -1, listMapped empty
        assert srv.json("GET", base + "/make")["map_index"] == -1
        assert srv.json("GET", base + "/make/listMapped") == {"task_instances": [], "total_entries": 0}
        status, _, _ = srv.request("GET", base + "/nope/listMapped")
        assert status == 404
        # the sensor gives its slot back between pokes
        wait_for(lambda: srv.json("GET", base + "/wait")["state"] == "up_for_reschedule", 30)
        all_tis = srv.json("GET", base)["task_instances"]
        assert sorted((t["task_id"], t["map_index"]) for t in all_tis) == [
            ("each", 0), ("each", 1), ("each", 2), ("make", -1), ("wait", -1)]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)


def test_new_routes_in_openapi(srv):
    doc = srv.json("GET", "/api/v1/openapi.json", user=None)
    base = "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}"
    assert base + "/listMapped" in doc["paths"] and base + "/{map_index}" in doc["paths"]
    ti = doc["components"]["schemas"]["TaskInstance"]["properties"]
    assert ti["map_index"]["type"] == "integer"
    assert "up_for_reschedule" in ti["state"]["enum"]


def test_grid_and_tasks_show_mapping_and_groups(srv):
    """Runs after test_map_index_list_mapped_and_one_instance (same module):
    the grid sums a mapped task up in one cell with its instance count;
    /tasks says is_mapped and the group."""
    grid = srv.json("GET", "/api/v1/dags/mapped/grid")
    rows = {t["task_id"]: t for t in grid["tasks"]}
    assert rows["each"]["states"] == ["success"] and rows["each"]["map_counts"] == [3]
    assert "map_counts" not in rows["make"]
    tasks = {t["task_id"]: t for t in srv.json("GET", "/api/v1/dags/mapped/tasks")["tasks"]}
    assert tasks["each"]["is_mapped"] is True and tasks["each"]["task_group"] == "fan"
    assert tasks["make"]["is_mapped"] is False and tasks["make"]["task_group"] is None
