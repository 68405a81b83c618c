"""bin/randomuser-server driven as a user would: command line, exit codes,
the API over real HTTP, throttling, shutdown on SIGTERM.

Finds the binary beside $AIRC_BIN (bin/ or bin-san/), else in bin/; skipped
when it has not been built (make bin/randomuser-server)."""
import json
import os
import signal
import subprocess
import urllib.error
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def server_bin():
    cands = []
    if os.environ.get("AIRC_BIN"):
        cands.append(os.path.join(os.path.dirname(os.environ["AIRC_BIN"]), "randomuser-server"))
    cands.append(os.path.join(ROOT, "bin", "randomuser-server"))
    for c in cands:
        if os.access(c, os.X_OK):
            return c
    pytest.skip("randomuser-server not built")


@pytest.fixture
def server():
    procs = []

    def start(*args):
        p = subprocess.Popen([server_bin(), "--port", "0", *args], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        procs.append(p)
        line = p.stdout.readline()  # printed once listening
        assert line.startswith("listening on http://127.0.0.1:"), line
        return p, line.split()[-1]

    yield start
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait(timeout=10)


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, dict(r.headers), json.loads(r.read().decode("utf-8"))
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read().decode("utf-8"))


def test_help_and_usage_errors():
    r = subprocess.run([server_bin(), "--help"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0 and "usage: randomuser-server" in r.stdout
    r = subprocess.run([server_bin(), "--bogus"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2
    assert r.stderr == "randomuser-server: unknown argument '--bogus' (see --help)\n"
    r = subprocess.run([server_bin(), "--port", "70000"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2
    assert r.stderr == "randomuser-server: --port: '70000' is not a port number (0..65535)\n"
    r = subprocess.run([server_bin(), "--host", "localhost"], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 1
    assert "not a numeric IPv4 or IPv6 address" in r.stderr


def test_api_shape_and_determinism(server):
    p, base = server()
    status, headers, doc = get(base + "?results=3&seed=it&nat=gb,us&page=2")
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert doc["info"] == {"seed": "it", "results": 3, "page": 2, "version": "1.4"}
    assert len(doc["results"]) == 3
    for u in doc["results"]:
        assert u["nat"] in ("GB", "US")
        assert isinstance(u["location"]["postcode"], int if u["nat"] == "US" else str)
        assert len(u["login"]["uuid"]) == 36
    assert get(base.replace("/api/", "/api/1.4/") + "?results=3&seed=it&nat=gb,us&page=2")[2] == doc
    status, _, doc = get(base + "?results=2&inc=name,nat")
    assert status == 200 and set(doc["results"][0]) == {"name", "nat"}


def test_errors_and_throttle(server):
    p, base = server("--throttle-every", "2")
    assert get(base + "?results=abc")[:3:2] == (400, {"error": "results must be a whole number, got 'abc'"})
    status, headers, doc = get(base)
    assert status == 429 and headers["Retry-After"] == "1" and "error" in doc
    assert get(base.replace("/api/", "/nope"))[0] == 404


def test_port_in_use_and_sigterm(server):
    p, base = server()
    port = base.split(":")[2].split("/")[0]
    r = subprocess.run([server_bin(), "--port", port], capture_output=True, text=True, timeout=10)
    assert r.returncode == 1 and "cannot listen" in r.stderr
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=10) == 0
