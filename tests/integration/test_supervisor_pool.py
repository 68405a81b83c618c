"""The warm pool of supervisors ([core] supervisor_pool, executor/exec_pool.h):
members wait already started, each takes exactly one try, the pool is
refilled, and members never outlive their scheduler (graceful stop, kill -9)
nor wait longer than [core] supervisor_pool_idle_timeout."""
import os
import shutil
import signal
import subprocess
import time

from conftest import AIRC, SLOW, dag_ini, wait_for


def proc_alive(pid):
    """True while pid runs (a zombie waiting to be reaped does not count)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def pool_members(sched_pid):
    """Pids of the scheduler's children waiting as pooled supervisors."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                st = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{d}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if int(st[1]) == sched_pid and st[0] != "Z" and argv[1:3] == [b"__supervise", b"pool"]:
            out.append(int(d))
    return sorted(out)


def ppid_dag(home, dag_id, n=1):
    """A DAG of n tasks in a chain, each writing its supervisor's pid ($PPID of sh -c)."""
    marks = os.path.join(home.path, f"ppid-{dag_id}")
    os.makedirs(marks, exist_ok=True)
    tasks = [(f"t{i}", {"command": f"echo $PPID > {marks}/t{i}", **({"upstream": f"t{i-1}"} if i else {})})
             for i in range(n)]
    home.write_dag(f"{dag_id}.ini", dag_ini(dag_id, tasks))
    return marks


def test_pooled_supervisor_takes_the_try_and_the_pool_is_refilled(home):
    marks = ppid_dag(home, "warm")
    sched = home.start_scheduler()
    before = wait_for(lambda: len(pool_members(sched.pid)) == 2 and pool_members(sched.pid), 10,
                      what="two warm supervisors")
    # the small supervisor binary beside bin/airc (cheaper to start than airc)
    assert os.readlink(f"/proc/{before[0]}/exe").endswith("/airc-supervisor")
    run = home.trigger("warm")
    assert home.wait_run("warm", run, 20) == "success"
    supervisor = int(open(f"{marks}/t0").read())
    # the try ran under a supervisor that was waiting before the trigger...
    assert supervisor in before, (supervisor, before)
    # ...which took that one try and is gone; the pool is full again
    wait_for(lambda: not proc_alive(supervisor), 10, what="the used supervisor to exit")
    after = wait_for(lambda: len(pool_members(sched.pid)) == 2 and pool_members(sched.pid), 10,
                     what="the pool to be refilled")
    assert supervisor not in after


def test_chain_runs_one_supervisor_per_try(home):
    marks = ppid_dag(home, "chain", 6)
    home.start_scheduler()
    run = home.trigger("chain")
    assert home.wait_run("chain", run, 30) == "success"
    pids = [int(open(f"{marks}/t{i}").read()) for i in range(6)]
    assert len(set(pids)) == 6, pids  # never two tries in one supervisor


def test_pool_of_zero_starts_none_and_tasks_still_run(home):
    home.env["AIRC__CORE__SUPERVISOR_POOL"] = "0"
    marks = ppid_dag(home, "cold")
    sched = home.start_scheduler()
    time.sleep(0.5 * SLOW)
    assert pool_members(sched.pid) == []
    run = home.trigger("cold")
    assert home.wait_run("cold", run, 20) == "success"
    assert os.path.exists(f"{marks}/t0")
    assert pool_members(sched.pid) == []


def test_pool_members_exit_when_the_scheduler_stops(home):
    sched = home.start_scheduler()
    members = wait_for(lambda: len(pool_members(sched.pid)) == 2 and pool_members(sched.pid), 10,
                       what="two warm supervisors")
    sched.send_signal(signal.SIGTERM)
    sched.wait(10 * SLOW)
    wait_for(lambda: not any(proc_alive(p) for p in members), 5, what="warm supervisors to exit")


def test_pool_members_exit_when_the_scheduler_is_killed(home):
    sched = home.start_scheduler()
    members = wait_for(lambda: len(pool_members(sched.pid)) == 2 and pool_members(sched.pid), 10,
                       what="two warm supervisors")
    os.kill(sched.pid, signal.SIGKILL)
    sched.wait()
    wait_for(lambda: not any(proc_alive(p) for p in members), 5, what="warm supervisors to exit")


def test_idle_pool_members_time_out_and_are_reaped(home):
    home.env["AIRC__CORE__SUPERVISOR_POOL_IDLE_TIMEOUT"] = "1"
    marks = ppid_dag(home, "late")
    sched = home.start_scheduler()
    members = wait_for(lambda: len(pool_members(sched.pid)) == 2 and pool_members(sched.pid), 10,
                       what="two warm supervisors")
    # they give up after 1 s, and the scheduler reaps them (no zombies left)
    wait_for(lambda: not any(os.path.exists(f"/proc/{p}") for p in members), 10,
             what="idle supervisors to exit and be reaped")
    assert pool_members(sched.pid) == []
    # a later launch starts a fresh supervisor, then the pool fills again
    run = home.trigger("late")
    assert home.wait_run("late", run, 20) == "success"
    assert int(open(f"{marks}/t0").read()) not in members


def test_without_the_small_binary_airc_supervises_itself(home, tmp_path):
    """An airc without bin/airc-supervisor beside it runs `airc __supervise`."""
    lone = tmp_path / "lone"
    lone.mkdir()
    shutil.copy(AIRC, lone / "airc")
    marks = ppid_dag(home, "lone")
    log = open(os.path.join(home.path, "lone-scheduler.log"), "w")
    sched = subprocess.Popen([str(lone / "airc"), "scheduler"], env=home.env, stdout=log, stderr=subprocess.STDOUT)
    home.procs.append(sched)
    try:
        members = wait_for(lambda: len(pool_members(sched.pid)) == 2 and pool_members(sched.pid), 10,
                           what="two warm supervisors")
        assert os.readlink(f"/proc/{members[0]}/exe") == str(lone / "airc")
        run = home.trigger("lone")
        assert home.wait_run("lone", run, 20) == "success"
        assert int(open(f"{marks}/t0").read()) in members
    finally:
        sched.send_signal(signal.SIGTERM)
        sched.wait(10 * SLOW)
