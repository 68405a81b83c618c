/* cmd_plugins.c: `airc plugins list`: the task types defined by programs
 * in the plugins folder (executor/task_plugin.h), usable or not (the
 * reason shows), with their options. Runs no --describe for a plugin whose
 * description is cached. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "executor/task_plugin.h"
#include <stdio.h>
#include <string.h>

/* "url*, method=GET, token (secret)": * marks required keys. */
static json_t *options_text(const task_plugin *p) {
  char z[2000] = "";
  json_t *pOpts = json_object_get(p->pDescribe, "options");
  size_t i;
  json_t *o;
  json_array_foreach(pOpts, i, o) {
    char zOne[300];
    json_t *pDef = json_object_get(o, "default");
    char *zDef = pDef && !json_is_null(pDef) ? json_dumps(pDef, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    snprintf(zOne, sizeof(zOne), "%s%s%s%s%s%s", i ? ", " : "", json_string_value(json_object_get(o, "name")),
             json_is_true(json_object_get(o, "required")) ? "*" : "", zDef ? "=" : "", zDef ? zDef : "",
             json_is_true(json_object_get(o, "secret")) ? " (secret)" : "");
    free(zDef);
    strncat(z, zOne, sizeof(z) - strlen(z) - 1);
  }
  return json_string(z);
}

int cmd_plugins_list(int argc, char **argv) {
  cli_output out = OUT_TABLE;
  for(int i = 1; i < argc; i++) {
    if(!strcmp(argv[i], "--output") && i + 1 < argc) {
      if(!cli_parse_output(argv[++i], &out)) return cli_usage_error("plugins list", "unknown output '%s'", argv[i]);
    } else if(!strncmp(argv[i], "--output=", 9)) {
      if(!cli_parse_output(argv[i] + 9, &out)) return cli_usage_error("plugins list", "unknown output '%s'", argv[i] + 9);
    } else {
      return cli_usage_error("plugins list", "unexpected argument '%s'", argv[i]);
    }
  }
  json_t *pRows = json_array();
  int n = 0;
  const task_plugin *a = task_plugins(&n);
  for(int i = 0; i < n; i++) {
    const task_plugin *p = &a[i];
    json_t *r = json_object();
    json_object_set_new(r, "name", json_string(p->zName));
    json_object_set_new(r, "path", json_string(p->zPath));
    json_object_set_new(r, "status", json_string(p->zErr ? "error" : "ok"));
    if(out == OUT_JSON) {
      json_object_set_new(r, "description", p->zDescription ? json_string(p->zDescription) : json_null());
      json_object_set_new(r, "options", p->pDescribe ? json_incref(json_object_get(p->pDescribe, "options")) : json_array());
      json_object_set_new(r, "error", p->zErr ? json_string(p->zErr) : json_null());
    } else {
      json_object_set_new(r, "options", p->zErr ? json_string(p->zErr) : options_text(p));
    }
    json_array_append_new(pRows, r);
  }
  static const char *const azCols[] = {"name", "status", "options", "path", NULL};
  if(out == OUT_TABLE && !n) printf("no task-type plugins in %s\n", task_plugin_folder());
  else cli_print_rows(pRows, azCols, out);
  json_decref(pRows);
  return CLI_OK;
}
