/* cql.h: a minimal blocking CQL native protocol v4 client (Cassandra).
 *
 * What the validate-cassandra task needs and no more: one TCP connection,
 * one request at a time, STARTUP, optional PasswordAuthenticator login
 * (SASL PLAIN), and QUERY with consistency, bind values and paging. The
 * frame codec is in cql_wire.c; this file is the socket side: connect and
 * read timeouts, a cap on the response body size, and turning ERROR frames
 * into one-line messages that name host:port.
 *
 * Not for: prepared statements, multiple streams in flight, compression,
 * TLS, load balancing over several hosts, protocol version negotiation
 * (v4 only; Cassandra 3.0 to 5.0 speak it). */
#ifndef AIRC_CQL_H
#define AIRC_CQL_H
#include <stdint.h>
#include "common/err.h"
#include "providers/cassandra/cql_wire.h"

typedef struct cql_conn cql_conn;

typedef struct cql_conn_opts {
  const char *zHost;        /* name or address */
  int port;                 /* 9042 */
  const char *zUser;        /* NULL or "": no credentials (fails if the server asks) */
  const char *zPassword;
  int connectTimeoutMs;     /* TCP connect; 0 = 5000 */
  int readTimeoutMs;        /* each response; 0 = 12000 */
  uint32_t nMaxFrame;       /* response body cap; 0 = CQL_MAX_FRAME_DEFAULT */
} cql_conn_opts;

/* Connects and completes the STARTUP (and login) handshake. On failure
 * *ppConn is NULL and pErr says e.g. "cassandra at 127.0.0.1:9042: connect:
 * Connection refused". */
AIRC_WUR airc_rc cql_connect(const cql_conn_opts *pOpts, cql_conn **ppConn /* OUT */,
                             airc_err *pErr);

/* Runs one QUERY. aVal/nVal bind the '?' markers (may be NULL/0); pageSize
 * <= 0 means the server default; pPaging continues from a previous result's
 * paging state. *pOut is a RESULT (free with cql_result_free, also on
 * failure). A server ERROR fails with "Invalid (0x2200): ..." in pErr. */
AIRC_WUR airc_rc cql_query(cql_conn *pConn, const char *zCql, uint16_t consistency,
                           const cql_value *aVal, int nVal, int32_t pageSize,
                           const uint8_t *pPaging, int32_t nPaging, cql_result *pOut,
                           airc_err *pErr);

/* Parses ONE, LOCAL_ONE, QUORUM, LOCAL_QUORUM, ALL, TWO, THREE, EACH_QUORUM,
 * ANY (any case). Returns 0 and sets *pOut, or -1. */
int cql_consistency_parse(const char *z, uint16_t *pOut);

/* "host:port" of the connection (borrowed). */
const char *cql_conn_peer(const cql_conn *pConn);
void cql_close(cql_conn *pConn);

#endif
