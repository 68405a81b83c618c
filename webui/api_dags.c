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

typedef struct dag_ctx {
  web_req *r;
  json_t *pArr;   /* list: where each DAG goes */
  json_t *pOne;   /* get: the DAG */
  airc_err err;   /* a failure inside a row callback */
  airc_rc rc;
} dag_ctx;

static int recent_run_row(void *pCtx, const store_view_run *pRun) {
  json_t *p = json_object();
  json_object_set_new(p, "run_id", api_text(pRun->zRunId));
  json_object_set_new(p, "state", api_text(pRun->zState));
  json_object_set_new(p, "logical_date", api_time_sec(pRun->logicalDate));
  json_array_append_new((json_t *)pCtx, p);
  return 0;
}

/* One DAG with its recent runs, or NULL with c->rc/c->err set. */
static json_t *dag_json(dag_ctx *c, const store_view_dag *d) {
  json_t *p = json_object();
  json_object_set_new(p, "dag_id", api_text(d->zDagId));
  json_object_set_new(p, "description", api_text(d->zDescription));
  json_object_set_new(p, "is_paused", json_boolean(d->bPaused));
  json_object_set_new(p, "is_active", json_boolean(d->bActive));
  json_object_set_new(p, "dag_display_name", api_text(d->zDagId));
  json_object_set_new(p, "is_subdag", json_false());
  json_object_set_new(p, "owners", json_array());
  /* Airflow's typed schedule: {"__type": "CronExpression", "value"} (presets
   * and @once included, as Airflow serializes them), null without one */
  const char *zSched = d->zSchedule;
  json_object_set_new(p, "schedule_interval", *zSched && strcmp(zSched, "none")
                                                  ? json_pack("{s:s,s:s}", "__type", "CronExpression", "value", zSched)
                                                  : json_null());
  json_t *pTags = json_array();
  json_t *pRaw = api_json_text(d->zTags);
  size_t i;
  json_t *pTag;
  json_array_foreach(pRaw, i, pTag) {
    if(json_is_string(pTag)) json_array_append_new(pTags, json_pack("{s:O}", "name", pTag));
  }
  json_decref(pRaw);
  json_object_set_new(p, "tags", pTags);
  json_object_set_new(p, "next_dagrun", api_time_sec(d->nextDagrun));
  json_object_set_new(p, "fileloc", api_text(d->zFileloc));
  json_object_set_new(p, "last_parsed_time", api_time_us(d->lastParsedUs));
  json_object_set_new(p, "has_import_errors", json_boolean(d->bImportErrors));
  json_t *pRuns = json_array();
  c->rc = store_view_run_recent(c->r->s, d->zDagId, API_RECENT_RUNS, recent_run_row, pRuns, &c->err);
  json_object_set_new(p, "recent_runs", pRuns);
  if(c->rc) {
    json_decref(p);
    return NULL;
  }
  return p;
}

static int dag_list_row(void *pCtx, const store_view_dag *d) {
  dag_ctx *c = pCtx;
  json_t *p = dag_json(c, d);
  if(!p) return 1;
  json_array_append_new(c->pArr, p);
  return 0;
}

static int dag_one_row(void *pCtx, const store_view_dag *d) {
  dag_ctx *c = pCtx;
  c->pOne = dag_json(c, d);
  return 0;
}

int api_dags_list(web_req *r) {
  params_page pg;
  if(!api_page(r, &pg, 0, 0)) return r->mhdResult;
  dag_ctx c = {r, NULL, NULL, {0}, AIRC_OK};
  store_view_dag_filter f = {-1, 1, NULL, web_req_arg(r, "dag_id_pattern")};
  if(params_parse_bool("paused", web_req_arg(r, "paused"), -1, &f.bPaused, &c.err) ||
     params_parse_bool("only_active", web_req_arg(r, "only_active"), 1, &f.bOnlyActive, &c.err))
    return http_reply_err(r, &c.err);
  json_t *pTags = web_req_args_all(r, "tags");
  char *zTags = json_array_size(pTags) ? json_dumps(pTags, JSON_COMPACT) : NULL;
  json_decref(pTags);
  f.zTagsJson = zTags;
  int64_t nTotal = 0;
  c.pArr = json_array();
  airc_rc rc = store_view_dag_count(r->s, &f, &nTotal, &c.err);
  if(!rc) rc = store_view_dag_list(r->s, &f, pg.limit, pg.offset, dag_list_row, &c, &c.err);
  if(!rc) rc = c.rc;
  free(zTags);
  if(rc) {
    json_decref(c.pArr);
    return http_reply_err(r, &c.err);
  }
  return http_reply_json(r, 200, api_list("dags", c.pArr, nTotal));
}

/* The DAG's JSON, or NULL after replying (404 when it does not exist). */
static json_t *dag_load_json(web_req *r, const char *zDagId) {
  dag_ctx c = {r, NULL, NULL, {0}, AIRC_OK};
  airc_rc rc = store_view_dag_get(r->s, zDagId, dag_one_row, &c, &c.err);
  if(!rc) rc = c.rc;
  if(rc == AIRC_ERR_NOTFOUND && !c.rc) http_reply_error(r, 404, NULL, "DAG '%s' not found", zDagId);
  else if(rc) http_reply_err(r, &c.err);
  return rc ? NULL : c.pOne;
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
  api_audit(r, bPaused ? "paused" : "unpaused", r->azParam[0], NULL, NULL, NULL);
  return api_dag_get(r);
}

/* The DAG model of the current version (caller frees), or NULL after replying. */
static dag *dag_model(web_req *r, const char *zDagId) {
  airc_err err = {0};
  char zHash[80] = "";
  airc_rc rc = store_view_dag_current_hash(r->s, zDagId, zHash, sizeof(zHash), &err);
  if(rc == AIRC_ERR_NOTFOUND) {
    http_reply_error(r, 404, NULL, "DAG '%s' not found", zDagId);
    return NULL;
  }
  if(rc) {
    http_reply_err(r, &err);
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
  json_object_set_new(p, "retry_delay", api_timedelta(t->retryDelay));
  json_object_set_new(p, "retry_exponential_backoff", json_boolean(t->retryExpBackoff));
  json_object_set_new(p, "max_retry_delay", t->maxRetryDelay ? api_timedelta(t->maxRetryDelay) : json_null());
  json_object_set_new(p, "execution_timeout", t->executionTimeout ? api_timedelta(t->executionTimeout) : json_null());
  json_object_set_new(p, "task_display_name", json_string(t->zId));
  json_object_set_new(p, "is_mapped", json_boolean(t->zExpandTask || t->pExpandList));
  /* airc: the task group (dashboard), null when none */
  json_object_set_new(p, "task_group", t->zGroup ? json_string(t->zGroup) : json_null());
  json_object_set_new(p, "depends_on_past", json_false());
  json_object_set_new(p, "wait_for_downstream", json_false());
  json_object_set_new(p, "pool", json_string("default_pool"));
  json_object_set_new(p, "pool_slots", json_integer(1));
  json_object_set_new(p, "template_fields", json_array());
  json_object_set_new(p, "extra_links", json_array());
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

/* Params in Airflow's shape: NAME -> {"__class": "airflow.models.param.Param",
 * "value", "description", "schema"}; an untyped param's schema is {}. */
static json_t *params_json(const dag *d) {
  json_t *pOut = json_object();
  const char *zName;
  json_t *v;
  json_object_foreach(d->pParams, zName, v) {
    json_t *pSchema = json_object_get(d->pParamSchema, zName);
    pSchema = pSchema ? json_deep_copy(pSchema) : json_object();
    json_t *pDesc = json_object_get(pSchema, "description");
    json_object_set_new(pOut, zName, json_pack("{s:s, s:O, s:O, s:o}", "__class", "airflow.models.param.Param",
                                               "value", v, "description", pDesc ? pDesc : json_null(), "schema", pSchema));
  }
  return pOut;
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
  json_object_set_new(p, "params", params_json(d));
  json_object_set_new(p, "timezone", json_string(tz_zone_name(d->schedule.pZone)));
  json_object_set_new(p, "dag_run_timeout", json_null());
  json_object_set_new(p, "dag_hash", json_string(d->zHash));
  json_object_set_new(p, "task_count", json_integer(d->nTask));
  dag_free(d);
  return http_reply_json(r, 200, p);
}
