/* api_logs.c: GET .../taskInstances/{task_id}/logs/{try_number}.
 *
 * Answers text/plain with the bytes of the try's log from ?offset=N (default
 * 0), at most API_LOG_CHUNK per request, and two headers for live tailing:
 *   X-Airc-Log-Offset: where the next request should start;
 *   X-Airc-Log-Complete: true once the try has finished and every byte was
 *   sent (the client stops polling then).
 * A try that is queued has no file yet: an empty, incomplete answer.
 * Airflow's ?full_content= and ?token= are accepted and ignored. The file
 * path is built by exec_log_path() from ids, never from the request path
 * directly, and ids cannot contain '/'. */
#include "executor/exec_spawn.h"
#include "store/store_work.h"
#include "webui/api.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define API_LOG_CHUNK (1024 * 1024)
#define API_SHIPPED_LOG_MAX (64 * 1024 * 1024) /* above [logging] max_log_bytes' default */

typedef struct shipped {
  char *z;
  size_t n;
  int bOver;
} shipped;

static int shipped_add(void *pCtx, const char *z, size_t n) {
  shipped *p = pCtx;
  if(p->n + n > API_SHIPPED_LOG_MAX) {
    p->bOver = 1;
    return 1;
  }
  char *zNew = realloc(p->z, p->n + n + 1);
  if(!zNew) {
    p->bOver = 1;
    return 1;
  }
  memcpy(zNew + p->n, z, n);
  p->z = zNew;
  p->n += n;
  return 0;
}

static int ti_id_of(void *pCtx, const store_view_ti *pTi) {
  *(int64_t *)pCtx = pTi->id;
  return 1;
}

/* A try that ran on another host (distributed executor): its log is the
 * chunks its worker shipped to the store (docs/scaling.md), served with the
 * same offset semantics as a file. Returns -1 when the store has none. */
static int logs_from_store(web_req *r, int64_t runPk, const char *zTask, int nTry, int64_t offset, int bTryDone) {
  int64_t tiId = 0;
  airc_err err = {0};
  int nChunk = 0;
  shipped S = {NULL, 0, 0};
  if(store_view_ti_get(r->s, runPk, zTask, ti_id_of, &tiId, &err) || !tiId ||
     store_work_log_each(r->s, tiId, nTry, 0, shipped_add, &S, &nChunk, &err) || !nChunk) {
    free(S.z);
    return -1;
  }
  int64_t size = (int64_t)S.n;
  if(offset > size) offset = size;
  size_t n = (size_t)(size - offset < API_LOG_CHUNK ? size - offset : API_LOG_CHUNK);
  int64_t next = offset + (int64_t)n;
  char zNext[32];
  snprintf(zNext, sizeof(zNext), "%lld", (long long)next);
  http_header aH[] = {{"X-Airc-Log-Offset", zNext},
                      {"X-Airc-Log-Complete", bTryDone && next >= size ? "true" : "false"},
                      {NULL, NULL}};
  if(S.z && offset) memmove(S.z, S.z + offset, n);
  return http_reply_body(r, 200, "text/plain; charset=utf-8", S.z, n, aH); /* takes S.z */
}

int api_logs_get(web_req *r) {
  const char *zDag = r->azParam[0], *zRun = r->azParam[1], *zTask = r->azParam[2];
  airc_err err = {0};
  int64_t nTry = 0, offset = 0;
  if(params_parse_int("try_number", r->azParam[3], 1, 100000, 1, &nTry, &err) ||
     params_parse_int("offset", web_req_arg(r, "offset"), 0, INT64_MAX / 2, 0, &offset, &err))
    return http_reply_err(r, &err);
  int64_t pk = api_run_pk(r, zDag, zRun);
  if(!pk) return r->mhdResult;
  int curTry = 0;
  char zState[32];
  airc_rc rc = store_view_ti_try_state(r->s, pk, zTask, &curTry, zState, sizeof(zState), &err);
  if(rc == AIRC_ERR_NOTFOUND) return http_reply_error(r, 404, NULL, "run '%s' of DAG '%s' has no task '%s'", zRun, zDag, zTask);
  if(rc) return http_reply_err(r, &err);
  if(nTry > curTry)
    return http_reply_error(r, 404, NULL, "task '%s' has no try %lld (latest is %d)", zTask, (long long)nTry, curTry);
  /* the try is over when a later one exists or the instance left running/queued */
  int bTryDone = nTry < curTry || (strcmp(zState, "running") && strcmp(zState, "queued"));
  char zPath[4400];
  exec_log_path(zDag, zRun, zTask, (int)nTry, zPath, sizeof(zPath));
  int fd = open(zPath, O_RDONLY | O_CLOEXEC);
  int eOpen = fd < 0 ? errno : 0;
  if(fd < 0 && eOpen == ENOENT) {
    int ret = logs_from_store(r, pk, zTask, (int)nTry, offset, bTryDone);
    if(ret != -1) return ret;
  }
  if(fd < 0 && eOpen != ENOENT) return http_reply_error(r, 500, NULL, "cannot open the log: %s", strerror(eOpen));
  struct stat sb;
  int64_t size = 0;
  if(fd >= 0 && fstat(fd, &sb) == 0) size = sb.st_size;
  if(offset > size) offset = size;
  size_t n = (size_t)(size - offset < API_LOG_CHUNK ? size - offset : API_LOG_CHUNK);
  char *zBuf = malloc(n + 1);
  ssize_t nRead = 0;
  if(zBuf && n && fd >= 0) nRead = pread(fd, zBuf, n, offset);
  if(fd >= 0) close(fd);
  if(!zBuf || nRead < 0) {
    free(zBuf);
    return http_reply_error(r, 500, NULL, "cannot read the log");
  }
  int64_t next = offset + nRead;
  int bComplete = bTryDone && next >= size;
  char zNext[32];
  snprintf(zNext, sizeof(zNext), "%lld", (long long)next);
  http_header aH[] = {{"X-Airc-Log-Offset", zNext}, {"X-Airc-Log-Complete", bComplete ? "true" : "false"}, {NULL, NULL}};
  return http_reply_body(r, 200, "text/plain; charset=utf-8", zBuf, (size_t)nRead, aH);
}
