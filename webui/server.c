/* server.c: see server.h. Holds the route table: one line per endpoint,
 * with the least role that may call it. */
#include "webui/server.h"
#include "webui/response_cache.h"
#include "common/config.h"
#include "common/dynbuf.h"
#include "common/log.h"
#include "webui/api.h"
#include "webui/auth.h"
#include "webui/route.h"
#include "webui/static_files.h"
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef struct web_route {
  const char *zMethod;
  const char *zPattern;
  web_role need;          /* WEB_ROLE_NONE: public */
  web_handler xHandler;
} web_route;

#define V1 "/api/v1"
#define RUN V1 "/dags/{dag_id}/dagRuns/{dag_run_id}"
static const web_route aRoute[] = {
    {"GET", V1 "/health", WEB_ROLE_NONE, api_health},
    {"GET", V1 "/openapi.json", WEB_ROLE_NONE, api_openapi},
    {"POST", V1 "/auth/login", WEB_ROLE_NONE, auth_handle_login},
    {"POST", V1 "/auth/logout", WEB_ROLE_VIEWER, auth_handle_logout},
    {"GET", V1 "/auth/me", WEB_ROLE_VIEWER, auth_handle_me},
    {"GET", V1 "/dags", WEB_ROLE_VIEWER, api_dags_list},
    {"GET", V1 "/dags/{dag_id}", WEB_ROLE_VIEWER, api_dag_get},
    {"PATCH", V1 "/dags/{dag_id}", WEB_ROLE_OP, api_dag_patch},
    {"GET", V1 "/dags/{dag_id}/details", WEB_ROLE_VIEWER, api_dag_details},
    {"GET", V1 "/dags/{dag_id}/tasks", WEB_ROLE_VIEWER, api_dag_tasks},
    {"GET", V1 "/dags/{dag_id}/tasks/{task_id}", WEB_ROLE_VIEWER, api_dag_task},
    {"GET", V1 "/dags/{dag_id}/grid", WEB_ROLE_VIEWER, api_grid},
    {"GET", V1 "/dags/{dag_id}/dagRuns", WEB_ROLE_VIEWER, api_runs_list},
    {"POST", V1 "/dags/{dag_id}/dagRuns", WEB_ROLE_OP, api_run_trigger},
    {"POST", V1 "/dags/{dag_id}/clearTaskInstances", WEB_ROLE_OP, api_ti_clear},
    {"GET", RUN, WEB_ROLE_VIEWER, api_run_get},
    {"GET", RUN "/taskInstances", WEB_ROLE_VIEWER, api_tis_list},
    {"GET", RUN "/taskInstances/{task_id}", WEB_ROLE_VIEWER, api_ti_get},
    {"PATCH", RUN "/taskInstances/{task_id}", WEB_ROLE_OP, api_ti_patch},
    {"GET", RUN "/taskInstances/{task_id}/logs/{try_number}", WEB_ROLE_VIEWER, api_logs_get},
    {"GET", V1 "/importErrors", WEB_ROLE_VIEWER, api_import_errors},
    {"GET", V1 "/users", WEB_ROLE_ADMIN, api_users_list},
    {"POST", V1 "/users", WEB_ROLE_ADMIN, api_users_create},
    {"DELETE", V1 "/users/{username}", WEB_ROLE_ADMIN, api_users_delete},
    {"GET", "/metrics", WEB_ROLE_VIEWER, api_metrics},
};
#define N_ROUTE ((int)(sizeof(aRoute) / sizeof(aRoute[0])))

struct web_server {
  struct MHD_Daemon *pDaemon;
  int port;
};

/* ---- one store connection per worker thread ---- */

static pthread_key_t g_storeKey;
static pthread_once_t g_storeOnce = PTHREAD_ONCE_INIT;

static void store_key_destroy(void *p) {
  store_close(p);
  resp_cache_thread_free();
}
static void store_key_create(void) { pthread_key_create(&g_storeKey, store_key_destroy); }

static store *thread_store(airc_err *pErr) {
  store *s = pthread_getspecific(g_storeKey);
  if(s) return s;
  if(store_open_existing(airc_path_db(), &s, pErr)) return NULL;
  pthread_setspecific(g_storeKey, s);
  return s;
}

/* ---- per-connection state ---- */

typedef struct web_conn {
  dynbuf body;
  int bTooBig;
} web_conn;

static void on_completed(void *pCls, struct MHD_Connection *pConn, void **ppConnCls,
                         enum MHD_RequestTerminationCode code) {
  (void)pCls;
  (void)pConn;
  (void)code;
  web_conn *c = *ppConnCls;
  if(!c) return;
  dynbuf_free(&c->body);
  free(c);
  *ppConnCls = NULL;
}

static int method_is(const char *zRoute, const char *zMethod) {
  if(!strcmp(zRoute, zMethod)) return 1;
  return !strcmp(zMethod, "HEAD") && !strcmp(zRoute, "GET");
}

static int is_api_path(const char *zPath) {
  return !strncmp(zPath, "/api/", 5) || !strcmp(zPath, "/api") || !strcmp(zPath, "/metrics");
}

/* Finds the route and answers the request. */
static int dispatch(web_req *r) {
  char zBuf[2048];
  const char *azParam[WEB_MAX_PARAMS];
  int nParam = 0;
  const web_route *pRoute = NULL;
  char zAllow[64] = "";
  for(int i = 0; i < N_ROUTE && !pRoute; i++) {
    if(!route_match(aRoute[i].zPattern, r->zPath, zBuf, sizeof(zBuf), azParam, WEB_MAX_PARAMS, &nParam)) continue;
    if(method_is(aRoute[i].zMethod, r->zMethod)) {
      pRoute = &aRoute[i];
      break;
    }
    if(!strstr(zAllow, aRoute[i].zMethod)) {
      size_t n = strlen(zAllow);
      snprintf(zAllow + n, sizeof(zAllow) - n, "%s%s", n ? ", " : "", aRoute[i].zMethod);
    }
  }
  if(!pRoute && zAllow[0]) {
    if(strstr(zAllow, "GET") && !strstr(zAllow, "HEAD")) strncat(zAllow, ", HEAD", sizeof(zAllow) - strlen(zAllow) - 1);
    http_header aH[] = {{"Allow", zAllow}, {NULL, NULL}};
    return http_reply_error(r, 405, aH, "%s is not allowed on %s (allowed: %s)", r->zMethod, r->zPath, zAllow);
  }
  if(!pRoute) {
    if(is_api_path(r->zPath)) return http_reply_error(r, 404, NULL, "no such API route: %s", r->zPath);
    if(!method_is("GET", r->zMethod)) {
      http_header aH[] = {{"Allow", "GET, HEAD"}, {NULL, NULL}};
      return http_reply_error(r, 405, aH, "static files are read with GET");
    }
    return static_files_serve(r);
  }
  /* route_match() left the captures of the matching pattern in zBuf */
  r->nParam = nParam;
  for(int i = 0; i < nParam; i++) r->azParam[i] = azParam[i];
  if(!auth_check(r, pRoute->need)) return r->mhdResult;
  if(resp_cache_wanted(r) && resp_cache_try(r)) return r->mhdResult;
  return pRoute->xHandler(r);
}

static enum MHD_Result on_request(void *pCls, struct MHD_Connection *pConn, const char *zUrl, const char *zMethod,
                                  const char *zVersion, const char *zUpload, size_t *pnUpload, void **ppConnCls) {
  (void)pCls;
  (void)zVersion;
  web_conn *c = *ppConnCls;
  web_req r;
  memset(&r, 0, sizeof(r));
  r.pConn = pConn;
  r.zMethod = zMethod;
  r.zPath = zUrl;
  r.zBody = "";
  r.mhdResult = MHD_NO;
  if(!c) {
    c = calloc(1, sizeof(web_conn));
    if(!c) return MHD_NO;
    dynbuf_init(&c->body, WEB_BODY_MAX);
    *ppConnCls = c;
    const char *zLen = MHD_lookup_connection_value(pConn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if(zLen && strtoull(zLen, NULL, 10) > WEB_BODY_MAX) {
      /* refuse before reading the body; MHD closes the connection after */
      http_reply_error(&r, 413, NULL, "the request body is larger than %d bytes", WEB_BODY_MAX);
      return (enum MHD_Result)r.mhdResult;
    }
    /* a request that announces a body is answered on a later call, when
     * MHD has read it; one without is answered now */
    if(zLen || MHD_lookup_connection_value(pConn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
      return MHD_YES;
  } else if(*pnUpload) {
    if(!c->bTooBig && dynbuf_append(&c->body, zUpload, *pnUpload)) c->bTooBig = 1;
    *pnUpload = 0;
    return MHD_YES;
  }
  if(c->bTooBig) {
    http_reply_error(&r, 413, NULL, "the request body is larger than %d bytes", WEB_BODY_MAX);
    return (enum MHD_Result)r.mhdResult;
  }
  r.zBody = dynbuf_str(&c->body);
  r.nBody = c->body.n;
  airc_err err = {0};
  r.s = thread_store(&err);
  if(!r.s) {
    http_reply_error(&r, 503, NULL, "the store is not available: %s", airc_err_msg(&err));
    return (enum MHD_Result)r.mhdResult;
  }
  dispatch(&r);
  free(r.zCacheKey);
  if(!r.bReplied) http_reply_error(&r, 500, NULL, "the handler sent no response");
  return (enum MHD_Result)r.mhdResult;
}

/* Percent-decoding as MHD does it, except that a decoded NUL becomes
 * byte 0x01, which no route, id or static file name accepts: otherwise
 * "/x%00/../y" would silently end at the NUL. Applies to paths and query
 * arguments alike. */
static size_t unescape_no_nul(void *pCls, struct MHD_Connection *pConn, char *z) {
  (void)pCls;
  (void)pConn;
  size_t n = MHD_http_unescape(z);
  for(size_t i = 0; i < n; i++)
    if(z[i] == 0) z[i] = '\x01';
  return n;
}

airc_rc web_server_start(const web_server_opts *pOpts, web_server **ppOut, airc_err *pErr) {
  pthread_once(&g_storeOnce, store_key_create);
  struct addrinfo hints, *pAi = NULL;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  char zPort[16];
  snprintf(zPort, sizeof(zPort), "%d", pOpts->port);
  int gai = getaddrinfo(pOpts->zHost, zPort, &hints, &pAi);
  if(gai || !pAi) return airc_err_set(pErr, AIRC_ERR_NET, "cannot resolve host '%s': %s", pOpts->zHost, gai_strerror(gai));
  web_server *p = calloc(1, sizeof(web_server));
  if(!p) {
    freeaddrinfo(pAi);
    return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  }
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO;
  if(pAi->ai_family == AF_INET6) flags |= MHD_USE_IPv6;
  if(getenv("AIRC_MHD_DEBUG")) flags |= MHD_USE_ERROR_LOG;
  p->pDaemon = MHD_start_daemon(flags, (uint16_t)pOpts->port, NULL, NULL, on_request, p,
                                MHD_OPTION_SOCK_ADDR, pAi->ai_addr,
                                MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(pOpts->nThreads > 0 ? pOpts->nThreads : 2),
                                MHD_OPTION_NOTIFY_COMPLETED, on_completed, p,
                                MHD_OPTION_UNESCAPE_CALLBACK, unescape_no_nul, NULL,
                                MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
                                MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,
                                MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
                                MHD_OPTION_END);
  freeaddrinfo(pAi);
  if(!p->pDaemon) {
    free(p);
    return airc_err_set(pErr, AIRC_ERR_NET, "cannot listen on %s:%d (in use, or not an address of this host)",
                        pOpts->zHost, pOpts->port);
  }
  const union MHD_DaemonInfo *pInfo = MHD_get_daemon_info(p->pDaemon, MHD_DAEMON_INFO_BIND_PORT);
  p->port = pInfo ? pInfo->port : pOpts->port;
  *ppOut = p;
  return AIRC_OK;
}

int web_server_port(const web_server *p) { return p->port; }

void web_server_stop(web_server *p) {
  if(!p) return;
  MHD_stop_daemon(p->pDaemon);
  free(p);
}
