/* store_control.h: control of live work in the store: stopping running
 * tries, marking and deleting runs, deleting a DAG's history, users' notes
 * on runs and task instances, and backfills as rows with their runs.
 *
 * Stopping a try is a fact recorded here (a "stop request": task instance
 * id, try number, supervisor pid) together with the state the caller
 * wants, in one transaction: the task instance takes the new state at once
 * (so the try's own late result is ignored: the scheduler applies a result
 * only to a try that is still running or queued), and the scheduler, rung
 * with "stop", reads the requests, signals the supervisors (which stop
 * their task's process group: SIGTERM, SIGKILL after the grace period)
 * and deletes the requests. Requests have no foreign key: a request
 * outlives the rows a run or DAG deletion removes.
 *
 * Calls that change rows are one (nested) transaction and ring the
 * doorbell after their own commit ("stop" when they recorded a stop
 * request, else "mark"; "dagdel" after a DAG deletion so that the
 * scheduler reads the DAG folder afresh and the file comes back as a new
 * DAG). Errors: AIRC_ERR_NOTFOUND for a missing DAG, run, task or
 * backfill, AIRC_ERR_INVALID for bad input, AIRC_ERR_STATE for an action
 * the current state refuses, AIRC_ERR_DB / AIRC_ERR_BUSY from the
 * backend; each with a one-line message. */
#ifndef AIRC_STORE_CONTROL_H
#define AIRC_STORE_CONTROL_H
#include <jansson.h>
#include <stdint.h>
#include "dag/dag.h"
#include "store/store.h"

#define STORE_NOTE_MAX 1000 /* characters (bytes of UTF-8) of a user's note */

/* ---- stop requests ---- */

/* Records a request to stop try tryNumber of task instance tiId, whose
 * supervisor has pid (0: not known yet), inside the caller's transaction.
 * No doorbell: the caller rings "stop" after its commit. */
AIRC_WUR airc_rc store_stop_request_add(store *s, int64_t tiId, int tryNumber, int pid, airc_err *pErr);

typedef struct store_stop_request {
  int64_t id, tiId;
  int tryNumber;
  int pid;            /* 0: none recorded */
  int64_t requestedUs; /* when it was made (microseconds since the epoch) */
} store_stop_request;
/* The pending stop requests, oldest first: *paOut (malloc'd, the caller
 * frees it; NULL when there are none) holds *pn of them. */
AIRC_WUR airc_rc store_stop_request_list(store *s, store_stop_request **paOut /* OUT */, int *pn /* OUT */,
                                         airc_err *pErr);
/* Deletes request id (gone already is fine). */
AIRC_WUR airc_rc store_stop_request_delete(store *s, int64_t id, airc_err *pErr);
/* Deletes every request for try tryNumber of task instance tiId (the try
 * ended: nothing is left to stop). */
AIRC_WUR airc_rc store_stop_request_delete_try(store *s, int64_t tiId, int tryNumber, airc_err *pErr);

/* ---- runs ---- */

/* Sets run zRunId of zDagId to zState as Airflow 2.10 does:
 *  - "success": every task instance not in success becomes success;
 *  - "failed": running (and queued) ones become failed, the other
 *    unfinished ones skipped;
 *  - "queued": only the run goes back to queued (end time cleared), so the
 *    scheduler evaluates it again; task states are kept (clear them to run
 *    tasks again).
 * Tries that were running or queued are stopped (stop requests).
 * *pnStopped (may be NULL) gets how many. AIRC_ERR_INVALID for another
 * state or a test run's id, AIRC_ERR_NOTFOUND for the run. */
AIRC_WUR airc_rc store_run_set_state_as_user(store *s, const char *zDagId, const char *zRunId, const char *zState,
                                             int *pnStopped /* OUT */, airc_err *pErr);

/* Deletes run zRunId of zDagId with its task instances, tries and XCom
 * values, after recording stop requests for its running tries (counted in
 * *pnStopped, may be NULL). Logs are files: not touched here. */
AIRC_WUR airc_rc store_run_delete(store *s, const char *zDagId, const char *zRunId, int *pnStopped /* OUT */,
                                  airc_err *pErr);

/* Deletes DAG zDagId's history: its runs (with task instances, tries and
 * XCom values; running tries get stop requests, counted in *pnStopped),
 * backfills, versions and its row. A file that still defines it brings it
 * back as a new DAG on the next folder sync. AIRC_ERR_NOTFOUND: "DAG '<id>'
 * not found". Rings "dagdel". */
AIRC_WUR airc_rc store_dag_delete(store *s, const char *zDagId, int *pnStopped /* OUT */, airc_err *pErr);

/* ---- notes ---- */

/* Sets (zNote "" clears) the user's note of a run. AIRC_ERR_INVALID when
 * longer than STORE_NOTE_MAX bytes; AIRC_ERR_NOTFOUND for the run. */
AIRC_WUR airc_rc store_run_set_note(store *s, const char *zDagId, const char *zRunId, const char *zNote,
                                    airc_err *pErr);
/* Same for task zTaskId of the run. */
AIRC_WUR airc_rc store_ti_set_note(store *s, const char *zDagId, const char *zRunId, const char *zTaskId,
                                   const char *zNote, airc_err *pErr);

/* ---- backfills ---- */

#define STORE_BACKFILL_MAX_TICKS 100000

typedef struct store_backfill_spec {
  const char *zDagId;
  int64_t fromDate, toDate;     /* seconds, inclusive */
  const char *zReprocess;       /* none | failed | completed */
  int maxActiveRuns;            /* >= 1 */
  json_t *pConf;                /* borrowed, may be NULL */
  int bDryRun;                  /* plan only: nothing is written */
} store_backfill_spec;

/* One tick of a backfill's plan, for xTick below. */
typedef struct store_backfill_tick {
  int64_t logicalDate;          /* seconds */
  const char *zAction;          /* create | rerun | keep */
  const char *zRunId;           /* the existing or created run, "" if none */
  const char *zState;           /* the existing run's state, "" if none */
} store_backfill_tick;
typedef int (*store_backfill_tick_fn)(void *pCtx, const store_backfill_tick *pTick);

/* Plans (tick_plan_range + tick_backfill_decide) and, unless bDryRun,
 * records a backfill of DAG d (borrowed; its current version) and creates
 * or clears its runs (run type backfill, linked to the backfill), in one
 * transaction. xTick (may be NULL) sees each tick. *pId gets the new
 * backfill's id (0 for a dry run), pn* the counts. AIRC_ERR_INVALID for a
 * bad range or behaviour or more than STORE_BACKFILL_MAX_TICKS ticks.
 * Rings "backfill" when runs were created or cleared. */
AIRC_WUR airc_rc store_backfill_create(store *s, const dag *d, const store_backfill_spec *pSpec,
                                       store_backfill_tick_fn xTick, void *pCtx, int64_t *pId /* OUT */,
                                       int *pnCreate /* OUT */, int *pnRerun /* OUT */, int *pnKeep /* OUT */,
                                       airc_err *pErr);

typedef struct store_backfill_row {
  int64_t id;
  const char *zDagId;
  int64_t fromDate, toDate;     /* seconds */
  const char *zReprocess;
  int maxActiveRuns;
  const char *zConf;            /* JSON text */
  int bPaused;
  int64_t createdUs, updatedUs;
  int64_t canceledUs;           /* 0: not canceled */
  int64_t completedUs;          /* 0: runs still queued or running */
  int nQueued, nRunning, nSuccess, nFailed, nTotal; /* its runs */
} store_backfill_row;
typedef int (*store_backfill_fn)(void *pCtx, const store_backfill_row *pRow);

/* Backfill id to xRow (borrowed fields). AIRC_ERR_NOTFOUND: "backfill N not found". */
AIRC_WUR airc_rc store_backfill_get(store *s, int64_t id, store_backfill_fn xRow, void *pCtx, airc_err *pErr);
/* Backfills of zDagId (NULL: all), newest first, at most limit. */
AIRC_WUR airc_rc store_backfill_list(store *s, const char *zDagId, int64_t limit, store_backfill_fn xRow, void *pCtx,
                                     airc_err *pErr);
/* Cancels backfill id as Airflow 3 does: its queued runs become failed,
 * running ones finish. AIRC_ERR_STATE when it is canceled or complete already. */
AIRC_WUR airc_rc store_backfill_cancel(store *s, int64_t id, airc_err *pErr);
/* Pauses (no new run of it starts) or unpauses backfill id. AIRC_ERR_STATE when canceled. */
AIRC_WUR airc_rc store_backfill_set_paused(store *s, int64_t id, int bPaused, airc_err *pErr);
/* For the scheduler: *pbMay 0 when queued run runPk belongs to a backfill
 * that is paused or already has max_active_runs running runs; else 1. */
AIRC_WUR airc_rc store_backfill_run_may_start(store *s, int64_t runPk, int *pbMay /* OUT */, airc_err *pErr);

#endif
