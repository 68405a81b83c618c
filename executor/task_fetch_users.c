/* task_fetch_users.c: the fetch-users task type (first step of the
 * randomuser -> Kafka -> Spark -> Cassandra pipeline).
 *
 * Fetches users from a randomuser.me-compatible API (executor/fetch_users.c),
 * writes them as JSON Lines to $AIRC_HOME/data/<dag_id>/<run_id>/<task_id>.jsonl
 * and pushes {"path": ..., "records": N, "rejected": M, "duplicates": D} as its XCom. The
 * file appears atomically: records go to "<file>.tmp.<pid>", which is
 * renamed into place only when the fetch succeeded, so a failed try leaves
 * no half file behind. Options: see fetch_users_opts.h and
 * docs/pipeline-fetch.md. */
#include "executor/fetch_users_opts.h"
#include "executor/task_fetch_users.h"

/* The body runs in airc-task (executor/runners/run_fetch_users.c). */
static int fetch_users_xrun(const task_ctx *pCtx) { return task_run_in_runner(pCtx, "fetch-users"); }

const task_type task_type_fetch_users = {
    "fetch-users", fetch_users_azKeys, NULL, fetch_users_opt_check, fetch_users_xrun,
};
