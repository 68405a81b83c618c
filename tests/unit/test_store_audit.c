/* test_store_audit.c: unit tests of store/store_audit.c on a temporary
 * SQLite store: event rows (insert, count and list with filters and both
 * orders, get and NOTFOUND), the XCom read (value, none, unknown task) and
 * run deletion (with its task instances and XCom; refused while a task is
 * running; NOTFOUND). */
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
#include "store/store_audit.h"
#include "store/store_control.h"
#include "store/store_dag.h"
#include "store/store_int.h"
#include "tests/unit/store_test_target.h"
#include "store/store_run.h"
#include "store/store_sched.h"

static const char zDagIni[] = "[dag]\nid = adag\n[task a]\ntype = shell\ncommand = true\n"
                              "[task b]\ntype = shell\ncommand = true\nupstream = a\n";

typedef struct fixture {
  char zDir[64];
  char zDb[128];
  store *s;
  dag *d;
} fixture;

static int fx_setup(void **ppState) {
  fixture *f = calloc(1, sizeof(*f));
  snprintf(f->zDir, sizeof(f->zDir), "/tmp/airc-test-store-audit-XXXXXX");
  if(!mkdtemp(f->zDir)) return -1;
  setenv("AIRC_HOME", f->zDir, 1);
  if(store_test_target(f->zDir, f->zDb, sizeof(f->zDb))) return -1;
  airc_err err = {0};
  if(store_open(f->zDb, &f->s, &err)) fail_msg("%s", err.zMsg);
  if(dag_parse_buffer("adag.ini", zDagIni, sizeof(zDagIni) - 1, task_type_schemas(), &f->d, &err)) fail_msg("%s", err.zMsg);
  if(store_dag_version_put(f->s, f->d, 1, &err)) fail_msg("%s", err.zMsg);
  if(store_dag_upsert(f->s, f->d, "/dags/adag.ini", 1, 2, &err)) fail_msg("%s", err.zMsg);
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

static int collect_event(void *pCtx, const store_event_rec *e) {
  char *z = pCtx;
  size_t n = strlen(z);
  snprintf(z + n, 512 - n, "%lld:%s:%s:%s:%s:%s;", (long long)e->id, e->zEvent, e->zOwner ? e->zOwner : "-",
           e->zDagId ? e->zDagId : "-", e->zTaskId ? e->zTaskId : "-", e->zExtra ? e->zExtra : "-");
  return 0;
}

static void test_event_insert_list_get(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  store_event_rec a = {0, 1000, "trigger", "alice", "adag", "r1", NULL, STORE_EVENT_NULL, STORE_EVENT_NULL,
                       STORE_EVENT_NULL, "{\"ip\":\"127.0.0.1\"}"};
  store_event_rec b = {0, 2000, "mark", "bob", "adag", "r1", "a", STORE_EVENT_NULL, 1, 1704067200, NULL};
  store_event_rec c = {0, 3000, "login", "alice", NULL, NULL, NULL, STORE_EVENT_NULL, STORE_EVENT_NULL,
                       STORE_EVENT_NULL, NULL};
  int64_t idA = 0, idB = 0, idC = 0;
  assert_int_equal(store_event_insert(f->s, &a, &idA, &err), AIRC_OK);
  assert_int_equal(store_event_insert(f->s, &b, &idB, &err), AIRC_OK);
  assert_int_equal(store_event_insert(f->s, &c, &idC, &err), AIRC_OK);
  assert_true(idA < idB && idB < idC);

  store_event_filter all = {NULL, NULL, NULL, NULL, NULL, STORE_EVENT_NULL, STORE_EVENT_NULL};
  int64_t n = 0;
  assert_int_equal(store_event_count(f->s, &all, &n, &err), AIRC_OK);
  assert_int_equal(n, 3);
  char z[512] = "";
  assert_int_equal(store_event_list(f->s, &all, 1, 2, 0, collect_event, z, &err), AIRC_OK);
  char zWant[512];
  snprintf(zWant, sizeof(zWant), "%lld:login:alice:-:-:-;%lld:mark:bob:adag:a:-;", (long long)idC, (long long)idB);
  assert_string_equal(z, zWant);

  store_event_filter byOwner = {NULL, NULL, NULL, NULL, "alice", STORE_EVENT_NULL, STORE_EVENT_NULL};
  z[0] = 0;
  assert_int_equal(store_event_list(f->s, &byOwner, 0, 10, 0, collect_event, z, &err), AIRC_OK);
  snprintf(zWant, sizeof(zWant), "%lld:trigger:alice:adag:-:{\"ip\":\"127.0.0.1\"};%lld:login:alice:-:-:-;",
           (long long)idA, (long long)idC);
  assert_string_equal(z, zWant);

  store_event_filter window = {"adag", NULL, NULL, NULL, NULL, 1500, 2500};
  assert_int_equal(store_event_count(f->s, &window, &n, &err), AIRC_OK);
  assert_int_equal(n, 1);

  z[0] = 0;
  assert_int_equal(store_event_get(f->s, idB, collect_event, z, &err), AIRC_OK);
  snprintf(zWant, sizeof(zWant), "%lld:mark:bob:adag:a:-;", (long long)idB);
  assert_string_equal(z, zWant);
  err = (airc_err){0};
  assert_int_equal(store_event_get(f->s, 999, collect_event, z, &err), AIRC_ERR_NOTFOUND);
  assert_string_equal(err.zMsg, "event log 999 not found");
}

/* store_event_prune: oldest first, bounded by nMax, newer rows kept. */
static void test_event_prune(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  for(int i = 1; i <= 5; i++) {
    store_event_rec e = {0, i * 1000, "trigger", "alice", "adag", NULL, NULL, STORE_EVENT_NULL, STORE_EVENT_NULL,
                         STORE_EVENT_NULL, NULL};
    assert_int_equal(store_event_insert(f->s, &e, NULL, &err), AIRC_OK);
  }
  int nDel = -1;
  assert_int_equal(store_event_prune(f->s, 4500, 3, &nDel, &err), AIRC_OK); /* 4 older, 3 per call */
  assert_int_equal(nDel, 3);
  store_event_filter all = {NULL, NULL, NULL, NULL, NULL, STORE_EVENT_NULL, STORE_EVENT_NULL};
  store_event_filter oldest = {NULL, NULL, NULL, NULL, NULL, STORE_EVENT_NULL, 3000};
  int64_t n = 0;
  assert_int_equal(store_event_count(f->s, &oldest, &n, &err), AIRC_OK);
  assert_int_equal(n, 0); /* the 3 oldest went first */
  assert_int_equal(store_event_prune(f->s, 4500, 3, &nDel, &err), AIRC_OK);
  assert_int_equal(nDel, 1);
  assert_int_equal(store_event_prune(f->s, 4500, 3, &nDel, &err), AIRC_OK);
  assert_int_equal(nDel, 0);
  assert_int_equal(store_event_count(f->s, &all, &n, &err), AIRC_OK);
  assert_int_equal(n, 1); /* the row at 5000 is kept */
}

static int collect_xcom(void *pCtx, const store_xcom_row *x) {
  snprintf(pCtx, 128, "%s/%s/%s=%s@%lld", x->zDagId, x->zRunId, x->zTaskId, x->zValue, (long long)x->updatedUs);
  return 0;
}

/* The task instance id of zTask in run runPk. */
static int64_t ti_id(fixture *f, int64_t runPk, const char *zTask) {
  airc_err err = {0};
  store_stmt *st = store_stmt_prepare(f->s, "SELECT id FROM task_instance WHERE run_pk=? AND task_id=?", &err);
  assert_non_null(st);
  store_bind_int64(st, 1, runPk);
  store_bind_text(st, 2, zTask);
  assert_int_equal(store_stmt_step(st, &err), STORE_ROW);
  int64_t id = store_col_int64(st, 0);
  store_stmt_done(st);
  return id;
}

static void test_xcom_and_run_delete(void **ppState) {
  fixture *f = *ppState;
  airc_err err = {0};
  run_spec spec = {"adag", "r1", RUN_TYPE_MANUAL, 1704067200, NULL, 0, NULL};
  int64_t pk = 0;
  assert_int_equal(store_run_create(f->s, &spec, &pk, NULL, &err), AIRC_OK);
  int64_t tiA = ti_id(f, pk, "a");
  assert_int_equal(store_sched_xcom_set(f->s, tiA, 1, "\"v\"", 5000, &err), AIRC_OK);

  char z[128] = "";
  assert_int_equal(store_xcom_get(f->s, pk, "a", collect_xcom, z, &err), AIRC_OK);
  assert_string_equal(z, "adag/r1/a=\"v\"@5000");
  z[0] = 0;
  assert_int_equal(store_xcom_get(f->s, pk, "b", collect_xcom, z, &err), AIRC_OK);
  assert_string_equal(z, ""); /* no value: no call */
  assert_int_equal(store_xcom_get(f->s, pk, "zz", collect_xcom, z, &err), AIRC_ERR_NOTFOUND);

  /* deleting the run takes its XCom with it (store_run_delete) */
  assert_int_equal(store_run_delete(f->s, "adag", "r1", NULL, &err), AIRC_OK);
  assert_int_equal(store_xcom_get(f->s, pk, "a", collect_xcom, z, &err), AIRC_ERR_NOTFOUND);
  err = (airc_err){0};
  /* the id can be used again */
  assert_int_equal(store_run_create(f->s, &spec, &pk, NULL, &err), AIRC_OK);
}

int main(void) {
  const struct CMUnitTest aTest[] = {
      cmocka_unit_test_setup_teardown(test_event_insert_list_get, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_xcom_and_run_delete, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_event_prune, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests(aTest, NULL, NULL);
}
