/* backoff.h: capped exponential backoff with jitter, and "once per
 * episode" reporting, for retrying transient errors (a busy store).
 *
 * An episode starts with the first failure after a success and ends with
 * the next success. airc_backoff_fail() reports whether it started one (the
 * caller logs "store busy, retrying" then, and only then) and returns the
 * delay before the next attempt: min, 2*min, 4*min ... capped at max, each
 * with up to 25% jitter taken off so that several processes that failed
 * together do not retry in lockstep. airc_backoff_ok() ends the episode and
 * says how long it lasted (the caller logs "available again after N s").
 * Pure: times are passed in (microseconds, any monotonic clock), so the
 * policy is unit-tested without sleeping. Not thread-safe: one per user. */
#ifndef AIRC_BACKOFF_H
#define AIRC_BACKOFF_H
#include <stdint.h>
#include "common/prng.h"

typedef struct airc_backoff {
  int64_t minUs, maxUs;  /* first and largest delay */
  int64_t nextUs;        /* the delay the next failure returns (before jitter) */
  int64_t startUs;       /* when the current episode began; 0: none */
  unsigned nFail;        /* failures in the current episode */
  prng rng;
} airc_backoff;

/* minUs >= 1, maxUs >= minUs; seed varies the jitter (a pid will do). */
void airc_backoff_init(airc_backoff *b, int64_t minUs, int64_t maxUs, uint64_t seed);
/* Records a failure at nowUs. *pbNewEpisode (may be NULL): 1 if this
 * failure began an episode. Returns the delay before the next attempt. */
int64_t airc_backoff_fail(airc_backoff *b, int64_t nowUs, int *pbNewEpisode /* OUT */);
/* Records a success at nowUs. Returns the length of the episode it ended
 * (>= 0, in microseconds), or -1 if there was none. *pnFail (may be NULL):
 * the failures in it. */
int64_t airc_backoff_ok(airc_backoff *b, int64_t nowUs, unsigned *pnFail /* OUT */);
/* 1 while an episode is open. */
int airc_backoff_in_episode(const airc_backoff *b);
/* Monotonic clock in microseconds, for the nowUs arguments. */
int64_t airc_backoff_clock_us(void);

#endif
