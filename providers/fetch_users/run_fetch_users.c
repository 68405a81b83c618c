/* run_fetch_users.c: the body of the fetch-users task, run by airc-task
 * (cli/airc_task_main.c) so that the scheduler itself never
 * links libcurl. The task's spec (keys, checks) is providers/fetch_users/task_fetch_users.c.
 *
 * Fetches users from a randomuser.me-compatible API (providers/fetch_users/fetch_users.c),
 * writes them as JSON Lines to $AIRC_HOME/data/<dag_id>/<run_id>/<task_id>.jsonl
 * and pushes {"path": ..., "records": N, "rejected": M, "duplicates": D} as its XCom. The
 * file appears atomically: records go to "<file>.tmp.<pid>", which is
 * renamed into place only when the fetch succeeded, so a failed try leaves
 * no half file behind. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <curl/curl.h>
#include "common/dynbuf.h"
#include "providers/fetch_users/fetch_users.h"
#include "providers/runners.h"
#include "providers/fetch_users/task_fetch_users.h"

/* 1 if z can be used as one path component. */
static int fetch_task_safe_component(const char *z) {
  return z && *z && strcmp(z, ".") && strcmp(z, "..") && !strchr(z, '/') && strlen(z) < 256;
}

/* mkdir -p of zDir (which it modifies temporarily). */
static airc_rc fetch_task_mkdirs(char *zDir, airc_err *pErr) {
  for(char *p = zDir + 1;; p++) {
    if(*p == '/' || *p == 0) {
      char c = *p;
      *p = 0;
      int bad = mkdir(zDir, 0755) != 0 && errno != EEXIST;
      int e = errno;
      *p = c;
      if(bad) return airc_err_set(pErr, AIRC_ERR_IO, "mkdir %s: %s", zDir, strerror(e));
      if(c == 0) return AIRC_OK;
    }
  }
}

static int fetch_task_fail(const char *zMsg) {
  fprintf(stderr, "fetch-users: %s\n", zMsg);
  return TASK_EXIT_FAILED;
}

static int fetch_task_run(const task_ctx *pCtx) {
  airc_err err = {0};
  fetch_users_opts opts;
  if(fetch_users_opts_resolve(pCtx->pOptions, pCtx->zDagId, pCtx->zRunId, &opts, &err)) {
    return fetch_task_fail(airc_err_msg(&err));
  }
  if(!fetch_task_safe_component(pCtx->zDagId) || !fetch_task_safe_component(pCtx->zRunId) ||
     !fetch_task_safe_component(pCtx->zTaskId)) {
    return fetch_task_fail("dag id, run id or task id cannot be used as a file name");
  }
  if(!pCtx->zAircHome || !*pCtx->zAircHome) return fetch_task_fail("AIRC_HOME is not set");

  char zDir[4096], zPath[4400], zTmp[4500];
  if(snprintf(zDir, sizeof(zDir), "%s/data/%s/%s", pCtx->zAircHome, pCtx->zDagId,
              pCtx->zRunId) >= (int)sizeof(zDir)) {
    return fetch_task_fail("output path is too long");
  }
  snprintf(zPath, sizeof(zPath), "%s/%s.jsonl", zDir, pCtx->zTaskId);
  snprintf(zTmp, sizeof(zTmp), "%s.tmp.%ld", zPath, (long)getpid());
  if(fetch_task_mkdirs(zDir, &err)) return fetch_task_fail(airc_err_msg(&err));

  FILE *pOut = fopen(zTmp, "w");
  if(!pOut) {
    airc_err_set(&err, AIRC_ERR_IO, "open %s: %s", zTmp, strerror(errno));
    return fetch_task_fail(airc_err_msg(&err));
  }
  printf("fetching %lld users, %d per request, from %s (seed %s, first page %lld)\n",
         (long long)opts.nCount, opts.nResults, opts.zUrl, opts.zSeed, (long long)opts.page);
  fflush(stdout);
  fetch_users_stats st;
  airc_rc rc = fetch_users_run(&opts, pOut, stdout, &st, &err);
  if(!rc && (fflush(pOut) != 0 || fsync(fileno(pOut)) != 0)) {
    rc = airc_err_set(&err, AIRC_ERR_IO, "write %s: %s", zTmp, strerror(errno));
  }
  if(fclose(pOut) != 0 && !rc) {
    rc = airc_err_set(&err, AIRC_ERR_IO, "close %s: %s", zTmp, strerror(errno));
  }
  if(!rc && rename(zTmp, zPath) != 0) {
    rc = airc_err_set(&err, AIRC_ERR_IO, "rename %s: %s", zPath, strerror(errno));
  }
  if(rc) {
    unlink(zTmp);
    return fetch_task_fail(airc_err_msg(&err));
  }
  printf("wrote %lld records to %s (%lld rejected, %lld already fetched, %lld requests, %lld "
         "retries)\n", (long long)st.nRecords, zPath, (long long)st.nRejected,
         (long long)st.nDuplicates, (long long)st.nRequests, (long long)st.nRetries);
  fflush(stdout);
  json_t *pXcom = json_pack("{s:s,s:I,s:I,s:I}", "path", zPath, "records",
                            (json_int_t)st.nRecords, "rejected", (json_int_t)st.nRejected,
                            "duplicates", (json_int_t)st.nDuplicates);
  int xrc = pXcom ? task_xcom_write(pCtx, pXcom) : -1;
  json_decref(pXcom);
  return xrc == 0 ? TASK_EXIT_SUCCESS : TASK_EXIT_FAILED;
}

/* The task process may be a fork of the scheduler, so curl is initialised
 * here and not in a constructor. */
int runner_fetch_users(const task_ctx *pCtx) {
  if(curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    return fetch_task_fail("curl_global_init failed");
  }
  int rc = fetch_task_run(pCtx);
  curl_global_cleanup();
  return rc;
}

