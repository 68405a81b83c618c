/* test_store_dataset.c: unit tests of store/store_dataset.c on a temporary
 * store (SQLite, or PostgreSQL under scripts/pg-test.sh): references follow
 * the DAG's version, an event queues for consumers only, a DAG is ready
 * only when every dataset it consumes is queued (and not while paused),
 * taking the queue links the events and empties it, and the reads give
 * Airflow's shapes with filters and paging. */
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
#include "store/store_dataset.h"
#include "store/store_run.h"
#include "tests/unit/store_test_target.h"

static const char zProducer[] =
    "[dag]\nid = prod\n[task w]\ntype = shell\ncommand = true\noutlets = s3://a, s3://b\n";
static const char zConsumer[] = "[dag]\nid = cons\nschedule = s3://a, s3://b\n[task r]\ntype = shell\ncommand = true\n";

typedef struct fixture {
  char zDir[64];
  char zDb[128];
  store *s;
  dag *pProd, *pCons;
} fixture;

static dag *put_dag(store *s, const char *zName, const char *zText, int bPaused, int64_t nowUs) {
  airc_err err = {0};
  dag *d = NULL;
  if(dag_parse_buffer(zName, zText, strlen(zText), task_type_builtin_schemas(), &d, &err)) fail_msg("%s", err.zMsg);
  if(store_dag_version_put(s, d, 1, &err) || store_dag_upsert(s, d, zName, bPaused, 2, &err) ||
     store_dataset_refs_set(s, d, nowUs, &err))
    fail_msg("%s", err.zMsg);
  return d;
}

static int fx_setup(void **ppState) {
  fixture *f = calloc(1, sizeof(*f));
  snprintf(f->zDir, sizeof(f->zDir), "/tmp/airc-test-store-ds-XXXXXX");
  if(!mkdtemp(f->zDir)) return -1;
  setenv("AIRC_HOME", f->zDir, 1);
  if(store_test_target(f->zDir, f->zDb, sizeof(f->zDb))) return -1;
  airc_err err = {0};
  if(store_open(f->zDb, &f->s, &err)) fail_msg("%s", err.zMsg);
  f->pProd = put_dag(f->s, "prod.ini", zProducer, 0, 10);
  f->pCons = put_dag(f->s, "cons.ini", zConsumer, 0, 10);
  *ppState = f;
  return 0;
}

static int fx_teardown(void **ppState) {
  fixture *f = *ppState;
  store_close(f->s);
  dag_free(f->pProd);
  dag_free(f->pCons);
  store_test_remove(f->zDir, f->zDb);
  free(f);
  return 0;
}

typedef struct ready {
  char az[8][64];
  int n;
} ready;

static int ready_add(void *pCtx, const char *zDagId, const char *zHash) {
  (void)zHash;
  ready *p = pCtx;
  if(p->n < 8) snprintf(p->az[p->n++], 64, "%s", zDagId);
  return 0;
}

static int n_ready(store *s) {
  ready r = {.n = 0};
  airc_err err = {0};
  if(store_dataset_ready_each(s, ready_add, &r, &err)) fail_msg("%s", err.zMsg);
  if(r.n) assert_string_equal(r.az[0], "cons");
  return r.n;
}

static void event(store *s, const char *zUri, int64_t us, int64_t *pId) {
  airc_err err = {0};
  if(store_dataset_event_add(s, zUri, "prod", "w", "run1", us, pId, &err)) fail_msg("%s", err.zMsg);
}

static void test_ready_only_when_all_updated(void **state) {
  fixture *f = *state;
  assert_int_equal(n_ready(f->s), 0);
  event(f->s, "s3://a", 100, NULL);
  event(f->s, "s3://a", 110, NULL); /* twice: still one dataset of two */
  assert_int_equal(n_ready(f->s), 0);
  event(f->s, "s3://b", 120, NULL);
  assert_int_equal(n_ready(f->s), 1);
  /* paused: not ready, the queue kept */
  airc_err err = {0};
  assert_int_equal(store_dag_set_paused(f->s, "cons", 1, &err), AIRC_OK);
  assert_int_equal(n_ready(f->s), 0);
  assert_int_equal(store_dag_set_paused(f->s, "cons", 0, &err), AIRC_OK);
  assert_int_equal(n_ready(f->s), 1);
  /* a run takes the queue and the three events */
  run_spec spec = {"cons", NULL, "dataset_triggered", -1, NULL, 0, NULL};
  int64_t runPk = 0;
  char zRunId[STORE_RUN_ID_MAX];
  assert_int_equal(store_run_create_for(f->s, f->pCons, &spec, &runPk, zRunId, &err), AIRC_OK);
  assert_int_equal(store_dataset_queue_take(f->s, "cons", runPk, &err), AIRC_OK);
  assert_int_equal(n_ready(f->s), 0);
  json_t *pEv = NULL;
  int64_t nTotal = 0;
  store_dataset_event_filter flt = {-1, NULL, NULL, NULL, -2, 0};
  assert_int_equal(store_dataset_events(f->s, &flt, 100, 0, &pEv, &nTotal, &err), AIRC_OK);
  assert_int_equal(nTotal, 3);
  size_t i;
  json_t *e;
  json_array_foreach(pEv, i, e) {
    json_t *pRuns = json_object_get(e, "created_dagruns");
    assert_int_equal(json_array_size(pRuns), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(pRuns, 0), "run_id")), zRunId);
  }
  json_decref(pEv);
  /* newer events only count for the next run */
  event(f->s, "s3://b", 200, NULL);
  assert_int_equal(n_ready(f->s), 0);
}

static void test_reads_filters_and_refs_follow_the_version(void **state) {
  fixture *f = *state;
  airc_err err = {0};
  int64_t idA = 0;
  event(f->s, "s3://a", 100, &idA);
  event(f->s, "s3://new", 101, NULL); /* an event of a dataset nobody declared creates it */
  json_t *p = NULL;
  int64_t n = 0;
  assert_int_equal(store_dataset_list(f->s, NULL, 100, 0, &p, &n, &err), AIRC_OK);
  assert_int_equal(n, 3);
  json_t *pA = json_array_get(p, 0);
  assert_string_equal(json_string_value(json_object_get(pA, "uri")), "s3://a");
  assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(pA, "consuming_dags"), 0), "dag_id")),
                      "cons");
  json_t *pProd = json_array_get(json_object_get(pA, "producing_tasks"), 0);
  assert_string_equal(json_string_value(json_object_get(pProd, "task_id")), "w");
  assert_int_equal(json_integer_value(json_object_get(pA, "updated_us")), 100);
  json_decref(p);
  /* paging and the substring filter */
  assert_int_equal(store_dataset_list(f->s, "new", 100, 0, &p, &n, &err), AIRC_OK);
  assert_int_equal(n, 1);
  json_decref(p);
  assert_int_equal(store_dataset_list(f->s, NULL, 1, 2, &p, &n, &err), AIRC_OK);
  assert_int_equal(n, 3);
  assert_int_equal(json_array_size(p), 1);
  json_decref(p);
  /* one by URI; an unknown one */
  assert_int_equal(store_dataset_get(f->s, "s3://b", &p, &err), AIRC_OK);
  assert_string_equal(json_string_value(json_object_get(p, "uri")), "s3://b");
  json_decref(p);
  assert_int_equal(store_dataset_get(f->s, "s3://zz", &p, &err), AIRC_ERR_NOTFOUND);
  assert_string_equal(err.zMsg, "dataset 's3://zz' not found");
  /* event filters, newest first */
  store_dataset_event_filter byId = {idA, NULL, NULL, NULL, -2, 0};
  assert_int_equal(store_dataset_events(f->s, &byId, 100, 0, &p, &n, &err), AIRC_OK);
  assert_int_equal(n, 1);
  json_decref(p);
  store_dataset_event_filter byDag = {-1, "prod", "w", "run1", -1, 1};
  assert_int_equal(store_dataset_events(f->s, &byDag, 100, 0, &p, &n, &err), AIRC_OK);
  assert_int_equal(n, 2);
  assert_string_equal(json_string_value(json_object_get(json_array_get(p, 0), "dataset_uri")), "s3://new");
  json_decref(p);
  store_dataset_event_filter other = {-1, "nope", NULL, NULL, -2, 0};
  assert_int_equal(store_dataset_events(f->s, &other, 100, 0, &p, &n, &err), AIRC_OK);
  assert_int_equal(n, 0);
  json_decref(p);
  /* the consumer now consumes only s3://b: its queued a goes, its reference too */
  dag *d2 = put_dag(f->s, "cons.ini", "[dag]\nid = cons\nschedule = s3://b\n[task r]\ntype = shell\ncommand = true\n", 0, 20);
  (void)d2;
  assert_int_equal(store_dataset_get(f->s, "s3://a", &p, &err), AIRC_OK);
  assert_int_equal(json_array_size(json_object_get(p, "consuming_dags")), 0);
  json_decref(p);
  assert_int_equal(n_ready(f->s), 0);
  event(f->s, "s3://b", 300, NULL);
  assert_int_equal(n_ready(f->s), 1);
  dag_free(d2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_ready_only_when_all_updated, fx_setup, fx_teardown),
      cmocka_unit_test_setup_teardown(test_reads_filters_and_refs_follow_the_version, fx_setup, fx_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
