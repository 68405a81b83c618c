#!/usr/bin/env python3
"""Distributed executor benchmark (not a test; issue 7 part 5, docs/scaling.md).

In one run: a chain of N `true` shell tasks and a fan-out of N (one root, N
children) in local mode on SQLite (the reference), then the same two DAGs
with `[core] executor = distributed` on PostgreSQL, one scheduler and 1, 2
and 4 `airc worker`s (each its own run and log folder, as hosts are).

Prints: per-task chain time and its ratio to local mode (goal <= 2x),
fan-out throughput and its ratio to local mode (goal >= 0.8x with 4
workers), scheduling latency queued -> started (p50, p99; goal p99 < 5 ms,
from the chains: in a fan-out it is the queue's length, not latency), the
VmRSS of an idle worker (goal < 8 MB), the CPU a fan-out task costs each
part (local mode's scheduler with its supervisors and tasks; PostgreSQL's
backends, the scheduler, the workers with theirs), and the PostgreSQL sessions each
process held (sampled during the runs from pg_stat_activity and from the
processes' own TCP sockets). Nothing passes or fails on timing.

Needs a PostgreSQL server: run it under scripts/pg-test.sh (AIRC_TEST_PG is
an admin URL; the bench creates a database per worker count).

    scripts/pg-test.sh python3 bench/bench_dist.py [--tasks N] [--workers 1,2,4] [--rounds R]
    --rounds R: R rounds, each every worker count after a local run of its own, and the
                ratios' medians over the rounds (`make bench`: 3)
    scripts/bench-fs.sh scripts/pg-test.sh ...   as `make bench`: homes on a fresh journaled ext4
    BENCH_DIST_N=200 ...   a quick run (the default is 1000)"""
import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_core import (AIRC, chain_phases, home_fs, own_cpu_s, pct, remove_home, rss_kb, run_dag, tree_cpu_s,
                        write_dags)  # noqa: E402

PG_ADMIN = os.environ.get("AIRC_TEST_PG", "")


# Every run's AIRC_HOME, removed only when all runs are done: freeing a run's
# thousands of files slows file creation for minutes after on ext4
# (bench_core.remove_home), which would weigh on the runs after it (the
# distributed ones, measured after the local reference) and not on the first.
HOMES = []


def psql(url, sql):
    r = subprocess.run(["psql", "-X", "-q", "-t", "-A", "-F", "\t", url, "-c", sql], capture_output=True, text=True,
                       timeout=120, check=True)
    return [line.split("\t") for line in r.stdout.splitlines() if line]


class Psql:
    """One psql session kept open (a psql per query would load the 2 cores
    being measured): query() sends a statement and reads its rows."""

    def __init__(self, url):
        self.p = subprocess.Popen(["psql", "-X", "-q", "-t", "-A", "-F", "\t", url], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True, bufsize=1)

    def query(self, sql):
        self.p.stdin.write(sql.rstrip(";") + ";\n\\echo __end__\n")
        self.p.stdin.flush()
        rows = []
        for line in self.p.stdout:
            line = line.rstrip("\n")
            if line == "__end__":
                return rows
            if line:
                rows.append(line.split("\t"))
        raise RuntimeError("psql ended")

    def close(self):
        self.p.stdin.close()
        self.p.wait(30)


def socket_inodes(pid):
    """The inodes of the sockets process pid has open."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    except OSError:
        pass
    return inodes


def tcp_peer_counts(pids, port):
    """{pid: TCP sessions it holds to port (its store connections)}. The
    machine's TCP tables are read once for all of pids: this runs beside
    the measured processes on a 2-core machine, so it must stay cheap."""
    by_inode = {}
    for pid in pids:
        for inode in socket_inodes(pid):
            by_inode[inode] = pid
    # distinct sockets: a table read while connections come and go can
    # list one twice
    seen = {pid: set() for pid in pids}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                cols = line.split()
                pid = by_inode.get(cols[9])
                if pid is not None and cols[3] == "01" and int(cols[2].rsplit(":", 1)[1], 16) == port:
                    seen[pid].add(cols[9])
    return {pid: len(s) for pid, s in seen.items()}


class Sampler(threading.Thread):
    """Samples, every INTERVAL seconds, each process's sessions to the
    server and the database's sessions in pg_stat_activity; keeps the
    maxima. Sessions are held for a process's life (and re-made only after
    a lost connection), so a second between samples misses none that
    matter; sampling five times a second took 4-5% of this machine's CPU
    from the processes measured (bench/bench_dist.py before 2026-11-30)."""
    INTERVAL = 1.0

    def __init__(self, url, db, port, procs):
        super().__init__(daemon=True)
        self.url, self.db, self.port, self.procs = url, db, port, procs
        self.max_by_proc = {name: 0 for name in procs}
        self.max_db = 0
        self.stop = threading.Event()

    def run(self):
        # at the lowest priority (this thread and the psql it starts): a
        # sample takes about 6 ms of CPU at once, which on 2 cores held up
        # a few consecutive tasks of a chain now and then (the p99's tail)
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        q = Psql(self.url)  # on the admin database: not counted
        while not self.stop.is_set():
            counts = tcp_peer_counts([p.pid for p in self.procs.values()], self.port)
            for name, p in self.procs.items():
                self.max_by_proc[name] = max(self.max_by_proc[name], counts[p.pid])
            # airc's sessions (the bench's own psql is not airc's)
            n = int(q.query(f"SELECT count(*) FROM pg_stat_activity WHERE datname='{self.db}'"
                            " AND application_name <> 'psql'")[0][0])
            self.max_db = max(self.max_db, n)
            self.stop.wait(self.INTERVAL)
        q.close()


def backend_cpu_s(q, db):
    """CPU seconds (user + system) airc's server processes (backends) of
    database db have used so far (the server runs on this machine)."""
    total = 0
    for (pid,) in q.query(f"SELECT pid FROM pg_stat_activity WHERE datname='{db}' AND application_name='airc'"):
        try:
            with open(f"/proc/{pid}/stat") as f:
                st = f.read().rsplit(")", 1)[1].split()
            total += int(st[11]) + int(st[12])
        except OSError:
            pass  # a session that ended (a CLI command's)
    return total / os.sysconf("SC_CLK_TCK")


def measure_pg(q, dag, run_id):
    r = q.query( f"SELECT start_us, end_us, queued_us, state FROM dag_run WHERE dag_id='{dag}' AND run_id='{run_id}'")[0]
    tis = q.query("SELECT ti.task_id, ti.queued_us, ti.start_us, ti.end_us, ti.state FROM task_instance ti"
                    f" JOIN dag_run r ON r.id=ti.run_pk WHERE r.dag_id='{dag}' AND r.run_id='{run_id}'")
    tis = [(t[0], int(t[1]), int(t[2]), int(t[3]), t[4]) for t in tis]
    by = {t[0]: t for t in tis}
    ok = sum(1 for t in tis if t[4] == "success")
    q2r = [(t[2] - t[1]) / 1000.0 for t in tis]
    if dag == "bench_chain":
        dep = [(by[f"t{i}"][2] - by[f"t{i-1}"][3]) / 1000.0 for i in range(1, len(tis))]
    else:
        dep = [(t[2] - by["root"][3]) / 1000.0 for t in tis if t[0] != "root"]
    return {"tasks": len(tis), "tasks_success": ok, "state": r[3], "wall_ms": (int(r[1]) - int(r[2])) / 1000.0,
            "queued_to_running_p50_ms": pct(q2r, 50), "queued_to_running_p99_ms": pct(q2r, 99),
            "dep_latency_p50_ms": pct(dep, 50), "dep_latency_p99_ms": pct(dep, 99),
            **(chain_phases(by, len(tis)) if dag == "bench_chain" else {})}


def run_dag_pg(env, q, dag):
    out = subprocess.check_output([AIRC, "dags", "trigger", dag, "--output", "json"], env=env, text=True)
    run_id = json.loads(out.splitlines()[0])["run_id"]
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        rows = q.query(f"SELECT state FROM dag_run WHERE dag_id='{dag}' AND run_id='{run_id}'")
        if rows and rows[0][0] in ("success", "failed"):
            break
        time.sleep(0.25)
    return measure_pg(q, dag, run_id)


def wait_log(path, text, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(path) as f:
                if text in f.read():
                    return
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{path}: no '{text}' after {timeout} s")


def run_local(n):
    home = tempfile.mkdtemp(prefix="airc-bench-local-")
    os.makedirs(os.path.join(home, "dags"))
    env = dict(os.environ, AIRC_HOME=home, AIRC__CORE__DAGS_ARE_PAUSED_AT_CREATION="false",
               AIRC__CORE__PARALLELISM=str(max(32, n)))
    env.pop("AIRC__DATABASE__URL", None)
    write_dags(os.path.join(home, "dags"), n)
    sched = subprocess.Popen([AIRC, "scheduler"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.5)
        res = {dag: run_dag(env, home, dag, sched.pid) for dag in ("bench_chain", "bench_fanout")}
    finally:
        sched.send_signal(signal.SIGTERM)
        sched.wait(30)
    HOMES.append(home)  # removed at the end (main): see HOMES
    return res


def top_statements(url, db, limit=8):
    """The database's statements by total server execution time since the
    last pg_stat_statements_reset(): [(calls, mean_us, total_ms, text)]."""
    rows = psql(url, "SELECT calls, round((total_exec_time / calls * 1000)::numeric), round(total_exec_time::numeric, 1),"
                     " left(regexp_replace(query, '\\s+', ' ', 'g'), 90) FROM pg_stat_statements s"
                     f" JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = '{db}'"
                     f" ORDER BY total_exec_time DESC LIMIT {limit}")
    return [(int(c), int(m), float(t), q) for c, m, t, q in rows]


def statement_totals(url, db):
    """All of the database's statements since the last reset, summed: the
    work a run asked of it, in counts that do not move with the machine's
    speed (calls, buffer pages touched, WAL records), and the server time."""
    row = psql(url, "SELECT sum(calls), round(sum(total_exec_time)::numeric, 1), sum(shared_blks_hit + shared_blks_read),"
                    " sum(wal_records) FROM pg_stat_statements s"
                    f" JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = '{db}'")[0]
    return {"calls": int(row[0]), "server_ms": float(row[1]), "pages": int(row[2]), "wal_records": int(row[3])}


def run_pg(n, k, concurrency, seq, statements=False):
    db = f"airc_bench_{os.getpid()}_{seq}"
    psql(PG_ADMIN, f"CREATE DATABASE {db}")
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + db
    port = int(PG_ADMIN.rsplit(":", 1)[1].split("/")[0])
    home = tempfile.mkdtemp(prefix="airc-bench-dist-")
    os.makedirs(os.path.join(home, "dags"))
    write_dags(os.path.join(home, "dags"), n)
    base = dict(os.environ, AIRC_HOME=home, AIRC__DATABASE__URL=url, AIRC__CORE__EXECUTOR="distributed",
                AIRC__CORE__DAGS_ARE_PAUSED_AT_CREATION="false", AIRC__CORE__PARALLELISM=str(max(32, n)))
    subprocess.run([AIRC, "db", "init"], env=base, check=True, capture_output=True)

    # Each simulated host has its own run folder, on tmpfs as a real host's
    # is by default ($XDG_RUNTIME_DIR or /dev/shm, common/config.c): on
    # this VM's journal-less ext4, the result files a worker creates and
    # deletes per try would make every later file creation scan past them
    # (fs/ext4/ialloc.c, recently_deleted()), a cost no default set-up pays.
    shm = tempfile.mkdtemp(prefix="airc-bench-dist-", dir="/dev/shm") if os.path.isdir("/dev/shm") else home
    HOMES.append(shm)

    def host_env(host):
        return dict(base, AIRC__CORE__RUN_FOLDER=os.path.join(shm, host, "run"),
                    AIRC__LOGGING__BASE_LOG_FOLDER=os.path.join(home, host, "logs"))

    procs, outs = {}, []
    try:
        out = open(os.path.join(home, "scheduler.out"), "w")
        outs.append(out)
        procs["scheduler"] = subprocess.Popen([AIRC, "scheduler"], env=host_env("s"), stdout=out, stderr=out)
        wait_log(out.name, "scheduler started")
        for i in range(k):
            out = open(os.path.join(home, f"w{i}.out"), "w")
            outs.append(out)
            flags = ["--concurrency", str(concurrency)] if concurrency else []  # none: the worker's default
            procs[f"worker{i}"] = subprocess.Popen([AIRC, "worker", "--name", f"w{i}", *flags],
                                                   env=host_env(f"w{i}"), stdout=out, stderr=out)
            wait_log(out.name, "started")
        time.sleep(1.5)
        res = {"workers": k, "concurrency": concurrency,
               "worker_idle_rss_kb": rss_kb(procs["worker0"].pid, "VmRSS"),
               "scheduler_idle_rss_kb": rss_kb(procs["scheduler"].pid, "VmRSS")}
        # the CLI (trigger) reads the DAGs from the store: wait for the parse
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and int(psql(url, "SELECT count(*) FROM dag")[0][0]) < 2:
            time.sleep(0.1)
        sampler = Sampler(PG_ADMIN, db, port, procs)
        sampler.start()
        q = Psql(url)
        workers = [p.pid for name, p in procs.items() if name != "scheduler"]
        for dag in ("bench_chain", "bench_fanout"):
            cpu0 = sum(tree_cpu_s(pid) for pid in workers)
            own0 = sum(own_cpu_s(pid) for pid in workers)
            sched0, db0 = tree_cpu_s(procs["scheduler"].pid), backend_cpu_s(q, db)
            if statements and dag == "bench_fanout":
                psql(url, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
                psql(url, "SELECT pg_stat_statements_reset()")
            res[dag] = run_dag_pg(host_env("s"), q, dag)
            if statements and dag == "bench_fanout":
                res[dag]["statements"] = top_statements(url, db)
                res[dag]["statement_totals"] = statement_totals(url, db)
            n = res[dag]["tasks"]
            # the workers with their supervisors and tasks (reaped or live children)
            res[dag]["workers_cpu_ms_per_task"] = (sum(tree_cpu_s(pid) for pid in workers) - cpu0) * 1000.0 / n
            # the worker processes alone: claims, hand-overs, results
            res[dag]["workers_own_cpu_ms_per_task"] = (sum(own_cpu_s(pid) for pid in workers) - own0) * 1000.0 / n
            res[dag]["scheduler_cpu_ms_per_task"] = (tree_cpu_s(procs["scheduler"].pid) - sched0) * 1000.0 / n
            res[dag]["database_cpu_ms_per_task"] = (backend_cpu_s(q, db) - db0) * 1000.0 / n
        q.close()
        sampler.stop.set()
        sampler.join()
        res["sessions_max_by_process"] = sampler.max_by_proc
        res["sessions_max_database"] = sampler.max_db
        res["worker_peak_rss_kb"] = max(rss_kb(p.pid, "VmHWM") for name, p in procs.items() if name != "scheduler")
    finally:
        for p in procs.values():
            p.send_signal(signal.SIGTERM)
        for p in procs.values():
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for o in outs:
            o.close()
    HOMES.append(home)  # removed at the end (main): see HOMES
    psql(PG_ADMIN, f"DROP DATABASE {db}")
    return res


def run_round(n, ks, concurrency, seq0, statements):
    """One round: for each worker count of ks, local mode and right after
    it the distributed executor, each ratio taken against the local run
    just before it. This VM's speed drifts by tens of percent within
    minutes: against one local run at the round's start, the 4-worker
    fan-out (measured three minutes later) moved with the drift, 0.65x in
    a round whose local run had caught a fast minute (1305 tasks/s, 819
    and 951 in the rounds around it). res["local"] is the round's first
    local run (the CPU and phase lines)."""
    res = {"tasks": n, "locals": [], "distributed": []}
    for i, k in enumerate(ks):
        loc = run_local(n)
        r = run_pg(n, k, concurrency, seq0 + i, statements)
        lc, lf = loc["bench_chain"], loc["bench_fanout"]
        r["local_chain_ms_per_task"] = lc["wall_ms"] / n
        r["local_fanout_tasks_per_s"] = lf["tasks"] / (lf["wall_ms"] / 1000.0)
        c, f = r["bench_chain"], r["bench_fanout"]
        r["chain_ms_per_task"] = c["wall_ms"] / n
        r["chain_ratio_to_local"] = r["chain_ms_per_task"] / r["local_chain_ms_per_task"]
        r["fanout_tasks_per_s"] = f["tasks"] / (f["wall_ms"] / 1000.0)
        r["fanout_ratio_to_local"] = r["fanout_tasks_per_s"] / r["local_fanout_tasks_per_s"]
        res["locals"].append(loc)
        res["distributed"].append(r)
    res["local"] = res["locals"][0]
    res["local_chain_ms_per_task"] = res["distributed"][0]["local_chain_ms_per_task"]
    res["local_fanout_tasks_per_s"] = res["distributed"][0]["local_fanout_tasks_per_s"]
    return res


def print_round(results, concurrency, label=""):
    n = results["tasks"]
    lc, lf = results["local"]["bench_chain"], results["local"]["bench_fanout"]
    local_chain_ms, local_fan_tps = results["local_chain_ms_per_task"], results["local_fanout_tasks_per_s"]
    print(f"distributed executor benchmark{label}, {n} tasks per DAG ({os.cpu_count()} cores), workers of "
          + (f"--concurrency {concurrency}" if concurrency else "their default concurrency ([worker] concurrency, 16)")
          + f", homes in {home_fs()}")
    print(f"  local mode (SQLite), first of the round: chain {local_chain_ms:.2f} ms per task, queued->started p50 "
          f"{lc['queued_to_running_p50_ms']:.2f} ms p99 {lc['queued_to_running_p99_ms']:.2f} ms | fan-out "
          f"{local_fan_tps:.0f} tasks/s; right before each worker count: "
          + ", ".join(f"{r['local_chain_ms_per_task']:.2f} ms and {r['local_fanout_tasks_per_s']:.0f} tasks/s"
                      for r in results["distributed"]))
    for r in results["distributed"]:
        c, f = r["bench_chain"], r["bench_fanout"]
        bad = "" if c["state"] == f["state"] == "success" else f" (runs: {c['state']}, {f['state']})"
        print(f"  PostgreSQL, {r['workers']} worker(s): chain {r['chain_ms_per_task']:.2f} ms per task = "
              f"{r['chain_ratio_to_local']:.2f}x local (goal <= 2x), queued->started p50 "
              f"{c['queued_to_running_p50_ms']:.2f} ms p99 {c['queued_to_running_p99_ms']:.2f} ms (goal p99 < 5 ms), "
              f"upstream done->start p50 {c['dep_latency_p50_ms']:.2f} ms p99 {c['dep_latency_p99_ms']:.2f} ms | "
              f"fan-out {r['fanout_tasks_per_s']:.0f} tasks/s = {r['fanout_ratio_to_local']:.2f}x local{bad}, "
              f"workers' CPU (with supervisors and tasks) {f['workers_cpu_ms_per_task']:.2f} ms per task")
    print(f"  CPU per fan-out task: local mode (scheduler, supervisors, tasks) {lf['cpu_ms'] / lf['tasks']:.2f} ms"
          + "".join(f"; {r['workers']} worker(s): PostgreSQL's backends "
                    f"{r['bench_fanout']['database_cpu_ms_per_task']:.2f}, scheduler "
                    f"{r['bench_fanout']['scheduler_cpu_ms_per_task']:.2f}, workers with supervisors and tasks "
                    f"{r['bench_fanout']['workers_cpu_ms_per_task']:.2f} (of which the workers themselves "
                    f"{r['bench_fanout']['workers_own_cpu_ms_per_task']:.2f}) ms" for r in results["distributed"]))
    last = results["distributed"][-1]
    print(f"  fan-out with {last['workers']} workers: {last['fanout_ratio_to_local']:.2f}x local mode's throughput "
          f"(goal >= 0.8x)")
    def phases(c):
        return (f"done->queued {c['done_to_queued_p50_ms']:.2f}, queued->started {c['queued_to_start_p50_ms']:.2f}, "
                f"started->done {c['start_to_done_p50_ms']:.2f} ms")
    print(f"  chain per task, p50: local mode {phases(lc)}"
          + "".join(f"; {r['workers']} worker(s) {phases(r['bench_chain'])}" for r in results["distributed"]))
    rss = [r["worker_idle_rss_kb"] for r in results["distributed"]]
    print(f"  idle worker VmRSS: {min(rss) / 1024:.1f} to {max(rss) / 1024:.1f} MB (goal < 8 MB); peak during the "
          f"runs {max(r['worker_peak_rss_kb'] for r in results['distributed']) / 1024:.1f} MB")
    for r in results["distributed"]:
        by = r["sessions_max_by_process"]
        print(f"  PostgreSQL sessions, {r['workers']} worker(s): at most {by['scheduler']} for the scheduler, "
              f"{max(v for name, v in by.items() if name != 'scheduler')} per worker; the database had at most "
              f"{r['sessions_max_database']} (bound: 1 per scheduler + 1 per worker + 1 per running CLI command)")
    for r in results["distributed"]:
        t = r["bench_fanout"].get("statement_totals")
        if t:
            n_t = r["bench_fanout"]["tasks"]
            print(f"    fan-out, {r['workers']} worker(s), per task: {t['calls'] / n_t:.2f} statements, "
                  f"{t['pages'] / n_t:.0f} buffer pages, {t['wal_records'] / n_t:.1f} WAL records, "
                  f"{t['server_ms'] * 1000 / n_t:.0f} us server time")
        for calls, mean_us, total_ms, text in r["bench_fanout"].get("statements", []):
            print(f"    fan-out, {r['workers']} worker(s): {calls:5d} x {mean_us:4d} us = {total_ms:6.1f} ms  {text}")


def print_medians(rounds):
    """The rounds' ratios: median and range, per worker count."""
    print(f"over {len(rounds)} rounds (local mode and the distributed executor alternated, each ratio taken "
          "against the local run right before it): median (lowest-highest)")
    for i, r0 in enumerate(rounds[0]["distributed"]):
        chain = [rd["distributed"][i]["chain_ratio_to_local"] for rd in rounds]
        fan = [rd["distributed"][i]["fanout_ratio_to_local"] for rd in rounds]
        print(f"  {r0['workers']} worker(s): chain {statistics.median(chain):.2f}x local "
              f"({min(chain):.2f}-{max(chain):.2f}, goal <= 2x) | fan-out {statistics.median(fan):.2f}x local "
              f"({min(fan):.2f}-{max(fan):.2f}"
              + (", goal >= 0.8x" if r0 is rounds[0]["distributed"][-1] else "") + ")")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=int(os.environ.get("BENCH_DIST_N", "1000")))
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--concurrency", type=int, default=0,
                    help="--concurrency of each worker (0, the default: none given, the worker's own default, 16)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="repeat local mode and the distributed runs this many times, alternated, and print the "
                         "ratios' medians (this VM's speed drifts by tens of percent within minutes)")
    ap.add_argument("--out")
    ap.add_argument("--statements", action="store_true",
                    help="also print the fan-out's statements by server time (needs PostgreSQL started with "
                         "AIRC_PG_TEST_OPTS='-c shared_preload_libraries=pg_stat_statements' scripts/pg-test.sh ...)")
    args = ap.parse_args()
    if not PG_ADMIN:
        sys.exit("bench_dist: needs a PostgreSQL server: scripts/pg-test.sh python3 bench/bench_dist.py")
    n = args.tasks
    ks = [int(x) for x in args.workers.split(",")]
    rounds = []
    for rnd in range(max(1, args.rounds)):
        rounds.append(run_round(n, ks, args.concurrency, rnd * len(ks), args.statements))
        print_round(rounds[-1], args.concurrency, f", round {rnd + 1} of {args.rounds}" if args.rounds > 1 else "")
        sys.stdout.flush()
    if len(rounds) > 1:
        print_medians(rounds)
    if args.out:
        with open(args.out, "w") as fo:
            # the first round's figures at the top level (as a run of one round)
            json.dump(dict(rounds[0], rounds=rounds), fo, indent=2)
    for home in HOMES:
        remove_home(home)


if __name__ == "__main__":
    main()
