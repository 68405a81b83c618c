/* sched_pkmap.h: a map from a positive 64-bit key (a run's or task
 * instance's pk) to an int, for the scheduler's per-run indexes (the run
 * cache, the dirty set, the runs waiting for a slot) so that finding a run
 * costs the same with 10,000 active runs as with 10.
 *
 * Open addressing with linear probing, key 0 = empty slot, deletion by
 * backward shift (no tombstones); the table doubles at 1/2 load. Not
 * thread-safe. Allocation failure aborts (as the scheduler's other arrays
 * would crash): it is bounded by the number of active runs. */
#ifndef AIRC_SCHED_PKMAP_H
#define AIRC_SCHED_PKMAP_H
#include <stdint.h>

typedef struct sched_pkmap {
  int64_t *aKey;  /* nSlot keys, 0 = empty */
  int *aVal;
  uint32_t nSlot; /* power of two, or 0 before the first put */
  uint32_t n;     /* keys held */
} sched_pkmap;

/* The value of key (> 0), or -1 if absent. */
int sched_pkmap_get(const sched_pkmap *p, int64_t key);
/* Sets key (> 0) to val, adding it if absent. */
void sched_pkmap_put(sched_pkmap *p, int64_t key, int val);
/* Removes key; absent is not an error. */
void sched_pkmap_del(sched_pkmap *p, int64_t key);
/* Removes every key, keeping the table. */
void sched_pkmap_clear(sched_pkmap *p);
/* Frees the table; the map is empty (and usable) afterwards. */
void sched_pkmap_free(sched_pkmap *p);

#endif
