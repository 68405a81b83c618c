#!/usr/bin/env python3
"""airc scheduler benchmark (not a test): a chain of N `true` shell tasks and
a fan-out of N, run by a real `airc scheduler`, beside the machine's floor
measured in the same run (bin/bench-floor: N fork+exec of /bin/true in
series and N SQLite commits) right before each of --rounds chain runs (the
median ratio is the chain's figure: the VM's speed drifts within seconds).

Prints, for each shape: total wall time, queued->running latency and
upstream-done->downstream-start latency (p50, p99), the scheduler's peak and
idle RSS, and the ratios to the floor. Writes JSON with --out.

--storm N: N DAG files of 5-task `true` chains, all due at once (`@once`,
start date in the past), run by a fresh scheduler after the chain: tasks/s,
the scheduler's CPU share and peak RSS, and the ratio of storm tasks/s to
chain tasks/s measured in the same run (goal >= 1).
--folder N: a DAG folder of N files (no schedule): first parse time, the
re-parse after one file changes (how many DAGs it re-parsed: goal 1) and the
scheduler's RSS (goal < 64 MB)."""
import argparse
import datetime
import glob
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AIRC = os.environ.get("AIRC_BIN", os.path.join(ROOT, "bin", "airc"))
FLOOR = os.path.join(os.path.dirname(AIRC), "bench-floor")


def pct(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    k = min(len(v) - 1, max(0, int(round(p / 100.0 * (len(v) - 1)))))
    return v[k]


def home_fs(path=None):
    """What file system the benchmark's homes are on (tempfile's folder: TMPDIR),
    as one line: its type and device, and for ext4 whether it has a journal.
    Without one, each file creation scans past recently deleted inodes
    (scripts/bench-fs.sh says why that matters and makes a journaled one)."""
    path = os.path.realpath(path or tempfile.gettempdir())
    best = None
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                left, right = line.split(" - ", 1)
                mnt = left.split()[4]
                fstype, dev = right.split()[:2]
                if (path == mnt or path.startswith(mnt.rstrip("/") + "/")) and (not best or len(mnt) >= len(best[0])):
                    best = (mnt, fstype, dev)
    except OSError:
        return f"{path}: file system unknown"
    if not best:
        return f"{path}: file system unknown"
    mnt, fstype, dev = best
    note = ""
    if fstype == "ext4":
        try:
            with open(f"/sys/fs/ext4/{os.path.basename(dev)}/journal_task") as f:
                note = ", no journal" if f.read().strip() == "<none>" else ", journaled"
        except OSError:
            pass
    return f"{path}: {fstype} on {dev}{note}"


def rss_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def write_dags(dags, n):
    chain = {"dag": {"id": "bench_chain", "max_active_tasks": n}, "tasks": [
        {"id": f"t{i}", "type": "shell", "command": "true", **({"upstream": [f"t{i-1}"]} if i else {})}
        for i in range(n)]}
    fan = {"dag": {"id": "bench_fanout", "max_active_tasks": n}, "tasks": [
        {"id": "root", "type": "shell", "command": "true"}] + [
        {"id": f"t{i}", "type": "shell", "command": "true", "upstream": ["root"]} for i in range(n)]}
    for doc in (chain, fan):
        with open(os.path.join(dags, doc["dag"]["id"] + ".json"), "w") as f:
            json.dump(doc, f)


def chain_phases(by, n):
    """Where a chain's per-task time goes, p50 in ms of its n tasks t0..t{n-1}
    (by: task_id -> (task_id, queued_us, start_us, end_us, ...)): upstream
    done -> downstream queued (recording the result, the scheduler's wake),
    queued -> started (the hand-off to a supervisor), started -> done (the
    try itself: fork+exec of the task, its run, its exit seen)."""
    done_q = [(by[f"t{i}"][1] - by[f"t{i-1}"][3]) / 1000.0 for i in range(1, n)]
    q_start = [(by[f"t{i}"][2] - by[f"t{i}"][1]) / 1000.0 for i in range(n)]
    run = [(by[f"t{i}"][3] - by[f"t{i}"][2]) / 1000.0 for i in range(n)]
    return {"done_to_queued_p50_ms": pct(done_q, 50), "queued_to_start_p50_ms": pct(q_start, 50),
            "start_to_done_p50_ms": pct(run, 50)}


def log_started_us(home, dag, run_id):
    """{task: when its supervisor began its try (the first log line's time,
    written just before the task's fork), in us}. The store's start of a try
    a pool member continued is when the member queued it, before its commit,
    its upstream's result file and the log's first line; this one is after."""
    out = {}
    for f in glob.glob(os.path.join(glob.escape(os.path.join(home, "logs", f"dag_id={dag}", f"run_id={run_id}")),
                                    "task_id=*", "attempt=1.log")):
        task = os.path.basename(os.path.dirname(f))[len("task_id="):]
        with open(f) as fh:
            first = fh.readline()
        if first.startswith("[") and first.rstrip().endswith("started"):
            ts = datetime.datetime.strptime(first[1:first.index("Z]")], "%Y-%m-%dT%H:%M:%S.%f")
            out[task] = ts.replace(tzinfo=datetime.timezone.utc).timestamp() * 1e6
    return out


def measure(db, dag, run_id):
    c = sqlite3.connect(db)
    r = c.execute("select start_us, end_us, queued_us from dag_run where dag_id=? and run_id=?", (dag, run_id)).fetchone()
    tis = c.execute("select ti.task_id, ti.queued_us, ti.start_us, ti.end_us, ti.state from task_instance ti join dag_run r "
                    "on r.id=ti.run_pk where r.dag_id=? and r.run_id=?", (dag, run_id)).fetchall()
    c.close()
    by = {t[0]: t for t in tis}
    assert all(t[4] == "success" for t in tis), "not every task succeeded"
    first_start = min(t[2] for t in tis)
    last_end = max(t[3] for t in tis)
    q2r = [(t[2] - t[1]) / 1000.0 for t in tis]
    began = []
    if dag == "bench_chain":
        n = len(tis)
        dep = [(by[f"t{i}"][2] - by[f"t{i-1}"][3]) / 1000.0 for i in range(1, n)]
        logs = log_started_us(os.path.dirname(db), dag, run_id)  # this run's logs only (--rounds runs it again)
        began = [(logs[f"t{i}"] - by[f"t{i-1}"][3]) / 1000.0 for i in range(1, n) if f"t{i}" in logs]
    else:
        root_end = by["root"][3]
        dep = [(t[2] - root_end) / 1000.0 for t in tis if t[0] != "root"]
    busy = sum(t[3] - t[2] for t in tis) / 1000.0
    return {
        "tasks": len(tis),
        "wall_ms": (r[1] - r[2]) / 1000.0,
        "first_start_to_last_end_ms": (last_end - first_start) / 1000.0,
        "task_busy_ms_sum": busy,
        "queued_to_running_p50_ms": pct(q2r, 50), "queued_to_running_p99_ms": pct(q2r, 99),
        "dep_latency_p50_ms": pct(dep, 50), "dep_latency_p99_ms": pct(dep, 99),
        **({"began_latency_p50_ms": pct(began, 50), "began_latency_p99_ms": pct(began, 99)} if began else {}),
        **(chain_phases(by, len(tis)) if dag == "bench_chain" else {}),
    }


def chain_doc(dag_id, k, schedule=None):
    doc = {"dag": {"id": dag_id}, "tasks": [
        {"id": f"t{i}", "type": "shell", "command": "true", **({"upstream": [f"t{i-1}"]} if i else {})}
        for i in range(k)]}
    if schedule:
        doc["dag"].update(schedule=schedule, start_date="2024-01-01")
    return doc


def cpu_s(pid):
    """utime + stime of a process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_stat(pid):
    """The fields of /proc/PID/stat after the command's name (st[1] is the
    parent's pid, st[11:13] utime and stime, st[13:15] those of the children
    it reaped)."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def tree_cpu_s(pid):
    """CPU seconds (user + system) of pid, of its children it reaped
    (supervisors, and their tasks) and of its live children (the fork
    server, whose clones are counted there until it exits)."""
    def cpu(st):
        return sum(int(x) for x in st[11:15])
    total = cpu(proc_stat(pid))
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                st = proc_stat(d)
            except OSError:
                continue
            if int(st[1]) == pid:
                total += cpu(st)
    return total / os.sysconf("SC_CLK_TCK")


def own_cpu_s(pid):
    """CPU seconds (user + system) of pid itself, without its children."""
    st = proc_stat(pid)
    return (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")


def remove_home(home):
    """Removes a benchmark's AIRC_HOME, unless AIRC_BENCH_KEEP_HOMES=1. On
    ext4 without a journal (this project's VM) freeing thousands of inodes
    makes every file created in their block group in the next 1 to 6
    minutes scan past them (fs/ext4/ialloc.c, recently_deleted()): a
    benchmark run right after another measures that, not airc. Keep the
    homes for back-to-back A/B runs and remove them afterwards."""
    if os.environ.get("AIRC_BENCH_KEEP_HOMES") != "1":
        subprocess.run(["rm", "-rf", home])


def new_home(prefix):
    home = tempfile.mkdtemp(prefix=prefix)
    os.makedirs(os.path.join(home, "dags"))
    return home


def sched_env(home, parallelism):
    return dict(os.environ, AIRC_HOME=home, AIRC__CORE__DAGS_ARE_PAUSED_AT_CREATION="false",
                AIRC__CORE__PARALLELISM=str(parallelism),
                AIRC__CORE__DEFAULT_POOL_SLOTS=str(max(128, parallelism)))  # default_pool must not cap it


def db_query(db, sql, args=()):
    try:
        c = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return c.execute(sql, args).fetchall()
        finally:
            c.close()
    except sqlite3.Error:
        return None


def run_storm(n_dags, chain_len, parallelism):
    """N DAG files of chain_len-task chains, all due at once."""
    home = new_home("airc-storm-")
    dags = os.path.join(home, "dags")
    for i in range(n_dags):
        with open(os.path.join(dags, f"storm_{i:05d}.json"), "w") as f:
            json.dump(chain_doc(f"storm_{i:05d}", chain_len, "@once"), f)
    env = sched_env(home, parallelism)
    db = os.path.join(home, "airc.db")
    sched = subprocess.Popen([AIRC, "scheduler"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cpu0 = cpu_s(sched.pid)
    t0 = time.monotonic()
    done = 0
    try:
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline:
            row = db_query(db, "select count(*) from dag_run where state in ('success','failed')")
            done = row[0][0] if row else 0
            if done >= n_dags:
                break
            time.sleep(0.5)
        cpu1 = cpu_s(sched.pid)
        peak = rss_kb(sched.pid, "VmHWM")
    finally:
        sched.send_signal(signal.SIGTERM)
        sched.wait(60)
    elapsed = time.monotonic() - t0
    first_q, last_end, n_ok, n_ti = db_query(db, "select (select min(queued_us) from dag_run), max(end_us),"
                                                 " sum(state='success'), count(*) from task_instance")[0]
    remove_home(home)
    wall_s = (last_end - first_q) / 1e6
    return {"dags": n_dags, "tasks": n_ti, "tasks_success": n_ok, "runs_finished": done,
            "first_run_queued_to_last_task_end_s": wall_s, "tasks_per_s": n_ti / wall_s,
            "scheduler_cpu_s": cpu1 - cpu0, "scheduler_cpu_share": (cpu1 - cpu0) / elapsed,
            "scheduler_peak_rss_kb": peak, "parallelism": parallelism}


def run_folder(n_files):
    """First parse of a folder of N DAG files, then a one-file change."""
    home = new_home("airc-folder-")
    dags = os.path.join(home, "dags")
    for i in range(n_files):
        with open(os.path.join(dags, f"f_{i:05d}.json"), "w") as f:
            json.dump(chain_doc(f"f_{i:05d}", 5), f)
    env = sched_env(home, 32)
    db = os.path.join(home, "airc.db")
    t0_us = time.time() * 1e6
    sched = subprocess.Popen([AIRC, "scheduler"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    res = {"files": n_files}
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            row = db_query(db, "select count(*), max(last_parsed_us) from dag")
            if row and row[0][0] >= n_files:
                res["first_parse_s"] = (row[0][1] - t0_us) / 1e6
                break
            time.sleep(0.05)
        time.sleep(1.0)
        res["rss_after_parse_kb"] = rss_kb(sched.pid, "VmRSS")
        # one file changes: only its DAG may be parsed again
        doc = chain_doc("f_00042", 5)
        doc["dag"]["description"] = "changed"
        t1_us = time.time() * 1e6
        path = os.path.join(dags, "f_00042.json")
        with open(path + ".tmp", "w") as f:
            json.dump(doc, f)
        os.rename(path + ".tmp", path)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            row = db_query(db, "select last_parsed_us from dag where dag_id='f_00042' and description='changed'")
            if row:
                res["change_reparse_s"] = (row[0][0] - t1_us) / 1e6
                break
            time.sleep(0.01)
        time.sleep(0.5)
        res["change_reparsed_dags"] = db_query(db, "select count(*) from dag where last_parsed_us > ?", (t1_us,))[0][0]
        res["scheduler_peak_rss_kb"] = rss_kb(sched.pid, "VmHWM")
    finally:
        sched.send_signal(signal.SIGTERM)
        sched.wait(60)
    remove_home(home)
    return res


def run_dag(env, home, dag, sched_pid=None):
    """Triggers dag, waits for the run to end, returns its figures (with
    sched_pid: also the CPU the scheduler and all it started used meanwhile)."""
    cpu0 = tree_cpu_s(sched_pid) if sched_pid else 0.0
    out = subprocess.check_output([AIRC, "dags", "trigger", dag, "--output", "json"], env=env, text=True)
    run_id = json.loads(out.splitlines()[0])["run_id"]
    db = os.path.join(home, "airc.db")
    # the run's state read from the store file (a read-only SQLite read in
    # this process), not with `airc dags state`: an exec of bin/airc every
    # 250 ms takes a core of this 2-core machine for milliseconds and showed
    # up as the tail of the latencies measured
    deadline = time.monotonic() + 600
    st = None
    while time.monotonic() < deadline:
        row = db_query(db, "select state from dag_run where dag_id=? and run_id=?", (dag, run_id))
        st = row[0][0] if row else None
        if st in ("success", "failed"):
            break
        time.sleep(0.25)
    cpu = tree_cpu_s(sched_pid) - cpu0 if sched_pid else float("nan")
    r = measure(db, dag, run_id)
    r["state"] = st
    r["cpu_ms"] = cpu * 1000.0
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--out")
    ap.add_argument("--storm", type=int, default=0, help="also run N due DAGs of 5-task chains at once")
    ap.add_argument("--storm-parallelism", type=int, default=32)
    ap.add_argument("--folder", type=int, default=0, help="also parse a DAG folder of N files")
    ap.add_argument("--rounds", type=int, default=3,
                    help="floor + chain pairs, interleaved (the median ratio is the chain's figure)")
    ap.add_argument("--only", choices=["chain", "storm", "folder"],
                    help="chain: the chain only (no fan-out); storm: the chain and the storm; folder: the folder only")
    args = ap.parse_args()
    if args.only == "folder":
        f = run_folder(args.folder or 10000)
        print_folder(f)
        if args.out:
            with open(args.out, "w") as fo:
                json.dump({"folder": f}, fo, indent=2)
        return
    shapes = ("bench_chain",) if args.only in ("chain", "storm") else ("bench_chain", "bench_fanout")
    n = args.tasks
    home = tempfile.mkdtemp(prefix="airc-bench-")
    dags = os.path.join(home, "dags")
    os.makedirs(dags)
    env = dict(os.environ, AIRC_HOME=home, AIRC__CORE__DAGS_ARE_PAUSED_AT_CREATION="false",
               AIRC__CORE__PARALLELISM=str(max(32, n)), AIRC__CORE__DEFAULT_POOL_SLOTS=str(max(128, n)))
    write_dags(dags, n)

    def measure_floor():
        return json.loads(subprocess.check_output([FLOOR, str(n), os.path.join(home, "floor.db")], text=True))

    sched = subprocess.Popen([AIRC, "scheduler"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = {"tasks": n}
    try:
        time.sleep(1.5)
        results["scheduler_idle_rss_kb"] = rss_kb(sched.pid, "VmRSS")
        # the floor right before each chain run, in rounds: this VM's speed
        # drifts by a quarter within seconds, so one floor measured once
        # and a chain run later can be 1.2x or 1.6x apart for the same
        # build; the round with the median ratio is the chain's figure
        rounds = []
        for _ in range(max(1, args.rounds)):
            fl = measure_floor()  # the scheduler waits idle meanwhile
            rounds.append((fl, run_dag(env, home, "bench_chain", sched.pid)))
        rounds_by_ratio = sorted(rounds, key=lambda fr: fr[1]["wall_ms"] / fr[0]["floor_total_ms"])
        floor, results["bench_chain"] = rounds_by_ratio[len(rounds_by_ratio) // 2]
        results["floor"] = floor
        results["chain_rounds"] = [{"floor_total_ms": fl["floor_total_ms"], "chain_wall_ms": r["wall_ms"],
                                    "ratio": r["wall_ms"] / fl["floor_total_ms"]} for fl, r in rounds]
        for dag in shapes[1:]:
            results[dag] = run_dag(env, home, dag, sched.pid)
        results["scheduler_peak_rss_kb"] = rss_kb(sched.pid, "VmHWM")
    finally:
        sched.send_signal(signal.SIGTERM)
        sched.wait(30)
    # the same chain again with every try started by the scheduler
    # ([scheduler] continue_chains = false), with warm supervisors that take
    # one try each ([core] supervisor_reuse = false) and without warm
    # supervisors ([core] supervisor_pool = 0), so that the share of each
    # shows in the same run
    for name, key, value in (("bench_chain_no_continue", "AIRC__SCHEDULER__CONTINUE_CHAINS", "false"),
                             ("bench_chain_no_reuse", "AIRC__CORE__SUPERVISOR_REUSE", "false"),
                             ("bench_chain_no_pool", "AIRC__CORE__SUPERVISOR_POOL", "0")):
        env0 = dict(env, **{key: value})
        sched = subprocess.Popen([AIRC, "scheduler"], env=env0, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(1.5)
            results[name] = run_dag(env0, home, "bench_chain", sched.pid)
        finally:
            sched.send_signal(signal.SIGTERM)
            sched.wait(30)
    ch = results["bench_chain"]
    floor_ms = floor["floor_total_ms"]
    results["chain_ratio_to_floor"] = ch["wall_ms"] / floor_ms
    results["chain_overhead_per_task_ms"] = (ch["wall_ms"] - floor["fork_exec_total_ms"]) / n
    print(f"airc scheduler benchmark, {n} tasks per DAG ({os.cpu_count()} cores), homes in {home_fs()}")
    print(f"  floor: {n} x fork+exec /bin/true = {floor['fork_exec_total_ms']:.0f} ms ({floor['fork_exec_each_us']:.0f} us each), "
          f"{n} x SQLite commit = {floor['commit_total_ms']:.0f} ms ({floor['commit_each_us']:.0f} us each)")
    for dag in shapes + ("bench_chain_no_continue", "bench_chain_no_reuse", "bench_chain_no_pool"):
        r = results[dag]
        print(f"  {dag:13s} wall {r['wall_ms']:8.0f} ms | queued->running p50 {r['queued_to_running_p50_ms']:.2f} ms "
              f"p99 {r['queued_to_running_p99_ms']:.2f} ms | upstream done->start p50 {r['dep_latency_p50_ms']:.2f} ms "
              f"p99 {r['dep_latency_p99_ms']:.2f} ms")
    per_task = ch["wall_ms"] / n
    floor_each = floor_ms / n
    results["chain_overhead_beyond_floor_per_task_ms"] = per_task - floor_each
    print(f"  chain: {per_task:.2f} ms per task = {results['chain_ratio_to_floor']:.2f}x the floor "
          f"({floor_each:.2f} ms: one fork+exec and one commit) (goal <= 1.5x), the median of "
          f"{len(results['chain_rounds'])} rounds of a floor then a chain: "
          + ", ".join(f"{x['ratio']:.2f}x" for x in results["chain_rounds"]))
    print(f"  scheduling latency, upstream done -> downstream start: p50 {ch['dep_latency_p50_ms']:.2f} ms, "
          f"p99 {ch['dep_latency_p99_ms']:.2f} ms (goal: overhead < 0.5 ms per task; the store's start of a "
          f"continued try is when its member queued it)")
    if "began_latency_p50_ms" in ch:
        print(f"  upstream done -> the next try's supervisor began it (its log's first line, just before the "
              f"task's fork): p50 {ch['began_latency_p50_ms']:.2f} ms, p99 {ch['began_latency_p99_ms']:.2f} ms")
    nc = results["bench_chain_no_continue"]
    print(f"  chain with every try started by the scheduler ([scheduler] continue_chains = false): "
          f"{nc['wall_ms'] / n:.2f} ms per task = {nc['wall_ms'] / floor_ms:.2f}x the floor, upstream done -> start "
          f"p50 {nc['dep_latency_p50_ms']:.2f} ms, p99 {nc['dep_latency_p99_ms']:.2f} ms")
    nr = results["bench_chain_no_reuse"]
    print(f"  chain with warm supervisors used once ([core] supervisor_reuse = false): {nr['wall_ms'] / n:.2f} ms per "
          f"task = {nr['wall_ms'] / floor_ms:.2f}x the floor, upstream done -> start p50 {nr['dep_latency_p50_ms']:.2f} ms, "
          f"p99 {nr['dep_latency_p99_ms']:.2f} ms")
    np = results["bench_chain_no_pool"]
    print(f"  chain without warm supervisors ([core] supervisor_pool = 0): {np['wall_ms'] / n:.2f} ms per task = "
          f"{np['wall_ms'] / floor_ms:.2f}x the floor, upstream done -> start p50 {np['dep_latency_p50_ms']:.2f} ms, "
          f"p99 {np['dep_latency_p99_ms']:.2f} ms")
    print(f"  CPU per task (scheduler, supervisors, tasks): chain {ch['cpu_ms'] / n:.2f} ms, "
          f"every try started by the scheduler {nc['cpu_ms'] / n:.2f} ms, "
          f"supervisors used once {nr['cpu_ms'] / n:.2f} ms, without warm supervisors {np['cpu_ms'] / n:.2f} ms")
    print(f"  beyond the floor per task: {per_task - floor_each:.2f} ms (a warm supervisor runs the chain after its "
          f"try itself: the member's fenced commit, the result file, the log's lines, the task's "
          f"vfork + exec; the scheduler reads the results and sends more links meanwhile)")
    print(f"  scheduler RSS: idle {results['scheduler_idle_rss_kb'] / 1024:.1f} MB (goal < 8 MB), "
          f"peak {results['scheduler_peak_rss_kb'] / 1024:.1f} MB")
    remove_home(home)
    chain_tps = n / (ch["wall_ms"] / 1000.0)
    results["chain_tasks_per_s"] = chain_tps
    if args.storm or args.only == "storm":
        st = run_storm(args.storm or 2000, 5, args.storm_parallelism)
        results["storm"] = st
        results["storm_ratio_to_chain"] = st["tasks_per_s"] / chain_tps
        print(f"  storm: {st['dags']} due DAGs x 5-task chains = {st['tasks']} tasks ({st['tasks_success']} succeeded) "
              f"in {st['first_run_queued_to_last_task_end_s']:.1f} s: {st['tasks_per_s']:.0f} tasks/s "
              f"(parallelism {st['parallelism']})")
        print(f"  storm / chain of {n} ({chain_tps:.0f} tasks/s): {results['storm_ratio_to_chain']:.2f}x (goal >= 1) | "
              f"scheduler CPU {st['scheduler_cpu_share'] * 100:.0f}% of a core, peak RSS "
              f"{st['scheduler_peak_rss_kb'] / 1024:.1f} MB")
    if args.folder:
        results["folder"] = run_folder(args.folder)
        print_folder(results["folder"])
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=2)


def print_folder(f):
    print(f"  DAG folder of {f['files']} files: first parse {f.get('first_parse_s', float('nan')):.2f} s (goal < 5 s) | "
          f"one file changed: re-parsed {f.get('change_reparsed_dags')} DAG(s) (goal 1) in "
          f"{f.get('change_reparse_s', float('nan')) * 1000:.0f} ms (incl. 100 ms debounce) | scheduler RSS "
          f"{f['rss_after_parse_kb'] / 1024:.1f} MB, peak {f['scheduler_peak_rss_kb'] / 1024:.1f} MB (goal < 64 MB)")


if __name__ == "__main__":
    main()
