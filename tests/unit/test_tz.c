/* test_tz.c: unit tests of dag/tz.c and of zoned schedules in dag/cron.c:
 * offsets from the system tz database (transitions and the POSIX footer
 * rule), local -> UTC across DST gaps and repeats (pendulum's
 * POST_TRANSITION), cron ticks around the 2026 changes in Europe/Paris
 * (Mar 29, Oct 25 at 01:00 UTC) and America/New_York (Mar 8 at 07:00 UTC,
 * Nov 1 at 06:00 UTC), unknown zones, and a TZif parser that survives
 * truncated, mutated and oversized input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/timeutil.h"
#include "dag/cron.h"
#include "dag/dag.h"
#include "dag/tick_planner.h"
#include "dag/tz.h"
#include "tests/unit/testutil.h"

static int64_t T(const char *z) {
  int64_t t = -1;
  assert_int_equal(airc_time_parse(z, &t), AIRC_OK);
  return t;
}

static const tz_zone *Z(const char *zName) {
  char zErr[200] = "";
  const tz_zone *p = tz_zone_load(zName, zErr, sizeof(zErr));
  if(!p) fail_msg("%s: %s", zName, zErr);
  return p;
}

/* Each tick after zFrom in turn must be the next of azWant (NULL-ended). */
static void assert_ticks(const char *zZone, const char *zExpr, const char *zFrom, const char *const *azWant) {
  cron_expr e;
  char zErr[200];
  assert_int_equal(cron_parse(zExpr, &e, zErr, sizeof(zErr)), AIRC_OK);
  e.pZone = Z(zZone);
  int64_t t = T(zFrom);
  for(int i = 0; azWant[i]; i++) {
    int64_t got = cron_next(&e, t);
    char zGot[40] = "-";
    if(got >= 0) airc_time_format(got, zGot, sizeof(zGot));
    if(got != T(azWant[i])) fail_msg("%s '%s' tick %d after %s = %s, want %s", zZone, zExpr, i, zFrom, zGot, azWant[i]);
    /* cron_prev walks the same ticks back */
    if(i > 0 && cron_prev(&e, got) != t) fail_msg("%s '%s': cron_prev(%s) is not the tick before", zZone, zExpr, zGot);
    t = got;
  }
}

static void test_offsets(void **state) {
  (void)state;
  const tz_zone *p = Z("Europe/Paris");
  assert_int_equal(tz_offset_at(p, T("2026-01-15T12:00:00Z")), 3600);
  assert_int_equal(tz_offset_at(p, T("2026-07-15T12:00:00Z")), 7200);
  assert_string_equal(tz_abbrev_at(p, T("2026-07-15T12:00:00Z")), "CEST");
  /* the change itself, to the second */
  assert_int_equal(tz_offset_at(p, T("2026-03-29T00:59:59Z")), 3600);
  assert_int_equal(tz_offset_at(p, T("2026-03-29T01:00:00Z")), 7200);
  assert_int_equal(tz_offset_at(p, T("2026-10-25T00:59:59Z")), 7200);
  assert_int_equal(tz_offset_at(p, T("2026-10-25T01:00:00Z")), 3600);
  /* far past the file's transitions: the footer rule */
  assert_int_equal(tz_offset_at(p, T("2099-07-01T00:00:00Z")), 7200);
  assert_int_equal(tz_offset_at(p, T("2099-12-01T00:00:00Z")), 3600);
  const tz_zone *ny = Z("America/New_York");
  assert_int_equal(tz_offset_at(ny, T("2026-03-08T06:59:59Z")), -5 * 3600);
  assert_int_equal(tz_offset_at(ny, T("2026-03-08T07:00:00Z")), -4 * 3600);
  assert_int_equal(tz_offset_at(ny, T("2026-11-01T05:59:59Z")), -4 * 3600);
  assert_int_equal(tz_offset_at(ny, T("2026-11-01T06:00:00Z")), -5 * 3600);
  assert_string_equal(tz_abbrev_at(ny, T("2026-01-01T00:00:00Z")), "EST");
  /* southern hemisphere: daylight time spans the new year */
  const tz_zone *syd = Z("Australia/Sydney");
  assert_int_equal(tz_offset_at(syd, T("2099-01-01T00:00:00Z")), 11 * 3600);
  assert_int_equal(tz_offset_at(syd, T("2099-07-01T00:00:00Z")), 10 * 3600);
  /* the cache hands out one zone per name */
  assert_ptr_equal(Z("Europe/Paris"), p);
  assert_true(tz_zone_is_utc(Z("UTC")));
  assert_false(tz_zone_is_utc(p));
}

static void test_local_to_utc(void **state) {
  (void)state;
  const tz_zone *p = Z("Europe/Paris");
  /* plain */
  assert_true(tz_local_to_utc(p, T("2026-06-01T12:00:00Z")) == T("2026-06-01T10:00:00Z"));
  /* 02:30 does not exist on Mar 29: 03:30 CEST, as pendulum */
  assert_true(tz_local_to_utc(p, T("2026-03-29T02:30:00Z")) == T("2026-03-29T01:30:00Z"));
  /* 02:30 happens twice on Oct 25: the second one (CET) */
  assert_true(tz_local_to_utc(p, T("2026-10-25T02:30:00Z")) == T("2026-10-25T01:30:00Z"));
  const tz_zone *ny = Z("America/New_York");
  assert_true(tz_local_to_utc(ny, T("2026-03-08T02:30:00Z")) == T("2026-03-08T07:30:00Z"));
  assert_true(tz_local_to_utc(ny, T("2026-11-01T01:30:00Z")) == T("2026-11-01T06:30:00Z"));
  assert_true(tz_local_to_utc(NULL, 12345) == 12345);
}

static void test_paris_daily_in_gap_and_repeat(void **state) {
  (void)state;
  /* 02:30 daily: skipped time runs once at 03:30 CEST; repeated time once, in CET */
  static const char *const azSpring[] = {"2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z", NULL};
  assert_ticks("Europe/Paris", "30 2 * * *", "2026-03-28T01:30:00Z", azSpring);
  static const char *const azFall[] = {"2026-10-25T01:30:00Z", "2026-10-26T01:30:00Z", NULL};
  assert_ticks("Europe/Paris", "30 2 * * *", "2026-10-24T00:30:00Z", azFall);
  /* midnight stays midnight on the wall clock */
  static const char *const azMidnight[] = {"2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z", "2026-03-30T22:00:00Z", NULL};
  assert_ticks("Europe/Paris", "@daily", "2026-03-27T23:00:00Z", azMidnight);
  static const char *const azMidnightFall[] = {"2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z", NULL};
  assert_ticks("Europe/Paris", "0 0 * * *", "2026-10-23T22:00:00Z", azMidnightFall);
}

static void test_paris_hourly(void **state) {
  (void)state;
  /* every real hour once: 01:00 CET, 03:00 CEST, 04:00 CEST */
  static const char *const azSpring[] = {"2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z", NULL};
  assert_ticks("Europe/Paris", "@hourly", "2026-03-29T00:00:00Z", azSpring);
  /* 02:00 CEST, 02:00 CET, 03:00 CET: the repeated hour is a real hour */
  static const char *const azFall[] = {"2026-10-25T01:00:00Z", "2026-10-25T02:00:00Z", NULL};
  assert_ticks("Europe/Paris", "0 * * * *", "2026-10-25T00:00:00Z", azFall);
  static const char *const azQuarter[] = {"2026-03-29T00:45:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:15:00Z", NULL};
  assert_ticks("Europe/Paris", "*/15 * * * *", "2026-03-29T00:30:00Z", azQuarter);
}

static void test_new_york(void **state) {
  (void)state;
  static const char *const azSpring[] = {"2026-03-08T07:30:00Z", "2026-03-09T06:30:00Z", NULL};
  assert_ticks("America/New_York", "30 2 * * *", "2026-03-07T07:30:00Z", azSpring);
  static const char *const azFall[] = {"2026-11-01T06:30:00Z", "2026-11-02T06:30:00Z", NULL};
  assert_ticks("America/New_York", "30 1 * * *", "2026-10-31T05:30:00Z", azFall);
  /* hour 1 listed: 01:00 and 01:30 once each, in EST; the EDT hour is not run */
  static const char *const azList[] = {"2026-11-01T04:30:00Z", "2026-11-01T06:00:00Z", "2026-11-01T06:30:00Z",
                                       "2026-11-01T07:00:00Z", NULL};
  assert_ticks("America/New_York", "0,30 0-2 * * *", "2026-11-01T04:00:00Z", azList);
  static const char *const azHalf[] = {"2026-11-01T05:30:00Z", "2026-11-01T06:00:00Z", "2026-11-01T06:30:00Z", NULL};
  assert_ticks("America/New_York", "*/30 * * * *", "2026-11-01T05:00:00Z", azHalf);
  /* weekdays at 9 on the wall clock, over the spring weekend */
  static const char *const azWeek[] = {"2026-03-06T14:00:00Z", "2026-03-09T13:00:00Z", NULL};
  assert_ticks("America/New_York", "0 9 * * 1-5", "2026-03-06T00:00:00Z", azWeek);
}

static void test_unknown_zone(void **state) {
  (void)state;
  char zErr[200];
  assert_null(tz_zone_load("Europe/Pari", zErr, sizeof(zErr)));
  assert_string_equal(zErr, "unknown time zone 'Europe/Pari' (use an IANA name such as Europe/Paris or UTC)");
  assert_null(tz_zone_load("../../etc/passwd", zErr, sizeof(zErr)));
  assert_null(tz_zone_load("/etc/localtime", zErr, sizeof(zErr)));
  assert_null(tz_zone_load("Europe", zErr, sizeof(zErr))); /* a folder */
  assert_null(tz_zone_load("tzdata.zi", zErr, sizeof(zErr))); /* not TZif */
  assert_null(tz_zone_load("", zErr, sizeof(zErr)));
}

static void test_dag_timezone(void **state) {
  (void)state;
  static const char zIni[] = "[dag]\nid = z\nschedule = 0 3 * * *\ntimezone = Europe/Paris\n"
                             "start_date = 2026-03-27\n[task a]\ntype = shell\ncommand = true\n";
  static const task_schema *const apNone[] = {NULL};
  (void)apNone;
  dag *d = NULL;
  airc_err err = {0};
  assert_int_equal(dag_parse_buffer("z.ini", zIni, strlen(zIni), DAG_TYPES_STORED, &d, &err), AIRC_OK);
  int64_t a[3];
  assert_int_equal(tick_plan_next(d, -1, T("2026-03-27T00:00:00Z"), a, 3), 3);
  assert_true(a[0] == T("2026-03-27T02:00:00Z")); /* 03:00 CET */
  assert_true(a[1] == T("2026-03-28T02:00:00Z"));
  assert_true(a[2] == T("2026-03-29T01:00:00Z")); /* 03:00 CEST */
  assert_true(tick_interval_start(d, a[2]) == a[1]);
  /* the zone is part of the canonical form, so it survives a stored version */
  json_t *pDoc = dag_to_json(d);
  assert_string_equal(json_string_value(json_object_get(json_object_get(pDoc, "dag"), "timezone")), "Europe/Paris");
  json_decref(pDoc);
  dag_free(d);
  /* UTC keeps the canonical form (and hash) of a DAG without a zone */
  static const char zUtc[] = "[dag]\nid = z\nschedule = @daily\ntimezone = UTC\nstart_date = 2026-01-01\n"
                             "[task a]\ntype = shell\ncommand = true\n";
  assert_int_equal(dag_parse_buffer("u.ini", zUtc, strlen(zUtc), DAG_TYPES_STORED, &d, &err), AIRC_OK);
  assert_null(d->schedule.pZone);
  dag_free(d);
}

/* ---- the parser against bad input ---- */

static unsigned char *read_zone_file(const char *zName, size_t *pN) {
  char zPath[256];
  snprintf(zPath, sizeof(zPath), "/usr/share/zoneinfo/%s", zName);
  char *z = testutil_read_file(zPath, pN);
  if(!z) fail_msg("cannot read %s", zPath);
  return (unsigned char *)z;
}

static void test_parser_truncated(void **state) {
  (void)state;
  size_t n;
  unsigned char *a = read_zone_file("America/New_York", &n);
  char zErr[200];
  tz_zone *p = tz_zone_parse("x", a, n, zErr, sizeof(zErr));
  assert_non_null(p);
  tz_zone_free(p);
  /* every prefix: refused or parsed, never a read past the end (ASan) */
  for(size_t k = 0; k < n; k++) {
    unsigned char *b = malloc(k + 1);
    memcpy(b, a, k);
    tz_zone_free(tz_zone_parse("x", b, k, zErr, sizeof(zErr)));
    free(b);
  }
  free(a);
}

static void test_parser_mutated(void **state) {
  (void)state;
  size_t n;
  unsigned char *a = read_zone_file("Europe/Paris", &n);
  unsigned char *b = malloc(n);
  char zErr[200];
  uint32_t seed = 12345;
  for(int iter = 0; iter < 20000; iter++) {
    memcpy(b, a, n);
    for(int k = 0; k < 1 + iter % 8; k++) {
      seed = seed * 1103515245u + 12345u;
      size_t at = (seed >> 8) % n;
      b[at] = (unsigned char)(seed >> 3);
    }
    tz_zone *p = tz_zone_parse("x", b, n, zErr, sizeof(zErr));
    if(p) { /* whatever it parsed must answer without crashing */
      (void)tz_offset_at(p, T("2026-03-29T01:00:00Z"));
      (void)tz_abbrev_at(p, 0);
      (void)tz_local_to_utc(p, T("2099-10-25T02:30:00Z"));
    }
    tz_zone_free(p);
  }
  free(b);
  free(a);
}

static void test_parser_caps(void **state) {
  (void)state;
  unsigned char a[44 + 64] = "TZif2";
  memset(a + 5, 0, sizeof(a) - 5);
  a[20 + 12] = 0xff; /* timecnt = 0xff000000 */
  a[20 + 19] = 1;    /* typecnt = 1 */
  char zErr[200];
  assert_null(tz_zone_parse("x", a, sizeof(a), zErr, sizeof(zErr)));
  assert_string_equal(zErr, "time zone 'x': truncated or oversized TZif data");
  assert_null(tz_zone_parse("x", (const unsigned char *)"TZ", 2, zErr, sizeof(zErr)));
  assert_string_equal(zErr, "time zone 'x': not a TZif file");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_offsets),
      cmocka_unit_test(test_local_to_utc),
      cmocka_unit_test(test_paris_daily_in_gap_and_repeat),
      cmocka_unit_test(test_paris_hourly),
      cmocka_unit_test(test_new_york),
      cmocka_unit_test(test_unknown_zone),
      cmocka_unit_test(test_dag_timezone),
      cmocka_unit_test(test_parser_truncated),
      cmocka_unit_test(test_parser_mutated),
      cmocka_unit_test(test_parser_caps),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
