"""libpq and libcurl are loaded with dlopen() on first use (store/pq_lazy.h,
executor/sensor_poke.c), not linked into bin/airc. When the library found
is not usable, the user gets one line saying so: here a stand-in library
of the right soname without the symbols, first on LD_LIBRARY_PATH."""
import os
import subprocess

import pytest

from conftest import dag_ini, wait_for


@pytest.fixture
def fake_lib(tmp_path):
    """fake_lib(SONAME): a folder holding an empty library of that name (one
    library a folder: on PostgreSQL the scheduler needs the real libpq)."""
    src = tmp_path / "empty.c"
    src.write_text("int airc_fake_lib;\n")

    def make(name):
        d = tmp_path / name.split(".")[0]
        d.mkdir()
        subprocess.run(["cc", "-shared", "-fPIC", "-o", str(d / name), str(src)], check=True)
        return str(d)
    return make


def test_unusable_libpq_is_one_line_at_open(home, fake_lib):
    home.env["LD_LIBRARY_PATH"] = fake_lib("libpq.so.5")
    home.env["AIRC__DATABASE__URL"] = "postgresql://airc:pw-secret@127.0.0.1:9/airc"
    r = home.run("dags", "list")
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "cannot load libpq: libpq.so.5 has no PQcmdTuples" in lines[0]
    assert "pw-secret" not in lines[0]


def test_unusable_libcurl_is_the_http_pokes_log_line(home, fake_lib):
    home.env["LD_LIBRARY_PATH"] = fake_lib("libcurl.so.4")
    home.write_dag("h.ini", dag_ini("h", [
        ("up", {"type": "sensor", "sensor": "http", "url": "http://127.0.0.1:9/x", "poke_interval": "1s",
                "timeout": "2s"}),
    ]))
    home.start_scheduler()
    wait_for(lambda: "h" in home.run("dags", "list").stdout, 10, what="DAG h known")
    run = home.trigger("h")
    assert home.wait_run("h", run) == "failed"
    log = open(os.path.join(home.path, "logs", "dag_id=h", f"run_id={run}", "task_id=up", "attempt=1.log")).read()
    assert "GET http://127.0.0.1:9/x: cannot load libcurl: libcurl.so.4 has no curl_global_init" in log
