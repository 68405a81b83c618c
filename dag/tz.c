/* tz.c: see tz.h. A TZif reader (RFC 8536) and a POSIX TZ rule evaluator,
 * for per-zone UTC <-> wall clock conversion without touching $TZ.
 * Not a general date library: whole seconds, leap seconds ignored (the
 * "right/" zones are read as if they had none). */
#include "dag/tz.h"
#include "common/timeutil.h"
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TZ_MAX_TRANS 20000
#define TZ_MAX_TYPES 256
#define TZ_MAX_CHARS 512
#define TZ_MAX_LEAPS 1000
#define TZ_MAX_ZONES 1024
#define TZ_ABBR_MAX 16

typedef struct tz_type {
  int32_t off;
  uint8_t isDst;
  uint8_t iAbbr; /* index into zAbbr */
} tz_type;

/* One end of daylight time in a POSIX rule: Jn, n or Mm.w.d, at tSec local. */
typedef struct tz_rule_date {
  char kind; /* 'J', 'N' (zero-based day), 'M' */
  int n, m, w, d;
  int32_t tSec;
} tz_rule_date;

typedef struct tz_rule {
  int32_t stdOff, dstOff;   /* local = utc + off */
  int hasDst;
  tz_rule_date start, end;
  char zStd[TZ_ABBR_MAX], zDst[TZ_ABBR_MAX];
} tz_rule;

struct tz_zone {
  char zName[TZ_NAME_MAX + 1];
  int nTrans, nType;
  int64_t *aTrans;          /* UTC times, ascending */
  uint8_t *aIdx;            /* type in force from aTrans[i] */
  tz_type aType[TZ_MAX_TYPES];
  char zAbbr[TZ_MAX_CHARS + 1];
  int hasRule;
  tz_rule rule;
};

/* ---- POSIX TZ strings ("CET-1CEST,M3.5.0,M10.5.0/3") ---- */

static int rule_name(const char **pz, char *zOut) {
  const char *z = *pz;
  size_t n = 0;
  if(*z == '<') {
    z++;
    while(*z && *z != '>') {
      if(n + 1 < TZ_ABBR_MAX) zOut[n++] = *z;
      z++;
    }
    if(*z != '>') return 0;
    z++;
  } else {
    while(isalpha((unsigned char)*z)) {
      if(n + 1 < TZ_ABBR_MAX) zOut[n++] = *z;
      z++;
    }
    if(n < 3) return 0;
  }
  zOut[n] = 0;
  *pz = z;
  return 1;
}

/* [+-]hh[:mm[:ss]], hours up to 167. Returns 1 and the seconds. */
static int rule_time(const char **pz, int32_t *pSec) {
  const char *z = *pz;
  int sign = 1, a[3] = {0, 0, 0};
  if(*z == '+' || *z == '-') sign = *z++ == '-' ? -1 : 1;
  for(int i = 0; i < 3; i++) {
    if(i > 0) {
      if(*z != ':') break;
      z++;
    }
    if(!isdigit((unsigned char)*z)) return 0;
    int v = 0;
    for(int k = 0; k < 3 && isdigit((unsigned char)*z); k++) v = v * 10 + (*z++ - '0');
    a[i] = v;
  }
  if(a[0] > 167 || a[1] > 59 || a[2] > 59) return 0;
  *pSec = sign * (a[0] * 3600 + a[1] * 60 + a[2]);
  *pz = z;
  return 1;
}

static int rule_num(const char **pz, int lo, int hi, int *pOut) {
  const char *z = *pz;
  if(!isdigit((unsigned char)*z)) return 0;
  int v = 0;
  for(int k = 0; k < 4 && isdigit((unsigned char)*z); k++) v = v * 10 + (*z++ - '0');
  if(v < lo || v > hi) return 0;
  *pOut = v;
  *pz = z;
  return 1;
}

static int rule_date(const char **pz, tz_rule_date *p) {
  const char *z = *pz;
  memset(p, 0, sizeof(*p));
  if(*z == 'J') {
    z++;
    p->kind = 'J';
    if(!rule_num(&z, 1, 365, &p->n)) return 0;
  } else if(*z == 'M') {
    z++;
    p->kind = 'M';
    if(!rule_num(&z, 1, 12, &p->m) || *z++ != '.' || !rule_num(&z, 1, 5, &p->w) || *z++ != '.' ||
       !rule_num(&z, 0, 6, &p->d))
      return 0;
  } else {
    p->kind = 'N';
    if(!rule_num(&z, 0, 365, &p->n)) return 0;
  }
  p->tSec = 7200;
  if(*z == '/') {
    z++;
    if(!rule_time(&z, &p->tSec)) return 0;
  }
  *pz = z;
  return 1;
}

/* Parses a POSIX TZ string (no leading ':' form). Returns 1 on success. */
static int rule_parse(const char *z, tz_rule *p) {
  memset(p, 0, sizeof(*p));
  int32_t s;
  if(!rule_name(&z, p->zStd) || !rule_time(&z, &s)) return 0;
  p->stdOff = -s;
  if(!*z) return 1;
  if(!rule_name(&z, p->zDst)) return 0;
  p->hasDst = 1;
  p->dstOff = p->stdOff + 3600;
  if(*z && *z != ',') {
    if(!rule_time(&z, &s)) return 0;
    p->dstOff = -s;
  }
  if(!*z) { /* POSIX leaves the default to the implementation: US rules, as glibc */
    p->start = (tz_rule_date){'M', 0, 3, 2, 0, 7200};
    p->end = (tz_rule_date){'M', 0, 11, 1, 0, 7200};
    return 1;
  }
  if(*z++ != ',' || !rule_date(&z, &p->start) || *z++ != ',' || !rule_date(&z, &p->end)) return 0;
  return *z == 0;
}

/* Local seconds (since the epoch, local calendar) of date r in year y. */
static int64_t rule_date_local(const tz_rule_date *r, int y) {
  int64_t day = airc_days_from_civil(y, 1, 1);
  if(r->kind == 'J') day += r->n - 1 + (airc_is_leap(y) && r->n >= 60 ? 1 : 0);
  else if(r->kind == 'N') day += r->n;
  else {
    int64_t first = airc_days_from_civil(y, r->m, 1);
    int wd1 = (int)(((first % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
    int mday = 1 + (r->d - wd1 + 7) % 7 + (r->w - 1) * 7;
    int dim = airc_days_in_month(y, r->m);
    while(mday > dim) mday -= 7;
    day = first + mday - 1;
  }
  return day * 86400 + r->tSec;
}

static int rule_is_dst(const tz_rule *p, int64_t t) {
  if(!p->hasDst) return 0;
  airc_tm tm;
  airc_epoch_to_tm(t + p->stdOff, &tm);
  int64_t s = rule_date_local(&p->start, tm.year) - p->stdOff;
  int64_t e = rule_date_local(&p->end, tm.year) - p->dstOff;
  if(s < e) return t >= s && t < e;
  return !(t >= e && t < s); /* southern hemisphere: daylight time spans the new year */
}

/* ---- TZif ---- */

static int64_t be32(const unsigned char *a) {
  return (int32_t)((uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3]);
}
static int64_t be64(const unsigned char *a) {
  uint64_t v = 0;
  for(int i = 0; i < 8; i++) v = v << 8 | a[i];
  return (int64_t)v;
}

typedef struct tzif_hdr {
  char version;
  uint32_t isut, isstd, leap, time, type, chars;
} tzif_hdr;

static int tzif_header(const unsigned char *a, size_t n, tzif_hdr *h) {
  if(n < 44 || memcmp(a, "TZif", 4)) return 0;
  h->version = (char)a[4];
  uint32_t *ap[] = {&h->isut, &h->isstd, &h->leap, &h->time, &h->type, &h->chars};
  for(int i = 0; i < 6; i++) *ap[i] = (uint32_t)be32(a + 20 + 4 * i);
  return 1;
}

/* Size of the data block after a header, with nTime-byte times, or 0 if a
 * count is above its cap. */
static size_t tzif_block_size(const tzif_hdr *h, size_t nTime) {
  if(h->time > TZ_MAX_TRANS || h->type > TZ_MAX_TYPES || h->type == 0 || h->chars > TZ_MAX_CHARS ||
     h->leap > TZ_MAX_LEAPS || (h->isut && h->isut != h->type) || (h->isstd && h->isstd != h->type))
    return 0;
  return h->time * nTime + h->time + h->type * 6 + h->chars + h->leap * (nTime + 4) + h->isstd + h->isut;
}

static int zone_fail(char *zErr, size_t nErr, const char *zName, const char *zWhy) {
  snprintf(zErr, nErr, "time zone '%.64s': %s", zName, zWhy);
  return 0;
}

tz_zone *tz_zone_parse(const char *zName, const unsigned char *a, size_t n, char *zErr, size_t nErr) {
  tzif_hdr h;
  if(!tzif_header(a, n, &h)) return zone_fail(zErr, nErr, zName, "not a TZif file"), NULL;
  size_t nBlock = tzif_block_size(&h, 4);
  if(!nBlock || 44 + nBlock > n) return zone_fail(zErr, nErr, zName, "truncated or oversized TZif data"), NULL;
  size_t nTime = 4, off = 44;
  if(h.version >= '2') { /* skip the 32-bit block: the 64-bit one follows */
    off = 44 + nBlock;
    if(!tzif_header(a + off, n - off, &h)) return zone_fail(zErr, nErr, zName, "bad second TZif header"), NULL;
    off += 44;
    nTime = 8;
    nBlock = tzif_block_size(&h, 8);
    if(!nBlock || off + nBlock > n) return zone_fail(zErr, nErr, zName, "truncated or oversized TZif data"), NULL;
  }
  tz_zone *p = calloc(1, sizeof(*p));
  if(!p) return zone_fail(zErr, nErr, zName, "out of memory"), NULL;
  snprintf(p->zName, sizeof(p->zName), "%s", zName);
  p->nTrans = (int)h.time;
  p->nType = (int)h.type;
  p->aTrans = calloc(h.time + 1, sizeof(int64_t));
  p->aIdx = calloc(h.time + 1, 1);
  if(!p->aTrans || !p->aIdx) {
    tz_zone_free(p);
    return zone_fail(zErr, nErr, zName, "out of memory"), NULL;
  }
  const unsigned char *q = a + off;
  for(uint32_t i = 0; i < h.time; i++, q += nTime) {
    p->aTrans[i] = nTime == 8 ? be64(q) : be32(q);
    if(i > 0 && p->aTrans[i] <= p->aTrans[i - 1]) {
      tz_zone_free(p);
      return zone_fail(zErr, nErr, zName, "transitions out of order"), NULL;
    }
  }
  for(uint32_t i = 0; i < h.time; i++, q++) {
    if(*q >= h.type) {
      tz_zone_free(p);
      return zone_fail(zErr, nErr, zName, "bad local time type index"), NULL;
    }
    p->aIdx[i] = *q;
  }
  for(uint32_t i = 0; i < h.type; i++, q += 6) {
    int64_t o = be32(q);
    if(o < -25 * 3600 || o > 26 * 3600 || q[5] >= (h.chars ? h.chars : 1)) {
      tz_zone_free(p);
      return zone_fail(zErr, nErr, zName, "bad local time type"), NULL;
    }
    p->aType[i] = (tz_type){(int32_t)o, q[4] ? 1 : 0, q[5]};
  }
  memcpy(p->zAbbr, q, h.chars);
  p->zAbbr[h.chars] = 0;
  q = a + off + nBlock; /* leap seconds and the std/ut indicators are not used */
  if(nTime == 8 && (size_t)(q - a) < n && *q == '\n') {
    const unsigned char *zEnd = memchr(q + 1, '\n', n - (size_t)(q - a) - 1);
    char zRule[128];
    size_t nRule = zEnd ? (size_t)(zEnd - q - 1) : 0;
    if(zEnd && nRule > 0 && nRule < sizeof(zRule)) {
      memcpy(zRule, q + 1, nRule);
      zRule[nRule] = 0;
      if(!rule_parse(zRule, &p->rule)) {
        tz_zone_free(p);
        return zone_fail(zErr, nErr, zName, "bad POSIX TZ string in the footer"), NULL;
      }
      p->hasRule = 1;
    }
  }
  return p;
}

void tz_zone_free(tz_zone *p) {
  if(!p) return;
  free(p->aTrans);
  free(p->aIdx);
  free(p);
}

const char *tz_zone_name(const tz_zone *p) { return p ? p->zName : "UTC"; }

int tz_zone_is_utc(const tz_zone *p) {
  if(!p) return 1;
  for(int i = 0; i < p->nType; i++)
    if(p->aType[i].off) return 0;
  return !p->hasRule || (!p->rule.hasDst && !p->rule.stdOff);
}

/* Index of the type in force at t, or -1 when the footer rule applies. */
static int zone_type_at(const tz_zone *p, int64_t t) {
  if(p->nTrans == 0) return p->hasRule ? -1 : 0;
  if(t < p->aTrans[0]) return 0; /* RFC 8536: type 0 before the first transition */
  if(t >= p->aTrans[p->nTrans - 1] && p->hasRule) return -1;
  int lo = 0, hi = p->nTrans - 1; /* last i with aTrans[i] <= t */
  while(lo < hi) {
    int mid = lo + (hi - lo + 1) / 2;
    if(p->aTrans[mid] <= t) lo = mid;
    else hi = mid - 1;
  }
  return p->aIdx[lo];
}

int32_t tz_offset_at(const tz_zone *p, int64_t t) {
  if(!p) return 0;
  int i = zone_type_at(p, t);
  if(i >= 0) return p->aType[i].off;
  return rule_is_dst(&p->rule, t) ? p->rule.dstOff : p->rule.stdOff;
}

const char *tz_abbrev_at(const tz_zone *p, int64_t t) {
  if(!p) return "UTC";
  int i = zone_type_at(p, t);
  if(i >= 0) return p->zAbbr + p->aType[i].iAbbr;
  return rule_is_dst(&p->rule, t) ? p->rule.zDst : p->rule.zStd;
}

int64_t tz_local_to_utc(const tz_zone *p, int64_t tLocal) {
  if(!p) return tLocal;
  /* the offsets before and after any transition near tLocal (zones change
   * at most once a day, and no offset exceeds a day) */
  int32_t a = tz_offset_at(p, tLocal - 86400), b = tz_offset_at(p, tLocal + 86400);
  if(a == b) return tLocal - a;
  int okA = tz_offset_at(p, tLocal - a) == a, okB = tz_offset_at(p, tLocal - b) == b;
  if(okB) return tLocal - b; /* unique, or repeated: the post-transition occurrence */
  if(okA) return tLocal - a;
  return tLocal - a;         /* skipped: as far after the jump as it was after its start */
}

/* ---- the process-wide cache ---- */

static pthread_mutex_t zoneMutex = PTHREAD_MUTEX_INITIALIZER;
static tz_zone *apZone[TZ_MAX_ZONES];
static int nZone;

static int zone_name_ok(const char *z) {
  size_t n = strlen(z);
  if(n == 0 || n > TZ_NAME_MAX || z[0] == '/' || z[0] == '.' || strstr(z, "..")) return 0;
  for(size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)z[i];
    if(!isalnum(c) && c != '/' && c != '_' && c != '-' && c != '+') return 0;
  }
  return 1;
}

static tz_zone *zone_read(const char *zName, char *zErr, size_t nErr) {
  const char *zDir = getenv("TZDIR");
  char zPath[512];
  snprintf(zPath, sizeof(zPath), "%s/%s", zDir && *zDir ? zDir : "/usr/share/zoneinfo", zName);
  FILE *f = fopen(zPath, "rb");
  unsigned char *a = f ? malloc(TZ_FILE_MAX + 1) : NULL;
  size_t n = a ? fread(a, 1, TZ_FILE_MAX + 1, f) : 0;
  if(f) fclose(f);
  tz_zone *p = NULL;
  if(n > 0 && n <= TZ_FILE_MAX) p = tz_zone_parse(zName, a, n, zErr, nErr);
  free(a);
  if(!p) snprintf(zErr, nErr, "unknown time zone '%.64s' (use an IANA name such as Europe/Paris or UTC)", zName);
  return p;
}

const tz_zone *tz_zone_load(const char *zName, char *zErr, size_t nErr) {
  if(!zName || !zone_name_ok(zName)) {
    snprintf(zErr, nErr, "unknown time zone '%.64s' (use an IANA name such as Europe/Paris or UTC)", zName ? zName : "");
    return NULL;
  }
  pthread_mutex_lock(&zoneMutex);
  tz_zone *p = NULL;
  for(int i = 0; i < nZone && !p; i++)
    if(!strcmp(apZone[i]->zName, zName)) p = apZone[i];
  if(!p && nZone < TZ_MAX_ZONES && (p = zone_read(zName, zErr, nErr))) apZone[nZone++] = p;
  else if(!p && nZone >= TZ_MAX_ZONES) snprintf(zErr, nErr, "too many time zones in use");
  pthread_mutex_unlock(&zoneMutex);
  return p;
}
