"""/api/v1/connections and /api/v1/variables over the real store: Airflow's
shapes (list with limit/offset and total_entries, get, POST, PATCH,
DELETE), secrets masked as *** in every response (a connection's password,
a secret variable's value) while the store keeps them (the CLI reveals
them), viewers read, Op and Admin write, JSON errors with a reason, and an
audit row for each write."""
import json

from conftest import run_cli

CONN = {"connection_id": "pg_main", "conn_type": "postgres", "host": "db.example", "port": 5432,
        "login": "alice", "password": "s3cret-pw", "schema": "prod", "extra": '{"sslmode":"require"}',
        "description": "main database"}


def err(server, method, path, status, body=None, user="admin"):
    code, hdrs, out = server.request(method, path, body=body, user=user)
    assert code == status, (method, path, code, out[:300])
    doc = json.loads(out)
    assert doc["status"] == status and doc["detail"], doc
    return doc["detail"]


def events(server, name):
    rows = server.json("GET", "/api/v1/eventLogs?limit=100&event=" + name)["event_logs"]
    return [e for e in rows if e["event"] == name]


def test_connection_lifecycle_masks_password(server):
    c = server.json("POST", "/api/v1/connections", CONN, user="op1")
    assert c == dict(CONN, password="***")
    assert server.json("GET", "/api/v1/connections/pg_main", user="viewer1") == c
    lst = server.json("GET", "/api/v1/connections", user="viewer1")
    assert lst["total_entries"] >= 1 and c in lst["connections"]
    assert "s3cret-pw" not in json.dumps(lst)
    # the store keeps the real password: the CLI reveals it
    r = run_cli(server.home, "connections", "get", "pg_main", "--reveal", "--output", "json")
    assert r.returncode == 0 and "s3cret-pw" in r.stdout, r.stderr
    # PATCH changes the given fields only; update_mask limits them further
    p = server.json("PATCH", "/api/v1/connections/pg_main", {"host": "db2.example", "password": "new-pw"}, user="op1")
    assert p["host"] == "db2.example" and p["password"] == "***" and p["login"] == "alice"
    p = server.json("PATCH", "/api/v1/connections/pg_main?update_mask=port", {"port": 6432, "login": "bob"})
    assert p["port"] == 6432 and p["login"] == "alice"
    r = run_cli(server.home, "connections", "get", "pg_main", "--reveal", "--output", "json")
    assert "new-pw" in r.stdout
    assert events(server, "connection_create") and events(server, "connection_update")
    code, _, out = server.request("DELETE", "/api/v1/connections/pg_main", user="op1")
    assert code == 204 and out == b""
    assert events(server, "connection_delete")[0]["extra"]
    assert "not found" in err(server, "GET", "/api/v1/connections/pg_main", 404)


def test_connection_without_password_has_none(server):
    c = server.json("POST", "/api/v1/connections", {"connection_id": "http_x", "conn_type": "http"})
    assert "password" not in c and c["host"] is None and c["extra"] == "{}"
    server.request("DELETE", "/api/v1/connections/http_x")


def test_connection_errors(server):
    server.json("POST", "/api/v1/connections", {"connection_id": "dup", "conn_type": "http"})
    assert "already exists" in err(server, "POST", "/api/v1/connections", 409, {"connection_id": "dup", "conn_type": "http"})
    assert "conn_type" in err(server, "POST", "/api/v1/connections", 400, {"connection_id": "nc"})
    assert "not valid" in err(server, "POST", "/api/v1/connections", 400, {"connection_id": "bad name", "conn_type": "x"})
    assert "'port'" in err(server, "PATCH", "/api/v1/connections/dup", 400, {"port": "80"})
    assert "'extra'" in err(server, "PATCH", "/api/v1/connections/dup", 400, {"extra": "[1]"})
    assert "unknown field 'bogus'" in err(server, "PATCH", "/api/v1/connections/dup", 400, {"bogus": 1})
    assert "renamed" in err(server, "PATCH", "/api/v1/connections/dup", 400, {"connection_id": "other"})
    assert "not found" in err(server, "PATCH", "/api/v1/connections/nope", 404, {"host": "h"})
    assert "not found" in err(server, "DELETE", "/api/v1/connections/nope", 404)
    assert err(server, "POST", "/api/v1/connections", 403, {"connection_id": "v", "conn_type": "x"}, user="viewer1")
    assert err(server, "PATCH", "/api/v1/connections/dup", 403, {"host": "h"}, user="viewer1")
    assert err(server, "DELETE", "/api/v1/connections/dup", 403, user="viewer1")
    code, _, out = server.request("POST", "/api/v1/connections", raw_body=b"{not json")
    assert code == 400 and json.loads(out)["detail"]
    server.request("DELETE", "/api/v1/connections/dup")


def test_variable_lifecycle_masks_secret_values(server):
    v = server.json("POST", "/api/v1/variables", {"key": "plain_v", "value": "hello", "description": "d"}, user="op1")
    assert v == {"key": "plain_v", "value": "hello", "description": "d", "is_secret": False}
    s = server.json("POST", "/api/v1/variables", {"key": "api_token", "value": "tok-123", "is_secret": True}, user="op1")
    assert s == {"key": "api_token", "value": "***", "description": None, "is_secret": True}
    assert server.json("GET", "/api/v1/variables/api_token", user="viewer1")["value"] == "***"
    lst = server.json("GET", "/api/v1/variables", user="viewer1")
    assert {"key": "plain_v", "value": "hello", "description": "d", "is_secret": False} in lst["variables"]
    assert "tok-123" not in json.dumps(lst) and lst["total_entries"] >= 2
    r = run_cli(server.home, "variables", "get", "api_token")
    assert r.stdout.strip() == "tok-123", r.stderr
    # PATCH keeps the secret flag; the new value is masked too
    p = server.json("PATCH", "/api/v1/variables/api_token", {"key": "api_token", "value": "tok-456"}, user="op1")
    assert p["value"] == "***" and p["is_secret"] is True
    assert run_cli(server.home, "variables", "get", "api_token").stdout.strip() == "tok-456"
    p = server.json("PATCH", "/api/v1/variables/plain_v?update_mask=description", {"value": "ignored", "description": "e"})
    assert p["value"] == "hello" and p["description"] == "e"
    for name in ("variable_create", "variable_update"):
        assert events(server, name)
    code, _, out = server.request("DELETE", "/api/v1/variables/plain_v", user="op1")
    assert code == 204 and out == b""
    assert events(server, "variable_delete")
    assert "not found" in err(server, "GET", "/api/v1/variables/plain_v", 404)
    server.request("DELETE", "/api/v1/variables/api_token")


def test_variable_paging(server):
    for i in range(3):
        server.json("POST", "/api/v1/variables", {"key": "pg_%d" % i, "value": str(i)})
    all_ = server.json("GET", "/api/v1/variables?limit=100")
    page = server.json("GET", "/api/v1/variables?limit=2&offset=1")
    assert page["total_entries"] == all_["total_entries"] and page["variables"] == all_["variables"][1:3]
    assert err(server, "GET", "/api/v1/variables?limit=-1", 400)
    for i in range(3):
        server.request("DELETE", "/api/v1/variables/pg_%d" % i)


def test_variable_errors(server):
    server.json("POST", "/api/v1/variables", {"key": "dupv", "value": "1"})
    assert "already exists" in err(server, "POST", "/api/v1/variables", 409, {"key": "dupv", "value": "2"})
    assert server.json("GET", "/api/v1/variables/dupv")["value"] == "1"
    assert "value" in err(server, "POST", "/api/v1/variables", 400, {"key": "nv"})
    assert "'value' must be a string" in err(server, "POST", "/api/v1/variables", 400, {"key": "nv", "value": 3})
    assert "not valid" in err(server, "POST", "/api/v1/variables", 400, {"key": "a/b", "value": "x"})
    assert "'is_secret'" in err(server, "PATCH", "/api/v1/variables/dupv", 400, {"is_secret": "yes"})
    assert "renamed" in err(server, "PATCH", "/api/v1/variables/dupv", 400, {"key": "zzz", "value": "x"})
    assert "not found" in err(server, "PATCH", "/api/v1/variables/nope", 404, {"value": "x"})
    assert "not found" in err(server, "DELETE", "/api/v1/variables/nope", 404)
    assert err(server, "POST", "/api/v1/variables", 403, {"key": "v", "value": "x"}, user="viewer1")
    assert err(server, "PATCH", "/api/v1/variables/dupv", 403, {"value": "x"}, user="viewer1")
    assert err(server, "DELETE", "/api/v1/variables/dupv", 403, user="viewer1")
    server.request("DELETE", "/api/v1/variables/dupv")


def test_openapi_documents_the_routes_and_roles(server):
    paths = server.json("GET", "/api/v1/openapi.json", user=None)["paths"]
    for base, one in (("/connections", "/connections/{connection_id}"), ("/variables", "/variables/{variable_key}")):
        assert paths[base]["get"]["x-airc-role"] == "viewer" and paths[base]["post"]["x-airc-role"] == "op"
        assert paths[one]["get"]["x-airc-role"] == "viewer"
        assert paths[one]["patch"]["x-airc-role"] == "op" and paths[one]["delete"]["x-airc-role"] == "op"
