#!/usr/bin/env python3
"""airc scheduler benchmark (not a test): a chain of N `true` shell tasks and
a fan-out of N, run by a real `airc scheduler`, beside the machine's floor
measured in the same run (bin/bench-floor: N fork+exec of /bin/true in
series and N SQLite commits).

Prints, for each shape: total wall time, queued->running latency and
upstream-done->downstream-start latency (p50, p99), the scheduler's peak and
idle RSS, and the ratios to the floor. Writes JSON with --out."""
import argparse
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
    if dag == "bench_chain":
        n = len(tis)
        dep = [(by[f"t{i}"][2] - by[f"t{i-1}"][3]) / 1000.0 for i in range(1, n)]
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
    }


def run_dag(env, home, dag):
    """Triggers dag, waits for the run to end, returns its figures."""
    out = subprocess.check_output([AIRC, "dags", "trigger", dag, "--output", "json"], env=env, text=True)
    run_id = json.loads(out.splitlines()[0])["run_id"]
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        st = subprocess.run([AIRC, "dags", "state", dag, run_id], env=env, capture_output=True, text=True).stdout.strip()
        if st in ("success", "failed"):
            break
        time.sleep(0.25)
    r = measure(os.path.join(home, "airc.db"), dag, run_id)
    r["state"] = st
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--out")
    args = ap.parse_args()
    n = args.tasks
    home = tempfile.mkdtemp(prefix="airc-bench-")
    dags = os.path.join(home, "dags")
    os.makedirs(dags)
    env = dict(os.environ, AIRC_HOME=home, AIRC__CORE__DAGS_ARE_PAUSED_AT_CREATION="false",
               AIRC__CORE__PARALLELISM=str(max(32, n)))
    write_dags(dags, n)
    floor = json.loads(subprocess.check_output([FLOOR, str(n), os.path.join(home, "floor.db")], text=True))
    sched = subprocess.Popen([AIRC, "scheduler"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = {"tasks": n, "floor": floor}
    try:
        time.sleep(1.5)
        results["scheduler_idle_rss_kb"] = rss_kb(sched.pid, "VmRSS")
        for dag in ("bench_chain", "bench_fanout"):
            results[dag] = run_dag(env, home, dag)
        results["scheduler_peak_rss_kb"] = rss_kb(sched.pid, "VmHWM")
    finally:
        sched.send_signal(signal.SIGTERM)
        sched.wait(30)
    # the same chain again without warm supervisors ([core] supervisor_pool = 0),
    # so that the pool's share shows in the same run
    env0 = dict(env, AIRC__CORE__SUPERVISOR_POOL="0")
    sched = subprocess.Popen([AIRC, "scheduler"], env=env0, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.5)
        results["bench_chain_no_pool"] = run_dag(env0, home, "bench_chain")
    finally:
        sched.send_signal(signal.SIGTERM)
        sched.wait(30)
    ch = results["bench_chain"]
    floor_ms = floor["floor_total_ms"]
    results["chain_ratio_to_floor"] = ch["wall_ms"] / floor_ms
    results["chain_overhead_per_task_ms"] = (ch["wall_ms"] - floor["fork_exec_total_ms"]) / n
    print(f"airc scheduler benchmark, {n} tasks per DAG ({os.cpu_count()} cores)")
    print(f"  floor: {n} x fork+exec /bin/true = {floor['fork_exec_total_ms']:.0f} ms ({floor['fork_exec_each_us']:.0f} us each), "
          f"{n} x SQLite commit = {floor['commit_total_ms']:.0f} ms ({floor['commit_each_us']:.0f} us each)")
    for dag in ("bench_chain", "bench_fanout", "bench_chain_no_pool"):
        r = results[dag]
        print(f"  {dag:13s} wall {r['wall_ms']:8.0f} ms | queued->running p50 {r['queued_to_running_p50_ms']:.2f} ms "
              f"p99 {r['queued_to_running_p99_ms']:.2f} ms | upstream done->start p50 {r['dep_latency_p50_ms']:.2f} ms "
              f"p99 {r['dep_latency_p99_ms']:.2f} ms")
    per_task = ch["wall_ms"] / n
    floor_each = floor_ms / n
    results["chain_overhead_beyond_floor_per_task_ms"] = per_task - floor_each
    print(f"  chain: {per_task:.2f} ms per task = {results['chain_ratio_to_floor']:.2f}x the floor "
          f"({floor_each:.2f} ms: one fork+exec and one commit) (goal <= 1.5x)")
    print(f"  scheduling latency, upstream done -> downstream start: p50 {ch['dep_latency_p50_ms']:.2f} ms, "
          f"p99 {ch['dep_latency_p99_ms']:.2f} ms (goal: overhead < 0.5 ms per task)")
    np = results["bench_chain_no_pool"]
    print(f"  chain without warm supervisors ([core] supervisor_pool = 0): {np['wall_ms'] / n:.2f} ms per task = "
          f"{np['wall_ms'] / floor_ms:.2f}x the floor, upstream done -> start p50 {np['dep_latency_p50_ms']:.2f} ms, "
          f"p99 {np['dep_latency_p99_ms']:.2f} ms")
    print(f"  beyond the floor per task: {per_task - floor_each:.2f} ms (each try has its own supervisor "
          f"process, started ahead of need: the task's fork + exec, the result file, two commits)")
    print(f"  scheduler RSS: idle {results['scheduler_idle_rss_kb'] / 1024:.1f} MB (goal < 8 MB), "
          f"peak {results['scheduler_peak_rss_kb'] / 1024:.1f} MB")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=2)
    subprocess.run(["rm", "-rf", home])


if __name__ == "__main__":
    main()
