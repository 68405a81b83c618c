/* api_runs.c: /api/v1/dags/{dag_id}/dagRuns (GET list, POST trigger) and
 * /dagRuns/{dag_run_id}.
 *
 * Lists are one indexed range scan: dag_run(dag_id, logical_date) for the
 * default order, dag_run(dag_id, state, logical_date) with a state filter,
 * dag_run(dag_id, start_us|end_us) for those orders. Triggering goes
 * through store_run_create() (the same rule as `airc dags trigger`). */
#include "common/timeutil.h"
#include "store/store_run.h"
#include "store/store_audit.h"
#include "webui/api.h"
#include "webui/json_out.h"
#include <stdlib.h>
#include <string.h>

static void out_time_us(json_out *o, int64_t us) {
  if(us == STORE_VIEW_NULL) json_out_lit(o, "null");
  else json_out_time_us(o, us);
}

static void out_time_sec(json_out *o, int64_t sec) {
  if(sec == STORE_VIEW_NULL) json_out_lit(o, "null");
  else json_out_time_us(o, sec * 1000000);
}

/* Largest reply of a run list: PARAMS_LIMIT_MAX runs whose conf is at the
 * 64 KiB limit, with room for the other fields (escaping may double them). */
/* bytes of one run's JSON without a large conf (~450): sizes the buffer */
#define RUN_TEXT_TYPICAL 512
#define RUNS_REPLY_MAX ((size_t)PARAMS_LIMIT_MAX * (2 * DAG_RUN_CONF_MAX + 8192))

/* One run as a JSON object, written field by field (the list's hot path:
 * no jansson tree, conf spliced as stored when it is already compact). */
static void run_write(json_out *o, const store_view_run *x) {
  json_out_lit(o, "{\"dag_run_id\":");
  json_out_str(o, x->zRunId);
  json_out_lit(o, ",\"dag_id\":");
  json_out_str(o, x->zDagId);
  json_out_lit(o, ",\"logical_date\":");
  out_time_sec(o, x->logicalDate);
  json_out_lit(o, ",\"execution_date\":");
  out_time_sec(o, x->logicalDate);
  json_out_lit(o, ",\"data_interval_start\":");
  out_time_sec(o, x->dataIntervalStart);
  json_out_lit(o, ",\"data_interval_end\":");
  out_time_sec(o, x->dataIntervalEnd);
  json_out_lit(o, ",\"start_date\":");
  out_time_us(o, x->startUs);
  json_out_lit(o, ",\"end_date\":");
  out_time_us(o, x->endUs);
  json_out_lit(o, ",\"state\":");
  json_out_str(o, x->zState);
  json_out_lit(o, ",\"run_type\":");
  json_out_str(o, x->zRunType);
  if(x->zRunType && !strcmp(x->zRunType, RUN_TYPE_MANUAL)) json_out_lit(o, ",\"external_trigger\":true,\"conf\":");
  else json_out_lit(o, ",\"external_trigger\":false,\"conf\":");
  json_out_object_text(o, x->zConf);
  json_out_lit(o, ",\"queued_at\":");
  out_time_us(o, x->queuedUs);
  json_out_lit(o, ",\"note\":");
  if(x->zNote) json_out_str(o, x->zNote);
  else json_out_lit(o, "null");
  json_out_lit(o, "}");
}

json_t *api_run_json(const store_view_run *x) {
  json_out o;
  json_out_init(&o, RUNS_REPLY_MAX);
  run_write(&o, x);
  json_t *p = o.rc ? NULL : json_loads(dynbuf_str(&o.b), 0, NULL);
  json_out_free(&o);
  return p ? p : json_object();
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

typedef struct run_list_ctx {
  json_out *pOut;
  int nRow;
} run_list_ctx;

static int run_list_row(void *pCtx, const store_view_run *pRun) {
  run_list_ctx *c = pCtx;
  if(c->nRow++) json_out_lit(c->pOut, ",");
  run_write(c->pOut, pRun);
  return c->pOut->rc != AIRC_OK; /* stop at the cap */
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
  json_t *pStates = web_req_args_all(r, "state");
  char *zStates = json_array_size(pStates) ? json_dumps(pStates, JSON_COMPACT) : NULL;
  json_decref(pStates);
  airc_err err = {0};
  int64_t nTotal = 0;
  json_out o;
  json_out_init(&o, RUNS_REPLY_MAX);
  json_out_reserve(&o, (size_t)pg.limit * RUN_TEXT_TYPICAL + 64); /* one allocation, not ~10 doublings */
  run_list_ctx c = {&o, 0};
  json_out_lit(&o, "{\"dag_runs\":[");
  airc_rc rc = store_view_run_list(r->s, zDag, zStates, aOrder[iOrder].eOrder, pg.limit, pg.offset, run_list_row, &c, &err);
  /* a page that is not full and not past the end tells the total itself */
  if(!rc && c.nRow < pg.limit && (c.nRow > 0 || pg.offset == 0)) nTotal = pg.offset + c.nRow;
  else if(!rc) rc = store_view_run_count(r->s, zDag, zStates, &nTotal, &err);
  free(zStates);
  if(rc) {
    json_out_free(&o);
    return http_reply_err(r, &err);
  }
  /* a run names its DAG (foreign key): look the DAG up only for an empty page */
  if(c.nRow == 0 && !api_dag_exists(r, zDag)) {
    json_out_free(&o);
    return r->mhdResult;
  }
  json_out_lit(&o, "],\"total_entries\":");
  json_out_int(&o, nTotal);
  json_out_lit(&o, "}");
  if(o.rc) {
    airc_rc rcOut = o.rc;
    json_out_free(&o);
    return http_reply_error(r, rcOut == AIRC_ERR_TOOBIG ? 413 : 500, NULL, "run list: the reply is above %zu bytes or out of memory",
                            (size_t)RUNS_REPLY_MAX);
  }
  size_t n;
  char *z = json_out_take(&o, &n);
  return http_reply_json_text(r, 200, z, n);
}

static int run_one_row(void *pCtx, const store_view_run *pRun) {
  run_write(pCtx, pRun);
  return 0;
}

static int reply_run(web_req *r, unsigned status, const char *zDag, const char *zRun) {
  airc_err err = {0};
  json_out o;
  json_out_init(&o, RUNS_REPLY_MAX);
  airc_rc rc = store_view_run_get(r->s, zDag, zRun, run_one_row, &o, &err);
  if(!rc) {
    size_t n;
    char *z = json_out_take(&o, &n);
    return http_reply_json_text(r, status, z, n);
  }
  json_out_free(&o);
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
  api_audit(r, "trigger", r->azParam[0], zRunId, NULL, NULL);
  return reply_run(r, 201, r->azParam[0], zRunId);
}

/* DELETE .../dagRuns/{dag_run_id}: the run with its task instances, tries
 * and XCom; its log files stay on disk. 409 while a task of it is queued
 * or running (mark it first). 204 with no body, as Airflow answers. */
