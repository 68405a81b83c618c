/* store_views.h: the read side behind the REST API and the dashboard.
 *
 * What the web server shows and nothing it changes: the DAG list and one
 * DAG (filters by paused/active/tags/id substring, pagination, the last
 * runs of each), run lists (state filter, five orders) and one run, task
 * instances of a run (with their XCom value) and one instance's tries, the
 * grid (task order of the current DAG version, one state per run and
 * task), import errors, the scheduler's heartbeat and the /metrics
 * aggregates. Writes the API does (trigger, clear, mark, pause) are not
 * here: they go through the run calls.
 *
 * Lists hand each row to a callback as a struct of BORROWED fields, valid
 * only during the callback (copy what must outlive it); the callback
 * returns nonzero to stop the walk early (the call still returns AIRC_OK).
 * A callback may call other store_view_* calls of a different kind (the
 * DAG list asks for each DAG's recent runs) but not the same list again.
 * No call allocates per row. Text fields are NULL for SQL NULL unless
 * noted; nullable integers are STORE_VIEW_NULL. Times: dates (logical,
 * data interval, next run) in seconds, events (start, end, queued,
 * parsed, heartbeat) in microseconds, as in store.h.
 *
 * "states" filters are JSON arrays of state names as text
 * ('["queued","running"]'), NULL for no filter; tag filters the same with
 * tag names. Errors: AIRC_ERR_NOTFOUND for a missing single row (message
 * names it), the backend's error otherwise. */
#ifndef AIRC_STORE_VIEWS_H
#define AIRC_STORE_VIEWS_H
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

/* A nullable integer that was SQL NULL. */
#define STORE_VIEW_NULL INT64_MIN

/* ---- DAGs ---- */

typedef struct store_view_dag {
  const char *zDagId;
  const char *zDescription;
  const char *zSchedule;     /* "" when NULL */
  const char *zTags;         /* JSON array of tag names as text ("[]" by default) */
  const char *zFileloc;
  const char *zCurrentHash;
  int bPaused, bActive;
  int bImportErrors;         /* its file has an import error */
  int64_t nextDagrun;        /* seconds or STORE_VIEW_NULL */
  int64_t lastParsedUs;      /* or STORE_VIEW_NULL */
} store_view_dag;

typedef struct store_view_dag_filter {
  int bPaused;               /* -1: any; 0/1: only unpaused/paused */
  int bOnlyActive;           /* 1: skip DAGs whose file is gone */
  const char *zTagsJson;     /* any of these tags; NULL: no filter */
  const char *zIdContains;   /* dag_id substring (case-sensitive); NULL: no filter */
} store_view_dag_filter;

typedef int (*store_view_dag_fn)(void *pCtx, const store_view_dag *pRow);

/* Number of DAGs matching pFilter. */
AIRC_WUR airc_rc store_view_dag_count(store *p, const store_view_dag_filter *pFilter, int64_t *pnOut /* OUT */,
                                      airc_err *pErr);
/* DAGs matching pFilter in dag_id order, rows offset..offset+limit-1. */
AIRC_WUR airc_rc store_view_dag_list(store *p, const store_view_dag_filter *pFilter, int64_t limit, int64_t offset,
                                     store_view_dag_fn xRow, void *pCtx, airc_err *pErr);
/* One DAG (active or not) to xRow; AIRC_ERR_NOTFOUND if none. */
AIRC_WUR airc_rc store_view_dag_get(store *p, const char *zDagId, store_view_dag_fn xRow, void *pCtx, airc_err *pErr);
/* *pbFound: whether DAG zDagId exists (active or not). */
AIRC_WUR airc_rc store_view_dag_exists(store *p, const char *zDagId, int *pbFound /* OUT */, airc_err *pErr);
/* The DAG's current version hash into zOut (n bytes, "" when it has
 * none); AIRC_ERR_NOTFOUND if the DAG does not exist. */
AIRC_WUR airc_rc store_view_dag_current_hash(store *p, const char *zDagId, char *zOut, size_t n, airc_err *pErr);
/* Task ids of the DAG's current version, in the version's task order,
 * to xTask (the id is borrowed; "" for a task without one). No rows if
 * the DAG or its version is missing. */
typedef int (*store_view_task_id_fn)(void *pCtx, const char *zTaskId);
AIRC_WUR airc_rc store_view_dag_task_ids(store *p, const char *zDagId, store_view_task_id_fn xTask, void *pCtx,
                                         airc_err *pErr);
/* Active DAGs, paused and unpaused. */
AIRC_WUR airc_rc store_view_dag_active_counts(store *p, int64_t *pnPaused /* OUT */, int64_t *pnUnpaused /* OUT */,
                                              airc_err *pErr);

/* ---- runs ---- */

typedef struct store_view_run {
  int64_t id;                /* the run's row id */
  const char *zRunId;
  const char *zDagId;
  const char *zState;
  const char *zRunType;
  const char *zConf;         /* JSON text */
  int64_t logicalDate, dataIntervalStart, dataIntervalEnd; /* seconds, or STORE_VIEW_NULL */
  int64_t startUs, endUs, queuedUs;                        /* or STORE_VIEW_NULL */
  const char *zNote;         /* the user's note, or NULL */
} store_view_run;

typedef int (*store_view_run_fn)(void *pCtx, const store_view_run *pRow);

/* Orders of a run list; each breaks ties by row id in the same direction. */
typedef enum store_view_run_order {
  STORE_VIEW_RUN_BY_DATE_DESC = 0, /* newest logical date first (the default) */
  STORE_VIEW_RUN_BY_DATE,
  STORE_VIEW_RUN_BY_START_DESC,
  STORE_VIEW_RUN_BY_START,
  STORE_VIEW_RUN_BY_END_DESC,
  STORE_VIEW_RUN_BY_END,
  STORE_VIEW_RUN_BY_ID_DESC,
  STORE_VIEW_RUN_BY_ID,
  STORE_VIEW_RUN_ORDER_COUNT
} store_view_run_order;

/* Runs of zDagId whose state is in zStatesJson (NULL: all). */
AIRC_WUR airc_rc store_view_run_count(store *p, const char *zDagId, const char *zStatesJson, int64_t *pnOut /* OUT */,
                                      airc_err *pErr);
/* Runs of zDagId (state in zStatesJson, NULL: all) in eOrder, rows
 * offset..offset+limit-1. AIRC_ERR_INVALID for an order out of range. */
AIRC_WUR airc_rc store_view_run_list(store *p, const char *zDagId, const char *zStatesJson, store_view_run_order eOrder,
                                     int64_t limit, int64_t offset, store_view_run_fn xRow, void *pCtx,
                                     airc_err *pErr);
/* The last nRuns runs of zDagId, newest logical date first. A call of its
 * own (not store_view_run_list) so that it may run inside a DAG list walk. */
AIRC_WUR airc_rc store_view_run_recent(store *p, const char *zDagId, int nRuns, store_view_run_fn xRow, void *pCtx,
                                       airc_err *pErr);
/* Run zRunId of zDagId to xRow; AIRC_ERR_NOTFOUND if none. */
AIRC_WUR airc_rc store_view_run_get(store *p, const char *zDagId, const char *zRunId, store_view_run_fn xRow,
                                    void *pCtx, airc_err *pErr);
/* The run's row id; AIRC_ERR_NOTFOUND if none. */
AIRC_WUR airc_rc store_view_run_pk(store *p, const char *zDagId, const char *zRunId, int64_t *pPk /* OUT */,
                                   airc_err *pErr);

/* ---- task instances ---- */

typedef struct store_view_ti {
  int64_t id;                /* the instance's row id */
  const char *zTaskId;
  const char *zState;        /* "none" before it is scheduled */
  const char *zNote;         /* the user's note, else the system's (a failure reason), or NULL */
  const char *zXcom;         /* XCom value (JSON text) or NULL */
  const char *zRunId;
  const char *zDagId;
  int64_t logicalDate;       /* the run's, seconds */
  int tryNumber, maxTries;
  int64_t startUs, endUs, queuedUs, nextRetryUs; /* or STORE_VIEW_NULL */
  int64_t pid, exitCode;                         /* or STORE_VIEW_NULL */
  int bDuration;             /* duration is set */
  double duration;           /* seconds */
  const char *zHostname;     /* the worker that ran the current try (distributed executor), or NULL */
  int mapIndex;              /* -1: not mapped (Airflow's shape) */
} store_view_ti;

typedef int (*store_view_ti_fn)(void *pCtx, const store_view_ti *pRow);

/* Task instances of run runPk whose state is in zStatesJson (NULL: all). */
AIRC_WUR airc_rc store_view_ti_count(store *p, int64_t runPk, const char *zStatesJson, int64_t *pnOut /* OUT */,
                                     airc_err *pErr);
/* The same instances in row id order, rows offset..offset+limit-1. */
AIRC_WUR airc_rc store_view_ti_list(store *p, int64_t runPk, const char *zStatesJson, int64_t limit, int64_t offset,
                                    store_view_ti_fn xRow, void *pCtx, airc_err *pErr);
/* Instance zTaskId of run runPk to xRow; AIRC_ERR_NOTFOUND if none. An
 * expanded mapped task has no such instance (see store_view_ti_get_at). */
AIRC_WUR airc_rc store_view_ti_get(store *p, int64_t runPk, const char *zTaskId, store_view_ti_fn xRow, void *pCtx,
                                   airc_err *pErr);
/* Instance mapIndex of task zTaskId of run runPk (-1: the unmapped one);
 * AIRC_ERR_NOTFOUND if none. */
AIRC_WUR airc_rc store_view_ti_get_at(store *p, int64_t runPk, const char *zTaskId, int mapIndex,
                                      store_view_ti_fn xRow, void *pCtx, airc_err *pErr);
/* The instances of mapped task zTaskId of run runPk (map_index >= 0), by
 * map index, rows offset..offset+limit-1; *pnTotal = how many in all. */
AIRC_WUR airc_rc store_view_ti_list_mapped(store *p, int64_t runPk, const char *zTaskId, int64_t limit,
                                           int64_t offset, int64_t *pnTotal /* OUT */, store_view_ti_fn xRow,
                                           void *pCtx, airc_err *pErr);
/* The instance's current try number and state (into zState, n bytes);
 * AIRC_ERR_NOTFOUND if the run has no such task. */
AIRC_WUR airc_rc store_view_ti_try_state(store *p, int64_t runPk, const char *zTaskId, int *pTry /* OUT */,
                                         char *zState, size_t n, airc_err *pErr);

/* What changes when an instance is cleared or marked: for the API's
 * before/after comparison. */
typedef struct store_view_ti_mark {
  const char *zTaskId;
  const char *zState;
  int64_t updatedUs;         /* 0 when NULL */
  int maxTries;
} store_view_ti_mark;
typedef int (*store_view_ti_mark_fn)(void *pCtx, const store_view_ti_mark *pRow);
/* Every instance of run runPk, in no particular order. */
AIRC_WUR airc_rc store_view_ti_marks(store *p, int64_t runPk, store_view_ti_mark_fn xRow, void *pCtx,
                                     airc_err *pErr);

typedef struct store_view_try {
  int tryNumber;
  const char *zState;
  const char *zNote;
  int64_t startUs, endUs;    /* or STORE_VIEW_NULL */
  int64_t exitCode, pid;     /* or STORE_VIEW_NULL */
  const char *zHostname;     /* the worker that ran it, or NULL */
} store_view_try;
typedef int (*store_view_try_fn)(void *pCtx, const store_view_try *pRow);
/* Tries of task instance tiId (its row id), in try order. */
AIRC_WUR airc_rc store_view_try_list(store *p, int64_t tiId, store_view_try_fn xRow, void *pCtx, airc_err *pErr);

/* ---- grid ---- */

typedef struct store_view_cell {
  int64_t runPk;
  const char *zTaskId;
  const char *zState;   /* a mapped task's: its instances' summary (as the scheduler's) */
  int nMapped;          /* instances of a mapped task, 0 for an unmapped one */
} store_view_cell;
typedef int (*store_view_cell_fn)(void *pCtx, const store_view_cell *pCell);
/* Task instances of the last nRuns runs of zDagId (by logical date, as
 * store_view_run_list's default order), grouped by run (run row id order). */
AIRC_WUR airc_rc store_view_grid_cells(store *p, const char *zDagId, int64_t nRuns, store_view_cell_fn xCell,
                                       void *pCtx, airc_err *pErr);

/* ---- import errors ---- */

typedef struct store_view_import_error {
  int64_t id;
  const char *zFileloc;
  const char *zMessage;
  int64_t timestampUs;
} store_view_import_error;
typedef int (*store_view_import_error_fn)(void *pCtx, const store_view_import_error *pRow);

AIRC_WUR airc_rc store_view_import_error_count(store *p, int64_t *pnOut /* OUT */, airc_err *pErr);
/* Newest first, rows offset..offset+limit-1. */
AIRC_WUR airc_rc store_view_import_error_list(store *p, int64_t limit, int64_t offset, store_view_import_error_fn xRow,
                                              void *pCtx, airc_err *pErr);

/* ---- scheduler state and metrics ---- */

/* The scheduler's value for zKey ("heartbeat_us", "loop_lag_us") read as
 * an integer; iDefault when the key is missing or its value NULL. */
AIRC_WUR airc_rc store_view_scheduler_int(store *p, const char *zKey, int64_t iDefault, int64_t *pOut /* OUT */,
                                          airc_err *pErr);

/* A state and how many rows have it. */
typedef struct store_view_count {
  const char *zKey;
  int64_t n;
} store_view_count;
typedef int (*store_view_count_fn)(void *pCtx, const store_view_count *pRow);
/* Runs (test runs excluded) by state, in state order. */
AIRC_WUR airc_rc store_view_run_state_counts(store *p, store_view_count_fn xRow, void *pCtx, airc_err *pErr);
/* Task instances by state, in state order. */
AIRC_WUR airc_rc store_view_ti_state_counts(store *p, store_view_count_fn xRow, void *pCtx, airc_err *pErr);

/* Upper bounds (seconds) of the task duration histogram's buckets. */
#define STORE_VIEW_N_BUCKET 9
extern const double store_view_aDurationBucket[STORE_VIEW_N_BUCKET];
typedef struct store_view_durations {
  const char *zDagId;
  int64_t n;                            /* finished (success/failed) instances with a duration */
  double sum;                           /* their total duration, seconds */
  int64_t anLe[STORE_VIEW_N_BUCKET];    /* how many took <= store_view_aDurationBucket[i] */
} store_view_durations;
typedef int (*store_view_durations_fn)(void *pCtx, const store_view_durations *pRow);
/* One row per DAG with finished task instances, in dag_id order. */
AIRC_WUR airc_rc store_view_task_durations(store *p, store_view_durations_fn xRow, void *pCtx, airc_err *pErr);

/* ---- command-line reads (airc dags/tasks ...) ----
 * What the CLI needs that the API calls above do not answer. */

/* Runs of zDagId that are not test runs (dags test), state zState (NULL:
 * all), newest logical date first (ties: newest row id), rows
 * offset..offset+limit-1. */
AIRC_WUR airc_rc store_view_run_list_no_test(store *p, const char *zDagId, const char *zState, int64_t limit,
                                             int64_t offset, store_view_run_fn xRow, void *pCtx, airc_err *pErr);

/* A run's state and how far its task instances got (dags trigger --wait). */
typedef struct store_view_run_progress {
  char zState[32];           /* the run's state */
  int nTotal;                /* task instances */
  int nDone;                 /* success, failed, skipped or upstream_failed */
  int nRunning, nFailed, nRetry; /* running, failed, up_for_retry */
} store_view_run_progress;
/* Fills *pOut for run zRunId of zDagId; AIRC_ERR_NOTFOUND if none. */
AIRC_WUR airc_rc store_view_run_progress_get(store *p, const char *zDagId, const char *zRunId,
                                             store_view_run_progress *pOut /* OUT */, airc_err *pErr);

/* The run of zDagId at logicalDate (seconds) that is not a test run,
 * preferring a backfill run, then the newest: its run id into zRunId (n
 * bytes) and state into zState (nState bytes). No such run is not an
 * error: both come back "". */
AIRC_WUR airc_rc store_view_run_at_date(store *p, const char *zDagId, int64_t logicalDate, char *zRunId, size_t n,
                                        char *zState, size_t nState, airc_err *pErr);

/* Calls xRow(pCtx, zTaskId, zLogPath) for each task instance of run runPk
 * in state zState (NULL: all), in row id order, until it returns nonzero.
 * Both strings are borrowed for the call; zLogPath is "" when none was
 * recorded. */
typedef int (*store_view_ti_log_fn)(void *pCtx, const char *zTaskId, const char *zLogPath);
AIRC_WUR airc_rc store_view_ti_log_each(store *p, int64_t runPk, const char *zState, store_view_ti_log_fn xRow,
                                        void *pCtx, airc_err *pErr);

#endif
