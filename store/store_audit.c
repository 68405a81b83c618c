/* store_audit.c: see store_audit.h. */
#include "store/store_audit.h"
#include "store/store_int.h"
#include <stdio.h>
#include <string.h>

static void bind_opt_int(store_stmt *st, int i, int64_t v) {
  if(v == STORE_EVENT_NULL) store_bind_null(st, i);
  else store_bind_int64(st, i, v);
}

static int64_t col_opt_int(store_stmt *st, int i) {
  return store_col_is_null(st, i) ? STORE_EVENT_NULL : store_col_int64(st, i);
}

airc_rc store_event_insert(store *p, const store_event_rec *pRec, int64_t *pId, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "INSERT INTO event_log(when_us, event, owner, dag_id, run_id, task_id, map_index, try_number,"
      " logical_date, extra) VALUES(?,?,?,?,?,?,?,?,?,?)", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, pRec->whenUs);
  store_bind_text(st, 2, pRec->zEvent);
  store_bind_text(st, 3, pRec->zOwner);
  store_bind_text(st, 4, pRec->zDagId);
  store_bind_text(st, 5, pRec->zRunId);
  store_bind_text(st, 6, pRec->zTaskId);
  bind_opt_int(st, 7, pRec->mapIndex);
  bind_opt_int(st, 8, pRec->tryNumber);
  bind_opt_int(st, 9, pRec->logicalDate);
  store_bind_text(st, 10, pRec->zExtra);
  int r = store_stmt_step(st, pErr);
  if(r != STORE_ERROR && pId) *pId = store_last_insert_id(p);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "record event '%s'", pRec->zEvent);
    return pErr->rc;
  }
  return AIRC_OK;
}

/* The filter's 7 conditions as 14 binds from iFirst: (? IS NULL OR col=?).
 * The tests are CAST: a parameter used only in "? IS NULL" has no type
 * PostgreSQL could infer (SQLite ignores the cast of a NULL or a text). */
#define EVENT_WHERE                                                                              \
  " WHERE (CAST(? AS TEXT) IS NULL OR dag_id=?) AND (CAST(? AS TEXT) IS NULL OR run_id=?)"       \
  " AND (CAST(? AS TEXT) IS NULL OR task_id=?)"                                                  \
  " AND (CAST(? AS TEXT) IS NULL OR event=?) AND (CAST(? AS TEXT) IS NULL OR owner=?)"           \
  " AND (CAST(? AS BIGINT) IS NULL OR when_us>=?) AND (CAST(? AS BIGINT) IS NULL OR when_us<=?)"
#define EVENT_COLS \
  "SELECT id, when_us, event, owner, dag_id, run_id, task_id, map_index, try_number, logical_date, extra FROM event_log"

static int bind_filter(store_stmt *st, const store_event_filter *pF) {
  const char *az[5] = {pF->zDagId, pF->zRunId, pF->zTaskId, pF->zEvent, pF->zOwner};
  int i = 1;
  for(int k = 0; k < 5; k++, i += 2) {
    store_bind_text(st, i, az[k]);
    store_bind_text(st, i + 1, az[k]);
  }
  int64_t aV[2] = {pF->afterUs, pF->beforeUs};
  for(int k = 0; k < 2; k++, i += 2) {
    bind_opt_int(st, i, aV[k]);
    bind_opt_int(st, i + 1, aV[k]);
  }
  return i;
}

airc_rc store_event_count(store *p, const store_event_filter *pF, int64_t *pnTotal, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, "SELECT count(*) FROM event_log" EVENT_WHERE, pErr);
  if(!st) return pErr->rc;
  bind_filter(st, pF);
  int r = store_stmt_step(st, pErr);
  *pnTotal = r == STORE_ROW ? store_col_int64(st, 0) : 0;
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "count event logs");
    return pErr->rc;
  }
  return AIRC_OK;
}

/* Steps st to the end, a callback per row; does not finish st. */
static int event_walk(store_stmt *st, store_event_fn xRow, void *pCtx, airc_err *pErr, int *pnRow) {
  int r;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW) {
    store_event_rec e;
    e.id = store_col_int64(st, 0);
    e.whenUs = store_col_int64(st, 1);
    e.zEvent = store_col_str(st, 2);
    e.zOwner = store_col_text(st, 3);
    e.zDagId = store_col_text(st, 4);
    e.zRunId = store_col_text(st, 5);
    e.zTaskId = store_col_text(st, 6);
    e.mapIndex = col_opt_int(st, 7);
    e.tryNumber = col_opt_int(st, 8);
    e.logicalDate = col_opt_int(st, 9);
    e.zExtra = store_col_text(st, 10);
    (*pnRow)++;
    if(xRow(pCtx, &e)) return STORE_DONE;
  }
  return r;
}

airc_rc store_event_list(store *p, const store_event_filter *pF, int bDesc, int64_t limit, int64_t offset,
                         store_event_fn xRow, void *pCtx, airc_err *pErr) {
  store_stmt *st = bDesc ? store_stmt_prepare(p, EVENT_COLS EVENT_WHERE " ORDER BY id DESC LIMIT ? OFFSET ?", pErr)
                         : store_stmt_prepare(p, EVENT_COLS EVENT_WHERE " ORDER BY id LIMIT ? OFFSET ?", pErr);
  if(!st) return pErr->rc;
  int i = bind_filter(st, pF);
  store_bind_int64(st, i, limit);
  store_bind_int64(st, i + 1, offset);
  int n = 0;
  int r = event_walk(st, xRow, pCtx, pErr, &n);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "list event logs");
    return pErr->rc;
  }
  return AIRC_OK;
}

airc_rc store_event_get(store *p, int64_t id, store_event_fn xRow, void *pCtx, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, EVENT_COLS " WHERE id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, id);
  int n = 0;
  int r = event_walk(st, xRow, pCtx, pErr, &n);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "get event log");
    return pErr->rc;
  }
  if(!n) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "event log %lld not found", (long long)id);
  return AIRC_OK;
}

airc_rc store_event_prune(store *p, int64_t beforeUs, int nMax, int *pnDeleted, airc_err *pErr) {
  *pnDeleted = 0;
  store_stmt *st = store_stmt_prepare(p,
      "DELETE FROM event_log WHERE id IN (SELECT id FROM event_log WHERE when_us<? ORDER BY when_us LIMIT ?)", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, beforeUs);
  store_bind_int64(st, 2, nMax);
  int r = store_stmt_step(st, pErr);
  if(r != STORE_ERROR) *pnDeleted = (int)store_changes(p);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "prune event logs");
    return pErr->rc;
  }
  return AIRC_OK;
}

airc_rc store_xcom_get(store *p, int64_t runPk, const char *zTaskId, store_xcom_fn xRow, void *pCtx,
                       airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "SELECT r.dag_id, r.run_id, ti.task_id, x.value, x.updated_us, r.logical_date, x.try_number"
      " FROM task_instance ti JOIN dag_run r ON r.id=ti.run_pk LEFT JOIN xcom x ON x.ti_id=ti.id"
      " WHERE ti.run_pk=? AND ti.task_id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, runPk);
  store_bind_text(st, 2, zTaskId);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW && !store_col_is_null(st, 3)) {
    store_xcom_row x;
    x.zDagId = store_col_str(st, 0);
    x.zRunId = store_col_str(st, 1);
    x.zTaskId = store_col_str(st, 2);
    x.zValue = store_col_str(st, 3);
    x.updatedUs = col_opt_int(st, 4);
    x.logicalDate = store_col_int64(st, 5);
    x.tryNumber = store_col_int(st, 6);
    xRow(pCtx, &x);
  }
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "read xcom");
    return pErr->rc;
  }
  if(r == STORE_DONE) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "no task '%s' in this run", zTaskId);
  return AIRC_OK;
}

