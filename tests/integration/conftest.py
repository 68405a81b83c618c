"""Integration fixtures: the real `airc` binary on a temporary $AIRC_HOME.

Every test gets its own home (DAG folder, store, logs) and drives airc as a
user would: through the command line, DAG files and a real scheduler
process. All waits are bounded (see `wait_for`)."""
import json
import os
import signal
import subprocess
import time

import pytest

# scripts/pg-test.sh sets AIRC_TEST_PG (an admin URL of a throwaway cluster):
# then every home gets a PostgreSQL database of its own, created with psql
# and initialized with `airc db init`, instead of $AIRC_HOME/airc.db
PG_ADMIN = os.environ.get("AIRC_TEST_PG", "")
ON_PG = bool(PG_ADMIN)
_pg_seq = [0]


def sqlite_only(reason):
    """Marks a test that is about the SQLite file itself (its mode, its lock,
    its disk): skipped on PostgreSQL with the reason."""
    return pytest.mark.skipif(ON_PG, reason=f"SQLite-specific: {reason}")


def pg_database():
    """Creates an empty database on the test cluster; returns its URL."""
    _pg_seq[0] += 1
    name = f"airc_it_{os.getpid()}_{_pg_seq[0]}"
    subprocess.run(["psql", "-q", "-X", PG_ADMIN, "-c", f"CREATE DATABASE {name}"], check=True,
                   capture_output=True, timeout=60)
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name

def db_rows(home, sql):
    """Rows of a query on the home's store, read directly (SQLite file or
    PostgreSQL database), as lists of strings/values: for asserting what is
    stored (e.g. never a secret in clear)."""
    if ON_PG:
        r = subprocess.run(["psql", "-X", "-q", "-t", "-A", "-F", "\t", home.env["AIRC__DATABASE__URL"], "-c", sql],
                           capture_output=True, text=True, timeout=60, check=True)
        return [line.split("\t") for line in r.stdout.splitlines()]
    import sqlite3
    db = sqlite3.connect(os.path.join(home.path, "airc.db"))
    try:
        return [list(row) for row in db.execute(sql).fetchall()]
    finally:
        db.close()


def db_dump(home):
    """Every stored value of the home's store as text (SQL dump)."""
    if ON_PG:
        pg_dump = os.path.join(os.environ.get("AIRC_TEST_PG_BIN", ""), "pg_dump")
        r = subprocess.run([pg_dump if os.path.exists(pg_dump) else "pg_dump", "--data-only",
                            home.env["AIRC__DATABASE__URL"]], capture_output=True, text=True, timeout=60, check=True)
        return r.stdout
    import sqlite3
    db = sqlite3.connect(os.path.join(home.path, "airc.db"))
    try:
        return "\n".join(db.iterdump())
    finally:
        db.close()

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AIRC = os.environ.get("AIRC_BIN", os.path.join(ROOT, "bin", "airc"))
SANITIZED = "bin-san" in AIRC
# sanitizer builds are several times slower: stretch every bound
SLOW = 4.0 if SANITIZED else 1.0


def wait_for(pred, timeout=20.0, interval=0.05, what="condition"):
    """Polls pred() until it returns a truthy value or `timeout` seconds pass.
    An exception from pred() counts as "not yet" (the scheduler may not have
    parsed a DAG the CLI is asked about); the last one is reported on timeout."""
    deadline = time.monotonic() + timeout * SLOW
    last = None
    while time.monotonic() < deadline:
        try:
            last = pred()
        except (AssertionError, subprocess.CalledProcessError, ValueError, KeyError, IndexError) as e:
            last = e
        else:
            if last:
                return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout * SLOW:.0f}s waiting for {what} (last: {last!r})")


class Home:
    def __init__(self, path):
        self.path = str(path)
        self.dags = os.path.join(self.path, "dags")
        os.makedirs(self.dags, exist_ok=True)
        self.env = dict(os.environ, AIRC_HOME=self.path)
        self.env.pop("AIRC__CORE__DAGS_FOLDER", None)
        self.env["AIRC__CORE__DAGS_ARE_PAUSED_AT_CREATION"] = "false"
        self.env["AIRC__SCHEDULER__DAG_DIR_LIST_INTERVAL"] = "30"
        self.env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        self.env.pop("AIRC__DATABASE__URL", None)
        if ON_PG:
            self.env["AIRC__DATABASE__URL"] = pg_database()
        self.procs = []
        # where the scheduler's own output goes (a test whose home is on a
        # full filesystem keeps it elsewhere, to read it)
        self.log_dir = self.path
        if ON_PG:  # a shared database is only ever initialized by `airc db init`
            self.run("db", "init", check=True)

    def write_dag(self, name, text):
        p = os.path.join(self.dags, name)
        tmp = p + ".tmp~"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, p)
        return p

    def run(self, *args, check=False, timeout=60, input=None):
        """Runs `airc ARGS`; returns CompletedProcess (text)."""
        r = subprocess.run([AIRC, *args], env=self.env, capture_output=True, text=True,
                           timeout=timeout * SLOW, input=input)
        if check and r.returncode != 0:
            raise AssertionError(f"airc {' '.join(args)} -> {r.returncode}\n{r.stdout}\n{r.stderr}")
        return r

    def json(self, *args):
        r = self.run(*args, "--output", "json", check=True)
        return json.loads(r.stdout)

    def start_scheduler(self, preexec_fn=None):
        """Starts `airc scheduler`; preexec_fn runs in the child before exec
        (to start it with signals ignored or blocked, say)."""
        log = open(os.path.join(self.log_dir, f"scheduler-{len(self.procs)}.log"), "w")
        p = subprocess.Popen([AIRC, "scheduler"], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                             preexec_fn=preexec_fn)
        self.procs.append(p)
        wait_for(lambda: self.scheduler_log_has("scheduler started"), 10, what="scheduler start")
        return p

    def scheduler_log_has(self, text):
        for i in range(len(self.procs)):
            try:
                with open(os.path.join(self.log_dir, f"scheduler-{i}.log")) as f:
                    if text in f.read():
                        return True
            except FileNotFoundError:
                pass
        return False

    def stop(self):
        """Stops the schedulers this test started. One that was still running
        must exit cleanly on SIGTERM: code 0 (under the sanitizer build, a leak
        or a UB report would make it non-zero)."""
        bad = []
        for i, p in enumerate(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10 * SLOW)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
                    bad.append(f"scheduler {i} did not stop on SIGTERM")
                    continue
                if p.returncode != 0:
                    bad.append(f"scheduler {i} exited with {p.returncode} on SIGTERM "
                               f"(see {self.log_dir}/scheduler-{i}.log)")
        return bad

    def runs(self, dag):
        return self.json("dags", "list-runs", dag, "--limit", "1000")

    def tis(self, dag, run_id):
        return {t["task_id"]: t for t in self.json("tasks", "states-for-dag-run", dag, run_id)}

    def run_state(self, dag, run_id):
        r = self.run("dags", "state", dag, run_id)
        return r.stdout.strip() if r.returncode == 0 else None

    def wait_run(self, dag, run_id, timeout=30):
        return wait_for(lambda: self.run_state(dag, run_id) in ("success", "failed") and self.run_state(dag, run_id),
                        timeout, 0.1, f"run {run_id} of {dag} to finish")

    def trigger(self, dag, *args):
        r = self.run("dags", "trigger", dag, "--output", "json", *args, check=True)
        return json.loads(r.stdout.splitlines()[0])["run_id"]

    def reserialize(self):
        """Parses the DAG folder into the store now (`airc dags reserialize`):
        the CLI reads the store only, which a scheduler fills on its own."""
        return self.run("dags", "reserialize", check=True)

    def import_errors(self, reparse=False):
        args = ["dags", "list-import-errors"] + (["--reparse"] if reparse else [])
        return {os.path.basename(e["filepath"]): e["error"] for e in self.json(*args)}


def run_folder(home):
    """airc's run folder for a home ($XDG_RUNTIME_DIR/airc-<hash>, else
    /dev/shm/airc-<uid>-<hash>, else $AIRC_HOME/run), as airc computes it."""
    r = home.run("config", "get-value", "core", "run_folder")
    if r.returncode == 0:
        return r.stdout.strip()
    # airc cannot say (a test broke airc.ini): the /dev/shm default
    h = 1469598103934665603
    for b in os.path.abspath(home.path).encode():
        h ^= b
        h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return f"/dev/shm/airc-{os.getuid()}-{h:016x}"


@pytest.fixture
def home(tmp_path):
    h = Home(tmp_path / "home")
    yield h
    import shutil
    shutil.rmtree(run_folder(h), ignore_errors=True)
    bad = h.stop()
    assert not bad, "; ".join(bad)


def dag_ini(dag_id, tasks, **dag_keys):
    """Builds an INI DAG file. tasks: list of (task_id, dict of keys)."""
    lines = ["[dag]", f"id = {dag_id}"]
    dag_keys.setdefault("schedule", "none")
    for k, v in dag_keys.items():
        lines.append(f"{k} = {v}")
    for tid, keys in tasks:
        lines.append("")
        lines.append(f"[task {tid}]")
        keys = dict(keys)
        keys.setdefault("type", "shell")
        for k, v in keys.items():
            lines.append(f"{k} = {v}")
    return "\n".join(lines) + "\n"


def secrets_change_dag(home, flag):
    """For the tests that change connections and variables while a scheduler
    runs: variable color=red, connection api (host h1, password first-pw),
    and DAG chg: task a prints them, then waits for the file flag; task b,
    after a, prints them again (and $AIRC_VAR_COLOR)."""
    home.run("variables", "set", "color", "red", check=True)
    home.run("connections", "add", "api", "--conn-uri", "http://u:first-pw@h1:1/", check=True)
    home.write_dag("chg.ini", dag_ini("chg", [
        ("a", {"command": f"echo a={{{{ var.color }}}}/{{{{ conn.api.host }}}}; "
                          f"for i in $(seq 200); do [ -e {flag} ] && break; sleep 0.05; done"}),
        ("b", {"command": "echo b={{ var.color }}/{{ conn.api.host }} pw=$AIRC_VAR_COLOR {{ conn.api.password }}",
               "upstream": "a"}),
    ]))


def secrets_change_and_check(home, flag, run, timeout):
    """While chg's task a of run waits: color=blue, api moved to h2 with
    password second-pw, then a may end. b must see the new values (the new
    password masked); a later run, after color=green, sees green."""
    home.run("variables", "set", "color", "blue", check=True)
    home.run("connections", "delete", "api", check=True)
    home.run("connections", "add", "api", "--conn-uri", "http://u:second-pw@h2:2/", check=True)
    open(flag, "w").close()
    assert home.wait_run("chg", run, timeout) == "success"
    assert "a=red/h1" in home.run("tasks", "logs", "chg", run, "a", check=True).stdout
    log_b = home.run("tasks", "logs", "chg", run, "b", check=True).stdout
    assert "b=blue/h2 pw=blue ***" in log_b and "second-pw" not in log_b, log_b
    home.run("variables", "set", "color", "green", check=True)
    run2 = home.trigger("chg")
    assert home.wait_run("chg", run2, timeout) == "success"
    assert "a=green/h2" in home.run("tasks", "logs", "chg", run2, "a", check=True).stdout
