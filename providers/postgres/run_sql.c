/* run_sql.c: the body of the sql task, run by airc-task
 * (cli/airc_task_main.c); its spec and contract are in task_sql.c. */
#include <stdio.h>
#include <string.h>
#include "executor/task_opt.h"
#include "providers/postgres/pg_task_conn.h"
#include "providers/postgres/pg_text.h"
#include "providers/runners.h"

#define TYPE "sql"

/* Runs z; AIRC_OK when it did not fail. *ppRes keeps the result (caller
 * clears) when ppRes is not NULL. */
static airc_rc sql_exec(PGconn *c, const task_ctx *pCtx, const char *zOpt, const char *z, PGresult **ppRes,
                        airc_err *pErr) {
  PGresult *r = PQexec(c, z);
  ExecStatusType st = PQresultStatus(r);
  if(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
    if(ppRes) *ppRes = r;
    else PQclear(r);
    return AIRC_OK;
  }
  char zWhy[700];
  pg_conn_result_error(r, c, zWhy, sizeof(zWhy));
  PQclear(r);
  return airc_err_set(pErr, AIRC_ERR_EXEC, TYPE ": task '%s': option '%s': %s", pCtx->zTaskId ? pCtx->zTaskId : "?",
                      zOpt, zWhy);
}

static airc_rc sql_run_tx(PGconn *c, const task_ctx *pCtx, const char *zSql, const char *zCheck, int64_t timeoutMs,
                          json_t *pX, airc_err *pErr) {
  char zSet[80];
  snprintf(zSet, sizeof(zSet), "SET LOCAL statement_timeout = %lld", (long long)timeoutMs);
  PGresult *r = NULL;
  airc_rc rc = sql_exec(c, pCtx, "sql", "BEGIN", NULL, pErr);
  if(!rc) rc = sql_exec(c, pCtx, "timeout", zSet, NULL, pErr);
  if(!rc) rc = sql_exec(c, pCtx, "sql", zSql, &r, pErr);
  if(!rc) {
    const char *zTag = PQcmdStatus(r);
    json_object_set_new(pX, "status", json_string(zTag ? zTag : ""));
    printf("sql: ran sql: %s\n", zTag && *zTag ? zTag : "(no statement)");
    PQclear(r);
    r = NULL;
  }
  if(!rc && zCheck) {
    rc = sql_exec(c, pCtx, "check", zCheck, &r, pErr);
    if(!rc) {
      int bAny = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && PQnfields(r) > 0;
      int bNull = !bAny || PQgetisnull(r, 0, 0);
      const char *zVal = bAny ? PQgetvalue(r, 0, 0) : "";
      json_object_set_new(pX, "check", bNull ? json_null() : json_string(zVal));
      if(!pg_text_truthy(zVal, bNull)) {
        char zQ[300], zV[120];
        pg_text_one_line(zCheck, zQ, sizeof(zQ));
        pg_text_one_line(zVal, zV, sizeof(zV));
        rc = airc_err_set(pErr, AIRC_ERR_INVALID, TYPE ": task '%s': check failed: %s returned %s%s%s",
                          pCtx->zTaskId ? pCtx->zTaskId : "?", zQ, bAny ? "" : "no rows",
                          bAny && bNull ? "NULL" : "", bAny && !bNull ? zV : "");
      } else {
        printf("sql: check passed: %s\n", zVal);
      }
      PQclear(r);
    }
  }
  if(!rc) rc = sql_exec(c, pCtx, "sql", "COMMIT", NULL, pErr);
  else PQclear(PQexec(c, "ROLLBACK"));
  return rc;
}

int runner_sql(const task_ctx *pCtx) {
  airc_err err = {0};
  pg_conn_opts co;
  int64_t timeoutMs, port;
  pg_task_conn_opts(pCtx, &co);
  const char *zSql = task_opt_str(pCtx, "sql", NULL);
  const char *zCheck = task_opt_str(pCtx, "check", NULL);
  const char *zTask = pCtx->zTaskId ? pCtx->zTaskId : "?";
  airc_rc rc = task_opt_duration_ms(pCtx, TYPE, "timeout", 300000, &timeoutMs, &err);
  if(!rc) rc = task_opt_int(pCtx, TYPE, "port", 5432, 1, 65535, &port, &err);
  if(!rc && !zSql)
    rc = airc_err_set(&err, AIRC_ERR_INVALID, TYPE ": task '%s': option 'sql' is missing or empty", zTask);
  if(!rc && !co.zUrl && !co.zHost)
    rc = airc_err_set(&err, AIRC_ERR_INVALID,
                      TYPE ": task '%s': no database: set option 'url' (or conn = NAME), or [postgres] url", zTask);
  co.connectTimeoutMs = timeoutMs < 10000 ? timeoutMs : 10000;
  PGconn *c = NULL;
  if(!rc) {
    rc = pg_conn_open(&co, &c, &err);
    if(rc) airc_err_prefix(&err, TYPE ": task '%s'", zTask);
  }
  json_t *pX = json_pack("{snsn}", "status", "check");
  if(!rc) {
    printf("sql: connected to database %s at %s:%s\n", PQdb(c), PQhost(c), PQport(c));
    fflush(stdout);
    rc = sql_run_tx(c, pCtx, zSql, zCheck, timeoutMs, pX, &err);
  }
  if(!rc && (!pX || task_xcom_write(pCtx, pX) != 0))
    rc = airc_err_set(&err, AIRC_ERR_IO, TYPE ": task '%s': cannot write XCom", zTask);
  json_decref(pX);
  PQfinish(c);
  fflush(stdout);
  if(rc) {
    fprintf(stderr, "%s\n", airc_err_msg(&err));
    return TASK_EXIT_FAILED;
  }
  return TASK_EXIT_SUCCESS;
}

