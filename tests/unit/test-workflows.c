/*
 * test-workflows.c - the state machines of assistance requests (执法协助),
 * township calls (吹哨报到), joint meetings (联席会议), complaint
 * referral (投诉转办), information sharing (信息共享), supervision (监督)
 * a case's referral withdrawn (撤回移送) and an urgent referral's
 * officers at the scene (派员到达现场):
 * every transition,
 * legal and illegal, folded in every arrival order (up to 2,000 random
 * ones when there are more; scenario.h),
 * and the obligations each state leaves open (due.c).
 *
 * Events at T0 = 2026-11-21 09:30 (a Saturday) Beijing time; offsets in
 * minutes (MIN) or days (DAY).
 */
#include "harness.h"

#include "due.h"
#include "unit.h"
#include "scenario.h"

#define DAY (24 * 60 * MIN)
#define ASKED "县市场监管局"
#define OTHER "县林业局"

#define DEADLINE(key, due, rule) \
	"\"" key "\":{\"due\":\"" due "\",\"rule\":\"" rule "\"," \
	"\"basis\":\"3 workdays\",\"assumed\":false}"

#define BODY_ASSIST_REQUESTED \
	"{\"to\":\"" ASKED "\",\"form\":\"testing\",\"subject\":\"抽检样品\"," \
	"\"urgent\":false,\"officer\":\"张三\"," \
	DEADLINE("answer_due", "2026-11-25T23:59:59+08:00", "gonghe/assist") "}"
#define BODY_ANSWER "{\"conclusion\":\"不合格\",\"sealed\":true}"
#define BODY_WHISTLE_CALLED \
	"{\"to\":\"" ASKED "\",\"matter\":\"燃气泄漏隐患\",\"location\":\"东街\"," \
	"\"officer\":\"张三\"," \
	DEADLINE("answer_due", "2026-11-21T10:30:00+08:00", "gu/whistle_answer") "}"
#define BODY_MEETING_SCHEDULED \
	"{\"form\":\"joint\",\"at\":\"2026-12-10T09:00:00+08:00\"," \
	"\"units\":[\"" ASKED "\",\"" OTHER "\"],\"officer\":\"张三\"," \
	DEADLINE("notice_due", "2026-12-03T00:00:00+08:00", "gu/meeting_notice") "," \
	DEADLINE("topics_due", "2026-11-30T00:00:00+08:00", "yicheng/meeting_topics") "}"

struct dues {
	char lines[8][160];
	size_t n;
};

static void
keep_due(const struct obligation *o, void *arg)
{
	struct dues *d = arg;

	assert_true(d->n < 8);
	snprintf(d->lines[d->n++], sizeof d->lines[0], "%s %s %s",
	    o->owed_by, o->due == DUE_NONE ? "-" : "due", o->rule ? o->rule : "-");
}

/* The obligations doc leaves open, as "owed_by due|- rule" lines. */
static void
assert_dues(const json_t *doc, const char *const *want)
{
	struct dues d;
	size_t n = 0, i;

	memset(&d, 0, sizeof d);
	due_collect(doc, keep_due, &d);
	while (want[n] != NULL)
		n++;
	assert_int_equal(d.n, n);
	for (i = 0; i < n; i++)
		assert_string_equal(d.lines[i], want[i]);
}

static int
is_true(const json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

static int
has_unit(const json_t *aud, const char *unit)
{
	json_t *v;
	size_t i;

	json_array_foreach(aud, i, v)
		if (strcmp(json_string_value(v), unit) == 0)
			return 1;
	return 0;
}

/* Addresses the last event of sc to unit as well. */
static void
address(struct scenario *sc, const char *unit)
{
	struct event *ev = &sc->evs[sc->n - 1];

	json_array_append_new(ev->audience, json_string(unit));
	event_seal(ev);
	unit_assert_valid(ev);
}

/* requested -> answered; every wrong answer a conflict. */
static void
test_assist_answered(void **state)
{
	static const char *const conflicts[] = {
		"s1/2 before_creation",
		"s4/1 not_sealed",
		"s3/1 not_asked_unit",
		"s2/2 already_answered",
		"s3/2 already_answered",
		NULL,
	};
	static const char *const open[] = { ASKED " due gonghe/assist", NULL };
	static const char *const none[] = { NULL };
	struct scenario *sc = xcalloc(1, sizeof *sc);
	json_t *doc, *first, *d;

	add(sc, "s1", 0, "assist.requested", "A-s1-1", BODY_ASSIST_REQUESTED,
	    NULL);
	add(sc, "s1", -5 * MIN, "assist.answered", "A-s1-1", BODY_ANSWER, NULL);
	add_unit(sc, "s4", ASKED, 2 * MIN, "assist.answered", "A-s1-1",
	    "{\"conclusion\":\"合格\",\"sealed\":false}", "赵六");
	add_unit(sc, "s3", OTHER, 5 * MIN, "assist.answered", "A-s1-1",
	    BODY_ANSWER, "孙七");
	add_unit(sc, "s2", ASKED, 10 * MIN, "assist.answered", "A-s1-1",
	    BODY_ANSWER, "李四");
	/* Two stations of the asked unit answer again at the same instant. */
	add_unit(sc, "s2", ASKED, 20 * MIN, "assist.answered", "A-s1-1",
	    "{\"conclusion\":\"复检合格\",\"sealed\":true}", "李四");
	add_unit(sc, "s3", ASKED, 20 * MIN, "assist.answered", "A-s1-1",
	    BODY_ANSWER, "孙七");
	first = fold_events(sc->evs, 1);
	assert_string_equal(str(first, "status"), "requested");
	assert_string_equal(str(first, "type"), "assist");
	assert_string_equal(str(first, "form"), "testing");
	assert_dues(first, open);
	json_decref(first);

	doc = assert_order_free(sc, 101);
	assert_string_equal(str(doc, "status"), "answered");
	assert_conflicts(doc, conflicts);
	d = json_object_get(doc, "answer");
	assert_string_equal(str(d, "unit"), ASKED);
	assert_string_equal(str(d, "by"), "李四");
	assert_string_equal(str(d, "conclusion"), "不合格");
	d = json_object_get(doc, "answer_due");
	assert_non_null(json_object_get(d, "done_at"));
	assert_false(is_true(d, "late"));
	assert_dues(doc, none);
	json_decref(doc);
	scenario_free(sc);
}

/* An extension by the asked unit before the deadline moves it; one by
 * the requester, or after the (extended) deadline, is a conflict. */
static void
test_assist_extended(void **state)
{
	static const char *const conflicts[] = {
		"s1/2 not_asked_unit",
		"s2/2 extension_after_deadline",
		"s2/4 already_answered",
		NULL,
	};
	struct scenario *sc = xcalloc(1, sizeof *sc);
	json_t *doc, *d;

	add(sc, "s1", 0, "assist.requested", "A-s1-1", BODY_ASSIST_REQUESTED,
	    NULL);
	add(sc, "s1", 1 * DAY, "assist.extended", "A-s1-1",
	    "{" DEADLINE("answer_due", "2026-12-31T23:59:59+08:00", "gonghe/assist")
	    ",\"reason\":\"自行延长\"}", NULL);
	add_unit(sc, "s2", ASKED, 2 * DAY, "assist.extended", "A-s1-1",
	    "{" DEADLINE("answer_due", "2026-11-27T23:59:59+08:00", "gonghe/assist")
	    ",\"reason\":\"需现场勘查\"}", "李四");
	/* 2026-11-29 09:30: past the extended deadline. */
	add_unit(sc, "s2", ASKED, 8 * DAY, "assist.extended", "A-s1-1",
	    "{" DEADLINE("answer_due", "2026-12-04T23:59:59+08:00", "gonghe/assist")
	    ",\"reason\":\"再延\"}", "李四");
	add_unit(sc, "s2", ASKED, 9 * DAY, "assist.answered", "A-s1-1",
	    BODY_ANSWER, "李四");
	add_unit(sc, "s2", ASKED, 10 * DAY, "assist.extended", "A-s1-1",
	    "{" DEADLINE("answer_due", "2026-12-31T23:59:59+08:00", "gonghe/assist")
	    ",\"reason\":\"答复后\"}", "李四");
	doc = assert_order_free(sc, 102);
	assert_string_equal(str(doc, "status"), "answered");
	assert_conflicts(doc, conflicts);
	d = json_object_get(doc, "answer_due");
	assert_string_equal(str(d, "due"), "2026-11-27T23:59:59+08:00");
	assert_true(is_true(d, "late"));
	assert_int_equal(json_array_size(json_object_get(doc, "extensions")), 1);
	json_decref(doc);
	scenario_free(sc);
}

/* called -> escalated -> answered, late against "immediately". */
static void
test_whistle(void **state)
{
	static const char *const conflicts[] = {
		"s2/1 escalated_by_called_unit",
		"s3/1 not_called_unit",
		"s1/3 already_answered",
		"s3/2 already_answered",
		NULL,
	};
	static const char *const called[] = {
		ASKED " due gu/whistle_answer", NULL };
	static const char *const escalated[] = {
		ASKED " due gu/whistle_answer", "县人民政府 - -", NULL };
	static const char *const none[] = { NULL };
	struct scenario *sc = xcalloc(1, sizeof *sc);
	json_t *doc;

	add(sc, "s1", 0, "whistle.called", "W-s1-1", BODY_WHISTLE_CALLED, NULL);
	add_unit(sc, "s2", ASKED, 10 * MIN, "whistle.escalated", "W-s1-1",
	    "{\"to\":\"县人民政府\",\"reason\":\"自己升级\"}", "李四");
	add(sc, "s1", 70 * MIN, "whistle.escalated", "W-s1-1",
	    "{\"to\":\"县人民政府\",\"reason\":\"一小时未到\"}", NULL);
	address(sc, "县人民政府");
	doc = fold_events(sc->evs, 1);
	assert_dues(doc, called);
	json_decref(doc);
	doc = fold_events(sc->evs, 3);
	assert_string_equal(str(doc, "status"), "escalated");
	assert_dues(doc, escalated);
	json_decref(doc);
	add_unit(sc, "s3", OTHER, 80 * MIN, "whistle.answered", "W-s1-1",
	    "{\"officer_sent\":\"孙七\"}", "孙七");
	add_unit(sc, "s2", ASKED, 90 * MIN, "whistle.answered", "W-s1-1",
	    "{\"officer_sent\":\"李四、周八\",\"note\":\"已到场处置\"}", "李四");
	/* After the answer: no escalation, no second answer. */
	add(sc, "s1", 100 * MIN, "whistle.escalated", "W-s1-1",
	    "{\"to\":\"县人民政府\",\"reason\":\"迟到\"}", NULL);
	add_unit(sc, "s3", ASKED, 100 * MIN, "whistle.answered", "W-s1-1",
	    "{\"officer_sent\":\"孙七\"}", "孙七");
	doc = assert_order_free(sc, 103);
	assert_string_equal(str(doc, "status"), "answered");
	assert_conflicts(doc, conflicts);
	assert_string_equal(str(doc, "escalated_to"), "县人民政府");
	/* The county joined the audience: later steps reach it too. */
	assert_true(has_unit(json_object_get(doc, "audience"), "县人民政府"));
	assert_int_equal(json_integer_value(json_object_get(doc,
	    "escalation_level")), 1);
	assert_string_equal(str(json_object_get(doc, "answer"), "officer_sent"),
	    "李四、周八");
	assert_true(is_true(json_object_get(doc, "answer_due"), "late"));
	assert_dues(doc, none);
	json_decref(doc);
	scenario_free(sc);
}

#define BODY_CASE_DUE \
	"{\"source\":\"patrol\",\"category\":\"违法建设\"," \
	"\"location\":\"查纳村\",\"description\":\"未批先建\"," \
	"\"discovered_at\":\"2026-11-21T09:30:00+08:00\",\"urgent\":false," \
	"\"officer\":\"张三\"," \
	DEADLINE("refer_due", "2026-11-25T23:59:59+08:00", "gonghe/refer") "}"

#define BODY_REFERRAL(to, criminal) \
	"{\"case\":\"C-s1-9\",\"to\":\"" to "\",\"urgent\":false," \
	"\"criminal\":" criminal ",\"letter\":\"移〔2026〕9号\"," \
	"\"sources\":[\"现场检查笔录\"],\"evidence\":[\"照片\"]," \
	"\"category\":\"违法建设\",\"location\":\"东街\"," \
	"\"description\":\"未批先建\"," \
	"\"discovered_at\":\"2026-11-21T09:00:00+08:00\"," \
	"\"officer\":\"张三\"}"

/* Every state of a referral (type-referral.c), each reached in every
 * arrival order: acknowledged, accepted, closed; disputed, escalated,
 * decided; withdrawn; a criminal referral returned. */
static void
test_referral_states(void **state)
{
	struct scenario *sc = xcalloc(1, sizeof *sc);
	json_t *doc;

	add(sc, "s1", 0, "referral.sent", "R-s1-1", BODY_REFERRAL(ASKED,
	    "false"), NULL);
	add_unit(sc, "s2", ASKED, 10 * MIN, "referral.acknowledged", "R-s1-1",
	    "{}", "李四");
	doc = fold_events(sc->evs, sc->n);
	assert_string_equal(str(doc, "status"), "acknowledged");
	json_decref(doc);
	add_unit(sc, "s2", ASKED, 20 * MIN, "referral.accepted", "R-s1-1",
	    "{}", "李四");
	doc = fold_events(sc->evs, sc->n);
	assert_string_equal(str(doc, "status"), "accepted");
	json_decref(doc);
	add_unit(sc, "s2", ASKED, 30 * MIN, "referral.result", "R-s1-1",
	    "{\"decision\":\"责令整改\","
	    "\"decided_at\":\"2026-11-21T10:00:00+08:00\"}", "李四");
	doc = assert_order_free(sc, 201);
	assert_string_equal(str(doc, "status"), "closed");
	json_decref(doc);
	scenario_free(sc);

	sc = xcalloc(1, sizeof *sc);
	add(sc, "s1", 0, "referral.sent", "R-s1-1", BODY_REFERRAL(ASKED,
	    "false"), NULL);
	add_unit(sc, "s2", ASKED, 10 * MIN, "referral.disputed", "R-s1-1",
	    "{\"reason\":\"不属本局职责\"}", "李四");
	add_unit(sc, "s2", ASKED, 20 * MIN, "referral.escalated", "R-s1-1",
	    "{\"to\":\"县司法局\",\"reason\":\"协商未果\"}", "李四");
	address(sc, "县司法局");
	doc = fold_events(sc->evs, sc->n);
	assert_string_equal(str(doc, "status"), "escalated");
	json_decref(doc);
	add_unit(sc, "s4", "县司法局", 30 * MIN, "referral.decided", "R-s1-1",
	    "{\"handler\":\"" OTHER "\",\"reason\":\"由林业局查处\"}",
	    "赵六");
	doc = assert_order_free(sc, 202);
	assert_string_equal(str(doc, "status"), "decided");
	assert_string_equal(str(doc, "handler"), OTHER);
	json_decref(doc);
	scenario_free(sc);

	sc = xcalloc(1, sizeof *sc);
	add(sc, "s1", 0, "referral.sent", "R-s1-1", BODY_REFERRAL(ASKED,
	    "false"), NULL);
	add(sc, "s1", 10 * MIN, "referral.withdrawn", "R-s1-1",
	    "{\"reason\":\"误送\"}", NULL);
	doc = assert_order_free(sc, 203);
	assert_string_equal(str(doc, "status"), "withdrawn");
	json_decref(doc);
	scenario_free(sc);

	sc = xcalloc(1, sizeof *sc);
	add(sc, "s1", 0, "referral.sent", "R-s1-1", BODY_REFERRAL("县公安局",
	    "true"), NULL);
	add_unit(sc, "s3", "县公安局", 10 * MIN, "referral.returned", "R-s1-1",
	    "{\"reason\":\"不构成犯罪\"}", "孙七");
	doc = assert_order_free(sc, 204);
	assert_string_equal(str(doc, "status"), "returned");
	json_decref(doc);
	scenario_free(sc);
}

/* An urgent referral (白碱滩区 三(一)5): the unit it went to owes
 * officers at the scene, besides acknowledging it; only that unit
 * records their arrival, once, and the referral's state stays. */
static void
test_referral_onsite(void **state)
{
	static const char *const conflicts[] = {
		"s3/1 not_receiver",
		"s2/2 already_arrived",
		NULL,
	};
	static const char *const sent[] = {
		ASKED " due baijiantan/onsite_urgent", ASKED " - -", NULL };
	static const char *const arrived[] = { ASKED " - -", NULL };
	struct scenario *sc = xcalloc(1, sizeof *sc);
	json_t *doc;

	add(sc, "s1", 0, "referral.sent", "R-s1-1",
	    "{\"case\":\"C-s1-9\",\"to\":\"" ASKED "\",\"urgent\":true,"
	    "\"letter\":\"移〔2026〕9号\",\"sources\":[\"现场检查笔录\"],"
	    "\"evidence\":[\"照片\"],\"category\":\"燃气安全\","
	    "\"location\":\"东街\",\"description\":\"燃气泄漏\","
	    "\"discovered_at\":\"2026-11-21T09:00:00+08:00\","
	    "\"officer\":\"张三\","
	    DEADLINE("onsite_due", "2026-11-21T10:30:00+08:00",
	    "baijiantan/onsite_urgent") "}", NULL);
	doc = fold_events(sc->evs, 1);
	assert_dues(doc, sent);
	json_decref(doc);
	add_unit(sc, "s3", OTHER, 20 * MIN, "referral.arrived", "R-s1-1",
	    "{\"arrived_at\":\"2026-11-21T09:50:00+08:00\"}", "孙七");
	/* Entered at 12:00, after the hour: the officers' own time says
	 * when the duty was done. */
	add_unit(sc, "s2", ASKED, 150 * MIN, "referral.arrived", "R-s1-1",
	    "{\"arrived_at\":\"2026-11-21T10:10:00+08:00\","
	    "\"note\":\"两名队员到场\"}", "李四");
	add_unit(sc, "s2", ASKED, 160 * MIN, "referral.arrived", "R-s1-1",
	    "{\"arrived_at\":\"2026-11-21T10:20:00+08:00\"}", "李四");
	doc = assert_order_free(sc, 104);
	assert_string_equal(str(doc, "status"), "sent");
	assert_conflicts(doc, conflicts);
	assert_string_equal(str(doc, "arrived_at"), "2026-11-21T10:10:00+08:00");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    doc, "onsite_due"), "done_at")), UNIT_T0_MS + 40 * MIN);
	assert_false(is_true(json_object_get(doc, "onsite_due"), "late"));
	assert_string_equal(str(json_object_get(doc, "onsite_due"), "done_by"),
	    ASKED);
	assert_dues(doc, arrived);
	json_decref(doc);
	scenario_free(sc);
}

/* An act dated before what it answers is done no earlier than that: an
 * arrival claimed before the referral was sent (it has no receipt here),
 * a referral claimed sent before the matter was discovered. */
static void
test_acted_floor(void **state)
{
	struct scenario *sc = xcalloc(1, sizeof *sc);
	json_t *doc;

	add(sc, "s1", 0, "referral.sent", "R-s1-1", BODY_REFERRAL(ASKED,
	    "false"), NULL);
	add_unit(sc, "s2", ASKED, 60 * MIN, "referral.arrived", "R-s1-1",
	    "{\"arrived_at\":\"2000-01-01T09:00:00+08:00\"}", "李四");
	/* No onsite_due on a referral that is not urgent: give it one. */
	json_object_set_new(sc->evs[0].body, "onsite_due", unit_json(
	    "{\"due\":\"2026-11-21T10:30:00+08:00\","
	    "\"rule\":\"baijiantan/onsite_urgent\",\"basis\":\"x\","
	    "\"assumed\":false}"));
	event_seal(&sc->evs[0]);
	doc = fold_events(sc->evs, sc->n);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    doc, "onsite_due"), "done_at")), UNIT_T0_MS);
	json_decref(doc);
	scenario_free(sc);

	sc = xcalloc(1, sizeof *sc);
	add(sc, "s1", 0, "case.opened", "C-s1-1", BODY_CASE_DUE, NULL);
	add(sc, "s1", 6 * DAY, "case.referred", "C-s1-1",
	    "{\"referral\":\"R-s1-2\",\"to\":\"" OTHER "\","
	    "\"sent_at\":\"2026-01-01T09:30:00+08:00\"}", NULL);
	doc = fold_events(sc->evs, sc->n);
	/* Discovered 2026-11-21 09:30: done then, not in January. */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    doc, "refer_due"), "done_at")), UNIT_T0_MS);
	json_decref(doc);
	scenario_free(sc);
}

/* An escalation and an answer written at the same instant on two
 * stations: the station order decides, the same on every replica. */
static void
test_whistle_race(void **state)
{
	static const char *const late_escalation[] = {
		"s9/1 already_answered", NULL };
	struct scenario *sc = xcalloc(1, sizeof *sc);
	json_t *doc;

	add(sc, "s1", 0, "whistle.called", "W-s1-1", BODY_WHISTLE_CALLED, NULL);
	add_unit(sc, "s2", ASKED, 30 * MIN, "whistle.answered", "W-s1-1",
	    "{\"officer_sent\":\"李四\"}", "李四");
	add(sc, "s9", 30 * MIN, "whistle.escalated", "W-s1-1",
	    "{\"to\":\"县人民政府\",\"reason\":\"未到\"}", "周八");
	doc = assert_order_free(sc, 104);
	assert_string_equal(str(doc, "status"), "answered");
	assert_conflicts(doc, late_escalation);
	assert_null(json_object_get(doc, "escalated_to"));
	json_decref(doc);
	scenario_free(sc);

	/* The other way round: escalated first, then answered. */
	sc = xcalloc(1, sizeof *sc);
	add(sc, "s1", 0, "whistle.called", "W-s1-1", BODY_WHISTLE_CALLED, NULL);
	add(sc, "s0", 30 * MIN, "whistle.escalated", "W-s1-1",
	    "{\"to\":\"县人民政府\",\"reason\":\"未到\"}", "周八");
	add_unit(sc, "s2", ASKED, 30 * MIN, "whistle.answered", "W-s1-1",
	    "{\"officer_sent\":\"李四\"}", "李四");
	doc = assert_order_free(sc, 105);
	assert_string_equal(str(doc, "status"), "answered");
	assert_int_equal(json_array_size(json_object_get(doc, "conflicts")), 0);
	assert_string_equal(str(doc, "escalated_to"), "县人民政府");
	json_decref(doc);
	scenario_free(sc);
}

/* scheduled -> topics (before the deadline) -> minutes -> resolutions. */
static void
test_meeting_minutes(void **state)
{
	static const char *const conflicts[] = {
		"s3/2 resolution_before_minutes",
		"s3/3 topic_after_deadline",
		"s2/2 not_convener",
		"s1/3 minutes_twice",
		"s2/3 topic_after_meeting",
		"s2/4 not_convener",
		NULL,
	};
	static const char *const open[] = { ASKED " - -", OTHER " - -", NULL };
	struct scenario *sc = xcalloc(1, sizeof *sc);
	json_t *doc, *r, *d;

	add(sc, "s1", 0, "meeting.scheduled", "M-s1-1", BODY_MEETING_SCHEDULED,
	    NULL);
	add_unit(sc, "s3", OTHER, 1 * DAY, "meeting.topic", "M-s1-1",
	    "{\"topic\":\"林地执法分工\"}", "孙七");
	add_unit(sc, "s2", ASKED, 2 * DAY, "meeting.topic", "M-s1-1",
	    "{\"topic\":\"食品抽检衔接\"}", "李四");
	add(sc, "s3", 3 * DAY, "meeting.resolution", "M-s1-1",
	    "{\"text\":\"先定\",\"owner\":\"" ASKED "\"}", NULL);
	/* 2026-11-30 09:30: topics closed at 00:00 that day. */
	add_unit(sc, "s3", OTHER, 9 * DAY, "meeting.topic", "M-s1-1",
	    "{\"topic\":\"迟交议题\"}", "孙七");
	add_unit(sc, "s2", ASKED, 19 * DAY, "meeting.minutes", "M-s1-1",
	    "{\"text\":\"别人的纪要\"}", "李四");
	add(sc, "s1", 19 * DAY + 60 * MIN, "meeting.minutes", "M-s1-1",
	    "{\"text\":\"会议纪要：明确分工\"}", NULL);
	add(sc, "s1", 19 * DAY + 70 * MIN, "meeting.minutes", "M-s1-1",
	    "{\"text\":\"又一份\"}", NULL);
	add_unit(sc, "s2", ASKED, 19 * DAY + 80 * MIN, "meeting.topic", "M-s1-1",
	    "{\"topic\":\"会后议题\"}", "李四");
	/* Two resolutions at the same instant from two stations of the
	 * convener: numbered by station order. */
	add(sc, "s1", 19 * DAY + 90 * MIN, "meeting.resolution", "M-s1-1",
	    "{\"text\":\"市场监管局牵头抽检\",\"owner\":\"" ASKED "\"}", NULL);
	add(sc, "s3", 19 * DAY + 90 * MIN, "meeting.resolution", "M-s1-1",
	    "{\"text\":\"林业局巡查\",\"owner\":\"" OTHER "\"}", NULL);
	add_unit(sc, "s2", ASKED, 19 * DAY + 95 * MIN, "meeting.resolution",
	    "M-s1-1", "{\"text\":\"自定\",\"owner\":\"" ASKED "\"}", "李四");
	doc = assert_order_free(sc, 106);
	assert_string_equal(str(doc, "status"), "held");
	assert_conflicts(doc, conflicts);
	assert_int_equal(json_array_size(json_object_get(doc, "topics")), 2);
	assert_string_equal(str(json_object_get(doc, "minutes"), "text"),
	    "会议纪要：明确分工");
	d = json_object_get(doc, "notice_due");
	assert_non_null(json_object_get(d, "done_at"));
	assert_false(is_true(d, "late"));
	r = json_array_get(json_object_get(doc, "resolutions"), 0);
	assert_int_equal(json_integer_value(json_object_get(r, "index")), 1);
	assert_string_equal(str(r, "owner"), ASKED);
	assert_string_equal(str(r, "status"), "open");
	r = json_array_get(json_object_get(doc, "resolutions"), 1);
	assert_int_equal(json_integer_value(json_object_get(r, "index")), 2);
	assert_string_equal(str(r, "owner"), OTHER);
	assert_dues(doc, open);
	json_decref(doc);
	scenario_free(sc);
}

/* Follow-up of a resolution, by its owner only, until done. */
static void
test_meeting_followup(void **state)
{
	static const char *const conflicts[] = {
		"s2/1 no_such_resolution",
		"s3/1 not_owner",
		"s2/4 resolution_done",
		"s2/5 no_such_resolution",
		NULL,
	};
	static const char *const open[] = { OTHER " - -", NULL };
	struct scenario *sc = xcalloc(1, sizeof *sc);
	json_t *doc, *r;

	add(sc, "s1", 0, "meeting.scheduled", "M-s1-1", BODY_MEETING_SCHEDULED,
	    NULL);
	add(sc, "s1", 19 * DAY, "meeting.minutes", "M-s1-1",
	    "{\"text\":\"纪要\"}", NULL);
	add(sc, "s1", 19 * DAY + MIN, "meeting.resolution", "M-s1-1",
	    "{\"text\":\"抽检\",\"owner\":\"" ASKED "\"}", NULL);
	add(sc, "s1", 19 * DAY + 2 * MIN, "meeting.resolution", "M-s1-1",
	    "{\"text\":\"巡查\",\"owner\":\"" OTHER "\"}", NULL);
	add_unit(sc, "s3", OTHER, 20 * DAY, "meeting.followup", "M-s1-1",
	    "{\"resolution\":\"1\",\"status\":\"done\",\"note\":\"代报\"}",
	    "孙七");
	add_unit(sc, "s2", ASKED, 20 * DAY, "meeting.followup", "M-s1-1",
	    "{\"resolution\":\"3\",\"status\":\"done\",\"note\":\"无此项\"}",
	    "李四");
	add_unit(sc, "s2", ASKED, 21 * DAY, "meeting.followup", "M-s1-1",
	    "{\"resolution\":\"1\",\"status\":\"in-progress\",\"note\":\"已抽检三家\"}",
	    "李四");
	add_unit(sc, "s2", ASKED, 22 * DAY, "meeting.followup", "M-s1-1",
	    "{\"resolution\":\"1\",\"status\":\"done\",\"note\":\"全部完成\"}",
	    "李四");
	add_unit(sc, "s2", ASKED, 23 * DAY, "meeting.followup", "M-s1-1",
	    "{\"resolution\":\"1\",\"status\":\"in-progress\",\"note\":\"反复\"}",
	    "李四");
	add_unit(sc, "s2", ASKED, 24 * DAY, "meeting.followup", "M-s1-1",
	    "{\"resolution\":\"01\",\"status\":\"done\",\"note\":\"写法不对\"}",
	    "李四");
	doc = assert_order_free(sc, 107);
	assert_conflicts(doc, conflicts);
	r = json_array_get(json_object_get(doc, "resolutions"), 0);
	assert_string_equal(str(r, "status"), "done");
	assert_int_equal(json_array_size(json_object_get(r, "followups")), 2);
	assert_dues(doc, open);
	json_decref(doc);
	scenario_free(sc);
}

/* A followup names its resolution by ref: a resolution recorded on the
 * convener's other station, offline, that folds in before it does not
 * move the report onto another resolution (numbers would shift). */
static void
test_meeting_followup_ref(void **state)
{
	static const char *const conflicts[] = {
		"s3/2 no_such_resolution",
		NULL,
	};
	struct scenario *sc = xcalloc(1, sizeof *sc);
	json_t *doc, *a, *b;

	add(sc, "s1", 0, "meeting.scheduled", "M-s1-1", BODY_MEETING_SCHEDULED,
	    NULL);
	add(sc, "s1", 19 * DAY, "meeting.minutes", "M-s1-1",
	    "{\"text\":\"纪要\"}", NULL);
	/* A, on s1 at 11:10, reaches the owner of B only later. */
	add(sc, "s1", 19 * DAY + 10 * MIN, "meeting.resolution", "M-s1-1",
	    "{\"text\":\"核查\",\"owner\":\"" OTHER "\"}", NULL);
	/* B, on the convener's other station s4 at 11:20: the owner saw it
	 * as number 1 and reported on it by its ref. */
	add_seq(sc, "s4", 1, 19 * DAY + 20 * MIN, "meeting.resolution",
	    "M-s1-1", "{\"text\":\"抽检\",\"owner\":\"" ASKED "\"}", NULL);
	add_unit(sc, "s3", ASKED, 20 * DAY, "meeting.followup", "M-s1-1",
	    "{\"resolution\":\"s4/1\",\"status\":\"done\",\"note\":\"完成\"}",
	    "李四");
	add_unit(sc, "s3", ASKED, 21 * DAY, "meeting.followup", "M-s1-1",
	    "{\"resolution\":\"s9/1\",\"status\":\"done\",\"note\":\"无此项\"}",
	    "李四");
	doc = assert_order_free(sc, 108);
	assert_conflicts(doc, conflicts);
	a = json_array_get(json_object_get(doc, "resolutions"), 0);
	b = json_array_get(json_object_get(doc, "resolutions"), 1);
	assert_string_equal(str(a, "ref"), "s1/3");
	assert_string_equal(str(a, "status"), "open");
	assert_string_equal(str(b, "ref"), "s4/1");
	assert_string_equal(str(b, "status"), "done");
	json_decref(doc);
	scenario_free(sc);
}

/* Scheduling is the notice: late when the notice deadline had passed;
 * events before scheduling are conflicts. */
static void
test_meeting_late_notice(void **state)
{
	static const char *const conflicts[] = {
		"s2/1 before_creation", "s1/2 not_own_id", NULL };
	struct scenario *sc = xcalloc(1, sizeof *sc);
	json_t *doc;

	add(sc, "s1", 13 * DAY, "meeting.scheduled", "M-s1-1",
	    BODY_MEETING_SCHEDULED, NULL);
	add_unit(sc, "s2", ASKED, 1 * DAY, "meeting.topic", "M-s1-1",
	    "{\"topic\":\"早到的议题\"}", "李四");
	add(sc, "s1", 14 * DAY, "meeting.scheduled", "M-s1-1",
	    BODY_MEETING_SCHEDULED, NULL);
	doc = assert_order_free(sc, 108);
	assert_conflicts(doc, conflicts);
	assert_string_equal(str(doc, "status"), "scheduled");
	assert_true(is_true(json_object_get(doc, "notice_due"), "late"));
	json_decref(doc);
	scenario_free(sc);
}

#define BUREAU "县综合行政执法局"

/* received -> referred (with the identity's copy) -> notified, replied. */
static void
test_complaint_referral(void **state)
{
	static const char *const conflicts[] = {
		"s2/1 not_referred",
		"s1/3 not_referred",
		"s3/1 not_first_contact",
		"s1/6 already_referred",
		"s1/8 already_notified",
		"s1/9 not_handler",
		"s2/3 already_replied",
		NULL,
	};
	static const char *const referred[] = { UNIT_UNIT " - -", BUREAU " - -",
		NULL };
	static const char *const none[] = { NULL };
	struct scenario *sc = xcalloc(1, sizeof *sc);
	json_t *doc;

	add(sc, "s1", 0, "complaint.recorded", "T-s1-1",
	    BODY_COMPLAINT_RECORDED, NULL);
	add(sc, "s1", 1 * MIN, "complaint.identity", "T-s1-1",
	    BODY_COMPLAINT_IDENTITY, NULL);
	add_unit(sc, "s2", BUREAU, 2 * MIN, "complaint.replied", "T-s1-1",
	    "{\"result\":\"抢答\"}", "李四");
	add(sc, "s1", 3 * MIN, "complaint.notified", "T-s1-1",
	    "{\"text\":\"过早\"}", NULL);
	add_unit(sc, "s3", OTHER, 4 * MIN, "complaint.referred", "T-s1-1",
	    "{\"to\":\"" BUREAU "\"}", "孙七");
	add(sc, "s1", 5 * MIN, "complaint.referred", "T-s1-1",
	    "{\"to\":\"" BUREAU "\",\"note\":\"请查处\"}", NULL);
	address(sc, BUREAU);
	add(sc, "s1", 5 * MIN, "complaint.identity", "T-s1-1",
	    BODY_COMPLAINT_IDENTITY, NULL);
	address(sc, BUREAU);
	doc = fold_events(sc->evs, sc->n);
	assert_string_equal(str(doc, "status"), "referred");
	assert_string_equal(str(doc, "handler"), BUREAU);
	assert_dues(doc, referred);
	assert_int_equal(json_array_size(json_object_get(doc, "audience")), 2);
	assert_true(has_unit(json_object_get(doc, "audience"), BUREAU));
	json_decref(doc);
	/* Again to the unit that already handles it. */
	add(sc, "s1", 6 * MIN, "complaint.referred", "T-s1-1",
	    "{\"to\":\"" BUREAU "\"}", NULL);
	add(sc, "s1", 7 * MIN, "complaint.notified", "T-s1-1",
	    "{\"text\":\"已告知转执法局\"}", NULL);
	add(sc, "s1", 8 * MIN, "complaint.notified", "T-s1-1",
	    "{\"text\":\"又告知\"}", NULL);
	add(sc, "s1", 9 * MIN, "complaint.replied", "T-s1-1",
	    "{\"result\":\"代答\"}", NULL);
	add_unit(sc, "s2", BUREAU, 10 * MIN, "complaint.replied", "T-s1-1",
	    "{\"result\":\"已罚款\"}", "李四");
	add_unit(sc, "s2", BUREAU, 11 * MIN, "complaint.replied", "T-s1-1",
	    "{\"result\":\"再答\"}", "李四");
	doc = assert_order_free(sc, 109);
	assert_conflicts(doc, conflicts);
	assert_string_equal(str(doc, "status"), "replied");
	assert_string_equal(str(json_object_get(doc, "reply"), "result"),
	    "已罚款");
	assert_string_equal(str(json_object_get(doc, "notified"), "text"),
	    "已告知转执法局");
	assert_string_equal(str(json_object_get(doc, "identity"), "name"),
	    "王五");
	assert_dues(doc, none);
	json_decref(doc);
	scenario_free(sc);
}

/* Referred to the wrong unit, then again by the first-contact unit to the
 * right one: the new unit handles it (the identity's copy goes to it),
 * the earlier referral and what the complainant was told of it are kept,
 * and the complainant must be told again. Referring again after the reply,
 * to the same handler, or as another unit stays a conflict. */
static void
test_complaint_referred_again(void **state)
{
	static const char *const conflicts[] = {
		"s2/1 not_first_contact",
		"s5/1 not_handler",
		"s1/8 already_referred",
		"s1/9 already_replied",
		NULL,
	};
	static const char *const again[] = { UNIT_UNIT " - -", BUREAU " - -",
		NULL };
	static const char *const none[] = { NULL };
	struct scenario *sc = xcalloc(1, sizeof *sc);
	json_t *doc, *e;

	add(sc, "s1", 0, "complaint.recorded", "T-s1-1",
	    BODY_COMPLAINT_RECORDED, NULL);
	add(sc, "s1", 1 * MIN, "complaint.identity", "T-s1-1",
	    BODY_COMPLAINT_IDENTITY, NULL);
	add(sc, "s1", 5 * MIN, "complaint.referred", "T-s1-1",
	    "{\"to\":\"" OTHER "\"}", NULL);
	address(sc, OTHER);
	add(sc, "s1", 5 * MIN, "complaint.identity", "T-s1-1",
	    BODY_COMPLAINT_IDENTITY, NULL);
	address(sc, OTHER);
	add(sc, "s1", 6 * MIN, "complaint.notified", "T-s1-1",
	    "{\"text\":\"已告知转林业局\"}", NULL);
	add(sc, "s1", 10 * MIN, "complaint.referred", "T-s1-1",
	    "{\"to\":\"" BUREAU "\",\"note\":\"误转林业局，改转执法局\"}", NULL);
	address(sc, OTHER);
	address(sc, BUREAU);
	add(sc, "s1", 10 * MIN, "complaint.identity", "T-s1-1",
	    BODY_COMPLAINT_IDENTITY, NULL);
	address(sc, BUREAU);
	doc = fold_events(sc->evs, sc->n);
	assert_int_equal(json_array_size(json_object_get(doc, "conflicts")), 0);
	assert_string_equal(str(doc, "status"), "referred");
	assert_string_equal(str(doc, "handler"), BUREAU);
	assert_string_equal(str(json_object_get(doc, "referred"), "to"), BUREAU);
	assert_null(json_object_get(doc, "notified"));
	e = json_array_get(json_object_get(doc, "earlier_referrals"), 0);
	assert_string_equal(str(e, "to"), OTHER);
	assert_string_equal(str(json_object_get(e, "notified"), "text"),
	    "已告知转林业局");
	assert_dues(doc, again);
	json_decref(doc);

	/* The bureau cannot refer it on; the unit it left cannot reply. */
	add_unit(sc, "s2", BUREAU, 11 * MIN, "complaint.referred", "T-s1-1",
	    "{\"to\":\"县住建局\"}", "李四");
	add_unit(sc, "s5", OTHER, 12 * MIN, "complaint.replied", "T-s1-1",
	    "{\"result\":\"非本局职责\"}", "孙七");
	add(sc, "s1", 15 * MIN, "complaint.referred", "T-s1-1",
	    "{\"to\":\"" BUREAU "\"}", NULL);
	add_unit(sc, "s2", BUREAU, 20 * MIN, "complaint.replied", "T-s1-1",
	    "{\"result\":\"已罚款\"}", "李四");
	add(sc, "s1", 25 * MIN, "complaint.referred", "T-s1-1",
	    "{\"to\":\"县住建局\"}", NULL);
	add(sc, "s1", 26 * MIN, "complaint.notified", "T-s1-1",
	    "{\"text\":\"已告知转执法局\"}", NULL);
	doc = assert_order_free(sc, 111);
	assert_conflicts(doc, conflicts);
	assert_string_equal(str(doc, "status"), "replied");
	assert_string_equal(str(doc, "handler"), BUREAU);
	assert_string_equal(str(json_object_get(doc, "reply"), "unit"), BUREAU);
	assert_string_equal(str(json_object_get(doc, "notified"), "text"),
	    "已告知转执法局");
	assert_int_equal(json_array_size(json_object_get(doc,
	    "earlier_referrals")), 1);
	assert_string_equal(str(json_object_get(doc, "identity"), "name"),
	    "王五");
	assert_true(has_unit(json_object_get(doc, "audience"), OTHER));
	assert_true(has_unit(json_object_get(doc, "audience"), BUREAU));
	assert_dues(doc, none);
	json_decref(doc);
	scenario_free(sc);
}

/* One case, one referral: the one that stands. A referral withdrawn by
 * the referring unit leaves the case unreferred and its time to refer
 * open again, as due as before; the next referral does it, late here. */
static void
test_case_referral_withdrawn(void **state)
{
	static const char *const conflicts[] = {
		"s1/3 not_standing_referral",
		"s1/5 not_standing_referral",
		"s1/8 edit_after_close",
		NULL,
	};
	static const char *const open[] = { UNIT_UNIT " due gonghe/refer",
		NULL };
	static const char *const none[] = { NULL };
	struct scenario *sc = xcalloc(1, sizeof *sc);
	json_t *doc, *d, *w;

	add(sc, "s1", 0, "case.opened", "C-s1-1", BODY_CASE_DUE, NULL);
	add(sc, "s1", 1 * DAY, "case.referred", "C-s1-1",
	    "{\"referral\":\"R-s1-2\",\"to\":\"" OTHER "\"}", NULL);
	doc = fold_events(sc->evs, sc->n);
	assert_non_null(json_object_get(json_object_get(doc, "refer_due"),
	    "done_at"));
	assert_dues(doc, none);
	json_decref(doc);

	/* Not the referral that stands; then the one that does. */
	add(sc, "s1", 2 * DAY, "case.referral_withdrawn", "C-s1-1",
	    "{\"referral\":\"R-s1-99\",\"reason\":\"x\"}", NULL);
	add(sc, "s1", 2 * DAY + MIN, "case.referral_withdrawn", "C-s1-1",
	    "{\"referral\":\"R-s1-2\",\"reason\":\"误送林业局\"}", NULL);
	doc = fold_events(sc->evs, sc->n);
	assert_null(json_object_get(doc, "referred"));
	d = json_object_get(doc, "refer_due");
	assert_null(json_object_get(d, "done_at"));
	assert_null(json_object_get(d, "late"));
	assert_string_equal(str(d, "due"), "2026-11-25T23:59:59+08:00");
	assert_dues(doc, open);
	json_decref(doc);

	add(sc, "s1", 2 * DAY + 2 * MIN, "case.referral_withdrawn", "C-s1-1",
	    "{\"referral\":\"R-s1-2\",\"reason\":\"又撤\"}", NULL);
	add(sc, "s1", 6 * DAY, "case.referred", "C-s1-1",
	    "{\"referral\":\"R-s1-6\",\"to\":\"" BUREAU "\"}", NULL);
	add(sc, "s1", 7 * DAY, "case.closed", "C-s1-1", BODY_CASE_CLOSED, NULL);
	add(sc, "s1", 8 * DAY, "case.referral_withdrawn", "C-s1-1",
	    "{\"referral\":\"R-s1-6\",\"reason\":\"结案后\"}", NULL);
	doc = assert_order_free(sc, 112);
	assert_conflicts(doc, conflicts);
	assert_string_equal(str(doc, "status"), "closed");
	assert_string_equal(str(json_object_get(doc, "referred"), "referral"),
	    "R-s1-6");
	d = json_object_get(doc, "refer_due");
	assert_int_equal(json_integer_value(json_object_get(d, "done_at")),
	    UNIT_T0_MS + 6 * DAY);
	assert_true(is_true(d, "late"));
	assert_int_equal(json_array_size(json_object_get(doc,
	    "withdrawn_referrals")), 1);
	w = json_array_get(json_object_get(doc, "withdrawn_referrals"), 0);
	assert_string_equal(str(w, "referral"), "R-s1-2");
	assert_string_equal(str(w, "to"), OTHER);
	assert_string_equal(str(json_object_get(w, "withdrawn"), "reason"),
	    "误送林业局");
	assert_dues(doc, none);
	json_decref(doc);
	scenario_free(sc);
}

/* A referral entered after the time to refer, its paper letter sent
 * before (--sent-at): done when the letter left, on time. A sent_at
 * after the entry is the entry's time: nothing is done in the future. */
static void
test_case_referred_sent_at(void **state)
{
	struct scenario *sc = xcalloc(1, sizeof *sc);
	json_t *doc, *d;

	add(sc, "s1", 0, "case.opened", "C-s1-1", BODY_CASE_DUE, NULL);
	add(sc, "s1", 6 * DAY, "case.referred", "C-s1-1",
	    "{\"referral\":\"R-s1-2\",\"to\":\"" OTHER "\","
	    "\"sent_at\":\"2026-11-24T09:30:00+08:00\"}", NULL);
	doc = assert_order_free(sc, 113);
	d = json_object_get(doc, "refer_due");
	assert_int_equal(json_integer_value(json_object_get(d, "done_at")),
	    UNIT_T0_MS + 3 * DAY);
	assert_false(is_true(d, "late"));
	json_decref(doc);
	scenario_free(sc);

	sc = xcalloc(1, sizeof *sc);
	add(sc, "s1", 0, "case.opened", "C-s1-1", BODY_CASE_DUE, NULL);
	add(sc, "s1", 1 * DAY, "case.referred", "C-s1-1",
	    "{\"referral\":\"R-s1-2\",\"to\":\"" OTHER "\","
	    "\"sent_at\":\"2026-12-24T09:30:00+08:00\"}", NULL);
	doc = assert_order_free(sc, 114);
	d = json_object_get(doc, "refer_due");
	assert_int_equal(json_integer_value(json_object_get(d, "done_at")),
	    UNIT_T0_MS + 1 * DAY);
	json_decref(doc);
	scenario_free(sc);
}

/* The handling unit folds only what reaches it: the identity's copy is
 * its first identity. */
static void
test_complaint_at_handler(void **state)
{
	struct scenario *sc = xcalloc(1, sizeof *sc);
	json_t *doc;

	add(sc, "s1", 0, "complaint.recorded", "T-s1-1",
	    BODY_COMPLAINT_RECORDED, NULL);
	add(sc, "s1", 5 * MIN, "complaint.referred", "T-s1-1",
	    "{\"to\":\"" BUREAU "\"}", NULL);
	address(sc, BUREAU);
	add(sc, "s1", 5 * MIN, "complaint.identity", "T-s1-1",
	    "{\"name\":\"王五\"}", NULL);
	address(sc, BUREAU);
	add_unit(sc, "s2", BUREAU, 10 * MIN, "complaint.replied", "T-s1-1",
	    "{\"result\":\"已罚款\"}", "李四");
	doc = assert_order_free(sc, 110);
	assert_int_equal(json_array_size(json_object_get(doc, "conflicts")), 0);
	assert_string_equal(str(json_object_get(doc, "identity"), "name"),
	    "王五");
	json_decref(doc);
	scenario_free(sc);
}

/* The minutes of a regular meeting start the time to the next; the
 * convener's scheduling of the next one ends it, once. */
static void
test_meeting_next(void **state)
{
	static const char *const conflicts[] = {
		"s2/1 not_convener", "s1/4 already_followed", NULL };
	static const char *const owed[] = { UNIT_UNIT " due gu/meeting_interval",
		NULL };
	static const char *const none[] = { NULL };
	struct scenario *sc = xcalloc(1, sizeof *sc);
	json_t *doc, *d;

	add(sc, "s1", 0, "meeting.scheduled", "M-s1-1", BODY_MEETING_SCHEDULED,
	    NULL);
	add(sc, "s1", 19 * DAY, "meeting.minutes", "M-s1-1",
	    "{\"text\":\"纪要\"," DEADLINE("next_due",
	    "2027-06-10T23:59:59+08:00", "gu/meeting_interval") "}", NULL);
	doc = fold_events(sc->evs, sc->n);
	assert_dues(doc, owed);
	json_decref(doc);
	add_unit(sc, "s2", ASKED, 20 * DAY, "meeting.followed", "M-s1-1",
	    "{\"next\":\"M-s2-9\"}", "李四");
	add(sc, "s1", 100 * DAY, "meeting.followed", "M-s1-1",
	    "{\"next\":\"M-s1-9\"}", NULL);
	add(sc, "s1", 101 * DAY, "meeting.followed", "M-s1-1",
	    "{\"next\":\"M-s1-12\"}", NULL);
	doc = assert_order_free(sc, 111);
	assert_conflicts(doc, conflicts);
	assert_string_equal(str(doc, "followed_by"), "M-s1-9");
	d = json_object_get(doc, "next_due");
	assert_non_null(json_object_get(d, "done_at"));
	assert_false(is_true(d, "late"));
	assert_dues(doc, none);
	json_decref(doc);
	scenario_free(sc);

	/* Followed before its minutes: the time to the next is done at once. */
	sc = xcalloc(1, sizeof *sc);
	add(sc, "s1", 0, "meeting.scheduled", "M-s1-1", BODY_MEETING_SCHEDULED,
	    NULL);
	add(sc, "s1", 1 * DAY, "meeting.followed", "M-s1-1",
	    "{\"next\":\"M-s1-9\"}", NULL);
	add(sc, "s1", 19 * DAY, "meeting.minutes", "M-s1-1",
	    "{\"text\":\"纪要\"," DEADLINE("next_due",
	    "2027-06-10T23:59:59+08:00", "gu/meeting_interval") "}", NULL);
	doc = assert_order_free(sc, 112);
	assert_int_equal(json_array_size(json_object_get(doc, "conflicts")), 0);
	assert_dues(doc, none);
	json_decref(doc);
	scenario_free(sc);
}

#define BODY_SHARE_FORMED(due) \
	"{\"form\":\"info\",\"title\":\"本月执法统计\"," \
	"\"formed_at\":\"2026-11-21T09:00:00+08:00\",\"urgent\":false," \
	"\"officer\":\"张三\"," DEADLINE("send_due", due, "gonghe/share_info") "}"
#define BODY_SHARE_SENT "{\"to\":[\"" OTHER "\"],\"via\":\"platform\"}"
#define BODY_SHARE_EXTENDED(due) \
	"{" DEADLINE("send_due", due, "gonghe/share_info") ",\"reason\":\"整理中\"}"

/* formed -> extended -> shared -> shared again; sending by another unit,
 * an extension racing the sending, a send before creation: conflicts. */
static void
test_share(void **state)
{
	static const char *const conflicts[] = {
		"s1/2 before_creation",
		"s2/1 not_holder",
		"s3/1 already_shared",
		NULL,
	};
	static const char *const open[] = { UNIT_UNIT " due gonghe/share_info",
		NULL };
	static const char *const none[] = { NULL };
	struct scenario *sc = xcalloc(1, sizeof *sc);
	json_t *doc, *first, *d;

	add(sc, "s1", 0, "share.formed", "S-s1-1",
	    BODY_SHARE_FORMED("2026-11-23T23:59:59+08:00"), NULL);
	add(sc, "s1", -5 * MIN, "share.sent", "S-s1-1", BODY_SHARE_SENT, NULL);
	address(sc, OTHER);
	add_unit(sc, "s2", OTHER, 10 * MIN, "share.sent", "S-s1-1",
	    BODY_SHARE_SENT, "赵六");
	add(sc, "s1", 1 * DAY, "share.extended", "S-s1-1",
	    BODY_SHARE_EXTENDED("2026-11-25T23:59:59+08:00"), NULL);
	/* Sent on one station of the unit while another extends at the
	 * same instant: the sending wins on (hlc, station), everywhere. */
	add(sc, "s1", 3 * DAY, "share.sent", "S-s1-1", BODY_SHARE_SENT, NULL);
	address(sc, OTHER);
	add(sc, "s3", 3 * DAY, "share.extended", "S-s1-1",
	    BODY_SHARE_EXTENDED("2026-11-30T23:59:59+08:00"), NULL);
	add(sc, "s1", 4 * DAY, "share.sent", "S-s1-1",
	    "{\"to\":[\"" ASKED "\"],\"via\":\"written\",\"note\":\"补充\"}",
	    NULL);
	address(sc, ASKED);
	first = fold_events(sc->evs, 1);
	assert_string_equal(str(first, "status"), "formed");
	assert_dues(first, open);
	json_decref(first);

	doc = assert_order_free(sc, 103);
	assert_string_equal(str(doc, "status"), "shared");
	assert_conflicts(doc, conflicts);
	d = json_object_get(doc, "send_due");
	assert_string_equal(str(d, "due"), "2026-11-25T23:59:59+08:00");
	assert_false(is_true(d, "late"));
	assert_int_equal(json_array_size(json_object_get(doc, "sent")), 2);
	assert_int_equal(json_array_size(json_object_get(doc, "extensions")), 1);
	assert_true(has_unit(json_object_get(doc, "audience"), OTHER));
	assert_true(has_unit(json_object_get(doc, "audience"), ASKED));
	assert_dues(doc, none);
	json_decref(doc);
	scenario_free(sc);
}

/* An extension after the deadline is a conflict; sending then is late. */
static void
test_share_late(void **state)
{
	static const char *const conflicts[] = {
		"s1/2 extension_after_deadline",
		NULL,
	};
	struct scenario *sc = xcalloc(1, sizeof *sc);
	json_t *doc, *d;

	add(sc, "s1", 0, "share.formed", "S-s1-1",
	    BODY_SHARE_FORMED("2026-11-21T23:59:59+08:00"), NULL);
	add(sc, "s1", 2 * DAY, "share.extended", "S-s1-1",
	    BODY_SHARE_EXTENDED("2026-11-30T23:59:59+08:00"), NULL);
	add(sc, "s1", 2 * DAY + MIN, "share.sent", "S-s1-1", BODY_SHARE_SENT,
	    NULL);
	address(sc, OTHER);
	doc = assert_order_free(sc, 104);
	assert_conflicts(doc, conflicts);
	d = json_object_get(doc, "send_due");
	assert_string_equal(str(d, "due"), "2026-11-21T23:59:59+08:00");
	assert_true(is_true(d, "late"));
	json_decref(doc);
	scenario_free(sc);
}

/* sent -> replied by the unit addressed; the sender answering itself, a
 * second answer and a reply before the opinion are conflicts. */
static void
test_supervision(void **state)
{
	static const char *const conflicts[] = {
		"s2/1 before_creation",
		"s1/2 not_addressed",
		"s3/1 already_answered",
		NULL,
	};
	static const char *const open[] = {
		ASKED " due gonghe/supervision_reply", NULL };
	static const char *const none[] = { NULL };
	struct scenario *sc = xcalloc(1, sizeof *sc);
	json_t *doc, *first, *d;

	add(sc, "s1", 0, "supervision.sent", "V-s1-1",
	    "{\"form\":\"opinion\",\"to\":\"" ASKED "\",\"subject\":\"处罚偏轻\","
	    "\"text\":\"建议重新裁量\",\"officer\":\"张三\","
	    DEADLINE("reply_due", "2026-12-01T23:59:59+08:00",
	    "gonghe/supervision_reply") "}", NULL);
	address(sc, ASKED);
	add_unit(sc, "s2", ASKED, -5 * MIN, "supervision.replied", "V-s1-1",
	    "{\"text\":\"先答\"}", "李四");
	add(sc, "s1", 30 * MIN, "supervision.replied", "V-s1-1",
	    "{\"text\":\"自答\"}", NULL);
	/* Two stations of the unit addressed answer at the same instant. */
	add_unit(sc, "s2", ASKED, 1 * DAY, "supervision.replied", "V-s1-1",
	    "{\"text\":\"已重新裁量\"}", "李四");
	add_unit(sc, "s3", ASKED, 1 * DAY, "supervision.replied", "V-s1-1",
	    "{\"text\":\"维持原决定\"}", "孙七");
	first = fold_events(sc->evs, 1);
	assert_string_equal(str(first, "status"), "sent");
	assert_dues(first, open);
	json_decref(first);

	doc = assert_order_free(sc, 105);
	assert_string_equal(str(doc, "status"), "replied");
	assert_conflicts(doc, conflicts);
	d = json_object_get(doc, "reply");
	assert_string_equal(str(d, "text"), "已重新裁量");
	assert_string_equal(str(d, "unit"), ASKED);
	assert_false(is_true(json_object_get(doc, "reply_due"), "late"));
	assert_dues(doc, none);
	json_decref(doc);
	scenario_free(sc);
}

static void
test_reason_texts(void **state)
{
	static const char *const codes[] = { "already_answered",
		"not_asked_unit", "not_sealed", "not_called_unit",
		"escalated_by_called_unit", "topic_after_meeting",
		"topic_after_deadline", "minutes_twice", "not_convener",
		"resolution_before_minutes", "no_such_resolution", "not_owner",
		"resolution_done", "not_first_contact", "already_referred",
		"not_referred", "already_notified", "not_handler",
		"already_replied", "already_followed", "not_holder",
		"already_shared", "not_addressed", "not_standing_referral",
		"already_arrived", NULL };
	size_t i;

	for (i = 0; codes[i] != NULL; i++)
		assert_string_not_equal(fold_reason_text(codes[i]), codes[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_assist_answered),
		cmocka_unit_test(test_assist_extended),
		cmocka_unit_test(test_whistle),
		cmocka_unit_test(test_whistle_race),
		cmocka_unit_test(test_referral_onsite),
		cmocka_unit_test(test_referral_states),
		cmocka_unit_test(test_acted_floor),
		cmocka_unit_test(test_meeting_minutes),
		cmocka_unit_test(test_meeting_followup),
		cmocka_unit_test(test_meeting_followup_ref),
		cmocka_unit_test(test_meeting_late_notice),
		cmocka_unit_test(test_meeting_next),
		cmocka_unit_test(test_complaint_referral),
		cmocka_unit_test(test_complaint_referred_again),
		cmocka_unit_test(test_case_referral_withdrawn),
		cmocka_unit_test(test_case_referred_sent_at),
		cmocka_unit_test(test_complaint_at_handler),
		cmocka_unit_test(test_share),
		cmocka_unit_test(test_share_late),
		cmocka_unit_test(test_supervision),
		cmocka_unit_test(test_reason_texts),
	};

	return cmocka_run_group_tests(tests, harness_sodium, NULL);
}
