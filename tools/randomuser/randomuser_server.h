/* randomuser_server.h: an HTTP server that answers like randomuser.me 1.4,
 * built on libmicrohttpd, for tests, demos and benchmarks of the pipeline
 * without the Internet.
 *
 *   GET /api/  /api/1.4/  (with or without the trailing slash)
 *     ?results=N&seed=S&page=P&nat=us,gb&inc=..&exc=..&gender=..&format=json
 *
 * The answer is tools/randomuser/randomuser_gen.c's; errors are JSON
 * {"error": "..."} with 400 (bad parameter), 404, 405 or 429 (throttling:
 * with throttleEvery = N, every Nth API request is refused with
 * "Retry-After: 1"). The server owns its daemon and counters; several may
 * run in one process. Not a production server: no TLS, no access log. */
#ifndef AIRC_RANDOMUSER_SERVER_H
#define AIRC_RANDOMUSER_SERVER_H
#include "common/err.h"

typedef struct randomuser_server randomuser_server;

typedef struct randomuser_server_opts {
  const char *zHost;  /* numeric IPv4 or IPv6 address; NULL = 127.0.0.1 */
  int port;           /* 0 = any free port (see randomuser_server_port) */
  int throttleEvery;  /* 0 = never answer 429 */
} randomuser_server_opts;

/* Starts serving in MHD's own threads. On success *ppOut is the server (stop
 * it with randomuser_server_stop); on failure *ppOut is NULL and pErr says
 * why (bad address, port in use). */
AIRC_WUR airc_rc randomuser_server_start(const randomuser_server_opts *pOpts,
                                         randomuser_server **ppOut /* OUT */, airc_err *pErr);
/* The port actually bound. */
int randomuser_server_port(const randomuser_server *p);
/* Number of API requests seen so far (including refused ones). */
long randomuser_server_requests(const randomuser_server *p);
/* Stops the daemon, waits for its threads, frees p. NULL is a no-op. */
void randomuser_server_stop(randomuser_server *p);

#endif
