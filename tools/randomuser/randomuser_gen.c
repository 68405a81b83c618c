/* randomuser_gen.c: see randomuser_gen.h. */
#include "tools/randomuser/randomuser_gen.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/prng.h"
#include "common/timeutil.h"
#include "common/uuid.h"
#include "tools/randomuser/randomuser_nat.h"

#define GEN_REFERENCE_DATE 1717200000LL /* 2024-06-01T00:00:00Z, "today" for ages */

uint64_t randomuser_gen_seed_hash(const char *zSeed) {
  return prng_fnv1a(PRNG_FNV_INIT, zSeed, strlen(zSeed));
}

static const char *gen_pick(prng *p, const char *const *az) {
  uint64_t n = 0;
  while(az[n]) n++;
  return az[prng_below(p, n)];
}

/* Expands a pattern ('#' digit, 'L' letter) into zOut (capped). */
static void gen_pattern(prng *p, const char *zPat, char *zOut, size_t nOut) {
  size_t j = 0;
  for(; *zPat && j + 1 < nOut; zPat++) {
    if(*zPat == '#') zOut[j++] = (char)('0' + prng_below(p, 10));
    else if(*zPat == 'L') zOut[j++] = (char)('A' + prng_below(p, 26));
    else zOut[j++] = *zPat;
  }
  zOut[j] = 0;
}

static void gen_hex(prng *p, int n, char *zOut) {
  static const char zHex[] = "0123456789abcdef";
  for(int i = 0; i < n; i++) zOut[i] = zHex[prng_below(p, 16)];
  zOut[n] = 0;
}

/* "1992-03-08T15:13:16.688Z" for a random instant in [lo, hi) seconds, and
 * the age in whole years at the reference date. */
static int gen_date(prng *p, int64_t lo, int64_t hi, char *zOut, size_t nOut) {
  int64_t t = prng_range(p, lo, hi - 1);
  int ms = (int)prng_below(p, 1000);
  airc_tm tm, ref;
  airc_epoch_to_tm(t, &tm);
  airc_epoch_to_tm(GEN_REFERENCE_DATE, &ref);
  snprintf(zOut, nOut, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.year, tm.mon, tm.mday, tm.hour,
           tm.min, tm.sec, ms);
  int age = ref.year - tm.year;
  if(ref.mon < tm.mon || (ref.mon == tm.mon && ref.mday < tm.mday)) age--;
  return age;
}

/* ASCII letters lower-cased, spaces and apostrophes dropped, other UTF-8
 * bytes kept (the real API keeps non-Latin names in e-mail addresses). */
static void gen_email_part(const char *z, char *zOut, size_t nOut) {
  size_t j = 0;
  for(; *z && j + 1 < nOut; z++) {
    unsigned char c = (unsigned char)*z;
    if(c == ' ' || c == '\'') continue;
    zOut[j++] = (char)(c < 0x80 ? tolower(c) : c);
  }
  if(*z) {
    /* out of room: never cut a UTF-8 sequence in half */
    while(j > 0 && ((unsigned char)zOut[j - 1] & 0xc0) == 0x80) j--;
    if(j > 0 && ((unsigned char)zOut[j - 1] & 0xc0) == 0xc0) j--;
  }
  zOut[j] = 0;
}

/* Picks a nationality index among the bits of natMask (0 = all). */
static int gen_nat(prng *p, uint32_t natMask) {
  int nNat = randomuser_nat_count();
  uint32_t all = nNat >= 32 ? 0xffffffffu : ((1u << nNat) - 1);
  uint32_t m = natMask & all;
  if(!m) m = all;
  uint64_t nSet = (uint64_t)__builtin_popcount(m);
  uint64_t want = prng_below(p, nSet);
  for(int i = 0; i < nNat; i++) {
    if(m & (1u << i)) {
      if(want == 0) return i;
      want--;
    }
  }
  return 0;
}

/* Attaches pVal (stolen) to pObj unless an earlier step failed; once *pRc
 * is set nothing is touched but pVal, which is released. */
static void gen_set(airc_rc *pRc, json_t *pObj, const char *zKey, json_t *pVal) {
  if(*pRc || !pObj || !pVal) {
    json_decref(pVal);
    if(!*pRc) *pRc = AIRC_ERR_NOMEM;
    return;
  }
  if(json_object_set_new(pObj, zKey, pVal)) *pRc = AIRC_ERR_NOMEM;
}
#define SETNEW(obj, key, val) gen_set(&rc, (obj), (key), (val))

airc_rc randomuser_gen_user(uint64_t seedHash, uint64_t k, uint32_t natMask, int gender,
                            uint32_t fieldMask, json_t **ppOut) {
  prng r;
  uint64_t kMix = k;
  prng_seed(&r, seedHash ^ prng_splitmix64(&kMix));
  *ppOut = NULL;
  airc_rc rc = AIRC_OK;

  const randomuser_nat *pNat = &randomuser_aNat[gen_nat(&r, natMask)];
  int bMale = prng_below(&r, 2) == 0;
  if(gender) bMale = gender == 1;
  const char *zFirst = gen_pick(&r, bMale ? pNat->azMale : pNat->azFemale);
  const char *zLast = gen_pick(&r, pNat->azLast);
  static const char *const azFemaleTitle[] = {"Ms", "Mrs", "Miss", NULL};
  const char *zTitle = bMale ? "Mr" : gen_pick(&r, azFemaleTitle);

  json_t *pUser = json_object();
  if(!pUser) return AIRC_ERR_NOMEM;
  SETNEW(pUser, "gender", json_string(bMale ? "male" : "female"));
  json_t *pName = json_object();
  SETNEW(pUser, "name", pName);
  SETNEW(pName, "title", json_string(zTitle));
  SETNEW(pName, "first", json_string(zFirst));
  SETNEW(pName, "last", json_string(zLast));

  /* location */
  json_t *pLoc = json_object(), *pStreet = json_object(), *pCoord = json_object(),
         *pTz = json_object();
  SETNEW(pUser, "location", pLoc);
  SETNEW(pLoc, "street", pStreet);
  SETNEW(pStreet, "number", json_integer(prng_range(&r, 1, 9999)));
  SETNEW(pStreet, "name", json_string(gen_pick(&r, pNat->azStreet)));
  uint64_t nPlace = 0;
  while(pNat->aPlace[nPlace].zCity) nPlace++;
  const randomuser_place *pPlace = &pNat->aPlace[prng_below(&r, nPlace)];
  SETNEW(pLoc, "city", json_string(pPlace->zCity));
  SETNEW(pLoc, "state", json_string(pPlace->zState));
  SETNEW(pLoc, "country", json_string(pNat->zCountry));
  char zBuf[128], zBuf2[128];
  gen_pattern(&r, pNat->zPostcode, zBuf, sizeof(zBuf));
  if(pNat->bPostcodeNumber) SETNEW(pLoc, "postcode", json_integer(strtoll(zBuf, NULL, 10)));
  else SETNEW(pLoc, "postcode", json_string(zBuf));
  SETNEW(pLoc, "coordinates", pCoord);
  snprintf(zBuf, sizeof(zBuf), "%.4f", (double)prng_range(&r, -900000, 900000) / 10000.0);
  SETNEW(pCoord, "latitude", json_string(zBuf));
  snprintf(zBuf, sizeof(zBuf), "%.4f", (double)prng_range(&r, -1800000, 1800000) / 10000.0);
  SETNEW(pCoord, "longitude", json_string(zBuf));
  uint64_t nTz = 0;
  while(randomuser_aTz[nTz].zOffset) nTz++;
  const randomuser_tz *pZone = &randomuser_aTz[prng_below(&r, nTz)];
  SETNEW(pLoc, "timezone", pTz);
  SETNEW(pTz, "offset", json_string(pZone->zOffset));
  SETNEW(pTz, "description", json_string(pZone->zDescription));

  /* email */
  char zEmail[256];
  gen_email_part(zFirst, zBuf, sizeof(zBuf));
  gen_email_part(zLast, zBuf2, sizeof(zBuf2));
  if(snprintf(zEmail, sizeof(zEmail), "%s.%s@example.com", zBuf, zBuf2) >= (int)sizeof(zEmail))
    snprintf(zEmail, sizeof(zEmail), "user@example.com");
  SETNEW(pUser, "email", json_string(zEmail));

  /* login */
  json_t *pLogin = json_object();
  SETNEW(pUser, "login", pLogin);
  uint8_t aUuid[16];
  for(int i = 0; i < 16; i += 8) {
    uint64_t x = prng_next(&r);
    memcpy(aUuid + i, &x, 8);
  }
  char zUuid[UUID_STR_LEN];
  uuid_format_v4(aUuid, zUuid);
  SETNEW(pLogin, "uuid", json_string(zUuid));
  snprintf(zBuf, sizeof(zBuf), "%s%s%d", gen_pick(&r, randomuser_azAdjective),
           gen_pick(&r, randomuser_azAnimal), (int)prng_range(&r, 100, 999));
  SETNEW(pLogin, "username", json_string(zBuf));
  SETNEW(pLogin, "password", json_string(gen_pick(&r, randomuser_azPassword)));
  static const char zAlnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  for(int i = 0; i < 8; i++) zBuf[i] = zAlnum[prng_below(&r, sizeof(zAlnum) - 1)];
  zBuf[8] = 0;
  SETNEW(pLogin, "salt", json_string(zBuf));
  gen_hex(&r, 32, zBuf);
  SETNEW(pLogin, "md5", json_string(zBuf));
  gen_hex(&r, 40, zBuf);
  SETNEW(pLogin, "sha1", json_string(zBuf));
  gen_hex(&r, 64, zBuf);
  SETNEW(pLogin, "sha256", json_string(zBuf));

  /* dob 1945..2003, registered 2002..2022 */
  json_t *pDob = json_object(), *pReg = json_object();
  int age = gen_date(&r, -788918400LL, 1072915200LL, zBuf, sizeof(zBuf));
  SETNEW(pUser, "dob", pDob);
  SETNEW(pDob, "date", json_string(zBuf));
  SETNEW(pDob, "age", json_integer(age));
  age = gen_date(&r, 1009843200LL, 1672531200LL, zBuf, sizeof(zBuf));
  SETNEW(pUser, "registered", pReg);
  SETNEW(pReg, "date", json_string(zBuf));
  SETNEW(pReg, "age", json_integer(age));

  gen_pattern(&r, pNat->zPhone, zBuf, sizeof(zBuf));
  SETNEW(pUser, "phone", json_string(zBuf));
  gen_pattern(&r, pNat->zCell, zBuf, sizeof(zBuf));
  SETNEW(pUser, "cell", json_string(zBuf));

  json_t *pId = json_object();
  SETNEW(pUser, "id", pId);
  SETNEW(pId, "name", json_string(pNat->zIdName));
  if(pNat->zIdValue) {
    gen_pattern(&r, pNat->zIdValue, zBuf, sizeof(zBuf));
    SETNEW(pId, "value", json_string(zBuf));
  } else {
    SETNEW(pId, "value", json_null());
  }

  json_t *pPic = json_object();
  SETNEW(pUser, "picture", pPic);
  const char *zSex = bMale ? "men" : "women";
  int nPic = (int)prng_below(&r, 100);
  snprintf(zBuf, sizeof(zBuf), "https://randomuser.me/api/portraits/%s/%d.jpg", zSex, nPic);
  SETNEW(pPic, "large", json_string(zBuf));
  snprintf(zBuf, sizeof(zBuf), "https://randomuser.me/api/portraits/med/%s/%d.jpg", zSex, nPic);
  SETNEW(pPic, "medium", json_string(zBuf));
  snprintf(zBuf, sizeof(zBuf), "https://randomuser.me/api/portraits/thumb/%s/%d.jpg", zSex, nPic);
  SETNEW(pPic, "thumbnail", json_string(zBuf));
  SETNEW(pUser, "nat", json_string(pNat->zCode));

  for(int i = 0; !rc && randomuser_azField[i]; i++) {
    if(!(fieldMask & (1u << i))) json_object_del(pUser, randomuser_azField[i]);
  }
  if(rc) {
    json_decref(pUser);
    return rc;
  }
  *ppOut = pUser;
  return AIRC_OK;
}

airc_rc randomuser_gen_response(const randomuser_query *q, json_t **ppOut) {
  *ppOut = NULL;
  airc_rc rc = AIRC_OK;
  json_t *pDoc = json_object(), *pResults = json_array();
  if(!pDoc || !pResults) {
    json_decref(pDoc);
    json_decref(pResults);
    return AIRC_ERR_NOMEM;
  }
  SETNEW(pDoc, "results", pResults);
  uint64_t seedHash = randomuser_gen_seed_hash(q->zSeed);
  uint64_t k0 = (uint64_t)(q->page - 1) * (uint64_t)q->nResults;
  for(int i = 0; !rc && i < q->nResults; i++) {
    json_t *pUser;
    rc = randomuser_gen_user(seedHash, k0 + (uint64_t)i, q->natMask, q->gender, q->fieldMask,
                             &pUser);
    if(!rc && json_array_append_new(pResults, pUser)) rc = AIRC_ERR_NOMEM;
  }
  if(!q->bNoInfo) {
    json_t *pInfo = json_object();
    SETNEW(pDoc, "info", pInfo);
    SETNEW(pInfo, "seed", json_string(q->zSeed));
    SETNEW(pInfo, "results", json_integer(q->nResults));
    SETNEW(pInfo, "page", json_integer(q->page));
    SETNEW(pInfo, "version", json_string("1.4"));
  }
  if(rc) {
    json_decref(pDoc);
    return rc;
  }
  *ppOut = pDoc;
  return AIRC_OK;
}
