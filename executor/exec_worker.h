/* exec_worker.h: `airc worker`, the distributed executor's worker
 * (docs/scaling.md).
 *
 * A worker claims tries that a scheduler queued in the store for its
 * queues, runs each with the same supervisor as the local executor
 * (`airc __supervise`, exec_spawn.h), renews each try's lease while it
 * runs, ships the try's log to the store, and leaves its result in the
 * store, every write fenced by the lease token. A supervisor learns each
 * renewal through a pipe and kills its task's process group when the lease
 * is about to end unrenewed or the worker is gone, so a try never runs
 * after its lease could have been taken over. */
#ifndef AIRC_EXEC_WORKER_H
#define AIRC_EXEC_WORKER_H
#include "common/err.h"

#define EXEC_WORKER_MAX_QUEUES 16

#define EXEC_WORKER_CONCURRENCY_DEFAULT 16 /* tries at once: Airflow's [celery] worker_concurrency */
#define EXEC_WORKER_CONCURRENCY_MAX 1024

typedef struct exec_worker_opts {
  const char *zName;                          /* NULL: the host name */
  const char *azQueue[EXEC_WORKER_MAX_QUEUES]; /* borrowed */
  int nQueue;                                 /* 0: "default" */
  int nConcurrency;                           /* <= 0: [worker] concurrency, default 16 */
} exec_worker_opts;

/* Runs until SIGTERM/SIGINT, then stops claiming and returns once its
 * running tries have finished and been recorded (a second signal returns
 * at once: their leases expire and the scheduler retries them). */
AIRC_WUR airc_rc exec_worker_run(const exec_worker_opts *pOpts, airc_err *pErr);

#endif
