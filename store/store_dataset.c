/* store_dataset.c: datasets, their references, events and the trigger
 * queue (see store_dataset.h). Written against store_int.h only, in SQL
 * both backends accept. */
#include "store/store_dataset.h"
#include "store/store_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The id of dataset zUri, created (at nowUs) if missing. */
static airc_rc dataset_id(store *s, const char *zUri, int64_t nowUs, int64_t *pId, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(s,
      "INSERT INTO dataset(uri, created_us, updated_us) VALUES(?,?,?) ON CONFLICT(uri) DO NOTHING", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zUri);
  store_bind_int64(st, 2, nowUs);
  store_bind_int64(st, 3, nowUs);
  airc_rc rc = store_stmt_run(st, "create dataset", pErr);
  if(rc) return rc;
  st = store_stmt_prepare(s, "SELECT id FROM dataset WHERE uri=?", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zUri);
  int r = store_stmt_step(st, pErr);
  *pId = r == STORE_ROW ? store_col_int64(st, 0) : -1;
  store_stmt_done(st);
  if(r == STORE_ERROR) return pErr->rc;
  if(r != STORE_ROW) return airc_err_set(pErr, AIRC_ERR_DB, "dataset '%.200s' vanished", zUri);
  return AIRC_OK;
}

static airc_rc ref_put(store *s, const char *zUri, const char *zDagId, const char *zTaskId, const char *zKind,
                       int64_t nowUs, airc_err *pErr) {
  int64_t id;
  airc_rc rc = dataset_id(s, zUri, nowUs, &id, pErr);
  if(rc) return rc;
  store_stmt *st = store_stmt_prepare(s,
      "INSERT INTO dataset_ref(dataset_id, dag_id, task_id, kind, created_us, updated_us) VALUES(?,?,?,?,?,?)"
      " ON CONFLICT(dataset_id, dag_id, task_id, kind) DO UPDATE SET updated_us=excluded.updated_us", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, id);
  store_bind_text(st, 2, zDagId);
  store_bind_text(st, 3, zTaskId);
  store_bind_text(st, 4, zKind);
  store_bind_int64(st, 5, nowUs);
  store_bind_int64(st, 6, nowUs);
  return store_stmt_run(st, "record dataset reference", pErr);
}

airc_rc store_dataset_refs_set(store *s, const dag *d, int64_t nowUs, airc_err *pErr) {
  airc_rc rc = AIRC_OK;
  size_t i;
  json_t *x;
  json_array_foreach(d->pScheduleDatasets, i, x) {
    if(!rc) rc = ref_put(s, json_string_value(x), d->zId, "", "consumer", nowUs, pErr);
  }
  for(int t = 0; !rc && t < d->nTask; t++) {
    json_array_foreach(d->aTask[t].pOutlets, i, x) {
      if(!rc) rc = ref_put(s, json_string_value(x), d->zId, d->aTask[t].zId, "producer", nowUs, pErr);
    }
  }
  /* what this version no longer says, and the queue of datasets it no longer consumes */
  store_stmt *st = rc ? NULL : store_stmt_prepare(s, "DELETE FROM dataset_ref WHERE dag_id=? AND updated_us<?", pErr);
  if(!rc && !st) rc = pErr->rc;
  if(st) {
    store_bind_text(st, 1, d->zId);
    store_bind_int64(st, 2, nowUs);
    rc = store_stmt_run(st, "drop dataset references", pErr);
  }
  st = rc ? NULL : store_stmt_prepare(s,
      "DELETE FROM dataset_dag_run_queue WHERE target_dag_id=? AND dataset_id NOT IN"
      " (SELECT dataset_id FROM dataset_ref WHERE dag_id=? AND kind='consumer')", pErr);
  if(!rc && !st) rc = pErr->rc;
  if(st) {
    store_bind_text(st, 1, d->zId);
    store_bind_text(st, 2, d->zId);
    rc = store_stmt_run(st, "drop dataset queue", pErr);
  }
  return rc;
}

airc_rc store_dataset_event_add(store *s, const char *zUri, const char *zDagId, const char *zTaskId,
                                const char *zRunId, int64_t nowUs, int64_t *pEventId, airc_err *pErr) {
  int64_t id;
  airc_rc rc = dataset_id(s, zUri, nowUs, &id, pErr);
  if(rc) return rc;
  store_stmt *st = store_stmt_prepare(s, "UPDATE dataset SET updated_us=? WHERE id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, nowUs);
  store_bind_int64(st, 2, id);
  if((rc = store_stmt_run(st, "update dataset", pErr))) return rc;
  st = store_stmt_prepare(s,
      "INSERT INTO dataset_event(dataset_id, source_dag_id, source_task_id, source_run_id, source_map_index,"
      " timestamp_us) VALUES(?,?,?,?,-1,?)", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, id);
  store_bind_text(st, 2, zDagId);
  store_bind_text(st, 3, zTaskId);
  store_bind_text(st, 4, zRunId);
  store_bind_int64(st, 5, nowUs);
  int r = store_stmt_step(st, pErr);
  if(r != STORE_ERROR && pEventId) *pEventId = store_last_insert_id(s);
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "record dataset event");
    return pErr->rc;
  }
  st = store_stmt_prepare(s,
      "INSERT INTO dataset_dag_run_queue(dataset_id, target_dag_id, created_us)"
      " SELECT dataset_id, dag_id, ? FROM dataset_ref WHERE dataset_id=? AND kind='consumer'"
      " ON CONFLICT(dataset_id, target_dag_id) DO NOTHING", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, nowUs);
  store_bind_int64(st, 2, id);
  return store_stmt_run(st, "queue dataset event", pErr);
}

airc_rc store_dataset_ready_each(store *s, int (*xRow)(void *pCtx, const char *zDagId, const char *zHash), void *pCtx,
                                 airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(s,
      "SELECT r.dag_id, d.current_hash FROM dataset_ref r JOIN dag d ON d.dag_id=r.dag_id"
      " LEFT JOIN dataset_dag_run_queue q ON q.dataset_id=r.dataset_id AND q.target_dag_id=r.dag_id"
      " WHERE r.kind='consumer' AND d.is_active=1 AND d.is_paused=0"
      " GROUP BY r.dag_id, d.current_hash HAVING count(q.dataset_id)=count(*) ORDER BY r.dag_id", pErr);
  if(!st) return pErr->rc;
  int r;
  while((r = store_stmt_step(st, pErr)) == STORE_ROW)
    if(xRow(pCtx, store_col_str(st, 0), store_col_str(st, 1))) break;
  store_stmt_done(st);
  if(r == STORE_ERROR) {
    airc_err_prefix(pErr, "DAGs whose datasets were updated");
    return pErr->rc;
  }
  return AIRC_OK;
}

airc_rc store_dataset_queue_take(store *s, const char *zDagId, int64_t runPk, airc_err *pErr) {
  store_stmt *st = store_stmt_prepare(s,
      "INSERT INTO dagrun_dataset_event(run_pk, event_id)"
      " SELECT ?, e.id FROM dataset_event e JOIN dataset_ref r ON r.dataset_id=e.dataset_id"
      " WHERE r.dag_id=? AND r.kind='consumer'"
      " AND e.timestamp_us >= (SELECT min(created_us) FROM dataset_dag_run_queue WHERE target_dag_id=?)"
      " ON CONFLICT(run_pk, event_id) DO NOTHING", pErr);
  if(!st) return pErr->rc;
  store_bind_int64(st, 1, runPk);
  store_bind_text(st, 2, zDagId);
  store_bind_text(st, 3, zDagId);
  airc_rc rc = store_stmt_run(st, "link dataset events to the run", pErr);
  if(rc) return rc;
  st = store_stmt_prepare(s, "DELETE FROM dataset_dag_run_queue WHERE target_dag_id=?", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zDagId);
  return store_stmt_run(st, "empty dataset queue", pErr);
}

/* ---- reads ---- */

static json_t *extra_json(const char *z) {
  json_t *p = json_loads(z ? z : "{}", 0, NULL);
  if(!json_is_object(p)) {
    json_decref(p);
    p = json_object();
  }
  return p;
}

/* Adds "consuming_dags" and "producing_tasks" to each dataset of pArr. */
static airc_rc dataset_refs(store *s, json_t *pArr, airc_err *pErr) {
  size_t i;
  json_t *p;
  json_array_foreach(pArr, i, p) {
    json_t *pCons = json_array(), *pProd = json_array();
    json_object_set_new(p, "consuming_dags", pCons);
    json_object_set_new(p, "producing_tasks", pProd);
    store_stmt *st = store_stmt_prepare(s,
        "SELECT r.dag_id, r.task_id, r.kind, r.created_us, r.updated_us FROM dataset_ref r"
        " JOIN dag d ON d.dag_id=r.dag_id AND d.is_active=1 WHERE r.dataset_id=? ORDER BY r.dag_id, r.task_id", pErr);
    if(!st) return pErr->rc;
    store_bind_int64(st, 1, json_integer_value(json_object_get(p, "id")));
    int r;
    while((r = store_stmt_step(st, pErr)) == STORE_ROW) {
      int bCons = !strcmp(store_col_str(st, 2), "consumer");
      json_t *x = json_pack("{s:s,s:I,s:I}", "dag_id", store_col_str(st, 0), "created_us",
                            (json_int_t)store_col_int64(st, 3), "updated_us", (json_int_t)store_col_int64(st, 4));
      if(!bCons) json_object_set_new(x, "task_id", json_string(store_col_str(st, 1)));
      json_array_append_new(bCons ? pCons : pProd, x);
    }
    store_stmt_done(st);
    if(r == STORE_ERROR) return pErr->rc;
  }
  return AIRC_OK;
}

static json_t *dataset_row(store_stmt *st) {
  json_t *p = json_pack("{s:I,s:s,s:I,s:I}", "id", (json_int_t)store_col_int64(st, 0), "uri", store_col_str(st, 1),
                        "created_us", (json_int_t)store_col_int64(st, 3), "updated_us",
                        (json_int_t)store_col_int64(st, 4));
  json_object_set_new(p, "extra", extra_json(store_col_text(st, 2)));
  return p;
}

airc_rc store_dataset_list(store *s, const char *zUriLike, int64_t limit, int64_t offset, json_t **ppOut,
                           int64_t *pnTotal, airc_err *pErr) {
  *ppOut = NULL;
  *pnTotal = 0;
  const char *zLike = zUriLike ? zUriLike : "";
  store_stmt *st = store_stmt_prepare(s, "SELECT count(*) FROM dataset WHERE uri LIKE '%' || CAST(? AS TEXT) || '%'", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zLike);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) *pnTotal = store_col_int64(st, 0);
  store_stmt_done(st);
  if(r == STORE_ERROR) return pErr->rc;
  st = store_stmt_prepare(s,
      "SELECT id, uri, extra, created_us, updated_us FROM dataset WHERE uri LIKE '%' || CAST(? AS TEXT) || '%'"
      " ORDER BY uri LIMIT ? OFFSET ?", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zLike);
  store_bind_int64(st, 2, limit);
  store_bind_int64(st, 3, offset);
  json_t *pArr = json_array();
  while((r = store_stmt_step(st, pErr)) == STORE_ROW) json_array_append_new(pArr, dataset_row(st));
  store_stmt_done(st);
  airc_rc rc = r == STORE_ERROR ? pErr->rc : dataset_refs(s, pArr, pErr);
  if(rc) {
    json_decref(pArr);
    return rc;
  }
  *ppOut = pArr;
  return AIRC_OK;
}

airc_rc store_dataset_get(store *s, const char *zUri, json_t **ppOut, airc_err *pErr) {
  *ppOut = NULL;
  store_stmt *st = store_stmt_prepare(s, "SELECT id, uri, extra, created_us, updated_us FROM dataset WHERE uri=?", pErr);
  if(!st) return pErr->rc;
  store_bind_text(st, 1, zUri);
  json_t *pArr = json_array();
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) json_array_append_new(pArr, dataset_row(st));
  store_stmt_done(st);
  airc_rc rc = r == STORE_ERROR ? pErr->rc : AIRC_OK;
  if(!rc && r != STORE_ROW) rc = airc_err_set(pErr, AIRC_ERR_NOTFOUND, "dataset '%.300s' not found", zUri);
  if(!rc) rc = dataset_refs(s, pArr, pErr);
  if(!rc) *ppOut = json_incref(json_array_get(pArr, 0));
  json_decref(pArr);
  return rc;
}

#define EVENT_WHERE                                                                                   \
  " WHERE (? < 0 OR e.dataset_id=?) AND (? = '' OR e.source_dag_id=?) AND (? = '' OR e.source_task_id=?)" \
  " AND (? = '' OR e.source_run_id=?) AND (? < -1 OR e.source_map_index=?)"

static void event_bind(store_stmt *st, const store_dataset_event_filter *pF) {
  const char *az[3] = {pF->zSourceDagId ? pF->zSourceDagId : "", pF->zSourceTaskId ? pF->zSourceTaskId : "",
                       pF->zSourceRunId ? pF->zSourceRunId : ""};
  store_bind_int64(st, 1, pF->datasetId);
  store_bind_int64(st, 2, pF->datasetId);
  for(int i = 0; i < 3; i++) {
    store_bind_text(st, 3 + 2 * i, az[i]);
    store_bind_text(st, 4 + 2 * i, az[i]);
  }
  store_bind_int64(st, 9, pF->sourceMapIndex);
  store_bind_int64(st, 10, pF->sourceMapIndex);
}

airc_rc store_dataset_events(store *s, const store_dataset_event_filter *pF, int64_t limit, int64_t offset,
                             json_t **ppOut, int64_t *pnTotal, airc_err *pErr) {
  *ppOut = NULL;
  *pnTotal = 0;
  store_stmt *st = store_stmt_prepare(s, "SELECT count(*) FROM dataset_event e" EVENT_WHERE, pErr);
  if(!st) return pErr->rc;
  event_bind(st, pF);
  int r = store_stmt_step(st, pErr);
  if(r == STORE_ROW) *pnTotal = store_col_int64(st, 0);
  store_stmt_done(st);
  if(r == STORE_ERROR) return pErr->rc;
  static const char zAsc[] =
      "SELECT e.id, e.dataset_id, d.uri, e.extra, e.source_dag_id, e.source_task_id, e.source_run_id,"
      " e.source_map_index, e.timestamp_us FROM dataset_event e JOIN dataset d ON d.id=e.dataset_id" EVENT_WHERE
      " ORDER BY e.timestamp_us, e.id LIMIT ? OFFSET ?";
  static const char zDesc[] =
      "SELECT e.id, e.dataset_id, d.uri, e.extra, e.source_dag_id, e.source_task_id, e.source_run_id,"
      " e.source_map_index, e.timestamp_us FROM dataset_event e JOIN dataset d ON d.id=e.dataset_id" EVENT_WHERE
      " ORDER BY e.timestamp_us DESC, e.id DESC LIMIT ? OFFSET ?";
  st = store_stmt_prepare(s, pF->bNewestFirst ? zDesc : zAsc, pErr);
  if(!st) return pErr->rc;
  event_bind(st, pF);
  store_bind_int64(st, 11, limit);
  store_bind_int64(st, 12, offset);
  json_t *pArr = json_array();
  while((r = store_stmt_step(st, pErr)) == STORE_ROW) {
    json_t *p = json_pack("{s:I,s:I,s:s,s:I,s:I}", "id", (json_int_t)store_col_int64(st, 0), "dataset_id",
                          (json_int_t)store_col_int64(st, 1), "dataset_uri", store_col_str(st, 2), "source_map_index",
                          (json_int_t)store_col_int64(st, 7), "timestamp_us", (json_int_t)store_col_int64(st, 8));
    json_object_set_new(p, "extra", extra_json(store_col_text(st, 3)));
    static const char *const azSrc[] = {"source_dag_id", "source_task_id", "source_run_id"};
    for(int k = 0; k < 3; k++) {
      const char *z = store_col_text(st, 4 + k);
      json_object_set_new(p, azSrc[k], z ? json_string(z) : json_null());
    }
    json_array_append_new(pArr, p);
  }
  store_stmt_done(st);
  airc_rc rc = r == STORE_ERROR ? pErr->rc : AIRC_OK;
  size_t i;
  json_t *p;
  json_array_foreach(pArr, i, p) {
    if(rc) break;
    json_t *pRuns = json_array();
    json_object_set_new(p, "created_dagruns", pRuns);
    st = store_stmt_prepare(s,
        "SELECT r.dag_id, r.run_id, r.logical_date, r.data_interval_start, r.data_interval_end, r.start_us,"
        " r.end_us, r.state FROM dagrun_dataset_event x JOIN dag_run r ON r.id=x.run_pk WHERE x.event_id=?"
        " ORDER BY r.id", pErr);
    if(!st) {
      rc = pErr->rc;
      break;
    }
    store_bind_int64(st, 1, json_integer_value(json_object_get(p, "id")));
    while((r = store_stmt_step(st, pErr)) == STORE_ROW)
      json_array_append_new(pRuns, json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:s}", "dag_id", store_col_str(st, 0),
                                             "run_id", store_col_str(st, 1), "logical_date",
                                             (json_int_t)store_col_int64(st, 2), "data_interval_start",
                                             (json_int_t)store_col_int64(st, 3), "data_interval_end",
                                             (json_int_t)store_col_int64(st, 4), "start_us",
                                             (json_int_t)store_col_int64(st, 5), "end_us",
                                             (json_int_t)store_col_int64(st, 6), "state", store_col_str(st, 7)));
    store_stmt_done(st);
    if(r == STORE_ERROR) rc = pErr->rc;
  }
  if(rc) {
    json_decref(pArr);
    return rc;
  }
  *ppOut = pArr;
  return AIRC_OK;
}
