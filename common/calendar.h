/*
 * calendar.h - the working-day calendar (工作日) of the State Council's
 * holiday schedules, loaded from conf/calendar/<year>.ini.
 *
 * A working day is a Monday to Friday that is not a public holiday, or a
 * weekend day listed as an adjusted working day (调休上班). Days are civil
 * days in China Standard Time. A year with no schedule loaded is counted
 * on plain weekdays and every answer that used such a day says so
 * (*assumed), so that the user is told, never silently misled.
 */
#ifndef LD_CALENDAR_H
#define LD_CALENDAR_H

#include <jansson.h>
#include <stdint.h>

struct calendar;

/* An empty calendar (every year unknown). */
struct calendar *calendar_new(void);
void calendar_free(struct calendar *c);

/* Adds one year's schedule from an .ini file's text (format in
 * docs/rules.md). Returns 0 or LD_EINVAL with err naming the bad entry:
 * a day that is not a real date or not in the file's year, a range
 * backwards or longer than 31 days, an unknown key or section, a day
 * both a holiday and a working day, an adjusted working day that is not
 * a Saturday or Sunday, no 'holidays', a year already loaded, a line
 * longer than CALENDAR_LINE_MAX bytes. c is unchanged on error. */
int calendar_add_text(struct calendar *c, const char *text, char *err);
/* Loads every *.ini in dir (each at most 64 KiB). Returns 0, LD_ECONFIG
 * (cannot read), LD_ETOOBIG or LD_EINVAL; err names the file. Years
 * loaded before a failing file stay loaded. */
int calendar_load_dir(struct calendar *c, const char *dir, char *err);
/* The same, also appending each file's text to the JSON array texts (in
 * file name order): what the county server sends its stations. */
int calendar_load_dir_texts(struct calendar *c, const char *dir,
    json_t *texts, char *err);
/* Adds every year file text of a JSON array, as calendar_add_text. Stops
 * at the first bad one (years before it stay loaded). */
int calendar_add_texts(struct calendar *c, const json_t *texts, char *err);

/* The longest line inih reads whole (INI_MAX_LINE less the newline and
 * its terminator); longer lines are refused, never split. */
#define CALENDAR_LINE_MAX 198

/* 1 if year's schedule is loaded. */
int calendar_has_year(const struct calendar *c, int year);

/* Civil day number (days since 1970-01-01 in CST) of a time in ms. */
int64_t calendar_day(int64_t ms);
/* Parses "YYYY-MM-DD" into a day number; 0 or LD_EINVAL. */
int calendar_parse_day(const char *s, int64_t *day);

/* 1 if day is a working day; *assumed set to 1 if its year is unknown. */
int calendar_is_workday(const struct calendar *c, int64_t day, int *assumed);

/* The end (23:59:59.999 CST) of the n-th working day after the day of
 * from_ms: counting starts the day after the triggering event. n = 0
 * gives the end of the triggering day itself. *assumed is set when any
 * day counted fell in a year without a schedule. */
int64_t calendar_add_workdays(const struct calendar *c, int64_t from_ms,
    int n, int *assumed);

/* The end of the n-th calendar day after the day of from_ms. */
int64_t calendar_add_days(int64_t from_ms, int n);

/* The end of the day n months after the day of from_ms: the day of
 * the final month with the same number, or its last day when it has
 * none (Civil Code art. 202: Jan 31 + 1 month is Feb 28, or 29). */
int64_t calendar_add_months(int64_t from_ms, int n);

/* Civil Code art. 203, for a period whose last day is a rest day (a
 * weekend day not worked, a public holiday): due_ms when its day is a
 * working day, else the end of the next working day. *assumed as for
 * calendar_add_workdays. */
int64_t calendar_rest_day_forward(const struct calendar *c, int64_t due_ms,
    int *assumed);

/* Counting backwards, for what is owed before an event (a notice given
 * n working days before a meeting): the start (00:00:00.000 CST) of the
 * n-th working day before the day of from_ms, so that n whole working
 * days lie between the deadline and that day. Counting starts the day
 * before; n = 0 gives the start of the day of from_ms itself. *assumed
 * as for calendar_add_workdays. */
int64_t calendar_sub_workdays(const struct calendar *c, int64_t from_ms,
    int n, int *assumed);

/* The start of the n-th calendar day before the day of from_ms. */
int64_t calendar_sub_days(int64_t from_ms, int n);

#endif
