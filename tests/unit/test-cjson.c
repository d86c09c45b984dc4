/*
 * test-cjson.c - canonical JSON: one byte sequence per value.
 *
 * The event hash is taken over cjson_encode's output, so these tests pin
 * exact bytes: key order, string escaping, integers. A change that makes
 * any of them fail changes every event hash in the county, and must be a
 * deliberate, versioned decision, never an accident.
 */
#include "harness.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjson.h"
#include "util.h"

/* Parses in and checks that its canonical text is exactly want. */
static void
assert_canonical(const char *in, const char *want)
{
	char err[LD_ERRLEN] = "";
	json_t *v;
	char *got;

	v = cjson_parse(in, strlen(in), CJSON_MAX_DEPTH, err);
	if (v == NULL)
		fail_msg("cannot parse '%s': %s", in, err);
	got = cjson_encode(v, err);
	json_decref(v);
	if (got == NULL)
		fail_msg("cannot encode '%s': %s", in, err);
	assert_string_equal(got, want);
	free(got);
}

/* Checks that in is refused by cjson_parse with an error message. */
static void
assert_refused(const char *in, size_t len, int maxdepth)
{
	char err[LD_ERRLEN] = "";
	json_t *v;

	v = cjson_parse(in, len, maxdepth, err);
	if (v != NULL) {
		json_decref(v);
		fail_msg("'%s' was accepted", in);
	}
	assert_true(err[0] != '\0');
}

/* n nested arrays, the innermost empty: "[[[]]]" for n = 3. */
static char *
nested_arrays(int n)
{
	char *s = xmalloc((size_t)n * 2 + 1);
	int i;

	for (i = 0; i < n; i++) {
		s[i] = '[';
		s[n + i] = ']';
	}
	s[2 * n] = '\0';
	return s;
}

static void
test_keys_sorted(void **state)
{
	assert_canonical("{\"b\":1,\"a\":2,\"c\":3}", "{\"a\":2,\"b\":1,\"c\":3}");
	/* A prefix sorts first; upper case (0x41..) before lower case. */
	assert_canonical("{\"aa\":1,\"a\":2,\"B\":3,\"b\":4}",
	    "{\"B\":3,\"a\":2,\"aa\":1,\"b\":4}");
	assert_canonical("{}", "{}");
}

static void
test_nested_keys_sorted(void **state)
{
	assert_canonical(
	    "{\"z\":{\"y\":1,\"x\":[{\"d\":1,\"c\":{\"f\":0,\"e\":0}}]},\"a\":null}",
	    "{\"a\":null,\"z\":{\"x\":[{\"c\":{\"e\":0,\"f\":0},\"d\":1}],\"y\":1}}");
}

/*
 * Keys sort by their UTF-8 bytes, not by UTF-16 code units (as RFC 8785
 * would): U+FF5E (ef bd 9e) sorts before U+1F600 (f0 9f 98 80) although
 * its UTF-16 form (ff5e) is above the surrogate d83d.
 */
static void
test_keys_sorted_by_utf8_bytes(void **state)
{
	assert_canonical(
	    "{\"\xf0\x9f\x98\x80\":1,\"\xef\xbd\x9e\":2,\"\xe4\xb8\xad\":3,"
	    "\"\xc3\xa9\":4,\"z\":5}",
	    "{\"z\":5,\"\xc3\xa9\":4,\"\xe4\xb8\xad\":3,\"\xef\xbd\x9e\":2,"
	    "\"\xf0\x9f\x98\x80\":1}");
	/* 地点 (e5 9c b0) < 案由 (e6 a1 88) < 类别 (e7 b1 bb) */
	assert_canonical("{\"类别\":\"c\",\"地点\":\"a\",\"案由\":\"b\"}",
	    "{\"地点\":\"a\",\"案由\":\"b\",\"类别\":\"c\"}");
}

static void
test_chinese_stays_raw(void **state)
{
	assert_canonical("{\"matter\":\"占道经营\"}", "{\"matter\":\"占道经营\"}");
	assert_canonical("\"龙羊峡镇 综合执法\"", "\"龙羊峡镇 综合执法\"");
	/* Four-byte characters too, and no escaping of '/' or DEL. */
	assert_canonical("\"\xf0\x9f\x98\x80 a/b \x7f\"",
	    "\"\xf0\x9f\x98\x80 a/b \x7f\"");
}

static void
test_unicode_escapes_decode(void **state)
{
	/* \u escapes, in either case, give the same bytes as the literal. */
	assert_canonical("\"\\u5360\\u9053\\u7ECF\\u8425\"", "\"占道经营\"");
	assert_canonical("{\"\\u5730\\u70b9\":\"\\u00e9\"}",
	    "{\"地点\":\"\xc3\xa9\"}");
	/* A surrogate pair becomes one four-byte character. */
	assert_canonical("\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\"");
	/* Escaped keys sort like literal ones. */
	assert_canonical("{\"\\u7c7b\\u522b\":1,\"\\u5730\\u70b9\":2}",
	    "{\"地点\":2,\"类别\":1}");
	/* Needlessly escaped ASCII is printed plain. */
	assert_canonical("\"\\u0041\\/\"", "\"A/\"");
	/* A lone surrogate is not a character. */
	assert_refused("\"\\ud83d\"", 8, CJSON_MAX_DEPTH);
}

static void
test_control_characters_escaped(void **state)
{
	json_t *v = json_string("a\"b\\c\n\t\r\b\f\x01\x1f" "d");
	char *s = cjson_encode(v, NULL);

	assert_non_null(s);
	assert_string_equal(s, "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001Fd\"");
	free(s);
	json_decref(v);
	/* The same text read back from its escaped form. */
	assert_canonical("\"\\u000a\\u0009\\u0001\"", "\"\\n\\t\\u0001\"");
}

static void
test_integers(void **state)
{
	assert_canonical("0", "0");
	assert_canonical("-0", "0");
	assert_canonical("-1", "-1");
	assert_canonical("[1,-42,100]", "[1,-42,100]");
	/* 2^53 and its neighbours keep every digit. */
	assert_canonical("9007199254740992", "9007199254740992");
	assert_canonical("9007199254740993", "9007199254740993");
	assert_canonical("-9007199254740993", "-9007199254740993");
	assert_canonical("9223372036854775807", "9223372036854775807");
	assert_canonical("-9223372036854775808", "-9223372036854775808");
	/* Beyond int64 is refused rather than rounded. */
	assert_refused("9223372036854775808", 19, CJSON_MAX_DEPTH);
}

static void
test_integer_values(void **state)
{
	json_t *v = json_pack("{s:I,s:I,s:I}", "hlc",
	    (json_int_t)(INT64_C(1795224600000) << 16), "neg", (json_int_t)-7,
	    "p53", (json_int_t)(INT64_C(1) << 53));
	char *s = cjson_encode(v, NULL);

	assert_non_null(s);
	assert_string_equal(s,
	    "{\"hlc\":117651839385600000,\"neg\":-7,\"p53\":9007199254740992}");
	free(s);
	json_decref(v);
}

static void
test_reals_refused(void **state)
{
	char err[LD_ERRLEN] = "";
	json_t *v;

	assert_refused("1.0", 3, CJSON_MAX_DEPTH);
	assert_refused("1e3", 3, CJSON_MAX_DEPTH);
	assert_refused("-0.5", 4, CJSON_MAX_DEPTH);
	assert_refused("{\"a\":[1,2,{\"b\":3.25}]}", 21, CJSON_MAX_DEPTH);

	v = json_pack("{s:[i,f]}", "a", 1, 2.5);
	assert_int_equal(cjson_check(v, CJSON_MAX_DEPTH, err), LD_EINVAL);
	assert_true(err[0] != '\0');
	err[0] = '\0';
	assert_null(cjson_encode(v, err));
	assert_true(err[0] != '\0');
	json_decref(v);
}

static void
test_duplicate_keys_refused(void **state)
{
	const char *flat = "{\"a\":1,\"a\":1}";
	const char *nested = "{\"x\":{\"b\":1,\"c\":2,\"b\":3}}";
	const char *escaped = "{\"\\u0061\":1,\"a\":2}";

	assert_refused(flat, strlen(flat), CJSON_MAX_DEPTH);
	assert_refused(nested, strlen(nested), CJSON_MAX_DEPTH);
	assert_refused(escaped, strlen(escaped), CJSON_MAX_DEPTH);
}

static void
test_depth_limit(void **state)
{
	const char *two = "{\"a\":{\"b\":{}}}";
	char err[LD_ERRLEN];
	char *s;
	json_t *v;

	/* Exactly at the limit is fine; one level more is refused. */
	s = nested_arrays(3);
	v = cjson_parse(s, strlen(s), 3, err);
	assert_non_null(v);
	json_decref(v);
	free(s);
	s = nested_arrays(4);
	assert_refused(s, strlen(s), 3);
	free(s);

	s = nested_arrays(CJSON_MAX_DEPTH);
	v = cjson_parse(s, strlen(s), CJSON_MAX_DEPTH, err);
	assert_non_null(v);
	json_decref(v);
	free(s);
	s = nested_arrays(CJSON_MAX_DEPTH + 1);
	assert_refused(s, strlen(s), CJSON_MAX_DEPTH);
	free(s);

	/* Objects count as levels too. */
	assert_refused("{\"a\":{\"b\":{\"c\":{}}}}", 19, 3);
	v = cjson_parse(two, strlen(two), 3, err);
	assert_non_null(v);
	json_decref(v);

	/* A deep value built in memory cannot be encoded either. */
	s = nested_arrays(1000);
	v = json_loads(s, 0, NULL);
	free(s);
	assert_non_null(v);
	assert_int_equal(cjson_check(v, CJSON_MAX_DEPTH, err), LD_EINVAL);
	assert_null(cjson_encode(v, err));
	json_decref(v);
}

/* cjson_read takes all of in, and gives what cjson_parse gives, members
 * in the same order. */
static void
assert_read(const char *in, int maxdepth)
{
	char err[LD_ERRLEN] = "", *a, *b;
	json_t *r, *p;
	size_t used = 0;

	r = cjson_read(in, strlen(in), maxdepth, &used);
	if (r == NULL)
		fail_msg("'%s' was not read", in);
	assert_int_equal(used, strlen(in));
	p = cjson_parse(in, strlen(in), maxdepth, err);
	assert_non_null(p);
	a = json_dumps(r, JSON_COMPACT | JSON_ENCODE_ANY);
	b = json_dumps(p, JSON_COMPACT | JSON_ENCODE_ANY);
	assert_string_equal(a, b);
	assert_true(json_equal(r, p));
	free(a);
	free(b);
	json_decref(r);
	json_decref(p);
}

/* cjson_read gives up on in (it is not all one canonical value). */
static void
assert_not_read(const char *in, size_t len, int maxdepth)
{
	json_t *r;
	size_t used = 0;

	r = cjson_read(in, len, maxdepth, &used);
	if (r != NULL && used == len)
		fail_msg("'%s' was read", in);
	json_decref(r);
}

static void
test_read_canonical(void **state)
{
	char *s;

	assert_read("{}", CJSON_MAX_DEPTH);
	assert_read("[]", CJSON_MAX_DEPTH);
	assert_read("{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"案件\"}}",
	    CJSON_MAX_DEPTH);
	assert_read("{\"\":0,\"a\":-7,\"ab\":123456789012345678,\"b\":\"\"}",
	    CJSON_MAX_DEPTH);
	assert_read("{\"z\":1,\"\xc3\xa9\":2,\"案\":3}", CJSON_MAX_DEPTH);
	assert_read("-123456789012345678", CJSON_MAX_DEPTH);
	assert_read("\"\xf0\x9f\x98\x80 ok\"", CJSON_MAX_DEPTH);
	assert_read("\"a\x7f\"", CJSON_MAX_DEPTH);	/* DEL needs no escape */
	/* Exactly at the depth limit, and at jansson's own. */
	assert_read("{\"a\":{\"b\":{}}}", 3);
	s = nested_arrays(3);
	assert_read(s, 3);
	free(s);
	s = nested_arrays(2048);
	assert_read(s, 100000);
	free(s);
}

static void
test_read_gives_up(void **state)
{
	static const char *texts[] = {
		"{\"a\":\"x\\ny\"}",		/* an escape */
		"{\"a\\u0041\":1}",			/* one in a key */
		"{\"a\": 1}", " {}", "[1, 2]",	/* spaces */
		"{\"b\":1,\"a\":2}",		/* keys out of order */
		"{\"a\":1,\"a\":2}",		/* twice */
		"{\"ab\":1,\"a\":2}",		/* the shorter first */
		"1.5", "1e5", "[1E5]", "-0", "01", "[-01]", "-",
		"1234567890123456789",		/* 19 digits */
		"\"\xc0\x80\"", "\"\xed\xa0\x80\"",	/* not UTF-8 */
		"\"\xf4\x90\x80\x80\"", "\"\xf5\x80\x80\x80\"", "\"\xff\"",
		"\"\x80\"", "\"\xe6\xa1\"", "{\"\xc1\xbf\":1}",
		"\"a\tb\"",				/* a control character */
		"{\"a\":1", "[1,]", "{\"a\"}", "{\"a\":}", "{,}", "tru",
		"nul", "[", "\"abc", "{\"a\":1}x", "",
	};
	size_t i;
	char *s;

	for (i = 0; i < sizeof texts / sizeof texts[0]; i++)
		assert_not_read(texts[i], strlen(texts[i]), CJSON_MAX_DEPTH);
	/* A NUL inside a string; UTF-8 cut off by the buffer's end. */
	assert_not_read("\"a\0b\"", 5, CJSON_MAX_DEPTH);
	assert_not_read("\"\xe6\xa1\xa3\"", 3, CJSON_MAX_DEPTH);
	/* Deeper than jansson reads, whatever the caller allows. */
	s = nested_arrays(2049);
	assert_not_read(s, strlen(s), 100000);
	assert_null(cjson_parse(s, strlen(s), 100000, NULL));
	free(s);
	/* Deeper than allowed, by one level: cjson_parse refuses it. */
	s = nested_arrays(4);
	assert_not_read(s, strlen(s), 3);
	free(s);
	assert_not_read("{\"a\":{\"b\":{\"c\":1}}}", 19, 3);
	assert_not_read("{\"a\":{\"b\":1}}", 13, 2);
}

/* The bytes of a plain string, quotes included; 0 for anything else. */
static void
test_plain_str(void **state)
{
	static const struct {
		const char *s;
		size_t len, want;
	} cases[] = {
		{ "\"abc\"", 5, 5 }, { "\"abc\"x", 6, 5 }, { "\"\"", 2, 2 },
		{ "\"案件\"", 8, 8 }, { "\"a\x7f\"", 4, 4 },
		{ "\"a\\\"b\"", 6, 0 },	/* an escape */
		{ "\"a\tb\"", 5, 0 }, { "\"a\0b\"", 5, 0 },
		{ "\"abc", 4, 0 }, { "abc\"", 4, 0 }, { "", 0, 0 },
		{ "\"\xe6\xa1\xa3\"", 3, 0 },	/* cut off by the end */
		{ "\"\xe6\xa1\"", 4, 0 }, { "\"\xed\xa0\x80\"", 5, 0 },
		{ "\"ab\"", 3, 0 },		/* the closing quote past len */
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (cjson_plain_str(cases[i].s, cases[i].s + cases[i].len) !=
		    cases[i].want)
			fail_msg("case %zu: '%s'", i, cases[i].s);
}

static void
test_parse_exact_length(void **state)
{
	const char *buf = "{\"a\":1}garbage";
	char err[LD_ERRLEN];
	json_t *v;

	/* Only len bytes are read... */
	v = cjson_parse(buf, 7, CJSON_MAX_DEPTH, err);
	assert_non_null(v);
	json_decref(v);
	/* ...and all of them must be the one value. */
	assert_refused(buf, strlen(buf), CJSON_MAX_DEPTH);
	assert_refused("{\"a\":1} {}", 10, CJSON_MAX_DEPTH);
	assert_refused("", 0, CJSON_MAX_DEPTH);
	assert_refused("{\"a\":1", 6, CJSON_MAX_DEPTH);
}

static void
test_invalid_utf8_refused(void **state)
{
	assert_refused("\"\xff\"", 3, CJSON_MAX_DEPTH);
	assert_refused("\"\xc0\x80\"", 4, CJSON_MAX_DEPTH);       /* overlong */
	assert_refused("\"\xed\xa0\x80\"", 5, CJSON_MAX_DEPTH);   /* surrogate */
	assert_refused("\"\xe4\xb8\"", 4, CJSON_MAX_DEPTH);       /* truncated */
	assert_refused("{\"\xe4\xb8\":1}", 7, CJSON_MAX_DEPTH);  /* in a key */
	/* NUL would cut a C string short: refused even when escaped. */
	assert_refused("\"a\\u0000b\"", 10, CJSON_MAX_DEPTH);
}

/* Whitespace, key order and escapes on input do not reach the output. */
static void
test_pinned_bytes(void **state)
{
	assert_canonical(
	    "{ \"v\" : 1,\n  \"seq\": 2,\n  \"body\": { \"urgent\": true,"
	    " \"matter\": \"\\u5360\\u9053\\u7ecf\\u8425\", \"parties\": [] },\n"
	    "  \"audience\": [\"龙羊峡镇\", \"县综合行政执法局\"],\n"
	    "  \"prev\": null, \"ok\": false }",
	    "{\"audience\":[\"龙羊峡镇\",\"县综合行政执法局\"],"
	    "\"body\":{\"matter\":\"占道经营\",\"parties\":[],\"urgent\":true},"
	    "\"ok\":false,\"prev\":null,\"seq\":2,\"v\":1}");
	assert_canonical("[ true , false , null , \"\" , [ ] , { } ]",
	    "[true,false,null,\"\",[],{}]");
}

/* Encoding is a fixed point: parsing canonical text and encoding it again
 * gives the same bytes, whatever order the keys were inserted in. */
static void
test_idempotent_and_order_free(void **state)
{
	json_t *a = json_object(), *b = json_object(), *v;
	char *sa, *sb, *sc;

	json_object_set_new(a, "甲", json_integer(1));
	json_object_set_new(a, "b", json_string("乙\n"));
	json_object_set_new(a, "a", json_pack("{s:b,s:n}", "y", 1, "x"));
	json_object_set_new(b, "a", json_pack("{s:n,s:b}", "x", "y", 1));
	json_object_set_new(b, "甲", json_integer(1));
	json_object_set_new(b, "b", json_string("乙\n"));
	sa = cjson_encode(a, NULL);
	sb = cjson_encode(b, NULL);
	assert_non_null(sa);
	assert_non_null(sb);
	assert_string_equal(sa, sb);
	assert_string_equal(sa,
	    "{\"a\":{\"x\":null,\"y\":true},\"b\":\"乙\\n\",\"甲\":1}");
	v = cjson_parse(sa, strlen(sa), CJSON_MAX_DEPTH, NULL);
	assert_non_null(v);
	sc = cjson_encode(v, NULL);
	assert_string_equal(sa, sc);
	free(sa);
	free(sb);
	free(sc);
	json_decref(a);
	json_decref(b);
	json_decref(v);
}

/*
 * cjson_encode writes the canonical text itself: it must give jansson's
 * json_dumps(JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY), byte for
 * byte, on anything, and fail where it fails. Random values, a fixed
 * seed: keys and strings of any bytes (control characters, quotes,
 * backslashes, NUL, UTF-8 valid or not, prefixes of each other), objects
 * of 0 to 99 members (sorted two ways), integers at their extremes, arrays, literals.
 */
static unsigned long rnd_state = 15;

static unsigned
rnd(unsigned n)
{
	rnd_state = rnd_state * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)(rnd_state >> 33) % n;
}

static size_t
rnd_bytes(char *buf, size_t cap)
{
	static const char *const pieces[] = { "\"", "\\", "\n", "\t", "\b",
		"\f", "\r", "\x01", "\x1f", "\x7f", "/", "a", "b", "z", "A",
		"甲", "乙", "排污口", "\xc3\xa9", "\xf0\x9f\x98\x80", "\xe2\x80\xa8",
		"\xef\xbf\xbf", "\xf4\x8f\xbf\xbf", " ", "{", "}", ",", ":",
		"u0041", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80",
		"\xe0\x80\xaf", "\x80", "\xff", "\xc3", "\0", "\xf5\x80\x80\x80" };
	size_t n = rnd(8), len = 0, i;
	unsigned valid = rnd(4) != 0; /* mostly valid UTF-8 */

	for (i = 0; i < n; i++) {
		unsigned k = rnd(valid ? 29 : sizeof pieces / sizeof pieces[0]);
		size_t plen = k == 36 ? 1 : strlen(pieces[k]);
		if (len + plen >= cap)
			break;
		memcpy(buf + len, pieces[k], plen);
		len += plen;
	}
	return len;
}

static json_t *
rnd_value(int depth)
{
	static const json_int_t ints[] = { 0, 1, -1, 9, 10, 99, 100,
		1767225748390LL, 115816906646487040LL, INT64_MAX, INT64_MIN,
		INT64_MIN + 1, -1000000007LL };
	char buf[64];
	json_t *v;
	size_t i, n;
	int big;

	switch (depth > 4 ? rnd(6) : rnd(9)) {
	case 0: return json_true();
	case 1: return json_false();
	case 2: return json_null();
	case 3: return json_integer(ints[rnd(sizeof ints / sizeof ints[0])]);
	case 4: return json_integer((json_int_t)rnd(1000000) - 500000);
	case 5: n = rnd_bytes(buf, sizeof buf);
		return json_stringn_nocheck(buf, n);
	case 6: case 7:
		v = json_object();
		big = depth == 1 && rnd(8) == 0;
		n = big ? 60 + rnd(40) : rnd(4) == 0 ? rnd(40) : rnd(6);
		for (i = 0; i < n; i++) {
			size_t klen = rnd_bytes(buf, sizeof buf - 8);
			if (big) /* many keys, none the same */
				klen += (size_t)sprintf(buf + klen, "%zu", i);
			/* (a big one's values plain, lest one of them be
			 * a string that cannot be encoded) */
			json_object_setn_new_nocheck(v, buf, klen, big ?
			    json_integer((json_int_t)i) : rnd_value(depth + 1));
		}
		return v;
	default:
		v = json_array();
		n = rnd(5);
		for (i = 0; i < n; i++)
			json_array_append_new(v, rnd_value(depth + 1));
		return v;
	}
}

static void
test_encode_as_jansson(void **state)
{
	int i, failed = 0;

	for (i = 0; i < 20000; i++) {
		json_t *v = rnd_value(1);
		char err[LD_ERRLEN] = "";
		char *want = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS |
		    JSON_ENCODE_ANY);
		char *got = cjson_encode(v, err);

		if (want == NULL) {
			failed++;
			assert_null(got);
			assert_string_equal(err, "value cannot be encoded as JSON");
		} else {
			if (got == NULL)
				fail_msg("value %d not encoded: %s (%s)", i, err,
				    want);
			assert_string_equal(got, want);
		}
		free(want);
		free(got);
		json_decref(v);
	}
	/* Both sides were tried. */
	assert_true(failed > 100 && failed < 15000);
}

/* A real or too deep a value deep inside: the reason cjson_check gives,
 * however far the text was written. */
static void
test_encode_refusals(void **state)
{
	char err[LD_ERRLEN] = "";
	json_t *v = json_pack("{s:s,s:[i,{s:f}]}", "a", "x", "b", 1, "c", 1.5);
	char *deep = nested_arrays(CJSON_MAX_DEPTH * 4 + 1), *got;
	json_t *d;

	assert_null(cjson_encode(v, err));
	assert_non_null(strstr(err, "real numbers"));
	json_decref(v);
	d = json_loads(deep, 0, NULL);
	assert_non_null(d);
	err[0] = '\0';
	assert_null(cjson_encode(d, err));
	assert_non_null(strstr(err, "nested deeper"));
	json_decref(d);
	free(deep);
	deep = nested_arrays(CJSON_MAX_DEPTH * 4);
	d = json_loads(deep, 0, NULL);
	assert_non_null(d);
	got = cjson_encode(d, NULL);
	assert_non_null(got);
	assert_string_equal(got, deep);
	free(got);
	json_decref(d);
	free(deep);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_sorted),
		cmocka_unit_test(test_nested_keys_sorted),
		cmocka_unit_test(test_keys_sorted_by_utf8_bytes),
		cmocka_unit_test(test_chinese_stays_raw),
		cmocka_unit_test(test_unicode_escapes_decode),
		cmocka_unit_test(test_control_characters_escaped),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_integer_values),
		cmocka_unit_test(test_reals_refused),
		cmocka_unit_test(test_duplicate_keys_refused),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_parse_exact_length),
		cmocka_unit_test(test_read_canonical),
		cmocka_unit_test(test_read_gives_up),
		cmocka_unit_test(test_plain_str),
		cmocka_unit_test(test_invalid_utf8_refused),
		cmocka_unit_test(test_pinned_bytes),
		cmocka_unit_test(test_idempotent_and_order_free),
		cmocka_unit_test(test_encode_as_jansson),
		cmocka_unit_test(test_encode_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
