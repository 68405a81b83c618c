/* test_jsonl_reader.c: the block reader behind publish-kafka and
 * validate-cassandra: lines across block boundaries, the exact length cap,
 * CRLF, blank lines, a last line without newline, rewind, byte ranges. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "providers/jsonl_reader.h"

static char g_zPath[] = "/tmp/airc-test-jsonl-XXXXXX";

static void write_file(const char *z, size_t n) {
  FILE *f = fopen(g_zPath, "w");
  assert_non_null(f);
  assert_int_equal(fwrite(z, 1, n, f), n);
  fclose(f);
}

static int group_setup(void **state) {
  (void)state;
  int fd = mkstemp(g_zPath);
  if(fd < 0) return -1;
  close(fd);
  return 0;
}

static int group_teardown(void **state) {
  (void)state;
  return unlink(g_zPath);
}

static void test_jsonl_lines_blank_crlf_last(void **state) {
  (void)state;
  const char z[] = "a\n\n  \t\nbb\r\n\r\nccc";
  write_file(z, sizeof(z) - 1);
  jsonl_reader rd;
  airc_err e = {0};
  assert_int_equal(jsonl_open(&rd, g_zPath, 16, &e), AIRC_OK);
  for(int pass = 0; pass < 2; pass++) {
    const char *zL;
    size_t n;
    assert_int_equal(jsonl_next(&rd, &zL, &n, &e), 1);
    assert_int_equal(n, 1); assert_string_equal(zL, "a"); assert_int_equal(rd.iLine, 1);
    assert_int_equal(jsonl_next(&rd, &zL, &n, &e), 1);
    assert_int_equal(n, 2); assert_string_equal(zL, "bb"); assert_int_equal(rd.iLine, 4);
    assert_int_equal(jsonl_next(&rd, &zL, &n, &e), 1);
    assert_int_equal(n, 3); assert_string_equal(zL, "ccc"); assert_int_equal(rd.iLine, 6);
    assert_int_equal(jsonl_next(&rd, &zL, &n, &e), 0);
    assert_int_equal(jsonl_rewind(&rd, &e), AIRC_OK);
  }
  jsonl_close(&rd);
}

/* Many lines of varying length: every one comes back whole although they
 * straddle the 128 KiB read blocks. */
static void test_jsonl_across_blocks(void **state) {
  (void)state;
  size_t nLines = 20000, cap = 0;
  char *z = malloc(nLines * 64);
  assert_non_null(z);
  size_t k = 0;
  for(size_t i = 0; i < nLines; i++) {
    size_t len = 1 + (i * 7919) % 50;
    for(size_t j = 0; j < len; j++) z[k++] = (char)('a' + (i + j) % 26);
    z[k++] = '\n';
    if(len > cap) cap = len;
  }
  write_file(z, k);
  jsonl_reader rd;
  airc_err e = {0};
  assert_int_equal(jsonl_open(&rd, g_zPath, cap, &e), AIRC_OK); /* the cap = the longest line */
  const char *zL;
  size_t n, i = 0, off = 0;
  while(jsonl_next(&rd, &zL, &n, &e) == 1) {
    assert_int_equal(n, 1 + (i * 7919) % 50);
    assert_memory_equal(zL, z + off, n);
    off += n + 1;
    i++;
  }
  assert_int_equal(i, nLines);
  jsonl_close(&rd);
  free(z);
}

static void test_jsonl_cap_exact(void **state) {
  (void)state;
  jsonl_reader rd;
  airc_err e = {0};
  const char *zL;
  size_t n;
  write_file("12345\n123456\n", 13);
  assert_int_equal(jsonl_open(&rd, g_zPath, 5, &e), AIRC_OK);
  assert_int_equal(jsonl_next(&rd, &zL, &n, &e), 1);
  assert_string_equal(zL, "12345");
  assert_int_equal(jsonl_next(&rd, &zL, &n, &e), -1);
  char zWant[128];
  snprintf(zWant, sizeof(zWant), "%s:2: line longer than 5 bytes", g_zPath);
  assert_string_equal(e.zMsg, zWant);
  jsonl_close(&rd);
  /* also without a newline at the end, and past a whole read block */
  size_t nBig = 300 * 1024;
  char *zBig = malloc(nBig);
  assert_non_null(zBig);
  memset(zBig, 'x', nBig);
  write_file(zBig, nBig);
  assert_int_equal(jsonl_open(&rd, g_zPath, nBig - 1, &e), AIRC_OK);
  assert_int_equal(jsonl_next(&rd, &zL, &n, &e), -1);
  jsonl_close(&rd);
  assert_int_equal(jsonl_open(&rd, g_zPath, nBig, &e), AIRC_OK);
  assert_int_equal(jsonl_next(&rd, &zL, &n, &e), 1);
  assert_int_equal(n, nBig);
  assert_int_equal(jsonl_next(&rd, &zL, &n, &e), 0);
  jsonl_close(&rd);
  free(zBig);
}

/* a range [iStart, iEnd) that starts at a line: its lines only, counted
 * from 1; no rewind */
static void test_jsonl_range(void **state) {
  (void)state;
  write_file("one\ntwo\nthree\nfour\n", 19);
  jsonl_reader rd;
  airc_err e = {0};
  const char *zL;
  size_t n;
  assert_int_equal(jsonl_open_range(&rd, g_zPath, 16, 4, 14, &e), AIRC_OK);
  assert_int_equal(jsonl_next(&rd, &zL, &n, &e), 1);
  assert_string_equal(zL, "two");
  assert_int_equal(rd.iLine, 1);
  assert_int_equal(jsonl_next(&rd, &zL, &n, &e), 1);
  assert_string_equal(zL, "three");
  assert_int_equal(jsonl_next(&rd, &zL, &n, &e), 0);
  assert_int_equal(jsonl_rewind(&rd, &e), AIRC_ERR_INVALID);
  jsonl_close(&rd);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_jsonl_lines_blank_crlf_last),
      cmocka_unit_test(test_jsonl_across_blocks),
      cmocka_unit_test(test_jsonl_cap_exact),
      cmocka_unit_test(test_jsonl_range),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
