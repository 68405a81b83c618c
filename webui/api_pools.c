/* api_pools.c: /api/v1/pools over the store (store/store_pool.h), in the
 * shape of Airflow's stable REST API: list (limit/offset, total_entries),
 * get, POST create (409 if it exists), PATCH (?update_mask=slots,...),
 * DELETE (204; default_pool: 400, as in Airflow). A pool's slots in use are
 * its queued and running tries' pool_slots; airc has no deferred state, so
 * deferred_slots is 0. Viewers read; Op and Admin write. Writes are
 * audited (pool_create, pool_update, pool_delete). */
#include "common/config.h"
#include "store/store_pool.h"
#include "webui/api.h"
#include <string.h>

/* default_pool exists once a scheduler ran; created here too, so a fresh
 * home lists it ([core] default_pool_slots, used only when it is created). */
static airc_rc pools_ensure_default(web_req *r, airc_err *pErr) {
  return store_pool_ensure_default(r->s, airc_config_get_int("core", "default_pool_slots", 128), pErr);
}

static int pool_row_json(void *pCtx, const store_pool_row *p) {
  int64_t occupied = p->nRunning + p->nQueued;
  json_t *o = json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:b}", "name", p->zName, "slots", (json_int_t)p->slots,
                        "occupied_slots", (json_int_t)occupied, "running_slots", (json_int_t)p->nRunning,
                        "queued_slots", (json_int_t)p->nQueued, "scheduled_slots", (json_int_t)p->nScheduled,
                        "deferred_slots", (json_int_t)0, "open_slots",
                        (json_int_t)(occupied < p->slots ? p->slots - occupied : 0), "include_deferred",
                        p->bIncludeDeferred);
  json_object_set_new(o, "description", p->zDescription ? json_string(p->zDescription) : json_null());
  json_array_append_new(pCtx, o);
  return 0;
}

int api_pools(web_req *r) {
  params_page pg;
  if(!api_page(r, &pg, 0, 0)) return r->mhdResult;
  airc_err err = {0};
  json_t *pArr = json_array();
  int n = 0;
  airc_rc rc = pools_ensure_default(r, &err);
  if(!rc) rc = store_pool_each(r->s, NULL, (int)pg.limit, (int)pg.offset, pool_row_json, pArr, &err);
  if(!rc) rc = store_pool_count(r->s, &n, &err);
  if(rc) {
    json_decref(pArr);
    return http_reply_err(r, &err);
  }
  return http_reply_json(r, 200, api_list("pools", pArr, n));
}

/* Pool zName as a new object, NULL if there is none (rc in *pRc). */
static json_t *pool_one(web_req *r, const char *zName, airc_rc *pRc, airc_err *pErr) {
  json_t *pArr = json_array();
  *pRc = pools_ensure_default(r, pErr);
  if(!*pRc) *pRc = store_pool_each(r->s, zName, 1, 0, pool_row_json, pArr, pErr);
  json_t *p = json_incref(json_array_get(pArr, 0));
  json_decref(pArr);
  return p;
}

int api_pool_get(web_req *r) {
  airc_err err = {0};
  airc_rc rc;
  json_t *p = pool_one(r, r->azParam[0], &rc, &err);
  if(rc) return http_reply_err(r, &err);
  if(!p) return http_reply_error(r, 404, NULL, "pool '%s' not found", r->azParam[0]);
  return http_reply_json(r, 200, p);
}

/* 1 if field zField is to be written: no update_mask, or it names it. */
static int in_mask(json_t *pMask, const char *zField) {
  if(!pMask) return 1;
  size_t i;
  json_t *pM;
  json_array_foreach(pMask, i, pM)
    if(json_is_string(pM) && !strcmp(json_string_value(pM), zField)) return 1;
  return 0;
}

/* POST (bCreate) or PATCH /pools/{pool_name}. */
static int pool_write(web_req *r, int bCreate) {
  airc_err err = {0};
  json_t *pBody = web_req_json_body(r, &err);
  if(!pBody) return http_reply_err(r, &err);
  json_t *pMask = bCreate ? NULL : web_req_args_all(r, "update_mask");
  if(pMask && !json_array_size(pMask)) {
    json_decref(pMask);
    pMask = NULL;
  }
  const char *zBodyName = json_string_value(json_object_get(pBody, "name"));
  const char *zName = bCreate ? zBodyName : r->azParam[0];
  json_t *pSlots = json_object_get(pBody, "slots");
  json_t *pDesc = json_object_get(pBody, "description");
  json_t *pDef = json_object_get(pBody, "include_deferred");
  airc_rc rc = AIRC_OK;
  json_t *p = NULL;
  if(bCreate && (!zName || !json_is_integer(pSlots)))
    rc = airc_err_set(&err, AIRC_ERR_INVALID, "the body needs \"name\" (a string) and \"slots\" (an integer)");
  else if(!bCreate && json_object_get(pBody, "name") && in_mask(pMask, "name") && (!zBodyName || strcmp(zBodyName, zName)))
    rc = airc_err_set(&err, AIRC_ERR_INVALID, "the name in the body ('%.100s') must be the one in the path ('%.100s'):"
                      " a pool cannot be renamed", zBodyName ? zBodyName : "", zName);
  else if(pSlots && (!json_is_integer(pSlots) || json_integer_value(pSlots) < 0 ||
                     json_integer_value(pSlots) > STORE_POOL_SLOTS_MAX))
    rc = airc_err_set(&err, AIRC_ERR_INVALID, "slots must be an integer 0..%d", STORE_POOL_SLOTS_MAX);
  else if(pDesc && !json_is_string(pDesc) && !json_is_null(pDesc))
    rc = airc_err_set(&err, AIRC_ERR_INVALID, "description must be a string");
  else if(pDef && !json_is_boolean(pDef))
    rc = airc_err_set(&err, AIRC_ERR_INVALID, "include_deferred must be true or false");
  else if(bCreate && !store_pool_name_is_valid(zName))
    rc = airc_err_set(&err, AIRC_ERR_INVALID, "pool name '%.60s' is not valid (1..256 letters, digits, '_', '-' or '.')", zName);
  if(!rc && !(rc = store_begin(r->s, &err))) {
    rc = pools_ensure_default(r, &err);
    json_t *pOld = rc ? NULL : pool_one(r, zName, &rc, &err);
    if(!rc && bCreate && pOld) rc = airc_err_set(&err, AIRC_ERR_EXISTS, "pool '%s' already exists", zName);
    if(!rc && !bCreate && !pOld) rc = airc_err_set(&err, AIRC_ERR_NOTFOUND, "pool '%s' not found", zName);
    json_decref(pOld);
    if(!rc) {
      int64_t slots = pSlots && in_mask(pMask, "slots") ? json_integer_value(pSlots) : -1;
      const char *zDesc = pDesc && in_mask(pMask, "description") ? (json_is_string(pDesc) ? json_string_value(pDesc) : "") : NULL;
      int bDef = pDef && in_mask(pMask, "include_deferred") ? json_is_true(pDef) : -1;
      rc = store_pool_set(r->s, zName, slots, zDesc, bDef, &err);
    }
    if(!rc) p = pool_one(r, zName, &rc, &err);
    if(!rc) rc = store_commit(r->s, &err);
    else store_rollback(r->s);
  }
  json_decref(pMask);
  int ret;
  if(rc == AIRC_ERR_NOTFOUND) {
    json_decref(p);
    ret = http_reply_error(r, 404, NULL, "%s", err.zMsg);
  } else if(rc || !p) {
    json_decref(p);
    ret = http_reply_err(r, &err);
  } else {
    /* zName may point into pBody: audited before it goes */
    api_audit(r, bCreate ? "pool_create" : "pool_update", NULL, NULL, NULL, json_pack("{s:s}", "pool", zName));
    ret = http_reply_json(r, 200, p);
  }
  json_decref(pBody);
  return ret;
}

int api_pool_create(web_req *r) { return pool_write(r, 1); }
int api_pool_patch(web_req *r) { return pool_write(r, 0); }

int api_pool_delete(web_req *r) {
  airc_err err = {0};
  airc_rc rc = store_pool_delete(r->s, r->azParam[0], &err);
  if(rc == AIRC_ERR_NOTFOUND) return http_reply_error(r, 404, NULL, "pool '%s' not found", r->azParam[0]);
  if(rc == AIRC_ERR_INVALID) return http_reply_error(r, 400, NULL, "%s", err.zMsg);
  if(rc) return http_reply_err(r, &err);
  api_audit(r, "pool_delete", NULL, NULL, NULL, json_pack("{s:s}", "pool", r->azParam[0]));
  return http_reply_body(r, 204, "application/json", NULL, 0, NULL);
}
