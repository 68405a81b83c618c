"""LISTEN/NOTIFY of the distributed executor on PostgreSQL (docs/scaling.md,
"Wake-ups"): with both polls set to a minute, a queued try is still claimed
at once and a finished try's result is still applied at once, so a chain
finishes in seconds; after the store ends the worker's and the scheduler's
sessions (pg_terminate_backend), both reconnect, LISTEN again and carry on.
The bounds below are far under the polls (60 s): a missing wake-up makes
the run wait a whole poll per task, not a few milliseconds."""
import os
import shutil
import subprocess

import pytest

from conftest import AIRC, ON_PG, dag_ini, wait_for
from test_distributed import Cluster, cluster, ledger_cmd  # noqa: F401 (fixture)

pg_only = pytest.mark.skipif(not ON_PG, reason="LISTEN/NOTIFY: PostgreSQL only (SQLite polls)")

SLOW_POLL_MS = "60000"


class SlowPollCluster(Cluster):
    """Polls of a minute on both sides: only a wake-up is fast."""

    def env(self, host):
        e = super().env(host)
        e["AIRC__WORKER__POLL_MS"] = SLOW_POLL_MS
        e["AIRC__SCHEDULER__WORKER_POLL_MS"] = SLOW_POLL_MS
        return e


@pytest.fixture
def slow_cluster(home, tmp_path):
    c = SlowPollCluster(home, tmp_path / "hosts")
    yield c
    c.stop_all()


def trigger_on(c, host, dag):
    """`airc dags trigger` from the scheduler's host: it rings that
    scheduler's doorbell (a run folder is per host)."""
    r = subprocess.run([AIRC, "dags", "trigger", dag, "--output", "json"], env=c.env(host), capture_output=True,
                       text=True, timeout=60, check=True)
    import json
    return json.loads(r.stdout.splitlines()[0])["run_id"]


def psql(home, sql):
    r = subprocess.run(["psql", "-X", "-q", "-t", "-A", home.env["AIRC__DATABASE__URL"], "-c", sql],
                       capture_output=True, text=True, timeout=60, check=True)
    return r.stdout.split()


def tcp_ports(pid):
    """Local TCP ports of the sockets process pid holds (its store sessions)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    ports = {}  # by socket: a table read while sockets come and go can list one twice
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                cols = line.split()
                if cols[9] in inodes:
                    ports[cols[9]] = int(cols[1].rsplit(":", 1)[1], 16)
    return list(ports.values())


def chain(c, dag, n):
    return dag_ini(dag, [(f"t{i}", {"command": ledger_cmd(c, f"{dag}.t{i}", 0)} |
                          ({"upstream": f"t{i-1}"} if i else {})) for i in range(n)])


@pg_only
def test_queued_try_claimed_and_result_seen_without_polling(home, slow_cluster):
    c = slow_cluster
    home.write_dag("n.ini", chain(c, "n", 5))
    c.scheduler("s1")
    c.worker("w1")
    run = trigger_on(c, "s1", "n")
    # 5 queued tries and 5 results: with the polls alone this takes > 5 min
    assert home.wait_run("n", run, 20) == "success"
    assert sorted(c.ledger_lines()) == [[f"n.t{i}", "1", "w1"] for i in range(5)]


class QuietCluster(SlowPollCluster):
    """Polls of a minute and a scheduler lease of 90 s (renewed every 30 s):
    between a worker's wake-ups nothing wakes the scheduler."""

    def env(self, host):
        e = super().env(host)
        e["AIRC__SCHEDULER__LEASE_SECONDS"] = "90"
        return e


@pg_only
def test_continued_results_are_taken_right_after_the_chain_comes_back(home, tmp_path):
    """A worker continues a chain: its continued results ring no scheduler.
    The chain's last result rings it; that wake takes that result alone
    (what gates the next tries), commits, and takes the continued ones in
    the very next wake (docs/scaling.md, "A worker continues a chain").
    Without that next wake they would wait for a poll or a lease renewal
    (30 s and more here): the run would not end within the bound."""
    c = QuietCluster(home, tmp_path / "hosts")
    try:
        home.write_dag("q.ini", chain(c, "q", 4))
        stats = os.path.join(c.tmp, "s1.stats")
        c.scheduler("s1", "--stats-file", stats)
        c.worker("w1")
        run = trigger_on(c, "s1", "q")
        assert home.wait_run("q", run, 20) == "success"
        assert sorted(c.ledger_lines()) == [[f"q.t{i}", "1", "w1"] for i in range(4)]
        import json
        with open(stats) as f:
            wakes = [json.loads(l) for l in f if l.strip()]
        # t0 queued by the scheduler, t1-t3 continued by w1: t3's result
        # taken alone, then t0-t2's (each continued the next) together, in
        # a wake no timer made (the first sweep comes 10 s after the start:
        # without the follow-up take, that sweep's wake took them)
        took = [w for w in wakes if w["worker_claims"]]
        assert [(w["worker_claims"], w["continued"]) for w in took] == [(1, 0), (3, 3)], wakes
        assert (took[1]["sweep"], took[1]["all_dirty"], took[1]["ticks"]) == (0, 0, 0), wakes
        assert took[1]["wake"] == took[0]["wake"] + 1, wakes
    finally:
        c.stop_all()


@pg_only
def test_sessions_ended_by_the_store_listen_again(home, slow_cluster):
    c = slow_cluster
    home.write_dag("r.ini", chain(c, "r", 3))
    s1 = c.scheduler("s1")
    w1 = c.worker("w1")
    run = trigger_on(c, "s1", "r")
    assert home.wait_run("r", run, 20) == "success"
    ports = tcp_ports(w1.pid) + tcp_ports(s1.pid)
    assert len(ports) == 2  # one store session each
    ended = psql(home, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE client_port IN (%s)"
                 % ",".join(map(str, ports)))
    assert ended == ["2"]
    # the worker sees its session end on the socket it sleeps on and
    # reconnects within a second; the scheduler at its next lease renewal
    wait_for(lambda: "store: reconnected" in c.log("w1"), 10, what="w1 to reconnect")
    wait_for(lambda: "store: reconnected" in c.log("s1"), 10, what="s1 to reconnect")
    run2 = trigger_on(c, "s1", "r")
    assert home.wait_run("r", run2, 20) == "success"
    assert len([l for l in c.ledger_lines() if l[0].startswith("r.")]) == 6
    assert len(tcp_ports(w1.pid)) == 1 and len(tcp_ports(s1.pid)) == 1


def mapped_rss_kb(pid, name):
    """Resident kB of the mappings of files whose name contains name."""
    total, cur = 0, ""
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            fields = line.split()
            if fields and "-" in fields[0] and not fields[0].endswith(":"):
                cur = fields[-1] if len(fields) > 5 else ""
            elif fields and fields[0] == "Rss:" and name in cur:
                total += int(fields[1])
    return total


def test_worker_runs_lean_and_its_tasks_do_not_inherit_that(home, cluster):
    """`airc worker` becomes bin/airc-worker, which links no libcurl, with
    GNUTLS_NO_IMPLICIT_INIT=1 (GnuTLS, a dependency of libpq's LDAP library,
    then stays uninitialized until used): a smaller idle worker. Its tasks
    do not inherit that setting."""
    env_out = os.path.join(cluster.tmp, "task.env")
    home.write_dag("e.ini", dag_ini("e", [("t", {"command": f"env > {env_out}"})]))
    cluster.scheduler("s1")
    w1 = cluster.worker("w1")
    assert os.readlink(f"/proc/{w1.pid}/exe").endswith("/airc-worker")
    with open(f"/proc/{w1.pid}/maps") as f:
        assert "libcurl" not in f.read()
    with open(f"/proc/{w1.pid}/environ", "rb") as f:  # the environment it was executed with
        assert b"GNUTLS_NO_IMPLICIT_INIT=1" in f.read().split(b"\0")
    # libpq is dlopen'ed (store/pq_lazy.h): the worker loads it before it
    # drops GNUTLS_NO_IMPLICIT_INIT, so GnuTLS stays uninitialized: about
    # 0.5 MB of it resident, 1.1 MB once it initializes itself at load
    assert mapped_rss_kb(w1.pid, "libgnutls") < 800
    run = home.trigger("e")
    assert home.wait_run("e", run, 30) == "success"
    task_env = open(env_out).read()
    assert "AIRC_TRY_NUMBER=1" in task_env
    assert "GNUTLS_NO_IMPLICIT_INIT" not in task_env and "AIRC_WORKER_LEAN" not in task_env


def test_worker_without_airc_worker_beside_it_runs_in_airc(home, cluster):
    """A partial install (bin/airc alone, no bin/airc-worker, no
    bin/airc-supervisor): `airc worker` runs in-process and its tries run
    under `airc __supervise`."""
    lone = os.path.join(cluster.tmp, "lone")
    os.makedirs(lone)
    lone_airc = os.path.join(lone, "airc")
    shutil.copy(AIRC, lone_airc)
    home.write_dag("e.ini", dag_ini("e", [("t", {"command": "true"})]))
    cluster.scheduler("s1")
    with open(cluster.log_path("w1"), "a") as out:
        w1 = subprocess.Popen([lone_airc, "worker", "--name", "w1"], env=cluster.env("w1"), stdout=out,
                              stderr=subprocess.STDOUT)
    cluster.procs["w1"] = w1
    wait_for(lambda: "worker 'w1' started" in cluster.log("w1"), 10, what="w1 start")
    assert os.readlink(f"/proc/{w1.pid}/exe") == lone_airc
    run = home.trigger("e")
    assert home.wait_run("e", run, 30) == "success"
    assert [t["hostname"] for t in home.json("tasks", "states-for-dag-run", "e", run)] == ["w1"]
