"""Disk full: $AIRC_HOME (store and task logs) on a small filesystem that
fills up while the scheduler runs. The scheduler must keep running, the try
that could not write its log fails with a one-line reason, the store stays
intact, and everything resumes once space returns."""
import errno
import json
import os
import shutil
import subprocess
import time

import pytest

from conftest import SLOW, Home, dag_ini, run_folder, wait_for, sqlite_only

FS_SIZE = 4 * 1024 * 1024


def _mount_small_fs(mnt, work):
    """Mounts a FS_SIZE filesystem on mnt: tmpfs, else a loop-mounted ext4
    image. Returns a reason string when neither is possible."""
    if os.geteuid() != 0:
        return "needs root to mount a small filesystem"
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={FS_SIZE},mode=0700", "tmpfs", mnt],
                       capture_output=True, text=True)
    if r.returncode == 0:
        return None
    img = os.path.join(work, "small.img")
    if not shutil.which("mkfs.ext4"):
        return f"cannot mount tmpfs ({r.stderr.strip()}) and mkfs.ext4 is missing"
    with open(img, "wb") as f:
        f.truncate(FS_SIZE)
    r2 = subprocess.run(["mkfs.ext4", "-q", "-F", img], capture_output=True, text=True)
    if r2.returncode == 0:
        r2 = subprocess.run(["mount", "-o", "loop", img, mnt], capture_output=True, text=True)
    if r2.returncode != 0:
        return f"cannot mount tmpfs ({r.stderr.strip()}) nor a loop ext4 image ({r2.stderr.strip()})"
    os.chmod(mnt, 0o700)
    return None


@pytest.fixture
def small_home(tmp_path):
    mnt = tmp_path / "home"
    mnt.mkdir()
    why = _mount_small_fs(str(mnt), str(tmp_path))
    if why:
        pytest.skip(why)
    h = None
    try:
        h = Home(mnt)
        h.log_dir = str(tmp_path)  # the scheduler's own output stays readable
        yield h
    finally:
        bad = []
        if h is not None:
            shutil.rmtree(run_folder(h), ignore_errors=True)
            bad = h.stop()
        for _ in range(50):
            if subprocess.run(["umount", str(mnt)], capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        else:
            subprocess.run(["umount", "-l", str(mnt)], capture_output=True)
        assert not bad, "; ".join(bad)


def fill(path, room):
    """Fills the filesystem of `path` with a file at `path`, leaving about
    `room` bytes free."""
    chunk = b"\0" * 65536
    # unbuffered: a buffered writer would retry its leftover bytes on
    # truncate() and close() and fail again with ENOSPC
    with open(path, "wb", buffering=0) as f:
        try:
            while True:
                f.write(chunk)
        except OSError as e:
            assert e.errno == errno.ENOSPC, e
        f.truncate(max(0, f.tell() - room))
    return os.path.getsize(path)


@sqlite_only("fills the disk under airc.db")
def test_disk_full_scheduler_survives_tasks_fail_clearly_and_resumes(small_home, tmp_path):
    home = small_home
    size_file = tmp_path / "size"
    size_file.write_text("10M\n")
    home.write_dag("big.ini", dag_ini("big", [
        ("bulk", {"command": f"yes | head -c $(cat {size_file})"}),
        ("after", {"command": "echo after", "upstream": "bulk"}),
    ]))
    home.write_dag("ok.ini", dag_ini("ok", [("hello", {"command": "echo hello"})]))
    # a quiet task that runs across the episode: its result waits in the
    # run folder until the store takes it
    home.write_dag("nap.ini", dag_ini("nap", [("sleep", {"command": "sleep 2"})]))
    sched = home.start_scheduler()
    wait_for(lambda: {d["dag_id"] for d in home.json("dags", "list")} >= {"big", "ok", "nap"}, 10,
             what="the DAGs parsed")
    first = home.trigger("ok")
    assert home.wait_run("ok", first, 20) == "success"
    nap = home.trigger("nap")
    wait_for(lambda: home.tis("nap", nap)["sleep"]["state"] == "running", 10, what="nap running")

    filler = os.path.join(home.path, "filler")
    fill(filler, 256 * 1024)
    run = home.trigger("big")
    # bulk's output fills the disk; its supervisor gives up on the log,
    # stops the task and leaves its result in the run folder (another
    # filesystem). The store may be too full to record it yet.
    wait_for(lambda: home.tis("big", run)["bulk"]["state"] == "failed"
             or home.scheduler_log_has("store is full"), 20, 0.2,
             what="bulk to fail or the store to fill up")
    log_path = os.path.join(home.path, "logs", "dag_id=big", f"run_id={run}", "task_id=bulk", "attempt=1.log")
    assert os.path.getsize(log_path) < FS_SIZE  # a slice of the 10M, not the whole
    # the disk is full now: more runs, more commits; the scheduler keeps going
    wait_for(lambda: shutil.disk_usage(home.path).free < 64 * 1024, 10, what="the disk to be full")
    r = home.run("dags", "trigger", "ok")
    if r.returncode != 0:
        # the CLI's own write was refused: one clear error line
        errors = [l for l in r.stderr.splitlines() if l.startswith("airc: error:")]
        assert len(errors) == 1 and "disk is full" in errors[0], r.stderr
    time.sleep(2 * SLOW)
    assert sched.poll() is None, "the scheduler exited on a full disk"
    r = home.run("db", "check")
    assert r.returncode == 0 and "ok" in r.stdout, (r.stdout, r.stderr)

    # space returns: everything recorded, nothing lost
    os.unlink(filler)
    assert home.wait_run("big", run, 30) == "failed"
    tis = home.tis("big", run)
    assert tis["bulk"]["state"] == "failed", tis
    assert "No space left on device" in tis["bulk"]["note"], tis["bulk"]
    assert tis["bulk"]["note"].count("\n") == 0
    assert tis["after"]["state"] == "upstream_failed", tis
    assert home.wait_run("nap", nap, 20) == "success"
    # the store refused the scheduler's commits while the disk was full (its
    # WAL had to grow): said once per episode, not once per retry
    wait_for(lambda: home.scheduler_log_has("store writable again"), 10, what="recovery logged")
    with open(os.path.join(home.log_dir, "scheduler-0.log")) as f:
        text = f.read()
    assert text.count("store is full") == 1, text
    assert "database or disk is full" in text, text

    # the failed run can be cleared and re-run; new runs succeed
    size_file.write_text("10K\n")
    home.run("tasks", "clear", "big", run, check=True)
    assert home.wait_run("big", run, 30) == "success"
    assert os.path.getsize(log_path.replace("attempt=1", "attempt=2")) > 10 * 1024
    again = home.trigger("ok")
    assert home.wait_run("ok", again, 20) == "success"
    assert sched.poll() is None
    r = home.run("db", "check")
    assert r.returncode == 0 and "ok" in r.stdout, (r.stdout, r.stderr)
    assert json.loads(json.dumps(home.runs("ok")))  # the store reads back fine
