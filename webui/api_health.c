/* api_health.c: GET /api/v1/health (public, as in Airflow).
 *
 * The metadatabase is healthy when a query answers; the scheduler when a
 * scheduler holds this home's lock and its last heartbeat (scheduler_state
 * 'heartbeat_us', written every 15 s) is younger than
 * `[scheduler] scheduler_health_check_threshold` seconds (60). */
#include "common/config.h"
#include "common/timeutil.h"
#include "scheduler/scheduler.h"
#include "webui/api.h"

/* Heartbeat in microseconds, 0 if none; -1 if the store fails. */
int64_t api_scheduler_heartbeat(web_req *r) {
  airc_err err = {0};
  int64_t us = 0;
  if(store_view_scheduler_int(r->s, "heartbeat_us", 0, &us, &err)) return -1;
  return us;
}

int api_health(web_req *r) {
  int64_t beat = api_scheduler_heartbeat(r);
  int pid = 0;
  int bRunning = scheduler_is_running(&pid);
  int64_t threshold = airc_config_get_int("scheduler", "scheduler_health_check_threshold", 60) * 1000000;
  int bHealthy = bRunning && beat > 0 && airc_now_us() - beat < threshold;
  char z[48];
  json_t *p = json_object();
  json_object_set_new(p, "metadatabase", json_pack("{s:s}", "status", beat >= 0 ? "healthy" : "unhealthy"));
  json_t *pSched = json_object();
  json_object_set_new(pSched, "status", json_string(bHealthy ? "healthy" : "unhealthy"));
  json_object_set_new(pSched, "latest_scheduler_heartbeat",
                      beat > 0 ? json_string(airc_time_format_api(beat, z, sizeof(z))) : json_null());
  json_object_set_new(pSched, "pid", bRunning && pid > 0 ? json_integer(pid) : json_null());
  json_object_set_new(p, "scheduler", pSched);
  return http_reply_json(r, 200, p);
}
