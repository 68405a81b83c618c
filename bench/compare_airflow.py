#!/usr/bin/env python3
"""Side-by-side table of airc (bench/results/core.json) and Apache Airflow
(bench/results/airflow.json), both measured by `make bench` in the same run.
Per-task figures make the two comparable when Airflow ran fewer tasks."""
import json
import sys


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print(f"compare: cannot read {path}: {e}")
        sys.exit(0)


def main():
    core, af = load(sys.argv[1]), load(sys.argv[2])
    n_c, n_a = core["tasks"], af.get("tasks")
    print(f"\nairc ({n_c} tasks per shape) vs Apache Airflow {af.get('airflow_version', '?')} "
          f"({af.get('executor', '?')}, {n_a} tasks per shape), same machine, same run")
    print(f"  {'':40s} {'airc':>12s} {'Airflow':>12s} {'Airflow/airc':>13s}")
    rows = []
    for shape, key in (("chain", "bench_chain"), ("fanout", "bench_fanout")):
        c, a = core.get(key, {}), af.get(shape, {})
        if not c or not a:
            continue
        c_per = c["wall_ms"] / c["tasks"]
        a_per = a["wall_s"] * 1000.0 / n_a if a.get("wall_s") is not None and n_a else None
        rows.append((f"{shape}: wall per task (ms)", c_per, a_per))
        rows.append((f"{shape}: queued->running p50 (ms)", c["queued_to_running_p50_ms"], a.get("queued_to_running_p50_ms")))
        rows.append((f"{shape}: upstream done->start p50 (ms)", c["dep_latency_p50_ms"], a.get("dep_latency_p50_ms")))
        rows.append((f"{shape}: upstream done->start p99 (ms)", c["dep_latency_p99_ms"], a.get("dep_latency_p99_ms")))
    rows.append(("scheduler peak RSS (MB)", core["scheduler_peak_rss_kb"] / 1024.0,
                 (af.get("scheduler_peak_rss_kb") or 0) / 1024.0 or None))
    for name, c, a in rows:
        ratio = f"{a / c:12.1f}x" if a is not None and c else "           -"
        a_s = f"{a:12.2f}" if a is not None else "           -"
        print(f"  {name:40s} {c:12.2f} {a_s} {ratio}")


if __name__ == "__main__":
    main()
