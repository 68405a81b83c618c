/* http_reply.c: see http_reply.h. The only file that creates MHD
 * responses; the one error path is http_reply_error(). */
#include "webui/http_reply.h"
#include "webui/response_cache.h"
#include "common/log.h"
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *http_status_title(unsigned status) {
  switch(status) {
  case 200: return "OK";
  case 201: return "Created";
  case 204: return "No Content";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 409: return "Conflict";
  case 413: return "Payload Too Large";
  case 415: return "Unsupported Media Type";
  case 421: return "Misdirected Request";
  case 429: return "Too Many Requests";
  case 500: return "Internal Server Error";
  case 503: return "Service Unavailable";
  default: return status < 400 ? "OK" : status < 500 ? "Client Error" : "Server Error";
  }
}

unsigned http_status_for_rc(airc_rc rc) {
  switch(rc) {
  case AIRC_OK: return 200;
  case AIRC_ERR_NOTFOUND: return 404;
  case AIRC_ERR_EXISTS:
  case AIRC_ERR_STATE: return 409;
  case AIRC_ERR_PARSE:
  case AIRC_ERR_INVALID:
  case AIRC_ERR_USAGE: return 400;
  case AIRC_ERR_TOOBIG: return 413;
  case AIRC_ERR_BUSY: return 503;
  default: return 500;
  }
}

char *http_error_json(unsigned status, const char *zDetail) {
  json_t *p = json_object();
  json_object_set_new(p, "status", json_integer(status));
  json_object_set_new(p, "title", json_string(http_status_title(status)));
  /* json_string refuses invalid UTF-8: fall back to a byte-safe copy */
  json_t *pDetail = json_string(zDetail);
  if(!pDetail) {
    char z[2048];
    size_t j = 0;
    for(size_t i = 0; zDetail[i] && j + 1 < sizeof(z); i++)
      z[j++] = ((unsigned char)zDetail[i] < 0x80) ? zDetail[i] : '?';
    z[j] = 0;
    pDetail = json_string(z);
  }
  json_object_set_new(p, "detail", pDetail ? pDetail : json_string(""));
  char *zOut = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(p);
  return zOut;
}

static char g_zHsts[80]; /* set once before the server starts, read-only after */

void http_reply_set_hsts(long long maxAgeSec) {
  if(maxAgeSec > 0) snprintf(g_zHsts, sizeof(g_zHsts), "max-age=%lld; includeSubDomains", maxAgeSec);
  else g_zHsts[0] = 0;
}

static void add_headers(struct MHD_Response *pResp, const char *zType, const http_header *aExtra) {
  if(g_zHsts[0]) MHD_add_response_header(pResp, "Strict-Transport-Security", g_zHsts);
  MHD_add_response_header(pResp, "Content-Type", zType);
  MHD_add_response_header(pResp, "Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
  MHD_add_response_header(pResp, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(pResp, "X-Frame-Options", "DENY");
  MHD_add_response_header(pResp, "Referrer-Policy", "no-referrer");
  int bCache = 0;
  for(int i = 0; aExtra && aExtra[i].zName; i++) {
    if(!aExtra[i].zValue) continue;
    MHD_add_response_header(pResp, aExtra[i].zName, aExtra[i].zValue);
    if(!strcasecmp(aExtra[i].zName, "Cache-Control")) bCache = 1;
  }
  if(!bCache) MHD_add_response_header(pResp, "Cache-Control", "no-store");
}

static int queue(web_req *r, unsigned status, struct MHD_Response *pResp) {
  if(!pResp) {
    r->mhdResult = MHD_NO;
    return r->mhdResult;
  }
  r->mhdResult = MHD_queue_response(r->pConn, status, pResp);
  r->bReplied = 1;
  MHD_destroy_response(pResp);
  return r->mhdResult;
}

int http_reply_body(web_req *r, unsigned status, const char *zType, char *zBody, size_t nBody,
                    const http_header *aExtra) {
  struct MHD_Response *pResp =
      MHD_create_response_from_buffer(nBody, zBody ? zBody : (char *)"", zBody ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
  if(!pResp) {
    free(zBody);
    return queue(r, status, NULL);
  }
  add_headers(pResp, zType, aExtra);
  return queue(r, status, pResp);
}

int http_reply_response(web_req *r, unsigned status, const char *zType, struct MHD_Response *pResp,
                        const http_header *aExtra) {
  if(!pResp) return http_reply_error(r, 500, NULL, "out of memory building the response");
  add_headers(pResp, zType, aExtra);
  return queue(r, status, pResp);
}

int http_reply_fd(web_req *r, unsigned status, const char *zType, int fd, size_t nBody,
                  const http_header *aExtra) {
  struct MHD_Response *pResp = MHD_create_response_from_fd64(nBody, fd);
  if(!pResp) {
    close(fd);
    return queue(r, status, NULL);
  }
  add_headers(pResp, zType, aExtra);
  return queue(r, status, pResp);
}

int http_reply_error(web_req *r, unsigned status, const http_header *aExtra, const char *zFmt, ...) {
  char zDetail[1024];
  va_list ap;
  va_start(ap, zFmt);
  vsnprintf(zDetail, sizeof(zDetail), zFmt, ap);
  va_end(ap);
  if(status >= 500) LOG_ERROR("web: %s %s: %d %s", r->zMethod, r->zPath, status, zDetail);
  char *zBody = http_error_json(status, zDetail);
  if(!zBody) return queue(r, status, NULL);
  return http_reply_body(r, status, "application/problem+json", zBody, strlen(zBody), aExtra);
}

int http_reply_err(web_req *r, const airc_err *pErr) {
  unsigned status = http_status_for_rc(pErr->rc);
  /* a busy store (the connection already retried: store_set_busy_tries)
   * may be free in a moment: say when to come back */
  static const http_header aRetry[] = {{"Retry-After", HTTP_BUSY_RETRY_AFTER}, {NULL, NULL}};
  return http_reply_error(r, status, airc_rc_is_transient(pErr->rc) ? aRetry : NULL, "%s", airc_err_msg(pErr));
}

int http_reply_json_h(web_req *r, unsigned status, json_t *pDoc, const http_header *aExtra) {
  char *z = pDoc ? json_dumps(pDoc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(pDoc);
  if(!z) return http_reply_error(r, 500, NULL, "out of memory building the response");
  if(status == 200 && !aExtra && r->zCacheKey) resp_cache_store(r, z, strlen(z));
  return http_reply_body(r, status, "application/json", z, strlen(z), aExtra);
}

int http_reply_json_text(web_req *r, unsigned status, char *zText, size_t nText) {
  if(!zText) return http_reply_error(r, 500, NULL, "out of memory building the response");
  if(status == 200 && r->zCacheKey) resp_cache_store(r, zText, nText);
  return http_reply_body(r, status, "application/json", zText, nText, NULL);
}

int http_reply_json(web_req *r, unsigned status, json_t *pDoc) {
  return http_reply_json_h(r, status, pDoc, NULL);
}
