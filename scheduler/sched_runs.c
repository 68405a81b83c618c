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
#include "common/uuid.h"
#include "executor/exec_pool.h"
#include "executor/exec_result.h"
#include "executor/exec_spawn.h"
#include "store/store_run.h"
#include "store/store_work.h"
#include "store/store_control.h"
#include "store/store_pool.h"
#include "dag/param_schema.h"
#include "dag/template.h"
#include "dag/tick_planner.h"
#include "executor/task_secrets.h"
#include "executor/task_sensor.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Plans every scheduled DAG when the ticks are dirty (start, a DAG file or
 * another process changed something) or the earliest tick is due; else
 * only the DAGs one of whose runs just ended (S->azTickDag), so that a run
 * ending costs one DAG's planning, not every DAG's. */
airc_rc sched_create_due_runs(sched *S, airc_err *pErr) {
  int64_t now = airc_now();
  int bAll = S->bTicksDirty || (S->nextTickUs && now * 1000000 >= S->nextTickUs);
  if(!bAll && !S->nTickDag) return AIRC_OK;
  due_dags D = {NULL, 0};
  airc_rc rc = AIRC_OK;
  if(bAll) {
    S->bTicksDirty = 0;
    S->nextTickUs = 0;
    rc = store_sched_dag_each_scheduled(S->s, due_dag_add, &D, pErr);
  } else {
    for(int i = 0; !rc && i < S->nTickDag; i++) rc = store_sched_dag_get_scheduled(S->s, S->azTickDag[i], due_dag_add, &D, pErr);
  }
  if(rc) {
    free(D.a);
    return rc;
  }
  for(int i = 0; i < S->nTickDag; i++) free(S->azTickDag[i]);
  S->nTickDag = 0;
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
  int64_t logicalDate;
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

/* Puts instance j of mapped task i into pc (growing its arrays). -1: no memory. */
static int map_put(sched_run_cache *pc, int i, int j, int64_t tiId, ti_state st, int64_t nextRetry) {
  if(!pc->apMap) {
    pc->apMap = calloc((size_t)pc->nTask + 1, sizeof(sched_mapped *));
    if(!pc->apMap) return -1;
  }
  sched_mapped *m = pc->apMap[i];
  if(!m) {
    m = pc->apMap[i] = calloc(1, sizeof(sched_mapped));
    if(!m) return -1;
  }
  if(j >= m->n) {
    int64_t *aId = realloc(m->aTiId, sizeof(int64_t) * (size_t)(j + 1));
    if(aId) m->aTiId = aId;
    ti_state *aSt = realloc(m->aState, sizeof(ti_state) * (size_t)(j + 1));
    if(aSt) m->aState = aSt;
    int64_t *aRe = realloc(m->aNextRetry, sizeof(int64_t) * (size_t)(j + 1));
    if(aRe) m->aNextRetry = aRe;
    if(!aId || !aSt || !aRe) return -1;
    for(int k = m->n; k <= j; k++) {
      m->aTiId[k] = 0;
      m->aState[k] = TI_NONE;
      m->aNextRetry[k] = 0;
    }
    m->n = j + 1;
  }
  m->aTiId[j] = tiId;
  m->aState[j] = st;
  m->aNextRetry[j] = nextRetry;
  return 0;
}

static void map_free_all(sched_run_cache *pc) {
  for(int i = 0; pc->apMap && i < pc->nTask; i++) {
    sched_mapped *m = pc->apMap[i];
    if(!m) continue;
    free(m->aTiId);
    free(m->aState);
    free(m->aNextRetry);
    free(m);
  }
  free(pc->apMap);
  pc->apMap = NULL;
}

/* What a mapped task counts as for its downstream tasks and the run:
 * running while an instance is unfinished, then failed if one failed,
 * upstream_failed if one was, success if one succeeded, else skipped. */
static ti_state map_summary(const sched_mapped *m) {
  int n = 0, nDone = 0, nSucc = 0, nFail = 0, nUpFail = 0;
  for(int j = 0; j < m->n; j++) {
    if(!m->aTiId[j]) continue;
    ti_state st = m->aState[j];
    n++;
    nDone += ti_state_is_finished(st);
    nSucc += st == TI_SUCCESS;
    nFail += st == TI_FAILED;
    nUpFail += st == TI_UPSTREAM_FAILED;
  }
  if(nDone < n) return TI_RUNNING;
  if(nFail) return TI_FAILED;
  if(nUpFail) return TI_UPSTREAM_FAILED;
  return nSucc ? TI_SUCCESS : TI_SKIPPED;
}

static int run_cache_add_ti(void *pCtx, const store_sched_ti_row *pRow) {
  run_cache_load *L = pCtx;
  int i = sched_version_task(L->v, pRow->zTaskId);
  if(i < 0) return 0;
  if(pRow->mapIndex >= 0) {
    ti_state st = TI_NONE;
    ti_state_parse(pRow->zState, &st);
    if(pRow->mapIndex < DAG_MAP_MAX && map_put(L->pc, i, pRow->mapIndex, pRow->tiId, st, pRow->nextRetryUs)) return 1;
    if(pRow->mapIndex == 0) L->pc->aTiId[i] = pRow->tiId;
    return 0;
  }
  L->pc->aTiId[i] = pRow->tiId;
  ti_state_parse(pRow->zState, &L->pc->aState[i]);
  L->pc->aNextRetry[i] = pRow->nextRetryUs;
  return 0;
}

/* The cached states of a run, loaded from the store when missing. */
static sched_run_cache *run_cache_find(sched *S, int64_t runPk) {
  int i = sched_pkmap_get(&S->runIndex, runPk);
  return i >= 0 ? &S->aRunCache[i] : NULL;
}

static sched_run_cache *run_cache_get(sched *S, int64_t runPk, sched_version *v, airc_err *pErr) {
  sched_run_cache *pHit = run_cache_find(S, runPk);
  if(pHit && !strcmp(pHit->zHash, v->zHash)) return pHit;
  sched_cache_drop(S, runPk);
  if(S->nRunCache == S->nRunCacheAlloc) {
    S->nRunCacheAlloc = S->nRunCacheAlloc ? S->nRunCacheAlloc * 2 : 16;
    S->aRunCache = realloc(S->aRunCache, sizeof(sched_run_cache) * (size_t)S->nRunCacheAlloc);
  }
  sched_pkmap_put(&S->runIndex, runPk, S->nRunCache);
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
  for(int i = 0; pc->apMap && i < pc->nTask; i++)
    if(pc->apMap[i]) pc->aState[i] = map_summary(pc->apMap[i]);
  return pc;
}

static void run_cache_free(sched_run_cache *pc) {
  map_free_all(pc);
  json_decref(pc->pXcom);
  free(pc->aTiId);
  free(pc->aState);
  free(pc->aNextRetry);
}

void sched_cache_drop(sched *S, int64_t runPk) {
  int i = sched_pkmap_get(&S->runIndex, runPk);
  if(i < 0) return;
  run_cache_free(&S->aRunCache[i]);
  sched_pkmap_del(&S->runIndex, runPk);
  if(i != S->nRunCache - 1) {
    S->aRunCache[i] = S->aRunCache[S->nRunCache - 1];
    sched_pkmap_put(&S->runIndex, S->aRunCache[i].runPk, i);
  }
  S->nRunCache--;
}

void sched_xcom_set_mapped(json_t *pXcom, const char *zTaskId, int mapIndex, json_t *pValue) {
  json_t *pList = json_object_get(pXcom, zTaskId);
  if(!json_is_array(pList)) {
    pList = json_array();
    json_object_set_new(pXcom, zTaskId, pList);
  }
  while(json_array_size(pList) <= (size_t)mapIndex && json_array_size(pList) < DAG_MAP_MAX)
    json_array_append_new(pList, json_null());
  json_array_set(pList, (size_t)mapIndex, pValue);
}

void sched_cache_set_xcom(sched *S, int64_t runPk, const char *zTaskId, int mapIndex, json_t *pValue) {
  sched_run_cache *pc = run_cache_find(S, runPk);
  if(!pc || !pc->pXcom) return;
  if(mapIndex >= 0) sched_xcom_set_mapped(pc->pXcom, zTaskId, mapIndex, pValue);
  else json_object_set(pc->pXcom, zTaskId, pValue);
}

/* Also forgets the runs waiting for a slot and asks for a full
 * evaluation: what was derived from the cache is stale too. */
void sched_cache_clear(sched *S) {
  for(int i = 0; i < S->nRunCache; i++) run_cache_free(&S->aRunCache[i]);
  S->nRunCache = 0;
  sched_pkmap_clear(&S->runIndex);
  for(int i = 0; i < S->nWait; i++) free(S->aWait[i].zDag);
  S->nWait = 0;
  sched_pkmap_clear(&S->waitSet);
  S->bAllDirty = 1;
  S->bLoadsValid = 0;
  sched_secrets_forget(S);
}

void sched_secrets_forget(sched *S) {
  if(S->bSecretsValid) task_secrets_clear(&S->secrets);
  S->bSecretsValid = 0;
}

/* The connections and variables of a launch batch: the cached ones while
 * valid, else read (two statements and the key file: 30-50 us on the path
 * from an upstream's end to the next task's start locally, two round trips
 * to PostgreSQL distributed). Local: only this scheduler writes between two
 * launches unless a wake saw another process's commit (sched_iterate:
 * bOthers), and that forgets them. Distributed: every writer notifies
 * (store_secret.c), and a notification forgets them; kept at most
 * SCHED_SECRETS_MAX_AGE_US. */
static airc_rc launch_secrets(sched *S, airc_err *pErr) {
  if(S->bDistributed) {
    /* other hosts' writers notify (store_secret.c); what arrived so far
     * is applied now. Without notifications (no LISTEN), read each time */
    sched_dist_take_events(S);
    if(!S->bListen || airc_now_us() - S->secretsAtUs > SCHED_SECRETS_MAX_AGE_US) sched_secrets_forget(S);
  }
  if(S->bSecretsValid) return AIRC_OK;
  airc_rc rc = task_secrets_load(S->s, &S->secrets, pErr);
  S->bSecretsValid = !rc;
  S->secretsAtUs = airc_now_us();
  return rc;
}

int sched_cache_not_queued(sched *S, int64_t runPk, const char *zTaskId) {
  sched_run_cache *pc = run_cache_find(S, runPk);
  if(!pc) return 1;
  for(int k = 0; k < SCHED_VERSION_CACHE; k++) {
    sched_version *v = &S->aVer[k];
    if(!v->d || strcmp(v->zHash, pc->zHash)) continue;
    int t = sched_version_task(v, zTaskId);
    if(t < 0 || t >= pc->nTask) return 1;
    if(pc->apMap && pc->apMap[t]) return 0;
    return pc->aState[t] == TI_NONE || pc->aState[t] == TI_SCHEDULED;
  }
  return 1;
}

void sched_cache_set_ti_state(sched *S, int64_t runPk, const char *zTaskId, int64_t tiId, ti_state st,
                              int64_t nextRetryUs) {
  sched_run_cache *pc = run_cache_find(S, runPk);
  if(!pc) return;
  for(int k = 0; k < SCHED_VERSION_CACHE; k++) {
    sched_version *v = &S->aVer[k];
    if(!v->d || strcmp(v->zHash, pc->zHash)) continue;
    int t = sched_version_task(v, zTaskId);
    if(t >= 0 && t < pc->nTask) {
      sched_mapped *m = pc->apMap ? pc->apMap[t] : NULL;
      if(!m) {
        pc->aState[t] = st;
        pc->aNextRetry[t] = nextRetryUs;
        return;
      }
      for(int j = 0; tiId && j < m->n; j++)
        if(m->aTiId[j] == tiId) {
          m->aState[j] = st;
          m->aNextRetry[j] = nextRetryUs;
          pc->aState[t] = map_summary(m);
          return;
        }
    }
    break;
  }
  sched_cache_drop(S, runPk); /* cannot place it: reload next time */
}

void sched_cache_set_state(sched *S, int64_t runPk, const char *zTaskId, ti_state st, int64_t nextRetryUs) {
  sched_cache_set_ti_state(S, runPk, zTaskId, 0, st, nextRetryUs);
}

/* DAG zDag's next run is to be planned again (one of its runs ended). */
static void tick_dag_add(sched *S, const char *zDag) {
  for(int i = 0; i < S->nTickDag; i++)
    if(!strcmp(S->azTickDag[i], zDag)) return;
  S->azTickDag = realloc(S->azTickDag, sizeof(char *) * (size_t)(S->nTickDag + 1));
  S->azTickDag[S->nTickDag++] = strdup(zDag);
}

/* A task instance the evaluation found ready to queue. A task it moves
 * to `scheduled` (from `none`, or `up_for_retry` when due) is not written
 * yet: eFrom says what the store still holds, and cand_admit writes it
 * once, as `queued` when a slot takes it, else as `scheduled`. */
typedef struct cand_found {
  int64_t tiId;
  int iTask;
  ti_state eFrom;      /* TI_SCHEDULED or TI_UP_FOR_RESCHEDULE: written; TI_NONE, TI_UP_FOR_RETRY: not yet */
} cand_found;
typedef struct cand_list {
  cand_found *a;
  int n, nAlloc;
} cand_list;

static airc_rc cand_add(cand_list *L, int64_t tiId, int iTask, ti_state eFrom, airc_err *pErr) {
  if(L->n == L->nAlloc) {
    int nNew = L->nAlloc ? L->nAlloc * 2 : 64;
    cand_found *a = realloc(L->a, sizeof(cand_found) * (size_t)nNew);
    if(!a) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
    L->a = a;
    L->nAlloc = nNew;
  }
  L->a[L->n++] = (cand_found){tiId, iTask, eFrom};
  return AIRC_OK;
}

static int xcom_add(void *pCtx, const char *zTaskId, int mapIndex, const char *zValue) {
  json_t *pXcom = pCtx;
  json_t *pVal = json_loads(zValue, JSON_DECODE_ANY, NULL);
  if(!pVal) return 0;
  if(mapIndex >= 0) sched_xcom_set_mapped(pXcom, zTaskId, mapIndex, pVal);
  else json_object_set(pXcom, zTaskId, pVal);
  json_decref(pVal);
  return 0;
}

/* The run's XCom values (task id -> value), read once into the cache. */
static json_t *run_cache_xcom(sched *S, sched_run_cache *pc, airc_err *pErr) {
  if(pc->pXcom) return pc->pXcom;
  json_t *pXcom = json_object();
  if(!pXcom) {
    airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
    return NULL;
  }
  if(store_sched_xcom_each_of_run(S->s, pc->runPk, xcom_add, pXcom, pErr)) {
    json_decref(pXcom);
    return NULL;
  }
  pc->pXcom = pXcom;
  return pXcom;
}

/* A mapped task became ready: its list (literal, or its upstream's XCom)
 * makes one `scheduled` instance per item; an empty list skips it; a value
 * that is no list fails it with a note saying why. */
static airc_rc expand_task(sched *S, const run_row *r, sched_run_cache *pc, const dag *d, int i, airc_err *pErr) {
  const dag_task *t = &d->aTask[i];
  json_t *pList = t->pExpandList;
  char zNote[600] = "";
  if(!pList) {
    json_t *pXcom = run_cache_xcom(S, pc, pErr);
    if(!pXcom) return pErr->rc;
    pList = json_object_get(pXcom, t->zExpandTask);
    if(!pList) {
      snprintf(zNote, sizeof(zNote), "expand: task '%s' wrote no XCom (expand = xcom.%s needs a JSON list)",
               t->zExpandTask, t->zExpandTask);
    } else if(!json_is_array(pList)) {
      char *z = json_dumps(pList, JSON_COMPACT | JSON_ENCODE_ANY);
      snprintf(zNote, sizeof(zNote), "expand: the XCom of task '%s' is not a JSON list: %.100s", t->zExpandTask,
               z ? z : "?");
      free(z);
    }
  }
  size_t n = zNote[0] ? 0 : json_array_size(pList);
  if(!zNote[0] && n > DAG_MAP_MAX)
    snprintf(zNote, sizeof(zNote), "expand: %zu items, above the limit of %d", n, DAG_MAP_MAX);
  int64_t now = airc_now_us();
  if(zNote[0] || n == 0) {
    const char *zState = zNote[0] ? "failed" : "skipped";
    airc_rc rc = store_sched_ti_set_state_note(S->s, pc->aTiId[i], zState, zNote[0] ? zNote : "expand: empty list",
                                               now, pErr);
    if(rc) return rc;
    pc->aState[i] = zNote[0] ? TI_FAILED : TI_SKIPPED;
    LOG_INFO("%s.%s (%s): %s", d->zId, t->zId, r->zRunId, zNote[0] ? zNote : "expand: empty list, skipped");
    if(S->opts.bPrintProgress) {
      printf("%-16s %s: %s\n", zState, t->zId, zNote[0] ? zNote : "expand: empty list");
      fflush(stdout);
    }
    return AIRC_OK;
  }
  int64_t *aIds = malloc(sizeof(int64_t) * n);
  if(!aIds) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  airc_rc rc = store_sched_ti_expand(S->s, pc->aTiId[i], (int)n, now, aIds, pErr);
  for(size_t j = 0; !rc && j < n; j++)
    if(map_put(pc, i, (int)j, aIds[j], TI_SCHEDULED, 0)) rc = airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  free(aIds);
  if(!rc && S->opts.bPrintProgress) {
    printf("%-16s %s: %zu instances\n", "expanded", t->zId, n);
    fflush(stdout);
  }
  return rc;
}

/* The instances of an expanded task: retries and reschedules that are
 * due, instances a clear set back to none; `scheduled` ones (and sensors'
 * due pokes) become candidates. */
static airc_rc evaluate_mapped(sched *S, sched_run_cache *pc, int i, trigger_verdict verdict, int64_t now,
                               cand_list *pCand, airc_err *pErr) {
  sched_mapped *m = pc->apMap[i];
  airc_rc rc = AIRC_OK;
  for(int j = 0; !rc && j < m->n; j++) {
    if(!m->aTiId[j]) continue;
    ti_state st = m->aState[j], from = st;
    const char *zNew = NULL;
    if(st == TI_NONE) {
      if(verdict == TRIGGER_READY) zNew = "scheduled", st = TI_SCHEDULED;
      else if(verdict == TRIGGER_SKIP) zNew = "skipped", st = TI_SKIPPED;
      else if(verdict == TRIGGER_UPSTREAM_FAILED) zNew = "upstream_failed", st = TI_UPSTREAM_FAILED;
    } else if(st == TI_UP_FOR_RETRY && m->aNextRetry[j] <= now) {
      zNew = "scheduled";
      st = TI_SCHEDULED;
    }
    if(zNew) {
      /* `scheduled` is written by cand_admit (queued or held) */
      if(st != TI_SCHEDULED) rc = set_ti_state(S, m->aTiId[j], zNew, pErr);
      m->aState[j] = st;
    }
    if(!rc && (st == TI_SCHEDULED || (st == TI_UP_FOR_RESCHEDULE && m->aNextRetry[j] <= now)))
      rc = cand_add(pCand, m->aTiId[j], i, zNew ? from : st, pErr);
  }
  return rc;
}

/* Evaluates one running run: trigger rules, due retries, completion.
 * Appends the task instances to queue (`scheduled`, or becoming so: see
 * cand_found) to *pCand. */
static airc_rc evaluate_run(sched *S, const run_row *r, sched_version *v, cand_list *pCand, airc_err *pErr) {
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
    const dag_task *tk = &d->aTask[i];
    const int bMappedTask = tk->zExpandTask || tk->pExpandList;
    if(bMappedTask && pc->apMap && pc->apMap[i]) {
      /* expanded: its instances, then their summary */
      trigger_verdict verdict = TRIGGER_WAIT;
      for(int j = 0; j < pc->apMap[i]->n; j++)
        if(pc->apMap[i]->aTiId[j] && pc->apMap[i]->aState[j] == TI_NONE) {
          upstream_counts c = {0};
          c.nTotal = tk->nUpstream;
          for(int u = 0; u < tk->nUpstream; u++) {
            ti_state us = aState[tk->aiUpstream[u]];
            c.nSuccess += us == TI_SUCCESS;
            c.nFailed += us == TI_FAILED;
            c.nUpstreamFailed += us == TI_UPSTREAM_FAILED;
            c.nSkipped += us == TI_SKIPPED;
            c.nDone += ti_state_is_finished(us);
          }
          verdict = trigger_rule_evaluate(tk->rule, &c);
          break;
        }
      rc = evaluate_mapped(S, pc, i, verdict, now, pCand, pErr);
      aState[i] = map_summary(pc->apMap[i]);
      continue;
    }
    int bPoke = 0; /* a rescheduled sensor's next poke is due */
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
      trigger_verdict verdict = trigger_rule_evaluate(t->rule, &c);
      if(verdict == TRIGGER_READY && bMappedTask) {
        rc = expand_task(S, r, pc, d, i, pErr);
        if(!rc && pc->apMap && pc->apMap[i]) {
          rc = evaluate_mapped(S, pc, i, TRIGGER_WAIT, now, pCand, pErr);
          aState[i] = map_summary(pc->apMap[i]);
        }
        continue;
      }
      switch(verdict) {
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
    } else if(cur == TI_UP_FOR_RESCHEDULE) {
      /* stays up_for_reschedule (no slot) until a slot queues it */
      bPoke = pc->aNextRetry[i] <= now;
    }
    if(zNew && aState[i] != TI_SCHEDULED) {
      /* `scheduled` is written by cand_admit: as `queued` when a slot takes it */
      rc = set_ti_state(S, pc->aTiId[i], zNew, pErr);
      if(!rc && S->opts.bPrintProgress) {
        printf("%-16s %s\n", zNew, d->aTask[i].zId);
        fflush(stdout);
      }
    }
    if(!rc && (aState[i] == TI_SCHEDULED || bPoke)) rc = cand_add(pCand, pc->aTiId[i], i, zNew ? cur : aState[i], pErr);
  }
  if(!rc) {
    const char *zDone = run_state_from_tasks(d, aState);
    if(zDone) {
      rc = set_run_state(S, r->pk, zDone, 1, pErr);
      if(!rc) rc = sched_notify_run(S, d, r->zRunId, r->logicalDate, zDone, pErr);
      LOG_INFO("run %s of DAG '%s' finished: %s", r->zRunId, r->zDag, zDone);
      if(S->opts.bPrintProgress) {
        printf("run %s: %s\n", r->zRunId, zDone);
        fflush(stdout);
      }
      S->bRunFinished = 1;
      tick_dag_add(S, r->zDag);
      pc = NULL;
      aState = NULL;
      sched_cache_drop(S, r->pk);
      if(S->opts.onlyRunPk == r->pk) S->bTestRunDone = 1;
    }
  }
  if(rc) sched_cache_drop(S, r->pk); /* the transaction rolls back: so must the cache */
  return rc;
}


static uint64_t load_hash(const char *z) {
  uint64_t h = 1469598103934665603ULL;
  for(; *z; z++) h = (h ^ (unsigned char)*z) * 1099511628211ULL;
  return h;
}

static void load_rehash(dag_loads *p) {
  p->nSlot = p->nSlot ? p->nSlot * 2 : 64;
  free(p->aSlot);
  p->aSlot = malloc(sizeof(int) * (size_t)p->nSlot);
  for(int i = 0; i < p->nSlot; i++) p->aSlot[i] = -1;
  for(int i = 0; i < p->n; i++) {
    uint64_t h = load_hash(p->a[i].zDag) & (uint64_t)(p->nSlot - 1);
    while(p->aSlot[h] >= 0) h = (h + 1) & (uint64_t)(p->nSlot - 1);
    p->aSlot[h] = i;
  }
}

static dag_load *load_find(dag_loads *p, const char *zDag) {
  if((p->n + 1) * 2 > p->nSlot) load_rehash(p);
  uint64_t h = load_hash(zDag) & (uint64_t)(p->nSlot - 1);
  for(; p->aSlot[h] >= 0; h = (h + 1) & (uint64_t)(p->nSlot - 1))
    if(!strcmp(p->a[p->aSlot[h]].zDag, zDag)) return &p->a[p->aSlot[h]];
  if(p->n == p->nAlloc) {
    p->nAlloc = p->nAlloc ? p->nAlloc * 2 : 32;
    p->a = realloc(p->a, sizeof(dag_load) * (size_t)p->nAlloc);
  }
  p->aSlot[h] = p->n;
  dag_load *l = &p->a[p->n++];
  snprintf(l->zDag, sizeof(l->zDag), "%s", zDag);
  l->nActive = 0;
  l->nTent = 0;
  l->nMax = 16;
  l->nRuns = -1;
  return l;
}

static int dag_load_add(void *pCtx, const char *zDagId, int n) {
  dag_loads *p = pCtx;
  load_find(p, zDagId)->nActive = n;
  p->nGlobal += n;
  return 0;
}

/* Re-reads every DAG's queued+running count from the store (the known
 * DAGs and their max_active_tasks stay). */
static airc_rc loads_reload(sched *S, airc_err *pErr) {
  dag_loads *p = &S->loads;
  for(int i = 0; i < p->n; i++) p->a[i].nActive = 0;
  p->nGlobal = 0;
  airc_rc rc = store_sched_ti_each_dag_load(S->s, dag_load_add, p, pErr);
  S->bLoadsValid = !rc;
  return rc;
}

void sched_load_add(sched *S, const char *zDag, int delta) {
  if(!S->bLoadsValid) return; /* the next evaluation re-reads them */
  dag_load *l = load_find(&S->loads, zDag);
  l->nActive += delta;
  S->loads.nGlobal += delta;
  if(l->nActive < 0 || S->loads.nGlobal < 0) S->bLoadsValid = 0; /* out of step: re-read */
}

void sched_loads_free(sched *S) {
  free(S->loads.a);
  free(S->loads.aSlot);
  memset(&S->loads, 0, sizeof(S->loads));
  S->bLoadsValid = 0;
}

typedef struct active_runs {
  sched *S;
  run_row *a;
  int n, nAlloc;
  sched_pkmap seen;    /* pks in a */
} active_runs;

static int active_run_add(void *pCtx, const store_sched_run_row *pRow) {
  active_runs *p = pCtx;
  if(sched_pkmap_get(&p->seen, pRow->runPk) >= 0) return 0;
  sched_pkmap_put(&p->seen, pRow->runPk, p->n);
  if(p->n == p->nAlloc) {
    p->nAlloc = p->nAlloc ? p->nAlloc * 2 : 16;
    p->a = realloc(p->a, sizeof(run_row) * (size_t)p->nAlloc);
  }
  run_row *r = &p->a[p->n++];
  r->pk = pRow->runPk;
  snprintf(r->zDag, sizeof(r->zDag), "%s", pRow->zDagId);
  snprintf(r->zRunId, sizeof(r->zRunId), "%s", pRow->zRunId);
  snprintf(r->zState, sizeof(r->zState), "%s", pRow->zState);
  snprintf(r->zHash, sizeof(r->zHash), "%s", pRow->zDagHash);
  r->logicalDate = pRow->logicalDate;
  r->bPaused = pRow->bDagPaused && !p->S->opts.onlyRunPk;
  return 0;
}

static int run_order(int64_t aDate, int64_t aPk, int64_t bDate, int64_t bPk) {
  if(aDate != bDate) return aDate < bDate ? -1 : 1;
  return aPk < bPk ? -1 : aPk > bPk;
}

static int run_row_cmp(const void *a, const void *b) {
  const run_row *x = a, *y = b;
  return run_order(x->logicalDate, x->pk, y->logicalDate, y->pk);
}

static void wait_push(sched_wait **pa, int *pn, int *pnAlloc, int64_t pk, int64_t date, char *zDag) {
  if(*pn == *pnAlloc) {
    *pnAlloc = *pnAlloc ? *pnAlloc * 2 : 64;
    *pa = realloc(*pa, sizeof(sched_wait) * (size_t)*pnAlloc);
  }
  (*pa)[(*pn)++] = (sched_wait){pk, date, zDag};
}

/* Queued+running instances of tasks with max_active_tis_per_dag, read
 * once per evaluation and counted up as it queues more. */
typedef struct tis_count_row {
  char zDag[256], zTask[256];
  int n;
} tis_count_row;
typedef struct tis_counts {
  tis_count_row *a;
  int n;
} tis_counts;

static airc_rc tis_count(sched *S, tis_counts *p, const char *zDag, const char *zTask, int **ppn, airc_err *pErr) {
  for(int i = 0; i < p->n; i++)
    if(!strcmp(p->a[i].zDag, zDag) && !strcmp(p->a[i].zTask, zTask)) {
      *ppn = &p->a[i].n;
      return AIRC_OK;
    }
  tis_count_row *a = realloc(p->a, sizeof(tis_count_row) * (size_t)(p->n + 1));
  if(!a) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  p->a = a;
  tis_count_row *row = &a[p->n];
  snprintf(row->zDag, sizeof(row->zDag), "%s", zDag);
  snprintf(row->zTask, sizeof(row->zTask), "%s", zTask);
  airc_rc rc = store_sched_task_active(S->s, zDag, zTask, &row->n, pErr);
  if(rc) return rc;
  p->n++;
  *ppn = &row->n;
  return AIRC_OK;
}

/* ---- admission: priorities and pools ---- */

/* A run that gave candidates this evaluation. */
typedef struct cand_run {
  int64_t pk, logicalDate;
  char *zDag;          /* owned until it joins S->aWait */
  int iLoad;           /* index in S->loads.a */
  int bHeld;           /* a limit or its pool kept a candidate back */
} cand_run;

/* A `scheduled` task instance to queue if the limits allow. */
typedef struct cand_ti {
  int64_t tiId;
  int64_t prio;        /* effective priority weight */
  int iRun;            /* in the cand_run array */
  int iTask;           /* task index of the run's DAG version */
  int iPool;           /* in the pool name array */
  int nSlots;
  int seq;             /* walk order: ties keep it */
  int maxActiveTis;    /* the task's max_active_tis_per_dag, 0 = none */
  char *zTask;         /* its task id (owned) */
  ti_state eFrom;      /* the state in the store (cand_found) */
  int bQueued;         /* cand_admit queued it */
  int bOffered;        /* cand_admit offers it to its pool's queue (counted as queued until then) */
} cand_ti;

typedef struct cand_set {
  cand_run *aRun;
  int nRun, nRunAlloc;
  cand_ti *aTi;
  int nTi, nTiAlloc;
  char **azPool;       /* distinct pool names (owned) */
  int *aPoolFull;      /* per pool: the fewest slots it refused this evaluation (0 = none) */
  int64_t *aPoolOpen;  /* per pool: open slots not yet promised to a candidate (an estimate) */
  int64_t *aPoolLeft;  /* per pool: open slots cand_admit has not offered yet */
  int *aPoolExists;    /* per pool: it has a row (store_pool_open_slots) */
  int *aPoolReread;    /* per pool: read again by cand_fits in this evaluation */
  int nPool;
  int nGate;           /* candidates that look admittable: counted against parallelism
                        * when deciding whether to look at more waiting runs */
} cand_set;

/* Index of pool zPool in C, added (with its open slots, read once per
 * evaluation) when new. -1 on a store error. */
static int cand_pool(sched *S, cand_set *C, const char *zPool, airc_err *pErr) {
  for(int i = 0; i < C->nPool; i++)
    if(!strcmp(C->azPool[i], zPool)) return i;
  int64_t nOpen = INT64_MAX / 4;
  int bExists = 1;
  if(!S->opts.onlyRunPk && store_pool_open_slots(S->s, zPool, &nOpen, &bExists, pErr)) return -1;
  C->azPool = realloc(C->azPool, sizeof(char *) * (size_t)(C->nPool + 1));
  C->aPoolFull = realloc(C->aPoolFull, sizeof(int) * (size_t)(C->nPool + 1));
  C->aPoolOpen = realloc(C->aPoolOpen, sizeof(int64_t) * (size_t)(C->nPool + 1));
  C->aPoolLeft = realloc(C->aPoolLeft, sizeof(int64_t) * (size_t)(C->nPool + 1));
  C->aPoolExists = realloc(C->aPoolExists, sizeof(int) * (size_t)(C->nPool + 1));
  C->aPoolReread = realloc(C->aPoolReread, sizeof(int) * (size_t)(C->nPool + 1));
  C->azPool[C->nPool] = strdup(zPool);
  C->aPoolFull[C->nPool] = 0;
  C->aPoolOpen[C->nPool] = nOpen;
  C->aPoolLeft[C->nPool] = nOpen;
  C->aPoolExists[C->nPool] = bExists;
  C->aPoolReread[C->nPool] = 0;
  return C->nPool++;
}

static void cand_free(cand_set *C) {
  for(int i = 0; i < C->nRun; i++) free(C->aRun[i].zDag);
  for(int i = 0; i < C->nPool; i++) free(C->azPool[i]);
  for(int i = 0; i < C->nTi; i++) free(C->aTi[i].zTask);
  free(C->aRun);
  free(C->aTi);
  free(C->azPool);
  free(C->aPoolFull);
  free(C->aPoolOpen);
  free(C->aPoolLeft);
  free(C->aPoolExists);
  free(C->aPoolReread);
  memset(C, 0, sizeof(*C));
}

/* Highest priority first; then the run order (oldest logical date); then
 * the walk (dependency order within a run). */
static int cand_cmp_ctx_runs(const cand_run *aRun, const cand_ti *x, const cand_ti *y) {
  if(x->prio != y->prio) return x->prio > y->prio ? -1 : 1;
  const cand_run *a = &aRun[x->iRun], *b = &aRun[y->iRun];
  int c = run_order(a->logicalDate, a->pk, b->logicalDate, b->pk);
  if(c) return c;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Everything a launch needs, read from the store. */
typedef struct launch_info {
  int64_t tiId, runPk;
  int tryNumber;
  int mapIndex;        /* -1: not mapped */
  int64_t startUs;     /* a rescheduled sensor's first poke, else 0 */
  char zTask[256], zDag[256], zRunId[300], zHash[80];
  int64_t logical, ivStart, ivEnd;
  json_t *pConf;
  json_t *pParams; /* the DAG's params with the conf laid over them (as tasks see them) */
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
  L->mapIndex = pRow->mapIndex;
  L->startUs = pRow->startUs;
  return 0;
}

/* Keeps the launch row of an instance cand_admit just queued, for the
 * launch of this wake (launch_load), in queue order. */
static int launch_keep(void *pCtx, const store_sched_launch_row *pRow) {
  sched *S = pCtx;
  if(S->nPre == S->nPreAlloc) {
    int n = S->nPreAlloc ? S->nPreAlloc * 2 : 16;
    launch_info *a = realloc(S->aPre, sizeof(launch_info) * (size_t)n);
    if(!a) return 0; /* not kept: the launch reads it */
    S->aPre = a;
    S->nPreAlloc = n;
  }
  launch_info *L = &S->aPre[S->nPre++];
  memset(L, 0, sizeof(*L));
  launch_copy(L, pRow);
  return 0;
}

void sched_launch_rows_clear(sched *S) {
  for(int i = S->iPre; i < S->nPre; i++) json_decref(S->aPre[i].pConf);
  S->nPre = S->iPre = 0;
}

static const cand_run *g_candRuns; /* qsort has no context argument in C11 */
static int cand_cmp(const void *a, const void *b) { return cand_cmp_ctx_runs(g_candRuns, a, b); }

static int wait_cmp(const void *a, const void *b) {
  const sched_wait *x = a, *y = b;
  return run_order(x->logicalDate, x->runPk, y->logicalDate, y->runPk);
}

/* The state besides `scheduled` that candidate c may be queued from: a
 * task found ready in this wake is still `none` or `up_for_retry` in the
 * store. NULL: none. */
static const char *cand_from(const cand_ti *c) {
  return c->eFrom == TI_NONE || c->eFrom == TI_UP_FOR_RETRY ? ti_state_name(c->eFrom) : NULL;
}

/* c was queued: the cache, the pool to read ahead next wake, the launch. */
static void cand_queued(sched *S, cand_set *C, cand_ti *c, int64_t **paLaunch, int *pnLaunch) {
  c->bQueued = 1;
  if(!S->zPoolAhead[0]) snprintf(S->zPoolAhead, sizeof(S->zPoolAhead), "%s", C->azPool[c->iPool]);
  sched_cache_set_ti_state(S, C->aRun[c->iRun].pk, c->zTask, c->tiId, TI_QUEUED, 0);
  *paLaunch = realloc(*paLaunch, sizeof(int64_t) * (size_t)(*pnLaunch + 1));
  (*paLaunch)[(*pnLaunch)++] = c->tiId;
}

/* c's pool had not its slots: its run is held (looked at again when a
 * slot frees up), and no candidate of as many slots or more is offered to
 * that pool in this evaluation. bNoPool: the pool does not exist (a
 * line a minute, *pLastWarnUs). */
static void cand_refused(cand_set *C, const cand_ti *c, int bNoPool, int64_t *pLastWarnUs) {
  cand_run *cr = &C->aRun[c->iRun];
  cr->bHeld = 1;
  if(!C->aPoolFull[c->iPool] || c->nSlots < C->aPoolFull[c->iPool]) C->aPoolFull[c->iPool] = c->nSlots;
  int64_t now = airc_now_us();
  if(bNoPool && now - *pLastWarnUs > 60 * INT64_C(1000000)) {
    *pLastWarnUs = now;
    LOG_WARN("DAG '%s': a task waits for pool '%s', which does not exist (airc pools set %s SLOTS)", cr->zDag,
             C->azPool[c->iPool], C->azPool[c->iPool]);
  }
}

/* 1 if candidate c's slots fit what cand_admit has left of its pool, 0 if
 * not (or on a store error: *pRc). The pool's first read may predate this
 * transaction's own writes: on PostgreSQL it rides with the transaction's
 * first statement (store_pool_read_ahead), before the outcomes this wake
 * records, so the slots they freed are not in it. Before a refusal the pool
 * is therefore read again, once per evaluation, less what cand_admit has
 * offered to it since (offers are written by cand_offer_flush, later). */
static int cand_fits(sched *S, cand_set *C, const cand_ti *c, airc_rc *pRc, airc_err *pErr) {
  int iPool = c->iPool;
  if(c->nSlots <= C->aPoolLeft[iPool]) return 1;
  if(C->aPoolReread[iPool]) return 0;
  C->aPoolReread[iPool] = 1;
  int64_t nOpen = 0;
  int bExists = 0;
  if((*pRc = store_pool_open_slots(S->s, C->azPool[iPool], &nOpen, &bExists, pErr))) return 0;
  for(int k = 0; k < C->nTi; k++)
    if(C->aTi[k].bOffered && C->aTi[k].iPool == iPool) nOpen -= C->aTi[k].nSlots;
  C->aPoolLeft[iPool] = nOpen;
  C->aPoolExists[iPool] = bExists;
  return c->nSlots <= nOpen;
}

/* Queues the candidates cand_admit offered to pool iPool, in its order, in
 * one statement on PostgreSQL (store_pool_ti_queue_many). One the store did
 * not queue (its state moved, or the pool's count differed from ours) gives
 * back what cand_admit counted for it and holds its run. */
static airc_rc cand_offer_flush(sched *S, cand_set *C, tis_counts *TC, int iPool, int64_t *pLastWarnUs,
                                int64_t **paLaunch, int *pnLaunch, airc_err *pErr) {
  int n = 0;
  for(int k = 0; k < C->nTi; k++) n += C->aTi[k].bOffered && C->aTi[k].iPool == iPool;
  if(!n) return AIRC_OK;
  store_pool_queue_item *a = calloc((size_t)n, sizeof(*a));
  if(!a) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  for(int k = 0, i = 0; k < C->nTi; k++) {
    const cand_ti *c = &C->aTi[k];
    if(c->bOffered && c->iPool == iPool) a[i++] = (store_pool_queue_item){c->tiId, cand_from(c), c->nSlots, 0};
  }
  int bNoPool = 0;
  airc_rc rc = store_pool_ti_queue_many(S->s, C->azPool[iPool], a, n, airc_now_us(), &bNoPool, launch_keep, S, pErr);
  for(int k = 0, i = 0; !rc && k < C->nTi; k++) {
    cand_ti *c = &C->aTi[k];
    if(!c->bOffered || c->iPool != iPool) continue;
    c->bOffered = 0;
    if(a[i++].bQueued) {
      cand_queued(S, C, c, paLaunch, pnLaunch);
      continue;
    }
    cand_run *cr = &C->aRun[c->iRun];
    S->loads.nGlobal--;
    S->loads.a[cr->iLoad].nActive--;
    int *pnTis = NULL;
    if(c->maxActiveTis && !(rc = tis_count(S, TC, cr->zDag, c->zTask, &pnTis, pErr))) (*pnTis)--;
    cand_refused(C, c, bNoPool, pLastWarnUs);
  }
  free(a);
  return rc;
}

/* Queues the candidates, highest priority first, while parallelism, each
 * DAG's max_active_tasks and each pool allow: each pool's open slots as
 * read in this transaction (cand_pool; read again before a refusal:
 * cand_fits), offered in order and queued pool by pool (cand_offer_flush;
 * the store checks them again). Runs with a
 * candidate held back join S->aWait (kept in run order). */
static airc_rc cand_admit(sched *S, cand_set *C, tis_counts *TC, int64_t **paLaunch, int *pnLaunch, airc_err *pErr) {
  static int64_t lastWarnUs; /* a missing pool is worth a line a minute, not one a wake */
  dag_loads *DL = &S->loads;
  airc_rc rc = AIRC_OK;
  g_candRuns = C->aRun;
  if(C->nTi > 1) qsort(C->aTi, (size_t)C->nTi, sizeof(cand_ti), cand_cmp);
  for(int k = 0; !rc && k < C->nTi; k++) {
    cand_ti *c = &C->aTi[k];
    cand_run *cr = &C->aRun[c->iRun];
    dag_load *l = &DL->a[cr->iLoad];
    if(DL->nGlobal >= S->parallelism || l->nActive >= l->nMax ||
       (C->aPoolFull[c->iPool] && c->nSlots >= C->aPoolFull[c->iPool])) {
      cr->bHeld = 1; /* look again when a slot frees up */
      continue;
    }
    int *pnTis = NULL;
    if(c->maxActiveTis) {
      /* max_active_tis_per_dag: this task's instances in all the DAG's runs */
      rc = tis_count(S, TC, cr->zDag, c->zTask, &pnTis, pErr);
      if(rc) break;
      if(*pnTis >= c->maxActiveTis) {
        cr->bHeld = 1;
        continue;
      }
    }
    if(S->opts.onlyRunPk) {
      /* `airc dags test` runs its run alone, without pools (as Airflow's) */
      rc = store_sched_ti_queue(S->s, c->tiId, cand_from(c), airc_now_us(), pErr);
      if(rc) break;
      cand_queued(S, C, c, paLaunch, pnLaunch);
    } else if(!cand_fits(S, C, c, &rc, pErr)) {
      if(rc) break;
      cand_refused(C, c, !C->aPoolExists[c->iPool], &lastWarnUs);
      continue;
    } else {
      C->aPoolLeft[c->iPool] -= c->nSlots;
      c->bOffered = 1; /* counted as queued; cand_offer_flush tells */
    }
    if(pnTis) (*pnTis)++;
    DL->nGlobal++;
    l->nActive++;
  }
  for(int iPool = 0; !rc && iPool < C->nPool; iPool++)
    rc = cand_offer_flush(S, C, TC, iPool, &lastWarnUs, paLaunch, pnLaunch, pErr);
  /* the ones held back that this wake made `scheduled`: written now, once */
  for(int k = 0; !rc && k < C->nTi; k++)
    if(!C->aTi[k].bQueued && (C->aTi[k].eFrom == TI_NONE || C->aTi[k].eFrom == TI_UP_FOR_RETRY))
      rc = store_sched_ti_hold(S->s, C->aTi[k].tiId, ti_state_name(C->aTi[k].eFrom), airc_now_us(), pErr);
  int bAdded = 0;
  for(int i = 0; !rc && i < C->nRun; i++) {
    if(!C->aRun[i].bHeld) continue;
    wait_push(&S->aWait, &S->nWait, &S->nWaitAlloc, C->aRun[i].pk, C->aRun[i].logicalDate, C->aRun[i].zDag);
    C->aRun[i].zDag = NULL;
    bAdded = 1;
  }
  if(bAdded && S->nWait > 1) qsort(S->aWait, (size_t)S->nWait, sizeof(sched_wait), wait_cmp);
  return rc;
}

/* A dirty run this wake's take read already (S->aRunSeen, distributed):
 * added to R if active. 1 if it was there, 0 if it must be read. */
static int run_seen_use(sched *S, int64_t runPk, active_runs *R) {
  const struct sched_run_seen *r = sched_run_seen_find(S, runPk);
  if(r && r->bActive) {
    store_sched_run_row row = {r->pk, r->zDag, r->zRunId, r->zState, r->zHash, r->bPaused, r->logicalDate};
    active_run_add(R, &row);
  }
  return r != NULL;
}

/* Evaluates the runs whose inputs changed, then queues what the limits
 * allow, oldest logical date first. Which runs are looked at:
 *  - every active run when S->bAllDirty (start, another process wrote,
 *    a retry is due, the cache was dropped);
 *  - otherwise the dirty runs (a result, a reaped supervisor, a new run),
 *    the queued runs when a run ended (S->bQueuedDirty), and, while
 *    slots are free, the runs waiting for one (S->aWait) in order until
 *    the slots are taken again.
 * So the work of a wake grows with what changed, not with the number of
 * active runs. A run whose `scheduled` tasks a limit held back joins
 * S->aWait; one that queued them all, ended or went away leaves it. */
airc_rc sched_evaluate_runs(sched *S, int64_t **paLaunch, int *pnLaunch, airc_err *pErr) {
  sched_launch_rows_clear(S); /* an earlier wake's, not launched (its transaction failed) */
  S->zPoolAhead[0] = 0; /* set again if this wake queues */
  if(S->bReloadStates) {
    sched_cache_clear(S); /* also asks for a full evaluation */
    S->bReloadStates = 0;
  }
  int bFull = S->bAllDirty || S->opts.onlyRunPk;
  active_runs R = {S, NULL, 0, 0, {0}};
  airc_rc rc = AIRC_OK;
  if(bFull) {
    for(int i = 0; i < S->nWait; i++) free(S->aWait[i].zDag);
    S->nWait = 0;
    sched_pkmap_clear(&S->waitSet);
    rc = store_sched_run_each_active(S->s, S->opts.onlyRunPk, active_run_add, &R, pErr);
  } else {
    if(S->bQueuedDirty) rc = store_sched_run_each_queued(S->s, active_run_add, &R, pErr);
    for(int i = 0; !rc && i < S->nDirty; i++)
      if(sched_pkmap_get(&R.seen, S->aDirtyRun[i]) < 0 && !run_seen_use(S, S->aDirtyRun[i], &R))
        rc = store_sched_run_get_active(S->s, S->aDirtyRun[i], active_run_add, &R, pErr);
    if(R.n > 1) {
      qsort(R.a, (size_t)R.n, sizeof(run_row), run_row_cmp);
      for(int i = 0; i < R.n; i++) sched_pkmap_put(&R.seen, R.a[i].pk, i);
    }
  }
  sched_run_seen_clear(S); /* the take's runs: this wake's only */
  /* queued+running counts: kept by the scheduler's own writes, re-read
   * only when they may be out of step (start, rollback, another process
   * wrote, the sweep): not a walk of every running task per wake */
  dag_loads *DL = &S->loads;
  if(!rc && !S->bLoadsValid) rc = loads_reload(S, pErr);
  for(int i = 0; i < DL->n; i++) DL->a[i].nRuns = -1;
  if(bFull)
    for(int i = 0; i < R.n; i++)
      if(!strcmp(R.a[i].zState, "running")) {
        dag_load *l = load_find(DL, R.a[i].zDag);
        l->nRuns = (l->nRuns < 0 ? 0 : l->nRuns) + 1;
      }

  /* the waiting runs, rebuilt as the walk goes */
  sched_wait *aOld = S->aWait;
  int nOld = S->nWait, iOld = 0;
  S->aWait = NULL;
  S->nWait = S->nWaitAlloc = 0;
  sched_pkmap_clear(&S->waitSet);

  cand_list L = {NULL, 0, 0};
  int iRun = 0;
  cand_set C;
  memset(&C, 0, sizeof(C));
  for(int i = 0; i < DL->n; i++) DL->a[i].nTent = 0;
  run_row one;
  tis_counts TC = {NULL, 0};
  while(!rc && (iRun < R.n || iOld < nOld)) {
    run_row *r;
    char *zWaitDag = NULL; /* owned while r is a waiting run */
    if(iOld < nOld && (iRun >= R.n || run_order(aOld[iOld].logicalDate, aOld[iOld].runPk, R.a[iRun].logicalDate,
                                                 R.a[iRun].pk) < 0)) {
      sched_wait *w = &aOld[iOld++];
      if(sched_pkmap_get(&R.seen, w->runPk) >= 0) {
        free(w->zDag); /* evaluated anyway, in its place among the dirty runs */
        continue;
      }
      dag_load *lw = load_find(DL, w->zDag);
      if(DL->nGlobal + C.nGate >= S->parallelism || lw->nActive + lw->nTent >= lw->nMax) {
        wait_push(&S->aWait, &S->nWait, &S->nWaitAlloc, w->runPk, w->logicalDate, w->zDag); /* no slot yet */
        continue;
      }
      active_runs R1 = {S, NULL, 0, 0, {0}};
      rc = store_sched_run_get_active(S->s, w->runPk, active_run_add, &R1, pErr);
      sched_pkmap_free(&R1.seen);
      if(rc || !R1.n) {
        free(R1.a);
        free(w->zDag); /* ended or went away */
        continue;
      }
      one = R1.a[0];
      free(R1.a);
      r = &one;
      zWaitDag = w->zDag;
    } else {
      r = &R.a[iRun++];
    }
    if(r->bPaused) {
      free(zWaitDag);
      continue;
    }
    sched_version *v = sched_version_get(S, r->zHash, pErr);
    if(!v) {
      rc = pErr->rc;
      free(zWaitDag);
      break;
    }
    dag_load *l = load_find(DL, r->zDag);
    l->nMax = v->d->maxActiveTasks;
    if(!strcmp(r->zState, "queued")) {
      if(l->nRuns < 0) rc = store_sched_dag_running_runs(S->s, r->zDag, &l->nRuns, pErr);
      if(!rc && l->nRuns >= v->d->maxActiveRuns && !S->opts.onlyRunPk) {
        free(zWaitDag);
        continue;
      }
      int bMay = 1; /* a backfill's own limit and pause */
      if(!rc && !S->opts.onlyRunPk) rc = store_backfill_run_may_start(S->s, r->pk, &bMay, pErr);
      if(!rc && !bMay) {
        free(zWaitDag);
        continue;
      }
      l->nRuns++;
      if(!rc) rc = set_run_state(S, r->pk, "running", 0, pErr);
      snprintf(r->zState, sizeof(r->zState), "running");
      if(rc) {
        free(zWaitDag);
        break;
      }
    }
    int nBefore = L.n;
    rc = evaluate_run(S, r, v, &L, pErr);
    /* candidates: queued below (cand_admit), highest priority first */
    if(!rc && L.n > nBefore) {
      if(C.nRun == C.nRunAlloc) {
        C.nRunAlloc = C.nRunAlloc ? C.nRunAlloc * 2 : 16;
        C.aRun = realloc(C.aRun, sizeof(cand_run) * (size_t)C.nRunAlloc);
      }
      C.aRun[C.nRun] = (cand_run){r->pk, r->logicalDate, zWaitDag ? zWaitDag : strdup(r->zDag), (int)(l - DL->a), 0};
      zWaitDag = NULL;
      for(int k = nBefore; !rc && k < L.n; k++) {
        if(C.nTi == C.nTiAlloc) {
          C.nTiAlloc = C.nTiAlloc ? C.nTiAlloc * 2 : 64;
          C.aTi = realloc(C.aTi, sizeof(cand_ti) * (size_t)C.nTiAlloc);
        }
        const cand_found *f = &L.a[k];
        const dag_task *t = &v->d->aTask[f->iTask];
        int iPool = cand_pool(S, &C, t->zPool ? t->zPool : DAG_DEFAULT_POOL, pErr);
        if(iPool < 0) {
          rc = pErr->rc;
          break;
        }
        int nSlots = t->poolSlots > 0 ? t->poolSlots : 1;
        C.aTi[C.nTi] = (cand_ti){f->tiId, v->aPrio ? v->aPrio[f->iTask] : 1, C.nRun, f->iTask, iPool, nSlots,
                                 C.nTi, t->maxActiveTis, strdup(t->zId), f->eFrom, 0, 0};
        C.nTi++;
        /* a candidate its pool cannot take does not count against the
         * limits: runs waiting with work for other pools are still looked at */
        if(C.aPoolOpen[iPool] >= nSlots) {
          C.aPoolOpen[iPool] -= nSlots;
          C.nGate++;
          l->nTent++;
        }
      }
      C.nRun++;
    }
    free(zWaitDag);
  }
  if(!rc) rc = cand_admit(S, &C, &TC, paLaunch, pnLaunch, pErr);
  cand_free(&C);
  for(int i = 0; i < DL->n; i++) DL->a[i].nTent = 0;
  for(; iOld < nOld; iOld++) free(aOld[iOld].zDag); /* only after an error: a full walk follows */
  free(aOld);
  for(int i = 0; i < S->nWait; i++) sched_pkmap_put(&S->waitSet, S->aWait[i].runPk, i);
  if(rc) sched_cache_clear(S);
  /* cand_admit queued them: the try number and `queued` are committed
   * before the fork */
  free(L.a);
  free(R.a);
  free(TC.a);
  sched_pkmap_free(&R.seen);
  return rc;
}

static int launch_add_xcom(void *pCtx, const char *zTaskId, int mapIndex, const char *zValue) {
  launch_info *L = pCtx;
  return xcom_add(L->pXcomAll, zTaskId, mapIndex, zValue);
}

/* The item of a mapped task instance (borrowed from t or pXcomAll), NULL
 * for an unmapped one. */
static json_t *launch_item(const dag_task *t, const launch_info *L) {
  if(L->mapIndex < 0) return NULL;
  json_t *pList = t->pExpandList ? t->pExpandList : json_object_get(L->pXcomAll, t->zExpandTask ? t->zExpandTask : "");
  json_t *pItem = json_array_get(pList, (size_t)L->mapIndex);
  return pItem ? pItem : json_null();
}

/* Fills *L (its JSON values owned by L, also on error). */
static airc_rc launch_load(sched *S, int64_t tiId, launch_info *L, airc_err *pErr) {
  memset(L, 0, sizeof(*L));
  airc_rc rc = AIRC_OK;
  if(S->iPre < S->nPre && S->aPre[S->iPre].tiId == tiId) {
    *L = S->aPre[S->iPre++]; /* returned by its queue update: its conf is now L's */
  } else {
    rc = store_sched_ti_get_launch(S->s, tiId, launch_copy, L, pErr);
    if(rc) return rc;
  }
  sched_run_cache *pc = NULL;
  pc = run_cache_find(S, L->runPk);
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

/* The local executor's chains (a pool member continues them, exec_spawn.h):
 * the request is a memfd, of any size. A launch carries this many links,
 * rendered on its path (about 20 us each for a `true` task); the rest come
 * as extensions while the member runs them (sched_chain_extend_due), off
 * the path */
#define CHAIN_LOCAL_LINKS_MAX EXEC_CHAIN_LINKS_MAX /* exec_pool.h */
static json_t *chain_links(sched *S, sched_version *v, int iT, const launch_info *L, const task_secrets *pSec,
                           const char *zQueue, size_t nBytes, int nLinksMax, size_t nBytesMax);

static void child_add(sched *S, pid_t pid, int64_t tiId, int tryNumber) {
  if(S->nChild == S->nChildAlloc) {
    S->nChildAlloc = S->nChildAlloc ? S->nChildAlloc * 2 : 64;
    S->aChild = realloc(S->aChild, sizeof(sched_child) * (size_t)S->nChildAlloc);
  }
  S->aChild[S->nChild++] = (sched_child){pid, tiId, tryNumber, 0, 0, 0, 0, 0};
}

airc_rc sched_launch(sched *S, const int64_t *aTi, int nTi, airc_err *pErr) {
  sched_launched *aAll = realloc(S->aLaunched, sizeof(sched_launched) * (size_t)(S->nLaunched + nTi + 1));
  if(!aAll) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  S->aLaunched = aAll;
  sched_launched *aL = &aAll[S->nLaunched];
  memset(aL, 0, sizeof(sched_launched) * (size_t)nTi);
  S->nLaunched += nTi;
  airc_rc rc = AIRC_OK;
  /* connections and variables, once per batch: templates, $AIRC_VAR_*, and
   * the secrets the supervisors mask */
  airc_err secErr = {0};
  int bSecFail = launch_secrets(S, &secErr) != AIRC_OK;
  const task_secrets sec = S->secrets; /* borrowed: kept for later launches */
  for(int i = 0; i < nTi; i++) {
    launch_info L;
    airc_err lerr = {0};
    aL[i].tiId = aTi[i];
    if(launch_load(S, aTi[i], &L, &lerr)) {
      snprintf(aL[i].zFail, sizeof(aL[i].zFail), "%s", lerr.zMsg);
      json_decref(L.pConf);
      json_decref(L.pParams);
      json_decref(L.pXcomAll);
      continue;
    }
    aL[i].tryNumber = L.tryNumber;
    sched_version *v = sched_version_get(S, L.zHash, &lerr);
    if(v) L.pParams = param_schema_effective(v->d->pParams, L.pConf);
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
                         L.pParams, L.pConf, L.pXcomAll, sec.pConn, sec.pVar, launch_item(t, &L), L.mapIndex};
      const task_type *pType = task_type_find(t->zType);
      json_t *pOpts = bSecFail ? NULL : template_render_object(&tc, t->pOptions, pType ? pType->schema.azShellKeys : NULL, &lerr);
      if(pOpts && task_type_apply_conn(pType, sec.pConn, pOpts, &lerr)) { /* conn = NAME */
        json_decref(pOpts);
        pOpts = NULL;
      }
      if(bSecFail) {
        snprintf(aL[i].zFail, sizeof(aL[i].zFail), "connections and variables: %s", secErr.zMsg);
      } else if(!pOpts) {
        snprintf(aL[i].zFail, sizeof(aL[i].zFail), "%s", lerr.zMsg);
      } else {
        exec_log_path_mapped(L.zDag, L.zRunId, L.zTask, L.mapIndex, L.tryNumber, aL[i].zLog, sizeof(aL[i].zLog));
        exec_request req;
        memset(&req, 0, sizeof(req));
        req.tiId = aTi[i];
        req.pType = pType;
        req.ctx = (task_ctx){L.zDag, L.zRunId, L.zTask, L.tryNumber, L.logical, L.ivStart, L.ivEnd,
                             pOpts, L.pParams, L.pConf, pUp, NULL, airc_home()};
        req.tctx = tc;
        req.zLogPath = aL[i].zLog;
        const char *zCwd = json_string_value(json_object_get(pOpts, "cwd"));
        req.zCwd = zCwd && *zCwd ? zCwd : airc_home();
        req.timeoutSec = t->executionTimeout;
        req.killGraceSec = S->killGraceSec;
        req.maxLogBytes = S->maxLogBytes;
        req.pMask = sec.pMask;
        /* the chain after it, for its pool member to continue (exec_spawn.h) */
        json_t *pChain = S->bContinueLocal && req.pType
                             ? chain_links(S, v, ti, &L, &sec, t->zQueue ? t->zQueue : "default", 0, CHAIN_LOCAL_LINKS_MAX, 0)
                             : NULL;
        req.pChain = pChain;
        if(!req.pType) {
          snprintf(aL[i].zFail, sizeof(aL[i].zFail), "unknown task type '%s'", t->zType);
        } else if(req.pType == &task_type_sensor) {
          /* the scheduler pokes it itself: no process (sched_sensor.c) */
          int64_t now = airc_now_us();
          aL[i].startUs = L.startUs ? L.startUs : now;
          aL[i].pid = 0;
          sched_sensor_launch sl = {aTi[i], L.runPk, L.tryNumber, L.zDag, L.zTask, aL[i].zLog, pOpts, sec.pConn,
                                    L.logical, aL[i].startUs, !L.startUs};
          if(!sched_sensor_start(S, &sl, aL[i].zFail, sizeof(aL[i].zFail)) && S->opts.bPrintProgress) {
            printf("%-16s %s (try %d)\n", "running", L.zTask, L.tryNumber);
            fflush(stdout);
          }
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
        json_decref(pChain);
        json_decref(pOpts);
      }
      json_decref(pUp);
    }
    json_decref(L.pConf);
    json_decref(L.pParams);
    json_decref(L.pXcomAll);
  }
  /* the forks happened: from here on they are only recorded, now or (the
   * store busy) by the next iteration, never lost nor forked again */
  rc = store_begin(S->s, pErr);
  const int bInStep = !rc && store_change_counter(S->s) == S->ownCounter; /* nobody else wrote since */
  if(!rc) rc = sched_launch_record(S, pErr);
  if(!rc) rc = store_commit(S->s, pErr);
  else store_rollback(S->s);
  if(!rc && bInStep) S->ownCounter = store_change_counter(S->s); /* our own commit: no news */
  if(!rc) S->nLaunched = 0;
  return rc;
}

airc_rc sched_launch_record(sched *S, airc_err *pErr) {
  airc_rc rc = AIRC_OK;
  const sched_launched *aL = S->aLaunched;
  for(int i = 0; !rc && i < S->nLaunched; i++) {
    if(aL[i].zFail[0]) {
      rc = sched_record_outcome(S, aL[i].tiId, aL[i].tryNumber, "failed", -1, 0, airc_now_us(), 0,
                                aL[i].zFail, NULL, pErr);
      continue;
    }
    rc = store_sched_ti_set_running(S->s, aL[i].tiId, aL[i].pid, aL[i].startUs, aL[i].zLog, pErr);
  }
  return rc;
}

/* ---- the distributed executor: a launch is a row for a worker ---- */

/* The launch request of task t for L: a new JSON object (NULL: out of
 * memory). pOpts: t's options as rendered, pUp: its upstreams' XCom
 * values, tc: the context they were rendered in (all borrowed). The
 * worker writes the log under its own log folder: the path here only
 * fills the field. */
static json_t *launch_request_json(sched *S, const dag_task *t, const task_type *pType, json_t *pOpts,
                                   const launch_info *L, json_t *pUp, const template_ctx *tc,
                                   const task_secrets *pSec) {
  char zLog[4400];
  exec_log_path_mapped(L->zDag, L->zRunId, L->zTask, L->mapIndex, L->tryNumber, zLog, sizeof(zLog));
  exec_request req;
  memset(&req, 0, sizeof(req));
  req.tiId = L->tiId;
  req.pType = pType;
  req.ctx = (task_ctx){L->zDag, L->zRunId, L->zTask, L->tryNumber, L->logical, L->ivStart, L->ivEnd,
                       pOpts, L->pParams, L->pConf, pUp, NULL, airc_home()};
  req.tctx = *tc;
  req.zLogPath = zLog;
  const char *zCwd = json_string_value(json_object_get(pOpts, "cwd"));
  req.zCwd = zCwd && *zCwd ? zCwd : NULL; /* NULL: the worker's $AIRC_HOME */
  req.timeoutSec = t->executionTimeout;
  req.killGraceSec = S->killGraceSec;
  req.maxLogBytes = S->maxLogBytes;
  req.pMask = pSec->pMask;
  return exec_request_json(&req);
}

/* Continuations: how many next tries of a chain one queued try carries
 * (the chain's rest comes back to the scheduler after that many), and how
 * many bytes of request in all: a hand-over's wake-up carries a request
 * up to WORK_PUSH_REQUEST_MAX (7000) bytes; a longer one costs the worker
 * a read of the store, and the rendering sits between the try's queuing
 * and its commit (measured: 16 links of about 800 bytes took the p99 of
 * queued -> started to 4.2-5.6 ms, docs/benchmarks.md) */
#define CHAIN_LINKS_MAX 16
#define CHAIN_BYTES_MAX 6000

/* 1 if some template of options p names what may change while the
 * upstream runs, or what a worker's render-ahead cannot know: XCom
 * values, variables, connections, the task instance. Conservative: a
 * word inside any {{ }} or {% %}, and the `conn` option. */
static int options_render_late(const json_t *p) {
  if(json_object_get(p, "conn")) return 1;
  char *z = json_dumps(p, JSON_COMPACT);
  if(!z) return 1;
  static const char *const azWord[] = {"xcom", "var", "conn", "task_instance", "ti.", "ti[", "ti|", "ti "};
  int bLate = 0;
  for(const char *q = z; !bLate && (q = strchr(q, '{')) != NULL; q++) {
    if(q[1] != '{' && q[1] != '%') continue;
    const char *e = strstr(q + 2, q[1] == '{' ? "}}" : "%}");
    size_t n = e ? (size_t)(e - q) : strlen(q);
    for(size_t w = 0; !bLate && w < sizeof(azWord) / sizeof(azWord[0]); w++)
      bLate = memmem(q, n, azWord[w], strlen(azWord[w])) != NULL;
  }
  free(z);
  return bLate;
}

/* The link of the chain after task iT of v, whose try L this wake queues
 * or hands to a worker (docs/scaling.md, "A worker continues a chain"):
 * its one downstream M, rendered now as its first try, for the worker
 * that runs L to queue and start itself in the statement that records L's
 * success, fenced there by M's state and try, the run, the DAG's pause
 * and this scheduler's lease. *piM = M's task index. NULL when M may not
 * be continued: t is not a plain `shell` task with one downstream; M has
 * another upstream, another trigger rule than all_success, another type,
 * queue, pool or slot count, a per-DAG limit, mapping, templates that need
 * XCom, variables, connections or the task instance (options_render_late),
 * or is not `none`/`scheduled` in this scheduler's cache. L becomes M's
 * launch (*pL: its JSON values stay the caller's). */
static json_t *chain_link(sched *S, sched_version *v, int iT, launch_info *pL, const task_secrets *pSec,
                          const char *zQueue, int *piM) {
  const dag_task *t = &v->d->aTask[iT];
  if(pL->mapIndex >= 0 || t->nDownstream != 1 || strcmp(t->zType, "shell") || t->zExpandTask || t->pExpandList)
    return NULL;
  const int iM = t->aiDownstream[0];
  const dag_task *m = &v->d->aTask[iM];
  const char *zPoolT = t->zPool ? t->zPool : DAG_DEFAULT_POOL, *zPoolM = m->zPool ? m->zPool : DAG_DEFAULT_POOL;
  if(m->nUpstream != 1 || m->rule != TRIGGER_ALL_SUCCESS || strcmp(m->zType, "shell") || m->zExpandTask ||
     m->pExpandList || m->maxActiveTis || strcmp(m->zQueue ? m->zQueue : "default", zQueue) ||
     strcmp(zPoolM, zPoolT) || m->poolSlots != t->poolSlots || options_render_late(m->pOptions))
    return NULL;
  sched_run_cache *pc = run_cache_find(S, pL->runPk);
  if(!pc || strcmp(pc->zHash, v->zHash) || iM >= pc->nTask || !pc->aTiId[iM] ||
     (pc->aState[iM] != TI_NONE && pc->aState[iM] != TI_SCHEDULED) || (pc->apMap && pc->apMap[iM]))
    return NULL;
  const task_type *pType = task_type_find(m->zType);
  if(!pType) return NULL;
  pL->tiId = pc->aTiId[iM];
  snprintf(pL->zTask, sizeof(pL->zTask), "%s", m->zId);
  pL->tryNumber = 1; /* its first try: the worker's statement checks that it has had none */
  pL->mapIndex = -1;
  pL->startUs = 0;
  template_ctx tc = {pL->zDag, pL->zRunId, pL->zTask, pL->tryNumber, pL->logical, pL->ivStart, pL->ivEnd,
                     pL->pParams, pL->pConf, pL->pXcomAll, pSec->pConn, pSec->pVar, NULL, -1};
  airc_err err = {0};
  json_t *pOpts = template_render_object(&tc, m->pOptions, pType->schema.azShellKeys, &err);
  if(!pOpts) return NULL; /* the scheduler's own launch reports it */
  json_t *pUp = json_object(); /* its one upstream continues it only when it wrote no XCom */
  json_t *pReq = pUp ? launch_request_json(S, m, pType, pOpts, pL, pUp, &tc, pSec) : NULL;
  json_decref(pOpts);
  json_decref(pUp);
  if(!pReq) return NULL;
  *piM = iM;
  return json_pack("{sI sI ss ss sI ss ss so}", "ti", (json_int_t)pL->tiId, "try", (json_int_t)pL->tryNumber,
                   "queue", zQueue, "pool", zPoolM, "pool_slots", (json_int_t)m->poolSlots, "holder",
                   S->zLeaseHolder, "lease", S->zLeaseToken, "request", pReq);
}

/* The chain after task iT for launch L, whose own request is nBytes
 * long: up to nLinksMax links (chain_link), in order, as a JSON array, as
 * long as the request stays within nBytesMax (0: no cap); NULL if none. */
static json_t *chain_links(sched *S, sched_version *v, int iT, const launch_info *L, const task_secrets *pSec,
                           const char *zQueue, size_t nBytes, int nLinksMax, size_t nBytesMax) {
  launch_info LM = *L; /* its JSON values are L's, borrowed */
  json_t *pChain = NULL;
  for(int n = 0, i = iT; n < nLinksMax; n++) {
    json_t *pLink = chain_link(S, v, i, &LM, pSec, zQueue, &i);
    if(!pLink) break;
    if(nBytesMax) {
      char *z = json_dumps(pLink, JSON_COMPACT);
      nBytes += z ? strlen(z) + 1 : nBytesMax;
      free(z);
      if(nBytes > nBytesMax) {
        json_decref(pLink);
        break;
      }
    }
    if(!pChain && !(pChain = json_array())) {
      json_decref(pLink);
      break;
    }
    json_array_append_new(pChain, pLink);
  }
  return pChain;
}

/* A member's chain is topped up (to CHAIN_LOCAL_LINKS_MAX) when it holds
 * at most this many links: an extension then carries about 16 links, which
 * the member parses while a task of its runs (exec_spawn.c; about 20 us a
 * link), and 16 links (at least 16 ms of `true` tasks, three reads of
 * continued results) is the margin before the chain would run out. Measured
 * against topping up at 28 (an extension every 4-6 links, each with its own
 * store read and memfd): 4 of 6 rounds faster, the scheduler's CPU per task
 * 195 -> 182 us (docs/benchmarks.md) */
#define CHAIN_EXTEND_AT EXEC_CHAIN_EXTEND_AT /* exec_pool.h: a member rings then */

/* Renders the links after c's chain's last and sends them to c. */
static void chain_extend(sched *S, sched_child *c) {
  launch_info L;
  airc_err err = {0};
  json_t *pChain = NULL;
  if(!launch_load(S, c->chainTailTi, &L, &err) && !launch_secrets(S, &err)) {
    sched_version *v = sched_version_get(S, L.zHash, &err);
    const int iT = v ? sched_version_task(v, L.zTask) : -1;
    if(iT >= 0) {
      const dag_task *t = &v->d->aTask[iT];
      L.pParams = param_schema_effective(v->d->pParams, L.pConf);
      pChain = chain_links(S, v, iT, &L, &S->secrets, t->zQueue ? t->zQueue : "default", 0,
                           CHAIN_LOCAL_LINKS_MAX - c->chainLeft, 0);
    }
  }
  json_decref(L.pConf);
  json_decref(L.pParams);
  json_decref(L.pXcomAll);
  if(!pChain) return; /* the chain ends there: it comes back to us */
  json_t *pExt = json_pack("{sI sI so}", "after_ti", (json_int_t)c->chainTailTi, "after_try",
                           (json_int_t)c->chainTailTry, "chain", pChain);
  char *z = pExt ? json_dumps(pExt, JSON_COMPACT) : NULL;
  json_decref(pExt);
  int fd = z ? exec_text_memfd(z) : -1;
  if(fd >= 0 && exec_pool_extend(S->pPool, c->pid, fd)) S->nExtended++; /* --stats-file: "extended" */
  if(fd >= 0) close(fd);
  free(z);
}

void sched_chain_extend_due(sched *S) {
  for(int i = 0; i < S->nChild; i++) {
    sched_child *c = &S->aChild[i];
    if(!c->bChainNews) continue;
    c->bChainNews = 0;
    if(!S->bContinueLocal || c->chainLeft > CHAIN_EXTEND_AT || c->chainTailTi <= 0 || c->extAfterTi == c->chainTailTi)
      continue;
    c->extAfterTi = c->chainTailTi; /* once per last link, sent or not */
    chain_extend(S, c);
  }
}

/* Renders the launch request of task instance tiId (committed `queued` in
 * this same transaction) and leaves it in the store for a worker of the
 * task's queue (store_work.h). A request that cannot be rendered fails the
 * try as a failed fork would. Inside the caller's transaction. */
static airc_rc enqueue_one(sched *S, int64_t tiId, const task_secrets *pSec, airc_err *pErr) {
  launch_info L;
  airc_err lerr = {0};
  char zFail[1200] = "";
  airc_rc rc = AIRC_OK;
  if(launch_load(S, tiId, &L, &lerr)) {
    json_decref(L.pConf);
    json_decref(L.pParams);
    json_decref(L.pXcomAll);
    if(airc_rc_is_transient(lerr.rc)) {
      *pErr = lerr;
      return lerr.rc;
    }
    return sched_record_outcome(S, tiId, L.tryNumber, "failed", -1, 0, airc_now_us(), 0, lerr.zMsg, NULL, pErr);
  }
  sched_version *v = sched_version_get(S, L.zHash, &lerr);
  if(v) L.pParams = param_schema_effective(v->d->pParams, L.pConf);
  int ti = v ? sched_version_task(v, L.zTask) : -1;
  if(ti < 0) {
    snprintf(zFail, sizeof(zFail), "task '%s' is not in the run's DAG version", L.zTask);
  } else {
    const dag_task *t = &v->d->aTask[ti];
    json_t *pUp = json_object();
    for(int u = 0; u < t->nUpstream; u++) {
      json_t *x = json_object_get(L.pXcomAll, t->azUpstream[u]);
      if(x) json_object_set(pUp, t->azUpstream[u], x);
    }
    template_ctx tc = {L.zDag, L.zRunId, L.zTask, L.tryNumber, L.logical, L.ivStart, L.ivEnd,
                       L.pParams, L.pConf, L.pXcomAll, pSec->pConn, pSec->pVar, launch_item(t, &L), L.mapIndex};
    const task_type *pType = task_type_find(t->zType);
    json_t *pOpts = template_render_object(&tc, t->pOptions, pType ? pType->schema.azShellKeys : NULL, &lerr);
    if(pOpts && task_type_apply_conn(pType, pSec->pConn, pOpts, &lerr)) { /* conn = NAME */
      json_decref(pOpts);
      pOpts = NULL;
    }
    if(!pType) {
      snprintf(zFail, sizeof(zFail), "unknown task type '%s'", t->zType);
    } else if(!pOpts) {
      snprintf(zFail, sizeof(zFail), "%s", lerr.zMsg);
    } else if(pType == &task_type_sensor) {
      /* sensors need no worker: this scheduler pokes them (sched_sensor.c) */
      char zLog[4400];
      exec_log_path_mapped(L.zDag, L.zRunId, L.zTask, L.mapIndex, L.tryNumber, zLog, sizeof(zLog));
      int64_t startUs = L.startUs ? L.startUs : airc_now_us();
      sched_sensor_launch sl = {tiId, L.runPk, L.tryNumber, L.zDag, L.zTask, zLog, pOpts, pSec->pConn,
                                L.logical, startUs, !L.startUs};
      if(!sched_sensor_start(S, &sl, zFail, sizeof(zFail)))
        rc = store_sched_ti_set_running(S->s, tiId, 0, startUs, zLog, pErr);
    } else {
      json_t *pReq = launch_request_json(S, t, pType, pOpts, &L, pUp, &tc, pSec);
      const char *zQueue = t->zQueue ? t->zQueue : "default";
      char zToken[UUID_STR_LEN];
      const int bSameQueue = !strcmp(zQueue, S->zPreferQueue);
      const int bHand = bSameQueue && S->nPushLeft > 0 && !uuid_random_v4(zToken);
      if(pReq && S->bContinueChains && t->nDownstream == 1 && store_work_can_assign(S->s)) {
        /* the worker that runs it may move its chain on itself */
        char *zOwn = json_dumps(pReq, JSON_COMPACT);
        json_t *pChain = zOwn ? chain_links(S, v, ti, &L, pSec, zQueue, strlen(zOwn), CHAIN_LINKS_MAX, CHAIN_BYTES_MAX) : NULL;
        free(zOwn);
        if(pChain) json_object_set_new(pReq, "chain", pChain);
      }
      char *zReq = pReq ? json_dumps(pReq, JSON_COMPACT) : NULL;
      json_decref(pReq);
      if(!zReq) {
        snprintf(zFail, sizeof(zFail), "cannot serialise the task request");
      } else {
        if(bHand) {
          /* the worker that ran an upstream has a free slot: the try is
           * its own at once, under a token that begins as that worker
           * process's (store_work.h, "A try handed straight to one worker") */
          memcpy(zToken, S->zPushPrefix, STORE_WORK_PREFIX_LEN);
          int64_t now = airc_now_us();
          rc = store_work_enqueue_assigned(S->s, tiId, L.tryNumber, zQueue, S->zPreferWorker, zToken,
                                           now + S->workerLeaseUs, zReq, now, pErr);
          S->nPushLeft--;
        } else {
          rc = store_work_enqueue_prefer(S->s, tiId, L.tryNumber, zQueue, bSameQueue ? S->zPreferWorker : NULL, zReq,
                                         airc_now_us(), pErr);
        }
        free(zReq);
        if(!rc && S->opts.bPrintProgress) {
          printf("%-16s %s (try %d)\n", "queued", L.zTask, L.tryNumber);
          fflush(stdout);
        }
      }
    }
    json_decref(pOpts);
    json_decref(pUp);
  }
  if(!rc && zFail[0]) rc = sched_record_outcome(S, tiId, L.tryNumber, "failed", -1, 0, airc_now_us(), 0, zFail, NULL, pErr);
  json_decref(L.pConf);
  json_decref(L.pParams);
  json_decref(L.pXcomAll);
  return rc;
}

airc_rc sched_launch_enqueue(sched *S, const int64_t *aTi, int nTi, airc_err *pErr) {
  /* connections and variables, as sched_launch() (kept between batches) */
  airc_rc rc = launch_secrets(S, pErr);
  for(int i = 0; !rc && i < nTi; i++) rc = enqueue_one(S, aTi[i], &S->secrets, pErr);
  return rc;
}
