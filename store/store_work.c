/* store_work.c: the distributed executor's typed calls (store_work.h).
 *
 * Facts only: which try a worker may run, its lease, its result, its log
 * chunks, and the scheduler lease. What an expired lease or a result
 * means for the task instance (failed, up_for_retry, ...) is decided by
 * the scheduler (scheduler/sched_dist.c). */
#include "store/store_work.h"
#include "store/store_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static airc_rc work_exec(store_stmt *st, const char *zWhat, airc_err *pErr) {
  int r = store_stmt_step(st, pErr);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "%s", zWhat);
    return pErr->rc;
  }
  return AIRC_OK;
}

/* Like work_exec, and *pbChanged = rows changed > 0. */
static airc_rc work_exec_changed(store *p, store_stmt *st, const char *zWhat, int *pbChanged, airc_err *pErr) {
  int r = store_stmt_step(st, pErr);
  *pbChanged = r != STORE_ERROR && store_changes(p) > 0;
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "%s", zWhat);
    return pErr->rc;
  }
  return AIRC_OK;
}

airc_rc store_work_enqueue(store *p, int64_t tiId, int tryNumber, const char *zQueue, const char *zRequest,
                           int64_t nowUs, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "INSERT INTO task_claim(ti_id, try_number, queue, request, queued_us) VALUES(?1, ?2, ?3, ?4, ?5)"
      " ON CONFLICT(ti_id) DO UPDATE SET try_number=excluded.try_number, queue=excluded.queue,"
      " request=excluded.request, queued_us=excluded.queued_us, worker=NULL, lease_token=NULL,"
      " lease_until_us=NULL, result=NULL", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, tiId);
  store_bind_int64(st, 2, tryNumber);
  store_bind_text(st, 3, zQueue);
  store_bind_text(st, 4, zRequest);
  store_bind_int64(st, 5, nowUs);
  return work_exec(st, "queue try for a worker", pErr);
}

airc_rc store_work_each_done_or_expired(store *p, int64_t nowUs, store_work_fn xRow, void *pCtx, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "SELECT ti_id, try_number, coalesce(worker, ''), coalesce(lease_until_us, 0), result FROM task_claim"
      " WHERE result IS NOT NULL"
      " OR (worker IS NOT NULL AND lease_until_us < ?1)"
      " ORDER BY result IS NULL, ti_id", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, nowUs);
  int r;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW) {
    store_work_row row = {store_col_int64(st, 0), store_col_int(st, 1), store_col_str(st, 2),
                          store_col_int64(st, 3), store_col_text(st, 4)};
    if(xRow(pCtx, &row)) break;
  }
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "list finished and expired tries");
    return pErr->rc;
  }
  return AIRC_OK;
}

airc_rc store_work_has_news(store *p, int64_t nowUs, int *pb, airc_err *pErr) {
  *pb = 0;
  store_stmt *st = store_stmt_prepare(p,
      "SELECT 1 FROM task_claim WHERE result IS NOT NULL"
      " OR (worker IS NOT NULL AND result IS NULL AND lease_until_us < ?1) LIMIT 1", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, nowUs);
  int r = store_stmt_step(st, pErr);
  *pb = r == STORE_ROW;
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "poll worker results");
    return pErr->rc;
  }
  return AIRC_OK;
}

airc_rc store_work_exists(store *p, int64_t tiId, int tryNumber, int *pbExists, airc_err *pErr) {
  *pbExists = 0;
  store_stmt *st = store_stmt_prepare(p, "SELECT 1 FROM task_claim WHERE ti_id=? AND try_number=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, tiId);
  store_bind_int64(st, 2, tryNumber);
  int r = store_stmt_step(st, pErr);
  *pbExists = r == STORE_ROW;
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "read claim");
    return pErr->rc;
  }
  return AIRC_OK;
}

airc_rc store_work_delete(store *p, int64_t tiId, int tryNumber, airc_err *pErr) {
  /* the try's history keeps the host it ran on */
  store_stmt *st = store_stmt_prepare(p,
      "UPDATE task_try SET hostname=(SELECT worker FROM task_claim c WHERE c.ti_id=?1 AND c.try_number=?2)"
      " WHERE ti_id=?1 AND try_number=?2", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, tiId);
  store_bind_int64(st, 2, tryNumber);
  airc_rc rc = work_exec(st, "record the try's host", pErr);
  if(rc) return rc;
  st = store_stmt_prepare(p, "DELETE FROM task_claim WHERE ti_id=? AND try_number=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, tiId);
  store_bind_int64(st, 2, tryNumber);
  return work_exec(st, "delete claim", pErr);
}

airc_rc store_work_delete_stale(store *p, int *pn, airc_err *pErr) {
  *pn = 0;
  store_stmt *st = store_stmt_prepare(p,
      "DELETE FROM task_claim WHERE NOT EXISTS(SELECT 1 FROM task_instance t WHERE t.id=task_claim.ti_id"
      " AND t.try_number=task_claim.try_number AND t.state IN ('queued','running'))", pErr);
  if(!st) return pErr->rc;
  int r = store_stmt_step(st, pErr);
  if(r != STORE_ERROR) *pn = (int)store_changes(p);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "delete stale claims");
    return pErr->rc;
  }
  return AIRC_OK;
}

/* ---- the worker's side ---- */

airc_rc store_work_claim(store *p, const char *zQueue, const char *zWorker, const char *zToken, int64_t nowUs,
                         int64_t leaseUntilUs, store_work_claimed *pOut, airc_err *pErr) {
  memset(pOut, 0, sizeof(*pOut));
  airc_rc rc = store_begin(p, pErr); /* SQLite: BEGIN IMMEDIATE; PostgreSQL: row locks, below */
  if(rc) return rc;
  for(;;) {
    /* dialect: sqlite -- the transaction's write lock (BEGIN IMMEDIATE)
     * serializes claimers. pg -- FOR UPDATE SKIP LOCKED: the row is locked
     * until the claim's transaction ends and concurrent claimers pass over
     * it to the next free one instead of waiting (or claiming it twice) */
    store_stmt *st = store_stmt_prepare(p, STORE_SQL2(p,
        "SELECT ti_id, try_number, request FROM task_claim WHERE queue=? AND worker IS NULL"
        " ORDER BY queued_us, ti_id LIMIT 1",
        "SELECT ti_id, try_number, request FROM task_claim WHERE queue=? AND worker IS NULL"
        " ORDER BY queued_us, ti_id LIMIT 1 FOR UPDATE SKIP LOCKED"), pErr);
    if(!st) {
      rc = pErr->rc;
      break;
    }
    store_bind_text(st, 1, zQueue);
    int r = store_stmt_step(st, pErr);
    if(r == STORE_ROW) {
      pOut->tiId = store_col_int64(st, 0);
      pOut->tryNumber = store_col_int(st, 1);
      pOut->zRequest = strdup(store_col_str(st, 2));
    }
    store_stmt_done(st);
    if(r == STORE_ERROR) {
      airc_err_prefix(pErr, "claim a try");
      rc = pErr->rc;
      break;
    }
    if(r == STORE_DONE) {
      rc = airc_err_set(pErr, AIRC_ERR_NOTFOUND, "no try waiting on queue '%s'", zQueue);
      break;
    }
    int bOk = 0;
    st = store_stmt_prepare(p,
        "UPDATE task_claim SET worker=?1, lease_token=?2, lease_until_us=?3"
        " WHERE ti_id=?4 AND try_number=?5 AND worker IS NULL", pErr);
    if(!st) {
      rc = pErr->rc;
      break;
    }
    store_bind_text(st, 1, zWorker);
    store_bind_text(st, 2, zToken);
    store_bind_int64(st, 3, leaseUntilUs);
    store_bind_int64(st, 4, pOut->tiId);
    store_bind_int64(st, 5, pOut->tryNumber);
    if((rc = work_exec_changed(p, st, "claim a try", &bOk, pErr))) break;
    if(bOk) {
      st = store_stmt_prepare(p,
          "UPDATE task_instance SET state='running', hostname=?1, start_us=?2, pid=NULL, updated_us=?2"
          " WHERE id=?3 AND try_number=?4 AND state='queued'", pErr);
      if(!st) {
        rc = pErr->rc;
        break;
      }
      store_bind_text(st, 1, zWorker);
      store_bind_int64(st, 2, nowUs);
      store_bind_int64(st, 3, pOut->tiId);
      store_bind_int64(st, 4, pOut->tryNumber);
      if((rc = work_exec_changed(p, st, "mark the claimed try running", &bOk, pErr))) break;
      if(bOk) break; /* claimed */
    }
    /* the task instance moved on (cleared, marked) meanwhile: the claim is
     * stale; drop it and look again */
    st = store_stmt_prepare(p, "DELETE FROM task_claim WHERE ti_id=? AND try_number=?", pErr);
    if(!st) {
      rc = pErr->rc;
      break;
    }
    store_bind_int64(st, 1, pOut->tiId);
    store_bind_int64(st, 2, pOut->tryNumber);
    free(pOut->zRequest);
    memset(pOut, 0, sizeof(*pOut));
    if((rc = work_exec(st, "drop a stale claim", pErr))) break;
  }
  if(rc && rc != AIRC_ERR_NOTFOUND) {
    store_rollback(p);
    free(pOut->zRequest);
    memset(pOut, 0, sizeof(*pOut));
    return rc;
  }
  airc_err cerr = {0};
  airc_rc crc = store_commit(p, &cerr); /* also after NOTFOUND: stale claims dropped */
  if(crc) {
    free(pOut->zRequest);
    memset(pOut, 0, sizeof(*pOut));
    *pErr = cerr;
    return crc;
  }
  return rc;
}

airc_rc store_work_claim_recover(store *p, const char *zToken, int64_t nowUs, int64_t leaseUntilUs,
                                 store_work_claimed *pOut, airc_err *pErr) {
  memset(pOut, 0, sizeof(*pOut));
  airc_rc rc = store_begin(p, pErr);
  if(rc) return rc;
  store_stmt *st = store_stmt_prepare(p,
      "SELECT ti_id, try_number, request FROM task_claim WHERE lease_token=?1 AND result IS NULL"
      " AND lease_until_us>?2", pErr);
  if(!st) rc = pErr->rc;
  int r = STORE_DONE;
  if(!rc) {
    store_bind_text(st, 1, zToken);
    store_bind_int64(st, 2, nowUs);
    r = store_stmt_step(st, pErr);
    if(r == STORE_ROW) {
      pOut->tiId = store_col_int64(st, 0);
      pOut->tryNumber = store_col_int(st, 1);
      pOut->zRequest = strdup(store_col_str(st, 2));
      if(!pOut->zRequest) rc = airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
    }
    store_stmt_done(st);
    if(r == STORE_ERROR) {
      airc_err_prefix(pErr, "recover a claim");
      rc = pErr->rc;
    } else if(r == STORE_DONE) {
      rc = airc_err_set(pErr, AIRC_ERR_NOTFOUND, "no claim with this lease token");
    }
  }
  int bHeld = 0;
  if(!rc) rc = store_work_renew(p, pOut->tiId, pOut->tryNumber, zToken, leaseUntilUs, &bHeld, pErr);
  if(!rc && !bHeld) rc = airc_err_set(pErr, AIRC_ERR_NOTFOUND, "no claim with this lease token");
  if(!rc) rc = store_commit(p, pErr);
  else store_rollback(p);
  if(rc) {
    free(pOut->zRequest);
    memset(pOut, 0, sizeof(*pOut));
  }
  return rc;
}

airc_rc store_work_set_pid(store *p, int64_t tiId, int tryNumber, const char *zToken, int pid, const char *zLogPath,
                           int *pbHeld, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "UPDATE task_instance SET pid=?1, log_path=?2 WHERE id=?3 AND try_number=?4 AND state='running'"
      " AND EXISTS(SELECT 1 FROM task_claim c WHERE c.ti_id=?3 AND c.try_number=?4 AND c.lease_token=?5)", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, pid);
  store_bind_text(st, 2, zLogPath);
  store_bind_int64(st, 3, tiId);
  store_bind_int64(st, 4, tryNumber);
  store_bind_text(st, 5, zToken);
  return work_exec_changed(p, st, "record the supervisor", pbHeld, pErr);
}

airc_rc store_work_renew(store *p, int64_t tiId, int tryNumber, const char *zToken, int64_t untilUs, int *pbHeld,
                         airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "UPDATE task_claim SET lease_until_us=?1 WHERE ti_id=?2 AND try_number=?3 AND lease_token=?4"
      " AND result IS NULL", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, untilUs);
  store_bind_int64(st, 2, tiId);
  store_bind_int64(st, 3, tryNumber);
  store_bind_text(st, 4, zToken);
  return work_exec_changed(p, st, "renew lease", pbHeld, pErr);
}

airc_rc store_work_finish(store *p, int64_t tiId, int tryNumber, const char *zToken, const char *zResult,
                          int *pbHeld, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "UPDATE task_claim SET result=?1 WHERE ti_id=?2 AND try_number=?3 AND lease_token=?4 AND result IS NULL",
      pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zResult);
  store_bind_int64(st, 2, tiId);
  store_bind_int64(st, 3, tryNumber);
  store_bind_text(st, 4, zToken);
  return work_exec_changed(p, st, "record the try's result", pbHeld, pErr);
}

/* ---- logs ---- */

airc_rc store_work_log_append(store *p, int64_t tiId, int tryNumber, int seq, const char *z, size_t n,
                              airc_err *pErr) {
  char *zCopy = malloc(n + 1); /* text binds need a terminator */
  if(!zCopy) return airc_err_set(pErr, AIRC_ERR_NOMEM, "log chunk: out of memory");
  memcpy(zCopy, z, n);
  zCopy[n] = 0;
  store_stmt *st = store_stmt_prepare(p,
      "INSERT INTO task_log_chunk(ti_id, try_number, seq, data) VALUES(?, ?, ?, ?)"
      " ON CONFLICT(ti_id, try_number, seq) DO NOTHING", pErr);
  if(!st) {
    free(zCopy);
    return pErr->rc;
  }
  store_bind_int64(st, 1, tiId);
  store_bind_int64(st, 2, tryNumber);
  store_bind_int64(st, 3, seq);
  store_bind_text(st, 4, zCopy);
  airc_rc rc = work_exec(st, "ship log chunk", pErr);
  free(zCopy);
  return rc;
}

airc_rc store_work_log_each(store *p, int64_t tiId, int tryNumber, int fromSeq, store_work_log_fn xChunk,
                            void *pCtx, int *pnChunk, airc_err *pErr) {
  *pnChunk = 0;
  store_stmt *st = store_stmt_prepare(p,
      "SELECT data FROM task_log_chunk WHERE ti_id=? AND try_number=? AND seq>=? ORDER BY seq", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, tiId);
  store_bind_int64(st, 2, tryNumber);
  store_bind_int64(st, 3, fromSeq);
  int r;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW) {
    (*pnChunk)++;
    if(xChunk(pCtx, store_col_str(st, 0), store_col_bytes(st, 0))) break;
  }
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "read shipped log");
    return pErr->rc;
  }
  return AIRC_OK;
}

/* ---- several schedulers ---- */

airc_rc store_sched_lease_take(store *p, const char *zHolder, const char *zToken, int64_t nowUs, int64_t untilUs,
                               int *pbHeld, char *zCurHolder, size_t nCur, airc_err *pErr) {
  *pbHeld = 0;
  if(zCurHolder && nCur) zCurHolder[0] = 0;
  store_stmt *st = store_stmt_prepare(p,
      "INSERT INTO scheduler_lease(id, holder, token, until_us) VALUES(1, ?1, ?2, ?3)"
      " ON CONFLICT(id) DO UPDATE SET holder=excluded.holder, token=excluded.token, until_us=excluded.until_us"
      " WHERE scheduler_lease.until_us < ?4"
      " OR (scheduler_lease.holder=excluded.holder AND scheduler_lease.token=excluded.token)", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zHolder);
  store_bind_text(st, 2, zToken);
  store_bind_int64(st, 3, untilUs);
  store_bind_int64(st, 4, nowUs);
  airc_rc rc = work_exec_changed(p, st, "take the scheduler lease", pbHeld, pErr);
  if(rc || *pbHeld || !zCurHolder) return rc;
  st = store_stmt_prepare(p, "SELECT holder FROM scheduler_lease WHERE id=1", pErr);
  if(!st) return pErr->rc;
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) snprintf(zCurHolder, nCur, "%s", store_col_str(st, 0));
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "read the scheduler lease");
    return pErr->rc;
  }
  return AIRC_OK;
}

airc_rc store_sched_lease_release(store *p, const char *zHolder, const char *zToken, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "UPDATE scheduler_lease SET until_us=0 WHERE id=1 AND holder=? AND token=?", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zHolder);
  store_bind_text(st, 2, zToken);
  return work_exec(st, "release the scheduler lease", pErr);
}
