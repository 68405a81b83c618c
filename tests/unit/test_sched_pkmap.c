/* test_sched_pkmap.c: unit tests of scheduler/sched_pkmap.c, the scheduler's
 * pk -> int index: put/get/overwrite, growth past many keys, deletion in
 * the middle of probe runs (backward shift keeps every other key
 * findable), clear, and keys <= 0 ignored. Checked against a plain array. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include "scheduler/sched_pkmap.h"

static void test_put_get_overwrite(void **ppState) {
  (void)ppState;
  sched_pkmap m = {0};
  assert_int_equal(sched_pkmap_get(&m, 1), -1);
  sched_pkmap_put(&m, 7, 70);
  sched_pkmap_put(&m, 7, 71);
  assert_int_equal(sched_pkmap_get(&m, 7), 71);
  assert_int_equal(m.n, 1);
  sched_pkmap_put(&m, 0, 5);  /* ignored */
  sched_pkmap_put(&m, -3, 5); /* ignored */
  assert_int_equal(sched_pkmap_get(&m, 0), -1);
  assert_int_equal(m.n, 1);
  sched_pkmap_del(&m, 99); /* absent: nothing */
  assert_int_equal(m.n, 1);
  sched_pkmap_clear(&m);
  assert_int_equal(sched_pkmap_get(&m, 7), -1);
  sched_pkmap_free(&m);
}

/* many keys, with deletions in between, against a reference array */
static void test_grow_and_delete(void **ppState) {
  (void)ppState;
  enum { N = 20000 };
  static int aRef[N + 1];
  sched_pkmap m = {0};
  for(int i = 1; i <= N; i++) {
    sched_pkmap_put(&m, i * 64, i); /* multiples of the table size: clustered probes */
    aRef[i] = i;
  }
  srand(7);
  for(int k = 0; k < N / 2; k++) {
    int i = 1 + rand() % N;
    sched_pkmap_del(&m, i * 64);
    aRef[i] = -1;
  }
  unsigned n = 0;
  for(int i = 1; i <= N; i++) {
    assert_int_equal(sched_pkmap_get(&m, i * 64), aRef[i]);
    n += aRef[i] >= 0;
  }
  assert_int_equal(m.n, n);
  sched_pkmap_free(&m);
}

int main(void) {
  const struct CMUnitTest aTest[] = {
      cmocka_unit_test(test_put_get_overwrite),
      cmocka_unit_test(test_grow_and_delete),
  };
  return cmocka_run_group_tests(aTest, NULL, NULL);
}
