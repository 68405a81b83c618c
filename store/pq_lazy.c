/* pq_lazy.c: see pq_lazy.h. The library handle is never closed. */
#define PQ_LAZY_IMPL
#include "store/pq_lazy.h"
#include "common/dl_table.h"
#include <pthread.h>
#include <stdio.h>

/* libpq's ABI soname (libpq5 on Debian). */
#define PQ_LAZY_SONAME "libpq.so.5"

pq_lazy_api g_pq_lazy;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_bOk;
static char g_zErr[400];

static void pq_lazy_open(void) {
#define PQ_LAZY_NAME(f) #f,
#define PQ_LAZY_SLOT(f) (void **)&a.f,
  static const char *const azName[] = {PQ_LAZY_CALLS(PQ_LAZY_NAME)};
  pq_lazy_api a;
  void **apSlot[] = {PQ_LAZY_CALLS(PQ_LAZY_SLOT)};
#undef PQ_LAZY_NAME
#undef PQ_LAZY_SLOT
  if(dl_table_load(PQ_LAZY_SONAME, "libpq", azName, apSlot, sizeof(azName) / sizeof(azName[0]), g_zErr,
                   sizeof(g_zErr)))
    return;
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
