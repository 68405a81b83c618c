/* log.h: airc's own diagnostic log (not task logs), to stderr.
 * One line per call: "2026-01-01T00:00:00.123Z INFO  scheduler: message". */
#ifndef AIRC_LOG_H
#define AIRC_LOG_H

typedef enum { AIRC_LOG_DEBUG, AIRC_LOG_INFO, AIRC_LOG_WARN, AIRC_LOG_ERROR } airc_log_level;

void airc_log_set_level(airc_log_level lvl);
void airc_log(airc_log_level lvl, const char *zFmt, ...) __attribute__((format(printf, 2, 3)));

#define LOG_DEBUG(...) airc_log(AIRC_LOG_DEBUG, __VA_ARGS__)
#define LOG_INFO(...)  airc_log(AIRC_LOG_INFO, __VA_ARGS__)
#define LOG_WARN(...)  airc_log(AIRC_LOG_WARN, __VA_ARGS__)
#define LOG_ERROR(...) airc_log(AIRC_LOG_ERROR, __VA_ARGS__)

#endif
