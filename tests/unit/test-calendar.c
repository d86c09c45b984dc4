/*
 * test-calendar.c - working days around every public holiday and every
 * adjusted working day (调休上班) of 2025 and 2026, counted on the
 * calendars shipped in conf/calendar/.
 *
 * The expected dates were worked out by hand from the State Council
 * schedules as DOMAIN.md lists them (the comment beside each case shows
 * the count), not from the code under test. Counting starts the day after
 * the event; a deadline is the end of its day (23:59:59.999 CST), a
 * "before" deadline the start of its day. A year with no schedule is
 * counted on weekdays and flagged; a malformed file is refused with the
 * bad entry named.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "ltime.h"
#include "paths.h"
#include "util.h"

#define DAY_MS INT64_C(86400000)

/* The source tree's conf/: $TOP (tests/run.sh exports it), else the
 * DATADIR the Makefile compiled in (the source tree until installed).
 * Not the working directory: the runner runs tests in build/test-logs. */
static const char *
conf_dir(void)
{
	static char dir[4096];
	const char *top = getenv("TOP");

	if (top != NULL && *top != '\0')
		snprintf(dir, sizeof dir, "%s/conf", top);
	else
		ld_strlcpy(dir, paths_data(), sizeof dir);
	return dir;
}

/* A calendar with the shipped 2025 and 2026 schedules. */
static struct calendar *
shipped(void)
{
	char err[LD_ERRLEN] = "", *dir = xasprintf("%s/calendar", conf_dir());
	struct calendar *c = calendar_new();

	if (calendar_load_dir(c, dir, err) != 0)
		fail_msg("cannot load %s (set TOP to the source tree): %s", dir,
		    err);
	free(dir);
	return c;
}

/* Milliseconds of a CST time given as text. */
static int64_t
at(const char *s)
{
	int64_t ms;

	if (ltime_parse(s, &ms) != 0)
		fail_msg("bad test time '%s'", s);
	return ms;
}

static int64_t
day_of(const char *s)
{
	int64_t day;

	if (calendar_parse_day(s, &day) != 0)
		fail_msg("bad test day '%s'", s);
	return day;
}

static int64_t
end_of(const char *day)
{
	return at(day) + DAY_MS - 1;
}

static void
assert_time(int64_t got, int64_t want, const char *what)
{
	char g[LTIME_LEN], w[LTIME_LEN];

	if (got == want)
		return;
	ltime_format(got, g);
	ltime_format(want, w);
	fail_msg("%s: got %s (%lld), want %s (%lld)", what, g, (long long)got,
	    w, (long long)want);
}

/* The holidays and adjusted working days as DOMAIN.md gives them. */
static const struct {
	const char *first, *last;
} holidays[] = {
	{ "2025-01-01", "2025-01-01" }, { "2025-01-28", "2025-02-04" },
	{ "2025-04-04", "2025-04-06" }, { "2025-05-01", "2025-05-05" },
	{ "2025-05-31", "2025-06-02" }, { "2025-10-01", "2025-10-08" },
	{ "2026-01-01", "2026-01-03" }, { "2026-02-15", "2026-02-23" },
	{ "2026-04-04", "2026-04-06" }, { "2026-05-01", "2026-05-05" },
	{ "2026-06-19", "2026-06-21" }, { "2026-09-25", "2026-09-27" },
	{ "2026-10-01", "2026-10-07" },
};

static const char *const working_weekend_days[] = {
	"2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",
	"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20",
	"2026-10-10",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
test_shipped_years(void **state)
{
	struct calendar *c = shipped();

	assert_true(calendar_has_year(c, 2025));
	assert_true(calendar_has_year(c, 2026));
	assert_false(calendar_has_year(c, 2024));
	assert_false(calendar_has_year(c, 2027));
	calendar_free(c);
}

/* Every holiday is a day off, every adjusted working day a working day,
 * and the days on either side of each holiday are what their weekday
 * says (or an adjusted working day). Nothing is assumed. */
static void
test_every_holiday_and_working_day(void **state)
{
	struct calendar *c = shipped();
	int assumed = 0, ignored = 0;
	size_t i, j;
	int64_t d;

	for (i = 0; i < N(holidays); i++) {
		int64_t first = day_of(holidays[i].first);
		int64_t last = day_of(holidays[i].last);

		for (d = first; d <= last; d++)
			if (calendar_is_workday(c, d, &assumed))
				fail_msg("day %lld of %s..%s counted as working",
				    (long long)(d - first), holidays[i].first,
				    holidays[i].last);
		for (d = first - 1; d <= last + 1; d += last - first + 2) {
			int weekday = (int)(((d % 7) + 7 + 4) % 7);
			int want = weekday != 0 && weekday != 6;
			for (j = 0; j < N(working_weekend_days); j++)
				if (day_of(working_weekend_days[j]) == d)
					want = 1;
			/* Dec 31 2024, before the first holiday, is in a year
			 * with no schedule. */
			if (calendar_is_workday(c, d, &ignored) != want)
				fail_msg("the day %s %s..%s is wrong",
				    d < first ? "before" : "after", holidays[i].first,
				    holidays[i].last);
		}
	}
	for (j = 0; j < N(working_weekend_days); j++) {
		d = day_of(working_weekend_days[j]);
		if (!calendar_is_workday(c, d, &assumed))
			fail_msg("%s is an adjusted working day",
			    working_weekend_days[j]);
	}
	/* Plain weekends stay off, plain weekdays stay on. */
	assert_false(calendar_is_workday(c, day_of("2026-02-07"), &assumed));
	assert_false(calendar_is_workday(c, day_of("2026-10-11"), &assumed));
	assert_true(calendar_is_workday(c, day_of("2026-10-09"), &assumed));
	assert_true(calendar_is_workday(c, day_of("2025-12-31"), &assumed));
	assert_int_equal(assumed, 0);
	calendar_free(c);
}

/* By hand: 261 weekdays in each year; 2025 has 18 holidays on weekdays
 * and 5 adjusted working days, 2026 has 19 and 6: 248 working days. */
static void
test_working_days_per_year(void **state)
{
	struct calendar *c = shipped();
	int year, n, assumed = 0;
	int64_t d;
	char first[32], next[32];

	for (year = 2025; year <= 2026; year++) {
		snprintf(first, sizeof first, "%d-01-01", year);
		snprintf(next, sizeof next, "%d-01-01", year + 1);
		n = 0;
		for (d = day_of(first); d < day_of(next); d++)
			n += calendar_is_workday(c, d, &assumed);
		if (n != 248)
			fail_msg("%d: %d working days, want 248", year, n);
	}
	assert_int_equal(assumed, 0);
	calendar_free(c);
}

static const struct {
	const char *from;
	int n;
	const char *due;
	const char *why;
} forward[] = {
	/* 2025 */
	{ "2024-12-31 10:00", 1, "2025-01-02", "Jan 1 off" },
	{ "2025-01-24 10:00", 1, "2025-01-26", "Fri; Sat off; Sun Jan 26 worked" },
	{ "2025-01-26 10:00", 1, "2025-01-27", "the working Sunday to Mon" },
	{ "2025-01-27 10:00", 1, "2025-02-05", "Jan 28-Feb 4 off" },
	{ "2025-01-20 10:00", 10, "2025-02-08",
	    "21,22,23,24,26W,27,Feb 5,6,7,8W" },
	{ "2025-02-07 10:00", 1, "2025-02-08", "Sat Feb 8 worked" },
	{ "2025-02-08 10:00", 1, "2025-02-10", "Sun Feb 9 off" },
	{ "2025-04-03 10:00", 1, "2025-04-07", "Apr 4-6 off" },
	{ "2025-04-25 10:00", 1, "2025-04-27", "Sun Apr 27 worked" },
	{ "2025-04-30 10:00", 1, "2025-05-06", "May 1-5 off" },
	{ "2025-04-27 10:00", 4, "2025-05-06", "28,29,30,May 6" },
	{ "2025-05-30 10:00", 1, "2025-06-03", "May 31-Jun 2 off" },
	{ "2025-09-26 10:00", 1, "2025-09-28", "Sun Sep 28 worked" },
	{ "2025-09-30 10:00", 1, "2025-10-09", "Oct 1-8 off" },
	{ "2025-10-10 10:00", 1, "2025-10-11", "Sat Oct 11 worked" },
	{ "2025-09-30 10:00", 3, "2025-10-11", "Oct 9,10,11W" },
	/* 2026 */
	{ "2025-12-31 10:00", 1, "2026-01-04", "Jan 1-3 off, Sun Jan 4 worked" },
	{ "2026-01-04 10:00", 1, "2026-01-05", "the working Sunday to Mon" },
	{ "2026-02-13 10:00", 1, "2026-02-14", "Sat Feb 14 worked" },
	{ "2026-02-14 10:00", 1, "2026-02-24", "Feb 15-23 off" },
	{ "2026-02-10 10:00", 5, "2026-02-24", "11,12,13,14W,24" },
	{ "2026-02-27 10:00", 1, "2026-02-28", "Sat Feb 28 worked" },
	{ "2026-02-28 10:00", 1, "2026-03-02", "Sun Mar 1 off" },
	{ "2026-04-03 10:00", 1, "2026-04-07", "Apr 4-6 off" },
	{ "2026-04-30 10:00", 1, "2026-05-06", "May 1-5 off" },
	{ "2026-05-08 10:00", 1, "2026-05-09", "Sat May 9 worked" },
	{ "2026-05-09 10:00", 1, "2026-05-11", "Sun May 10 off" },
	{ "2026-06-18 10:00", 1, "2026-06-22", "Jun 19-21 off" },
	{ "2026-09-18 10:00", 1, "2026-09-20", "Sun Sep 20 worked" },
	{ "2026-09-17 10:00", 7, "2026-09-28", "18,20W,21,22,23,24,28" },
	{ "2026-09-24 10:00", 1, "2026-09-28", "Sep 25-27 off" },
	{ "2026-09-30 10:00", 1, "2026-10-08", "Oct 1-7 off" },
	{ "2026-09-30 10:00", 3, "2026-10-10", "Oct 8,9,10W" },
	{ "2026-09-29 10:00", 5, "2026-10-12", "Sep 30,Oct 8,9,10W,12" },
	{ "2026-10-09 10:00", 1, "2026-10-10", "Sat Oct 10 worked" },
	{ "2026-10-10 10:00", 1, "2026-10-12", "Sun Oct 11 off" },
};

static void
test_forward_around_every_holiday(void **state)
{
	struct calendar *c = shipped();
	char what[128];
	size_t i;

	for (i = 0; i < N(forward); i++) {
		int assumed = 0;
		int64_t due = calendar_add_workdays(c, at(forward[i].from),
		    forward[i].n, &assumed);
		snprintf(what, sizeof what, "%d wd from %s (%s)", forward[i].n,
		    forward[i].from, forward[i].why);
		assert_time(due, end_of(forward[i].due), what);
		if (assumed)
			fail_msg("%s: flagged as assumed", what);
	}
	calendar_free(c);
}

/* The cases DOMAIN.md and the brief name, spelled out. */
static void
test_named_examples(void **state)
{
	struct calendar *c = shipped();
	char buf[LTIME_LEN];
	int assumed = 0;
	int64_t due;

	/* 3 working days from Wed 2026-09-30: Oct 1-7 off, Thu 8, Fri 9,
	 * and the adjusted working Saturday 10. */
	due = calendar_add_workdays(c, at("2026-09-30 16:00"), 3, &assumed);
	ltime_format(due, buf);
	assert_string_equal(buf, "2026-10-10T23:59:59+08:00");
	assert_int_equal(due % 1000, 999);
	/* Discovered Tue 2026-09-29, 5 working days: Sep 30, Oct 8, 9, 10,
	 * 12 - Monday the 12th, not the 13th. */
	due = calendar_add_workdays(c, at("2026-09-29 08:00"), 5, &assumed);
	assert_time(due, end_of("2026-10-12"), "5 wd from 2026-09-29");
	/* 2026-02-14 is a working Saturday; Saturday 2026-02-07 is not. */
	assert_true(calendar_is_workday(c, day_of("2026-02-14"), &assumed));
	assert_false(calendar_is_workday(c, day_of("2026-02-07"), &assumed));
	assert_int_equal(assumed, 0);
	calendar_free(c);
}

/* The day of the event never counts, whatever its hour or kind. */
static void
test_counting_starts_the_day_after(void **state)
{
	struct calendar *c = shipped();
	int assumed = 0;

	/* Any time on Fri 2026-02-13: the first working day after is the
	 * Saturday the 14th. */
	assert_time(calendar_add_workdays(c, at("2026-02-13 00:00"), 1,
	    &assumed), end_of("2026-02-14"), "from 00:00");
	assert_time(calendar_add_workdays(c, at("2026-02-13 23:59:59"), 1,
	    &assumed), end_of("2026-02-14"), "from 23:59:59");
	/* One millisecond later it is the 14th: the next is the 24th. */
	assert_time(calendar_add_workdays(c, at("2026-02-13 23:59:59") + 1000,
	    1, &assumed), end_of("2026-02-24"), "from midnight");
	/* Days are Beijing days: 16:00 UTC is midnight in Beijing. */
	assert_time(calendar_add_workdays(c, at("2026-09-30T15:59:59Z"), 1,
	    &assumed), end_of("2026-10-08"), "from 23:59:59 CST Sep 30");
	assert_time(calendar_add_workdays(c, at("2026-09-30T16:00:00Z"), 1,
	    &assumed), end_of("2026-10-08"), "from 00:00 CST Oct 1");
	assert_time(calendar_add_workdays(c, at("2026-09-30T16:00:00Z"), 3,
	    &assumed), end_of("2026-10-10"), "3 from a holiday");
	/* An event on a holiday or a working weekend day counts from the
	 * next day, like any other. */
	assert_time(calendar_add_workdays(c, at("2026-10-03 11:00"), 1,
	    &assumed), end_of("2026-10-08"), "from Oct 3");
	assert_time(calendar_add_workdays(c, at("2026-10-10 11:00"), 2,
	    &assumed), end_of("2026-10-13"), "from the working Saturday");
	/* Calendar days too. */
	assert_time(calendar_add_days(at("2026-02-13 23:00"), 1),
	    end_of("2026-02-14"), "1 day");
	assert_time(calendar_add_days(at("2026-02-13 23:00"), 10),
	    end_of("2026-02-23"), "10 days");
	assert_time(calendar_add_days(at("2025-12-25 08:00"), 10),
	    end_of("2026-01-04"), "10 days over New Year");
	assert_int_equal(assumed, 0);
	calendar_free(c);
}

/* n = 0: the end of the event's own day, holiday or not. */
static void
test_n_zero(void **state)
{
	struct calendar *c = shipped();
	int assumed = 0;

	assert_time(calendar_add_workdays(c, at("2026-10-03 09:00"), 0,
	    &assumed), end_of("2026-10-03"), "0 wd on a holiday");
	assert_time(calendar_add_workdays(c, at("2026-10-09 09:00"), 0,
	    &assumed), end_of("2026-10-09"), "0 wd on a working day");
	assert_time(calendar_add_days(at("2026-10-09 00:00"), 0),
	    end_of("2026-10-09"), "0 days");
	assert_time(calendar_sub_workdays(c, at("2026-10-14 15:00"), 0,
	    &assumed), at("2026-10-14"), "0 wd before");
	assert_time(calendar_sub_days(at("2026-10-14 15:00"), 0),
	    at("2026-10-14"), "0 days before");
	/* Nothing was counted, so nothing is assumed, even in 2027. */
	assert_time(calendar_add_workdays(c, at("2027-03-01 09:00"), 0,
	    &assumed), end_of("2027-03-01"), "0 wd in 2027");
	assert_int_equal(assumed, 0);
	calendar_free(c);
}

/* 2027 has no schedule: weekdays are counted and the answer is flagged. */
static void
test_unknown_year(void **state)
{
	struct calendar *c = shipped();
	int assumed = 0;

	/* Within 2026: known. */
	assert_time(calendar_add_workdays(c, at("2026-12-28 10:00"), 3,
	    &assumed), end_of("2026-12-31"), "to Dec 31");
	assert_int_equal(assumed, 0);
	/* Jan 1 2027 is a Friday: counted as a working day, and said so. */
	assert_time(calendar_add_workdays(c, at("2026-12-31 10:00"), 1,
	    &assumed), end_of("2027-01-01"), "into 2027");
	assert_int_equal(assumed, 1);
	assumed = 0;
	assert_time(calendar_add_workdays(c, at("2027-01-01 10:00"), 3,
	    &assumed), end_of("2027-01-06"), "Mon 4, Tue 5, Wed 6");
	assert_int_equal(assumed, 1);
	assumed = 0;
	assert_true(calendar_is_workday(c, day_of("2027-01-04"), &assumed));
	assert_int_equal(assumed, 1);
	assumed = 0;
	assert_false(calendar_is_workday(c, day_of("2027-01-02"), &assumed));
	assert_int_equal(assumed, 1);
	/* A calendar with nothing loaded counts weekdays everywhere. */
	calendar_free(c);
	c = calendar_new();
	assumed = 0;
	assert_time(calendar_add_workdays(c, at("2026-09-30 10:00"), 3,
	    &assumed), end_of("2026-10-05"), "no calendar at all");
	assert_int_equal(assumed, 1);
	calendar_free(c);
}

/* Into 2025 from 2024 (no schedule): only days counted decide. */
static void
test_year_boundaries(void **state)
{
	struct calendar *c = shipped();
	int assumed = 0;

	/* From Dec 31 2024 the first day counted is Jan 1 2025: known. */
	assert_time(calendar_add_workdays(c, at("2024-12-31 18:00"), 1,
	    &assumed), end_of("2025-01-02"), "2024-12-31 + 1");
	assert_int_equal(assumed, 0);
	assert_time(calendar_add_workdays(c, at("2024-12-31 18:00"), 3,
	    &assumed), end_of("2025-01-06"), "Jan 2, 3, 6");
	assert_int_equal(assumed, 0);
	/* From Dec 30 2024 Dec 31 is counted, and 2024 is unknown. */
	assert_time(calendar_add_workdays(c, at("2024-12-30 18:00"), 2,
	    &assumed), end_of("2025-01-02"), "Dec 31, Jan 2");
	assert_int_equal(assumed, 1);
	assumed = 0;
	/* 2025 into 2026, both known. */
	assert_time(calendar_add_workdays(c, at("2025-12-29 18:00"), 3,
	    &assumed), end_of("2026-01-04"), "Dec 30, 31, Jan 4");
	assert_int_equal(assumed, 0);
	calendar_free(c);
}

static const struct {
	const char *from;
	int n;
	const char *due;
	int assumed;
	const char *why;
} backward[] = {
	{ "2026-10-14 09:30", 5, "2026-10-08", 0, "13,12,10W,9,8" },
	{ "2026-10-08 09:30", 1, "2026-09-30", 0, "Oct 1-7 off" },
	{ "2026-10-12 09:30", 1, "2026-10-10", 0, "Sun 11 off, Sat 10 worked" },
	{ "2026-02-25 09:30", 3, "2026-02-13", 0, "24,14W,13" },
	{ "2026-03-02 09:30", 1, "2026-02-28", 0, "Sat Feb 28 worked" },
	{ "2026-05-11 09:30", 1, "2026-05-09", 0, "Sat May 9 worked" },
	{ "2026-05-06 09:30", 1, "2026-04-30", 0, "May 1-5 off" },
	{ "2026-06-22 09:30", 1, "2026-06-18", 0, "Jun 19-21 off" },
	{ "2026-09-21 09:30", 1, "2026-09-20", 0, "Sun Sep 20 worked" },
	{ "2026-09-28 09:30", 1, "2026-09-24", 0, "Sep 25-27 off" },
	{ "2026-04-07 09:30", 1, "2026-04-03", 0, "Apr 4-6 off" },
	{ "2026-01-05 09:30", 2, "2025-12-31", 0, "Jan 4W, Jan 1-3 off, Dec 31" },
	{ "2025-10-13 14:00", 5, "2025-09-29", 0, "11W,10,9,Sep 30,29" },
	{ "2025-09-29 09:30", 1, "2025-09-28", 0, "Sun Sep 28 worked" },
	{ "2025-02-10 09:30", 2, "2025-02-07", 0, "Sat 8 worked, Fri 7" },
	{ "2025-02-05 09:30", 1, "2025-01-27", 0, "Jan 28-Feb 4 off" },
	{ "2025-01-27 09:30", 1, "2025-01-26", 0, "Sun Jan 26 worked" },
	{ "2025-04-28 09:30", 1, "2025-04-27", 0, "Sun Apr 27 worked" },
	{ "2025-06-03 09:30", 1, "2025-05-30", 0, "May 31-Jun 2 off" },
	{ "2025-01-03 09:30", 3, "2024-12-30", 1, "Jan 2, Dec 31, 30 (2024)" },
};

static void
test_backward(void **state)
{
	struct calendar *c = shipped();
	char what[128];
	size_t i;

	for (i = 0; i < N(backward); i++) {
		int assumed = 0;
		int64_t due = calendar_sub_workdays(c, at(backward[i].from),
		    backward[i].n, &assumed);
		snprintf(what, sizeof what, "%d wd before %s (%s)", backward[i].n,
		    backward[i].from, backward[i].why);
		/* The start of the day: n whole working days before. */
		assert_time(due, at(backward[i].due), what);
		if (assumed != backward[i].assumed)
			fail_msg("%s: assumed %d", what, assumed);
	}
	assert_time(calendar_sub_days(at("2026-10-10 09:00"), 10),
	    at("2026-09-30"), "10 days before");
	assert_time(calendar_sub_days(at("2026-01-05 23:59"), 10),
	    at("2025-12-26"), "10 days before, over New Year");
	calendar_free(c);
}

static void
test_days_and_parsing(void **state)
{
	int64_t d;

	assert_int_equal(calendar_day(at("1970-01-01")), 0);
	assert_int_equal(calendar_day(at("1970-01-01") - 1), -1);
	assert_int_equal(calendar_day(at("2026-10-01")),
	    calendar_day(at("2026-10-01 23:59:59")));
	assert_int_equal(calendar_day(at("2026-10-01")) + 1,
	    calendar_day(at("2026-10-01 23:59:59") + 1000));
	assert_int_equal(calendar_parse_day("2026-10-01", &d), 0);
	assert_int_equal(d, calendar_day(at("2026-10-01 12:00")));
	assert_int_equal(calendar_parse_day("2026-02-29", &d), LD_EINVAL);
	assert_int_equal(calendar_parse_day("2026-10-01 00:00", &d), LD_EINVAL);
	assert_int_equal(calendar_parse_day("2026-1-1", &d), LD_EINVAL);
	assert_int_equal(calendar_parse_day("", &d), LD_EINVAL);
}

/* Months (Civil Code art. 202): the same date of the final month, its
 * last day when it has none; the end of that day. */
static void
test_months(void **state)
{
	static const struct {
		const char *from;
		int n;
		const char *due, *why;
	} cases[] = {
		{ "2026-01-31 10:00", 1, "2026-02-28", "no Feb 31 in 2026" },
		{ "2028-01-31 10:00", 1, "2028-02-29", "2028 is a leap year" },
		{ "2026-03-31 10:00", 1, "2026-04-30", "no Apr 31" },
		{ "2026-02-28 10:00", 1, "2026-03-28", "the same date, not the "
		    "month's end" },
		{ "2026-01-15 09:00", 6, "2026-07-15", "half a year, not 182 days "
		    "(Jul 16)" },
		{ "2026-08-31 09:00", 6, "2027-02-28", "into a new year, no "
		    "Feb 31" },
		{ "2026-10-10 09:00", 3, "2027-01-10", "a quarter, not 91 days "
		    "(Jan 9)" },
		{ "2026-11-30 09:00", 3, "2027-02-28", "no Feb 30" },
		{ "2025-12-31 09:00", 2, "2026-02-28", "two months from Dec 31" },
		{ "2028-02-29 09:00", 12, "2029-02-28", "a year from Feb 29" },
		{ "2026-01-31 23:59", 1, "2026-02-28", "the hour does not matter" },
		/* 16:30 UTC on Jan 31 is 00:30 on Feb 1 in Beijing. */
		{ "2026-01-31T16:30:00Z", 1, "2026-03-01", "the day in CST" },
		{ "2026-05-20 09:00", 0, "2026-05-20", "n = 0: the same day" },
	};
	size_t i;
	char what[128];

	for (i = 0; i < N(cases); i++) {
		snprintf(what, sizeof what, "%s + %d months (%s)", cases[i].from,
		    cases[i].n, cases[i].why);
		assert_time(calendar_add_months(at(cases[i].from), cases[i].n),
		    end_of(cases[i].due), what);
	}
}

/* Civil Code art. 203: a period ending on a rest day runs to the next
 * working day; adjusted working weekend days are working days. */
static void
test_rest_day_forward(void **state)
{
	static const struct {
		const char *due, *moved, *why;
		int assumed;
	} cases[] = {
		{ "2026-11-22", "2026-11-23", "Sun to Mon", 0 },
		{ "2026-11-21", "2026-11-23", "Sat to Mon", 0 },
		{ "2026-11-25", "2026-11-25", "a working Wednesday stays", 0 },
		{ "2026-10-10", "2026-10-10", "Sat Oct 10 2026 is worked", 0 },
		{ "2026-10-01", "2026-10-08", "National Day: Oct 1-7 off", 0 },
		{ "2026-10-04", "2026-10-08", "a Sunday inside the holiday", 0 },
		{ "2026-09-25", "2026-09-28", "Mid-Autumn: Sep 25-27 off", 0 },
		{ "2026-02-15", "2026-02-24", "Spring Festival: Feb 15-23 off", 0 },
		{ "2026-02-14", "2026-02-14", "Sat Feb 14 2026 is worked", 0 },
		{ "2025-10-05", "2025-10-09", "National Day 2025: Oct 1-8 off",
		    0 },
		{ "2025-01-31", "2025-02-05", "Spring Festival 2025: Jan 28-Feb 4",
		    0 },
		{ "2026-12-26", "2026-12-28", "Sat to Mon at the year's end", 0 },
		{ "2027-01-02", "2027-01-04", "2027 has no schedule: weekdays",
		    1 },
	};
	struct calendar *c = shipped();
	char what[128];
	size_t i;

	for (i = 0; i < N(cases); i++) {
		int assumed = 0;

		snprintf(what, sizeof what, "%s (%s)", cases[i].due, cases[i].why);
		assert_time(calendar_rest_day_forward(c, end_of(cases[i].due),
		    &assumed), end_of(cases[i].moved), what);
		if (assumed != cases[i].assumed)
			fail_msg("%s: assumed %d", what, assumed);
	}
	/* A working day's time is kept as it is. */
	assert_int_equal(calendar_rest_day_forward(c, at("2026-11-25 10:00"),
	    &(int){ 0 }), at("2026-11-25 10:00"));
	calendar_free(c);
}

/* Repeated keys and indented continuation lines add days. */
static void
test_continued_lists(void **state)
{
	struct calendar *c = calendar_new();
	char err[LD_ERRLEN] = "";
	int assumed = 0;

	assert_int_equal(calendar_add_text(c,
	    "; a comment\n"
	    "[calendar]\n"
	    "year = 2026\n"
	    "source = test\n"
	    "holidays = 2026-01-01..2026-01-03,\n"
	    "\t2026-02-15..2026-02-23\n"
	    "holidays = 2026-10-01..2026-10-07\n"
	    "workdays = 2026-10-10\n"
	    "workdays = 2026-02-14, 2026-02-28\n", err), 0);
	assert_string_equal(err, "");
	assert_false(calendar_is_workday(c, day_of("2026-02-20"), &assumed));
	assert_false(calendar_is_workday(c, day_of("2026-10-05"), &assumed));
	assert_true(calendar_is_workday(c, day_of("2026-10-10"), &assumed));
	assert_true(calendar_is_workday(c, day_of("2026-02-28"), &assumed));
	/* Not listed here, so a plain holiday-free Friday. */
	assert_true(calendar_is_workday(c, day_of("2026-09-25"), &assumed));
	assert_int_equal(assumed, 0);
	calendar_free(c);

	/* A range may span 31 days, both ends counted. */
	c = calendar_new();
	assert_int_equal(calendar_add_text(c, "[calendar]\nyear = 2026\n"
	    "holidays = 2026-01-01..2026-01-31\n", err), 0);
	assert_false(calendar_is_workday(c, day_of("2026-01-31"), &assumed));
	assert_true(calendar_is_workday(c, day_of("2026-02-02"), &assumed));
	calendar_free(c);
}

#define HEAD "[calendar]\nyear = 2026\n"
#define LONG_LIST "2026-02-15..2026-02-23, 2026-02-15..2026-02-23, " \
	"2026-02-15..2026-02-23, 2026-02-15..2026-02-23, " \
	"2026-02-15..2026-02-23, 2026-02-15..2026-02-23, " \
	"2026-02-15..2026-02-23, 2026-02-15..2026-02-23"

static const struct {
	const char *text;
	const char *named; /* what the message must contain */
} malformed[] = {
	{ HEAD "holidays = 2026-02-30\n", "'2026-02-30'" },
	{ HEAD "holidays = 2026-02-23..2026-02-15\n", "'2026-02-23..2026-02-15'" },
	{ HEAD "holidays = 2026-01-01..2026-02-15\n", "'2026-01-01..2026-02-15'" },
	{ HEAD "holidays = 2026-01-01..2026-02-01\n", "'2026-01-01..2026-02-01'" },
	{ HEAD "holidays = 2026-01-01, 2025-12-31\n", "'2025-12-31'" },
	{ HEAD "holidays = 2026-01-01 2026-01-02\n", "'2026-01-01 2026-01-02'" },
	{ HEAD "holidays = 2026-01-01 .. 2026-01-03\n", "'2026-01-01 .. 2026-01-03'" },
	{ HEAD "holidays = 2026-01-01..\n", "'2026-01-01..'" },
	{ HEAD "holidays = ..2026-01-01\n", "'..2026-01-01'" },
	{ HEAD "holidays = Jan 1\n", "'Jan 1'" },
	{ HEAD "holidays = 2026-01-01, 2026-10-01..2026-10-07x\n",
	    "'2026-10-01..2026-10-07x'" },
	{ HEAD "holidays = 2026-01-01\nworkdays = 2026-02-31\n", "'2026-02-31'" },
	{ "[calendar]\nholidays = 2026-01-01\n", "'year' must come before" },
	{ "[calendar]\nsource = x\n", "no 'year'" },
	{ "[calendar]\nyear = 20x6\nholidays = 2026-01-01\n", "'20x6'" },
	{ "[calendar]\nyear = 1969\nholidays = 1969-01-01\n", "'1969'" },
	{ "[calendar]\nyear = \nholidays = 2026-01-01\n", "bad year" },
	{ HEAD "year = 2025\nholidays = 2025-01-01\n", "'year' given twice" },
	{ HEAD "holiday = 2026-01-01\n", "'holiday'" },
	{ HEAD "holidays = 2026-01-01\n[calender]\nyear = 2027\n", "[calender]" },
	{ HEAD "holidays = 2026-10-01..2026-10-07\nworkdays = 2026-10-04\n",
	    "2026-10-04 is both" },
	{ HEAD "holidays = 2026-10-01..2026-10-07\nworkdays = 2026-10-09\n",
	    "2026-10-09 is not a Saturday or Sunday" },
	{ HEAD "workdays = 2026-10-10\n", "no 'holidays'" },
	{ HEAD "holidays =\nworkdays = 2026-10-10\n", "no 'holidays'" },
	{ HEAD "holidays = 2026-01-01\nthis is not ini\n", "line 4" },
	{ HEAD "holidays = " LONG_LIST "\n", "line 3" },
};

static void
test_malformed_refused(void **state)
{
	char err[LD_ERRLEN];
	size_t i;

	for (i = 0; i < N(malformed); i++) {
		struct calendar *c = calendar_new();
		int rc;

		err[0] = '\0';
		rc = calendar_add_text(c, malformed[i].text, err);
		if (rc != LD_EINVAL)
			fail_msg("accepted (rc %d):\n%s", rc, malformed[i].text);
		if (strstr(err, malformed[i].named) == NULL)
			fail_msg("message does not name %s: %s\n%s",
			    malformed[i].named, err, malformed[i].text);
		/* Refused whole: no year half-loaded. */
		assert_false(calendar_has_year(c, 2026));
		assert_false(calendar_has_year(c, 2025));
		calendar_free(c);
	}
}

static void
test_year_twice_refused(void **state)
{
	struct calendar *c = shipped();
	char err[LD_ERRLEN] = "";

	assert_int_equal(calendar_add_text(c,
	    "[calendar]\nyear = 2026\nholidays = 2026-01-01\n", err), LD_EINVAL);
	assert_non_null(strstr(err, "year 2026 given twice"));
	/* The shipped 2026 is untouched: Feb 16 is still off. */
	{
		int assumed = 0;
		assert_false(calendar_is_workday(c, day_of("2026-02-16"),
		    &assumed));
	}
	calendar_free(c);
}


static void
write_file(const char *dir, const char *name, const char *text, size_t n)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	if (f == NULL || fwrite(text, 1, n, f) != n || fclose(f) != 0)
		fail_msg("cannot write %s", path);
	free(path);
}

static void
test_load_dir_errors(void **state)
{
	const char *good = "[calendar]\nyear = 2030\nholidays = 2030-01-01\n";
	const char *bad = "[calendar]\nyear = 2031\nholidays = 2031-02-30\n";
	char err[LD_ERRLEN] = "", *big, *dir;
	struct calendar *c = calendar_new();

	/* No such directory. */
	assert_int_equal(calendar_load_dir(c, "/nonexistent/calendar", err),
	    LD_ECONFIG);
	assert_non_null(strstr(err, "/nonexistent/calendar"));

	/* A bad file is named with its bad entry; other files are ignored
	 * unless they end in .ini. */
	dir = harness_scratch("cal");
	write_file(dir, "2031.ini", bad, strlen(bad));
	write_file(dir, "README", "not a calendar", 14);
	assert_int_equal(calendar_load_dir(c, dir, err), LD_EINVAL);
	assert_non_null(strstr(err, "2031.ini"));
	assert_non_null(strstr(err, "'2031-02-30'"));
	assert_false(calendar_has_year(c, 2031));
	assert_int_equal(harness_remove(dir), 0);
	free(dir);

	/* A file larger than 64 KiB is refused, not cut. */
	dir = harness_scratch("cal");
	big = xmalloc(70000);
	memset(big, '\n', 70000);
	memcpy(big, good, strlen(good));
	write_file(dir, "2030.ini", big, 70000);
	assert_int_equal(calendar_load_dir(c, dir, err), LD_ETOOBIG);
	assert_non_null(strstr(err, "2030.ini"));
	free(big);
	assert_int_equal(harness_remove(dir), 0);
	free(dir);

	/* A NUL byte would hide the rest of the file. */
	dir = harness_scratch("cal");
	write_file(dir, "2030.ini", "[calendar]\nyear = 2030\n\0junk", 28);
	assert_int_equal(calendar_load_dir(c, dir, err), LD_EINVAL);
	assert_non_null(strstr(err, "NUL"));
	assert_int_equal(harness_remove(dir), 0);
	free(dir);

	/* The same year in two files. */
	dir = harness_scratch("cal");
	write_file(dir, "a.ini", good, strlen(good));
	write_file(dir, "b.ini", good, strlen(good));
	assert_int_equal(calendar_load_dir(c, dir, err), LD_EINVAL);
	assert_non_null(strstr(err, "year 2030 given twice"));
	assert_int_equal(harness_remove(dir), 0);
	free(dir);
	calendar_free(c);
}

/* What the county server sends: the year files' texts in name order;
 * a station loading them counts exactly as the server's directory does. */
static void
test_texts_round_trip(void **state)
{
	char err[LD_ERRLEN] = "", *dir = xasprintf("%s/calendar", conf_dir());
	struct calendar *a = calendar_new(), *b = calendar_new();
	json_t *texts = json_array(), *bad;
	int64_t day, end;
	int x = 0, y = 0;

	(void)state;
	assert_int_equal(calendar_load_dir_texts(a, dir, texts, err), 0);
	assert_int_equal(json_array_size(texts), 2);
	assert_non_null(strstr(json_string_value(json_array_get(texts, 0)),
	    "year = 2025"));
	assert_non_null(strstr(json_string_value(json_array_get(texts, 1)),
	    "year = 2026"));
	assert_int_equal(calendar_add_texts(b, texts, err), 0);
	assert_int_equal(calendar_parse_day("2025-01-01", &day), 0);
	calendar_parse_day("2026-12-31", &end);
	for (; day <= end; day++)
		assert_int_equal(calendar_is_workday(a, day, &x),
		    calendar_is_workday(b, day, &y));
	assert_int_equal(x + y, 0);

	/* Not a list, or a list of something else, is refused; a bad year
	 * file is refused with its bad entry. */
	bad = json_object();
	assert_int_equal(calendar_add_texts(b, bad, err), LD_EINVAL);
	json_decref(bad);
	bad = json_pack("[i]", 2030);
	assert_int_equal(calendar_add_texts(b, bad, err), LD_EINVAL);
	json_decref(bad);
	bad = json_pack("[s]", "[calendar]\nyear = 2031\nholidays = 2031-02-30\n");
	assert_int_equal(calendar_add_texts(b, bad, err), LD_EINVAL);
	assert_non_null(strstr(err, "2031-02-30"));
	assert_false(calendar_has_year(b, 2031));
	json_decref(bad);
	json_decref(texts);
	calendar_free(a);
	calendar_free(b);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_years),
		cmocka_unit_test(test_every_holiday_and_working_day),
		cmocka_unit_test(test_working_days_per_year),
		cmocka_unit_test(test_forward_around_every_holiday),
		cmocka_unit_test(test_named_examples),
		cmocka_unit_test(test_counting_starts_the_day_after),
		cmocka_unit_test(test_n_zero),
		cmocka_unit_test(test_unknown_year),
		cmocka_unit_test(test_year_boundaries),
		cmocka_unit_test(test_backward),
		cmocka_unit_test(test_days_and_parsing),
		cmocka_unit_test(test_months),
		cmocka_unit_test(test_rest_day_forward),
		cmocka_unit_test(test_continued_lists),
		cmocka_unit_test(test_malformed_refused),
		cmocka_unit_test(test_year_twice_refused),
		cmocka_unit_test(test_load_dir_errors),
		cmocka_unit_test(test_texts_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
