/* dag_folder.h: keeps the store in step with the DAG folder.
 *
 * dag_folder_sync() lists *.ini and *.json files under the folder
 * (recursively, skipping hidden entries), parses the ones that changed
 * since the last sync of this `dag_folder` object (mtime, size) WITHOUT
 * touching the store, then in one short write transaction: upserts each good DAG and its version, records or clears
 * the file's import error, and deactivates DAGs whose file is gone. A broken
 * file never affects other files, and a DAG whose file broke keeps its last
 * good version (it is listed with the import error). New DAGs start paused
 * unless [core] dags_are_paused_at_creation is false. */
#ifndef AIRC_DAG_FOLDER_H
#define AIRC_DAG_FOLDER_H
#include "common/err.h"
#include "store/store.h"

typedef struct dag_folder dag_folder;

dag_folder *dag_folder_new(const char *zDir);
void dag_folder_free(dag_folder *p);
/* *pnChanged: number of files changed (parsed or gone) this time. On an
 * error (AIRC_ERR_BUSY for a busy store, say) nothing was written and the
 * object is as before: the next sync redoes the same work. */
AIRC_WUR airc_rc dag_folder_sync(dag_folder *p, store *s, int *pnChanged /* OUT */, airc_err *pErr);

#endif
