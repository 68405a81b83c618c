/* spark_view.c: see spark_view.h. Field names of /json/ are Spark's
 * JsonProtocol (writeMasterState, writeWorkerInfo, writeApplicationInfo). */
#include "providers/spark/spark_view.h"
#include <string.h>
#include "common/timeutil.h"

/* A copy of pObj[zKey] when it is an integer, else null. */
static json_t *spark_int(const json_t *pObj, const char *zKey) {
  const json_t *p = json_object_get(pObj, zKey);
  return json_is_integer(p) ? json_integer(json_integer_value(p)) : json_null();
}

static json_t *spark_str(const json_t *pObj, const char *zKey) {
  const char *z = json_string_value(json_object_get(pObj, zKey));
  return z ? json_string(z) : json_null();
}

/* Milliseconds since the epoch -> ISO 8601, or null. */
static json_t *spark_time_ms(const json_t *pObj, const char *zKey) {
  const json_t *p = json_object_get(pObj, zKey);
  if(!json_is_integer(p) || json_integer_value(p) <= 0) return json_null();
  char z[48];
  return json_string(airc_time_format_api((int64_t)json_integer_value(p) * 1000, z, sizeof(z)));
}

static json_t *spark_worker(const json_t *w) {
  json_t *p = json_object();
  json_object_set_new(p, "id", spark_str(w, "id"));
  json_object_set_new(p, "host", spark_str(w, "host"));
  json_object_set_new(p, "port", spark_int(w, "port"));
  json_object_set_new(p, "web_ui", spark_str(w, "webuiaddress"));
  json_object_set_new(p, "state", spark_str(w, "state"));
  json_object_set_new(p, "cores", spark_int(w, "cores"));
  json_object_set_new(p, "cores_used", spark_int(w, "coresused"));
  json_object_set_new(p, "memory_mb", spark_int(w, "memory"));
  json_object_set_new(p, "memory_used_mb", spark_int(w, "memoryused"));
  json_object_set_new(p, "last_heartbeat", spark_time_ms(w, "lastheartbeat"));
  return p;
}

static json_t *spark_app(const json_t *a) {
  json_t *p = json_object();
  json_object_set_new(p, "id", spark_str(a, "id"));
  json_object_set_new(p, "name", spark_str(a, "name"));
  json_object_set_new(p, "user", spark_str(a, "user"));
  json_object_set_new(p, "state", spark_str(a, "state"));
  json_object_set_new(p, "cores", spark_int(a, "cores"));
  json_t *pMem = spark_int(a, "memoryperexecutor");
  if(json_is_null(pMem)) pMem = spark_int(a, "memoryperslave"); /* Spark < 3.2 */
  json_object_set_new(p, "memory_per_executor_mb", pMem);
  json_object_set_new(p, "started", spark_time_ms(a, "starttime"));
  json_object_set_new(p, "duration_ms", spark_int(a, "duration"));
  return p;
}

/* The newest SPARK_VIEW_MAX_APPS apps of pMaster[zKey] (Spark lists them
 * oldest first), newest first. */
static json_t *spark_apps(const json_t *pMaster, const char *zKey) {
  json_t *pOut = json_array();
  const json_t *pIn = json_object_get(pMaster, zKey);
  size_t n = json_array_size(pIn);
  for(size_t i = 0; i < n && i < SPARK_VIEW_MAX_APPS; i++) {
    const json_t *a = json_array_get(pIn, n - 1 - i);
    if(json_is_object(a)) json_array_append_new(pOut, spark_app(a));
  }
  return pOut;
}

json_t *spark_view_master(const char *zUi, const json_t *pMaster) {
  json_t *pOut = json_pack("{sssnsss[]s[]s[]}", "status", "down", "error", "ui", zUi, "workers", "active_apps",
                           "completed_apps");
  if(!pOut) return NULL;
  const char *zStatus = json_string_value(json_object_get(pMaster, "status"));
  if(!json_is_object(pMaster) || !zStatus) {
    json_object_set_new(pOut, "error", json_sprintf("spark master at %s: /json/ is not a master's state", zUi));
    return pOut;
  }
  if(strcmp(zStatus, "ALIVE")) json_object_set_new(pOut, "error", json_sprintf("spark master at %s is %s", zUi, zStatus));
  else json_object_set_new(pOut, "status", json_string("up"));
  json_object_set_new(pOut, "url", spark_str(pMaster, "url"));
  json_object_set_new(pOut, "master_status", json_string(zStatus));
  json_object_set_new(pOut, "alive_workers", spark_int(pMaster, "aliveworkers"));
  json_object_set_new(pOut, "cores", spark_int(pMaster, "cores"));
  json_object_set_new(pOut, "cores_used", spark_int(pMaster, "coresused"));
  json_object_set_new(pOut, "memory_mb", spark_int(pMaster, "memory"));
  json_object_set_new(pOut, "memory_used_mb", spark_int(pMaster, "memoryused"));
  size_t i;
  const json_t *w;
  json_array_foreach(json_object_get(pMaster, "workers"), i, w) {
    if(json_is_object(w)) json_array_append_new(json_object_get(pOut, "workers"), spark_worker(w));
  }
  json_object_set_new(pOut, "active_apps", spark_apps(pMaster, "activeapps"));
  json_object_set_new(pOut, "completed_apps", spark_apps(pMaster, "completedapps"));
  return pOut;
}
