"""Fixtures for the web API tests: the REAL airc binary on a temporary
AIRC_HOME, a free 127.0.0.1 port, example DAGs written here (including an
XSS probe), users of each role, and a scheduler where a test needs runs to
progress. Only the standard library (http.client) is used. Every wait is
bounded."""
import base64
import http.client
import json
import os
import signal
import socket
import subprocess
import time
import urllib.parse

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AIRC = os.path.abspath(os.environ.get("AIRC_BIN", os.path.join(ROOT, "bin", "airc")))
PASSWORDS = {"viewer1": "viewer-pass-1", "op1": "op-pass-123", "admin2": "admin-pass-2"}

XSS = "<script>alert(1)</script><img src=x onerror=alert(1)>"
XSS_TASK = "<img_src=x_onerror=alert(1)>"

DAGS = {
    "hello.ini": """[dag]
id = hello
description = say hello
schedule = @daily
start_date = 2026-01-01
tags = demo, web

[task a]
type = shell
command = echo hello-from-a; echo '"xcom-a"' > "$AIRC_XCOM_OUT"

[task b]
type = shell
command = echo bye-from-b
upstream = a

[task c]
type = shell
command = echo c
upstream = b
""",
    "slow.ini": """[dag]
id = slow
description = prints a line every 0.5 s
tags = demo

[task tick]
type = shell
command = for i in 1 2 3 4 5 6; do echo tick-$i; sleep 0.5; done
""",
    "failing.ini": """[dag]
id = failing
tags = other

[task boom]
type = shell
command = echo about-to-fail; exit 3

[task after]
type = shell
command = echo never
upstream = boom
""",
    "xss.json": json.dumps({
        "dag": {"id": "xss_probe", "description": XSS, "tags": ["<b>tag</b>"]},
        "tasks": [
            {"id": XSS_TASK, "type": "shell", "command": "echo '<script>alert(1)</script>'"},
            {"id": "<svg_onload=alert(1)>", "type": "shell", "command": "true", "upstream": [XSS_TASK]},
        ],
    }),
    "broken.ini": "[dag]\nid = broken\nschedule = not a cron\n\n[task x]\ntype = shell\ncommand = true\n",
}
for i in range(7):
    DAGS["page_%d.ini" % i] = "[dag]\nid = page_%d\ntags = paging\n\n[task t]\ntype = shell\ncommand = true\n" % i


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(home, *args, stdin=None, timeout=30):
    env = dict(os.environ, AIRC_HOME=home)
    return subprocess.run([AIRC, *args], input=stdin, capture_output=True, text=True, env=env, timeout=timeout)


class Server:
    """A running `airc webserver`; request helpers return (status, headers, body)."""

    def __init__(self, home, port, proc, admin_password, static_dir):
        self.home, self.port, self.proc = home, port, proc
        self.static_dir = static_dir
        self.users = dict(PASSWORDS, admin=admin_password)

    def request(self, method, path, body=None, user="admin", password=None, headers=None, cookie=None, raw_body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        h = dict(headers or {})
        if user is not None:
            pw = password if password is not None else self.users[user]
            h["Authorization"] = "Basic " + base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()
        if cookie:
            h["Cookie"] = cookie
        data = raw_body
        if body is not None:
            data = json.dumps(body).encode()
        if method not in ("GET", "HEAD", "OPTIONS"):
            # unsafe API methods must say JSON, with or without a body (415 otherwise)
            h.setdefault("Content-Type", "application/json")
        h = {k: v for k, v in h.items() if v is not None}  # headers={"Content-Type": None}: send none
        conn.request(method, path, body=data, headers=h)
        resp = conn.getresponse()
        out = resp.read()
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
        conn.close()
        return resp.status, hdrs, out

    def json(self, method, path, body=None, expect=200, **kw):
        status, hdrs, out = self.request(method, path, body=body, **kw)
        assert status == expect, (method, path, status, out[:500])
        return json.loads(out) if out else None


def q(s):
    return urllib.parse.quote(s, safe="")


def start_server(tmp_path_factory, config=""):
    home = str(tmp_path_factory.mktemp("airc_home"))
    os.makedirs(os.path.join(home, "dags"))
    for name, text in DAGS.items():
        with open(os.path.join(home, "dags", name), "w") as f:
            f.write(text)
    static_dir = os.path.join(home, "www", "static")
    os.makedirs(os.path.join(static_dir, "css"))
    files = {"index.html": "<!doctype html><title>airc</title>", "app.js": "console.log(1)",
             "css/app.css": "body{}", "logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
             "favicon.ico": "\0\0\1\0", "data.json": "{}", "img.png": "\x89PNG"}
    for name, text in files.items():
        with open(os.path.join(static_dir, name), "w") as f:
            f.write(text)
    with open(os.path.join(home, "www", "secret.txt"), "w") as f:
        f.write("top secret next to static")
    with open(os.path.join(home, "airc.ini"), "w") as f:
        f.write("[webserver]\nstatic_folder = %s\n%s" % (static_dir, config))
    # sync the DAG folder into the store (as the scheduler would)
    assert run_cli(home, "dags", "reserialize").returncode == 0
    port = free_port()
    env = dict(os.environ, AIRC_HOME=home)
    out_path = os.path.join(home, "webserver.out")
    err_path = os.path.join(home, "webserver.err")
    proc = subprocess.Popen([AIRC, "webserver", "--port", str(port)], env=env,
                            stdout=open(out_path, "w"), stderr=open(err_path, "w"))
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/api/v1/health")
            if c.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        raise AssertionError("webserver did not start: " + open(err_path).read())
    admin_pw = None
    for line in open(out_path):
        if line.startswith("admin password: "):
            admin_pw = line.split(": ", 1)[1].strip()
    # the first start created 'admin' and printed its password once
    assert admin_pw or "authenticate = false" in config, open(out_path).read()
    for u, pw in PASSWORDS.items():
        role = {"viewer1": "viewer", "op1": "op", "admin2": "admin"}[u]
        r = run_cli(home, "users", "create", "--username", u, "--role", role, "--password-stdin", stdin=pw + "\n")
        assert r.returncode == 0, r.stderr
    return Server(home, port, proc, admin_pw, static_dir)


def stop_server(srv):
    srv.proc.send_signal(signal.SIGTERM)
    try:
        rc = srv.proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        srv.proc.kill()
        raise AssertionError("webserver did not stop within 20 s of SIGTERM")
    err = open(os.path.join(srv.home, "webserver.err")).read()
    assert "LeakSanitizer" not in err and "AddressSanitizer" not in err and "runtime error" not in err, err
    assert rc == 0, (rc, err)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_server(tmp_path_factory)
    yield srv
    stop_server(srv)


@pytest.fixture(scope="module")
def scheduler(server):
    env = dict(os.environ, AIRC_HOME=server.home)
    proc = subprocess.Popen([AIRC, "scheduler"], env=env, stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(server.home, "scheduler.err"), "w"))
    yield proc
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def wait_for(fn, timeout=30, interval=0.1):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError("timed out after %ss; last value %r" % (timeout, last))
