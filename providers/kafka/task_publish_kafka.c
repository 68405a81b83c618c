/* task_publish_kafka.c: the `publish-kafka` task type.
 *
 * Reads the task's options, finds the input file (option `input`, else the
 * `path` of the first upstream XCom that has one), runs kafka_publish_file()
 * and writes its counts and offsets as the XCom. All Kafka work is in
 * kafka_publish.c; this file only maps options to kafka_publish_opts. */
#include <stdio.h>
#include <string.h>
#include "common/config.h"
#include "executor/task_opt.h"
#include "executor/task_type.h"

#define TYPE "publish-kafka"

static const char *const g_azKeys[] = {"topic", "bootstrap_servers", "input", "partitions",
                                       "replication_factor", "create_topic", "timeout",
                                       "message_timeout", NULL};

static int publish_kafka_validate(const char *zKey, const char *zValue, char *zErr, size_t nErr) {
  if(!strcmp(zKey, "partitions") || !strcmp(zKey, "replication_factor"))
    return task_opt_check_int(zValue, 1, 100000, zErr, nErr);
  if(!strcmp(zKey, "create_topic")) return task_opt_check_bool(zValue, zErr, nErr);
  if(!strcmp(zKey, "timeout") || !strcmp(zKey, "message_timeout"))
    return task_opt_check_duration(zValue, zErr, nErr);
  return 0;
}

/* xRun is NULL: the body (runner_publish_kafka, in
 * providers/kafka/run_publish_kafka.c) runs in airc-task, see
 * executor/task_types.def. */
const task_type task_type_publish_kafka = {
    .schema = {.zName = TYPE, .azKeys = g_azKeys, .azRequired = NULL, .xValidate = publish_kafka_validate},
    .xRun = NULL,
};
