#!/bin/sh
# make bench: benchmarks, not tests. Each part prints its figures and the
# ratio to a floor or a peer measured in the same run; nothing here passes
# or fails on timing. Results go to bench/results/*.json as well. The real
# stack (Kafka, Cassandra) is brought up last, for the pipeline part, so that
# its idle JVMs do not disturb the other measurements. The scheduler, CLI
# and distributed parts each run on a fresh journaled ext4 (scripts/bench-fs.sh:
# this VM's own root file system has no journal, which made file creation
# cost what the machine's recent history decided).
#
#   BENCH_TASKS=1000          tasks per DAG shape for the scheduler benchmark
#   BENCH_AIRFLOW_TASKS=100   tasks per DAG shape on Apache Airflow (slow!)
#   BENCH_STORM=2000          due DAGs (5-task chains) in the storm, measured against the chain
#   BENCH_STORM_LARGE=10000   the same with this many DAG files (skip with BENCH_SKIP=storm-large)
#   BENCH_FOLDER=10000        DAG files for the folder parse figures
#   BENCH_DIST_N=1000         tasks per DAG shape for the distributed executor on PostgreSQL
#   BENCH_DIST_ROUNDS=3       rounds of it (local mode and PostgreSQL alternated; the ratios' medians)
#   BENCH_SKIP="airflow pipeline cluster web storm-large dist"   parts to skip
#   AIRC_BENCH_CLUSTER_N=100000   users of the single-node vs cluster profile run
set -u
cd "$(dirname "$0")/.."
mkdir -p bench/results
skip() { case " ${BENCH_SKIP:-} " in *" $1 "*) return 0 ;; esac; return 1; }
status=0

echo "== airc scheduler: chain and fan-out of ${BENCH_TASKS:-1000} shell tasks, against the machine's floor"
scripts/bench-fs.sh python3 bench/bench_core.py --tasks "${BENCH_TASKS:-1000}" --storm "${BENCH_STORM:-2000}" \
  --folder "${BENCH_FOLDER:-10000}" --out bench/results/core.json || status=1
echo; echo "== the store's cost of a chain task's two commits (WAL frames: exact; time: this machine's)"
scripts/bench-fs.sh python3 bench/store_frames.py --tasks "${BENCH_TASKS:-1000}" --out bench/results/store-frames.json || status=1
if ! skip storm-large; then
  echo; echo "== the storm again with ${BENCH_STORM_LARGE:-10000} DAG files, against a chain in the same run"
  scripts/bench-fs.sh python3 bench/bench_core.py --tasks "${BENCH_TASKS:-1000}" --only storm --storm "${BENCH_STORM_LARGE:-10000}" \
    --out bench/results/storm-large.json || status=1
fi
if ! skip dist; then
  echo; echo "== distributed executor: PostgreSQL 15 (throwaway), 1, 2 and 4 workers, against local mode on SQLite"
  scripts/bench-fs.sh scripts/pg-test.sh python3 bench/bench_dist.py --tasks "${BENCH_DIST_N:-1000}" \
    --rounds "${BENCH_DIST_ROUNDS:-3}" --out bench/results/dist.json \
    || status=1
fi
echo "-- what a fork costs the forking process on this machine (why supervisors are posix_spawn'ed)"
bin/bench-fork || status=1
echo; echo "== CLI and the dashboard's DAG list at 10,000 DAGs (goals: 20 ms a command, 50 ms a page)"
scripts/bench-fs.sh python3 bench/bench_cli.py --dags 10000 --out bench/results/cli.json || status=1

if ! skip web && [ -x scripts/bench-web.sh ]; then
  echo; echo "== web API under wrk"
  scripts/bench-web.sh || status=1
fi
if ! skip airflow && [ -x scripts/bench-airflow.sh ]; then
  echo; echo "== Apache Airflow, same DAG shapes (${BENCH_AIRFLOW_TASKS:-100} tasks), same machine, same run"
  # exit 3: Airflow did not finish within its time limit; the figures of the
  # finished tasks are still written and compared
  scripts/bench-airflow.sh --tasks "${BENCH_AIRFLOW_TASKS:-100}" --out bench/results/airflow.json
  rc=$?; [ $rc -eq 0 ] || [ $rc -eq 3 ] || status=1
  python3 bench/compare_airflow.py bench/results/core.json bench/results/airflow.json || true
fi
if ! skip pipeline && [ -x scripts/bench-pipeline.sh ]; then
  echo; echo "== pipeline: publish throughput vs kcat, fetch+transform, 10,000-user run"
  scripts/bench-pipeline.sh || status=1
fi
if ! skip cluster && [ -x scripts/bench-pipeline.sh ]; then
  echo; echo "== pipeline: ${AIRC_BENCH_CLUSTER_N:-100000} users, single-node profile against the cluster profile"
  scripts/bench-pipeline.sh cluster || status=1
fi
exit $status
