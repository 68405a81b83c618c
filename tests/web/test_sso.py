"""Single sign-on with OpenID Connect against a REAL provider:
no.nav.security:mock-oauth2-server (Maven Central, run with java by
scripts/oidc-provider.sh), with its interactive login form, where a user
types a subject and the claims of the ID token. The sign-in is driven with
`requests`, following redirects as a browser does: airc -> the provider's
authorization endpoint (state, nonce, S256 PKCE) -> the form -> airc's
callback (code exchange with the verifier and the client secret, ID token
signature checked against the JWKS, iss/aud/exp/nonce) -> the dashboard
with a session cookie. Skipped only when java is absent."""
import json
import os
import shutil
import subprocess
import time
import urllib.parse

import pytest
import requests

from conftest import AIRC, ROOT, free_port, start_server, stop_server

pytestmark = pytest.mark.skipif(shutil.which("java") is None,
                                reason="java is not installed: the OpenID provider (mock-oauth2-server) runs on it")

CLIENT_ID = "airc-web"
SECRET = "s3cret-of-the-client"


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    fetch = subprocess.run([os.path.join(ROOT, "scripts", "oidc-provider.sh"), "fetch"], capture_output=True,
                           text=True, timeout=900)
    assert fetch.returncode == 0, fetch.stderr
    port = free_port()
    log = open(str(tmp_path_factory.mktemp("oidc")) + "/provider.log", "w")
    proc = subprocess.Popen([os.path.join(ROOT, "scripts", "oidc-provider.sh"), "run", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    issuer = "http://127.0.0.1:%d/default" % port
    deadline = time.time() + 90
    while True:
        try:
            if requests.get(issuer + "/.well-known/openid-configuration", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        assert proc.poll() is None, "the OpenID provider exited: " + open(log.name).read()[-2000:]
        assert time.time() < deadline, "the OpenID provider did not answer within 90 s"
        time.sleep(0.3)
    yield issuer
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def srv(tmp_path_factory, provider):
    s = start_server(tmp_path_factory, config=(
        "oidc_issuer = %s\noidc_client_id = %s\noidc_client_secret = %s\n"
        "oidc_role_claim = groups\noidc_role_map = airc-admins:admin, airc-ops:op\n" % (provider, CLIENT_ID, SECRET)))
    s.issuer = provider
    yield s
    stop_server(s)


def base(srv):
    return "http://127.0.0.1:%d" % srv.port


def sign_in(srv, username, claims, next_hash="#/dags", session=None):
    """The whole sign-in with a fresh browser-like session; returns (session, final response)."""
    s = session or requests.Session()
    r = s.get(base(srv) + "/api/v1/auth/oidc/login", params={"next": next_hash}, timeout=20)
    # airc sent us to the provider, which shows its login form
    assert r.status_code == 200 and "Sign-in" in r.text, (r.status_code, r.text[:300])
    assert r.url.startswith(srv.issuer + "/authorize?"), r.url
    q = urllib.parse.parse_qs(urllib.parse.urlparse(r.url).query)
    assert q["code_challenge_method"] == ["S256"] and len(q["code_challenge"][0]) == 43
    assert q["client_id"] == [CLIENT_ID] and q["response_type"] == ["code"] and "openid" in q["scope"][0]
    assert len(q["state"][0]) >= 32 and len(q["nonce"][0]) >= 32
    form = {"username": username, "claims": json.dumps(claims)}
    r2 = s.post(r.url, data=form, timeout=20)
    return s, r2


def me(s, srv):
    return s.get(base(srv) + "/api/v1/auth/me", timeout=10)


def test_info_route_says_enabled(srv):
    r = requests.get(base(srv) + "/api/v1/auth/oidc", timeout=10)
    assert r.status_code == 200
    assert r.json() == {"enabled": True, "login_url": "/api/v1/auth/oidc/login"}


def test_first_sign_in_creates_the_user_with_the_mapped_role(srv):
    s, r = sign_in(srv, "alice", {"preferred_username": "alice", "groups": ["staff", "airc-ops"]}, "#/audit")
    # the callback's 303 went to the dashboard page asked for
    assert r.status_code == 200, r.text[:300]
    assert [h.status_code for h in r.history][-1] == 303
    assert r.history[-1].headers["Location"] == "/#/audit"
    assert "airc_session" in s.cookies
    m = me(s, srv)
    assert m.status_code == 200, m.text
    assert m.json()["username"] == "alice" and m.json()["role"] == "op" and m.json()["auth"] == "session"
    # the session acts as a password login's: a write needs the CSRF token
    tok = m.json()["csrf_token"]
    r = s.patch(base(srv) + "/api/v1/dags/hello", json={"is_paused": True}, timeout=10)
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    r = s.patch(base(srv) + "/api/v1/dags/hello", json={"is_paused": True}, headers={"X-CSRF-Token": tok}, timeout=10)
    assert r.status_code == 200, r.text
    users = {u["username"]: u["role"] for u in srv.json("GET", "/api/v1/users")["users"]}
    assert users["alice"] == "op"
    events = srv.json("GET", "/api/v1/eventLogs?owner=alice&order_by=-event_log_id")["event_logs"]
    kinds = [e["event"] for e in events]
    assert "user_create_sso" in kinds and "login" in kinds
    login = [e for e in events if e["event"] == "login"][0]
    assert json.loads(login["extra"])["via"] == "sso"


def test_role_follows_the_claim_at_each_sign_in_and_defaults_to_viewer(srv):
    s, r = sign_in(srv, "bob", {"preferred_username": "bob", "groups": ["airc-admins", "airc-ops"]})
    assert r.status_code == 200
    assert me(s, srv).json()["role"] == "admin"
    s, r = sign_in(srv, "bob", {"preferred_username": "bob", "groups": "nobody-special"})
    assert me(s, srv).json()["role"] == "viewer"
    assert {u["username"]: u["role"] for u in srv.json("GET", "/api/v1/users")["users"]}["bob"] == "viewer"
    # without preferred_username the subject names the user
    s, r = sign_in(srv, "carol.sub", {"groups": ["airc-ops"]})
    assert me(s, srv).json()["username"] == "carol.sub"


def test_next_must_be_a_dashboard_hash(srv):
    for bad in ("https://evil.example/", "//evil.example", "#/x\r\nSet-Cookie: a=b", "#/login?next=x", "#/a b"):
        s, r = sign_in(srv, "erin", {"preferred_username": "erin"}, bad)
        assert r.history[-1].headers["Location"] == "/#/dags", bad
        assert "a" not in s.cookies


def test_a_user_name_airc_cannot_take_is_refused_with_a_reason(srv):
    s, r = sign_in(srv, "x", {"preferred_username": "not a name!"})
    assert r.status_code == 403
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert "claim 'preferred_username' ('not a name!') is not a valid airc user name" in r.json()["detail"]
    assert "airc_session" not in s.cookies


def test_callback_needs_the_browser_that_started_the_sign_in_and_works_once(srv):
    s = requests.Session()
    r = s.get(base(srv) + "/api/v1/auth/oidc/login", timeout=20)
    r2 = s.post(r.url, data={"username": "dave", "claims": "{}"}, allow_redirects=False, timeout=20)
    assert r2.status_code == 302
    callback = r2.headers["Location"]
    assert callback.startswith(base(srv) + "/api/v1/auth/oidc/callback?")
    # another client (no airc_oidc cookie) cannot use this code and state: login CSRF
    other = requests.get(callback, allow_redirects=False, timeout=20)
    assert other.status_code == 400
    assert "not started in this browser" in other.json()["detail"]
    ok = s.get(callback, allow_redirects=False, timeout=20)
    assert ok.status_code == 303, ok.text
    # a replay of the same state is refused
    s2 = requests.Session()
    s2.cookies.set("airc_oidc", urllib.parse.parse_qs(urllib.parse.urlparse(callback).query)["state"][0])
    again = s2.get(callback, allow_redirects=False, timeout=20)
    assert again.status_code == 400
    assert "unknown or expired sign-in state" in again.json()["detail"]


def test_provider_error_and_missing_arguments_are_json_with_a_reason(srv):
    r = requests.get(base(srv) + "/api/v1/auth/oidc/callback", params={"error": "access_denied",
                     "error_description": "the user said no"}, timeout=10)
    assert r.status_code == 401
    assert r.json()["detail"] == ("single sign-on failed: the OpenID provider refused the sign-in: "
                                  "access_denied: the user said no")
    r = requests.get(base(srv) + "/api/v1/auth/oidc/callback", params={"state": "x"}, timeout=10)
    assert r.status_code == 400 and "'code' and 'state'" in r.json()["detail"]


def test_an_issuer_that_discovery_contradicts_is_refused(tmp_path_factory, provider):
    # discovery must name the configured issuer exactly (here a trailing slash
    # differs): refused before the user is sent anywhere
    s = start_server(tmp_path_factory, config=(
        "oidc_issuer = %s/\noidc_client_id = x\n" % provider))
    try:
        r = requests.get("http://127.0.0.1:%d/api/v1/auth/oidc/login" % s.port, allow_redirects=False, timeout=20)
        assert r.status_code == 502
        assert "names issuer '%s', not [webserver] oidc_issuer '%s/'" % (provider, provider) in r.json()["detail"]
    finally:
        stop_server(s)
