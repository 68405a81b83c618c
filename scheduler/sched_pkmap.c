/* sched_pkmap.c: see sched_pkmap.h. */
#include "scheduler/sched_pkmap.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t pk_slot(int64_t key, uint32_t nSlot) {
  uint64_t h = (uint64_t)key * 0x9E3779B97F4A7C15ULL;
  return (uint32_t)(h >> 32) & (nSlot - 1);
}

static void *pk_calloc(size_t n, size_t sz) {
  void *v = calloc(n, sz);
  if(!v) {
    fprintf(stderr, "airc: out of memory (scheduler index of %zu entries)\n", n);
    abort();
  }
  return v;
}

static void pk_grow(sched_pkmap *p) {
  uint32_t nOld = p->nSlot;
  int64_t *aOldKey = p->aKey;
  int *aOldVal = p->aVal;
  p->nSlot = nOld ? nOld * 2 : 64;
  p->aKey = pk_calloc(p->nSlot, sizeof(int64_t));
  p->aVal = pk_calloc(p->nSlot, sizeof(int));
  p->n = 0;
  for(uint32_t i = 0; i < nOld; i++)
    if(aOldKey[i]) sched_pkmap_put(p, aOldKey[i], aOldVal[i]);
  free(aOldKey);
  free(aOldVal);
}

int sched_pkmap_get(const sched_pkmap *p, int64_t key) {
  if(!p->nSlot || key <= 0) return -1;
  for(uint32_t h = pk_slot(key, p->nSlot);; h = (h + 1) & (p->nSlot - 1)) {
    if(p->aKey[h] == key) return p->aVal[h];
    if(!p->aKey[h]) return -1;
  }
}

void sched_pkmap_put(sched_pkmap *p, int64_t key, int val) {
  if(key <= 0) return;
  if((p->n + 1) * 2 > p->nSlot) pk_grow(p);
  uint32_t h = pk_slot(key, p->nSlot);
  while(p->aKey[h] && p->aKey[h] != key) h = (h + 1) & (p->nSlot - 1);
  if(!p->aKey[h]) {
    p->aKey[h] = key;
    p->n++;
  }
  p->aVal[h] = val;
}

void sched_pkmap_del(sched_pkmap *p, int64_t key) {
  if(!p->nSlot || key <= 0) return;
  uint32_t m = p->nSlot - 1, h = pk_slot(key, p->nSlot);
  while(p->aKey[h] != key) {
    if(!p->aKey[h]) return;
    h = (h + 1) & m;
  }
  /* backward shift: move later members of the probe run into the hole */
  uint32_t hole = h;
  for(uint32_t j = (h + 1) & m; p->aKey[j]; j = (j + 1) & m) {
    uint32_t home = pk_slot(p->aKey[j], p->nSlot);
    /* j may move to hole iff home is not cyclically in (hole, j] */
    int bStay = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if(bStay) continue;
    p->aKey[hole] = p->aKey[j];
    p->aVal[hole] = p->aVal[j];
    hole = j;
  }
  p->aKey[hole] = 0;
  p->n--;
}

void sched_pkmap_clear(sched_pkmap *p) {
  if(p->nSlot) memset(p->aKey, 0, sizeof(int64_t) * p->nSlot);
  p->n = 0;
}

void sched_pkmap_free(sched_pkmap *p) {
  free(p->aKey);
  free(p->aVal);
  memset(p, 0, sizeof(*p));
}
