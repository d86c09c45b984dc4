/*
 * test-rules.c - the three shipped rule profiles (conf/rules/, one .ini each) and
 * the deadlines they give on the shipped calendars.
 *
 * Every rule of every shipped profile has at least one case below: its
 * number and unit as the county document sets them, a word of its clause
 * that carries the number, and a deadline from a concrete date worked out
 * by hand from the 2025/2026 holiday schedules (the comment shows the
 * count). A rule added to a profile without a case here fails the test.
 * Then: clock hours, extensions, "immediately", rules counted before an
 * event, JSON round trips, and profiles that must be refused.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "ltime.h"
#include "paths.h"
#include "rules.h"
#include "util.h"

#define DAY_MS INT64_C(86400000)
#define HOUR_MS INT64_C(3600000)
#define N(a) (sizeof(a) / sizeof((a)[0]))

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

static struct calendar *
shipped_calendar(void)
{
	char err[LD_ERRLEN] = "", *dir = xasprintf("%s/calendar", conf_dir());
	struct calendar *c = calendar_new();

	if (calendar_load_dir(c, dir, err) != 0)
		fail_msg("cannot load %s (set TOP to the source tree): %s", dir,
		    err);
	free(dir);
	return c;
}

static struct profile *
shipped_profile(const char *name)
{
	char err[LD_ERRLEN] = "";
	char *path = xasprintf("%s/rules/%s.ini", conf_dir(), name);
	struct profile *p = NULL;

	if (profile_load(path, &p, err) != 0)
		fail_msg("cannot load %s: %s", path, err);
	free(path);
	return p;
}

static int64_t
at(const char *s)
{
	int64_t ms;

	if (ltime_parse(s, &ms) != 0)
		fail_msg("bad test time '%s'", s);
	return ms;
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

static const struct rule *
rule_of(const struct profile *p, const char *name)
{
	const struct rule *r = profile_rule(p, name);

	if (r == NULL)
		fail_msg("%s has no rule %s", p->name, name);
	return r;
}

/* How a due time is given: the end of a day, the start of a day (before
 * rules), or an exact clock time. */
enum want { END_OF, START_OF, EXACT };

static const struct {
	const char *profile, *rule;
	int amount;
	enum rule_unit unit;
	int extend_max;
	enum rule_direction direction;
	const char *words;   /* in the clause: the number as the seed has it */
	const char *from;    /* the event that starts the obligation */
	int extend;          /* an extension (new total), 0 for none */
	enum want want;
	const char *due;
	const char *why;
} cases[] = {
	/* Gonghe 共和县, seed 000 */
	{ "gonghe", "refer", 5, RULE_WORKDAYS, 10, RULE_AFTER, "5个工作日内移送",
	    "2026-09-29 10:00", 0, END_OF, "2026-10-12",
	    "Sep 30, Oct 8, 9, 10W, 12" },
	{ "gonghe", "refer", 5, RULE_WORKDAYS, 10, RULE_AFTER, "最长不超过10个工作日",
	    "2026-09-29 10:00", 10, END_OF, "2026-10-19",
	    "... 12, 13, 14, 15, 16, 19" },
	{ "gonghe", "refer_urgent", 24, RULE_HOURS, 0, RULE_AFTER, "24小时",
	    "2026-09-30 21:15", 0, EXACT, "2026-10-01 21:15",
	    "24 clock hours, holiday or not" },
	{ "gonghe", "acknowledge", 5, RULE_WORKDAYS, 0, RULE_AFTER, "5个工作日内书面告知",
	    "2026-02-12 16:00", 0, END_OF, "2026-02-26",
	    "Feb 13, 14W, 24, 25, 26" },
	{ "gonghe", "result", 0, RULE_DAYS, 0, RULE_AFTER, "送达当事人的同时",
	    "2026-10-03 11:00", 0, END_OF, "2026-10-03",
	    "the day the decision is served" },
	{ "gonghe", "assist", 3, RULE_WORKDAYS, 0, RULE_AFTER, "3个工作日内书面反馈",
	    "2025-09-30 09:00", 0, END_OF, "2025-10-11",
	    "Oct 1-8 off; 9, 10, 11W" },
	{ "gonghe", "consult", 3, RULE_WORKDAYS, 0, RULE_AFTER, "3个工作日内书面反馈",
	    "2026-04-30 17:00", 0, END_OF, "2026-05-08",
	    "May 1-5 off; 6, 7, 8" },
	{ "gonghe", "supervision_reply", 7, RULE_WORKDAYS, 0, RULE_AFTER,
	    "7个工作日内书面回复", "2026-06-16 10:00", 0, END_OF, "2026-06-26",
	    "17, 18, 22, 23, 24, 25, 26" },
	{ "gonghe", "supervision_result", 7, RULE_WORKDAYS, 0, RULE_AFTER,
	    "7个工作日内书面反馈", "2025-01-22 10:00", 0, END_OF, "2025-02-07",
	    "23, 24, 26W, 27, Feb 5, 6, 7" },
	{ "gonghe", "share_info", 0, RULE_DAYS, 0, RULE_AFTER, "自形成当日",
	    "2026-05-01 08:00", 0, END_OF, "2026-05-01", "the same day" },

	/* Gu 古县, seed 004 */
	{ "gu", "refer", 3, RULE_WORKDAYS, 0, RULE_AFTER, "3个工作日内移送",
	    "2026-05-07 10:00", 0, END_OF, "2026-05-11", "8, 9W, 11" },
	{ "gu", "refer_urgent", 24, RULE_HOURS, 0, RULE_AFTER, "24小时内移送",
	    "2026-02-14 18:30", 0, EXACT, "2026-02-15 18:30", "24 clock hours" },
	{ "gu", "assist", 5, RULE_WORKDAYS, 0, RULE_AFTER, "5个工作日内提出书面意见",
	    "2026-06-17 10:00", 0, END_OF, "2026-06-25",
	    "18, 22, 23, 24, 25" },
	{ "gu", "share_info", 0, RULE_DAYS, 0, RULE_AFTER, "自形成当日",
	    "2026-01-01 10:00", 0, END_OF, "2026-01-01", "the same day" },
	{ "gu", "whistle_answer", 0, RULE_IMMEDIATE, 0, RULE_AFTER, "应立即派执法人员",
	    "2026-10-02 03:10", 0, EXACT, "2026-10-02 04:10", "one hour" },
	{ "gu", "meeting_interval", 182, RULE_DAYS, 0, RULE_AFTER, "每半年",
	    "2026-01-15 09:00", 0, END_OF, "2026-07-16",
	    "day 15 + 182 = day 197 of 2026" },
	{ "gu", "meeting_notice", 5, RULE_WORKDAYS, 0, RULE_BEFORE, "会前5个工作日",
	    "2026-10-14 09:30", 0, START_OF, "2026-10-08",
	    "13, 12, 10W, 9, 8" },
	{ "gu", "meeting_notice", 5, RULE_WORKDAYS, 0, RULE_BEFORE, "会前5个工作日",
	    "2025-10-13 14:00", 0, START_OF, "2025-09-29",
	    "11W, 10, 9, Sep 30, 29" },

	/* Yicheng 峄城区, seed 003 */
	{ "yicheng", "refer", 3, RULE_WORKDAYS, 0, RULE_AFTER, "三日内移送",
	    "2025-05-30 17:00", 0, END_OF, "2025-06-05",
	    "May 31-Jun 2 off; 3, 4, 5" },
	{ "yicheng", "refer_urgent", 0, RULE_IMMEDIATE, 0, RULE_AFTER, "立即移送",
	    "2026-05-01 23:30", 0, EXACT, "2026-05-02 00:30", "one hour" },
	{ "yicheng", "acknowledge", 3, RULE_WORKDAYS, 0, RULE_AFTER, "三日内反馈意见",
	    "2026-01-01 10:00", 0, END_OF, "2026-01-06", "Jan 4W, 5, 6" },
	{ "yicheng", "result", 3, RULE_WORKDAYS, 0, RULE_AFTER, "作出处理决定后三日内",
	    "2025-04-25 10:00", 0, END_OF, "2025-04-29", "27W, 28, 29" },
	{ "yicheng", "assist", 5, RULE_WORKDAYS, 0, RULE_AFTER, "五日内提出书面意见",
	    "2025-01-27 10:00", 0, END_OF, "2025-02-10",
	    "Feb 5, 6, 7, 8W, 10" },
	{ "yicheng", "consult", 5, RULE_WORKDAYS, 10, RULE_AFTER, "五日内出具书面意见",
	    "2026-09-22 15:00", 0, END_OF, "2026-09-30",
	    "23, 24, 28, 29, 30" },
	{ "yicheng", "consult", 5, RULE_WORKDAYS, 10, RULE_AFTER, "不得超过十日",
	    "2026-09-22 15:00", 10, END_OF, "2026-10-13",
	    "... 30, Oct 8, 9, 10W, 12, 13" },
	{ "yicheng", "copy_approval", 5, RULE_WORKDAYS, 0, RULE_AFTER, "五日内书面抄送",
	    "2026-04-02 10:00", 0, END_OF, "2026-04-10", "3, 7, 8, 9, 10" },
	{ "yicheng", "copy_approval_urgent", 0, RULE_IMMEDIATE, 0, RULE_AFTER,
	    "立即抄送", "2026-04-04 10:00", 0, EXACT, "2026-04-04 11:00",
	    "one hour" },
	{ "yicheng", "copy_penalty", 5, RULE_WORKDAYS, 0, RULE_AFTER, "五日内抄送",
	    "2025-12-29 10:00", 0, END_OF, "2026-01-06",
	    "30, 31, Jan 4W, 5, 6" },
	{ "yicheng", "pass_documents", 3, RULE_WORKDAYS, 0, RULE_AFTER, "三日内告知",
	    "2026-09-18 10:00", 0, END_OF, "2026-09-22", "20W, 21, 22" },
	{ "yicheng", "pass_documents_urgent", 0, RULE_IMMEDIATE, 0, RULE_AFTER,
	    "立即电话或口头告知", "2026-09-18 16:45", 0, EXACT, "2026-09-18 17:45",
	    "one hour" },
	{ "yicheng", "enforce_request", 5, RULE_WORKDAYS, 0, RULE_AFTER, "五日内书面函告",
	    "2025-05-28 10:00", 0, END_OF, "2025-06-05",
	    "29, 30, Jun 3, 4, 5" },
	{ "yicheng", "meeting_interval", 91, RULE_DAYS, 0, RULE_AFTER, "每季度",
	    "2026-03-20 09:00", 0, END_OF, "2026-06-19",
	    "day 79 + 91 = day 170 of 2026" },
	{ "yicheng", "meeting_topics", 10, RULE_DAYS, 0, RULE_BEFORE, "会前十日",
	    "2026-10-10 09:00", 0, START_OF, "2026-09-30", "ten calendar days" },
};

static const char *const profiles[] = { "gonghe", "gu", "yicheng" };

static void
test_profiles_load(void **state)
{
	static const struct {
		const char *name, *county, *doc;
		size_t n;
	} want[] = {
		{ "gonghe", "共和县", "共政办〔2023〕51号", 9 },
		{ "gu", "古县", "古政办发〔2021〕22号", 7 },
		{ "yicheng", "峄城区", "峄政办发〔2022〕1号", 14 },
	};
	size_t i, j;

	for (i = 0; i < N(want); i++) {
		struct profile *p = shipped_profile(want[i].name);

		assert_string_equal(p->name, want[i].name);
		assert_string_equal(p->county, want[i].county);
		assert_non_null(p->source);
		if (strstr(p->source, want[i].doc) == NULL)
			fail_msg("%s: source '%s' does not cite %s", p->name,
			    p->source, want[i].doc);
		if (p->n != want[i].n)
			fail_msg("%s: %zu rules, want %zu", p->name, p->n, want[i].n);
		for (j = 0; j < p->n; j++)
			if (!rule_known(p->rules[j].name))
				fail_msg("%s: rule %s not in the vocabulary", p->name,
				    p->rules[j].name);
		profile_free(p);
	}
}

/* Every shipped rule has a case, and every case holds. */
static void
test_every_rule_due(void **state)
{
	struct calendar *c = shipped_calendar();
	char what[256];
	size_t i, j, k;

	for (i = 0; i < N(profiles); i++) {
		struct profile *p = shipped_profile(profiles[i]);

		for (j = 0; j < p->n; j++) {
			for (k = 0; k < N(cases); k++)
				if (strcmp(cases[k].profile, p->name) == 0 &&
				    strcmp(cases[k].rule, p->rules[j].name) == 0)
					break;
			if (k == N(cases))
				fail_msg("%s/%s has no deadline case", p->name,
				    p->rules[j].name);
		}
		profile_free(p);
	}
	for (k = 0; k < N(cases); k++) {
		struct profile *p = shipped_profile(cases[k].profile);
		const struct rule *r = rule_of(p, cases[k].rule);
		int assumed = 0;
		int64_t due, want;

		snprintf(what, sizeof what, "%s/%s from %s%s (%s)", p->name,
		    r->name, cases[k].from, cases[k].extend ? ", extended" : "",
		    cases[k].why);
		if (r->amount != cases[k].amount || r->unit != cases[k].unit ||
		    r->extend_max != cases[k].extend_max ||
		    r->direction != cases[k].direction)
			fail_msg("%s: %d %s (extend_max %d, %s), want %d %s (%d, %s)",
			    what, r->amount, rule_unit_name(r->unit), r->extend_max,
			    rule_direction_name(r->direction), cases[k].amount,
			    rule_unit_name(cases[k].unit), cases[k].extend_max,
			    rule_direction_name(cases[k].direction));
		if (strstr(r->clause, cases[k].words) == NULL)
			fail_msg("%s: clause does not say %s: %s", what,
			    cases[k].words, r->clause);
		due = rule_due(r, c, at(cases[k].from), cases[k].extend, &assumed);
		want = at(cases[k].due);
		if (cases[k].want == END_OF)
			want += DAY_MS - 1;
		assert_time(due, want, what);
		if (assumed)
			fail_msg("%s: flagged as assumed", what);
		profile_free(p);
	}
	calendar_free(c);
}

/* The clause starts with the document's section number. */
static void
test_clauses_cite_sections(void **state)
{
	static const struct {
		const char *profile, *rule, *start;
	} cite[] = {
		{ "gonghe", "refer", "三(五)3：" },
		{ "gonghe", "refer_urgent", "三(五)3：" },
		{ "gonghe", "acknowledge", "三(五)3：" },
		{ "gonghe", "result", "三(五)6：" },
		{ "gonghe", "assist", "三(二)4：" },
		{ "gonghe", "consult", "三(二)4：" },
		{ "gonghe", "supervision_reply", "三(七)1：" },
		{ "gonghe", "supervision_result", "三(七)2：" },
		{ "gonghe", "share_info", "三(六)2：" },
		{ "gu", "refer", "三(一)2：" },
		{ "gu", "refer_urgent", "三(一)2：" },
		{ "gu", "assist", "三(五)1：" },
		{ "gu", "share_info", "三(三)：" },
		{ "gu", "whistle_answer", "三(四)2：" },
		{ "gu", "meeting_interval", "《联席会议制度》第六条：" },
		{ "gu", "meeting_notice", "《联席会议制度》第六条：" },
		{ "yicheng", "refer", "二(二)1：" },
		{ "yicheng", "refer_urgent", "二(二)1：" },
		{ "yicheng", "acknowledge", "二(二)2：" },
		{ "yicheng", "result", "二(二)2：" },
		{ "yicheng", "assist", "四(二)1：" },
		{ "yicheng", "consult", "四(二)2：" },
		{ "yicheng", "copy_approval", "三(四)：" },
		{ "yicheng", "copy_approval_urgent", "三(四)：" },
		{ "yicheng", "copy_penalty", "三(四)：" },
		{ "yicheng", "pass_documents", "三(四)：" },
		{ "yicheng", "pass_documents_urgent", "三(四)：" },
		{ "yicheng", "enforce_request", "四(三)：" },
		{ "yicheng", "meeting_interval", "一(四)1：" },
		{ "yicheng", "meeting_topics", "一(四)1：" },
	};
	size_t i;

	for (i = 0; i < N(cite); i++) {
		struct profile *p = shipped_profile(cite[i].profile);
		const struct rule *r = rule_of(p, cite[i].rule);

		if (strncmp(r->clause, cite[i].start, strlen(cite[i].start)) != 0)
			fail_msg("%s/%s: clause does not start with %s: %s", p->name,
			    r->name, cite[i].start, r->clause);
		profile_free(p);
	}
}

/* Clauses written over several lines are joined whole. */
static void
test_long_clause_joined(void **state)
{
	struct profile *p = shipped_profile("gonghe");
	const struct rule *r = rule_of(p, "refer");

	assert_string_equal(r->clause,
	    "三(五)3：各乡镇在日常监管过程中发现违法行为需要交由县综合行政执法局处罚的,"
	    "或业务主管部门在日常监管过程中发现违法行为需要实施行政处罚的,"
	    "应当自发现之日起5个工作日内移送处理;因调查核实等客观原因确需延长移送期限的,"
	    "应事先告知县综合行政执法局,但移送期限最长不超过10个工作日");
	assert_string_equal(p->source,
	    "共政办〔2023〕51号 共和县人民政府办公室关于印发"
	    "《共和县综合行政执法协调联动机制 (试行)》的通知 (2023-04-14)");
	profile_free(p);
}

/* 24 hours are clock hours in Asia/Shanghai: the same wall time the next
 * day, whatever the zone the event was written in. */
static void
test_urgent_is_clock_time(void **state)
{
	struct calendar *c = shipped_calendar();
	struct profile *p = shipped_profile("gonghe");
	const struct rule *r = rule_of(p, "refer_urgent");
	char buf[LTIME_LEN];
	int assumed = 0;
	int64_t due;

	due = rule_due(r, c, at("2026-11-21 09:30"), 0, &assumed);
	ltime_format(due, buf);
	assert_string_equal(buf, "2026-11-22T09:30:00+08:00");
	/* 13:15 UTC is 21:15 in Beijing: due 21:15 Beijing time on Oct 1,
	 * a holiday. */
	due = rule_due(r, c, at("2026-09-30T13:15:00Z"), 0, &assumed);
	ltime_format(due, buf);
	assert_string_equal(buf, "2026-10-01T21:15:00+08:00");
	/* Milliseconds are kept. */
	assert_int_equal(rule_due(r, c, at("2026-11-21 09:30") + 123, 0,
	    &assumed), at("2026-11-22 09:30") + 123);
	/* No calendar is involved, so nothing is assumed even in 2027. */
	due = rule_due(r, c, at("2027-01-01 08:00"), 0, &assumed);
	assert_time(due, at("2027-01-02 08:00"), "24 h in 2027");
	assert_int_equal(assumed, 0);
	profile_free(p);
	calendar_free(c);
}

static void
test_extensions(void **state)
{
	struct calendar *c = shipped_calendar();
	struct profile *g = shipped_profile("gonghe");
	struct profile *y = shipped_profile("yicheng");
	const struct rule *r = rule_of(g, "refer");
	int assumed = 0;
	size_t i;

	/* Gonghe: 5 working days, at most 10 with notice beforehand. */
	assert_int_equal(r->amount, 5);
	assert_int_equal(r->extend_max, 10);
	assert_non_null(strstr(r->clause, "应事先告知"));
	/* An extension to 8 from Tue 2026-09-29: Sep 30, Oct 8, 9, 10W, 12,
	 * 13, 14, 15. */
	assert_time(rule_due(r, c, at("2026-09-29 10:00"), 8, &assumed),
	    at("2026-10-15") + DAY_MS - 1, "extended to 8");
	/* amount 0 means no extension. */
	assert_time(rule_due(r, c, at("2026-09-29 10:00"), 0, &assumed),
	    at("2026-10-12") + DAY_MS - 1, "not extended");
	/* Yicheng's consultation: 5, capped at 10. */
	assert_int_equal(rule_of(y, "consult")->extend_max, 10);
	/* Extendable without a cap: no extend_max, the clause says so. */
	assert_int_equal(rule_of(g, "assist")->extend_max, 0);
	assert_non_null(strstr(rule_of(g, "assist")->clause, "可适当延期提供"));
	assert_int_equal(rule_of(y, "assist")->extend_max, 0);
	assert_non_null(strstr(rule_of(y, "assist")->clause, "可延长时间"));
	assert_int_equal(rule_of(g, "share_info")->extend_max, 0);
	assert_non_null(strstr(rule_of(g, "share_info")->clause,
	    "可以适当延长共享期限"));
	/* Every cap is at least the amount. */
	for (i = 0; i < y->n; i++)
		if (y->rules[i].extend_max != 0)
			assert_true(y->rules[i].extend_max >= y->rules[i].amount);
	assert_int_equal(assumed, 0);
	profile_free(g);
	profile_free(y);
	calendar_free(c);
}

/* "Immediately" is one hour, whatever amount or extension is given. */
static void
test_immediately(void **state)
{
	struct calendar *c = shipped_calendar();
	struct profile *y = shipped_profile("yicheng");
	static const char *const names[] = { "refer_urgent",
		"copy_approval_urgent", "pass_documents_urgent" };
	int64_t t = at("2026-10-01 23:30");
	int assumed = 0;
	size_t i;

	for (i = 0; i < N(names); i++) {
		const struct rule *r = rule_of(y, names[i]);
		assert_int_equal(r->unit, RULE_IMMEDIATE);
		assert_int_equal(r->amount, 0);
		assert_non_null(strstr(r->clause, "立即"));
		assert_int_equal(rule_due(r, c, t, 0, &assumed),
		    t + RULE_IMMEDIATE_MS);
		assert_int_equal(rule_due(r, c, t, 5, &assumed),
		    t + RULE_IMMEDIATE_MS);
	}
	assert_int_equal(RULE_IMMEDIATE_MS, HOUR_MS);
	assert_int_equal(assumed, 0);
	profile_free(y);
	calendar_free(c);
}

/* Rules counted before an event give the start of a day. */
static void
test_before_rules(void **state)
{
	struct calendar *c = shipped_calendar();
	struct profile *gu = shipped_profile("gu");
	struct profile *y = shipped_profile("yicheng");
	const struct rule *notice = rule_of(gu, "meeting_notice");
	const struct rule *topics = rule_of(y, "meeting_topics");
	int assumed = 0;

	assert_int_equal(notice->direction, RULE_BEFORE);
	assert_int_equal(topics->direction, RULE_BEFORE);
	assert_int_equal(rule_of(gu, "meeting_interval")->direction, RULE_AFTER);
	/* A meeting on Wed 2026-02-25: notice by the start of Wed Feb 11
	 * (24; Feb 15-23 off; 14W, 13, 12, 11). */
	assert_time(rule_due(notice, c, at("2026-02-25 09:00"), 0, &assumed),
	    at("2026-02-11"), "notice before Feb 25");
	/* The hour of the meeting does not matter, only its day. */
	assert_time(rule_due(notice, c, at("2026-02-25 23:59"), 0, &assumed),
	    at("2026-02-11"), "notice before Feb 25, late meeting");
	assert_int_equal(assumed, 0);
	/* A meeting early in January 2025 reaches back into 2024, which
	 * has no schedule: Fri Jan 10: 9, 8, 7, 6, 3. */
	assert_time(rule_due(notice, c, at("2025-01-10 09:00"), 0, &assumed),
	    at("2025-01-03"), "notice before Jan 10 2025");
	assert_int_equal(assumed, 0);
	/* Mon Jan 6 2025: 3, 2, (Jan 1 off), Dec 31, 30, 27 (2024). */
	assert_time(rule_due(notice, c, at("2025-01-06 09:00"), 0, &assumed),
	    at("2024-12-27"), "notice before Jan 6 2025");
	assert_int_equal(assumed, 1);
	/* Ten calendar days before a meeting on Jan 5 2026: Dec 26. */
	assumed = 0;
	assert_time(rule_due(topics, c, at("2026-01-05 15:00"), 0, &assumed),
	    at("2025-12-26"), "topics before Jan 5");
	assert_int_equal(assumed, 0);
	profile_free(gu);
	profile_free(y);
	calendar_free(c);
}

/* A deadline that crosses into a year without a schedule is flagged. */
static void
test_unknown_year_flagged(void **state)
{
	struct calendar *c = shipped_calendar();
	struct profile *gu = shipped_profile("gu");
	int assumed = 0;

	/* Wed 2026-12-30: Dec 31, then Fri Jan 1 2027 counted as a working
	 * day (the 2027 schedule is not loaded), Mon Jan 4. */
	assert_time(rule_due(rule_of(gu, "refer"), c, at("2026-12-30 10:00"), 0,
	    &assumed), at("2027-01-04") + DAY_MS - 1, "into 2027");
	assert_int_equal(assumed, 1);
	profile_free(gu);
	calendar_free(c);
}

static void
assert_same_profile(const struct profile *a, const struct profile *b)
{
	size_t i;

	assert_string_equal(a->name, b->name);
	assert_string_equal(a->county, b->county);
	assert_string_equal(a->source, b->source);
	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		const struct rule *r = &a->rules[i];
		const struct rule *s = profile_rule(b, r->name);
		if (s == NULL)
			fail_msg("%s/%s lost", a->name, r->name);
		assert_int_equal(r->amount, s->amount);
		assert_int_equal(r->unit, s->unit);
		assert_int_equal(r->extend_max, s->extend_max);
		assert_int_equal(r->direction, s->direction);
		assert_string_equal(r->clause, s->clause);
	}
}

static void
test_json_round_trip(void **state)
{
	char err[LD_ERRLEN] = "";
	size_t i;

	for (i = 0; i < N(profiles); i++) {
		struct profile *p = shipped_profile(profiles[i]), *q = NULL;
		json_t *o = profile_json(p), *o2, *back;
		char *text;

		/* Through text, as a station receives it. */
		text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
		back = json_loads(text, 0, NULL);
		assert_non_null(back);
		if (profile_from_json(back, &q, err) != 0)
			fail_msg("%s: %s", profiles[i], err);
		assert_same_profile(p, q);
		o2 = profile_json(q);
		assert_true(json_equal(o, o2));
		json_decref(o2);
		json_decref(back);
		free(text);
		profile_free(q);
		json_decref(o);
		profile_free(p);
	}
}

/* The JSON form: direction only for "before" rules, extend_max only
 * where there is a cap. */
static void
test_json_form(void **state)
{
	struct profile *gu = shipped_profile("gu");
	json_t *o = profile_json(gu), *rules = json_object_get(o, "rules");
	json_t *notice = json_object_get(rules, "meeting_notice");
	json_t *refer = json_object_get(rules, "refer");

	assert_string_equal(json_string_value(json_object_get(notice,
	    "direction")), "before");
	assert_string_equal(json_string_value(json_object_get(notice, "unit")),
	    "workdays");
	assert_int_equal(json_integer_value(json_object_get(notice, "amount")), 5);
	assert_null(json_object_get(refer, "direction"));
	assert_null(json_object_get(refer, "extend_max"));
	assert_string_equal(json_string_value(json_object_get(o, "county")),
	    "古县");
	json_decref(o);
	profile_free(gu);
}

static void
test_json_refused(void **state)
{
	static const struct {
		const char *json, *why;
	} bad[] = {
		{ "{\"county\":\"x\",\"rules\":{}}", "no name" },
		{ "{\"name\":\"x\",\"rules\":{}}", "no county" },
		{ "{\"name\":\"x\",\"county\":\"x\"}", "no rules" },
		{ "{\"name\":\"x\",\"county\":\"x\",\"source\":1,\"rules\":{}}",
		    "source not text" },
		{ "{\"name\":\"x\",\"county\":\"x\",\"rules\":{\"refer\":"
		    "{\"amount\":5,\"unit\":\"weeks\",\"clause\":\"c\"}}}", "unit" },
		{ "{\"name\":\"x\",\"county\":\"x\",\"rules\":{\"refer\":"
		    "{\"amount\":5,\"unit\":\"days\"}}}", "no clause" },
		{ "{\"name\":\"x\",\"county\":\"x\",\"rules\":{\"refer\":"
		    "{\"amount\":5,\"unit\":\"days\",\"clause\":\"\"}}}", "empty clause" },
		{ "{\"name\":\"x\",\"county\":\"x\",\"rules\":{\"refer\":"
		    "{\"amount\":-1,\"unit\":\"days\",\"clause\":\"c\"}}}", "negative" },
		{ "{\"name\":\"x\",\"county\":\"x\",\"rules\":{\"refer\":"
		    "{\"amount\":4294967301,\"unit\":\"days\",\"clause\":\"c\"}}}",
		    "amount too large" },
		{ "{\"name\":\"x\",\"county\":\"x\",\"rules\":{\"refer\":"
		    "{\"amount\":\"5\",\"unit\":\"days\",\"clause\":\"c\"}}}", "text" },
		{ "{\"name\":\"x\",\"county\":\"x\",\"rules\":{\"refer\":"
		    "{\"amount\":5,\"unit\":\"days\",\"extend_max\":3,\"clause\":\"c\"}}}",
		    "extend_max below" },
		{ "{\"name\":\"x\",\"county\":\"x\",\"rules\":{\"refer\":"
		    "{\"amount\":5,\"unit\":\"days\",\"extend_max\":\"9\",\"clause\":"
		    "\"c\"}}}", "extend_max text" },
		{ "{\"name\":\"x\",\"county\":\"x\",\"rules\":{\"refer\":"
		    "{\"amount\":5,\"unit\":\"days\",\"direction\":\"sideways\","
		    "\"clause\":\"c\"}}}", "direction" },
		{ "{\"name\":\"x\",\"county\":\"x\",\"rules\":{\"refer\":"
		    "{\"amount\":5,\"unit\":\"hours\",\"direction\":\"before\","
		    "\"clause\":\"c\"}}}", "before in hours" },
		{ "{\"name\":\"x\",\"county\":\"x\",\"rules\":{\"Refer\":"
		    "{\"amount\":5,\"unit\":\"days\",\"clause\":\"c\"}}}", "rule name" },
		{ "{\"name\":\"x\",\"county\":\"x\",\"rules\":{\"refer\":5}}",
		    "rule not an object" },
	};
	char err[LD_ERRLEN];
	size_t i;

	for (i = 0; i < N(bad); i++) {
		json_t *o = json_loads(bad[i].json, 0, NULL);
		struct profile *p = (struct profile *)1;

		assert_non_null(o);
		err[0] = '\0';
		if (profile_from_json(o, &p, err) != LD_EINVAL)
			fail_msg("%s: accepted %s", bad[i].why, bad[i].json);
		assert_null(p);
		assert_true(err[0] != '\0');
		json_decref(o);
	}
}

/* A newer server may send a rule this station does not know: kept. */
static void
test_json_keeps_unknown_rules(void **state)
{
	char err[LD_ERRLEN] = "";
	json_t *o = json_loads("{\"name\":\"x\",\"county\":\"某县\",\"rules\":"
	    "{\"future_rule\":{\"amount\":2,\"unit\":\"days\",\"clause\":\"c\"}}}",
	    0, NULL);
	struct profile *p = NULL;

	assert_int_equal(profile_from_json(o, &p, err), 0);
	assert_non_null(profile_rule(p, "future_rule"));
	assert_false(rule_known("future_rule"));
	profile_free(p);
	json_decref(o);
}

/* A county writes its own profile. */
static void
test_county_writes_its_own(void **state)
{
	struct calendar *c = shipped_calendar();
	char err[LD_ERRLEN] = "";
	struct profile *p = NULL;
	int assumed = 0;

	assert_int_equal(profile_parse(
	    "; 某县\n"
	    "[profile]\n"
	    "name = mou_county\n"
	    "county = 某县\n"
	    "\n"
	    "[rule refer]\n"
	    "amount = 7\n"
	    "unit = workdays\n"
	    "extend_max = 15\n"
	    "clause = 第三条：应当自发现之日起7个工作日内移送，\n"
	    "\t最长不超过15个工作日\n"
	    "\n"
	    "[rule meeting_notice]\n"
	    "amount = 3\n"
	    "direction = before\n"
	    "clause = 第九条：会前3个工作日通知\n", &p, err), 0);
	assert_string_equal(err, "");
	assert_null(p->source);
	assert_int_equal(p->n, 2);
	assert_string_equal(rule_of(p, "refer")->clause,
	    "第三条：应当自发现之日起7个工作日内移送，最长不超过15个工作日");
	/* unit defaults to workdays. */
	assert_int_equal(rule_of(p, "meeting_notice")->unit, RULE_WORKDAYS);
	/* Thu 2026-02-12, 7: 13, 14W, 24, 25, 26, 27, 28W. */
	assert_time(rule_due(rule_of(p, "refer"), c, at("2026-02-12 10:00"), 0,
	    &assumed), at("2026-02-28") + DAY_MS - 1, "7 wd from Feb 12");
	/* 3 before Mon 2026-03-02: 28W, 27, 26. */
	assert_time(rule_due(rule_of(p, "meeting_notice"), c,
	    at("2026-03-02 10:00"), 0, &assumed), at("2026-02-26"),
	    "3 wd before Mar 2");
	assert_int_equal(assumed, 0);
	profile_free(p);
	calendar_free(c);
}

#define PROFILE "[profile]\nname = t\ncounty = 某县\n"
#define LONG_CLAUSE "clause = 应当自发现之日起5个工作日内移送处理应当自发现之日起5个工作日内移送处理" \
	"应当自发现之日起5个工作日内移送处理应当自发现之日起5个工作日内移送处理\n"

static const struct {
	const char *text, *named, *why;
} malformed[] = {
	{ PROFILE "[rule refer]\namount = 5\nunit = workdays\n",
	    "rule refer does not cite its clause", "no clause" },
	{ PROFILE "[rule refer]\namount = 5\nunit = workdays\nclause =\n",
	    "rule refer does not cite its clause", "empty clause" },
	{ PROFILE "[rule refer]\namount = 5\nunit = weeks\nclause = c\n",
	    "'weeks'", "unknown unit" },
	{ PROFILE "[rule refer]\nunit = workdays\nclause = c\n",
	    "rule refer has no amount", "amount missing" },
	{ PROFILE "[rule refer]\namount =\nunit = workdays\nclause = c\n",
	    "rule refer: amount", "amount empty" },
	{ PROFILE "[rule refer]\namount = 5d\nclause = c\n",
	    "rule refer: amount", "amount not a number" },
	{ PROFILE "[rule refer]\namount = -5\nclause = c\n",
	    "rule refer: amount", "amount negative" },
	{ PROFILE "[rule refer]\namount = 3651\nclause = c\n",
	    "rule refer: amount", "amount too large" },
	{ PROFILE "[rule refer]\namount = 5\nextend_max = 4\nclause = c\n",
	    "rule refer: extend_max is below amount", "extend_max below amount" },
	{ PROFILE "[rule refer]\namount = 5\nextend_max = ten\nclause = c\n",
	    "rule refer: extend_max", "extend_max not a number" },
	{ PROFILE "[rules refer]\namount = 5\nclause = c\n",
	    "[rules refer]", "unknown section" },
	{ PROFILE "[limits]\nx = 1\n", "[limits]", "unknown section" },
	{ PROFILE "[rule refr]\namount = 5\nclause = c\n",
	    "'refr'", "unknown rule name" },
	{ PROFILE "[rule Refer]\namount = 5\nclause = c\n",
	    "'Refer'", "bad rule name" },
	{ PROFILE "[rule refer]\namount = 5\ncap = 10\nclause = c\n",
	    "'cap'", "unknown key" },
	{ PROFILE "[rule refer]\namount = 5\namount = 6\nclause = c\n",
	    "'amount' given twice", "key twice" },
	{ PROFILE "[rule refer]\namount = 5\nclause = c\n"
	    "[rule refer]\nunit = days\nunit = hours\n",
	    "'unit' given twice", "section twice" },
	{ PROFILE "[rule refer]\namount = 5\ndirection = ahead\nclause = c\n",
	    "'ahead'", "bad direction" },
	{ PROFILE "[rule refer_urgent]\namount = 24\nunit = hours\n"
	    "direction = before\nclause = c\n",
	    "rule refer_urgent: direction before", "before in hours" },
	{ PROFILE "[rule refer]\namount = 5\n" LONG_CLAUSE, "line 6",
	    "line too long" },
	{ PROFILE "[rule refer]\namount = 5\nclause = c\nthis is not ini\n",
	    "line 7", "syntax error" },
	{ "[profile]\ncounty = 某县\n[rule refer]\namount = 5\nclause = c\n",
	    "name", "no name" },
	{ "[profile]\nname = t\n[rule refer]\namount = 5\nclause = c\n",
	    "county", "no county" },
	{ "[profile]\nname = T-1\ncounty = 某县\n", "name", "bad name" },
	{ PROFILE "provnce = x\n", "'provnce'", "unknown profile key" },
	{ PROFILE "name = u\n", "'name' given twice", "profile key twice" },
	{ "[rule refer]\namount = 5\nclause = c\n", "[profile]", "no profile" },
	/* Found by tests/fuzz/fuzz-config: not UTF-8, so not sendable as JSON. */
	{ PROFILE "[rule refer]\namount = 5\nclause = \xe4\xb8\n",
	    "rule refer: clause is not UTF-8", "clause not UTF-8" },
	{ PROFILE "[rule refer]\namount = 5\nclause = c\n\t\xff\n",
	    "rule refer: clause is not UTF-8", "continuation not UTF-8" },
	{ "[profile]\nname = t\ncounty = \xc0\xaf\n", "UTF-8", "county not UTF-8" },
	{ PROFILE "source = \xed\xa0\x80\n", "UTF-8", "source not UTF-8" },
};

static void
test_malformed_refused(void **state)
{
	char err[LD_ERRLEN];
	size_t i;

	for (i = 0; i < N(malformed); i++) {
		struct profile *p = (struct profile *)1;
		int rc;

		err[0] = '\0';
		rc = profile_parse(malformed[i].text, &p, err);
		if (rc != LD_EINVAL)
			fail_msg("%s: accepted (rc %d):\n%s", malformed[i].why, rc,
			    malformed[i].text);
		assert_null(p);
		if (strstr(err, malformed[i].named) == NULL)
			fail_msg("%s: message does not say %s: %s", malformed[i].why,
			    malformed[i].named, err);
	}
}

static void
test_load_errors(void **state)
{
	char err[LD_ERRLEN] = "";
	struct profile *p = (struct profile *)1;

	assert_int_equal(profile_load("/nonexistent/rules/x.ini", &p, err),
	    LD_ECONFIG);
	assert_null(p);
	assert_non_null(strstr(err, "/nonexistent/rules/x.ini"));
	assert_null(profile_rule(NULL, "refer"));
	assert_string_equal(rule_unit_name(RULE_IMMEDIATE), "immediate");
	assert_string_equal(rule_direction_name(RULE_BEFORE), "before");
	assert_true(rule_known("whistle_answer"));
	assert_true(rule_known("enforce_request"));
	assert_false(rule_known(""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profiles_load),
		cmocka_unit_test(test_every_rule_due),
		cmocka_unit_test(test_clauses_cite_sections),
		cmocka_unit_test(test_long_clause_joined),
		cmocka_unit_test(test_urgent_is_clock_time),
		cmocka_unit_test(test_extensions),
		cmocka_unit_test(test_immediately),
		cmocka_unit_test(test_before_rules),
		cmocka_unit_test(test_unknown_year_flagged),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_json_form),
		cmocka_unit_test(test_json_refused),
		cmocka_unit_test(test_json_keeps_unknown_rules),
		cmocka_unit_test(test_county_writes_its_own),
		cmocka_unit_test(test_malformed_refused),
		cmocka_unit_test(test_load_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
