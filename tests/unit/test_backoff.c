/* test_backoff.c: unit tests of common/backoff.c (the retry policy of a
 * busy store: capped exponential delays with jitter, one report per
 * episode) and of the transient error class (common/rc.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "common/backoff.h"
#include "common/rc.h"

static void test_backoff_grows_and_caps(void **state) {
  (void)state;
  airc_backoff b;
  airc_backoff_init(&b, 10000, 1000000, 42);
  int bNew = -1;
  int64_t prevMax = 0;
  for(int i = 0; i < 20; i++) {
    int64_t d = airc_backoff_fail(&b, 1000 + i, &bNew);
    assert_int_equal(bNew, i == 0);
    int64_t want = 10000LL << (i < 7 ? i : 7);
    if(want > 1000000) want = 1000000;
    /* at most a quarter of jitter off, never below the minimum */
    assert_true(d <= want);
    assert_true(d >= want - want / 4);
    assert_true(d >= 10000);
    assert_true(d <= 1000000);
    if(want > prevMax) prevMax = want;
  }
  assert_int_equal(prevMax, 1000000);
  assert_true(airc_backoff_in_episode(&b));
}

static void test_backoff_episode(void **state) {
  (void)state;
  airc_backoff b;
  airc_backoff_init(&b, 10000, 1000000, 7);
  unsigned nFail = 99;
  /* a success without an episode reports none */
  assert_int_equal(airc_backoff_ok(&b, 5, &nFail), -1);
  assert_int_equal(nFail, 0);
  int bNew = 0;
  airc_backoff_fail(&b, 2000000, &bNew);
  assert_int_equal(bNew, 1);
  for(int i = 0; i < 5; i++) {
    airc_backoff_fail(&b, 2000000 + i, &bNew);
    assert_int_equal(bNew, 0); /* reported once */
  }
  assert_int_equal(airc_backoff_ok(&b, 5000000, &nFail), 3000000);
  assert_int_equal(nFail, 6);
  assert_false(airc_backoff_in_episode(&b));
  /* the next episode starts again from the minimum */
  int64_t d = airc_backoff_fail(&b, 6000000, &bNew);
  assert_int_equal(bNew, 1);
  assert_true(d >= 10000 && d <= 10000);
}

static void test_backoff_bad_bounds(void **state) {
  (void)state;
  airc_backoff b;
  airc_backoff_init(&b, 0, -5, 1);
  assert_int_equal(airc_backoff_fail(&b, 1, NULL), 1);
  assert_int_equal(airc_backoff_fail(&b, 2, NULL), 1);
}

static void test_transient_class(void **state) {
  (void)state;
  assert_true(airc_rc_is_transient(AIRC_ERR_BUSY));
  assert_false(airc_rc_is_transient(AIRC_OK));
  assert_false(airc_rc_is_transient(AIRC_ERR_DB));
  assert_false(airc_rc_is_transient(AIRC_ERR_EXISTS));
  assert_false(airc_rc_is_transient(AIRC_ERR_INVALID));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_backoff_grows_and_caps),
      cmocka_unit_test(test_backoff_episode),
      cmocka_unit_test(test_backoff_bad_bounds),
      cmocka_unit_test(test_transient_class),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
