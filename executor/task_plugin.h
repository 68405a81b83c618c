/* task_plugin.h: task types defined by programs, without a rebuild.
 *
 * An executable file `airc-type-NAME` in the plugins folder ([core]
 * plugins_folder, default $AIRC_HOME/plugins) defines task type NAME:
 *
 *   airc-type-NAME --describe   prints a JSON description of its options:
 *     {"name": "NAME", "description": "...",
 *      "options": [{"name": "url", "type": "string", "required": true,
 *                   "default": ..., "secret": false, "description": "..."}]}
 *     (type: string | integer | number | boolean | json, default string).
 *     DAG files are checked against it when parsed: an unknown key, a
 *     missing required one or a value that does not read as its type is an
 *     import error with file:line.
 *   airc-type-NAME              runs one try: its rendered options as one
 *     JSON object on stdin (typed as described, defaults filled in), the
 *     AIRC_* environment of every task; exit 0 success, 99 skipped, other
 *     failure; an XCom value goes to the file $AIRC_XCOM_OUT, as for shell.
 *
 * Descriptions are cached in $AIRC_HOME/plugins.describe-cache.json, keyed
 * by the program's path, mtime and size, so that a process (a CLI call, a
 * supervisor) execs no --describe for a plugin that has not changed; in a
 * process the folder is re-scanned at most once a second. A built-in type
 * wins over a plugin of the same name (the plugin is listed as shadowed).
 *
 * The registry (task_type.h) asks this module for plugins after its own
 * list: task_type_find() and task_type_schemas() see them, dag/ never
 * execs anything (it gets the schemas). */
#ifndef AIRC_TASK_PLUGIN_H
#define AIRC_TASK_PLUGIN_H
#include <jansson.h>
#include "common/err.h"
#include "executor/task_type.h"

#define TASK_PLUGIN_PREFIX "airc-type-"
#define TASK_PLUGIN_DESCRIBE_MAX (256 * 1024)  /* bytes of --describe output */
#define TASK_PLUGIN_DESCRIBE_TIMEOUT_MS 10000
#define TASK_PLUGIN_MAX 256                     /* plugins in the folder */

typedef struct task_plugin {
  task_type type;        /* schema + pPlugin == this; valid iff zErr is NULL */
  char *zName;
  char *zPath;
  char *zDescription;    /* may be NULL */
  json_t *pDescribe;     /* the checked description (NULL when zErr) */
  char *zErr;            /* why it cannot be used, one line; NULL if usable */
} task_plugin;

/* The plugins folder: [core] plugins_folder, else $AIRC_HOME/plugins. */
const char *task_plugin_folder(void);

/* Re-scans the folder when it may have changed (at most once a second;
 * bForce: now). Pointers handed out before stay valid. */
void task_plugins_refresh(int bForce);

/* The plugins found (usable or not), sorted by name: *pn of them, one
 * generation's (a later re-scan does not change or free it). Borrowed;
 * thread-safe. */
const task_plugin *task_plugins(int *pn /* OUT */);

/* The usable plugin type named zName, or NULL. */
const task_type *task_plugin_find(const char *zName);

/* apBuiltin followed by every usable plugin's schema (not shadowed),
 * NULL-terminated. Borrowed, valid for the life of the process. */
const task_schema *const *task_plugin_schemas_with(const task_schema *const *apBuiltin);

/* Checks a --describe output (text) of plugin zName; on success *ppOut is
 * the description (new reference) with every option's "type", "required"
 * and "secret" made explicit. Errors are one line naming the field. */
AIRC_WUR airc_rc task_plugin_check_describe(const char *zName, const char *zText, json_t **ppOut /* OUT */,
                                            airc_err *pErr);

/* The JSON object a try gets on stdin: each described option from
 * pOptions (rendered text) read as its type, defaults for the missing
 * ones. NULL with pErr set ("option 'n': 'x' is not an integer") when a
 * rendered value does not read as its type. */
json_t *task_plugin_stdin_json(const json_t *pDescribe, json_t *pOptions, airc_err *pErr);

/* Runs a try of plugin p in the task process: options on stdin, exec.
 * Returns only on failure (the exit code). */
int task_plugin_run(const task_plugin *p, const task_ctx *pCtx);

/* Appends to pMask (a JSON array) the rendered values of pType's secret
 * options found in pOptions; nothing for a built-in type. */
void task_plugin_add_secrets(const task_type *pType, json_t *pOptions, json_t *pMask);

#endif
