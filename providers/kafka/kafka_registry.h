/* kafka_registry.h: the producer's side of a Confluent-compatible schema
 * registry (Confluent's own, or Apicurio Registry under /apis/ccompat/v7):
 * set a subject's compatibility level, then register the schema (or look it
 * up: registering a schema the subject already has returns its id).
 *
 * The HTTP side is a callback, so the answers' parsing is tested with
 * canned bodies; kafka_registry_http_curl() is the real one (libcurl,
 * bounded connect and total timeouts, capped response body).
 *
 * Not for: reading what the registry holds for the dashboard
 * (registry_view.h), or decoding (the Spark job fetches schemas by id). */
#ifndef AIRC_KAFKA_REGISTRY_H
#define AIRC_KAFKA_REGISTRY_H
#include <stddef.h>
#include <stdint.h>
#include "common/dynbuf.h"
#include "common/err.h"

#define KAFKA_REGISTRY_MAX_BODY (1024 * 1024)

/* Sends zMethod ("PUT", "POST") to zUrl with the JSON body zBody. On AIRC_OK
 * *pStatus is the HTTP status and pResp (initialised by the caller, capped)
 * holds the answer's body. Any other result means no answer: pErr says why
 * in one line (refused, timed out, body too large). */
typedef airc_rc (*kafka_registry_http_fn)(void *pCtx, const char *zMethod, const char *zUrl, const char *zBody,
                                          long *pStatus /* OUT */, dynbuf *pResp, airc_err *pErr);

typedef struct kafka_registry {
  const char *zUrl;                /* base, e.g. http://127.0.0.1:8081/apis/ccompat/v7 */
  kafka_registry_http_fn xHttp;
  void *pCtx;                      /* passed to xHttp */
} kafka_registry;

/* Sets zSubject's compatibility to zLevel (e.g. "BACKWARD"; NULL = leave it),
 * then registers zSchema (Avro schema JSON text) under it; *pId gets the
 * schema's id. Every failure is one line naming the registry and the
 * subject, e.g.
 *   "schema registry refused the schema for subject users_created-value
 *    (HTTP 409, not BACKWARD compatible): Incompatible artifact: ..."
 *   "schema registry at http://127.0.0.1:8081/apis/ccompat/v7 did not answer:
 *    ... Connection refused"
 * with AIRC_ERR_INVALID for a refusal (409, 422), AIRC_ERR_NET /
 * AIRC_ERR_TIMEOUT when no answer came, AIRC_ERR_PARSE for an answer that
 * makes no sense. */
AIRC_WUR airc_rc kafka_registry_register(const kafka_registry *r, const char *zSubject, const char *zLevel,
                                         const char *zSchema, uint32_t *pId /* OUT */, airc_err *pErr);

/* The answer to POST /subjects/S/versions (status, body of n bytes) -> the
 * id. Pure: used by kafka_registry_register and the unit tests. */
AIRC_WUR airc_rc kafka_registry_parse_register(const char *zSubject, const char *zLevel, long status,
                                               const char *zBody, size_t n, uint32_t *pId /* OUT */,
                                               airc_err *pErr);

/* The answer to PUT /config/S: AIRC_OK for 200 with the level echoed. */
AIRC_WUR airc_rc kafka_registry_parse_config(const char *zSubject, const char *zLevel, long status,
                                             const char *zBody, size_t n, airc_err *pErr);

/* The registry's "message" of an error body, without a leading Java class
 * name ("io.apicurio....RuleViolationException: "), cut at the first line
 * end, into zOut; "" when the body has none. */
void kafka_registry_message(const char *zBody, size_t n, char *zOut, size_t nOut);

/* kafka_registry_http_fn over libcurl; pCtx is a kafka_registry_curl. */
typedef struct kafka_registry_curl {
  void *pCurl;                     /* CURL *, owned by the caller */
  int64_t connectTimeoutMs;        /* e.g. 3000 */
  int64_t timeoutMs;               /* whole request, e.g. 10000 */
} kafka_registry_curl;

AIRC_WUR airc_rc kafka_registry_http_curl(void *pCtx, const char *zMethod, const char *zUrl, const char *zBody,
                                          long *pStatus, dynbuf *pResp, airc_err *pErr);

#endif
