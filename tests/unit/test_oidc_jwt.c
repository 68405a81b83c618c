/* test_oidc_jwt.c: the pure parts of single sign-on (webui/oidc_jwt.h):
 * ID token signatures (a key made here with GnuTLS signs real RS256
 * tokens; tampering, another key, other algorithms and unknown kids are
 * refused), the claim checks, PKCE S256 and the claim ->
 * role mapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "webui/oidc_jwt.h"

static gnutls_privkey_t g_key, g_otherKey;

static char *b64url(const void *p, size_t n) {
  size_t nOut = sodium_base64_encoded_len(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  char *z = malloc(nOut);
  sodium_bin2base64(z, nOut, p, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return z;
}

/* A compact JWS of zHeader.zPayload signed RS256 with key. */
static char *jwt_make(gnutls_privkey_t key, const char *zHeader, const char *zPayload) {
  char *zH = b64url(zHeader, strlen(zHeader)), *zP = b64url(zPayload, strlen(zPayload));
  char zInput[8192];
  snprintf(zInput, sizeof(zInput), "%s.%s", zH, zP);
  gnutls_datum_t data = {(unsigned char *)zInput, (unsigned)strlen(zInput)}, sig;
  assert_int_equal(gnutls_privkey_sign_data(key, GNUTLS_DIG_SHA256, 0, &data, &sig), 0);
  char *zS = b64url(sig.data, sig.size);
  gnutls_free(sig.data);
  char *zOut = malloc(strlen(zInput) + strlen(zS) + 2);
  sprintf(zOut, "%s.%s", zInput, zS);
  free(zH);
  free(zP);
  free(zS);
  return zOut;
}

/* {"keys":[{"kty":"RSA","kid":zKid,"n","e"}]} of key. */
static json_t *jwks_of(gnutls_privkey_t key, const char *zKid) {
  gnutls_pubkey_t pub;
  gnutls_pubkey_init(&pub);
  assert_int_equal(gnutls_pubkey_import_privkey(pub, key, 0, 0), 0);
  gnutls_datum_t m, e;
  assert_int_equal(gnutls_pubkey_export_rsa_raw2(pub, &m, &e, GNUTLS_EXPORT_FLAG_NO_LZ), 0);
  char *zN = b64url(m.data, m.size), *zE = b64url(e.data, e.size);
  json_t *p = json_pack("{s:[{s:s, s:s, s:s, s:s, s:s}]}", "keys", "kty", "RSA", "kid", zKid, "use", "sig", "n", zN, "e", zE);
  free(zN);
  free(zE);
  gnutls_free(m.data);
  gnutls_free(e.data);
  gnutls_pubkey_deinit(pub);
  return p;
}

static int setup(void **state) {
  (void)state;
  if(sodium_init() < 0) return -1;
  gnutls_privkey_init(&g_key);
  gnutls_privkey_init(&g_otherKey);
  if(gnutls_privkey_generate(g_key, GNUTLS_PK_RSA, 2048, 0)) return -1;
  if(gnutls_privkey_generate(g_otherKey, GNUTLS_PK_RSA, 2048, 0)) return -1;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  gnutls_privkey_deinit(g_key);
  gnutls_privkey_deinit(g_otherKey);
  return 0;
}

static const char *PAYLOAD = "{\"iss\":\"https://idp\",\"aud\":\"airc\",\"sub\":\"alice\",\"exp\":2000000000,\"nonce\":\"n1\"}";

static void test_signature(void **state) {
  (void)state;
  json_t *pJwks = jwks_of(g_key, "k1");
  char *zJwt = jwt_make(g_key, "{\"alg\":\"RS256\",\"kid\":\"k1\"}", PAYLOAD);
  airc_err err = {0};
  assert_int_equal(oidc_jwt_verify_sig(zJwt, pJwks, &err), AIRC_OK);
  json_t *pH = NULL, *pP = NULL;
  assert_int_equal(oidc_jwt_decode(zJwt, &pH, &pP, &err), AIRC_OK);
  assert_string_equal(json_string_value(json_object_get(pP, "sub")), "alice");
  json_decref(pH);
  json_decref(pP);

  /* another payload under the same signature */
  char *zEvil = jwt_make(g_key, "{\"alg\":\"RS256\",\"kid\":\"k1\"}", PAYLOAD);
  const char *zFakeText = "{\"iss\":\"https://idp\",\"aud\":\"airc\",\"sub\":\"admin\",\"exp\":2000000000,\"nonce\":\"n1\"}";
  char *zFake = b64url(zFakeText, strlen(zFakeText));
  char *zDot = strchr(zEvil, '.');
  char *zDot2 = strchr(zDot + 1, '.');
  char zTampered[8192];
  snprintf(zTampered, sizeof(zTampered), "%.*s.%s%s", (int)(zDot - zEvil), zEvil, zFake, zDot2);
  memset(&err, 0, sizeof(err));
  assert_int_equal(oidc_jwt_verify_sig(zTampered, pJwks, &err), AIRC_ERR_INVALID);
  assert_string_equal(err.zMsg, "the ID token's signature does not verify with the provider's key");

  /* signed by a key the provider does not publish under that kid */
  char *zOther = jwt_make(g_otherKey, "{\"alg\":\"RS256\",\"kid\":\"k1\"}", PAYLOAD);
  memset(&err, 0, sizeof(err));
  assert_int_equal(oidc_jwt_verify_sig(zOther, pJwks, &err), AIRC_ERR_INVALID);

  /* an unknown kid: NOTFOUND, so the caller refetches the JWKS */
  char *zKid2 = jwt_make(g_key, "{\"alg\":\"RS256\",\"kid\":\"k2\"}", PAYLOAD);
  memset(&err, 0, sizeof(err));
  assert_int_equal(oidc_jwt_verify_sig(zKid2, pJwks, &err), AIRC_ERR_NOTFOUND);
  assert_string_equal(err.zMsg, "no RSA signing key with kid 'k2' in the provider's JWKS");

  /* no kid and a single RSA key: that key */
  char *zNoKid = jwt_make(g_key, "{\"alg\":\"RS256\"}", PAYLOAD);
  memset(&err, 0, sizeof(err));
  assert_int_equal(oidc_jwt_verify_sig(zNoKid, pJwks, &err), AIRC_OK);

  /* alg none and HMAC are refused whatever the signature */
  const char *azAlg[] = {"{\"alg\":\"none\",\"kid\":\"k1\"}", "{\"alg\":\"HS256\",\"kid\":\"k1\"}"};
  for(int i = 0; i < 2; i++) {
    char *z = jwt_make(g_key, azAlg[i], PAYLOAD);
    memset(&err, 0, sizeof(err));
    assert_int_equal(oidc_jwt_verify_sig(z, pJwks, &err), AIRC_ERR_INVALID);
    assert_non_null(strstr(err.zMsg, "airc accepts RS256, RS384, RS512"));
    free(z);
  }
  /* malformed */
  memset(&err, 0, sizeof(err));
  assert_int_equal(oidc_jwt_verify_sig("abc.def", pJwks, &err), AIRC_ERR_INVALID);
  assert_string_equal(err.zMsg, "the ID token is not a JWS: it needs three parts separated by dots");
  memset(&err, 0, sizeof(err));
  assert_int_equal(oidc_jwt_verify_sig("!!.e30.xx", pJwks, &err), AIRC_ERR_INVALID);
  assert_string_equal(err.zMsg, "the ID token is not a JWS: its header is not base64url JSON");
  free(zJwt);
  free(zEvil);
  free(zFake);
  free(zOther);
  free(zKid2);
  free(zNoKid);
  json_decref(pJwks);
}

static void check_claims(const char *zPayload, airc_rc want, const char *zMsg) {
  json_t *p = json_loads(zPayload, 0, NULL);
  assert_non_null(p);
  airc_err err = {0};
  assert_int_equal(oidc_claims_check(p, "https://idp", "airc", "n1", 1900000000, &err), want);
  if(zMsg) assert_string_equal(err.zMsg, zMsg);
  json_decref(p);
}

static void test_claims(void **state) {
  (void)state;
  check_claims(PAYLOAD, AIRC_OK, NULL);
  check_claims("{\"iss\":\"https://idp\",\"aud\":[\"other\",\"airc\"],\"azp\":\"airc\",\"exp\":2000000000,\"nonce\":\"n1\"}",
               AIRC_OK, NULL);
  check_claims("{\"iss\":\"https://evil\",\"aud\":\"airc\",\"exp\":2000000000,\"nonce\":\"n1\"}", AIRC_ERR_INVALID,
               "the ID token's issuer (iss) is 'https://evil', not 'https://idp'");
  check_claims("{\"iss\":\"https://idp\",\"aud\":\"other\",\"exp\":2000000000,\"nonce\":\"n1\"}", AIRC_ERR_INVALID,
               "the ID token's audience (aud) does not include client 'airc'");
  check_claims("{\"iss\":\"https://idp\",\"aud\":[\"other\",\"airc\"],\"azp\":\"other\",\"exp\":2000000000,\"nonce\":\"n1\"}",
               AIRC_ERR_INVALID, "the ID token's authorized party (azp) is 'other', not this client");
  check_claims("{\"iss\":\"https://idp\",\"aud\":\"airc\",\"exp\":1899999000,\"nonce\":\"n1\"}", AIRC_ERR_INVALID,
               "the ID token has expired (exp)");
  /* within the leeway */
  check_claims("{\"iss\":\"https://idp\",\"aud\":\"airc\",\"exp\":1899999990,\"nonce\":\"n1\"}", AIRC_OK, NULL);
  check_claims("{\"iss\":\"https://idp\",\"aud\":\"airc\",\"nonce\":\"n1\"}", AIRC_ERR_INVALID,
               "the ID token has no expiry (exp)");
  check_claims("{\"iss\":\"https://idp\",\"aud\":\"airc\",\"exp\":2000000000,\"iat\":1900001000,\"nonce\":\"n1\"}",
               AIRC_ERR_INVALID, "the ID token was issued in the future (iat): check the clocks");
  check_claims("{\"iss\":\"https://idp\",\"aud\":\"airc\",\"exp\":2000000000,\"nonce\":\"n2\"}", AIRC_ERR_INVALID,
               "the ID token's nonce does not match this sign-in");
  check_claims("{\"iss\":\"https://idp\",\"aud\":\"airc\",\"exp\":2000000000}", AIRC_ERR_INVALID,
               "the ID token's nonce does not match this sign-in");
}

static void test_pkce(void **state) {
  (void)state;
  char z[64];
  /* base64url(sha256(verifier)) without padding, as Python's hashlib and base64 compute it */
  oidc_pkce_challenge("dBjftJeZ4CVP-mJ92K1BGsy9pM6h8AaAGdN-UfKt2qA", z, sizeof(z));
  assert_string_equal(z, "zsV0FLrpLxynkKsd4qE_b3b8g6AcizcOg0P0g9e_E0s");
  char zV1[64], zC1[64], zV2[64], zC2[64];
  oidc_pkce_make(zV1, sizeof(zV1), zC1, sizeof(zC1));
  oidc_pkce_make(zV2, sizeof(zV2), zC2, sizeof(zC2));
  assert_int_equal(strlen(zV1), 43);
  assert_string_not_equal(zV1, zV2);
  oidc_pkce_challenge(zV1, z, sizeof(z));
  assert_string_equal(z, zC1);
}

static void test_role_map(void **state) {
  (void)state;
  oidc_role_map m;
  airc_err err = {0};
  assert_int_equal(oidc_role_map_parse(" airc-admins:admin, airc-ops:op ,urn:x:viewers:viewer", &m, &err), AIRC_OK);
  assert_int_equal(m.n, 3);
  assert_string_equal(m.azValue[2], "urn:x:viewers");
  json_t *p = json_pack("[s, s, i]", "staff", "airc-ops", 3);
  assert_int_equal(oidc_role_from_claim(&m, p, WEB_ROLE_VIEWER), WEB_ROLE_OP);
  json_array_append_new(p, json_string("airc-admins"));
  assert_int_equal(oidc_role_from_claim(&m, p, WEB_ROLE_VIEWER), WEB_ROLE_ADMIN);
  json_decref(p);
  p = json_string("urn:x:viewers");
  assert_int_equal(oidc_role_from_claim(&m, p, WEB_ROLE_NONE), WEB_ROLE_VIEWER);
  json_decref(p);
  assert_int_equal(oidc_role_from_claim(&m, NULL, WEB_ROLE_NONE), WEB_ROLE_NONE);
  assert_int_equal(oidc_role_from_claim(&m, NULL, WEB_ROLE_VIEWER), WEB_ROLE_VIEWER);
  assert_int_equal(oidc_role_map_parse("a:root", &m, &err), AIRC_ERR_INVALID);
  assert_string_equal(err.zMsg, "[webserver] oidc_role_map: 'a:root': the role must be viewer, op or admin");
  memset(&err, 0, sizeof(err));
  assert_int_equal(oidc_role_map_parse(":admin", &m, &err), AIRC_ERR_INVALID);
  assert_string_equal(err.zMsg, "[webserver] oidc_role_map: ':admin' is not VALUE:ROLE");
  assert_int_equal(oidc_role_map_parse("", &m, &(airc_err){0}), AIRC_OK);
  assert_int_equal(m.n, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_signature),
      cmocka_unit_test(test_claims),
      cmocka_unit_test(test_pkce),
      cmocka_unit_test(test_role_map),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
