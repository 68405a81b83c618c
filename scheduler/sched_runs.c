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
#include "scheduler/dag_run.h"
#include "dag/template.h"
#include "dag/tick_planner.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCHED_MAX_NEW_RUNS 1000

static int64_t last_scheduled(store *s, const char *zDagId) {
  sqlite3_stmt *st = store_prepare(s,
      "SELECT max(logical_date) FROM dag_run WHERE dag_id=? AND run_type='scheduled'", NULL);
  if(!st) return -1;
  sqlite3_bind_text(st, 1, zDagId, -1, SQLITE_STATIC);
  int64_t v = -1;
  if(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) v = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  return v;
}

static int count_active_runs(store *s, const char *zDagId) {
  sqlite3_stmt *st = store_prepare(s,
      "SELECT count(*) FROM dag_run WHERE dag_id=? AND state IN ('queued','running') AND is_test=0", NULL);
  if(!st) return 0;
  sqlite3_bind_text(st, 1, zDagId, -1, SQLITE_STATIC);
  int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
  sqlite3_reset(st);
  return n;
}

airc_rc sched_create_due_runs(sched *S, airc_err *pErr) {
  int64_t now = airc_now();
  if(!S->bTicksDirty && S->nextTickUs && now * 1000000 < S->nextTickUs) return AIRC_OK;
  S->bTicksDirty = 0;
  S->nextTickUs = 0;
  sqlite3_stmt *st = store_prepare(S->s,
      "SELECT dag_id, current_hash FROM dag WHERE is_active=1 AND is_paused=0"
      " AND schedule IS NOT NULL AND schedule NOT IN ('none','')", pErr);
  if(!st) return pErr->rc;
  typedef struct { char zId[256]; char zHash[80]; } row;
  row *a = NULL;
  int n = 0;
  while(sqlite3_step(st) == SQLITE_ROW) {
    a = realloc(a, sizeof(row) * (size_t)(n + 1));
    snprintf(a[n].zId, sizeof(a[n].zId), "%s", store_col_text(st, 0));
    snprintf(a[n].zHash, sizeof(a[n].zHash), "%s", store_col_text(st, 1));
    n++;
  }
  sqlite3_reset(st);
  airc_rc rc = AIRC_OK;
  int64_t *aTick = malloc(sizeof(int64_t) * SCHED_MAX_NEW_RUNS);
  for(int i = 0; !rc && i < n; i++) {
    sched_version *v = sched_version_get(S, a[i].zHash, pErr);
    if(!v) {
      rc = pErr->rc;
      break;
    }
    const dag *d = v->d;
    int64_t last = last_scheduled(S->s, d->zId);
    int nRoom = d->maxActiveRuns - count_active_runs(S->s, d->zId);
    int nDue = nRoom > 0 ? tick_plan_due(d, last, now, aTick, nRoom < SCHED_MAX_NEW_RUNS ? nRoom : SCHED_MAX_NEW_RUNS) : 0;
    for(int k = 0; !rc && k < nDue; k++) {
      run_spec spec = {d->zId, NULL, RUN_TYPE_SCHEDULED, aTick[k], NULL, 0, NULL};
      char zRunId[300];
      int64_t runPk;
      airc_err cerr = {0};
      airc_rc crc = dag_run_create_for(S->s, d, &spec, &runPk, zRunId, &cerr);
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
      sqlite3_stmt *u = store_prepare(S->s, "UPDATE dag SET next_dagrun=? WHERE dag_id=? AND coalesce(next_dagrun,-1)<>?", pErr);
      if(u) {
        sqlite3_bind_int64(u, 1, next);
        sqlite3_bind_text(u, 2, d->zId, -1, SQLITE_STATIC);
        sqlite3_bind_int64(u, 3, next);
        sqlite3_step(u);
        sqlite3_reset(u);
      }
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
  sqlite3_stmt *u = store_prepare(S->s, "UPDATE task_instance SET state=?, updated_us=? WHERE id=?", pErr);
  if(!u) return pErr->rc;
  sqlite3_bind_text(u, 1, zState, -1, SQLITE_STATIC);
  sqlite3_bind_int64(u, 2, airc_now_us());
  sqlite3_bind_int64(u, 3, tiId);
  int r = sqlite3_step(u);
  sqlite3_reset(u);
  return r == SQLITE_DONE ? AIRC_OK : store_fail(S->s, "update task state", pErr);
}

static airc_rc set_run_state(sched *S, int64_t runPk, const char *zState, int bEnd, airc_err *pErr) {
  sqlite3_stmt *u = store_prepare(S->s,
      "UPDATE dag_run SET state=?1, start_us=CASE WHEN ?1='running' THEN coalesce(start_us, ?2) ELSE start_us END,"
      " end_us=CASE WHEN ?3 THEN ?2 ELSE NULL END WHERE id=?4", pErr);
  if(!u) return pErr->rc;
  sqlite3_bind_text(u, 1, zState, -1, SQLITE_STATIC);
  sqlite3_bind_int64(u, 2, airc_now_us());
  sqlite3_bind_int(u, 3, bEnd);
  sqlite3_bind_int64(u, 4, runPk);
  int r = sqlite3_step(u);
  sqlite3_reset(u);
  return r == SQLITE_DONE ? AIRC_OK : store_fail(S->s, "update run state", pErr);
}

/* The cached states of a run, loaded from the store when missing. */
static sched_run_cache *run_cache_get(sched *S, int64_t runPk, sched_version *v, airc_err *pErr) {
  for(int i = 0; i < S->nRunCache; i++)
    if(S->aRunCache[i].runPk == runPk && !strcmp(S->aRunCache[i].zHash, v->zHash)) return &S->aRunCache[i];
  sched_cache_drop(S, runPk);
  sqlite3_stmt *st = store_prepare(S->s,
      "SELECT id, task_id, state, next_retry_us FROM task_instance WHERE run_pk=?", pErr);
  if(!st) return NULL;
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
  sqlite3_bind_int64(st, 1, runPk);
  while(sqlite3_step(st) == SQLITE_ROW) {
    int i = sched_version_task(v, store_col_text(st, 1));
    if(i < 0) continue;
    pc->aTiId[i] = sqlite3_column_int64(st, 0);
    ti_state_parse(store_col_text(st, 2), &pc->aState[i]);
    pc->aNextRetry[i] = sqlite3_column_int64(st, 3);
  }
  sqlite3_reset(st);
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

airc_rc sched_evaluate_runs(sched *S, int64_t **paLaunch, int *pnLaunch, airc_err *pErr) {
  sqlite3_stmt *st = store_prepare(S->s,
      "SELECT r.id, r.dag_id, r.run_id, r.state, r.dag_hash, coalesce(d.is_paused, 0)"
      " FROM dag_run r LEFT JOIN dag d ON d.dag_id=r.dag_id"
      " WHERE r.state IN ('queued','running') AND (?1 > 0 AND r.id=?1 OR ?1 = 0 AND r.is_test=0)"
      " ORDER BY r.logical_date, r.id", pErr);
  if(!st) return pErr->rc;
  sqlite3_bind_int64(st, 1, S->opts.onlyRunPk);
  run_row *aRun = NULL;
  int nRun = 0;
  while(sqlite3_step(st) == SQLITE_ROW) {
    aRun = realloc(aRun, sizeof(run_row) * (size_t)(nRun + 1));
    run_row *r = &aRun[nRun++];
    r->pk = sqlite3_column_int64(st, 0);
    snprintf(r->zDag, sizeof(r->zDag), "%s", store_col_text(st, 1));
    snprintf(r->zRunId, sizeof(r->zRunId), "%s", store_col_text(st, 2));
    snprintf(r->zState, sizeof(r->zState), "%s", store_col_text(st, 3));
    snprintf(r->zHash, sizeof(r->zHash), "%s", store_col_text(st, 4));
    r->bPaused = sqlite3_column_int(st, 5) && !S->opts.onlyRunPk;
  }
  sqlite3_reset(st);

  /* current load per DAG */
  dag_load *aLoad = NULL;
  int nLoad = 0, nGlobal = 0;
  st = store_prepare(S->s,
      "SELECT ti.dag_id, count(*) FROM task_instance ti WHERE ti.state IN ('queued','running') GROUP BY ti.dag_id", pErr);
  if(!st) {
    free(aRun);
    return pErr->rc;
  }
  while(sqlite3_step(st) == SQLITE_ROW) {
    dag_load *l = load_find(&aLoad, &nLoad, store_col_text(st, 0));
    l->nActive = sqlite3_column_int(st, 1);
    nGlobal += l->nActive;
  }
  sqlite3_reset(st);

  airc_rc rc = AIRC_OK;
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
    sqlite3_stmt *u = store_prepare(S->s,
        "UPDATE task_instance SET state='queued', try_number=try_number+1, queued_us=?, pid=NULL,"
        " exit_code=NULL, start_us=NULL, end_us=NULL, duration=NULL, next_retry_us=NULL, note=NULL,"
        " updated_us=?1 WHERE id=? AND state='scheduled'", pErr);
    if(!u) rc = pErr->rc;
    for(int k = 0; !rc && k < *pnLaunch; k++) {
      sqlite3_reset(u);
      sqlite3_bind_int64(u, 1, airc_now_us());
      sqlite3_bind_int64(u, 2, (*paLaunch)[k]);
      if(sqlite3_step(u) != SQLITE_DONE) rc = store_fail(S->s, "queue task", pErr);
    }
    if(u) sqlite3_reset(u);
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

static airc_rc launch_load(sched *S, int64_t tiId, launch_info *L, airc_err *pErr) {
  sqlite3_stmt *st = store_prepare(S->s,
      "SELECT ti.task_id, ti.try_number, r.dag_id, r.run_id, r.dag_hash, r.logical_date,"
      " r.data_interval_start, r.data_interval_end, r.conf, r.id"
      " FROM task_instance ti JOIN dag_run r ON r.id=ti.run_pk WHERE ti.id=?", pErr);
  if(!st) return pErr->rc;
  sqlite3_bind_int64(st, 1, tiId);
  if(sqlite3_step(st) != SQLITE_ROW) {
    sqlite3_reset(st);
    return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "task instance %lld vanished", (long long)tiId);
  }
  memset(L, 0, sizeof(*L));
  L->tiId = tiId;
  snprintf(L->zTask, sizeof(L->zTask), "%s", store_col_text(st, 0));
  L->tryNumber = sqlite3_column_int(st, 1);
  snprintf(L->zDag, sizeof(L->zDag), "%s", store_col_text(st, 2));
  snprintf(L->zRunId, sizeof(L->zRunId), "%s", store_col_text(st, 3));
  snprintf(L->zHash, sizeof(L->zHash), "%s", store_col_text(st, 4));
  L->logical = sqlite3_column_int64(st, 5);
  L->ivStart = sqlite3_column_int64(st, 6);
  L->ivEnd = sqlite3_column_int64(st, 7);
  L->pConf = json_loads(store_col_text(st, 8), 0, NULL);
  if(!json_is_object(L->pConf)) {
    json_decref(L->pConf);
    L->pConf = json_object();
  }
  L->runPk = sqlite3_column_int64(st, 9);
  sqlite3_reset(st);
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
  st = store_prepare(S->s,
      "SELECT ti.task_id, x.value FROM xcom x JOIN task_instance ti ON ti.id=x.ti_id WHERE ti.run_pk=?", pErr);
  if(!st) return pErr->rc;
  sqlite3_bind_int64(st, 1, L->runPk);
  while(sqlite3_step(st) == SQLITE_ROW) {
    json_t *pVal = json_loads(store_col_text(st, 1), JSON_DECODE_ANY, NULL);
    if(pVal) json_object_set_new(L->pXcomAll, store_col_text(st, 0), pVal);
  }
  sqlite3_reset(st);
  return AIRC_OK;
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
        } else if(exec_spawn(&req, &aL[i].pid, &lerr)) {
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
    sqlite3_stmt *u = store_prepare(S->s,
        "UPDATE task_instance SET state='running', pid=?, start_us=?, log_path=?, updated_us=?2"
        " WHERE id=? AND state='queued'", pErr);
    if(!u) {
      rc = pErr->rc;
      break;
    }
    sqlite3_bind_int(u, 1, aL[i].pid);
    sqlite3_bind_int64(u, 2, aL[i].startUs);
    sqlite3_bind_text(u, 3, aL[i].zLog, -1, SQLITE_STATIC);
    sqlite3_bind_int64(u, 4, aL[i].tiId);
    if(sqlite3_step(u) != SQLITE_DONE) rc = store_fail(S->s, "mark running", pErr);
    sqlite3_reset(u);
  }
  if(!rc) rc = store_commit(S->s, pErr);
  else store_rollback(S->s);
  free(aL);
  return rc;
}
