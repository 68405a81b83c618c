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


RULE = "allowed: 1-200 of A-Z a-z 0-9 _ . : + ~ -"


def test_cli_refuses_bad_run_ids_with_one_line_usage_error(home):
    home.write_dag("ids.ini", dag_ini("ids", [("t", {"command": "true"})]))
    home.reserialize()
    for bad, want in [("r$(touch pwned)", "run id has '$' at position 2"),
                      ("a\nb", "run id has byte 0x0a at position 2"),
                      ("r" * 201, "run id is 201 bytes long")]:
        r = home.run("dags", "trigger", "ids", "--run-id", bad)
        assert r.returncode == 2, (bad, r.returncode, r.stderr)
        assert r.stderr == f"airc: error: --run-id: {want} ({RULE}) (see 'airc dags trigger --help')\n"
        r = home.run("tasks", "clear", "ids", bad, "--yes")
        assert r.returncode == 2, (bad, r.returncode, r.stderr)
        assert r.stderr == f"airc: error: {want} ({RULE}) (see 'airc tasks clear --help')\n"
    assert home.runs("ids") == []
    assert not os.path.exists(os.path.join(home.path, "pwned"))
    ok = "manual_1.0:a+b~c-" + "x" * 183
    assert home.trigger("ids", "--run-id", ok) == ok


def test_cli_refuses_oversized_conf(home):
    """A conf travels in every task's environment: above 64 KiB it is
    refused at trigger time, by every command that takes --conf."""
    home.write_dag("big.ini", dag_ini("big", [("t", {"command": "true"})]))
    home.reserialize()
    conf = json.dumps({"v": "x" * (64 * 1024)})
    want = "conf is 65544 bytes as JSON, above the limit of 65536 bytes (64 KiB)"
    for args in (["dags", "trigger", "big"], ["dags", "test", "big"], ["tasks", "test", "big", "t"],
                 ["dags", "backfill", "big", "--start-date", "2026-01-01", "--end-date", "2026-01-02"]):
        r = home.run(*args, "--conf", conf)
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        assert r.stderr == f"airc: error: --conf: {want} (see 'airc {args[0]} {args[1]} --help')\n", args
    assert home.runs("big") == []


HOSTILE = ("dq\" sq' $(touch pwned1) `touch pwned2`; touch pwned3 | touch pwned4 & touch pwned5\n"
           "line2 * -n --help \\ \\' 'x' ünïcødé €\n")


def test_conf_value_reaches_the_task_byte_for_byte(home):
    """A conf value full of shell syntax is one argument, delivered exactly,
    whether the author wrote the placeholder bare, in "..." or in '...'; and
    the values of params and upstream XCom are treated the same."""
    out = os.path.join(home.path, "out")
    os.makedirs(out)
    xcom_value = json.dumps({"v": HOSTILE})
    home.write_dag("bytes.ini", dag_ini("bytes", [
        ("bare", {"command": f"printf '%s' {{{{ conf.v }}}} > {out}/bare"}),
        ("dq", {"command": f"printf '%s' \"{{{{ conf.v }}}}\" > {out}/dq"}),
        ("sq", {"command": f"printf '%s' '{{{{ conf.v }}}}' > {out}/sq"}),
        ("sub", {"command": f"x=$(printf '%s.' \"{{{{ conf.v }}}}\"); printf '%s' \"$x\" > {out}/sub"}),
        ("runid", {"command": f"printf '%s' \"{{{{ run_id }}}}\" > {out}/runid"}),
        ("producer", {"command": "cat > \"$AIRC_XCOM_OUT\" <<'EOF'\n  " + xcom_value + "\n  EOF"}),
        ("consumer", {"command": f"printf '%s' {{{{ xcom.producer.v }}}} > {out}/xcom", "upstream": "producer"}),
        ("param", {"command": f"printf '%s' \"{{{{ params.p }}}}\" > {out}/param"}),
    ], **{"params.p": "p'; touch pwned6; echo '"}))
    home.start_scheduler()
    run = home.trigger("bytes", "--conf", json.dumps({"v": HOSTILE}), "--run-id", "r-1.2:3+4~5_")
    assert home.wait_run("bytes", run) == "success", home.tis("bytes", run)
    want = HOSTILE.encode()
    for name in ("bare", "dq", "sq"):
        assert open(os.path.join(out, name), "rb").read() == want, name
    assert open(os.path.join(out, "sub"), "rb").read() == want + b"."
    assert open(os.path.join(out, "xcom"), "rb").read() == want
    assert open(os.path.join(out, "runid"), "rb").read() == b"r-1.2:3+4~5_"
    assert open(os.path.join(out, "param"), "rb").read() == b"p'; touch pwned6; echo '"
    for d in (home.path, out):
        assert not [f for f in os.listdir(d) if f.startswith("pwned")], os.listdir(d)


def test_hostile_ids_and_values_create_nothing(home):
    """`r$(touch pwned)`-style values: refused as run ids, inert as conf."""
    home.write_dag("inert.ini", dag_ini("inert", [
        ("t", {"command": "echo \"{{ conf.v }}\" {{ conf.v }} '{{ conf.v }}'; echo \"{{ run_id }}\""})]))
    home.start_scheduler()
    r = home.run("dags", "trigger", "inert", "--run-id", "r$(touch pwned)")
    assert r.returncode == 2
    run = home.trigger("inert", "--conf", json.dumps({"v": "r$(touch pwned)`touch pwned`;touch pwned"}))
    assert home.wait_run("inert", run) == "success"
    log = home.run("tasks", "logs", "inert", run, "t", check=True).stdout
    assert "r$(touch pwned)`touch pwned`;touch pwned r$(touch pwned)`touch pwned`;touch pwned" in log
    assert not os.path.exists(os.path.join(home.path, "pwned"))


def test_unquotable_placeholder_is_a_dag_import_error(home):
    home.write_dag("tick.ini", "[dag]\nid = tick\nschedule = none\n\n[task t]\ntype = shell\n"
                               "command = echo `echo {{ conf.v }}`\n")
    errs = home.import_errors(reparse=True)
    assert errs["tick.ini"].endswith("tick.ini:7: task 't': command: template: {{ conf.v }} cannot be "
                                     "quoted for the shell: it is inside backticks (use $(...) instead)"), errs


def test_raw_filter_inserts_unquoted(home):
    out = os.path.join(home.path, "raw.txt")
    home.write_dag("raw.ini", dag_ini("raw", [("t", {"command": f"{{{{ conf.cmd | raw }}}} > {out}"})]))
    home.start_scheduler()
    run = home.trigger("raw", "--conf", json.dumps({"cmd": "echo one; echo two"}))
    assert home.wait_run("raw", run) == "success"
    assert open(out).read() == "two\n"
