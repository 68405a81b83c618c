"""Security review fixes of the web server: login throttle per username and
per IP, constant-cost wrong passwords, JSON-only unsafe API requests,
Origin / Sec-Fetch-Site / Host checks, auth before the body, per-IP
connection limit, total request deadline, response cache keys."""
import base64
import http.client
import json
import socket
import time

import pytest

from conftest import start_server, stop_server


def login(server, user, password, headers=None):
    status, hdrs, body = server.request("POST", "/api/v1/auth/login", body={"username": user, "password": password},
                                        user=None, headers=headers)
    return status, hdrs, json.loads(body)


@pytest.fixture(scope="module")
def loose(tmp_path_factory):
    """A server whose login limits are high enough for timing loops."""
    srv = start_server(tmp_path_factory, config="login_max_failures = 1000\nlogin_max_failures_per_ip = 1000\n")
    yield srv
    stop_server(srv)


def test_wrong_password_costs_the_same_for_unknown_users(loose):
    # Not a benchmark: an unknown user must not answer much faster than a
    # known one (before the fix: 0.6 ms against 70 ms, a ratio of ~0.01).
    def timed(user):
        t = time.monotonic()
        status, _, _ = login(loose, user, "wrong-password-x")
        assert status == 401
        return time.monotonic() - t
    timed("no_such_user_0")  # makes the dummy hash once
    known, unknown = [], []
    for i in range(4):
        known.append(timed("viewer1"))
        unknown.append(timed("no_such_user_%d" % i))
    known.sort()
    unknown.sort()
    assert unknown[1] >= 0.5 * known[1], (known, unknown)


def test_login_throttle_per_ip_across_usernames(tmp_path_factory):
    srv = start_server(tmp_path_factory, config="login_max_failures_per_ip = 3\n")
    try:
        for i in range(3):
            assert login(srv, "nobody_%d" % i, "wrong-password")[0] == 401
        # a fourth username from the same IP is refused, right password or not
        status, hdrs, doc = login(srv, "viewer1", "viewer-pass-1")
        assert status == 429 and int(hdrs["retry-after"]) > 0
        assert doc["detail"].startswith("too many failed logins; try again in ")
        status, _, _ = srv.request("GET", "/api/v1/dags", user="op1")
        assert status == 429
    finally:
        stop_server(srv)


def raw_exchange(port, data, timeout=5):
    """Sends data, returns what the server answered until it closed or
    sent a whole response (headers + Content-Length)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            out += chunk
            head, sep, rest = out.partition(b"\r\n\r\n")
            if sep:
                clen = [l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
                if clen and len(rest) >= int(clen[0].split(b":")[1]):
                    break
        return out
    finally:
        s.close()


def basic(server, user="admin"):
    return "Basic " + base64.b64encode(("%s:%s" % (user, server.users[user])).encode()).decode()


RUNS = "/api/v1/dags/page_3/dagRuns"


def test_unsafe_api_methods_need_json_content_type(server):
    # a cross-site <form> can post without a body and with a form type: refused
    for headers in [{"Content-Type": None}, {"Content-Type": "application/x-www-form-urlencoded"},
                    {"Content-Type": "text/plain"}, {"Content-Type": "application/jsonp"}]:
        status, _, body = server.request("POST", RUNS, headers=headers)
        assert status == 415, (headers, status, body)
        assert json.loads(body)["detail"] == "POST requests to the API must be sent with 'Content-Type: application/json'"
    status, _, body = server.request("DELETE", "/api/v1/users/nobody", headers={"Content-Type": "text/plain"})
    assert status == 415 and json.loads(body)["detail"].startswith("DELETE requests")
    status, _, body = server.request("DELETE", "/api/v1/users/nobody", raw_body=b"x", headers={"Content-Type": None})
    assert status == 415 and json.loads(body)["detail"].startswith("DELETE requests")
    # a bare DELETE (no body, no type) cannot come from a form, and a page's
    # fetch() needs a preflight: accepted, as Airflow's client sends it
    status, _, body = server.request("DELETE", "/api/v1/users/nobody", headers={"Content-Type": None})
    assert status == 404, (status, body)
    status, _, body = server.request("POST", "/api/v1/auth/login", raw_body=b'{"username":"a","password":"b"}',
                                     headers={"Content-Type": "text/plain"}, user=None)
    assert status == 415
    # parameters are fine, and a body-less JSON POST works
    status, _, _ = server.request("POST", RUNS, raw_body=b'{"dag_run_id": "typed"}',
                                  headers={"Content-Type": "application/json; charset=utf-8"})
    assert status == 201
    assert server.request("POST", RUNS, raw_body=None)[0] == 201


def test_415_is_in_the_openapi_document(server):
    doc = json.load(open(__file__.rsplit("/tests/", 1)[0] + "/webui/openapi.json"))
    post = doc["paths"]["/dags/{dag_id}/dagRuns"]["post"]["responses"]
    assert "415" in post


def test_cross_site_session_requests_are_refused(server):
    status, hdrs, doc = login(server, "op1", "op-pass-123")
    assert status == 200
    cookie = hdrs["set-cookie"].split(";")[0]
    csrf = {"X-CSRF-Token": doc["csrf_token"]}
    status, _, body = server.request("POST", RUNS, body={}, user=None, cookie=cookie,
                                     headers=dict(csrf, **{"Sec-Fetch-Site": "cross-site"}))
    assert status == 403 and json.loads(body)["detail"] == "cross-site POST requests are refused (Sec-Fetch-Site: cross-site)"
    status, _, body = server.request("POST", RUNS, body={}, user=None, cookie=cookie,
                                     headers=dict(csrf, Origin="http://evil.example"))
    assert status == 403 and json.loads(body)["detail"] == \
        "origin 'http://evil.example' may not call this API (see [webserver] allowed_origins)"
    # the same page (Origin = this Host) and same-origin fetches go through
    origin = "http://127.0.0.1:%d" % server.port
    status, _, body = server.request("POST", RUNS, body={"dag_run_id": "same_origin"}, user=None, cookie=cookie,
                                     headers=dict(csrf, Origin=origin, **{"Sec-Fetch-Site": "same-origin"}))
    assert status == 201, body
    # reads are not affected
    assert server.request("GET", "/api/v1/dags", user=None, cookie=cookie, headers={"Origin": "http://evil.example"})[0] == 200


def test_host_header_must_be_allowed(server):
    for host in ["evil.example", "evil.example:%d" % server.port, "127.0.0.2", ""]:
        out = raw_exchange(server.port, b"GET /api/v1/health HTTP/1.1\r\nHost: " + host.encode() +
                           b"\r\nConnection: close\r\n\r\n")
        assert out.startswith(b"HTTP/1.1 421"), (host, out[:200])
        assert b"is not served here (see [webserver] allowed_hosts)" in out
    for host in ["127.0.0.1:%d" % server.port, "localhost:%d" % server.port, "[::1]:%d" % server.port, "LOCALHOST"]:
        out = raw_exchange(server.port, b"GET /api/v1/health HTTP/1.1\r\nHost: " + host.encode() +
                           b"\r\nConnection: close\r\n\r\n")
        assert out.startswith(b"HTTP/1.1 200"), (host, out[:200])


def test_refused_before_the_body_is_read(server):
    # headers announce a body that never comes: the 401/403 must come anyway
    for who, want in [(b"Basic " + base64.b64encode(b"admin:wrong-password"), b"401"), (basic(server, "viewer1").encode(), b"403")]:
        head = (b"POST " + RUNS.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + who +
                b"\r\nContent-Type: application/json\r\nContent-Length: 500000\r\n\r\n")
        t = time.monotonic()
        out = raw_exchange(server.port, head, timeout=5)
        assert out.startswith(b"HTTP/1.1 " + want), out[:200]
        assert time.monotonic() - t < 4


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    srv = start_server(tmp_path_factory, config="per_ip_connection_limit = 3\nrequest_timeout = 2\n"
                                                "allowed_hosts = 127.0.0.1, airc.example\nworkers = 1\n")
    yield srv
    stop_server(srv)


def test_allowed_hosts_setting(strict):
    out = raw_exchange(strict.port, b"GET /api/v1/health HTTP/1.1\r\nHost: airc.example:8080\r\nConnection: close\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 200"), out[:200]
    out = raw_exchange(strict.port, b"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 421"), out[:200]


def test_slow_headers_are_cut_at_the_request_deadline(strict):
    # one header byte every 0.25 s never lets MHD's idle timeout (60 s) fire
    s = socket.create_connection(("127.0.0.1", strict.port), timeout=1)
    t = time.monotonic()
    closed_after = None
    try:
        line = b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200
        for i in range(len(line)):
            if time.monotonic() - t > 10:
                break
            try:
                s.sendall(line[i:i + 1])
                s.settimeout(0.25)
                if s.recv(1) == b"":
                    closed_after = time.monotonic() - t
                    break
            except socket.timeout:
                continue
            except OSError:
                closed_after = time.monotonic() - t
                break
    finally:
        s.close()
    assert closed_after is not None, "the server kept a dribbling connection for 10 s"
    assert 1.5 <= closed_after < 6, closed_after


def test_per_ip_connection_limit(strict):
    def hold():
        """A kept-alive connection the server has accepted and answered once.
        Earlier clients' idle connections (closed by the server after its 2 s
        request_timeout) may still count for a moment: retry until then."""
        deadline = time.monotonic() + 8
        while True:
            h = socket.create_connection(("127.0.0.1", strict.port), timeout=5)
            h.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            try:
                if h.recv(65536).startswith(b"HTTP/1.1 200"):
                    return h
            except OSError:
                pass
            h.close()
            assert time.monotonic() < deadline, "the server kept refusing a first connection"
            time.sleep(0.2)

    held = []
    try:
        for _ in range(3):
            held.append(hold())
        out = raw_exchange(strict.port, b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert out == b"", out[:200]  # refused: closed without an answer
    finally:
        for s in held:
            s.close()
    # the server notices the closes on its next poll: allow it a few seconds
    deadline = time.monotonic() + 5
    while True:
        out = raw_exchange(strict.port, b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        if out.startswith(b"HTTP/1.1 200") or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert out.startswith(b"HTTP/1.1 200"), out[:200]


def test_costly_task_regex_is_refused_at_once(server):
    # before: compiled inside the write transaction, seconds and ~2 GB
    server.json("POST", RUNS, body={"dag_run_id": "rx"}, expect=201)
    clear = "/api/v1/dags/page_3/clearTaskInstances"
    t = time.monotonic()
    status, _, body = server.request("POST", clear, body={"dag_run_id": "rx", "task_regex": "(a{1,255}){1,255}"})
    assert status == 400 and json.loads(body)["detail"] == \
        "task regex '(a{1,255}){1,255}' is refused: repetition counts above 32 are not allowed"
    status, _, body = server.request("POST", clear, body={"dag_run_id": "rx", "task_regex": "x" * 300})
    assert status == 400 and json.loads(body)["detail"] == "task regex is longer than 256 characters (300)"
    assert time.monotonic() - t < 3
    doc = server.json("POST", clear, body={"dag_run_id": "rx", "task_regex": "^t$", "dry_run": True})
    assert doc["dry_run"] is True


def test_response_cache_keys_do_not_collide(strict):
    # one worker thread, so both requests meet the same cache
    a = strict.json("GET", "/api/v1/dags?dag_id_pattern=page&limit=1")
    assert a["total_entries"] == 7 and len(a["dags"]) == 1
    b = strict.json("GET", "/api/v1/dags?dag_id_pattern=page%26limit%3D1")  # one argument: "page&limit=1"
    assert b["total_entries"] == 0 and b["dags"] == [], b
    c = strict.json("GET", "/api/v1/dags?dag_id_pattern=page&limit=1")
    assert c == a
