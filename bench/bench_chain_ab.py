#!/usr/bin/env python3
"""Interleaved A/B of the chain (a benchmark, not a test): builds are run
alternately, a fresh scheduler and home each time, so that the drift of a
VM's speed (its fork+exec floor moved by 25% within minutes here) falls on
both sides alike. Prints per-task time, upstream done -> downstream start
p50 and p99 (and to the next try's supervisor beginning it: its log's first
line), the scheduler's own CPU per task and, as root, the CPU of the
whole tree (scheduler, supervisors, tasks: a cgroup's exact count) for
each run, then the
medians per build and in how many rounds the new build was faster.

  python3 bench/bench_chain_ab.py --base /path/to/old/bin/airc [--tasks 1000] [--rounds 5]

Make the old build with `git worktree add --detach /tmp/base <commit>` and
`make -C /tmp/base -j2 all`. Prefix `scripts/bench-fs.sh` to run on a fresh
journaled ext4, as `make bench` does. Homes are kept (in $TMPDIR, airc-ab-*): on ext4
without a journal, removing thousands of files slows the next run's file
creation for minutes (docs/benchmarks.md)."""
import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_core as b  # noqa: E402  (write_dags, run_dag, AIRC)


def sched_cpu_ns(pid):
    with open(f"/proc/{pid}/schedstat") as f:
        return int(f.read().split()[0])


# a cgroup of our own for the scheduler and everything it starts (root
# only; cgroup v1's cpuacct, else v2): its CPU counter is exact, where the
# tick-sampled times of /proc/PID/stat are not
CG_V1 = "/sys/fs/cgroup/cpuacct/airc-bench-ab"
CG_V2 = "/sys/fs/cgroup/airc-bench-ab"


def tree_cgroup():
    """(folder, reader of its CPU in ns), or None when no cgroup can be made."""
    for folder, parent, read in ((CG_V1, "/sys/fs/cgroup/cpuacct", lambda d: int(open(f"{d}/cpuacct.usage").read())),
                                 (CG_V2, "/sys/fs/cgroup", lambda d: 1000 * int(
                                     dict(l.split() for l in open(f"{d}/cpu.stat"))["usage_usec"]))):
        try:
            if os.path.isdir(parent):
                os.makedirs(folder, exist_ok=True)
                read(folder)
                return folder, read
        except (OSError, KeyError, ValueError):
            continue
    return None


def one_run(airc, n, cg):
    home = tempfile.mkdtemp(prefix="airc-ab-")
    dags = os.path.join(home, "dags")
    os.makedirs(dags)
    env = dict(os.environ, AIRC_HOME=home, AIRC__CORE__DAGS_ARE_PAUSED_AT_CREATION="false",
               AIRC__CORE__PARALLELISM=str(max(32, n)), AIRC__CORE__DEFAULT_POOL_SLOTS=str(max(128, n)))
    b.write_dags(dags, n)
    argv = [airc, "scheduler"]
    if cg:  # the scheduler joins the cgroup before its exec: its children are born in it
        argv = ["sh", "-c", f'echo $$ > {cg[0]}/cgroup.procs && exec "$0" scheduler', airc]
    sched = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(2.5)
        # the scheduler's own CPU (ns on CPU, /proc/PID/schedstat): moves
        # less than the wall time when the VM's speed drifts
        cpu0 = sched_cpu_ns(sched.pid)
        tree0 = cg[1](cg[0]) if cg else 0
        r = b.run_dag(env, home, "bench_chain")
        r["sched_us"] = (sched_cpu_ns(sched.pid) - cpu0) / 1000.0 / n
        r["tree_us"] = (cg[1](cg[0]) - tree0) / 1000.0 / n if cg else float("nan")
    finally:
        sched.send_signal(signal.SIGTERM)
        sched.wait(30)
    return (r["first_start_to_last_end_ms"] / n, r["dep_latency_p50_ms"], r["dep_latency_p99_ms"], r["sched_us"],
            r["tree_us"], r.get("began_latency_p50_ms", float("nan")), r.get("began_latency_p99_ms", float("nan")))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True, help="bin/airc of the build to compare against")
    ap.add_argument("--new", default=b.AIRC, help="bin/airc of the build under test (default: this tree's)")
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    builds = {"base": args.base, "new": args.new}
    res = {k: [] for k in builds}
    cg = tree_cgroup()
    if not cg:
        print("no cgroup of our own (needs root): the tree's CPU is not measured", file=sys.stderr)
    for _ in range(args.rounds):
        for name, airc in builds.items():
            row = one_run(airc, args.tasks, cg)
            res[name].append(row)
            per, p50, p99, cpu, tree, b50, b99 = row
            print(f"{name:4s} per task {per:.3f} ms | upstream done -> start p50 {p50:.3f} ms p99 {p99:.3f} ms | "
                  f"-> supervisor began p50 {b50:.3f} ms p99 {b99:.3f} ms | "
                  f"scheduler CPU {cpu:.0f} us, tree CPU {tree:.0f} us per task", flush=True)
    for name, rows in res.items():
        print(f"== {name}: median per task {statistics.median(r[0] for r in rows):.3f} ms, "
              f"p50 {statistics.median(r[1] for r in rows):.3f} ms, p99 {statistics.median(r[2] for r in rows):.3f} ms, "
              f"supervisor began p50 {statistics.median(r[5] for r in rows):.3f} ms, "
              f"p99 {statistics.median(r[6] for r in rows):.3f} ms, "
              f"scheduler CPU {statistics.median(r[3] for r in rows):.0f} us, "
              f"tree CPU {statistics.median(r[4] for r in rows):.0f} us per task")
    wins = sum(1 for x, y in zip(res["new"], res["base"]) if x[0] < y[0])
    print(f"== new faster in {wins} of {args.rounds} rounds")


if __name__ == "__main__":
    main()
