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
#include "common/config.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "executor/exec_result.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

airc_rc sched_record_outcome(sched *S, int64_t tiId, int tryNumber, const char *zOutcome, int exitCode,
                             int64_t startUs, int64_t endUs, int pid, const char *zReason,
                             json_t *pXcom, airc_err *pErr) {
  store *s = S->s;
  sqlite3_stmt *st = store_prepare(s,
      "SELECT ti.state, ti.try_number, ti.max_tries, ti.task_id, r.dag_hash, ti.run_pk,"
      " ti.start_us, ti.log_path, r.dag_id, r.run_id"
      " FROM task_instance ti JOIN dag_run r ON r.id=ti.run_pk WHERE ti.id=?", pErr);
  if(!st) return pErr->rc;
  sqlite3_bind_int64(st, 1, tiId);
  if(sqlite3_step(st) != SQLITE_ROW) {
    sqlite3_reset(st);
    return AIRC_OK; /* deleted meanwhile */
  }
  char zState[32], zTask[256], zHash[80], zLog[4096], zDag[256], zRun[300];
  snprintf(zState, sizeof(zState), "%s", store_legacy_col_text(st, 0));
  int curTry = sqlite3_column_int(st, 1), maxTries = sqlite3_column_int(st, 2);
  snprintf(zTask, sizeof(zTask), "%s", store_legacy_col_text(st, 3));
  snprintf(zHash, sizeof(zHash), "%s", store_legacy_col_text(st, 4));
  int64_t runPk = sqlite3_column_int64(st, 5);
  int64_t tiStart = sqlite3_column_int64(st, 6);
  snprintf(zLog, sizeof(zLog), "%s", store_legacy_col_text(st, 7));
  snprintf(zDag, sizeof(zDag), "%s", store_legacy_col_text(st, 8));
  snprintf(zRun, sizeof(zRun), "%s", store_legacy_col_text(st, 9));
  sqlite3_reset(st);
  if(curTry != tryNumber || (strcmp(zState, "running") && strcmp(zState, "queued"))) {
    LOG_DEBUG("ignoring stale result of task instance %lld try %d (now %s, try %d)", (long long)tiId,
              tryNumber, zState, curTry);
    return AIRC_OK;
  }
  if(!startUs) startUs = tiStart ? tiStart : endUs;
  const char *zNew = zOutcome;
  int64_t nextRetry = 0;
  if(!strcmp(zOutcome, "failed") && tryNumber < maxTries) {
    zNew = "up_for_retry";
    sched_version *v = sched_version_get(S, zHash, pErr);
    if(!v) return pErr->rc;
    int i = sched_version_task(v, zTask);
    int64_t delay = 300;
    if(i >= 0) {
      const dag_task *t = &v->d->aTask[i];
      int k = tryNumber - (maxTries - (t->retries + 1)); /* failures in this cycle */
      delay = task_retry_delay(t, k < 1 ? 1 : k);
    }
    nextRetry = endUs + delay * 1000000;
  }
  st = store_prepare(s,
      "UPDATE task_instance SET state=?, end_us=?, start_us=coalesce(start_us, ?), duration=?,"
      " exit_code=?, pid=coalesce(?, pid), next_retry_us=?, note=?, updated_us=? WHERE id=?", pErr);
  if(!st) return pErr->rc;
  sqlite3_bind_text(st, 1, zNew, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, endUs);
  sqlite3_bind_int64(st, 3, startUs);
  sqlite3_bind_double(st, 4, (double)(endUs - startUs) / 1e6);
  if(exitCode >= 0) sqlite3_bind_int(st, 5, exitCode);
  if(pid > 0) sqlite3_bind_int(st, 6, pid);
  if(nextRetry) sqlite3_bind_int64(st, 7, nextRetry);
  if(zReason && *zReason) sqlite3_bind_text(st, 8, zReason, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 9, airc_now_us());
  sqlite3_bind_int64(st, 10, tiId);
  int r = sqlite3_step(st);
  sqlite3_reset(st);
  if(r != SQLITE_DONE) return store_fail(s, "record outcome", pErr);
  st = store_prepare(s,
      "INSERT OR REPLACE INTO task_try(ti_id, try_number, state, start_us, end_us, exit_code, pid, log_path, note)"
      " VALUES(?,?,?,?,?,?,?,?,?)", pErr);
  if(!st) return pErr->rc;
  sqlite3_bind_int64(st, 1, tiId);
  sqlite3_bind_int(st, 2, tryNumber);
  sqlite3_bind_text(st, 3, zOutcome, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, startUs);
  sqlite3_bind_int64(st, 5, endUs);
  if(exitCode >= 0) sqlite3_bind_int(st, 6, exitCode);
  if(pid > 0) sqlite3_bind_int(st, 7, pid);
  sqlite3_bind_text(st, 8, zLog, -1, SQLITE_STATIC);
  if(zReason && *zReason) sqlite3_bind_text(st, 9, zReason, -1, SQLITE_STATIC);
  r = sqlite3_step(st);
  sqlite3_reset(st);
  if(r != SQLITE_DONE) return store_fail(s, "record try", pErr);
  if(pXcom) {
    char *zVal = json_dumps(pXcom, JSON_COMPACT | JSON_ENCODE_ANY);
    st = store_prepare(s, "INSERT OR REPLACE INTO xcom(ti_id, try_number, value, updated_us) VALUES(?,?,?,?)", pErr);
    if(st && zVal) {
      sqlite3_bind_int64(st, 1, tiId);
      sqlite3_bind_int(st, 2, tryNumber);
      sqlite3_bind_text(st, 3, zVal, -1, SQLITE_STATIC);
      sqlite3_bind_int64(st, 4, airc_now_us());
      r = sqlite3_step(st);
      sqlite3_reset(st);
    }
    free(zVal);
    if(!st) return pErr->rc;
    if(r != SQLITE_DONE) return store_fail(s, "record xcom", pErr);
    sched_cache_set_xcom(S, runPk, zTask, pXcom);
  }
  if(S->opts.bPrintProgress) {
    printf("%-16s %s%s%s\n", zNew, zTask, zReason && *zReason ? ": " : "", zReason ? zReason : "");
    fflush(stdout);
  }
  LOG_DEBUG("%s.%s (%s) try %d -> %s", zDag, zTask, zRun, tryNumber, zNew);
  S->aRecent[S->nRecent % 256].tiId = tiId;
  S->aRecent[S->nRecent % 256].tryNumber = tryNumber;
  S->nRecent++;
  ti_state stNew = TI_FAILED;
  ti_state_parse(zNew, &stNew);
  sched_cache_set_state(S, runPk, zTask, stNew, nextRetry);
  sched_mark_dirty(S, runPk);
  return AIRC_OK;
}

airc_rc sched_ingest_results(sched *S, char ***pazDone, int *pnDone, airc_err *pErr) {
  char zDir[4200];
  snprintf(zDir, sizeof(zDir), "%s/results", airc_path_run());
  DIR *d = opendir(zDir);
  if(!d) return AIRC_OK;
  struct dirent *e;
  airc_rc rc = AIRC_OK;
  while(!rc && (e = readdir(d))) {
    size_t n = strlen(e->d_name);
    if(n < 6 || strcmp(e->d_name + n - 5, ".json")) continue;
    char zPath[4600];
    snprintf(zPath, sizeof(zPath), "%s/%s", zDir, e->d_name);
    exec_result res;
    airc_err rerr = {0};
    if(exec_result_read(zPath, &res, &rerr)) {
      LOG_WARN("unreadable result file: %s", rerr.zMsg);
      unlink(zPath);
      continue;
    }
    rc = sched_record_outcome(S, res.tiId, res.tryNumber, exec_outcome_state(res.outcome),
                              res.termSignal ? -1 : res.exitCode, res.startUs, res.endUs, res.pid,
                              res.zReason, res.pXcom, pErr);
    exec_result_clear(&res);
    *pazDone = realloc(*pazDone, sizeof(char *) * (size_t)(*pnDone + 1));
    (*pazDone)[(*pnDone)++] = strdup(zPath);
  }
  closedir(d);
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

airc_rc sched_sweep_zombies(sched *S, airc_err *pErr) {
  sqlite3_stmt *st = store_prepare(S->s,
      "SELECT ti.id, ti.try_number, ti.state, ti.pid FROM task_instance ti JOIN dag_run r ON r.id=ti.run_pk"
      " WHERE ti.state IN ('queued','running') AND (?1 > 0 AND r.id=?1 OR ?1 = 0 AND r.is_test=0)", pErr);
  if(!st) return pErr->rc;
  sqlite3_bind_int64(st, 1, S->opts.onlyRunPk);
  typedef struct { int64_t id; int tryNumber; int bQueued; int pid; } cand;
  cand *a = NULL;
  int n = 0;
  while(sqlite3_step(st) == SQLITE_ROW) {
    a = realloc(a, sizeof(cand) * (size_t)(n + 1));
    a[n].id = sqlite3_column_int64(st, 0);
    a[n].tryNumber = sqlite3_column_int(st, 1);
    a[n].bQueued = !strcmp(store_legacy_col_text(st, 2), "queued");
    a[n].pid = sqlite3_column_int(st, 3);
    n++;
  }
  sqlite3_reset(st);
  airc_rc rc = AIRC_OK;
  for(int i = 0; !rc && i < n; i++) {
    if(sched_is_child_ti(S, a[i].id) || exec_lock_is_held(a[i].id, a[i].tryNumber)) {
      if(a[i].bQueued && !sched_is_child_ti(S, a[i].id)) {
        /* a supervisor runs it but the scheduler died before recording
         * `running`: record it now */
        sqlite3_stmt *u = store_prepare(S->s, "UPDATE task_instance SET state='running' WHERE id=? AND state='queued'", pErr);
        if(!u) return pErr->rc;
        sqlite3_bind_int64(u, 1, a[i].id);
        sqlite3_step(u);
        sqlite3_reset(u);
      }
      continue;
    }
    char zPath[4200];
    exec_result_path(a[i].id, a[i].tryNumber, zPath, sizeof(zPath));
    if(access(zPath, F_OK) == 0) continue; /* finished; the next ingest records it */
    if(a[i].bQueued && !a[i].pid) {
      /* committed as queued but never forked (the scheduler died in
       * between): give the try back */
      sqlite3_stmt *u = store_prepare(S->s,
          "UPDATE task_instance SET state='scheduled', try_number=try_number-1 WHERE id=? AND state='queued'", pErr);
      if(!u) return pErr->rc;
      sqlite3_bind_int64(u, 1, a[i].id);
      sqlite3_step(u);
      sqlite3_reset(u);
      LOG_INFO("task instance %lld was queued but never started: rescheduled", (long long)a[i].id);
      S->bReloadStates = 1;
      S->bAllDirty = 1;
      continue;
    }
    LOG_WARN("task instance %lld try %d: process died without a result", (long long)a[i].id, a[i].tryNumber);
    rc = sched_record_outcome(S, a[i].id, a[i].tryNumber, "failed", -1, 0, airc_now_us(), 0,
                              "task process died without reporting a result (zombie)", NULL, pErr);
  }
  free(a);
  return rc;
}
