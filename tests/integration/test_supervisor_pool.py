"""The warm pool of supervisors ([core] supervisor_pool, executor/exec_pool.h):
members wait already started, take one try at a time and come back to the
pool after it ([core] supervisor_reuse; off, each takes exactly one try and
the pool is refilled), carry nothing of one try into the next (its
environment, a late stop request), retire after EXEC_MEMBER_TRIES tries, and
never outlive their scheduler (graceful stop, kill -9) nor wait longer than
[core] supervisor_pool_idle_timeout. Members are forked by one fork server
(`__supervise forkserver N`), exec'd once: it too exits with its scheduler
or when idle, and one killed is replaced."""
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import time

from conftest import AIRC, SLOW, dag_ini, db_rows, wait_for


def proc_alive(pid):
    """True while pid runs (a zombie waiting to be reaped does not count)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):  # reaped meanwhile: ENOENT or ESRCH
        return False


def sched_children(sched_pid, mode):
    """Pids of the scheduler's live children run as `__supervise <mode>`."""
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
        if int(st[1]) == sched_pid and st[0] != "Z" and argv[1:3] == [b"__supervise", mode]:
            out.append(int(d))
    return sorted(out)


def pool_members(sched_pid):
    """Pids of the scheduler's children waiting as pooled supervisors."""
    return sched_children(sched_pid, b"pool")


def fork_servers(sched_pid):
    return sched_children(sched_pid, b"forkserver")


def proc_status(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return line.split()[1]
    return None


def ppid_dag(home, dag_id, n=1):
    """A DAG of n tasks in a chain, each writing its supervisor's pid ($PPID of sh -c)."""
    marks = os.path.join(home.path, f"ppid-{dag_id}")
    os.makedirs(marks, exist_ok=True)
    tasks = [(f"t{i}", {"command": f"echo $PPID > {marks}/t{i}", **({"upstream": f"t{i-1}"} if i else {})})
             for i in range(n)]
    home.write_dag(f"{dag_id}.ini", dag_ini(dag_id, tasks))
    return marks


def test_pooled_supervisor_takes_the_try_and_comes_back(home):
    marks = ppid_dag(home, "warm")
    sched = home.start_scheduler()
    before = wait_for(lambda: len(pool_members(sched.pid)) == 2 and pool_members(sched.pid), 10,
                      what="two warm supervisors")
    # the small supervisor binary beside bin/airc (cheaper to start than airc)
    assert os.readlink(f"/proc/{before[0]}/exe").endswith("/airc-supervisor")
    used = []
    for _ in range(3):
        run = home.trigger("warm")
        assert home.wait_run("warm", run, 20) == "success"
        used.append(int(open(f"{marks}/t0").read()))
    # every try ran under a supervisor that was waiting before the first
    # trigger: each came back to the pool after its try, and none was forked
    assert set(used) <= set(before), (used, before)
    assert pool_members(sched.pid) == before
    # one killed while it waits is reaped, and the next launch refills
    os.kill(used[-1], signal.SIGKILL)
    wait_for(lambda: not os.path.exists(f"/proc/{used[-1]}"), 10, what="the killed member to be reaped")
    run = home.trigger("warm")
    assert home.wait_run("warm", run, 20) == "success"
    after = wait_for(lambda: len(pool_members(sched.pid)) == 2 and pool_members(sched.pid), 10,
                     what="the pool to be refilled")
    assert used[-1] not in after and len(set(after) - set(before)) == 1, (after, before)


def test_a_chain_runs_on_the_pools_members_without_forking(home):
    marks = ppid_dag(home, "chain", 6)
    sched = home.start_scheduler()
    members = wait_for(lambda: len(pool_members(sched.pid)) == 2 and pool_members(sched.pid), 10,
                       what="two warm supervisors")
    server = fork_servers(sched.pid)
    run = home.trigger("chain")
    assert home.wait_run("chain", run, 30) == "success"
    pids = [int(open(f"{marks}/t{i}").read()) for i in range(6)]
    # one try at a time each: the first member handed t0 runs the chain
    # after it itself (test_chain_continue.py)
    assert set(pids) <= set(members), (pids, members)
    assert pool_members(sched.pid) == members and fork_servers(sched.pid) == server


def test_without_reuse_each_try_has_a_supervisor_of_its_own(home):
    home.env["AIRC__CORE__SUPERVISOR_REUSE"] = "false"
    marks = ppid_dag(home, "chain", 6)
    sched = home.start_scheduler()
    members = wait_for(lambda: len(pool_members(sched.pid)) == 2 and pool_members(sched.pid), 10,
                       what="two warm supervisors")
    run = home.trigger("chain")
    assert home.wait_run("chain", run, 30) == "success"
    pids = [int(open(f"{marks}/t{i}").read()) for i in range(6)]
    assert len(set(pids)) == 6 and pids[0] in members, pids  # never two tries in one supervisor
    wait_for(lambda: not any(proc_alive(p) for p in pids), 10, what="each used supervisor to exit")


def test_a_members_next_try_sees_nothing_of_the_last_ones_environment(home):
    """The task process of a shell try starts with vfork(): what it sets in
    its environment before its exec is set in the member's memory. The next
    try of that member starts from the member's own environment again."""
    home.env["AIRC__CORE__SUPERVISOR_POOL"] = "1"  # one member: it takes every try
    marks = os.path.join(home.path, "env-marks")
    os.makedirs(marks)
    home.write_dag("envs.ini", dag_ini("envs", [
        ("m", {"expand": "[7]", "command": f"echo $PPID $AIRC_ITEM $AIRC_TASK_ID > {marks}/m"}),
        ("n", {"upstream": "m",
               "command": f"echo $PPID ${{AIRC_ITEM-unset}} ${{AIRC_MAP_INDEX-unset}} $AIRC_TASK_ID > {marks}/n"}),
    ]))
    home.start_scheduler()
    run = home.trigger("envs")
    assert home.wait_run("envs", run, 30) == "success"
    m = open(f"{marks}/m").read().split()
    n = open(f"{marks}/n").read().split()
    assert m[1:] == ["7", "m"], m
    assert n[0] == m[0], (m, n)  # the same member...
    assert n[1:] == ["unset", "unset", "n"], n  # ...without the mapped try's variables


def sigqueue_usr1(pid, value):
    """sigqueue(2) of SIGUSR1 with value as its sival_ptr (what exec_stop_send sends)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.sigqueue(ctypes.c_int(pid), ctypes.c_int(signal.SIGUSR1), ctypes.c_void_p(value)) != 0:
        raise OSError(ctypes.get_errno(), "sigqueue")


def test_a_stop_meant_for_another_try_is_ignored(home):
    """A stop request carries its try's token (exec_stop_send), so one that
    reaches a member after it went on to another try stops nothing; the
    right token, or a plain kill -USR1 from a user, stops the try."""
    marks = os.path.join(home.path, "stop-marks")
    os.makedirs(marks)
    gate = os.path.join(home.path, "gate")
    cmd = f"echo $PPID > {marks}/$AIRC_TASK_ID; for i in $(seq 600); do [ -e {gate} ] && exit 0; sleep 0.05; done"
    home.write_dag("tok.ini", dag_ini("tok", [("a", {"command": cmd}), ("b", {"command": cmd, "upstream": "a"})]))
    home.start_scheduler()
    run = home.trigger("tok")
    wait_for(lambda: os.path.exists(f"{marks}/a"), 20, what="try a to start")
    sup = int(open(f"{marks}/a").read())
    ti, tries = (int(x) for x in db_rows(home, "select ti.id, ti.try_number from task_instance ti join dag_run r "
                                                   f"on r.id = ti.run_pk where r.run_id = '{run}' and ti.task_id = 'a'")[0])
    sigqueue_usr1(sup, (ti << 16) ^ (tries + 1))  # another try's
    sigqueue_usr1(sup, ((ti + 1) << 16) ^ tries)  # another task instance's
    time.sleep(1.0 * SLOW)
    assert db_rows(home, f"select state from task_instance where id = {ti}")[0][0] == "running"
    sigqueue_usr1(sup, (ti << 16) ^ tries)  # its own: stopped, as on a timeout
    assert home.wait_run("tok", run, 30) == "failed"
    log = open(os.path.join(home.path, "logs", "dag_id=tok", f"run_id={run}", "task_id=a", "attempt=1.log")).read()
    assert "stopped on request" in log, log


def test_pool_of_zero_starts_none_and_tasks_still_run(home):
    home.env["AIRC__CORE__SUPERVISOR_POOL"] = "0"
    marks = ppid_dag(home, "cold")
    sched = home.start_scheduler()
    time.sleep(0.5 * SLOW)
    assert pool_members(sched.pid) == []
    assert fork_servers(sched.pid) == []  # no pool, no fork server
    run = home.trigger("cold")
    assert home.wait_run("cold", run, 20) == "success"
    assert os.path.exists(f"{marks}/t0")
    assert pool_members(sched.pid) == []
    assert fork_servers(sched.pid) == []


def test_pool_members_exit_when_the_scheduler_stops(home):
    sched = home.start_scheduler()
    members = wait_for(lambda: len(pool_members(sched.pid)) == 2 and pool_members(sched.pid), 10,
                       what="two warm supervisors")
    server = fork_servers(sched.pid)
    sched.send_signal(signal.SIGTERM)
    sched.wait(10 * SLOW)
    wait_for(lambda: not any(proc_alive(p) for p in members + server), 5,
             what="warm supervisors and the fork server to exit")


def test_pool_members_exit_when_the_scheduler_is_killed(home):
    sched = home.start_scheduler()
    members = wait_for(lambda: len(pool_members(sched.pid)) == 2 and pool_members(sched.pid), 10,
                       what="two warm supervisors")
    server = fork_servers(sched.pid)
    assert len(server) == 1, server
    os.kill(sched.pid, signal.SIGKILL)
    sched.wait()
    wait_for(lambda: not any(proc_alive(p) for p in members), 5, what="warm supervisors to exit")
    wait_for(lambda: not proc_alive(server[0]), 5, what="the fork server to exit")


def test_idle_pool_members_time_out_and_are_reaped(home):
    home.env["AIRC__CORE__SUPERVISOR_POOL_IDLE_TIMEOUT"] = "1"
    marks = ppid_dag(home, "late")
    sched = home.start_scheduler()
    members = wait_for(lambda: len(pool_members(sched.pid)) == 2 and pool_members(sched.pid), 10,
                       what="two warm supervisors")
    server = fork_servers(sched.pid)
    assert len(server) == 1, server
    # they give up after 1 s, and the scheduler reaps them (no zombies left);
    # so does the fork server
    wait_for(lambda: not any(os.path.exists(f"/proc/{p}") for p in members + server), 10,
             what="idle supervisors and the fork server to exit and be reaped")
    assert pool_members(sched.pid) == []
    # a later launch starts a fresh supervisor, then the pool fills again
    run = home.trigger("late")
    assert home.wait_run("late", run, 20) == "success"
    assert int(open(f"{marks}/t0").read()) not in members
    # the refill after that launch started a new fork server
    wait_for(lambda: len(fork_servers(sched.pid)) == 1 and fork_servers(sched.pid) != server, 10,
             what="a new fork server")


def test_members_are_forked_by_one_fork_server(home):
    """The fork server is exec'd once; members are its clones, yet the
    scheduler's children (it reaps them), each in its own session, holding
    nothing but descriptors 0-2 and its socket, with a supervisor's signal
    state whatever the scheduler's was."""
    def hostile():
        signal.signal(signal.SIGUSR2, signal.SIG_IGN)
        signal.signal(signal.SIGQUIT, signal.SIG_IGN)
    marks = ppid_dag(home, "forked", 4)
    sched = home.start_scheduler(preexec_fn=hostile)
    members = wait_for(lambda: len(pool_members(sched.pid)) == 2 and pool_members(sched.pid), 10,
                       what="two warm supervisors")
    servers = fork_servers(sched.pid)
    assert len(servers) == 1, servers
    server = servers[0]
    for pid in members:
        with open(f"/proc/{pid}/stat") as f:
            st = f.read().rsplit(")", 1)[1].split()
        assert int(st[1]) == sched.pid  # CLONE_PARENT: the scheduler's child
        assert int(st[3]) == pid, st  # session id: its own session
        fds = sorted(int(x) for x in os.listdir(f"/proc/{pid}/fd"))
        held = sorted(os.readlink(f"/proc/{pid}/fd/{fd}") for fd in fds if fd > 2)
        # its member socket, the doorbell (connected by the server: a ring is
        # one send); made while it waits: its log spare, the task's two pipes
        # (output, exec error) and the signalfd for SIGCHLD and SIGUSR1. No
        # control socket
        kinds = sorted(h.split(":")[0] if not h.startswith("/") else "file" for h in held)
        assert kinds == ["anon_inode", "file", "pipe", "pipe", "pipe", "pipe", "socket", "socket"], held
        assert [h for h in held if h.startswith("/")][0].endswith(f"/logs/.spare/{pid}.f"), held
        assert "anon_inode:[signalfd]" in held, held
        # a worker's hand-over puts the lease on descriptor 5 (dup3): what a
        # member opens while it waits stays clear of it (the member socket,
        # closed before that, may sit anywhere)
        low = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in fds if 2 < fd <= 5]
        assert all(h.startswith("socket:") for h in low) and len(low) <= 1, low
        # SIGHUP, SIGINT, SIGPIPE, SIGTERM as every supervisor; nothing of the
        # scheduler's (glibc's posix_spawn leaves its own 32 and 33 ignored in
        # every supervisor; the task process resets them: test_task_security)
        glibc = (1 << 31) | (1 << 32)
        assert int(proc_status(pid, "SigIgn"), 16) & ~glibc == sum(
            1 << (s - 1) for s in (signal.SIGHUP, signal.SIGINT, signal.SIGPIPE, signal.SIGTERM))
        assert int(proc_status(pid, "SigBlk"), 16) == (1 << (signal.SIGUSR1 - 1)) | (1 << (signal.SIGCHLD - 1))
        # a clone of the server, not a fresh exec
        assert os.readlink(f"/proc/{pid}/exe") == os.readlink(f"/proc/{server}/exe")
    run = home.trigger("forked")
    assert home.wait_run("forked", run, 30) == "success"
    pids = [int(open(f"{marks}/t{i}").read()) for i in range(4)]
    assert set(pids) <= set(members), (pids, members)  # (t0's member ran the chain: test_chain_continue.py)
    # the members came back after their tries: no refill, the same server
    assert pool_members(sched.pid) == members
    assert fork_servers(sched.pid) == [server]


def test_fork_server_killed_mid_chain_is_replaced(home):
    home.env["AIRC__CORE__SUPERVISOR_REUSE"] = "false"  # every launch refills the pool
    n = 12
    marks = ppid_dag(home, "killsrv", n)
    # slow the chain down so the kill lands in its middle
    home.write_dag("killsrv.ini", dag_ini("killsrv", [
        (f"t{i}", {"command": f"echo $PPID > {marks}/t{i}; sleep 0.2",
                   **({"upstream": f"t{i-1}"} if i else {})}) for i in range(n)]))
    sched = home.start_scheduler()
    server = wait_for(lambda: fork_servers(sched.pid), 10, what="the fork server")[0]
    run = home.trigger("killsrv")
    wait_for(lambda: os.path.exists(f"{marks}/t2"), 20, what="the chain to be under way")
    os.kill(server, signal.SIGKILL)
    assert home.wait_run("killsrv", run, 60) == "success"
    pids = [int(open(f"{marks}/t{i}").read()) for i in range(n)]
    assert len(set(pids)) == n, pids  # one supervisor per try, none lost
    # the killed server was reaped and a new one serves the pool
    new = wait_for(lambda: fork_servers(sched.pid), 10, what="a new fork server")
    assert new != [server] and not os.path.exists(f"/proc/{server}"), (new, server)
    wait_for(lambda: len(pool_members(sched.pid)) == 2, 10, what="the pool to be refilled")
    with open(f"/proc/{new[0]}/stat") as f:
        assert int(f.read().rsplit(")", 1)[1].split()[1]) == sched.pid


def test_scheduler_killed_after_hand_over_to_a_forked_member(home):
    """kill -9 of the scheduler once a forked member holds the try: the
    member runs it to the end (once), and a new scheduler records it."""
    marks = os.path.join(home.path, "marks")
    gate = os.path.join(home.path, "gate")
    cmd = f"echo $PPID >> {marks}; while [ ! -e {gate} ]; do sleep 0.05; done"
    home.write_dag("hand.ini", dag_ini("hand", [("a", {"command": cmd})]))
    sched = home.start_scheduler()
    members = wait_for(lambda: len(pool_members(sched.pid)) == 2 and pool_members(sched.pid), 10,
                       what="two warm supervisors")
    server = fork_servers(sched.pid)
    assert len(server) == 1, server
    run = home.trigger("hand")
    wait_for(lambda: os.path.exists(marks) and open(marks).read().strip(), 10, what="the try to start")
    os.kill(sched.pid, signal.SIGKILL)
    sched.wait()
    supervisor = int(open(marks).read())
    assert supervisor in members
    wait_for(lambda: not any(proc_alive(p) for p in server), 5, what="the fork server to exit")
    assert proc_alive(supervisor)  # the try's supervisor outlives both
    open(gate, "w").close()
    wait_for(lambda: not proc_alive(supervisor), 10, what="the try to end")
    home.start_scheduler()
    assert home.wait_run("hand", run, 20) == "success"
    assert open(marks).read().split() == [str(supervisor)]  # ran once


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


def test_scheduler_killed_while_the_try_is_in_flight_to_a_forked_member(home):
    """The window right after the hand-over: the members are stopped, so the
    try's descriptors sit in a member's socket when the scheduler is killed.
    Resumed, that member still takes them (queued data comes before end of
    file) and runs the try once; a new scheduler records it."""
    marks = os.path.join(home.path, "marks")
    home.write_dag("fly.ini", dag_ini("fly", [("a", {"command": f"echo $PPID >> {marks}"})]))
    sched = home.start_scheduler()
    members = wait_for(lambda: len(pool_members(sched.pid)) == 2 and pool_members(sched.pid), 10,
                       what="two warm supervisors")
    server = fork_servers(sched.pid)
    assert len(server) == 1, server
    for pid in members:
        os.kill(pid, signal.SIGSTOP)
    try:
        run = home.trigger("fly")
        # handed over and recorded: the try is running, its member has not read it yet
        wait_for(lambda: home.tis("fly", run).get("a", {}).get("state") == "running", 10,
                 what="the try to be handed over")
        assert not os.path.exists(marks)
        os.kill(sched.pid, signal.SIGKILL)
        sched.wait()
    finally:
        for pid in members:
            os.kill(pid, signal.SIGCONT)
    wait_for(lambda: os.path.exists(marks) and open(marks).read().strip(), 10, what="the try to run")
    wait_for(lambda: not any(proc_alive(p) for p in members + server), 10,
             what="the members and the fork server to exit")
    assert int(open(marks).read()) in members
    home.start_scheduler()
    assert home.wait_run("fly", run, 20) == "success"
    assert len(open(marks).read().split()) == 1  # ran once


def spares(home):
    """Names in the logs folder's .spare (executor/log_spare.h)."""
    try:
        return sorted(os.listdir(os.path.join(home.path, "logs", ".spare")))
    except FileNotFoundError:
        return []


def test_a_member_makes_its_log_folder_and_file_before_its_try(home):
    """A warm supervisor creates its try's log folder and file while it
    waits (executor/log_spare.h): the try's log IS those inodes, renamed
    into place, with the usual modes and content; spares not used go when
    their member ends, and those of a member killed with SIGKILL are swept
    by the next fork server."""
    marks = ppid_dag(home, "spare")
    sched = home.start_scheduler()
    members = wait_for(lambda: len(pool_members(sched.pid)) == 2 and pool_members(sched.pid), 10,
                       what="two warm supervisors")
    want = sorted(f"{p}.{k}" for p in members for k in "df")
    wait_for(lambda: set(want) <= set(spares(home)), 10, what="each member's spare folder and file")
    sp = os.path.join(home.path, "logs", ".spare")
    assert os.stat(sp).st_mode & 0o777 == 0o700
    inode = {name: os.lstat(os.path.join(sp, name)).st_ino for name in want}
    run = home.trigger("spare")
    assert home.wait_run("spare", run, 20) == "success"
    sup = int(open(f"{marks}/t0").read())
    assert sup in members
    task_dir = os.path.join(home.path, "logs", "dag_id=spare", f"run_id={run}", "task_id=t0")
    log = os.path.join(task_dir, "attempt=1.log")
    assert os.lstat(task_dir).st_ino == inode[f"{sup}.d"]
    assert os.lstat(log).st_ino == inode[f"{sup}.f"]
    assert os.lstat(task_dir).st_mode & 0o7777 == 0o700
    assert os.lstat(log).st_mode & 0o7777 == 0o600
    text = open(log).read()
    assert "try 1 started" in text and "task success" in text, text
    # the member, back in the pool, made new spares for its next try
    wait_for(lambda: f"{sup}.f" in spares(home) and os.lstat(os.path.join(sp, f"{sup}.f")).st_ino != inode[f"{sup}.f"],
             10, what="the member's new spares")
    # a member killed with SIGKILL leaves its spares; the next fork server
    # (this one killed too) sweeps them
    victim = [p for p in pool_members(sched.pid) if f"{p}.f" in spares(home)][0]
    server = fork_servers(sched.pid)
    os.kill(victim, signal.SIGKILL)
    for p in server:
        os.kill(p, signal.SIGKILL)
    wait_for(lambda: not os.path.exists(f"/proc/{victim}"), 10, what="the killed member to be reaped")
    assert f"{victim}.f" in spares(home)
    run = home.trigger("spare")  # its launch refills the pool: a new fork server
    assert home.wait_run("spare", run, 20) == "success"
    wait_for(lambda: f"{victim}.d" not in spares(home) and f"{victim}.f" not in spares(home), 10,
             what="the killed member's spares to be swept")
    # a graceful stop: every member drops its spares
    sched.send_signal(signal.SIGTERM)
    sched.wait(10 * SLOW)
    wait_for(lambda: spares(home) == [], 10, what="members to drop their spares")


def test_a_task_inherits_neither_the_doorbell_nor_the_servers_loader_setting(home):
    """The fork server is started with LD_BIND_NOW (every symbol bound once,
    for all its members) and hands its members a socket connected to the
    scheduler's doorbell: the task process sees neither."""
    out = os.path.join(home.path, "seen")
    home.write_dag("seen.ini", dag_ini("seen", [
        ("t", {"command": f"ls -l /proc/$$/fd > {out}.fd; env > {out}.env"})]))
    sched = home.start_scheduler()
    wait_for(lambda: len(pool_members(sched.pid)) == 2, 10, what="two warm supervisors")
    server = fork_servers(sched.pid)[0]
    with open(f"/proc/{server}/environ", "rb") as f:
        # the variables as exec'd (/proc shows the start's environment)
        assert b"LD_BIND_NOW=1" in f.read().split(b"\0")
    run = home.trigger("seen")
    assert home.wait_run("seen", run, 20) == "success"
    fds = open(f"{out}.fd").read()
    assert "socket:" not in fds, fds
    env = open(f"{out}.env").read()
    assert "LD_BIND_NOW" not in env and "AIRC_SUPERVISOR_BIND_NOW" not in env, env
    assert "AIRC_RUN_ID=" in env  # the task's own variables are there


def test_a_leased_supervisor_says_done_on_its_lease_socket_once_its_result_is_written(home, tmp_path):
    """A worker's try (executor/exec_spawn.h, EXEC_LEASE_DONE): the
    supervisor answers on its lease socketpair as soon as the result file is
    written, so that the worker records the result without waiting for the
    supervisor's exit. Driven here as a worker drives it: the request on
    descriptor 3, the lock on 4, the worker's end of the socketpair on 5."""
    run = tmp_path / "run"
    env = dict(home.env, AIRC__CORE__RUN_FOLDER=str(run))
    log = tmp_path / "try.log"
    now_us = int(time.time() * 1e6)
    req = {"ti_id": 7, "type": "shell", "dag_id": "d", "run_id": "r", "task_id": "t", "try_number": 1,
           "options": {"command": "true"}, "log_path": str(log), "cwd": str(tmp_path), "timeout": 0,
           "kill_grace": 5, "max_log_bytes": 1 << 20,
           "lease": {"until_us": now_us + 60_000_000, "margin_us": 1_000_000}}
    req_fd = os.memfd_create("request")
    os.write(req_fd, json.dumps(req).encode())
    os.lseek(req_fd, 0, os.SEEK_SET)
    lock_fd = os.open(tmp_path / "lock", os.O_RDWR | os.O_CREAT, 0o600)
    worker_end, supervisor_end = socket.socketpair()
    high = [os.dup(fd) for fd in (req_fd, lock_fd, supervisor_end.fileno())]

    def install():
        for i, fd in enumerate(high):
            os.dup2(fd, 3 + i)

    sup = os.path.join(os.path.dirname(AIRC), "airc-supervisor")
    p = subprocess.Popen([sup, "__supervise"], env=env, preexec_fn=install, pass_fds=(3, 4, 5))
    home.procs.append(p)
    for fd in high + [req_fd, lock_fd]:
        os.close(fd)
    supervisor_end.close()
    worker_end.settimeout(10 * SLOW)
    assert worker_end.recv(1) == b"R"
    # at that moment the result is there, whole
    result = json.loads((run / "results" / "7-1.json").read_text())
    assert result["ti_id"] == 7 and result["state"] == "success"
    assert p.wait(10 * SLOW) == 0
    assert worker_end.recv(1) == b""  # then end of file: nothing else was said


def test_a_member_retires_after_its_thousandth_try(home):
    """A member takes at most EXEC_MEMBER_TRIES (1000) tries, which bounds
    what tries leave allocated in it; it closes its socket before its last
    result, so the scheduler hands it nothing more, and a new member (the
    pool refills) takes the next try."""
    home.env["AIRC__CORE__SUPERVISOR_POOL"] = "1"  # one member: it takes every try
    n = 1002
    marks = os.path.join(home.path, "ppids")
    home.write_dag("long.ini", dag_ini("long", [
        (f"t{i}", {"command": f"echo $PPID >> {marks}", **({"upstream": f"t{i-1}"} if i else {})}) for i in range(n)]))
    sched = home.start_scheduler()
    first = wait_for(lambda: pool_members(sched.pid), 10, what="the warm supervisor")
    run = home.trigger("long")
    assert home.wait_run("long", run, 240 * SLOW) == "success"
    pids = [int(x) for x in open(marks).read().split()]
    assert len(pids) == n
    assert pids[:1000] == first * 1000, sorted(set(pids[:1000]))
    # the hand-over of the next try to it fails (EPIPE): that try gets a
    # supervisor of its own, and the pool a new member for the one after
    assert first[0] not in pids[1000:], pids[998:]
    wait_for(lambda: not os.path.exists(f"/proc/{first[0]}"), 10, what="the retired member to be reaped")
