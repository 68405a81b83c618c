/* kafka_registry.c: see kafka_registry.h. Two calls, in this order:
 *   PUT  {url}/config/{subject}            {"compatibility": LEVEL}
 *   POST {url}/subjects/{subject}/versions {"schema": "<schema JSON text>"}
 * The level is set first so that the registration is judged by it. */
#include "providers/kafka/kafka_registry.h"
#include <ctype.h>
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include "providers/kafka/registry_view.h"

void kafka_registry_message(const char *zBody, size_t n, char *zOut, size_t nOut) {
  zOut[0] = 0;
  json_t *p = zBody ? json_loadb(zBody, n, 0, NULL) : NULL;
  const char *z = json_string_value(json_object_get(p, "message"));
  if(z) {
    /* "io.apicurio.registry.rules.RuleViolationException: Incompatible ..." */
    const char *zColon = strstr(z, "Exception: ");
    if(zColon) {
      const char *q = z;
      while(q < zColon && (isalnum((unsigned char)*q) || *q == '.' || *q == '_' || *q == '$')) q++;
      if(q == zColon) z = zColon + strlen("Exception: ");
    }
    size_t k = strcspn(z, "\r\n");
    snprintf(zOut, nOut, "%.*s", (int)k, z);
  }
  json_decref(p);
}

airc_rc kafka_registry_parse_register(const char *zSubject, const char *zLevel, long status, const char *zBody,
                                      size_t n, uint32_t *pId, airc_err *pErr) {
  char zMsg[600];
  *pId = 0;
  if(status == 409) {
    kafka_registry_message(zBody, n, zMsg, sizeof(zMsg));
    return airc_err_set(pErr, AIRC_ERR_INVALID,
                        "schema registry refused the schema for subject %s (HTTP 409, not %s compatible): %s", zSubject,
                        zLevel ? zLevel : "its level of", zMsg[0] ? zMsg : "no reason given");
  }
  if(status == 422) {
    kafka_registry_message(zBody, n, zMsg, sizeof(zMsg));
    return airc_err_set(pErr, AIRC_ERR_INVALID, "schema registry rejected the schema for subject %s (HTTP 422): %s",
                        zSubject, zMsg[0] ? zMsg : "invalid schema");
  }
  if(status != 200) {
    kafka_registry_message(zBody, n, zMsg, sizeof(zMsg));
    return airc_err_set(pErr, AIRC_ERR_NET, "schema registry: registering subject %s: HTTP %ld%s%s", zSubject, status,
                        zMsg[0] ? ": " : "", zMsg);
  }
  json_t *p = json_loadb(zBody ? zBody : "", n, 0, NULL);
  json_t *pIdJ = json_object_get(p, "id");
  airc_rc rc = AIRC_OK;
  if(!json_is_integer(pIdJ) || json_integer_value(pIdJ) < 0 || json_integer_value(pIdJ) > (json_int_t)UINT32_MAX)
    rc = airc_err_set(pErr, AIRC_ERR_PARSE,
                      "schema registry: registering subject %s: the answer has no schema id (want {\"id\": N})", zSubject);
  else
    *pId = (uint32_t)json_integer_value(pIdJ);
  json_decref(p);
  return rc;
}

airc_rc kafka_registry_parse_config(const char *zSubject, const char *zLevel, long status, const char *zBody,
                                    size_t n, airc_err *pErr) {
  char zMsg[600];
  if(status != 200) {
    kafka_registry_message(zBody, n, zMsg, sizeof(zMsg));
    return airc_err_set(pErr, status == 422 ? AIRC_ERR_INVALID : AIRC_ERR_NET,
                        "schema registry: setting compatibility %s on subject %s: HTTP %ld%s%s", zLevel, zSubject,
                        status, zMsg[0] ? ": " : "", zMsg);
  }
  json_t *p = json_loadb(zBody ? zBody : "", n, 0, NULL);
  const char *z = json_string_value(json_object_get(p, "compatibility"));
  if(!z) z = json_string_value(json_object_get(p, "compatibilityLevel"));
  airc_rc rc = AIRC_OK;
  if(!z || strcmp(z, zLevel))
    rc = airc_err_set(pErr, AIRC_ERR_PARSE,
                      "schema registry: setting compatibility %s on subject %s: the answer does not confirm it", zLevel,
                      zSubject);
  json_decref(p);
  return rc;
}

airc_rc kafka_registry_register(const kafka_registry *r, const char *zSubject, const char *zLevel,
                                const char *zSchema, uint32_t *pId, airc_err *pErr) {
  char zEsc[800], zUrl[2048];
  *pId = 0;
  if(registry_view_escape(zSubject, zEsc, sizeof(zEsc)))
    return airc_err_set(pErr, AIRC_ERR_INVALID, "schema registry: subject name too long");
  dynbuf resp;
  dynbuf_init(&resp, KAFKA_REGISTRY_MAX_BODY);
  long status = 0;
  airc_rc rc = AIRC_OK;
  if(zLevel) {
    json_t *pBody = json_pack("{ss}", "compatibility", zLevel);
    char *zBody = pBody ? json_dumps(pBody, JSON_COMPACT) : NULL;
    json_decref(pBody);
    if(!zBody) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
    snprintf(zUrl, sizeof(zUrl), "%s/config/%s", r->zUrl, zEsc);
    rc = r->xHttp(r->pCtx, "PUT", zUrl, zBody, &status, &resp, pErr);
    free(zBody);
    if(!rc) rc = kafka_registry_parse_config(zSubject, zLevel, status, resp.z, resp.n, pErr);
  }
  if(!rc) {
    json_t *pBody = json_pack("{ss}", "schema", zSchema);
    char *zBody = pBody ? json_dumps(pBody, JSON_COMPACT) : NULL;
    json_decref(pBody);
    if(!zBody) {
      dynbuf_free(&resp);
      return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
    }
    snprintf(zUrl, sizeof(zUrl), "%s/subjects/%s/versions", r->zUrl, zEsc);
    dynbuf_reset(&resp);
    rc = r->xHttp(r->pCtx, "POST", zUrl, zBody, &status, &resp, pErr);
    free(zBody);
    if(!rc) rc = kafka_registry_parse_register(zSubject, zLevel, status, resp.z, resp.n, pId, pErr);
  }
  dynbuf_free(&resp);
  return rc;
}

/* ---- libcurl transport ---- */

typedef struct reg_sink {
  dynbuf *p;
  int bTooBig;
} reg_sink;

static size_t reg_write(char *p, size_t sz, size_t n, void *pArg) {
  reg_sink *s = pArg;
  if(dynbuf_append(s->p, p, sz * n)) {
    s->bTooBig = 1;
    return 0; /* aborts the transfer */
  }
  return sz * n;
}

airc_rc kafka_registry_http_curl(void *pCtx, const char *zMethod, const char *zUrl, const char *zBody,
                                 long *pStatus, dynbuf *pResp, airc_err *pErr) {
  kafka_registry_curl *c = pCtx;
  CURL *pCurl = c->pCurl;
  char zCurlErr[CURL_ERROR_SIZE] = "";
  reg_sink sink = {pResp, 0};
  struct curl_slist *pHdr = curl_slist_append(NULL, "Content-Type: application/vnd.schemaregistry.v1+json");
  pHdr = pHdr ? curl_slist_append(pHdr, "Accept: application/vnd.schemaregistry.v1+json, application/json") : NULL;
  if(!pHdr) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  *pStatus = 0;
  curl_easy_reset(pCurl);
  curl_easy_setopt(pCurl, CURLOPT_URL, zUrl);
  curl_easy_setopt(pCurl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(pCurl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(pCurl, CURLOPT_USERAGENT, "airc-publish-kafka");
  curl_easy_setopt(pCurl, CURLOPT_CUSTOMREQUEST, zMethod);
  curl_easy_setopt(pCurl, CURLOPT_POSTFIELDS, zBody);
  curl_easy_setopt(pCurl, CURLOPT_HTTPHEADER, pHdr);
  curl_easy_setopt(pCurl, CURLOPT_ERRORBUFFER, zCurlErr);
  curl_easy_setopt(pCurl, CURLOPT_WRITEFUNCTION, reg_write);
  curl_easy_setopt(pCurl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(pCurl, CURLOPT_CONNECTTIMEOUT_MS, (long)(c->connectTimeoutMs > 0 ? c->connectTimeoutMs : 3000));
  curl_easy_setopt(pCurl, CURLOPT_TIMEOUT_MS, (long)(c->timeoutMs > 0 ? c->timeoutMs : 10000));
  CURLcode e = curl_easy_perform(pCurl);
  curl_easy_setopt(pCurl, CURLOPT_ERRORBUFFER, NULL);
  curl_easy_setopt(pCurl, CURLOPT_HTTPHEADER, NULL);
  curl_slist_free_all(pHdr);
  if(sink.bTooBig)
    return airc_err_set(pErr, AIRC_ERR_TOOBIG, "schema registry at %s: answer larger than %zu bytes", zUrl,
                        pResp->nMax);
  if(e != CURLE_OK)
    return airc_err_set(pErr, e == CURLE_OPERATION_TIMEDOUT ? AIRC_ERR_TIMEOUT : AIRC_ERR_NET,
                        "schema registry at %s did not answer: %s", zUrl, zCurlErr[0] ? zCurlErr : curl_easy_strerror(e));
  curl_easy_getinfo(pCurl, CURLINFO_RESPONSE_CODE, pStatus);
  return AIRC_OK;
}
