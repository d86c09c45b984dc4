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
	{ "gu", "meeting_interval", 6, RULE_MONTHS, 0, RULE_AFTER, "每半年",
	    "2026-01-15 09:00", 0, END_OF, "2026-07-15",
	    "Jan 15 + 6 months (Civil Code art. 202); 182 days gave Jul 16" },
	{ "gu", "meeting_interval", 6, RULE_MONTHS, 0, RULE_AFTER, "每半年",
	    "2026-08-31 09:00", 0, END_OF, "2027-02-28",
	    "Aug 31 + 6 months: no Feb 31, its last day" },
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
	{ "yicheng", "operation_police", 0, RULE_DAYS, 0, RULE_BEFORE,
	    "提前通知公安机关", "2026-10-14 09:00", 0, START_OF, "2026-10-14",
	    "\"提前\", no number: the start of the operation's day" },
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
	{ "yicheng", "meeting_interval", 3, RULE_MONTHS, 0, RULE_AFTER, "每季度",
	    "2026-03-20 09:00", 0, END_OF, "2026-06-20",
	    "Mar 20 + 3 months, a Saturday, kept (rest_day stay); 91 days "
	    "gave Jun 19, a holiday" },
	{ "yicheng", "meeting_interval", 3, RULE_MONTHS, 0, RULE_AFTER, "每季度",
	    "2026-11-30 09:00", 0, END_OF, "2027-02-28",
	    "Nov 30 + 3 months: no Feb 30, its last day" },
	{ "yicheng", "meeting_topics", 10, RULE_DAYS, 0, RULE_BEFORE, "会前十日",
	    "2026-10-10 09:00", 0, START_OF, "2026-09-30", "ten calendar days" },
	{ "yicheng", "consult", 5, RULE_WORKDAYS, 10, RULE_AFTER, "不得超过十日",
	    "2026-11-20 15:00", 11, END_OF, "2026-12-07",
	    "Nov 23-27, 30, Dec 1-4, 7: the cap, Nov 27 + 10 days" },

	/* Baijiantan 白碱滩区, seed 001 */
	{ "baijiantan", "onsite_urgent", 0, RULE_IMMEDIATE, 0, RULE_AFTER,
	    "应立即派员到达现场", "2026-10-01 23:30", 0, EXACT, "2026-10-02 00:30",
	    "immediate_minutes = 60, stated: the seed sets no number" },
};

static const char *const profiles[] = { "gonghe", "gu", "yicheng",
	"baijiantan", "yantai" };

static void
test_profiles_load(void **state)
{
	static const struct {
		const char *name, *county, *doc;
		size_t n;
	} want[] = {
		{ "gonghe", "共和县", "共政办〔2023〕51号", 9 },
		{ "gu", "古县", "古政办发〔2021〕22号", 7 },
		{ "yicheng", "峄城区", "峄政办发〔2022〕1号", 15 },
		{ "baijiantan", "白碱滩区", "白碱滩区行政执法协调监督体系建设工作方案", 1 },
		{ "yantai", "烟台市", "三个机制", 0 },
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
		{ "yicheng", "operation_police", "七(二)：" },
		{ "baijiantan", "onsite_urgent", "三(一)5：" },
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
	/* ... ten calendar days after the five working days end. */
	assert_int_equal(rule_of(y, "consult")->extend_unit, RULE_DAYS);
	assert_int_equal(rule_of(y, "consult")->extend_from, RULE_FROM_DUE);
	/* From Fri 2026-09-18: Sep 20W, 21, 22, 23, 24; the cap Oct 4 (a
	 * Sunday of National Day, kept: rest_day stay). A total of 10 wd
	 * would have reached Oct 9 (28, 29, 30, Oct 8, 9): five days past. */
	assert_time(rule_due(rule_of(y, "consult"), c, at("2026-09-18 10:00"),
	    0, &assumed), at("2026-09-24") + DAY_MS - 1, "consult from Sep 18");
	assert_time(rule_extend_cap(rule_of(y, "consult"), c,
	    at("2026-09-18 10:00"), &assumed), at("2026-10-04") + DAY_MS - 1,
	    "consult cap from Sep 18");
	assert_time(rule_due(rule_of(y, "consult"), c, at("2026-09-18 10:00"),
	    10, &assumed), at("2026-10-09") + DAY_MS - 1, "10 wd from Sep 18");
	/* Gonghe's cap stays a total of 10 working days. */
	assert_int_equal(r->extend_unit, RULE_WORKDAYS);
	assert_int_equal(r->extend_from, RULE_FROM_START);
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

/* What Baijiantan's work plan sets: an on-site response at once and a
 * yearly training quota; Yantai's text sets no number at all. */
static void
test_baijiantan_and_yantai(void **state)
{
	struct profile *b = shipped_profile("baijiantan");
	struct profile *y = shipped_profile("yantai");
	const struct quota *q = profile_quota(b, "training_hours");

	assert_int_equal(b->immediate_minutes, 60);
	assert_int_equal(rule_of(b, "onsite_urgent")->immediate_minutes, 60);
	assert_non_null(q);
	assert_int_equal(q->amount, 60);
	assert_int_equal(q->unit, QUOTA_HOURS);
	assert_int_equal(q->per, QUOTA_YEAR);
	assert_true(strncmp(q->clause, "三(二)2：", strlen("三(二)2：")) == 0);
	assert_non_null(strstr(q->clause, "年度培训时间不少于60个学时"));
	/* The document sets no number for referring (及时): no rule. */
	assert_null(profile_rule(b, "refer"));
	assert_null(profile_rule(b, "acknowledge"));
	assert_int_equal(y->n, 0);
	assert_int_equal(y->nquotas, 0);
	assert_null(profile_rule(y, "whistle_answer"));
	profile_free(b);
	profile_free(y);
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
		assert_int_equal(r->extend_unit, s->extend_unit);
		assert_int_equal(r->extend_from, s->extend_from);
		assert_int_equal(r->rest_day, s->rest_day);
		assert_int_equal(r->immediate_minutes, s->immediate_minutes);
		assert_string_equal(r->clause, s->clause);
	}
	assert_int_equal(a->nquotas, b->nquotas);
	for (i = 0; i < a->nquotas; i++) {
		const struct quota *q = &a->quotas[i];
		const struct quota *t = profile_quota(b, q->name);
		if (t == NULL)
			fail_msg("%s quota %s lost", a->name, q->name);
		assert_int_equal(q->amount, t->amount);
		assert_string_equal(q->clause, t->clause);
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

static struct profile *
parsed(const char *text)
{
	char err[LD_ERRLEN] = "";
	struct profile *p = NULL;

	if (profile_parse(text, &p, err) != 0)
		fail_msg("refused: %s\n%s", err, text);
	return p;
}

static int64_t
end_of(const char *day)
{
	return at(day) + DAY_MS - 1;
}

/* Periods in months end on the same date of the final month (Civil Code
 * art. 202), or its last day; with rest_day = next_workday a period in
 * days or months ending on a rest day runs to the next working day
 * (art. 203). */
static void
test_months_and_rest_days(void **state)
{
	struct calendar *c = shipped_calendar();
	struct profile *p = parsed("[profile]\nname = t\ncounty = 某县\n"
	    "[rule meeting_interval]\namount = 6\nunit = months\n"
	    "clause = 第六条：每半年召开一次\n"
	    "[rule share_info]\namount = 10\nunit = days\n"
	    "rest_day = next_workday\nclause = 第七条：十日内共享\n");
	struct profile *q = parsed("[profile]\nname = t\ncounty = 某县\n"
	    "rest_day = next_workday\n"
	    "[rule meeting_interval]\namount = 3\nunit = months\n"
	    "clause = 第六条：每季度召开一次\n"
	    "[rule refer]\namount = 3\nclause = 第三条：三日内移送\n"
	    "[rule result]\namount = 0\nunit = days\nclause = 第五条：当日\n");
	const struct rule *half = rule_of(p, "meeting_interval");
	const struct rule *ten = rule_of(p, "share_info");
	const struct rule *quarter = rule_of(q, "meeting_interval");
	int assumed = 0;

	assert_int_equal(half->unit, RULE_MONTHS);
	assert_int_equal(half->amount, 6);
	assert_int_equal(half->rest_day, RULE_REST_STAY);
	assert_int_equal(ten->rest_day, RULE_REST_NEXT_WORKDAY);
	/* [profile] rest_day is every rule's default. */
	assert_int_equal(quarter->rest_day, RULE_REST_NEXT_WORKDAY);
	assert_int_equal(rule_of(q, "refer")->rest_day, RULE_REST_NEXT_WORKDAY);
	/* Jan 15 + 6 months: Jul 15, not Jul 16 (182 days). */
	assert_time(rule_due(half, c, at("2026-01-15 09:00"), 0, &assumed),
	    end_of("2026-07-15"), "6 months from Jan 15");
	/* Aug 31 + 6 months: no Feb 31, Feb 28 2027. */
	assert_time(rule_due(half, c, at("2026-08-31 09:00"), 0, &assumed),
	    end_of("2027-02-28"), "6 months from Aug 31");
	/* Feb 22 + 6 months is Sat Aug 22 2026: kept without art. 203. */
	assert_time(rule_due(half, c, at("2026-02-22 09:00"), 0, &assumed),
	    end_of("2026-08-22"), "6 months to a Saturday, stay");
	assert_int_equal(assumed, 0);
	/* With it: Jul 1 + 3 months is Oct 1, National Day: Oct 8. */
	assert_time(rule_due(quarter, c, at("2026-07-01 09:00"), 0, &assumed),
	    end_of("2026-10-08"), "a quarter to National Day, art. 203");
	/* Nov 30 + 3 months: Feb 28 2027, a Sunday, Mon Mar 1 (2027 has no
	 * schedule: weekdays, flagged). */
	assert_time(rule_due(quarter, c, at("2026-11-30 09:00"), 0, &assumed),
	    end_of("2027-03-01"), "a quarter from Nov 30, art. 203");
	assert_int_equal(assumed, 1);
	assumed = 0;
	/* Ten days from Thu Nov 12 2026: Sun Nov 22 -> Mon Nov 23; from Fri
	 * Nov 13: Mon Nov 23 as it is. */
	assert_time(rule_due(ten, c, at("2026-11-12 10:00"), 0, &assumed),
	    end_of("2026-11-23"), "10 days to a Sunday, art. 203");
	assert_time(rule_due(ten, c, at("2026-11-13 10:00"), 0, &assumed),
	    end_of("2026-11-23"), "10 days to a Monday");
	/* Ten days from Sep 21 2026: Oct 1 -> Oct 8 (Oct 1-7 off). */
	assert_time(rule_due(ten, c, at("2026-09-21 10:00"), 0, &assumed),
	    end_of("2026-10-08"), "10 days into National Day, art. 203");
	/* Ten days from Feb 5 2026: Feb 15 -> Feb 24 (Feb 15-23 off). */
	assert_time(rule_due(ten, c, at("2026-02-05 10:00"), 0, &assumed),
	    end_of("2026-02-24"), "10 days into the Spring Festival, art. 203");
	/* An extension in days is moved the same way: 11 days from Nov 12,
	 * Mon Nov 23. */
	assert_time(rule_due(ten, c, at("2026-11-12 10:00"), 11, &assumed),
	    end_of("2026-11-23"), "11 days");
	/* Same-day rules ("当日") are not periods: a Sunday stays. */
	assert_time(rule_due(rule_of(q, "result"), c, at("2026-11-22 10:00"), 0,
	    &assumed), end_of("2026-11-22"), "the same day, a Sunday");
	/* Working days never end on a rest day: art. 203 changes nothing. */
	assert_time(rule_due(rule_of(q, "refer"), c, at("2026-11-19 10:00"), 0,
	    &assumed), end_of("2026-11-24"), "3 wd: 20, 23, 24");
	assert_int_equal(assumed, 0);
	profile_free(p);
	profile_free(q);
	calendar_free(c);
}

/* The same ten calendar days ending on a Sunday, with art. 203 and
 * without. */
static void
test_rest_day_on_and_off(void **state)
{
	struct calendar *c = shipped_calendar();
	struct profile *off = parsed("[profile]\nname = t\ncounty = 某县\n"
	    "[rule share_info]\namount = 10\nunit = days\n"
	    "clause = 第七条：十日内共享\n");
	struct profile *on = parsed("[profile]\nname = t\ncounty = 某县\n"
	    "[rule share_info]\namount = 10\nunit = days\n"
	    "rest_day = next_workday\nclause = 第七条：十日内共享\n");
	int assumed = 0;

	/* Thu 2026-11-12 + 10 days = Sun 2026-11-22. */
	assert_time(rule_due(rule_of(off, "share_info"), c,
	    at("2026-11-12 10:00"), 0, &assumed), end_of("2026-11-22"),
	    "art. 203 off: Sunday");
	assert_time(rule_due(rule_of(on, "share_info"), c,
	    at("2026-11-12 10:00"), 0, &assumed), end_of("2026-11-23"),
	    "art. 203 on: Monday");
	assert_int_equal(assumed, 0);
	profile_free(off);
	profile_free(on);
	calendar_free(c);
}

/* An extension cap in its own unit, counted from the base due time:
 * "五日内……可以延期，但延长期限不得超过十日" is five working days, then
 * at most ten calendar days after them. */
static void
test_extension_cap(void **state)
{
	struct calendar *c = shipped_calendar();
	static const char text[] = "[profile]\nname = t\ncounty = 某县\n"
	    "[rule consult]\namount = 5\nunit = workdays\nextend_max = 10\n"
	    "extend_unit = days\nextend_from = due\n"
	    "clause = 四(二)2：五日内……延长期限不得超过十日\n";
	struct profile *p = parsed(text);
	struct profile *p203 = NULL, *g = shipped_profile("gonghe");
	const struct rule *r = rule_of(p, "consult");
	const struct rule *refer = rule_of(g, "refer");
	char *t203 = xasprintf("%srest_day = next_workday\n", text);
	int assumed = 0;
	int64_t from;

	assert_int_equal(r->extend_unit, RULE_DAYS);
	assert_int_equal(r->extend_from, RULE_FROM_DUE);
	/* An ordinary fortnight: from Fri 2026-11-20, 5 wd: Nov 23-27. The
	 * cap: ten days after Nov 27, Mon Dec 7. 11 working days in all
	 * (Nov 30, Dec 1, 2, 3, 4, 7) reach it; 12 (Dec 8) pass it. */
	from = at("2026-11-20 15:00");
	assert_time(rule_due(r, c, from, 0, &assumed), end_of("2026-11-27"),
	    "5 wd from Nov 20");
	assert_time(rule_extend_cap(r, c, from, &assumed), end_of("2026-12-07"),
	    "cap from Nov 20");
	assert_time(rule_due(r, c, from, 11, &assumed), end_of("2026-12-07"),
	    "11 wd from Nov 20");
	assert_time(rule_due(r, c, from, 12, &assumed), end_of("2026-12-08"),
	    "12 wd from Nov 20");
	/* Across National Day: from Tue 2026-09-22, 5 wd: 23, 24, 28, 29,
	 * 30. The cap: Sep 30 + 10 days, Sat Oct 10 (a working day). 8 wd
	 * in all reach it (Oct 8, 9, 10W); 10 wd (Oct 12, 13) are three
	 * days past it, which one total of 10 workdays allowed. */
	from = at("2026-09-22 15:00");
	assert_time(rule_due(r, c, from, 0, &assumed), end_of("2026-09-30"),
	    "5 wd from Sep 22");
	assert_time(rule_extend_cap(r, c, from, &assumed), end_of("2026-10-10"),
	    "cap from Sep 22");
	assert_time(rule_due(r, c, from, 8, &assumed), end_of("2026-10-10"),
	    "8 wd from Sep 22");
	assert_time(rule_due(r, c, from, 10, &assumed), end_of("2026-10-13"),
	    "10 wd from Sep 22");
	/* A cap on a Sunday: from Thu 2026-11-19, 5 wd: 20, 23, 24, 25, 26;
	 * Nov 26 + 10 days is Sun Dec 6, kept without art. 203, Mon Dec 7
	 * with it. */
	from = at("2026-11-19 10:00");
	assert_time(rule_extend_cap(r, c, from, &assumed), end_of("2026-12-06"),
	    "cap on a Sunday");
	p203 = parsed(t203);
	assert_time(rule_extend_cap(rule_of(p203, "consult"), c, from,
	    &assumed), end_of("2026-12-07"), "cap on a Sunday, art. 203");
	/* Across the Spring Festival: from Tue 2026-02-10, 5 wd: 11, 12, 13,
	 * 14W, 24. The cap: Feb 24 + 10 days, Fri Mar 6. */
	from = at("2026-02-10 10:00");
	assert_time(rule_due(r, c, from, 0, &assumed), end_of("2026-02-24"),
	    "5 wd from Feb 10");
	assert_time(rule_extend_cap(r, c, from, &assumed), end_of("2026-03-06"),
	    "cap from Feb 10");
	/* A total in the rule's own unit (Gonghe, 10 wd from discovery):
	 * from Tue 2026-09-29 the cap is Oct 19 (30, Oct 8, 9, 10W, 12, 13,
	 * 14, 15, 16, 19), the same as rule_due of 10. */
	from = at("2026-09-29 10:00");
	assert_int_equal(refer->extend_unit, RULE_WORKDAYS);
	assert_int_equal(refer->extend_from, RULE_FROM_START);
	assert_time(rule_extend_cap(refer, c, from, &assumed),
	    end_of("2026-10-19"), "Gonghe's cap");
	/* No cap: INT64_MAX. */
	assert_true(rule_extend_cap(rule_of(g, "assist"), c, from, &assumed) ==
	    INT64_MAX);
	assert_int_equal(assumed, 0);
	free(t203);
	profile_free(p);
	profile_free(p203);
	profile_free(g);
	calendar_free(c);
}

/* A cap after the due time may be shorter than the rule's own time:
 * "二十日内……可以延长十日". */
static void
test_short_extension_after_due(void **state)
{
	struct calendar *c = shipped_calendar();
	struct profile *p = parsed("[profile]\nname = t\ncounty = 某县\n"
	    "[rule consult]\namount = 20\nunit = days\nextend_max = 10\n"
	    "extend_from = due\nclause = 第四十二条：二十日内……可以延长十日\n");
	int assumed = 0;

	/* Tue 2026-11-03 + 20 days: Mon Nov 23; + 10 days: Thu Dec 3. */
	assert_time(rule_due(rule_of(p, "consult"), c, at("2026-11-03 10:00"),
	    0, &assumed), end_of("2026-11-23"), "20 days");
	assert_time(rule_extend_cap(rule_of(p, "consult"), c,
	    at("2026-11-03 10:00"), &assumed), end_of("2026-12-03"),
	    "10 days more");
	profile_free(p);
	calendar_free(c);
}

/* 立即 counts the minutes the county sets, one hour when it sets none. */
static void
test_immediate_minutes(void **state)
{
	struct calendar *c = shipped_calendar();
	struct profile *p = parsed("[profile]\nname = t\ncounty = 某县\n"
	    "immediate_minutes = 30\n"
	    "[rule whistle_answer]\nunit = immediate\nclause = 第一条：立即\n"
	    "[rule refer_urgent]\nunit = immediate\nimmediate_minutes = 120\n"
	    "clause = 第二条：立即移送\n");
	struct profile *d = parsed("[profile]\nname = t\ncounty = 某县\n"
	    "[rule whistle_answer]\nunit = immediate\nclause = 第一条：立即\n");
	int64_t t = at("2026-10-01 23:45");
	int assumed = 0;

	assert_int_equal(p->immediate_minutes, 30);
	assert_int_equal(rule_of(p, "whistle_answer")->immediate_minutes, 30);
	assert_int_equal(rule_due(rule_of(p, "whistle_answer"), c, t, 0,
	    &assumed), at("2026-10-02 00:15"));
	assert_int_equal(rule_due(rule_of(p, "refer_urgent"), c, t, 0,
	    &assumed), at("2026-10-02 01:45"));
	assert_int_equal(rule_of(d, "whistle_answer")->immediate_minutes, 60);
	assert_int_equal(rule_due(rule_of(d, "whistle_answer"), c, t, 0,
	    &assumed), at("2026-10-02 00:45"));
	assert_int_equal(assumed, 0);
	profile_free(p);
	profile_free(d);
	calendar_free(c);
}

/* Yearly quotas, and a rule of one county alone (onsite_urgent). */
static void
test_quotas_and_stated_rules(void **state)
{
	struct profile *p = parsed("[profile]\nname = t\ncounty = 某县\n"
	    "[rule onsite_urgent]\nunit = immediate\n"
	    "clause = 三(一)5：情况紧急的应立即派员到达现场进行执法\n"
	    "[quota training_hours]\namount = 60\nunit = hours\nper = year\n"
	    "clause = 三(二)2：确保每名执法人员年度培训时间不少于60个学时\n");
	struct profile *q = parsed("[profile]\nname = t\ncounty = 某县\n"
	    "[quota training_hours]\namount = 40\nclause = 第九条：40学时\n");
	const struct quota *qt = profile_quota(p, "training_hours");

	assert_true(rule_known("onsite_urgent"));
	assert_true(quota_known("training_hours"));
	assert_false(quota_known("refer"));
	assert_false(rule_known("training_hours"));
	assert_int_equal(rule_of(p, "onsite_urgent")->unit, RULE_IMMEDIATE);
	assert_non_null(qt);
	assert_int_equal(qt->amount, 60);
	assert_int_equal(qt->unit, QUOTA_HOURS);
	assert_int_equal(qt->per, QUOTA_YEAR);
	assert_non_null(strstr(qt->clause, "不少于60个学时"));
	assert_null(profile_quota(p, "other"));
	assert_null(profile_quota(NULL, "training_hours"));
	/* unit and per default to hours and year. */
	assert_int_equal(profile_quota(q, "training_hours")->amount, 40);
	profile_free(p);
	profile_free(q);
}

/* The section number a short message cites. */
static void
test_clause_ref(void **state)
{
	struct profile *g = shipped_profile("gonghe");
	struct profile *gu = shipped_profile("gu");
	struct profile *p = parsed("[profile]\nname = t\ncounty = 某县\n"
	    "[rule refer]\namount = 3\nclause = 没有条号的条文\n");
	char buf[128];

	assert_string_equal(rule_clause_ref(rule_of(g, "refer"), buf,
	    sizeof buf), "三(五)3");
	assert_string_equal(rule_clause_ref(rule_of(gu, "meeting_notice"), buf,
	    sizeof buf), "《联席会议制度》第六条");
	assert_string_equal(rule_clause_ref(rule_of(p, "refer"), buf,
	    sizeof buf), "refer");
	profile_free(g);
	profile_free(gu);
	profile_free(p);
}

/* [photos]: parsed, defaults, refused when wrong, through JSON. */
static void
test_photos(void **state)
{
	static const char *const bad[] = {
		"[photos]\nmax_side = 10\n",
		"[photos]\nmax_side = 20001\n",
		"[photos]\nmax_side = 1600\nquality = 0\n",
		"[photos]\nmax_side = 1600\nquality = 101\n",
		"[photos]\nmax_side = 1600\nexif = maybe\n",
		"[photos]\nmax_side = 1600\nmax_side = 800\n",
		"[photos]\nmax_side = 1600\nwidth = 800\n",
		"[photos]\nquality = 50\n",
		"[photos]\nexif = keep\n",
	};
	const char *head = "[profile]\nname = t\ncounty = 某县\n";
	char err[LD_ERRLEN] = "", *text;
	struct profile *p = parsed("[profile]\nname = t\ncounty = 某县\n"
	    "[photos]\nmax_side = 1600\nexif = keep\n");
	struct profile *none = parsed("[profile]\nname = t\ncounty = 某县\n");
	struct profile *q = NULL;
	json_t *o;
	size_t i;

	assert_int_equal(p->photo_max_side, 1600);
	assert_int_equal(p->photo_quality, PROFILE_PHOTO_QUALITY);
	assert_int_equal(p->photo_exif_keep, 1);
	assert_int_equal(none->photo_max_side, 0);
	o = profile_json(none);
	assert_null(json_object_get(o, "photos"));
	json_decref(o);
	o = profile_json(p);
	assert_int_equal(profile_from_json(o, &q, err), 0);
	assert_int_equal(q->photo_max_side, 1600);
	assert_int_equal(q->photo_quality, PROFILE_PHOTO_QUALITY);
	assert_int_equal(q->photo_exif_keep, 1);
	profile_free(q);
	json_object_set_new(json_object_get(o, "photos"), "quality",
	    json_integer(0));
	assert_int_equal(profile_from_json(o, &q, err), LD_EINVAL);
	assert_null(q);
	json_decref(o);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		text = xasprintf("%s%s", head, bad[i]);
		q = NULL;
		if (profile_parse(text, &q, err) != LD_EINVAL)
			fail_msg("not refused: %s", bad[i]);
		assert_non_null(strstr(err, "[photos]"));
		free(text);
	}
	profile_free(p);
	profile_free(none);
}

/* The new keys through JSON; months also as days for older stations. */
static void
test_json_new_keys(void **state)
{
	char err[LD_ERRLEN] = "";
	struct profile *p = parsed("[profile]\nname = t\ncounty = 某县\n"
	    "source = 某县文件\n"
	    "[rule meeting_interval]\namount = 6\nunit = months\n"
	    "rest_day = next_workday\nclause = 第六条：每半年\n"
	    "[rule consult]\namount = 5\nextend_max = 10\nextend_unit = days\n"
	    "extend_from = due\nclause = 第八条：十日\n"
	    "[rule whistle_answer]\nunit = immediate\nimmediate_minutes = 30\n"
	    "clause = 第一条：立即\n"
	    "[quota training_hours]\namount = 60\nclause = 第九条：60学时\n");
	struct profile *q = NULL, *old = NULL;
	json_t *o = profile_json(p), *rules = json_object_get(o, "rules");
	json_t *mi = json_object_get(rules, "meeting_interval");
	json_t *co = json_object_get(rules, "consult");
	json_t *wa = json_object_get(rules, "whistle_answer");
	json_t *o2, *legacy;

	/* What a station before months reads: 182 days. */
	assert_string_equal(json_string_value(json_object_get(mi, "unit")),
	    "days");
	assert_int_equal(json_integer_value(json_object_get(mi, "amount")), 182);
	assert_int_equal(json_integer_value(json_object_get(mi, "months")), 6);
	assert_string_equal(json_string_value(json_object_get(mi, "rest_day")),
	    "next_workday");
	assert_string_equal(json_string_value(json_object_get(co,
	    "extend_unit")), "days");
	assert_string_equal(json_string_value(json_object_get(co,
	    "extend_from")), "due");
	assert_null(json_object_get(co, "rest_day"));
	assert_int_equal(json_integer_value(json_object_get(wa,
	    "immediate_minutes")), 30);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    json_object_get(o, "quotas"), "training_hours"), "amount")), 60);
	assert_int_equal(profile_from_json(o, &q, err), 0);
	assert_same_profile(p, q);
	assert_int_equal(rule_of(q, "meeting_interval")->unit, RULE_MONTHS);
	assert_int_equal(rule_of(q, "meeting_interval")->amount, 6);
	assert_int_equal(rule_of(q, "meeting_interval")->rest_day,
	    RULE_REST_NEXT_WORKDAY);
	assert_int_equal(rule_of(q, "consult")->extend_unit, RULE_DAYS);
	assert_int_equal(rule_of(q, "consult")->extend_from, RULE_FROM_DUE);
	assert_int_equal(rule_of(q, "whistle_answer")->immediate_minutes, 30);
	assert_int_equal(profile_quota(q, "training_hours")->amount, 60);
	o2 = profile_json(q);
	assert_true(json_equal(o, o2));
	/* A profile from an older server has none of the new keys: the
	 * defaults. */
	legacy = json_loads("{\"name\":\"x\",\"county\":\"某县\",\"rules\":"
	    "{\"consult\":{\"amount\":5,\"unit\":\"workdays\",\"extend_max\":10,"
	    "\"clause\":\"c\"},\"whistle_answer\":{\"amount\":0,\"unit\":"
	    "\"immediate\",\"clause\":\"c\"}}}", 0, NULL);
	assert_int_equal(profile_from_json(legacy, &old, err), 0);
	assert_int_equal(rule_of(old, "consult")->extend_unit, RULE_WORKDAYS);
	assert_int_equal(rule_of(old, "consult")->extend_from, RULE_FROM_START);
	assert_int_equal(rule_of(old, "consult")->rest_day, RULE_REST_STAY);
	assert_int_equal(rule_of(old, "whistle_answer")->immediate_minutes, 60);
	assert_int_equal(old->nquotas, 0);
	json_decref(legacy);
	json_decref(o2);
	json_decref(o);
	profile_free(old);
	profile_free(q);
	profile_free(p);
}

/* A deployment names a profile as the server does: an installed name
 * or a file. */
static void
test_profile_settings(void **state)
{
	char err[LD_ERRLEN] = "", *path = NULL, *want, *list;
	struct profile *p = NULL;

	want = xasprintf("%s/rules/gu.ini", paths_data());
	assert_int_equal(profile_path("gu", &path, err), 0);
	assert_string_equal(path, want);
	free(path);
	free(want);
	assert_int_equal(profile_path("/some/where/mine.ini", &path, err), 0);
	assert_string_equal(path, "/some/where/mine.ini");
	free(path);
	assert_int_equal(profile_path("mine.ini", &path, err), 0);
	assert_string_equal(path, "mine.ini");
	free(path);
	/* A name that is not installed is an error naming the file looked
	 * for and the names there are. */
	assert_int_equal(profile_path("gux", &path, err), LD_ECONFIG);
	assert_null(path);
	assert_non_null(strstr(err, "'gux'"));
	assert_non_null(strstr(err, "rules/gux.ini"));
	assert_non_null(strstr(err, "gonghe"));
	assert_int_equal(profile_path("Gu County", &path, err), LD_ECONFIG);
	assert_non_null(strstr(err, "neither"));
	assert_int_equal(profile_load_setting("yicheng", &p, err), 0);
	assert_string_equal(p->name, "yicheng");
	profile_free(p);
	assert_int_equal(profile_load_setting("gux", &p, err), LD_ECONFIG);
	assert_null(p);
	list = profile_installed();
	assert_non_null(strstr(list, "gonghe, gu, "));
	free(list);
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
	{ PROFILE "[rule meeting_interval]\namount = 3\nunit = month\n"
	    "clause = c\n", "'month'", "unit month, not months" },
	{ PROFILE "[rule meeting_topics]\namount = 1\nunit = months\n"
	    "direction = before\nclause = c\n",
	    "rule meeting_topics: direction before", "before in months" },
	{ PROFILE "[rule consult]\namount = 5\nextend_unit = days\nclause = c\n",
	    "rule consult: extend_unit and extend_from need extend_max",
	    "extend_unit without a cap" },
	{ PROFILE "[rule consult]\namount = 5\nextend_from = due\nclause = c\n",
	    "need extend_max", "extend_from without a cap" },
	{ PROFILE "[rule consult]\namount = 5\nextend_max = 10\n"
	    "extend_from = base\nclause = c\n", "'base'", "bad extend_from" },
	{ PROFILE "[rule consult]\namount = 5\nextend_max = 10\n"
	    "extend_unit = days\nclause = c\n",
	    "rule consult: extend_unit differs from unit: give extend_from = due",
	    "a total in another unit" },
	{ PROFILE "[rule consult]\namount = 5\nextend_max = 10\n"
	    "extend_unit = immediate\nclause = c\n", "'immediate'",
	    "extend_unit immediate" },
	{ PROFILE "[rule consult]\namount = 5\nextend_max = 10\n"
	    "extend_unit = days\nextend_unit = days\nclause = c\n",
	    "'extend_unit' given twice", "extend_unit twice" },
	{ PROFILE "[rule consult]\namount = 5\nrest_day = monday\nclause = c\n",
	    "'monday'", "bad rest_day" },
	{ PROFILE "rest_day = later\n", "[profile]: rest_day", "bad profile rest_day" },
	{ PROFILE "rest_day = stay\nrest_day = stay\n", "'rest_day' given twice",
	    "profile rest_day twice" },
	{ PROFILE "immediate_minutes = 0\n", "immediate_minutes",
	    "immediate 0 minutes" },
	{ PROFILE "immediate_minutes = 1441\n", "immediate_minutes",
	    "immediate over a day" },
	{ PROFILE "[rule refer]\namount = 5\nimmediate_minutes = 30\n"
	    "clause = c\n", "rule refer: immediate_minutes needs unit immediate",
	    "immediate_minutes on a workdays rule" },
	{ PROFILE "[rule refer_urgent]\nunit = immediate\nextend_max = 2\n"
	    "clause = c\n", "immediate rule has no extend_max",
	    "an immediate rule extended" },
	{ PROFILE "[quota training]\namount = 60\nclause = c\n",
	    "unknown quota 'training'", "unknown quota" },
	{ PROFILE "[quota training_hours]\namount = 60\n",
	    "quota training_hours does not cite its clause", "quota no clause" },
	{ PROFILE "[quota training_hours]\nclause = c\n",
	    "quota training_hours has no amount", "quota no amount" },
	{ PROFILE "[quota training_hours]\namount = 60\nunit = days\n"
	    "clause = c\n", "'days'", "quota in days" },
	{ PROFILE "[quota training_hours]\namount = 60\nper = month\n"
	    "clause = c\n", "'month'", "quota per month" },
	{ PROFILE "[quota training_hours]\namount = 60\ncap = 1\nclause = c\n",
	    "quota training_hours: unknown key 'cap'", "quota unknown key" },
	{ PROFILE "[rule training_hours]\namount = 60\nclause = c\n",
	    "unknown rule 'training_hours'", "a quota is not a rule" },
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
		cmocka_unit_test(test_baijiantan_and_yantai),
		cmocka_unit_test(test_before_rules),
		cmocka_unit_test(test_unknown_year_flagged),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_json_form),
		cmocka_unit_test(test_json_refused),
		cmocka_unit_test(test_json_keeps_unknown_rules),
		cmocka_unit_test(test_county_writes_its_own),
		cmocka_unit_test(test_malformed_refused),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_months_and_rest_days),
		cmocka_unit_test(test_rest_day_on_and_off),
		cmocka_unit_test(test_extension_cap),
		cmocka_unit_test(test_short_extension_after_due),
		cmocka_unit_test(test_immediate_minutes),
		cmocka_unit_test(test_quotas_and_stated_rules),
		cmocka_unit_test(test_clause_ref),
		cmocka_unit_test(test_json_new_keys),
		cmocka_unit_test(test_photos),
		cmocka_unit_test(test_profile_settings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
