/* test_randomuser.c: the randomuser-compatible test server: query parsing,
 * deterministic generation, per-nationality shapes, inc/exc, and the HTTP
 * layer (an in-process server on a free 127.0.0.1 port, driven by curl). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include "common/dynbuf.h"
#include "tools/randomuser/randomuser_gen.h"
#include "tools/randomuser/randomuser_nat.h"
#include "tools/randomuser/randomuser_query.h"
#include "tools/randomuser/randomuser_server.h"
#include "providers/fetch_users/user_record.h"

/* A query string as a NULL-terminated key, value, key, value... list. */
static const char *kv_get(void *pArg, const char *zKey) {
  const char **az = pArg;
  for(int i = 0; az[i]; i += 2) {
    if(!strcmp(az[i], zKey)) return az[i + 1];
  }
  return NULL;
}

static airc_rc parse(const char **az, randomuser_query *q, char *zErr) {
  return randomuser_query_parse(kv_get, (void *)az, q, zErr, 256);
}

static void test_query_defaults_and_clamp(void **state) {
  (void)state;
  randomuser_query q;
  char zErr[256];
  const char *azNone[] = {NULL};
  assert_int_equal(parse(azNone, &q, zErr), AIRC_OK);
  assert_int_equal(q.nResults, 1);
  assert_int_equal(q.page, 1);
  assert_int_equal(strlen(q.zSeed), 16); /* generated, like the real API */
  assert_int_equal(q.fieldMask, RANDOMUSER_ALL_FIELDS);
  const char *azBig[] = {"results", "99999", "page", "3", "seed", "abc", "nat", "US,gb", NULL};
  assert_int_equal(parse(azBig, &q, zErr), AIRC_OK);
  assert_int_equal(q.nResults, 5000);
  assert_int_equal(q.page, 3);
  assert_string_equal(q.zSeed, "abc");
  assert_int_equal(q.natMask, 3u); /* US and GB are the first two */
  const char *azHuge[] = {"results", "99999999999999999999999", NULL};
  assert_int_equal(parse(azHuge, &q, zErr), AIRC_OK);
  assert_int_equal(q.nResults, 5000);
  const char *azInc[] = {"inc", "name,login", "exc", "login", NULL};
  assert_int_equal(parse(azInc, &q, zErr), AIRC_OK);
  assert_int_equal(q.fieldMask, 1u << 1);
}

static void test_query_errors(void **state) {
  (void)state;
  static const struct {
    const char *zKey, *zVal, *zWant;
  } a[] = {
      {"results", "abc", "results must be a whole number, got 'abc'"},
      {"results", "0", "results is out of range: '0'"},
      {"results", "-5", "results must be a whole number, got '-5'"},
      {"results", "10x", "results must be a whole number, got '10x'"},
      {"page", "0", "page is out of range: '0'"},
      {"page", "99999999999", "page is out of range: '99999999999'"},
      {"nat", "us,xx", "nat: unknown nationality 'xx'"},
      {"inc", "name,shoe", "inc: unknown field 'shoe'"},
      {"exc", "bogus", "exc: unknown field 'bogus'"},
      {"gender", "other", "gender must be male or female, got 'other'"},
      {"format", "xml", "format 'xml' is not supported (only json)"},
      {"seed", "\xff\xfe", "seed is not valid UTF-8"},
      {"seed", "0123456789012345678901234567890123456789012345678901234567890123456789",
       "seed is longer than 64 bytes"},
  };
  for(size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++) {
    const char *az[] = {a[i].zKey, a[i].zVal, NULL};
    randomuser_query q;
    char zErr[256];
    assert_int_equal(parse(az, &q, zErr), AIRC_ERR_INVALID);
    assert_string_equal(zErr, a[i].zWant);
  }
}

static json_t *gen(const char *zSeed, int page, int n, const char *zNat) {
  const char *az[] = {"seed", zSeed, "nat", zNat ? zNat : "", NULL, NULL, NULL, NULL};
  char zPage[16], zN[16];
  snprintf(zPage, sizeof(zPage), "%d", page);
  snprintf(zN, sizeof(zN), "%d", n);
  const char *azAll[] = {az[0], az[1], az[2], az[3], "page", zPage, "results", zN, NULL};
  randomuser_query q;
  char zErr[256];
  assert_int_equal(randomuser_query_parse(kv_get, (void *)azAll, &q, zErr, sizeof(zErr)), AIRC_OK);
  json_t *pDoc;
  assert_int_equal(randomuser_gen_response(&q, &pDoc), AIRC_OK);
  return pDoc;
}

static const char *user_uuid(json_t *pDoc, size_t i) {
  json_t *pUser = json_array_get(json_object_get(pDoc, "results"), i);
  return json_string_value(json_object_get(json_object_get(pUser, "login"), "uuid"));
}

static void test_gen_deterministic(void **state) {
  (void)state;
  json_t *a = gen("airc", 1, 50, NULL), *b = gen("airc", 1, 50, NULL);
  assert_true(json_equal(a, b));
  json_t *pInfo = json_object_get(a, "info");
  assert_string_equal(json_string_value(json_object_get(pInfo, "seed")), "airc");
  assert_int_equal(json_integer_value(json_object_get(pInfo, "results")), 50);
  assert_int_equal(json_integer_value(json_object_get(pInfo, "page")), 1);
  assert_string_equal(json_string_value(json_object_get(pInfo, "version")), "1.4");
  /* page 2 of 25 is users 25..49 of page 1 of 50; page 2 of 50 is new */
  json_t *p2 = gen("airc", 2, 25, NULL), *p3 = gen("airc", 2, 50, NULL);
  for(size_t i = 0; i < 25; i++) assert_string_equal(user_uuid(p2, i), user_uuid(a, 25 + i));
  for(size_t i = 0; i < 50; i++) {
    for(size_t j = 0; j < 50; j++) assert_string_not_equal(user_uuid(p3, i), user_uuid(a, j));
  }
  json_t *c = gen("other", 1, 50, NULL);
  assert_string_not_equal(user_uuid(a, 0), user_uuid(c, 0));
  json_decref(a);
  json_decref(b);
  json_decref(c);
  json_decref(p2);
  json_decref(p3);
}

/* Postcode JSON type per nationality, and every generated user passes the
 * pipeline's transform. */
static void test_gen_nationalities(void **state) {
  (void)state;
  for(int i = 0; randomuser_aNat[i].zCode; i++) {
    char zNat[3] = {randomuser_aNat[i].zCode[0], randomuser_aNat[i].zCode[1], 0};
    json_t *pDoc = gen("nat", 1, 40, zNat);
    size_t k;
    json_t *pUser;
    json_array_foreach(json_object_get(pDoc, "results"), k, pUser) {
      assert_string_equal(json_string_value(json_object_get(pUser, "nat")), zNat);
      json_t *pLoc = json_object_get(pUser, "location");
      json_t *pPost = json_object_get(pLoc, "postcode");
      if(randomuser_aNat[i].bPostcodeNumber) assert_true(json_is_integer(pPost));
      else assert_true(json_is_string(pPost));
      assert_true(json_is_integer(json_object_get(json_object_get(pLoc, "street"), "number")));
      json_t *pRec;
      char zErr[256];
      if(user_record_from_api(pUser, &pRec, zErr, sizeof(zErr))) fail_msg("%s: %s", zNat, zErr);
      assert_string_equal(json_string_value(json_object_get(pRec, "id")),
                          json_string_value(json_object_get(json_object_get(pUser, "login"), "uuid")));
      json_decref(pRec);
    }
    json_decref(pDoc);
  }
  /* GB postcodes look like "AB1 2CD"; TR names carry non-ASCII letters */
  json_t *pGb = gen("x", 1, 1, "gb");
  const char *zPost = json_string_value(json_object_get(
      json_object_get(json_array_get(json_object_get(pGb, "results"), 0), "location"), "postcode"));
  assert_int_equal(strlen(zPost), 7);
  assert_int_equal(zPost[3], ' ');
  json_decref(pGb);
  json_t *pTr = gen("x", 1, 30, "tr");
  char *zAll = json_dumps(pTr, JSON_COMPACT);
  int bNonAscii = 0;
  for(char *z = zAll; *z; z++) bNonAscii |= (unsigned char)*z >= 0x80;
  assert_true(bNonAscii);
  free(zAll);
  json_decref(pTr);
}

static void test_gen_inc_exc(void **state) {
  (void)state;
  const char *az[] = {"seed", "f", "inc", "name,login,nat", "exc", "nat", NULL};
  randomuser_query q;
  char zErr[256];
  assert_int_equal(parse(az, &q, zErr), AIRC_OK);
  json_t *pDoc;
  assert_int_equal(randomuser_gen_response(&q, &pDoc), AIRC_OK);
  json_t *pUser = json_array_get(json_object_get(pDoc, "results"), 0);
  assert_int_equal(json_object_size(pUser), 2);
  assert_non_null(json_object_get(pUser, "name"));
  assert_non_null(json_object_get(pUser, "login"));
  /* hiding fields does not change the others */
  json_t *pFull = gen("f", 1, 1, NULL);
  json_t *pFullUser = json_array_get(json_object_get(pFull, "results"), 0);
  assert_true(json_equal(json_object_get(pUser, "login"), json_object_get(pFullUser, "login")));
  assert_int_equal(json_object_size(pFullUser), 12);
  json_decref(pFull);
  json_decref(pDoc);
}

/* --- HTTP layer --- */

static size_t http_sink(char *p, size_t sz, size_t n, void *pArg) {
  return dynbuf_append(pArg, p, sz * n) ? 0 : sz * n;
}

static long http_get(int port, const char *zPathQuery, dynbuf *pBody, char *zRetryAfter) {
  char zUrl[512];
  snprintf(zUrl, sizeof(zUrl), "http://127.0.0.1:%d%s", port, zPathQuery);
  CURL *c = curl_easy_init();
  dynbuf_reset(pBody);
  curl_easy_setopt(c, CURLOPT_URL, zUrl);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_sink);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, pBody);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
  assert_int_equal(curl_easy_perform(c), CURLE_OK);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_off_t retry = -1;
  curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &retry);
  if(zRetryAfter) snprintf(zRetryAfter, 16, "%ld", (long)retry);
  curl_easy_cleanup(c);
  return status;
}

static void test_http_server(void **state) {
  (void)state;
  randomuser_server_opts o = {"127.0.0.1", 0, 3};
  randomuser_server *pSrv;
  airc_err err = {0};
  assert_int_equal(randomuser_server_start(&o, &pSrv, &err), AIRC_OK);
  int port = randomuser_server_port(pSrv);
  assert_true(port > 0);
  dynbuf b;
  dynbuf_init(&b, 64 << 20);
  char zRetry[16];
  json_error_t e;

  assert_int_equal(http_get(port, "/api/?results=3&seed=h&nat=ua", &b, NULL), 200);
  json_t *pDoc = json_loads(dynbuf_str(&b), 0, &e);
  assert_non_null(pDoc);
  assert_int_equal(json_array_size(json_object_get(pDoc, "results")), 3);
  json_t *pLocal = gen("h", 1, 3, "ua");
  assert_true(json_equal(pDoc, pLocal)); /* HTTP adds nothing, loses nothing */
  json_decref(pLocal);
  json_decref(pDoc);

  assert_int_equal(http_get(port, "/api/1.4/?results=abc", &b, NULL), 400);
  assert_string_equal(dynbuf_str(&b), "{\"error\":\"results must be a whole number, got 'abc'\"}");
  /* request 3 is throttled */
  assert_int_equal(http_get(port, "/api/1.4", &b, zRetry), 429);
  assert_string_equal(zRetry, "1");
  assert_non_null(strstr(dynbuf_str(&b), "\"error\""));
  assert_int_equal(http_get(port, "/nope", &b, NULL), 404);
  assert_string_equal(dynbuf_str(&b), "{\"error\":\"not found: use /api/\"}");
  assert_int_equal(randomuser_server_requests(pSrv), 3); /* /nope is not an API request */
  dynbuf_free(&b);
  randomuser_server_stop(pSrv);

  /* bad address and a port in use are clean errors */
  randomuser_server_opts bad = {"localhost", 0, 0};
  airc_err_clear(&err);
  assert_int_equal(randomuser_server_start(&bad, &pSrv, &err), AIRC_ERR_INVALID);
  assert_string_equal(err.zMsg, "host 'localhost' is not a numeric IPv4 or IPv6 address");
  randomuser_server *pA;
  airc_err_clear(&err);
  assert_int_equal(randomuser_server_start(&o, &pA, &err), AIRC_OK);
  randomuser_server_opts same = {"127.0.0.1", randomuser_server_port(pA), 0};
  airc_err_clear(&err);
  assert_int_equal(randomuser_server_start(&same, &pSrv, &err), AIRC_ERR_NET);
  randomuser_server_stop(pA);
}

int main(void) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_query_defaults_and_clamp), cmocka_unit_test(test_query_errors),
      cmocka_unit_test(test_gen_deterministic),        cmocka_unit_test(test_gen_nationalities),
      cmocka_unit_test(test_gen_inc_exc),              cmocka_unit_test(test_http_server),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
