/* log.c: see log.h. Writes each line with a single write() so that lines
 * from concurrent processes sharing stderr do not interleave. */
#include "common/log.h"
#include "common/timeutil.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static airc_log_level g_level = AIRC_LOG_INFO;

void airc_log_set_level(airc_log_level lvl) { g_level = lvl; }

void airc_log(airc_log_level lvl, const char *zFmt, ...) {
  static const char *azName[] = {"DEBUG", "INFO ", "WARN ", "ERROR"};
  if(lvl < g_level) return;
  char zLine[2048], zTs[40];
  airc_time_format_us(airc_now_us(), zTs, sizeof(zTs));
  int n = snprintf(zLine, sizeof(zLine), "%s %s ", zTs, azName[lvl]);
  va_list ap;
  va_start(ap, zFmt);
  if(n > 0 && (size_t)n < sizeof(zLine)) vsnprintf(zLine + n, sizeof(zLine) - (size_t)n, zFmt, ap);
  va_end(ap);
  size_t len = strlen(zLine);
  if(len > sizeof(zLine) - 2) len = sizeof(zLine) - 2;
  zLine[len++] = '\n';
  ssize_t w = write(2, zLine, len);
  (void)w;
}
