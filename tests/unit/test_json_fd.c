/* test_json_fd.c: json_fd_load(), the whole-text JSON read behind try
 * requests, result files and task contexts: from a memfd at its current
 * offset, from a pipe across several reads, the cap, a parse error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common/json_fd.h"

static int memfd_with(const char *z, off_t offset) {
  int fd = memfd_create("test-json-fd", MFD_CLOEXEC);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, z, strlen(z)), (ssize_t)strlen(z));
  assert_int_equal(lseek(fd, offset, SEEK_SET), offset);
  return fd;
}

static void test_memfd_from_its_offset(void **state) {
  (void)state;
  /* the reader starts where the descriptor stands (the writer rewinds) */
  int fd = memfd_with("junk{\"ti_id\":7,\"cmd\":\"echo \\\"$(id)\\\"\"}", 4);
  json_error_t je;
  json_t *p = json_fd_load(fd, 1024, 0, &je);
  assert_non_null(p);
  assert_int_equal(json_integer_value(json_object_get(p, "ti_id")), 7);
  assert_string_equal(json_string_value(json_object_get(p, "cmd")), "echo \"$(id)\"");
  json_decref(p);
  close(fd);
}

static void test_pipe_text_longer_than_one_read(void **state) {
  (void)state;
  /* a pipe has no size to go by: 100 kB arrives in several reads */
  size_t nVal = 100 * 1024;
  char *z = malloc(nVal + 32);
  assert_non_null(z);
  memcpy(z, "{\"v\":\"", 6);
  memset(z + 6, 'x', nVal);
  memcpy(z + 6 + nVal, "\"}", 3);
  int aFd[2];
  assert_int_equal(pipe(aFd), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if(pid == 0) {
    close(aFd[0]);
    size_t n = strlen(z), off = 0;
    while(off < n) {
      ssize_t w = write(aFd[1], z + off, n - off > 7000 ? 7000 : n - off);
      if(w <= 0) _exit(1);
      off += (size_t)w;
    }
    _exit(0);
  }
  close(aFd[1]);
  json_error_t je;
  json_t *p = json_fd_load(aFd[0], 1024 * 1024, 0, &je);
  assert_non_null(p);
  assert_int_equal(strlen(json_string_value(json_object_get(p, "v"))), nVal);
  json_decref(p);
  close(aFd[0]);
  int status = -1;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_int_equal(status, 0);
  free(z);
}

static void test_cap_refuses_larger_text(void **state) {
  (void)state;
  int fd = memfd_with("{\"a\":\"0123456789\"}", 0); /* 18 bytes */
  json_error_t je;
  assert_null(json_fd_load(fd, 17, 0, &je));
  assert_string_equal(je.text, "larger than 17 bytes");
  assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
  json_t *p = json_fd_load(fd, 18, 0, &je); /* exactly at the cap: taken */
  assert_non_null(p);
  json_decref(p);
  close(fd);
}

static void test_parse_error_and_empty(void **state) {
  (void)state;
  json_error_t je;
  int fd = memfd_with("{\"a\":1,}", 0);
  assert_null(json_fd_load(fd, 1024, 0, &je));
  assert_true(strlen(je.text) > 0);
  assert_int_equal(je.line, 1);
  close(fd);
  fd = memfd_with("", 0);
  assert_null(json_fd_load(fd, 1024, 0, &je));
  close(fd);
  assert_null(json_fd_load(-1, 1024, 0, &je)); /* a bad descriptor: errno's text */
  assert_string_equal(je.text, strerror(EBADF));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_memfd_from_its_offset),
      cmocka_unit_test(test_pipe_text_longer_than_one_read),
      cmocka_unit_test(test_cap_refuses_larger_text),
      cmocka_unit_test(test_parse_error_and_empty),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
