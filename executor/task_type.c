/* task_type.c: the registry of task types, made from the one list
 * executor/task_types.def. To add a type, add one line there. */
#include "executor/task_type.h"
#include "executor/task_plugin.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define TASK_TYPE(DESC, BODY) extern const task_type DESC;
#include "executor/task_types.def"
#undef TASK_TYPE

static const task_type *const aRegistry[] = {
#define TASK_TYPE(DESC, BODY) &DESC,
#include "executor/task_types.def"
#undef TASK_TYPE
    NULL,
};

/* The same rows, seen as their schemas (the first member of each). */
static const task_schema *const aSchema[] = {
#define TASK_TYPE(DESC, BODY) &DESC.schema,
#include "executor/task_types.def"
#undef TASK_TYPE
    NULL,
};

const task_type *const *task_type_all(void) { return aRegistry; }

const task_schema *const *task_type_builtin_schemas(void) { return aSchema; }

const task_schema *const *task_type_schemas(void) { return task_plugin_schemas_with(aSchema); }

const task_type *task_type_find(const char *zName) {
  for(int i = 0; aRegistry[i]; i++)
    if(!strcmp(aRegistry[i]->schema.zName, zName)) return aRegistry[i];
  return task_plugin_find(zName);
}

int task_type_index(const task_type *pType) {
  for(int i = 0; aRegistry[i]; i++)
    if(aRegistry[i] == pType) return i;
  return -1;
}

int task_type_run(const task_type *pType, const task_ctx *pCtx) {
  if(pType->pPlugin) return task_plugin_run(pType->pPlugin, pCtx);
  if(pType->xRun) return pType->xRun(pCtx);
  return task_run_in_runner(pCtx, pType->schema.zName);
}

void task_type_conn_db_options(const json_t *pConn, json_t *pOptions, const char *zSchemaKey) {
  const char *const azMap[][2] = {{"host", "host"}, {"login", "username"}, {"password", "password"},
                                  {"schema", zSchemaKey}};
  for(size_t i = 0; i < sizeof(azMap) / sizeof(azMap[0]); i++) {
    const char *z = json_string_value(json_object_get(pConn, azMap[i][0]));
    if(z && *z && !json_object_get(pOptions, azMap[i][1]))
      json_object_set_new(pOptions, azMap[i][1], json_string(z));
  }
  json_t *pPort = json_object_get(pConn, "port");
  if(json_is_integer(pPort) && !json_object_get(pOptions, "port")) {
    char z[24];
    snprintf(z, sizeof(z), "%lld", (long long)json_integer_value(pPort));
    json_object_set_new(pOptions, "port", json_string(z));
  }
}

airc_rc task_type_apply_conn(const task_type *pType, const json_t *pConns, json_t *pOptions, airc_err *pErr) {
  const char *zName = json_string_value(json_object_get(pOptions, "conn"));
  if(!zName || !pType || !pType->xConnOptions) return AIRC_OK;
  char zEnv[300];
  size_t k = 0;
  for(const char *z = zName; *z && k < sizeof(zEnv) - 1; z++)
    zEnv[k++] = (char)toupper((unsigned char)*z); /* as common/conn_uri.h reads $AIRC_CONN_<NAME> */
  zEnv[k] = 0;
  json_t *pConn = json_object_get(pConns, zName);
  const char *zKey;
  json_t *pV;
  if(!pConn) /* names are case-insensitive, as for $AIRC_CONN_<NAME> */
    json_object_foreach((json_t *)pConns, zKey, pV) if(!strcasecmp(zKey, zName)) pConn = pV;
  if(!json_is_object(pConn))
    return airc_err_set(pErr, AIRC_ERR_NOTFOUND,
                        "conn: connection '%.200s' not found (airc connections add %.200s --conn-uri URI, or set AIRC_CONN_%s)",
                        zName, zName, zEnv);
  pType->xConnOptions(pConn, pOptions);
  return AIRC_OK;
}
