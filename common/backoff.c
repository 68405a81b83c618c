/* backoff.c: see backoff.h. */
#include "common/backoff.h"
#include <time.h>

void airc_backoff_init(airc_backoff *b, int64_t minUs, int64_t maxUs, uint64_t seed) {
  b->minUs = minUs < 1 ? 1 : minUs;
  b->maxUs = maxUs < b->minUs ? b->minUs : maxUs;
  b->nextUs = b->minUs;
  b->startUs = 0;
  b->nFail = 0;
  prng_seed(&b->rng, seed);
}

int64_t airc_backoff_fail(airc_backoff *b, int64_t nowUs, int *pbNewEpisode) {
  int bNew = b->startUs == 0;
  if(bNew) {
    b->startUs = nowUs > 0 ? nowUs : 1;
    b->nextUs = b->minUs;
    b->nFail = 0;
  }
  b->nFail++;
  if(pbNewEpisode) *pbNewEpisode = bNew;
  int64_t d = b->nextUs;
  b->nextUs = d > b->maxUs / 2 ? b->maxUs : d * 2;
  /* jitter: take up to a quarter off, never below the minimum */
  int64_t j = (int64_t)prng_below(&b->rng, (uint64_t)(d / 4 + 1));
  d -= j;
  return d < b->minUs ? b->minUs : d;
}

int64_t airc_backoff_ok(airc_backoff *b, int64_t nowUs, unsigned *pnFail) {
  if(pnFail) *pnFail = b->nFail;
  if(!b->startUs) return -1;
  int64_t n = nowUs - b->startUs;
  b->startUs = 0;
  b->nFail = 0;
  b->nextUs = b->minUs;
  return n < 0 ? 0 : n;
}

int airc_backoff_in_episode(const airc_backoff *b) { return b->startUs != 0; }

int64_t airc_backoff_clock_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
