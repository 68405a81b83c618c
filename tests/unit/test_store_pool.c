/* test_store_pool.c: unit tests of store/store_pool.c and
 * store/store_notify.c on a temporary store (SQLite, or PostgreSQL under
 * scripts/pg-test.sh): a pool queues tries only while it has the slots
 * (pool_slots counted, queued and running both hold them, a missing pool
 * queues nothing; several in one transaction read the pool once), pool CRUD and its refusals, the notification outbox's
 * claim lease (a claimed row is not claimed again until its lease ends)
 * and attempt records, and deadlines (missed once). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "store/store_int.h"
#include "store/store_notify.h"
#include "store/store_pool.h"
#include "store/store_sched.h"
#include "tests/unit/store_test_target.h"

typedef struct fixture {
  char zDir[64];
  char zDb[128];
  store *s;
} fixture;

static const char *const azSeed[] = {
    "INSERT INTO dag(dag_id, is_paused, is_active, schedule, current_hash) VALUES ('d', 0, 1, 'none', 'h1')",
    "INSERT INTO dag_version(hash, dag_id, json) VALUES ('h1', 'd', '{}')",
    "INSERT INTO dag_run(id, dag_id, run_id, run_type, logical_date, data_interval_start, data_interval_end,"
    " conf, state, dag_hash, deadline_us) VALUES (1, 'd', 'r', 'manual', 1, 0, 1, '{}', 'running', 'h1', 5000)",
    "INSERT INTO task_instance(id, run_pk, dag_id, task_id, state, try_number, max_tries) VALUES"
    " (10, 1, 'd', 'a', 'scheduled', 0, 1), (11, 1, 'd', 'b', 'scheduled', 0, 1), (12, 1, 'd', 'c', 'scheduled', 0, 1),"
    " (13, 1, 'd', 'e', 'scheduled', 0, 1)",
};

static int fx_setup(void **ppState) {
  fixture *f = calloc(1, sizeof(*f));
  snprintf(f->zDir, sizeof(f->zDir), "/tmp/airc-test-store-pool-XXXXXX");
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

static int queue(fixture *f, int64_t ti, const char *zPool, int nSlots, int *pbNoPool) {
  int bQueued = -1, bNoPool = -1;
  airc_err err = {0};
  if(store_pool_ti_queue(f->s, ti, NULL, zPool, nSlots, 100, &bQueued, &bNoPool, NULL, NULL, &err)) fail_msg("%s", err.zMsg);
  if(pbNoPool) *pbNoPool = bNoPool;
  return bQueued;
}

typedef struct pools_seen {
  int n;
  int64_t slots, running, queued, scheduled;
  char zDesc[64];
} pools_seen;

static int pool_seen(void *pCtx, const store_pool_row *r) {
  pools_seen *p = pCtx;
  p->n++;
  p->slots = r->slots;
  p->running = r->nRunning;
  p->queued = r->nQueued;
  p->scheduled = r->nScheduled;
  snprintf(p->zDesc, sizeof(p->zDesc), "%s", r->zDescription ? r->zDescription : "<null>");
  return 0;
}

static void test_pool_caps_queueing(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  int bNoPool = 0;
  assert_int_equal(queue(f, 10, "p", 1, &bNoPool), 0);
  assert_true(bNoPool); /* no such pool: nothing queued */
  assert_int_equal(store_pool_set(f->s, "p", 3, "three", -1, &err), AIRC_OK);
  assert_int_equal(queue(f, 10, "p", 2, &bNoPool), 1); /* 2 of 3 */
  assert_false(bNoPool);
  assert_int_equal(queue(f, 11, "p", 2, NULL), 0);     /* 2 more do not fit */
  assert_int_equal(queue(f, 11, "p", 1, NULL), 1);     /* 1 does */
  assert_int_equal(queue(f, 12, "p", 1, NULL), 0);     /* full */
  assert_int_equal(queue(f, 10, "p", 1, NULL), 0);     /* not scheduled any more */
  /* from the state the caller names (a task found ready in the same wake) */
  assert_int_equal(store_run_sql(f->s, "UPDATE task_instance SET state='none' WHERE id=12", &err), AIRC_OK);
  int bQueued = -1;
  assert_int_equal(store_pool_ti_queue(f->s, 12, "up_for_retry", "p", 1, 100, &bQueued, &bNoPool, NULL, NULL, &err), AIRC_OK);
  assert_int_equal(bQueued, 0); /* not in that state */
  assert_int_equal(store_pool_ti_queue(f->s, 12, "none", "p", 1, 100, &bQueued, &bNoPool, NULL, NULL, &err), AIRC_OK);
  assert_int_equal(bQueued, 0); /* full: a named state does not bypass the pool */
  assert_int_equal(store_run_sql(f->s, "UPDATE task_instance SET state='scheduled' WHERE id=12 AND state='none'", &err),
                   AIRC_OK);
  /* (had 12 been queued, the pool would count 2 queued below, and 12 would not queue again) */
  /* running holds its slots too; finishing frees them */
  assert_int_equal(store_run_sql(f->s, "UPDATE task_instance SET state='running' WHERE id=10", &err), AIRC_OK);
  pools_seen S = {0};
  assert_int_equal(store_pool_each(f->s, "p", 0, 0, pool_seen, &S, &err), AIRC_OK);
  assert_int_equal(S.n, 1);
  assert_int_equal(S.running, 2);
  assert_int_equal(S.queued, 1);
  assert_int_equal(S.slots, 3);
  assert_int_equal(queue(f, 12, "p", 1, NULL), 0);
  assert_int_equal(store_run_sql(f->s, "UPDATE task_instance SET state='success' WHERE id=10", &err), AIRC_OK);
  assert_int_equal(queue(f, 12, "p", 1, NULL), 1);
  /* a task bigger than its pool waits (as in Airflow) */
  assert_int_equal(store_pool_set(f->s, "p", 10, NULL, -1, &err), AIRC_OK);
  assert_int_equal(queue(f, 13, "p", 11, NULL), 0);
  /* the description was kept across the resize */
  memset(&S, 0, sizeof(S));
  assert_int_equal(store_pool_each(f->s, "p", 0, 0, pool_seen, &S, &err), AIRC_OK);
  assert_string_equal(S.zDesc, "three");
}

/* Several tries queued into one pool in one transaction (a fan-out's
 * wake): the pool's row is read (and locked, PostgreSQL) once, the count
 * still caps them; a pool changed in the transaction, or in a later one,
 * is read afresh. */
static void test_pool_in_one_transaction(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  assert_int_equal(store_pool_set(f->s, "p", 2, NULL, -1, &err), AIRC_OK);
  assert_int_equal(store_begin(f->s, &err), AIRC_OK);
  assert_int_equal(queue(f, 10, "p", 1, NULL), 1);
  assert_int_equal(queue(f, 11, "p", 1, NULL), 1);
  assert_int_equal(queue(f, 12, "p", 1, NULL), 0); /* full */
  assert_int_equal(store_pool_set(f->s, "p", 3, NULL, -1, &err), AIRC_OK);
  assert_int_equal(queue(f, 12, "p", 1, NULL), 1); /* the new size, in the same transaction */
  assert_int_equal(store_commit(f->s, &err), AIRC_OK);
  /* the scheduler's estimate first (it reads, and locks, the row): the
   * queue that follows is one statement */
  assert_int_equal(store_pool_set(f->s, "p", 5, NULL, -1, &err), AIRC_OK);
  assert_int_equal(store_begin(f->s, &err), AIRC_OK);
  int64_t nOpen = -1;
  assert_int_equal(store_pool_open_slots(f->s, "p", &nOpen, NULL, &err), AIRC_OK);
  assert_int_equal(nOpen, 2);
  store_stats st0, st1;
  store_stats_get(f->s, &st0);
  assert_int_equal(queue(f, 13, "p", 1, NULL), 1);
  store_stats_get(f->s, &st1);
  assert_int_equal(st1.nStatements - st0.nStatements, 1);
  store_rollback(f->s);
  assert_int_equal(store_pool_set(f->s, "p", 3, NULL, -1, &err), AIRC_OK);
  /* changed behind the typed calls' back: the next transaction reads it */
  assert_int_equal(store_run_sql(f->s, "UPDATE pool SET slots=4 WHERE name='p'", &err), AIRC_OK);
  assert_int_equal(store_begin(f->s, &err), AIRC_OK);
  assert_int_equal(queue(f, 13, "p", 1, NULL), 1);
  assert_int_equal(store_commit(f->s, &err), AIRC_OK);
}

typedef struct launch_seen {
  int n;
  int64_t tiId, runPk, logical;
  int tryNumber, mapIndex;
  char zTask[16], zDag[16], zRun[16], zHash[16], zConf[32];
} launch_seen;

static int launch_seen_row(void *pCtx, const store_sched_launch_row *r) {
  launch_seen *p = pCtx;
  p->n++;
  p->tiId = r->tiId;
  p->runPk = r->runPk;
  p->logical = r->logicalDate;
  p->tryNumber = r->tryNumber;
  p->mapIndex = r->mapIndex;
  snprintf(p->zTask, sizeof(p->zTask), "%s", r->zTaskId);
  snprintf(p->zDag, sizeof(p->zDag), "%s", r->zDagId);
  snprintf(p->zRun, sizeof(p->zRun), "%s", r->zRunId);
  snprintf(p->zHash, sizeof(p->zHash), "%s", r->zDagHash);
  snprintf(p->zConf, sizeof(p->zConf), "%s", r->zConf);
  return 0;
}

/* The queue hands back the launch row as it stands after the update (the
 * new try number): what store_sched_ti_get_launch reads next, and nothing
 * when it did not queue. */
static void test_queue_returns_the_launch_row(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  assert_int_equal(store_run_sql(f->s, "UPDATE dag_run SET conf='{\"k\": 1}' WHERE id=1", &err), AIRC_OK);
  assert_int_equal(store_pool_set(f->s, "p", 1, NULL, -1, &err), AIRC_OK);
  assert_int_equal(store_begin(f->s, &err), AIRC_OK);
  launch_seen q = {0}, g = {0};
  int bQueued = -1, bNoPool = -1;
  assert_int_equal(store_pool_ti_queue(f->s, 11, NULL, "p", 1, 100, &bQueued, &bNoPool, launch_seen_row, &q, &err),
                   AIRC_OK);
  assert_int_equal(bQueued, 1);
  assert_int_equal(q.n, 1);
  assert_int_equal(store_sched_ti_get_launch(f->s, 11, launch_seen_row, &g, &err), AIRC_OK);
  assert_int_equal(q.tiId, 11);
  assert_int_equal(q.tryNumber, 1);
  assert_int_equal(q.runPk, 1);
  assert_string_equal(q.zTask, "b");
  assert_string_equal(q.zDag, "d");
  assert_string_equal(q.zRun, "r");
  assert_string_equal(q.zHash, "h1");
  assert_true(strstr(q.zConf, "\"k\"") != NULL);
  assert_memory_equal(&q, &g, sizeof(q) - sizeof(q.zConf)); /* conf's spacing is the backend's */
  assert_string_equal(q.zConf, g.zConf);
  /* the pool is full: not queued, no row */
  launch_seen none = {0};
  assert_int_equal(store_pool_ti_queue(f->s, 12, NULL, "p", 1, 100, &bQueued, &bNoPool, launch_seen_row, &none, &err),
                   AIRC_OK);
  assert_int_equal(bQueued, 0);
  assert_int_equal(none.n, 0);
  assert_int_equal(store_commit(f->s, &err), AIRC_OK);
}

typedef struct launch_order {
  int n;
  int64_t aTi[8];
  int aTry[8];
} launch_order;

static int launch_order_row(void *pCtx, const store_sched_launch_row *r) {
  launch_order *p = pCtx;
  if(p->n < 8) p->aTi[p->n] = r->tiId, p->aTry[p->n] = r->tryNumber;
  p->n++;
  return 0;
}

static const char *ti_state(fixture *f, int64_t ti) {
  static store_sched_ti_current cur;
  airc_err err = {0};
  if(store_sched_ti_get_current(f->s, ti, &cur, &err)) fail_msg("%s", err.zMsg);
  return cur.zState;
}

/* store_pool_ti_queue_many: tries that fit together are queued at once,
 * in the order given, each launch row handed back in that order (on
 * PostgreSQL: one statement, the pool's row read once in the transaction);
 * one whose state moved is left out; tries that do not fit together are
 * admitted one by one as store_pool_ti_queue would (the first fits, the
 * next does not); a missing pool queues nothing and says so. */
static void test_queue_many(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  const int bPg = f->s->pDrv->eDialect == STORE_DIALECT_PG;
  assert_int_equal(store_run_sql(f->s,
      "INSERT INTO task_instance(id, run_pk, dag_id, task_id, state, try_number, max_tries) VALUES"
      " (14, 1, 'd', 'g', 'none', 0, 1), (15, 1, 'd', 'h', 'scheduled', 0, 1), (16, 1, 'd', 'i', 'success', 0, 1)", &err),
      AIRC_OK);
  assert_int_equal(store_pool_set(f->s, "p", 5, NULL, -1, &err), AIRC_OK);
  assert_int_equal(store_begin(f->s, &err), AIRC_OK);
  int64_t nOpen = -1;
  int bExists = -1, bNoPool = -1;
  assert_int_equal(store_pool_open_slots(f->s, "p", &nOpen, &bExists, &err), AIRC_OK);
  assert_int_equal(nOpen, 5);
  assert_int_equal(bExists, 1);
  /* three that fit, one of them from `none`, one that left `scheduled` */
  store_pool_queue_item a[4] = {{11, NULL, 1, -1}, {14, "none", 1, -1}, {16, NULL, 1, -1}, {10, NULL, 2, -1}};
  launch_order L = {0};
  store_stats st0, st1;
  store_stats_get(f->s, &st0);
  assert_int_equal(store_pool_ti_queue_many(f->s, "p", a, 4, 100, &bNoPool, launch_order_row, &L, &err), AIRC_OK);
  store_stats_get(f->s, &st1);
  if(bPg) assert_int_equal(st1.nStatements - st0.nStatements, 1);
  assert_int_equal(bNoPool, 0);
  assert_int_equal(a[0].bQueued, 1);
  assert_int_equal(a[1].bQueued, 1);
  assert_int_equal(a[2].bQueued, 0);
  assert_int_equal(a[3].bQueued, 1);
  assert_int_equal(L.n, 3);
  assert_int_equal(L.aTi[0], 11);
  assert_int_equal(L.aTi[1], 14);
  assert_int_equal(L.aTi[2], 10);
  assert_int_equal(L.aTry[0], 1);
  assert_string_equal(ti_state(f, 14), "queued");
  assert_string_equal(ti_state(f, 16), "success");
  assert_int_equal(store_pool_open_slots(f->s, "p", &nOpen, NULL, &err), AIRC_OK);
  assert_int_equal(nOpen, 1);
  /* one slot open: neither fits */
  store_pool_queue_item b[2] = {{12, NULL, 2, -1}, {13, NULL, 2, -1}};
  assert_int_equal(store_pool_ti_queue_many(f->s, "p", b, 2, 100, &bNoPool, NULL, NULL, &err), AIRC_OK);
  assert_int_equal(b[0].bQueued + b[1].bQueued, 0);
  assert_string_equal(ti_state(f, 12), "scheduled");
  assert_int_equal(store_commit(f->s, &err), AIRC_OK);
  /* 2 slots open: 1 + 2 + 1 do not fit together; the first fits alone,
   * the second then does not, the third does */
  assert_int_equal(store_pool_set(f->s, "p", 6, NULL, -1, &err), AIRC_OK);
  assert_int_equal(store_begin(f->s, &err), AIRC_OK);
  store_pool_queue_item c[3] = {{12, NULL, 1, -1}, {13, NULL, 2, -1}, {15, NULL, 1, -1}};
  L.n = 0;
  assert_int_equal(store_pool_ti_queue_many(f->s, "p", c, 3, 100, &bNoPool, launch_order_row, &L, &err), AIRC_OK);
  assert_int_equal(c[0].bQueued, 1);
  assert_int_equal(c[1].bQueued, 0);
  assert_int_equal(c[2].bQueued, 1);
  assert_int_equal(L.n, 2);
  assert_int_equal(L.aTi[0], 12);
  assert_int_equal(L.aTi[1], 15);
  assert_string_equal(ti_state(f, 13), "scheduled");
  /* no such pool */
  store_pool_queue_item d[2] = {{13, NULL, 1, -1}, {16, NULL, 1, -1}};
  assert_int_equal(store_pool_ti_queue_many(f->s, "nope", d, 2, 100, &bNoPool, NULL, NULL, &err), AIRC_OK);
  assert_int_equal(bNoPool, 1);
  assert_int_equal(d[0].bQueued + d[1].bQueued, 0);
  assert_int_equal(store_pool_open_slots(f->s, "nope", &nOpen, &bExists, &err), AIRC_OK);
  assert_int_equal(bExists, 0);
  assert_int_equal(store_commit(f->s, &err), AIRC_OK);
  int bOk = 0;
  char zReport[256];
  assert_int_equal(store_pool_check_usage(f->s, &bOk, zReport, sizeof(zReport), &err), AIRC_OK);
  assert_true(bOk);
}

/* A pool read sent ahead (store_pool_read_ahead) gives what
 * store_pool_open_slots reads, whether a statement went out in between
 * (on PostgreSQL it rode with it) or not; another pool is read as usual;
 * one never taken ends with its transaction. */
static void test_pool_read_ahead(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  assert_int_equal(store_pool_set(f->s, "p", 5, NULL, -1, &err), AIRC_OK);
  assert_int_equal(store_pool_set(f->s, "q", 7, NULL, -1, &err), AIRC_OK);
  assert_int_equal(queue(f, 10, "p", 2, NULL), 1);
  int64_t nOpen = -1;
  /* sent with the next statement, then taken */
  assert_int_equal(store_begin(f->s, &err), AIRC_OK);
  store_pool_read_ahead(f->s, "p");
  assert_int_equal(store_run_sql(f->s, "UPDATE task_instance SET note='x' WHERE id=13", &err), AIRC_OK);
  assert_int_equal(store_pool_open_slots(f->s, "p", &nOpen, NULL, &err), AIRC_OK);
  assert_int_equal(nOpen, 3);
  assert_int_equal(queue(f, 11, "p", 3, NULL), 1); /* the same transaction queues into it */
  assert_int_equal(store_commit(f->s, &err), AIRC_OK);
  /* taken before anything went out: read then */
  assert_int_equal(store_begin(f->s, &err), AIRC_OK);
  store_pool_read_ahead(f->s, "p");
  assert_int_equal(store_pool_open_slots(f->s, "p", &nOpen, NULL, &err), AIRC_OK);
  assert_int_equal(nOpen, 0);
  assert_int_equal(store_commit(f->s, &err), AIRC_OK);
  /* another pool asked for: read as usual */
  assert_int_equal(store_begin(f->s, &err), AIRC_OK);
  store_pool_read_ahead(f->s, "p");
  assert_int_equal(store_run_sql(f->s, "UPDATE task_instance SET note='y' WHERE id=13", &err), AIRC_OK);
  assert_int_equal(store_pool_open_slots(f->s, "q", &nOpen, NULL, &err), AIRC_OK);
  assert_int_equal(nOpen, 7);
  assert_int_equal(store_commit(f->s, &err), AIRC_OK);
  /* never taken: ends with the transaction (committed or rolled back) */
  assert_int_equal(store_begin(f->s, &err), AIRC_OK);
  store_pool_read_ahead(f->s, "q");
  assert_int_equal(store_run_sql(f->s, "UPDATE task_instance SET note='z' WHERE id=13", &err), AIRC_OK);
  store_rollback(f->s);
  assert_int_equal(store_begin(f->s, &err), AIRC_OK);
  store_pool_read_ahead(f->s, "q");
  assert_int_equal(store_commit(f->s, &err), AIRC_OK);
  /* outside a transaction: nothing */
  store_pool_read_ahead(f->s, "p");
  assert_int_equal(store_pool_open_slots(f->s, "p", &nOpen, NULL, &err), AIRC_OK);
  assert_int_equal(nOpen, 0);
}

static void test_pool_crud(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  assert_int_equal(store_pool_ensure_default(f->s, 7, &err), AIRC_OK);
  assert_int_equal(store_pool_ensure_default(f->s, 99, &err), AIRC_OK); /* only when created */
  pools_seen S = {0};
  assert_int_equal(store_pool_each(f->s, "default_pool", 0, 0, pool_seen, &S, &err), AIRC_OK);
  assert_int_equal(S.slots, 7);
  assert_int_equal(store_pool_delete(f->s, "default_pool", &err), AIRC_ERR_INVALID);
  assert_string_equal(err.zMsg, "default_pool cannot be deleted");
  assert_int_equal(store_pool_delete(f->s, "nope", &err), AIRC_ERR_NOTFOUND);
  assert_int_equal(store_pool_set(f->s, "nope", -1, "x", -1, &err), AIRC_ERR_NOTFOUND);
  assert_int_equal(store_pool_set(f->s, "bad name", 1, NULL, -1, &err), AIRC_ERR_INVALID);
  assert_int_equal(store_pool_set(f->s, "q", STORE_POOL_SLOTS_MAX + 1, NULL, -1, &err), AIRC_ERR_INVALID);
  assert_int_equal(store_pool_set(f->s, "q", 1, NULL, 1, &err), AIRC_OK);
  int n = 0;
  assert_int_equal(store_pool_count(f->s, &n, &err), AIRC_OK);
  assert_int_equal(n, 2);
  assert_int_equal(store_pool_delete(f->s, "q", &err), AIRC_OK);
}

static int count_rows(void *pCtx, const store_notify_row *r) {
  (void)r;
  ++*(int *)pCtx;
  return 0;
}

static int keep_state(void *pCtx, const store_notify_row *r) {
  snprintf(pCtx, 128, "%s %d %s", r->zState, r->attempts, r->zLastError);
  return 0;
}

static void test_outbox_claim_and_attempts(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  store_notify_new n = {"on_failure", "d", "r", "a", 1, "http://127.0.0.1:9/x", "{}"};
  assert_int_equal(store_notify_add(f->s, &n, 1000, &err), AIRC_OK);
  n.zTarget = "conn:ops";
  assert_int_equal(store_notify_add(f->s, &n, 1000, &err), AIRC_OK);
  int64_t aId[8];
  int nGot = 0;
  assert_int_equal(store_notify_claim(f->s, 500, 600, aId, 8, &nGot, &err), AIRC_OK);
  assert_int_equal(nGot, 0); /* not due yet */
  assert_int_equal(store_notify_claim(f->s, 2000, 9000, aId, 8, &nGot, &err), AIRC_OK);
  assert_int_equal(nGot, 2);
  int nAgain = 0;
  assert_int_equal(store_notify_claim(f->s, 3000, 9000, aId + 2, 8, &nAgain, &err), AIRC_OK);
  assert_int_equal(nAgain, 0); /* leased by the first claim */
  /* one sent, one to try again at 20000 */
  assert_int_equal(store_notify_attempted(f->s, aId[0], 1, NULL, 0, 3000, &err), AIRC_OK);
  assert_int_equal(store_notify_attempted(f->s, aId[1], 0, "refused", 20000, 3000, &err), AIRC_OK);
  assert_int_equal(store_notify_claim(f->s, 10000, 30000, aId + 2, 8, &nAgain, &err), AIRC_OK);
  assert_int_equal(nAgain, 0); /* its next attempt is not due */
  assert_int_equal(store_notify_claim(f->s, 20000, 30000, aId + 2, 8, &nAgain, &err), AIRC_OK);
  assert_int_equal(nAgain, 1);
  assert_int_equal(store_notify_attempted(f->s, aId[2], 0, "refused again", 0, 20000, &err), AIRC_OK);
  char z[128];
  assert_int_equal(store_notify_get(f->s, aId[1], keep_state, z, &err), AIRC_OK);
  assert_string_equal(z, "failed 2 refused again");
  int nFailed = 0, nSent = 0;
  assert_int_equal(store_notify_each(f->s, "d", "failed", 0, count_rows, &nFailed, &err), AIRC_OK);
  assert_int_equal(store_notify_each(f->s, NULL, "sent", 0, count_rows, &nSent, &err), AIRC_OK);
  assert_int_equal(nFailed, 1);
  assert_int_equal(nSent, 1);
}

static int count_missed(void *pCtx, const store_deadline_row *r) {
  assert_int_equal(r->deadlineUs, 5000);
  ++*(int *)pCtx;
  return 0;
}

static void test_deadline_missed_once(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  int n = 0;
  assert_int_equal(store_deadline_each_missed(f->s, 4999, count_missed, &n, &err), AIRC_OK);
  assert_int_equal(n, 0);
  assert_int_equal(store_deadline_each_missed(f->s, 5000, count_missed, &n, &err), AIRC_OK);
  assert_int_equal(n, 1);
  assert_int_equal(store_deadline_mark_missed(f->s, 1, 5000, &err), AIRC_OK);
  n = 0;
  assert_int_equal(store_deadline_each_missed(f->s, 9000, count_missed, &n, &err), AIRC_OK);
  assert_int_equal(n, 0);
}

int main(void) {
  const struct CMUnitTest aTest[] = {
      cmocka_unit_test_setup_teardown(test_pool_caps_queueing, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_pool_in_one_transaction, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_queue_returns_the_launch_row, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_pool_read_ahead, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_queue_many, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_pool_crud, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_outbox_claim_and_attempts, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_deadline_missed_once, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests(aTest, NULL, NULL);
}
