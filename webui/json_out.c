/* json_out.c: see json_out.h. The escaping and UTF-8 rules copy jansson's
 * (dump.c, utf8.c) so the output matches json_dumps byte for byte. */
#include "webui/json_out.h"
#include "common/timeutil.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

void json_out_init(json_out *p, size_t nMax) {
  dynbuf_init(&p->b, nMax);
  p->rc = AIRC_OK;
  p->dayCache = INT64_MIN;
  p->zDay[0] = 0;
}

void json_out_reserve(json_out *p, size_t n) {
  if(!p->rc) p->rc = dynbuf_reserve(&p->b, n);
}

void json_out_free(json_out *p) { dynbuf_free(&p->b); }

char *json_out_take(json_out *p, size_t *pnOut) {
  *pnOut = p->b.n;
  if(p->rc) {
    dynbuf_free(&p->b);
    return NULL;
  }
  return dynbuf_take(&p->b);
}

void json_out_raw(json_out *p, const char *z, size_t n) {
  if(p->rc) return;
  dynbuf *b = &p->b;
  if(b->n + n + 1 <= b->nAlloc && n <= b->nMax - b->n) { /* fast path: room already there */
    memcpy(b->z + b->n, z, n);
    b->n += n;
    b->z[b->n] = 0;
    return;
  }
  p->rc = dynbuf_append(b, z, n);
}

/* Length of the valid UTF-8 sequence at z (1..4), or 0 when invalid:
 * jansson's utf8_check_first/utf8_check_full (no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
static size_t utf8_seq_len(const unsigned char *z) {
  unsigned c = z[0];
  size_t n;
  unsigned v;
  if(c < 0x80) return 1;
  if(c >= 0xC2 && c <= 0xDF) n = 2, v = c & 0x1F;
  else if(c >= 0xE0 && c <= 0xEF) n = 3, v = c & 0x0F;
  else if(c >= 0xF0 && c <= 0xF4) n = 4, v = c & 0x07;
  else return 0;
  for(size_t i = 1; i < n; i++) {
    if((z[i] & 0xC0) != 0x80) return 0; /* also stops at the NUL */
    v = (v << 6) | (z[i] & 0x3F);
  }
  if(v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  if((n == 3 && v < 0x800) || (n == 4 && v < 0x10000)) return 0;
  return n;
}

static int utf8_valid(const char *z) {
  const unsigned char *u = (const unsigned char *)z;
  while(*u) {
    if(*u < 0x80) {
      u++;
      continue;
    }
    size_t n = utf8_seq_len(u);
    if(!n) return 0;
    u += n;
  }
  return 1;
}

void json_out_str(json_out *p, const char *z) {
  if(!z) {
    json_out_lit(p, "null");
    return;
  }
  if(!utf8_valid(z)) {
    json_out_lit(p, "\"(not UTF-8)\"");
    return;
  }
  static const char zHex[] = "0123456789ABCDEF";
  json_out_lit(p, "\"");
  const char *zRun = z;
  for(;; z++) {
    unsigned char c = (unsigned char)*z;
    if(c >= 0x20 && c != '"' && c != '\\') continue;
    json_out_raw(p, zRun, (size_t)(z - zRun));
    if(!c) break;
    zRun = z + 1;
    switch(c) {
      case '"': json_out_lit(p, "\\\""); break;
      case '\\': json_out_lit(p, "\\\\"); break;
      case '\b': json_out_lit(p, "\\b"); break;
      case '\f': json_out_lit(p, "\\f"); break;
      case '\n': json_out_lit(p, "\\n"); break;
      case '\r': json_out_lit(p, "\\r"); break;
      case '\t': json_out_lit(p, "\\t"); break;
      default: {
        char zEsc[6] = {'\\', 'u', '0', '0', zHex[c >> 4], zHex[c & 15]};
        json_out_raw(p, zEsc, sizeof(zEsc));
      }
    }
  }
  json_out_lit(p, "\"");
}

/* Writes v's decimal digits right-aligned ending at zEnd; returns the start. */
static char *fmt_uint(char *zEnd, uint64_t v) {
  do {
    *--zEnd = (char)('0' + v % 10);
    v /= 10;
  } while(v);
  return zEnd;
}

void json_out_int(json_out *p, int64_t v) {
  char z[24];
  char *zEnd = z + sizeof(z);
  char *zStart = fmt_uint(zEnd, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
  if(v < 0) *--zStart = '-';
  json_out_raw(p, zStart, (size_t)(zEnd - zStart));
}

static void put2(char *z, int v) {
  z[0] = (char)('0' + v / 10);
  z[1] = (char)('0' + v % 10);
}

void json_out_time_us(json_out *p, int64_t us) {
  int64_t sec = us >= 0 ? us / 1000000 : (us - 999999) / 1000000;
  int64_t day = sec >= 0 ? sec / 86400 : (sec - 86399) / 86400;
  if(day != p->dayCache) {
    airc_tm t;
    airc_epoch_to_tm(day * 86400, &t);
    if(t.year < 0 || t.year > 9999) { /* outside what the fixed layout below prints */
      char zBuf[64];
      json_out_lit(p, "\"");
      airc_time_format_api(us, zBuf, sizeof(zBuf));
      json_out_raw(p, zBuf, strlen(zBuf));
      json_out_lit(p, "\"");
      return;
    }
    char *z = p->zDay;
    put2(z, t.year / 100);
    put2(z + 2, t.year % 100);
    z[4] = '-';
    put2(z + 5, t.mon);
    z[7] = '-';
    put2(z + 8, t.mday);
    z[10] = 'T';
    p->dayCache = day;
  }
  int rest = (int)(sec - day * 86400);
  int frac = (int)(us - sec * 1000000);
  char z[48];
  z[0] = '"';
  memcpy(z + 1, p->zDay, 11);
  put2(z + 12, rest / 3600);
  z[14] = ':';
  put2(z + 15, rest / 60 % 60);
  z[17] = ':';
  put2(z + 18, rest % 60);
  size_t n = 20;
  if(frac) {
    z[n++] = '.';
    for(int i = 5; i >= 0; i--, frac /= 10) z[n + (size_t)i] = (char)('0' + frac % 10);
    n += 6;
  }
  memcpy(z + n, "+00:00\"", 7);
  json_out_raw(p, z, n + 7);
}

/* ---- canonical check ---- */

#define CANON_MAX_DEPTH 32
#define CANON_MAX_KEYS 64

typedef struct canon_key {
  const char *z;
  size_t n;
} canon_key;

static const char *canon_value(const char *z, int depth);

/* A string as jansson prints it: no `\/`, short escapes where jansson uses
 * them, `\u00XX` (upper-case hex) only for the other control characters
 * and never for NUL, everything else raw valid UTF-8. Returns the byte
 * after the closing quote, or NULL. */
static const char *canon_string(const char *z) {
  if(*z++ != '"') return NULL;
  for(;;) {
    unsigned char c = (unsigned char)*z;
    if(c == '"') return z + 1;
    if(c < 0x20) return NULL; /* also the NUL: unterminated */
    if(c == '\\') {
      char e = z[1];
      if(e == '"' || e == '\\' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
        z += 2;
        continue;
      }
      if(e != 'u' || z[2] != '0' || z[3] != '0' || (z[4] != '0' && z[4] != '1')) return NULL;
      char h = z[5];
      int v;
      if(h >= '0' && h <= '9') v = h - '0';
      else if(h >= 'A' && h <= 'F') v = h - 'A' + 10;
      else return NULL;
      v += (z[4] - '0') * 16;
      if(v == 0 || v == '\b' || v == '\f' || v == '\n' || v == '\r' || v == '\t') return NULL;
      z += 6;
      continue;
    }
    size_t n = utf8_seq_len((const unsigned char *)z);
    if(!n) return NULL;
    z += n;
  }
}

/* An integer that json_int_t holds and jansson prints the same way: no
 * "-0", no leading zeros, at most 18 digits (no overflow question). */
static const char *canon_int(const char *z) {
  if(*z == '-') z++;
  if(*z == '0') return (z[1] >= '0' && z[1] <= '9') || z[-1] == '-' ? NULL : z + 1;
  const char *zStart = z;
  while(*z >= '0' && *z <= '9') z++;
  if(z == zStart || z - zStart > 18) return NULL;
  if(*z == '.' || *z == 'e' || *z == 'E') return NULL; /* reals: let jansson decide */
  return z;
}

static const char *canon_object(const char *z, int depth) {
  canon_key aKey[CANON_MAX_KEYS];
  int nKey = 0;
  z++;
  if(*z == '}') return z + 1;
  for(;;) {
    const char *zKey = z;
    z = canon_string(z);
    if(!z || *z != ':' || nKey == CANON_MAX_KEYS) return NULL;
    size_t n = (size_t)(z - zKey);
    for(int i = 0; i < nKey; i++) /* a duplicate key would collapse */
      if(aKey[i].n == n && !memcmp(aKey[i].z, zKey, n)) return NULL;
    aKey[nKey].z = zKey;
    aKey[nKey++].n = n;
    z = canon_value(z + 1, depth + 1);
    if(!z) return NULL;
    if(*z == '}') return z + 1;
    if(*z++ != ',') return NULL;
  }
}

static const char *canon_array(const char *z, int depth) {
  z++;
  if(*z == ']') return z + 1;
  for(;;) {
    z = canon_value(z, depth + 1);
    if(!z) return NULL;
    if(*z == ']') return z + 1;
    if(*z++ != ',') return NULL;
  }
}

static const char *canon_value(const char *z, int depth) {
  if(depth > CANON_MAX_DEPTH) return NULL;
  switch(*z) {
    case '{': return canon_object(z, depth);
    case '[': return canon_array(z, depth);
    case '"': return canon_string(z);
    case 't': return strncmp(z, "true", 4) ? NULL : z + 4;
    case 'f': return strncmp(z, "false", 5) ? NULL : z + 5;
    case 'n': return strncmp(z, "null", 4) ? NULL : z + 4;
    default: return (*z == '-' || (*z >= '0' && *z <= '9')) ? canon_int(z) : NULL;
  }
}

int json_out_is_canonical_object(const char *z) {
  if(!z || *z != '{') return 0;
  const char *zEnd = canon_object(z, 0);
  return zEnd && !*zEnd;
}

void json_out_object_text(json_out *p, const char *z) {
  if(!z) {
    json_out_lit(p, "{}");
    return;
  }
  if(json_out_is_canonical_object(z)) {
    json_out_raw(p, z, strlen(z));
    return;
  }
  json_t *pDoc = json_loads(z, JSON_DECODE_ANY, NULL);
  int bObject = json_is_object(pDoc);
  char *zDump = bObject ? json_dumps(pDoc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(pDoc);
  if(zDump) json_out_raw(p, zDump, strlen(zDump));
  else if(!bObject) json_out_lit(p, "{}");
  else if(!p->rc) p->rc = AIRC_ERR_NOMEM;
  free(zDump);
}
