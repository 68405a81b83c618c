/* test_store_sched.c: unit tests of store/store_sched.c, the scheduler
 * loop's typed calls, on a temporary SQLite store: scheduled DAGs and their
 * run counts, active runs and run state changes, task instance walks and
 * transitions (scheduled -> queued -> running -> outcome, adopt, unqueue),
 * try history and XCom (replacing an earlier record), zombie candidates,
 * the next retry time and the heartbeat, plus the error paths (missing task
 * instance -> AIRC_ERR_NOTFOUND, a write the schema refuses -> AIRC_ERR_DB
 * naming what failed), outcomes recorded one after another in a
 * transaction (one statement on PostgreSQL). Rows are seeded and checked through store_int.h's
 * statement helpers. */
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
#include "store/store_sched.h"
#include "tests/unit/store_test_target.h"

typedef struct fixture {
  char zDir[64];
  char zDb[128];
  store *s;
} fixture;

/* DAGs: sched (scheduled), paused, none (schedule 'none'), nosched (NULL).
 * Runs of sched: 1 scheduled@100 success, 2 scheduled@200 running,
 * 3 manual@300 queued, 4 test@50 queued; 5 of paused @10 running.
 * Task instances of run 2: 10 a success, 11 b scheduled, 12 c none,
 * 13 d up_for_retry (retry at 5000); of run 4: 20 a up_for_retry (retry
 * at 1000); of run 5: 30 a running (pid 77). */
static const char *const azSeed[] = {
    "INSERT INTO dag(dag_id, is_paused, is_active, schedule, current_hash) VALUES"
    " ('sched', 0, 1, '@daily', 'h1'), ('paused', 1, 1, '@daily', 'h2'),"
    " ('none', 0, 1, 'none', 'h3'), ('nosched', 0, 1, NULL, 'h4')",
    "INSERT INTO dag_version(hash, dag_id, json) VALUES ('h1', 'sched', '{}'), ('h2', 'paused', '{}')",
    "INSERT INTO dag_run(id, dag_id, run_id, run_type, logical_date, data_interval_start, data_interval_end,"
    " conf, state, dag_hash, start_us, is_test) VALUES"
    " (1, 'sched', 'scheduled__100', 'scheduled', 100, 40, 100, '{}', 'success', 'h1', NULL, 0),"
    " (2, 'sched', 'scheduled__200', 'scheduled', 200, 100, 200, '{\"k\":1}', 'running', 'h1', 7, 0),"
    " (3, 'sched', 'manual__300', 'manual', 300, 200, 300, '{}', 'queued', 'h1', NULL, 0),"
    " (4, 'sched', 'test__50', 'manual', 50, 0, 50, '{}', 'queued', 'h1', NULL, 1),"
    " (5, 'paused', 'scheduled__10', 'scheduled', 10, 0, 10, '{}', 'running', 'h2', NULL, 0)",
    "INSERT INTO task_instance(id, run_pk, dag_id, task_id, state, try_number, max_tries, next_retry_us, pid,"
    " start_us, log_path) VALUES"
    " (10, 2, 'sched', 'a', 'success', 1, 1, NULL, NULL, NULL, NULL),"
    " (11, 2, 'sched', 'b', 'scheduled', 0, 3, NULL, NULL, NULL, NULL),"
    " (12, 2, 'sched', 'c', 'none', 0, 1, NULL, NULL, NULL, NULL),"
    " (13, 2, 'sched', 'd', 'up_for_retry', 1, 2, 5000, NULL, NULL, NULL),"
    " (20, 4, 'sched', 'a', 'up_for_retry', 1, 2, 1000, NULL, NULL, NULL),"
    " (30, 5, 'paused', 'a', 'running', 1, 1, NULL, 77, 900, '/logs/a.log')",
};

static int fx_setup(void **ppState) {
  fixture *f = calloc(1, sizeof(*f));
  snprintf(f->zDir, sizeof(f->zDir), "/tmp/airc-test-store-sched-XXXXXX");
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

/* The single integer zSql returns; INT64_MIN for NULL, INT64_MAX for no row. */
static int64_t q_int(store *s, const char *zSql) {
  airc_err err = {0};
  store_stmt *st = store_stmt_prepare(s, zSql, &err);
  if(!st) fail_msg("%s", err.zMsg);
  int r = store_stmt_step(st, &err);
  int64_t v = r != STORE_ROW ? INT64_MAX : store_col_is_null(st, 0) ? INT64_MIN : store_col_int64(st, 0);
  store_stmt_done(st);
  if(r == STORE_ERROR) fail_msg("%s", err.zMsg);
  return v;
}

/* The single text zSql returns, in a static buffer ("<null>" for NULL). */
static const char *q_text(store *s, const char *zSql) {
  static char z[512];
  airc_err err = {0};
  store_stmt *st = store_stmt_prepare(s, zSql, &err);
  if(!st) fail_msg("%s", err.zMsg);
  int r = store_stmt_step(st, &err);
  const char *zCol = r == STORE_ROW ? store_col_text(st, 0) : "<no row>";
  snprintf(z, sizeof(z), "%s", zCol ? zCol : "<null>");
  store_stmt_done(st);
  if(r == STORE_ERROR) fail_msg("%s", err.zMsg);
  return z;
}

/* ---- row collectors ---- */

typedef struct collect {
  char z[1024]; /* "id,...;" per row */
  int n;
  int nStopAfter; /* 0: never stop */
} collect;

static void collect_add(collect *c, const char *zFmt, ...) __attribute__((format(printf, 2, 3)));
static void collect_add(collect *c, const char *zFmt, ...) {
  size_t n = strlen(c->z);
  va_list ap;
  va_start(ap, zFmt);
  vsnprintf(c->z + n, sizeof(c->z) - n, zFmt, ap);
  va_end(ap);
  c->n++;
}

static int on_dag(void *pCtx, const store_sched_dag_row *pRow) {
  collect *c = pCtx;
  collect_add(c, "%s:%s;", pRow->zDagId, pRow->zHash);
  return c->nStopAfter && c->n >= c->nStopAfter;
}

static int on_run(void *pCtx, const store_sched_run_row *pRow) {
  collect *c = pCtx;
  collect_add(c, "%lld:%s:%s:%s:%s:%d;", (long long)pRow->runPk, pRow->zDagId, pRow->zRunId, pRow->zState,
              pRow->zDagHash, pRow->bDagPaused);
  return 0;
}

static int on_run_date(void *pCtx, const store_sched_run_row *pRow) {
  *(int64_t *)pCtx = pRow->logicalDate;
  return 0;
}

static int on_ti(void *pCtx, const store_sched_ti_row *pRow) {
  collect *c = pCtx;
  collect_add(c, "%lld:%s:%s:%lld;", (long long)pRow->tiId, pRow->zTaskId, pRow->zState,
              (long long)pRow->nextRetryUs);
  return 0;
}

static int on_load(void *pCtx, const char *zDagId, int n) {
  collect_add(pCtx, "%s:%d;", zDagId, n);
  return 0;
}

static int on_launch(void *pCtx, const store_sched_launch_row *pRow) {
  collect_add(pCtx, "%lld:%lld:%s:%d:%s:%s:%s:%lld:%lld:%lld:%s", (long long)pRow->tiId, (long long)pRow->runPk,
              pRow->zTaskId, pRow->tryNumber, pRow->zDagId, pRow->zRunId, pRow->zDagHash,
              (long long)pRow->logicalDate, (long long)pRow->intervalStart, (long long)pRow->intervalEnd,
              pRow->zConf);
  return 0;
}

static int on_xcom(void *pCtx, const char *zTaskId, int mapIndex, const char *zValue) {
  (void)mapIndex;
  collect_add(pCtx, "%s=%s;", zTaskId, zValue);
  return 0;
}

static int on_zombie(void *pCtx, const store_sched_zombie_row *pRow) {
  collect_add(pCtx, "%lld:%d:%d:%d;", (long long)pRow->tiId, pRow->tryNumber, pRow->bQueued, pRow->pid);
  return 0;
}

/* ---- tests ---- */

static void test_dags_and_ticks(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  collect c = {0};
  assert_int_equal(store_sched_dag_each_scheduled(f->s, on_dag, &c, &err), AIRC_OK);
  assert_string_equal(c.z, "sched:h1;");
  /* one DAG: only when scheduled */
  collect c1 = {0};
  assert_int_equal(store_sched_dag_get_scheduled(f->s, "sched", on_dag, &c1, &err), AIRC_OK);
  assert_string_equal(c1.z, "sched:h1;");
  collect c0 = {0};
  assert_int_equal(store_sched_dag_get_scheduled(f->s, "none", on_dag, &c0, &err), AIRC_OK);
  assert_int_equal(store_sched_dag_get_scheduled(f->s, "paused", on_dag, &c0, &err), AIRC_OK);
  assert_int_equal(store_sched_dag_get_scheduled(f->s, "nosuch", on_dag, &c0, &err), AIRC_OK);
  assert_int_equal(c0.n, 0);

  /* a callback's nonzero return stops the walk */
  assert_int_equal(store_run_sql(f->s, "UPDATE dag SET is_paused=0 WHERE dag_id='paused'", &err), AIRC_OK);
  collect c2 = {.nStopAfter = 1};
  assert_int_equal(store_sched_dag_each_scheduled(f->s, on_dag, &c2, &err), AIRC_OK);
  assert_int_equal(c2.n, 1);

  int64_t last = 0;
  int nActive = -1;
  assert_int_equal(store_sched_dag_run_counts(f->s, "sched", &last, &nActive, &err), AIRC_OK);
  assert_int_equal(last, 200); /* the manual run at 300 is not a scheduled one */
  assert_int_equal(nActive, 2); /* runs 2 and 3; the test run 4 does not count */
  assert_int_equal(store_sched_dag_run_counts(f->s, "nosuch", &last, &nActive, &err), AIRC_OK);
  assert_int_equal(last, -1);
  assert_int_equal(nActive, 0);

  assert_int_equal(store_sched_dag_set_next_dagrun(f->s, "sched", 86400, &err), AIRC_OK);
  assert_int_equal(store_changes(f->s), 1);
  assert_int_equal(q_int(f->s, "SELECT next_dagrun FROM dag WHERE dag_id='sched'"), 86400);
  assert_int_equal(store_sched_dag_set_next_dagrun(f->s, "sched", 86400, &err), AIRC_OK);
  assert_int_equal(store_changes(f->s), 0); /* unchanged: not written */
  assert_int_equal(store_sched_dag_set_next_dagrun(f->s, "nosuch", 1, &err), AIRC_OK);
}

static void test_runs(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  collect c = {0};
  assert_int_equal(store_sched_run_each_active(f->s, 0, on_run, &c, &err), AIRC_OK);
  /* by logical date; the test run 4 only when asked for */
  assert_string_equal(c.z, "5:paused:scheduled__10:running:h2:1;"
                           "2:sched:scheduled__200:running:h1:0;"
                           "3:sched:manual__300:queued:h1:0;");
  collect c4 = {0};
  assert_int_equal(store_sched_run_each_active(f->s, 4, on_run, &c4, &err), AIRC_OK);
  assert_string_equal(c4.z, "4:sched:test__50:queued:h1:0;");

  /* one run by pk: active non-test runs only; rows carry the logical date */
  collect c2 = {0};
  assert_int_equal(store_sched_run_get_active(f->s, 2, on_run, &c2, &err), AIRC_OK);
  assert_string_equal(c2.z, "2:sched:scheduled__200:running:h1:0;");
  collect cNone = {0};
  assert_int_equal(store_sched_run_get_active(f->s, 1, on_run, &cNone, &err), AIRC_OK); /* success */
  assert_int_equal(store_sched_run_get_active(f->s, 4, on_run, &cNone, &err), AIRC_OK); /* test run */
  assert_int_equal(store_sched_run_get_active(f->s, 99, on_run, &cNone, &err), AIRC_OK); /* none */
  assert_int_equal(cNone.n, 0);
  int64_t date = 0;
  assert_int_equal(store_sched_run_get_active(f->s, 3, on_run_date, &date, &err), AIRC_OK);
  assert_int_equal(date, 300);
  collect cq = {0};
  assert_int_equal(store_sched_run_each_queued(f->s, on_run, &cq, &err), AIRC_OK);
  assert_string_equal(cq.z, "3:sched:manual__300:queued:h1:0;");
  int nRunning = -1;
  assert_int_equal(store_sched_dag_running_runs(f->s, "sched", &nRunning, &err), AIRC_OK);
  assert_int_equal(nRunning, 1);
  assert_int_equal(store_sched_dag_running_runs(f->s, "nosuch", &nRunning, &err), AIRC_OK);
  assert_int_equal(nRunning, 0);

  /* queued -> running takes a start time; an existing one is kept */
  assert_int_equal(store_sched_run_set_state(f->s, 3, "running", 0, 1234, &err), AIRC_OK);
  assert_int_equal(q_int(f->s, "SELECT start_us FROM dag_run WHERE id=3"), 1234);
  assert_int_equal(q_int(f->s, "SELECT end_us FROM dag_run WHERE id=3"), INT64_MIN);
  assert_int_equal(store_sched_run_set_state(f->s, 2, "running", 0, 1234, &err), AIRC_OK);
  assert_int_equal(q_int(f->s, "SELECT start_us FROM dag_run WHERE id=2"), 7);
  /* ending sets the end time */
  assert_int_equal(store_sched_run_set_state(f->s, 3, "success", 1, 5678, &err), AIRC_OK);
  assert_string_equal(q_text(f->s, "SELECT state FROM dag_run WHERE id=3"), "success");
  assert_int_equal(q_int(f->s, "SELECT end_us FROM dag_run WHERE id=3"), 5678);
  assert_int_equal(q_int(f->s, "SELECT start_us FROM dag_run WHERE id=3"), 1234);
  /* the per-state counts the web UI reads follow (trigger) */
  assert_int_equal(q_int(f->s, "SELECT n FROM dag_run_count WHERE dag_id='sched' AND state='success'"), 2);
}

static void test_task_instances(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  collect c = {0};
  assert_int_equal(store_sched_ti_each_of_run(f->s, 2, on_ti, &c, &err), AIRC_OK);
  assert_string_equal(c.z, "10:a:success:0;11:b:scheduled:0;12:c:none:0;13:d:up_for_retry:5000;");

  collect cl = {0};
  assert_int_equal(store_sched_ti_each_dag_load(f->s, on_load, &cl, &err), AIRC_OK);
  assert_string_equal(cl.z, "paused:1;");

  assert_int_equal(store_sched_ti_set_state(f->s, 12, "skipped", 4242, &err), AIRC_OK);
  assert_string_equal(q_text(f->s, "SELECT state FROM task_instance WHERE id=12"), "skipped");
  assert_int_equal(q_int(f->s, "SELECT updated_us FROM task_instance WHERE id=12"), 4242);

  /* scheduled -> queued with the next try; a second queue is a no-op */
  assert_int_equal(store_run_sql(f->s, "UPDATE task_instance SET pid=5, note='old', exit_code=1 WHERE id=11", &err),
                   AIRC_OK);
  assert_int_equal(store_sched_ti_queue(f->s, 11, NULL, 100, &err), AIRC_OK);
  assert_int_equal(store_sched_ti_queue(f->s, 11, NULL, 200, &err), AIRC_OK);
  assert_string_equal(q_text(f->s, "SELECT state FROM task_instance WHERE id=11"), "queued");
  assert_int_equal(q_int(f->s, "SELECT try_number FROM task_instance WHERE id=11"), 1);
  assert_int_equal(q_int(f->s, "SELECT queued_us FROM task_instance WHERE id=11"), 100);
  assert_int_equal(q_int(f->s, "SELECT pid FROM task_instance WHERE id=11"), INT64_MIN);
  assert_string_equal(q_text(f->s, "SELECT note FROM task_instance WHERE id=11"), "<null>");
  assert_int_equal(q_int(f->s, "SELECT exit_code FROM task_instance WHERE id=11"), INT64_MIN);

  collect cl2 = {0};
  assert_int_equal(store_sched_ti_each_dag_load(f->s, on_load, &cl2, &err), AIRC_OK);
  assert_string_equal(cl2.z, "paused:1;sched:1;");

  /* queued -> running; not queued any more: no-op */
  assert_int_equal(store_sched_ti_set_running(f->s, 11, 4321, 150, "/logs/b.log", &err), AIRC_OK);
  assert_int_equal(store_sched_ti_set_running(f->s, 11, 9999, 160, "/other", &err), AIRC_OK);
  assert_string_equal(q_text(f->s, "SELECT state FROM task_instance WHERE id=11"), "running");
  assert_int_equal(q_int(f->s, "SELECT pid FROM task_instance WHERE id=11"), 4321);
  assert_int_equal(q_int(f->s, "SELECT start_us FROM task_instance WHERE id=11"), 150);
  assert_int_equal(q_int(f->s, "SELECT updated_us FROM task_instance WHERE id=11"), 150);
  assert_string_equal(q_text(f->s, "SELECT log_path FROM task_instance WHERE id=11"), "/logs/b.log");

  collect cla = {0};
  assert_int_equal(store_sched_ti_get_launch(f->s, 11, on_launch, &cla, &err), AIRC_OK);
  assert_string_equal(cla.z, "11:2:b:1:sched:scheduled__200:h1:200:100:200:{\"k\":1}");
  collect cln = {0};
  assert_int_equal(store_sched_ti_get_launch(f->s, 999, on_launch, &cln, &err), AIRC_ERR_NOTFOUND);
  assert_string_equal(err.zMsg, "task instance 999 vanished");
  assert_int_equal(cln.n, 0);
}

/* The scheduler queues a task it found ready in the same wake straight
 * from the state the store still holds (one write, not `scheduled` then
 * `queued`): only from the state it names, with the same columns as from
 * `scheduled`. */
/* A pool member's continuation (store_sched_ti_continue) passes only the
 * fence the scheduler's own queuing would: the link not run yet, its
 * upstream still the live try, the run running, the DAG not paused. */
static void test_continue_fence(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  int bDone = -1;
  /* upstream 10 has ended (success): nothing continues after it */
  assert_int_equal(store_sched_ti_continue(f->s, 10, 1, 12, 1, 99, "/logs/c.log", 500, &bDone, &err), AIRC_OK);
  assert_int_equal(bDone, 0);
  assert_string_equal(q_text(f->s, "SELECT state FROM task_instance WHERE id=12"), "none");
  /* running as try 1: c is queued as try 1, with the member's pid and log */
  assert_int_equal(store_run_sql(f->s, "UPDATE task_instance SET state='running' WHERE id=10", &err), AIRC_OK);
  assert_int_equal(store_sched_ti_continue(f->s, 10, 2, 12, 1, 99, "/logs/c.log", 500, &bDone, &err), AIRC_OK);
  assert_int_equal(bDone, 0); /* another try of the upstream */
  assert_int_equal(store_sched_ti_continue(f->s, 10, 1, 12, 2, 99, "/logs/c.log", 500, &bDone, &err), AIRC_OK);
  assert_int_equal(bDone, 0); /* not the link's next try */
  assert_int_equal(store_sched_ti_continue(f->s, 10, 1, 12, 1, 99, "/logs/c.log", 500, &bDone, &err), AIRC_OK);
  assert_int_equal(bDone, 1);
  assert_string_equal(q_text(f->s, "SELECT state || ':' || try_number || ':' || pid || ':' || log_path || ':' || queued_us"
                                   " FROM task_instance WHERE id=12"),
                      "queued:1:99:/logs/c.log:500");
  /* once: it is not `none` any more */
  assert_int_equal(store_sched_ti_continue(f->s, 10, 1, 12, 1, 98, "/logs/c.log", 600, &bDone, &err), AIRC_OK);
  assert_int_equal(bDone, 0);
  /* an upstream a member continued is `queued`: its own link continues */
  assert_int_equal(store_sched_ti_continue(f->s, 12, 1, 11, 1, 99, "/logs/b.log", 700, &bDone, &err), AIRC_OK);
  assert_int_equal(bDone, 1);
  /* a paused DAG continues nothing */
  assert_int_equal(store_run_sql(f->s, "INSERT INTO task_instance(id, run_pk, dag_id, task_id, state, try_number, max_tries)"
                                       " VALUES (31, 5, 'paused', 'b', 'none', 0, 1)", &err), AIRC_OK);
  assert_int_equal(store_sched_ti_continue(f->s, 30, 1, 31, 1, 99, "/logs/p.log", 800, &bDone, &err), AIRC_OK);
  assert_int_equal(bDone, 0);
  /* nor does a run that is no longer running */
  assert_int_equal(store_run_sql(f->s, "UPDATE dag SET is_paused=0 WHERE dag_id='paused'", &err), AIRC_OK);
  assert_int_equal(store_run_sql(f->s, "UPDATE dag_run SET state='failed' WHERE id=5", &err), AIRC_OK);
  assert_int_equal(store_sched_ti_continue(f->s, 30, 1, 31, 1, 99, "/logs/p.log", 800, &bDone, &err), AIRC_OK);
  assert_int_equal(bDone, 0);
  assert_int_equal(store_run_sql(f->s, "UPDATE dag_run SET state='running' WHERE id=5", &err), AIRC_OK);
  assert_int_equal(store_sched_ti_continue(f->s, 30, 1, 31, 1, 99, "/logs/p.log", 800, &bDone, &err), AIRC_OK);
  assert_int_equal(bDone, 1); /* the same link, once nothing holds it back */
}

static void test_queue_from_state(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  /* without zFrom, `none` and `up_for_retry` are left alone */
  assert_int_equal(store_sched_ti_queue(f->s, 12, NULL, 100, &err), AIRC_OK);
  assert_int_equal(store_sched_ti_queue(f->s, 13, NULL, 100, &err), AIRC_OK);
  assert_string_equal(q_text(f->s, "SELECT state FROM task_instance WHERE id=12"), "none");
  assert_string_equal(q_text(f->s, "SELECT state FROM task_instance WHERE id=13"), "up_for_retry");
  /* a zFrom that is not the row's state: left alone too */
  assert_int_equal(store_sched_ti_queue(f->s, 13, "none", 100, &err), AIRC_OK);
  assert_string_equal(q_text(f->s, "SELECT state FROM task_instance WHERE id=13"), "up_for_retry");
  /* none -> queued: first try */
  assert_int_equal(store_sched_ti_queue(f->s, 12, "none", 200, &err), AIRC_OK);
  assert_string_equal(q_text(f->s, "SELECT state FROM task_instance WHERE id=12"), "queued");
  assert_int_equal(q_int(f->s, "SELECT try_number FROM task_instance WHERE id=12"), 1);
  assert_int_equal(q_int(f->s, "SELECT queued_us FROM task_instance WHERE id=12"), 200);
  assert_int_equal(q_int(f->s, "SELECT updated_us FROM task_instance WHERE id=12"), 200);
  /* up_for_retry -> queued: the next try, its retry time cleared */
  assert_int_equal(store_sched_ti_queue(f->s, 13, "up_for_retry", 300, &err), AIRC_OK);
  assert_string_equal(q_text(f->s, "SELECT state FROM task_instance WHERE id=13"), "queued");
  assert_int_equal(q_int(f->s, "SELECT try_number FROM task_instance WHERE id=13"), 2);
  assert_int_equal(q_int(f->s, "SELECT next_retry_us FROM task_instance WHERE id=13"), INT64_MIN);
  /* queued already: a second queue is a no-op */
  assert_int_equal(store_sched_ti_queue(f->s, 13, "up_for_retry", 400, &err), AIRC_OK);
  assert_int_equal(q_int(f->s, "SELECT try_number FROM task_instance WHERE id=13"), 2);
}

static void test_outcomes_and_xcom(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  store_sched_ti_current cur;
  assert_int_equal(store_sched_ti_get_current(f->s, 30, &cur, &err), AIRC_OK);
  assert_string_equal(cur.zState, "running");
  assert_int_equal(cur.tryNumber, 1);
  assert_int_equal(cur.maxTries, 1);
  assert_string_equal(cur.zTaskId, "a");
  assert_string_equal(cur.zDagHash, "h2");
  assert_int_equal(cur.runPk, 5);
  assert_int_equal(cur.startUs, 900);
  assert_string_equal(cur.zLogPath, "/logs/a.log");
  assert_string_equal(cur.zDagId, "paused");
  assert_string_equal(cur.zRunId, "scheduled__10");
  assert_int_equal(store_sched_ti_get_current(f->s, 12, &cur, &err), AIRC_OK);
  assert_int_equal(cur.startUs, 0);
  assert_string_equal(cur.zLogPath, "");
  assert_int_equal(store_sched_ti_get_current(f->s, 999, &cur, &err), AIRC_ERR_NOTFOUND);
  airc_err_clear(&err);

  /* a failure with a retry to follow: no exit code, no pid (the old pid stays) */
  store_sched_outcome o = {30, 1, "failed", "up_for_retry", 900, 3000900, -1, 0, 9000, "boom", "/logs/a.log", 42, "w1"};
  assert_int_equal(store_sched_outcome_record(f->s, &o, &err), AIRC_OK);
  assert_string_equal(q_text(f->s, "SELECT state FROM task_instance WHERE id=30"), "up_for_retry");
  assert_int_equal(q_int(f->s, "SELECT end_us FROM task_instance WHERE id=30"), 3000900);
  assert_int_equal(q_int(f->s, "SELECT CAST(duration*1000 AS INTEGER) FROM task_instance WHERE id=30"), 3000);
  assert_int_equal(q_int(f->s, "SELECT exit_code FROM task_instance WHERE id=30"), INT64_MIN);
  assert_int_equal(q_int(f->s, "SELECT pid FROM task_instance WHERE id=30"), 77);
  assert_int_equal(q_int(f->s, "SELECT next_retry_us FROM task_instance WHERE id=30"), 9000);
  assert_string_equal(q_text(f->s, "SELECT note FROM task_instance WHERE id=30"), "boom");
  assert_int_equal(q_int(f->s, "SELECT updated_us FROM task_instance WHERE id=30"), 42);
  assert_string_equal(q_text(f->s, "SELECT state FROM task_try WHERE ti_id=30 AND try_number=1"), "failed");
  assert_string_equal(q_text(f->s, "SELECT note FROM task_try WHERE ti_id=30 AND try_number=1"), "boom");
  assert_string_equal(q_text(f->s, "SELECT hostname FROM task_try WHERE ti_id=30 AND try_number=1"), "w1");

  /* the same try again replaces its record; an empty note is none; the
   * start time the task instance has is kept */
  store_sched_outcome o2 = {30, 1, "success", "success", 1000, 2000, 0, 88, 0, "", NULL, 43, NULL};
  assert_int_equal(store_sched_outcome_record(f->s, &o2, &err), AIRC_OK);
  assert_int_equal(q_int(f->s, "SELECT count(*) FROM task_try WHERE ti_id=30"), 1);
  assert_string_equal(q_text(f->s, "SELECT state FROM task_try WHERE ti_id=30"), "success");
  assert_string_equal(q_text(f->s, "SELECT note FROM task_try WHERE ti_id=30"), "<null>");
  assert_string_equal(q_text(f->s, "SELECT log_path FROM task_try WHERE ti_id=30"), "<null>");
  assert_string_equal(q_text(f->s, "SELECT hostname FROM task_try WHERE ti_id=30"), "w1"); /* no host given: kept */
  assert_int_equal(q_int(f->s, "SELECT exit_code FROM task_try WHERE ti_id=30"), 0);
  assert_int_equal(q_int(f->s, "SELECT pid FROM task_instance WHERE id=30"), 88);
  assert_int_equal(q_int(f->s, "SELECT start_us FROM task_instance WHERE id=30"), 900);
  assert_int_equal(q_int(f->s, "SELECT next_retry_us FROM task_instance WHERE id=30"), INT64_MIN);

  /* a try of a task instance that does not exist: the schema refuses it */
  store_sched_outcome o3 = {999, 1, "failed", "failed", 1, 2, -1, 0, 0, NULL, NULL, 44, NULL};
  assert_int_equal(store_sched_outcome_record(f->s, &o3, &err), AIRC_ERR_DB);
  /* SQLite: the try's own statement; PostgreSQL: one statement for both */
  assert_non_null(strstr(err.zMsg, "record try: ") ? strstr(err.zMsg, "record try: ")
                                                   : strstr(err.zMsg, "record outcome and try: "));
  assert_non_null(strcasestr(err.zMsg, "FOREIGN KEY")); /* SQLite: FOREIGN KEY, PostgreSQL: foreign key */
  airc_err_clear(&err);

  assert_int_equal(store_sched_xcom_set(f->s, 10, 1, "{\"n\":1}", 50, &err), AIRC_OK);
  assert_int_equal(store_sched_xcom_set(f->s, 13, 1, "[1]", 51, &err), AIRC_OK);
  assert_int_equal(store_sched_xcom_set(f->s, 13, 2, "\"v2\"", 52, &err), AIRC_OK); /* replaces */
  assert_int_equal(store_sched_xcom_set(f->s, 30, 1, "3", 53, &err), AIRC_OK);     /* another run */
  assert_int_equal(q_int(f->s, "SELECT try_number FROM xcom WHERE ti_id=13"), 2);
  collect cx = {0};
  assert_int_equal(store_sched_xcom_each_of_run(f->s, 2, on_xcom, &cx, &err), AIRC_OK);
  assert_int_equal(cx.n, 2);
  assert_non_null(strstr(cx.z, "a={\"n\":1};"));
  assert_non_null(strstr(cx.z, "d=\"v2\";"));
  assert_int_equal(store_sched_xcom_set(f->s, 999, 1, "1", 54, &err), AIRC_ERR_DB);
  assert_non_null(strstr(err.zMsg, "record xcom: "));
}

/* Outcomes recorded one after another in a transaction (a wake that
 * applies many results): on PostgreSQL they go out as one statement
 * (store_stmt_run_batched). Whatever the backend: the next statement of
 * the transaction sees them all, values come back byte for byte (quotes,
 * backslashes, braces, commas, a newline, unicode, NULLs), a second
 * outcome of the same task instance lands after the first, and one the
 * schema refuses fails the commit and takes the others with it. */
static void test_outcomes_batched(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  static const char zOdd[] = "say \"hi\", {a,b} \\ $(x) `y`;\nnext line: \xc3\xa9\xe2\x82\xac NULL";
  assert_int_equal(store_begin(f->s, &err), AIRC_OK);
  assert_int_equal(q_int(f->s, "SELECT count(*) FROM task_try"), 0); /* the transaction's BEGIN goes out */
  store_sched_outcome a = {11, 1, "failed", "up_for_retry", 100, 200, 1, 501, 7000, zOdd, "/logs/b.log", 60, "w{1}"};
  store_sched_outcome b = {12, 1, "success", "success", 300, 400, 0, 0, 0, NULL, NULL, 61, NULL};
  store_sched_outcome c = {13, 2, "skipped", "skipped", 500, 600, -1, 0, 0, "", "/logs/\"d\".log", 62, "w,2"};
  assert_int_equal(store_sched_outcome_record(f->s, &b, &err), AIRC_OK); /* PostgreSQL: prepares it, at once */
  store_stats st0, st1;
  store_stats_get(f->s, &st0);
  assert_int_equal(store_sched_outcome_record(f->s, &a, &err), AIRC_OK);
  assert_int_equal(store_sched_outcome_record(f->s, &c, &err), AIRC_OK);
  /* task instance 11 again (its next try): the waiting ones (11, 13) go
   * first, as one statement; this one waits alone until the count */
  store_sched_outcome a2 = {11, 2, "success", "success", 700, 800, 0, 502, 0, NULL, NULL, 63, "w1"};
  assert_int_equal(store_sched_outcome_record(f->s, &a2, &err), AIRC_OK);
  assert_int_equal(q_int(f->s, "SELECT count(*) FROM task_try WHERE ti_id IN (11, 12, 13)"), 4);
  store_stats_get(f->s, &st1);
  if(f->s->pDrv->eDialect == STORE_DIALECT_PG)
    assert_int_equal(st1.nStatements - st0.nStatements, 3); /* [11, 13], [11], the count */
  /* one waiting row of the same task instance: it goes first on its own */
  store_sched_outcome b2 = {12, 2, "failed", "up_for_retry", 310, 320, 2, 0, 9000, NULL, NULL, 64, NULL};
  store_sched_outcome b3 = {12, 3, "success", "success", 330, 340, 0, 0, 0, NULL, NULL, 65, NULL};
  assert_int_equal(store_sched_outcome_record(f->s, &b2, &err), AIRC_OK);
  assert_int_equal(store_sched_outcome_record(f->s, &b3, &err), AIRC_OK);
  assert_int_equal(q_int(f->s, "SELECT count(*) FROM task_try WHERE ti_id=12"), 3);
  assert_int_equal(store_commit(f->s, &err), AIRC_OK);

  assert_string_equal(q_text(f->s, "SELECT note FROM task_try WHERE ti_id=11 AND try_number=1"), zOdd);
  assert_string_equal(q_text(f->s, "SELECT hostname FROM task_try WHERE ti_id=11 AND try_number=1"), "w{1}");
  assert_int_equal(q_int(f->s, "SELECT exit_code FROM task_try WHERE ti_id=11 AND try_number=1"), 1);
  assert_string_equal(q_text(f->s, "SELECT state FROM task_instance WHERE id=11"), "success"); /* the later one */
  assert_int_equal(q_int(f->s, "SELECT pid FROM task_instance WHERE id=11"), 502);
  assert_int_equal(q_int(f->s, "SELECT start_us FROM task_instance WHERE id=11"), 100); /* kept from the first */
  assert_string_equal(q_text(f->s, "SELECT log_path FROM task_instance WHERE id=11"), "/logs/b.log");
  assert_string_equal(q_text(f->s, "SELECT state FROM task_instance WHERE id=12"), "success");
  assert_int_equal(q_int(f->s, "SELECT end_us FROM task_instance WHERE id=12"), 340); /* the last one */
  assert_int_equal(q_int(f->s, "SELECT next_retry_us FROM task_instance WHERE id=12"), INT64_MIN);
  assert_int_equal(q_int(f->s, "SELECT pid FROM task_instance WHERE id=12"), INT64_MIN);
  assert_string_equal(q_text(f->s, "SELECT state FROM task_try WHERE ti_id=12 AND try_number=2"), "failed");
  assert_string_equal(q_text(f->s, "SELECT note FROM task_try WHERE ti_id=12 AND try_number=1"), "<null>");
  assert_string_equal(q_text(f->s, "SELECT hostname FROM task_try WHERE ti_id=12 AND try_number=1"), "<null>");
  assert_int_equal(q_int(f->s, "SELECT exit_code FROM task_instance WHERE id=13"), INT64_MIN);
  assert_string_equal(q_text(f->s, "SELECT note FROM task_instance WHERE id=13"), "<null>");
  assert_string_equal(q_text(f->s, "SELECT log_path FROM task_try WHERE ti_id=13"), "/logs/\"d\".log");
  assert_string_equal(q_text(f->s, "SELECT hostname FROM task_try WHERE ti_id=13"), "w,2");
  assert_int_equal(q_int(f->s, "SELECT CAST(duration*1000 AS INTEGER) FROM task_instance WHERE id=13"), 0);

  /* one the schema refuses (no task instance 999) among good ones: the
   * commit fails, nothing of the transaction stays */
  assert_int_equal(store_begin(f->s, &err), AIRC_OK);
  assert_int_equal(q_int(f->s, "SELECT count(*) FROM task_try"), 6);
  store_sched_outcome g = {10, 1, "failed", "failed", 1, 2, 3, 0, 0, "late", NULL, 70, NULL};
  store_sched_outcome bad = {999, 1, "failed", "failed", 1, 2, -1, 0, 0, NULL, NULL, 71, NULL};
  airc_rc rc = store_sched_outcome_record(f->s, &g, &err);
  if(!rc) rc = store_sched_outcome_record(f->s, &bad, &err);
  if(!rc) rc = store_commit(f->s, &err);
  else store_rollback(f->s);
  assert_int_equal(rc, AIRC_ERR_DB);
  assert_non_null(strcasestr(err.zMsg, "FOREIGN KEY"));
  airc_err_clear(&err);
  assert_string_equal(q_text(f->s, "SELECT state FROM task_instance WHERE id=10"), "success");
  assert_int_equal(q_int(f->s, "SELECT count(*) FROM task_try"), 6);
}

static void test_zombies_retries_heartbeat(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  assert_int_equal(store_run_sql(f->s, "UPDATE task_instance SET state='queued', try_number=1 WHERE id=11", &err),
                   AIRC_OK);
  assert_int_equal(
      store_run_sql(f->s, "UPDATE task_instance SET state='queued', try_number=2, pid=66 WHERE id=20", &err),
      AIRC_OK);
  collect c = {0};
  assert_int_equal(store_sched_zombie_each_candidate(f->s, 0, on_zombie, &c, &err), AIRC_OK);
  assert_int_equal(c.n, 2); /* 11 and 30; 20 belongs to a test run */
  assert_non_null(strstr(c.z, "11:1:1:0;"));
  assert_non_null(strstr(c.z, "30:1:0:77;"));
  collect c4 = {0};
  assert_int_equal(store_sched_zombie_each_candidate(f->s, 4, on_zombie, &c4, &err), AIRC_OK);
  assert_string_equal(c4.z, "20:2:1:66;");

  /* queued but never started: the try is given back; only when queued */
  assert_int_equal(store_sched_ti_unqueue(f->s, 11, &err), AIRC_OK);
  assert_int_equal(store_sched_ti_unqueue(f->s, 11, &err), AIRC_OK);
  assert_string_equal(q_text(f->s, "SELECT state FROM task_instance WHERE id=11"), "scheduled");
  assert_int_equal(q_int(f->s, "SELECT try_number FROM task_instance WHERE id=11"), 0);
  /* a supervisor runs it: running; only when queued */
  assert_int_equal(store_sched_ti_adopt_running(f->s, 20, &err), AIRC_OK);
  assert_string_equal(q_text(f->s, "SELECT state FROM task_instance WHERE id=20"), "running");
  assert_int_equal(store_sched_ti_adopt_running(f->s, 10, &err), AIRC_OK);
  assert_string_equal(q_text(f->s, "SELECT state FROM task_instance WHERE id=10"), "success");

  int64_t next = -1;
  assert_int_equal(store_sched_retry_next(f->s, 0, &next, &err), AIRC_OK);
  assert_int_equal(next, 5000); /* 13; the test run's retry is not ours */
  assert_int_equal(store_run_sql(f->s, "UPDATE task_instance SET state='up_for_retry' WHERE id=20", &err), AIRC_OK);
  assert_int_equal(store_sched_retry_next(f->s, 4, &next, &err), AIRC_OK);
  assert_int_equal(next, 1000);
  assert_int_equal(store_run_sql(f->s, "UPDATE task_instance SET state='failed' WHERE id IN (13, 20)", &err),
                   AIRC_OK);
  assert_int_equal(store_sched_retry_next(f->s, 0, &next, &err), AIRC_OK);
  assert_int_equal(next, 0);

  assert_int_equal(store_sched_heartbeat(f->s, 1700000000000000LL, 321, 5, &err), AIRC_OK);
  assert_int_equal(store_sched_heartbeat(f->s, 1700000000000001LL, 322, 0, &err), AIRC_OK);
  assert_int_equal(q_int(f->s, "SELECT count(*) FROM scheduler_state"), 3);
  assert_string_equal(q_text(f->s, "SELECT value FROM scheduler_state WHERE key='heartbeat_us'"), "1700000000000001");
  if(!store_test_is_pg()) /* SQLite keeps what is bound: text, not an integer; PostgreSQL's column is TEXT */
    assert_string_equal(q_text(f->s, "SELECT typeof(value) FROM scheduler_state WHERE key='pid'"), "text");
  assert_string_equal(q_text(f->s, "SELECT value FROM scheduler_state WHERE key='pid'"), "322");
  assert_string_equal(q_text(f->s, "SELECT value FROM scheduler_state WHERE key='loop_lag_us'"), "0");
}

/* A walk's statement is released on every path: a failed query (here a
 * store whose tables are gone) reports what failed, and the same call
 * works again once the table is back. */
static void test_walk_error(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  collect c = {0};
  assert_int_equal(store_sched_ti_each_of_run(f->s, 2, on_ti, &c, &err), AIRC_OK);
  assert_int_equal(store_run_sql(f->s, "ALTER TABLE task_instance RENAME TO ti_away", &err), AIRC_OK);
  collect c2 = {0};
  assert_int_not_equal(store_sched_ti_each_of_run(f->s, 2, on_ti, &c2, &err), AIRC_OK);
  assert_non_null(strstr(err.zMsg, "task_instance"));
  airc_err_clear(&err);
  assert_int_equal(store_run_sql(f->s, "ALTER TABLE ti_away RENAME TO task_instance", &err), AIRC_OK);
  collect c3 = {0};
  assert_int_equal(store_sched_ti_each_of_run(f->s, 2, on_ti, &c3, &err), AIRC_OK);
  assert_string_equal(c3.z, c.z);
}

int main(void) {
  const struct CMUnitTest aTest[] = {
      cmocka_unit_test_setup_teardown(test_dags_and_ticks, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_runs, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_task_instances, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_queue_from_state, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_continue_fence, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_outcomes_and_xcom, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_outcomes_batched, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_zombies_retries_heartbeat, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_walk_error, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests(aTest, NULL, NULL);
}
