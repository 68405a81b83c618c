/* task_schema.c: see task_schema.h. */
#include "dag/task_schema.h"
#include "common/config.h"
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
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

const char *task_schema_key_type(const task_schema *p, const char *zKey) {
  for(int i = 0; p->azKeyTypes && p->azKeys && p->azKeys[i]; i++)
    if(!strcmp(p->azKeys[i], zKey)) return p->azKeyTypes[i] ? p->azKeyTypes[i] : "string";
  return "string";
}

int task_schema_check_type(const char *zType, const char *zValue, char *zErr, size_t nErr) {
  if(!zType || !strcmp(zType, "string") || strstr(zValue, "{{")) return 0;
  char *zEnd = NULL;
  if(!strcmp(zType, "integer")) {
    errno = 0;
    (void)strtoll(zValue, &zEnd, 10);
    if(*zValue && !*zEnd && !errno) return 0;
    snprintf(zErr, nErr, "'%.60s' is not an integer", zValue);
    return -1;
  }
  if(!strcmp(zType, "number")) {
    (void)strtod(zValue, &zEnd);
    if(*zValue && !*zEnd) return 0;
    snprintf(zErr, nErr, "'%.60s' is not a number", zValue);
    return -1;
  }
  if(!strcmp(zType, "boolean")) {
    if(airc_parse_bool(zValue) >= 0) return 0;
    snprintf(zErr, nErr, "'%.60s' is not a boolean (true or false)", zValue);
    return -1;
  }
  if(!strcmp(zType, "json")) {
    json_error_t je;
    json_t *p = json_loads(zValue, JSON_DECODE_ANY, &je);
    json_decref(p);
    if(p) return 0;
    snprintf(zErr, nErr, "not JSON: %.200s", je.text);
    return -1;
  }
  return 0;
}
