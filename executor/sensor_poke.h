/* sensor_poke.h: one poke of a sensor (executor/task_sensor.h): is its
 * condition true now?
 *
 * file: stat (glob patterns allowed); http: a GET whose status is the
 * expected one; sql: the first cell of a query on a connection's
 * PostgreSQL database (store/store_probe.h); external_task: the state of
 * another DAG's task (or run) of the same logical date in airc's store.
 * file and external_task answer at once; http and sql wait on the network
 * (bounded by their timeouts) and are for a thread or a task process, never
 * the scheduler's loop. */
#ifndef AIRC_SENSOR_POKE_H
#define AIRC_SENSOR_POKE_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "executor/task_sensor.h"
#include "store/store.h"

#define SENSOR_NET_TIMEOUT 30 /* seconds: an HTTP request or SQL query at most */

/* What a poke may need besides the spec (all borrowed, any may be NULL
 * when the kind does not need it). */
typedef struct sensor_env {
  store *s;             /* external_task */
  int64_t logicalDate;  /* external_task: the run to look at (seconds) */
  json_t *pConn;        /* sql: the connection object (task_secrets.h) */
} sensor_env;

/* 1: the condition holds; 0: not yet. zWhat gets one line for the try's
 * log saying what was seen ("GET http://x: 503", "no file matches /in/x*",
 * "cannot connect: ..."). An error (unreachable server, bad SQL) is "not
 * yet": the sensor keeps poking until its timeout, as Airflow's. */
int sensor_poke(const sensor_spec *p, const sensor_env *pEnv, char *zWhat, size_t nWhat);

/* 1 if the kind waits on the network (http, sql). */
int sensor_poke_blocks(const sensor_spec *p);

#endif
