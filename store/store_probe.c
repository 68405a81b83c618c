/* store_probe.c: see store_probe.h. */
#include "store/store_probe.h"
#include "store/store_int.h"
#include "store/pq_lazy.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

airc_rc store_probe_external_state(store *p, const char *zDagId, const char *zTaskId, int64_t logicalDate,
                                   char *zState, size_t nState, airc_err *pErr) {
  zState[0] = 0;
  store_stmt *st;
  if(zTaskId) {
    /* a mapped task: failed if one failed, running while one is not done,
     * success when all succeeded (any skipped: skipped) */
    st = store_stmt_prepare(p,
        "SELECT CASE WHEN count(*)=0 THEN ''"
        " WHEN sum(CASE WHEN ti.state='success' THEN 1 ELSE 0 END)=count(*) THEN 'success'"
        " WHEN count(*)=1 THEN min(ti.state)"
        " WHEN sum(CASE WHEN ti.state IN ('failed','upstream_failed') THEN 1 ELSE 0 END)>0 THEN 'failed'"
        " WHEN sum(CASE WHEN ti.state IN ('success','skipped') THEN 1 ELSE 0 END)=count(*) THEN 'skipped'"
        " ELSE 'running' END"
        " FROM task_instance ti JOIN dag_run r ON r.id=ti.run_pk"
        " WHERE r.dag_id=?1 AND r.logical_date=?2 AND ti.task_id=?3", pErr);
    if(!st) return pErr->rc;
    store_bind_text(st, 3, zTaskId);
  } else {
    st = store_stmt_prepare(p, "SELECT state FROM dag_run WHERE dag_id=?1 AND logical_date=?2 ORDER BY id DESC LIMIT 1",
                            pErr);
    if(!st) return pErr->rc;
  }
  store_bind_text(st, 1, zDagId);
  store_bind_int64(st, 2, logicalDate);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) snprintf(zState, nState, "%s", store_col_str(st, 0));
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "external_task sensor: read the state of DAG '%s'", zDagId);
    return pErr->rc;
  }
  return AIRC_OK;
}

/* One line of a libpq message (they end with a newline, some have more). */
static void one_line(const char *zIn, char *zOut, size_t n) {
  snprintf(zOut, n, "%s", zIn ? zIn : "unknown error");
  for(char *z = zOut; *z; z++)
    if(*z == '\n' || *z == '\r') {
      *z = 0;
      break;
    }
}

static int cell_is_true(const char *z) {
  static const char *const azFalse[] = {"", "0", "f", "false", "no", "off", NULL};
  for(int i = 0; azFalse[i]; i++)
    if(!strcasecmp(z, azFalse[i])) return 0;
  return 1;
}

airc_rc store_probe_sql(const store_probe_conn *pConn, const char *zSql, int timeoutSec, int *pbTrue,
                        airc_err *pErr) {
  *pbTrue = 0;
  char zPort[16], zTimeout[16], zOptions[64];
  snprintf(zPort, sizeof(zPort), "%d", pConn->port);
  snprintf(zTimeout, sizeof(zTimeout), "%d", timeoutSec > 0 ? timeoutSec : 30);
  snprintf(zOptions, sizeof(zOptions), "-c statement_timeout=%ds", timeoutSec > 0 ? timeoutSec : 30);
  const char *azKey[8], *azVal[8];
  int n = 0;
  if(pConn->zHost && *pConn->zHost) azKey[n] = "host", azVal[n++] = pConn->zHost;
  if(pConn->port > 0) azKey[n] = "port", azVal[n++] = zPort;
  if(pConn->zLogin && *pConn->zLogin) azKey[n] = "user", azVal[n++] = pConn->zLogin;
  if(pConn->zPassword && *pConn->zPassword) azKey[n] = "password", azVal[n++] = pConn->zPassword;
  if(pConn->zSchema && *pConn->zSchema) azKey[n] = "dbname", azVal[n++] = pConn->zSchema;
  azKey[n] = "connect_timeout", azVal[n++] = zTimeout;
  azKey[n] = "options", azVal[n++] = zOptions;
  azKey[n] = NULL, azVal[n] = NULL;
  PGconn *db = PQconnectdbParams(azKey, azVal, 0);
  char zMsg[400];
  if(!db || PQstatus(db) != CONNECTION_OK) {
    one_line(PQerrorMessage(db), zMsg, sizeof(zMsg));
    PQfinish(db);
    return airc_err_set(pErr, AIRC_ERR_IO, "sql sensor: cannot connect: %s", zMsg);
  }
  PGresult *res = PQexec(db, zSql);
  airc_rc rc = AIRC_OK;
  ExecStatusType est = PQresultStatus(res);
  if(est == PGRES_TUPLES_OK) {
    *pbTrue = PQntuples(res) > 0 && PQnfields(res) > 0 && !PQgetisnull(res, 0, 0) &&
              cell_is_true(PQgetvalue(res, 0, 0));
  } else if(est != PGRES_COMMAND_OK) {
    one_line(PQresultErrorMessage(res), zMsg, sizeof(zMsg));
    rc = airc_err_set(pErr, AIRC_ERR_IO, "sql sensor: %s", zMsg);
  }
  PQclear(res);
  PQfinish(db);
  return rc;
}
