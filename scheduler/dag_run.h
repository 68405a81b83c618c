/* dag_run.h: runs and task instances in the store: creating runs,
 * clearing and marking task instances, pausing DAGs. Used by the scheduler,
 * the CLI and the web server alike, so each rule exists once. Every
 * function here is one transaction, and it rings the scheduler's doorbell
 * after committing so a running scheduler acts at once. */
#ifndef AIRC_DAG_RUN_H
#define AIRC_DAG_RUN_H
#include <jansson.h>
#include <regex.h>
#include <stdint.h>
#include "dag/dag.h"
#include "store/store.h"

#define RUN_TYPE_SCHEDULED "scheduled"
#define RUN_TYPE_MANUAL "manual"
#define RUN_TYPE_BACKFILL "backfill"

typedef struct run_spec {
  const char *zDagId;
  const char *zRunId;      /* NULL: "<type>__<logical date>" */
  const char *zRunType;    /* RUN_TYPE_* */
  int64_t logicalDate;     /* seconds; -1: now (manual) */
  json_t *pConf;           /* borrowed, may be NULL */
  int bTest;               /* dags test: the scheduler leaves it alone */
  const char *zState;      /* initial state, NULL: "queued" */
} run_spec;

/* Loads the current version of DAG zDagId from the store (caller frees). */
AIRC_WUR airc_rc dag_store_load(store *s, const char *zDagId, dag **ppOut /* OUT */, airc_err *pErr);
/* Loads the version with hash zHash. */
AIRC_WUR airc_rc dag_store_load_version(store *s, const char *zHash, dag **ppOut /* OUT */,
                                        airc_err *pErr);

/* Creates a run and its task instances (state none) from the DAG's current
 * version. AIRC_ERR_EXISTS if the run id is taken; AIRC_ERR_INVALID if the
 * run id or the conf fails dag_run_id_check() / dag_run_conf_check(). *pRunPk gets its row id,
 * zRunIdOut (>= 300 bytes) the run id. */
AIRC_WUR airc_rc dag_run_create(store *s, const run_spec *pSpec, int64_t *pRunPk /* OUT */,
                                char *zRunIdOut, airc_err *pErr);
/* Same, with a DAG already loaded, inside the caller's transaction. */
AIRC_WUR airc_rc dag_run_create_for(store *s, const dag *d, const run_spec *pSpec,
                                    int64_t *pRunPk /* OUT */, char *zRunIdOut, airc_err *pErr);

/* Resets task instances of a run to none so the scheduler runs them again:
 * those whose id matches pTaskRegex (NULL: all; compiled by the caller with
 * task_regex_compile(), before any transaction), plus their downstream
 * tasks if bDownstream. Running and queued ones are left alone and counted
 * in *pnSkipped. The run goes back to queued. *pnCleared gets the count. */
AIRC_WUR airc_rc dag_run_clear(store *s, const char *zDagId, const char *zRunId,
                               const regex_t *pTaskRegex, int bDownstream, int bOnlyFailed,
                               int *pnCleared /* OUT */, int *pnSkipped /* OUT */, airc_err *pErr);

/* Marks one task instance success or failed (not while it runs). */
AIRC_WUR airc_rc dag_run_mark_task(store *s, const char *zDagId, const char *zRunId,
                                   const char *zTaskId, const char *zState, airc_err *pErr);

/* Pauses or unpauses a DAG. */
AIRC_WUR airc_rc dag_set_paused(store *s, const char *zDagId, int bPaused, airc_err *pErr);

/* Run ids name a log folder (run_id=R) and reach task commands through
 * {{ run_id }} and $AIRC_RUN_ID: only Airflow's run id characters
 * [A-Za-z0-9_.:+~-], 1..DAG_RUN_ID_MAX of them. */
#define DAG_RUN_ID_MAX 200
_Static_assert(sizeof("run_id=") - 1 + DAG_RUN_ID_MAX <= DAG_NAME_MAX, "run ids must fit in a file name");

/* A run's conf travels to every task process in its environment
 * ($AIRC_CONF, plus $AIRC_CONF_<KEY> per key), where one string may not
 * exceed 128 KiB (Linux's MAX_ARG_STRLEN) and all of them together share
 * the argument space: confs above 64 KiB (as compact JSON) are refused. */
#define DAG_RUN_CONF_MAX (64 * 1024)

/* AIRC_OK if zRunId is a run id a user may choose; else AIRC_ERR_INVALID
 * with a one-line message naming the first bad character or the length. */
AIRC_WUR airc_rc dag_run_id_check(const char *zRunId, airc_err *pErr);
/* AIRC_OK if pConf (may be NULL) fits DAG_RUN_CONF_MAX; else
 * AIRC_ERR_INVALID naming the limit. */
AIRC_WUR airc_rc dag_run_conf_check(json_t *pConf, airc_err *pErr);

#endif
