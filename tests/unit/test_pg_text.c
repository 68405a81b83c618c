/* test_pg_text.c: the pure helpers of the PostgreSQL task types
 * (providers/postgres/pg_text.h): one-line server messages, the truth of
 * the sql task's check cell, uuid canonical form, identifiers; and the
 * schemas of validate-postgres and sql (keys, parse-time checks, conn). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <jansson.h>
#include "executor/task_type.h"
#include "providers/postgres/pg_text.h"

extern const task_type task_type_validate_postgres;
extern const task_type task_type_sql;

static void test_one_line_folds_a_server_message(void **state) {
  (void)state;
  char z[200];
  pg_text_one_line("ERROR:  relation \"nope\" does not exist\nLINE 1: SELECT * FROM nope\n"
                   "                      ^\n", z, sizeof(z));
  assert_string_equal(z, "ERROR: relation \"nope\" does not exist LINE 1: SELECT * FROM nope ^");
  pg_text_one_line("  \t\n ", z, sizeof(z));
  assert_string_equal(z, "");
  pg_text_one_line(NULL, z, sizeof(z));
  assert_string_equal(z, "");
}

static void test_one_line_is_capped(void **state) {
  (void)state;
  char z[12];
  pg_text_one_line("abcdefghijklmnopqrstuvwxyz", z, sizeof(z));
  assert_int_equal(strlen(z), 11);
  assert_string_equal(z + 8, "...");
  pg_text_one_line("a\nb", z, 3); /* "a b" does not fit: cut, no overflow */
  assert_true(strlen(z) <= 2);
}

static void test_truthy(void **state) {
  (void)state;
  static const char *const azFalse[] = {"f", "F", "false", "FALSE", "no", "off", "0", "0.00", "-0",
                                        "0e3", " 0 ", "", "  ", NULL};
  static const char *const azTrue[] = {"t", "true", "1", "42", "-1", "0.5", "yes", "on",
                                       "some text", "0x", "nan", "infinity", NULL};
  for(int i = 0; azFalse[i]; i++) {
    if(pg_text_truthy(azFalse[i], 0)) fail_msg("'%s' should be false", azFalse[i]);
  }
  for(int i = 0; azTrue[i]; i++) {
    if(!pg_text_truthy(azTrue[i], 0)) fail_msg("'%s' should be true", azTrue[i]);
  }
  assert_int_equal(pg_text_truthy("t", 1), 0); /* NULL wins over the text */
  assert_int_equal(pg_text_truthy(NULL, 0), 0);
}

static void test_uuid_canon(void **state) {
  (void)state;
  char z[37];
  assert_int_equal(pg_text_uuid_canon(" 6F1C2D3E-0000-4000-8000-00000000000A ", z), 0);
  assert_string_equal(z, "6f1c2d3e-0000-4000-8000-00000000000a");
  assert_int_equal(pg_text_uuid_canon("6f1c2d3e-0000-4000-8000-00000000000", z), -1);   /* short */
  assert_int_equal(pg_text_uuid_canon("6f1c2d3e-0000-4000-8000-00000000000ab", z), -1); /* long */
  assert_int_equal(pg_text_uuid_canon("6f1c2d3e00000-4000-8000-00000000000a", z), -1);  /* dash */
  assert_int_equal(pg_text_uuid_canon("6f1c2d3g-0000-4000-8000-00000000000a", z), -1);  /* hex */
  assert_int_equal(pg_text_uuid_canon("", z), -1);
  assert_int_equal(pg_text_uuid_canon(NULL, z), -1);
}

static void test_ident_ok(void **state) {
  (void)state;
  assert_true(pg_text_ident_ok("created_users"));
  assert_true(pg_text_ident_ok("_t1"));
  assert_true(pg_text_ident_ok("sink.created_users"));
  assert_false(pg_text_ident_ok("a.b.c"));
  assert_false(pg_text_ident_ok("1abc"));
  assert_false(pg_text_ident_ok("users; DROP TABLE x"));
  assert_false(pg_text_ident_ok("\"quoted\""));
  assert_false(pg_text_ident_ok(".t"));
  assert_false(pg_text_ident_ok("s."));
  assert_false(pg_text_ident_ok(""));
  assert_false(pg_text_ident_ok(NULL));
  char z[80];
  memset(z, 'a', 64);
  z[64] = 0;
  assert_false(pg_text_ident_ok(z)); /* 64 > NAMEDATALEN - 1 */
  z[63] = 0;
  assert_true(pg_text_ident_ok(z));
}

static void test_schemas_check_options_at_parse_time(void **state) {
  (void)state;
  char zErr[200];
  const task_schema *v = &task_type_validate_postgres.schema, *q = &task_type_sql.schema;
  assert_string_equal(v->zName, "validate-postgres");
  assert_string_equal(q->zName, "sql");
  assert_int_equal(v->xValidate("table", "a.b", zErr, sizeof(zErr)), 0);
  assert_int_equal(v->xValidate("table", "a;b", zErr, sizeof(zErr)), -1);
  assert_string_equal(zErr, "'a;b' is not a plain SQL identifier (or schema.table)");
  assert_int_equal(v->xValidate("table", "{{ params.table }}", zErr, sizeof(zErr)), 0);
  assert_int_equal(v->xValidate("port", "70000", zErr, sizeof(zErr)), -1);
  assert_int_equal(v->xValidate("timeout", "soon", zErr, sizeof(zErr)), -1);
  assert_int_equal(q->xValidate("sql", "", zErr, sizeof(zErr)), -1);
  assert_int_equal(q->xValidate("timeout", "5m", zErr, sizeof(zErr)), 0);
  assert_string_equal(q->azRequired[0], "sql");
  /* both run in airc-task (libpq stays out of the per-try supervisor) */
  assert_null(task_type_validate_postgres.xRun);
  assert_null(task_type_sql.xRun);
}

static void test_conn_fills_only_unset_options(void **state) {
  (void)state;
  json_t *pConn = json_pack("{sssisssssss{}}", "host", "db.example", "port", 6543, "login", "u",
                            "password", "pw", "schema", "reports", "extra");
  json_t *pOpts = json_pack("{ss}", "database", "mine");
  task_type_sql.xConnOptions(pConn, pOpts);
  assert_string_equal(json_string_value(json_object_get(pOpts, "host")), "db.example");
  assert_string_equal(json_string_value(json_object_get(pOpts, "port")), "6543");
  assert_string_equal(json_string_value(json_object_get(pOpts, "username")), "u");
  assert_string_equal(json_string_value(json_object_get(pOpts, "password")), "pw");
  assert_string_equal(json_string_value(json_object_get(pOpts, "database")), "mine"); /* the task's wins */
  json_decref(pOpts);
  json_decref(pConn);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_one_line_folds_a_server_message),
      cmocka_unit_test(test_one_line_is_capped),
      cmocka_unit_test(test_truthy),
      cmocka_unit_test(test_uuid_canon),
      cmocka_unit_test(test_ident_ok),
      cmocka_unit_test(test_schemas_check_options_at_parse_time),
      cmocka_unit_test(test_conn_fills_only_unset_options),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
