/* conn_uri.c: see conn_uri.h. */
#include "common/conn_uri.h"
#include "common/dynbuf.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

extern char **environ;

int conn_name_is_valid(const char *z) {
  size_t n = strlen(z);
  if(n == 0 || n > CONN_NAME_MAX) return 0;
  for(size_t i = 0; i < n; i++)
    if(!isalnum((unsigned char)z[i]) && z[i] != '_' && z[i] != '-' && z[i] != '.') return 0;
  return 1;
}

static int hexval(int c) {
  if(c >= '0' && c <= '9') return c - '0';
  c = tolower(c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes z[0..n) into a new JSON string, or JSON null when n == 0. */
static json_t *decoded(const char *z, size_t n, int bPlus) {
  if(n == 0) return json_null();
  char *zOut = malloc(n + 1);
  size_t k = 0;
  for(size_t i = 0; i < n; i++) {
    if(z[i] == '%' && i + 2 < n && hexval(z[i + 1]) >= 0 && hexval(z[i + 2]) >= 0) {
      zOut[k++] = (char)(hexval(z[i + 1]) * 16 + hexval(z[i + 2]));
      i += 2;
    } else zOut[k++] = bPlus && z[i] == '+' ? ' ' : z[i];
  }
  json_t *p = json_stringn(zOut, k);
  free(zOut);
  return p ? p : json_null(); /* not UTF-8: dropped */
}

json_t *conn_uri_parse(const char *zUri, airc_err *pErr) {
  size_t nUri = strlen(zUri);
  if(nUri > CONN_URI_MAX) {
    airc_err_set(pErr, AIRC_ERR_INVALID, "connection URI is %zu bytes, above the limit of %d", nUri, CONN_URI_MAX);
    return NULL;
  }
  const char *zSep = strstr(zUri, "://");
  if(!zSep || zSep == zUri) {
    airc_err_set(pErr, AIRC_ERR_PARSE, "connection URI has no scheme:// (e.g. postgres://user:pw@host:5432/db)");
    return NULL;
  }
  json_t *p = json_object();
  char zType[64];
  size_t nType = (size_t)(zSep - zUri) < sizeof(zType) ? (size_t)(zSep - zUri) : sizeof(zType) - 1;
  for(size_t i = 0; i < nType; i++) zType[i] = zUri[i] == '-' ? '_' : zUri[i];
  zType[nType] = 0;
  json_object_set_new(p, "conn_type", json_string(zType));
  const char *z = zSep + 3;
  size_t nAuth = strcspn(z, "/?#");
  const char *zAt = memrchr(z, '@', nAuth);
  json_t *pLogin = json_null(), *pPw = json_null();
  if(zAt) {
    const char *zColon = memchr(z, ':', (size_t)(zAt - z));
    size_t nLogin = zColon ? (size_t)(zColon - z) : (size_t)(zAt - z);
    json_decref(pLogin);
    pLogin = decoded(z, nLogin, 0);
    if(zColon) {
      json_decref(pPw);
      pPw = decoded(zColon + 1, (size_t)(zAt - zColon - 1), 0);
    }
  }
  const char *zHost = zAt ? zAt + 1 : z;
  size_t nHost = (size_t)(z + nAuth - zHost);
  const char *zPort = NULL;
  if(zHost[0] == '[') { /* [ipv6]:port */
    const char *zEnd = memchr(zHost, ']', nHost);
    if(zEnd && zEnd + 1 < zHost + nHost && zEnd[1] == ':') zPort = zEnd + 1;
  } else {
    zPort = memrchr(zHost, ':', nHost);
  }
  json_t *pPort = json_null();
  if(zPort) {
    char *zEnd = NULL;
    long v = strtol(zPort + 1, &zEnd, 10);
    if(zEnd != zHost + nHost || v < 0 || v > 65535 || zEnd == zPort + 1) {
      json_decref(pLogin);
      json_decref(pPw);
      json_decref(p);
      airc_err_set(pErr, AIRC_ERR_PARSE, "connection URI has a bad port (0-65535)");
      return NULL;
    }
    pPort = json_integer(v);
    nHost = (size_t)(zPort - zHost);
  }
  json_object_set_new(p, "host", decoded(zHost, nHost, 0));
  json_object_set_new(p, "port", pPort);
  json_object_set_new(p, "login", pLogin);
  json_object_set_new(p, "password", pPw);
  z += nAuth;
  json_t *pSchema = json_null();
  if(*z == '/') {
    size_t n = strcspn(z + 1, "?#");
    json_decref(pSchema);
    pSchema = decoded(z + 1, n, 0);
    z += 1 + n;
  }
  json_object_set_new(p, "schema", pSchema);
  json_t *pExtra = json_object();
  if(*z == '?') {
    z++;
    while(*z && *z != '#') {
      size_t n = strcspn(z, "&#");
      const char *zEq = memchr(z, '=', n);
      json_t *pK = decoded(z, zEq ? (size_t)(zEq - z) : n, 1);
      json_t *pV = zEq ? decoded(zEq + 1, n - (size_t)(zEq - z) - 1, 1) : json_string("");
      if(json_is_string(pK)) {
        if(!strcmp(json_string_value(pK), "__extra__") && json_is_string(pV)) {
          json_t *pJ = json_loads(json_string_value(pV), JSON_DECODE_ANY, NULL);
          if(json_is_object(pJ)) json_object_update(pExtra, pJ);
          json_decref(pJ);
        } else {
          json_object_set(pExtra, json_string_value(pK), json_is_null(pV) ? json_string("") : pV);
        }
      }
      json_decref(pK);
      json_decref(pV);
      z += n;
      if(*z == '&') z++;
    }
  }
  json_object_set_new(p, "extra", pExtra);
  json_object_set_new(p, "description", json_null());
  return p;
}

/* Appends z percent-encoded. Failures (the cap, far above any URI) cut the output. */
static void encode(dynbuf *b, const char *z) {
  for(; *z; z++) {
    unsigned char c = (unsigned char)*z;
    int bad = isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ? dynbuf_append(b, z, 1)
                                                                          : dynbuf_printf(b, "%%%02X", c);
    if(bad) return;
  }
}

char *conn_uri_format(json_t *p) {
  dynbuf b;
  dynbuf_init(&b, CONN_URI_MAX * 4);
  const char *zType = json_string_value(json_object_get(p, "conn_type"));
  for(const char *z = zType && *zType ? zType : "generic"; *z; z++) if(dynbuf_append(&b, *z == '_' ? "-" : z, 1)) {}
  if(dynbuf_appendz(&b, "://")) {}
  const char *zLogin = json_string_value(json_object_get(p, "login"));
  const char *zPw = json_string_value(json_object_get(p, "password"));
  if(zLogin || zPw) {
    if(zLogin) encode(&b, zLogin);
    if(zPw) {
      if(dynbuf_appendz(&b, ":")) {}
      encode(&b, zPw);
    }
    if(dynbuf_appendz(&b, "@")) {}
  }
  const char *zHost = json_string_value(json_object_get(p, "host"));
  if(zHost) encode(&b, zHost);
  json_t *pPort = json_object_get(p, "port");
  if(json_is_integer(pPort)) if(dynbuf_printf(&b, ":%lld", (long long)json_integer_value(pPort))) {}
  const char *zSchema = json_string_value(json_object_get(p, "schema"));
  if(zSchema && *zSchema) {
    if(dynbuf_appendz(&b, "/")) {}
    encode(&b, zSchema);
  }
  json_t *pExtra = json_object_get(p, "extra");
  const char *zKey;
  json_t *pV;
  int bFirst = 1, bFlat = 1;
  json_object_foreach(pExtra, zKey, pV) if(!json_is_string(pV)) bFlat = 0;
  if(!bFlat) {
    char *zJ = json_dumps(pExtra, JSON_COMPACT | JSON_SORT_KEYS);
    if(dynbuf_appendz(&b, "?__extra__=")) {}
    if(zJ) encode(&b, zJ);
    free(zJ);
  } else {
    json_object_foreach(pExtra, zKey, pV) {
      if(dynbuf_appendz(&b, bFirst ? "?" : "&")) {}
      bFirst = 0;
      encode(&b, zKey);
      if(dynbuf_appendz(&b, "=")) {}
      encode(&b, json_string_value(pV));
    }
  }
  return dynbuf_take(&b);
}

json_t *conn_env_get(const char *zName, airc_err *pErr) {
  char zVar[CONN_NAME_MAX + 16];
  int n = snprintf(zVar, sizeof(zVar), "AIRC_CONN_");
  for(const char *z = zName; *z && (size_t)n + 1 < sizeof(zVar); z++) zVar[n++] = (char)toupper((unsigned char)*z);
  zVar[n] = 0;
  const char *zUri = getenv(zVar);
  if(!zUri) return NULL;
  json_t *p = conn_uri_parse(zUri, pErr);
  if(!p) airc_err_prefix(pErr, "$%s: ", zVar);
  return p;
}

void conn_env_overlay(json_t *pConns) {
  for(char **pp = environ; *pp; pp++) {
    if(strncmp(*pp, "AIRC_CONN_", 10)) continue;
    const char *zEq = strchr(*pp, '=');
    if(!zEq || zEq - *pp - 10 <= 0 || zEq - *pp - 10 > CONN_NAME_MAX) continue;
    char zName[CONN_NAME_MAX + 1];
    size_t n = (size_t)(zEq - *pp - 10);
    for(size_t i = 0; i < n; i++) zName[i] = (char)tolower((unsigned char)(*pp)[10 + i]);
    zName[n] = 0;
    airc_err err = {0};
    json_t *p = conn_uri_parse(zEq + 1, &err);
    if(!p) continue;
    /* a stored connection of another case (MyDb) is the same name: it keeps its spelling */
    const char *zKey, *zUse = zName;
    json_t *pV;
    json_object_foreach(pConns, zKey, pV) if(!strcasecmp(zKey, zName)) zUse = zKey;
    json_object_set_new(pConns, zUse, p);
  }
}
