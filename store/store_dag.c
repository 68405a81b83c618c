/* store_dag.c: DAG rows, versions and import errors (see store_dag.h).
 * Written against store_int.h only, in SQL both backends accept. */
#include "store/store_dag.h"
#include "store/store_int.h"
#include <stdio.h>
#include <stdlib.h>

airc_rc store_dag_file_get(store *s, const char *zDagId, char *zFile, size_t n, int *pbActive,
                           airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(s, "SELECT fileloc, is_active FROM dag WHERE dag_id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zDagId);
  int r = store_stmt_step(st, pErr);
  *pbActive = 0;
  if(n) zFile[0] = 0;
  if(r == STORE_ROW) {
    snprintf(zFile, n, "%s", store_col_str(st, 0));
    *pbActive = store_col_int(st, 1) != 0;
  }
  store_stmt_done(st);
  return r == STORE_ERROR ? pErr->rc : AIRC_OK;
}

airc_rc store_dag_version_put(store *s, const dag *d, int64_t nowUs, airc_err *pErr) {
  json_t *pDoc = dag_to_json(d);
  char *zJson = pDoc ? json_dumps(pDoc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref(pDoc);
  if(!zJson) return airc_err_set(pErr, AIRC_ERR_NOMEM, "DAG '%s': out of memory serialising it", d->zId);
  airc_rc rc = AIRC_OK;
  store_stmt *st = store_stmt_prepare(s,
      "INSERT INTO dag_version(hash, dag_id, json, created_us) VALUES(?,?,?,?)"
      " ON CONFLICT(hash) DO NOTHING", pErr);
  if(!st) rc = pErr->rc;
  else {
    store_bind_text(st, 1, d->zHash);
    store_bind_text(st, 2, d->zId);
    store_bind_text(st, 3, zJson);
    store_bind_int64(st, 4, nowUs);
    rc = store_stmt_run(st, "insert DAG version", pErr);
  }
  free(zJson);
  return rc;
}

airc_rc store_dag_upsert(store *s, const dag *d, const char *zFile, int bPausedIfNew, int64_t nowUs,
                         airc_err *pErr) {
  char *zTags = d->pTags ? json_dumps(d->pTags, JSON_COMPACT) : NULL;
  airc_rc rc = store_begin(s, pErr);
  if(rc) {
    free(zTags);
    return rc;
  }
  store_stmt *st = store_stmt_prepare(s,
      "INSERT INTO dag(dag_id, is_paused, created_us) VALUES(?,?,?) ON CONFLICT(dag_id) DO NOTHING", pErr);
  if(!st) rc = pErr->rc;
  else {
    store_bind_text(st, 1, d->zId);
    store_bind_int64(st, 2, bPausedIfNew ? 1 : 0);
    store_bind_int64(st, 3, nowUs);
    rc = store_stmt_run(st, "insert DAG", pErr);
  }
  if(!rc) {
    st = store_stmt_prepare(s, "UPDATE dag SET fileloc=?, is_active=1, description=?, schedule=?, tags=?,"
                               " current_hash=?, last_parsed_us=? WHERE dag_id=?", pErr);
    if(!st) rc = pErr->rc;
    else {
      store_bind_text(st, 1, zFile);
      store_bind_text(st, 2, d->zDescription);
      store_bind_text(st, 3, d->zSchedule);
      store_bind_text(st, 4, zTags ? zTags : "[]");
      store_bind_text(st, 5, d->zHash);
      store_bind_int64(st, 6, nowUs);
      store_bind_text(st, 7, d->zId);
      rc = store_stmt_run(st, "update DAG", pErr);
    }
  }
  if(!rc) rc = store_commit(s, pErr);
  else store_rollback(s);
  free(zTags);
  return rc;
}

airc_rc store_dag_deactivate(store *s, const char *zDagId, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(s, "UPDATE dag SET is_active=0 WHERE dag_id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zDagId);
  return store_stmt_run(st, "deactivate DAG", pErr);
}

airc_rc store_dag_active_each(store *s, store_dag_file_fn xRow, void *pCtx, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(s, "SELECT dag_id, fileloc FROM dag WHERE is_active=1", pErr);
  if(!st) return pErr->rc;
  int r;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW) {
    store_dag_file_row row = {store_col_str(st, 0), store_col_str(st, 1)};
    if(xRow(pCtx, &row)) break;
  }
  store_stmt_done(st);
  return r == STORE_ERROR ? pErr->rc : AIRC_OK;
}

airc_rc store_import_error_set(store *s, const char *zFile, const char *zMsg, int64_t nowUs, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(s,
      "INSERT INTO import_error(fileloc, message, timestamp_us) VALUES(?,?,?)"
      " ON CONFLICT(fileloc) DO UPDATE SET message=excluded.message, timestamp_us=excluded.timestamp_us"
      " WHERE import_error.message<>excluded.message", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zFile);
  store_bind_text(st, 2, zMsg);
  store_bind_int64(st, 3, nowUs);
  return store_stmt_run(st, "import error", pErr);
}

airc_rc store_import_error_clear(store *s, const char *zFile, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(s, "DELETE FROM import_error WHERE fileloc=?", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zFile);
  return store_stmt_run(st, "import error", pErr);
}

airc_rc store_import_error_each_file(store *s, int (*xFile)(void *pCtx, const char *zFile), void *pCtx,
                                     airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(s, "SELECT fileloc FROM import_error", pErr);
  if(!st) return pErr->rc;
  int r;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW)
    if(xFile(pCtx, store_col_str(st, 0))) break;
  store_stmt_done(st);
  return r == STORE_ERROR ? pErr->rc : AIRC_OK;
}
