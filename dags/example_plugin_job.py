"""example_plugin_job: the function example_plugins.ini's `python` task
calls (the python plugin, plugins/python/airc-type-python). It gets the
context keys its signature names, plus the task's `kwargs`; what it
returns becomes the task's XCom."""


def summarize(dag_id, run_id, params, xcom, status):
    health = xcom.get("check_health", {})
    print(f"{dag_id} {run_id}: the store is {status} (HTTP {health.get('status_code')})")
    return {"store": status, "threshold": params.get("threshold"), "ok": status == "healthy"}
