/* run_validate_postgres.c: the body of the validate-postgres task, run by
 * airc-task (cli/airc_task_main.c); its spec (keys, checks, conn mapping)
 * is task_validate_postgres.c, the check itself pg_validate.c. */
#include <stdio.h>
#include <string.h>
#include "executor/task_opt.h"
#include "providers/expected_users.h"
#include "providers/postgres/pg_task_conn.h"
#include "providers/postgres/pg_text.h"
#include "providers/postgres/pg_validate.h"
#include "providers/runners.h"

#define TYPE "validate-postgres"

static airc_rc validate_postgres_opts(const task_ctx *pCtx, pg_validate_opts *o, airc_err *pErr) {
  int64_t port;
  memset(o, 0, sizeof(*o));
  pg_task_conn_opts(pCtx, &o->conn);
  o->zTable = task_opt_str(pCtx, "table", "created_users");
  o->zInput = task_opt_str(pCtx, "input", task_opt_upstream_path(pCtx));
  o->pProgress = stdout;
  airc_rc rc = task_opt_int(pCtx, TYPE, "port", 5432, 1, 65535, &port, pErr);
  if(!rc) rc = task_opt_duration_ms(pCtx, TYPE, "timeout", 60000, &o->timeoutMs, pErr);
  if(!rc) rc = task_opt_duration_ms(pCtx, TYPE, "poll_interval", 2000, &o->pollMs, pErr);
  if(!rc && !pg_text_ident_ok(o->zTable))
    rc = airc_err_set(pErr, AIRC_ERR_INVALID, TYPE ": option 'table': '%s' is not a plain SQL identifier",
                      o->zTable);
  if(!rc && !o->zInput)
    rc = airc_err_set(pErr, AIRC_ERR_INVALID,
                      TYPE ": no input: set option 'input' (e.g. {{ xcom.fetch_users.path }})");
  if(!rc && !o->conn.zUrl && !o->conn.zHost)
    rc = airc_err_set(pErr, AIRC_ERR_INVALID,
                      TYPE ": no database: set option 'url' (or conn = NAME), or [postgres] url");
  o->conn.connectTimeoutMs = o->timeoutMs < 5000 ? o->timeoutMs : 5000;
  return rc;
}

int runner_validate_postgres(const task_ctx *pCtx) {
  pg_validate_opts o;
  pg_validate_result res;
  airc_err err = {0};
  memset(&res, 0, sizeof(res));
  airc_rc rc = validate_postgres_opts(pCtx, &o, &err);
  int bRan = !rc;
  if(bRan) rc = pg_validate_file(&o, &res, &err);
  return expected_users_task_exit(pCtx, TYPE, rc, bRan, &res, &err);
}
