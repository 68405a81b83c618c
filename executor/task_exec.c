/* task_exec.c: helpers for task types that exec another program. */
#include "executor/task_type.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Set by the executor in the task process: write end of a close-on-exec
 * pipe; a successful exec closes it, a failed one writes errno to it. */
int g_task_exec_err_fd = -1;

int task_exec_or_report(const char *zPath, char *const azArgv[]) {
  execv(zPath, azArgv);
  int e = errno;
  if(g_task_exec_err_fd >= 0) {
    ssize_t n = write(g_task_exec_err_fd, &e, sizeof(e));
    (void)n;
  }
  fprintf(stderr, "[airc] exec %s failed: %s\n", zPath, strerror(e));
  return 127;
}
