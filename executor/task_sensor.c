/* task_sensor.c: see task_sensor.h. */
#include "executor/task_sensor.h"
#include "common/config.h"
#include "common/timeutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const azSensorKeys[] = {"sensor", "path", "url", "expected_status", "sql", "conn",
                                           "external_dag_id", "external_task_id", "poke_interval",
                                           "timeout", "soft_fail", "mode", NULL};
static const char *const azSensorRequired[] = {"sensor", NULL};
static const char *const azKindName[] = {"file", "http", "sql", "external_task"};

const char *sensor_kind_name(sensor_kind k) { return (unsigned)k < 4 ? azKindName[k] : "?"; }

static const char *opt(json_t *p, const char *zKey) {
  const char *z = json_string_value(json_object_get(p, zKey));
  return z && *z ? z : NULL;
}

#define SPEC_FAIL(KEY, ...) (*pzKey = (KEY), snprintf(zErr, nErr, __VA_ARGS__), -1)

int sensor_spec_parse(json_t *pOpts, sensor_spec *p, const char **pzKey, char *zErr, size_t nErr) {
  memset(p, 0, sizeof(*p));
  const char *z = opt(pOpts, "sensor");
  int k = 0;
  while(k < 4 && (!z || strcmp(z, azKindName[k]))) k++;
  if(k == 4) return SPEC_FAIL("sensor", "sensor must be file, http, sql or external_task, not '%.40s'", z ? z : "");
  p->kind = (sensor_kind)k;
  p->zPath = opt(pOpts, "path");
  p->zUrl = opt(pOpts, "url");
  p->zSql = opt(pOpts, "sql");
  p->zConn = opt(pOpts, "conn");
  p->zExtDag = opt(pOpts, "external_dag_id");
  p->zExtTask = opt(pOpts, "external_task_id");
  static const char *const azNeed[4][2] = {{"path", NULL}, {"url", NULL}, {"sql", "conn"}, {"external_dag_id", NULL}};
  for(int i = 0; i < 2; i++)
    if(azNeed[k][i] && !opt(pOpts, azNeed[k][i]))
      return SPEC_FAIL("sensor", "sensor = %s needs '%s'", azKindName[k], azNeed[k][i]);
  /* a key of another kind is a mistake worth naming */
  static const char *const azOwn[][3] = {{"path", NULL, NULL}, {"url", "expected_status", NULL}, {"sql", "conn", NULL},
                                         {"external_dag_id", "external_task_id", NULL}};
  for(int j = 0; j < 4; j++) {
    if(j == k) continue;
    for(int i = 0; azOwn[j][i]; i++)
      if(json_object_get(pOpts, azOwn[j][i]))
        return SPEC_FAIL(azOwn[j][i], "'%s' is not an option of sensor = %s", azOwn[j][i], azKindName[k]);
  }
  p->expectedStatus = 200;
  if((z = opt(pOpts, "expected_status"))) {
    char *zEnd = NULL;
    long v = strtol(z, &zEnd, 10);
    if(*zEnd || v < 100 || v > 599)
      return SPEC_FAIL("expected_status", "expected_status must be an HTTP status 100..599, not '%.40s'", z);
    p->expectedStatus = (int)v;
  }
  p->pokeInterval = SENSOR_POKE_INTERVAL_DEFAULT;
  p->timeout = SENSOR_TIMEOUT_DEFAULT;
  static const char *const azDur[] = {"poke_interval", "timeout"};
  int64_t *apDur[] = {&p->pokeInterval, &p->timeout};
  for(int i = 0; i < 2; i++) {
    if(!(z = opt(pOpts, azDur[i]))) continue;
    if(airc_duration_parse(z, apDur[i]))
      return SPEC_FAIL(azDur[i], "%s: bad duration '%.40s' (write 30s, 5m, 2h or 1d)", azDur[i], z);
  }
  if(p->pokeInterval < 1) return SPEC_FAIL("poke_interval", "poke_interval must be at least 1s");
  if((z = opt(pOpts, "soft_fail"))) {
    int b = airc_parse_bool(z);
    if(b < 0) return SPEC_FAIL("soft_fail", "soft_fail must be true or false");
    p->bSoftFail = b;
  }
  if((z = opt(pOpts, "mode"))) {
    if(strcmp(z, "poke") && strcmp(z, "reschedule"))
      return SPEC_FAIL("mode", "mode must be poke or reschedule, not '%.40s'", z);
    p->bReschedule = !strcmp(z, "reschedule");
  }
  return 0;
}

/* Options holding a placeholder are read when the task runs (rendered). */
static int has_placeholder(json_t *pOpts) {
  const char *zKey;
  json_t *v;
  json_object_foreach(pOpts, zKey, v) {
    const char *z = json_string_value(v);
    if(z && strstr(z, "{{") && strcmp(zKey, "path") && strcmp(zKey, "url") && strcmp(zKey, "sql")) return 1;
  }
  return 0;
}

static int sensor_check(json_t *pOpts, const char **pzKey, char *zErr, size_t nErr) {
  if(has_placeholder(pOpts)) return 0;
  sensor_spec spec;
  return sensor_spec_parse(pOpts, &spec, pzKey, zErr, nErr);
}

const task_type task_type_sensor = {
    .schema = {.zName = "sensor", .azKeys = azSensorKeys, .azRequired = azSensorRequired, .xCheck = sensor_check},
    .xRun = NULL, /* the scheduler pokes; `airc tasks test` runs providers/sensor/run_sensor.c */
};
