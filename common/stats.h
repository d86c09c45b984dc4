/*
 * stats.h - the county's figures over a period (issue 17): cases,
 * referrals, liaison work and the timeliness of every obligation with a
 * due time, per unit. `liandong-server report` prints them; the
 * dashboard will show the same numbers.
 *
 * Fed one projection at a time (stats_add), in any order; nothing is
 * read twice. Which period a record counts in (docs/report.md):
 *   case       its discovery (discovered_at)
 *   referral   when it was sent (sent_at, else entered)
 *   liaison    when it was entered
 *   obligation its due time: one due in the period counts there, done
 *              on time, done late, still open, or overdue now.
 * With a unit, only that unit's figures: its cases, the referrals it
 * sent or received, its liaison logs, what it owed.
 */
#ifndef LD_STATS_H
#define LD_STATS_H

#include <stdint.h>
#include <jansson.h>

struct stats;

/* Figures for [from, to) (ms), of unit alone when it is not NULL, with
 * now deciding what is overdue. */
struct stats *stats_new(int64_t from, int64_t to, const char *unit,
    int64_t now);
void stats_add(struct stats *s, const json_t *doc);
/* Only the records of category (a case's or referral's "category") and
 * what they owe; NULL: every record. Set before the first stats_add. */
void stats_set_category(struct stats *s, const char *category);
/* The figures as JSON (new reference): docs/report.md gives its shape. */
json_t *stats_result(const struct stats *s);
void stats_free(struct stats *s);

/*
 * The records behind the figures (the dashboard's drill-down): with a
 * trail set, each time stats_add counts a record it calls fn with the
 * table of the result it counts in ("cases.by_unit", "cases.by_category",
 * "cases.by_source", "cases.by_month", "referrals.by_sender",
 * "referrals.by_receiver", "referrals.steps", "liaison",
 * "liaison_activity", "whistles.by_caller", "whistles.by_department",
 * "assists.by_unit", "meetings.by_unit", "meetings.followup",
 * "timeliness.by_unit", "timeliness.by_rule"), the row's key (its unit, category, source or
 * month; "UNIT\tRULE" for timeliness.by_rule), the figure ("opened",
 * "overdue"...: the row's field) and the record's projection (borrowed).
 * A record counted n times in one cell is handed n times (a case's two
 * deadlines of one rule). Nothing is counted differently with a trail.
 */
struct stats_trail {
	void (*fn)(const char *table, const char *key, const char *figure,
	    const json_t *doc, void *arg);
	void *arg;
};

/* Sets (or with NULL clears) the trail; t is copied. */
void stats_set_trail(struct stats *s, const struct stats_trail *t);

/*
 * Hands fn every time (ms) that decides whether doc counts in a period:
 * stats_add counts nothing of doc in [from, to) unless one of them is
 * in it, whatever the unit, category or now (the county's stored
 * projections are read by them: server/projection.c). A time may come
 * more than once.
 */
void stats_times(const json_t *doc, void (*fn)(int64_t at, void *arg),
    void *arg);

/*
 * Reads a period: "2026-11" (a month), "2026-Q4" (a quarter), "2026" (a
 * year) or "2026-11-03..2026-11-16" (days, both included), in China
 * Standard Time, into [*from, *to). Returns 0, or -1 when text is none
 * of these.
 */
int stats_period(const char *text, int64_t *from, int64_t *to);

#endif
