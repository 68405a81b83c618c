/* api_secrets.c: /api/v1/connections and /api/v1/variables over the store
 * (store/store_secret.h), in the shapes of Airflow's stable REST API:
 * list (limit/offset, total_entries), get, POST create (409 if it exists),
 * PATCH update (?update_mask=a,b limits the fields), DELETE (204).
 * Secrets never leave: a connection's password and a secret variable's
 * value are SECRET_MASK in every response (common/secret_view.h, the same
 * view as the CLI's). Viewers read; Op and Admin write, as in Airflow.
 * Every write is audited (connection_create/update/delete,
 * variable_create/update/delete). Variables carry an airc extension,
 * is_secret (default false), as `airc variables set --secret`. */
#include "common/secret_view.h"
#include "common/seal.h"
#include "store/store_secret.h"
#include "webui/api.h"
#include <sodium.h>
#include <string.h>

/* Loads the seal key; 0 after replying 500 when it cannot. */
static int key_load(web_req *r, seal_key *pKey) {
  airc_err err = {0};
  if(seal_key_load(pKey, &err)) {
    http_reply_err(r, &err);
    return 0;
  }
  return 1;
}

/* Airflow's Connection from the stored object: password masked, and absent
 * when there is none (the client's model has it as a non-null string). */
static json_t *conn_json(const char *zName, json_t *pConn) {
  json_t *pRow = secret_conn_row(zName, pConn, 0);
  json_t *p = json_object();
  json_object_set_new(p, "connection_id", json_string(zName));
  static const char *const az[] = {"conn_type", "description", "host", "login", "schema", "port", "extra", NULL};
  for(int i = 0; az[i]; i++) {
    json_t *v = json_object_get(pRow, az[i]);
    json_object_set(p, az[i], v ? v : json_null());
  }
  if(!json_is_string(json_object_get(p, "conn_type"))) json_object_set_new(p, "conn_type", json_string(""));
  json_t *pPw = json_object_get(pRow, "password");
  if(json_is_string(pPw)) json_object_set(p, "password", pPw);
  json_decref(pRow);
  return p;
}

/* Airflow's Variable (with is_secret) from the stored object, value masked when secret. */
static json_t *var_json(const char *zName, json_t *pVar) { return secret_var_row(zName, pVar, 0); }

/* Replies with a page of pAll (name -> object, taken) turned by fn. */
static int reply_page(web_req *r, const char *zKey, json_t *pAll, json_t *(*fn)(const char *, json_t *)) {
  params_page pg;
  if(!api_page(r, &pg, 0, 0)) {
    json_decref(pAll);
    return r->mhdResult;
  }
  json_t *pArr = json_array();
  const char *zName;
  json_t *pV;
  int64_t n = 0;
  json_object_foreach(pAll, zName, pV) {
    if(n >= pg.offset && n < pg.offset + pg.limit) json_array_append_new(pArr, fn(zName, pV));
    n++;
  }
  json_decref(pAll);
  return http_reply_json(r, 200, api_list(zKey, pArr, n));
}

/* The body as an object, or NULL after replying 400. */
static json_t *body_object(web_req *r) {
  airc_err err = {0};
  json_t *p = web_req_json_body(r, &err);
  if(!p) http_reply_err(r, &err);
  return p;
}

/* update_mask (comma-separated) as an array, or NULL when absent. */
static json_t *update_mask(web_req *r) {
  json_t *p = web_req_args_all(r, "update_mask");
  if(p && json_array_size(p) == 0) {
    json_decref(p);
    p = NULL;
  }
  return p;
}

/* ---- connections ---- */

int api_connections(web_req *r) {
  seal_key key;
  if(!key_load(r, &key)) return r->mhdResult;
  airc_err err = {0};
  json_t *pAll = NULL;
  airc_rc rc = store_conn_all(r->s, &key, &pAll, &err);
  sodium_memzero(&key, sizeof(key));
  if(rc) return http_reply_err(r, &err);
  return reply_page(r, "connections", pAll, conn_json);
}

int api_connection_get(web_req *r) {
  seal_key key;
  if(!key_load(r, &key)) return r->mhdResult;
  airc_err err = {0};
  json_t *pConn = NULL;
  airc_rc rc = store_conn_get(r->s, &key, r->azParam[0], &pConn, &err);
  sodium_memzero(&key, sizeof(key));
  if(rc == AIRC_ERR_NOTFOUND) return http_reply_error(r, 404, NULL, "connection '%s' not found", r->azParam[0]);
  if(rc) return http_reply_err(r, &err);
  json_t *p = conn_json(r->azParam[0], pConn);
  json_decref(pConn);
  return http_reply_json(r, 200, p);
}

/* Creates (bCreate: name from the body) or updates connection r->azParam[0]. */
static int conn_write(web_req *r, int bCreate) {
  const char *zName = bCreate ? NULL : r->azParam[0];
  json_t *pBody = body_object(r);
  if(!pBody) return r->mhdResult;
  json_t *pMask = bCreate ? NULL : update_mask(r);
  const char *zBodyId = json_string_value(json_object_get(pBody, "connection_id"));
  json_t *pConn = NULL;
  airc_err err = {0};
  airc_rc rc = AIRC_OK;
  seal_key key;
  int bKey = 0;
  if(bCreate) {
    zName = zBodyId;
    rc = secret_name_check("connection", zName, &err);
    if(!rc && !json_is_string(json_object_get(pBody, "conn_type")))
      rc = airc_err_set(&err, AIRC_ERR_INVALID, "the body needs \"connection_id\" and \"conn_type\" strings");
  } else if(json_object_get(pBody, "connection_id") && (!zBodyId || strcmp(zBodyId, zName)))
    rc = airc_err_set(&err, AIRC_ERR_INVALID, "the connection_id in the body ('%.100s') must be the one in the path "
                      "('%.100s'): a connection cannot be renamed", zBodyId ? zBodyId : "", zName);
  if(!rc) {
    if(!(bKey = key_load(r, &key))) goto done;
  }
  if(!rc && bCreate) {
    pConn = json_pack("{s:n, s:n, s:n, s:n, s:n, s:{}, s:n}", "host", "port", "login", "password", "schema", "extra",
                      "description");
  } else if(!rc) {
    rc = store_conn_get(r->s, &key, zName, &pConn, &err);
    if(rc == AIRC_ERR_NOTFOUND) {
      http_reply_error(r, 404, NULL, "connection '%s' not found", zName);
      goto done;
    }
  }
  if(!rc) rc = secret_conn_apply(pConn, pBody, pMask, &err);
  if(!rc) rc = store_conn_put(r->s, &key, zName, pConn, !bCreate, &err);
  if(rc == AIRC_ERR_EXISTS) {
    http_reply_error(r, 409, NULL, "connection '%s' already exists", zName);
    goto done;
  }
  if(rc) {
    http_reply_err(r, &err);
    goto done;
  }
  api_audit(r, bCreate ? "connection_create" : "connection_update", NULL, NULL, NULL,
            json_pack("{s:s}", "conn_id", zName));
  http_reply_json(r, 200, conn_json(zName, pConn));
done:
  if(bKey) sodium_memzero(&key, sizeof(key));
  json_decref(pConn);
  json_decref(pMask);
  json_decref(pBody);
  return r->mhdResult;
}

int api_connection_create(web_req *r) { return conn_write(r, 1); }
int api_connection_patch(web_req *r) { return conn_write(r, 0); }

int api_connection_delete(web_req *r) {
  airc_err err = {0};
  airc_rc rc = store_conn_delete(r->s, r->azParam[0], &err);
  if(rc == AIRC_ERR_NOTFOUND) return http_reply_error(r, 404, NULL, "connection '%s' not found", r->azParam[0]);
  if(rc) return http_reply_err(r, &err);
  api_audit(r, "connection_delete", NULL, NULL, NULL, json_pack("{s:s}", "conn_id", r->azParam[0]));
  return http_reply_body(r, 204, "application/json", NULL, 0, NULL);
}

/* ---- variables ---- */

int api_variables(web_req *r) {
  seal_key key;
  if(!key_load(r, &key)) return r->mhdResult;
  airc_err err = {0};
  json_t *pAll = NULL;
  airc_rc rc = store_var_all(r->s, &key, &pAll, &err);
  sodium_memzero(&key, sizeof(key));
  if(rc) return http_reply_err(r, &err);
  return reply_page(r, "variables", pAll, var_json);
}

int api_variable_get(web_req *r) {
  seal_key key;
  if(!key_load(r, &key)) return r->mhdResult;
  airc_err err = {0};
  json_t *pVar = NULL;
  airc_rc rc = store_var_get(r->s, &key, r->azParam[0], &pVar, &err);
  sodium_memzero(&key, sizeof(key));
  if(rc == AIRC_ERR_NOTFOUND) return http_reply_error(r, 404, NULL, "variable '%s' not found", r->azParam[0]);
  if(rc) return http_reply_err(r, &err);
  json_t *p = var_json(r->azParam[0], pVar);
  json_decref(pVar);
  return http_reply_json(r, 200, p);
}

/* Checks the fields of a variable body (key, value, description, is_secret). */
static airc_rc var_body_check(json_t *pBody, airc_err *pErr) {
  const char *zKey;
  json_t *pV;
  json_object_foreach(pBody, zKey, pV) {
    if(!strcmp(zKey, "key")) continue;
    if(!strcmp(zKey, "value") && !json_is_string(pV))
      return airc_err_set(pErr, AIRC_ERR_INVALID, "field 'value' must be a string");
    if(!strcmp(zKey, "description") && !json_is_string(pV) && !json_is_null(pV))
      return airc_err_set(pErr, AIRC_ERR_INVALID, "field 'description' must be a string or null");
    if(!strcmp(zKey, "is_secret") && !json_is_boolean(pV))
      return airc_err_set(pErr, AIRC_ERR_INVALID, "field 'is_secret' must be true or false");
    if(strcmp(zKey, "value") && strcmp(zKey, "description") && strcmp(zKey, "is_secret"))
      return airc_err_set(pErr, AIRC_ERR_INVALID, "unknown field '%.100s'", zKey);
  }
  return AIRC_OK;
}

/* Creates (bCreate: key from the body) or updates variable r->azParam[0]. */
static int var_write(web_req *r, int bCreate) {
  json_t *pBody = body_object(r);
  if(!pBody) return r->mhdResult;
  json_t *pMask = bCreate ? NULL : update_mask(r);
  const char *zBodyKey = json_string_value(json_object_get(pBody, "key"));
  const char *zName = bCreate ? zBodyKey : r->azParam[0];
  json_t *pVar = NULL;
  airc_err err = {0};
  seal_key key;
  int bKey = 0;
  airc_rc rc = var_body_check(pBody, &err);
  if(!rc && bCreate) {
    rc = secret_name_check("variable", zName, &err);
    if(!rc && !json_is_string(json_object_get(pBody, "value")))
      rc = airc_err_set(&err, AIRC_ERR_INVALID, "the body needs \"key\" and \"value\" strings");
  } else if(!rc && json_object_get(pBody, "key") && (!zBodyKey || strcmp(zBodyKey, zName)))
    rc = airc_err_set(&err, AIRC_ERR_INVALID, "the key in the body ('%.100s') must be the one in the path "
                      "('%.100s'): a variable cannot be renamed", zBodyKey ? zBodyKey : "", zName);
  if(rc) {
    http_reply_err(r, &err);
    goto done;
  }
  if(!(bKey = key_load(r, &key))) goto done;
  if(!(rc = store_begin(r->s, &err))) {
    rc = store_var_get(r->s, &key, zName, &pVar, &err);
    if(bCreate && !rc) rc = airc_err_set(&err, AIRC_ERR_EXISTS, "variable '%s' already exists", zName);
    else if(rc == AIRC_ERR_NOTFOUND) {
      airc_err_clear(&err);
      if(bCreate) {
        pVar = json_pack("{s:s, s:b, s:n}", "value", "", "is_secret", 0, "description");
        rc = AIRC_OK;
      } else airc_err_set(&err, rc, "variable '%s' not found", zName);
    }
    static const char *const az[] = {"value", "description", "is_secret", NULL};
    for(int i = 0; !rc && az[i]; i++) {
      json_t *pV = json_object_get(pBody, az[i]);
      int bIn = !pMask;
      size_t k;
      json_t *pM;
      json_array_foreach(pMask, k, pM) bIn |= json_is_string(pM) && !strcmp(json_string_value(pM), az[i]);
      if(pV && bIn) json_object_set(pVar, az[i], pV);
    }
    if(!rc)
      rc = store_var_set(r->s, &key, zName, json_string_value(json_object_get(pVar, "value")),
                         json_is_true(json_object_get(pVar, "is_secret")),
                         json_string_value(json_object_get(pVar, "description")), &err);
    if(!rc) rc = store_commit(r->s, &err);
    else store_rollback(r->s);
  }
  if(rc) {
    http_reply_err(r, &err);
    goto done;
  }
  api_audit(r, bCreate ? "variable_create" : "variable_update", NULL, NULL, NULL, json_pack("{s:s}", "key", zName));
  http_reply_json(r, 200, var_json(zName, pVar));
done:
  if(bKey) sodium_memzero(&key, sizeof(key));
  json_decref(pVar);
  json_decref(pMask);
  json_decref(pBody);
  return r->mhdResult;
}

int api_variable_create(web_req *r) { return var_write(r, 1); }
int api_variable_patch(web_req *r) { return var_write(r, 0); }

int api_variable_delete(web_req *r) {
  airc_err err = {0};
  airc_rc rc = store_var_delete(r->s, r->azParam[0], &err);
  if(rc == AIRC_ERR_NOTFOUND) return http_reply_error(r, 404, NULL, "variable '%s' not found", r->azParam[0]);
  if(rc) return http_reply_err(r, &err);
  api_audit(r, "variable_delete", NULL, NULL, NULL, json_pack("{s:s}", "key", r->azParam[0]));
  return http_reply_body(r, 204, "application/json", NULL, 0, NULL);
}
