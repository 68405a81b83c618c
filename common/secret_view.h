/* secret_view.h: connections and variables as the CLI and the REST API
 * show them, with their secrets masked. One place decides what a reader
 * sees: a connection's password and a secret variable's value leave as
 * SECRET_MASK unless the caller asks to reveal them (only the CLI's
 * --reveal and `variables get` do). Also the checks both apply to what a
 * user sends (names, connection fields). */
#ifndef AIRC_SECRET_VIEW_H
#define AIRC_SECRET_VIEW_H
#include <jansson.h>
#include "common/err.h"

#define SECRET_MASK "***"

/* New flat row of connection pConn (borrowed, a common/conn_uri.h object)
 * named zName: conn_id, its fields, password as SECRET_MASK unless bReveal
 * (null stays null), uri (with the same password) and extra as compact
 * JSON text. */
json_t *secret_conn_row(const char *zName, json_t *pConn, int bReveal);
/* New {"key","value","description","is_secret"} of variable pVar
 * (borrowed, store_var_get's object) named zName; a secret value leaves as
 * SECRET_MASK unless bReveal. */
json_t *secret_var_row(const char *zName, json_t *pVar, int bReveal);
/* Applies the fields of pFields (borrowed; Airflow's Connection body:
 * conn_type, host, login, schema, port, password, extra as JSON text of an
 * object, description; each may be null but conn_type) to connection
 * pConn, skipping fields not in pFields and, when pMask is an array of
 * field names, fields not in pMask. AIRC_ERR_INVALID naming the field on a
 * wrong type, an unknown field or extra that is not a JSON object. */
AIRC_WUR airc_rc secret_conn_apply(json_t *pConn, json_t *pFields, json_t *pMask, airc_err *pErr);
/* AIRC_OK if zName is a valid connection/variable name, else
 * AIRC_ERR_INVALID "<zWhat> name '...' is not valid (1-250 of A-Z a-z 0-9 _ . -)". */
AIRC_WUR airc_rc secret_name_check(const char *zWhat, const char *zName, airc_err *pErr);

#endif
