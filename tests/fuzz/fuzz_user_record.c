/* fuzz_user_record.c: libFuzzer target for user_record_from_api().
 *
 * The input bytes are parsed as JSON; if they form an API response (an
 * object with a "results" array) every element is transformed, otherwise
 * the value itself is. Whatever comes in, the transform must either fail
 * with a message or produce a record of exactly the 12 string fields that
 * survives a compact dump and reload; anything else aborts.
 *
 *   clang -g -fsanitize=fuzzer,address,undefined -I. tests/fuzz/fuzz_user_record.c \
 *     providers/fetch_users/user_record.c common/uuid.c common/dynbuf.c -ljansson -lm -o fuzz_user_record
 *   ./fuzz_user_record tests/fuzz/corpus/user_record
 *
 * tests/unit/test_user_record.c #includes this file and replays the corpus,
 * so `make test` runs it without clang. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "providers/fetch_users/user_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData);

static void fuzz_check_one(json_t *pUser) {
  char zErr[256];
  json_t *pRec = NULL;
  airc_rc rc = user_record_from_api(pUser, &pRec, zErr, sizeof(zErr));
  if(rc) {
    if(pRec || !zErr[0] || strchr(zErr, '\n')) abort();
    return;
  }
  if(!pRec || json_object_size(pRec) != 12) abort();
  for(int i = 0; user_record_azKeys[i]; i++) {
    if(!json_is_string(json_object_get(pRec, user_record_azKeys[i]))) abort();
  }
  const char *zId = json_string_value(json_object_get(pRec, "id"));
  if(!uuid_is_valid(zId, strlen(zId))) abort();
  char *zLine = json_dumps(pRec, JSON_COMPACT);
  if(!zLine || strchr(zLine, '\n')) abort();
  json_error_t e;
  json_t *pBack = json_loads(zLine, JSON_ALLOW_NUL, &e);
  if(!pBack || !json_equal(pBack, pRec)) abort();
  json_decref(pBack);
  free(zLine);
  json_decref(pRec);
}

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData) {
  json_error_t e;
  json_t *pRoot = json_loadb((const char *)aData, nData, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
  if(!pRoot) return 0;
  json_t *pResults = json_object_get(pRoot, "results");
  if(json_is_array(pResults)) {
    size_t i;
    json_t *pUser;
    json_array_foreach(pResults, i, pUser) fuzz_check_one(pUser);
  } else {
    fuzz_check_one(pRoot);
  }
  json_decref(pRoot);
  return 0;
}
