/* test_store_views.c: the read calls behind the REST API (store_views.h)
 * on a temporary SQLite store: filters, orders, pagination, NULL fields,
 * not-found errors, early stop, a nested walk, the grid cells, import
 * errors, scheduler values and the /metrics aggregates.
 *
 * The fixture rows are written with store_run_sql() (a white-box test of
 * the store: it may use store_int.h), so each field's NULL/non-NULL case
 * is chosen here rather than by the scheduler. */
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
#include "store/store_views.h"
#include "tests/unit/store_test_target.h"

static char g_zDir[64];
static char g_zDb[128];

static const char *const azFixture[] = {
    "INSERT INTO dag_version(hash, dag_id, json, created_us) VALUES"
    " ('h1','alpha','{\"tasks\":[{\"id\":\"extract\"},{\"id\":\"load\"},{\"id\":\"extract\"}]}',1),"
    " ('h2','beta','{\"tasks\":[]}',1)",
    "INSERT INTO dag(dag_id, fileloc, is_paused, is_active, description, schedule, tags, current_hash, next_dagrun,"
    " last_parsed_us) VALUES"
    " ('alpha','/d/alpha.ini',0,1,'first','@daily','[\"etl\",\"prod\"]','h1',86400,5000000),"
    " ('beta','/d/beta.ini',1,1,NULL,NULL,'[\"etl\"]','h2',NULL,NULL),"
    " ('gamma','/d/gamma.ini',1,0,NULL,'none','[]',NULL,NULL,NULL),"
    " ('alphabet','/d/alphabet.ini',1,1,NULL,NULL,'[\"misc\"]',NULL,NULL,NULL)",
    "INSERT INTO import_error(fileloc, message, timestamp_us) VALUES"
    " ('/d/beta.ini','beta.ini:3: bad schedule',2000000), ('/d/zeta.ini','zeta.ini:1: no [dag]',3000000)",
    /* alpha: r1 success (oldest), r2 failed, r3 running (newest); a test run */
    "INSERT INTO dag_run(id, dag_id, run_id, run_type, logical_date, data_interval_start, data_interval_end, conf,"
    " state, dag_hash, queued_us, start_us, end_us, is_test) VALUES"
    " (1,'alpha','r1','scheduled',100,100,200,'{}','success','h1',10,300,900,0),"
    " (2,'alpha','r2','manual',200,200,300,'{\"k\":1}','failed','h1',20,100,NULL,0),"
    " (3,'alpha','r3','scheduled',300,300,400,'{}','running','h1',NULL,NULL,NULL,0),"
    " (4,'beta','t1','manual',50,50,50,'{}','success','h2',NULL,NULL,NULL,1)",
    "INSERT INTO task_instance(id, run_pk, dag_id, task_id, state, try_number, max_tries, queued_us, start_us,"
    " end_us, duration, pid, exit_code, next_retry_us, note, updated_us) VALUES"
    " (10,1,'alpha','extract','success',1,2,5,6,1006,0.25,4242,0,NULL,'ok',77),"
    " (11,1,'alpha','load','failed',2,2,NULL,2000000,4000000,2.0,NULL,3,NULL,NULL,78),"
    " (12,2,'alpha','extract','up_for_retry',1,3,NULL,NULL,NULL,NULL,NULL,NULL,9000,NULL,NULL),"
    " (13,3,'alpha','extract','none',0,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL),"
    " (14,3,'alpha','old_task','running',1,1,NULL,NULL,NULL,4000.0,NULL,NULL,NULL,NULL,NULL)",
    "INSERT INTO xcom(ti_id, try_number, value, updated_us) VALUES (10,1,'\"hello\"',1)",
    "INSERT INTO task_try(ti_id, try_number, state, start_us, end_us, exit_code, pid, note) VALUES"
    " (11,1,'failed',1000000,1500000,1,99,NULL), (11,2,'failed',2000000,NULL,NULL,NULL,'again')",
    "INSERT INTO scheduler_state(key, value) VALUES ('heartbeat_us','123456789'), ('loop_lag_us',NULL)",
};

static int setup(void **state) {
  (void)state;
  snprintf(g_zDir, sizeof(g_zDir), "/tmp/airc-views-XXXXXX");
  if(!mkdtemp(g_zDir)) return -1;
  if(store_test_target(g_zDir, g_zDb, sizeof(g_zDb))) return -1;
  store *p = NULL;
  airc_err err = {0};
  if(store_open(g_zDb, &p, &err)) {
    fprintf(stderr, "%s\n", err.zMsg);
    return -1;
  }
  for(size_t i = 0; i < sizeof(azFixture) / sizeof(azFixture[0]); i++) {
    if(store_run_sql(p, azFixture[i], &err)) {
      fprintf(stderr, "fixture %zu: %s\n", i, err.zMsg);
      store_close(p);
      return -1;
    }
  }
  *state = p;
  return 0;
}

static int teardown(void **state) {
  store_close(*state);
  unlink(g_zDb);
  char z[160];
  snprintf(z, sizeof(z), "%s-wal", g_zDb);
  unlink(z);
  snprintf(z, sizeof(z), "%s-shm", g_zDb);
  unlink(z);
  rmdir(g_zDir);
  return 0;
}

/* Collects ids of any row kind as "a,b,c" into a buffer. */
typedef struct ids {
  char z[512];
  int n;
  int nStopAfter; /* 0: never */
} ids;

static int ids_add(ids *p, const char *z) {
  size_t n = strlen(p->z);
  snprintf(p->z + n, sizeof(p->z) - n, "%s%s", n ? "," : "", z ? z : "NULL");
  p->n++;
  return p->nStopAfter && p->n >= p->nStopAfter;
}
static int dag_ids(void *pCtx, const store_view_dag *d) { return ids_add(pCtx, d->zDagId); }
static int run_ids(void *pCtx, const store_view_run *r) { return ids_add(pCtx, r->zRunId); }
static int ti_ids(void *pCtx, const store_view_ti *t) { return ids_add(pCtx, t->zTaskId); }
static int task_ids(void *pCtx, const char *z) { return ids_add(pCtx, z); }

static void test_dag_count_and_list_filters(void **state) {
  store *p = *state;
  airc_err err = {0};
  int64_t n = -1;
  store_view_dag_filter f = {-1, 1, NULL, NULL};
  assert_int_equal(store_view_dag_count(p, &f, &n, &err), AIRC_OK);
  assert_int_equal(n, 3); /* gamma is inactive */
  ids a = {{0}, 0, 0};
  assert_int_equal(store_view_dag_list(p, &f, 100, 0, dag_ids, &a, &err), AIRC_OK);
  assert_string_equal(a.z, "alpha,alphabet,beta");

  f.bOnlyActive = 0;
  assert_int_equal(store_view_dag_count(p, &f, &n, &err), AIRC_OK);
  assert_int_equal(n, 4);
  ids b = {{0}, 0, 0};
  assert_int_equal(store_view_dag_list(p, &f, 2, 1, dag_ids, &b, &err), AIRC_OK);
  assert_string_equal(b.z, "alphabet,beta");

  store_view_dag_filter fPaused = {1, 1, "[\"etl\",\"misc\"]", NULL};
  ids c = {{0}, 0, 0};
  assert_int_equal(store_view_dag_list(p, &fPaused, 100, 0, dag_ids, &c, &err), AIRC_OK);
  assert_string_equal(c.z, "alphabet,beta");

  store_view_dag_filter fId = {-1, 0, NULL, "pha"};
  assert_int_equal(store_view_dag_count(p, &fId, &n, &err), AIRC_OK);
  assert_int_equal(n, 2);
  store_view_dag_filter fNone = {0, 1, "[\"prod\"]", "bet"};
  assert_int_equal(store_view_dag_count(p, &fNone, &n, &err), AIRC_OK);
  assert_int_equal(n, 0);
}

static int dag_copy(void *pCtx, const store_view_dag *d) {
  store_view_dag *pOut = pCtx;
  *pOut = *d;
  /* borrowed strings die after the callback: keep only what is checked here */
  pOut->zDagId = pOut->zFileloc = pOut->zCurrentHash = pOut->zTags = NULL;
  pOut->zDescription = d->zDescription ? "set" : NULL;
  pOut->zSchedule = *d->zSchedule ? "set" : "";
  return 0;
}

static void test_dag_get_fields_and_notfound(void **state) {
  store *p = *state;
  airc_err err = {0};
  store_view_dag d;
  assert_int_equal(store_view_dag_get(p, "alpha", dag_copy, &d, &err), AIRC_OK);
  assert_true(d.bActive);
  assert_false(d.bPaused);
  assert_false(d.bImportErrors);
  assert_int_equal(d.nextDagrun, 86400);
  assert_int_equal(d.lastParsedUs, 5000000);
  assert_string_equal(d.zDescription, "set");
  assert_int_equal(store_view_dag_get(p, "beta", dag_copy, &d, &err), AIRC_OK);
  assert_true(d.bImportErrors);
  assert_null(d.zDescription);
  assert_string_equal(d.zSchedule, ""); /* NULL schedule reads as "" */
  assert_true(d.nextDagrun == STORE_VIEW_NULL);
  assert_true(d.lastParsedUs == STORE_VIEW_NULL);

  assert_int_equal(store_view_dag_get(p, "nope", dag_copy, &d, &err), AIRC_ERR_NOTFOUND);
  assert_string_equal(err.zMsg, "DAG 'nope' not found");

  int bFound = -1;
  airc_err e2 = {0};
  assert_int_equal(store_view_dag_exists(p, "gamma", &bFound, &e2), AIRC_OK);
  assert_true(bFound);
  assert_int_equal(store_view_dag_exists(p, "nope", &bFound, &e2), AIRC_OK);
  assert_false(bFound);

  char zHash[16];
  assert_int_equal(store_view_dag_current_hash(p, "alpha", zHash, sizeof(zHash), &e2), AIRC_OK);
  assert_string_equal(zHash, "h1");
  assert_int_equal(store_view_dag_current_hash(p, "gamma", zHash, sizeof(zHash), &e2), AIRC_OK);
  assert_string_equal(zHash, "");
  assert_int_equal(store_view_dag_current_hash(p, "nope", zHash, sizeof(zHash), &e2), AIRC_ERR_NOTFOUND);

  ids t = {{0}, 0, 0};
  assert_int_equal(store_view_dag_task_ids(p, "alpha", task_ids, &t, &e2), AIRC_OK);
  assert_string_equal(t.z, "extract,load,extract"); /* version order; the caller drops repeats */
  ids t2 = {{0}, 0, 0};
  assert_int_equal(store_view_dag_task_ids(p, "gamma", task_ids, &t2, &e2), AIRC_OK);
  assert_int_equal(t2.n, 0);

  int64_t nPaused = -1, nUnpaused = -1;
  assert_int_equal(store_view_dag_active_counts(p, &nPaused, &nUnpaused, &e2), AIRC_OK);
  assert_int_equal(nPaused, 2);
  assert_int_equal(nUnpaused, 1);
}

/* A DAG list walk that asks for each DAG's recent runs inside the callback. */
typedef struct nested {
  store *p;
  ids runs;
  airc_rc rc;
} nested;

static int nested_dag(void *pCtx, const store_view_dag *d) {
  nested *n = pCtx;
  airc_err err = {0};
  n->rc = store_view_run_recent(n->p, d->zDagId, 2, run_ids, &n->runs, &err);
  return n->rc != AIRC_OK;
}

static void test_nested_walk_and_early_stop(void **state) {
  store *p = *state;
  airc_err err = {0};
  store_view_dag_filter f = {-1, 1, NULL, NULL};
  nested n = {p, {{0}, 0, 0}, AIRC_OK};
  assert_int_equal(store_view_dag_list(p, &f, 100, 0, nested_dag, &n, &err), AIRC_OK);
  assert_int_equal(n.rc, AIRC_OK);
  assert_string_equal(n.runs.z, "r3,r2,t1"); /* alpha's newest two, alphabet none, beta's one */

  ids a = {{0}, 0, 1};
  assert_int_equal(store_view_dag_list(p, &f, 100, 0, dag_ids, &a, &err), AIRC_OK);
  assert_string_equal(a.z, "alpha");
  /* the stopped walk left its statement reusable */
  ids b = {{0}, 0, 0};
  assert_int_equal(store_view_dag_list(p, &f, 100, 0, dag_ids, &b, &err), AIRC_OK);
  assert_int_equal(b.n, 3);
}

static int run_copy(void *pCtx, const store_view_run *r) {
  store_view_run *pOut = pCtx;
  *pOut = *r;
  pOut->zConf = r->zConf && strcmp(r->zConf, "{}") ? "conf" : "empty";
  pOut->zRunId = pOut->zDagId = pOut->zState = pOut->zRunType = NULL;
  return 0;
}

static void test_runs(void **state) {
  store *p = *state;
  airc_err err = {0};
  int64_t n = -1;
  assert_int_equal(store_view_run_count(p, "alpha", NULL, &n, &err), AIRC_OK);
  assert_int_equal(n, 3);
  assert_int_equal(store_view_run_count(p, "alpha", "[\"success\",\"failed\"]", &n, &err), AIRC_OK);
  assert_int_equal(n, 2);
  assert_int_equal(store_view_run_count(p, "nope", NULL, &n, &err), AIRC_OK);
  assert_int_equal(n, 0);

  static const struct {
    store_view_run_order e;
    const char *zWant;
  } aCase[] = {
      {STORE_VIEW_RUN_BY_DATE_DESC, "r3,r2,r1"}, {STORE_VIEW_RUN_BY_DATE, "r1,r2,r3"},
      {STORE_VIEW_RUN_BY_START_DESC, "r1,r2,r3"}, {STORE_VIEW_RUN_BY_START, "r3,r2,r1"},
      {STORE_VIEW_RUN_BY_END_DESC, "r1,r3,r2"},   {STORE_VIEW_RUN_BY_END, "r2,r3,r1"},
      {STORE_VIEW_RUN_BY_ID_DESC, "r3,r2,r1"},    {STORE_VIEW_RUN_BY_ID, "r1,r2,r3"},
  };
  for(size_t i = 0; i < sizeof(aCase) / sizeof(aCase[0]); i++) {
    ids a = {{0}, 0, 0};
    assert_int_equal(store_view_run_list(p, "alpha", NULL, aCase[i].e, 100, 0, run_ids, &a, &err), AIRC_OK);
    assert_string_equal(a.z, aCase[i].zWant);
  }
  ids b = {{0}, 0, 0};
  assert_int_equal(store_view_run_list(p, "alpha", "[\"running\",\"failed\"]", STORE_VIEW_RUN_BY_DATE, 1, 1, run_ids, &b,
                                       &err), AIRC_OK);
  assert_string_equal(b.z, "r3");
  assert_int_equal(store_view_run_list(p, "alpha", NULL, STORE_VIEW_RUN_ORDER_COUNT, 1, 0, run_ids, &b, &err),
                   AIRC_ERR_INVALID);

  airc_err e2 = {0};
  store_view_run r;
  assert_int_equal(store_view_run_get(p, "alpha", "r2", run_copy, &r, &e2), AIRC_OK);
  assert_int_equal(r.id, 2);
  assert_int_equal(r.logicalDate, 200);
  assert_int_equal(r.dataIntervalEnd, 300);
  assert_int_equal(r.startUs, 100);
  assert_true(r.endUs == STORE_VIEW_NULL);
  assert_int_equal(r.queuedUs, 20);
  assert_string_equal(r.zConf, "conf");
  assert_int_equal(store_view_run_get(p, "alpha", "r9", run_copy, &r, &e2), AIRC_ERR_NOTFOUND);
  assert_string_equal(e2.zMsg, "DAG 'alpha' has no run 'r9'");

  int64_t pk = -1;
  airc_err e3 = {0};
  assert_int_equal(store_view_run_pk(p, "alpha", "r3", &pk, &e3), AIRC_OK);
  assert_int_equal(pk, 3);
  assert_int_equal(store_view_run_pk(p, "beta", "r3", &pk, &e3), AIRC_ERR_NOTFOUND);
  assert_int_equal(pk, 0);
}

static int ti_copy(void *pCtx, const store_view_ti *t) {
  store_view_ti *pOut = pCtx;
  *pOut = *t;
  pOut->zXcom = t->zXcom ? "xcom" : NULL;
  pOut->zNote = t->zNote ? "note" : NULL;
  pOut->zTaskId = pOut->zState = pOut->zRunId = pOut->zDagId = NULL;
  return 0;
}

static int try_collect(void *pCtx, const store_view_try *t) {
  char *z = pCtx;
  size_t n = strlen(z);
  snprintf(z + n, 256 - n, "[%d %s %lld %s %s]", t->tryNumber, t->zState, (long long)t->startUs,
           t->endUs == STORE_VIEW_NULL ? "-" : "end", t->zNote ? t->zNote : "-");
  return 0;
}

static int mark_collect(void *pCtx, const store_view_ti_mark *m) {
  char *z = pCtx;
  size_t n = strlen(z);
  snprintf(z + n, 256 - n, "[%s %s %lld %d]", m->zTaskId, m->zState, (long long)m->updatedUs, m->maxTries);
  return 0;
}

static void test_task_instances(void **state) {
  store *p = *state;
  airc_err err = {0};
  int64_t n = -1;
  assert_int_equal(store_view_ti_count(p, 1, NULL, &n, &err), AIRC_OK);
  assert_int_equal(n, 2);
  assert_int_equal(store_view_ti_count(p, 1, "[\"failed\"]", &n, &err), AIRC_OK);
  assert_int_equal(n, 1);
  ids a = {{0}, 0, 0};
  assert_int_equal(store_view_ti_list(p, 1, NULL, 100, 0, ti_ids, &a, &err), AIRC_OK);
  assert_string_equal(a.z, "extract,load");
  ids b = {{0}, 0, 0};
  assert_int_equal(store_view_ti_list(p, 1, NULL, 1, 1, ti_ids, &b, &err), AIRC_OK);
  assert_string_equal(b.z, "load");

  store_view_ti t;
  assert_int_equal(store_view_ti_get(p, 1, "extract", ti_copy, &t, &err), AIRC_OK);
  assert_int_equal(t.id, 10);
  assert_string_equal(t.zXcom, "xcom");
  assert_true(t.bDuration);
  assert_true(t.duration == 0.25);
  assert_int_equal(t.pid, 4242);
  assert_int_equal(t.exitCode, 0);
  assert_int_equal(t.logicalDate, 100);
  assert_int_equal(t.tryNumber, 1);
  assert_int_equal(t.maxTries, 2);
  assert_true(t.nextRetryUs == STORE_VIEW_NULL);
  assert_int_equal(store_view_ti_get(p, 2, "extract", ti_copy, &t, &err), AIRC_OK);
  assert_null(t.zXcom);
  assert_false(t.bDuration);
  assert_true(t.pid == STORE_VIEW_NULL);
  assert_true(t.exitCode == STORE_VIEW_NULL);
  assert_true(t.startUs == STORE_VIEW_NULL);
  assert_int_equal(t.nextRetryUs, 9000);
  assert_int_equal(store_view_ti_get(p, 2, "load", ti_copy, &t, &err), AIRC_ERR_NOTFOUND);

  airc_err e2 = {0};
  int nTry = -1;
  char zState[32];
  assert_int_equal(store_view_ti_try_state(p, 1, "load", &nTry, zState, sizeof(zState), &e2), AIRC_OK);
  assert_int_equal(nTry, 2);
  assert_string_equal(zState, "failed");
  assert_int_equal(store_view_ti_try_state(p, 1, "zz", &nTry, zState, sizeof(zState), &e2), AIRC_ERR_NOTFOUND);

  char zTries[256] = "";
  airc_err e3 = {0};
  assert_int_equal(store_view_try_list(p, 11, try_collect, zTries, &e3), AIRC_OK);
  assert_string_equal(zTries, "[1 failed 1000000 end -][2 failed 2000000 - again]");

  char zMarks[256] = "";
  assert_int_equal(store_view_ti_marks(p, 2, mark_collect, zMarks, &e3), AIRC_OK);
  assert_string_equal(zMarks, "[extract up_for_retry 0 3]");
}

static int cell_collect(void *pCtx, const store_view_cell *c) {
  char *z = pCtx;
  size_t n = strlen(z);
  snprintf(z + n, 256 - n, "[%lld %s %s]", (long long)c->runPk, c->zTaskId, c->zState ? c->zState : "NULL");
  return 0;
}

static void test_grid_cells(void **state) {
  store *p = *state;
  airc_err err = {0};
  char z[256] = "";
  assert_int_equal(store_view_grid_cells(p, "alpha", 2, cell_collect, z, &err), AIRC_OK);
  /* the newest two runs (2 and 3), grouped by run */
  assert_non_null(strstr(z, "[2 extract up_for_retry]"));
  assert_non_null(strstr(z, "[3 extract none]"));
  assert_non_null(strstr(z, "[3 old_task running]"));
  assert_null(strstr(z, "[1 "));
  assert_true(strstr(z, "[2 ") < strstr(z, "[3 "));
}

static int cell_collect_mapped(void *pCtx, const store_view_cell *c) {
  char *z = pCtx;
  size_t n = strlen(z);
  snprintf(z + n, 512 - n, "[%lld %s %s %d]", (long long)c->runPk, c->zTaskId, c->zState, c->nMapped);
  return 0;
}

/* A mapped task's instances are one cell, summed up as the scheduler does
 * (running while any is unfinished, then failed, upstream_failed, success,
 * else skipped); an unmapped task's is its own state. Last in the list:
 * it adds rows (to DAG gamma only). */
static void test_grid_cells_sum_mapped_tasks(void **state) {
  store *p = *state;
  airc_err err = {0};
  assert_int_equal(store_run_sql(p,
      "INSERT INTO dag_run(id, dag_id, run_id, run_type, logical_date, data_interval_start, data_interval_end,"
      " conf, state, dag_hash, is_test) VALUES (7,'gamma','g1','manual',10,10,10,'{}','running','h1',0),"
      " (8,'gamma','g2','manual',20,20,20,'{}','running','h1',0)", &err), AIRC_OK);
  assert_int_equal(store_run_sql(p,
      "INSERT INTO task_instance(id, run_pk, dag_id, task_id, state, map_index) VALUES"
      " (70,7,'gamma','a_fan','success',0), (71,7,'gamma','a_fan','failed',1), (72,7,'gamma','a_fan','skipped',2),"
      " (73,7,'gamma','b_fan','success',0), (74,7,'gamma','b_fan','running',1),"
      " (75,7,'gamma','c_fan','upstream_failed',0), (76,7,'gamma','c_fan','success',1),"
      " (77,7,'gamma','d_plain','queued',-1),"
      " (80,8,'gamma','a_fan','success',0), (81,8,'gamma','a_fan','skipped',1),"
      " (82,8,'gamma','b_fan','skipped',0), (83,8,'gamma','b_fan','skipped',1),"
      " (84,8,'gamma','c_fan','failed',0),"
      " (85,8,'gamma','d_plain','success',-1)", &err), AIRC_OK);
  char z[512] = "";
  assert_int_equal(store_view_grid_cells(p, "gamma", 25, cell_collect_mapped, z, &err), AIRC_OK);
  assert_string_equal(z, "[7 a_fan failed 3][7 b_fan running 2][7 c_fan upstream_failed 2][7 d_plain queued 0]"
                         "[8 a_fan success 2][8 b_fan skipped 2][8 c_fan failed 1][8 d_plain success 0]");
}

static int import_error_collect(void *pCtx, const store_view_import_error *e) {
  char *z = pCtx;
  size_t n = strlen(z);
  snprintf(z + n, 256 - n, "[%s|%s|%lld]", e->zFileloc, e->zMessage, (long long)e->timestampUs);
  return e->id <= 0; /* ids are positive */
}

static void test_import_errors_and_scheduler(void **state) {
  store *p = *state;
  airc_err err = {0};
  int64_t n = -1;
  assert_int_equal(store_view_import_error_count(p, &n, &err), AIRC_OK);
  assert_int_equal(n, 2);
  char z[256] = "";
  assert_int_equal(store_view_import_error_list(p, 10, 0, import_error_collect, z, &err), AIRC_OK);
  assert_string_equal(z, "[/d/zeta.ini|zeta.ini:1: no [dag]|3000000][/d/beta.ini|beta.ini:3: bad schedule|2000000]");
  char z2[256] = "";
  assert_int_equal(store_view_import_error_list(p, 1, 1, import_error_collect, z2, &err), AIRC_OK);
  assert_string_equal(z2, "[/d/beta.ini|beta.ini:3: bad schedule|2000000]");

  int64_t v = 0;
  assert_int_equal(store_view_scheduler_int(p, "heartbeat_us", 0, &v, &err), AIRC_OK);
  assert_int_equal(v, 123456789);
  assert_int_equal(store_view_scheduler_int(p, "loop_lag_us", -1, &v, &err), AIRC_OK); /* NULL value */
  assert_int_equal(v, -1);
  assert_int_equal(store_view_scheduler_int(p, "missing", 7, &v, &err), AIRC_OK);
  assert_int_equal(v, 7);
}

static int count_collect(void *pCtx, const store_view_count *c) {
  char *z = pCtx;
  size_t n = strlen(z);
  snprintf(z + n, 256 - n, "%s=%lld;", c->zKey, (long long)c->n);
  return 0;
}

static int durations_collect(void *pCtx, const store_view_durations *d) {
  char *z = pCtx;
  size_t n = strlen(z);
  n += (size_t)snprintf(z + n, 256 - n, "%s n=%lld sum=%.2f le=", d->zDagId, (long long)d->n, d->sum);
  for(int i = 0; i < STORE_VIEW_N_BUCKET; i++) n += (size_t)snprintf(z + n, 256 - n, "%lld,", (long long)d->anLe[i]);
  return 0;
}

static void test_metrics(void **state) {
  store *p = *state;
  airc_err err = {0};
  char z[256] = "";
  assert_int_equal(store_view_run_state_counts(p, count_collect, z, &err), AIRC_OK);
  assert_string_equal(z, "failed=1;running=1;success=1;"); /* the test run is left out */
  char z2[256] = "";
  assert_int_equal(store_view_ti_state_counts(p, count_collect, z2, &err), AIRC_OK);
  assert_string_equal(z2, "failed=1;none=1;running=1;success=1;up_for_retry=1;");
  char z3[256] = "";
  assert_int_equal(store_view_task_durations(p, durations_collect, z3, &err), AIRC_OK);
  /* finished with a duration: 0.25 s and 2 s (the running 4000 s one is left out) */
  assert_string_equal(z3, "alpha n=2 sum=2.25 le=0,1,1,2,2,2,2,2,2,");
  assert_true(store_view_aDurationBucket[0] == 0.1 && store_view_aDurationBucket[STORE_VIEW_N_BUCKET - 1] == 3600);
}

/* What the web server's response cache keys on: another connection's
 * commit moves the counter, and so does this connection's own. */
static void test_change_counter_moves(void **state) {
  store *p = *state;
  airc_err err = {0};
  uint64_t v0 = store_change_counter(p);
  assert_true(v0 != 0);
  assert_true(store_change_counter(p) == v0);
  store *q = NULL;
  assert_int_equal(store_open(g_zDb, &q, &err), AIRC_OK);
  assert_int_equal(store_run_sql(q, "UPDATE dag SET is_paused=1 WHERE dag_id='alpha'", &err), AIRC_OK);
  store_close(q);
  uint64_t v1 = store_change_counter(p);
  assert_true(v1 != v0);
  assert_int_equal(store_run_sql(p, "UPDATE dag SET is_paused=0 WHERE dag_id='alpha'", &err), AIRC_OK);
  assert_true(store_change_counter(p) != v1);
}

/* ---- command-line reads ---- */

static void test_cli_run_list_no_test(void **state) {
  store *p = *state;
  airc_err err = {0};
  ids a = {{0}, 0, 0};
  assert_int_equal(store_view_run_list_no_test(p, "alpha", NULL, 100, 0, run_ids, &a, &err), AIRC_OK);
  assert_string_equal(a.z, "r3,r2,r1");
  ids b = {{0}, 0, 0};
  assert_int_equal(store_view_run_list_no_test(p, "alpha", "failed", 100, 0, run_ids, &b, &err), AIRC_OK);
  assert_string_equal(b.z, "r2");
  ids c = {{0}, 0, 0};
  assert_int_equal(store_view_run_list_no_test(p, "alpha", NULL, 1, 1, run_ids, &c, &err), AIRC_OK);
  assert_string_equal(c.z, "r2");
  ids d = {{0}, 0, 0}; /* beta's only run is a test run */
  assert_int_equal(store_view_run_list_no_test(p, "beta", NULL, 100, 0, run_ids, &d, &err), AIRC_OK);
  assert_int_equal(d.n, 0);
}

static void test_cli_run_progress(void **state) {
  store *p = *state;
  airc_err err = {0};
  store_view_run_progress pg;
  assert_int_equal(store_view_run_progress_get(p, "alpha", "r1", &pg, &err), AIRC_OK);
  assert_string_equal(pg.zState, "success");
  assert_int_equal(pg.nTotal, 2);
  assert_int_equal(pg.nDone, 2);
  assert_int_equal(pg.nRunning, 0);
  assert_int_equal(pg.nFailed, 1);
  assert_int_equal(pg.nRetry, 0);
  assert_int_equal(store_view_run_progress_get(p, "alpha", "r2", &pg, &err), AIRC_OK);
  assert_int_equal(pg.nRetry, 1);
  assert_int_equal(pg.nDone, 0);
  assert_int_equal(store_view_run_progress_get(p, "alpha", "r3", &pg, &err), AIRC_OK);
  assert_string_equal(pg.zState, "running");
  assert_int_equal(pg.nRunning, 1);
  assert_int_equal(pg.nTotal, 2);
  /* a run without task instances counts zeros, not NULLs */
  assert_int_equal(store_view_run_progress_get(p, "beta", "t1", &pg, &err), AIRC_OK);
  assert_int_equal(pg.nTotal, 0);
  assert_int_equal(pg.nDone, 0);
  assert_int_equal(store_view_run_progress_get(p, "alpha", "nope", &pg, &err), AIRC_ERR_NOTFOUND);
  assert_string_equal(err.zMsg, "DAG 'alpha' has no run 'nope'");
}

static void test_cli_run_at_date(void **state) {
  store *p = *state;
  airc_err err = {0};
  char zRun[64], zState[32];
  assert_int_equal(store_view_run_at_date(p, "alpha", 200, zRun, sizeof(zRun), zState, sizeof(zState), &err), AIRC_OK);
  assert_string_equal(zRun, "r2");
  assert_string_equal(zState, "failed");
  /* a test run does not count */
  assert_int_equal(store_view_run_at_date(p, "beta", 50, zRun, sizeof(zRun), zState, sizeof(zState), &err), AIRC_OK);
  assert_string_equal(zRun, "");
  assert_string_equal(zState, "");
  /* a backfill run wins over newer manual ones at the same date */
  assert_int_equal(store_run_sql(p,
      "INSERT INTO dag_run(id, dag_id, run_id, run_type, logical_date, data_interval_start, data_interval_end, conf,"
      " state, dag_hash, is_test) VALUES (20,'gamma','m1','manual',500,500,500,'{}','success','h1',0),"
      " (21,'gamma','b1','backfill',500,500,500,'{}','failed','h1',0),"
      " (22,'gamma','m2','manual',500,500,500,'{}','queued','h1',0),"
      " (23,'gamma','m3','manual',600,600,600,'{}','queued','h1',0),"
      " (24,'gamma','m4','manual',600,600,600,'{}','running','h1',0)", &err), AIRC_OK);
  assert_int_equal(store_view_run_at_date(p, "gamma", 500, zRun, sizeof(zRun), zState, sizeof(zState), &err), AIRC_OK);
  assert_string_equal(zRun, "b1");
  assert_string_equal(zState, "failed");
  /* else the newest */
  assert_int_equal(store_view_run_at_date(p, "gamma", 600, zRun, sizeof(zRun), zState, sizeof(zState), &err), AIRC_OK);
  assert_string_equal(zRun, "m4");
  assert_int_equal(store_run_sql(p, "DELETE FROM dag_run WHERE dag_id='gamma'", &err), AIRC_OK);
}

static int ti_logs(void *pCtx, const char *zTaskId, const char *zLogPath) {
  char z[256];
  snprintf(z, sizeof(z), "%s:%s", zTaskId, zLogPath);
  return ids_add(pCtx, z);
}

static void test_cli_ti_log_each(void **state) {
  store *p = *state;
  airc_err err = {0};
  assert_int_equal(store_run_sql(p, "UPDATE task_instance SET log_path='/l/11.log' WHERE id=11", &err), AIRC_OK);
  ids a = {{0}, 0, 0};
  assert_int_equal(store_view_ti_log_each(p, 1, "failed", ti_logs, &a, &err), AIRC_OK);
  assert_string_equal(a.z, "load:/l/11.log");
  ids b = {{0}, 0, 0};
  assert_int_equal(store_view_ti_log_each(p, 1, NULL, ti_logs, &b, &err), AIRC_OK);
  assert_string_equal(b.z, "extract:,load:/l/11.log");
  ids c = {{0}, 0, 1}; /* early stop */
  assert_int_equal(store_view_ti_log_each(p, 1, NULL, ti_logs, &c, &err), AIRC_OK);
  assert_int_equal(c.n, 1);
  ids d = {{0}, 0, 0};
  assert_int_equal(store_view_ti_log_each(p, 999, NULL, ti_logs, &d, &err), AIRC_OK);
  assert_int_equal(d.n, 0);
  assert_int_equal(store_run_sql(p, "UPDATE task_instance SET log_path=NULL WHERE id=11", &err), AIRC_OK);
}

int main(void) {
  const struct CMUnitTest aTest[] = {
      cmocka_unit_test(test_dag_count_and_list_filters),
      cmocka_unit_test(test_dag_get_fields_and_notfound),
      cmocka_unit_test(test_nested_walk_and_early_stop),
      cmocka_unit_test(test_runs),
      cmocka_unit_test(test_task_instances),
      cmocka_unit_test(test_grid_cells),
      cmocka_unit_test(test_import_errors_and_scheduler),
      cmocka_unit_test(test_metrics),
      cmocka_unit_test(test_change_counter_moves),
      cmocka_unit_test(test_cli_run_list_no_test),
      cmocka_unit_test(test_cli_run_progress),
      cmocka_unit_test(test_cli_run_at_date),
      cmocka_unit_test(test_cli_ti_log_each),
      cmocka_unit_test(test_grid_cells_sum_mapped_tasks),
  };
  return cmocka_run_group_tests(aTest, setup, teardown);
}
