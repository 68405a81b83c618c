/* pg_task_conn.c: see pg_task_conn.h. */
#include "providers/postgres/pg_task_conn.h"
#include <stdio.h>
#include <string.h>
#include "common/config.h"
#include "executor/task_opt.h"

void pg_task_conn_options(const json_t *pConn, json_t *pOpts) {
  static const char *const azMap[][2] = {
      {"host", "host"}, {"login", "username"}, {"password", "password"}, {"schema", "database"}};
  for(size_t i = 0; i < sizeof(azMap) / sizeof(azMap[0]); i++) {
    const char *z = json_string_value(json_object_get(pConn, azMap[i][0]));
    if(z && *z && !json_object_get(pOpts, azMap[i][1])) json_object_set_new(pOpts, azMap[i][1], json_string(z));
  }
  json_t *pPort = json_object_get(pConn, "port");
  if(json_is_integer(pPort) && !json_object_get(pOpts, "port")) {
    char z[24];
    snprintf(z, sizeof(z), "%lld", (long long)json_integer_value(pPort));
    json_object_set_new(pOpts, "port", json_string(z));
  }
}

void pg_task_conn_opts(const task_ctx *pCtx, pg_conn_opts *o) {
  memset(o, 0, sizeof(*o));
  o->zUrl = task_opt_str(pCtx, "url", airc_config_get("postgres", "url", NULL));
  o->zHost = task_opt_str(pCtx, "host", NULL);
  o->zPort = task_opt_str(pCtx, "port", NULL);
  o->zUser = task_opt_str(pCtx, "username", NULL);
  o->zPassword = task_opt_str(pCtx, "password", NULL);
  o->zDatabase = task_opt_str(pCtx, "database", NULL);
}
