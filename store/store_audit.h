/* store_audit.h: the audit trail (table event_log) and the XCom reads of
 * the REST API's xcomEntries routes. Each audit row says who (owner), when,
 * what (event, dag/run/task) and from where (in extra, as the caller
 * writes it); rows are only inserted, and deleted by age (store_event_prune). Airflow's /api/v1/eventLogs is
 * read through store_event_list / store_event_get. Policy (which actions
 * are recorded, what extra says) is the caller's.
 *
 * Errors: AIRC_ERR_NOTFOUND for a missing row, AIRC_ERR_DB or
 * AIRC_ERR_BUSY from the backend, each with a one-line message. */
#ifndef AIRC_STORE_AUDIT_H
#define AIRC_STORE_AUDIT_H
#include <stdint.h>
#include "store/store.h"

/* Nullable integers of the structs below. */
#define STORE_EVENT_NULL INT64_MIN

/* One audit row. Text fields are NULL when absent; for store_event_insert
 * they are borrowed for the call, for the row callbacks they are valid
 * during the callback only. */
typedef struct store_event_rec {
  int64_t id;            /* row id (ignored by insert) */
  int64_t whenUs;        /* microseconds since 1970 */
  const char *zEvent;    /* required: "trigger", "clear", "mark", "paused", ... */
  const char *zOwner;    /* who: a user name, "anonymous", "cli:<os user>" */
  const char *zDagId, *zRunId, *zTaskId;
  int64_t mapIndex, tryNumber; /* STORE_EVENT_NULL: none */
  int64_t logicalDate;   /* the run's logical date in seconds, or STORE_EVENT_NULL */
  const char *zExtra;    /* free text (the API writes JSON with "ip") */
} store_event_rec;

typedef int (*store_event_fn)(void *pCtx, const store_event_rec *pRow); /* nonzero stops */

/* Filters of a list: NULL / STORE_EVENT_NULL match everything. */
typedef struct store_event_filter {
  const char *zDagId, *zRunId, *zTaskId, *zEvent, *zOwner;
  int64_t afterUs, beforeUs; /* when_us >= afterUs, when_us <= beforeUs */
} store_event_filter;

/* Appends a row; *pId (may be NULL) gets its id. */
AIRC_WUR airc_rc store_event_insert(store *s, const store_event_rec *pRec, int64_t *pId /* OUT */, airc_err *pErr);
/* Rows matching pF: *pnTotal gets their count. */
AIRC_WUR airc_rc store_event_count(store *s, const store_event_filter *pF, int64_t *pnTotal /* OUT */, airc_err *pErr);
/* Rows matching pF in id order (bDesc: newest first), limit/offset. */
AIRC_WUR airc_rc store_event_list(store *s, const store_event_filter *pF, int bDesc, int64_t limit, int64_t offset,
                                  store_event_fn xRow, void *pCtx, airc_err *pErr);
/* Row id. AIRC_ERR_NOTFOUND: "event log <id> not found". */
AIRC_WUR airc_rc store_event_get(store *s, int64_t id, store_event_fn xRow, void *pCtx, airc_err *pErr);

/* Retention ([core] audit_retention_days): deletes at most nMax rows older
 * than beforeUs (when_us < beforeUs), oldest first, in one statement (its
 * own transaction unless the caller has one open). *pnDeleted gets how many
 * went: nMax means more may be left for the next call. */
AIRC_WUR airc_rc store_event_prune(store *s, int64_t beforeUs, int nMax, int *pnDeleted /* OUT */, airc_err *pErr);

/* The XCom of one task instance (airc keeps one value per instance: its
 * return value), fields valid during the callback. */
typedef struct store_xcom_row {
  const char *zDagId, *zRunId, *zTaskId;
  const char *zValue;    /* JSON text */
  int64_t updatedUs;     /* STORE_EVENT_NULL when unknown */
  int64_t logicalDate;   /* the run's, seconds */
  int tryNumber;
} store_xcom_row;
typedef int (*store_xcom_fn)(void *pCtx, const store_xcom_row *pRow);

/* Calls xRow once if task zTaskId of run runPk has an XCom value, not at
 * all otherwise (no error: an instance without XCom has an empty list).
 * AIRC_ERR_NOTFOUND when the run has no such task. */
AIRC_WUR airc_rc store_xcom_get(store *s, int64_t runPk, const char *zTaskId, store_xcom_fn xRow, void *pCtx,
                                airc_err *pErr);


#endif
