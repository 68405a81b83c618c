#!/usr/bin/env python3
"""What a chain task's state changes cost the SQLite store (a benchmark, not
a test): WAL frames and microseconds per task, on a store made by
`airc db init` of each build given.

A local chain task makes two commits (docs/scheduler.md): the upstream's
outcome with its `task_try` row and the downstream's `queued`, then the
downstream's `running` after its launch. In WAL mode a commit appends every
page it dirtied to the WAL as one frame (a 24-byte header and a 4 KiB page,
checksummed): the table's leaf, and the leaf of every index whose key, or
whose partial WHERE, names a column the update changed. This replays those
two commits for N task instances with the scheduler's statements' shapes,
with automatic checkpoints off, and counts the frames the WAL holds after.

  python3 bench/store_frames.py [--tasks 1000] [--base /old/bin/airc] [--rounds 5]

The frame count is exact and the same on every run; the time moves with the
machine (about 10 us per frame here), so the builds are run alternately and
medians printed."""
import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AIRC = os.environ.get("AIRC_BIN", os.path.join(ROOT, "bin", "airc"))


def make_store(airc, n):
    """A fresh home with the store of airc's schema, one DAG run of n task
    instances in state none (default pool), returns the store's path."""
    home = tempfile.mkdtemp(prefix="airc-frames-")
    env = dict(os.environ, AIRC_HOME=home)
    subprocess.run([airc, "db", "init"], env=env, check=True, stdout=subprocess.DEVNULL)
    db = os.path.join(home, "airc.db")
    c = sqlite3.connect(db, isolation_level=None)
    c.execute("INSERT INTO dag(dag_id) VALUES('bench_chain')")
    c.execute("INSERT INTO dag_run(dag_id, run_id, run_type, logical_date, data_interval_start, data_interval_end,"
              " state, dag_hash, queued_us) VALUES('bench_chain', 'r1', 'manual', 0, 0, 0, 'running', 'h', 0)")
    c.executemany("INSERT INTO task_instance(run_pk, dag_id, task_id, state, max_tries, updated_us, pool, pool_slots)"
                  " VALUES(1, 'bench_chain', ?, 'none', 1, 0, 'default_pool', 1)", [(f"t{i}",) for i in range(n)])
    c.close()
    return db


def replay(db):
    """The chain's two commits per task; returns (frames per task, us per task)."""
    c = sqlite3.connect(db, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute("PRAGMA synchronous=NORMAL")
    c.execute("PRAGMA wal_autocheckpoint=0")
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    ids = [r[0] for r in c.execute("SELECT id FROM task_instance ORDER BY id")]
    c.execute("UPDATE task_instance SET state='running', try_number=1 WHERE id=?", (ids[0],))
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    t0 = time.perf_counter()
    for up, down in zip(ids, ids[1:]):
        c.execute("BEGIN IMMEDIATE")
        c.execute("UPDATE task_instance SET state='success', end_us=?1, duration=0.001, exit_code=0, updated_us=?1"
                  " WHERE id=?2", (up, up))
        c.execute("INSERT INTO task_try(ti_id, try_number, state, start_us, end_us, exit_code, pid, log_path)"
                  " VALUES(?1, 1, 'success', ?1, ?1, 0, 1, '/logs/x')", (up,))
        c.execute("UPDATE task_instance SET try_number=try_number+1, state='queued', queued_us=?1, updated_us=?1"
                  " WHERE id=?2", (down, down))
        c.execute("COMMIT")
        c.execute("BEGIN IMMEDIATE")
        c.execute("UPDATE task_instance SET state='running', pid=1, start_us=?1, log_path='/logs/x', updated_us=?1"
                  " WHERE id=?2 AND state='queued'", (down, down))
        c.execute("COMMIT")
    t1 = time.perf_counter()
    frames = c.execute("PRAGMA wal_checkpoint").fetchone()[1]
    c.close()
    n = len(ids) - 1
    return frames / n, (t1 - t0) / n * 1e6


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--base", help="an older build's bin/airc, run alternately with this one")
    ap.add_argument("--out", help="also write the medians as JSON")
    args = ap.parse_args()
    builds = [("this build", AIRC)] + ([("base", args.base)] if args.base else [])
    res = {name: [] for name, _ in builds}
    for _ in range(args.rounds):
        for name, airc in builds:
            db = make_store(airc, args.tasks)
            res[name].append(replay(db))
            subprocess.run(["rm", "-rf", os.path.dirname(db)])
    print(f"store cost of a chain task's two commits ({args.tasks} tasks, {args.rounds} rounds, medians)")
    out = {}
    for name, airc in builds:
        f = statistics.median(r[0] for r in res[name])
        us = statistics.median(r[1] for r in res[name])
        out[name] = {"airc": airc, "wal_frames_per_task": f, "us_per_task": us}
        print(f"  {name:10s} {f:5.1f} WAL frames per task, {us:6.1f} us per task  ({airc})")
    if args.out:
        with open(args.out, "w") as fo:
            json.dump({"tasks": args.tasks, "rounds": args.rounds, "builds": out}, fo, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
