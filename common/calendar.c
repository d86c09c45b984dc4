/*
 * calendar.c - working days (see calendar.h).
 *
 * Each loaded year keeps two sorted arrays of day numbers: holidays and
 * adjusted working days. The file format is a small .ini read with inih
 * (docs/rules.md); a file is checked whole before its year is added, so
 * that a calendar is either loaded as written or refused with the bad
 * entry named, never half-read.
 */
#include <dirent.h>
#include <ini.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar.h"
#include "ltime.h"
#include "textfile.h"
#include "util.h"

#define DAY_MS (86400LL * 1000)
#define FILE_MAX (64 * 1024)

_Static_assert(CALENDAR_LINE_MAX == INI_MAX_LINE - 2,
    "CALENDAR_LINE_MAX must follow inih's INI_MAX_LINE");

struct year {
	int year;
	int64_t *holidays;
	size_t nholidays;
	int64_t *workdays;
	size_t nworkdays;
};

struct calendar {
	struct year *years;
	size_t n;
};

struct calendar *
calendar_new(void)
{
	return xcalloc(1, sizeof(struct calendar));
}

void
calendar_free(struct calendar *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->years[i].holidays);
		free(c->years[i].workdays);
	}
	free(c->years);
	free(c);
}

int64_t
calendar_day(int64_t ms)
{
	int64_t t = ms + LTIME_CST_OFFSET_MS;

	return t >= 0 ? t / DAY_MS : -((-t + DAY_MS - 1) / DAY_MS);
}

int
calendar_parse_day(const char *s, int64_t *day)
{
	int64_t ms;

	if (strlen(s) != 10 || ltime_parse(s, &ms) != 0)
		return LD_EINVAL;
	*day = calendar_day(ms);
	return 0;
}

/* Year of a day number (proleptic Gregorian, from the civil date). */
static int
year_of(int64_t day)
{
	char buf[LTIME_LEN];

	ltime_format(day * DAY_MS - LTIME_CST_OFFSET_MS + 12 * 3600 * 1000LL,
	    buf);
	return atoi(buf);
}

static const struct year *
find_year(const struct calendar *c, int year)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->years[i].year == year)
			return &c->years[i];
	return NULL;
}

int
calendar_has_year(const struct calendar *c, int year)
{
	return find_year(c, year) != NULL;
}

static int
cmp_day(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int
in(const int64_t *days, size_t n, int64_t day)
{
	return n > 0 && bsearch(&day, days, n, sizeof *days, cmp_day) != NULL;
}

static int
weekday_of(int64_t day)
{
	return (int)(((day % 7) + 7 + 4) % 7); /* 0 = Sunday; day 0 a Thursday */
}

int
calendar_is_workday(const struct calendar *c, int64_t day, int *assumed)
{
	const struct year *y = find_year(c, year_of(day));
	int weekday = weekday_of(day);
	int weekend = weekday == 0 || weekday == 6;

	if (y == NULL) {
		*assumed = 1;
		return !weekend;
	}
	if (in(y->workdays, y->nworkdays, day))
		return 1;
	if (in(y->holidays, y->nholidays, day))
		return 0;
	return !weekend;
}

int64_t
calendar_add_workdays(const struct calendar *c, int64_t from_ms, int n,
    int *assumed)
{
	int64_t day = calendar_day(from_ms);

	while (n > 0) {
		day++;
		if (calendar_is_workday(c, day, assumed))
			n--;
	}
	return (day + 1) * DAY_MS - LTIME_CST_OFFSET_MS - 1;
}

int64_t
calendar_add_days(int64_t from_ms, int n)
{
	int64_t day = calendar_day(from_ms) + n;

	return (day + 1) * DAY_MS - LTIME_CST_OFFSET_MS - 1;
}

/* The end (23:59:59.999 CST) of day. */
static int64_t
end_of(int64_t day)
{
	return (day + 1) * DAY_MS - LTIME_CST_OFFSET_MS - 1;
}

/* The number of days of month m (0-11) of year y (years since 1900, as
 * struct tm counts them). */
static int
month_days(int y, int m)
{
	struct tm a, b;

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	a.tm_year = y;
	a.tm_mon = m;
	a.tm_mday = 1;
	b.tm_year = m == 11 ? y + 1 : y;
	b.tm_mon = m == 11 ? 0 : m + 1;
	b.tm_mday = 1;
	return (int)((timegm(&b) - timegm(&a)) / 86400);
}

/*
 * Civil Code art. 202: a period of months ends on the day of the final
 * month with the same number as the day it counts from, or on that
 * month's last day when it has none (Jan 31 + 1 month: Feb 28, or 29).
 * A day number is the civil date in CST, which is the UTC date of the
 * same number of whole days since 1970-01-01: gmtime and timegm do the
 * calendar.
 */
int64_t
calendar_add_months(int64_t from_ms, int n)
{
	time_t t = (time_t)calendar_day(from_ms) * 86400;
	struct tm tm;
	int months, last;

	gmtime_r(&t, &tm);
	months = tm.tm_year * 12 + tm.tm_mon + n;
	tm.tm_year = months / 12;
	tm.tm_mon = months % 12;
	last = month_days(tm.tm_year, tm.tm_mon);
	if (tm.tm_mday > last)
		tm.tm_mday = last;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	return end_of((int64_t)(timegm(&tm) / 86400));
}

int64_t
calendar_rest_day_forward(const struct calendar *c, int64_t due_ms,
    int *assumed)
{
	int64_t day = calendar_day(due_ms), first = day;

	while (!calendar_is_workday(c, day, assumed))
		day++;
	return day == first ? due_ms : end_of(day);
}

int64_t
calendar_sub_workdays(const struct calendar *c, int64_t from_ms, int n,
    int *assumed)
{
	int64_t day = calendar_day(from_ms);

	while (n > 0) {
		day--;
		if (calendar_is_workday(c, day, assumed))
			n--;
	}
	return day * DAY_MS - LTIME_CST_OFFSET_MS;
}

int64_t
calendar_sub_days(int64_t from_ms, int n)
{
	return (calendar_day(from_ms) - n) * DAY_MS - LTIME_CST_OFFSET_MS;
}

struct parse {
	struct year y;
	int have_year;
	char *err;
	int rc;
};

/* One entry, "YYYY-MM-DD" or "YYYY-MM-DD..YYYY-MM-DD" with no blanks, into
 * its first and last day: a range of at most 31 days, all in year. */
static int
parse_entry(const char *tok, int year, int64_t *a, int64_t *b)
{
	const char *dots = strstr(tok, ".."), *tail = dots ? dots + 2 : tok;
	size_t flen = dots != NULL ? (size_t)(dots - tok) : strlen(tok);
	char first[11], last[11];

	if (flen != 10 || strlen(tail) != 10)
		return LD_EINVAL;
	memcpy(first, tok, 10);
	first[10] = '\0';
	memcpy(last, tail, 10);
	last[10] = '\0';
	if (calendar_parse_day(first, a) != 0 ||
	    calendar_parse_day(last, b) != 0 || *b < *a || *b - *a > 30 ||
	    year_of(*a) != year || year_of(*b) != year)
		return LD_EINVAL;
	return 0;
}

/* "2026-01-01, 2026-02-15..2026-02-23" appended to *out (unsorted).
 * Blanks around an entry are allowed, blanks inside one are not. */
static int
parse_days(const char *list, int year, int64_t **out, size_t *n, char *err)
{
	char *copy = xstrdup(list), *tok, *save = NULL, *end;
	int rc = 0;

	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		int64_t a, b;

		while (*tok == ' ' || *tok == '\t')
			tok++;
		end = tok + strlen(tok);
		while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*tok == '\0')
			continue;
		if (parse_entry(tok, year, &a, &b) != 0) {
			rc = ld_fail(err, LD_EINVAL,
			    _("calendar %d: bad day or range '%s' (want YYYY-MM-DD or "
			    "YYYY-MM-DD..YYYY-MM-DD, at most 31 days, in %d)"), year,
			    tok, year);
			break;
		}
		for (; a <= b; a++) {
			*out = xrealloc(*out, (*n + 1) * sizeof **out);
			(*out)[(*n)++] = a;
		}
	}
	free(copy);
	return rc;
}

static int
parse_year(const char *value, int *year)
{
	char *end;
	long v;

	if (value[0] < '0' || value[0] > '9')
		return LD_EINVAL;
	v = strtol(value, &end, 10);
	if (*end != '\0' || v < 1970 || v > 9999)
		return LD_EINVAL;
	*year = (int)v;
	return 0;
}

/*
 * One key of the file. 'holidays' and 'workdays' may be given more than
 * once (or continued on indented lines): each adds days. Every other
 * repetition, key or section is refused, so that a typo ("holiday =")
 * cannot leave a year silently without its holidays.
 */
static int
on_entry(void *user, const char *section, const char *name,
    const char *value)
{
	struct parse *p = user;

	if (p->rc != 0)
		return 1;
	if (strcmp(section, "calendar") != 0) {
		p->rc = ld_fail(p->err, LD_EINVAL,
		    _("calendar: unknown section [%s]"), section);
		return 1;
	}
	if (strcmp(name, "year") == 0) {
		if (p->have_year)
			p->rc = ld_fail(p->err, LD_EINVAL,
			    _("calendar: 'year' given twice"));
		else if (parse_year(value, &p->y.year) != 0)
			p->rc = ld_fail(p->err, LD_EINVAL,
			    _("calendar: bad year '%s'"), value);
		else
			p->have_year = 1;
	} else if (strcmp(name, "holidays") == 0 || strcmp(name, "workdays") == 0) {
		if (!p->have_year) {
			p->rc = ld_fail(p->err, LD_EINVAL,
			    _("calendar: 'year' must come before '%s'"), name);
			return 1;
		}
		p->rc = name[0] == 'h' ?
		    parse_days(value, p->y.year, &p->y.holidays, &p->y.nholidays,
		    p->err) :
		    parse_days(value, p->y.year, &p->y.workdays, &p->y.nworkdays,
		    p->err);
	} else if (strcmp(name, "source") != 0)
		p->rc = ld_fail(p->err, LD_EINVAL, _("calendar: unknown key '%s'"),
		    name);
	return 1;
}

/* The day as "YYYY-MM-DD" for messages. */
static void
day_text(int64_t day, char buf[LTIME_LEN])
{
	ltime_format(day * DAY_MS - LTIME_CST_OFFSET_MS, buf);
	buf[10] = '\0';
}

/* Sorts both lists and checks them against each other. */
static int
check_year(struct year *y, char *err)
{
	char buf[LTIME_LEN];
	size_t i;

	if (y->nholidays > 0)
		qsort(y->holidays, y->nholidays, sizeof *y->holidays, cmp_day);
	if (y->nworkdays > 0)
		qsort(y->workdays, y->nworkdays, sizeof *y->workdays, cmp_day);
	for (i = 0; i < y->nworkdays; i++) {
		int weekday = weekday_of(y->workdays[i]);

		day_text(y->workdays[i], buf);
		if (in(y->holidays, y->nholidays, y->workdays[i]))
			return ld_fail(err, LD_EINVAL,
			    _("calendar %d: %s is both a holiday and a working day"),
			    y->year, buf);
		if (weekday != 0 && weekday != 6)
			return ld_fail(err, LD_EINVAL,
			    _("calendar %d: working day %s is not a Saturday or "
			    "Sunday"), y->year, buf);
	}
	return 0;
}

int
calendar_add_text(struct calendar *c, const char *text, char *err)
{
	struct parse p;
	int rc, line;

	memset(&p, 0, sizeof p);
	p.err = err;
	if ((line = textfile_long_line(text, CALENDAR_LINE_MAX)) != 0)
		return ld_fail(err, LD_EINVAL,
		    _("calendar: line %d is longer than %d bytes (continue a list "
		    "on an indented line)"), line, CALENDAR_LINE_MAX);
	rc = ini_parse_string(text, on_entry, &p);
	if (rc == 0)
		rc = p.rc;
	else if (rc > 0)
		rc = ld_fail(err, LD_EINVAL, _("calendar: syntax error on line %d"),
		    rc);
	else
		rc = ld_fail(err, LD_EINVAL, _("calendar: cannot be parsed"));
	if (rc == 0 && !p.have_year)
		rc = ld_fail(err, LD_EINVAL, _("calendar: no 'year'"));
	if (rc == 0 && p.y.nholidays == 0)
		rc = ld_fail(err, LD_EINVAL, _("calendar %d: no 'holidays'"),
		    p.y.year);
	if (rc == 0)
		rc = check_year(&p.y, err);
	if (rc == 0 && find_year(c, p.y.year) != NULL)
		rc = ld_fail(err, LD_EINVAL, _("calendar: year %d given twice"),
		    p.y.year);
	if (rc != 0) {
		free(p.y.holidays);
		free(p.y.workdays);
		return rc;
	}
	c->years = xrealloc(c->years, (c->n + 1) * sizeof *c->years);
	c->years[c->n++] = p.y;
	return 0;
}

int
calendar_load_dir_texts(struct calendar *c, const char *dir, json_t *texts,
    char *err)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0, i;
	int rc = 0;

	if (d == NULL)
		return ld_fail(err, LD_ECONFIG, _("cannot open calendar directory '%s'"),
		    dir);
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".ini") != 0)
			continue;
		names = xrealloc(names, (n + 1) * sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	/* In name order, so that the same files give the same texts. */
	if (n > 0)
		qsort(names, n, sizeof *names, ld_strcmp_p);
	for (i = 0; i < n; i++) {
		char *path, *text, why[LD_ERRLEN] = "";

		if (rc == 0) {
			path = xasprintf("%s/%s", dir, names[i]);
			rc = textfile_read(path, FILE_MAX, &text, err);
			if (rc == 0) {
				rc = calendar_add_text(c, text, why);
				if (rc != 0)
					ld_fail(err, rc, "%s: %s", path, why);
				else if (texts != NULL)
					json_array_append_new(texts, json_string(text));
				free(text);
			}
			free(path);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int
calendar_load_dir(struct calendar *c, const char *dir, char *err)
{
	return calendar_load_dir_texts(c, dir, NULL, err);
}

int
calendar_add_texts(struct calendar *c, const json_t *texts, char *err)
{
	const json_t *t;
	size_t i;
	int rc;

	if (!json_is_array(texts))
		return ld_fail(err, LD_EINVAL, _("a calendar is a list of year files"));
	json_array_foreach(texts, i, t) {
		if (!json_is_string(t))
			return ld_fail(err, LD_EINVAL,
			    _("a calendar is a list of year files"));
		if ((rc = calendar_add_text(c, json_string_value(t), err)) != 0)
			return rc;
	}
	return 0;
}
