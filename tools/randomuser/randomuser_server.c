/* randomuser_server.c: see randomuser_server.h.
 *
 * Every error reply goes through server_reply_error(), which JSON-encodes
 * the message, so no request can make the server emit malformed JSON. The
 * only state shared between requests is the request counter used for
 * throttling (atomic). */
#include "tools/randomuser/randomuser_server.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <jansson.h>
#include <microhttpd.h>
#include "tools/randomuser/randomuser_gen.h"
#include "tools/randomuser/randomuser_query.h"

struct randomuser_server {
  struct MHD_Daemon *pDaemon;
  int port;
  int throttleEvery;
  atomic_long nRequest;
};

static enum MHD_Result server_reply(struct MHD_Connection *pConn, unsigned status, char *zBody,
                                    const char *zRetryAfter) {
  /* zBody was malloc'd (json_dumps); MHD frees it with free() */
  struct MHD_Response *pResp =
      MHD_create_response_from_buffer(strlen(zBody), zBody, MHD_RESPMEM_MUST_FREE);
  if(!pResp) {
    free(zBody);
    return MHD_NO;
  }
  MHD_add_response_header(pResp, "Content-Type", "application/json; charset=utf-8");
  MHD_add_response_header(pResp, "Access-Control-Allow-Origin", "*");
  if(zRetryAfter) MHD_add_response_header(pResp, "Retry-After", zRetryAfter);
  enum MHD_Result r = MHD_queue_response(pConn, status, pResp);
  MHD_destroy_response(pResp);
  return r;
}

/* The one way errors leave the server: {"error": zMsg}. */
static enum MHD_Result server_reply_error(struct MHD_Connection *pConn, unsigned status,
                                          const char *zMsg, const char *zRetryAfter) {
  json_t *pDoc = json_pack("{s:s}", "error", zMsg);
  char *zBody = pDoc ? json_dumps(pDoc, JSON_COMPACT) : NULL;
  json_decref(pDoc);
  if(!zBody) zBody = strdup("{\"error\":\"out of memory\"}");
  if(!zBody) return MHD_NO;
  return server_reply(pConn, status, zBody, zRetryAfter);
}

static const char *server_get_arg(void *pArg, const char *zKey) {
  return MHD_lookup_connection_value((struct MHD_Connection *)pArg, MHD_GET_ARGUMENT_KIND, zKey);
}

static int server_is_api_path(const char *zUrl) {
  static const char *azPath[] = {"/api", "/api/", "/api/1.4", "/api/1.4/", NULL};
  for(int i = 0; azPath[i]; i++) {
    if(!strcmp(zUrl, azPath[i])) return 1;
  }
  return 0;
}

static enum MHD_Result server_handle(void *pCls, struct MHD_Connection *pConn, const char *zUrl,
                                     const char *zMethod, const char *zVersion,
                                     const char *zUpload, size_t *pnUpload, void **ppConnCls) {
  randomuser_server *p = pCls;
  (void)zVersion;
  (void)zUpload;
  (void)ppConnCls;
  if(*pnUpload) {
    *pnUpload = 0; /* ignore any request body */
    return MHD_YES;
  }
  if(strcmp(zMethod, "GET") != 0 && strcmp(zMethod, "HEAD") != 0) {
    return server_reply_error(pConn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET is supported", NULL);
  }
  if(!server_is_api_path(zUrl)) {
    return server_reply_error(pConn, MHD_HTTP_NOT_FOUND, "not found: use /api/", NULL);
  }
  long n = atomic_fetch_add(&p->nRequest, 1) + 1;
  if(p->throttleEvery > 0 && n % p->throttleEvery == 0) {
    return server_reply_error(pConn, MHD_HTTP_TOO_MANY_REQUESTS,
                              "too many requests, retry after 1 second", "1");
  }
  randomuser_query q;
  char zErr[256];
  airc_rc rc = randomuser_query_parse(server_get_arg, pConn, &q, zErr, sizeof(zErr));
  if(rc == AIRC_ERR_INVALID) return server_reply_error(pConn, MHD_HTTP_BAD_REQUEST, zErr, NULL);
  if(rc) return server_reply_error(pConn, MHD_HTTP_INTERNAL_SERVER_ERROR, zErr, NULL);
  json_t *pDoc;
  if(randomuser_gen_response(&q, &pDoc)) {
    return server_reply_error(pConn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory", NULL);
  }
  char *zBody = json_dumps(pDoc, JSON_COMPACT);
  json_decref(pDoc);
  if(!zBody) {
    return server_reply_error(pConn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory", NULL);
  }
  return server_reply(pConn, MHD_HTTP_OK, zBody, NULL);
}

airc_rc randomuser_server_start(const randomuser_server_opts *pOpts, randomuser_server **ppOut,
                                airc_err *pErr) {
  *ppOut = NULL;
  const char *zHost = pOpts->zHost ? pOpts->zHost : "127.0.0.1";
  if(pOpts->port < 0 || pOpts->port > 65535) {
    return airc_err_set(pErr, AIRC_ERR_INVALID, "port %d is out of range 0..65535", pOpts->port);
  }
  struct sockaddr_storage addr;
  memset(&addr, 0, sizeof(addr));
  unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
  struct sockaddr_in *p4 = (struct sockaddr_in *)&addr;
  struct sockaddr_in6 *p6 = (struct sockaddr_in6 *)&addr;
  if(inet_pton(AF_INET, zHost, &p4->sin_addr) == 1) {
    p4->sin_family = AF_INET;
    p4->sin_port = htons((uint16_t)pOpts->port);
  } else if(inet_pton(AF_INET6, zHost, &p6->sin6_addr) == 1) {
    p6->sin6_family = AF_INET6;
    p6->sin6_port = htons((uint16_t)pOpts->port);
    flags |= MHD_USE_IPv6;
  } else {
    return airc_err_set(pErr, AIRC_ERR_INVALID,
                        "host '%s' is not a numeric IPv4 or IPv6 address", zHost);
  }
  randomuser_server *p = calloc(1, sizeof(*p));
  if(!p) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  p->throttleEvery = pOpts->throttleEvery;
  atomic_init(&p->nRequest, 0);
  p->pDaemon = MHD_start_daemon(flags, (uint16_t)pOpts->port, NULL, NULL, server_handle, p,
                                MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                                MHD_OPTION_THREAD_POOL_SIZE, 4u,
                                MHD_OPTION_CONNECTION_TIMEOUT, 30u,
                                MHD_OPTION_END);
  if(!p->pDaemon) {
    free(p);
    return airc_err_set(pErr, AIRC_ERR_NET, "cannot listen on %s port %d (in use?)", zHost,
                        pOpts->port);
  }
  const union MHD_DaemonInfo *pInfo = MHD_get_daemon_info(p->pDaemon, MHD_DAEMON_INFO_BIND_PORT);
  p->port = pInfo ? pInfo->port : pOpts->port;
  *ppOut = p;
  return AIRC_OK;
}

int randomuser_server_port(const randomuser_server *p) { return p->port; }

long randomuser_server_requests(const randomuser_server *p) {
  return atomic_load(&((randomuser_server *)p)->nRequest);
}

void randomuser_server_stop(randomuser_server *p) {
  if(!p) return;
  MHD_stop_daemon(p->pDaemon);
  free(p);
}
