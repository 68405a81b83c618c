/* pg_conn.c: see pg_conn.h.
 *
 * PQconnectdbParams with expand_dbname: the URL (first "dbname") is expanded,
 * the separate fields after it override its parts. gssencmode=disable comes
 * first, so that a URL asking for GSSAPI still gets it but a plain one does
 * not probe for Kerberos on every connect (as store/postgres/ does). */
#include "providers/postgres/pg_conn.h"
#include <stdio.h>
#include <string.h>
#include "providers/postgres/pg_text.h"

airc_rc pg_conn_open(const pg_conn_opts *o, PGconn **ppConn, airc_err *pErr) {
  const char *azKey[10], *azVal[10];
  char zTimeout[24];
  int n = 0;
  int64_t secs = (o->connectTimeoutMs + 999) / 1000;
  if(secs < 1) secs = 1;
  if(secs < 2) secs = 2; /* libpq treats 1 as 2 anyway */
  snprintf(zTimeout, sizeof(zTimeout), "%lld", (long long)secs);
  *ppConn = NULL;
  azKey[n] = "gssencmode"; azVal[n++] = "disable";
  azKey[n] = "connect_timeout"; azVal[n++] = zTimeout;
  azKey[n] = "application_name"; azVal[n++] = "airc-task";
  if(o->zUrl && *o->zUrl) { azKey[n] = "dbname"; azVal[n++] = o->zUrl; }
  if(o->zHost && *o->zHost) { azKey[n] = "host"; azVal[n++] = o->zHost; }
  if(o->zPort && *o->zPort) { azKey[n] = "port"; azVal[n++] = o->zPort; }
  if(o->zUser && *o->zUser) { azKey[n] = "user"; azVal[n++] = o->zUser; }
  if(o->zPassword && *o->zPassword) { azKey[n] = "password"; azVal[n++] = o->zPassword; }
  if(o->zDatabase && *o->zDatabase) { azKey[n] = "dbname"; azVal[n++] = o->zDatabase; }
  azKey[n] = NULL; azVal[n] = NULL;
  PGconn *c = PQconnectdbParams(azKey, azVal, 1);
  if(!c) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  if(PQstatus(c) != CONNECTION_OK) {
    char zWhy[600];
    pg_text_one_line(PQerrorMessage(c), zWhy, sizeof(zWhy));
    const char *zH = PQhost(c), *zP = PQport(c);
    airc_rc rc = airc_err_set(pErr, AIRC_ERR_NET, "connecting to %s:%s: %s", zH && *zH ? zH : "?",
                              zP && *zP ? zP : "?", zWhy);
    PQfinish(c);
    return rc;
  }
  *ppConn = c;
  return AIRC_OK;
}

const char *pg_conn_sqlstate(const PGresult *pRes) {
  const char *z = pRes ? PQresultErrorField(pRes, PG_DIAG_SQLSTATE) : NULL;
  return z ? z : "";
}

void pg_conn_result_error(const PGresult *pRes, const PGconn *pConn, char *zOut, size_t nOut) {
  const char *zPrimary = pRes ? PQresultErrorField(pRes, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  char zLine[700];
  if(!zPrimary) {
    const char *z = pRes ? PQresultErrorMessage(pRes) : "";
    if(!z || !*z) z = PQerrorMessage(pConn);
    pg_text_one_line(z && *z ? z : "unknown error (no message from the server)", zOut, nOut);
    return;
  }
  pg_text_one_line(zPrimary, zLine, sizeof(zLine));
  const char *zState = pg_conn_sqlstate(pRes);
  const char *zPos = PQresultErrorField(pRes, PG_DIAG_STATEMENT_POSITION);
  if(zPos && *zPos)
    snprintf(zOut, nOut, "%s (SQLSTATE %s at character %s)", zLine, zState, zPos);
  else
    snprintf(zOut, nOut, "%s (SQLSTATE %s)", zLine, zState);
}
