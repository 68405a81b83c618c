"""Request bodies: the 1 MiB cap (413, never reading past it) and malformed JSON."""
import base64
import json
import socket

from conftest import q


def raw(server, data, read_timeout=10):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=read_timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
            if b"\r\n\r\n" in out:
                head, _, rest = out.partition(b"\r\n\r\n")
                clen = [l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
                if clen and len(rest) >= int(clen[0].split(b":")[1]):
                    break
        return out
    finally:
        s.close()


def auth(server, user="admin"):
    return base64.b64encode(("%s:%s" % (user, server.users[user])).encode())


def test_413_by_content_length_without_reading_the_body(server):
    # only the headers are sent: the answer must come without the 2 MiB body
    head = (b"POST /api/v1/dags/hello/dagRuns HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic " + auth(server) +
            b"\r\nContent-Type: application/json\r\nContent-Length: 2097152\r\n\r\n")
    out = raw(server, head)
    assert out.startswith(b"HTTP/1.1 413"), out[:200]
    body = json.loads(out.partition(b"\r\n\r\n")[2])
    assert body["status"] == 413 and body["title"] == "Payload Too Large"


def test_413_chunked(server):
    chunk = b"x" * 65536
    data = (b"POST /api/v1/dags/hello/dagRuns HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic " + auth(server) +
            b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    data += (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 17 + b"0\r\n\r\n"
    out = raw(server, data)
    assert out.startswith(b"HTTP/1.1 413"), out[:200]


def test_body_just_under_cap_is_parsed(server):
    pad = "y" * (1024 * 1024 - 100)
    status, _, body = server.request("POST", "/api/v1/dags/page_4/dagRuns", body={"conf": {"p": pad}})
    assert status in (201, 400), status
    assert json.loads(body)


def test_malformed_json_400(server):
    for data in [b"{", b"[1,2]", b"nul", b"{\"a\":1,\"a\":2}", b"\xff\xfe"]:
        status, hdrs, body = server.request("PATCH", "/api/v1/dags/page_5", raw_body=data,
                                            headers={"Content-Type": "application/json"})
        assert status == 400, data
        assert json.loads(body)["status"] == 400
    assert server.request("PATCH", "/api/v1/dags/page_5", body={"is_paused": "yes"})[0] == 400
    assert server.request("PATCH", "/api/v1/dags/page_5", body={"dag_id": "x"})[0] == 400
    assert server.request("PATCH", "/api/v1/dags/nope", body={"is_paused": True})[0] == 404


def test_half_closed_client_gets_its_answer(server):
    # A client that sends its request and then shuts down its sending side
    # (`nc -N`, some HTTP/1.0 clients) must get the answer. Found by
    # tests/fuzz/fuzz_http.c: a request without a body was answered only on
    # the handler's second call, which libmicrohttpd never made once it had
    # seen the end of the input, so the connection hung for its 60 s timeout
    # (a few percent of the time; hence many tries).
    for i in range(150):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=3)
        try:
            s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            s.shutdown(socket.SHUT_WR)
            out = b""
            while True:
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    raise AssertionError("try %d: no answer within 3 s after a half-close (got %r)" % (i, out[:80]))
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                out += chunk
        finally:
            s.close()
        assert out.startswith(b"HTTP/1.1 200"), (i, out[:200])


def test_connection_is_kept_alive(server):
    # GETs, an error reply and a POST with a body all on one connection, none
    # answered with `Connection: close`. The server used to answer from
    # libmicrohttpd's first callback, after which MHD closes the connection
    # (a new TCP connection per request: half the throughput of the API).
    import http.client
    auth = "Basic " + base64.b64encode(("admin:%s" % server.users["admin"]).encode()).decode()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
    try:
        conn.request("GET", "/api/v1/health")
        sock = None
        for method, path, body, want in [("GET", "/api/v1/health", None, 200),
                                         ("GET", "/api/v1/dags?limit=1", None, 200),
                                         ("GET", "/api/v1/dags/no_such_dag", None, 404),
                                         ("POST", "/api/v1/dags/no_such_dag/dagRuns", b"{}", 404),
                                         ("GET", "/api/v1/health", None, 200)]:
            if sock is not None:
                conn.request(method, path, body=body, headers={"Authorization": auth, "Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            assert resp.status == want, (method, path, resp.status)
            assert (resp.getheader("Connection") or "").lower() != "close", (method, path)
            if sock is None:
                sock = conn.sock
            assert conn.sock is sock, (method, path)  # the same TCP connection served every request
    finally:
        conn.close()
