"""Authentication, roles, sessions, CSRF, login throttling, users API."""
import json
import time

from conftest import q


def login(server, user, password):
    status, hdrs, body = server.request("POST", "/api/v1/auth/login", body={"username": user, "password": password},
                                        user=None)
    return status, hdrs, json.loads(body)


def test_401_without_credentials(server):
    status, hdrs, body = server.request("GET", "/api/v1/dags", user=None)
    assert status == 401 and json.loads(body)["status"] == 401
    assert hdrs["www-authenticate"].startswith("Basic")
    # a page's fetch() gets no Basic challenge (no browser password dialog)
    status, hdrs, _ = server.request("GET", "/api/v1/dags", user=None, headers={"Sec-Fetch-Mode": "cors"})
    assert status == 401 and "www-authenticate" not in hdrs


def test_wrong_password_401(server):
    assert server.request("GET", "/api/v1/dags", user="viewer1", password="nope-nope")[0] == 401
    assert server.request("GET", "/api/v1/dags", user="ghost", password="whatever1")[0] == 401
    status, _, _ = server.request("GET", "/api/v1/dags", headers={"Authorization": "Basic !!!notbase64"}, user=None)
    assert status == 401


def test_roles(server):
    # viewer reads, may not act
    assert server.request("GET", "/api/v1/dags", user="viewer1")[0] == 200
    for method, path, body in [("POST", "/api/v1/dags/hello/dagRuns", {}),
                               ("PATCH", "/api/v1/dags/hello", {"is_paused": True}),
                               ("POST", "/api/v1/dags/hello/clearTaskInstances", {"dag_run_id": "x"}),
                               ("PATCH", "/api/v1/dags/hello/dagRuns/x/taskInstances/a", {"new_state": "success"})]:
        status, _, out = server.request(method, path, body=body, user="viewer1")
        assert status == 403, (path, status)
        assert "viewer" in json.loads(out)["detail"]
    # op acts
    doc = server.json("POST", "/api/v1/dags/page_0/dagRuns", body={"dag_run_id": "by_op"}, user="op1", expect=201)
    assert doc["dag_run_id"] == "by_op"
    server.json("PATCH", "/api/v1/dags/page_0", body={"is_paused": True}, user="op1")
    # only admins manage users
    assert server.request("GET", "/api/v1/users", user="op1")[0] == 403
    assert server.request("GET", "/api/v1/users", user="viewer1")[0] == 403
    users = server.json("GET", "/api/v1/users", user="admin2")
    assert {"admin", "viewer1", "op1", "admin2"} <= {u["username"] for u in users["users"]}
    assert all("password" not in json.dumps(u) for u in users["users"])


def test_users_api(server):
    server.json("POST", "/api/v1/users", body={"username": "tmp_user", "role": "viewer", "password": "tmp-pass-1"},
                user="admin2", expect=201)
    server.json("POST", "/api/v1/users", body={"username": "tmp_user", "role": "viewer", "password": "tmp-pass-1"},
                user="admin2", expect=409)
    server.json("POST", "/api/v1/users", body={"username": "bad name", "role": "viewer", "password": "tmp-pass-1"},
                user="admin2", expect=400)
    server.json("POST", "/api/v1/users", body={"username": "u2", "role": "boss", "password": "tmp-pass-1"},
                user="admin2", expect=400)
    server.request("GET", "/api/v1/dags", user="tmp_user", password="tmp-pass-1")
    server.json("DELETE", "/api/v1/users/tmp_user", user="admin2")
    # the cached Basic credential dies with the user
    assert server.request("GET", "/api/v1/dags", user="tmp_user", password="tmp-pass-1")[0] == 401
    server.json("DELETE", "/api/v1/users/tmp_user", user="admin2", expect=404)
    server.json("DELETE", "/api/v1/users/admin2", user="admin2", expect=409)


def test_session_login_cookie_csrf_logout(server):
    status, hdrs, doc = login(server, "op1", "op-pass-123")
    assert status == 200 and doc["username"] == "op1" and doc["role"] == "op" and len(doc["csrf_token"]) >= 32
    cookie_hdr = hdrs["set-cookie"]
    assert cookie_hdr.startswith("airc_session=")
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"]:
        assert attr in cookie_hdr
    cookie = cookie_hdr.split(";")[0]
    me = server.json("GET", "/api/v1/auth/me", user=None, cookie=cookie)
    assert me["username"] == "op1" and me["csrf_token"] == doc["csrf_token"] and me["auth"] == "session"
    # reads need no token
    assert server.request("GET", "/api/v1/dags", user=None, cookie=cookie)[0] == 200
    # state changes with the cookie need the CSRF header
    status, _, body = server.request("POST", "/api/v1/dags/page_1/dagRuns", body={}, user=None, cookie=cookie)
    assert status == 403 and "CSRF" in json.loads(body)["detail"]
    status, _, _ = server.request("POST", "/api/v1/dags/page_1/dagRuns", body={}, user=None, cookie=cookie,
                                  headers={"X-CSRF-Token": "0" * 64})
    assert status == 403
    status, _, _ = server.request("POST", "/api/v1/dags/page_1/dagRuns", body={"dag_run_id": "by_session"}, user=None,
                                  cookie=cookie, headers={"X-CSRF-Token": doc["csrf_token"]})
    assert status == 201
    # Basic needs no CSRF token
    server.json("POST", "/api/v1/dags/page_1/dagRuns", body={"dag_run_id": "by_basic"}, user="op1", expect=201)
    # logout needs the token too, then the cookie is dead
    assert server.request("POST", "/api/v1/auth/logout", user=None, cookie=cookie)[0] == 403
    status, hdrs, _ = server.request("POST", "/api/v1/auth/logout", user=None, cookie=cookie,
                                     headers={"X-CSRF-Token": doc["csrf_token"]})
    assert status == 200 and "Max-Age=0" in hdrs["set-cookie"]
    assert server.request("GET", "/api/v1/dags", user=None, cookie=cookie)[0] == 401


def test_bad_cookie_is_401(server):
    assert server.request("GET", "/api/v1/dags", user=None, cookie="airc_session=" + "a" * 64)[0] == 401
    assert server.request("GET", "/api/v1/dags", user=None, cookie="airc_session=<script>")[0] == 401


def test_login_errors(server):
    status, _, doc = login(server, "viewer1", "wrong-password")
    assert status == 401 and doc["detail"] == "wrong username or password"
    status, _, body = server.request("POST", "/api/v1/auth/login", raw_body=b"{not json",
                                     headers={"Content-Type": "application/json"}, user=None)
    assert status == 400 and json.loads(body)["status"] == 400
    status, _, _ = server.request("POST", "/api/v1/auth/login", body={"username": "x"}, user=None)
    assert status == 400


def test_login_rate_limit_429(server):
    server.json("POST", "/api/v1/users", body={"username": "victim", "role": "viewer", "password": "right-pass"},
                user="admin2", expect=201)
    for _ in range(5):
        status, _, _ = login(server, "victim", "wrong-pass")
        assert status == 401
    status, hdrs, doc = login(server, "victim", "right-pass")
    assert status == 429 and int(hdrs["retry-after"]) > 0 and doc["status"] == 429
    # Basic is throttled under the same key
    status, hdrs, _ = server.request("GET", "/api/v1/dags", user="victim", password="right-pass")
    assert status == 429 and "retry-after" in hdrs
    # other users are not affected
    assert login(server, "viewer1", "viewer-pass-1")[0] == 200


def test_passwords_not_stored_in_clear(server):
    import sqlite3
    db = sqlite3.connect(server.home + "/airc.db")
    rows = db.execute("SELECT username, password_hash FROM user").fetchall()
    db.close()
    for name, h in rows:
        assert h.startswith("$argon2id$")
        assert "pass" not in h
    for name in ("webserver.out", "webserver.err"):
        text = open(server.home + "/" + name).read()
        assert "viewer-pass-1" not in text and "op-pass-123" not in text
