/* api_datasets.c: datasets in Airflow 2.10's shapes (store/store_dataset.h):
 *   GET /datasets               {"datasets": [Dataset], "total_entries"}
 *   GET /datasets/{uri}         one Dataset (the URI percent-encoded)
 *   GET /datasets/events        {"dataset_events": [DatasetEvent], "total_entries"}
 * A Dataset lists the DAGs consuming it (consuming_dags: their schedule)
 * and the tasks producing it (producing_tasks: their outlets), which the
 * dashboard draws as producer -> dataset -> consumer. Read-only: airc
 * records events only from task successes. */
#include "store/store_dataset.h"
#include "webui/api.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* *_us fields -> Airflow's *_at / timestamp (ISO); 0 -> null */
static json_t *time_or_null(json_t *p, const char *zKey) {
  int64_t us = json_integer_value(json_object_get(p, zKey));
  return us > 0 ? api_time_us(us) : json_null();
}

static void refs_airflow(json_t *pArr) {
  size_t i;
  json_t *x;
  json_array_foreach(pArr, i, x) {
    json_object_set_new(x, "created_at", time_or_null(x, "created_us"));
    json_object_set_new(x, "updated_at", time_or_null(x, "updated_us"));
    json_object_del(x, "created_us");
    json_object_del(x, "updated_us");
  }
}

static void dataset_airflow(json_t *p) {
  json_object_set_new(p, "created_at", time_or_null(p, "created_us"));
  json_object_set_new(p, "updated_at", time_or_null(p, "updated_us"));
  json_object_del(p, "created_us");
  json_object_del(p, "updated_us");
  refs_airflow(json_object_get(p, "consuming_dags"));
  refs_airflow(json_object_get(p, "producing_tasks"));
}

int api_datasets_list(web_req *r) {
  params_page pg;
  if(!api_page(r, &pg, 100, 10000)) return r->mhdResult;
  json_t *pArr = NULL;
  int64_t n = 0;
  airc_err err = {0};
  if(store_dataset_list(r->s, web_req_arg(r, "uri_pattern"), pg.limit, pg.offset, &pArr, &n, &err))
    return http_reply_err(r, &err);
  size_t i;
  json_t *p;
  json_array_foreach(pArr, i, p) dataset_airflow(p);
  return http_reply_json(r, 200, api_list("datasets", pArr, n));
}

int api_dataset_get(web_req *r) {
  json_t *p = NULL;
  airc_err err = {0};
  airc_rc rc = store_dataset_get(r->s, r->azParam[0], &p, &err);
  if(rc == AIRC_ERR_NOTFOUND) return http_reply_error(r, 404, NULL, "%s", err.zMsg);
  if(rc) return http_reply_err(r, &err);
  dataset_airflow(p);
  return http_reply_json(r, 200, p);
}

int api_dataset_events(web_req *r) {
  params_page pg;
  if(!api_page(r, &pg, 100, 10000)) return r->mhdResult;
  store_dataset_event_filter f = {-1, web_req_arg(r, "source_dag_id"), web_req_arg(r, "source_task_id"),
                                  web_req_arg(r, "source_run_id"), -2, 0};
  airc_err err = {0};
  const char *z;
  if(params_parse_int("dataset_id", web_req_arg(r, "dataset_id"), 0, INT64_MAX, -1, &f.datasetId, &err))
    return http_reply_err(r, &err);
  if((z = web_req_arg(r, "source_map_index"))) {
    /* -1 (not mapped) or an index */
    char *zEnd = NULL;
    long long v = strtoll(z, &zEnd, 10);
    if(!*z || *zEnd || v < -1 || v > 1000000)
      return http_reply_error(r, 400, NULL, "source_map_index: '%.40s' is not -1 or an index", z);
    f.sourceMapIndex = v;
  }
  const char *zOrder = web_req_arg(r, "order_by");
  if(zOrder && strcmp(zOrder, "timestamp") && strcmp(zOrder, "-timestamp"))
    return http_reply_error(r, 400, NULL, "order_by: '%.60s' is not timestamp or -timestamp", zOrder);
  f.bNewestFirst = zOrder && !strcmp(zOrder, "-timestamp");
  json_t *pArr = NULL;
  int64_t n = 0;
  if(store_dataset_events(r->s, &f, pg.limit, pg.offset, &pArr, &n, &err)) return http_reply_err(r, &err);
  size_t i, k;
  json_t *p, *x;
  json_array_foreach(pArr, i, p) {
    json_object_set_new(p, "timestamp", time_or_null(p, "timestamp_us"));
    json_object_del(p, "timestamp_us");
    json_array_foreach(json_object_get(p, "created_dagruns"), k, x) {
      json_object_set_new(x, "logical_date", api_time_sec(json_integer_value(json_object_get(x, "logical_date"))));
      json_object_set_new(x, "data_interval_start",
                          api_time_sec(json_integer_value(json_object_get(x, "data_interval_start"))));
      json_object_set_new(x, "data_interval_end", api_time_sec(json_integer_value(json_object_get(x, "data_interval_end"))));
      json_object_set_new(x, "start_date", time_or_null(x, "start_us"));
      json_object_set_new(x, "end_date", time_or_null(x, "end_us"));
      json_object_set_new(x, "state", api_state(json_string_value(json_object_get(x, "state"))));
      json_object_del(x, "start_us");
      json_object_del(x, "end_us");
    }
  }
  return http_reply_json(r, 200, api_list("dataset_events", pArr, n));
}
