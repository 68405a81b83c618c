/* http_get.h: one HTTP GET with libcurl into a capped buffer.
 *
 * The caller owns the CURL handle (reusing it keeps the connection alive
 * across pages) and has called curl_global_init(). No retries here: the
 * result says whether a retry could help (see http_get's contract); the
 * retry policy belongs to the caller. */
#ifndef AIRC_HTTP_GET_H
#define AIRC_HTTP_GET_H
#include <stddef.h>
#include <stdint.h>
#include <curl/curl.h>
#include "common/dynbuf.h"
#include "common/err.h"

typedef struct http_get_opts {
  int64_t timeoutMs;         /* whole request; 0 = none */
  int64_t connectTimeoutMs;  /* 0 = curl's default */
  size_t nMaxBody;           /* cap on the response body */
  const char *zUserAgent;    /* NULL = "airc" */
} http_get_opts;

typedef struct http_response {
  long status;         /* HTTP status, 0 if none was received */
  int64_t retryAfter;  /* seconds from a Retry-After header, -1 if none */
  dynbuf body;         /* caller inits (with any cap; opts.nMaxBody wins) and frees */
} http_response;

/* GETs zUrl (http or https only, redirects followed). Returns
 *   AIRC_OK          a response arrived: look at pResp->status
 *   AIRC_ERR_NET     connection refused/reset, DNS, TLS, empty reply (retry may help)
 *   AIRC_ERR_TIMEOUT connect or transfer timeout (retry may help)
 *   AIRC_ERR_TOOBIG  the body exceeded nMaxBody (no retry)
 *   AIRC_ERR_INVALID malformed URL, unsupported scheme (no retry)
 * with a one-line message naming the URL in pErr. */
AIRC_WUR airc_rc http_get(CURL *pCurl, const char *zUrl, const http_get_opts *pOpts,
                          http_response *pResp, airc_err *pErr);

#endif
