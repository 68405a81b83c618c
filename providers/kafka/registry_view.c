/* registry_view.c: see registry_view.h. The calls, in order: GET /subjects,
 * GET /config (global level), then per subject GET /subjects/S/versions,
 * GET /subjects/S/versions/latest and GET /config/S (404: inherits). */
#include "providers/kafka/registry_view.h"
#include <stdio.h>
#include <string.h>

int registry_view_escape(const char *z, char *zOut, size_t nOut) {
  static const char aHex[] = "0123456789ABCDEF";
  size_t n = 0;
  for(; *z; z++) {
    unsigned char c = (unsigned char)*z;
    int bPlain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                 c == '.' || c == '_' || c == '~';
    if(n + (bPlain ? 1 : 3) >= nOut) return -1;
    if(bPlain) {
      zOut[n++] = (char)c;
    } else {
      zOut[n++] = '%';
      zOut[n++] = aHex[c >> 4];
      zOut[n++] = aHex[c & 15];
    }
  }
  zOut[n] = 0;
  return 0;
}

/* GETs zPath; returns the body when the status is 200 (new reference),
 * else NULL with zWhy filled ("HTTP 404", or the transport's message).
 * *pStatus is 0 when no answer came. */
static json_t *registry_get(registry_get_fn xGet, void *pCtx, const char *zPath, long *pStatus, char *zWhy,
                            size_t nWhy) {
  airc_err err = {0};
  json_t *pBody = NULL;
  *pStatus = 0;
  if(xGet(pCtx, zPath, pStatus, &pBody, &err)) {
    snprintf(zWhy, nWhy, "%s", airc_err_msg(&err));
    return NULL;
  }
  if(*pStatus != 200 || !pBody) {
    const char *zMsg = json_string_value(json_object_get(pBody, "message"));
    snprintf(zWhy, nWhy, "GET %s: HTTP %ld%s%s", zPath, *pStatus, zMsg ? ": " : "", zMsg ? zMsg : "");
    json_decref(pBody);
    return NULL;
  }
  return pBody;
}

/* The compatibilityLevel of a /config answer (Confluent also accepts
 * "compatibility"), or NULL. Borrowed from pBody. */
static const char *registry_level(const json_t *pBody) {
  const char *z = json_string_value(json_object_get(pBody, "compatibilityLevel"));
  return z ? z : json_string_value(json_object_get(pBody, "compatibility"));
}

static json_t *registry_subject(const char *zSubject, const char *zGlobal, registry_get_fn xGet, void *pCtx) {
  json_t *pOut = json_pack("{sss[]snsnsssnsbsn}", "subject", zSubject, "versions", "latest_version", "latest_id",
                           "schema_type", "AVRO", "compatibility", "compatibility_inherited", 1, "error");
  char zEsc[800], zPath[900], zWhy[400];
  long status = 0;
  if(!pOut || registry_view_escape(zSubject, zEsc, sizeof(zEsc))) {
    if(pOut) json_object_set_new(pOut, "error", json_string("subject name too long"));
    return pOut;
  }
  snprintf(zPath, sizeof(zPath), "/subjects/%s/versions", zEsc);
  json_t *pVersions = registry_get(xGet, pCtx, zPath, &status, zWhy, sizeof(zWhy));
  if(!json_is_array(pVersions)) {
    json_object_set_new(pOut, "error", json_string(pVersions ? "versions: not a JSON array" : zWhy));
    json_decref(pVersions);
    return pOut;
  }
  size_t i;
  json_t *pV;
  json_array_foreach(pVersions, i, pV) {
    if(json_is_integer(pV)) json_array_append(json_object_get(pOut, "versions"), pV);
  }
  json_decref(pVersions);
  snprintf(zPath, sizeof(zPath), "/subjects/%s/versions/latest", zEsc);
  json_t *pLatest = registry_get(xGet, pCtx, zPath, &status, zWhy, sizeof(zWhy));
  if(pLatest) {
    json_t *p;
    if(json_is_integer(p = json_object_get(pLatest, "version"))) json_object_set(pOut, "latest_version", p);
    if(json_is_integer(p = json_object_get(pLatest, "id"))) json_object_set(pOut, "latest_id", p);
    if(json_is_string(p = json_object_get(pLatest, "schemaType"))) json_object_set(pOut, "schema_type", p);
    json_decref(pLatest);
  } else {
    json_object_set_new(pOut, "error", json_string(zWhy));
  }
  snprintf(zPath, sizeof(zPath), "/config/%s", zEsc);
  json_t *pConfig = registry_get(xGet, pCtx, zPath, &status, zWhy, sizeof(zWhy));
  const char *zLevel = registry_level(pConfig);
  if(zLevel) {
    json_object_set_new(pOut, "compatibility", json_string(zLevel));
    json_object_set_new(pOut, "compatibility_inherited", json_false());
  } else if(zGlobal) {
    json_object_set_new(pOut, "compatibility", json_string(zGlobal));
  }
  json_decref(pConfig);
  return pOut;
}

json_t *registry_view_read(const char *zUrl, registry_get_fn xGet, void *pCtx) {
  json_t *pOut = json_pack("{sssnsssns[]}", "status", "down", "error", "url", zUrl, "compatibility", "subjects");
  if(!pOut) return NULL;
  char zWhy[400];
  long status = 0;
  json_t *pSubjects = registry_get(xGet, pCtx, "/subjects", &status, zWhy, sizeof(zWhy));
  if(!pSubjects) {
    json_object_set_new(pOut, "error", json_sprintf("schema registry at %s: %s", zUrl, zWhy));
    return pOut;
  }
  size_t i;
  json_t *pS;
  int bStrings = json_is_array(pSubjects);
  json_array_foreach(pSubjects, i, pS) bStrings = bStrings && json_is_string(pS);
  if(!bStrings) {
    json_object_set_new(pOut, "error", json_sprintf("schema registry at %s: GET /subjects: not a JSON array of names", zUrl));
    json_decref(pSubjects);
    return pOut;
  }
  json_object_set_new(pOut, "status", json_string("up"));
  json_t *pConfig = registry_get(xGet, pCtx, "/config", &status, zWhy, sizeof(zWhy));
  const char *zGlobal = registry_level(pConfig);
  if(zGlobal) json_object_set_new(pOut, "compatibility", json_string(zGlobal));
  json_t *pList = json_object_get(pOut, "subjects");
  json_array_foreach(pSubjects, i, pS) {
    if(i >= REGISTRY_VIEW_MAX_SUBJECTS) {
      json_object_set_new(pOut, "truncated", json_true());
      break;
    }
    json_array_append_new(pList, registry_subject(json_string_value(pS), zGlobal, xGet, pCtx));
  }
  json_decref(pConfig);
  json_decref(pSubjects);
  return pOut;
}
