"""Control of live work over the API (issue 10 part 1): marking a RUNNING
task instance stops its process group (SIGTERM, SIGKILL after the grace
period) and its late result is ignored; PATCH/DELETE of runs; DELETE of a
DAG whose file brings it back paused; backfills with progress and cancel;
notes. The real binary, a real scheduler; every wait bounded."""
import json
import os
import time

import pytest

from conftest import run_cli, start_server, stop_server, wait_for, q, AIRC

GRACE = 2

EXTRA_DAGS = {
    # the task writes its process group id, then sleeps (with a child of its own)
    "sleeper.ini": """[dag]
id = sleeper

[task nap]
type = shell
command = cut -d' ' -f5 /proc/$$/stat > "$AIRC_HOME/pgid-$AIRC_RUN_ID"; sleep 60 & sleep 60; wait

[task after]
type = shell
command = echo after
upstream = nap
""",
    "bf.ini": """[dag]
id = bf
schedule = @daily
start_date = 2025-01-01
end_date = 2025-01-10
catchup = false

[task t]
type = shell
command = true
""",
}


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = start_server(tmp_path_factory, config="[core]\nkill_grace_period = %d\n" % GRACE)
    for name, text in EXTRA_DAGS.items():
        with open(os.path.join(s.home, "dags", name), "w") as f:
            f.write(text)
    assert run_cli(s.home, "dags", "list").returncode == 0
    yield s
    stop_server(s)


@pytest.fixture(scope="module")
def sched(srv):
    import signal
    import subprocess
    env = dict(os.environ, AIRC_HOME=srv.home)
    proc = subprocess.Popen([AIRC, "scheduler"], env=env, stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(srv.home, "scheduler.err"), "w"))
    yield proc
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def unpause(srv, dag):
    srv.json("PATCH", "/api/v1/dags/%s" % dag, {"is_paused": False})


def trigger(srv, dag, run_id):
    return srv.json("POST", "/api/v1/dags/%s/dagRuns" % dag, {"dag_run_id": run_id}, expect=201)


def ti(srv, dag, run, task):
    return srv.json("GET", "/api/v1/dags/%s/dagRuns/%s/taskInstances/%s" % (dag, q(run), task))


def group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def running_pgid(srv, run):
    """Waits until the sleeper's nap task runs and returns its process group."""
    path = os.path.join(srv.home, "pgid-" + run)
    wait_for(lambda: ti(srv, "sleeper", run, "nap")["state"] == "running" and os.path.exists(path)
             and open(path).read().strip(), timeout=30)
    pgid = int(open(path).read().strip())
    assert group_alive(pgid)
    return pgid


def test_mark_running_task_failed_stops_its_process_group(srv, sched):
    unpause(srv, "sleeper")
    trigger(srv, "sleeper", "mark1")
    pgid = running_pgid(srv, "mark1")
    # a viewer may not; the refusal is JSON with a reason
    st, _, body = srv.request("PATCH", "/api/v1/dags/sleeper/dagRuns/mark1/taskInstances/nap",
                              {"new_state": "failed"}, user="viewer1")
    assert st == 403 and json.loads(body)["detail"]
    t0 = time.time()
    out = srv.json("PATCH", "/api/v1/dags/sleeper/dagRuns/mark1/taskInstances/nap", {"new_state": "failed"},
                   user="op1")
    assert out["state"] == "failed"
    wait_for(lambda: not group_alive(pgid), timeout=GRACE + 2, interval=0.05)
    assert time.time() - t0 <= GRACE + 2
    # the try's own (late) result does not overwrite the state the user chose
    time.sleep(1.5)
    got = ti(srv, "sleeper", "mark1", "nap")
    assert got["state"] == "failed"
    assert got["tries"][-1]["state"] == "failed" and "stopped" in got["tries"][-1]["note"]
    wait_for(lambda: ti(srv, "sleeper", "mark1", "after")["state"] == "upstream_failed")
    wait_for(lambda: srv.json("GET", "/api/v1/dags/sleeper/dagRuns/mark1")["state"] == "failed")
    log = open(os.path.join(srv.home, "logs", "dag_id=sleeper", "run_id=mark1", "task_id=nap",
                            "attempt=1.log")).read()
    assert "stopped on request" in log


def test_mark_running_task_success_lets_downstream_run(srv, sched):
    unpause(srv, "sleeper")
    trigger(srv, "sleeper", "mark2")
    pgid = running_pgid(srv, "mark2")
    srv.json("PATCH", "/api/v1/dags/sleeper/dagRuns/mark2/taskInstances/nap", {"new_state": "success"}, user="op1")
    wait_for(lambda: not group_alive(pgid), timeout=GRACE + 2, interval=0.05)
    wait_for(lambda: srv.json("GET", "/api/v1/dags/sleeper/dagRuns/mark2")["state"] == "success")
    assert ti(srv, "sleeper", "mark2", "nap")["state"] == "success"


def test_run_patch_states(srv, sched):
    unpause(srv, "sleeper")
    trigger(srv, "sleeper", "rp1")
    pgid = running_pgid(srv, "rp1")
    st, _, body = srv.request("PATCH", "/api/v1/dags/sleeper/dagRuns/rp1", {"state": "paused"}, user="op1")
    assert st == 400 and "success" in json.loads(body)["detail"]
    st, _, body = srv.request("PATCH", "/api/v1/dags/sleeper/dagRuns/rp1", {"state": "failed"}, user="viewer1")
    assert st == 403
    st, _, body = srv.request("PATCH", "/api/v1/dags/sleeper/dagRuns/nope", {"state": "failed"}, user="op1")
    assert st == 404 and "nope" in json.loads(body)["detail"]
    out = srv.json("PATCH", "/api/v1/dags/sleeper/dagRuns/rp1", {"state": "failed"}, user="op1")
    assert out["state"] == "failed" and out["dag_run_id"] == "rp1"
    wait_for(lambda: not group_alive(pgid), timeout=GRACE + 2, interval=0.05)
    assert ti(srv, "sleeper", "rp1", "nap")["state"] == "failed"      # was running
    assert ti(srv, "sleeper", "rp1", "after")["state"] == "skipped"   # was not started
    # success marks every task success
    out = srv.json("PATCH", "/api/v1/dags/sleeper/dagRuns/rp1", {"state": "success"}, user="op1")
    assert out["state"] == "success"
    assert ti(srv, "sleeper", "rp1", "after")["state"] == "success"
    # queued re-queues the run: the scheduler evaluates it again (its tasks are finished)
    before = srv.json("GET", "/api/v1/dags/sleeper/dagRuns/rp1")["queued_at"]
    out = srv.json("PATCH", "/api/v1/dags/sleeper/dagRuns/rp1", {"state": "queued"}, user="op1")
    # the scheduler may have finished it again before the reply was read: the
    # re-queue shows in queued_at
    assert out["queued_at"] > before
    assert out["state"] == "success" or (out["state"] in ("queued", "running") and out["end_date"] is None)
    wait_for(lambda: srv.json("GET", "/api/v1/dags/sleeper/dagRuns/rp1")["state"] == "success")


def test_run_delete(srv, sched):
    unpause(srv, "sleeper")
    trigger(srv, "sleeper", "del1")
    pgid = running_pgid(srv, "del1")
    st, _, _ = srv.request("DELETE", "/api/v1/dags/sleeper/dagRuns/del1", user="viewer1")
    assert st == 403
    st, _, body = srv.request("DELETE", "/api/v1/dags/sleeper/dagRuns/del1?delete_logs=maybe", user="op1")
    assert st == 400 and "delete_logs" in json.loads(body)["detail"]
    st, _, body = srv.request("DELETE", "/api/v1/dags/sleeper/dagRuns/del1", user="op1")
    assert st == 204 and body == b""
    wait_for(lambda: not group_alive(pgid), timeout=GRACE + 2, interval=0.05)
    st, _, body = srv.request("GET", "/api/v1/dags/sleeper/dagRuns/del1")
    assert st == 404
    logdir = os.path.join(srv.home, "logs", "dag_id=sleeper", "run_id=del1")
    assert os.path.isdir(logdir)  # logs stay by default
    st, _, _ = srv.request("DELETE", "/api/v1/dags/sleeper/dagRuns/del1", user="op1")
    assert st == 404
    # with delete_logs=true the run's log folder goes too
    srv.json("PATCH", "/api/v1/dags/sleeper/dagRuns/mark2/setNote", {"note": "x"}, user="op1")
    st, _, _ = srv.request("DELETE", "/api/v1/dags/sleeper/dagRuns/mark2?delete_logs=true", user="op1")
    assert st == 204
    assert not os.path.exists(os.path.join(srv.home, "logs", "dag_id=sleeper", "run_id=mark2"))
    assert os.path.isdir(logdir)


def test_notes(srv, sched):
    run = "mark1"
    st, _, _ = srv.request("PATCH", "/api/v1/dags/sleeper/dagRuns/%s/setNote" % run, {"note": "hi"}, user="viewer1")
    assert st == 403
    out = srv.json("PATCH", "/api/v1/dags/sleeper/dagRuns/%s/setNote" % run, {"note": "looked at it"}, user="op1")
    assert out["note"] == "looked at it"
    assert srv.json("GET", "/api/v1/dags/sleeper/dagRuns/%s" % run)["note"] == "looked at it"
    out = srv.json("PATCH", "/api/v1/dags/sleeper/dagRuns/%s/taskInstances/nap/setNote" % run,
                   {"note": "killed by hand"}, user="op1")
    assert out["note"] == "killed by hand" and out["state"] == "failed"
    st, _, body = srv.request("PATCH", "/api/v1/dags/sleeper/dagRuns/%s/setNote" % run, {"note": "x" * 1001},
                              user="op1")
    assert st == 400 and "at most 1000" in json.loads(body)["detail"]
    st, _, body = srv.request("PATCH", "/api/v1/dags/sleeper/dagRuns/%s/setNote" % run, {"text": "x"}, user="op1")
    assert st == 400 and "unknown field 'text'" in json.loads(body)["detail"]
    st, _, body = srv.request("PATCH", "/api/v1/dags/sleeper/dagRuns/%s/taskInstances/zz/setNote" % run,
                              {"note": "x"}, user="op1")
    assert st == 404 and "zz" in json.loads(body)["detail"]
    out = srv.json("PATCH", "/api/v1/dags/sleeper/dagRuns/%s/setNote" % run, {"note": None}, user="op1")
    assert out["note"] is None


def test_backfill_progress_and_cancel(srv, sched):
    body = {"dag_id": "bf", "from_date": "2025-01-01T00:00:00Z", "to_date": "2025-01-03T00:00:00Z",
            "reprocess_behavior": "none", "max_active_runs": 1}
    st, _, out = srv.request("POST", "/api/v1/backfills", body, user="viewer1")
    assert st == 403
    st, _, out = srv.request("POST", "/api/v1/backfills", dict(body, reprocess_behavior="all"), user="op1")
    assert st == 400 and "reprocess_behavior" in json.loads(out)["detail"]
    st, _, out = srv.request("POST", "/api/v1/backfills", dict(body, from_date="yesterday"), user="op1")
    assert st == 400 and "from_date" in json.loads(out)["detail"]
    st, _, out = srv.request("POST", "/api/v1/backfills", dict(body, dag_id="nope"), user="op1")
    assert st == 404
    dry = srv.json("POST", "/api/v1/backfills", dict(body, dry_run=True), user="op1")
    assert dry["total_entries"] == 3 and [b["action"] for b in dry["backfills"]] == ["create"] * 3
    assert dry["backfills"][0]["logical_date"].startswith("2025-01-01T00:00:00")
    assert srv.json("GET", "/api/v1/backfills?dag_id=bf")["total_entries"] == 0  # a dry run writes nothing
    unpause(srv, "bf")
    b = srv.json("POST", "/api/v1/backfills", body, user="op1")
    assert b["dag_id"] == "bf" and b["max_active_runs"] == 1 and b["runs"]["total"] == 3
    bid = b["id"]
    done = wait_for(lambda: (lambda x: x if x["completed_at"] else None)(srv.json("GET", "/api/v1/backfills/%d" % bid)),
                    timeout=60)
    assert done["runs"]["success"] == 3 and done["runs"]["queued"] == 0
    # max_active_runs=1: the backfill's runs never overlapped
    runs = [r for r in srv.json("GET", "/api/v1/dags/bf/dagRuns?limit=100")["dag_runs"] if r["run_type"] == "backfill"]
    spans = sorted((r["start_date"], r["end_date"]) for r in runs)
    assert len(spans) == 3 and all(spans[i][1] <= spans[i + 1][0] for i in range(2))
    st, _, out = srv.request("PUT", "/api/v1/backfills/%d/cancel" % bid, user="op1")
    assert st == 409 and "complete" in json.loads(out)["detail"]
    # a paused DAG's backfill stays queued: cancel fails its queued runs
    b2 = srv.json("POST", "/api/v1/backfills", dict(body, dag_id="hello", from_date="2026-01-01T00:00:00Z",
                                                    to_date="2026-01-02T00:00:00Z"), user="op1")
    assert b2["runs"]["queued"] == 2 and b2["completed_at"] is None
    assert srv.json("PUT", "/api/v1/backfills/%d/pause" % b2["id"], user="op1")["is_paused"] is True
    c = srv.json("PUT", "/api/v1/backfills/%d/cancel" % b2["id"], user="op1")
    assert c["canceled_at"] and c["completed_at"] and c["runs"]["failed"] == 2 and c["runs"]["queued"] == 0
    st, _, out = srv.request("POST", "/api/v1/backfills/%d/cancel" % b2["id"], user="op1")
    assert st == 409 and "canceled already" in json.loads(out)["detail"]
    st, _, out = srv.request("GET", "/api/v1/backfills/999999")
    assert st == 404 and "999999" in json.loads(out)["detail"]
    lst = srv.json("GET", "/api/v1/backfills", user="viewer1")
    assert [x["id"] for x in lst["backfills"]][:2] == [b2["id"], bid]


def test_dag_delete_comes_back_paused(srv, sched):
    unpause(srv, "failing")
    trigger(srv, "failing", "f1")
    wait_for(lambda: srv.json("GET", "/api/v1/dags/failing/dagRuns/f1")["state"] == "failed")
    assert srv.json("GET", "/api/v1/dags/failing")["is_paused"] is False
    st, _, _ = srv.request("DELETE", "/api/v1/dags/failing", user="viewer1")
    assert st == 403
    st, _, body = srv.request("DELETE", "/api/v1/dags/failing?delete_logs=true", user="op1")
    assert st == 204, body
    assert not os.path.exists(os.path.join(srv.home, "logs", "dag_id=failing"))
    # the file is still in the folder: the scheduler brings it back as a new, paused DAG without history
    def back():
        st, _, body = srv.request("GET", "/api/v1/dags/failing")
        return st == 200 and json.loads(body)
    d = wait_for(back, timeout=20)
    assert d["is_paused"] is True
    assert srv.json("GET", "/api/v1/dags/failing/dagRuns")["total_entries"] == 0
    st, _, body = srv.request("DELETE", "/api/v1/dags/no_such_dag", user="op1")
    assert st == 404 and "no_such_dag" in json.loads(body)["detail"]


def test_routes_in_openapi(srv):
    doc = json.load(open(os.path.join(os.path.dirname(AIRC), "..", "webui", "openapi.json")))
    paths = doc["paths"]
    run = "/dags/{dag_id}/dagRuns/{dag_run_id}"
    for path, method in [(run, "patch"), (run, "delete"), ("/dags/{dag_id}", "delete"),
                         (run + "/setNote", "patch"), (run + "/taskInstances/{task_id}/setNote", "patch"),
                         ("/backfills", "post"), ("/backfills", "get"), ("/backfills/dry_run", "post"),
                         ("/backfills/{backfill_id}", "get"), ("/backfills/{backfill_id}/cancel", "put"),
                         ("/backfills/{backfill_id}/pause", "put"), ("/backfills/{backfill_id}/unpause", "put")]:
        assert method in paths.get(path, {}), (path, method)
