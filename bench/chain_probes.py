#!/usr/bin/env python3
"""Where a chain task's time goes, step by step (a diagnostic, not a test):
uprobes on the scheduler's and the supervisor's functions along the path
from one task's hand-over to the next one's, plus the kernel's exec and exit
events of each task, recorded by `perf record` while a real `airc
scheduler` runs a chain of N `true` tasks. Prints, for each step, the p50
and mean in microseconds over the chain's tasks.

  sudo python3 bench/chain_probes.py [--tasks 1000] [--keep-probes]

Needs root and perf (linux-perf). The wall time of a run moves by 10-15%
from one minute to the next on this VM, more than most changes to one step
do; the steps' own medians move much less, which is what this is for: an
A/B of one step. Each probe costs about a microsecond, on every step alike."""
import argparse
import collections
import os
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_core as b  # noqa: E402  (new_home, sched_env, write_dags, run_dag, AIRC)

GROUP = "airc_chain"
# (binary, function): the path of one task, in order
SCHED = ["exec_pool_hand_over", "store_begin", "sched_ingest_results", "sched_evaluate_runs",
         "sched_evaluate_runs%return", "store_commit_counted", "store_commit_counted%return", "sched_launch",
         "exec_spawn"]
SUPERVISOR = ["supervise", "task_process_start", "exec_result_write", "wake_send_on"]
ORDER = ["exec_pool_hand_over", "supervise", "task_process_start", "exec", "exit", "exec_result_write",
         "wake_send_on", "store_begin", "sched_ingest_results", "sched_evaluate_runs", "sched_evaluate_runs__return",
         "store_commit_counted", "store_commit_counted__return", "sched_launch", "exec_spawn", "next hand-over"]
# each step: from its event to the next one's
WHAT = {
    "exec_pool_hand_over": "hand-over -> the supervisor has its request (wake-up, read, parse)",
    "supervise": "-> the task's vfork (log in place, pipes)",
    "task_process_start": "-> the task's exec done (kernel event)",
    "exec": "-> the task exits (its own run)",
    "exit": "-> the supervisor has seen the exit (result file next)",
    "exec_result_write": "-> result written: the doorbell",
    "wake_send_on": "-> the scheduler is awake: BEGIN",
    "store_begin": "-> BEGIN done: the results folder next",
    "sched_ingest_results": "-> results listed and read, outcome recorded",
    "sched_evaluate_runs": "-> run evaluated, next task queued",
    "sched_evaluate_runs__return": "-> COMMIT",
    "store_commit_counted": "-> committed",
    "store_commit_counted__return": "-> the launch",
    "sched_launch": "-> its context loaded",
    "exec_spawn": "-> request, memfd, lock: the next hand-over",
}


def probes(add, bins):
    subprocess.run(["perf", "probe", "-q", "-d", f"{GROUP}:*"], stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    if not add:
        return
    for binary, fns in bins:
        for fn in fns:
            # a return probe's event is named <name>__return by perf itself
            name = fn.split("%")[0]
            subprocess.run(["perf", "probe", "-q", "-x", binary, "--add", f"{GROUP}:{name}={fn}"], check=True,
                           stdout=subprocess.DEVNULL)


def phases(data):
    out = subprocess.run(["perf", "script", "-i", data, "-F", "comm,tid,time,event"], capture_output=True, text=True,
                         check=True).stdout
    cycles, cur = [], None
    for line in out.splitlines():
        p = line.split()
        if len(p) < 4:
            continue
        comm, t, e = p[0], float(p[2].rstrip(":")), p[3].rstrip(":").split(":")[-1]
        if e in ("sched_process_exec", "sched_process_exit"):
            if comm != "true":
                continue
            e = "exec" if e == "sched_process_exec" else "exit"
        if e == "exec_pool_hand_over":
            if cur is not None:
                cur["next hand-over"] = t
                cycles.append(cur)
            cur = {e: t}
            continue
        if cur is None or e in cur:
            continue
        if e == "store_begin" and "wake_send_on" not in cur:
            continue  # the launch's own transaction (recording `running`), off this path
        cur[e] = t
    d = collections.defaultdict(list)
    for c in cycles:
        if all(k in c for k in ORDER):
            for a, z in zip(ORDER, ORDER[1:]):
                d[a].append((c[z] - c[a]) * 1e6)
            d["total"].append((c["next hand-over"] - c["exec_pool_hand_over"]) * 1e6)
    return d


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--keep-probes", action="store_true", help="leave the uprobes defined after the run")
    args = ap.parse_args()
    bindir = os.path.dirname(os.path.realpath(b.AIRC))
    bins = [(os.path.join(bindir, "airc"), SCHED), (os.path.join(bindir, "airc-supervisor"), SUPERVISOR)]
    probes(True, bins)
    n = args.tasks
    home = b.new_home("airc-probes-")
    data = os.path.join(home, "perf.data")
    try:
        env = b.sched_env(home, max(32, n))
        b.write_dags(os.path.join(home, "dags"), n)
        sched = subprocess.Popen([b.AIRC, "scheduler"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(1.5)
            rec = subprocess.Popen(["perf", "record", "-q", "-a", "-e", f"{GROUP}:*", "-e", "sched:sched_process_exec",
                                    "-e", "sched:sched_process_exit", "-o", data],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)
            r = b.run_dag(env, home, "bench_chain", sched.pid)
            rec.send_signal(signal.SIGINT)
            rec.wait(60)
        finally:
            sched.send_signal(signal.SIGTERM)
            sched.wait(30)
        d = phases(data)
    finally:
        probes(args.keep_probes, bins)
        b.remove_home(home)
    print(f"a chain of {n} tasks, {r['wall_ms'] / n:.3f} ms per task under the probes; {len(d['total'])} tasks traced, "
          f"homes in {b.home_fs()}")
    print(f"  {'p50 us':>7} {'mean us':>8}  step")
    for k in ORDER[:-1]:
        v = d.get(k) or [float("nan")]
        print(f"  {statistics.median(v):7.1f} {statistics.mean(v):8.1f}  {WHAT.get(k, k)}")
    v = d.get("total") or [float("nan")]
    print(f"  {statistics.median(v):7.1f} {statistics.mean(v):8.1f}  one task, hand-over to hand-over")
    return 0


if __name__ == "__main__":
    sys.exit(main())
