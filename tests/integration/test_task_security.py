"""Task processes and hostile input: values a trigger, a DAG's params or an
upstream task's XCom hand to a shell task, run ids, ids that would make log
file names too long, oversized confs, and what a task process inherits
(signals) from whoever started the scheduler."""
import json
import os
import signal

from conftest import dag_ini


def _sig_bits(status_text, field):
    for line in status_text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1], 16)
    raise AssertionError(f"no {field} in {status_text!r}")


def test_task_starts_with_default_signals_and_empty_mask(home):
    """A scheduler started under nohup (SIGHUP ignored), with SIGINT/SIGQUIT
    ignored and SIGUSR1/SIGTERM blocked, still gives its tasks a clean slate:
    every disposition default, nothing blocked."""
    out = os.path.join(home.path, "sig_status.txt")
    home.write_dag("sig.ini", dag_ini("sig", [("t", {"command": f"cat /proc/self/status > {out}"})]))

    def hostile():
        for s in (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGUSR2):
            signal.signal(s, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGTERM, signal.SIGALRM})

    home.start_scheduler(preexec_fn=hostile)
    run = home.trigger("sig")
    assert home.wait_run("sig", run) == "success"
    status = open(out).read()
    ign, blk = _sig_bits(status, "SigIgn"), _sig_bits(status, "SigBlk")
    for s in (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGUSR2, signal.SIGTERM, signal.SIGPIPE):
        assert not ign & (1 << (s - 1)), f"{signal.Signals(s).name} ignored in the task (SigIgn {ign:x})"
    assert ign == 0, f"SigIgn {ign:x}"
    assert blk == 0, f"SigBlk {blk:x}"
