/* fuzz_cron.c: libFuzzer target for schedules (scheduler/cron.c).
 *
 * The input, cut at its first NUL and at 4 KiB, is parsed with cron_parse.
 * A failure must come with a one-line message naming the problem. A parsed
 * cron expression must keep its promises at a few fixed instants and one
 * taken from the input: cron_next(t) is -1 or a whole minute after t that
 * cron_matches, with no matching minute in between (checked over the first
 * two hours); cron_prev(t) likewise before t. Anything else aborts.
 *
 *   make build-fuzz/fuzz_cron && build-fuzz/fuzz_cron tests/fuzz/corpus/cron
 *
 * tests/unit/test_fuzz_replay.c #includes this file (FUZZ_NO_ENTRY) and
 * replays the corpus through fuzz_cron_check without clang. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "dag/cron.h"

#define FUZZ_CRON_MAX 4096

static void fuzz_cron_instant(const cron_expr *p, int64_t t) {
  int64_t next = cron_next(p, t);
  if(next != -1) {
    if(next <= t || next % 60 != 0 || !cron_matches(p, next)) abort();
    for(int64_t m = t - (t % 60 + 60) % 60 + 60; m < next && m < t + 7200; m += 60) {
      if(cron_matches(p, m)) abort(); /* a tick was skipped */
    }
  }
  int64_t prev = cron_prev(p, t);
  if(prev != -1) {
    if(prev >= t || prev % 60 != 0 || !cron_matches(p, prev)) abort();
  }
  if(p->kind != SCHEDULE_CRON && (next != -1 || prev != -1 || cron_matches(p, t))) abort();
}

static void fuzz_cron_check(const uint8_t *aData, size_t nData) {
  char z[FUZZ_CRON_MAX + 1];
  size_t n = nData < FUZZ_CRON_MAX ? nData : FUZZ_CRON_MAX;
  memcpy(z, aData, n);
  z[n] = 0;
  cron_expr e;
  char zErr[256] = "";
  if(cron_parse(z, &e, zErr, sizeof(zErr))) {
    if(!zErr[0] || strchr(zErr, '\n')) abort();
    return;
  }
  /* epoch, 2000-02-29 12:34, 2023-11-14, 2100-01-01, and one from the input */
  static const int64_t aT[] = {0, 951827640, 1700000000, 4102444800};
  for(size_t i = 0; i < sizeof(aT) / sizeof(aT[0]); i++) fuzz_cron_instant(&e, aT[i]);
  uint64_t h = 1469598103934665603ULL;
  for(size_t i = 0; i < nData; i++) h = (h ^ aData[i]) * 1099511628211ULL;
  fuzz_cron_instant(&e, (int64_t)(h % 8000000000ULL)); /* 1970..2223 */
}

#ifndef FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData);
int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData) {
  fuzz_cron_check(aData, nData);
  return 0;
}
#endif
