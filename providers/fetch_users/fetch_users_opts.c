/* fetch_users_opts.c: see fetch_users_opts.h. */
#include "providers/fetch_users/fetch_users_opts.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "common/config.h"
#include "common/prng.h"
#include "common/timeutil.h"

const char *const fetch_users_azKeys[] = {"url",     "results", "count",           "seed",
                                          "page",    "nat",     "timeout",         "connect_timeout",
                                          "request_retries", "retry_backoff", NULL};

static int opts_int(const char *z, int64_t lo, int64_t hi, int64_t *pOut) {
  if(!z || *z < '0' || *z > '9') return -1;
  char *zEnd;
  errno = 0;
  long long v = strtoll(z, &zEnd, 10);
  if(errno || *zEnd || v < lo || v > hi) return -1;
  *pOut = v;
  return 0;
}

/* "30s", "2m", "1h30m", plain seconds, or "250ms" -> milliseconds. */
static int opts_duration_ms(const char *z, int64_t *pOutMs) {
  size_t n = z ? strlen(z) : 0;
  if(n > 2 && !strcmp(z + n - 2, "ms")) {
    char zNum[32];
    if(n - 2 >= sizeof(zNum)) return -1;
    memcpy(zNum, z, n - 2);
    zNum[n - 2] = 0;
    return opts_int(zNum, 0, 100LL * 365 * 86400 * 1000, pOutMs);
  }
  int64_t sec;
  if(airc_duration_parse(z, &sec)) return -1;
  *pOutMs = sec * 1000;
  return 0;
}

/* One key's rules; writes the parsed value through the matching pointer of
 * pOut when pOut is not NULL. */
static int opts_apply(const char *zKey, const char *zValue, fetch_users_opts *pOut, char *zErr,
                      size_t nErr) {
  int64_t v = 0;
  const char *zWant = NULL;
  if(!strcmp(zKey, "url")) {
    if(strncasecmp(zValue, "http://", 7) && strncasecmp(zValue, "https://", 8))
      zWant = "must start with http:// or https://";
    else if(strlen(zValue) >= sizeof(pOut->zUrl) - 512)
      zWant = "is too long";
    else if(pOut) snprintf(pOut->zUrl, sizeof(pOut->zUrl), "%s", zValue);
  } else if(!strcmp(zKey, "results")) {
    if(opts_int(zValue, 1, FETCH_USERS_MAX_RESULTS, &v)) zWant = "must be a whole number 1..5000";
    else if(pOut) pOut->nResults = (int)v;
  } else if(!strcmp(zKey, "count")) {
    if(opts_int(zValue, 1, FETCH_USERS_MAX_COUNT, &v)) zWant = "must be a whole number 1..10000000";
    else if(pOut) pOut->nCount = v;
  } else if(!strcmp(zKey, "page")) {
    if(opts_int(zValue, 1, 1000000000LL, &v)) zWant = "must be a whole number 1..1000000000";
    else if(pOut) pOut->page = v;
  } else if(!strcmp(zKey, "request_retries")) {
    if(opts_int(zValue, 0, 100, &v)) zWant = "must be a whole number 0..100";
    else if(pOut) pOut->nRetries = (int)v;
  } else if(!strcmp(zKey, "seed")) {
    if(!*zValue || strlen(zValue) > 64) zWant = "must be 1..64 characters";
    else if(pOut) snprintf(pOut->zSeed, sizeof(pOut->zSeed), "%s", zValue);
  } else if(!strcmp(zKey, "nat")) {
    if(strlen(zValue) >= sizeof(pOut->zNat)) zWant = "is too long";
    else if(strspn(zValue, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ,") != strlen(zValue))
      zWant = "must be a comma-separated list of country codes";
    else if(pOut) snprintf(pOut->zNat, sizeof(pOut->zNat), "%s", zValue);
  } else if(!strcmp(zKey, "timeout") || !strcmp(zKey, "connect_timeout") ||
            !strcmp(zKey, "retry_backoff")) {
    if(opts_duration_ms(zValue, &v)) zWant = "must be a duration like 30s, 2m or 250ms";
    else if(pOut && !strcmp(zKey, "timeout")) pOut->timeoutMs = v;
    else if(pOut && !strcmp(zKey, "connect_timeout")) pOut->connectTimeoutMs = v;
    else if(pOut) pOut->backoffMs = v;
  } else {
    snprintf(zErr, nErr, "%s: not an option of fetch-users", zKey);
    return -1;
  }
  if(zWant) {
    snprintf(zErr, nErr, "%s: %s, got '%.60s'", zKey, zWant, zValue);
    return -1;
  }
  return 0;
}

int fetch_users_opt_check(const char *zKey, const char *zValue, char *zErr, size_t nErr) {
  if(!zValue) zValue = "";
  if(strstr(zValue, "{{")) return 0;
  return opts_apply(zKey, zValue, NULL, zErr, nErr);
}

airc_rc fetch_users_opts_resolve(json_t *pOptions, const char *zDagId, const char *zRunId,
                                 fetch_users_opts *pOut, airc_err *pErr) {
  memset(pOut, 0, sizeof(*pOut));
  snprintf(pOut->zUrl, sizeof(pOut->zUrl), "%s",
           airc_config_get("randomuser", "url", FETCH_USERS_DEFAULT_URL));
  pOut->nResults = 100;
  pOut->page = 1;
  pOut->timeoutMs = 30000;
  pOut->connectTimeoutMs = 10000;
  pOut->nRetries = 5;
  pOut->backoffMs = 1000;
  pOut->maxBackoffMs = FETCH_USERS_MAX_BACKOFF_MS;
  pOut->nMaxBody = FETCH_USERS_MAX_BODY;
  /* same dag and run -> same seed -> a retried try fetches the same users */
  uint64_t h = prng_fnv1a(PRNG_FNV_INIT, zDagId ? zDagId : "", zDagId ? strlen(zDagId) : 0);
  h = prng_fnv1a(h, "\x1f", 1);
  h = prng_fnv1a(h, zRunId ? zRunId : "", zRunId ? strlen(zRunId) : 0);
  snprintf(pOut->zSeed, sizeof(pOut->zSeed), "airc-%016llx", (unsigned long long)h);

  const char *zKey;
  json_t *pVal;
  json_object_foreach(pOptions, zKey, pVal) {
    char zErr[512];
    if(!json_is_string(pVal)) {
      return airc_err_set(pErr, AIRC_ERR_INVALID, "option %s: must be a string", zKey);
    }
    if(opts_apply(zKey, json_string_value(pVal), pOut, zErr, sizeof(zErr))) {
      return airc_err_set(pErr, AIRC_ERR_INVALID, "option %s", zErr);
    }
  }
  if(!json_object_get(pOptions, "count")) pOut->nCount = pOut->nResults;
  return AIRC_OK;
}
