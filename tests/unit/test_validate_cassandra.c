/* test_validate_cassandra.c: cass_validate_file() and the validate-cassandra
 * task type against the unit-level fake CQL server (tests/unit/
 * cql_fake_server.h), whose "table" is an in-memory list of records. The
 * fake understands only the statement the validator sends:
 *   SELECT c1, c2, ... FROM ks.t WHERE id IN (?, ...)  with uuid values. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/timeutil.h"
#include "providers/cassandra/cassandra_validate.h"
#include "executor/task_type.h"
#include "tests/unit/cql_fake_server.h"

extern const task_type task_type_validate_cassandra;

#include "xcom_capture.h"

#define N_REC 250
static char g_zDir[] = "/tmp/airc-test-validate-XXXXXX";
static char g_zInput[300];

/* The fake table. */
typedef struct fake_table {
  json_t *aRow[N_REC];      /* NULL = absent */
  int iVisibleFrom[N_REC];  /* row appears once nQueries >= this */
  int nQueries;
  int bNoTable;             /* answer "unconfigured table" */
} fake_table;

static void rec_id(int i, char *z) { snprintf(z, 37, "7a1d0c4e-0000-4000-8000-%012d", i); }

static json_t *rec_new(int i) {
  char zId[37];
  rec_id(i, zId);
  return json_pack("{ssssssss}", "id", zId, "first_name", "Zoë", "last_name", "Ng",
                   "dob", "1990-01-02T03:04:05.000Z");
}

static int group_setup(void **state) {
  (void)state;
  if(!mkdtemp(g_zDir)) return -1;
  snprintf(g_zInput, sizeof(g_zInput), "%s/users.jsonl", g_zDir);
  FILE *f = fopen(g_zInput, "w");
  for(int i = 0; i < N_REC; i++) {
    json_t *p = rec_new(i);
    char *z = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER);
    fprintf(f, "%s\n", z);
    free(z);
    json_decref(p);
  }
  fclose(f);
  return 0;
}

static int group_teardown(void **state) {
  (void)state;
  json_decref(g_pXcom);
  char zCmd[300];
  snprintf(zCmd, sizeof(zCmd), "rm -rf %s", g_zDir);
  return system(zCmd) == 0 ? 0 : -1;
}

static void table_fill(fake_table *t) {
  memset(t, 0, sizeof(*t));
  for(int i = 0; i < N_REC; i++) t->aRow[i] = rec_new(i);
}
static void table_free(fake_table *t) {
  for(int i = 0; i < N_REC; i++) json_decref(t->aRow[i]);
}

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int fake_handler(void *pArg, uint8_t op, const uint8_t *pBody, size_t nBody, uint8_t *pOp,
                        dynbuf *pOut) {
  fake_table *t = pArg;
  (void)nBody;
  if(op == CQL_OP_STARTUP) { *pOp = CQL_OP_READY; return 0; }
  if(op != CQL_OP_QUERY) return -1;
  uint32_t nq = be32(pBody);
  char zQ[8192];
  snprintf(zQ, sizeof(zQ), "%.*s", (int)nq, pBody + 4);
  if(t->bNoTable) {
    *pOp = CQL_OP_ERROR;
    bb_i32(pOut, 0x2200);
    bb_string(pOut, "unconfigured table created_users");
    return 0;
  }
  t->nQueries++;
  /* column list */
  const char *azCol[16];
  uint16_t aType[16];
  int nCol = 0;
  char zCols[1024];
  const char *zFrom = strstr(zQ, " FROM ");
  snprintf(zCols, sizeof(zCols), "%.*s", (int)(zFrom - zQ - 7), zQ + 7);
  for(char *z = strtok(zCols, ", "); z && nCol < 16; z = strtok(NULL, ", ")) {
    azCol[nCol] = z;
    aType[nCol++] = !strcmp(z, "id") ? CQL_TYPE_UUID : CQL_TYPE_VARCHAR;
  }
  /* values */
  const uint8_t *p = pBody + 4 + nq;
  uint8_t flags = p[2];
  assert_true(flags & 0x01);
  int nVal = p[3] << 8 | p[4];
  p += 5;
  dynbuf rows;
  dynbuf_init(&rows, 1 << 24);
  int nRow = 0;
  for(int v = 0; v < nVal; v++) {
    assert_int_equal(be32(p), 16);
    char zId[37];
    cql_uuid_format(p + 4, zId);
    p += 20;
    int i = atoi(zId + 24);
    if(i < 0 || i >= N_REC || !t->aRow[i] || t->nQueries < t->iVisibleFrom[i]) continue;
    nRow++;
    for(int c = 0; c < nCol; c++) {
      if(aType[c] == CQL_TYPE_UUID) {
        uint8_t a[16];
        cql_uuid_parse(zId, a);
        bb_bytes(&rows, a, 16);
      } else {
        const char *zV = json_string_value(json_object_get(t->aRow[i], azCol[c]));
        if(zV) bb_bytes(&rows, zV, (int32_t)strlen(zV));
        else bb_i32(&rows, -1);
      }
    }
  }
  *pOp = CQL_OP_RESULT;
  bb_rows_header(pOut, nCol, azCol, aType);
  bb_i32(pOut, nRow);
  bb_mem(pOut, rows.z, rows.n);
  dynbuf_free(&rows);
  return 0;
}

static cass_validate_opts opts_for(int port) {
  cass_validate_opts o;
  memset(&o, 0, sizeof(o));
  o.conn.zHost = "127.0.0.1";
  o.conn.port = port;
  o.zKeyspace = "spark_streams";
  o.zTable = "created_users";
  o.zInput = g_zInput;
  o.consistency = CQL_LOCAL_ONE;
  o.timeoutMs = 1000;
  o.pollMs = 200;
  return o;
}

static void test_all_present(void **state) {
  (void)state;
  fake_table t;
  table_fill(&t);
  fake_cql f;
  assert_int_equal(fake_cql_start(&f, fake_handler, &t), 0);
  cass_validate_opts o = opts_for(f.port);
  cass_validate_result r;
  airc_err e = {0};
  assert_int_equal(cass_validate_file(&o, &r, &e), AIRC_OK);
  assert_int_equal(r.nExpected, N_REC);
  assert_int_equal(r.nFound, N_REC);
  assert_int_equal(r.nMissing, 0);
  assert_int_equal(t.nQueries, 3); /* 250 ids in batches of 100 */
  fake_cql_stop(&f);
  table_free(&t);
}

static void test_missing_and_mismatch_message(void **state) {
  (void)state;
  fake_table t;
  table_fill(&t);
  json_decref(t.aRow[3]); t.aRow[3] = NULL;
  json_decref(t.aRow[7]); t.aRow[7] = NULL;
  json_decref(t.aRow[200]); t.aRow[200] = NULL;
  json_object_set_new(t.aRow[5], "dob", json_string("1990-01-03T03:04:05.000Z"));
  json_object_del(t.aRow[9], "last_name"); /* null in the table */
  fake_cql f;
  assert_int_equal(fake_cql_start(&f, fake_handler, &t), 0);
  cass_validate_opts o = opts_for(f.port);
  cass_validate_result r;
  airc_err e = {0};
  int64_t t0 = airc_now_us();
  assert_int_equal(cass_validate_file(&o, &r, &e), AIRC_ERR_INVALID);
  assert_true(airc_now_us() - t0 < 3000000);
  assert_true(r.nChecks >= 2); /* re-checked the missing ids until the deadline */
  assert_int_equal(r.nMissing, 3);
  assert_int_equal(r.nMismatched, 2);
  assert_int_equal(r.nFound, N_REC - 3);
  assert_string_equal(e.zMsg,
      "3 of 250 records missing, 2 mismatched (first missing id 7a1d0c4e-0000-4000-8000-000000000003; "
      "first mismatch id 7a1d0c4e-0000-4000-8000-000000000005 field 'dob': "
      "expected '1990-01-02T03:04:05.000Z' got '1990-01-03T03:04:05.000Z')");
  fake_cql_stop(&f);
  table_free(&t);
}

static void test_rows_arriving_late_are_waited_for(void **state) {
  (void)state;
  fake_table t;
  table_fill(&t);
  t.iVisibleFrom[42] = 7; /* visible from the 7th query: 3 passes (3 + 1 + 1 + ...) */
  fake_cql f;
  assert_int_equal(fake_cql_start(&f, fake_handler, &t), 0);
  cass_validate_opts o = opts_for(f.port);
  o.timeoutMs = 5000;
  o.pollMs = 100;
  cass_validate_result r;
  airc_err e = {0};
  assert_int_equal(cass_validate_file(&o, &r, &e), AIRC_OK);
  assert_true(r.nChecks >= 3);
  assert_int_equal(r.nMissing, 0);
  fake_cql_stop(&f);
  table_free(&t);
}

static void test_table_missing_counts_as_missing(void **state) {
  (void)state;
  fake_table t;
  table_fill(&t);
  t.bNoTable = 1;
  fake_cql f;
  assert_int_equal(fake_cql_start(&f, fake_handler, &t), 0);
  cass_validate_opts o = opts_for(f.port);
  o.timeoutMs = 1000;
  cass_validate_result r;
  airc_err e = {0};
  assert_int_equal(cass_validate_file(&o, &r, &e), AIRC_ERR_INVALID);
  assert_non_null(strstr(e.zMsg, "250 of 250 records missing, 0 mismatched (first missing id "));
  assert_non_null(strstr(e.zMsg, "; table spark_streams.created_users does not exist)"));
  fake_cql_stop(&f);
  table_free(&t);
}

static void test_bad_input_and_identifiers(void **state) {
  (void)state;
  char zBad[400];
  snprintf(zBad, sizeof(zBad), "%s/bad.jsonl", g_zDir);
  FILE *f = fopen(zBad, "w");
  fprintf(f, "{\"id\":\"7a1d0c4e-0000-4000-8000-000000000001\",\"x\":\"1\"}\n{\"id\":\"1; DROP TABLE x\"}\n");
  fclose(f);
  cass_validate_opts o = opts_for(1);
  o.zInput = zBad;
  cass_validate_result r;
  airc_err e = {0};
  assert_int_equal(cass_validate_file(&o, &r, &e), AIRC_ERR_INVALID);
  char zWant[600];
  snprintf(zWant, sizeof(zWant), "%s:2: id '1; DROP TABLE x' is not a UUID", zBad);
  assert_string_equal(e.zMsg, zWant);
  airc_err_clear(&e);
  o.zInput = g_zInput;
  o.zTable = "users; DROP";
  assert_int_equal(cass_validate_file(&o, &r, &e), AIRC_ERR_INVALID);
  assert_int_equal(cass_identifier_ok("created_users"), 1);
  assert_int_equal(cass_identifier_ok("1x"), 0);
  assert_int_equal(cass_identifier_ok("a-b"), 0);
}

/* ---- task level ---- */

static int run_task(json_t *pOptions, json_t *pUp) {
  task_ctx c;
  memset(&c, 0, sizeof(c));
  c.zDagId = "user_pipeline";
  c.zRunId = "manual__1";
  c.zTaskId = "validate_cassandra";
  c.pOptions = pOptions;
  c.pUpstreamXcom = pUp;
  int rc = task_type_validate_cassandra.xRun(&c);
  json_decref(pOptions);
  json_decref(pUp);
  return rc;
}

static void test_task_success_and_xcom(void **state) {
  (void)state;
  fake_table t;
  table_fill(&t);
  fake_cql f;
  assert_int_equal(fake_cql_start(&f, fake_handler, &t), 0);
  char zPort[16];
  snprintf(zPort, sizeof(zPort), "%d", f.port);
  int rc = run_task(json_pack("{ssssss}", "port", zPort, "host", "127.0.0.1", "timeout", "2s"),
                    json_pack("{s{si}s{ss}}", "trigger_stream_job", "exit_code", 0, "fetch_users",
                              "path", g_zInput));
  assert_int_equal(rc, TASK_EXIT_SUCCESS);
  assert_int_equal(json_integer_value(json_object_get(g_pXcom, "expected")), N_REC);
  assert_int_equal(json_integer_value(json_object_get(g_pXcom, "found")), N_REC);
  assert_int_equal(json_integer_value(json_object_get(g_pXcom, "missing")), 0);
  assert_int_equal(json_integer_value(json_object_get(g_pXcom, "mismatched")), 0);
  fake_cql_stop(&f);
  table_free(&t);
}

static void test_task_unreachable_and_bad_options(void **state) {
  (void)state;
  fake_table t;
  table_fill(&t);
  fake_cql f;
  assert_int_equal(fake_cql_start(&f, fake_handler, &t), 0);
  int port = f.port;
  fake_cql_stop(&f);
  table_free(&t);
  char zPort[16];
  snprintf(zPort, sizeof(zPort), "%d", port);
  /* the one-line stderr message is checked at the library level above;
   * here: exit status */
  assert_int_equal(run_task(json_pack("{ssssss}", "port", zPort, "input", g_zInput, "timeout", "2s"),
                            json_object()), TASK_EXIT_FAILED);
  cass_validate_opts o = opts_for(port);
  cass_validate_result r;
  airc_err e = {0};
  assert_int_equal(cass_validate_file(&o, &r, &e), AIRC_ERR_NET);
  char zWant[200];
  snprintf(zWant, sizeof(zWant), "cassandra at 127.0.0.1:%d: connect: Connection refused", port);
  assert_string_equal(e.zMsg, zWant);
  assert_int_equal(run_task(json_pack("{ss}", "consistency", "MOST"), json_object()), TASK_EXIT_FAILED);
  assert_int_equal(run_task(json_object(), json_object()), TASK_EXIT_FAILED); /* no input */
  char zErr[128];
  assert_int_equal(task_type_validate_cassandra.schema.xValidate("consistency", "MOST", zErr, sizeof(zErr)), -1);
  assert_string_equal(zErr, "'MOST' is not a consistency level (ONE, LOCAL_ONE, QUORUM, ...)");
  assert_int_equal(task_type_validate_cassandra.schema.xValidate("table", "a.b", zErr, sizeof(zErr)), -1);
  assert_int_equal(task_type_validate_cassandra.schema.xValidate("port", "70000", zErr, sizeof(zErr)), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_all_present),
      cmocka_unit_test(test_missing_and_mismatch_message),
      cmocka_unit_test(test_rows_arriving_late_are_waited_for),
      cmocka_unit_test(test_table_missing_counts_as_missing),
      cmocka_unit_test(test_bad_input_and_identifiers),
      cmocka_unit_test(test_task_success_and_xcom),
      cmocka_unit_test(test_task_unreachable_and_bad_options),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
