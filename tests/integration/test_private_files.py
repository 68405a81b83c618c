"""What airc keeps is its user's alone: the run folder is refused unless it
is a 0700 folder of the user (a 0755 one or a symlink stops the scheduler
with one clear line), files in it are never written through a planted
symlink, and everything airc creates in AIRC_HOME and the run folder has no
group or other permission bits whatever the caller's umask."""
import os
import shutil
import stat
import subprocess

import pytest

from conftest import AIRC, SLOW, dag_ini, run_folder, sqlite_only


@pytest.fixture
def clean_run_folder(home):
    """The run folder of this home, removed before and after the test (it
    lives on tmpfs, outside the test's temporary folder)."""
    path = run_folder(home)
    assert path.startswith("/")

    def rm():
        if os.path.islink(path) or os.path.isfile(path):
            os.unlink(path)
        elif os.path.isdir(path):
            shutil.rmtree(path)
    rm()
    yield path
    rm()


def scheduler_refuses(home):
    os.chmod(home.path, 0o700)  # no warning about AIRC_HOME: the error is the only line
    r = subprocess.run([AIRC, "scheduler"], env=home.env, capture_output=True, text=True, timeout=20 * SLOW)
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    return lines[0]


def test_run_folder_open_to_others_is_refused(home, clean_run_folder):
    os.mkdir(clean_run_folder)
    os.chmod(clean_run_folder, 0o755)
    assert scheduler_refuses(home) == (
        f"airc: error: run folder {clean_run_folder}: has mode 0755 (group or others can use it); "
        f"remove it or chmod 700 it")
    # airc did not quietly take it over
    assert stat.S_IMODE(os.lstat(clean_run_folder).st_mode) == 0o755
    # nor does a task test run in it
    home.write_dag("one.ini", dag_ini("one", [("t", {"command": "true"})]))
    r = home.run("tasks", "test", "one", "t")
    assert r.returncode != 0
    assert f"airc: error: run folder {clean_run_folder}: has mode 0755" in r.stderr


def test_run_folder_symlink_is_refused(home, clean_run_folder, tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o700)
    os.symlink(target, clean_run_folder)
    assert scheduler_refuses(home) == (
        f"airc: error: run folder {clean_run_folder}: is a symbolic link, not a folder of yours; remove it")
    assert list(target.iterdir()) == []


def test_run_folder_prefers_xdg_runtime_dir(home, tmp_path):
    xdg = tmp_path / "xdg"
    xdg.mkdir(mode=0o700)
    home.env["XDG_RUNTIME_DIR"] = str(xdg)
    path = run_folder(home)
    assert os.path.dirname(path) == str(xdg)
    home.run("db", "init", check=True)
    st = os.lstat(path)
    assert stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o700
    # without it: /dev/shm (tmpfs), named after the uid and AIRC_HOME
    del home.env["XDG_RUNTIME_DIR"]
    assert run_folder(home).startswith(f"/dev/shm/airc-{os.getuid()}-")


def test_planted_symlinks_in_the_run_folder_are_not_followed(home, clean_run_folder, tmp_path):
    home.write_dag("xc.ini", dag_ini("xc", [
        ("a", {"command": 'echo \'{"n": 1}\' > "$AIRC_XCOM_OUT"'}),
        ("b", {"command": "echo b", "upstream": "a"}),
    ]))
    home.run("db", "init", check=True)
    victim = tmp_path / "victim"
    victim.write_text("precious")
    # a fresh home numbers its task instances from 1: plant a link at every
    # temporary result name the first tries will use
    os.makedirs(os.path.join(clean_run_folder, "results"), mode=0o700, exist_ok=True)
    for ti in range(1, 11):
        os.symlink(victim, os.path.join(clean_run_folder, "results", f"{ti}-1.json.tmp"))
    home.start_scheduler()
    run = home.trigger("xc")
    assert home.wait_run("xc", run) == "success"
    assert victim.read_text() == "precious"
    assert home.tis("xc", run)["a"]["xcom"] == {"n": 1}


@sqlite_only("file modes of airc.db and its -wal/-shm")
def test_nothing_airc_creates_is_open_to_others(home, clean_run_folder):
    """Run with umask 022, as a login shell would: airc sets its own."""
    ours = {home.path, home.dags}  # made by the test fixture, not by airc
    ours.add(home.write_dag("ok.ini", dag_ini("ok", [
        ("a", {"command": 'echo \'"v"\' > "$AIRC_XCOM_OUT"; echo out'}),
        ("b", {"command": "echo b", "upstream": "a"}),
    ])))
    ours.add(os.path.join(home.path, "scheduler-0.log"))
    old = os.umask(0o022)
    try:
        home.run("db", "init", check=True)
        home.start_scheduler()
        run = home.trigger("ok")
        assert home.wait_run("ok", run) == "success"
        r = home.run("tasks", "test", "ok", "b", check=True)
        assert "out" not in r.stderr
    finally:
        os.umask(old)
    bad, seen = [], 0
    for top in (home.path, clean_run_folder):
        for d, dirs, files in os.walk(top):
            for name in [d] + [os.path.join(d, f) for f in files]:
                if name in ours:
                    continue
                seen += 1
                mode = stat.S_IMODE(os.lstat(name).st_mode)
                if mode & 0o077:
                    bad.append(f"{name} {mode:04o}")
    assert bad == []
    # the walk saw the store, its WAL, logs, the run folder's files
    names = {os.path.basename(p) for top in (home.path, clean_run_folder) for p in os.listdir(top)}
    assert {"airc.db", "logs", "tries.lock", "scheduler.lock", "doorbell", "results"} <= names
    assert seen >= 10


@sqlite_only("file modes of airc.db and its -wal/-shm")
def test_loose_modes_are_tightened_with_a_warning(home):
    home.run("db", "init", check=True)
    db = os.path.join(home.path, "airc.db")
    ini = os.path.join(home.path, "airc.ini")
    with open(ini, "w") as f:
        f.write("[core]\nparallelism = 4\n")
    os.chmod(ini, 0o644)
    os.chmod(db, 0o644)
    os.chmod(home.path, 0o755)
    r = home.run("db", "init", check=True)
    assert (f"airc: warning: AIRC_HOME {home.path} has mode 0755: other users can look inside; "
            f"run 'chmod 700 {home.path}'") in r.stderr.splitlines()
    assert f"airc: warning: {ini} had mode 0644: tightened to owner-only" in r.stderr.splitlines()
    assert any(line.endswith(f"{db} had mode 0644: tightened to owner-only") for line in r.stderr.splitlines())
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(ini).st_mode) == 0o600
    # the user's folder is theirs: warned about, not changed
    assert stat.S_IMODE(os.stat(home.path).st_mode) == 0o755
    # once: nothing left to tighten the next time
    r = home.run("db", "init", check=True)
    assert "tightened to owner-only" not in r.stderr
    os.chmod(home.path, 0o700)
    r = home.run("db", "init", check=True)
    assert "warning" not in r.stderr
