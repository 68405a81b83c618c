/* task_opt.c: see task_opt.h. */
#include "executor/task_opt.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/config.h"
#include "common/timeutil.h"

const char *task_opt_str(const task_ctx *pCtx, const char *zKey, const char *zDefault) {
  const char *z = pCtx->pOptions ? json_string_value(json_object_get(pCtx->pOptions, zKey)) : NULL;
  return z && *z ? z : zDefault;
}

static int opt_parse_int(const char *z, int64_t iMin, int64_t iMax, int64_t *pOut) {
  char *zEnd;
  errno = 0;
  long long v = strtoll(z, &zEnd, 10);
  if(errno || zEnd == z || *zEnd || v < iMin || v > iMax) return -1;
  *pOut = v;
  return 0;
}

airc_rc task_opt_int(const task_ctx *pCtx, const char *zType, const char *zKey, int64_t iDefault,
                     int64_t iMin, int64_t iMax, int64_t *pOut, airc_err *pErr) {
  const char *z = task_opt_str(pCtx, zKey, NULL);
  if(!z) { *pOut = iDefault; return AIRC_OK; }
  if(opt_parse_int(z, iMin, iMax, pOut))
    return airc_err_set(pErr, AIRC_ERR_INVALID, "%s: option '%s': '%s' is not an integer in %lld..%lld",
                        zType, zKey, z, (long long)iMin, (long long)iMax);
  return AIRC_OK;
}

airc_rc task_opt_bool(const task_ctx *pCtx, const char *zType, const char *zKey, int bDefault,
                      int *pOut, airc_err *pErr) {
  const char *z = task_opt_str(pCtx, zKey, NULL);
  if(!z) { *pOut = bDefault; return AIRC_OK; }
  int b = airc_parse_bool(z);
  if(b < 0)
    return airc_err_set(pErr, AIRC_ERR_INVALID, "%s: option '%s': '%s' is not a boolean", zType,
                        zKey, z);
  *pOut = b;
  return AIRC_OK;
}

airc_rc task_opt_duration_ms(const task_ctx *pCtx, const char *zType, const char *zKey,
                             int64_t defaultMs, int64_t *pOutMs, airc_err *pErr) {
  const char *z = task_opt_str(pCtx, zKey, NULL);
  if(!z) { *pOutMs = defaultMs; return AIRC_OK; }
  int64_t sec;
  if(airc_duration_parse(z, &sec) || sec <= 0)
    return airc_err_set(pErr, AIRC_ERR_INVALID,
                        "%s: option '%s': '%s' is not a duration such as 30s, 5m, 1h", zType, zKey, z);
  *pOutMs = sec * 1000;
  return AIRC_OK;
}

const char *task_opt_upstream_path(const task_ctx *pCtx) {
  const char *zKey;
  json_t *pVal;
  if(!json_is_object(pCtx->pUpstreamXcom)) return NULL;
  json_object_foreach(pCtx->pUpstreamXcom, zKey, pVal) {
    const char *z = json_string_value(json_object_get(pVal, "path"));
    if(z && *z) return z;
  }
  return NULL;
}

int task_opt_check_int(const char *zValue, int64_t iMin, int64_t iMax, char *zErr, size_t nErr) {
  int64_t v;
  if(strstr(zValue, "{{") || !opt_parse_int(zValue, iMin, iMax, &v)) return 0;
  snprintf(zErr, nErr, "'%s' is not an integer in %lld..%lld", zValue, (long long)iMin,
           (long long)iMax);
  return -1;
}

int task_opt_check_bool(const char *zValue, char *zErr, size_t nErr) {
  if(strstr(zValue, "{{") || airc_parse_bool(zValue) >= 0) return 0;
  snprintf(zErr, nErr, "'%s' is not a boolean (true/false)", zValue);
  return -1;
}

int task_opt_check_duration(const char *zValue, char *zErr, size_t nErr) {
  int64_t sec;
  if(strstr(zValue, "{{") || (!airc_duration_parse(zValue, &sec) && sec > 0)) return 0;
  snprintf(zErr, nErr, "'%s' is not a duration such as 30s, 5m, 1h", zValue);
  return -1;
}
