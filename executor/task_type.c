/* task_type.c: the registry table. To add a type, define its task_type in
 * its own file and add one line here. */
#include "executor/task_type.h"
#include <string.h>

extern const task_type task_type_shell;
extern const task_type task_type_fetch_users;
extern const task_type task_type_publish_kafka;
extern const task_type task_type_trigger_stream_job;
extern const task_type task_type_validate_cassandra;

static const task_type *const aRegistry[] = {
    &task_type_shell,
    &task_type_fetch_users,
    &task_type_publish_kafka,
    &task_type_trigger_stream_job,
    &task_type_validate_cassandra,
    NULL,
};

const task_type *const *task_type_all(void) { return aRegistry; }

const task_type *task_type_find(const char *zName) {
  for(int i = 0; aRegistry[i]; i++)
    if(!strcmp(aRegistry[i]->zName, zName)) return aRegistry[i];
  return NULL;
}

int task_type_has_key(const task_type *pType, const char *zKey) {
  for(int i = 0; pType->azKeys && pType->azKeys[i]; i++)
    if(!strcmp(pType->azKeys[i], zKey)) return 1;
  return 0;
}
