/* param_schema.h: typed DAG params (a small subset of JSON Schema, as in
 * Airflow's Param) and the check of a trigger's conf against them.
 *
 * A param declared with a schema reads, in a JSON DAG,
 *   "params": {"count": {"value": 3, "type": "integer", "minimum": 1}}
 * and in an INI DAG
 *   params.count = 3
 *   params.count.type = integer
 *   params.count.minimum = 1
 * Keys of a schema: type (string, integer, number, boolean, array, object,
 * null; or a list of them), minimum, maximum (numbers), minLength,
 * maxLength, pattern (POSIX extended regex, searched, for strings), enum
 * (list of allowed values), title, description. The builder keeps values
 * (dag.pParams) and schemas (dag.pParamSchema) apart.
 * Pure: no I/O. */
#ifndef AIRC_PARAM_SCHEMA_H
#define AIRC_PARAM_SCHEMA_H
#include <jansson.h>
#include "common/err.h"

#define PARAM_PATTERN_MAX 256

/* 1 if zKey is a key of a param declaration ("value" or a schema key). */
int param_schema_is_key(const char *zKey);
/* 1 if p is a declaration: an object with "value" or "type" whose keys
 * are all declaration keys. */
int param_schema_is_decl(json_t *p);
/* Checks a schema (without "value") of param zName; AIRC_ERR_INVALID with
 * "'NAME': <what is wrong>" when it is malformed. */
AIRC_WUR airc_rc param_schema_check_schema(const char *zName, json_t *pSchema, airc_err *pErr);
/* Checks pValue against a well-formed pSchema; AIRC_ERR_INVALID with one
 * line naming the param and the rule, e.g.
 * "'count' must be an integer >= 1 (got 0)". */
AIRC_WUR airc_rc param_schema_check_value(const char *zName, json_t *pSchema, json_t *pValue, airc_err *pErr);
/* Checks every key of pConf (may be NULL) that has a schema in pSchemas
 * (NAME -> schema; may be NULL); the message starts with "conf: ". */
AIRC_WUR airc_rc param_schema_check_conf(json_t *pSchemas, json_t *pConf, airc_err *pErr);
/* Params as tasks see them: a copy of pParams (may be NULL) with every key
 * of pConf (may be NULL) laid over it, as Airflow does. New reference. */
json_t *param_schema_effective(json_t *pParams, json_t *pConf);
/* Coerces INI text zText to the schema's type (integer, number, boolean,
 * array, object, null; strings stay). New reference, or NULL if it does
 * not read as that type. */
json_t *param_schema_coerce(json_t *pSchema, const char *zText);

#endif
