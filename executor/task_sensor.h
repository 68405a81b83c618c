/* task_sensor.h: the `sensor` task type: waits for a condition (a file, an
 * HTTP answer, an SQL query, another DAG's task) and succeeds when it holds
 * (docs/authoring.md, "Sensors").
 *
 * The scheduler pokes sensors itself (scheduler/sched_sensor.c): no process
 * per poke, no triggerer. This file is the type's schema and the reading of
 * its options, shared by the scheduler and the airc-task body
 * (providers/sensor/run_sensor.c, for `airc tasks test`). Pure: no I/O. */
#ifndef AIRC_TASK_SENSOR_H
#define AIRC_TASK_SENSOR_H
#include <jansson.h>
#include <stdint.h>
#include "executor/task_type.h"

typedef enum sensor_kind { SENSOR_FILE, SENSOR_HTTP, SENSOR_SQL, SENSOR_EXTERNAL_TASK } sensor_kind;

#define SENSOR_POKE_INTERVAL_DEFAULT 60         /* seconds, as Airflow */
#define SENSOR_TIMEOUT_DEFAULT (7 * 24 * 3600)  /* seconds, as Airflow */

/* A sensor's options, read. Strings are borrowed from the options object. */
typedef struct sensor_spec {
  sensor_kind kind;
  const char *zPath;             /* file: a path or glob pattern */
  const char *zUrl;              /* http */
  int expectedStatus;            /* http: 200 unless set */
  const char *zSql, *zConn;      /* sql */
  const char *zExtDag, *zExtTask; /* external_task: zExtTask NULL = the whole run */
  int64_t pokeInterval, timeout; /* seconds */
  int bSoftFail;                 /* timeout -> skipped instead of failed */
  int bReschedule;               /* mode = reschedule */
} sensor_spec;

/* Reads pOptions (string values) into *p. 0 on success, else -1 with a
 * one-line reason in zErr and the key at fault in *pzKey. */
int sensor_spec_parse(json_t *pOptions, sensor_spec *p /* OUT */, const char **pzKey, char *zErr, size_t nErr);

const char *sensor_kind_name(sensor_kind k);

extern const task_type task_type_sensor;

#endif
