/* task_schema.h: what the DAG builder knows of a task type: its name and the
 * options a task of that type takes.
 *
 * dag/ knows no task type itself (it includes nothing from executor/ or
 * providers/): whoever parses a DAG hands the builder the list of schemas,
 * a NULL-terminated array. The list comes from the one task-type registry,
 * task_type_schemas() in executor/task_type.h, whose entries each start
 * with their schema. Schemas are pure data plus a pure check of one
 * option's text: validating a DAG file loads no client library. */
#ifndef AIRC_TASK_SCHEMA_H
#define AIRC_TASK_SCHEMA_H
#include <stddef.h>
#include <jansson.h>

typedef struct task_schema {
  const char *zName;             /* what a DAG file's `type = ...` names */
  const char *const *azKeys;     /* allowed type-specific keys, NULL-terminated */
  const char *const *azRequired; /* keys that must be present, NULL-terminated (may be NULL) */
  /* Optional check of one option's raw (untemplated) value at DAG parse
   * time. Returns 0 if acceptable, else writes a one-line reason to zErr. */
  int (*xValidate)(const char *zKey, const char *zValue, char *zErr, size_t nErr);
  /* Options that are POSIX shell command text (NULL-terminated, may be
   * NULL): their placeholders are rendered with template_render_shell(),
   * each value one single-quoted word. Other options render plainly. */
  const char *const *azShellKeys;
  /* Declared type of each of azKeys, same order (may be NULL: all text):
   * "string", "integer", "number", "boolean" or "json". The builder checks
   * a value against it unless it holds a placeholder ({{ ... }}): task-type
   * plugins (executor/task_plugin.h) describe their options this way. */
  const char *const *azKeyTypes;
  /* Optional check of a task's options together (string values, after
   * the per-key checks and required keys): rules between keys, such as
   * "sensor = file needs path". 0 if acceptable, else a one-line reason
   * naming the key in zErr and that key in *pzKey (for the line). */
  int (*xCheck)(json_t *pOptions, const char **pzKey, char *zErr, size_t nErr);
} task_schema;

/* The schema named zName in the NULL-terminated list ap (may be NULL), or NULL. */
const task_schema *task_schema_find(const task_schema *const *ap, const char *zName);
/* 1 if zKey is one of p's azKeys. */
int task_schema_has_key(const task_schema *p, const char *zKey);

/* 0 if the untemplated text zValue reads as zType (one of azKeyTypes'
 * names; NULL or "string": anything); else writes a one-line reason to
 * zErr and returns -1. Text holding "{{" is taken as it is (it is only
 * known once rendered). */
int task_schema_check_type(const char *zType, const char *zValue, char *zErr, size_t nErr);
/* The declared type of zKey in p ("string" when none). */
const char *task_schema_key_type(const task_schema *p, const char *zKey);

#endif
