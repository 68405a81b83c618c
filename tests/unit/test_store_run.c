/* test_store_run.c: unit tests of store/store_run.c and store/store_dag.c
 * on a temporary SQLite store: DAG rows and versions (upsert, version put,
 * load, deactivate, import errors), run creation (default and chosen ids,
 * duplicate -> AIRC_ERR_EXISTS, invalid id, unknown DAG, rollback of the
 * caller's transaction), clearing (regex + downstream, only-failed,
 * running/queued skipped, bad regex, unknown run), marking and pausing.
 * Rows are checked through store_int.h's statement helpers. */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "executor/task_type.h"
#include "store/store_dag.h"
#include "store/store_int.h"
#include "store/store_run.h"
#include "store/store_views.h"
#include "store/store_control.h"
#include "dag/tick_planner.h"
#include "tests/unit/store_test_target.h"

/* a -> b -> c, and d alone; b retries twice */
static const char zDagIni[] =
    "[dag]\n"
    "id = tdag\n"
    "description = test DAG\n"
    "schedule = @daily\n"
    "start_date = 2024-01-01T00:00:00Z\n"
    "tags = t1, t2\n"
    "[task a]\n"
    "type = shell\n"
    "command = true\n"
    "[task b]\n"
    "type = shell\n"
    "command = true\n"
    "upstream = a\n"
    "retries = 2\n"
    "[task c]\n"
    "type = shell\n"
    "command = true\n"
    "upstream = b\n"
    "[task d]\n"
    "type = shell\n"
    "command = true\n";

typedef struct fixture {
  char zDir[64];
  char zDb[128];
  store *s;
  dag *d;
} fixture;

static int fx_setup(void **ppState) {
  fixture *f = calloc(1, sizeof(*f));
  snprintf(f->zDir, sizeof(f->zDir), "/tmp/airc-test-store-run-XXXXXX");
  if(!mkdtemp(f->zDir)) return -1;
  setenv("AIRC_HOME", f->zDir, 1); /* the doorbell rings nobody's scheduler */
  if(store_test_target(f->zDir, f->zDb, sizeof(f->zDb))) return -1;
  airc_err err = {0};
  if(store_open(f->zDb, &f->s, &err)) fail_msg("%s", err.zMsg);
  if(dag_parse_buffer("tdag.ini", zDagIni, sizeof(zDagIni) - 1, task_type_schemas(), &f->d, &err)) fail_msg("%s", err.zMsg);
  if(store_dag_version_put(f->s, f->d, 1, &err)) fail_msg("%s", err.zMsg);
  if(store_dag_upsert(f->s, f->d, "/dags/tdag.ini", 1, 2, &err)) fail_msg("%s", err.zMsg);
  *ppState = f;
  return 0;
}

static int fx_teardown(void **ppState) {
  fixture *f = *ppState;
  store_close(f->s);
  dag_free(f->d);
  store_test_remove(f->zDir, f->zDb);
  free(f);
  return 0;
}

/* One text column of one row ("" for NULL, "<none>" if no row). */
static const char *q_text(store *s, const char *zSql, const char *zArg1, const char *zArg2, char *zOut, size_t n) {
  airc_err err = {0};
  store_stmt *st = store_stmt_prepare(s, zSql, &err);
  if(!st) fail_msg("%s", err.zMsg);
  if(zArg1) store_bind_text(st, 1, zArg1);
  if(zArg2) store_bind_text(st, 2, zArg2);
  int r = store_stmt_step(st, &err);
  snprintf(zOut, n, "%s", r == STORE_ROW ? store_col_str(st, 0) : "<none>");
  store_stmt_done(st);
  if(r == STORE_ERROR) fail_msg("%s", err.zMsg);
  return zOut;
}

static const char *ti_state(fixture *f, const char *zRunId, const char *zTask) {
  static char z[64];
  return q_text(f->s, "SELECT t.state FROM task_instance t JOIN dag_run r ON r.id=t.run_pk"
                      " WHERE r.run_id=? AND t.task_id=?", zRunId, zTask, z, sizeof(z));
}

static const char *run_state(fixture *f, const char *zRunId) {
  static char z[64];
  return q_text(f->s, "SELECT state FROM dag_run WHERE run_id=?", zRunId, NULL, z, sizeof(z));
}

static void ti_set(fixture *f, const char *zRunId, const char *zTask, const char *zState) {
  airc_err err = {0};
  store_stmt *st = store_stmt_prepare(f->s,
      "UPDATE task_instance SET state=?, try_number=1, note='old'"
      " WHERE task_id=? AND run_pk=(SELECT id FROM dag_run WHERE run_id=?)", &err);
  assert_non_null(st);
  store_bind_text(st, 1, zState);
  store_bind_text(st, 2, zTask);
  store_bind_text(st, 3, zRunId);
  assert_int_equal(store_stmt_step(st, &err), STORE_DONE);
  store_stmt_done(st);
}

static void run_set(fixture *f, const char *zRunId, const char *zState) {
  airc_err err = {0};
  store_stmt *st = store_stmt_prepare(f->s, "UPDATE dag_run SET state=? WHERE run_id=?", &err);
  assert_non_null(st);
  store_bind_text(st, 1, zState);
  store_bind_text(st, 2, zRunId);
  assert_int_equal(store_stmt_step(st, &err), STORE_DONE);
  store_stmt_done(st);
}

static void create_run(fixture *f, const char *zRunId) {
  run_spec spec = {"tdag", zRunId, RUN_TYPE_MANUAL, 1704067200, NULL, 0, NULL};
  airc_err err = {0};
  if(store_run_create(f->s, &spec, NULL, NULL, &err)) fail_msg("%s", err.zMsg);
}

static void test_dag_rows_and_load(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  char z[256];
  /* new DAGs start paused as asked, with the file, tags and current version */
  assert_string_equal(q_text(f->s, "SELECT is_paused||' '||is_active||' '||fileloc||' '||tags||' '||description"
                                   " FROM dag WHERE dag_id=?", "tdag", NULL, z, sizeof(z)),
                      "1 1 /dags/tdag.ini [\"t1\",\"t2\"] test DAG");
  assert_string_equal(q_text(f->s, "SELECT current_hash FROM dag WHERE dag_id=?", "tdag", NULL, z, sizeof(z)), f->d->zHash);
  int bActive = 0;
  assert_int_equal(store_dag_file_get(f->s, "tdag", z, sizeof(z), &bActive, &err), AIRC_OK);
  assert_string_equal(z, "/dags/tdag.ini");
  assert_int_equal(bActive, 1);
  assert_int_equal(store_dag_file_get(f->s, "nope", z, sizeof(z), &bActive, &err), AIRC_OK);
  assert_string_equal(z, "");
  assert_int_equal(bActive, 0);
  /* the same version twice is one row; upserting again keeps is_paused */
  assert_int_equal(store_dag_set_paused(f->s, "tdag", 0, &err), AIRC_OK);
  assert_int_equal(store_dag_version_put(f->s, f->d, 3, &err), AIRC_OK);
  assert_int_equal(store_dag_upsert(f->s, f->d, "/dags/moved.ini", 1, 4, &err), AIRC_OK);
  assert_string_equal(q_text(f->s, "SELECT count(*) FROM dag_version WHERE dag_id=?", "tdag", NULL, z, sizeof(z)), "1");
  assert_string_equal(q_text(f->s, "SELECT is_paused||' '||fileloc FROM dag WHERE dag_id=?", "tdag", NULL, z, sizeof(z)),
                      "0 /dags/moved.ini");
  /* load: current version and by hash */
  dag *d = NULL;
  assert_int_equal(store_dag_load(f->s, "tdag", &d, &err), AIRC_OK);
  assert_int_equal(d->nTask, 4);
  assert_string_equal(d->zHash, f->d->zHash);
  dag_free(d);
  d = NULL;
  assert_int_equal(store_dag_load_version(f->s, f->d->zHash, &d, &err), AIRC_OK);
  assert_string_equal(d->zId, "tdag");
  dag_free(d);
  d = NULL;
  assert_int_equal(store_dag_load_version(f->s, "0123456789abcdef", &d, &err), AIRC_ERR_NOTFOUND);
  assert_string_equal(err.zMsg, "DAG version 0123456789ab not found");
  assert_null(d);
  airc_err_clear(&err);
  assert_int_equal(store_dag_load(f->s, "nope", &d, &err), AIRC_ERR_NOTFOUND);
  assert_string_equal(err.zMsg, "DAG 'nope' not found");
  airc_err_clear(&err);
  /* a deactivated DAG no longer loads, but its versions do */
  assert_int_equal(store_dag_deactivate(f->s, "tdag", &err), AIRC_OK);
  assert_int_equal(store_dag_load(f->s, "tdag", &d, &err), AIRC_ERR_NOTFOUND);
  airc_err_clear(&err);
  assert_int_equal(store_dag_load_version(f->s, f->d->zHash, &d, &err), AIRC_OK);
  dag_free(d);
}

static int count_row(void *pCtx, const store_dag_file_row *pRow) {
  (void)pRow;
  (*(int *)pCtx)++;
  return 0;
}

static int collect_file(void *pCtx, const char *zFile) {
  strcat((char *)pCtx, zFile);
  strcat((char *)pCtx, ";");
  return 0;
}

static void test_active_each_and_import_errors(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  int n = 0;
  assert_int_equal(store_dag_active_each(f->s, count_row, &n, &err), AIRC_OK);
  assert_int_equal(n, 1);
  assert_int_equal(store_dag_deactivate(f->s, "tdag", &err), AIRC_OK);
  n = 0;
  assert_int_equal(store_dag_active_each(f->s, count_row, &n, &err), AIRC_OK);
  assert_int_equal(n, 0);

  char z[256];
  assert_int_equal(store_import_error_set(f->s, "/dags/x.ini", "x.ini:1: bad", 10, &err), AIRC_OK);
  assert_int_equal(store_import_error_set(f->s, "/dags/y.ini", "y.ini:2: bad", 10, &err), AIRC_OK);
  /* same message: timestamp kept; new message: replaced */
  assert_int_equal(store_import_error_set(f->s, "/dags/x.ini", "x.ini:1: bad", 20, &err), AIRC_OK);
  assert_string_equal(q_text(f->s, "SELECT message||' '||timestamp_us FROM import_error WHERE fileloc=?", "/dags/x.ini",
                             NULL, z, sizeof(z)), "x.ini:1: bad 10");
  assert_int_equal(store_import_error_set(f->s, "/dags/x.ini", "x.ini:3: worse", 30, &err), AIRC_OK);
  assert_string_equal(q_text(f->s, "SELECT message||' '||timestamp_us FROM import_error WHERE fileloc=?", "/dags/x.ini",
                             NULL, z, sizeof(z)), "x.ini:3: worse 30");
  assert_int_equal(store_import_error_clear(f->s, "/dags/y.ini", &err), AIRC_OK);
  assert_int_equal(store_import_error_clear(f->s, "/dags/never.ini", &err), AIRC_OK);
  char zFiles[256] = "";
  assert_int_equal(store_import_error_each_file(f->s, collect_file, zFiles, &err), AIRC_OK);
  assert_string_equal(zFiles, "/dags/x.ini;");
}

static void test_run_create(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  char zRunId[STORE_RUN_ID_MAX], z[256];
  int64_t pk = 0;
  json_t *pConf = json_pack("{s:i}", "k", 1);
  run_spec spec = {"tdag", "r1", RUN_TYPE_MANUAL, 1704067200, pConf, 0, NULL};
  assert_int_equal(store_run_create(f->s, &spec, &pk, zRunId, &err), AIRC_OK);
  assert_true(pk > 0);
  assert_string_equal(zRunId, "r1");
  assert_string_equal(q_text(f->s, "SELECT state||' '||run_type||' '||conf||' '||logical_date||' '||data_interval_start"
                                   " FROM dag_run WHERE run_id=?", "r1", NULL, z, sizeof(z)),
                      "queued manual {\"k\":1} 1704067200 1703980800");
  assert_string_equal(q_text(f->s, STORE_SQL2(f->s, "SELECT group_concat(task_id||':'||state||':'||max_tries, ' ')"
                                   " FROM (SELECT * FROM task_instance WHERE dag_id=? ORDER BY task_id)",
                                   "SELECT string_agg(task_id||':'||state||':'||max_tries, ' ' ORDER BY task_id)"
                                   " FROM task_instance WHERE dag_id=$1"),
                             "tdag", NULL, z, sizeof(z)),
                      "a:none:1 b:none:3 c:none:1 d:none:1");
  /* duplicate id */
  int64_t pk2 = -7;
  assert_int_equal(store_run_create(f->s, &spec, &pk2, zRunId, &err), AIRC_ERR_EXISTS);
  assert_string_equal(err.zMsg, "DAG 'tdag' already has a run with id 'r1'");
  assert_int_equal(pk2, -7);
  assert_string_equal(q_text(f->s, "SELECT count(*) FROM dag_run", NULL, NULL, z, sizeof(z)), "1");
  airc_err_clear(&err);
  /* invalid id, unknown DAG */
  spec.zRunId = "has space";
  assert_int_equal(store_run_create(f->s, &spec, NULL, NULL, &err), AIRC_ERR_INVALID);
  assert_non_null(strstr(err.zMsg, "run id has byte 0x20 at position 4"));
  airc_err_clear(&err);
  run_spec other = {"nope", NULL, RUN_TYPE_MANUAL, -1, NULL, 0, NULL};
  assert_int_equal(store_run_create(f->s, &other, NULL, NULL, &err), AIRC_ERR_NOTFOUND);
  assert_string_equal(err.zMsg, "DAG 'nope' not found");
  airc_err_clear(&err);
  /* default id from type and logical date; test runs keep their state */
  run_spec back = {"tdag", NULL, RUN_TYPE_BACKFILL, 1704153600, NULL, 1, "running"};
  assert_int_equal(store_run_create(f->s, &back, NULL, zRunId, &err), AIRC_OK);
  assert_string_equal(zRunId, "backfill__2024-01-02T00:00:00+00:00");
  assert_string_equal(run_state(f, zRunId), "running");
  json_decref(pConf);
}

/* Task instances are created in the DAG's task order (ids ascending),
 * with their pool, slots and tries, whatever their ids' characters (on
 * PostgreSQL they travel in array literals: quotes and braces must
 * survive). */
static void test_run_create_task_rows(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  static const char zOdd[] =
      "[dag]\nid = odd\nschedule = none\nstart_date = 2024-01-01T00:00:00Z\n"
      "[task z\"q]\ntype = shell\ncommand = true\npool = p1\npool_slots = 2\nretries = 1\n"
      "[task b{1}]\ntype = shell\ncommand = true\n"
      "[task a.\"\"]\ntype = shell\ncommand = true\npool = p-2\n";
  dag *d = NULL;
  if(dag_parse_buffer("odd.ini", zOdd, sizeof(zOdd) - 1, task_type_schemas(), &d, &err)) fail_msg("%s", err.zMsg);
  if(store_dag_version_put(f->s, d, 1, &err) || store_dag_upsert(f->s, d, "/dags/odd.ini", 0, 2, &err))
    fail_msg("%s", err.zMsg);
  run_spec spec = {"odd", "r1", RUN_TYPE_MANUAL, 1704067200, NULL, 0, NULL};
  assert_int_equal(store_run_create(f->s, &spec, NULL, NULL, &err), AIRC_OK);
  char z[512];
  assert_string_equal(q_text(f->s, STORE_SQL2(f->s, "SELECT group_concat(task_id||':'||state||':'||max_tries||':'||pool"
                                   "||':'||pool_slots, ' ') FROM (SELECT * FROM task_instance WHERE dag_id=? ORDER BY id)",
                                   "SELECT string_agg(task_id||':'||state||':'||max_tries||':'||pool||':'||pool_slots,"
                                   " ' ' ORDER BY id) FROM task_instance WHERE dag_id=$1"),
                             "odd", NULL, z, sizeof(z)),
                      "z\"q:none:2:p1:2 b{1}:none:1:default_pool:1 a.\"\":none:1:p-2:1");
  dag_free(d);
}

static void test_run_create_for_rolls_back_with_caller(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  char z[64];
  run_spec spec = {"tdag", "inner", RUN_TYPE_SCHEDULED, 1704067200, NULL, 0, NULL};
  assert_int_equal(store_begin(f->s, &err), AIRC_OK);
  assert_int_equal(store_run_create_for(f->s, f->d, &spec, NULL, NULL, &err), AIRC_OK);
  assert_string_equal(run_state(f, "inner"), "queued");
  store_rollback(f->s);
  assert_string_equal(run_state(f, "inner"), "<none>");
  assert_string_equal(q_text(f->s, "SELECT count(*) FROM task_instance", NULL, NULL, z, sizeof(z)), "0");
}

static void test_run_clear(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  char z[128];
  int nCleared = -1, nSkipped = -1;
  create_run(f, "r1");
  ti_set(f, "r1", "a", "success");
  ti_set(f, "r1", "b", "failed");
  ti_set(f, "r1", "c", "upstream_failed");
  ti_set(f, "r1", "d", "running");
  run_set(f, "r1", "failed");
  /* a and its downstream b, c; only failed: a is skipped */
  regex_t reA, reB;
  assert_int_equal(regcomp(&reA, "^a$", REG_EXTENDED | REG_NOSUB), 0);
  assert_int_equal(regcomp(&reB, "^b$", REG_EXTENDED | REG_NOSUB), 0);
  assert_int_equal(store_run_clear(f->s, "tdag", "r1", &reA, 1, 1, &nCleared, &nSkipped, &err), AIRC_OK);
  assert_int_equal(nCleared, 2);
  assert_int_equal(nSkipped, 1);
  assert_string_equal(ti_state(f, "r1", "a"), "success");
  assert_string_equal(ti_state(f, "r1", "b"), "none");
  assert_string_equal(ti_state(f, "r1", "c"), "none");
  assert_string_equal(ti_state(f, "r1", "d"), "running");
  assert_string_equal(run_state(f, "r1"), "queued");
  /* a cleared task gets a fresh set of tries and loses its note */
  assert_string_equal(q_text(f->s, "SELECT max_tries||' '||coalesce(note,'-') FROM task_instance WHERE task_id=?", "b",
                             NULL, z, sizeof(z)), "4 -");
  /* without downstream only the match */
  ti_set(f, "r1", "b", "failed");
  ti_set(f, "r1", "c", "failed");
  assert_int_equal(store_run_clear(f->s, "tdag", "r1", &reB, 0, 0, &nCleared, &nSkipped, &err), AIRC_OK);
  assert_int_equal(nCleared, 1);
  assert_int_equal(nSkipped, 0);
  assert_string_equal(ti_state(f, "r1", "c"), "failed");
  /* all: the running task is skipped */
  run_set(f, "r1", "failed");
  assert_int_equal(store_run_clear(f->s, "tdag", "r1", NULL, 0, 0, &nCleared, &nSkipped, &err), AIRC_OK);
  assert_int_equal(nCleared, 3);
  assert_int_equal(nSkipped, 1);
  assert_string_equal(ti_state(f, "r1", "d"), "running");
  /* nothing cleared: the run keeps its state */
  ti_set(f, "r1", "a", "queued");
  ti_set(f, "r1", "b", "running");
  ti_set(f, "r1", "c", "running");
  run_set(f, "r1", "running");
  assert_int_equal(store_run_clear(f->s, "tdag", "r1", NULL, 0, 0, &nCleared, &nSkipped, &err), AIRC_OK);
  assert_int_equal(nCleared, 0);
  assert_int_equal(nSkipped, 4);
  assert_string_equal(run_state(f, "r1"), "running");
  /* errors */
  regfree(&reA);
  regfree(&reB);
  assert_int_equal(store_run_clear(f->s, "tdag", "r$(id)", NULL, 0, 0, &nCleared, &nSkipped, &err), AIRC_ERR_INVALID);
  airc_err_clear(&err);
  assert_int_equal(store_run_clear(f->s, "tdag", "nope", NULL, 0, 0, &nCleared, &nSkipped, &err), AIRC_ERR_NOTFOUND);
  assert_string_equal(err.zMsg, "DAG 'tdag' has no run 'nope'");
}

static void test_ti_mark(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  char z[128];
  create_run(f, "r1");
  ti_set(f, "r1", "b", "failed");
  ti_set(f, "r1", "d", "running");
  run_set(f, "r1", "failed");
  assert_int_equal(store_ti_mark(f->s, "tdag", "r1", "b", "success", &err), AIRC_OK);
  assert_string_equal(q_text(f->s, "SELECT state||' '||note||' '||(CASE WHEN end_us IS NOT NULL THEN 1 ELSE 0 END) FROM task_instance WHERE task_id=?",
                             "b", NULL, z, sizeof(z)), "success marked success 1");
  assert_string_equal(run_state(f, "r1"), "running"); /* re-evaluated by the scheduler */
  run_set(f, "r1", "queued");
  assert_int_equal(store_ti_mark(f->s, "tdag", "r1", "a", "skipped", &err), AIRC_OK);
  assert_string_equal(ti_state(f, "r1", "a"), "skipped");
  assert_string_equal(run_state(f, "r1"), "queued"); /* only a finished run is reopened */
  /* errors */
  /* a running try: marked at once, with a stop request for the scheduler */
  assert_int_equal(store_ti_mark(f->s, "tdag", "r1", "d", "failed", &err), AIRC_OK);
  assert_string_equal(ti_state(f, "r1", "d"), "failed");
  assert_string_equal(q_text(f->s, "SELECT count(*) FROM ti_stop_request WHERE ti_id=(SELECT id FROM task_instance"
                                   " WHERE task_id=?)", "d", NULL, z, sizeof(z)), "1");
  /* errors */
  assert_int_equal(store_ti_mark(f->s, "tdag", "r1", "b", "running", &err), AIRC_ERR_INVALID);
  assert_string_equal(err.zMsg, "state must be success, failed or skipped, not 'running'");
  airc_err_clear(&err);
  assert_int_equal(store_ti_mark(f->s, "tdag", "r1", "zz", "failed", &err), AIRC_ERR_NOTFOUND);
  assert_string_equal(err.zMsg, "run 'r1' of DAG 'tdag' has no task 'zz'");
  airc_err_clear(&err);
  assert_int_equal(store_ti_mark(f->s, "tdag", "r9", "a", "failed", &err), AIRC_ERR_NOTFOUND);
  assert_string_equal(err.zMsg, "DAG 'tdag' has no run 'r9'");
}

/* store_control.h: run state as Airflow 2.10, run and DAG deletion, notes,
 * the backfill planner's decisions. */
static void test_control(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  char z[128];
  int nStopped = -1;
  create_run(f, "r1");
  ti_set(f, "r1", "a", "success");
  ti_set(f, "r1", "b", "running");
  assert_int_equal(store_run_set_state_as_user(f->s, "tdag", "r1", "failed", &nStopped, &err), AIRC_OK);
  assert_int_equal(nStopped, 1);
  assert_string_equal(run_state(f, "r1"), "failed");
  assert_string_equal(ti_state(f, "r1", "a"), "success"); /* finished: kept */
  assert_string_equal(ti_state(f, "r1", "b"), "failed");  /* was running */
  assert_string_equal(ti_state(f, "r1", "d"), "skipped"); /* was not started */
  assert_int_equal(store_run_set_state_as_user(f->s, "tdag", "r1", "success", &nStopped, &err), AIRC_OK);
  assert_int_equal(nStopped, 0);
  assert_string_equal(ti_state(f, "r1", "b"), "success");
  assert_int_equal(store_run_set_state_as_user(f->s, "tdag", "r1", "queued", NULL, &err), AIRC_OK);
  assert_string_equal(run_state(f, "r1"), "queued");
  assert_int_equal(store_run_set_state_as_user(f->s, "tdag", "r1", "running", NULL, &err), AIRC_ERR_INVALID);
  assert_string_equal(err.zMsg, "state must be success, failed or queued, not 'running'");
  airc_err_clear(&err);
  /* notes */
  assert_int_equal(store_run_set_note(f->s, "tdag", "r1", "hello", &err), AIRC_OK);
  assert_string_equal(q_text(f->s, "SELECT note FROM dag_run WHERE run_id=?", "r1", NULL, z, sizeof(z)), "hello");
  assert_int_equal(store_ti_set_note(f->s, "tdag", "r1", "a", "mine", &err), AIRC_OK);
  char zLong[STORE_NOTE_MAX + 2];
  memset(zLong, 'x', sizeof(zLong) - 1);
  zLong[sizeof(zLong) - 1] = 0;
  assert_int_equal(store_run_set_note(f->s, "tdag", "r1", zLong, &err), AIRC_ERR_INVALID);
  assert_string_equal(err.zMsg, "note is 1001 bytes; at most 1000 are kept");
  airc_err_clear(&err);
  assert_int_equal(store_ti_set_note(f->s, "tdag", "r1", "zz", "x", &err), AIRC_ERR_NOTFOUND);
  airc_err_clear(&err);
  /* deletion: the run and its rows; a second time is not found */
  ti_set(f, "r1", "c", "running");
  assert_int_equal(store_run_delete(f->s, "tdag", "r1", &nStopped, &err), AIRC_OK);
  assert_int_equal(nStopped, 1);
  assert_string_equal(q_text(f->s, "SELECT count(*) FROM task_instance WHERE dag_id=?", "tdag", NULL, z, sizeof(z)), "0");
  assert_int_equal(store_run_delete(f->s, "tdag", "r1", NULL, &err), AIRC_ERR_NOTFOUND);
  assert_string_equal(err.zMsg, "DAG 'tdag' has no run 'r1'");
  airc_err_clear(&err);
  create_run(f, "r2");
  assert_int_equal(store_dag_delete(f->s, "tdag", NULL, &err), AIRC_OK);
  assert_string_equal(q_text(f->s, "SELECT count(*) FROM dag_run WHERE dag_id=?", "tdag", NULL, z, sizeof(z)), "0");
  assert_string_equal(q_text(f->s, "SELECT count(*) FROM dag WHERE dag_id=?", "tdag", NULL, z, sizeof(z)), "0");
  assert_int_equal(store_dag_delete(f->s, "tdag", NULL, &err), AIRC_ERR_NOTFOUND);
  assert_string_equal(err.zMsg, "DAG 'tdag' not found");
  airc_err_clear(&err);
  /* the pure planner */
  assert_int_equal(tick_backfill_decide("", "none"), TICK_BACKFILL_CREATE);
  assert_int_equal(tick_backfill_decide("failed", "none"), TICK_BACKFILL_KEEP);
  assert_int_equal(tick_backfill_decide("failed", "failed"), TICK_BACKFILL_RERUN);
  assert_int_equal(tick_backfill_decide("success", "failed"), TICK_BACKFILL_KEEP);
  assert_int_equal(tick_backfill_decide("success", "completed"), TICK_BACKFILL_RERUN);
  assert_int_equal(tick_backfill_decide("running", "completed"), TICK_BACKFILL_KEEP);
  assert_true(tick_backfill_behavior_ok("completed"));
  assert_false(tick_backfill_behavior_ok("all"));
}

static void test_dag_set_paused(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  char z[16];
  assert_int_equal(store_dag_set_paused(f->s, "tdag", 0, &err), AIRC_OK);
  assert_string_equal(q_text(f->s, "SELECT is_paused FROM dag WHERE dag_id=?", "tdag", NULL, z, sizeof(z)), "0");
  assert_int_equal(store_dag_set_paused(f->s, "tdag", 1, &err), AIRC_OK);
  assert_string_equal(q_text(f->s, "SELECT is_paused FROM dag WHERE dag_id=?", "tdag", NULL, z, sizeof(z)), "1");
  assert_int_equal(store_dag_set_paused(f->s, "nope", 1, &err), AIRC_ERR_NOTFOUND);
  assert_string_equal(err.zMsg, "DAG 'nope' not found");
}

static void test_dag_set_paused_many(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  char z[16];
  int n = -1;
  /* tdag starts paused: unpausing it and an unknown id changes one row */
  const char *azIds[] = {"tdag", "nope"};
  assert_int_equal(store_dag_set_paused_many(f->s, azIds, 2, 0, &n, &err), AIRC_OK);
  assert_int_equal(n, 1);
  assert_string_equal(q_text(f->s, "SELECT is_paused FROM dag WHERE dag_id=?", "tdag", NULL, z, sizeof(z)), "0");
  /* already unpaused: nothing changes */
  assert_int_equal(store_dag_set_paused_many(f->s, azIds, 2, 0, &n, &err), AIRC_OK);
  assert_int_equal(n, 0);
  /* inside a caller's transaction that rolls back: undone */
  assert_int_equal(store_begin(f->s, &err), AIRC_OK);
  assert_int_equal(store_dag_set_paused_many(f->s, azIds, 1, 1, &n, &err), AIRC_OK);
  assert_int_equal(n, 1);
  store_rollback(f->s);
  assert_string_equal(q_text(f->s, "SELECT is_paused FROM dag WHERE dag_id=?", "tdag", NULL, z, sizeof(z)), "0");
  assert_int_equal(store_dag_set_paused_many(f->s, azIds, 0, 1, &n, &err), AIRC_OK);
  assert_int_equal(n, 0);
}

/* store_stats_get counts statements, rows and VM steps; a scan of more rows
 * costs more VM steps even when it returns one row. */
static void test_store_stats_count_work(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  store_stats a, b, c;
  store_stats_get(f->s, &a);
  int bFound = 0;
  assert_int_equal(store_view_dag_exists(f->s, "tdag", &bFound, &err), AIRC_OK);
  assert_true(bFound);
  store_stats_get(f->s, &b);
  assert_int_equal(b.nStatements - a.nStatements, 1);
  assert_int_equal(b.nRows - a.nRows, 1);
  assert_true(b.nVmSteps > a.nVmSteps);
  /* a missing DAG: one statement, no row */
  assert_int_equal(store_view_dag_exists(f->s, "nope", &bFound, &err), AIRC_OK);
  store_stats_get(f->s, &c);
  assert_int_equal(c.nStatements - b.nStatements, 1);
  assert_int_equal(c.nRows - b.nRows, 0);
}

static void test_run_id_is_valid(void **ppState) {
  (void)ppState;
  airc_err err = {0};
  assert_int_equal(dag_run_id_check("manual__2024-01-01T00:00:00+00:00", &err), AIRC_OK);
  assert_int_equal(dag_run_id_check("", &err), AIRC_ERR_INVALID);
  airc_err_clear(&err);
  assert_int_equal(dag_run_id_check("a/b", &err), AIRC_ERR_INVALID);
}

int main(void) {
  const struct CMUnitTest aTest[] = {
      cmocka_unit_test_setup_teardown(test_dag_rows_and_load, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_active_each_and_import_errors, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_run_create, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_run_create_task_rows, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_run_create_for_rolls_back_with_caller, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_run_clear, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_ti_mark, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_dag_set_paused, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_dag_set_paused_many, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_store_stats_count_work, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_control, fx_setup, fx_teardown),
      cmocka_unit_test(test_run_id_is_valid),
  };
  return cmocka_run_group_tests(aTest, NULL, NULL);
}
