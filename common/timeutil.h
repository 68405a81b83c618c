/* timeutil.h: UTC time for airc. All times are UTC.
 *
 * Two units are used throughout: whole seconds since the epoch (int64) for
 * logical dates, schedules and data intervals, and microseconds since the
 * epoch (int64) for wall-clock events (start/end of tasks). The calendar
 * arithmetic is written here rather than using timegm()/gmtime_r() so that
 * it is exact for any year 1..9999 and free of the TZ environment. */
#ifndef AIRC_TIMEUTIL_H
#define AIRC_TIMEUTIL_H
#include <stdint.h>
#include <stddef.h>
#include "common/rc.h"

typedef struct airc_tm {
  int year, mon, mday;   /* mon 1..12, mday 1..31 */
  int hour, min, sec;
  int wday;              /* 0 = Sunday */
} airc_tm;

int64_t airc_days_from_civil(int y, int m, int d);
void airc_civil_from_days(int64_t z, int *pY, int *pM, int *pD);
int airc_days_in_month(int y, int m);
int airc_is_leap(int y);
int64_t airc_tm_to_epoch(const airc_tm *t);
void airc_epoch_to_tm(int64_t t, airc_tm *pOut);

int64_t airc_now_us(void);
int64_t airc_now(void);                 /* seconds */

/* Parses ISO 8601 UTC: "2026-01-01", "2026-01-01T00:00", "2026-01-01T00:00:00",
 * with optional fraction (ignored), and "Z" or "+00:00" (other offsets are
 * applied). Returns AIRC_ERR_PARSE for anything else. */
AIRC_WUR airc_rc airc_time_parse(const char *z, int64_t *pOutSec);
/* "2026-01-01T00:00:00Z" into zBuf (>= 21 bytes). Returns zBuf. */
char *airc_time_format(int64_t sec, char *zBuf, size_t nBuf);
/* "2026-01-01T00:00:00.123456Z" */
char *airc_time_format_us(int64_t us, char *zBuf, size_t nBuf);
/* "2026-01-01T00:00:00+00:00" (Airflow's API form, with microseconds when nonzero) */
char *airc_time_format_api(int64_t us, char *zBuf, size_t nBuf);

/* Parses "30s", "5m", "2h", "1d", "1h30m", or a plain number of seconds.
 * Result in seconds; AIRC_ERR_PARSE on anything else or on overflow. */
AIRC_WUR airc_rc airc_duration_parse(const char *z, int64_t *pOutSec);

#endif
