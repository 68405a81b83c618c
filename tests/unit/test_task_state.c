/* test_task_state.c: unit tests of dag/task_state.c: state names,
 * every trigger rule against a table of upstream states (Airflow's
 * semantics, including skip propagation for all_success), retry decisions
 * and backoff arithmetic, and a run's state from its leaves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "dag/task_state.h"

/* total, success, failed, upstream_failed, skipped; the rest are unfinished */
static upstream_counts uc(int nTotal, int nSuccess, int nFailed, int nUpFailed, int nSkipped) {
  upstream_counts c = {nTotal, nSuccess, nFailed, nUpFailed, nSkipped,
                       nSuccess + nFailed + nUpFailed + nSkipped};
  return c;
}

#define W TRIGGER_WAIT
#define R TRIGGER_READY
#define S TRIGGER_SKIP
#define U TRIGGER_UPSTREAM_FAILED

static const char *verdict_name(trigger_verdict v) {
  static const char *const az[] = {"wait", "ready", "skip", "upstream_failed"};
  return az[v];
}

static void test_state_names(void **state) {
  (void)state;
  static const char *const az[] = {"none", "scheduled", "queued", "running", "success", "failed",
                                   "up_for_retry", "upstream_failed", "skipped", "up_for_reschedule"};
  for(int i = 0; i < TI_STATE_COUNT; i++) {
    assert_string_equal(ti_state_name((ti_state)i), az[i]);
    ti_state s = TI_STATE_COUNT;
    assert_true(ti_state_parse(az[i], &s));
    assert_int_equal(s, i);
  }
  ti_state s = TI_SUCCESS;
  assert_false(ti_state_parse("SUCCESS", &s));
  assert_false(ti_state_parse("", &s));
  assert_false(ti_state_parse(NULL, &s));
  assert_int_equal(s, TI_SUCCESS);
  assert_string_equal(ti_state_name((ti_state)99), "none");
  int nFinished = 0;
  for(int i = 0; i < TI_STATE_COUNT; i++) nFinished += ti_state_is_finished((ti_state)i);
  assert_int_equal(nFinished, 4);
  assert_true(ti_state_is_finished(TI_SUCCESS));
  assert_true(ti_state_is_finished(TI_FAILED));
  assert_true(ti_state_is_finished(TI_SKIPPED));
  assert_true(ti_state_is_finished(TI_UPSTREAM_FAILED));
  assert_false(ti_state_is_finished(TI_UP_FOR_RETRY));
}

static void test_trigger_rule_table(void **state) {
  (void)state;
  /* columns: all_success all_failed all_done one_success one_failed
   *          none_failed none_skipped always */
  static const struct {
    int n, s, f, uf, sk;
    trigger_verdict a[8];
  } aRow[] = {
      /* no upstreams: every rule runs */
      {0, 0, 0, 0, 0, {R, R, R, R, R, R, R, R}},
      /* nothing finished yet */
      {3, 0, 0, 0, 0, {W, W, W, W, W, W, W, R}},
      /* all succeeded */
      {3, 3, 0, 0, 0, {R, S, R, R, S, R, R, R}},
      /* some succeeded, rest running */
      {3, 2, 0, 0, 0, {W, S, W, R, W, W, W, R}},
      /* all failed */
      {2, 0, 2, 0, 0, {U, R, R, U, R, U, R, R}},
      /* one failed, others running */
      {3, 0, 1, 0, 0, {U, W, W, W, R, U, W, R}},
      /* upstream_failed counts as failed */
      {2, 0, 1, 1, 0, {U, R, R, U, R, U, R, R}},
      {1, 0, 0, 1, 0, {U, R, R, U, R, U, R, R}},
      /* all skipped */
      {2, 0, 0, 0, 2, {S, S, R, S, S, R, S, R}},
      /* one skipped, one running */
      {2, 0, 0, 0, 1, {S, S, W, W, W, W, S, R}},
      /* success + skipped, all done */
      {2, 1, 0, 0, 1, {S, S, R, R, S, R, S, R}},
      /* success + failed, all done */
      {2, 1, 1, 0, 0, {U, S, R, R, R, U, R, R}},
      /* failed + skipped, all done: failure wins for all_success */
      {2, 0, 1, 0, 1, {U, S, R, U, R, U, S, R}},
      /* success + failed + skipped */
      {3, 1, 1, 0, 1, {U, S, R, R, R, U, S, R}},
      /* one success, one failed, one running */
      {3, 1, 1, 0, 0, {U, S, W, R, R, U, W, R}},
  };
  for(size_t i = 0; i < sizeof(aRow) / sizeof(aRow[0]); i++) {
    upstream_counts c = uc(aRow[i].n, aRow[i].s, aRow[i].f, aRow[i].uf, aRow[i].sk);
    for(int r = 0; r < 8; r++) {
      trigger_verdict v = trigger_rule_evaluate((trigger_rule)r, &c);
      if(v != aRow[i].a[r])
        fail_msg("row %zu (n=%d s=%d f=%d uf=%d sk=%d) rule %s: got %s, want %s", i, aRow[i].n,
                 aRow[i].s, aRow[i].f, aRow[i].uf, aRow[i].sk, trigger_rule_name((trigger_rule)r),
                 verdict_name(v), verdict_name(aRow[i].a[r]));
    }
  }
}

/* Airflow: with all_success, a skipped upstream skips the task, and the skip
 * travels down a chain (each skipped task is a skipped upstream of the next). */
static void test_skip_propagation_chain(void **state) {
  (void)state;
  upstream_counts c = uc(1, 0, 0, 0, 1);
  assert_int_equal(trigger_rule_evaluate(TRIGGER_ALL_SUCCESS, &c), TRIGGER_SKIP);
  /* ... but a join with all_done or none_failed still runs */
  c = uc(2, 1, 0, 0, 1);
  assert_int_equal(trigger_rule_evaluate(TRIGGER_ALL_DONE, &c), TRIGGER_READY);
  assert_int_equal(trigger_rule_evaluate(TRIGGER_NONE_FAILED, &c), TRIGGER_READY);
  /* a failure becomes upstream_failed down an all_success chain */
  c = uc(1, 0, 0, 1, 0);
  assert_int_equal(trigger_rule_evaluate(TRIGGER_ALL_SUCCESS, &c), TRIGGER_UPSTREAM_FAILED);
}

static void test_trigger_rule_names(void **state) {
  (void)state;
  static const char *const az[] = {"all_success", "all_failed", "all_done", "one_success",
                                   "one_failed", "none_failed", "none_skipped", "always"};
  for(int i = 0; i < 8; i++) {
    assert_string_equal(trigger_rule_name((trigger_rule)i), az[i]);
    trigger_rule r = TRIGGER_ALWAYS;
    assert_true(trigger_rule_parse(az[i], &r));
    assert_int_equal(r, i);
  }
  trigger_rule r = TRIGGER_ALL_DONE;
  assert_false(trigger_rule_parse("dummy", &r));
  assert_false(trigger_rule_parse("ALL_SUCCESS", &r));
  assert_int_equal(r, TRIGGER_ALL_DONE);
}

static void test_should_retry(void **state) {
  (void)state;
  dag_task t = {0};
  t.retries = 0;
  assert_false(task_should_retry(&t, 1));
  t.retries = 3;
  assert_true(task_should_retry(&t, 1));
  assert_true(task_should_retry(&t, 3));
  assert_false(task_should_retry(&t, 4)); /* 1 try + 3 retries */
  assert_false(task_should_retry(&t, 10));
}

static void test_retry_delay_plain(void **state) {
  (void)state;
  dag_task t = {0};
  t.retryDelay = 300;
  t.maxRetryDelay = 86400;
  for(int k = 1; k <= 10; k++) assert_int_equal(task_retry_delay(&t, k), 300);
  /* the cap applies to a plain delay too */
  t.retryDelay = 7200;
  t.maxRetryDelay = 3600;
  assert_int_equal(task_retry_delay(&t, 1), 3600);
  /* no cap (0) */
  t.maxRetryDelay = 0;
  assert_int_equal(task_retry_delay(&t, 5), 7200);
  t.retryDelay = 0;
  assert_int_equal(task_retry_delay(&t, 1), 0);
}

static void test_retry_delay_exponential(void **state) {
  (void)state;
  dag_task t = {0};
  t.retryDelay = 10;
  t.retryExpBackoff = 1;
  t.maxRetryDelay = 100;
  assert_int_equal(task_retry_delay(&t, 1), 10);
  assert_int_equal(task_retry_delay(&t, 2), 20);
  assert_int_equal(task_retry_delay(&t, 3), 40);
  assert_int_equal(task_retry_delay(&t, 4), 80);
  assert_int_equal(task_retry_delay(&t, 5), 100); /* capped */
  assert_int_equal(task_retry_delay(&t, 1000), 100);
  /* default-like settings: 5m doubling, capped at 1 day */
  t.retryDelay = 300;
  t.maxRetryDelay = 86400;
  assert_int_equal(task_retry_delay(&t, 9), 76800);
  assert_int_equal(task_retry_delay(&t, 10), 86400);
  /* no cap (max_retry_delay 0): it still doubles, and never overflows */
  t.retryDelay = 10;
  t.maxRetryDelay = 0;
  assert_int_equal(task_retry_delay(&t, 2), 20);
  assert_int_equal(task_retry_delay(&t, 4), 80);
  int64_t prev = 0;
  for(int k = 1; k <= 1001; k++) {
    int64_t d = task_retry_delay(&t, k);
    assert_true(d >= prev);
    assert_true(d > 0);
    prev = d;
  }
  /* zero delay stays zero */
  t.retryDelay = 0;
  t.maxRetryDelay = 100;
  assert_int_equal(task_retry_delay(&t, 7), 0);
}

/* Builds a DAG of n tasks from an edge list "a>b" (upstream a of b). */
static void make_dag(dag *d, dag_task *aTask, int n, const int (*aEdge)[2], int nEdge) {
  memset(d, 0, sizeof(*d));
  memset(aTask, 0, sizeof(dag_task) * (size_t)n);
  for(int e = 0; e < nEdge; e++) aTask[aEdge[e][0]].nDownstream++;
  d->aTask = aTask;
  d->nTask = n;
}

static void test_run_state_from_leaves(void **state) {
  (void)state;
  /* 0 -> 1 -> 2 and 0 -> 3: leaves are 2 and 3 */
  static const int aEdge[][2] = {{0, 1}, {1, 2}, {0, 3}};
  dag d;
  dag_task aTask[4];
  make_dag(&d, aTask, 4, aEdge, 3);
  ti_state a[4] = {TI_SUCCESS, TI_SUCCESS, TI_SUCCESS, TI_SUCCESS};
  assert_string_equal(run_state_from_tasks(&d, a), "success");
  /* unfinished tasks anywhere: no verdict yet */
  static const ti_state aUnfinished[] = {TI_NONE, TI_SCHEDULED, TI_QUEUED, TI_RUNNING, TI_UP_FOR_RETRY};
  for(size_t i = 0; i < sizeof(aUnfinished) / sizeof(aUnfinished[0]); i++) {
    a[1] = aUnfinished[i];
    assert_null(run_state_from_tasks(&d, a));
    a[1] = TI_SUCCESS;
    a[3] = aUnfinished[i];
    assert_null(run_state_from_tasks(&d, a));
    a[3] = TI_SUCCESS;
  }
  /* a failed leaf fails the run */
  a[2] = TI_FAILED;
  assert_string_equal(run_state_from_tasks(&d, a), "failed");
  a[2] = TI_UPSTREAM_FAILED;
  assert_string_equal(run_state_from_tasks(&d, a), "failed");
  /* skipped leaves count as success */
  a[2] = TI_SKIPPED;
  a[3] = TI_SKIPPED;
  assert_string_equal(run_state_from_tasks(&d, a), "success");
  /* a failed inner task whose leaf still ran (e.g. all_done cleanup) */
  a[1] = TI_FAILED;
  a[2] = TI_SUCCESS;
  assert_string_equal(run_state_from_tasks(&d, a), "success");
  a[2] = TI_UPSTREAM_FAILED;
  assert_string_equal(run_state_from_tasks(&d, a), "failed");
}

static void test_run_state_edge_cases(void **state) {
  (void)state;
  dag d;
  dag_task aTask[1];
  make_dag(&d, aTask, 0, NULL, 0);
  assert_string_equal(run_state_from_tasks(&d, NULL), "success"); /* no tasks */
  make_dag(&d, aTask, 1, NULL, 0);
  ti_state a[1] = {TI_FAILED};
  assert_string_equal(run_state_from_tasks(&d, a), "failed");
  a[0] = TI_SKIPPED;
  assert_string_equal(run_state_from_tasks(&d, a), "success");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_state_names),
      cmocka_unit_test(test_trigger_rule_table),
      cmocka_unit_test(test_skip_propagation_chain),
      cmocka_unit_test(test_trigger_rule_names),
      cmocka_unit_test(test_should_retry),
      cmocka_unit_test(test_retry_delay_plain),
      cmocka_unit_test(test_retry_delay_exponential),
      cmocka_unit_test(test_run_state_from_leaves),
      cmocka_unit_test(test_run_state_edge_cases),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
