/* sched_datasets.c: data-aware scheduling, as Airflow's datasets.
 *
 * A task with `outlets` that succeeds records one dataset event per URI
 * (store_dataset_event_add, which queues it for the DAGs consuming the
 * dataset). A DAG whose schedule is a list of URIs gets a run of type
 * `dataset_triggered` once each of them has a queued event; the run takes
 * the queue. Both happen inside the scheduler's iteration transaction, so
 * an event and the run it triggers commit together or not at all, and
 * with several schedulers (only the lease holder commits) an event
 * triggers exactly one run. Not for: the API's reads (store_dataset.h). */
#include "scheduler/scheduler_int.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "store/store_dataset.h"
#include "store/store_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUN_TYPE_DATASET "dataset_triggered"

airc_rc sched_dataset_events(sched *S, const store_sched_ti_current *cur, airc_err *pErr) {
  sched_version *v = sched_version_get(S, cur->zDagHash, pErr);
  if(!v) return pErr->rc;
  int i = sched_version_task(v, cur->zTaskId);
  json_t *pOutlets = i >= 0 ? v->d->aTask[i].pOutlets : NULL;
  size_t k;
  json_t *x;
  int64_t nowUs = airc_now_us();
  json_array_foreach(pOutlets, k, x) {
    airc_rc rc = store_dataset_event_add(S->s, json_string_value(x), cur->zDagId, cur->zTaskId, cur->zRunId, nowUs,
                                         NULL, pErr);
    if(rc) return rc;
    LOG_INFO("dataset %s updated by %s.%s (%s)", json_string_value(x), cur->zDagId, cur->zTaskId, cur->zRunId);
    S->bDatasetsDirty = 1;
  }
  return AIRC_OK;
}

typedef struct ready_dags {
  char (*a)[2][256];
  int n;
} ready_dags;

static int ready_add(void *pCtx, const char *zDagId, const char *zHash) {
  ready_dags *p = pCtx;
  void *pNew = realloc(p->a, sizeof(*p->a) * (size_t)(p->n + 1));
  if(!pNew) return 1;
  p->a = pNew;
  snprintf(p->a[p->n][0], 256, "%s", zDagId);
  snprintf(p->a[p->n][1], 256, "%s", zHash);
  p->n++;
  return 0;
}

airc_rc sched_create_dataset_runs(sched *S, airc_err *pErr) {
  S->bDatasetsDirty = 0;
  ready_dags R = {NULL, 0};
  airc_rc rc = store_dataset_ready_each(S->s, ready_add, &R, pErr);
  for(int i = 0; !rc && i < R.n; i++) {
    sched_version *v = sched_version_get(S, R.a[i][1], pErr);
    if(!v) {
      rc = pErr->rc;
      break;
    }
    int64_t last;
    int nActive;
    rc = store_sched_dag_run_counts(S->s, R.a[i][0], &last, &nActive, pErr);
    if(rc) break;
    if(nActive >= v->d->maxActiveRuns) {
      /* the events stay queued: look again when a run has ended */
      S->bDatasetsDirty = 1;
      continue;
    }
    run_spec spec = {R.a[i][0], NULL, RUN_TYPE_DATASET, -1, NULL, 0, NULL};
    char zRunId[STORE_RUN_ID_MAX];
    int64_t runPk;
    rc = store_run_create_for(S->s, v->d, &spec, &runPk, zRunId, pErr);
    if(!rc) rc = store_dataset_queue_take(S->s, R.a[i][0], runPk, pErr);
    if(!rc) {
      LOG_INFO("created run %s of DAG '%s' (its datasets were updated)", zRunId, R.a[i][0]);
      sched_mark_dirty(S, runPk);
    }
  }
  free(R.a);
  return rc;
}
