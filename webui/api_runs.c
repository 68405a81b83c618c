/* api_runs.c: /api/v1/dags/{dag_id}/dagRuns (GET list, POST trigger) and
 * /dagRuns/{dag_run_id}.
 *
 * Lists are one indexed range scan: dag_run(dag_id, logical_date) for the
 * default order, dag_run(dag_id, state, logical_date) with a state filter,
 * dag_run(dag_id, start_us|end_us) for those orders. Triggering goes
 * through store_run_create() (the same rule as `airc dags trigger`). */
#include "common/timeutil.h"
#include "store/store_run.h"
#include "webui/api.h"
#include <stdlib.h>
#include <string.h>

json_t *api_run_json(const store_view_run *x) {
  json_t *p = json_object();
  json_object_set_new(p, "dag_run_id", api_text(x->zRunId));
  json_object_set_new(p, "dag_id", api_text(x->zDagId));
  json_object_set_new(p, "logical_date", api_time_sec(x->logicalDate));
  json_object_set_new(p, "execution_date", api_time_sec(x->logicalDate));
  json_object_set_new(p, "data_interval_start", api_time_sec(x->dataIntervalStart));
  json_object_set_new(p, "data_interval_end", api_time_sec(x->dataIntervalEnd));
  json_object_set_new(p, "start_date", api_time_us(x->startUs));
  json_object_set_new(p, "end_date", api_time_us(x->endUs));
  json_object_set_new(p, "state", api_text(x->zState));
  json_object_set_new(p, "run_type", api_text(x->zRunType));
  json_object_set_new(p, "external_trigger", json_boolean(x->zRunType && !strcmp(x->zRunType, RUN_TYPE_MANUAL)));
  json_t *pConf = api_json_text(x->zConf);
  json_object_set_new(p, "conf", json_is_object(pConf) ? pConf : (json_decref(pConf), json_object()));
  json_object_set_new(p, "queued_at", api_time_us(x->queuedUs));
  return p;
}

static const struct {
  const char *zName;
  store_view_run_order eOrder;
} aOrder[] = {
    {"-logical_date", STORE_VIEW_RUN_BY_DATE_DESC},
    {"logical_date", STORE_VIEW_RUN_BY_DATE},
    {"-execution_date", STORE_VIEW_RUN_BY_DATE_DESC},
    {"execution_date", STORE_VIEW_RUN_BY_DATE},
    {"-start_date", STORE_VIEW_RUN_BY_START_DESC},
    {"start_date", STORE_VIEW_RUN_BY_START},
    {"-end_date", STORE_VIEW_RUN_BY_END_DESC},
    {"end_date", STORE_VIEW_RUN_BY_END},
    {"-id", STORE_VIEW_RUN_BY_ID_DESC},
    {"id", STORE_VIEW_RUN_BY_ID},
};

static int run_list_row(void *pCtx, const store_view_run *pRun) {
  json_array_append_new((json_t *)pCtx, api_run_json(pRun));
  return 0;
}

int api_runs_list(web_req *r) {
  const char *zDag = r->azParam[0];
  params_page pg;
  if(!api_page(r, &pg, 0, 0)) return r->mhdResult;
  const char *zOrder = web_req_arg(r, "order_by");
  int iOrder = 0;
  if(zOrder) {
    iOrder = -1;
    for(size_t i = 0; i < sizeof(aOrder) / sizeof(aOrder[0]); i++)
      if(!strcmp(zOrder, aOrder[i].zName)) iOrder = (int)i;
    if(iOrder < 0)
      return http_reply_error(r, 400, NULL, "order_by must be one of [-]logical_date, [-]start_date, [-]end_date, [-]id; not '%.60s'", zOrder);
  }
  if(!api_dag_exists(r, zDag)) return r->mhdResult;
  json_t *pStates = web_req_args_all(r, "state");
  char *zStates = json_array_size(pStates) ? json_dumps(pStates, JSON_COMPACT) : NULL;
  json_decref(pStates);
  airc_err err = {0};
  int64_t nTotal = 0;
  json_t *pArr = json_array();
  airc_rc rc = store_view_run_count(r->s, zDag, zStates, &nTotal, &err);
  if(!rc)
    rc = store_view_run_list(r->s, zDag, zStates, aOrder[iOrder].eOrder, pg.limit, pg.offset, run_list_row, pArr, &err);
  free(zStates);
  if(rc) {
    json_decref(pArr);
    return http_reply_err(r, &err);
  }
  return http_reply_json(r, 200, api_list("dag_runs", pArr, nTotal));
}

static int run_one_row(void *pCtx, const store_view_run *pRun) {
  *(json_t **)pCtx = api_run_json(pRun);
  return 0;
}

static int reply_run(web_req *r, unsigned status, const char *zDag, const char *zRun) {
  airc_err err = {0};
  json_t *p = NULL;
  airc_rc rc = store_view_run_get(r->s, zDag, zRun, run_one_row, &p, &err);
  if(!rc) return http_reply_json(r, status, p);
  if(rc != AIRC_ERR_NOTFOUND) return http_reply_err(r, &err);
  if(!api_dag_exists(r, zDag)) return r->mhdResult;
  return http_reply_error(r, 404, NULL, "DAG '%s' has no run '%s'", zDag, zRun);
}

int api_run_get(web_req *r) { return reply_run(r, 200, r->azParam[0], r->azParam[1]); }

int api_run_trigger(web_req *r) {
  airc_err err = {0};
  json_t *pBody = r->nBody ? web_req_json_body(r, &err) : json_object();
  if(!pBody) return http_reply_err(r, &err);
  static const char *const azKnown[] = {"dag_run_id", "logical_date", "execution_date", "conf", "note", NULL};
  const char *zKey;
  json_t *pV;
  json_object_foreach(pBody, zKey, pV) {
    int bKnown = 0;
    for(int i = 0; azKnown[i]; i++) bKnown |= !strcmp(zKey, azKnown[i]);
    if(!bKnown) {
      http_reply_error(r, 400, NULL, "unknown field \"%.100s\" (known: dag_run_id, logical_date, conf, note)", zKey);
      json_decref(pBody); /* after the reply: zKey points into it */
      return r->mhdResult;
    }
  }
  run_spec spec = {r->azParam[0], NULL, RUN_TYPE_MANUAL, -1, NULL, 0, NULL};
  json_t *pId = json_object_get(pBody, "dag_run_id");
  json_t *pDate = json_object_get(pBody, "logical_date");
  if(!pDate || json_is_null(pDate)) pDate = json_object_get(pBody, "execution_date");
  json_t *pConf = json_object_get(pBody, "conf");
  const char *zBad = NULL;
  if(pId && !json_is_null(pId) && !json_is_string(pId)) zBad = "dag_run_id must be a string";
  else if(pDate && !json_is_null(pDate) && !json_is_string(pDate)) zBad = "logical_date must be an ISO 8601 string";
  else if(pConf && !json_is_null(pConf) && !json_is_object(pConf)) zBad = "conf must be a JSON object";
  if(zBad) {
    json_decref(pBody);
    return http_reply_error(r, 400, NULL, "%s", zBad);
  }
  spec.zRunId = json_string_value(pId);
  if(json_is_object(pConf)) spec.pConf = pConf;
  if(json_is_string(pDate) && airc_time_parse(json_string_value(pDate), &spec.logicalDate)) {
    int st = http_reply_error(r, 400, NULL, "logical_date '%.60s' is not an ISO 8601 date", json_string_value(pDate));
    json_decref(pBody);
    return st;
  }
  char zRunId[300];
  int64_t pk;
  airc_rc rc = store_run_create(r->s, &spec, &pk, zRunId, &err);
  json_decref(pBody);
  if(rc) return http_reply_err(r, &err);
  return reply_run(r, 201, r->azParam[0], zRunId);
}
