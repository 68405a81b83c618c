"""Connections and variables through the real binary: CLI forms, the
$AIRC_CONN_* override, templates, $AIRC_VAR_*, secrets encrypted at rest
and masked as *** in task logs, error lines and XCom, key rotation; and
time zones: `timezone` in [dag] and an unknown zone as an import error."""
import json
import os

from conftest import dag_ini, db_dump, db_rows, secrets_change_and_check, secrets_change_dag, wait_for


def test_connections_cli(home):
    r = home.run("connections", "add", "pg", "--conn-uri", "postgres://bob:s%40cret99@db.example:5432/sales?sslmode=require")
    assert r.returncode == 0, r.stderr
    r = home.run("connections", "add", "pg", "--conn-uri", "postgres://x@y")
    assert r.returncode == 1 and r.stderr.strip() == "airc: error: connection 'pg' already exists"
    r = home.run("connections", "add", "bad", "--conn-uri", "no-scheme")
    assert r.stderr.strip() == "airc: error: --conn-uri: connection URI has no scheme:// (e.g. postgres://user:pw@host:5432/db)"
    rows = home.json("connections", "list")
    assert [(c["conn_id"], c["host"], c["port"], c["login"], c["schema"]) for c in rows] == [("pg", "db.example", 5432, "bob", "sales")]
    got = home.json("connections", "get", "pg")[0]
    assert got["password"] == "***" and "s@cret99" not in json.dumps(got)
    got = home.json("connections", "get", "pg", "--reveal")[0]
    assert got["password"] == "s@cret99" and json.loads(got["extra"]) == {"sslmode": "require"}
    # the password is not in the database file in clear
    sealed = db_rows(home, "SELECT password_sealed FROM connection")[0][0]
    assert sealed.startswith("v1:") and "s@cret99" not in sealed
    # the environment overrides
    home.env["AIRC_CONN_PG"] = "mysql://eve:pw2@other:3306/x"
    got = home.json("connections", "get", "pg", "--reveal")[0]
    assert (got["conn_type"], got["host"], got["password"]) == ("mysql", "other", "pw2")
    assert home.run("connections", "delete", "pg").returncode == 0
    r = home.run("connections", "delete", "pg")
    assert r.returncode == 1 and r.stderr.strip() == "airc: error: no connection 'pg'"


def test_variables_cli_import_export_rotate(home):
    assert home.run("variables", "set", "region", "eu-west-1").returncode == 0
    assert home.run("variables", "set", "token", "tok-123456", "--secret").returncode == 0
    assert home.run("variables", "get", "token").stdout.strip() == "tok-123456"
    assert home.json("variables", "list") == [{"key": "region", "is_secret": False}, {"key": "token", "is_secret": True}]
    f = os.path.join(home.path, "v.json")
    with open(f, "w") as fh:
        json.dump({"a": "1", "b": {"value": "hush-hush", "is_secret": True}}, fh)
    r = home.run("variables", "import", f)
    assert r.returncode == 0 and "2 of 2" in r.stdout
    exported = json.loads(home.run("variables", "export").stdout)
    assert exported["a"] == "1" and exported["b"]["value"] == "hush-hush" and exported["b"]["is_secret"]
    before = dict(db_rows(home, "SELECT key, val FROM variable WHERE is_secret=1"))
    assert "hush-hush" not in before["b"]
    r = home.run("db", "rotate-key")
    assert r.returncode == 0 and "Re-encrypted 2 secret values" in r.stdout
    after = dict(db_rows(home, "SELECT key, val FROM variable WHERE is_secret=1"))
    assert after["b"] != before["b"]
    assert home.run("variables", "get", "b").stdout.strip() == "hush-hush"
    assert oct(os.stat(os.path.join(home.path, "secret.key")).st_mode & 0o777) == "0o600"
    r = home.run("variables", "get", "nope")
    assert r.returncode == 1 and r.stderr.strip() == "airc: error: no variable 'nope'"


def test_task_sees_connection_and_variables_and_log_masks_them(home):
    out = os.path.join(home.path, "written.txt")
    home.run("connections", "add", "x", "--conn-uri", "http://user:Pa55-word!@api.example:8443/v1?region=eu", check=True)
    home.run("variables", "set", "plain", "visible-value", check=True)
    home.run("variables", "set", "apikey", "k3y-s3cr3t-v4lue", "--secret", check=True)
    home.write_dag("sec.ini", dag_ini("sec", [
        ("t", {"command": f"echo pw={{{{ conn.x.password }}}} host={{{{ conn.x.host }}}}:{{{{ conn.x.port }}}} "
                          f"region={{{{ conn.x.extra.region }}}} v={{{{ var.plain }}}}; "
                          f"echo {{{{ conn.x.password }}}} > {out}; echo \"env=$AIRC_VAR_APIKEY\"; "
                          f"printf 'split:k3y-s3cr'; sleep 0.3; printf '3t-v4lue\\n'; "
                          f"echo '\"{{{{ var.apikey }}}}\"' > $AIRC_XCOM_OUT"}),
        ("f", {"command": "echo \"failing with $AIRC_VAR_APIKEY\"; exit 3"}),
    ]))
    home.run("dags", "reserialize", check=True)
    home.start_scheduler()
    run = home.trigger("sec")
    assert home.wait_run("sec", run) == "failed"
    assert open(out).read().strip() == "Pa55-word!"
    log = home.run("tasks", "logs", "sec", run, "t", check=True).stdout
    assert "pw=*** host=api.example:8443 region=eu v=visible-value" in log
    assert "env=***" in log and "split:***" in log
    assert "Pa55-word!" not in log and "k3y-s3cr3t-v4lue" not in log
    ti = home.json("tasks", "states-for-dag-run", "sec", run) if False else None
    flog = home.run("tasks", "logs", "sec", run, "f", check=True).stdout
    assert "failing with ***" in flog and "k3y-s3cr3t-v4lue" not in flog
    # the stored XCom value is masked too
    dump = db_dump(home)
    assert "sec" in dump  # the dump has the store's rows
    assert "k3y-s3cr3t-v4lue" not in dump and "Pa55-word!" not in dump


def test_unknown_timezone_is_an_import_error(home):
    home.write_dag("tz.ini", "[dag]\nid = tz\nschedule = @daily\nstart_date = 2026-01-01\ntimezone = Mars/Olympus\n"
                              "[task a]\ntype = shell\ncommand = true\n")
    home.run("dags", "reserialize", check=True)
    r = home.run("dags", "list-import-errors")
    assert "tz.ini:5: DAG 'tz': unknown time zone 'Mars/Olympus' (use an IANA name such as Europe/Paris or UTC)" in r.stdout


def test_next_execution_prints_utc_of_the_zone_wall_clock(home):
    home.write_dag("p.ini", "[dag]\nid = p\nschedule = 0 3 * * *\nstart_date = 2026-03-27\ntimezone = Europe/Paris\n"
                            "catchup = true\n[task a]\ntype = shell\ncommand = true\n")
    home.run("dags", "reserialize", check=True)
    r = home.run("dags", "next-execution", "p", "-n", "3")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["2026-03-27T02:00:00Z", "2026-03-28T02:00:00Z", "2026-03-29T01:00:00Z"]


def test_a_variable_or_connection_changed_while_the_scheduler_runs_reaches_the_next_task(home):
    """The scheduler keeps connections and variables from one launch to the
    next while only it writes the store: a change by the CLI (another
    process's commit) must reach the very next task, in the same run (the
    change made while its upstream runs) and in a later one."""
    flag = os.path.join(home.path, "go")
    secrets_change_dag(home, flag)
    home.run("dags", "reserialize", check=True)
    home.start_scheduler()
    run1 = home.trigger("chg")
    wait_for(lambda: home.tis("chg", run1)["a"]["state"] == "running", 20, what="task a running")
    secrets_change_and_check(home, flag, run1, 30)
