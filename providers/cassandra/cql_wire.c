/* cql_wire.c: see cql_wire.h.
 *
 * All reads go through cql_rd, a cursor that checks every length against
 * the bytes left before touching them; a failed read sets rd->bad and later
 * reads return zeros, so a decoder checks once at a convenient point and
 * reports the first offset where the frame ran out. */
#include "providers/cassandra/cql_wire.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/timeutil.h"

/* ---- encoding ------------------------------------------------------------ */

static airc_rc wr_u8(dynbuf *b, uint8_t v) { return dynbuf_append(b, &v, 1); }
static airc_rc wr_u16(dynbuf *b, uint16_t v) {
  uint8_t a[2] = {(uint8_t)(v >> 8), (uint8_t)v};
  return dynbuf_append(b, a, 2);
}
static airc_rc wr_i32(dynbuf *b, int32_t v) {
  uint32_t u = (uint32_t)v;
  uint8_t a[4] = {(uint8_t)(u >> 24), (uint8_t)(u >> 16), (uint8_t)(u >> 8), (uint8_t)u};
  return dynbuf_append(b, a, 4);
}
static airc_rc wr_string(dynbuf *b, const char *z) { /* [string]: short length */
  size_t n = strlen(z);
  if(n > 0xFFFF) return AIRC_ERR_TOOBIG;
  airc_rc rc = wr_u16(b, (uint16_t)n);
  if(!rc) rc = dynbuf_append(b, z, n);
  return rc;
}
static airc_rc wr_bytes(dynbuf *b, const void *p, int32_t n) { /* [bytes]: int length, <0 null */
  airc_rc rc = wr_i32(b, n < 0 ? -1 : n);
  if(!rc && n > 0) rc = dynbuf_append(b, p, (size_t)n);
  return rc;
}

/* Starts a frame: writes the header with a zero length, returns its offset. */
static airc_rc wr_header(dynbuf *b, int16_t stream, uint8_t opcode, size_t *pStart) {
  *pStart = b->n;
  airc_rc rc = wr_u8(b, CQL_VERSION_REQUEST);
  if(!rc) rc = wr_u8(b, 0);
  if(!rc) rc = wr_u16(b, (uint16_t)stream);
  if(!rc) rc = wr_u8(b, opcode);
  if(!rc) rc = wr_i32(b, 0);
  return rc;
}

/* Patches the body length of the frame that starts at iStart. */
static airc_rc wr_finish(dynbuf *b, size_t iStart, airc_rc rc) {
  if(rc) return rc;
  size_t nBody = b->n - iStart - CQL_HEADER_LEN;
  if(nBody > 0x7FFFFFFF) return AIRC_ERR_TOOBIG;
  uint8_t *p = (uint8_t *)b->z + iStart + 5;
  p[0] = (uint8_t)(nBody >> 24); p[1] = (uint8_t)(nBody >> 16);
  p[2] = (uint8_t)(nBody >> 8); p[3] = (uint8_t)nBody;
  return AIRC_OK;
}

airc_rc cql_encode_startup(dynbuf *b, int16_t stream) {
  size_t i0;
  airc_rc rc = wr_header(b, stream, CQL_OP_STARTUP, &i0);
  if(!rc) rc = wr_u16(b, 1); /* [string map] with one entry */
  if(!rc) rc = wr_string(b, "CQL_VERSION");
  if(!rc) rc = wr_string(b, "3.0.0");
  return wr_finish(b, i0, rc);
}

airc_rc cql_encode_auth_response(dynbuf *b, int16_t stream, const char *zUser,
                                 const char *zPassword) {
  size_t i0, nU = strlen(zUser), nP = strlen(zPassword);
  if(nU > 0xFFFF || nP > 0xFFFF) return AIRC_ERR_TOOBIG;
  airc_rc rc = wr_header(b, stream, CQL_OP_AUTH_RESPONSE, &i0);
  if(!rc) rc = wr_i32(b, (int32_t)(nU + nP + 2));
  if(!rc) rc = wr_u8(b, 0);
  if(!rc) rc = dynbuf_append(b, zUser, nU);
  if(!rc) rc = wr_u8(b, 0);
  if(!rc) rc = dynbuf_append(b, zPassword, nP);
  return wr_finish(b, i0, rc);
}

airc_rc cql_encode_query(dynbuf *b, int16_t stream, const char *zCql, uint16_t consistency,
                         const cql_value *aVal, int nVal, int32_t pageSize,
                         const uint8_t *pPaging, int32_t nPaging) {
  size_t i0, nCql = strlen(zCql);
  if(nCql > 0x7FFFFFFF || nVal < 0 || nVal > 0xFFFF) return AIRC_ERR_TOOBIG;
  uint8_t flags = (uint8_t)((nVal > 0 ? 0x01 : 0) | (pageSize > 0 ? 0x04 : 0) |
                            (pPaging ? 0x08 : 0));
  airc_rc rc = wr_header(b, stream, CQL_OP_QUERY, &i0);
  if(!rc) rc = wr_i32(b, (int32_t)nCql); /* [long string] */
  if(!rc) rc = dynbuf_append(b, zCql, nCql);
  if(!rc) rc = wr_u16(b, consistency);
  if(!rc) rc = wr_u8(b, flags);
  if(!rc && nVal > 0) {
    rc = wr_u16(b, (uint16_t)nVal);
    for(int i = 0; !rc && i < nVal; i++) rc = wr_bytes(b, aVal[i].p, aVal[i].n);
  }
  if(!rc && pageSize > 0) rc = wr_i32(b, pageSize);
  if(!rc && pPaging) rc = wr_bytes(b, pPaging, nPaging < 0 ? 0 : nPaging);
  return wr_finish(b, i0, rc);
}

/* ---- decoding ------------------------------------------------------------ */

typedef struct cql_rd {
  const uint8_t *p;
  size_t n, i;
  int bad;        /* a read ran past the end */
  size_t iBad;    /* offset of that read */
} cql_rd;

static int rd_need(cql_rd *r, size_t k) {
  if(r->bad) return 0;
  if(k > r->n - r->i) { r->bad = 1; r->iBad = r->i; return 0; }
  return 1;
}
static uint16_t rd_u16(cql_rd *r) {
  if(!rd_need(r, 2)) return 0;
  uint16_t v = (uint16_t)(r->p[r->i] << 8 | r->p[r->i + 1]);
  r->i += 2;
  return v;
}
static int32_t rd_i32(cql_rd *r) {
  if(!rd_need(r, 4)) return 0;
  uint32_t v = (uint32_t)r->p[r->i] << 24 | (uint32_t)r->p[r->i + 1] << 16 |
               (uint32_t)r->p[r->i + 2] << 8 | r->p[r->i + 3];
  r->i += 4;
  return (int32_t)v;
}
/* Skips k bytes; returns a pointer to them (or NULL when short). */
static const uint8_t *rd_skip(cql_rd *r, size_t k) {
  if(!rd_need(r, k)) return NULL;
  const uint8_t *p = r->p + r->i;
  r->i += k;
  return p;
}
/* [string] into zOut (truncated to nOut-1, always NUL-terminated). */
static void rd_string(cql_rd *r, char *zOut, size_t nOut) {
  uint16_t k = rd_u16(r);
  const uint8_t *p = rd_skip(r, k);
  size_t m = p ? (k < nOut - 1 ? k : nOut - 1) : 0;
  if(m) memcpy(zOut, p, m);
  zOut[m] = 0;
}
static void rd_string_skip(cql_rd *r) { (void)rd_skip(r, rd_u16(r)); }
/* [bytes]: returns length (< 0 null), *pp set to the data inside the buffer. */
static int32_t rd_bytes(cql_rd *r, const uint8_t **pp) {
  int32_t k = rd_i32(r);
  *pp = NULL;
  if(k < 0) return -1;
  *pp = rd_skip(r, (size_t)k);
  return *pp ? k : -1;
}

static airc_rc rd_check(cql_rd *r, const char *zWhat, airc_err *pErr) {
  if(!r->bad) return AIRC_OK;
  return airc_err_set(pErr, AIRC_ERR_PARSE, "truncated %s frame at body offset %zu of %zu", zWhat,
                      r->iBad, r->n);
}

airc_rc cql_header_decode(const uint8_t *p, size_t n, uint32_t nMax, cql_header *h,
                          airc_err *pErr) {
  if(n < CQL_HEADER_LEN)
    return airc_err_set(pErr, AIRC_ERR_PARSE, "short frame header: %zu bytes", n);
  h->version = p[0];
  h->flags = p[1];
  h->stream = (int16_t)(uint16_t)(p[2] << 8 | p[3]);
  h->opcode = p[4];
  h->length = (uint32_t)p[5] << 24 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 8 | p[8];
  if(h->version != CQL_VERSION_RESPONSE)
    return airc_err_set(pErr, AIRC_ERR_PARSE,
                        "not a CQL v4 response (version byte 0x%02x; is this a Cassandra native port?)",
                        h->version);
  if(h->flags & CQL_FLAG_COMPRESSION)
    return airc_err_set(pErr, AIRC_ERR_PARSE, "compressed frame, but no compression was requested");
  if(h->length > nMax)
    return airc_err_set(pErr, AIRC_ERR_TOOBIG, "frame body of %" PRIu32 " bytes exceeds the cap of %" PRIu32,
                        h->length, nMax);
  return AIRC_OK;
}

/* <option>: a type id and its parameters, recursively (depth-limited). */
static void rd_type_option(cql_rd *r, int depth, uint16_t *pId) {
  uint16_t id = rd_u16(r);
  if(pId) *pId = id;
  if(depth > CQL_TYPE_DEPTH_MAX) { r->bad = 1; r->iBad = r->i; return; }
  switch(id) {
  case CQL_TYPE_CUSTOM: rd_string_skip(r); break;
  case CQL_TYPE_LIST: case CQL_TYPE_SET: rd_type_option(r, depth + 1, NULL); break;
  case CQL_TYPE_MAP:
    rd_type_option(r, depth + 1, NULL);
    rd_type_option(r, depth + 1, NULL);
    break;
  case CQL_TYPE_UDT: {
    rd_string_skip(r);
    rd_string_skip(r);
    uint16_t k = rd_u16(r);
    for(uint16_t i = 0; i < k && !r->bad; i++) {
      rd_string_skip(r);
      rd_type_option(r, depth + 1, NULL);
    }
    break;
  }
  case CQL_TYPE_TUPLE: {
    uint16_t k = rd_u16(r);
    for(uint16_t i = 0; i < k && !r->bad; i++) rd_type_option(r, depth + 1, NULL);
    break;
  }
  default: break; /* simple types have no parameters; unknown ids are shown as hex */
  }
}

/* Rows: <metadata><rows_count><rows_content>. Cells point into pOut->pBody. */
static airc_rc decode_rows(cql_rd *r, cql_result *o, airc_err *pErr) {
  int32_t flags = rd_i32(r);
  int32_t nCol = rd_i32(r);
  if(r->bad) return rd_check(r, "RESULT Rows", pErr);
  if(nCol < 0 || (size_t)nCol > r->n - r->i)
    return airc_err_set(pErr, AIRC_ERR_PARSE, "RESULT Rows: bad column count %" PRId32, nCol);
  if(flags & 0x0002) { /* Has_more_pages */
    const uint8_t *p;
    int32_t k = rd_bytes(r, &p);
    if(k >= 0) { o->pPaging = p; o->nPaging = k; }
  }
  if(flags & 0x0004) /* No_metadata: we never ask for it (skip_metadata unset) */
    return airc_err_set(pErr, AIRC_ERR_PARSE, "RESULT Rows without metadata");
  if(flags & 0x0001) { rd_string_skip(r); rd_string_skip(r); } /* global table spec */
  o->nCol = nCol;
  o->azCol = calloc((size_t)nCol + 1, sizeof(char *));
  o->aType = calloc((size_t)nCol + 1, sizeof(uint16_t));
  if(!o->azCol || !o->aType) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  for(int32_t c = 0; c < nCol && !r->bad; c++) {
    if(!(flags & 0x0001)) { rd_string_skip(r); rd_string_skip(r); }
    uint16_t k = rd_u16(r);
    const uint8_t *p = rd_skip(r, k);
    o->azCol[c] = malloc((size_t)k + 1);
    if(!o->azCol[c]) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
    if(p && k) memcpy(o->azCol[c], p, k);
    o->azCol[c][p ? k : 0] = 0;
    rd_type_option(r, 0, &o->aType[c]);
  }
  int32_t nRow = rd_i32(r);
  if(r->bad) return rd_check(r, "RESULT Rows metadata", pErr);
  /* every cell takes at least its 4-byte length, so the bytes left bound
   * the row count before anything is allocated */
  size_t nLeft = r->n - r->i;
  if(nRow < 0 || (nCol > 0 && (size_t)nRow > nLeft / 4 / (size_t)nCol) ||
     (nCol == 0 && (size_t)nRow > nLeft + 1000000))
    return airc_err_set(pErr, AIRC_ERR_PARSE, "RESULT Rows: row count %" PRId32
                        " does not fit in %zu bytes", nRow, nLeft);
  o->nRow = nRow;
  size_t nCell = (size_t)nRow * (size_t)nCol;
  o->aCell = calloc(nCell ? nCell : 1, sizeof(cql_cell));
  if(!o->aCell) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  for(size_t i = 0; i < nCell && !r->bad; i++) {
    const uint8_t *p;
    int32_t k = rd_bytes(r, &p);
    o->aCell[i].n = k;
    o->aCell[i].off = p ? (uint32_t)(p - r->p) : 0;
  }
  return rd_check(r, "RESULT Rows content", pErr);
}

static airc_rc decode_result(cql_rd *r, cql_result *o, airc_err *pErr) {
  o->kind = rd_i32(r);
  if(r->bad) return rd_check(r, "RESULT", pErr);
  switch(o->kind) {
  case CQL_RESULT_VOID: return AIRC_OK;
  case CQL_RESULT_ROWS: return decode_rows(r, o, pErr);
  case CQL_RESULT_SET_KEYSPACE:
    rd_string(r, o->zText, sizeof(o->zText));
    return rd_check(r, "RESULT Set_keyspace", pErr);
  case CQL_RESULT_PREPARED: return AIRC_OK; /* never requested; body ignored */
  case CQL_RESULT_SCHEMA_CHANGE: {
    char zChange[64], zTarget[64], zKs[180], zName[180] = ""; /* fits zText */
    rd_string(r, zChange, sizeof(zChange));
    rd_string(r, zTarget, sizeof(zTarget));
    rd_string(r, zKs, sizeof(zKs));
    if(strcmp(zTarget, "KEYSPACE") != 0) rd_string(r, zName, sizeof(zName));
    snprintf(o->zText, sizeof(o->zText), "%s %s %s%s%s", zChange, zTarget, zKs,
             zName[0] ? "." : "", zName);
    return rd_check(r, "RESULT Schema_change", pErr);
  }
  default:
    return airc_err_set(pErr, AIRC_ERR_PARSE, "RESULT of unknown kind %d", o->kind);
  }
}

airc_rc cql_body_decode(const cql_header *h, const uint8_t *pBody, size_t nBody,
                        cql_result *o, airc_err *pErr) {
  memset(o, 0, sizeof(*o));
  o->opcode = h->opcode;
  o->stream = h->stream;
  o->pBody = malloc(nBody ? nBody : 1);
  if(!o->pBody) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  if(nBody) memcpy(o->pBody, pBody, nBody);
  o->nBody = nBody;
  cql_rd rd = {o->pBody, nBody, 0, 0, 0};
  cql_rd *r = &rd;
  /* optional prefixes announced by the header flags */
  if(h->flags & CQL_FLAG_TRACING) (void)rd_skip(r, 16);
  if(h->flags & CQL_FLAG_WARNING) {
    uint16_t k = rd_u16(r);
    for(uint16_t i = 0; i < k && !r->bad; i++) rd_string_skip(r);
  }
  if(h->flags & CQL_FLAG_CUSTOM_PAYLOAD) {
    uint16_t k = rd_u16(r);
    const uint8_t *p;
    for(uint16_t i = 0; i < k && !r->bad; i++) { rd_string_skip(r); (void)rd_bytes(r, &p); }
  }
  if(r->bad) return rd_check(r, "response", pErr);
  switch(h->opcode) {
  case CQL_OP_ERROR: {
    o->iErrCode = rd_i32(r);
    rd_string(r, o->zText, sizeof(o->zText));
    return rd_check(r, "ERROR", pErr); /* code-specific extras are ignored */
  }
  case CQL_OP_READY: return AIRC_OK;
  case CQL_OP_AUTHENTICATE:
    rd_string(r, o->zText, sizeof(o->zText));
    return rd_check(r, "AUTHENTICATE", pErr);
  case CQL_OP_AUTH_CHALLENGE:
  case CQL_OP_AUTH_SUCCESS: {
    const uint8_t *p;
    (void)rd_bytes(r, &p);
    return rd_check(r, "AUTH", pErr);
  }
  case CQL_OP_RESULT: return decode_result(r, o, pErr);
  case CQL_OP_SUPPORTED: case CQL_OP_EVENT: return AIRC_OK;
  default:
    return airc_err_set(pErr, AIRC_ERR_PARSE, "unexpected response opcode 0x%02x", h->opcode);
  }
}

airc_rc cql_frame_decode(const uint8_t *p, size_t n, uint32_t nMax, cql_result *o,
                         airc_err *pErr) {
  cql_header h;
  memset(o, 0, sizeof(*o));
  airc_rc rc = cql_header_decode(p, n, nMax, &h, pErr);
  if(rc) return rc;
  if(h.length > n - CQL_HEADER_LEN)
    return airc_err_set(pErr, AIRC_ERR_PARSE, "frame body truncated: %" PRIu32 " bytes announced, %zu present",
                        h.length, n - CQL_HEADER_LEN);
  return cql_body_decode(&h, p + CQL_HEADER_LEN, h.length, o, pErr);
}

void cql_result_free(cql_result *o) {
  if(o->azCol)
    for(int i = 0; i < o->nCol; i++) free(o->azCol[i]);
  free(o->azCol);
  free(o->aType);
  free(o->aCell);
  free(o->pBody);
  o->azCol = NULL;
  o->aType = NULL;
  o->aCell = NULL;
  o->pBody = NULL;
  o->pPaging = NULL;
  o->nCol = o->nRow = 0;
}

const char *cql_error_name(int32_t code) {
  switch(code) {
  case 0x0000: return "Server error";
  case 0x000A: return "Protocol error";
  case 0x0100: return "Bad credentials";
  case 0x1000: return "Unavailable";
  case 0x1001: return "Overloaded";
  case 0x1002: return "Is bootstrapping";
  case 0x1003: return "Truncate error";
  case 0x1100: return "Write timeout";
  case 0x1200: return "Read timeout";
  case 0x1300: return "Read failure";
  case 0x1400: return "Function failure";
  case 0x1500: return "Write failure";
  case 0x2000: return "Syntax error";
  case 0x2100: return "Unauthorized";
  case 0x2200: return "Invalid";
  case 0x2300: return "Config error";
  case 0x2400: return "Already exists";
  case 0x2500: return "Unprepared";
  default: return "Error";
  }
}

void cql_error_format(int32_t code, const char *zMsg, char *zOut, size_t nOut) {
  snprintf(zOut, nOut, "%s (0x%04x): %s", cql_error_name(code), (unsigned)code, zMsg);
  for(char *z = zOut; *z; z++) if(*z == '\n' || *z == '\r') *z = ' ';
}

/* ---- result access -------------------------------------------------------- */

int cql_result_column(const cql_result *p, const char *zName) {
  for(int i = 0; i < p->nCol; i++)
    if(p->azCol[i] && !strcmp(p->azCol[i], zName)) return i;
  return -1;
}

static int64_t be_int(const uint8_t *p, int n) {
  uint64_t u = (p[0] & 0x80) ? ~(uint64_t)0 : 0;
  for(int i = 0; i < n; i++) u = u << 8 | p[i];
  return (int64_t)u;
}

airc_rc cql_result_cell_text(const cql_result *o, int iRow, int iCol, dynbuf *b, int *pbNull) {
  *pbNull = 0;
  if(iRow < 0 || iRow >= o->nRow || iCol < 0 || iCol >= o->nCol) return AIRC_ERR_INVALID;
  const cql_cell *c = &o->aCell[(size_t)iRow * (size_t)o->nCol + (size_t)iCol];
  if(c->n < 0) { *pbNull = 1; return AIRC_OK; }
  const uint8_t *p = o->pBody + c->off;
  int32_t n = c->n;
  char z[64];
  switch(o->aType[iCol]) {
  case CQL_TYPE_ASCII: case CQL_TYPE_VARCHAR:
    return dynbuf_append(b, p, (size_t)n);
  case CQL_TYPE_UUID: case CQL_TYPE_TIMEUUID:
    if(n != 16) break;
    cql_uuid_format(p, z);
    return dynbuf_appendz(b, z);
  case CQL_TYPE_INT: case CQL_TYPE_BIGINT: case CQL_TYPE_COUNTER: case CQL_TYPE_SMALLINT:
  case CQL_TYPE_TINYINT: {
    int want = o->aType[iCol] == CQL_TYPE_INT ? 4 : o->aType[iCol] == CQL_TYPE_SMALLINT ? 2
             : o->aType[iCol] == CQL_TYPE_TINYINT ? 1 : 8;
    if(n != want) break;
    return dynbuf_printf(b, "%" PRId64, be_int(p, n));
  }
  case CQL_TYPE_BOOLEAN:
    if(n != 1) break;
    return dynbuf_appendz(b, p[0] ? "true" : "false");
  case CQL_TYPE_TIMESTAMP: {
    if(n != 8) break;
    int64_t ms = be_int(p, 8);
    /* floor division without "ms - 999", which overflows near INT64_MIN */
    int64_t sec = ms / 1000 - (ms % 1000 < 0 ? 1 : 0);
    if(sec < -62135596800LL || sec > 253402300799LL) break; /* years 1..9999 only: shown as hex */
    char zT[32];
    airc_time_format(sec, zT, sizeof(zT));
    zT[19] = 0; /* drop the Z: the milliseconds go before it */
    return dynbuf_printf(b, "%s.%03dZ", zT, (int)(ms - sec * 1000));
  }
  default: break;
  }
  airc_rc rc = dynbuf_appendz(b, "0x");
  for(int32_t i = 0; !rc && i < n; i++) rc = dynbuf_printf(b, "%02x", p[i]);
  return rc;
}

static int hex_val(char c) {
  if(c >= '0' && c <= '9') return c - '0';
  if(c >= 'a' && c <= 'f') return c - 'a' + 10;
  if(c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int cql_uuid_parse(const char *z, uint8_t a[16]) {
  int k = 0;
  for(int i = 0; i < 36; i++) {
    if(i == 8 || i == 13 || i == 18 || i == 23) {
      if(z[i] != '-') return -1;
      continue;
    }
    int h = hex_val(z[i]), l = h < 0 ? -1 : hex_val(z[i + 1]);
    if(h < 0 || l < 0) return -1;
    a[k++] = (uint8_t)(h << 4 | l);
    i++;
  }
  return z[36] == 0 ? 0 : -1;
}

void cql_uuid_format(const uint8_t a[16], char *z) {
  static const char hex[] = "0123456789abcdef";
  int k = 0;
  for(int i = 0; i < 16; i++) {
    if(i == 4 || i == 6 || i == 8 || i == 10) z[k++] = '-';
    z[k++] = hex[a[i] >> 4];
    z[k++] = hex[a[i] & 15];
  }
  z[k] = 0;
}
