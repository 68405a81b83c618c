/* users.h: web users in the store.
 *
 * Passwords are hashed with argon2id (libsodium crypto_pwhash_str); the
 * clear text is never stored or logged and is wiped from our buffers after
 * use. Usernames are 1-64 characters of [A-Za-z0-9_.@-]; passwords are at
 * least 8 bytes, at most 1024. Roles: viewer reads; op also triggers,
 * clears, pauses and marks; admin also manages users. */
#ifndef AIRC_USERS_H
#define AIRC_USERS_H
#include <jansson.h>
#include "common/err.h"
#include "store/store.h"
#include "webui/web_req.h"

#define USERS_PASSWORD_MIN 8
#define USERS_PASSWORD_MAX 1024

int users_name_is_valid(const char *z);
/* AIRC_ERR_EXISTS if taken, AIRC_ERR_INVALID for a bad name/role/password. */
AIRC_WUR airc_rc users_create(store *s, const char *zName, web_role role, const char *zPassword, airc_err *pErr);
/* AIRC_ERR_NOTFOUND if there is no such user. */
AIRC_WUR airc_rc users_delete(store *s, const char *zName, airc_err *pErr);
/* Checks a password. AIRC_OK and *pOut filled on success; AIRC_ERR_INVALID
 * ("wrong username or password") otherwise, the same for unknown users.
 * zHashOut (>= 128 bytes, may be NULL) gets the stored hash, so callers
 * can notice a later password change. */
AIRC_WUR airc_rc users_verify(store *s, const char *zName, const char *zPassword, web_user *pOut /* OUT */,
                              char *zHashOut, airc_err *pErr);
/* Reads user zName; AIRC_ERR_NOTFOUND ("no user 'NAME'") if none. */
AIRC_WUR airc_rc users_get_by_name(store *s, const char *zName, web_user *pOut /* OUT */, airc_err *pErr);
/* Reads user id; AIRC_ERR_NOTFOUND if gone. zHashOut as above. */
AIRC_WUR airc_rc users_get_by_id(store *s, int64_t id, web_user *pOut /* OUT */, char *zHashOut, airc_err *pErr);
/* [{"username","role","created"}...] ordered by username (new reference). */
json_t *users_list_json(store *s, airc_err *pErr);
/* Creates user "admin" with a random password when the user table is
 * empty, atomically (two servers starting at once create one). *pbCreated
 * says whether it did; zPassword (>= 32 bytes) gets the password. */
AIRC_WUR airc_rc users_create_first_admin(store *s, int *pbCreated /* OUT */, char *zPassword, size_t nPassword,
                                          airc_err *pErr);

/* Sets user zName's password (validated as in users_create) and, in the
 * same transaction, revokes the user's dashboard sessions and access
 * tokens (personal tokens stay). AIRC_ERR_NOTFOUND if there is no such user. */
AIRC_WUR airc_rc users_set_password(store *s, const char *zName, const char *zPassword, airc_err *pErr);

/* ---- API tokens ----
 * "airc_<id>_<64 hex>": 32 random bytes (hex) after the row id; the store
 * keeps crypto_generichash (BLAKE2b-256) of the hex, compared in constant
 * time. Access tokens (POST /auth/token) expire after a TTL; personal
 * tokens are named per user and expire after N days or never. Both act
 * with the user's CURRENT role; deleting the user deletes them. */
#define USERS_TOKEN_BUF 96       /* room for a token and its NUL */
#define USERS_TOKEN_NAME_MAX 64

/* Issues an access token for user userId valid ttlSec seconds. zOut gets
 * the token (shown once), *pExpiresUs its expiry. */
AIRC_WUR airc_rc users_token_issue_access(store *s, int64_t userId, int64_t ttlSec, char *zOut, size_t nOut,
                                          int64_t *pExpiresUs /* OUT */, airc_err *pErr);
/* Creates personal token zName (1-64 of [A-Za-z0-9_.@-]) for user zUser,
 * expiring after expiresDays days (<= 0: never). zOut gets the token.
 * AIRC_ERR_NOTFOUND (no user), AIRC_ERR_EXISTS (name taken),
 * AIRC_ERR_INVALID (bad name). */
AIRC_WUR airc_rc users_token_create(store *s, const char *zUser, const char *zName, int64_t expiresDays,
                                    char *zOut, size_t nOut, airc_err *pErr);
/* [{"name","created","expires"}...] of zUser's personal tokens (new
 * reference), or NULL with pErr (AIRC_ERR_NOTFOUND: no user). */
json_t *users_token_list_json(store *s, const char *zUser, airc_err *pErr);
/* Revokes zUser's personal token zName. AIRC_ERR_NOTFOUND if either is unknown. */
AIRC_WUR airc_rc users_token_revoke(store *s, const char *zUser, const char *zName, airc_err *pErr);
/* Checks a token. AIRC_OK with *pOut (the user, its current role) and
 * *pTokenId; AIRC_ERR_INVALID ("invalid, expired or revoked token") otherwise. */
AIRC_WUR airc_rc users_token_verify(store *s, const char *zToken, web_user *pOut /* OUT */,
                                    int64_t *pTokenId /* OUT */, airc_err *pErr);

#endif
