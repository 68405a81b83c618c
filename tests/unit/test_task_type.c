/* test_task_type.c: the task type registry. Every registered type is
 * findable by name, and no type declares an option whose name the DAG
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

static void test_registry_finds_every_type(void **state) {
  (void)state;
  const task_type *const *a = task_type_all();
  int n = 0;
  for(; a[n]; n++) assert_ptr_equal(task_type_find(a[n]->zName), a[n]);
  assert_true(n >= 5);
  assert_null(task_type_find("no-such-type"));
  assert_non_null(task_type_find("fetch-users"));
  assert_true(task_type_has_key(task_type_find("fetch-users"), "request_retries"));
}

static void test_no_option_shadowed_by_common_keys(void **state) {
  (void)state;
  assert_true(dag_is_task_common_key("retries"));
  assert_true(dag_is_task_common_key("execution_timeout"));
  assert_false(dag_is_task_common_key("timeout"));
  const task_type *const *a = task_type_all();
  for(int i = 0; a[i]; i++) {
    for(int k = 0; a[i]->azKeys && a[i]->azKeys[k]; k++) {
      if(dag_is_task_common_key(a[i]->azKeys[k]))
        fail_msg("task type '%s' declares option '%s', which is a common task key", a[i]->zName,
                 a[i]->azKeys[k]);
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_registry_finds_every_type),
      cmocka_unit_test(test_no_option_shadowed_by_common_keys),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
