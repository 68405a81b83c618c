/* oidc_jwt.c: see oidc_jwt.h. */
#include "webui/oidc_jwt.h"
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decodes base64url (no padding) zIn (n chars) into a new buffer; *pnOut its length. NULL if malformed. */
static unsigned char *b64url_decode(const char *zIn, size_t n, size_t *pnOut) {
  size_t nMax = n / 4 * 3 + 3;
  unsigned char *a = malloc(nMax + 1);
  if(!a) return NULL;
  const char *zEnd = NULL;
  if(sodium_base642bin(a, nMax, zIn, n, NULL, pnOut, &zEnd, sodium_base64_VARIANT_URLSAFE_NO_PADDING) ||
     zEnd != zIn + n) {
    free(a);
    return NULL;
  }
  a[*pnOut] = 0;
  return a;
}

static json_t *b64url_json(const char *zIn, size_t n) {
  size_t nDec = 0;
  unsigned char *a = b64url_decode(zIn, n, &nDec);
  if(!a) return NULL;
  json_t *p = json_loadb((const char *)a, nDec, JSON_REJECT_DUPLICATES, NULL);
  free(a);
  if(p && !json_is_object(p)) {
    json_decref(p);
    return NULL;
  }
  return p;
}

/* Finds the two dots of a compact JWS. 0 on success. */
static int jws_split(const char *zJwt, const char **pzDot1, const char **pzDot2) {
  const char *z1 = strchr(zJwt, '.');
  const char *z2 = z1 ? strchr(z1 + 1, '.') : NULL;
  if(!z1 || !z2 || strchr(z2 + 1, '.')) return -1;
  *pzDot1 = z1;
  *pzDot2 = z2;
  return 0;
}

airc_rc oidc_jwt_decode(const char *zJwt, json_t **ppHeader, json_t **ppPayload, airc_err *pErr) {
  *ppHeader = *ppPayload = NULL;
  if(!zJwt || strlen(zJwt) > OIDC_JWT_MAX)
    return airc_err_set(pErr, AIRC_ERR_INVALID, "the ID token is not a JWS: missing or longer than %d bytes",
                        OIDC_JWT_MAX);
  const char *z1, *z2;
  if(jws_split(zJwt, &z1, &z2))
    return airc_err_set(pErr, AIRC_ERR_INVALID, "the ID token is not a JWS: it needs three parts separated by dots");
  json_t *pH = b64url_json(zJwt, (size_t)(z1 - zJwt));
  json_t *pP = pH ? b64url_json(z1 + 1, (size_t)(z2 - z1 - 1)) : NULL;
  if(!pH || !pP) {
    json_decref(pH);
    return airc_err_set(pErr, AIRC_ERR_INVALID, "the ID token is not a JWS: its %s is not base64url JSON",
                        pH ? "payload" : "header");
  }
  *ppHeader = pH;
  *ppPayload = pP;
  return AIRC_OK;
}

/* The JWK of pJwks for kid (NULL: the only RSA key), or NULL. */
static const json_t *jwks_find(const json_t *pJwks, const char *zKid) {
  const json_t *pKeys = json_object_get(pJwks, "keys");
  const json_t *pFound = NULL;
  int nRsa = 0;
  size_t i;
  const json_t *pKey;
  json_array_foreach(pKeys, i, pKey) {
    const char *zKty = json_string_value(json_object_get(pKey, "kty"));
    if(!zKty || strcmp(zKty, "RSA")) continue;
    const char *zUse = json_string_value(json_object_get(pKey, "use"));
    if(zUse && strcmp(zUse, "sig")) continue;
    const char *zThisKid = json_string_value(json_object_get(pKey, "kid"));
    if(zKid) {
      if(zThisKid && !strcmp(zThisKid, zKid)) return pKey;
    } else {
      pFound = pKey;
      nRsa++;
    }
  }
  return nRsa == 1 ? pFound : NULL;
}

airc_rc oidc_jwt_verify_sig(const char *zJwt, const json_t *pJwks, airc_err *pErr) {
  json_t *pH = NULL, *pP = NULL;
  airc_rc rc = oidc_jwt_decode(zJwt, &pH, &pP, pErr);
  if(rc) return rc;
  json_decref(pP);
  const char *zAlg = json_string_value(json_object_get(pH, "alg"));
  gnutls_sign_algorithm_t sign = GNUTLS_SIGN_UNKNOWN;
  if(zAlg && !strcmp(zAlg, "RS256")) sign = GNUTLS_SIGN_RSA_SHA256;
  else if(zAlg && !strcmp(zAlg, "RS384")) sign = GNUTLS_SIGN_RSA_SHA384;
  else if(zAlg && !strcmp(zAlg, "RS512")) sign = GNUTLS_SIGN_RSA_SHA512;
  if(sign == GNUTLS_SIGN_UNKNOWN) {
    rc = airc_err_set(pErr, AIRC_ERR_INVALID, "the ID token is signed with '%.20s'; airc accepts RS256, RS384, RS512",
                      zAlg ? zAlg : "(no alg)");
    json_decref(pH);
    return rc;
  }
  const char *zKid = json_string_value(json_object_get(pH, "kid"));
  const json_t *pKey = jwks_find(pJwks, zKid);
  if(!pKey) {
    rc = airc_err_set(pErr, AIRC_ERR_NOTFOUND, "no RSA signing key%s%.80s%s in the provider's JWKS",
                      zKid ? " with kid '" : "", zKid ? zKid : "", zKid ? "'" : "");
    json_decref(pH);
    return rc;
  }
  json_decref(pH);
  const char *zN = json_string_value(json_object_get(pKey, "n"));
  const char *zE = json_string_value(json_object_get(pKey, "e"));
  size_t nN = 0, nE = 0, nSig = 0;
  unsigned char *aN = zN ? b64url_decode(zN, strlen(zN), &nN) : NULL;
  unsigned char *aE = zE ? b64url_decode(zE, strlen(zE), &nE) : NULL;
  const char *z1, *z2;
  (void)jws_split(zJwt, &z1, &z2); /* decoded above: well formed */
  unsigned char *aSig = b64url_decode(z2 + 1, strlen(z2 + 1), &nSig);
  if(!aN || !aE || !nN || !nE) {
    rc = airc_err_set(pErr, AIRC_ERR_INVALID, "the provider's JWK has no valid RSA modulus (n) and exponent (e)");
  } else if(!aSig || !nSig) {
    rc = airc_err_set(pErr, AIRC_ERR_INVALID, "the ID token's signature is not base64url");
  } else {
    gnutls_pubkey_t pub = NULL;
    gnutls_datum_t m = {aN, (unsigned)nN}, e = {aE, (unsigned)nE};
    gnutls_datum_t data = {(unsigned char *)zJwt, (unsigned)(z2 - zJwt)};
    gnutls_datum_t sig = {aSig, (unsigned)nSig};
    int g = gnutls_pubkey_init(&pub);
    if(g >= 0) g = gnutls_pubkey_import_rsa_raw(pub, &m, &e);
    if(g < 0) rc = airc_err_set(pErr, AIRC_ERR_INVALID, "the provider's RSA key cannot be used: %s", gnutls_strerror(g));
    else if(gnutls_pubkey_verify_data2(pub, sign, 0, &data, &sig) < 0)
      rc = airc_err_set(pErr, AIRC_ERR_INVALID, "the ID token's signature does not verify with the provider's key");
    if(pub) gnutls_pubkey_deinit(pub);
  }
  free(aN);
  free(aE);
  free(aSig);
  return rc;
}

airc_rc oidc_claims_check(const json_t *pPayload, const char *zIssuer, const char *zClientId, const char *zNonce,
                          int64_t nowSec, airc_err *pErr) {
  const char *zIss = json_string_value(json_object_get(pPayload, "iss"));
  if(!zIss || strcmp(zIss, zIssuer))
    return airc_err_set(pErr, AIRC_ERR_INVALID, "the ID token's issuer (iss) is '%.200s', not '%.200s'",
                        zIss ? zIss : "(none)", zIssuer);
  const json_t *pAud = json_object_get(pPayload, "aud");
  int bAud = 0;
  if(json_is_string(pAud)) bAud = !strcmp(json_string_value(pAud), zClientId);
  else if(json_is_array(pAud)) {
    size_t i;
    const json_t *pOne;
    json_array_foreach(pAud, i, pOne) if(json_is_string(pOne) && !strcmp(json_string_value(pOne), zClientId)) bAud = 1;
  }
  if(!bAud) return airc_err_set(pErr, AIRC_ERR_INVALID, "the ID token's audience (aud) does not include client '%.100s'", zClientId);
  const char *zAzp = json_string_value(json_object_get(pPayload, "azp"));
  if(zAzp && json_is_array(pAud) && json_array_size(pAud) > 1 && strcmp(zAzp, zClientId))
    return airc_err_set(pErr, AIRC_ERR_INVALID, "the ID token's authorized party (azp) is '%.100s', not this client",
                        zAzp);
  const json_t *pExp = json_object_get(pPayload, "exp");
  if(!json_is_number(pExp)) return airc_err_set(pErr, AIRC_ERR_INVALID, "the ID token has no expiry (exp)");
  if((int64_t)json_number_value(pExp) + OIDC_LEEWAY_SEC <= nowSec)
    return airc_err_set(pErr, AIRC_ERR_INVALID, "the ID token has expired (exp)");
  const json_t *pIat = json_object_get(pPayload, "iat");
  if(json_is_number(pIat) && (int64_t)json_number_value(pIat) > nowSec + OIDC_LEEWAY_SEC)
    return airc_err_set(pErr, AIRC_ERR_INVALID, "the ID token was issued in the future (iat): check the clocks");
  const char *zGot = json_string_value(json_object_get(pPayload, "nonce"));
  if(!zGot || strlen(zGot) != strlen(zNonce) || sodium_memcmp(zGot, zNonce, strlen(zNonce)))
    return airc_err_set(pErr, AIRC_ERR_INVALID, "the ID token's nonce does not match this sign-in");
  return AIRC_OK;
}

void oidc_pkce_challenge(const char *zVerifier, char *zChallenge, size_t nChallenge) {
  unsigned char aHash[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(aHash, (const unsigned char *)zVerifier, strlen(zVerifier));
  sodium_bin2base64(zChallenge, nChallenge, aHash, sizeof(aHash), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void oidc_pkce_make(char *zVerifier, size_t nVerifier, char *zChallenge, size_t nChallenge) {
  unsigned char aRand[32];
  randombytes_buf(aRand, sizeof(aRand));
  sodium_bin2base64(zVerifier, nVerifier, aRand, sizeof(aRand), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(aRand, sizeof(aRand));
  oidc_pkce_challenge(zVerifier, zChallenge, nChallenge);
}

airc_rc oidc_role_map_parse(const char *zSpec, oidc_role_map *pMap, airc_err *pErr) {
  memset(pMap, 0, sizeof(*pMap));
  const char *z = zSpec ? zSpec : "";
  while(*z) {
    z += strspn(z, " \t,");
    size_t n = strcspn(z, ",");
    while(n && (z[n - 1] == ' ' || z[n - 1] == '\t')) n--;
    if(!n) break;
    char zOne[160];
    if(n >= sizeof(zOne))
      return airc_err_set(pErr, AIRC_ERR_INVALID, "[webserver] oidc_role_map: the entry '%.40s...' is too long", z);
    snprintf(zOne, sizeof(zOne), "%.*s", (int)n, z);
    char *zColon = strrchr(zOne, ':');
    if(!zColon || zColon == zOne)
      return airc_err_set(pErr, AIRC_ERR_INVALID, "[webserver] oidc_role_map: '%s' is not VALUE:ROLE", zOne);
    *zColon = 0;
    web_role role = web_role_parse(zColon + 1);
    if(role == WEB_ROLE_NONE)
      return airc_err_set(pErr, AIRC_ERR_INVALID, "[webserver] oidc_role_map: '%s:%s': the role must be viewer, op or admin",
                          zOne, zColon + 1);
    if(pMap->n >= OIDC_ROLE_MAP_MAX)
      return airc_err_set(pErr, AIRC_ERR_INVALID, "[webserver] oidc_role_map: more than %d entries", OIDC_ROLE_MAP_MAX);
    if(strlen(zOne) >= sizeof(pMap->azValue[0]))
      return airc_err_set(pErr, AIRC_ERR_INVALID, "[webserver] oidc_role_map: the value '%.40s...' is too long", zOne);
    memcpy(pMap->azValue[pMap->n], zOne, strlen(zOne) + 1);
    pMap->aRole[pMap->n++] = role;
    z += n;
    z += strspn(z, " \t");
  }
  return AIRC_OK;
}

static web_role role_of_value(const oidc_role_map *pMap, const char *zValue) {
  web_role best = WEB_ROLE_NONE;
  for(int i = 0; i < pMap->n; i++)
    if(!strcmp(pMap->azValue[i], zValue) && pMap->aRole[i] > best) best = pMap->aRole[i];
  return best;
}

web_role oidc_role_from_claim(const oidc_role_map *pMap, const json_t *pClaim, web_role defaultRole) {
  web_role best = WEB_ROLE_NONE;
  if(json_is_string(pClaim)) best = role_of_value(pMap, json_string_value(pClaim));
  else if(json_is_array(pClaim)) {
    size_t i;
    const json_t *pOne;
    json_array_foreach(pClaim, i, pOne) {
      if(!json_is_string(pOne)) continue;
      web_role r = role_of_value(pMap, json_string_value(pOne));
      if(r > best) best = r;
    }
  }
  return best != WEB_ROLE_NONE ? best : defaultRole;
}
