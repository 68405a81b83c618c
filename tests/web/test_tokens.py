"""Bearer tokens: POST /auth/token access tokens (expiry, self-revocation,
revoked by a password change or the user's deletion), personal API tokens
from the CLI and the admin API (hashed in the store, role of the user),
and the login throttle on bad tokens."""
import http.client
import json
import os
import sqlite3
import time

import pytest

from conftest import run_cli, start_server, stop_server


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = start_server(tmp_path_factory, config="token_ttl = 2\nlogin_max_failures_per_ip = 1000\n")
    yield s
    stop_server(s)


def bearer(srv, method, path, token, body=None):
    h = {"Authorization": "Bearer " + token}
    return srv.request(method, path, body=body, user=None, headers=h)


def get_token(srv, user, password=None):
    st, _, out = srv.request("POST", "/auth/token", user=None,
                             body={"username": user, "password": password or srv.users[user]})
    assert st == 201, out
    return json.loads(out)


def test_token_flow_and_roles(srv):
    t = get_token(srv, "viewer1")
    assert t["token_type"] == "bearer" and t["expires_in"] == 2
    assert t["access_token"].startswith("airc_")
    st, _, out = bearer(srv, "GET", "/api/v1/auth/me", t["access_token"])
    assert st == 200, out
    me = json.loads(out)
    assert me["username"] == "viewer1" and me["role"] == "viewer" and me["auth"] == "token"
    # the viewer's role comes with the token: no triggering
    st, _, out = bearer(srv, "POST", "/api/v1/dags/hello/dagRuns", t["access_token"], body={})
    assert st == 403 and "has role viewer" in json.loads(out)["detail"]
    # an op's token may trigger (no CSRF for bearer tokens)
    op = get_token(srv, "op1")["access_token"]
    st, _, out = bearer(srv, "PATCH", "/api/v1/dags/hello", op, body={"is_paused": True})
    assert st == 200, out


def test_wrong_password_and_bad_body(srv):
    st, _, out = srv.request("POST", "/auth/token", user=None, body={"username": "op1", "password": "nope-nope"})
    assert st == 401 and json.loads(out)["detail"] == "wrong username or password"
    st, _, out = srv.request("POST", "/auth/token", user=None, body={"username": "op1"})
    assert st == 400 and "\"password\"" in json.loads(out)["detail"]


def test_expiry(srv):
    t = get_token(srv, "viewer1")["access_token"]
    assert bearer(srv, "GET", "/api/v1/dags", t)[0] == 200
    time.sleep(2.3)
    st, _, out = bearer(srv, "GET", "/api/v1/dags", t)
    assert st == 401 and json.loads(out)["detail"] == "invalid, expired or revoked token"


def test_self_revoke(srv):
    t = get_token(srv, "viewer1")["access_token"]
    st, _, out = bearer(srv, "DELETE", "/auth/token", t)
    assert st == 200 and json.loads(out)["revoked"] is True
    st, _, out = bearer(srv, "GET", "/api/v1/dags", t)
    assert st == 401 and "revoked" in json.loads(out)["detail"]
    # with Basic there is no token to revoke
    st, _, out = srv.request("DELETE", "/auth/token", user="viewer1")
    assert st == 400 and "has none" in json.loads(out)["detail"]


def test_tampered_and_malformed_tokens(srv):
    t = get_token(srv, "viewer1")["access_token"]
    last = "0" if t[-1] != "0" else "1"
    for bad in (t[:-1] + last, "airc_1_short", "garbage", "airc_x_" + "a" * 64):
        st, _, out = bearer(srv, "GET", "/api/v1/dags", bad)
        assert st == 401 and json.loads(out)["detail"] == "invalid, expired or revoked token", bad


def test_password_change_revokes_access_tokens(srv):
    run_cli(srv.home, "users", "create", "--username", "pwuser", "--role", "op", "--password-stdin",
            stdin="first-pass-1\n")
    t = get_token(srv, "pwuser", "first-pass-1")["access_token"]
    assert bearer(srv, "GET", "/api/v1/dags", t)[0] == 200
    r = run_cli(srv.home, "users", "set-password", "--username", "pwuser", "--password-stdin",
                stdin="second-pass-2\n")
    assert r.returncode == 0, r.stderr
    st, _, out = bearer(srv, "GET", "/api/v1/dags", t)
    assert st == 401, out
    # and through the API (admin)
    t2 = get_token(srv, "pwuser", "second-pass-2")["access_token"]
    srv.json("PATCH", "/api/v1/users/pwuser", body={"password": "third-pass-3"})
    assert bearer(srv, "GET", "/api/v1/dags", t2)[0] == 401
    st, _, out = srv.request("PATCH", "/api/v1/users/pwuser", body={"password": "short"})
    assert st == 400 and "password must be" in json.loads(out)["detail"]
    st, _, out = srv.request("PATCH", "/api/v1/users/nobody", body={"password": "long-enough-1"})
    assert st == 404 and "no user 'nobody'" in json.loads(out)["detail"]
    r = run_cli(srv.home, "users", "set-password", "--username", "nobody", "--password-stdin", stdin="long-enough-1\n")
    assert r.returncode != 0 and "no user 'nobody'" in r.stderr


def test_deleting_user_revokes_tokens(srv):
    run_cli(srv.home, "users", "create", "--username", "deluser", "--role", "viewer", "--password-stdin",
            stdin="del-pass-123\n")
    t = get_token(srv, "deluser", "del-pass-123")["access_token"]
    r = run_cli(srv.home, "users", "tokens", "create", "deluser", "--name", "ci")
    assert r.returncode == 0, r.stderr
    pat = r.stdout.strip()
    assert bearer(srv, "GET", "/api/v1/dags", pat)[0] == 200
    assert run_cli(srv.home, "users", "delete", "--username", "deluser").returncode == 0
    assert bearer(srv, "GET", "/api/v1/dags", t)[0] == 401
    assert bearer(srv, "GET", "/api/v1/dags", pat)[0] == 401


def test_personal_tokens_cli(srv):
    r = run_cli(srv.home, "users", "tokens", "create", "op1", "--name", "nightly", "--expires-days", "30")
    assert r.returncode == 0, r.stderr
    tok = r.stdout.strip()
    assert tok.startswith("airc_") and "shown only this once" in r.stderr
    st, _, out = bearer(srv, "GET", "/api/v1/auth/me", tok)
    assert st == 200 and json.loads(out)["role"] == "op"
    # stored hashed: the secret is nowhere in the database
    db = sqlite3.connect(os.path.join(srv.home, "airc.db"))
    rows = db.execute("SELECT token_hash FROM api_token WHERE name='nightly'").fetchall()
    db.close()
    assert len(rows) == 1 and tok.split("_")[2] not in rows[0][0] and len(rows[0][0]) == 64
    r = run_cli(srv.home, "users", "tokens", "list", "op1", "--output", "json")
    assert r.returncode == 0, r.stderr
    lst = json.loads(r.stdout)
    assert [x["name"] for x in lst] == ["nightly"] and lst[0]["expires"]
    assert tok not in r.stdout
    r = run_cli(srv.home, "users", "tokens", "create", "op1", "--name", "nightly")
    assert r.returncode != 0 and "token 'nightly' already exists" in r.stderr
    r = run_cli(srv.home, "users", "tokens", "create", "op1", "--name", "x", "--expires-days", "0")
    assert r.returncode != 0 and "--expires-days must be a whole number" in r.stderr
    r = run_cli(srv.home, "users", "tokens", "create", "nobody", "--name", "x")
    assert r.returncode != 0 and "no user 'nobody'" in r.stderr
    r = run_cli(srv.home, "users", "tokens", "frob", "op1")
    assert r.returncode != 0 and "expected create, list or revoke" in r.stderr
    r = run_cli(srv.home, "users", "tokens", "revoke", "op1", "nightly")
    assert r.returncode == 0, r.stderr
    assert bearer(srv, "GET", "/api/v1/dags", tok)[0] == 401
    r = run_cli(srv.home, "users", "tokens", "revoke", "op1", "nightly")
    assert r.returncode != 0 and "no token 'nightly'" in r.stderr


def test_personal_tokens_api(srv):
    out = srv.json("POST", "/api/v1/users/viewer1/tokens", body={"name": "dash"}, expect=201)
    tok = out["token"]
    assert out["name"] == "dash" and tok.startswith("airc_")
    assert bearer(srv, "GET", "/api/v1/dags", tok)[0] == 200
    lst = srv.json("GET", "/api/v1/users/viewer1/tokens")
    assert lst["total_entries"] == 1 and lst["tokens"][0]["name"] == "dash" and lst["tokens"][0]["expires"] is None
    assert "token" not in lst["tokens"][0]
    st, _, body = srv.request("POST", "/api/v1/users/viewer1/tokens", body={"name": "dash"})
    assert st == 409 and "already exists" in json.loads(body)["detail"]
    st, _, body = srv.request("POST", "/api/v1/users/viewer1/tokens", body={"name": "bad name!"})
    assert st == 400 and "token name" in json.loads(body)["detail"]
    # only admins manage tokens, also with a token
    st, _, body = srv.request("GET", "/api/v1/users/viewer1/tokens", user="op1")
    assert st == 403 and "needs role admin" in json.loads(body)["detail"]
    st, _, body = bearer(srv, "POST", "/api/v1/users/viewer1/tokens", tok, body={"name": "escalate"})
    assert st == 403 and "needs role admin" in json.loads(body)["detail"]
    srv.json("DELETE", "/api/v1/users/viewer1/tokens/dash")
    assert bearer(srv, "GET", "/api/v1/dags", tok)[0] == 401
    st, _, body = srv.request("DELETE", "/api/v1/users/viewer1/tokens/dash")
    assert st == 404 and "no token 'dash'" in json.loads(body)["detail"]


def test_bad_tokens_are_throttled(tmp_path_factory):
    s = start_server(tmp_path_factory, config="login_max_failures_per_ip = 3\n")
    try:
        good = get_token(s, "viewer1")["access_token"]
        codes = [bearer(s, "GET", "/api/v1/dags", "airc_1_" + "0" * 64)[0] for _ in range(3)]
        assert codes == [401, 401, 401]
        st, hdrs, out = bearer(s, "GET", "/api/v1/dags", "airc_1_" + "0" * 64)
        assert st == 429 and "too many failed logins" in json.loads(out)["detail"] and "retry-after" in hdrs
        st, _, _ = bearer(s, "GET", "/api/v1/dags", good)
        assert st == 429
    finally:
        stop_server(s)


def test_routes_in_openapi(srv):
    doc = srv.json("GET", "/api/v1/openapi.json", user=None)
    paths = doc["paths"]
    for path, method in [("/auth/token", "post"), ("/auth/token", "delete"), ("/users/{username}", "patch"),
                         ("/users/{username}/tokens", "get"), ("/users/{username}/tokens", "post"),
                         ("/users/{username}/tokens/{name}", "delete")]:
        assert method in paths.get(path, {}), (path, method)
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
