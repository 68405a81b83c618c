#!/bin/bash
# strace_chain.sh: the system calls of a local-mode scheduler for a chain
# of N `true` tasks (a benchmark aid, not a test: counts, not times).
#
#   bench/strace_chain.sh [BIN] [N]     (BIN: bin/airc of a build, default this tree's; N: 300)
#
# Starts `BIN scheduler` under `strace -c` in a throwaway home, triggers
# the chain, waits (bounded) for its run to end, stops that scheduler by
# its pid (never by a name pattern: other schedulers may run on this
# machine) and prints strace's table, plus the calls per task of the ones
# that follow the store's commits (pwrite64 to the WAL, fcntl locks).
# docs/benchmarks.md, "A local launch recorded with the next transaction".
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/bin/airc}
N=${2:-300}
command -v strace > /dev/null || { echo "strace_chain: strace is not installed (apt-get install strace)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "strace_chain: $BIN is not an executable" >&2; exit 1; }
H=$(mktemp -d "${TMPDIR:-/tmp}/airc-strace-XXXXXX")
trap 'rm -rf "$H"' EXIT
mkdir -p "$H/dags"
python3 - "$H/dags/c.json" "$N" <<'PY'
import json, sys
n = int(sys.argv[2])
json.dump({"dag": {"id": "c", "max_active_tasks": n}, "tasks": [
    {"id": f"t{i}", "type": "shell", "command": "true", **({"upstream": [f"t{i - 1}"]} if i else {})}
    for i in range(n)]}, open(sys.argv[1], "w"))
PY
export AIRC_HOME=$H AIRC__CORE__DAGS_FOLDER=$H/dags
"$BIN" db init > /dev/null
strace -c -o "$H/strace.txt" "$BIN" scheduler > "$H/scheduler.log" 2>&1 &
SPID=$!
for _ in $(seq 80); do grep -q "scheduler started" "$H/scheduler.log" && break; sleep 0.25; done
"$BIN" dags unpause c > /dev/null
"$BIN" dags trigger c > /dev/null
for _ in $(seq 480); do grep -q "finished:" "$H/scheduler.log" && break; sleep 0.25; done
grep "finished:" "$H/scheduler.log" || echo "strace_chain: the run did not end within 120 s" >&2
pkill -INT -P "$SPID"  # the scheduler, strace's child
wait "$SPID"
cat "$H/strace.txt"
awk -v n="$N" '$NF == "pwrite64" || $NF == "fcntl" || $NF == "total" {
  calls = $4; printf "%s per task: %.1f\n", $NF, calls / n }' "$H/strace.txt"
