/* task_validate_cassandra.c: the `validate-cassandra` task type.
 *
 * Maps options (with [cassandra] config defaults) to cass_validate_opts,
 * runs cass_validate_file() and ends with expected_users_task_exit(), which
 * writes {"expected","found","missing","mismatched"} as the XCom, also when
 * the check fails, so that the UI can show the counts. The input defaults
 * to the `path` of any upstream XCom; since this task usually follows the
 * stream job (whose XCom has no path), DAG files normally template `input`
 * from fetch-users' XCom. */
#include <stdio.h>
#include <string.h>
#include "common/config.h"
#include "providers/cassandra/cassandra_validate.h"
#include "executor/task_opt.h"
#include "executor/task_type.h"

#define TYPE "validate-cassandra"

static const char *const g_azKeys[] = {"host", "port", "username", "password", "keyspace",
                                       "table", "input", "timeout", "consistency",
                                       "poll_interval", "conn", NULL};

static int validate_cassandra_validate(const char *zKey, const char *zValue, char *zErr,
                                       size_t nErr) {
  if(!strcmp(zKey, "port")) return task_opt_check_int(zValue, 1, 65535, zErr, nErr);
  if(!strcmp(zKey, "timeout") || !strcmp(zKey, "poll_interval"))
    return task_opt_check_duration(zValue, zErr, nErr);
  if(!strcmp(zKey, "consistency") && !strstr(zValue, "{{")) {
    uint16_t c;
    if(cql_consistency_parse(zValue, &c) == 0) return 0;
    snprintf(zErr, nErr, "'%s' is not a consistency level (ONE, LOCAL_ONE, QUORUM, ...)", zValue);
    return -1;
  }
  if((!strcmp(zKey, "keyspace") || !strcmp(zKey, "table")) && !strstr(zValue, "{{") &&
     !cass_identifier_ok(zValue)) {
    snprintf(zErr, nErr, "'%s' is not a plain CQL identifier", zValue);
    return -1;
  }
  return 0;
}

/* `conn = NAME`: host, port, login -> username, password, schema ->
 * keyspace; options set in the DAG file win. */
static void validate_cassandra_conn(const json_t *pConn, json_t *pOpts) {
  task_type_conn_db_options(pConn, pOpts, "keyspace");
}

static airc_rc validate_cassandra_opts(const task_ctx *pCtx, cass_validate_opts *o,
                                       airc_err *pErr) {
  int64_t port;
  memset(o, 0, sizeof(*o));
  o->conn.zHost = task_opt_str(pCtx, "host", airc_config_get("cassandra", "host", "127.0.0.1"));
  o->conn.zUser = task_opt_str(pCtx, "username", airc_config_get("cassandra", "username", NULL));
  o->conn.zPassword = task_opt_str(pCtx, "password", airc_config_get("cassandra", "password", NULL));
  o->zKeyspace = task_opt_str(pCtx, "keyspace", "spark_streams");
  o->zTable = task_opt_str(pCtx, "table", "created_users");
  o->zInput = task_opt_str(pCtx, "input", task_opt_upstream_path(pCtx));
  o->pProgress = stdout;
  const char *zCons = task_opt_str(pCtx, "consistency", airc_config_get("cassandra", "consistency", "LOCAL_ONE"));
  airc_rc rc = task_opt_int(pCtx, TYPE, "port", airc_config_get_int("cassandra", "port", 9042),
                            1, 65535, &port, pErr);
  if(!rc) rc = task_opt_duration_ms(pCtx, TYPE, "timeout", 60000, &o->timeoutMs, pErr);
  if(!rc) rc = task_opt_duration_ms(pCtx, TYPE, "poll_interval", 2000, &o->pollMs, pErr);
  if(!rc && cql_consistency_parse(zCons, &o->consistency))
    rc = airc_err_set(pErr, AIRC_ERR_INVALID, TYPE ": option 'consistency': '%s' is not a consistency level",
                      zCons);
  if(!rc && !o->zInput)
    rc = airc_err_set(pErr, AIRC_ERR_INVALID,
                      TYPE ": no input: set option 'input' (e.g. {{ xcom.fetch_users.path }})");
  o->conn.port = (int)port;
  /* each request may take as long as the task, but no longer */
  o->conn.connectTimeoutMs = o->timeoutMs < 5000 ? (int)o->timeoutMs : 5000;
  o->conn.readTimeoutMs = o->timeoutMs < 12000 ? (int)o->timeoutMs : 12000;
  return rc;
}

static int validate_cassandra_run(const task_ctx *pCtx) {
  cass_validate_opts o;
  cass_validate_result res;
  airc_err err = {0};
  memset(&res, 0, sizeof(res));
  airc_rc rc = validate_cassandra_opts(pCtx, &o, &err);
  int bRan = !rc;
  if(bRan) rc = cass_validate_file(&o, &res, &err);
  return expected_users_task_exit(pCtx, TYPE, rc, bRan, &res, &err);
}

const task_type task_type_validate_cassandra = {
    .schema = {.zName = TYPE, .azKeys = g_azKeys, .azRequired = NULL, .xValidate = validate_cassandra_validate},
    .xRun = validate_cassandra_run,
    .xConnOptions = validate_cassandra_conn,
};
