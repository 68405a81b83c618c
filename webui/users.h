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
/* Reads user id; AIRC_ERR_NOTFOUND if gone. zHashOut as above. */
AIRC_WUR airc_rc users_get_by_id(store *s, int64_t id, web_user *pOut /* OUT */, char *zHashOut, airc_err *pErr);
/* [{"username","role","created"}...] ordered by username (new reference). */
json_t *users_list_json(store *s, airc_err *pErr);
/* Creates user "admin" with a random password when the user table is
 * empty, atomically (two servers starting at once create one). *pbCreated
 * says whether it did; zPassword (>= 32 bytes) gets the password. */
AIRC_WUR airc_rc users_create_first_admin(store *s, int *pbCreated /* OUT */, char *zPassword, size_t nPassword,
                                          airc_err *pErr);

#endif
