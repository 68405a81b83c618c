/* test_store.c: unit tests of the store's handle and the SQLite driver's
 * statement cache: a statement a caller is still stepping is never
 * finalized by the eviction of a full cache, and a statement in use cannot
 * be handed out twice; transactions on either backend (under
 * scripts/pg-test.sh, PostgreSQL's, whose BEGIN travels with the first
 * statement, and whose COMMIT carries the change counter's query): empty
 * ones, a failing first statement, rollback, the counter after a commit,
 * and a connection that died while idle; store_plan_once's plans of a
 * join by key on PostgreSQL; SQLite's waits for a lock another connection
 * holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "store/store_int.h"
#include "store_test_target.h"

#define N_OTHER 300 /* more than the driver's cache holds */

static char g_azSql[N_OTHER][64]; /* prepare borrows the text: lives as long as the store */

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
  static const char zLoop[] = "SELECT value FROM json_each('[1,2,3]')";
  store_stmt *pLoop = store_stmt_prepare(s, zLoop, &err);
  assert_non_null(pLoop);
  assert_int_equal(store_stmt_step(pLoop, &err), STORE_ROW);
  assert_int_equal(store_col_int(pLoop, 0), 1);
  /* the same query again while in use: refused, not handed out twice */
  assert_null(store_stmt_prepare(s, zLoop, &err));
  assert_int_equal(err.rc, AIRC_ERR_STATE);
  airc_err_clear(&err);
  /* the loop body prepares many other statements: the cache fills and evicts */
  for(int i = 0; i < N_OTHER; i++) {
    snprintf(g_azSql[i], sizeof(g_azSql[i]), "SELECT %d", i);
    store_stmt *p = store_stmt_prepare(s, g_azSql[i], &err);
    assert_non_null(p);
    assert_int_equal(store_stmt_step(p, &err), STORE_ROW);
    assert_int_equal(store_col_int(p, 0), i);
    store_stmt_done(p);
  }
  /* the loop goes on where it was */
  assert_int_equal(store_stmt_step(pLoop, &err), STORE_ROW);
  assert_int_equal(store_col_int(pLoop, 0), 2);
  assert_int_equal(store_stmt_step(pLoop, &err), STORE_ROW);
  assert_int_equal(store_stmt_step(pLoop, &err), STORE_DONE);
  store_stmt_done(pLoop);
  store_close(s);
  char zCmd[160];
  snprintf(zCmd, sizeof(zCmd), "rm -rf '%s'", zDir);
  assert_int_equal(system(zCmd), 0);
}

static void test_open_errors_and_versions(void **state) {
  (void)state;
  char zDir[] = "/tmp/airc-test-store-XXXXXX";
  assert_non_null(mkdtemp(zDir));
  char zPath[128], zUrl[160];
  snprintf(zPath, sizeof(zPath), "%s/airc.db", zDir);
  store *s = NULL;
  airc_err err = {0};
  assert_int_equal(store_open_existing(zPath, &s, &err), AIRC_ERR_NOTFOUND);
  airc_err_clear(&err);
  assert_int_equal(store_open("mysql://x/y", &s, &err), AIRC_ERR_INVALID);
  airc_err_clear(&err);
  snprintf(zUrl, sizeof(zUrl), "sqlite://%s", zPath);
  assert_int_equal(store_open(zUrl, &s, &err), AIRC_OK);
  assert_string_equal(store_backend_name(s), "sqlite");
  assert_string_equal(store_target(s), zPath);
  assert_int_equal(store_schema_version(s), store_schema_version_supported(s));
  int bOk = 0;
  char zReport[64];
  assert_int_equal(store_check(s, &bOk, zReport, sizeof(zReport), &err), AIRC_OK);
  assert_true(bOk);
  /* the change counter moves with a commit */
  uint64_t v0 = store_change_counter(s);
  assert_int_equal(store_begin(s, &err), AIRC_OK);
  assert_int_equal(store_run_sql(s, "INSERT INTO scheduler_state(key, value) VALUES('k', 'v')", &err), AIRC_OK);
  assert_int_equal(store_commit(s, &err), AIRC_OK);
  assert_true(store_change_counter(s) != v0);
  /* a duplicate is AIRC_ERR_EXISTS */
  assert_int_equal(store_run_sql(s, "INSERT INTO scheduler_state(key, value) VALUES('k', 'v')", &err), AIRC_ERR_EXISTS);
  store_close(s);
  char zCmd[160];
  snprintf(zCmd, sizeof(zCmd), "rm -rf '%s'", zDir);
  assert_int_equal(system(zCmd), 0);
}

static const char zPut[] = "INSERT INTO scheduler_state(key, value) VALUES(?, 'v')";
static const char zHas[] = "SELECT count(*) FROM scheduler_state WHERE key=?";

/* One statement (first in its transaction or not): its step's outcome. */
static int put(store *s, const char *zKey, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(s, zPut, pErr);
  assert_non_null(st);
  store_bind_text(st, 1, zKey);
  int r = store_stmt_step(st, pErr);
  store_stmt_done(st);
  return r;
}

/* has()'s statement, its step's outcome (a failure in *pErr). */
static int has_step(store *s, const char *zKey, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(s, zHas, pErr);
  assert_non_null(st);
  store_bind_text(st, 1, zKey);
  int r = store_stmt_step(st, pErr);
  store_stmt_done(st);
  return r;
}

/* The session's plan_cache_mode (PostgreSQL). */
static const char *plan_cache_mode(store *s) {
  static char z[64];
  airc_err err = {0};
  store_stmt *st = store_stmt_prepare(s, "SELECT current_setting('plan_cache_mode')", &err);
  assert_non_null(st);
  assert_int_equal(store_stmt_step(st, &err), STORE_ROW);
  snprintf(z, sizeof(z), "%s", store_col_str(st, 0));
  store_stmt_done(st);
  return z;
}

static int has(store *s, const char *zKey) {
  airc_err err = {0};
  store_stmt *st = store_stmt_prepare(s, zHas, &err);
  assert_non_null(st);
  store_bind_text(st, 1, zKey);
  if(store_stmt_step(st, &err) != STORE_ROW) fail_msg("has(%s): %s", zKey, err.zMsg);
  int n = store_col_int(st, 0);
  store_stmt_done(st);
  return n;
}

/* A store of its own in zDir (a mkdtemp template, filled in): zTarget gets
 * its target (SQLite file, or PostgreSQL database under scripts/pg-test.sh),
 * for store_test_remove. */
static store *scratch_store(char *zDir, char *zTarget, size_t nTarget) {
  assert_non_null(mkdtemp(zDir));
  assert_int_equal(store_test_target(zDir, zTarget, nTarget), 0);
  store *s = NULL;
  airc_err err = {0};
  if(store_open(zTarget, &s, &err)) fail_msg("%s", err.zMsg);
  return s;
}

static void test_transactions_begin_with_their_first_statement(void **state) {
  (void)state;
  char zDir[] = "/tmp/airc-test-store-XXXXXX", zTarget[512];
  store *s = scratch_store(zDir, zTarget, sizeof(zTarget));
  airc_err err = {0};
  /* a transaction that runs nothing commits and rolls back */
  assert_int_equal(store_begin(s, &err), AIRC_OK);
  assert_int_equal(store_commit(s, &err), AIRC_OK);
  assert_int_equal(store_begin(s, &err), AIRC_OK);
  store_rollback(s);
  /* committed: seen; rolled back: not. The counter store_commit_counted
   * returns is the one right after the commit (nobody else writes here) */
  uint64_t v0 = store_change_counter(s), v1 = 0;
  assert_int_equal(store_begin(s, &err), AIRC_OK);
  assert_int_equal(put(s, "a", &err), STORE_DONE);
  assert_int_equal(put(s, "b", &err), STORE_DONE);
  assert_int_equal(store_commit_counted(s, &v1, &err), AIRC_OK);
  assert_true(v1 != 0 && v1 != v0);
  assert_true(v1 == store_change_counter(s));
  assert_int_equal(store_begin(s, &err), AIRC_OK);
  assert_int_equal(put(s, "c", &err), STORE_DONE);
  assert_int_equal(has(s, "c"), 1); /* inside: the transaction's own write */
  store_rollback(s);
  assert_int_equal(has(s, "a") + has(s, "b"), 2);
  assert_int_equal(has(s, "c"), 0);
  /* the first statement fails (a duplicate): the transaction rolls back
   * and the next one works */
  assert_int_equal(store_begin(s, &err), AIRC_OK);
  assert_int_equal(put(s, "a", &err), STORE_ERROR);
  assert_int_equal(err.rc, AIRC_ERR_EXISTS);
  airc_err_clear(&err);
  store_rollback(s);
  assert_int_equal(store_begin(s, &err), AIRC_OK);
  assert_int_equal(put(s, "d", &err), STORE_DONE);
  assert_int_equal(store_commit(s, &err), AIRC_OK);
  assert_int_equal(has(s, "d"), 1);
  /* store_plan_once: nothing to do on SQLite; on PostgreSQL this session
   * plans each statement once, and so does the one a reconnect makes */
  assert_int_equal(store_plan_once(s, &err), AIRC_OK);
  if(store_test_is_pg()) assert_string_equal(plan_cache_mode(s), "force_generic_plan");
  if(store_test_is_pg()) {
    /* the server ends this session while it is idle: the next
     * transaction's first statement reconnects at once, no error */
    store *pOther = NULL;
    assert_int_equal(store_open(zTarget, &pOther, &err), AIRC_OK);
    store_stmt *st = store_stmt_prepare(s, "SELECT pg_backend_pid()", &err);
    assert_int_equal(store_stmt_step(st, &err), STORE_ROW);
    int64_t pid = store_col_int64(st, 0);
    store_stmt_done(st);
    static const char zKill[] = "SELECT pg_terminate_backend(CAST(? AS integer))";
    st = store_stmt_prepare(pOther, zKill, &err);
    store_bind_int64(st, 1, pid);
    assert_int_equal(store_stmt_step(st, &err), STORE_ROW);
    store_stmt_done(st);
    static const char zGone[] = "SELECT count(*) FROM pg_stat_activity WHERE pid=?";
    int bGone = 0;
    for(int i = 0; i < 500 && !bGone; i++) { /* bounded: 5 s */
      st = store_stmt_prepare(pOther, zGone, &err);
      store_bind_int64(st, 1, pid);
      assert_int_equal(store_stmt_step(st, &err), STORE_ROW);
      bGone = store_col_int(st, 0) == 0;
      store_stmt_done(st);
      if(!bGone) usleep(10000);
    }
    assert_true(bGone);
    store_close(pOther);
    assert_int_equal(store_begin(s, &err), AIRC_OK);
    assert_int_equal(put(s, "e", &err), STORE_DONE);
    assert_int_equal(store_commit(s, &err), AIRC_OK);
    assert_int_equal(has(s, "e"), 1);
    assert_string_equal(plan_cache_mode(s), "force_generic_plan");
  }
  store_close(s);
  store_test_remove(zDir, zTarget);
}

static airc_rc put_later(store *s, const char *zKey, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(s, zPut, pErr);
  assert_non_null(st);
  store_bind_text(st, 1, zKey);
  return store_stmt_run_deferred(st, "put later", pErr);
}

/* A write whose answer is read later (store_stmt_run_deferred) takes
 * effect in order, commits with its transaction, and its failure is never
 * lost: the transaction's next statement and its COMMIT report it, and
 * nothing of the transaction is kept. */
static void test_deferred_writes_commit_or_fail_with_their_transaction(void **state) {
  (void)state;
  char zDir[] = "/tmp/airc-test-store-XXXXXX", zTarget[512];
  store *s = scratch_store(zDir, zTarget, sizeof(zTarget));
  airc_err err = {0};
  /* outside a transaction: at once */
  assert_int_equal(put_later(s, "a", &err), AIRC_OK);
  assert_int_equal(has(s, "a"), 1);
  /* inside: seen by the next statement; more of them than one pipeline
   * holds (64 on PostgreSQL) */
  assert_int_equal(store_begin(s, &err), AIRC_OK);
  assert_int_equal(put(s, "b", &err), STORE_DONE); /* BEGIN went out */
  assert_int_equal(put_later(s, "c", &err), AIRC_OK);
  if(has_step(s, "c", &err) != STORE_ROW) fail_msg("%s", err.zMsg);
  char zKey[16];
  for(int i = 0; i < 150; i++) {
    snprintf(zKey, sizeof(zKey), "k%d", i);
    assert_int_equal(put_later(s, zKey, &err), AIRC_OK);
  }
  assert_int_equal(store_commit(s, &err), AIRC_OK);
  assert_int_equal(has(s, "k0") + has(s, "k77") + has(s, "k149"), 3);
  /* a duplicate sent ahead: the next statement fails with its message */
  assert_int_equal(store_begin(s, &err), AIRC_OK);
  assert_int_equal(put(s, "d", &err), STORE_DONE);
  airc_rc rc = put_later(s, "a", &err);
  if(!rc) {
    assert_true(store_test_is_pg()); /* SQLite runs it at once */
    assert_int_equal(has_step(s, "d", &err), STORE_ERROR);
  }
  assert_int_equal(err.rc, AIRC_ERR_EXISTS);
  assert_non_null(strstr(err.zMsg, "put later"));
  airc_err_clear(&err);
  store_rollback(s);
  assert_int_equal(has(s, "d"), 0);
  /* a duplicate sent ahead, then COMMIT: the commit fails, nothing stays */
  assert_int_equal(store_begin(s, &err), AIRC_OK);
  assert_int_equal(put(s, "e", &err), STORE_DONE);
  rc = put_later(s, "b", &err);
  if(!rc) {
    uint64_t v = 1;
    rc = store_commit_counted(s, &v, &err);
    assert_int_equal(v, 0);
  } else {
    store_rollback(s);
  }
  assert_int_equal(rc, AIRC_ERR_EXISTS);
  assert_non_null(strstr(err.zMsg, "put later"));
  airc_err_clear(&err);
  assert_int_equal(has(s, "e"), 0);
  /* and the connection goes on: BEGIN with the first statement, the write
   * sent ahead with the COMMIT, two round trips (the driver counts them;
   * none on SQLite, in the process) */
  store_stats st0, st1;
  store_stats_get(s, &st0);
  assert_int_equal(store_begin(s, &err), AIRC_OK);
  assert_int_equal(put(s, "f", &err), STORE_DONE);
  assert_int_equal(put_later(s, "g", &err), AIRC_OK);
  assert_int_equal(store_commit_counted(s, &(uint64_t){0}, &err), AIRC_OK);
  store_stats_get(s, &st1);
  assert_int_equal(st1.nRoundTrips - st0.nRoundTrips, store_test_is_pg() ? 2 : 0);
  assert_int_equal(has(s, "f") + has(s, "g"), 2);
  store_close(s);
  store_test_remove(zDir, zTarget);
}

/* Whether any line of EXPLAIN zSql on s contains zNeedle. */
static int plan_has(store *s, const char *zSql, const char *zNeedle) {
  airc_err err = {0};
  store_stmt *st = store_stmt_prepare(s, zSql, &err);
  if(!st) fail_msg("%s: %s", zSql, err.zMsg);
  int r, bHas = 0;
  while((r = store_stmt_step(st, &err)) == STORE_ROW) bHas |= strstr(store_col_str(st, 0), zNeedle) != NULL;
  store_stmt_done(st);
  if(r == STORE_ERROR) fail_msg("%s: %s", zSql, err.zMsg);
  return bHas;
}

/* store_plan_once on PostgreSQL: a statement that joins a table to an
 * array by the table's key (the shape of the scheduler's and the workers'
 * batches) reads the table through its key's index, though its statistics
 * say nothing of its size (never analyzed, as a table a fresh store just
 * filled): the server's defaults pick a hash join over a sequential scan,
 * every row read for thirty. Nothing to plan on SQLite. */
static void test_plan_once_joins_by_key_through_the_index(void **state) {
  (void)state;
  char zDir[] = "/tmp/airc-test-store-XXXXXX", zTarget[512];
  store *s = scratch_store(zDir, zTarget, sizeof(zTarget));
  airc_err err = {0};
  if(store_test_is_pg()) {
    assert_int_equal(store_run_sql(s, "CREATE TABLE join_probe(id BIGINT PRIMARY KEY, v TEXT)", &err), AIRC_OK);
    assert_int_equal(store_run_sql(s, "INSERT INTO join_probe SELECT g, repeat('x', 40) FROM generate_series(1, 5000) g",
                                   &err), AIRC_OK);
    static char zPlan[1024];
    int n = snprintf(zPlan, sizeof(zPlan), "EXPLAIN UPDATE join_probe t SET v=x.v FROM unnest('{");
    for(int i = 1; i <= 30; i++) n += snprintf(zPlan + n, sizeof(zPlan) - (size_t)n, "%s%d", i > 1 ? "," : "", i * 97);
    snprintf(zPlan + n, sizeof(zPlan) - (size_t)n, "}'::bigint[]) WITH ORDINALITY AS x(id, v) WHERE t.id=x.id");
    assert_true(plan_has(s, zPlan, "Seq Scan on join_probe")); /* the server's defaults */
    assert_int_equal(store_plan_once(s, &err), AIRC_OK);
    assert_false(plan_has(s, zPlan, "Seq Scan on join_probe"));
    assert_true(plan_has(s, zPlan, "Index Scan using join_probe_pkey"));
  } else {
    assert_int_equal(store_plan_once(s, &err), AIRC_OK);
  }
  store_close(s);
  store_test_remove(zDir, zTarget);
}

/* The password never reaches a message or store_target(). */
static void test_url_mask_and_postgres_selection(void **state) {
  (void)state;
  char z[200];
  store_url_mask("postgresql://me:s3cr:et@db.example:5432/airc?sslmode=require", z, sizeof(z));
  assert_string_equal(z, "postgresql://me:***@db.example:5432/airc?sslmode=require");
  store_url_mask("postgresql://me@h/db?sslmode=disable&password=s3cret&x=1", z, sizeof(z));
  assert_string_equal(z, "postgresql://me@h/db?sslmode=disable&password=***&x=1");
  store_url_mask("postgresql://h/db@x", z, sizeof(z)); /* no user: nothing to hide */
  assert_string_equal(z, "postgresql://h/db@x");
  store_url_mask("sqlite:///a/b", z, sizeof(z));
  assert_string_equal(z, "sqlite:///a/b");
  /* postgresql:// selects the PostgreSQL driver: nothing listens on port 1 */
  store *s = NULL;
  airc_err err = {0};
  assert_int_equal(store_open("postgresql://me:s3cret@127.0.0.1:1/x?connect_timeout=2", &s, &err), AIRC_ERR_DB);
  assert_null(s);
  assert_non_null(strstr(err.zMsg, "cannot connect to store postgresql://me:***@127.0.0.1:1/x"));
  assert_null(strstr(err.zMsg, "s3cret"));
  assert_null(strchr(err.zMsg, '\n'));
}

/* A child holds the write lock of the SQLite store zPath for holdMs,
 * then commits; returns its pid once it holds the lock (a byte on a pipe). */
static pid_t lock_holder(const char *zPath, int holdMs) {
  int a[2];
  assert_int_equal(pipe(a), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if(pid == 0) {
    store *h = NULL;
    airc_err e = {0};
    if(store_open(zPath, &h, &e) || store_begin(h, &e)) _exit(1);
    if(write(a[1], "L", 1) != 1) _exit(2);
    usleep((useconds_t)holdMs * 1000);
    _exit(store_commit(h, &e) ? 3 : 0);
  }
  char c = 0;
  assert_int_equal(read(a[0], &c, 1), 1);
  close(a[0]);
  close(a[1]);
  return pid;
}

/* SQLite's lock waits (the driver's own busy handler, sqlite_driver.c): a
 * writer waits for another's transaction and gets the lock when it ends,
 * and gives up with AIRC_ERR_BUSY, naming the store, past [database]
 * busy_timeout_ms. */
static void test_a_busy_lock_is_waited_for_up_to_the_timeout(void **state) {
  (void)state;
  if(store_test_is_pg()) skip(); /* PostgreSQL's lock_timeout: test_busy_store.py */
  char zDir[] = "/tmp/airc-test-busy-XXXXXX", zPath[512];
  store *s = scratch_store(zDir, zPath, sizeof(zPath));
  airc_err err = {0};
  pid_t pid = lock_holder(zPath, 50);
  assert_int_equal(store_begin(s, &err), AIRC_OK); /* waited for the holder's commit */
  assert_int_equal(store_commit(s, &err), AIRC_OK);
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0); /* it committed: it held the lock first */
  store_close(s);

  setenv("AIRC__DATABASE__BUSY_TIMEOUT_MS", "30", 1);
  assert_int_equal(store_open(zPath, &s, &err), AIRC_OK);
  unsetenv("AIRC__DATABASE__BUSY_TIMEOUT_MS");
  pid = lock_holder(zPath, 3000);
  assert_int_equal(store_begin(s, &err), AIRC_ERR_BUSY);
  assert_non_null(strstr(err.zMsg, "store busy"));
  assert_non_null(strstr(err.zMsg, zPath));
  airc_err_clear(&err);
  kill(pid, SIGKILL); /* its lock goes with it */
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_int_equal(store_begin(s, &err), AIRC_OK);
  store_rollback(s);
  store_close(s);
  store_test_remove(zDir, zPath);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_busy_statement_survives_eviction),
                                     cmocka_unit_test(test_open_errors_and_versions),
                                     cmocka_unit_test(test_url_mask_and_postgres_selection),
                                     cmocka_unit_test(test_transactions_begin_with_their_first_statement),
                                     cmocka_unit_test(test_deferred_writes_commit_or_fail_with_their_transaction),
                                     cmocka_unit_test(test_plan_once_joins_by_key_through_the_index),
                                     cmocka_unit_test(test_a_busy_lock_is_waited_for_up_to_the_timeout)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
