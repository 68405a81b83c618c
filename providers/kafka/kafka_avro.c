/* kafka_avro.c: see kafka_avro.h.
 *
 * Avro C (libavro) parses the schema and writes the binary encoding; the
 * field defaults, which Avro C parses but does not expose, are read from
 * the same text with jansson. One generic value is kept per codec and reset
 * for each record, so encoding allocates only for strings. */
#include "providers/kafka/kafka_avro.h"
#include <avro.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/dynbuf.h"

/* schemas/user.avsc, built in (the Makefile names the dependency: make's
 * -MMD does not see .incbin) */
__asm__(".section .rodata\n"
        ".global airc_user_avsc\n"
        ".type airc_user_avsc, @object\n"
        "airc_user_avsc:\n"
        ".incbin \"schemas/user.avsc\"\n"
        ".byte 0\n"
        ".previous\n");
extern const char airc_user_avsc[];

const char *kafka_avro_default_schema(void) { return airc_user_avsc; }

typedef struct avro_field {
  const char *zName;     /* borrowed from the schema */
  avro_schema_t pType;   /* borrowed from the schema */
  json_t *pDefault;      /* the field's "default", or NULL (owned) */
  int iNull;             /* union: index of the null branch, -1 when none */
} avro_field;

struct kafka_avro {
  avro_schema_t pSchema;
  avro_value_iface_t *pIface;
  avro_value_t value;
  avro_writer_t pWriter;
  char *zSchemaJson;     /* compact */
  char zOrigin[256];
  int nField;
  avro_field *aField;
  uint32_t id;
  dynbuf out;
};

static const char *avro_json_type(const json_t *p) {
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

static int avro_type_scalar(avro_type_t t) {
  return t == AVRO_STRING || t == AVRO_BOOLEAN || t == AVRO_INT32 || t == AVRO_INT64 || t == AVRO_FLOAT ||
         t == AVRO_DOUBLE || t == AVRO_NULL;
}

/* Checks one field's type; sets iNull for a union. */
static airc_rc avro_field_check(kafka_avro *p, avro_field *f, airc_err *pErr) {
  avro_type_t t = avro_typeof(f->pType);
  f->iNull = -1;
  if(avro_type_scalar(t)) return AIRC_OK;
  if(t == AVRO_UNION) {
    size_t n = avro_schema_union_size(f->pType);
    for(size_t i = 0; i < n; i++) {
      avro_schema_t b = avro_schema_union_branch(f->pType, (int)i);
      if(!avro_type_scalar(avro_typeof(b))) goto bad;
      if(avro_typeof(b) == AVRO_NULL) f->iNull = (int)i;
    }
    return AIRC_OK;
  }
bad:
  return airc_err_set(pErr, AIRC_ERR_INVALID,
                      "%s: field '%s' has type %s, which publish-kafka cannot fill from JSON (string, boolean, "
                      "int, long, float, double, null, or a union of them)",
                      p->zOrigin, f->zName, avro_schema_type_name(f->pType));
}

void kafka_avro_free(kafka_avro *p) {
  if(!p) return;
  for(int i = 0; i < p->nField; i++) json_decref(p->aField[i].pDefault);
  free(p->aField);
  if(p->pWriter) avro_writer_free(p->pWriter);
  if(p->pIface) {
    avro_value_decref(&p->value);
    avro_value_iface_decref(p->pIface);
  }
  if(p->pSchema) avro_schema_decref(p->pSchema);
  free(p->zSchemaJson);
  dynbuf_free(&p->out);
  free(p);
}

airc_rc kafka_avro_open(const char *zJson, size_t n, const char *zOrigin, kafka_avro **pp, airc_err *pErr) {
  *pp = NULL;
  kafka_avro *p = calloc(1, sizeof(*p));
  if(!p) return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  snprintf(p->zOrigin, sizeof(p->zOrigin), "%s", zOrigin ? zOrigin : "schema");
  dynbuf_init(&p->out, KAFKA_AVRO_MAX_VALUE);
  json_error_t je;
  json_t *pDoc = json_loadb(zJson, n, JSON_DECODE_ANY, &je);
  airc_rc rc = AIRC_OK;
  if(!pDoc) {
    rc = airc_err_set(pErr, AIRC_ERR_PARSE, "%s:%d: not JSON: %s", p->zOrigin, je.line, je.text);
    goto done;
  }
  avro_schema_t pSchema = NULL;
  /* on failure Avro C may leave a freed schema in its out parameter */
  if(avro_schema_from_json_length(zJson, n, &pSchema)) {
    const char *z = avro_strerror();
    size_t k = strcspn(z, "\n");
    rc = airc_err_set(pErr, AIRC_ERR_PARSE, "%s: not an Avro schema: %.*s", p->zOrigin, (int)k, z);
    goto done;
  }
  p->pSchema = pSchema;
  if(!is_avro_record(p->pSchema)) {
    rc = airc_err_set(pErr, AIRC_ERR_INVALID, "%s: the schema is a %s, not a record", p->zOrigin,
                      avro_schema_type_name(p->pSchema));
    goto done;
  }
  json_t *pFields = json_object_get(pDoc, "fields");
  p->nField = (int)avro_schema_record_size(p->pSchema);
  p->aField = calloc((size_t)(p->nField ? p->nField : 1), sizeof(*p->aField));
  if(!p->aField) {
    rc = airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
    goto done;
  }
  for(int i = 0; !rc && i < p->nField; i++) {
    avro_field *f = &p->aField[i];
    f->zName = avro_schema_record_field_name(p->pSchema, i);
    f->pType = avro_schema_record_field_get_by_index(p->pSchema, i);
    /* Avro C keeps the fields in the text's order */
    json_t *pDef = json_object_get(json_array_get(pFields, (size_t)i), "default");
    if(pDef) f->pDefault = json_incref(pDef);
    rc = avro_field_check(p, f, pErr);
  }
  if(rc) goto done;
  p->pIface = avro_generic_class_from_schema(p->pSchema);
  if(!p->pIface || avro_generic_value_new(p->pIface, &p->value)) {
    if(p->pIface) avro_value_iface_decref(p->pIface);
    p->pIface = NULL;
    rc = airc_err_set(pErr, AIRC_ERR_NOMEM, "%s: %s", p->zOrigin, avro_strerror());
    goto done;
  }
  p->pWriter = avro_writer_memory(NULL, 0);
  p->zSchemaJson = json_dumps(pDoc, JSON_COMPACT | JSON_PRESERVE_ORDER);
  if(!p->pWriter || !p->zSchemaJson) rc = airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
done:
  json_decref(pDoc);
  if(rc) kafka_avro_free(p);
  else *pp = p;
  return rc;
}

airc_rc kafka_avro_open_file(const char *zPath, kafka_avro **pp, airc_err *pErr) {
  *pp = NULL;
  FILE *f = fopen(zPath, "rb");
  if(!f) return airc_err_set(pErr, AIRC_ERR_IO, "schema %s: %s", zPath, strerror(errno));
  dynbuf b;
  dynbuf_init(&b, KAFKA_AVRO_MAX_SCHEMA);
  char a[8192];
  size_t n;
  airc_rc rc = AIRC_OK;
  while(!rc && (n = fread(a, 1, sizeof(a), f)) > 0) {
    if(dynbuf_append(&b, a, n))
      rc = airc_err_set(pErr, AIRC_ERR_TOOBIG, "schema %s: larger than %d bytes", zPath, KAFKA_AVRO_MAX_SCHEMA);
  }
  if(!rc && ferror(f)) rc = airc_err_set(pErr, AIRC_ERR_IO, "schema %s: read error", zPath);
  fclose(f);
  if(!rc) rc = kafka_avro_open(dynbuf_str(&b), b.n, zPath, pp, pErr);
  dynbuf_free(&b);
  return rc;
}

const char *kafka_avro_schema_json(const kafka_avro *p) { return p->zSchemaJson; }

const char *kafka_avro_schema_name(const kafka_avro *p) { return avro_schema_name(p->pSchema); }

void kafka_avro_set_id(kafka_avro *p, uint32_t id) { p->id = id; }

void kafka_avro_header_write(uint8_t a[KAFKA_AVRO_HEADER_LEN], uint32_t id) {
  a[0] = KAFKA_AVRO_MAGIC;
  a[1] = (uint8_t)(id >> 24);
  a[2] = (uint8_t)(id >> 16);
  a[3] = (uint8_t)(id >> 8);
  a[4] = (uint8_t)id;
}

int kafka_avro_header_read(const uint8_t *a, size_t n, uint32_t *pId) {
  if(n < KAFKA_AVRO_HEADER_LEN || a[0] != KAFKA_AVRO_MAGIC) return -1;
  *pId = ((uint32_t)a[1] << 24) | ((uint32_t)a[2] << 16) | ((uint32_t)a[3] << 8) | (uint32_t)a[4];
  return 0;
}

/* Does JSON value pJ fit the scalar Avro type t? */
static int avro_json_fits(avro_type_t t, const json_t *pJ) {
  switch(t) {
  case AVRO_STRING: return json_is_string(pJ);
  case AVRO_BOOLEAN: return json_is_boolean(pJ);
  case AVRO_INT32:
    return json_is_integer(pJ) && json_integer_value(pJ) >= INT32_MIN && json_integer_value(pJ) <= INT32_MAX;
  case AVRO_INT64: return json_is_integer(pJ);
  case AVRO_FLOAT: case AVRO_DOUBLE: return json_is_number(pJ);
  case AVRO_NULL: return json_is_null(pJ);
  default: return 0;
  }
}

/* Sets a scalar value v of type t from pJ (which fits). */
static int avro_set_scalar(avro_value_t *v, avro_type_t t, const json_t *pJ) {
  switch(t) {
  case AVRO_STRING:
    /* Avro C's length counts the terminating NUL */
    return avro_value_set_string_len(v, json_string_value(pJ), json_string_length(pJ) + 1);
  case AVRO_BOOLEAN: return avro_value_set_boolean(v, json_is_true(pJ));
  case AVRO_INT32: return avro_value_set_int(v, (int32_t)json_integer_value(pJ));
  case AVRO_INT64: return avro_value_set_long(v, (int64_t)json_integer_value(pJ));
  case AVRO_FLOAT: return avro_value_set_float(v, (float)json_number_value(pJ));
  case AVRO_DOUBLE: return avro_value_set_double(v, json_number_value(pJ));
  case AVRO_NULL: return avro_value_set_null(v);
  default: return EINVAL;
  }
}

/* The name a message gives an Avro type ("string", "union [null, string]"). */
static void avro_type_text(avro_schema_t s, char *z, size_t n) {
  if(avro_typeof(s) != AVRO_UNION) {
    snprintf(z, n, "%s", avro_schema_type_name(s));
    return;
  }
  size_t k = (size_t)snprintf(z, n, "one of [");
  size_t nb = avro_schema_union_size(s);
  for(size_t i = 0; i < nb && k < n; i++)
    k += (size_t)snprintf(z + k, n - k, "%s%s", i ? ", " : "", avro_schema_type_name(avro_schema_union_branch(s, (int)i)));
  if(k < n) snprintf(z + k, n - k, "]");
}

/* Fills field f (value v) from pJ, which is neither absent nor null unless
 * the caller checked that the type takes null. */
static airc_rc avro_field_set(const avro_field *f, avro_value_t *v, const json_t *pJ, const char *zWhat,
                              airc_err *pErr) {
  avro_type_t t = avro_typeof(f->pType);
  int r = -1;
  if(t != AVRO_UNION) {
    if(avro_json_fits(t, pJ)) r = avro_set_scalar(v, t, pJ);
  } else {
    size_t nb = avro_schema_union_size(f->pType);
    for(size_t i = 0; i < nb; i++) {
      avro_type_t tb = avro_typeof(avro_schema_union_branch(f->pType, (int)i));
      if(!avro_json_fits(tb, pJ)) continue;
      avro_value_t b;
      r = avro_value_set_branch(v, (int)i, &b);
      if(!r) r = avro_set_scalar(&b, tb, pJ);
      break;
    }
  }
  if(r < 0) {
    char zType[200];
    avro_type_text(f->pType, zType, sizeof(zType));
    return airc_err_set(pErr, AIRC_ERR_INVALID, "field '%s' has wrong type (%s%s), the schema wants %s", f->zName,
                        zWhat, avro_json_type(pJ), zType);
  }
  if(r) return airc_err_set(pErr, AIRC_ERR_NOMEM, "field '%s': %s", f->zName, avro_strerror());
  return AIRC_OK;
}

airc_rc kafka_avro_encode(kafka_avro *p, json_t *pObj, const uint8_t **ppOut, size_t *pnOut, airc_err *pErr) {
  *ppOut = NULL;
  *pnOut = 0;
  if(!json_is_object(pObj)) return airc_err_set(pErr, AIRC_ERR_INVALID, "record is not a JSON object");
  avro_value_reset(&p->value);
  for(int i = 0; i < p->nField; i++) {
    const avro_field *f = &p->aField[i];
    avro_value_t v;
    if(avro_value_get_by_index(&p->value, (size_t)i, &v, NULL))
      return airc_err_set(pErr, AIRC_ERR_NOMEM, "field '%s': %s", f->zName, avro_strerror());
    json_t *pJ = json_object_get(pObj, f->zName);
    airc_rc rc;
    if(pJ && !json_is_null(pJ)) {
      rc = avro_field_set(f, &v, pJ, "", pErr);
    } else if(f->pDefault) {
      /* a union's default is of its first branch (Avro specification) */
      if(avro_typeof(f->pType) == AVRO_UNION) {
        avro_type_t t0 = avro_typeof(avro_schema_union_branch(f->pType, 0));
        avro_value_t b;
        if(!avro_json_fits(t0, f->pDefault))
          return airc_err_set(pErr, AIRC_ERR_INVALID, "field '%s' missing, and its default does not fit the union's first branch",
                              f->zName);
        if(avro_value_set_branch(&v, 0, &b) || avro_set_scalar(&b, t0, f->pDefault))
          return airc_err_set(pErr, AIRC_ERR_NOMEM, "field '%s': %s", f->zName, avro_strerror());
        rc = AIRC_OK;
      } else {
        rc = avro_field_set(f, &v, f->pDefault, "default ", pErr);
      }
    } else if(f->iNull >= 0 || avro_typeof(f->pType) == AVRO_NULL) {
      avro_value_t b;
      int r = f->iNull >= 0 ? avro_value_set_branch(&v, f->iNull, &b) : 0;
      if(!r) r = avro_value_set_null(f->iNull >= 0 ? &b : &v);
      rc = r ? airc_err_set(pErr, AIRC_ERR_NOMEM, "field '%s': %s", f->zName, avro_strerror()) : AIRC_OK;
    } else {
      rc = airc_err_set(pErr, AIRC_ERR_INVALID, "field '%s' %s (required by the schema, no default)", f->zName,
                        pJ ? "is null" : "missing");
    }
    if(rc) return rc;
  }
  size_t n = 0;
  if(avro_value_sizeof(&p->value, &n))
    return airc_err_set(pErr, AIRC_ERR_INVALID, "avro: %s", avro_strerror());
  if(n > KAFKA_AVRO_MAX_VALUE - KAFKA_AVRO_HEADER_LEN)
    return airc_err_set(pErr, AIRC_ERR_TOOBIG, "record encodes to %zu bytes, more than %d", n, KAFKA_AVRO_MAX_VALUE);
  p->out.n = 0;
  if(dynbuf_reserve(&p->out, n + KAFKA_AVRO_HEADER_LEN + 1))
    return airc_err_set(pErr, AIRC_ERR_NOMEM, "out of memory");
  uint8_t *a = (uint8_t *)p->out.z;
  kafka_avro_header_write(a, p->id);
  avro_writer_memory_set_dest(p->pWriter, (const char *)a + KAFKA_AVRO_HEADER_LEN, (int64_t)n);
  if(avro_value_write(p->pWriter, &p->value))
    return airc_err_set(pErr, AIRC_ERR_INVALID, "avro: %s", avro_strerror());
  *ppOut = a;
  *pnOut = n + KAFKA_AVRO_HEADER_LEN;
  return AIRC_OK;
}

airc_rc kafka_avro_encode_text(kafka_avro *p, const char *zJson, size_t n, const uint8_t **ppOut, size_t *pnOut,
                               airc_err *pErr) {
  json_error_t je;
  json_t *pObj = json_loadb(zJson, n, 0, &je);
  *ppOut = NULL;
  *pnOut = 0;
  if(!pObj) return airc_err_set(pErr, AIRC_ERR_PARSE, "not JSON: %s (column %d)", je.text, je.column);
  airc_rc rc = kafka_avro_encode(p, pObj, ppOut, pnOut, pErr);
  json_decref(pObj);
  return rc;
}
