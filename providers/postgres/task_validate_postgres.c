/* task_validate_postgres.c: the `validate-postgres` task type, the twin of
 * validate-cassandra for the Spark job's PostgreSQL sink.
 *
 * Maps options (connection: pg_task_conn.h; table, input, timeout,
 * poll_interval) to pg_validate_opts, runs pg_validate_file() and writes
 * {"expected","found","missing","mismatched"} as the XCom, also when the
 * check fails. The input defaults to the `path` of any upstream XCom; DAG
 * files normally template it from fetch-users' XCom. xRun is NULL: the
 * body (run_validate_postgres.c) runs in airc-task, so that the per-try
 * supervisor links no libpq (executor/task_types.def). */
#include <stdio.h>
#include <string.h>
#include "executor/task_opt.h"
#include "executor/task_type.h"
#include "providers/postgres/pg_task_conn.h"
#include "providers/postgres/pg_text.h"

#define TYPE "validate-postgres"

static const char *const g_azKeys[] = {"url", "host", "port", "username", "password", "database",
                                       "table", "input", "timeout", "poll_interval", "conn", NULL};

static int validate_postgres_validate(const char *zKey, const char *zValue, char *zErr, size_t nErr) {
  if(!strcmp(zKey, "port")) return task_opt_check_int(zValue, 1, 65535, zErr, nErr);
  if(!strcmp(zKey, "timeout") || !strcmp(zKey, "poll_interval"))
    return task_opt_check_duration(zValue, zErr, nErr);
  if(!strcmp(zKey, "table") && !strstr(zValue, "{{") && !pg_text_ident_ok(zValue)) {
    snprintf(zErr, nErr, "'%s' is not a plain SQL identifier (or schema.table)", zValue);
    return -1;
  }
  return 0;
}

const task_type task_type_validate_postgres = {
    .schema = {.zName = TYPE, .azKeys = g_azKeys, .azRequired = NULL, .xValidate = validate_postgres_validate},
    .xRun = NULL,
    .xConnOptions = pg_task_conn_options,
};
