/* task_schema.c: see task_schema.h. */
#include "dag/task_schema.h"
#include <string.h>

const task_schema *task_schema_find(const task_schema *const *ap, const char *zName) {
  for(int i = 0; ap && ap[i]; i++)
    if(!strcmp(ap[i]->zName, zName)) return ap[i];
  return NULL;
}

int task_schema_has_key(const task_schema *p, const char *zKey) {
  for(int i = 0; p->azKeys && p->azKeys[i]; i++)
    if(!strcmp(p->azKeys[i], zKey)) return 1;
  return 0;
}
