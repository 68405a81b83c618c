/* test_fuzz_replay.c: replays every file of the DAG parser fuzz corpora
 * (tests/fuzz/corpus/dag_*), and of the cron, template and HTTP corpora,
 * through the fuzz targets' checks, so that
 * `make test` runs them without clang: nothing may crash, leak (under the
 * sanitizer build) or take long. Files of corpus dag_ini are parsed as
 * "fuzz.ini", of dag_json as "fuzz.json"; each is also parsed in the other
 * format, since a user can give any bytes any extension. Crashers found by
 * fuzzing are added to the corpus and so stay tested. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/timeutil.h"
#include "tests/fuzz/fuzz_dag_common.h"
#include "tests/unit/testutil.h"
/* the targets' checks, without their LLVMFuzzerTestOneInput */
#define FUZZ_NO_ENTRY
#include "tests/fuzz/fuzz_cron.c"
#include "tests/fuzz/fuzz_http.c"
#include "tests/fuzz/fuzz_template.c"

/* A single input may take this long at most (generous: sanitizer builds). */
#define REPLAY_MAX_US (10 * 1000000LL)

typedef void (*replay_check)(const uint8_t *aData, size_t nData);

static int replay_dir_with(const char *zCorpus, const char *zName, const char *zOther,
                           replay_check xCheck) {
  char zRel[512];
  snprintf(zRel, sizeof(zRel), "tests/fuzz/corpus/%s", zCorpus);
  char zDir[4096];
  snprintf(zDir, sizeof(zDir), "%s", testutil_src_path(zRel));
  DIR *pDir = opendir(zDir);
  if(!pDir) fail_msg("cannot open %s (run from the repository root or set AIRC_SRC_DIR)", zDir);
  int n = 0;
  struct dirent *pEnt;
  while((pEnt = readdir(pDir))) {
    if(pEnt->d_name[0] == '.') continue;
    char zPath[8192];
    snprintf(zPath, sizeof(zPath), "%s/%s", zDir, pEnt->d_name);
    size_t nData;
    char *zData = testutil_read_file(zPath, &nData);
    if(!zData) fail_msg("cannot read %s", zPath);
    int64_t t0 = airc_now_us();
    if(xCheck) {
      xCheck((const uint8_t *)zData, nData);
    } else {
      fuzz_dag_check(zName, (const uint8_t *)zData, nData);
      fuzz_dag_check(zOther, (const uint8_t *)zData, nData);
    }
    int64_t us = airc_now_us() - t0;
    if(us > REPLAY_MAX_US) fail_msg("%s took %lld ms", zPath, (long long)(us / 1000));
    free(zData);
    n++;
  }
  closedir(pDir);
  return n;
}

static int replay_dir(const char *zCorpus, const char *zName, const char *zOther) {
  return replay_dir_with(zCorpus, zName, zOther, NULL);
}

static void test_replay_dag_ini(void **state) {
  (void)state;
  assert_true(replay_dir("dag_ini", "fuzz.ini", "fuzz.json") >= 20);
}

static void test_replay_dag_json(void **state) {
  (void)state;
  assert_true(replay_dir("dag_json", "fuzz.json", "fuzz.ini") >= 20);
}

/* the fixtures double as inputs: every file of them, as both formats */
static void test_replay_fixtures(void **state) {
  (void)state;
  int n = 0;
  const char *azDir[] = {"../../fixtures/dags/good", "../../fixtures/dags/bad"};
  for(int i = 0; i < 2; i++) n += replay_dir(azDir[i], "fixture.ini", "fixture.json");
  assert_true(n >= 70);
}

/* cron expressions, including the regression crash_newline_in_message */
static void test_replay_cron(void **state) {
  (void)state;
  assert_true(replay_dir_with("cron", NULL, NULL, fuzz_cron_check) >= 20);
}

/* templates rendered with the fixed context of fuzz_template.c */
static void test_replay_template(void **state) {
  (void)state;
  assert_true(replay_dir_with("template", NULL, NULL, fuzz_template_check) >= 15);
}

/* raw HTTP requests into a real in-process web server, including the
 * regression regress_half_close_no_answer */
static void test_replay_http(void **state) {
  (void)state;
  assert_true(replay_dir_with("http", NULL, NULL, fuzz_http_check) >= 35);
  fuzz_http_stop();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_replay_dag_ini),  cmocka_unit_test(test_replay_dag_json),
      cmocka_unit_test(test_replay_fixtures), cmocka_unit_test(test_replay_cron),
      cmocka_unit_test(test_replay_template), cmocka_unit_test(test_replay_http),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
