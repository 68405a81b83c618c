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

/* notification channels (PostgreSQL): a try queued (payload: its queue),
 * a result left for the schedulers */
#define WORK_CH_QUEUED "airc_work_queued"
#define WORK_CH_RESULT "airc_work_result"
/* a try handed to one worker process: this, then its token prefix (its
 * own channel, so that no other worker is woken for it) */
#define WORK_CH_HANDED "airc_work_handed_"

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
  return store_work_enqueue_prefer(p, tiId, tryNumber, zQueue, NULL, zRequest, nowUs, pErr);
}

airc_rc store_work_enqueue_prefer(store *p, int64_t tiId, int tryNumber, const char *zQueue, const char *zPrefer,
                                  const char *zRequest, int64_t nowUs, airc_err *pErr) {
  /* dialect: pg -- the same statement also NOTIFYs the queue's workers
   * (sent at commit; the server folds a transaction's equal ones into one);
   * payload: the queue, a tab, the preferred worker or nothing */
  store_stmt *st = store_stmt_prepare(p, STORE_SQL2(p,
      "INSERT INTO task_claim(ti_id, try_number, queue, request, queued_us) VALUES(?1, ?2, ?3, ?4, ?5)"
      " ON CONFLICT(ti_id) DO UPDATE SET try_number=excluded.try_number, queue=excluded.queue,"
      " request=excluded.request, queued_us=excluded.queued_us, worker=NULL, lease_token=NULL,"
      " lease_until_us=NULL, result=NULL",
      "WITH c AS (INSERT INTO task_claim(ti_id, try_number, queue, request, queued_us) VALUES(?1, ?2, ?3, ?4, ?5)"
      " ON CONFLICT(ti_id) DO UPDATE SET try_number=excluded.try_number, queue=excluded.queue,"
      " request=excluded.request, queued_us=excluded.queued_us, worker=NULL, lease_token=NULL,"
      " lease_until_us=NULL, result=NULL RETURNING queue)"
      " SELECT pg_notify('" WORK_CH_QUEUED "', queue || chr(9) || ?6) FROM c"), pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, tiId);
  store_bind_int64(st, 2, tryNumber);
  store_bind_text(st, 3, zQueue);
  store_bind_text(st, 4, zRequest);
  store_bind_int64(st, 5, nowUs);
  if(p->pDrv->eDialect == STORE_DIALECT_PG) store_bind_text(st, 6, zPrefer ? zPrefer : "");
  /* nothing to read back: on PostgreSQL it travels with the next statement
   * or the COMMIT, and the tries a wake queues one after another (a
   * fan-out's) as one statement (keyed by the task instance, ?1) */
  return store_stmt_run_batched(st,
      "WITH v AS (SELECT * FROM unnest(?1::bigint[], ?2::bigint[], ?3::text[], ?4::text[], ?5::bigint[], ?6::text[])"
      " AS v(ti_id, try_number, queue, request, queued_us, prefer)),"
      " c AS (INSERT INTO task_claim(ti_id, try_number, queue, request, queued_us)"
      " SELECT ti_id, try_number, queue, request, queued_us FROM v"
      " ON CONFLICT(ti_id) DO UPDATE SET try_number=excluded.try_number, queue=excluded.queue,"
      " request=excluded.request, queued_us=excluded.queued_us, worker=NULL, lease_token=NULL,"
      " lease_until_us=NULL, result=NULL RETURNING ti_id, queue)"
      " SELECT pg_notify('" WORK_CH_QUEUED "', c.queue || chr(9) || v.prefer) FROM c JOIN v ON v.ti_id=c.ti_id",
      1, "queue try for a worker", pErr);
}

int store_work_can_assign(const store *p) { return p->pDrv->eDialect == STORE_DIALECT_PG && p->pDrv->xListen; }

/* The wake-up of a handed try, on channel WORK_CH_HANDED + the token's
 * prefix: QUEUE TAB WORKER TAB TOKEN TAB TI TAB TRY TAB LEASE-END TAB
 * REQUEST (REQUEST empty when the whole would pass NOTIFY's 8000 bytes:
 * the worker reads it from the row). JSON_COMPACT text holds no raw tab;
 * queue and worker names hold none either (store_work_events parses by
 * tabs). */
#define WORK_SQL_INT_(n) #n
#define WORK_SQL_INT(n) WORK_SQL_INT_(n) /* an integer macro's value, as SQL text */
#define WORK_PUSH_REQUEST_MAX 7000

/* A log chunk as text for a bind: n bytes of z (not terminated) copied
 * with a terminator into *pz (owned; NULL when z is NULL). -1 out of
 * memory. */
static int chunk_text(const char *z, size_t n, char **pz) {
  *pz = NULL;
  if(!z) return 0;
  if(!(*pz = malloc(n + 1))) return -1;
  memcpy(*pz, z, n);
  (*pz)[n] = 0;
  return 0;
}

airc_rc store_work_enqueue_assigned(store *p, int64_t tiId, int tryNumber, const char *zQueue, const char *zWorker,
                                    const char *zToken, int64_t leaseUntilUs, const char *zRequest, int64_t nowUs,
                                    airc_err *pErr) {
  if(!store_work_can_assign(p)) return airc_err_set(pErr, AIRC_ERR_INVALID, "hand a try to a worker: not on this store");
  /* dialect: pg -- data-modifying WITH, pg_notify */
  store_stmt *st = store_stmt_prepare(p,
      "WITH c AS (INSERT INTO task_claim(ti_id, try_number, queue, request, queued_us, worker, lease_token,"
      " lease_until_us) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
      " ON CONFLICT(ti_id) DO UPDATE SET try_number=excluded.try_number, queue=excluded.queue,"
      " request=excluded.request, queued_us=excluded.queued_us, worker=excluded.worker,"
      " lease_token=excluded.lease_token, lease_until_us=excluded.lease_until_us, result=NULL"
      " RETURNING queue, worker, lease_token, ti_id, try_number, lease_until_us, request)"
      " SELECT pg_notify('" WORK_CH_HANDED "' || substr(lease_token, 1, " WORK_SQL_INT(STORE_WORK_PREFIX_LEN) "),"
      " queue || chr(9) || worker || chr(9) || lease_token || chr(9) ||"
      " ti_id || chr(9) || try_number || chr(9) || lease_until_us || chr(9) ||"
      " CASE WHEN octet_length(request) <= ?9 THEN request ELSE '' END) FROM c", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, tiId);
  store_bind_int64(st, 2, tryNumber);
  store_bind_text(st, 3, zQueue);
  store_bind_text(st, 4, zRequest);
  store_bind_int64(st, 5, nowUs);
  store_bind_text(st, 6, zWorker);
  store_bind_text(st, 7, zToken);
  store_bind_int64(st, 8, leaseUntilUs);
  store_bind_int64(st, 9, WORK_PUSH_REQUEST_MAX);
  return store_stmt_run_deferred(st, "hand a try to a worker", pErr);
}

/* Which claims a scheduler takes: those with a result (unless ?2 is 0:
 * then not those whose worker continued the chain), and those whose
 * lease ended (?1) without one. Each half is the predicate of a partial
 * index (task_claim_done, task_claim_lease), which the planner reads once
 * the table has statistics; a generic plan made before (a store just
 * created: store_plan_once) reads the whole table, dead rows too, until
 * autovacuum's ANALYZE re-plans it (docs/benchmarks.md, "Joins by key"). */
#define WORK_TAKE_WHERE                                                                                        \
  " WHERE (c.result IS NOT NULL AND (?2 <> 0 OR c.continued_ti IS NULL))"                                     \
  " OR (c.worker IS NOT NULL AND c.result IS NULL AND c.lease_until_us < ?1)"

/* Calls xRow for each row of the walk st (bound, stepped here): the
 * claim's six columns, then its task instance's as store_sched_ti_get_current
 * reads them (store_sched_ti_current_read), then (22) the lease token and
 * (23) whether unclaimed tries were waiting, (24) the task instance its
 * worker continued (0: none); 0, or
 * AIRC_ERR_NOMEM when xRow asks to stop (a row would go unapplied). */
static airc_rc take_walk(store_stmt *st, store_work_fn xRow, void *pCtx, airc_err *pErr) {
  store_sched_ti_current *pCur = malloc(sizeof(*pCur));
  int r = pCur ? STORE_DONE : STORE_ERROR;
  if(!pCur) airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  while(pCur && (r = store_stmt_step(st, pErr)) == STORE_ROW) {
    const int bTi = !store_col_is_null(st, 6) && !store_col_is_null(st, 15);
    if(bTi) store_sched_ti_current_read(st, 7, pCur);
    /* the run, as store_sched_run_get_active: active = queued or running,
     * not a test run */
    const char *zRunState = store_col_str(st, 18);
    const int bRunActive = bTi && (!strcmp(zRunState, "queued") || !strcmp(zRunState, "running")) &&
                           !store_col_int(st, 19);
    store_sched_run_row run = {bTi ? pCur->runPk : 0, bTi ? pCur->zDagId : "", bTi ? pCur->zRunId : "", zRunState,
                               bTi ? pCur->zDagHash : "", store_col_int(st, 21) != 0, store_col_int64(st, 20)};
    store_work_row row = {store_col_int64(st, 0), store_col_int(st, 1), store_col_str(st, 2),
                          store_col_str(st, 3), store_col_str(st, 22), store_col_int(st, 23) != 0,
                          store_col_int64(st, 4), store_col_text(st, 5), bTi ? pCur : NULL,
                          bRunActive ? &run : NULL, store_col_int64(st, 24)};
    if(xRow(pCtx, &row)) {
      r = STORE_ERROR;
      airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
      break;
    }
  }
  store_stmt_done(st);
  free(pCur);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "take finished and expired tries");
    return pErr->rc;
  }
  return AIRC_OK;
}

airc_rc store_work_take_done_or_expired(store *p, int64_t nowUs, int bContinued, store_work_fn xRow, void *pCtx,
                                        airc_err *pErr) {
  if(p->pDrv->eDialect == STORE_DIALECT_PG) {
    /* dialect: pg -- one statement: the claims deleted and returned
     * (data-modifying WITH), each with its task instance through a
     * LATERAL subquery fenced by OFFSET 0, so that each of the few claims
     * looks its task instance up by key (a plain join let the planner
     * hash whole tables: 10 times the cost of the walk) */
    store_stmt *st = store_stmt_prepare(p,
        "WITH c AS (DELETE FROM task_claim c" WORK_TAKE_WHERE
        " RETURNING c.ti_id, c.try_number, c.queue, c.worker, c.lease_until_us, c.result, c.log_path, c.lease_token,"
        " c.continued_ti)"
        " SELECT c.ti_id, c.try_number, c.queue, coalesce(c.worker, ''), coalesce(c.lease_until_us, 0), c.result,"
        " t.id, t.state, t.try_number, t.max_tries, t.task_id, t.dag_hash, t.run_pk,"
        " t.start_us, coalesce(c.log_path, t.log_path), t.dag_id, t.run_id, t.map_index, t.run_state, t.is_test,"
        " t.logical_date, t.paused, coalesce(c.lease_token, ''),"
        /* once per statement (an InitPlan), through task_claim_free */
        " CAST(EXISTS(SELECT 1 FROM task_claim f WHERE f.worker IS NULL) AS integer), coalesce(c.continued_ti, 0)"
        " FROM c LEFT JOIN LATERAL (SELECT ti.id, ti.state, ti.try_number, ti.max_tries, ti.task_id,"
        " r.dag_hash, ti.run_pk, ti.start_us, ti.log_path, r.dag_id, r.run_id, ti.map_index,"
        " r.state AS run_state, r.is_test, r.logical_date, coalesce(d.is_paused, 0) AS paused"
        " FROM task_instance ti JOIN dag_run r ON r.id=ti.run_pk LEFT JOIN dag d ON d.dag_id=r.dag_id"
        " WHERE ti.id=c.ti_id OFFSET 0) t ON true"
        " ORDER BY c.result IS NULL, c.ti_id", pErr);
    if(!st) return pErr->rc;
    store_bind_int64(st, 1, nowUs);
    store_bind_int64(st, 2, bContinued != 0);
    return take_walk(st, xRow, pCtx, pErr);
  }
  /* SQLite: the walk, then the deletion of the same claims (one writer:
   * nothing can slip in between) */
  store_stmt *st = store_stmt_prepare(p,
      "SELECT c.ti_id, c.try_number, c.queue, coalesce(c.worker, ''), coalesce(c.lease_until_us, 0), c.result,"
      " ti.id, ti.state, ti.try_number, ti.max_tries, ti.task_id, r.dag_hash, ti.run_pk,"
      " ti.start_us, coalesce(c.log_path, ti.log_path), r.dag_id, r.run_id, ti.map_index, r.state, r.is_test,"
      " r.logical_date,"
      " coalesce(d.is_paused, 0), coalesce(c.lease_token, ''), 0, coalesce(c.continued_ti, 0)"
      " FROM task_claim c LEFT JOIN task_instance ti ON ti.id=c.ti_id LEFT JOIN dag_run r ON r.id=ti.run_pk"
      " LEFT JOIN dag d ON d.dag_id=r.dag_id"
      WORK_TAKE_WHERE
      " ORDER BY c.result IS NULL, c.ti_id", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, nowUs);
  store_bind_int64(st, 2, bContinued != 0);
  airc_rc rc = take_walk(st, xRow, pCtx, pErr);
  if(rc) return rc;
  st = store_stmt_prepare(p, "DELETE FROM task_claim AS c" WORK_TAKE_WHERE, pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, nowUs);
  store_bind_int64(st, 2, bContinued != 0);
  return work_exec(st, "take finished and expired tries", pErr);
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

/* SQLite: claims one try inside the caller's BEGIN IMMEDIATE transaction
 * (which serializes claimers). *pbGot = 0 if none is waiting. A claim whose
 * task instance moved on (cleared, marked) is dropped and the next looked at. */
static airc_rc claim_one_sqlite(store *p, const char *zQueue, const char *zWorker, const char *zToken, int64_t nowUs,
                                int64_t leaseUntilUs, store_work_claimed *pOut, int *pbGot, airc_err *pErr) {
  *pbGot = 0;
  for(;;) {
    store_stmt *st = store_stmt_prepare(p,
        "SELECT ti_id, try_number, request FROM task_claim WHERE queue=? AND worker IS NULL"
        " ORDER BY queued_us, ti_id LIMIT 1", pErr);
    if(!st) return pErr->rc;
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
      return pErr->rc;
    }
    if(r == STORE_DONE) return AIRC_OK;
    if(!pOut->zRequest) return airc_err_set(pErr, AIRC_ERR_NOMEM, "claim a try: out of memory");
    int bOk = 0;
    airc_rc rc = AIRC_OK;
    st = store_stmt_prepare(p,
        "UPDATE task_claim SET worker=?1, lease_token=?2, lease_until_us=?3"
        " WHERE ti_id=?4 AND try_number=?5 AND worker IS NULL", pErr);
    if(!st) rc = pErr->rc;
    if(!rc) {
      store_bind_text(st, 1, zWorker);
      store_bind_text(st, 2, zToken);
      store_bind_int64(st, 3, leaseUntilUs);
      store_bind_int64(st, 4, pOut->tiId);
      store_bind_int64(st, 5, pOut->tryNumber);
      rc = work_exec_changed(p, st, "claim a try", &bOk, pErr);
    }
    if(!rc && bOk) {
      st = store_stmt_prepare(p,
          "UPDATE task_instance SET state='running', hostname=?1, start_us=?2, pid=NULL, updated_us=?2"
          " WHERE id=?3 AND try_number=?4 AND state='queued'", pErr);
      if(!st) rc = pErr->rc;
      if(!rc) {
        store_bind_text(st, 1, zWorker);
        store_bind_int64(st, 2, nowUs);
        store_bind_int64(st, 3, pOut->tiId);
        store_bind_int64(st, 4, pOut->tryNumber);
        rc = work_exec_changed(p, st, "mark the claimed try running", &bOk, pErr);
      }
      if(!rc && bOk) {
        *pbGot = 1;
        return AIRC_OK;
      }
    }
    int64_t tiId = pOut->tiId;
    int tryNumber = pOut->tryNumber;
    free(pOut->zRequest);
    memset(pOut, 0, sizeof(*pOut));
    if(rc) return rc;
    /* the task instance moved on (cleared, marked) meanwhile: the claim is
     * stale; drop it and look again */
    st = store_stmt_prepare(p, "DELETE FROM task_claim WHERE ti_id=? AND try_number=?", pErr);
    if(!st) return pErr->rc;
    store_bind_int64(st, 1, tiId);
    store_bind_int64(st, 2, tryNumber);
    if((rc = work_exec(st, "drop a stale claim", pErr))) return rc;
  }
}

/* PostgreSQL: claims up to nMax tries in ONE statement (one round trip,
 * its own implicit transaction unless the caller opened one): the oldest
 * waiting rows are locked FOR UPDATE SKIP LOCKED (concurrent claimers pass
 * over them to the next free ones instead of waiting or claiming them
 * twice) and take the worker; their task instances stay queued
 * (store_work_adopt records them started); a claim whose task instance
 * moved on is dropped after. *pn = tries claimed into aOut; *pbAgain = 1
 * when all it found were stale (the caller asks again). */
static airc_rc claim_batch_pg(store *p, const char *zQueue, const char *zWorker, const char *zToken, int64_t nowUs,
                              int64_t leaseUntilUs, int nMax, store_work_claimed *aOut, int *pn, int *pbAgain,
                              airc_err *pErr) {
  *pn = 0;
  *pbAgain = 0;
  /* dialect: pg -- FOR UPDATE SKIP LOCKED, data-modifying WITH. The task
   * instances are found by id: `(state='queued') IS TRUE` is no index
   * condition. A plain `state='queued'` let a plan cached while one try at a
   * time was queued (a chain) walk ti_by_state past every queued task
   * instance later (a fan-out's thousand), 0.1 to 0.5 ms per claim. Each
   * claimed row looks its task instance up once: joined to a CTE of the
   * same lookups instead, the plan (every estimate 1 row) read that CTE
   * again for each row, n * n lookups (64 and 400 buffer pages for 8). */
  store_stmt *st = store_stmt_prepare(p,
      "WITH c AS (SELECT ti_id, try_number FROM task_claim WHERE queue=?1 AND worker IS NULL"
      " ORDER BY queued_us, ti_id LIMIT ?6 FOR UPDATE SKIP LOCKED),"
      " u AS (UPDATE task_claim t SET worker=?2, lease_token=?3, lease_until_us=?4 FROM c"
      " WHERE t.ti_id=c.ti_id AND t.try_number=c.try_number RETURNING t.ti_id, t.try_number, t.request, t.queued_us)"
      " SELECT u.ti_id, u.try_number, u.request, i.id IS NOT NULL FROM u LEFT JOIN task_instance i"
      " ON i.id=u.ti_id AND i.try_number=u.try_number AND (i.state='queued') IS TRUE"
      " ORDER BY u.queued_us, u.ti_id", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zQueue);
  store_bind_text(st, 2, zWorker);
  store_bind_text(st, 3, zToken);
  store_bind_int64(st, 4, leaseUntilUs);
  store_bind_int64(st, 5, nowUs);
  store_bind_int64(st, 6, nMax);
  int64_t aStale[2 * STORE_WORK_CLAIM_MAX];
  int nStale = 0, r;
  airc_rc rc = AIRC_OK;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW) {
    if(!store_col_int(st, 3)) {
      if(nStale < STORE_WORK_CLAIM_MAX) {
        aStale[2 * nStale] = store_col_int64(st, 0);
        aStale[2 * nStale + 1] = store_col_int64(st, 1);
        nStale++;
      }
      continue;
    }
    if(*pn >= nMax) continue;
    store_work_claimed *c = &aOut[*pn];
    c->tiId = store_col_int64(st, 0);
    c->tryNumber = store_col_int(st, 1);
    c->zRequest = strdup(store_col_str(st, 2));
    c->bAdopt = 1; /* still queued: store_work_adopt */
    if(!c->zRequest) {
      rc = airc_err_set(pErr, AIRC_ERR_NOMEM, "claim a try: out of memory");
      break;
    }
    (*pn)++;
  }
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "claim a try");
    rc = pErr->rc;
  }
  /* the task instance moved on (cleared, marked): the claim is stale */
  for(int i = 0; !rc && i < nStale; i++) {
    st = store_stmt_prepare(p, "DELETE FROM task_claim WHERE ti_id=? AND try_number=? AND lease_token=?", pErr);
    if(!st) {
      rc = pErr->rc;
      break;
    }
    store_bind_int64(st, 1, aStale[2 * i]);
    store_bind_int64(st, 2, aStale[2 * i + 1]);
    store_bind_text(st, 3, zToken);
    rc = work_exec(st, "drop a stale claim", pErr);
  }
  if(rc) {
    /* claimed rows we cannot hand out expire with their lease */
    for(int i = 0; i < *pn; i++) free(aOut[i].zRequest);
    memset(aOut, 0, sizeof(*aOut) * (size_t)nMax);
    *pn = 0;
    return rc;
  }
  *pbAgain = *pn == 0 && nStale > 0; /* only stale ones: look again */
  return AIRC_OK;
}

airc_rc store_work_claim_batch(store *p, const char *zQueue, const char *zWorker, const char *zToken, int64_t nowUs,
                               int64_t leaseUntilUs, int nMax, store_work_claimed *aOut, int *pn, airc_err *pErr) {
  *pn = 0;
  if(nMax < 1) nMax = 1;
  if(nMax > STORE_WORK_CLAIM_MAX) nMax = STORE_WORK_CLAIM_MAX;
  memset(aOut, 0, sizeof(*aOut) * (size_t)nMax);
  airc_rc rc;
  if(p->pDrv->eDialect == STORE_DIALECT_PG) {
    int bAgain = 1;
    for(rc = AIRC_OK; !rc && bAgain;)
      rc = claim_batch_pg(p, zQueue, zWorker, zToken, nowUs, leaseUntilUs, nMax, aOut, pn, &bAgain, pErr);
  } else {
    rc = store_begin(p, pErr); /* BEGIN IMMEDIATE: serializes claimers */
    if(rc) return rc;
    int bGot = 1;
    while(!rc && bGot && *pn < nMax) {
      rc = claim_one_sqlite(p, zQueue, zWorker, zToken, nowUs, leaseUntilUs, &aOut[*pn], &bGot, pErr);
      if(!rc && bGot) (*pn)++;
    }
    if(!rc) rc = store_commit(p, pErr); /* also with nothing: stale claims dropped */
    else store_rollback(p);
    if(rc) {
      for(int i = 0; i < *pn; i++) free(aOut[i].zRequest);
      memset(aOut, 0, sizeof(*aOut) * (size_t)nMax);
      *pn = 0;
    }
  }
  if(!rc && *pn == 0) rc = airc_err_set(pErr, AIRC_ERR_NOTFOUND, "no try waiting on queue '%s'", zQueue);
  return rc;
}

airc_rc store_work_claim_recover(store *p, const char *zToken, int64_t nowUs, int64_t leaseUntilUs, int nMax,
                                 store_work_claimed *aOut, int *pn, airc_err *pErr) {
  *pn = 0;
  airc_rc rc = store_begin(p, pErr);
  if(rc) return rc;
  store_stmt *st = store_stmt_prepare(p,
      "SELECT ti_id, try_number, request FROM task_claim WHERE lease_token=?1 AND result IS NULL"
      " AND lease_until_us>?2 ORDER BY ti_id", pErr);
  if(!st) rc = pErr->rc;
  int r = STORE_DONE, n = 0;
  if(!rc) {
    store_bind_text(st, 1, zToken);
    store_bind_int64(st, 2, nowUs);
    while(n < nMax && (r = store_stmt_step(st, pErr)) == STORE_ROW) {
      memset(&aOut[n], 0, sizeof(aOut[n]));
      aOut[n].tiId = store_col_int64(st, 0);
      aOut[n].tryNumber = store_col_int(st, 1);
      aOut[n].zRequest = strdup(store_col_str(st, 2));
      aOut[n].bAdopt = p->pDrv->eDialect == STORE_DIALECT_PG; /* as its claim left it */
      if(!aOut[n++].zRequest) {
        rc = airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
        break;
      }
    }
    store_stmt_done(st);
    if(!rc && r == STORE_ERROR) {
      airc_err_prefix(pErr, "recover a claim");
      rc = pErr->rc;
    } else if(!rc && n == 0) {
      rc = airc_err_set(pErr, AIRC_ERR_NOTFOUND, "no claim with this lease token");
    }
  }
  for(int i = 0; !rc && i < n; i++) {
    int bHeld = 0;
    rc = store_work_renew(p, aOut[i].tiId, aOut[i].tryNumber, zToken, leaseUntilUs, &bHeld, pErr);
    if(!rc && !bHeld) rc = airc_err_set(pErr, AIRC_ERR_NOTFOUND, "no claim with this lease token");
  }
  if(!rc) rc = store_commit(p, pErr);
  else store_rollback(p);
  if(rc) {
    for(int i = 0; i < n; i++) free(aOut[i].zRequest);
    n = 0;
  }
  *pn = n;
  return rc;
}

airc_rc store_work_claim(store *p, const char *zQueue, const char *zWorker, const char *zToken, int64_t nowUs,
                         int64_t leaseUntilUs, store_work_claimed *pOut, airc_err *pErr) {
  int n = 0;
  return store_work_claim_batch(p, zQueue, zWorker, zToken, nowUs, leaseUntilUs, 1, pOut, &n, pErr);
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

/* store_work_finish, with the try's log path (NULL: none) kept in the
 * claim for the scheduler's outcome */
static airc_rc finish_claim(store *p, int64_t tiId, int tryNumber, const char *zToken, const char *zResult,
                            const char *zLogPath, int *pbHeld, airc_err *pErr) {
  /* dialect: pg -- the same statement NOTIFYs the schedulers when a row
   * changed (a row comes back then) */
  const int bPg = p->pDrv->eDialect == STORE_DIALECT_PG;
  store_stmt *st = store_stmt_prepare(p, STORE_SQL2(p,
      "UPDATE task_claim SET result=?1, log_path=?5 WHERE ti_id=?2 AND try_number=?3 AND lease_token=?4"
      " AND result IS NULL",
      "WITH f AS (UPDATE task_claim SET result=?1, log_path=?5 WHERE ti_id=?2 AND try_number=?3 AND lease_token=?4"
      " AND result IS NULL RETURNING 1) SELECT pg_notify('" WORK_CH_RESULT "', '') FROM f"), pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zResult);
  store_bind_int64(st, 2, tiId);
  store_bind_int64(st, 3, tryNumber);
  store_bind_text(st, 4, zToken);
  store_bind_text(st, 5, zLogPath);
  if(!bPg) return work_exec_changed(p, st, "record the try's result", pbHeld, pErr);
  int r = store_stmt_step(st, pErr);
  *pbHeld = r == STORE_ROW;
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "record the try's result");
    return pErr->rc;
  }
  return AIRC_OK;
}

airc_rc store_work_finish(store *p, int64_t tiId, int tryNumber, const char *zToken, const char *zResult,
                          int *pbHeld, airc_err *pErr) {
  return finish_claim(p, tiId, tryNumber, zToken, zResult, NULL, pbHeld, pErr);
}

airc_rc store_work_finish_log(store *p, int64_t tiId, int tryNumber, const char *zToken, const char *zLogPath,
                              int seq, const char *z, size_t n, const char *zResult, int *pbHeld, airc_err *pErr) {
  *pbHeld = 0;
  if(p->pDrv->eDialect != STORE_DIALECT_PG) {
    /* SQLite: in the scheduler's process or beside it, statements are cheap */
    airc_rc rc = z ? store_work_log_append(p, tiId, tryNumber, seq, z, n, pErr) : AIRC_OK;
    if(rc) return rc;
    rc = finish_claim(p, tiId, tryNumber, zToken, zResult, zLogPath, pbHeld, pErr);
    if(rc) return rc;
    store_stmt *st = store_stmt_prepare(p, "DELETE FROM ti_stop_request WHERE ti_id=? AND try_number=?", pErr);
    if(!st) return pErr->rc;
    store_bind_int64(st, 1, tiId);
    store_bind_int64(st, 2, tryNumber);
    return work_exec(st, "delete the try's stop requests", pErr);
  }
  char *zCopy = NULL;
  if(chunk_text(z, n, &zCopy)) return airc_err_set(pErr, AIRC_ERR_NOMEM, "log chunk: out of memory");
  /* dialect: pg -- data-modifying WITH: each part runs once whether or not
   * the outer SELECT reads it. The chunk and the stop requests' deletion
   * are not fenced (as the separate statements were: a chunk is written
   * once, a stop request for a finished try has nothing left to stop);
   * the result is, with the log path, and only a changed row notifies. */
  store_stmt *st = store_stmt_prepare(p,
      "WITH l AS (INSERT INTO task_log_chunk(ti_id, try_number, seq, data) SELECT ?2::bigint, ?3::bigint, ?5::bigint, ?6::text"
      " WHERE ?6::text IS NOT NULL ON CONFLICT(ti_id, try_number, seq) DO NOTHING),"
      " s AS (DELETE FROM ti_stop_request WHERE ti_id=?2 AND try_number=?3),"
      " f AS (UPDATE task_claim SET result=?1, log_path=?7 WHERE ti_id=?2 AND try_number=?3 AND lease_token=?4"
      " AND result IS NULL RETURNING 1)"
      " SELECT pg_notify('" WORK_CH_RESULT "', '') FROM f", pErr);
  if(!st) {
    free(zCopy);
    return pErr->rc;
  }
  store_bind_text(st, 1, zResult);
  store_bind_int64(st, 2, tiId);
  store_bind_int64(st, 3, tryNumber);
  store_bind_text(st, 4, zToken);
  store_bind_int64(st, 5, seq);
  if(zCopy) store_bind_text(st, 6, zCopy);
  else store_bind_null(st, 6);
  store_bind_text(st, 7, zLogPath);
  int r = store_stmt_step(st, pErr);
  *pbHeld = r == STORE_ROW;
  store_stmt_done(st);
  free(zCopy);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "record the try's result");
    return pErr->rc;
  }
  return AIRC_OK;
}

/* dialect: pg -- store_work_finish_log's statement for many tries: the
 * values as arrays, one row each (v) */
static const char zFinishManySql[] =
    "WITH v AS (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::text[],"
    " $7::text[]) AS v(ti_id, try_number, token, log_path, seq, data, result)),"
    " l AS (INSERT INTO task_log_chunk(ti_id, try_number, seq, data) SELECT ti_id, try_number, seq, data FROM v"
    " WHERE data IS NOT NULL ON CONFLICT(ti_id, try_number, seq) DO NOTHING),"
    " s AS (DELETE FROM ti_stop_request r USING v WHERE r.ti_id=v.ti_id AND r.try_number=v.try_number),"
    " f AS (UPDATE task_claim c SET result=v.result, log_path=v.log_path FROM v WHERE c.ti_id=v.ti_id"
    " AND c.try_number=v.try_number AND c.lease_token=v.token AND c.result IS NULL RETURNING c.ti_id, c.try_number, c.lease_token)"
    " SELECT f.ti_id, f.try_number, f.lease_token, pg_notify('" WORK_CH_RESULT "', '') FROM f";

/* The seven array literals of zFinishManySql for a[0..n-1] into az[]
 * (owned by the caller, freed even on failure). 0, or -1 out of memory. */
static int finish_many_arrays(const store_work_finish_item *a, int n, char *az[7]) {
  size_t an[7] = {0}, anAlloc[7] = {0};
  for(int k = 0; k < n; k++) {
    char zTi[24], zTry[24], zSeq[24];
    snprintf(zTi, sizeof(zTi), "%lld", (long long)a[k].tiId);
    snprintf(zTry, sizeof(zTry), "%d", a[k].tryNumber);
    snprintf(zSeq, sizeof(zSeq), "%d", a[k].seq);
    char *zChunk = NULL;
    if(chunk_text(a[k].z, a[k].n, &zChunk)) return -1;
    const char *azVal[7] = {zTi, zTry, a[k].zToken, a[k].zLogPath, zSeq, zChunk, a[k].zResult};
    int bFail = 0;
    for(int i = 0; i < 7 && !bFail; i++) bFail = store_pg_array_add(&az[i], &an[i], &anAlloc[i], azVal[i]);
    free(zChunk);
    if(bFail) return -1;
  }
  for(int i = 0; i < 7; i++) {
    az[i][an[i]++] = '}';
    az[i][an[i]] = 0;
  }
  return 0;
}

airc_rc store_work_finish_many(store *p, store_work_finish_item *a, int n, airc_err *pErr) {
  for(int k = 0; k < n; k++) a[k].bHeld = 0;
  if(n <= 0) return AIRC_OK;
  if(p->pDrv->eDialect != STORE_DIALECT_PG || n == 1) {
    airc_rc rc = n > 1 ? store_begin(p, pErr) : AIRC_OK;
    for(int k = 0; !rc && k < n; k++)
      rc = store_work_finish_log(p, a[k].tiId, a[k].tryNumber, a[k].zToken, a[k].zLogPath, a[k].seq, a[k].z, a[k].n,
                                 a[k].zResult, &a[k].bHeld, pErr);
    if(n > 1 && !rc) rc = store_commit(p, pErr);
    else if(n > 1) store_rollback(p);
    if(rc) for(int k = 0; k < n; k++) a[k].bHeld = 0;
    return rc;
  }
  char *az[7] = {0};
  airc_rc rc = AIRC_OK;
  if(finish_many_arrays(a, n, az)) rc = airc_err_set(pErr, AIRC_ERR_NOMEM, "record the tries' results: out of memory");
  store_stmt *st = rc ? NULL : store_stmt_prepare(p, zFinishManySql, pErr);
  if(!rc && !st) rc = pErr->rc;
  if(!rc) {
    for(int i = 0; i < 7; i++) store_bind_text(st, i + 1, az[i]);
    int r;
    while((r = store_stmt_step(st, pErr)) == STORE_ROW) {
      const int64_t tiId = store_col_int64(st, 0);
      const int tryNumber = store_col_int(st, 1);
      const char *zToken = store_col_str(st, 2);
      for(int k = 0; k < n; k++)
        if(a[k].tiId == tiId && a[k].tryNumber == tryNumber && a[k].zToken && !strcmp(a[k].zToken, zToken))
          a[k].bHeld = 1;
    }
    store_stmt_done(st);
    if(r == STORE_ERROR) {
      for(int k = 0; k < n; k++) a[k].bHeld = 0;
      airc_err_prefix(pErr, "record the tries' results");
      rc = pErr->rc;
    }
  }
  for(int i = 0; i < 7; i++) free(az[i]);
  return rc;
}

/* dialect: pg -- data-modifying WITH, FOR SHARE, pg_notify. The next
 * try's queue update (q) and claim (c) happen only while this try's claim
 * is held without a result; the result's own update (f) checks it again
 * under its row lock, and the statement fails as a whole (the cast) when
 * that check lost a race the first one won (the scheduler expired the
 * lease meanwhile): a continuation never commits without its upstream's
 * result. A continued chain wakes no scheduler: it moves on without one,
 * and the scheduler applies its results at its next poll or wake-up, many
 * in one take ([scheduler] worker_poll_ms); a result not continued wakes
 * it as store_work_finish's does. */
static const char zFinishContinueSql[] =
    "WITH q AS (UPDATE task_instance ti SET try_number=?9, start_us=NULL, state='queued', queued_us=?17, pid=NULL,"
    " exit_code=NULL, end_us=NULL, duration=NULL, next_retry_us=NULL, note=NULL, updated_us=?17, pool=?12,"
    " pool_slots=?13 FROM dag_run r"
    " WHERE ti.id=?8 AND ti.try_number=?9-1 AND ti.state IN ('none','scheduled') AND r.id=ti.run_pk"
    " AND r.state='running' AND NOT EXISTS(SELECT 1 FROM dag d WHERE d.dag_id=r.dag_id AND d.is_paused<>0)"
    " AND EXISTS(SELECT 1 FROM task_claim n WHERE n.ti_id=?1 AND n.try_number=?2 AND n.lease_token=?3"
    " AND n.result IS NULL)"
    " AND EXISTS(SELECT 1 FROM scheduler_lease WHERE id=1 AND holder=?15 AND token=?16 AND until_us>=?17 FOR SHARE)"
    " RETURNING ti.id),"
    " c AS (INSERT INTO task_claim(ti_id, try_number, queue, request, queued_us, worker, lease_token, lease_until_us)"
    " SELECT id, ?9, ?11, ?14, ?17, ?18, ?10, ?19 FROM q"
    " ON CONFLICT(ti_id) DO UPDATE SET try_number=excluded.try_number, queue=excluded.queue,"
    " request=excluded.request, queued_us=excluded.queued_us, worker=excluded.worker,"
    " lease_token=excluded.lease_token, lease_until_us=excluded.lease_until_us, result=NULL, log_path=NULL,"
    " continued_ti=NULL RETURNING ti_id),"
    " l AS (INSERT INTO task_log_chunk(ti_id, try_number, seq, data) SELECT ?1, ?2, ?5, CAST(?6 AS text)"
    " WHERE CAST(?6 AS text) IS NOT NULL"
    " ON CONFLICT(ti_id, try_number, seq) DO NOTHING),"
    " s AS (DELETE FROM ti_stop_request r WHERE r.ti_id=?1 AND r.try_number=?2),"
    " f AS (UPDATE task_claim c0 SET result=?7, log_path=?4, continued_ti=(SELECT ti_id FROM c)"
    " WHERE c0.ti_id=?1 AND c0.try_number=?2 AND c0.lease_token=?3 AND c0.result IS NULL RETURNING c0.ti_id)"
    " SELECT CAST(CASE WHEN NOT EXISTS(SELECT 1 FROM f) AND EXISTS(SELECT 1 FROM c)"
    " THEN 'continuation without its upstream result' ELSE (SELECT count(*) FROM f)::text END AS integer),"
    " (SELECT count(*) FROM c),"
    " CASE WHEN NOT EXISTS(SELECT 1 FROM c) THEN pg_notify('" WORK_CH_RESULT "', '') END";

airc_rc store_work_finish_continue(store *p, const store_work_finish_item *pItem, const store_work_next *pNext,
                                   const char *zWorker, int64_t nowUs, int64_t leaseUntilUs, int *pbHeld,
                                   int *pbContinued, airc_err *pErr) {
  *pbHeld = *pbContinued = 0;
  if(!store_work_can_assign(p)) return airc_err_set(pErr, AIRC_ERR_INVALID, "continue a chain: not on this store");
  char *zChunk = NULL;
  if(chunk_text(pItem->z, pItem->n, &zChunk))
    return airc_err_set(pErr, AIRC_ERR_NOMEM, "record the try's result: out of memory");
  store_stmt *st = store_stmt_prepare(p, zFinishContinueSql, pErr);
  if(!st) {
    free(zChunk);
    return pErr->rc;
  }
  store_bind_int64(st, 1, pItem->tiId);
  store_bind_int64(st, 2, pItem->tryNumber);
  store_bind_text(st, 3, pItem->zToken);
  store_bind_text(st, 4, pItem->zLogPath);
  store_bind_int64(st, 5, pItem->seq);
  store_bind_text(st, 6, zChunk);
  store_bind_text(st, 7, pItem->zResult);
  store_bind_int64(st, 8, pNext->tiId);
  store_bind_int64(st, 9, pNext->tryNumber);
  store_bind_text(st, 10, pNext->zToken);
  store_bind_text(st, 11, pNext->zQueue);
  store_bind_text(st, 12, pNext->zPool);
  store_bind_int64(st, 13, pNext->poolSlots);
  store_bind_text(st, 14, pNext->zRequest);
  store_bind_text(st, 15, pNext->zHolder);
  store_bind_text(st, 16, pNext->zLeaseToken);
  store_bind_int64(st, 17, nowUs);
  store_bind_text(st, 18, zWorker);
  store_bind_int64(st, 19, leaseUntilUs);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) {
    *pbHeld = store_col_int(st, 0) > 0;
    *pbContinued = *pbHeld && store_col_int(st, 1) > 0;
  }
  store_stmt_done(st);
  free(zChunk);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "record the try's result and continue its chain");
    return pErr->rc;
  }
  return AIRC_OK;
}

/* ---- tries handed to a worker ---- */

airc_rc store_work_assigned_each(store *p, const char *zWorker, const char *zPrefix, store_work_pushed *aOut,
                                 int nMax, int *pn, airc_err *pErr) {
  *pn = 0;
  store_stmt *st = store_stmt_prepare(p,
      "SELECT ti_id, try_number, lease_token, coalesce(lease_until_us, 0), request FROM task_claim"
      " WHERE worker=?1 AND result IS NULL AND lease_token LIKE ?2 ORDER BY queued_us, ti_id", pErr);
  if(!st) return pErr->rc;
  /* a prefix of hexadecimal digits: no LIKE wildcard in it */
  char zLike[STORE_WORK_PREFIX_LEN + 2];
  snprintf(zLike, sizeof(zLike), "%.*s%%", STORE_WORK_PREFIX_LEN, zPrefix);
  store_bind_text(st, 1, zWorker);
  store_bind_text(st, 2, zLike);
  int r;
  airc_rc rc = AIRC_OK;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW && *pn < nMax) {
    store_work_pushed *w = &aOut[*pn];
    memset(w, 0, sizeof(*w));
    w->tiId = store_col_int64(st, 0);
    w->tryNumber = store_col_int(st, 1);
    snprintf(w->zToken, sizeof(w->zToken), "%s", store_col_str(st, 2));
    w->leaseUntilUs = store_col_int64(st, 3);
    if(!(w->zRequest = strdup(store_col_str(st, 4)))) {
      rc = airc_err_set(pErr, AIRC_ERR_NOMEM, "tries handed to this worker: out of memory");
      break;
    }
    (*pn)++;
  }
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "read the tries handed to this worker");
    rc = pErr->rc;
  }
  if(rc) {
    for(int i = 0; i < *pn; i++) free(aOut[i].zRequest);
    *pn = 0;
  }
  return rc;
}

airc_rc store_work_adopt(store *p, int64_t tiId, int tryNumber, const char *zToken, const char *zWorker,
                         int64_t nowUs, int64_t leaseUntilUs, int *pbHeld, airc_err *pErr) {
  *pbHeld = 0;
  /* dialect: pg -- data-modifying WITH (handed tries exist on PostgreSQL
   * only). A task instance already running under this worker is an adopt
   * that committed unanswered, tried again. */
  store_stmt *st = store_stmt_prepare(p,
      "WITH u AS (UPDATE task_claim SET lease_until_us=?5 WHERE ti_id=?1 AND try_number=?2 AND lease_token=?3"
      " AND worker=?4 AND result IS NULL RETURNING ti_id, try_number),"
      " r AS (UPDATE task_instance i SET state='running', hostname=?4, start_us=?6, pid=NULL, updated_us=?6"
      " FROM u WHERE i.id=u.ti_id AND i.try_number=u.try_number AND (i.state='queued') IS TRUE RETURNING i.id)"
      " SELECT (SELECT count(*) FROM u),"
      " (SELECT count(*) FROM r) + (SELECT count(*) FROM task_instance i JOIN u ON i.id=u.ti_id"
      " AND i.try_number=u.try_number WHERE i.state='running' AND i.hostname=?4)", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, tiId);
  store_bind_int64(st, 2, tryNumber);
  store_bind_text(st, 3, zToken);
  store_bind_text(st, 4, zWorker);
  store_bind_int64(st, 5, leaseUntilUs);
  store_bind_int64(st, 6, nowUs);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) *pbHeld = store_col_int(st, 0) == 1 && store_col_int(st, 1) >= 1;
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "record a try as started");
    return pErr->rc;
  }
  return AIRC_OK;
}

airc_rc store_work_release(store *p, int64_t tiId, int tryNumber, const char *zToken, airc_err *pErr) {
  /* dialect: pg -- data-modifying WITH, pg_notify */
  store_stmt *st = store_stmt_prepare(p,
      "WITH c AS (UPDATE task_claim SET worker=NULL, lease_token=NULL, lease_until_us=NULL"
      " WHERE ti_id=?1 AND try_number=?2 AND lease_token=?3 AND result IS NULL RETURNING queue)"
      " SELECT pg_notify('" WORK_CH_QUEUED "', queue || chr(9)) FROM c", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, tiId);
  store_bind_int64(st, 2, tryNumber);
  store_bind_text(st, 3, zToken);
  return work_exec(st, "give a handed try back to its queue", pErr);
}

/* ---- wake-ups ---- */

airc_rc store_work_listen(store *p, unsigned mask, int *pbSupported, airc_err *pErr) {
  *pbSupported = p->pDrv->xListen != NULL;
  if(!*pbSupported) return AIRC_OK;
  airc_rc rc = AIRC_OK;
  if(mask & STORE_WORK_EV_QUEUED) rc = p->pDrv->xListen(p->pDb, WORK_CH_QUEUED, pErr);
  if(!rc && (mask & STORE_WORK_EV_RESULT)) rc = p->pDrv->xListen(p->pDb, WORK_CH_RESULT, pErr);
  if(!rc && (mask & STORE_WORK_EV_SECRETS)) rc = p->pDrv->xListen(p->pDb, STORE_CH_SECRETS, pErr);
  return rc;
}

airc_rc store_work_listen_handed(store *p, const char *zPrefix, airc_err *pErr) {
  if(!p->pDrv->xListen) return AIRC_OK;
  if(strlen(zPrefix) != STORE_WORK_PREFIX_LEN || strspn(zPrefix, "0123456789abcdef") != STORE_WORK_PREFIX_LEN)
    return airc_err_set(pErr, AIRC_ERR_INVALID, "listen for handed tries: bad token prefix '%.20s'", zPrefix);
  char zChannel[64];
  snprintf(zChannel, sizeof(zChannel), WORK_CH_HANDED "%s", zPrefix);
  return p->pDrv->xListen(p->pDb, zChannel, pErr);
}

int store_work_wait_fd(store *p) { return p->pDrv->xWaitFd ? p->pDrv->xWaitFd(p->pDb) : -1; }

typedef struct work_note_ctx {
  const char *const *azQueue;
  int nQueue;
  const char *zSelf;
  const char *zPrefix;      /* NULL: handed tries are not collected */
  store_work_pushed *aPush;
  int nMax;
  int *pnPush;
  unsigned ev;
} work_note_ctx;

/* The fields of a handed try's wake-up after QUEUE TAB WORKER TAB (see
 * store_work_enqueue_assigned) into *pOut; 0, or -1 if malformed. */
static int push_parse(const char *z, store_work_pushed *pOut) {
  memset(pOut, 0, sizeof(*pOut));
  const char *zTab = strchr(z, '\t');
  if(!zTab || (size_t)(zTab - z) >= sizeof(pOut->zToken)) return -1;
  memcpy(pOut->zToken, z, (size_t)(zTab - z));
  char *zEnd;
  long long a[3];
  const char *zAt = zTab + 1;
  for(int i = 0; i < 3; i++) {
    a[i] = strtoll(zAt, &zEnd, 10);
    if(zEnd == zAt || *zEnd != '\t') return -1;
    zAt = zEnd + 1;
  }
  pOut->tiId = a[0];
  pOut->tryNumber = (int)a[1];
  pOut->leaseUntilUs = a[2];
  if(*zAt && !(pOut->zRequest = strdup(zAt))) return -1;
  return 0;
}

/* A handed try's wake-up (QUEUE TAB WORKER TAB TOKEN ...) into c->aPush,
 * when it is for this worker process (name and token prefix). */
static void note_handed(work_note_ctx *c, const char *zPayload) {
  const char *zWorker = strchr(zPayload, '\t');
  const char *zTab = zWorker ? strchr(++zWorker, '\t') : NULL;
  store_work_pushed w;
  if(!zTab || !c->zSelf || !c->zPrefix || strlen(c->zSelf) != (size_t)(zTab - zWorker) ||
     memcmp(zWorker, c->zSelf, (size_t)(zTab - zWorker)) || push_parse(zTab + 1, &w))
    return;
  if(strncmp(w.zToken, c->zPrefix, STORE_WORK_PREFIX_LEN)) {
    free(w.zRequest); /* for another process of this name (an earlier one) */
    return;
  }
  if(*c->pnPush >= c->nMax) {
    free(w.zRequest);
    c->ev |= STORE_WORK_EV_PUSHED_LOST;
    return;
  }
  c->aPush[(*c->pnPush)++] = w;
  c->ev |= STORE_WORK_EV_PUSHED;
}

static void work_note(void *pv, const char *zChannel, const char *zPayload) {
  work_note_ctx *c = pv;
  if(!strcmp(zChannel, WORK_CH_RESULT)) {
    c->ev |= STORE_WORK_EV_RESULT;
  } else if(!strcmp(zChannel, STORE_CH_SECRETS)) {
    c->ev |= STORE_WORK_EV_SECRETS;
  } else if(!strncmp(zChannel, WORK_CH_HANDED, sizeof(WORK_CH_HANDED) - 1)) {
    note_handed(c, zPayload);
  } else if(!strcmp(zChannel, WORK_CH_QUEUED)) {
    /* QUEUE, or QUEUE TAB PREFERRED-WORKER (empty: anyone) */
    const char *zTab = strchr(zPayload, '\t');
    size_t nQueue = zTab ? (size_t)(zTab - zPayload) : strlen(zPayload);
    const char *zPrefer = zTab ? zTab + 1 : "";
    int bSelf = c->zSelf && !strcmp(zPrefer, c->zSelf);
    int bMine = c->nQueue == 0;
    for(int i = 0; i < c->nQueue && !bMine; i++)
      bMine = strlen(c->azQueue[i]) == nQueue && !memcmp(c->azQueue[i], zPayload, nQueue);
    if(bMine) c->ev |= !*zPrefer || !c->zSelf || bSelf ? STORE_WORK_EV_QUEUED : STORE_WORK_EV_QUEUED_OTHER;
  }
}

unsigned store_work_events_pushed(store *p, const char *const *azQueue, int nQueue, const char *zSelf,
                                  const char *zPrefix, store_work_pushed *aPush, int nMax, int *pnPush) {
  if(!p->pDrv->xNotifications) return 0;
  int nNone = 0;
  work_note_ctx c = {azQueue, nQueue, zSelf, zPrefix, aPush, nMax, pnPush ? pnPush : &nNone, 0};
  unsigned f = p->pDrv->xNotifications(p->pDb, work_note, &c);
  if(f & STORE_NOTE_RESYNC) c.ev |= STORE_WORK_EV_RESYNC;
  if(f & STORE_NOTE_LOST) c.ev |= STORE_WORK_EV_LOST;
  return c.ev;
}

unsigned store_work_events(store *p, const char *const *azQueue, int nQueue, const char *zSelf) {
  return store_work_events_pushed(p, azQueue, nQueue, zSelf, NULL, NULL, 0, NULL);
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

#define LEASE_LOST "scheduler lease lost: another scheduler holds it, or it expired"

airc_rc store_sched_lease_fence(store *p, const char *zHolder, const char *zToken, int64_t nowUs, airc_err *pErr) {
  if(p->pDrv->eDialect == STORE_DIALECT_PG) {
    /* dialect: pg -- the cast fails (an error on the server, which aborts
     * the transaction) unless the lease is ours; the EXISTS keeps it from
     * being folded at planning */
    store_stmt *st = store_stmt_prepare(p,
        "SELECT CAST(CASE WHEN EXISTS(SELECT 1 FROM scheduler_lease WHERE id=1 AND holder=?1 AND token=?2"
        " AND until_us>=?3 FOR SHARE) THEN '1' ELSE 'lost' END AS integer)", pErr);
    if(!st) return pErr->rc;
    store_bind_text(st, 1, zHolder);
    store_bind_text(st, 2, zToken);
    store_bind_int64(st, 3, nowUs);
    return store_stmt_fence_deferred(st, LEASE_LOST, pErr);
  }
  /* SQLite: its writer holds the database's only write lock already */
  store_stmt *st = store_stmt_prepare(p,
      "SELECT count(*) FROM scheduler_lease WHERE id=1 AND holder=?1 AND token=?2 AND until_us>=?3", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zHolder);
  store_bind_text(st, 2, zToken);
  store_bind_int64(st, 3, nowUs);
  int r = store_stmt_step(st, pErr);
  const int bHeld = r == STORE_ROW && store_col_int(st, 0) > 0;
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "check the scheduler lease");
    return pErr->rc;
  }
  return bHeld ? AIRC_OK : airc_err_set(pErr, AIRC_ERR_BUSY, LEASE_LOST);
}

airc_rc store_sched_lease_release(store *p, const char *zHolder, const char *zToken, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(p,
      "UPDATE scheduler_lease SET until_us=0 WHERE id=1 AND holder=? AND token=?", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zHolder);
  store_bind_text(st, 2, zToken);
  return work_exec(st, "release the scheduler lease", pErr);
}
