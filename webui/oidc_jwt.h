/* oidc_jwt.h: the pure parts of OpenID Connect sign-in (oidc.h): checking
 * an ID token (a JWS in compact form) against the provider's JWKS and the
 * claims OpenID Connect Core 3.1.3.7 requires, PKCE (RFC 7636, S256), and
 * mapping a claim to an airc role. No I/O: the network side is oidc.c.
 *
 * Signatures are verified with GnuTLS (already linked for HTTPS), which
 * imports an RSA public key from the JWK's raw modulus and exponent
 * (gnutls_pubkey_import_rsa_raw) and checks PKCS#1 v1.5 signatures
 * (gnutls_pubkey_verify_data2). Debian 12's JWT libraries do not fit:
 * libjwt 1.10 takes PEM keys only (no JWK/JWKS) and cjose needs OpenSSL,
 * a second TLS stack. So the only code here is parsing (base64url, JSON)
 * and comparing claims; the cryptography is the library's. */
#ifndef AIRC_OIDC_JWT_H
#define AIRC_OIDC_JWT_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "common/err.h"
#include "webui/web_req.h"

#define OIDC_JWT_MAX (64 * 1024) /* longest ID token accepted */
#define OIDC_LEEWAY_SEC 60       /* clock skew allowed on exp and iat */

/* Splits zJwt into its header and payload (new references) without
 * checking the signature. AIRC_ERR_INVALID ("the ID token is not a JWS:
 * ...") on anything malformed. */
AIRC_WUR airc_rc oidc_jwt_decode(const char *zJwt, json_t **ppHeader /* OUT */, json_t **ppPayload /* OUT */,
                                 airc_err *pErr);

/* Verifies the signature of zJwt with the key of pJwks ({"keys":[...]})
 * whose kid matches the header's (or the only RSA key when the header has
 * no kid). Algorithms: RS256, RS384, RS512. AIRC_ERR_NOTFOUND when no key
 * matches the kid (the caller may refetch the JWKS once), AIRC_ERR_INVALID
 * for a bad signature, an unsupported algorithm or a malformed key. */
AIRC_WUR airc_rc oidc_jwt_verify_sig(const char *zJwt, const json_t *pJwks, airc_err *pErr);

/* Checks the claims of a verified ID token: iss equals zIssuer, aud is or
 * contains zClientId (and azp, when present with several audiences,
 * equals it), exp is after nowSec - leeway, iat (if present) is not after
 * nowSec + leeway, nonce equals zNonce. AIRC_ERR_INVALID naming the claim. */
AIRC_WUR airc_rc oidc_claims_check(const json_t *pPayload, const char *zIssuer, const char *zClientId,
                                   const char *zNonce, int64_t nowSec, airc_err *pErr);

/* PKCE: zVerifier (>= 44 bytes) gets 32 random bytes as base64url,
 * zChallenge (>= 44 bytes) its S256 challenge. */
void oidc_pkce_make(char *zVerifier, size_t nVerifier, char *zChallenge, size_t nChallenge);
/* The S256 challenge of zVerifier into zChallenge (>= 44 bytes). */
void oidc_pkce_challenge(const char *zVerifier, char *zChallenge, size_t nChallenge);

/* ---- claim -> role ---- */
#define OIDC_ROLE_MAP_MAX 32
typedef struct oidc_role_map {
  int n;
  char azValue[OIDC_ROLE_MAP_MAX][128];
  web_role aRole[OIDC_ROLE_MAP_MAX];
} oidc_role_map;

/* Parses "value:role, value2:role2" (the last ':' separates; roles viewer,
 * op, admin) into *pMap. AIRC_ERR_INVALID naming the bad entry. */
AIRC_WUR airc_rc oidc_role_map_parse(const char *zSpec, oidc_role_map *pMap /* OUT */, airc_err *pErr);
/* The highest role that pMap gives any value of pClaim (a string, or an
 * array of strings), else defaultRole (WEB_ROLE_NONE: refuse). */
web_role oidc_role_from_claim(const oidc_role_map *pMap, const json_t *pClaim, web_role defaultRole);

#endif
