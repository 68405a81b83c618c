/* template.h: `{{ name }}` substitution in task fields.
 *
 * Names: ds, ds_nodash, ts, ts_nodash, logical_date, data_interval_start,
 * data_interval_end, run_id, dag_id, task_id, try_number, params.NAME,
 * conf.NAME, xcom.TASK_ID (and xcom.TASK_ID.FIELD... into a JSON object).
 * A JSON string renders without quotes; other JSON values render as compact
 * JSON. An unknown name is an error (a typo should fail the task, not run
 * it with an empty string). Only the {{ name }} form exists: no filters,
 * no logic. Written by hand: no Jinja-compatible C library is in Debian. */
#ifndef AIRC_TEMPLATE_H
#define AIRC_TEMPLATE_H
#include <jansson.h>
#include <stdint.h>
#include "common/dynbuf.h"
#include "common/err.h"

typedef struct template_ctx {
  const char *zDagId, *zRunId, *zTaskId;
  int tryNumber;
  int64_t logicalDate, dataIntervalStart, dataIntervalEnd; /* seconds */
  json_t *pParams;   /* borrowed, may be NULL */
  json_t *pConf;     /* borrowed, may be NULL */
  json_t *pXcom;     /* borrowed: task id -> value, may be NULL */
} template_ctx;

/* Appends the rendering of zIn to pOut. On an unknown name or an unclosed
 * "{{", returns AIRC_ERR_INVALID with a message naming it. */
AIRC_WUR airc_rc template_render(const template_ctx *pCtx, const char *zIn, dynbuf *pOut,
                                 airc_err *pErr);

/* Renders every value of a task's options object (key -> string) into a new
 * object (caller owns it). On failure returns NULL with pErr naming the key,
 * e.g. "command: template: unknown variable 'params.x'". */
json_t *template_render_object(const template_ctx *pCtx, json_t *pOptions, airc_err *pErr);

/* Value of one name as a newly allocated string (caller frees), or NULL if
 * the name is unknown. */
char *template_lookup(const template_ctx *pCtx, const char *zName);

/* Sets the AIRC_* environment variables of a task try in the current
 * process (for use in the forked task process). */
void template_export_env(const template_ctx *pCtx);

#endif
