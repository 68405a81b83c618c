"""CLI forms of the control of live work (issue 10 part 1): `tasks mark
--state` on a RUNNING task stops its process group, `dags delete` with
and without --yes, `dags backfill` through the shared store planner."""
import os
import time

from conftest import wait_for

SLEEPER = """[dag]
id = sl

[task nap]
type = shell
command = cut -d' ' -f5 /proc/$$/stat > "$AIRC_HOME/pgid"; sleep 60
"""


def alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def test_tasks_mark_running_with_state_option(home):
    with open(os.path.join(home.path, "airc.ini"), "a") as f:
        f.write("[core]\nkill_grace_period = 1\n")
    home.write_dag("sl.ini", SLEEPER)
    home.start_scheduler()
    run = home.trigger("sl")
    pg = os.path.join(home.path, "pgid")
    wait_for(lambda: home.tis("sl", run)["nap"]["state"] == "running" and os.path.exists(pg)
             and open(pg).read().strip(), 30, what="nap running")
    pgid = int(open(pg).read())
    r = home.run("tasks", "mark", "sl", run, "nap")
    assert r.returncode == 2 and "--state" in r.stderr
    t0 = time.time()
    r = home.run("tasks", "mark", "sl", run, "nap", "--state", "failed", check=True)
    assert "Marked nap of run %s as failed" % run in r.stdout and "is being stopped" in r.stdout
    wait_for(lambda: not alive(pgid), 1 + 2, 0.05, "process group gone")
    assert time.time() - t0 < 1 + 2 + 1
    time.sleep(1)
    assert home.tis("sl", run)["nap"]["state"] == "failed"
    assert home.wait_run("sl", run) == "failed"
    assert not home.stop()


def test_dags_delete(home):
    home.write_dag("sl.ini", SLEEPER.replace("sleep 60", "true"))
    home.run("dags", "reserialize", check=True)
    run = home.trigger("sl")
    assert home.runs("sl")
    r = home.run("dags", "delete", "sl", input="")
    assert r.returncode == 2 and "--yes" in r.stderr
    assert home.runs("sl")  # nothing deleted
    r = home.run("dags", "delete", "sl", "--yes", check=True)
    assert r.stdout.strip() == "Deleted DAG sl"
    r = home.run("dags", "state", "sl", run)
    assert r.returncode != 0
    r = home.run("dags", "delete", "nope", "--yes")
    assert r.returncode == 1 and r.stderr.strip() == "airc: error: DAG 'nope' not found"
    # the file is still there: the next folder sync brings it back, without history
    home.run("dags", "reserialize", check=True)
    assert [d["dag_id"] for d in home.json("dags", "list")] == ["sl"]
    assert home.runs("sl") == []


def test_backfill_cli_records_a_backfill(home):
    home.write_dag("b.ini", "[dag]\nid = b\nschedule = @daily\nstart_date = 2026-02-01\n\n[task t]\ntype = shell\n"
                            "command = true\n")
    home.run("dags", "reserialize", check=True)
    home.run("dags", "pause", "b", check=True)
    r = home.run("dags", "backfill", "b", "-s", "2026-02-01", "-e", "2026-02-02", check=True)
    assert "2 runs to create, 0 to re-run, 0 kept" in r.stdout
    assert "backfill 1 (follow it with GET /api/v1/backfills/1)" in r.stdout
    r = home.run("dags", "backfill", "b", "-s", "2026-02-01", "-e", "2026-02-02", "--dry-run", check=True)
    assert r.stdout.count("keep") == 2 and "dry run: 0 runs to create, 0 to re-run, 2 kept" in r.stdout
