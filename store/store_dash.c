/* store_dash.c: see store_dash.h (the calendar and a DAG's source reference). */
#include "store/store_dash.h"
#include "store/store_int.h"
#include <stdio.h>
#include <string.h>

airc_rc store_dash_calendar(store *p, const char *zDagId, int64_t fromSec, int64_t toSec, store_dash_day_fn xRow,
                            void *pCtx, airc_err *pErr) {
  /* integer division floors for the non-negative dates asked for; the
   * dag_run(dag_id, logical_date) index bounds the scan */
  store_stmt *st = store_stmt_prepare(p,
      "SELECT logical_date / 86400 AS day, state, count(*) FROM dag_run"
      " WHERE dag_id=? AND logical_date >= ? AND logical_date < ?"
      " GROUP BY logical_date / 86400, state ORDER BY 1, 2", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zDagId);
  store_bind_int64(st, 2, fromSec);
  store_bind_int64(st, 3, toSec);
  int r;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW) {
    store_dash_day d = {store_col_int64(st, 0), store_col_str(st, 1), store_col_int64(st, 2)};
    if(xRow(pCtx, &d)) break;
  }
  store_stmt_done(st);
  if(r == STORE_ERROR) return pErr->rc;
  return AIRC_OK;
}

airc_rc store_dash_dag_source_ref(store *p, const char *zDagId, char *zFile, size_t nFile, char *zHash, size_t nHash,
                                  airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, "SELECT coalesce(fileloc, ''), coalesce(current_hash, '') FROM dag WHERE dag_id=?",
                                      pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zDagId);
  int r = store_stmt_step(st, pErr);
  airc_rc rc = AIRC_OK;
  if(r == STORE_ROW) {
    const char *zF = store_col_str(st, 0), *zH = store_col_str(st, 1);
    if(strlen(zF) >= nFile || strlen(zH) >= nHash)
      rc = airc_err_set(pErr, AIRC_ERR_INVALID, "DAG '%s': file path or hash too long", zDagId);
    else {
      snprintf(zFile, nFile, "%s", zF);
      snprintf(zHash, nHash, "%s", zH);
    }
  }
  store_stmt_done(st);
  if(r == STORE_ERROR) return pErr->rc;
  if(r == STORE_DONE) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "DAG '%s' not found", zDagId);
  return rc;
}
