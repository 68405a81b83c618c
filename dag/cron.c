/* cron.c: see cron.h. The search for the next/previous tick skips whole
 * months, days and hours that cannot match, so it costs at most a few
 * thousand steps even for yearly schedules; it gives up after 8 years so
 * that impossible expressions (February 30th) end instead of looping. */
#include "dag/cron.h"
#include "common/timeutil.h"
#include "dag/tz.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CRON_HORIZON_SEC (8LL * 366 * 86400)

typedef struct cron_field_spec {
  const char *zName;
  int lo, hi;
  const char *const *azNames; /* names for lo.., or NULL */
} cron_field_spec;

static const char *const azMonth[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                      "jul", "aug", "sep", "oct", "nov", "dec", NULL};
static const char *const azWday[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL};

static const cron_field_spec aSpec[5] = {
    {"minute", 0, 59, NULL},      {"hour", 0, 23, NULL},      {"day-of-month", 1, 31, NULL},
    {"month", 1, 12, azMonth},    {"day-of-week", 0, 7, azWday},
};

/* Parses a number or a name at *pz. Returns 1 and advances on success. */
static int cron_parse_value(const char **pz, const cron_field_spec *pSpec, int *pOut) {
  const char *z = *pz;
  if(isdigit((unsigned char)*z)) {
    int v = 0;
    while(isdigit((unsigned char)*z)) {
      v = v * 10 + (*z++ - '0');
      if(v > 1000) return 0;
    }
    *pz = z;
    *pOut = v;
    return 1;
  }
  if(pSpec->azNames && isalpha((unsigned char)z[0]) && isalpha((unsigned char)z[1]) &&
     isalpha((unsigned char)z[2])) {
    for(int i = 0; pSpec->azNames[i]; i++) {
      if(!strncasecmp(z, pSpec->azNames[i], 3)) {
        *pz = z + 3;
        *pOut = pSpec->lo == 1 ? i + 1 : i;
        return 1;
      }
    }
  }
  return 0;
}

/* Copies at most nMax bytes of user text z into zOut for an error message,
 * control characters written as \n, \t, \r or \xNN, so that the message stays
 * one line whatever the schedule holds. */
static const char *cron_quote(const char *z, size_t nMax, char *zOut, size_t nOut) {
  size_t k = 0;
  for(size_t i = 0; z[i] && i < nMax && k + 5 < nOut; i++) {
    unsigned char c = (unsigned char)z[i];
    if(c >= 0x20 && c != 0x7f) zOut[k++] = (char)c;
    else if(c == '\n') k += (size_t)snprintf(zOut + k, nOut - k, "\\n");
    else if(c == '\t') k += (size_t)snprintf(zOut + k, nOut - k, "\\t");
    else if(c == '\r') k += (size_t)snprintf(zOut + k, nOut - k, "\\r");
    else k += (size_t)snprintf(zOut + k, nOut - k, "\\x%02x", c);
  }
  zOut[k] = 0;
  return zOut;
}

/* Parses one field into a bit set. Returns 0 on success, else writes zErr. */
static int cron_parse_field(const char *zField, const cron_field_spec *pSpec, uint64_t *pBits,
                            char *zErr, size_t nErr) {
  uint64_t bits = 0;
  const char *z = zField;
  char zQ[256];
  for(;;) {
    int lo, hi, step = 1;
    if(*z == '*') {
      lo = pSpec->lo;
      hi = pSpec->hi == 7 ? 6 : pSpec->hi;
      z++;
    } else {
      if(!cron_parse_value(&z, pSpec, &lo)) goto bad;
      hi = lo;
      if(*z == '-') {
        z++;
        if(!cron_parse_value(&z, pSpec, &hi)) goto bad;
      } else if(*z == '/') {
        hi = pSpec->hi == 7 ? 6 : pSpec->hi; /* "5/10" means 5-max/10 */
      }
    }
    if(*z == '/') {
      z++;
      if(!isdigit((unsigned char)*z)) goto bad;
      step = 0;
      while(isdigit((unsigned char)*z)) {
        step = step * 10 + (*z++ - '0');
        if(step > 1000) goto bad;
      }
      if(step == 0) goto bad;
    }
    if(lo < pSpec->lo || hi > pSpec->hi || lo > pSpec->hi) {
      snprintf(zErr, nErr, "%s value out of range %d-%d in '%s'", pSpec->zName, pSpec->lo,
               pSpec->hi, cron_quote(zField, 60, zQ, sizeof(zQ)));
      return -1;
    }
    if(lo > hi) {
      snprintf(zErr, nErr, "%s range %d-%d is backwards in '%s'", pSpec->zName, lo, hi,
               cron_quote(zField, 60, zQ, sizeof(zQ)));
      return -1;
    }
    for(int v = lo; v <= hi; v += step) bits |= 1ULL << (pSpec->hi == 7 && v == 7 ? 0 : v);
    if(*z == ',') {
      z++;
      continue;
    }
    if(*z == 0) break;
    goto bad;
  }
  *pBits = bits;
  return 0;
bad:
  snprintf(zErr, nErr, "bad %s field '%s'", pSpec->zName, cron_quote(zField, 60, zQ, sizeof(zQ)));
  return -1;
}

airc_rc cron_parse(const char *zSchedule, cron_expr *pOut, char *zErr, size_t nErr) {
  static const struct { const char *zName, *zExpr; } aPreset[] = {
      {"@hourly", "0 * * * *"},  {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
      {"@weekly", "0 0 * * 0"},  {"@monthly", "0 0 1 * *"}, {"@yearly", "0 0 1 1 *"},
      {"@annually", "0 0 1 1 *"},
  };
  memset(pOut, 0, sizeof(*pOut));
  if(!zSchedule) zSchedule = "none";
  while(isspace((unsigned char)*zSchedule)) zSchedule++;
  if(!*zSchedule || !strcasecmp(zSchedule, "none") || !strcasecmp(zSchedule, "null")) {
    pOut->kind = SCHEDULE_NONE;
    return AIRC_OK;
  }
  if(!strcasecmp(zSchedule, "@once")) {
    pOut->kind = SCHEDULE_ONCE;
    return AIRC_OK;
  }
  char zQ[256];
  const char *zExpr = zSchedule;
  if(zSchedule[0] == '@') {
    zExpr = NULL;
    for(size_t i = 0; i < sizeof(aPreset) / sizeof(aPreset[0]); i++)
      if(!strcasecmp(zSchedule, aPreset[i].zName)) zExpr = aPreset[i].zExpr;
    if(!zExpr) {
      snprintf(zErr, nErr, "unknown schedule preset '%s' (use @once, @hourly, @daily, @weekly, @monthly, @yearly or none)",
               cron_quote(zSchedule, 40, zQ, sizeof(zQ)));
      return AIRC_ERR_PARSE;
    }
  }
  char zCopy[256];
  if(strlen(zExpr) >= sizeof(zCopy)) {
    snprintf(zErr, nErr, "schedule is too long");
    return AIRC_ERR_PARSE;
  }
  strcpy(zCopy, zExpr);
  char *azField[6];
  int nField = 0;
  char *zSave = NULL;
  /* any whitespace separates fields (a JSON DAG can hold a newline) */
  for(char *z = strtok_r(zCopy, " \t\r\n\v\f", &zSave); z; z = strtok_r(NULL, " \t\r\n\v\f", &zSave)) {
    if(nField == 6) break;
    azField[nField++] = z;
  }
  if(nField != 5) {
    snprintf(zErr, nErr, "cron expression '%s' has %d fields, expected 5 (minute hour day-of-month month day-of-week)",
             cron_quote(zSchedule, 60, zQ, sizeof(zQ)), nField);
    return AIRC_ERR_PARSE;
  }
  uint64_t aBits[5];
  for(int i = 0; i < 5; i++) {
    if(cron_parse_field(azField[i], &aSpec[i], &aBits[i], zErr, nErr)) return AIRC_ERR_PARSE;
  }
  pOut->kind = SCHEDULE_CRON;
  pOut->minutes = aBits[0];
  pOut->hours = (uint32_t)aBits[1];
  pOut->mdays = (uint32_t)aBits[2];
  pOut->months = (uint16_t)aBits[3];
  pOut->wdays = (uint8_t)aBits[4];
  pOut->mdayStar = azField[2][0] == '*';
  pOut->wdayStar = azField[4][0] == '*';
  return AIRC_OK;
}

static int cron_day_matches(const cron_expr *p, const airc_tm *t) {
  int dom = (p->mdays >> t->mday) & 1;
  int dow = (p->wdays >> t->wday) & 1;
  if(p->mdayStar || p->wdayStar) return dom && dow;
  return dom || dow;
}

int cron_matches(const cron_expr *p, int64_t t) {
  if(p->kind != SCHEDULE_CRON) return 0;
  airc_tm tm;
  airc_epoch_to_tm(t + tz_offset_at(p->pZone, t), &tm);
  return ((p->months >> tm.mon) & 1) && cron_day_matches(p, &tm) && ((p->hours >> tm.hour) & 1) &&
         ((p->minutes >> tm.min) & 1);
}

static int64_t floor_minute(int64_t t) {
  int64_t r = t % 60;
  if(r < 0) r += 60;
  return t - r;
}

/* The next tick on the UTC clock (or on a local clock read as UTC). */
static int64_t cron_next_utc(const cron_expr *p, int64_t t) {
  int64_t cur = floor_minute(t) + 60;
  int64_t limit = cur + CRON_HORIZON_SEC;
  while(cur <= limit) {
    airc_tm tm;
    airc_epoch_to_tm(cur, &tm);
    if(!((p->months >> tm.mon) & 1)) {
      /* first minute of the next month */
      int y = tm.mon == 12 ? tm.year + 1 : tm.year, m = tm.mon == 12 ? 1 : tm.mon + 1;
      cur = airc_days_from_civil(y, m, 1) * 86400;
      continue;
    }
    if(!cron_day_matches(p, &tm)) {
      cur = airc_days_from_civil(tm.year, tm.mon, tm.mday) * 86400 + 86400;
      continue;
    }
    if(!((p->hours >> tm.hour) & 1)) {
      cur = cur - tm.min * 60 + 3600;
      continue;
    }
    if(!((p->minutes >> tm.min) & 1)) {
      cur += 60;
      continue;
    }
    return cur;
  }
  return -1;
}

static int64_t cron_prev_utc(const cron_expr *p, int64_t t) {
  int64_t cur = floor_minute(t);
  if(cur >= t) cur -= 60; /* strictly before t */
  int64_t limit = cur - CRON_HORIZON_SEC;
  while(cur >= limit) {
    airc_tm tm;
    airc_epoch_to_tm(cur, &tm);
    if(!((p->months >> tm.mon) & 1)) {
      /* last minute of the previous month */
      cur = airc_days_from_civil(tm.year, tm.mon, 1) * 86400 - 60;
      continue;
    }
    if(!cron_day_matches(p, &tm)) {
      cur = airc_days_from_civil(tm.year, tm.mon, tm.mday) * 86400 - 60;
      continue;
    }
    if(!((p->hours >> tm.hour) & 1)) {
      cur = cur - tm.min * 60 - 60;
      continue;
    }
    if(!((p->minutes >> tm.min) & 1)) {
      cur -= 60;
      continue;
    }
    return cur;
  }
  return -1;
}

/* Time zones follow Airflow's cron timetable (airflow/timetables/_cron.py):
 * the expression is evaluated on the zone's wall clock and the result made
 * aware with pendulum's POST_TRANSITION rule (tz_local_to_utc); when the
 * hour field covers every hour, the next tick is instead the same elapsed
 * time away as on the wall clock, so hourly schedules keep one run per real
 * hour through both DST changes. Either way a tick is strictly after
 * (before) t, so each scheduled time runs exactly once. */
static int cron_every_hour(const cron_expr *p) { return p->hours == 0xFFFFFFu; }

int64_t cron_next(const cron_expr *p, int64_t t) {
  if(p->kind != SCHEDULE_CRON) return -1;
  if(!p->pZone) return cron_next_utc(p, t);
  int64_t loc = t + tz_offset_at(p->pZone, t);
  if(cron_every_hour(p)) {
    int64_t nl = cron_next_utc(p, loc);
    if(nl < 0) return -1;
    int64_t c = t + (nl - loc);
    if(cron_matches(p, c)) return c;
  }
  for(int i = 0; i < 8; i++) { /* a repeated hour can map a tick back onto t's past */
    int64_t nl = cron_next_utc(p, loc);
    if(nl < 0) return -1;
    int64_t u = tz_local_to_utc(p->pZone, nl);
    if(u > t) return u;
    loc = nl;
  }
  return -1;
}

int64_t cron_prev(const cron_expr *p, int64_t t) {
  if(p->kind != SCHEDULE_CRON) return -1;
  if(!p->pZone) return cron_prev_utc(p, t);
  int64_t loc = t + tz_offset_at(p->pZone, t);
  if(cron_every_hour(p)) {
    int64_t pl = cron_prev_utc(p, loc);
    if(pl < 0) return -1;
    int64_t c = t - (loc - pl);
    if(cron_matches(p, c)) return c;
  }
  for(int i = 0; i < 8; i++) {
    int64_t pl = cron_prev_utc(p, loc);
    if(pl < 0) return -1;
    int64_t u = tz_local_to_utc(p->pZone, pl);
    if(u < t) return u;
    loc = pl;
  }
  return -1;
}
