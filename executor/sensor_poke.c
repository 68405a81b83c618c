/* sensor_poke.c: see sensor_poke.h.
 *
 * libcurl is loaded with dlopen() on the first http poke, not linked.
 * bin/airc (the scheduler, which pokes sensors from a thread) would
 * otherwise map libcurl and its dozen dependencies (GnuTLS, p11-kit,
 * nettle, gmp, nghttp2, ssh2, rtmp, ...: about 3 MB resident) in every
 * scheduler, although most never run an http sensor: the idle scheduler's
 * goal is < 8 MB (docs/benchmarks.md). A child process per poke (airc-task)
 * would cost a fork + exec each poke_interval and a second way to report;
 * dlopen keeps the poke in the thread, and a scheduler that never pokes
 * http never maps libcurl (tests/integration/test_sensors.py checks
 * /proc/PID/maps). Binaries that link libcurl anyway (airc-task,
 * airc-webserver) get the already loaded library back from dlopen(). */
#include "executor/sensor_poke.h"
#include "store/store_probe.h"
#include "common/dl_table.h"
#include <curl/curl.h>
#include <glob.h>
#include <pthread.h>
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

/* The libcurl ABI's soname (Debian: libcurl4 and libcurl3-gnutls both
 * provide a libcurl.so.4; -lcurl links the former). */
#define SENSOR_LIBCURL "libcurl.so.4"

/* The calls poke_http makes, resolved once (curl_api_load). */
static struct curl_api {
  CURLcode (*global_init)(long);
  CURL *(*easy_init)(void);
  CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
  CURLcode (*easy_perform)(CURL *);
  CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
  void (*easy_cleanup)(CURL *);
  const char *(*easy_strerror)(CURLcode);
  int bOk;
  char zErr[300];          /* why it is not usable, when !bOk */
} g_curl;
static pthread_once_t g_curlOnce = PTHREAD_ONCE_INIT;

/* pthread_once body: dlopen + dlsym + curl_global_init, once per process
 * whichever thread pokes first (the handle is never closed). */
static void curl_api_load(void) {
  static const char *const azName[] = {"curl_global_init", "curl_easy_init", "curl_easy_setopt",
                                       "curl_easy_perform", "curl_easy_getinfo", "curl_easy_cleanup",
                                       "curl_easy_strerror"};
  void **apSlot[] = {(void **)&g_curl.global_init, (void **)&g_curl.easy_init, (void **)&g_curl.easy_setopt,
                     (void **)&g_curl.easy_perform, (void **)&g_curl.easy_getinfo,
                     (void **)&g_curl.easy_cleanup, (void **)&g_curl.easy_strerror};
  if(dl_table_load(SENSOR_LIBCURL, "libcurl", azName, apSlot, sizeof(azName) / sizeof(azName[0]), g_curl.zErr,
                   sizeof(g_curl.zErr)))
    return;
  if(g_curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    snprintf(g_curl.zErr, sizeof(g_curl.zErr), "cannot start libcurl (curl_global_init)");
    return;
  }
  g_curl.bOk = 1;
}

static int poke_http(const sensor_spec *p, char *zWhat, size_t n) {
  pthread_once(&g_curlOnce, curl_api_load);
  if(!g_curl.bOk) {
    snprintf(zWhat, n, "GET %s: %s", p->zUrl, g_curl.zErr);
    return 0;
  }
  CURL *h = g_curl.easy_init();
  if(!h) {
    snprintf(zWhat, n, "GET %s: cannot start libcurl", p->zUrl);
    return 0;
  }
  char zErr[CURL_ERROR_SIZE] = "";
  g_curl.easy_setopt(h, CURLOPT_URL, p->zUrl);
  g_curl.easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
  g_curl.easy_setopt(h, CURLOPT_TIMEOUT, (long)SENSOR_NET_TIMEOUT);
  g_curl.easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
  g_curl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* it may run in a thread */
  g_curl.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  g_curl.easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
  g_curl.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  g_curl.easy_setopt(h, CURLOPT_ERRORBUFFER, zErr);
  g_curl.easy_setopt(h, CURLOPT_USERAGENT, "airc-sensor");
  CURLcode rc = g_curl.easy_perform(h);
  long status = 0;
  if(rc == CURLE_OK) g_curl.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  g_curl.easy_cleanup(h);
  if(rc != CURLE_OK) {
    snprintf(zWhat, n, "GET %s: %s", p->zUrl, zErr[0] ? zErr : g_curl.easy_strerror(rc));
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
