"""PostgreSQL faults under the distributed executor (issue 7 part 4,
docs/scaling.md "Failure behaviours"), with a scheduler and workers as
"hosts" (their own run and log folders) and a ledger each task appends to:

* `pg_ctl restart -m immediate` (every backend killed, crash recovery at
  start) and a server down for seconds, in the middle of runs: every run
  still succeeds, each task's work is done exactly once (try 1: nothing was
  lost or retried), the scheduler and the workers keep running and retry
  with backoff (and use next to no CPU while they wait);
* a worker's idle connection closed by the server (pg_terminate_backend):
  its next transaction reconnects at once, no error, no pause;
* a worker's connection lost at the moment the server answers the COMMIT of
  its claim (a proxy on 127.0.0.1 drops it): the claim committed though the
  worker never heard it; the worker finds it by its lease token and runs the
  try, instead of leaving it to expire and fail.

The test starts its own PostgreSQL (Debian's, in a temporary folder, on
127.0.0.1 and a free port) because it restarts it: the shared cluster of
`make test-pg` serves other tests' databases. It keeps synchronous_commit
on: an immediate shutdown loses what an asynchronous commit had not
written, which airc, like any client, counts as committed. It runs in
`make test-integration` (skipped under `make test-pg`, which would only run
it a second time) and is skipped where no PostgreSQL server is installed."""
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import ON_PG, SLOW, dag_ini, wait_for
from test_distributed import Cluster, ti_of


def pg_bin():
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True):
        if os.access(os.path.join(d, "pg_ctl"), os.X_OK) and os.access(os.path.join(d, "initdb"), os.X_OK):
            return d
    return None


PG_BIN = pg_bin()
pytestmark = [
    pytest.mark.skipif(PG_BIN is None, reason="no PostgreSQL server installed (scripts/install-deps.sh)"),
    pytest.mark.skipif(ON_PG, reason="starts its own cluster: already run by make test-integration"),
]


class OwnPg:
    """A PostgreSQL cluster of the test's own, which it may restart."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="airc-pg-restart.")
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "postgres.log")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        if os.getuid() == 0:  # PostgreSQL refuses to run as root
            shutil.chown(self.dir, "postgres")
        self.ctl("initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8")
        self.started = False
        self.start()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def ctl(self, prog, *args, timeout=60):
        cmd = [os.path.join(PG_BIN, prog), *args]
        if os.getuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        assert r.returncode == 0, f"{prog} {' '.join(args)}: {r.stdout}{r.stderr} (log {self.log})"
        return r

    def start(self):
        self.ctl("pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60", "-o",
                 f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c max_connections=100 -c fsync=off",
                 "start")
        self.started = True

    def restart_immediate(self):
        # every backend killed (no checkpoint): crash recovery at start
        self.ctl("pg_ctl", "-D", self.data, "-l", self.log, "-m", "immediate", "-w", "-t", "60", "restart")

    def stop_immediate(self):
        self.ctl("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "-t", "60", "stop")
        self.started = False

    def database(self, name):
        subprocess.run(["psql", "-q", "-X", self.url, "-c", f"CREATE DATABASE {name}"], check=True,
                       capture_output=True, timeout=60)
        return self.url.rsplit("/", 1)[0] + "/" + name

    def close(self):
        if self.started:
            try:
                self.ctl("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "-t", "30", "stop")
            except AssertionError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def own_pg():
    pg = OwnPg()
    yield pg
    pg.close()


WORKER_LEASE = 10  # a supervisor kills its task after 7.5 s unrenewed: longer than the outages here
SCHED_LEASE = 10


class PgCluster(Cluster):
    def env(self, host):
        e = super().env(host)
        e["AIRC__WORKER__LEASE_SECONDS"] = str(WORKER_LEASE)
        e["AIRC__SCHEDULER__LEASE_SECONDS"] = str(SCHED_LEASE)
        e["AIRC_LOG_LEVEL"] = "debug"  # every failed store attempt is a line: counted below
        return e


@pytest.fixture
def pg_cluster(home, own_pg, tmp_path):
    home.env["AIRC__DATABASE__URL"] = own_pg.database("airc_restart")
    home.run("db", "init", check=True)
    c = PgCluster(home, tmp_path / "hosts")
    yield c
    c.stop_all()


def cpu_seconds(pid):
    """CPU time (user + system) process pid has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ledger_task(c, task, secs, upstream=None):
    keys = {"command": f"sleep {secs}; echo $AIRC_RUN_ID {task} $AIRC_TRY_NUMBER $LEDGER_HOST >> {c.ledger}"}
    if upstream:
        keys["upstream"] = upstream
    return (task, keys)


def test_pg_restart_immediate_mid_run_every_run_succeeds_work_done_once(home, own_pg, pg_cluster):
    c = pg_cluster
    # fan-out and fan-in: tries running, queued and finishing across both outages
    tasks = [ledger_task(c, "t0", 0.5)]
    tasks += [ledger_task(c, f"t{i}", 3, "t0") for i in range(1, 5)]
    tasks += [ledger_task(c, "t5", 0.5, "t1, t2, t3, t4")]
    home.write_dag("p.ini", dag_ini("p", tasks))
    sched = c.scheduler("s1")
    workers = [c.worker("w1", "--concurrency", "2"), c.worker("w2", "--concurrency", "2")]
    runs = [home.trigger("p") for _ in range(2)]
    wait_for(lambda: sum(t["state"] == "running" for r in runs for t in home.tis("p", r).values()) >= 3, 20,
             what="tries running on both workers")
    own_pg.restart_immediate()
    # every process finds its connection gone at its next store call and
    # makes a new one (the workers within a lease renewal: lease/4)
    wait_for(lambda: all("store: reconnected" in c.log(h) for h in ("s1", "w1", "w2")), 15,
             what="the scheduler and both workers to reconnect")
    # then a server down for 3 s (connections refused) while tries run
    wait_for(lambda: sum(t["state"] == "running" for r in runs for t in home.tis("p", r).values()) >= 1, 20,
             what="tries running after the restart")
    own_pg.stop_immediate()
    # they wait between attempts (backoff), they do not spin: well under a
    # second of CPU each in 3 s (a busy loop takes all 3)
    procs = {"s1": sched, "w1": workers[0], "w2": workers[1]}
    cpu0 = {h: cpu_seconds(p.pid) for h, p in procs.items()}
    time.sleep(3)
    spent = {h: cpu_seconds(p.pid) - cpu0[h] for h, p in procs.items()}
    own_pg.start()
    assert all(v < 0.5 * SLOW for v in spent.values()), spent
    for r in runs:
        assert home.wait_run("p", r, 60) == "success", (home.tis("p", r), c.log("w1"), c.log("w2"), c.log("s1"))
    # each task's work was done exactly once, by its first try
    lines = sorted(c.ledger_lines())
    want = sorted([r, f"t{i}", "1"] for r in runs for i in range(6))
    assert [l[:3] for l in lines] == want, lines
    for r in runs:
        assert all(t["try_number"] == 1 for t in home.tis("p", r).values()), home.tis("p", r)
    # the scheduler and the workers rode it out, and said so
    assert sched.poll() is None and all(w.poll() is None for w in workers)
    for host in ("s1", "w1", "w2"):
        assert c.log(host).count("store: reconnected to postgresql://postgres@127.0.0.1") >= 2, (host, c.log(host))
    # workers: one warning per outage, then attempts with a growing pause
    # (100 ms doubling, at most 1 s) instead of one per poll and per try
    for host in ("w1", "w2"):
        log = c.log(host)
        episodes = log.count("store unavailable, retrying with backoff")
        assert 1 <= episodes <= 3 and log.count("store available again after") == episodes, log
        assert log.count("store still unavailable (attempt") <= 12 * episodes, log
        assert "WARN" not in log.replace("WARN  store unavailable, retrying with backoff", ""), log


class CommitCutProxy:
    """A TCP proxy on 127.0.0.1 in front of PostgreSQL. Once armed, it drops
    the client's connection when the server answers COMMIT to a transaction
    that changed a row (a CommandComplete "UPDATE 1" before it), or answers
    a claim (one autocommit statement returning rows of 4 columns): the
    commit happened, the client never hears it. One cut per arming. Needs
    sslmode=disable on the client (the stream is read as protocol messages)."""

    def __init__(self, target_port):
        self.srv = socket.create_server(("127.0.0.1", 0))
        self.port = self.srv.getsockname()[1]
        self.target = target_port
        self.armed = threading.Event()
        self.cuts = 0
        self.socks = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.srv.accept()
                u = socket.create_connection(("127.0.0.1", self.target), timeout=10)
                u.settimeout(None)
            except OSError:
                return
            self.socks += [c, u]
            threading.Thread(target=self._up, args=(c, u), daemon=True).start()
            threading.Thread(target=self._down, args=(u, c), daemon=True).start()

    @staticmethod
    def _close(*socks):
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def _up(self, c, u):
        try:
            while (b := c.recv(65536)):
                u.sendall(b)
        except OSError:
            pass
        self._close(c, u)

    def _down(self, u, c):
        buf, wrote, rows4 = b"", False, False
        try:
            while (b := u.recv(65536)):
                buf += b
                out = b""
                while len(buf) >= 5 and len(buf) >= 1 + int.from_bytes(buf[1:5], "big"):
                    n = 1 + int.from_bytes(buf[1:5], "big")
                    msg, buf = buf[:n], buf[n:]
                    tag = msg[5:-1] if msg[:1] == b"C" else None
                    if msg[:1] == b"D" and int.from_bytes(msg[5:7], "big") == 4:
                        rows4 = True  # a row of the claim's shape: ti_id, try_number, request, running
                    if tag and tag.startswith(b"SELECT ") and tag != b"SELECT 0" and rows4 and self.armed.is_set():
                        # the claim is one autocommit statement (a data-modifying
                        # WITH): its reply is the commit's
                        self.armed.clear()
                        self.cuts += 1
                        c.sendall(out)
                        self._close(c, u)
                        return
                    if tag:
                        rows4 = False
                    if tag == b"UPDATE 1":
                        wrote = True
                    elif tag in (b"COMMIT", b"ROLLBACK"):
                        if tag == b"COMMIT" and wrote and self.armed.is_set():
                            self.armed.clear()
                            self.cuts += 1
                            c.sendall(out)
                            self._close(c, u)
                            return
                        wrote = False
                    out += msg
                c.sendall(out)
        except OSError:
            pass
        self._close(u, c)

    def close(self):
        self.srv.close()
        self._close(*self.socks)


def test_claim_whose_commit_reply_is_lost_is_run_by_its_worker(home, own_pg, tmp_path):
    direct = own_pg.database("airc_cut")
    home.env["AIRC__DATABASE__URL"] = direct
    home.run("db", "init", check=True)
    proxy = CommitCutProxy(own_pg.port)
    via_proxy = f"postgresql://postgres@127.0.0.1:{proxy.port}/airc_cut?sslmode=disable&gssencmode=disable"

    class CutCluster(Cluster):
        def env(self, host):
            e = super().env(host)
            if host == "w1":  # the worker reaches the store through the proxy
                e["AIRC__DATABASE__URL"] = via_proxy
            return e

    c = CutCluster(home, tmp_path / "hosts")
    try:
        # no retries: a claim lost to its worker would fail the run when its lease expires
        home.write_dag("c.ini", dag_ini("c", [ledger_task(c, "t", 0.5)]))
        c.scheduler("s1")
        c.worker("w1")
        proxy.armed.set()  # the worker's next write transaction is its claim
        run = home.trigger("c")
        assert home.wait_run("c", run, 30) == "success", (c.log("w1"), c.log("s1"))
        assert proxy.cuts == 1
        assert [l[1:3] for l in c.ledger_lines()] == [["t", "1"]]
        assert ti_of(home, "c", run, "t")["try_number"] == 1
        assert "its claim committed although the store did not say so: running it" in c.log("w1")
        assert "lease of worker" not in c.log("s1")
    finally:
        c.stop_all()
        proxy.close()


def test_idle_connection_closed_by_the_server_is_made_again_silently(home, own_pg, tmp_path):
    url = own_pg.database("airc_idle")
    home.env["AIRC__DATABASE__URL"] = url
    home.run("db", "init", check=True)

    class SlowPollCluster(PgCluster):
        def env(self, host):
            e = super().env(host)
            e["AIRC__WORKER__POLL_MS"] = "1000"  # a claim transaction a second: the cut lands between two
            return e

    c = SlowPollCluster(home, tmp_path / "hosts")
    try:
        c.worker("w1")
        time.sleep(1.5)
        r = subprocess.run(["psql", "-X", "-q", "-t", "-A", own_pg.url, "-c",
                            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                            " WHERE datname='airc_idle' AND application_name='airc'"],
                           capture_output=True, text=True, timeout=60, check=True)
        assert r.stdout.strip() == "1"
        wait_for(lambda: "store: reconnected" in c.log("w1"), 10, what="w1 to reconnect")
        time.sleep(1.5)
        # the claim poll's BEGIN found the connection dead and made it again:
        # no failed transaction, no warning, no pause
        assert "store unavailable" not in c.log("w1"), c.log("w1")
        home.write_dag("i.ini", dag_ini("i", [ledger_task(c, "t", 0)]))
        c.scheduler("s1")
        run = home.trigger("i")
        assert home.wait_run("i", run, 30) == "success"
    finally:
        c.stop_all()
