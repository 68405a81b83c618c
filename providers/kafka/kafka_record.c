/* kafka_record.c: see kafka_record.h.
 *
 * A recursive-descent scanner over the line's bytes (RFC 8259 grammar).
 * Nothing is built: only the top-level object's "id" value is decoded, into
 * the caller's buffer. Recursion is bounded by KAFKA_RECORD_MAX_DEPTH. No
 * Debian-packaged C library validates JSON without building it (jansson,
 * json-c and jq all build trees; yajl's headers are not installed). */
#include "providers/kafka/kafka_record.h"
#include <stdint.h>
#include <string.h>

typedef struct rec_scan {
  const unsigned char *z;      /* next byte */
  const unsigned char *zEnd;
  const unsigned char *zStart; /* for the column in messages */
  const char *zWhy;            /* set on the first failure */
  const unsigned char *zAt;    /* where it failed */
} rec_scan;

/* The top-level object's last "id", decoded. */
typedef struct rec_id {
  char *z;          /* the caller's buffer */
  size_t nMax;      /* its size */
  size_t n;         /* decoded length (may exceed nMax: then it is cut) */
  int bString;      /* the last "id" was a string */
  int bSeen;
} rec_id;

static int scan_fail(rec_scan *s, const unsigned char *zAt, const char *zWhy) {
  s->zWhy = zWhy;
  s->zAt = zAt;
  return -1;
}

static void scan_ws(rec_scan *s) {
  const unsigned char *z = s->z, *e = s->zEnd;
  while(z < e && (*z == ' ' || *z == '\t' || *z == '\n' || *z == '\r')) z++;
  s->z = z;
}

/* Appends k bytes to a decode buffer of nMax bytes; *pn counts them all. */
static void scan_put(char *a, size_t nMax, size_t *pn, const void *p, size_t k) {
  if(a && *pn < nMax) memcpy(a + *pn, p, k <= nMax - *pn ? k : nMax - *pn);
  *pn += k;
}

/* Length of the valid UTF-8 sequence at z (first byte >= 0x80), 0 when
 * invalid: overlong, a surrogate, above U+10FFFF or cut short. */
static size_t scan_utf8(const unsigned char *z, const unsigned char *e) {
  unsigned c = z[0];
  size_t n;
  uint32_t v;
  if(c < 0xC2) return 0;
  else if(c < 0xE0) { n = 2; v = c & 0x1F; }
  else if(c < 0xF0) { n = 3; v = c & 0x0F; }
  else if(c < 0xF5) { n = 4; v = c & 0x07; }
  else return 0;
  if((size_t)(e - z) < n) return 0;
  for(size_t i = 1; i < n; i++) {
    if((z[i] & 0xC0) != 0x80) return 0;
    v = (v << 6) | (z[i] & 0x3F);
  }
  if(n == 3 && (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))) return 0;
  if(n == 4 && (v < 0x10000 || v > 0x10FFFF)) return 0;
  return n;
}

/* Four hex digits at z (bounds checked by the caller), -1 if not hex. */
static int32_t scan_hex4(const unsigned char *z) {
  int32_t v = 0;
  for(int i = 0; i < 4; i++) {
    unsigned c = z[i];
    int d = c >= '0' && c <= '9' ? (int)(c - '0')
          : c >= 'a' && c <= 'f' ? (int)(c - 'a' + 10)
          : c >= 'A' && c <= 'F' ? (int)(c - 'A' + 10) : -1;
    if(d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/* 1 for the bytes a string holds as they are: printable ASCII other than
 * '"' and '\\'. */
static const unsigned char g_aPlain[256] = {
#define P4(c) (c) >= 0x20 && (c) != '"' && (c) != '\\', (c) + 1 >= 0x20 && (c) + 1 != '"' && (c) + 1 != '\\', \
              (c) + 2 >= 0x20 && (c) + 2 != '"' && (c) + 2 != '\\', (c) + 3 >= 0x20 && (c) + 3 != '"' && (c) + 3 != '\\'
#define P16(c) P4(c), P4((c) + 4), P4((c) + 8), P4((c) + 12)
    P16(0x00), P16(0x10), P16(0x20), P16(0x30), P16(0x40), P16(0x50), P16(0x60), P16(0x70),
#undef P16
#undef P4
};

/* A string at s->z (on its opening quote). With a (nMax bytes) it is
 * decoded there; *pn gets the decoded length either way. */
static int scan_string(rec_scan *s, char *a, size_t nMax, size_t *pn) {
  const unsigned char *z = s->z + 1, *e = s->zEnd;
  size_t n = 0;
  for(;;) {
    const unsigned char *zRun = z;
    while(e - z >= 4 && g_aPlain[z[0]] && g_aPlain[z[1]] && g_aPlain[z[2]] && g_aPlain[z[3]]) z += 4;
    while(z < e && g_aPlain[*z]) z++;
    scan_put(a, nMax, &n, zRun, (size_t)(z - zRun));
    if(z >= e) return scan_fail(s, z, "premature end of input in string");
    unsigned c = *z;
    if(c == '"') break;
    if(c < 0x20) return scan_fail(s, z, "control character in string");
    if(c >= 0x80) {
      size_t k = scan_utf8(z, e);
      if(!k) return scan_fail(s, z, "invalid UTF-8 in string");
      scan_put(a, nMax, &n, z, k);
      z += k;
      continue;
    }
    /* a backslash */
    const unsigned char *zEsc = z;
    if(++z >= e) return scan_fail(s, z, "premature end of input in string");
    char ch;
    switch(*z) {
      case '"': case '\\': case '/': ch = (char)*z; break;
      case 'b': ch = '\b'; break;
      case 'f': ch = '\f'; break;
      case 'n': ch = '\n'; break;
      case 'r': ch = '\r'; break;
      case 't': ch = '\t'; break;
      case 'u': {
        int32_t v = e - z > 4 ? scan_hex4(z + 1) : -1;
        if(v < 0) return scan_fail(s, zEsc, "invalid \\u escape");
        z += 4;
        if(v == 0) return scan_fail(s, zEsc, "\\u0000 is not allowed");
        if(v >= 0xDC00 && v <= 0xDFFF) return scan_fail(s, zEsc, "invalid Unicode escape (lone low surrogate)");
        if(v >= 0xD800 && v <= 0xDBFF) {
          int32_t w = e - z > 6 && z[1] == '\\' && z[2] == 'u' ? scan_hex4(z + 3) : -1;
          if(w < 0xDC00 || w > 0xDFFF)
            return scan_fail(s, zEsc, "invalid Unicode escape (high surrogate without its pair)");
          v = 0x10000 + ((v - 0xD800) << 10) + (w - 0xDC00);
          z += 6;
        }
        unsigned char u[4];
        size_t k;
        if(v < 0x80) { u[0] = (unsigned char)v; k = 1; }
        else if(v < 0x800) { u[0] = (unsigned char)(0xC0 | (v >> 6)); u[1] = (unsigned char)(0x80 | (v & 0x3F)); k = 2; }
        else if(v < 0x10000) {
          u[0] = (unsigned char)(0xE0 | (v >> 12)); u[1] = (unsigned char)(0x80 | ((v >> 6) & 0x3F));
          u[2] = (unsigned char)(0x80 | (v & 0x3F)); k = 3;
        } else {
          u[0] = (unsigned char)(0xF0 | (v >> 18)); u[1] = (unsigned char)(0x80 | ((v >> 12) & 0x3F));
          u[2] = (unsigned char)(0x80 | ((v >> 6) & 0x3F)); u[3] = (unsigned char)(0x80 | (v & 0x3F)); k = 4;
        }
        scan_put(a, nMax, &n, u, k);
        z++;
        continue;
      }
      default: return scan_fail(s, zEsc, "invalid escape");
    }
    scan_put(a, nMax, &n, &ch, 1);
    z++;
  }
  s->z = z + 1;
  *pn = n;
  return 0;
}

static int scan_digits(const unsigned char **pz, const unsigned char *e) {
  const unsigned char *z = *pz;
  while(z < e && *z >= '0' && *z <= '9') z++;
  int bAny = z > *pz;
  *pz = z;
  return bAny;
}

static int scan_number(rec_scan *s) {
  const unsigned char *z = s->z, *e = s->zEnd;
  if(*z == '-') z++;
  if(z < e && *z == '0') z++;
  else if(!(z < e && *z >= '1' && *z <= '9') || !scan_digits(&z, e)) return scan_fail(s, s->z, "invalid number");
  if(z < e && *z == '.') {
    z++;
    if(!scan_digits(&z, e)) return scan_fail(s, z, "invalid number: digit expected after '.'");
  }
  if(z < e && (*z == 'e' || *z == 'E')) {
    z++;
    if(z < e && (*z == '+' || *z == '-')) z++;
    if(!scan_digits(&z, e)) return scan_fail(s, z, "invalid number: digit expected in exponent");
  }
  s->z = z;
  return 0;
}

static int scan_value(rec_scan *s, int depth);

static int scan_object(rec_scan *s, int depth, rec_id *pId) {
  if(depth > KAFKA_RECORD_MAX_DEPTH) return scan_fail(s, s->z, "maximum parsing depth reached");
  s->z++;
  scan_ws(s);
  if(s->z < s->zEnd && *s->z == '}') { s->z++; return 0; }
  for(;;) {
    scan_ws(s);
    if(s->z >= s->zEnd || *s->z != '"') return scan_fail(s, s->z, "string or '}' expected");
    char aKey[3];
    size_t nKey = 0;
    if(scan_string(s, pId ? aKey : NULL, sizeof(aKey), &nKey)) return -1;
    scan_ws(s);
    if(s->z >= s->zEnd || *s->z != ':') return scan_fail(s, s->z, "':' expected");
    s->z++;
    scan_ws(s);
    if(pId && nKey == 2 && aKey[0] == 'i' && aKey[1] == 'd') {
      pId->bSeen = 1;
      pId->bString = s->z < s->zEnd && *s->z == '"';
      if(pId->bString ? scan_string(s, pId->z, pId->nMax, &pId->n) : scan_value(s, depth)) return -1;
    } else if(scan_value(s, depth)) {
      return -1;
    }
    scan_ws(s);
    if(s->z < s->zEnd && *s->z == ',') { s->z++; continue; }
    if(s->z < s->zEnd && *s->z == '}') { s->z++; return 0; }
    return scan_fail(s, s->z, "',' or '}' expected");
  }
}

static int scan_array(rec_scan *s, int depth) {
  if(depth > KAFKA_RECORD_MAX_DEPTH) return scan_fail(s, s->z, "maximum parsing depth reached");
  s->z++;
  scan_ws(s);
  if(s->z < s->zEnd && *s->z == ']') { s->z++; return 0; }
  for(;;) {
    if(scan_value(s, depth)) return -1;
    scan_ws(s);
    if(s->z < s->zEnd && *s->z == ',') { s->z++; continue; }
    if(s->z < s->zEnd && *s->z == ']') { s->z++; return 0; }
    return scan_fail(s, s->z, "',' or ']' expected");
  }
}

static int scan_literal(rec_scan *s, const char *zLit) {
  size_t n = strlen(zLit);
  if((size_t)(s->zEnd - s->z) < n || memcmp(s->z, zLit, n)) return scan_fail(s, s->z, "invalid token");
  s->z += n;
  return 0;
}

/* A value at s->z (after whitespace); depth = that of the enclosing
 * container. */
static int scan_value(rec_scan *s, int depth) {
  scan_ws(s);
  if(s->z >= s->zEnd) return scan_fail(s, s->z, "unexpected end of input");
  size_t n;
  switch(*s->z) {
    case '{': return scan_object(s, depth + 1, NULL);
    case '[': return scan_array(s, depth + 1);
    case '"': return scan_string(s, NULL, 0, &n);
    case 't': return scan_literal(s, "true");
    case 'f': return scan_literal(s, "false");
    case 'n': return scan_literal(s, "null");
    default:
      if(*s->z == '-' || (*s->z >= '0' && *s->z <= '9')) return scan_number(s);
      return scan_fail(s, s->z, "invalid token");
  }
}

airc_rc kafka_record_check(const char *zLine, size_t n, char *zId, size_t nId, airc_err *pErr) {
  rec_scan s = {.z = (const unsigned char *)zLine, .zEnd = (const unsigned char *)zLine + n,
                .zStart = (const unsigned char *)zLine};
  rec_id id = {.z = zId, .nMax = nId};
  int bObject = 0;
  scan_ws(&s);
  int r;
  if(s.z < s.zEnd && *s.z == '{') { bObject = 1; r = scan_object(&s, 1, &id); }
  else if(s.z < s.zEnd && *s.z == '[') r = scan_array(&s, 1);
  else r = scan_fail(&s, s.z, "'[' or '{' expected");
  if(!r) {
    scan_ws(&s);
    if(s.z < s.zEnd) r = scan_fail(&s, s.z, "end of input expected");
  }
  if(r)
    return airc_err_set(pErr, AIRC_ERR_PARSE, "not JSON: %s (column %lld)", s.zWhy,
                        (long long)(s.zAt - s.zStart) + 1);
  if(!bObject) return airc_err_set(pErr, AIRC_ERR_INVALID, "record is not a JSON object");
  if(!id.bSeen || !id.bString || id.n == 0)
    return airc_err_set(pErr, AIRC_ERR_INVALID, "record has no string \"id\"");
  if(id.n >= nId) return airc_err_set(pErr, AIRC_ERR_INVALID, "record \"id\" is too long");
  zId[id.n] = 0;
  return AIRC_OK;
}
