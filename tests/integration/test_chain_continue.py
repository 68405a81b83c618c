"""A pool member continues a local chain (docs/scheduler.md, "A member
continues a chain"; executor/exec_spawn.h, exec_continue_fn): after a try
that succeeded without an XCom value, the member queues the chain's next
try in the store itself, fenced as the scheduler's own queuing, and runs it
without waiting for the scheduler, which sends it more links before they
run out. These tests check what a user sees: the chain, however long, runs
in one member, each task once, recorded as always; a pause, a
mark or a failure committed while a link runs stops the chain there; a
continued try can be stopped; a scheduler killed mid-chain loses and
repeats nothing, and no link starts while no scheduler runs."""
import os
import signal
import time

from conftest import SLOW, dag_ini, wait_for


def marker_dag(home, dag_id, n, first="", each=""):
    """A chain t0..t(n-1): each task appends its supervisor's pid ($PPID of
    sh -c) to marks/t<i>; `first` runs before t0's mark, `each` after
    every mark."""
    marks = os.path.join(home.path, f"marks-{dag_id}")
    os.makedirs(marks, exist_ok=True)
    tasks = []
    for i in range(n):
        cmd = f"echo $PPID >> {marks}/t{i}" + (f"; {each}" if each else "")
        if i == 0 and first:
            cmd = f"{first}; {cmd}"
        tasks.append((f"t{i}", {"command": cmd, **({"upstream": f"t{i-1}"} if i else {})}))
    home.write_dag(f"{dag_id}.ini", dag_ini(dag_id, tasks))
    return marks


def lines(marks, task):
    try:
        with open(os.path.join(marks, task)) as f:
            return f.read().split()
    except FileNotFoundError:
        return []


def gate(home, name):
    """A shell loop that waits (at most 30 s) for the file `name` in the home."""
    flag = os.path.join(home.path, name)
    return flag, f"for i in $(seq 600); do [ -e {flag} ] && break; sleep 0.05; done"


def gated_chain(home, dag_id):
    """A 3-task marker chain whose t0 waits for a flag; starts a scheduler,
    triggers it and returns (flag, marks, run id) once t0 runs."""
    flag, wait = gate(home, f"go-{dag_id}")
    marks = marker_dag(home, dag_id, 3, first=wait)
    home.start_scheduler()
    run = home.trigger(dag_id)
    wait_for(lambda: home.tis(dag_id, run)["t0"]["state"] == "running", 10, what="t0 to run")
    return flag, marks, run


def test_a_member_runs_the_chain_after_its_try_itself(home):
    marks = marker_dag(home, "c", 6)
    home.start_scheduler()
    run = home.trigger("c")
    assert home.wait_run("c", run, 30) == "success"
    pids = [lines(marks, f"t{i}") for i in range(6)]
    assert all(len(p) == 1 for p in pids), pids  # each task ran once
    # the first try was handed to a member; that member ran the rest itself
    assert len({p[0] for p in pids}) == 1, pids
    tis = home.tis("c", run)
    for i in range(6):
        t = tis[f"t{i}"]
        assert (t["state"], t["try_number"]) == ("success", 1), t
        assert t["start_date"] and t["end_date"], t


def test_a_chain_longer_than_its_request_stays_in_its_member(home):
    # a hand-over carries 32 links; the scheduler sends the member more
    # before they run out (exec_pool.h, "Chains grow"), so the chain never
    # comes back to be handed to the pool's other member
    n = 80
    marks = marker_dag(home, "long", n, each="sleep 0.01")
    home.start_scheduler()
    run = home.trigger("long")
    assert home.wait_run("long", run, 60) == "success"
    pids = [lines(marks, f"t{i}") for i in range(n)]
    assert all(len(p) == 1 for p in pids), pids  # each task ran once
    assert len({p[0] for p in pids}) == 1, pids
    tis = home.tis("long", run)
    assert all((tis[f"t{i}"]["state"], tis[f"t{i}"]["try_number"]) == ("success", 1) for i in range(n)), tis


def test_a_pause_committed_while_a_link_runs_stops_the_chain_there(home):
    flag, marks, run = gated_chain(home, "p")
    home.run("dags", "pause", "p", check=True)
    open(flag, "w").close()
    wait_for(lambda: home.tis("p", run)["t0"]["state"] == "success", 10, what="t0 to end")
    time.sleep(1.0 * SLOW)
    # paused: the member did not queue t1, and the scheduler does not either
    assert lines(marks, "t1") == []
    assert home.tis("p", run)["t1"]["state"] in ("none", "scheduled", None), home.tis("p", run)["t1"]
    home.run("dags", "unpause", "p", check=True)
    assert home.wait_run("p", run, 30) == "success"
    assert [len(lines(marks, f"t{i}")) for i in range(3)] == [1, 1, 1]


def test_a_link_marked_while_its_upstream_runs_is_not_run(home):
    flag, marks, run = gated_chain(home, "m")
    home.run("tasks", "mark", "m", run, "t1", "skipped", check=True)
    open(flag, "w").close()
    assert home.wait_run("m", run, 30) == "success"  # skipped counts as done
    tis = home.tis("m", run)
    assert tis["t1"]["state"] == "skipped" and lines(marks, "t1") == [], tis["t1"]
    assert tis["t2"]["state"] == "skipped" and lines(marks, "t2") == [], tis["t2"]


def test_a_failure_ends_the_chain(home):
    marks = marker_dag(home, "f", 3, first="exit 3")
    home.start_scheduler()
    run = home.trigger("f")
    assert home.wait_run("f", run, 30) == "failed"
    tis = home.tis("f", run)
    assert tis["t0"]["state"] == "failed"
    assert tis["t1"]["state"] == "upstream_failed" and lines(marks, "t1") == []


def test_a_continued_try_can_be_stopped(home):
    pidfile = os.path.join(home.path, "sleep.pid")
    home.write_dag("s.ini", dag_ini("s", [
        ("t0", {"command": "true"}),
        ("t1", {"command": f"sleep 60 & echo $! > {pidfile}; wait", "upstream": "t0"}),
    ]))
    home.start_scheduler()
    run = home.trigger("s")
    wait_for(lambda: os.path.exists(pidfile) and open(pidfile).read().strip(), 15, what="t1's sleep")
    sleep_pid = int(open(pidfile).read())
    tis = home.tis("s", run)
    assert tis["t1"]["state"] in ("queued", "running"), tis["t1"]
    home.run("tasks", "mark", "s", run, "t1", "failed", check=True)
    wait_for(lambda: not os.path.exists(f"/proc/{sleep_pid}") or
             open(f"/proc/{sleep_pid}/stat").read().rsplit(")", 1)[1].split()[0] == "Z",
             15, what="the continued try's process group to be stopped")
    assert home.wait_run("s", run, 30) == "failed"


def test_a_scheduler_killed_mid_chain_loses_and_repeats_nothing(home):
    marks = marker_dag(home, "k", 8, each="sleep 0.3")
    sched = home.start_scheduler()
    run = home.trigger("k")
    wait_for(lambda: lines(marks, "t1"), 15, what="t1 to run")
    os.kill(sched.pid, signal.SIGKILL)
    sched.wait()
    started = sum(1 for i in range(8) if lines(marks, f"t{i}"))
    time.sleep(1.5 * SLOW)
    # the member finishes its try but starts no other: no task starts
    # while no scheduler runs (five would have, at 0.3 s each)
    assert sum(1 for i in range(8) if lines(marks, f"t{i}")) <= started + 1
    home.start_scheduler()
    assert home.wait_run("k", run, 60) == "success"
    assert [len(lines(marks, f"t{i}")) for i in range(8)] == [1] * 8
    tis = home.tis("k", run)
    assert all((tis[f"t{i}"]["state"], tis[f"t{i}"]["try_number"]) == ("success", 1) for i in range(8)), tis


def test_without_continue_chains_the_scheduler_starts_every_try(home):
    home.env["AIRC__SCHEDULER__CONTINUE_CHAINS"] = "false"
    marks = marker_dag(home, "n", 4)
    home.start_scheduler()
    run = home.trigger("n")
    assert home.wait_run("n", run, 30) == "success"
    pids = [lines(marks, f"t{i}")[0] for i in range(4)]
    assert len(set(pids)) == 2, pids  # the pool's two members taking turns
