"""The Control Center API (webui/api_pipeline.c) without a real stack: Kafka
and Cassandra at closed ports (down, within a few seconds, cached), a schema
registry and a Spark master played by small local HTTP servers (the real
libcurl path), settings absent (not_configured), roles, /metrics with Kafka
down still valid for promtool. The real-Kafka test is tests/e2e/test_control_center.py."""
import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import start_server, stop_server


def closed_port():
    """A 127.0.0.1 port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


REGISTRY = {
    "/ccompat/subjects": ["users_created-value"],
    "/ccompat/config": {"compatibilityLevel": "BACKWARD"},
    "/ccompat/subjects/users_created-value/versions": [1, 2],
    "/ccompat/subjects/users_created-value/versions/latest": {"subject": "users_created-value", "version": 2,
                                                              "id": 12, "schema": "{}"},
}
SPARK = {
    "/json/": {"url": "spark://127.0.0.1:7077", "status": "ALIVE", "aliveworkers": 1, "cores": 4, "coresused": 2,
               "memory": 4096, "memoryused": 1024,
               "workers": [{"id": "worker-a", "host": "127.0.0.1", "port": 40001, "state": "ALIVE", "cores": 4,
                            "coresused": 2, "memory": 4096, "memoryused": 1024, "lastheartbeat": 1764288000000}],
               "activeapps": [{"id": "app-1", "name": "spark_stream", "state": "RUNNING", "cores": 2,
                               "memoryperexecutor": 1024, "starttime": 1764288000000, "duration": 1000}],
               "completedapps": []},
}


class Canned(BaseHTTPRequestHandler):
    routes = {}

    def do_GET(self):
        body = self.routes.get(self.path)
        if body is None:
            data, status = b'{"error_code":40401,"message":"Subject not found."}', 404
        else:
            data, status = json.dumps(body).encode(), 200
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a):
        pass


@pytest.fixture(scope="module")
def fakes():
    handler = type("H", (Canned,), {"routes": dict(REGISTRY, **SPARK)})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield "http://127.0.0.1:%d" % httpd.server_address[1]
    httpd.shutdown()


@pytest.fixture(scope="module")
def down(tmp_path_factory, fakes):
    """Kafka and Cassandra at closed ports; registry and Spark on the fakes."""
    kport, cport = closed_port(), closed_port()
    cfg = ("[kafka]\nbootstrap_servers = 127.0.0.1:%d\n[cassandra]\nport = %d\n"
           "[registry]\nurl = %s/ccompat/\n[spark]\nui = %s\n[control_center]\ncache_seconds = 30\n"
           % (kport, cport, fakes, fakes))
    srv = start_server(tmp_path_factory, cfg)
    srv.kafka_port, srv.cassandra_port = kport, cport
    yield srv
    stop_server(srv)


@pytest.fixture(scope="module")
def unset(tmp_path_factory):
    """No [registry] url, no [spark] ui; Kafka at a closed port, no cache."""
    srv = start_server(tmp_path_factory, "[kafka]\nbootstrap_servers = 127.0.0.1:%d\n"
                                         "[control_center]\ncache_seconds = 0\nkafka_timeout_ms = 800\n" % closed_port())
    yield srv
    stop_server(srv)


@pytest.fixture(scope="module")
def pg_url(tmp_path_factory):
    """A throwaway PostgreSQL (as scripts/pg-test.sh starts one) with a table
    of 4 rows in database sink; yields its URL."""
    bins = [d for d in sorted(glob.glob("/usr/lib/postgresql/*/bin")) if os.path.exists(d + "/initdb")]
    if not bins:
        pytest.skip("no PostgreSQL server (scripts/install-deps.sh)")
    pg_bin = bins[-1]
    # a folder the postgres user can reach (pytest's tmp is root's alone)
    top = tempfile.mkdtemp(prefix="airc-cc-pg-")
    os.chmod(top, 0o755)
    work = os.path.join(top, "pg")
    os.mkdir(work)
    as_pg = []
    if os.getuid() == 0:
        shutil.chown(work, "postgres")
        as_pg = ["runuser", "-u", "postgres", "--"]
    data = os.path.join(work, "data")
    port = closed_port()
    subprocess.run(as_pg + [pg_bin + "/initdb", "-D", data, "-U", "postgres", "-A", "trust"], check=True,
                   capture_output=True, timeout=120)
    subprocess.run(as_pg + [pg_bin + "/pg_ctl", "-D", data, "-l", os.path.join(work, "log"), "-w", "-t", "60", "-o",
                            "-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off" % (port, work), "start"],
                   check=True, capture_output=True, timeout=90)
    try:
        psql = [pg_bin + "/psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-q"]
        subprocess.run(psql + ["-c", "CREATE DATABASE sink"], check=True, capture_output=True, timeout=30)
        subprocess.run(psql + ["-d", "sink", "-c", "CREATE TABLE created_users (id text PRIMARY KEY); "
                               "CREATE SCHEMA agg; CREATE TABLE agg.per_country (country text); "
                               "INSERT INTO created_users SELECT 'u' || g FROM generate_series(1, 4) g; "
                               "INSERT INTO agg.per_country VALUES ('AT'), ('FR')"],
                       check=True, capture_output=True, timeout=30)
        yield "postgresql://postgres:secret-pw@127.0.0.1:%d/sink" % port
    finally:
        subprocess.run(as_pg + [pg_bin + "/pg_ctl", "-D", data, "-m", "immediate", "stop"], capture_output=True,
                       timeout=60)
        shutil.rmtree(top, ignore_errors=True)


@pytest.fixture(scope="module")
def with_pg(tmp_path_factory, pg_url):
    cfg = ("[kafka]\nbootstrap_servers = 127.0.0.1:%d\n[postgres]\nurl = %s\n"
           "[control_center]\npostgres_tables = created_users, agg.per_country, nope;drop\n"
           % (closed_port(), pg_url))
    srv = start_server(tmp_path_factory, cfg)
    yield srv
    stop_server(srv)


def test_postgres_row_counts(with_pg):
    doc = with_pg.json("GET", "/api/v1/pipeline/tables")
    pg = doc["postgres"]
    assert pg["status"] == "up" and pg["error"] is None, pg
    by = {t["table"]: t for t in pg["tables"]}
    assert list(by) == ["created_users", "agg.per_country", "nope;drop"]
    assert by["created_users"] == {"table": "created_users", "rows": 4, "error": None}
    assert by["agg.per_country"]["rows"] == 2
    # each part of a name is quoted: a name is never SQL
    assert by["nope;drop"]["rows"] is None and 'relation "nope;drop" does not exist' in by["nope;drop"]["error"]
    assert with_pg.json("GET", "/api/v1/pipeline/health")["components"]["postgres"] == {
        "status": "up", "error": None, "configured": True}


def test_postgres_down_names_the_url_without_password(tmp_path_factory):
    port = closed_port()
    srv = start_server(tmp_path_factory, "[postgres]\nurl = postgresql://u:hunter2@127.0.0.1:%d/x\n"
                                         "[kafka]\nbootstrap_servers = 127.0.0.1:%d\n" % (port, closed_port()))
    try:
        doc, took = timed(srv, "/api/v1/pipeline/tables")
        assert took < 5
        pg = doc["postgres"]
        assert pg["status"] == "down"
        assert pg["error"].startswith("postgres at postgresql://u:***@127.0.0.1:%d/x: " % port), pg["error"]
        assert "hunter2" not in json.dumps(doc)
        assert "Connection refused" in pg["error"]
    finally:
        stop_server(srv)


def timed(srv, path, **kw):
    t0 = time.monotonic()
    doc = srv.json("GET", path, **kw)
    return doc, time.monotonic() - t0


def test_dead_kafka_is_down_within_seconds_then_cached(down):
    doc, took = timed(down, "/api/v1/kafka/topics")
    assert took < 5, took
    assert doc["status"] == "down" and doc["topics"] == []
    assert doc["error"].startswith("kafka at 127.0.0.1:%d: " % down.kafka_port), doc["error"]
    assert "Connection refused" in doc["error"], doc["error"]
    # the other Kafka views share the same reading: no second wait
    for path, key in (("/api/v1/kafka/consumerGroups", "groups"), ("/api/v1/kafka/cluster", "brokers")):
        doc2, took2 = timed(down, path)
        assert took2 < 1, (path, took2)
        assert doc2["status"] == "down" and doc2[key] == [] and doc2["error"] == doc["error"]
        assert doc2["sampled_at"] == doc["sampled_at"]


def test_dead_cassandra_is_down(down):
    doc, took = timed(down, "/api/v1/pipeline/tables")
    assert took < 5, took
    c = doc["cassandra"]
    assert c["status"] == "down"
    assert c["error"] == "cassandra at 127.0.0.1:%d: connect: Connection refused" % down.cassandra_port
    assert [t["table"] for t in c["tables"]] == ["spark_streams.created_users",
                                                  "spark_streams.created_users_dead_letter"]
    assert all(t["rows"] is None for t in c["tables"])
    assert doc["postgres"]["status"] == "not_configured"


def test_schema_registry_over_http(down):
    doc = down.json("GET", "/api/v1/schemas", user="viewer1")
    assert doc["status"] == "up", doc
    assert doc["compatibility"] == "BACKWARD"
    (s,) = doc["subjects"]
    assert s["subject"] == "users_created-value" and s["versions"] == [1, 2]
    assert s["latest_version"] == 2 and s["latest_id"] == 12
    # no subject-level config (404): the global level, inherited
    assert s["compatibility"] == "BACKWARD" and s["compatibility_inherited"] is True


def test_spark_master_over_http(down):
    doc = down.json("GET", "/api/v1/spark", user="viewer1")
    assert doc["status"] == "up", doc
    assert doc["url"] == "spark://127.0.0.1:7077" and doc["alive_workers"] == 1
    assert doc["workers"][0]["id"] == "worker-a" and doc["workers"][0]["cores_used"] == 2
    assert doc["active_apps"][0]["name"] == "spark_stream"


def test_health_reads_all_at_once(down):
    doc, took = timed(down, "/api/v1/pipeline/health", user="viewer1")
    assert took < 6, took
    comp = doc["components"]
    assert comp["kafka"]["status"] == "down" and "Connection refused" in comp["kafka"]["error"]
    assert comp["cassandra"]["status"] == "down"
    assert comp["schema_registry"] == {"status": "up", "error": None, "configured": True}
    assert comp["spark"] == {"status": "up", "error": None, "configured": True}
    assert comp["kafka"]["configured"] is True and comp["cassandra"]["configured"] is True
    assert comp["postgres"]["status"] == "not_configured"


def test_unset_components_say_not_configured(unset):
    doc = unset.json("GET", "/api/v1/schemas")
    assert doc == {"status": "not_configured", "error": "[registry] url (AIRC__REGISTRY__URL) is not set"}
    doc = unset.json("GET", "/api/v1/spark")
    assert doc == {"status": "not_configured", "error": "[spark] ui (AIRC__SPARK__UI) is not set"}
    health = unset.json("GET", "/api/v1/pipeline/health")["components"]
    assert health["schema_registry"]["status"] == "not_configured"
    assert health["postgres"] == {"status": "not_configured", "error": "[postgres] url (AIRC__POSTGRES__URL) is not set",
                                  "configured": False}
    # Cassandra on the task types' default address: read, but not set here
    assert health["cassandra"]["configured"] is False and health["kafka"]["configured"] is True


def test_kafka_timeout_setting_bounds_the_wait(unset):
    # cache_seconds = 0: every request reads again, each within kafka_timeout_ms (800)
    for _ in range(2):
        doc, took = timed(unset, "/api/v1/kafka/topics")
        assert doc["status"] == "down"
        assert took < 2.5, took


def test_roles(down):
    for path in ("/api/v1/kafka/topics", "/api/v1/kafka/consumerGroups", "/api/v1/kafka/cluster", "/api/v1/schemas",
                 "/api/v1/spark", "/api/v1/pipeline/tables", "/api/v1/pipeline/health"):
        status, _, _ = down.request("GET", path, user=None)
        assert status == 401, path
        assert down.request("GET", path, user="viewer1")[0] == 200, path


def test_openapi_lists_the_routes(down):
    paths = down.json("GET", "/api/v1/openapi.json", user=None)["paths"]
    for p in ("/kafka/topics", "/kafka/consumerGroups", "/kafka/cluster", "/schemas", "/spark",
              "/pipeline/tables", "/pipeline/health"):
        assert paths[p]["get"]["x-airc-role"] == "viewer", p


def test_metrics_with_kafka_down_pass_promtool(down):
    status, _, body = down.request("GET", "/metrics")
    assert status == 200
    text = body.decode()
    assert "\nairc_kafka_up 0\n" in text
    assert "# TYPE airc_kafka_consumer_group_lag gauge" in text
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: run make deps"
    r = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True, timeout=30)
    assert r.returncode == 0, r.stdout.decode() + r.stderr.decode()


def test_spark_and_registry_down(tmp_path_factory, fakes):
    """A Spark UI answering 404 and a registry at a closed port: down, each
    with one line naming where; within the HTTP timeout."""
    rport = closed_port()
    srv = start_server(tmp_path_factory, "[spark]\nui = %s/nothing/\n[registry]\nurl = http://127.0.0.1:%d/apis/ccompat/v7\n"
                                         "[kafka]\nbootstrap_servers = 127.0.0.1:%d\n" % (fakes, rport, closed_port()))
    try:
        doc, took = timed(srv, "/api/v1/spark")
        assert took < 5
        assert doc["status"] == "down" and doc["workers"] == []
        assert doc["error"] == "spark master at %s/nothing: GET /json/: HTTP 404" % fakes
        doc, took = timed(srv, "/api/v1/schemas")
        assert took < 5
        assert doc["status"] == "down" and doc["subjects"] == []
        assert doc["error"].startswith("schema registry at http://127.0.0.1:%d/apis/ccompat/v7: " % rport), doc["error"]
        assert "Connection refused" in doc["error"] or "Couldn't connect" in doc["error"], doc["error"]
    finally:
        stop_server(srv)
