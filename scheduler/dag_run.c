/* dag_run.c: see dag_run.h. */
#include "scheduler/dag_run.h"
#include "common/timeutil.h"
#include "common/wake.h"
#include "dag/tick_planner.h"
#include "executor/task_type.h"
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int run_id_char_ok(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == ':' || c == '+' || c == '~' || c == '-';
}

airc_rc dag_run_id_check(const char *z, airc_err *pErr) {
  static const char zRule[] = "allowed: 1-200 of A-Z a-z 0-9 _ . : + ~ -";
  size_t n = z ? strlen(z) : 0;
  if(n == 0) return airc_err_set(pErr, AIRC_ERR_INVALID, "run id is empty (%s)", zRule);
  if(n > DAG_RUN_ID_MAX)
    return airc_err_set(pErr, AIRC_ERR_INVALID, "run id is %zu bytes long (%s)", n, zRule);
  for(size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)z[i];
    if(run_id_char_ok(c)) continue;
    /* the id itself is not echoed: it may hold control characters */
    if(c > 0x20 && c < 0x7f)
      return airc_err_set(pErr, AIRC_ERR_INVALID, "run id has '%c' at position %zu (%s)", c, i + 1, zRule);
    return airc_err_set(pErr, AIRC_ERR_INVALID, "run id has byte 0x%02x at position %zu (%s)", c, i + 1, zRule);
  }
  return AIRC_OK;
}

airc_rc dag_run_conf_check(json_t *pConf, airc_err *pErr) {
  if(!pConf) return AIRC_OK;
  char *z = json_dumps(pConf, JSON_COMPACT | JSON_ENCODE_ANY);
  if(!z) return airc_err_set(pErr, AIRC_ERR_NOMEM, "conf: out of memory");
  size_t n = strlen(z);
  free(z);
  if(n > DAG_RUN_CONF_MAX)
    return airc_err_set(pErr, AIRC_ERR_INVALID, "conf is %zu bytes as JSON, above the limit of %d bytes (64 KiB)",
                        n, DAG_RUN_CONF_MAX);
  return AIRC_OK;
}

airc_rc dag_store_load_version(store *s, const char *zHash, dag **ppOut, airc_err *pErr) {
  sqlite3_stmt *st = store_prepare(s, "SELECT json FROM dag_version WHERE hash=?", pErr);
  if(!st) return pErr->rc;
  sqlite3_bind_text(st, 1, zHash, -1, SQLITE_STATIC);
  if(sqlite3_step(st) != SQLITE_ROW) {
    sqlite3_reset(st);
    return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "DAG version %.12s not found", zHash);
  }
  airc_rc rc = dag_from_json_text(store_col_text(st, 0), task_type_schemas(), ppOut, pErr);
  sqlite3_reset(st);
  return rc;
}

airc_rc dag_store_load(store *s, const char *zDagId, dag **ppOut, airc_err *pErr) {
  sqlite3_stmt *st = store_prepare(s, "SELECT current_hash FROM dag WHERE dag_id=? AND is_active=1", pErr);
  if(!st) return pErr->rc;
  sqlite3_bind_text(st, 1, zDagId, -1, SQLITE_STATIC);
  if(sqlite3_step(st) != SQLITE_ROW) {
    sqlite3_reset(st);
    return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "DAG '%s' not found", zDagId);
  }
  char zHash[80];
  snprintf(zHash, sizeof(zHash), "%s", store_col_text(st, 0));
  sqlite3_reset(st);
  return dag_store_load_version(s, zHash, ppOut, pErr);
}

airc_rc dag_run_create_for(store *s, const dag *d, const run_spec *p, int64_t *pRunPk,
                           char *zRunIdOut, airc_err *pErr) {
  int64_t nowUs = airc_now_us();
  int64_t logical = p->logicalDate >= 0 ? p->logicalDate : nowUs / 1000000;
  char zRunId[300], zTs[40];
  airc_rc rc = dag_run_conf_check(p->pConf, pErr);
  if(rc) return rc;
  if(p->zRunId) {
    if((rc = dag_run_id_check(p->zRunId, pErr))) return rc;
    snprintf(zRunId, sizeof(zRunId), "%s", p->zRunId);
  } else {
    airc_time_format_api(p->logicalDate >= 0 || !strcmp(p->zRunType, RUN_TYPE_SCHEDULED) ? logical * 1000000 : nowUs,
                         zTs, sizeof(zTs));
    snprintf(zRunId, sizeof(zRunId), "%s__%s", p->zRunType, zTs);
  }
  char *zConf = p->pConf ? json_dumps(p->pConf, JSON_COMPACT) : NULL;
  sqlite3_stmt *st = store_prepare(s,
      "INSERT INTO dag_run(dag_id, run_id, run_type, logical_date, data_interval_start,"
      " data_interval_end, conf, state, dag_hash, queued_us, is_test)"
      " VALUES(?,?,?,?,?,?,?,?,?,?,?)", pErr);
  if(!st) {
    free(zConf);
    return pErr->rc;
  }
  sqlite3_bind_text(st, 1, d->zId, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, zRunId, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, p->zRunType, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 4, logical);
  sqlite3_bind_int64(st, 5, tick_interval_start(d, logical));
  sqlite3_bind_int64(st, 6, logical);
  sqlite3_bind_text(st, 7, zConf ? zConf : "{}", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 8, p->zState ? p->zState : "queued", -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 9, d->zHash, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 10, nowUs);
  sqlite3_bind_int(st, 11, p->bTest);
  int rcStep = sqlite3_step(st);
  free(zConf);
  if(rcStep != SQLITE_DONE) {
    int ext = sqlite3_extended_errcode(s->db);
    sqlite3_reset(st);
    if(ext == SQLITE_CONSTRAINT_UNIQUE)
      return airc_err_set(pErr, AIRC_ERR_EXISTS, "DAG '%s' already has a run with id '%s'", d->zId, zRunId);
    return store_fail(s, "insert run", pErr);
  }
  sqlite3_reset(st);
  int64_t runPk = sqlite3_last_insert_rowid(s->db);
  st = store_prepare(s, "INSERT INTO task_instance(run_pk, dag_id, task_id, state, max_tries, updated_us)"
                        " VALUES(?,?,?,'none',?,?)", pErr);
  if(!st) return pErr->rc;
  for(int i = 0; i < d->nTask; i++) {
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, runPk);
    sqlite3_bind_text(st, 2, d->zId, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, d->aTask[i].zId, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, d->aTask[i].retries + 1);
    sqlite3_bind_int64(st, 5, nowUs);
    if(sqlite3_step(st) != SQLITE_DONE) {
      sqlite3_reset(st);
      return store_fail(s, "insert task instance", pErr);
    }
  }
  sqlite3_reset(st);
  if(pRunPk) *pRunPk = runPk;
  if(zRunIdOut) snprintf(zRunIdOut, 300, "%s", zRunId);
  return AIRC_OK;
}

airc_rc dag_run_create(store *s, const run_spec *p, int64_t *pRunPk, char *zRunIdOut, airc_err *pErr) {
  dag *d = NULL;
  airc_rc rc = store_begin(s, pErr);
  if(!rc) rc = dag_store_load(s, p->zDagId, &d, pErr);
  if(!rc) rc = dag_run_create_for(s, d, p, pRunPk, zRunIdOut, pErr);
  if(!rc) rc = store_commit(s, pErr);
  else store_rollback(s);
  dag_free(d);
  if(!rc) wake_send("trigger");
  return rc;
}

/* Finds the run's pk and DAG version. */
static airc_rc run_lookup(store *s, const char *zDagId, const char *zRunId, int64_t *pPk,
                          char *zHash, size_t nHash, airc_err *pErr) {
  sqlite3_stmt *st = store_prepare(s, "SELECT id, dag_hash FROM dag_run WHERE dag_id=? AND run_id=?", pErr);
  if(!st) return pErr->rc;
  sqlite3_bind_text(st, 1, zDagId, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, zRunId, -1, SQLITE_STATIC);
  if(sqlite3_step(st) != SQLITE_ROW) {
    sqlite3_reset(st);
    return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "DAG '%s' has no run '%s'", zDagId, zRunId);
  }
  *pPk = sqlite3_column_int64(st, 0);
  snprintf(zHash, nHash, "%s", store_col_text(st, 1));
  sqlite3_reset(st);
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

airc_rc dag_run_clear(store *s, const char *zDagId, const char *zRunId, const regex_t *pRe,
                      int bDownstream, int bOnlyFailed, int *pnCleared, int *pnSkipped, airc_err *pErr) {
  *pnCleared = *pnSkipped = 0;
  /* clearing runs the tasks again with this id: the same rule as creation */
  if(dag_run_id_check(zRunId, pErr)) return pErr->rc;
  int64_t runPk;
  char zHash[80];
  dag *d = NULL;
  char *aSel = NULL;
  airc_rc rc = store_begin(s, pErr);
  if(!rc) rc = run_lookup(s, zDagId, zRunId, &runPk, zHash, sizeof(zHash), pErr);
  if(!rc) rc = dag_store_load_version(s, zHash, &d, pErr);
  if(!rc) {
    aSel = calloc((size_t)d->nTask + 1, 1);
    for(int i = 0; i < d->nTask; i++)
      if(!pRe || regexec(pRe, d->aTask[i].zId, 0, NULL, 0) == 0) aSel[i] = 1;
    if(bDownstream)
      for(int i = 0; i < d->nTask; i++)
        if(aSel[i] == 1) mark_downstream(d, i, aSel);
    sqlite3_stmt *st = store_prepare(s,
        "UPDATE task_instance SET state='none', next_retry_us=NULL, note=NULL,"
        " max_tries=try_number+?, updated_us=?"
        " WHERE run_pk=? AND task_id=? AND state NOT IN ('running','queued')"
        " AND (? = 0 OR state IN ('failed','upstream_failed'))", pErr);
    if(!st) rc = pErr->rc;
    for(int i = 0; !rc && i < d->nTask; i++) {
      if(!aSel[i]) continue;
      sqlite3_reset(st);
      sqlite3_bind_int(st, 1, d->aTask[i].retries + 1);
      sqlite3_bind_int64(st, 2, airc_now_us());
      sqlite3_bind_int64(st, 3, runPk);
      sqlite3_bind_text(st, 4, d->aTask[i].zId, -1, SQLITE_STATIC);
      sqlite3_bind_int(st, 5, bOnlyFailed);
      if(sqlite3_step(st) != SQLITE_DONE) rc = store_fail(s, "clear", pErr);
      else if(sqlite3_changes(s->db)) (*pnCleared)++;
      else (*pnSkipped)++;
    }
    if(st) sqlite3_reset(st);
  }
  if(!rc && *pnCleared) {
    sqlite3_stmt *st = store_prepare(s, "UPDATE dag_run SET state='queued', end_us=NULL WHERE id=?", pErr);
    if(!st) rc = pErr->rc;
    else {
      sqlite3_bind_int64(st, 1, runPk);
      if(sqlite3_step(st) != SQLITE_DONE) rc = store_fail(s, "requeue run", pErr);
      sqlite3_reset(st);
    }
  }
  if(!rc) rc = store_commit(s, pErr);
  else store_rollback(s);
  free(aSel);
  dag_free(d);
  if(!rc) wake_send("clear");
  return rc;
}

airc_rc dag_run_mark_task(store *s, const char *zDagId, const char *zRunId, const char *zTaskId,
                          const char *zState, airc_err *pErr) {
  if(strcmp(zState, "success") && strcmp(zState, "failed") && strcmp(zState, "skipped"))
    return airc_err_set(pErr, AIRC_ERR_INVALID, "state must be success, failed or skipped, not '%s'", zState);
  int64_t runPk;
  char zHash[80];
  airc_rc rc = store_begin(s, pErr);
  if(!rc) rc = run_lookup(s, zDagId, zRunId, &runPk, zHash, sizeof(zHash), pErr);
  if(!rc) {
    sqlite3_stmt *st = store_prepare(s, "SELECT state FROM task_instance WHERE run_pk=? AND task_id=?", pErr);
    if(!st) rc = pErr->rc;
    else {
      sqlite3_bind_int64(st, 1, runPk);
      sqlite3_bind_text(st, 2, zTaskId, -1, SQLITE_STATIC);
      if(sqlite3_step(st) != SQLITE_ROW)
        rc = airc_err_set(pErr, AIRC_ERR_NOTFOUND, "run '%s' of DAG '%s' has no task '%s'", zRunId, zDagId, zTaskId);
      else if(!strcmp(store_col_text(st, 0), "running") || !strcmp(store_col_text(st, 0), "queued"))
        rc = airc_err_set(pErr, AIRC_ERR_STATE, "task '%s' is %s; wait for it to finish", zTaskId, store_col_text(st, 0));
      sqlite3_reset(st);
    }
  }
  if(!rc) {
    sqlite3_stmt *st = store_prepare(s,
        "UPDATE task_instance SET state=?, next_retry_us=NULL, note='marked '||?, updated_us=?,"
        " end_us=coalesce(end_us, ?) WHERE run_pk=? AND task_id=?", pErr);
    if(!st) rc = pErr->rc;
    else {
      int64_t now = airc_now_us();
      sqlite3_bind_text(st, 1, zState, -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 2, zState, -1, SQLITE_STATIC);
      sqlite3_bind_int64(st, 3, now);
      sqlite3_bind_int64(st, 4, now);
      sqlite3_bind_int64(st, 5, runPk);
      sqlite3_bind_text(st, 6, zTaskId, -1, SQLITE_STATIC);
      if(sqlite3_step(st) != SQLITE_DONE) rc = store_fail(s, "mark", pErr);
      sqlite3_reset(st);
    }
  }
  if(!rc) {
    /* let the scheduler re-evaluate the run (downstream tasks, run state) */
    sqlite3_stmt *st = store_prepare(s, "UPDATE dag_run SET state='running', end_us=NULL WHERE id=? AND state IN ('success','failed')", pErr);
    if(!st) rc = pErr->rc;
    else {
      sqlite3_bind_int64(st, 1, runPk);
      if(sqlite3_step(st) != SQLITE_DONE) rc = store_fail(s, "mark", pErr);
      sqlite3_reset(st);
    }
  }
  if(!rc) rc = store_commit(s, pErr);
  else store_rollback(s);
  if(!rc) wake_send("mark");
  return rc;
}

airc_rc dag_set_paused(store *s, const char *zDagId, int bPaused, airc_err *pErr) {
  sqlite3_stmt *st = store_prepare(s, "UPDATE dag SET is_paused=? WHERE dag_id=?", pErr);
  if(!st) return pErr->rc;
  sqlite3_bind_int(st, 1, bPaused);
  sqlite3_bind_text(st, 2, zDagId, -1, SQLITE_STATIC);
  int rcStep = sqlite3_step(st);
  int nChanged = sqlite3_changes(s->db);
  sqlite3_reset(st);
  if(rcStep != SQLITE_DONE) return store_fail(s, "pause", pErr);
  if(!nChanged) return airc_err_set(pErr, AIRC_ERR_NOTFOUND, "DAG '%s' not found", zDagId);
  wake_send("pause");
  return AIRC_OK;
}
