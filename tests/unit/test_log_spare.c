/* test_log_spare.c: unit tests of executor/log_spare.c (a try's log folder
 * and file made ahead by a warm supervisor, renamed into place): the log
 * gets the spares' very inodes with the usual modes, a folder or file that
 * is already there is used as before and the spare is dropped, nothing
 * is followed through a symlink, and the spares of dead supervisors are
 * swept while live ones stay; a chain's next link's file, made inside its
 * folder under the log's name, comes in with the folder. Each test works
 * in its own folder under /tmp. */
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
#include "executor/log_spare.h"

static char g_zTmp[256];

static int tmp_setup(void **state) {
  (void)state;
  snprintf(g_zTmp, sizeof(g_zTmp), "/tmp/airc-test-spare-XXXXXX");
  return mkdtemp(g_zTmp) ? 0 : -1;
}

static int tmp_teardown(void **state) {
  (void)state;
  char zCmd[400];
  snprintf(zCmd, sizeof(zCmd), "rm -rf '%s'", g_zTmp);
  return system(zCmd) == 0 ? 0 : -1;
}

static ino_t inode_of(const char *zPath) {
  struct stat st;
  return lstat(zPath, &st) ? 0 : st.st_ino;
}

static unsigned mode_of(const char *zPath) {
  struct stat st;
  return lstat(zPath, &st) ? 0 : (unsigned)(st.st_mode & 07777);
}

static void path(char *z, size_t n, const char *zRel) { snprintf(z, n, "%s/%s", g_zTmp, zRel); }

/* the run's first try: its run folder is missing too; the task folder and
 * the file are the spares themselves, 0700 and 0600 */
static void test_spares_become_the_log(void **state) {
  (void)state;
  log_spare sp;
  log_spare_make(&sp, g_zTmp, NULL);
  assert_true(sp.zDir[0] && sp.zFile[0]);
  assert_int_equal(mode_of(sp.zDir), 0700);
  assert_int_equal(mode_of(sp.zFile), 0600);
  char zSpareDir[300];
  path(zSpareDir, sizeof(zSpareDir), ".spare");
  assert_int_equal(mode_of(zSpareDir), 0700);
  ino_t dirIno = inode_of(sp.zDir), fileIno = inode_of(sp.zFile);
  char zLog[400], zTaskDir[400];
  path(zLog, sizeof(zLog), "dag_id=d/run_id=r/task_id=t/attempt=1.log");
  path(zTaskDir, sizeof(zTaskDir), "dag_id=d/run_id=r/task_id=t");
  assert_true(sp.fdFile >= 0); /* made open, so that the try opens nothing */
  const int spareFd = sp.fdFile;
  int fd = log_spare_open(&sp, zLog);
  assert_true(fd >= 0);
  assert_int_equal(fd, spareFd);
  assert_int_equal(sp.fdFile, -1); /* the caller's now */
  assert_true(fcntl(fd, F_GETFL) & O_APPEND);
  assert_int_equal(write(fd, "x\n", 2), 2);
  close(fd);
  assert_int_equal(inode_of(zTaskDir), dirIno);
  assert_int_equal(inode_of(zLog), fileIno);
  assert_int_equal(mode_of(zTaskDir), 0700);
  assert_int_equal(mode_of(zLog), 0600);
  assert_string_equal(sp.zDir, ""); /* used: nothing left to drop */
  assert_string_equal(sp.zFile, "");
}

/* a retry: the task folder exists; the file is the spare, the folder spare
 * stays until dropped; an existing file is appended to, not replaced */
static void test_existing_folder_and_file_are_kept(void **state) {
  (void)state;
  char zLog[400], zDir[400];
  path(zDir, sizeof(zDir), "dag_id=d/run_id=r/task_id=t");
  path(zLog, sizeof(zLog), "dag_id=d/run_id=r/task_id=t/attempt=2.log");
  log_spare first;
  log_spare_make(&first, g_zTmp, NULL);
  int fd = log_spare_open(&first, zLog);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "one\n", 4), 4);
  close(fd);
  log_spare_drop(&first);

  log_spare sp;
  log_spare_make(&sp, g_zTmp, NULL);
  char zKeptDir[LOG_SPARE_PATH_MAX], zKeptFile[LOG_SPARE_PATH_MAX];
  snprintf(zKeptDir, sizeof(zKeptDir), "%s", sp.zDir);
  snprintf(zKeptFile, sizeof(zKeptFile), "%s", sp.zFile);
  ino_t dirIno = inode_of(zDir);
  fd = log_spare_open(&sp, zLog);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "two\n", 4), 4);
  close(fd);
  assert_int_equal(inode_of(zDir), dirIno);
  char zBuf[32] = {0};
  fd = open(zLog, O_RDONLY);
  assert_int_equal(read(fd, zBuf, sizeof(zBuf) - 1), 8);
  close(fd);
  assert_string_equal(zBuf, "one\ntwo\n");
  assert_string_equal(sp.zDir, zKeptDir); /* not used, still ours */
  assert_string_equal(sp.zFile, zKeptFile);
  log_spare_drop(&sp);
  assert_int_equal(access(zKeptDir, F_OK), -1);
  assert_int_equal(access(zKeptFile, F_OK), -1);
}

/* a symlink where the log goes is refused as before (ELOOP), never
 * followed, and the spare file is not renamed over it */
static void test_symlink_log_refused(void **state) {
  (void)state;
  char zDir[400], zLog[400], zTarget[400];
  path(zDir, sizeof(zDir), "dag_id=d/run_id=r/task_id=s");
  path(zLog, sizeof(zLog), "dag_id=d/run_id=r/task_id=s/attempt=1.log");
  path(zTarget, sizeof(zTarget), "elsewhere");
  char zCmd[1400];
  snprintf(zCmd, sizeof(zCmd), "mkdir -p '%s' && ln -s '%s' '%s'", zDir, zTarget, zLog);
  assert_int_equal(system(zCmd), 0);
  log_spare sp;
  log_spare_make(&sp, g_zTmp, NULL);
  errno = 0;
  assert_int_equal(log_spare_open(&sp, zLog), -1);
  assert_int_equal(errno, ELOOP);
  assert_int_equal(access(zTarget, F_OK), -1);
  assert_true(sp.zFile[0] != 0);
  log_spare_drop(&sp);
}

/* no spare (a supervisor started on its own): created as before */
static void test_without_spares(void **state) {
  (void)state;
  char zLog[400];
  path(zLog, sizeof(zLog), "dag_id=e/run_id=r/task_id=t/map_index=3/attempt=1.log");
  int fd = log_spare_open(NULL, zLog);
  assert_true(fd >= 0);
  close(fd);
  assert_int_equal(mode_of(zLog), 0600);
}

/* spares named by a pid that is gone are swept; ours stay */
static void test_sweep_dead_only(void **state) {
  (void)state;
  pid_t dead = fork();
  if(dead == 0) _exit(0);
  assert_true(dead > 0);
  waitpid(dead, NULL, 0);
  char zDeadDir[400], zDeadFile[400], zOther[400];
  snprintf(zDeadDir, sizeof(zDeadDir), "%s/.spare/%d.d", g_zTmp, (int)dead);
  snprintf(zDeadFile, sizeof(zDeadFile), "%s/.spare/%d.f", g_zTmp, (int)dead);
  snprintf(zOther, sizeof(zOther), "%s/.spare/notes.txt", g_zTmp);
  log_spare mine;
  log_spare_make(&mine, g_zTmp, NULL);
  assert_int_equal(mkdir(zDeadDir, 0700), 0);
  int fd = open(zDeadFile, O_CREAT | O_WRONLY, 0600);
  assert_true(fd >= 0);
  close(fd);
  fd = open(zOther, O_CREAT | O_WRONLY, 0600);
  close(fd);
  assert_int_equal(log_spare_sweep(g_zTmp), 2);
  assert_int_equal(access(zDeadDir, F_OK), -1);
  assert_int_equal(access(zDeadFile, F_OK), -1);
  assert_int_equal(access(zOther, F_OK), 0); /* not a spare's name: left alone */
  assert_int_equal(access(mine.zDir, F_OK), 0);
  assert_int_equal(access(mine.zFile, F_OK), 0);
  log_spare_drop(&mine);
}

/* a spare folder someone else could write in is not used (and not swept) */
static void test_open_spare_folder_refused(void **state) {
  (void)state;
  char zSpare[400];
  path(zSpare, sizeof(zSpare), ".spare");
  assert_int_equal(mkdir(zSpare, 0700), 0);
  assert_int_equal(chmod(zSpare, 0777), 0);
  log_spare sp;
  log_spare_make(&sp, g_zTmp, NULL);
  assert_string_equal(sp.zDir, "");
  assert_string_equal(sp.zFile, "");
  assert_int_equal(log_spare_sweep(g_zTmp), 0);
  char zLog[400];
  path(zLog, sizeof(zLog), "dag_id=d/run_id=r/task_id=u/attempt=1.log");
  int fd = log_spare_open(&sp, zLog);
  assert_true(fd >= 0); /* the log itself is made as before */
  close(fd);
}

/* a chain's next link: the file made inside the spare folder under the
 * log's name comes into place with the folder (one rename), the very inode
 * the spare's descriptor holds */
static void test_named_spare_moves_in_with_its_folder(void **state) {
  (void)state;
  log_spare sp;
  log_spare_make(&sp, g_zTmp, "attempt=1.log");
  assert_int_equal(sp.bInside, 1);
  assert_int_equal(strncmp(sp.zFile, sp.zDir, strlen(sp.zDir)), 0); /* inside it */
  ino_t dirIno = inode_of(sp.zDir), fileIno = inode_of(sp.zFile);
  const int spareFd = sp.fdFile;
  char zLog[400], zTaskDir[400];
  path(zLog, sizeof(zLog), "dag_id=d/run_id=r/task_id=n/attempt=1.log");
  path(zTaskDir, sizeof(zTaskDir), "dag_id=d/run_id=r/task_id=n");
  int fd = log_spare_open(&sp, zLog);
  assert_int_equal(fd, spareFd);
  assert_int_equal(write(fd, "x\n", 2), 2);
  close(fd);
  assert_int_equal(inode_of(zTaskDir), dirIno);
  assert_int_equal(inode_of(zLog), fileIno);
  assert_int_equal(mode_of(zLog), 0600);
  assert_string_equal(sp.zDir, "");
  assert_string_equal(sp.zFile, "");
  log_spare_drop(&sp); /* nothing left: a no-op */
  assert_int_equal(inode_of(zLog), fileIno);
}

/* the try that came is not the one foreseen (another log name): the named
 * spare file is removed, never carried into the log's folder; and when the
 * log's folder exists (a retry) the named file is renamed out of the spare
 * folder, which stays for the next try */
static void test_named_spare_of_another_name_or_a_retry(void **state) {
  (void)state;
  log_spare sp;
  log_spare_make(&sp, g_zTmp, "attempt=1.log");
  char zSpareFile[LOG_SPARE_PATH_MAX];
  snprintf(zSpareFile, sizeof(zSpareFile), "%s", sp.zFile);
  char zLog[400], zStray[400];
  path(zLog, sizeof(zLog), "dag_id=d/run_id=r/task_id=m/attempt=2.log");
  path(zStray, sizeof(zStray), "dag_id=d/run_id=r/task_id=m/attempt=1.log");
  int fd = log_spare_open(&sp, zLog);
  assert_true(fd >= 0);
  close(fd);
  assert_int_equal(access(zStray, F_OK), -1); /* no stray file in the log folder */
  assert_int_equal(access(zSpareFile, F_OK), -1);
  assert_int_equal(mode_of(zLog), 0600);
  log_spare_drop(&sp);

  log_spare re;
  log_spare_make(&re, g_zTmp, "attempt=3.log");
  char zKeptDir[LOG_SPARE_PATH_MAX];
  snprintf(zKeptDir, sizeof(zKeptDir), "%s", re.zDir);
  ino_t fileIno = inode_of(re.zFile);
  char zLog3[400];
  path(zLog3, sizeof(zLog3), "dag_id=d/run_id=r/task_id=m/attempt=3.log");
  fd = log_spare_open(&re, zLog3);
  assert_true(fd >= 0);
  close(fd);
  assert_int_equal(inode_of(zLog3), fileIno);
  assert_string_equal(re.zDir, zKeptDir); /* the folder existed: the spare stays ours */
  log_spare_drop(&re);
  assert_int_equal(access(zKeptDir, F_OK), -1);
}

/* a dead supervisor's spare folder with its named file inside is swept
 * whole, and a new spare under a reused pid replaces it */
static void test_sweep_takes_a_folder_with_its_file(void **state) {
  (void)state;
  pid_t dead = fork();
  if(dead == 0) {
    log_spare sp;
    log_spare_make(&sp, g_zTmp, "attempt=1.log");
    _exit(sp.bInside ? 0 : 1); /* killed before it could drop them */
  }
  int status = 0;
  assert_int_equal(waitpid(dead, &status, 0), dead);
  assert_int_equal(WEXITSTATUS(status), 0);
  char zDeadDir[400];
  snprintf(zDeadDir, sizeof(zDeadDir), "%s/.spare/%d.d", g_zTmp, (int)dead);
  assert_int_equal(access(zDeadDir, F_OK), 0);
  assert_int_equal(log_spare_sweep(g_zTmp), 1);
  assert_int_equal(access(zDeadDir, F_OK), -1);
  /* our own leftover (as a reused pid would find it): replaced */
  log_spare a, b;
  log_spare_make(&a, g_zTmp, "attempt=1.log");
  close(a.fdFile);
  log_spare_make(&b, g_zTmp, "attempt=2.log");
  assert_string_equal(b.zDir, a.zDir);
  assert_int_equal(access(a.zFile, F_OK), -1);
  assert_int_equal(access(b.zFile, F_OK), 0);
  log_spare_drop(&b);
  assert_int_equal(access(b.zDir, F_OK), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_spares_become_the_log, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_existing_folder_and_file_are_kept, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_symlink_log_refused, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_without_spares, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_sweep_dead_only, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_open_spare_folder_refused, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_named_spare_moves_in_with_its_folder, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_named_spare_of_another_name_or_a_retry, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_sweep_takes_a_folder_with_its_file, tmp_setup, tmp_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
