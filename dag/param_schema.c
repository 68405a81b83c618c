/* param_schema.c: see param_schema.h. Messages say what a value must be
 * ("an integer >= 1", "one of \"dev\", \"prod\"") and show what it was. */
#include "dag/param_schema.h"
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const azSchemaKeys[] = {"type", "minimum", "maximum", "enum", "pattern", "minLength",
                                           "maxLength", "title", "description", NULL};
static const char *const azTypes[] = {"string", "integer", "number", "boolean", "array", "object", "null", NULL};

static int in_list(const char *z, const char *const *az) {
  for(int i = 0; az[i]; i++)
    if(!strcmp(z, az[i])) return 1;
  return 0;
}

int param_schema_is_key(const char *zKey) { return !strcmp(zKey, "value") || in_list(zKey, azSchemaKeys); }

int param_schema_is_decl(json_t *p) {
  if(!json_is_object(p) || (!json_object_get(p, "value") && !json_object_get(p, "type"))) return 0;
  const char *zKey;
  json_t *v;
  json_object_foreach(p, zKey, v) {
    if(!param_schema_is_key(zKey)) return 0;
  }
  return 1;
}

static int is_integral(json_t *v) {
  if(json_is_integer(v)) return 1;
  if(!json_is_real(v)) return 0;
  double d = json_real_value(v);
  return isfinite(d) && d == floor(d);
}

static int type_matches(const char *zType, json_t *v) {
  if(!strcmp(zType, "string")) return json_is_string(v);
  if(!strcmp(zType, "integer")) return is_integral(v);
  if(!strcmp(zType, "number")) return json_is_number(v);
  if(!strcmp(zType, "boolean")) return json_is_boolean(v);
  if(!strcmp(zType, "array")) return json_is_array(v);
  if(!strcmp(zType, "object")) return json_is_object(v);
  return json_is_null(v);
}

static const char *type_noun(const char *zType) {
  if(!strcmp(zType, "integer")) return "an integer";
  if(!strcmp(zType, "array")) return "an array";
  if(!strcmp(zType, "object")) return "an object";
  if(!strcmp(zType, "null")) return "null";
  if(!strcmp(zType, "string")) return "a string";
  if(!strcmp(zType, "number")) return "a number";
  return "a boolean";
}

airc_rc param_schema_check_schema(const char *zName, json_t *pSchema, airc_err *pErr) {
  if(!json_is_object(pSchema)) return airc_err_set(pErr, AIRC_ERR_INVALID, "'%.100s': a schema must be an object", zName);
  const char *zKey;
  json_t *v;
  json_object_foreach(pSchema, zKey, v) {
    if(!in_list(zKey, azSchemaKeys))
      return airc_err_set(pErr, AIRC_ERR_INVALID, "'%.100s': unknown schema key '%.60s' (known: type, minimum, maximum, "
                          "enum, pattern, minLength, maxLength, title, description)", zName, zKey);
  }
  json_t *pType = json_object_get(pSchema, "type");
  if(pType) {
    size_t n = json_is_array(pType) ? json_array_size(pType) : 1;
    if(!n) return airc_err_set(pErr, AIRC_ERR_INVALID, "'%.100s': type must not be an empty list", zName);
    for(size_t i = 0; i < n; i++) {
      json_t *t = json_is_array(pType) ? json_array_get(pType, i) : pType;
      if(!json_is_string(t) || !in_list(json_string_value(t), azTypes))
        return airc_err_set(pErr, AIRC_ERR_INVALID, "'%.100s': type must be one of string, integer, number, boolean, "
                            "array, object, null (or a list of them)", zName);
    }
  }
  static const char *const azNum[] = {"minimum", "maximum"};
  for(int i = 0; i < 2; i++)
    if((v = json_object_get(pSchema, azNum[i])) && !json_is_number(v))
      return airc_err_set(pErr, AIRC_ERR_INVALID, "'%.100s': %s must be a number", zName, azNum[i]);
  json_t *pMin = json_object_get(pSchema, "minimum"), *pMax = json_object_get(pSchema, "maximum");
  if(pMin && pMax && json_number_value(pMin) > json_number_value(pMax))
    return airc_err_set(pErr, AIRC_ERR_INVALID, "'%.100s': minimum is above maximum", zName);
  static const char *const azLen[] = {"minLength", "maxLength"};
  for(int i = 0; i < 2; i++)
    if((v = json_object_get(pSchema, azLen[i])) && (!json_is_integer(v) || json_integer_value(v) < 0))
      return airc_err_set(pErr, AIRC_ERR_INVALID, "'%.100s': %s must be a whole number >= 0", zName, azLen[i]);
  pMin = json_object_get(pSchema, "minLength");
  pMax = json_object_get(pSchema, "maxLength");
  if(pMin && pMax && json_integer_value(pMin) > json_integer_value(pMax))
    return airc_err_set(pErr, AIRC_ERR_INVALID, "'%.100s': minLength is above maxLength", zName);
  if((v = json_object_get(pSchema, "enum")) && (!json_is_array(v) || !json_array_size(v)))
    return airc_err_set(pErr, AIRC_ERR_INVALID, "'%.100s': enum must be a non-empty list of values", zName);
  static const char *const azStr[] = {"title", "description", "pattern"};
  for(int i = 0; i < 3; i++)
    if((v = json_object_get(pSchema, azStr[i])) && !json_is_string(v))
      return airc_err_set(pErr, AIRC_ERR_INVALID, "'%.100s': %s must be a string", zName, azStr[i]);
  if((v = json_object_get(pSchema, "pattern"))) {
    const char *z = json_string_value(v);
    if(strlen(z) > PARAM_PATTERN_MAX)
      return airc_err_set(pErr, AIRC_ERR_INVALID, "'%.100s': pattern is longer than %d characters", zName, PARAM_PATTERN_MAX);
    regex_t re;
    int e = regcomp(&re, z, REG_EXTENDED | REG_NOSUB);
    if(e) {
      char zWhy[200];
      regerror(e, &re, zWhy, sizeof(zWhy));
      return airc_err_set(pErr, AIRC_ERR_INVALID, "'%.100s': pattern '%.100s' is not a valid extended regex: %s", zName, z, zWhy);
    }
    regfree(&re);
  }
  return AIRC_OK;
}

/* "(got X)" text: compact JSON, cut at 60 characters. */
static void got_text(json_t *v, char *z, size_t n) {
  char *zJ = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
  if(!zJ) {
    snprintf(z, n, "?");
    return;
  }
  if(strlen(zJ) > 60) snprintf(z, n, "%.57s...", zJ);
  else snprintf(z, n, "%s", zJ);
  free(zJ);
}

static void num_text(json_t *v, char *z, size_t n) {
  if(json_is_integer(v)) snprintf(z, n, "%lld", (long long)json_integer_value(v));
  else snprintf(z, n, "%g", json_number_value(v));
}

/* "an integer >= 1 and <= 10" / "a string of 3 to 10 characters" */
static void describe(json_t *pSchema, json_t *v, char *z, size_t n) {
  json_t *pType = json_object_get(pSchema, "type");
  const char *zType = json_is_string(pType) ? json_string_value(pType) : NULL;
  if(!zType && json_is_array(pType)) {
    /* the first listed type the value is not null for, e.g. ["null", "integer"] */
    for(size_t i = 0; i < json_array_size(pType); i++) {
      const char *t = json_string_value(json_array_get(pType, i));
      if(strcmp(t, "null")) {
        zType = t;
        break;
      }
    }
  }
  int bNum = zType ? (!strcmp(zType, "integer") || !strcmp(zType, "number")) : json_is_number(v);
  int bStr = zType ? !strcmp(zType, "string") : json_is_string(v);
  size_t k = (size_t)snprintf(z, n, "%s", zType ? type_noun(zType) : (bNum ? "a number" : bStr ? "a string" : "a value"));
  if(json_is_array(pType) && json_array_size(pType) > 1) {
    int bNull = 0;
    for(size_t i = 0; i < json_array_size(pType); i++) bNull |= !strcmp(json_string_value(json_array_get(pType, i)), "null");
    if(bNull && k < n) k += (size_t)snprintf(z + k, n - k, " (or null)");
  }
  char a[40], b[40];
  json_t *pMin = json_object_get(pSchema, bNum ? "minimum" : "minLength");
  json_t *pMax = json_object_get(pSchema, bNum ? "maximum" : "maxLength");
  if(pMin) num_text(pMin, a, sizeof(a));
  if(pMax) num_text(pMax, b, sizeof(b));
  if(k >= n) return;
  if(bNum) {
    if(pMin && pMax) snprintf(z + k, n - k, " >= %s and <= %s", a, b);
    else if(pMin) snprintf(z + k, n - k, " >= %s", a);
    else if(pMax) snprintf(z + k, n - k, " <= %s", b);
  } else if(bStr) {
    if(pMin && pMax) snprintf(z + k, n - k, " of %s to %s characters", a, b);
    else if(pMin) snprintf(z + k, n - k, " of at least %s characters", a);
    else if(pMax) snprintf(z + k, n - k, " of at most %s characters", b);
  }
}

static airc_rc fail_value(const char *zName, json_t *pSchema, json_t *v, airc_err *pErr) {
  char zWhat[200], zGot[80];
  describe(pSchema, v, zWhat, sizeof(zWhat));
  got_text(v, zGot, sizeof(zGot));
  return airc_err_set(pErr, AIRC_ERR_INVALID, "'%.100s' must be %s (got %s)", zName, zWhat, zGot);
}

/* UTF-8 code points of z: what JSON Schema counts as a string's length. */
static size_t utf8_len(const char *z) {
  size_t n = 0;
  for(; *z; z++)
    if(((unsigned char)*z & 0xC0) != 0x80) n++;
  return n;
}

airc_rc param_schema_check_value(const char *zName, json_t *pSchema, json_t *v, airc_err *pErr) {
  json_t *pType = json_object_get(pSchema, "type");
  if(pType) {
    int bOk = 0;
    size_t n = json_is_array(pType) ? json_array_size(pType) : 1;
    for(size_t i = 0; i < n && !bOk; i++)
      bOk = type_matches(json_string_value(json_is_array(pType) ? json_array_get(pType, i) : pType), v);
    if(!bOk) return fail_value(zName, pSchema, v, pErr);
  }
  json_t *pEnum = json_object_get(pSchema, "enum");
  if(pEnum) {
    size_t i;
    json_t *e;
    int bOk = 0;
    json_array_foreach(pEnum, i, e) bOk |= json_equal(e, v) ||
                                          (json_is_number(e) && json_is_number(v) && json_number_value(e) == json_number_value(v));
    if(!bOk) {
      char zList[300] = "", zGot[80];
      size_t k = 0;
      json_array_foreach(pEnum, i, e) {
        char zOne[80];
        got_text(e, zOne, sizeof(zOne));
        if(k < sizeof(zList)) k += (size_t)snprintf(zList + k, sizeof(zList) - k, "%s%s", i ? ", " : "", zOne);
      }
      got_text(v, zGot, sizeof(zGot));
      return airc_err_set(pErr, AIRC_ERR_INVALID, "'%.100s' must be one of %s (got %s)", zName, zList, zGot);
    }
  }
  if(json_is_number(v)) {
    json_t *pMin = json_object_get(pSchema, "minimum"), *pMax = json_object_get(pSchema, "maximum");
    double d = json_number_value(v);
    if((pMin && d < json_number_value(pMin)) || (pMax && d > json_number_value(pMax)))
      return fail_value(zName, pSchema, v, pErr);
  }
  if(json_is_string(v)) {
    json_t *pMin = json_object_get(pSchema, "minLength"), *pMax = json_object_get(pSchema, "maxLength");
    size_t n = utf8_len(json_string_value(v));
    if((pMin && (json_int_t)n < json_integer_value(pMin)) || (pMax && (json_int_t)n > json_integer_value(pMax)))
      return fail_value(zName, pSchema, v, pErr);
    json_t *pPat = json_object_get(pSchema, "pattern");
    if(pPat) {
      regex_t re;
      if(regcomp(&re, json_string_value(pPat), REG_EXTENDED | REG_NOSUB))
        return airc_err_set(pErr, AIRC_ERR_INVALID, "'%.100s': pattern does not compile", zName);
      int bMatch = !regexec(&re, json_string_value(v), 0, NULL, 0);
      regfree(&re);
      if(!bMatch) {
        char zGot[80];
        got_text(v, zGot, sizeof(zGot));
        return airc_err_set(pErr, AIRC_ERR_INVALID, "'%.100s' must match the pattern '%.100s' (got %s)", zName,
                            json_string_value(pPat), zGot);
      }
    }
  }
  return AIRC_OK;
}

airc_rc param_schema_check_conf(json_t *pSchemas, json_t *pConf, airc_err *pErr) {
  if(!json_is_object(pSchemas) || !json_is_object(pConf)) return AIRC_OK;
  const char *zKey;
  json_t *v;
  json_object_foreach(pConf, zKey, v) {
    json_t *pSchema = json_object_get(pSchemas, zKey);
    if(!pSchema) continue;
    airc_err e = {0};
    if(param_schema_check_value(zKey, pSchema, v, &e)) return airc_err_set(pErr, e.rc, "conf: %s", e.zMsg);
  }
  return AIRC_OK;
}

json_t *param_schema_effective(json_t *pParams, json_t *pConf) {
  json_t *p = json_is_object(pParams) ? json_copy(pParams) : json_object();
  if(p && json_is_object(pConf)) json_object_update(p, pConf);
  return p;
}

json_t *param_schema_coerce(json_t *pSchema, const char *z) {
  json_t *pType = json_object_get(pSchema, "type");
  const char *zType = json_is_string(pType) ? json_string_value(pType) : "string";
  if(!strcmp(zType, "integer")) {
    char *zEnd = NULL;
    long long v = strtoll(z, &zEnd, 10);
    return *z && !*zEnd ? json_integer(v) : NULL;
  }
  if(!strcmp(zType, "number")) {
    char *zEnd = NULL;
    double v = strtod(z, &zEnd);
    return *z && !*zEnd && isfinite(v) ? json_real(v) : NULL;
  }
  if(!strcmp(zType, "boolean")) {
    if(!strcmp(z, "true")) return json_true();
    if(!strcmp(z, "false")) return json_false();
    return NULL;
  }
  if(!strcmp(zType, "null")) return !strcmp(z, "null") || !*z ? json_null() : NULL;
  if(!strcmp(zType, "array") || !strcmp(zType, "object")) {
    json_t *p = json_loads(z, JSON_DECODE_ANY, NULL);
    if(p && type_matches(zType, p)) return p;
    json_decref(p);
    return NULL;
  }
  return json_string(z);
}
