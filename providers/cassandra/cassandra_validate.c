/* cassandra_validate.c: see cassandra_validate.h.
 *
 * Expected records are held in memory (a jansson object keyed by the
 * canonical lowercase uuid, for lookups as rows come back) plus an array of
 * ids with their state; the file is capped in lines and line length. Column
 * and table names go into the statement text, so they are checked to be
 * plain identifiers first; ids are bound as uuid values, never inlined. */
#include "providers/cassandra/cassandra_validate.h"
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common/dynbuf.h"
#include "common/timeutil.h"
#include "providers/jsonl_reader.h"

enum { ID_MISSING = 0, ID_FOUND = 1, ID_MISMATCH = 2 };

typedef struct validate_state {
  const cass_validate_opts *o;
  cass_validate_result *pRes;
  json_t *pById;              /* canonical id -> {"i": index, "r": record} */
  uint8_t (*aUuid)[16];       /* ids as bound values */
  char (*azId)[37];
  uint8_t *aState;            /* ID_* */
  int64_t nId, nAlloc;
  const char *azCol[CASS_VALIDATE_MAX_COLS];
  int nCol;
  char *zSelect;              /* "SELECT c1, c2 FROM ks.t WHERE id IN (" */
} validate_state;

int cass_identifier_ok(const char *z) {
  if(!z || !(isalpha((unsigned char)*z) || *z == '_')) return 0;
  size_t n = 0;
  for(; *z; z++, n++)
    if(!(isalnum((unsigned char)*z) || *z == '_')) return 0;
  return n <= 48;
}

/* Keeps a copy of at most 60 bytes of z, with "..." when cut. */
static void validate_clip(const char *z, char *zOut, size_t nOut) {
  size_t n = strlen(z);
  if(n <= 60) snprintf(zOut, nOut, "%s", z);
  else snprintf(zOut, nOut, "%.57s...", z);
}

static airc_rc validate_add(validate_state *s, json_t *pRec, const char *zId, airc_err *pErr) {
  uint8_t a[16];
  if(cql_uuid_parse(zId, a)) return AIRC_ERR_INVALID;
  char zCanon[37];
  cql_uuid_format(a, zCanon);
  if(json_object_get(s->pById, zCanon)) return AIRC_OK; /* duplicate line: one expectation */
  if(s->nId >= CASS_VALIDATE_MAX_RECORDS)
    return airc_err_set(pErr, AIRC_ERR_TOOBIG, "%s: more than %d records", s->o->zInput,
                        CASS_VALIDATE_MAX_RECORDS);
  if(s->nId == s->nAlloc) {
    int64_t nNew = s->nAlloc ? s->nAlloc * 2 : 256;
    void *p1 = realloc(s->aUuid, (size_t)nNew * 16);
    if(p1) s->aUuid = p1;
    void *p2 = realloc(s->azId, (size_t)nNew * 37);
    if(p2) s->azId = p2;
    void *p3 = realloc(s->aState, (size_t)nNew);
    if(p3) s->aState = p3;
    if(!p1 || !p2 || !p3) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
    s->nAlloc = nNew;
  }
  memcpy(s->aUuid[s->nId], a, 16);
  memcpy(s->azId[s->nId], zCanon, 37);
  s->aState[s->nId] = ID_MISSING;
  json_t *pEntry = json_pack("{sIsO}", "i", (json_int_t)s->nId, "r", pRec);
  if(!pEntry || json_object_set_new(s->pById, zCanon, pEntry))
    return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  s->nId++;
  return AIRC_OK;
}

/* Reads the expected records; the first record's keys are the columns. */
static airc_rc validate_load(validate_state *s, airc_err *pErr) {
  jsonl_reader rd;
  airc_rc rc = jsonl_open(&rd, s->o->zInput, CASS_VALIDATE_MAX_LINE, pErr);
  if(rc) return rc;
  const char *z;
  size_t n;
  int r;
  while(!rc && (r = jsonl_next(&rd, &z, &n, pErr)) > 0) {
    json_error_t jerr;
    json_t *p = json_loadb(z, n, 0, &jerr);
    const char *zId = json_string_value(json_object_get(p, "id"));
    if(!p) {
      rc = airc_err_set(pErr, AIRC_ERR_PARSE, "%s:%lld: not JSON: %s", rd.zPath,
                        (long long)rd.iLine, jerr.text);
    } else if(!json_is_object(p) || !zId) {
      rc = airc_err_set(pErr, AIRC_ERR_INVALID, "%s:%lld: record has no string \"id\"", rd.zPath,
                        (long long)rd.iLine);
    } else if(s->nCol == 0) {
      const char *zKey;
      json_t *pV;
      s->azCol[s->nCol++] = "id";
      json_object_foreach(p, zKey, pV) {
        if(!strcmp(zKey, "id")) continue;
        if(!cass_identifier_ok(zKey)) {
          rc = airc_err_set(pErr, AIRC_ERR_INVALID, "%s:%lld: field name '%s' is not a CQL identifier",
                            rd.zPath, (long long)rd.iLine, zKey);
          break;
        }
        if(s->nCol >= CASS_VALIDATE_MAX_COLS) {
          rc = airc_err_set(pErr, AIRC_ERR_TOOBIG, "%s:%lld: more than %d fields", rd.zPath,
                            (long long)rd.iLine, CASS_VALIDATE_MAX_COLS);
          break;
        }
        s->azCol[s->nCol++] = zKey; /* kept alive: the record stays in pById */
      }
    }
    if(!rc) {
      rc = validate_add(s, p, zId, pErr);
      if(rc == AIRC_ERR_INVALID && !pErr->rc)
        rc = airc_err_set(pErr, rc, "%s:%lld: id '%s' is not a UUID", rd.zPath,
                          (long long)rd.iLine, zId);
    }
    json_decref(p);
  }
  if(!rc && r < 0) rc = pErr->rc;
  jsonl_close(&rd);
  return rc;
}

static airc_rc validate_build_select(validate_state *s, airc_err *pErr) {
  dynbuf b;
  dynbuf_init(&b, 64 * 1024);
  airc_rc rc = dynbuf_appendz(&b, "SELECT ");
  for(int i = 0; !rc && i < s->nCol; i++) rc = dynbuf_printf(&b, "%s%s", i ? ", " : "", s->azCol[i]);
  if(!rc) rc = dynbuf_printf(&b, " FROM %s.%s WHERE id IN (", s->o->zKeyspace, s->o->zTable);
  if(rc) {
    dynbuf_free(&b);
    return airc_err_set(pErr, rc, "building the SELECT: %s", airc_strerror(rc));
  }
  s->zSelect = dynbuf_take(&b);
  return AIRC_OK;
}

/* The expected text of column zCol of pRec, or NULL for null/absent. */
static const char *validate_expected(json_t *pRec, const char *zCol, char *zBuf, size_t nBuf) {
  json_t *p = json_object_get(pRec, zCol);
  if(!p || json_is_null(p)) return NULL;
  if(json_is_string(p)) return json_string_value(p);
  char *z = json_dumps(p, JSON_ENCODE_ANY | JSON_COMPACT);
  snprintf(zBuf, nBuf, "%s", z ? z : "");
  free(z);
  return zBuf;
}

/* Compares one returned row with its record; marks the id found/mismatch. */
static airc_rc validate_row(validate_state *s, const cql_result *r, int iRow, const int *aColIdx,
                            airc_err *pErr) {
  dynbuf b;
  dynbuf_init(&b, CASS_VALIDATE_MAX_LINE);
  int bNull;
  airc_rc rc = cql_result_cell_text(r, iRow, aColIdx[0], &b, &bNull);
  json_t *pEntry = !rc && !bNull ? json_object_get(s->pById, dynbuf_str(&b)) : NULL;
  if(!pEntry) { dynbuf_free(&b); return rc; } /* not ours (cannot happen with IN) */
  int64_t i = json_integer_value(json_object_get(pEntry, "i"));
  json_t *pRec = json_object_get(pEntry, "r");
  if(s->aState[i] != ID_MISSING) { dynbuf_free(&b); return AIRC_OK; }
  s->aState[i] = ID_FOUND;
  for(int c = 1; !rc && c < s->nCol; c++) {
    char zTmp[256];
    const char *zWant = validate_expected(pRec, s->azCol[c], zTmp, sizeof(zTmp));
    dynbuf_reset(&b);
    rc = cql_result_cell_text(r, iRow, aColIdx[c], &b, &bNull);
    if(rc) break;
    int bSame = bNull ? zWant == NULL : zWant && !strcmp(zWant, dynbuf_str(&b));
    if(bSame) continue;
    s->aState[i] = ID_MISMATCH;
    if(!s->pRes->zFirstMismatch[0]) {
      char zW[80], zG[80];
      validate_clip(zWant ? zWant : "", zW, sizeof(zW));
      validate_clip(dynbuf_str(&b), zG, sizeof(zG));
      snprintf(s->pRes->zFirstMismatch, sizeof(s->pRes->zFirstMismatch),
               "id %s field '%s': expected %s%s%s got %s%s%s", s->azId[i], s->azCol[c],
               zWant ? "'" : "", zWant ? zW : "null", zWant ? "'" : "",
               bNull ? "" : "'", bNull ? "null" : zG, bNull ? "" : "'");
    }
    break;
  }
  dynbuf_free(&b);
  if(rc) airc_err_set(pErr, rc, "rendering a cell: %s", airc_strerror(rc));
  return rc;
}

/* 1 if the server said the keyspace or table does not exist (yet). */
static int validate_is_missing_table(const airc_err *pErr) {
  return strstr(pErr->zMsg, "(0x2200)") &&
         (strstr(pErr->zMsg, "unconfigured table") || strstr(pErr->zMsg, "does not exist"));
}

/* One query for ids aIdx[0..n): all pages of its result. */
static airc_rc validate_batch(validate_state *s, cql_conn *c, const int64_t *aIdx, int n,
                              airc_err *pErr) {
  dynbuf q;
  dynbuf_init(&q, 1 << 20);
  airc_rc rc = dynbuf_appendz(&q, s->zSelect);
  for(int i = 0; !rc && i < n; i++) rc = dynbuf_appendz(&q, i ? ", ?" : "?");
  if(!rc) rc = dynbuf_appendz(&q, ")");
  cql_value aVal[1000];
  for(int i = 0; i < n; i++) { aVal[i].p = s->aUuid[aIdx[i]]; aVal[i].n = 16; }
  uint8_t *pPaging = NULL;
  int32_t nPaging = 0;
  while(!rc) {
    cql_result r;
    rc = cql_query(c, dynbuf_str(&q), s->o->consistency, aVal, n, 1000, pPaging, nPaging, &r, pErr);
    free(pPaging);
    pPaging = NULL;
    if(!rc && r.kind != CQL_RESULT_ROWS)
      rc = airc_err_set(pErr, AIRC_ERR_NET, "SELECT returned a result of kind %d, not rows", r.kind);
    int aColIdx[CASS_VALIDATE_MAX_COLS];
    for(int k = 0; !rc && k < s->nCol; k++) {
      aColIdx[k] = cql_result_column(&r, s->azCol[k]);
      if(aColIdx[k] < 0)
        rc = airc_err_set(pErr, AIRC_ERR_NET, "SELECT result has no column '%s'", s->azCol[k]);
    }
    for(int iRow = 0; !rc && iRow < r.nRow; iRow++) rc = validate_row(s, &r, iRow, aColIdx, pErr);
    if(!rc && r.pPaging) {
      pPaging = malloc(r.nPaging ? (size_t)r.nPaging : 1);
      if(!pPaging) rc = airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
      else { memcpy(pPaging, r.pPaging, (size_t)r.nPaging); nPaging = r.nPaging; }
    }
    cql_result_free(&r);
    if(!pPaging) break;
  }
  dynbuf_free(&q);
  return rc;
}

/* One pass over the ids still missing. */
static airc_rc validate_pass(validate_state *s, cql_conn *c, airc_err *pErr) {
  int64_t aIdx[1000];
  int nBatch = s->o->nBatch > 0 && s->o->nBatch <= 1000 ? s->o->nBatch : 100;
  int n = 0;
  airc_rc rc = AIRC_OK;
  for(int64_t i = 0; !rc && i <= s->nId; i++) {
    if(i < s->nId && s->aState[i] == ID_MISSING) aIdx[n++] = i;
    if(n == nBatch || (i == s->nId && n > 0)) {
      rc = validate_batch(s, c, aIdx, n, pErr);
      n = 0;
    }
  }
  return rc;
}

static void validate_count(validate_state *s) {
  cass_validate_result *r = s->pRes;
  r->nExpected = s->nId;
  r->nFound = r->nMissing = r->nMismatched = 0;
  r->zFirstMissing[0] = 0;
  for(int64_t i = 0; i < s->nId; i++) {
    if(s->aState[i] == ID_MISSING) {
      r->nMissing++;
      if(!r->zFirstMissing[0]) memcpy(r->zFirstMissing, s->azId[i], 37);
    } else {
      r->nFound++;
      if(s->aState[i] == ID_MISMATCH) r->nMismatched++;
    }
  }
}

static void validate_sleep_ms(int64_t ms) {
  struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
  while(nanosleep(&ts, &ts) != 0) {}
}

airc_rc cass_validate_file(const cass_validate_opts *o, cass_validate_result *pOut,
                           airc_err *pErr) {
  memset(pOut, 0, sizeof(*pOut));
  validate_state s;
  memset(&s, 0, sizeof(s));
  s.o = o;
  s.pRes = pOut;
  int64_t deadlineUs = airc_now_us() + o->timeoutMs * 1000;
  cql_conn *c = NULL;
  airc_rc rc = AIRC_OK;
  if(!cass_identifier_ok(o->zKeyspace) || !cass_identifier_ok(o->zTable))
    rc = airc_err_set(pErr, AIRC_ERR_INVALID, "keyspace '%s' / table '%s': not plain CQL identifiers",
                      o->zKeyspace, o->zTable);
  s.pById = json_object();
  if(!rc && !s.pById) rc = airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  if(!rc) rc = validate_load(&s, pErr);
  if(!rc) rc = validate_build_select(&s, pErr);
  if(!rc && o->pProgress) {
    fprintf(o->pProgress, "validate-cassandra: %lld records in %s, checking %s.%s at %s:%d\n",
            (long long)s.nId, o->zInput, o->zKeyspace, o->zTable, o->conn.zHost, o->conn.port);
    fflush(o->pProgress);
  }
  if(!rc && s.nId > 0) rc = cql_connect(&o->conn, &c, pErr);
  while(!rc && s.nId > 0) {
    airc_err eq = {0};
    pOut->nChecks++;
    rc = validate_pass(&s, c, &eq);
    if(rc && validate_is_missing_table(&eq)) {
      snprintf(pOut->zNote, sizeof(pOut->zNote), "table %s.%s does not exist", o->zKeyspace, o->zTable);
      rc = AIRC_OK; /* the streaming job creates it: same as all rows missing */
    } else if(rc) {
      airc_err_set(pErr, eq.rc, "%s", eq.zMsg);
      break;
    } else {
      pOut->zNote[0] = 0;
    }
    validate_count(&s);
    int64_t leftMs = (deadlineUs - airc_now_us()) / 1000;
    if(pOut->nMissing == 0 || leftMs <= 0) break;
    int64_t sleepMs = o->pollMs > 0 ? o->pollMs : 2000;
    if(sleepMs > leftMs) sleepMs = leftMs;
    if(o->pProgress) {
      fprintf(o->pProgress, "validate-cassandra: %lld/%lld found, %lld missing%s%s; re-checking in %.1fs\n",
              (long long)pOut->nFound, (long long)pOut->nExpected, (long long)pOut->nMissing,
              pOut->zNote[0] ? ", " : "", pOut->zNote, (double)sleepMs / 1000.0);
      fflush(o->pProgress);
    }
    validate_sleep_ms(sleepMs);
  }
  if(!rc) validate_count(&s);
  if(!rc && (pOut->nMissing || pOut->nMismatched)) {
    char zDetail[700] = "";
    if(pOut->nMissing && pOut->nMismatched)
      snprintf(zDetail, sizeof(zDetail), "first missing id %s; first mismatch %s",
               pOut->zFirstMissing, pOut->zFirstMismatch);
    else if(pOut->nMissing)
      snprintf(zDetail, sizeof(zDetail), "first missing id %s%s%s", pOut->zFirstMissing,
               pOut->zNote[0] ? "; " : "", pOut->zNote);
    else
      snprintf(zDetail, sizeof(zDetail), "first mismatch %s", pOut->zFirstMismatch);
    rc = airc_err_set(pErr, AIRC_ERR_INVALID, "%lld of %lld records missing, %lld mismatched (%s)",
                      (long long)pOut->nMissing, (long long)pOut->nExpected,
                      (long long)pOut->nMismatched, zDetail);
  }
  if(!rc && o->pProgress) {
    fprintf(o->pProgress, "validate-cassandra: all %lld records found in %s.%s with equal fields\n",
            (long long)pOut->nExpected, o->zKeyspace, o->zTable);
    fflush(o->pProgress);
  }
  cql_close(c);
  free(s.zSelect);
  free(s.aUuid);
  free(s.azId);
  free(s.aState);
  json_decref(s.pById);
  return rc;
}
