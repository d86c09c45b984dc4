/*
 * test-ltime.c - parsing and printing legal times in China Standard Time,
 * and pinning the clock with LIANDONG_NOW.
 *
 * A discovered-at time decides a referral deadline, so a malformed date
 * must be refused, never normalised (2026-02-30 is not March 2nd).
 */
#include "harness.h"

#include <stdlib.h>
#include <sys/time.h>

#include "ltime.h"
#include "util.h"

#define T0 INT64_C(1795224600000) /* 2026-11-21T09:30:00+08:00 */

static void
assert_parses(const char *s, int64_t want)
{
	int64_t ms = -1;
	int rc = ltime_parse(s, &ms);

	if (rc != 0)
		fail_msg("'%s' refused", s);
	if (ms != want)
		fail_msg("'%s' gave %lld, want %lld", s, (long long)ms,
		    (long long)want);
}

static void
assert_refused(const char *s)
{
	int64_t ms = 12345;

	if (ltime_parse(s, &ms) != LD_EINVAL)
		fail_msg("'%s' accepted as %lld", s, (long long)ms);
}

static int64_t
wall_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void
test_parse_accepted_forms(void **state)
{
	assert_parses("2026-11-21", INT64_C(1795190400000));
	assert_parses("2026-11-21 09:30", T0);
	assert_parses("2026-11-21T09:30", T0);
	assert_parses("2026-11-21 09:30:15", T0 + 15000);
	assert_parses("2026-11-21T09:30:15", T0 + 15000);
	assert_parses("2026-11-21T09:30:00+08:00", T0);
	assert_parses("2026-11-21 09:30+08:00", T0);
	assert_parses("2026-11-21T00:00:00+08:00", INT64_C(1795190400000));
	assert_parses("2026-12-31T23:59:59+08:00", INT64_C(1798732799000));
	/* Leap days that exist. */
	assert_parses("2024-02-29", INT64_C(1709136000000));
	assert_parses("2000-02-29T12:00", INT64_C(951796800000));
	assert_parses("1970-01-01T08:00:00+08:00", 0);
}

static void
test_default_zone_is_cst(void **state)
{
	int64_t a, b, c;

	assert_int_equal(ltime_parse(NULL, &a), LD_EINVAL);
	assert_int_equal(ltime_parse("2026-11-21 09:30", &a), 0);
	assert_int_equal(ltime_parse("2026-11-21T09:30:00+08:00", &b), 0);
	assert_int_equal(ltime_parse("2026-11-21T01:30:00Z", &c), 0);
	assert_int_equal(a, b);
	assert_int_equal(a, c);
	/* A bare date is midnight in Beijing, 16:00 UTC the day before. */
	assert_int_equal(ltime_parse("2026-11-21", &a), 0);
	assert_int_equal(ltime_parse("2026-11-20T16:00:00Z", &b), 0);
	assert_int_equal(a, b);
}

static void
test_parse_zones(void **state)
{
	assert_parses("2026-11-21T09:30:00Z", INT64_C(1795253400000));
	assert_parses("2026-11-21 09:30Z", INT64_C(1795253400000));
	assert_parses("2026-11-21T09:30:00+00:00", INT64_C(1795253400000));
	assert_parses("2026-11-21T09:30:00-00:00", INT64_C(1795253400000));
	assert_parses("2026-11-21T09:30:00-05:00", INT64_C(1795271400000));
	assert_parses("2026-11-21T09:30:00+05:30", INT64_C(1795233600000));
	assert_parses("2026-11-21T09:30:00+14:00", T0 - 6 * 3600000);
}

static void
test_parse_refuses_malformed(void **state)
{
	static const char *const bad[] = {
		"2026-02-30", "2026-02-29", "2100-02-29", "2026-04-31",
		"2026-13-01", "2026-00-10", "2026-11-00", "2026-11-32",
		"2026-1-1", "2026-11-1", "26-11-21", "02026-11-21",
		"2026/11/21", "2026-11-21x", "2026-11-21 ", " 2026-11-21",
		"2026-11-21T", "2026-11-21 09", "2026-11-21T9:30",
		"2026-11-21T09:3", "2026-11-21T09:30:1", "2026-11-21T09:30:00.5",
		"2026-11-21T24:00", "2026-11-21T09:60", "2026-11-21T09:30:60",
		"2026-11-21T09:30:00+8", "2026-11-21T09:30:00+08",
		"2026-11-21T09:30:00+0800", "2026-11-21T09:30:00+15:00",
		"2026-11-21T09:30:00+08:60", "2026-11-21T09:30:00z",
		"2026-11-21T09:30:00Zjunk", "2026-11-21T09:30:00+08:00 ",
		"1969-12-31", "0000-01-01", "", "now", "2026-1１-21", NULL,
	};
	size_t i;

	for (i = 0; bad[i] != NULL; i++)
		assert_refused(bad[i]);
}

static void
test_format(void **state)
{
	char buf[LTIME_LEN];

	ltime_format(T0, buf);
	assert_string_equal(buf, "2026-11-21T09:30:00+08:00");
	/* Seconds precision: milliseconds are cut, not rounded. */
	ltime_format(T0 + 999, buf);
	assert_string_equal(buf, "2026-11-21T09:30:00+08:00");
	/* 23:30 UTC is the next morning in Beijing. */
	ltime_format(INT64_C(1795303800000), buf);
	assert_string_equal(buf, "2026-11-22T07:30:00+08:00");
	ltime_format(0, buf);
	assert_string_equal(buf, "1970-01-01T08:00:00+08:00");
	/* Before the epoch, still floored to the second. */
	ltime_format(-LTIME_CST_OFFSET_MS - 1, buf);
	assert_string_equal(buf, "1969-12-31T23:59:59+08:00");
	ltime_short(T0 + 59000, buf);
	assert_string_equal(buf, "2026-11-21 09:30");
}

static void
test_format_round_trip(void **state)
{
	char buf[LTIME_LEN];
	int64_t ms, back;
	int i;

	/* A spread of times over ten years, including odd milliseconds. */
	for (i = 0; i < 5000; i++) {
		ms = T0 - INT64_C(157680000000) + (int64_t)i * INT64_C(63113903);
		ltime_format(ms, buf);
		assert_true(ltime_canonical(buf));
		assert_int_equal(ltime_parse(buf, &back), 0);
		assert_int_equal(back, ms - ms % 1000);
	}
	assert_int_equal(ltime_parse("2026-11-21 09:30", &ms), 0);
	ltime_format(ms, buf);
	assert_string_equal(buf, "2026-11-21T09:30:00+08:00");
}

static void
test_canonical(void **state)
{
	assert_true(ltime_canonical("2026-11-21T09:30:00+08:00"));
	assert_false(ltime_canonical("2026-11-21T01:30:00Z"));
	assert_false(ltime_canonical("2026-11-21 09:30:00+08:00"));
	assert_false(ltime_canonical("2026-11-21T09:30+08:00"));
	assert_false(ltime_canonical("2026-11-21T09:30:00"));
	assert_false(ltime_canonical("2026-11-21T09:30:00+09:00"));
	assert_false(ltime_canonical("2026-02-30T09:30:00+08:00"));
	assert_false(ltime_canonical(""));
}

static void
test_now_pinned(void **state)
{
	int64_t now;

	assert_int_equal(setenv("LIANDONG_NOW", "2026-11-21T09:30:00+08:00", 1),
	    0);
	assert_int_equal(ltime_now(), T0);
	assert_int_equal(setenv("LIANDONG_NOW", "2026-11-21 09:30", 1), 0);
	assert_int_equal(ltime_now(), T0);
	assert_int_equal(setenv("LIANDONG_NOW", "1795224600123", 1), 0);
	assert_int_equal(ltime_now(), T0 + 123);

	/* Garbage, zero or empty: the real clock. */
	assert_int_equal(setenv("LIANDONG_NOW", "yesterday", 1), 0);
	now = ltime_now();
	assert_true(now > T0 - INT64_C(10) * 365 * 86400000);
	assert_true(now - wall_ms() < 5000 && wall_ms() - now < 5000);
	assert_int_equal(setenv("LIANDONG_NOW", "0", 1), 0);
	now = ltime_now();
	assert_true(now - wall_ms() < 5000 && wall_ms() - now < 5000);
	assert_int_equal(setenv("LIANDONG_NOW", "", 1), 0);
	now = ltime_now();
	assert_true(now - wall_ms() < 5000 && wall_ms() - now < 5000);
	assert_int_equal(unsetenv("LIANDONG_NOW"), 0);
	now = ltime_now();
	assert_true(now - wall_ms() < 5000 && wall_ms() - now < 5000);
}

static int
teardown(void **state)
{
	unsetenv("LIANDONG_NOW");
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_accepted_forms),
		cmocka_unit_test(test_default_zone_is_cst),
		cmocka_unit_test(test_parse_zones),
		cmocka_unit_test(test_parse_refuses_malformed),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_now_pinned),
	};

	unsetenv("LIANDONG_NOW");
	return cmocka_run_group_tests(tests, NULL, teardown);
}
