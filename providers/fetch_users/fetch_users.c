/* fetch_users.c: see fetch_users.h. */
#include "providers/fetch_users/fetch_users.h"
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include <jansson.h>
#include "common/keyset.h"
#include "providers/fetch_users/http_get.h"
#include "providers/fetch_users/user_record.h"

#define FETCH_MAX_LOGGED_REJECTS 20
/* pages in a row that may bring nothing new (only users already written,
 * or those and rejects) before the API is deemed to be going round in circles */
#define FETCH_MAX_STALE_PAGES 3

static void fetch_sleep_ms(int64_t ms) {
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  while(nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* base?results=N&page=P&seed=S[&nat=X] into pUrl (the base may already
 * have a query string). */
static airc_rc fetch_build_url(CURL *pCurl, const fetch_users_opts *o, int64_t page, dynbuf *pUrl) {
  char *zSeed = curl_easy_escape(pCurl, o->zSeed, 0);
  char *zNat = o->zNat[0] ? curl_easy_escape(pCurl, o->zNat, 0) : NULL;
  dynbuf_reset(pUrl);
  airc_rc rc = (!zSeed || (o->zNat[0] && !zNat)) ? AIRC_ERR_NOMEM : AIRC_OK;
  if(!rc) {
    rc = dynbuf_printf(pUrl, "%s%sresults=%d&page=%" PRId64 "&seed=%s", o->zUrl,
                       strchr(o->zUrl, '?') ? "&" : "?", o->nResults, page, zSeed);
  }
  if(!rc && zNat) rc = dynbuf_printf(pUrl, "&nat=%s", zNat);
  curl_free(zSeed);
  curl_free(zNat);
  return rc;
}

/* One page with retries. On AIRC_OK pResp holds a 200 response. */
static airc_rc fetch_page(CURL *pCurl, const fetch_users_opts *o, const char *zUrl,
                          int64_t page, http_response *pResp, FILE *pLog,
                          fetch_users_stats *pStats, airc_err *pErr) {
  http_get_opts ho = {o->timeoutMs, o->connectTimeoutMs, o->nMaxBody, "airc-fetch-users/1"};
  for(int attempt = 0;; attempt++) {
    airc_err e = {0};
    pStats->nRequests++;
    airc_rc rc = http_get(pCurl, zUrl, &ho, pResp, &e);
    if(!rc && pResp->status == 200) return AIRC_OK;
    int bRetry = rc == AIRC_ERR_NET || rc == AIRC_ERR_TIMEOUT ||
                 (!rc && (pResp->status == 429 || pResp->status >= 500));
    if(!rc) {
      /* an HTTP error: show the start of the body, APIs explain themselves there */
      airc_err_set(&e, AIRC_ERR_NET, "GET %s: HTTP %ld%s%.200s", zUrl, pResp->status,
                   pResp->body.n ? ": " : "", dynbuf_str(&pResp->body));
    }
    if(!bRetry) return airc_err_set(pErr, e.rc, "%s", e.zMsg);
    if(attempt >= o->nRetries) {
      return airc_err_set(pErr, e.rc, "%s (gave up after %d attempts)", e.zMsg, attempt + 1);
    }
    int64_t delay = o->backoffMs;
    for(int i = 0; i < attempt && delay < o->maxBackoffMs; i++) delay *= 2;
    if(!rc && (pResp->status == 429 || pResp->status == 503) && pResp->retryAfter >= 0) {
      delay = pResp->retryAfter * 1000;
    }
    if(delay > o->maxBackoffMs) delay = o->maxBackoffMs;
    if(pLog) {
      fprintf(pLog, "page %" PRId64 ": %s; retry %d/%d in %.2fs\n", page, e.zMsg, attempt + 1,
              o->nRetries, (double)delay / 1000.0);
      fflush(pLog);
    }
    pStats->nRetries++;
    fetch_sleep_ms(delay);
  }
}

/* Parses a 200 body into its "results" array (new reference in *ppDoc). */
static airc_rc fetch_parse(const char *zUrl, const dynbuf *pBody, json_t **ppDoc,
                           json_t **ppResults, airc_err *pErr) {
  json_error_t je;
  *ppDoc = json_loadb(dynbuf_str(pBody), pBody->n, 0, &je);
  if(!*ppDoc) {
    return airc_err_set(pErr, AIRC_ERR_PARSE,
                        "GET %s: response is not JSON (line %d column %d: %s)", zUrl, je.line,
                        je.column, je.text);
  }
  if(!json_is_object(*ppDoc)) {
    return airc_err_set(pErr, AIRC_ERR_PARSE, "GET %s: response is not a JSON object", zUrl);
  }
  json_t *pApiErr = json_object_get(*ppDoc, "error");
  if(json_is_string(pApiErr)) {
    return airc_err_set(pErr, AIRC_ERR_NET, "GET %s: API error: %.200s", zUrl,
                        json_string_value(pApiErr));
  }
  *ppResults = json_object_get(*ppDoc, "results");
  if(!json_is_array(*ppResults)) {
    return airc_err_set(pErr, AIRC_ERR_PARSE, "GET %s: response has no 'results' array", zUrl);
  }
  if(json_array_size(*ppResults) == 0) {
    return airc_err_set(pErr, AIRC_ERR_PARSE, "GET %s: response has an empty 'results' array",
                        zUrl);
  }
  return AIRC_OK;
}

/* Transforms and writes the users of one page that pSeen does not hold yet
 * (adding them to it); returns how many were written through *pnAccepted
 * and how many were already written through *pnDup. */
static airc_rc fetch_write_page(const fetch_users_opts *o, json_t *pResults, keyset *pSeen,
                                FILE *pOut, FILE *pLog, int64_t *pnSeen, int64_t *pnAccepted,
                                int64_t *pnDup, fetch_users_stats *pStats, airc_err *pErr) {
  size_t i;
  json_t *pUser;
  *pnAccepted = 0;
  *pnDup = 0;
  json_array_foreach(pResults, i, pUser) {
    if(pStats->nRecords >= o->nCount) break;
    (*pnSeen)++;
    json_t *pRec;
    char zWhy[256];
    airc_rc rc = user_record_from_api(pUser, &pRec, zWhy, sizeof(zWhy));
    if(!rc) {
      /* the key is taken only for a valid user, so that a rejected repeat
       * is counted as rejected each time it comes */
      uint8_t aKey[USER_RECORD_KEY_LEN];
      int bNew = 0;
      rc = user_record_key(pUser, aKey);
      if(!rc) rc = keyset_add(pSeen, aKey, &bNew);
      if(rc) {
        json_decref(pRec);
        return airc_err_set(pErr, rc, "user %" PRId64 ": cannot remember its id: %s", *pnSeen,
                            airc_strerror(rc));
      }
      if(!bNew) {
        json_decref(pRec);
        pStats->nDuplicates++;
        (*pnDup)++;
        continue;
      }
    }
    if(rc == AIRC_ERR_INVALID) {
      pStats->nRejected++;
      if(pLog && pStats->nRejected <= FETCH_MAX_LOGGED_REJECTS) {
        fprintf(pLog, "user %" PRId64 ": %s\n", *pnSeen, zWhy);
      }
      if(pLog && pStats->nRejected == FETCH_MAX_LOGGED_REJECTS + 1) {
        fprintf(pLog, "further rejected users are counted, not logged\n");
      }
      continue;
    }
    if(rc) return airc_err_set(pErr, rc, "user %" PRId64 ": %s", *pnSeen, zWhy);
    /* compact and not ASCII-escaped: UTF-8 goes through as is */
    int bad = json_dumpf(pRec, pOut, JSON_COMPACT) != 0 || fputc('\n', pOut) == EOF;
    json_decref(pRec);
    if(bad) return airc_err_set(pErr, AIRC_ERR_IO, "writing records: %s", strerror(errno));
    pStats->nRecords++;
    (*pnAccepted)++;
  }
  return AIRC_OK;
}

airc_rc fetch_users_run(const fetch_users_opts *o, FILE *pOut, FILE *pLog,
                        fetch_users_stats *pStats, airc_err *pErr) {
  memset(pStats, 0, sizeof(*pStats));
  CURL *pCurl = curl_easy_init();
  if(!pCurl) return airc_err_set(pErr, AIRC_ERR_NOMEM, "cannot create a curl handle");
  http_response resp;
  resp.status = 0;
  resp.retryAfter = -1;
  dynbuf_init(&resp.body, o->nMaxBody);
  dynbuf url;
  dynbuf_init(&url, 8192);
  keyset seen;
  keyset_init(&seen, (size_t)o->nCount);
  airc_rc rc = AIRC_OK;
  int64_t nSeen = 0;
  int nStale = 0;
  for(int64_t page = o->page; !rc && pStats->nRecords < o->nCount; page++) {
    json_t *pDoc = NULL, *pResults = NULL;
    int64_t nAccepted = 0, nDup = 0;
    if(fetch_build_url(pCurl, o, page, &url)) {
      rc = airc_err_set(pErr, AIRC_ERR_INVALID, "url is too long: %.200s", o->zUrl);
      break;
    }
    rc = fetch_page(pCurl, o, dynbuf_str(&url), page, &resp, pLog, pStats, pErr);
    if(!rc) rc = fetch_parse(dynbuf_str(&url), &resp.body, &pDoc, &pResults, pErr);
    if(!rc) {
      pStats->lastPage = page;
      rc = fetch_write_page(o, pResults, &seen, pOut, pLog, &nSeen, &nAccepted, &nDup, pStats,
                            pErr);
    }
    nStale = nAccepted ? 0 : nStale + 1;
    if(!rc && nAccepted == 0 && nDup == 0 && pStats->nRecords < o->nCount) {
      rc = airc_err_set(pErr, AIRC_ERR_INVALID, "GET %s: all %zu users of page %" PRId64
                        " were rejected", dynbuf_str(&url), json_array_size(pResults), page);
    } else if(!rc && nStale >= FETCH_MAX_STALE_PAGES && pStats->nRecords < o->nCount) {
      rc = airc_err_set(pErr, AIRC_ERR_INVALID, "GET %s: %d pages in a row brought no new user"
                        " (page %" PRId64 ": %" PRId64 " already fetched, %" PRId64
                        " rejected)", dynbuf_str(&url), nStale, page, nDup,
                        (int64_t)json_array_size(pResults) - nDup);
    }
    json_decref(pDoc);
    if(!rc && pLog) {
      fprintf(pLog, "fetched %" PRId64 "/%" PRId64 " users (page %" PRId64 ")", pStats->nRecords,
              o->nCount, page);
      if(pStats->nRejected) fprintf(pLog, ", %" PRId64 " rejected", pStats->nRejected);
      if(pStats->nDuplicates) {
        fprintf(pLog, ", %" PRId64 " already fetched", pStats->nDuplicates);
      }
      fputc('\n', pLog);
      fflush(pLog);
    }
  }
  keyset_free(&seen);
  dynbuf_free(&url);
  dynbuf_free(&resp.body);
  curl_easy_cleanup(pCurl);
  return rc;
}
