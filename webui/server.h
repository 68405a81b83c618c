/* server.h: the web server's lifecycle (libmicrohttpd).
 *
 * MHD runs an internal thread pool (epoll); each worker thread opens its
 * own SQLite connection on first use and closes it when the thread ends
 * (a pthread key destructor), so no connection is shared between threads
 * and WAL lets them read while the scheduler writes. Request bodies are
 * capped at WEB_BODY_MAX: a larger Content-Length is refused with 413
 * before a byte of the body is read; a chunked body that grows past the
 * cap is discarded and answered with 413. Routing, authentication and the
 * security headers are applied here for every request. */
#ifndef AIRC_SERVER_H
#define AIRC_SERVER_H
#include "common/err.h"

typedef struct web_server web_server;

typedef struct web_server_opts {
  const char *zHost;   /* numeric address or name; "127.0.0.1" by default */
  int port;            /* 0: any free port (see web_server_port) */
  int nThreads;        /* worker threads, >= 1 */
  const char *zAllowedHosts;   /* Host header names served (comma list, "*": any);
                                  NULL/"": localhost, 127.0.0.1, ::1 and zHost */
  const char *zAllowedOrigins; /* extra Origin values allowed on unsafe methods (comma list) */
  int nPerIpLimit;     /* open connections per client IP; <= 0: 64 */
  int requestTimeoutSec; /* total seconds per request (and keep-alive wait); <= 0: no limit */
  const char *zTlsCert; /* PEM certificate (chain) and key (tls.h), both or neither: HTTPS */
  const char *zTlsKey;  /* borrowed for the call (copied) */
  long long hstsMaxAgeSec; /* with TLS: Strict-Transport-Security max-age; <= 0: no header */
} web_server_opts;

AIRC_WUR airc_rc web_server_start(const web_server_opts *pOpts, web_server **ppOut /* OUT */, airc_err *pErr);
int web_server_port(const web_server *p);
/* Stops accepting, closes connections, joins the workers (closing their
 * store connections) and frees p. */
void web_server_stop(web_server *p);

#endif
