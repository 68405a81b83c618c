/* http_get.c: see http_get.h. */
#include "providers/fetch_users/http_get.h"
#include <string.h>

typedef struct http_sink {
  dynbuf *pBody;
  int bTooBig;
} http_sink;

static size_t http_write(char *p, size_t sz, size_t n, void *pArg) {
  http_sink *pSink = pArg;
  if(dynbuf_append(pSink->pBody, p, sz * n)) {
    pSink->bTooBig = 1;
    return 0; /* makes curl stop with CURLE_WRITE_ERROR */
  }
  return sz * n;
}

airc_rc http_get(CURL *pCurl, const char *zUrl, const http_get_opts *pOpts, http_response *pResp,
                 airc_err *pErr) {
  char zCurlErr[CURL_ERROR_SIZE] = "";
  http_sink sink = {&pResp->body, 0};
  pResp->status = 0;
  pResp->retryAfter = -1;
  dynbuf_reset(&pResp->body);
  pResp->body.nMax = pOpts->nMaxBody;

  curl_easy_reset(pCurl);
  curl_easy_setopt(pCurl, CURLOPT_URL, zUrl);
  curl_easy_setopt(pCurl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(pCurl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(pCurl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(pCurl, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(pCurl, CURLOPT_NOSIGNAL, 1L); /* we may be in a forked task process */
  curl_easy_setopt(pCurl, CURLOPT_ACCEPT_ENCODING, ""); /* gzip if the server offers it */
  curl_easy_setopt(pCurl, CURLOPT_USERAGENT, pOpts->zUserAgent ? pOpts->zUserAgent : "airc");
  curl_easy_setopt(pCurl, CURLOPT_ERRORBUFFER, zCurlErr);
  curl_easy_setopt(pCurl, CURLOPT_WRITEFUNCTION, http_write);
  curl_easy_setopt(pCurl, CURLOPT_WRITEDATA, &sink);
  if(pOpts->timeoutMs > 0) curl_easy_setopt(pCurl, CURLOPT_TIMEOUT_MS, (long)pOpts->timeoutMs);
  if(pOpts->connectTimeoutMs > 0)
    curl_easy_setopt(pCurl, CURLOPT_CONNECTTIMEOUT_MS, (long)pOpts->connectTimeoutMs);

  CURLcode cc = curl_easy_perform(pCurl);
  curl_easy_setopt(pCurl, CURLOPT_ERRORBUFFER, NULL); /* zCurlErr is about to go away */
  if(sink.bTooBig) {
    return airc_err_set(pErr, AIRC_ERR_TOOBIG, "GET %s: response body exceeds the %zu byte cap",
                        zUrl, pOpts->nMaxBody);
  }
  const char *zWhy = zCurlErr[0] ? zCurlErr : curl_easy_strerror(cc);
  switch(cc) {
  case CURLE_OK: break;
  case CURLE_OPERATION_TIMEDOUT:
    return airc_err_set(pErr, AIRC_ERR_TIMEOUT, "GET %s: %s", zUrl, zWhy);
  case CURLE_URL_MALFORMAT:
  case CURLE_UNSUPPORTED_PROTOCOL:
  case CURLE_BAD_FUNCTION_ARGUMENT:
    return airc_err_set(pErr, AIRC_ERR_INVALID, "GET %s: %s", zUrl, zWhy);
  default:
    return airc_err_set(pErr, AIRC_ERR_NET, "GET %s: %s", zUrl, zWhy);
  }
  curl_easy_getinfo(pCurl, CURLINFO_RESPONSE_CODE, &pResp->status);
  curl_off_t retry = -1;
  /* curl reports 0 both for "Retry-After: 0" and for no header */
  if(curl_easy_getinfo(pCurl, CURLINFO_RETRY_AFTER, &retry) == CURLE_OK && retry > 0)
    pResp->retryAfter = (int64_t)retry;
  return AIRC_OK;
}
