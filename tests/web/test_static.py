"""Static files: content types, security headers, traversal probes."""
import socket


def raw_get(server, path):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    s.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    out = b""
    while True:
        c = s.recv(65536)
        if not c:
            break
        out += c
    s.close()
    return out


def test_index_and_types(server):
    for path, ctype in [("/", "text/html"), ("/index.html", "text/html"), ("/static/index.html", "text/html"),
                        ("/app.js", "text/javascript"), ("/static/css/app.css", "text/css"),
                        ("/logo.svg", "image/svg+xml"), ("/img.png", "image/png"), ("/data.json", "application/json"),
                        ("/favicon.ico", "image/x-icon")]:
        status, hdrs, body = server.request("GET", path, user=None)
        assert status == 200, path
        assert hdrs["content-type"].startswith(ctype), (path, hdrs["content-type"])
        assert hdrs["x-content-type-options"] == "nosniff" and hdrs["x-frame-options"] == "DENY"
        assert "default-src 'self'" in hdrs["content-security-policy"]
    assert server.request("GET", "/", user=None)[2] == b"<!doctype html><title>airc</title>"


def test_unknown_static_404(server):
    for path in ["/nope.html", "/static/nope.js", "/css", "/css/"]:
        assert server.request("GET", path, user=None)[0] == 404, path


def test_traversal_probes(server):
    probes = [b"/../airc.db", b"/%2e%2e/airc.db", b"/%2E%2E/%2e%2e/airc.db", b"/static/..%2f..%2fetc/passwd",
              b"/static/../../etc/passwd", b"/..%2fsecret.txt", b"/../secret.txt", b"/static/..%2fsecret.txt",
              b"//etc/passwd", b"/static//etc/passwd", b"/%2fetc%2fpasswd", b"/css/../../secret.txt",
              b"/./index.html", b"/..\\secret.txt", b"/%5c..%5csecret.txt", b"/static/%00../secret.txt",
              b"/etc/passwd", b"/proc/self/environ"]
    for p in probes:
        out = raw_get(server, p)
        status = out.split(b" ", 2)[1]
        assert status in (b"404", b"400"), (p, out[:200])
        assert b"top secret" not in out and b"root:" not in out and b"SQLite format" not in out, p


def test_symlink_out_of_static_is_refused(server):
    import os
    link = os.path.join(server.static_dir, "leak.txt")
    os.symlink(os.path.join(os.path.dirname(server.static_dir), "secret.txt"), link)
    try:
        status, _, body = server.request("GET", "/leak.txt", user=None)
        assert status == 404 and b"top secret" not in body
    finally:
        os.unlink(link)
