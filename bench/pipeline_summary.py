"""Summaries of user_pipeline benchmark runs (scripts/bench-pipeline.sh).

  pipeline_summary.py run TIS_JSON OUT_JSON   one run, by task, from
      `airc tasks states-for-dag-run -o json`; WALL (environment) is the
      trigger --wait wall time; writes the figures to OUT_JSON
  pipeline_summary.py compare A_JSON B_JSON   two runs' OUT_JSONs side by
      side: seconds and records/s by task, and the ratio B / A

Prints figures only; never fails on timing."""
import json
import os
import sys
from datetime import datetime


def ts(s):
    return datetime.fromisoformat(s) if s else None


def run(tis_path, out_path):
    tis = json.load(open(tis_path))
    start = min(ts(t["start_date"]) for t in tis if t.get("start_date"))
    end = max(ts(t["end_date"]) for t in tis if t.get("end_date"))
    total = (end - start).total_seconds()
    x = {t["task_id"]: t.get("xcom") or {} for t in tis}
    n = x.get("fetch_users", {}).get("records", 0)
    print("  %-20s %-10s %4s %9s %7s %10s" % ("task", "state", "try", "seconds", "share", "records/s"))
    for t in tis:
        d = t.get("duration") or 0.0
        print("  %-20s %-10s %4s %9.2f %6.1f%% %10.0f" % (t["task_id"], t["state"], t["try_number"], d,
                                                       100 * d / total if total else 0, n / d if d else 0))
    gaps = total - sum(t.get("duration") or 0.0 for t in tis)
    if gaps >= 0:
        print("  %-20s %-10s %4s %9.2f %6.1f%%" % ("(scheduling gaps)", "", "", gaps, 100 * gaps / total if total else 0))
    else:  # tasks ran side by side (the two validations): their durations overlap
        print("  (tasks ran in parallel: their durations overlap by %.2f s)" % -gaps)
    print("  first task start to last task end: %.2f s; trigger --wait wall time: %s s"
          % (total, os.environ.get("WALL", "?")))
    print("  users: fetched %s, published %s, validated %s of %s; %.0f users/s end to end" % (
        n, x.get("publish_kafka", {}).get("delivered"), x.get("validate_cassandra", {}).get("found"),
        x.get("validate_cassandra", {}).get("expected"), n / total if total else 0))
    with open(out_path, "w") as f:
        json.dump({"users": n, "total_s": total,
                   "tasks": {t["task_id"]: {"state": t["state"], "seconds": t.get("duration") or 0.0} for t in tis}}, f)


def compare(a_path, b_path):
    a, b = (json.load(open(p)) for p in (a_path, b_path))
    print("  %-20s %10s %10s %12s %12s %9s" % ("task", "single s", "cluster s", "single rec/s", "cluster rec/s",
                                              "time ratio"))
    for task, ta in a["tasks"].items():
        tb = b["tasks"].get(task)
        if not tb:
            continue
        sa, sb = ta["seconds"], tb["seconds"]
        print("  %-20s %10.2f %10.2f %12.0f %12.0f %8.2fx" % (task, sa, sb, a["users"] / sa if sa else 0,
                                                             b["users"] / sb if sb else 0, sb / sa if sa else 0))
    print("  whole run: %.2f s single-node, %.2f s cluster = %.2fx the time"
          % (a["total_s"], b["total_s"], b["total_s"] / a["total_s"] if a["total_s"] else 0))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
