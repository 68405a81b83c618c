/* test_fsafe.c: unit tests of common/fsafe.c (private folders refused
 * unless a 0700 directory of ours, files never opened through a symlink),
 * the result and XCom writers that use it, and common/wake.c (the doorbell:
 * a taken name is replaced by a fresh one, another uid's datagrams are
 * dropped). Each test works in its own folder under /tmp. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common/config.h"
#include "common/fsafe.h"
#include "common/wake.h"
#include "executor/exec_result.h"
#include "executor/task_type.h"
#include "testutil.h"

static char g_zTmp[256];

static int tmp_setup(void **state) {
  (void)state;
  snprintf(g_zTmp, sizeof(g_zTmp), "/tmp/airc-test-fsafe-XXXXXX");
  if(!mkdtemp(g_zTmp)) return -1;
  return 0;
}

static int tmp_teardown(void **state) {
  (void)state;
  char zCmd[400];
  snprintf(zCmd, sizeof(zCmd), "rm -rf '%s'", g_zTmp);
  return system(zCmd) == 0 ? 0 : -1;
}

static void write_text(const char *zPath, const char *z) {
  FILE *f = fopen(zPath, "w");
  assert_non_null(f);
  fputs(z, f);
  fclose(f);
}

static void assert_file_text(const char *zPath, const char *zWant) {
  char *z = testutil_read_file(zPath, NULL);
  assert_non_null(z);
  assert_string_equal(z, zWant);
  free(z);
}

static void test_private_dir_created_0700(void **state) {
  (void)state;
  char zDir[400];
  snprintf(zDir, sizeof(zDir), "%s/a/b/run", g_zTmp);
  umask(022); /* the folder's mode must not depend on the caller's umask */
  airc_err err = {0};
  assert_int_equal(fsafe_private_dir(zDir, "run folder", &err), AIRC_OK);
  struct stat st;
  assert_int_equal(lstat(zDir, &st), 0);
  assert_true(S_ISDIR(st.st_mode));
  assert_int_equal(st.st_mode & 07777, 0700);
  /* a second check of the same folder passes */
  assert_int_equal(fsafe_private_dir(zDir, "run folder", &err), AIRC_OK);
}

/* mkdir -p: missing parents are made 0700, an existing folder is fine,
 * a file in the way is an error */
static void test_mkdirs_parents_existing_and_file_in_the_way(void **state) {
  (void)state;
  char zDir[400], zFile[400];
  snprintf(zDir, sizeof(zDir), "%s/x/y/z", g_zTmp);
  umask(022);
  assert_int_equal(fsafe_mkdirs(zDir), 0);
  struct stat st;
  assert_int_equal(lstat(zDir, &st), 0);
  assert_true(S_ISDIR(st.st_mode));
  snprintf(zFile, sizeof(zFile), "%s/x/y", g_zTmp);
  assert_int_equal(lstat(zFile, &st), 0);
  assert_int_equal(st.st_mode & 07777, 0700);
  assert_int_equal(fsafe_mkdirs(zDir), 0); /* again: already there */
  snprintf(zDir, sizeof(zDir), "%s/x/y/w", g_zTmp); /* parent there: one mkdir */
  assert_int_equal(fsafe_mkdirs(zDir), 0);
  assert_int_equal(lstat(zDir, &st), 0);
  snprintf(zFile, sizeof(zFile), "%s/f", g_zTmp);
  write_text(zFile, "x");
  snprintf(zDir, sizeof(zDir), "%s/f/sub/dir", g_zTmp);
  errno = 0;
  assert_int_equal(fsafe_mkdirs(zDir), -1);
  assert_int_equal(errno, ENOTDIR);
}

static void test_private_dir_refuses_open_mode(void **state) {
  (void)state;
  char zDir[400], zWant[800];
  snprintf(zDir, sizeof(zDir), "%s/run", g_zTmp);
  assert_int_equal(mkdir(zDir, 0700), 0);
  assert_int_equal(chmod(zDir, 0755), 0);
  airc_err err = {0};
  assert_int_equal(fsafe_private_dir(zDir, "run folder", &err), AIRC_ERR_STATE);
  snprintf(zWant, sizeof(zWant),
           "run folder %s: has mode 0755 (group or others can use it); remove it or chmod 700 it", zDir);
  assert_string_equal(airc_err_msg(&err), zWant);
  /* it was not "fixed" behind the user's back */
  struct stat st;
  assert_int_equal(lstat(zDir, &st), 0);
  assert_int_equal(st.st_mode & 07777, 0755);
}

static void test_private_dir_refuses_symlink(void **state) {
  (void)state;
  char zDir[400], zTarget[400], zWant[800];
  snprintf(zTarget, sizeof(zTarget), "%s/elsewhere", g_zTmp);
  snprintf(zDir, sizeof(zDir), "%s/run", g_zTmp);
  assert_int_equal(mkdir(zTarget, 0700), 0); /* even a 0700 folder of ours, behind a link */
  assert_int_equal(symlink(zTarget, zDir), 0);
  airc_err err = {0};
  assert_int_equal(fsafe_private_dir(zDir, "run folder", &err), AIRC_ERR_STATE);
  snprintf(zWant, sizeof(zWant), "run folder %s: is a symbolic link, not a folder of yours; remove it", zDir);
  assert_string_equal(airc_err_msg(&err), zWant);
  assert_false(fsafe_dir_is_private(zDir));
}

static void test_private_dir_refuses_other_owner(void **state) {
  (void)state;
  if(getuid() != 0) skip(); /* only root can make a folder someone else owns */
  char zDir[400], zWant[800];
  snprintf(zDir, sizeof(zDir), "%s/run", g_zTmp);
  assert_int_equal(mkdir(zDir, 0700), 0);
  assert_int_equal(chown(zDir, 65534, 65534), 0);
  airc_err err = {0};
  assert_int_equal(fsafe_private_dir(zDir, "run folder", &err), AIRC_ERR_STATE);
  snprintf(zWant, sizeof(zWant), "run folder %s: is owned by uid 65534, not by you (uid 0); remove it", zDir);
  assert_string_equal(airc_err_msg(&err), zWant);
}

static void test_private_dir_refuses_file(void **state) {
  (void)state;
  char zDir[400], zWant[800];
  snprintf(zDir, sizeof(zDir), "%s/run", g_zTmp);
  write_text(zDir, "x");
  airc_err err = {0};
  assert_int_equal(fsafe_private_dir(zDir, "run folder", &err), AIRC_ERR_STATE);
  snprintf(zWant, sizeof(zWant), "run folder %s: is not a folder; remove it", zDir);
  assert_string_equal(airc_err_msg(&err), zWant);
}

/* A symlink planted where a fresh file goes is replaced, not followed. */
static void test_create_does_not_follow_symlink(void **state) {
  (void)state;
  char zVictim[400], zPath[400];
  snprintf(zVictim, sizeof(zVictim), "%s/victim", g_zTmp);
  snprintf(zPath, sizeof(zPath), "%s/file", g_zTmp);
  write_text(zVictim, "precious");
  assert_int_equal(symlink(zVictim, zPath), 0);
  umask(022);
  int fd = fsafe_create(zPath);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "new", 3), 3);
  close(fd);
  assert_file_text(zVictim, "precious");
  assert_file_text(zPath, "new");
  struct stat st;
  assert_int_equal(lstat(zPath, &st), 0);
  assert_true(S_ISREG(st.st_mode));
  assert_int_equal(st.st_mode & 07777, 0600);
  /* and fsafe_open refuses to read through one */
  assert_int_equal(unlink(zPath), 0);
  assert_int_equal(symlink(zVictim, zPath), 0);
  assert_int_equal(fsafe_open(zPath, O_RDONLY), -1);
  assert_int_equal(errno, ELOOP);
}

/* exec_result_write()'s temp file and final name, and exec_result_read(),
 * with symlinks planted at both names. */
static void test_result_file_symlinks(void **state) {
  (void)state;
  char zVictim[400], zPath[400], zTmp[420];
  snprintf(zVictim, sizeof(zVictim), "%s/victim", g_zTmp);
  snprintf(zPath, sizeof(zPath), "%s/7-1.json", g_zTmp);
  snprintf(zTmp, sizeof(zTmp), "%s.tmp", zPath);
  write_text(zVictim, "{\"state\": \"success\", \"ti_id\": 7, \"try_number\": 1}");
  assert_int_equal(symlink(zVictim, zTmp), 0);
  exec_result r;
  memset(&r, 0, sizeof(r));
  r.tiId = 7;
  r.tryNumber = 1;
  r.outcome = EXEC_OUTCOME_FAILED;
  snprintf(r.zReason, sizeof(r.zReason), "boom");
  airc_err err = {0};
  assert_int_equal(exec_result_write(&r, zPath, &err), AIRC_OK);
  assert_file_text(zVictim, "{\"state\": \"success\", \"ti_id\": 7, \"try_number\": 1}");
  exec_result back;
  assert_int_equal(exec_result_read(zPath, &back, &err), AIRC_OK);
  assert_int_equal(back.outcome, EXEC_OUTCOME_FAILED);
  assert_string_equal(back.zReason, "boom");
  exec_result_clear(&back);
  /* a result name that is a symlink is not read through */
  assert_int_equal(unlink(zPath), 0);
  assert_int_equal(symlink(zVictim, zPath), 0);
  assert_int_not_equal(exec_result_read(zPath, &back, &err), AIRC_OK);
  assert_non_null(strstr(airc_err_msg(&err), "Too many levels of symbolic links"));
}

/* exec_result_read() reads a result larger than one read() can return
 * (an XCom value of 200 kB) whole, and refuses one over EXEC_RESULT_MAX. */
static void test_result_file_large_and_oversized(void **state) {
  (void)state;
  char zPath[400];
  snprintf(zPath, sizeof(zPath), "%s/8-1.json", g_zTmp);
  exec_result r;
  memset(&r, 0, sizeof(r));
  r.tiId = 8;
  r.tryNumber = 1;
  r.outcome = EXEC_OUTCOME_SUCCESS;
  char *zBig = malloc(200001);
  memset(zBig, 'x', 200000);
  zBig[200000] = 0;
  r.pXcom = json_string(zBig);
  airc_err err = {0};
  assert_int_equal(exec_result_write(&r, zPath, &err), AIRC_OK);
  exec_result back;
  assert_int_equal(exec_result_read(zPath, &back, &err), AIRC_OK);
  assert_int_equal(back.tiId, 8);
  assert_string_equal(json_string_value(back.pXcom), zBig);
  exec_result_clear(&back);
  exec_result_clear(&r);
  /* over the cap: one clear error naming the file */
  FILE *f = fopen(zPath, "w");
  assert_non_null(f);
  for(int i = 0; i < 6; i++) fwrite(zBig, 1, 200000, f);
  fclose(f);
  free(zBig);
  assert_int_equal(exec_result_read(zPath, &back, &err), AIRC_ERR_PARSE);
  char zWant[500];
  snprintf(zWant, sizeof(zWant), "%s: larger than 1048576 bytes", zPath);
  assert_string_equal(airc_err_msg(&err), zWant);
  unlink(zPath);
}

static void test_xcom_write_does_not_follow_symlink(void **state) {
  (void)state;
  char zVictim[400], zOut[400], zTmp[420];
  snprintf(zVictim, sizeof(zVictim), "%s/victim", g_zTmp);
  snprintf(zOut, sizeof(zOut), "%s/3-1.json", g_zTmp);
  snprintf(zTmp, sizeof(zTmp), "%s.tmp", zOut);
  write_text(zVictim, "precious");
  assert_int_equal(symlink(zVictim, zTmp), 0);
  task_ctx c;
  memset(&c, 0, sizeof(c));
  c.zXcomOut = zOut;
  json_t *p = json_integer(42);
  assert_int_equal(task_xcom_write(&c, p), 0);
  json_decref(p);
  assert_file_text(zVictim, "precious");
  assert_file_text(zOut, "42\n");
}

/* ---- the doorbell ---- */

static int wake_setup(void **state) {
  if(tmp_setup(state)) return -1;
  char zRun[400];
  snprintf(zRun, sizeof(zRun), "%s/run", g_zTmp);
  setenv("AIRC_HOME", g_zTmp, 1);
  setenv("AIRC__CORE__RUN_FOLDER", zRun, 1);
  airc_err err = {0};
  return airc_config_load(&err) == AIRC_OK ? 0 : -1;
}

static int wake_teardown(void **state) {
  wake_set_token_source(NULL);
  unsetenv("AIRC__CORE__RUN_FOLDER");
  airc_config_free();
  return tmp_teardown(state);
}

static int g_nToken;
static void token_taken_then_free(char *zOut) {
  /* the first name offered is the one the squatter holds */
  snprintf(zOut, 33, "%032x", g_nToken++ == 0 ? 0xaaaa : 0xbbbb);
}
static void token_always_taken(char *zOut) { snprintf(zOut, 33, "%032x", 0xaaaa); }

static int bind_squatter(void) {
  struct sockaddr_un a;
  memset(&a, 0, sizeof(a));
  a.sun_family = AF_UNIX;
  int n = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "airc-%032x", 0xaaaa);
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  assert_true(fd >= 0);
  assert_int_equal(bind(fd, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n)), 0);
  return fd;
}

static int wait_readable(int fd) {
  struct pollfd p = {fd, POLLIN, 0};
  return poll(&p, 1, 2000) == 1;
}

/* Another process holds the name the scheduler drew: it draws a new one,
 * publishes it, and rings reach it. */
static void test_wake_name_taken_gets_new_name(void **state) {
  (void)state;
  int squat = bind_squatter();
  g_nToken = 0;
  wake_set_token_source(token_taken_then_free);
  airc_err err = {0};
  int fd = wake_listen(&err);
  assert_true(fd >= 0);
  char zPath[400], zWant[40];
  snprintf(zPath, sizeof(zPath), "%s/run/doorbell", g_zTmp);
  snprintf(zWant, sizeof(zWant), "%032x", 0xbbbb);
  assert_file_text(zPath, zWant);
  struct stat st;
  assert_int_equal(lstat(zPath, &st), 0);
  assert_int_equal(st.st_mode & 077, 0);
  wake_send("trigger");
  assert_true(wait_readable(fd));
  char aBuf[64];
  assert_int_equal(wake_recv(fd, aBuf, sizeof(aBuf)), 7);
  assert_string_equal(aBuf, "trigger");
  assert_int_equal(wake_recv(fd, aBuf, sizeof(aBuf)), -1);
  close(fd);
  close(squat);
}

/* Every name drawn is taken: a clear error, not a hang. */
static void test_wake_all_names_taken_fails_clearly(void **state) {
  (void)state;
  int squat = bind_squatter();
  wake_set_token_source(token_always_taken);
  airc_err err = {0};
  assert_int_equal(wake_listen(&err), -1);
  assert_int_equal(err.rc, AIRC_ERR_BUSY);
  assert_string_equal(airc_err_msg(&err), "scheduler doorbell: 8 random names in a row were already in use");
  close(squat);
}

/* A datagram from another uid is dropped; ours gets through. */
static void test_wake_drops_other_uid(void **state) {
  (void)state;
  if(getuid() != 0) skip(); /* needs root to send as another uid */
  airc_err err = {0};
  int fd = wake_listen(&err);
  assert_true(fd >= 0);
  char zPath[400], zToken[40];
  snprintf(zPath, sizeof(zPath), "%s/run/doorbell", g_zTmp);
  char *z = testutil_read_file(zPath, NULL);
  assert_non_null(z);
  snprintf(zToken, sizeof(zToken), "%s", z);
  free(z);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if(pid == 0) {
    /* the intruder knows the name (it read it as root) but is uid 65534 */
    if(setgid(65534) || setuid(65534)) _exit(2);
    struct sockaddr_un a;
    memset(&a, 0, sizeof(a));
    a.sun_family = AF_UNIX;
    int n = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "airc-%s", zToken);
    int s = socket(AF_UNIX, SOCK_DGRAM, 0);
    ssize_t w = sendto(s, "trigger", 7, 0, (struct sockaddr *)&a,
                       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n));
    _exit(w == 7 ? 0 : 3);
  }
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0); /* it was delivered to the socket... */
  assert_true(wait_readable(fd));
  char aBuf[64];
  assert_int_equal(wake_recv(fd, aBuf, sizeof(aBuf)), -1); /* ...and dropped */
  wake_send("mark");
  assert_true(wait_readable(fd));
  assert_int_equal(wake_recv(fd, aBuf, sizeof(aBuf)), 4);
  assert_string_equal(aBuf, "mark");
  close(fd);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_private_dir_created_0700, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_mkdirs_parents_existing_and_file_in_the_way, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_private_dir_refuses_open_mode, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_private_dir_refuses_symlink, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_private_dir_refuses_other_owner, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_private_dir_refuses_file, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_create_does_not_follow_symlink, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_result_file_symlinks, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_result_file_large_and_oversized, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_xcom_write_does_not_follow_symlink, tmp_setup, tmp_teardown),
      cmocka_unit_test_setup_teardown(test_wake_name_taken_gets_new_name, wake_setup, wake_teardown),
      cmocka_unit_test_setup_teardown(test_wake_all_names_taken_fails_clearly, wake_setup, wake_teardown),
      cmocka_unit_test_setup_teardown(test_wake_drops_other_uid, wake_setup, wake_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
