/* test_store_dash.c: the dashboard's store calls (store_dash.h) on a
 * temporary SQLite store: calendar counts per UTC day and state within a
 * span, early stop, and a DAG's source reference (found, missing, too long). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "store/store_dash.h"
#include "store/store_int.h"

static char g_zDir[64];
static char g_zDb[128];

static const char *const azFixture[] = {
    "INSERT INTO dag_version(hash, dag_id, json, created_us) VALUES ('h1','alpha','{\"tasks\":[]}',1)",
    "INSERT INTO dag(dag_id, fileloc, current_hash) VALUES ('alpha','/d/alpha.ini','h1'), ('bare',NULL,NULL)",
    /* day 0: 2 success + 1 failed; day 1: 1 running; day 3: outside [0, 3 days) */
    "INSERT INTO dag_run(id, dag_id, run_id, run_type, logical_date, data_interval_start, data_interval_end,"
    " state, dag_hash) VALUES"
    " (1,'alpha','a','manual',0,0,0,'success','h1'), (2,'alpha','b','manual',86399,0,0,'failed','h1'),"
    " (3,'alpha','c','manual',3600,0,0,'success','h1'), (4,'alpha','d','manual',86400,0,0,'running','h1'),"
    " (5,'alpha','e','manual',259200,0,0,'failed','h1')",
};

static int setup(void **state) {
  snprintf(g_zDir, sizeof(g_zDir), "/tmp/airc-dash-XXXXXX");
  if(!mkdtemp(g_zDir)) return -1;
  snprintf(g_zDb, sizeof(g_zDb), "%s/airc.db", g_zDir);
  store *p = NULL;
  airc_err err = {0};
  if(store_open(g_zDb, &p, &err)) return -1;
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
  char z[160];
  unlink(g_zDb);
  snprintf(z, sizeof(z), "%s-wal", g_zDb);
  unlink(z);
  snprintf(z, sizeof(z), "%s-shm", g_zDb);
  unlink(z);
  rmdir(g_zDir);
  return 0;
}

typedef struct cells {
  char z[256];
  int n, nStop;
} cells;

static int cell_add(void *pCtx, const store_dash_day *d) {
  cells *c = pCtx;
  size_t n = strlen(c->z);
  snprintf(c->z + n, sizeof(c->z) - n, "%s%lld:%s=%lld", n ? "," : "", (long long)d->day, d->zState, (long long)d->nRun);
  return ++c->n == c->nStop;
}

static void test_calendar(void **state) {
  store *p = *state;
  airc_err err = {0};
  cells c = {{0}, 0, 0};
  assert_int_equal(store_dash_calendar(p, "alpha", 0, 3 * 86400, cell_add, &c, &err), AIRC_OK);
  assert_string_equal(c.z, "0:failed=1,0:success=2,1:running=1");
  cells d = {{0}, 0, 1};
  assert_int_equal(store_dash_calendar(p, "alpha", 0, 4 * 86400, cell_add, &d, &err), AIRC_OK);
  assert_string_equal(d.z, "0:failed=1");
  cells e = {{0}, 0, 0};
  assert_int_equal(store_dash_calendar(p, "nope", 0, 4 * 86400, cell_add, &e, &err), AIRC_OK);
  assert_int_equal(e.n, 0);
}

static void test_source_ref(void **state) {
  store *p = *state;
  airc_err err = {0};
  char zFile[64], zHash[16];
  assert_int_equal(store_dash_dag_source_ref(p, "alpha", zFile, sizeof(zFile), zHash, sizeof(zHash), &err), AIRC_OK);
  assert_string_equal(zFile, "/d/alpha.ini");
  assert_string_equal(zHash, "h1");
  assert_int_equal(store_dash_dag_source_ref(p, "bare", zFile, sizeof(zFile), zHash, sizeof(zHash), &err), AIRC_OK);
  assert_string_equal(zFile, "");
  assert_string_equal(zHash, "");
  assert_int_equal(store_dash_dag_source_ref(p, "nope", zFile, sizeof(zFile), zHash, sizeof(zHash), &err),
                   AIRC_ERR_NOTFOUND);
  assert_string_equal(err.zMsg, "DAG 'nope' not found");
  char zTiny[4];
  airc_err_clear(&err);
  assert_int_equal(store_dash_dag_source_ref(p, "alpha", zTiny, sizeof(zTiny), zHash, sizeof(zHash), &err),
                   AIRC_ERR_INVALID);
  assert_string_equal(err.zMsg, "DAG 'alpha': file path or hash too long");
}

int main(void) {
  const struct CMUnitTest aTest[] = {
      cmocka_unit_test(test_calendar),
      cmocka_unit_test(test_source_ref),
  };
  return cmocka_run_group_tests(aTest, setup, teardown);
}
