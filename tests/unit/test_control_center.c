/* test_control_center.c: the Control Center's pure parts: the Kafka
 * snapshot's lag, messages/s and metrics (kafka_view.c), the schema
 * registry reader over canned HTTP answers (registry_view.c), and the
 * Spark master's /json/ shaping (spark_view.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <string.h>
#include "providers/kafka/kafka_view.h"
#include "providers/kafka/registry_view.h"
#include "providers/spark/spark_checkpoint.h"
#include "providers/spark/spark_view.h"
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static json_t *load(const char *zJson) {
  json_error_t e;
  json_t *p = json_loads(zJson, 0, &e);
  if(!p) fail_msg("bad test JSON: %s", e.text);
  return p;
}

/* A snapshot taken at sampled_us with topic t (2 partitions) at the given
 * high watermarks, and group g with the given committed offsets. */
static json_t *snapshot(long long us, int hi0, int hi1, const char *zCommitted0, const char *zCommitted1) {
  char z[2048];
  snprintf(z, sizeof(z),
           "{\"status\":\"up\",\"error\":null,\"bootstrap\":\"b:9092\",\"sampled_us\":%lld,\"controller_id\":2,"
           "\"brokers\":[{\"id\":1,\"host\":\"h1\",\"port\":9092},{\"id\":2,\"host\":\"h2\",\"port\":9093}],"
           "\"topics\":[{\"name\":\"t\",\"internal\":false,\"partitions\":["
           "{\"partition\":0,\"leader\":1,\"replicas\":[1,2],\"isr\":[1],\"low_watermark\":0,\"high_watermark\":%d,\"error\":null},"
           "{\"partition\":1,\"leader\":2,\"replicas\":[2,1],\"isr\":[2,1],\"low_watermark\":5,\"high_watermark\":%d,\"error\":null}]}],"
           "\"groups\":[{\"group_id\":\"g\\\"x\",\"state\":\"Stable\",\"simple\":false,\"error\":null,\"members\":[],"
           "\"offsets\":[{\"topic\":\"t\",\"partition\":0,\"committed\":%s},{\"topic\":\"t\",\"partition\":1,\"committed\":%s},"
           "{\"topic\":\"gone\",\"partition\":0,\"committed\":4}]}]}",
           us, hi0, hi1, zCommitted0, zCommitted1);
  return load(z);
}

/* The value at an "a.0.b" style path of object keys and array indexes. */
static const json_t *get(const json_t *p, const char *zPath) {
  char z[200];
  snprintf(z, sizeof(z), "%s", zPath);
  const json_t *cur = p;
  for(char *zTok = strtok(z, "."); zTok && cur; zTok = strtok(NULL, ".")) {
    cur = json_is_array(cur) ? json_array_get(cur, (size_t)atoi(zTok)) : json_object_get(cur, zTok);
  }
  return cur;
}

static json_int_t geti(const json_t *p, const char *zPath) {
  const json_t *cur = get(p, zPath);
  if(!json_is_integer(cur)) fail_msg("%s is not an integer", zPath);
  return json_integer_value(cur);
}

static void test_lag_per_partition(void **state) {
  (void)state;
  json_t *p = snapshot(1000000, 10, 25, "7", "null");
  kafka_view_complete(p, NULL);
  json_t *pGroups = kafka_view_groups(p);
  assert_int_equal(geti(pGroups, "groups.0.offsets.1.high_watermark"), 10);
  assert_int_equal(geti(pGroups, "groups.0.offsets.1.lag"), 3);
  /* no committed offset: lag unknown, not the whole partition */
  assert_true(json_is_null(get(pGroups, "groups.0.offsets.2.lag")));
  assert_int_equal(geti(pGroups, "groups.0.offsets.2.high_watermark"), 25);
  /* a topic that no longer exists: nothing to compare with (sorted first) */
  assert_true(json_is_null(get(pGroups, "groups.0.offsets.0.high_watermark")));
  assert_true(json_is_null(get(pGroups, "groups.0.offsets.0.lag")));
  assert_int_equal(geti(pGroups, "groups.0.lag"), 3);
  assert_string_equal(json_string_value(get(pGroups, "status")), "up");
  assert_string_equal(json_string_value(get(pGroups, "sampled_at")), "1970-01-01T00:00:01+00:00");
  json_decref(pGroups);
  json_decref(p);
  /* committed ahead of the watermark (a truncated topic): lag 0, not negative */
  p = snapshot(1000000, 10, 25, "12", "25");
  kafka_view_complete(p, NULL);
  assert_int_equal(geti(p, "groups.0.offsets.1.lag"), 0);
  assert_int_equal(geti(p, "groups.0.offsets.2.lag"), 0);
  assert_int_equal(geti(p, "groups.0.lag"), 0);
  json_decref(p);
}

static void test_topics_messages_and_rate(void **state) {
  (void)state;
  json_t *pOld = snapshot(1000000, 10, 25, "0", "0");
  kafka_view_complete(pOld, NULL);
  assert_true(json_is_null(get(pOld, "topics.0.messages_per_second")));
  assert_int_equal(geti(pOld, "topics.0.messages"), 10 + 20);
  /* 2.5 s later 50 more messages: 20 per second */
  json_t *pNew = snapshot(3500000, 40, 45, "0", "0");
  kafka_view_complete(pNew, pOld);
  assert_true(json_real_value(get(pNew, "topics.0.messages_per_second")) == 20.0);
  json_t *pTopics = kafka_view_topics(pNew);
  assert_string_equal(json_string_value(get(pTopics, "topics.0.name")), "t");
  assert_int_equal(geti(pTopics, "topics.0.partitions.1.leader"), 2);
  assert_int_equal(geti(pTopics, "topics.0.partitions.1.replicas.1"), 1);
  assert_int_equal(json_array_size(get(pTopics, "topics.0.partitions.0.isr")), 1);
  assert_int_equal(geti(pTopics, "topics.0.partitions.1.high_watermark"), 45);
  json_decref(pTopics);
  /* watermarks went down (topic recreated) or no time passed: unknown */
  json_t *pReset = snapshot(4500000, 1, 1, "0", "0");
  kafka_view_complete(pReset, pNew);
  assert_true(json_is_null(get(pReset, "topics.0.messages_per_second")));
  json_t *pSame = snapshot(3500000, 50, 50, "0", "0");
  kafka_view_complete(pSame, pNew);
  assert_true(json_is_null(get(pSame, "topics.0.messages_per_second")));
  json_decref(pSame);
  json_decref(pReset);
  json_decref(pNew);
  json_decref(pOld);
}

static void test_cluster_marks_controller(void **state) {
  (void)state;
  json_t *p = snapshot(1000000, 1, 1, "0", "0");
  json_t *pC = kafka_view_cluster(p);
  assert_int_equal(geti(pC, "controller_id"), 2);
  assert_true(json_is_false(get(pC, "brokers.0.controller")));
  assert_true(json_is_true(get(pC, "brokers.1.controller")));
  assert_string_equal(json_string_value(get(pC, "bootstrap")), "b:9092");
  json_decref(pC);
  json_decref(p);
  /* a down snapshot still has the whole shape */
  p = load("{\"status\":\"down\",\"error\":\"kafka at x:1: refused\",\"sampled_us\":5,\"controller_id\":null,"
           "\"brokers\":[],\"topics\":[],\"groups\":[]}");
  kafka_view_complete(p, NULL);
  pC = kafka_view_cluster(p);
  assert_string_equal(json_string_value(get(pC, "status")), "down");
  assert_string_equal(json_string_value(get(pC, "error")), "kafka at x:1: refused");
  assert_true(json_is_null(get(pC, "controller_id")));
  assert_int_equal(json_array_size(get(pC, "brokers")), 0);
  json_decref(pC);
  json_decref(p);
}

static void test_complete_sorts(void **state) {
  (void)state;
  json_t *p = load("{\"status\":\"up\",\"sampled_us\":1,\"brokers\":[{\"id\":3},{\"id\":1}],"
                   "\"topics\":[{\"name\":\"zeta\",\"partitions\":[{\"partition\":2},{\"partition\":0},{\"partition\":1}]},"
                   "{\"name\":\"alpha\",\"partitions\":[]}],"
                   "\"groups\":[{\"group_id\":\"g2\",\"offsets\":[]},{\"group_id\":\"g1\",\"offsets\":["
                   "{\"topic\":\"zeta\",\"partition\":1},{\"topic\":\"alpha\",\"partition\":5},{\"topic\":\"zeta\",\"partition\":0}]}]}");
  kafka_view_complete(p, NULL);
  assert_string_equal(json_string_value(get(p, "topics.0.name")), "alpha");
  assert_int_equal(geti(p, "topics.1.partitions.0.partition"), 0);
  assert_int_equal(geti(p, "topics.1.partitions.2.partition"), 2);
  assert_string_equal(json_string_value(get(p, "groups.0.group_id")), "g1");
  assert_string_equal(json_string_value(get(p, "groups.0.offsets.0.topic")), "alpha");
  assert_int_equal(geti(p, "groups.0.offsets.1.partition"), 0);
  assert_int_equal(geti(p, "groups.0.offsets.2.partition"), 1);
  assert_int_equal(geti(p, "brokers.0.id"), 1);
  json_decref(p);
}

static void test_metrics_text(void **state) {
  (void)state;
  json_t *p = snapshot(1000000, 10, 25, "7", "null");
  kafka_view_complete(p, NULL);
  dynbuf b;
  dynbuf_init(&b, 1 << 20);
  assert_int_equal(kafka_view_metrics(p, &b), AIRC_OK);
  const char *z = dynbuf_str(&b);
  assert_non_null(strstr(z, "# TYPE airc_kafka_up gauge\nairc_kafka_up 1\n"));
  assert_non_null(strstr(z, "airc_kafka_partition_high_watermark{topic=\"t\",partition=\"1\"} 25\n"));
  /* the group's name has a quote: escaped */
  assert_non_null(strstr(z, "airc_kafka_consumer_group_lag{group=\"g\\\"x\",topic=\"t\",partition=\"0\"} 3\n"));
  assert_non_null(strstr(z, "airc_kafka_consumer_group_committed_offset{group=\"g\\\"x\",topic=\"t\",partition=\"0\"} 7\n"));
  /* unknown lag: no sample (not a made-up 0) */
  assert_null(strstr(z, "airc_kafka_consumer_group_lag{group=\"g\\\"x\",topic=\"t\",partition=\"1\"}"));
  dynbuf_free(&b);
  /* the cap is honoured */
  dynbuf_init(&b, 64);
  assert_int_not_equal(kafka_view_metrics(p, &b), AIRC_OK);
  dynbuf_free(&b);
  json_decref(p);
}

/* ---- schema registry over canned answers ---- */

typedef struct canned {
  const char *zPath;
  long status;      /* 0: no answer (transport error) */
  const char *zBody;
} canned;

typedef struct canned_ctx {
  const canned *a;
  int nCalls;
} canned_ctx;

static airc_rc canned_get(void *pCtx, const char *zPath, long *pStatus, json_t **ppBody, airc_err *pErr) {
  canned_ctx *c = pCtx;
  c->nCalls++;
  for(const canned *p = c->a; p->zPath; p++) {
    if(strcmp(p->zPath, zPath)) continue;
    if(!p->status) return airc_err_set(pErr, AIRC_ERR_NET, "GET %s: Connection refused", zPath);
    *pStatus = p->status;
    *ppBody = p->zBody ? json_loads(p->zBody, 0, NULL) : NULL;
    return AIRC_OK;
  }
  *pStatus = 404;
  *ppBody = json_loads("{\"error_code\":40401,\"message\":\"Subject not found\"}", 0, NULL);
  return AIRC_OK;
}

static void test_registry_subjects(void **state) {
  (void)state;
  static const canned a[] = {
      {"/subjects", 200, "[\"users_created-value\", \"a b/c\"]"},
      {"/config", 200, "{\"compatibilityLevel\":\"BACKWARD\"}"},
      {"/subjects/users_created-value/versions", 200, "[1, 2]"},
      {"/subjects/users_created-value/versions/latest", 200,
       "{\"subject\":\"users_created-value\",\"version\":2,\"id\":7,\"schema\":\"{}\"}"},
      {"/config/users_created-value", 200, "{\"compatibilityLevel\":\"FULL\"}"},
      /* the second subject's name is escaped; its config is inherited (404) */
      {"/subjects/a%20b%2Fc/versions", 200, "[3]"},
      {"/subjects/a%20b%2Fc/versions/latest", 200, "{\"version\":3,\"id\":9,\"schemaType\":\"JSON\"}"},
      {NULL, 0, NULL}};
  canned_ctx c = {a, 0};
  json_t *p = registry_view_read("http://r:8081/apis/ccompat/v7", canned_get, &c);
  assert_string_equal(json_string_value(get(p, "status")), "up");
  assert_string_equal(json_string_value(get(p, "compatibility")), "BACKWARD");
  assert_int_equal(json_array_size(get(p, "subjects")), 2);
  assert_string_equal(json_string_value(get(p, "subjects.0.subject")), "users_created-value");
  assert_int_equal(geti(p, "subjects.0.versions.1"), 2);
  assert_int_equal(geti(p, "subjects.0.latest_id"), 7);
  assert_string_equal(json_string_value(get(p, "subjects.0.schema_type")), "AVRO");
  assert_string_equal(json_string_value(get(p, "subjects.0.compatibility")), "FULL");
  assert_true(json_is_false(get(p, "subjects.0.compatibility_inherited")));
  assert_string_equal(json_string_value(get(p, "subjects.1.compatibility")), "BACKWARD");
  assert_true(json_is_true(get(p, "subjects.1.compatibility_inherited")));
  assert_string_equal(json_string_value(get(p, "subjects.1.schema_type")), "JSON");
  assert_int_equal(geti(p, "subjects.1.latest_version"), 3);
  assert_true(json_is_null(get(p, "subjects.1.error")));
  json_decref(p);
}

static void test_registry_down_and_bad(void **state) {
  (void)state;
  static const canned aDown[] = {{"/subjects", 0, NULL}, {NULL, 0, NULL}};
  canned_ctx c = {aDown, 0};
  json_t *p = registry_view_read("http://r:1", canned_get, &c);
  assert_string_equal(json_string_value(get(p, "status")), "down");
  assert_string_equal(json_string_value(get(p, "error")), "schema registry at http://r:1: GET /subjects: Connection refused");
  assert_int_equal(c.nCalls, 1); /* nothing more is tried */
  json_decref(p);
  static const canned aHtml[] = {{"/subjects", 200, NULL}, {NULL, 0, NULL}};
  c = (canned_ctx){aHtml, 0};
  p = registry_view_read("http://r:2", canned_get, &c);
  assert_string_equal(json_string_value(get(p, "error")), "schema registry at http://r:2: GET /subjects: HTTP 200");
  json_decref(p);
  static const canned aObj[] = {{"/subjects", 200, "{\"a\":1}"}, {NULL, 0, NULL}};
  c = (canned_ctx){aObj, 0};
  p = registry_view_read("http://r:3", canned_get, &c);
  assert_string_equal(json_string_value(get(p, "error")),
                      "schema registry at http://r:3: GET /subjects: not a JSON array of names");
  json_decref(p);
  /* a subject whose versions fail keeps its name and says why */
  static const canned aPart[] = {{"/subjects", 200, "[\"s\"]"}, {"/subjects/s/versions", 500, "{\"message\":\"boom\"}"},
                                 {NULL, 0, NULL}};
  c = (canned_ctx){aPart, 0};
  p = registry_view_read("http://r:4", canned_get, &c);
  assert_string_equal(json_string_value(get(p, "status")), "up");
  assert_true(json_is_null(get(p, "compatibility"))); /* /config answered 404 */
  assert_string_equal(json_string_value(get(p, "subjects.0.error")), "GET /subjects/s/versions: HTTP 500: boom");
  json_decref(p);
}

static void test_registry_escape(void **state) {
  (void)state;
  char z[16];
  assert_int_equal(registry_view_escape("a-b_c.d~", z, sizeof(z)), 0);
  assert_string_equal(z, "a-b_c.d~");
  assert_int_equal(registry_view_escape("é/", z, sizeof(z)), 0);
  assert_string_equal(z, "%C3%A9%2F");
  assert_int_equal(registry_view_escape("0123456789abcdef", z, sizeof(z)), -1);
}

/* ---- Spark master ---- */

static void test_spark_master(void **state) {
  (void)state;
  json_t *pMaster = load(
      "{\"url\":\"spark://127.0.0.1:7077\",\"workers\":["
      "{\"id\":\"worker-1\",\"host\":\"127.0.0.1\",\"port\":40001,\"webuiaddress\":\"http://127.0.0.1:8081\","
      "\"cores\":2,\"coresused\":1,\"memory\":2048,\"memoryused\":1024,\"state\":\"ALIVE\",\"lastheartbeat\":1764288000000},"
      "{\"id\":\"worker-2\",\"host\":\"127.0.0.1\",\"port\":40002,\"cores\":2,\"coresused\":0,\"memory\":2048,"
      "\"memoryused\":0,\"state\":\"DEAD\",\"lastheartbeat\":1764287000000}],"
      "\"aliveworkers\":1,\"cores\":2,\"coresused\":1,\"memory\":2048,\"memoryused\":1024,"
      "\"activeapps\":[{\"id\":\"app-2\",\"starttime\":1764288000000,\"name\":\"spark_stream\",\"cores\":1,\"user\":\"u\","
      "\"memoryperexecutor\":1024,\"state\":\"RUNNING\",\"duration\":5000}],"
      "\"completedapps\":[{\"id\":\"app-0\",\"name\":\"old\",\"memoryperslave\":512,\"state\":\"FINISHED\"},"
      "{\"id\":\"app-1\",\"name\":\"newer\",\"state\":\"KILLED\"}],"
      "\"status\":\"ALIVE\"}");
  json_t *p = spark_view_master("http://127.0.0.1:8080", pMaster);
  assert_string_equal(json_string_value(get(p, "status")), "up");
  assert_string_equal(json_string_value(get(p, "url")), "spark://127.0.0.1:7077");
  assert_int_equal(geti(p, "alive_workers"), 1);
  assert_int_equal(json_array_size(get(p, "workers")), 2);
  assert_string_equal(json_string_value(get(p, "workers.1.state")), "DEAD");
  assert_true(json_is_null(get(p, "workers.1.web_ui")));
  assert_string_equal(json_string_value(get(p, "workers.0.last_heartbeat")), "2025-11-28T00:00:00+00:00");
  assert_int_equal(geti(p, "workers.0.memory_used_mb"), 1024);
  assert_string_equal(json_string_value(get(p, "active_apps.0.name")), "spark_stream");
  assert_int_equal(geti(p, "active_apps.0.memory_per_executor_mb"), 1024);
  assert_int_equal(geti(p, "active_apps.0.duration_ms"), 5000);
  /* completed apps newest first; the older field name still read */
  assert_string_equal(json_string_value(get(p, "completed_apps.0.id")), "app-1");
  assert_int_equal(geti(p, "completed_apps.1.memory_per_executor_mb"), 512);
  json_decref(p);
  json_decref(pMaster);
  pMaster = load("{\"status\":\"STANDBY\",\"workers\":[]}");
  p = spark_view_master("http://m:8080", pMaster);
  assert_string_equal(json_string_value(get(p, "status")), "down");
  assert_string_equal(json_string_value(get(p, "error")), "spark master at http://m:8080 is STANDBY");
  json_decref(p);
  json_decref(pMaster);
  pMaster = load("[1]");
  p = spark_view_master("http://m:8080", pMaster);
  assert_string_equal(json_string_value(get(p, "error")), "spark master at http://m:8080: /json/ is not a master's state");
  json_decref(p);
  json_decref(pMaster);
}

/* ---- Spark checkpoints ---- */

static void test_checkpoint_parse_offsets(void **state) {
  (void)state;
  json_t *p = NULL;
  airc_err err = {0};
  assert_int_equal(spark_checkpoint_parse_offsets(
                       "v1\n{\"batchWatermarkMs\":0,\"batchTimestampMs\":1,\"conf\":{}}\n"
                       "{\"users_created\":{\"1\":7,\"0\":12}}\n-\n{\"other\":{\"x\":1,\"2\":\"no\",\"3\":4}}",
                       &p, &err),
                   AIRC_OK);
  assert_int_equal(json_array_size(p), 3);
  assert_string_equal(json_string_value(get(p, "0.topic")), "users_created");
  assert_int_equal(geti(p, "0.partition"), 1);
  assert_int_equal(geti(p, "0.committed"), 7);
  assert_int_equal(geti(p, "1.committed"), 12);
  /* a non-numeric partition or offset is skipped, the rest kept */
  assert_string_equal(json_string_value(get(p, "2.topic")), "other");
  assert_int_equal(geti(p, "2.partition"), 3);
  json_decref(p);
  assert_int_equal(spark_checkpoint_parse_offsets("{\"t\":{\"0\":1}}", &p, &err), AIRC_ERR_PARSE);
  assert_string_equal(airc_err_msg(&err), "offsets file: no version line");
  assert_null(p);
  airc_err err2 = {0};
  assert_int_equal(spark_checkpoint_parse_offsets("v1\n{}", &p, &err2), AIRC_ERR_PARSE);
  assert_string_equal(airc_err_msg(&err2), "offsets file: no batch metadata line");
}

static void put(const char *zDir, const char *zRel, const char *zText) {
  char z[1024];
  snprintf(z, sizeof(z), "%s/%s", zDir, zRel);
  FILE *f = fopen(z, "w");
  assert_non_null(f);
  fputs(zText, f);
  fclose(f);
}

static void mk(const char *zDir, const char *zRel) {
  char z[1024];
  snprintf(z, sizeof(z), "%s/%s", zDir, zRel);
  assert_int_equal(mkdir(z, 0700), 0);
}

static void test_checkpoint_scan(void **state) {
  (void)state;
  char zRoot[] = "/tmp/airc-test-ckpt-XXXXXX";
  assert_non_null(mkdtemp(zRoot));
  json_t *p = spark_checkpoint_scan("/nonexistent/airc-ckpt");
  assert_int_equal(json_array_size(p), 0);
  json_decref(p);
  mk(zRoot, "user_pipeline");
  mk(zRoot, "user_pipeline/trigger_stream_job");
  mk(zRoot, "user_pipeline/trigger_stream_job/offsets");
  mk(zRoot, "user_pipeline/trigger_stream_job/commits");
  put(zRoot, "user_pipeline/trigger_stream_job/offsets/0", "v1\n{}\n{\"t\":{\"0\":5}}\n");
  put(zRoot, "user_pipeline/trigger_stream_job/offsets/1", "v1\n{}\n{\"t\":{\"0\":9,\"1\":4}}\n");
  put(zRoot, "user_pipeline/trigger_stream_job/offsets/2", "v1\n{}\n{\"t\":{\"0\":20,\"1\":20}}\n");
  put(zRoot, "user_pipeline/trigger_stream_job/commits/0", "v1\n{}");
  put(zRoot, "user_pipeline/trigger_stream_job/commits/1", "v1\n{}");
  put(zRoot, "user_pipeline/trigger_stream_job/commits/.1.crc", "x");
  /* a query that has planned a batch but committed none */
  mk(zRoot, "a_dag");
  mk(zRoot, "a_dag/job");
  mk(zRoot, "a_dag/job/offsets");
  /* not a checkpoint */
  mk(zRoot, "a_dag/notes");
  p = spark_checkpoint_scan(zRoot);
  assert_int_equal(json_array_size(p), 2);
  assert_string_equal(json_string_value(get(p, "0.group_id")), "spark:a_dag/job");
  assert_true(json_is_null(get(p, "0.batch")));
  assert_int_equal(json_array_size(get(p, "0.offsets")), 0);
  assert_string_equal(json_string_value(get(p, "1.group_id")), "spark:user_pipeline/trigger_stream_job");
  assert_string_equal(json_string_value(get(p, "1.kind")), "spark_checkpoint");
  /* batch 2 is planned, not committed: what was processed is batch 1's */
  assert_int_equal(geti(p, "1.batch"), 1);
  assert_int_equal(geti(p, "1.offsets.0.committed"), 9);
  assert_int_equal(geti(p, "1.offsets.1.committed"), 4);
  assert_true(json_is_null(get(p, "1.error")));
  json_decref(p);
  /* the committed batch's offsets file is gone: the group says so */
  char z[1024];
  snprintf(z, sizeof(z), "%s/user_pipeline/trigger_stream_job/offsets/1", zRoot);
  unlink(z);
  snprintf(z, sizeof(z), "%s/user_pipeline/trigger_stream_job", zRoot);
  p = spark_checkpoint_group("q", z);
  assert_string_equal(json_string_value(get(p, "group_id")), "spark:q");
  assert_non_null(strstr(json_string_value(get(p, "error")), "offsets/1: No such file or directory"));
  json_decref(p);
  char zCmd[1100];
  snprintf(zCmd, sizeof(zCmd), "rm -rf '%s'", zRoot);
  assert_int_equal(system(zCmd), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lag_per_partition),
      cmocka_unit_test(test_topics_messages_and_rate),
      cmocka_unit_test(test_cluster_marks_controller),
      cmocka_unit_test(test_complete_sorts),
      cmocka_unit_test(test_metrics_text),
      cmocka_unit_test(test_registry_subjects),
      cmocka_unit_test(test_registry_down_and_bad),
      cmocka_unit_test(test_registry_escape),
      cmocka_unit_test(test_spark_master),
      cmocka_unit_test(test_checkpoint_parse_offsets),
      cmocka_unit_test(test_checkpoint_scan),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
