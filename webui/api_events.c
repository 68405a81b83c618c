/* api_events.c: the audit trail. api_audit() records one action of the
 * request's user (who, when, what, from where) in the store's event_log;
 * GET /api/v1/eventLogs[/{event_log_id}] reads it in Airflow's shape
 * (event_log_id, when, dag_id, task_id, run_id, map_index, try_number,
 * event, execution_date, owner, extra). Recording is best effort: a store
 * error is logged and the action's own answer is unchanged. */
#include "common/log.h"
#include "common/timeutil.h"
#include "store/store_audit.h"
#include "webui/api.h"
#include <stdlib.h>
#include <string.h>

void api_audit(web_req *r, const char *zEvent, const char *zDagId, const char *zRunId, const char *zTaskId,
               json_t *pExtra) {
  api_audit_as(r, r->user.zName[0] ? r->user.zName : "anonymous", zEvent, zDagId, zRunId, zTaskId, pExtra);
}

void api_audit_as(web_req *r, const char *zOwner, const char *zEvent, const char *zDagId, const char *zRunId,
                  const char *zTaskId, json_t *pExtra) {
  char zIp[64];
  web_req_client_ip(r, zIp, sizeof(zIp));
  if(!pExtra) pExtra = json_object();
  json_object_set_new(pExtra, "ip", json_string(zIp));
  json_object_set_new(pExtra, "method", json_string(r->zMethod));
  json_object_set_new(pExtra, "path", json_string(r->zPath));
  char *zExtra = json_dumps(pExtra, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(pExtra);
  store_event_rec e = {0, airc_now_us(), zEvent, zOwner,
                       zDagId, zRunId, zTaskId, STORE_EVENT_NULL, STORE_EVENT_NULL, STORE_EVENT_NULL, zExtra};
  airc_err err = {0};
  if(store_event_insert(r->s, &e, NULL, &err)) LOG_WARN("web: audit trail: %s", err.zMsg);
  free(zExtra);
}

static json_t *event_json(const store_event_rec *e) {
  json_t *p = json_object();
  json_object_set_new(p, "event_log_id", json_integer(e->id));
  json_object_set_new(p, "when", api_time_us(e->whenUs));
  json_object_set_new(p, "dag_id", api_text(e->zDagId));
  json_object_set_new(p, "task_id", api_text(e->zTaskId));
  json_object_set_new(p, "run_id", api_text(e->zRunId));
  json_object_set_new(p, "map_index", api_int(e->mapIndex));
  json_object_set_new(p, "try_number", api_int(e->tryNumber));
  json_object_set_new(p, "event", api_text(e->zEvent));
  json_object_set_new(p, "execution_date", api_time_sec(e->logicalDate));
  json_object_set_new(p, "owner", api_text(e->zOwner));
  json_object_set_new(p, "extra", api_text(e->zExtra));
  return p;
}

static int event_list_row(void *pCtx, const store_event_rec *e) {
  json_array_append_new((json_t *)pCtx, event_json(e));
  return 0;
}

static int event_one_row(void *pCtx, const store_event_rec *e) {
  *(json_t **)pCtx = event_json(e);
  return 0;
}

/* ?after= / ?before= as microseconds (STORE_EVENT_NULL when absent); 0 after replying 400. */
static int time_arg(web_req *r, const char *zName, int64_t *pOut) {
  const char *z = web_req_arg(r, zName);
  *pOut = STORE_EVENT_NULL;
  if(!z) return 1;
  int64_t sec;
  if(airc_time_parse(z, &sec)) {
    http_reply_error(r, 400, NULL, "%s '%.60s' is not an ISO 8601 date", zName, z);
    return 0;
  }
  *pOut = sec * 1000000;
  return 1;
}

int api_event_logs(web_req *r) {
  params_page pg;
  if(!api_page(r, &pg, 0, 0)) return r->mhdResult;
  store_event_filter f = {web_req_arg(r, "dag_id"), web_req_arg(r, "run_id"), web_req_arg(r, "task_id"),
                          web_req_arg(r, "event"), web_req_arg(r, "owner"), 0, 0};
  if(!time_arg(r, "after", &f.afterUs) || !time_arg(r, "before", &f.beforeUs)) return r->mhdResult;
  const char *zOrder = web_req_arg(r, "order_by");
  int bDesc = 0;
  if(zOrder) {
    static const char *const azAsc[] = {"event_log_id", "when", "dttm", NULL};
    const char *zKey = zOrder[0] == '-' ? zOrder + 1 : zOrder;
    int bOk = 0;
    for(int i = 0; azAsc[i]; i++) bOk |= !strcmp(zKey, azAsc[i]);
    if(!bOk)
      return http_reply_error(r, 400, NULL, "order_by '%.60s' is not one of [-]event_log_id, [-]when", zOrder);
    bDesc = zOrder[0] == '-';
  }
  airc_err err = {0};
  int64_t nTotal = 0;
  json_t *pArr = json_array();
  airc_rc rc = store_event_count(r->s, &f, &nTotal, &err);
  if(!rc) rc = store_event_list(r->s, &f, bDesc, pg.limit, pg.offset, event_list_row, pArr, &err);
  if(rc) {
    json_decref(pArr);
    return http_reply_err(r, &err);
  }
  return http_reply_json(r, 200, api_list("event_logs", pArr, nTotal));
}

int api_event_log_get(web_req *r) {
  airc_err err = {0};
  int64_t id = 0;
  if(params_parse_int("event_log_id", r->azParam[0], 1, INT64_MAX, 1, &id, &err)) return http_reply_err(r, &err);
  json_t *p = NULL;
  airc_rc rc = store_event_get(r->s, id, event_one_row, &p, &err);
  if(rc) {
    return rc == AIRC_ERR_NOTFOUND ? http_reply_error(r, 404, NULL, "event log %lld not found", (long long)id)
                                   : http_reply_err(r, &err);
  }
  return http_reply_json(r, 200, p);
}
