"""The PostgreSQL task types on a real throwaway PostgreSQL 15: validate-postgres
(the Spark job's batch sink, checked field for field like validate-cassandra)
and sql (a transaction, an optional check, one-line errors, conn = NAME).

The server: $AIRC_TEST_PG when scripts/pg-test.sh runs the suite, else one
started here the way pg-test.sh does it (initdb + pg_ctl in a temporary
folder, as Debian's postgres user when root, 127.0.0.1 and a free port),
stopped at the end of the module. Each test gets a database of its own.
Tasks run with `airc tasks test` (the real binary and airc-task)."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid

import pytest

from conftest import Home

FIELDS = ("id", "first_name", "last_name", "gender", "address", "post_code", "email", "username", "dob",
          "registered_date", "phone", "picture")


def _pg_bin():
    for d in sorted((os.path.join("/usr/lib/postgresql", v, "bin") for v in os.listdir("/usr/lib/postgresql")),
                    reverse=True) if os.path.isdir("/usr/lib/postgresql") else []:
        if os.access(os.path.join(d, "initdb"), os.X_OK):
            return d
    return None


@pytest.fixture(scope="module")
def pg_admin():
    if os.environ.get("AIRC_TEST_PG"):
        yield os.environ["AIRC_TEST_PG"]
        return
    bindir = _pg_bin()
    if not bindir or not shutil.which("psql"):
        pytest.skip("no PostgreSQL server binaries (apt-get install postgresql-15)")
    root = os.geteuid() == 0
    as_pg = ["runuser", "-u", "postgres", "--"] if root else []
    work = tempfile.mkdtemp(prefix="airc-pgtasks-")
    os.chmod(work, 0o755)
    data = os.path.join(work, "data")
    os.mkdir(data)
    if root:
        shutil.chown(data, "postgres", "postgres")
        shutil.chown(work, "postgres", "postgres")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    subprocess.run(as_pg + [os.path.join(bindir, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E",
                            "UTF8"], check=True, capture_output=True, timeout=120)
    subprocess.run(as_pg + [os.path.join(bindir, "pg_ctl"), "-D", data, "-l", os.path.join(work, "pg.log"), "-w",
                            "-t", "60", "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {work} -c fsync=off",
                            "start"], check=True, capture_output=True, timeout=90)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(as_pg + [os.path.join(bindir, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(work, ignore_errors=True)


def psql(url, sql):
    r = subprocess.run(["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


@pytest.fixture
def db(pg_admin):
    name = "airc_pgtasks_" + uuid.uuid4().hex[:10]
    psql(pg_admin, f"CREATE DATABASE {name}")
    url = pg_admin.rsplit("/", 1)[0] + "/" + name
    # a sink role with a password, as the stack's airc role (over TCP: trust here, but the
    # password travels through the URL, the connection and the log masking)
    yield url
    psql(pg_admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def home(tmp_path):
    h = Home(tmp_path)
    yield h
    h.stop()


def user(i):
    return {"id": str(uuid.UUID(int=0x6F1C2D3E00004000800000000000 + i)), "first_name": f"First{i}",
            "last_name": "Łukasz" if i == 1 else f"Last{i}", "gender": "female", "address": f"{i} Rue, Lyon, ARA, France",
            "post_code": str(69000 + i), "email": f"u{i}@example.com", "username": f"user{i}", "dob": "1990-01-01T00:00:00Z",
            "registered_date": "2015-05-05T00:00:00Z", "phone": "01", "picture": "https://x/p.jpg"}


def sink(url, users):
    cols = ", ".join(["id uuid PRIMARY KEY"] + [f"{f} text" for f in FIELDS[1:]] + ["created_at timestamptz"])
    psql(url, f"CREATE TABLE created_users ({cols})")
    for u in users:
        vals = ", ".join("'" + u[f].replace("'", "''") + "'" for f in FIELDS)
        psql(url, f"INSERT INTO created_users ({', '.join(FIELDS)}, created_at) VALUES ({vals}, now())")


def write_input(home, users):
    p = os.path.join(home.path, "users.jsonl")
    with open(p, "w", encoding="utf-8") as f:
        for u in users:
            f.write(json.dumps(u, ensure_ascii=False) + "\n")
    return p


def validate_dag(home, url, path, timeout="3s", extra=""):
    home.write_dag("v.ini", f"""[dag]
id = v

[task validate]
type = validate-postgres
url = {url}
input = {path}
timeout = {timeout}
poll_interval = 1s
{extra}
""")
    home.reserialize()
    assert home.import_errors() == {}


def task_test(home, dag, task):
    r = home.run("tasks", "test", dag, task, timeout=120)
    return r.returncode, r.stdout, r.stderr


def last_error(stderr):
    """The task's own error: its stderr minus airc's [airc] footer lines."""
    lines = [l for l in stderr.splitlines() if l.strip() and not l.startswith("[airc]")]
    return lines[-1] if lines else ""


def test_validate_postgres_all_present(home, db):
    users = [user(i) for i in range(3)]
    sink(db, users)
    validate_dag(home, db, write_input(home, users))
    rc, out, err = task_test(home, "v", "validate")
    assert rc == 0, out + err
    assert "validate-postgres: all 3 records found in created_users with equal fields" in out
    assert '{"expected":3,"found":3,"missing":0,"mismatched":0}' in err.replace(" ", "")


def test_validate_postgres_one_field_wrong_is_one_line_naming_id_and_field(home, db):
    users = [user(i) for i in range(3)]
    sink(db, users)
    psql(db, f"UPDATE created_users SET dob = 'tampered' WHERE id = '{users[1]['id']}'")
    validate_dag(home, db, write_input(home, users))
    t0 = time.monotonic()
    rc, out, err = task_test(home, "v", "validate")
    assert rc != 0
    assert time.monotonic() - t0 < 30  # all found: no waiting for the timeout
    assert last_error(err) == ("validate-postgres: 0 of 3 records missing, 1 mismatched (first mismatch id "
                               f"{users[1]['id']} field 'dob': expected '1990-01-01T00:00:00Z' got 'tampered')")


def test_validate_postgres_missing_rows_fail_after_the_timeout(home, db):
    users = [user(i) for i in range(3)]
    sink(db, users[:2])
    validate_dag(home, db, write_input(home, users), timeout="3s")
    t0 = time.monotonic()
    rc, out, err = task_test(home, "v", "validate")
    took = time.monotonic() - t0
    assert rc != 0
    assert took >= 3, took
    assert last_error(err) == ("validate-postgres: 1 of 3 records missing, 0 mismatched (first missing id "
                               f"{users[2]['id']})")
    assert "2/3 found, 1 missing; re-checking in 1.0s" in out


def test_validate_postgres_no_table_yet_counts_as_missing(home, db):
    users = [user(0)]
    validate_dag(home, db, write_input(home, users), timeout="2s")
    rc, out, err = task_test(home, "v", "validate")
    assert rc != 0
    assert last_error(err) == ("validate-postgres: 1 of 1 records missing, 0 mismatched (first missing id "
                               f"{users[0]['id']}; table created_users does not exist)")


def test_validate_postgres_unreachable_server_is_one_line(home, db):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    validate_dag(home, f"postgresql://airc:pw-secret@127.0.0.1:{port}/airc", write_input(home, [user(0)]))
    rc, out, err = task_test(home, "v", "validate")
    assert rc != 0
    e = last_error(err)
    assert e.startswith(f"validate-postgres: connecting to 127.0.0.1:{port}: "), e
    assert "Connection refused" in e and "pw-secret" not in e


def sql_dag(home, url_line, sql, check=None, task="q"):
    home.write_dag("s.ini", f"""[dag]
id = s

[task {task}]
type = sql
{url_line}
sql = {sql}
""" + (f"check = {check}\n" if check else ""))
    home.reserialize()
    assert home.import_errors() == {}


def test_sql_runs_in_one_transaction_and_the_check_passes(home, db):
    sql_dag(home, f"url = {db}", "CREATE TABLE report (day date, n int);\n"
            "  INSERT INTO report VALUES (DATE '{{ ds }}', 2), (DATE '{{ ds }}', 3);",
            check="SELECT sum(n) = 5 FROM report")
    r = home.run("tasks", "test", "s", "q", "2024-03-01", timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "sql: ran sql: INSERT 0 2" in r.stdout and "sql: check passed: t" in r.stdout
    assert '{"status":"INSERT02","check":"t"}' in r.stderr.replace(" ", "")
    assert psql(db, "SELECT day, n FROM report ORDER BY n") == "2024-03-01|2\n2024-03-01|3"


def test_sql_check_false_fails_with_the_query_and_value_and_rolls_back(home, db):
    sql_dag(home, f"url = {db}", "CREATE TABLE report AS SELECT 1 AS n WHERE false;",
            check="SELECT count(*)\n  FROM report", task="build")
    rc, out, err = task_test(home, "s", "build")
    assert rc != 0
    assert last_error(err) == "sql: task 'build': check failed: SELECT count(*) FROM report returned 0"
    # the transaction was rolled back: no half-built report
    assert psql(db, "SELECT to_regclass('report') IS NULL") == "t"


def test_sql_check_null_and_no_rows(home, db):
    sql_dag(home, f"url = {db}", "SELECT 1", check="SELECT NULL::int")
    rc, out, err = task_test(home, "s", "q")
    assert rc != 0 and last_error(err) == "sql: task 'q': check failed: SELECT NULL::int returned NULL"
    sql_dag(home, f"url = {db}", "SELECT 1", check="SELECT 1 WHERE false")
    rc, out, err = task_test(home, "s", "q")
    assert rc != 0 and last_error(err) == "sql: task 'q': check failed: SELECT 1 WHERE false returned no rows"


def test_sql_bad_sql_is_one_line_naming_task_and_option(home, db):
    sql_dag(home, f"url = {db}", "SELECT *\n  FROM no_such_table", task="broken")
    rc, out, err = task_test(home, "s", "broken")
    assert rc != 0
    assert last_error(err) == ("sql: task 'broken': option 'sql': relation \"no_such_table\" does not exist "
                               "(SQLSTATE 42P01 at character 15)")
    assert len([l for l in err.splitlines() if l.startswith("sql:")]) == 1


def test_sql_conn_name_and_missing_connection(home, db, pg_admin):
    dbname = db.rsplit("/", 1)[1]
    host_port = db.split("@", 1)[1].split("/", 1)[0]
    home.run("connections", "add", "reports_db", "--conn-uri",
             f"postgres://postgres@{host_port}/{dbname}", check=True)
    sql_dag(home, "conn = reports_db", "CREATE TABLE via_conn (x int); INSERT INTO via_conn VALUES (7);",
            check="SELECT x FROM via_conn")
    rc, out, err = task_test(home, "s", "q")
    assert rc == 0, out + err
    assert f"sql: connected to database {dbname} at " in out
    assert psql(db, "SELECT x FROM via_conn") == "7"
    sql_dag(home, "conn = reports_typo", "SELECT 1")
    rc, out, err = task_test(home, "s", "q")
    assert rc != 0
    assert err.strip().endswith("conn: connection 'reports_typo' not found (airc connections add reports_typo "
                                "--conn-uri URI, or set AIRC_CONN_REPORTS_TYPO)")


def test_sql_without_a_database_says_how_to_set_one(home):
    home.env.pop("AIRC__POSTGRES__URL", None)
    sql_dag(home, "", "SELECT 1")
    rc, out, err = task_test(home, "s", "q")
    assert rc != 0
    assert last_error(err) == ("sql: task 'q': no database: set option 'url' (or conn = NAME), "
                               "or [postgres] url")
