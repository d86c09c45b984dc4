/*
 * test-fold.c - projections as a pure fold of an entity's events.
 *
 * The property that makes replicas agree: the same set of events, in
 * whatever order it arrived, gives byte-identical projections. Each
 * scenario below arrives in every order it has (up to 2,000 random ones
 * when it has more), folded the way a station does as events trickle in
 * (fold_is_next/fold_apply, with a full re-fold when one arrives out of
 * order, as ledger.c does), some of them in a real station database, and
 * every result must equal the fold in (hlc, station, seq) order
 * (scenario.h).
 *
 * The shuffles come from a fixed-seed xorshift generator so that a
 * failure can be replayed exactly.
 */
#include "harness.h"

#include <stdio.h>

#include "fold.h"
#include "unit.h"

#include "scenario.h"

/*
 * A case opened on s1, updated by s2 and s3, closed by s1 while s3's edit
 * races the close (same hlc, later station), plus an edit from a clock
 * that was behind the opening, a late note and a second close.
 */
static struct scenario *
case_scenario(void)
{
	struct scenario *sc = xcalloc(1, sizeof *sc);

	add(sc, "s1", 0, "case.opened", "C-s1-1", BODY_CASE_OPENED, "张三");
	add(sc, "s3", -10 * MIN, "case.updated", "C-s1-1", "{\"urgent\":true}",
	    "王五");
	add(sc, "s2", 5 * MIN, "case.updated", "C-s1-1",
	    "{\"location\":\"龙羊峡镇东街\",\"note\":\"已到现场\"}", "李四");
	add(sc, "s3", 7 * MIN, "case.updated", "C-s1-1",
	    "{\"category\":\"违法建设\",\"parties\":[\"王某\"]}", "王五");
	add(sc, "s2", 9 * MIN, "case.updated", "C-s1-1",
	    "{\"note\":\"当事人已联系\"}", "李四");
	add(sc, "s2", 20 * MIN - 1, "case.updated", "C-s1-1",
	    "{\"officer\":\"李四\"}", "李四");
	add(sc, "s1", 20 * MIN, "case.closed", "C-s1-1", BODY_CASE_CLOSED,
	    "张三");
	add(sc, "s3", 20 * MIN, "case.updated", "C-s1-1",
	    "{\"description\":\"改为无照经营\"}", "王五");
	add(sc, "s3", 25 * MIN, "case.updated", "C-s1-1",
	    "{\"note\":\"迟到的备注\"}", "王五");
	add(sc, "s2", 30 * MIN, "case.closed", "C-s1-1",
	    "{\"reason\":\"重复关闭\"}", "李四");
	return sc;
}

/* A complaint whose identity is recorded once, sent again from another
 * station, and once from a clock behind the complaint itself. */
static struct scenario *
complaint_scenario(void)
{
	struct scenario *sc = xcalloc(1, sizeof *sc);

	add(sc, "s1", 0, "complaint.recorded", "T-s1-1", BODY_COMPLAINT_RECORDED,
	    NULL);
	add(sc, "s1", 1 * MIN, "complaint.identity", "T-s1-1",
	    BODY_COMPLAINT_IDENTITY, NULL);
	add(sc, "s2", 2 * MIN, "complaint.identity", "T-s1-1",
	    "{\"name\":\"赵六\"}", NULL);
	add(sc, "s3", -5 * MIN, "complaint.identity", "T-s1-1",
	    "{\"name\":\"孙七\"}", NULL);
	add(sc, "s1", 3 * MIN, "complaint.recorded", "T-s1-1",
	    BODY_COMPLAINT_RECORDED, NULL);
	return sc;
}

static struct scenario *
liaison_scenario(void)
{
	struct scenario *sc = xcalloc(1, sizeof *sc);

	add(sc, "s2", 0, "liaison.logged", "L-s2-1",
	    "{\"activity\":\"meeting\",\"date\":\"2026-11-21T14:00:00+08:00\","
	    "\"counterpart\":\"县自然资源局\",\"place\":\"镇政府二楼会议室\","
	    "\"summary\":\"研究违法占地处置\",\"officer\":\"赵六\","
	    "\"participants\":[\"赵六\",\"钱八\"]}", "赵六");
	add(sc, "s1", 1 * MIN, "liaison.logged", "L-s2-1", BODY_LIAISON_LOGGED,
	    NULL);
	return sc;
}

static void
test_case_order_free(void **state)
{
	static const char *const conflicts[] = {
		"s3/1 before_creation",
		"s3/3 edit_after_close",
		"s3/4 edit_after_close",
		"s2/4 already_closed",
		NULL,
	};
	struct scenario *sc = case_scenario();
	json_t *doc = assert_order_free(sc, UINT64_C(0x9e3779b97f4a7c15));
	json_t *notes, *closed;
	char *search;

	assert_string_equal(str(doc, "type"), "case");
	assert_string_equal(str(doc, "entity"), "C-s1-1");
	assert_string_equal(str(doc, "status"), "closed");
	assert_int_equal(json_integer_value(json_object_get(doc, "events")), 10);
	assert_conflicts(doc, conflicts);

	/* Edits before the close were applied... */
	assert_string_equal(str(doc, "location"), "龙羊峡镇东街");
	assert_string_equal(str(doc, "category"), "违法建设");
	assert_string_equal(str(doc, "officer"), "李四");
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(doc, "parties"), 0)), "王某");
	notes = json_object_get(doc, "notes");
	assert_int_equal(json_array_size(notes), 2);
	assert_string_equal(str(json_array_get(notes, 0), "note"), "已到现场");
	assert_string_equal(str(json_array_get(notes, 0), "by"), "李四");
	assert_string_equal(str(json_array_get(notes, 1), "note"),
	    "当事人已联系");
	/* ...while conflicting ones changed nothing. */
	assert_true(json_is_false(json_object_get(doc, "urgent")));
	assert_string_equal(str(doc, "description"), "占道经营，堵塞通道");
	assert_null(json_object_get(doc, "note"));
	closed = json_object_get(doc, "closed");
	assert_string_equal(str(closed, "reason"), "已责令改正");
	assert_string_equal(str(closed, "by"), "张三");
	assert_int_equal(json_integer_value(json_object_get(closed, "at")),
	    UNIT_T0_MS + 20 * MIN);
	assert_string_equal(str(doc, "created_by"), "张三");
	assert_string_equal(str(doc, "updated_by"), "张三");
	assert_int_equal(json_integer_value(json_object_get(doc, "updated_at")),
	    UNIT_T0_MS + 20 * MIN);
	assert_int_equal(json_integer_value(json_object_get(
	    json_object_get(doc, "last"), "hlc")),
	    (UNIT_T0_MS + 30 * MIN) << HLC_SHIFT);

	search = fold_search_text(doc);
	assert_non_null(strstr(search, "违法建设"));
	assert_non_null(strstr(search, "龙羊峡镇东街"));
	assert_non_null(strstr(search, "王某"));
	assert_non_null(strstr(search, "已责令改正"));
	assert_non_null(strstr(search, "当事人已联系"));
	assert_null(strstr(search, "迟到的备注"));
	assert_null(strstr(search, "改为无照经营"));
	free(search);

	json_decref(doc);
	scenario_free(sc);
}

/*
 * A race is decided by (hlc, station, seq) order, not by arrival: at the
 * close's hlc, an edit from a station that sorts before it is applied and
 * one from a station that sorts after it is a conflict, whatever their
 * seqs say.
 */
static void
test_race_decided_by_order(void **state)
{
	static const char *const conflicts[] = { "s5/1 edit_after_close",
		NULL };
	struct scenario *sc = xcalloc(1, sizeof *sc);
	json_t *doc;

	add(sc, "s1", 0, "case.opened", "C-s1-1", BODY_CASE_OPENED, NULL);
	add(sc, "s1", 20 * MIN, "case.closed", "C-s1-1", BODY_CASE_CLOSED, NULL);
	add_seq(sc, "s0", 9, 20 * MIN, "case.updated", "C-s1-1",
	    "{\"matter\":\"同时刻，较小站号\"}", NULL);
	add_seq(sc, "s5", 1, 20 * MIN, "case.updated", "C-s1-1",
	    "{\"officer\":\"同时刻，较大站号\"}", NULL);
	doc = assert_order_free(sc, 42);
	assert_string_equal(str(doc, "matter"), "同时刻，较小站号");
	assert_string_equal(str(doc, "officer"), "张三");
	assert_conflicts(doc, conflicts);
	assert_string_equal(str(doc, "status"), "closed");
	json_decref(doc);
	scenario_free(sc);
}

static void
test_complaint_identity(void **state)
{
	static const char *const conflicts[] = {
		"s3/1 before_creation",
		"s2/1 identity_twice",
		"s1/3 not_own_id",
		NULL,
	};
	struct scenario *sc = complaint_scenario();
	json_t *doc = assert_order_free(sc, UINT64_C(0xdeadbeefcafef00d));
	json_t *id;
	char *search;

	assert_string_equal(str(doc, "type"), "complaint");
	assert_string_equal(str(doc, "status"), "received");
	assert_string_equal(str(doc, "form"), "complaint");
	assert_string_equal(str(doc, "channel"), "phone");
	assert_string_equal(str(doc, "matter"), "噪音扰民");
	assert_conflicts(doc, conflicts);
	id = json_object_get(doc, "identity");
	assert_non_null(id);
	assert_int_equal(json_object_size(id), 2);
	assert_string_equal(str(id, "name"), "王五");
	assert_string_equal(str(id, "phone"), "138 0000 0000");
	/* The identity is kept apart: not on the record itself... */
	assert_null(json_object_get(doc, "name"));
	assert_null(json_object_get(doc, "phone"));
	/* ...and never in the search index. */
	search = fold_search_text(doc);
	assert_non_null(strstr(search, "噪音扰民"));
	assert_non_null(strstr(search, "夜间施工噪音"));
	assert_null(strstr(search, "王五"));
	assert_null(strstr(search, "赵六"));
	assert_null(strstr(search, "孙七"));
	assert_null(strstr(search, "138"));
	free(search);
	json_decref(doc);
	scenario_free(sc);
}

static void
test_liaison(void **state)
{
	static const char *const conflicts[] = { "s1/1 not_own_id", NULL };
	struct scenario *sc = liaison_scenario();
	/* The impostor's event is refused in either order: no sort needed. */
	json_t *doc = assert_order_free_opt(sc, 7, ORDER_FREE_COMMUTES);
	char *search;

	assert_string_equal(str(doc, "type"), "liaison");
	assert_string_equal(str(doc, "status"), "logged");
	assert_string_equal(str(doc, "activity"), "meeting");
	assert_string_equal(str(doc, "counterpart"), "县自然资源局");
	assert_string_equal(str(doc, "created_by"), "赵六");
	assert_string_equal(str(doc, "station"), "s2");
	assert_string_equal(str(doc, "unit"), UNIT_UNIT);
	assert_int_equal(json_array_size(json_object_get(doc, "participants")),
	    2);
	assert_int_equal(json_integer_value(json_object_get(doc, "events")), 2);
	assert_conflicts(doc, conflicts);
	search = fold_search_text(doc);
	assert_non_null(strstr(search, "研究违法占地处置"));
	assert_non_null(strstr(search, "镇政府二楼会议室"));
	assert_non_null(strstr(search, "县自然资源局"));
	assert_null(strstr(search, "联席会议"));
	free(search);
	json_decref(doc);
	scenario_free(sc);
}

/* Attachments (issue 18): each joins the record's list in fold order,
 * whoever's unit sent it (authority is the server's), also after the
 * close; one before the record exists is a conflict. */
#define ATT(h, name, conf) \
	"{\"hash\":\"" h "\",\"size\":3,\"type\":\"image/jpeg\"," \
	"\"name\":\"" name "\",\"confidential\":" conf "}"
#define H1 "1111111111111111111111111111111111111111111111111111111111111111"
#define H2 "2222222222222222222222222222222222222222222222222222222222222222"

static void
test_attachments(void **state)
{
	static const char *const conflicts[] = { "s2/1 before_creation", NULL };
	struct scenario *sc = xcalloc(1, sizeof *sc);
	json_t *doc, *list;
	char *search;

	add(sc, "s2", -5 * MIN, "case.attached", "C-s1-1",
	    ATT(H2, "早到.jpg", "false"), "李四");
	add(sc, "s1", 0, "case.opened", "C-s1-1", BODY_CASE_OPENED, "张三");
	add(sc, "s1", 5 * MIN, "case.attached", "C-s1-1",
	    ATT(H1, "现场.jpg", "false"), "张三");
	add(sc, "s1", 10 * MIN, "case.closed", "C-s1-1", BODY_CASE_CLOSED,
	    "张三");
	add(sc, "s3", 15 * MIN, "case.attached", "C-s1-1",
	    ATT(H2, "询问笔录.jpg", "true"), "王五");
	doc = assert_order_free(sc, 11);
	assert_string_equal(str(doc, "status"), "closed");
	list = json_object_get(doc, "attachments");
	assert_int_equal(json_array_size(list), 2);
	assert_string_equal(str(json_array_get(list, 0), "hash"), H1);
	assert_string_equal(str(json_array_get(list, 0), "name"), "现场.jpg");
	assert_string_equal(str(json_array_get(list, 0), "type"), "image/jpeg");
	assert_string_equal(str(json_array_get(list, 0), "by"), "张三");
	assert_string_equal(str(json_array_get(list, 0), "unit"), UNIT_UNIT);
	assert_int_equal(json_integer_value(json_object_get(
	    json_array_get(list, 0), "size")), 3);
	assert_true(json_is_false(json_object_get(json_array_get(list, 0),
	    "confidential")));
	assert_null(json_object_get(json_array_get(list, 0), "caption"));
	assert_string_equal(str(json_array_get(list, 1), "name"), "询问笔录.jpg");
	assert_true(json_is_true(json_object_get(json_array_get(list, 1),
	    "confidential")));
	assert_conflicts(doc, conflicts);
	/* Names and captions are not searched: a confidential one's must
	 * not be. */
	search = fold_search_text(doc);
	assert_null(strstr(search, "询问笔录"));
	free(search);
	json_decref(doc);
	scenario_free(sc);
}

/* Every kind that creates a record does so once, for any entity type the
 * registry has (referral.sent and whatever comes after it). */
static void
test_every_creating_kind(void **state)
{
	static const char *const conflicts[] = { "s2/1 not_own_id", NULL };
	const struct kind_info *k;
	size_t i, n = 0;

	for (i = 0; (k = kind_at(i)) != NULL; i++) {
		struct scenario *sc;
		char entity[16];
		json_t *body, *doc;
		char *text;

		if (!k->creates)
			continue;
		n++;
		snprintf(entity, sizeof entity, "%c-s1-1", k->etype->letter);
		sc = xcalloc(1, sizeof *sc);
		body = unit_body(k, 0);
		text = json_dumps(body, JSON_COMPACT);
		add(sc, "s1", 0, k->name, entity, text, NULL);
		add(sc, "s2", MIN, k->name, entity, text, "李四");
		free(text);
		/* s2 cannot create s1's record, in either order. */
		doc = assert_order_free_opt(sc, i + 1, ORDER_FREE_COMMUTES);
		assert_string_equal(str(doc, "type"), k->etype->name);
		assert_string_equal(str(doc, "entity"), entity);
		assert_true(str(doc, "status")[0] != '\0');
		assert_string_equal(str(doc, "created_by"), "张三");
		assert_string_equal(str(doc, "station"), "s1");
		assert_int_equal(json_integer_value(json_object_get(doc, "events")),
		    2);
		assert_conflicts(doc, conflicts);
		/* The body's fields are on the record. */
		assert_true(json_equal(json_object_get(doc, k->fields[0].name),
		    json_object_get(body, k->fields[0].name)));
		json_decref(body);
		json_decref(doc);
		scenario_free(sc);
	}
	assert_true(n >= 3);
}

static void
test_fold_new(void **state)
{
	json_t *doc = fold_new("C-s1-1");
	char *s = encode(doc);

	assert_string_equal(s, "{\"conflicts\":[],\"entity\":\"C-s1-1\","
	    "\"events\":0,\"status\":null,\"type\":\"case\",\"v\":1}");
	free(s);
	json_decref(doc);
	doc = fold_new("T-s1-1");
	assert_string_equal(str(doc, "type"), "complaint");
	json_decref(doc);
	doc = fold_new("L-s1-1");
	assert_string_equal(str(doc, "type"), "liaison");
	json_decref(doc);
	assert_null(fold_new("X-s1-1"));
	assert_null(fold_new(""));
	assert_null(fold_events(NULL, 0));
}

static void
test_apply_and_is_next(void **state)
{
	struct scenario *sc = case_scenario();
	json_t *doc = fold_new("C-s1-1");
	const struct event *open = &sc->evs[0], *early = &sc->evs[1];
	const struct event *close = &sc->evs[6], *racer = &sc->evs[7];
	const struct event *late = &sc->evs[5];

	/* Anything is next on an empty projection. */
	assert_true(fold_is_next(doc, early));
	assert_int_equal(fold_apply(doc, open), 0);
	assert_false(fold_is_next(doc, open));   /* the same event again */
	assert_false(fold_is_next(doc, early));  /* an earlier hlc */
	assert_true(fold_is_next(doc, late));
	assert_int_equal(fold_apply(doc, close), 0);
	/* Same hlc as the close: the station decides. */
	assert_true(fold_is_next(doc, racer));
	assert_false(fold_is_next(doc, late));
	assert_int_equal(fold_apply(doc, racer), 1);
	assert_int_equal(fold_apply(doc, &sc->evs[9]), 1);
	assert_string_equal(str(doc, "status"), "closed");
	assert_int_equal(json_integer_value(json_object_get(doc, "events")), 4);
	json_decref(doc);

	/* Before creation: a conflict, and the record stays uncreated. */
	doc = fold_new("C-s1-1");
	assert_int_equal(fold_apply(doc, late), 1);
	assert_true(json_is_null(json_object_get(doc, "status")));
	assert_null(json_object_get(doc, "officer"));
	json_decref(doc);
	scenario_free(sc);
}

/*
 * What a replica checks itself of who may write what (the server checks
 * the same, merge.h): another unit cannot edit or close a case, record a
 * complainant's identity, or create a record under another station's id;
 * none of it changes the record, each is kept as a conflict.
 */
static void
test_authority(void **state)
{
	static const char *const case_conflicts[] = {
		"x9/3 not_own_id", "x9/1 not_creator", "x9/2 not_creator", NULL };
	static const char *const complaint_conflicts[] = {
		"x9/1 not_first_contact", NULL };
	struct scenario *sc = xcalloc(1, sizeof *sc);
	json_t *doc;

	add(sc, "s1", 0, "case.opened", "C-s1-1", BODY_CASE_OPENED, "张三");
	add_unit(sc, "x9", "他乡镇", 5 * MIN, "case.updated", "C-s1-1",
	    "{\"description\":\"篡改\"}", "攻击者");
	add_unit(sc, "x9", "他乡镇", 6 * MIN, "case.closed", "C-s1-1",
	    "{\"reason\":\"篡改\"}", "攻击者");
	/* A squat: the attacker's creation of the id s1 made. */
	add_unit(sc, "x9", "他乡镇", -5 * MIN, "case.opened", "C-s1-1",
	    BODY_CASE_OPENED, "攻击者");
	sc->evs[sc->n - 1].seq = 3;
	event_seal(&sc->evs[sc->n - 1]);
	doc = assert_order_free(sc, 42);
	assert_string_equal(str(doc, "status"), "open");
	assert_string_equal(str(doc, "created_by"), "张三");
	assert_null(json_object_get(doc, "closed"));
	assert_null(strstr(str(doc, "description"), "篡改"));
	assert_conflicts(doc, case_conflicts);
	json_decref(doc);
	scenario_free(sc);

	sc = xcalloc(1, sizeof *sc);
	add(sc, "s1", 0, "complaint.recorded", "T-s1-1", BODY_COMPLAINT_RECORDED,
	    NULL);
	add_unit(sc, "x9", "他乡镇", 1, "complaint.identity", "T-s1-1",
	    "{\"name\":\"假名\"}", "攻击者");
	add(sc, "s1", 2, "complaint.identity", "T-s1-1",
	    BODY_COMPLAINT_IDENTITY, NULL);
	doc = assert_order_free(sc, 43);
	assert_string_equal(str(json_object_get(doc, "identity"), "name"),
	    "王五");
	assert_conflicts(doc, complaint_conflicts);
	json_decref(doc);
	scenario_free(sc);
}

/* Receipts (fold_received): the earliest stands whatever order they
 * come in, its deadline replaces the sender's, one by another unit than
 * the one addressed is a conflict, and a deadline done before a receipt
 * stays done. */
#define RDUE(d) "{\"due\":\"2026-05-" d "T23:59:59+08:00\"," \
	"\"rule\":\"gonghe/supervision_reply\",\"basis\":\"7 workdays\"," \
	"\"assumed\":false}"
#define OPINION "{\"form\":\"opinion\",\"to\":\"县综合行政执法局\"," \
	"\"sent_at\":\"2026-05-06T09:00:00+08:00\"," \
	"\"subject\":\"执法意见\",\"text\":\"请书面回复\"," \
	"\"officer\":\"王芳\",\"reply_due\":" RDUE("13") "}"
#define RECEIPT(day, basis, due) "{\"received_at\":\"2026-05-" day \
	"T09:00:00+08:00\",\"basis\":\"" basis "\",\"reply_due\":" RDUE(due) "}"

static void
test_receipt(void **state)
{
	static const char *const strangers[] = {
		"x9/1 receipt_not_addressed", "b1/3 received_before_sent",
		NULL };
	struct scenario *sc = xcalloc(1, sizeof *sc);
	json_t *doc, *r;

	add(sc, "s1", 0, "supervision.sent", "V-s1-1", OPINION, "王芳");
	add_unit(sc, "b1", "县综合行政执法局", 5 * MIN, "supervision.received",
	    "V-s1-1", RECEIPT("20", "server", "29"), "联动系统");
	add_unit(sc, "b2", "县综合行政执法局", 9 * MIN, "supervision.received",
	    "V-s1-1", RECEIPT("08", "paper", "18"), "李强");
	add_unit(sc, "b1", "县综合行政执法局", 12 * MIN, "supervision.received",
	    "V-s1-1", RECEIPT("19", "paper", "28"), "李强");
	add_unit(sc, "x9", "他乡镇", 13 * MIN, "supervision.received",
	    "V-s1-1", RECEIPT("01", "paper", "11"), "攻击者");
	/* Before the letter was sent: refused, though the earliest. */
	add_unit(sc, "b1", "县综合行政执法局", 14 * MIN, "supervision.received",
	    "V-s1-1", RECEIPT("05", "paper", "15"), "李强");
	doc = assert_order_free(sc, 44);
	r = json_object_get(doc, "received");
	assert_string_equal(str(r, "at"), "2026-05-08T09:00:00+08:00");
	assert_string_equal(str(r, "basis"), "paper");
	assert_string_equal(str(r, "by"), "李强");
	assert_string_equal(str(r, "unit"), "县综合行政执法局");
	assert_true(json_is_integer(json_object_get(r, "recorded_at")));
	assert_string_equal(str(json_object_get(doc, "reply_due"), "due"),
	    "2026-05-18T23:59:59+08:00");
	assert_conflicts(doc, strangers);
	json_decref(doc);
	scenario_free(sc);

	/* Replied before the receipt came: the reply's deadline stays done. */
	sc = xcalloc(1, sizeof *sc);
	add(sc, "s1", 0, "supervision.sent", "V-s1-1", OPINION, "王芳");
	add_unit(sc, "b1", "县综合行政执法局", 5 * MIN, "supervision.replied",
	    "V-s1-1", "{\"text\":\"已整改\"}", "李强");
	add_unit(sc, "b1", "县综合行政执法局", 6 * MIN, "supervision.received",
	    "V-s1-1", RECEIPT("20", "server", "29"), "联动系统");
	doc = assert_order_free(sc, 45);
	assert_string_equal(str(json_object_get(doc, "reply_due"), "due"),
	    "2026-05-13T23:59:59+08:00");
	assert_non_null(json_object_get(json_object_get(doc, "reply_due"),
	    "done_at"));
	assert_string_equal(str(json_object_get(doc, "received"), "basis"),
	    "server");
	json_decref(doc);
	scenario_free(sc);

	/* The bounds alone. Entered by hand, without sent_at: not before
	 * the sender recorded it; the fold (no flag) holds it to sent_at
	 * alone, whatever the sender's clock. After now only where a clock
	 * is asked (now > 0). */
	doc = json_pack("{s:I}", "created_at", (json_int_t)1000);
	assert_string_equal(fold_receipt_refused(doc, 999, 0, RECEIPT_ENTERED),
	    "received_before_sent");
	assert_null(fold_receipt_refused(doc, 999, 0, 0));
	assert_null(fold_receipt_refused(doc, 1000, 1500, RECEIPT_ENTERED));
	assert_string_equal(fold_receipt_refused(doc, 1600, 1500, 0),
	    "received_in_future");
	assert_null(fold_receipt_refused(doc, 1600, 0, 0));
	json_object_set_new(doc, "sent_at",
	    json_string("1970-01-01T08:00:00+08:00"));
	assert_null(fold_receipt_refused(doc, 999, 0, RECEIPT_ENTERED));
	assert_string_equal(fold_receipt_refused(doc, -1, 0, 0),
	    "received_before_sent");
	json_decref(doc);
}

static void
test_reason_texts(void **state)
{
	static const char *const codes[] = { "already_created",
		"before_creation", "edit_after_close", "already_closed",
		"identity_twice", "unknown_kind", "not_own_id", "not_creator",
		"not_party", "not_escalated_to", "not_caller", "not_invited",
		NULL };
	size_t i;

	for (i = 0; codes[i] != NULL; i++) {
		const char *t = fold_reason_text(codes[i]);
		assert_non_null(t);
		assert_string_not_equal(t, codes[i]);
	}
	assert_string_equal(fold_reason_text("no_such_code"), "no_such_code");
}

/* A projection holds its own copies of an event's objects and arrays
 * (fold_copy): marking a deadline done changes the record, never the
 * event it came from, nor another record folded from the same event;
 * its strings may be shared, as nothing changes one in place. */
static void
test_projection_apart_from_events(void **state)
{
	struct event sent, replied;
	json_t *doc, *again, *due;

	unit_event(&sent, "s1", 1, (UNIT_T0_MS << HLC_SHIFT) | 1,
	    "supervision.sent", "V-s1-1", OPINION, NULL);
	unit_event(&replied, "b1", 1, (UNIT_T0_MS << HLC_SHIFT) | 2,
	    "supervision.replied", "V-s1-1", "{\"text\":\"已整改\"}", NULL);
	free(replied.unit);
	replied.unit = xstrdup("县综合行政执法局");
	doc = fold_new("V-s1-1");
	assert_int_equal(fold_apply(doc, &sent), 0);
	again = fold_new("V-s1-1");
	assert_int_equal(fold_apply(again, &sent), 0);
	assert_int_equal(fold_apply(doc, &replied), 0);
	due = json_object_get(doc, "reply_due");
	assert_non_null(json_object_get(due, "done_at"));
	assert_ptr_not_equal(due, json_object_get(sent.body, "reply_due"));
	assert_null(json_object_get(json_object_get(sent.body, "reply_due"),
	    "done_at"));
	assert_null(json_object_get(json_object_get(again, "reply_due"),
	    "done_at"));
	assert_ptr_not_equal(json_object_get(doc, "audience"), sent.audience);
	assert_int_equal(json_array_size(sent.audience), 1);
	assert_string_equal(str(json_object_get(doc, "reply_due"), "due"),
	    "2026-05-13T23:59:59+08:00");
	json_decref(doc);
	json_decref(again);
	event_release(&sent);
	event_release(&replied);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold_new),
		cmocka_unit_test(test_apply_and_is_next),
		cmocka_unit_test(test_case_order_free),
		cmocka_unit_test(test_race_decided_by_order),
		cmocka_unit_test(test_complaint_identity),
		cmocka_unit_test(test_liaison),
		cmocka_unit_test(test_attachments),
		cmocka_unit_test(test_every_creating_kind),
		cmocka_unit_test(test_authority),
		cmocka_unit_test(test_receipt),
		cmocka_unit_test(test_reason_texts),
		cmocka_unit_test(test_projection_apart_from_events),
	};

	return cmocka_run_group_tests(tests, harness_sodium, NULL);
}
