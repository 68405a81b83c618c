/* test_cron.c: unit tests of dag/cron.c: the five field forms,
 * names, presets, every parse error message, and cron_next / cron_prev
 * across month ends, leap years, year boundaries and Vixie day semantics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "common/timeutil.h"
#include "dag/cron.h"

/* Seconds of an ISO 8601 UTC time; fails the test if it does not parse. */
static int64_t T(const char *z) {
  int64_t t = -1;
  assert_int_equal(airc_time_parse(z, &t), AIRC_OK);
  return t;
}

static cron_expr parse_ok(const char *z) {
  cron_expr e;
  char zErr[300] = "";
  if(cron_parse(z, &e, zErr, sizeof(zErr))) fail_msg("'%s' did not parse: %s", z, zErr);
  return e;
}

static void assert_parse_error(const char *z, const char *zWant) {
  cron_expr e;
  char zErr[300] = "";
  assert_int_equal(cron_parse(z, &e, zErr, sizeof(zErr)), AIRC_ERR_PARSE);
  assert_string_equal(zErr, zWant);
}

/* next tick after zFrom must be zWant ("-" = none) */
static void assert_next(const char *zExpr, const char *zFrom, const char *zWant) {
  cron_expr e = parse_ok(zExpr);
  int64_t got = cron_next(&e, T(zFrom));
  char zGot[40] = "-";
  if(got >= 0) airc_time_format(got, zGot, sizeof(zGot));
  if(strcmp(zWant, "-") ? got != T(zWant) : got != -1)
    fail_msg("cron_next('%s', %s) = %s, want %s", zExpr, zFrom, zGot, zWant);
}

static void assert_prev(const char *zExpr, const char *zFrom, const char *zWant) {
  cron_expr e = parse_ok(zExpr);
  int64_t got = cron_prev(&e, T(zFrom));
  char zGot[40] = "-";
  if(got >= 0) airc_time_format(got, zGot, sizeof(zGot));
  if(strcmp(zWant, "-") ? got != T(zWant) : got != -1)
    fail_msg("cron_prev('%s', %s) = %s, want %s", zExpr, zFrom, zGot, zWant);
}

static uint64_t bits(int lo, int hi, int step) {
  uint64_t b = 0;
  for(int v = lo; v <= hi; v += step) b |= 1ULL << v;
  return b;
}

/* ---- parsing ---------------------------------------------------------- */

static void test_parse_star(void **state) {
  (void)state;
  cron_expr e = parse_ok("* * * * *");
  assert_int_equal(e.kind, SCHEDULE_CRON);
  assert_true(e.minutes == bits(0, 59, 1));
  assert_int_equal(e.hours, bits(0, 23, 1));
  assert_int_equal(e.mdays, bits(1, 31, 1));
  assert_int_equal(e.months, bits(1, 12, 1));
  assert_int_equal(e.wdays, bits(0, 6, 1));
  assert_true(e.mdayStar);
  assert_true(e.wdayStar);
}

static void test_parse_numbers_lists_ranges(void **state) {
  (void)state;
  cron_expr e = parse_ok("5 0,12,23 1-3,15 6 1-5");
  assert_true(e.minutes == 1ULL << 5);
  assert_int_equal(e.hours, (1u << 0) | (1u << 12) | (1u << 23));
  assert_int_equal(e.mdays, bits(1, 3, 1) | (1u << 15));
  assert_int_equal(e.months, 1u << 6);
  assert_int_equal(e.wdays, bits(1, 5, 1));
  assert_false(e.mdayStar);
  assert_false(e.wdayStar);
  /* tabs and repeated blanks separate fields too */
  e = parse_ok("  0\t0  1 1   0 ");
  assert_true(e.minutes == 1);
}

static void test_parse_steps(void **state) {
  (void)state;
  cron_expr e = parse_ok("*/15 5/10 1-30/5 */2 */3");
  assert_true(e.minutes == ((1ULL << 0) | (1ULL << 15) | (1ULL << 30) | (1ULL << 45)));
  /* 5/10 means 5-23/10 */
  assert_int_equal(e.hours, (1u << 5) | (1u << 15));
  assert_int_equal(e.mdays, (1u << 1) | (1u << 6) | (1u << 11) | (1u << 16) | (1u << 21) | (1u << 26));
  assert_int_equal(e.months, (1u << 1) | (1u << 3) | (1u << 5) | (1u << 7) | (1u << 9) | (1u << 11));
  /* day-of-week step runs over 0..6 (7 is Sunday again, not a new day) */
  assert_int_equal(e.wdays, (1u << 0) | (1u << 3) | (1u << 6));
  e = parse_ok("1-30/5 * 5/10 * *");
  assert_true(e.minutes == ((1ULL << 1) | (1ULL << 6) | (1ULL << 11) | (1ULL << 16) | (1ULL << 21) | (1ULL << 26)));
  assert_int_equal(e.mdays, (1u << 5) | (1u << 15) | (1u << 25));
  e = parse_ok("0-59/20 * * * *");
  assert_true(e.minutes == ((1ULL << 0) | (1ULL << 20) | (1ULL << 40)));
  e = parse_ok("*/1 * * * *");
  assert_true(e.minutes == bits(0, 59, 1));
  e = parse_ok("*/59 * * * *");
  assert_true(e.minutes == ((1ULL << 0) | (1ULL << 59)));
}

static void test_parse_names(void **state) {
  (void)state;
  static const char *const azMon[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                      "jul", "aug", "sep", "oct", "nov", "dec"};
  static const char *const azDay[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  char z[64];
  for(int i = 0; i < 12; i++) {
    snprintf(z, sizeof(z), "0 0 1 %s *", azMon[i]);
    cron_expr e = parse_ok(z);
    assert_int_equal(e.months, 1u << (i + 1));
  }
  for(int i = 0; i < 7; i++) {
    snprintf(z, sizeof(z), "0 0 * * %s", azDay[i]);
    cron_expr e = parse_ok(z);
    assert_int_equal(e.wdays, 1u << i);
  }
  /* case-insensitive, ranges and lists of names */
  cron_expr e = parse_ok("0 0 * JAN-Mar,dec MON-FRI");
  assert_int_equal(e.months, bits(1, 3, 1) | (1u << 12));
  assert_int_equal(e.wdays, bits(1, 5, 1));
  e = parse_ok("0 0 * * sat,sun");
  assert_int_equal(e.wdays, (1u << 0) | (1u << 6));
  e = parse_ok("0 0 * jan-dec/3 *");
  assert_int_equal(e.months, (1u << 1) | (1u << 4) | (1u << 7) | (1u << 10));
}

static void test_parse_seven_is_sunday(void **state) {
  (void)state;
  cron_expr e = parse_ok("0 0 * * 7");
  assert_int_equal(e.wdays, 1u << 0);
  e = parse_ok("0 0 * * 5-7");
  assert_int_equal(e.wdays, (1u << 5) | (1u << 6) | (1u << 0));
  e = parse_ok("0 0 * * 0,7");
  assert_int_equal(e.wdays, 1u << 0);
  /* 2026-01-04 is a Sunday */
  assert_next("0 0 * * 7", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z");
}

static void test_parse_presets(void **state) {
  (void)state;
  static const struct { const char *zPreset, *zExpr; } a[] = {
      {"@hourly", "0 * * * *"},   {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
      {"@weekly", "0 0 * * 0"},   {"@monthly", "0 0 1 * *"}, {"@yearly", "0 0 1 1 *"},
      {"@annually", "0 0 1 1 *"}, {"@DAILY", "0 0 * * *"},
  };
  for(size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++) {
    cron_expr p = parse_ok(a[i].zPreset), e = parse_ok(a[i].zExpr);
    assert_memory_equal(&p, &e, sizeof(e));
  }
  cron_expr e = parse_ok("@once");
  assert_int_equal(e.kind, SCHEDULE_ONCE);
  assert_int_equal(cron_next(&e, 0), -1);
  assert_int_equal(cron_prev(&e, T("2026-01-01")), -1);
  assert_false(cron_matches(&e, 0));
  static const char *const azNone[] = {"none", "None", "NULL", "", "   "};
  for(size_t i = 0; i < sizeof(azNone) / sizeof(azNone[0]); i++) {
    e = parse_ok(azNone[i]);
    assert_int_equal(e.kind, SCHEDULE_NONE);
    assert_int_equal(cron_next(&e, 0), -1);
  }
  char zErr[100];
  assert_int_equal(cron_parse(NULL, &e, zErr, sizeof(zErr)), AIRC_OK);
  assert_int_equal(e.kind, SCHEDULE_NONE);
}

/* ---- parse errors ------------------------------------------------------ */

static void test_parse_errors(void **state) {
  (void)state;
  assert_parse_error("60 * * * *", "minute value out of range 0-59 in '60'");
  assert_parse_error("* 24 * * *", "hour value out of range 0-23 in '24'");
  assert_parse_error("* * 0 * *", "day-of-month value out of range 1-31 in '0'");
  assert_parse_error("* * 32 * *", "day-of-month value out of range 1-31 in '32'");
  assert_parse_error("* * * 13 *", "month value out of range 1-12 in '13'");
  assert_parse_error("* * * 0 *", "month value out of range 1-12 in '0'");
  assert_parse_error("* * * * 8", "day-of-week value out of range 0-7 in '8'");
  assert_parse_error("0-60 * * * *", "minute value out of range 0-59 in '0-60'");
  assert_parse_error("30-10 * * * *", "minute range 30-10 is backwards in '30-10'");
  assert_parse_error("0 0 * * fri-mon", "day-of-week range 5-1 is backwards in 'fri-mon'");
  assert_parse_error("0 0 * dec-jan *", "month range 12-1 is backwards in 'dec-jan'");
  assert_parse_error("*/0 * * * *", "bad minute field '*/0'");
  assert_parse_error("1-30/0 * * * *", "bad minute field '1-30/0'");
  assert_parse_error("*/ * * * *", "bad minute field '*/'");
  assert_parse_error("* * * * *,", "bad day-of-week field '*,'");
  assert_parse_error("a * * * *", "bad minute field 'a'");
  assert_parse_error("* * * * funday", "bad day-of-week field 'funday'");
  assert_parse_error("* * * jan-x *", "bad month field 'jan-x'");
  assert_parse_error("* mon * * *", "bad hour field 'mon'"); /* names only in their field */
  assert_parse_error("1.5 * * * *", "bad minute field '1.5'");
  assert_parse_error("-1 * * * *", "bad minute field '-1'");
  assert_parse_error("99999 * * * *", "bad minute field '99999'");
  assert_parse_error("* * * *",
                     "cron expression '* * * *' has 4 fields, expected 5 (minute hour day-of-month month day-of-week)");
  assert_parse_error("* * * * * *",
                     "cron expression '* * * * * *' has 6 fields, expected 5 (minute hour day-of-month month day-of-week)");
  assert_parse_error("0 0 * * * 2026 x",
                     "cron expression '0 0 * * * 2026 x' has 6 fields, expected 5 (minute hour day-of-month month day-of-week)");
  assert_parse_error("daily",
                     "cron expression 'daily' has 1 fields, expected 5 (minute hour day-of-month month day-of-week)");
  assert_parse_error("@fortnightly",
                     "unknown schedule preset '@fortnightly' (use @once, @hourly, @daily, @weekly, @monthly, @yearly or none)");
  assert_parse_error("@", "unknown schedule preset '@' (use @once, @hourly, @daily, @weekly, @monthly, @yearly or none)");
  /* control characters in a schedule (a JSON DAG can hold them) are shown
   * escaped, so the message stays one line; a newline separates fields
   * (found by fuzz_cron: tests/fuzz/corpus/cron/crash_newline_in_message) */
  assert_parse_error("f9 2 *A0 0 L * \n",
                     "cron expression 'f9 2 *A0 0 L * \\n' has 6 fields, expected 5 (minute hour day-of-month month day-of-week)");
  assert_parse_error("0 0 * * *\nx",
                     "cron expression '0 0 * * *\\nx' has 6 fields, expected 5 (minute hour day-of-month month day-of-week)");
  assert_parse_error("0 0 *\x01 * *", "bad day-of-month field '*\\x01'");
  assert_parse_error("1-5\x7f * * * *", "bad minute field '1-5\\x7f'");
  assert_parse_error("@daily\n?",
                     "unknown schedule preset '@daily\\n?' (use @once, @hourly, @daily, @weekly, @monthly, @yearly or none)");
  cron_expr eNl;
  char zNl[256];
  assert_int_equal(cron_parse("0\n12\t* * 1", &eNl, zNl, sizeof(zNl)), AIRC_OK);
  assert_true(cron_matches(&eNl, 1704715200)); /* Monday 2024-01-08 12:00 */
  char zLong[400];
  memset(zLong, '1', sizeof(zLong) - 1);
  zLong[sizeof(zLong) - 1] = 0;
  assert_parse_error(zLong, "schedule is too long");
}

/* the message is cut to the buffer, never overflows it */
static void test_parse_error_small_buffer(void **state) {
  (void)state;
  cron_expr e;
  char zErr[8];
  memset(zErr, 'x', sizeof(zErr));
  assert_int_equal(cron_parse("61 * * * *", &e, zErr, sizeof(zErr)), AIRC_ERR_PARSE);
  assert_int_equal(strlen(zErr), 7);
}

/* ---- cron_next -------------------------------------------------------- */

static void test_next_basic(void **state) {
  (void)state;
  assert_next("* * * * *", "2026-03-01T10:00:00Z", "2026-03-01T10:01:00Z");
  /* strictly after, and seconds are floored */
  assert_next("* * * * *", "2026-03-01T10:00:59Z", "2026-03-01T10:01:00Z");
  assert_next("0 * * * *", "2026-03-01T10:00:00Z", "2026-03-01T11:00:00Z");
  assert_next("0 0 * * *", "2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z");
  assert_next("30 4 * * *", "2026-03-01T04:29:00Z", "2026-03-01T04:30:00Z");
  assert_next("30 4 * * *", "2026-03-01T04:30:00Z", "2026-03-02T04:30:00Z");
}

static void test_next_minute_steps(void **state) {
  (void)state;
  assert_next("*/15 * * * *", "2026-03-01T10:00:00Z", "2026-03-01T10:15:00Z");
  assert_next("*/15 * * * *", "2026-03-01T10:46:00Z", "2026-03-01T11:00:00Z");
  assert_next("*/15 * * * *", "2026-03-31T23:45:00Z", "2026-04-01T00:00:00Z");
  assert_next("5/20 * * * *", "2026-03-01T10:45:00Z", "2026-03-01T11:05:00Z");
  assert_next("1-30/5 * * * *", "2026-03-01T10:26:00Z", "2026-03-01T11:01:00Z");
  cron_expr e = parse_ok("*/15 * * * *");
  int64_t t = T("2026-03-01T00:00:00Z");
  for(int i = 1; i <= 96; i++) {
    t = cron_next(&e, t);
    assert_int_equal(t, T("2026-03-01T00:00:00Z") + i * 900);
  }
}

static void test_next_month_ends(void **state) {
  (void)state;
  assert_next("0 0 31 * *", "2026-01-31T00:00:00Z", "2026-03-31T00:00:00Z");
  assert_next("0 0 31 * *", "2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z");
  assert_next("0 0 1 * *", "2026-01-31T23:59:00Z", "2026-02-01T00:00:00Z");
  assert_next("59 23 30 * *", "2026-02-01T00:00:00Z", "2026-03-30T23:59:00Z");
  assert_next("0 12 * 2 *", "2026-02-28T12:00:00Z", "2027-02-01T12:00:00Z");
}

static void test_next_year_boundary(void **state) {
  (void)state;
  assert_next("0 0 1 1 *", "2026-12-31T23:59:00Z", "2027-01-01T00:00:00Z");
  assert_next("0 0 1 1 *", "2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z");
  assert_next("59 23 31 12 *", "2026-12-31T23:59:00Z", "2027-12-31T23:59:00Z");
  assert_next("@hourly", "2026-12-31T23:30:00Z", "2027-01-01T00:00:00Z");
  assert_next("0 9 * jan mon", "2026-12-28T10:00:00Z", "2027-01-04T09:00:00Z");
}

static void test_next_leap_years(void **state) {
  (void)state;
  assert_next("0 0 29 2 *", "2026-01-01T00:00:00Z", "2028-02-29T00:00:00Z");
  assert_next("0 0 29 2 *", "2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z");
  /* 2100 is not a leap year: from 2096 the next Feb 29 is in 2104 */
  assert_next("0 0 29 2 *", "2096-02-29T00:00:00Z", "2104-02-29T00:00:00Z");
  assert_next("0 0 * * *", "2028-02-28T00:00:00Z", "2028-02-29T00:00:00Z");
  assert_next("0 0 * * *", "2028-02-29T00:00:00Z", "2028-03-01T00:00:00Z");
  assert_next("0 0 * * *", "2027-02-28T00:00:00Z", "2027-03-01T00:00:00Z");
}

static void test_next_never(void **state) {
  (void)state;
  assert_next("0 0 30 2 *", "2026-01-01T00:00:00Z", "-");
  assert_next("0 0 31 4,6,9,11 *", "2026-01-01T00:00:00Z", "-");
  assert_prev("0 0 30 2 *", "2026-01-01T00:00:00Z", "-");
}

static void test_next_vixie_or(void **state) {
  (void)state;
  /* both restricted: the 13th OR a Friday. 2026-02-06 and 2026-02-13 are
   * Fridays; 2026-03-13 is a Friday too. */
  assert_next("0 0 13 * 5", "2026-02-01T00:00:00Z", "2026-02-06T00:00:00Z");
  assert_next("0 0 13 * 5", "2026-02-06T00:00:00Z", "2026-02-13T00:00:00Z");
  assert_next("0 0 13 * 5", "2026-02-13T00:00:00Z", "2026-02-20T00:00:00Z");
  assert_next("0 0 13 * 5", "2026-04-10T00:00:00Z", "2026-04-13T00:00:00Z"); /* a Monday */
  cron_expr e = parse_ok("0 0 13 * 5");
  assert_true(cron_matches(&e, T("2026-04-13T00:00:00Z")));
  assert_true(cron_matches(&e, T("2026-04-17T00:00:00Z")));
  assert_false(cron_matches(&e, T("2026-04-14T00:00:00Z")));
  assert_false(cron_matches(&e, T("2026-04-13T00:01:00Z")));
}

static void test_next_vixie_and(void **state) {
  (void)state;
  /* day-of-week starred: only the 13th */
  assert_next("0 0 13 * *", "2026-02-01T00:00:00Z", "2026-02-13T00:00:00Z");
  /* day-of-month starred: only Fridays */
  assert_next("0 0 * * 5", "2026-02-06T00:00:00Z", "2026-02-13T00:00:00Z");
  /* a starred step still counts as starred (Vixie looks at the '*'):
   * every other day-of-month AND a Friday */
  assert_next("0 0 */2 * 5", "2026-02-01T00:00:00Z", "2026-02-13T00:00:00Z");
  assert_next("0 0 1 * */7", "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"); /* step 7 over 0..6 = Sunday */
  cron_expr e = parse_ok("0 0 1 * */7");
  assert_false(cron_matches(&e, T("2026-04-01T00:00:00Z"))); /* a Wednesday */
}

static void test_next_from_negative_epoch(void **state) {
  (void)state;
  assert_next("0 0 1 1 *", "1969-06-01T00:00:00Z", "1970-01-01T00:00:00Z");
  assert_next("30 * * * *", "1969-12-31T23:59:59Z", "1970-01-01T00:30:00Z");
  assert_prev("0 0 * * *", "1970-01-01T00:00:00Z", "1969-12-31T00:00:00Z");
}

/* ---- cron_prev -------------------------------------------------------- */

static void test_prev_basic(void **state) {
  (void)state;
  assert_prev("* * * * *", "2026-03-01T10:00:00Z", "2026-03-01T09:59:00Z");
  assert_prev("* * * * *", "2026-03-01T10:00:30Z", "2026-03-01T10:00:00Z");
  assert_prev("0 0 * * *", "2026-03-01T00:00:00Z", "2026-02-28T00:00:00Z");
  assert_prev("0 0 * * *", "2028-03-01T00:00:00Z", "2028-02-29T00:00:00Z");
  assert_prev("0 0 1 1 *", "2027-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
  assert_prev("0 0 31 * *", "2026-03-01T00:00:00Z", "2026-01-31T00:00:00Z");
  assert_prev("0 0 29 2 *", "2032-02-29T00:00:00Z", "2028-02-29T00:00:00Z");
  assert_prev("*/15 * * * *", "2026-01-01T00:00:00Z", "2025-12-31T23:45:00Z");
  assert_prev("0 0 13 * 5", "2026-02-13T00:00:00Z", "2026-02-06T00:00:00Z");
  assert_prev("0 0 13 * 5", "2026-04-17T00:00:00Z", "2026-04-13T00:00:00Z");
}

/* cron_prev(cron_next(t)) is the latest tick <= t, and cron_next of a tick's
 * prev is that tick, for many expressions and start points. */
static void test_prev_inverse_of_next(void **state) {
  (void)state;
  static const char *const azExpr[] = {
      "* * * * *",      "*/15 * * * *", "0 * * * *",    "30 4 * * *",   "0 0 * * 0",
      "0 0 1 * *",      "0 0 29 2 *",   "0 0 13 * 5",   "5/10 1-3 * * mon-fri",
      "0 0 31 * *",     "59 23 31 12 *", "0 12 * 2 *", "15 */6 1,15 * *",
  };
  static const char *const azFrom[] = {"2026-01-01T00:00:00Z", "2026-02-28T23:59:30Z",
                                       "2027-12-31T23:59:00Z", "2028-02-29T12:00:00Z",
                                       "1999-12-31T23:59:59Z"};
  for(size_t i = 0; i < sizeof(azExpr) / sizeof(azExpr[0]); i++) {
    cron_expr e = parse_ok(azExpr[i]);
    for(size_t j = 0; j < sizeof(azFrom) / sizeof(azFrom[0]); j++) {
      int64_t t = T(azFrom[j]);
      for(int k = 0; k < 20; k++) {
        int64_t n = cron_next(&e, t);
        assert_true(n > t);
        assert_true(cron_matches(&e, n));
        int64_t p = cron_prev(&e, n);
        assert_true(p < n);
        assert_true(cron_matches(&e, p));
        /* nothing fires strictly between p and n */
        assert_true(cron_next(&e, p) == n);
        assert_true(p <= t);
        t = n;
      }
    }
  }
}

/* brute force: cron_next agrees with cron_matches minute by minute */
static void test_next_agrees_with_matches(void **state) {
  (void)state;
  static const char *const azExpr[] = {"*/7 3-5 * * *", "0 0 13 * 5", "0 0 */2 * 5",
                                       "10 10 1-7 * mon", "0 0 28-31 2 *"};
  for(size_t i = 0; i < sizeof(azExpr) / sizeof(azExpr[0]); i++) {
    cron_expr e = parse_ok(azExpr[i]);
    int64_t t = T("2028-01-25T00:00:00Z"), end = t + 70 * 86400;
    int64_t want = -1;
    for(int64_t m = t + 60; m <= end; m += 60)
      if(cron_matches(&e, m)) {
        want = m;
        break;
      }
    assert_true(want > 0);
    assert_true(cron_next(&e, t) == want);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_star),
      cmocka_unit_test(test_parse_numbers_lists_ranges),
      cmocka_unit_test(test_parse_steps),
      cmocka_unit_test(test_parse_names),
      cmocka_unit_test(test_parse_seven_is_sunday),
      cmocka_unit_test(test_parse_presets),
      cmocka_unit_test(test_parse_errors),
      cmocka_unit_test(test_parse_error_small_buffer),
      cmocka_unit_test(test_next_basic),
      cmocka_unit_test(test_next_minute_steps),
      cmocka_unit_test(test_next_month_ends),
      cmocka_unit_test(test_next_year_boundary),
      cmocka_unit_test(test_next_leap_years),
      cmocka_unit_test(test_next_never),
      cmocka_unit_test(test_next_vixie_or),
      cmocka_unit_test(test_next_vixie_and),
      cmocka_unit_test(test_next_from_negative_epoch),
      cmocka_unit_test(test_prev_basic),
      cmocka_unit_test(test_prev_inverse_of_next),
      cmocka_unit_test(test_next_agrees_with_matches),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
