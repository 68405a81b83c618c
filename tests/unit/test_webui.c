/* test_webui.c: pure helpers of the web server: route matching, static
 * path cleaning and content types, the JSON error builder, status
 * mapping, query parameter parsing, and the login throttle. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <string.h>
#include "webui/http_reply.h"
#include "webui/params.h"
#include "webui/route.h"
#include "webui/static_files.h"
#include "webui/throttle.h"
#include "webui/users.h"

static void test_route_match(void **state) {
  (void)state;
  char zBuf[256];
  const char *az[4];
  int n;
  assert_true(route_match("/api/v1/dags", "/api/v1/dags", zBuf, sizeof(zBuf), az, 4, &n));
  assert_int_equal(n, 0);
  assert_true(route_match("/api/v1/dags/{dag_id}/dagRuns/{run}", "/api/v1/dags/d1/dagRuns/r<1>", zBuf, sizeof(zBuf), az, 4, &n));
  assert_int_equal(n, 2);
  assert_string_equal(az[0], "d1");
  assert_string_equal(az[1], "r<1>");
  assert_false(route_match("/api/v1/dags/{dag_id}", "/api/v1/dags/", zBuf, sizeof(zBuf), az, 4, &n));
  assert_false(route_match("/api/v1/dags/{dag_id}", "/api/v1/dags/a/b", zBuf, sizeof(zBuf), az, 4, &n));
  assert_false(route_match("/api/v1/dags", "/api/v1/dagsx", zBuf, sizeof(zBuf), az, 4, &n));
  assert_false(route_match("/api/v1/dags", "/api/v1/dags/", zBuf, sizeof(zBuf), az, 4, &n));
  assert_false(route_match("/api/v1/dags/{a}", "/api/v1/dags/x", zBuf, 5, az, 4, &n)); /* too long for the buffer */
  assert_false(route_match("/a/{x}/{y}", "/a/1/2", zBuf, sizeof(zBuf), az, 1, &n));   /* more captures than room */
}

/* "{name*}" takes the rest of the path: a dataset URI, %2F decoded */
static void test_route_match_rest(void **state) {
  (void)state;
  char zBuf[256];
  const char *az[4];
  int n;
  assert_true(route_match("/api/v1/datasets/{uri*}", "/api/v1/datasets/s3://lake/a.parquet", zBuf, sizeof(zBuf), az, 4, &n));
  assert_int_equal(n, 1);
  assert_string_equal(az[0], "s3://lake/a.parquet");
  assert_true(route_match("/d/{id}/{rest*}", "/d/7/x/y", zBuf, sizeof(zBuf), az, 4, &n));
  assert_int_equal(n, 2);
  assert_string_equal(az[0], "7");
  assert_string_equal(az[1], "x/y");
  assert_false(route_match("/api/v1/datasets/{uri*}", "/api/v1/datasets/", zBuf, sizeof(zBuf), az, 4, &n));
  assert_false(route_match("/api/v1/datasets/{uri*}", "/api/v1/datasets", zBuf, sizeof(zBuf), az, 4, &n));
  /* only last: elsewhere it is an ordinary capture */
  assert_false(route_match("/d/{rest*}/x", "/d/a/b/x", zBuf, sizeof(zBuf), az, 4, &n));
}

static void test_static_path_clean(void **state) {
  (void)state;
  char z[256];
  assert_int_equal(static_path_clean("/", z, sizeof(z)), 0);
  assert_string_equal(z, "index.html");
  assert_int_equal(static_path_clean("/static/", z, sizeof(z)), 0);
  assert_string_equal(z, "index.html");
  assert_int_equal(static_path_clean("/static/css/app.css", z, sizeof(z)), 0);
  assert_string_equal(z, "css/app.css");
  assert_int_equal(static_path_clean("/app.js", z, sizeof(z)), 0);
  assert_string_equal(z, "app.js");
  static const char *const azBad[] = {"/../airc.db", "/static/../../etc/passwd", "/a/../b", "/./x", "//etc/passwd",
                                      "/static//etc/passwd", "/css/", "/a\\..\\b", "/x\x01y", "relative", "", "/c:x",
                                      "/static/..", NULL};
  for(int i = 0; azBad[i]; i++) assert_int_equal(static_path_clean(azBad[i], z, sizeof(z)), -1);
  assert_int_equal(static_path_clean("/very/long/name", z, 5), -1);
  assert_string_equal(static_content_type("a/b.html"), "text/html; charset=utf-8");
  assert_string_equal(static_content_type("x.JS"), "text/javascript; charset=utf-8");
  assert_string_equal(static_content_type("x.svg"), "image/svg+xml");
  assert_string_equal(static_content_type("x.ico"), "image/x-icon");
  assert_string_equal(static_content_type("x"), "application/octet-stream");
  assert_string_equal(static_content_type("dir.d/x"), "application/octet-stream");
}

static void test_error_json(void **state) {
  (void)state;
  char *z = http_error_json(404, "DAG '<script>\"x\\' not found\n");
  json_t *p = json_loads(z, 0, NULL);
  assert_non_null(p);
  assert_int_equal(json_integer_value(json_object_get(p, "status")), 404);
  assert_string_equal(json_string_value(json_object_get(p, "title")), "Not Found");
  assert_string_equal(json_string_value(json_object_get(p, "detail")), "DAG '<script>\"x\\' not found\n");
  json_decref(p);
  free(z);
  z = http_error_json(400, "bad \xff\xfe utf8");  /* not UTF-8: still valid JSON */
  p = json_loads(z, 0, NULL);
  assert_non_null(p);
  assert_string_equal(json_string_value(json_object_get(p, "detail")), "bad ?? utf8");
  json_decref(p);
  free(z);
  assert_string_equal(http_status_title(413), "Payload Too Large");
  assert_string_equal(http_status_title(429), "Too Many Requests");
  assert_int_equal(http_status_for_rc(AIRC_ERR_NOTFOUND), 404);
  assert_int_equal(http_status_for_rc(AIRC_ERR_EXISTS), 409);
  assert_int_equal(http_status_for_rc(AIRC_ERR_PARSE), 400);
  assert_int_equal(http_status_for_rc(AIRC_ERR_TOOBIG), 413);
  assert_int_equal(http_status_for_rc(AIRC_ERR_DB), 500);
}

static void test_params(void **state) {
  (void)state;
  params_page pg;
  airc_err err = {0};
  assert_int_equal(params_parse_page(NULL, NULL, 0, 0, &pg, &err), AIRC_OK);
  assert_int_equal(pg.limit, 100);
  assert_int_equal(pg.offset, 0);
  assert_int_equal(params_parse_page("1000", "5", 0, 0, &pg, &err), AIRC_OK);
  assert_int_equal(pg.limit, 1000);
  assert_int_equal(pg.offset, 5);
  static const char *const azBad[] = {"0", "1001", "abc", "", "-1", "1e3", " 5", "99999999999999999999999", NULL};
  for(int i = 0; azBad[i]; i++) {
    airc_err_clear(&err);
    assert_int_equal(params_parse_page(azBad[i], NULL, 0, 0, &pg, &err), AIRC_ERR_INVALID);
    assert_non_null(strstr(err.zMsg, "limit"));
  }
  airc_err_clear(&err);
  assert_int_equal(params_parse_page("5", "x", 0, 0, &pg, &err), AIRC_ERR_INVALID);
  assert_non_null(strstr(err.zMsg, "offset"));
  int b;
  assert_int_equal(params_parse_bool("paused", NULL, -1, &b, &err), AIRC_OK);
  assert_int_equal(b, -1);
  assert_int_equal(params_parse_bool("paused", "true", -1, &b, &err), AIRC_OK);
  assert_int_equal(b, 1);
  assert_int_equal(params_parse_bool("paused", "0", -1, &b, &err), AIRC_OK);
  assert_int_equal(b, 0);
  airc_err_clear(&err);
  assert_int_equal(params_parse_bool("paused", "maybe", -1, &b, &err), AIRC_ERR_INVALID);
}

static void test_throttle(void **state) {
  (void)state;
  throttle_configure(5, 20, 300);
  int64_t t0 = 1000000000;
  for(int i = 0; i < 4; i++) throttle_fail(THROTTLE_USER, "u", t0 + i);
  assert_int_equal(throttle_wait(THROTTLE_USER, "u", t0 + 10), 0);
  throttle_fail(THROTTLE_USER, "u", t0 + 20);
  assert_int_equal(throttle_wait(THROTTLE_USER, "u", t0 + 30), 300);
  assert_int_equal(throttle_wait(THROTTLE_IP, "u", t0 + 30), 0);              /* kinds are apart */
  assert_int_equal(throttle_wait(THROTTLE_USER, "v", t0 + 30), 0);             /* other user */
  assert_int_equal(throttle_wait(THROTTLE_USER, "u", t0 + 301LL * 1000000), 0); /* window over */
  for(int i = 0; i < 6; i++) throttle_fail(THROTTLE_USER, "v", t0);
  throttle_clear(THROTTLE_USER, "v");                                          /* a success clears */
  assert_int_equal(throttle_wait(THROTTLE_USER, "v", t0), 0);
  /* an IP has its own, larger limit */
  for(int i = 0; i < 19; i++) throttle_fail(THROTTLE_IP, "1.2.3.4", t0);
  assert_int_equal(throttle_wait(THROTTLE_IP, "1.2.3.4", t0), 0);
  throttle_fail(THROTTLE_IP, "1.2.3.4", t0);
  assert_int_equal(throttle_wait(THROTTLE_IP, "1.2.3.4", t0), 300);
}

/* Many other failing keys (more than the table holds) never push a locked
 * key out; once the table is full of locked keys, a new key is refused
 * rather than counted from zero. */
static void test_throttle_never_forgets_locked(void **state) {
  (void)state;
  throttle_configure(5, 20, 300);
  int64_t t0 = 1000000000;
  for(int i = 0; i < 5; i++) throttle_fail(THROTTLE_USER, "victim", t0);
  char zKey[32];
  for(int i = 0; i < 20000; i++) {
    snprintf(zKey, sizeof(zKey), "other%d", i);
    throttle_fail(THROTTLE_USER, zKey, t0 + 1 + i);
  }
  assert_true(throttle_wait(THROTTLE_USER, "victim", t0 + 30000) > 0);
  /* fill every slot with locked keys */
  for(int i = 0; i < 20000; i++) {
    snprintf(zKey, sizeof(zKey), "locked%d", i);
    for(int j = 0; j < 5; j++) throttle_fail(THROTTLE_USER, zKey, t0 + 40000);
  }
  assert_true(throttle_wait(THROTTLE_USER, "victim", t0 + 50000) > 0);
  assert_true(throttle_wait(THROTTLE_USER, "never-seen", t0 + 50000) > 0);
  /* until the windows end */
  assert_int_equal(throttle_wait(THROTTLE_USER, "never-seen", t0 + 301LL * 1000000), 0);
  throttle_reset_all();
}

static void test_usernames(void **state) {
  (void)state;
  assert_true(users_name_is_valid("admin"));
  assert_true(users_name_is_valid("a.b-c_d@e"));
  assert_false(users_name_is_valid(""));
  assert_false(users_name_is_valid("has space"));
  assert_false(users_name_is_valid("<script>"));
  char z[80];
  memset(z, 'a', 65);
  z[65] = 0;
  assert_false(users_name_is_valid(z));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_route_match), cmocka_unit_test(test_route_match_rest), cmocka_unit_test(test_static_path_clean), cmocka_unit_test(test_error_json),
      cmocka_unit_test(test_params),      cmocka_unit_test(test_throttle), cmocka_unit_test(test_throttle_never_forgets_locked),          cmocka_unit_test(test_usernames),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
