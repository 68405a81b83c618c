/* web_req.c: request accessors (see web_req.h). Thin wrappers over MHD so
 * that handlers stay independent of it. */
#include "webui/web_req.h"
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

const char *web_req_arg(web_req *r, const char *zKey) {
  return MHD_lookup_connection_value(r->pConn, MHD_GET_ARGUMENT_KIND, zKey);
}

const char *web_req_header(web_req *r, const char *zKey) {
  return MHD_lookup_connection_value(r->pConn, MHD_HEADER_KIND, zKey);
}

typedef struct args_ctx {
  const char *zKey;
  json_t *pOut;
} args_ctx;

static enum MHD_Result collect_arg(void *pCls, enum MHD_ValueKind kind, const char *zKey, const char *zValue) {
  args_ctx *c = pCls;
  (void)kind;
  if(!zKey || !zValue || strcmp(zKey, c->zKey)) return MHD_YES;
  const char *z = zValue;
  while(*z) {
    const char *zEnd = strchrnul(z, ',');
    if(zEnd > z) json_array_append_new(c->pOut, json_stringn(z, (size_t)(zEnd - z)));
    z = *zEnd ? zEnd + 1 : zEnd;
  }
  return MHD_YES;
}

json_t *web_req_args_all(web_req *r, const char *zKey) {
  args_ctx c = {zKey, json_array()};
  MHD_get_connection_values(r->pConn, MHD_GET_ARGUMENT_KIND, collect_arg, &c);
  return c.pOut;
}

void web_req_client_ip(web_req *r, char *zOut, size_t nOut) {
  snprintf(zOut, nOut, "?");
  const union MHD_ConnectionInfo *pInfo = MHD_get_connection_info(r->pConn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if(!pInfo || !pInfo->client_addr) return;
  const struct sockaddr *sa = pInfo->client_addr;
  if(sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, zOut, (socklen_t)nOut);
  else if(sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, zOut, (socklen_t)nOut);
}

json_t *web_req_json_body(web_req *r, airc_err *pErr) {
  const char *zType = web_req_header(r, "Content-Type");
  if(!zType || strncasecmp(zType, "application/json", 16)) {
    airc_err_set(pErr, AIRC_ERR_INVALID, "the body must be JSON sent with 'Content-Type: application/json'");
    return NULL;
  }
  json_error_t jerr;
  json_t *p = json_loadb(r->zBody, r->nBody, JSON_REJECT_DUPLICATES, &jerr);
  if(!p) {
    airc_err_set(pErr, AIRC_ERR_PARSE, "malformed JSON body: %s (line %d, column %d)", jerr.text, jerr.line, jerr.column);
    return NULL;
  }
  if(!json_is_object(p)) {
    json_decref(p);
    airc_err_set(pErr, AIRC_ERR_INVALID, "the JSON body must be an object");
    return NULL;
  }
  return p;
}

const char *web_role_name(web_role r) {
  switch(r) {
  case WEB_ROLE_VIEWER: return "viewer";
  case WEB_ROLE_OP: return "op";
  case WEB_ROLE_ADMIN: return "admin";
  default: return "none";
  }
}

web_role web_role_parse(const char *z) {
  if(!z) return WEB_ROLE_NONE;
  if(!strcmp(z, "viewer")) return WEB_ROLE_VIEWER;
  if(!strcmp(z, "op")) return WEB_ROLE_OP;
  if(!strcmp(z, "admin")) return WEB_ROLE_ADMIN;
  return WEB_ROLE_NONE;
}
