#!/usr/bin/env python3
"""Interleaved A/B of the distributed benchmark (a benchmark aid, not a
test): runs bench/bench_dist.py with this build, then with another
(--base), ROUNDS times, and prints one line per run: the local reference
(chain per task, fan-out tasks/s) and, per worker count, the distributed
chain per task, its ratio to local, the fan-out and its ratio, and the
upstream done -> start p50. Alternating the builds puts both under the same
drift of this VM. The homes are kept until the end (AIRC_BENCH_KEEP_HOMES):
removing thousands of files slows the next run's file creation.

    scripts/bench-fs.sh scripts/pg-test.sh python3 bench/bench_dist_ab.py --base /tmp/base/bin/airc [--rounds 3]

(scripts/bench-fs.sh: a fresh journaled ext4 for the homes, as `make bench` uses.)

A base build: git worktree add --detach /tmp/base COMMIT && make -C /tmp/base -j2 all"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def summary(label, rnd, d):
    n = d["tasks"]
    lc, lf = d["local"]["bench_chain"], d["local"]["bench_fanout"]
    out = [f"round {rnd} {label}: local chain {lc['wall_ms'] / n:.2f} ms fan {lf['tasks'] / (lf['wall_ms'] / 1000):.0f}/s"]
    for x in d["distributed"]:
        out.append(f"| {x['workers']}w chain {x['chain_ms_per_task']:.2f} ms ({x['chain_ratio_to_local']:.2f}x) "
                   f"fan {x['fanout_tasks_per_s']:.0f}/s ({x['fanout_ratio_to_local']:.2f}x) "
                   f"dep p50 {x['bench_chain']['dep_latency_p50_ms']:.2f} "
                   f"db {x['bench_fanout']['database_cpu_ms_per_task']:.2f} ms/fan task")
    return " ".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True, help="the other build's bin/airc")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--workers", default="1,4")
    a = ap.parse_args()
    if not os.environ.get("AIRC_TEST_PG"):
        sys.exit("bench_dist_ab: run it under scripts/pg-test.sh (AIRC_TEST_PG is not set)")
    builds = [("new", os.path.join(ROOT, "bin", "airc")), ("base", os.path.abspath(a.base))]
    before = set(glob.glob(os.path.join(tempfile.gettempdir(), "airc-bench-*")))
    with tempfile.TemporaryDirectory() as tmp:
        for rnd in range(1, a.rounds + 1):
            for label, binary in builds:
                out = os.path.join(tmp, f"{label}{rnd}.json")
                env = dict(os.environ, AIRC_BIN=binary, AIRC_BENCH_KEEP_HOMES="1")
                subprocess.run([sys.executable, os.path.join(ROOT, "bench", "bench_dist.py"), "--tasks", str(a.tasks),
                                "--workers", a.workers, "--out", out], env=env, check=True,
                               stdout=subprocess.DEVNULL, timeout=3600)
                with open(out) as f:
                    print(summary(label, rnd, json.load(f)), flush=True)
    for home in set(glob.glob(os.path.join(tempfile.gettempdir(), "airc-bench-*"))) - before:
        subprocess.run(["rm", "-rf", home])


if __name__ == "__main__":
    main()
