/* test_fuzz_replay.c: replays every file of the DAG parser fuzz corpora
 * (tests/fuzz/corpus/dag_*) through the fuzz targets' check, so that
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

/* A single input may take this long at most (generous: sanitizer builds). */
#define REPLAY_MAX_US (10 * 1000000LL)

static int replay_dir(const char *zCorpus, const char *zName, const char *zOther) {
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
    fuzz_dag_check(zName, (const uint8_t *)zData, nData);
    fuzz_dag_check(zOther, (const uint8_t *)zData, nData);
    int64_t us = airc_now_us() - t0;
    if(us > REPLAY_MAX_US) fail_msg("%s took %lld ms", zPath, (long long)(us / 1000));
    free(zData);
    n++;
  }
  closedir(pDir);
  return n;
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_replay_dag_ini),
      cmocka_unit_test(test_replay_dag_json),
      cmocka_unit_test(test_replay_fixtures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
