/* test_store_work.c: unit tests of store/store_work.c, the distributed
 * executor's typed calls, on a temporary SQLite store: enqueue, claim
 * (oldest first, by queue, the task instance becomes running with its
 * hostname, nothing waiting -> AIRC_ERR_NOTFOUND, a stale claim dropped),
 * renew / set pid / finish fenced by the lease token, results and expired
 * leases listed for the scheduler, stale claims deleted, log chunks in
 * order, the scheduler lease (taken, refused while held, taken over
 * once expired, released), a claim recovered by its lease token (only
 * while its lease lasts and it has no result; every try of a batch claim).
 * Batch claims (oldest first, one token, stale ones dropped); wake-ups on
 * PostgreSQL (sent at commit only, filtered by queue, offered first to one
 * worker, results), none on SQLite. The end of a try in one call
 * (store_work_finish_log: last log chunk, fenced result, stop requests);
 * the claims a scheduler applies taken in one call
 * (store_work_take_done_or_expired: listed and deleted in the caller's
 * transaction, back after a rollback). Tries queued one after another in
 * a transaction (one statement on PostgreSQL: store_stmt_run_batched).
 * Tries handed straight to one worker (PostgreSQL): the wake-up that
 * carries them, adopt, release, the look-up by token prefix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>
#include "store/store_int.h"
#include "tests/unit/store_test_target.h"
#include "store/store_work.h"

typedef struct fixture {
  char zDir[64];
  char zDb[128];
  store *s;
} fixture;

static const char *const azSeed[] = {
    "INSERT INTO dag(dag_id, is_paused, is_active, schedule, current_hash) VALUES ('d', 0, 1, 'none', 'h1')",
    "INSERT INTO dag_version(hash, dag_id, json) VALUES ('h1', 'd', '{}')",
    "INSERT INTO dag_run(id, dag_id, run_id, run_type, logical_date, data_interval_start, data_interval_end,"
    " conf, state, dag_hash) VALUES (1, 'd', 'r', 'manual', 1, 0, 1, '{}', 'running', 'h1')",
    "INSERT INTO task_instance(id, run_pk, dag_id, task_id, state, try_number, max_tries) VALUES"
    " (10, 1, 'd', 'a', 'queued', 1, 1), (11, 1, 'd', 'b', 'queued', 1, 1), (12, 1, 'd', 'c', 'success', 1, 1)",
};

static int fx_setup(void **ppState) {
  fixture *f = calloc(1, sizeof(*f));
  snprintf(f->zDir, sizeof(f->zDir), "/tmp/airc-test-store-work-XXXXXX");
  if(!mkdtemp(f->zDir)) return -1;
  if(store_test_target(f->zDir, f->zDb, sizeof(f->zDb))) return -1;
  airc_err err = {0};
  if(store_open(f->zDb, &f->s, &err)) fail_msg("%s", err.zMsg);
  for(size_t i = 0; i < sizeof(azSeed) / sizeof(azSeed[0]); i++)
    if(store_run_sql(f->s, azSeed[i], &err)) fail_msg("%s", err.zMsg);
  *ppState = f;
  return 0;
}

static int fx_teardown(void **ppState) {
  fixture *f = *ppState;
  store_close(f->s);
  store_test_remove(f->zDir, f->zDb);
  free(f);
  return 0;
}

static const char *q_text(store *s, const char *zSql) {
  static char z[256];
  airc_err err = {0};
  store_stmt *st = store_stmt_prepare(s, zSql, &err);
  if(!st) fail_msg("%s", err.zMsg);
  int r = store_stmt_step(st, &err);
  snprintf(z, sizeof(z), "%s", r == STORE_ROW && store_col_text(st, 0) ? store_col_text(st, 0) : "<none>");
  store_stmt_done(st);
  return z;
}

typedef struct seen {
  int n, nResult, nExpired;
  int64_t aTi[8];
  char zCur0[1200]; /* the first row's task instance: "state try dag.task run" */
  char zRun0[400];  /* its run: "pk dag run state hash paused logical", or "inactive" */
  char zLog0[4096]; /* its log path, as the take gives it */
} seen;

static int seen_add(void *pCtx, const store_work_row *pRow) {
  seen *p = pCtx;
  if(!p->n && pRow->pCur) {
    snprintf(p->zCur0, sizeof(p->zCur0), "%s %d %s.%s %s", pRow->pCur->zState, pRow->pCur->tryNumber,
             pRow->pCur->zDagId, pRow->pCur->zTaskId, pRow->pCur->zRunId);
    snprintf(p->zLog0, sizeof(p->zLog0), "%s", pRow->pCur->zLogPath);
  }
  if(!p->n && pRow->pRun)
    snprintf(p->zRun0, sizeof(p->zRun0), "%lld %s %s %s %s %d %lld", (long long)pRow->pRun->runPk,
             pRow->pRun->zDagId, pRow->pRun->zRunId, pRow->pRun->zState, pRow->pRun->zDagHash,
             pRow->pRun->bDagPaused, (long long)pRow->pRun->logicalDate);
  else if(!p->n && pRow->pCur)
    snprintf(p->zRun0, sizeof(p->zRun0), "inactive");
  p->aTi[p->n++] = pRow->tiId;
  if(pRow->zResult) p->nResult++;
  else p->nExpired++;
  return 0;
}

/* The task instance of claim c (lease token zToken, worker w1) as the
 * worker leaves it once the try has run a while: running already on
 * SQLite; on PostgreSQL still queued after the claim (bAdopt), then
 * running by store_work_adopt. */
static void claimed_started(fixture *f, const store_work_claimed *c, const char *zToken) {
  airc_err err = {0};
  store_stmt *st = store_stmt_prepare(f->s, "SELECT state FROM task_instance WHERE id=?", &err);
  assert_non_null(st);
  store_bind_int64(st, 1, c->tiId);
  assert_int_equal(store_stmt_step(st, &err), STORE_ROW);
  assert_string_equal(store_col_str(st, 0), store_test_is_pg() ? "queued" : "running");
  store_stmt_done(st);
  assert_int_equal(c->bAdopt, store_test_is_pg());
  if(!c->bAdopt) return;
  int bHeld = 0;
  assert_int_equal(store_work_adopt(f->s, c->tiId, c->tryNumber, zToken, "w1", 1000, 2000, &bHeld, &err), AIRC_OK);
  assert_true(bHeld);
}

static void test_claim_lease_fence(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  assert_int_equal(store_work_enqueue(f->s, 10, 1, "default", "{\"r\":10}", 100, &err), AIRC_OK);
  assert_int_equal(store_work_enqueue(f->s, 11, 1, "other", "{\"r\":11}", 50, &err), AIRC_OK);
  store_work_claimed c;
  /* nothing on an unknown queue */
  assert_int_equal(store_work_claim(f->s, "none", "w1", "tok0", 1000, 2000, &c, &err), AIRC_ERR_NOTFOUND);
  assert_int_equal(store_work_claim(f->s, "default", "w1", "tok1", 1000, 2000, &c, &err), AIRC_OK);
  assert_int_equal(c.tiId, 10);
  assert_string_equal(c.zRequest, "{\"r\":10}");
  free(c.zRequest);
  claimed_started(f, &c, "tok1");
  assert_string_equal(q_text(f->s, "SELECT state || ' ' || hostname FROM task_instance WHERE id=10"), "running w1");
  /* claimed once only */
  assert_int_equal(store_work_claim(f->s, "default", "w2", "tok2", 1000, 2000, &c, &err), AIRC_ERR_NOTFOUND);
  int bHeld = 0;
  assert_int_equal(store_work_renew(f->s, 10, 1, "tok1", 3000, &bHeld, &err), AIRC_OK);
  assert_true(bHeld);
  assert_int_equal(store_work_renew(f->s, 10, 1, "wrong", 3000, &bHeld, &err), AIRC_OK);
  assert_false(bHeld);
  assert_int_equal(store_work_set_pid(f->s, 10, 1, "tok1", 77, "/l", &bHeld, &err), AIRC_OK);
  assert_true(bHeld);
  assert_int_equal(store_work_finish(f->s, 10, 1, "wrong", "{}", &bHeld, &err), AIRC_OK);
  assert_false(bHeld); /* fenced */
  int bNews = 1;
  assert_int_equal(store_work_has_news(f->s, 2500, &bNews, &err), AIRC_OK);
  assert_false(bNews);
  assert_int_equal(store_work_has_news(f->s, 4000, &bNews, &err), AIRC_OK);
  assert_true(bNews); /* the lease ended at 3000 */
  seen S = {0};
  /* taken in a transaction that rolls back: the claim is still there */
  assert_int_equal(store_begin(f->s, &err), AIRC_OK);
  assert_int_equal(store_work_take_done_or_expired(f->s, 4000, 1, seen_add, &S, &err), AIRC_OK);
  assert_int_equal(S.nExpired, 1);
  store_rollback(f->s);
  assert_int_equal(store_work_finish(f->s, 10, 1, "tok1", "{\"state\":\"success\"}", &bHeld, &err), AIRC_OK);
  assert_true(bHeld);
  memset(&S, 0, sizeof(S));
  assert_int_equal(store_begin(f->s, &err), AIRC_OK);
  assert_int_equal(store_work_take_done_or_expired(f->s, 4000, 1, seen_add, &S, &err), AIRC_OK);
  assert_int_equal(store_commit(f->s, &err), AIRC_OK);
  assert_int_equal(S.nResult, 1);
  assert_int_equal(S.aTi[0], 10);
  int bExists = 1;
  assert_int_equal(store_work_exists(f->s, 10, 1, &bExists, &err), AIRC_OK);
  assert_false(bExists);
  /* a claim of a task instance that moved on is stale */
  assert_int_equal(store_run_sql(f->s, "UPDATE task_instance SET state='success' WHERE id=11", &err), AIRC_OK);
  assert_int_equal(store_work_claim(f->s, "other", "w1", "tok3", 1000, 2000, &c, &err), AIRC_ERR_NOTFOUND);
  assert_int_equal(store_work_exists(f->s, 11, 1, &bExists, &err), AIRC_OK);
  assert_false(bExists); /* dropped by the claim */
  assert_int_equal(store_work_enqueue(f->s, 12, 1, "default", "{}", 1, &err), AIRC_OK);
  int nStale = 0;
  assert_int_equal(store_work_delete_stale(f->s, &nStale, &err), AIRC_OK);
  assert_int_equal(nStale, 1);
}

static int chunk_cat(void *pCtx, const char *z, size_t n) {
  strncat((char *)pCtx, z, n);
  return 0;
}

static void test_log_chunks(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  assert_int_equal(store_work_log_append(f->s, 10, 1, 1, "world\n", 6, &err), AIRC_OK);
  assert_int_equal(store_work_log_append(f->s, 10, 1, 0, "hello ", 6, &err), AIRC_OK);
  assert_int_equal(store_work_log_append(f->s, 10, 1, 0, "again ", 6, &err), AIRC_OK); /* first kept */
  char z[64] = "";
  int n = 0;
  assert_int_equal(store_work_log_each(f->s, 10, 1, 0, chunk_cat, z, &n, &err), AIRC_OK);
  assert_int_equal(n, 2);
  assert_string_equal(z, "hello world\n");
  z[0] = 0;
  assert_int_equal(store_work_log_each(f->s, 10, 1, 1, chunk_cat, z, &n, &err), AIRC_OK);
  assert_string_equal(z, "world\n");
  assert_int_equal(store_work_log_each(f->s, 10, 2, 0, chunk_cat, z, &n, &err), AIRC_OK);
  assert_int_equal(n, 0);
}

static void test_scheduler_lease(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  int bHeld = 0;
  char zCur[64];
  assert_int_equal(store_sched_lease_take(f->s, "a", "ta", 100, 200, &bHeld, zCur, sizeof(zCur), &err), AIRC_OK);
  assert_true(bHeld);
  assert_int_equal(store_sched_lease_take(f->s, "b", "tb", 150, 250, &bHeld, zCur, sizeof(zCur), &err), AIRC_OK);
  assert_false(bHeld);
  assert_string_equal(zCur, "a");
  assert_int_equal(store_sched_lease_take(f->s, "a", "ta", 190, 300, &bHeld, zCur, sizeof(zCur), &err), AIRC_OK);
  assert_true(bHeld); /* renewed */
  assert_int_equal(store_sched_lease_take(f->s, "b", "tb", 301, 400, &bHeld, zCur, sizeof(zCur), &err), AIRC_OK);
  assert_true(bHeld); /* a's ended: taken over */
  assert_int_equal(store_sched_lease_take(f->s, "a", "ta", 302, 500, &bHeld, zCur, sizeof(zCur), &err), AIRC_OK);
  assert_false(bHeld); /* fenced out */
  assert_int_equal(store_sched_lease_release(f->s, "b", "tb", &err), AIRC_OK);
  assert_int_equal(store_sched_lease_take(f->s, "a", "ta2", 303, 500, &bHeld, zCur, sizeof(zCur), &err), AIRC_OK);
  assert_true(bHeld);
}

static int state_rows(store *s) {
  airc_err err = {0};
  store_stmt *st = store_stmt_prepare(s, "SELECT count(*) FROM scheduler_state WHERE key LIKE 'fence%'", &err);
  assert_non_null(st);
  assert_int_equal(store_stmt_step(st, &err), STORE_ROW);
  int n = store_col_int(st, 0);
  store_stmt_done(st);
  return n;
}

/* One transaction: a write, the fence of (zHolder, zToken) at nowUs, the
 * commit; its outcome (AIRC_ERR_BUSY: fenced out, nothing kept). */
static airc_rc fenced_write(store *s, const char *zKey, const char *zHolder, const char *zToken, int64_t nowUs,
                            airc_err *pErr) {
  airc_rc rc = store_begin(s, pErr);
  store_stmt *st = rc ? NULL : store_stmt_prepare(s, "INSERT INTO scheduler_state(key, value) VALUES(?, 'v')", pErr);
  if(st) {
    store_bind_text(st, 1, zKey);
    rc = store_stmt_run(st, "write", pErr);
  } else if(!rc) {
    rc = pErr->rc;
  }
  if(!rc) rc = store_sched_lease_fence(s, zHolder, zToken, nowUs, pErr);
  if(!rc) return store_commit(s, pErr);
  store_rollback(s);
  return rc;
}

/* A transaction fenced by the lease commits only while its holder holds
 * it: not once it expired, nor after another scheduler took it over; the
 * failure is a busy store's (the caller tries again), and names the lease. */
static void test_scheduler_lease_fence(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  int bHeld = 0;
  assert_int_equal(store_sched_lease_take(f->s, "a", "ta", 100, 200, &bHeld, NULL, 0, &err), AIRC_OK);
  assert_true(bHeld);
  assert_int_equal(fenced_write(f->s, "fence1", "a", "ta", 150, &err), AIRC_OK);
  assert_int_equal(state_rows(f->s), 1);
  /* expired at 250 */
  if(fenced_write(f->s, "fence2", "a", "ta", 250, &err) != AIRC_ERR_BUSY) fail_msg("%s", err.zMsg);
  assert_non_null(strstr(err.zMsg, "scheduler lease lost"));
  airc_err_clear(&err);
  assert_int_equal(state_rows(f->s), 1);
  /* another token of the same holder is not the lease's */
  assert_int_equal(fenced_write(f->s, "fence3", "a", "other", 150, &err), AIRC_ERR_BUSY);
  airc_err_clear(&err);
  /* taken over by b */
  assert_int_equal(store_sched_lease_take(f->s, "b", "tb", 260, 400, &bHeld, NULL, 0, &err), AIRC_OK);
  assert_true(bHeld);
  assert_int_equal(fenced_write(f->s, "fence4", "a", "ta", 270, &err), AIRC_ERR_BUSY);
  airc_err_clear(&err);
  assert_int_equal(fenced_write(f->s, "fence5", "b", "tb", 270, &err), AIRC_OK);
  assert_int_equal(state_rows(f->s), 2);
}

/* PostgreSQL: a claim in progress (its transaction still open) holds its
 * row; a second worker on another connection gets the next free try at
 * once instead of waiting on the lock or claiming the same one (FOR
 * UPDATE SKIP LOCKED). SQLite serializes claimers with its write lock. */
static void test_claim_recover(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  assert_int_equal(store_work_enqueue(f->s, 10, 1, "default", "{\"r\":10}", 100, &err), AIRC_OK);
  store_work_claimed c, a[STORE_WORK_CLAIM_MAX];
  int n = -1;
  /* no claim with that token: the claim did not commit */
  assert_int_equal(store_work_claim_recover(f->s, "tok1", 1000, 5000, STORE_WORK_CLAIM_MAX, a, &n, &err),
                   AIRC_ERR_NOTFOUND);
  assert_int_equal(n, 0);
  assert_int_equal(store_work_claim(f->s, "default", "w1", "tok1", 1000, 2000, &c, &err), AIRC_OK);
  free(c.zRequest);
  /* it did: the try again, its lease extended */
  assert_int_equal(store_work_claim_recover(f->s, "tok1", 1500, 5000, STORE_WORK_CLAIM_MAX, a, &n, &err), AIRC_OK);
  assert_int_equal(n, 1);
  assert_int_equal(a[0].tiId, 10);
  assert_int_equal(a[0].tryNumber, 1);
  assert_string_equal(a[0].zRequest, "{\"r\":10}");
  free(a[0].zRequest);
  assert_string_equal(q_text(f->s, "SELECT lease_until_us FROM task_claim WHERE ti_id=10"), "5000");
  assert_int_equal(store_work_claim_recover(f->s, "other", 1500, 6000, STORE_WORK_CLAIM_MAX, a, &n, &err),
                   AIRC_ERR_NOTFOUND);
  /* its lease ended: the scheduler's to fail or retry, not the worker's to run */
  assert_int_equal(store_work_claim_recover(f->s, "tok1", 5000, 9000, STORE_WORK_CLAIM_MAX, a, &n, &err),
                   AIRC_ERR_NOTFOUND);
  assert_string_equal(q_text(f->s, "SELECT lease_until_us FROM task_claim WHERE ti_id=10"), "5000");
  /* a result left: done */
  int bHeld = 0;
  assert_int_equal(store_work_finish(f->s, 10, 1, "tok1", "{}", &bHeld, &err), AIRC_OK);
  assert_true(bHeld);
  assert_int_equal(store_work_claim_recover(f->s, "tok1", 1500, 9000, STORE_WORK_CLAIM_MAX, a, &n, &err),
                   AIRC_ERR_NOTFOUND);
  /* a batch claim shares one token: every try of it comes back */
  assert_int_equal(store_run_sql(f->s, "INSERT INTO task_instance(id, run_pk, dag_id, task_id, state, try_number,"
                                       " max_tries) VALUES (20, 1, 'd', 'r1', 'queued', 1, 1),"
                                       " (21, 1, 'd', 'r2', 'queued', 1, 1)", &err), AIRC_OK);
  assert_int_equal(store_work_enqueue(f->s, 20, 1, "default", "{\"r\":20}", 200, &err), AIRC_OK);
  assert_int_equal(store_work_enqueue(f->s, 21, 1, "default", "{\"r\":21}", 201, &err), AIRC_OK);
  assert_int_equal(store_work_claim_batch(f->s, "default", "w1", "tok2", 1000, 2000, 4, a, &n, &err), AIRC_OK);
  assert_int_equal(n, 2);
  for(int i = 0; i < n; i++) free(a[i].zRequest);
  assert_int_equal(store_work_claim_recover(f->s, "tok2", 1500, 7000, STORE_WORK_CLAIM_MAX, a, &n, &err), AIRC_OK);
  assert_int_equal(n, 2);
  assert_int_equal(a[0].tiId, 20);
  assert_int_equal(a[1].tiId, 21);
  for(int i = 0; i < n; i++) free(a[i].zRequest);
  assert_string_equal(q_text(f->s, "SELECT count(*) FROM task_claim WHERE lease_until_us=7000"), "2");
}

static void test_claim_skips_locked(void **ppState) {
  fixture *f = *ppState;
  if(!store_test_is_pg()) skip();
  airc_err err = {0};
  assert_int_equal(store_work_enqueue(f->s, 10, 1, "default", "{\"r\":10}", 100, &err), AIRC_OK);
  assert_int_equal(store_work_enqueue(f->s, 11, 1, "default", "{\"r\":11}", 200, &err), AIRC_OK);
  store *s2 = NULL;
  assert_int_equal(store_open(f->zDb, &s2, &err), AIRC_OK);
  store_work_claimed a, b;
  assert_int_equal(store_begin(f->s, &err), AIRC_OK); /* keeps the first claim's row lock */
  assert_int_equal(store_work_claim(f->s, "default", "w1", "t1", 1000, 2000, &a, &err), AIRC_OK);
  assert_int_equal(a.tiId, 10);
  assert_int_equal(store_work_claim(s2, "default", "w2", "t2", 1000, 2000, &b, &err), AIRC_OK);
  assert_int_equal(b.tiId, 11);
  assert_int_equal(store_commit(f->s, &err), AIRC_OK);
  free(a.zRequest);
  free(b.zRequest);
  /* both claimed, each once */
  assert_string_equal(q_text(f->s, "SELECT string_agg(worker, ',' ORDER BY ti_id) FROM task_claim"), "w1,w2");
  store_close(s2);
}

/* Several tries in one claim: oldest first, each running on the worker,
 * one lease token; a stale one (its task instance moved on) is dropped. */
static void test_claim_batch(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  assert_int_equal(store_run_sql(f->s, "INSERT INTO task_instance(id, run_pk, dag_id, task_id, state, try_number,"
                                       " max_tries) VALUES (13, 1, 'd', 'e', 'queued', 1, 1),"
                                       " (14, 1, 'd', 'f', 'queued', 1, 1)", &err), AIRC_OK);
  assert_int_equal(store_work_enqueue(f->s, 13, 1, "default", "{\"r\":13}", 100, &err), AIRC_OK);
  assert_int_equal(store_work_enqueue(f->s, 10, 1, "default", "{\"r\":10}", 200, &err), AIRC_OK);
  assert_int_equal(store_work_enqueue(f->s, 11, 1, "default", "{\"r\":11}", 300, &err), AIRC_OK);
  assert_int_equal(store_work_enqueue(f->s, 14, 1, "default", "{\"r\":14}", 400, &err), AIRC_OK);
  assert_int_equal(store_run_sql(f->s, "UPDATE task_instance SET state='success' WHERE id=10", &err), AIRC_OK);
  store_work_claimed a[STORE_WORK_CLAIM_MAX];
  int n = 0;
  assert_int_equal(store_work_claim_batch(f->s, "default", "w1", "tokb", 1000, 2000, 2, a, &n, &err), AIRC_OK);
  /* 13 (oldest), 10 stale and dropped, then 11; 14 stays for the next */
  int64_t aGot[2] = {0, 0};
  for(int i = 0; i < n && i < 2; i++) aGot[i] = a[i].tiId;
  for(int i = 0; i < n; i++) free(a[i].zRequest);
  assert_true(n >= 1);
  assert_int_equal(a[0].tiId, 13);
  assert_int_equal(aGot[0], 13);
  if(n == 2) assert_int_equal(aGot[1], 11);
  claimed_started(f, &a[0], "tokb");
  if(n == 1) { /* PostgreSQL: the stale row took a place of the batch */
    assert_int_equal(store_work_claim_batch(f->s, "default", "w1", "tokc", 1000, 2000, 1, a, &n, &err), AIRC_OK);
    assert_int_equal(a[0].tiId, 11);
    free(a[0].zRequest);
  }
  int bExists = 1;
  assert_int_equal(store_work_exists(f->s, 10, 1, &bExists, &err), AIRC_OK);
  assert_false(bExists);
  assert_string_equal(q_text(f->s, "SELECT state || ' ' || hostname FROM task_instance WHERE id=13"), "running w1");
  assert_string_equal(q_text(f->s, "SELECT lease_token FROM task_claim WHERE ti_id=13"), "tokb");
  assert_int_equal(store_work_claim_batch(f->s, "default", "w1", "tokd", 1000, 2000, 8, a, &n, &err), AIRC_OK);
  assert_int_equal(n, 1);
  assert_int_equal(a[0].tiId, 14);
  free(a[0].zRequest);
  assert_int_equal(store_work_claim_batch(f->s, "default", "w1", "toke", 1000, 2000, 8, a, &n, &err),
                   AIRC_ERR_NOTFOUND);
  assert_int_equal(n, 0);
  /* a batch that finds only a stale claim looks again and finds the next */
  assert_int_equal(store_run_sql(f->s, "INSERT INTO task_instance(id, run_pk, dag_id, task_id, state, try_number,"
                                       " max_tries) VALUES (15, 1, 'd', 'g', 'queued', 1, 1),"
                                       " (16, 1, 'd', 'h', 'queued', 1, 1)", &err), AIRC_OK);
  assert_int_equal(store_work_enqueue(f->s, 15, 1, "default", "{}", 500, &err), AIRC_OK);
  assert_int_equal(store_work_enqueue(f->s, 16, 1, "default", "{}", 600, &err), AIRC_OK);
  assert_int_equal(store_run_sql(f->s, "UPDATE task_instance SET state='success' WHERE id=15", &err), AIRC_OK);
  assert_int_equal(store_work_claim_batch(f->s, "default", "w1", "tokf", 1000, 2000, 1, a, &n, &err), AIRC_OK);
  assert_int_equal(n, 1);
  assert_int_equal(a[0].tiId, 16);
  free(a[0].zRequest);
  assert_int_equal(store_work_exists(f->s, 15, 1, &bExists, &err), AIRC_OK);
  assert_false(bExists);
}

/* Waits up to 5 s for the wake-ups of s (only asked about azQueue). */
/* The wake-ups session s hears as worker zSelf of the nQueue queues
 * azQueue (with token prefix zPrefix, collecting the tries handed to it
 * into a, room for nMax, from *pn on), polling up to nPoll times 0.1 s (a
 * wake-up that must not come is given 0.5 s: one that is sent arrives
 * within milliseconds here). */
static unsigned wait_note(store *s, const char *const *azQueue, int nQueue, const char *zSelf, const char *zPrefix,
                          store_work_pushed *a, int nMax, int *pn, int nPoll) {
  unsigned ev = 0;
  for(int i = 0; i < nPoll && !ev; i++) {
    ev = store_work_events_pushed(s, azQueue, nQueue, zSelf, zPrefix, a, nMax, pn) & ~STORE_WORK_EV_RESYNC;
    if(ev) break;
    struct pollfd pfd = {store_work_wait_fd(s), POLLIN, 0};
    poll(&pfd, 1, 100);
  }
  return ev;
}

static unsigned wait_events(store *s, const char *const *azQueue, int nQueue) {
  return wait_note(s, azQueue, nQueue, "w1", NULL, NULL, 0, NULL, 50);
}

/* PostgreSQL: a worker LISTENing hears of a try queued on its queue when
 * the queuing transaction commits (not before, not for another queue); a
 * scheduler hears of a result. SQLite: no wake-ups (callers poll). */
/* Tries a wake queues one after another (a fan-out's): on PostgreSQL one
 * statement (store_stmt_run_batched); whatever the backend, the next
 * statement sees them, a request comes back byte for byte, a second
 * enqueue of the same task instance replaces the first, and workers claim
 * them in queue order. */
static void test_enqueue_batched(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  static const char zR2[] = "{\"cmd\":\"echo \\\"x\\\" {a,b} \\\\ \xc3\xa9\",\"n\":null}";
  assert_int_equal(store_work_enqueue(f->s, 12, 1, "other", "{}", 90, &err), AIRC_OK); /* PostgreSQL: prepared */
  store *w = NULL;
  int bOn = 0;
  const char *azMine[] = {"default"};
  assert_int_equal(store_open(f->zDb, &w, &err), AIRC_OK);
  assert_int_equal(store_work_listen(w, STORE_WORK_EV_QUEUED, &bOn, &err), AIRC_OK);
  assert_int_equal(store_begin(f->s, &err), AIRC_OK);
  assert_string_equal(q_text(f->s, "SELECT queue FROM task_claim WHERE ti_id=12"), "other");
  store_stats st0, st1;
  store_stats_get(f->s, &st0);
  assert_int_equal(store_work_enqueue(f->s, 10, 1, "default", "{\"first\":1}", 100, &err), AIRC_OK);
  assert_int_equal(store_work_enqueue_prefer(f->s, 11, 1, "default", "w9", "{}", 101, &err), AIRC_OK);
  /* task instance 10 again: the waiting ones (10, 11) go first */
  assert_int_equal(store_work_enqueue(f->s, 10, 1, "default", zR2, 102, &err), AIRC_OK);
  assert_string_equal(q_text(f->s, "SELECT request FROM task_claim WHERE ti_id=10"), zR2);
  store_stats_get(f->s, &st1);
  if(store_test_is_pg()) assert_int_equal(st1.nStatements - st0.nStatements, 3); /* [10, 11], [10], the read */
  assert_int_equal(store_commit(f->s, &err), AIRC_OK);
  /* the one statement woke the queue's workers (10 is for anyone) */
  if(store_test_is_pg()) assert_int_equal(wait_events(w, azMine, 1) & STORE_WORK_EV_QUEUED, STORE_WORK_EV_QUEUED);
  store_close(w);
  store_work_claimed a[4];
  int n = 0;
  assert_int_equal(store_work_claim_batch(f->s, "default", "w1", "tok", 1000, 2000, 4, a, &n, &err), AIRC_OK);
  assert_int_equal(n, 2);
  assert_int_equal(a[0].tiId, 11); /* queued first */
  assert_int_equal(a[1].tiId, 10);
  assert_string_equal(a[1].zRequest, zR2);
  for(int i = 0; i < n; i++) free(a[i].zRequest);
}

static void test_wakeups(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  int bOn = -1;
  if(!store_test_is_pg()) {
    assert_int_equal(store_work_listen(f->s, STORE_WORK_EV_QUEUED, &bOn, &err), AIRC_OK);
    assert_false(bOn);
    assert_int_equal(store_work_wait_fd(f->s), -1);
    assert_int_equal(store_work_events(f->s, NULL, 0, NULL), 0);
    return;
  }
  store *w = NULL, *sch = NULL;
  assert_int_equal(store_open(f->zDb, &w, &err), AIRC_OK);
  assert_int_equal(store_open(f->zDb, &sch, &err), AIRC_OK);
  assert_int_equal(store_work_listen(w, STORE_WORK_EV_QUEUED, &bOn, &err), AIRC_OK);
  assert_true(bOn);
  assert_int_equal(store_work_listen(sch, STORE_WORK_EV_RESULT, &bOn, &err), AIRC_OK);
  assert_true(store_work_wait_fd(w) >= 0);
  const char *azMine[] = {"default"};
  assert_int_equal(store_begin(f->s, &err), AIRC_OK);
  assert_int_equal(store_work_enqueue(f->s, 10, 1, "default", "{}", 100, &err), AIRC_OK);
  usleep(100000);
  assert_int_equal(store_work_events(w, azMine, 1, "w1") & STORE_WORK_EV_QUEUED, 0); /* not before the commit */
  assert_int_equal(store_commit(f->s, &err), AIRC_OK);
  assert_int_equal(wait_events(w, azMine, 1), STORE_WORK_EV_QUEUED);
  /* another queue's try does not wake this worker; a rolled-back one nobody */
  assert_int_equal(store_work_enqueue(f->s, 11, 1, "other", "{}", 100, &err), AIRC_OK);
  assert_int_equal(store_begin(f->s, &err), AIRC_OK);
  assert_int_equal(store_work_enqueue(f->s, 12, 1, "default", "{}", 100, &err), AIRC_OK);
  store_rollback(f->s);
  usleep(200000);
  assert_int_equal(store_work_events(w, azMine, 1, "w1"), 0);
  store_work_claimed c;
  assert_int_equal(store_work_claim(w, "default", "w1", "tok", 1000, 2000, &c, &err), AIRC_OK);
  free(c.zRequest);
  int bHeld = 0;
  assert_int_equal(store_work_finish(w, 10, 1, "tok", "{}", &bHeld, &err), AIRC_OK);
  assert_true(bHeld);
  assert_int_equal(wait_events(sch, NULL, 0), STORE_WORK_EV_RESULT);
  /* a fenced result (wrong token) wakes nobody */
  assert_int_equal(store_work_finish(w, 10, 1, "tok", "{}", &bHeld, &err), AIRC_OK);
  assert_false(bHeld);
  usleep(200000);
  assert_int_equal(store_work_events(sch, NULL, 0, NULL), 0);
  /* a try offered first to another worker (w9): w1 is told to wait; one
   * offered to w1, or to nobody in particular, is for w1 at once */
  assert_int_equal(store_work_enqueue_prefer(f->s, 12, 1, "default", "w9", "{}", 100, &err), AIRC_OK);
  assert_int_equal(wait_events(w, azMine, 1), STORE_WORK_EV_QUEUED_OTHER);
  assert_int_equal(store_work_enqueue_prefer(f->s, 12, 1, "default", "w1", "{}", 100, &err), AIRC_OK);
  assert_int_equal(wait_events(w, azMine, 1), STORE_WORK_EV_QUEUED);
  assert_int_equal(store_work_enqueue_prefer(f->s, 12, 1, "default", NULL, "{}", 100, &err), AIRC_OK);
  assert_int_equal(wait_events(w, azMine, 1), STORE_WORK_EV_QUEUED);
  store_close(w);
  store_close(sch);
}

/* store_work_finish_log: the last log chunk, the result (fenced) and the
 * try's stop requests in one call; a fenced result is ignored while the
 * others of the same worker are applied, and only a held one wakes the
 * schedulers (PostgreSQL). */
/* w1 claims the two tries queued on "default" (ti 10 and 11, try 1). */
static void claim_two_as_w1(fixture *f) {
  airc_err err = {0};
  store_work_claimed a[2];
  int n = 0;
  assert_int_equal(store_work_claim_batch(f->s, "default", "w1", "tok", 1000, 2000, 2, a, &n, &err), AIRC_OK);
  assert_int_equal(n, 2);
  free(a[0].zRequest);
  free(a[1].zRequest);
  claimed_started(f, &a[0], "tok");
  claimed_started(f, &a[1], "tok");
}

/* Tries 10 and 11 claimed by w1 (token "tok"), stop requests for both and
 * for another try of 11; on PostgreSQL, returns a second session that
 * listens for results (else NULL). */
static store *two_running_tries(fixture *f) {
  airc_err err = {0};
  store *sch = NULL;
  int bOn = 0;
  if(store_test_is_pg()) {
    assert_int_equal(store_open(f->zDb, &sch, &err), AIRC_OK);
    assert_int_equal(store_work_listen(sch, STORE_WORK_EV_RESULT, &bOn, &err), AIRC_OK);
  }
  assert_int_equal(store_work_enqueue(f->s, 10, 1, "default", "{}", 100, &err), AIRC_OK);
  assert_int_equal(store_work_enqueue(f->s, 11, 1, "default", "{}", 101, &err), AIRC_OK);
  claim_two_as_w1(f);
  assert_int_equal(store_run_sql(f->s, "INSERT INTO ti_stop_request(ti_id, try_number, pid, requested_us)"
                                       " VALUES (10, 1, 5, 1), (11, 1, 6, 1), (11, 2, 7, 1)", &err), AIRC_OK);
  return sch;
}

static void test_finish_log(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  store *sch = two_running_tries(f);
  assert_int_equal(store_work_log_append(f->s, 10, 1, 0, "first ", 6, &err), AIRC_OK);
  int bHeld = 0;
  /* try 11's lease was taken over (another token): its result is fenced */
  assert_int_equal(store_work_finish_log(f->s, 11, 1, "other", "/l11", 0, "late\n", 5, "{\"state\":\"success\"}", &bHeld,
                                         &err), AIRC_OK);
  assert_false(bHeld);
  if(sch) {
    usleep(200000);
    assert_int_equal(store_work_events(sch, NULL, 0, NULL), 0); /* a fenced result wakes nobody */
  }
  assert_int_equal(store_work_finish_log(f->s, 10, 1, "tok", "/l10", 1, "last\n", 5, "{\"state\":\"success\"}", &bHeld,
                                         &err), AIRC_OK);
  assert_true(bHeld);
  if(sch) assert_int_equal(wait_events(sch, NULL, 0), STORE_WORK_EV_RESULT);
  char z[64] = "";
  int n = 0;
  assert_int_equal(store_work_log_each(f->s, 10, 1, 0, chunk_cat, z, &n, &err), AIRC_OK);
  assert_string_equal(z, "first last\n");
  seen S = {0};
  assert_int_equal(store_begin(f->s, &err), AIRC_OK); /* rolled back below: the claims stay for what follows */
  assert_int_equal(store_work_take_done_or_expired(f->s, 1500, 1, seen_add, &S, &err), AIRC_OK);
  store_rollback(f->s);
  assert_int_equal(S.nResult, 1); /* 10's; 11's was ignored */
  assert_int_equal(S.aTi[0], 10);
  assert_string_equal(S.zCur0, "running 1 d.a r"); /* read with it: the scheduler needs no other read */
  /* the log path came with the held result, for the outcome to record; the
   * task instance itself is not written (one update fewer per try) */
  assert_string_equal(S.zLog0, "/l10");
  assert_string_equal(q_text(f->s, "SELECT coalesce(log_path, '-') FROM task_instance WHERE id=10"), "-");
  /* the fenced one left nothing */
  assert_string_equal(q_text(f->s, "SELECT coalesce(result, 'none') || ' ' || coalesce(log_path, '-') FROM task_claim"
                                   " WHERE ti_id=11"), "none -");
  /* both tries' stop requests are gone, another try's stays */
  assert_string_equal(q_text(f->s, "SELECT count(*) || ' ' || max(try_number) FROM ti_stop_request"), "1 2");
  /* held once only: a second result for the same try is fenced; no chunk */
  assert_int_equal(store_work_finish_log(f->s, 10, 1, "tok", NULL, 2, NULL, 0, "{}", &bHeld, &err), AIRC_OK);
  assert_false(bHeld);
  assert_string_equal(q_text(f->s, "SELECT count(*) FROM task_log_chunk WHERE ti_id=10"), "2");
  /* the fenced try's chunk was written all the same (logs are not fenced) */
  z[0] = 0;
  assert_int_equal(store_work_log_each(f->s, 11, 1, 0, chunk_cat, z, &n, &err), AIRC_OK);
  assert_string_equal(z, "late\n");
  if(sch) store_close(sch);
}

/* store_work_finish_many: the tries of one wake recorded together (one
 * statement on PostgreSQL), each fenced on its own (a try taken over is
 * ignored, the others stay), each chunk byte for byte (quotes,
 * backslashes, braces, commas, newlines, unicode), a try without a chunk;
 * one NOTIFY for the schedulers. */
static void test_finish_many(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  store *sch = two_running_tries(f);
  /* passed as its bytes, without the terminator */
  static const char zOdd[] = "a \"q\" \\ {b,c} NULL\n\xc3\xa9\xe2\x82\xac end";
  store_work_finish_item a[3] = {
      {10, 1, "tok", "/l10", 0, zOdd, sizeof(zOdd) - 1, "{\"state\":\"success\",\"note\":\"it's \\\"x\\\"\"}", -1},
      {11, 1, "other", "/l11", 0, "late\n", 5, "{\"state\":\"failed\"}", -1}, /* taken over: fenced */
      {11, 1, "tok", NULL, 3, NULL, 0, "{\"state\":\"failed\"}", -1},
  };
  store_stats st0, st1;
  store_stats_get(f->s, &st0);
  assert_int_equal(store_work_finish_many(f->s, a, 3, &err), AIRC_OK);
  store_stats_get(f->s, &st1);
  if(sch) assert_int_equal(st1.nStatements - st0.nStatements, 1);
  assert_int_equal(a[0].bHeld, 1);
  assert_int_equal(a[1].bHeld, 0);
  assert_int_equal(a[2].bHeld, 1);
  if(sch) assert_int_equal(wait_events(sch, NULL, 0), STORE_WORK_EV_RESULT);
  char z[128] = "";
  int n = 0;
  assert_int_equal(store_work_log_each(f->s, 10, 1, 0, chunk_cat, z, &n, &err), AIRC_OK);
  assert_int_equal(n, 1);
  assert_string_equal(z, zOdd);
  z[0] = 0;
  assert_int_equal(store_work_log_each(f->s, 11, 1, 0, chunk_cat, z, &n, &err), AIRC_OK);
  assert_string_equal(z, "late\n"); /* logs are not fenced */
  assert_string_equal(q_text(f->s, "SELECT result || ' ' || log_path FROM task_claim WHERE ti_id=10"),
                      "{\"state\":\"success\",\"note\":\"it's \\\"x\\\"\"} /l10");
  assert_string_equal(q_text(f->s, "SELECT result || ' ' || coalesce(log_path, '-') FROM task_claim WHERE ti_id=11"),
                      "{\"state\":\"failed\"} -");
  /* the tries' stop requests are gone, another try's stays */
  assert_string_equal(q_text(f->s, "SELECT count(*) || ' ' || max(try_number) FROM ti_stop_request"), "1 2");
  /* again: both fenced now (a result is recorded once) */
  assert_int_equal(store_work_finish_many(f->s, a, 1, &err), AIRC_OK);
  assert_int_equal(a[0].bHeld, 0);
  if(sch) store_close(sch);
}

/* store_work_take_done_or_expired: every claim with a result and every
 * expired one, in one call (one statement on PostgreSQL), deleted as they
 * are listed; a claim still running or waiting is left alone; a caller
 * that cannot keep a row fails the call. */
static int refuse_second(void *pCtx, const store_work_row *pRow) {
  (void)pRow;
  return ++*(int *)pCtx > 1;
}

static void test_take_done_or_expired(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  assert_int_equal(store_work_enqueue(f->s, 10, 1, "default", "{}", 100, &err), AIRC_OK);
  assert_int_equal(store_work_enqueue(f->s, 11, 1, "default", "{}", 101, &err), AIRC_OK);
  assert_int_equal(store_work_enqueue(f->s, 12, 1, "other", "{}", 102, &err), AIRC_OK);
  claim_two_as_w1(f); /* 10 and 11, lease until 2000 */
  int bHeld = 0;
  assert_int_equal(store_work_finish(f->s, 11, 1, "tok", "{\"state\":\"success\"}", &bHeld, &err), AIRC_OK);
  assert_true(bHeld);
  /* at 1500: 11's result only; 10 runs, 12 waits */
  seen S = {0};
  assert_int_equal(store_begin(f->s, &err), AIRC_OK);
  assert_int_equal(store_work_take_done_or_expired(f->s, 1500, 1, seen_add, &S, &err), AIRC_OK);
  assert_int_equal(store_commit(f->s, &err), AIRC_OK);
  assert_int_equal(S.n, 1);
  assert_int_equal(S.aTi[0], 11);
  assert_string_equal(S.zRun0, "1 d r running h1 0 1"); /* its run, as store_sched_run_get_active reads it */
  assert_string_equal(q_text(f->s, "SELECT count(*) || ' ' || min(ti_id) || ' ' || max(ti_id) FROM task_claim"), "2 10 12");
  /* at 3000: 10's lease has expired; a caller that cannot keep it fails,
   * and the claim is still there after the rollback */
  int nSeen = 0;
  assert_int_equal(store_work_enqueue(f->s, 11, 2, "default", "{}", 103, &err), AIRC_OK);
  assert_int_equal(store_run_sql(f->s, "UPDATE task_claim SET result='{}' WHERE ti_id=11", &err), AIRC_OK);
  assert_int_equal(store_begin(f->s, &err), AIRC_OK);
  assert_int_equal(store_work_take_done_or_expired(f->s, 3000, 1, refuse_second, &nSeen, &err), AIRC_ERR_NOMEM);
  airc_err_clear(&err);
  store_rollback(f->s);
  assert_string_equal(q_text(f->s, "SELECT count(*) FROM task_claim"), "3");
  memset(&S, 0, sizeof(S));
  assert_int_equal(store_begin(f->s, &err), AIRC_OK);
  assert_int_equal(store_work_take_done_or_expired(f->s, 3000, 1, seen_add, &S, &err), AIRC_OK);
  assert_int_equal(store_commit(f->s, &err), AIRC_OK);
  assert_int_equal(S.nResult, 1); /* results first */
  assert_int_equal(S.nExpired, 1);
  assert_string_equal(S.zRun0, "1 d r running h1 0 1");
  assert_int_equal(S.aTi[0], 11);
  assert_int_equal(S.aTi[1], 10);
  assert_string_equal(q_text(f->s, "SELECT count(*) || ' ' || min(ti_id) FROM task_claim"), "1 12");
  /* a run that ended (or a paused DAG's) comes as such */
  assert_int_equal(store_run_sql(f->s, "UPDATE task_claim SET result='{}' WHERE ti_id=12", &err), AIRC_OK);
  assert_int_equal(store_run_sql(f->s, "UPDATE dag_run SET state='failed' WHERE id=1", &err), AIRC_OK);
  memset(&S, 0, sizeof(S));
  assert_int_equal(store_begin(f->s, &err), AIRC_OK);
  assert_int_equal(store_work_take_done_or_expired(f->s, 3000, 1, seen_add, &S, &err), AIRC_OK);
  assert_int_equal(store_commit(f->s, &err), AIRC_OK);
  assert_int_equal(S.n, 1);
  assert_string_equal(S.zRun0, "inactive");
}

/* store_work_take_done_or_expired's rows: the first's token and backlog flag. */
static int took_add(void *pCtx, const store_work_row *pRow) {
  struct {
    char zToken[40];
    int bBacklog, n;
  } *p = pCtx;
  if(!p->n++) {
    snprintf(p->zToken, sizeof(p->zToken), "%s", pRow->zToken);
    p->bBacklog = pRow->bBacklog;
  }
  return 0;
}

/* wait_note on queue "default". */
static unsigned wait_pushed(store *s, const char *zSelf, const char *zPrefix, store_work_pushed *a, int nMax, int *pn,
                            int nPoll) {
  const char *azMine[] = {"default"};
  return wait_note(s, azMine, 1, zSelf, zPrefix, a, nMax, pn, nPoll);
}

/* A try handed straight to one worker (PostgreSQL): committed already
 * held by it, its wake-up carries ids, token, lease end and the request
 * (byte for byte) to that worker process only (not to another worker, not
 * to an earlier process of the same name: another token prefix), a
 * request too long for a wake-up is read from the row, nobody can claim
 * it; adopt records it started (and again, harmlessly), fenced by token
 * and by the task instance's state; release gives it back to the queue
 * and wakes its workers; the take gives the lease token and whether
 * tries were waiting unclaimed. SQLite cannot hand tries. */
static void test_hand_to_worker(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  if(!store_test_is_pg()) {
    assert_false(store_work_can_assign(f->s));
    return;
  }
  assert_true(store_work_can_assign(f->s));
  static const char zReq[] = "{\"cmd\":\"echo \\\"x\\\" {a,b}\\t \xc3\xa9\"}";
  store *w1 = NULL, *w2 = NULL;
  int bOn = 0;
  assert_int_equal(store_open(f->zDb, &w1, &err), AIRC_OK);
  assert_int_equal(store_open(f->zDb, &w2, &err), AIRC_OK);
  assert_int_equal(store_work_listen(w1, STORE_WORK_EV_QUEUED, &bOn, &err), AIRC_OK);
  assert_int_equal(store_work_listen(w2, STORE_WORK_EV_QUEUED, &bOn, &err), AIRC_OK);
  assert_int_equal(store_work_listen_handed(w1, "abcd1234", &err), AIRC_OK);
  assert_int_equal(store_work_listen_handed(w2, "ffff0000", &err), AIRC_OK);
  assert_int_equal(store_work_listen_handed(w2, "FFFF;--x", &err), AIRC_ERR_INVALID); /* a channel name of hex only */
  store_work_pushed a[4];
  int n = 0;
  /* for an earlier process of the same name (another prefix): not told */
  assert_int_equal(store_work_enqueue_assigned(f->s, 10, 1, "default", "w1", "9999ffff-tok-a", 5000, zReq, 100, &err),
                   AIRC_OK);
  assert_int_equal(wait_pushed(w1, "w1", "abcd1234", a, 4, &n, 5), 0);
  assert_int_equal(n, 0);
  /* not before the commit */
  assert_int_equal(store_begin(f->s, &err), AIRC_OK);
  assert_int_equal(store_work_enqueue_assigned(f->s, 10, 1, "default", "w1", "abcd1234-tok-a", 5000, zReq, 100, &err),
                   AIRC_OK);
  assert_int_equal(wait_pushed(w1, "w1", "abcd1234", a, 4, &n, 5), 0);
  assert_int_equal(store_commit(f->s, &err), AIRC_OK);
  assert_int_equal(wait_pushed(w1, "w1", "abcd1234", a, 4, &n, 50), STORE_WORK_EV_PUSHED);
  assert_int_equal(n, 1);
  assert_int_equal(a[0].tiId, 10);
  assert_int_equal(a[0].tryNumber, 1);
  assert_int_equal(a[0].leaseUntilUs, 5000);
  assert_string_equal(a[0].zToken, "abcd1234-tok-a");
  assert_non_null(a[0].zRequest);
  assert_string_equal(a[0].zRequest, zReq);
  free(a[0].zRequest);
  /* another worker hears nothing of it (not woken: its own channel), and
   * cannot claim it */
  n = 0;
  assert_int_equal(wait_pushed(w2, "w2", "ffff0000", a, 4, &n, 5), 0);
  store_work_claimed c;
  assert_int_equal(store_work_claim(w2, "default", "w2", "ffff0000-x", 1000, 2000, &c, &err), AIRC_ERR_NOTFOUND);
  /* still queued until adopted; adopt is fenced by the token */
  assert_string_equal(q_text(f->s, "SELECT state FROM task_instance WHERE id=10"), "queued");
  int bHeld = 1;
  assert_int_equal(store_work_adopt(w1, 10, 1, "wrong", "w1", 200, 6000, &bHeld, &err), AIRC_OK);
  assert_false(bHeld);
  assert_int_equal(store_work_adopt(w1, 10, 1, "abcd1234-tok-a", "w1", 200, 6000, &bHeld, &err), AIRC_OK);
  assert_true(bHeld);
  assert_string_equal(q_text(f->s, "SELECT state || ' ' || hostname || ' ' || start_us FROM task_instance WHERE id=10"),
                      "running w1 200");
  assert_string_equal(q_text(f->s, "SELECT lease_until_us FROM task_claim WHERE ti_id=10"), "6000");
  /* again (an answer lost): still held, nothing changes */
  assert_int_equal(store_work_adopt(w1, 10, 1, "abcd1234-tok-a", "w1", 300, 6000, &bHeld, &err), AIRC_OK);
  assert_true(bHeld);
  assert_string_equal(q_text(f->s, "SELECT start_us FROM task_instance WHERE id=10"), "200");
  /* a task instance that moved on (cleared) before the adopt: not held */
  char zLong[9000];
  memset(zLong, 'x', sizeof(zLong) - 3);
  zLong[0] = '"';
  zLong[sizeof(zLong) - 3] = '"';
  zLong[sizeof(zLong) - 2] = 0;
  n = 0;
  assert_int_equal(store_work_enqueue_assigned(f->s, 11, 1, "default", "w1", "abcd1234-tok-b", 5000, zLong, 100, &err),
                   AIRC_OK);
  assert_int_equal(wait_pushed(w1, "w1", "abcd1234", a, 4, &n, 50), STORE_WORK_EV_PUSHED);
  assert_int_equal(n, 1);
  assert_null(a[0].zRequest); /* too long for a wake-up: read from the row */
  store_work_pushed b[4];
  int nb = 0;
  assert_int_equal(store_work_assigned_each(w1, "w1", "abcd1234", b, 4, &nb, &err), AIRC_OK);
  assert_int_equal(nb, 2); /* 10 (running, no result yet) and 11 */
  assert_int_equal(b[1].tiId, 11);
  assert_string_equal(b[1].zRequest, zLong);
  for(int i = 0; i < nb; i++) free(b[i].zRequest);
  assert_int_equal(store_work_assigned_each(w1, "w1", "zzzz9999", b, 4, &nb, &err), AIRC_OK);
  assert_int_equal(nb, 0);
  assert_int_equal(store_run_sql(f->s, "UPDATE task_instance SET state='success' WHERE id=11", &err), AIRC_OK);
  assert_int_equal(store_work_adopt(w1, 11, 1, "abcd1234-tok-b", "w1", 200, 6000, &bHeld, &err), AIRC_OK);
  assert_false(bHeld);
  /* given back: unheld, its queue's workers woken, anyone may claim it */
  assert_int_equal(store_run_sql(f->s, "UPDATE task_instance SET state='queued' WHERE id=11", &err), AIRC_OK);
  assert_int_equal(store_work_release(w1, 11, 1, "wrong", &err), AIRC_OK);
  assert_string_equal(q_text(f->s, "SELECT worker FROM task_claim WHERE ti_id=11"), "w1");
  assert_int_equal(store_work_release(w1, 11, 1, "abcd1234-tok-b", &err), AIRC_OK);
  n = 0;
  assert_int_equal(wait_pushed(w2, "w2", "ffff0000", a, 4, &n, 50), STORE_WORK_EV_QUEUED);
  assert_int_equal(store_work_claim(w2, "default", "w2", "ffff0000-x", 1000, 2000, &c, &err), AIRC_OK);
  assert_int_equal(c.tiId, 11);
  assert_string_equal(c.zRequest, zLong);
  free(c.zRequest);
  /* the take gives the lease token, and says whether tries wait unclaimed */
  assert_int_equal(store_work_finish(w1, 10, 1, "abcd1234-tok-a", "{}", &bHeld, &err), AIRC_OK);
  assert_true(bHeld);
  assert_int_equal(store_work_enqueue(f->s, 12, 1, "default", "{}", 100, &err), AIRC_OK);
  assert_int_equal(store_begin(f->s, &err), AIRC_OK);
  typedef struct took {
    char zToken[40];
    int bBacklog, n;
  } took;
  took T = {"", 0, 0};
  assert_int_equal(store_work_take_done_or_expired(f->s, 1500, 1, took_add, &T, &err), AIRC_OK);
  assert_int_equal(store_commit(f->s, &err), AIRC_OK);
  assert_int_equal(T.n, 1);
  assert_string_equal(T.zToken, "abcd1234-tok-a");
  assert_true(T.bBacklog); /* 12 waits */
  store_close(w1);
  store_close(w2);
}

/* Collects (claim, continued task instance) pairs of a take into an
 * int64_t[8]. */
static int seen_continued(void *pCtx, const store_work_row *pRow) {
  int64_t *a = pCtx;
  int i = 0;
  while(i < 8 && a[i]) i += 2;
  if(i < 8) {
    a[i] = pRow->tiId;
    a[i + 1] = pRow->continuedTi;
  }
  return 0;
}

/* One take in its own transaction (bContinued as the store's), each row's
 * task instance and continuedTi into a (seen_continued). */
static void take_continued(fixture *f, int bContinued, int64_t a[8]) {
  airc_err err = {0};
  memset(a, 0, 8 * sizeof(a[0]));
  assert_int_equal(store_begin(f->s, &err), AIRC_OK);
  assert_int_equal(store_work_take_done_or_expired(f->s, 200, bContinued, seen_continued, a, &err), AIRC_OK);
  assert_int_equal(store_commit(f->s, &err), AIRC_OK);
}

/* A worker continues a chain (store_work_finish_continue): the next try
 * is queued and claimed only with its upstream's result, and only while
 * the next task instance, its run and the scheduler lease are as the
 * scheduler saw them; the take says which was continued. */
static void test_finish_continue(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  store_work_finish_item it = {10, 1, "abcd1234-ta", NULL, 0, NULL, 0, "{\"state\":\"success\"}", 0};
  store_work_next nx = {13, 1, "abcd1234-tn", "default", "default_pool", 1, "{\"cmd\":\"n\"}", "s", "st"};
  int bHeld = 1, bCont = 1;
  if(!store_test_is_pg()) {
    assert_int_equal(store_work_finish_continue(f->s, &it, &nx, "w1", 100, 5000, &bHeld, &bCont, &err),
                     AIRC_ERR_INVALID);
    assert_false(bHeld);
    assert_false(bCont);
    return;
  }
  static const char *const azSql[] = {
      "INSERT INTO task_instance(id, run_pk, dag_id, task_id, state, try_number, max_tries) VALUES"
      " (13, 1, 'd', 'n', 'none', 0, 1), (14, 1, 'd', 'o', 'queued', 1, 1), (15, 1, 'd', 'p', 'none', 0, 1)",
      "INSERT INTO pool(name, slots) VALUES ('default_pool', 128) ON CONFLICT DO NOTHING",
  };
  for(size_t i = 0; i < sizeof(azSql) / sizeof(azSql[0]); i++)
    if(store_run_sql(f->s, azSql[i], &err)) fail_msg("%s", err.zMsg);
  int bHeldLease = 0;
  assert_int_equal(store_sched_lease_take(f->s, "s", "st", 50, 1000000, &bHeldLease, NULL, 0, &err), AIRC_OK);
  assert_true(bHeldLease);
  assert_int_equal(store_work_enqueue_assigned(f->s, 10, 1, "default", "w1", "abcd1234-ta", 5000, "{}", 60, &err),
                   AIRC_OK);
  assert_int_equal(store_work_enqueue_assigned(f->s, 11, 1, "default", "w1", "abcd1234-tb", 5000, "{}", 60, &err),
                   AIRC_OK);
  assert_int_equal(store_work_enqueue_assigned(f->s, 14, 1, "default", "w1", "abcd1234-to", 5000, "{}", 60, &err),
                   AIRC_OK);
  /* another scheduler's lease: the result is recorded, nothing continued */
  store_work_next other = nx;
  other.zLeaseToken = "not-ours";
  assert_int_equal(store_work_finish_continue(f->s, &it, &other, "w1", 100, 5000, &bHeld, &bCont, &err), AIRC_OK);
  assert_true(bHeld);
  assert_false(bCont);
  assert_string_equal(q_text(f->s, "SELECT state || ' ' || try_number FROM task_instance WHERE id=13"), "none 0");
  assert_string_equal(q_text(f->s, "SELECT count(*) FROM task_claim WHERE ti_id=13"), "0");
  /* the lease ours: queued, its claim held by the worker, the take says so */
  store_work_finish_item itB = {11, 1, "abcd1234-tb", NULL, 0, "log", 3, "{\"state\":\"success\"}", 0};
  assert_int_equal(store_work_finish_continue(f->s, &itB, &nx, "w1", 100, 5000, &bHeld, &bCont, &err), AIRC_OK);
  assert_true(bHeld);
  assert_true(bCont);
  assert_string_equal(q_text(f->s, "SELECT state || ' ' || try_number || ' ' || queued_us FROM task_instance"
                                   " WHERE id=13"), "queued 1 100");
  assert_string_equal(q_text(f->s, "SELECT worker || ' ' || lease_token || ' ' || lease_until_us || ' ' || request"
                                   " FROM task_claim WHERE ti_id=13"), "w1 abcd1234-tn 5000 {\"cmd\":\"n\"}");
  /* once only: the next task instance has moved on */
  store_work_finish_item itO = {14, 1, "abcd1234-to", NULL, 0, NULL, 0, "{\"state\":\"success\"}", 0};
  store_work_next again = nx;
  again.zToken = "abcd1234-tz";
  assert_int_equal(store_work_finish_continue(f->s, &itO, &again, "w1", 100, 5000, &bHeld, &bCont, &err), AIRC_OK);
  assert_true(bHeld);
  assert_false(bCont);
  assert_string_equal(q_text(f->s, "SELECT lease_token FROM task_claim WHERE ti_id=13"), "abcd1234-tn");
  /* an upstream whose lease was lost: nothing written, nothing continued */
  store_work_finish_item itLost = {14, 1, "abcd1234-to", NULL, 0, NULL, 0, "{\"state\":\"success\"}", 0};
  store_work_next toP = {15, 1, "abcd1234-tp", "default", "default_pool", 1, "{}", "s", "st"};
  assert_int_equal(store_work_finish_continue(f->s, &itLost, &toP, "w1", 100, 5000, &bHeld, &bCont, &err), AIRC_OK);
  assert_false(bHeld);
  assert_false(bCont);
  assert_string_equal(q_text(f->s, "SELECT state FROM task_instance WHERE id=15"), "none");
  /* a wake a result rang takes the results that gate next tries first:
   * 10 and 14 (not continued); 11's (continued 13) is left */
  int64_t aCont[8];
  take_continued(f, 0, aCont);
  assert_int_equal(aCont[0], 10);
  assert_int_equal(aCont[1], 0);
  assert_int_equal(aCont[2], 14);
  assert_int_equal(aCont[3], 0);
  assert_int_equal(aCont[4], 0);
  /* the next take, of all: 11, which continued 13 */
  take_continued(f, 1, aCont);
  assert_int_equal(aCont[0], 11);
  assert_int_equal(aCont[1], 13);
  assert_int_equal(aCont[2], 0);
}

int main(void) {
  const struct CMUnitTest aTest[] = {
      cmocka_unit_test_setup_teardown(test_claim_lease_fence, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_scheduler_lease_fence, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_claim_skips_locked, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_claim_recover, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_log_chunks, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_scheduler_lease, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_claim_batch, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_wakeups, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_enqueue_batched, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_finish_log, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_finish_many, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_take_done_or_expired, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_hand_to_worker, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_finish_continue, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests(aTest, NULL, NULL);
}
