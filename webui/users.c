/* users.c: see users.h. */
#include "webui/users.h"
#include "common/timeutil.h"
#include "store/store_user.h"
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

int users_name_is_valid(const char *z) {
  size_t n = z ? strlen(z) : 0;
  if(n == 0 || n > WEB_USERNAME_MAX) return 0;
  for(; *z; z++) {
    char c = *z;
    if(!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '@' || c == '-'))
      return 0;
  }
  return 1;
}

static airc_rc users_hash(const char *zPassword, char *zOut, airc_err *pErr) {
  if(sodium_init() < 0) return airc_err_set(pErr, AIRC_ERR_NOMEM, "libsodium failed to initialise");
  if(crypto_pwhash_str_alg(zOut, zPassword, strlen(zPassword), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                           crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13))
    return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory hashing the password");
  return AIRC_OK;
}

airc_rc users_create(store *s, const char *zName, web_role role, const char *zPassword, airc_err *pErr) {
  if(!users_name_is_valid(zName))
    return airc_err_set(pErr, AIRC_ERR_INVALID, "username '%.64s' is not valid (1-64 characters: letters, digits, _ . @ -)",
                        zName ? zName : "");
  if(role == WEB_ROLE_NONE) return airc_err_set(pErr, AIRC_ERR_INVALID, "role must be admin, op or viewer");
  size_t n = zPassword ? strlen(zPassword) : 0;
  if(n < USERS_PASSWORD_MIN || n > USERS_PASSWORD_MAX)
    return airc_err_set(pErr, AIRC_ERR_INVALID, "password must be %d to %d characters", USERS_PASSWORD_MIN,
                        USERS_PASSWORD_MAX);
  char zHash[crypto_pwhash_STRBYTES];
  airc_rc rc = users_hash(zPassword, zHash, pErr);
  if(rc) return rc;
  /* AIRC_ERR_EXISTS: "user 'NAME' already exists" */
  return store_user_insert(s, zName, web_role_name(role), zHash, airc_now_us(), pErr);
}

airc_rc users_delete(store *s, const char *zName, airc_err *pErr) {
  return store_user_delete(s, zName, pErr); /* AIRC_ERR_NOTFOUND: "no user 'NAME'" */
}

static void fill_user(const store_user *pRow, web_user *pOut, char *zHashOut) {
  memset(pOut, 0, sizeof(*pOut));
  pOut->id = pRow->id;
  snprintf(pOut->zName, sizeof(pOut->zName), "%s", pRow->zName);
  pOut->role = web_role_parse(pRow->zRole);
  if(zHashOut) snprintf(zHashOut, 128, "%.127s", pRow->zHash);
}

/* An argon2id hash of a random password, made once per process with the
 * same cost as real ones: unknown usernames are verified against it so
 * that a wrong password costs the same time whether or not the user exists. */
static char g_zDummyHash[crypto_pwhash_STRBYTES];
static pthread_once_t g_dummyOnce = PTHREAD_ONCE_INIT;

static void dummy_hash_make(void) {
  unsigned char aRand[24];
  char zPw[sizeof(aRand) * 2 + 1];
  randombytes_buf(aRand, sizeof(aRand));
  sodium_bin2hex(zPw, sizeof(zPw), aRand, sizeof(aRand));
  airc_err err = {0};
  if(users_hash(zPw, g_zDummyHash, &err)) g_zDummyHash[0] = 0;
  sodium_memzero(zPw, sizeof(zPw));
}

airc_rc users_verify(store *s, const char *zName, const char *zPassword, web_user *pOut, char *zHashOut,
                     airc_err *pErr) {
  if(sodium_init() < 0) return airc_err_set(pErr, AIRC_ERR_NOMEM, "libsodium failed to initialise");
  store_user row;
  char zHash[crypto_pwhash_STRBYTES + 8] = "";
  airc_err lookErr = {0};
  airc_rc rcLook = store_user_get_by_name(s, zName, &row, &lookErr);
  if(rcLook && rcLook != AIRC_ERR_NOTFOUND) {
    airc_err_set(pErr, rcLook, "%s", lookErr.zMsg);
    return pErr->rc;
  }
  int bFound = rcLook == AIRC_OK;
  if(bFound) {
    fill_user(&row, pOut, NULL);
    snprintf(zHash, sizeof(zHash), "%s", row.zHash);
  }
  size_t n = strlen(zPassword);
  if(n > USERS_PASSWORD_MAX) n = USERS_PASSWORD_MAX; /* still verified (and refused below): same cost */
  if(!bFound) {
    pthread_once(&g_dummyOnce, dummy_hash_make);
    snprintf(zHash, sizeof(zHash), "%s", g_zDummyHash);
  }
  int bMatch = zHash[0] && crypto_pwhash_str_verify(zHash, zPassword, n) == 0;
  if(!bFound || strlen(zPassword) > USERS_PASSWORD_MAX || !bMatch) {
    memset(pOut, 0, sizeof(*pOut));
    return airc_err_set(pErr, AIRC_ERR_INVALID, "wrong username or password");
  }
  if(zHashOut) snprintf(zHashOut, 128, "%.127s", zHash);
  return AIRC_OK;
}

airc_rc users_get_by_name(store *s, const char *zName, web_user *pOut, airc_err *pErr) {
  store_user row;
  airc_rc rc = store_user_get_by_name(s, zName, &row, pErr);
  if(!rc) fill_user(&row, pOut, NULL);
  return rc;
}

airc_rc users_get_by_id(store *s, int64_t id, web_user *pOut, char *zHashOut, airc_err *pErr) {
  store_user row;
  airc_rc rc = store_user_get_by_id(s, id, &row, pErr); /* AIRC_ERR_NOTFOUND: "user ID is gone" */
  if(!rc) fill_user(&row, pOut, zHashOut);
  return rc;
}

static int list_row(void *pCtx, const store_user_row *pRow) {
  char zTime[40];
  json_array_append_new((json_t *)pCtx, json_pack("{s:s, s:s, s:s}", "username", pRow->zName, "role", pRow->zRole,
                                                  "created",
                                                  airc_time_format_api(pRow->createdUs, zTime, sizeof(zTime))));
  return 0;
}

json_t *users_list_json(store *s, airc_err *pErr) {
  json_t *pArr = json_array();
  if(store_user_each(s, list_row, pArr, pErr)) {
    json_decref(pArr);
    return NULL;
  }
  return pArr;
}

airc_rc users_create_first_admin(store *s, int *pbCreated, char *zPassword, size_t nPassword, airc_err *pErr) {
  *pbCreated = 0;
  if(sodium_init() < 0) return airc_err_set(pErr, AIRC_ERR_NOMEM, "libsodium failed to initialise");
  unsigned char aRand[18];
  randombytes_buf(aRand, sizeof(aRand));
  if(nPassword < 32) return airc_err_set(pErr, AIRC_ERR_INVALID, "password buffer too small");
  sodium_bin2base64(zPassword, nPassword, aRand, sizeof(aRand), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  char zHash[crypto_pwhash_STRBYTES];
  airc_rc rc = store_begin(s, pErr);
  int bEmpty = 0;
  if(!rc) rc = store_user_is_empty(s, &bEmpty, pErr);
  /* hashing inside the write transaction is slow (~0.1 s) but makes the
   * check-and-insert atomic; it happens once per installation */
  if(!rc && bEmpty) rc = users_hash(zPassword, zHash, pErr);
  if(!rc && bEmpty) rc = store_user_insert(s, "admin", web_role_name(WEB_ROLE_ADMIN), zHash, airc_now_us(), pErr);
  if(!rc) rc = store_commit(s, pErr);
  else store_rollback(s);
  if(!rc) *pbCreated = bEmpty;
  if(!*pbCreated) sodium_memzero(zPassword, nPassword);
  return rc;
}

/* Role names live here, with the users, so that bin/airc (which has the
 * `users` commands but not the web server) links without libmicrohttpd. */
const char *web_role_name(web_role r) {
  switch(r) {
  case WEB_ROLE_VIEWER: return "viewer";
  case WEB_ROLE_OP: return "op";
  case WEB_ROLE_ADMIN: return "admin";
  default: return "none";
  }
}

web_role web_role_parse(const char *z) {
  if(!z) return WEB_ROLE_NONE;
  if(!strcmp(z, "viewer")) return WEB_ROLE_VIEWER;
  if(!strcmp(z, "op")) return WEB_ROLE_OP;
  if(!strcmp(z, "admin")) return WEB_ROLE_ADMIN;
  return WEB_ROLE_NONE;
}

/* ---- passwords ---- */

airc_rc users_set_password(store *s, const char *zName, const char *zPassword, airc_err *pErr) {
  size_t n = zPassword ? strlen(zPassword) : 0;
  if(n < USERS_PASSWORD_MIN || n > USERS_PASSWORD_MAX)
    return airc_err_set(pErr, AIRC_ERR_INVALID, "password must be %d to %d characters", USERS_PASSWORD_MIN,
                        USERS_PASSWORD_MAX);
  char zHash[crypto_pwhash_STRBYTES];
  airc_rc rc = users_hash(zPassword, zHash, pErr);
  if(rc) return rc;
  store_user row;
  rc = store_begin(s, pErr);
  if(!rc) rc = store_user_get_by_name(s, zName, &row, pErr);
  if(!rc) rc = store_user_set_hash(s, zName, zHash, pErr);
  if(!rc) rc = store_user_session_delete_user(s, row.id, pErr);
  if(!rc) rc = store_user_token_delete_kind(s, row.id, "access", pErr);
  if(!rc) rc = store_commit(s, pErr);
  else store_rollback(s);
  return rc;
}

/* ---- API tokens ---- */

#define TOKEN_PREFIX "airc_"

/* Hex of BLAKE2b-256 of the secret part, into zOut (>= 65 bytes). */
static void token_secret_hash(const char *zSecret, size_t nSecret, char *zOut) {
  unsigned char a[32];
  crypto_generichash(a, sizeof(a), (const unsigned char *)zSecret, nSecret, NULL, 0);
  sodium_bin2hex(zOut, 65, a, sizeof(a));
}

static airc_rc token_issue(store *s, int64_t userId, const char *zKind, const char *zName, int64_t expiresUs,
                           char *zOut, size_t nOut, airc_err *pErr) {
  if(sodium_init() < 0) return airc_err_set(pErr, AIRC_ERR_NOMEM, "libsodium failed to initialise");
  if(nOut < USERS_TOKEN_BUF) return airc_err_set(pErr, AIRC_ERR_INVALID, "token buffer too small");
  unsigned char aRand[32];
  char zSecret[65], zHash[65];
  randombytes_buf(aRand, sizeof(aRand));
  sodium_bin2hex(zSecret, sizeof(zSecret), aRand, sizeof(aRand));
  sodium_memzero(aRand, sizeof(aRand));
  token_secret_hash(zSecret, 64, zHash);
  int64_t id = 0;
  airc_rc rc = store_user_token_insert(s, userId, zKind, zName, zHash, airc_now_us(), expiresUs, &id, pErr);
  if(!rc) snprintf(zOut, nOut, TOKEN_PREFIX "%lld_%s", (long long)id, zSecret);
  sodium_memzero(zSecret, sizeof(zSecret));
  return rc;
}

airc_rc users_token_issue_access(store *s, int64_t userId, int64_t ttlSec, char *zOut, size_t nOut,
                                 int64_t *pExpiresUs, airc_err *pErr) {
  int64_t now = airc_now_us();
  *pExpiresUs = now + ttlSec * 1000000;
  airc_err purgeErr = {0}; /* best effort */
  if(store_user_token_purge(s, now, &purgeErr)) purgeErr.rc = AIRC_OK; /* a failed purge does not stop the issue */
  return token_issue(s, userId, "access", NULL, *pExpiresUs, zOut, nOut, pErr);
}

airc_rc users_token_create(store *s, const char *zUser, const char *zName, int64_t expiresDays, char *zOut,
                           size_t nOut, airc_err *pErr) {
  if(!users_name_is_valid(zName))
    return airc_err_set(pErr, AIRC_ERR_INVALID, "token name '%.64s' is not valid (1-64 characters: letters, digits, _ . @ -)",
                        zName ? zName : "");
  if(expiresDays > 36500) return airc_err_set(pErr, AIRC_ERR_INVALID, "expires-days must be at most 36500");
  store_user row;
  airc_rc rc = store_user_get_by_name(s, zUser, &row, pErr);
  if(rc) return rc;
  int64_t expiresUs = expiresDays > 0 ? airc_now_us() + expiresDays * 86400LL * 1000000 : STORE_TOKEN_NEVER;
  return token_issue(s, row.id, "personal", zName, expiresUs, zOut, nOut, pErr);
}

static int token_row(void *pCtx, const store_user_token_row *pRow) {
  char zC[40], zE[40];
  json_t *pExp = pRow->expiresUs == STORE_TOKEN_NEVER
                     ? json_null()
                     : json_string(airc_time_format_api(pRow->expiresUs, zE, sizeof(zE)));
  json_array_append_new((json_t *)pCtx, json_pack("{s:s, s:s, s:o}", "name", pRow->zTokenName, "created",
                                                  airc_time_format_api(pRow->createdUs, zC, sizeof(zC)),
                                                  "expires", pExp));
  return 0;
}

json_t *users_token_list_json(store *s, const char *zUser, airc_err *pErr) {
  store_user row;
  if(store_user_get_by_name(s, zUser, &row, pErr)) return NULL;
  json_t *pArr = json_array();
  if(store_user_token_each(s, row.id, token_row, pArr, pErr)) {
    json_decref(pArr);
    return NULL;
  }
  return pArr;
}

airc_rc users_token_revoke(store *s, const char *zUser, const char *zName, airc_err *pErr) {
  store_user row;
  airc_rc rc = store_user_get_by_name(s, zUser, &row, pErr);
  if(rc) return rc;
  return store_user_token_delete_named(s, row.id, zName, pErr);
}

airc_rc users_token_verify(store *s, const char *zToken, web_user *pOut, int64_t *pTokenId, airc_err *pErr) {
  memset(pOut, 0, sizeof(*pOut));
  *pTokenId = 0;
  const char *zBad = "invalid, expired or revoked token";
  if(strncmp(zToken, TOKEN_PREFIX, strlen(TOKEN_PREFIX))) return airc_err_set(pErr, AIRC_ERR_INVALID, "%s", zBad);
  const char *z = zToken + strlen(TOKEN_PREFIX);
  int64_t id = 0;
  int nDigits = 0;
  for(; *z >= '0' && *z <= '9' && nDigits < 18; z++, nDigits++) id = id * 10 + (*z - '0');
  if(!nDigits || *z != '_' || strlen(z + 1) != 64) return airc_err_set(pErr, AIRC_ERR_INVALID, "%s", zBad);
  char zHash[65];
  token_secret_hash(z + 1, 64, zHash);
  store_user_token tok;
  airc_err lookErr = {0};
  airc_rc rc = store_user_token_lookup(s, id, airc_now_us(), &tok, &lookErr);
  if(rc && rc != AIRC_ERR_NOTFOUND) return airc_err_set(pErr, rc, "%s", lookErr.zMsg);
  if(rc || strlen(tok.zHash) != 64 || sodium_memcmp(tok.zHash, zHash, 64))
    return airc_err_set(pErr, AIRC_ERR_INVALID, "%s", zBad);
  pOut->id = tok.userId;
  snprintf(pOut->zName, sizeof(pOut->zName), "%s", tok.zName);
  pOut->role = web_role_parse(tok.zRole);
  *pTokenId = tok.id;
  return AIRC_OK;
}
