"""Schedules, catchup, backfill, pause, next-execution, limits on runs."""
import datetime as dt
import os

from conftest import dag_ini, wait_for, sqlite_only


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def midnight_days_ago(n):
    today = dt.datetime.now(dt.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - dt.timedelta(days=n)


def test_catchup_creates_every_missed_run_oldest_first(home):
    start = midnight_days_ago(5)
    home.write_dag("cu.ini", dag_ini("cu", [("t", {"command": "true"})], schedule="@daily",
                                     start_date=iso(start), catchup="true", max_active_runs="2"))
    home.start_scheduler()
    want = [iso(start + dt.timedelta(days=i)) for i in range(6)]  # start .. today 00:00
    runs = wait_for(lambda: (lambda r: len(r) == 6 and all(x["state"] == "success" for x in r) and r)(home.runs("cu")),
                    30, 0.2, "6 catchup runs")
    assert sorted(r["logical_date"] for r in runs) == want
    assert all(r["run_type"] == "scheduled" for r in runs)
    assert {r["run_id"] for r in runs} == {f"scheduled__{w[:-1]}+00:00" for w in want}
    # the next one is tomorrow
    nxt = home.run("dags", "next-execution", "cu", "-n", "2", check=True).stdout.split()
    assert nxt == [iso(start + dt.timedelta(days=6)), iso(start + dt.timedelta(days=7))]


def test_no_catchup_creates_only_the_latest_run(home):
    start = midnight_days_ago(5)
    home.write_dag("nc.ini", dag_ini("nc", [("t", {"command": "true"})], schedule="@daily",
                                     start_date=iso(start), catchup="false"))
    home.reserialize()
    # before it runs: next-execution names the run the scheduler will create
    assert home.run("dags", "next-execution", "nc", check=True).stdout.split() == [iso(midnight_days_ago(0))]
    home.start_scheduler()
    runs = wait_for(lambda: home.runs("nc"), 10, what="a run")
    wait_for(lambda: home.runs("nc")[0]["state"] == "success", 10)
    runs = home.runs("nc")
    assert [r["logical_date"] for r in runs] == [iso(midnight_days_ago(0))]


def test_next_execution_with_catchup_starts_at_start_date(home):
    home.write_dag("ne.ini", dag_ini("ne", [("t", {"command": "true"})], schedule="30 6 * * mon-fri",
                                     start_date="2026-01-01T07:00:00Z", catchup="true"))
    home.reserialize()
    out = home.run("dags", "next-execution", "ne", "-n", "3", check=True).stdout.split()
    assert out == ["2026-01-02T06:30:00Z", "2026-01-05T06:30:00Z", "2026-01-06T06:30:00Z"]


def test_end_date_bounds_the_schedule(home):
    home.write_dag("ed.ini", dag_ini("ed", [("t", {"command": "true"})], schedule="@daily",
                                     start_date="2026-01-01T00:00:00Z", end_date="2026-01-03T00:00:00Z",
                                     catchup="true"))
    home.start_scheduler()
    wait_for(lambda: len(home.runs("ed")) == 3 and all(r["state"] == "success" for r in home.runs("ed")), 20)
    assert sorted(r["logical_date"] for r in home.runs("ed")) == [
        "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"]
    assert home.run("dags", "next-execution", "ed").stdout.strip() == ""


def test_once_runs_once(home):
    home.write_dag("once.ini", dag_ini("once", [("t", {"command": "true"})], schedule="@once",
                                       start_date="2026-01-01T00:00:00Z"))
    home.start_scheduler()
    wait_for(lambda: home.runs("once") and home.runs("once")[0]["state"] == "success", 10)
    home.run("dags", "pause", "once", check=True)
    home.run("dags", "unpause", "once", check=True)
    import time
    time.sleep(1)
    assert len(home.runs("once")) == 1


def test_paused_dag_gets_no_runs_and_manual_runs_wait(home):
    start = midnight_days_ago(3)
    home.env["AIRC__CORE__DAGS_ARE_PAUSED_AT_CREATION"] = "true"
    home.write_dag("p.ini", dag_ini("p", [("t", {"command": "true"})], schedule="@daily",
                                    start_date=iso(start), catchup="true"))
    home.start_scheduler()
    assert home.json("dags", "list")[0]["is_paused"] is True
    r = home.run("dags", "trigger", "p", check=True)
    assert "is paused" in r.stderr
    import time
    time.sleep(1.5)
    runs = home.runs("p")
    assert len(runs) == 1 and runs[0]["state"] == "queued" and runs[0]["run_type"] == "manual"
    home.run("dags", "unpause", "p", check=True)
    wait_for(lambda: len(home.runs("p")) == 5 and all(x["state"] == "success" for x in home.runs("p")), 20,
             what="manual run + 4 catchup runs")


def test_backfill_creates_exactly_the_runs_in_range(home):
    home.write_dag("bf.ini", dag_ini("bf", [("t", {"command": "test {{ ds }} != 2026-02-03"})], schedule="@daily",
                                     start_date="2026-01-01T00:00:00Z", catchup="false"))
    home.reserialize()
    home.run("dags", "pause", "bf", check=True)  # only the backfill should run
    dry = home.run("dags", "backfill", "bf", "-s", "2026-02-01", "-e", "2026-02-05", "--dry-run", check=True)
    assert "dry run: 5 runs to create, 0 to re-run, 0 kept" in dry.stdout
    assert home.runs("bf") == []
    home.run("dags", "unpause", "bf", check=True)
    # a scheduler is needed to execute them; catchup=false adds today's run too
    home.start_scheduler()
    r = home.run("dags", "backfill", "bf", "-s", "2026-02-01", "-e", "2026-02-05", "--wait")
    assert r.returncode == 1  # 02-03 fails
    bf = sorted((x["logical_date"], x["state"]) for x in home.runs("bf") if x["run_type"] == "backfill")
    assert bf == [("2026-02-01T00:00:00Z", "success"), ("2026-02-02T00:00:00Z", "success"),
                  ("2026-02-03T00:00:00Z", "failed"), ("2026-02-04T00:00:00Z", "success"),
                  ("2026-02-05T00:00:00Z", "success")]
    # again without reprocess: nothing to do
    r = home.run("dags", "backfill", "bf", "-s", "2026-02-01", "-e", "2026-02-05", check=True)
    assert "0 runs to create, 0 to re-run, 5 kept" in r.stdout
    # reprocess failed: only 02-03 is cleared and re-run
    home.write_dag("bf.ini", dag_ini("bf", [("t", {"command": "true"})], schedule="@daily",
                                     start_date="2026-01-01T00:00:00Z", catchup="false"))
    r = home.run("dags", "backfill", "bf", "-s", "2026-02-01", "-e", "2026-02-05", "--reprocess", "failed", "--wait")
    assert "0 runs to create, 1 to re-run, 4 kept" in r.stdout
    # the cleared run keeps its DAG version (the old command): it fails again
    assert r.returncode == 1
    assert len([x for x in home.runs("bf") if x["run_type"] == "backfill"]) == 5


def test_backfill_usage_errors(home):
    home.write_dag("bu.ini", dag_ini("bu", [("t", {"command": "true"})], schedule="@daily",
                                     start_date="2026-01-01T00:00:00Z"))
    assert home.run("dags", "backfill", "bu").returncode == 2
    assert home.run("dags", "backfill", "bu", "-s", "2026-02-05", "-e", "2026-02-01").returncode == 2
    assert home.run("dags", "backfill", "bu", "-s", "x", "-e", "2026-02-01").returncode == 2
    assert home.run("dags", "backfill", "bu", "-s", "2026-02-01", "-e", "2026-02-02", "--reprocess", "all").returncode == 2
    r = home.run("dags", "backfill", "nope", "-s", "2026-02-01", "-e", "2026-02-02")
    assert r.returncode == 1 and "DAG 'nope' not found" in r.stderr


def test_max_active_runs(home):
    marks = os.path.join(home.path, "m")
    os.makedirs(marks)
    cmd = f"touch {marks}/s_$AIRC_RUN_ID; echo $(( $(ls {marks} | grep -c s_) - $(ls {marks} | grep -c e_) )) > {marks}/c_$AIRC_RUN_ID; sleep 0.4; touch {marks}/e_$AIRC_RUN_ID"
    home.write_dag("mar.ini", dag_ini("mar", [("t", {"command": cmd})], max_active_runs="1"))
    home.start_scheduler()
    ids = [home.trigger("mar", "--run-id", f"r{i}") for i in range(4)]
    for i in ids:
        home.wait_run("mar", i, 30)
    conc = [int(open(os.path.join(marks, f)).read()) for f in os.listdir(marks) if f.startswith("c_")]
    assert len(conc) == 4 and max(conc) == 1


def test_duplicate_run_id_is_refused(home):
    home.write_dag("dup.ini", dag_ini("dup", [("t", {"command": "true"})]))
    home.reserialize()
    home.trigger("dup", "--run-id", "same")
    r = home.run("dags", "trigger", "dup", "--run-id", "same")
    assert r.returncode == 1 and "already has a run with id 'same'" in r.stderr


def test_backfill_over_the_tick_cap_is_refused_not_cut(home):
    # every minute for 70 days = 100,801 ticks: more than one backfill takes
    home.write_dag("bc.ini", dag_ini("bc", [("t", {"command": "true"})], schedule="* * * * *",
                                     start_date="2026-01-01T00:00:00Z", catchup="false"))
    home.reserialize()
    r = home.run("dags", "backfill", "bc", "-s", "2026-01-01", "-e", "2026-03-12", "--dry-run")
    assert r.returncode == 2, r.stdout[-300:]
    assert "DAG bc has more than 100000 scheduled ticks between 2026-01-01 and 2026-03-12 (the cap of one " \
        "backfill); split the range" in r.stderr, r.stderr
    assert r.stdout == "" and home.runs("bc") == []
    # just under the cap still works (69 days = 99,361 ticks)
    r = home.run("dags", "backfill", "bc", "-s", "2026-01-01", "-e", "2026-03-11", "--dry-run", check=True)
    assert "dry run: 99361 runs to create, 0 to re-run, 0 kept" in r.stdout


@sqlite_only("reads airc.db with python sqlite3 while the scheduler writes")
def test_storm_of_due_dags_keeps_the_limits_and_finishes(home):
    """40 DAGs due at once, parallelism 3: runs held back by the limit wait
    for a slot (not re-evaluated every wake) and all finish; never more than
    3 tries overlap; a DAG with max_active_tasks=1 runs its 4 tasks one by
    one; a DAG with max_active_runs=1 starts its queued runs one after
    another as each ends."""
    import sqlite3
    home.env["AIRC__CORE__PARALLELISM"] = "3"
    for i in range(40):
        home.write_dag(f"s{i:02d}.ini", dag_ini(f"s{i:02d}", [("a", {"command": "true"}),
                                                           ("b", {"command": "true", "upstream": "a"}),
                                                           ("c", {"command": "true", "upstream": "b"})],
                                               schedule="@once", start_date="2024-01-01T00:00:00Z"))
    home.write_dag("one.ini", dag_ini("one", [(f"p{k}", {"command": "sleep 0.05"}) for k in range(4)],
                                      max_active_tasks="1", schedule="@once", start_date="2024-01-01T00:00:00Z"))
    home.write_dag("mar1.ini", dag_ini("mar1", [("t", {"command": "true"})], max_active_runs="1"))
    home.start_scheduler()
    ids = [home.trigger("mar1", "--run-id", f"m{i}") for i in range(3)]
    db = os.path.join(home.path, "airc.db")

    def finished():
        c = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return c.execute("select count(*) from dag_run where state in ('success','failed')").fetchone()[0]
        finally:
            c.close()
    wait_for(lambda: finished() == 44, 120, 0.2, "44 finished runs")
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    assert c.execute("select count(*) from dag_run where state<>'success'").fetchone()[0] == 0
    tis = c.execute("select r.dag_id, ti.start_us, ti.end_us, ti.state from task_instance ti"
                    " join dag_run r on r.id=ti.run_pk").fetchall()
    runs = c.execute("select start_us, end_us from dag_run where dag_id='mar1' order by start_us").fetchall()
    c.close()
    assert len(tis) == 40 * 3 + 4 + 3 and all(t[3] == "success" for t in tis)

    def max_overlap(spans):
        ev = sorted([(s, 1) for s, e in spans] + [(e, -1) for s, e in spans], key=lambda x: (x[0], x[1]))
        cur = best = 0
        for _, d in ev:
            cur += d
            best = max(best, cur)
        return best
    assert max_overlap([(t[1], t[2]) for t in tis]) <= 3
    assert max_overlap([(t[1], t[2]) for t in tis if t[0] == "one"]) == 1
    assert len(runs) == 3 and max_overlap(runs) == 1
    assert {r["run_id"] for r in home.runs("mar1")} == set(ids)
