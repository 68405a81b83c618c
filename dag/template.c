/* template.c: see template.h. */
#include "dag/template.h"
#include "common/timeutil.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_json_value(json_t *p) {
  if(!p) return NULL;
  if(json_is_string(p)) return strdup(json_string_value(p));
  return json_dumps(p, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* Follows a dotted path "a.b.c" through nested objects. */
static json_t *json_path(json_t *pRoot, const char *zPath) {
  if(!pRoot || !*zPath) return pRoot;
  const char *zDot = strchr(zPath, '.');
  size_t n = zDot ? (size_t)(zDot - zPath) : strlen(zPath);
  json_t *pChild = NULL;
  if(json_is_object(pRoot)) {
    char zKey[256];
    if(n >= sizeof(zKey)) return NULL;
    memcpy(zKey, zPath, n);
    zKey[n] = 0;
    pChild = json_object_get(pRoot, zKey);
  }
  if(!pChild) return NULL;
  return zDot ? json_path(pChild, zDot + 1) : pChild;
}

/* xcom lookup: task ids may contain dots, so try the longest task id
 * prefix that exists, then the rest as a path. */
static json_t *xcom_lookup(json_t *pXcom, const char *zName) {
  if(!pXcom) return NULL;
  json_t *pVal = json_object_get(pXcom, zName);
  if(pVal) return pVal;
  size_t n = strlen(zName);
  for(size_t i = n; i > 0; i--) {
    if(zName[i - 1] != '.') continue;
    char zTask[512];
    if(i - 1 >= sizeof(zTask)) continue;
    memcpy(zTask, zName, i - 1);
    zTask[i - 1] = 0;
    json_t *pTask = json_object_get(pXcom, zTask);
    if(pTask) return json_path(pTask, zName + i);
  }
  return NULL;
}

static void format_nodash(const char *zIn, char *zOut) {
  for(; *zIn; zIn++)
    if(*zIn != '-' && *zIn != ':') *zOut++ = *zIn;
  *zOut = 0;
}

char *template_lookup(const template_ctx *p, const char *zName) {
  char zBuf[64];
  if(!strcmp(zName, "ds")) {
    airc_time_format(p->logicalDate, zBuf, sizeof(zBuf));
    zBuf[10] = 0;
    return strdup(zBuf);
  }
  if(!strcmp(zName, "ds_nodash")) {
    char zNd[64];
    airc_time_format(p->logicalDate, zBuf, sizeof(zBuf));
    zBuf[10] = 0;
    format_nodash(zBuf, zNd);
    return strdup(zNd);
  }
  if(!strcmp(zName, "ts") || !strcmp(zName, "logical_date"))
    return strdup(airc_time_format_api(p->logicalDate * 1000000, zBuf, sizeof(zBuf)));
  if(!strcmp(zName, "ts_nodash")) {
    char zNd[64];
    airc_time_format(p->logicalDate, zBuf, sizeof(zBuf));
    zBuf[19] = 0;
    format_nodash(zBuf, zNd);
    return strdup(zNd);
  }
  if(!strcmp(zName, "data_interval_start"))
    return strdup(airc_time_format_api(p->dataIntervalStart * 1000000, zBuf, sizeof(zBuf)));
  if(!strcmp(zName, "data_interval_end"))
    return strdup(airc_time_format_api(p->dataIntervalEnd * 1000000, zBuf, sizeof(zBuf)));
  if(!strcmp(zName, "run_id")) return strdup(p->zRunId ? p->zRunId : "");
  if(!strcmp(zName, "dag_id")) return strdup(p->zDagId ? p->zDagId : "");
  if(!strcmp(zName, "task_id")) return strdup(p->zTaskId ? p->zTaskId : "");
  if(!strcmp(zName, "try_number")) {
    snprintf(zBuf, sizeof(zBuf), "%d", p->tryNumber);
    return strdup(zBuf);
  }
  if(!strncmp(zName, "params.", 7)) return dup_json_value(json_path(p->pParams, zName + 7));
  if(!strncmp(zName, "conf.", 5)) return dup_json_value(json_path(p->pConf, zName + 5));
  if(!strncmp(zName, "xcom.", 5)) return dup_json_value(xcom_lookup(p->pXcom, zName + 5));
  return NULL;
}

airc_rc template_render(const template_ctx *pCtx, const char *zIn, dynbuf *pOut, airc_err *pErr) {
  const char *z = zIn;
  for(;;) {
    const char *zOpen = strstr(z, "{{");
    if(!zOpen) {
      airc_rc rc = dynbuf_appendz(pOut, z);
      if(rc) return airc_err_set(pErr, rc, "template: rendered value exceeds %zu bytes", pOut->nMax);
      return AIRC_OK;
    }
    airc_rc rc = dynbuf_append(pOut, z, (size_t)(zOpen - z));
    if(rc) return airc_err_set(pErr, rc, "template: rendered value exceeds %zu bytes", pOut->nMax);
    const char *zClose = strstr(zOpen + 2, "}}");
    if(!zClose) return airc_err_set(pErr, AIRC_ERR_INVALID, "template: '{{' without closing '}}'");
    const char *a = zOpen + 2, *b = zClose;
    while(a < b && isspace((unsigned char)*a)) a++;
    while(b > a && isspace((unsigned char)b[-1])) b--;
    char zName[512];
    if((size_t)(b - a) >= sizeof(zName) || b == a)
      return airc_err_set(pErr, AIRC_ERR_INVALID, "template: bad variable name");
    memcpy(zName, a, (size_t)(b - a));
    zName[b - a] = 0;
    char *zVal = template_lookup(pCtx, zName);
    if(!zVal) return airc_err_set(pErr, AIRC_ERR_INVALID, "template: unknown variable '%s'", zName);
    rc = dynbuf_appendz(pOut, zVal);
    free(zVal);
    if(rc) return airc_err_set(pErr, rc, "template: rendered value exceeds %zu bytes", pOut->nMax);
    z = zClose + 2;
  }
}

json_t *template_render_object(const template_ctx *pCtx, json_t *pOptions, airc_err *pErr) {
  json_t *pOut = json_object();
  const char *zKey;
  json_t *pVal;
  json_object_foreach(pOptions, zKey, pVal) {
    dynbuf b;
    dynbuf_init(&b, 1 << 20);
    if(template_render(pCtx, json_string_value(pVal), &b, pErr)) {
      airc_err_prefix(pErr, "%s", zKey);
      dynbuf_free(&b);
      json_decref(pOut);
      return NULL;
    }
    json_object_set_new(pOut, zKey, json_string(dynbuf_str(&b)));
    dynbuf_free(&b);
  }
  return pOut;
}

/* NAME -> AIRC_PREFIX_NAME with non-alphanumerics as '_', upper case. */
static void export_object(const char *zPrefix, json_t *pObj) {
  const char *zKey;
  json_t *pVal;
  json_object_foreach(pObj, zKey, pVal) {
    char zEnv[256];
    int n = snprintf(zEnv, sizeof(zEnv), "%s_%s", zPrefix, zKey);
    if(n < 0 || (size_t)n >= sizeof(zEnv)) continue;
    for(char *c = zEnv; *c; c++) *c = isalnum((unsigned char)*c) ? (char)toupper((unsigned char)*c) : '_';
    char *zVal = dup_json_value(pVal);
    if(zVal) setenv(zEnv, zVal, 1);
    free(zVal);
  }
}

void template_export_env(const template_ctx *p) {
  static const char *const azVar[][2] = {
      {"AIRC_DS", "ds"}, {"AIRC_TS", "ts"}, {"AIRC_LOGICAL_DATE", "logical_date"},
      {"AIRC_DATA_INTERVAL_START", "data_interval_start"},
      {"AIRC_DATA_INTERVAL_END", "data_interval_end"}, {"AIRC_RUN_ID", "run_id"},
      {"AIRC_DAG_ID", "dag_id"}, {"AIRC_TASK_ID", "task_id"}, {"AIRC_TRY_NUMBER", "try_number"},
  };
  for(size_t i = 0; i < sizeof(azVar) / sizeof(azVar[0]); i++) {
    char *z = template_lookup(p, azVar[i][1]);
    if(z) setenv(azVar[i][0], z, 1);
    free(z);
  }
  json_t *aObj[3] = {p->pParams, p->pConf, p->pXcom};
  const char *azName[3] = {"AIRC_PARAMS", "AIRC_CONF", "AIRC_XCOM"};
  for(int i = 0; i < 3; i++) {
    char *z = aObj[i] ? json_dumps(aObj[i], JSON_COMPACT) : NULL;
    setenv(azName[i], z ? z : "{}", 1);
    free(z);
    if(aObj[i]) export_object(azName[i], aObj[i]);
  }
}
