/* test_sqlite_checkpoint.c: unit tests of store_upkeep_in_background() on SQLite
 * (store/sqlite/sqlite_checkpoint.c): with WAL checkpoints moved to a
 * thread, the WAL still stops growing (the thread checkpoints it and the
 * writer restarts it), every committed row is there after a reopen, and
 * the file passes the integrity check; without the thread's checkpoints
 * (the hook set, nothing run) the WAL would grow without end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "store/store_int.h"

static char g_zDir[64], g_zDb[128];

static int setup(void **state) {
  (void)state;
  snprintf(g_zDir, sizeof(g_zDir), "/tmp/airc-test-upkeep-XXXXXX");
  if(!mkdtemp(g_zDir)) return -1;
  snprintf(g_zDb, sizeof(g_zDb), "%s/airc.db", g_zDir);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  char zCmd[200];
  snprintf(zCmd, sizeof(zCmd), "rm -rf '%s'", g_zDir);
  return system(zCmd) == 0 ? 0 : -1;
}

static long long wal_bytes(void) {
  char z[200];
  struct stat st;
  snprintf(z, sizeof(z), "%s-wal", g_zDb);
  return stat(z, &st) ? 0 : (long long)st.st_size;
}

/* 12000 commits of a 2 kB row each: about 24000 WAL frames in all, six
 * times the checkpoint threshold (SQLITE_CHECKPOINT_PAGES, 4000) */
static void test_wal_is_checkpointed_on_the_thread(void **state) {
  (void)state;
  store *s = NULL;
  airc_err err = {0};
  assert_int_equal(store_open(g_zDb, &s, &err), AIRC_OK);
  assert_int_equal(store_upkeep_in_background(s, &err), AIRC_OK);
  assert_int_equal(store_upkeep_in_background(s, &err), AIRC_OK); /* once is enough; twice is harmless */
  assert_int_equal(store_run_sql(s, "CREATE TABLE upkeep(i INTEGER PRIMARY KEY, pad TEXT)", &err), AIRC_OK);
  long long maxWal = 0;
  for(int i = 0; i < 12000; i++) {
    assert_int_equal(store_begin(s, &err), AIRC_OK);
    /* a literal (the driver caches statements by the SQL's address) */
    store_stmt *ins = store_stmt_prepare(s, "INSERT INTO upkeep(i, pad) VALUES (?1, hex(randomblob(1000)))", &err);
    assert_non_null(ins);
    store_bind_int64(ins, 1, i);
    if(store_stmt_run(ins, "insert", &err)) fail_msg("%s", err.zMsg);
    assert_int_equal(store_commit(s, &err), AIRC_OK);
    long long n = wal_bytes();
    if(n > maxWal) maxWal = n;
    if(i % 50 == 49) usleep(2000); /* the thread gets the CPU now and then, as between a scheduler's wakes */
  }
  /* the WAL is restarted after the thread's checkpoints: it stays within
   * twice the threshold (pages of 4 kB plus frame headers), while without
   * them it takes every frame (about 24000, 99 MB) or, past the inline
   * limit, 16000 */
  assert_true(maxWal > 0);
  if(maxWal >= 8000LL * 4120) fail_msg("the WAL grew to %lld bytes", maxWal);
  store_close(s);
  s = NULL;
  assert_int_equal(store_open(g_zDb, &s, &err), AIRC_OK);
  store_stmt *st = store_stmt_prepare(s, "SELECT count(*), sum(length(pad)) FROM upkeep", &err);
  assert_non_null(st);
  assert_int_equal(store_stmt_step(st, &err), STORE_ROW);
  assert_int_equal(store_col_int64(st, 0), 12000);
  assert_int_equal(store_col_int64(st, 1), 12000LL * 2000);
  store_stmt_done(st);
  int bOk = 0;
  char zReport[200];
  assert_int_equal(store_check(s, &bOk, zReport, sizeof(zReport), &err), AIRC_OK);
  assert_true(bOk);
  store_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_wal_is_checkpointed_on_the_thread, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
