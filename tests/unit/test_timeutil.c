/* test_timeutil.c: unit tests of common/timeutil.c: ISO 8601 parsing and
 * its rejects, the three formats and their round trips, durations, and the
 * civil-date conversions around 1970 and before it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "common/timeutil.h"

#define DAY 86400LL

static int64_t parse_ok(const char *z) {
  int64_t t = 12345;
  if(airc_time_parse(z, &t)) fail_msg("'%s' did not parse", z);
  return t;
}

static void assert_time_rejected(const char *z) {
  int64_t t = 12345;
  if(airc_time_parse(z, &t) != AIRC_ERR_PARSE) fail_msg("'%s' was accepted", z);
  assert_int_equal(t, 12345); /* output untouched */
}

static int64_t dur_ok(const char *z) {
  int64_t t = -7;
  if(airc_duration_parse(z, &t)) fail_msg("duration '%s' did not parse", z);
  return t;
}

static void assert_dur_rejected(const char *z) {
  int64_t t = -7;
  if(airc_duration_parse(z, &t) != AIRC_ERR_PARSE) fail_msg("duration '%s' was accepted", z);
  assert_int_equal(t, -7);
}

/* 2026-01-01T00:00:00Z */
#define T2026 1767225600LL

static void test_parse_variants(void **state) {
  (void)state;
  assert_int_equal(parse_ok("1970-01-01"), 0);
  assert_int_equal(parse_ok("2026-01-01"), T2026);
  assert_int_equal(parse_ok("2026-01-01T00:00"), T2026);
  assert_int_equal(parse_ok("2026-01-01T00:00:00"), T2026);
  assert_int_equal(parse_ok("2026-01-01T00:00:00Z"), T2026);
  assert_int_equal(parse_ok("2026-01-01T00:00:00z"), T2026);
  assert_int_equal(parse_ok("2026-01-01T00:00:00+00:00"), T2026);
  assert_int_equal(parse_ok("2026-01-01T00:00:00-00:00"), T2026);
  assert_int_equal(parse_ok("2026-01-01 00:00:00"), T2026);
  assert_int_equal(parse_ok("  2026-01-01T00:00:00Z  "), T2026);
  assert_int_equal(parse_ok("2026-01-01T10:20"), T2026 + 10 * 3600 + 20 * 60);
  assert_int_equal(parse_ok("2026-01-01T10:20:30Z"), T2026 + 10 * 3600 + 20 * 60 + 30);
  /* fractions are accepted and ignored (seconds resolution) */
  assert_int_equal(parse_ok("2026-01-01T00:00:00.999999Z"), T2026);
  assert_int_equal(parse_ok("2026-01-01T00:00:59.5"), T2026 + 59);
  assert_int_equal(parse_ok("2026-01-01T00:00:00,25+00:00"), T2026);
  /* other offsets are applied: local 05:30 at +05:30 is 00:00 UTC */
  assert_int_equal(parse_ok("2026-01-01T05:30:00+05:30"), T2026);
  assert_int_equal(parse_ok("2026-01-01T05:30:00+0530"), T2026);
  assert_int_equal(parse_ok("2025-12-31T19:00:00-05:00"), T2026);
  assert_int_equal(parse_ok("2026-01-01T01:00+01"), T2026);
  assert_int_equal(parse_ok("2028-02-29"), 1835395200LL);
  assert_int_equal(parse_ok("2000-02-29T12:00:00Z"), 951825600LL);
  assert_int_equal(parse_ok("9999-12-31T23:59:59Z"), 253402300799LL);
  assert_int_equal(parse_ok("0001-01-01"), -62135596800LL);
}

static void test_parse_rejects(void **state) {
  (void)state;
  static const char *const az[] = {
      "",                          /* empty */
      "   ",
      "garbage",
      "2026",
      "2026-1-01",                 /* two digits each */
      "2026-01-1",
      "26-01-01",
      "2026/01/01",
      "2026-02-30",                /* no such day */
      "2025-02-29",                /* not a leap year */
      "2100-02-29",                /* century, not a leap year */
      "2026-04-31",
      "2026-00-10",
      "2026-13-01",
      "2026-01-00",
      "2026-01-32",
      "0000-01-01",                /* year 0 */
      "2026-01-01T24:00:00Z",      /* hour 24 */
      "2026-01-01T23:60:00Z",
      "2026-01-01T23:59:60Z",      /* no leap seconds */
      "2026-01-01T",
      "2026-01-01T1:00",
      "2026-01-01T10",
      "2026-01-01T10:00:0",
      "2026-01-01T10:00:00.",      /* fraction without digits */
      "2026-01-01T10:00:00Zjunk",  /* trailing junk */
      "2026-01-01T10:00:00 x",
      "2026-01-01x",
      "2026-01-01Z",               /* offset without a time */
      "2026-01-01T10:00:00+5:30",
      "2026-01-01T10:00:00+24:00",
      "2026-01-01T10:00:00+05:60",
      "2026-01-01T10:00:00+05:30:00",
      "2026-01-01T10:00:00+05:",   /* dangling ':' */
      "2026-01-01T10:00:00+",
      "2026-01-01T10:00:00ZZ",
      "-2026-01-01",
  };
  for(size_t i = 0; i < sizeof(az) / sizeof(az[0]); i++) assert_time_rejected(az[i]);
  int64_t t = 5;
  assert_int_equal(airc_time_parse(NULL, &t), AIRC_ERR_PARSE);
}

static void test_format(void **state) {
  (void)state;
  char z[64];
  assert_string_equal(airc_time_format(0, z, sizeof(z)), "1970-01-01T00:00:00Z");
  assert_string_equal(airc_time_format(T2026 + 3661, z, sizeof(z)), "2026-01-01T01:01:01Z");
  assert_string_equal(airc_time_format(-1, z, sizeof(z)), "1969-12-31T23:59:59Z");
  assert_string_equal(airc_time_format(-DAY, z, sizeof(z)), "1969-12-31T00:00:00Z");
  assert_string_equal(airc_time_format(951825600LL, z, sizeof(z)), "2000-02-29T12:00:00Z");
  assert_string_equal(airc_time_format_us(1500000, z, sizeof(z)), "1970-01-01T00:00:01.500000Z");
  assert_string_equal(airc_time_format_us(-1, z, sizeof(z)), "1969-12-31T23:59:59.999999Z");
  assert_string_equal(airc_time_format_us(T2026 * 1000000 + 7, z, sizeof(z)),
                      "2026-01-01T00:00:00.000007Z");
  assert_string_equal(airc_time_format_api(T2026 * 1000000, z, sizeof(z)),
                      "2026-01-01T00:00:00+00:00");
  assert_string_equal(airc_time_format_api(T2026 * 1000000 + 123456, z, sizeof(z)),
                      "2026-01-01T00:00:00.123456+00:00");
  assert_string_equal(airc_time_format_api(-500000, z, sizeof(z)),
                      "1969-12-31T23:59:59.500000+00:00");
  /* a short buffer is truncated, never overrun */
  char zSmall[11];
  assert_string_equal(airc_time_format(T2026, zSmall, sizeof(zSmall)), "2026-01-01");
}

static void test_format_round_trip(void **state) {
  (void)state;
  static const int64_t a[] = {0, 1, -1, 59, 86399, 86400, -86401, T2026, 951825600LL,
                              1835395200LL, 253402300799LL, -62135596800LL, 4102444799LL};
  char z[64];
  for(size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++) {
    assert_int_equal(parse_ok(airc_time_format(a[i], z, sizeof(z))), a[i]);
    /* the API form (with +00:00) parses back too */
    assert_int_equal(parse_ok(airc_time_format_api(a[i] * 1000000, z, sizeof(z))), a[i]);
    /* the microsecond form parses back to the whole second */
    assert_int_equal(parse_ok(airc_time_format_us(a[i] * 1000000 + 999999, z, sizeof(z))), a[i]);
  }
  /* every day of a leap year and a common year, at a random-ish time */
  for(int64_t d = airc_days_from_civil(2027, 12, 25); d < airc_days_from_civil(2029, 1, 5); d++) {
    int64_t t = d * DAY + (d * 7919) % DAY;
    assert_int_equal(parse_ok(airc_time_format(t, z, sizeof(z))), t);
  }
}

static void test_duration(void **state) {
  (void)state;
  assert_int_equal(dur_ok("30s"), 30);
  assert_int_equal(dur_ok("5m"), 300);
  assert_int_equal(dur_ok("2h"), 7200);
  assert_int_equal(dur_ok("1d"), 86400);
  assert_int_equal(dur_ok("1h30m"), 5400);
  assert_int_equal(dur_ok("1d2h3m4s"), 86400 + 7200 + 180 + 4);
  assert_int_equal(dur_ok("90"), 90);
  assert_int_equal(dur_ok("0"), 0);
  assert_int_equal(dur_ok("0s"), 0);
  assert_int_equal(dur_ok("  45  "), 45);
  assert_int_equal(dur_ok("36500d"), 36500 * DAY); /* the 100-year cap itself */
  assert_int_equal(dur_ok("007m"), 420);
}

static void test_duration_rejects(void **state) {
  (void)state;
  static const char *const az[] = {
      "",     "   ",  "5x",   "-1s",  "-1",   "+5s", "s",        "1.5h",    "1h30", /* ambiguous */
      "1h 30m", "5 s", "5S",   "1w",   "abc",  "5ms", "1h30m20",
      "36501d",                           /* past 100 years */
      "3153600001s",
      "99999999999999999999",              /* overflow */
      "999999999999999999999999999999d",
      "100000000000000s",
  };
  for(size_t i = 0; i < sizeof(az) / sizeof(az[0]); i++) assert_dur_rejected(az[i]);
  int64_t t;
  assert_int_equal(airc_duration_parse(NULL, &t), AIRC_ERR_PARSE);
}

static void test_civil(void **state) {
  (void)state;
  assert_int_equal(airc_days_from_civil(1970, 1, 1), 0);
  assert_int_equal(airc_days_from_civil(1969, 12, 31), -1);
  assert_int_equal(airc_days_from_civil(1970, 1, 2), 1);
  assert_int_equal(airc_days_from_civil(2000, 3, 1), 11017);
  assert_int_equal(airc_days_from_civil(1, 1, 1), -719162);
  assert_int_equal(airc_days_from_civil(1900, 3, 1), -25508);
  int y, m, d;
  airc_civil_from_days(-1, &y, &m, &d);
  assert_int_equal(y, 1969);
  assert_int_equal(m, 12);
  assert_int_equal(d, 31);
  airc_civil_from_days(-719162, &y, &m, &d);
  assert_int_equal(y * 10000 + m * 100 + d, 10101);
  /* round trip over a wide range, days strictly consecutive */
  int py = 0, pm = 0, pd = 0;
  for(int64_t z = -800000; z <= 800000; z += 1) {
    airc_civil_from_days(z, &y, &m, &d);
    assert_int_equal(airc_days_from_civil(y, m, d), z);
    if(z > -800000) {
      if(d == 1) {
        assert_int_equal(pd, airc_days_in_month(py, pm));
      } else {
        assert_int_equal(d, pd + 1);
      }
    }
    py = y, pm = m, pd = d;
  }
}

static void test_leap_and_month_lengths(void **state) {
  (void)state;
  assert_true(airc_is_leap(2028));
  assert_true(airc_is_leap(2000));
  assert_true(airc_is_leap(1600));
  assert_false(airc_is_leap(1900));
  assert_false(airc_is_leap(2100));
  assert_false(airc_is_leap(2026));
  static const int a[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for(int m = 1; m <= 12; m++) assert_int_equal(airc_days_in_month(2026, m), a[m - 1]);
  assert_int_equal(airc_days_in_month(2028, 2), 29);
  assert_int_equal(airc_days_in_month(1900, 2), 28);
}

static void test_epoch_tm(void **state) {
  (void)state;
  airc_tm tm;
  airc_epoch_to_tm(0, &tm);
  assert_int_equal(tm.year, 1970);
  assert_int_equal(tm.wday, 4); /* Thursday */
  airc_epoch_to_tm(-1, &tm);
  assert_int_equal(tm.year, 1969);
  assert_int_equal(tm.mon, 12);
  assert_int_equal(tm.mday, 31);
  assert_int_equal(tm.hour, 23);
  assert_int_equal(tm.min, 59);
  assert_int_equal(tm.sec, 59);
  assert_int_equal(tm.wday, 3); /* Wednesday */
  airc_epoch_to_tm(-DAY, &tm);
  assert_int_equal(tm.mday, 31);
  assert_int_equal(tm.hour, 0);
  assert_int_equal(tm.wday, 3);
  airc_epoch_to_tm(-DAY - 1, &tm);
  assert_int_equal(tm.mday, 30);
  assert_int_equal(tm.hour, 23);
  assert_int_equal(tm.wday, 2);
  airc_epoch_to_tm(T2026, &tm);
  assert_int_equal(tm.wday, 4); /* 2026-01-01 is a Thursday */
  /* tm -> epoch -> tm around zero */
  for(int64_t t = -3 * DAY - 17; t < 3 * DAY; t += 3607) {
    airc_epoch_to_tm(t, &tm);
    assert_int_equal(airc_tm_to_epoch(&tm), t);
    assert_true(tm.hour >= 0 && tm.hour < 24 && tm.min >= 0 && tm.min < 60 && tm.sec >= 0 &&
                tm.sec < 60 && tm.wday >= 0 && tm.wday < 7);
  }
}

static void test_now(void **state) {
  (void)state;
  int64_t s = airc_now(), us = airc_now_us();
  assert_true(s > T2026 - 365 * DAY * 10); /* a sane clock */
  assert_true(us / 1000000 >= s);
  assert_true(us / 1000000 - s < 5);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_variants),
      cmocka_unit_test(test_parse_rejects),
      cmocka_unit_test(test_format),
      cmocka_unit_test(test_format_round_trip),
      cmocka_unit_test(test_duration),
      cmocka_unit_test(test_duration_rejects),
      cmocka_unit_test(test_civil),
      cmocka_unit_test(test_leap_and_month_lengths),
      cmocka_unit_test(test_epoch_tm),
      cmocka_unit_test(test_now),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
