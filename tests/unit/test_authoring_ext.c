/* test_authoring_ext.c: the pure parts of three DAG-authoring features:
 * task-type plugins (checking a --describe output, typing the options a
 * try gets on stdin, typed keys checked by the DAG builder with file:line),
 * datasets (schedule lists and outlets in the builder and the canonical
 * form), and `conn = NAME` of the pipeline task types (connection fields
 * mapped to options, the DAG file's options winning, an unknown name). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/conn_uri.h"
#include "dag/dag.h"
#include "executor/task_plugin.h"
#include "executor/task_type.h"

/* ---- plugins: --describe ---- */

static void test_describe_ok_fills_defaults(void **state) {
  (void)state;
  airc_err err = {0};
  json_t *p = NULL;
  assert_int_equal(task_plugin_check_describe("echo",
                                              "{\"name\": \"echo\", \"options\": [{\"name\": \"url\", \"required\": true},"
                                              " {\"name\": \"n\", \"type\": \"integer\", \"default\": 3},"
                                              " {\"name\": \"tok\", \"secret\": true}]}",
                                              &p, &err),
                   AIRC_OK);
  json_t *o = json_array_get(json_object_get(p, "options"), 0);
  assert_string_equal(json_string_value(json_object_get(o, "type")), "string");
  assert_true(json_is_true(json_object_get(o, "required")));
  assert_true(json_is_false(json_object_get(o, "secret")));
  assert_true(json_is_true(json_object_get(json_array_get(json_object_get(p, "options"), 2), "secret")));
  json_decref(p);
}

static void expect_describe_error(const char *zText, const char *zMsg) {
  airc_err err = {0};
  json_t *p = NULL;
  assert_int_not_equal(task_plugin_check_describe("echo", zText, &p, &err), AIRC_OK);
  assert_null(p);
  if(!strstr(err.zMsg, zMsg)) fail_msg("got '%s', wanted '%s'", err.zMsg, zMsg);
}

static void test_describe_errors(void **state) {
  (void)state;
  assert_true(dag_is_task_common_key("retries")); /* links the builder: the reserved-name check is on */
  expect_describe_error("[1]", "--describe: not a JSON object");
  expect_describe_error("nonsense", "--describe: not a JSON object");
  expect_describe_error("{\"name\": \"other\", \"options\": []}", "\"name\" must be \"echo\"");
  expect_describe_error("{\"options\": {}}", "\"options\" must be a list of objects");
  expect_describe_error("{\"options\": [{\"type\": \"string\"}]}", "option #1 needs a \"name\"");
  expect_describe_error("{\"options\": [{\"name\": \"a-b\"}]}", "option name 'a-b' must be 1..64 letters");
  expect_describe_error("{\"options\": [{\"name\": \"upstream\"}]}", "option 'upstream' is a key every task takes");
  expect_describe_error("{\"options\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}", "option 'a' is listed twice");
  expect_describe_error("{\"options\": [{\"name\": \"a\", \"type\": \"date\"}]}", "type must be string, integer");
  expect_describe_error("{\"options\": [{\"name\": \"a\", \"required\": \"yes\"}]}", "required must be true or false");
  expect_describe_error("{\"options\": [{\"name\": \"a\", \"type\": \"integer\", \"default\": \"x\"}]}",
                        "default is not of type integer");
  expect_describe_error("{\"options\": [{\"name\": \"a\", \"colour\": 1}]}", "option 'a': unknown field 'colour'");
}

/* ---- plugins: stdin ---- */

static void test_stdin_json_types_and_defaults(void **state) {
  (void)state;
  airc_err err = {0};
  json_t *pDesc = NULL;
  assert_int_equal(task_plugin_check_describe("x",
                                              "{\"options\": [{\"name\": \"s\"}, {\"name\": \"i\", \"type\": \"integer\"},"
                                              " {\"name\": \"f\", \"type\": \"number\"}, {\"name\": \"b\", \"type\": \"boolean\"},"
                                              " {\"name\": \"j\", \"type\": \"json\"}, {\"name\": \"d\", \"default\": \"dflt\"},"
                                              " {\"name\": \"absent\"}]}",
                                              &pDesc, &err),
                   AIRC_OK);
  json_t *pOpts = json_pack("{s:s,s:s,s:s,s:s,s:s}", "s", "42", "i", "42", "f", "2.5", "b", "no", "j", "{\"k\": [1]}");
  json_t *p = task_plugin_stdin_json(pDesc, pOpts, &err);
  assert_non_null(p);
  char *z = json_dumps(p, JSON_SORT_KEYS | JSON_COMPACT);
  assert_string_equal(z, "{\"b\":false,\"d\":\"dflt\",\"f\":2.5,\"i\":42,\"j\":{\"k\":[1]},\"s\":\"42\"}");
  free(z);
  json_decref(p);
  /* a rendered value that does not read as its type fails the try, naming it */
  json_object_set_new(pOpts, "i", json_string("forty"));
  assert_null(task_plugin_stdin_json(pDesc, pOpts, &err));
  assert_string_equal(err.zMsg, "option 'i': 'forty' is not an integer");
  json_decref(pOpts);
  json_decref(pDesc);
}

/* ---- plugins: the builder checks typed keys ---- */

static const char *const azKeys[] = {"url", "count", "loud", NULL};
static const char *const azTypes[] = {"string", "integer", "boolean", NULL};
static const char *const azReq[] = {"url", NULL};
static const task_schema plugin_schema = {.zName = "echo", .azKeys = azKeys, .azRequired = azReq, .azKeyTypes = azTypes};

static void expect_parse(const char *zText, const char *zErr) {
  const task_schema *ap[] = {&plugin_schema, NULL};
  dag *d = NULL;
  airc_err err = {0};
  airc_rc rc = dag_parse_buffer("dags/p.ini", zText, strlen(zText), ap, &d, &err);
  if(!zErr) {
    if(rc) fail_msg("unexpected error: %s", err.zMsg);
    dag_free(d);
    return;
  }
  assert_int_not_equal(rc, AIRC_OK);
  if(strcmp(err.zMsg, zErr)) fail_msg("got '%s', wanted '%s'", err.zMsg, zErr);
}

static void test_builder_checks_plugin_keys(void **state) {
  (void)state;
  expect_parse("[dag]\nid = p\n\n[task a]\ntype = echo\nurl = x\ncount = {{ params.n }}\nloud = yes\n", NULL);
  expect_parse("[dag]\nid = p\n\n[task a]\ntype = echo\nurl = x\ncount = two\n",
               "dags/p.ini:7: task 'a': count: 'two' is not an integer");
  expect_parse("[dag]\nid = p\n\n[task a]\ntype = echo\nurl = x\nloud = maybe\n",
               "dags/p.ini:7: task 'a': loud: 'maybe' is not a boolean (true or false)");
  expect_parse("[dag]\nid = p\n\n[task a]\ntype = echo\ncount = 2\n",
               "dags/p.ini:4: task 'a': missing 'url' (required by type 'echo')");
  expect_parse("[dag]\nid = p\n\n[task a]\ntype = echo\nurl = x\nbody = y\n",
               "dags/p.ini:7: task 'a': unknown key 'body' for a task of type 'echo'");
}

/* ---- datasets in the builder ---- */

static void test_dataset_schedule_and_outlets(void **state) {
  (void)state;
  const char *z = "[dag]\nid = c\nschedule = s3://lake/a, postgres://db/t\n\n[task a]\ntype = shell\ncommand = true\n"
                  "outlets = file:///tmp/x\n";
  dag *d = NULL;
  airc_err err = {0};
  assert_int_equal(dag_parse_buffer("c.ini", z, strlen(z), task_type_builtin_schemas(), &d, &err), AIRC_OK);
  assert_int_equal(d->schedule.kind, SCHEDULE_NONE);
  assert_int_equal(json_array_size(d->pScheduleDatasets), 2);
  assert_string_equal(json_string_value(json_array_get(d->pScheduleDatasets, 1)), "postgres://db/t");
  assert_string_equal(json_string_value(json_array_get(d->aTask[0].pOutlets, 0)), "file:///tmp/x");
  /* the canonical form keeps them: a stored version rebuilds the same DAG */
  json_t *pDoc = dag_to_json(d);
  char *zJson = json_dumps(pDoc, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(pDoc);
  dag *d2 = NULL;
  assert_int_equal(dag_from_json_text(zJson, DAG_TYPES_STORED, &d2, &err), AIRC_OK);
  assert_string_equal(d2->zHash, d->zHash);
  assert_int_equal(json_array_size(d2->pScheduleDatasets), 2);
  assert_non_null(d2->aTask[0].pOutlets);
  free(zJson);
  dag_free(d2);
  /* a DAG without datasets keeps its hash: no "outlets" key appears */
  const char *zPlain = "[dag]\nid = c\n\n[task a]\ntype = shell\ncommand = true\n";
  dag *d3 = NULL;
  assert_int_equal(dag_parse_buffer("c.ini", zPlain, strlen(zPlain), task_type_builtin_schemas(), &d3, &err), AIRC_OK);
  pDoc = dag_to_json(d3);
  assert_null(json_object_get(json_array_get(json_object_get(pDoc, "tasks"), 0), "outlets"));
  json_decref(pDoc);
  dag_free(d3);
  dag_free(d);
}

static void test_dataset_uri_check(void **state) {
  (void)state;
  assert_true(dag_dataset_uri_is_valid("s3://bucket/key"));
  assert_true(dag_dataset_uri_is_valid("x-y.z+w://a"));
  assert_false(dag_dataset_uri_is_valid("s3://"));
  assert_false(dag_dataset_uri_is_valid("://a"));
  assert_false(dag_dataset_uri_is_valid("3s://a"));
  assert_false(dag_dataset_uri_is_valid("s3://a b"));
  assert_false(dag_dataset_uri_is_valid("s_3://a"));
  assert_false(dag_dataset_uri_is_valid("plain"));
}

/* ---- conn = NAME ---- */

static json_t *conns(const char *zName, const char *zUri) {
  airc_err err = {0};
  json_t *p = json_object();
  json_object_set_new(p, zName, conn_uri_parse(zUri, &err));
  assert_non_null(json_object_get(p, zName));
  return p;
}

static void test_conn_kafka(void **state) {
  (void)state;
  const task_type *t = task_type_find("publish-kafka");
  json_t *pC = conns("kaf", "kafka://user:p%40ss@broker.internal:9093?sasl_mechanism=SCRAM-SHA-512&ssl_ca_location=/etc/ca.pem");
  json_t *pOpts = json_pack("{s:s,s:s}", "conn", "kaf", "topic", "t");
  airc_err err = {0};
  assert_int_equal(task_type_apply_conn(t, pC, pOpts, &err), AIRC_OK);
  assert_string_equal(json_string_value(json_object_get(pOpts, "bootstrap_servers")), "broker.internal:9093");
  assert_string_equal(json_string_value(json_object_get(pOpts, "sasl_username")), "user");
  assert_string_equal(json_string_value(json_object_get(pOpts, "sasl_password")), "p@ss");
  assert_string_equal(json_string_value(json_object_get(pOpts, "sasl_mechanism")), "SCRAM-SHA-512");
  assert_string_equal(json_string_value(json_object_get(pOpts, "ssl_ca_location")), "/etc/ca.pem");
  assert_string_equal(json_string_value(json_object_get(pOpts, "security_protocol")), "SASL_SSL"); /* login + CA */
  json_decref(pOpts);
  json_decref(pC);
  /* Airflow's dotted extra keys, several brokers, no TLS: SASL_PLAINTEXT; the DAG's own option wins */
  pC = conns("k2", "kafka://u:p@h?bootstrap.servers=a:1,b:2&security.protocol=SASL_SSL");
  pOpts = json_pack("{s:s,s:s}", "conn", "k2", "sasl_username", "from-dag");
  assert_int_equal(task_type_apply_conn(t, pC, pOpts, &err), AIRC_OK);
  assert_string_equal(json_string_value(json_object_get(pOpts, "bootstrap_servers")), "a:1,b:2");
  assert_string_equal(json_string_value(json_object_get(pOpts, "security_protocol")), "SASL_SSL");
  assert_string_equal(json_string_value(json_object_get(pOpts, "sasl_username")), "from-dag");
  assert_string_equal(json_string_value(json_object_get(pOpts, "sasl_mechanism")), "PLAIN");
  json_decref(pOpts);
  json_decref(pC);
  /* no login: no SASL settings invented; the port defaults to 9092 */
  pC = conns("k3", "kafka://h3");
  pOpts = json_pack("{s:s}", "conn", "k3");
  assert_int_equal(task_type_apply_conn(t, pC, pOpts, &err), AIRC_OK);
  assert_string_equal(json_string_value(json_object_get(pOpts, "bootstrap_servers")), "h3:9092");
  assert_null(json_object_get(pOpts, "security_protocol"));
  assert_null(json_object_get(pOpts, "sasl_mechanism"));
  json_decref(pOpts);
  json_decref(pC);
}

static void test_conn_cassandra(void **state) {
  (void)state;
  const task_type *t = task_type_find("validate-cassandra");
  json_t *pC = conns("Cass", "cassandra://cu:secret@10.0.0.5:9142/ks1");
  json_t *pOpts = json_pack("{s:s,s:s}", "conn", "cass", "keyspace", "from_dag"); /* names: any case */
  airc_err err = {0};
  assert_int_equal(task_type_apply_conn(t, pC, pOpts, &err), AIRC_OK);
  assert_string_equal(json_string_value(json_object_get(pOpts, "host")), "10.0.0.5");
  assert_string_equal(json_string_value(json_object_get(pOpts, "port")), "9142");
  assert_string_equal(json_string_value(json_object_get(pOpts, "username")), "cu");
  assert_string_equal(json_string_value(json_object_get(pOpts, "password")), "secret");
  assert_string_equal(json_string_value(json_object_get(pOpts, "keyspace")), "from_dag");
  json_decref(pOpts);
  /* an unknown connection is one clear line */
  pOpts = json_pack("{s:s}", "conn", "warehouse-2");
  assert_int_equal(task_type_apply_conn(t, pC, pOpts, &err), AIRC_ERR_NOTFOUND);
  assert_string_equal(err.zMsg, "conn: connection 'warehouse-2' not found (airc connections add warehouse-2 --conn-uri URI,"
                                " or set AIRC_CONN_WAREHOUSE-2)");
  json_decref(pOpts);
  /* a type without connections, or options without conn: nothing happens */
  pOpts = json_pack("{s:s}", "command", "true");
  assert_int_equal(task_type_apply_conn(task_type_find("shell"), pC, pOpts, &err), AIRC_OK);
  assert_int_equal(json_object_size(pOpts), 1);
  json_decref(pOpts);
  json_decref(pC);
}

int main(void) {
  setenv("AIRC_HOME", "/nonexistent-airc-home", 1); /* no plugins folder: built-in types only */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_describe_ok_fills_defaults), cmocka_unit_test(test_describe_errors),
      cmocka_unit_test(test_stdin_json_types_and_defaults), cmocka_unit_test(test_builder_checks_plugin_keys),
      cmocka_unit_test(test_dataset_schedule_and_outlets), cmocka_unit_test(test_dataset_uri_check),
      cmocka_unit_test(test_conn_kafka), cmocka_unit_test(test_conn_cassandra),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
