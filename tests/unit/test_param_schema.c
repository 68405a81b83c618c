/* test_param_schema.c: unit tests of dag/param_schema.c: schemas are
 * checked, values against them give one line naming the key and the rule,
 * a conf is checked only where a param has a schema, and the conf lays
 * over params. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "dag/param_schema.h"

static json_t *js(const char *z) {
  json_error_t e;
  json_t *p = json_loads(z, JSON_DECODE_ANY, &e);
  if(!p) fail_msg("bad JSON in test: %s", z);
  return p;
}

/* value zValue against schema zSchema: NULL = accepted, else the message */
static void check_value(const char *zSchema, const char *zValue, const char *zMsg) {
  json_t *pS = js(zSchema), *pV = js(zValue);
  airc_err e = {0};
  assert_int_equal(param_schema_check_schema("x", pS, &e), AIRC_OK);
  airc_rc rc = param_schema_check_value("count", pS, pV, &e);
  if(!zMsg && rc) fail_msg("%s refused for %s: %s", zValue, zSchema, e.zMsg);
  if(zMsg) {
    if(!rc) fail_msg("%s accepted for %s", zValue, zSchema);
    assert_int_equal(rc, AIRC_ERR_INVALID);
    assert_string_equal(e.zMsg, zMsg);
  }
  json_decref(pS);
  json_decref(pV);
}

static void expect_bad_schema(const char *zSchema, const char *zMsg) {
  json_t *pS = js(zSchema);
  airc_err e = {0};
  assert_int_equal(param_schema_check_schema("n", pS, &e), AIRC_ERR_INVALID);
  assert_string_equal(e.zMsg, zMsg);
  json_decref(pS);
}

static void test_types_and_bounds(void **state) {
  (void)state;
  const char *zInt = "{\"type\": \"integer\", \"minimum\": 1}";
  check_value(zInt, "1", NULL);
  check_value(zInt, "2.0", NULL); /* JSON Schema: 2.0 is an integer */
  check_value(zInt, "0", "'count' must be an integer >= 1 (got 0)");
  check_value(zInt, "\"5\"", "'count' must be an integer >= 1 (got \"5\")");
  check_value(zInt, "1.5", "'count' must be an integer >= 1 (got 1.5)");
  check_value("{\"type\": \"number\", \"minimum\": 0, \"maximum\": 1}", "1.5",
               "'count' must be a number >= 0 and <= 1 (got 1.5)");
  check_value("{\"type\": \"number\", \"maximum\": 1}", "true", "'count' must be a number <= 1 (got true)");
  check_value("{\"type\": \"boolean\"}", "\"yes\"", "'count' must be a boolean (got \"yes\")");
  check_value("{\"type\": [\"null\", \"integer\"]}", "null", NULL);
  check_value("{\"type\": [\"null\", \"integer\"]}", "\"a\"", "'count' must be an integer (or null) (got \"a\")");
  check_value("{\"type\": \"array\"}", "[1]", NULL);
  check_value("{\"type\": \"object\"}", "[1]", "'count' must be an object (got [1])");
  check_value("{}", "[1]", NULL); /* no type: anything */
}

static void test_strings(void **state) {
  (void)state;
  const char *zS = "{\"type\": \"string\", \"minLength\": 2, \"maxLength\": 4, \"pattern\": \"^[a-z]+$\"}";
  check_value(zS, "\"abc\"", NULL);
  check_value(zS, "\"a\"", "'count' must be a string of 2 to 4 characters (got \"a\")");
  check_value(zS, "\"abcde\"", "'count' must be a string of 2 to 4 characters (got \"abcde\")");
  check_value(zS, "\"AB\"", "'count' must match the pattern '^[a-z]+$' (got \"AB\")");
  check_value("{\"maxLength\": 2}", "\"\xc3\xa9\xc3\xa9\"", NULL); /* code points, not bytes */
  check_value("{\"enum\": [\"dev\", \"prod\"]}", "\"prod\"", NULL);
  check_value("{\"enum\": [\"dev\", \"prod\"]}", "\"test\"", "'count' must be one of \"dev\", \"prod\" (got \"test\")");
  check_value("{\"enum\": [1, 2]}", "2.0", NULL);
}

static void test_bad_schemas(void **state) {
  (void)state;
  expect_bad_schema("{\"type\": \"text\"}",
                    "'n': type must be one of string, integer, number, boolean, array, object, null (or a list of them)");
  expect_bad_schema("{\"minimum\": \"1\"}", "'n': minimum must be a number");
  expect_bad_schema("{\"minimum\": 5, \"maximum\": 1}", "'n': minimum is above maximum");
  expect_bad_schema("{\"maxLength\": -1}", "'n': maxLength must be a whole number >= 0");
  expect_bad_schema("{\"enum\": []}", "'n': enum must be a non-empty list of values");
  expect_bad_schema("{\"pattern\": \"(\"}",
                    "'n': pattern '(' is not a valid extended regex: Unmatched ( or \\(");
  expect_bad_schema("{\"format\": \"date\"}", "'n': unknown schema key 'format' (known: type, minimum, maximum, enum, "
                    "pattern, minLength, maxLength, title, description)");
  json_t *pDecl = js("{\"value\": 1, \"type\": \"integer\"}");
  assert_true(param_schema_is_decl(pDecl));
  json_decref(pDecl);
  pDecl = js("{\"value\": 1, \"other\": 2}"); /* a plain object value */
  assert_false(param_schema_is_decl(pDecl));
  json_decref(pDecl);
}

static void test_conf(void **state) {
  (void)state;
  json_t *pSchemas = js("{\"count\": {\"type\": \"integer\", \"minimum\": 1}}");
  json_t *pOk = js("{\"count\": 2, \"other\": \"anything\"}"), *pBad = js("{\"other\": 1, \"count\": 0}");
  airc_err e = {0};
  assert_int_equal(param_schema_check_conf(pSchemas, pOk, &e), AIRC_OK);
  assert_int_equal(param_schema_check_conf(pSchemas, NULL, &e), AIRC_OK);
  assert_int_equal(param_schema_check_conf(NULL, pBad, &e), AIRC_OK);
  assert_int_equal(param_schema_check_conf(pSchemas, pBad, &e), AIRC_ERR_INVALID);
  assert_string_equal(e.zMsg, "conf: 'count' must be an integer >= 1 (got 0)");
  json_t *pParams = js("{\"count\": 1, \"region\": \"eu\"}");
  json_t *pEff = param_schema_effective(pParams, pOk);
  assert_int_equal(json_integer_value(json_object_get(pEff, "count")), 2);
  assert_string_equal(json_string_value(json_object_get(pEff, "region")), "eu");
  assert_string_equal(json_string_value(json_object_get(pEff, "other")), "anything");
  assert_int_equal(json_integer_value(json_object_get(pParams, "count")), 1); /* not changed */
  json_decref(pEff);
  pEff = param_schema_effective(NULL, NULL);
  assert_int_equal(json_object_size(pEff), 0);
  json_decref(pEff);
  json_decref(pParams);
  json_decref(pSchemas);
  json_decref(pOk);
  json_decref(pBad);
}

static void test_coerce(void **state) {
  (void)state;
  json_t *pInt = js("{\"type\": \"integer\"}"), *pBool = js("{\"type\": \"boolean\"}"), *pArr = js("{\"type\": \"array\"}");
  json_t *p = param_schema_coerce(pInt, "42");
  assert_int_equal(json_integer_value(p), 42);
  json_decref(p);
  assert_null(param_schema_coerce(pInt, "4x"));
  assert_null(param_schema_coerce(pInt, ""));
  p = param_schema_coerce(pBool, "true");
  assert_true(json_is_true(p));
  assert_null(param_schema_coerce(pBool, "yes"));
  p = param_schema_coerce(pArr, "[1, 2]");
  assert_int_equal(json_array_size(p), 2);
  json_decref(p);
  assert_null(param_schema_coerce(pArr, "{}"));
  json_decref(pInt);
  json_decref(pBool);
  json_decref(pArr);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_types_and_bounds),
      cmocka_unit_test(test_strings),
      cmocka_unit_test(test_bad_schemas),
      cmocka_unit_test(test_conf),
      cmocka_unit_test(test_coerce),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
