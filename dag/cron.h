/* cron.h: schedules: 5-field cron expressions and presets.
 *
 * Fields: minute hour day-of-month month day-of-week, each `*`, a number,
 * a name (jan..dec, sun..sat), a range a-b, a step x/n or a-b/n or * /n,
 * and comma lists of those. Day-of-week 0 and 7 are Sunday. Vixie-cron
 * day semantics: if either day field starts with `*`, a day must match
 * both fields (the starred one matches anything); if both are restricted,
 * a day matches when either field matches.
 * Presets: @hourly @daily @midnight @weekly @monthly @yearly @annually,
 * @once (a single run at start_date) and `none` (manual runs only).
 * All times are UTC seconds since the epoch, on whole minutes. With a zone
 * (pZone, set by the caller after cron_parse), the fields are read on that
 * zone's wall clock; DST gaps and repeats follow Airflow (see cron.c).
 * Written by hand: no cron library is packaged in Debian for C. */
#ifndef AIRC_CRON_H
#define AIRC_CRON_H
#include <stddef.h>
#include <stdint.h>
#include "common/rc.h"
#include "dag/tz.h"

typedef enum { SCHEDULE_NONE, SCHEDULE_ONCE, SCHEDULE_CRON } schedule_kind;

typedef struct cron_expr {
  schedule_kind kind;
  uint64_t minutes;   /* bit i: minute i (0..59) */
  uint32_t hours;     /* bit i: hour i (0..23) */
  uint32_t mdays;     /* bit i: day i (1..31) */
  uint16_t months;    /* bit i: month i (1..12) */
  uint8_t wdays;      /* bit i: weekday i (0..6, 0 = Sunday) */
  int mdayStar;       /* day-of-month field started with '*' */
  int wdayStar;       /* day-of-week field started with '*' */
  const tz_zone *pZone; /* wall clock the fields are read on; NULL = UTC (borrowed, process-lived) */
} cron_expr;

/* Parses a schedule string (cron, preset, "@once", "none"). On error returns
 * AIRC_ERR_PARSE and writes a one-line reason naming the field to zErr. */
AIRC_WUR airc_rc cron_parse(const char *zSchedule, cron_expr *pOut, char *zErr, size_t nErr);

/* 1 if the minute containing t is a tick (on the zone's wall clock). */
int cron_matches(const cron_expr *p, int64_t t);
/* First tick strictly after t, or -1 if none within 8 years (e.g. "0 0 30 2 *"). */
int64_t cron_next(const cron_expr *p, int64_t t);
/* Last tick strictly before t, or -1 if none within 8 years. */
int64_t cron_prev(const cron_expr *p, int64_t t);

#endif
