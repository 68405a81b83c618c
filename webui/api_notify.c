/* api_notify.c: GET /api/v1/notifications, an airc extension (Airflow has
 * no outbox): what the scheduler asked to send (on_failure,
 * on_deadline_miss, ...), to which target, and whether it was delivered,
 * newest first; a dead endpoint shows as `failed` with its last error.
 * Filters: dag_id, state (pending | sent | failed); limit (default 100,
 * at most 1000). Viewers read. Same rows as `airc notifications list`. */
#include "store/store_notify.h"
#include "webui/api.h"
#include <stdlib.h>
#include <string.h>

static int notify_row_json(void *pCtx, const store_notify_row *r) {
  json_t *o = json_object();
  json_object_set_new(o, "notification_id", json_integer(r->id));
  json_object_set_new(o, "created", api_time_us(r->createdUs));
  json_object_set_new(o, "event", api_text(r->zEvent));
  json_object_set_new(o, "dag_id", api_text(r->zDagId));
  json_object_set_new(o, "dag_run_id", api_text(r->zRunId));
  json_object_set_new(o, "task_id", r->zTaskId[0] ? api_text(r->zTaskId) : json_null());
  json_object_set_new(o, "try_number", r->zTaskId[0] ? json_integer(r->tryNumber) : json_null());
  json_object_set_new(o, "target", api_text(r->zTarget));
  json_object_set_new(o, "state", api_text(r->zState));
  json_object_set_new(o, "attempts", json_integer(r->attempts));
  json_object_set_new(o, "last_error", r->zLastError[0] ? api_text(r->zLastError) : json_null());
  json_object_set_new(o, "sent", r->sentUs ? api_time_us(r->sentUs) : json_null());
  json_array_append_new(pCtx, o);
  return 0;
}

int api_notifications(web_req *r) {
  const char *zDag = web_req_arg(r, "dag_id"), *zState = web_req_arg(r, "state");
  const char *zLimit = web_req_arg(r, "limit");
  if(zState && strcmp(zState, "pending") && strcmp(zState, "sent") && strcmp(zState, "failed"))
    return http_reply_error(r, 400, NULL, "state must be pending, sent or failed, not '%.40s'", zState);
  long nLimit = 100;
  if(zLimit) {
    char *zEnd = NULL;
    nLimit = strtol(zLimit, &zEnd, 10);
    if(!*zLimit || *zEnd || nLimit < 1 || nLimit > 1000)
      return http_reply_error(r, 400, NULL, "limit must be a whole number 1..1000");
  }
  airc_err err = {0};
  json_t *pArr = json_array();
  if(store_notify_each(r->s, zDag, zState, (int)nLimit, notify_row_json, pArr, &err)) {
    json_decref(pArr);
    return http_reply_err(r, &err);
  }
  json_t *p = json_object();
  json_object_set_new(p, "notifications", pArr);
  return http_reply_json(r, 200, p);
}
