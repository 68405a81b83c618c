/* test_log_spare.c: unit tests of executor/log_spare.c (a try's log folder
 * and file made ahead by a warm supervisor, renamed into place): the log
 * gets the spares' very inodes with the usual modes, a folder or file that
 * is already there is used as before and the spare is dropped, nothing
 * is followed through a symlink, and the spares of dead supervisors are
 * swept while live ones stay; a chain's next link's log, made ahead at its
 * own path, is the log, or is removed unused while still empty. Each test works
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
#include "testutil.h"

static char g_zTmp[256];

static int tmp_setup(void **state) {
  (void)state;
  return testutil_tmpdir_make(g_zTmp, sizeof(g_zTmp), "spare");
}

static int tmp_teardown(void **state) {
  (void)state;
  return testutil_tmpdir_remove(g_zTmp);
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

/* a symlink at zLogRel (its folders made) pointing at zTargetRel */
static void plant_symlink(const char *zLogRel, const char *zTargetRel) {
  char zLog[400], zTarget[400];
  path(zLog, sizeof(zLog), zLogRel);
  path(zTarget, sizeof(zTarget), zTargetRel);
  char zCmd[1400];
  snprintf(zCmd, sizeof(zCmd), "mkdir -p \"$(dirname '%s')\" && ln -s '%s' '%s'", zLog, zTarget, zLog);
  assert_int_equal(system(zCmd), 0);
}

/* the run's first try: its run folder is missing too; the task folder and
 * the file are the spares themselves, 0700 and 0600 */
static void test_spares_become_the_log(void **state) {
  (void)state;
  log_spare sp;
  log_spare_make(&sp, g_zTmp);
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
  log_spare_make(&first, g_zTmp);
  int fd = log_spare_open(&first, zLog);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "one\n", 4), 4);
  close(fd);
  log_spare_drop(&first);

  log_spare sp;
  log_spare_make(&sp, g_zTmp);
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
  char zLog[400], zTarget[400];
  path(zLog, sizeof(zLog), "dag_id=d/run_id=r/task_id=s/attempt=1.log");
  path(zTarget, sizeof(zTarget), "elsewhere");
  plant_symlink("dag_id=d/run_id=r/task_id=s/attempt=1.log", "elsewhere");
  log_spare sp;
  log_spare_make(&sp, g_zTmp);
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
  log_spare_make(&mine, g_zTmp);
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
  log_spare_make(&sp, g_zTmp);
  assert_string_equal(sp.zDir, "");
  assert_string_equal(sp.zFile, "");
  assert_int_equal(log_spare_sweep(g_zTmp), 0);
  char zLog[400];
  path(zLog, sizeof(zLog), "dag_id=d/run_id=r/task_id=u/attempt=1.log");
  int fd = log_spare_open(&sp, zLog);
  assert_true(fd >= 0); /* the log itself is made as before */
  close(fd);
}

/* a chain's next link: its log is made ahead, empty, at its own path (and
 * its folder, 0700, when missing); the try's open gets that very
 * descriptor, with nothing renamed and nothing left in .spare */
static void test_log_made_ahead_is_the_log(void **state) {
  (void)state;
  char zLog[400], zTaskDir[400];
  path(zLog, sizeof(zLog), "dag_id=d/run_id=r/task_id=n/attempt=1.log");
  path(zTaskDir, sizeof(zTaskDir), "dag_id=d/run_id=r/task_id=n");
  log_spare sp = {{0}, {0}, -1, 0};
  log_spare_make_log(&sp, zLog);
  assert_int_equal(sp.bLog, 1);
  assert_true(sp.fdFile >= 0);
  assert_int_equal(mode_of(zTaskDir), 0700);
  assert_int_equal(mode_of(zLog), 0600);
  struct stat st;
  assert_int_equal(lstat(zLog, &st), 0);
  assert_int_equal(st.st_size, 0); /* empty: no proof that a try started */
  ino_t fileIno = inode_of(zLog);
  const int madeFd = sp.fdFile;
  int fd = log_spare_open(&sp, zLog);
  assert_int_equal(fd, madeFd);
  assert_true(fcntl(fd, F_GETFL) & O_APPEND);
  assert_int_equal(write(fd, "x\n", 2), 2);
  close(fd);
  assert_int_equal(inode_of(zLog), fileIno);
  assert_int_equal(sp.bLog, 0);
  assert_string_equal(sp.zFile, "");
  log_spare_drop(&sp); /* nothing left: a no-op */
  assert_int_equal(inode_of(zLog), fileIno);
  char zSpare[400];
  path(zSpare, sizeof(zSpare), ".spare");
  assert_int_equal(access(zSpare, F_OK), -1); /* never needed */
}

/* the try that came is another (its log another path): the log made ahead
 * is removed with its folder, never left as an empty log; a log that is
 * there already is neither replaced nor truncated (a retry appends) */
static void test_log_made_ahead_for_another_try_or_there_already(void **state) {
  (void)state;
  char zMade[400], zMadeDir[400], zOther[400];
  path(zMade, sizeof(zMade), "dag_id=d/run_id=r/task_id=m/attempt=1.log");
  path(zMadeDir, sizeof(zMadeDir), "dag_id=d/run_id=r/task_id=m");
  path(zOther, sizeof(zOther), "dag_id=d/run_id=r/task_id=o/attempt=1.log");
  log_spare sp = {{0}, {0}, -1, 0};
  log_spare_make_log(&sp, zMade);
  assert_int_equal(sp.bLog, 1);
  int fd = log_spare_open(&sp, zOther);
  assert_true(fd >= 0);
  close(fd);
  assert_int_equal(access(zMade, F_OK), -1);
  assert_int_equal(access(zMadeDir, F_OK), -1);
  assert_int_equal(mode_of(zOther), 0600);

  log_spare re = {{0}, {0}, -1, 0};
  log_spare_make_log(&re, zOther); /* there: one line in it */
  assert_int_equal(re.bLog, 0);
  assert_int_equal(re.fdFile, -1);
  fd = open(zOther, O_WRONLY | O_APPEND);
  assert_int_equal(write(fd, "one\n", 4), 4);
  close(fd);
  fd = log_spare_open(&re, zOther);
  assert_int_equal(write(fd, "two\n", 4), 4);
  close(fd);
  char zBuf[32] = {0};
  fd = open(zOther, O_RDONLY);
  assert_int_equal(read(fd, zBuf, sizeof(zBuf) - 1), 8);
  close(fd);
  assert_string_equal(zBuf, "one\ntwo\n");
}

/* a log made ahead and not used is dropped only while it is the empty
 * file made: one a try of that name wrote to meanwhile (started by
 * someone else) stays, and so does its folder */
static void test_drop_keeps_a_log_someone_wrote(void **state) {
  (void)state;
  char zLog[400], zDir[400];
  path(zLog, sizeof(zLog), "dag_id=d/run_id=r/task_id=w/attempt=1.log");
  path(zDir, sizeof(zDir), "dag_id=d/run_id=r/task_id=w");
  log_spare sp = {{0}, {0}, -1, 0};
  log_spare_make_log(&sp, zLog);
  int fd = open(zLog, O_WRONLY | O_APPEND);
  assert_int_equal(write(fd, "started\n", 8), 8);
  close(fd);
  log_spare_drop(&sp);
  assert_int_equal(access(zLog, F_OK), 0);
  assert_int_equal(sp.fdFile, -1);

  log_spare empty = {{0}, {0}, -1, 0};
  char zLog2[400];
  path(zLog2, sizeof(zLog2), "dag_id=d/run_id=r/task_id=w/attempt=2.log");
  log_spare_make_log(&empty, zLog2);
  assert_int_equal(empty.bLog, 1);
  log_spare_drop(&empty);
  assert_int_equal(access(zLog2, F_OK), -1);
  assert_int_equal(access(zDir, F_OK), 0); /* attempt=1.log is in it */
}

/* a symlink where a chain's next log goes is not followed: nothing is
 * made, and the try's own open refuses it (ELOOP) */
static void test_log_made_ahead_refuses_a_symlink(void **state) {
  (void)state;
  char zLog[400], zTarget[400];
  path(zLog, sizeof(zLog), "dag_id=d/run_id=r/task_id=y/attempt=1.log");
  path(zTarget, sizeof(zTarget), "elsewhere");
  plant_symlink("dag_id=d/run_id=r/task_id=y/attempt=1.log", "elsewhere");
  log_spare sp = {{0}, {0}, -1, 0};
  log_spare_make_log(&sp, zLog);
  assert_int_equal(sp.bLog, 0);
  assert_int_equal(access(zTarget, F_OK), -1);
  errno = 0;
  assert_int_equal(log_spare_open(&sp, zLog), -1);
  assert_int_equal(errno, ELOOP);
  assert_int_equal(access(zTarget, F_OK), -1);
}

/* a spare folder left with a file inside (an older build named the next
 * log there) is swept whole once its supervisor is gone */
static void test_sweep_takes_a_folder_with_its_file(void **state) {
  (void)state;
  pid_t dead = fork();
  if(dead == 0) _exit(0);
  assert_true(dead > 0);
  waitpid(dead, NULL, 0);
  log_spare mine;
  log_spare_make(&mine, g_zTmp); /* makes .spare */
  char zDeadDir[400], zInside[500];
  snprintf(zDeadDir, sizeof(zDeadDir), "%s/.spare/%d.d", g_zTmp, (int)dead);
  snprintf(zInside, sizeof(zInside), "%s/attempt=1.log", zDeadDir);
  assert_int_equal(mkdir(zDeadDir, 0700), 0);
  int fd = open(zInside, O_CREAT | O_WRONLY, 0600);
  assert_true(fd >= 0);
  close(fd);
  assert_int_equal(log_spare_sweep(g_zTmp), 1);
  assert_int_equal(access(zDeadDir, F_OK), -1);
  log_spare_drop(&mine);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_spares_become_the_log, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_existing_folder_and_file_are_kept, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_symlink_log_refused, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_without_spares, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_sweep_dead_only, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_open_spare_folder_refused, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_log_made_ahead_is_the_log, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_log_made_ahead_for_another_try_or_there_already, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_drop_keeps_a_log_someone_wrote, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_log_made_ahead_refuses_a_symlink, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_sweep_takes_a_folder_with_its_file, tmp_setup, tmp_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
