/* task_type.c: the registry of task types, made from the one list
 * executor/task_types.def. To add a type, add one line there. */
#include "executor/task_type.h"
#include "executor/task_plugin.h"
#include <string.h>

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
