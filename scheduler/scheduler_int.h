/* scheduler_int.h: state shared by the scheduler's files (scheduler.c,
 * sched_ingest.c, sched_runs.c). Not for use outside scheduler/. */
#ifndef AIRC_SCHEDULER_INT_H
#define AIRC_SCHEDULER_INT_H
#include <sys/types.h>
#include "dag/dag.h"
#include "scheduler/dag_folder.h"
#include "scheduler/scheduler.h"
#include "store/store.h"
#include "store/store_sched.h"
#include "dag/task_state.h"

#define SCHED_VERSION_CACHE 64

/* A parsed DAG version with lookup tables, shared by all its runs. */
typedef struct sched_version {
  char zHash[65];
  dag *d;
  int *aTopo;          /* task indexes in dependency order */
  int *aSlot;          /* open-addressing table: task id -> index (-1 empty) */
  int nSlot;
  uint64_t lastUse;
} sched_version;

/* The task states of one active run, kept in step with the store by the
 * scheduler's own writes so that evaluating a run after one task finished
 * does not re-read all its task instances. Dropped when another process may
 * have changed them (bReloadStates) and when the run ends. */
typedef struct sched_run_cache {
  int64_t runPk;
  char zHash[65];
  int nTask;
  int64_t *aTiId;       /* by task index of the run's DAG version; 0 = absent */
  ti_state *aState;
  int64_t *aNextRetry;
  json_t *pXcom;        /* task id -> XCom value of this run; NULL until needed */
} sched_run_cache;

typedef struct sched_child {
  pid_t pid;
  int64_t tiId;
  int tryNumber;
} sched_child;

typedef struct sched {
  scheduler_opts opts;
  store *s;
  dag_folder *pFolder;
  sched_version aVer[SCHED_VERSION_CACHE];
  uint64_t useClock;
  sched_child *aChild;
  int nChild, nChildAlloc;
  int64_t *aDirtyRun;  /* runs to re-evaluate */
  int nDirty, nDirtyAlloc;
  int bAllDirty;       /* re-evaluate every active run */
  int bReloadStates;   /* another process may have changed task states */
  sched_run_cache *aRunCache;
  int nRunCache, nRunCacheAlloc;
  int bTicksDirty;     /* re-plan scheduled runs */
  int64_t nextTickUs;  /* earliest due tick of any DAG, 0 = unknown */
  int64_t nextRetryUs; /* earliest retry, 0 = none */
  int bSweepDue;
  int bRunFinished;    /* a run ended this iteration (the loop goes again) */
  int bTestRunDone;
  int parallelism;
  size_t maxLogBytes;
  int64_t killGraceSec;
  int64_t lastLoopLagUs;
  struct exec_pool *pPool; /* warm supervisors ([core] supervisor_pool) */
  /* the last tries whose outcome was recorded, so that the SIGCHLD of a
   * supervisor whose result was already ingested wakes nothing */
  struct { int64_t tiId; int tryNumber; } aRecent[256];
  unsigned nRecent;
} sched;

/* sched_versions (scheduler.c) */
sched_version *sched_version_get(sched *S, const char *zHash, airc_err *pErr);
int sched_version_task(const sched_version *v, const char *zTaskId);
void sched_mark_dirty(sched *S, int64_t runPk);
/* Cached state of a run's task instance, for the scheduler's own writes. */
void sched_cache_set_state(sched *S, int64_t runPk, const char *zTaskId, ti_state st, int64_t nextRetryUs);
void sched_cache_drop(sched *S, int64_t runPk);
/* Keeps a cached run's XCom values in step with one just recorded. */
void sched_cache_set_xcom(sched *S, int64_t runPk, const char *zTaskId, json_t *pValue);
void sched_cache_clear(sched *S);

/* sched_ingest.c: finished tries and zombies (inside the caller's txn) */
AIRC_WUR airc_rc sched_ingest_results(sched *S, char ***pazDone, int *pnDone, airc_err *pErr);
AIRC_WUR airc_rc sched_record_outcome(sched *S, int64_t tiId, int tryNumber, const char *zOutcome,
                                      int exitCode, int64_t startUs, int64_t endUs, int pid,
                                      const char *zReason, json_t *pXcom, airc_err *pErr);
AIRC_WUR airc_rc sched_sweep_zombies(sched *S, airc_err *pErr);
AIRC_WUR airc_rc sched_handle_reaped(sched *S, int64_t tiId, int tryNumber, airc_err *pErr);

/* sched_runs.c: run creation, evaluation and launching */
AIRC_WUR airc_rc sched_create_due_runs(sched *S, airc_err *pErr);
AIRC_WUR airc_rc sched_evaluate_runs(sched *S, int64_t **paLaunch, int *pnLaunch, airc_err *pErr);
AIRC_WUR airc_rc sched_launch(sched *S, const int64_t *aTi, int nTi, airc_err *pErr);

#endif
