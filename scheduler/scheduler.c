/* scheduler.c: the scheduler's event loop, its timers, and the cache of
 * parsed DAG versions. See scheduler.h for what it does and
 * docs/scheduler.md for why it is built this way. */
#include "scheduler/scheduler_int.h"
#include "store/store_pool.h"
#include "common/config.h"
#include "common/fsafe.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/wake.h"
#include "store/store_audit.h"
#include "store/store_run.h"
#include <sys/socket.h>
#include "executor/exec_result.h"
#include "executor/exec_spawn.h"
#include "executor/exec_pool.h"
#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define SCHED_SWEEP_INTERVAL_US (10 * 1000000LL)
#define SCHED_HEARTBEAT_US (15 * 1000000LL)
#define SCHED_DEBOUNCE_US (100 * 1000LL)
#define SCHED_BUSY_MIN_US (10 * 1000LL)   /* first pause after a busy store */
#define SCHED_BUSY_MAX_US (1000 * 1000LL) /* longest pause */

/* ---- DAG version cache ---- */

static uint64_t hash_str(const char *z) {
  uint64_t h = 1469598103934665603ULL;
  for(; *z; z++) {
    h ^= (unsigned char)*z;
    h *= 1099511628211ULL;
  }
  return h;
}

static void version_free(sched_version *v) {
  dag_free(v->d);
  free(v->aTopo);
  free(v->aSlot);
  free(v->aPrio);
  memset(v, 0, sizeof(*v));
}

static void version_index(sched_version *v) {
  dag *d = v->d;
  v->nSlot = 16;
  while(v->nSlot < d->nTask * 2) v->nSlot *= 2;
  v->aSlot = malloc(sizeof(int) * (size_t)v->nSlot);
  for(int i = 0; i < v->nSlot; i++) v->aSlot[i] = -1;
  for(int i = 0; i < d->nTask; i++) {
    uint64_t h = hash_str(d->aTask[i].zId) & (uint64_t)(v->nSlot - 1);
    while(v->aSlot[h] >= 0) h = (h + 1) & (uint64_t)(v->nSlot - 1);
    v->aSlot[h] = i;
  }
  /* Kahn's algorithm; the builder has already refused cycles */
  v->aTopo = malloc(sizeof(int) * (size_t)(d->nTask + 1));
  int *aIn = calloc((size_t)d->nTask + 1, sizeof(int));
  int nOut = 0, head = 0;
  for(int i = 0; i < d->nTask; i++) {
    aIn[i] = d->aTask[i].nUpstream;
    if(!aIn[i]) v->aTopo[nOut++] = i;
  }
  while(head < nOut) {
    int i = v->aTopo[head++];
    for(int k = 0; k < d->aTask[i].nDownstream; k++) {
      int j = d->aTask[i].aiDownstream[k];
      if(--aIn[j] == 0) v->aTopo[nOut++] = j;
    }
  }
  free(aIn);
  /* effective priority weights: who is queued first when slots are scarce */
  v->aPrio = malloc(sizeof(int64_t) * (size_t)(d->nTask + 1));
  dag_priority_weights(d, v->aPrio);
}

int sched_version_task(const sched_version *v, const char *zTaskId) {
  uint64_t h = hash_str(zTaskId) & (uint64_t)(v->nSlot - 1);
  while(v->aSlot[h] >= 0) {
    if(!strcmp(v->d->aTask[v->aSlot[h]].zId, zTaskId)) return v->aSlot[h];
    h = (h + 1) & (uint64_t)(v->nSlot - 1);
  }
  return -1;
}

sched_version *sched_version_get(sched *S, const char *zHash, airc_err *pErr) {
  sched_version *pFree = NULL, *pOld = NULL;
  for(int i = 0; i < SCHED_VERSION_CACHE; i++) {
    sched_version *v = &S->aVer[i];
    if(v->d && !strcmp(v->zHash, zHash)) {
      v->lastUse = ++S->useClock;
      return v;
    }
    if(!v->d && !pFree) pFree = v;
    if(v->d && (!pOld || v->lastUse < pOld->lastUse)) pOld = v;
  }
  sched_version *v = pFree ? pFree : pOld;
  if(v->d) version_free(v);
  dag *d = NULL;
  if(store_dag_load_version(S->s, zHash, &d, pErr)) return NULL;
  v->d = d;
  snprintf(v->zHash, sizeof(v->zHash), "%s", zHash);
  v->lastUse = ++S->useClock;
  version_index(v);
  return v;
}

void sched_mark_dirty(sched *S, int64_t runPk) {
  if(sched_pkmap_get(&S->dirtySet, runPk) >= 0) return;
  sched_pkmap_put(&S->dirtySet, runPk, 1);
  if(S->nDirty == S->nDirtyAlloc) {
    S->nDirtyAlloc = S->nDirtyAlloc ? S->nDirtyAlloc * 2 : 64;
    S->aDirtyRun = realloc(S->aDirtyRun, sizeof(int64_t) * (size_t)S->nDirtyAlloc);
  }
  S->aDirtyRun[S->nDirty++] = runPk;
}

void sched_dirty_reset(sched *S) {
  S->nDirty = 0;
  sched_pkmap_clear(&S->dirtySet);
}

void sched_sets_free(sched *S) {
  sched_pkmap_free(&S->dirtySet);
  sched_pkmap_free(&S->waitSet);
  sched_pkmap_free(&S->runIndex);
  for(int i = 0; i < S->nWait; i++) free(S->aWait[i].zDag);
  free(S->aWait);
  for(int i = 0; i < S->nTickDag; i++) free(S->azTickDag[i]);
  free(S->azTickDag);
}

/* ---- one iteration ---- */

/* Appends the tries of our supervisors that exited to S->aReaped; they
 * stay there until a committed iteration has recorded them. */
static void reap_children(sched *S) {
  for(;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if(pid < 0 && errno == EINTR) continue;
    if(pid <= 0) break;
    if(exec_pool_reaped(S->pPool, pid)) continue; /* a warm supervisor that timed out */
    if(sched_notify_reaped(pid, status)) continue;
    for(int i = 0; i < S->nChild; i++) {
      if(S->aChild[i].pid != pid) continue;
      if(S->nReaped == S->nReapedAlloc) {
        S->nReapedAlloc = S->nReapedAlloc ? S->nReapedAlloc * 2 : 64;
        S->aReaped = realloc(S->aReaped, sizeof(int64_t) * (size_t)S->nReapedAlloc);
        S->aReapedTry = realloc(S->aReapedTry, sizeof(int) * (size_t)S->nReapedAlloc);
      }
      S->aReaped[S->nReaped] = S->aChild[i].tiId;
      S->aReapedTry[S->nReaped] = S->aChild[i].tryNumber;
      S->nReaped++;
      S->aChild[i] = S->aChild[--S->nChild];
      break;
    }
  }
}

static airc_rc heartbeat(sched *S, airc_err *pErr) {
  const int bInStep = store_change_counter(S->s) == S->ownCounter;
  airc_rc rc = store_sched_heartbeat(S->s, airc_now_us(), (int)getpid(), S->lastLoopLagUs, pErr);
  if(!rc && bInStep) S->ownCounter = store_change_counter(S->s); /* only our own write since */
  return rc;
}

/* The earliest pending retry, from the store (runs that were not evaluated
 * this time keep their retries too). */
static airc_rc next_retry_time(sched *S, airc_err *pErr) {
  return store_sched_retry_next(S->s, S->opts.onlyRunPk, &S->nextRetryUs, pErr);
}

/* 1 if an iteration could change anything. A supervisor's exit usually
 * follows its result (already ingested when its doorbell rang): that wake
 * needs no transaction at all. */
static int sched_has_work(sched *S, const int64_t *aReaped, const int *aTry, int nReaped) {
  int64_t now = airc_now_us();
  if(S->bDistributed && S->bStandby) return now >= S->nextLeaseUs; /* only to try the lease again */
  if(S->bSweepDue || S->bAllDirty || S->nDirty || S->bTicksDirty || S->bQueuedDirty || S->nTickDag || S->nLaunched ||
     S->bResultRung || (S->continuedDueUs && now >= S->continuedDueUs))
    return 1;
  if(S->nextTickUs && now >= S->nextTickUs) return 1;
  if(S->nextRetryUs && now >= S->nextRetryUs) return 1;
  if(sched_sensor_has_work(S)) return 1;
  if(S->bDistributed && sched_dist_has_news(S)) return 1;
  for(int i = 0; i < nReaped; i++) {
    int bKnown = 0;
    for(unsigned k = 0; k < 256 && k < S->nRecent && !bKnown; k++)
      bKnown = S->aRecent[k].tiId == aReaped[i] && S->aRecent[k].tryNumber == aTry[i];
    if(!bKnown) return 1;
  }
  /* results of continued tries wait for their time (SCHED_CONTINUED_DELAY_US) */
  if(S->continuedDueUs && now < S->continuedDueUs) return 0;
  char zDir[4200];
  snprintf(zDir, sizeof(zDir), "%s/results", airc_path_run());
  DIR *d = opendir(zDir);
  if(!d) return 0;
  struct dirent *e;
  int bAny = 0;
  while(!bAny && (e = readdir(d))) bAny = e->d_name[0] != '.';
  closedir(d);
  return bAny;
}

/* Tops the pool of warm supervisors up, after a launch (its tries are
 * running and committed: this is off their critical path). A failure
 * only costs speed: launches fall back to fresh supervisors. */
static void pool_refill(sched *S) {
  airc_err err = {0};
  if(exec_pool_fill(S->pPool, &err)) LOG_WARN("%s", err.zMsg);
}

/* Audit retention, on the periodic sweep: deletes event_log rows older than
 * [core] audit_retention_days, at most SCHED_AUDIT_BATCHES batches of
 * SCHED_AUDIT_BATCH rows per sweep (each its own short transaction), so a
 * backlog never stalls a wake. Best effort: a store error is a warning. */
#define SCHED_AUDIT_BATCH 500
#define SCHED_AUDIT_BATCHES 4
static void sched_prune_audit(sched *S) {
  if(!S->auditRetentionUs) return;
  int64_t beforeUs = airc_now_us() - S->auditRetentionUs;
  int nTotal = 0;
  for(int b = 0; b < SCHED_AUDIT_BATCHES; b++) {
    int n = 0;
    airc_err err = {0};
    if(store_event_prune(S->s, beforeUs, SCHED_AUDIT_BATCH, &n, &err)) {
      LOG_WARN("audit retention: %s", airc_err_msg(&err));
      break;
    }
    nTotal += n;
    if(n < SCHED_AUDIT_BATCH) break;
  }
  if(nTotal) LOG_INFO("audit retention: deleted %d event log rows older than %lld days", nTotal,
                      (long long)(S->auditRetentionUs / 86400 / 1000000));
}


static airc_rc sched_iterate(sched *S, airc_err *pErr) {
  int64_t *aLaunch = NULL;
  int nLaunch = 0, nDone = 0;
  char **azDone = NULL;
  reap_children(S);
  S->bRunFinished = 0;
  S->nWorkTaken = 0;
  S->nContinued = 0;
  S->nExtended = 0;
  if(S->bStopDue) {
    /* before anything else: a try the user stopped must not run longer
     * than the grace period because the iteration is busy */
    airc_rc rcStop = sched_stop_requested(S, pErr);
    if(rcStop) return rcStop;
    S->bStopDue = 0;
  }
  if(!sched_has_work(S, S->aReaped, S->aReapedTry, S->nReaped)) {
    S->nReaped = 0;
    return AIRC_OK;
  }
  S->bResultRung = 0; /* sched_ingest_results lists the folder */
  S->continuedDueUs = 0; /* ... and reads the continued ones too */
  /* what this wake was for, before the flags are consumed (--stats-file) */
  const int bSweep = S->bSweepDue, bAll = S->bAllDirty, bTicks = S->bTicksDirty;
  const int nReapedIn = S->nReaped;
  store_stats st0;
  if(S->pStats) store_stats_get(S->s, &st0);
  airc_rc rc = store_begin(S->s, pErr);
  /* the queued+running counts follow our own writes; a commit by anyone
   * else (a clear or mark that has not rung yet, a test run) or the sweep
   * has them re-read */
  /* (distributed: workers commit all the time, claims and results, none
   * of which moves the counts; anyone else's commit is seen by the poll,
   * sched_dist_has_news, which has them re-read: two round trips fewer) */
  const int bOthers = !rc && !S->bDistributed && store_change_counter(S->s) != S->ownCounter;
  /* the pool the last wake queued into is likely this one's too: its read
   * rides with the first statement (PostgreSQL; nothing on SQLite) */
  if(!rc && S->zPoolAhead[0]) store_pool_read_ahead(S->s, S->zPoolAhead);
  if(!rc && (S->bSweepDue || bOthers)) {
    S->bLoadsValid = 0;
    sched_secrets_forget(S);
  }
  /* distributed: fenced, only the lease holder's transaction commits
   * anything. The lease is renewed by a statement at the start of a wake
   * every lease_seconds / 3 (and after any failed wake); the wakes between
   * fence their commit instead (store_sched_lease_fence: it rides with the
   * COMMIT, no round trip of its own) */
  const int bFence = !rc && S->bDistributed && !S->bStandby && airc_now_us() < S->nextLeaseUs;
  if(!rc && S->bDistributed && !bFence) {
    int bActive = 0;
    rc = sched_dist_lease(S, &bActive, pErr);
    if(!rc && !bActive) {
      rc = store_commit(S->s, pErr); /* nothing written but a failed take */
      S->nReaped = 0;
      return rc;
    }
  }
  if(!rc && S->bDistributed) rc = sched_dist_ingest(S, pErr);
  /* forks a busy store kept us from recording: first, so that their
   * results (ingested next) find them running */
  if(!rc && S->nLaunched) rc = sched_launch_record(S, pErr);
  if(!rc) rc = sched_ingest_results(S, &azDone, &nDone, pErr);
  if(!rc) rc = sched_sensor_step(S, pErr); /* pokes due (sensors run in the scheduler) */
  for(int i = 0; !rc && i < S->nReaped; i++) rc = sched_handle_reaped(S, S->aReaped[i], S->aReapedTry[i], pErr);
  /* the pool a task without `pool` takes ([core] default_pool_slots, as
   * Airflow: used only when the pool is created) */
  if(!rc && S->bSweepDue)
    rc = store_pool_ensure_default(S->s, airc_config_get_int("core", "default_pool_slots", 128), pErr);
  if(!rc && S->bSweepDue && !S->opts.onlyRunPk) rc = sched_notify_deadlines(S, pErr);
  if(!rc && S->bSweepDue) {
    rc = S->bDistributed ? sched_dist_sweep(S, pErr) : sched_sweep_zombies(S, pErr);
    S->bSweepDue = 0;
  }
  if(!rc && !S->opts.onlyRunPk) rc = sched_create_due_runs(S, pErr);
  if(!rc && !S->opts.onlyRunPk && (S->bDatasetsDirty || bAll || bTicks || bSweep))
    rc = sched_create_dataset_runs(S, pErr); /* DAGs scheduled on datasets */
  if(!rc) rc = sched_evaluate_runs(S, &aLaunch, &nLaunch, pErr);
  int nQueued = 0; /* distributed: tries left for workers */
  if(!rc && S->bDistributed && nLaunch) {
    /* a launch is a row for a worker, committed with its `queued` */
    rc = sched_launch_enqueue(S, aLaunch, nLaunch, pErr);
    nQueued = nLaunch;
    nLaunch = 0;
  }
  /* the earliest retry changes when an outcome sets one (ours: bRetryDirty;
   * anyone else's write: bOthers, or bAllDirty in distributed mode, where
   * the poll sees other writers) or when one is due (bAllDirty); a retry
   * queued meanwhile only leaves it early, which costs a wake that asks
   * again. One statement fewer per wake otherwise. */
  if(!rc && (S->bRetryDirty || bAll || S->bAllDirty || bSweep || bOthers)) {
    rc = next_retry_time(S, pErr);
    if(!rc) S->bRetryDirty = 0;
  }
  if(!rc && bFence) rc = sched_dist_fence(S, pErr);
  uint64_t counter = 0;
  if(!rc) rc = store_commit_counted(S->s, &counter, pErr); /* one round trip on PostgreSQL */
  else store_rollback(S->s);
  if(rc && S->bDistributed && !S->bStandby) S->nextLeaseUs = 0; /* the next wake takes the lease again first */
  sched_sensor_end(S, !rc);
  if(rc) sched_cache_clear(S); /* the store did not take our writes */
  if(!rc) S->ownCounter = counter;
  if(!rc && S->bDistributed) S->lastCounter = S->ownCounter; /* our own writes are no news */
  if(!rc && S->bContinuedDue) S->bWorkNews = 1; /* the continued results this wake left: next */
  if(!rc) {
    const int nEvaluated = S->nDirty; /* runs re-evaluated (unless bAll) */
    sched_dirty_reset(S);
    S->bAllDirty = 0;
    S->bQueuedDirty = 0;
    S->nReaped = 0;
    S->nLaunched = 0;
    if(nLaunch) rc = sched_launch(S, aLaunch, nLaunch, pErr);
    /* results are in the store: their files can go (after the launches:
     * off the path from an upstream's end to its downstream's start; one
     * met again before that is a stale result, ignored) */
    for(int i = 0; i < nDone; i++) unlink(azDone[i]);
    sched_chain_extend_due(S); /* the chains members continued: more links (after the commit: no lock held) */
    if(!rc && nLaunch) pool_refill(S);
    if(S->pStats) {
      store_stats st1;
      store_stats_get(S->s, &st1);
      fprintf(S->pStats,
              "{\"wake\": %llu, \"statements\": %llu, \"rows\": %llu, \"vm_steps\": %llu, \"results\": %d, "
              "\"reaped\": %d, \"evaluated\": %d, \"launched\": %d, \"sweep\": %d, \"all_dirty\": %d, \"ticks\": %d, "
              "\"worker_claims\": %d, \"queued\": %d, \"continued\": %d, \"extended\": %d, \"round_trips\": %llu}\n",
              (unsigned long long)++S->nStatsWake, (unsigned long long)(st1.nStatements - st0.nStatements),
              (unsigned long long)(st1.nRows - st0.nRows), (unsigned long long)(st1.nVmSteps - st0.nVmSteps), nDone,
              nReapedIn, nEvaluated, nLaunch, bSweep, bAll, bTicks, S->nWorkTaken, nQueued, S->nContinued, S->nExtended,
              (unsigned long long)(st1.nRoundTrips - st0.nRoundTrips));
      fflush(S->pStats);
    }
  }
  if(!rc && bSweep) sched_prune_audit(S);
  for(int i = 0; i < nDone; i++) free(azDone[i]);
  free(azDone);
  free(aLaunch);
  return rc;
}

/* ---- a busy or full store ----
 *
 * The SQLite driver reports a lock held past the busy timeout as
 * AIRC_ERR_BUSY and a full disk (SQLITE_FULL, ENOSPC) as AIRC_ERR_IO; both
 * are transient (airc_rc_is_transient): the loop never exits for them. */

/* An iteration failed with a transient store error: nothing it wrote
 * reached the store (rolled back), and what it consumed is kept (reaped
 * supervisors, result files, unrecorded forks). Makes the next attempt
 * redo all of it, logs once per episode, and sets when to try again
 * (capped exponential backoff with jitter). */
static void sched_store_failed(sched *S, const airc_err *pErr) {
  int bNew = 0;
  int64_t delay = airc_backoff_fail(&S->busy, airc_backoff_clock_us(), &bNew);
  const int bFull = pErr->rc == AIRC_ERR_IO;
  if(bNew && bFull)
    LOG_ERROR("store is full or cannot be written: %s; retrying with backoff (running tasks carry on, their results wait in %s)",
              airc_err_msg(pErr), airc_path_run());
  else if(bNew) LOG_WARN("store busy, retrying: %s", airc_err_msg(pErr));
  else LOG_DEBUG("store still unavailable (attempt %u): %s", S->busy.nFail, airc_err_msg(pErr));
  S->bFullEpisode = bFull;
  S->bAllDirty = 1;
  S->bTicksDirty = 1;
  S->bQueuedDirty = 1;
  S->bReloadStates = 1;
  S->bSweepDue = 1;
  S->bRetryDirty = 1;
  S->bRunFinished = 0;
  S->bTestRunDone = 0;
  S->nRecent = 0; /* their outcomes were rolled back: a SIGCHLD of theirs is news again */
  sched_cache_clear(S);
  S->busyRetryAtUs = airc_now_us() + delay;
}

/* The store took an iteration: ends an episode, if one was open. */
static void sched_store_ok(sched *S) {
  unsigned nFail = 0;
  int64_t us = airc_backoff_ok(&S->busy, airc_backoff_clock_us(), &nFail);
  if(us >= 0)
    LOG_INFO("store %s again after %.1f s (%u attempts failed)", S->bFullEpisode ? "writable" : "available",
             (double)us / 1e6, nFail);
  S->bFullEpisode = 0;
  S->busyRetryAtUs = 0;
}

/* ---- the loop ---- */

static int g_lockFd = -1;

static int take_scheduler_lock(airc_err *pErr) {
  char zPath[4200];
  snprintf(zPath, sizeof(zPath), "%s/scheduler.lock", airc_path_run());
  int fd = fsafe_open(zPath, O_RDWR | O_CREAT); /* in the checked run folder; 0600, no symlink */
  if(fd < 0) return airc_err_set(pErr, AIRC_ERR_IO, "open %s: %s", zPath, strerror(errno)), -1;
  if(flock(fd, LOCK_EX | LOCK_NB)) {
    char zPid[32] = "";
    ssize_t n = read(fd, zPid, sizeof(zPid) - 1);
    if(n > 0) zPid[n] = 0;
    close(fd);
    airc_err_set(pErr, AIRC_ERR_BUSY, "another scheduler is running for %s (pid %s)", airc_home(),
                 zPid[0] ? zPid : "?");
    return -1;
  }
  char zPid[32];
  int n = snprintf(zPid, sizeof(zPid), "%d\n", (int)getpid());
  if(ftruncate(fd, 0) == 0) {
    ssize_t w = pwrite(fd, zPid, (size_t)n, 0);
    (void)w;
  }
  return fd;
}

int scheduler_is_running(int *pPid) {
  char zPath[4200];
  snprintf(zPath, sizeof(zPath), "%s/scheduler.lock", airc_path_run());
  int fd = fsafe_open(zPath, O_RDONLY);
  if(fd < 0) return 0;
  int bHeld = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
  if(bHeld && pPid) {
    char z[32] = "";
    ssize_t n = read(fd, z, sizeof(z) - 1);
    *pPid = n > 0 ? atoi(z) : 0;
  }
  close(fd);
  return bHeld;
}

airc_rc scheduler_run(const scheduler_opts *pOpts, airc_err *pErr) {
  sched S;
  memset(&S, 0, sizeof(S));
  S.opts = *pOpts;
  S.parallelism = (int)airc_config_get_int("core", "parallelism", 32);
  if(S.parallelism < 1) S.parallelism = 1;
  S.maxLogBytes = (size_t)airc_config_get_int("logging", "max_log_bytes", 16 * 1024 * 1024);
  S.killGraceSec = airc_config_get_int("core", "kill_grace_period", 5);
  int64_t auditDays = airc_config_get_int("core", "audit_retention_days", 90);
  S.auditRetentionUs = auditDays > 0 && auditDays < 1000000 ? auditDays * 86400 * INT64_C(1000000) : 0;
  int64_t rescanUs = airc_config_get_int("scheduler", "dag_dir_list_interval", 30) * 1000000;
  airc_rc rc = AIRC_OK;
  int wakeFd = -1, inoFd = -1, sigFd = -1;
  sigset_t mask;
  sigemptyset(&mask);

  /* a run folder someone else made or can enter is refused, not used */
  if(fsafe_run_folder(pErr)) return pErr->rc;
  if(!S.opts.onlyRunPk) {
    g_lockFd = take_scheduler_lock(pErr);
    if(g_lockFd < 0) return pErr->rc;
    wakeFd = wake_listen(pErr);
    if(wakeFd < 0) {
      close(g_lockFd);
      return pErr->rc;
    }
  }
  if(sched_dist_init(&S, pErr)) {
    if(g_lockFd >= 0) close(g_lockFd);
    g_lockFd = -1;
    if(wakeFd >= 0) close(wakeFd);
    return pErr->rc;
  }
  exec_mkdirs(airc_path_logs());
  airc_backoff_init(&S.busy, SCHED_BUSY_MIN_US, SCHED_BUSY_MAX_US, (uint64_t)getpid() ^ (uint64_t)airc_now_us());
  /* a store busy at start (another process migrating or holding the
   * lock) is waited for, like one busy later */
  while((rc = store_open(airc_store_target(), &S.s, pErr)) && airc_rc_is_transient(rc)) {
    sched_store_failed(&S, pErr);
    airc_err_clear(pErr);
    int64_t us = S.busyRetryAtUs - airc_now_us();
    if(us > 0) usleep((useconds_t)us);
  }
  if(rc) goto done;
  {
    /* WAL checkpoints on a thread, not in the commit a launch waits for */
    airc_err uerr = {0};
    if(store_upkeep_in_background(S.s, &uerr)) LOG_WARN("store upkeep stays in commits: %s", airc_err_msg(&uerr));
    /* the loop's statements, planned once (PostgreSQL) */
    airc_err_clear(&uerr);
    if(store_plan_once(S.s, &uerr)) LOG_WARN("store: statements planned at each run: %s", airc_err_msg(&uerr));
  }
  if(S.opts.zStatsFile && !(S.pStats = fopen(S.opts.zStatsFile, "ae"))) {
    rc = airc_err_set(pErr, AIRC_ERR_IO, "--stats-file %s: %s", S.opts.zStatsFile, strerror(errno));
    goto done;
  }
  if(!S.opts.onlyRunPk) {
    exec_mkdirs(airc_path_dags());
    S.pFolder = dag_folder_new(airc_path_dags());
    inoFd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if(inoFd >= 0 &&
       inotify_add_watch(inoFd, airc_path_dags(),
                         IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_MODIFY | IN_ATTRIB) < 0)
      LOG_WARN("cannot watch %s: %s (changes are seen by the periodic rescan)", airc_path_dags(), strerror(errno));
  }
  sigaddset(&mask, SIGCHLD);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGHUP);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  sigFd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  signal(SIGPIPE, SIG_IGN);
  /* warm supervisors, started once SIGCHLD is blocked (see exec_pool.h) */
  S.pPool = exec_pool_new((int)airc_config_get_int("core", "supervisor_pool", 2),
                          (int)airc_config_get_int("core", "supervisor_pool_idle_timeout", EXEC_POOL_IDLE_DEFAULT),
                          airc_config_get_bool("core", "supervisor_reuse", 1));
  pool_refill(&S);
  S.bContinueLocal = !S.bDistributed && !S.opts.onlyRunPk && S.pPool &&
                     airc_config_get_int("core", "supervisor_pool", 2) > 0 &&
                     airc_config_get_bool("core", "supervisor_reuse", 1) &&
                     airc_config_get_bool("scheduler", "continue_chains", 1);

  if(!S.opts.onlyRunPk) sched_notify_start(&S); /* notifications leave through another process */
  S.bAllDirty = 1;
  S.bTicksDirty = 1;
  S.bSweepDue = 1;
  S.bStopDue = 1;
  int bDagsDirty = 1, bStop = 0, nIter = 0, bAnnounced = !!S.opts.onlyRunPk;
  int64_t dagsDirtyAt = 0, nextRescan = 0, nextSweep = airc_now_us() + SCHED_SWEEP_INTERVAL_US, nextBeat = 0;
  while(!bStop && !rc) {
    int64_t now = airc_now_us();
    int bBackoff = S.busyRetryAtUs && now < S.busyRetryAtUs; /* the store was busy: wait */
    if(!bBackoff && S.pFolder && ((bDagsDirty && now >= dagsDirtyAt + SCHED_DEBOUNCE_US) || now >= nextRescan)) {
      int nChanged = 0;
      airc_err ferr = {0};
      bDagsDirty = 0;
      if(dag_folder_sync(S.pFolder, S.s, &nChanged, &ferr)) {
        if(airc_rc_is_transient(ferr.rc)) {
          sched_store_failed(&S, &ferr);
          bDagsDirty = 1; /* nothing was taken: sync again after the pause */
          dagsDirtyAt = 0;
          bBackoff = 1;
        } else {
          LOG_ERROR("DAG folder sync: %s", ferr.zMsg);
        }
      }
      if(nChanged) {
        S.bTicksDirty = 1;
        S.bAllDirty = 1;
      }
      nextRescan = now + rescanUs;
    }
    if(!bAnnounced) {
      /* after the first folder sync: the CLI reads the store alone, so a
       * DAG file present at start is known to it once this line shows */
      if(!S.opts.onlyRunPk)
        LOG_INFO("scheduler started (pid %d, home %s, dags %s, parallelism %d, executor %s)", (int)getpid(),
                 airc_home(), airc_path_dags(), S.parallelism, S.bDistributed ? "distributed" : "local");
      bAnnounced = 1;
    }
    if(now >= nextSweep) {
      if(!S.opts.onlyRunPk) sched_notify_start(&S); /* (re)starts the delivery process */
      S.bSweepDue = 1;
      S.bStopDue = 1; /* a ring may have been lost */
      nextSweep = now + SCHED_SWEEP_INTERVAL_US;
    }
    if(S.nextRetryUs && now >= S.nextRetryUs) S.bAllDirty = 1;
    if(!bBackoff) {
      int bWasBusy = airc_backoff_in_episode(&S.busy);
      rc = sched_iterate(&S, pErr);
      if(rc && airc_rc_is_transient(rc)) {
        /* never exit for a busy store: retry after a pause */
        sched_store_failed(&S, pErr);
        airc_err_clear(pErr);
        rc = AIRC_OK;
        bBackoff = 1;
      } else if(!rc && bWasBusy) {
        sched_store_ok(&S); /* the failed iteration left work: this one wrote */
      }
    }
    if(rc) break;
    if(!bBackoff && !S.opts.onlyRunPk && now >= nextBeat) {
      airc_err herr = {0};
      if(heartbeat(&S, &herr)) {
        if(airc_rc_is_transient(herr.rc)) sched_store_failed(&S, &herr);
        else LOG_WARN("heartbeat: %s", herr.zMsg);
      }
      nextBeat = now + SCHED_HEARTBEAT_US;
    }
    if(S.bTestRunDone) break;
    if(S.opts.nMaxIterations && ++nIter >= S.opts.nMaxIterations) break;
    if(S.bRunFinished) {
      S.bQueuedDirty = 1; /* a run ended: queued runs may start now */
      continue;
    }
    /* sleep until the earliest timer */
    now = airc_now_us();
    int64_t wakeAt = now + 3600 * 1000000LL;
    if(S.pFolder) wakeAt = nextRescan < wakeAt ? nextRescan : wakeAt;
    if(bDagsDirty && dagsDirtyAt + SCHED_DEBOUNCE_US < wakeAt) wakeAt = dagsDirtyAt + SCHED_DEBOUNCE_US;
    if(S.nextTickUs && S.nextTickUs < wakeAt) wakeAt = S.nextTickUs;
    if(S.nextRetryUs && S.nextRetryUs < wakeAt) wakeAt = S.nextRetryUs;
    int64_t pokeAt = sched_sensor_next_us(&S);
    if(pokeAt && pokeAt < wakeAt) wakeAt = pokeAt;
    if(!S.opts.onlyRunPk && nextBeat < wakeAt) wakeAt = nextBeat;
    if(S.busyRetryAtUs && S.busyRetryAtUs < wakeAt) wakeAt = S.busyRetryAtUs;
    if(S.continuedDueUs && S.continuedDueUs < wakeAt) wakeAt = S.continuedDueUs;
    if(S.bDistributed) {
      /* workers report through the store: poll it, and keep the lease */
      if(S.nextLeaseUs < wakeAt) wakeAt = S.nextLeaseUs;
      if(!S.bStandby && S.nextPollUs < wakeAt) wakeAt = S.nextPollUs;
    }
    /* the sweep matters only while tries run that are not our children */
    if(nextSweep < wakeAt) wakeAt = nextSweep;
    /* a busy or unreachable store: every timer above needs it, so none
     * comes before the next attempt (a lease renewal or a poll already due
     * would otherwise make this a busy loop until then) */
    if(S.busyRetryAtUs > now && wakeAt < S.busyRetryAtUs) wakeAt = S.busyRetryAtUs;
    int timeoutMs = wakeAt <= now ? 0 : (int)((wakeAt - now + 999) / 1000);
    /* distributed: sleep on the store's connection too (PostgreSQL
     * LISTEN); a result that came during our statements is read now */
    int storeFd = sched_dist_wakeups(&S);
    if(S.bWorkNews && !bBackoff) timeoutMs = 0;
    if(timeoutMs > 1000 && S.nChild == 0) {
      /* about to sleep with nothing running: hand freed heap back to the
       * system, so that an idle scheduler stays small (and forks of it,
       * later, copy fewer pages) */
      malloc_trim(0);
    }
    struct pollfd aPoll[4] = {{sigFd, POLLIN, 0}, {wakeFd, POLLIN, 0}, {inoFd, POLLIN, 0}, {storeFd, POLLIN, 0}};
    int64_t before = airc_now_us();
    int n = poll(aPoll, 4, timeoutMs);
    int64_t after = airc_now_us();
    if(timeoutMs > 0 && n == 0) {
      int64_t lag = after - before - (int64_t)timeoutMs * 1000;
      S.lastLoopLagUs = lag > 0 ? lag : 0;
    }
    if(n < 0 && errno != EINTR) {
      rc = airc_err_set(pErr, AIRC_ERR_IO, "poll: %s", strerror(errno));
      break;
    }
    if(aPoll[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      while(read(sigFd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        if(si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
          if(!S.opts.onlyRunPk) {
            LOG_INFO("scheduler stopping on signal %d; %d running tries carry on and are recorded by the next scheduler",
                     (int)si.ssi_signo, S.nChild);
            bStop = 1;
          } else {
            LOG_WARN("dags test interrupted");
            bStop = 1;
          }
        } else if(si.ssi_signo == SIGHUP) {
          bDagsDirty = 1;
          dagsDirtyAt = 0;
        }
      }
    }
    if(aPoll[1].revents & POLLIN) {
      char aBuf[64];
      int bOnlyResults = 1;
      ssize_t m;
      int bAny = 0;
      while((m = wake_recv(wakeFd, aBuf, sizeof(aBuf))) >= 0) { /* our uid's rings only */
        bAny = 1;
        if(!strcmp(aBuf, "result")) S.bResultRung = 1;
        else if(!strcmp(aBuf, "continued")) {
          if(!S.continuedDueUs) S.continuedDueUs = airc_now_us() + SCHED_CONTINUED_DELAY_US;
        } else {
          bOnlyResults = 0;
        }
        if(!strcmp(aBuf, "stop")) S.bStopDue = 1;
        if(!strcmp(aBuf, "dagdel") && S.pFolder) {
          /* a DAG's rows were deleted: forget what the folder looked
           * like, so that a file still defining it brings it back */
          dag_folder_free(S.pFolder);
          S.pFolder = dag_folder_new(airc_path_dags());
          bDagsDirty = 1;
          dagsDirtyAt = 0;
        }
      }
      if(bAny && !bOnlyResults) {
        S.bAllDirty = 1;
        S.bTicksDirty = 1;
        S.bReloadStates = 1;
        S.bLoadsValid = 0; /* a clear or a mark moved the counts */
      }
    }
    if(aPoll[2].revents & POLLIN) {
      char aBuf[4096];
      while(read(inoFd, aBuf, sizeof(aBuf)) > 0) {
      }
      if(!bDagsDirty) dagsDirtyAt = airc_now_us();
      bDagsDirty = 1;
    }
  }
done:
  sched_notify_stop();
  sched_dist_stop(&S);
  sched_sensor_free(&S);
  for(int i = 0; i < SCHED_VERSION_CACHE; i++)
    if(S.aVer[i].d) version_free(&S.aVer[i]);
  exec_pool_free(S.pPool); /* its members see end of file and exit */
  sched_cache_clear(&S);
  sched_loads_free(&S);
  free(S.aRunCache);
  free(S.aChild);
  free(S.aDirtyRun);
  sched_sets_free(&S);
  free(S.aReaped);
  free(S.aReapedTry);
  free(S.aLaunched);
  sched_launch_rows_clear(&S);
  free(S.aPre);
  free(S.aRunSeen);
  sched_pkmap_free(&S.runSeenIdx);
  dag_folder_free(S.pFolder);
  if(S.pStats) fclose(S.pStats);
  store_close(S.s);
  if(sigFd >= 0) close(sigFd);
  if(inoFd >= 0) close(inoFd);
  if(wakeFd >= 0) close(wakeFd);
  if(g_lockFd >= 0) {
    close(g_lockFd);
    g_lockFd = -1;
  }
  sigprocmask(SIG_UNBLOCK, &mask, NULL);
  return rc;
}
