"""/api/v1/pools over the real store, in Airflow's shape: list with
limit/offset and total_entries (default_pool included), get, POST (409 if
it exists), PATCH with update_mask, DELETE (default_pool: 400), viewers
read, Op and Admin write, JSON errors with a reason, audit rows."""
import json

from conftest import run_cli

FIELDS = {"name", "slots", "occupied_slots", "running_slots", "queued_slots", "open_slots", "scheduled_slots",
          "deferred_slots", "description", "include_deferred"}


def err(server, method, path, status, body=None, user="admin"):
    code, _, out = server.request(method, path, body=body, user=user)
    assert code == status, (method, path, code, out[:300])
    doc = json.loads(out)
    assert doc["status"] == status and doc["detail"], doc
    return doc["detail"]


def test_pool_lifecycle(server):
    lst = server.json("GET", "/api/v1/pools", user="viewer1")
    assert "default_pool" in [p["name"] for p in lst["pools"]] and lst["total_entries"] == len(lst["pools"])
    dp = server.json("GET", "/api/v1/pools/default_pool", user="viewer1")
    assert set(dp) == FIELDS and dp["slots"] == 128 and dp["deferred_slots"] == 0
    p = server.json("POST", "/api/v1/pools", {"name": "api_pool", "slots": 4, "description": "four"}, user="op1")
    assert set(p) == FIELDS
    assert (p["name"], p["slots"], p["open_slots"], p["occupied_slots"], p["description"]) == ("api_pool", 4, 4, 0, "four")
    assert "already exists" in err(server, "POST", "/api/v1/pools", 409, {"name": "api_pool", "slots": 1})
    # PATCH: update_mask limits the fields
    p = server.json("PATCH", "/api/v1/pools/api_pool?update_mask=slots", {"slots": 7, "description": "ignored"}, user="op1")
    assert p["slots"] == 7 and p["description"] == "four"
    p = server.json("PATCH", "/api/v1/pools/api_pool", {"description": "seven"})
    assert p["slots"] == 7 and p["description"] == "seven"
    # the CLI sees the same store
    r = run_cli(server.home, "pools", "get", "api_pool", "--output", "json")
    assert r.returncode == 0 and json.loads(r.stdout)[0]["slots"] == 7, r.stderr
    # paging
    page = server.json("GET", "/api/v1/pools?limit=1&offset=1")
    assert len(page["pools"]) == 1 and page["total_entries"] >= 2
    # refusals
    assert "slots must be an integer" in err(server, "PATCH", "/api/v1/pools/api_pool", 400, {"slots": -2})
    assert "cannot be renamed" in err(server, "PATCH", "/api/v1/pools/api_pool", 400, {"name": "other"})
    assert "not found" in err(server, "PATCH", "/api/v1/pools/nope", 404, {"slots": 1})
    assert "needs \"name\"" in err(server, "POST", "/api/v1/pools", 400, {"slots": 1})
    assert "is not valid" in err(server, "POST", "/api/v1/pools", 400, {"name": "a b", "slots": 1})
    err(server, "POST", "/api/v1/pools", 403, {"name": "v_pool", "slots": 1}, user="viewer1")
    assert "cannot be deleted" in err(server, "DELETE", "/api/v1/pools/default_pool", 400)
    code, _, _ = server.request("DELETE", "/api/v1/pools/api_pool", user="op1")
    assert code == 204
    assert "not found" in err(server, "GET", "/api/v1/pools/api_pool", 404)
    ev = server.json("GET", "/api/v1/eventLogs?limit=100")["event_logs"]
    assert {"pool_create", "pool_update", "pool_delete"} <= {e["event"] for e in ev}


def test_notifications_are_listed_with_their_delivery_state(server):
    """GET /api/v1/notifications (an airc extension): the outbox, newest
    first; a dead endpoint shows as failed with its error."""
    import os
    dag = ("[dag]\nid = notify_api\nschedule = none\non_run_failure = http://127.0.0.1:1/dead\n"
           "[task boom]\ntype = shell\ncommand = exit 4\non_failure = http://127.0.0.1:1/dead\n")
    with open(os.path.join(server.home, "dags", "notify_api.ini"), "w") as f:
        f.write(dag)
    assert run_cli(server.home, "dags", "reserialize").returncode == 0
    r = run_cli(server.home, "dags", "test", "notify_api")  # writes the rows, delivers nothing
    assert r.returncode == 1, r.stdout + r.stderr
    doc = server.json("GET", "/api/v1/notifications?dag_id=notify_api", user="viewer1")
    rows = doc["notifications"]
    assert [(n["event"], n["task_id"], n["state"]) for n in rows] == [("on_run_failure", None, "pending"),
                                                                       ("on_failure", "boom", "pending")]
    assert rows[1]["try_number"] == 1 and rows[1]["target"] == "http://127.0.0.1:1/dead"
    # one attempt, then given up: shown as failed, with the error
    import subprocess
    from conftest import AIRC
    env = dict(os.environ, AIRC_HOME=server.home, AIRC__NOTIFICATIONS__MAX_ATTEMPTS="1")
    p = subprocess.run([AIRC, "notifications", "deliver", "--once"], env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "gave up after 1 attempts" in p.stderr, p.stderr
    rows = server.json("GET", "/api/v1/notifications?dag_id=notify_api&state=failed")["notifications"]
    assert len(rows) == 2 and all(n["attempts"] == 1 and "127.0.0.1" in n["last_error"] for n in rows), rows
    assert server.json("GET", "/api/v1/notifications?dag_id=notify_api&state=sent")["notifications"] == []
    assert "state must be" in err(server, "GET", "/api/v1/notifications?state=lost", 400)
