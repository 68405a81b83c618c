/* pg_conn.h: opening a libpq connection to the user's PostgreSQL for the
 * task types of providers/postgres/ (validate-postgres, sql).
 *
 * This is the user's database (the Spark job's batch sink, a report
 * database), not airc's metadata store: store/postgres/ owns that one and
 * is never reached from here. A connection is described by an optional URL
 * or conninfo string plus separate fields that win over it (what `conn =
 * NAME` and the task's own options fill in).
 *
 * Not for: pooling, or anything longer-lived than one task try. */
#ifndef AIRC_PG_CONN_H
#define AIRC_PG_CONN_H
#include "store/pq_lazy.h"
#include <stdint.h>
#include "common/err.h"

typedef struct pg_conn_opts {
  const char *zUrl;        /* postgresql://... or "key=value ..."; NULL/"" = none */
  const char *zHost;       /* each NULL/"" = from the URL (or libpq's default) */
  const char *zPort;
  const char *zUser;
  const char *zPassword;
  const char *zDatabase;
  int64_t connectTimeoutMs; /* rounded up to whole seconds, at least 1 */
} pg_conn_opts;

/* Connects. On failure returns AIRC_ERR_NET with libpq's reason folded into
 * one line, naming the server ("connecting to 127.0.0.1:5433: ...") and
 * never the password. *ppConn is NULL on failure; close with PQfinish. */
AIRC_WUR airc_rc pg_conn_open(const pg_conn_opts *pOpts, PGconn **ppConn /* OUT */, airc_err *pErr);

/* One line for a failed result: the server's primary message, its SQLSTATE
 * and, when known, the character position ("relation \"x\" does not exist
 * (SQLSTATE 42P01 at character 15)"); libpq's message when the server sent
 * none. */
void pg_conn_result_error(const PGresult *pRes, const PGconn *pConn, char *zOut, size_t nOut);

/* The SQLSTATE of a failed result, or "" (borrowed). */
const char *pg_conn_sqlstate(const PGresult *pRes);

#endif
