/* task_secrets.c: see task_secrets.h. */
#include "executor/task_secrets.h"
#include "common/conn_uri.h"
#include "common/seal.h"
#include "store/store_secret.h"
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* The password as it appears inside a URI (percent-encoded), if different. */
static void mask_add_encoded(json_t *pMask, const char *zPw) {
  json_t *p = json_pack("{s:s s:s}", "conn_type", "x", "password", zPw);
  char *zUri = conn_uri_format(p); /* "x://:ENC@" */
  json_decref(p);
  if(zUri) {
    char *zStart = strstr(zUri, "://:"), *zEnd = strrchr(zUri, '@');
    if(zStart && zEnd && zEnd > zStart + 4) {
      *zEnd = 0;
      if(strcmp(zStart + 4, zPw)) json_array_append_new(pMask, json_string(zStart + 4));
    }
  }
  free(zUri);
}

airc_rc task_secrets_load(store *s, task_secrets *pOut, airc_err *pErr) {
  memset(pOut, 0, sizeof(*pOut));
  seal_key key;
  json_t *pVars = NULL;
  airc_rc rc = seal_key_load(&key, pErr);
  if(!rc) rc = store_conn_all(s, &key, &pOut->pConn, pErr);
  if(!rc) rc = store_var_all(s, &key, &pVars, pErr);
  sodium_memzero(&key, sizeof(key));
  if(rc) {
    json_decref(pVars);
    task_secrets_clear(pOut);
    return rc;
  }
  conn_env_overlay(pOut->pConn);
  pOut->pVar = json_object();
  pOut->pMask = json_array();
  const char *zKey;
  json_t *pV;
  json_object_foreach(pOut->pConn, zKey, pV) {
    char *zUri = conn_uri_format(pV);
    json_object_set_new(pV, "uri", json_string(zUri ? zUri : ""));
    free(zUri);
    const char *zPw = json_string_value(json_object_get(pV, "password"));
    if(zPw && *zPw) {
      json_array_append_new(pOut->pMask, json_string(zPw));
      mask_add_encoded(pOut->pMask, zPw);
    }
  }
  json_object_foreach(pVars, zKey, pV) {
    json_t *pVal = json_object_get(pV, "value");
    json_object_set(pOut->pVar, zKey, pVal);
    if(json_is_true(json_object_get(pV, "is_secret"))) json_array_append(pOut->pMask, pVal);
  }
  json_decref(pVars);
  return AIRC_OK;
}

void task_secrets_clear(task_secrets *p) {
  json_decref(p->pConn);
  json_decref(p->pVar);
  json_decref(p->pMask);
  memset(p, 0, sizeof(*p));
}
