/* web_req.h: one HTTP request as the API handlers see it.
 *
 * The server (server.c) fills a web_req for each complete request: the
 * decoded path, the method, the capped body, the path parameters that the
 * route pattern captured, the thread's own store connection and, once
 * auth.c has run, the user. Handlers read it through the accessors below
 * and answer through http_reply.h; they never talk to libmicrohttpd
 * directly. This header is not for the CLI. */
#ifndef AIRC_WEB_REQ_H
#define AIRC_WEB_REQ_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "common/err.h"
#include "store/store.h"

struct MHD_Connection;

#define WEB_BODY_MAX (1024 * 1024)  /* request bodies above 1 MiB get 413 */
#define WEB_MAX_PARAMS 4
#define WEB_USERNAME_MAX 64

typedef enum web_role { WEB_ROLE_NONE = 0, WEB_ROLE_VIEWER, WEB_ROLE_OP, WEB_ROLE_ADMIN } web_role;

typedef struct web_user {
  int64_t id;                    /* 0: anonymous (authentication off) */
  char zName[WEB_USERNAME_MAX + 1];
  web_role role;
  int bSession;                  /* authenticated by the session cookie (CSRF applies) */
  char zCsrf[80];                /* the session's CSRF token when bSession */
  char zTokenHash[80];           /* the session's token hash when bSession */
  int64_t tokenId;               /* the bearer token's id when authenticated by one, else 0 */
  int bProxy;                    /* authenticated by a trusted proxy's [webserver] auth_header */
} web_user;

typedef struct web_req {
  struct MHD_Connection *pConn;
  const char *zMethod;           /* as sent; HEAD is routed like GET */
  const char *zPath;             /* decoded path, without the query string */
  const char *azParam[WEB_MAX_PARAMS]; /* path parameters, in pattern order */
  int nParam;
  const char *zBody;             /* NUL-terminated body ("" when none), <= WEB_BODY_MAX */
  size_t nBody;
  store *s;                      /* this worker thread's connection (never shared) */
  web_user user;
  int bReplied;                  /* a response was queued */
  int mhdResult;                 /* what the access handler returns */
  char *zCacheKey;               /* armed by resp_cache_try on a miss (owned) */
  uint64_t cacheVersion;         /* store_change_counter() when it was armed */
  int bStream;                   /* the reply is a long-lived stream (sse.h): no request deadline */
} web_req;

/* A handler answers one request through http_reply.h and returns its result. */
typedef int (*web_handler)(web_req *r);

/* Query argument zKey (decoded by MHD) or NULL. Borrowed. */
const char *web_req_arg(web_req *r, const char *zKey);
/* Request header or NULL. Borrowed. */
const char *web_req_header(web_req *r, const char *zKey);
/* Every value of a repeated query argument (?tags=a&tags=b), as a new JSON
 * array of strings; comma-separated values are split too. */
json_t *web_req_args_all(web_req *r, const char *zKey);
/* Client address as text ("127.0.0.1"), into zOut. */
void web_req_client_ip(web_req *r, char *zOut, size_t nOut);
/* Parses the body as a JSON object. On failure, NULL with pErr set
 * (AIRC_ERR_PARSE: malformed; AIRC_ERR_INVALID: not an object or wrong
 * content type). The caller owns the result. */
json_t *web_req_json_body(web_req *r, airc_err *pErr);

const char *web_role_name(web_role r);
/* WEB_ROLE_NONE if z is not a role name. */
web_role web_role_parse(const char *z);

#endif
