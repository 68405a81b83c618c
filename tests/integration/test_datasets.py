"""Datasets (data-aware scheduling): a task's `outlets` records a dataset
event when it succeeds; a DAG whose schedule lists dataset URIs runs
(run_type dataset_triggered) once all of them were updated since its last
run, as in Airflow. Parse errors name file:line."""
import json
import os

import pytest

from conftest import Home, db_rows, wait_for

PRODUCERS = """[dag]
id = produce_a

[task extract]
type = shell
command = echo extract
outlets = s3://lake/a.parquet
"""

PRODUCER_B = """[dag]
id = produce_b

[task load]
type = shell
command = {cmd}
outlets = s3://lake/b.parquet, postgres://wh/sales
"""

CONSUMER = """[dag]
id = consume
schedule = s3://lake/a.parquet, s3://lake/b.parquet

[task report]
type = shell
command = echo report
"""


@pytest.fixture
def home(tmp_path):
    h = Home(tmp_path)
    yield h
    assert not h.stop()


def count(home, sql):
    """A count from the store (PostgreSQL's psql answers text)."""
    return int(db_rows(home, sql)[0][0])


def runs_of(home, dag):
    return [r for r in home.runs(dag)]


def test_consumer_runs_when_all_datasets_updated(home):
    home.write_dag("a.ini", PRODUCERS)
    home.write_dag("b.ini", PRODUCER_B.format(cmd="echo load"))
    home.write_dag("c.ini", CONSUMER)
    home.reserialize()
    assert home.import_errors() == {}
    home.start_scheduler()
    r1 = home.trigger("produce_a")
    assert home.wait_run("produce_a", r1) == "success"
    # only one of its two datasets: no run yet
    wait_for(lambda: count(home, "SELECT count(*) FROM dataset_event") == 1, what="event of a")
    assert runs_of(home, "consume") == []
    r2 = home.trigger("produce_b")
    assert home.wait_run("produce_b", r2) == "success"
    runs = wait_for(lambda: runs_of(home, "consume"), what="dataset-triggered run")
    assert len(runs) == 1 and runs[0]["run_type"] == "dataset_triggered"
    assert runs[0]["run_id"].startswith("dataset_triggered__")
    assert home.wait_run("consume", runs[0]["run_id"]) == "success"
    # the run took both events (and the queue is empty)
    took = db_rows(home, "SELECT d.uri FROM dagrun_dataset_event x JOIN dataset_event e ON e.id=x.event_id"
                         " JOIN dataset d ON d.id=e.dataset_id ORDER BY d.uri")
    assert [t[0] for t in took] == ["s3://lake/a.parquet", "s3://lake/b.parquet"]
    assert count(home, "SELECT count(*) FROM dataset_dag_run_queue") == 0
    # the producer of b also updated a dataset nobody consumes: recorded, no run
    assert count(home, "SELECT count(*) FROM dataset_event e JOIN dataset d ON d.id=e.dataset_id"
                         " WHERE d.uri='postgres://wh/sales'") == 1
    # one more update of a alone: no second run (b was not updated since)
    r3 = home.trigger("produce_a", "--run-id", "again")
    assert home.wait_run("produce_a", r3) == "success"
    wait_for(lambda: count(home, "SELECT count(*) FROM dataset_dag_run_queue") == 1, what="queued a")
    assert len(runs_of(home, "consume")) == 1
    r4 = home.trigger("produce_b", "--run-id", "again")
    assert home.wait_run("produce_b", r4) == "success"
    wait_for(lambda: len(runs_of(home, "consume")) == 2, what="second dataset-triggered run")


def test_failed_producer_records_no_event(home):
    home.write_dag("b.ini", PRODUCER_B.format(cmd="exit 1"))
    home.write_dag("c.ini", CONSUMER)
    home.reserialize()
    home.start_scheduler()
    r = home.trigger("produce_b")
    assert home.wait_run("produce_b", r) == "failed"
    assert count(home, "SELECT count(*) FROM dataset_event") == 0


def test_paused_consumer_keeps_its_queue(home):
    home.write_dag("a.ini", PRODUCERS)
    home.write_dag("c.ini", CONSUMER.replace("s3://lake/a.parquet, s3://lake/b.parquet", "s3://lake/a.parquet"))
    home.reserialize()
    home.run("dags", "pause", "consume", check=True)
    home.start_scheduler()
    r = home.trigger("produce_a")
    assert home.wait_run("produce_a", r) == "success"
    wait_for(lambda: count(home, "SELECT count(*) FROM dataset_dag_run_queue") == 1, what="queued")
    assert runs_of(home, "consume") == []
    home.run("dags", "unpause", "consume", check=True)
    runs = wait_for(lambda: runs_of(home, "consume"), what="run after unpause")
    assert runs[0]["run_type"] == "dataset_triggered"


@pytest.mark.parametrize("text,err", [
    ("[dag]\nid = x\nschedule = s3://a, notauri\n", "x.ini:3: DAG 'x': schedule: 'notauri' is not a dataset URI"),
    ("[dag]\nid = x\nschedule = s3://a, s3://a\n", "x.ini:3: DAG 'x': schedule: 's3://a' is listed twice"),
    ("[dag]\nid = x\n\n[task t]\ntype = shell\ncommand = true\noutlets = 3s://bad\n",
     "x.ini:7: task 't': outlets: '3s://bad' is not a dataset URI"),
    ("[dag]\nid = x\n\n[task t]\ntype = shell\ncommand = true\noutlets =\n",
     "x.ini:7: task 't': outlets: the list of dataset URIs is empty"),
])
def test_parse_errors(home, text, err):
    home.write_dag("x.ini", text)
    home.reserialize()
    assert err in home.import_errors()["x.ini"]


def test_json_dag_schedule_list_and_refs_follow_the_file(home):
    home.write_dag("j.json", json.dumps({"dag": {"id": "j", "schedule": ["s3://x/1", "s3://x/2"]},
                                         "tasks": [{"id": "t", "type": "shell", "command": "true",
                                                    "outlets": ["file:///tmp/out"]}]}))
    home.reserialize()
    assert home.import_errors() == {}
    refs = db_rows(home, "SELECT d.uri, r.kind, r.task_id FROM dataset_ref r JOIN dataset d ON d.id=r.dataset_id"
                         " ORDER BY d.uri")
    assert refs == [["file:///tmp/out", "producer", "t"], ["s3://x/1", "consumer", ""], ["s3://x/2", "consumer", ""]]
    # the file changes: the references follow
    home.write_dag("j.json", json.dumps({"dag": {"id": "j", "schedule": ["s3://x/2"]},
                                         "tasks": [{"id": "t", "type": "shell", "command": "true"}]}))
    home.reserialize()
    refs = db_rows(home, "SELECT d.uri, r.kind FROM dataset_ref r JOIN dataset d ON d.id=r.dataset_id")
    assert refs == [["s3://x/2", "consumer"]]


def test_example_dags_run(home):
    """dags/example_dataset_producer.ini and example_dataset_consumer.ini, as shipped."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for name in ("example_dataset_producer.ini", "example_dataset_consumer.ini"):
        with open(os.path.join(root, "dags", name)) as f:
            home.write_dag(name, f.read())
    home.reserialize()
    assert home.import_errors() == {}
    home.start_scheduler()
    r = home.trigger("example_dataset_producer")
    assert home.wait_run("example_dataset_producer", r) == "success"
    runs = wait_for(lambda: runs_of(home, "example_dataset_consumer"), what="consumer run")
    assert home.wait_run("example_dataset_consumer", runs[0]["run_id"]) == "success"
    log = home.run("tasks", "logs", "example_dataset_consumer", runs[0]["run_id"], "report", check=True).stdout
    assert 'users file updated: {"rows": 3}' in log
