/* timeutil.c: see timeutil.h. Civil-date conversions follow Howard
 * Hinnant's public-domain algorithms (days_from_civil / civil_from_days). */
#include "common/timeutil.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int airc_is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int airc_days_in_month(int y, int m) {
  static const int a[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if(m == 2 && airc_is_leap(y)) return 29;
  return a[(m - 1) % 12];
}

int64_t airc_days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void airc_civil_from_days(int64_t z, int *pY, int *pM, int *pD) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  *pY = (int)(y + (m <= 2));
  *pM = (int)m;
  *pD = (int)d;
}

int64_t airc_tm_to_epoch(const airc_tm *t) {
  return airc_days_from_civil(t->year, t->mon, t->mday) * 86400 + t->hour * 3600 +
         t->min * 60 + t->sec;
}

void airc_epoch_to_tm(int64_t t, airc_tm *p) {
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int64_t rem = t - days * 86400;
  airc_civil_from_days(days, &p->year, &p->mon, &p->mday);
  p->hour = (int)(rem / 3600);
  p->min = (int)(rem % 3600 / 60);
  p->sec = (int)(rem % 60);
  int64_t w = (days + 4) % 7; /* 1970-01-01 was a Thursday */
  p->wday = (int)(w < 0 ? w + 7 : w);
}

int64_t airc_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t airc_now(void) { return airc_now_us() / 1000000; }

static int parse_digits(const char **pz, int n, int *pOut) {
  int v = 0;
  for(int i = 0; i < n; i++) {
    if(!isdigit((unsigned char)(*pz)[i])) return 0;
    v = v * 10 + ((*pz)[i] - '0');
  }
  *pz += n;
  *pOut = v;
  return 1;
}

airc_rc airc_time_parse(const char *z, int64_t *pOut) {
  airc_tm t = {0};
  if(!z) return AIRC_ERR_PARSE;
  while(isspace((unsigned char)*z)) z++;
  if(!parse_digits(&z, 4, &t.year) || *z++ != '-' || !parse_digits(&z, 2, &t.mon) ||
     *z++ != '-' || !parse_digits(&z, 2, &t.mday))
    return AIRC_ERR_PARSE;
  if(t.year < 1 || t.mon < 1 || t.mon > 12 || t.mday < 1 ||
     t.mday > airc_days_in_month(t.year, t.mon))
    return AIRC_ERR_PARSE;
  int64_t off = 0;
  if(*z == 'T' || *z == ' ') {
    z++;
    if(!parse_digits(&z, 2, &t.hour) || *z++ != ':' || !parse_digits(&z, 2, &t.min))
      return AIRC_ERR_PARSE;
    if(*z == ':') {
      z++;
      if(!parse_digits(&z, 2, &t.sec)) return AIRC_ERR_PARSE;
      if(*z == '.' || *z == ',') {
        z++;
        if(!isdigit((unsigned char)*z)) return AIRC_ERR_PARSE;
        while(isdigit((unsigned char)*z)) z++;
      }
    }
    if(t.hour > 23 || t.min > 59 || t.sec > 59) return AIRC_ERR_PARSE;
    if(*z == 'Z' || *z == 'z') {
      z++;
    } else if(*z == '+' || *z == '-') {
      int sign = *z++ == '-' ? -1 : 1, oh, om = 0;
      if(!parse_digits(&z, 2, &oh)) return AIRC_ERR_PARSE;
      /* "+05", "+0530" or "+05:30"; a ':' must be followed by minutes */
      if(*z == ':' && !isdigit((unsigned char)*++z)) return AIRC_ERR_PARSE;
      if(isdigit((unsigned char)*z) && !parse_digits(&z, 2, &om)) return AIRC_ERR_PARSE;
      if(oh > 23 || om > 59) return AIRC_ERR_PARSE;
      off = sign * (oh * 3600 + om * 60);
    }
  }
  while(isspace((unsigned char)*z)) z++;
  if(*z) return AIRC_ERR_PARSE;
  *pOut = airc_tm_to_epoch(&t) - off;
  return AIRC_OK;
}

char *airc_time_format(int64_t sec, char *zBuf, size_t nBuf) {
  airc_tm t;
  airc_epoch_to_tm(sec, &t);
  snprintf(zBuf, nBuf, "%04d-%02d-%02dT%02d:%02d:%02dZ", t.year, t.mon, t.mday, t.hour, t.min, t.sec);
  return zBuf;
}

char *airc_time_format_us(int64_t us, char *zBuf, size_t nBuf) {
  int64_t sec = us >= 0 ? us / 1000000 : (us - 999999) / 1000000;
  airc_tm t;
  airc_epoch_to_tm(sec, &t);
  snprintf(zBuf, nBuf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", t.year, t.mon, t.mday, t.hour,
           t.min, t.sec, (int)(us - sec * 1000000));
  return zBuf;
}

char *airc_time_format_api(int64_t us, char *zBuf, size_t nBuf) {
  int64_t sec = us >= 0 ? us / 1000000 : (us - 999999) / 1000000;
  int frac = (int)(us - sec * 1000000);
  airc_tm t;
  airc_epoch_to_tm(sec, &t);
  if(frac)
    snprintf(zBuf, nBuf, "%04d-%02d-%02dT%02d:%02d:%02d.%06d+00:00", t.year, t.mon, t.mday,
             t.hour, t.min, t.sec, frac);
  else
    snprintf(zBuf, nBuf, "%04d-%02d-%02dT%02d:%02d:%02d+00:00", t.year, t.mon, t.mday, t.hour,
             t.min, t.sec);
  return zBuf;
}

airc_rc airc_duration_parse(const char *z, int64_t *pOut) {
  int64_t total = 0;
  int nPart = 0;
  if(!z) return AIRC_ERR_PARSE;
  while(isspace((unsigned char)*z)) z++;
  while(*z && !isspace((unsigned char)*z)) {
    if(!isdigit((unsigned char)*z)) return AIRC_ERR_PARSE;
    int64_t v = 0;
    while(isdigit((unsigned char)*z)) {
      if(v > 100000000000LL) return AIRC_ERR_PARSE;
      v = v * 10 + (*z++ - '0');
    }
    int64_t mult;
    switch(*z) {
    case 's': mult = 1; z++; break;
    case 'm': mult = 60; z++; break;
    case 'h': mult = 3600; z++; break;
    case 'd': mult = 86400; z++; break;
    case 0: case ' ': case '\t': case '\n': case '\r':
      if(nPart) return AIRC_ERR_PARSE; /* "1h30" is ambiguous */
      mult = 1; break;
    default: return AIRC_ERR_PARSE;
    }
    total += v * mult;
    if(total > 100LL * 365 * 86400) return AIRC_ERR_PARSE;
    nPart++;
  }
  while(isspace((unsigned char)*z)) z++;
  if(*z || nPart == 0) return AIRC_ERR_PARSE;
  *pOut = total;
  return AIRC_OK;
}
