/* test_dag_parse.c: DAG files -> validated DAGs (dag/dag_parse.c,
 * dag_build.c, dag_model.c), driven by declarative fixtures:
 *   tests/fixtures/dags/good/NAME.ini|json each must parse, and survive the
 *                                           canonical JSON round trip;
 *   tests/fixtures/dags/bad/NAME.EXT        each must fail with exactly the
 *   tests/fixtures/dags/bad/NAME.expected   one line held here (the file
 *                                           path as passed, from the root).
 * Adding a case is adding files; no code change. The checks below the
 * fixture loops look inside particular good DAGs (';' in commands, joined
 * continuation lines, a 5000-byte command, INI and JSON hashing equal) and
 * cover errors whose inputs are generated (over 1 MiB, too many tasks). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/timeutil.h"
#include "dag/dag.h"
#include "executor/task_type.h"
#include "executor/task_sensor.h"
#include "tests/unit/testutil.h"

#define GOOD_DIR "tests/fixtures/dags/good"
#define BAD_DIR "tests/fixtures/dags/bad"

static int has_suffix(const char *z, const char *zSuf) {
  size_t n = strlen(z), m = strlen(zSuf);
  return n >= m && !strcmp(z + n - m, zSuf);
}

/* Sorted names of the files in a source directory (NULL-terminated; free
 * with free_names). */
static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}
static char **list_dir(const char *zRel, int *pn) {
  DIR *pDir = opendir(testutil_src_path(zRel));
  if(!pDir) fail_msg("cannot open %s (run from the repository root or set AIRC_SRC_DIR)", zRel);
  char **az = calloc(1024, sizeof(char *));
  int n = 0;
  struct dirent *pEnt;
  while((pEnt = readdir(pDir)) && n < 1023)
    if(pEnt->d_name[0] != '.') az[n++] = strdup(pEnt->d_name);
  closedir(pDir);
  qsort(az, (size_t)n, sizeof(char *), cmp_str);
  *pn = n;
  return az;
}
static void free_names(char **az) {
  for(int i = 0; az[i]; i++) free(az[i]);
  free(az);
}

/* Parses a fixture by its path relative to the root, which is also the
 * name used in messages. */
static dag *parse_fixture(const char *zRel, airc_err *pErr) {
  dag *d = NULL;
  airc_rc rc = dag_parse_file(zRel, task_type_schemas(), &d, pErr);
  if(rc) assert_null(d);
  return d;
}

static dag *parse_good(const char *zRel) {
  airc_err e = {0};
  dag *d = parse_fixture(zRel, &e);
  if(!d) fail_msg("%s did not parse: %s", zRel, e.zMsg);
  return d;
}

static dag *parse_text(const char *zName, const char *zText, airc_err *pErr) {
  dag *d = NULL;
  airc_rc rc = dag_parse_buffer(zName, zText, strlen(zText), task_type_schemas(), &d, pErr);
  if(rc) assert_null(d);
  return d;
}

/* dag_to_json -> text -> dag_from_json_text gives the same hash and text. */
static void assert_round_trip(const dag *d) {
  json_t *pDoc = dag_to_json(d);
  char *z = json_dumps(pDoc, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(pDoc);
  dag *d2 = NULL;
  airc_err e = {0};
  if(dag_from_json_text(z, task_type_schemas(), &d2, &e)) fail_msg("round trip of '%s' failed: %s", d->zId, e.zMsg);
  assert_string_equal(d2->zHash, d->zHash);
  json_t *pDoc2 = dag_to_json(d2);
  char *z2 = json_dumps(pDoc2, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(pDoc2);
  assert_string_equal(z2, z);
  free(z2);
  free(z);
  dag_free(d2);
}

static const char *task_opt(const dag *d, const char *zTask, const char *zKey) {
  int i = dag_task_index(d, zTask);
  if(i < 0) fail_msg("no task '%s'", zTask);
  return json_string_value(json_object_get(d->aTask[i].pOptions, zKey));
}

/* ---- fixture loops ----------------------------------------------------- */

static void test_good_fixtures(void **state) {
  (void)state;
  int n, nChecked = 0;
  char **az = list_dir(GOOD_DIR, &n);
  for(int i = 0; i < n; i++) {
    if(!has_suffix(az[i], ".ini") && !has_suffix(az[i], ".json")) continue;
    char zRel[512];
    snprintf(zRel, sizeof(zRel), GOOD_DIR "/%s", az[i]);
    dag *d = parse_good(zRel);
    assert_int_equal(strlen(d->zHash), 64);
    assert_string_equal(d->zFile, zRel);
    assert_round_trip(d);
    /* the buffer API gives the same DAG */
    size_t nData;
    char *zData = testutil_read_file(testutil_src_path(zRel), &nData);
    dag *d2 = NULL;
    airc_err e = {0};
    assert_int_equal(dag_parse_buffer(az[i], zData, nData, task_type_schemas(), &d2, &e), AIRC_OK);
    assert_string_equal(d2->zHash, d->zHash);
    assert_null(d2->zFile);
    dag_free(d2);
    free(zData);
    dag_free(d);
    nChecked++;
  }
  free_names(az);
  assert_true(nChecked >= 10);
}

static void test_bad_fixtures(void **state) {
  (void)state;
  int n, nChecked = 0;
  char **az = list_dir(BAD_DIR, &n);
  for(int i = 0; i < n; i++) {
    char zRel[512], zExp[512];
    if(has_suffix(az[i], ".expected")) {
      /* every .expected has its input */
      size_t m = strlen(az[i]) - strlen(".expected");
      int bFound = 0;
      for(int j = 0; j < n; j++)
        if(j != i && !strncmp(az[j], az[i], m) && az[j][m] == '.') bFound = 1;
      if(!bFound) fail_msg("%s has no input file", az[i]);
      continue;
    }
    snprintf(zRel, sizeof(zRel), BAD_DIR "/%s", az[i]);
    snprintf(zExp, sizeof(zExp), BAD_DIR "/%.*s.expected", (int)(strrchr(az[i], '.') - az[i]), az[i]);
    char *zWant = testutil_read_file(testutil_src_path(zExp), NULL);
    if(!zWant) fail_msg("%s has no %s", zRel, zExp);
    size_t nWant = strlen(zWant);
    while(nWant && (zWant[nWant - 1] == '\n' || zWant[nWant - 1] == '\r')) zWant[--nWant] = 0;
    assert_null(strchr(zWant, '\n'));
    airc_err e = {0};
    dag *d = parse_fixture(zRel, &e);
    if(d) fail_msg("%s parsed, expected: %s", zRel, zWant);
    assert_int_not_equal(e.rc, AIRC_OK);
    if(strcmp(e.zMsg, zWant))
      fail_msg("%s:\n  got  %s\n  want %s", zRel, e.zMsg, zWant);
    assert_null(strchr(e.zMsg, '\n'));
    /* same message through the buffer API */
    size_t nData;
    char *zData = testutil_read_file(testutil_src_path(zRel), &nData);
    airc_err e2 = {0};
    assert_int_not_equal(dag_parse_buffer(zRel, zData, nData, task_type_schemas(), &d, &e2), AIRC_OK);
    assert_null(d);
    assert_string_equal(e2.zMsg, zWant);
    free(zData);
    free(zWant);
    nChecked++;
  }
  free_names(az);
  assert_true(nChecked >= 60);
}

/* ---- particular good DAGs --------------------------------------------- */

static void test_ini_json_same_hash(void **state) {
  (void)state;
  dag *dIni = parse_good(GOOD_DIR "/etl.ini");
  dag *dJson = parse_good(GOOD_DIR "/etl.json");
  assert_string_equal(dIni->zHash, dJson->zHash);
  dag *mIni = parse_good(GOOD_DIR "/minimal.ini");
  dag *mJson = parse_good(GOOD_DIR "/minimal.json");
  assert_string_equal(mIni->zHash, mJson->zHash);
  assert_string_not_equal(mIni->zHash, dIni->zHash);
  dag_free(dIni);
  dag_free(dJson);
  dag_free(mIni);
  dag_free(mJson);
}

/* typed params: INI and JSON give the same DAG (values read as their type,
 * schemas apart); DAGs without schemas keep the hash they had before typed
 * params existed (pinned). */
static void test_typed_params(void **state) {
  (void)state;
  dag *dIni = parse_good(GOOD_DIR "/typed_params.ini");
  dag *dJson = parse_good(GOOD_DIR "/typed_params.json");
  assert_string_equal(dIni->zHash, dJson->zHash);
  assert_true(json_is_integer(json_object_get(dIni->pParams, "count")));
  assert_int_equal(json_integer_value(json_object_get(dIni->pParams, "count")), 3);
  assert_true(json_is_real(json_object_get(dIni->pParams, "ratio")));
  assert_string_equal(json_string_value(json_object_get(dIni->pParams, "plain")), "100");
  json_t *pCount = json_object_get(dIni->pParamSchema, "count");
  assert_int_equal(json_integer_value(json_object_get(pCount, "minimum")), 1);
  assert_string_equal(json_string_value(json_object_get(pCount, "description")), "how many rows");
  assert_null(json_object_get(pCount, "value"));
  json_t *pEnum = json_object_get(json_object_get(dIni->pParamSchema, "env"), "enum");
  assert_int_equal(json_array_size(pEnum), 2);
  assert_string_equal(json_string_value(json_array_get(pEnum, 1)), "prod");
  assert_null(json_object_get(dIni->pParamSchema, "plain"));
  dag_free(dIni);
  dag_free(dJson);
  dag *dEtl = parse_good(GOOD_DIR "/etl.ini");
  assert_string_equal(dEtl->zHash, "e2a4c2d4e0b4d38e12ff064913c0c210f3742ebbc8847b46ce85fe6afdc2f411");
  assert_int_equal(json_object_size(dEtl->pParamSchema), 0);
  dag_free(dEtl);
}

static void test_etl_contents(void **state) {
  (void)state;
  dag *d = parse_good(GOOD_DIR "/etl.ini");
  assert_string_equal(d->zId, "etl_daily");
  assert_string_equal(d->zDescription, "Daily extract; transform; load");
  assert_string_equal(d->zSchedule, "0 6 * * mon-fri");
  assert_int_equal(d->schedule.kind, SCHEDULE_CRON);
  int64_t t;
  assert_int_equal(airc_time_parse("2026-01-01", &t), AIRC_OK);
  assert_true(d->hasStartDate && d->startDate == t);
  assert_int_equal(airc_time_parse("2026-12-31", &t), AIRC_OK);
  assert_true(d->hasEndDate && d->endDate == t);
  assert_true(d->catchup);
  assert_int_equal(d->maxActiveRuns, 2);
  assert_int_equal(d->maxActiveTasks, 16); /* default */
  /* tags: a comma list, blanks trimmed */
  assert_int_equal(json_array_size(d->pTags), 3);
  assert_string_equal(json_string_value(json_array_get(d->pTags, 0)), "etl");
  assert_string_equal(json_string_value(json_array_get(d->pTags, 1)), "daily");
  assert_string_equal(json_string_value(json_array_get(d->pTags, 2)), "demo");
  /* params.* keys become the params object */
  assert_int_equal(json_object_size(d->pParams), 2);
  assert_string_equal(json_string_value(json_object_get(d->pParams, "region")), "eu");
  assert_string_equal(json_string_value(json_object_get(d->pParams, "limit")), "100");
  assert_int_equal(d->nTask, 3);
  /* ';' inside a value is kept (only whole-line comments exist) */
  assert_string_equal(task_opt(d, "extract", "command"), "echo extract ; echo {{ ds }} > /tmp/x");
  /* indented continuation lines join with '\n' */
  assert_string_equal(task_opt(d, "transform", "command"), "set -e\necho one\necho two");
  /* [dag] defaults, overridden per task */
  const dag_task *pE = &d->aTask[dag_task_index(d, "extract")];
  const dag_task *pT = &d->aTask[dag_task_index(d, "transform")];
  const dag_task *pL = &d->aTask[dag_task_index(d, "load")];
  assert_int_equal(pE->retries, 2);
  assert_int_equal(pE->retryDelay, 60);
  assert_int_equal(pE->executionTimeout, 3600);
  assert_int_equal(pE->maxRetryDelay, 86400);
  assert_false(pE->retryExpBackoff);
  assert_true(pT->retryExpBackoff);
  assert_int_equal(pT->maxRetryDelay, 600);
  assert_int_equal(pL->retries, 0);
  assert_int_equal(pL->rule, TRIGGER_ALL_DONE);
  assert_int_equal(pE->rule, TRIGGER_ALL_SUCCESS);
  /* the graph */
  assert_int_equal(pL->nUpstream, 2);
  assert_string_equal(pL->azUpstream[0], "transform");
  assert_string_equal(pL->azUpstream[1], "extract");
  assert_int_equal(pE->nDownstream, 2);
  assert_int_equal(pT->nDownstream, 1);
  assert_int_equal(pL->nDownstream, 0);
  assert_int_equal(pE->line, 17);
  assert_int_equal(pL->line, 31);
  dag_free(d);
}

static void test_long_lines(void **state) {
  (void)state;
  dag *d = parse_good(GOOD_DIR "/long_command.ini");
  char *zWant = testutil_read_file(testutil_src_path(GOOD_DIR "/long_command.txt"), NULL);
  assert_non_null(zWant);
  assert_int_equal(strlen(zWant), 5000);
  assert_string_equal(task_opt(d, "long", "command"), zWant);
  free(zWant);
  dag_free(d);
  /* blanks, '#' and ';' at every possible split point survive, and a long
   * comment line does not leak into the previous value */
  d = parse_good(GOOD_DIR "/long_blanks.ini");
  zWant = testutil_read_file(testutil_src_path(GOOD_DIR "/long_blanks.txt"), NULL);
  assert_string_equal(task_opt(d, "t", "command"), zWant);
  free(zWant);
  dag_free(d);
  /* every length around inih's 200-byte buffer */
  for(int n = 150; n <= 650; n++) {
    char *zCmd = malloc((size_t)n + 1), *zText = malloc((size_t)n + 200);
    for(int i = 0; i < n; i++) zCmd[i] = "ab c;#\t"[(i * 7 + n) % 7];
    zCmd[0] = 'x';
    zCmd[n - 1] = 'y';
    zCmd[n] = 0;
    snprintf(zText, (size_t)n + 200, "[dag]\nid = l\n[task t]\ntype = shell\ncommand = %s\n# %s\n", zCmd, zCmd);
    airc_err e = {0};
    d = parse_text("long.ini", zText, &e);
    if(!d) fail_msg("length %d: %s", n, e.zMsg);
    assert_string_equal(task_opt(d, "t", "command"), zCmd);
    dag_free(d);
    free(zCmd);
    free(zText);
  }
}

static void test_indented_and_crlf(void **state) {
  (void)state;
  dag *d = parse_good(GOOD_DIR "/indented.ini");
  assert_int_equal(d->schedule.kind, SCHEDULE_ONCE);
  assert_int_equal(d->nTask, 2);
  /* a continuation may start with '[' and its indentation is dropped */
  assert_string_equal(task_opt(d, "check", "command"), "if true; then\n[ -d /tmp ] && echo ok\nfi");
  assert_int_equal(d->aTask[0].retries, 1);
  assert_string_equal(task_opt(d, "after", "command"), "echo after");
  assert_int_equal(d->aTask[1].nUpstream, 1);
  dag_free(d);
  d = parse_good(GOOD_DIR "/crlf.ini");
  assert_string_equal(d->zId, "crlf");
  assert_string_equal(task_opt(d, "a", "command"), "echo a");
  dag_free(d);
}

static void test_schedules_and_ids(void **state) {
  (void)state;
  dag *d = parse_good(GOOD_DIR "/schedules.ini");
  assert_string_equal(d->zId, "schedules.v2-x_y");
  assert_string_equal(d->zSchedule, "@weekly"); /* schedule_interval is an alias */
  assert_false(d->catchup);
  assert_int_equal(d->maxActiveTasks, 100000);
  assert_int_equal(json_array_size(d->pTags), 0);
  assert_string_equal(json_string_value(json_object_get(d->pParams, "empty")), "");
  assert_string_equal(json_string_value(json_object_get(d->pParams, "path")), "/data/{{ ds }}");
  assert_string_equal(task_opt(d, "a.b", "command"), "echo '[not a section]'");
  assert_string_equal(task_opt(d, "a.b", "cwd"), "/tmp");
  dag_free(d);
  d = parse_good(GOOD_DIR "/all_rules.json");
  for(int r = 0; r < 8; r++) {
    char zId[16];
    snprintf(zId, sizeof(zId), "r%d", r + 1);
    assert_int_equal(d->aTask[dag_task_index(d, zId)].rule, r);
  }
  assert_int_equal(d->schedule.kind, SCHEDULE_NONE);
  dag_free(d);
}

/* any change of meaning changes the hash; key order and spacing do not */
static void test_hash_sensitivity(void **state) {
  (void)state;
  static const char *const azSame[] = {
      "[dag]\nid = h\n[task a]\ntype = shell\ncommand = echo\n",
      "[dag]\n  id   =   h  \n\n[task a]\ncommand = echo\ntype = shell\n",
      "; comment\n[dag]\nid = h\nschedule = none\ncatchup = false\nmax_active_runs = 16\n[task a]\ntype = shell\ncommand = echo\nretries = 0\nretry_delay = 5m\n",
  };
  static const char *const azDiff[] = {
      "[dag]\nid = h\n[task a]\ntype = shell\ncommand = echo \n[task b]\ntype = shell\ncommand = echo\n",
      "[dag]\nid = h\n[task a]\ntype = shell\ncommand = echo x\n",
      "[dag]\nid = h2\n[task a]\ntype = shell\ncommand = echo\n",
      "[dag]\nid = h\ncatchup = true\n[task a]\ntype = shell\ncommand = echo\n",
      "[dag]\nid = h\nretries = 1\n[task a]\ntype = shell\ncommand = echo\n",
      "[dag]\nid = h\ntags = x\n[task a]\ntype = shell\ncommand = echo\n",
      "[dag]\nid = h\nparams.p = 1\n[task a]\ntype = shell\ncommand = echo\n",
      "[dag]\nid = h\n[task a]\ntype = shell\ncommand = echo\ntrigger_rule = always\n",
  };
  airc_err e = {0};
  dag *d0 = parse_text("h.ini", azSame[0], &e);
  assert_non_null(d0);
  for(size_t i = 1; i < sizeof(azSame) / sizeof(azSame[0]); i++) {
    dag *d = parse_text("h.ini", azSame[i], &e);
    if(!d) fail_msg("%s", e.zMsg);
    assert_string_equal(d->zHash, d0->zHash);
    dag_free(d);
  }
  for(size_t i = 0; i < sizeof(azDiff) / sizeof(azDiff[0]); i++) {
    dag *d = parse_text("h.ini", azDiff[i], &e);
    if(!d) fail_msg("%s", e.zMsg);
    if(!strcmp(d->zHash, d0->zHash)) fail_msg("same hash for:\n%s", azDiff[i]);
    dag_free(d);
  }
  dag_free(d0);
}

/* ---- generated bad inputs ---------------------------------------------- */

static void assert_text_error(const char *zName, const char *zText, size_t nText, const char *zWant) {
  dag *d = NULL;
  airc_err e = {0};
  assert_int_not_equal(dag_parse_buffer(zName, zText, nText, task_type_schemas(), &d, &e), AIRC_OK);
  assert_null(d);
  if(strcmp(e.zMsg, zWant)) fail_msg("got  %s\nwant %s", e.zMsg, zWant);
}

static void test_file_too_big(void **state) {
  (void)state;
  size_t n = DAG_FILE_MAX + 1;
  char *z = malloc(n + 1);
  memcpy(z, "[dag]\nid = big\n", 15);
  memset(z + 15, ';', n - 15);
  for(size_t i = 100; i < n; i += 100) z[i] = '\n';
  z[n] = 0;
  assert_text_error("big.ini", z, n, "big.ini: file is 1048577 bytes, larger than the 1048576 byte limit");
  /* exactly at the limit is accepted */
  dag *d = NULL;
  airc_err e = {0};
  assert_int_equal(dag_parse_buffer("big.ini", z, n - 1, task_type_schemas(), &d, &e), AIRC_OK);
  dag_free(d);
  /* and from a file */
  char zPath[] = "/tmp/airc_test_bigXXXXXX.ini";
  int fd = mkstemps(zPath, 4);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, z, n), (ssize_t)n);
  close(fd);
  assert_int_not_equal(dag_parse_file(zPath, task_type_schemas(), &d, &e), AIRC_OK);
  char zWant[256];
  snprintf(zWant, sizeof(zWant), "%s: file is 1048577 bytes, larger than the 1048576 byte limit", zPath);
  assert_string_equal(e.zMsg, zWant);
  assert_int_equal(e.rc, AIRC_ERR_TOOBIG);
  unlink(zPath);
  free(z);
}

static void test_file_errors(void **state) {
  (void)state;
  dag *d = (dag *)1;
  airc_err e = {0};
  assert_int_equal(dag_parse_file("/nonexistent/x.ini", task_type_schemas(), &d, &e), AIRC_ERR_IO);
  assert_null(d);
  assert_string_equal(e.zMsg, "/nonexistent/x.ini: cannot open: No such file or directory");
  airc_err_clear(&e);
  assert_int_equal(dag_parse_file("/tmp", task_type_schemas(), &d, &e), AIRC_ERR_IO);
  assert_string_equal(e.zMsg, "/tmp: not a regular file");
}

static void test_too_many_tasks(void **state) {
  (void)state;
  size_t nAlloc = 64 + (DAG_MAX_TASKS + 1) * 48;
  char *z = malloc(nAlloc);
  size_t o = (size_t)snprintf(z, nAlloc, "{\"dag\": {\"id\": \"many\"}, \"tasks\": [");
  for(int i = 0; i <= DAG_MAX_TASKS; i++)
    o += (size_t)snprintf(z + o, nAlloc - o, "%s{\"id\":\"t%d\",\"type\":\"shell\",\"command\":\"x\"}", i ? "," : "", i);
  o += (size_t)snprintf(z + o, nAlloc - o, "]}");
  assert_text_error("many.json", z, o, "many.json: more than 20000 tasks");
  free(z);
}

static void test_many_tasks_deep_chain(void **state) {
  (void)state;
  /* the largest DAG allowed, one long chain: cycle detection must not blow
   * the stack, and id lookups must not be quadratic (this took 8 s) */
  size_t nAlloc = 64 + DAG_MAX_TASKS * 64;
  char *z = malloc(nAlloc);
  size_t o = (size_t)snprintf(z, nAlloc, "[dag]\nid = chain\n");
  for(int i = 0; i < DAG_MAX_TASKS; i++) {
    o += (size_t)snprintf(z + o, nAlloc - o, "[task %d]\ntype=shell\ncommand=x\n", i);
    if(i) o += (size_t)snprintf(z + o, nAlloc - o, "upstream=%d\n", i - 1);
  }
  assert_true(o < DAG_FILE_MAX);
  dag *d = NULL;
  airc_err e = {0};
  int64_t t0 = airc_now_us();
  if(dag_parse_buffer("chain.ini", z, o, task_type_schemas(), &d, &e)) fail_msg("%s", e.zMsg);
  int64_t us = airc_now_us() - t0;
  assert_int_equal(d->nTask, DAG_MAX_TASKS);
  assert_int_equal(d->aTask[DAG_MAX_TASKS - 1].aiUpstream[0], DAG_MAX_TASKS - 2);
  dag_free(d);
  /* one task more is refused */
  o += (size_t)snprintf(z + o, nAlloc - o, "[task loop]\ntype=shell\ncommand=x\nupstream=%d\n", DAG_MAX_TASKS - 1);
  z[o] = 0;
  assert_int_not_equal(dag_parse_buffer("chain.ini", z, o, task_type_schemas(), &d, &e), AIRC_OK);
  assert_string_equal(e.zMsg, "chain.ini: more than 20000 tasks");
  free(z);
  assert_true(us < 20 * 1000000);
}

static void test_id_limits(void **state) {
  (void)state;
  char zId[300], zText[400];
  memset(zId, 'a', 200);
  zId[200] = 0;
  snprintf(zText, sizeof(zText), "[dag]\nid = %s\n", zId);
  airc_err e = {0};
  dag *d = parse_text("ok.ini", zText, &e);
  assert_non_null(d);
  dag_free(d);
  strcat(zId, "b");
  snprintf(zText, sizeof(zText), "[dag]\nid = %s\n", zId);
  char zWant[600];
  snprintf(zWant, sizeof(zWant), "long.ini:2: DAG id is 201 characters long, above the limit of 200 (ids name log folders and files)");
  assert_text_error("long.ini", zText, strlen(zText), zWant);
  assert_text_error("dots.ini", "[dag]\nid = ..\n", 14,
                    "dots.ini:2: DAG id '..' is not valid (1-200 characters, no spaces, '/', '\\' or ',')");
  assert_text_error("sp.ini", "[dag]\nid = a b\n", 15,
                    "sp.ini:2: DAG id 'a b' is not valid (1-200 characters, no spaces, '/', '\\' or ',')");
  assert_true(dag_id_is_valid("a.b-c_d:e@f"));
  assert_false(dag_id_is_valid(NULL));
  assert_false(dag_id_is_valid(""));
  assert_false(dag_id_is_valid("a\\b"));
  assert_false(dag_id_is_valid("a\tb"));
  assert_false(dag_id_is_valid("a\x7f"));
}

static void test_stored_version_errors(void **state) {
  (void)state;
  dag *d = NULL;
  airc_err e = {0};
  assert_int_equal(dag_from_json_text("{not json", task_type_schemas(), &d, &e), AIRC_ERR_PARSE);
  assert_null(d);
  assert_string_equal(e.zMsg, "stored DAG version: string or '}' expected near 'not'");
  airc_err_clear(&e);
  assert_int_not_equal(dag_from_json_text("{\"dag\": {}}", task_type_schemas(), &d, &e), AIRC_OK);
  assert_string_equal(e.zMsg, "stored DAG version: [dag] has no 'id'");
}


/* ---- mapping, groups, sensors ---------------------------------------- */

static void assert_ini_error(const char *zText, const char *zWant) {
  assert_text_error("dags/x.ini", zText, strlen(zText), zWant);
}

static void test_mapping_keys(void **state) {
  (void)state;
  airc_err e = {0};
  dag *d = parse_text("dags/m.ini",
                      "[dag]\nid = m\n[task a]\ntype = shell\ncommand = echo\n"
                      "[task b]\ntype = shell\nexpand = xcom.a\nmax_active_tis_per_dag = 2\ngroup = g1\ncommand = echo {{ item }}\n"
                      "[task c]\ntype = shell\nexpand = [1, \"x\", {\"k\": 2}]\ncommand = echo\n",
                      &e);
  if(!d) fail_msg("%s", e.zMsg);
  const dag_task *b = &d->aTask[1], *c = &d->aTask[2];
  assert_string_equal(b->zExpandTask, "a");
  assert_int_equal(b->nUpstream, 1); /* expand = xcom.a makes a an upstream */
  assert_string_equal(b->azUpstream[0], "a");
  assert_int_equal(b->maxActiveTis, 2);
  assert_string_equal(b->zGroup, "g1");
  assert_int_equal(json_array_size(c->pExpandList), 3);
  assert_null(c->zGroup);
  assert_round_trip(d);
  /* a DAG without mapping keeps its canonical form: no new keys */
  json_t *pDoc = dag_to_json(d);
  json_t *pA = json_array_get(json_object_get(pDoc, "tasks"), 0);
  assert_null(json_object_get(pA, "expand"));
  assert_null(json_object_get(pA, "group"));
  json_decref(pDoc);
  dag_free(d);
  /* JSON DAGs write the list as a list */
  d = parse_text("dags/j.json",
                 "{\"dag\": {\"id\": \"j\"}, \"tasks\": [{\"id\": \"t\", \"type\": \"shell\", \"command\": \"echo\","
                 " \"expand\": [\"a\", 2], \"group\": \"g\", \"max_active_tis_per_dag\": 3}]}",
                 &e);
  if(!d) fail_msg("%s", e.zMsg);
  assert_int_equal(json_array_size(d->aTask[0].pExpandList), 2);
  assert_int_equal(d->aTask[0].maxActiveTis, 3);
  assert_string_equal(d->aTask[0].zGroup, "g");
  assert_round_trip(d);
  dag_free(d);
  assert_ini_error("[dag]\nid = x\n[task a]\ntype = shell\nexpand = 1, 2\ncommand = echo\n",
                   "dags/x.ini:5: task 'a': expand must be xcom.TASK or a JSON list such as [1, 2, 3], not '1, 2'");
  assert_ini_error("[dag]\nid = x\n[task a]\ntype = shell\nexpand = [1, 2\ncommand = echo\n",
                   "dags/x.ini:5: task 'a': expand: bad JSON list: ']' expected near end of file");
  assert_ini_error("[dag]\nid = x\n[task a]\ntype = shell\nexpand = xcom.nope\ncommand = echo\n",
                   "dags/x.ini:5: task 'a': expand = xcom.nope: 'nope' is not a task of DAG 'x'");
  assert_ini_error("[dag]\nid = x\n[task a]\ntype = shell\nmax_active_tis_per_dag = 0\ncommand = echo\n",
                   "dags/x.ini:5: task 'a': max_active_tis_per_dag must be a whole number 1..100000");
  assert_ini_error("[dag]\nid = x\n[task a]\ntype = shell\ngroup = a b\ncommand = echo\n",
                   "dags/x.ini:5: task 'a': group must be 1..100 letters, digits, '_', '-' or '.', not 'a b'");
}

static void test_sensor_options(void **state) {
  (void)state;
  airc_err e = {0};
  dag *d = parse_text("dags/s.ini",
                      "[dag]\nid = s\n[task w]\ntype = sensor\nsensor = http\nurl = http://127.0.0.1:1/x\n"
                      "expected_status = 204\npoke_interval = 5s\ntimeout = 1m\nsoft_fail = true\nmode = reschedule\n",
                      &e);
  if(!d) fail_msg("%s", e.zMsg);
  sensor_spec spec;
  const char *zKey = NULL;
  char zErr[200];
  assert_int_equal(sensor_spec_parse(d->aTask[0].pOptions, &spec, &zKey, zErr, sizeof(zErr)), 0);
  assert_int_equal(spec.kind, SENSOR_HTTP);
  assert_int_equal(spec.expectedStatus, 204);
  assert_int_equal(spec.pokeInterval, 5);
  assert_int_equal(spec.timeout, 60);
  assert_true(spec.bSoftFail);
  assert_true(spec.bReschedule);
  dag_free(d);
  assert_ini_error("[dag]\nid = x\n[task w]\ntype = sensor\nsensor = ftp\n",
                   "dags/x.ini:5: task 'w': sensor must be file, http, sql or external_task, not 'ftp'");
  assert_ini_error("[dag]\nid = x\n[task w]\ntype = sensor\nsensor = file\n",
                   "dags/x.ini:5: task 'w': sensor = file needs 'path'");
  assert_ini_error("[dag]\nid = x\n[task w]\ntype = sensor\nsensor = sql\nsql = select 1\n",
                   "dags/x.ini:5: task 'w': sensor = sql needs 'conn'");
  assert_ini_error("[dag]\nid = x\n[task w]\ntype = sensor\nsensor = file\npath = /x\nurl = http://y\n",
                   "dags/x.ini:7: task 'w': 'url' is not an option of sensor = file");
  assert_ini_error("[dag]\nid = x\n[task w]\ntype = sensor\nsensor = file\npath = /x\nmode = later\n",
                   "dags/x.ini:7: task 'w': mode must be poke or reschedule, not 'later'");
  assert_ini_error("[dag]\nid = x\n[task w]\ntype = sensor\nsensor = file\npath = /x\ntimeout = soon\n",
                   "dags/x.ini:7: task 'w': timeout: bad duration 'soon' (write 30s, 5m, 2h or 1d)");
  assert_ini_error("[dag]\nid = x\n[task w]\ntype = sensor\nsensor = http\nurl = http://y\nexpected_status = 42\n",
                   "dags/x.ini:7: task 'w': expected_status must be an HTTP status 100..599, not '42'");
}

/* dag/ knows no task type of its own: the caller's list is the only one.
 * A made-up type parses with a made-up list (its option check included),
 * `shell` is then unknown, and an empty list names no type. */
static const char *const azNoopKeys[] = {"level", NULL};
static int noop_validate(const char *zKey, const char *zValue, char *zErr, size_t nErr) {
  (void)zKey;
  if(strcmp(zValue, "high")) return 0;
  snprintf(zErr, nErr, "too high");
  return -1;
}
static const task_schema noop_schema = {"noop", azNoopKeys, azNoopKeys, noop_validate, NULL, NULL, NULL};
static const task_schema *const apNoop[] = {&noop_schema, NULL};

static void test_types_come_from_the_caller(void **state) {
  (void)state;
  const char *zNoop = "[dag]\nid = t\nschedule = none\n[task a]\ntype = noop\nlevel = low\n";
  dag *d = NULL;
  airc_err e = {0};
  if(dag_parse_buffer("t.ini", zNoop, strlen(zNoop), apNoop, &d, &e)) fail_msg("%s", e.zMsg);
  assert_string_equal(d->aTask[0].zType, "noop");
  dag_free(d);
  d = NULL;
  const char *zHigh = "[dag]\nid = t\nschedule = none\n[task a]\ntype = noop\nlevel = high\n";
  assert_int_not_equal(dag_parse_buffer("t.ini", zHigh, strlen(zHigh), apNoop, &d, &e), AIRC_OK);
  assert_string_equal(e.zMsg, "t.ini:6: task 'a': level: too high");
  airc_err_clear(&e);
  const char *zShell = "[dag]\nid = t\nschedule = none\n[task a]\ntype = shell\ncommand = true\n";
  assert_int_not_equal(dag_parse_buffer("t.ini", zShell, strlen(zShell), apNoop, &d, &e), AIRC_OK);
  assert_string_equal(e.zMsg, "t.ini:5: task 'a': unknown task type 'shell' (known: noop)");
  airc_err_clear(&e);
  assert_int_not_equal(dag_parse_buffer("t.ini", zNoop, strlen(zNoop), NULL, &d, &e), AIRC_OK);
  assert_string_equal(e.zMsg, "t.ini:5: task 'a': unknown task type 'noop' (known: none)");
  assert_null(d);
}

int main(void) {
  /* messages carry the path as given: parse from the root */
  const char *zDir = getenv("AIRC_SRC_DIR");
  if(zDir && *zDir && chdir(zDir)) {
    perror(zDir);
    return 1;
  }
  unsetenv("AIRC_SRC_DIR");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good_fixtures),
      cmocka_unit_test(test_bad_fixtures),
      cmocka_unit_test(test_ini_json_same_hash),
      cmocka_unit_test(test_typed_params),
      cmocka_unit_test(test_etl_contents),
      cmocka_unit_test(test_long_lines),
      cmocka_unit_test(test_indented_and_crlf),
      cmocka_unit_test(test_schedules_and_ids),
      cmocka_unit_test(test_hash_sensitivity),
      cmocka_unit_test(test_file_too_big),
      cmocka_unit_test(test_file_errors),
      cmocka_unit_test(test_too_many_tasks),
      cmocka_unit_test(test_many_tasks_deep_chain),
      cmocka_unit_test(test_id_limits),
      cmocka_unit_test(test_stored_version_errors),
      cmocka_unit_test(test_types_come_from_the_caller),
      cmocka_unit_test(test_mapping_keys),
      cmocka_unit_test(test_sensor_options),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
