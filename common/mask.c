/* mask.c: see mask.h. Matching is naive (a first-byte filter, then memcmp
 * per secret): tasks have a handful of secrets and logs are capped. */
#include "common/mask.h"
#include <stdlib.h>
#include <string.h>

void mask_init(mask *p) { memset(p, 0, sizeof(*p)); }

void mask_add(mask *p, const char *z) {
  size_t n = z ? strlen(z) : 0;
  if(n < MASK_MIN || n > MASK_SECRET_MAX || p->nSecret >= MASK_MAX_SECRETS) return;
  for(int i = 0; i < p->nSecret; i++)
    if(p->anSecret[i] == n && !memcmp(p->azSecret[i], z, n)) return;
  char *zCopy = strdup(z);
  if(!zCopy) return;
  p->azSecret[p->nSecret] = zCopy;
  p->anSecret[p->nSecret++] = n;
  if(n > p->nLongest) p->nLongest = n;
  unsigned char c = (unsigned char)z[0];
  p->aFirst[c >> 3] |= (unsigned char)(1u << (c & 7));
}

void mask_add_json(mask *p, json_t *pArray) {
  size_t i;
  json_t *pV;
  json_array_foreach(pArray, i, pV) mask_add(p, json_string_value(pV));
}

void mask_free(mask *p) {
  for(int i = 0; i < p->nSecret; i++) free(p->azSecret[i]);
  mask_init(p);
}

/* At a[0..n): length of the secret that matches in full (0 if none); *pbPartial
 * = 1 when a[0..n) is a proper prefix of some secret (more input could match). */
static size_t match_at(const mask *p, const char *a, size_t n, int *pbPartial) {
  unsigned char c = (unsigned char)a[0];
  *pbPartial = 0;
  if(!(p->aFirst[c >> 3] & (1u << (c & 7)))) return 0;
  size_t best = 0;
  for(int i = 0; i < p->nSecret; i++) {
    size_t k = p->anSecret[i];
    if(k <= n) {
      if(k > best && !memcmp(a, p->azSecret[i], k)) best = k;
    } else if(!memcmp(a, p->azSecret[i], n)) {
      *pbPartial = 1;
    }
  }
  return best;
}

/* Masks a[0..n) into aOut; stops where a partial match starts when bHold,
 * returning in *pnUsed how much input was consumed. */
static size_t mask_run(const mask *p, const char *a, size_t n, int bHold, char *aOut, size_t *pnUsed) {
  size_t i = 0, k = 0;
  while(i < n) {
    int bPartial = 0;
    size_t m = p->nSecret ? match_at(p, a + i, n - i, &bPartial) : 0;
    if(m && !(bHold && bPartial)) {
      memcpy(aOut + k, "***", 3);
      k += 3;
      i += m;
      continue;
    }
    if(bHold && bPartial) break; /* a longer secret may still complete */
    aOut[k++] = a[i++];
  }
  *pnUsed = i;
  return k;
}

size_t mask_feed(mask *p, const char *aIn, size_t n, char *aOut, size_t nOut) {
  (void)nOut;
  if(!p->nSecret) {
    memcpy(aOut, aIn, n);
    return n;
  }
  /* the held tail, completed by the new input, then the rest */
  char *aWork = malloc(p->nHeld + n + 1);
  if(!aWork) return 0; /* out of memory: the output is dropped, never shown unmasked */
  memcpy(aWork, p->aHeld, p->nHeld);
  memcpy(aWork + p->nHeld, aIn, n);
  size_t nWork = p->nHeld + n, used;
  size_t k = mask_run(p, aWork, nWork, 1, aOut, &used);
  p->nHeld = nWork - used; /* a proper prefix of a secret: shorter than MASK_SECRET_MAX */
  memcpy(p->aHeld, aWork + used, p->nHeld);
  free(aWork);
  return k;
}

size_t mask_flush(mask *p, char *aOut, size_t nOut) {
  size_t used, k = p->nHeld ? mask_run(p, p->aHeld, p->nHeld, 0, aOut, &used) : 0;
  (void)nOut;
  p->nHeld = 0;
  return k;
}

char *mask_string(const mask *p, const char *z) {
  size_t n = strlen(z), used;
  char *zOut = malloc(n + 1);
  if(!zOut) return NULL;
  size_t k = mask_run(p, z, n, 0, zOut, &used);
  zOut[k] = 0;
  return zOut;
}

void mask_json(const mask *p, json_t *pValue) {
  if(!p->nSecret || !pValue) return;
  if(json_is_object(pValue)) {
    const char *zKey;
    json_t *pV;
    json_object_foreach(pValue, zKey, pV) {
      if(json_is_string(pV)) {
        char *z = mask_string(p, json_string_value(pV));
        if(z) json_object_set_new(pValue, zKey, json_string(z));
        free(z);
      } else mask_json(p, pV);
    }
  } else if(json_is_array(pValue)) {
    size_t i;
    json_t *pV;
    json_array_foreach(pValue, i, pV) {
      if(json_is_string(pV)) {
        char *z = mask_string(p, json_string_value(pV));
        if(z) json_array_set_new(pValue, i, json_string(z));
        free(z);
      } else mask_json(p, pV);
    }
  }
}
