/* test_kafka_record.c: kafka_record_check(), the non-allocating per-line
 * check of publish-kafka: fixed cases (each rule and its message), then a
 * differential run against jansson's json_loadb() (the check it replaced)
 * over seeded mutations of real-looking records: both must accept and
 * reject the same lines and agree on the id. The one documented difference,
 * numbers outside int64/double range, is left out of the comparison. The
 * comparison is the fuzz target's (tests/fuzz/fuzz_kafka_record.c), whose
 * corpus is replayed here too. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include "providers/kafka/kafka_record.h"
#include "tests/unit/testutil.h"
/* the fuzz target's differential check, without its LLVMFuzzerTestOneInput */
#define FUZZ_NO_ENTRY
#include "tests/fuzz/fuzz_kafka_record.c"

/* ---- fixed cases ---- */

static airc_rc check(const char *z, char *zId, size_t nId, airc_err *pErr) {
  airc_err_clear(pErr);
  return kafka_record_check(z, strlen(z), zId, nId, pErr);
}

static void test_record_accepts(void **state) {
  (void)state;
  char zId[64];
  airc_err e = {0};
  assert_int_equal(check("{\"id\":\"abc\"}", zId, sizeof(zId), &e), AIRC_OK);
  assert_string_equal(zId, "abc");
  assert_int_equal(check(" {\"a\":[1,-2.5e+3,true,false,null,{\"b\":{}}],\"id\" : \"x\\u00e9\\n\\\"\"} \r\n",
                         zId, sizeof(zId), &e), AIRC_OK);
  assert_string_equal(zId, "x\xc3\xa9\n\"");
  /* escaped key, surrogate pair, UTF-8 passed through */
  assert_int_equal(check("{\"\\u0069d\":\"\\ud83d\\ude00 Zo\xc3\xab\"}", zId, sizeof(zId), &e), AIRC_OK);
  assert_string_equal(zId, "\xf0\x9f\x98\x80 Zo\xc3\xab");
  /* the last "id" counts, as in jansson; a nested "id" does not */
  assert_int_equal(check("{\"id\":7,\"n\":{\"id\":\"inner\"},\"id\":\"last\"}", zId, sizeof(zId), &e), AIRC_OK);
  assert_string_equal(zId, "last");
  /* numbers beyond int64 are accepted (jansson refuses them) */
  assert_int_equal(check("{\"id\":\"a\",\"n\":123456789012345678901234567890,\"r\":1e999}", zId, sizeof(zId), &e),
                   AIRC_OK);
}

static void test_record_rejects(void **state) {
  (void)state;
  char zId[8];
  airc_err e = {0};
  assert_int_equal(check("[1]", zId, sizeof(zId), &e), AIRC_ERR_INVALID);
  assert_string_equal(e.zMsg, "record is not a JSON object");
  assert_int_equal(check("{\"id\":7}", zId, sizeof(zId), &e), AIRC_ERR_INVALID);
  assert_string_equal(e.zMsg, "record has no string \"id\"");
  assert_int_equal(check("{\"id\":\"\"}", zId, sizeof(zId), &e), AIRC_ERR_INVALID);
  assert_string_equal(e.zMsg, "record has no string \"id\"");
  assert_int_equal(check("{\"id\":\"a\",\"id\":null}", zId, sizeof(zId), &e), AIRC_ERR_INVALID);
  assert_string_equal(e.zMsg, "record has no string \"id\"");
  assert_int_equal(check("{\"n\":{\"id\":\"a\"}}", zId, sizeof(zId), &e), AIRC_ERR_INVALID);
  assert_string_equal(e.zMsg, "record has no string \"id\"");
  assert_int_equal(check("{\"id\":\"12345678\"}", zId, sizeof(zId), &e), AIRC_ERR_INVALID);
  assert_string_equal(e.zMsg, "record \"id\" is too long");
  assert_int_equal(check("{\"id\":", zId, sizeof(zId), &e), AIRC_ERR_PARSE);
  assert_string_equal(e.zMsg, "not JSON: unexpected end of input (column 7)");
  assert_int_equal(check("{\"id\":\"a\",}", zId, sizeof(zId), &e), AIRC_ERR_PARSE);
  assert_string_equal(e.zMsg, "not JSON: string or '}' expected (column 11)");
  assert_int_equal(check("{\"id\":\"a\"} x", zId, sizeof(zId), &e), AIRC_ERR_PARSE);
  assert_string_equal(e.zMsg, "not JSON: end of input expected (column 12)");
  assert_int_equal(check("\"id\"", zId, sizeof(zId), &e), AIRC_ERR_PARSE);
  assert_string_equal(e.zMsg, "not JSON: '[' or '{' expected (column 1)");
  assert_int_equal(check("{\"id\":\"a\\u0000\"}", zId, sizeof(zId), &e), AIRC_ERR_PARSE);
  assert_string_equal(e.zMsg, "not JSON: \\u0000 is not allowed (column 9)");
  assert_int_equal(check("{\"id\":\"\\ud83d\"}", zId, sizeof(zId), &e), AIRC_ERR_PARSE);
  assert_string_equal(e.zMsg, "not JSON: invalid Unicode escape (high surrogate without its pair) (column 8)");
  assert_int_equal(check("{\"id\":\"a\xc0\xaf\"}", zId, sizeof(zId), &e), AIRC_ERR_PARSE); /* overlong '/' */
  assert_string_equal(e.zMsg, "not JSON: invalid UTF-8 in string (column 9)");
  assert_int_equal(check("{\"id\":\"a\xed\xa0\x80\"}", zId, sizeof(zId), &e), AIRC_ERR_PARSE); /* U+D800 */
  assert_int_equal(check("{\"id\":\"a\tb\"}", zId, sizeof(zId), &e), AIRC_ERR_PARSE);
  assert_string_equal(e.zMsg, "not JSON: control character in string (column 9)");
  assert_int_equal(check("{\"n\":01,\"id\":\"a\"}", zId, sizeof(zId), &e), AIRC_ERR_PARSE);
  assert_int_equal(check("{\"n\":1.,\"id\":\"a\"}", zId, sizeof(zId), &e), AIRC_ERR_PARSE);
  assert_int_equal(check("{\"n\":tru,\"id\":\"a\"}", zId, sizeof(zId), &e), AIRC_ERR_PARSE);
  assert_int_equal(check("", zId, sizeof(zId), &e), AIRC_ERR_PARSE);
  /* a NUL byte inside the line (n counts it) */
  assert_int_equal(kafka_record_check("{\"id\":\"a\0\"}", 11, zId, sizeof(zId), &e), AIRC_ERR_PARSE);
  airc_err_clear(&e);
  assert_int_equal(kafka_record_check("{\"id\":\"a\",\"n\":[7\0]}", 19, zId, sizeof(zId), &e), AIRC_ERR_PARSE);
  assert_string_equal(e.zMsg, "not JSON: ',' or ']' expected (column 17)");
}

static void test_record_depth_bounded(void **state) {
  (void)state;
  char zId[8];
  airc_err e = {0};
  size_t n = 2 * (KAFKA_RECORD_MAX_DEPTH + 1) + 16;
  char *z = malloc(n);
  assert_non_null(z);
  /* exactly the limit: fine; one more: refused (jansson's limit too) */
  for(int d = KAFKA_RECORD_MAX_DEPTH; d <= KAFKA_RECORD_MAX_DEPTH + 1; d++) {
    size_t k = 0;
    k += (size_t)sprintf(z + k, "{\"id\":\"a\",\"x\":");
    for(int i = 1; i < d; i++) z[k++] = '[';
    for(int i = 1; i < d; i++) z[k++] = ']';
    z[k++] = '}';
    airc_err_clear(&e);
    airc_rc rc = kafka_record_check(z, k, zId, sizeof(zId), &e);
    int bRange;
    char zRef[8];
    if(d == KAFKA_RECORD_MAX_DEPTH) {
      assert_int_equal(rc, AIRC_OK);
      assert_int_equal(fuzz_kafka_record_ref(z, k, zRef, sizeof(zRef), &bRange), 0);
    } else {
      assert_string_equal(e.zMsg, "not JSON: maximum parsing depth reached (column 2062)");
      assert_int_equal(fuzz_kafka_record_ref(z, k, zRef, sizeof(zRef), &bRange), 1);
    }
  }
  free(z);
}

static uint64_t g_seed = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(uint32_t n) {
  g_seed ^= g_seed << 13;
  g_seed ^= g_seed >> 7;
  g_seed ^= g_seed << 17;
  return (uint32_t)(g_seed % n);
}

static void test_record_matches_jansson(void **state) {
  (void)state;
  static const char *const azSeed[] = {
      "{\"id\":\"0f6980bc-f949-40fd-8591-79e1c887f137\",\"first_name\":\"Lukas\",\"last_name\":\"M\xc3\xbcller\","
      "\"gender\":\"male\",\"address\":\"5083 Gartenstra\xc3\x9f" "e, M\xc3\xbcnchen\",\"post_code\":\"75750\"}",
      "{\"id\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\",\"n\":[1,-0,0.5,1e10,-2E-3,true,false,null],"
      "\"o\":{\"id\":\"x\",\"e\":{},\"a\":[]}}",
      " { \"k\" : [ { \"id\" : 1 } ] , \"id\" : \"\xe2\x82\xac\xf0\x9f\x98\x80\" } ",
      "[{\"id\":\"arr\"}]",
      "{\"id\":\"dup\",\"id\":\"second\",\"big\":12345678901234567890123}",
  };
  /* bytes that matter to JSON, plus some that never may appear */
  static const char aPick[] = "{}[]\":,\\/ \t\r\n0123456789-+.eEtrufalsn\x01\x7f\x80\xbf\xc2\xc3\xe2\xed\xf0\xf4\xf5\xff" "a";
  char zBuf[512];
  int nSame = 0, nOk = 0;
  for(int iter = 0; iter < 200000; iter++) {
    const char *zSeed = azSeed[rnd(sizeof(azSeed) / sizeof(azSeed[0]))];
    size_t n = strlen(zSeed);
    memcpy(zBuf, zSeed, n);
    int nMut = 1 + (int)rnd(3);
    for(int m = 0; m < nMut && n > 0; m++) {
      size_t at = rnd((uint32_t)n);
      switch(rnd(4)) {
        case 0: zBuf[at] = aPick[rnd(sizeof(aPick) - 1)]; break;                  /* replace */
        case 1: memmove(zBuf + at, zBuf + at + 1, n - at - 1); n--; break;         /* delete */
        case 2:                                                                     /* insert */
          if(n + 1 < sizeof(zBuf)) {
            memmove(zBuf + at + 1, zBuf + at, n - at);
            zBuf[at] = aPick[rnd(sizeof(aPick) - 1)];
            n++;
          }
          break;
        default: n = at; break;                                                     /* cut */
      }
    }
    int want, got;
    airc_err e;
    if(fuzz_kafka_record_differs((const uint8_t *)zBuf, n, &want, &got, &e)) {
      print_error("differs from jansson (jansson %d, scanner %d: %s) on %zu bytes: %.*s\n", want, got,
                  e.zMsg, n, (int)n, zBuf);
      fail();
    }
    if(want == 0) nOk++;
    nSame++;
  }
  print_message("agreed with jansson on %d lines (%d accepted)\n", nSame, nOk);
  assert_true(nOk > 1000);
}

/* every file of tests/fuzz/corpus/kafka_record, whole, as one line */
static void test_record_corpus_replay(void **state) {
  (void)state;
  const char *zDir = testutil_src_path("tests/fuzz/corpus/kafka_record");
  DIR *pDir = opendir(zDir);
  if(!pDir) fail_msg("cannot open %s (run from the repository root or set AIRC_SRC_DIR)", zDir);
  int n = 0;
  struct dirent *pEnt;
  while((pEnt = readdir(pDir))) {
    if(pEnt->d_name[0] == '.') continue;
    char zPath[8192];
    snprintf(zPath, sizeof(zPath), "%s/%s", zDir, pEnt->d_name);
    size_t nData;
    char *zData = testutil_read_file(zPath, &nData);
    if(!zData) fail_msg("cannot read %s", zPath);
    int want, got;
    airc_err e;
    if(fuzz_kafka_record_differs((const uint8_t *)zData, nData, &want, &got, &e))
      fail_msg("%s: jansson %d, scanner %d (%s)", zPath, want, got, e.zMsg);
    free(zData);
    n++;
  }
  closedir(pDir);
  assert_true(n >= 9);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_record_accepts),
      cmocka_unit_test(test_record_rejects),
      cmocka_unit_test(test_record_depth_bounded),
      cmocka_unit_test(test_record_matches_jansson),
      cmocka_unit_test(test_record_corpus_replay),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
