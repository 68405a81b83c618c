/* server.c: see server.h. Holds the route table: one line per endpoint,
 * with the least role that may call it. */
#include "webui/server.h"
#include "webui/response_cache.h"
#include "common/config.h"
#include "common/dynbuf.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "webui/api.h"
#include "webui/auth.h"
#include "webui/oidc.h"
#include "webui/route.h"
#include "webui/sse.h"
#include "webui/static_files.h"
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>
#include <sys/socket.h>
#include <time.h>

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
    {"GET", V1 "/auth/tokens", WEB_ROLE_VIEWER, api_my_tokens_list},
    {"POST", V1 "/auth/tokens", WEB_ROLE_VIEWER, api_my_tokens_create},
    {"DELETE", V1 "/auth/tokens/{name}", WEB_ROLE_VIEWER, api_my_tokens_revoke},
    {"GET", V1 "/auth/oidc", WEB_ROLE_NONE, oidc_handle_info},
    {"GET", V1 "/auth/oidc/login", WEB_ROLE_NONE, oidc_handle_login},
    {"GET", V1 "/auth/oidc/callback", WEB_ROLE_NONE, oidc_handle_callback},
    {"POST", "/auth/token", WEB_ROLE_NONE, auth_handle_token_create},
    {"DELETE", "/auth/token", WEB_ROLE_VIEWER, auth_handle_token_delete},
    {"GET", V1 "/dags", WEB_ROLE_VIEWER, api_dags_list},
    {"GET", V1 "/dags/{dag_id}", WEB_ROLE_VIEWER, api_dag_get},
    {"PATCH", V1 "/dags/{dag_id}", WEB_ROLE_OP, api_dag_patch},
    {"GET", V1 "/dags/{dag_id}/details", WEB_ROLE_VIEWER, api_dag_details},
    {"GET", V1 "/dags/{dag_id}/tasks", WEB_ROLE_VIEWER, api_dag_tasks},
    {"GET", V1 "/dags/{dag_id}/tasks/{task_id}", WEB_ROLE_VIEWER, api_dag_task},
    {"GET", V1 "/dags/{dag_id}/grid", WEB_ROLE_VIEWER, api_grid},
    {"GET", V1 "/dags/{dag_id}/calendar", WEB_ROLE_VIEWER, api_dag_calendar},
    {"GET", V1 "/dags/{dag_id}/source", WEB_ROLE_VIEWER, api_dag_source},
    {"GET", V1 "/dags/{dag_id}/dagRuns", WEB_ROLE_VIEWER, api_runs_list},
    {"POST", V1 "/dags/{dag_id}/dagRuns", WEB_ROLE_OP, api_run_trigger},
    {"POST", V1 "/dags/{dag_id}/clearTaskInstances", WEB_ROLE_OP, api_ti_clear},
    {"GET", RUN, WEB_ROLE_VIEWER, api_run_get},
    {"GET", RUN "/taskInstances", WEB_ROLE_VIEWER, api_tis_list},
    {"GET", RUN "/taskInstances/{task_id}", WEB_ROLE_VIEWER, api_ti_get},
    {"PATCH", RUN "/taskInstances/{task_id}", WEB_ROLE_OP, api_ti_patch},
    {"GET", RUN "/taskInstances/{task_id}/logs/{try_number}", WEB_ROLE_VIEWER, api_logs_get},
    {"GET", RUN "/taskInstances/{task_id}/xcomEntries", WEB_ROLE_VIEWER, api_xcom_list},
    {"GET", RUN "/taskInstances/{task_id}/xcomEntries/{xcom_key}", WEB_ROLE_VIEWER, api_xcom_get},
    {"GET", RUN "/taskInstances/{task_id}/listMapped", WEB_ROLE_VIEWER, api_ti_list_mapped},
    {"GET", RUN "/taskInstances/{task_id}/{map_index}", WEB_ROLE_VIEWER, api_ti_get_mapped},
    {"GET", V1 "/importErrors", WEB_ROLE_VIEWER, api_import_errors},
    {"GET", V1 "/eventLogs", WEB_ROLE_VIEWER, api_event_logs},
    {"GET", V1 "/events/stream", WEB_ROLE_VIEWER, api_events_stream},
    {"GET", V1 "/eventLogs/{event_log_id}", WEB_ROLE_VIEWER, api_event_log_get},
    {"GET", V1 "/version", WEB_ROLE_VIEWER, api_version},
    {"GET", V1 "/config", WEB_ROLE_VIEWER, api_config},
    {"GET", V1 "/plugins", WEB_ROLE_VIEWER, api_plugins},
    {"GET", V1 "/datasets", WEB_ROLE_VIEWER, api_datasets_list},
    {"GET", V1 "/datasets/events", WEB_ROLE_VIEWER, api_dataset_events},
    {"GET", V1 "/datasets/{uri*}", WEB_ROLE_VIEWER, api_dataset_get},
    {"GET", V1 "/pools", WEB_ROLE_VIEWER, api_pools},
    {"POST", V1 "/pools", WEB_ROLE_OP, api_pool_create},
    {"GET", V1 "/notifications", WEB_ROLE_VIEWER, api_notifications},
    {"GET", V1 "/pools/{pool_name}", WEB_ROLE_VIEWER, api_pool_get},
    {"PATCH", V1 "/pools/{pool_name}", WEB_ROLE_OP, api_pool_patch},
    {"DELETE", V1 "/pools/{pool_name}", WEB_ROLE_OP, api_pool_delete},
    {"GET", V1 "/variables", WEB_ROLE_VIEWER, api_variables},
    {"POST", V1 "/variables", WEB_ROLE_OP, api_variable_create},
    {"GET", V1 "/variables/{variable_key}", WEB_ROLE_VIEWER, api_variable_get},
    {"PATCH", V1 "/variables/{variable_key}", WEB_ROLE_OP, api_variable_patch},
    {"DELETE", V1 "/variables/{variable_key}", WEB_ROLE_OP, api_variable_delete},
    {"GET", V1 "/connections", WEB_ROLE_VIEWER, api_connections},
    {"POST", V1 "/connections", WEB_ROLE_OP, api_connection_create},
    {"GET", V1 "/connections/{connection_id}", WEB_ROLE_VIEWER, api_connection_get},
    {"PATCH", V1 "/connections/{connection_id}", WEB_ROLE_OP, api_connection_patch},
    {"DELETE", V1 "/connections/{connection_id}", WEB_ROLE_OP, api_connection_delete},
    {"GET", V1 "/users", WEB_ROLE_ADMIN, api_users_list},
    {"POST", V1 "/users", WEB_ROLE_ADMIN, api_users_create},
    {"DELETE", V1 "/users/{username}", WEB_ROLE_ADMIN, api_users_delete},
    {"PATCH", V1 "/users/{username}", WEB_ROLE_ADMIN, api_users_patch},
    {"GET", V1 "/users/{username}/tokens", WEB_ROLE_ADMIN, api_user_tokens_list},
    {"POST", V1 "/users/{username}/tokens", WEB_ROLE_ADMIN, api_user_tokens_create},
    {"DELETE", V1 "/users/{username}/tokens/{name}", WEB_ROLE_ADMIN, api_user_tokens_revoke},
    {"GET", "/metrics", WEB_ROLE_VIEWER, api_metrics},
    /* the Control Center (api_pipeline.c) */
    {"GET", V1 "/kafka/cluster", WEB_ROLE_VIEWER, api_kafka_cluster},
    {"GET", V1 "/kafka/topics", WEB_ROLE_VIEWER, api_kafka_topics},
    {"GET", V1 "/kafka/consumerGroups", WEB_ROLE_VIEWER, api_kafka_groups},
    {"GET", V1 "/schemas", WEB_ROLE_VIEWER, api_schemas},
    {"GET", V1 "/spark", WEB_ROLE_VIEWER, api_spark},
    {"GET", V1 "/pipeline/tables", WEB_ROLE_VIEWER, api_pipeline_tables},
    {"GET", V1 "/pipeline/health", WEB_ROLE_VIEWER, api_pipeline_health},
    /* control of live work (api_control.c) */
    {"DELETE", V1 "/dags/{dag_id}", WEB_ROLE_OP, api_dag_delete},
    {"PATCH", RUN, WEB_ROLE_OP, api_run_patch},
    {"DELETE", RUN, WEB_ROLE_OP, api_run_delete},
    {"PATCH", RUN "/setNote", WEB_ROLE_OP, api_run_set_note},
    {"PATCH", RUN "/taskInstances/{task_id}/setNote", WEB_ROLE_OP, api_ti_set_note},
    {"GET", V1 "/backfills", WEB_ROLE_VIEWER, api_backfills_list},
    {"POST", V1 "/backfills", WEB_ROLE_OP, api_backfill_create},
    {"POST", V1 "/backfills/dry_run", WEB_ROLE_OP, api_backfill_dry_run},
    {"GET", V1 "/backfills/{backfill_id}", WEB_ROLE_VIEWER, api_backfill_get},
    {"PUT", V1 "/backfills/{backfill_id}/pause", WEB_ROLE_OP, api_backfill_pause},
    {"PUT", V1 "/backfills/{backfill_id}/unpause", WEB_ROLE_OP, api_backfill_unpause},
    {"PUT", V1 "/backfills/{backfill_id}/cancel", WEB_ROLE_OP, api_backfill_cancel},
    {"POST", V1 "/backfills/{backfill_id}/cancel", WEB_ROLE_OP, api_backfill_cancel},
};
#define N_ROUTE ((int)(sizeof(aRoute) / sizeof(aRoute[0])))

/* One open TCP connection, for the request deadline (see conn_watchdog). */
typedef struct conn_node {
  struct conn_node *pPrev, *pNext;
  int fd;
  int64_t startUs;      /* connection start, or end of its last request */
  int bCut;             /* shut down by the watchdog */
  int bStream;          /* answering a live-update stream (sse.h): no deadline */
} conn_node;

struct web_server {
  struct MHD_Daemon *pDaemon;
  int port;
  int64_t deadlineUs;   /* [webserver] request_timeout; 0: none */
  pthread_mutex_t mutex;
  pthread_cond_t cond;
  conn_node *pConns;    /* open connections (guarded by mutex) */
  int bStop;            /* watchdog: stop (guarded by mutex) */
  int bWatchdog;        /* the watchdog thread runs */
  pthread_t watchdog;
  char *zTlsCert;       /* copies MHD reads while it runs (HTTPS), or NULL */
  char *zTlsKey;
};

static void tls_copies_free(web_server *p) {
  if(p->zTlsKey) sodium_memzero(p->zTlsKey, strlen(p->zTlsKey));
  free(p->zTlsKey);
  free(p->zTlsCert);
  p->zTlsKey = p->zTlsCert = NULL;
}

/* ---- one store connection per worker thread ---- */

static pthread_key_t g_storeKey;
static pthread_once_t g_storeOnce = PTHREAD_ONCE_INIT;

static void store_key_destroy(void *p) {
  store_close(p);
  resp_cache_thread_free();
}
static void store_key_create(void) { pthread_key_create(&g_storeKey, store_key_destroy); }

#define WEB_STORE_BUSY_TRIES 2

static store *thread_store(airc_err *pErr) {
  store *s = pthread_getspecific(g_storeKey);
  if(s) return s;
  if(store_open_existing(airc_store_target(), &s, pErr)) return NULL;
  /* a request's own short retry of a busy store before it answers 503 */
  store_set_busy_tries(s, WEB_STORE_BUSY_TRIES);
  pthread_setspecific(g_storeKey, s);
  return s;
}

/* ---- per-connection state ---- */

typedef struct web_conn {
  dynbuf body;
  int bTooBig;
  web_user user;      /* authenticated on the headers, before the body */
} web_conn;

/* ---- total deadline per request (slowloris) ----
 * MHD's connection timeout counts idle time only: a client that sends one
 * header byte every few seconds keeps a connection (and a slot of the
 * per-IP limit) forever, and the access handler is not called until the
 * headers are complete. So every connection is registered when it opens,
 * its clock restarts when a request completes, and a watchdog thread shuts
 * down the socket of any connection whose request (or idle keep-alive
 * wait) has lasted longer than [webserver] request_timeout. shutdown()
 * only makes MHD see the end of the stream; MHD still closes the fd, after
 * the CLOSED notification has removed it from the list under the mutex,
 * so the watchdog never touches a closed or reused fd. */

static void on_connection(void *pCls, struct MHD_Connection *pConn, void **ppSockCtx,
                          enum MHD_ConnectionNotificationCode code) {
  web_server *p = pCls;
  if(code == MHD_CONNECTION_NOTIFY_STARTED) {
    conn_node *n = calloc(1, sizeof(conn_node));
    const union MHD_ConnectionInfo *pInfo = MHD_get_connection_info(pConn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if(!n || !pInfo) {
      free(n);
      return;
    }
    n->fd = pInfo->connect_fd;
    n->startUs = airc_now_us();
    pthread_mutex_lock(&p->mutex);
    n->pNext = p->pConns;
    if(p->pConns) p->pConns->pPrev = n;
    p->pConns = n;
    pthread_mutex_unlock(&p->mutex);
    *ppSockCtx = n;
  } else if(code == MHD_CONNECTION_NOTIFY_CLOSED) {
    conn_node *n = *ppSockCtx;
    if(!n) return;
    pthread_mutex_lock(&p->mutex);
    if(n->pPrev) n->pPrev->pNext = n->pNext;
    else p->pConns = n->pNext;
    if(n->pNext) n->pNext->pPrev = n->pPrev;
    pthread_mutex_unlock(&p->mutex);
    free(n);
    *ppSockCtx = NULL;
  }
}

static void *conn_watchdog(void *pArg) {
  web_server *p = pArg;
  pthread_mutex_lock(&p->mutex);
  while(!p->bStop) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 250 * 1000000L;
    if(ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&p->cond, &p->mutex, &ts);
    int64_t now = airc_now_us();
    for(conn_node *n = p->pConns; n; n = n->pNext) {
      if(n->bCut || n->bStream || now - n->startUs <= p->deadlineUs) continue;
      n->bCut = 1;
      shutdown(n->fd, SHUT_RDWR);
    }
  }
  pthread_mutex_unlock(&p->mutex);
  return NULL;
}

static void on_completed(void *pCls, struct MHD_Connection *pConn, void **ppConnCls,
                         enum MHD_RequestTerminationCode code) {
  web_server *p = pCls;
  (void)code;
  const union MHD_ConnectionInfo *pInfo = MHD_get_connection_info(pConn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  if(pInfo && pInfo->socket_context) {
    conn_node *n = pInfo->socket_context;
    pthread_mutex_lock(&p->mutex);
    n->startUs = airc_now_us(); /* the next request's clock */
    n->bStream = 0;
    pthread_mutex_unlock(&p->mutex);
    /* A client that shut down its sending side (`nc -N`, some HTTP/1.0
     * clients) right after its request: when the end of its stream came in
     * while the reply was being written, MHD's edge-triggered epoll loop
     * does not look at it again once the connection is kept alive, and the
     * client waits for the close until the 60 s timeout. If nothing but
     * the end of the stream is waiting, shutting down the reading side
     * wakes epoll so MHD reads it and closes the connection (the reply is
     * already in the socket's send queue). */
    char b;
    if(recv(n->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0) shutdown(n->fd, SHUT_RD);
  }
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
  return !strncmp(zPath, "/api/", 5) || !strcmp(zPath, "/api") || !strcmp(zPath, "/metrics") ||
         !strncmp(zPath, "/auth/", 6);
}

/* The route of r (NULL if none). zBuf/azParam/pnParam get the captures;
 * zAllow (64 bytes) the methods of routes that match the path only. */
static const web_route *route_find(web_req *r, char *zBuf, size_t nBuf, const char **azParam, int *pnParam,
                                   char *zAllow) {
  zAllow[0] = 0;
  for(int i = 0; i < N_ROUTE; i++) {
    if(!route_match(aRoute[i].zPattern, r->zPath, zBuf, nBuf, azParam, WEB_MAX_PARAMS, pnParam)) continue;
    if(method_is(aRoute[i].zMethod, r->zMethod)) return &aRoute[i];
    if(!strstr(zAllow, aRoute[i].zMethod)) {
      size_t n = strlen(zAllow);
      snprintf(zAllow + n, 64 - n, "%s%s", n ? ", " : "", aRoute[i].zMethod);
    }
  }
  return NULL;
}

/* Answers a request that has no route (405, 404 or a static file). */
static int dispatch_unrouted(web_req *r, char *zAllow) {
  if(zAllow[0]) {
    if(strstr(zAllow, "GET") && !strstr(zAllow, "HEAD")) strncat(zAllow, ", HEAD", 64 - strlen(zAllow) - 1);
    http_header aH[] = {{"Allow", zAllow}, {NULL, NULL}};
    return http_reply_error(r, 405, aH, "%s is not allowed on %s (allowed: %s)", r->zMethod, r->zPath, zAllow);
  }
  if(is_api_path(r->zPath)) return http_reply_error(r, 404, NULL, "no such API route: %s", r->zPath);
  if(!method_is("GET", r->zMethod)) {
    http_header aH[] = {{"Allow", "GET, HEAD"}, {NULL, NULL}};
    return http_reply_error(r, 405, aH, "static files are read with GET");
  }
  return static_files_serve(r);
}

/* Answers a request whose headers were admitted (request_admit) and whose
 * body has been read; pUser is the user authenticated then. */
static int dispatch(web_req *r, const web_user *pUser) {
  char zBuf[2048];
  const char *azParam[WEB_MAX_PARAMS];
  int nParam = 0;
  char zAllow[64];
  const web_route *pRoute = route_find(r, zBuf, sizeof(zBuf), azParam, &nParam, zAllow);
  if(!pRoute) return dispatch_unrouted(r, zAllow);
  /* route_match() left the captures of the matching pattern in zBuf */
  r->nParam = nParam;
  for(int i = 0; i < nParam; i++) r->azParam[i] = azParam[i];
  r->user = *pUser;
  if(resp_cache_wanted(r) && resp_cache_try(r)) return r->mhdResult;
  return pRoute->xHandler(r);
}

static int method_is_safe(const char *zMethod) {
  return !strcmp(zMethod, "GET") || !strcmp(zMethod, "HEAD") || !strcmp(zMethod, "OPTIONS");
}

/* ---- checks on the headers, before any body is read ---- */

static char *g_zAllowedHosts;       /* comma-separated host names; "*": any */
static char *g_zAllowedOrigins;     /* comma-separated extra origins */

/* 1 if zItem (n bytes) is in the comma-separated list zList (case-insensitive). */
static int list_has(const char *zList, const char *zItem, size_t n) {
  const char *z = zList;
  while(z && *z) {
    while(*z == ' ' || *z == ',') z++;
    const char *zEnd = strchrnul(z, ',');
    const char *zLast = zEnd;
    while(zLast > z && zLast[-1] == ' ') zLast--;
    if((size_t)(zLast - z) == n && !strncasecmp(z, zItem, n)) return 1;
    if((size_t)(zLast - z) == 1 && *z == '*') return 1;
    z = zEnd;
  }
  return 0;
}

/* 1 if the Host header names an allowed host (any port): DNS rebinding
 * gives a hostile name our address, never our name. */
static int host_is_allowed(const char *zHost) {
  if(!zHost || !*zHost) return 0;
  const char *zName = zHost;
  size_t n;
  if(*zHost == '[') {
    const char *zEnd = strchr(zHost, ']');
    if(!zEnd || (zEnd[1] && zEnd[1] != ':')) return 0;
    zName = zHost + 1;
    n = (size_t)(zEnd - zName);
  } else {
    const char *zColon = strchr(zHost, ':');
    n = zColon ? (size_t)(zColon - zHost) : strlen(zHost);
  }
  return list_has(g_zAllowedHosts, zName, n);
}

/* 1 if Origin is this server as named by Host, or a listed origin. */
static int origin_is_allowed(const char *zOrigin, const char *zHost) {
  if(!strcasecmp(zOrigin, "null")) return 0;
  const char *zRest = !strncasecmp(zOrigin, "http://", 7) ? zOrigin + 7 : !strncasecmp(zOrigin, "https://", 8) ? zOrigin + 8 : NULL;
  if(zRest && zHost && !strcasecmp(zRest, zHost)) return 1;
  return list_has(g_zAllowedOrigins, zOrigin, strlen(zOrigin));
}

/* 1 if a Content-Type header is JSON ("application/json", parameters allowed). */
static int type_is_json(const char *zType) {
  if(!zType) return 0;
  while(*zType == ' ') zType++;
  if(strncasecmp(zType, "application/json", 16)) return 0;
  const char *z = zType + 16;
  while(*z == ' ' || *z == '\t') z++;
  return *z == 0 || *z == ';';
}

/* Runs every check that needs only the headers: Host, size, route, and
 * for unsafe API methods Sec-Fetch-Site, Origin and Content-Type, then
 * authentication and role (auth_check). Returns 1 to go on and read the
 * body, 0 when a reply was sent (nothing of the body has been read). */
static int request_admit(web_req *r, web_conn *c) {
  const char *zHost = web_req_header(r, "Host");
  if(!host_is_allowed(zHost)) {
    http_reply_error(r, 421, NULL, "host '%.100s' is not served here (see [webserver] allowed_hosts)", zHost ? zHost : "");
    return 0;
  }
  const char *zLen = web_req_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
  if(zLen && strtoull(zLen, NULL, 10) > WEB_BODY_MAX) {
    /* MHD closes the connection after */
    http_reply_error(r, 413, NULL, "the request body is larger than %d bytes", WEB_BODY_MAX);
    return 0;
  }
  char zBuf[2048];
  const char *azParam[WEB_MAX_PARAMS];
  int nParam = 0;
  char zAllow[64];
  const web_route *pRoute = route_find(r, zBuf, sizeof(zBuf), azParam, &nParam, zAllow);
  if(!pRoute) return 1; /* 404/405/static after the body */
  if(!method_is_safe(r->zMethod)) {
    /* a browser page of another site may post here with the user's
     * cookie or cached Basic credentials: refuse what it labels so */
    const char *zSite = web_req_header(r, "Sec-Fetch-Site");
    if(zSite && !strcasecmp(zSite, "cross-site")) {
      http_reply_error(r, 403, NULL, "cross-site %s requests are refused (Sec-Fetch-Site: cross-site)", r->zMethod);
      return 0;
    }
    const char *zOrigin = web_req_header(r, "Origin");
    if(zOrigin && !origin_is_allowed(zOrigin, zHost)) {
      http_reply_error(r, 403, NULL, "origin '%.100s' may not call this API (see [webserver] allowed_origins)", zOrigin);
      return 0;
    }
    /* a DELETE with no body and no type is fine: an HTML form cannot send
     * DELETE, and a page's fetch() of it needs a CORS preflight we never
     * grant (Airflow's own client sends its DELETEs this way) */
    const char *zType = web_req_header(r, "Content-Type");
    int bBareDelete = !strcmp(r->zMethod, "DELETE") && !zType && (!zLen || !strcmp(zLen, "0")) &&
                      !web_req_header(r, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    if(!bBareDelete && !type_is_json(zType)) {
      http_reply_error(r, 415, NULL, "%s requests to the API must be sent with 'Content-Type: application/json'",
                       r->zMethod);
      return 0;
    }
  }
  if(!auth_check(r, pRoute->need)) return 0;
  c->user = r->user;
  return 1;
}

static enum MHD_Result on_request(void *pCls, struct MHD_Connection *pConn, const char *zUrl, const char *zMethod,
                                  const char *zVersion, const char *zUpload, size_t *pnUpload, void **ppConnCls) {
  web_server *pServer = pCls;
  (void)zVersion;
  web_conn *c = *ppConnCls;
  web_req r;
  memset(&r, 0, sizeof(r));
  r.pConn = pConn;
  r.zMethod = zMethod;
  r.zPath = zUrl;
  r.zBody = "";
  r.mhdResult = MHD_NO;
  airc_err err = {0};
  if(!c) {
    c = calloc(1, sizeof(web_conn));
    if(!c) return MHD_NO;
    dynbuf_init(&c->body, WEB_BODY_MAX);
    *ppConnCls = c;
    r.s = thread_store(&err);
    if(!r.s) {
      http_reply_error(&r, 503, NULL, "the store is not available: %s", airc_err_msg(&err));
      return (enum MHD_Result)r.mhdResult;
    }
    if(!request_admit(&r, c)) {
      if(!r.bReplied) http_reply_error(&r, 500, NULL, "the request was refused without a response");
      return (enum MHD_Result)r.mhdResult;
    }
    /* Answered on a later call, when MHD has read the whole request (body
     * or not): a response queued from this first call is an "early" one to
     * MHD, which then closes the connection after it (no keep-alive). */
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
  r.s = thread_store(&err);
  if(!r.s) {
    http_reply_error(&r, 503, NULL, "the store is not available: %s", airc_err_msg(&err));
    return (enum MHD_Result)r.mhdResult;
  }
  dispatch(&r, &c->user);
  free(r.zCacheKey);
  if(r.bStream) { /* a live-update stream lasts: the watchdog leaves it alone */
    const union MHD_ConnectionInfo *pInfo = MHD_get_connection_info(pConn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    if(pInfo && pInfo->socket_context) {
      pthread_mutex_lock(&pServer->mutex);
      ((conn_node *)pInfo->socket_context)->bStream = 1;
      pthread_mutex_unlock(&pServer->mutex);
    }
  }
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
  pthread_mutex_init(&p->mutex, NULL);
  pthread_cond_init(&p->cond, NULL);
  p->deadlineUs = (int64_t)(pOpts->requestTimeoutSec > 0 ? pOpts->requestTimeoutSec : 0) * 1000000;
  free(g_zAllowedHosts);
  free(g_zAllowedOrigins);
  if(pOpts->zAllowedHosts && *pOpts->zAllowedHosts) {
    g_zAllowedHosts = strdup(pOpts->zAllowedHosts);
  } else {
    const char *zBind = pOpts->zHost ? pOpts->zHost : "";
    size_t n = strlen(zBind) + 40;
    g_zAllowedHosts = malloc(n);
    if(g_zAllowedHosts) snprintf(g_zAllowedHosts, n, "localhost,127.0.0.1,::1,%s", zBind);
  }
  g_zAllowedOrigins = strdup(pOpts->zAllowedOrigins ? pOpts->zAllowedOrigins : "");
  /* suspend/resume: idle live-update streams wait off the event loop (sse.h) */
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME;
  if(pAi->ai_family == AF_INET6) flags |= MHD_USE_IPv6;
  if(getenv("AIRC_MHD_DEBUG")) flags |= MHD_USE_ERROR_LOG;
  struct MHD_OptionItem aTls[3] = {{MHD_OPTION_END, 0, NULL}, {MHD_OPTION_END, 0, NULL}, {MHD_OPTION_END, 0, NULL}};
  http_reply_set_hsts(0);
  if(pOpts->zTlsCert && pOpts->zTlsKey) {
    if(MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
      freeaddrinfo(pAi);
      pthread_mutex_destroy(&p->mutex);
      pthread_cond_destroy(&p->cond);
      free(p);
      return airc_err_set(pErr, AIRC_ERR_INVALID, "[webserver] ssl_cert is set but this libmicrohttpd has no TLS support");
    }
    p->zTlsCert = strdup(pOpts->zTlsCert);
    p->zTlsKey = strdup(pOpts->zTlsKey);
    flags |= MHD_USE_TLS;
    aTls[0] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, p->zTlsCert};
    aTls[1] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, p->zTlsKey};
    http_reply_set_hsts(pOpts->hstsMaxAgeSec);
  }
  p->pDaemon = MHD_start_daemon(flags, (uint16_t)pOpts->port, NULL, NULL, on_request, p,
                                MHD_OPTION_SOCK_ADDR, pAi->ai_addr,
                                MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(pOpts->nThreads > 0 ? pOpts->nThreads : 2),
                                MHD_OPTION_NOTIFY_COMPLETED, on_completed, p,
                                MHD_OPTION_NOTIFY_CONNECTION, on_connection, p,
                                MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                                (unsigned)(pOpts->nPerIpLimit > 0 ? pOpts->nPerIpLimit : 64),
                                MHD_OPTION_UNESCAPE_CALLBACK, unescape_no_nul, NULL,
                                MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
                                MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,
                                MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
                                MHD_OPTION_ARRAY, aTls,
                                MHD_OPTION_END);
  freeaddrinfo(pAi);
  if(!p->pDaemon) {
    int bTls = p->zTlsCert != NULL;
    tls_copies_free(p);
    pthread_mutex_destroy(&p->mutex);
    pthread_cond_destroy(&p->cond);
    free(p);
    return airc_err_set(pErr, AIRC_ERR_NET, "cannot listen on %s:%d (in use, or not an address of this host%s)",
                        pOpts->zHost, pOpts->port, bTls ? ", or the TLS certificate was refused" : "");
  }
  if(sse_start((int)airc_config_get_int("webserver", "sse_max_streams", SSE_MAX_STREAMS_DEFAULT),
               (int)airc_config_get_int("webserver", "sse_heartbeat", SSE_HEARTBEAT_SEC),
               (int)airc_config_get_int("webserver", "sse_max_age", SSE_MAX_AGE_SEC), pErr)) {
    MHD_stop_daemon(p->pDaemon);
    tls_copies_free(p);
    pthread_mutex_destroy(&p->mutex);
    pthread_cond_destroy(&p->cond);
    free(p);
    return pErr->rc;
  }
  const union MHD_DaemonInfo *pInfo = MHD_get_daemon_info(p->pDaemon, MHD_DAEMON_INFO_BIND_PORT);
  p->port = pInfo ? pInfo->port : pOpts->port;
  if(p->deadlineUs > 0 && !pthread_create(&p->watchdog, NULL, conn_watchdog, p)) p->bWatchdog = 1;
  *ppOut = p;
  return AIRC_OK;
}

int web_server_port(const web_server *p) { return p->port; }

void web_server_stop(web_server *p) {
  if(!p) return;
  if(p->bWatchdog) {
    pthread_mutex_lock(&p->mutex);
    p->bStop = 1;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->mutex);
    pthread_join(p->watchdog, NULL);
  }
  sse_stop(); /* streams end before the daemon closes their connections */
  MHD_stop_daemon(p->pDaemon);
  tls_copies_free(p);
  pthread_mutex_destroy(&p->mutex);
  pthread_cond_destroy(&p->cond);
  free(p);
  free(g_zAllowedHosts);
  free(g_zAllowedOrigins);
  g_zAllowedHosts = g_zAllowedOrigins = NULL;
}
