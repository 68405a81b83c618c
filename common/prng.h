/* prng.h: a small, seedable pseudo-random generator (xoshiro256**, seeded
 * through splitmix64), plus FNV-1a for turning strings into seeds.
 *
 * Why written by hand rather than rand()/random(): those keep global state
 * (two requests served at once would disturb each other) and their sequence
 * differs between C libraries, while the randomuser test server promises
 * "same seed, same users" on every machine. Each caller owns its prng value;
 * there is no shared state. Not for anything secret (see uuid.h for
 * getrandom-backed values). */
#ifndef AIRC_PRNG_H
#define AIRC_PRNG_H
#include <stddef.h>
#include <stdint.h>

typedef struct prng {
  uint64_t s[4];
} prng;

/* One splitmix64 step: advances *pState and returns a well-mixed value.
 * Also a good 64-bit hash of *pState's old value. */
uint64_t prng_splitmix64(uint64_t *pState);
/* Seeds p from a 64-bit value (any value, including 0, is fine). */
void prng_seed(prng *p, uint64_t seed);
uint64_t prng_next(prng *p);
/* Uniform in [0, n); n == 0 returns 0. Lemire-style rejection, no modulo bias. */
uint64_t prng_below(prng *p, uint64_t n);
/* Uniform in [lo, hi] (inclusive); lo <= hi. */
int64_t prng_range(prng *p, int64_t lo, int64_t hi);
/* 64-bit FNV-1a of n bytes, continuing from h (start with PRNG_FNV_INIT). */
#define PRNG_FNV_INIT 0xcbf29ce484222325ULL
uint64_t prng_fnv1a(uint64_t h, const void *pData, size_t n);

#endif
