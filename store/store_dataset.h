/* store_dataset.h: datasets (data-aware scheduling) in the store, as
 * Airflow keeps them.
 *
 * A dataset is a URI. A DAG whose schedule lists URIs consumes them; a
 * task whose `outlets` lists URIs produces them. When such a task
 * succeeds, the scheduler records one dataset event per outlet
 * (store_dataset_event_add), which also queues the event for every DAG
 * consuming that dataset. A consuming DAG is ready when each dataset it
 * consumes has a queued event; the scheduler then creates a
 * dataset_triggered run and hands it the queue (store_dataset_queue_take),
 * all in its one transaction, so that with several schedulers an event
 * triggers one run. Reads for the API and dashboard are here too.
 *
 * Errors: AIRC_ERR_DB / AIRC_ERR_BUSY with a one-line message,
 * AIRC_ERR_NOTFOUND where noted. Times in microseconds since the epoch. */
#ifndef AIRC_STORE_DATASET_H
#define AIRC_STORE_DATASET_H
#include <jansson.h>
#include <stdint.h>
#include "dag/dag.h"
#include "store/store.h"

/* Replaces DAG d's references: consumer of each URI of its schedule,
 * producer (per task) of each outlet; datasets are created as needed
 * (existing ones keep their id and events). Inside the DAG-folder sync's
 * transaction. */
AIRC_WUR airc_rc store_dataset_refs_set(store *s, const dag *d, int64_t nowUs, airc_err *pErr);

/* Records an event of dataset zUri (created if missing) from the success
 * of zTaskId in run zRunId of zDagId; queues it for each DAG consuming the
 * dataset (an older queued event of the same dataset is kept: the queue
 * says "updated since"). *pEventId (may be NULL) gets its id. */
AIRC_WUR airc_rc store_dataset_event_add(store *s, const char *zUri, const char *zDagId, const char *zTaskId,
                                         const char *zRunId, int64_t nowUs, int64_t *pEventId /* OUT */,
                                         airc_err *pErr);

/* Calls xRow(pCtx, zDagId, zHash) for each active, unpaused DAG whose
 * consumed datasets all have a queued event (fields borrowed for the
 * call, which must not call the store); stops when it returns nonzero. */
AIRC_WUR airc_rc store_dataset_ready_each(store *s, int (*xRow)(void *pCtx, const char *zDagId, const char *zHash),
                                          void *pCtx, airc_err *pErr);

/* Gives run runPk of zDagId the events of its consumed datasets since
 * the oldest queued one (dagrun_dataset_event) and empties zDagId's
 * queue. */
AIRC_WUR airc_rc store_dataset_queue_take(store *s, const char *zDagId, int64_t runPk, airc_err *pErr);

/* ---- reads (API, dashboard, CLI) ---- */

/* Datasets by URI, Airflow's Dataset shape with times as *_us integers:
 * {"id", "uri", "extra", "created_us", "updated_us", "consuming_dags":
 * [{"dag_id", "created_us", "updated_us"}], "producing_tasks": [{"dag_id",
 * "task_id", ...}]} (references of active DAGs only). zUriLike: NULL or
 * a substring of the URI. *ppOut a new array; *pnTotal all that match. */
AIRC_WUR airc_rc store_dataset_list(store *s, const char *zUriLike, int64_t limit, int64_t offset,
                                    json_t **ppOut /* OUT */, int64_t *pnTotal /* OUT */, airc_err *pErr);
/* One dataset by URI, shape as above. AIRC_ERR_NOTFOUND "dataset 'U' not found". */
AIRC_WUR airc_rc store_dataset_get(store *s, const char *zUri, json_t **ppOut /* OUT */, airc_err *pErr);

/* Filters of store_dataset_events(); NULL / -1 fields do not filter. */
typedef struct store_dataset_event_filter {
  int64_t datasetId;          /* -1: any */
  const char *zSourceDagId, *zSourceTaskId, *zSourceRunId;
  int64_t sourceMapIndex;     /* -2: any */
  int bNewestFirst;           /* order by timestamp descending */
} store_dataset_event_filter;

/* Events, Airflow's DatasetEvent shape with *_us times: {"id",
 * "dataset_id", "dataset_uri", "extra", "source_dag_id", "source_task_id",
 * "source_run_id", "source_map_index", "timestamp_us", "created_dagruns":
 * [{"dag_id", "run_id", "logical_date", "data_interval_start",
 * "data_interval_end" (seconds), "start_us", "end_us", "state"}]}. */
AIRC_WUR airc_rc store_dataset_events(store *s, const store_dataset_event_filter *pF, int64_t limit, int64_t offset,
                                      json_t **ppOut /* OUT */, int64_t *pnTotal /* OUT */, airc_err *pErr);

#endif
