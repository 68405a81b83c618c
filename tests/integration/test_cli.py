"""The command line as a user meets it: help, exit codes, output formats,
configuration, clear/mark, logs, tasks test, dags show."""
import json
import os
import subprocess

import pytest

from conftest import AIRC, ON_PG, dag_ini, pg_database, wait_for

COMMANDS = [
    "db init", "db upgrade", "db check", "config get-value", "scheduler", "standalone", "dags list",
    "dags list-import-errors", "dags show", "dags next-execution", "dags pause", "dags unpause",
    "dags list-runs", "dags state", "dags trigger", "dags backfill", "dags test", "tasks list",
    "tasks states-for-dag-run", "tasks state", "tasks logs", "tasks clear", "tasks mark", "tasks test",
    "dags delete",
]


@pytest.mark.parametrize("cmd", COMMANDS)
def test_every_command_has_help(home, cmd):
    r = home.run(*cmd.split(), "--help")
    assert r.returncode == 0, r.stderr
    assert f"usage: airc {cmd}" in r.stdout


def test_top_level_help_and_version(home):
    r = home.run("--help")
    assert r.returncode == 0 and "dags trigger" in r.stdout
    assert home.run().returncode == 2
    assert home.run("--version").stdout.startswith("airc ")
    r = home.run("nosuch")
    assert r.returncode == 2 and "unknown command 'nosuch'" in r.stderr
    r = home.run("dags", "nosuch")
    assert r.returncode == 2 and "unknown command 'dags nosuch'" in r.stderr
    r = home.run("dags")
    assert r.returncode == 2 and "dags list" in r.stdout


def test_usage_errors_exit_2_and_failures_exit_1(home):
    assert home.run("dags", "show").returncode == 2
    assert home.run("dags", "list", "--output", "xml").returncode == 2
    assert home.run("dags", "trigger", "x", "--conf", "[1]").returncode == 2
    assert home.run("dags", "trigger", "x", "--logical-date", "yesterday").returncode == 2
    assert home.run("dags", "next-execution", "x", "-n", "0").returncode == 2
    r = home.run("dags", "trigger", "nope")
    assert r.returncode == 1 and r.stderr.strip() == (
        "airc: error: DAG 'nope' not found (the scheduler has not parsed it yet? "
        "`airc dags reserialize` parses the folder now)")
    r = home.run("dags", "state", "nope", "r")
    assert r.returncode == 1 and "has no run 'r'" in r.stderr


def test_db_init_and_check(home):
    if ON_PG:  # the fixture initialized its database: start from an empty one
        home.env["AIRC__DATABASE__URL"] = pg_database()
    r = home.run("db", "check")
    assert r.returncode == 1 and "run 'airc db init'" in r.stderr
    r = home.run("db", "init", check=True)
    assert "schema version" in r.stdout
    r = home.run("db", "check", check=True)
    assert "integrity: ok" in r.stdout


def test_configuration_file_and_environment_overrides(home):
    other = os.path.join(home.path, "elsewhere")
    os.makedirs(other)
    with open(os.path.join(home.path, "airc.ini"), "w") as f:
        f.write(f"[core]\ndags_folder = {other}\nparallelism = 7\n")
    assert home.run("config", "get-value", "core", "parallelism", check=True).stdout.strip() == "7"
    home.env["AIRC__CORE__PARALLELISM"] = "3"
    assert home.run("config", "get-value", "core", "parallelism", check=True).stdout.strip() == "3"
    with open(os.path.join(other, "x.ini"), "w") as f:
        f.write(dag_ini("elsewhere_dag", [("t", {"command": "true"})]))
    home.reserialize()
    assert [d["dag_id"] for d in home.json("dags", "list")] == ["elsewhere_dag"]
    with open(os.path.join(home.path, "airc.ini"), "w") as f:
        f.write("[core\nbroken\n")
    r = home.run("dags", "list")
    assert r.returncode == 1 and "airc.ini:1: syntax error" in r.stderr
    with open(os.path.join(home.path, "airc.ini"), "w") as f:
        f.write("[core]\nparallelism = 2\nbroken line\n")
    r = home.run("dags", "list")
    assert r.returncode == 1 and "airc.ini:3: syntax error" in r.stderr


def test_configuration_long_values_and_semicolons(home):
    # inih as packaged by Debian stops at 200 bytes per line and cuts at ';':
    # airc.ini takes a [spark] jars list of any length, and ';' inside values.
    jars = ",".join("/opt/stack/lib/spark-jars/some-connector-library-%d.2.3.jar" % i for i in range(40))
    with open(os.path.join(home.path, "airc.ini"), "w") as f:
        f.write("# comment\n; another\n\n[spark]\njars = %s\n[kafka]\nbootstrap_servers: a:1;b:2\n" % jars)
    assert home.run("config", "get-value", "spark", "jars", check=True).stdout.strip() == jars
    assert home.run("config", "get-value", "kafka", "bootstrap_servers", check=True).stdout.strip() == "a:1;b:2"


def test_dags_show_text_json_and_dot(home):
    home.write_dag("s.ini", dag_ini("s", [("a", {"command": "true"}), ("b", {"command": "true", "upstream": "a"})],
                                    description="Show me"))
    home.reserialize()
    r = home.run("dags", "show", "s", check=True)
    assert "2 tasks, 1 edges" in r.stdout and "Show me" in r.stdout
    dot = home.run("dags", "show", "s", "--dot", check=True).stdout
    assert '"a" -> "b";' in dot and dot.startswith('digraph "s"')
    doc = json.loads(home.run("dags", "show", "s", "--output", "json", check=True).stdout)
    assert [t["id"] for t in doc["tasks"]] == ["a", "b"]


def test_list_outputs_json_plain_table(home):
    home.write_dag("l.ini", dag_ini("l", [("t", {"command": "true"})], tags="a, b"))
    home.reserialize()
    rows = home.json("dags", "list")
    assert rows[0]["dag_id"] == "l" and rows[0]["tags"] == ["a", "b"] and rows[0]["is_paused"] is False
    plain = home.run("dags", "list", "--output", "plain", check=True).stdout
    assert plain.startswith("l\t")
    table = home.run("dags", "list", check=True).stdout
    assert table.splitlines()[0].startswith("dag_id")


def test_list_runs_paginates(home):
    home.write_dag("pg.ini", dag_ini("pg", [("t", {"command": "true"})]))
    home.reserialize()
    for i in range(5):
        home.trigger("pg", "--run-id", f"r{i}", "--logical-date", f"2026-01-0{i + 1}T00:00:00Z")
    ids = [r["run_id"] for r in home.json("dags", "list-runs", "pg", "--limit", "2", "--offset", "1")]
    assert ids == ["r3", "r2"]


def test_clear_and_mark(home):
    flag = os.path.join(home.path, "ok")
    home.write_dag("c.ini", dag_ini("c", [("a", {"command": f"test -e {flag}"}),
                                          ("b", {"command": "true", "upstream": "a"}),
                                          ("x", {"command": "true"})]))
    home.start_scheduler()
    run = home.trigger("c")
    assert home.wait_run("c", run) == "failed"
    open(flag, "w").close()
    r = home.run("tasks", "clear", "c", run, "-t", "^a$", "--downstream", check=True)
    assert "Cleared 2 task instances" in r.stdout
    assert home.wait_run("c", run) == "success"
    tis = home.tis("c", run)
    assert tis["a"]["try_number"] == 2 and tis["b"]["try_number"] == 1 and tis["x"]["try_number"] == 1
    # mark
    home.run("tasks", "mark", "c", run, "x", "failed", check=True)
    assert home.wait_run("c", run) == "failed"
    assert home.run("tasks", "state", "c", run, "x", check=True).stdout.strip() == "failed"
    assert home.run("tasks", "mark", "c", run, "x", "bogus").returncode == 1
    r = home.run("tasks", "clear", "c", run, "-t", "[")
    assert r.returncode == 2 and "bad task regex" in r.stderr
    # a pattern whose compilation would take seconds and gigabytes is refused at once
    r = home.run("tasks", "clear", "c", run, "-t", "(a{1,30}){1,30}")
    assert r.returncode == 2 and "airc: error: task regex '(a{1,30}){1,30}' is refused: a repeated group may not " \
        "itself contain repetition (nested repetition)" in r.stderr, r.stderr


def test_logs_follow_and_try_selection(home):
    home.write_dag("lg.ini", dag_ini("lg", [("a", {"command": "for i in 1 2 3; do echo line$i; sleep 0.3; done"})]))
    home.start_scheduler()
    run = home.trigger("lg")
    wait_for(lambda: home.tis("lg", run)["a"]["state"] == "running", 10)
    r = home.run("tasks", "logs", "lg", run, "a", "--follow", check=True)
    assert "line1" in r.stdout and "line3" in r.stdout and "task success" in r.stdout
    assert home.run("tasks", "logs", "lg", run, "a", "--try", "5").returncode == 1


def test_tasks_test_runs_one_task_in_the_foreground_without_upstreams(home):
    home.env["AIRC__CORE__DAGS_ARE_PAUSED_AT_CREATION"] = "true"
    home.write_dag("tt.ini", dag_ini("tt", [("a", {"command": "exit 1"}),
                                            ("b", {"command": "echo hi {{ ds }} {{ conf.k }}; exit 0", "upstream": "a"}),
                                            ("c", {"command": "exit 99"})]))
    r = home.run("tasks", "test", "tt", "b", "2026-04-01", "--conf", '{"k": "v"}', check=True)
    assert r.stdout.strip() == "hi 2026-04-01 v"
    assert "task b: success" in r.stderr
    assert home.run("tasks", "test", "tt", "a").returncode == 1
    r = home.run("tasks", "test", "tt", "c")
    assert r.returncode == 0 and "skipped" in r.stderr
    # nothing was recorded
    assert home.runs("tt") == []


def test_dags_test_runs_a_whole_run_without_a_scheduler(home):
    home.env["AIRC__CORE__DAGS_ARE_PAUSED_AT_CREATION"] = "true"
    home.write_dag("dt.ini", dag_ini("dt", [("a", {"command": "echo A"}), ("b", {"command": "echo B >&2; exit 2", "upstream": "a"})]))
    r = home.run("dags", "test", "dt", "2026-05-01")
    assert r.returncode == 1
    assert "success          a" in r.stdout and "failed           b" in r.stdout
    assert "---- log of failed task b" in r.stdout and "B" in r.stdout
    home.write_dag("dt.ini", dag_ini("dt", [("a", {"command": "echo A"})]))
    assert home.run("dags", "test", "dt").returncode == 0


def test_readme_dag_examples_load_and_run(home):
    """The DAG file examples in the README are real: they load and run."""
    import re
    readme = open(os.path.join(os.path.dirname(AIRC), "..", "README.md"), encoding="utf-8").read()
    ini = re.search(r"```ini\n(.*?)```", readme, re.S).group(1)
    js = re.search(r"```json\n(.*?)```", readme, re.S).group(1)
    home.write_dag("example_etl.ini", ini)
    home.write_dag("example_branching.json", js)
    assert home.import_errors() == {}
    assert home.run("dags", "test", "example_etl", "2026-03-02").returncode == 0
    assert home.run("dags", "test", "example_branching").returncode == 0
    for dag in ("example_etl", "example_branching"):
        assert home.run("dags", "show", dag).returncode == 0


def test_cli_reads_the_store_and_reserialize_parses_the_folder(home):
    home.write_dag("fresh.ini", dag_ini("fresh", [("t", {"command": "true"})]))
    # no scheduler has parsed it: the CLI does not read the folder
    assert home.json("dags", "list") == []
    r = home.run("dags", "pause", "fresh")
    assert r.returncode == 1 and r.stderr == (
        "airc: error: DAG 'fresh' not found (the scheduler has not parsed it yet? "
        "`airc dags reserialize` parses the folder now)\n")
    home.write_dag("broken.ini", "[dag]\nid = b\nnot a key\n")
    r = home.reserialize()
    assert r.stdout == f"DAG folder {home.dags}: 1 DAGs, 2 files parsed or gone, 1 files with import errors " \
                       "('airc dags list-import-errors')\n"
    assert [d["dag_id"] for d in home.json("dags", "list")] == ["fresh"]
    assert home.run("dags", "pause", "fresh", check=True).stdout == "DAG fresh is paused\n"
    # list-import-errors reads the store; --reparse parses first
    os.remove(os.path.join(home.dags, "broken.ini"))
    assert list(home.import_errors()) == ["broken.ini"]
    assert home.import_errors(reparse=True) == {}


def test_bulk_pause_and_unpause_by_pattern_or_all(home):
    for i in range(30):
        home.write_dag(f"b{i:02d}.ini", dag_ini(f"bulk_{i:02d}", [("t", {"command": "true"})]))
    home.write_dag("other.ini", dag_ini("other", [("t", {"command": "true"})]))
    home.reserialize()
    # not a terminal and no --yes: refused, nothing changed
    r = home.run("dags", "pause", "--pattern", "^bulk_1")
    assert r.returncode == 2 and r.stderr == ("airc: error: refusing to pause 10 DAGs without --yes (stdin is not a "
                                              "terminal to confirm on) (see 'airc dags pause --help')\n")
    assert not any(d["is_paused"] for d in home.json("dags", "list"))
    r = home.run("dags", "pause", "--pattern", "^bulk_1", "--yes", check=True)
    assert r.stdout == "Paused 10 DAGs (0 already paused)\n"
    paused = sorted(d["dag_id"] for d in home.json("dags", "list") if d["is_paused"])
    assert paused == [f"bulk_1{i}" for i in range(10)]
    rows = home.json("dags", "pause", "--all", "--yes")
    assert len(rows) == 21 and all(x["is_paused"] is True for x in rows)
    assert {x["dag_id"] for x in rows} == {d["dag_id"] for d in home.json("dags", "list")} - set(paused)
    r = home.run("dags", "unpause", "--all", "--yes", check=True)
    assert r.stdout == "Unpaused 31 DAGs (0 already unpaused)\n"
    r = home.run("dags", "unpause", "--pattern", "bulk", "--yes", check=True)
    assert r.stdout == "No DAG to unpause (30 matching DAGs already unpaused)\n"
    # usage errors
    r = home.run("dags", "pause", "--pattern", "(")
    assert r.returncode == 2 and r.stderr.startswith("airc: error: --pattern '(': ")
    r = home.run("dags", "pause", "--all", "other")
    assert r.returncode == 2 and "give a DAG id, --pattern REGEX or --all, not several" in r.stderr
    r = home.run("dags", "unpause", "--all", "--pattern", "x")
    assert r.returncode == 2 and "not both" in r.stderr
