/* test_dl_table.c: unit tests of common/dl_table.c (a library opened on
 * first use and its functions resolved into a table), with libc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "common/dl_table.h"

static void test_resolves_every_name(void **state) {
  (void)state;
  size_t (*pStrlen)(const char *) = NULL;
  int (*pAbs)(int) = NULL;
  const char *const azName[] = {"strlen", "abs"};
  void **apSlot[] = {(void **)&pStrlen, (void **)&pAbs};
  char zErr[200] = "";
  assert_int_equal(dl_table_load("libc.so.6", "libc", azName, apSlot, 2, zErr, sizeof(zErr)), 0);
  assert_int_equal(pStrlen("airc"), 4);
  assert_int_equal(pAbs(-3), 3);
}

static void test_missing_function_is_one_line(void **state) {
  (void)state;
  void *p = NULL;
  const char *const azName[] = {"airc_no_such_function"};
  void **apSlot[] = {&p};
  char zErr[200] = "";
  assert_int_equal(dl_table_load("libc.so.6", "libc", azName, apSlot, 1, zErr, sizeof(zErr)), -1);
  assert_string_equal(zErr, "cannot load libc: libc.so.6 has no airc_no_such_function");
}

static void test_missing_library_is_one_line(void **state) {
  (void)state;
  char zErr[200] = "";
  assert_int_equal(dl_table_load("libairc-none.so.9", "none", NULL, NULL, 0, zErr, sizeof(zErr)), -1);
  assert_true(strncmp(zErr, "cannot load none: libairc-none.so.9", 35) == 0);
  assert_null(strchr(zErr, '\n'));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_resolves_every_name),
      cmocka_unit_test(test_missing_function_is_one_line),
      cmocka_unit_test(test_missing_library_is_one_line),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
