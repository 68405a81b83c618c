"""The distributed executor (docs/scaling.md): schedulers and workers as
separate "hosts" (processes with their own run folder and log folder) on one
store. A ledger file each task appends to proves that no task's work is done
twice: SIGKILL of a worker mid-try, SIGSTOP of a worker past its lease, and
SIGKILL of the active scheduler (the standby takes over within 15 s)."""
import json
import os
import signal
import subprocess
import time

import pytest

from conftest import AIRC, ON_PG, SLOW, dag_ini, db_rows, secrets_change_and_check, secrets_change_dag, wait_for

WORKER_LEASE = 3      # seconds: a supervisor kills its task after 3/4 of it unrenewed
SCHED_LEASE = 4


class Cluster:
    def __init__(self, home, tmp):
        self.home = home
        self.tmp = str(tmp)
        self.procs = {}
        os.makedirs(self.tmp, exist_ok=True)
        self.ledger = os.path.join(self.tmp, "ledger")
        open(self.ledger, "w").close()

    def env(self, host):
        e = dict(self.home.env)
        base = os.path.join(self.tmp, host)
        e["AIRC__CORE__EXECUTOR"] = "distributed"
        e["AIRC__CORE__RUN_FOLDER"] = os.path.join(base, "run")
        e["AIRC__LOGGING__BASE_LOG_FOLDER"] = os.path.join(base, "logs")
        e["AIRC__WORKER__LEASE_SECONDS"] = str(WORKER_LEASE)
        e["AIRC__WORKER__POLL_MS"] = "100"
        e["AIRC__SCHEDULER__LEASE_SECONDS"] = str(SCHED_LEASE)
        e["AIRC__SCHEDULER__WORKER_POLL_MS"] = "100"
        e["LEDGER_HOST"] = host
        return e

    def log_path(self, host):
        return os.path.join(self.tmp, f"{host}.out")

    def log(self, host):
        try:
            with open(self.log_path(host)) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def start(self, host, *args):
        out = open(self.log_path(host), "a")
        p = subprocess.Popen([AIRC, *args], env=self.env(host), stdout=out, stderr=subprocess.STDOUT)
        self.procs[host] = p
        return p

    def scheduler(self, host, *args):
        p = self.start(host, "scheduler", *args)
        wait_for(lambda: "scheduler started" in self.log(host), 10, what=f"{host} start")
        return p

    def worker(self, host, *args):
        p = self.start(host, "worker", "--name", host, *args)
        wait_for(lambda: f"worker '{host}' started" in self.log(host), 10, what=f"{host} start")
        return p

    def ledger_lines(self):
        with open(self.ledger) as f:
            return [l.split() for l in f.read().splitlines() if l.strip()]

    def stop_all(self):
        for p in self.procs.values():
            if p.poll() is None:
                try:
                    os.kill(p.pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass
                p.send_signal(signal.SIGTERM)
        for p in self.procs.values():
            try:
                p.wait(15 * SLOW)
            except subprocess.TimeoutExpired:
                p.send_signal(signal.SIGTERM)  # a worker's second signal: leave at once
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


@pytest.fixture
def cluster(home, tmp_path):
    c = Cluster(home, tmp_path / "hosts")
    yield c
    c.stop_all()


def ledger_cmd(c, task, secs):
    # the work: sleep, then one ledger line (task, try, host)
    return f"sleep {secs}; echo {task} $AIRC_TRY_NUMBER $LEDGER_HOST >> {c.ledger}"


def ti_of(home, dag, run, task):
    return home.tis(dag, run)[task]


def test_queues_hostname_and_logs_from_the_store(home, cluster):
    tasks = [("a", {"command": ledger_cmd(cluster, "a", 0) + "; echo hello-from-a"}),
             ("b", {"command": ledger_cmd(cluster, "b", 0), "upstream": "a", "queue": "special"}),
             ("c", {"command": ledger_cmd(cluster, "c", 0), "upstream": "b"})]
    home.write_dag("d.ini", dag_ini("d", tasks))
    cluster.scheduler("s1")
    cluster.worker("w1")
    cluster.worker("w2", "--queues", "special", "--concurrency", "1")
    run = home.trigger("d")
    assert home.wait_run("d", run, 30) == "success"
    tis = home.tis("d", run)
    assert tis["a"]["hostname"] == "w1" and tis["c"]["hostname"] == "w1"
    assert tis["b"]["hostname"] == "w2"  # routed by its queue
    # each try's history keeps its host too (recorded with its outcome)
    assert sorted(db_rows(home, "SELECT ti.task_id, t.hostname FROM task_try t JOIN task_instance ti"
                                " ON ti.id=t.ti_id")) == [["a", "w1"], ["b", "w2"], ["c", "w1"]]
    assert int(db_rows(home, "SELECT count(*) FROM task_claim")[0][0]) == 0  # taken as they were applied
    assert sorted(cluster.ledger_lines()) == [["a", "1", "w1"], ["b", "1", "w2"], ["c", "1", "w1"]]
    # the log was written on w1's host; the user's airc reads it from the store
    assert not os.path.exists(os.path.join(home.path, "logs", "dag_id=d"))
    r = home.run("tasks", "logs", "d", run, "a", check=True)
    assert "hello-from-a" in r.stdout and "task success" in r.stdout


@pytest.mark.skipif(not ON_PG, reason="tries are handed to a worker on PostgreSQL only (its wake-ups)")
def test_a_chains_next_try_is_handed_to_the_worker_that_ran_its_upstream(home, cluster):
    # the scheduler's own hand-over, each try through a wake of its own (the
    # worker continuing the chain itself is the next test)
    home.env["AIRC__SCHEDULER__CONTINUE_CHAINS"] = "false"
    tasks = [("a", {"command": ledger_cmd(cluster, "a", 0)})]
    tasks += [(t, {"command": ledger_cmd(cluster, t, 0), "upstream": u}) for u, t in (("a", "b"), ("b", "c"), ("c", "d"))]
    home.write_dag("h.ini", dag_ini("h", tasks))
    stats = os.path.join(cluster.tmp, "s1.stats")
    cluster.scheduler("s1", "--stats-file", stats)
    cluster.worker("w1")
    cluster.worker("w2")
    run = home.trigger("h")
    assert home.wait_run("h", run, 30) == "success"
    # the wakes that moved the chain (one result in, the next try out) take
    # three round trips (docs/scaling.md, "Round trips of a wake"): counted
    # by the store's driver, not timed, so a fourth fails here. The lower
    # median of the three: the first such wake also reads connections and
    # variables, and so does one that finds them a second old (or sweeps)
    with open(stats) as f:
        wakes = [json.loads(l) for l in f if l.strip()]
    moved = [w for w in wakes if w["worker_claims"] == 1 and w["queued"] == 1]
    assert len(moved) == 3, wakes
    assert sorted(w["round_trips"] for w in moved)[1] <= 3, [(w["round_trips"], w["statements"]) for w in moved]
    tis = home.tis("h", run)
    host = tis["a"]["hostname"]
    other = "w2" if host == "w1" else "w1"
    # b, c, d went straight to the worker that had just run their upstream:
    # no claim, no other worker woken for them
    assert {t["hostname"] for t in tis.values()} == {host}
    assert cluster.log(host).count("(handed to this worker)") == 3
    assert "(handed to this worker)" not in cluster.log(other)
    assert sorted(l[0] for l in cluster.ledger_lines()) == ["a", "b", "c", "d"]  # each once
    assert int(db_rows(home, "SELECT count(*) FROM task_claim")[0][0]) == 0
    # [scheduler] hand_to_upstream_worker = false: claimed as before
    cluster.stop_all()
    home.env["AIRC__SCHEDULER__HAND_TO_UPSTREAM_WORKER"] = "false"
    cluster.procs = {}
    cluster.scheduler("s2")
    cluster.worker("w3")
    run = home.trigger("h")
    assert home.wait_run("h", run, 30) == "success"
    assert "(handed to this worker)" not in cluster.log("w3")
    assert {t["hostname"] for t in home.tis("h", run).values()} == {"w3"}


@pytest.mark.skipif(not ON_PG, reason="chains are continued by workers on PostgreSQL only")
def test_a_worker_continues_a_chain_without_waiting_for_the_scheduler(home, cluster):
    """A chain's next try rides with its upstream's request; the worker that
    ran the upstream queues and starts it itself, in the statement that
    records the upstream's success (docs/scaling.md, "A worker continues a
    chain"). Each task still runs once, in order, each recorded by the
    scheduler; the scheduler's stats count the continued tries."""
    names = ["a", "b", "c", "d", "e"]
    tasks = [("a", {"command": ledger_cmd(cluster, "a", 0)})]
    tasks += [(t, {"command": ledger_cmd(cluster, t, 0), "upstream": u}) for u, t in zip(names, names[1:])]
    home.write_dag("k.ini", dag_ini("k", tasks))
    stats = os.path.join(cluster.tmp, "s1.stats")
    cluster.scheduler("s1", "--stats-file", stats)
    cluster.worker("w1")
    cluster.worker("w2")
    run = home.trigger("k")
    assert home.wait_run("k", run, 30 * SLOW) == "success"
    assert [l[0] for l in cluster.ledger_lines()] == names  # each once, in order
    tis = home.tis("k", run)
    assert all(t["state"] == "success" and t["try_number"] == 1 for t in tis.values()), tis
    host = tis["a"]["hostname"]
    assert {t["hostname"] for t in tis.values()} == {host}
    assert cluster.log(host).count("(continued by this worker)") == 4, cluster.log(host)
    with open(stats) as f:
        wakes = [json.loads(l) for l in f if l.strip()]
    assert sum(w["continued"] for w in wakes) == 4, wakes
    assert sum(w["queued"] for w in wakes) == 1, wakes  # a alone went through the scheduler's queue
    assert int(db_rows(home, "SELECT count(*) FROM task_claim")[0][0]) == 0
    # the next task marked while its upstream runs: the worker's statement
    # finds it no longer `none` and continues nothing
    flag = os.path.join(cluster.tmp, "go")
    home.write_dag("m.ini", dag_ini("m", [("a", {"command": f"while [ ! -e {flag} ]; do sleep 0.05; done"}),
                                          ("b", {"command": ledger_cmd(cluster, "mb", 0), "upstream": "a"})]))
    wait_for(lambda: int(db_rows(home, "SELECT count(*) FROM dag WHERE dag_id='m'")[0][0]) == 1, 10 * SLOW,
             what="DAG m parsed")
    run2 = home.trigger("m")
    wait_for(lambda: home.tis("m", run2)["a"]["state"] == "running", 20 * SLOW, what="task a running")
    home.run("tasks", "mark", "m", run2, "b", "--state", "skipped", check=True)
    open(flag, "w").close()
    assert home.wait_run("m", run2, 30 * SLOW) == "success"
    assert home.tis("m", run2)["b"]["state"] == "skipped"
    assert "mb" not in [l[0] for l in cluster.ledger_lines()]
    # the DAG paused while its task runs: nothing continued, nothing queued
    # until it is unpaused; then the scheduler runs the next task itself
    os.unlink(flag)
    run3 = home.trigger("m")
    wait_for(lambda: home.tis("m", run3)["a"]["state"] == "running", 20 * SLOW, what="task a running")
    home.run("dags", "pause", "m", check=True)
    open(flag, "w").close()
    wait_for(lambda: home.tis("m", run3)["a"]["state"] == "success", 20 * SLOW, what="task a done")
    time.sleep(1)
    assert home.tis("m", run3)["b"]["state"] in ("none", "scheduled")
    assert "mb" not in [l[0] for l in cluster.ledger_lines()]
    home.run("dags", "unpause", "m", check=True)
    assert home.wait_run("m", run3, 30 * SLOW) == "success"
    assert [l[0] for l in cluster.ledger_lines()].count("mb") == 1
    # [scheduler] continue_chains = false: every try through the scheduler
    cluster.stop_all()
    home.env["AIRC__SCHEDULER__CONTINUE_CHAINS"] = "false"
    cluster.procs = {}
    cluster.scheduler("s2")
    cluster.worker("w3")
    run = home.trigger("k")
    assert home.wait_run("k", run, 30 * SLOW) == "success"
    assert "(continued by this worker)" not in cluster.log("w3")


@pytest.mark.skipif(not ON_PG, reason="tries are handed to a worker on PostgreSQL only (its wake-ups)")
def test_a_try_handed_to_a_worker_with_no_free_slot_is_given_back_and_runs_once(home, cluster):
    # t waits on a queue no worker serves; w1 (one slot) runs a long task;
    # t is then handed to w1 as the scheduler would (its claim held by w1
    # under a token of w1's process, and the wake-up on that process's own
    # channel): w1 has no free slot,
    # so it gives t back to the queue, and runs it once its slot is free
    home.write_dag("o.ini", dag_ini("o", [("t", {"command": ledger_cmd(cluster, "t", 0), "queue": "other"})]))
    home.write_dag("l.ini", dag_ini("l", [("long", {"command": ledger_cmd(cluster, "long", 3)})]))
    cluster.scheduler("s1")
    cluster.worker("w1", "--concurrency", "1")
    run_o = home.trigger("o")
    wait_for(lambda: ti_of(home, "o", run_o, "t")["state"] == "queued", 10, what="t queued")
    run_l = home.trigger("l")
    wait_for(lambda: ti_of(home, "l", run_l, "long")["state"] == "running", 10, what="long running on w1")
    prefix = db_rows(home, "SELECT left(lease_token, 8) FROM task_claim WHERE worker='w1'")[0][0]
    token = prefix + "-0000-4000-8000-000000000000"
    lease = int(time.time() * 1e6) + 60_000_000
    db_rows(home, f"UPDATE task_claim SET queue='default', worker='w1', lease_token='{token}', lease_until_us={lease}"
                  " WHERE worker IS NULL AND queue='other';"
                  f" SELECT pg_notify('airc_work_handed_{prefix}', 'default' || chr(9) || 'w1' || chr(9) || lease_token ||"
                  " chr(9) || ti_id || chr(9) || try_number || chr(9) || lease_until_us || chr(9) || request)"
                  f" FROM task_claim WHERE lease_token='{token}'")
    wait_for(lambda: "given back to its queue" in cluster.log("w1"), 10, what="t given back")
    assert home.wait_run("l", run_l, 30) == "success"
    assert home.wait_run("o", run_o, 30) == "success"
    assert ti_of(home, "o", run_o, "t")["hostname"] == "w1"
    assert sorted(l[0] for l in cluster.ledger_lines()) == ["long", "t"]  # t ran once, after long
    assert "(handed to this worker)" not in cluster.log("w1")


@pytest.mark.skipif(not ON_PG, reason="tries are handed to a worker on PostgreSQL only (its wake-ups)")
def test_a_try_handed_too_late_for_its_lease_is_not_started_and_is_retried(home, cluster):
    # a worker stopped (or cut off) while a try was handed to it reads the
    # wake-up after the lease is nearly over: it must not start the try,
    # which the scheduler fails (lease expired) and retries, here on w2
    home.write_dag("z.ini", dag_ini("z", [("t", {"command": ledger_cmd(cluster, "t", 0), "queue": "other",
                                                 "retries": "1", "retry_delay": "1s"})]))
    home.write_dag("p.ini", dag_ini("p", [("probe", {"command": "sleep 3"})]))
    cluster.scheduler("s1")
    cluster.worker("w1", "--concurrency", "2")
    run = home.trigger("z")
    wait_for(lambda: ti_of(home, "z", run, "t")["state"] == "queued", 10, what="t queued")
    run_p = home.trigger("p")  # a claim of w1's shows its token prefix
    wait_for(lambda: ti_of(home, "p", run_p, "probe")["state"] == "running", 10, what="probe running on w1")
    prefix = db_rows(home, "SELECT left(lease_token, 8) FROM task_claim WHERE worker='w1'")[0][0]
    token = prefix + "-0000-4000-8000-000000000001"
    lease = int(time.time() * 1e6) + 500_000  # under a quarter of w1's 3 s lease left
    db_rows(home, f"UPDATE task_claim SET worker='w1', lease_token='{token}', lease_until_us={lease}"
                  " WHERE worker IS NULL AND queue='other';"
                  f" SELECT pg_notify('airc_work_handed_{prefix}', queue || chr(9) || 'w1' || chr(9) || lease_token ||"
                  " chr(9) || ti_id || chr(9) || try_number || chr(9) || lease_until_us || chr(9) || request)"
                  f" FROM task_claim WHERE lease_token='{token}'")
    wait_for(lambda: "came after its lease's end was near: not started" in cluster.log("w1"), 10, what="not started")
    cluster.worker("w2", "--queues", "other")
    assert home.wait_run("z", run, 40) == "success"
    t = ti_of(home, "z", run, "t")
    assert t["try_number"] == 2 and t["hostname"] == "w2"
    assert [l for l in cluster.ledger_lines() if l[0] == "t"] == [["t", "2", "w2"]]  # try 1 never ran
    assert home.wait_run("p", run_p, 30) == "success"


def test_sigkill_worker_mid_try_retried_elsewhere_work_done_once(home, cluster):
    home.write_dag("k.ini", dag_ini("k", [("t", {"command": ledger_cmd(cluster, "t", 4),
                                                 "retries": "1", "retry_delay": "1s"})]))
    cluster.scheduler("s1")
    w1 = cluster.worker("w1")
    run = home.trigger("k")
    wait_for(lambda: ti_of(home, "k", run, "t")["state"] == "running", 10, what="t running on w1")
    time.sleep(1)
    os.kill(w1.pid, signal.SIGKILL)
    w1.wait()
    cluster.worker("w2")
    assert home.wait_run("k", run, 40) == "success"
    t = ti_of(home, "k", run, "t")
    assert t["try_number"] == 2 and t["hostname"] == "w2"
    time.sleep(1)
    # the killed worker's try died with it: its work never happened
    assert cluster.ledger_lines() == [["t", "2", "w2"]]
    log1 = os.path.join(cluster.tmp, "w1", "logs", "dag_id=k", f"run_id={run}", "task_id=t", "attempt=1.log")
    assert "worker gone: killed process group" in open(log1).read()
    tries = home.json("tasks", "states-for-dag-run", "k", run)
    assert tries[0]["state"] == "success"


def test_sigstop_worker_past_its_lease_is_fenced(home, cluster):
    home.write_dag("s.ini", dag_ini("s", [("t", {"command": ledger_cmd(cluster, "t", 5),
                                                 "retries": "1", "retry_delay": "1s"})]))
    cluster.scheduler("s1")
    w1 = cluster.worker("w1")
    run = home.trigger("s")
    wait_for(lambda: ti_of(home, "s", run, "t")["state"] == "running", 10, what="t running on w1")
    os.kill(w1.pid, signal.SIGSTOP)  # a network cut: it renews nothing
    cluster.worker("w2")
    # the lease expires: the scheduler retries the try on w2
    wait_for(lambda: (lambda t: t["try_number"] == 2 and t["state"] == "running" and t["hostname"] == "w2")(
        ti_of(home, "s", run, "t")), 20, what="try 2 running on w2")
    os.kill(w1.pid, signal.SIGCONT)
    assert home.wait_run("s", run, 30) == "success"
    # w1's late result is ignored (fenced), and its task was killed when the
    # lease ran out, before try 2 started: the work was done once
    wait_for(lambda: "result ignored (fenced)" in cluster.log("w1"), 10, what="fenced result")
    assert cluster.ledger_lines() == [["t", "2", "w2"]]
    log1 = os.path.join(cluster.tmp, "w1", "logs", "dag_id=s", f"run_id={run}", "task_id=t", "attempt=1.log")
    assert "lease lost" in open(log1).read()
    t = ti_of(home, "s", run, "t")
    assert t["state"] == "success" and t["hostname"] == "w2"
    r = home.run("tasks", "logs", "s", run, "t", "--try", "1", check=True)
    assert "lease lost" in r.stdout  # shipped by w1 after it woke up


def test_sigkill_active_scheduler_standby_takes_over(home, cluster):
    tasks = [(f"t{i}", {"command": ledger_cmd(cluster, f"t{i}", 1)} | ({"upstream": f"t{i-1}"} if i else {}))
             for i in range(4)]
    home.write_dag("h.ini", dag_ini("h", tasks))
    s1 = cluster.scheduler("s1")
    wait_for(lambda: "scheduler lease taken" in cluster.log("s1") or "standby" not in cluster.log("s1"), 5)
    cluster.scheduler("s2")
    wait_for(lambda: "standby: the scheduler lease is held by" in cluster.log("s2"), 10, what="s2 standby")
    cluster.worker("w1")
    run = home.trigger("h")
    wait_for(lambda: ti_of(home, "h", run, "t1")["state"] == "running", 15, what="t1 running")
    os.kill(s1.pid, signal.SIGKILL)
    killed = time.monotonic()
    s1.wait()
    wait_for(lambda: "scheduler lease taken" in cluster.log("s2"), 15, what="s2 to take over")
    assert time.monotonic() - killed < 15
    assert home.wait_run("h", run, 40) == "success"
    assert sorted(cluster.ledger_lines()) == [[f"t{i}", "1", "w1"] for i in range(4)]
    assert len(home.runs("h")) == 1


def db_write(home, sql):
    if ON_PG:
        db_rows(home, sql)  # psql: its own transaction, committed
        return
    import sqlite3
    db = sqlite3.connect(os.path.join(home.path, "airc.db"), timeout=10)
    try:
        with db:
            db.execute(sql)
    finally:
        db.close()


def test_a_scheduler_whose_lease_was_taken_commits_nothing_and_stands_by(home, cluster):
    # Between renewals (every lease_seconds / 3) a wake fences its commit
    # instead of renewing: taken away right after a renewal (another
    # holder written into the row), the next wake's writes are refused, the
    # scheduler stands by, and the run moves only once the lease is back.
    home.write_dag("f.ini", dag_ini("f", [("t", {"command": ledger_cmd(cluster, "t", 0)})]))
    cluster.scheduler("s1")
    cluster.worker("w1")
    first = home.trigger("f")
    assert home.wait_run("f", first, 30) == "success"

    def until():
        return int(db_rows(home, "SELECT until_us FROM scheduler_lease WHERE id=1")[0][0])
    u0 = until()
    wait_for(lambda: until() != u0, 10, interval=0.01, what="a lease renewal")
    far = int(time.time() * 1e6) + 3600 * 10**6
    db_write(home, f"UPDATE scheduler_lease SET holder='intruder:1', token='x', until_us={far} WHERE id=1")
    second = home.trigger("f")
    wait_for(lambda: "scheduler lease lost" in cluster.log("s1"), 10, what="the fenced commit to fail")
    wait_for(lambda: "standby: the scheduler lease is held by intruder:1" in cluster.log("s1"), 10,
             what="s1 to stand by")
    time.sleep(1.0 * SLOW)
    assert home.run_state("f", second) == "queued"  # nothing of the fenced wake stayed
    assert home.tis("f", second).get("t", {}).get("state") in (None, "", "none")
    assert cluster.ledger_lines() == [["t", "1", "w1"]]
    db_write(home, "UPDATE scheduler_lease SET until_us=0 WHERE id=1")  # given back
    assert home.wait_run("f", second, 30) == "success"
    assert cluster.ledger_lines() == [["t", "1", "w1"], ["t", "1", "w1"]]


def test_unreadable_input_fails_naming_path_and_host(home, cluster):
    xcom = 'echo \'{"path": "/nonexistent/airc-data/users.jsonl"}\' > $AIRC_XCOM_OUT'
    home.write_dag("i.ini", dag_ini("i", [("produce", {"command": xcom}),
                                          ("consume", {"command": "true", "upstream": "produce"})]))
    cluster.scheduler("s1")
    cluster.worker("w1")
    run = home.trigger("i")
    assert home.wait_run("i", run, 30) == "failed"
    note = ti_of(home, "i", run, "consume")["note"]
    assert "input /nonexistent/airc-data/users.jsonl (from upstream task 'produce') is not readable on host w1" in note


def test_bad_executor_and_bad_queue_are_one_line(home, cluster):
    env = dict(home.env, AIRC__CORE__EXECUTOR="bogus")
    r = subprocess.run([AIRC, "scheduler"], env=env, capture_output=True, text=True, timeout=20)
    assert r.returncode == 1
    assert "[core] executor must be 'local' or 'distributed', not 'bogus'" in r.stderr
    home.write_dag("q.ini", dag_ini("q", [("t", {"command": "true", "queue": "no spaces"})]))
    home.run("dags", "reserialize")
    errs = home.import_errors()
    assert "queue must be 1..64 letters, digits" in errs["q.ini"]


def test_dataset_trigger_with_two_schedulers(home, cluster):
    """Datasets with several schedulers: the event and the run it triggers
    commit in the lease holder's transaction, so each update triggers one
    run, and the queue survives the active scheduler's death."""
    home.write_dag("p.ini", dag_ini("p", [("w", {"command": "true", "outlets": "s3://lake/p"})]))
    home.write_dag("c.ini", dag_ini("c", [("r", {"command": "true"})], schedule="s3://lake/p"))
    s1 = cluster.scheduler("s1")
    wait_for(lambda: "scheduler lease taken" in cluster.log("s1") or "standby" not in cluster.log("s1"), 5)
    cluster.scheduler("s2")
    wait_for(lambda: "standby: the scheduler lease is held by" in cluster.log("s2"), 10, what="s2 standby")
    cluster.worker("w1")
    run = home.trigger("p")
    assert home.wait_run("p", run, 30) == "success"
    first = wait_for(lambda: home.runs("c"), 15, what="dataset-triggered run")
    assert home.wait_run("c", first[0]["run_id"], 30) == "success"
    os.kill(s1.pid, signal.SIGKILL)
    s1.wait()
    wait_for(lambda: "scheduler lease taken" in cluster.log("s2"), 15, what="s2 to take over")
    run2 = home.trigger("p", "--run-id", "second")
    assert home.wait_run("p", run2, 30) == "success"
    wait_for(lambda: len(home.runs("c")) == 2, 15, what="second dataset-triggered run")
    time.sleep(1.5)  # several more wakes of s2: no third run
    runs = home.runs("c")
    assert len(runs) == 2 and all(r["run_type"] == "dataset_triggered" for r in runs)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie nobody reaped yet is dead too; one reaped between the two
    # looks is gone (reading its stat then fails with ENOENT or ESRCH)
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def test_sigkill_worker_with_a_long_task_kills_the_task_and_its_children_at_once(home, cluster):
    """A try far longer than the lease: SIGKILL of its worker must not leave
    it (or a child it started in the background) running until the lease
    expires and another worker runs it again: it dies with its worker."""
    pids = os.path.join(cluster.tmp, "pids")
    long_try = (f"echo $$ > {pids}; (sleep 60; echo $AIRC_RUN_ID t late >> {cluster.ledger}) & echo $! >> {pids}; wait; "
                f"echo t $AIRC_TRY_NUMBER $LEDGER_HOST >> {cluster.ledger}")
    cmd = f"if [ $AIRC_TRY_NUMBER = 1 ]; then {long_try}; else {ledger_cmd(cluster, 't', 0)}; fi"
    home.write_dag("long.ini", dag_ini("long", [("t", {"command": cmd, "retries": "1", "retry_delay": "0s"})]))
    cluster.scheduler("s1")
    w1 = cluster.worker("w1")
    run = home.trigger("long")
    wait_for(lambda: os.path.exists(pids) and len(open(pids).read().split()) == 2, 15, what="try 1 and its child")
    shell, child = (int(p) for p in open(pids).read().split())
    assert pid_alive(shell) and pid_alive(child)
    os.kill(w1.pid, signal.SIGKILL)
    killed = time.monotonic()
    w1.wait()
    # at once: well before the lease (WORKER_LEASE s) could expire
    wait_for(lambda: not pid_alive(shell) and not pid_alive(child), 2, what="try 1's processes to die with w1")
    assert time.monotonic() - killed < WORKER_LEASE
    cluster.worker("w2")
    assert home.wait_run("long", run, 40) == "success"
    t = ti_of(home, "long", run, "t")
    assert t["try_number"] == 2 and t["hostname"] == "w2"
    assert cluster.ledger_lines() == [["t", "2", "w2"]]
    log1 = os.path.join(cluster.tmp, "w1", "logs", "dag_id=long", f"run_id={run}", "task_id=t", "attempt=1.log")
    assert "worker gone: killed process group" in open(log1).read()
def test_a_pool_caps_tries_across_schedulers_and_workers(home, cluster):
    """Two schedulers (one active, one standby) and two workers of four
    slots each: the pool's two slots are never exceeded (docs/authoring.md)."""
    home.run("pools", "set", "two", "2", check=True)
    spans = os.path.join(cluster.tmp, "spans")
    os.makedirs(spans)
    cmd = f"t0=$(date +%s.%N); sleep 0.7; echo $t0 $(date +%s.%N) > {spans}/$AIRC_TASK_ID"
    home.write_dag("pd.ini", dag_ini("pd", [(f"t{i}", {"command": cmd, "pool": "two"}) for i in range(6)],
                                     max_active_tasks="16"))
    cluster.scheduler("s1")
    cluster.scheduler("s2")
    cluster.worker("w1", "--concurrency", "4")
    cluster.worker("w2", "--concurrency", "4")
    run = home.trigger("pd")
    assert home.wait_run("pd", run, 60) == "success"
    events = []
    for name in os.listdir(spans):
        with open(os.path.join(spans, name)) as f:
            t0, t1 = (float(x) for x in f.read().split())
        events += [(t0, 1), (t1, -1)]
    cur = best = 0
    for _, d in sorted(events, key=lambda e: (e[0], e[1])):
        cur += d
        best = max(best, cur)
    assert len(events) == 12 and best == 2, best
    hosts = {t["hostname"] for t in home.tis("pd", run).values()}
    assert hosts <= {"w1", "w2"}


def test_marking_a_running_try_stops_it_on_its_worker(home, cluster):
    """Issue 10 part 1 in distributed mode: `tasks mark ... --state failed` on a
    try a worker runs makes that worker stop it as the local scheduler would
    (SIGTERM to the task's process group, which the task sees), not leave it
    running to its end; the instance keeps the marked state."""
    with open(os.path.join(home.path, "airc.ini"), "a") as f:
        f.write("[core]\nkill_grace_period = 2\n")
    termed = os.path.join(cluster.tmp, "termed")
    cmd = (f"trap 'echo TERM > {termed}; exit 143' TERM; echo $$ > {cluster.tmp}/pid; "
           "for i in $(seq 600); do sleep 0.1; done")
    home.write_dag("nap.ini", dag_ini("nap", [("t", {"command": cmd})]))
    cluster.scheduler("s1")
    cluster.worker("w1")
    run = home.trigger("nap")
    wait_for(lambda: ti_of(home, "nap", run, "t")["state"] == "running" and os.path.exists(f"{cluster.tmp}/pid"),
             20, what="t running on w1")
    t0 = time.monotonic()
    r = home.run("tasks", "mark", "nap", run, "t", "--state", "failed", check=True)
    assert "is being stopped" in r.stdout
    wait_for(lambda: os.path.exists(termed), 5, what="the task to get SIGTERM from its worker")
    assert time.monotonic() - t0 < 5 * SLOW
    wait_for(lambda: "stopping it on request" in cluster.log("w1"), 5, what="w1 to say so")
    assert ti_of(home, "nap", run, "t")["state"] == "failed"
    assert home.wait_run("nap", run, 20) == "failed"


def test_a_stop_request_no_worker_took_is_deleted_after_two_worker_leases(home, cluster):
    """Marking a queued try that no worker ever claimed leaves a stop request
    that no worker will act on: the scheduler deletes it once two worker
    leases ([worker] lease_seconds) have passed, and not before."""
    home.write_dag("q.ini", dag_ini("q", [("t", {"command": "true"})]))
    cluster.scheduler("s1")  # no worker: the try stays queued
    run = home.trigger("q")
    wait_for(lambda: ti_of(home, "q", run, "t")["state"] == "queued", 20, what="t queued")
    home.run("tasks", "mark", "q", run, "t", "--state", "failed", check=True)
    t0 = time.monotonic()
    assert len(db_rows(home, "SELECT id FROM ti_stop_request")) == 1
    wait_for(lambda: not db_rows(home, "SELECT id FROM ti_stop_request"), 2 * WORKER_LEASE + 10 * SLOW,
             interval=0.2, what="the orphaned stop request to be deleted")
    assert time.monotonic() - t0 >= 2 * WORKER_LEASE - 1
    assert ti_of(home, "q", run, "t")["state"] == "failed"


def test_pid_and_log_path_come_with_the_result_or_the_first_renewal(home, cluster):
    """A short try's log path reaches the store in the statement of its
    result (no statement of its own) and the outcome writes it to the task
    instance, with the pid the result names; a longer try's supervisor pid
    and log path come with its first lease renewal (lease/4), while it runs."""
    tasks = [("q", {"command": "true"}),
             ("l", {"command": f"touch {cluster.tmp}/l-started; sleep {3 * WORKER_LEASE}", "upstream": "q"})]
    home.write_dag("pl.ini", dag_ini("pl", tasks))
    cluster.scheduler("s1")
    cluster.worker("w1")
    run = home.trigger("pl")
    w1_logs = os.path.join(cluster.tmp, "w1", "logs")

    def stored(task):
        rows = db_rows(home, "SELECT coalesce(ti.pid, 0), coalesce(ti.log_path, ''), ti.state FROM task_instance ti"
                             f" JOIN dag_run r ON r.id=ti.run_pk WHERE r.dag_id='pl' AND ti.task_id='{task}'")
        return int(rows[0][0]), rows[0][1], rows[0][2]

    wait_for(lambda: os.path.exists(f"{cluster.tmp}/l-started"), 20 * SLOW, what="l to start on w1")
    # l may have been started by w1 itself (docs/scaling.md, "A worker
    # continues a chain"): the scheduler then applies q's result at its next
    # poll, not before l starts
    wait_for(lambda: stored("q")[2] == "success", 10 * SLOW, what="q's result applied")
    pid, log_path, state = stored("q")
    assert state == "success" and pid > 0
    assert log_path.startswith(w1_logs) and log_path.endswith("attempt=1.log"), log_path
    # l runs for 3 leases; its first renewal is due a quarter lease after its start
    wait_for(lambda: stored("l")[1].startswith(w1_logs), WORKER_LEASE * SLOW, what="l's log path during its run")
    pid, log_path, state = stored("l")
    assert state == "running" and pid > 0
    assert home.wait_run("pl", run, 30 * SLOW) == "success"


def pool_members(worker_pid, mode=b"pool"):
    """The worker's children waiting as warm supervisors (`__supervise pool
    N`), or its fork server (mode b"forkserver")."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if ppid == worker_pid and b"__supervise" in argv and mode in argv:
            out.append(int(pid))
    return out


def test_worker_tries_run_in_pooled_supervisors_and_die_with_the_worker(home, cluster):
    """[worker] supervisor_pool (default: the concurrency): a try is handed
    to a warm supervisor the worker's fork server cloned as the worker's own
    child (no exec per try), with the lease pipe; SIGKILL of the worker
    mid-try still kills the try at once, and the retry elsewhere does the
    work exactly once."""
    sup = os.path.join(cluster.tmp, "sup")
    cmd = (f"if [ $AIRC_TRY_NUMBER = 1 ]; then echo $PPID > {sup}; sleep 30; fi; "
           f"echo t $AIRC_TRY_NUMBER $LEDGER_HOST >> {cluster.ledger}")
    home.write_dag("wp.ini", dag_ini("wp", [("t", {"command": cmd, "retries": "1", "retry_delay": "0s"})]))
    cluster.scheduler("s1")
    w1 = cluster.worker("w1", "--concurrency", "2")
    wait_for(lambda: len(pool_members(w1.pid)) == 2, 10, what="w1's two warm supervisors")
    warm = set(pool_members(w1.pid))
    run = home.trigger("wp")
    wait_for(lambda: os.path.exists(sup) and open(sup).read().strip(), 15, what="try 1 to start")
    sup_pid = int(open(sup).read())
    assert sup_pid in warm  # a member that was waiting before the try came: no spawn for it
    with open(f"/proc/{sup_pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    assert int(fields[1]) == w1.pid and int(fields[3]) == sup_pid  # the worker's child, own session
    assert f"supervisor pid {sup_pid}" in cluster.log("w1")
    # the running try's supervisor still shows as a member in ps: two more wait
    wait_for(lambda: len(set(pool_members(w1.pid)) - {sup_pid}) == 2, 10, what="w1's pool refilled")
    idle = set(pool_members(w1.pid)) - {sup_pid}
    servers = pool_members(w1.pid, b"forkserver")
    assert len(servers) == 1
    os.kill(w1.pid, signal.SIGKILL)
    killed = time.monotonic()
    w1.wait()
    wait_for(lambda: not pid_alive(sup_pid), 2, what="the pooled supervisor to end with w1")
    assert time.monotonic() - killed < WORKER_LEASE
    cluster.worker("w2", "--concurrency", "2")
    assert home.wait_run("wp", run, 40 * SLOW) == "success"
    t = ti_of(home, "wp", run, "t")
    assert t["try_number"] == 2 and t["hostname"] == "w2"
    assert cluster.ledger_lines() == [["t", "2", "w2"]]
    log1 = os.path.join(cluster.tmp, "w1", "logs", "dag_id=wp", f"run_id={run}", "task_id=t", "attempt=1.log")
    assert "worker gone: killed process group" in open(log1).read()
    # the idle members and the fork server end with their worker too
    assert not any(pid_alive(p) for p in idle | set(servers))


def test_worker_supervisor_pool_0_spawns_each_supervisor(home, cluster):
    """[worker] supervisor_pool = 0: no warm supervisors; each try's
    supervisor is spawned (`airc-supervisor __supervise`) as before."""
    sup = os.path.join(cluster.tmp, "sup")
    home.write_dag("wn.ini", dag_ini("wn", [("t", {"command": f"cat /proc/$PPID/cmdline | tr '\\0' ' ' > {sup}"})]))
    cluster.scheduler("s1")
    cluster.home.env["AIRC__WORKER__SUPERVISOR_POOL"] = "0"
    w1 = cluster.worker("w1")
    assert "supervisor pool 0" in cluster.log("w1")
    run = home.trigger("wn")
    assert home.wait_run("wn", run, 30 * SLOW) == "success"
    assert open(sup).read().split() == ["airc-supervisor", "__supervise"]
    assert not pool_members(w1.pid)


def test_worker_concurrency_defaults_to_16_and_is_set_by_config_or_flag(home, cluster):
    """A worker runs 16 tries at once unless told otherwise (Airflow's
    [celery] worker_concurrency); [worker] concurrency sets it, --concurrency
    wins over both, and a value out of 1..1024 stops the worker with one
    line naming the setting."""
    cluster.worker("w1")
    assert "concurrency 16, supervisor pool 16" in cluster.log("w1")
    cluster.home.env["AIRC__WORKER__CONCURRENCY"] = "3"
    cluster.worker("w2")
    assert "concurrency 3, supervisor pool 3" in cluster.log("w2")
    cluster.worker("w3", "--concurrency", "5")
    assert "concurrency 5," in cluster.log("w3")
    cluster.home.env["AIRC__WORKER__CONCURRENCY"] = "0"
    r = subprocess.run([AIRC, "worker", "--name", "w4"], env=cluster.env("w4"), capture_output=True, text=True,
                       timeout=30 * SLOW)
    assert r.returncode == 1, r.stderr
    errors = [l for l in r.stderr.splitlines() if "error" in l]
    assert errors == ["airc: error: [worker] concurrency must be a whole number 1..1024, not 0"], r.stderr


def test_a_variable_or_connection_changed_while_the_scheduler_runs_reaches_the_next_task(home, cluster):
    """The distributed scheduler keeps connections and variables between
    launches (two round trips fewer per launch); every airc writer
    notifies (store_secret.c), so a change made while a task runs reaches
    the very next launch: in the same run and in a later one."""
    flag = os.path.join(cluster.tmp, "go")
    secrets_change_dag(home, flag)
    cluster.scheduler("s1")
    cluster.worker("w1")
    run1 = home.trigger("chg")
    wait_for(lambda: home.tis("chg", run1)["a"]["state"] == "running", 20 * SLOW, what="task a running")
    secrets_change_and_check(home, flag, run1, 30 * SLOW)
