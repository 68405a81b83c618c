#!/usr/bin/env python3
"""Round trips of the distributed scheduler's wake (a benchmark aid, not a
test): with PostgreSQL's statement log on, runs a chain of N `true` tasks
with one worker (bench/bench_dist.py), then prints the statements the
scheduler ran between two consecutive queuings in the middle of the chain
(the wake that applies one task's result and queues the next) and how many
round trips they make: a BEGIN goes out with the statement after it, and
the change counter's snapshot query with the COMMIT before it, and the
outcome's statement, the claim's INSERT and the lease fence (sent ahead,
store_stmt_run_deferred) with the statement after them
(store/postgres/pg_driver.c), and the pool's read with the statement before
it (store_stmt_read_along), so none counts as a trip of its own.
For a build older than the read sent along, pass --read-alone; older than
the writes sent ahead, --claim-alone; for one
older than all of that pipelining (before commit 39b32e4), --unpipelined:
every statement is then a trip.

The trips here are inferred from which statements the code sends ahead,
so a statement this list does not know is miscounted; the driver's own
count (`round_trips` in `airc scheduler --stats-file`, docs/scaling.md
"Round trips of a wake") is the truth, and the distributed chain test
checks it.

    scripts/pg-test.sh python3 bench/pg_wake_trips.py [--tasks 200]
    AIRC_BIN=/old/bin/airc scripts/pg-test.sh python3 bench/pg_wake_trips.py --unpipelined

It turns `log_min_duration_statement` on for the throwaway cluster
scripts/pg-test.sh started (ALTER SYSTEM), and reads that cluster's log."""
import argparse
import os
import re
import subprocess
import sys
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PG_ADMIN = os.environ.get("AIRC_TEST_PG", "")
# writes the scheduler sends ahead of the statement after them
SENT_AHEAD = ("INSERT INTO task_claim(", "WITH ti AS (UPDATE task_instance SET state=",
              "SELECT CAST(CASE WHEN EXISTS(SELECT 1 FROM scheduler_lease")
# reads the scheduler sends along with the statement before them
SENT_ALONG = ("SELECT pl.slots - coalesce((SELECT used FROM pool_usage",)
LINE = re.compile(r"\S+ (\S+) UTC (\d+) \S* LOG:\s+duration: [\d.]+ ms\s+(?:statement|execute \S+?):\s*(.*)")


def psql(sql):
    return subprocess.run(["psql", "-X", "-q", "-t", "-A", PG_ADMIN, "-c", sql], capture_output=True, text=True,
                          timeout=60, check=True).stdout.strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tasks", type=int, default=200)
    ap.add_argument("--unpipelined", action="store_true", help="a build that sends BEGIN and the snapshot alone")
    ap.add_argument("--claim-alone", action="store_true",
                    help="a build that sends the outcome and the claim's INSERT alone")
    ap.add_argument("--read-alone", action="store_true", help="a build that sends the pool's read alone")
    a = ap.parse_args()
    if not PG_ADMIN:
        sys.exit("pg_wake_trips: run it under scripts/pg-test.sh (AIRC_TEST_PG is not set)")
    log = os.path.join(os.path.dirname(psql("SHOW data_directory")), "postgres.log")
    for sql in ("ALTER SYSTEM SET log_min_duration_statement = 0", "ALTER SYSTEM SET log_line_prefix = '%m %p %a '",
                "SELECT pg_reload_conf()"):
        psql(sql)
    start = os.path.getsize(log)
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "bench_dist.py"), "--tasks", str(a.tasks),
                    "--workers", "1"], check=True, stdout=subprocess.DEVNULL, timeout=1800)
    psql("ALTER SYSTEM RESET log_min_duration_statement")
    psql("SELECT pg_reload_conf()")
    with open(log, errors="replace") as f:
        f.seek(start)
        stmts = [(int(m.group(2)), m.group(3)) for m in map(LINE.match, f) if m]
    # the scheduler is the session that queues tries
    queuers = Counter(pid for pid, sql in stmts if "INSERT INTO task_claim(" in sql)
    if not queuers:
        sys.exit("pg_wake_trips: no queuing found in the log")
    sched = [sql for pid, sql in stmts if pid == queuers.most_common(1)[0][0]]
    at = [i for i, sql in enumerate(sched) if "INSERT INTO task_claim(" in sql]
    mid = len(at) // 4  # inside the chain (the fan-out of bench_dist.py comes after it)
    # from the COMMIT after one queuing to the COMMIT after the next
    commits = [i for i, sql in enumerate(sched) if sql == "COMMIT"]
    c0 = next(i for i in commits if i > at[mid])
    c1 = next(i for i in commits if i > at[mid + 1])
    if sched[c0 + 1].startswith("SELECT pg_current_snapshot"):
        c0 += 1  # it went with that COMMIT
    wake = sched[c0 + 1:c1 + 1]
    if c1 + 1 < len(sched) and sched[c1 + 1].startswith("SELECT pg_current_snapshot"):
        wake.append(sched[c1 + 1])
    trips = 0
    for i, sql in enumerate(wake):
        rides = not a.unpipelined and (sql.startswith("BEGIN") or (
            sql.startswith("SELECT pg_current_snapshot") and i > 0 and wake[i - 1] == "COMMIT") or (
            not a.claim_alone and any(w in sql for w in SENT_AHEAD)) or (
            not a.claim_alone and not a.read_alone and any(w in sql for w in SENT_ALONG)))
        trips += not rides
        print(f"  {'  +' if rides else f'{trips:3d}'} {sql[:110]}")
    print(f"{len(wake)} statements, {trips} round trips (+ : sent with its neighbour)")


if __name__ == "__main__":
    main()
