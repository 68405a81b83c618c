/* err.c: see err.h. Newlines in messages are replaced by spaces so that
 * every error stays one line wherever it is shown. */
#include "common/err.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void err_one_line(char *z) {
  for(; *z; z++) if(*z == '\n' || *z == '\r') *z = ' ';
}

airc_rc airc_err_set(airc_err *pErr, airc_rc rc, const char *zFmt, ...) {
  if(!pErr || pErr->rc) return rc;
  va_list ap;
  va_start(ap, zFmt);
  vsnprintf(pErr->zMsg, sizeof(pErr->zMsg), zFmt, ap);
  va_end(ap);
  err_one_line(pErr->zMsg);
  pErr->rc = rc;
  return rc;
}

void airc_err_prefix(airc_err *pErr, const char *zFmt, ...) {
  if(!pErr || !pErr->rc) return;
  char zPre[AIRC_ERR_MAX], zOld[AIRC_ERR_MAX];
  va_list ap;
  va_start(ap, zFmt);
  vsnprintf(zPre, sizeof(zPre), zFmt, ap);
  va_end(ap);
  memcpy(zOld, pErr->zMsg, sizeof(zOld));
  if(snprintf(pErr->zMsg, sizeof(pErr->zMsg), "%s: %s", zPre, zOld) >= (int)sizeof(pErr->zMsg))
    pErr->zMsg[sizeof(pErr->zMsg) - 1] = 0; /* truncated: still one line */
  err_one_line(pErr->zMsg);
}

void airc_err_clear(airc_err *pErr) {
  if(!pErr) return;
  pErr->rc = AIRC_OK;
  pErr->zMsg[0] = 0;
}

const char *airc_err_msg(const airc_err *pErr) {
  if(!pErr) return "";
  if(pErr->zMsg[0]) return pErr->zMsg;
  return airc_strerror(pErr->rc);
}
