/* test_expected_users.c: providers/expected_users.c on its own, with a fake
 * backend: loading a JSON Lines file (errors naming FILE:LINE, duplicates,
 * the backend's rules), claim/compare, the polling loop (rows arriving late,
 * a missing table, the deadline), the verdict line and the task's XCom and
 * exit code. The database-facing parts are tested in
 * test_validate_cassandra.c and tests/integration/test_pg_tasks.py. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/timeutil.h"
#include "providers/expected_users.h"

#include "xcom_capture.h"

static char g_zDir[] = "/tmp/airc-test-expected-XXXXXX";

/* lowercase copy, 36 characters with dashes at 8, 13, 18, 23 */
static int fake_id_canon(const char *z, char zOut[37]) {
  if(strlen(z) != 36) return -1;
  for(int i = 0; i < 36; i++) {
    int bDash = i == 8 || i == 13 || i == 18 || i == 23;
    if(bDash ? z[i] != '-' : !isxdigit((unsigned char)z[i])) return -1;
    zOut[i] = (char)tolower((unsigned char)z[i]);
  }
  zOut[36] = 0;
  return 0;
}

static int fake_column_ok(const char *z) { return strchr(z, '-') == NULL; }

static const expected_users_rules g_rules = {fake_id_canon, fake_column_ok, "a fake identifier"};

static const char *write_file(const char *zName, const char *zText) {
  static char zPath[300];
  snprintf(zPath, sizeof(zPath), "%s/%s", g_zDir, zName);
  FILE *f = fopen(zPath, "w");
  assert_non_null(f);
  fputs(zText, f);
  fclose(f);
  return zPath;
}

#define ID_A "7A1D0C4E-0000-4000-8000-000000000001"
#define ID_B "7a1d0c4e-0000-4000-8000-000000000002"
#define ID_C "7a1d0c4e-0000-4000-8000-000000000003"

static const char *three_users(void) {
  return write_file("users.jsonl",
                    "{\"id\":\"" ID_A "\",\"name\":\"Zoë\",\"age\":31}\n"
                    "{\"id\":\"" ID_B "\",\"name\":\"Ng\",\"age\":null}\n"
                    "{\"id\":\"" ID_B "\",\"name\":\"dup\",\"age\":1}\n"
                    "{\"id\":\"" ID_C "\",\"name\":\"Al\",\"age\":7}\n");
}

static void test_load_columns_ids_and_duplicates(void **state) {
  (void)state;
  expected_users eu;
  expected_users_result res;
  airc_err e = {0};
  assert_int_equal(expected_users_load(&eu, three_users(), &g_rules, &res, &e), AIRC_OK);
  assert_int_equal(eu.nId, 3); /* the second ID_B line is one expectation */
  assert_string_equal(eu.azId[0], "7a1d0c4e-0000-4000-8000-000000000001");
  assert_int_equal(eu.nCol, 3);
  assert_string_equal(eu.azCol[0], "id");
  assert_string_equal(eu.azCol[1], "name");
  assert_string_equal(eu.azCol[2], "age");
  expected_users_free(&eu);
}

static void load_fails(const char *zText, airc_rc want, const char *zWantSuffix) {
  expected_users eu;
  expected_users_result res;
  airc_err e = {0};
  const char *zPath = write_file("bad.jsonl", zText);
  assert_int_equal(expected_users_load(&eu, zPath, &g_rules, &res, &e), want);
  char zWant[600];
  snprintf(zWant, sizeof(zWant), "%s%s", zPath, zWantSuffix);
  assert_string_equal(e.zMsg, zWant);
  expected_users_free(&eu);
}

static void test_load_errors_name_file_and_line(void **state) {
  (void)state;
  load_fails("{\"id\":\"" ID_A "\"}\n{oops\n", AIRC_ERR_PARSE,
             ":2: not JSON: string or '}' expected near 'oops'");
  load_fails("{\"id\":\"" ID_A "\"}\n{\"id\":5}\n", AIRC_ERR_INVALID, ":2: record has no string \"id\"");
  load_fails("{\"id\":\"nope\"}\n", AIRC_ERR_INVALID, ":1: id 'nope' is not a UUID");
  load_fails("{\"id\":\"" ID_A "\",\"bad-name\":1}\n", AIRC_ERR_INVALID,
             ":1: field name 'bad-name' is not a fake identifier");
}

static void test_claim_and_compare(void **state) {
  (void)state;
  expected_users eu;
  expected_users_result res;
  airc_err e = {0};
  assert_int_equal(expected_users_load(&eu, three_users(), &g_rules, &res, &e), AIRC_OK);
  assert_int_equal(expected_users_claim(&eu, "7a1d0c4e-0000-4000-8000-00000000ffff"), -1); /* not ours */
  int64_t i = expected_users_claim(&eu, "7a1d0c4e-0000-4000-8000-000000000001");
  assert_int_equal(i, 0);
  assert_int_equal(expected_users_claim(&eu, "7a1d0c4e-0000-4000-8000-000000000001"), -1); /* seen */
  assert_int_equal(expected_users_compare(&eu, i, 1, "Zoë", 0), 1);
  assert_int_equal(expected_users_compare(&eu, i, 2, "31", 0), 1); /* a number as its JSON text */
  assert_int_equal(eu.aState[0], EXPECTED_FOUND);
  int64_t j = expected_users_claim(&eu, ID_B);
  assert_int_equal(expected_users_compare(&eu, j, 2, NULL, 1), 1); /* null == null */
  assert_int_equal(expected_users_compare(&eu, j, 1, "Ngx", 0), 0);
  assert_int_equal(eu.aState[1], EXPECTED_MISMATCH);
  assert_string_equal(res.zFirstMismatch, "id " ID_B " field 'name': expected 'Ng' got 'Ngx'");
  int64_t k = expected_users_claim(&eu, ID_C);
  assert_int_equal(expected_users_compare(&eu, k, 1, NULL, 1), 0); /* first mismatch kept */
  assert_string_equal(res.zFirstMismatch, "id " ID_B " field 'name': expected 'Ng' got 'Ngx'");
  expected_users_free(&eu);
}

/* The fake backend: row r of aRow appears from pass iVisibleFrom[r] on. */
typedef struct fake_db {
  expected_users *pEu;
  int iPass, nCalls, bNoTable, nMaxBatch;
  int aVisibleFrom[3];
  const char *azName[3];
  airc_rc rcFail;
} fake_db;

static airc_rc fake_batch(void *pCtx, const int64_t *aIdx, int n, int *pbNoTable, airc_err *pErr) {
  fake_db *d = pCtx;
  d->nCalls++;
  if(n > d->nMaxBatch) d->nMaxBatch = n;
  if(d->rcFail) return airc_err_set(pErr, d->rcFail, "SELECT from t: connection lost");
  if(d->bNoTable) { *pbNoTable = 1; return AIRC_OK; }
  for(int k = 0; k < n; k++) {
    int64_t r = aIdx[k];
    if(d->aVisibleFrom[r] > d->pEu->pRes->nChecks) continue;
    int64_t i = expected_users_claim(d->pEu, d->pEu->azId[r]);
    if(i >= 0 && expected_users_compare(d->pEu, i, 1, d->azName[r], 0))
      (void)expected_users_compare(d->pEu, i, 2, r == 0 ? "31" : "7", r == 1);
  }
  return AIRC_OK;
}

static airc_rc run_check(fake_db *d, expected_users *pEu, expected_users_result *pRes, int64_t timeoutMs,
                         int nBatch, airc_err *pErr) {
  assert_int_equal(expected_users_load(pEu, three_users(), &g_rules, pRes, pErr), AIRC_OK);
  d->pEu = pEu;
  expected_users_check_opts o = {.zType = "validate-fake", .zTable = "t", .pollMs = 20, .nBatch = nBatch,
                                 .deadlineUs = airc_now_us() + timeoutMs * 1000};
  return expected_users_check(pEu, &o, fake_batch, d, pErr);
}

static void test_check_waits_for_late_rows_in_batches(void **state) {
  (void)state;
  fake_db d = {.aVisibleFrom = {1, 1, 3}, .azName = {"Zoë", "Ng", "Al"}};
  expected_users eu;
  expected_users_result res;
  airc_err e = {0};
  assert_int_equal(run_check(&d, &eu, &res, 5000, 2, &e), AIRC_OK);
  assert_int_equal(res.nChecks, 3);
  assert_int_equal(res.nFound, 3);
  assert_int_equal(d.nMaxBatch, 2);
  assert_int_equal(d.nCalls, 2 + 1 + 1); /* 3 ids in 2 calls, then only the missing one */
  expected_users_free(&eu);
}

static void test_check_verdict_line(void **state) {
  (void)state;
  fake_db d = {.aVisibleFrom = {1, 1, 99}, .azName = {"Zoë", "Nq", "Al"}};
  expected_users eu;
  expected_users_result res;
  airc_err e = {0};
  assert_int_equal(run_check(&d, &eu, &res, 100, 0, &e), AIRC_ERR_INVALID);
  assert_string_equal(e.zMsg, "1 of 3 records missing, 1 mismatched (first missing id " ID_C
                              "; first mismatch id " ID_B " field 'name': expected 'Ng' got 'Nq')");
  assert_true(res.nChecks >= 2); /* re-checked until the deadline */
  expected_users_free(&eu);
}

static void test_check_missing_table_is_a_note(void **state) {
  (void)state;
  fake_db d = {.bNoTable = 1};
  expected_users eu;
  expected_users_result res;
  airc_err e = {0};
  assert_int_equal(run_check(&d, &eu, &res, 0, 1, &e), AIRC_ERR_INVALID);
  assert_string_equal(e.zMsg, "3 of 3 records missing, 0 mismatched (first missing id "
                              "7a1d0c4e-0000-4000-8000-000000000001; table t does not exist)");
  assert_int_equal(d.nCalls, 1); /* the pass stops at the first "no table" */
  expected_users_free(&eu);
}

static void test_check_backend_error_and_no_records(void **state) {
  (void)state;
  fake_db d = {.rcFail = AIRC_ERR_NET};
  expected_users eu;
  expected_users_result res;
  airc_err e = {0};
  assert_int_equal(run_check(&d, &eu, &res, 5000, 0, &e), AIRC_ERR_NET);
  assert_string_equal(e.zMsg, "SELECT from t: connection lost");
  expected_users_free(&eu);

  fake_db d0 = {.rcFail = AIRC_ERR_NET};
  airc_err e0 = {0};
  assert_int_equal(expected_users_load(&eu, write_file("empty.jsonl", ""), &g_rules, &res, &e0), AIRC_OK);
  expected_users_check_opts o = {.zType = "validate-fake", .zTable = "t", .nBatch = 10};
  assert_int_equal(expected_users_check(&eu, &o, fake_batch, &d0, &e0), AIRC_OK);
  assert_int_equal(d0.nCalls, 0);
  assert_int_equal(res.nExpected, 0);
  expected_users_free(&eu);
}

static void test_task_exit_xcom_and_lines(void **state) {
  (void)state;
  task_ctx c;
  memset(&c, 0, sizeof(c));
  expected_users_result res = {.nExpected = 3, .nFound = 2, .nMissing = 1};
  /* a failed check still reports its counts, with the type named */
  airc_err e = {0};
  airc_err_set(&e, AIRC_ERR_INVALID, "1 of 3 records missing");
  json_decref(g_pXcom);
  g_pXcom = NULL;
  assert_int_equal(expected_users_task_exit(&c, "validate-fake", AIRC_ERR_INVALID, 1, &res, &e),
                   TASK_EXIT_FAILED);
  assert_string_equal(e.zMsg, "validate-fake: 1 of 3 records missing");
  assert_int_equal(json_integer_value(json_object_get(g_pXcom, "missing")), 1);
  assert_int_equal(json_integer_value(json_object_get(g_pXcom, "expected")), 3);
  /* bad options: no XCom, message as the options gave it */
  json_decref(g_pXcom);
  g_pXcom = NULL;
  airc_err e2 = {0};
  airc_err_set(&e2, AIRC_ERR_INVALID, "validate-fake: no input");
  assert_int_equal(expected_users_task_exit(&c, "validate-fake", AIRC_ERR_INVALID, 0, &res, &e2),
                   TASK_EXIT_FAILED);
  assert_null(g_pXcom);
  assert_string_equal(e2.zMsg, "validate-fake: no input");
  /* an unreachable server: no XCom */
  airc_err e3 = {0};
  airc_err_set(&e3, AIRC_ERR_NET, "connecting to h:1: refused");
  assert_int_equal(expected_users_task_exit(&c, "validate-fake", AIRC_ERR_NET, 1, &res, &e3), TASK_EXIT_FAILED);
  assert_null(g_pXcom);
  assert_string_equal(e3.zMsg, "validate-fake: connecting to h:1: refused");
  /* success */
  expected_users_result ok = {.nExpected = 3, .nFound = 3};
  airc_err e4 = {0};
  assert_int_equal(expected_users_task_exit(&c, "validate-fake", AIRC_OK, 1, &ok, &e4), TASK_EXIT_SUCCESS);
  assert_int_equal(json_integer_value(json_object_get(g_pXcom, "found")), 3);
  json_decref(g_pXcom);
  g_pXcom = NULL;
}

static int group_setup(void **state) {
  (void)state;
  return mkdtemp(g_zDir) ? 0 : -1;
}

static int group_teardown(void **state) {
  (void)state;
  char zCmd[400];
  snprintf(zCmd, sizeof(zCmd), "rm -rf '%s'", g_zDir);
  return system(zCmd) == 0 ? 0 : -1;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_load_columns_ids_and_duplicates),
      cmocka_unit_test(test_load_errors_name_file_and_line),
      cmocka_unit_test(test_claim_and_compare),
      cmocka_unit_test(test_check_waits_for_late_rows_in_batches),
      cmocka_unit_test(test_check_verdict_line),
      cmocka_unit_test(test_check_missing_table_is_a_note),
      cmocka_unit_test(test_check_backend_error_and_no_records),
      cmocka_unit_test(test_task_exit_xcom_and_lines),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
