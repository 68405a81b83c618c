/* test_task_regex.c: unit tests of dag/task_regex.c: patterns whose
 * compilation or matching would cost seconds and gigabytes are refused
 * before regcomp, ordinary ones compile and match. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <time.h>
#include "dag/task_regex.h"

static void expect_ok(const char *z, const char *zMatch, const char *zNoMatch) {
  regex_t re;
  airc_err err = {0};
  if(task_regex_compile(z, TASK_REGEX_MAX, &re, &err)) fail_msg("'%s' refused: %s", z, airc_err_msg(&err));
  if(zMatch) assert_int_equal(regexec(&re, zMatch, 0, NULL, 0), 0);
  if(zNoMatch) assert_int_not_equal(regexec(&re, zNoMatch, 0, NULL, 0), 0);
  regfree(&re);
}

static void expect_refused(const char *z, const char *zMsg) {
  regex_t re;
  airc_err err = {0};
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  airc_rc rc = task_regex_compile(z, TASK_REGEX_MAX, &re, &err);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if(!rc) {
    regfree(&re);
    fail_msg("'%s' was accepted", z);
  }
  assert_int_equal(rc, AIRC_ERR_INVALID);
  assert_string_equal(airc_err_msg(&err), zMsg);
  assert_true(t1.tv_sec - t0.tv_sec < 1); /* refused before regcomp */
}

static void test_ordinary_patterns(void **state) {
  (void)state;
  expect_ok("^boom$", "boom", "boom2");
  expect_ok("extract_[0-9]+", "extract_12", "extract_");
  expect_ok("(load|save)_(a|b)", "load_b", "load_c");
  expect_ok("a{2,3}b", "aab", "ab");
  expect_ok("[]a*+{(]x", "*x", "bx");        /* brackets hide quantifiers and groups */
  expect_ok("[[:alpha:]]+_x", "abc_x", "1_x");
  expect_ok("(ab)*c", "ababc", NULL);
  expect_ok("\\(a\\)*", "(a)))", NULL);      /* escaped parens are literals */
}

static void test_costly_patterns_are_refused(void **state) {
  (void)state;
  expect_refused("(a{1,255}){1,255}",
                 "task regex '(a{1,255}){1,255}' is refused: repetition counts above 32 are not allowed");
  expect_refused("(a{1,30}){1,30}",
                 "task regex '(a{1,30}){1,30}' is refused: a repeated group may not itself contain repetition "
                 "(nested repetition)");
  expect_refused("((a|b)+)*", "task regex '((a|b)+)*' is refused: a repeated group may not itself contain "
                              "repetition (nested repetition)");
  expect_refused("((x)*c)+", "task regex '((x)*c)+' is refused: a repeated group may not itself contain "
                             "repetition (nested repetition)");
  expect_refused("a{30}{30}", "task regex 'a{30}{30}' is refused: a repeated group may not itself contain "
                              "repetition (nested repetition)");
  expect_refused("(a)\\1", "task regex '(a)\\1' is refused: back-references are not allowed");
  expect_refused("a{x}", "task regex 'a{x}' is refused: a '{' must be a repetition count {m}, {m,} or {m,n}");
  char zLong[TASK_REGEX_MAX + 2];
  memset(zLong, 'a', sizeof(zLong) - 1);
  zLong[sizeof(zLong) - 1] = 0;
  expect_refused(zLong, "task regex is longer than 256 characters (257)");
  regex_t re;
  airc_err err = {0};
  assert_int_equal(task_regex_compile("(", TASK_REGEX_MAX, &re, &err), AIRC_ERR_INVALID);
  assert_true(strncmp(airc_err_msg(&err), "bad task regex '(': ", 20) == 0);
  /* patterns built from task_ids have no length cap */
  assert_int_equal(task_regex_compile(zLong, 0, &re, &err), AIRC_OK);
  regfree(&re);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_ordinary_patterns),
                                     cmocka_unit_test(test_costly_patterns_are_refused)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
