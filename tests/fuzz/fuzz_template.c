/* fuzz_template.c: libFuzzer target for task-field templating, through the
 * public template_render() only (scheduler/template.h).
 *
 * The input, cut at its first NUL and at 16 KiB, is rendered with a fixed
 * context: ids, dates, params {"n": 5, "s": "a b", "q": "it's"}, conf
 * {"k": [1, 2], "deep": {"x": {"y": null}}} and XCom {"t": {"a": {"b": 1}},
 * "u": "text"}. A failure must come with a one-line message; a success must
 * leave a NUL-terminated output within the cap, and an input without "{{"
 * renders exactly as itself. Anything else aborts.
 *
 *   make build-fuzz/fuzz_template && build-fuzz/fuzz_template tests/fuzz/corpus/template
 *
 * tests/unit/test_fuzz_replay.c #includes this file (FUZZ_NO_ENTRY) and
 * replays the corpus through fuzz_template_check without clang. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "common/dynbuf.h"
#include "dag/template.h"

#define FUZZ_TEMPLATE_MAX (16 * 1024)
#define FUZZ_TEMPLATE_OUT_MAX (1024 * 1024)

static void fuzz_template_check(const uint8_t *aData, size_t nData) {
  static json_t *pParams, *pConf, *pXcom;
  if(!pParams) {
    json_error_t e;
    pParams = json_loads("{\"n\": 5, \"s\": \"a b\", \"q\": \"it's\"}", 0, &e);
    pConf = json_loads("{\"k\": [1, 2], \"deep\": {\"x\": {\"y\": null}}}", 0, &e);
    pXcom = json_loads("{\"t\": {\"a\": {\"b\": 1}}, \"u\": \"text\"}", 0, &e);
    if(!pParams || !pConf || !pXcom) abort();
  }
  template_ctx ctx = {.zDagId = "fuzz_dag", .zRunId = "manual__2024-01-02T03:04:05+00:00",
                      .zTaskId = "task_1", .tryNumber = 2, .logicalDate = 1704164645,
                      .dataIntervalStart = 1704078245, .dataIntervalEnd = 1704164645,
                      .pParams = pParams, .pConf = pConf, .pXcom = pXcom};
  char *z = malloc(FUZZ_TEMPLATE_MAX + 1);
  if(!z) abort();
  size_t n = nData < FUZZ_TEMPLATE_MAX ? nData : FUZZ_TEMPLATE_MAX;
  memcpy(z, aData, n);
  z[n] = 0;
  dynbuf out;
  dynbuf_init(&out, FUZZ_TEMPLATE_OUT_MAX);
  airc_err err = {0};
  airc_rc rc = template_render(&ctx, z, &out, &err);
  if(rc) {
    if(!err.zMsg[0] || strchr(err.zMsg, '\n')) abort();
  } else {
    if(out.n > FUZZ_TEMPLATE_OUT_MAX || (out.n && strlen(dynbuf_str(&out)) > out.n)) abort();
    if(!strstr(z, "{{") && (out.n != strlen(z) || memcmp(dynbuf_str(&out), z, out.n))) abort();
  }
  dynbuf_free(&out);
  free(z);
}

#ifndef FUZZ_NO_ENTRY
int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData);
int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData) {
  fuzz_template_check(aData, nData);
  return 0;
}
#endif
