/* test_secrets.c: unit tests of common/mask.c (masking across reads,
 * bounded hold-back, XCom values), common/seal.c (round trip, wrong key,
 * damaged value), common/conn_uri.c (parse and format) and the conn./var.
 * template lookups of dag/template.c, shell quoting included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "common/conn_uri.h"
#include "common/dynbuf.h"
#include "common/mask.h"
#include "common/seal.h"
#include "common/secret_view.h"
#include "dag/template.h"

/* Feeds z to a masker in pieces of nPiece bytes and returns the whole output. */
static char *feed_in_pieces(mask *m, const char *z, size_t nPiece) {
  static char aOut[65536];
  size_t k = 0, n = strlen(z);
  char aTmp[1024 + MASK_SECRET_MAX];
  for(size_t i = 0; i < n; i += nPiece) {
    size_t take = n - i < nPiece ? n - i : nPiece;
    size_t got = mask_feed(m, z + i, take, aTmp, sizeof(aTmp));
    memcpy(aOut + k, aTmp, got);
    k += got;
  }
  k += mask_flush(m, aOut + k, sizeof(aOut) - k);
  aOut[k] = 0;
  return aOut;
}

static void test_mask_across_reads(void **state) {
  (void)state;
  mask m;
  mask_init(&m);
  mask_add(&m, "hunter22");
  mask_add(&m, "abc"); /* too short: not masked */
  mask_add(&m, "hunter22-long-version");
  const char *zIn = "a hunter22 b hunter2 c hunter22-long-version d hunte";
  const char *zWant = "a *** b hunter2 c *** d hunte";
  for(size_t piece = 1; piece <= strlen(zIn); piece++) assert_string_equal(feed_in_pieces(&m, zIn, piece), zWant);
  /* nothing held back forever: a prefix at the end is flushed as is */
  assert_string_equal(feed_in_pieces(&m, "xx hunter", 4), "xx hunter");
  char *z = mask_string(&m, "hunter22hunter22");
  assert_string_equal(z, "******");
  free(z);
  json_t *p = json_pack("{s:s s:[s,i]}", "a", "pw hunter22", "b", "hunter22", 3);
  mask_json(&m, p);
  char *zJ = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
  assert_string_equal(zJ, "{\"a\":\"pw ***\",\"b\":[\"***\",3]}");
  free(zJ);
  json_decref(p);
  mask_free(&m);
  /* no secrets: bytes pass through */
  mask_init(&m);
  assert_string_equal(feed_in_pieces(&m, "plain text", 3), "plain text");
}

static void test_seal_round_trip(void **state) {
  (void)state;
  seal_key k1, k2;
  seal_key_random(&k1);
  seal_key_random(&k2);
  airc_err err = {0};
  char *zS = seal_encrypt(&k1, "s3cret value", &err);
  assert_non_null(zS);
  assert_true(!strncmp(zS, "v1:", 3) && !strstr(zS, "s3cret"));
  char *zP = seal_decrypt(&k1, zS, &err);
  assert_string_equal(zP, "s3cret value");
  free(zP);
  assert_null(seal_decrypt(&k2, zS, &err));
  assert_string_equal(err.zMsg, "cannot decrypt: wrong secret key or damaged value");
  zS[10] = zS[10] == 'A' ? 'B' : 'A';
  assert_null(seal_decrypt(&k1, zS, &err));
  free(zS);
  /* a passphrase gives the same key each time */
  seal_key_from_text("pass phrase", &k1);
  seal_key_from_text("pass phrase", &k2);
  assert_memory_equal(k1.a, k2.a, SEAL_KEY_BYTES);
}

static void test_conn_uri(void **state) {
  (void)state;
  airc_err err = {0};
  json_t *p = conn_uri_parse("google-cloud-platform://us%3Ar:p%40ss@h.example:5432/db?a=1&b=x+y", &err);
  assert_non_null(p);
  assert_string_equal(json_string_value(json_object_get(p, "conn_type")), "google_cloud_platform");
  assert_string_equal(json_string_value(json_object_get(p, "login")), "us:r");
  assert_string_equal(json_string_value(json_object_get(p, "password")), "p@ss");
  assert_int_equal(json_integer_value(json_object_get(p, "port")), 5432);
  assert_string_equal(json_string_value(json_object_get(json_object_get(p, "extra"), "b")), "x y");
  char *z = conn_uri_format(p);
  assert_string_equal(z, "google-cloud-platform://us%3Ar:p%40ss@h.example:5432/db?a=1&b=x%20y");
  free(z);
  json_decref(p);
  assert_null(conn_uri_parse("http://h:99999", &err));
  assert_string_equal(err.zMsg, "connection URI has a bad port (0-65535)");
}

static void test_template_conn_var(void **state) {
  (void)state;
  json_t *pConn = json_pack("{s:{s:s s:i s:n s:s s:{s:s}}}", "my.db", "host", "h", "port", 5432, "schema", "password",
                            "it's", "extra", "region", "eu");
  json_t *pVar = json_pack("{s:s}", "v", "val");
  template_ctx c = {"d", "r", "t", 1, 0, 0, 0, NULL, NULL, NULL, pConn, pVar, NULL, -1};
  char *z = template_lookup(&c, "conn.my.db.host");
  assert_string_equal(z, "h");
  free(z);
  z = template_lookup(&c, "conn.my.db.port");
  assert_string_equal(z, "5432");
  free(z);
  z = template_lookup(&c, "conn.my.db.schema"); /* unset: empty */
  assert_string_equal(z, "");
  free(z);
  z = template_lookup(&c, "conn.my.db.extra.region");
  assert_string_equal(z, "eu");
  free(z);
  z = template_lookup(&c, "var.value.v");
  assert_string_equal(z, "val");
  free(z);
  assert_null(template_lookup(&c, "conn.nope.host"));
  assert_null(template_lookup(&c, "var.nope"));
  /* shell rule: the value is one quoted word */
  dynbuf b;
  dynbuf_init(&b, 4096);
  airc_err err = {0};
  assert_int_equal(template_render_shell(&c, "echo {{ conn.my.db.password }}", &b, &err), AIRC_OK);
  assert_string_equal(dynbuf_str(&b), "echo 'it'\\''s'");
  dynbuf_free(&b);
  json_decref(pConn);
  json_decref(pVar);
}

/* The masked views and the connection field checks shared by the CLI and the API. */
static void test_secret_view(void **state) {
  (void)state;
  airc_err err = {0};
  json_t *pConn = conn_uri_parse("postgres://u:pw@db:5432/s?a=1", &err);
  assert_non_null(pConn);
  json_t *pRow = secret_conn_row("c1", pConn, 0);
  assert_string_equal(json_string_value(json_object_get(pRow, "password")), SECRET_MASK);
  assert_null(strstr(json_string_value(json_object_get(pRow, "uri")), "pw"));
  assert_string_equal(json_string_value(json_object_get(pRow, "extra")), "{\"a\":\"1\"}");
  json_decref(pRow);
  pRow = secret_conn_row("c1", pConn, 1);
  assert_string_equal(json_string_value(json_object_get(pRow, "password")), "pw");
  json_decref(pRow);
  json_t *pB = json_pack("{s:s, s:i, s:s}", "host", "h2", "port", 1, "extra", "{\"b\":2}");
  assert_int_equal(secret_conn_apply(pConn, pB, NULL, &err), AIRC_OK);
  assert_string_equal(json_string_value(json_object_get(pConn, "host")), "h2");
  assert_int_equal(json_integer_value(json_object_get(json_object_get(pConn, "extra"), "b")), 2);
  json_t *pMask = json_pack("[s]", "port");
  json_object_set_new(pB, "port", json_integer(7));
  json_object_set_new(pB, "host", json_string("ignored"));
  assert_int_equal(secret_conn_apply(pConn, pB, pMask, &err), AIRC_OK);
  assert_int_equal(json_integer_value(json_object_get(pConn, "port")), 7);
  assert_string_equal(json_string_value(json_object_get(pConn, "host")), "h2");
  json_object_set_new(pB, "port", json_integer(70000));
  assert_int_equal(secret_conn_apply(pConn, pB, NULL, &err), AIRC_ERR_INVALID);
  assert_non_null(strstr(err.zMsg, "'port'"));
  airc_err_clear(&err);
  json_t *pBad = json_pack("{s:s}", "extra", "[1]");
  assert_int_equal(secret_conn_apply(pConn, pBad, NULL, &err), AIRC_ERR_INVALID);
  assert_non_null(strstr(err.zMsg, "'extra'"));
  airc_err_clear(&err);
  assert_int_equal(secret_name_check("variable", "a b", &err), AIRC_ERR_INVALID);
  assert_non_null(strstr(err.zMsg, "variable name 'a b' is not valid"));
  json_t *pVar = json_pack("{s:s, s:b, s:n}", "value", "v", "is_secret", 1, "description");
  json_t *pV = secret_var_row("k", pVar, 0);
  assert_string_equal(json_string_value(json_object_get(pV, "value")), SECRET_MASK);
  json_decref(pV);
  pV = secret_var_row("k", pVar, 1);
  assert_string_equal(json_string_value(json_object_get(pV, "value")), "v");
  json_decref(pV);
  json_decref(pVar);
  json_decref(pBad);
  json_decref(pMask);
  json_decref(pB);
  json_decref(pConn);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mask_across_reads),
      cmocka_unit_test(test_seal_round_trip),
      cmocka_unit_test(test_conn_uri),
      cmocka_unit_test(test_template_conn_var),
      cmocka_unit_test(test_secret_view),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
