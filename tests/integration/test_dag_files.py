"""DAG files as a user edits them: import errors, live changes picked up by
a running scheduler, deletions, and runs keeping their DAG version."""
import os
import time

from conftest import dag_ini, wait_for, sqlite_only

GOOD = dag_ini("good", [("t", {"command": "true"})])


def test_import_errors_name_file_line_and_task_and_others_keep_loading(home):
    home.write_dag("good.ini", GOOD)
    cases = {
        "up.ini": ("[dag]\nid = x\n\n[task a]\ntype = shell\ncommand = true\n\n[task b]\ntype = shell\n"
                   "command = true\nupstream = a, zz\n",
                   "up.ini:11: task 'b': upstream 'zz' is not a task of DAG 'x'"),
        "cycle.ini": ("[dag]\nid = cyc\n[task a]\ntype = shell\ncommand = true\nupstream = c\n"
                      "[task b]\ntype = shell\ncommand = true\nupstream = a\n"
                      "[task c]\ntype = shell\ncommand = true\nupstream = b\n",
                      "cycle.ini:6: task 'a': DAG 'cyc' has a cycle: a -> b -> c -> a"),
        "cron.ini": ("[dag]\nid = cr\nschedule = 61 * * * *\nstart_date = 2026-01-01\n",
                     "cron.ini:3: DAG 'cr': bad schedule: minute value out of range 0-59 in '61'"),
        "type.ini": ("[dag]\nid = ty\n[task a]\ntype = bash\ncommand = true\n",
                     "type.ini:4: task 'a': unknown task type 'bash'"),
        "key.ini": ("[dag]\nid = k\nowner = me\n", "key.ini:3: DAG 'k': unknown key 'owner' in [dag]"),
        "dupe.ini": ("[dag]\nid = d\n[task a]\ntype = shell\ncommand = true\n[task a]\ntype = shell\ncommand = true\n",
                     "dupe.ini:6: task 'a': duplicate task id in DAG 'd'"),
        "syntax.ini": ("[dag]\nid = s\nthis line has no equals sign\n",
                       "syntax.ini:3: syntax error (expected 'key = value', '[dag]' or '[task ID]')"),
        "date.ini": ("[dag]\nid = dt\nschedule = @daily\nstart_date = 2026-02-30\n",
                     "date.ini:4: DAG 'dt': start_date: bad date '2026-02-30'"),
        "dur.ini": ("[dag]\nid = du\n[task a]\ntype = shell\ncommand = true\nretry_delay = 5 minutes\n",
                    "dur.ini:6: task 'a': retry_delay: bad duration '5 minutes'"),
        "noid.ini": ("[dag]\ndescription = no id\n", "noid.ini:1: [dag] has no 'id'"),
        "notype.ini": ("[dag]\nid = nt\n[task a]\ncommand = true\n", "notype.ini:3: task 'a': missing 'type'"),
        "bad.json": ('{"dag": {"id": "j"}, "tasks": [{"id": "a", "type": "shell", "command": "true",}]}',
                     "bad.json:1: JSON syntax error"),
        "badup.json": ('{"dag": {"id": "j2"}, "tasks": [{"id": "a", "type": "shell", "command": "true", "upstream": ["q"]}]}',
                       "badup.json: task 'a': upstream 'q' is not a task of DAG 'j2'"),
    }
    for name, (text, _) in cases.items():
        home.write_dag(name, text)
    with open(os.path.join(home.dags, "binary.ini"), "wb") as f:
        f.write(b"[dag]\nid = bin\n\x00\x01\x02\xff" * 10)
    with open(os.path.join(home.dags, "huge.json"), "w") as f:
        f.write('{"dag": {"id": "huge", "description": "' + "x" * (2 << 20) + '"}}')
    errs = home.import_errors(reparse=True)
    for name, (_, want) in cases.items():
        assert name in errs, name
        assert errs[name].startswith(os.path.join(home.dags, want)), (errs[name], want)
        assert "\n" not in errs[name]
    assert "binary data" in errs["binary.ini"]
    assert "larger than the 1048576 byte limit" in errs["huge.json"]
    dags = [d["dag_id"] for d in home.json("dags", "list")]
    assert dags == ["good"]
    # the good DAG still runs
    home.start_scheduler()
    run = home.trigger("good")
    assert home.wait_run("good", run) == "success"


def test_duplicate_dag_id_in_two_files(home):
    home.write_dag("a.ini", GOOD)
    home.write_dag("b.ini", GOOD)
    errs = home.import_errors(reparse=True)
    assert list(errs) == ["b.ini"] and "DAG id 'good' is already defined in" in errs["b.ini"]


def test_changes_are_picked_up_by_a_running_scheduler_within_5s(home):
    home.start_scheduler()
    t0 = time.monotonic()
    home.write_dag("new.ini", dag_ini("new", [("t", {"command": "true"})]))
    wait_for(lambda: "new" in [d["dag_id"] for d in home.json("dags", "list")] and
             home.scheduler_log_has("") or True, 5)
    # the scheduler itself (not the CLI's own sync) must see it: a trigger by
    # run-id written straight after runs without any CLI sync in between
    wait_for(lambda: "new" in [d["dag_id"] for d in home.json("dags", "list")], 5, what="new DAG listed")
    # change: add a task; the scheduler must run the new version
    home.write_dag("new.ini", dag_ini("new", [("t", {"command": "true"}), ("u", {"command": "true", "upstream": "t"})]))
    wait_for(lambda: len(home.json("tasks", "list", "new")) == 2, 5, what="changed DAG")
    run = home.trigger("new")
    assert home.wait_run("new", run) == "success"
    assert set(home.tis("new", run)) == {"t", "u"}
    # break it: the last good version stays, with an import error
    home.write_dag("new.ini", "[dag]\nid = new\n[task t]\n")
    wait_for(lambda: "new.ini" in home.import_errors(), 5, what="import error")
    assert "new" in [d["dag_id"] for d in home.json("dags", "list")]
    # delete it: gone from the list, error cleared
    os.unlink(os.path.join(home.dags, "new.ini"))
    wait_for(lambda: "new" not in [d["dag_id"] for d in home.json("dags", "list")], 5, what="DAG removed")
    assert home.import_errors() == {}
    assert time.monotonic() - t0 < 30


@sqlite_only("reads airc.db with python sqlite3")
def test_scheduler_sees_new_files_without_the_cli(home):
    """The scheduler's own inotify watch (not a CLI sync) picks up a file:
    a new DAG with an @once schedule in the past runs without any CLI call."""
    home.start_scheduler()
    home.write_dag("auto.ini", dag_ini("auto", [("t", {"command": "true"})], schedule="@once",
                                       start_date="2026-01-01T00:00:00Z"))
    import sqlite3
    db = os.path.join(home.path, "airc.db")

    def ran():
        with sqlite3.connect(db) as c:
            return c.execute("select state from dag_run where dag_id='auto'").fetchall() == [("success",)]
    wait_for(ran, 5, 0.1, "the @once run created by the scheduler alone")


def test_a_run_keeps_the_dag_version_it_started_with(home):
    gate = os.path.join(home.path, "gate")
    home.write_dag("v.ini", dag_ini("v", [("a", {"command": f"while [ ! -e {gate} ]; do sleep 0.05; done"}),
                                          ("b", {"command": "echo version-one", "upstream": "a"})]))
    home.start_scheduler()
    run = home.trigger("v")
    wait_for(lambda: home.tis("v", run)["a"]["state"] == "running", 10)
    home.write_dag("v.ini", dag_ini("v", [("a", {"command": "true"}),
                                          ("b", {"command": "echo version-two", "upstream": "a"}),
                                          ("c", {"command": "true", "upstream": "b"})]))
    wait_for(lambda: len(home.json("tasks", "list", "v")) == 3, 5)
    open(gate, "w").close()
    assert home.wait_run("v", run) == "success"
    assert set(home.tis("v", run)) == {"a", "b"}
    assert "version-one" in home.run("tasks", "logs", "v", run, "b", check=True).stdout
    run2 = home.trigger("v")
    assert home.wait_run("v", run2) == "success"
    assert "version-two" in home.run("tasks", "logs", "v", run2, "b", check=True).stdout


def test_ini_details_semicolons_multiline_and_long_lines(home):
    long = "echo " + "x" * 5000
    home.write_dag("d.ini", "[dag]\nid = d\n; a comment\n# another\n[task a]\ntype = shell\n"
                            "command = echo one ; echo two\n  echo three\n"
                            "[task b]\ntype = shell\nupstream = a\ncommand = " + long + "\n")
    r = home.run("tasks", "test", "d", "a", check=True)
    assert r.stdout.split() == ["one", "two", "three"]
    r = home.run("tasks", "test", "d", "b", check=True)
    assert r.stdout.strip() == "x" * 5000
