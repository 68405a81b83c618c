"""`airc users ...` and `airc webserver` flags, exit codes, the first admin
printed once, and a server with authentication off."""
import json
import os
import socket
import subprocess

from conftest import AIRC, free_port, run_cli, start_server, stop_server


def test_users_cli(tmp_path):
    home = str(tmp_path)
    r = run_cli(home, "users", "create", "--username", "alice", "--role", "op", "--password-stdin", stdin="alice-pass-1\n")
    assert r.returncode == 0 and "alice" in r.stdout and "alice-pass-1" not in r.stdout + r.stderr
    # without --password-stdin and no tty: one line from stdin
    r = run_cli(home, "users", "create", "--username", "bob", "--role", "viewer", stdin="bob-pass-12\n")
    assert r.returncode == 0, r.stderr
    r = run_cli(home, "users", "create", "--username", "alice", "--role", "op", "--password-stdin", stdin="alice-pass-1\n")
    assert r.returncode == 1 and "already exists" in r.stderr
    r = run_cli(home, "users", "create", "--username", "carol", "--role", "boss", stdin="carol-pass-1\n")
    assert r.returncode == 2 and "--role" in r.stderr
    r = run_cli(home, "users", "create", "--username", "bad name", "--role", "op", stdin="carol-pass-1\n")
    assert r.returncode == 2
    r = run_cli(home, "users", "create", "--username", "carol", "--role", "op", stdin="short\n")
    assert r.returncode == 1 and "8" in r.stderr
    r = run_cli(home, "users", "create", "--role", "op", stdin="x\n")
    assert r.returncode == 2 and "--username" in r.stderr
    r = run_cli(home, "users", "list", "--output", "json")
    assert r.returncode == 0
    rows = json.loads(r.stdout)
    assert [(u["username"], u["role"]) for u in rows] == [("alice", "op"), ("bob", "viewer")]
    assert "pass" not in r.stdout
    r = run_cli(home, "users", "list")
    assert r.returncode == 0 and "alice" in r.stdout
    assert run_cli(home, "users", "list", "--output", "xml").returncode == 2
    r = run_cli(home, "users", "delete", "--username", "bob")
    assert r.returncode == 0
    r = run_cli(home, "users", "delete", "--username", "bob")
    assert r.returncode == 1 and "no user" in r.stderr
    assert run_cli(home, "users", "delete").returncode == 2
    for cmd in (["users", "create"], ["users", "list"], ["users", "delete"], ["webserver"]):
        r = run_cli(home, *cmd, "--help")
        assert r.returncode == 0 and "usage:" in r.stdout


def test_webserver_usage_and_port_in_use(tmp_path):
    home = str(tmp_path)
    assert run_cli(home, "webserver", "--port", "notaport").returncode == 2
    assert run_cli(home, "webserver", "--port", "70000").returncode == 2
    assert run_cli(home, "webserver", "extra").returncode == 2
    assert run_cli(home, "webserver", "--bogus").returncode == 2
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        r = run_cli(home, "webserver", "--port", str(s.getsockname()[1]), timeout=20)
        assert r.returncode == 1 and "cannot listen" in r.stderr
    assert run_cli(home, "webserver", "--host", "no.such.host.invalid", "--port", "0", timeout=30).returncode == 1


def test_admin_password_printed_once(tmp_path_factory):
    srv = start_server(tmp_path_factory)
    assert srv.users["admin"]
    stop_server(srv)
    # a second start on the same home creates nobody and prints no password
    port = free_port()
    env = dict(os.environ, AIRC_HOME=srv.home)
    p = subprocess.Popen([AIRC, "webserver", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    import time
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    p.terminate()
    out, err = p.communicate(timeout=20)
    assert p.returncode == 0, err
    assert "password" not in out


def test_authentication_off(tmp_path_factory):
    srv = start_server(tmp_path_factory, config="authenticate = false\n")
    try:
        doc = srv.json("GET", "/api/v1/dags", user=None)
        assert doc["total_entries"] >= 1
        me = srv.json("GET", "/api/v1/auth/me", user=None)
        assert me["auth"] == "none" and me["authenticate"] is False
        assert me["role"] == "viewer"  # anonymous_role defaults to viewer: reads only
        doc = srv.json("POST", "/api/v1/dags/hello/dagRuns", body={"dag_run_id": "anon"}, user=None, expect=403)
        assert doc["detail"] == "user 'anonymous' has role viewer; this needs role op"
    finally:
        stop_server(srv)
    srv = start_server(tmp_path_factory, config="authenticate = false\nanonymous_role = op\n")
    try:
        srv.json("POST", "/api/v1/dags/hello/dagRuns", body={"dag_run_id": "anon"}, user=None, expect=201)
    finally:
        stop_server(srv)
