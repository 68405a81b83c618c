/* fuzz_kafka_record.c: libFuzzer target for publish-kafka's per-line check
 * (providers/kafka/kafka_record.c), differential against jansson.
 *
 * The input is one line. kafka_record_check() must accept it exactly when
 * jansson's json_loadb() (what the check used before) parses it into an
 * object with a non-empty string "id" that fits, and then copy the same id;
 * a refusal must come with a one-line message. Inputs that jansson refuses
 * only for a number out of int64/double range are left out (the scanner
 * accepts them on purpose, see kafka_record.h). A line with a raw NUL byte
 * must be refused as not JSON (jansson accepts some, such as "[7\0]": it
 * takes a NUL after a number or literal for the end of the input). Anything
 * else aborts.
 *
 *   make build-fuzz/fuzz_kafka_record && build-fuzz/fuzz_kafka_record tests/fuzz/corpus/kafka_record
 *
 * tests/unit/test_kafka_record.c #includes this file (FUZZ_NO_ENTRY), replays
 * the corpus and runs seeded mutations through it without clang. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "providers/kafka/kafka_record.h"

#define FUZZ_KAFKA_RECORD_ID_MAX 48

/* The check as written with jansson. 0 ok, 1 not JSON, 2 invalid record;
 * *pbRange when jansson's only complaint is a number out of range. */
static int fuzz_kafka_record_ref(const char *z, size_t n, char *zId, size_t nId, int *pbRange) {
  json_error_t jerr;
  *pbRange = 0;
  json_t *p = json_loadb(z, n, 0, &jerr);
  if(!p) {
    *pbRange = strstr(jerr.text, "too big") || strstr(jerr.text, "overflow");
    return 1;
  }
  int r = 0;
  const char *zV = json_is_object(p) ? json_string_value(json_object_get(p, "id")) : NULL;
  if(!json_is_object(p) || !zV || !*zV || strlen(zV) >= nId) r = 2;
  else memcpy(zId, zV, strlen(zV) + 1);
  json_decref(p);
  return r;
}

/* Runs both checks. Returns 0 when they agree (or the input is left out),
 * else 1 with the two verdicts in *pWant (jansson) and *pGot (scanner). */
static int fuzz_kafka_record_differs(const uint8_t *aData, size_t nData, int *pWant, int *pGot,
                                     airc_err *pErr) {
  char zId1[FUZZ_KAFKA_RECORD_ID_MAX], zId2[FUZZ_KAFKA_RECORD_ID_MAX];
  int bRange;
  int want = fuzz_kafka_record_ref((const char *)aData, nData, zId1, sizeof(zId1), &bRange);
  memset(pErr, 0, sizeof(*pErr));
  airc_rc rc = kafka_record_check((const char *)aData, nData, zId2, sizeof(zId2), pErr);
  int got = rc == AIRC_OK ? 0 : rc == AIRC_ERR_PARSE ? 1 : 2;
  int bNul = memchr(aData, 0, nData) != NULL;
  if(bNul) want = 1;
  *pWant = want;
  *pGot = got;
  if(bRange && !bNul) return 0;
  if(got != want) return 1;
  if(got == 0 && strcmp(zId1, zId2)) return 1;
  if(got != 0 && (!pErr->zMsg[0] || strchr(pErr->zMsg, '\n'))) return 1;
  return 0;
}

#ifndef FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData);
int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData) {
  int want, got;
  airc_err e;
  if(fuzz_kafka_record_differs(aData, nData, &want, &got, &e)) abort();
  return 0;
}
#endif
