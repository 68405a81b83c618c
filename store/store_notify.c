/* store_notify.c: see store_notify.h. */
#include "store/store_notify.h"
#include "store/store_int.h"
#include <string.h>

airc_rc store_notify_add(store *p, const store_notify_new *pN, int64_t nowUs, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "INSERT INTO notification(created_us, event, dag_id, run_id, task_id, try_number, target, payload,"
      " state, attempts, next_attempt_us) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,'pending',0,?1)", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, nowUs);
  store_bind_text(st, 2, pN->zEvent);
  store_bind_text(st, 3, pN->zDagId);
  store_bind_text(st, 4, pN->zRunId);
  store_bind_text(st, 5, pN->zTaskId);
  if(pN->zTaskId) store_bind_int64(st, 6, pN->tryNumber);
  else store_bind_null(st, 6);
  store_bind_text(st, 7, pN->zTarget);
  store_bind_text(st, 8, pN->zPayload);
  return store_stmt_run(st, "write notification", pErr);
}

#define NOTIFY_COLS \
  "id, created_us, event, dag_id, run_id, task_id, try_number, target, payload, state, attempts," \
  " next_attempt_us, sent_us, last_error"

static int notify_row_call(store_stmt *st, store_notify_fn xRow, void *pCtx) {
  store_notify_row r = {store_col_int64(st, 0), store_col_int64(st, 1), store_col_str(st, 2), store_col_str(st, 3),
                        store_col_str(st, 4), store_col_str(st, 5), store_col_int(st, 6), store_col_str(st, 7),
                        store_col_str(st, 8), store_col_str(st, 9), store_col_int(st, 10), store_col_int64(st, 11),
                        store_col_int64(st, 12), store_col_str(st, 13)};
  return xRow(pCtx, &r);
}

static airc_rc notify_walk(store_stmt *st, store_notify_fn xRow, void *pCtx, const char *zWhat, airc_err *pErr) {
  int r;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW)
    if(notify_row_call(st, xRow, pCtx)) break;
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "%s: ", zWhat);
    return pErr->rc;
  }
  return AIRC_OK;
}

airc_rc store_notify_each(store *p, const char *zDagId, const char *zState, int nLimit, store_notify_fn xRow,
                          void *pCtx, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "SELECT " NOTIFY_COLS " FROM notification WHERE (CAST(?1 AS TEXT) IS NULL OR dag_id=?1)"
      " AND (CAST(?2 AS TEXT) IS NULL OR state=?2)"
      " ORDER BY id DESC LIMIT ?3", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zDagId);
  store_bind_text(st, 2, zState);
  store_bind_int64(st, 3, nLimit > 0 ? nLimit : INT32_MAX);
  return notify_walk(st, xRow, pCtx, "read notifications", pErr);
}

airc_rc store_notify_get(store *p, int64_t id, store_notify_fn xRow, void *pCtx, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, "SELECT " NOTIFY_COLS " FROM notification WHERE id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, id);
  return notify_walk(st, xRow, pCtx, "read notification", pErr);
}

airc_rc store_notify_claim(store *p, int64_t nowUs, int64_t leaseUntilUs, int64_t *aId, int nMax, int *pn,
                           airc_err *pErr) {
  *pn = 0;
  airc_rc rc = store_begin(p, pErr);
  if(rc) return rc;
  int64_t aCand[64];
  int nCand = 0;
  if(nMax > 64) nMax = 64;
  store_stmt *st = store_stmt_prepare(p,
      "SELECT id FROM notification WHERE state='pending' AND next_attempt_us<=?1"
      " AND (lease_until_us IS NULL OR lease_until_us<?1) ORDER BY next_attempt_us, id LIMIT ?2", pErr);
  if(!st) rc = pErr->rc;
  if(!rc) {
    store_bind_int64(st, 1, nowUs);
    store_bind_int64(st, 2, nMax);
    int r;
    while((r = store_stmt_step(st, pErr)) == STORE_ROW) aCand[nCand++] = store_col_int64(st, 0);
    store_stmt_done(st);
    if(r == STORE_ERROR) rc = pErr->rc;
  }
  for(int i = 0; !rc && i < nCand; i++) {
    /* fenced: a row another deliverer leased meanwhile is not ours */
    st = store_stmt_prepare(p,
        "UPDATE notification SET lease_until_us=?1 WHERE id=?2 AND state='pending'"
        " AND (lease_until_us IS NULL OR lease_until_us<?3)", pErr);
    if(!st) {
      rc = pErr->rc;
      break;
    }
    store_bind_int64(st, 1, leaseUntilUs);
    store_bind_int64(st, 2, aCand[i]);
    store_bind_int64(st, 3, nowUs);
    int64_t n = 0;
    rc = store_stmt_run_changes(p, st, "claim notification", &n, pErr);
    if(!rc && n) aId[(*pn)++] = aCand[i];
  }
  if(!rc) rc = store_commit(p, pErr);
  else store_rollback(p);
  if(rc) *pn = 0;
  return rc;
}

airc_rc store_notify_attempted(store *p, int64_t id, int bSent, const char *zError, int64_t nextAttemptUs,
                               int64_t nowUs, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "UPDATE notification SET attempts=attempts+1, lease_until_us=NULL, last_error=?2,"
      " state=CASE WHEN ?3<>0 THEN 'sent' WHEN ?4>0 THEN 'pending' ELSE 'failed' END,"
      " sent_us=CASE WHEN ?3<>0 THEN ?5 ELSE sent_us END,"
      " next_attempt_us=CASE WHEN ?4>0 THEN ?4 ELSE next_attempt_us END WHERE id=?1", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, id);
  store_bind_text(st, 2, zError);
  store_bind_int64(st, 3, bSent ? 1 : 0);
  store_bind_int64(st, 4, nextAttemptUs);
  store_bind_int64(st, 5, nowUs);
  return store_stmt_run(st, "record notification attempt", pErr);
}

airc_rc store_deadline_each_missed(store *p, int64_t nowUs, store_deadline_fn xRow, void *pCtx, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "SELECT id, dag_id, run_id, dag_hash, state, logical_date, deadline_us FROM dag_run"
      " WHERE deadline_us IS NOT NULL AND deadline_missed_us IS NULL AND deadline_us<=?"
      " AND state IN ('queued','running') AND is_test=0 ORDER BY deadline_us", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, nowUs);
  int r;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW) {
    store_deadline_row row = {store_col_int64(st, 0), store_col_str(st, 1), store_col_str(st, 2),
                              store_col_str(st, 3), store_col_str(st, 4), store_col_int64(st, 5),
                              store_col_int64(st, 6)};
    if(xRow(pCtx, &row)) break;
  }
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "read deadlines: ");
    return pErr->rc;
  }
  return AIRC_OK;
}

airc_rc store_deadline_mark_missed(store *p, int64_t runPk, int64_t nowUs, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p, "UPDATE dag_run SET deadline_missed_us=? WHERE id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, nowUs);
  store_bind_int64(st, 2, runPk);
  return store_stmt_run(st, "mark deadline missed", pErr);
}

airc_rc store_notify_run_logical(store *p, int64_t runPk, int64_t *pLogical, airc_err *pErr) {
  *pLogical = 0;
  store_stmt *st = store_stmt_prepare(p, "SELECT logical_date FROM dag_run WHERE id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, runPk);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) *pLogical = store_col_int64(st, 0);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "read run: ");
    return pErr->rc;
  }
  if(r == STORE_DONE) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "run %lld vanished", (long long)runPk);
  return AIRC_OK;
}
