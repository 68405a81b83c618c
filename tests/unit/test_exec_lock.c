/* test_exec_lock.c: the per-try locks of executor/exec_result.c (one byte
 * per (task instance, try) in run/tries.lock). Every (task instance, try)
 * pair must own its own byte, for any try number: tries 1 and 65 of one
 * task instance once shared a byte, so a retry could be refused as "already
 * running" and the zombie sweep took a dead try for a live one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/config.h"
#include "executor/exec_result.h"

static char g_zHome[64];

static int setup(void **state) {
  (void)state;
  snprintf(g_zHome, sizeof(g_zHome), "/tmp/airc-lock-XXXXXX");
  if(!mkdtemp(g_zHome)) return -1;
  char zRun[128];
  snprintf(zRun, sizeof(zRun), "%s/run", g_zHome);
  if(mkdir(zRun, 0700)) return -1;
  setenv("AIRC_HOME", g_zHome, 1);
  setenv("AIRC__CORE__RUN_FOLDER", zRun, 1);
  airc_err e = {0};
  return airc_config_load(&e) ? -1 : 0;
}

static int teardown(void **state) {
  (void)state;
  char z[256];
  snprintf(z, sizeof(z), "%s/run/tries.lock", g_zHome);
  unlink(z);
  snprintf(z, sizeof(z), "%s/run", g_zHome);
  rmdir(z);
  rmdir(g_zHome);
  airc_config_free();
  return 0;
}

/* A second take of a held try fails with EAGAIN; a different try of the
 * same task instance (whatever its number) or another task instance is
 * free. */
static void test_each_try_has_its_own_byte(void **state) {
  (void)state;
  int fd = exec_lock_take(5, 1);
  assert_true(fd >= 0);
  assert_true(exec_lock_is_held(5, 1));
  errno = 0;
  assert_int_equal(exec_lock_take(5, 1), -1);
  assert_int_equal(errno, EAGAIN);
  static const int aTry[] = {65, 129, 1 + 256, 1 + (1 << 20), 2147483647};
  for(size_t i = 0; i < sizeof(aTry) / sizeof(aTry[0]); i++) {
    if(exec_lock_is_held(5, aTry[i])) fail_msg("try %d of ti 5 looks held while only try 1 is", aTry[i]);
    int fd2 = exec_lock_take(5, aTry[i]);
    if(fd2 < 0) fail_msg("try %d of ti 5 refused while only try 1 is held: %s", aTry[i], strerror(errno));
    close(fd2);
  }
  /* other task instances stay free */
  static const int64_t aTi[][2] = {{4, 1}, {6, 1}, {0, 321}, {5 + (1 << 26), 1}};
  for(size_t i = 0; i < sizeof(aTi) / sizeof(aTi[0]); i++) {
    if(exec_lock_is_held(aTi[i][0], (int)aTi[i][1]))
      fail_msg("ti %lld try %d looks held", (long long)aTi[i][0], (int)aTi[i][1]);
  }
  close(fd);
  assert_false(exec_lock_is_held(5, 1));
}

/* Large task instance ids still map to a byte of their own. */
static void test_large_ids(void **state) {
  (void)state;
  int64_t ti = 2000000000;
  int fd = exec_lock_take(ti, 3);
  assert_true(fd >= 0);
  assert_true(exec_lock_is_held(ti, 3));
  assert_false(exec_lock_is_held(ti, 4));
  assert_false(exec_lock_is_held(ti + 1, 3));
  assert_false(exec_lock_is_held(ti - 1, 3));
  close(fd);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_each_try_has_its_own_byte),
      cmocka_unit_test(test_large_ids),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
