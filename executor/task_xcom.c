/* task_xcom.c: task_xcom_write(), how a task type hands its XCom value to
 * the supervisor: a compact JSON document in pCtx->zXcomOut.
 *
 * The value is written to "<file>.tmp" and renamed over the target, so the
 * supervisor never reads half a value even if the task dies mid-write. Not a
 * store: reading XComs back and keeping them in the database is the
 * supervisor's business. */
#include "executor/task_type.h"
#include "common/fsafe.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int task_xcom_write(const task_ctx *pCtx, json_t *pValue) {
  if(!pCtx || !pCtx->zXcomOut || !pCtx->zXcomOut[0]) {
    fprintf(stderr, "xcom: no XCom output file for this task\n");
    return -1;
  }
  if(!pValue) {
    fprintf(stderr, "xcom: no value to write\n");
    return -1;
  }
  char *zJson = json_dumps(pValue, JSON_COMPACT | JSON_ENCODE_ANY);
  if(!zJson) {
    fprintf(stderr, "xcom: cannot encode value as JSON\n");
    return -1;
  }
  char zTmp[4200];
  int n = snprintf(zTmp, sizeof(zTmp), "%s.tmp", pCtx->zXcomOut);
  if(n < 0 || (size_t)n >= sizeof(zTmp)) {
    fprintf(stderr, "xcom: path too long: %s\n", pCtx->zXcomOut);
    free(zJson);
    return -1;
  }
  int rc = -1;
  int fd = fsafe_create(zTmp); /* fresh, 0600, never through a symlink */
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if(!f && fd >= 0) close(fd);
  if(!f) {
    fprintf(stderr, "xcom: open %s: %s\n", zTmp, strerror(errno));
  } else {
    size_t len = strlen(zJson);
    int okWrite = fwrite(zJson, 1, len, f) == len && fputc('\n', f) != EOF;
    int okClose = fclose(f) == 0;
    if(!okWrite || !okClose) {
      fprintf(stderr, "xcom: write %s: %s\n", zTmp, strerror(errno));
    } else if(rename(zTmp, pCtx->zXcomOut) != 0) {
      fprintf(stderr, "xcom: rename to %s: %s\n", pCtx->zXcomOut, strerror(errno));
    } else {
      rc = 0;
    }
    if(rc != 0) unlink(zTmp);
  }
  free(zJson);
  return rc;
}
