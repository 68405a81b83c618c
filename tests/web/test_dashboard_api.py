"""The dashboard's own routes: the calendar (runs per day and state) and the
DAG source with its version hash (airc extensions)."""
import json
import os

RUNS = "/api/v1/dags/%s/dagRuns"


def trigger(server, dag, run_id, date, state=None):
    server.json("POST", RUNS % dag, body={"dag_run_id": run_id, "logical_date": date}, expect=201)
    if state:
        server.json("PATCH", RUNS % dag + "/" + run_id, body={"state": state})


def test_calendar_counts_per_day_and_worst_state(server):
    trigger(server, "page_4", "a", "2025-03-01T01:00:00Z", "success")
    trigger(server, "page_4", "b", "2025-03-01T23:59:59Z", "failed")
    trigger(server, "page_4", "c", "2025-03-01T12:00:00Z", "success")
    trigger(server, "page_4", "d", "2025-03-02T00:00:00Z", "success")
    trigger(server, "page_4", "e", "2025-03-02T06:00:00Z")  # queued beats success
    trigger(server, "page_4", "f", "2025-12-31T23:59:59Z", "success")
    trigger(server, "page_4", "g", "2026-01-01T00:00:00Z", "failed")  # next year
    trigger(server, "page_4", "h", "2024-12-31T23:00:00Z", "failed")  # last year
    doc = server.json("GET", "/api/v1/dags/page_4/calendar?year=2025", user="viewer1")
    assert doc["dag_id"] == "page_4" and doc["year"] == 2025 and doc["total_runs"] == 6
    assert doc["days"] == [
        {"date": "2025-03-01", "state": "failed", "counts": {"failed": 1, "success": 2}, "total": 3},
        {"date": "2025-03-02", "state": "queued", "counts": {"queued": 1, "success": 1}, "total": 2},
        {"date": "2025-12-31", "state": "success", "counts": {"success": 1}, "total": 1},
    ]
    doc = server.json("GET", "/api/v1/dags/page_4/calendar?year=2026")
    assert doc["days"] == [{"date": "2026-01-01", "state": "failed", "counts": {"failed": 1}, "total": 1}]
    assert server.json("GET", "/api/v1/dags/page_4/calendar?year=2020")["days"] == []
    assert server.json("GET", "/api/v1/dags/page_5/calendar")["year"] >= 2025  # default: this year


def test_calendar_errors(server):
    status, _, body = server.request("GET", "/api/v1/dags/page_4/calendar?year=1969")
    assert status == 400 and "year" in json.loads(body)["detail"]
    status, _, body = server.request("GET", "/api/v1/dags/page_4/calendar?year=twenty")
    assert status == 400 and "year" in json.loads(body)["detail"]
    status, _, body = server.request("GET", "/api/v1/dags/nope/calendar?year=2025")
    assert status == 404 and json.loads(body)["detail"] == "DAG 'nope' not found"
    assert server.request("GET", "/api/v1/dags/page_4/calendar", user=None)[0] == 401


def test_source_text_and_hash(server):
    doc = server.json("GET", "/api/v1/dags/hello/source", user="viewer1")
    path = os.path.join(server.home, "dags", "hello.ini")
    assert doc["content"] == open(path).read() and doc["truncated"] is False
    assert doc["fileloc"].endswith("hello.ini") and doc["size"] == os.path.getsize(path)
    details = server.json("GET", "/api/v1/dags/hello/details")
    assert doc["dag_hash"] and doc["dag_hash"] == details["dag_hash"]
    status, _, body = server.request("GET", "/api/v1/dags/nope/source")
    assert status == 404 and json.loads(body)["detail"] == "DAG 'nope' not found"


def test_source_capped_at_one_mib(server):
    path = os.path.join(server.home, "dags", "page_5.ini")
    text = open(path).read()
    with open(path, "a") as f:  # the store keeps the parsed version; the file grows past the cap
        f.write("# " + "é" * (600 * 1024) + "\n")
    doc = server.json("GET", "/api/v1/dags/page_5/source")
    assert doc["truncated"] is True and doc["size"] > 1024 * 1024
    assert doc["content"].startswith(text) and len(doc["content"].encode()) <= 1024 * 1024
    assert len(doc["content"].encode()) >= 1024 * 1024 - 1  # cut only at a UTF-8 boundary


def test_source_of_a_gone_file_is_404(server):
    os.remove(os.path.join(server.home, "dags", "page_6.ini"))
    status, _, body = server.request("GET", "/api/v1/dags/page_6/source")
    detail = json.loads(body)["detail"]
    assert status == 404 and detail.startswith("DAG 'page_6': file ") and detail.endswith("page_6.ini is gone (No such file or directory)")


def test_source_not_utf8_is_422(server):
    with open(os.path.join(server.home, "dags", "failing.ini"), "ab") as f:
        f.write(b"# \xff\xfe\n")
    status, _, body = server.request("GET", "/api/v1/dags/failing/source")
    assert status == 422 and json.loads(body)["detail"].endswith("failing.ini is not UTF-8 text")


def test_routes_in_the_openapi_document(server):
    paths = server.json("GET", "/api/v1/openapi.json", user=None)["paths"]
    for p in ["/dags/{dag_id}/calendar", "/dags/{dag_id}/source"]:
        assert paths[p]["get"]["x-airc-role"] == "viewer", p
