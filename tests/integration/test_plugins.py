"""Task types as plugins: `airc-type-NAME` programs in the plugins folder
(executor/task_plugin.h). The contract (--describe checked at parse time
with file:line errors, options as JSON on stdin, AIRC_* environment, exit
codes and $AIRC_XCOM_OUT), the describe cache, `airc plugins list`, and the
two shipped plugins: http (C, libcurl) against a local HTTP server and
python (module:function in a virtualenv)."""
import http.server
import json
import os

import subprocess
import sys
import threading

import pytest

from conftest import AIRC, Home, db_rows, wait_for

# the shipped plugins, built by `make` beside the binary under test
PLUGINS = os.path.join(os.path.dirname(os.path.abspath(AIRC)), "plugins")

ECHO_PLUGIN = r"""#!/bin/sh
# a plugin in sh: counts its --describe calls, echoes its stdin to the log and XCom
if [ "$1" = "--describe" ]; then
  echo x >> "$(dirname "$0")/describe-calls"
  cat <<'EOF'
{"name": "echo", "description": "test plugin",
 "options": [{"name": "message", "type": "string", "required": true},
             {"name": "count", "type": "integer", "default": 3},
             {"name": "loud", "type": "boolean"},
             {"name": "token", "type": "string", "secret": true},
             {"name": "exit_code", "type": "integer", "default": 0}]}
EOF
  exit 0
fi
IN=$(cat)
echo "stdin: $IN"
echo "dag=$AIRC_DAG_ID task=$AIRC_TASK_ID run=$AIRC_RUN_ID try=$AIRC_TRY_NUMBER"
printf '%s' "$IN" > "$AIRC_XCOM_OUT"
code=$(printf '%s' "$IN" | python3 -c 'import json,sys; print(json.load(sys.stdin)["exit_code"])')
exit "$code"
"""


def make_plugin(folder, name, text):
    os.makedirs(folder, exist_ok=True)
    p = os.path.join(folder, "airc-type-" + name)
    with open(p, "w") as f:
        f.write(text)
    os.chmod(p, 0o755)
    return p


@pytest.fixture
def home(tmp_path):
    h = Home(tmp_path)
    yield h
    h.stop()


def plugin_home(home):
    folder = os.path.join(home.path, "plugins")
    make_plugin(folder, "echo", ECHO_PLUGIN)
    return folder


def test_plugin_runs_with_options_on_stdin_env_and_xcom(home):
    plugin_home(home)
    home.write_dag("p.ini", "[dag]\nid = p\n\n[task a]\ntype = echo\nmessage = hi {{ ds }}\nloud = yes\n"
                            "token = s3cr3t-token\n")
    home.reserialize()
    assert home.import_errors() == {}
    run_id = home.trigger("p")
    home.start_scheduler()
    assert home.wait_run("p", run_id) == "success"
    log = home.run("tasks", "logs", "p", run_id, "a", check=True).stdout
    line = [ln for ln in log.splitlines() if "stdin: " in ln][0]
    got = json.loads(line.split("stdin: ", 1)[1])
    # typed as described, the default filled in, the rendered template
    assert got["message"].startswith("hi 2") and got["count"] == 3 and got["loud"] is True
    assert got["exit_code"] == 0
    # a secret option is masked in the log
    assert got["token"] == "***" and "s3cr3t-token" not in log
    assert "dag=p task=a run=%s try=1" % run_id in log


def test_plugin_exit_codes_fail_and_skip(home):
    plugin_home(home)
    home.write_dag("q.ini", "[dag]\nid = q\n\n[task bad]\ntype = echo\nmessage = m\nexit_code = 3\n\n"
                            "[task skip]\ntype = echo\nmessage = m\nexit_code = 99\n")
    home.reserialize()
    run_id = home.trigger("q")
    home.start_scheduler()
    home.wait_run("q", run_id)
    tis = home.tis("q", run_id)
    assert tis["bad"]["state"] == "failed" and tis["skip"]["state"] == "skipped"


def test_parse_errors_name_file_and_line(home):
    plugin_home(home)
    home.write_dag("u.ini", "[dag]\nid = u\n\n[task a]\ntype = echo\nmessage = m\ncolour = red\n")
    home.write_dag("m.ini", "[dag]\nid = m\n\n[task a]\ntype = echo\ncount = 2\n")
    home.write_dag("t.ini", "[dag]\nid = t\n\n[task a]\ntype = echo\nmessage = m\ncount = many\n")
    home.reserialize()
    errs = home.import_errors()
    assert "u.ini:7: task 'a': unknown key 'colour' for a task of type 'echo'" in errs["u.ini"]
    assert "m.ini:4: task 'a': missing 'message' (required by type 'echo')" in errs["m.ini"]
    assert "t.ini:7: task 'a': count: 'many' is not an integer" in errs["t.ini"]


def test_describe_is_cached_by_path_and_mtime(home):
    folder = plugin_home(home)
    for i in range(20):
        home.write_dag("d%d.ini" % i, "[dag]\nid = d%d\n\n[task a]\ntype = echo\nmessage = m\n" % i)
    home.reserialize()
    home.run("plugins", "list", check=True)
    home.run("dags", "reserialize", check=True)
    calls = lambda: open(os.path.join(folder, "describe-calls")).read().count("x")
    assert calls() == 1, "20 DAG files and three commands ran --describe %d times" % calls()
    # a changed program is described again
    p = os.path.join(folder, "airc-type-echo")
    st = os.stat(p)
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    home.run("plugins", "list", check=True)
    assert calls() == 2


def test_plugins_list_and_broken_plugin(home):
    folder = plugin_home(home)
    make_plugin(folder, "broken", "#!/bin/sh\necho 'cannot start: no config' >&2\nexit 2\n")
    make_plugin(folder, "badjson", "#!/bin/sh\necho '{\"options\": [{\"name\": \"id\"}]}'\n")
    make_plugin(folder, "shell", "#!/bin/sh\necho '{\"options\": []}'\n")
    rows = {r["name"]: r for r in home.json("plugins", "list")}
    assert rows["echo"]["status"] == "ok" and rows["echo"]["error"] is None
    assert [o["name"] for o in rows["echo"]["options"]] == ["message", "count", "loud", "token", "exit_code"]
    assert rows["broken"]["error"] == "--describe exited with status 2: cannot start: no config"
    assert "option 'id' is a key every task takes" in rows["badjson"]["error"]
    assert "shadowed by the built-in task type" in rows["shell"]["error"]
    table = home.run("plugins", "list", check=True).stdout
    assert "message*" in table and "count=3" in table and "token (secret)" in table
    # a DAG naming a broken plugin is an unknown type
    home.write_dag("b.ini", "[dag]\nid = b\n\n[task a]\ntype = broken\n")
    home.reserialize()
    assert "b.ini:5: task 'a': unknown task type 'broken'" in home.import_errors()["b.ini"]


def test_plugins_folder_setting(home, tmp_path):
    other = str(tmp_path / "elsewhere")
    make_plugin(other, "echo", ECHO_PLUGIN)
    home.env["AIRC__CORE__PLUGINS_FOLDER"] = other
    rows = home.json("plugins", "list")
    assert [r["name"] for r in rows] == ["echo"] and rows[0]["path"] == other + "/airc-type-echo"


class Handler(http.server.BaseHTTPRequestHandler):
    seen = []

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode()
        Handler.seen.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization"),
                             "x": self.headers.get("X-Run")})
        code = 201 if self.path == "/ok" else 500
        data = json.dumps({"received": json.loads(body)}).encode() if code == 201 else b"server exploded\nmore"
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a):
        pass


@pytest.fixture
def http_server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    Handler.seen = []
    yield srv
    srv.shutdown()


def test_http_plugin_against_a_local_server(home, http_server):
    home.env["AIRC__CORE__PLUGINS_FOLDER"] = PLUGINS
    port = http_server.server_address[1]
    home.write_dag("h.ini", f"""[dag]
id = h

[task post]
type = http
method = POST
url = http://127.0.0.1:{port}/ok
headers = {{"X-Run": "{{{{ run_id }}}}", "Content-Type": "application/json"}}
body = {{"ds": "{{{{ ds }}}}"}}
expected_status = [200, 201]
auth_token = tok-very-secret

[task fails]
type = http
method = POST
url = http://127.0.0.1:{port}/boom
body = {{}}
""")
    home.reserialize()
    assert home.import_errors() == {}
    run_id = home.trigger("h")
    home.start_scheduler()
    home.wait_run("h", run_id)
    tis = home.tis("h", run_id)
    assert tis["post"]["state"] == "success", home.run("tasks", "logs", "h", run_id, "post").stdout
    assert tis["fails"]["state"] == "failed"
    seen = [s for s in Handler.seen if s["path"] == "/ok"][0]
    assert seen["auth"] == "Bearer tok-very-secret" and seen["x"] == run_id
    assert json.loads(seen["body"])["ds"][:2] == "20"
    log = home.run("tasks", "logs", "h", run_id, "fails", check=True).stdout
    assert "answered 500 (expected 2xx): server exploded" in log
    # the response is the XCom
    val = [json.loads(r[0]) for r in db_rows(home, "SELECT value FROM xcom")
           if "status_code" in r[0] and "received" in r[0]]
    assert val and val[0]["status_code"] == 201 and val[0]["body"]["received"]["ds"][:2] == "20"


def test_http_plugin_refuses_bad_options_at_parse_time(home):
    home.env["AIRC__CORE__PLUGINS_FOLDER"] = PLUGINS
    home.write_dag("h2.ini", "[dag]\nid = h2\n\n[task a]\ntype = http\nurl = http://x\ntimeout = soon\n")
    home.write_dag("h3.ini", "[dag]\nid = h3\n\n[task a]\ntype = http\nheaders = {not json\nurl = http://x\n")
    home.reserialize()
    errs = home.import_errors()
    assert "h2.ini:7: task 'a': timeout: 'soon' is not an integer" in errs["h2.ini"]
    assert "h3.ini:6: task 'a': headers: not JSON" in errs["h3.ini"]


def test_python_plugin_calls_function_in_venv(home, tmp_path):
    home.env["AIRC__CORE__PLUGINS_FOLDER"] = PLUGINS
    venv = str(tmp_path / "venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True, timeout=120)
    mod = tmp_path / "code"
    mod.mkdir()
    (mod / "etl_job.py").write_text(
        "import sys\n"
        "def load(dag_id, run_id, params, table, ds):\n"
        "    print('loading', table, 'for', dag_id, 'in', sys.prefix)\n"
        "    return {'table': table, 'run': run_id, 'n': params['n'] * 2, 'ds': ds, 'prefix': sys.prefix}\n"
        "def boom(**context):\n"
        "    raise ValueError('no rows for ' + context['task_id'])\n"
        "class SkipTask(Exception):\n    pass\n"
        "def skip():\n    raise SkipTask('nothing to do')\n")
    home.write_dag("py.ini", f"""[dag]
id = py
params.n = 21
params.n.type = integer

[task load]
type = python
callable = etl_job:load
venv = {venv}
python_path = {mod}
kwargs = {{"table": "users"}}

[task boom]
type = python
callable = etl_job:boom
python_path = {mod}

[task skip]
type = python
callable = etl_job:skip
python_path = {mod}

[task novenv]
type = python
callable = etl_job:load
venv = {tmp_path}/nowhere
""")
    home.reserialize()
    assert home.import_errors() == {}
    run_id = home.trigger("py")
    home.start_scheduler()
    home.wait_run("py", run_id)
    tis = home.tis("py", run_id)
    assert tis["load"]["state"] == "success", home.run("tasks", "logs", "py", run_id, "load").stdout
    assert tis["boom"]["state"] == "failed" and tis["skip"]["state"] == "skipped"
    assert tis["novenv"]["state"] == "failed"
    vals = [json.loads(r[0]) for r in db_rows(home, "SELECT value FROM xcom") if "users" in r[0]]
    assert vals[0]["n"] == 42 and vals[0]["run"] == run_id and vals[0]["table"] == "users"
    assert os.path.realpath(vals[0]["prefix"]) == os.path.realpath(venv)
    boom = home.run("tasks", "logs", "py", run_id, "boom", check=True).stdout
    assert "ValueError: no rows for boom" in boom
    nov = home.run("tasks", "logs", "py", run_id, "novenv", check=True).stdout
    assert "has no bin/python" in nov


class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        data = json.dumps({"metadatabase": {"status": "healthy"}}).encode()
        self.send_response(200 if self.path == "/api/v1/health" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a):
        pass


def test_example_plugins_dag_runs(home):
    """dags/example_plugins.ini and its module, as shipped (the health route
    served by a stand-in on a free port)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        home.env["AIRC__CORE__PLUGINS_FOLDER"] = PLUGINS
        text = open(os.path.join(root, "dags", "example_plugins.ini")).read()
        home.write_dag("example_plugins.ini", text.replace("127.0.0.1:8080", "127.0.0.1:%d" % srv.server_address[1]))
        with open(os.path.join(root, "dags", "example_plugin_job.py")) as f:
            home.write_dag("example_plugin_job.py", f.read())
        with open(os.path.join(root, "dags", "example_pipeline_conn.ini")) as f:
            home.write_dag("example_pipeline_conn.ini", f.read())
        home.reserialize()
        assert home.import_errors() == {}
        run_id = home.trigger("example_plugins")
        home.start_scheduler()
        assert home.wait_run("example_plugins", run_id) == "success"
        log = home.run("tasks", "logs", "example_plugins", run_id, "summarize", check=True).stdout
        assert "the store is healthy (HTTP 200)" in log
    finally:
        srv.shutdown()


def test_plugin_installed_later_cures_the_import_error(home):
    """The scheduler re-parses unchanged DAG files when the set of plugins
    changes: a DAG naming a plugin installed after it was parsed loads."""
    home.env["AIRC__SCHEDULER__DAG_DIR_LIST_INTERVAL"] = "1"
    home.write_dag("late.ini", "[dag]\nid = late\n\n[task a]\ntype = echo\nmessage = m\n")
    home.start_scheduler()
    wait_for(lambda: "unknown task type 'echo'" in home.import_errors().get("late.ini", ""), what="import error")
    plugin_home(home)
    wait_for(lambda: home.import_errors() == {}, timeout=30, what="the error cured by the plugin")
    run_id = home.trigger("late")
    assert home.wait_run("late", run_id) == "success"
