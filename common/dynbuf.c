/* dynbuf.c: see dynbuf.h. */
#include "common/dynbuf.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dynbuf_init(dynbuf *p, size_t nMax) {
  p->z = NULL;
  p->n = 0;
  p->nAlloc = 0;
  p->nMax = nMax;
}

airc_rc dynbuf_append(dynbuf *p, const void *pData, size_t n) {
  if(n > p->nMax || p->n > p->nMax - n) return AIRC_ERR_TOOBIG;
  if(p->n + n + 1 > p->nAlloc) {
    size_t nNew = p->nAlloc ? p->nAlloc : 64;
    while(nNew < p->n + n + 1) nNew *= 2;
    if(nNew > p->nMax + 1) nNew = p->nMax + 1;
    char *z = realloc(p->z, nNew);
    if(!z) return AIRC_ERR_NOMEM;
    p->z = z;
    p->nAlloc = nNew;
  }
  if(n) memcpy(p->z + p->n, pData, n);
  p->n += n;
  p->z[p->n] = 0;
  return AIRC_OK;
}

airc_rc dynbuf_reserve(dynbuf *p, size_t n) {
  if(n > p->nMax) n = p->nMax;
  if(n + 1 <= p->nAlloc) return AIRC_OK;
  char *z = realloc(p->z, n + 1);
  if(!z) return AIRC_ERR_NOMEM;
  p->z = z;
  p->nAlloc = n + 1;
  return AIRC_OK;
}

airc_rc dynbuf_appendz(dynbuf *p, const char *z) {
  return dynbuf_append(p, z, strlen(z));
}

airc_rc dynbuf_printf(dynbuf *p, const char *zFmt, ...) {
  char zSmall[512];
  va_list ap;
  va_start(ap, zFmt);
  int n = vsnprintf(zSmall, sizeof(zSmall), zFmt, ap);
  va_end(ap);
  if(n < 0) return AIRC_ERR_INVALID;
  if((size_t)n < sizeof(zSmall)) return dynbuf_append(p, zSmall, (size_t)n);
  char *zBig = malloc((size_t)n + 1);
  if(!zBig) return AIRC_ERR_NOMEM;
  va_start(ap, zFmt);
  vsnprintf(zBig, (size_t)n + 1, zFmt, ap);
  va_end(ap);
  airc_rc rc = dynbuf_append(p, zBig, (size_t)n);
  free(zBig);
  return rc;
}

const char *dynbuf_str(const dynbuf *p) { return p->z ? p->z : ""; }

char *dynbuf_take(dynbuf *p) {
  char *z = p->z;
  p->z = NULL;
  p->n = p->nAlloc = 0;
  return z;
}

void dynbuf_reset(dynbuf *p) {
  p->n = 0;
  if(p->z) p->z[0] = 0;
}

void dynbuf_free(dynbuf *p) {
  free(p->z);
  p->z = NULL;
  p->n = p->nAlloc = 0;
}
