/* test_common.c: unit tests of common/dynbuf.c (the cap every outside-fed
 * buffer relies on) and common/config.c (airc.ini, AIRC__SECTION__KEY
 * environment overrides, typed getters, boolean words). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/config.h"
#include "common/dynbuf.h"

static void test_dynbuf_cap(void **state) {
  (void)state;
  dynbuf b;
  dynbuf_init(&b, 10);
  assert_string_equal(dynbuf_str(&b), "");
  assert_int_equal(dynbuf_appendz(&b, "01234"), AIRC_OK);
  assert_int_equal(dynbuf_append(&b, "56789", 5), AIRC_OK); /* exactly the cap */
  assert_string_equal(dynbuf_str(&b), "0123456789");
  /* past the cap: fails, contents unchanged */
  assert_int_equal(dynbuf_append(&b, "x", 1), AIRC_ERR_TOOBIG);
  assert_int_equal(dynbuf_printf(&b, "%d", 1), AIRC_ERR_TOOBIG);
  assert_int_equal(b.n, 10);
  assert_string_equal(dynbuf_str(&b), "0123456789");
  assert_int_equal(dynbuf_append(&b, "", 0), AIRC_OK);
  /* a huge length cannot wrap the size check */
  assert_int_equal(dynbuf_append(&b, "x", SIZE_MAX), AIRC_ERR_TOOBIG);
  char *z = dynbuf_take(&b);
  assert_string_equal(z, "0123456789");
  free(z);
  assert_int_equal(b.n, 0);
  assert_null(dynbuf_take(&b));
  dynbuf_free(&b);
}

/* dynbuf_reserve allocates once, never past the cap, and appends within
 * the reservation do not move the text. */
static void test_dynbuf_reserve(void **state) {
  (void)state;
  dynbuf b;
  dynbuf_init(&b, 100);
  assert_int_equal(dynbuf_reserve(&b, 40), AIRC_OK);
  assert_int_equal(b.nAlloc, 41);
  const char *z = b.z;
  for(int i = 0; i < 40; i++) assert_int_equal(dynbuf_append(&b, "x", 1), AIRC_OK);
  assert_ptr_equal(b.z, z);
  assert_int_equal(dynbuf_reserve(&b, 1000), AIRC_OK); /* capped at nMax */
  assert_int_equal(b.nAlloc, 101);
  assert_int_equal(dynbuf_reserve(&b, 10), AIRC_OK); /* room already: no-op */
  assert_int_equal(b.nAlloc, 101);
  assert_int_equal(b.n, 40);
  char aY[61] = {0};
  assert_int_equal(dynbuf_append(&b, aY, sizeof(aY)), AIRC_ERR_TOOBIG);
  dynbuf_free(&b);
}

static void test_dynbuf_printf_large(void **state) {
  (void)state;
  dynbuf b;
  dynbuf_init(&b, 1 << 20);
  char zBig[3000];
  memset(zBig, 'q', sizeof(zBig) - 1);
  zBig[sizeof(zBig) - 1] = 0;
  assert_int_equal(dynbuf_printf(&b, "<%s|%d>", zBig, 42), AIRC_OK);
  assert_int_equal(b.n, 3004); /* "<" + 2999 + "|42>" */
  assert_memory_equal(dynbuf_str(&b) + 3000, "|42>", 4);
  dynbuf_reset(&b);
  assert_string_equal(dynbuf_str(&b), "");
  dynbuf_free(&b);
  /* growth over many small appends keeps every byte */
  dynbuf_init(&b, 100000);
  for(int i = 0; i < 10000; i++) assert_int_equal(dynbuf_append(&b, "abcdefghij" + i % 10, 1), AIRC_OK);
  for(int i = 0; i < 10000; i++) assert_int_equal(b.z[i], 'a' + i % 10);
  dynbuf_free(&b);
}

static char g_zHome[256];

static int config_setup(void **state) {
  (void)state;
  snprintf(g_zHome, sizeof(g_zHome), "/tmp/airc_test_cfgXXXXXX");
  if(!mkdtemp(g_zHome)) return -1;
  char zIni[300];
  snprintf(zIni, sizeof(zIni), "%s/airc.ini", g_zHome);
  FILE *f = fopen(zIni, "w");
  fputs("[core]\nparallelism = 4\ndags_folder = /srv/dags/\n[webserver]\nexpose_config = yes\nport = 80x\n", f);
  fclose(f);
  setenv("AIRC_HOME", g_zHome, 1);
  return 0;
}

static int config_teardown(void **state) {
  (void)state;
  char z[300];
  snprintf(z, sizeof(z), "%s/airc.ini", g_zHome);
  unlink(z);
  rmdir(g_zHome);
  airc_config_free();
  unsetenv("AIRC_HOME");
  return 0;
}

static void test_config_file_and_env(void **state) {
  (void)state;
  unsetenv("AIRC__CORE__PARALLELISM");
  airc_err e = {0};
  assert_int_equal(airc_config_load(&e), AIRC_OK);
  assert_string_equal(airc_home(), g_zHome);
  assert_string_equal(airc_config_get("core", "parallelism", "1"), "4");
  assert_string_equal(airc_config_get("CORE", "Parallelism", "1"), "4"); /* case-insensitive */
  assert_int_equal(airc_config_get_int("core", "parallelism", 1), 4);
  assert_string_equal(airc_config_get("core", "missing", "dflt"), "dflt");
  assert_null(airc_config_get("core", "missing", NULL));
  assert_int_equal(airc_config_get_int("webserver", "port", 8080), 8080); /* not a number */
  assert_true(airc_config_get_bool("webserver", "expose_config", 0));
  assert_string_equal(airc_path_dags(), "/srv/dags"); /* trailing '/' dropped */
  char zWant[300];
  snprintf(zWant, sizeof(zWant), "%s/airc.db", g_zHome);
  assert_string_equal(airc_path_db(), zWant);
  /* AIRC__SECTION__KEY wins over the file, and over defaults */
  setenv("AIRC__CORE__PARALLELISM", "8", 1);
  setenv("AIRC__WEBSERVER__EXPOSE_CONFIG", "off", 1);
  setenv("AIRC__SCHEDULER__NEW_KEY", "v", 1);
  assert_int_equal(airc_config_get_int("core", "parallelism", 1), 8);
  assert_false(airc_config_get_bool("webserver", "expose_config", 1));
  assert_string_equal(airc_config_get("scheduler", "new_key", NULL), "v");
  /* an empty override is a value, not absence */
  setenv("AIRC__CORE__PARALLELISM", "", 1);
  assert_string_equal(airc_config_get("core", "parallelism", "1"), "");
  assert_int_equal(airc_config_get_int("core", "parallelism", 3), 3);
  unsetenv("AIRC__CORE__PARALLELISM");
  unsetenv("AIRC__WEBSERVER__EXPOSE_CONFIG");
  unsetenv("AIRC__SCHEDULER__NEW_KEY");
}

static void test_config_syntax_error(void **state) {
  (void)state;
  char zIni[300];
  snprintf(zIni, sizeof(zIni), "%s/airc.ini", g_zHome);
  FILE *f = fopen(zIni, "w");
  fputs("[core]\nparallelism = 4\nnot a setting\n", f);
  fclose(f);
  airc_err e = {0};
  assert_int_equal(airc_config_load(&e), AIRC_ERR_PARSE);
  char zWant[400];
  snprintf(zWant, sizeof(zWant), "%s:3: syntax error", zIni);
  assert_string_equal(e.zMsg, zWant);
}

static void test_parse_bool(void **state) {
  (void)state;
  static const char *const azTrue[] = {"true", "TRUE", "yes", "On", "1"};
  static const char *const azFalse[] = {"false", "No", "off", "0"};
  static const char *const azBad[] = {"", "2", "y", "n", "truee", " true"};
  for(size_t i = 0; i < sizeof(azTrue) / sizeof(azTrue[0]); i++) assert_int_equal(airc_parse_bool(azTrue[i]), 1);
  for(size_t i = 0; i < sizeof(azFalse) / sizeof(azFalse[0]); i++) assert_int_equal(airc_parse_bool(azFalse[i]), 0);
  for(size_t i = 0; i < sizeof(azBad) / sizeof(azBad[0]); i++) assert_int_equal(airc_parse_bool(azBad[i]), -1);
  assert_int_equal(airc_parse_bool(NULL), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dynbuf_cap),
      cmocka_unit_test(test_dynbuf_printf_large),
      cmocka_unit_test(test_dynbuf_reserve),
      cmocka_unit_test_setup_teardown(test_config_file_and_env, config_setup, config_teardown),
      cmocka_unit_test_setup_teardown(test_config_syntax_error, config_setup, config_teardown),
      cmocka_unit_test(test_parse_bool),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
