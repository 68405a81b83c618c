/* template.h: `{{ name }}` substitution in task fields.
 *
 * Names: ds, ds_nodash, ts, ts_nodash, logical_date, data_interval_start,
 * data_interval_end, run_id, dag_id, task_id, try_number, params.NAME,
 * conf.NAME, xcom.TASK_ID (and xcom.TASK_ID.FIELD... into a JSON object),
 * conn.NAME.FIELD (host, port, login, password, schema, uri, conn_type,
 * extra.KEY; an unset field renders empty) and var.NAME (or Airflow's
 * var.value.NAME); template_export_env() gives each variable to the task
 * as $AIRC_VAR_<NAME in upper case>.
 * A JSON string renders without quotes; other JSON values render as compact
 * JSON. An unknown name is an error (a typo should fail the task, not run
 * it with an empty string). The forms are {{ name }} and {{ name | raw }};
 * no other filter, no logic. Written by hand: no Jinja-compatible C
 * library is in Debian.
 *
 * Shell commands (template_render_shell) are rendered so that no value can
 * become shell syntax: each value is inserted single-quoted ('...', a '
 * written as '\''), fitted to the quotes the author wrote around the
 * placeholder; `| raw` inserts it as is (the author's explicit choice). */
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
  json_t *pConn;     /* borrowed: connection name -> {host, port, login, password, schema, extra, uri, ...}, may be NULL */
  json_t *pVar;      /* borrowed: variable name -> string value, may be NULL */
  /* dynamic task mapping: the item of this mapped instance ({{ item }},
   * {{ item.KEY }}, $AIRC_ITEM) and its index ({{ map_index }},
   * $AIRC_MAP_INDEX); pItem NULL for an unmapped task (then {{ item }} is
   * an unknown name and mapIndex is not exported) */
  json_t *pItem;     /* borrowed, may be NULL */
  int mapIndex;
} template_ctx;

/* Appends the rendering of zIn to pOut. On an unknown name or an unclosed
 * "{{", returns AIRC_ERR_INVALID with a message naming it. */
AIRC_WUR airc_rc template_render(const template_ctx *pCtx, const char *zIn, dynbuf *pOut,
                                 airc_err *pErr);

/* Appends the rendering of zIn, a POSIX shell command, to pOut: every
 * placeholder becomes exactly one single-quoted shell word, whatever its
 * value: '...' in plain text, the quoted body inside '...', and "'...'"
 * (close, word, reopen) inside "...", at any depth of $( ). A placeholder
 * whose context the shell lexer cannot be sure of (inside backticks, a
 * comment, ${...}, $((...)), after a here-document, right after '\' or
 * '$') is refused with AIRC_ERR_INVALID naming it. {{ name | raw }}
 * inserts the value unquoted. */
AIRC_WUR airc_rc template_render_shell(const template_ctx *pCtx, const char *zIn, dynbuf *pOut, airc_err *pErr);

/* The refusals of template_render_shell() without values: for checking a
 * DAG file's shell command when it is parsed. */
AIRC_WUR airc_rc template_check_shell(const char *zIn, airc_err *pErr);

/* Appends zVal as one POSIX shell word: '...' with each ' as '\''. With
 * bInsideSingle, only the body (for a place already inside '...'). Fails
 * only when pOut's cap is reached. */
AIRC_WUR airc_rc template_shell_quote(const char *zVal, int bInsideSingle, dynbuf *pOut);

/* Renders every value of a task's options object (key -> string) into a new
 * object (caller owns it); keys listed in azShellKeys (NULL-terminated, may
 * be NULL) with template_render_shell(), the others with template_render().
 * On failure returns NULL with pErr naming the key, e.g. "command:
 * template: unknown variable 'params.x'". */
json_t *template_render_object(const template_ctx *pCtx, json_t *pOptions, const char *const *azShellKeys,
                               airc_err *pErr);

/* Value of one name as a newly allocated string (caller frees), or NULL if
 * the name is unknown. */
char *template_lookup(const template_ctx *pCtx, const char *zName);

/* Sets the AIRC_* environment variables of a task try in the current
 * process (for use in the forked task process). */
void template_export_env(const template_ctx *pCtx);

#endif
