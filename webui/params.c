/* params.c: see params.h. */
#include "webui/params.h"
#include "common/config.h"
#include <string.h>

airc_rc params_parse_int(const char *zName, const char *zValue, int64_t iMin, int64_t iMax,
                         int64_t iDefault, int64_t *pOut, airc_err *pErr) {
  if(!zValue) {
    *pOut = iDefault;
    return AIRC_OK;
  }
  int64_t v = 0;
  const char *z = zValue;
  if(!*z) return airc_err_set(pErr, AIRC_ERR_INVALID, "%s must be a whole number, not an empty value", zName);
  for(; *z; z++) {
    if(*z < '0' || *z > '9' || v > (INT64_MAX - 9) / 10)
      return airc_err_set(pErr, AIRC_ERR_INVALID, "%s must be a whole number %lld..%lld, not '%.40s'", zName,
                          (long long)iMin, (long long)iMax, zValue);
    v = v * 10 + (*z - '0');
  }
  if(v < iMin || v > iMax)
    return airc_err_set(pErr, AIRC_ERR_INVALID, "%s must be between %lld and %lld, not %lld", zName,
                        (long long)iMin, (long long)iMax, (long long)v);
  *pOut = v;
  return AIRC_OK;
}

airc_rc params_parse_bool(const char *zName, const char *zValue, int bDefault, int *pOut, airc_err *pErr) {
  if(!zValue) {
    *pOut = bDefault;
    return AIRC_OK;
  }
  int b = airc_parse_bool(zValue);
  if(b < 0) return airc_err_set(pErr, AIRC_ERR_INVALID, "%s must be true or false, not '%.40s'", zName, zValue);
  *pOut = b;
  return AIRC_OK;
}

airc_rc params_parse_page(const char *zLimit, const char *zOffset, int64_t nDefault, int64_t nMaxLimit,
                          params_page *pOut, airc_err *pErr) {
  if(nMaxLimit <= 0) nMaxLimit = PARAMS_LIMIT_MAX;
  if(nDefault <= 0) nDefault = PARAMS_LIMIT_DEFAULT;
  airc_rc rc = params_parse_int("limit", zLimit, 1, nMaxLimit, nDefault, &pOut->limit, pErr);
  if(!rc) rc = params_parse_int("offset", zOffset, 0, INT32_MAX, 0, &pOut->offset, pErr);
  return rc;
}
