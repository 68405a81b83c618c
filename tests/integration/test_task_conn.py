"""`conn = NAME` on the pipeline task types (publish-kafka: SASL/TLS;
validate-cassandra: auth): the connection's fields reach the task (shown by
where it connects, with the password masked in its log), and a wrong name
fails the task with one clear line, before anything starts."""
import json
import os

import pytest

from conftest import Home

RECORD = {"id": "6f1c2d3e-0000-4000-8000-000000000001", "first_name": "a", "last_name": "b", "gender": "x",
          "address": "a", "post_code": "1", "email": "e", "username": "u", "dob": "d",
          "registered_date": "r", "phone": "p", "picture": "p"}


@pytest.fixture
def home(tmp_path):
    h = Home(tmp_path)
    yield h
    assert not h.stop()


def write(home):
    path = os.path.join(home.path, "in.jsonl")
    with open(path, "w") as f:
        f.write(json.dumps(RECORD) + "\n")
    home.write_dag("c.ini", f"""[dag]
id = c

[task cass]
type = validate-cassandra
conn = cass_prod
input = {path}
timeout = 3s

[task kafka]
type = publish-kafka
conn = kafka_prod
input = {path}
timeout = 4s
create_topic = false

[task wrong]
type = validate-cassandra
conn = cass_typo
input = {path}
""")
    home.reserialize()
    assert home.import_errors() == {}


def test_conn_fields_reach_the_tasks_and_a_wrong_name_is_one_line(home):
    write(home)
    home.run("connections", "add", "cass_prod", "--conn-uri", "cassandra://cu:cass-pw-secret@127.0.0.1:1/ks_from_conn",
             check=True)
    # an environment connection works the same
    home.env["AIRC_CONN_KAFKA_PROD"] = "kafka://ku:kafka-pw-secret@127.0.0.1:2?sasl_mechanism=SCRAM-SHA-256"
    run_id = home.trigger("c")
    home.start_scheduler()
    assert home.wait_run("c", run_id, timeout=60) == "failed"
    tis = home.tis("c", run_id)
    assert all(t["state"] == "failed" for t in tis.values()), tis
    # the wrong name: the task never started, its note says why
    assert tis["wrong"]["note"] == ("conn: connection 'cass_typo' not found (airc connections add cass_typo "
                                    "--conn-uri URI, or set AIRC_CONN_CASS_TYPO)")
    cass = home.run("tasks", "logs", "c", run_id, "cass", check=True).stdout
    assert "checking ks_from_conn.created_users at 127.0.0.1:1" in cass
    kafka = home.run("tasks", "logs", "c", run_id, "kafka", check=True).stdout
    assert "sasl_plaintext://127.0.0.1:2/bootstrap" in kafka  # login -> SASL; host:port -> brokers
    assert "cass-pw-secret" not in cass and "kafka-pw-secret" not in kafka


def test_tasks_test_says_the_same(home):
    write(home)
    r = home.run("tasks", "test", "c", "wrong")
    assert r.returncode != 0
    assert r.stderr.strip().endswith("task 'wrong': conn: connection 'cass_typo' not found (airc connections add "
                                     "cass_typo --conn-uri URI, or set AIRC_CONN_CASS_TYPO)")
