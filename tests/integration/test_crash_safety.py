"""kill -9 of the scheduler in the middle of a run, then a restart; tasks
whose process dies without a result; one scheduler per home.

Each test runs with both executors (`executor` fixture): `local` (the
scheduler supervises its tries) and `distributed` (docs/scaling.md: an
`airc worker` process, with its own run and log folder, claims and runs
them from the store; the scheduler's lease is short so that a restarted
scheduler takes over from a SIGKILLed one quickly). Both run on SQLite in
`make test-integration` and on PostgreSQL in `make test-pg`."""
import os
import signal
import subprocess
import time

import pytest

from conftest import AIRC, ON_PG, SLOW, dag_ini, wait_for

SCHED_LEASE = 2  # distributed: a restarted scheduler takes over from a SIGKILLed one after this


@pytest.fixture(params=["local", "distributed"])
def executor(request, home, tmp_path):
    """Sets the home's executor; with `distributed`, starts a worker (a
    "host" of its own) beside the schedulers the test starts."""
    home.env["AIRC__CORE__EXECUTOR"] = request.param
    worker = None
    if request.param == "distributed":
        home.env["AIRC__SCHEDULER__LEASE_SECONDS"] = str(SCHED_LEASE)
        home.env["AIRC__SCHEDULER__WORKER_POLL_MS"] = "100"
        env = dict(home.env, AIRC__CORE__RUN_FOLDER=str(tmp_path / "worker" / "run"),
                   AIRC__LOGGING__BASE_LOG_FOLDER=str(tmp_path / "worker" / "logs"),
                   AIRC__WORKER__POLL_MS="100", AIRC__WORKER__LEASE_SECONDS="4")
        log = str(tmp_path / "worker.out")
        worker = subprocess.Popen([AIRC, "worker", "--name", "w1"], env=env, stdout=open(log, "w"),
                                  stderr=subprocess.STDOUT)
        wait_for(lambda: "worker 'w1' started" in open(log).read(), 10, what="worker start")
    yield request.param
    if worker is not None:
        for _ in range(2):  # a second SIGTERM: leave running tries at once
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(10 * SLOW)
                break
            except subprocess.TimeoutExpired:
                pass
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        assert worker.returncode == 0, f"worker exited with {worker.returncode} (see {log})"


def test_kill_9_scheduler_mid_run_then_restart(home, executor):
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


def test_kill_9_while_scheduler_is_down_the_whole_time(home, executor):
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


def test_task_process_killed_without_result_is_detected_and_retried(home, executor):
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


def test_zombie_after_restart_is_detected_within_30s(home, executor):
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
    # local: the restarted scheduler finds the try's process gone; distributed:
    # the worker saw its supervisor exit (the scheduler was down) and left
    # the failure in the store for the next scheduler
    want = "died without reporting a result" if executor == "local" else "supervisor exited without reporting a result"
    assert want in home.tis("z2", run)["a"]["note"]


def db_write(home, sql):
    """Runs one write on the home's store (SQLite file or PostgreSQL)."""
    if ON_PG:
        subprocess.run(["psql", "-X", "-q", home.env["AIRC__DATABASE__URL"], "-c", sql], check=True,
                       capture_output=True, timeout=60)
        return
    import sqlite3
    db = sqlite3.connect(os.path.join(home.path, "airc.db"))
    try:
        db.execute(sql)
        db.commit()
    finally:
        db.close()


def test_started_try_whose_running_was_never_recorded_is_not_run_again(home):
    """The scheduler commits `queued`, starts the supervisor, and dies before
    it records `running`; then the supervisor dies too. The next scheduler
    must not take the try for one that never started (its work would be
    done twice): its log shows it started, so it failed as a zombie. Local
    executor only: in distributed mode a try is `running` from the claim on
    (test_distributed.py covers lost workers)."""
    marks = os.path.join(home.path, "marks")
    pidfile = os.path.join(home.path, "pid")
    # the work: a line in marks; the first start waits to be killed
    cmd = f"echo $AIRC_TRY_NUMBER >> {marks}; [ -e {marks}.1 ] || {{ touch {marks}.1; echo $PPID > {pidfile}; sleep 60; }}"
    home.write_dag("q.ini", dag_ini("q", [("a", {"command": cmd})]))
    sched = home.start_scheduler()
    run = home.trigger("q")
    wait_for(lambda: os.path.exists(pidfile) and open(pidfile).read().strip(), 10, what="try 1 started")
    os.kill(sched.pid, signal.SIGKILL)
    sched.wait()
    os.kill(int(open(pidfile).read()), signal.SIGKILL)
    # the state the window leaves: queued, no pid (the scheduler's last write)
    db_write(home, "UPDATE task_instance SET state='queued', pid=NULL WHERE task_id='a'")
    home.start_scheduler()
    assert home.wait_run("q", run, 20) == "failed"
    a = home.tis("q", run)["a"]
    assert a["try_number"] == 1 and "died without reporting a result" in a["note"], a
    assert open(marks).read().split() == ["1"]  # done once


def test_queued_try_with_an_empty_log_is_run_not_failed(home):
    """A pool member makes a chain's next log ahead, empty, while the link
    before runs (log_spare_make_log); killed before that link began, it
    leaves the try queued with an empty log. An empty log is no proof of a
    start (the first line is): the next scheduler gives the try back and
    it runs, once, instead of failing as a zombie. Local executor only (the
    log is this host's)."""
    marks = os.path.join(home.path, "marks")
    home.write_dag("e.ini", dag_ini("e", [("a", {"command": f"echo $AIRC_TRY_NUMBER >> {marks}"})]))
    sched = home.start_scheduler()
    run = home.trigger("e")
    assert home.wait_run("e", run, 20) == "success"
    sched.send_signal(signal.SIGTERM)
    sched.wait(10 * SLOW)
    # what a member killed between its commit and the link's first line
    # leaves: try 2 queued with no process, its log there but empty
    db_write(home, "UPDATE task_instance SET state='queued', pid=NULL, try_number=2 WHERE task_id='a'")
    db_write(home, "UPDATE dag_run SET state='running' WHERE dag_id='e'")
    log = os.path.join(home.path, "logs", "dag_id=e", f"run_id={run}", "task_id=a", "attempt=2.log")
    open(log, "w").close()
    home.start_scheduler()
    assert home.wait_run("e", run, 20) == "success"
    a = home.tis("e", run)["a"]
    assert a["state"] == "success" and a["try_number"] == 2, a
    assert open(marks).read().split() == ["1", "2"]  # try 2 ran, once
    assert "started" in open(log).read()


def test_only_one_scheduler_per_home(home, executor):
    home.start_scheduler()
    r = home.run("scheduler", timeout=10)
    assert r.returncode == 1 and "another scheduler is running" in r.stderr


def test_idle_scheduler_sleeps(home):
    """No busy polling: an idle scheduler barely wakes up. Local executor
    only: in distributed mode the active scheduler polls the store for
    workers' results every [scheduler] worker_poll_ms and renews its lease,
    by design (docs/scaling.md)."""
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
