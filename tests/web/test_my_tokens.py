"""Self-service personal tokens (/api/v1/auth/tokens), behind the dashboard's
token page: any user lists, creates (shown once) and revokes their OWN
tokens; a token acts with its owner's role; admins still see everyone's
through /users/{username}/tokens."""
import json

from conftest import q


def test_a_viewer_manages_their_own_tokens(server):
    made = server.json("POST", "/api/v1/auth/tokens", {"name": "laptop", "expires_days": 30}, expect=201,
                       user="viewer1")
    assert made["username"] == "viewer1" and made["name"] == "laptop" and made["token"].startswith("airc_")
    lst = server.json("GET", "/api/v1/auth/tokens", user="viewer1")
    assert [t["name"] for t in lst["tokens"]] == ["laptop"]
    assert "token" not in lst["tokens"][0] and lst["tokens"][0]["expires"]
    # the token acts as its owner, a viewer: reads yes, writes no
    bearer = {"Authorization": "Bearer " + made["token"]}
    status, _, _ = server.request("GET", "/api/v1/dags", user=None, headers=bearer)
    assert status == 200
    status, _, body = server.request("PATCH", "/api/v1/dags/hello", {"is_paused": True}, user=None, headers=bearer)
    assert status == 403 and "has role viewer" in json.loads(body)["detail"]
    # an admin sees it through the admin route; another user does not
    assert [t["name"] for t in server.json("GET", "/api/v1/users/viewer1/tokens")["tokens"]] == ["laptop"]
    assert server.json("GET", "/api/v1/auth/tokens", user="op1")["tokens"] == []
    # the same name twice is refused with a reason
    status, _, body = server.request("POST", "/api/v1/auth/tokens", {"name": "laptop"}, user="viewer1")
    assert status == 409 and "laptop" in json.loads(body)["detail"]
    # another user cannot revoke it through the self-service route (it is not theirs)
    status, _, body = server.request("DELETE", "/api/v1/auth/tokens/laptop", user="op1")
    assert status == 404
    out = server.json("DELETE", "/api/v1/auth/tokens/" + q("laptop"), user="viewer1")
    assert out == {"username": "viewer1", "name": "laptop", "revoked": True}
    status, _, body = server.request("GET", "/api/v1/dags", user=None, headers=bearer)
    assert status == 401
    events = [e["event"] for e in server.json("GET", "/api/v1/eventLogs?owner=viewer1")["event_logs"]]
    assert "token_create" in events and "token_revoke" in events


def test_bad_bodies_are_refused_with_a_reason(server):
    status, _, body = server.request("POST", "/api/v1/auth/tokens", {"expires_days": 3}, user="viewer1")
    assert status == 400 and "\"name\"" in json.loads(body)["detail"]
    status, _, body = server.request("POST", "/api/v1/auth/tokens", {"name": "bad name!"}, user="viewer1")
    assert status == 400
    status, _, body = server.request("GET", "/api/v1/auth/tokens", user=None, headers={"Sec-Fetch-Mode": "cors"})
    assert status == 401
