/* store_secret.h: connections and variables in the store (tables
 * connection and variable, migration 4 -> 5).
 *
 * A connection travels as the JSON object of common/conn_uri.h (conn_type,
 * host, port, login, password, schema, extra, description); a variable as
 * {"value": TEXT, "is_secret": BOOL, "description": TEXT|null}. Passwords
 * and secret values are sealed with the given key (common/seal.h) on the
 * way in and opened on the way out: the store never holds their plaintext.
 * Names are kept as given; lookups are exact. $AIRC_CONN_* overrides are
 * not applied here (conn_env_overlay). Errors: AIRC_ERR_DB/BUSY with one
 * line; AIRC_ERR_NOTFOUND and AIRC_ERR_EXISTS where noted; AIRC_ERR_PARSE
 * when a sealed value does not open with the key. */
#ifndef AIRC_STORE_SECRET_H
#define AIRC_STORE_SECRET_H
#include <jansson.h>
#include "common/seal.h"
#include "store/store.h"

/* Adds (bReplace = 0: AIRC_ERR_EXISTS if it exists) or replaces connection
 * zName. Borrows pConn. */
AIRC_WUR airc_rc store_conn_put(store *p, const seal_key *pKey, const char *zName, json_t *pConn, int bReplace,
                                airc_err *pErr);
/* Connection zName (new reference) in *ppOut; AIRC_ERR_NOTFOUND. */
AIRC_WUR airc_rc store_conn_get(store *p, const seal_key *pKey, const char *zName, json_t **ppOut /* OUT */,
                                airc_err *pErr);
/* Every connection as one object name -> connection (new reference), by name. */
AIRC_WUR airc_rc store_conn_all(store *p, const seal_key *pKey, json_t **ppOut /* OUT */, airc_err *pErr);
/* AIRC_ERR_NOTFOUND if there is none. */
AIRC_WUR airc_rc store_conn_delete(store *p, const char *zName, airc_err *pErr);

/* Sets variable zName (insert or replace). zDescription may be NULL. */
AIRC_WUR airc_rc store_var_set(store *p, const seal_key *pKey, const char *zName, const char *zValue, int bSecret,
                               const char *zDescription, airc_err *pErr);
/* Variable zName as {"value","is_secret","description"} (new reference); AIRC_ERR_NOTFOUND. */
AIRC_WUR airc_rc store_var_get(store *p, const seal_key *pKey, const char *zName, json_t **ppOut /* OUT */,
                               airc_err *pErr);
/* Every variable as name -> {"value","is_secret","description"} (new reference). */
AIRC_WUR airc_rc store_var_all(store *p, const seal_key *pKey, json_t **ppOut /* OUT */, airc_err *pErr);
/* AIRC_ERR_NOTFOUND if there is none. */
AIRC_WUR airc_rc store_var_delete(store *p, const char *zName, airc_err *pErr);

/* Re-seals every password and secret value from pOld to pNew in one
 * transaction: all or nothing (a value that pOld cannot open stops it). */
AIRC_WUR airc_rc store_secret_rekey(store *p, const seal_key *pOld, const seal_key *pNew, int *pnDone /* OUT */,
                                    airc_err *pErr);

#endif
