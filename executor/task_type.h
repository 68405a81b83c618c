/* task_type.h: the registry of task types.
 *
 * A task type is what a DAG file's `type = ...` names: `shell`, and the
 * pipeline types (`fetch-users`, `publish-kafka`, `trigger-stream-job`,
 * `validate-cassandra`). The scheduler knows types only through this
 * registry: it validates a task's type-specific keys against azKeys and
 * azRequired when parsing a DAG, and the executor calls xRun in the forked
 * task process. Adding a type means one file in executor/ and one line in
 * task_type.c's table; nothing in scheduler/ changes. */
#ifndef AIRC_TASK_TYPE_H
#define AIRC_TASK_TYPE_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

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
  const char *zName;
  const char *const *azKeys;     /* allowed type-specific keys, NULL-terminated */
  const char *const *azRequired; /* keys that must be present, NULL-terminated (may be NULL) */
  /* Optional check of one option's raw (untemplated) value at DAG parse
   * time. Returns 0 if acceptable, else writes a one-line reason to zErr. */
  int (*xValidate)(const char *zKey, const char *zValue, char *zErr, size_t nErr);
  /* Runs the task inside the forked task process, stdout and stderr already
   * going to the try's log, AIRC_* variables in the environment. Returns the
   * exit code (TASK_EXIT_*). A type that execs another program (shell) calls
   * task_exec_or_report() and never returns on success. */
  int (*xRun)(const task_ctx *pCtx);
  /* Options that are POSIX shell command text (NULL-terminated, may be
   * NULL): their placeholders are rendered with template_render_shell(),
   * each value one single-quoted word. Other options render plainly. */
  const char *const *azShellKeys;
} task_type;

/* The type named zName, or NULL. */
const task_type *task_type_find(const char *zName);
/* NULL-terminated list of all registered types (for help and validation). */
const task_type *const *task_type_all(void);
/* 1 if zKey is one of pType's azKeys. */
int task_type_has_key(const task_type *pType, const char *zKey);

/* For types that exec: execv(zPath, azArgv); on failure reports errno to the
 * supervisor (which records "exec failed: <reason>" as the task's failure)
 * and returns 127. */
int task_exec_or_report(const char *zPath, char *const azArgv[]);

/* For types whose body needs libraries the scheduler does not link
 * (libcurl, librdkafka): writes pCtx to a file and execs `airc-task zType
 * FILE` (found beside the running binary, or [core] task_runner), which
 * runs the body (executor/runners/). Returns only on failure (127). */
int task_run_in_runner(const task_ctx *pCtx, const char *zType);

/* Writes a JSON value as this task's XCom (to pCtx->zXcomOut). 0 on success;
 * on failure prints the reason to stderr and returns -1. Does not steal pValue. */
int task_xcom_write(const task_ctx *pCtx, json_t *pValue);

#endif
