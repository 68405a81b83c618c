/* task_exec.c: helpers for task types that exec another program. */
#include "executor/task_type.h"
#include "executor/exec_which.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Set by the executor in the task process: write end of a close-on-exec
 * pipe; a successful exec closes it, a failed one writes errno and the
 * program's name to it (one write, at most TASK_EXEC_ERR_MAX bytes: atomic
 * on a pipe). */
int g_task_exec_err_fd = -1;

int task_exec_or_report(const char *zPath, char *const azArgv[]) {
  if(strchr(zPath, '/')) execv(zPath, azArgv);
  else exec_which_exec(zPath, azArgv); /* execvp, without its PATH walk each time */
  int e = errno;
  if(g_task_exec_err_fd >= 0) {
    char aMsg[TASK_EXEC_ERR_MAX];
    size_t nPath = strlen(zPath);
    if(nPath > sizeof(aMsg) - sizeof(e)) nPath = sizeof(aMsg) - sizeof(e);
    memcpy(aMsg, &e, sizeof(e));
    memcpy(aMsg + sizeof(e), zPath, nPath);
    ssize_t n = write(g_task_exec_err_fd, aMsg, sizeof(e) + nPath);
    (void)n;
  }
  fprintf(stderr, "[airc] exec %s failed: %s\n", zPath, strerror(e));
  return 127;
}
