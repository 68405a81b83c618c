/* task_sql.c: the `sql` task type: runs SQL on a PostgreSQL database (the
 * batch half of the pipeline: reports built from the Spark job's sink).
 *
 * Options: the connection (pg_task_conn.h: url / conn = NAME / host, port,
 * username, password, database), `sql` (required, templated like every
 * option; several statements allowed), `check` (optional query), `timeout`
 * (statement timeout of the whole transaction and bound of the connect;
 * default 5m). Runs BEGIN; SET LOCAL statement_timeout; sql; check; COMMIT:
 * a failed statement or a failed check rolls everything back, so a report
 * is never left half built. The check fails the task when its first cell is
 * false, zero, NULL or absent (pg_text_truthy), with one line naming the
 * query and the value. XCom: {"status": last command tag of sql, "check":
 * the check's value or null}. Every error is one line naming the task and
 * the option. xRun is NULL: the body (run_sql.c) runs in airc-task, so that
 * the per-try supervisor links no libpq (executor/task_types.def). */
#include <stdio.h>
#include <string.h>
#include "executor/task_opt.h"
#include "executor/task_type.h"
#include "providers/postgres/pg_task_conn.h"
#include "providers/postgres/pg_text.h"

#define TYPE "sql"

static const char *const g_azKeys[] = {"url", "host", "port", "username", "password", "database",
                                       "conn", "sql", "check", "timeout", NULL};
static const char *const g_azRequired[] = {"sql", NULL};

static int sql_validate(const char *zKey, const char *zValue, char *zErr, size_t nErr) {
  if(!strcmp(zKey, "port")) return task_opt_check_int(zValue, 1, 65535, zErr, nErr);
  if(!strcmp(zKey, "timeout")) return task_opt_check_duration(zValue, zErr, nErr);
  if(!strcmp(zKey, "sql") && !*zValue) {
    snprintf(zErr, nErr, "is empty");
    return -1;
  }
  return 0;
}

const task_type task_type_sql = {
    .schema = {.zName = TYPE, .azKeys = g_azKeys, .azRequired = g_azRequired, .xValidate = sql_validate},
    .xRun = NULL,
    .xConnOptions = pg_task_conn_options,
};
