/* secret_view.c: masked views of connections and variables, and the
 * checks of user input about them (see secret_view.h). */
#include "common/secret_view.h"
#include "common/conn_uri.h"
#include <stdlib.h>
#include <string.h>

json_t *secret_conn_row(const char *zName, json_t *pConn, int bReveal) {
  json_t *p = json_deep_copy(pConn);
  json_object_set_new(p, "conn_id", json_string(zName));
  if(!bReveal && json_is_string(json_object_get(p, "password")))
    json_object_set_new(p, "password", json_string(SECRET_MASK));
  char *zUri = conn_uri_format(p);
  json_object_set_new(p, "uri", json_string(zUri ? zUri : ""));
  free(zUri);
  json_t *pExtra = json_object_get(p, "extra");
  char *zExtra = json_dumps(pExtra, JSON_COMPACT | JSON_SORT_KEYS);
  json_object_set_new(p, "extra", json_string(zExtra ? zExtra : "{}"));
  free(zExtra);
  return p;
}

json_t *secret_var_row(const char *zName, json_t *pVar, int bReveal) {
  int bSecret = json_is_true(json_object_get(pVar, "is_secret"));
  const char *zVal = json_string_value(json_object_get(pVar, "value"));
  json_t *pDesc = json_object_get(pVar, "description");
  return json_pack("{s:s, s:s, s:O, s:b}", "key", zName, "value", bSecret && !bReveal ? SECRET_MASK : zVal ? zVal : "",
                   "description", pDesc ? pDesc : json_null(), "is_secret", bSecret);
}

static int mask_has(json_t *pMask, const char *zField) {
  if(!json_is_array(pMask)) return 1;
  size_t i;
  json_t *p;
  json_array_foreach(pMask, i, p) if(json_is_string(p) && !strcmp(json_string_value(p), zField)) return 1;
  return 0;
}

airc_rc secret_conn_apply(json_t *pConn, json_t *pFields, json_t *pMask, airc_err *pErr) {
  static const char *const azText[] = {"conn_type", "host", "login", "schema", "password", "description", NULL};
  const char *zKey;
  json_t *pV;
  json_object_foreach(pFields, zKey, pV) {
    if(!strcmp(zKey, "connection_id")) continue; /* the caller checks it */
    if(!mask_has(pMask, zKey)) continue;
    int bText = 0;
    for(int i = 0; azText[i]; i++) bText |= !strcmp(zKey, azText[i]);
    if(bText) {
      if(!json_is_string(pV) && !(json_is_null(pV) && strcmp(zKey, "conn_type")))
        return airc_err_set(pErr, AIRC_ERR_INVALID, "field '%s' must be a string%s", zKey,
                            strcmp(zKey, "conn_type") ? " or null" : "");
      json_object_set(pConn, zKey, pV);
    } else if(!strcmp(zKey, "port")) {
      if(!json_is_null(pV) && (!json_is_integer(pV) || json_integer_value(pV) < 0 || json_integer_value(pV) > 65535))
        return airc_err_set(pErr, AIRC_ERR_INVALID, "field 'port' must be an integer 0-65535 or null");
      json_object_set(pConn, zKey, pV);
    } else if(!strcmp(zKey, "extra")) {
      json_t *pObj = json_is_null(pV) ? json_object() : NULL;
      if(json_is_string(pV)) pObj = json_loads(json_string_value(pV), 0, NULL);
      if(!json_is_object(pObj)) {
        json_decref(pObj);
        return airc_err_set(pErr, AIRC_ERR_INVALID, "field 'extra' must be the JSON text of an object, or null");
      }
      json_object_set_new(pConn, "extra", pObj);
    } else {
      return airc_err_set(pErr, AIRC_ERR_INVALID, "unknown field '%.100s'", zKey);
    }
  }
  return AIRC_OK;
}

airc_rc secret_name_check(const char *zWhat, const char *zName, airc_err *pErr) {
  if(zName && conn_name_is_valid(zName)) return AIRC_OK;
  return airc_err_set(pErr, AIRC_ERR_INVALID, "%s name '%.100s' is not valid (1-250 of A-Z a-z 0-9 _ . -)", zWhat,
                      zName ? zName : "");
}
