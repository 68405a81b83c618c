/* pg_task_conn.h: what the two PostgreSQL task types share about their
 * connection options: the option names, `conn = NAME` mapping, and turning
 * a task's options (with the [postgres] url setting as the default) into
 * pg_conn_opts.
 *
 * Options: url (postgresql://... or a conninfo string; default [postgres]
 * url), host, port, username, password, database (each overrides that part
 * of the url). `conn = NAME` fills host, port, login -> username, password,
 * schema -> database for the options the task did not set. */
#ifndef AIRC_PG_TASK_CONN_H
#define AIRC_PG_TASK_CONN_H
#include <jansson.h>
#include "executor/task_type.h"
#include "providers/postgres/pg_conn.h"

/* xConnOptions of both types. */
void pg_task_conn_options(const json_t *pConn, json_t *pOptions);

/* Fills *o from the task's options (borrowed strings, valid for the task).
 * connectTimeoutMs is left to the caller. */
void pg_task_conn_opts(const task_ctx *pCtx, pg_conn_opts *o /* OUT */);

#endif
