"""HTTPS in the server itself: [webserver] ssl_cert / ssl_key with a
self-signed certificate made here by openssl; HSTS on every response;
a plain-HTTP request to the TLS port fails without hurting the server;
unreadable, lone or mismatched files stop the start with one clear line."""
import http.client
import json
import os
import signal
import ssl
import subprocess
import time

import pytest

from conftest import AIRC, free_port, run_cli


def make_cert(d, name):
    cert, key = os.path.join(d, name + ".crt"), os.path.join(d, name + ".key")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return cert, key


def home_with(tmp_path, config):
    home = str(tmp_path)
    os.makedirs(os.path.join(home, "dags"), exist_ok=True)
    with open(os.path.join(home, "airc.ini"), "w") as f:
        f.write("[webserver]\n" + config)
    return home


def start(home, port):
    env = dict(os.environ, AIRC_HOME=home)
    return subprocess.Popen([AIRC, "webserver", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def https(port, ctx, method, path, headers=None, body=None):
    c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    out = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return r.status, hdrs, out


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("tls"))
    cert, key = make_cert(d, "srv")
    home = home_with(tmp_path_factory.mktemp("home"), "ssl_cert = %s\nssl_key = %s\n" % (cert, key))
    port = free_port()
    proc = start(home, port)
    ctx = ssl.create_default_context(cafile=cert)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            if https(port, ctx, "GET", "/api/v1/health")[0] == 200:
                break
        except (OSError, ssl.SSLError):
            time.sleep(0.1)
    else:
        proc.kill()
        raise AssertionError("TLS webserver did not start: " + proc.stderr.read())
    r = run_cli(home, "users", "create", "--username", "t1", "--role", "op", "--password-stdin", stdin="tls-pass-1\n")
    assert r.returncode == 0, r.stderr
    yield port, ctx, cert
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0


def test_https_api_and_hsts(tls_server):
    port, ctx, _ = tls_server
    st, hdrs, out = https(port, ctx, "GET", "/api/v1/health")
    assert st == 200
    assert hdrs["strict-transport-security"].startswith("max-age=31536000")
    st, _, out = https(port, ctx, "POST", "/auth/token", headers={"Content-Type": "application/json"},
                       body=json.dumps({"username": "t1", "password": "tls-pass-1"}))
    assert st == 201, out
    tok = json.loads(out)["access_token"]
    st, hdrs, out = https(port, ctx, "GET", "/api/v1/auth/me", headers={"Authorization": "Bearer " + tok})
    assert st == 200 and json.loads(out)["username"] == "t1"
    # errors carry HSTS too
    st, hdrs, out = https(port, ctx, "GET", "/api/v1/dags")
    assert st == 401 and "strict-transport-security" in hdrs and json.loads(out)["detail"]
    # the session cookie is Secure over HTTPS
    st, hdrs, out = https(port, ctx, "POST", "/api/v1/auth/login", headers={"Content-Type": "application/json"},
                          body=json.dumps({"username": "t1", "password": "tls-pass-1"}))
    assert st == 200 and "; Secure" in hdrs["set-cookie"]


def test_untrusted_client_refuses(tls_server):
    port, _, _ = tls_server
    with pytest.raises(ssl.SSLCertVerificationError):
        https(port, ssl.create_default_context(), "GET", "/api/v1/health")


def test_plain_http_to_tls_port_fails_cleanly(tls_server):
    port, ctx, _ = tls_server
    t0 = time.time()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError, http.client.BadStatusLine)):
        c.request("GET", "/api/v1/health")
        c.getresponse().read()
    c.close()
    assert time.time() - t0 < 5
    # the server is unharmed
    assert https(port, ctx, "GET", "/api/v1/health")[0] == 200


def test_plain_http_server_has_no_hsts(tmp_path):
    home = home_with(tmp_path, "")
    port = free_port()
    proc = start(home, port)
    try:
        deadline = time.time() + 20
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/api/v1/health")
                r = c.getresponse()
                r.read()
                break
            except OSError:
                assert time.time() < deadline
                time.sleep(0.05)
        assert r.status == 200 and r.getheader("Strict-Transport-Security") is None
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)


def refused(tmp_path, config):
    home = home_with(tmp_path, config)
    proc = start(home, free_port())
    try:
        out, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("the webserver started with a bad TLS setup")
    assert proc.returncode != 0
    lines = [l for l in err.strip().splitlines() if l]
    assert len(lines) == 1, err
    return lines[0]


def test_bad_tls_setups_refuse_to_start(tmp_path):
    a_cert, a_key = make_cert(str(tmp_path), "a")
    b_cert, b_key = make_cert(str(tmp_path), "b")
    line = refused(tmp_path / "h1", "ssl_cert = %s\nssl_key = %s\n" % (a_cert, b_key))
    assert "ssl_key %s does not match ssl_cert %s" % (b_key, a_cert) in line
    line = refused(tmp_path / "h2", "ssl_cert = %s\nssl_key = /nonexistent/k.pem\n" % a_cert)
    assert "[webserver] ssl_key: cannot read /nonexistent/k.pem: No such file or directory" in line
    line = refused(tmp_path / "h3", "ssl_cert = %s\n" % a_cert)
    assert "ssl_cert and ssl_key go together: ssl_cert is set, ssl_key is not" in line
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    line = refused(tmp_path / "h4", "ssl_cert = %s\nssl_key = %s\n" % (junk, a_key))
    assert "ssl_cert %s" % junk in line and "not a usable PEM certificate and key" in line
