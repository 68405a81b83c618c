/* test_tick_planner.c: unit tests of dag/tick_planner.c: the first
 * tick at or after start_date, catchup (every missed tick, oldest first,
 * at most nMax) versus catchup=false (the latest only), end_date, @once,
 * next-execution listings, backfill ranges and data interval starts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "common/timeutil.h"
#include "dag/tick_planner.h"

static int64_t T(const char *z) {
  int64_t t = -1;
  if(airc_time_parse(z, &t)) fail_msg("bad test time '%s'", z);
  return t;
}

/* A DAG with the given schedule, start and end ("" = none) and catchup. */
static dag make(const char *zSched, const char *zStart, const char *zEnd, int catchup) {
  dag d;
  memset(&d, 0, sizeof(d));
  char zErr[200];
  if(cron_parse(zSched, &d.schedule, zErr, sizeof(zErr))) fail_msg("%s", zErr);
  if(*zStart) {
    d.startDate = T(zStart);
    d.hasStartDate = 1;
  }
  if(*zEnd) {
    d.endDate = T(zEnd);
    d.hasEndDate = 1;
  }
  d.catchup = catchup;
  return d;
}

/* Checks a list of ticks against a space-separated list of times. */
static void assert_ticks(const int64_t *a, int n, const char *zWant) {
  char zGot[2048] = "", zBuf[40];
  for(int i = 0; i < n; i++) {
    if(i) strcat(zGot, " ");
    strcat(zGot, airc_time_format(a[i], zBuf, sizeof(zBuf)));
  }
  if(strcmp(zGot, zWant)) fail_msg("got  [%s]\nwant [%s]", zGot, zWant);
}

#define D1 "2026-01-01T00:00:00Z"
#define D2 "2026-01-02T00:00:00Z"
#define D3 "2026-01-03T00:00:00Z"
#define D4 "2026-01-04T00:00:00Z"
#define D5 "2026-01-05T00:00:00Z"
#define D6 "2026-01-06T00:00:00Z"
#define D7 "2026-01-07T00:00:00Z"

static void test_first_tick(void **state) {
  (void)state;
  dag d = make("@daily", D1, "", 1);
  assert_true(tick_first(&d) == T(D1)); /* a tick at start_date itself counts */
  d = make("@daily", "2026-01-01T00:00:01Z", "", 1);
  assert_true(tick_first(&d) == T(D2));
  d = make("0 * * * *", "2026-01-01T10:30:00Z", "", 1);
  assert_true(tick_first(&d) == T("2026-01-01T11:00:00Z"));
  d = make("0 0 * * mon", D1, "", 1); /* 2026-01-01 is a Thursday */
  assert_true(tick_first(&d) == T("2026-01-05T00:00:00Z"));
  /* past end_date before the first tick */
  d = make("0 0 * * mon", D1, D3, 1);
  assert_int_equal(tick_first(&d), -1);
  /* no start_date, no schedule */
  d = make("@daily", "", "", 1);
  assert_int_equal(tick_first(&d), -1);
  d = make("none", D1, "", 1);
  assert_int_equal(tick_first(&d), -1);
  d = make("@once", D1, "", 1);
  assert_true(tick_first(&d) == T(D1));
  d = make("@once", "", "", 1);
  assert_int_equal(tick_first(&d), -1);
}

static void test_tick_after(void **state) {
  (void)state;
  dag d = make("@daily", D3, D5, 1);
  assert_true(tick_after(&d, T(D3)) == T(D4));
  assert_true(tick_after(&d, T(D4)) == T(D5)); /* end_date is inclusive */
  assert_int_equal(tick_after(&d, T(D5)), -1);
  /* before start_date: the first tick */
  assert_true(tick_after(&d, T(D1)) == T(D3));
  d = make("@once", D1, "", 1);
  assert_int_equal(tick_after(&d, T(D1)), -1);
}

static void test_catchup_all_missed(void **state) {
  (void)state;
  dag d = make("@daily", D1, "", 1);
  int64_t a[16];
  int64_t now = T("2026-01-05T12:00:00Z");
  int n = tick_plan_due(&d, -1, now, a, 16);
  assert_ticks(a, n, D1 " " D2 " " D3 " " D4 " " D5);
  /* at most nMax, oldest first; the rest come on the next call */
  n = tick_plan_due(&d, -1, now, a, 3);
  assert_ticks(a, n, D1 " " D2 " " D3);
  n = tick_plan_due(&d, a[2], now, a, 3);
  assert_ticks(a, n, D4 " " D5);
  n = tick_plan_due(&d, T(D5), now, a, 3);
  assert_int_equal(n, 0);
  /* now exactly on a tick: that tick is due */
  n = tick_plan_due(&d, T(D4), T(D5), a, 3);
  assert_ticks(a, n, D5);
  /* before start_date: nothing */
  n = tick_plan_due(&d, -1, T("2025-12-31T23:59:59Z"), a, 3);
  assert_int_equal(n, 0);
  assert_int_equal(tick_plan_due(&d, -1, now, a, 0), 0);
}

static void test_no_catchup_latest_only(void **state) {
  (void)state;
  dag d = make("@daily", D1, "", 0);
  int64_t a[16];
  int64_t now = T("2026-01-05T12:00:00Z");
  int n = tick_plan_due(&d, -1, now, a, 16);
  assert_ticks(a, n, D5);
  n = tick_plan_due(&d, T(D2), now, a, 16);
  assert_ticks(a, n, D5);
  n = tick_plan_due(&d, T(D5), now, a, 16);
  assert_int_equal(n, 0);
  /* only the start tick is due */
  n = tick_plan_due(&d, -1, T("2026-01-01T08:00:00Z"), a, 16);
  assert_ticks(a, n, D1);
  /* hourly, after a long pause */
  d = make("@hourly", D1, "", 0);
  n = tick_plan_due(&d, T(D1), T("2026-03-01T10:59:59Z"), a, 16);
  assert_ticks(a, n, "2026-03-01T10:00:00Z");
}

static void test_end_date(void **state) {
  (void)state;
  int64_t a[16];
  dag d = make("@daily", D1, D3, 1);
  int n = tick_plan_due(&d, -1, T("2026-02-01T00:00:00Z"), a, 16);
  assert_ticks(a, n, D1 " " D2 " " D3);
  n = tick_plan_due(&d, T(D3), T("2026-02-01T00:00:00Z"), a, 16);
  assert_int_equal(n, 0);
  /* catchup=false past end_date: the last tick inside the window, once */
  d = make("@daily", D1, D3, 0);
  n = tick_plan_due(&d, -1, T("2026-02-01T00:00:00Z"), a, 16);
  assert_ticks(a, n, D3);
  n = tick_plan_due(&d, T(D3), T("2026-02-01T00:00:00Z"), a, 16);
  assert_int_equal(n, 0);
  /* end_date between ticks */
  d = make("@daily", D1, "2026-01-02T12:00:00Z", 0);
  n = tick_plan_due(&d, -1, T("2026-02-01T00:00:00Z"), a, 16);
  assert_ticks(a, n, D2);
}

static void test_once(void **state) {
  (void)state;
  int64_t a[4];
  dag d = make("@once", "2026-01-01T09:30:00Z", "", 1);
  assert_int_equal(tick_plan_due(&d, -1, T("2026-01-01T09:29:59Z"), a, 4), 0);
  int n = tick_plan_due(&d, -1, T("2026-01-01T09:30:00Z"), a, 4);
  assert_ticks(a, n, "2026-01-01T09:30:00Z");
  n = tick_plan_due(&d, -1, T("2027-01-01T00:00:00Z"), a, 4);
  assert_ticks(a, n, "2026-01-01T09:30:00Z");
  assert_int_equal(tick_plan_due(&d, T("2026-01-01T09:30:00Z"), T("2027-01-01T00:00:00Z"), a, 4), 0);
  /* next-execution shows it even while in the future, until it ran */
  n = tick_plan_next(&d, -1, T("2025-01-01T00:00:00Z"), a, 4);
  assert_ticks(a, n, "2026-01-01T09:30:00Z");
  assert_int_equal(tick_plan_next(&d, T("2026-01-01T09:30:00Z"), 0, a, 4), 0);
  assert_true(tick_interval_start(&d, T("2026-01-01T09:30:00Z")) == T("2026-01-01T09:30:00Z"));
  /* backfill of a range that contains start_date */
  n = tick_plan_range(&d, T(D1), T(D2), a, 4);
  assert_ticks(a, n, "2026-01-01T09:30:00Z");
  assert_int_equal(tick_plan_range(&d, T(D2), T(D3), a, 4), 0);
  assert_int_equal(tick_plan_range(&d, T(D1), T(D2), a, 0), 0);
  d = make("@once", "", "", 1);
  assert_int_equal(tick_plan_due(&d, -1, T(D1), a, 4), 0);
}

static void test_none_schedule(void **state) {
  (void)state;
  int64_t a[4];
  dag d = make("none", D1, "", 1);
  assert_int_equal(tick_plan_due(&d, -1, T(D5), a, 4), 0);
  assert_int_equal(tick_plan_next(&d, -1, T(D5), a, 4), 0);
  assert_int_equal(tick_plan_range(&d, T(D1), T(D5), a, 4), 0);
  assert_int_equal(tick_after(&d, T(D1)), -1);
  assert_true(tick_interval_start(&d, T(D3)) == T(D3));
}

static void test_plan_next(void **state) {
  (void)state;
  int64_t a[8];
  int64_t now = T("2026-01-05T12:00:00Z");
  dag d = make("@daily", D1, "", 1);
  /* catchup: from the first missed one */
  int n = tick_plan_next(&d, -1, now, a, 3);
  assert_ticks(a, n, D1 " " D2 " " D3);
  n = tick_plan_next(&d, T(D4), now, a, 3);
  assert_ticks(a, n, D5 " " D6 " " D7);
  /* no catchup: from the latest due */
  d = make("@daily", D1, "", 0);
  n = tick_plan_next(&d, -1, now, a, 3);
  assert_ticks(a, n, D5 " " D6 " " D7);
  n = tick_plan_next(&d, T(D5), now, a, 2);
  assert_ticks(a, n, D6 " " D7);
  /* future start_date */
  n = tick_plan_next(&d, -1, T("2025-06-01T00:00:00Z"), a, 2);
  assert_ticks(a, n, D1 " " D2);
  /* end_date cuts the list short */
  d = make("@daily", D1, D6, 0);
  n = tick_plan_next(&d, -1, now, a, 5);
  assert_ticks(a, n, D5 " " D6);
  assert_int_equal(tick_plan_next(&d, -1, now, a, 0), 0);
}

static void test_plan_range(void **state) {
  (void)state;
  int64_t a[16];
  dag d = make("@daily", D1, "", 0);
  int n = tick_plan_range(&d, T(D2), T(D4), a, 16); /* inclusive both ends */
  assert_ticks(a, n, D2 " " D3 " " D4);
  n = tick_plan_range(&d, T("2026-01-02T00:00:01Z"), T("2026-01-03T23:59:59Z"), a, 16);
  assert_ticks(a, n, D3);
  n = tick_plan_range(&d, T(D2), T(D2), a, 16);
  assert_ticks(a, n, D2);
  n = tick_plan_range(&d, T(D4), T(D2), a, 16); /* backwards: nothing */
  assert_int_equal(n, 0);
  n = tick_plan_range(&d, T(D1), T(D7), a, 2);
  assert_ticks(a, n, D1 " " D2);
  /* the DAG's own start_date and end_date still bound a backfill */
  d = make("@daily", D3, D5, 0);
  n = tick_plan_range(&d, T("2025-12-30T00:00:00Z"), T("2026-01-10T00:00:00Z"), a, 16);
  assert_ticks(a, n, D3 " " D4 " " D5);
  /* catchup does not matter for backfill */
  d = make("0 6 * * *", D1, "", 1);
  n = tick_plan_range(&d, T(D1), T(D3), a, 16);
  assert_ticks(a, n, "2026-01-01T06:00:00Z 2026-01-02T06:00:00Z");
}

static void test_interval_start(void **state) {
  (void)state;
  dag d = make("@daily", D1, "", 1);
  assert_true(tick_interval_start(&d, T(D5)) == T(D4));
  /* the first run's interval starts at the tick before start_date */
  assert_true(tick_interval_start(&d, T(D1)) == T("2025-12-31T00:00:00Z"));
  d = make("0 0 * * mon", D1, "", 1);
  assert_true(tick_interval_start(&d, T("2026-01-12T00:00:00Z")) == T("2026-01-05T00:00:00Z"));
  d = make("0 0 1 * *", D1, "", 1);
  assert_true(tick_interval_start(&d, T("2026-03-01T00:00:00Z")) == T("2026-02-01T00:00:00Z"));
  d = make("*/15 * * * *", D1, "", 1);
  assert_true(tick_interval_start(&d, T("2026-01-01T00:00:00Z")) == T("2025-12-31T23:45:00Z"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_first_tick),
      cmocka_unit_test(test_tick_after),
      cmocka_unit_test(test_catchup_all_missed),
      cmocka_unit_test(test_no_catchup_latest_only),
      cmocka_unit_test(test_end_date),
      cmocka_unit_test(test_once),
      cmocka_unit_test(test_none_schedule),
      cmocka_unit_test(test_plan_next),
      cmocka_unit_test(test_plan_range),
      cmocka_unit_test(test_interval_start),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
