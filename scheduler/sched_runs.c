/* sched_runs.c: creating due runs, evaluating trigger rules, launching.
 *
 * Evaluation walks a run's tasks in dependency order, so a skip or an
 * upstream failure propagates through the whole run in one pass. Launching
 * is two steps around fork(): `queued` with the new try number is committed
 * by the caller's transaction first (sched_evaluate_runs), then
 * sched_launch() forks supervisors and records `running` with their pids. */
#include "scheduler/scheduler_int.h"
#include "common/config.h"
#include "common/dynbuf.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "executor/exec_result.h"
#include "executor/exec_spawn.h"
#include "store/store_run.h"
#include "dag/template.h"
#include "dag/tick_planner.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCHED_MAX_NEW_RUNS 1000

typedef struct due_dag {
  char zId[256];
  char zHash[80];
} due_dag;

typedef struct due_dags {
  due_dag *a;
  int n;
} due_dags;

static int due_dag_add(void *pCtx, const store_sched_dag_row *pRow) {
  due_dags *p = pCtx;
  p->a = realloc(p->a, sizeof(due_dag) * (size_t)(p->n + 1));
  snprintf(p->a[p->n].zId, sizeof(p->a[p->n].zId), "%s", pRow->zDagId);
  snprintf(p->a[p->n].zHash, sizeof(p->a[p->n].zHash), "%s", pRow->zHash);
  p->n++;
  return 0;
}

airc_rc sched_create_due_runs(sched *S, airc_err *pErr) {
  int64_t now = airc_now();
  if(!S->bTicksDirty && S->nextTickUs && now * 1000000 < S->nextTickUs) return AIRC_OK;
  S->bTicksDirty = 0;
  S->nextTickUs = 0;
  due_dags D = {NULL, 0};
  airc_rc rc = store_sched_dag_each_scheduled(S->s, due_dag_add, &D, pErr);
  if(rc) {
    free(D.a);
    return rc;
  }
  due_dag *a = D.a;
  int n = D.n;
  int64_t *aTick = malloc(sizeof(int64_t) * SCHED_MAX_NEW_RUNS);
  for(int i = 0; !rc && i < n; i++) {
    sched_version *v = sched_version_get(S, a[i].zHash, pErr);
    if(!v) {
      rc = pErr->rc;
      break;
    }
    const dag *d = v->d;
    int64_t last;
    int nActive;
    rc = store_sched_dag_run_counts(S->s, d->zId, &last, &nActive, pErr);
    if(rc) break;
    int nRoom = d->maxActiveRuns - nActive;
    int nDue = nRoom > 0 ? tick_plan_due(d, last, now, aTick, nRoom < SCHED_MAX_NEW_RUNS ? nRoom : SCHED_MAX_NEW_RUNS) : 0;
    for(int k = 0; !rc && k < nDue; k++) {
      run_spec spec = {d->zId, NULL, RUN_TYPE_SCHEDULED, aTick[k], NULL, 0, NULL};
      char zRunId[300];
      int64_t runPk;
      airc_err cerr = {0};
      airc_rc crc = store_run_create_for(S->s, d, &spec, &runPk, zRunId, &cerr);
      if(crc == AIRC_ERR_EXISTS) continue; /* a backfill or manual run took the id */
      if(crc) rc = airc_err_set(pErr, crc, "%s", cerr.zMsg);
      else {
        LOG_INFO("created run %s of DAG '%s'", zRunId, d->zId);
        sched_mark_dirty(S, runPk);
      }
    }
    /* when is the next tick of this DAG due? */
    int64_t lastNow = nDue ? aTick[nDue - 1] : last;
    int64_t next = lastNow < 0 ? tick_first(d) : tick_after(d, lastNow);
    if(d->schedule.kind == SCHEDULE_ONCE) next = lastNow < 0 && d->hasStartDate ? d->startDate : -1;
    if(next >= 0) {
      int64_t nextUs = (next <= now ? now + 5 : next) * 1000000; /* blocked by max_active_runs: recheck soon */
      if(!S->nextTickUs || nextUs < S->nextTickUs) S->nextTickUs = nextUs;
      airc_err nerr = {0}; /* only shown in the web UI: never worth failing the iteration */
      if(store_sched_dag_set_next_dagrun(S->s, d->zId, next, &nerr)) LOG_DEBUG("DAG '%s': %s", d->zId, nerr.zMsg);
    }
  }
  free(aTick);
  free(a);
  return rc;
}

typedef struct run_row {
  int64_t pk;
  char zDag[256];
  char zRunId[300];
  char zState[16];
  char zHash[80];
  int bPaused;
} run_row;

static airc_rc set_ti_state(sched *S, int64_t tiId, const char *zState, airc_err *pErr) {
  return store_sched_ti_set_state(S->s, tiId, zState, airc_now_us(), pErr);
}

static airc_rc set_run_state(sched *S, int64_t runPk, const char *zState, int bEnd, airc_err *pErr) {
  return store_sched_run_set_state(S->s, runPk, zState, bEnd, airc_now_us(), pErr);
}

typedef struct run_cache_load {
  sched_run_cache *pc;
  const sched_version *v;
} run_cache_load;

static int run_cache_add_ti(void *pCtx, const store_sched_ti_row *pRow) {
  run_cache_load *L = pCtx;
  int i = sched_version_task(L->v, pRow->zTaskId);
  if(i < 0) return 0;
  L->pc->aTiId[i] = pRow->tiId;
  ti_state_parse(pRow->zState, &L->pc->aState[i]);
  L->pc->aNextRetry[i] = pRow->nextRetryUs;
  return 0;
}

/* The cached states of a run, loaded from the store when missing. */
static sched_run_cache *run_cache_get(sched *S, int64_t runPk, sched_version *v, airc_err *pErr) {
  for(int i = 0; i < S->nRunCache; i++)
    if(S->aRunCache[i].runPk == runPk && !strcmp(S->aRunCache[i].zHash, v->zHash)) return &S->aRunCache[i];
  sched_cache_drop(S, runPk);
  if(S->nRunCache == S->nRunCacheAlloc) {
    S->nRunCacheAlloc = S->nRunCacheAlloc ? S->nRunCacheAlloc * 2 : 16;
    S->aRunCache = realloc(S->aRunCache, sizeof(sched_run_cache) * (size_t)S->nRunCacheAlloc);
  }
  sched_run_cache *pc = &S->aRunCache[S->nRunCache++];
  memset(pc, 0, sizeof(*pc));
  pc->runPk = runPk;
  snprintf(pc->zHash, sizeof(pc->zHash), "%s", v->zHash);
  pc->nTask = v->d->nTask;
  pc->aTiId = calloc((size_t)pc->nTask + 1, sizeof(int64_t));
  pc->aState = calloc((size_t)pc->nTask + 1, sizeof(ti_state));
  pc->aNextRetry = calloc((size_t)pc->nTask + 1, sizeof(int64_t));
  run_cache_load L = {pc, v};
  if(store_sched_ti_each_of_run(S->s, runPk, run_cache_add_ti, &L, pErr)) {
    sched_cache_drop(S, runPk);
    return NULL;
  }
  return pc;
}

static void run_cache_free(sched_run_cache *pc) {
  json_decref(pc->pXcom);
  free(pc->aTiId);
  free(pc->aState);
  free(pc->aNextRetry);
}

void sched_cache_drop(sched *S, int64_t runPk) {
  for(int i = 0; i < S->nRunCache; i++) {
    if(S->aRunCache[i].runPk != runPk) continue;
    run_cache_free(&S->aRunCache[i]);
    S->aRunCache[i] = S->aRunCache[--S->nRunCache];
    return;
  }
}

void sched_cache_set_xcom(sched *S, int64_t runPk, const char *zTaskId, json_t *pValue) {
  for(int i = 0; i < S->nRunCache; i++)
    if(S->aRunCache[i].runPk == runPk && S->aRunCache[i].pXcom)
      json_object_set(S->aRunCache[i].pXcom, zTaskId, pValue);
}

void sched_cache_clear(sched *S) {
  for(int i = 0; i < S->nRunCache; i++) run_cache_free(&S->aRunCache[i]);
  S->nRunCache = 0;
}

void sched_cache_set_state(sched *S, int64_t runPk, const char *zTaskId, ti_state st, int64_t nextRetryUs) {
  for(int i = 0; i < S->nRunCache; i++) {
    sched_run_cache *pc = &S->aRunCache[i];
    if(pc->runPk != runPk) continue;
    for(int k = 0; k < SCHED_VERSION_CACHE; k++) {
      sched_version *v = &S->aVer[k];
      if(!v->d || strcmp(v->zHash, pc->zHash)) continue;
      int t = sched_version_task(v, zTaskId);
      if(t >= 0 && t < pc->nTask) {
        pc->aState[t] = st;
        pc->aNextRetry[t] = nextRetryUs;
        return;
      }
    }
    sched_cache_drop(S, runPk); /* cannot place it: reload next time */
    return;
  }
}

/* Evaluates one running run: trigger rules, due retries, completion.
 * Appends the ids of `scheduled` task instances to *paCand. */
static airc_rc evaluate_run(sched *S, const run_row *r, sched_version *v, int64_t **paCand,
                            int **paCandIdx, int *pnCand, airc_err *pErr) {
  const dag *d = v->d;
  sched_run_cache *pc = run_cache_get(S, r->pk, v, pErr);
  if(!pc) return pErr->rc;
  ti_state *aState = pc->aState; /* evaluated in place: the cache follows every write below */
  airc_rc rc = AIRC_OK;
  int64_t now = airc_now_us();
  for(int k = 0; !rc && k < d->nTask; k++) {
    int i = v->aTopo[k];
    if(!pc->aTiId[i]) continue;
    ti_state cur = aState[i];
    const char *zNew = NULL;
    if(cur == TI_NONE) {
      const dag_task *t = &d->aTask[i];
      upstream_counts c = {0};
      c.nTotal = t->nUpstream;
      for(int u = 0; u < t->nUpstream; u++) {
        ti_state us = aState[t->aiUpstream[u]];
        c.nSuccess += us == TI_SUCCESS;
        c.nFailed += us == TI_FAILED;
        c.nUpstreamFailed += us == TI_UPSTREAM_FAILED;
        c.nSkipped += us == TI_SKIPPED;
        c.nDone += ti_state_is_finished(us);
      }
      switch(trigger_rule_evaluate(t->rule, &c)) {
      case TRIGGER_READY: zNew = "scheduled"; aState[i] = TI_SCHEDULED; break;
      case TRIGGER_SKIP: zNew = "skipped"; aState[i] = TI_SKIPPED; break;
      case TRIGGER_UPSTREAM_FAILED: zNew = "upstream_failed"; aState[i] = TI_UPSTREAM_FAILED; break;
      case TRIGGER_WAIT: break;
      }
    } else if(cur == TI_UP_FOR_RETRY) {
      if(pc->aNextRetry[i] <= now) {
        zNew = "scheduled";
        aState[i] = TI_SCHEDULED;
      }
    }
    if(zNew) {
      rc = set_ti_state(S, pc->aTiId[i], zNew, pErr);
      if(!rc && S->opts.bPrintProgress && strcmp(zNew, "scheduled")) {
        printf("%-16s %s\n", zNew, d->aTask[i].zId);
        fflush(stdout);
      }
    }
    if(!rc && aState[i] == TI_SCHEDULED) {
      *paCand = realloc(*paCand, sizeof(int64_t) * (size_t)(*pnCand + 1));
      (*paCand)[(*pnCand)++] = pc->aTiId[i];
      *paCandIdx = realloc(*paCandIdx, sizeof(int) * (size_t)(*pnCand + 1));
      (*paCandIdx)[*pnCand - 1] = i;
    }
  }
  if(!rc) {
    const char *zDone = run_state_from_tasks(d, aState);
    if(zDone) {
      rc = set_run_state(S, r->pk, zDone, 1, pErr);
      LOG_INFO("run %s of DAG '%s' finished: %s", r->zRunId, r->zDag, zDone);
      if(S->opts.bPrintProgress) {
        printf("run %s: %s\n", r->zRunId, zDone);
        fflush(stdout);
      }
      S->bRunFinished = 1;
      S->bTicksDirty = 1;
      pc = NULL;
      aState = NULL;
      sched_cache_drop(S, r->pk);
      if(S->opts.onlyRunPk == r->pk) S->bTestRunDone = 1;
    }
  }
  if(rc) sched_cache_drop(S, r->pk); /* the transaction rolls back: so must the cache */
  return rc;
}

static int run_is_dirty(sched *S, int64_t pk) {
  if(S->bAllDirty) return 1;
  for(int i = 0; i < S->nDirty; i++)
    if(S->aDirtyRun[i] == pk) return 1;
  return 0;
}

/* Counts of queued+running task instances: global and per DAG. */
typedef struct dag_load {
  char zDag[256];
  int nActive;
  int nMax;
} dag_load;

static dag_load *load_find(dag_load **pa, int *pn, const char *zDag) {
  for(int i = 0; i < *pn; i++)
    if(!strcmp((*pa)[i].zDag, zDag)) return &(*pa)[i];
  *pa = realloc(*pa, sizeof(dag_load) * (size_t)(*pn + 1));
  dag_load *p = &(*pa)[(*pn)++];
  snprintf(p->zDag, sizeof(p->zDag), "%s", zDag);
  p->nActive = 0;
  p->nMax = 16;
  return p;
}

typedef struct active_runs {
  sched *S;
  run_row *a;
  int n;
} active_runs;

static int active_run_add(void *pCtx, const store_sched_run_row *pRow) {
  active_runs *p = pCtx;
  p->a = realloc(p->a, sizeof(run_row) * (size_t)(p->n + 1));
  run_row *r = &p->a[p->n++];
  r->pk = pRow->runPk;
  snprintf(r->zDag, sizeof(r->zDag), "%s", pRow->zDagId);
  snprintf(r->zRunId, sizeof(r->zRunId), "%s", pRow->zRunId);
  snprintf(r->zState, sizeof(r->zState), "%s", pRow->zState);
  snprintf(r->zHash, sizeof(r->zHash), "%s", pRow->zDagHash);
  r->bPaused = pRow->bDagPaused && !p->S->opts.onlyRunPk;
  return 0;
}

typedef struct dag_loads {
  dag_load *a;
  int n;
  int nGlobal;
} dag_loads;

static int dag_load_add(void *pCtx, const char *zDagId, int n) {
  dag_loads *p = pCtx;
  dag_load *l = load_find(&p->a, &p->n, zDagId);
  l->nActive = n;
  p->nGlobal += n;
  return 0;
}

airc_rc sched_evaluate_runs(sched *S, int64_t **paLaunch, int *pnLaunch, airc_err *pErr) {
  active_runs R = {S, NULL, 0};
  airc_rc rc = store_sched_run_each_active(S->s, S->opts.onlyRunPk, active_run_add, &R, pErr);
  if(rc) {
    free(R.a);
    return rc;
  }
  run_row *aRun = R.a;
  int nRun = R.n;

  /* current load per DAG */
  dag_loads DL = {NULL, 0, 0};
  rc = store_sched_ti_each_dag_load(S->s, dag_load_add, &DL, pErr);
  dag_load *aLoad = DL.a;
  int nLoad = DL.n, nGlobal = DL.nGlobal;
  if(rc) {
    free(aRun);
    free(aLoad);
    return rc;
  }

  int64_t *aCand = NULL;
  int *aCandIdx = NULL;
  int nCand = 0;
  if(S->bReloadStates) {
    sched_cache_clear(S);
    S->bReloadStates = 0;
  }
  /* runs running per DAG, for max_active_runs */
  dag_load *aRuns = NULL;
  int nRuns = 0;
  for(int i = 0; i < nRun; i++)
    if(!strcmp(aRun[i].zState, "running")) load_find(&aRuns, &nRuns, aRun[i].zDag)->nActive++;
  for(int i = 0; !rc && i < nRun; i++) {
    run_row *r = &aRun[i];
    if(r->bPaused) continue;
    sched_version *v = sched_version_get(S, r->zHash, pErr);
    if(!v) {
      rc = pErr->rc;
      break;
    }
    if(!strcmp(r->zState, "queued")) {
      dag_load *lr = load_find(&aRuns, &nRuns, r->zDag);
      if(lr->nActive >= v->d->maxActiveRuns && !S->opts.onlyRunPk) continue;
      lr->nActive++;
      rc = set_run_state(S, r->pk, "running", 0, pErr);
      snprintf(r->zState, sizeof(r->zState), "running");
      sched_mark_dirty(S, r->pk);
      if(rc) break;
    }
    dag_load *l = load_find(&aLoad, &nLoad, r->zDag);
    l->nMax = v->d->maxActiveTasks;
    if(!run_is_dirty(S, r->pk)) continue;
    int nBefore = nCand;
    rc = evaluate_run(S, r, v, &aCand, &aCandIdx, &nCand, pErr);
    /* queue what the limits allow */
    for(int k = nBefore; !rc && k < nCand; k++) {
      if(nGlobal >= S->parallelism || l->nActive >= l->nMax) {
        sched_mark_dirty(S, r->pk); /* look again when a slot frees up */
        break;
      }
      sched_cache_set_state(S, r->pk, v->d->aTask[aCandIdx[k]].zId, TI_QUEUED, 0);
      *paLaunch = realloc(*paLaunch, sizeof(int64_t) * (size_t)(*pnLaunch + 1));
      (*paLaunch)[(*pnLaunch)++] = aCand[k];
      nGlobal++;
      l->nActive++;
    }
  }
  /* queue them: the try number and `queued` are committed before the fork */
  if(!rc && *pnLaunch) {
    for(int k = 0; !rc && k < *pnLaunch; k++) rc = store_sched_ti_queue(S->s, (*paLaunch)[k], airc_now_us(), pErr);
  }
  free(aCand);
  free(aCandIdx);
  free(aRun);
  free(aLoad);
  free(aRuns);
  return rc;
}

/* Everything a launch needs, read from the store. */
typedef struct launch_info {
  int64_t tiId, runPk;
  int tryNumber;
  char zTask[256], zDag[256], zRunId[300], zHash[80];
  int64_t logical, ivStart, ivEnd;
  json_t *pConf;
  json_t *pXcomAll;
} launch_info;

static int launch_copy(void *pCtx, const store_sched_launch_row *pRow) {
  launch_info *L = pCtx;
  L->tiId = pRow->tiId;
  snprintf(L->zTask, sizeof(L->zTask), "%s", pRow->zTaskId);
  L->tryNumber = pRow->tryNumber;
  snprintf(L->zDag, sizeof(L->zDag), "%s", pRow->zDagId);
  snprintf(L->zRunId, sizeof(L->zRunId), "%s", pRow->zRunId);
  snprintf(L->zHash, sizeof(L->zHash), "%s", pRow->zDagHash);
  L->logical = pRow->logicalDate;
  L->ivStart = pRow->intervalStart;
  L->ivEnd = pRow->intervalEnd;
  L->pConf = json_loads(pRow->zConf, 0, NULL);
  if(!json_is_object(L->pConf)) {
    json_decref(L->pConf);
    L->pConf = json_object();
  }
  L->runPk = pRow->runPk;
  return 0;
}

static int launch_add_xcom(void *pCtx, const char *zTaskId, const char *zValue) {
  launch_info *L = pCtx;
  json_t *pVal = json_loads(zValue, JSON_DECODE_ANY, NULL);
  if(pVal) json_object_set_new(L->pXcomAll, zTaskId, pVal);
  return 0;
}

/* Fills *L (its JSON values owned by L, also on error). */
static airc_rc launch_load(sched *S, int64_t tiId, launch_info *L, airc_err *pErr) {
  memset(L, 0, sizeof(*L));
  airc_rc rc = store_sched_ti_get_launch(S->s, tiId, launch_copy, L, pErr);
  if(rc) return rc;
  sched_run_cache *pc = NULL;
  for(int i = 0; i < S->nRunCache && !pc; i++)
    if(S->aRunCache[i].runPk == L->runPk) pc = &S->aRunCache[i];
  if(pc && pc->pXcom) {
    /* a run's XCom values, read once and then kept in step (O(1) per launch
     * instead of a walk over the run's task instances) */
    L->pXcomAll = json_incref(pc->pXcom);
    return AIRC_OK;
  }
  L->pXcomAll = json_object();
  if(pc) pc->pXcom = json_incref(L->pXcomAll);
  rc = store_sched_xcom_each_of_run(S->s, L->runPk, launch_add_xcom, L, pErr);
  if(rc && pc) {
    /* not all of them were read: do not keep a partial set */
    json_decref(pc->pXcom);
    pc->pXcom = NULL;
  }
  return rc;
}

static void child_add(sched *S, pid_t pid, int64_t tiId, int tryNumber) {
  if(S->nChild == S->nChildAlloc) {
    S->nChildAlloc = S->nChildAlloc ? S->nChildAlloc * 2 : 64;
    S->aChild = realloc(S->aChild, sizeof(sched_child) * (size_t)S->nChildAlloc);
  }
  S->aChild[S->nChild++] = (sched_child){pid, tiId, tryNumber};
}

airc_rc sched_launch(sched *S, const int64_t *aTi, int nTi, airc_err *pErr) {
  typedef struct { int64_t tiId; pid_t pid; int64_t startUs; char zLog[4400]; int tryNumber; char zFail[1200]; } launched;
  launched *aL = calloc((size_t)nTi + 1, sizeof(launched));
  airc_rc rc = AIRC_OK;
  for(int i = 0; i < nTi; i++) {
    launch_info L;
    airc_err lerr = {0};
    aL[i].tiId = aTi[i];
    if(launch_load(S, aTi[i], &L, &lerr)) {
      snprintf(aL[i].zFail, sizeof(aL[i].zFail), "%s", lerr.zMsg);
      json_decref(L.pConf);
      json_decref(L.pXcomAll);
      continue;
    }
    aL[i].tryNumber = L.tryNumber;
    sched_version *v = sched_version_get(S, L.zHash, &lerr);
    int ti = v ? sched_version_task(v, L.zTask) : -1;
    if(ti < 0) {
      snprintf(aL[i].zFail, sizeof(aL[i].zFail), "task '%s' is not in the run's DAG version", L.zTask);
    } else {
      const dag_task *t = &v->d->aTask[ti];
      json_t *pUp = json_object();
      for(int u = 0; u < t->nUpstream; u++) {
        json_t *x = json_object_get(L.pXcomAll, t->azUpstream[u]);
        if(x) json_object_set(pUp, t->azUpstream[u], x);
      }
      template_ctx tc = {L.zDag, L.zRunId, L.zTask, L.tryNumber, L.logical, L.ivStart, L.ivEnd,
                         v->d->pParams, L.pConf, L.pXcomAll};
      const task_type *pType = task_type_find(t->zType);
      json_t *pOpts = template_render_object(&tc, t->pOptions, pType ? pType->schema.azShellKeys : NULL, &lerr);
      if(!pOpts) {
        snprintf(aL[i].zFail, sizeof(aL[i].zFail), "%s", lerr.zMsg);
      } else {
        exec_log_path(L.zDag, L.zRunId, L.zTask, L.tryNumber, aL[i].zLog, sizeof(aL[i].zLog));
        exec_request req;
        memset(&req, 0, sizeof(req));
        req.tiId = aTi[i];
        req.pType = pType;
        req.ctx = (task_ctx){L.zDag, L.zRunId, L.zTask, L.tryNumber, L.logical, L.ivStart, L.ivEnd,
                             pOpts, v->d->pParams, L.pConf, pUp, NULL, airc_home()};
        req.tctx = tc;
        req.zLogPath = aL[i].zLog;
        const char *zCwd = json_string_value(json_object_get(pOpts, "cwd"));
        req.zCwd = zCwd && *zCwd ? zCwd : airc_home();
        req.timeoutSec = t->executionTimeout;
        req.killGraceSec = S->killGraceSec;
        req.maxLogBytes = S->maxLogBytes;
        if(!req.pType) {
          snprintf(aL[i].zFail, sizeof(aL[i].zFail), "unknown task type '%s'", t->zType);
        } else if(exec_spawn(&req, S->pPool, &aL[i].pid, &lerr)) {
          snprintf(aL[i].zFail, sizeof(aL[i].zFail), "%s", lerr.zMsg);
        } else {
          aL[i].startUs = airc_now_us();
          child_add(S, aL[i].pid, aTi[i], L.tryNumber);
          if(S->opts.bPrintProgress) {
            printf("%-16s %s (try %d)\n", "running", L.zTask, L.tryNumber);
            fflush(stdout);
          }
        }
        json_decref(pOpts);
      }
      json_decref(pUp);
    }
    json_decref(L.pConf);
    json_decref(L.pXcomAll);
  }
  rc = store_begin(S->s, pErr);
  for(int i = 0; !rc && i < nTi; i++) {
    if(aL[i].zFail[0]) {
      rc = sched_record_outcome(S, aL[i].tiId, aL[i].tryNumber, "failed", -1, 0, airc_now_us(), 0,
                                aL[i].zFail, NULL, pErr);
      continue;
    }
    rc = store_sched_ti_set_running(S->s, aL[i].tiId, aL[i].pid, aL[i].startUs, aL[i].zLog, pErr);
  }
  if(!rc) rc = store_commit(S->s, pErr);
  else store_rollback(S->s);
  free(aL);
  return rc;
}
