/* sched_ingest.c: turning finished tries into task instance states.
 *
 * Sources of outcomes: result files written by supervisors (exec_result.h),
 * supervisors that exited without one (reaped children), and tries whose
 * supervisor is gone while the store says queued/running (the zombie
 * sweep, which relies on the try lock: held iff a supervisor lives).
 * Everything here runs inside the scheduler's transaction; result files
 * are deleted by the caller only after the commit. Applying an outcome is
 * idempotent: a result for a try that is not the current one is ignored. */
#include "scheduler/scheduler_int.h"
#include "executor/exec_pool.h"
#include "common/config.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "executor/exec_result.h"
#include "executor/exec_spawn.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sched.h>

airc_rc sched_record_outcome(sched *S, int64_t tiId, int tryNumber, const char *zOutcome, int exitCode,
                             int64_t startUs, int64_t endUs, int pid, const char *zReason,
                             json_t *pXcom, airc_err *pErr) {
  store_sched_ti_current *pCur = malloc(sizeof(*pCur));
  if(!pCur) return airc_err_set(pErr, AIRC_ERR_NOMEM, "record outcome: out of memory");
  airc_rc rc = store_sched_ti_get_current(S->s, tiId, pCur, pErr);
  if(rc == AIRC_ERR_NOTFOUND) {
    airc_err_clear(pErr); /* deleted meanwhile */
    rc = AIRC_OK;
  } else if(!rc) {
    rc = sched_record_outcome_cur(S, pCur, tiId, tryNumber, zOutcome, exitCode, startUs, endUs, pid, zReason, pXcom,
                                  NULL, pErr);
  }
  free(pCur);
  return rc;
}

airc_rc sched_record_outcome_cur(sched *S, const store_sched_ti_current *pCur, int64_t tiId, int tryNumber,
                                 const char *zOutcome, int exitCode, int64_t startUs, int64_t endUs, int pid,
                                 const char *zReason, json_t *pXcom, const char *zHost, airc_err *pErr) {
  airc_rc rc = AIRC_OK;
  const char *zTask = pCur->zTaskId;
  const int maxTries = pCur->maxTries;
  const int64_t runPk = pCur->runPk;
  if(pCur->tryNumber != tryNumber || (strcmp(pCur->zState, "running") && strcmp(pCur->zState, "queued"))) {
    LOG_DEBUG("ignoring stale result of task instance %lld try %d (now %s, try %d)", (long long)tiId,
              tryNumber, pCur->zState, pCur->tryNumber);
    return AIRC_OK;
  }
  if(!startUs) startUs = pCur->startUs ? pCur->startUs : endUs;
  const char *zNew = zOutcome;
  int64_t nextRetry = 0;
  if(!strcmp(zOutcome, "failed") && tryNumber < maxTries) {
    zNew = "up_for_retry";
    sched_version *v = sched_version_get(S, pCur->zDagHash, pErr);
    if(!v) return pErr->rc;
    int i = sched_version_task(v, zTask);
    int64_t delay = 300;
    if(i >= 0) {
      const dag_task *t = &v->d->aTask[i];
      int k = tryNumber - (maxTries - (t->retries + 1)); /* failures in this cycle */
      delay = task_retry_delay(t, k < 1 ? 1 : k);
    }
    nextRetry = endUs + delay * 1000000;
    S->bRetryDirty = 1; /* the earliest retry may be this one */
  }
  store_sched_outcome o = {tiId, tryNumber, zOutcome, zNew, startUs, endUs, exitCode, pid, nextRetry,
                           zReason, pCur->zLogPath, airc_now_us(), zHost && *zHost ? zHost : NULL};
  rc = store_sched_outcome_record(S->s, &o, pErr);
  if(rc) return rc;
  sched_load_add(S, pCur->zDagId, -1); /* it was queued or running (above) */
  rc = sched_notify_task(S, pCur, tryNumber, zNew, zReason, pErr); /* outbox rows, if it has targets */
  if(!rc && !strcmp(zNew, "success")) rc = sched_dataset_events(S, pCur, pErr); /* its outlets */
  if(rc) return rc;
  if(pXcom) {
    char *zVal = json_dumps(pXcom, JSON_COMPACT | JSON_ENCODE_ANY);
    if(zVal) rc = store_sched_xcom_set(S->s, tiId, tryNumber, zVal, airc_now_us(), pErr);
    free(zVal);
    if(rc) return rc;
    sched_cache_set_xcom(S, runPk, zTask, pCur->mapIndex, pXcom);
  }
  if(S->opts.bPrintProgress) {
    printf("%-16s %s%s%s\n", zNew, zTask, zReason && *zReason ? ": " : "", zReason ? zReason : "");
    fflush(stdout);
  }
  LOG_DEBUG("%s.%s (%s) try %d -> %s", pCur->zDagId, zTask, pCur->zRunId, tryNumber, zNew);
  S->aRecent[S->nRecent % 256].tiId = tiId;
  S->aRecent[S->nRecent % 256].tryNumber = tryNumber;
  S->nRecent++;
  ti_state stNew = TI_FAILED;
  ti_state_parse(zNew, &stNew);
  sched_cache_set_ti_state(S, runPk, zTask, tiId, stNew, nextRetry);
  sched_mark_dirty(S, runPk);
  return AIRC_OK;
}

/* A try's result was read. If its supervisor is a pool member of ours, it
 * waits for another try now (exec_pool.h): the pool takes it back, and it
 * is no longer that try's (its exit, when it comes, ends no try). */
static void sched_member_back(sched *S, int64_t tiId, int tryNumber) {
  for(int i = 0; i < S->nChild; i++) {
    if(S->aChild[i].tiId != tiId || S->aChild[i].tryNumber != tryNumber) continue;
    if(exec_pool_try_done(S->pPool, S->aChild[i].pid)) S->aChild[i] = S->aChild[--S->nChild];
    return;
  }
}

/* A pool member's try (res) continued its chain: the member queued the
 * next try in the store itself and runs it now (exec_spawn.h,
 * chain_continue). The member stays ours, on that try (it is not put back
 * in the pool: sched_member_back is not called for res); the try is
 * recorded `running` with the member's pid and the time it was queued, and
 * the run's cache learns it, so that no evaluation queues it again. The
 * queued+running counts are re-read (the member's commit moved them). A
 * continued try that is no longer `queued` (its own result was applied
 * first, or a user marked it) is left as it is. */
static airc_rc sched_continued(sched *S, const exec_result *pRes, airc_err *pErr) {
  pid_t pid = 0;
  for(int i = 0; i < S->nChild; i++) {
    if(S->aChild[i].tiId != pRes->tiId || S->aChild[i].tryNumber != pRes->tryNumber) continue;
    S->aChild[i].tiId = pRes->continuedTi;
    S->aChild[i].tryNumber = pRes->continuedTry;
    pid = S->aChild[i].pid;
    sched_child *c = &S->aChild[i]; /* its chain, for sched_chain_extend_due (results come in order) */
    c->bChainNews = 1;
    c->chainLeft = pRes->chainLeft;
    c->chainTailTi = pRes->chainTailTi;
    c->chainTailTry = pRes->chainTailTry;
    break;
  }
  S->bLoadsValid = 0;
  S->nContinued++; /* --stats-file: "continued" */
  store_sched_ti_current *pCur = malloc(sizeof(*pCur));
  if(!pCur) return airc_err_set(pErr, AIRC_ERR_NOMEM, "continued try: out of memory");
  airc_rc rc = store_sched_ti_get_current(S->s, pRes->continuedTi, pCur, pErr);
  if(rc == AIRC_ERR_NOTFOUND) {
    airc_err_clear(pErr); /* deleted meanwhile */
    rc = AIRC_OK;
  } else if(!rc && pCur->tryNumber == pRes->continuedTry && !strcmp(pCur->zState, "queued")) {
    /* not our child (an earlier scheduler's member): running, its pid as the member recorded it */
    rc = pid ? store_sched_ti_set_running(S->s, pRes->continuedTi, (int)pid, pRes->continuedUs, pCur->zLogPath, pErr)
             : store_sched_ti_adopt_running(S->s, pRes->continuedTi, pErr);
    if(!rc) sched_cache_set_ti_state(S, pCur->runPk, pCur->zTaskId, pRes->continuedTi, TI_RUNNING, 0);
    if(!rc && S->opts.bPrintProgress) {
      printf("%-16s %s (try %d)\n", "running", pCur->zTaskId, pRes->continuedTry);
      fflush(stdout);
    }
  }
  free(pCur);
  return rc;
}

typedef struct result_read {
  exec_result res;
  char *zPath;
} result_read;

/* Results in the order their tries started: a try a member continued
 * started after its upstream's result was written, so a chain's results
 * are applied in its order (sched_continued before the continued try's
 * own result), whatever order the folder lists them in. */
static int result_read_cmp(const void *a, const void *b) {
  const exec_result *x = &((const result_read *)a)->res, *y = &((const result_read *)b)->res;
  return x->startUs < y->startUs ? -1 : x->startUs > y->startUs;
}

airc_rc sched_ingest_results(sched *S, char ***pazDone, int *pnDone, airc_err *pErr) {
  char zDir[4200];
  snprintf(zDir, sizeof(zDir), "%s/results", airc_path_run());
  DIR *d = opendir(zDir);
  if(!d) return AIRC_OK;
  struct dirent *e;
  airc_rc rc = AIRC_OK;
  result_read *a = NULL;
  int n = 0, nAlloc = 0;
  while(!rc && (e = readdir(d))) {
    size_t nName = strlen(e->d_name);
    if(nName < 6 || strcmp(e->d_name + nName - 5, ".json")) continue;
    char zPath[4600];
    snprintf(zPath, sizeof(zPath), "%s/%s", zDir, e->d_name);
    if(n == nAlloc) {
      result_read *aNew = realloc(a, sizeof(*a) * (size_t)(nAlloc = nAlloc ? 2 * nAlloc : 8));
      if(!aNew) {
        rc = airc_err_set(pErr, AIRC_ERR_NOMEM, "results: out of memory");
        break;
      }
      a = aNew;
    }
    airc_err rerr = {0};
    if(exec_result_read(zPath, &a[n].res, &rerr)) {
      LOG_WARN("unreadable result file: %s", rerr.zMsg);
      unlink(zPath);
      continue;
    }
    if(!(a[n].zPath = strdup(zPath))) {
      exec_result_clear(&a[n].res);
      rc = airc_err_set(pErr, AIRC_ERR_NOMEM, "results: out of memory");
      break;
    }
    n++;
  }
  closedir(d);
  if(n > 1) qsort(a, (size_t)n, sizeof(*a), result_read_cmp);
  for(int i = 0; i < n; i++) {
    exec_result *pRes = &a[i].res;
    if(!rc && pRes->continuedTi) rc = sched_continued(S, pRes, pErr);
    else if(!rc) sched_member_back(S, pRes->tiId, pRes->tryNumber);
    if(!rc)
      rc = sched_record_outcome(S, pRes->tiId, pRes->tryNumber, exec_outcome_state(pRes->outcome),
                                pRes->termSignal ? -1 : pRes->exitCode, pRes->startUs, pRes->endUs, pRes->pid,
                                pRes->zReason, pRes->pXcom, pErr);
    exec_result_clear(pRes);
    /* a wake that reads the results of continued tries is bookkeeping
     * beside chains that go on without it: between results it lets a
     * pool member waiting for this CPU (one whose task just exited) run
     * first, rather than after the whole wake (0.3 to 1.5 ms on this VM:
     * the member was seen waiting that long beside an idle CPU, a cache-hot
     * task the kernel would not move; docs/benchmarks.md) */
    if(pRes->continuedTi) sched_yield();
    if(!rc) {
      *pazDone = realloc(*pazDone, sizeof(char *) * (size_t)(*pnDone + 1));
      (*pazDone)[(*pnDone)++] = a[i].zPath;
    } else {
      free(a[i].zPath);
    }
  }
  free(a);
  return rc;
}

/* A supervisor of ours exited. Its result, if any, has been ingested
 * already (it renames the file before exiting); if the try is still
 * current, it died without one. */
airc_rc sched_handle_reaped(sched *S, int64_t tiId, int tryNumber, airc_err *pErr) {
  char zPath[4200];
  exec_result_path(tiId, tryNumber, zPath, sizeof(zPath));
  if(access(zPath, F_OK) == 0) return AIRC_OK; /* the next ingest takes it */
  char zReason[200];
  snprintf(zReason, sizeof(zReason), "task supervisor exited without reporting a result");
  return sched_record_outcome(S, tiId, tryNumber, "failed", -1, 0, airc_now_us(), 0, zReason, NULL, pErr);
}

static int sched_is_child_ti(sched *S, int64_t tiId) {
  for(int i = 0; i < S->nChild; i++)
    if(S->aChild[i].tiId == tiId) return 1;
  return 0;
}

typedef struct zombie_cands {
  store_sched_zombie_row *a;
  int n;
} zombie_cands;

static int zombie_cand_add(void *pCtx, const store_sched_zombie_row *pRow) {
  zombie_cands *p = pCtx;
  p->a = realloc(p->a, sizeof(*p->a) * (size_t)(p->n + 1));
  p->a[p->n++] = *pRow; /* no borrowed text in it */
  return 0;
}

/* *pb = 1 if task instance tiId is of type sensor. */
static airc_rc sweep_is_sensor(sched *S, int64_t tiId, int *pb, airc_err *pErr) {
  *pb = 0;
  store_sched_ti_current cur;
  airc_rc rc = store_sched_ti_get_current(S->s, tiId, &cur, pErr);
  if(rc == AIRC_ERR_NOTFOUND) {
    airc_err_clear(pErr);
    return AIRC_OK;
  }
  if(rc) return rc;
  sched_version *v = sched_version_get(S, cur.zDagHash, pErr);
  if(!v) return pErr->rc;
  int t = sched_version_task(v, cur.zTaskId);
  *pb = t >= 0 && !strcmp(v->d->aTask[t].zType, "sensor");
  return AIRC_OK;
}

/* 1 if try tryNumber of task instance tiId has a log file on this host
 * with something in it: its supervisor started it (the log's first line
 * is the supervisor's first act, before the task's fork). An empty log
 * is not proof: a pool member makes a chain's next log ahead, empty, while
 * the link before runs (log_spare_make_log). A store error counts as
 * "started": failing a try is safer than running its work twice. */
static int sched_try_log_exists(sched *S, int64_t tiId, int tryNumber) {
  store_sched_ti_current *pCur = malloc(sizeof(*pCur));
  airc_err err = {0};
  if(!pCur || store_sched_ti_get_current(S->s, tiId, pCur, &err)) {
    free(pCur);
    return 1;
  }
  char zLog[4400];
  exec_log_path_mapped(pCur->zDagId, pCur->zRunId, pCur->zTaskId, pCur->mapIndex, tryNumber, zLog, sizeof(zLog));
  free(pCur);
  struct stat st;
  return lstat(zLog, &st) == 0 && st.st_size > 0;
}

airc_rc sched_sweep_zombies(sched *S, airc_err *pErr) {
  zombie_cands C = {NULL, 0};
  airc_rc rc = store_sched_zombie_each_candidate(S->s, S->opts.onlyRunPk, zombie_cand_add, &C, pErr);
  store_sched_zombie_row *a = C.a;
  int n = C.n;
  for(int i = 0; !rc && i < n; i++) {
    if(sched_sensor_is_active(S, a[i].tiId)) continue; /* poked by this scheduler: no process */
    if(sched_is_child_ti(S, a[i].tiId) || exec_lock_is_held(a[i].tiId, a[i].tryNumber)) {
      if(a[i].bQueued && !sched_is_child_ti(S, a[i].tiId)) {
        /* a supervisor runs it but the scheduler died before recording
         * `running`: record it now */
        rc = store_sched_ti_adopt_running(S->s, a[i].tiId, pErr);
      }
      continue;
    }
    char zPath[4200];
    exec_result_path(a[i].tiId, a[i].tryNumber, zPath, sizeof(zPath));
    if(access(zPath, F_OK) == 0) continue; /* finished; the next ingest records it */
    int bSensor = 0;
    if(!a[i].bQueued && !a[i].pid) {
      rc = sweep_is_sensor(S, a[i].tiId, &bSensor, pErr);
      if(rc) break;
    }
    if(bSensor) {
      /* running without a process: a sensor an earlier scheduler poked
       * (sched_sensor.c); it continues its try with its next poke */
      rc = store_sched_ti_reschedule(S->s, a[i].tiId, airc_now_us(), airc_now_us(), pErr);
      if(rc) break;
      LOG_INFO("task instance %lld: a sensor left by an earlier scheduler: poked again", (long long)a[i].tiId);
      S->bReloadStates = 1;
      S->bAllDirty = 1;
      continue;
    }
    if(a[i].bQueued && !sched_try_log_exists(S, a[i].tiId, a[i].tryNumber)) {
      /* committed as queued but never forked (the scheduler died in
       * between), or queued by a pool member that died before it started
       * it (chain_continue: the member's pid is recorded): give the try
       * back. A try with a log did start (the scheduler died before
       * recording `running`, then its supervisor died): it failed like
       * any zombie; running it again as the same try would do its work
       * twice */
      rc = store_sched_ti_unqueue(S->s, a[i].tiId, pErr);
      if(rc) break;
      LOG_INFO("task instance %lld was queued but never started: rescheduled", (long long)a[i].tiId);
      S->bReloadStates = 1;
      S->bAllDirty = 1;
      continue;
    }
    LOG_WARN("task instance %lld try %d: process died without a result", (long long)a[i].tiId, a[i].tryNumber);
    rc = sched_record_outcome(S, a[i].tiId, a[i].tryNumber, "failed", -1, 0, airc_now_us(), 0,
                              "task process died without reporting a result (zombie)", NULL, pErr);
  }
  free(a);
  return rc;
}
