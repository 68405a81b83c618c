/* keyset.h: a set of fixed-size 16-byte keys (UUIDs, 128-bit hashes) with a
 * hard cap on the number of keys, set at init.
 *
 * Open addressing, linear probing, the table doubling at 3/4 load and never
 * beyond what nMax keys need (about 21 to 43 bytes per key), so the memory a
 * caller can be made to use is bounded by the cap it chose. Not for
 * deleting keys, not thread-safe. Used by fetch-users to write each user
 * once per run. */
#ifndef AIRC_KEYSET_H
#define AIRC_KEYSET_H
#include <stddef.h>
#include <stdint.h>
#include "common/rc.h"

#define KEYSET_KEY_LEN 16

typedef struct keyset {
  uint8_t (*aSlot)[KEYSET_KEY_LEN]; /* nSlot keys; all-zero = empty */
  size_t nSlot;                     /* power of two, or 0 before the first add */
  size_t nKey;                      /* keys held (the all-zero key excluded) */
  size_t nMax;                      /* cap on keys */
  int bZero;                        /* the all-zero key is held */
} keyset;

/* An empty set that will hold at most nMax keys (no allocation yet). */
void keyset_init(keyset *p, size_t nMax);
/* Adds aKey; *pbNew is 1 if it was not there, 0 if it was. AIRC_ERR_TOOBIG
 * if it is new and the set already holds nMax keys, AIRC_ERR_NOMEM if the
 * table cannot grow; the set is unchanged on error. */
AIRC_WUR airc_rc keyset_add(keyset *p, const uint8_t aKey[KEYSET_KEY_LEN], int *pbNew /* OUT */);
/* Frees the table; the set is empty (and usable) afterwards. */
void keyset_free(keyset *p);

#endif
