"""Runs and task instances with a real scheduler: trigger, watch it
succeed, logs (full and followed by offset), clear, mark, grid."""
import json
import re
import time

from conftest import XSS_TASK, q, wait_for

RUNS = "/api/v1/dags/%s/dagRuns"


def run_state(server, dag, run):
    return server.json("GET", (RUNS % dag) + "/" + q(run))["state"]


def test_trigger_errors(server):
    assert server.request("POST", RUNS % "nope", body={})[0] == 404
    server.json("POST", RUNS % "page_2", body={"dag_run_id": "dup"}, expect=201)
    status, _, body = server.request("POST", RUNS % "page_2", body={"dag_run_id": "dup"})
    assert status == 409 and "dup" in json.loads(body)["detail"]
    for bad in [{"conf": [1]}, {"conf": "x"}, {"logical_date": "yesterday"}, {"dag_run_id": 5},
                {"dag_run_id": "has space"}, {"surprise": 1}]:
        status, _, body = server.request("POST", RUNS % "page_2", body=bad)
        assert status == 400, (bad, status, body)
    status, _, body = server.request("POST", RUNS % "page_2", raw_body=b'{"conf": {',
                                     headers={"Content-Type": "application/json"})
    assert status == 400 and "malformed JSON" in json.loads(body)["detail"]
    status, _, body = server.request("POST", RUNS % "page_2", raw_body=b'{}', headers={"Content-Type": "text/plain"})
    assert status == 415 and json.loads(body)["detail"] == \
        "POST requests to the API must be sent with 'Content-Type: application/json'"


def test_trigger_refuses_shell_and_oversized_run_ids(server):
    """Run ids reach task commands and log folder names: only Airflow's run
    id characters, at most 200 of them; the reply names the bad character."""
    for bad, detail in [("r$(id>x)", "run id has '$' at position 2"), ("a`b`", "run id has '`' at position 2"),
                        ("x;y", "run id has ';' at position 2"), ("a\nb", "run id has byte 0x0a at position 2"),
                        ("q'", "run id has ''' at position 2"), ("a/b", "run id has '/' at position 2"),
                        ("r" * 201, "run id is 201 bytes long"), ("", "run id is empty")]:
        status, _, body = server.request("POST", RUNS % "page_2", body={"dag_run_id": bad})
        assert status == 400, (bad, status, body)
        doc = json.loads(body)
        assert doc["detail"].startswith(detail), (bad, doc)
        assert "allowed: 1-200 of A-Z a-z 0-9 _ . : + ~ -" in doc["detail"]
    ok = "Ok_1.2:3+4~5-" + "x" * 187
    server.json("POST", RUNS % "page_2", body={"dag_run_id": ok}, expect=201)
    status, _, body = server.request("POST", "/api/v1/dags/page_2/clearTaskInstances",
                                     body={"dag_run_id": "r$(id)", "dry_run": False})
    assert status == 400 and json.loads(body)["detail"].startswith("run id has '$' at position 2"), (status, body)


def test_trigger_refuses_oversized_conf(server):
    status, _, body = server.request("POST", RUNS % "page_2", body={"conf": {"v": "x" * (64 * 1024)}})
    assert status == 400, (status, body)
    assert json.loads(body)["detail"] == "conf is 65544 bytes as JSON, above the limit of 65536 bytes (64 KiB)"
    run = server.json("POST", RUNS % "page_2", body={"dag_run_id": "conf_at_limit",
                                                      "conf": {"v": "x" * (64 * 1024 - 10)}}, expect=201)
    assert run["dag_run_id"] == "conf_at_limit"


def test_runs_pagination_order_filter(server):
    for i in range(5):
        server.json("POST", RUNS % "page_3",
                    body={"dag_run_id": "r%d" % i, "logical_date": "2026-02-0%dT00:00:00Z" % (i + 1),
                          "conf": {"i": i}}, expect=201)
    doc = server.json("GET", RUNS % "page_3" + "?limit=2")
    assert doc["total_entries"] == 5 and [r["dag_run_id"] for r in doc["dag_runs"]] == ["r4", "r3"]
    doc = server.json("GET", RUNS % "page_3" + "?limit=2&offset=4")
    assert [r["dag_run_id"] for r in doc["dag_runs"]] == ["r0"] and doc["total_entries"] == 5  # told by the page
    doc = server.json("GET", RUNS % "page_3" + "?limit=2&offset=10")  # past the end: counted
    assert doc["dag_runs"] == [] and doc["total_entries"] == 5
    doc = server.json("GET", RUNS % "page_3" + "?limit=5")  # a full page: counted
    assert len(doc["dag_runs"]) == 5 and doc["total_entries"] == 5
    status, _, body = server.request("GET", RUNS % "no_such_dag")  # no run: the DAG is looked up
    assert status == 404 and json.loads(body)["detail"] == "DAG 'no_such_dag' not found"
    doc = server.json("GET", RUNS % "page_3" + "?order_by=logical_date&limit=1")
    r = doc["dag_runs"][0]
    assert r["dag_run_id"] == "r0" and r["logical_date"] == "2026-02-01T00:00:00+00:00" and r["conf"] == {"i": 0}
    for k in ["dag_run_id", "dag_id", "logical_date", "data_interval_start", "data_interval_end", "start_date",
              "end_date", "state", "run_type", "conf"]:
        assert k in r
    assert r["run_type"] == "manual"
    doc = server.json("GET", RUNS % "page_3" + "?state=queued")
    assert doc["total_entries"] == 5
    doc = server.json("GET", RUNS % "page_3" + "?state=success")
    assert doc["total_entries"] == 0 and doc["dag_runs"] == []
    assert server.request("GET", RUNS % "page_3" + "?order_by=bogus")[0] == 400
    assert server.request("GET", RUNS % "page_3" + "?limit=-5")[0] == 400
    one = server.json("GET", RUNS % "page_3" + "/r2")
    assert one["conf"] == {"i": 2}


def test_trigger_run_to_success_and_logs(server, scheduler):
    server.json("PATCH", "/api/v1/dags/hello", body={"is_paused": False})
    assert server.json("GET", "/api/v1/dags/hello")["is_paused"] is False
    run = server.json("POST", RUNS % "hello", body={"dag_run_id": "web_run_1", "conf": {"k": "v"}}, expect=201)
    assert run["state"] == "queued"
    wait_for(lambda: run_state(server, "hello", "web_run_1") == "success", timeout=60)
    tis = server.json("GET", RUNS % "hello" + "/web_run_1/taskInstances")
    assert tis["total_entries"] == 3
    by = {t["task_id"]: t for t in tis["task_instances"]}
    assert all(t["state"] == "success" for t in by.values())
    a = by["a"]
    assert a["try_number"] == 1 and a["start_date"] and a["end_date"] and a["duration"] is not None
    assert a["xcom_value"] == '"xcom-a"'
    page = server.json("GET", RUNS % "hello" + "/web_run_1/taskInstances?limit=1&offset=1")
    assert [t["task_id"] for t in page["task_instances"]] == ["b"] and page["total_entries"] == 3
    one = server.json("GET", RUNS % "hello" + "/web_run_1/taskInstances/a")
    assert one["tries"] and one["tries"][0]["try_number"] == 1 and one["tries"][0]["state"] == "success"
    assert server.request("GET", RUNS % "hello" + "/web_run_1/taskInstances/zz")[0] == 404
    # logs
    status, hdrs, body = server.request("GET", RUNS % "hello" + "/web_run_1/taskInstances/a/logs/1?full_content=true")
    assert status == 200 and hdrs["content-type"].startswith("text/plain")
    assert b"hello-from-a" in body
    assert hdrs["x-airc-log-complete"] == "true" and int(hdrs["x-airc-log-offset"]) == len(body)
    status, hdrs, rest = server.request("GET", RUNS % "hello" + "/web_run_1/taskInstances/a/logs/1?offset=3")
    assert rest == body[3:]
    assert server.request("GET", RUNS % "hello" + "/web_run_1/taskInstances/a/logs/2")[0] == 404
    assert server.request("GET", RUNS % "hello" + "/web_run_1/taskInstances/a/logs/x")[0] == 400
    assert server.request("GET", RUNS % "hello" + "/web_run_1/taskInstances/a/logs/1?offset=no")[0] == 400
    # dags list shows the recent run
    d = [d for d in server.json("GET", "/api/v1/dags?tags=web")["dags"] if d["dag_id"] == "hello"][0]
    assert {"run_id": "web_run_1", "state": "success"}.items() <= d["recent_runs"][0].items()
    # grid
    grid = server.json("GET", "/api/v1/dags/hello/grid?limit=25")
    assert [r["dag_run_id"] for r in grid["dag_runs"]][-1] == "web_run_1"
    rows = {t["task_id"]: t["states"] for t in grid["tasks"]}
    assert list(rows) == ["a", "b", "c"] and rows["a"][-1] == "success"
    assert server.request("GET", "/api/v1/dags/hello/grid?limit=0")[0] == 400
    # metrics now count it
    text = server.request("GET", "/metrics")[2].decode()
    assert 'airc_dag_runs{state="success"}' in text and 'airc_task_duration_seconds_count{dag_id="hello"}' in text


def test_follow_log_with_offset(server, scheduler):
    server.json("PATCH", "/api/v1/dags/slow", body={"is_paused": False})
    server.json("POST", RUNS % "slow", body={"dag_run_id": "tail"}, expect=201)
    path = RUNS % "slow" + "/tail/taskInstances/tick/logs/1"
    wait_for(lambda: server.json("GET", RUNS % "slow" + "/tail/taskInstances/tick")["try_number"] >= 1, timeout=30)
    offset, text, seen_incomplete, polls = 0, b"", False, 0
    deadline = time.time() + 60
    while time.time() < deadline:
        status, hdrs, body = server.request("GET", path + "?offset=%d" % offset)
        assert status == 200
        assert int(hdrs["x-airc-log-offset"]) == offset + len(body)
        offset += len(body)
        text += body
        polls += 1
        if hdrs["x-airc-log-complete"] == "true":
            break
        seen_incomplete = True
        time.sleep(0.2)
    else:
        raise AssertionError("log never completed")
    assert seen_incomplete and polls > 2
    for i in range(1, 7):
        assert b"tick-%d" % i in text
    assert text.count(b"tick-1\n") == 1  # each byte once


def test_clear_and_mark(server, scheduler):
    server.json("PATCH", "/api/v1/dags/failing", body={"is_paused": False})
    server.json("POST", RUNS % "failing", body={"dag_run_id": "f1"}, expect=201)
    wait_for(lambda: run_state(server, "failing", "f1") == "failed", timeout=60)
    status, hdrs, body = server.request("GET", RUNS % "failing" + "/f1/taskInstances/boom/logs/1")
    assert b"about-to-fail" in body
    clear = "/api/v1/dags/failing/clearTaskInstances"
    # dry run: reports, changes nothing
    doc = server.json("POST", clear, body={"dag_run_id": "f1", "task_ids": ["boom"], "include_downstream": True,
                                           "dry_run": True})
    assert {t["task_id"] for t in doc["task_instances"]} == {"boom", "after"} and doc["dry_run"] is True
    assert server.json("GET", RUNS % "failing" + "/f1/taskInstances/boom")["state"] == "failed"
    # bad bodies
    assert server.request("POST", clear, body={"task_ids": ["boom"]})[0] == 400
    assert server.request("POST", clear, body={"dag_run_id": "f1", "task_ids": "boom"})[0] == 400
    assert server.request("POST", clear, body={"dag_run_id": "f1", "dry_run": "yes"})[0] == 400
    assert server.request("POST", clear, body={"dag_run_id": "nope"})[0] == 404
    assert server.request("POST", clear, body={"dag_run_id": "f1", "task_regex": "("})[0] == 400
    # mark boom success (its downstream stays upstream_failed, as in Airflow)
    ti = server.json("PATCH", RUNS % "failing" + "/f1/taskInstances/boom", body={"new_state": "success"})
    assert ti["state"] == "success" and ti["note"]
    assert server.request("PATCH", RUNS % "failing" + "/f1/taskInstances/boom", body={"new_state": "bogus"})[0] == 400
    assert server.request("PATCH", RUNS % "failing" + "/f1/taskInstances/nope", body={"new_state": "failed"})[0] == 404
    # clearing only the failed ones re-runs `after`, and the run succeeds
    doc = server.json("POST", clear, body={"dag_run_id": "f1", "only_failed": True})
    assert [t["task_id"] for t in doc["task_instances"]] == ["after"]
    wait_for(lambda: run_state(server, "failing", "f1") == "success", timeout=60)
    # real clear: boom runs again and fails
    doc = server.json("POST", clear, body={"dag_run_id": "f1", "task_regex": "^boom$", "include_downstream": True})
    assert sorted(t["task_id"] for t in doc["task_instances"]) == ["after", "boom"]
    wait_for(lambda: run_state(server, "failing", "f1") == "failed", timeout=60)
    one = server.json("GET", RUNS % "failing" + "/f1/taskInstances/boom")
    assert one["try_number"] == 2 and len(one["tries"]) >= 2


def test_xss_task_instances(server, scheduler):
    server.json("PATCH", "/api/v1/dags/xss_probe", body={"is_paused": False})
    server.json("POST", RUNS % "xss_probe", body={"dag_run_id": "x1"}, expect=201)
    wait_for(lambda: run_state(server, "xss_probe", "x1") in ("success", "failed"), timeout=60)
    ti = server.json("GET", RUNS % "xss_probe" + "/x1/taskInstances/" + q(XSS_TASK))
    assert ti["task_id"] == XSS_TASK
    status, hdrs, body = server.request("GET", RUNS % "xss_probe" + "/x1/taskInstances/" + q(XSS_TASK) + "/logs/1")
    assert status == 200 and hdrs["content-type"].startswith("text/plain") and hdrs["x-content-type-options"] == "nosniff"
    assert b"<script>alert(1)</script>" in body
    grid = server.json("GET", "/api/v1/dags/xss_probe/grid")
    assert grid["tasks"][0]["task_id"] == XSS_TASK


def test_health_with_scheduler(server, scheduler):
    doc = wait_for(lambda: (lambda d: d if d["scheduler"]["status"] == "healthy" else None)(
        server.json("GET", "/api/v1/health", user=None)), timeout=30)
    assert doc["scheduler"]["latest_scheduler_heartbeat"]


def test_run_json_text(server):
    """The run list's and one run's text as jansson printed it before they
    were written by webui/json_out.c: compact, UTF-8 raw, control
    characters as upper-case \\u00XX, conf kept as given."""
    conf = {"z": 1, "a": [True, False, None, -7, "é😀\"\\\n\x01/"], "k\x1f": {}}
    server.json("POST", RUNS % "page_3", body={"dag_run_id": "ka_1", "logical_date": "2026-03-01T00:00:00Z",
                                               "conf": conf}, expect=201)
    bodies = [server.request("GET", RUNS % "page_3" + "?limit=1&order_by=-logical_date")[2],
              server.request("GET", RUNS % "page_3" + "/" + q("ka_1"))[2]]
    one = json.loads(bodies[1])
    assert one["conf"] == conf and one["external_trigger"] is True and one["dag_run_id"] == "ka_1"
    assert '"é😀\\"\\\\\\n\\u0001/"'.encode() in bodies[1] and b'"conf":{"z":1,' in bodies[1]
    assert b'\\u001F' in bodies[1] and b", " not in bodies[1] and b'": ' not in bodies[1]
    assert json.loads(bodies[0])["dag_runs"][0] == one
    assert re.fullmatch(rb'\{"dag_runs":\[.*\],"total_entries":[0-9]+\}', bodies[0])
