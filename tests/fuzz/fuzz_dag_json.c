/* fuzz_dag_json.c: libFuzzer target for the JSON DAG parser (jansson, then
 * dag_build.c): the input is a DAG file named "fuzz.json". See
 * fuzz_dag_common.h for what is checked, and docs/testing.md for how to
 * build and run it (`make fuzz`). Its corpus, tests/fuzz/corpus/dag_json/,
 * is replayed by tests/unit/test_fuzz_replay.c. */
#include "tests/fuzz/fuzz_dag_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData);

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData) {
  fuzz_dag_check("fuzz.json", aData, nData);
  return 0;
}
