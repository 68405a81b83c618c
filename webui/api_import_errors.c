/* api_import_errors.c: GET /api/v1/importErrors: DAG files that failed to
 * load, newest first, paginated. The message is the one-line parse error
 * (Airflow's stack_trace field). */
#include "webui/api.h"

int api_import_errors(web_req *r) {
  params_page pg;
  if(!api_page(r, &pg, 0, 0)) return r->mhdResult;
  airc_err err = {0};
  sqlite3_stmt *st = store_prepare(r->s, "SELECT count(*) FROM import_error", &err);
  if(!st) return http_reply_err(r, &err);
  int64_t nTotal = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_reset(st);
  st = store_prepare(r->s,
      "SELECT rowid, fileloc, message, timestamp_us FROM import_error ORDER BY timestamp_us DESC, rowid LIMIT ? OFFSET ?", &err);
  if(!st) return http_reply_err(r, &err);
  sqlite3_bind_int64(st, 1, pg.limit);
  sqlite3_bind_int64(st, 2, pg.offset);
  json_t *pArr = json_array();
  while(sqlite3_step(st) == SQLITE_ROW) {
    json_t *p = json_object();
    json_object_set_new(p, "import_error_id", json_integer(sqlite3_column_int64(st, 0)));
    json_object_set_new(p, "filename", api_text(st, 1));
    json_object_set_new(p, "stack_trace", api_text(st, 2));
    json_object_set_new(p, "timestamp", api_time_us(st, 3));
    json_array_append_new(pArr, p);
  }
  sqlite3_reset(st);
  return http_reply_json(r, 200, api_list("import_errors", pArr, nTotal));
}
