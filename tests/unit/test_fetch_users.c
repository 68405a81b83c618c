/* test_fetch_users.c: the fetch-users task type end to end against an
 * in-process randomuser server on a free 127.0.0.1 port, plus a tiny
 * misbehaving server (500s, garbage, timeouts) for the failure paths.
 * Each test gets its own temporary AIRC_HOME; every wait is bounded by the
 * task's own timeouts and retries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include "common/dynbuf.h"
#include "providers/runners.h"
#include "providers/fetch_users/fetch_users.h"
#include "tools/randomuser/randomuser_gen.h"
#include "tools/randomuser/randomuser_server.h"
#include "providers/fetch_users/task_fetch_users.h"
#include "tests/unit/testutil.h"

/* --- a misbehaving API, chosen by the first path segment --- */

typedef struct bad_server {
  struct MHD_Daemon *pDaemon;
  int port;
  atomic_int nFlaky;
} bad_server;

static const char *bad_get_arg(void *pArg, const char *zKey) {
  return MHD_lookup_connection_value(pArg, MHD_GET_ARGUMENT_KIND, zKey);
}

static enum MHD_Result bad_reply(struct MHD_Connection *c, unsigned status, const char *z) {
  struct MHD_Response *r = MHD_create_response_from_buffer(strlen(z), (void *)z, MHD_RESPMEM_MUST_COPY);
  enum MHD_Result res = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  return res;
}

static enum MHD_Result bad_handle(void *pCls, struct MHD_Connection *c, const char *zUrl,
                                  const char *zMethod, const char *zVer, const char *zUp,
                                  size_t *pnUp, void **pp) {
  bad_server *p = pCls;
  (void)zMethod, (void)zVer, (void)zUp, (void)pnUp, (void)pp;
  if(!strncmp(zUrl, "/always500/", 11)) return bad_reply(c, 500, "{\"error\":\"boom\"}");
  if(!strncmp(zUrl, "/garbage/", 9)) return bad_reply(c, 200, "<html>Service Unavailable</html>");
  if(!strncmp(zUrl, "/noresults/", 11)) return bad_reply(c, 200, "{\"info\":{\"seed\":\"x\"}}");
  if(!strncmp(zUrl, "/apierror/", 10)) return bad_reply(c, 200, "{\"error\":\"Uh oh, something has gone wrong.\"}");
  if(!strncmp(zUrl, "/allbad/", 8)) return bad_reply(c, 200, "{\"results\":[{\"gender\":1},{}]}");
  if(!strncmp(zUrl, "/slow/", 6)) {
    usleep(1500 * 1000);
    return bad_reply(c, 200, "{\"results\":[]}");
  }
  /* overlap: page p starts at user (p-1)*(results-1), so each page repeats
   * the last user of the one before, and user 1 is broken; samepage: every
   * page is page 1; samepage-nouuid: the same without login.uuid */
  int bOverlap = !strncmp(zUrl, "/overlap/", 9), bSame = !strncmp(zUrl, "/samepage", 9);
  if(bOverlap || bSame) {
    randomuser_query q;
    char zErr[256];
    if(randomuser_query_parse(bad_get_arg, c, &q, zErr, sizeof(zErr)))
      return bad_reply(c, 400, "{\"error\":\"bad query\"}");
    uint64_t k0 = bSame ? 0 : (uint64_t)(q.page - 1) * (uint64_t)(q.nResults - 1);
    json_t *pResults = json_array();
    for(int i = 0; i < q.nResults; i++) {
      json_t *pUser;
      if(randomuser_gen_user(randomuser_gen_seed_hash(q.zSeed), k0 + (uint64_t)i, 0, 0,
                             RANDOMUSER_ALL_FIELDS, &pUser))
        return bad_reply(c, 500, "{\"error\":\"gen\"}");
      if(bOverlap && k0 + (uint64_t)i == 1) json_object_del(json_object_get(pUser, "name"), "first");
      if(!strncmp(zUrl, "/samepage-nouuid/", 17)) json_object_del(json_object_get(pUser, "login"), "uuid");
      json_array_append_new(pResults, pUser);
    }
    json_t *pDoc = json_pack("{s:o}", "results", pResults);
    char *zBody = json_dumps(pDoc, JSON_COMPACT);
    json_decref(pDoc);
    enum MHD_Result res = bad_reply(c, 200, zBody);
    free(zBody);
    return res;
  }
  int bSomeBad = !strncmp(zUrl, "/somebad/", 9);
  if(!strncmp(zUrl, "/flaky/", 7) || bSomeBad) {
    /* flaky: two 503s, then a proper answer; somebad: user 2 of each page is broken */
    if(!bSomeBad && atomic_fetch_add(&p->nFlaky, 1) < 2)
      return bad_reply(c, 503, "{\"error\":\"warming up\"}");
    randomuser_query q;
    char zErr[256];
    json_t *pDoc;
    if(randomuser_query_parse(bad_get_arg, c, &q, zErr, sizeof(zErr)) ||
       randomuser_gen_response(&q, &pDoc))
      return bad_reply(c, 400, "{\"error\":\"bad query\"}");
    if(bSomeBad) json_array_set_new(json_object_get(pDoc, "results"), 1, json_pack("{s:i}", "gender", 1));
    char *zBody = json_dumps(pDoc, JSON_COMPACT);
    json_decref(pDoc);
    enum MHD_Result res = bad_reply(c, 200, zBody);
    free(zBody);
    return res;
  }
  return bad_reply(c, 404, "{\"error\":\"no such thing\"}");
}

/* --- fixtures --- */

typedef struct fx {
  randomuser_server *pSrv, *pThrottled;
  bad_server bad;
  char zHome[64];
  char zXcom[128];
} fx;

static int fx_setup(void **state) {
  fx *f = calloc(1, sizeof(*f));
  airc_err err = {0};
  randomuser_server_opts o = {"127.0.0.1", 0, 0}, t = {"127.0.0.1", 0, 2};
  if(randomuser_server_start(&o, &f->pSrv, &err) || randomuser_server_start(&t, &f->pThrottled, &err))
    return -1;
  f->bad.pDaemon = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
                                    NULL, NULL, bad_handle, &f->bad, MHD_OPTION_SOCK_ADDR, NULL,
                                    MHD_OPTION_END);
  if(!f->bad.pDaemon) return -1;
  f->bad.port = MHD_get_daemon_info(f->bad.pDaemon, MHD_DAEMON_INFO_BIND_PORT)->port;
  snprintf(f->zHome, sizeof(f->zHome), "/tmp/airc-fetch-test-XXXXXX");
  if(!mkdtemp(f->zHome)) return -1;
  snprintf(f->zXcom, sizeof(f->zXcom), "%s/xcom.json", f->zHome);
  *state = f;
  return 0;
}

static int fx_teardown(void **state) {
  fx *f = *state;
  char zCmd[128];
  snprintf(zCmd, sizeof(zCmd), "rm -rf '%s'", f->zHome);
  if(system(zCmd) != 0) return -1;
  randomuser_server_stop(f->pSrv);
  randomuser_server_stop(f->pThrottled);
  MHD_stop_daemon(f->bad.pDaemon);
  free(f);
  return 0;
}

/* Runs the task with options given as "key", "value", ..., NULL. */
static int run_task(fx *f, const char *zRunId, ...) {
  json_t *pOpts = json_object();
  va_list ap;
  va_start(ap, zRunId);
  const char *zKey;
  while((zKey = va_arg(ap, const char *)) != NULL) {
    json_object_set_new(pOpts, zKey, json_string(va_arg(ap, const char *)));
  }
  va_end(ap);
  unlink(f->zXcom);
  task_ctx ctx = {0};
  ctx.zDagId = "user_pipeline";
  ctx.zRunId = zRunId;
  ctx.zTaskId = "fetch";
  ctx.tryNumber = 1;
  ctx.pOptions = pOpts;
  ctx.zXcomOut = f->zXcom;
  ctx.zAircHome = f->zHome;
  int rc = runner_fetch_users(&ctx);
  json_decref(pOpts);
  return rc;
}

static char *out_path(fx *f, const char *zRunId) {
  static char z[512];
  snprintf(z, sizeof(z), "%s/data/user_pipeline/%s/fetch.jsonl", f->zHome, zRunId);
  return z;
}

static char *api_url(int port, const char *zPrefix) {
  static char z[128];
  snprintf(z, sizeof(z), "http://127.0.0.1:%d%s/api/", port, zPrefix);
  return z;
}

/* Reads the JSONL output: asserts each line is a 12-field record and
 * returns the number of lines; *pzAll gets the whole file (free it). */
static int read_records(const char *zPath, char **pzAll) {
  char *z = testutil_read_file(zPath, NULL);
  assert_non_null(z);
  int n = 0;
  for(char *zLine = z; *zLine;) {
    char *zEnd = strchr(zLine, '\n');
    assert_non_null(zEnd);
    json_error_t e;
    json_t *pRec = json_loadb(zLine, (size_t)(zEnd - zLine), 0, &e);
    assert_non_null(pRec);
    assert_int_equal(json_object_size(pRec), 12);
    json_decref(pRec);
    n++;
    zLine = zEnd + 1;
  }
  if(pzAll) *pzAll = z;
  else free(z);
  return n;
}

static json_t *read_xcom(fx *f) {
  json_error_t e;
  json_t *p = json_load_file(f->zXcom, 0, &e);
  assert_non_null(p);
  return p;
}

/* --- tests --- */

/* count across pages, exact stop, ids are the API's login.uuid in order */
static void test_count_across_pages(void **state) {
  fx *f = *state;
  const char *zUrl = api_url(randomuser_server_port(f->pSrv), "");
  assert_int_equal(run_task(f, "run1", "url", zUrl, "results", "100", "count", "250", "seed",
                            "s1", NULL),
                   TASK_EXIT_SUCCESS);
  char *zAll;
  assert_int_equal(read_records(out_path(f, "run1"), &zAll), 250);
  /* line k carries user k of seed s1 */
  uint64_t h = randomuser_gen_seed_hash("s1");
  char *zLine = zAll;
  for(uint64_t k = 0; k < 250; k++) {
    json_t *pUser, *pRec;
    assert_int_equal(randomuser_gen_user(h, k, 0, 0, RANDOMUSER_ALL_FIELDS, &pUser), AIRC_OK);
    json_error_t e;
    char *zEnd = strchr(zLine, '\n');
    pRec = json_loadb(zLine, (size_t)(zEnd - zLine), 0, &e);
    assert_string_equal(json_string_value(json_object_get(pRec, "id")),
                        json_string_value(json_object_get(json_object_get(pUser, "login"), "uuid")));
    json_decref(pRec);
    json_decref(pUser);
    zLine = zEnd + 1;
  }
  free(zAll);
  json_t *pX = read_xcom(f);
  assert_string_equal(json_string_value(json_object_get(pX, "path")), out_path(f, "run1"));
  assert_int_equal(json_integer_value(json_object_get(pX, "records")), 250);
  assert_int_equal(json_integer_value(json_object_get(pX, "rejected")), 0);
  json_decref(pX);
}

/* same seed -> same file; default seed follows dag + run ids */
static void test_determinism(void **state) {
  fx *f = *state;
  const char *zUrl = api_url(randomuser_server_port(f->pSrv), "");
  char *a, *b, *c, *d;
  assert_int_equal(run_task(f, "a", "url", zUrl, "results", "40", "count", "90", "seed", "s2",
                            "nat", "no,tr,ir,ua", NULL), TASK_EXIT_SUCCESS);
  assert_int_equal(run_task(f, "b", "url", zUrl, "results", "40", "count", "90", "seed", "s2",
                            "nat", "no,tr,ir,ua", NULL), TASK_EXIT_SUCCESS);
  read_records(out_path(f, "a"), &a);
  read_records(out_path(f, "b"), &b);
  assert_string_equal(a, b);
  /* no seed: a second try of run "c" refetches the same users, run "d" others */
  assert_int_equal(run_task(f, "c", "url", zUrl, "results", "20", NULL), TASK_EXIT_SUCCESS);
  read_records(out_path(f, "c"), &c);
  assert_int_equal(run_task(f, "c", "url", zUrl, "results", "20", NULL), TASK_EXIT_SUCCESS);
  read_records(out_path(f, "c"), &d);
  assert_string_equal(c, d);
  free(d);
  assert_int_equal(run_task(f, "d", "url", zUrl, "results", "20", NULL), TASK_EXIT_SUCCESS);
  assert_int_equal(read_records(out_path(f, "d"), &d), 20);
  assert_string_not_equal(c, d);
  free(a), free(b), free(c), free(d);
}

/* every 2nd request is a 429 with Retry-After: 1; the task waits and retries */
static void test_throttled_429(void **state) {
  fx *f = *state;
  const char *zUrl = api_url(randomuser_server_port(f->pThrottled), "");
  long n0 = randomuser_server_requests(f->pThrottled);
  assert_int_equal(run_task(f, "t", "url", zUrl, "results", "50", "count", "100", "seed", "t",
                            "retry_backoff", "10ms", NULL), TASK_EXIT_SUCCESS);
  assert_int_equal(read_records(out_path(f, "t"), NULL), 100);
  assert_true(randomuser_server_requests(f->pThrottled) - n0 >= 3); /* 2 pages + >= 1 retry */
}

/* 503 twice then fine: retried; always 500: fails after retries */
static void test_server_errors(void **state) {
  fx *f = *state;
  atomic_store(&f->bad.nFlaky, 0);
  assert_int_equal(run_task(f, "flaky", "url", api_url(f->bad.port, "/flaky"), "results", "10",
                            "seed", "x", "retry_backoff", "10ms", NULL), TASK_EXIT_SUCCESS);
  assert_int_equal(read_records(out_path(f, "flaky"), NULL), 10);

  fetch_users_opts o;
  airc_err err = {0};
  json_t *pOpts = json_pack("{s:s,s:s,s:s,s:s}", "url", api_url(f->bad.port, "/always500"),
                            "request_retries", "2", "retry_backoff", "1ms", "seed", "x");
  assert_int_equal(fetch_users_opts_resolve(pOpts, "d", "r", &o, &err), AIRC_OK);
  json_decref(pOpts);
  fetch_users_stats st;
  FILE *pNull = fopen("/dev/null", "w");
  assert_int_equal(fetch_users_run(&o, pNull, NULL, &st, &err), AIRC_ERR_NET);
  char zWant[512];
  snprintf(zWant, sizeof(zWant), "GET %s?results=100&page=1&seed=x: HTTP 500: {\"error\":\"boom\"} (gave up after 3 attempts)",
           api_url(f->bad.port, "/always500"));
  assert_string_equal(err.zMsg, zWant);
  assert_int_equal(st.nRequests, 3);

  /* through the task: failure, and no file (nor temp file) left behind */
  assert_int_equal(run_task(f, "e500", "url", api_url(f->bad.port, "/always500"), "request_retries", "1",
                            "retry_backoff", "1ms", NULL), TASK_EXIT_FAILED);
  struct stat sb;
  assert_int_not_equal(stat(out_path(f, "e500"), &sb), 0);
  char zCmd[600];
  snprintf(zCmd, sizeof(zCmd), "ls %s/data/user_pipeline/e500/ | grep -q .", f->zHome);
  assert_int_not_equal(system(zCmd), 0);
  assert_int_not_equal(access(f->zXcom, F_OK), 0);

  /* 404 is not retried */
  airc_err_clear(&err);
  snprintf(o.zUrl, sizeof(o.zUrl), "%s", api_url(f->bad.port, "/missing"));
  assert_int_equal(fetch_users_run(&o, pNull, NULL, &st, &err), AIRC_ERR_NET);
  assert_int_equal(st.nRequests, 1);
  assert_non_null(strstr(err.zMsg, ": HTTP 404: {\"error\":\"no such thing\"}"));
  fclose(pNull);
}

/* Runs the loop against one bad endpoint and returns the message. */
static const char *fetch_error(fx *f, const char *zPrefix, const char *zExtraKey,
                               const char *zExtraVal, airc_rc wantRc) {
  static airc_err err;
  fetch_users_opts o;
  airc_err_clear(&err);
  json_t *pOpts = json_pack("{s:s,s:s,s:s,s:s}", "url", api_url(f->bad.port, zPrefix), "request_retries",
                            "0", "seed", "x", "results", "5");
  if(zExtraKey) json_object_set_new(pOpts, zExtraKey, json_string(zExtraVal));
  assert_int_equal(fetch_users_opts_resolve(pOpts, "d", "r", &o, &err), AIRC_OK);
  json_decref(pOpts);
  fetch_users_stats st;
  FILE *pNull = fopen("/dev/null", "w");
  airc_rc rc = fetch_users_run(&o, pNull, NULL, &st, &err);
  fclose(pNull);
  assert_int_equal(rc, wantRc);
  return err.zMsg;
}

static void test_malformed_responses(void **state) {
  fx *f = *state;
  char zWant[512];
  snprintf(zWant, sizeof(zWant), "GET %s?results=5&page=1&seed=x: response is not JSON (line 1 column 1: '<' is not a valid start of a JSON value)"
           , api_url(f->bad.port, "/garbage"));
  /* jansson's wording of the reason may vary; the prefix is ours */
  const char *z = fetch_error(f, "/garbage", NULL, NULL, AIRC_ERR_PARSE);
  assert_memory_equal(z, zWant, strlen(zWant) - 45);
  snprintf(zWant, sizeof(zWant), "GET %s?results=5&page=1&seed=x: response has no 'results' array",
           api_url(f->bad.port, "/noresults"));
  assert_string_equal(fetch_error(f, "/noresults", NULL, NULL, AIRC_ERR_PARSE), zWant);
  snprintf(zWant, sizeof(zWant), "GET %s?results=5&page=1&seed=x: API error: Uh oh, something has gone wrong.",
           api_url(f->bad.port, "/apierror"));
  assert_string_equal(fetch_error(f, "/apierror", NULL, NULL, AIRC_ERR_NET), zWant);
  snprintf(zWant, sizeof(zWant), "GET %s?results=5&page=1&seed=x: all 2 users of page 1 were rejected",
           api_url(f->bad.port, "/allbad"));
  assert_string_equal(fetch_error(f, "/allbad", NULL, NULL, AIRC_ERR_INVALID), zWant);
  z = fetch_error(f, "/slow", "timeout", "1s", AIRC_ERR_TIMEOUT);
  assert_non_null(strstr(z, "Operation timed out"));
  /* a body over the cap fails cleanly */
  fetch_users_opts o;
  airc_err err = {0};
  json_t *pOpts = json_pack("{s:s,s:s}", "url", api_url(randomuser_server_port(f->pSrv), ""),
                            "results", "100");
  assert_int_equal(fetch_users_opts_resolve(pOpts, "d", "r", &o, &err), AIRC_OK);
  json_decref(pOpts);
  o.nMaxBody = 10000;
  fetch_users_stats st;
  FILE *pNull = fopen("/dev/null", "w");
  assert_int_equal(fetch_users_run(&o, pNull, NULL, &st, &err), AIRC_ERR_TOOBIG);
  fclose(pNull);
  assert_non_null(strstr(err.zMsg, ": response body exceeds the 10000 byte cap"));
  /* nobody listening: connection error, retried, then a clear message */
  o.nMaxBody = FETCH_USERS_MAX_BODY;
  o.nRetries = 1;
  o.backoffMs = 1;
  snprintf(o.zUrl, sizeof(o.zUrl), "http://127.0.0.1:1/api/");
  airc_err_clear(&err);
  pNull = fopen("/dev/null", "w");
  assert_int_equal(fetch_users_run(&o, pNull, NULL, &st, &err), AIRC_ERR_NET);
  fclose(pNull);
  assert_int_equal(st.nRequests, 2);
  assert_non_null(strstr(err.zMsg, "(gave up after 2 attempts)"));
}

/* rejected users are counted, logged with the field, and skipped; count is
 * still reached */
static void test_rejected_users(void **state) {
  fx *f = *state;
  fetch_users_opts o;
  airc_err err = {0};
  json_t *pOpts = json_pack("{s:s,s:s,s:s,s:s}", "url", api_url(f->bad.port, "/somebad"),
                            "results", "3", "count", "5", "seed", "x");
  assert_int_equal(fetch_users_opts_resolve(pOpts, "d", "r", &o, &err), AIRC_OK);
  json_decref(pOpts);
  FILE *pOut = tmpfile(), *pLog = tmpfile();
  fetch_users_stats st;
  assert_int_equal(fetch_users_run(&o, pOut, pLog, &st, &err), AIRC_OK);
  assert_int_equal(st.nRecords, 5);
  assert_int_equal(st.nRejected, 2);
  assert_int_equal(st.lastPage, 3);
  char zLog[4096] = "";
  rewind(pLog);
  size_t n = fread(zLog, 1, sizeof(zLog) - 1, pLog);
  zLog[n] = 0;
  assert_string_equal(zLog,
                      "user 2: field 'name.first' missing\n"
                      "fetched 2/5 users (page 1), 1 rejected\n"
                      "user 5: field 'name.first' missing\n"
                      "fetched 4/5 users (page 2), 2 rejected\n"
                      "fetched 5/5 users (page 3), 2 rejected\n");
  fclose(pOut);
  fclose(pLog);
  assert_int_equal(run_task(f, "rej", "url", api_url(f->bad.port, "/somebad"), "results", "3",
                            "count", "4", NULL), TASK_EXIT_SUCCESS);
  assert_int_equal(read_records(out_path(f, "rej"), NULL), 4);
  json_t *pX = read_xcom(f);
  assert_int_equal(json_integer_value(json_object_get(pX, "records")), 4);
  assert_int_equal(json_integer_value(json_object_get(pX, "rejected")), 2);
  json_decref(pX);
}

/* Reads the JSONL output and asserts that no id appears twice; returns the
 * number of records. */
static int count_distinct_ids(const char *zPath) {
  char *zAll;
  int n = read_records(zPath, &zAll);
  json_t *pIds = json_object();
  for(char *zLine = zAll; *zLine;) {
    char *zEnd = strchr(zLine, '\n');
    json_error_t e;
    json_t *pRec = json_loadb(zLine, (size_t)(zEnd - zLine), 0, &e);
    const char *zId = json_string_value(json_object_get(pRec, "id"));
    assert_non_null(zId);
    if(json_object_get(pIds, zId)) fail_msg("id %s written twice", zId);
    json_object_set_new(pIds, zId, json_true());
    json_decref(pRec);
    zLine = zEnd + 1;
  }
  assert_int_equal(json_object_size(pIds), n);
  json_decref(pIds);
  free(zAll);
  return n;
}

/* A 9-user page with one reject makes the task fetch page 2, which repeats
 * a user of page 1: that user is written once and the 9 are 9 distinct. */
static void test_repeated_users(void **state) {
  fx *f = *state;
  fetch_users_opts o;
  airc_err err = {0};
  json_t *pOpts = json_pack("{s:s,s:s,s:s,s:s}", "url", api_url(f->bad.port, "/overlap"),
                            "results", "9", "count", "9", "seed", "x");
  assert_int_equal(fetch_users_opts_resolve(pOpts, "d", "r", &o, &err), AIRC_OK);
  json_decref(pOpts);
  FILE *pOut = tmpfile(), *pLog = tmpfile();
  fetch_users_stats st;
  assert_int_equal(fetch_users_run(&o, pOut, pLog, &st, &err), AIRC_OK);
  assert_int_equal(st.nRecords, 9);
  assert_int_equal(st.nRejected, 1);
  assert_int_equal(st.nDuplicates, 1);
  assert_int_equal(st.lastPage, 2);
  char zLog[4096] = "";
  rewind(pLog);
  size_t n = fread(zLog, 1, sizeof(zLog) - 1, pLog);
  zLog[n] = 0;
  assert_string_equal(zLog, "user 2: field 'name.first' missing\n"
                            "fetched 8/9 users (page 1), 1 rejected\n"
                            "fetched 9/9 users (page 2), 1 rejected, 1 already fetched\n");
  fclose(pOut);
  fclose(pLog);
  /* through the task: the file has 9 distinct ids, the XCom says so */
  assert_int_equal(run_task(f, "dup", "url", api_url(f->bad.port, "/overlap"), "results", "9",
                            "count", "9", "seed", "x", NULL), TASK_EXIT_SUCCESS);
  assert_int_equal(count_distinct_ids(out_path(f, "dup")), 9);
  json_t *pX = read_xcom(f);
  assert_int_equal(json_integer_value(json_object_get(pX, "records")), 9);
  assert_int_equal(json_integer_value(json_object_get(pX, "rejected")), 1);
  assert_int_equal(json_integer_value(json_object_get(pX, "duplicates")), 1);
  json_decref(pX);
  /* more pages than needed: every user once, across many overlapping pages */
  assert_int_equal(run_task(f, "dup2", "url", api_url(f->bad.port, "/overlap"), "results", "4",
                            "count", "30", "seed", "y", NULL), TASK_EXIT_SUCCESS);
  assert_int_equal(count_distinct_ids(out_path(f, "dup2")), 30);
}

/* An API serving the same page again and again: the users are written once
 * and the run fails after three pages with nothing new, with or without
 * login.uuid (then an identical repeat is recognised by its content). */
static void test_api_in_circles(void **state) {
  fx *f = *state;
  static const char *azPrefix[] = {"/samepage", "/samepage-nouuid"};
  for(int i = 0; i < 2; i++) {
    char zWant[512];
    snprintf(zWant, sizeof(zWant), "GET %s?results=5&page=4&seed=x: 3 pages in a row brought no "
             "new user (page 4: 5 already fetched, 0 rejected)", api_url(f->bad.port, azPrefix[i]));
    assert_string_equal(fetch_error(f, azPrefix[i], "count", "12", AIRC_ERR_INVALID), zWant);
    /* exactly one page's worth is enough: it succeeds with 5 distinct users */
    assert_int_equal(run_task(f, "same", "url", api_url(f->bad.port, azPrefix[i]), "results", "5",
                              "count", "5", NULL), TASK_EXIT_SUCCESS);
    assert_int_equal(count_distinct_ids(out_path(f, "same")), 5);
  }
}

static void test_option_checks(void **state) {
  (void)state;
  static const struct {
    const char *zKey, *zVal, *zWant;
  } a[] = {
      {"results", "0", "results: must be a whole number 1..5000, got '0'"},
      {"results", "5001", "results: must be a whole number 1..5000, got '5001'"},
      {"count", "many", "count: must be a whole number 1..10000000, got 'many'"},
      {"url", "ftp://x", "url: must start with http:// or https://, got 'ftp://x'"},
      {"timeout", "soon", "timeout: must be a duration like 30s, 2m or 250ms, got 'soon'"},
      {"request_retries", "-1", "request_retries: must be a whole number 0..100, got '-1'"},
      {"nat", "us;gb", "nat: must be a comma-separated list of country codes, got 'us;gb'"},
      {"colour", "red", "colour: not an option of fetch-users"},
  };
  for(size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++) {
    char zErr[256] = "";
    assert_int_equal(task_type_fetch_users.schema.xValidate(a[i].zKey, a[i].zVal, zErr, sizeof(zErr)), -1);
    assert_string_equal(zErr, a[i].zWant);
  }
  char zErr[256];
  assert_int_equal(task_type_fetch_users.schema.xValidate("results", "{{ params.n }}", zErr, 256), 0);
  assert_int_equal(task_type_fetch_users.schema.xValidate("retry_backoff", "250ms", zErr, 256), 0);
  assert_string_equal(task_type_fetch_users.schema.zName, "fetch-users");
  /* defaults, and the config override of the url */
  setenv("AIRC__RANDOMUSER__URL", "http://127.0.0.1:9/api/", 1);
  fetch_users_opts o;
  airc_err err = {0};
  assert_int_equal(fetch_users_opts_resolve(NULL, "dag", "run", &o, &err), AIRC_OK);
  unsetenv("AIRC__RANDOMUSER__URL");
  assert_string_equal(o.zUrl, "http://127.0.0.1:9/api/");
  assert_int_equal(o.nResults, 100);
  assert_int_equal(o.nCount, 100);
  assert_int_equal(o.nRetries, 5);
  assert_int_equal(o.backoffMs, 1000);
  assert_int_equal(o.timeoutMs, 30000);
  assert_int_equal(strncmp(o.zSeed, "airc-", 5), 0);
  json_t *pBad = json_pack("{s:s}", "results", "x");
  assert_int_equal(fetch_users_opts_resolve(pBad, "dag", "run", &o, &err), AIRC_ERR_INVALID);
  assert_string_equal(err.zMsg, "option results: must be a whole number 1..5000, got 'x'");
  json_decref(pBad);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_count_across_pages), cmocka_unit_test(test_determinism),
      cmocka_unit_test(test_throttled_429),      cmocka_unit_test(test_server_errors),
      cmocka_unit_test(test_malformed_responses), cmocka_unit_test(test_rejected_users),
      cmocka_unit_test(test_option_checks),      cmocka_unit_test(test_repeated_users),
      cmocka_unit_test(test_api_in_circles),
  };
  return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
