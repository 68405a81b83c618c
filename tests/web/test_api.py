"""Read endpoints, pagination, filters, errors, XSS probe, metrics, openapi."""
import json
import os

from conftest import ROOT, XSS, XSS_TASK, q, run_cli


def test_health_is_public(server):
    doc = server.json("GET", "/api/v1/health", user=None)
    assert doc["metadatabase"]["status"] == "healthy"
    assert doc["scheduler"]["status"] in ("healthy", "unhealthy")
    assert "latest_scheduler_heartbeat" in doc["scheduler"]


def test_openapi_served_equals_file_and_lists_routes(server):
    status, hdrs, body = server.request("GET", "/api/v1/openapi.json", user=None)
    assert status == 200 and hdrs["content-type"].startswith("application/json")
    with open(os.path.join(ROOT, "webui", "openapi.json"), "rb") as f:
        assert body == f.read(), "stale build: touch webui/openapi.c after editing openapi.json"
    doc = json.loads(body)
    assert doc["openapi"].startswith("3.")
    for path in ["/health", "/dags", "/dags/{dag_id}", "/dags/{dag_id}/details", "/dags/{dag_id}/tasks",
                 "/dags/{dag_id}/dagRuns", "/dags/{dag_id}/dagRuns/{dag_run_id}",
                 "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances",
                 "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}",
                 "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/logs/{try_number}",
                 "/dags/{dag_id}/clearTaskInstances", "/importErrors", "/dags/{dag_id}/grid",
                 "/auth/login", "/auth/logout", "/auth/me", "/users"]:
        assert path in doc["paths"], path


def test_dags_list_fields(server):
    doc = server.json("GET", "/api/v1/dags?limit=1000")
    by_id = {d["dag_id"]: d for d in doc["dags"]}
    assert doc["total_entries"] == len(doc["dags"])
    h = by_id["hello"]
    for k in ["dag_id", "description", "is_paused", "is_active", "schedule_interval", "tags", "next_dagrun",
              "fileloc", "recent_runs"]:
        assert k in h
    assert h["description"] == "say hello"
    assert h["schedule_interval"] == {"__type": "CronExpression", "value": "@daily"}  # Airflow's typed object
    assert {"name": "demo"} in h["tags"]
    assert h["fileloc"].endswith("hello.ini")


def test_dags_pagination(server):
    doc = server.json("GET", "/api/v1/dags?tags=paging&limit=3&offset=0")
    assert doc["total_entries"] == 7
    assert [d["dag_id"] for d in doc["dags"]] == ["page_0", "page_1", "page_2"]
    doc = server.json("GET", "/api/v1/dags?tags=paging&limit=3&offset=6")
    assert [d["dag_id"] for d in doc["dags"]] == ["page_6"]
    doc = server.json("GET", "/api/v1/dags?tags=paging&limit=3&offset=60")
    assert doc["dags"] == [] and doc["total_entries"] == 7


def test_dags_filters(server):
    doc = server.json("GET", "/api/v1/dags?tags=demo&tags=other")
    assert {d["dag_id"] for d in doc["dags"]} == {"hello", "slow", "failing"}
    doc = server.json("GET", "/api/v1/dags?dag_id_pattern=page_&limit=2")
    assert doc["total_entries"] == 7
    doc = server.json("GET", "/api/v1/dags?paused=false&tags=paging")
    assert doc["total_entries"] == 0


def test_bad_params_are_400(server):
    for qs in ["limit=abc", "limit=0", "limit=1001", "offset=-1", "offset=x", "paused=maybe", "limit="]:
        status, hdrs, body = server.request("GET", "/api/v1/dags?" + qs)
        assert status == 400, (qs, status)
        doc = json.loads(body)
        assert doc["status"] == 400 and doc["title"] == "Bad Request" and doc["detail"]
        assert hdrs["content-type"] == "application/problem+json"


def test_dag_get_details_tasks(server):
    d = server.json("GET", "/api/v1/dags/hello")
    assert d["dag_id"] == "hello"
    det = server.json("GET", "/api/v1/dags/hello/details")
    assert det["catchup"] in (True, False) and det["start_date"].startswith("2026-01-01")
    tasks = server.json("GET", "/api/v1/dags/hello/tasks")
    by = {t["task_id"]: t for t in tasks["tasks"]}
    assert tasks["total_entries"] == 3
    assert by["a"]["downstream_task_ids"] == ["b"] and by["b"]["upstream_task_ids"] == ["a"]
    assert by["b"]["trigger_rule"] == "all_success" and by["a"]["retries"] == 0 and by["a"]["type"] == "shell"
    one = server.json("GET", "/api/v1/dags/hello/tasks/c")
    assert one["upstream_task_ids"] == ["b"]


def test_404s(server):
    for path in ["/api/v1/dags/nope", "/api/v1/dags/nope/details", "/api/v1/dags/nope/tasks",
                 "/api/v1/dags/hello/tasks/nope", "/api/v1/dags/nope/dagRuns", "/api/v1/dags/hello/dagRuns/nope",
                 "/api/v1/dags/hello/dagRuns/nope/taskInstances", "/api/v1/dags/nope/grid", "/api/v1/nothing",
                 "/api/v2/dags", "/api/v1/dags/hello/extra/segments"]:
        status, hdrs, body = server.request("GET", path)
        assert status == 404, path
        doc = json.loads(body)
        assert doc["status"] == 404 and doc["title"] == "Not Found"


def test_405_with_allow(server):
    # (DELETE /dags/{dag_id} exists since the DAG deletion of issue 10)
    status, hdrs, body = server.request("PUT", "/api/v1/dags/hello")
    assert status == 405
    assert "GET" in hdrs["allow"] and "PATCH" in hdrs["allow"] and "DELETE" in hdrs["allow"]
    assert json.loads(body)["status"] == 405
    status, hdrs, _ = server.request("PUT", "/api/v1/dags")
    assert status == 405 and hdrs["allow"].startswith("GET")
    status, hdrs, _ = server.request("POST", "/index.html")
    assert status == 405 and "GET" in hdrs["allow"]


def test_xss_probe_is_escaped_json(server):
    status, hdrs, body = server.request("GET", "/api/v1/dags/xss_probe")
    assert status == 200
    assert hdrs["content-type"] == "application/json" and hdrs["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in hdrs["content-security-policy"] and hdrs["x-frame-options"] == "DENY"
    doc = json.loads(body)
    assert doc["description"] == XSS and doc["tags"] == [{"name": "<b>tag</b>"}]
    tasks = server.json("GET", "/api/v1/dags/xss_probe/tasks")
    assert {t["task_id"] for t in tasks["tasks"]} == {XSS_TASK, "<svg_onload=alert(1)>"}
    one = server.json("GET", "/api/v1/dags/xss_probe/tasks/" + q(XSS_TASK))
    assert one["downstream_task_ids"] == ["<svg_onload=alert(1)>"]
    # user-controlled text in an error detail stays inside a JSON string
    status, hdrs, body = server.request("GET", "/api/v1/dags/" + q('<script>"x\\') + "/details")
    assert status == 404 and hdrs["content-type"] == "application/problem+json"
    assert '<script>"x\\' in json.loads(body)["detail"]


def test_import_errors(server):
    doc = server.json("GET", "/api/v1/importErrors")
    assert doc["total_entries"] >= 1
    e = [e for e in doc["import_errors"] if e["filename"].endswith("broken.ini")][0]
    assert e["stack_trace"] and e["timestamp"]
    doc = server.json("GET", "/api/v1/importErrors?limit=1&offset=0")
    assert len(doc["import_errors"]) == 1
    assert server.request("GET", "/api/v1/importErrors?limit=x")[0] == 400


def test_metrics(server):
    status, hdrs, body = server.request("GET", "/metrics")
    assert status == 200 and hdrs["content-type"].startswith("text/plain; version=0.0.4")
    text = body.decode()
    for name in ["# TYPE airc_dag_runs gauge", "# TYPE airc_task_instances gauge",
                 "# TYPE airc_task_duration_seconds histogram", "airc_scheduler_up ", "airc_import_errors "]:
        assert name in text
    assert server.request("GET", "/metrics", user=None)[0] == 401


def test_metrics_pass_promtool(server):
    """Prometheus' own checker (promtool, installed by scripts/install-deps.sh)
    accepts the exposition: syntax, and its lint rules (names, units, HELP)."""
    import shutil
    import subprocess
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: run make deps"
    status, _, body = server.request("GET", "/metrics")
    assert status == 200
    r = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True, timeout=30)
    assert r.returncode == 0 and not r.stdout.strip() and not r.stderr.strip(), r.stdout + r.stderr


def test_head_is_get_without_body(server):
    status, hdrs, body = server.request("HEAD", "/api/v1/dags")
    assert status == 200 and body == b""


def test_response_cache_never_outlives_a_write(server):
    """Cached GET replies are keyed on the store's change counter: a write by
    another process (the CLI) or through the API shows in the very next GET,
    on every worker thread."""
    def paused_states():
        return {server.json("GET", "/api/v1/dags/page_3")["is_paused"] for _ in range(12)}
    assert paused_states() == {True}  # warms the caches
    assert run_cli(server.home, "dags", "unpause", "page_3").returncode == 0
    assert paused_states() == {False}
    server.json("PATCH", "/api/v1/dags/page_3", body={"is_paused": True})
    assert paused_states() == {True}
