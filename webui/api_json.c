/* api_json.c: JSON pieces shared by the api_*.c handlers (see api.h). */
#include "webui/api.h"
#include "common/timeutil.h"
#include <string.h>

json_t *api_time_us(sqlite3_stmt *st, int iCol) {
  if(sqlite3_column_type(st, iCol) == SQLITE_NULL) return json_null();
  char z[48];
  return json_string(airc_time_format_api(sqlite3_column_int64(st, iCol), z, sizeof(z)));
}

json_t *api_time_sec(sqlite3_stmt *st, int iCol) {
  if(sqlite3_column_type(st, iCol) == SQLITE_NULL) return json_null();
  char z[48];
  return json_string(airc_time_format_api(sqlite3_column_int64(st, iCol) * 1000000, z, sizeof(z)));
}

json_t *api_text(sqlite3_stmt *st, int iCol) {
  const unsigned char *z = sqlite3_column_text(st, iCol);
  if(!z) return json_null();
  json_t *p = json_stringn((const char *)z, (size_t)sqlite3_column_bytes(st, iCol));
  return p ? p : json_string("(not UTF-8)");
}

json_t *api_state(sqlite3_stmt *st, int iCol) {
  const unsigned char *z = sqlite3_column_text(st, iCol);
  if(!z || !strcmp((const char *)z, "none")) return json_null();
  return json_string((const char *)z);
}

json_t *api_json_text(sqlite3_stmt *st, int iCol) {
  const char *z = (const char *)sqlite3_column_text(st, iCol);
  if(!z) return json_null();
  json_t *p = json_loads(z, JSON_DECODE_ANY, NULL);
  return p ? p : api_text(st, iCol);
}

int api_page(web_req *r, params_page *pOut, int64_t nDefault, int64_t nMax) {
  airc_err err = {0};
  if(params_parse_page(web_req_arg(r, "limit"), web_req_arg(r, "offset"), nDefault, nMax, pOut, &err)) {
    http_reply_err(r, &err);
    return 0;
  }
  return 1;
}

json_t *api_list(const char *zKey, json_t *pArr, int64_t nTotal) {
  json_t *p = json_object();
  json_object_set_new(p, zKey, pArr);
  json_object_set_new(p, "total_entries", json_integer(nTotal));
  return p;
}

int api_dag_exists(web_req *r, const char *zDagId) {
  airc_err err = {0};
  sqlite3_stmt *st = store_prepare(r->s, "SELECT 1 FROM dag WHERE dag_id=?", &err);
  if(!st) {
    http_reply_err(r, &err);
    return 0;
  }
  sqlite3_bind_text(st, 1, zDagId, -1, SQLITE_STATIC);
  int bFound = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_reset(st);
  if(!bFound) http_reply_error(r, 404, NULL, "DAG '%s' not found", zDagId);
  return bFound;
}

int64_t api_run_pk(web_req *r, const char *zDagId, const char *zRunId) {
  airc_err err = {0};
  sqlite3_stmt *st = store_prepare(r->s, "SELECT id FROM dag_run WHERE dag_id=? AND run_id=?", &err);
  if(!st) {
    http_reply_err(r, &err);
    return 0;
  }
  sqlite3_bind_text(st, 1, zDagId, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, zRunId, -1, SQLITE_STATIC);
  int64_t pk = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_reset(st);
  if(!pk) {
    if(api_dag_exists(r, zDagId)) http_reply_error(r, 404, NULL, "DAG '%s' has no run '%s'", zDagId, zRunId);
  }
  return pk;
}
