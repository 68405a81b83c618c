/* conn_uri.h: connections as Airflow writes them in a URI, and back.
 *
 *   scheme://login:password@host:port/schema?key=value&key2=value2
 *
 * as Airflow's Connection(uri=...): conn_type is the scheme ('-' read as
 * '_'), every part is percent-decoded, the path without its '/' is the
 * schema, query parameters become `extra` (or `__extra__=JSON` gives the
 * whole object). A connection is a JSON object with the keys conn_type,
 * host, port (integer or null), login, password, schema (strings or null),
 * extra (object) and description. */
#ifndef AIRC_CONN_URI_H
#define AIRC_CONN_URI_H
#include <jansson.h>
#include "common/err.h"

#define CONN_URI_MAX 8192
#define CONN_NAME_MAX 250

/* New connection object (caller owns) from zUri; NULL with a one-line
 * pErr ("connection URI has no scheme://") on bad input. */
json_t *conn_uri_parse(const char *zUri, airc_err *pErr);
/* New string (caller frees): the URI of pConn, parts percent-encoded. */
char *conn_uri_format(json_t *pConn);
/* 1 if z is an acceptable connection or variable name: 1..250 of
 * [A-Za-z0-9_.-]. */
int conn_name_is_valid(const char *z);
/* The connection defined by $AIRC_CONN_<NAME in upper case> (new
 * reference), NULL if unset; a bad URI there is NULL with pErr set. */
json_t *conn_env_get(const char *zName, airc_err *pErr);
/* Adds every $AIRC_CONN_* connection to pConns (name -> connection, names
 * in lower case), replacing stored ones of the same name. */
void conn_env_overlay(json_t *pConns);

#endif
