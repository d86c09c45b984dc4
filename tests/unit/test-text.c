/*
 * test-text.c - UTF-8 validation, the text_check rules every event field
 * passes, and display widths for tables that mix Chinese and ASCII.
 */
#include <locale.h>
#include <string.h>
#include <wchar.h>

#include "harness.h"

#include "text.h"
#include "unit.h"

#define VALID(lit) utf8_valid(lit, sizeof(lit) - 1)

static void
test_utf8_valid_sequences(void **state)
{
	assert_true(utf8_valid("", 0));
	assert_true(VALID("plain ASCII"));
	assert_true(VALID("\xc3\xa9"));             /* é, two bytes */
	assert_true(VALID("占道经营"));               /* three bytes each */
	assert_true(VALID("\xf0\x9f\x98\x80"));     /* U+1F600, four bytes */
	assert_true(VALID("a\0b"));                 /* NUL is ASCII */
	/* The edges of each length and of the surrogate gap. */
	assert_true(VALID("\xc2\x80"));             /* U+0080 */
	assert_true(VALID("\xdf\xbf"));             /* U+07FF */
	assert_true(VALID("\xe0\xa0\x80"));         /* U+0800 */
	assert_true(VALID("\xed\x9f\xbf"));         /* U+D7FF */
	assert_true(VALID("\xee\x80\x80"));         /* U+E000 */
	assert_true(VALID("\xef\xbf\xbf"));         /* U+FFFF */
	assert_true(VALID("\xf0\x90\x80\x80"));     /* U+10000 */
	assert_true(VALID("\xf4\x8f\xbf\xbf"));     /* U+10FFFF */
}

static void
test_utf8_invalid_sequences(void **state)
{
	/* Overlong forms of '/', NUL and the edges. */
	assert_false(VALID("\xc0\xaf"));
	assert_false(VALID("\xc0\x80"));
	assert_false(VALID("\xc1\xbf"));
	assert_false(VALID("\xe0\x80\xaf"));
	assert_false(VALID("\xe0\x9f\xbf"));
	assert_false(VALID("\xf0\x80\x80\xaf"));
	assert_false(VALID("\xf0\x8f\xbf\xbf"));
	/* UTF-16 surrogates, alone or paired. */
	assert_false(VALID("\xed\xa0\x80"));
	assert_false(VALID("\xed\xbf\xbf"));
	assert_false(VALID("\xed\xa0\xbd\xed\xb8\x80"));
	/* Above U+10FFFF, and bytes that never occur. */
	assert_false(VALID("\xf4\x90\x80\x80"));
	assert_false(VALID("\xf5\x80\x80\x80"));
	assert_false(VALID("\xf8\x88\x80\x80\x80"));
	assert_false(VALID("\xfe"));
	assert_false(VALID("\xff"));
	/* Continuation bytes without a lead. */
	assert_false(VALID("\x80"));
	assert_false(VALID("a\xbf" "b"));
	/* Truncated: at the end, before ASCII, before another lead. */
	assert_false(VALID("\xe4\xb8"));
	assert_false(VALID("\xe4"));
	assert_false(VALID("\xe4\xb8" "a"));
	assert_false(VALID("\xe4\xb8\xe4\xb8\xad"));
	assert_false(VALID("\xf0\x9f\x98"));
	assert_false(VALID("ok\xc3"));
	/* Only len bytes count: a valid string cut inside a character. */
	assert_false(utf8_valid("中", 2));
	assert_true(utf8_valid("中文", 3));
}

static void
test_utf8_chars(void **state)
{
	assert_int_equal(utf8_chars(""), 0);
	assert_int_equal(utf8_chars("abc"), 3);
	assert_int_equal(utf8_chars("占道经营"), 4);
	assert_int_equal(utf8_chars("ab中\xf0\x9f\x98\x80"), 4);
}

static void
test_text_check_accepts(void **state)
{
	char err[LD_ERRLEN];

	assert_int_equal(text_check("matter", "占道经营", 60, 0, err), 0);
	assert_int_equal(text_check("matter", "", 60, 0, err), 0);
	assert_int_equal(text_check("description", "第一行\n第二行\t完",
	    2000, TEXT_MULTILINE, err), 0);
}

static void
test_text_check_length_in_characters(void **state)
{
	char err[LD_ERRLEN] = "";
	char *s;

	/* 40 Chinese characters are 120 bytes but fit a 40-character field. */
	s = unit_repeat("镇", 40);
	assert_int_equal(text_check("unit", s, 40, 0, err), 0);
	free(s);
	s = unit_repeat("镇", 41);
	assert_int_equal(text_check("unit", s, 40, 0, err), LD_EINVAL);
	assert_non_null(strstr(err, "unit"));
	free(s);
	s = unit_repeat("a", 101);
	assert_int_equal(text_check("x", s, 100, TEXT_MULTILINE, err),
	    LD_EINVAL);
	free(s);
}

static void
test_text_check_control_characters(void **state)
{
	static const char *const bad[] = { "a\x01" "b", "a\x1f", "\x7f", "a\rb",
		"\x1b[31mred", "a\x0b", NULL };
	char err[LD_ERRLEN] = "";
	size_t i;

	for (i = 0; bad[i] != NULL; i++) {
		assert_int_equal(text_check("f", bad[i], 100, 0, err), LD_EINVAL);
		assert_int_equal(text_check("f", bad[i], 100, TEXT_MULTILINE,
		    err), LD_EINVAL);
	}
	/* Newline and tab only where several lines are allowed. */
	err[0] = '\0';
	assert_int_equal(text_check("location", "一\n二", 100, 0, err),
	    LD_EINVAL);
	assert_non_null(strstr(err, "location"));
	assert_int_equal(text_check("location", "一\t二", 100, 0, err),
	    LD_EINVAL);
	assert_int_equal(text_check("location", "一\n二", 100, TEXT_MULTILINE,
	    err), 0);
}

static void
test_text_check_invalid_utf8(void **state)
{
	char err[LD_ERRLEN] = "";

	assert_int_equal(text_check("author", "张\xe4\xb8", 32, 0, err),
	    LD_EINVAL);
	assert_non_null(strstr(err, "author"));
	assert_int_equal(text_check("author", "\xc0\x80", 32, 0, err),
	    LD_EINVAL);
}

static void
test_text_width(void **state)
{
	assert_int_equal(text_width(""), 0);
	assert_int_equal(text_width("abc"), 3);
	assert_int_equal(text_width("中文"), 4);
	assert_int_equal(text_width("占道经营"), 8);
	assert_int_equal(text_width("a中b"), 4);
	assert_int_equal(text_width("占道经营 2号"), 12);
	assert_int_equal(text_width("C-s1-1 龙羊峡镇"), 15);
	assert_int_equal(text_width("，。"), 4);     /* full-width punctuation */
	assert_int_equal(text_width("\xc3\xa9t\xc3\xa9"), 3); /* été */
}

/* The width the C library gives s under a UTF-8 locale, as text_width
 * counted it before its tables: mbrtowc per character, a byte that does
 * not decode one column, wcwidth's -1 (a control) one column. */
static size_t
libc_width(const char *s)
{
	size_t w = 0;

	while (*s != '\0') {
		mbstate_t st;
		wchar_t wc;
		size_t r;
		int cw;

		memset(&st, 0, sizeof st);
		r = mbrtowc(&wc, s, MB_CUR_MAX, &st);
		if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
			w++;
			s++;
			continue;
		}
		cw = wcwidth(wc);
		w += cw < 0 ? 1 : (size_t)cw;
		s += r;
	}
	return w;
}

/* UTF-8 of cp (any value up to 0x10ffff, surrogates too) into buf. */
static void
encode(uint32_t cp, char *buf)
{
	unsigned char *b = (unsigned char *)buf;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		b[1] = 0;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		b[2] = 0;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		b[3] = 0;
	} else {
		b[0] = (unsigned char)(0xf0 | cp >> 18);
		b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		b[4] = 0;
	}
}

static int
utf8_locale(void)
{
	return setlocale(LC_CTYPE, "C.UTF-8") != NULL ||
	    setlocale(LC_CTYPE, "en_US.UTF-8") != NULL;
}

/* Every code point, alone and between two others (a combining mark after
 * a letter, a wide one inside ASCII), as wide as wcwidth says. */
static void
test_text_width_every_code_point(void **state)
{
	char one[8], three[16];
	uint32_t cp;

	if (!utf8_locale())
		skip();
	for (cp = 1; cp <= 0x10ffff; cp++) {
		encode(cp, one);
		if (text_width(one) != libc_width(one))
			fail_msg("U+%04X: %zu columns, wcwidth says %zu", cp,
			    text_width(one), libc_width(one));
		snprintf(three, sizeof three, "a%s中", one);
		assert_int_equal(text_width(three), libc_width(three));
	}
}

/* Bytes that are not UTF-8 (stray continuations, overlongs, surrogates,
 * past U+10FFFF, cut short by the string's end or by another byte) count
 * as the C library counts them: one column each. */
static void
test_text_width_invalid_bytes(void **state)
{
	static const unsigned char tails[] = { 0x01, 0x41, 0x7f, 0x80, 0x8f,
	    0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xe0, 0xe4, 0xf0, 0xff };
	char s[8];
	unsigned a, b, c, d;

	if (!utf8_locale())
		skip();
	for (a = 0x80; a <= 0xff; a++) {
		s[0] = (char)a;
		s[1] = 0;
		assert_int_equal(text_width(s), libc_width(s));
		for (b = 1; b <= 0xff; b++) {
			s[1] = (char)b;
			s[2] = 0;
			assert_int_equal(text_width(s), libc_width(s));
			for (c = 0; c < sizeof tails; c++) {
				s[2] = (char)tails[c];
				s[3] = 0;
				if (text_width(s) != libc_width(s))
					fail_msg("%02x %02x %02x: %zu, libc %zu",
					    a, b, tails[c], text_width(s),
					    libc_width(s));
				for (d = 0; d < sizeof tails; d++) {
					s[3] = (char)tails[d];
					s[4] = 'x';
					s[5] = 0;
					if (text_width(s) != libc_width(s))
						fail_msg("%02x %02x %02x %02x: %zu, "
						    "libc %zu", a, b, tails[c],
						    tails[d], text_width(s),
						    libc_width(s));
				}
			}
		}
	}
}

/* Past U+10FFFF the C library still decodes (four to six bytes, one
 * column each): so does text_width. */
static void
test_text_width_beyond_unicode(void **state)
{
	static const char *const s[] = { "\xf4\x90\x80\x80x",
	    "\xf7\xbf\xbf\xbf", "\xf8\x88\x80\x80\x80x",
	    "\xf8\x80\x80\x80\x80x", "\xfb\xbf\xbf\xbf\xbf\xe4\xb8\xad",
	    "\xfc\x84\x80\x80\x80\x80x", "\xfd\xbf\xbf\xbf\xbf\xbf",
	    "\xfc\x80\x80\x80\x80\x80x", "\xfc\x84\x80\x80\x80x",
	    "\xfe\x80x", "\xff" };
	size_t i;

	if (!utf8_locale())
		skip();
	for (i = 0; i < sizeof s / sizeof s[0]; i++)
		if (text_width(s[i]) != libc_width(s[i]))
			fail_msg("sample %zu: %zu columns, libc %zu", i,
			    text_width(s[i]), libc_width(s[i]));
}

static void
test_text_fit_fits(void **state)
{
	char *s;

	/* Short enough: unchanged apart from newlines and tabs. */
	s = text_fit("占道经营", 8);
	assert_string_equal(s, "占道经营");
	free(s);
	s = text_fit("一\n二\t三\r", 20);
	assert_string_equal(s, "一 二 三 ");
	free(s);
	s = text_fit("", 0);
	assert_string_equal(s, "");
	free(s);
}

static void
test_text_fit_truncates(void **state)
{
	char *s;

	/* 占道经 (6) + … (1) = 7; 营 would make it 9. */
	s = text_fit("占道经营问题", 7);
	assert_string_equal(s, "占道经…");
	free(s);
	s = text_fit("占道经营问题", 8);
	assert_string_equal(s, "占道经…");
	free(s);
	s = text_fit("占道经营问题", 11);
	assert_string_equal(s, "占道经营问…");
	free(s);
	s = text_fit("abcdefghij", 5);
	assert_string_equal(s, "abcd…");
	free(s);
	s = text_fit("ab中文", 4);
	assert_string_equal(s, "ab…");
	free(s);
	s = text_fit("a\nbcdef", 4);
	assert_string_equal(s, "a b…");
	free(s);
	s = text_fit("中文", 1);
	assert_string_equal(s, "…");
	free(s);
	/* Not even the ellipsis fits in zero columns. */
	s = text_fit("中文", 0);
	assert_string_equal(s, "");
	free(s);
}

/* Whatever the width asked for, the result fits it, never ends in half a
 * character, and is cut only when it has to be. */
/* text_fit_width gives text_fit's text and that text's width, for text
 * that fits, text cut (wide, zero-width and invalid characters at the
 * cut) and whitespace made spaces. */
static void
test_text_fit_width(void **state)
{
	static const char *const samples[] = { "占道经营 2号 龙羊峡镇",
		"e\xcc\x81t\xcc\x81" "e\xcc\x81 中\xe2\x80\x8b" "文", "\xff\xfe" "中\xc3",
		"一\n二\t三\r", "ｱｲｳ한국어😀", "", NULL };
	size_t i, w, got;

	for (i = 0; samples[i] != NULL; i++) {
		for (w = 0; w <= text_width(samples[i]) + 2; w++) {
			char *a = text_fit(samples[i], w);
			char *b = text_fit_width(samples[i], w, &got);
			assert_string_equal(a, b);
			assert_int_equal(got, text_width(b));
			free(a);
			free(b);
		}
	}
}

static void
test_text_fit_never_overflows(void **state)
{
	static const char *const samples[] = { "占道经营 2号 龙羊峡镇",
		"mixed 中文 and ASCII", "\xf0\x9f\x98\x80 emoji", "x", NULL };
	size_t i, w;

	for (i = 0; samples[i] != NULL; i++) {
		size_t full = text_width(samples[i]);
		for (w = 0; w <= full + 2; w++) {
			char *s = text_fit(samples[i], w);
			assert_true(utf8_valid(s, strlen(s)));
			assert_true(text_width(s) <= w);
			if (w >= full)
				assert_string_equal(s, samples[i]);
			else if (w > 0)
				assert_non_null(strstr(s, "…"));
			free(s);
		}
	}
}

static void
test_text_distance_counts_characters(void **state)
{
	assert_int_equal(text_distance("", ""), 0);
	assert_int_equal(text_distance("abc", ""), 3);
	assert_int_equal(text_distance("", "县司法局"), 4);
	assert_int_equal(text_distance("kitten", "sitting"), 3);
	/* One Chinese character changed, dropped or added is one edit. */
	assert_int_equal(text_distance("县市场监督局", "县市场监管局"), 1);
	assert_int_equal(text_distance("市场监管局", "县市场监管局"), 1);
	assert_int_equal(text_distance("县市场监管局局", "县市场监管局"), 1);
	/* Two characters swapped are two substitutions. */
	assert_int_equal(text_distance("县管监局", "县监管局"), 2);
	assert_int_equal(text_distance("县司法局", "县司法局"), 0);
	assert_int_equal(text_distance("县公安局", "县林业局"), 2);
	/* Symmetric, and mixed scripts count code points too. */
	assert_int_equal(text_distance("县住建局", "住建局x"), 2);
	assert_int_equal(text_distance("住建局x", "县住建局"), 2);
	assert_int_equal(text_distance("\xf0\x9f\x98\x80", "x"), 1);
}

static void
test_text_distance_odd_input(void **state)
{
	char *big = xmalloc(TEXT_DISTANCE_MAX + 2);

	/* Bytes that are not UTF-8 are one character each, never merged
	 * with what follows. */
	assert_int_equal(text_distance("\xe5\xbf", "\xe5\xbf"), 0);
	assert_int_equal(text_distance("\xe5\xbf", "忿"), 2);
	assert_int_equal(text_distance("\xff局", "县局"), 1);
	assert_int_equal(text_distance("\xc0\xaf", "/"), 2);
	/* Past the cap the strings are not compared at all. */
	memset(big, 'a', TEXT_DISTANCE_MAX + 1);
	big[TEXT_DISTANCE_MAX + 1] = '\0';
	assert_true(text_distance(big, "a") == SIZE_MAX);
	assert_true(text_distance("a", big) == SIZE_MAX);
	big[TEXT_DISTANCE_MAX] = '\0';
	assert_int_equal(text_distance(big, big), 0);
	assert_int_equal(text_distance(big, ""), TEXT_DISTANCE_MAX);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_valid_sequences),
		cmocka_unit_test(test_utf8_invalid_sequences),
		cmocka_unit_test(test_utf8_chars),
		cmocka_unit_test(test_text_check_accepts),
		cmocka_unit_test(test_text_check_length_in_characters),
		cmocka_unit_test(test_text_check_control_characters),
		cmocka_unit_test(test_text_check_invalid_utf8),
		cmocka_unit_test(test_text_width),
		cmocka_unit_test(test_text_width_every_code_point),
		cmocka_unit_test(test_text_width_invalid_bytes),
		cmocka_unit_test(test_text_width_beyond_unicode),
		cmocka_unit_test(test_text_fit_fits),
		cmocka_unit_test(test_text_fit_truncates),
		cmocka_unit_test(test_text_fit_never_overflows),
		cmocka_unit_test(test_text_fit_width),
		cmocka_unit_test(test_text_distance_counts_characters),
		cmocka_unit_test(test_text_distance_odd_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
