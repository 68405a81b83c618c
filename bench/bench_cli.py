#!/usr/bin/env python3
"""bench_cli.py: the CLI and the dashboard's DAG list at N DAGs (issue 12).

Writes N DAG files (2-task chains), parses them once with `airc dags
reserialize`, then times, as a user's shell would (fork + exec + open the
store + answer), the median of R runs of each command: `dags pause X`,
`dags unpause X`, `dags trigger X`, `dags list --limit 100`, `dags list-runs
X`, `dags state X RUN`, and `dags unpause --pattern '^d0[01]' --yes` (2000 DAGs).
Then GET /api/v1/dags?limit=100 (a new offset each request, so no response
is served from the cache) against `airc webserver`. Each figure is printed
with its ratio to the goal (20 ms per command, 50 ms per page): a figure,
not a test; nothing fails on timing.

  python3 bench/bench_cli.py [--dags 10000] [--repeat 20] [--out FILE]
"""
import argparse
import base64
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AIRC = os.environ.get("AIRC_BIN", os.path.join(ROOT, "bin", "airc"))


def timed(env, *args):
    t = time.perf_counter()
    r = subprocess.run([AIRC, *args], env=env, capture_output=True, text=True)
    ms = (time.perf_counter() - t) * 1000
    if r.returncode != 0:
        raise SystemExit(f"airc {' '.join(args)} failed: {r.stderr.strip()}")
    return ms, r.stdout


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dags", type=int, default=10000)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--out")
    a = ap.parse_args()
    home = tempfile.mkdtemp(prefix="airc-bench-cli-")
    dags = os.path.join(home, "dags")
    os.makedirs(dags)
    env = dict(os.environ, AIRC_HOME=home, AIRC__CORE__DAGS_ARE_PAUSED_AT_CREATION="true")
    web = None
    res = {"dags": a.dags, "repeat": a.repeat}
    try:
        for i in range(a.dags):
            with open(os.path.join(dags, f"d{i:05d}.ini"), "w") as f:
                f.write(f"[dag]\nid = d{i:05d}\nschedule = none\n\n[task a]\ntype = shell\ncommand = true\n\n"
                        "[task b]\ntype = shell\ncommand = true\nupstream = a\n")
        ms, _ = timed(env, "dags", "reserialize")
        res["reserialize_s"] = round(ms / 1000, 2)
        print(f"dags reserialize of {a.dags} files: {ms / 1000:.2f} s (once)")
        x = f"d{a.dags // 2:05d}"
        _, out = timed(env, "dags", "trigger", x, "--output", "json")
        run_id = json.loads(out.splitlines()[0])["run_id"]
        cmds = {
            "pause": ["dags", "pause", x],
            "unpause": ["dags", "unpause", x],
            "trigger": ["dags", "trigger", x],
            "list --limit 100": ["dags", "list", "--limit", "100"],
            "list-runs": ["dags", "list-runs", x],
            "state": ["dags", "state", x, run_id],
        }
        res["cli_ms"] = {}
        print(f"{'command (median of %d)' % a.repeat:34} {'ms':>7}  vs 20 ms goal")
        for name, args in cmds.items():
            med = statistics.median(timed(env, *args)[0] for _ in range(a.repeat))
            res["cli_ms"][name] = round(med, 2)
            print(f"  airc dags {name:24} {med:7.1f}  {med / 20:.2f}x of the goal")
        # bulk: 2000 DAGs in one command (paused at creation: unpause them)
        # (d00000..d01999: 2000 DAGs, or all of a smaller set)
        ms, out = timed(env, "dags", "unpause", "--pattern", "^d0[01]" if a.dags >= 2000 else ".", "--yes")
        res["bulk_unpause_ms"] = round(ms, 1)
        res["bulk_unpause_out"] = out.strip()
        print(f"  airc dags unpause --pattern ... --yes: {out.strip()} in {ms:.0f} ms")
        # the dashboard's DAG list through the web server
        subprocess.run([AIRC, "users", "create", "--username", "bench", "--role", "viewer", "--password-stdin"],
                       env=env, input="bench-pass-1\n", text=True, check=True, capture_output=True)
        port = free_port()
        web = subprocess.Popen([AIRC, "webserver", "--port", str(port), "--host", "127.0.0.1"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}/api/v1"
        auth = {"Authorization": "Basic " + base64.b64encode(b"bench:bench-pass-1").decode()}
        deadline = time.monotonic() + 10
        while True:
            try:
                urllib.request.urlopen(base + "/health", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the web server did not answer within 10 s")
                time.sleep(0.05)
        urllib.request.urlopen(urllib.request.Request(base + "/dags?limit=1", headers=auth)).read()  # auth cache

        def page(offset):
            t = time.perf_counter()
            body = urllib.request.urlopen(urllib.request.Request(f"{base}/dags?limit=100&offset={offset}",
                                                                 headers=auth)).read()
            ms = (time.perf_counter() - t) * 1000
            doc = json.loads(body)
            assert len(doc["dags"]) == 100 and doc["total_entries"] == a.dags, doc.get("total_entries")
            return ms
        first = statistics.median(page(i) for i in range(a.repeat))
        last = statistics.median(page(a.dags - 100 - i) for i in range(a.repeat))
        res["api_dags_ms"] = {"first_pages": round(first, 2), "last_pages": round(last, 2)}
        print(f"  GET /api/v1/dags?limit=100 (uncached)  first pages {first:5.1f} ms, last pages {last:5.1f} ms"
              f"  {max(first, last) / 50:.2f}x of the 50 ms goal")
    finally:
        if web:
            web.terminate()
            web.wait(10)
        shutil.rmtree(home, ignore_errors=True)
    if a.out:
        with open(a.out, "w") as f:
            json.dump(res, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
