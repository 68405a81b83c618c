/* task_runner.c: hands a task try to `airc-task`, the binary that links
 * the heavy client libraries (libcurl, librdkafka).
 *
 * Why a second binary: the scheduler forks a supervisor and a task process
 * per try without exec; if the scheduler linked every client library, each
 * of them would sit in its memory (and its idle RSS) for nothing. Shell
 * tasks exec /bin/sh anyway; pipeline tasks exec airc-task instead. The
 * task's context travels as a JSON file (written here, deleted by
 * airc-task once read) because it may exceed what argv or the environment
 * can carry. */
#include "executor/task_type.h"
#include "common/config.h"
#include "common/fsafe.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static json_t *opt_obj(json_t *p) { return p ? json_incref(p) : json_object(); }

int task_run_in_runner(const task_ctx *c, const char *zType) {
  json_t *pCtx = json_pack("{ss ss ss si sI sI sI so so so so ss* ss*}", "dag_id", c->zDagId, "run_id", c->zRunId,
                           "task_id", c->zTaskId, "try_number", c->tryNumber, "logical_date",
                           (json_int_t)c->logicalDate, "data_interval_start", (json_int_t)c->dataIntervalStart,
                           "data_interval_end", (json_int_t)c->dataIntervalEnd, "options", opt_obj(c->pOptions),
                           "params", opt_obj(c->pParams), "conf", opt_obj(c->pConf), "upstream_xcom",
                           opt_obj(c->pUpstreamXcom), "xcom_out", c->zXcomOut, "airc_home", c->zAircHome);
  if(!pCtx) {
    fprintf(stderr, "[airc] cannot serialise the task context\n");
    return TASK_EXIT_FAILED;
  }
  char zFile[4200];
  snprintf(zFile, sizeof(zFile), "%s/ctx-%d.json", airc_path_run(), (int)getpid());
  char *zCtx = json_dumps(pCtx, JSON_COMPACT);
  json_decref(pCtx);
  airc_err err = {0};
  if(!zCtx || fsafe_write_atomic(zFile, zCtx, strlen(zCtx), &err)) {
    fprintf(stderr, "[airc] cannot write %s: %s\n", zFile, zCtx ? airc_err_msg(&err) : "out of memory");
    free(zCtx);
    return TASK_EXIT_FAILED;
  }
  free(zCtx);
  char zRunner[PATH_MAX + 16];
  const char *zConf = airc_config_get("core", "task_runner", NULL);
  if(zConf && *zConf) {
    snprintf(zRunner, sizeof(zRunner), "%s", zConf);
  } else {
    char zSelf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", zSelf, sizeof(zSelf) - 1);
    if(n <= 0) {
      fprintf(stderr, "[airc] cannot find my own binary: %s\n", strerror(errno));
      return TASK_EXIT_FAILED;
    }
    zSelf[n] = 0;
    char *zSlash = strrchr(zSelf, '/');
    if(zSlash) *zSlash = 0;
    snprintf(zRunner, sizeof(zRunner), "%s/airc-task", zSelf);
  }
  char *azArgv[] = {"airc-task", (char *)zType, zFile, NULL};
  int rc = task_exec_or_report(zRunner, azArgv);
  unlink(zFile);
  return rc;
}
