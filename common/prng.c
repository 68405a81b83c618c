/* prng.c: see prng.h. xoshiro256** and splitmix64 are by Blackman and Vigna
 * (public domain, https://prng.di.unimi.it/); FNV-1a by Fowler, Noll, Vo. */
#include "common/prng.h"

uint64_t prng_splitmix64(uint64_t *pState) {
  uint64_t z = (*pState += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void prng_seed(prng *p, uint64_t seed) {
  /* splitmix64 never yields four zero words, the one state xoshiro forbids */
  for(int i = 0; i < 4; i++) p->s[i] = prng_splitmix64(&seed);
}

static uint64_t prng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t prng_next(prng *p) {
  uint64_t *s = p->s;
  uint64_t result = prng_rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = prng_rotl(s[3], 45);
  return result;
}

uint64_t prng_below(prng *p, uint64_t n) {
  if(n == 0) return 0;
  /* reject the low values that would make x % n biased */
  uint64_t threshold = (0 - n) % n;
  for(;;) {
    uint64_t x = prng_next(p);
    if(x >= threshold) return x % n;
  }
}

int64_t prng_range(prng *p, int64_t lo, int64_t hi) {
  if(hi <= lo) return lo;
  uint64_t span = (uint64_t)hi - (uint64_t)lo + 1;
  if(span == 0) return (int64_t)prng_next(p); /* full 64-bit range */
  return (int64_t)((uint64_t)lo + prng_below(p, span));
}

uint64_t prng_fnv1a(uint64_t h, const void *pData, size_t n) {
  const unsigned char *a = pData;
  for(size_t i = 0; i < n; i++) {
    h ^= a[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}
