/* fuzz_dag_common.h: the check shared by the DAG parser fuzz targets
 * (fuzz_dag_ini.c, fuzz_dag_json.c) and the corpus replay
 * (tests/unit/test_fuzz_replay.c).
 *
 * Whatever the bytes, dag_parse_buffer must either fail with a one-line
 * message (and no DAG), or give a DAG whose canonical JSON rebuilds, through
 * dag_from_json_text, into a DAG with the same hash and the same text.
 * Anything else aborts, which libFuzzer reports as a crash. */
#ifndef AIRC_FUZZ_DAG_COMMON_H
#define AIRC_FUZZ_DAG_COMMON_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "dag/dag.h"
#include "executor/task_type.h"

static inline void fuzz_dag_check(const char *zName, const uint8_t *aData, size_t nData) {
  dag *d = NULL;
  airc_err e = {0};
  airc_rc rc = dag_parse_buffer(zName, (const char *)aData, nData, task_type_schemas(), &d, &e);
  if(rc) {
    if(d || e.rc == AIRC_OK || !e.zMsg[0] || strchr(e.zMsg, '\n')) abort();
    return;
  }
  if(!d || strlen(d->zHash) != 64) abort();
  json_t *pDoc = dag_to_json(d);
  char *z = json_dumps(pDoc, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(pDoc);
  if(!z) abort();
  dag *d2 = NULL;
  airc_err e2 = {0};
  if(dag_from_json_text(z, task_type_schemas(), &d2, &e2)) abort();
  if(strcmp(d2->zHash, d->zHash)) abort();
  json_t *pDoc2 = dag_to_json(d2);
  char *z2 = json_dumps(pDoc2, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(pDoc2);
  if(!z2 || strcmp(z, z2)) abort();
  free(z2);
  free(z);
  dag_free(d2);
  dag_free(d);
}

#endif
