/* task_type.h: the registry of task types.
 *
 * A task type is what a DAG file's `type = ...` names: `shell`, and the
 * pipeline types of providers/ (`fetch-users`, `publish-kafka`,
 * `trigger-stream-job`, `validate-cassandra`). There is ONE list of types,
 * executor/task_types.def; each entry is a task_type: its schema (name,
 * option keys, option check: what dag/ validates a DAG file against, see
 * dag/task_schema.h) and how it runs. Adding a type means one folder in
 * providers/ and one line in task_types.def; nothing in dag/ or
 * scheduler/ changes. */
#ifndef AIRC_TASK_TYPE_H
#define AIRC_TASK_TYPE_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "common/err.h"
#include "dag/task_schema.h"

/* What a running task try sees. Everything is borrowed and valid for the
 * life of the task process. All option values are strings, already
 * templated ({{ ds }}, {{ xcom.TASK }}, ... replaced). */
typedef struct task_ctx {
  const char *zDagId;
  const char *zRunId;
  const char *zTaskId;
  int tryNumber;              /* 1 for the first try */
  int64_t logicalDate;        /* seconds since epoch, UTC */
  int64_t dataIntervalStart;
  int64_t dataIntervalEnd;
  json_t *pOptions;           /* object: type-specific key -> string value */
  json_t *pParams;            /* object: the DAG's params.* */
  json_t *pConf;              /* object: the run's trigger conf ({} if none) */
  json_t *pUpstreamXcom;      /* object: upstream task id -> its XCom value */
  const char *zXcomOut;       /* file to write this task's XCom JSON value to */
  const char *zAircHome;      /* $AIRC_HOME */
} task_ctx;

/* Exit codes of a task process. */
#define TASK_EXIT_SUCCESS 0
#define TASK_EXIT_FAILED  1
#define TASK_EXIT_SKIPPED 99   /* as Airflow's BashOperator */

typedef struct task_type {
  task_schema schema; /* name and options, checked when a DAG file is parsed */
  /* Runs the task inside the forked task process, stdout and stderr already
   * going to the try's log, AIRC_* variables in the environment. Returns the
   * exit code (TASK_EXIT_*). A type that execs another program (shell) calls
   * task_exec_or_report() and never returns on success.
   * NULL for a type whose body needs a client library the scheduler does not
   * link (libcurl, librdkafka): the task process then execs bin/airc-task,
   * which runs the body named in task_types.def (see task_run_in_runner). */
  int (*xRun)(const task_ctx *pCtx);
  /* A type defined by an `airc-type-NAME` program (task_plugin.h): runs
   * by exec'ing it, xRun NULL. NULL for the types of task_types.def. */
  const struct task_plugin *pPlugin;
  /* For a type that takes `conn = NAME`: fills the options the task did not
   * set from that connection (an object of task_secrets.h: conn_type, host,
   * port, login, password, schema, extra). Pure; NULL for other types. */
  void (*xConnOptions)(const json_t *pConn, json_t *pOptions);
  /* 1: xRun does nothing but exec a program (task_exec_or_report), so the
   * supervisor starts the task process with vfork() (exec_spawn.c): no copy
   * of its page tables, no copy-on-write faults on either side, and it
   * waits only until that exec. Not for a type whose body runs in the task
   * process (the supervisor would wait for all of it). */
  int bExecsAtOnce;
} task_type;

/* The type named zName (a built-in one, else a plugin's), or NULL. */
const task_type *task_type_find(const char *zName);
/* NULL-terminated list of all registered types, in task_types.def's order. */
const task_type *const *task_type_all(void);
/* The schemas of task_type_all() followed by those of the usable plugins
 * of the plugins folder (task_plugin.h), for dag_parse_file() and
 * dag_from_json_text(). */
const task_schema *const *task_type_schemas(void);
/* The schemas of task_type_all() only. */
const task_schema *const *task_type_builtin_schemas(void);
/* Applies `conn = NAME` of the rendered options pOptions (no-op without
 * it): the connection NAME of pConns (name -> connection) through
 * pType->xConnOptions. A name not in pConns is AIRC_ERR_NOTFOUND: "conn:
 * connection 'NAME' not found (airc connections add NAME --conn-uri URI,
 * or set AIRC_CONN_NAME)". */
AIRC_WUR airc_rc task_type_apply_conn(const task_type *pType, const json_t *pConns, json_t *pOptions,
                                      airc_err *pErr);
/* The common xConnOptions mapping of a database client: host -> host,
 * port -> port (as text), login -> username, password -> password,
 * schema -> zSchemaKey ("database", "keyspace"). Options already set in
 * pOptions win; empty connection fields are skipped. */
void task_type_conn_db_options(const json_t *pConn, json_t *pOptions, const char *zSchemaKey);
/* Index of pType in task_type_all() (the row of task_types.def), or -1. */
int task_type_index(const task_type *pType);
/* Runs one try in the task process: pType->xRun, or airc-task when xRun is
 * NULL. Returns the exit code (only on failure for types that exec). */
int task_type_run(const task_type *pType, const task_ctx *pCtx);

/* For types that exec: execv(zPath, azArgv), or execvp() when zPath has no
 * '/' (looked up in PATH); on failure reports errno and zPath to the
 * supervisor (which records "exec failed: <zPath>: <reason>" as the task's
 * failure) and returns 127. Allocates nothing: runs in a vfork() child. */
#define TASK_EXEC_ERR_MAX 256 /* bytes of that report, at most */
int task_exec_or_report(const char *zPath, char *const azArgv[]);

/* For types whose body needs libraries the scheduler does not link
 * (libcurl, librdkafka): writes pCtx to a file and execs `airc-task zType
 * FILE` (found beside the running binary, or [core] task_runner), which
 * runs the body (providers/, listed in task_types.def). Returns only on
 * failure (127). */
int task_run_in_runner(const task_ctx *pCtx, const char *zType);

/* Writes a JSON value as this task's XCom (to pCtx->zXcomOut). 0 on success;
 * on failure prints the reason to stderr and returns -1. Does not steal pValue. */
int task_xcom_write(const task_ctx *pCtx, json_t *pValue);

#endif
