"""Helpers for end-to-end tests that use the real stack (scripts/stack.sh).

Import from tests: `from stack_helpers import stack_up, stack_env, ...` (the
e2e conftest puts this folder on sys.path; pytest's rootdir-relative imports do
the same). Every call that waits has a timeout and raises StackError with the
command's output when it fails, so a test never hangs on a dead server.

What this is not: a fixture set or a test. It starts nothing on import.

The test runner's Python usually lacks cassandra-driver; cassandra_rows() then
runs the query through the stack venv's Python and returns its JSON.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STACK_SH = os.path.join(REPO, "scripts", "stack.sh")
UP_TIMEOUT = int(os.environ.get("AIRC_E2E_UP_TIMEOUT", "900"))  # cold fetch included
DOWN_TIMEOUT = 180
QUERY_TIMEOUT = 60


class StackError(RuntimeError):
    pass


def _run(argv, timeout, input_bytes=None, env=None):
    """Runs argv with a timeout; returns the CompletedProcess (bytes output)."""
    try:
        return subprocess.run(argv, input=input_bytes, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as e:
        raise StackError("%s: timed out after %s s\n%s" % (
            " ".join(argv), timeout, _tail(e.stdout, e.stderr))) from None


def _tail(out, err, n=40):
    text = ((out or b"") + b"\n" + (err or b"")).decode("utf-8", "replace")
    return "\n".join(text.strip().splitlines()[-n:])


def _stack(cmd, components, timeout):
    argv = [STACK_SH, cmd] + list(components or [])
    p = _run(argv, timeout)
    if p.returncode != 0:
        raise StackError("%s failed (exit %d)\n%s" % (" ".join(argv), p.returncode,
                                                      _tail(p.stdout, p.stderr)))
    return p.stdout.decode()


def stack_up(components=None, timeout=UP_TIMEOUT):
    """Brings the components up (default: kafka, cassandra, spark, postgres); a no-op
    when they are already healthy. Returns stack.sh's status output."""
    return _stack("up", components, timeout)


def stack_down(components=None, timeout=DOWN_TIMEOUT):
    """Stops the components (default: all)."""
    return _stack("down", components, timeout)


def stack_status(components=None, timeout=60):
    """True when every requested component is healthy."""
    return _run([STACK_SH, "status"] + list(components or []), timeout).returncode == 0


def stack_env():
    """Parses `stack.sh env` (KEY='value' lines) into a dict."""
    out = _stack("env", None, 60)
    env = {}
    for line in out.splitlines():
        if "=" not in line or line.startswith("export"):
            continue
        key, _, value = line.partition("=")
        if len(value) >= 2 and value[0] == value[-1] == "'":
            value = value[1:-1]
        env[key] = value
    return env


def spark_env(extra=None):
    """os.environ plus the stack's settings: what a spark-submit run needs."""
    env = dict(os.environ)
    env.update(stack_env())
    env.update(extra or {})
    return env


# Runs inside the stack venv's Python (or this one, if it has the driver):
# argv[1] host, argv[2] port, stdin JSON {"query": ..., "params": [...]};
# prints a JSON list of rows (dicts), values made JSON-safe.
_CQL_SCRIPT = r"""
import datetime, decimal, json, logging, sys, uuid
logging.disable(logging.CRITICAL)
from cassandra.cluster import Cluster
from cassandra.query import dict_factory
req = json.load(sys.stdin)
def safe(v):
    if isinstance(v, (uuid.UUID, decimal.Decimal)):
        return str(v)
    if isinstance(v, (datetime.datetime, datetime.date, datetime.time)):
        return v.isoformat()
    if isinstance(v, (bytes, bytearray)):
        return v.hex()
    if isinstance(v, (list, tuple, set, frozenset)):
        return [safe(x) for x in v]
    if isinstance(v, dict):
        return {str(k): safe(x) for k, x in v.items()}
    return v
c = Cluster([sys.argv[1]], port=int(sys.argv[2]), connect_timeout=10, control_connection_timeout=10)
try:
    s = c.connect()
    s.row_factory = dict_factory
    rows = s.execute(req["query"], req.get("params") or None, timeout=30)
    print(json.dumps([{k: safe(v) for k, v in r.items()} for r in rows]))
finally:
    c.shutdown()
"""


def psql_rows(url, sql, timeout=QUERY_TIMEOUT):
    """Rows of a query run with Debian's psql (an independent client, not
    airc's libpq code), as lists of strings; NULL is None."""
    p = _run(["psql", "-X", "-q", "-t", "-A", "-F", "\x1f", "-P", "null=\x1e", "-v", "ON_ERROR_STOP=1",
              url, "-c", sql], timeout)
    if p.returncode != 0:
        raise StackError("psql %r failed: %s" % (sql, _tail(p.stdout, p.stderr)))
    rows = []
    for line in p.stdout.decode("utf-8").split("\n"):
        if not line:
            continue
        rows.append([None if v == "\x1e" else v for v in line.split("\x1f")])
    return rows


def postgres_database(name):
    """Drops and creates database NAME on the stack's PostgreSQL (the airc
    role may create databases); returns its URL."""
    base = stack_env()["AIRC__POSTGRES__URL"]
    psql_rows(base, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name, timeout=120)
    psql_rows(base, "CREATE DATABASE %s" % name, timeout=120)
    return base.rsplit("/", 1)[0] + "/" + name


def _cql_python():
    try:
        import cassandra.cluster  # noqa: F401
        return sys.executable
    except ImportError:
        return stack_env()["AIRC_STACK_PYTHON"]


def cassandra_rows(query, params=None, timeout=QUERY_TIMEOUT):
    """Runs one CQL statement; returns its rows as a list of dicts (uuid and
    timestamps as strings). DDL returns []. Raises StackError on failure."""
    env = stack_env()
    argv = [_cql_python(), "-c", _CQL_SCRIPT, env["AIRC__CASSANDRA__HOST"], env["AIRC__CASSANDRA__PORT"]]
    p = _run(argv, timeout, json.dumps({"query": query, "params": params}).encode())
    if p.returncode != 0:
        raise StackError("CQL failed: %s\n%s" % (query, _tail(p.stdout, p.stderr)))
    return json.loads(p.stdout.decode().strip().splitlines()[-1])


def _bootstrap():
    return os.environ.get("AIRC__KAFKA__BOOTSTRAP_SERVERS") or stack_env()["AIRC__KAFKA__BOOTSTRAP_SERVERS"]


def kcat_produce(topic, value, key=None, headers=None, timeout=30):
    """Produces one message (str or bytes, any content: kcat sends a file
    argument as one message) with kcat; returns once it is delivered."""
    data = value.encode() if isinstance(value, str) else value
    with tempfile.NamedTemporaryFile(prefix="airc-kcat-", suffix=".msg") as f:
        f.write(data)
        f.flush()
        argv = ["kcat", "-b", _bootstrap(), "-P", "-t", topic]
        if key is not None:
            argv += ["-k", key]
        for hk, hv in (headers or {}).items():
            argv += ["-H", "%s=%s" % (hk, hv)]
        p = _run(argv + [f.name], timeout)
    if p.returncode != 0:
        raise StackError("kcat produce to %s failed\n%s" % (topic, _tail(p.stdout, p.stderr)))


def kcat_consume(topic, timeout=30):
    """Reads the whole topic from the beginning to its current end.
    Returns a list of (key, value, headers): key and value are str or None,
    headers a list of (name, value) pairs. An unknown topic gives []."""
    argv = ["kcat", "-b", _bootstrap(), "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-J"]
    p = _run(argv, timeout)
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode != 0:
        if "Unknown topic" in err or "UNKNOWN_TOPIC" in err:
            return []
        raise StackError("kcat consume %s failed\n%s" % (topic, _tail(p.stdout, p.stderr)))
    out = []
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        m = json.loads(line)
        h = m.get("headers") or []
        out.append((m.get("key"), m.get("payload"), list(zip(h[0::2], h[1::2]))))
    return out


def unique_name(prefix):
    """A topic or checkpoint name no earlier run used."""
    return "%s_%s" % (prefix, uuid.uuid4().hex[:10])


def run_spark_job(checkpoint, args=(), timeout=300, env=None):
    """Runs jobs/spark_stream.py through the stack's spark-submit (local[2]).
    Returns the CompletedProcess with text output; does not check the exit."""
    e = spark_env(env)
    argv = [e["AIRC__SPARK__SPARK_SUBMIT"], "--master", e["AIRC__SPARK__MASTER"],
            "--jars", e["AIRC__SPARK__JARS"], e["AIRC__SPARK__JOB"],
            "--checkpoint", checkpoint] + list(args)
    p = _run(argv, timeout, env=e)
    return subprocess.CompletedProcess(argv, p.returncode, p.stdout.decode("utf-8", "replace"),
                                       p.stderr.decode("utf-8", "replace"))


def have_tools():
    """None when kcat and java exist, else the reason to skip."""
    for tool in ("kcat", "java", "mvn"):
        if shutil.which(tool) is None:
            return "%s is not installed (make deps; apt-get install openjdk-17-jre-headless maven)" % tool
    return None
