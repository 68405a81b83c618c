/* store_run.h: runs and task instances as the store's transactional units:
 * loading a stored DAG version, creating runs (with their task instances),
 * clearing and marking task instances, pausing DAGs. The scheduler, the CLI
 * and the web server all go through these calls, so each rule exists once.
 *
 * Each call that changes rows is one (nested) transaction: inside a
 * caller's store_begin() it joins that transaction, otherwise it commits on
 * its own. After its own commit, store_run_create, store_run_clear,
 * store_ti_mark and store_dag_set_paused ring the scheduler's doorbell
 * (common/wake.h) so a running scheduler acts at once; store_run_create_for
 * does not (it runs inside the caller's transaction, the caller rings).
 *
 * Errors: AIRC_ERR_NOTFOUND for a missing DAG, version, run or task,
 * AIRC_ERR_EXISTS for a taken run id, AIRC_ERR_INVALID / AIRC_ERR_USAGE for
 * bad input, AIRC_ERR_DB (or
 * AIRC_ERR_BUSY) from the backend; each with a one-line message. */
#ifndef AIRC_STORE_RUN_H
#define AIRC_STORE_RUN_H
#include <jansson.h>
#include <regex.h>
#include <stdint.h>
#include "dag/dag.h"
#include "store/store.h"

#define RUN_TYPE_SCHEDULED "scheduled"
#define RUN_TYPE_MANUAL "manual"
#define RUN_TYPE_BACKFILL "backfill"

/* Size of the run-id buffers the calls below fill. */
#define STORE_RUN_ID_MAX 300

typedef struct run_spec {
  const char *zDagId;
  const char *zRunId;      /* NULL: "<type>__<logical date>" */
  const char *zRunType;    /* RUN_TYPE_* */
  int64_t logicalDate;     /* seconds; -1: now (manual) */
  json_t *pConf;           /* borrowed, may be NULL */
  int bTest;               /* dags test: the scheduler leaves it alone */
  const char *zState;      /* initial state, NULL: "queued" */
} run_spec;

/* Loads the current version of active DAG zDagId (caller frees with
 * dag_free). AIRC_ERR_NOTFOUND: "DAG '<id>' not found". */
AIRC_WUR airc_rc store_dag_load(store *s, const char *zDagId, dag **ppOut /* OUT */, airc_err *pErr);
/* Loads the version with hash zHash (caller frees).
 * AIRC_ERR_NOTFOUND: "DAG version <hash prefix> not found". */
AIRC_WUR airc_rc store_dag_load_version(store *s, const char *zHash, dag **ppOut /* OUT */,
                                        airc_err *pErr);

/* Creates a run and its task instances (state none) from the DAG's current
 * version, in its own transaction, then rings the doorbell ("trigger").
 * AIRC_ERR_EXISTS if the run id is taken, AIRC_ERR_INVALID if pSpec->zRunId
 * is not valid. *pRunPk (may be NULL) gets its row id, zRunIdOut (NULL or
 * >= STORE_RUN_ID_MAX bytes) the run id. */
AIRC_WUR airc_rc store_run_create(store *s, const run_spec *pSpec, int64_t *pRunPk /* OUT */,
                                  char *zRunIdOut, airc_err *pErr);
/* Same, with DAG d already loaded (borrowed), inside the caller's
 * transaction (the caller rolls back on error); no doorbell. */
AIRC_WUR airc_rc store_run_create_for(store *s, const dag *d, const run_spec *pSpec,
                                      int64_t *pRunPk /* OUT */, char *zRunIdOut, airc_err *pErr);

/* Resets task instances of a run to none so the scheduler runs them again:
 * those whose id matches pTaskRegex (NULL: all; compiled by the caller with
 * task_regex_compile(), before any transaction), plus their
 * downstream tasks if bDownstream, and if bOnlyFailed only those failed or
 * upstream_failed. Running and queued ones (and, with bOnlyFailed, the
 * others) are left alone and counted in *pnSkipped. When any was cleared
 * the run goes back to queued. *pnCleared gets the count. Rings "clear".
 * AIRC_ERR_INVALID for a run id dag_run_id_check() refuses;
 * AIRC_ERR_NOTFOUND for the run. */
AIRC_WUR airc_rc store_run_clear(store *s, const char *zDagId, const char *zRunId,
                                 const regex_t *pTaskRegex, int bDownstream, int bOnlyFailed,
                                 int *pnCleared /* OUT */, int *pnSkipped /* OUT */, airc_err *pErr);

/* Marks one task instance success, failed or skipped (note "marked
 * <state>"); a finished run goes back to running so the scheduler
 * re-evaluates it. A running or queued try is stopped: a stop request
 * (store_control.h) is recorded with the new state, and the ring is
 * "stop" instead of "mark". AIRC_ERR_INVALID for another state,
 * AIRC_ERR_NOTFOUND for the run or task. */
AIRC_WUR airc_rc store_ti_mark(store *s, const char *zDagId, const char *zRunId,
                               const char *zTaskId, const char *zState, airc_err *pErr);

/* Pauses (bPaused 1) or unpauses a DAG. AIRC_ERR_NOTFOUND: "DAG '<id>' not
 * found". Rings "pause". */
AIRC_WUR airc_rc store_dag_set_paused(store *s, const char *zDagId, int bPaused, airc_err *pErr);
/* Pauses (bPaused 1) or unpauses the n DAGs azDagId (borrowed) in one
 * transaction (nested in the caller's, if any): all or none. *pnChanged
 * counts the DAGs whose flag changed; ids not in the store are skipped.
 * Rings "pause" once when something changed. */
AIRC_WUR airc_rc store_dag_set_paused_many(store *s, const char *const *azDagId, int n, int bPaused,
                                           int *pnChanged /* OUT */, airc_err *pErr);

#endif
