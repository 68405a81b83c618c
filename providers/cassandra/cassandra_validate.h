/* cassandra_validate.h: check that every record of a JSON Lines file is in
 * a Cassandra table with the same field values.
 *
 * The core of the `validate-cassandra` task type, callable without a
 * task_ctx. Records are read from the file (each a JSON object whose "id"
 * is a UUID; the columns compared are the keys of the first record), then
 * looked up with `SELECT <cols> FROM ks.table WHERE id IN (?, ...)` in
 * batches, ids bound as uuid values. Ids not found are looked up again,
 * after a bounded sleep, until the deadline: rows written by a streaming
 * job may arrive a little later. A table that does not exist yet counts as
 * all rows missing (the streaming job creates it). The file, the id states,
 * the polling and the verdict are providers/expected_users.h's.
 *
 * Not for: other primary keys than a single uuid column named id,
 * non-string fields beyond their JSON text, or deletes. */
#ifndef AIRC_CASSANDRA_VALIDATE_H
#define AIRC_CASSANDRA_VALIDATE_H
#include <stdint.h>
#include <stdio.h>
#include "common/err.h"
#include "providers/cassandra/cql.h"
#include "providers/expected_users.h"

typedef struct cass_validate_opts {
  cql_conn_opts conn;
  const char *zKeyspace;     /* identifiers: [A-Za-z_][A-Za-z0-9_]* */
  const char *zTable;
  const char *zInput;        /* JSON Lines file */
  uint16_t consistency;      /* CQL_LOCAL_ONE, ... */
  int64_t timeoutMs;         /* keep re-checking missing ids until then */
  int64_t pollMs;            /* sleep between checks (bounded by the deadline) */
  int nBatch;                /* ids per query; 0 = 100 */
  FILE *pProgress;           /* progress lines; NULL = silent */
} cass_validate_opts;

/* zNote e.g. "table spark_streams.created_users does not exist" */
typedef expected_users_result cass_validate_result;

/* Runs the validation. Returns AIRC_OK when every record was found equal;
 * AIRC_ERR_INVALID when some are missing or mismatched (message as
 * "3 of 500 records missing, 1 mismatched (first missing id ...; first
 * mismatch id ... field 'dob': expected '...' got '...')"); other codes for
 * bad input (FILE:LINE named) or an unreachable server (host:port named).
 * *pOut is filled in every case. */
AIRC_WUR airc_rc cass_validate_file(const cass_validate_opts *pOpts,
                                    cass_validate_result *pOut, airc_err *pErr);

/* 1 if z is a plain CQL identifier safe to put in a statement unquoted. */
int cass_identifier_ok(const char *z);

#endif
