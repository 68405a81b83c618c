/* pg_task_conn.c: see pg_task_conn.h. */
#include "providers/postgres/pg_task_conn.h"
#include <stdio.h>
#include <string.h>
#include "common/config.h"
#include "executor/task_opt.h"
#include "executor/task_type.h"

void pg_task_conn_options(const json_t *pConn, json_t *pOpts) {
  task_type_conn_db_options(pConn, pOpts, "database");
}

void pg_task_conn_opts(const task_ctx *pCtx, pg_conn_opts *o) {
  memset(o, 0, sizeof(*o));
  o->zUrl = task_opt_str(pCtx, "url", airc_config_get("postgres", "url", NULL));
  o->zHost = task_opt_str(pCtx, "host", NULL);
  o->zPort = task_opt_str(pCtx, "port", NULL);
  o->zUser = task_opt_str(pCtx, "username", NULL);
  o->zPassword = task_opt_str(pCtx, "password", NULL);
  o->zDatabase = task_opt_str(pCtx, "database", NULL);
}
