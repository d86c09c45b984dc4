/*
 * test-event.c - the event envelope: its JSON form, parsing, the checks
 * event_validate makes on every field, station ids and the fold order.
 *
 * The hash chain itself is tested in test-hash.c, body schemas in
 * test-kinds.c.
 */
#include "harness.h"

#include <stdio.h>

#include "unit.h"

#define H0 (UNIT_T0_MS << HLC_SHIFT)

/* A valid, sealed case.opened event of station s1, seq 1. */
static void
sample(struct event *ev)
{
	unit_event(ev, "s1", 1, H0 | 3, "case.opened", "C-s1-1",
	    BODY_CASE_OPENED, NULL);
	unit_assert_valid(ev);
}

/* Re-seals ev and checks event_validate now refuses it with code. */
static void
assert_invalid(struct event *ev, int code, const char *what)
{
	char err[LD_ERRLEN] = "";
	int rc;

	event_seal(ev);
	rc = event_validate(ev, err);
	if (rc != code)
		fail_msg("%s: event_validate gave %d, want %d (%s)", what, rc,
		    code, err);
	assert_true(err[0] != '\0');
}

/* Parses text as an event and checks the result code. */
static void
assert_parse_code(const char *text, int code)
{
	char err[LD_ERRLEN] = "";
	struct event ev;
	int rc = event_parse(text, strlen(text), &ev, err);

	if (rc == 0)
		event_release(&ev);
	if (rc != code)
		fail_msg("event_parse gave %d, want %d (%s) for %s", rc, code,
		    err, text);
}

static void
test_canonical_text(void **state)
{
	struct event ev;
	char *s;

	unit_event(&ev, "s1", 2, H0 | 3, "case.closed", "C-s1-1",
	    BODY_CASE_CLOSED, HASH_ZERO);
	s = event_canonical(&ev, 0);
	assert_string_equal(s,
	    "{\"at\":1795224600000,\"audience\":[\"龙羊峡镇\"],\"author\":\"张三\","
	    "\"body\":{\"reason\":\"已责令改正\"},\"entity\":\"C-s1-1\","
	    "\"hlc\":117651839385600003,\"kind\":\"case.closed\",\"prev\":"
	    "\"0000000000000000000000000000000000000000000000000000000000000000\","
	    "\"seq\":2,\"station\":\"s1\",\"unit\":\"龙羊峡镇\",\"v\":1}");
	free(s);
	s = event_canonical(&ev, 1);
	assert_non_null(strstr(s, "\"hash\":\""));
	assert_non_null(strstr(s, ev.hash));
	free(s);
	event_release(&ev);
}

static void
test_event_json_fields(void **state)
{
	struct event ev;
	json_t *o;

	sample(&ev);
	o = event_json(&ev, 0);
	assert_int_equal(json_object_size(o), 12);
	assert_null(json_object_get(o, "hash"));
	assert_int_equal(json_integer_value(json_object_get(o, "v")),
	    EVENT_VERSION);
	assert_string_equal(json_string_value(json_object_get(o, "kind")),
	    "case.opened");
	json_decref(o);
	o = event_json(&ev, 1);
	assert_int_equal(json_object_size(o), 13);
	assert_string_equal(json_string_value(json_object_get(o, "hash")),
	    ev.hash);
	json_decref(o);
	event_release(&ev);
}

static void
test_copy_is_deep(void **state)
{
	struct event ev, c;

	sample(&ev);
	event_copy(&c, &ev);
	assert_ptr_not_equal(c.body, ev.body);
	assert_ptr_not_equal(c.author, ev.author);
	json_object_set_new(c.body, "urgent", json_true());
	json_array_append_new(c.audience, json_string("县司法局"));
	c.author[0] = 'x';
	unit_assert_valid(&ev);
	assert_true(json_is_false(json_object_get(ev.body, "urgent")));
	assert_int_equal(json_array_size(ev.audience), 1);
	event_release(&c);
	event_release(&ev);
	/* Released events are empty and can be released again. */
	assert_null(ev.body);
	event_release(&ev);
}

static void
test_parse_round_trip(void **state)
{
	struct event ev, back;
	char err[LD_ERRLEN];
	char *text, *again;

	sample(&ev);
	text = event_canonical(&ev, 1);
	assert_int_equal(event_parse(text, strlen(text), &back, err), 0);
	assert_string_equal(back.station, "s1");
	assert_int_equal(back.seq, 1);
	assert_int_equal(back.hlc, H0 | 3);
	assert_int_equal(back.at, UNIT_T0_MS);
	assert_string_equal(back.kind, "case.opened");
	assert_string_equal(back.entity, "C-s1-1");
	assert_string_equal(back.hash, ev.hash);
	assert_true(json_equal(back.body, ev.body));
	again = event_canonical(&back, 1);
	assert_string_equal(again, text);
	free(again);
	free(text);
	event_release(&back);
	event_release(&ev);
}

/* Text in another key order and spacing parses to the same event. */
static void
test_parse_non_canonical_text(void **state)
{
	struct event ev, back;
	char err[LD_ERRLEN];
	json_t *o;
	char *text;

	sample(&ev);
	o = event_json(&ev, 1);
	text = json_dumps(o, JSON_INDENT(3) | JSON_PRESERVE_ORDER);
	json_decref(o);
	assert_null(strstr(text, "\"at\":1"));
	assert_int_equal(event_parse(text, strlen(text), &back, err), 0);
	assert_string_equal(back.hash, ev.hash);
	free(text);
	event_release(&back);
	event_release(&ev);
}

/* The canonical text event_parse_canonical hands back (validation hashes
 * it less its hash member instead of encoding twice) is the text
 * event_canonical makes, for every kind, and for text fields that hold
 * the bytes of a hash member themselves. */
static void
test_parse_canonical_text(void **state)
{
	static const char *const tricky[] = {
		",\"hash\":\"", "\",\"hash\":\"0000\"", "hash", "\"hlc\":1}",
		"\\\",\"hash\":\"", NULL,
	};
	const struct kind_info *k;
	size_t i, j;

	for (i = 0; (k = kind_at(i)) != NULL; i++) {
		for (j = 0; j == 0 || tricky[j - 1] != NULL; j++) {
			struct event ev, back;
			char err[LD_ERRLEN] = "", *canon = NULL, *want;
			json_t *body = unit_body(k, 0);
			const struct field *f;

			/* Every text field of the body holds the tricky bytes. */
			for (f = k->fields; j > 0 && f->name != NULL; f++)
				if (f->type == F_TEXT)
					json_object_set_new(body, f->name,
					    json_string(tricky[j - 1]));
			event_init(&ev);
			ld_strlcpy(ev.station, "s1", sizeof ev.station);
			ev.seq = 1;
			ev.hlc = H0 | 3;
			ev.at = UNIT_T0_MS;
			ev.unit = xstrdup(UNIT_UNIT);
			ev.author = xstrdup("张三");
			ev.kind = xstrdup(k->name);
			ev.entity = k->creates ? entity_id_new(k->etype, "s1", 1) :
			    xasprintf("%c-s1-1", k->etype->letter);
			ev.audience = json_pack("[s]", UNIT_UNIT);
			ev.body = body;
			memcpy(ev.prev, HASH_ZERO, HASH_HEX);
			event_seal(&ev);
			want = event_canonical(&ev, 1);
			if (event_parse_canonical(want, strlen(want), &back, &canon,
			    err) != 0)
				fail_msg("%s: %s", k->name, err);
			assert_string_equal(canon, want);
			assert_string_equal(back.hash, ev.hash);
			free(canon);
			free(want);
			event_release(&back);
			event_release(&ev);
		}
	}
}

static void
test_parse_refuses_bad_shapes(void **state)
{
	struct event ev;
	json_t *o;
	char *good, *s;

	sample(&ev);
	o = event_json(&ev, 1);
	good = cjson_encode(o, NULL);
	assert_parse_code(good, 0);

	assert_parse_code("not json", LD_EINVAL);
	assert_parse_code("[]", LD_EINVAL);
	assert_parse_code("{}", LD_EINVAL);

	/* One change at a time to a good event object. */
#define TRY(code, stmt) do { \
		json_t *c = json_deep_copy(o); \
		stmt; \
		s = cjson_encode(c, NULL); \
		json_decref(c); \
		assert_parse_code(s, code); \
		free(s); \
	} while (0)
	TRY(LD_EINVAL, json_object_del(c, "hash"));
	TRY(LD_EINVAL, json_object_set_new(c, "extra", json_true()));
	TRY(LD_EINVAL, json_object_set_new(c, "v", json_integer(2)));
	TRY(LD_EINVAL, json_object_del(c, "v"));
	TRY(LD_EINVAL, json_object_set_new(c, "seq", json_integer(0)));
	TRY(LD_EINVAL, json_object_set_new(c, "seq", json_string("1")));
	TRY(LD_EINVAL, json_object_set_new(c, "hlc", json_integer(-1)));
	TRY(LD_EINVAL, json_object_del(c, "at"));
	TRY(LD_EINVAL, json_object_set_new(c, "station", json_string("S1")));
	TRY(LD_EINVAL, json_object_set_new(c, "prev", json_string("00")));
	TRY(LD_EINVAL, json_object_set_new(c, "hash", json_string("zz")));
	TRY(LD_EINVAL, json_object_set_new(c, "unit", json_integer(1)));
	TRY(LD_EINVAL, json_object_del(c, "author"));
	TRY(LD_EINVAL, json_object_set_new(c, "audience", json_string(UNIT_UNIT)));
	TRY(LD_EINVAL, json_object_set_new(c, "body", json_array()));
	/* Shape right, content changed: the hash gives it away. */
	TRY(LD_EINTEGRITY, json_object_set_new(c, "at", json_integer(2)));
	/* Shape right, body against the schema: refused before the hash. */
	TRY(LD_EINVAL, json_object_set_new(json_object_get(c, "body"), "urgent",
	    json_integer(1)));
#undef TRY

	/* A real number anywhere is not canonical JSON. */
	s = xstrdup(good);
	memcpy(strstr(s, "\"at\":1795224600000"), "\"at\":1795224600.00", 18);
	assert_parse_code(s, LD_EINVAL);
	free(s);

	free(good);
	json_decref(o);
	event_release(&ev);
}

static void
test_from_json_no_hash(void **state)
{
	struct event ev, back;
	char err[LD_ERRLEN];
	json_t *o;

	sample(&ev);
	o = event_json(&ev, 0);
	/* event_from_json checks shape only; a missing hash is allowed
	 * there (event_parse is the one that requires it). */
	assert_int_equal(event_from_json(o, &back, err), 0);
	assert_string_equal(back.hash, "");
	event_seal(&back);
	assert_string_equal(back.hash, ev.hash);
	event_release(&back);
	json_decref(o);
	o = json_integer(1);
	assert_int_equal(event_from_json(o, &back, err), LD_EINVAL);
	json_decref(o);
	event_release(&ev);
}

static void
test_validate_envelope(void **state)
{
	struct event ev;
	char *s;
	int i;

	sample(&ev);
	ld_strlcpy(ev.station, "S1", sizeof ev.station);
	assert_invalid(&ev, LD_EINVAL, "upper-case station");
	event_release(&ev);

	sample(&ev);
	ev.seq = 0;
	assert_invalid(&ev, LD_EINVAL, "seq 0");
	event_release(&ev);

	sample(&ev);
	ev.at = 0;
	assert_invalid(&ev, LD_EINVAL, "at 0");
	event_release(&ev);

	sample(&ev);
	free(ev.author);
	ev.author = xstrdup("");
	assert_invalid(&ev, LD_EINVAL, "empty author");
	event_release(&ev);

	sample(&ev);
	free(ev.author);
	ev.author = xstrdup("张\n三");
	assert_invalid(&ev, LD_EINVAL, "author with newline");
	event_release(&ev);

	/* AUTHOR_MAX characters pass, one more fails. */
	sample(&ev);
	free(ev.author);
	s = xmalloc(AUTHOR_MAX * 3 + 4);
	s[0] = '\0';
	for (i = 0; i < AUTHOR_MAX; i++)
		strcat(s, "张");
	ev.author = xstrdup(s);
	event_seal(&ev);
	unit_assert_valid(&ev);
	free(ev.author);
	strcat(s, "张");
	ev.author = s;
	assert_invalid(&ev, LD_EINVAL, "long author");
	event_release(&ev);

	sample(&ev);
	free(ev.kind);
	ev.kind = xstrdup("case.deleted");
	assert_invalid(&ev, LD_EINVAL, "unknown kind");
	event_release(&ev);

	sample(&ev);
	free(ev.entity);
	ev.entity = xstrdup("T-s1-1");
	assert_invalid(&ev, LD_EINVAL, "complaint id on a case kind");
	event_release(&ev);

	sample(&ev);
	memcpy(ev.prev, "0123", 4);
	assert_invalid(&ev, LD_EINVAL, "seq 1 with a non-zero prev");
	event_release(&ev);

	sample(&ev);
	ev.seq = 2;
	ev.prev[5] = 'X';
	assert_invalid(&ev, LD_EINVAL, "prev not lower-case hex");
	event_release(&ev);

	sample(&ev);
	json_object_set_new(ev.body, "colour", json_string("red"));
	assert_invalid(&ev, LD_EINVAL, "unknown body field");
	event_release(&ev);
}

static void
test_validate_audience(void **state)
{
	struct event ev;
	char name[32];
	int i;

	/* Wider audiences are fine as long as the unit is in them. */
	sample(&ev);
	json_array_append_new(ev.audience, json_string("县综合行政执法局"));
	event_seal(&ev);
	unit_assert_valid(&ev);
	event_release(&ev);

	sample(&ev);
	json_array_clear(ev.audience);
	assert_invalid(&ev, LD_EINVAL, "empty audience");
	json_array_append_new(ev.audience, json_string("县司法局"));
	assert_invalid(&ev, LD_EINVAL, "audience without the unit");
	json_array_append_new(ev.audience, json_string(UNIT_UNIT));
	json_array_append_new(ev.audience, json_string("县司法局"));
	assert_invalid(&ev, LD_EINVAL, "unit twice in audience");
	event_release(&ev);

	sample(&ev);
	json_array_append_new(ev.audience, json_integer(3));
	assert_invalid(&ev, LD_EINVAL, "number in audience");
	event_release(&ev);

	sample(&ev);
	json_array_append_new(ev.audience, json_string(""));
	assert_invalid(&ev, LD_EINVAL, "empty unit in audience");
	event_release(&ev);

	/* AUDIENCE_MAX units pass, one more fails. */
	sample(&ev);
	for (i = 1; i < AUDIENCE_MAX; i++) {
		snprintf(name, sizeof name, "单位%d", i);
		json_array_append_new(ev.audience, json_string(name));
	}
	event_seal(&ev);
	unit_assert_valid(&ev);
	json_array_append_new(ev.audience, json_string("单位x"));
	assert_invalid(&ev, LD_ETOOBIG, "audience too large");
	event_release(&ev);
}

static void
test_station_id_valid(void **state)
{
	static const char *const good[] = { "s1", "a", "0", "longyangxia",
		"longyangxia-01", "town_3", "9-a_b",
		"abcdefghijklmnopqrstuvwxyz012345", NULL };
	static const char *const bad[] = { "", "-a", "_a", "S1", "a b", "a.b",
		"a/b", "龙羊峡", "a\n", "abcdefghijklmnopqrstuvwxyz0123456",
		NULL };
	size_t i;

	for (i = 0; good[i] != NULL; i++)
		if (!station_id_valid(good[i]))
			fail_msg("'%s' refused", good[i]);
	for (i = 0; bad[i] != NULL; i++)
		if (station_id_valid(bad[i]))
			fail_msg("'%s' accepted", bad[i]);
	assert_false(station_id_valid(NULL));
}

static void
test_event_cmp_order(void **state)
{
	struct event a, b;

	event_init(&a);
	event_init(&b);
	ld_strlcpy(a.station, "s2", sizeof a.station);
	ld_strlcpy(b.station, "s1", sizeof b.station);
	/* hlc first, whatever the stations and seqs. */
	a.hlc = 10;
	a.seq = 9;
	b.hlc = 11;
	b.seq = 1;
	assert_int_equal(event_cmp(&a, &b), -1);
	assert_int_equal(event_cmp(&b, &a), 1);
	/* Same hlc: the station decides, whatever the seqs. */
	b.hlc = 10;
	a.seq = 1;
	b.seq = 9;
	assert_int_equal(event_cmp(&a, &b), 1);
	assert_int_equal(event_cmp(&b, &a), -1);
	/* Same hlc and station: the seq. */
	ld_strlcpy(b.station, "s2", sizeof b.station);
	assert_int_equal(event_cmp(&a, &b), -1);
	assert_int_equal(event_cmp(&b, &a), 1);
	a.seq = 9;
	assert_int_equal(event_cmp(&a, &b), 0);
	/* Stations compare as bytes: "s10" < "s2". */
	ld_strlcpy(a.station, "s10", sizeof a.station);
	assert_int_equal(event_cmp(&a, &b), -1);
}

/*
 * event_from_text reads a canonical text itself, only the audience and
 * body given to jansson: on any text, it must give what cjson_parse and
 * event_from_json give, the same event or a refusal.
 */
static void
assert_from_text_as_json(const char *text, size_t len, const char *what)
{
	char err[LD_ERRLEN] = "";
	struct event a, b;
	int ra, rb;
	json_t *o;

	ra = event_from_text(text, len, &a, err);
	o = cjson_parse(text, len, CJSON_MAX_DEPTH, err);
	if (o == NULL) {
		event_init(&b);
		rb = LD_EINVAL;
	} else {
		rb = event_from_json(o, &b, err);
		json_decref(o);
	}
	if ((ra == 0) != (rb == 0))
		fail_msg("%s: event_from_text gave %d, cjson_parse and "
		    "event_from_json %d: %.*s", what, ra, rb, (int)len, text);
	if (ra == 0) {
		char *ca = event_canonical(&a, 1), *cb = event_canonical(&b, 1);
		assert_string_equal(ca, cb);
		assert_string_equal(a.hash, b.hash);
		free(ca);
		free(cb);
	} else {
		/* Refused: nothing left in the event. */
		assert_null(a.unit);
		assert_null(a.body);
		assert_null(a.audience);
	}
	event_release(&a);
	event_release(&b);
}

/* text with its first occurrence of from replaced by to. */
static char *
replaced(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	char *out;

	assert_non_null(at);
	out = xasprintf("%.*s%s%s", (int)(at - text), text, to,
	    at + strlen(from));
	return out;
}

static void
test_from_text_as_json(void **state)
{
	/* Each: a piece of the sample's canonical text and what it becomes. */
	static const char *const edits[][2] = {
		{ "\"at\":1", "\"at\":0" },
		{ "\"at\":1", "\"at\":-1" },
		{ "\"at\":1", "\"at\": 1" },
		{ "\"at\":1", "\"at\":01" },
		{ ",\"audience\"", ".5,\"audience\"" },
		{ ",\"audience\"", "e3,\"audience\"" },
		{ ",\"audience\"", "0000000,\"audience\"" },	/* 20 digits */
		{ ",\"audience\"", "000000,\"audience\"" },	/* 19 digits */
		{ "\"audience\":[", "\"audience\":[\"县住建局\"," },
		{ "\"audience\":[", "\"audience\":[1," },
		{ "\"audience\":[", "\"audience\":[ " },
		{ "\"audience\":[\"", "\"audience\":[\"\\u0041" },
		{ "\"audience\":[\"", "\"audience\":[\"\xff" },
		{ "\"audience\":[\"", "\"audience\":[\"\x01" },
		{ "\"audience\":[\"", "\"audience\":[\"\xed\xa0\x80" },
		{ "\"audience\":[\"", "\"audience\":{\"a\":[\"" },
		{ "\"author\":\"", "\"author\":\"\\\"" },
		{ "\"author\":\"", "\"author\":\"\xc0\x80" },
		{ "\"author\":\"", "\"author\":\"\xf4\x90\x80\x80" },
		{ "\"author\":\"", "\"author\":\"\t" },
		{ "\"author\":\"", "\"author\":1,\"x\":\"" },
		{ "\"body\":{", "\"body\":{\"z\":\"}\\\"{[\"," },
		{ "\"body\":{", "\"body\":{\"z\":1.5," },
		{ "\"body\":{", "\"body\":{\"z\":1,\"z\":2," },
		{ "\"body\":{", "\"body\":{\"z\":[{}]]," },
		{ "\"body\":{", "\"body\":{\"z\":\"\xff\"," },
		{ "\"body\":{", "\"body\":{\"z\":{\"y\":[1,{\"x\":null}]}," },
		{ "\"body\":{", "\"body\":[{" },
		{ "\"body\":{", "\"body\": {" },
		{ "\"entity\":\"", "\"entity\":\"\\/" },
		{ "\"hash\":\"", "\"hash\":\"A" },
		{ "\"hash\":\"", "\"hash\":\"0" },
		{ "\"hash\":\"", "\"hash\":\"g" },
		{ "\"hlc\":1", "\"hlc\":1 " },
		{ "\"hlc\":1", "\"hlc\":99" },	/* 19 digits, too large */
		{ "\"kind\":\"", "\"kind\":\"\\u00e9" },
		{ "\"prev\":\"0", "\"prev\":\"" },
		{ "\"seq\":1", "\"seq\":true" },
		{ "\"station\":\"s1\"", "\"station\":\"S1\"" },
		{ "\"station\":\"s1\"", "\"station\":\"-s1\"" },
		{ "\"station\":\"s1\"",
		  "\"station\":\"s123456789012345678901234567890123\"" },
		{ "\"station\":\"s1\"",
		  "\"station\":\"s1234567890123456789012345678901\"" },
		{ "\"unit\":\"", "\"unit\":\"\\n" },
		{ "\"v\":1}", "\"v\":2}" },
		{ "\"v\":1}", "\"v\":1 }" },
		{ "\"v\":1}", "\"v\":1}\n" },
		{ "\"v\":1}", "\"v\":1}x" },
		{ "\"v\":1}", "\"v\":1,\"w\":1}" },
		{ "\"v\":1}", "\"v\":1,\"v\":1}" },
		{ "{\"at\"", "{ \"at\"" },
		{ "{\"at\"", "[{\"at\"" },
	};
	struct event ev;
	char *text, *t, *deep;
	unsigned long r = 15;
	size_t i, len;
	int d;

	sample(&ev);
	text = event_canonical(&ev, 1);
	len = strlen(text);
	assert_from_text_as_json(text, len, "the sample");
	for (i = 0; i < len; i++)	/* every cut of it */
		assert_from_text_as_json(text, i, "a cut");
	for (i = 0; i < sizeof edits / sizeof edits[0]; i++) {
		t = replaced(text, edits[i][0], edits[i][1]);
		assert_from_text_as_json(t, strlen(t), edits[i][1]);
		free(t);
	}
	/* The depth limit, counted from the event, on either side of it. */
	for (d = CJSON_MAX_DEPTH - 4; d <= CJSON_MAX_DEPTH + 1; d++) {
		deep = xasprintf("\"body\":{\"z\":%.*s1%.*s,", d - 3,
		    "[[[[[[[[[[[[[[[[[[[[", d - 3, "]]]]]]]]]]]]]]]]]]]]");
		t = replaced(text, "\"body\":{", deep);
		assert_from_text_as_json(t, strlen(t), deep);
		free(t);
		free(deep);
	}
	/* And random bytes changed, a thousand times over. */
	for (i = 0; i < 20000; i++) {
		static const char bytes[] = "\"\\{}[],:0195a-. \x01\xff\xc3\xa9";
		size_t at, n;

		t = xstrdup(text);
		for (n = 0; n < 1 + i % 3; n++) {
			r = r * 6364136223846793005UL + 1442695040888963407UL;
			at = (size_t)(r >> 33) % len;
			t[at] = bytes[(r >> 20) % (sizeof bytes - 1)];
		}
		assert_from_text_as_json(t, len, "a changed byte");
		free(t);
	}
	free(text);
	event_release(&ev);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical_text),
		cmocka_unit_test(test_event_json_fields),
		cmocka_unit_test(test_copy_is_deep),
		cmocka_unit_test(test_parse_round_trip),
		cmocka_unit_test(test_parse_non_canonical_text),
		cmocka_unit_test(test_parse_canonical_text),
		cmocka_unit_test(test_parse_refuses_bad_shapes),
		cmocka_unit_test(test_from_json_no_hash),
		cmocka_unit_test(test_validate_envelope),
		cmocka_unit_test(test_validate_audience),
		cmocka_unit_test(test_station_id_valid),
		cmocka_unit_test(test_event_cmp_order),
		cmocka_unit_test(test_from_text_as_json),
	};

	return cmocka_run_group_tests(tests, harness_sodium, NULL);
}
