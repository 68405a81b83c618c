"""Dynamic task mapping: expand = xcom.TASK or a literal list, {{ item }}
and $AIRC_ITEM, map_index in the CLI, downstream tasks waiting for every
instance, an empty list skipping, max_active_tis_per_dag."""
import json
import os

from conftest import dag_ini, wait_for


def states(home, dag, run):
    return home.json("tasks", "states-for-dag-run", dag, run)


def test_expand_over_an_upstream_xcom_runs_one_instance_per_item(home, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    home.write_dag("m.ini", dag_ini("m", [
        ("make", {"command": "echo '[\"a\", \"b\", {\"k\": 3}]' > \"$AIRC_XCOM_OUT\""}),
        ("each", {"expand": "xcom.make",
                  "command": f"echo \"{{{{ item }}}}|$AIRC_ITEM|$AIRC_MAP_INDEX\" > {out}/i$AIRC_MAP_INDEX;"
                             " echo \"\\\"v-$AIRC_MAP_INDEX\\\"\" > \"$AIRC_XCOM_OUT\""}),
        ("after", {"upstream": "each", "command": f"echo '{{{{ xcom.each }}}}' > {out}/after"}),
    ]))
    home.start_scheduler()
    wait_for(lambda: home.run("dags", "list").stdout.count("m") > 0, 10, what="DAG known")
    run = home.trigger("m")
    assert home.wait_run("m", run) == "success"
    assert sorted(os.listdir(out)) == ["after", "i0", "i1", "i2"]
    assert (out / "i0").read_text() == "a|a|0\n"
    assert (out / "i1").read_text() == "b|b|1\n"
    assert (out / "i2").read_text() == '{"k":3}|{"k":3}|2\n'
    # the downstream task ran after all of them and sees their XComs as a list, by map index
    assert json.loads((out / "after").read_text()) == ["v-0", "v-1", "v-2"]
    rows = states(home, "m", run)
    each = sorted((r["map_index"], r["state"]) for r in rows if r["task_id"] == "each")
    assert each == [(0, "success"), (1, "success"), (2, "success")]
    assert [r["map_index"] for r in rows if r["task_id"] != "each"] == [-1, -1]
    # each instance has its own log, in Airflow's layout
    logs = os.path.join(home.path, "logs", "dag_id=m", f"run_id={run}", "task_id=each")
    assert sorted(os.listdir(logs)) == ["map_index=0", "map_index=1", "map_index=2"]


def test_literal_list_empty_list_and_a_failing_instance(home):
    home.write_dag("l.ini", dag_ini("l", [
        ("lit", {"expand": "[1, 2, 3]", "command": "test {{ item }} -ne 2"}),
        ("down", {"upstream": "lit", "command": "true"}),
        ("empty", {"expand": "[]", "command": "true"}),
        ("after_empty", {"upstream": "empty", "command": "true"}),
        ("bad", {"expand": "xcom.noxcom", "command": "true"}),
        ("noxcom", {"command": "true"}),
    ]))
    home.start_scheduler()
    wait_for(lambda: "l" in home.run("dags", "list").stdout, 10, what="DAG known")
    run = home.trigger("l")
    assert home.wait_run("l", run) == "failed"
    rows = states(home, "l", run)
    lit = sorted((r["map_index"], r["state"]) for r in rows if r["task_id"] == "lit")
    assert lit == [(0, "success"), (1, "failed"), (2, "success")]
    by = {r["task_id"]: r for r in rows if r["task_id"] != "lit"}
    assert by["down"]["state"] == "upstream_failed"  # waits for all, one failed
    assert by["empty"]["state"] == "skipped" and by["empty"]["note"] == "expand: empty list"
    assert by["after_empty"]["state"] == "skipped"
    assert by["bad"]["state"] == "failed"
    assert by["bad"]["note"] == "expand: task 'noxcom' wrote no XCom (expand = xcom.noxcom needs a JSON list)"


def test_max_active_tis_per_dag_bounds_concurrent_instances(home, tmp_path):
    """8 instances, max_active_tis_per_dag = 2: never more than 2 run at once
    (each records its start and end; the overlap is computed from them)."""
    spans = tmp_path / "spans"
    spans.mkdir()
    home.write_dag("c.ini", dag_ini("c", [
        ("w", {"expand": json.dumps(list(range(8))), "max_active_tis_per_dag": "2",
               "command": f"date +%s.%N > {spans}/$AIRC_ITEM.s; sleep 0.3; date +%s.%N > {spans}/$AIRC_ITEM.e"}),
    ], max_active_tasks="16"))
    home.start_scheduler()
    wait_for(lambda: "c" in home.run("dags", "list").stdout, 10, what="DAG known")
    run = home.trigger("c")
    assert home.wait_run("c", run, timeout=60) == "success"
    ev = []
    for i in range(8):
        ev.append((float((spans / f"{i}.s").read_text()), 1))
        ev.append((float((spans / f"{i}.e").read_text()), -1))
    cur = best = 0
    for _, d in sorted(ev, key=lambda x: (x[0], x[1])):
        cur += d
        best = max(best, cur)
    assert best == 2


def test_api_shape_of_mapped_instances_in_cli_json(home):
    """`tasks states-for-dag-run` shows map_index; an unmapped task is -1."""
    home.write_dag("s.ini", dag_ini("s", [("x", {"expand": "[\"p\", \"q\"]", "command": "true"}),
                                          ("y", {"command": "true"})]))
    home.reserialize()
    r = home.run("dags", "test", "s")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "expanded         x: 2 instances" in r.stdout
