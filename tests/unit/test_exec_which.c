/* test_exec_which.c: unit tests of executor/exec_which.c (a program's PATH
 * folder, remembered for a moment): the lookup picks what execvp would
 * (the first folder with a regular file we may execute, past folders,
 * non-executables and misses), refuses relative folders; and an exec
 * through it runs the program found, runs what execvp decides once the
 * remembered file is gone, and reports execvp's errno for a name nowhere.
 * Each test works in its own folder under /tmp. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "executor/exec_which.h"
#include "testutil.h"

static char g_zTmp[256];

static int tmp_setup(void **state) {
  (void)state;
  return testutil_tmpdir_make(g_zTmp, sizeof(g_zTmp), "which");
}

static int tmp_teardown(void **state) {
  (void)state;
  return testutil_tmpdir_remove(g_zTmp);
}

/* zRel under g_zTmp: a script printing zSays, mode mode */
static void script(const char *zRel, const char *zSays, mode_t mode) {
  char z[600];
  snprintf(z, sizeof(z), "%s/%s", g_zTmp, zRel);
  char zDir[600];
  snprintf(zDir, sizeof(zDir), "%s", z);
  for(char *c = zDir + strlen(g_zTmp) + 1; (c = strchr(c, '/')); c++) { /* its folders */
    *c = 0;
    mkdir(zDir, 0700);
    *c = '/';
  }
  FILE *f = fopen(z, "w");
  assert_non_null(f);
  fprintf(f, "#!/bin/sh\necho %s\n", zSays);
  fclose(f);
  assert_int_equal(chmod(z, mode), 0);
}

static void test_finds_what_execvp_would(void **state) {
  (void)state;
  char zPath[1400], zOut[1024], zWant[600];
  script("a/prog", "a", 0600);   /* not executable: passed over */
  script("b/prog/x", "dir", 0700); /* b/prog is a folder: passed over */
  script("c/prog", "c", 0700);
  script("d/prog", "d", 0700);   /* later: never reached */
  snprintf(zPath, sizeof(zPath), "%s/none:%s/a:%s/b:%s/c:%s/d", g_zTmp, g_zTmp, g_zTmp, g_zTmp, g_zTmp);
  assert_int_equal(exec_which_find("prog", zPath, zOut, sizeof(zOut)), 0);
  snprintf(zWant, sizeof(zWant), "%s/c/prog", g_zTmp);
  assert_string_equal(zOut, zWant);
  assert_int_equal(exec_which_find("missing", zPath, zOut, sizeof(zOut)), -1);
  assert_int_equal(exec_which_find("a/prog", zPath, zOut, sizeof(zOut)), -1); /* a slash: not ours */
  /* a relative folder before it: execvp looks in the task's folder there */
  char zRel[1400];
  snprintf(zRel, sizeof(zRel), "%s/a::%s/c", g_zTmp, g_zTmp);
  assert_int_equal(exec_which_find("prog", zRel, zOut, sizeof(zOut)), -1);
  snprintf(zRel, sizeof(zRel), ".:%s/c", g_zTmp);
  assert_int_equal(exec_which_find("prog", zRel, zOut, sizeof(zOut)), -1);
}

/* runs exec_which_exec("prog") in a child with PATH zPath twice in this
 * process's memory, as a pool member's tries do: the first remembers, the
 * second uses (or finds the file gone); returns what the second printed */
static void exec_in_child(const char *zPath, char *zOut, size_t nOut, int *pExit) {
  int aPipe[2];
  assert_int_equal(pipe(aPipe), 0);
  /* set here, not in the child: a vfork()ed child's setenv is ours too */
  char *zSaved = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
  setenv("PATH", zPath, 1);
  pid_t pid = vfork();
  if(pid == 0) {
    dup2(aPipe[1], 1);
    char *azArgv[] = {"prog", NULL};
    exec_which_exec("prog", azArgv);
    _exit(errno == ENOENT ? 42 : 43);
  }
  setenv("PATH", zSaved, 1);
  free(zSaved);
  close(aPipe[1]);
  ssize_t n = read(aPipe[0], zOut, nOut - 1);
  zOut[n > 0 ? n : 0] = 0;
  close(aPipe[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  *pExit = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_exec_remembers_and_falls_back(void **state) {
  (void)state;
  char zPath[1400], zOut[64];
  int code = -1;
  script("x/prog", "x", 0700);
  script("y/prog", "y", 0700);
  char zW[600];
  snprintf(zW, sizeof(zW), "%s/w", g_zTmp);
  assert_int_equal(mkdir(zW, 0700), 0);
  snprintf(zPath, sizeof(zPath), "%s/w:%s/x:%s/y", g_zTmp, g_zTmp, g_zTmp);
  exec_in_child(zPath, zOut, sizeof(zOut), &code);
  assert_string_equal(zOut, "x\n");
  assert_int_equal(code, 0);
  /* remembered in our memory (the child was vfork()ed): a program put
   * into an earlier folder since is not seen yet (EXEC_WHICH_TTL_US) */
  script("w/prog", "w", 0700);
  exec_in_child(zPath, zOut, sizeof(zOut), &code);
  assert_string_equal(zOut, "x\n");
  /* the file it remembers is gone: execvp decides (the earlier one) */
  char zX[600];
  snprintf(zX, sizeof(zX), "%s/x/prog", g_zTmp);
  assert_int_equal(unlink(zX), 0);
  exec_in_child(zPath, zOut, sizeof(zOut), &code);
  assert_string_equal(zOut, "w\n");
  assert_int_equal(code, 0);
  /* nowhere: execvp's own error */
  char zNone[600];
  snprintf(zNone, sizeof(zNone), "%s/none", g_zTmp);
  exec_in_child(zNone, zOut, sizeof(zOut), &code);
  assert_string_equal(zOut, "");
  assert_int_equal(code, 42);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_finds_what_execvp_would, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_exec_remembers_and_falls_back, tmp_setup, tmp_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
