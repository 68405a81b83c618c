/* api_tasks.c: task instances of a run: list, one (with its tries),
 * PATCH new_state (mark), and POST /dags/{dag_id}/clearTaskInstances.
 *
 * Marking and clearing go through store_ti_mark() and store_run_clear()
 * so the rules exist once. A dry-run clear runs the real clear inside an
 * outer transaction that is rolled back, so it reports exactly what a real
 * clear would do. */
#include "common/timeutil.h"
#include "dag/task_regex.h"
#include "store/store_run.h"
#include "webui/api.h"
#include <stdlib.h>
#include <string.h>

static json_t *ti_json(const store_view_ti *t) {
  json_t *p = json_object();
  json_object_set_new(p, "task_id", api_text(t->zTaskId));
  json_object_set_new(p, "map_index", json_integer(t->mapIndex));
  json_object_set_new(p, "dag_id", api_text(t->zDagId));
  json_object_set_new(p, "dag_run_id", api_text(t->zRunId));
  json_object_set_new(p, "execution_date", api_time_sec(t->logicalDate));
  json_object_set_new(p, "state", api_state(t->zState));
  json_object_set_new(p, "try_number", json_integer(t->tryNumber));
  json_object_set_new(p, "max_tries", json_integer(t->maxTries));
  json_object_set_new(p, "start_date", api_time_us(t->startUs));
  json_object_set_new(p, "end_date", api_time_us(t->endUs));
  json_object_set_new(p, "duration", t->bDuration ? json_real(t->duration) : json_null());
  json_object_set_new(p, "pid", api_int(t->pid));
  json_object_set_new(p, "note", api_text(t->zNote));
  json_object_set_new(p, "queued_when", api_time_us(t->queuedUs));
  json_object_set_new(p, "xcom_value", api_text(t->zXcom));
  json_object_set_new(p, "exit_code", api_int(t->exitCode));
  json_object_set_new(p, "next_retry_date", api_time_us(t->nextRetryUs));
  json_object_set_new(p, "hostname", json_string(t->zHostname ? t->zHostname : "")); /* Airflow: "" when none */
  return p;
}

static int ti_list_row(void *pCtx, const store_view_ti *t) {
  json_array_append_new((json_t *)pCtx, ti_json(t));
  return 0;
}

int api_tis_list(web_req *r) {
  params_page pg;
  if(!api_page(r, &pg, 0, 0)) return r->mhdResult;
  int64_t pk = api_run_pk(r, r->azParam[0], r->azParam[1]);
  if(!pk) return r->mhdResult;
  json_t *pStates = web_req_args_all(r, "state");
  char *zStates = json_array_size(pStates) ? json_dumps(pStates, JSON_COMPACT) : NULL;
  json_decref(pStates);
  airc_err err = {0};
  int64_t nTotal = 0;
  json_t *pArr = json_array();
  airc_rc rc = store_view_ti_count(r->s, pk, zStates, &nTotal, &err);
  if(!rc) rc = store_view_ti_list(r->s, pk, zStates, pg.limit, pg.offset, ti_list_row, pArr, &err);
  free(zStates);
  if(rc) {
    json_decref(pArr);
    return http_reply_err(r, &err);
  }
  return http_reply_json(r, 200, api_list("task_instances", pArr, nTotal));
}

static int try_row(void *pCtx, const store_view_try *t) {
  json_t *p = json_object();
  json_object_set_new(p, "try_number", json_integer(t->tryNumber));
  json_object_set_new(p, "state", api_state(t->zState));
  json_object_set_new(p, "start_date", api_time_us(t->startUs));
  json_object_set_new(p, "end_date", api_time_us(t->endUs));
  int bDur = t->startUs != STORE_VIEW_NULL && t->endUs != STORE_VIEW_NULL;
  json_object_set_new(p, "duration", bDur ? json_real((double)(t->endUs - t->startUs) / 1e6) : json_null());
  json_object_set_new(p, "exit_code", api_int(t->exitCode));
  json_object_set_new(p, "pid", api_int(t->pid));
  json_object_set_new(p, "note", api_text(t->zNote));
  json_object_set_new(p, "hostname", json_string(t->zHostname ? t->zHostname : ""));
  json_array_append_new((json_t *)pCtx, p);
  return 0;
}

typedef struct ti_one {
  json_t *p;
  int64_t id;
} ti_one;

static int ti_one_row(void *pCtx, const store_view_ti *t) {
  ti_one *o = pCtx;
  o->p = ti_json(t);
  o->id = t->id;
  return 0;
}

static int ti_reply_at(web_req *r, int64_t pk, const char *zTask, int mapIndex) {
  airc_err err = {0};
  ti_one o = {NULL, 0};
  airc_rc rc = store_view_ti_get_at(r->s, pk, zTask, mapIndex, ti_one_row, &o, &err);
  if(rc == AIRC_ERR_NOTFOUND && mapIndex >= 0)
    return http_reply_error(r, 404, NULL, "run '%s' of DAG '%s' has no instance %d of task '%s'", r->azParam[1],
                            r->azParam[0], mapIndex, zTask);
  if(rc == AIRC_ERR_NOTFOUND) {
    /* an expanded mapped task has instances 0..n-1 only (as Airflow) */
    int64_t nMapped = 0;
    airc_err e2 = {0};
    if(!store_view_ti_list_mapped(r->s, pk, zTask, 0, 0, &nMapped, ti_one_row, &o, &e2) && nMapped)
      return http_reply_error(r, 404, NULL,
                              "task '%s' is mapped (%lld instances): GET .../taskInstances/%s/listMapped or "
                              ".../taskInstances/%s/{map_index}",
                              zTask, (long long)nMapped, zTask, zTask);
    return http_reply_error(r, 404, NULL, "run '%s' of DAG '%s' has no task '%s'", r->azParam[1], r->azParam[0], zTask);
  }
  if(rc) return http_reply_err(r, &err);
  json_t *pTries = json_array();
  if(store_view_try_list(r->s, o.id, try_row, pTries, &err)) {
    json_decref(pTries);
    json_decref(o.p);
    return http_reply_err(r, &err);
  }
  json_object_set_new(o.p, "tries", pTries);
  return http_reply_json(r, 200, o.p);
}

int api_ti_reply(web_req *r, int64_t pk, const char *zTask) { return ti_reply_at(r, pk, zTask, -1); }

/* GET .../taskInstances/{task_id}/{map_index} */
int api_ti_get_mapped(web_req *r) {
  char *zEnd = NULL;
  long v = strtol(r->azParam[3], &zEnd, 10);
  if(*zEnd || v < 0 || v > 1000000)
    return http_reply_error(r, 400, NULL, "map_index must be a whole number >= 0, not '%s'", r->azParam[3]);
  int64_t pk = api_run_pk(r, r->azParam[0], r->azParam[1]);
  if(!pk) return r->mhdResult;
  return ti_reply_at(r, pk, r->azParam[2], (int)v);
}

/* GET .../taskInstances/{task_id}/listMapped: the instances of a mapped
 * task, by map index (Airflow's shape: task_instances, total_entries). */
int api_ti_list_mapped(web_req *r) {
  params_page pg;
  if(!api_page(r, &pg, 0, 0)) return r->mhdResult;
  int64_t pk = api_run_pk(r, r->azParam[0], r->azParam[1]);
  if(!pk) return r->mhdResult;
  airc_err err = {0};
  int64_t nTotal = 0;
  json_t *pArr = json_array();
  airc_rc rc = store_view_ti_list_mapped(r->s, pk, r->azParam[2], pg.limit, pg.offset, &nTotal, ti_list_row, pArr,
                                         &err);
  if(rc) {
    json_decref(pArr);
    return http_reply_err(r, &err);
  }
  if(!nTotal) {
    /* not mapped, not expanded yet, or not a task: say which */
    json_decref(pArr);
    ti_one o = {NULL, 0};
    rc = store_view_ti_get(r->s, pk, r->azParam[2], ti_one_row, &o, &err);
    json_decref(o.p);
    if(rc == AIRC_ERR_NOTFOUND)
      return http_reply_error(r, 404, NULL, "run '%s' of DAG '%s' has no task '%s'", r->azParam[1], r->azParam[0],
                              r->azParam[2]);
    if(rc) return http_reply_err(r, &err);
    return http_reply_json(r, 200, api_list("task_instances", json_array(), 0));
  }
  return http_reply_json(r, 200, api_list("task_instances", pArr, nTotal));
}

int api_ti_get(web_req *r) {
  int64_t pk = api_run_pk(r, r->azParam[0], r->azParam[1]);
  if(!pk) return r->mhdResult;
  return api_ti_reply(r, pk, r->azParam[2]);
}

int api_ti_patch(web_req *r) {
  int64_t pk = api_run_pk(r, r->azParam[0], r->azParam[1]);
  if(!pk) return r->mhdResult;
  airc_err err = {0};
  json_t *pBody = web_req_json_body(r, &err);
  if(!pBody) return http_reply_err(r, &err);
  const char *zState = json_string_value(json_object_get(pBody, "new_state"));
  json_t *pDry = json_object_get(pBody, "dry_run");
  int bDry = json_is_true(pDry);
  char zCopy[32];
  snprintf(zCopy, sizeof(zCopy), "%s", zState ? zState : "");
  json_decref(pBody);
  if(strcmp(zCopy, "success") && strcmp(zCopy, "failed") && strcmp(zCopy, "skipped"))
    return http_reply_error(r, 400, NULL, "the body needs \"new_state\": \"success\", \"failed\" or \"skipped\"");
  if(!bDry && store_ti_mark(r->s, r->azParam[0], r->azParam[1], r->azParam[2], zCopy, &err))
    return http_reply_err(r, &err);
  if(!bDry) api_audit(r, "mark", r->azParam[0], r->azParam[1], r->azParam[2], json_pack("{s:s}", "new_state", zCopy));
  return api_ti_reply(r, pk, r->azParam[2]);
}

/* ---- clear ---- */

/* "^(a|b)$" with ERE specials escaped; NULL when the array is bad. */
static char *ids_regex(json_t *pIds) {
  size_t i;
  json_t *pId;
  size_t n = 8;
  json_array_foreach(pIds, i, pId) {
    if(!json_is_string(pId)) return NULL;
    n += 2 * strlen(json_string_value(pId)) + 1;
  }
  char *z = malloc(n), *q = z;
  if(!z) return NULL;
  *q++ = '^';
  *q++ = '(';
  json_array_foreach(pIds, i, pId) {
    if(i) *q++ = '|';
    for(const char *p = json_string_value(pId); *p; p++) {
      if(strchr(".[]()*+?{}|^$\\", *p)) *q++ = '\\';
      *q++ = *p;
    }
  }
  *q++ = ')';
  *q++ = '$';
  *q = 0;
  return z;
}

static int ti_mark_row(void *pCtx, const store_view_ti_mark *m) {
  char z[160];
  snprintf(z, sizeof(z), "%s|%lld|%d", m->zState, (long long)m->updatedUs, m->maxTries);
  json_object_set_new((json_t *)pCtx, m->zTaskId, json_string(z));
  return 0;
}

/* task_id -> "state|updated_us|max_tries" of every task instance of run
 * pk, or NULL with pErr set. */
static json_t *ti_snapshot(web_req *r, int64_t pk, airc_err *pErr) {
  json_t *p = json_object();
  if(store_view_ti_marks(r->s, pk, ti_mark_row, p, pErr)) {
    json_decref(p);
    return NULL;
  }
  return p;
}

int api_ti_clear(web_req *r) {
  const char *zDag = r->azParam[0];
  airc_err err = {0};
  json_t *pBody = web_req_json_body(r, &err);
  if(!pBody) return http_reply_err(r, &err);
  static const char *const azKnown[] = {"dag_run_id", "task_ids", "task_regex", "include_downstream", "only_failed",
                                        "dry_run", "include_upstream", "reset_dag_runs", NULL};
  const char *zKey;
  json_t *pV;
  const char *zBad = NULL;
  json_object_foreach(pBody, zKey, pV) {
    int bKnown = 0;
    for(int i = 0; azKnown[i]; i++) bKnown |= !strcmp(zKey, azKnown[i]);
    if(!bKnown) zBad = "unknown field (known: dag_run_id, task_ids, task_regex, include_downstream, only_failed, dry_run)";
  }
  const char *zRun = json_string_value(json_object_get(pBody, "dag_run_id"));
  json_t *pIds = json_object_get(pBody, "task_ids");
  json_t *pRe = json_object_get(pBody, "task_regex");
  int bDown = json_is_true(json_object_get(pBody, "include_downstream"));
  int bOnlyFailed = json_is_true(json_object_get(pBody, "only_failed"));
  int bDry = json_is_true(json_object_get(pBody, "dry_run"));
  int bUserRe = pRe != NULL; /* capped; a regex built from task_ids is not */
  static const char *const azBool[] = {"include_downstream", "only_failed", "dry_run", NULL};
  for(int i = 0; azBool[i]; i++) {
    json_t *pB = json_object_get(pBody, azBool[i]);
    if(pB && !json_is_boolean(pB)) zBad = "include_downstream, only_failed and dry_run must be true or false";
  }
  if(!zBad && !zRun) zBad = "the body needs \"dag_run_id\"";
  if(!zBad && dag_run_id_check(zRun, &err)) zBad = airc_err_msg(&err);
  if(!zBad && pIds && !json_is_array(pIds)) zBad = "task_ids must be a list of task ids";
  if(!zBad && pRe && !json_is_string(pRe)) zBad = "task_regex must be a string";
  if(!zBad && pIds && pRe) zBad = "give task_ids or task_regex, not both";
  char *zRegex = NULL;
  airc_rc rc0;
  if(!zBad && pIds && !(zRegex = ids_regex(pIds))) zBad = "task_ids must be a list of task ids";
  if(!zBad && pRe) zRegex = strdup(json_string_value(pRe));
  char zRunCopy[300];
  snprintf(zRunCopy, sizeof(zRunCopy), "%s", zRun ? zRun : "");
  json_decref(pBody);
  if(zBad) {
    free(zRegex);
    return http_reply_error(r, 400, NULL, "%s", zBad);
  }
  /* compiled before the transaction: a costly pattern must not hold the store's write lock */
  regex_t re;
  int bRe = 0;
  if(zRegex) {
    rc0 = task_regex_compile(zRegex, bUserRe ? TASK_REGEX_MAX : 0, &re, &err);
    free(zRegex);
    if(rc0) return http_reply_err(r, &err);
    bRe = 1;
  }
  int64_t pk = api_run_pk(r, zDag, zRunCopy);
  if(!pk) {
    if(bRe) regfree(&re);
    return r->mhdResult;
  }
  int nCleared = 0, nSkipped = 0;
  json_t *pBefore = NULL, *pAfter = NULL;
  airc_rc rc = store_begin(r->s, &err);
  if(!rc && !(pBefore = ti_snapshot(r, pk, &err))) rc = err.rc;
  if(!rc) {
    rc = store_run_clear(r->s, zDag, zRunCopy, bRe ? &re : NULL, bDown, bOnlyFailed, &nCleared, &nSkipped, &err);
  }
  if(!rc && !(pAfter = ti_snapshot(r, pk, &err))) rc = err.rc;
  if(!rc && !bDry) rc = store_commit(r->s, &err);
  else store_rollback(r->s);
  if(bRe) regfree(&re);
  if(rc) {
    json_decref(pBefore);
    json_decref(pAfter);
    if(rc == AIRC_ERR_USAGE) err.rc = AIRC_ERR_INVALID;
    return http_reply_err(r, &err);
  }
  json_t *pArr = json_array();
  const char *zTask;
  json_t *pNow;
  json_object_foreach(pAfter, zTask, pNow) {
    const char *zWas = json_string_value(json_object_get(pBefore, zTask));
    if(zWas && !strcmp(zWas, json_string_value(pNow))) continue;
    json_t *p = json_object();
    json_object_set_new(p, "dag_id", json_string(zDag));
    json_object_set_new(p, "dag_run_id", json_string(zRunCopy));
    json_object_set_new(p, "task_id", json_string(zTask));
    json_object_set_new(p, "previous_state", zWas ? json_stringn(zWas, strcspn(zWas, "|")) : json_null());
    json_array_append_new(pArr, p);
  }
  json_decref(pBefore);
  json_decref(pAfter);
  if(!bDry) api_audit(r, "clear", zDag, zRunCopy, NULL, json_pack("{s:i}", "cleared", nCleared));
  json_t *pOut = api_list("task_instances", pArr, (int64_t)json_array_size(pArr));
  json_object_set_new(pOut, "not_cleared", json_integer(nSkipped));
  json_object_set_new(pOut, "dry_run", json_boolean(bDry));
  return http_reply_json(r, 200, pOut);
}
