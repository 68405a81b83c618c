/* fetch_users_opts.h: the options of the fetch-users task type, checked and
 * resolved into a struct.
 *
 *   url              API endpoint; default [randomuser] url, else https://randomuser.me/api/
 *   results          users per request, 1..5000 (default 100)
 *   count            distinct users to write in total, 1..10000000 (default = results)
 *   seed             API seed; default "airc-" + hash(dag id, run id), so every
 *                    try of a run fetches the same users
 *   page             first page (default 1); request i asks for page + i
 *   nat              nationalities, comma list (default: any)
 *   timeout          per request, duration ("30s", "2m"; default 30s)
 *   connect_timeout  duration (default 10s)
 *   request_retries  HTTP retries per request (default 5; `retries` is the task's own)
 *   retry_backoff    first retry delay, doubling, capped at 60s (default 1s;
 *                    also accepts "250ms"); Retry-After on 429/503 wins
 *
 * Parsing is separate from fetching so that DAG validation (xValidate) and
 * the task share one set of rules and messages. */
#ifndef AIRC_FETCH_USERS_OPTS_H
#define AIRC_FETCH_USERS_OPTS_H
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "common/err.h"

#define FETCH_USERS_MAX_RESULTS 5000
/* a run remembers each user it wrote (fetch_users.h): 10M users, < 430 MB */
#define FETCH_USERS_MAX_COUNT 10000000LL
#define FETCH_USERS_MAX_BODY ((size_t)64 << 20) /* 64 MiB per response */
#define FETCH_USERS_MAX_BACKOFF_MS 60000
#define FETCH_USERS_DEFAULT_URL "https://randomuser.me/api/"

typedef struct fetch_users_opts {
  char zUrl[2048];
  int nResults;
  int64_t nCount;
  char zSeed[256];
  int64_t page;
  char zNat[256];
  int64_t timeoutMs, connectTimeoutMs;
  int nRetries;
  int64_t backoffMs;      /* first retry delay */
  int64_t maxBackoffMs;   /* cap on any delay, Retry-After included */
  size_t nMaxBody;        /* response cap (not a DAG option; tests lower it) */
} fetch_users_opts;

/* The option keys, NULL-terminated (task_type.azKeys). */
extern const char *const fetch_users_azKeys[];

/* Checks one raw option value. 0 if acceptable, else -1 with a one-line
 * reason in zErr ("results: must be a whole number 1..5000, got 'abc'").
 * Values still holding a template ("{{") are accepted; they are checked
 * again after templating, by fetch_users_opts_resolve. */
int fetch_users_opt_check(const char *zKey, const char *zValue, char *zErr, size_t nErr);

/* Fills *pOut from pOptions (object of string values; may be NULL) and the
 * defaults. zDagId/zRunId feed the default seed. AIRC_ERR_INVALID with the
 * first offending option in pErr. */
AIRC_WUR airc_rc fetch_users_opts_resolve(json_t *pOptions, const char *zDagId,
                                          const char *zRunId, fetch_users_opts *pOut /* OUT */,
                                          airc_err *pErr);

#endif
