/* store_probe.h: the questions sensors ask of databases (docs/authoring.md,
 * "Sensors").
 *
 * Two of them: the state of another DAG's task instance (or run) in airc's
 * own store (sensor = external_task), and whether an SQL query on a
 * connection's PostgreSQL database answers a true first cell (sensor = sql).
 * Here because the database clients belong to store/ (check-layout).
 * Neither opens a transaction. */
#ifndef AIRC_STORE_PROBE_H
#define AIRC_STORE_PROBE_H
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

/* The state of task zTaskId of DAG zDagId in its run of logical date
 * logicalDate (seconds) into zState; with zTaskId NULL, the run's state.
 * zState = "" when there is no such run or task instance (not an error).
 * A mapped task's state is its instances' summary: success only when all
 * of them succeeded. */
AIRC_WUR airc_rc store_probe_external_state(store *p, const char *zDagId, const char *zTaskId, int64_t logicalDate,
                                            char *zState /* OUT */, size_t nState, airc_err *pErr);

/* A PostgreSQL database's connection parameters (any may be NULL). */
typedef struct store_probe_conn {
  const char *zHost, *zLogin, *zPassword, *zSchema;
  int port; /* 0: default */
} store_probe_conn;

/* Connects (at most timeoutSec to connect, and as long for the query),
 * runs zSql and sets *pbTrue when its first row's first cell is true:
 * present, not NULL, and none of '', '0', 'f', 'false', 'no', 'off' (any
 * case). Errors: AIRC_ERR_IO with the server's one-line message (cannot
 * connect, bad SQL). Blocks: call it off the scheduler's loop. */
AIRC_WUR airc_rc store_probe_sql(const store_probe_conn *pConn, const char *zSql, int timeoutSec,
                                 int *pbTrue /* OUT */, airc_err *pErr);

#endif
