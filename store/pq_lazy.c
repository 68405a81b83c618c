/* pq_lazy.c: see pq_lazy.h. The library handle is never closed. */
#define PQ_LAZY_IMPL
#include "store/pq_lazy.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

/* libpq's ABI soname (libpq5 on Debian). */
#define PQ_LAZY_SONAME "libpq.so.5"

pq_lazy_api g_pq_lazy;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_bOk;
static char g_zErr[400];

static void pq_lazy_open(void) {
  void *h = dlopen(PQ_LAZY_SONAME, RTLD_NOW | RTLD_LOCAL);
  if(!h) {
    snprintf(g_zErr, sizeof(g_zErr), "cannot load libpq: %s", dlerror());
    return;
  }
  pq_lazy_api a;
#define PQ_LAZY_SYM(f)                                                                         \
  *(void **)&a.f = dlsym(h, #f);                                                               \
  if(!a.f) {                                                                                   \
    snprintf(g_zErr, sizeof(g_zErr), "cannot load libpq: %s has no %s", PQ_LAZY_SONAME, #f); \
    return;                                                                                    \
  }
  PQ_LAZY_CALLS(PQ_LAZY_SYM)
#undef PQ_LAZY_SYM
  g_pq_lazy = a;
  g_bOk = 1;
}

int pq_lazy_load(void) {
  pthread_once(&g_once, pq_lazy_open);
  return g_bOk ? 0 : -1;
}

const char *pq_lazy_error(void) { return pq_lazy_load() ? g_zErr : "out of memory"; }

PGconn *pq_lazy_connectdb_params(const char *const *azKey, const char *const *azVal, int bExpand) {
  return pq_lazy_load() ? NULL : g_pq_lazy.PQconnectdbParams(azKey, azVal, bExpand);
}

/* A non-NULL connection or result implies the library is loaded. */
ConnStatusType pq_lazy_status(const PGconn *c) { return c ? g_pq_lazy.PQstatus(c) : CONNECTION_BAD; }

char *pq_lazy_error_message(const PGconn *c) {
  return c ? g_pq_lazy.PQerrorMessage(c) : (char *)pq_lazy_error();
}

void pq_lazy_finish(PGconn *c) {
  if(c) g_pq_lazy.PQfinish(c);
}

void pq_lazy_clear(PGresult *r) {
  if(r) g_pq_lazy.PQclear(r);
}
