/* test_task_type.c: the task type registry. Every registered type is
 * findable by name; the one list (executor/task_types.def) gives every
 * type exactly one way to run (xRun in the task process, or a body in
 * airc-task); the schemas handed to dag/ are the registry's, row for row;
 * and no type declares an option whose name the DAG
 * builder takes for itself (retries, execution_timeout, ...): such an
 * option could never be set from a DAG file (fetch-users' per-request
 * `retries` was one, hence `request_retries`). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "executor/task_type.h"
#include "dag/dag.h"
#include "providers/runners.h"

/* The BODY column, expanded as cli/airc_task_main.c does. */
static int (*const aBody[])(const task_ctx *) = {
#define TASK_TYPE(DESC, BODY) BODY,
#include "executor/task_types.def"
#undef TASK_TYPE
};
#define N_BODY ((int)(sizeof(aBody) / sizeof(aBody[0])))

static void test_registry_finds_every_type(void **state) {
  (void)state;
  const task_type *const *a = task_type_all();
  int n = 0;
  for(; a[n]; n++) {
    assert_ptr_equal(task_type_find(a[n]->schema.zName), a[n]);
    assert_int_equal(task_type_index(a[n]), n);
  }
  assert_true(n >= 5);
  assert_null(task_type_find("no-such-type"));
  assert_int_equal(task_type_index(NULL), -1);
  assert_non_null(task_type_find("fetch-users"));
  assert_true(task_schema_has_key(&task_type_find("fetch-users")->schema, "request_retries"));
}

/* Row i of the bodies is row i of the registry, and each type runs one way:
 * in the task process (xRun) or in airc-task (a body), never both, never
 * neither. The pipeline types that need libcurl/librdkafka are bodies. */
static void test_one_list_one_way_to_run(void **state) {
  (void)state;
  const task_type *const *a = task_type_all();
  int n = 0;
  while(a[n]) n++;
  assert_int_equal(n, N_BODY);
  for(int i = 0; i < n; i++) {
    if(!a[i]->xRun == !aBody[i])
      fail_msg("task type '%s': exactly one of xRun and its airc-task body must be set", a[i]->schema.zName);
  }
  assert_ptr_equal(aBody[task_type_index(task_type_find("fetch-users"))], runner_fetch_users);
  assert_ptr_equal(aBody[task_type_index(task_type_find("publish-kafka"))], runner_publish_kafka);
  assert_null(aBody[task_type_index(task_type_find("shell"))]);
  assert_non_null(task_type_find("shell")->xRun);
}

/* dag/ sees the same types, in the same order, through their schemas. */
static void test_schemas_are_the_registry(void **state) {
  (void)state;
  const task_type *const *a = task_type_all();
  const task_schema *const *s = task_type_schemas();
  int i = 0;
  for(; a[i]; i++) {
    assert_ptr_equal(s[i], &a[i]->schema);
    assert_ptr_equal(task_schema_find(s, a[i]->schema.zName), s[i]);
  }
  assert_null(s[i]);
  assert_null(task_schema_find(s, "no-such-type"));
  assert_null(task_schema_find(NULL, "shell"));
}

static void test_no_option_shadowed_by_common_keys(void **state) {
  (void)state;
  assert_true(dag_is_task_common_key("retries"));
  assert_true(dag_is_task_common_key("execution_timeout"));
  assert_false(dag_is_task_common_key("timeout"));
  const task_type *const *a = task_type_all();
  for(int i = 0; a[i]; i++) {
    const task_schema *p = &a[i]->schema;
    for(int k = 0; p->azKeys && p->azKeys[k]; k++) {
      if(dag_is_task_common_key(p->azKeys[k]))
        fail_msg("task type '%s' declares option '%s', which is a common task key", p->zName, p->azKeys[k]);
    }
  }
}

/* The shared database mapping of `conn = NAME`: schema goes to the key the
 * type names; options set in the DAG file win; empty fields are skipped. */
static void test_conn_db_options(void **state) {
  (void)state;
  json_t *pConn = json_pack("{sssisssssss{}}", "host", "db1", "port", 9043, "login", "ann", "password", "",
                            "schema", "spark_streams", "extra");
  json_t *pOpts = json_pack("{ss}", "host", "mine");
  task_type_conn_db_options(pConn, pOpts, "keyspace");
  assert_string_equal(json_string_value(json_object_get(pOpts, "host")), "mine");
  assert_string_equal(json_string_value(json_object_get(pOpts, "port")), "9043");
  assert_string_equal(json_string_value(json_object_get(pOpts, "username")), "ann");
  assert_string_equal(json_string_value(json_object_get(pOpts, "keyspace")), "spark_streams");
  assert_null(json_object_get(pOpts, "password"));
  assert_null(json_object_get(pOpts, "database"));
  const task_type *pCass = task_type_find("validate-cassandra");
  const task_type *pPg = task_type_find("validate-postgres");
  json_t *pC = json_object(), *pP = json_object();
  pCass->xConnOptions(pConn, pC);
  pPg->xConnOptions(pConn, pP);
  assert_string_equal(json_string_value(json_object_get(pC, "keyspace")), "spark_streams");
  assert_string_equal(json_string_value(json_object_get(pP, "database")), "spark_streams");
  json_decref(pC);
  json_decref(pP);
  json_decref(pOpts);
  json_decref(pConn);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_registry_finds_every_type),
      cmocka_unit_test(test_no_option_shadowed_by_common_keys),
      cmocka_unit_test(test_one_list_one_way_to_run),
      cmocka_unit_test(test_schemas_are_the_registry),
      cmocka_unit_test(test_conn_db_options),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
