/*
 * test-stats.c - the county's figures (common/stats.h): periods read in
 * China Standard Time, and what each projection adds, worked out by hand
 * on a few records written out here: a deadline counted once, by the
 * unit that owed it, in the period of its due time.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjson.h"
#include "ltime.h"
#include "stats.h"
#include "unit.h"
#include "util.h"

static int64_t
at(const char *t)
{
	int64_t ms;

	assert_int_equal(ltime_parse(t, &ms), 0);
	return ms;
}

static void
period_is(const char *text, const char *from, const char *to)
{
	int64_t f, t;

	if (stats_period(text, &f, &t) != 0)
		fail_msg("period '%s' refused", text);
	assert_true(f == at(from));
	assert_true(t == at(to));
}

static void
test_periods(void **state)
{
	static const char *const bad[] = { "2026-13", "2026-1", "2026-Q0",
		"2026-Q5", "2026-02-29..2026-03-01", "2026-11-16..2026-11-03",
		"26-11", "2026-11 ", "", "2026-11-01..", "1999", "2026- 1",
		"2026-+1", "2026-1 ", " 2026", "2026-Q+1", NULL };
	int64_t f, t;
	size_t i;

	period_is("2026-11", "2026-11-01T00:00:00+08:00",
	    "2026-12-01T00:00:00+08:00");
	period_is("2026-12", "2026-12-01T00:00:00+08:00",
	    "2027-01-01T00:00:00+08:00");
	period_is("2026-Q1", "2026-01-01T00:00:00+08:00",
	    "2026-04-01T00:00:00+08:00");
	period_is("2026-Q4", "2026-10-01T00:00:00+08:00",
	    "2027-01-01T00:00:00+08:00");
	period_is("2026", "2026-01-01T00:00:00+08:00",
	    "2027-01-01T00:00:00+08:00");
	period_is("2028-02-28..2028-02-29", "2028-02-28T00:00:00+08:00",
	    "2028-03-01T00:00:00+08:00");
	period_is("2026-11-03..2026-11-03", "2026-11-03T00:00:00+08:00",
	    "2026-11-04T00:00:00+08:00");
	for (i = 0; bad[i] != NULL; i++)
		if (stats_period(bad[i], &f, &t) == 0)
			fail_msg("period '%s' accepted", bad[i]);
	assert_int_equal(stats_period(NULL, &f, &t), -1);
}

#define NOW "2026-11-20T10:00:00+08:00"
#define DL(due, rule, done, late) \
	"{\"due\":\"" due "\",\"rule\":\"gonghe/" rule "\",\"basis\":\"x\"," \
	"\"assumed\":false" done late "}"

/*
 * A referral from 甲镇 to 执法局, decided to 住建局, accepted and with
 * the result late; its copy of the case's time to refer; and a
 * referral withdrawn before it was acknowledged.
 */
static const char *const docs[] = {
	/* The case: referred on time. */
	"{\"type\":\"case\",\"entity\":\"C-s1-1\",\"status\":\"open\","
	"\"unit\":\"甲镇\",\"category\":\"违法建设\",\"source\":\"patrol\","
	"\"discovered_at\":\"2026-11-02T09:00:00+08:00\",\"urgent\":false,"
	"\"created_at\":1,\"referred\":{\"referral\":\"R-s1-2\"},"
	"\"refer_due\":" DL("2026-11-09T23:59:59+08:00", "refer",
	", \"done_at\": 1", ", \"late\": false") "}",
	/* The referral: acknowledged by 执法局 four hours after receipt,
	 * on time; handled by 住建局 after a decision, its result late. */
	"{\"type\":\"referral\",\"entity\":\"R-s1-2\",\"status\":\"closed\","
	"\"unit\":\"甲镇\",\"to\":\"执法局\",\"handler\":\"住建局\","
	"\"urgent\":true,\"created_at\":1,"
	"\"sent_at\":\"2026-11-03T09:00:00+08:00\","
	"\"received\":{\"at\":\"2026-11-03T10:00:00+08:00\"},"
	"\"refer_due\":" DL("2026-11-09T23:59:59+08:00", "refer",
	", \"done_at\": 1", ", \"late\": false") ","
	"\"ack_due\":" DL("2026-11-10T23:59:59+08:00", "acknowledge",
	", \"done_at\": 1793685600000", ", \"late\": false") ","
	"\"result_due\":" DL("2026-11-18T23:59:59+08:00", "result",
	", \"done_at\": 1", ", \"late\": true") "}",
	/* Withdrawn unacknowledged: owed by nobody now. */
	"{\"type\":\"referral\",\"entity\":\"R-s1-3\",\"status\":\"withdrawn\","
	"\"unit\":\"甲镇\",\"to\":\"执法局\",\"handler\":\"执法局\","
	"\"urgent\":false,\"created_at\":1,"
	"\"sent_at\":\"2026-11-04T09:00:00+08:00\","
	"\"ack_due\":" DL("2026-11-11T23:59:59+08:00", "acknowledge", "", "")
	"}",
	/* Open and overdue, and open and not yet due; and one due in
	 * December, counted there. */
	"{\"type\":\"case\",\"entity\":\"C-s2-1\",\"status\":\"open\","
	"\"unit\":\"乙镇\",\"category\":\"占用林地\",\"source\":\"report\","
	"\"discovered_at\":\"2026-11-05T09:00:00+08:00\",\"urgent\":true,"
	"\"created_at\":1,"
	"\"refer_due\":" DL("2026-11-12T23:59:59+08:00", "refer", "", "") "}",
	"{\"type\":\"case\",\"entity\":\"C-s2-2\",\"status\":\"open\","
	"\"unit\":\"乙镇\",\"category\":\"占用林地\",\"source\":\"report\","
	"\"discovered_at\":\"2026-11-19T09:00:00+08:00\",\"urgent\":false,"
	"\"created_at\":1,"
	"\"refer_due\":" DL("2026-11-26T23:59:59+08:00", "refer", "", "") "}",
	"{\"type\":\"case\",\"entity\":\"C-s2-3\",\"status\":\"open\","
	"\"unit\":\"乙镇\",\"category\":\"占用林地\",\"source\":\"report\","
	"\"discovered_at\":\"2026-11-27T09:00:00+08:00\",\"urgent\":false,"
	"\"created_at\":1,"
	"\"refer_due\":" DL("2026-12-04T23:59:59+08:00", "refer", "", "") "}",
	NULL,
};

/* The figures of docs for November, of unit (NULL: the county). */
static json_t *
november(const char *unit)
{
	struct stats *s = stats_new(at("2026-11-01T00:00:00+08:00"),
	    at("2026-12-01T00:00:00+08:00"), unit, at(NOW));
	json_t *doc, *r;
	size_t i;

	for (i = 0; docs[i] != NULL; i++) {
		doc = unit_json(docs[i]);
		stats_add(s, doc);
		json_decref(doc);
	}
	r = stats_result(s);
	stats_free(s);
	return r;
}

/* The row of array a whose unit (and rule, if not NULL) match. */
static json_t *
row_of(const json_t *a, const char *unit, const char *rule)
{
	json_t *r;
	size_t i;

	json_array_foreach(a, i, r)
		if (strcmp(cjson_str(r, "unit"), unit) == 0 && (rule == NULL ||
		    strcmp(cjson_str(r, "rule"), rule) == 0))
			return r;
	fail_msg("no row for %s %s", unit, rule ? rule : "");
	return NULL;
}

static json_int_t
num(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static void
test_county(void **state)
{
	json_t *r = november(NULL), *t, *x;

	x = json_object_get(json_object_get(r, "cases"), "total");
	assert_int_equal(num(x, "opened"), 4);
	assert_int_equal(num(x, "referred"), 1);
	assert_int_equal(num(x, "urgent"), 1);
	x = row_of(json_object_get(json_object_get(r, "referrals"),
	    "by_receiver"), "执法局", NULL);
	assert_int_equal(num(x, "received"), 2);
	assert_int_equal(num(x, "closed"), 1);
	assert_int_equal(num(x, "withdrawn"), 1);
	/* Acknowledged at 14:00 (1793685600000), received at 10:00. */
	assert_true(json_real_value(json_object_get(x, "ack_hours_median")) ==
	    4.0);

	t = json_object_get(json_object_get(r, "timeliness"), "by_rule");
	/* The case's time to refer once, not again on the referral. */
	x = row_of(t, "甲镇", "gonghe/refer");
	assert_int_equal(num(x, "on_time"), 1);
	/* The acknowledgement is 执法局's; the result, late, 住建局's. */
	assert_int_equal(num(row_of(t, "执法局", "gonghe/acknowledge"),
	    "on_time"), 1);
	assert_int_equal(num(row_of(t, "住建局", "gonghe/result"), "late"), 1);
	/* 乙镇: one overdue, one still open; the December one elsewhere. */
	x = row_of(t, "乙镇", "gonghe/refer");
	assert_int_equal(num(x, "overdue"), 1);
	assert_int_equal(num(x, "open"), 1);
	assert_int_equal(num(x, "on_time") + num(x, "late"), 0);
	assert_true(json_real_value(json_object_get(x, "rate")) == 0.0);
	/* The withdrawn referral's acknowledgement counts nowhere. */
	assert_int_equal(json_array_size(t), 4);

	/* Ranked: 甲镇 and 执法局 at 100%, 住建局 and 乙镇 at 0%. */
	t = json_object_get(json_object_get(r, "timeliness"), "by_unit");
	assert_string_equal(cjson_str(json_array_get(t, 0), "unit"), "执法局");
	assert_int_equal(num(json_array_get(t, 0), "rank"), 1);
	assert_string_equal(cjson_str(json_array_get(t, 1), "unit"), "甲镇");
	/* Equal rates share a rank: 1, 1, then 3, 3. */
	assert_int_equal(num(json_array_get(t, 1), "rank"), 1);
	assert_int_equal(num(json_array_get(t, 2), "rank"), 3);
	assert_int_equal(num(json_array_get(t, 3), "rank"), 3);
	x = json_object_get(json_object_get(r, "timeliness"), "total");
	assert_int_equal(num(x, "on_time"), 2);
	assert_int_equal(num(x, "late"), 1);
	assert_int_equal(num(x, "overdue"), 1);
	assert_true(json_real_value(json_object_get(x, "rate")) == 0.5);
	json_decref(r);
}

static void
test_one_unit(void **state)
{
	json_t *r = november("执法局"), *x;

	x = json_object_get(json_object_get(r, "cases"), "total");
	assert_int_equal(num(x, "opened"), 0);
	assert_int_equal(json_array_size(json_object_get(json_object_get(r,
	    "referrals"), "by_sender")), 0);
	assert_int_equal(json_array_size(json_object_get(json_object_get(r,
	    "referrals"), "by_receiver")), 1);
	x = json_object_get(json_object_get(r, "timeliness"), "by_rule");
	assert_int_equal(json_array_size(x), 1);
	assert_string_equal(cjson_str(json_array_get(x, 0), "rule"),
	    "gonghe/acknowledge");
	json_decref(r);
}

/* The trail: each record counted, by "table\tkey\tfigure". */
static void
tally(const char *table, const char *key, const char *figure,
    const json_t *doc, void *arg)
{
	char *k = xasprintf("%s\t%s\t%s", table, key, figure);
	json_t *seen = arg, *list = json_object_get(seen, k);

	if (list == NULL) {
		list = json_array();
		json_object_set_new(seen, k, list);
	}
	json_array_append_new(list, json_string(cjson_str(doc, "entity")));
	free(k);
}

/* Every figure of a table of r equals the records the trail handed for
 * its cell; each cell checked is taken out of seen. */
static void
trail_matches(const json_t *r, const char *table, const char *key_field,
    json_t *seen)
{
	char *path = xstrdup(table), *dot = strchr(path, '.'), *k;
	const json_t *rows, *row, *v;
	const char *f, *key;
	size_t i;

	if (dot != NULL)
		*dot = '\0';
	rows = json_object_get(r, path);
	if (dot != NULL)
		rows = json_object_get(rows, dot + 1);
	json_array_foreach(rows, i, row) {
		key = cjson_str(row, key_field);
		json_object_foreach((json_t *)row, f, v) {
			if (!json_is_integer(v) || strcmp(f, "rank") == 0)
				continue;
			if (strcmp(table, "timeliness.by_rule") == 0)
				k = xasprintf("%s\t%s\t%s\t%s", table, key,
				    cjson_str(row, "rule"), f);
			else
				k = xasprintf("%s\t%s\t%s", table, key, f);
			if ((json_int_t)json_array_size(json_object_get(seen, k)) !=
			    json_integer_value(v))
				fail_msg("%s: figure %lld, trail %zu", k,
				    (long long)json_integer_value(v),
				    json_array_size(json_object_get(seen, k)));
			json_object_del(seen, k);
			free(k);
		}
	}
	free(path);
}

static void
test_trail(void **state)
{
	struct stats *s = stats_new(at("2026-11-01T00:00:00+08:00"),
	    at("2026-12-01T00:00:00+08:00"), NULL, at(NOW));
	json_t *seen = json_object(), *doc, *r;
	struct stats_trail t = { tally, seen };
	const char *k;
	json_t *v;
	size_t i;

	stats_set_trail(s, &t);
	for (i = 0; docs[i] != NULL; i++) {
		doc = unit_json(docs[i]);
		stats_add(s, doc);
		json_decref(doc);
	}
	r = stats_result(s);
	stats_free(s);
	/* The figures are those without a trail. */
	doc = november(NULL);
	assert_true(json_equal(r, doc));
	json_decref(doc);
	/* The overdue one of 乙镇 is its first case. */
	v = json_object_get(seen, "timeliness.by_rule\t乙镇\tgonghe/refer\t"
	    "overdue");
	assert_int_equal(json_array_size(v), 1);
	assert_string_equal(json_string_value(json_array_get(v, 0)), "C-s2-1");
	trail_matches(r, "cases.by_unit", "unit", seen);
	trail_matches(r, "cases.by_category", "category", seen);
	trail_matches(r, "cases.by_source", "source", seen);
	trail_matches(r, "cases.by_month", "month", seen);
	trail_matches(r, "referrals.by_sender", "unit", seen);
	trail_matches(r, "referrals.by_receiver", "unit", seen);
	trail_matches(r, "liaison", "unit", seen);
	trail_matches(r, "timeliness.by_unit", "unit", seen);
	trail_matches(r, "timeliness.by_rule", "unit", seen);
	/* Nothing handed on that no figure counts. */
	json_object_foreach(seen, k, v)
		fail_msg("trail without a figure: %s", k);
	json_decref(seen);
	json_decref(r);
}

/* The result's row of table (a dotted path) whose "unit" is unit. */
static const json_t *
row_in(const json_t *r, const char *table, const char *unit)
{
	char *path = xstrdup(table), *dot = strchr(path, '.');
	const json_t *rows, *x;
	size_t i;

	if (dot != NULL)
		*dot = '\0';
	rows = json_object_get(r, path);
	if (dot != NULL)
		rows = json_object_get(rows, dot + 1);
	free(path);
	json_array_foreach(rows, i, x)
		if (strcmp(cjson_str(x, "unit"), unit) == 0)
			return x;
	fail_msg("no row %s in %s", unit, table);
	return NULL;
}

static void
real_is(const json_t *row, const char *key, double v)
{
	const json_t *x = json_object_get(row, key);

	if (!json_is_real(x) || json_real_value(x) != v)
		fail_msg("%s: %g, not %g", key, json_real_value(x), v);
}

static int64_t
h(const char *t, int hours)
{
	return at(t) + (int64_t)hours * 3600000;
}

/*
 * Issue 17's other figures: the time each referral step took (median and
 * 90th percentile hours), a township's call unanswered past its due
 * time, a meeting's resolutions by their follow-up, a training's people;
 * and a category filter that keeps only one category's records.
 */
static void
test_steps(void **state)
{
	const char *s1 = "2026-11-02T08:00:00+08:00",
	    *s2 = "2026-11-03T08:00:00+08:00";
	json_t *docs2[6], *r, *seen = json_object();
	struct stats *s;
	struct stats_trail t = { tally, seen };
	const char *k;
	json_t *v;
	size_t i;

	docs2[0] = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I,"
	    " s:{s:s}, s:{s:I, s:I, s:I}}", "type", "referral", "entity",
	    "R-a-1", "unit", "甲镇", "to", "执法局", "handler", "执法局",
	    "status", "closed", "sent_at", s1, "created_at", (json_int_t)at(s1),
	    "received", "at", "2026-11-02T09:00:00+08:00", "steps",
	    "acknowledged", (json_int_t)h(s1, 2), "accepted",
	    (json_int_t)h(s1, 5), "closed", (json_int_t)h(s1, 29));
	json_object_set_new(docs2[0], "category", json_string("y"));
	docs2[1] = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I,"
	    " s:{s:I}}", "type", "referral", "entity", "R-a-2", "unit", "甲镇",
	    "to", "执法局", "handler", "执法局", "category", "x", "status",
	    "disputed", "sent_at", s2, "created_at", (json_int_t)at(s2),
	    "steps", "disputed", (json_int_t)h(s2, 3));
	docs2[2] = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:{s:s, s:s,"
	    " s:s, s:b}}", "type", "whistle", "entity", "W-b-1", "unit", "乙镇",
	    "to", "执法局", "status", "called", "created_at",
	    (json_int_t)at("2026-11-05T08:00:00+08:00"), "answer_due", "due",
	    "2026-11-06T08:00:00+08:00", "rule", "gu/whistle_answer", "basis",
	    "x", "assumed", 0);
	docs2[3] = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:[{s:s, s:s},"
	    " {s:s, s:s}, {s:s, s:s}]}", "type", "meeting", "entity", "M-c-1",
	    "unit", "执法局", "status", "held", "at", "2026-11-10T15:00:00+08:00",
	    "created_at", (json_int_t)at(s1), "resolutions", "owner", "甲镇",
	    "status", "done", "owner", "乙镇", "status", "open", "owner", "乙镇",
	    "status", "in-progress");
	docs2[4] = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:[s, s, s]}",
	    "type", "liaison", "entity", "L-a-1", "unit", "甲镇", "status",
	    "logged", "activity", "training", "created_at", (json_int_t)at(s2),
	    "participants", "a", "b", "c");
	docs2[5] = NULL;

	s = stats_new(at("2026-11-01T00:00:00+08:00"),
	    at("2026-12-01T00:00:00+08:00"), NULL, at(NOW));
	stats_set_trail(s, &t);
	for (i = 0; docs2[i] != NULL; i++)
		stats_add(s, docs2[i]);
	r = stats_result(s);
	stats_free(s);
	/* Acknowledged 1 h after its receipt; answered 4 h after it (the
	 * receipt) and 3 h after its sending (no receipt); the result a day
	 * after the acceptance. */
	v = (json_t *)row_in(r, "referrals.steps", "执法局");
	assert_int_equal(json_integer_value(json_object_get(v, "acknowledged")), 1);
	assert_int_equal(json_integer_value(json_object_get(v, "answered")), 2);
	real_is(v, "acknowledged_median_hours", 1.0);
	real_is(v, "answered_median_hours", 3.5);
	real_is(v, "answered_p90_hours", 4.0);
	real_is(v, "result_p90_hours", 24.0);
	v = (json_t *)row_in(r, "whistles.by_department", "执法局");
	assert_int_equal(json_integer_value(json_object_get(v, "overdue")), 1);
	assert_int_equal(json_integer_value(json_object_get(v, "answered")), 0);
	assert_true(json_is_null(json_object_get(v, "answer_median_hours")));
	real_is(v, "rate", 0.0);
	v = (json_t *)row_in(r, "meetings.followup", "乙镇");
	assert_int_equal(json_integer_value(json_object_get(v, "unreported")), 1);
	assert_int_equal(json_integer_value(json_object_get(v, "in_progress")), 1);
	v = (json_t *)row_in(r, "liaison_activity", "甲镇");
	assert_int_equal(json_integer_value(json_object_get(v, "trained")), 3);
	trail_matches(r, "referrals.steps", "unit", seen);
	trail_matches(r, "whistles.by_caller", "unit", seen);
	trail_matches(r, "whistles.by_department", "unit", seen);
	trail_matches(r, "meetings.by_unit", "unit", seen);
	trail_matches(r, "meetings.followup", "unit", seen);
	trail_matches(r, "liaison", "unit", seen);
	trail_matches(r, "liaison_activity", "unit", seen);
	trail_matches(r, "referrals.by_sender", "unit", seen);
	trail_matches(r, "referrals.by_receiver", "unit", seen);
	trail_matches(r, "timeliness.by_unit", "unit", seen);
	trail_matches(r, "timeliness.by_rule", "unit", seen);
	json_object_foreach(seen, k, v)
		fail_msg("trail without a figure: %s", k);
	json_decref(seen);
	json_decref(r);

	/* Category x: its referral alone; nothing without a category. */
	s = stats_new(at("2026-11-01T00:00:00+08:00"),
	    at("2026-12-01T00:00:00+08:00"), NULL, at(NOW));
	stats_set_category(s, "x");
	for (i = 0; docs2[i] != NULL; i++)
		stats_add(s, docs2[i]);
	r = stats_result(s);
	stats_free(s);
	v = (json_t *)row_in(r, "referrals.steps", "执法局");
	assert_int_equal(json_integer_value(json_object_get(v, "answered")), 1);
	assert_int_equal(json_integer_value(json_object_get(v, "acknowledged")), 0);
	assert_int_equal(json_array_size(json_object_get(json_object_get(r,
	    "whistles"), "by_department")), 0);
	assert_int_equal(json_array_size(json_object_get(json_object_get(r,
	    "meetings"), "followup")), 0);
	assert_int_equal(json_array_size(json_object_get(r, "liaison")), 0);
	json_decref(r);
	for (i = 0; docs2[i] != NULL; i++)
		json_decref(docs2[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_periods),
		cmocka_unit_test(test_county),
		cmocka_unit_test(test_one_unit),
		cmocka_unit_test(test_trail),
		cmocka_unit_test(test_steps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
