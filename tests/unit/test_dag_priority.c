/* test_dag_priority.c: effective priority weights (dag/dag_priority.c:
 * downstream, upstream and absolute rules, a diamond counting a shared task
 * once, the linear bound above DAG_PRIORITY_EXACT_MAX), notification
 * targets (dag_notify_target_is_valid), and the new keys in the canonical
 * form (absent when default, so that older DAGs keep their hash). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dag/dag.h"
#include "executor/task_type.h"

static dag *parse(const char *zIni) {
  dag *d = NULL;
  airc_err err = {0};
  if(dag_parse_buffer("t.ini", zIni, strlen(zIni), task_type_schemas(), &d, &err)) fail_msg("%s", err.zMsg);
  return d;
}

static int64_t weight_of(const dag *d, const int64_t *a, const char *zId) { return a[dag_task_index(d, zId)]; }

/* a -> b -> d, a -> c -> d (a diamond), e alone */
static const char zDiamond[] =
    "[dag]\nid = w\n"
    "[task a]\ntype = shell\ncommand = true\npriority_weight = 1\n"
    "[task b]\ntype = shell\ncommand = true\nupstream = a\npriority_weight = 2\n"
    "[task c]\ntype = shell\ncommand = true\nupstream = a\npriority_weight = 4\n"
    "[task d]\ntype = shell\ncommand = true\nupstream = b, c\npriority_weight = 8\n"
    "[task e]\ntype = shell\ncommand = true\npriority_weight = 16\nweight_rule = absolute\n";

static void test_downstream_counts_a_shared_task_once(void **ppState) {
  (void)ppState;
  dag *d = parse(zDiamond);
  int64_t a[8];
  dag_priority_weights(d, a);
  assert_int_equal(weight_of(d, a, "a"), 1 + 2 + 4 + 8); /* d once, not twice */
  assert_int_equal(weight_of(d, a, "b"), 2 + 8);
  assert_int_equal(weight_of(d, a, "d"), 8);
  assert_int_equal(weight_of(d, a, "e"), 16);
  dag_free(d);
}

static void test_upstream_and_absolute(void **ppState) {
  (void)ppState;
  char z[2000];
  snprintf(z, sizeof(z), "%s", zDiamond);
  /* every task upstream-ruled */
  char *p;
  while((p = strstr(z, "priority_weight = 8\n"))) {
    memmove(p + strlen("priority_weight = 8\nweight_rule = upstream\n"), p + strlen("priority_weight = 8\n"),
            strlen(p + strlen("priority_weight = 8\n")) + 1);
    memcpy(p, "priority_weight = 8\nweight_rule = upstream\n", strlen("priority_weight = 8\nweight_rule = upstream\n"));
    break;
  }
  dag *d = parse(z);
  int64_t a[8];
  dag_priority_weights(d, a);
  assert_int_equal(weight_of(d, a, "d"), 8 + 2 + 4 + 1); /* a once */
  assert_int_equal(weight_of(d, a, "a"), 1 + 2 + 4 + 8); /* still downstream */
  assert_string_equal(dag_weight_rule_name(d->aTask[dag_task_index(d, "d")].weightRule), "upstream");
  dag_free(d);
}

static void test_big_dags_take_the_linear_bound(void **ppState) {
  (void)ppState;
  /* a chain above the exact limit: weight of the head = number of tasks */
  int n = DAG_PRIORITY_EXACT_MAX + 10;
  size_t cap = (size_t)n * 80 + 100;
  char *z = malloc(cap);
  size_t k = (size_t)snprintf(z, cap, "[dag]\nid = big\n");
  for(int i = 0; i < n; i++) {
    k += (size_t)snprintf(z + k, cap - k, "[task t%d]\ntype = shell\ncommand = true\n", i);
    if(i) k += (size_t)snprintf(z + k, cap - k, "upstream = t%d\n", i - 1);
  }
  dag *d = parse(z);
  free(z);
  int64_t *a = malloc(sizeof(int64_t) * (size_t)n);
  dag_priority_weights(d, a);
  assert_int_equal(a[0], n);
  assert_int_equal(a[n - 1], 1);
  free(a);
  dag_free(d);
}

static void test_targets(void **ppState) {
  (void)ppState;
  assert_true(dag_notify_target_is_valid("https://hooks.example/x"));
  assert_true(dag_notify_target_is_valid("http://127.0.0.1:8080/hook"));
  assert_true(dag_notify_target_is_valid("smtp://mail:25/ops@example.com"));
  assert_true(dag_notify_target_is_valid("smtps://u:p@mail/ops@example.com"));
  assert_true(dag_notify_target_is_valid("conn:slack_ops"));
  assert_false(dag_notify_target_is_valid("smtp://mail:25"));     /* no recipient */
  assert_false(dag_notify_target_is_valid("smtp://mail/nobody")); /* not an address */
  assert_false(dag_notify_target_is_valid("ftp://x/y"));
  assert_false(dag_notify_target_is_valid("http://"));
  assert_false(dag_notify_target_is_valid("conn:"));
  assert_false(dag_notify_target_is_valid("http://a b"));
}

static void test_canonical_form_and_defaults(void **ppState) {
  (void)ppState;
  dag *plain = parse("[dag]\nid = c\n[task a]\ntype = shell\ncommand = true\n");
  dag *same = parse("[dag]\nid = c\n[task a]\ntype = shell\ncommand = true\npool = default_pool\npool_slots = 1\n"
                    "priority_weight = 1\nweight_rule = downstream\n");
  assert_string_equal(plain->zHash, same->zHash); /* defaults written out change nothing */
  dag *full = parse("[dag]\nid = c\non_failure = conn:ops\non_run_success = https://x/y\ndeadline = 2h\n"
                    "[task a]\ntype = shell\ncommand = true\npool = etl\npool_slots = 2\n"
                    "[task b]\ntype = shell\ncommand = true\non_failure =\n");
  assert_string_not_equal(plain->zHash, full->zHash);
  assert_int_equal(full->deadline, 7200);
  const dag_task *a = &full->aTask[0], *b = &full->aTask[1];
  assert_string_equal(a->zPool, "etl");
  assert_int_equal(a->poolSlots, 2);
  assert_string_equal(json_string_value(json_array_get(json_object_get(a->pNotify, "on_failure"), 0)), "conn:ops");
  assert_null(b->pNotify); /* "" turns the [dag] default off */
  /* the canonical form rebuilds the same DAG */
  json_t *pDoc = dag_to_json(full);
  char *zJson = json_dumps(pDoc, JSON_COMPACT);
  json_decref(pDoc);
  dag *back = NULL;
  airc_err err = {0};
  assert_int_equal(dag_from_json_text(zJson, DAG_TYPES_STORED, &back, &err), AIRC_OK);
  free(zJson);
  assert_string_equal(back->zHash, full->zHash);
  assert_null(back->aTask[1].pNotify);
  dag_free(back);
  dag_free(plain);
  dag_free(same);
  dag_free(full);
}

int main(void) {
  const struct CMUnitTest aTest[] = {
      cmocka_unit_test(test_downstream_counts_a_shared_task_once),
      cmocka_unit_test(test_upstream_and_absolute),
      cmocka_unit_test(test_big_dags_take_the_linear_bound),
      cmocka_unit_test(test_targets),
      cmocka_unit_test(test_canonical_form_and_defaults),
  };
  return cmocka_run_group_tests(aTest, NULL, NULL);
}
