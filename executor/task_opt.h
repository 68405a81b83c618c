/* task_opt.h: reading a task's type-specific options inside xRun.
 *
 * Option values arrive as strings in task_ctx.pOptions (already templated).
 * These helpers apply a default, parse numbers, booleans and durations, and
 * write a one-line "TYPE: option 'KEY': ..." reason on bad input, so that
 * every pipeline task type reports option errors the same way. They also
 * find an input path in upstream XComs. Not for DAG-parse-time validation
 * (that is each type's xValidate, which may call task_opt_check_*). */
#ifndef AIRC_TASK_OPT_H
#define AIRC_TASK_OPT_H
#include <stdint.h>
#include "common/err.h"
#include "executor/task_type.h"

/* The option's value, or zDefault when absent or empty. Borrowed. */
const char *task_opt_str(const task_ctx *pCtx, const char *zKey, const char *zDefault);

/* Integer option in [iMin, iMax]; iDefault when absent. */
AIRC_WUR airc_rc task_opt_int(const task_ctx *pCtx, const char *zType, const char *zKey,
                              int64_t iDefault, int64_t iMin, int64_t iMax,
                              int64_t *pOut /* OUT */, airc_err *pErr);
/* Boolean option (true/false/yes/no/on/off/1/0); bDefault when absent. */
AIRC_WUR airc_rc task_opt_bool(const task_ctx *pCtx, const char *zType, const char *zKey,
                               int bDefault, int *pOut /* OUT */, airc_err *pErr);
/* Duration option ("30s", "5m", "1h30m", plain seconds); result in ms. */
AIRC_WUR airc_rc task_opt_duration_ms(const task_ctx *pCtx, const char *zType, const char *zKey,
                                      int64_t defaultMs, int64_t *pOutMs /* OUT */,
                                      airc_err *pErr);

/* The first string "path" found in the upstream XCom objects (in the
 * object's key order), or NULL. Borrowed from pCtx. */
const char *task_opt_upstream_path(const task_ctx *pCtx);

/* Parse-time checks for xValidate: 0 if acceptable (or templated, i.e.
 * containing "{{"), else -1 with the reason in zErr. */
int task_opt_check_int(const char *zValue, int64_t iMin, int64_t iMax, char *zErr, size_t nErr);
int task_opt_check_bool(const char *zValue, char *zErr, size_t nErr);
int task_opt_check_duration(const char *zValue, char *zErr, size_t nErr);

#endif
