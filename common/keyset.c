/* keyset.c: see keyset.h. The all-zero key marks an empty slot, so it is
 * kept in a flag of its own. Keys are mixed before use because a hostile
 * or sequential source of UUIDs must not make every key probe one run. */
#include "common/keyset.h"
#include <stdlib.h>
#include <string.h>

#define KEYSET_MIN_SLOTS 64

void keyset_init(keyset *p, size_t nMax) {
  memset(p, 0, sizeof(*p));
  p->nMax = nMax;
}

void keyset_free(keyset *p) {
  free(p->aSlot);
  p->aSlot = NULL;
  p->nSlot = 0;
  p->nKey = 0;
  p->bZero = 0;
}

static uint64_t keyset_hash(const uint8_t *a) {
  uint64_t lo, hi;
  memcpy(&lo, a, 8);
  memcpy(&hi, a + 8, 8);
  uint64_t h = lo ^ (hi * 0x9e3779b97f4a7c15ULL);
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

static int keyset_is_zero(const uint8_t *a) {
  static const uint8_t aZero[KEYSET_KEY_LEN];
  return !memcmp(a, aZero, KEYSET_KEY_LEN);
}

/* The slot holding aKey, or the empty slot where it belongs. */
static uint8_t *keyset_find(uint8_t (*aSlot)[KEYSET_KEY_LEN], size_t nSlot, const uint8_t *aKey) {
  size_t i = (size_t)keyset_hash(aKey) & (nSlot - 1);
  while(!keyset_is_zero(aSlot[i]) && memcmp(aSlot[i], aKey, KEYSET_KEY_LEN)) {
    i = (i + 1) & (nSlot - 1);
  }
  return aSlot[i];
}

/* Smallest power of two with room for n keys at 3/4 load. */
static size_t keyset_slots_for(size_t n) {
  size_t nSlot = KEYSET_MIN_SLOTS;
  while(nSlot / 4 * 3 < n + 1) nSlot *= 2;
  return nSlot;
}

static airc_rc keyset_grow(keyset *p, size_t nSlot) {
  uint8_t (*aNew)[KEYSET_KEY_LEN] = calloc(nSlot, KEYSET_KEY_LEN);
  if(!aNew) return AIRC_ERR_NOMEM;
  for(size_t i = 0; i < p->nSlot; i++) {
    if(!keyset_is_zero(p->aSlot[i])) memcpy(keyset_find(aNew, nSlot, p->aSlot[i]), p->aSlot[i], KEYSET_KEY_LEN);
  }
  free(p->aSlot);
  p->aSlot = aNew;
  p->nSlot = nSlot;
  return AIRC_OK;
}

airc_rc keyset_add(keyset *p, const uint8_t aKey[KEYSET_KEY_LEN], int *pbNew) {
  *pbNew = 0;
  size_t nHeld = p->nKey + (size_t)p->bZero;
  if(keyset_is_zero(aKey)) {
    if(p->bZero) return AIRC_OK;
    if(nHeld >= p->nMax) return AIRC_ERR_TOOBIG;
    p->bZero = 1;
    *pbNew = 1;
    return AIRC_OK;
  }
  if(p->nSlot) {
    uint8_t *pSlot = keyset_find(p->aSlot, p->nSlot, aKey);
    if(!keyset_is_zero(pSlot)) return AIRC_OK;
  }
  if(nHeld >= p->nMax) return AIRC_ERR_TOOBIG;
  if(p->nSlot / 4 * 3 < p->nKey + 1) {
    size_t nWant = p->nSlot ? p->nSlot * 2 : KEYSET_MIN_SLOTS;
    size_t nCap = keyset_slots_for(p->nMax);
    if(nWant > nCap) nWant = nCap;
    airc_rc rc = keyset_grow(p, nWant);
    if(rc) return rc;
  }
  memcpy(keyset_find(p->aSlot, p->nSlot, aKey), aKey, KEYSET_KEY_LEN);
  p->nKey++;
  *pbNew = 1;
  return AIRC_OK;
}
