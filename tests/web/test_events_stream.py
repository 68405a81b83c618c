"""Live updates as Server-Sent Events: GET /api/v1/events/stream on the real
server. A viewer's stream says `ready`, then `change` after a trigger (a
write by another process, the CLI, too), heartbeats when quiet, outlives the
request deadline, is bounded in number (503 with a reason beyond), and needs
a login like every other route."""
import base64
import json
import select
import socket
import time

import pytest

from conftest import run_cli, start_server, stop_server


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    # a short request deadline: streams must outlive it; a 1 s heartbeat
    s = start_server(tmp_path_factory, config="request_timeout = 2\nsse_heartbeat = 1\nsse_max_streams = 3\n")
    yield s
    stop_server(s)


class Stream:
    """An open event stream on a raw socket (HTTP/1.1, chunked), read with a deadline."""

    def __init__(self, srv, user="viewer1"):
        self.sock = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        auth = base64.b64encode(("%s:%s" % (user, srv.users[user])).encode()).decode()
        self.sock.sendall(("GET /api/v1/events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                           "Authorization: Basic %s\r\n\r\n" % auth).encode())
        raw = b""
        while b"\r\n\r\n" not in raw:
            chunk = self.sock.recv(4096)
            assert chunk, "closed before the headers"
            raw += chunk
        head, self.raw = raw.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {k.lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
        self.buf = b""
        self.ended = False

    def _dechunk(self):
        while True:
            if b"\r\n" not in self.raw:
                return
            size_line, rest = self.raw.split(b"\r\n", 1)
            size = int(size_line, 16)
            if len(rest) < size + 2:
                return
            if size == 0:  # the last chunk: the stream ended (the connection may stay open)
                self.ended = True
            self.buf += rest[:size]
            self.raw = rest[size + 2:]

    def events(self, until, timeout):
        """Reads event blocks until one satisfies until(kind, data, text) or timeout; returns those read."""
        seen = []
        deadline = time.time() + timeout
        while True:
            self._dechunk()
            while b"\n\n" in self.buf:
                block, self.buf = self.buf.split(b"\n\n", 1)
                text = block.decode()
                kind = data = None
                for line in text.split("\n"):
                    if line.startswith("event: "):
                        kind = line[7:]
                    elif line.startswith("data: "):
                        data = json.loads(line[6:])
                seen.append((kind, data, text))
                if until(kind, data, text):
                    return seen
            if self.ended:
                raise AssertionError("the server ended the stream; read %r" % seen)
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError("timed out; read %r" % seen)
            r, _, _ = select.select([self.sock], [], [], left)
            if r:
                chunk = self.sock.recv(4096)
                if not chunk:
                    raise AssertionError("the server closed the stream; read %r" % seen)
                self.raw += chunk

    def close(self):
        self.sock.close()


def test_a_viewer_sees_ready_then_a_change_after_a_trigger(srv):
    st = Stream(srv)
    try:
        assert st.status == 200
        assert st.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert st.headers["cache-control"] == "no-store"
        seen = st.events(lambda k, d, t: k == "ready", 5)
        seq0 = seen[-1][1]["seq"]
        assert "retry: 3000" in seen[-1][2]
        status, _, body = srv.request("POST", "/api/v1/dags/hello/dagRuns", {"dag_run_id": "sse_1"}, user="op1")
        assert status in (200, 201), body
        seen = st.events(lambda k, d, t: k == "change", 5)
        assert seen[-1][1]["seq"] > seq0
        # another process's write (the CLI) is seen too: the store's change counter
        seq1 = seen[-1][1]["seq"]
        assert run_cli(srv.home, "variables", "set", "sse_probe", "1").returncode == 0
        seen = st.events(lambda k, d, t: k == "change" and d["seq"] > seq1, 5)
    finally:
        st.close()


def test_heartbeats_keep_a_quiet_stream_open_past_the_request_deadline(srv):
    st = Stream(srv)
    try:
        st.events(lambda k, d, t: k == "ready", 5)
        t0 = time.time()
        # request_timeout is 2 s: the watchdog would cut a plain request by now
        seen = st.events(lambda k, d, t: time.time() - t0 > 3.5 and t == ": heartbeat", 8)
        assert any(t == ": heartbeat" for _, _, t in seen)
    finally:
        st.close()


def test_streams_are_bounded_and_the_refusal_says_why(srv):
    open_ = []
    try:
        # streams of earlier tests may take a heartbeat to be noticed closed
        deadline = time.time() + 10
        while len(open_) < 3:
            st = Stream(srv)
            if st.status == 200:
                open_.append(st)
            else:
                st.close()
                assert time.time() < deadline, "earlier streams were never released"
                time.sleep(0.3)
        for st in open_:
            st.events(lambda k, d, t: k == "ready", 5)
        status, hdrs, body = srv.request("GET", "/api/v1/events/stream", user="viewer1")
        assert status == 503
        assert hdrs["retry-after"] == "30"
        assert json.loads(body)["detail"] == ("too many live-update streams are open (3, [webserver] "
                                              "sse_max_streams); poll the API instead")
    finally:
        for st in open_:
            st.close()
    # closed streams free their places (noticed at the next heartbeat at the latest)
    deadline = time.time() + 10
    while time.time() < deadline:
        st = Stream(srv)
        if st.status == 200:
            st.close()
            break
        st.close()
        time.sleep(0.3)
    else:
        raise AssertionError("closed streams were never released")


def test_the_stream_needs_a_login(srv):
    status, hdrs, body = srv.request("GET", "/api/v1/events/stream", user=None,
                                     headers={"Sec-Fetch-Mode": "cors"})
    assert status == 401
    assert "authentication required" in json.loads(body)["detail"]


def test_route_in_the_openapi_document(srv):
    doc = srv.json("GET", "/api/v1/openapi.json", user=None)
    op = doc["paths"]["/events/stream"]["get"]
    assert op["x-airc-role"] == "viewer"
    assert "text/event-stream" in op["responses"]["200"]["content"]


def test_a_stream_ends_after_its_maximum_age_so_the_client_logs_in_again(tmp_path_factory):
    s = start_server(tmp_path_factory, config="sse_max_age = 2\nsse_heartbeat = 1\n")
    try:
        st = Stream(s)
        st.events(lambda k, d, t: k == "ready", 5)
        t0 = time.time()
        with pytest.raises(AssertionError, match="the server ended the stream"):
            st.events(lambda k, d, t: False, 6)
        assert 1 < time.time() - t0 < 5
        st.close()
        # a deleted user's reconnect is refused
        assert run_cli(s.home, "users", "delete", "--username", "viewer1").returncode == 0
        again = Stream(s)
        assert again.status == 401
        again.close()
    finally:
        stop_server(s)
