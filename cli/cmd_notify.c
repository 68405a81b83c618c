/* cmd_notify.c: `airc notifications list` (store/store_notify.h): what the
 * scheduler asked to send (on_failure, on_deadline_miss, ...), to which
 * target, and whether the delivery process got it there: an endpoint that
 * stays dead shows here as `failed` with its last error. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "store/store_notify.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int notify_add_row(void *pCtx, const store_notify_row *r) {
  char zBuf[40];
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(r->id));
  json_object_set_new(o, "created", json_string(cli_fmt_time_us(r->createdUs, zBuf, sizeof(zBuf))));
  json_object_set_new(o, "event", json_string(r->zEvent));
  json_object_set_new(o, "dag_id", json_string(r->zDagId));
  json_object_set_new(o, "run_id", json_string(r->zRunId));
  json_object_set_new(o, "task_id", json_string(r->zTaskId));
  json_object_set_new(o, "try_number", r->zTaskId[0] ? json_integer(r->tryNumber) : json_null());
  json_object_set_new(o, "target", json_string(r->zTarget));
  json_object_set_new(o, "state", json_string(r->zState));
  json_object_set_new(o, "attempts", json_integer(r->attempts));
  json_object_set_new(o, "last_error", json_string(r->zLastError));
  json_array_append_new(pCtx, o);
  return 0;
}

int cmd_notifications_list(int argc, char **argv) {
  static const char *const zCmd = "notifications list";
  cli_output out = OUT_TABLE;
  const char *zDag = NULL, *zState = NULL;
  long nLimit = 100;
  for(int i = 1; i < argc; i++) {
    const char *zOpt = argv[i], *zVal = NULL;
    const char *zEq = strchr(zOpt, '=');
    char zName[40];
    if(zOpt[0] != '-') return cli_usage_error(zCmd, "unexpected argument '%s'", zOpt);
    if(zEq) {
      snprintf(zName, sizeof(zName), "%.*s", (int)(zEq - zOpt), zOpt);
      zVal = zEq + 1;
    } else {
      snprintf(zName, sizeof(zName), "%s", zOpt);
      if(i + 1 >= argc) return cli_usage_error(zCmd, "%s needs a value", zOpt);
      zVal = argv[++i];
    }
    if(!strcmp(zName, "--dag-id") || !strcmp(zName, "-d")) zDag = zVal;
    else if(!strcmp(zName, "--state")) {
      if(strcmp(zVal, "pending") && strcmp(zVal, "sent") && strcmp(zVal, "failed"))
        return cli_usage_error(zCmd, "--state must be pending, sent or failed, not '%s'", zVal);
      zState = zVal;
    } else if(!strcmp(zName, "--limit")) {
      char *zEnd = NULL;
      nLimit = strtol(zVal, &zEnd, 10);
      if(!*zVal || *zEnd || nLimit < 1 || nLimit > 100000)
        return cli_usage_error(zCmd, "--limit must be a whole number 1..100000");
    } else if(!strcmp(zName, "--output") || !strcmp(zName, "-o")) {
      if(!cli_parse_output(zVal, &out)) return cli_usage_error(zCmd, "--output must be table, json or plain");
    } else {
      return cli_usage_error(zCmd, "unknown option '%s'", zOpt);
    }
  }
  store *s = cli_open_store();
  if(!s) return CLI_FAIL;
  airc_err err = {0};
  json_t *pRows = json_array();
  airc_rc rc = store_notify_each(s, zDag, zState, (int)nLimit, notify_add_row, pRows, &err);
  store_close(s);
  if(rc) {
    json_decref(pRows);
    return cli_fail_err(&err);
  }
  static const char *const azCols[] = {"id", "created", "event", "dag_id", "run_id", "task_id", "try_number",
                                       "target", "state", "attempts", "last_error", NULL};
  cli_print_rows(pRows, azCols, out);
  json_decref(pRows);
  return CLI_OK;
}

int cmd_notifications_deliver(int argc, char **argv) {
  int bOnce = 0;
  for(int i = 1; i < argc; i++) {
    if(!strcmp(argv[i], "--once")) bOnce = 1;
    else return cli_usage_error("notifications deliver", "unknown argument '%s'", argv[i]);
  }
  char zPath[4200];
  cli_sibling_path("airc-task", zPath, sizeof(zPath));
  char *azArgv[] = {(char *)"airc-task", (char *)"--deliver-notifications", bOnce ? (char *)"--once" : NULL, NULL};
  execv(zPath, azArgv);
  return cli_error("cannot run %s: %s (build it with 'make')", zPath, strerror(errno));
}
