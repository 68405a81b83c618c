/* store_dash.h: read calls behind the operators' dashboard views.
 *
 * The calendar (run counts per UTC day and state over a span of logical
 * dates) and the file location plus current version hash of a DAG for its
 * source view. Read-only; rows are handed to a callback with BORROWED
 * fields valid only during the callback, which returns nonzero to stop
 * (the call still returns AIRC_OK). Errors: AIRC_ERR_NOTFOUND for a
 * missing DAG (message names it), the backend's error otherwise. */
#ifndef AIRC_STORE_DASH_H
#define AIRC_STORE_DASH_H
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

/* One (day, state) cell of the calendar. */
typedef struct store_dash_day {
  int64_t day;        /* UTC day number: logical_date / 86400 */
  const char *zState; /* the runs' state */
  int64_t nRun;       /* runs of that day in that state (> 0) */
} store_dash_day;

typedef int (*store_dash_day_fn)(void *pCtx, const store_dash_day *pRow);

/* Runs of zDagId with fromSec <= logical_date < toSec (seconds, both
 * non-negative), counted per UTC day and state, in day then state order.
 * Test runs are included as in the run list. No rows for an unknown DAG. */
AIRC_WUR airc_rc store_dash_calendar(store *p, const char *zDagId, int64_t fromSec, int64_t toSec,
                                     store_dash_day_fn xRow, void *pCtx, airc_err *pErr);

/* The DAG's file location (zFile, nFile bytes, "" when unknown) and
 * current version hash (zHash, nHash bytes, "" when it has none).
 * AIRC_ERR_NOTFOUND when the DAG does not exist; AIRC_ERR_INVALID when a
 * value does not fit its buffer. */
AIRC_WUR airc_rc store_dash_dag_source_ref(store *p, const char *zDagId, char *zFile, size_t nFile, char *zHash,
                                           size_t nHash, airc_err *pErr);
#endif
