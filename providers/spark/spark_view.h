/* spark_view.h: a Spark standalone master's state, from its web UI's
 * /json/ endpoint, shaped for the dashboard (pure: the caller fetches).
 *
 * Not for: submitting or killing applications (trigger-stream-job). */
#ifndef AIRC_SPARK_VIEW_H
#define AIRC_SPARK_VIEW_H
#include <jansson.h>

#define SPARK_VIEW_MAX_APPS 50

/* From the master's /json/ document pMaster (borrowed) returns (new
 * reference)
 *   {"status": "up"|"down", "error", "ui": zUi, "url": "spark://...",
 *    "master_status": "ALIVE", "alive_workers", "cores", "cores_used",
 *    "memory_mb", "memory_used_mb",
 *    "workers": [{"id", "host", "port", "web_ui", "state", "cores",
 *                 "cores_used", "memory_mb", "memory_used_mb", "last_heartbeat"}],
 *    "active_apps": [{"id", "name", "user", "state", "cores",
 *                     "memory_per_executor_mb", "started", "duration_ms"}],
 *    "completed_apps": [...]}   (the newest SPARK_VIEW_MAX_APPS)
 * "up" only when the document is an object whose "status" is ALIVE; a
 * standby master ("STANDBY") or something else is "down" with the reason.
 * Times (started, last_heartbeat) leave as ISO 8601 UTC. */
json_t *spark_view_master(const char *zUi, const json_t *pMaster);

#endif
