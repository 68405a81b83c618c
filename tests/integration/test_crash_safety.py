"""kill -9 of the scheduler in the middle of a run, then a restart; tasks
whose process dies without a result; one scheduler per home."""
import os
import signal
import sqlite3
import time

from conftest import SLOW, dag_ini, wait_for


def test_kill_9_scheduler_mid_run_then_restart(home):
    marks = os.path.join(home.path, "marks")
    os.makedirs(marks)
    # each task appends its id to a file when it starts and ends; a task
    # that ran twice (or twice at once) would show up twice
    def cmd(i, secs):
        return f"echo start >> {marks}/t{i}; sleep {secs}; echo end >> {marks}/t{i}"
    tasks = [("t0", {"command": cmd(0, 0.1)})]
    tasks += [(f"t{i}", {"command": cmd(i, 1.5), "upstream": "t0"}) for i in range(1, 5)]
    tasks += [("t5", {"command": cmd(5, 0.1), "upstream": "t1, t2, t3, t4"})]
    home.write_dag("crash.ini", dag_ini("crash", tasks))
    sched = home.start_scheduler()
    run = home.trigger("crash")
    wait_for(lambda: sum(t["state"] == "running" for t in home.tis("crash", run).values()) == 4, 10,
             what="four parallel tasks running")
    os.kill(sched.pid, signal.SIGKILL)
    sched.wait()
    # the tasks carry on without their scheduler and finish
    wait_for(lambda: all(open(f"{marks}/t{i}").read().split() == ["start", "end"] for i in range(1, 5)), 10,
             what="orphaned tasks to finish")
    states = {k: v["state"] for k, v in home.tis("crash", run).items()}
    assert states["t5"] == "none"
    home.start_scheduler()
    assert home.wait_run("crash", run, 20) == "success"
    tis = home.tis("crash", run)
    assert all(t["state"] == "success" and t["try_number"] == 1 for t in tis.values()), tis
    for i in range(6):
        assert open(f"{marks}/t{i}").read().split() == ["start", "end"], i


def test_kill_9_while_scheduler_is_down_the_whole_time(home):
    """Results written while no scheduler runs are recorded at restart."""
    home.write_dag("down.ini", dag_ini("down", [("a", {"command": "sleep 1"})]))
    sched = home.start_scheduler()
    run = home.trigger("down")
    wait_for(lambda: home.tis("down", run)["a"]["state"] == "running", 10)
    os.kill(sched.pid, signal.SIGKILL)
    sched.wait()
    time.sleep(1.5 * SLOW)
    assert home.tis("down", run)["a"]["state"] == "running"  # nobody recorded it yet
    home.start_scheduler()
    assert home.wait_run("down", run, 10) == "success"


def test_task_process_killed_without_result_is_detected_and_retried(home):
    pidfile = os.path.join(home.path, "pid")
    home.write_dag("z.ini", dag_ini("z", [("a", {"command": f"if [ $AIRC_TRY_NUMBER = 1 ]; then echo $PPID > {pidfile}; sleep 60; fi",
                                                 "retries": "1", "retry_delay": "0s"})]))
    home.start_scheduler()
    run = home.trigger("z")
    wait_for(lambda: os.path.exists(pidfile) and open(pidfile).read().strip(), 10)
    # kill the try's supervisor (the task's parent): no result will ever come
    sup = int(open(pidfile).read())
    os.kill(sup, signal.SIGKILL)
    t0 = time.monotonic()
    assert home.wait_run("z", run, 30) == "success"
    assert time.monotonic() - t0 < 30 * SLOW
    a = home.tis("z", run)["a"]
    assert a["try_number"] == 2


def test_zombie_after_restart_is_detected_within_30s(home):
    """A try whose supervisor died while no scheduler was running."""
    pidfile = os.path.join(home.path, "pid")
    home.write_dag("z2.ini", dag_ini("z2", [("a", {"command": f"echo $PPID > {pidfile}; sleep 60"})]))
    sched = home.start_scheduler()
    run = home.trigger("z2")
    wait_for(lambda: os.path.exists(pidfile) and open(pidfile).read().strip(), 10)
    os.kill(sched.pid, signal.SIGKILL)
    sched.wait()
    os.kill(int(open(pidfile).read()), signal.SIGKILL)
    t0 = time.monotonic()
    home.start_scheduler()
    assert home.wait_run("z2", run, 35) == "failed"
    assert time.monotonic() - t0 < 30 * SLOW
    assert "died without reporting a result" in home.tis("z2", run)["a"]["note"]


def test_only_one_scheduler_per_home(home):
    home.start_scheduler()
    r = home.run("scheduler", timeout=10)
    assert r.returncode == 1 and "another scheduler is running" in r.stderr


def test_idle_scheduler_sleeps(home):
    """No busy polling: an idle scheduler barely wakes up."""
    home.write_dag("idle.ini", dag_ini("idle", [("t", {"command": "true"})], schedule="@yearly",
                                       start_date="2026-01-01T00:00:00Z"))
    sched = home.start_scheduler()
    time.sleep(1)

    def switches():
        with open(f"/proc/{sched.pid}/status") as f:
            return sum(int(l.split()[1]) for l in f if "ctxt_switches" in l)

    def cpu_ticks():
        with open(f"/proc/{sched.pid}/stat") as f:
            v = f.read().rsplit(")", 1)[1].split()
        return int(v[11]) + int(v[12])
    s0, c0 = switches(), cpu_ticks()
    time.sleep(3)
    s1, c1 = switches(), cpu_ticks()
    assert s1 - s0 <= 6, f"{s1 - s0} context switches in 3s of idling"
    assert c1 - c0 <= 2, f"{c1 - c0} CPU ticks in 3s of idling"
