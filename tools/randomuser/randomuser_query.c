/* randomuser_query.c: see randomuser_query.h. */
#include "tools/randomuser/randomuser_query.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <jansson.h>
#include "tools/randomuser/randomuser_nat.h"

const char *const randomuser_azField[] = {"gender", "name", "location", "email",
                                          "login",  "registered", "dob", "phone",
                                          "cell",   "id",   "picture",  "nat", NULL};

static airc_rc query_fail(char *zErr, size_t nErr, const char *zFmt, const char *zA,
                          const char *zB) {
  if(zErr && nErr) snprintf(zErr, nErr, zFmt, zA, zB ? zB : "");
  return AIRC_ERR_INVALID;
}

/* Whole decimal number in [lo, hi] (values above hi clamp to hi when
 * bClamp). Text in error messages is cut to 40 bytes. */
static airc_rc query_int(const char *zName, const char *z, int64_t lo, int64_t hi, int bClamp,
                         int64_t *pOut, char *zErr, size_t nErr) {
  char zShown[48];
  snprintf(zShown, sizeof(zShown), "%.40s", z);
  const char *p = z;
  if(*p == '+') p++;
  if(*p < '0' || *p > '9') {
    return query_fail(zErr, nErr, "%s must be a whole number, got '%s'", zName, zShown);
  }
  errno = 0;
  char *zEnd;
  long long v = strtoll(p, &zEnd, 10);
  if(*zEnd) return query_fail(zErr, nErr, "%s must be a whole number, got '%s'", zName, zShown);
  if(errno == ERANGE || v > hi) {
    if(bClamp) v = hi;
    else return query_fail(zErr, nErr, "%s is out of range: '%s'", zName, zShown);
  }
  if(v < lo) return query_fail(zErr, nErr, "%s is out of range: '%s'", zName, zShown);
  *pOut = v;
  return AIRC_OK;
}

/* Comma-separated list of field names -> mask. */
static airc_rc query_fields(const char *zName, const char *z, uint32_t *pMask, char *zErr,
                            size_t nErr) {
  uint32_t mask = 0;
  while(*z) {
    const char *zComma = strchr(z, ',');
    size_t n = zComma ? (size_t)(zComma - z) : strlen(z);
    if(n) {
      int i;
      for(i = 0; randomuser_azField[i]; i++) {
        if(strlen(randomuser_azField[i]) == n && !strncasecmp(randomuser_azField[i], z, n)) break;
      }
      if(!randomuser_azField[i]) {
        char zShown[48];
        snprintf(zShown, sizeof(zShown), "%.*s", (int)(n > 40 ? 40 : n), z);
        return query_fail(zErr, nErr, "%s: unknown field '%s'", zName, zShown);
      }
      mask |= 1u << i;
    }
    if(!zComma) break;
    z = zComma + 1;
  }
  *pMask = mask;
  return AIRC_OK;
}

static airc_rc query_nats(const char *z, uint32_t *pMask, char *zErr, size_t nErr) {
  uint32_t mask = 0;
  while(*z) {
    const char *zComma = strchr(z, ',');
    size_t n = zComma ? (size_t)(zComma - z) : strlen(z);
    if(n) {
      int i = randomuser_nat_find(z, (int)n);
      if(i < 0) {
        char zShown[48];
        snprintf(zShown, sizeof(zShown), "%.*s", (int)(n > 40 ? 40 : n), z);
        return query_fail(zErr, nErr, "nat: unknown nationality '%s'%s", zShown, NULL);
      }
      mask |= 1u << i;
    }
    if(!zComma) break;
    z = zComma + 1;
  }
  *pMask = mask;
  return AIRC_OK;
}

airc_rc randomuser_query_parse(randomuser_getter xGet, void *pArg, randomuser_query *pOut,
                               char *zErr, size_t nErr) {
  memset(pOut, 0, sizeof(*pOut));
  pOut->nResults = 1;
  pOut->page = 1;
  pOut->fieldMask = RANDOMUSER_ALL_FIELDS;
  if(zErr && nErr) zErr[0] = 0;
  const char *z;
  int64_t v;
  airc_rc rc = AIRC_OK;

  if((z = xGet(pArg, "results")) != NULL) {
    rc = query_int("results", z, 1, RANDOMUSER_MAX_RESULTS, 1, &v, zErr, nErr);
    if(rc) return rc;
    pOut->nResults = (int)v;
  }
  if((z = xGet(pArg, "page")) != NULL) {
    rc = query_int("page", z, 1, RANDOMUSER_MAX_PAGE, 0, &v, zErr, nErr);
    if(rc) return rc;
    pOut->page = v;
  }
  if((z = xGet(pArg, "seed")) != NULL && *z) {
    size_t n = strlen(z);
    if(n > RANDOMUSER_SEED_MAX) {
      return query_fail(zErr, nErr, "seed is longer than %s bytes%s", "64", NULL);
    }
    json_t *pCheck = json_stringn(z, n); /* jansson refuses invalid UTF-8 */
    if(!pCheck) return query_fail(zErr, nErr, "seed is not valid UTF-8%s%s", "", NULL);
    json_decref(pCheck);
    memcpy(pOut->zSeed, z, n + 1);
  } else {
    /* the real API picks a random 16-hex-digit seed and reports it in info */
    unsigned char a[8];
    if(getrandom(a, sizeof(a), 0) != (ssize_t)sizeof(a)) {
      if(zErr && nErr) snprintf(zErr, nErr, "cannot generate a seed");
      return AIRC_ERR_IO;
    }
    for(int i = 0; i < 8; i++) snprintf(pOut->zSeed + 2 * i, 3, "%02x", a[i]);
  }
  if((z = xGet(pArg, "nat")) != NULL) {
    rc = query_nats(z, &pOut->natMask, zErr, nErr);
    if(rc) return rc;
  }
  if((z = xGet(pArg, "inc")) != NULL && *z) {
    rc = query_fields("inc", z, &pOut->fieldMask, zErr, nErr);
    if(rc) return rc;
  }
  if((z = xGet(pArg, "exc")) != NULL && *z) {
    uint32_t exc;
    rc = query_fields("exc", z, &exc, zErr, nErr);
    if(rc) return rc;
    pOut->fieldMask &= ~exc;
  }
  if((z = xGet(pArg, "gender")) != NULL && *z) {
    if(!strcasecmp(z, "male")) pOut->gender = 1;
    else if(!strcasecmp(z, "female")) pOut->gender = 2;
    else return query_fail(zErr, nErr, "gender must be male or female, got '%.40s'%s", z, NULL);
  }
  if((z = xGet(pArg, "format")) != NULL && *z && strcasecmp(z, "json") != 0) {
    return query_fail(zErr, nErr, "format '%.40s' is not supported (only json)%s", z, NULL);
  }
  if(xGet(pArg, "noinfo") != NULL) pOut->bNoInfo = 1;
  return AIRC_OK;
}
