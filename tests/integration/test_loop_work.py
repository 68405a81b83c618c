"""The scheduler's work per wake does not grow with the number of active runs.

A guard without timing (issue 12): `airc scheduler --stats-file F` writes,
for every wake that did work, how many statements it executed, how many rows
they returned and how many SQLite VM steps they took (a scan shows there even
when it returns one row). A chain of `true` tasks is run twice by the same
scheduler: alone, then beside 500 runs whose task blocks (on a FIFO). The
wakes that move the chain (one result in, the next task out) must cost the
same in both phases, within a small constant: a statement or a scan per
active run fails this test on any machine, however fast."""
import json
import os
import shutil
import statistics
import subprocess

import pytest

from conftest import AIRC, Home, dag_ini, run_folder, sqlite_only, wait_for

N_HOLD = 500
CHAIN = 12


def chain_wakes(path, start):
    """The stats lines after line `start` that moved the chain: a result
    ingested, no sweep and no re-evaluation of every run."""
    with open(path) as f:
        lines = [json.loads(x) for x in f.read().splitlines()[start:]]
    return [w for w in lines if w["results"] >= 1 and not w["sweep"] and not w["all_dirty"] and not w["ticks"]]


def launched(path):
    with open(path) as f:
        return sum(json.loads(x)["launched"] for x in f.read().splitlines())


def line_count(path):
    with open(path) as f:
        return len(f.read().splitlines())


@pytest.fixture(scope="module")
def medians(tmp_path_factory):
    """Runs both phases once for the tests below: {counter: (alone, busy)}
    medians over the chain's wakes."""
    home = Home(tmp_path_factory.mktemp("loop") / "home")
    try:
        yield measure(home)
    finally:
        shutil.rmtree(run_folder(home), ignore_errors=True)
        bad = home.stop()
        assert not bad, "; ".join(bad)


def measure(home):
    home.env["AIRC__CORE__PARALLELISM"] = str(N_HOLD + 50)
    # every chain task through the scheduler's wake, the work measured here
    # (a warm supervisor continuing the chain would skip most of them:
    # test_chain_continue.py)
    home.env["AIRC__SCHEDULER__CONTINUE_CHAINS"] = "false"
    home.env["AIRC__CORE__DEFAULT_POOL_SLOTS"] = str(N_HOLD + 50)  # default_pool (128) must not cap them
    fifo = os.path.join(home.path, "hold.fifo")
    os.mkfifo(fifo)
    home.write_dag("chain.ini", dag_ini("chain", [(f"t{i}", {"command": "true", **({"upstream": f"t{i - 1}"} if i else {})})
                                                  for i in range(CHAIN)]))
    # a run of `hold` blocks until the FIFO is opened for writing (at most 5 min)
    home.write_dag("hold.ini", dag_ini("hold", [("t", {"command": f"timeout 300 cat {fifo}"})],
                                       schedule="@daily", start_date="2024-01-01T00:00:00Z", catchup="false",
                                       max_active_runs=N_HOLD + 10, max_active_tasks=N_HOLD + 10))
    stats = os.path.join(home.path, "stats.jsonl")
    p = subprocess.Popen([AIRC, "scheduler", "--stats-file", stats], env=home.env,
                         stdout=open(os.path.join(home.path, "scheduler-0.log"), "w"), stderr=subprocess.STDOUT)
    home.procs.append(p)
    wait_for(lambda: home.scheduler_log_has("scheduler started"), 10, what="scheduler start")
    try:
        # phase 1: the chain alone
        run = home.trigger("chain")
        assert home.wait_run("chain", run, 60) == "success"
        alone = chain_wakes(stats, 0)
        # phase 2: the same chain beside N_HOLD active runs
        r = home.run("dags", "backfill", "hold", "-s", "2024-01-01", "-e", "2025-05-14", check=True)
        assert f"{N_HOLD} runs to create" in r.stdout
        # every hold task launched (the chain launched CHAIN before)
        wait_for(lambda: launched(stats) >= CHAIN + N_HOLD, 120, 0.5, f"{N_HOLD} hold tasks to start")
        start = line_count(stats)
        run = home.trigger("chain")
        assert home.wait_run("chain", run, 120) == "success"
        busy = chain_wakes(stats, start)
        running = len(home.json("dags", "list-runs", "hold", "--state", "running", "--limit", "1000"))
        assert running >= N_HOLD, "the hold runs must still be active while the chain ran"
    finally:
        # release every `cat` on the FIFO (non-blocking: no reader, no wait)
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            os.close(fd)
        except OSError:
            pass
    assert len(alone) >= CHAIN // 2 and len(busy) >= CHAIN // 2, (len(alone), len(busy))
    return {k: (statistics.median(w[k] for w in alone), statistics.median(w[k] for w in busy))
            for k in ("statements", "rows", "vm_steps")}


def test_statements_and_rows_per_wake_do_not_grow_with_active_runs(medians):
    # same work within a small constant: a statement or a row per active run
    # would add ~500 per wake
    assert medians["statements"][1] <= medians["statements"][0] + 5, medians
    assert medians["rows"][1] <= medians["rows"][0] + 20, medians


@sqlite_only("rows looked at are SQLite's VM steps; PostgreSQL reports no such count per statement "
             "(its driver counts rows sent, which the test above already bounds)")
def test_rows_looked_at_per_wake_do_not_grow_with_active_runs(medians):
    assert medians["vm_steps"][1] <= medians["vm_steps"][0] * 1.5 + 200, medians
