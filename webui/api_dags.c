/* api_dags.c: /api/v1/dags, /dags/{dag_id} (GET, PATCH is_paused),
 * /dags/{dag_id}/details, /dags/{dag_id}/tasks[/{task_id}].
 *
 * The list reads only the dag table (primary key order) plus, per DAG,
 * its last runs through the dag_run(dag_id, logical_date) index, so its
 * cost does not grow with the number of runs. Pausing goes through
 * store_dag_set_paused() so the rule lives in one place. */
#include "common/timeutil.h"
#include "store/store_run.h"
#include "webui/api.h"
#include <stdlib.h>
#include <string.h>

#define API_RECENT_RUNS 10

#define DAG_COLS                                                                                      \
  "d.dag_id, d.description, d.is_paused, d.is_active, d.schedule, d.tags, d.next_dagrun, d.fileloc," \
  " d.last_parsed_us, d.current_hash,"                                                                \
  " EXISTS(SELECT 1 FROM import_error e WHERE e.fileloc=d.fileloc)"

static json_t *recent_runs(web_req *r, const char *zDagId) {
  airc_err err = {0};
  json_t *pArr = json_array();
  sqlite3_stmt *st = store_prepare(r->s,
      "SELECT run_id, state, logical_date FROM dag_run WHERE dag_id=? ORDER BY logical_date DESC, id DESC LIMIT ?", &err);
  if(!st) return pArr;
  sqlite3_bind_text(st, 1, zDagId, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 2, API_RECENT_RUNS);
  while(sqlite3_step(st) == SQLITE_ROW) {
    json_t *p = json_object();
    json_object_set_new(p, "run_id", api_text(st, 0));
    json_object_set_new(p, "state", api_text(st, 1));
    json_object_set_new(p, "logical_date", api_time_sec(st, 2));
    json_array_append_new(pArr, p);
  }
  sqlite3_reset(st);
  return pArr;
}

/* One DAG from a row of DAG_COLS. */
static json_t *dag_json(web_req *r, sqlite3_stmt *st) {
  json_t *p = json_object();
  const char *zDagId = store_legacy_col_text(st, 0);
  json_object_set_new(p, "dag_id", api_text(st, 0));
  json_object_set_new(p, "description", api_text(st, 1));
  json_object_set_new(p, "is_paused", json_boolean(sqlite3_column_int(st, 2)));
  json_object_set_new(p, "is_active", json_boolean(sqlite3_column_int(st, 3)));
  const char *zSched = store_legacy_col_text(st, 4);
  json_object_set_new(p, "schedule_interval", *zSched && strcmp(zSched, "none") ? json_string(zSched) : json_null());
  json_t *pTags = json_array();
  json_t *pRaw = api_json_text(st, 5);
  size_t i;
  json_t *pTag;
  json_array_foreach(pRaw, i, pTag) {
    if(json_is_string(pTag)) json_array_append_new(pTags, json_pack("{s:O}", "name", pTag));
  }
  json_decref(pRaw);
  json_object_set_new(p, "tags", pTags);
  json_object_set_new(p, "next_dagrun", api_time_sec(st, 6));
  json_object_set_new(p, "fileloc", api_text(st, 7));
  json_object_set_new(p, "last_parsed_time", api_time_us(st, 8));
  json_object_set_new(p, "has_import_errors", json_boolean(sqlite3_column_int(st, 10)));
  json_object_set_new(p, "recent_runs", recent_runs(r, zDagId));
  return p;
}

int api_dags_list(web_req *r) {
  params_page pg;
  if(!api_page(r, &pg, 0, 0)) return r->mhdResult;
  airc_err err = {0};
  int bPaused = -1, bOnlyActive = 1;
  if(params_parse_bool("paused", web_req_arg(r, "paused"), -1, &bPaused, &err) ||
     params_parse_bool("only_active", web_req_arg(r, "only_active"), 1, &bOnlyActive, &err))
    return http_reply_err(r, &err);
  json_t *pTags = web_req_args_all(r, "tags");
  char *zTags = json_array_size(pTags) ? json_dumps(pTags, JSON_COMPACT) : NULL;
  json_decref(pTags);
  const char *zPattern = web_req_arg(r, "dag_id_pattern");
  sqlite3_stmt *st = store_prepare(r->s,
      "SELECT count(*) FROM dag d"
      " WHERE (?1 < 0 OR d.is_paused=?1) AND (?2=0 OR d.is_active=1)"
      " AND (?3 IS NULL OR EXISTS(SELECT 1 FROM json_each(d.tags) t, json_each(?3) q WHERE t.value=q.value))"
      " AND (?4 IS NULL OR instr(d.dag_id, ?4) > 0)", &err);
  if(!st) {
    free(zTags);
    return http_reply_err(r, &err);
  }
  sqlite3_bind_int(st, 1, bPaused);
  sqlite3_bind_int(st, 2, bOnlyActive);
  if(zTags) sqlite3_bind_text(st, 3, zTags, -1, SQLITE_STATIC);
  if(zPattern) sqlite3_bind_text(st, 4, zPattern, -1, SQLITE_STATIC);
  int64_t nTotal = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_reset(st);
  st = store_prepare(r->s,
      "SELECT " DAG_COLS " FROM dag d"
      " WHERE (?1 < 0 OR d.is_paused=?1) AND (?2=0 OR d.is_active=1)"
      " AND (?3 IS NULL OR EXISTS(SELECT 1 FROM json_each(d.tags) t, json_each(?3) q WHERE t.value=q.value))"
      " AND (?4 IS NULL OR instr(d.dag_id, ?4) > 0)"
      " ORDER BY d.dag_id LIMIT ?5 OFFSET ?6", &err);
  if(!st) {
    free(zTags);
    return http_reply_err(r, &err);
  }
  sqlite3_bind_int(st, 1, bPaused);
  sqlite3_bind_int(st, 2, bOnlyActive);
  if(zTags) sqlite3_bind_text(st, 3, zTags, -1, SQLITE_STATIC);
  if(zPattern) sqlite3_bind_text(st, 4, zPattern, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 5, pg.limit);
  sqlite3_bind_int64(st, 6, pg.offset);
  json_t *pArr = json_array();
  while(sqlite3_step(st) == SQLITE_ROW) json_array_append_new(pArr, dag_json(r, st));
  sqlite3_reset(st);
  free(zTags);
  return http_reply_json(r, 200, api_list("dags", pArr, nTotal));
}

/* The DAG's JSON, or NULL after replying 404. */
static json_t *dag_load_json(web_req *r, const char *zDagId) {
  airc_err err = {0};
  sqlite3_stmt *st = store_prepare(r->s, "SELECT " DAG_COLS " FROM dag d WHERE d.dag_id=?", &err);
  if(!st) {
    http_reply_err(r, &err);
    return NULL;
  }
  sqlite3_bind_text(st, 1, zDagId, -1, SQLITE_STATIC);
  json_t *p = sqlite3_step(st) == SQLITE_ROW ? dag_json(r, st) : NULL;
  sqlite3_reset(st);
  if(!p) http_reply_error(r, 404, NULL, "DAG '%s' not found", zDagId);
  return p;
}

int api_dag_get(web_req *r) {
  json_t *p = dag_load_json(r, r->azParam[0]);
  return p ? http_reply_json(r, 200, p) : r->mhdResult;
}

int api_dag_patch(web_req *r) {
  airc_err err = {0};
  json_t *pBody = web_req_json_body(r, &err);
  if(!pBody) return http_reply_err(r, &err);
  const char *zKey;
  json_t *pV;
  json_object_foreach(pBody, zKey, pV) {
    if(strcmp(zKey, "is_paused")) {
      http_reply_error(r, 400, NULL, "only \"is_paused\" can be changed, not \"%.100s\"", zKey);
      json_decref(pBody); /* after the reply: zKey points into it */
      return r->mhdResult;
    }
  }
  json_t *pPaused = json_object_get(pBody, "is_paused");
  if(!json_is_boolean(pPaused)) {
    json_decref(pBody);
    return http_reply_error(r, 400, NULL, "the body needs \"is_paused\": true or false");
  }
  int bPaused = json_is_true(pPaused);
  json_decref(pBody);
  if(store_dag_set_paused(r->s, r->azParam[0], bPaused, &err)) return http_reply_err(r, &err);
  return api_dag_get(r);
}

/* The DAG model of the current version (caller frees), or NULL after replying. */
static dag *dag_model(web_req *r, const char *zDagId) {
  airc_err err = {0};
  sqlite3_stmt *st = store_prepare(r->s, "SELECT current_hash FROM dag WHERE dag_id=?", &err);
  if(!st) {
    http_reply_err(r, &err);
    return NULL;
  }
  sqlite3_bind_text(st, 1, zDagId, -1, SQLITE_STATIC);
  char zHash[80] = "";
  int bFound = sqlite3_step(st) == SQLITE_ROW;
  if(bFound) snprintf(zHash, sizeof(zHash), "%s", store_legacy_col_text(st, 0));
  sqlite3_reset(st);
  if(!bFound) {
    http_reply_error(r, 404, NULL, "DAG '%s' not found", zDagId);
    return NULL;
  }
  dag *d = NULL;
  if(store_dag_load_version(r->s, zHash, &d, &err)) {
    http_reply_err(r, &err);
    return NULL;
  }
  return d;
}

static json_t *task_json(const dag *d, int i) {
  const dag_task *t = &d->aTask[i];
  json_t *p = json_object();
  json_object_set_new(p, "task_id", json_string(t->zId));
  json_object_set_new(p, "type", json_string(t->zType));
  json_object_set_new(p, "operator_name", json_string(t->zType));
  json_t *pUp = json_array(), *pDown = json_array();
  for(int k = 0; k < t->nUpstream; k++) json_array_append_new(pUp, json_string(d->aTask[t->aiUpstream[k]].zId));
  for(int k = 0; k < t->nDownstream; k++) json_array_append_new(pDown, json_string(d->aTask[t->aiDownstream[k]].zId));
  json_object_set_new(p, "upstream_task_ids", pUp);
  json_object_set_new(p, "downstream_task_ids", pDown);
  json_object_set_new(p, "trigger_rule", json_string(trigger_rule_name(t->rule)));
  json_object_set_new(p, "retries", json_integer(t->retries));
  json_object_set_new(p, "retry_delay", json_integer(t->retryDelay));
  json_object_set_new(p, "retry_exponential_backoff", json_boolean(t->retryExpBackoff));
  json_object_set_new(p, "max_retry_delay", t->maxRetryDelay ? json_integer(t->maxRetryDelay) : json_null());
  json_object_set_new(p, "execution_timeout", t->executionTimeout ? json_integer(t->executionTimeout) : json_null());
  json_object_set_new(p, "options", t->pOptions ? json_deep_copy(t->pOptions) : json_object());
  return p;
}

int api_dag_tasks(web_req *r) {
  dag *d = dag_model(r, r->azParam[0]);
  if(!d) return r->mhdResult;
  json_t *pArr = json_array();
  for(int i = 0; i < d->nTask; i++) json_array_append_new(pArr, task_json(d, i));
  int n = d->nTask;
  dag_free(d);
  return http_reply_json(r, 200, api_list("tasks", pArr, n));
}

int api_dag_task(web_req *r) {
  dag *d = dag_model(r, r->azParam[0]);
  if(!d) return r->mhdResult;
  int i = dag_task_index(d, r->azParam[1]);
  json_t *p = i >= 0 ? task_json(d, i) : NULL;
  dag_free(d);
  if(!p) return http_reply_error(r, 404, NULL, "DAG '%s' has no task '%s'", r->azParam[0], r->azParam[1]);
  return http_reply_json(r, 200, p);
}

int api_dag_details(web_req *r) {
  json_t *p = dag_load_json(r, r->azParam[0]);
  if(!p) return r->mhdResult;
  dag *d = dag_model(r, r->azParam[0]);
  if(!d) {
    json_decref(p);
    return r->mhdResult;
  }
  char z[48];
  json_object_set_new(p, "catchup", json_boolean(d->catchup));
  json_object_set_new(p, "start_date", d->hasStartDate ? json_string(airc_time_format_api(d->startDate * 1000000, z, sizeof(z))) : json_null());
  json_object_set_new(p, "end_date", d->hasEndDate ? json_string(airc_time_format_api(d->endDate * 1000000, z, sizeof(z))) : json_null());
  json_object_set_new(p, "max_active_runs", json_integer(d->maxActiveRuns));
  json_object_set_new(p, "max_active_tasks", json_integer(d->maxActiveTasks));
  json_object_set_new(p, "params", d->pParams ? json_deep_copy(d->pParams) : json_object());
  json_object_set_new(p, "timezone", json_string("UTC"));
  json_object_set_new(p, "dag_hash", json_string(d->zHash));
  json_object_set_new(p, "task_count", json_integer(d->nTask));
  dag_free(d);
  return http_reply_json(r, 200, p);
}
