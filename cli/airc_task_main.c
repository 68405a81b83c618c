/* airc_task_main.c: `airc-task TYPE CTX_FILE`, the process that runs the
 * body of a pipeline task whose client library the scheduler does not link
 * (see executor/task_runner.c). Started by a task process with stdout and
 * stderr already going to the try's log. Exit code: the task's. */
#include "common/config.h"
#include "common/fsafe.h"
#include "common/json_fd.h"
#include "executor/exec_spawn.h"
#include "providers/runners.h"
#include "providers/notify/notify_deliver.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

/* The bodies, row for row with task_type_all() (both are made from
 * executor/task_types.def): aBody[i] runs task_type_all()[i], NULL for a
 * type that runs in the scheduler's task process, not here. */
static int (*const aBody[])(const task_ctx *) = {
#define TASK_TYPE(DESC, BODY) BODY,
#include "executor/task_types.def"
#undef TASK_TYPE
};

/* The body of the type named zType, or NULL. */
static int (*body_find(const char *zType))(const task_ctx *) {
  int i = task_type_index(task_type_find(zType));
  return i >= 0 && (size_t)i < sizeof(aBody) / sizeof(aBody[0]) ? aBody[i] : NULL;
}

int main(int argc, char **argv) {
  umask(077); /* what airc creates is its user's alone (docs/scheduler.md) */
  if(argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    printf("usage: airc-task TYPE CTX_FILE\n\nRuns one try of a pipeline task for the airc scheduler"
           " (not meant to be run by hand).\ntypes:");
    for(size_t i = 0; i < sizeof(aBody) / sizeof(aBody[0]); i++)
      if(aBody[i]) printf(" %s", task_type_all()[i]->schema.zName);
    printf("\n");
    return 0;
  }
  if(argc >= 2 && !strcmp(argv[1], "--deliver-notifications")) {
    /* the notification delivery process (scheduler/sched_notify.c) */
    airc_err cerr = {0};
    if(airc_config_load(&cerr)) {
      fprintf(stderr, "airc-task: %s\n", airc_err_msg(&cerr));
      return 1;
    }
    int rc = notify_deliver_main(argc, argv);
    airc_config_free();
    return rc;
  }
  if(argc != 3) {
    fprintf(stderr, "usage: airc-task TYPE CTX_FILE\n");
    return 2;
  }
  airc_err err = {0};
  if(airc_config_load(&err)) {
    fprintf(stderr, "airc-task: %s\n", airc_err_msg(&err));
    return TASK_EXIT_FAILED;
  }
  json_error_t je;
  int fdCtx = fsafe_open(argv[2], O_RDONLY); /* never through a symlink */
  json_t *p = NULL;
  if(fdCtx >= 0) {
    p = json_fd_load(fdCtx, EXEC_REQUEST_MAX, 0, &je);
    close(fdCtx);
  } else {
    snprintf(je.text, sizeof(je.text), "%s", strerror(errno));
  }
  unlink(argv[2]);
  if(!p) {
    fprintf(stderr, "airc-task: cannot read the task context %s: %s\n", argv[2], je.text);
    return TASK_EXIT_FAILED;
  }
  task_ctx c = {
      json_string_value(json_object_get(p, "dag_id")),
      json_string_value(json_object_get(p, "run_id")),
      json_string_value(json_object_get(p, "task_id")),
      (int)json_integer_value(json_object_get(p, "try_number")),
      json_integer_value(json_object_get(p, "logical_date")),
      json_integer_value(json_object_get(p, "data_interval_start")),
      json_integer_value(json_object_get(p, "data_interval_end")),
      json_object_get(p, "options"),
      json_object_get(p, "params"),
      json_object_get(p, "conf"),
      json_object_get(p, "upstream_xcom"),
      json_string_value(json_object_get(p, "xcom_out")),
      json_string_value(json_object_get(p, "airc_home")),
  };
  int rc = -1;
  int (*xBody)(const task_ctx *) = body_find(argv[1]);
  if(xBody) rc = xBody(&c);
  if(rc < 0) {
    fprintf(stderr, "airc-task: unknown task type '%s'\n", argv[1]);
    rc = TASK_EXIT_FAILED;
  }
  json_decref(p);
  airc_config_free();
  return rc;
}
