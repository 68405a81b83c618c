/* metrics.c: GET /metrics in the Prometheus text format (version 0.0.4).
 *
 * Everything is read from the store at scrape time (no counters kept in
 * the server, so several web servers agree):
 *   airc_dag_runs{state}                 gauge, runs by state
 *   airc_task_instances{state}           gauge, task instances by state
 *   airc_task_duration_seconds{dag_id}   histogram of finished task instances
 *   airc_scheduler_up                    1 if a scheduler holds the lock
 *   airc_scheduler_heartbeat_age_seconds seconds since the last heartbeat
 *   airc_scheduler_loop_lag_seconds      if the scheduler records 'loop_lag_us'
 *   airc_import_errors                   DAG files failing to load
 *   airc_dags{paused}                    active DAGs
 *   airc_kafka_*                         Kafka's high watermarks and consumer lag
 *                                        (api_pipeline.c, kafka_view.h; cached briefly)
 * Label values are escaped as the format requires (\\, \", \n). */
#include "common/dynbuf.h"
#include "common/timeutil.h"
#include "scheduler/scheduler.h"
#include "webui/api.h"
#include <stdlib.h>
#include <string.h>

#define METRICS_MAX (16 * 1024 * 1024)

/* Appends z as a label value, escaped. */
static airc_rc put_label(dynbuf *b, const char *z) {
  airc_rc rc = AIRC_OK;
  for(; *z && !rc; z++) {
    if(*z == '\\') rc = dynbuf_appendz(b, "\\\\");
    else if(*z == '"') rc = dynbuf_appendz(b, "\\\"");
    else if(*z == '\n') rc = dynbuf_appendz(b, "\\n");
    else rc = dynbuf_append(b, z, 1);
  }
  return rc;
}

typedef struct metrics_ctx {
  dynbuf *b;
  const char *zName;
  airc_rc rc; /* the first failure to append */
} metrics_ctx;

static int state_row(void *pCtx, const store_view_count *pRow) {
  metrics_ctx *c = pCtx;
  c->rc = dynbuf_printf(c->b, "%s{state=\"", c->zName);
  if(!c->rc) c->rc = put_label(c->b, pRow->zKey);
  if(!c->rc) c->rc = dynbuf_printf(c->b, "\"} %lld\n", (long long)pRow->n);
  return c->rc != AIRC_OK;
}

/* A gauge by state; bRuns: runs, else task instances. */
static airc_rc by_state(web_req *r, dynbuf *b, const char *zName, const char *zHelp, int bRuns, airc_err *pErr) {
  metrics_ctx c = {b, zName, AIRC_OK};
  airc_rc rc = dynbuf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", zName, zHelp, zName);
  if(!rc) rc = bRuns ? store_view_run_state_counts(r->s, state_row, &c, pErr) : store_view_ti_state_counts(r->s, state_row, &c, pErr);
  return rc ? rc : c.rc;
}

static int durations_row(void *pCtx, const store_view_durations *d) {
  metrics_ctx *c = pCtx;
  dynbuf *b = c->b;
  airc_rc rc = AIRC_OK;
  for(int i = 0; i <= STORE_VIEW_N_BUCKET && !rc; i++) {
    rc = dynbuf_appendz(b, "airc_task_duration_seconds_bucket{dag_id=\"");
    if(!rc) rc = put_label(b, d->zDagId);
    if(!rc && i < STORE_VIEW_N_BUCKET)
      rc = dynbuf_printf(b, "\",le=\"%g\"} %lld\n", store_view_aDurationBucket[i], (long long)d->anLe[i]);
    else if(!rc) rc = dynbuf_printf(b, "\",le=\"+Inf\"} %lld\n", (long long)d->n);
  }
  if(!rc) rc = dynbuf_appendz(b, "airc_task_duration_seconds_sum{dag_id=\"");
  if(!rc) rc = put_label(b, d->zDagId);
  if(!rc) rc = dynbuf_printf(b, "\"} %.6f\n", d->sum);
  if(!rc) rc = dynbuf_appendz(b, "airc_task_duration_seconds_count{dag_id=\"");
  if(!rc) rc = put_label(b, d->zDagId);
  if(!rc) rc = dynbuf_printf(b, "\"} %lld\n", (long long)d->n);
  c->rc = rc;
  return rc != AIRC_OK;
}

static airc_rc durations(web_req *r, dynbuf *b, airc_err *pErr) {
  metrics_ctx c = {b, NULL, AIRC_OK};
  airc_rc rc = dynbuf_appendz(b, "# HELP airc_task_duration_seconds Duration of finished task instances.\n"
                                 "# TYPE airc_task_duration_seconds histogram\n");
  if(!rc) rc = store_view_task_durations(r->s, durations_row, &c, pErr);
  return rc ? rc : c.rc;
}

int api_metrics(web_req *r) {
  dynbuf b;
  dynbuf_init(&b, METRICS_MAX);
  airc_err err = {0};
  airc_rc rc = by_state(r, &b, "airc_dag_runs", "DAG runs by state.", 1, &err);
  if(!rc) rc = by_state(r, &b, "airc_task_instances", "Task instances by state.", 0, &err);
  if(!rc) rc = durations(r, &b, &err);
  int pid = 0;
  int bUp = scheduler_is_running(&pid);
  int64_t beat = api_scheduler_heartbeat(r);
  if(!rc) rc = dynbuf_printf(&b, "# HELP airc_scheduler_up 1 if a scheduler runs for this home.\n"
                                 "# TYPE airc_scheduler_up gauge\nairc_scheduler_up %d\n", bUp);
  if(!rc && beat > 0)
    rc = dynbuf_printf(&b, "# HELP airc_scheduler_heartbeat_age_seconds Seconds since the scheduler's last heartbeat.\n"
                           "# TYPE airc_scheduler_heartbeat_age_seconds gauge\nairc_scheduler_heartbeat_age_seconds %.3f\n",
                       (double)(airc_now_us() - beat) / 1e6);
  int64_t lag = -1, nImportErrors = 0, nPaused = 0, nUnpaused = 0;
  if(!rc) rc = store_view_scheduler_int(r->s, "loop_lag_us", -1, &lag, &err);
  if(!rc) rc = store_view_import_error_count(r->s, &nImportErrors, &err);
  if(!rc) rc = store_view_dag_active_counts(r->s, &nPaused, &nUnpaused, &err);
  if(!rc && lag >= 0)
    rc = dynbuf_printf(&b, "# HELP airc_scheduler_loop_lag_seconds How late the scheduler woke from its last sleep.\n"
                           "# TYPE airc_scheduler_loop_lag_seconds gauge\nairc_scheduler_loop_lag_seconds %.6f\n",
                       (double)lag / 1e6);
  if(!rc) rc = dynbuf_printf(&b, "# HELP airc_import_errors DAG files that failed to load.\n"
                                 "# TYPE airc_import_errors gauge\nairc_import_errors %lld\n",
                             (long long)nImportErrors);
  if(!rc) rc = dynbuf_printf(&b, "# HELP airc_dags Active DAGs.\n# TYPE airc_dags gauge\n"
                                 "airc_dags{paused=\"true\"} %lld\nairc_dags{paused=\"false\"} %lld\n",
                             (long long)nPaused, (long long)nUnpaused);
  if(!rc) rc = api_pipeline_metrics(&b);
  if(rc) {
    dynbuf_free(&b);
    return http_reply_error(r, 500, NULL, "building the metrics failed: %s", err.rc ? airc_err_msg(&err) : airc_strerror(rc));
  }
  size_t n = b.n;
  char *z = dynbuf_take(&b);
  return http_reply_body(r, 200, "text/plain; version=0.0.4; charset=utf-8", z, n, NULL);
}
