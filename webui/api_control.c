/* api_control.c: control of live work over the API (issue 10 part 1):
 *   PATCH  .../dagRuns/{run_id}                 {"state": success|failed|queued}
 *   DELETE .../dagRuns/{run_id}[?delete_logs=true]
 *   DELETE /dags/{dag_id}[?delete_logs=true]
 *   PATCH  .../dagRuns/{run_id}/setNote, .../taskInstances/{task_id}/setNote
 *   POST   /backfills (+ /backfills/dry_run), GET /backfills[/{id}],
 *   PUT    /backfills/{id}/pause|unpause|cancel (POST .../cancel too)
 * Marking a running task instance is PATCH .../taskInstances/{task_id}
 * (api_tasks.c); it and the calls here record stop requests that the
 * scheduler carries out (store_control.h). Every rule lives in the store's
 * typed calls; this file parses bodies, maps errors and writes JSON.
 * Deleting logs is the only file work: the run's (or DAG's) folder under
 * the logs folder, removed without following symlinks. */
#include "common/config.h"
#include "common/timeutil.h"
#include "store/store_control.h"
#include "store/store_run.h"
#include "webui/api.h"
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- helpers ---- */

static int unlink_entry(const char *zPath, const struct stat *pSt, int type, struct FTW *pFtw) {
  (void)pSt;
  (void)pFtw;
  if(type == FTW_DP) rmdir(zPath);
  else unlink(zPath);
  return 0;
}

/* Removes <logs>/dag_id=D[/run_id=R] (zRun NULL: the DAG's folder). Ids
 * with a slash or that are "." / ".." never name a folder here. */
static void logs_delete(const char *zDag, const char *zRun) {
  const char *az[2] = {zDag, zRun};
  for(int i = 0; i < 2; i++)
    if(az[i] && (strchr(az[i], '/') || !strcmp(az[i], ".") || !strcmp(az[i], ".."))) return;
  char zDir[4400];
  if(zRun) snprintf(zDir, sizeof(zDir), "%s/dag_id=%s/run_id=%s", airc_path_logs(), zDag, zRun);
  else snprintf(zDir, sizeof(zDir), "%s/dag_id=%s", airc_path_logs(), zDag);
  (void)nftw(zDir, unlink_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ?delete_logs: 1 true, 0 false/absent, -1 after replying 400. */
static int arg_delete_logs(web_req *r) {
  const char *z = web_req_arg(r, "delete_logs");
  if(!z || !strcmp(z, "false")) return 0;
  if(!strcmp(z, "true")) return 1;
  http_reply_error(r, 400, NULL, "delete_logs must be true or false, not '%s'", z);
  return -1;
}

static int run_one_row(void *pCtx, const store_view_run *pRun) {
  *(json_t **)pCtx = api_run_json(pRun);
  return 0;
}

static int reply_run(web_req *r, const char *zDag, const char *zRun) {
  json_t *p = NULL;
  airc_err err = {0};
  if(store_view_run_get(r->s, zDag, zRun, run_one_row, &p, &err)) return http_reply_err(r, &err);
  return http_reply_json(r, 200, p ? p : json_object());
}

/* The body's only allowed keys are azKnown; returns the body or NULL
 * after replying 400. */
static json_t *body_with(web_req *r, const char *const *azKnown, const char *zHint) {
  airc_err err = {0};
  json_t *pBody = web_req_json_body(r, &err);
  if(!pBody) {
    http_reply_err(r, &err);
    return NULL;
  }
  const char *zKey;
  json_t *pV;
  json_object_foreach(pBody, zKey, pV) {
    int bKnown = 0;
    for(int i = 0; azKnown[i]; i++) bKnown |= !strcmp(zKey, azKnown[i]);
    if(!bKnown) {
      http_reply_error(r, 400, NULL, "unknown field '%s' (known: %s)", zKey, zHint);
      json_decref(pBody);
      return NULL;
    }
  }
  return pBody;
}

/* ---- runs ---- */

int api_run_patch(web_req *r) {
  static const char *const azKnown[] = {"state", NULL};
  json_t *pBody = body_with(r, azKnown, "state");
  if(!pBody) return r->mhdResult;
  char zState[32];
  const char *z = json_string_value(json_object_get(pBody, "state"));
  snprintf(zState, sizeof(zState), "%s", z ? z : "");
  json_decref(pBody);
  if(strcmp(zState, "success") && strcmp(zState, "failed") && strcmp(zState, "queued"))
    return http_reply_error(r, 400, NULL, "the body needs \"state\": \"success\", \"failed\" or \"queued\"");
  airc_err err = {0};
  if(store_run_set_state_as_user(r->s, r->azParam[0], r->azParam[1], zState, NULL, &err)) return http_reply_err(r, &err);
  return reply_run(r, r->azParam[0], r->azParam[1]);
}

int api_run_delete(web_req *r) {
  int bLogs = arg_delete_logs(r);
  if(bLogs < 0) return r->mhdResult;
  airc_err err = {0};
  if(store_run_delete(r->s, r->azParam[0], r->azParam[1], NULL, &err)) return http_reply_err(r, &err);
  if(bLogs) logs_delete(r->azParam[0], r->azParam[1]);
  api_audit(r, "delete_dag_run", r->azParam[0], r->azParam[1], NULL, NULL);
  return http_reply_body(r, 204, NULL, NULL, 0, NULL);
}

int api_dag_delete(web_req *r) {
  int bLogs = arg_delete_logs(r);
  if(bLogs < 0) return r->mhdResult;
  airc_err err = {0};
  if(store_dag_delete(r->s, r->azParam[0], NULL, &err)) return http_reply_err(r, &err);
  if(bLogs) logs_delete(r->azParam[0], NULL);
  return http_reply_body(r, 204, NULL, NULL, 0, NULL);
}

/* ---- notes ---- */

/* The body's "note" (a string, or null to clear) into *pzNote (owned);
 * 0 after replying 400. */
static int body_note(web_req *r, char **pzNote) {
  static const char *const azKnown[] = {"note", NULL};
  json_t *pBody = body_with(r, azKnown, "note");
  if(!pBody) return 0;
  json_t *pNote = json_object_get(pBody, "note");
  if(!pNote || (!json_is_string(pNote) && !json_is_null(pNote))) {
    json_decref(pBody);
    http_reply_error(r, 400, NULL, "the body needs \"note\": a string (or null to clear it)");
    return 0;
  }
  *pzNote = strdup(json_is_string(pNote) ? json_string_value(pNote) : "");
  json_decref(pBody);
  if(!*pzNote) {
    http_reply_error(r, 500, NULL, "out of memory");
    return 0;
  }
  return 1;
}

int api_run_set_note(web_req *r) {
  char *zNote = NULL;
  if(!body_note(r, &zNote)) return r->mhdResult;
  airc_err err = {0};
  airc_rc rc = store_run_set_note(r->s, r->azParam[0], r->azParam[1], zNote, &err);
  free(zNote);
  if(rc) return http_reply_err(r, &err);
  return reply_run(r, r->azParam[0], r->azParam[1]);
}

int api_ti_set_note(web_req *r) {
  int64_t pk = api_run_pk(r, r->azParam[0], r->azParam[1]);
  if(!pk) return r->mhdResult;
  char *zNote = NULL;
  if(!body_note(r, &zNote)) return r->mhdResult;
  airc_err err = {0};
  airc_rc rc = store_ti_set_note(r->s, r->azParam[0], r->azParam[1], r->azParam[2], zNote, &err);
  free(zNote);
  if(rc) return http_reply_err(r, &err);
  return api_ti_reply(r, pk, r->azParam[2]);
}

/* ---- backfills ---- */

static json_t *backfill_json(const store_backfill_row *b) {
  json_t *p = json_object();
  json_object_set_new(p, "id", json_integer(b->id));
  json_object_set_new(p, "dag_id", api_text(b->zDagId));
  json_object_set_new(p, "from_date", api_time_sec(b->fromDate));
  json_object_set_new(p, "to_date", api_time_sec(b->toDate));
  json_object_set_new(p, "dag_run_conf", api_json_text(b->zConf));
  json_object_set_new(p, "is_paused", json_boolean(b->bPaused));
  json_object_set_new(p, "reprocess_behavior", api_text(b->zReprocess));
  json_object_set_new(p, "max_active_runs", json_integer(b->maxActiveRuns));
  json_object_set_new(p, "created_at", api_time_us(b->createdUs));
  json_object_set_new(p, "completed_at", b->completedUs ? api_time_us(b->completedUs) : json_null());
  json_object_set_new(p, "updated_at", api_time_us(b->updatedUs));
  /* airc extensions: when it was canceled, and its progress */
  json_object_set_new(p, "canceled_at", b->canceledUs ? api_time_us(b->canceledUs) : json_null());
  json_object_set_new(p, "runs", json_pack("{s:i,s:i,s:i,s:i,s:i}", "queued", b->nQueued, "running", b->nRunning,
                                           "success", b->nSuccess, "failed", b->nFailed, "total", b->nTotal));
  return p;
}

static int backfill_one(void *pCtx, const store_backfill_row *b) {
  *(json_t **)pCtx = backfill_json(b);
  return 0;
}

static int backfill_append(void *pCtx, const store_backfill_row *b) {
  json_array_append_new((json_t *)pCtx, backfill_json(b));
  return 0;
}

static int reply_backfill(web_req *r, unsigned status, int64_t id) {
  json_t *p = NULL;
  airc_err err = {0};
  if(store_backfill_get(r->s, id, backfill_one, &p, &err)) return http_reply_err(r, &err);
  return http_reply_json(r, status, p ? p : json_object());
}

/* The {backfill_id} path parameter; 0 after replying 404. */
static int64_t backfill_id(web_req *r) {
  char *zEnd = NULL;
  long long id = strtoll(r->azParam[0], &zEnd, 10);
  if(!*r->azParam[0] || *zEnd || id <= 0) {
    http_reply_error(r, 404, NULL, "backfill %s not found", r->azParam[0]);
    return 0;
  }
  return id;
}

static int dry_tick(void *pCtx, const store_backfill_tick *t) {
  json_t *p = json_object();
  json_object_set_new(p, "logical_date", api_time_sec(t->logicalDate));
  json_object_set_new(p, "action", json_string(t->zAction)); /* airc extension */
  json_object_set_new(p, "dag_run_id", t->zRunId[0] ? api_text(t->zRunId) : json_null());
  json_array_append_new((json_t *)pCtx, p);
  return 0;
}

/* POST /backfills and /backfills/dry_run (bDry). */
static int backfill_post(web_req *r, int bDry) {
  static const char *const azKnown[] = {"dag_id", "from_date", "to_date", "run_backwards", "dag_run_conf",
                                        "reprocess_behavior", "max_active_runs", "dry_run", NULL};
  json_t *pBody = body_with(r, azKnown, "dag_id, from_date, to_date, dag_run_conf, reprocess_behavior, "
                                        "max_active_runs, dry_run");
  if(!pBody) return r->mhdResult;
  const char *zBad = NULL;
  char zBadBuf[200];
  const char *zDag = json_string_value(json_object_get(pBody, "dag_id"));
  const char *zFrom = json_string_value(json_object_get(pBody, "from_date"));
  const char *zTo = json_string_value(json_object_get(pBody, "to_date"));
  json_t *pReprocess = json_object_get(pBody, "reprocess_behavior");
  json_t *pMax = json_object_get(pBody, "max_active_runs");
  json_t *pConf = json_object_get(pBody, "dag_run_conf");
  json_t *pDry = json_object_get(pBody, "dry_run");
  int64_t from = 0, to = 0;
  if(!zDag) zBad = "the body needs \"dag_id\"";
  else if(!zFrom || !zTo) zBad = "the body needs \"from_date\" and \"to_date\" (ISO 8601)";
  else if(airc_time_parse(zFrom, &from)) {
    snprintf(zBadBuf, sizeof(zBadBuf), "from_date: bad date '%.60s'", zFrom);
    zBad = zBadBuf;
  } else if(airc_time_parse(zTo, &to)) {
    snprintf(zBadBuf, sizeof(zBadBuf), "to_date: bad date '%.60s'", zTo);
    zBad = zBadBuf;
  } else if(pReprocess && !json_is_string(pReprocess)) zBad = "reprocess_behavior must be none, failed or completed";
  else if(pMax && (!json_is_integer(pMax) || json_integer_value(pMax) < 1 || json_integer_value(pMax) > 1000))
    zBad = "max_active_runs must be an integer from 1 to 1000";
  else if(pConf && !json_is_object(pConf) && !json_is_null(pConf)) zBad = "dag_run_conf must be a JSON object";
  else if(pDry && !json_is_boolean(pDry)) zBad = "dry_run must be true or false";
  else if(json_is_true(json_object_get(pBody, "run_backwards"))) zBad = "run_backwards is not supported";
  if(zBad) {
    json_decref(pBody);
    return http_reply_error(r, 400, NULL, "%s", zBad);
  }
  bDry |= json_is_true(pDry);
  airc_err err = {0};
  dag *d = NULL;
  if(store_dag_load(r->s, zDag, &d, &err)) {
    json_decref(pBody);
    return http_reply_err(r, &err);
  }
  store_backfill_spec spec = {zDag, from, to, pReprocess ? json_string_value(pReprocess) : "none",
                              pMax ? (int)json_integer_value(pMax) : 10, json_is_object(pConf) ? pConf : NULL, bDry};
  json_t *pTicks = json_array();
  int64_t id = 0;
  int nCreate, nRerun, nKeep;
  airc_rc rc = store_backfill_create(r->s, d, &spec, bDry ? dry_tick : NULL, pTicks, &id, &nCreate, &nRerun, &nKeep,
                                     &err);
  dag_free(d);
  json_decref(pBody);
  if(rc) {
    json_decref(pTicks);
    return http_reply_err(r, &err);
  }
  if(bDry) return http_reply_json(r, 200, api_list("backfills", pTicks, (int64_t)json_array_size(pTicks)));
  json_decref(pTicks);
  return reply_backfill(r, 200, id);
}

int api_backfill_create(web_req *r) { return backfill_post(r, 0); }
int api_backfill_dry_run(web_req *r) { return backfill_post(r, 1); }

int api_backfill_get(web_req *r) {
  int64_t id = backfill_id(r);
  return id ? reply_backfill(r, 200, id) : r->mhdResult;
}

int api_backfills_list(web_req *r) {
  const char *zDag = web_req_arg(r, "dag_id");
  params_page pg;
  if(!api_page(r, &pg, 0, 0)) return r->mhdResult;
  json_t *pArr = json_array();
  airc_err err = {0};
  if(store_backfill_list(r->s, zDag, pg.limit, backfill_append, pArr, &err)) {
    json_decref(pArr);
    return http_reply_err(r, &err);
  }
  return http_reply_json(r, 200, api_list("backfills", pArr, (int64_t)json_array_size(pArr)));
}

int api_backfill_pause(web_req *r) {
  int64_t id = backfill_id(r);
  if(!id) return r->mhdResult;
  airc_err err = {0};
  if(store_backfill_set_paused(r->s, id, 1, &err)) return http_reply_err(r, &err);
  return reply_backfill(r, 200, id);
}

int api_backfill_unpause(web_req *r) {
  int64_t id = backfill_id(r);
  if(!id) return r->mhdResult;
  airc_err err = {0};
  if(store_backfill_set_paused(r->s, id, 0, &err)) return http_reply_err(r, &err);
  return reply_backfill(r, 200, id);
}

int api_backfill_cancel(web_req *r) {
  int64_t id = backfill_id(r);
  if(!id) return r->mhdResult;
  airc_err err = {0};
  if(store_backfill_cancel(r->s, id, &err)) return http_reply_err(r, &err);
  return reply_backfill(r, 200, id);
}
