"""Task execution through a real scheduler: dependencies, retries, timeouts,
skips, trigger rules, XCom, templating, environment, logs."""
import os
import time

from conftest import SLOW, dag_ini, wait_for


def test_dependencies_run_in_order(home):
    out = os.path.join(home.path, "order.txt")
    home.write_dag("chain.ini", dag_ini("chain", [
        ("a", {"command": f"echo a >> {out}; sleep 0.2"}),
        ("b", {"command": f"echo b >> {out}", "upstream": "a"}),
        ("c", {"command": f"echo c >> {out}", "upstream": "a"}),
        ("d", {"command": f"echo d >> {out}", "upstream": "b, c"}),
    ]))
    home.start_scheduler()
    run = home.trigger("chain")
    assert home.wait_run("chain", run) == "success"
    order = open(out).read().split()
    assert order[0] == "a" and order[-1] == "d" and sorted(order[1:3]) == ["b", "c"]
    tis = home.tis("chain", run)
    assert all(t["state"] == "success" and t["try_number"] == 1 for t in tis.values())
    assert tis["d"]["start_date"] >= max(tis["b"]["end_date"], tis["c"]["end_date"])


def test_retries_with_exponential_backoff(home):
    counter = os.path.join(home.path, "tries")
    # fails twice, then succeeds; delays 1s then 2s
    home.write_dag("flaky.ini", dag_ini("flaky", [
        ("t", {"command": f"echo x >> {counter}; test $(wc -l < {counter}) -ge 3",
               "retries": "3", "retry_delay": "1s", "retry_exponential_backoff": "true"}),
    ]))
    home.start_scheduler()
    run = home.trigger("flaky")
    assert home.wait_run("flaky", run, 30) == "success"
    t = home.tis("flaky", run)["t"]
    assert t["try_number"] == 3
    assert len(open(counter).read().split()) == 3
    # each try has its own log
    for n in (1, 2, 3):
        r = home.run("tasks", "logs", "flaky", run, "t", "--try", str(n), check=True)
        assert f"try {n} started" in r.stdout


def test_retries_exhausted_fail_the_run(home):
    home.write_dag("bad.ini", dag_ini("bad", [
        ("t", {"command": "echo boom >&2; exit 3", "retries": "1", "retry_delay": "0s"}),
        ("after", {"command": "true", "upstream": "t"}),
    ]))
    home.start_scheduler()
    run = home.trigger("bad")
    assert home.wait_run("bad", run) == "failed"
    tis = home.tis("bad", run)
    assert tis["t"]["state"] == "failed" and tis["t"]["try_number"] == 2
    assert tis["t"]["note"] == "exited with code 3: boom"
    assert tis["after"]["state"] == "upstream_failed"
    log = home.run("tasks", "logs", "bad", run, "t", check=True).stdout
    assert "boom" in log and "task failed" in log


def test_execution_timeout_kills_the_process_group(home):
    pidfile = os.path.join(home.path, "child.pid")
    home.write_dag("slow.ini", dag_ini("slow", [
        ("t", {"command": f"sleep 300 & echo $! > {pidfile}; wait", "execution_timeout": "1s"}),
    ]))
    home.start_scheduler()
    run = home.trigger("slow")
    assert home.wait_run("slow", run, 30) == "failed"
    t = home.tis("slow", run)["t"]
    assert "execution_timeout of 1s exceeded" in t["note"]
    child = int(open(pidfile).read())
    # the background child in the task's process group is gone too
    wait_for(lambda: not os.path.exists(f"/proc/{child}") or
             open(f"/proc/{child}/stat").read().split()[2] == "Z", 10, what="background child killed")
    log = home.run("tasks", "logs", "slow", run, "t", check=True).stdout
    assert "sent SIGTERM to process group" in log


def test_exit_99_skips_and_skips_propagate(home):
    home.write_dag("skip.ini", dag_ini("skip", [
        ("check", {"command": "exit 99"}),
        ("work", {"command": "true", "upstream": "check"}),
        ("cleanup", {"command": "true", "upstream": "work", "trigger_rule": "none_failed"}),
    ]))
    home.start_scheduler()
    run = home.trigger("skip")
    assert home.wait_run("skip", run) == "success"
    tis = home.tis("skip", run)
    assert tis["check"]["state"] == "skipped"
    assert tis["work"]["state"] == "skipped"
    assert tis["cleanup"]["state"] == "success"


def test_trigger_rules(home):
    home.write_dag("rules.ini", dag_ini("rules", [
        ("ok", {"command": "true"}),
        ("bad", {"command": "false"}),
        ("all_done", {"command": "true", "upstream": "ok, bad", "trigger_rule": "all_done"}),
        ("one_failed", {"command": "true", "upstream": "ok, bad", "trigger_rule": "one_failed"}),
        ("one_success", {"command": "true", "upstream": "ok, bad", "trigger_rule": "one_success"}),
        ("all_failed", {"command": "true", "upstream": "bad", "trigger_rule": "all_failed"}),
        ("all_success", {"command": "true", "upstream": "ok, bad"}),
        ("none_failed", {"command": "true", "upstream": "ok, bad", "trigger_rule": "none_failed"}),
        ("none_skipped", {"command": "true", "upstream": "ok, bad", "trigger_rule": "none_skipped"}),
        ("always", {"command": "true", "upstream": "all_success", "trigger_rule": "always"}),
        ("all_failed_skip", {"command": "true", "upstream": "ok", "trigger_rule": "all_failed"}),
    ]))
    home.start_scheduler()
    run = home.trigger("rules")
    home.wait_run("rules", run)
    s = {k: v["state"] for k, v in home.tis("rules", run).items()}
    assert s == {
        "ok": "success", "bad": "failed", "all_done": "success", "one_failed": "success",
        "one_success": "success", "all_failed": "success", "all_success": "upstream_failed",
        "none_failed": "upstream_failed", "none_skipped": "success", "always": "success",
        "all_failed_skip": "skipped",
    }


def test_xcom_templating_and_environment(home):
    home.write_dag("tpl.json", """{
      "dag": {"id": "tpl", "schedule": "@daily", "start_date": "2026-01-01T00:00:00Z",
              "params": {"who": "world", "n": 3}},
      "tasks": [
        {"id": "produce", "type": "shell",
         "command": "echo '{\\"path\\": \\"/data/x.jsonl\\", \\"records\\": 7}' > $AIRC_XCOM_OUT"},
        {"id": "consume", "type": "shell", "upstream": ["produce"],
         "command": "echo ds={{ ds }} ts={{ ts }} run={{ run_id }} dag={{ dag_id }} task={{ task_id }} try={{ try_number }} who={{ params.who }} n={{ params.n }} color={{ conf.color }} path={{ xcom.produce.path }} rec={{ xcom.produce.records }} start={{ data_interval_start }} end={{ data_interval_end }}; echo env=$AIRC_DS/$AIRC_DAG_ID/$AIRC_TASK_ID/$AIRC_TRY_NUMBER/$AIRC_CONF_COLOR/$AIRC_PARAMS_WHO"}
      ]}""")
    home.start_scheduler()
    run = home.trigger("tpl", "--conf", '{"color": "blue"}', "--logical-date", "2026-03-05T00:00:00Z",
                       "--run-id", "my_run")
    assert run == "my_run"
    assert home.wait_run("tpl", run) == "success"
    log = home.run("tasks", "logs", "tpl", run, "consume", check=True).stdout
    assert ("ds=2026-03-05 ts=2026-03-05T00:00:00+00:00 run=my_run dag=tpl task=consume try=1 who=world n=3 "
            "color=blue path=/data/x.jsonl rec=7 start=2026-03-04T00:00:00+00:00 end=2026-03-05T00:00:00+00:00") in log
    assert "env=2026-03-05/tpl/consume/1/blue/world" in log
    tis = home.tis("tpl", run)
    assert tis["produce"]["xcom"] == {"path": "/data/x.jsonl", "records": 7}


def test_unknown_template_variable_fails_the_task_clearly(home):
    home.write_dag("typo.ini", dag_ini("typo", [("t", {"command": "echo {{ params.nope }}"})]))
    home.start_scheduler()
    run = home.trigger("typo")
    assert home.wait_run("typo", run) == "failed"
    assert home.tis("typo", run)["t"]["note"] == "template: unknown variable 'params.nope': command" or \
        "unknown variable 'params.nope'" in home.tis("typo", run)["t"]["note"]


def test_failed_start_is_a_task_failure_with_the_reason(home):
    home.write_dag("nocwd.ini", dag_ini("nocwd", [("t", {"command": "true", "cwd": "/nonexistent/dir"})]))
    home.start_scheduler()
    run = home.trigger("nocwd")
    assert home.wait_run("nocwd", run) == "failed"
    log = home.run("tasks", "logs", "nocwd", run, "t", check=True).stdout
    assert "cannot enter working directory /nonexistent/dir" in log


def test_a_plain_command_runs_without_a_shell_and_a_shell_one_with_it(home):
    # executor/shell_direct.h: plain words are exec'd at once (the script's
    # parent is the supervisor), anything with shell syntax goes to /bin/sh
    # (the script's parent is sh); both see their arguments as written
    script = os.path.join(home.path, "who.sh")
    with open(script, "w") as f:
        f.write('#!/bin/sh\necho "parent=$(cat /proc/$PPID/comm) args=$*"\n')
    os.chmod(script, 0o755)
    home.write_dag("direct.ini", dag_ini("direct", [
        ("plain", {"command": f"{script} --date=2024-01-01 a,b"}),
        ("quoted", {"command": f"{script} 'x y' \"$((1+1))\""}),
        ("missing", {"command": "no-such-program-airc --flag"}),
        ("missing_sh", {"command": "no-such-program-airc --flag | cat; exit 127"}),
    ]))
    home.start_scheduler()
    run = home.trigger("direct")
    assert home.wait_run("direct", run) == "failed"
    tis = home.tis("direct", run)
    assert tis["plain"]["state"] == "success" and tis["quoted"]["state"] == "success"
    plain = home.run("tasks", "logs", "direct", run, "plain", check=True).stdout
    assert "parent=airc-supervisor args=--date=2024-01-01 a,b" in plain
    quoted = home.run("tasks", "logs", "direct", run, "quoted", check=True).stdout
    assert "parent=sh args=x y 2" in quoted
    # a program that is not there: one line naming it, as sh's "not found" would
    assert tis["missing"]["state"] == "failed"
    assert tis["missing"]["note"] == "exec failed: no-such-program-airc: No such file or directory"
    assert tis["missing_sh"]["state"] == "failed" and "exited with code 127" in tis["missing_sh"]["note"]


def test_log_is_capped_with_a_marker(home):
    home.env["AIRC__LOGGING__MAX_LOG_BYTES"] = "10000"
    home.write_dag("loud.ini", dag_ini("loud", [("t", {"command": "yes airc | head -c 1000000; echo done"})]))
    home.start_scheduler()
    run = home.trigger("loud")
    assert home.wait_run("loud", run) == "success"
    log = home.run("tasks", "logs", "loud", run, "t", check=True).stdout
    assert "log capped at 10000 bytes" in log
    assert len(log) < 12000


def test_trigger_wait_reports_progress_and_outcome(home):
    home.write_dag("w.ini", dag_ini("w", [("a", {"command": "sleep 0.3"}), ("b", {"command": "false", "upstream": "a"})]))
    home.start_scheduler()
    r = home.run("dags", "trigger", "w", "--wait")
    assert r.returncode == 1
    assert "0/2 tasks done" in r.stdout and "failed" in r.stdout.splitlines()[-1]
    home.write_dag("w2.ini", dag_ini("w2", [("a", {"command": "true"})]))
    wait_for(lambda: "w2" in [d["dag_id"] for d in home.json("dags", "list")], 10, what="w2 loaded")
    r = home.run("dags", "trigger", "w2", "--wait")
    assert r.returncode == 0 and "success, 1/1 tasks done" in r.stdout


def test_max_active_tasks_limits_concurrency(home):
    marks = os.path.join(home.path, "marks")
    os.makedirs(marks)
    tasks = [(f"t{i}", {"command": f"touch {marks}/start_$AIRC_TASK_ID; n=$(ls {marks} | grep -c start_); "
                                    f"r=$(ls {marks} | grep -c end_); echo $((n-r)) > {marks}/conc_$AIRC_TASK_ID; "
                                    f"sleep 0.3; touch {marks}/end_$AIRC_TASK_ID"}) for i in range(6)]
    home.write_dag("lim.ini", dag_ini("lim", tasks, max_active_tasks="2"))
    home.start_scheduler()
    run = home.trigger("lim")
    assert home.wait_run("lim", run, 30) == "success"
    conc = [int(open(os.path.join(marks, f)).read()) for f in os.listdir(marks) if f.startswith("conc_")]
    assert len(conc) == 6 and max(conc) <= 2
