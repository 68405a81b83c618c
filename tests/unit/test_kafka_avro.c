/* test_kafka_avro.c: publish-kafka's Avro side without a network: the
 * Confluent wire-format encoder (header bytes, a round trip through Avro C's
 * own decoder), the JSON -> Avro mapping (missing optional and required
 * fields, defaults, wrong types, schemas it refuses), and the registry
 * client's handling of canned answers (200, malformed JSON, 409, 404, 422,
 * no answer) through a fake transport. Also replays the fuzz corpus
 * tests/fuzz/corpus/avro_encode through the fuzz target's checks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <avro.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "providers/kafka/kafka_avro.h"
#include "providers/kafka/kafka_registry.h"
#include "tests/unit/testutil.h"
#define FUZZ_NO_ENTRY
#include "tests/fuzz/fuzz_avro_encode.c"

#define FIELDS_V1                                                                                                  \
  "{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"first_name\",\"type\":\"string\"},"                        \
  "{\"name\":\"email\",\"type\":\"string\"}"

static const char g_zV1[] = "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"t\",\"fields\":[" FIELDS_V1 "]}";
static const char g_zV2[] = "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"t\",\"fields\":[" FIELDS_V1
                            ",{\"name\":\"nationality\",\"type\":[\"null\",\"string\"],\"default\":null}"
                            ",{\"name\":\"score\",\"type\":\"long\",\"default\":7}"
                            ",{\"name\":\"note\",\"type\":[\"string\",\"null\"]}]}";

static kafka_avro *open_ok(const char *z) {
  kafka_avro *p = NULL;
  airc_err e = {0};
  airc_rc rc = kafka_avro_open(z, strlen(z), "test.avsc", &p, &e);
  if(rc) fail_msg("open: %s", e.zMsg);
  return p;
}

/* Decodes the Avro part of a wire-format value with Avro C's reader. */
static void decode(const char *zSchema, const uint8_t *a, size_t n, avro_value_t *pOut, avro_value_iface_t **ppIface,
                   avro_schema_t *ppSchema) {
  assert_int_equal(avro_schema_from_json_length(zSchema, strlen(zSchema), ppSchema), 0);
  *ppIface = avro_generic_class_from_schema(*ppSchema);
  assert_int_equal(avro_generic_value_new(*ppIface, pOut), 0);
  avro_reader_t r = avro_reader_memory((const char *)a + KAFKA_AVRO_HEADER_LEN, (int64_t)(n - KAFKA_AVRO_HEADER_LEN));
  assert_int_equal(avro_value_read(r, pOut), 0);
  avro_reader_free(r);
}

static void decode_free(avro_value_t *v, avro_value_iface_t *pIface, avro_schema_t pSchema) {
  avro_value_decref(v);
  avro_value_iface_decref(pIface);
  avro_schema_decref(pSchema);
}

static void assert_field_str(avro_value_t *pRec, const char *zName, const char *zWant) {
  avro_value_t f;
  const char *z = NULL;
  size_t n = 0;
  assert_int_equal(avro_value_get_by_name(pRec, zName, &f, NULL), 0);
  assert_int_equal(avro_value_get_string(&f, &z, &n), 0);
  assert_string_equal(z, zWant);
  assert_int_equal(n, strlen(zWant) + 1); /* Avro C counts the NUL */
}

static void test_header_bytes(void **state) {
  (void)state;
  uint8_t a[5];
  uint32_t id = 0;
  kafka_avro_header_write(a, 0x01020304u);
  const uint8_t want[5] = {0, 1, 2, 3, 4};
  assert_memory_equal(a, want, 5);
  assert_int_equal(kafka_avro_header_read(a, 5, &id), 0);
  assert_int_equal(id, 0x01020304u);
  kafka_avro_header_write(a, 4000000000u);
  assert_int_equal(kafka_avro_header_read(a, 5, &id), 0);
  assert_int_equal(id, 4000000000u);
  a[0] = 1; /* bad magic */
  assert_int_equal(kafka_avro_header_read(a, 5, &id), -1);
  a[0] = 0;
  assert_int_equal(kafka_avro_header_read(a, 4, &id), -1); /* too short */
}

static void test_encode_round_trip(void **state) {
  (void)state;
  kafka_avro *p = open_ok(g_zV1);
  kafka_avro_set_id(p, 42);
  const char *zRec = "{\"id\":\"9d59a36f-6085-4464-b1f4-679e1ac2c511\",\"first_name\":\"Zo\xc3\xab\","
                     "\"email\":\"z@example.com\",\"extra\":[1,2]}";
  const uint8_t *a;
  size_t n;
  airc_err e = {0};
  assert_int_equal(kafka_avro_encode_text(p, zRec, strlen(zRec), &a, &n, &e), AIRC_OK);
  uint32_t id;
  assert_int_equal(kafka_avro_header_read(a, n, &id), 0);
  assert_int_equal(id, 42);
  /* Avro binary of three strings: zigzag length, then the bytes */
  assert_int_equal(n, 5 + (1 + 36) + (1 + 4) + (1 + 13));
  assert_int_equal(a[5], 36 * 2);
  avro_value_t v;
  avro_value_iface_t *pIface;
  avro_schema_t pSchema;
  decode(g_zV1, a, n, &v, &pIface, &pSchema);
  assert_field_str(&v, "id", "9d59a36f-6085-4464-b1f4-679e1ac2c511");
  assert_field_str(&v, "first_name", "Zo\xc3\xab");
  assert_field_str(&v, "email", "z@example.com");
  decode_free(&v, pIface, pSchema);
  /* the codec is reused: a second record does not carry the first's values */
  const char *zRec2 = "{\"id\":\"b\",\"first_name\":\"\",\"email\":\"e\"}";
  assert_int_equal(kafka_avro_encode_text(p, zRec2, strlen(zRec2), &a, &n, &e), AIRC_OK);
  assert_int_equal(n, 5 + 2 + 1 + 2);
  kafka_avro_free(p);
}

static void test_encode_missing_optional_and_defaults(void **state) {
  (void)state;
  kafka_avro *p = open_ok(g_zV2);
  const uint8_t *a;
  size_t n;
  airc_err e = {0};
  /* nationality absent, score absent (default 7), note JSON null */
  const char *zRec = "{\"id\":\"a\",\"first_name\":\"f\",\"email\":\"e\",\"note\":null}";
  assert_int_equal(kafka_avro_encode_text(p, zRec, strlen(zRec), &a, &n, &e), AIRC_OK);
  avro_value_t v, f, b;
  avro_value_iface_t *pIface;
  avro_schema_t pSchema;
  int disc = -1;
  int64_t l = 0;
  decode(g_zV2, a, n, &v, &pIface, &pSchema);
  assert_int_equal(avro_value_get_by_name(&v, "nationality", &f, NULL), 0);
  assert_int_equal(avro_value_get_discriminant(&f, &disc), 0);
  assert_int_equal(disc, 0); /* null */
  assert_int_equal(avro_value_get_by_name(&v, "score", &f, NULL), 0);
  assert_int_equal(avro_value_get_long(&f, &l), 0);
  assert_int_equal(l, 7);
  assert_int_equal(avro_value_get_by_name(&v, "note", &f, NULL), 0); /* no default: the null branch (1) */
  assert_int_equal(avro_value_get_discriminant(&f, &disc), 0);
  assert_int_equal(disc, 1);
  decode_free(&v, pIface, pSchema);
  /* present values pick their branch */
  const char *zRec2 = "{\"id\":\"a\",\"first_name\":\"f\",\"email\":\"e\",\"nationality\":\"FR\",\"score\":-3}";
  assert_int_equal(kafka_avro_encode_text(p, zRec2, strlen(zRec2), &a, &n, &e), AIRC_OK);
  decode(g_zV2, a, n, &v, &pIface, &pSchema);
  assert_int_equal(avro_value_get_by_name(&v, "nationality", &f, NULL), 0);
  assert_int_equal(avro_value_get_current_branch(&f, &b), 0);
  const char *z;
  size_t nz;
  assert_int_equal(avro_value_get_string(&b, &z, &nz), 0);
  assert_string_equal(z, "FR");
  assert_int_equal(avro_value_get_by_name(&v, "score", &f, NULL), 0);
  assert_int_equal(avro_value_get_long(&f, &l), 0);
  assert_int_equal(l, -3);
  decode_free(&v, pIface, pSchema);
  kafka_avro_free(p);
}

static void test_encode_errors_name_the_field(void **state) {
  (void)state;
  kafka_avro *p = open_ok(g_zV2);
  const uint8_t *a;
  size_t n;
  static const struct {
    const char *zRec, *zWant;
    airc_rc rc;
  } aCase[] = {
      {"{\"id\":\"a\",\"first_name\":\"f\"}", "field 'email' missing (required by the schema, no default)",
       AIRC_ERR_INVALID},
      {"{\"id\":\"a\",\"first_name\":\"f\",\"email\":null}", "field 'email' is null (required by the schema, no default)",
       AIRC_ERR_INVALID},
      {"{\"id\":\"a\",\"first_name\":\"f\",\"email\":5}", "field 'email' has wrong type (integer), the schema wants string",
       AIRC_ERR_INVALID},
      {"{\"id\":\"a\",\"first_name\":\"f\",\"email\":\"e\",\"nationality\":true}",
       "field 'nationality' has wrong type (boolean), the schema wants one of [null, string]", AIRC_ERR_INVALID},
      {"{\"id\":\"a\",\"first_name\":\"f\",\"email\":\"e\",\"score\":1.5}",
       "field 'score' has wrong type (number), the schema wants long", AIRC_ERR_INVALID},
      {"[1]", "record is not a JSON object", AIRC_ERR_INVALID},
      {"{\"id\":", "not JSON", AIRC_ERR_PARSE},
  };
  for(size_t i = 0; i < sizeof(aCase) / sizeof(aCase[0]); i++) {
    airc_err e = {0};
    assert_int_equal(kafka_avro_encode_text(p, aCase[i].zRec, strlen(aCase[i].zRec), &a, &n, &e), aCase[i].rc);
    if(!strstr(e.zMsg, aCase[i].zWant)) fail_msg("case %zu: got '%s', want '%s'", i, e.zMsg, aCase[i].zWant);
    assert_null(strchr(e.zMsg, '\n'));
  }
  kafka_avro_free(p);
}

static void test_open_refuses_what_it_cannot_fill(void **state) {
  (void)state;
  static const struct {
    const char *zSchema, *zWant;
  } aCase[] = {
      {"{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"tags\",\"type\":{\"type\":\"array\",\"items\":\"string\"}}]}",
       "test.avsc: field 'tags' has type array, which publish-kafka cannot fill from JSON"},
      {"\"string\"", "test.avsc: the schema is a string, not a record"},
      {"{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"x\",\"type\":\"nosuchtype\"}]}",
       "test.avsc: not an Avro schema"},
      {"{\"type\":", "test.avsc:1: not JSON"},
  };
  for(size_t i = 0; i < sizeof(aCase) / sizeof(aCase[0]); i++) {
    kafka_avro *p = NULL;
    airc_err e = {0};
    assert_int_not_equal(kafka_avro_open(aCase[i].zSchema, strlen(aCase[i].zSchema), "test.avsc", &p, &e), AIRC_OK);
    assert_null(p);
    if(!strstr(e.zMsg, aCase[i].zWant)) fail_msg("case %zu: got '%s', want '%s'", i, e.zMsg, aCase[i].zWant);
  }
  kafka_avro *p = NULL;
  airc_err e = {0};
  assert_int_equal(kafka_avro_open_file("/nonexistent/user.avsc", &p, &e), AIRC_ERR_IO);
  assert_non_null(strstr(e.zMsg, "schema /nonexistent/user.avsc: No such file"));
}

/* The built-in schemas/user.avsc has the twelve string fields of the JSON
 * record, in its order. */
static void test_default_schema_is_the_user_record(void **state) {
  (void)state;
  const char *z = kafka_avro_default_schema();
  kafka_avro *p = open_ok(z);
  assert_string_equal(kafka_avro_schema_name(p), "User");
  const char *zRec = "{\"id\":\"i\",\"first_name\":\"f\",\"last_name\":\"l\",\"gender\":\"g\",\"address\":\"a\","
                     "\"post_code\":\"p\",\"email\":\"e\",\"username\":\"u\",\"dob\":\"d\",\"registered_date\":\"r\","
                     "\"phone\":\"ph\",\"picture\":\"pic\"}";
  const uint8_t *a;
  size_t n;
  airc_err e = {0};
  assert_int_equal(kafka_avro_encode_text(p, zRec, strlen(zRec), &a, &n, &e), AIRC_OK);
  /* 12 one-byte lengths + the values' bytes */
  assert_int_equal(n, 5 + 12 + strlen("iflgapeudrphpic"));
  assert_memory_equal(a + 5, "\x02i\x02" "f\x02l", 6);
  /* the registered text is compact JSON of the same schema */
  assert_null(strchr(kafka_avro_schema_json(p), '\n'));
  assert_non_null(strstr(kafka_avro_schema_json(p), "\"name\":\"registered_date\""));
  kafka_avro_free(p);
}

/* ---- the registry client ---- */

typedef struct fake_answer {
  long status;      /* 0 = no answer */
  const char *zBody;
} fake_answer;

typedef struct fake_registry {
  fake_answer a[4];
  int nCall;
  char azMethod[4][8];
  char azUrl[4][256];
  char azBody[4][2048];
} fake_registry;

static airc_rc fake_http(void *pCtx, const char *zMethod, const char *zUrl, const char *zBody, long *pStatus,
                         dynbuf *pResp, airc_err *pErr) {
  fake_registry *f = pCtx;
  int i = f->nCall++;
  assert_true(i < 4);
  snprintf(f->azMethod[i], sizeof(f->azMethod[i]), "%s", zMethod);
  snprintf(f->azUrl[i], sizeof(f->azUrl[i]), "%s", zUrl);
  snprintf(f->azBody[i], sizeof(f->azBody[i]), "%s", zBody);
  if(!f->a[i].status)
    return airc_err_set(pErr, AIRC_ERR_NET, "schema registry at %s did not answer: Connection refused", zUrl);
  *pStatus = f->a[i].status;
  if(f->a[i].zBody && dynbuf_appendz(pResp, f->a[i].zBody)) return AIRC_ERR_TOOBIG;
  return AIRC_OK;
}

static void test_registry_register_sets_level_then_registers(void **state) {
  (void)state;
  fake_registry f = {.a = {{200, "{\"compatibility\":\"BACKWARD\"}"}, {200, "{\"id\":17}"}}};
  kafka_registry r = {"http://reg/apis/ccompat/v7", fake_http, &f};
  uint32_t id = 0;
  airc_err e = {0};
  assert_int_equal(kafka_registry_register(&r, "users/created-value", "BACKWARD", "{\"type\":\"string\"}", &id, &e),
                   AIRC_OK);
  assert_int_equal(id, 17);
  assert_int_equal(f.nCall, 2);
  assert_string_equal(f.azMethod[0], "PUT");
  assert_string_equal(f.azUrl[0], "http://reg/apis/ccompat/v7/config/users%2Fcreated-value");
  assert_string_equal(f.azBody[0], "{\"compatibility\":\"BACKWARD\"}");
  assert_string_equal(f.azMethod[1], "POST");
  assert_string_equal(f.azUrl[1], "http://reg/apis/ccompat/v7/subjects/users%2Fcreated-value/versions");
  /* the schema travels as a JSON string */
  assert_string_equal(f.azBody[1], "{\"schema\":\"{\\\"type\\\":\\\"string\\\"}\"}");
}

static void test_registry_refusals_are_one_line(void **state) {
  (void)state;
  static const char z409[] =
      "{\"error_code\":409,\"message\":\"io.apicurio.registry.rules.RuleViolationException: Incompatible artifact: "
      "users_created-value [AVRO], num of incompatible diffs: {1}, list of diff types: [age at /fields/13]\\nat x\"}";
  static const struct {
    fake_answer aConfig, aRegister;
    airc_rc rc;
    const char *zWant;
    int nCall;
  } aCase[] = {
      {{200, "{\"compatibility\":\"BACKWARD\"}"}, {409, z409}, AIRC_ERR_INVALID,
       "schema registry refused the schema for subject users_created-value (HTTP 409, not BACKWARD compatible): "
       "Incompatible artifact: users_created-value [AVRO], num of incompatible diffs: {1}, list of diff types: [age at "
       "/fields/13]",
       2},
      {{200, "{\"compatibility\":\"BACKWARD\"}"}, {422, "{\"error_code\":42201,\"message\":\"Failed to discover artifact type\"}"},
       AIRC_ERR_INVALID,
       "schema registry rejected the schema for subject users_created-value (HTTP 422): Failed to discover artifact type",
       2},
      {{200, "{\"compatibility\":\"BACKWARD\"}"}, {200, "{\"id\": 1"}, AIRC_ERR_PARSE,
       "registering subject users_created-value: the answer has no schema id", 2},
      {{200, "{\"compatibility\":\"BACKWARD\"}"}, {200, "{\"id\":\"7\"}"}, AIRC_ERR_PARSE, "the answer has no schema id", 2},
      {{200, "{\"compatibility\":\"BACKWARD\"}"}, {404, "{\"error_code\":40401,\"message\":\"Subject not found\"}"},
       AIRC_ERR_NET, "registering subject users_created-value: HTTP 404: Subject not found", 2},
      {{404, "<html>not here</html>"}, {0, NULL}, AIRC_ERR_NET,
       "setting compatibility BACKWARD on subject users_created-value: HTTP 404", 1},
      {{200, "not json"}, {0, NULL}, AIRC_ERR_PARSE, "the answer does not confirm it", 1},
      {{0, NULL}, {0, NULL}, AIRC_ERR_NET,
       "schema registry at http://reg/v7/config/users_created-value did not answer: Connection refused", 1},
  };
  for(size_t i = 0; i < sizeof(aCase) / sizeof(aCase[0]); i++) {
    fake_registry f = {.a = {aCase[i].aConfig, aCase[i].aRegister}};
    kafka_registry r = {"http://reg/v7", fake_http, &f};
    uint32_t id = 99;
    airc_err e = {0};
    assert_int_equal(kafka_registry_register(&r, "users_created-value", "BACKWARD", "{}", &id, &e), aCase[i].rc);
    if(!strstr(e.zMsg, aCase[i].zWant)) fail_msg("case %zu: got '%s', want '%s'", i, e.zMsg, aCase[i].zWant);
    assert_null(strchr(e.zMsg, '\n'));
    assert_int_equal(f.nCall, aCase[i].nCall); /* nothing is registered after a failed first call */
    assert_int_equal(id, 0);
  }
}

static void test_registry_message(void **state) {
  (void)state;
  char z[64];
  kafka_registry_message("{\"message\":\"a.b.CException: why\"}", 33, z, sizeof(z));
  assert_string_equal(z, "why");
  kafka_registry_message("{\"message\":\"plain reason\\nmore\"}", 32, z, sizeof(z));
  assert_string_equal(z, "plain reason");
  kafka_registry_message("{\"message\":\"see Exception: here\"}", 33, z, sizeof(z)); /* not a class name */
  assert_string_equal(z, "see Exception: here");
  kafka_registry_message("garbage", 7, z, sizeof(z));
  assert_string_equal(z, "");
  kafka_registry_message(NULL, 0, z, sizeof(z));
  assert_string_equal(z, "");
}

static void test_fuzz_corpus_replay(void **state) {
  (void)state;
  char zDir[4096];
  snprintf(zDir, sizeof(zDir), "%s", testutil_src_path("tests/fuzz/corpus/avro_encode"));
  DIR *pDir = opendir(zDir);
  if(!pDir) fail_msg("cannot open %s", zDir);
  int n = 0;
  struct dirent *pEnt;
  while((pEnt = readdir(pDir))) {
    if(pEnt->d_name[0] == '.') continue;
    char zPath[8192];
    snprintf(zPath, sizeof(zPath), "%s/%s", zDir, pEnt->d_name);
    size_t nData;
    char *zData = testutil_read_file(zPath, &nData);
    if(!zData) fail_msg("cannot read %s", zPath);
    fuzz_avro_encode_check((const uint8_t *)zData, nData);
    free(zData);
    n++;
  }
  closedir(pDir);
  assert_true(n >= 8);
  fuzz_avro_free();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_header_bytes),
      cmocka_unit_test(test_encode_round_trip),
      cmocka_unit_test(test_encode_missing_optional_and_defaults),
      cmocka_unit_test(test_encode_errors_name_the_field),
      cmocka_unit_test(test_open_refuses_what_it_cannot_fill),
      cmocka_unit_test(test_default_schema_is_the_user_record),
      cmocka_unit_test(test_registry_register_sets_level_then_registers),
      cmocka_unit_test(test_registry_refusals_are_one_line),
      cmocka_unit_test(test_registry_message),
      cmocka_unit_test(test_fuzz_corpus_replay),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
