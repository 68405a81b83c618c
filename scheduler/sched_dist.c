/* sched_dist.c: the scheduler's side of the distributed executor
 * ([core] executor = distributed; docs/scaling.md).
 *
 * In distributed mode the scheduler forks nothing: a try is queued with
 * its rendered request in the store (sched_launch_enqueue), `airc worker`
 * processes claim and run it under a lease, and leave its result in the
 * store. Here: the scheduler lease (one active scheduler of several,
 * renewed inside every iteration's transaction so that a scheduler that
 * lost it cannot commit), applying workers' results and expired leases
 * with the task's retry policy, and the sweep of claims nobody speaks
 * for. Not here: the worker (executor/exec_worker.c). */
#include "scheduler/scheduler_int.h"
#include "common/config.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/uuid.h"
#include "executor/exec_result.h"
#include "store/store_work.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

airc_rc sched_dist_init(sched *S, airc_err *pErr) {
  const char *zExec = airc_config_get("core", "executor", "local");
  if(!strcmp(zExec, "local") || !*zExec) return AIRC_OK;
  if(strcmp(zExec, "distributed"))
    return airc_err_set(pErr, AIRC_ERR_INVALID, "[core] executor must be 'local' or 'distributed', not '%.60s'", zExec);
  if(S->opts.onlyRunPk) return AIRC_OK; /* dags test runs its tries here */
  S->bDistributed = 1;
  S->leaseUs = airc_config_get_int("scheduler", "lease_seconds", 10) * 1000000;
  if(S->leaseUs < 1000000) S->leaseUs = 1000000;
  S->pollUs = airc_config_get_int("scheduler", "worker_poll_ms", 250) * 1000;
  if(S->pollUs < 10000) S->pollUs = 10000;
  S->bHandToWorker = airc_config_get_bool("scheduler", "hand_to_upstream_worker", 1);
  S->bContinueChains = airc_config_get_bool("scheduler", "continue_chains", 1);
  S->workerLeaseUs = airc_config_get_int("worker", "lease_seconds", 20) * 1000000;
  if(S->workerLeaseUs < 2000000) S->workerLeaseUs = 2000000;
  char zHost[256] = "";
  gethostname(zHost, sizeof(zHost) - 1);
  snprintf(S->zLeaseHolder, sizeof(S->zLeaseHolder), "%s:%d", zHost[0] ? zHost : "?", (int)getpid());
  char zUuid[UUID_STR_LEN];
  airc_rc rc = uuid_random_v4(zUuid);
  if(rc) return airc_err_set(pErr, rc, "scheduler lease token: cannot draw random bytes");
  snprintf(S->zLeaseToken, sizeof(S->zLeaseToken), "%s", zUuid);
  return AIRC_OK;
}

airc_rc sched_dist_lease(sched *S, int *pbActive, airc_err *pErr) {
  int64_t now = airc_now_us();
  int bHeld = 0;
  char zCur[300] = "";
  airc_rc rc = store_sched_lease_take(S->s, S->zLeaseHolder, S->zLeaseToken, now, now + S->leaseUs, &bHeld, zCur,
                                      sizeof(zCur), pErr);
  if(rc) return rc;
  *pbActive = bHeld;
  if(bHeld) {
    S->nextLeaseUs = now + S->leaseUs / 3;
    if(S->bStandby) {
      LOG_INFO("scheduler lease taken: this scheduler (%s) is active now%s%s", S->zLeaseHolder,
               S->zLastHolder[0] ? "; it was held by " : "", S->zLastHolder);
      S->bStandby = 0;
      /* the last active scheduler's picture is not ours: read it all */
      S->bAllDirty = 1;
      S->bTicksDirty = 1;
      S->bReloadStates = 1;
      S->bSweepDue = 1;
      S->bQueuedDirty = 1;
    }
  } else {
    S->nextLeaseUs = now + (S->leaseUs / 10 < 1000000 ? S->leaseUs / 10 : 1000000);
    if(!S->bStandby || strcmp(S->zLastHolder, zCur))
      LOG_INFO("standby: the scheduler lease is held by %s (this scheduler is %s)", zCur, S->zLeaseHolder);
    S->bStandby = 1;
    snprintf(S->zLastHolder, sizeof(S->zLastHolder), "%s", zCur);
  }
  return AIRC_OK;
}

airc_rc sched_dist_fence(sched *S, airc_err *pErr) {
  return store_sched_lease_fence(S->s, S->zLeaseHolder, S->zLeaseToken, airc_now_us(), pErr);
}

void sched_dist_stop(sched *S) {
  if(!S->bDistributed || S->bStandby || !S->s) return;
  airc_err err = {0};
  if(store_sched_lease_release(S->s, S->zLeaseHolder, S->zLeaseToken, &err))
    LOG_WARN("release the scheduler lease: %s", err.zMsg);
}

int sched_dist_wakeups(sched *S) {
  if(!S->bDistributed || !S->s) return -1;
  if(!S->bListenTried) {
    S->bListenTried = 1;
    airc_err err = {0};
    if(store_work_listen(S->s, STORE_WORK_EV_RESULT | STORE_WORK_EV_SECRETS, &S->bListen, &err))
      LOG_WARN("listen for workers' results: %s (listening again once the store answers)", err.zMsg);
  }
  if(!S->bListen) return -1;
  sched_dist_take_events(S);
  return store_work_wait_fd(S->s);
}

void sched_dist_take_events(sched *S) {
  if(!S->bListen) return;
  unsigned ev = store_work_events(S->s, NULL, 0, NULL);
  /* a standby applies nothing: it reads the store afresh when it takes over */
  if((ev & (STORE_WORK_EV_RESULT | STORE_WORK_EV_RESYNC)) && !S->bStandby) S->bWorkNews = 1;
  /* notifications may have been missed (RESYNC, LOST): read them again */
  if(ev & (STORE_WORK_EV_SECRETS | STORE_WORK_EV_RESYNC | STORE_WORK_EV_LOST)) sched_secrets_forget(S);
}

int sched_dist_has_news(sched *S) {
  int64_t now = airc_now_us();
  if(now >= S->nextLeaseUs) return 1;
  if(S->bStandby) return 0;
  if(S->bWorkNews) return 1; /* a worker left a result: no need to wait for the poll */
  if(now < S->nextPollUs) return 0;
  S->nextPollUs = now + S->pollUs;
  /* the CLI and web servers of other hosts cannot ring our doorbell: a
   * commit by anyone else (a trigger, a clear, a worker) is seen here */
  uint64_t c = store_change_counter(S->s);
  if(c != S->lastCounter) {
    S->lastCounter = c;
    S->bLoadsValid = 0; /* queued+running counts too (see sched_iterate) */
    S->bAllDirty = 1;
    S->bTicksDirty = 1;
    S->bReloadStates = 1;
    return 1;
  }
  int b = 0;
  airc_err err = {0};
  if(store_work_has_news(S->s, now, &b, &err)) return 1; /* let the iteration meet the error */
  return b;
}

/* A claim to apply: copied out of the walk (the walk's statement must end
 * before the outcome's writes). */
typedef struct dist_row {
  int64_t tiId;
  int tryNumber;
  char zQueue[80];
  char zWorker[256];
  char zToken[40];
  int bBacklog;
  int64_t leaseUntilUs;
  char *zResult; /* owned; NULL: the lease expired */
  store_sched_ti_current *pCur; /* owned; NULL: the task instance is gone */
  int64_t continuedTi;          /* its worker queued and started this one itself (0: none) */
} dist_row;

typedef struct dist_rows {
  sched *S;
  dist_row *a;
  int n;
} dist_rows;

/* Keeps the run of a row taken (active or not), once per run, for this
 * wake's evaluation (S->aRunSeen). Not kept (out of memory): it reads it. */
static void run_seen_add(sched *S, int64_t runPk, const store_sched_run_row *pRun) {
  if(sched_pkmap_get(&S->runSeenIdx, runPk) >= 0) return;
  if(S->nRunSeen == S->nRunSeenAlloc) {
    int n = S->nRunSeenAlloc ? S->nRunSeenAlloc * 2 : 8;
    struct sched_run_seen *a = realloc(S->aRunSeen, sizeof(*a) * (size_t)n);
    if(!a) return;
    S->aRunSeen = a;
    S->nRunSeenAlloc = n;
  }
  sched_pkmap_put(&S->runSeenIdx, runPk, S->nRunSeen);
  struct sched_run_seen *r = &S->aRunSeen[S->nRunSeen++];
  memset(r, 0, sizeof(*r));
  r->pk = runPk;
  r->bActive = pRun != NULL;
  if(!pRun) return;
  r->bPaused = pRun->bDagPaused;
  r->logicalDate = pRun->logicalDate;
  snprintf(r->zDag, sizeof(r->zDag), "%s", pRun->zDagId);
  snprintf(r->zRunId, sizeof(r->zRunId), "%s", pRun->zRunId);
  snprintf(r->zState, sizeof(r->zState), "%s", pRun->zState);
  snprintf(r->zHash, sizeof(r->zHash), "%s", pRun->zDagHash);
}

const struct sched_run_seen *sched_run_seen_find(const sched *S, int64_t runPk) {
  int i = sched_pkmap_get(&S->runSeenIdx, runPk);
  return i >= 0 ? &S->aRunSeen[i] : NULL;
}

void sched_run_seen_clear(sched *S) {
  S->nRunSeen = 0;
  sched_pkmap_clear(&S->runSeenIdx);
}

static int dist_row_add(void *pCtx, const store_work_row *pRow) {
  dist_rows *p = pCtx;
  dist_row *a = realloc(p->a, sizeof(dist_row) * (size_t)(p->n + 1));
  if(!a) return 1;
  p->a = a;
  dist_row *r = &a[p->n++];
  r->tiId = pRow->tiId;
  r->tryNumber = pRow->tryNumber;
  snprintf(r->zQueue, sizeof(r->zQueue), "%s", pRow->zQueue);
  snprintf(r->zWorker, sizeof(r->zWorker), "%s", pRow->zWorker);
  snprintf(r->zToken, sizeof(r->zToken), "%s", pRow->zToken ? pRow->zToken : "");
  r->bBacklog = pRow->bBacklog;
  r->leaseUntilUs = pRow->leaseUntilUs;
  r->zResult = pRow->zResult ? strdup(pRow->zResult) : NULL;
  r->continuedTi = pRow->continuedTi;
  r->pCur = NULL;
  if(pRow->pCur && !(r->pCur = malloc(sizeof(*r->pCur)))) return 1;
  if(pRow->pCur) *r->pCur = *pRow->pCur;
  if(pRow->pCur) run_seen_add(p->S, pRow->pCur->runPk, pRow->pRun);
  return 0;
}

/* The worker that ran pCur's try queued and started its one downstream,
 * tiId, itself (docs/scaling.md, "A worker continues a chain"), in the
 * transaction that recorded the result this wake applies: counted and
 * cached as a try this scheduler queued, before its run is evaluated (an
 * evaluation that saw it `none` would offer it again). bApplied: its own
 * result came earlier in the same take. */
static airc_rc dist_continued(sched *S, const store_sched_ti_current *pCur, int64_t tiId, int bApplied,
                              airc_err *pErr) {
  sched_version *v = sched_version_get(S, pCur->zDagHash, pErr);
  if(!v) return pErr->rc;
  int i = sched_version_task(v, pCur->zTaskId);
  if(i < 0 || v->d->aTask[i].nDownstream != 1) {
    /* not what this scheduler continues: read the run afresh */
    S->bReloadStates = 1;
    S->bLoadsValid = 0;
  } else {
    /* bApplied, or its own result came in an earlier take (a wake a
     * result rang takes the continued ones after the others): its state
     * is newer than `queued` */
    const char *zNext = v->d->aTask[v->d->aTask[i].aiDownstream[0]].zId;
    if(!bApplied && sched_cache_not_queued(S, pCur->runPk, zNext))
      sched_cache_set_ti_state(S, pCur->runPk, zNext, tiId, TI_QUEUED, 0);
    sched_load_add(S, pCur->zDagId, +1); /* its own outcome, now or later, takes it off */
  }
  S->nContinued++;
  sched_mark_dirty(S, pCur->runPk);
  return AIRC_OK;
}

airc_rc sched_dist_ingest(sched *S, airc_err *pErr) {
  dist_rows R = {S, NULL, 0};
  /* a wake a worker's result rang: the results whose worker continued
   * the chain (their next tries run already) wait for a take of their own
   * right after this wake's commit (bContinuedDue), off the path from
   * this result to the tries it lets start; any other wake takes all */
  const int bContinued = !S->bWorkNews || S->bContinuedDue || !S->bContinueChains;
  S->bContinuedDue = 0;
  S->bWorkNews = 0; /* what it announced is read here */
  sched_run_seen_clear(S);
  S->zPreferWorker[0] = S->zPreferQueue[0] = 0;
  S->nPushLeft = 0;
  int bBacklog = 0;
  int64_t now = airc_now_us();
  /* the claims are deleted as they are read, in this same transaction: a
   * result is applied once (on PostgreSQL one statement) */
  airc_rc rc = store_work_take_done_or_expired(S->s, now, bContinued, dist_row_add, &R, pErr);
  S->nWorkTaken = R.n;
  for(int i = 0; !rc && i < R.n; i++) {
    dist_row *r = &R.a[i];
    if(!r->pCur) {
      /* the task instance was deleted meanwhile: nothing to apply */
    } else if(r->zResult) {
      bBacklog |= r->bBacklog;
      if(strcmp(S->zPreferWorker, r->zWorker) || strcmp(S->zPreferQueue, r->zQueue) ||
         strncmp(S->zPushPrefix, r->zToken, STORE_WORK_PREFIX_LEN))
        S->nPushLeft = 0; /* another worker (or process) than the last result's */
      snprintf(S->zPreferWorker, sizeof(S->zPreferWorker), "%s", r->zWorker);
      snprintf(S->zPreferQueue, sizeof(S->zPreferQueue), "%s", r->zQueue);
      snprintf(S->zPushPrefix, sizeof(S->zPushPrefix), "%.*s", STORE_WORK_PREFIX_LEN, r->zToken);
      /* a continued try took the slot its upstream freed */
      if(strlen(r->zToken) >= STORE_WORK_PREFIX_LEN && !r->continuedTi) S->nPushLeft++;
      /* a result of a try this scheduler did not queue: a worker continued
       * it, so its upstream's result, continued, was left by this take */
      if(!bContinued && sched_cache_not_queued(S, r->pCur->runPk, r->pCur->zTaskId)) S->bContinuedDue = 1;
      exec_result res;
      airc_err perr = {0};
      if(exec_result_parse(r->zResult, &res, &perr)) {
        LOG_WARN("task instance %lld try %d: unreadable result from worker %s: %s", (long long)r->tiId, r->tryNumber,
                 r->zWorker, perr.zMsg);
        rc = sched_record_outcome_cur(S, r->pCur, r->tiId, r->tryNumber, "failed", -1, 0, now, 0,
                                      "unreadable result from the worker", NULL, r->zWorker, pErr);
      } else {
        rc = sched_record_outcome_cur(S, r->pCur, r->tiId, r->tryNumber, exec_outcome_state(res.outcome),
                                      res.termSignal ? -1 : res.exitCode, res.startUs, res.endUs, res.pid, res.zReason,
                                      res.pXcom, r->zWorker, pErr);
        exec_result_clear(&res);
      }
      if(!rc && r->continuedTi) {
        int bApplied = 0;
        for(int j = 0; j < i && !bApplied; j++) bApplied = R.a[j].tiId == r->continuedTi;
        rc = dist_continued(S, r->pCur, r->continuedTi, bApplied, pErr);
      }
    } else {
      char zReason[600], zTs[48];
      snprintf(zReason, sizeof(zReason),
               "lease of worker '%s' expired at %s (the worker died, was stopped or lost the store)", r->zWorker,
               airc_time_format_us(r->leaseUntilUs, zTs, sizeof(zTs)));
      LOG_WARN("task instance %lld try %d: %s", (long long)r->tiId, r->tryNumber, zReason);
      rc = sched_record_outcome_cur(S, r->pCur, r->tiId, r->tryNumber, "failed", -1, 0, now, 0, zReason, NULL,
                                    r->zWorker, pErr);
    }
  }
  if(bBacklog || !S->bHandToWorker || !store_work_can_assign(S->s)) S->nPushLeft = 0;
  for(int i = 0; i < R.n; i++) {
    free(R.a[i].zResult);
    free(R.a[i].pCur);
  }
  free(R.a);
  return rc;
}

typedef struct dist_cands {
  store_sched_zombie_row *a;
  int n;
} dist_cands;

static int dist_cand_add(void *pCtx, const store_sched_zombie_row *pRow) {
  dist_cands *p = pCtx;
  store_sched_zombie_row *a = realloc(p->a, sizeof(*a) * (size_t)(p->n + 1));
  if(!a) return 1;
  p->a = a;
  a[p->n++] = *pRow;
  return 0;
}

airc_rc sched_dist_sweep(sched *S, airc_err *pErr) {
  int nStale = 0;
  airc_rc rc = store_work_delete_stale(S->s, &nStale, pErr);
  if(rc) return rc;
  if(nStale) LOG_INFO("dropped %d claims of tries that were cleared or marked (their workers stop them)", nStale);
  dist_cands C = {NULL, 0};
  rc = store_sched_zombie_each_candidate(S->s, 0, dist_cand_add, &C, pErr);
  for(int i = 0; !rc && i < C.n; i++) {
    if(sched_sensor_is_active(S, C.a[i].tiId)) continue; /* poked by this scheduler, no worker */
    int bClaim = 0;
    rc = store_work_exists(S->s, C.a[i].tiId, C.a[i].tryNumber, &bClaim, pErr);
    if(rc || bClaim) continue;
    if(C.a[i].bQueued) {
      /* queued before this scheduler was distributed (or by a local one):
       * give the try back; it is queued for a worker next time */
      rc = store_sched_ti_unqueue(S->s, C.a[i].tiId, pErr);
      S->bReloadStates = 1;
      S->bAllDirty = 1;
      continue;
    }
    LOG_WARN("task instance %lld try %d: running, but no worker holds it", (long long)C.a[i].tiId, C.a[i].tryNumber);
    rc = sched_record_outcome(S, C.a[i].tiId, C.a[i].tryNumber, "failed", -1, 0, airc_now_us(), 0,
                              "no worker holds this try (zombie)", NULL, pErr);
  }
  free(C.a);
  return rc;
}
