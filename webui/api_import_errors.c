/* api_import_errors.c: GET /api/v1/importErrors: DAG files that failed to
 * load, newest first, paginated. The message is the one-line parse error
 * (Airflow's stack_trace field). */
#include "webui/api.h"

static int import_error_row(void *pCtx, const store_view_import_error *e) {
  json_t *p = json_object();
  json_object_set_new(p, "import_error_id", json_integer(e->id));
  json_object_set_new(p, "filename", api_text(e->zFileloc));
  json_object_set_new(p, "stack_trace", api_text(e->zMessage));
  json_object_set_new(p, "timestamp", api_time_us(e->timestampUs));
  json_array_append_new((json_t *)pCtx, p);
  return 0;
}

int api_import_errors(web_req *r) {
  params_page pg;
  if(!api_page(r, &pg, 0, 0)) return r->mhdResult;
  airc_err err = {0};
  int64_t nTotal = 0;
  json_t *pArr = json_array();
  airc_rc rc = store_view_import_error_count(r->s, &nTotal, &err);
  if(!rc) rc = store_view_import_error_list(r->s, pg.limit, pg.offset, import_error_row, pArr, &err);
  if(rc) {
    json_decref(pArr);
    return http_reply_err(r, &err);
  }
  return http_reply_json(r, 200, api_list("import_errors", pArr, nTotal));
}
