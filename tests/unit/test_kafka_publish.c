/* test_kafka_publish.c: kafka_publish_file() and the publish-kafka task type
 * against librdkafka's in-process mock cluster (no real broker), plus a
 * dead-broker case that must fail within its timeout with a clear message.
 * XCom values are captured by xcom_capture.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common/timeutil.h"
#include "providers/runners.h"
#include "providers/kafka/kafka_publish.h"
#include "providers/kafka/kafka_record.h"
#include "executor/task_type.h"

extern const task_type task_type_publish_kafka;

/* ---- stub of the executor's XCom writer ---- */
#include "xcom_capture.h"

/* ---- fixture: one mock cluster for the whole file ---- */
static rd_kafka_t *g_rkMock;
static rd_kafka_mock_cluster_t *g_pMock;
static char g_zBootstrap[256];
static char g_zDir[] = "/tmp/airc-test-kafka-XXXXXX";

static int group_setup(void **state) {
  (void)state;
  char zErr[256];
  rd_kafka_conf_t *pConf = rd_kafka_conf_new();
  rd_kafka_conf_set(pConf, "log_level", "0", zErr, sizeof(zErr));
  g_rkMock = rd_kafka_new(RD_KAFKA_PRODUCER, pConf, zErr, sizeof(zErr));
  if(!g_rkMock) return -1;
  g_pMock = rd_kafka_mock_cluster_new(g_rkMock, 1);
  if(!g_pMock) return -1;
  snprintf(g_zBootstrap, sizeof(g_zBootstrap), "%s", rd_kafka_mock_cluster_bootstraps(g_pMock));
  if(rd_kafka_mock_topic_create(g_pMock, "users_created", 3, 1)) return -1;
  if(!mkdtemp(g_zDir)) return -1;
  return 0;
}

static int group_teardown(void **state) {
  (void)state;
  rd_kafka_mock_cluster_destroy(g_pMock);
  rd_kafka_destroy(g_rkMock);
  json_decref(g_pXcom);
  g_pXcom = NULL;
  char zCmd[300];
  snprintf(zCmd, sizeof(zCmd), "rm -rf %s", g_zDir);
  return system(zCmd) == 0 ? 0 : -1;
}

/* Writes n records (ids "00000000-0000-4000-8000-%012d") to DIR/zName;
 * iBad > 0 replaces that line with broken JSON. Returns the path (static). */
static const char *write_records(const char *zName, int n, int iBad) {
  static char zPath[512];
  snprintf(zPath, sizeof(zPath), "%s/%s", g_zDir, zName);
  FILE *f = fopen(zPath, "w");
  assert_non_null(f);
  for(int i = 1; i <= n; i++) {
    if(i == iBad) fprintf(f, "{\"id\": \"broken\", \"first_name\": \n");
    else
      fprintf(f, "{\"id\":\"00000000-0000-4000-8000-%012d\",\"first_name\":\"Zoë\",\"last_name\":\"N%d\"}\n",
              i, i);
    if(i == 2) fprintf(f, "\n"); /* blank lines are skipped */
  }
  fclose(f);
  return zPath;
}

static kafka_publish_opts mock_opts(const char *zInput) {
  kafka_publish_opts o;
  memset(&o, 0, sizeof(o));
  o.zBootstrap = g_zBootstrap;
  o.zTopic = "users_created";
  o.zInput = zInput;
  o.bCreateTopic = 0; /* the mock cluster has no admin API */
  o.nPartitions = o.nReplication = 1;
  o.timeoutMs = 20000;
  o.zDagId = "user_pipeline";
  o.zRunId = "manual__2026-01-01T00:00:00+00:00";
  o.zTaskId = "publish_kafka";
  return o;
}

/* A value encoder that writes "X" + the line, and refuses line iRefuse. */
typedef struct fake_enc {
  int nCall, iRefuse;
  char a[4096];
} fake_enc;

static airc_rc fake_encode(void *pCtx, const char *zLine, size_t n, const uint8_t **ppOut, size_t *pnOut,
                           airc_err *pErr) {
  fake_enc *f = pCtx;
  if(++f->nCall == f->iRefuse) return airc_err_set(pErr, AIRC_ERR_INVALID, "field 'email' missing");
  f->a[0] = 'X';
  memcpy(f->a + 1, zLine, n);
  *ppOut = (const uint8_t *)f->a;
  *pnOut = n + 1;
  return AIRC_OK;
}

/* With an encoder: a record it refuses fails the publish with FILE:LINE in
 * the check pass (nothing produced); otherwise the encoded values are sent
 * and their bytes counted. */
static void test_publish_with_encoder(void **state) {
  (void)state;
  const char *zPath = write_records("enc.jsonl", 5, 0);
  kafka_publish_opts o = mock_opts(zPath);
  fake_enc f = {.iRefuse = 4}; /* the 4th record is on line 5 (a blank line after the 2nd) */
  o.xEncode = fake_encode;
  o.pEncodeCtx = &f;
  o.zFormat = "avro";
  kafka_publish_result r;
  airc_err e = {0};
  assert_int_equal(kafka_publish_file(&o, &r, &e), AIRC_ERR_INVALID);
  char zWant[600];
  snprintf(zWant, sizeof(zWant), "%s:5: field 'email' missing", zPath);
  assert_string_equal(e.zMsg, zWant);
  assert_int_equal(r.nDelivered, 0);
  assert_int_equal(r.nValueBytes, 0);
  kafka_publish_result_free(&r);

  f = (fake_enc){.iRefuse = 0};
  airc_err_clear(&e);
  assert_int_equal(kafka_publish_file(&o, &r, &e), AIRC_OK);
  assert_int_equal(r.nDelivered, 5);
  assert_int_equal(f.nCall, 5); /* encoded once, in the check pass: pass 2 sends what it kept */
  FILE *fp = fopen(zPath, "r");
  char zLine[512];
  int64_t nWant = 0;
  while(fgets(zLine, sizeof(zLine), fp))
    if(zLine[0] != '\n') nWant += (int64_t)strlen(zLine) - 1 + 1; /* minus newline, plus 'X' */
  fclose(fp);
  assert_int_equal(r.nValueBytes, nWant);
  json_t *pX = kafka_publish_result_json(&r, "users_created");
  assert_string_equal(json_string_value(json_object_get(pX, "format")), "avro");
  assert_int_equal(json_integer_value(json_object_get(pX, "value_bytes")), nWant);
  json_decref(pX);
  kafka_publish_result_free(&r);
}

static void test_record_check(void **state) {
  (void)state;
  char zId[64];
  airc_err e = {0};
  assert_int_equal(kafka_record_check("{\"id\":\"abc\"}", 12, zId, sizeof(zId), &e), AIRC_OK);
  assert_string_equal(zId, "abc");
  assert_int_equal(kafka_record_check("[1]", 3, zId, sizeof(zId), &e), AIRC_ERR_INVALID);
  assert_string_equal(e.zMsg, "record is not a JSON object");
  airc_err_clear(&e);
  assert_int_equal(kafka_record_check("{\"id\":7}", 8, zId, sizeof(zId), &e), AIRC_ERR_INVALID);
  assert_string_equal(e.zMsg, "record has no string \"id\"");
  airc_err_clear(&e);
  assert_int_equal(kafka_record_check("{\"id\":", 6, zId, sizeof(zId), &e), AIRC_ERR_PARSE);
  assert_non_null(strstr(e.zMsg, "not JSON"));
}

/* Consumes n messages of users_created from the beginning and checks key =
 * record id and the airc headers. */
static void consume_back(int n) {
  char zErr[256];
  rd_kafka_conf_t *pConf = rd_kafka_conf_new();
  assert_int_equal(rd_kafka_conf_set(pConf, "bootstrap.servers", g_zBootstrap, zErr, sizeof(zErr)), 0);
  assert_int_equal(rd_kafka_conf_set(pConf, "group.id", "airc-test", zErr, sizeof(zErr)), 0);
  assert_int_equal(rd_kafka_conf_set(pConf, "auto.offset.reset", "earliest", zErr, sizeof(zErr)), 0);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, pConf, zErr, sizeof(zErr));
  assert_non_null(rk);
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t *pList = rd_kafka_topic_partition_list_new(3);
  for(int p = 0; p < 3; p++)
    rd_kafka_topic_partition_list_add(pList, "users_created", p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  assert_int_equal(rd_kafka_assign(rk, pList), 0);
  rd_kafka_topic_partition_list_destroy(pList);
  int nGot = 0;
  int64_t deadline = airc_now_us() + 20 * 1000000LL;
  while(nGot < n && airc_now_us() < deadline) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
    if(!m) continue;
    if(m->err) { rd_kafka_message_destroy(m); continue; }
    json_t *pRec = json_loadb(m->payload, m->len, 0, NULL);
    assert_non_null(pRec);
    const char *zId = json_string_value(json_object_get(pRec, "id"));
    assert_int_equal(m->key_len, strlen(zId));
    assert_memory_equal(m->key, zId, m->key_len);
    assert_string_equal(json_string_value(json_object_get(pRec, "first_name")), "Zoë");
    rd_kafka_headers_t *pHdr = NULL;
    assert_int_equal(rd_kafka_message_headers(m, &pHdr), 0);
    const void *pV;
    size_t nV;
    assert_int_equal(rd_kafka_header_get_last(pHdr, "airc_dag_id", &pV, &nV), 0);
    assert_int_equal(nV, strlen("user_pipeline"));
    assert_memory_equal(pV, "user_pipeline", nV);
    assert_int_equal(rd_kafka_header_get_last(pHdr, "airc_run_id", &pV, &nV), 0);
    assert_memory_equal(pV, "manual__", 8);
    assert_int_equal(rd_kafka_header_get_last(pHdr, "airc_task_id", &pV, &nV), 0);
    json_decref(pRec);
    rd_kafka_message_destroy(m);
    nGot++;
  }
  assert_int_equal(nGot, n);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
}

static void test_publish_mock_delivers_all(void **state) {
  (void)state;
  kafka_publish_opts o = mock_opts(write_records("ok.jsonl", 60, 0));
  kafka_publish_result r;
  airc_err e = {0};
  assert_int_equal(kafka_publish_file(&o, &r, &e), AIRC_OK);
  assert_int_equal(r.nRead, 60);
  assert_int_equal(r.nDelivered, 60);
  int64_t nSum = 0;
  for(int i = 0; i < r.nPart; i++) {
    if(!r.aPart[i].nDelivered) continue;
    assert_int_equal(r.aPart[i].iFirst, 0); /* fresh topic, one producer */
    assert_int_equal(r.aPart[i].iLast - r.aPart[i].iFirst + 1, r.aPart[i].nDelivered);
    nSum += r.aPart[i].nDelivered;
  }
  assert_int_equal(nSum, 60);
  json_t *pX = kafka_publish_result_json(&r, "users_created");
  assert_string_equal(json_string_value(json_object_get(pX, "topic")), "users_created");
  assert_int_equal(json_integer_value(json_object_get(pX, "read")), 60);
  assert_int_equal(json_integer_value(json_object_get(pX, "delivered")), 60);
  json_t *pParts = json_object_get(pX, "partitions");
  assert_true(json_object_size(pParts) >= 1);
  const char *zKey;
  json_t *pV;
  json_object_foreach(pParts, zKey, pV) {
    int i = atoi(zKey);
    assert_int_equal(json_integer_value(json_object_get(pV, "first_offset")), r.aPart[i].iFirst);
    assert_int_equal(json_integer_value(json_object_get(pV, "last_offset")), r.aPart[i].iLast);
  }
  json_decref(pX);
  kafka_publish_result_free(&r);
  consume_back(60);
}

static void test_publish_malformed_line_names_file_line(void **state) {
  (void)state;
  const char *zPath = write_records("bad.jsonl", 5, 4);
  kafka_publish_opts o = mock_opts(zPath);
  kafka_publish_result r;
  airc_err e = {0};
  assert_int_equal(kafka_publish_file(&o, &r, &e), AIRC_ERR_PARSE);
  char zWant[600];
  /* line 4 is the 5th physical line because of the blank line after 2 */
  snprintf(zWant, sizeof(zWant), "%s:5: not JSON: unexpected end of input (column 32)", zPath);
  assert_string_equal(e.zMsg, zWant);
  assert_int_equal(r.nDelivered, 0);
  kafka_publish_result_free(&r);
}

/* A file of 4 MiB or more is checked by two threads, one half each: every
 * record still goes out with its own id as key (pass 2 fails with "changed
 * while publishing" if the ids of the halves came back out of order), and a
 * bad line in either half is named with its line number in the whole file. */
static void test_publish_big_file_checked_in_halves(void **state) {
  (void)state;
  assert_int_equal(rd_kafka_mock_topic_create(g_pMock, "users_big", 3, 1), 0);
  const int n = 60000; /* ~5 MiB */
  kafka_publish_opts o = mock_opts(write_records("big.jsonl", n, 0));
  o.zTopic = "users_big";
  kafka_publish_result r;
  airc_err e = {0};
  assert_int_equal(kafka_publish_file(&o, &r, &e), AIRC_OK);
  assert_int_equal(r.nRead, n);
  assert_int_equal(r.nDelivered, n);
  kafka_publish_result_free(&r);
  char zWant[600];
  static const int aBad[] = {10, 59000}; /* first half, second half */
  for(size_t i = 0; i < sizeof(aBad) / sizeof(aBad[0]); i++) {
    const char *zPath = write_records("bigbad.jsonl", n, aBad[i]);
    o = mock_opts(zPath);
    o.zTopic = "users_big";
    airc_err_clear(&e);
    assert_int_equal(kafka_publish_file(&o, &r, &e), AIRC_ERR_PARSE);
    /* +1: the blank line after line 2 */
    snprintf(zWant, sizeof(zWant), "%s:%d: not JSON: unexpected end of input (column 32)", zPath, aBad[i] + 1);
    assert_string_equal(e.zMsg, zWant);
    assert_int_equal(r.nDelivered, 0);
    kafka_publish_result_free(&r);
  }
}

static void test_publish_missing_file(void **state) {
  (void)state;
  kafka_publish_opts o = mock_opts("/nonexistent/airc/users.jsonl");
  kafka_publish_result r;
  airc_err e = {0};
  assert_int_equal(kafka_publish_file(&o, &r, &e), AIRC_ERR_IO);
  assert_string_equal(e.zMsg, "open /nonexistent/airc/users.jsonl: No such file or directory");
  kafka_publish_result_free(&r);
}

/* A port nothing listens on: bind to 0, read the port, close. */
static int unused_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t n = sizeof(a);
  assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &n), 0);
  close(fd);
  return ntohs(a.sin_port);
}

static void test_publish_dead_broker_fails_in_bound(void **state) {
  (void)state;
  char zBoot[64];
  snprintf(zBoot, sizeof(zBoot), "127.0.0.1:%d", unused_port());
  kafka_publish_opts o = mock_opts(write_records("dead.jsonl", 5, 0));
  o.zBootstrap = zBoot;
  o.timeoutMs = 3000;
  o.messageTimeoutMs = 2000;
  kafka_publish_result r;
  airc_err e = {0};
  int64_t t0 = airc_now_us();
  assert_int_not_equal(kafka_publish_file(&o, &r, &e), AIRC_OK);
  double sec = (double)(airc_now_us() - t0) / 1e6;
  assert_true(sec < 8.0);
  char zWant[200];
  snprintf(zWant, sizeof(zWant), "0/5 delivered to users_created at %s: ", zBoot);
  assert_non_null(strstr(e.zMsg, zWant));
  assert_non_null(strstr(e.zMsg, "Connection refused"));
  assert_null(strchr(e.zMsg, '\n'));
  print_message("dead broker: %s (%.1fs)\n", e.zMsg, sec);
  kafka_publish_result_free(&r);
}

static void test_publish_dead_broker_create_topic_bounded(void **state) {
  (void)state;
  char zBoot[64];
  snprintf(zBoot, sizeof(zBoot), "127.0.0.1:%d", unused_port());
  kafka_publish_opts o = mock_opts(write_records("dead2.jsonl", 5, 0));
  o.zBootstrap = zBoot;
  o.bCreateTopic = 1;
  o.timeoutMs = 2000;
  kafka_publish_result r;
  airc_err e = {0};
  int64_t t0 = airc_now_us();
  assert_int_not_equal(kafka_publish_file(&o, &r, &e), AIRC_OK);
  assert_true((double)(airc_now_us() - t0) / 1e6 < 8.0);
  char zWant[200];
  snprintf(zWant, sizeof(zWant), "create topic users_created at %s: ", zBoot);
  assert_non_null(strstr(e.zMsg, zWant));
  assert_non_null(strstr(e.zMsg, "Connection refused"));
  kafka_publish_result_free(&r);
}

/* ---- task level ---- */

static int run_task(json_t *pOptions, json_t *pUp) {
  task_ctx c;
  memset(&c, 0, sizeof(c));
  c.zDagId = "user_pipeline";
  c.zRunId = "manual__1";
  c.zTaskId = "publish_kafka";
  c.tryNumber = 1;
  c.pOptions = pOptions;
  c.pUpstreamXcom = pUp;
  int rc = runner_publish_kafka(&c);
  json_decref(pOptions);
  json_decref(pUp);
  return rc;
}

static void test_task_input_from_upstream_xcom(void **state) {
  (void)state;
  const char *zPath = write_records("task.jsonl", 7, 0);
  json_decref(g_pXcom);
  g_pXcom = NULL;
  int rc = run_task(json_pack("{ssssss}", "bootstrap_servers", g_zBootstrap, "create_topic", "false",
                              "topic", "task_topic"),
                    json_pack("{s{si}s{ss}}", "other", "n", 1, "fetch_users", "path", zPath));
  assert_int_equal(rc, TASK_EXIT_SUCCESS);
  assert_non_null(g_pXcom);
  assert_string_equal(json_string_value(json_object_get(g_pXcom, "topic")), "task_topic");
  assert_int_equal(json_integer_value(json_object_get(g_pXcom, "delivered")), 7);
  assert_int_equal(json_integer_value(json_object_get(g_pXcom, "read")), 7);
}

static void test_task_option_errors(void **state) {
  (void)state;
  assert_int_equal(run_task(json_pack("{ss}", "bootstrap_servers", g_zBootstrap), json_object()),
                   TASK_EXIT_FAILED);
  assert_int_equal(run_task(json_pack("{ssss}", "input", "/x", "timeout", "soon"), json_object()),
                   TASK_EXIT_FAILED);
  char zErr[128];
  assert_int_equal(task_type_publish_kafka.schema.xValidate("partitions", "0", zErr, sizeof(zErr)), -1);
  assert_string_equal(zErr, "'0' is not an integer in 1..100000");
  assert_int_equal(task_type_publish_kafka.schema.xValidate("create_topic", "maybe", zErr, sizeof(zErr)), -1);
  assert_int_equal(task_type_publish_kafka.schema.xValidate("timeout", "{{ params.t }}", zErr, sizeof(zErr)), 0);
  assert_int_equal(task_type_publish_kafka.schema.xValidate("timeout", "90s", zErr, sizeof(zErr)), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_record_check),
      cmocka_unit_test(test_publish_mock_delivers_all),
      cmocka_unit_test(test_publish_malformed_line_names_file_line),
      cmocka_unit_test(test_publish_big_file_checked_in_halves),
      cmocka_unit_test(test_publish_missing_file),
      cmocka_unit_test(test_publish_dead_broker_fails_in_bound),
      cmocka_unit_test(test_publish_dead_broker_create_topic_bounded),
      cmocka_unit_test(test_task_input_from_upstream_xcom),
      cmocka_unit_test(test_task_option_errors),
      cmocka_unit_test(test_publish_with_encoder),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
