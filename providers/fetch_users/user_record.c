/* user_record.c: see user_record.h.
 *
 * Field paths are looked up with a tiny dotted-path walker so that each
 * error names the full path the user sees in the API documentation. Strings
 * are copied with their byte length (json_string_length), so values holding
 * "\u0000" or any UTF-8 survive untouched; jansson has already checked that
 * the input is valid UTF-8. */
#include "providers/fetch_users/user_record.h"
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "common/dynbuf.h"

/* A record is a few hundred bytes; anything longer comes from a hostile
 * or broken API and is refused rather than carried downstream. */
#define USER_RECORD_ADDRESS_MAX (64 * 1024)

const char *const user_record_azKeys[] = {
    "id",       "first_name", "last_name", "gender",          "address", "post_code", "email",
    "username", "dob",        "registered_date", "phone",     "picture", NULL};

static const char *user_type_name(const json_t *p) {
  switch(json_typeof(p)) {
  case JSON_OBJECT: return "object";
  case JSON_ARRAY: return "array";
  case JSON_STRING: return "string";
  case JSON_INTEGER: return "integer";
  case JSON_REAL: return "number";
  case JSON_TRUE: case JSON_FALSE: return "boolean";
  case JSON_NULL: return "null";
  }
  return "unknown";
}

static airc_rc user_fail(char *zErr, size_t nErr, airc_rc rc, const char *zFmt, const char *zPath,
                         const char *zExtra) {
  if(zErr && nErr) snprintf(zErr, nErr, zFmt, zPath, zExtra ? zExtra : "");
  return rc;
}

/* Looks up a dotted path ("location.street.name") below pRoot. Returns the
 * value, or NULL when a step is absent or JSON null. When a step that should
 * hold an object holds something else, returns NULL and writes that step's
 * path ("location") to zBad; otherwise zBad is "". */
static json_t *user_lookup(json_t *pRoot, const char *zPath, char *zBad, size_t nBad) {
  json_t *p = pRoot;
  const char *z = zPath;
  zBad[0] = 0;
  while(1) {
    const char *zDot = strchr(z, '.');
    size_t n = zDot ? (size_t)(zDot - z) : strlen(z);
    if(!json_is_object(p)) {
      /* the previous step exists but is not an object */
      size_t nPrefix = (size_t)(z - zPath);
      if(nPrefix) nPrefix--; /* drop the dot */
      snprintf(zBad, nBad, "%.*s", (int)nPrefix, zPath);
      return NULL;
    }
    p = json_object_getn(p, z, n);
    if(!p || json_is_null(p)) return NULL;
    if(!zDot) return p;
    z = zDot + 1;
  }
}

/* Finds zPath (borrowed result in *ppOut); AIRC_ERR_INVALID with a message
 * when it is missing or is neither a string nor, when bNumberOk, a number. */
static airc_rc user_get(json_t *pUser, const char *zPath, int bNumberOk, json_t **ppOut,
                        char *zErr, size_t nErr) {
  char zBad[128], zUnused[128];
  json_t *p = user_lookup(pUser, zPath, zBad, sizeof(zBad));
  *ppOut = NULL;
  if(zBad[0]) {
    json_t *pParent = user_lookup(pUser, zBad, zUnused, sizeof(zUnused));
    return user_fail(zErr, nErr, AIRC_ERR_INVALID, "field '%s' has wrong type (%s)", zBad,
                     pParent ? user_type_name(pParent) : "?");
  }
  if(!p) return user_fail(zErr, nErr, AIRC_ERR_INVALID, "field '%s' missing%s", zPath, NULL);
  if(json_is_string(p) || (bNumberOk && (json_is_integer(p) || json_is_real(p)))) {
    *ppOut = p;
    return AIRC_OK;
  }
  return user_fail(zErr, nErr, AIRC_ERR_INVALID, "field '%s' has wrong type (%s)", zPath,
                   user_type_name(p));
}

/* Appends a string or integral number to pBuf. Reals must be integral
 * (a postcode of 1234.0 is 1234; 12.5 is refused). */
static airc_rc user_append_scalar(dynbuf *pBuf, json_t *p, const char *zPath, char *zErr,
                                  size_t nErr) {
  airc_rc rc;
  if(json_is_string(p)) {
    rc = dynbuf_append(pBuf, json_string_value(p), json_string_length(p));
  } else if(json_is_integer(p)) {
    rc = dynbuf_printf(pBuf, "%" JSON_INTEGER_FORMAT, json_integer_value(p));
  } else {
    double v = json_real_value(p);
    if(!(v == floor(v)) || fabs(v) > 9.0e15) {
      return user_fail(zErr, nErr, AIRC_ERR_INVALID, "field '%s' has wrong type (%s)", zPath,
                       "non-integral number");
    }
    rc = dynbuf_printf(pBuf, "%.0f", v);
  }
  if(rc == AIRC_ERR_TOOBIG) {
    return user_fail(zErr, nErr, AIRC_ERR_INVALID, "field '%s' is too long%s", zPath, NULL);
  }
  if(rc) return user_fail(zErr, nErr, rc, "field '%s': out of memory%s", zPath, NULL);
  return AIRC_OK;
}

static airc_rc user_set(json_t *pOut, const char *zKey, const char *z, size_t n, char *zErr,
                        size_t nErr) {
  json_t *p = json_stringn(z, n);
  if(!p || json_object_set_new(pOut, zKey, p) != 0) {
    return user_fail(zErr, nErr, AIRC_ERR_NOMEM, "field '%s': out of memory%s", zKey, NULL);
  }
  return AIRC_OK;
}

/* Copies the string at zPath into pOut[zKey]; numbers are accepted only when
 * bNumberOk (then formatted as decimal). */
static airc_rc user_copy(json_t *pUser, json_t *pOut, const char *zKey, const char *zPath,
                         int bNumberOk, char *zErr, size_t nErr) {
  json_t *p;
  airc_rc rc = user_get(pUser, zPath, bNumberOk, &p, zErr, nErr);
  if(rc) return rc;
  if(json_is_string(p)) {
    return user_set(pOut, zKey, json_string_value(p), json_string_length(p), zErr, nErr);
  }
  dynbuf b;
  dynbuf_init(&b, 64);
  rc = user_append_scalar(&b, p, zPath, zErr, nErr);
  if(!rc) rc = user_set(pOut, zKey, dynbuf_str(&b), b.n, zErr, nErr);
  dynbuf_free(&b);
  return rc;
}

/* "{number} {name}, {city}, {state}, {country}", or "{street}, ..." for the
 * older API whose location.street is a string; without ", {country}" when
 * location.country is absent or null (API 1.0-1.2). Street, city and state
 * are required. */
static airc_rc user_address(json_t *pUser, json_t *pOut, char *zErr, size_t nErr) {
  static const char *azTail[] = {"location.city", "location.state", "location.country"};
  dynbuf b;
  dynbuf_init(&b, USER_RECORD_ADDRESS_MAX);
  json_t *pStreet = NULL, *p = NULL;
  char zBad[128];
  airc_rc rc = AIRC_OK;
  pStreet = user_lookup(pUser, "location.street", zBad, sizeof(zBad));
  if(zBad[0]) {
    rc = user_get(pUser, "location.street", 0, &p, zErr, nErr); /* reports the bad step */
  } else if(!pStreet) {
    rc = user_fail(zErr, nErr, AIRC_ERR_INVALID, "field '%s' missing%s", "location.street", NULL);
  } else if(json_is_string(pStreet)) {
    rc = user_append_scalar(&b, pStreet, "location.street", zErr, nErr);
  } else if(json_is_object(pStreet)) {
    json_t *pNum, *pName;
    rc = user_get(pUser, "location.street.number", 1, &pNum, zErr, nErr);
    if(!rc) rc = user_get(pUser, "location.street.name", 0, &pName, zErr, nErr);
    if(!rc) rc = user_append_scalar(&b, pNum, "location.street.number", zErr, nErr);
    if(!rc && dynbuf_append(&b, " ", 1)) rc = AIRC_ERR_TOOBIG;
    if(!rc) rc = user_append_scalar(&b, pName, "location.street.name", zErr, nErr);
  } else {
    rc = user_fail(zErr, nErr, AIRC_ERR_INVALID, "field '%s' has wrong type (%s)",
                   "location.street", user_type_name(pStreet));
  }
  for(int i = 0; !rc && i < 3; i++) {
    /* API 1.0-1.2 users have no country: the address ends at the state */
    if(i == 2 && !user_lookup(pUser, azTail[i], zBad, sizeof(zBad)) && !zBad[0]) break;
    rc = user_get(pUser, azTail[i], 0, &p, zErr, nErr);
    if(!rc && dynbuf_append(&b, ", ", 2)) rc = AIRC_ERR_TOOBIG;
    if(!rc) rc = user_append_scalar(&b, p, azTail[i], zErr, nErr);
  }
  if(rc == AIRC_ERR_TOOBIG) {
    rc = user_fail(zErr, nErr, AIRC_ERR_INVALID, "field '%s' is too long%s", "address", NULL);
  }
  if(!rc) rc = user_set(pOut, "address", dynbuf_str(&b), b.n, zErr, nErr);
  dynbuf_free(&b);
  return rc;
}

static airc_rc user_id(json_t *pUser, json_t *pOut, char *zErr, size_t nErr) {
  char zBad[128], zId[UUID_STR_LEN];
  json_t *p = user_lookup(pUser, "login.uuid", zBad, sizeof(zBad));
  if(p && json_is_string(p) && uuid_is_valid(json_string_value(p), json_string_length(p))) {
    uuid_normalize(json_string_value(p), zId);
  } else if(uuid_random_v4(zId)) {
    return user_fail(zErr, nErr, AIRC_ERR_IO, "field '%s': cannot generate a UUID%s", "id", NULL);
  }
  return user_set(pOut, "id", zId, 36, zErr, nErr);
}

airc_rc user_record_from_api(json_t *pUser, json_t **ppOut, char *zErr, size_t nErr) {
  /* record key, API path, numbers accepted, and for the dates the API 1.0-1.1
   * field that held the date itself as a string; NULL path = computed */
  static const struct {
    const char *zKey, *zPath;
    int bNumberOk;
    const char *zAlt;
  } aField[] = {
      {"id", NULL, 0, NULL},
      {"first_name", "name.first", 0, NULL},
      {"last_name", "name.last", 0, NULL},
      {"gender", "gender", 0, NULL},
      {"address", NULL, 0, NULL},
      {"post_code", "location.postcode", 1, NULL},
      {"email", "email", 0, NULL},
      {"username", "login.username", 0, NULL},
      {"dob", "dob.date", 0, "dob"},
      {"registered_date", "registered.date", 0, "registered"},
      {"phone", "phone", 0, NULL},
      {"picture", "picture.medium", 0, NULL},
  };
  *ppOut = NULL;
  if(zErr && nErr) zErr[0] = 0;
  if(!json_is_object(pUser)) {
    return user_fail(zErr, nErr, AIRC_ERR_INVALID, "user is not an object (%s)%s",
                     pUser ? user_type_name(pUser) : "nothing", NULL);
  }
  json_t *pOut = json_object();
  if(!pOut) return user_fail(zErr, nErr, AIRC_ERR_NOMEM, "%s%s", "out of memory", NULL);
  airc_rc rc = AIRC_OK;
  for(size_t i = 0; !rc && i < sizeof(aField) / sizeof(aField[0]); i++) {
    if(!strcmp(aField[i].zKey, "id")) rc = user_id(pUser, pOut, zErr, nErr);
    else if(!strcmp(aField[i].zKey, "address")) rc = user_address(pUser, pOut, zErr, nErr);
    else if(aField[i].zAlt && json_is_string(json_object_get(pUser, aField[i].zAlt)))
      rc = user_copy(pUser, pOut, aField[i].zKey, aField[i].zAlt, 0, zErr, nErr);
    else rc = user_copy(pUser, pOut, aField[i].zKey, aField[i].zPath, aField[i].bNumberOk, zErr,
                        nErr);
  }
  if(rc) {
    json_decref(pOut);
    return rc;
  }
  *ppOut = pOut;
  return AIRC_OK;
}

airc_rc user_record_key(json_t *pUser, uint8_t aKey[USER_RECORD_KEY_LEN]) {
  char zBad[128];
  json_t *p = user_lookup(pUser, "login.uuid", zBad, sizeof(zBad));
  if(p && json_is_string(p) && uuid_is_valid(json_string_value(p), json_string_length(p))) {
    /* the 32 hex digits of the id, dashes skipped */
    const char *z = json_string_value(p);
    size_t k = 0;
    for(size_t i = 0; i < 36 && k < 2 * USER_RECORD_KEY_LEN; i++) {
      if(z[i] == '-') continue;
      int c = z[i] | 0x20, v = c <= '9' ? c - '0' : c - 'a' + 10;
      if(k % 2 == 0) aKey[k / 2] = (uint8_t)(v << 4);
      else aKey[k / 2] |= (uint8_t)v;
      k++;
    }
    return AIRC_OK;
  }
  /* no stable id: only an identical repeat of the object can be recognised */
  char *zJson = json_dumps(pUser, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
  if(!zJson) return AIRC_ERR_NOMEM;
  crypto_generichash(aKey, USER_RECORD_KEY_LEN, (const unsigned char *)zJson, strlen(zJson),
                     (const unsigned char *)"airc-user-key", 13);
  free(zJson);
  return AIRC_OK;
}
