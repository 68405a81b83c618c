/* api_grid.c: GET /api/v1/dags/{dag_id}/grid?limit=25 (airc extension).
 *
 * The dashboard's grid: the DAG's last `limit` runs (1..100, default 25)
 * as columns, oldest first, and every task as a row with one state per
 * column (null: no instance, or state none). Rows follow the current DAG
 * version's task order; tasks only older runs had come after it. Two
 * statements whatever the size: the runs through dag_run(dag_id,
 * logical_date), then their task instances through the
 * task_instance(run_pk, task_id) index. A 1000 x 25 grid is ~25,000 rows. */
#include "webui/api.h"
#include <stdlib.h>
#include <string.h>

#define GRID_MAX_RUNS 100

int api_grid(web_req *r) {
  const char *zDag = r->azParam[0];
  airc_err err = {0};
  int64_t limit;
  if(params_parse_int("limit", web_req_arg(r, "limit"), 1, GRID_MAX_RUNS, 25, &limit, &err))
    return http_reply_err(r, &err);
  if(!api_dag_exists(r, zDag)) return r->mhdResult;
  /* columns: newest `limit` runs, reversed to oldest first */
  sqlite3_stmt *st = store_prepare(r->s,
      "SELECT " API_RUN_COLS " FROM dag_run r WHERE r.dag_id=? ORDER BY r.logical_date DESC, r.id DESC LIMIT ?", &err);
  if(!st) return http_reply_err(r, &err);
  sqlite3_bind_text(st, 1, zDag, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, limit);
  int64_t aPk[GRID_MAX_RUNS];
  int nRun = 0;
  json_t *pRuns = json_array();
  while(sqlite3_step(st) == SQLITE_ROW && nRun < GRID_MAX_RUNS) {
    aPk[nRun++] = sqlite3_column_int64(st, 11);
    json_array_insert_new(pRuns, 0, api_run_json(st));
  }
  sqlite3_reset(st);
  for(int i = 0; i < nRun / 2; i++) {
    int64_t t = aPk[i];
    aPk[i] = aPk[nRun - 1 - i];
    aPk[nRun - 1 - i] = t;
  }
  /* rows: task order of the current version */
  json_t *pTasks = json_array();
  json_t *pIndex = json_object(); /* task_id -> row number */
  st = store_prepare(r->s,
      "SELECT json_extract(t.value, '$.id') FROM dag d JOIN dag_version v ON v.hash=d.current_hash,"
      " json_each(v.json, '$.tasks') t WHERE d.dag_id=? ORDER BY t.key", &err);
  if(st) {
    sqlite3_bind_text(st, 1, zDag, -1, SQLITE_STATIC);
    while(sqlite3_step(st) == SQLITE_ROW) {
      const char *zTask = store_legacy_col_text(st, 0);
      if(json_object_get(pIndex, zTask)) continue;
      json_object_set_new(pIndex, zTask, json_integer((json_int_t)json_array_size(pTasks)));
      json_array_append_new(pTasks, json_pack("{s:s, s:o}", "task_id", zTask, "states", json_array()));
    }
    sqlite3_reset(st);
  }
  size_t nRows = json_array_size(pTasks);
  st = store_prepare(r->s,
      "SELECT ti.run_pk, ti.task_id, ti.state FROM task_instance ti WHERE ti.run_pk IN"
      " (SELECT id FROM dag_run WHERE dag_id=? ORDER BY logical_date DESC, id DESC LIMIT ?) ORDER BY ti.run_pk", &err);
  if(!st) {
    json_decref(pRuns);
    json_decref(pTasks);
    json_decref(pIndex);
    return http_reply_err(r, &err);
  }
  /* fill with nulls, then set cells */
  for(size_t i = 0; i < nRows; i++) {
    json_t *pS = json_object_get(json_array_get(pTasks, i), "states");
    for(int c = 0; c < nRun; c++) json_array_append_new(pS, json_null());
  }
  sqlite3_bind_text(st, 1, zDag, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, limit);
  int col = 0;
  while(sqlite3_step(st) == SQLITE_ROW) {
    int64_t pk = sqlite3_column_int64(st, 0);
    if(aPk[col] != pk)
      for(col = 0; col < nRun && aPk[col] != pk; col++) {
      }
    if(col >= nRun) {
      col = 0;
      continue;
    }
    const char *zTask = store_legacy_col_text(st, 1);
    json_t *pRow = json_object_get(pIndex, zTask);
    if(!pRow) {
      json_t *pS = json_array();
      for(int c = 0; c < nRun; c++) json_array_append_new(pS, json_null());
      json_object_set_new(pIndex, zTask, json_integer((json_int_t)json_array_size(pTasks)));
      json_array_append_new(pTasks, json_pack("{s:s, s:o}", "task_id", zTask, "states", pS));
      pRow = json_object_get(pIndex, zTask);
    }
    json_t *pS = json_object_get(json_array_get(pTasks, (size_t)json_integer_value(pRow)), "states");
    json_array_set_new(pS, (size_t)col, api_state(st, 2));
  }
  sqlite3_reset(st);
  json_decref(pIndex);
  json_t *pOut = json_object();
  json_object_set_new(pOut, "dag_id", json_string(zDag));
  json_object_set_new(pOut, "dag_runs", pRuns);
  json_object_set_new(pOut, "tasks", pTasks);
  return http_reply_json(r, 200, pOut);
}
