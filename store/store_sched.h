/* store_sched.h: the scheduler loop's facts in the store.
 *
 * What the scheduler reads and writes on every wake: the DAGs it plans
 * ticks for and their next logical date, the active runs it evaluates and
 * their state changes, task instances (their states, the try number that
 * `queued` takes, `running` with the supervisor's pid, the outcome of a
 * try with its retry time), the try history, XCom values from results,
 * the zombie candidates, the earliest pending retry and the heartbeat in
 * scheduler_state. Creating runs and loading DAG versions are not here
 * (store_run.h, store_dag.h).
 *
 * This is the hot path (hundreds of tasks per second): every call uses a
 * cached statement and allocates nothing. Rows of lists come one at a time
 * to a callback with BORROWED fields (valid during the callback only; the
 * callback may not call back into the same list). Callbacks return nonzero
 * to stop the walk. No call opens a transaction: the scheduler's policy
 * decides which writes commit together (store_begin/store_commit), and the
 * writes here are meant to run inside such a transaction.
 *
 * Times: logical dates in seconds, event times (nowUs, startUs, ...) in
 * microseconds since the epoch. Errors: AIRC_ERR_DB (or AIRC_ERR_BUSY) with
 * a one-line message saying what failed, AIRC_ERR_NOTFOUND where noted. */
#ifndef AIRC_STORE_SCHED_H
#define AIRC_STORE_SCHED_H
#include <stdint.h>
#include "store/store.h"

/* ---- DAGs and ticks ---- */

/* A DAG that has a schedule, is active and is not paused. */
typedef struct store_sched_dag_row {
  const char *zDagId;
  const char *zHash; /* current version ("" if none) */
} store_sched_dag_row;
typedef int (*store_sched_dag_fn)(void *pCtx, const store_sched_dag_row *pRow);

/* Calls xRow for each scheduled DAG (active, unpaused, schedule neither
 * NULL, 'none' nor ''). */
AIRC_WUR airc_rc store_sched_dag_each_scheduled(store *p, store_sched_dag_fn xRow, void *pCtx, airc_err *pErr);

/* Calls xRow once for DAG zDagId if it is scheduled (as above); not at all
 * otherwise (not an error). */
AIRC_WUR airc_rc store_sched_dag_get_scheduled(store *p, const char *zDagId, store_sched_dag_fn xRow, void *pCtx,
                                               airc_err *pErr);

/* For DAG zDagId: *pLastScheduled = the latest logical date of its
 * scheduled runs (-1 if none), *pnActive = its queued or running runs that
 * are not tests. */
AIRC_WUR airc_rc store_sched_dag_run_counts(store *p, const char *zDagId, int64_t *pLastScheduled /* OUT */,
                                            int *pnActive /* OUT */, airc_err *pErr);

/* Records the next logical date (seconds) the scheduler will create for
 * zDagId; writes only when it changed. An unknown DAG is not an error. */
AIRC_WUR airc_rc store_sched_dag_set_next_dagrun(store *p, const char *zDagId, int64_t next, airc_err *pErr);

/* ---- runs ---- */

/* A queued or running run. */
typedef struct store_sched_run_row {
  int64_t runPk;
  const char *zDagId;
  const char *zRunId;
  const char *zState; /* queued | running */
  const char *zDagHash;
  int bDagPaused;     /* its DAG is paused (0 when the DAG row is gone) */
  int64_t logicalDate;
} store_sched_run_row;
typedef int (*store_sched_run_fn)(void *pCtx, const store_sched_run_row *pRow);

/* Calls xRow for each queued or running run, oldest logical date first
 * (then by pk). onlyRunPk > 0: just that run (test runs included);
 * 0: every run that is not a test run. */
AIRC_WUR airc_rc store_sched_run_each_active(store *p, int64_t onlyRunPk, store_sched_run_fn xRow, void *pCtx,
                                             airc_err *pErr);

/* Calls xRow once for run runPk if it is queued or running and not a test
 * run; not at all otherwise (not an error). */
AIRC_WUR airc_rc store_sched_run_get_active(store *p, int64_t runPk, store_sched_run_fn xRow, void *pCtx,
                                            airc_err *pErr);

/* Calls xRow for each queued run that is not a test run, oldest logical
 * date first (then by pk). */
AIRC_WUR airc_rc store_sched_run_each_queued(store *p, store_sched_run_fn xRow, void *pCtx, airc_err *pErr);

/* *pn = the running runs of DAG zDagId that are not tests. */
AIRC_WUR airc_rc store_sched_dag_running_runs(store *p, const char *zDagId, int *pn /* OUT */, airc_err *pErr);

/* Sets run runPk's state to zState. Entering 'running' sets its start time
 * to nowUs unless it has one; bEnd sets its end time to nowUs, otherwise
 * the end time is cleared. An unknown run is not an error. */
AIRC_WUR airc_rc store_sched_run_set_state(store *p, int64_t runPk, const char *zState, int bEnd, int64_t nowUs,
                                           airc_err *pErr);

/* ---- task instances ---- */

/* One task instance of a run, as the scheduler's state cache holds it. */
typedef struct store_sched_ti_row {
  int64_t tiId;
  const char *zTaskId;
  const char *zState;
  int64_t nextRetryUs; /* 0 if none */
  int mapIndex;        /* -1: not mapped (or not expanded yet) */
} store_sched_ti_row;
typedef int (*store_sched_ti_fn)(void *pCtx, const store_sched_ti_row *pRow);

/* Calls xRow for each task instance of run runPk (in no particular order). */
AIRC_WUR airc_rc store_sched_ti_each_of_run(store *p, int64_t runPk, store_sched_ti_fn xRow, void *pCtx,
                                            airc_err *pErr);

/* Calls xLoad(pCtx, zDagId, n) for each DAG with n > 0 task instances in
 * queued or running state (every run, tests included). */
typedef int (*store_sched_load_fn)(void *pCtx, const char *zDagId, int n);
AIRC_WUR airc_rc store_sched_ti_each_dag_load(store *p, store_sched_load_fn xLoad, void *pCtx, airc_err *pErr);

/* A task instance found ready but held back (parallelism, a pool):
 * `scheduled`, only while it is still zFrom in the store (a user's mark,
 * or a worker that continued its chain, moved it meanwhile: left as it
 * is). Deferred, batched on PostgreSQL. */
AIRC_WUR airc_rc store_sched_ti_hold(store *p, int64_t tiId, const char *zFrom, int64_t nowUs, airc_err *pErr);

/* Sets task instance tiId's state (updated at nowUs). Unknown tiId: no-op. */
AIRC_WUR airc_rc store_sched_ti_set_state(store *p, int64_t tiId, const char *zState, int64_t nowUs,
                                          airc_err *pErr);

/* scheduled -> queued with the next try number, queued at nowUs, the last
 * try's pid, exit code, times, retry time and note cleared. From
 * up_for_reschedule (a sensor's next poke) the try number and start time
 * stay. zFrom (NULL: none) is one more state to queue from, with the same
 * columns as from `scheduled`: the scheduler queues a task it found ready
 * in the same wake straight from `none` or `up_for_retry`, one write
 * instead of two (docs/scheduler.md). A task instance in another state is
 * left alone. */
AIRC_WUR airc_rc store_sched_ti_queue(store *p, int64_t tiId, const char *zFrom, int64_t nowUs, airc_err *pErr);

/* A pool member continues a local chain (docs/scheduler.md, "A member
 * continues a chain"): task instance tiId becomes `queued` as try
 * tryNumber, with the member's pid and the try's log path, only if it is
 * still `none` or `scheduled` with try tryNumber - 1, its upstream upTiId
 * is `queued` or `running` (a try a member continued is `queued` until the scheduler reads its upstream's result) as try upTry in the same run, the run is `running` and its
 * DAG not paused: the fence a scheduler's own queuing would pass (a user's
 * mark, clear or pause committed before wins). *pbDone = 1 if it changed.
 * Autocommit (one statement). */
AIRC_WUR airc_rc store_sched_ti_continue(store *p, int64_t upTiId, int upTry, int64_t tiId, int tryNumber, int pid,
                                         const char *zLogPath, int64_t nowUs, int *pbDone, airc_err *pErr);

/* queued -> running: its supervisor pid, start time (also its update
 * time) and log path (borrowed). A task instance that is not `queued` is
 * left alone. */
AIRC_WUR airc_rc store_sched_ti_set_running(store *p, int64_t tiId, int pid, int64_t startUs, const char *zLogPath,
                                            airc_err *pErr);

/* What launching a task instance needs: it and its run. */
typedef struct store_sched_launch_row {
  int64_t tiId, runPk;
  const char *zTaskId;
  int tryNumber;
  const char *zDagId, *zRunId, *zDagHash;
  int64_t logicalDate, intervalStart, intervalEnd; /* seconds */
  const char *zConf; /* the run's conf, JSON text */
  int mapIndex;      /* -1: not mapped */
  int64_t startUs;   /* kept from an earlier poke of a rescheduled sensor; 0 if none */
} store_sched_launch_row;
typedef int (*store_sched_launch_fn)(void *pCtx, const store_sched_launch_row *pRow);

/* Calls xRow once with task instance tiId and its run.
 * AIRC_ERR_NOTFOUND ("task instance N vanished") if there is none. */
AIRC_WUR airc_rc store_sched_ti_get_launch(store *p, int64_t tiId, store_sched_launch_fn xRow, void *pCtx,
                                           airc_err *pErr);

/* Calls xXcom(pCtx, zTaskId, mapIndex, zValueJson) for each XCom value of
 * run runPk, by task id then map index (-1: an unmapped task). */
typedef int (*store_sched_xcom_fn)(void *pCtx, const char *zTaskId, int mapIndex, const char *zValue);
AIRC_WUR airc_rc store_sched_xcom_each_of_run(store *p, int64_t runPk, store_sched_xcom_fn xXcom, void *pCtx,
                                              airc_err *pErr);

/* ---- outcomes of tries ---- */

/* The current facts of a task instance, for applying a try's outcome.
 * Caller-owned; text is truncated to the buffers. */
typedef struct store_sched_ti_current {
  char zState[32];
  int tryNumber, maxTries;
  char zTaskId[256];
  char zDagHash[80];
  int64_t runPk;
  int64_t startUs; /* 0 if not started */
  char zLogPath[4096];
  char zDagId[256];
  char zRunId[300];
  int mapIndex;    /* -1: not mapped */
} store_sched_ti_current;

/* Fills *pOut with task instance tiId and its run's ids.
 * AIRC_ERR_NOTFOUND if there is none. */
AIRC_WUR airc_rc store_sched_ti_get_current(store *p, int64_t tiId, store_sched_ti_current *pOut /* OUT */,
                                            airc_err *pErr);

/* The outcome of one try. Text is borrowed for the call. */
typedef struct store_sched_outcome {
  int64_t tiId;
  int tryNumber;
  const char *zTryState; /* the try's own outcome (success, failed, ...) */
  const char *zTiState;  /* the task instance's new state (up_for_retry when another try follows) */
  int64_t startUs, endUs;
  int exitCode;          /* < 0: none (NULL) */
  int pid;               /* <= 0: none (the task instance keeps the pid it has) */
  int64_t nextRetryUs;   /* 0: none */
  const char *zNote;     /* NULL or "": none */
  const char *zLogPath;  /* recorded with the try; NULL: none */
  int64_t nowUs;
  const char *zHostname; /* the worker the try ran on, recorded with it; NULL: none (local) */
} store_sched_outcome;

/* Applies an outcome: the task instance takes zTiState, the end time, the
 * start time unless it has one, the duration, exit code, pid, retry time
 * and note; the try (tiId, tryNumber) is recorded in the try history with
 * its host (when given), replacing an earlier record of the same try. Two writes that belong
 * together: call inside a transaction. */
AIRC_WUR airc_rc store_sched_outcome_record(store *p, const store_sched_outcome *pO, airc_err *pErr);

/* Sets task instance tiId's XCom value (JSON text, borrowed), written by
 * try tryNumber at nowUs, replacing any earlier value. */
AIRC_WUR airc_rc store_sched_xcom_set(store *p, int64_t tiId, int tryNumber, const char *zValue, int64_t nowUs,
                                      airc_err *pErr);

/* ---- zombies and recovery ---- */

/* A task instance the store says is queued or running. */
typedef struct store_sched_zombie_row {
  int64_t tiId;
  int tryNumber;
  int bQueued; /* queued (else running) */
  int pid;     /* 0 if none recorded */
} store_sched_zombie_row;
typedef int (*store_sched_zombie_fn)(void *pCtx, const store_sched_zombie_row *pRow);

/* Calls xRow for each queued or running task instance; onlyRunPk as in
 * store_sched_run_each_active(). */
AIRC_WUR airc_rc store_sched_zombie_each_candidate(store *p, int64_t onlyRunPk, store_sched_zombie_fn xRow,
                                                   void *pCtx, airc_err *pErr);

/* queued -> running, nothing else (a supervisor runs the try but its
 * `running` was never recorded). Not queued: no-op. */
AIRC_WUR airc_rc store_sched_ti_adopt_running(store *p, int64_t tiId, airc_err *pErr);

/* queued -> scheduled with the try number given back (queued but never
 * started). Not queued: no-op. */
AIRC_WUR airc_rc store_sched_ti_unqueue(store *p, int64_t tiId, airc_err *pErr);

/* ---- sensors and mapped tasks ---- */

/* queued or running -> up_for_reschedule (a sensor in mode=reschedule
 * between pokes: it holds no slot), next poke at nextUs (kept in
 * next_retry_us); try number and start time stay. Other states: no-op. */
AIRC_WUR airc_rc store_sched_ti_reschedule(store *p, int64_t tiId, int64_t nextUs, int64_t nowUs, airc_err *pErr);

/* Sets task instance tiId's state with a note (a reason, e.g. why a
 * mapped task could not expand) and its end time nowUs. */
AIRC_WUR airc_rc store_sched_ti_set_state_note(store *p, int64_t tiId, const char *zState, const char *zNote,
                                               int64_t nowUs, airc_err *pErr);

/* Expands the unmapped task instance tiId (map_index -1) into n >= 1
 * `scheduled` instances: tiId becomes map_index 0, n - 1 new rows follow
 * (same run, task and max tries). aIds (room for n) gets their ids, by
 * map index. */
AIRC_WUR airc_rc store_sched_ti_expand(store *p, int64_t tiId, int n, int64_t nowUs, int64_t *aIds /* OUT */,
                                       airc_err *pErr);

/* *pn = the queued or running instances of task zTaskId of DAG zDagId in
 * all its runs (max_active_tis_per_dag). */
AIRC_WUR airc_rc store_sched_task_active(store *p, const char *zDagId, const char *zTaskId, int *pn /* OUT */,
                                         airc_err *pErr);

/* ---- timers and liveness ---- */

/* *pNextUs = the earliest retry time of an up_for_retry task instance, or
 * next poke of an up_for_reschedule one
 * (0 if none); onlyRunPk as in store_sched_run_each_active(). */
AIRC_WUR airc_rc store_sched_retry_next(store *p, int64_t onlyRunPk, int64_t *pNextUs /* OUT */, airc_err *pErr);

/* Records the scheduler's heartbeat in scheduler_state: heartbeat_us,
 * pid and loop_lag_us (stored as decimal text). */
AIRC_WUR airc_rc store_sched_heartbeat(store *p, int64_t nowUs, int pid, int64_t loopLagUs, airc_err *pErr);

#endif
