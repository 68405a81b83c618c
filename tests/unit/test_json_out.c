/* test_json_out.c: webui/json_out.c prints what jansson prints. Each
 * writer call is compared with json_dumps(JSON_COMPACT |
 * JSON_PRESERVE_ORDER) of the same value (or airc_time_format_api for
 * times), on fixed and on pseudo-random inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/timeutil.h"
#include "webui/json_out.h"

#define FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)

/* The old api_text(): jansson's string, "(not UTF-8)" when it refuses. */
static char *jansson_str(const char *z) {
  json_t *p = json_string(z);
  if(!p) p = json_string("(not UTF-8)");
  char *zOut = json_dumps(p, FLAGS);
  json_decref(p);
  return zOut;
}

/* The old conf path: parse, keep objects, print. */
static char *jansson_conf(const char *z) {
  json_t *p = json_loads(z, JSON_DECODE_ANY, NULL);
  if(!json_is_object(p)) {
    json_decref(p);
    p = json_object();
  }
  char *zOut = json_dumps(p, FLAGS);
  json_decref(p);
  return zOut;
}

static void check_str(const char *z) {
  json_out o;
  json_out_init(&o, 1 << 20);
  json_out_str(&o, z);
  char *zWant = jansson_str(z);
  assert_int_equal(o.rc, AIRC_OK);
  assert_string_equal(dynbuf_str(&o.b), zWant);
  free(zWant);
  json_out_free(&o);
}

static void check_conf(const char *z, int bCanonical) {
  json_out o;
  json_out_init(&o, 1 << 20);
  json_out_object_text(&o, z);
  char *zWant = jansson_conf(z);
  assert_int_equal(o.rc, AIRC_OK);
  assert_string_equal(dynbuf_str(&o.b), zWant);
  if(bCanonical >= 0) assert_int_equal(json_out_is_canonical_object(z), bCanonical);
  free(zWant);
  json_out_free(&o);
}

static uint32_t g_seed = 12345;
static uint32_t rnd(void) {
  g_seed = g_seed * 1103515245u + 12345u;
  return g_seed >> 8;
}

static void test_json_out_str(void **state) {
  (void)state;
  char z[8];
  for(int c = 1; c < 256; c++) { /* every single byte */
    z[0] = (char)c;
    z[1] = 0;
    check_str(z);
  }
  static const char *const az[] = {"", "plain", "q\"b\\s/", "é", "😀", "\xed\xa0\x80" /* surrogate */,
                                   "\xc0\x80" /* overlong */, "\xe0\x80\xaf", "\xf4\x90\x80\x80" /* > U+10FFFF */,
                                   "\xf0\x9f\x98", "a\x7f\x1f\x01\b\f\n\r\t", "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf"};
  for(size_t i = 0; i < sizeof(az) / sizeof(az[0]); i++) check_str(az[i]);
  /* random strings biased to the interesting bytes */
  static const unsigned char aPick[] = {'a', '"', '\\', '/', 0x01, 0x1f, 0x7f, 0x80, 0xbf, 0xc2, 0xc3, 0xe0,
                                        0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, '\n', 0xa9, 0x9f, 0x98};
  char zR[24];
  for(int i = 0; i < 20000; i++) {
    int n = (int)(rnd() % 20);
    for(int j = 0; j < n; j++) zR[j] = (char)aPick[rnd() % sizeof(aPick)];
    zR[n] = 0;
    check_str(zR);
  }
  json_out o;
  json_out_init(&o, 64);
  json_out_str(&o, NULL);
  assert_string_equal(dynbuf_str(&o.b), "null");
  json_out_free(&o);
}

static void test_json_out_int_and_time(void **state) {
  (void)state;
  static const int64_t aInt[] = {0, 1, -1, 9, 10, -10, 1234567890123LL, INT64_MAX, INT64_MIN};
  for(size_t i = 0; i < sizeof(aInt) / sizeof(aInt[0]); i++) {
    json_out o;
    json_out_init(&o, 64);
    json_out_int(&o, aInt[i]);
    char zWant[32];
    snprintf(zWant, sizeof(zWant), "%lld", (long long)aInt[i]);
    assert_string_equal(dynbuf_str(&o.b), zWant);
    json_out_free(&o);
  }
  json_out o; /* one writer for all: its day cache must never go stale */
  json_out_init(&o, 1 << 20);
  int64_t aUs[4000];
  int n = 0;
  static const int64_t aFixed[] = {0, 1, -1, 999999, -1000000, -1234567, 1577836800001000LL, 253402300799999999LL,
                                   253402300800000000LL /* year 10000 */, -62167219200000000LL /* year 0 */,
                                   -62167219200000001LL};
  for(size_t i = 0; i < sizeof(aFixed) / sizeof(aFixed[0]); i++) aUs[n++] = aFixed[i];
  while(n < 4000) aUs[n++] = (int64_t)(((uint64_t)rnd() << 24) ^ rnd()) % 4102444800000000LL - (rnd() % 2 ? 0 : 86400000000LL * 30);
  for(int i = 0; i < n; i++) {
    size_t nBefore = o.b.n;
    json_out_time_us(&o, aUs[i]);
    char zWant[64], zFmt[48];
    snprintf(zWant, sizeof(zWant), "\"%s\"", airc_time_format_api(aUs[i], zFmt, sizeof(zFmt)));
    assert_int_equal(o.b.n - nBefore, strlen(zWant));
    assert_memory_equal(o.b.z + nBefore, zWant, strlen(zWant));
  }
  json_out_free(&o);
}

static void test_json_out_conf(void **state) {
  (void)state;
  /* spliced as is */
  check_conf("{}", 1);
  check_conf("{\"a\":1}", 1);
  check_conf("{\"b\":2,\"a\":[1,2,{\"x\":null}],\"c\":true,\"d\":false,\"e\":\"\"}", 1);
  check_conf("{\"a\":\"\\u001F\\u0001\\n\\\"\\\\é😀/\"}", 1);
  check_conf("{\"a\":-12,\"b\":0,\"c\":[]}", 1);
  /* re-printed by jansson */
  check_conf("{ \"a\" : 1 }", 0);
  check_conf("{\"a\":1.5}", 0);
  check_conf("{\"a\":1e3}", 0);
  check_conf("{\"a\":-0}", 0);
  check_conf("{\"a\":\"\\u001f\"}", 0);   /* lower-case hex */
  check_conf("{\"a\":\"\\u00e9\\/\"}", 0); /* escapes jansson does not print */
  check_conf("{\"a\":\"\\u0008\"}", 0);   /* jansson prints \b */
  check_conf("{\"a\":1,\"a\":2}", 0);     /* duplicate key */
  check_conf("{\"a\":12345678901234567890}", 0);
  check_conf("{\"a\":\"\\ud83d\\ude00\"}", 0);
  /* not an object, not JSON, not UTF-8: {} */
  check_conf("[1,2]", 0);
  check_conf("\"s\"", 0);
  check_conf("not json", 0);
  check_conf("", 0);
  check_conf("{\"a\":00}", 0);
  check_conf("{\"a\":\"\\u0000\"}", 0);
  check_conf("{\"a\":[]}{}", 0);
  check_conf("{\"a\":\"\xff\"}", 0);
  check_conf("{\"a\":\"\x01\"}", 0);
  check_conf("{\"a\"", 0);
  check_conf("{\"a\":tru}", 0);
  char zDeep[256] = "{\"d\":";
  for(int i = 0; i < 40; i++) strcat(zDeep, "[");
  for(int i = 0; i < 40; i++) strcat(zDeep, "]");
  strcat(zDeep, "}");
  check_conf(zDeep, 0); /* deeper than the check goes: jansson's */
  /* random mutations of a canonical text: whatever the check accepts must round-trip */
  const char *zBase = "{\"k\":[1,-2,true,null,\"\\u001F\\n\"],\"j\":{\"x\":\"é\"}}";
  static const char aPick[] = "{}[],:\"\\-0123456789.eEtrufalsn u\x01\xc3\xa9";
  char z[80];
  for(int i = 0; i < 20000; i++) {
    snprintf(z, sizeof(z), "%s", zBase);
    size_t n = strlen(z);
    for(int k = 0; k < 3; k++) z[rnd() % n] = aPick[rnd() % (sizeof(aPick) - 1)];
    check_conf(z, -1);
  }
  json_out o;
  json_out_init(&o, 64);
  json_out_object_text(&o, NULL);
  assert_string_equal(dynbuf_str(&o.b), "{}");
  json_out_free(&o);
}

static void test_json_out_cap(void **state) {
  (void)state;
  json_out o;
  json_out_init(&o, 8);
  json_out_lit(&o, "[");
  json_out_str(&o, "0123456789");
  assert_int_equal(o.rc, AIRC_ERR_TOOBIG);
  size_t nAt = o.b.n;
  json_out_lit(&o, "]"); /* sticky: ignored */
  assert_int_equal(o.b.n, nAt);
  assert_true(o.b.n <= 8);
  size_t n = 99;
  assert_null(json_out_take(&o, &n));
  json_out_free(&o);
  json_out_init(&o, 8);
  json_out_lit(&o, "[1]");
  char *z = json_out_take(&o, &n);
  assert_string_equal(z, "[1]");
  assert_int_equal(n, 3);
  free(z);
  json_out_free(&o);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_json_out_str),
      cmocka_unit_test(test_json_out_int_and_time),
      cmocka_unit_test(test_json_out_conf),
      cmocka_unit_test(test_json_out_cap),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
