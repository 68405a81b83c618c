/* store_notify.h: the notification outbox and run deadlines (tables
 * notification and dag_run.deadline_us, migration 9 -> 10).
 *
 * The scheduler never talks to an endpoint: it writes one outbox row per
 * (event, target) in the transaction that records the event, and a
 * delivery process (providers/notify/, started by the scheduler or by
 * `airc notifications deliver`) claims due rows, sends them and records the
 * outcome: `sent`, or another attempt later, or `failed` after the last
 * attempt, with the error. A claim is a lease (lease_until_us), so several
 * delivery processes, on several hosts, never send a row twice while it is
 * held, and a deliverer that dies leaves its rows to the next one.
 * Errors: AIRC_ERR_DB/BUSY with one line. */
#ifndef AIRC_STORE_NOTIFY_H
#define AIRC_STORE_NOTIFY_H
#include <stdint.h>
#include "store/store.h"

/* A notification to write (borrowed). */
typedef struct store_notify_new {
  const char *zEvent;   /* on_failure, on_retry, on_success, on_run_failure, on_run_success, on_deadline_miss */
  const char *zDagId, *zRunId;
  const char *zTaskId;  /* NULL for run events */
  int tryNumber;        /* 0 for run events */
  const char *zTarget;  /* as written in the DAG */
  const char *zPayload; /* JSON text */
} store_notify_new;

/* Adds a pending notification, due now. Inside the caller's transaction. */
AIRC_WUR airc_rc store_notify_add(store *p, const store_notify_new *pN, int64_t nowUs, airc_err *pErr);

/* One outbox row (fields borrowed for the callback). */
typedef struct store_notify_row {
  int64_t id, createdUs;
  const char *zEvent, *zDagId, *zRunId, *zTaskId; /* zTaskId "" for run events */
  int tryNumber;
  const char *zTarget, *zPayload;
  const char *zState;   /* pending | sent | failed */
  int attempts;
  int64_t nextAttemptUs, sentUs; /* sentUs 0 if not sent */
  const char *zLastError; /* "" if none */
} store_notify_row;
typedef int (*store_notify_fn)(void *pCtx, const store_notify_row *pRow);

/* Newest first: zDagId / zState NULL for all; nLimit > 0 caps the rows. */
AIRC_WUR airc_rc store_notify_each(store *p, const char *zDagId, const char *zState, int nLimit, store_notify_fn xRow,
                                   void *pCtx, airc_err *pErr);

/* Claims up to nMax pending rows that are due at nowUs and not leased,
 * leasing them until leaseUntilUs: their ids in aId, the count in *pn. Its
 * own transaction. */
AIRC_WUR airc_rc store_notify_claim(store *p, int64_t nowUs, int64_t leaseUntilUs, int64_t *aId, int nMax,
                                    int *pn /* OUT */, airc_err *pErr);

/* Calls xRow once with row id (not at all if it is gone). */
AIRC_WUR airc_rc store_notify_get(store *p, int64_t id, store_notify_fn xRow, void *pCtx, airc_err *pErr);

/* Records an attempt at row id and frees its lease: bSent -> `sent`;
 * else nextAttemptUs > 0 -> still pending, tried again then; else
 * `failed`. zError (NULL if none) is kept as its last error. */
AIRC_WUR airc_rc store_notify_attempted(store *p, int64_t id, int bSent, const char *zError, int64_t nextAttemptUs,
                                        int64_t nowUs, airc_err *pErr);

/* ---- deadlines ---- */

/* A queued or running run whose deadline passed and has not fired. */
typedef struct store_deadline_row {
  int64_t runPk;
  const char *zDagId, *zRunId, *zDagHash, *zState;
  int64_t logicalDate;  /* seconds */
  int64_t deadlineUs;
} store_deadline_row;
typedef int (*store_deadline_fn)(void *pCtx, const store_deadline_row *pRow);

/* Calls xRow for each run (not a test run) queued or running at nowUs
 * past its deadline_us that has not fired (deadline_missed_us NULL). */
AIRC_WUR airc_rc store_deadline_each_missed(store *p, int64_t nowUs, store_deadline_fn xRow, void *pCtx,
                                            airc_err *pErr);
/* Records that run runPk's deadline fired at nowUs. */
AIRC_WUR airc_rc store_deadline_mark_missed(store *p, int64_t runPk, int64_t nowUs, airc_err *pErr);

/* *pLogical = run runPk's logical date (seconds); AIRC_ERR_NOTFOUND. */
AIRC_WUR airc_rc store_notify_run_logical(store *p, int64_t runPk, int64_t *pLogical /* OUT */, airc_err *pErr);

#endif
