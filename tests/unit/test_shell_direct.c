/* test_shell_direct.c: shell_direct_split(), the test of whether a shell
 * task's command runs without /bin/sh: plain words split, every piece of
 * shell syntax, assignments, keywords and shell-only builtins refused, the
 * caps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "executor/shell_direct.h"

static int split(const char *zCmd, char **azArgv) {
  static char zBuf[SHELL_DIRECT_CMD_MAX];
  return shell_direct_split(zCmd, zBuf, sizeof(zBuf), azArgv, SHELL_DIRECT_WORDS_MAX + 1);
}

static void test_plain_words_split(void **state) {
  (void)state;
  char *az[SHELL_DIRECT_WORDS_MAX + 1];
  assert_int_equal(split("true", az), 1);
  assert_string_equal(az[0], "true");
  assert_null(az[1]);
  assert_int_equal(split("  python3\t/opt/jobs/load.py --date=2024-01-01 -v  a,b:c+d@e%f ", az), 5);
  assert_string_equal(az[0], "python3");
  assert_string_equal(az[1], "/opt/jobs/load.py");
  assert_string_equal(az[2], "--date=2024-01-01");
  assert_string_equal(az[3], "-v");
  assert_string_equal(az[4], "a,b:c+d@e%f");
  assert_null(az[5]);
  assert_int_equal(split("./run.sh", az), 1);
  assert_int_equal(split("false", az), 1); /* /usr/bin/false does what the builtin does */
}

static void test_shell_syntax_needs_the_shell(void **state) {
  (void)state;
  static const char *const azSyntax[] = {
      "echo 'a b'", "cat \"f\"", "ls \\x", "echo $HOME", "echo `id`", "ls *.c", "ls a?", "ls [ab]",
      "ls ~/x", "true # note", "true > f", "cat < f", "a | b", "a; b", "a && b", "a &", "(a)", "{ a; }",
      "a\nb", "a\rb", "ls caf\xc3\xa9", "ls a!b", "ls a^b", "", "   \t ", NULL};
  char *az[SHELL_DIRECT_WORDS_MAX + 1];
  for(int i = 0; azSyntax[i]; i++) {
    if(split(azSyntax[i], az)) fail_msg("\"%s\" was split, needs /bin/sh", azSyntax[i]);
  }
}

static void test_assignments_keywords_and_builtins_need_the_shell(void **state) {
  (void)state;
  static const char *const azFirst[] = {
      "FOO=1 true", "A=b", "cd /tmp", "exit 3", "export X", "echo hi", "printf x", "kill 1", "pwd", "test -f x",
      "if", "while", "for", "case", ".", ":", "exec true", "eval x", "set -e", "ulimit -n", "umask 077",
      "wait", "trap x INT", "command -v x", "read x", NULL};
  char *az[SHELL_DIRECT_WORDS_MAX + 1];
  for(int i = 0; azFirst[i]; i++) {
    if(split(azFirst[i], az)) fail_msg("\"%s\" was split, needs /bin/sh", azFirst[i]);
  }
  /* a builtin's name later in the line is a plain argument */
  assert_int_equal(split("nice -n 5 env exit", az), 5);
  assert_int_equal(split("env FOO=1 true", az), 3);
}

static void test_caps(void **state) {
  (void)state;
  char *az[4];
  char zBuf[16];
  assert_int_equal(shell_direct_split("a b c", zBuf, sizeof(zBuf), az, 4), 3);
  assert_null(az[3]);
  assert_int_equal(shell_direct_split("a b c d", zBuf, sizeof(zBuf), az, 4), 0);  /* one word too many */
  assert_int_equal(shell_direct_split("aaaaaaaaaaaaaaa", zBuf, sizeof(zBuf), az, 4), 1); /* 15 + NUL fits */
  assert_int_equal(shell_direct_split("aaaaaaaaaaaaaaaa", zBuf, sizeof(zBuf), az, 4), 0); /* 16 + NUL does not */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plain_words_split),
      cmocka_unit_test(test_shell_syntax_needs_the_shell),
      cmocka_unit_test(test_assignments_keywords_and_builtins_need_the_shell),
      cmocka_unit_test(test_caps),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
