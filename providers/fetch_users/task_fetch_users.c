/* task_fetch_users.c: the fetch-users task type (first step of the
 * randomuser -> Kafka -> Spark -> Cassandra pipeline).
 *
 * Fetches users from a randomuser.me-compatible API (providers/fetch_users/fetch_users.c),
 * writes them as JSON Lines to $AIRC_HOME/data/<dag_id>/<run_id>/<task_id>.jsonl
 * and pushes {"path": ..., "records": N, "rejected": M, "duplicates": D} as its XCom. The
 * file appears atomically: records go to "<file>.tmp.<pid>", which is
 * renamed into place only when the fetch succeeded, so a failed try leaves
 * no half file behind. Options: see fetch_users_opts.h and
 * docs/pipeline-fetch.md. */
#include "providers/fetch_users/fetch_users_opts.h"
#include "providers/fetch_users/task_fetch_users.h"

/* xRun is NULL: the body (runner_fetch_users, in
 * providers/fetch_users/run_fetch_users.c) runs in airc-task, see
 * executor/task_types.def. */
const task_type task_type_fetch_users = {
    .schema = {.zName = "fetch-users", .azKeys = fetch_users_azKeys, .xValidate = fetch_users_opt_check},
    .xRun = NULL,
};
