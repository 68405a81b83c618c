/* scheduler.h: the scheduler loop.
 *
 * One process owns scheduling for an $AIRC_HOME (a lock file enforces it).
 * It sleeps in poll() and wakes on: a supervisor's exit (SIGCHLD), a result
 * or request on its doorbell (wake.h), a DAG-folder change (inotify), or its
 * next timer (a due tick, a retry, the zombie sweep, the periodic rescan,
 * the heartbeat). On each wake it ingests finished tries, detects tries
 * whose process died without a result, creates due runs, evaluates trigger
 * rules, and launches what the limits allow. State changes are committed
 * before they take effect: a try is `queued` (with its new try number) in
 * the store before its supervisor is forked. */
#ifndef AIRC_SCHEDULER_H
#define AIRC_SCHEDULER_H
#include <stdint.h>
#include "common/err.h"

typedef struct scheduler_opts {
  int64_t onlyRunPk;     /* >0: run just this run (dags test) and return when it ends */
  int bPrintProgress;    /* print task state changes to stdout */
  int nMaxIterations;    /* 0: unbounded (tests may bound it) */
  const char *zStatsFile; /* NULL, or a file to append one JSON line per
                           * working wake to: the store work it did
                           * (statements, rows, vm_steps: store_stats) and
                           * what woke it (docs/scheduler.md) */
} scheduler_opts;

/* Runs until SIGTERM/SIGINT (or, with onlyRunPk, until that run finishes).
 * Running tries are not killed on exit: they finish and record their
 * results, which the next scheduler ingests. */
AIRC_WUR airc_rc scheduler_run(const scheduler_opts *pOpts, airc_err *pErr);

/* Non-zero if a scheduler holds the lock of this $AIRC_HOME; its pid in
 * *pPid if known. */
int scheduler_is_running(int *pPid);

#endif
