/* expected_users.c: see expected_users.h.
 *
 * Records are kept in a jansson object keyed by the canonical id, for
 * lookups as rows come back, plus arrays of the ids and their states in file
 * order, so that a pass and the first-missing report follow the file. The
 * file is capped in lines (EXPECTED_USERS_MAX_RECORDS) and line length. */
#include "providers/expected_users.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common/timeutil.h"
#include "providers/jsonl_reader.h"

/* Keeps a copy of at most 60 bytes of z, with "..." when cut. */
static void expected_clip(const char *z, char *zOut, size_t nOut) {
  if(strlen(z) <= 60) snprintf(zOut, nOut, "%s", z);
  else snprintf(zOut, nOut, "%.57s...", z);
}

/* Adds one record under its id. AIRC_ERR_INVALID without a message when
 * zId is not a uuid (the caller names the line). */
static airc_rc expected_add(expected_users *p, const expected_users_rules *pRules, json_t *pRec, const char *zId,
                            airc_err *pErr) {
  char zCanon[37];
  if(pRules->xIdCanon(zId, zCanon)) return AIRC_ERR_INVALID;
  if(json_object_get(p->pById, zCanon)) return AIRC_OK; /* duplicate line: one expectation */
  if(p->nId >= EXPECTED_USERS_MAX_RECORDS)
    return airc_err_set(pErr, AIRC_ERR_TOOBIG, "%s: more than %d records", p->zInput, EXPECTED_USERS_MAX_RECORDS);
  if(p->nId == p->nAlloc) {
    int64_t nNew = p->nAlloc ? p->nAlloc * 2 : 256;
    void *p1 = realloc(p->azId, (size_t)nNew * 37);
    if(p1) p->azId = p1;
    void *p2 = realloc(p->aState, (size_t)nNew);
    if(p2) p->aState = p2;
    if(!p1 || !p2) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
    p->nAlloc = nNew;
  }
  memcpy(p->azId[p->nId], zCanon, 37);
  p->aState[p->nId] = EXPECTED_MISSING;
  json_t *pEntry = json_pack("{sIsO}", "i", (json_int_t)p->nId, "r", pRec);
  if(!pEntry || json_object_set_new(p->pById, zCanon, pEntry))
    return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  p->nId++;
  return AIRC_OK;
}

/* The first record's keys become the columns (borrowed from the record,
 * which stays alive in pById). */
static airc_rc expected_columns(expected_users *p, const expected_users_rules *pRules, json_t *pRec,
                                const jsonl_reader *pRd, airc_err *pErr) {
  const char *zKey;
  json_t *pV;
  p->azCol[p->nCol++] = "id";
  json_object_foreach(pRec, zKey, pV) {
    if(!strcmp(zKey, "id")) continue;
    if(!pRules->xColumnOk(zKey))
      return airc_err_set(pErr, AIRC_ERR_INVALID, "%s:%lld: field name '%s' is not %s", pRd->zPath,
                          (long long)pRd->iLine, zKey, pRules->zColumnKind);
    if(p->nCol >= EXPECTED_USERS_MAX_COLS)
      return airc_err_set(pErr, AIRC_ERR_TOOBIG, "%s:%lld: more than %d fields", pRd->zPath,
                          (long long)pRd->iLine, EXPECTED_USERS_MAX_COLS);
    p->azCol[p->nCol++] = zKey;
  }
  return AIRC_OK;
}

airc_rc expected_users_load(expected_users *p, const char *zInput, const expected_users_rules *pRules,
                            expected_users_result *pRes, airc_err *pErr) {
  memset(p, 0, sizeof(*p));
  memset(pRes, 0, sizeof(*pRes));
  p->zInput = zInput;
  p->pRes = pRes;
  p->pById = json_object();
  if(!p->pById) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  jsonl_reader rd;
  airc_rc rc = jsonl_open(&rd, zInput, EXPECTED_USERS_MAX_LINE, pErr);
  if(rc) return rc;
  const char *z;
  size_t n;
  int r;
  while(!rc && (r = jsonl_next(&rd, &z, &n, pErr)) > 0) {
    json_error_t jerr;
    json_t *pRec = json_loadb(z, n, 0, &jerr);
    const char *zId = json_string_value(json_object_get(pRec, "id"));
    if(!pRec)
      rc = airc_err_set(pErr, AIRC_ERR_PARSE, "%s:%lld: not JSON: %s", rd.zPath, (long long)rd.iLine, jerr.text);
    else if(!json_is_object(pRec) || !zId)
      rc = airc_err_set(pErr, AIRC_ERR_INVALID, "%s:%lld: record has no string \"id\"", rd.zPath,
                        (long long)rd.iLine);
    else if(p->nCol == 0)
      rc = expected_columns(p, pRules, pRec, &rd, pErr);
    if(!rc) {
      rc = expected_add(p, pRules, pRec, zId, pErr);
      if(rc == AIRC_ERR_INVALID && !pErr->rc)
        rc = airc_err_set(pErr, rc, "%s:%lld: id '%s' is not a UUID", rd.zPath, (long long)rd.iLine, zId);
    }
    json_decref(pRec);
  }
  if(!rc && r < 0) rc = pErr->rc;
  jsonl_close(&rd);
  return rc;
}

void expected_users_free(expected_users *p) {
  free(p->azId);
  free(p->aState);
  json_decref(p->pById);
  memset(p, 0, sizeof(*p));
}

int64_t expected_users_claim(expected_users *p, const char *zCanon) {
  json_t *pEntry = json_object_get(p->pById, zCanon);
  if(!pEntry) return -1;
  int64_t i = json_integer_value(json_object_get(pEntry, "i"));
  if(p->aState[i] != EXPECTED_MISSING) return -1;
  p->aState[i] = EXPECTED_FOUND;
  return i;
}

/* The expected text of column zCol of pRec, or NULL for null/absent. */
static const char *expected_text(json_t *pRec, const char *zCol, char *zBuf, size_t nBuf) {
  json_t *pV = json_object_get(pRec, zCol);
  if(!pV || json_is_null(pV)) return NULL;
  if(json_is_string(pV)) return json_string_value(pV);
  char *z = json_dumps(pV, JSON_ENCODE_ANY | JSON_COMPACT);
  snprintf(zBuf, nBuf, "%s", z ? z : "");
  free(z);
  return zBuf;
}

int expected_users_compare(expected_users *p, int64_t i, int iCol, const char *zGot, int bNull) {
  json_t *pRec = json_object_get(json_object_get(p->pById, p->azId[i]), "r");
  char zTmp[256];
  const char *zWant = expected_text(pRec, p->azCol[iCol], zTmp, sizeof(zTmp));
  if(bNull ? zWant == NULL : zWant && !strcmp(zWant, zGot)) return 1;
  p->aState[i] = EXPECTED_MISMATCH;
  if(!p->pRes->zFirstMismatch[0]) {
    char zW[80], zG[80];
    expected_clip(zWant ? zWant : "", zW, sizeof(zW));
    expected_clip(bNull ? "" : zGot, zG, sizeof(zG));
    snprintf(p->pRes->zFirstMismatch, sizeof(p->pRes->zFirstMismatch),
             "id %s field '%s': expected %s%s%s got %s%s%s", p->azId[i], p->azCol[iCol], zWant ? "'" : "",
             zWant ? zW : "null", zWant ? "'" : "", bNull ? "" : "'", bNull ? "null" : zG, bNull ? "" : "'");
  }
  return 0;
}

/* One pass over the ids still missing, nBatch at a time. */
static airc_rc expected_pass(expected_users *p, int nBatch, expected_users_batch_fn xBatch, void *pCtx,
                             int *pbNoTable, airc_err *pErr) {
  int64_t aIdx[EXPECTED_USERS_MAX_BATCH];
  if(nBatch < 1 || nBatch > EXPECTED_USERS_MAX_BATCH) nBatch = EXPECTED_USERS_MAX_BATCH;
  int n = 0;
  airc_rc rc = AIRC_OK;
  *pbNoTable = 0;
  for(int64_t i = 0; !rc && !*pbNoTable && i <= p->nId; i++) {
    if(i < p->nId && p->aState[i] == EXPECTED_MISSING) aIdx[n++] = i;
    if(n == nBatch || (i == p->nId && n > 0)) {
      rc = xBatch(pCtx, aIdx, n, pbNoTable, pErr);
      n = 0;
    }
  }
  return rc;
}

static void expected_count(expected_users *p) {
  expected_users_result *r = p->pRes;
  r->nExpected = p->nId;
  r->nFound = r->nMissing = r->nMismatched = 0;
  r->zFirstMissing[0] = 0;
  for(int64_t i = 0; i < p->nId; i++) {
    if(p->aState[i] == EXPECTED_MISSING) {
      r->nMissing++;
      if(!r->zFirstMissing[0]) memcpy(r->zFirstMissing, p->azId[i], 37);
    } else {
      r->nFound++;
      if(p->aState[i] == EXPECTED_MISMATCH) r->nMismatched++;
    }
  }
}

static void expected_sleep_ms(int64_t ms) {
  struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
  while(nanosleep(&ts, &ts) != 0) {}
}

/* The one-line verdict for missing or mismatched records. */
static airc_rc expected_verdict(const expected_users_result *r, airc_err *pErr) {
  char zDetail[700] = "";
  if(r->nMissing && r->nMismatched)
    snprintf(zDetail, sizeof(zDetail), "first missing id %s; first mismatch %s", r->zFirstMissing,
             r->zFirstMismatch);
  else if(r->nMissing)
    snprintf(zDetail, sizeof(zDetail), "first missing id %s%s%s", r->zFirstMissing, r->zNote[0] ? "; " : "",
             r->zNote);
  else
    snprintf(zDetail, sizeof(zDetail), "first mismatch %s", r->zFirstMismatch);
  return airc_err_set(pErr, AIRC_ERR_INVALID, "%lld of %lld records missing, %lld mismatched (%s)",
                      (long long)r->nMissing, (long long)r->nExpected, (long long)r->nMismatched, zDetail);
}

airc_rc expected_users_check(expected_users *p, const expected_users_check_opts *o, expected_users_batch_fn xBatch,
                             void *pCtx, airc_err *pErr) {
  expected_users_result *pOut = p->pRes;
  airc_rc rc = AIRC_OK;
  while(!rc && p->nId > 0) {
    int bNoTable = 0;
    pOut->nChecks++;
    rc = expected_pass(p, o->nBatch, xBatch, pCtx, &bNoTable, pErr);
    if(rc) break;
    /* the streaming job creates the table: until then, all rows missing */
    if(bNoTable) snprintf(pOut->zNote, sizeof(pOut->zNote), "table %s does not exist", o->zTable);
    else pOut->zNote[0] = 0;
    expected_count(p);
    int64_t leftMs = (o->deadlineUs - airc_now_us()) / 1000;
    if(pOut->nMissing == 0 || leftMs <= 0) break;
    int64_t sleepMs = o->pollMs > 0 ? o->pollMs : 2000;
    if(sleepMs > leftMs) sleepMs = leftMs;
    if(o->pProgress) {
      fprintf(o->pProgress, "%s: %lld/%lld found, %lld missing%s%s; re-checking in %.1fs\n", o->zType,
              (long long)pOut->nFound, (long long)pOut->nExpected, (long long)pOut->nMissing,
              pOut->zNote[0] ? ", " : "", pOut->zNote, (double)sleepMs / 1000.0);
      fflush(o->pProgress);
    }
    expected_sleep_ms(sleepMs);
  }
  if(rc) return rc;
  expected_count(p);
  if(pOut->nMissing || pOut->nMismatched) return expected_verdict(pOut, pErr);
  if(o->pProgress) {
    fprintf(o->pProgress, "%s: all %lld records found in %s with equal fields\n", o->zType,
            (long long)pOut->nExpected, o->zTable);
    fflush(o->pProgress);
  }
  return AIRC_OK;
}

int expected_users_task_exit(const task_ctx *pCtx, const char *zType, airc_rc rc, int bRan,
                             const expected_users_result *pRes, airc_err *pErr) {
  if(bRan && rc) airc_err_prefix(pErr, "%s", zType);
  if(bRan && (!rc || rc == AIRC_ERR_INVALID)) {
    json_t *pX = json_pack("{sIsIsIsI}", "expected", (json_int_t)pRes->nExpected, "found",
                           (json_int_t)pRes->nFound, "missing", (json_int_t)pRes->nMissing, "mismatched",
                           (json_int_t)pRes->nMismatched);
    if((!pX || task_xcom_write(pCtx, pX) != 0) && !rc)
      rc = airc_err_set(pErr, AIRC_ERR_IO, "%s: cannot write XCom", zType);
    json_decref(pX);
  }
  fflush(stdout);
  if(rc) {
    fprintf(stderr, "%s\n", airc_err_msg(pErr));
    return TASK_EXIT_FAILED;
  }
  return TASK_EXIT_SUCCESS;
}
