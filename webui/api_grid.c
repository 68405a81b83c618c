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

typedef struct grid {
  int64_t aPk[GRID_MAX_RUNS]; /* run row ids, newest first until reversed */
  int nRun;
  json_t *pRuns;              /* the runs' JSON, oldest first */
  json_t *pTasks;             /* rows: {"task_id", "states"} */
  json_t *pIndex;             /* task_id -> row number */
  int col;                    /* column of the last cell's run */
} grid;

static int grid_run_row(void *pCtx, const store_view_run *pRun) {
  grid *g = pCtx;
  if(g->nRun >= GRID_MAX_RUNS) return 1;
  g->aPk[g->nRun++] = pRun->id;
  json_array_insert_new(g->pRuns, 0, api_run_json(pRun));
  return 0;
}

/* The row of task zTask, added (all nulls when bFill) if new. */
static json_t *grid_row(grid *g, const char *zTask, int bFill) {
  json_t *pRow = json_object_get(g->pIndex, zTask);
  if(pRow) return json_object_get(json_array_get(g->pTasks, (size_t)json_integer_value(pRow)), "states");
  json_t *pS = json_array();
  for(int c = 0; bFill && c < g->nRun; c++) json_array_append_new(pS, json_null());
  json_object_set_new(g->pIndex, zTask, json_integer((json_int_t)json_array_size(g->pTasks)));
  json_array_append_new(g->pTasks, json_pack("{s:s, s:o}", "task_id", zTask, "states", pS));
  return pS;
}

static int grid_task_row(void *pCtx, const char *zTask) {
  grid_row(pCtx, zTask, 0);
  return 0;
}

static int grid_cell(void *pCtx, const store_view_cell *pCell) {
  grid *g = pCtx;
  if(g->col >= g->nRun || g->aPk[g->col] != pCell->runPk)
    for(g->col = 0; g->col < g->nRun && g->aPk[g->col] != pCell->runPk; g->col++) {
    }
  if(g->col >= g->nRun) {
    g->col = 0;
    return 0;
  }
  json_array_set_new(grid_row(g, pCell->zTaskId, 1), (size_t)g->col, api_state(pCell->zState));
  if(pCell->nMapped) {
    /* a mapped task: "map_counts", its instances per column (0: not
     * expanded in that run) */
    json_t *pRow = json_array_get(g->pTasks, (size_t)json_integer_value(json_object_get(g->pIndex, pCell->zTaskId)));
    json_t *pCounts = json_object_get(pRow, "map_counts");
    if(!pCounts) {
      pCounts = json_array();
      for(int c = 0; c < g->nRun; c++) json_array_append_new(pCounts, json_integer(0));
      json_object_set_new(pRow, "map_counts", pCounts);
    }
    json_array_set_new(pCounts, (size_t)g->col, json_integer(pCell->nMapped));
  }
  return 0;
}

int api_grid(web_req *r) {
  const char *zDag = r->azParam[0];
  airc_err err = {0};
  int64_t limit;
  if(params_parse_int("limit", web_req_arg(r, "limit"), 1, GRID_MAX_RUNS, 25, &limit, &err))
    return http_reply_err(r, &err);
  if(!api_dag_exists(r, zDag)) return r->mhdResult;
  grid g;
  g.nRun = 0;
  g.col = 0;
  g.pRuns = json_array();
  g.pTasks = json_array();
  g.pIndex = json_object();
  /* columns: newest `limit` runs, reversed to oldest first */
  airc_rc rc = store_view_run_list(r->s, zDag, NULL, STORE_VIEW_RUN_BY_DATE_DESC, limit, 0, grid_run_row, &g, &err);
  for(int i = 0; i < g.nRun / 2; i++) {
    int64_t t = g.aPk[i];
    g.aPk[i] = g.aPk[g.nRun - 1 - i];
    g.aPk[g.nRun - 1 - i] = t;
  }
  /* rows: task order of the current version, then tasks only older runs had */
  if(!rc) rc = store_view_dag_task_ids(r->s, zDag, grid_task_row, &g, &err);
  if(!rc) {
    /* fill with nulls, then set cells */
    size_t nRows = json_array_size(g.pTasks);
    for(size_t i = 0; i < nRows; i++) {
      json_t *pS = json_object_get(json_array_get(g.pTasks, i), "states");
      for(int c = 0; c < g.nRun; c++) json_array_append_new(pS, json_null());
    }
    rc = store_view_grid_cells(r->s, zDag, limit, grid_cell, &g, &err);
  }
  json_decref(g.pIndex);
  if(rc) {
    json_decref(g.pRuns);
    json_decref(g.pTasks);
    return http_reply_err(r, &err);
  }
  json_t *pOut = json_object();
  json_object_set_new(pOut, "dag_id", json_string(zDag));
  json_object_set_new(pOut, "dag_runs", g.pRuns);
  json_object_set_new(pOut, "tasks", g.pTasks);
  return http_reply_json(r, 200, pOut);
}
