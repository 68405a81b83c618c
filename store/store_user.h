/* store_user.h: the web users and the dashboard's sessions in the store.
 *
 * Users (table user): a unique username, a role name ('admin', 'op',
 * 'viewer'), the password hash (never the password) and the creation time.
 * Sessions (table web_session): the SHA-256 of a session token, the user it
 * belongs to, its CSRF token, creation and expiry times; deleting a user
 * deletes its sessions (ON DELETE CASCADE). Validation, hashing and the
 * meaning of roles stay with the callers (webui/users.c, webui/auth.c): the
 * store keeps facts. No call here opens a transaction; callers that need a
 * check-and-insert to be atomic wrap it in store_begin/store_commit.
 *
 * Times are microseconds since the epoch. Errors: AIRC_ERR_DB (or
 * AIRC_ERR_BUSY) with a one-line message saying what failed;
 * AIRC_ERR_EXISTS and AIRC_ERR_NOTFOUND where noted. */
#ifndef AIRC_STORE_USER_H
#define AIRC_STORE_USER_H
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

#define STORE_USER_NAME_MAX 64  /* longest username the callers accept */
#define STORE_USER_HASH_MAX 135 /* longest password hash kept (argon2 needs 127) */

/* One user, copied into caller-owned memory. Longer stored text is cut. */
typedef struct store_user {
  int64_t id;
  char zName[STORE_USER_NAME_MAX + 1];
  char zRole[16];
  char zHash[STORE_USER_HASH_MAX + 1];
  int64_t createdUs;
} store_user;

/* One user of a list walk: fields BORROWED, valid during the callback. */
typedef struct store_user_row {
  int64_t id;
  const char *zName;
  const char *zRole;
  int64_t createdUs;
} store_user_row;
/* Returns nonzero to stop the walk. May not call back into the walk. */
typedef int (*store_user_fn)(void *pCtx, const store_user_row *pRow);

/* Inserts a user. zName, zRole, zHash are borrowed for the call.
 * AIRC_ERR_EXISTS ("user 'NAME' already exists") if the name is taken. */
AIRC_WUR airc_rc store_user_insert(store *p, const char *zName, const char *zRole, const char *zHash,
                                   int64_t createdUs, airc_err *pErr);
/* Deletes user zName (and, by cascade, its sessions).
 * AIRC_ERR_NOTFOUND ("no user 'NAME'") if there is none. */
AIRC_WUR airc_rc store_user_delete(store *p, const char *zName, airc_err *pErr);
/* Fills *pOut with user zName. AIRC_ERR_NOTFOUND ("no user 'NAME'") if none. */
AIRC_WUR airc_rc store_user_get_by_name(store *p, const char *zName, store_user *pOut /* OUT */, airc_err *pErr);
/* Fills *pOut with user id. AIRC_ERR_NOTFOUND ("user ID is gone") if none. */
AIRC_WUR airc_rc store_user_get_by_id(store *p, int64_t id, store_user *pOut /* OUT */, airc_err *pErr);
/* Calls xRow for each user, ordered by username. */
AIRC_WUR airc_rc store_user_each(store *p, store_user_fn xRow, void *pCtx, airc_err *pErr);
/* *pbEmpty = 1 when there is no user at all, else 0. */
AIRC_WUR airc_rc store_user_is_empty(store *p, int *pbEmpty /* OUT */, airc_err *pErr);

/* ---- sessions ---- */

/* A live session and its user, copied into caller-owned memory. */
typedef struct store_user_session {
  int64_t userId;
  char zName[STORE_USER_NAME_MAX + 1];
  char zRole[16];
  char zCsrf[80];
} store_user_session;

/* Records a session. Strings are borrowed for the call. AIRC_ERR_EXISTS
 * if zTokenHash is already recorded. */
AIRC_WUR airc_rc store_user_session_insert(store *p, const char *zTokenHash, int64_t userId, const char *zCsrf,
                                           int64_t createdUs, int64_t expiresUs, airc_err *pErr);
/* Fills *pOut with the session zTokenHash when it expires after nowUs.
 * AIRC_ERR_NOTFOUND ("no session") when unknown or expired. */
AIRC_WUR airc_rc store_user_session_lookup(store *p, const char *zTokenHash, int64_t nowUs,
                                           store_user_session *pOut /* OUT */, airc_err *pErr);
/* Deletes session zTokenHash (no error when there is none). */
AIRC_WUR airc_rc store_user_session_delete(store *p, const char *zTokenHash, airc_err *pErr);
/* Deletes the sessions that expire at or before nowUs; *pnDeleted (may be
 * NULL) gets how many. */
AIRC_WUR airc_rc store_user_session_purge(store *p, int64_t nowUs, int64_t *pnDeleted, airc_err *pErr);

/* ---- passwords ---- */

/* Replaces user zName's password hash. AIRC_ERR_NOTFOUND ("no user
 * 'NAME'") if there is none. Revoking what the old password gave out is
 * the caller's (store_user_session_delete_user, store_user_token_delete_kind). */
AIRC_WUR airc_rc store_user_set_hash(store *p, const char *zName, const char *zHash, airc_err *pErr);
/* Replaces user zName's role name (single sign-on keeps it in step with
 * the identity provider's claims). AIRC_ERR_NOTFOUND ("no user 'NAME'"). */
AIRC_WUR airc_rc store_user_set_role(store *p, const char *zName, const char *zRole, airc_err *pErr);
/* Deletes every session of user userId (no error when there is none). */
AIRC_WUR airc_rc store_user_session_delete_user(store *p, int64_t userId, airc_err *pErr);

/* ---- API tokens (table api_token) ----
 * A token is "airc_<id>_<64 hex>": the id finds the row, the hex is the
 * secret, of which only a hash (hex, caller's choice of function) is kept.
 * kind is "access" (POST /auth/token, unnamed) or "personal" (named,
 * unique per user). An expiry of STORE_TOKEN_NEVER means none. */
#define STORE_TOKEN_NEVER INT64_MIN
#define STORE_TOKEN_NAME_MAX 64

/* A live token and its user, copied into caller-owned memory. */
typedef struct store_user_token {
  int64_t id;
  int64_t userId;
  char zName[STORE_USER_NAME_MAX + 1];  /* the user's name */
  char zRole[16];                       /* the user's role, now */
  char zKind[16];
  char zTokenName[STORE_TOKEN_NAME_MAX + 1]; /* "" for access tokens */
  char zHash[80];
  int64_t expiresUs;                    /* STORE_TOKEN_NEVER: none */
} store_user_token;

/* One personal token of a list walk: fields BORROWED during the callback. */
typedef struct store_user_token_row {
  int64_t id;
  const char *zTokenName;
  int64_t createdUs;
  int64_t expiresUs; /* STORE_TOKEN_NEVER: none */
} store_user_token_row;
typedef int (*store_user_token_fn)(void *pCtx, const store_user_token_row *pRow);

/* Records a token for userId; zKind "access" or "personal"; zTokenName
 * NULL for access tokens. Strings are borrowed for the call. *pId gets the
 * new row id. AIRC_ERR_EXISTS ("token 'NAME' already exists") if the user
 * already has a token of that name. */
AIRC_WUR airc_rc store_user_token_insert(store *p, int64_t userId, const char *zKind, const char *zTokenName,
                                         const char *zHash, int64_t createdUs, int64_t expiresUs,
                                         int64_t *pId /* OUT */, airc_err *pErr);
/* Fills *pOut with token id when it has not expired at nowUs (the hash is
 * returned for the caller to compare in constant time). AIRC_ERR_NOTFOUND
 * ("no token") when unknown or expired. */
AIRC_WUR airc_rc store_user_token_lookup(store *p, int64_t id, int64_t nowUs, store_user_token *pOut /* OUT */,
                                         airc_err *pErr);
/* Deletes token id (no error when there is none). */
AIRC_WUR airc_rc store_user_token_delete(store *p, int64_t id, airc_err *pErr);
/* Deletes personal token zTokenName of user userId. AIRC_ERR_NOTFOUND
 * ("no token 'NAME'") if there is none. */
AIRC_WUR airc_rc store_user_token_delete_named(store *p, int64_t userId, const char *zTokenName, airc_err *pErr);
/* Deletes every token of kind zKind of user userId. */
AIRC_WUR airc_rc store_user_token_delete_kind(store *p, int64_t userId, const char *zKind, airc_err *pErr);
/* Calls xRow for each personal token of userId, ordered by name. */
AIRC_WUR airc_rc store_user_token_each(store *p, int64_t userId, store_user_token_fn xRow, void *pCtx,
                                       airc_err *pErr);
/* Deletes the tokens that expired at or before nowUs. */
AIRC_WUR airc_rc store_user_token_purge(store *p, int64_t nowUs, airc_err *pErr);

#endif
