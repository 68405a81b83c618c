/* task_shell.c: the `shell` task type: runs `command` with /bin/sh -c,
 * or execs it at once when it is nothing but plain words (shell_direct.h).
 * Placeholders in `command` are rendered shell-quoted (see template.h):
 * a value from a trigger's conf, params or an upstream XCom is one word
 * and never shell syntax.
 * Exit 0 is success, 99 is skipped (as Airflow's BashOperator), anything
 * else is failure. The command sees AIRC_* variables and writes an XCom
 * value to the file named by $AIRC_XCOM_OUT. */
#include "executor/task_type.h"
#include "dag/template.h"
#include "executor/shell_direct.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const azShellKeys[] = {"command", "cwd", NULL};
static const char *const azShellRequired[] = {"command", NULL};

static const char *const azShellCommandKeys[] = {"command", NULL};

static int shell_validate(const char *zKey, const char *zValue, char *zErr, size_t nErr) {
  if(strcmp(zKey, "command")) return 0;
  if(!*zValue) {
    snprintf(zErr, nErr, "command is empty");
    return -1;
  }
  /* a placeholder the renderer would refuse is a DAG error, not a task failure */
  airc_err err = {0};
  if(template_check_shell(zValue, &err)) {
    snprintf(zErr, nErr, "%s", airc_err_msg(&err));
    return -1;
  }
  return 0;
}

/* Runs in the task process, a vfork() child: the words live on its stack. */
static int shell_run(const task_ctx *pCtx) {
  const char *zCmd = json_string_value(json_object_get(pCtx->pOptions, "command"));
  if(!zCmd) zCmd = "false";
  char zWords[SHELL_DIRECT_CMD_MAX];
  char *azWords[SHELL_DIRECT_WORDS_MAX + 1];
  if(shell_direct_split(zCmd, zWords, sizeof(zWords), azWords, SHELL_DIRECT_WORDS_MAX + 1))
    return task_exec_or_report(azWords[0], azWords);
  char *azArgv[] = {"sh", "-c", (char *)zCmd, NULL};
  return task_exec_or_report("/bin/sh", azArgv);
}

const task_type task_type_shell = {
    .schema = {.zName = "shell", .azKeys = azShellKeys, .azRequired = azShellRequired,
               .xValidate = shell_validate, .azShellKeys = azShellCommandKeys},
    .xRun = shell_run,
    .bExecsAtOnce = 1,
};
