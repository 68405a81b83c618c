"""bench_web_fill.py HOME AIRC_BIN: fills a store for scripts/bench-web.sh.

Writes two DAG files, lets `airc dags reserialize` create the store and register
them (so the dag and dag_version rows are airc's own), then inserts runs and
task instances directly with SQLite: 10,000 runs x 10 tasks of `bench`,
25 runs x 1000 tasks of `wide`, with finished states and durations."""
import os
import random
import sqlite3
import subprocess
import sys

home, airc = sys.argv[1], sys.argv[2]
dags = os.path.join(home, "dags")
with open(os.path.join(dags, "bench.ini"), "w") as f:
    f.write("[dag]\nid = bench\nschedule = @hourly\nstart_date = 2020-01-01\ntags = bench\n")
    for i in range(10):
        f.write("\n[task t%d]\ntype = shell\ncommand = true\n%s" % (i, "upstream = t%d\n" % (i - 1) if i else ""))
with open(os.path.join(dags, "wide.ini"), "w") as f:
    f.write("[dag]\nid = wide\ntags = bench\n")
    for i in range(1000):
        f.write("\n[task w%04d]\ntype = shell\ncommand = true\n" % i)
subprocess.run([airc, "dags", "reserialize"], check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, AIRC_HOME=home))
db = sqlite3.connect(os.path.join(home, "airc.db"))
rnd = random.Random(1)


def fill(dag_id, n_runs, tasks):
    h = db.execute("SELECT current_hash FROM dag WHERE dag_id=?", (dag_id,)).fetchone()[0]
    t0 = 1577836800
    for r in range(n_runs):
        logical = t0 + r * 3600
        start = logical * 1000000 + 1000
        state = "failed" if r % 17 == 0 else "success"
        cur = db.execute(
            "INSERT INTO dag_run(dag_id, run_id, run_type, logical_date, data_interval_start, data_interval_end,"
            " conf, state, dag_hash, queued_us, start_us, end_us) VALUES(?,?,?,?,?,?,'{}',?,?,?,?,?)",
            (dag_id, "run_%05d" % r, "scheduled", logical, logical - 3600, logical, state, h, start, start,
             start + 5000000))
        pk = cur.lastrowid
        rows = []
        for i, t in enumerate(tasks):
            d = rnd.random() * 10
            rows.append((pk, dag_id, t, "failed" if state == "failed" and i == len(tasks) - 1 else "success", 1, 1,
                         start, start + int(d * 1e6), d, start))
        db.executemany(
            "INSERT INTO task_instance(run_pk, dag_id, task_id, state, try_number, max_tries, start_us, end_us,"
            " duration, updated_us) VALUES(?,?,?,?,?,?,?,?,?,?)", rows)


fill("bench", 10000, ["t%d" % i for i in range(10)])
fill("wide", 25, ["w%04d" % i for i in range(1000)])
db.commit()
db.close()
