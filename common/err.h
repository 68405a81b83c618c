/* err.h: an error message kept beside the handle or call that failed.
 *
 * The first error set wins (like SQLite's connection error message): a
 * caller deep in a chain records the root cause, outer layers may add a
 * prefix with airc_err_prefix(). Messages are one line, capped. */
#ifndef AIRC_ERR_H
#define AIRC_ERR_H
#include <stddef.h>
#include "common/rc.h"

#define AIRC_ERR_MAX 1024

typedef struct airc_err {
  airc_rc rc;
  char zMsg[AIRC_ERR_MAX];
} airc_err;

/* Sets rc and message if no error is set yet; returns rc so that callers can
 * write  return airc_err_set(pErr, AIRC_ERR_IO, "open %s: %s", z, strerror(errno)); */
airc_rc airc_err_set(airc_err *pErr, airc_rc rc, const char *zFmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prepends "prefix: " to the current message (no-op when no error). */
void airc_err_prefix(airc_err *pErr, const char *zFmt, ...)
    __attribute__((format(printf, 2, 3)));
void airc_err_clear(airc_err *pErr);
/* Message if set, else airc_strerror(rc). pErr may be NULL. */
const char *airc_err_msg(const airc_err *pErr);

#endif
