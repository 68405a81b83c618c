/* pg_validate.c: see pg_validate.h.
 *
 * Expected records are held in memory (a jansson object keyed by the
 * canonical lowercase uuid, for lookups as rows come back) plus an array of
 * ids with their state; the file is capped in lines and line length. Column
 * and table names go into the statement text, so they are checked to be
 * plain identifiers first; ids travel as one bound text array. */
#include "providers/postgres/pg_validate.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common/dynbuf.h"
#include "common/timeutil.h"
#include "providers/jsonl_reader.h"
#include "providers/postgres/pg_text.h"

enum { ID_MISSING = 0, ID_FOUND = 1, ID_MISMATCH = 2 };

typedef struct validate_state {
  const pg_validate_opts *o;
  pg_validate_result *pRes;
  json_t *pById;              /* canonical id -> {"i": index, "r": record} */
  char (*azId)[37];
  uint8_t *aState;            /* ID_* */
  int64_t nId, nAlloc;
  const char *azCol[PG_VALIDATE_MAX_COLS];
  int nCol;
  char *zSelect;
} validate_state;

/* Keeps a copy of at most 60 bytes of z, with "..." when cut. */
static void validate_clip(const char *z, char *zOut, size_t nOut) {
  if(strlen(z) <= 60) snprintf(zOut, nOut, "%s", z);
  else snprintf(zOut, nOut, "%.57s...", z);
}

static airc_rc validate_add(validate_state *s, json_t *pRec, const char *zId, airc_err *pErr) {
  char zCanon[37];
  if(pg_text_uuid_canon(zId, zCanon)) return AIRC_ERR_INVALID;
  if(json_object_get(s->pById, zCanon)) return AIRC_OK; /* duplicate line: one expectation */
  if(s->nId >= PG_VALIDATE_MAX_RECORDS)
    return airc_err_set(pErr, AIRC_ERR_TOOBIG, "%s: more than %d records", s->o->zInput,
                        PG_VALIDATE_MAX_RECORDS);
  if(s->nId == s->nAlloc) {
    int64_t nNew = s->nAlloc ? s->nAlloc * 2 : 256;
    void *p1 = realloc(s->azId, (size_t)nNew * 37);
    if(p1) s->azId = p1;
    void *p2 = realloc(s->aState, (size_t)nNew);
    if(p2) s->aState = p2;
    if(!p1 || !p2) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
    s->nAlloc = nNew;
  }
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
  airc_rc rc = jsonl_open(&rd, s->o->zInput, PG_VALIDATE_MAX_LINE, pErr);
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
        if(!pg_text_ident_ok(zKey) || strchr(zKey, '.')) {
          rc = airc_err_set(pErr, AIRC_ERR_INVALID, "%s:%lld: field name '%s' is not a plain SQL identifier",
                            rd.zPath, (long long)rd.iLine, zKey);
          break;
        }
        if(s->nCol >= PG_VALIDATE_MAX_COLS) {
          rc = airc_err_set(pErr, AIRC_ERR_TOOBIG, "%s:%lld: more than %d fields", rd.zPath,
                            (long long)rd.iLine, PG_VALIDATE_MAX_COLS);
          break;
        }
        s->azCol[s->nCol++] = zKey; /* kept alive: the record stays in pById */
      }
    }
    if(!rc) {
      rc = validate_add(s, p, zId, pErr);
      if(rc == AIRC_ERR_INVALID && !pErr->rc)
        rc = airc_err_set(pErr, rc, "%s:%lld: id '%s' is not a UUID", rd.zPath, (long long)rd.iLine, zId);
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
  airc_rc rc = dynbuf_appendz(&b, "SELECT id::text");
  for(int i = 1; !rc && i < s->nCol; i++) rc = dynbuf_printf(&b, ", %s", s->azCol[i]);
  if(!rc) rc = dynbuf_printf(&b, " FROM %s WHERE id = ANY($1::uuid[])", s->o->zTable);
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

/* Compares row iRow with its record; marks the id found or mismatched. */
static void validate_row(validate_state *s, const PGresult *r, int iRow) {
  char zCanon[37];
  if(PQgetisnull(r, iRow, 0) || pg_text_uuid_canon(PQgetvalue(r, iRow, 0), zCanon)) return;
  json_t *pEntry = json_object_get(s->pById, zCanon);
  if(!pEntry) return; /* not ours (cannot happen with = ANY) */
  int64_t i = json_integer_value(json_object_get(pEntry, "i"));
  json_t *pRec = json_object_get(pEntry, "r");
  if(s->aState[i] != ID_MISSING) return;
  s->aState[i] = ID_FOUND;
  for(int c = 1; c < s->nCol; c++) {
    char zTmp[256];
    const char *zWant = validate_expected(pRec, s->azCol[c], zTmp, sizeof(zTmp));
    int bNull = PQgetisnull(r, iRow, c);
    const char *zGot = PQgetvalue(r, iRow, c);
    if(bNull ? zWant == NULL : zWant && !strcmp(zWant, zGot)) continue;
    s->aState[i] = ID_MISMATCH;
    if(!s->pRes->zFirstMismatch[0]) {
      char zW[80], zG[80];
      validate_clip(zWant ? zWant : "", zW, sizeof(zW));
      validate_clip(bNull ? "" : zGot, zG, sizeof(zG));
      snprintf(s->pRes->zFirstMismatch, sizeof(s->pRes->zFirstMismatch),
               "id %s field '%s': expected %s%s%s got %s%s%s", s->azId[i], s->azCol[c],
               zWant ? "'" : "", zWant ? zW : "null", zWant ? "'" : "",
               bNull ? "" : "'", bNull ? "null" : zG, bNull ? "" : "'");
    }
    break;
  }
}

/* One query for ids aIdx[0..n). *pbNoTable set when the table is missing. */
static airc_rc validate_batch(validate_state *s, PGconn *c, const int64_t *aIdx, int n, int *pbNoTable,
                              airc_err *pErr) {
  dynbuf a;
  dynbuf_init(&a, 64 * 1024);
  airc_rc rc = dynbuf_appendz(&a, "{");
  for(int i = 0; !rc && i < n; i++) rc = dynbuf_printf(&a, "%s%s", i ? "," : "", s->azId[aIdx[i]]);
  if(!rc) rc = dynbuf_appendz(&a, "}");
  if(rc) {
    dynbuf_free(&a);
    return airc_err_set(pErr, rc, "building the id list: %s", airc_strerror(rc));
  }
  const char *azParam[1] = {dynbuf_str(&a)};
  PGresult *r = PQexecParams(c, s->zSelect, 1, NULL, azParam, NULL, NULL, 0);
  if(PQresultStatus(r) == PGRES_TUPLES_OK) {
    if(PQnfields(r) != s->nCol)
      rc = airc_err_set(pErr, AIRC_ERR_NET, "SELECT returned %d columns, not %d", PQnfields(r), s->nCol);
    for(int iRow = 0; !rc && iRow < PQntuples(r); iRow++) validate_row(s, r, iRow);
  } else if(!strcmp(pg_conn_sqlstate(r), "42P01")) {
    *pbNoTable = 1;
  } else {
    char zWhy[700];
    pg_conn_result_error(r, c, zWhy, sizeof(zWhy));
    rc = airc_err_set(pErr, AIRC_ERR_NET, "SELECT from %s: %s", s->o->zTable, zWhy);
  }
  PQclear(r);
  dynbuf_free(&a);
  return rc;
}

/* One pass over the ids still missing. */
static airc_rc validate_pass(validate_state *s, PGconn *c, int *pbNoTable, airc_err *pErr) {
  int64_t aIdx[2000];
  int nBatch = s->o->nBatch > 0 && s->o->nBatch <= 2000 ? s->o->nBatch : 500;
  int n = 0;
  airc_rc rc = AIRC_OK;
  *pbNoTable = 0;
  for(int64_t i = 0; !rc && !*pbNoTable && i <= s->nId; i++) {
    if(i < s->nId && s->aState[i] == ID_MISSING) aIdx[n++] = i;
    if(n == nBatch || (i == s->nId && n > 0)) {
      rc = validate_batch(s, c, aIdx, n, pbNoTable, pErr);
      n = 0;
    }
  }
  return rc;
}

static void validate_count(validate_state *s) {
  pg_validate_result *r = s->pRes;
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

airc_rc pg_validate_file(const pg_validate_opts *o, pg_validate_result *pOut, airc_err *pErr) {
  memset(pOut, 0, sizeof(*pOut));
  validate_state s;
  memset(&s, 0, sizeof(s));
  s.o = o;
  s.pRes = pOut;
  int64_t deadlineUs = airc_now_us() + o->timeoutMs * 1000;
  PGconn *c = NULL;
  airc_rc rc = AIRC_OK;
  if(!pg_text_ident_ok(o->zTable))
    rc = airc_err_set(pErr, AIRC_ERR_INVALID, "table '%s': not a plain SQL identifier (or schema.table)",
                      o->zTable);
  s.pById = json_object();
  if(!rc && !s.pById) rc = airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  if(!rc) rc = validate_load(&s, pErr);
  if(!rc) rc = validate_build_select(&s, pErr);
  if(!rc && s.nId > 0) rc = pg_conn_open(&o->conn, &c, pErr);
  if(!rc && o->pProgress) {
    fprintf(o->pProgress, "validate-postgres: %lld records in %s, checking %s in database %s at %s:%s\n",
            (long long)s.nId, o->zInput, o->zTable, c ? PQdb(c) : "-", c ? PQhost(c) : "-",
            c ? PQport(c) : "-");
    fflush(o->pProgress);
  }
  while(!rc && s.nId > 0) {
    int bNoTable = 0;
    pOut->nChecks++;
    rc = validate_pass(&s, c, &bNoTable, pErr);
    if(rc) break;
    if(bNoTable) snprintf(pOut->zNote, sizeof(pOut->zNote), "table %s does not exist", o->zTable);
    else pOut->zNote[0] = 0;
    validate_count(&s);
    int64_t leftMs = (deadlineUs - airc_now_us()) / 1000;
    if(pOut->nMissing == 0 || leftMs <= 0) break;
    int64_t sleepMs = o->pollMs > 0 ? o->pollMs : 2000;
    if(sleepMs > leftMs) sleepMs = leftMs;
    if(o->pProgress) {
      fprintf(o->pProgress, "validate-postgres: %lld/%lld found, %lld missing%s%s; re-checking in %.1fs\n",
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
      snprintf(zDetail, sizeof(zDetail), "first missing id %s; first mismatch %s", pOut->zFirstMissing,
               pOut->zFirstMismatch);
    else if(pOut->nMissing)
      snprintf(zDetail, sizeof(zDetail), "first missing id %s%s%s", pOut->zFirstMissing,
               pOut->zNote[0] ? "; " : "", pOut->zNote);
    else
      snprintf(zDetail, sizeof(zDetail), "first mismatch %s", pOut->zFirstMismatch);
    rc = airc_err_set(pErr, AIRC_ERR_INVALID, "%lld of %lld records missing, %lld mismatched (%s)",
                      (long long)pOut->nMissing, (long long)pOut->nExpected, (long long)pOut->nMismatched,
                      zDetail);
  }
  if(!rc && o->pProgress) {
    fprintf(o->pProgress, "validate-postgres: all %lld records found in %s with equal fields\n",
            (long long)pOut->nExpected, o->zTable);
    fflush(o->pProgress);
  }
  PQfinish(c);
  free(s.zSelect);
  free(s.azId);
  free(s.aState);
  json_decref(s.pById);
  return rc;
}
