/* api_json.c: JSON pieces shared by the api_*.c handlers (see api.h). They
 * turn the borrowed fields of store_views.h rows into JSON values; the
 * handlers never see the store's statements. */
#include "webui/api.h"
#include "common/timeutil.h"
#include <string.h>

json_t *api_time_us(int64_t us) {
  if(us == STORE_VIEW_NULL) return json_null();
  char z[48];
  return json_string(airc_time_format_api(us, z, sizeof(z)));
}

json_t *api_time_sec(int64_t sec) {
  if(sec == STORE_VIEW_NULL) return json_null();
  char z[48];
  return json_string(airc_time_format_api(sec * 1000000, z, sizeof(z)));
}

json_t *api_text(const char *z) {
  if(!z) return json_null();
  json_t *p = json_stringn(z, strlen(z));
  return p ? p : json_string("(not UTF-8)");
}

json_t *api_state(const char *z) {
  if(!z || !strcmp(z, "none")) return json_null();
  return json_string(z);
}

json_t *api_json_text(const char *z) {
  if(!z) return json_null();
  json_t *p = json_loads(z, JSON_DECODE_ANY, NULL);
  return p ? p : api_text(z);
}

json_t *api_int(int64_t v) { return v == STORE_VIEW_NULL ? json_null() : json_integer(v); }

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
  int bFound = 0;
  if(store_view_dag_exists(r->s, zDagId, &bFound, &err)) {
    http_reply_err(r, &err);
    return 0;
  }
  if(!bFound) http_reply_error(r, 404, NULL, "DAG '%s' not found", zDagId);
  return bFound;
}

int64_t api_run_pk(web_req *r, const char *zDagId, const char *zRunId) {
  airc_err err = {0};
  int64_t pk = 0;
  airc_rc rc = store_view_run_pk(r->s, zDagId, zRunId, &pk, &err);
  if(rc == AIRC_ERR_NOTFOUND) {
    if(api_dag_exists(r, zDagId)) http_reply_error(r, 404, NULL, "DAG '%s' has no run '%s'", zDagId, zRunId);
    return 0;
  }
  if(rc) {
    http_reply_err(r, &err);
    return 0;
  }
  return pk;
}

json_t *api_timedelta(int64_t sec) {
  int64_t days = sec / 86400, rest = sec % 86400;
  if(rest < 0) { /* Python's timedelta keeps seconds in 0..86399 */
    rest += 86400;
    days--;
  }
  return json_pack("{s:s,s:I,s:I,s:i}", "__type", "TimeDelta", "days", (json_int_t)days, "seconds", (json_int_t)rest,
                   "microseconds", 0);
}
