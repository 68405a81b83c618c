/* api_logs.c: GET .../taskInstances/{task_id}/logs/{try_number}.
 *
 * Answers the bytes of the try's log from ?offset=N (default 0), at most
 * API_LOG_CHUNK per request (API_LOG_FULL with ?full_content=true), and
 * two headers for live tailing:
 *   X-Airc-Log-Offset: where the next request should start;
 *   X-Airc-Log-Complete: true once the try has finished and every byte was
 *   sent (the client stops polling then).
 * As text/plain, unless the Accept header prefers application/json (as
 * Airflow's client sends it): then Airflow's {"content", "continuation_token"}
 * where the token is base64url of {"log_pos": N, "end_of_log": bool} and
 * ?token= continues from it (it wins over ?offset=). JSON content is valid
 * UTF-8: a multi-byte character cut by the chunk's end is left for the next
 * request, other bad bytes become U+FFFD.
 * A try that is queued has no file yet: an empty, incomplete answer. The
 * file path is built by exec_log_path() from ids, never from the request
 * path directly, and ids cannot contain '/'. */
#include "executor/exec_spawn.h"
#include "store/store_work.h"
#include "webui/api.h"
#include <errno.h>
#include <sodium.h>
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
 * same offset semantics as a file. 1 with the whole log in *pS (caller
 * frees pS->z), 0 when the store has none. */
static int shipped_load(web_req *r, int64_t runPk, const char *zTask, int nTry, shipped *pS) {
  int64_t tiId = 0;
  airc_err err = {0};
  int nChunk = 0;
  if(store_view_ti_get(r->s, runPk, zTask, ti_id_of, &tiId, &err) || !tiId ||
     store_work_log_each(r->s, tiId, nTry, 0, shipped_add, pS, &nChunk, &err) || !nChunk) {
    free(pS->z);
    pS->z = NULL;
    pS->n = 0;
    return 0;
  }
  return 1;
}

#define API_LOG_FULL (16 * 1024 * 1024)

/* 1 when the Accept header names application/json before text/plain (or
 * without it); a missing header or * / * keeps text. */
static int wants_json(web_req *r) {
  const char *z = web_req_header(r, "Accept");
  if(!z) return 0;
  const char *zJson = strstr(z, "application/json"), *zText = strstr(z, "text/plain");
  return zJson && (!zText || zJson < zText);
}

/* ?token= as an offset; 0 after replying 400. */
static int token_offset(web_req *r, const char *zToken, int64_t *pOut) {
  unsigned char aBin[256];
  size_t n = 0;
  json_t *p = NULL;
  if(strlen(zToken) < 340 && sodium_base642bin(aBin, sizeof(aBin) - 1, zToken, strlen(zToken), NULL, &n, NULL,
                                               sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0)
    p = json_loadb((const char *)aBin, n, 0, NULL);
  json_t *pPos = json_object_get(p, "log_pos");
  int bOk = json_is_integer(pPos) && json_integer_value(pPos) >= 0;
  if(bOk) *pOut = json_integer_value(pPos);
  json_decref(p);
  if(!bOk) http_reply_error(r, 400, NULL, "token is not a continuation_token given by this API");
  return bOk;
}

/* Length of the valid UTF-8 sequence at z (n bytes left), 0 if invalid,
 * -1 if cut short by the end. */
static int utf8_seq(const unsigned char *z, size_t n) {
  int len = z[0] < 0x80 ? 1 : (z[0] >> 5) == 6 ? 2 : (z[0] >> 4) == 14 ? 3 : (z[0] >> 3) == 30 ? 4 : 0;
  if(len <= 1) return len;
  for(int i = 1; i < len; i++) {
    if((size_t)i >= n) return -1;
    if((z[i] & 0xC0) != 0x80) return 0;
  }
  return len;
}

/* The JSON reply's content: z[0..n) as valid UTF-8 (bad bytes -> U+FFFD);
 * *pnUsed gets how many input bytes it covers (a cut sequence at the end
 * is not consumed unless bLast). NULL on no memory. */
static json_t *utf8_content(const char *z, size_t n, int bLast, size_t *pnUsed) {
  char *zOut = malloc(n * 3 + 1);
  if(!zOut) return NULL;
  size_t i = 0, o = 0;
  while(i < n) {
    int len = utf8_seq((const unsigned char *)z + i, n - i);
    if(len < 0 && !bLast) break;
    if(len <= 0) {
      memcpy(zOut + o, "\xEF\xBF\xBD", 3);
      o += 3;
      i++;
      continue;
    }
    memcpy(zOut + o, z + i, (size_t)len);
    o += (size_t)len;
    i += (size_t)len;
  }
  *pnUsed = i;
  json_t *p = json_stringn(zOut, o);
  if(!p) p = json_string(""); /* overlong forms or surrogates jansson refuses */
  free(zOut);
  return p;
}

static json_t *log_token(int64_t pos, int bEnd) {
  char zJson[64], zB64[128];
  snprintf(zJson, sizeof(zJson), "{\"log_pos\":%lld,\"end_of_log\":%s}", (long long)pos, bEnd ? "true" : "false");
  sodium_bin2base64(zB64, sizeof(zB64), (const unsigned char *)zJson, strlen(zJson),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return json_string(zB64);
}

typedef struct ti_try_state {
  int tryNumber;
  char zState[32];
} ti_try_state;

static int ti_try_state_row(void *pCtx, const store_view_ti *t) {
  ti_try_state *p = pCtx;
  p->tryNumber = t->tryNumber;
  snprintf(p->zState, sizeof(p->zState), "%s", t->zState ? t->zState : "");
  return 0;
}

int api_logs_get(web_req *r) {
  const char *zDag = r->azParam[0], *zRun = r->azParam[1], *zTask = r->azParam[2];
  airc_err err = {0};
  int64_t nTry = 0, offset = 0;
  if(params_parse_int("try_number", r->azParam[3], 1, 100000, 1, &nTry, &err) ||
     params_parse_int("offset", web_req_arg(r, "offset"), 0, INT64_MAX / 2, 0, &offset, &err))
    return http_reply_err(r, &err);
  int bFull = 0;
  if(params_parse_bool("full_content", web_req_arg(r, "full_content"), 0, &bFull, &err)) return http_reply_err(r, &err);
  int64_t mapIndex = -1; /* ?map_index=K: an instance of a mapped task (as Airflow) */
  if(params_parse_int("map_index", web_req_arg(r, "map_index"), -1, 1000000, -1, &mapIndex, &err))
    return http_reply_err(r, &err);
  const char *zToken = web_req_arg(r, "token");
  if(zToken && *zToken && !token_offset(r, zToken, &offset)) return r->mhdResult;
  int bJson = wants_json(r);
  int64_t pk = api_run_pk(r, zDag, zRun);
  if(!pk) return r->mhdResult;
  int curTry = 0;
  char zState[32];
  airc_rc rc;
  if(mapIndex >= 0) {
    ti_try_state ts = {0, ""};
    rc = store_view_ti_get_at(r->s, pk, zTask, (int)mapIndex, ti_try_state_row, &ts, &err);
    curTry = ts.tryNumber;
    snprintf(zState, sizeof(zState), "%s", ts.zState);
    if(rc == AIRC_ERR_NOTFOUND)
      return http_reply_error(r, 404, NULL, "run '%s' of DAG '%s' has no instance %lld of task '%s'", zRun, zDag,
                              (long long)mapIndex, zTask);
  } else {
    rc = store_view_ti_try_state(r->s, pk, zTask, &curTry, zState, sizeof(zState), &err);
  }
  if(rc == AIRC_ERR_NOTFOUND) return http_reply_error(r, 404, NULL, "run '%s' of DAG '%s' has no task '%s'", zRun, zDag, zTask);
  if(rc) return http_reply_err(r, &err);
  if(nTry > curTry)
    return http_reply_error(r, 404, NULL, "task '%s' has no try %lld (latest is %d)", zTask, (long long)nTry, curTry);
  /* the try is over when a later one exists or the instance left running/queued */
  int bTryDone = nTry < curTry || (strcmp(zState, "running") && strcmp(zState, "queued"));
  char zPath[4400];
  exec_log_path_mapped(zDag, zRun, zTask, (int)mapIndex, (int)nTry, zPath, sizeof(zPath));
  int fd = open(zPath, O_RDONLY | O_CLOEXEC);
  int eOpen = fd < 0 ? errno : 0;
  shipped S = {NULL, 0, 0};
  int bShipped = fd < 0 && eOpen == ENOENT && mapIndex < 0 && shipped_load(r, pk, zTask, (int)nTry, &S);
  if(fd < 0 && eOpen != ENOENT) return http_reply_error(r, 500, NULL, "cannot open the log: %s", strerror(eOpen));
  struct stat sb;
  int64_t size = 0;
  if(bShipped) size = (int64_t)S.n;
  else if(fd >= 0 && fstat(fd, &sb) == 0) size = sb.st_size;
  if(offset > size) offset = size;
  int64_t nCap = bFull ? API_LOG_FULL : API_LOG_CHUNK;
  size_t n = (size_t)(size - offset < nCap ? size - offset : nCap);
  char *zBuf = malloc(n + 1);
  ssize_t nRead = 0;
  if(zBuf && n && bShipped) {
    memcpy(zBuf, S.z + offset, n);
    nRead = (ssize_t)n;
  } else if(zBuf && n && fd >= 0) {
    nRead = pread(fd, zBuf, n, offset);
  }
  free(S.z);
  if(fd >= 0) close(fd);
  if(!zBuf || nRead < 0) {
    free(zBuf);
    return http_reply_error(r, 500, NULL, "cannot read the log");
  }
  int64_t next = offset + nRead;
  json_t *pContent = NULL;
  if(bJson) {
    size_t nUsed = 0;
    pContent = utf8_content(zBuf, (size_t)nRead, bTryDone && next >= size, &nUsed);
    free(zBuf);
    if(!pContent) return http_reply_error(r, 500, NULL, "no memory for the log");
    next = offset + (int64_t)nUsed;
  }
  int bComplete = bTryDone && next >= size;
  char zNext[32];
  snprintf(zNext, sizeof(zNext), "%lld", (long long)next);
  http_header aH[] = {{"X-Airc-Log-Offset", zNext}, {"X-Airc-Log-Complete", bComplete ? "true" : "false"}, {NULL, NULL}};
  if(bJson) {
    json_t *pDoc = json_pack("{s:o,s:o}", "content", pContent, "continuation_token", log_token(next, bComplete));
    return http_reply_json_h(r, 200, pDoc, aH);
  }
  return http_reply_body(r, 200, "text/plain; charset=utf-8", zBuf, (size_t)nRead, aH);
}
