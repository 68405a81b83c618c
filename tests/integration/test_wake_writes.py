"""A task found ready and queued in the same wake is written once.

Counted, not timed (docs/scheduler.md, "Counted, not timed"): the wakes
that move a chain of `true` tasks (one result in, the next task out) execute
a fixed number of statements. The next task used to be written `scheduled`
and then `queued` in the same transaction; it is now written once, as
`queued`. What a user sees is unchanged: every instance ends `success` with
one try, and the run's task states read as before."""
import json
import os
import statistics
import subprocess

from conftest import AIRC, dag_ini, wait_for

CHAIN = 8


def chain_wakes(path):
    with open(path) as f:
        lines = [json.loads(x) for x in f.read().splitlines()]
    return [w for w in lines if w["results"] >= 1 and w["launched"] >= 1 and not w["sweep"] and not w["all_dirty"]
            and not w["ticks"]]


def test_chain_wake_writes_the_next_task_once(home):
    home.write_dag("chain.ini", dag_ini("chain", [(f"t{i}", {"command": "true", **({"upstream": f"t{i - 1}"} if i else {})})
                                                  for i in range(CHAIN)]))
    stats = os.path.join(home.path, "stats.jsonl")
    home.env["AIRC__SCHEDULER__CONTINUE_CHAINS"] = "false"  # each task through a wake (test_chain_continue.py)
    p = subprocess.Popen([AIRC, "scheduler", "--stats-file", stats], env=home.env,
                         stdout=open(os.path.join(home.path, "scheduler-0.log"), "w"), stderr=subprocess.STDOUT)
    home.procs.append(p)
    wait_for(lambda: home.scheduler_log_has("scheduler started"), 10, what="scheduler start")
    run = home.trigger("chain")
    assert home.wait_run("chain", run, 60) == "success"
    wakes = chain_wakes(stats)
    assert len(wakes) >= CHAIN // 2, wakes
    n = statistics.median(w["statements"] for w in wakes)
    # 10 since 2026-11-29 (11 before: `scheduled`, then `queued`)
    assert n <= 10, [w["statements"] for w in wakes]
    tis = home.json("tasks", "states-for-dag-run", "chain", run)
    assert sorted((t["task_id"], t["state"], t["try_number"]) for t in tis) == \
        [(f"t{i}", "success", 1) for i in range(CHAIN)], tis
