/* store_run.c: runs and task instances in the store (see store_run.h).
 * Written against store_int.h only, in SQL both backends accept. */
#include "store/store_run.h"
#include "store/store_int.h"
#include "store/store_control.h"
#include "common/dynbuf.h"
#include "common/timeutil.h"
#include "common/wake.h"
#include "dag/param_schema.h"
#include "dag/tick_planner.h"
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

airc_rc store_dag_load_version(store *s, const char *zHash, dag **ppOut, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(s, "SELECT json FROM dag_version WHERE hash=?", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zHash);
  int r = store_stmt_step(st, pErr);
  airc_rc rc = AIRC_OK;
  if(r == STORE_ROW) rc = dag_from_json_text(store_col_str(st, 0), DAG_TYPES_STORED, ppOut, pErr);
  store_stmt_done(st);
  if(r == STORE_ERROR) return pErr->rc;
  if(r == STORE_DONE) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "DAG version %.12s not found", zHash);
  return rc;
}

airc_rc store_dag_load(store *s, const char *zDagId, dag **ppOut, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(s, "SELECT current_hash FROM dag WHERE dag_id=? AND is_active=1", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zDagId);
  char zHash[80] = "";
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) snprintf(zHash, sizeof(zHash), "%s", store_col_str(st, 0));
  store_stmt_done(st);
  if(r == STORE_ERROR) return pErr->rc;
  if(r == STORE_DONE) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "DAG '%s' not found", zDagId);
  return store_dag_load_version(s, zHash, ppOut, pErr);
}

/* Appends z to b as an element of a PostgreSQL array literal: quoted,
 * with '"' and '\\' escaped. */
static airc_rc pg_array_add_text(dynbuf *b, const char *z) {
  airc_rc rc = dynbuf_append(b, b->n > 1 ? ",\"" : "\"", b->n > 1 ? 2 : 1);
  for(const char *q = z; !rc && *q; q++) {
    if(*q == '"' || *q == '\\') rc = dynbuf_append(b, "\\", 1);
    if(!rc) rc = dynbuf_append(b, q, 1);
  }
  if(!rc) rc = dynbuf_append(b, "\"", 1);
  return rc;
}

/* Up to this many task instances per statement. */
#define RUN_TI_BATCH 1000

/* PostgreSQL: the run's task instances in one statement per RUN_TI_BATCH
 * (a round trip each would be most of a big run's creation), in task
 * order. Arrays bound as text. */
static airc_rc run_ti_insert_pg(store *s, const dag *d, int64_t runPk, int64_t nowUs, airc_err *pErr) {
  airc_rc rc = AIRC_OK;
  for(int i0 = 0; !rc && i0 < d->nTask; i0 += RUN_TI_BATCH) {
    const int n = d->nTask - i0 < RUN_TI_BATCH ? d->nTask - i0 : RUN_TI_BATCH;
    dynbuf aB[4];
    for(int k = 0; k < 4; k++) {
      dynbuf_init(&aB[k], 64 * 1024 * 1024);
      if(!rc) rc = dynbuf_append(&aB[k], "{", 1);
    }
    for(int i = i0; !rc && i < i0 + n; i++) {
      const dag_task *t = &d->aTask[i];
      rc = pg_array_add_text(&aB[0], t->zId);
      if(!rc) rc = dynbuf_printf(&aB[1], "%s%d", i > i0 ? "," : "", t->retries + 1);
      if(!rc) rc = pg_array_add_text(&aB[2], t->zPool ? t->zPool : DAG_DEFAULT_POOL);
      if(!rc) rc = dynbuf_printf(&aB[3], "%s%d", i > i0 ? "," : "", t->poolSlots > 0 ? t->poolSlots : 1);
    }
    for(int k = 0; k < 4 && !rc; k++) rc = dynbuf_append(&aB[k], "}", 1);
    if(rc) {
      airc_err_set(pErr, rc, "insert task instances: out of memory");
    } else {
      /* dialect: pg -- unnest WITH ORDINALITY keeps the task order (ids) */
      store_stmt *st = store_stmt_prepare(s,
          "INSERT INTO task_instance(run_pk, dag_id, task_id, state, max_tries, updated_us, pool, pool_slots)"
          " SELECT $1, $2, t.task_id, 'none', t.max_tries, $3, t.pool, t.pool_slots"
          " FROM unnest($4::text[], $5::bigint[], $6::text[], $7::bigint[])"
          " WITH ORDINALITY AS t(task_id, max_tries, pool, pool_slots, ord) ORDER BY t.ord", pErr);
      if(!st) {
        rc = pErr->rc;
      } else {
        store_bind_int64(st, 1, runPk);
        store_bind_text(st, 2, d->zId);
        store_bind_int64(st, 3, nowUs);
        for(int k = 0; k < 4; k++) store_bind_text(st, 4 + k, dynbuf_str(&aB[k]));
        rc = store_stmt_run(st, "insert task instances", pErr);
      }
    }
    for(int k = 0; k < 4; k++) dynbuf_free(&aB[k]);
  }
  return rc;
}

airc_rc store_run_create_for(store *s, const dag *d, const run_spec *p, int64_t *pRunPk,
                             char *zRunIdOut, airc_err *pErr) {
  int64_t nowUs = airc_now_us();
  int64_t logical = p->logicalDate >= 0 ? p->logicalDate : nowUs / 1000000;
  char zRunId[STORE_RUN_ID_MAX], zTs[40];
  airc_rc rcCheck = dag_run_conf_check(p->pConf, pErr);
  if(!rcCheck && d) rcCheck = param_schema_check_conf(d->pParamSchema, p->pConf, pErr);
  if(rcCheck) return rcCheck;
  if(p->zRunId) {
    if((rcCheck = dag_run_id_check(p->zRunId, pErr))) return rcCheck;
    snprintf(zRunId, sizeof(zRunId), "%s", p->zRunId);
  } else {
    airc_time_format_api(p->logicalDate >= 0 || !strcmp(p->zRunType, RUN_TYPE_SCHEDULED) ? logical * 1000000 : nowUs,
                         zTs, sizeof(zTs));
    snprintf(zRunId, sizeof(zRunId), "%s__%s", p->zRunType, zTs);
  }
  char *zConf = p->pConf ? json_dumps(p->pConf, JSON_COMPACT) : NULL;
  store_stmt *st = store_stmt_prepare(s,
      "INSERT INTO dag_run(dag_id, run_id, run_type, logical_date, data_interval_start,"
      " data_interval_end, conf, state, dag_hash, queued_us, is_test, deadline_us)"
      " VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", pErr);
  if(!st) {
    free(zConf);
    return pErr->rc;
  }
  store_bind_text(st, 1, d->zId);
  store_bind_text(st, 2, zRunId);
  store_bind_text(st, 3, p->zRunType);
  store_bind_int64(st, 4, logical);
  store_bind_int64(st, 5, tick_interval_start(d, logical));
  store_bind_int64(st, 6, logical);
  store_bind_text(st, 7, zConf ? zConf : "{}");
  store_bind_text(st, 8, p->zState ? p->zState : "queued");
  store_bind_text(st, 9, d->zHash);
  store_bind_int64(st, 10, nowUs);
  store_bind_int64(st, 11, p->bTest);
  /* [dag] deadline: on_deadline_miss fires if the run has not ended by then */
  if(d->deadline > 0) store_bind_int64(st, 12, nowUs + d->deadline * INT64_C(1000000));
  else store_bind_null(st, 12);
  airc_err stepErr = {0};
  int r = store_stmt_step(st, &stepErr);
  store_stmt_done(st);
  free(zConf);
  if(r == STORE_ERROR) {
    if(stepErr.rc == AIRC_ERR_EXISTS)
      return airc_err_set(pErr, AIRC_ERR_EXISTS, "DAG '%s' already has a run with id '%s'", d->zId, zRunId);
    return airc_err_set(pErr, stepErr.rc, "insert run: %s", stepErr.zMsg);
  }
  int64_t runPk = store_last_insert_id(s);
  if(s->pDrv->eDialect == STORE_DIALECT_PG) {
    airc_rc rc = run_ti_insert_pg(s, d, runPk, nowUs, pErr);
    if(rc) return rc;
  }
  for(int i = 0; s->pDrv->eDialect != STORE_DIALECT_PG && i < d->nTask; i++) {
    st = store_stmt_prepare(s, "INSERT INTO task_instance(run_pk, dag_id, task_id, state, max_tries, updated_us,"
                               " pool, pool_slots) VALUES(?,?,?,'none',?,?,?,?)", pErr);
    if(!st) return pErr->rc;
    store_bind_int64(st, 1, runPk);
    store_bind_text(st, 2, d->zId);
    store_bind_text(st, 3, d->aTask[i].zId);
    store_bind_int64(st, 4, d->aTask[i].retries + 1);
    store_bind_int64(st, 5, nowUs);
    store_bind_text(st, 6, d->aTask[i].zPool ? d->aTask[i].zPool : DAG_DEFAULT_POOL);
    store_bind_int64(st, 7, d->aTask[i].poolSlots > 0 ? d->aTask[i].poolSlots : 1);
    airc_rc rc = store_stmt_run(st, "insert task instance", pErr);
    if(rc) return rc;
  }
  if(pRunPk) *pRunPk = runPk;
  if(zRunIdOut) snprintf(zRunIdOut, STORE_RUN_ID_MAX, "%s", zRunId);
  return AIRC_OK;
}

airc_rc store_run_create(store *s, const run_spec *p, int64_t *pRunPk, char *zRunIdOut, airc_err *pErr) {
  dag *d = NULL;
  airc_rc rc = store_begin(s, pErr);
  if(rc) return rc;
  rc = store_dag_load(s, p->zDagId, &d, pErr);
  if(!rc) rc = store_run_create_for(s, d, p, pRunPk, zRunIdOut, pErr);
  if(!rc) rc = store_commit(s, pErr);
  else store_rollback(s);
  dag_free(d);
  if(!rc) wake_send("trigger");
  return rc;
}

/* Finds the run's pk and DAG version. */
static airc_rc run_lookup(store *s, const char *zDagId, const char *zRunId, int64_t *pPk,
                          char *zHash, size_t nHash, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(s, "SELECT id, dag_hash FROM dag_run WHERE dag_id=? AND run_id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zDagId);
  store_bind_text(st, 2, zRunId);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) {
    *pPk = store_col_int64(st, 0);
    snprintf(zHash, nHash, "%s", store_col_str(st, 1));
  }
  store_stmt_done(st);
  if(r == STORE_ERROR) return pErr->rc;
  if(r == STORE_DONE) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "DAG '%s' has no run '%s'", zDagId, zRunId);
  return AIRC_OK;
}

static void mark_downstream(const dag *d, int i, char *aSel) {
  for(int k = 0; k < d->aTask[i].nDownstream; k++) {
    int j = d->aTask[i].aiDownstream[k];
    if(!aSel[j]) {
      aSel[j] = 1;
      mark_downstream(d, j, aSel);
    }
  }
}

/* Clears the selected task instances of run runPk (see store_run_clear). */
static airc_rc run_clear_selected(store *s, const dag *d, const char *aSel, int64_t runPk, int bOnlyFailed,
                                  int *pnCleared, int *pnSkipped, airc_err *pErr) {
  for(int i = 0; i < d->nTask; i++) {
    if(!aSel[i]) continue;
    store_stmt *st = store_stmt_prepare(s,
        "UPDATE task_instance SET state='none', next_retry_us=NULL, note=NULL,"
        " max_tries=try_number+?, updated_us=?"
        " WHERE run_pk=? AND task_id=? AND state NOT IN ('running','queued')"
        " AND (? = 0 OR state IN ('failed','upstream_failed'))", pErr);
    if(!st) return pErr->rc;
    store_bind_int64(st, 1, d->aTask[i].retries + 1);
    store_bind_int64(st, 2, airc_now_us());
    store_bind_int64(st, 3, runPk);
    store_bind_text(st, 4, d->aTask[i].zId);
    store_bind_int64(st, 5, bOnlyFailed);
    airc_rc rc = store_stmt_run(st, "clear", pErr);
    if(rc) return rc;
    if(store_changes(s)) (*pnCleared)++;
    else (*pnSkipped)++;
  }
  if(!*pnCleared) return AIRC_OK;
  store_stmt *st = store_stmt_prepare(s, "UPDATE dag_run SET state='queued', end_us=NULL WHERE id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, runPk);
  return store_stmt_run(st, "requeue run", pErr);
}

airc_rc store_run_clear(store *s, const char *zDagId, const char *zRunId, const regex_t *pRe,
                        int bDownstream, int bOnlyFailed, int *pnCleared, int *pnSkipped, airc_err *pErr) {
  *pnCleared = *pnSkipped = 0;
  /* clearing runs the tasks again with this id: the same rule as creation */
  if(dag_run_id_check(zRunId, pErr)) return pErr->rc;
  int64_t runPk;
  char zHash[80];
  dag *d = NULL;
  char *aSel = NULL;
  airc_rc rc = store_begin(s, pErr);
  if(rc) return rc;
  rc = run_lookup(s, zDagId, zRunId, &runPk, zHash, sizeof(zHash), pErr);
  if(!rc) rc = store_dag_load_version(s, zHash, &d, pErr);
  if(!rc) {
    aSel = calloc((size_t)d->nTask + 1, 1);
    if(!aSel) rc = airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  }
  if(!rc) {
    for(int i = 0; i < d->nTask; i++)
      if(!pRe || regexec(pRe, d->aTask[i].zId, 0, NULL, 0) == 0) aSel[i] = 1;
    if(bDownstream)
      for(int i = 0; i < d->nTask; i++)
        if(aSel[i] == 1) mark_downstream(d, i, aSel);
    rc = run_clear_selected(s, d, aSel, runPk, bOnlyFailed, pnCleared, pnSkipped, pErr);
  }
  if(!rc) rc = store_commit(s, pErr);
  else store_rollback(s);
  free(aSel);
  dag_free(d);
  if(!rc) wake_send("clear");
  return rc;
}

/* Finds task zTaskId of run runPk; a running or queued try of it gets a
 * stop request and its try-history record (the state the user chose), and
 * *pbStopped is set. */
static airc_rc ti_stop_if_live(store *s, int64_t runPk, const char *zDagId, const char *zRunId,
                               const char *zTaskId, const char *zState, int *pbStopped, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(s,
      "SELECT state, id, try_number, coalesce(pid, 0), coalesce(start_us, 0), coalesce(log_path, '')"
      " FROM task_instance WHERE run_pk=? AND task_id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, runPk);
  store_bind_text(st, 2, zTaskId);
  int r = store_stmt_step(st, pErr);
  airc_rc rc = AIRC_OK;
  int bLive = 0, tryNumber = 0, pid = 0;
  int64_t tiId = 0, startUs = 0;
  char zLog[4200] = "";
  if(r == STORE_ERROR) rc = pErr->rc;
  else if(r == STORE_DONE)
    rc = airc_err_set(pErr, AIRC_ERR_NOTFOUND, "run '%s' of DAG '%s' has no task '%s'", zRunId, zDagId, zTaskId);
  else {
    bLive = !strcmp(store_col_str(st, 0), "running") || !strcmp(store_col_str(st, 0), "queued");
    tiId = store_col_int64(st, 1);
    tryNumber = store_col_int(st, 2);
    pid = store_col_int(st, 3);
    startUs = store_col_int64(st, 4);
    snprintf(zLog, sizeof(zLog), "%s", store_col_str(st, 5));
  }
  store_stmt_done(st);
  if(rc || !bLive) return rc;
  *pbStopped = 1;
  rc = store_stop_request_add(s, tiId, tryNumber, pid, pErr);
  if(rc || tryNumber < 1) return rc;
  /* the try's history says what the user decided; its own result, when it
   * comes, is ignored (the instance is no longer running) */
  st = store_stmt_prepare(s,
      "INSERT INTO task_try(ti_id, try_number, state, start_us, end_us, pid, log_path, note) VALUES(?,?,?,?,?,?,?,?)"
      " ON CONFLICT(ti_id, try_number) DO UPDATE SET state=excluded.state, end_us=excluded.end_us,"
      " note=excluded.note", pErr);
  if(!st) return pErr->rc;
  char zNote[64];
  snprintf(zNote, sizeof(zNote), "stopped: marked %s while running", zState);
  store_bind_int64(st, 1, tiId);
  store_bind_int64(st, 2, tryNumber);
  store_bind_text(st, 3, zState);
  if(startUs) store_bind_int64(st, 4, startUs);
  else store_bind_null(st, 4);
  store_bind_int64(st, 5, airc_now_us());
  if(pid) store_bind_int64(st, 6, pid);
  else store_bind_null(st, 6);
  if(zLog[0]) store_bind_text(st, 7, zLog);
  else store_bind_null(st, 7);
  store_bind_text(st, 8, zNote);
  return store_stmt_run(st, "record stopped try", pErr);
}

airc_rc store_ti_mark(store *s, const char *zDagId, const char *zRunId, const char *zTaskId,
                      const char *zState, airc_err *pErr) {
  if(strcmp(zState, "success") && strcmp(zState, "failed") && strcmp(zState, "skipped"))
    return airc_err_set(pErr, AIRC_ERR_INVALID, "state must be success, failed or skipped, not '%s'", zState);
  int64_t runPk;
  char zHash[80];
  int bStopped = 0;
  airc_rc rc = store_begin(s, pErr);
  if(rc) return rc;
  rc = run_lookup(s, zDagId, zRunId, &runPk, zHash, sizeof(zHash), pErr);
  if(!rc) rc = ti_stop_if_live(s, runPk, zDagId, zRunId, zTaskId, zState, &bStopped, pErr);
  if(!rc) {
    store_stmt *st = store_stmt_prepare(s,
        "UPDATE task_instance SET state=?, next_retry_us=NULL, note='marked '||?, updated_us=?,"
        " end_us=coalesce(end_us, ?) WHERE run_pk=? AND task_id=?", pErr);
    if(!st) rc = pErr->rc;
    else {
      int64_t now = airc_now_us();
      store_bind_text(st, 1, zState);
      store_bind_text(st, 2, zState);
      store_bind_int64(st, 3, now);
      store_bind_int64(st, 4, now);
      store_bind_int64(st, 5, runPk);
      store_bind_text(st, 6, zTaskId);
      rc = store_stmt_run(st, "mark", pErr);
    }
  }
  if(!rc) {
    /* let the scheduler re-evaluate the run (downstream tasks, run state) */
    store_stmt *st = store_stmt_prepare(s,
        "UPDATE dag_run SET state='running', end_us=NULL WHERE id=? AND state IN ('success','failed')", pErr);
    if(!st) rc = pErr->rc;
    else {
      store_bind_int64(st, 1, runPk);
      rc = store_stmt_run(st, "mark", pErr);
    }
  }
  if(!rc) rc = store_commit(s, pErr);
  else store_rollback(s);
  if(!rc) wake_send(bStopped ? "stop" : "mark");
  return rc;
}

airc_rc store_dag_set_paused(store *s, const char *zDagId, int bPaused, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(s, "UPDATE dag SET is_paused=? WHERE dag_id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, bPaused);
  store_bind_text(st, 2, zDagId);
  airc_rc rc = store_stmt_run(st, "pause", pErr);
  if(rc) return rc;
  if(!store_changes(s)) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "DAG '%s' not found", zDagId);
  wake_send("pause");
  return AIRC_OK;
}

airc_rc store_dag_set_paused_many(store *s, const char *const *azDagId, int n, int bPaused, int *pnChanged,
                                  airc_err *pErr) {
  *pnChanged = 0;
  airc_rc rc = store_begin(s, pErr);
  int nChanged = 0;
  for(int i = 0; !rc && i < n; i++) {
    store_stmt *st = store_stmt_prepare(s, "UPDATE dag SET is_paused=? WHERE dag_id=? AND is_paused<>?", pErr);
    if(!st) {
      rc = pErr->rc;
      break;
    }
    store_bind_int64(st, 1, bPaused);
    store_bind_text(st, 2, azDagId[i]);
    store_bind_int64(st, 3, bPaused);
    rc = store_stmt_run(st, "pause", pErr);
    if(!rc) nChanged += (int)store_changes(s);
  }
  if(!rc) rc = store_commit(s, pErr);
  else store_rollback(s);
  if(rc) return rc;
  *pnChanged = nChanged;
  if(nChanged) wake_send("pause");
  return AIRC_OK;
}
