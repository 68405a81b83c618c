"""Pools and priorities (docs/authoring.md): `airc pools`, task keys pool,
pool_slots, priority_weight, weight_rule; a pool never runs more slots than
it has; when slots are scarce the highest effective priority goes first."""
import os

from conftest import ON_PG, dag_ini, db_rows, wait_for


def spans(home, dag):
    """(task, start, end) of every task that wrote its times to out/."""
    d = os.path.join(home.path, "out", dag)
    out = []
    for name in os.listdir(d):
        with open(os.path.join(d, name)) as f:
            t0, t1 = (float(x) for x in f.read().split())
        out.append((name, t0, t1))
    return out


def max_overlap(spans_, weights=None):
    """Largest sum of weights of spans running at one time."""
    weights = weights or {}
    events = []
    for name, t0, t1 in spans_:
        w = weights.get(name, 1)
        events += [(t0, w), (t1, -w)]
    best = cur = 0
    for _, w in sorted(events, key=lambda e: (e[0], e[1])):  # ends before starts at a tie
        cur += w
        best = max(best, cur)
    return best


def timed(home, dag, secs="0.6"):
    """A shell command that records its task's start and end times."""
    d = os.path.join(home.path, "out", dag)
    os.makedirs(d, exist_ok=True)
    return f"t0=$(date +%s.%N); sleep {secs}; echo $t0 $(date +%s.%N) > {d}/$AIRC_TASK_ID"


def order_cmd(home, dag):
    f = os.path.join(home.path, "out", f"{dag}.order")
    os.makedirs(os.path.dirname(f), exist_ok=True)
    return f"echo $AIRC_TASK_ID >> {f}; sleep 0.3", f


def test_pools_cli(home):
    r = home.run("pools", "set", "etl", "3", "the ETL box", check=True)
    assert "etl" in r.stdout
    pools = {p["pool"]: p for p in home.json("pools", "list")}
    assert pools["default_pool"]["slots"] == 128  # Airflow's default
    assert pools["etl"]["slots"] == 3 and pools["etl"]["description"] == "the ETL box"
    assert pools["etl"]["open"] == 3 and pools["etl"]["running"] == 0
    # resizing keeps the description
    home.run("pools", "set", "etl", "5", check=True)
    assert home.json("pools", "get", "etl")[0]["slots"] == 5
    assert home.json("pools", "get", "etl")[0]["description"] == "the ETL box"
    # errors: one line each
    r = home.run("pools", "set", "etl", "-1")
    assert r.returncode != 0 and "SLOTS must be a whole number" in r.stderr and r.stderr.count("\n") <= 2
    r = home.run("pools", "set", "bad name", "1")
    assert r.returncode != 0 and "pool name 'bad name' is not valid" in r.stderr
    r = home.run("pools", "delete", "default_pool")
    assert r.returncode == 1 and "default_pool cannot be deleted" in r.stderr
    r = home.run("pools", "get", "nope")
    assert r.returncode == 1 and "no pool 'nope'" in r.stderr
    home.run("pools", "delete", "etl", check=True)
    r = home.run("pools", "delete", "etl")
    assert r.returncode == 1 and "no pool 'etl'" in r.stderr
    assert "usage: airc pools set NAME SLOTS" in home.run("pools", "set", "--help").stdout


def test_default_pool_size_from_config(home):
    home.env["AIRC__CORE__DEFAULT_POOL_SLOTS"] = "1"
    home.env["AIRC__CORE__PARALLELISM"] = "8"
    tasks = [(f"t{i}", {"command": timed(home, "dp")}) for i in range(4)]
    home.write_dag("dp.ini", dag_ini("dp", tasks))
    home.start_scheduler()
    wait_for(lambda: home.run("dags", "list").returncode == 0 and "dp" in home.run("dags", "list").stdout, 10)
    run = home.trigger("dp")
    assert home.wait_run("dp", run, 60) == "success"
    assert max_overlap(spans(home, "dp")) == 1
    assert home.json("pools", "get", "default_pool")[0]["slots"] == 1


def test_a_pool_never_runs_more_slots_than_it_has(home):
    home.run("pools", "set", "two", "2", check=True)
    home.run("pools", "set", "three", "3", check=True)
    home.env["AIRC__CORE__PARALLELISM"] = "16"
    tasks = [(f"a{i}", {"command": timed(home, "pc"), "pool": "two"}) for i in range(6)]
    # pool_slots: each of these takes two of three slots, so one at a time
    tasks += [(f"b{i}", {"command": timed(home, "pc"), "pool": "three", "pool_slots": "2"}) for i in range(3)]
    home.write_dag("pc.ini", dag_ini("pc", tasks, max_active_tasks="16"))
    home.start_scheduler()
    wait_for(lambda: "pc" in home.run("dags", "list").stdout, 10)
    run = home.trigger("pc")
    # while it runs, the pool's slots in use never pass its size
    seen = []

    def look():
        p = {x["pool"]: x for x in home.json("pools", "list")}
        seen.append((p["two"]["running"] + p["two"]["queued"], p["three"]["running"] + p["three"]["queued"]))
        return home.run_state("pc", run) in ("success", "failed")

    wait_for(look, 60, 0.1, "the run")
    assert home.run_state("pc", run) == "success"
    s = spans(home, "pc")
    assert max_overlap([x for x in s if x[0].startswith("a")]) == 2  # full use, never more
    assert max_overlap([x for x in s if x[0].startswith("b")]) == 1
    assert all(a <= 2 and b <= 3 for a, b in seen), seen
    # the triggers' running totals agree with the tries once all ended
    r = home.run("db", "check", check=True)
    assert "pool usage: ok" in r.stdout


def test_db_check_finds_a_pool_total_that_disagrees_with_the_tries(home):
    """`airc db check` compares pool_usage (kept by triggers) with the slots
    of the queued and running tries: a total that drifted is named."""
    home.run("pools", "set", "p", "4", check=True)
    assert "pool usage: ok" in home.run("db", "check", check=True).stdout
    sql = "INSERT INTO pool_usage(pool, used) VALUES('p', 3)"
    if ON_PG:
        db_rows(home, sql)
    else:
        import sqlite3
        db = sqlite3.connect(os.path.join(home.path, "airc.db"))
        db.execute(sql)
        db.commit()
        db.close()
    r = home.run("db", "check")
    assert r.returncode == 1
    assert "pool usage: pool 'p' counts 3 slots in use, its queued and running tries hold 0" in r.stdout
    assert r.stderr.strip() == "airc: error: store check failed"


def test_a_missing_pool_makes_its_task_wait(home):
    tasks = [("t", {"command": "true", "pool": "later"})]
    home.write_dag("mp.ini", dag_ini("mp", tasks))
    home.start_scheduler()
    wait_for(lambda: "mp" in home.run("dags", "list").stdout, 10)
    run = home.trigger("mp")
    wait_for(lambda: home.scheduler_log_has("waits for pool 'later', which does not exist"), 20)
    assert home.tis("mp", run)["t"]["state"] == "scheduled"
    home.run("pools", "set", "later", "1", check=True)
    assert home.wait_run("mp", run, 40) == "success"
    # `airc dags test` runs without pools, as Airflow's does (alone: a
    # scheduler on the same home would ingest the test's results)
    assert not home.stop()
    home.run("pools", "delete", "later", check=True)
    assert home.run("dags", "test", "mp").returncode == 0


def test_higher_priority_weight_goes_first_when_slots_are_scarce(home):
    home.run("pools", "set", "one", "1", check=True)
    cmd, f = order_cmd(home, "pw")
    tasks = [("low", {"command": cmd, "pool": "one", "priority_weight": "1", "weight_rule": "absolute"}),
             ("high", {"command": cmd, "pool": "one", "priority_weight": "10", "weight_rule": "absolute"}),
             ("mid", {"command": cmd, "pool": "one", "priority_weight": "5", "weight_rule": "absolute"})]
    home.write_dag("pw.ini", dag_ini("pw", tasks))
    home.reserialize()
    # queued before the scheduler starts: all three are ready at once
    run = home.trigger("pw")
    home.start_scheduler()
    assert home.wait_run("pw", run, 40) == "success"
    assert open(f).read().split() == ["high", "mid", "low"]


def test_weight_rule_downstream_puts_the_head_of_a_long_chain_first(home):
    home.run("pools", "set", "one", "1", check=True)
    cmd, f = order_cmd(home, "wr")
    tasks = [("solo", {"command": cmd, "pool": "one", "priority_weight": "2"}),  # downstream: 2
             ("head", {"command": cmd, "pool": "one"}),                           # 1 + 1 + 1 = 3
             ("mid", {"command": "true", "upstream": "head"}),
             ("tail", {"command": "true", "upstream": "mid"}),
             # upstream rule: 1 + its upstream's 1 = 2 ... absolute 0 last
             ("last", {"command": cmd, "pool": "one", "priority_weight": "0", "weight_rule": "absolute"})]
    home.write_dag("wr.ini", dag_ini("wr", tasks))
    home.reserialize()
    run = home.trigger("wr")
    home.start_scheduler()
    assert home.wait_run("wr", run, 40) == "success"
    assert open(f).read().split() == ["head", "solo", "last"]


def test_bad_pool_keys_are_import_errors_with_their_line(home):
    home.write_dag("bp.ini", dag_ini("bp", [("t", {"command": "true", "pool_slots": "0"})]))
    home.write_dag("bw.ini", dag_ini("bw", [("t", {"command": "true", "weight_rule": "sideways"})]))
    home.write_dag("bq.ini", dag_ini("bq", [("t", {"command": "true", "priority_weight": "high"})]))
    errs = home.import_errors(reparse=True)
    assert "bp.ini:7: task 't': pool_slots must be a whole number 1..100000, not '0'" in errs["bp.ini"]
    assert "bw.ini:7: task 't': unknown weight_rule 'sideways' (downstream, upstream, absolute)" in errs["bw.ini"]
    assert "bq.ini:7: task 't': priority_weight must be a whole number" in errs["bq.ini"]


def test_the_example_dags_load_and_run(home):
    """dags/example_pools.ini and dags/example_notifications.ini are real."""
    import shutil
    from conftest import ROOT
    for name in ("example_pools.ini", "example_notifications.ini"):
        shutil.copy(os.path.join(ROOT, "dags", name), home.dags)
    assert home.import_errors(reparse=True) == {}
    home.run("pools", "set", "example_io", "2", check=True)
    home.env["AIRC__NOTIFICATIONS__DELIVER"] = "false"  # nothing listens on 127.0.0.1 here
    home.start_scheduler()
    run = home.trigger("example_pools")
    assert home.wait_run("example_pools", run, 60) == "success"
    run = home.trigger("example_notifications")
    # flaky_load fails; the leaf quiet_cleanup (all_done) succeeds, so the run does
    assert home.wait_run("example_notifications", run, 60) == "success"
    events = sorted((r["event"], r["task_id"]) for r in home.json("notifications", "list", "--dag-id",
                                                                   "example_notifications"))
    assert events == sorted([("on_success", "extract"), ("on_retry", "flaky_load"), ("on_failure", "flaky_load"),
                             ("on_failure", "flaky_load"), ("on_run_success", "")])


def test_a_full_pool_does_not_starve_runs_waiting_for_other_slots(home):
    """A run with many tasks for a one-slot pool does not keep a run that
    waits for parallelism (and needs another pool) from being looked at."""
    home.env["AIRC__CORE__PARALLELISM"] = "2"
    home.run("pools", "set", "one", "1", check=True)
    out = os.path.join(home.path, "out")
    os.makedirs(out)
    a = [(f"a{i}", {"command": f"sleep 1; date +%s.%N > {out}/$AIRC_TASK_ID", "pool": "one"}) for i in range(10)]
    home.write_dag("sa.ini", dag_ini("sa", a, max_active_tasks="16"))
    home.write_dag("sc.ini", dag_ini("sc", [("c", {"command": "sleep 2"})]))
    home.write_dag("sb.ini", dag_ini("sb", [("b", {"command": f"date +%s.%N > {out}/b"})]))
    home.start_scheduler()
    wait_for(lambda: all(d in home.run("dags", "list").stdout for d in ("sa", "sb", "sc")), 10)
    ra = home.trigger("sa")
    rc = home.trigger("sc")
    wait_for(lambda: home.tis("sc", rc)["c"]["state"] == "running", 10)
    rb = home.trigger("sb")  # parallelism is full (a task of sa, c): b waits for a slot
    assert home.wait_run("sb", rb, 40) == "success"
    assert home.wait_run("sa", ra, 60) == "success"
    ends = sorted(float(open(os.path.join(out, f"a{i}")).read()) for i in range(10))
    b = float(open(os.path.join(out, "b")).read())
    # b ran when c's slot freed (about 2 s in), long before sa's last tasks
    assert b < ends[-4], (b, ends)


def test_a_freed_slot_is_taken_in_the_wake_that_freed_it(home):
    """The tasks of a one-slot pool run one after another, each queued when
    its predecessor's result is recorded: in the wake that freed the slot,
    not at the next periodic sweep (10 s). On PostgreSQL the pool's count
    read with the wake's first statement predates the outcome that freed the
    slot: the scheduler reads it again before it refuses (cand_fits). The
    bound below is half the sweep's interval, about a thousand times what
    the hand-over takes: it tells the two mechanisms apart, it is no speed
    target."""
    home.run("pools", "set", "solo", "1", check=True)
    tasks = [(f"s{i}", {"command": timed(home, "solo", "0.1"), "pool": "solo"}) for i in range(4)]
    home.write_dag("solo.ini", dag_ini("solo", tasks, max_active_tasks="8"))
    home.start_scheduler()
    wait_for(lambda: "solo" in home.run("dags", "list").stdout, 10)
    r = home.trigger("solo")
    assert home.wait_run("solo", r, 60) == "success"
    s = sorted(spans(home, "solo"), key=lambda x: x[1])
    assert max_overlap(s) == 1, s
    gaps = [b[1] - a[2] for a, b in zip(s, s[1:])]
    assert max(gaps) < 5.0, gaps
