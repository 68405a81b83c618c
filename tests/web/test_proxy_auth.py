"""Trusted-proxy header auth ([webserver] auth_header): the header names the
user only when the client address is in trusted_proxies; from anywhere else
it is ignored (and logged once); unknown users are refused unless
auth_header_create names a role; an explicit Authorization always wins; a
bad setting stops the server with one clear line. The server listens on
127.0.0.1; the tests bind their client socket to 127.0.0.2 (trusted) or
127.0.0.3 (not trusted)."""
import base64
import http.client
import json
import os
import subprocess

import pytest

from conftest import AIRC, free_port, run_cli, start_server, stop_server

TRUSTED = "127.0.0.2"
UNTRUSTED = "127.0.0.3"


def call(srv, source, method, path, headers, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=20, source_address=(source, 0))
    h = dict(headers)
    data = None
    if method not in ("GET", "HEAD", "OPTIONS"):
        h["Content-Type"] = "application/json"
        data = json.dumps(body or {}).encode()
    conn.request(method, path, body=data, headers=h)
    resp = conn.getresponse()
    out = resp.read()
    conn.close()
    return resp.status, json.loads(out) if out else None


def basic(user, pw):
    return "Basic " + base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()


def server_log(srv):
    return open(os.path.join(srv.home, "webserver.err")).read() + open(os.path.join(srv.home, "webserver.out")).read()


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = start_server(tmp_path_factory, config="auth_header = X-Remote-User\ntrusted_proxies = 10.0.0.0/8, %s/32\n"
                     "login_max_failures_per_ip = 1000\n" % TRUSTED)
    yield s
    stop_server(s)


@pytest.fixture(scope="module")
def srv_create(tmp_path_factory):
    s = start_server(tmp_path_factory, config="auth_header = X-Remote-User\ntrusted_proxies = %s\n"
                     "auth_header_create = op\n" % TRUSTED)
    yield s
    stop_server(s)


def test_trusted_proxy_names_the_user(srv):
    st, me = call(srv, TRUSTED, "GET", "/api/v1/auth/me", {"X-Remote-User": "op1"})
    assert st == 200, me
    assert me["username"] == "op1" and me["role"] == "op" and me["auth"] == "proxy"
    # the user's role applies: op may pause, a viewer may not trigger
    st, out = call(srv, TRUSTED, "PATCH", "/api/v1/dags/hello", {"X-Remote-User": "op1"}, {"is_paused": True})
    assert st == 200, out
    st, out = call(srv, TRUSTED, "POST", "/api/v1/dags/hello/dagRuns", {"x-remote-user": "viewer1"}, {})
    assert st == 403 and "has role viewer" in out["detail"]


def test_untrusted_client_header_ignored_and_logged_once(srv):
    for source in (UNTRUSTED, UNTRUSTED, "127.0.0.1"):
        st, out = call(srv, source, "GET", "/api/v1/dags", {"X-Remote-User": "admin"})
        assert st == 401, (source, out)
        assert out["detail"].startswith("authentication required"), out
    log = server_log(srv)
    assert log.count("ignoring header X-Remote-User from") == 1, log
    assert "from %s, which is not in [webserver] trusted_proxies" % UNTRUSTED in log
    # the same client with real credentials is fine
    st, out = call(srv, UNTRUSTED, "GET", "/api/v1/auth/me", {"Authorization": basic("viewer1", srv.users["viewer1"])})
    assert st == 200 and out["username"] == "viewer1"


def test_unknown_or_invalid_user_is_401(srv):
    st, out = call(srv, TRUSTED, "GET", "/api/v1/dags", {"X-Remote-User": "nobody"})
    assert st == 401 and out["detail"] == "unknown user in the X-Remote-User header"
    st, out = call(srv, TRUSTED, "GET", "/api/v1/dags", {"X-Remote-User": "bad name!"})
    assert st == 401 and out["detail"] == "the X-Remote-User header holds no valid user name"
    # not created as a side effect
    users = json.loads(run_cli(srv.home, "users", "list", "--output", "json").stdout)
    assert "nobody" not in [u["username"] for u in users]


def test_header_cannot_override_authorization(srv):
    # a valid Basic viewer plus a header naming admin: the request is the viewer's
    st, me = call(srv, TRUSTED, "GET", "/api/v1/auth/me",
                  {"Authorization": basic("viewer1", srv.users["viewer1"]), "X-Remote-User": "admin"})
    assert st == 200 and me["username"] == "viewer1" and me["auth"] == "basic"
    # wrong Basic credentials are refused even with a valid header
    st, out = call(srv, TRUSTED, "GET", "/api/v1/auth/me",
                   {"Authorization": basic("viewer1", "wrong-pass"), "X-Remote-User": "admin"})
    assert st == 401 and out["detail"] == "wrong username or password"
    # a bad bearer token likewise
    st, out = call(srv, TRUSTED, "GET", "/api/v1/auth/me", {"Authorization": "Bearer garbage", "X-Remote-User": "admin"})
    assert st == 401 and out["detail"] == "invalid, expired or revoked token"


def test_auto_create_with_role(srv_create):
    st, me = call(srv_create, TRUSTED, "GET", "/api/v1/auth/me", {"X-Remote-User": "newbie@corp"})
    assert st == 200, me
    assert me["username"] == "newbie@corp" and me["role"] == "op" and me["auth"] == "proxy"
    users = {u["username"]: u["role"] for u in
             json.loads(run_cli(srv_create.home, "users", "list", "--output", "json").stdout)}
    assert users.get("newbie@corp") == "op"
    # second use: the same user, no error
    st, me = call(srv_create, TRUSTED, "GET", "/api/v1/auth/me", {"X-Remote-User": "newbie@corp"})
    assert st == 200 and me["username"] == "newbie@corp"
    # an untrusted client creates nobody
    st, _ = call(srv_create, UNTRUSTED, "GET", "/api/v1/auth/me", {"X-Remote-User": "sneaky"})
    assert st == 401
    users = json.loads(run_cli(srv_create.home, "users", "list", "--output", "json").stdout)
    assert "sneaky" not in [u["username"] for u in users]


def test_off_by_default(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20, source_address=(TRUSTED, 0))
    conn.request("GET", "/api/v1/dags", headers={"X-Remote-User": "admin"})
    assert conn.getresponse().status == 401
    conn.close()


@pytest.mark.parametrize("config,message", [
    ("auth_header = X-Remote-User\n", "[webserver] auth_header is set but trusted_proxies is empty"),
    ("auth_header = X-Remote-User\ntrusted_proxies = 127.0.0.2, nonsense\n",
     "[webserver] trusted_proxies: 'nonsense' is not an IP address or CIDR"),
    ("auth_header = X-Remote-User\ntrusted_proxies = 127.0.0.2/33\n",
     "[webserver] trusted_proxies: '127.0.0.2/33' is not an IP address or CIDR"),
    ("auth_header = X-Remote-User\ntrusted_proxies = 127.0.0.2\nauth_header_create = root\n",
     "[webserver] auth_header_create: 'root' is not viewer, op or admin"),
    ("auth_header = Authorization\ntrusted_proxies = 127.0.0.2\n", "[webserver] auth_header may not be Authorization"),
])
def test_bad_settings_stop_the_server(tmp_path, config, message):
    home = str(tmp_path)
    os.makedirs(os.path.join(home, "dags"))
    with open(os.path.join(home, "airc.ini"), "w") as f:
        f.write("[webserver]\n" + config)
    r = subprocess.run([AIRC, "webserver", "--port", str(free_port())], env=dict(os.environ, AIRC_HOME=home),
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert message in r.stderr, r.stderr
