/* sensor_poke.c: see sensor_poke.h. */
#include "executor/sensor_poke.h"
#include "store/store_probe.h"
#include <curl/curl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int sensor_poke_blocks(const sensor_spec *p) { return p->kind == SENSOR_HTTP || p->kind == SENSOR_SQL; }

static int poke_file(const sensor_spec *p, char *zWhat, size_t n) {
  struct stat sb;
  if(!strpbrk(p->zPath, "*?[")) {
    if(stat(p->zPath, &sb) == 0) {
      snprintf(zWhat, n, "%s exists", p->zPath);
      return 1;
    }
    snprintf(zWhat, n, "%s does not exist yet", p->zPath);
    return 0;
  }
  glob_t g;
  memset(&g, 0, sizeof(g));
  int r = glob(p->zPath, GLOB_NOSORT, NULL, &g);
  size_t nMatch = r == 0 ? g.gl_pathc : 0;
  if(nMatch) snprintf(zWhat, n, "%zu file(s) match %s, first %s", nMatch, p->zPath, g.gl_pathv[0]);
  else snprintf(zWhat, n, "no file matches %s yet", p->zPath);
  globfree(&g);
  return nMatch > 0;
}

/* The body is not kept: a sensor looks at the status only. */
static size_t discard(char *zData, size_t size, size_t n, void *pCtx) {
  (void)zData;
  (void)pCtx;
  return size * n;
}

static int poke_http(const sensor_spec *p, char *zWhat, size_t n) {
  CURL *h = curl_easy_init();
  if(!h) {
    snprintf(zWhat, n, "GET %s: cannot start libcurl", p->zUrl);
    return 0;
  }
  char zErr[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(h, CURLOPT_URL, p->zUrl);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)SENSOR_NET_TIMEOUT);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* it may run in a thread */
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, zErr);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "airc-sensor");
  CURLcode rc = curl_easy_perform(h);
  long status = 0;
  if(rc == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(h);
  if(rc != CURLE_OK) {
    snprintf(zWhat, n, "GET %s: %s", p->zUrl, zErr[0] ? zErr : curl_easy_strerror(rc));
    return 0;
  }
  snprintf(zWhat, n, "GET %s: status %ld (waiting for %d)", p->zUrl, status, p->expectedStatus);
  return status == p->expectedStatus;
}

static const char *conn_field(json_t *pConn, const char *zKey) {
  return json_string_value(json_object_get(pConn, zKey));
}

static int poke_sql(const sensor_spec *p, json_t *pConn, char *zWhat, size_t n) {
  if(!json_is_object(pConn)) {
    snprintf(zWhat, n, "sql: no connection '%s' (airc connections add %s --conn-uri postgres://...)", p->zConn, p->zConn);
    return 0;
  }
  json_t *pPort = json_object_get(pConn, "port");
  store_probe_conn c = {conn_field(pConn, "host"), conn_field(pConn, "login"), conn_field(pConn, "password"),
                        conn_field(pConn, "schema"),
                        json_is_integer(pPort) ? (int)json_integer_value(pPort)
                                               : (json_string_value(pPort) ? atoi(json_string_value(pPort)) : 0)};
  int bTrue = 0;
  airc_err err = {0};
  if(store_probe_sql(&c, p->zSql, SENSOR_NET_TIMEOUT, &bTrue, &err)) {
    snprintf(zWhat, n, "%s", airc_err_msg(&err));
    return 0;
  }
  snprintf(zWhat, n, "sql on '%s': first cell is %s", p->zConn, bTrue ? "true" : "not true yet");
  return bTrue;
}

static int poke_external(const sensor_spec *p, const sensor_env *e, char *zWhat, size_t n) {
  char zState[40];
  airc_err err = {0};
  if(!e->s || store_probe_external_state(e->s, p->zExtDag, p->zExtTask, e->logicalDate, zState, sizeof(zState), &err)) {
    snprintf(zWhat, n, "%s", e->s ? airc_err_msg(&err) : "external_task: no store");
    return 0;
  }
  char zWho[500];
  if(p->zExtTask) snprintf(zWho, sizeof(zWho), "task '%s' of DAG '%s'", p->zExtTask, p->zExtDag);
  else snprintf(zWho, sizeof(zWho), "the run of DAG '%s'", p->zExtDag);
  snprintf(zWhat, n, "%s of the same logical date: %s", zWho, zState[0] ? zState : "no such run yet");
  return !strcmp(zState, "success");
}

int sensor_poke(const sensor_spec *p, const sensor_env *pEnv, char *zWhat, size_t nWhat) {
  switch(p->kind) {
  case SENSOR_FILE: return poke_file(p, zWhat, nWhat);
  case SENSOR_HTTP: return poke_http(p, zWhat, nWhat);
  case SENSOR_SQL: return poke_sql(p, pEnv->pConn, zWhat, nWhat);
  case SENSOR_EXTERNAL_TASK: return poke_external(p, pEnv, zWhat, nWhat);
  }
  return 0;
}
