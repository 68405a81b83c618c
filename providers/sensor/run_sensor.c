/* run_sensor.c: the `sensor` type's body in airc-task: pokes until the
 * condition holds or the timeout passes, sleeping poke_interval between
 * pokes. The scheduler does not use it (it pokes sensors itself,
 * scheduler/sched_sensor.c); `airc tasks test DAG SENSOR` and a process
 * that must run a sensor in one piece do. mode is ignored here: a process
 * holds its slot anyway. */
#include "providers/runners.h"
#include "common/config.h"
#include "common/timeutil.h"
#include "executor/sensor_poke.h"
#include "executor/task_secrets.h"
#include "store/store.h"
#include <stdio.h>
#include <time.h>

int runner_sensor(const task_ctx *pCtx) {
  sensor_spec spec;
  const char *zKey = NULL;
  char zErr[400];
  if(sensor_spec_parse(pCtx->pOptions, &spec, &zKey, zErr, sizeof(zErr))) {
    fprintf(stderr, "sensor: %s\n", zErr);
    return TASK_EXIT_FAILED;
  }
  store *s = NULL;
  task_secrets sec = {0};
  airc_err err = {0};
  if(spec.kind == SENSOR_EXTERNAL_TASK || spec.kind == SENSOR_SQL) {
    if(store_open(airc_store_target(), &s, &err)) {
      fprintf(stderr, "sensor: %s\n", airc_err_msg(&err));
      return TASK_EXIT_FAILED;
    }
    if(spec.kind == SENSOR_SQL && task_secrets_load(s, &sec, &err)) {
      fprintf(stderr, "sensor: %s\n", airc_err_msg(&err));
      store_close(s);
      return TASK_EXIT_FAILED;
    }
  }
  sensor_env env = {s, pCtx->logicalDate, spec.zConn ? json_object_get(sec.pConn, spec.zConn) : NULL};
  int64_t start = airc_now();
  int code = TASK_EXIT_FAILED;
  for(int n = 1;; n++) {
    char zWhat[1200];
    int bTrue = sensor_poke(&spec, &env, zWhat, sizeof(zWhat));
    printf("poke %d: %s\n", n, zWhat);
    fflush(stdout);
    if(bTrue) {
      code = TASK_EXIT_SUCCESS;
      break;
    }
    if(airc_now() - start >= spec.timeout) {
      printf("sensor timed out after %llds%s\n", (long long)spec.timeout, spec.bSoftFail ? " (soft_fail: skipped)" : "");
      code = spec.bSoftFail ? TASK_EXIT_SKIPPED : TASK_EXIT_FAILED;
      break;
    }
    struct timespec ts = {(time_t)spec.pokeInterval, 0};
    while(nanosleep(&ts, &ts)) {
    }
  }
  task_secrets_clear(&sec);
  store_close(s);
  return code;
}
