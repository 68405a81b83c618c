/* scheduler_int.h: state shared by the scheduler's files (scheduler.c,
 * sched_ingest.c, sched_runs.c). Not for use outside scheduler/. */
#ifndef AIRC_SCHEDULER_INT_H
#define AIRC_SCHEDULER_INT_H
#include "executor/exec_pool.h"
#include <sys/types.h>
#include "dag/dag.h"
#include "scheduler/dag_folder.h"
#include "scheduler/scheduler.h"
#include "scheduler/sched_pkmap.h"
#include "store/store.h"
#include "executor/task_secrets.h"
#include "store/store_sched.h"
#include "dag/task_state.h"
#include "common/backoff.h"

#define SCHED_VERSION_CACHE 128

/* A parsed DAG version with lookup tables, shared by all its runs. */
typedef struct sched_version {
  char zHash[65];
  dag *d;
  int *aTopo;          /* task indexes in dependency order */
  int *aSlot;          /* open-addressing table: task id -> index (-1 empty) */
  int nSlot;
  uint64_t lastUse;
  int64_t *aPrio;      /* effective priority weight by task index (dag_priority_weights) */
} sched_version;

/* The task states of one active run, kept in step with the store by the
 * scheduler's own writes so that evaluating a run after one task finished
 * does not re-read all its task instances. Dropped when another process may
 * have changed them (bReloadStates) and when the run ends. */
/* The instances of an expanded mapped task in a run, by map index
 * (aTiId[j] == 0: none with that index). */
typedef struct sched_mapped {
  int n;
  int64_t *aTiId;
  ti_state *aState;
  int64_t *aNextRetry;
} sched_mapped;

typedef struct sched_run_cache {
  int64_t runPk;
  char zHash[65];
  int nTask;
  int64_t *aTiId;       /* by task index of the run's DAG version; 0 = absent */
  ti_state *aState;
  int64_t *aNextRetry;
  json_t *pXcom;        /* task id -> XCom value of this run; NULL until needed
                         * (a mapped task's: the list of its instances' values) */
  sched_mapped **apMap; /* by task index: its instances once expanded, else NULL
                         * (aState[i] is then their summary); NULL: no mapped task */
} sched_run_cache;

typedef struct sched_child {
  pid_t pid;
  int64_t tiId;
  int tryNumber;
  /* a pool member continuing a chain: what its latest "continued" result
   * said (exec_result.h), for sched_chain_extend_due */
  int bChainNews;
  int chainLeft;
  int64_t chainTailTi;
  int chainTailTry;
  int64_t extAfterTi; /* the last link after which its chain was extended, 0: none */
} sched_child;

/* A running run with `scheduled` tasks that a limit (parallelism or its
 * DAG's max_active_tasks) kept from being queued: looked at again only
 * while slots are free, oldest logical date first. */
typedef struct sched_wait {
  int64_t runPk;
  int64_t logicalDate;
  char *zDag;          /* owned */
} sched_wait;

/* A try this scheduler forked (or failed to fork), to be recorded: running
 * with its pid, or failed with zFail. Kept until a transaction takes it, so
 * a busy store delays the record but never loses it. */
/* How long the result of a try whose pool member continued its chain may
 * wait before a wake reads it (exec_spawn.h, chain_continue). The chain
 * goes on without the scheduler meanwhile; reading such results at once
 * would put the scheduler's wake on the CPU where the chain's next task
 * is starting (the doorbell's wake-up follows its ringer), and a few read
 * together cost one transaction. A "result" ring, a try not continued,
 * reads them all at once. */
#define SCHED_CONTINUED_DELAY_US EXEC_CONTINUED_READ_US /* exec_pool.h */

typedef struct sched_launched {
  int64_t tiId;
  pid_t pid;
  int64_t startUs;
  int tryNumber;
  char zLog[4400];
  char zFail[1200];
} sched_launched;

/* Counts of queued+running task instances per DAG, and running runs per
 * DAG (for max_active_runs), found by DAG id through a hash index. */
typedef struct dag_load {
  char zDag[256];
  int nActive;         /* queued + running task instances */
  int nMax;            /* max_active_tasks (16 until its version is seen) */
  int nRuns;           /* running runs; -1 = not known yet */
  int nTent;           /* candidates gathered this evaluation, not yet queued */
} dag_load;

typedef struct dag_loads {
  dag_load *a;
  int n, nAlloc;
  int *aSlot;          /* open addressing: index in a, -1 = empty */
  int nSlot;
  int nGlobal;
} dag_loads;

typedef struct sched {
  scheduler_opts opts;
  store *s;
  dag_folder *pFolder;
  sched_version aVer[SCHED_VERSION_CACHE];
  int64_t auditRetentionUs; /* [core] audit_retention_days in us; 0: keep forever */
  uint64_t useClock;
  sched_child *aChild;
  int nChild, nChildAlloc;
  int64_t *aDirtyRun;  /* runs whose inputs changed: to re-evaluate */
  int nDirty, nDirtyAlloc;
  sched_pkmap dirtySet; /* the same runs, for dedup */
  int bAllDirty;       /* re-evaluate every active run */
  int bQueuedDirty;    /* a run ended: look at the queued runs */
  sched_wait *aWait;   /* runs waiting for a slot, by (logical date, pk) */
  int nWait, nWaitAlloc;
  sched_pkmap waitSet; /* pks of aWait */
  char **azTickDag;    /* DAGs whose next run to re-plan (a run of theirs ended) */
  int nTickDag;
  sched_pkmap runIndex; /* run pk -> index in aRunCache */
  int bReloadStates;   /* another process may have changed task states */
  sched_run_cache *aRunCache;
  int nRunCache, nRunCacheAlloc;
  int bTicksDirty;     /* re-plan scheduled runs */
  int64_t nextTickUs;  /* earliest due tick of any DAG, 0 = unknown */
  int64_t nextRetryUs; /* earliest retry, 0 = none */
  int bRetryDirty;     /* nextRetryUs may be late: ask the store (an outcome set a retry) */
  int bSweepDue;
  int bStopDue;        /* stop requests may be pending (a "stop" ring, start, the sweep) */
  int bResultRung;     /* a supervisor rang "result": a result file waits (no need to list them to know) */
  /* a pool member rang "continued": the result of a try whose chain it
   * continued waits, read by then at the latest (0: none) */
  int64_t continuedDueUs;
  int bRunFinished;    /* a run ended this iteration (the loop goes again) */
  int bTestRunDone;
  int parallelism;
  size_t maxLogBytes;
  int64_t killGraceSec;
  int64_t lastLoopLagUs;
  struct exec_pool *pPool; /* warm supervisors ([core] supervisor_pool) */
  FILE *pStats;        /* opts.zStatsFile, opened, or NULL */
  uint64_t nStatsWake; /* working wakes written to pStats */
  /* the last tries whose outcome was recorded, so that the SIGCHLD of a
   * supervisor whose result was already ingested wakes nothing */
  struct { int64_t tiId; int tryNumber; } aRecent[256];
  unsigned nRecent;
  /* work that a failed (busy store) iteration must not lose */
  int64_t *aReaped;    /* supervisors reaped, their exit not yet recorded */
  int *aReapedTry;
  int nReaped, nReapedAlloc;
  sched_launched *aLaunched; /* forks not yet recorded (sched_launch) */
  int nLaunched;
  /* runs of the results this wake took, read with them (sched_dist_ingest):
   * the evaluation of the same wake does not read them again */
  struct sched_run_seen {
    int64_t pk;
    int bActive; /* queued or running, not a test run: the rest is set */
    int bPaused;
    int64_t logicalDate;
    char zDag[256], zRunId[300], zState[16], zHash[80];
  } *aRunSeen;
  int nRunSeen, nRunSeenAlloc;
  sched_pkmap runSeenIdx; /* run pk -> index in aRunSeen */
  /* the pool the last wake queued into: the next wake sends its read ahead
   * (store_pool_read_ahead), to ride with its first statement */
  char zPoolAhead[256];
  /* launch rows the queue updates of this wake returned, in the order of
   * its launch list (sched_runs.c: launch_keep, launch_load) */
  struct launch_info *aPre;
  int nPre, nPreAlloc, iPre;
  /* a busy store: one episode log, backoff between attempts */
  airc_backoff busy;
  int64_t busyRetryAtUs; /* no store work before this (wall clock, us); 0 = none */
  int bFullEpisode;      /* the open episode is a full disk, not a lock */
  /* [core] executor = distributed (sched_dist.c, docs/scaling.md) */
  int bDistributed;
  int bStandby;          /* another scheduler holds the scheduler lease */
  char zLeaseHolder[300]; /* host:pid */
  char zLeaseToken[40];  /* random, drawn at start */
  char zLastHolder[300]; /* who held it when we were standby (for the log) */
  int64_t leaseUs;       /* [scheduler] lease_seconds */
  int64_t nextLeaseUs;   /* renew (or, standby, try to take) the lease at */
  int64_t pollUs;        /* [scheduler] worker_poll_ms */
  int64_t nextPollUs;    /* look for workers' results and expired leases at */
  uint64_t lastCounter;  /* store change counter after our last commit */
  int bListen;           /* 1: the store wakes us when a worker leaves a result (PostgreSQL) */
  int bListenTried;
  int bWorkNews;         /* a wake-up said a result is waiting: ingest it now */
  int nWorkTaken;        /* claims this wake took from workers (results, expired leases; --stats-file) */
  /* the worker (and its queue) whose result this wake applied last: tries
   * of that queue queued by this wake are offered to it first (it has a
   * free slot now, and the upstream's files) */
  char zPreferWorker[256];
  char zPreferQueue[80];
  /* Tries of that queue this wake may hand straight to that worker
   * (store_work_enqueue_assigned): one per result of its this wake
   * applied, each freed one of its slots; none when tries were waiting
   * unclaimed (the worker takes those with its free slots itself) or when
   * [scheduler] hand_to_upstream_worker = false. zPushPrefix: that
   * worker process's token prefix (its claims' tokens begin with it). */
  int nPushLeft;
  char zPushPrefix[16];
  int bHandToWorker;       /* [scheduler] hand_to_upstream_worker */
  /* [scheduler] continue_chains: a queued try carries its chain's next
   * tries, rendered, for its worker to queue and start itself
   * (sched_runs.c: chain_links; docs/scaling.md; PostgreSQL) */
  int bContinueChains;
  /* local executor: a launch carries its chain for the pool member to
   * continue ([scheduler] continue_chains with [core] supervisor_reuse;
   * docs/scheduler.md, "A member continues a chain") */
  int bContinueLocal;
  int nContinued;          /* tries workers continued, taken this wake (--stats-file) */
  int nExtended;           /* chains extended this wake (sched_chain_extend; --stats-file) */
  /* this wake's take left continued results: the next wake takes them,
   * at once (sched_dist_ingest) */
  int bContinuedDue;
  int64_t workerLeaseUs;   /* [worker] lease_seconds: a handed try's first lease */
  /* queued+running task instances per DAG and in all (parallelism): kept
   * in step by the scheduler's own state changes (queue: +1, an outcome
   * recorded: -1), re-read from the store when bLoadsValid is 0 (start,
   * any cache clear: rollback, a ring, another process's commit; the sweep) */
  dag_loads loads;
  int bLoadsValid;
  /* connections and variables for launches (task_secrets.h), kept from one
   * launch to the next while only this scheduler writes the store: dropped
   * (sched_secrets_forget) on another process's commit or the sweep
   * (sched_iterate), and with every cache clear (a rollback, a ring: its
   * bReloadStates clears the caches before the launch) */
  task_secrets secrets;
  int bSecretsValid;
  int64_t secretsAtUs;   /* when they were read (distributed: kept SCHED_SECRETS_MAX_AGE_US at most) */
  uint64_t ownCounter;   /* store change counter after our own last write */
  int bDatasetsDirty;    /* a dataset event was recorded: look for DAGs it triggers */
  struct sched_sensors *pSensors; /* sensor tries the scheduler pokes (sched_sensor.c), NULL until one */
} sched;

/* sched_versions (scheduler.c) */
sched_version *sched_version_get(sched *S, const char *zHash, airc_err *pErr);
int sched_version_task(const sched_version *v, const char *zTaskId);
void sched_mark_dirty(sched *S, int64_t runPk);
/* Forgets the dirty set (after a commit). */
void sched_dirty_reset(sched *S);
/* Frees the dirty set, the waiting runs and the DAGs to re-plan. */
void sched_sets_free(sched *S);
/* The run of a result this wake's take read (S->aRunSeen), NULL if none
 * was; sched_run_seen_clear forgets them all (a wake's only). */
const struct sched_run_seen *sched_run_seen_find(const sched *S, int64_t runPk);
void sched_run_seen_clear(sched *S);
/* Drops the launch rows kept by this wake's queue updates (S->aPre). */
void sched_launch_rows_clear(sched *S);
/* Cached state of a run's task instance, for the scheduler's own writes. */
void sched_cache_set_state(sched *S, int64_t runPk, const char *zTaskId, ti_state st, int64_t nextRetryUs);
void sched_cache_drop(sched *S, int64_t runPk);
/* Keeps a cached run's XCom values in step with one just recorded
 * (mapIndex >= 0: one instance of a mapped task). */
void sched_cache_set_xcom(sched *S, int64_t runPk, const char *zTaskId, int mapIndex, json_t *pValue);
/* Sets item mapIndex of pXcom[zTaskId], a list (made one, padded with null). */
void sched_xcom_set_mapped(json_t *pXcom, const char *zTaskId, int mapIndex, json_t *pValue);
/* Drops the cached connections and variables: the next launch reads them. */
void sched_secrets_forget(sched *S);
/* Distributed: what the store's notifications said (results waiting,
 * connections or variables changed, a reconnect), applied to S; callable
 * inside a transaction (it reads what already arrived). */
void sched_dist_take_events(sched *S);
/* Distributed: a change to connections or variables reaches a scheduler by
 * notification; one made behind airc's back (SQL typed into psql) or a
 * notification lost in a race is seen after this long at most */
#define SCHED_SECRETS_MAX_AGE_US 1000000
void sched_cache_clear(sched *S);
/* Adds delta to zDag's queued+running count (a no-op while the counts
 * are to be re-read). */
void sched_load_add(sched *S, const char *zDag, int delta);
void sched_loads_free(sched *S);

/* sched_ingest.c: finished tries and zombies (inside the caller's txn) */
AIRC_WUR airc_rc sched_ingest_results(sched *S, char ***pazDone, int *pnDone, airc_err *pErr);
AIRC_WUR airc_rc sched_record_outcome(sched *S, int64_t tiId, int tryNumber, const char *zOutcome,
                                      int exitCode, int64_t startUs, int64_t endUs, int pid,
                                      const char *zReason, json_t *pXcom, airc_err *pErr);
/* The same with the task instance as read in this transaction (pCur, as
 * store_sched_ti_get_current fills it: a walk that joined it saves that
 * statement), and the host the try ran on (zHost: a worker's name; NULL:
 * none, a local try). */
AIRC_WUR airc_rc sched_record_outcome_cur(sched *S, const store_sched_ti_current *pCur, int64_t tiId, int tryNumber,
                                          const char *zOutcome, int exitCode, int64_t startUs, int64_t endUs, int pid,
                                          const char *zReason, json_t *pXcom, const char *zHost, airc_err *pErr);
AIRC_WUR airc_rc sched_sweep_zombies(sched *S, airc_err *pErr);
AIRC_WUR airc_rc sched_handle_reaped(sched *S, int64_t tiId, int tryNumber, airc_err *pErr);

/* sched_stop.c: signals the supervisors of tries with a stop request and
 * deletes the requests (its own transaction). A signal sent twice is
 * harmless: a supervisor stops its task once. */
AIRC_WUR airc_rc sched_stop_requested(sched *S, airc_err *pErr);

/* sched_runs.c: run creation, evaluation and launching */
AIRC_WUR airc_rc sched_create_due_runs(sched *S, airc_err *pErr);
AIRC_WUR airc_rc sched_evaluate_runs(sched *S, int64_t **paLaunch, int *pnLaunch, airc_err *pErr);
/* Forks supervisors for aTi (committed `queued`), then records them in a
 * transaction of its own. On an error the records stay in S->aLaunched
 * and the next iteration's transaction writes them first. */
AIRC_WUR airc_rc sched_launch(sched *S, const int64_t *aTi, int nTi, airc_err *pErr);
/* The pool members whose chains moved this wake (sched_child.bChainNews,
 * set by sched_ingest.c's sched_continued) and hold fewer than
 * CHAIN_LOCAL_LINKS_MAX links: the links after each one's last are
 * rendered and sent to it (exec_pool_extend), topping it up, once per last
 * link, so that a long chain does not come back here when its links run
 * out. After the wake's commit: the rendering holds no lock a member's
 * own commit waits for. Best effort: a chain not extended comes back when
 * its links run out, as before. */
void sched_chain_extend_due(sched *S);
/* Distributed executor: renders each try's request and leaves it in the
 * store for a worker (inside the caller's transaction). */
AIRC_WUR airc_rc sched_launch_enqueue(sched *S, const int64_t *aTi, int nTi, airc_err *pErr);

/* sched_datasets.c: data-aware scheduling (inside the iteration's txn) */
/* Records a dataset event for each outlet of the task of cur (just
 * succeeded) and marks the datasets dirty. */
struct store_sched_ti_current;
AIRC_WUR airc_rc sched_dataset_events(sched *S, const struct store_sched_ti_current *cur, airc_err *pErr);
/* Creates a dataset_triggered run for each unpaused DAG whose consumed
 * datasets were all updated since its last such run (max_active_runs
 * permitting), handing it the queued events. */
AIRC_WUR airc_rc sched_create_dataset_runs(sched *S, airc_err *pErr);

/* sched_dist.c: the distributed executor's side of the scheduler */
/* Reads [core] executor and the lease settings; an unknown executor is
 * one error line. */
AIRC_WUR airc_rc sched_dist_init(sched *S, airc_err *pErr);
/* Inside the iteration's transaction: renews (or takes) the scheduler
 * lease; *pbActive = 0 when another scheduler holds it (the caller rolls
 * back and does nothing). */
AIRC_WUR airc_rc sched_dist_lease(sched *S, int *pbActive /* OUT */, airc_err *pErr);
/* Fences this wake's transaction by the lease sched_dist_lease took (store_sched_lease_fence): its
 * commit fails (AIRC_ERR_BUSY) unless we still hold it. */
AIRC_WUR airc_rc sched_dist_fence(sched *S, airc_err *pErr);
/* Applies workers' results and expired leases (inside the transaction). */
AIRC_WUR airc_rc sched_dist_ingest(sched *S, airc_err *pErr);
/* The zombie sweep of the distributed executor: stale claims, queued or
 * running task instances that no claim speaks for. */
AIRC_WUR airc_rc sched_dist_sweep(sched *S, airc_err *pErr);
/* 1 if the store has news for the scheduler (polled, outside a transaction). */
int sched_dist_has_news(sched *S);
/* Gives the lease up on a clean stop. */
void sched_dist_stop(sched *S);
/* Before each sleep, outside a transaction: LISTENs for workers' results
 * (once; PostgreSQL) and reads what arrived, setting bWorkNews. Returns the
 * descriptor to sleep on beside the others (-1: none, poll). */
int sched_dist_wakeups(sched *S);

/* sched_notify.c: notifications (outbox rows, inside the caller's
 * transaction) and their delivery process. */
/* A try's outcome zState (failed, up_for_retry, success): the task's
 * on_failure / on_retry / on_success targets, if any. */
AIRC_WUR airc_rc sched_notify_task(sched *S, const store_sched_ti_current *cur, int tryNumber, const char *zState,
                                   const char *zReason, airc_err *pErr);
/* A run ended in zState: on_run_failure / on_run_success. */
AIRC_WUR airc_rc sched_notify_run(sched *S, const dag *d, const char *zRunId, int64_t logical, const char *zState,
                                  airc_err *pErr);
/* Runs past their deadline: marked, and on_deadline_miss written. */
AIRC_WUR airc_rc sched_notify_deadlines(sched *S, airc_err *pErr);
/* Starts the delivery process unless it runs ([notifications] deliver). */
void sched_notify_start(sched *S);
/* 1 if pid was the delivery process (then started again later). */
int sched_notify_reaped(pid_t pid, int status);
/* Stops the delivery process (SIGTERM, then SIGKILL after 5 s). */
void sched_notify_stop(void);
/* sched_sensor.c: sensors the scheduler pokes itself (no process) */
typedef struct sched_sensor_launch {
  int64_t tiId, runPk;
  int tryNumber;
  const char *zDag, *zTask, *zLog;
  json_t *pOpts;        /* rendered options (copied) */
  json_t *pConnAll;     /* every connection (task_secrets), for sql; borrowed */
  int64_t logicalDate;  /* seconds */
  int64_t startUs;      /* the try's first poke (kept across reschedules) */
  int bFirst;           /* the try's first poke (not a reschedule) */
} sched_sensor_launch;
/* Takes a launched sensor try; its first poke is due at once. -1 with a
 * one-line reason in zFail when its options are wrong (the try fails). */
int sched_sensor_start(sched *S, const sched_sensor_launch *pL, char *zFail, size_t nFail);
/* Inside the iteration's transaction: applies the threads' answers and
 * runs the due pokes (success, timeout, reschedule). */
AIRC_WUR airc_rc sched_sensor_step(sched *S, airc_err *pErr);
/* After the transaction: forgets what it decided (bCommitted), or keeps
 * it to poke again (a rollback). */
void sched_sensor_end(sched *S, int bCommitted);
int sched_sensor_is_active(sched *S, int64_t tiId);
/* Earliest due poke (us), 0 if none; 1 if a poke is due or an answer waits. */
int64_t sched_sensor_next_us(sched *S);
int sched_sensor_has_work(sched *S);
void sched_sensor_free(sched *S);
/* 1 if this scheduler has not queued unmapped task zTaskId of run runPk
 * as far as its cache knows: `none` or `scheduled` there, or the run or
 * task not cached. 0 for any later state and for a mapped task (which no
 * worker continues). */
int sched_cache_not_queued(sched *S, int64_t runPk, const char *zTaskId);
/* Like sched_cache_set_state, for one task instance (a mapped task's
 * instance is found by tiId). */
void sched_cache_set_ti_state(sched *S, int64_t runPk, const char *zTaskId, int64_t tiId, ti_state st,
                              int64_t nextRetryUs);

/* Writes S->aLaunched inside the caller's transaction (does not clear it:
 * the caller does once committed). */
AIRC_WUR airc_rc sched_launch_record(sched *S, airc_err *pErr);

#endif
