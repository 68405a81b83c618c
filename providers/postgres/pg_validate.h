/* pg_validate.h: check that every record of a JSON Lines file is in a
 * PostgreSQL table with the same field values: the core of the
 * `validate-postgres` task type, callable without a task_ctx, the twin of
 * providers/cassandra/cassandra_validate.h.
 *
 * Records are read from the file (each a JSON object whose "id" is a uuid;
 * the columns compared are the keys of the first record), then looked up
 * with `SELECT id, <cols> FROM <table> WHERE id = ANY($1::uuid[])` in
 * batches, the ids bound as one array parameter. Ids not found are looked up
 * again, after a bounded sleep, until the deadline: rows written by the
 * streaming job may arrive a little later. A table that does not exist yet
 * (SQLSTATE 42P01) counts as all rows missing (the streaming job creates it).
 * The file, the id states, the polling and the verdict are
 * providers/expected_users.h's.
 *
 * Not for: other primary keys than a uuid column named id, or deletes.
 * Columns beyond the record's (e.g. the sink's created_at) are ignored. */
#ifndef AIRC_PG_VALIDATE_H
#define AIRC_PG_VALIDATE_H
#include <stdint.h>
#include <stdio.h>
#include "common/err.h"
#include "providers/expected_users.h"
#include "providers/postgres/pg_conn.h"

typedef struct pg_validate_opts {
  pg_conn_opts conn;
  const char *zTable;        /* table or schema.table: plain identifiers */
  const char *zInput;        /* JSON Lines file */
  int64_t timeoutMs;         /* keep re-checking missing ids until then */
  int64_t pollMs;            /* sleep between checks (bounded by the deadline) */
  int nBatch;                /* ids per query; 0 = 500 */
  FILE *pProgress;           /* progress lines; NULL = silent */
} pg_validate_opts;

/* zNote e.g. "table created_users does not exist" */
typedef expected_users_result pg_validate_result;

/* Runs the validation. AIRC_OK when every record was found equal;
 * AIRC_ERR_INVALID when some are missing or mismatched ("3 of 500 records
 * missing, 1 mismatched (first missing id ...; first mismatch id ... field
 * 'dob': expected '...' got '...')"); other codes for bad input (FILE:LINE
 * named), an unreachable server (host:port named) or a failed query (one
 * line with its SQLSTATE). *pOut is filled in every case. */
AIRC_WUR airc_rc pg_validate_file(const pg_validate_opts *pOpts, pg_validate_result *pOut,
                                  airc_err *pErr);

#endif
