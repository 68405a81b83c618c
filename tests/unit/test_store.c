/* test_store.c: unit tests of store/store.c's statement cache: a
 * statement that a caller is still stepping is never finalized by the
 * eviction of a full cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "store/store.h"

#define N_OTHER 200

static char g_azSql[N_OTHER][64]; /* store_prepare borrows the text: lives as long as the store */

static void test_busy_statement_survives_eviction(void **state) {
  (void)state;
  char zDir[] = "/tmp/airc-test-store-XXXXXX";
  assert_non_null(mkdtemp(zDir));
  char zPath[128];
  snprintf(zPath, sizeof(zPath), "%s/airc.db", zDir);
  store *s = NULL;
  airc_err err = {0};
  assert_int_equal(store_open(zPath, &s, &err), AIRC_OK);
  /* the first statement in the cache (the oldest: the first to evict) */
  sqlite3_stmt *pLoop = store_prepare(s, "SELECT value FROM json_each('[1,2,3]')", &err);
  assert_non_null(pLoop);
  assert_int_equal(sqlite3_step(pLoop), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(pLoop, 0), 1);
  /* the loop body prepares many other statements: the cache fills and evicts */
  for(int i = 0; i < N_OTHER; i++) {
    snprintf(g_azSql[i], sizeof(g_azSql[i]), "SELECT %d", i);
    sqlite3_stmt *p = store_prepare(s, g_azSql[i], &err);
    assert_non_null(p);
    assert_int_equal(sqlite3_step(p), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(p, 0), i);
    sqlite3_reset(p);
  }
  /* the loop goes on where it was */
  assert_int_equal(sqlite3_step(pLoop), SQLITE_ROW);
  assert_int_equal(sqlite3_column_int(pLoop, 0), 2);
  assert_int_equal(sqlite3_step(pLoop), SQLITE_ROW);
  assert_int_equal(sqlite3_step(pLoop), SQLITE_DONE);
  sqlite3_reset(pLoop);
  store_close(s);
  char zCmd[160];
  snprintf(zCmd, sizeof(zCmd), "rm -rf '%s'", zDir);
  assert_int_equal(system(zCmd), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_busy_statement_survives_eviction)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
