/* store_external.h: read-only probes of a PostgreSQL database that is NOT
 * airc's store: the pipeline's batch sink, whose row counts the dashboard's
 * Pipeline page shows (webui/api_pipeline.c).
 *
 * Here because libpq belongs to store/ (make check-layout). One connection
 * per call, bounded by a connect and a statement timeout; nothing is written.
 * Not for: the store itself (store.h), or running user SQL. */
#ifndef AIRC_STORE_EXTERNAL_H
#define AIRC_STORE_EXTERNAL_H
#include <stdint.h>
#include "common/err.h"

typedef struct store_ext_count {
  const char *zTable;   /* IN: "table" or "schema.table" (borrowed) */
  int64_t nRows;        /* OUT: count(*), or -1 when zErr says why */
  char zErr[300];       /* OUT: "" or one line */
} store_ext_count;

/* Connects to the PostgreSQL URL zUrl (connect_timeout and
 * statement_timeout from timeoutMs, rounded up to whole seconds for the
 * connect) and counts the rows of each of a[0..n-1]. AIRC_OK once
 * connected (then each entry has nRows or zErr: a missing table is an
 * entry's error, not the call's); otherwise AIRC_ERR_DB with "postgres at
 * <URL, password masked>: <libpq's message>" in pErr. */
AIRC_WUR airc_rc store_ext_pg_count_rows(const char *zUrl, int timeoutMs, store_ext_count *a, int n, airc_err *pErr);

#endif
