/* store_control.c: control of live work in the store (see
 * store_control.h). Written against store_int.h only, in SQL both
 * backends accept. */
#include "store/store_control.h"
#include "store/store_int.h"
#include "store/store_run.h"
#include "store/store_views.h"
#include "common/timeutil.h"
#include "common/wake.h"
#include "dag/tick_planner.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs a statement that returns no rows; on error prefixes zWhat. */
static airc_rc ctl_step_done(store_stmt *st, const char *zWhat, airc_err *pErr) {
  int r = store_stmt_step(st, pErr);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "%s", zWhat);
    return pErr->rc;
  }
  return AIRC_OK;
}

/* Ends a transaction this call opened (commit on success). */
static airc_rc ctl_finish(store *s, airc_rc rc, airc_err *pErr) {
  if(!rc) return store_commit(s, pErr);
  store_rollback(s);
  return rc;
}

/* ---- stop requests ---- */

airc_rc store_stop_request_add(store *s, int64_t tiId, int tryNumber, int pid, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(s,
      "INSERT INTO ti_stop_request(ti_id, try_number, pid, requested_us) VALUES(?,?,?,?)", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, tiId);
  store_bind_int64(st, 2, tryNumber);
  if(pid > 0) store_bind_int64(st, 3, pid);
  else store_bind_null(st, 3);
  store_bind_int64(st, 4, airc_now_us());
  return ctl_step_done(st, "record stop request", pErr);
}

airc_rc store_stop_request_list(store *s, store_stop_request **paOut, int *pn, airc_err *pErr) {
  *paOut = NULL;
  *pn = 0;
  store_stmt *st = store_stmt_prepare(s, "SELECT id, ti_id, try_number, coalesce(pid, 0), requested_us FROM ti_stop_request ORDER BY id",
                                      pErr);
  if(!st) return pErr->rc;
  store_stop_request *a = NULL;
  int n = 0, nAlloc = 0, r;
  airc_rc rc = AIRC_OK;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW) {
    if(n == nAlloc) {
      int nNew = nAlloc ? nAlloc * 2 : 16;
      store_stop_request *aNew = realloc(a, sizeof(*a) * (size_t)nNew);
      if(!aNew) {
        rc = airc_err_set(pErr, AIRC_ERR_NOMEM, "stop requests: out of memory");
        break;
      }
      a = aNew;
      nAlloc = nNew;
    }
    a[n++] = (store_stop_request){store_col_int64(st, 0), store_col_int64(st, 1), store_col_int(st, 2),
                                  store_col_int(st, 3), store_col_int64(st, 4)};
  }
  store_stmt_done(st);
  if(!rc && r == STORE_ERROR) rc = pErr->rc;
  if(rc) {
    free(a);
    return rc;
  }
  *paOut = a;
  *pn = n;
  return AIRC_OK;
}

airc_rc store_stop_request_delete(store *s, int64_t id, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(s, "DELETE FROM ti_stop_request WHERE id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, id);
  return ctl_step_done(st, "delete stop request", pErr);
}

airc_rc store_stop_request_delete_try(store *s, int64_t tiId, int tryNumber, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(s, "DELETE FROM ti_stop_request WHERE ti_id=? AND try_number=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, tiId);
  store_bind_int64(st, 2, tryNumber);
  return ctl_step_done(st, "delete stop requests", pErr);
}

/* Which live tries a stop walk covers. */
typedef enum live_scope { LIVE_OF_RUN, LIVE_OF_DAG } live_scope;

/* Records a stop request for each running or queued try of run runPk or
 * DAG zDagId; the count is added to *pn. */
static airc_rc stop_live_tries(store *s, live_scope eScope, int64_t runPk, const char *zDagId, int *pn, airc_err *pErr) {
  store_stmt *st = eScope == LIVE_OF_RUN
      ? store_stmt_prepare(s, "SELECT id, try_number, coalesce(pid, 0) FROM task_instance"
                              " WHERE run_pk=? AND state IN ('running','queued')", pErr)
      : store_stmt_prepare(s, "SELECT id, try_number, coalesce(pid, 0) FROM task_instance"
                              " WHERE dag_id=? AND state IN ('running','queued')", pErr);
  if(!st) return pErr->rc;
  if(eScope == LIVE_OF_RUN) store_bind_int64(st, 1, runPk);
  else store_bind_text(st, 1, zDagId);
  airc_rc rc = AIRC_OK;
  int r;
  while(!rc && (r = store_stmt_step(st, pErr)) == STORE_ROW) {
    rc = store_stop_request_add(s, store_col_int64(st, 0), store_col_int(st, 1), store_col_int(st, 2), pErr);
    if(!rc) (*pn)++;
  }
  store_stmt_done(st);
  if(!rc && r == STORE_ERROR) rc = pErr->rc;
  return rc;
}

static airc_rc run_find(store *s, const char *zDagId, const char *zRunId, int64_t *pPk, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(s, "SELECT id FROM dag_run WHERE dag_id=? AND run_id=? AND is_test=0", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zDagId);
  store_bind_text(st, 2, zRunId);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) *pPk = store_col_int64(st, 0);
  store_stmt_done(st);
  if(r == STORE_ERROR) return pErr->rc;
  if(r == STORE_DONE) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "DAG '%s' has no run '%s'", zDagId, zRunId);
  return AIRC_OK;
}

/* ---- runs ---- */

/* The tries of run runPk the state change touches: for "success" every
 * instance not in success; for "failed" running/queued -> failed, other
 * unfinished -> skipped. Live ones are recorded in their try history and
 * get a stop request. */
static airc_rc run_mark_tasks(store *s, int64_t runPk, const char *zState, int *pnStopped, airc_err *pErr) {
  int64_t now = airc_now_us();
  airc_rc rc = stop_live_tries(s, LIVE_OF_RUN, runPk, NULL, pnStopped, pErr);
  if(rc) return rc;
  /* the live tries' history: what the user decided, not the process */
  store_stmt *st = store_stmt_prepare(s,
      "INSERT INTO task_try(ti_id, try_number, state, start_us, end_us, pid, log_path, note)"
      " SELECT id, try_number, CASE WHEN ?='success' THEN 'success' ELSE 'failed' END, start_us, ?, pid, log_path,"
      " 'stopped: run marked '||?"
      " FROM task_instance WHERE run_pk=? AND state IN ('running','queued') AND try_number>0"
      " ON CONFLICT(ti_id, try_number) DO UPDATE SET state=excluded.state, end_us=excluded.end_us, note=excluded.note",
      pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zState);
  store_bind_int64(st, 2, now);
  store_bind_text(st, 3, zState);
  store_bind_int64(st, 4, runPk);
  if((rc = ctl_step_done(st, "record stopped tries", pErr))) return rc;
  if(!strcmp(zState, "success")) {
    st = store_stmt_prepare(s,
        "UPDATE task_instance SET state='success', next_retry_us=NULL, note='marked success', updated_us=?,"
        " end_us=coalesce(end_us, ?) WHERE run_pk=? AND state<>'success'", pErr);
    if(!st) return pErr->rc;
    store_bind_int64(st, 1, now);
    store_bind_int64(st, 2, now);
    store_bind_int64(st, 3, runPk);
    return ctl_step_done(st, "mark run's tasks", pErr);
  }
  st = store_stmt_prepare(s,
      "UPDATE task_instance SET state=CASE WHEN state IN ('running','queued') THEN 'failed' ELSE 'skipped' END,"
      " next_retry_us=NULL, note='marked '||CASE WHEN state IN ('running','queued') THEN 'failed' ELSE 'skipped' END,"
      " updated_us=?, end_us=coalesce(end_us, ?)"
      " WHERE run_pk=? AND state NOT IN ('success','failed','skipped','upstream_failed')", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, now);
  store_bind_int64(st, 2, now);
  store_bind_int64(st, 3, runPk);
  return ctl_step_done(st, "mark run's tasks", pErr);
}

airc_rc store_run_set_state_as_user(store *s, const char *zDagId, const char *zRunId, const char *zState,
                                    int *pnStopped, airc_err *pErr) {
  int nStopped = 0;
  if(pnStopped) *pnStopped = 0;
  if(strcmp(zState, "success") && strcmp(zState, "failed") && strcmp(zState, "queued"))
    return airc_err_set(pErr, AIRC_ERR_INVALID, "state must be success, failed or queued, not '%s'", zState);
  int64_t runPk = 0;
  airc_rc rc = store_begin(s, pErr);
  if(rc) return rc;
  rc = run_find(s, zDagId, zRunId, &runPk, pErr);
  if(!rc && strcmp(zState, "queued")) rc = run_mark_tasks(s, runPk, zState, &nStopped, pErr);
  if(!rc) {
    store_stmt *st = store_stmt_prepare(s,
        "UPDATE dag_run SET state=?, end_us=CASE WHEN ?='queued' THEN NULL ELSE ? END,"
        " queued_us=CASE WHEN ?='queued' THEN ? ELSE queued_us END WHERE id=?", pErr);
    if(!st) rc = pErr->rc;
    else {
      int64_t now = airc_now_us();
      store_bind_text(st, 1, zState);
      store_bind_text(st, 2, zState);
      store_bind_int64(st, 3, now);
      store_bind_text(st, 4, zState);
      store_bind_int64(st, 5, now);
      store_bind_int64(st, 6, runPk);
      rc = ctl_step_done(st, "set run state", pErr);
    }
  }
  rc = ctl_finish(s, rc, pErr);
  if(!rc) {
    wake_send(nStopped ? "stop" : "mark");
    if(pnStopped) *pnStopped = nStopped;
  }
  return rc;
}

airc_rc store_run_delete(store *s, const char *zDagId, const char *zRunId, int *pnStopped, airc_err *pErr) {
  int nStopped = 0;
  if(pnStopped) *pnStopped = 0;
  int64_t runPk = 0;
  airc_rc rc = store_begin(s, pErr);
  if(rc) return rc;
  rc = run_find(s, zDagId, zRunId, &runPk, pErr);
  if(!rc) rc = stop_live_tries(s, LIVE_OF_RUN, runPk, NULL, &nStopped, pErr);
  /* explicit, not left to ON DELETE CASCADE: a backend without foreign
   * keys switched on must lose the same rows */
  if(!rc) {
    store_stmt *st = store_stmt_prepare(s,
        "DELETE FROM xcom WHERE ti_id IN (SELECT id FROM task_instance WHERE run_pk=?)", pErr);
    if(!st) rc = pErr->rc;
    else {
      store_bind_int64(st, 1, runPk);
      rc = ctl_step_done(st, "delete run's XCom", pErr);
    }
  }
  if(!rc) {
    store_stmt *st = store_stmt_prepare(s,
        "DELETE FROM task_try WHERE ti_id IN (SELECT id FROM task_instance WHERE run_pk=?)", pErr);
    if(!st) rc = pErr->rc;
    else {
      store_bind_int64(st, 1, runPk);
      rc = ctl_step_done(st, "delete run's tries", pErr);
    }
  }
  if(!rc) {
    store_stmt *st = store_stmt_prepare(s, "DELETE FROM task_instance WHERE run_pk=?", pErr);
    if(!st) rc = pErr->rc;
    else {
      store_bind_int64(st, 1, runPk);
      rc = ctl_step_done(st, "delete run's task instances", pErr);
    }
  }
  if(!rc) {
    store_stmt *st = store_stmt_prepare(s, "DELETE FROM dag_run WHERE id=?", pErr);
    if(!st) rc = pErr->rc;
    else {
      store_bind_int64(st, 1, runPk);
      rc = ctl_step_done(st, "delete run", pErr);
    }
  }
  rc = ctl_finish(s, rc, pErr);
  if(!rc) {
    wake_send(nStopped ? "stop" : "mark");
    if(pnStopped) *pnStopped = nStopped;
  }
  return rc;
}

/* The runs of DAG ?1: its task instances are found through them (the
 * unique key starts with the run), as no index of task_instance starts
 * with dag_id */
#define DAG_RUNS_OF "(SELECT id FROM dag_run WHERE dag_id=?)"

/* Deletes the rows of DAG zDagId from one table; the statements are
 * literals (cached by address), one per table. */
static airc_rc dag_delete_rows(store *s, const char *zDagId, airc_err *pErr) {
  static const char *const azSql[] = {
      "DELETE FROM xcom WHERE ti_id IN (SELECT id FROM task_instance WHERE run_pk IN " DAG_RUNS_OF ")",
      "DELETE FROM task_try WHERE ti_id IN (SELECT id FROM task_instance WHERE run_pk IN " DAG_RUNS_OF ")",
      "DELETE FROM task_instance WHERE run_pk IN " DAG_RUNS_OF,
      "DELETE FROM dag_run WHERE dag_id=?",
      "DELETE FROM dag_run_count WHERE dag_id=?",
      "DELETE FROM backfill WHERE dag_id=?",
      "DELETE FROM dag_version WHERE dag_id=?",
      "DELETE FROM dag WHERE dag_id=?",
  };
  for(size_t i = 0; i < sizeof(azSql) / sizeof(azSql[0]); i++) {
    store_stmt *st = store_stmt_prepare(s, azSql[i], pErr);
    if(!st) return pErr->rc;
    store_bind_text(st, 1, zDagId);
    airc_rc rc = ctl_step_done(st, "delete DAG", pErr);
    if(rc) return rc;
  }
  return AIRC_OK;
}

airc_rc store_dag_delete(store *s, const char *zDagId, int *pnStopped, airc_err *pErr) {
  int nStopped = 0;
  if(pnStopped) *pnStopped = 0;
  airc_rc rc = store_begin(s, pErr);
  if(rc) return rc;
  store_stmt *st = store_stmt_prepare(s, "SELECT 1 FROM dag WHERE dag_id=?", pErr);
  if(!st) rc = pErr->rc;
  else {
    store_bind_text(st, 1, zDagId);
    int r = store_stmt_step(st, pErr);
    store_stmt_done(st);
    if(r == STORE_ERROR) rc = pErr->rc;
    else if(r == STORE_DONE) rc = airc_err_set(pErr, AIRC_ERR_NOTFOUND, "DAG '%s' not found", zDagId);
  }
  if(!rc) rc = stop_live_tries(s, LIVE_OF_DAG, 0, zDagId, &nStopped, pErr);
  if(!rc) rc = dag_delete_rows(s, zDagId, pErr);
  rc = ctl_finish(s, rc, pErr);
  if(!rc) {
    if(nStopped) wake_send("stop");
    wake_send("dagdel");
    if(pnStopped) *pnStopped = nStopped;
  }
  return rc;
}

/* ---- notes ---- */

static airc_rc note_check(const char *zNote, airc_err *pErr) {
  if(strlen(zNote) > STORE_NOTE_MAX)
    return airc_err_set(pErr, AIRC_ERR_INVALID, "note is %zu bytes; at most %d are kept", strlen(zNote), STORE_NOTE_MAX);
  return AIRC_OK;
}

airc_rc store_run_set_note(store *s, const char *zDagId, const char *zRunId, const char *zNote, airc_err *pErr) {
  if(note_check(zNote, pErr)) return pErr->rc;
  store_stmt *st = store_stmt_prepare(s, "UPDATE dag_run SET note=? WHERE dag_id=? AND run_id=?", pErr);
  if(!st) return pErr->rc;
  if(*zNote) store_bind_text(st, 1, zNote);
  else store_bind_null(st, 1);
  store_bind_text(st, 2, zDagId);
  store_bind_text(st, 3, zRunId);
  airc_rc rc = ctl_step_done(st, "set note", pErr);
  if(rc) return rc;
  if(!store_changes(s)) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "DAG '%s' has no run '%s'", zDagId, zRunId);
  return AIRC_OK;
}

airc_rc store_ti_set_note(store *s, const char *zDagId, const char *zRunId, const char *zTaskId, const char *zNote,
                          airc_err *pErr) {
  if(note_check(zNote, pErr)) return pErr->rc;
  int64_t runPk = 0;
  airc_rc rc = run_find(s, zDagId, zRunId, &runPk, pErr);
  if(rc) return rc;
  store_stmt *st = store_stmt_prepare(s, "UPDATE task_instance SET user_note=? WHERE run_pk=? AND task_id=?", pErr);
  if(!st) return pErr->rc;
  if(*zNote) store_bind_text(st, 1, zNote);
  else store_bind_null(st, 1);
  store_bind_int64(st, 2, runPk);
  store_bind_text(st, 3, zTaskId);
  rc = ctl_step_done(st, "set note", pErr);
  if(rc) return rc;
  if(!store_changes(s))
    return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "run '%s' of DAG '%s' has no task '%s'", zRunId, zDagId, zTaskId);
  return AIRC_OK;
}

/* ---- backfills ---- */

static airc_rc backfill_link_run(store *s, int64_t backfillId, const char *zDagId, const char *zRunId, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(s, "UPDATE dag_run SET backfill_id=? WHERE dag_id=? AND run_id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, backfillId);
  store_bind_text(st, 2, zDagId);
  store_bind_text(st, 3, zRunId);
  return ctl_step_done(st, "link run to backfill", pErr);
}

airc_rc store_backfill_create(store *s, const dag *d, const store_backfill_spec *p, store_backfill_tick_fn xTick,
                              void *pCtx, int64_t *pId, int *pnCreate, int *pnRerun, int *pnKeep, airc_err *pErr) {
  *pId = 0;
  *pnCreate = *pnRerun = *pnKeep = 0;
  if(!tick_backfill_behavior_ok(p->zReprocess))
    return airc_err_set(pErr, AIRC_ERR_INVALID, "reprocess_behavior must be none, failed or completed, not '%s'",
                        p->zReprocess ? p->zReprocess : "");
  if(p->toDate < p->fromDate) return airc_err_set(pErr, AIRC_ERR_INVALID, "to_date is before from_date");
  if(p->maxActiveRuns < 1) return airc_err_set(pErr, AIRC_ERR_INVALID, "max_active_runs must be at least 1");
  if(dag_run_conf_check(p->pConf, pErr)) return pErr->rc;
  /* one more than the cap: a range with more ticks is refused, never cut short */
  int64_t *aTick = malloc(sizeof(int64_t) * (STORE_BACKFILL_MAX_TICKS + 1));
  if(!aTick) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory planning the backfill");
  int nTick = tick_plan_range(d, p->fromDate, p->toDate, aTick, STORE_BACKFILL_MAX_TICKS + 1);
  if(nTick > STORE_BACKFILL_MAX_TICKS) {
    free(aTick);
    return airc_err_set(pErr, AIRC_ERR_INVALID,
                        "DAG %s has more than %d scheduled ticks in the range (the cap of one backfill); split the range",
                        d->zId, STORE_BACKFILL_MAX_TICKS);
  }
  airc_rc rc = p->bDryRun ? AIRC_OK : store_begin(s, pErr);
  if(rc) {
    free(aTick);
    return rc;
  }
  int64_t id = 0, now = airc_now_us();
  char *zConf = p->pConf ? json_dumps(p->pConf, JSON_COMPACT) : NULL;
  if(!p->bDryRun) {
    store_stmt *st = store_stmt_prepare(s,
        "INSERT INTO backfill(dag_id, from_date, to_date, reprocess_behavior, max_active_runs, dag_run_conf,"
        " created_us, updated_us) VALUES(?,?,?,?,?,?,?,?)", pErr);
    if(!st) rc = pErr->rc;
    else {
      store_bind_text(st, 1, d->zId);
      store_bind_int64(st, 2, p->fromDate);
      store_bind_int64(st, 3, p->toDate);
      store_bind_text(st, 4, p->zReprocess);
      store_bind_int64(st, 5, p->maxActiveRuns);
      store_bind_text(st, 6, zConf ? zConf : "{}");
      store_bind_int64(st, 7, now);
      store_bind_int64(st, 8, now);
      rc = ctl_step_done(st, "insert backfill", pErr);
      if(!rc) id = store_last_insert_id(s);
    }
  }
  free(zConf);
  for(int i = 0; !rc && i < nTick; i++) {
    char zRun[STORE_RUN_ID_MAX] = "", zState[32] = "";
    rc = store_view_run_at_date(s, d->zId, aTick[i], zRun, sizeof(zRun), zState, sizeof(zState), pErr);
    if(rc) break;
    tick_backfill_action a = tick_backfill_decide(zState, p->zReprocess);
    if(!p->bDryRun && a == TICK_BACKFILL_CREATE) {
      run_spec spec = {d->zId, NULL, RUN_TYPE_BACKFILL, aTick[i], p->pConf, 0, NULL};
      rc = store_run_create_for(s, d, &spec, NULL, zRun, pErr);
      if(!rc) rc = backfill_link_run(s, id, d->zId, zRun, pErr);
    } else if(!p->bDryRun && a == TICK_BACKFILL_RERUN) {
      int nCleared, nSkipped;
      rc = store_run_clear(s, d->zId, zRun, NULL, 0, 0, &nCleared, &nSkipped, pErr);
      if(!rc) rc = backfill_link_run(s, id, d->zId, zRun, pErr);
    }
    if(rc) break;
    *pnCreate += a == TICK_BACKFILL_CREATE;
    *pnRerun += a == TICK_BACKFILL_RERUN;
    *pnKeep += a == TICK_BACKFILL_KEEP;
    if(xTick) {
      store_backfill_tick t = {aTick[i], tick_backfill_action_name(a), zRun, zState};
      if(xTick(pCtx, &t)) break;
    }
  }
  free(aTick);
  if(!p->bDryRun) {
    rc = ctl_finish(s, rc, pErr);
    if(!rc) *pId = id;
    if(!rc && (*pnCreate || *pnRerun)) wake_send("backfill");
  }
  return rc;
}

#define BACKFILL_COLS                                                                                   \
  "b.id, b.dag_id, b.from_date, b.to_date, b.reprocess_behavior, b.max_active_runs, b.dag_run_conf,"    \
  " b.is_paused, b.created_us, b.updated_us, coalesce(b.canceled_us, 0),"                                \
  " (SELECT count(*) FROM dag_run r WHERE r.backfill_id=b.id AND r.state='queued'),"                     \
  " (SELECT count(*) FROM dag_run r WHERE r.backfill_id=b.id AND r.state='running'),"                    \
  " (SELECT count(*) FROM dag_run r WHERE r.backfill_id=b.id AND r.state='success'),"                    \
  " (SELECT count(*) FROM dag_run r WHERE r.backfill_id=b.id AND r.state='failed'),"                     \
  " (SELECT count(*) FROM dag_run r WHERE r.backfill_id=b.id),"                                          \
  " (SELECT coalesce(max(r.end_us), 0) FROM dag_run r WHERE r.backfill_id=b.id)"

static int backfill_read(store_stmt *st, store_backfill_fn xRow, void *pCtx) {
  store_backfill_row b;
  b.id = store_col_int64(st, 0);
  b.zDagId = store_col_str(st, 1);
  b.fromDate = store_col_int64(st, 2);
  b.toDate = store_col_int64(st, 3);
  b.zReprocess = store_col_str(st, 4);
  b.maxActiveRuns = store_col_int(st, 5);
  b.zConf = store_col_str(st, 6);
  b.bPaused = store_col_int(st, 7);
  b.createdUs = store_col_int64(st, 8);
  b.updatedUs = store_col_int64(st, 9);
  b.canceledUs = store_col_int64(st, 10);
  b.nQueued = store_col_int(st, 11);
  b.nRunning = store_col_int(st, 12);
  b.nSuccess = store_col_int(st, 13);
  b.nFailed = store_col_int(st, 14);
  b.nTotal = store_col_int(st, 15);
  int64_t lastEnd = store_col_int64(st, 16);
  /* complete once nothing of it is queued or running: when the last run
   * ended, or when it was canceled (whichever is later) */
  b.completedUs = 0;
  if(!b.nQueued && !b.nRunning) {
    b.completedUs = lastEnd > b.canceledUs ? lastEnd : b.canceledUs;
    if(!b.completedUs) b.completedUs = b.createdUs;
  }
  return xRow(pCtx, &b);
}

airc_rc store_backfill_get(store *s, int64_t id, store_backfill_fn xRow, void *pCtx, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(s, "SELECT " BACKFILL_COLS " FROM backfill b WHERE b.id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, id);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) backfill_read(st, xRow, pCtx);
  store_stmt_done(st);
  if(r == STORE_ERROR) return pErr->rc;
  if(r == STORE_DONE) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "backfill %lld not found", (long long)id);
  return AIRC_OK;
}

airc_rc store_backfill_list(store *s, const char *zDagId, int64_t limit, store_backfill_fn xRow, void *pCtx,
                            airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(s,
      "SELECT " BACKFILL_COLS " FROM backfill b WHERE (?1 IS NULL OR b.dag_id=?1) ORDER BY b.id DESC LIMIT ?2", pErr);
  if(!st) return pErr->rc;
  if(zDagId) store_bind_text(st, 1, zDagId);
  else store_bind_null(st, 1);
  store_bind_int64(st, 2, limit);
  int r;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW)
    if(backfill_read(st, xRow, pCtx)) break;
  store_stmt_done(st);
  return r == STORE_ERROR ? pErr->rc : AIRC_OK;
}

typedef struct backfill_state {
  int bFound, bPaused;
  int64_t canceledUs, completedUs;
} backfill_state;

static int backfill_state_copy(void *pCtx, const store_backfill_row *b) {
  backfill_state *p = pCtx;
  p->bFound = 1;
  p->bPaused = b->bPaused;
  p->canceledUs = b->canceledUs;
  p->completedUs = b->completedUs;
  return 0;
}

airc_rc store_backfill_cancel(store *s, int64_t id, airc_err *pErr) {
  backfill_state b = {0};
  airc_rc rc = store_begin(s, pErr);
  if(rc) return rc;
  rc = store_backfill_get(s, id, backfill_state_copy, &b, pErr);
  if(!rc && b.canceledUs) rc = airc_err_set(pErr, AIRC_ERR_STATE, "backfill %lld is canceled already", (long long)id);
  else if(!rc && b.completedUs)
    rc = airc_err_set(pErr, AIRC_ERR_STATE, "backfill %lld is complete: nothing to cancel", (long long)id);
  int64_t now = airc_now_us();
  if(!rc) {
    store_stmt *st = store_stmt_prepare(s,
        "UPDATE dag_run SET state='failed', end_us=? WHERE backfill_id=? AND state='queued'", pErr);
    if(!st) rc = pErr->rc;
    else {
      store_bind_int64(st, 1, now);
      store_bind_int64(st, 2, id);
      rc = ctl_step_done(st, "cancel backfill's runs", pErr);
    }
  }
  if(!rc) {
    store_stmt *st = store_stmt_prepare(s, "UPDATE backfill SET canceled_us=?, updated_us=? WHERE id=?", pErr);
    if(!st) rc = pErr->rc;
    else {
      store_bind_int64(st, 1, now);
      store_bind_int64(st, 2, now);
      store_bind_int64(st, 3, id);
      rc = ctl_step_done(st, "cancel backfill", pErr);
    }
  }
  rc = ctl_finish(s, rc, pErr);
  if(!rc) wake_send("mark");
  return rc;
}

airc_rc store_backfill_set_paused(store *s, int64_t id, int bPaused, airc_err *pErr) {
  backfill_state b = {0};
  airc_rc rc = store_backfill_get(s, id, backfill_state_copy, &b, pErr);
  if(rc) return rc;
  if(b.canceledUs) return airc_err_set(pErr, AIRC_ERR_STATE, "backfill %lld is canceled", (long long)id);
  store_stmt *st = store_stmt_prepare(s, "UPDATE backfill SET is_paused=?, updated_us=? WHERE id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, bPaused);
  store_bind_int64(st, 2, airc_now_us());
  store_bind_int64(st, 3, id);
  rc = ctl_step_done(st, "pause backfill", pErr);
  if(!rc) wake_send("mark");
  return rc;
}

airc_rc store_backfill_run_may_start(store *s, int64_t runPk, int *pbMay, airc_err *pErr) {
  *pbMay = 1;
  store_stmt *st = store_stmt_prepare(s,
      "SELECT b.is_paused, b.max_active_runs,"
      " (SELECT count(*) FROM dag_run r2 WHERE r2.backfill_id=b.id AND r2.state='running')"
      " FROM dag_run r JOIN backfill b ON b.id=r.backfill_id WHERE r.id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, runPk);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) *pbMay = !store_col_int(st, 0) && store_col_int(st, 2) < store_col_int(st, 1);
  store_stmt_done(st);
  return r == STORE_ERROR ? pErr->rc : AIRC_OK;
}
