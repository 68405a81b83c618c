/* users.c: see users.h. */
#include "webui/users.h"
#include "common/timeutil.h"
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
  sqlite3_stmt *st = store_prepare(s, "INSERT INTO user(username, role, password_hash, created_us) VALUES(?,?,?,?)", pErr);
  if(!st) return pErr->rc;
  sqlite3_bind_text(st, 1, zName, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, web_role_name(role), -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, zHash, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, airc_now_us());
  int rcStep = sqlite3_step(st);
  int ext = sqlite3_extended_errcode(store_legacy_db(s));
  sqlite3_reset(st);
  if(rcStep != SQLITE_DONE) {
    if(ext == SQLITE_CONSTRAINT_UNIQUE) return airc_err_set(pErr, AIRC_ERR_EXISTS, "user '%s' already exists", zName);
    return store_fail(s, "insert user", pErr);
  }
  return AIRC_OK;
}

airc_rc users_delete(store *s, const char *zName, airc_err *pErr) {
  sqlite3_stmt *st = store_prepare(s, "DELETE FROM user WHERE username=?", pErr);
  if(!st) return pErr->rc;
  sqlite3_bind_text(st, 1, zName, -1, SQLITE_STATIC);
  int rcStep = sqlite3_step(st);
  int nChanged = sqlite3_changes(store_legacy_db(s));
  sqlite3_reset(st);
  if(rcStep != SQLITE_DONE) return store_fail(s, "delete user", pErr);
  if(!nChanged) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "no user '%s'", zName);
  return AIRC_OK;
}

static void fill_user(sqlite3_stmt *st, web_user *pOut, char *zHashOut) {
  memset(pOut, 0, sizeof(*pOut));
  pOut->id = sqlite3_column_int64(st, 0);
  snprintf(pOut->zName, sizeof(pOut->zName), "%s", store_legacy_col_text(st, 1));
  pOut->role = web_role_parse(store_legacy_col_text(st, 2));
  if(zHashOut) snprintf(zHashOut, 128, "%s", store_legacy_col_text(st, 3));
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
  sqlite3_stmt *st = store_prepare(s, "SELECT id, username, role, password_hash FROM user WHERE username=?", pErr);
  if(!st) return pErr->rc;
  sqlite3_bind_text(st, 1, zName, -1, SQLITE_STATIC);
  char zHash[crypto_pwhash_STRBYTES + 8] = "";
  int bFound = sqlite3_step(st) == SQLITE_ROW;
  if(bFound) {
    fill_user(st, pOut, NULL);
    snprintf(zHash, sizeof(zHash), "%s", store_legacy_col_text(st, 3));
  }
  sqlite3_reset(st);
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

airc_rc users_get_by_id(store *s, int64_t id, web_user *pOut, char *zHashOut, airc_err *pErr) {
  sqlite3_stmt *st = store_prepare(s, "SELECT id, username, role, password_hash FROM user WHERE id=?", pErr);
  if(!st) return pErr->rc;
  sqlite3_bind_int64(st, 1, id);
  airc_rc rc = AIRC_OK;
  if(sqlite3_step(st) == SQLITE_ROW) fill_user(st, pOut, zHashOut);
  else rc = airc_err_set(pErr, AIRC_ERR_NOTFOUND, "user %lld is gone", (long long)id);
  sqlite3_reset(st);
  return rc;
}

json_t *users_list_json(store *s, airc_err *pErr) {
  sqlite3_stmt *st = store_prepare(s, "SELECT username, role, created_us FROM user ORDER BY username", pErr);
  if(!st) return NULL;
  json_t *pArr = json_array();
  while(sqlite3_step(st) == SQLITE_ROW) {
    char zTime[40];
    json_array_append_new(pArr, json_pack("{s:s, s:s, s:s}", "username", store_legacy_col_text(st, 0), "role",
                                          store_legacy_col_text(st, 1), "created",
                                          airc_time_format_api(sqlite3_column_int64(st, 2), zTime, sizeof(zTime))));
  }
  sqlite3_reset(st);
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
  if(!rc) {
    sqlite3_stmt *st = store_prepare(s, "SELECT NOT EXISTS(SELECT 1 FROM user)", pErr);
    if(!st) rc = pErr->rc;
    else {
      bEmpty = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
      sqlite3_reset(st);
    }
  }
  /* hashing inside the write transaction is slow (~0.1 s) but makes the
   * check-and-insert atomic; it happens once per installation */
  if(!rc && bEmpty) rc = users_hash(zPassword, zHash, pErr);
  if(!rc && bEmpty) {
    sqlite3_stmt *st = store_prepare(s, "INSERT INTO user(username, role, password_hash, created_us) VALUES('admin','admin',?,?)", pErr);
    if(!st) rc = pErr->rc;
    else {
      sqlite3_bind_text(st, 1, zHash, -1, SQLITE_STATIC);
      sqlite3_bind_int64(st, 2, airc_now_us());
      if(sqlite3_step(st) != SQLITE_DONE) rc = store_fail(s, "insert admin", pErr);
      sqlite3_reset(st);
    }
  }
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
