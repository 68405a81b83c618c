/* store_dag.h: DAG rows, their versions and import errors in the store:
 * the facts the DAG-folder sync (scheduler/dag_folder.c) writes. The policy
 * (which files to parse, which DAG wins an id, when to deactivate) stays
 * with the caller; these calls only read and write rows. The folder sync
 * wraps a whole pass in one transaction; store_dag_upsert nests its two
 * writes in one of its own, the others are single statements. None rings
 * the scheduler's doorbell.
 *
 * Errors: AIRC_ERR_NOTFOUND where a row is missing, AIRC_ERR_NOMEM, or the
 * backend's AIRC_ERR_DB / AIRC_ERR_BUSY with a one-line message. */
#ifndef AIRC_STORE_DAG_H
#define AIRC_STORE_DAG_H
#include <stdint.h>
#include "dag/dag.h"
#include "store/store.h"

/* Where DAG zDagId was last read from: *pbActive 1 if the DAG is active,
 * zFile (n bytes) its file ("" if none). A DAG never stored reads as
 * inactive with no file (AIRC_OK). */
AIRC_WUR airc_rc store_dag_file_get(store *s, const char *zDagId, char *zFile, size_t n,
                                    int *pbActive /* OUT */, airc_err *pErr);

/* Stores version d->zHash of DAG d (its canonical JSON, dag_to_json with
 * sorted keys), created at nowUs, unless that hash is stored already. */
AIRC_WUR airc_rc store_dag_version_put(store *s, const dag *d, int64_t nowUs, airc_err *pErr);

/* Creates the row of DAG d if missing (paused if bPausedIfNew), then makes
 * it active, read from zFile, at version d->zHash, with d's description,
 * schedule and tags; last_parsed_us = nowUs. Store the version first
 * (store_dag_version_put). */
AIRC_WUR airc_rc store_dag_upsert(store *s, const dag *d, const char *zFile, int bPausedIfNew,
                                  int64_t nowUs, airc_err *pErr);

/* Marks DAG zDagId inactive (hidden from lists, not scheduled); its runs
 * and versions stay. Not an error if it does not exist. */
AIRC_WUR airc_rc store_dag_deactivate(store *s, const char *zDagId, airc_err *pErr);

/* One active DAG, fields borrowed for the callback's duration. */
typedef struct store_dag_file_row {
  const char *zDagId;
  const char *zFile; /* "" if none */
} store_dag_file_row;
typedef int (*store_dag_file_fn)(void *pCtx, const store_dag_file_row *pRow);
/* Calls xRow for each active DAG (order unspecified) until it returns
 * nonzero. The callback must not call the store. */
AIRC_WUR airc_rc store_dag_active_each(store *s, store_dag_file_fn xRow, void *pCtx, airc_err *pErr);

/* Records (or replaces, when the message changed) the import error of zFile;
 * timestamp nowUs. */
AIRC_WUR airc_rc store_import_error_set(store *s, const char *zFile, const char *zMsg, int64_t nowUs,
                                        airc_err *pErr);
/* Drops the import error of zFile (none is fine). */
AIRC_WUR airc_rc store_import_error_clear(store *s, const char *zFile, airc_err *pErr);
/* Calls xFile(pCtx, zFile) for each file with an import error until it
 * returns nonzero; zFile is borrowed for the call, which must not call the
 * store. */
AIRC_WUR airc_rc store_import_error_each_file(store *s, int (*xFile)(void *pCtx, const char *zFile),
                                              void *pCtx, airc_err *pErr);

#endif
