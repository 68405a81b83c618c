/* api.h: the REST API's handlers (api_*.c) and the JSON pieces they share.
 *
 * Each handler answers one route of the table in server.c; path
 * parameters arrive in r->azParam in pattern order. Field names follow
 * Airflow's stable REST API; airc extensions are marked in openapi.json.
 * Times leave as ISO 8601 UTC strings ("2026-01-01T00:00:00+00:00") or
 * null; a task instance state 'none' leaves as null, as in Airflow. */
#ifndef AIRC_API_H
#define AIRC_API_H
#include <jansson.h>
#include "common/dynbuf.h"
#include "store/store_views.h"
#include "webui/http_reply.h"
#include "webui/params.h"
#include "webui/web_req.h"

/* ---- shared JSON pieces (api_json.c) ---- */
/* Fields of the store_view_* structs -> JSON: STORE_VIEW_NULL and NULL
 * text leave as null. */
json_t *api_time_us(int64_t us);      /* microseconds -> ISO */
json_t *api_time_sec(int64_t sec);    /* seconds -> ISO */
json_t *api_text(const char *z);      /* text ("(not UTF-8)" when it is not) */
json_t *api_state(const char *z);     /* 'none' -> null */
json_t *api_json_text(const char *z); /* JSON text -> its value (or the string) */
json_t *api_int(int64_t v);           /* integer */
/* Seconds as Airflow's {"__type":"TimeDelta","days","seconds","microseconds"}
 * (seconds 0..86399, as Python's timedelta normalizes). */
json_t *api_timedelta(int64_t sec);
/* limit/offset of the request; on a bad value replies 400 and returns 0. */
int api_page(web_req *r, params_page *pOut, int64_t nDefault, int64_t nMax);
/* {"<zKey>": pArr, "total_entries": n}; takes pArr. */
json_t *api_list(const char *zKey, json_t *pArr, int64_t nTotal);
/* Replies 404 unless DAG r->azParam[0] exists (active or not). 1 if it does. */
int api_dag_exists(web_req *r, const char *zDagId);
/* The run's row id, or 0 after replying 404. */
int64_t api_run_pk(web_req *r, const char *zDagId, const char *zRunId);

/* Scheduler heartbeat (microseconds) from the store; 0 none, -1 store error (api_health.c). */
int64_t api_scheduler_heartbeat(web_req *r);

/* ---- handlers ---- */
int api_health(web_req *r);
int api_openapi(web_req *r);
int api_dags_list(web_req *r);
int api_dag_get(web_req *r);
int api_dag_patch(web_req *r);
int api_dag_details(web_req *r);
int api_dag_tasks(web_req *r);
int api_dag_task(web_req *r);
int api_runs_list(web_req *r);
int api_run_get(web_req *r);
int api_run_trigger(web_req *r);
int api_tis_list(web_req *r);
int api_ti_get(web_req *r);
int api_ti_get_mapped(web_req *r);
int api_ti_list_mapped(web_req *r);
int api_ti_patch(web_req *r);
int api_ti_clear(web_req *r);
int api_logs_get(web_req *r);
int api_import_errors(web_req *r);
int api_grid(web_req *r);
/* api_dash.c: the calendar and the DAG source (airc extensions). */
int api_dag_calendar(web_req *r);
int api_dag_source(web_req *r);
int api_users_list(web_req *r);
int api_users_create(web_req *r);
int api_users_delete(web_req *r);
int api_users_patch(web_req *r);
int api_user_tokens_list(web_req *r);
int api_user_tokens_create(web_req *r);
int api_user_tokens_revoke(web_req *r);
/* /api/v1/auth/tokens[/{name}]: the request's own personal tokens (any role). */
int api_my_tokens_list(web_req *r);
int api_my_tokens_create(web_req *r);
int api_my_tokens_revoke(web_req *r);
int api_metrics(web_req *r);
int api_run_delete(web_req *r);
int api_event_logs(web_req *r);
int api_event_log_get(web_req *r);
int api_version(web_req *r);
int api_config(web_req *r);
int api_plugins(web_req *r);
/* api_notify.c: the notification outbox (store/store_notify.h). */
int api_notifications(web_req *r);
/* api_pools.c: pools (store/store_pool.h). */
/* api_datasets.c: datasets and their events (Airflow 2.10's shapes). */
int api_datasets_list(web_req *r);
int api_dataset_get(web_req *r);
int api_dataset_events(web_req *r);
int api_pools(web_req *r);
int api_pool_get(web_req *r);
int api_pool_create(web_req *r);
int api_pool_patch(web_req *r);
int api_pool_delete(web_req *r);
int api_variables(web_req *r);
int api_connections(web_req *r);
/* api_secrets.c: connections and variables (secrets masked). */
int api_connection_get(web_req *r);
int api_connection_create(web_req *r);
int api_connection_patch(web_req *r);
int api_connection_delete(web_req *r);
int api_variable_get(web_req *r);
int api_variable_create(web_req *r);
int api_variable_patch(web_req *r);
int api_variable_delete(web_req *r);
int api_xcom_list(web_req *r);
/* api_pipeline.c: the Control Center (Kafka, schema registry, Spark,
 * Cassandra), each component read with a bounded timeout and cached briefly. */
int api_kafka_cluster(web_req *r);
int api_kafka_topics(web_req *r);
int api_kafka_groups(web_req *r);
int api_schemas(web_req *r);
int api_spark(web_req *r);
int api_pipeline_tables(web_req *r);
int api_pipeline_health(web_req *r);
/* Appends Kafka's high watermarks and consumer lag to /metrics
 * ([control_center] metrics = false: nothing). */
AIRC_WUR airc_rc api_pipeline_metrics(dynbuf *b);
int api_xcom_get(web_req *r);

/* Records an action of the request's user in the audit trail (api_events.c):
 * event name, the DAG/run/task it touched (NULL: none) and pExtra (a JSON
 * object, taken, may be NULL) to which the client IP, method and path are
 * added. Best effort: a store error is logged, never answered. */
void api_audit(web_req *r, const char *zEvent, const char *zDagId, const char *zRunId, const char *zTaskId,
               json_t *pExtra);
/* Same, for zOwner instead of the request's user (a login, failed or not). */
void api_audit_as(web_req *r, const char *zOwner, const char *zEvent, const char *zDagId, const char *zRunId,
                  const char *zTaskId, json_t *pExtra);
/* control of live work (api_control.c) */
int api_run_patch(web_req *r);
int api_dag_delete(web_req *r);
int api_run_set_note(web_req *r);
int api_ti_set_note(web_req *r);
int api_backfill_create(web_req *r);
int api_backfill_dry_run(web_req *r);
int api_backfills_list(web_req *r);
int api_backfill_get(web_req *r);
int api_backfill_pause(web_req *r);
int api_backfill_unpause(web_req *r);
int api_backfill_cancel(web_req *r);

/* Replies 200 with task zTask of run pk (with its tries), or 404 (api_tasks.c). */
int api_ti_reply(web_req *r, int64_t pk, const char *zTask);

/* JSON of one run (api_runs.c). */
json_t *api_run_json(const store_view_run *pRun);

#endif
