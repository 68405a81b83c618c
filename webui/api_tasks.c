/* api_tasks.c: task instances of a run: list, one (with its tries),
 * PATCH new_state (mark), and POST /dags/{dag_id}/clearTaskInstances.
 *
 * Marking and clearing go through dag_run_mark_task() and dag_run_clear()
 * so the rules exist once. A dry-run clear runs the real clear inside an
 * outer transaction that is rolled back, so it reports exactly what a real
 * clear would do. */
#include "common/timeutil.h"
#include "scheduler/dag_run.h"
#include "dag/task_regex.h"
#include "webui/api.h"
#include <stdlib.h>
#include <string.h>

#define TI_FROM                                                                                       \
  "SELECT ti.task_id, ti.state, ti.try_number, ti.max_tries, ti.start_us, ti.end_us, ti.duration,"   \
  " ti.pid, ti.note, ti.queued_us, x.value, r.run_id, r.dag_id, r.logical_date, ti.exit_code, ti.id," \
  " ti.next_retry_us"                                                                                 \
  " FROM task_instance ti JOIN dag_run r ON r.id=ti.run_pk LEFT JOIN xcom x ON x.ti_id=ti.id"

static json_t *ti_json(sqlite3_stmt *st) {
  json_t *p = json_object();
  json_object_set_new(p, "task_id", api_text(st, 0));
  json_object_set_new(p, "dag_id", api_text(st, 12));
  json_object_set_new(p, "dag_run_id", api_text(st, 11));
  json_object_set_new(p, "execution_date", api_time_sec(st, 13));
  json_object_set_new(p, "state", api_state(st, 1));
  json_object_set_new(p, "try_number", json_integer(sqlite3_column_int(st, 2)));
  json_object_set_new(p, "max_tries", json_integer(sqlite3_column_int(st, 3)));
  json_object_set_new(p, "start_date", api_time_us(st, 4));
  json_object_set_new(p, "end_date", api_time_us(st, 5));
  json_object_set_new(p, "duration",
                      sqlite3_column_type(st, 6) == SQLITE_NULL ? json_null() : json_real(sqlite3_column_double(st, 6)));
  json_object_set_new(p, "pid", sqlite3_column_type(st, 7) == SQLITE_NULL ? json_null() : json_integer(sqlite3_column_int(st, 7)));
  json_object_set_new(p, "note", api_text(st, 8));
  json_object_set_new(p, "queued_when", api_time_us(st, 9));
  json_object_set_new(p, "xcom_value", api_text(st, 10));
  json_object_set_new(p, "exit_code",
                      sqlite3_column_type(st, 14) == SQLITE_NULL ? json_null() : json_integer(sqlite3_column_int(st, 14)));
  json_object_set_new(p, "next_retry_date", api_time_us(st, 16));
  return p;
}

int api_tis_list(web_req *r) {
  params_page pg;
  if(!api_page(r, &pg, 0, 0)) return r->mhdResult;
  int64_t pk = api_run_pk(r, r->azParam[0], r->azParam[1]);
  if(!pk) return r->mhdResult;
  json_t *pStates = web_req_args_all(r, "state");
  char *zStates = json_array_size(pStates) ? json_dumps(pStates, JSON_COMPACT) : NULL;
  json_decref(pStates);
  airc_err err = {0};
  int64_t nTotal = 0;
  sqlite3_stmt *st = store_prepare(r->s,
      "SELECT count(*) FROM task_instance WHERE run_pk=?1 AND (?2 IS NULL OR state IN (SELECT value FROM json_each(?2)))", &err);
  if(st) {
    sqlite3_bind_int64(st, 1, pk);
    if(zStates) sqlite3_bind_text(st, 2, zStates, -1, SQLITE_STATIC);
    if(sqlite3_step(st) == SQLITE_ROW) nTotal = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    st = store_prepare(r->s, TI_FROM " WHERE ti.run_pk=?1 AND (?2 IS NULL OR ti.state IN (SELECT value FROM json_each(?2)))"
                                     " ORDER BY ti.id LIMIT ?3 OFFSET ?4", &err);
  }
  if(!st) {
    free(zStates);
    return http_reply_err(r, &err);
  }
  sqlite3_bind_int64(st, 1, pk);
  if(zStates) sqlite3_bind_text(st, 2, zStates, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, pg.limit);
  sqlite3_bind_int64(st, 4, pg.offset);
  json_t *pArr = json_array();
  while(sqlite3_step(st) == SQLITE_ROW) json_array_append_new(pArr, ti_json(st));
  sqlite3_reset(st);
  free(zStates);
  return http_reply_json(r, 200, api_list("task_instances", pArr, nTotal));
}

static json_t *tries_json(web_req *r, int64_t tiId) {
  airc_err err = {0};
  json_t *pArr = json_array();
  sqlite3_stmt *st = store_prepare(r->s,
      "SELECT try_number, state, start_us, end_us, exit_code, pid, note FROM task_try WHERE ti_id=? ORDER BY try_number", &err);
  if(!st) return pArr;
  sqlite3_bind_int64(st, 1, tiId);
  while(sqlite3_step(st) == SQLITE_ROW) {
    json_t *p = json_object();
    json_object_set_new(p, "try_number", json_integer(sqlite3_column_int(st, 0)));
    json_object_set_new(p, "state", api_state(st, 1));
    json_object_set_new(p, "start_date", api_time_us(st, 2));
    json_object_set_new(p, "end_date", api_time_us(st, 3));
    int bDur = sqlite3_column_type(st, 2) != SQLITE_NULL && sqlite3_column_type(st, 3) != SQLITE_NULL;
    json_object_set_new(p, "duration", bDur ? json_real((double)(sqlite3_column_int64(st, 3) - sqlite3_column_int64(st, 2)) / 1e6) : json_null());
    json_object_set_new(p, "exit_code", sqlite3_column_type(st, 4) == SQLITE_NULL ? json_null() : json_integer(sqlite3_column_int(st, 4)));
    json_object_set_new(p, "pid", sqlite3_column_type(st, 5) == SQLITE_NULL ? json_null() : json_integer(sqlite3_column_int(st, 5)));
    json_object_set_new(p, "note", api_text(st, 6));
    json_array_append_new(pArr, p);
  }
  sqlite3_reset(st);
  return pArr;
}

static int reply_ti(web_req *r, int64_t pk, const char *zTask) {
  airc_err err = {0};
  sqlite3_stmt *st = store_prepare(r->s, TI_FROM " WHERE ti.run_pk=? AND ti.task_id=?", &err);
  if(!st) return http_reply_err(r, &err);
  sqlite3_bind_int64(st, 1, pk);
  sqlite3_bind_text(st, 2, zTask, -1, SQLITE_STATIC);
  json_t *p = NULL;
  int64_t tiId = 0;
  if(sqlite3_step(st) == SQLITE_ROW) {
    p = ti_json(st);
    tiId = sqlite3_column_int64(st, 15);
  }
  sqlite3_reset(st);
  if(!p) return http_reply_error(r, 404, NULL, "run '%s' of DAG '%s' has no task '%s'", r->azParam[1], r->azParam[0], zTask);
  json_object_set_new(p, "tries", tries_json(r, tiId));
  return http_reply_json(r, 200, p);
}

int api_ti_get(web_req *r) {
  int64_t pk = api_run_pk(r, r->azParam[0], r->azParam[1]);
  if(!pk) return r->mhdResult;
  return reply_ti(r, pk, r->azParam[2]);
}

int api_ti_patch(web_req *r) {
  int64_t pk = api_run_pk(r, r->azParam[0], r->azParam[1]);
  if(!pk) return r->mhdResult;
  airc_err err = {0};
  json_t *pBody = web_req_json_body(r, &err);
  if(!pBody) return http_reply_err(r, &err);
  const char *zState = json_string_value(json_object_get(pBody, "new_state"));
  json_t *pDry = json_object_get(pBody, "dry_run");
  int bDry = json_is_true(pDry);
  char zCopy[32];
  snprintf(zCopy, sizeof(zCopy), "%s", zState ? zState : "");
  json_decref(pBody);
  if(strcmp(zCopy, "success") && strcmp(zCopy, "failed") && strcmp(zCopy, "skipped"))
    return http_reply_error(r, 400, NULL, "the body needs \"new_state\": \"success\", \"failed\" or \"skipped\"");
  if(!bDry && dag_run_mark_task(r->s, r->azParam[0], r->azParam[1], r->azParam[2], zCopy, &err))
    return http_reply_err(r, &err);
  return reply_ti(r, pk, r->azParam[2]);
}

/* ---- clear ---- */

/* "^(a|b)$" with ERE specials escaped; NULL when the array is bad. */
static char *ids_regex(json_t *pIds) {
  size_t i;
  json_t *pId;
  size_t n = 8;
  json_array_foreach(pIds, i, pId) {
    if(!json_is_string(pId)) return NULL;
    n += 2 * strlen(json_string_value(pId)) + 1;
  }
  char *z = malloc(n), *q = z;
  if(!z) return NULL;
  *q++ = '^';
  *q++ = '(';
  json_array_foreach(pIds, i, pId) {
    if(i) *q++ = '|';
    for(const char *p = json_string_value(pId); *p; p++) {
      if(strchr(".[]()*+?{}|^$\\", *p)) *q++ = '\\';
      *q++ = *p;
    }
  }
  *q++ = ')';
  *q++ = '$';
  *q = 0;
  return z;
}

/* task_id -> "state|updated_us" of every task instance of run pk. */
static json_t *ti_snapshot(web_req *r, int64_t pk) {
  airc_err err = {0};
  json_t *p = json_object();
  sqlite3_stmt *st = store_prepare(r->s, "SELECT task_id, state, updated_us, max_tries FROM task_instance WHERE run_pk=?", &err);
  if(!st) return p;
  sqlite3_bind_int64(st, 1, pk);
  while(sqlite3_step(st) == SQLITE_ROW) {
    char z[160];
    snprintf(z, sizeof(z), "%s|%lld|%d", store_col_text(st, 1), (long long)sqlite3_column_int64(st, 2), sqlite3_column_int(st, 3));
    json_object_set_new(p, store_col_text(st, 0), json_string(z));
  }
  sqlite3_reset(st);
  return p;
}

int api_ti_clear(web_req *r) {
  const char *zDag = r->azParam[0];
  airc_err err = {0};
  json_t *pBody = web_req_json_body(r, &err);
  if(!pBody) return http_reply_err(r, &err);
  static const char *const azKnown[] = {"dag_run_id", "task_ids", "task_regex", "include_downstream", "only_failed",
                                        "dry_run", "include_upstream", "reset_dag_runs", NULL};
  const char *zKey;
  json_t *pV;
  const char *zBad = NULL;
  json_object_foreach(pBody, zKey, pV) {
    int bKnown = 0;
    for(int i = 0; azKnown[i]; i++) bKnown |= !strcmp(zKey, azKnown[i]);
    if(!bKnown) zBad = "unknown field (known: dag_run_id, task_ids, task_regex, include_downstream, only_failed, dry_run)";
  }
  const char *zRun = json_string_value(json_object_get(pBody, "dag_run_id"));
  json_t *pIds = json_object_get(pBody, "task_ids");
  json_t *pRe = json_object_get(pBody, "task_regex");
  int bDown = json_is_true(json_object_get(pBody, "include_downstream"));
  int bOnlyFailed = json_is_true(json_object_get(pBody, "only_failed"));
  int bDry = json_is_true(json_object_get(pBody, "dry_run"));
  int bUserRe = pRe != NULL; /* capped; a regex built from task_ids is not */
  static const char *const azBool[] = {"include_downstream", "only_failed", "dry_run", NULL};
  for(int i = 0; azBool[i]; i++) {
    json_t *pB = json_object_get(pBody, azBool[i]);
    if(pB && !json_is_boolean(pB)) zBad = "include_downstream, only_failed and dry_run must be true or false";
  }
  if(!zBad && !zRun) zBad = "the body needs \"dag_run_id\"";
  if(!zBad && dag_run_id_check(zRun, &err)) zBad = airc_err_msg(&err);
  if(!zBad && pIds && !json_is_array(pIds)) zBad = "task_ids must be a list of task ids";
  if(!zBad && pRe && !json_is_string(pRe)) zBad = "task_regex must be a string";
  if(!zBad && pIds && pRe) zBad = "give task_ids or task_regex, not both";
  char *zRegex = NULL;
  airc_rc rc0;
  if(!zBad && pIds && !(zRegex = ids_regex(pIds))) zBad = "task_ids must be a list of task ids";
  if(!zBad && pRe) zRegex = strdup(json_string_value(pRe));
  char zRunCopy[300];
  snprintf(zRunCopy, sizeof(zRunCopy), "%s", zRun ? zRun : "");
  json_decref(pBody);
  if(zBad) {
    free(zRegex);
    return http_reply_error(r, 400, NULL, "%s", zBad);
  }
  /* compiled before the transaction: a costly pattern must not hold the store's write lock */
  regex_t re;
  int bRe = 0;
  if(zRegex) {
    rc0 = task_regex_compile(zRegex, bUserRe ? TASK_REGEX_MAX : 0, &re, &err);
    free(zRegex);
    if(rc0) return http_reply_err(r, &err);
    bRe = 1;
  }
  int64_t pk = api_run_pk(r, zDag, zRunCopy);
  if(!pk) {
    if(bRe) regfree(&re);
    return r->mhdResult;
  }
  int nCleared = 0, nSkipped = 0;
  json_t *pBefore = NULL, *pAfter = NULL;
  airc_rc rc = store_begin(r->s, &err);
  if(!rc) {
    pBefore = ti_snapshot(r, pk);
    rc = dag_run_clear(r->s, zDag, zRunCopy, bRe ? &re : NULL, bDown, bOnlyFailed, &nCleared, &nSkipped, &err);
  }
  if(!rc) pAfter = ti_snapshot(r, pk);
  if(!rc && !bDry) rc = store_commit(r->s, &err);
  else store_rollback(r->s);
  if(bRe) regfree(&re);
  if(rc) {
    json_decref(pBefore);
    json_decref(pAfter);
    if(rc == AIRC_ERR_USAGE) err.rc = AIRC_ERR_INVALID;
    return http_reply_err(r, &err);
  }
  json_t *pArr = json_array();
  const char *zTask;
  json_t *pNow;
  json_object_foreach(pAfter, zTask, pNow) {
    const char *zWas = json_string_value(json_object_get(pBefore, zTask));
    if(zWas && !strcmp(zWas, json_string_value(pNow))) continue;
    json_t *p = json_object();
    json_object_set_new(p, "dag_id", json_string(zDag));
    json_object_set_new(p, "dag_run_id", json_string(zRunCopy));
    json_object_set_new(p, "task_id", json_string(zTask));
    json_object_set_new(p, "previous_state", zWas ? json_stringn(zWas, strcspn(zWas, "|")) : json_null());
    json_array_append_new(pArr, p);
  }
  json_decref(pBefore);
  json_decref(pAfter);
  json_t *pOut = api_list("task_instances", pArr, (int64_t)json_array_size(pArr));
  json_object_set_new(pOut, "not_cleared", json_integer(nSkipped));
  json_object_set_new(pOut, "dry_run", json_boolean(bDry));
  return http_reply_json(r, 200, pOut);
}
