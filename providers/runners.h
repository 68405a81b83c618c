/* runners.h: prototypes of the bodies of the task types that run inside
 * `airc-task` (cli/airc_task_main.c) rather than in a fork of the
 * scheduler: the BODY column of executor/task_types.def. Each takes the
 * same task_ctx as task_type.xRun and returns a TASK_EXIT_* code. */
#ifndef AIRC_RUNNERS_H
#define AIRC_RUNNERS_H
#include "executor/task_type.h"

int runner_fetch_users(const task_ctx *pCtx);
int runner_publish_kafka(const task_ctx *pCtx);
int runner_sensor(const task_ctx *pCtx);
int runner_validate_postgres(const task_ctx *pCtx);
int runner_sql(const task_ctx *pCtx);

#endif
