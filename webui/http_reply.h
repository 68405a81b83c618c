/* http_reply.h: how responses leave the web server.
 *
 * Every HTTP error goes through http_reply_error(): it formats the detail,
 * JSON-encodes it (so no user- or DAG-controlled text can break out of the
 * document) and sends {"status":N,"title":"...","detail":"..."} as
 * application/problem+json. Successful answers go through
 * http_reply_json() or http_reply_body(). All responses carry the security
 * headers (CSP, nosniff, frame denial). Not for building JSON documents:
 * the api_*.c files do that with jansson or json_out.h. */
#ifndef AIRC_HTTP_REPLY_H
#define AIRC_HTTP_REPLY_H
#include <jansson.h>
#include <stddef.h>
#include "common/err.h"
#include "webui/web_req.h"

typedef struct http_header {
  const char *zName;
  const char *zValue;
} http_header;                      /* arrays of these end with {NULL, NULL} */

/* The one error path. aExtra (may be NULL) adds headers such as Allow,
 * Retry-After or WWW-Authenticate. Returns the access handler's result. */
int http_reply_error(web_req *r, unsigned status, const http_header *aExtra, const char *zFmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Maps an airc_rc to a status (NOTFOUND 404, EXISTS/STATE 409, PARSE/
 * INVALID/USAGE 400, TOOBIG 413, BUSY 503, others 500) and replies with
 * the error's message through http_reply_error(). A transient error (a
 * busy store, airc_rc_is_transient) adds Retry-After. */
#define HTTP_BUSY_RETRY_AFTER "1" /* seconds */
int http_reply_err(web_req *r, const airc_err *pErr);
/* Sends pDoc (reference taken, may be NULL: 500) as application/json. */
int http_reply_json(web_req *r, unsigned status, json_t *pDoc);
/* Same, with extra headers (e.g. Set-Cookie). */
int http_reply_json_h(web_req *r, unsigned status, json_t *pDoc, const http_header *aExtra);
/* Sends the JSON text zText (malloc'd, ownership taken; NULL: 500 out of
 * memory) as application/json, through the response cache like
 * http_reply_json(). For handlers that write their JSON with json_out.h. */
int http_reply_json_text(web_req *r, unsigned status, char *zText, size_t nText);
/* Adds "Strict-Transport-Security: max-age=N; includeSubDomains" to every
 * response from now on (maxAgeSec > 0; the server calls it once, before it
 * starts, when it serves HTTPS); <= 0: no such header. */
void http_reply_set_hsts(long long maxAgeSec);
/* Sends malloc'd zBody (ownership taken; freed with free()). */
int http_reply_body(web_req *r, unsigned status, const char *zType, char *zBody, size_t nBody,
                    const http_header *aExtra);
/* Queues pResp (a response the caller built, e.g. from a callback;
 * reference taken; NULL: 500) with the security headers and zType. */
struct MHD_Response;
int http_reply_response(web_req *r, unsigned status, const char *zType, struct MHD_Response *pResp,
                        const http_header *aExtra);
/* Sends nBody bytes of fd from offset 0 (fd ownership taken). */
int http_reply_fd(web_req *r, unsigned status, const char *zType, int fd, size_t nBody,
                  const http_header *aExtra);

/* Pure helpers (unit-tested): the reason phrase of a status ("Not Found"),
 * and the error document as malloc'd JSON text. */
const char *http_status_title(unsigned status);
char *http_error_json(unsigned status, const char *zDetail);
unsigned http_status_for_rc(airc_rc rc);

#endif
