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
 * Label values are escaped as the format requires (\\, \", \n). */
#include "common/dynbuf.h"
#include "common/timeutil.h"
#include "scheduler/scheduler.h"
#include "webui/api.h"
#include <stdlib.h>
#include <string.h>

#define METRICS_MAX (16 * 1024 * 1024)

static const double aBucket[] = {0.1, 0.5, 1, 5, 30, 60, 300, 1800, 3600};
#define N_BUCKET ((int)(sizeof(aBucket) / sizeof(aBucket[0])))

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

static airc_rc by_state(web_req *r, dynbuf *b, const char *zName, const char *zHelp, const char *zSql) {
  airc_err err = {0};
  airc_rc rc = dynbuf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", zName, zHelp, zName);
  sqlite3_stmt *st = store_prepare(r->s, zSql, &err);
  if(!st) return err.rc;
  while(!rc && sqlite3_step(st) == SQLITE_ROW) {
    rc = dynbuf_printf(b, "%s{state=\"", zName);
    if(!rc) rc = put_label(b, store_legacy_col_text(st, 0));
    if(!rc) rc = dynbuf_printf(b, "\"} %lld\n", (long long)sqlite3_column_int64(st, 1));
  }
  sqlite3_reset(st);
  return rc;
}

static airc_rc durations(web_req *r, dynbuf *b) {
  airc_err err = {0};
  airc_rc rc = dynbuf_appendz(b, "# HELP airc_task_duration_seconds Duration of finished task instances.\n"
                                 "# TYPE airc_task_duration_seconds histogram\n");
  sqlite3_stmt *st = store_prepare(r->s,
      "SELECT dag_id, count(*), total(duration), sum(duration<=0.1), sum(duration<=0.5), sum(duration<=1),"
      " sum(duration<=5), sum(duration<=30), sum(duration<=60), sum(duration<=300), sum(duration<=1800),"
      " sum(duration<=3600) FROM task_instance WHERE duration IS NOT NULL AND state IN ('success','failed')"
      " GROUP BY dag_id", &err);
  if(!st) return err.rc;
  while(!rc && sqlite3_step(st) == SQLITE_ROW) {
    const char *zDag = store_legacy_col_text(st, 0);
    for(int i = 0; i <= N_BUCKET && !rc; i++) {
      rc = dynbuf_appendz(b, "airc_task_duration_seconds_bucket{dag_id=\"");
      if(!rc) rc = put_label(b, zDag);
      if(!rc && i < N_BUCKET) rc = dynbuf_printf(b, "\",le=\"%g\"} %lld\n", aBucket[i], (long long)sqlite3_column_int64(st, 3 + i));
      else if(!rc) rc = dynbuf_printf(b, "\",le=\"+Inf\"} %lld\n", (long long)sqlite3_column_int64(st, 1));
    }
    if(!rc) rc = dynbuf_appendz(b, "airc_task_duration_seconds_sum{dag_id=\"");
    if(!rc) rc = put_label(b, zDag);
    if(!rc) rc = dynbuf_printf(b, "\"} %.6f\n", sqlite3_column_double(st, 2));
    if(!rc) rc = dynbuf_appendz(b, "airc_task_duration_seconds_count{dag_id=\"");
    if(!rc) rc = put_label(b, zDag);
    if(!rc) rc = dynbuf_printf(b, "\"} %lld\n", (long long)sqlite3_column_int64(st, 1));
  }
  sqlite3_reset(st);
  return rc;
}

static int64_t scalar(web_req *r, const char *zSql, int64_t iDefault) {
  airc_err err = {0};
  sqlite3_stmt *st = store_prepare(r->s, zSql, &err);
  if(!st) return iDefault;
  int64_t v = iDefault;
  if(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) v = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  return v;
}

int api_metrics(web_req *r) {
  dynbuf b;
  dynbuf_init(&b, METRICS_MAX);
  airc_rc rc = by_state(r, &b, "airc_dag_runs", "DAG runs by state.",
                        "SELECT state, count(*) FROM dag_run WHERE is_test=0 GROUP BY state ORDER BY state");
  if(!rc) rc = by_state(r, &b, "airc_task_instances", "Task instances by state.",
                        "SELECT state, count(*) FROM task_instance GROUP BY state ORDER BY state");
  if(!rc) rc = durations(r, &b);
  int pid = 0;
  int bUp = scheduler_is_running(&pid);
  int64_t beat = api_scheduler_heartbeat(r);
  if(!rc) rc = dynbuf_printf(&b, "# HELP airc_scheduler_up 1 if a scheduler runs for this home.\n"
                                 "# TYPE airc_scheduler_up gauge\nairc_scheduler_up %d\n", bUp);
  if(!rc && beat > 0)
    rc = dynbuf_printf(&b, "# HELP airc_scheduler_heartbeat_age_seconds Seconds since the scheduler's last heartbeat.\n"
                           "# TYPE airc_scheduler_heartbeat_age_seconds gauge\nairc_scheduler_heartbeat_age_seconds %.3f\n",
                       (double)(airc_now_us() - beat) / 1e6);
  int64_t lag = scalar(r, "SELECT CAST(value AS INTEGER) FROM scheduler_state WHERE key='loop_lag_us'", -1);
  if(!rc && lag >= 0)
    rc = dynbuf_printf(&b, "# HELP airc_scheduler_loop_lag_seconds How late the scheduler woke from its last sleep.\n"
                           "# TYPE airc_scheduler_loop_lag_seconds gauge\nairc_scheduler_loop_lag_seconds %.6f\n",
                       (double)lag / 1e6);
  if(!rc) rc = dynbuf_printf(&b, "# HELP airc_import_errors DAG files that failed to load.\n"
                                 "# TYPE airc_import_errors gauge\nairc_import_errors %lld\n",
                             (long long)scalar(r, "SELECT count(*) FROM import_error", 0));
  if(!rc) rc = dynbuf_printf(&b, "# HELP airc_dags Active DAGs.\n# TYPE airc_dags gauge\n"
                                 "airc_dags{paused=\"true\"} %lld\nairc_dags{paused=\"false\"} %lld\n",
                             (long long)scalar(r, "SELECT count(*) FROM dag WHERE is_active=1 AND is_paused=1", 0),
                             (long long)scalar(r, "SELECT count(*) FROM dag WHERE is_active=1 AND is_paused=0", 0));
  if(rc) {
    dynbuf_free(&b);
    return http_reply_error(r, 500, NULL, "building the metrics failed: %s", airc_strerror(rc));
  }
  size_t n = b.n;
  char *z = dynbuf_take(&b);
  return http_reply_body(r, 200, "text/plain; version=0.0.4; charset=utf-8", z, n, NULL);
}
