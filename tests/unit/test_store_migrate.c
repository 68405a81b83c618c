/* test_store_migrate.c: migration 10 -> 11 (dynamic task mapping) on SQLite
 * keeps every row and every foreign key of task_instance: the table is
 * rebuilt (a UNIQUE constraint cannot change in place), and a rebuild with
 * foreign keys on would have emptied task_try, xcom, task_claim and
 * task_log_chunk through their ON DELETE CASCADE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "store/sqlite/sqlite_driver.h"
#include "store/store.h"
#include "store/store_sched.h"

static int count(sqlite3 *db, const char *zSql) {
  sqlite3_stmt *st = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, zSql, -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  int n = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  return n;
}

static void exec(sqlite3 *db, const char *zSql) {
  char *zErr = NULL;
  if(sqlite3_exec(db, zSql, NULL, NULL, &zErr) != SQLITE_OK) fail_msg("%s: %s", zSql, zErr);
}

static void test_v9_rows_survive_and_map_index_is_minus_one(void **state) {
  (void)state;
  char zDir[] = "/tmp/airc-migrate-XXXXXX";
  assert_non_null(mkdtemp(zDir));
  char zDb[200];
  snprintf(zDb, sizeof(zDb), "%s/airc.db", zDir);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(zDb, &db), SQLITE_OK);
  exec(db, "PRAGMA foreign_keys=ON; PRAGMA journal_mode=WAL;");
  for(int i = 0; i < 9; i++) exec(db, sqlite_migration(i));
  exec(db, "PRAGMA user_version=9;"
           "INSERT INTO dag(dag_id) VALUES('d');"
           "INSERT INTO dag_version(hash, dag_id, json) VALUES('h', 'd', '{}');"
           "INSERT INTO dag_run(id, dag_id, run_id, run_type, logical_date, data_interval_start, data_interval_end,"
           " state, dag_hash) VALUES(1, 'd', 'r', 'manual', 0, 0, 0, 'running', 'h');"
           "INSERT INTO task_instance(id, run_pk, dag_id, task_id, state, try_number, hostname, user_note)"
           " VALUES(7, 1, 'd', 'a', 'success', 1, 'host1', 'my note'), (8, 1, 'd', 'b', 'running', 2, NULL, NULL);"
           "INSERT INTO task_try(ti_id, try_number, state) VALUES(7, 1, 'success'), (8, 1, 'failed');"
           "INSERT INTO xcom(ti_id, try_number, value) VALUES(7, 1, '[1,2]');"
           "INSERT INTO task_claim(ti_id, try_number, queue, request, queued_us) VALUES(8, 2, 'default', '{}', 1);"
           "INSERT INTO task_log_chunk(ti_id, try_number, seq, data) VALUES(8, 2, 0, 'log');");
  sqlite3_close(db);

  store *s = NULL;
  airc_err err = {0};
  if(store_open_migrate(zDb, &s, &err)) fail_msg("%s", err.zMsg);
  assert_int_equal(store_schema_version(s), SQLITE_SCHEMA_VERSION);
  /* the scheduler's view: map_index -1 for the old rows */
  store_close(s);

  assert_int_equal(sqlite3_open(zDb, &db), SQLITE_OK);
  exec(db, "PRAGMA foreign_keys=ON;");
  assert_int_equal(count(db, "SELECT count(*) FROM task_instance WHERE map_index=-1"), 2);
  assert_int_equal(count(db, "SELECT count(*) FROM task_instance WHERE id=7 AND hostname='host1' AND user_note='my note'"
                             " AND try_number=1 AND state='success'"), 1);
  assert_int_equal(count(db, "SELECT count(*) FROM task_try"), 2);
  assert_int_equal(count(db, "SELECT count(*) FROM xcom"), 1);
  assert_int_equal(count(db, "SELECT count(*) FROM task_claim"), 1);
  assert_int_equal(count(db, "SELECT count(*) FROM task_log_chunk"), 1);
  assert_int_equal(count(db, "PRAGMA foreign_keys"), 1);
  /* (run, task, map_index) is the key now: instances of one task */
  exec(db, "INSERT INTO task_instance(run_pk, dag_id, task_id, map_index) VALUES(1, 'd', 'a', 0), (1, 'd', 'a', 1);");
  assert_int_not_equal(sqlite3_exec(db, "INSERT INTO task_instance(run_pk, dag_id, task_id, map_index)"
                                        " VALUES(1, 'd', 'a', 1)", NULL, NULL, NULL), SQLITE_OK);
  /* the children still point at task_instance: deleting the run cascades */
  exec(db, "DELETE FROM dag_run WHERE id=1;");
  assert_int_equal(count(db, "SELECT count(*) FROM task_instance"), 0);
  assert_int_equal(count(db, "SELECT count(*) FROM task_try"), 0);
  assert_int_equal(count(db, "SELECT count(*) FROM xcom"), 0);
  assert_int_equal(count(db, "SELECT count(*) FROM task_claim"), 0);
  assert_int_equal(count(db, "SELECT count(*) FROM task_log_chunk"), 0);
  sqlite3_close(db);
  char zCmd[300];
  snprintf(zCmd, sizeof(zCmd), "rm -rf '%s'", zDir);
  assert_int_equal(system(zCmd), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_v9_rows_survive_and_map_index_is_minus_one),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
