/*
 * text.c - UTF-8 validation and display width.
 *
 * Width uses the C library's wcwidth() under a UTF-8 locale, which gives
 * East Asian wide characters two columns. text_init-free: the first call
 * switches LC_CTYPE to C.UTF-8 if the current locale is not UTF-8.
 */
#include <langinfo.h>
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "text.h"
#include "util.h"

int
utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		uint32_t cp;
		size_t n, k;

		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else
			return 0;
		if (i + n >= len)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

int
text_check(const char *field, const char *s, size_t maxchars, int flags,
    char *err)
{
	size_t len = strlen(s), chars;
	const unsigned char *p;

	if (!utf8_valid(s, len))
		return ld_fail(err, LD_EINVAL, _("'%s' is not valid UTF-8"),
		    field);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p >= 0x20 && *p != 0x7f)
			continue;
		if ((flags & TEXT_MULTILINE) && (*p == '\n' || *p == '\t'))
			continue;
		return ld_fail(err, LD_EINVAL,
		    _("'%s' contains a control character"), field);
	}
	chars = utf8_chars(s);
	if (chars > maxchars)
		return ld_fail(err, LD_EINVAL,
		    _("'%s' is too long: %zu characters, at most %zu"), field,
		    chars, maxchars);
	return 0;
}

static void
ensure_utf8_locale(void)
{
	static int done;
	const char *cs;

	if (done)
		return;
	done = 1;
	cs = nl_langinfo(CODESET);
	if (cs == NULL || strcmp(cs, "UTF-8") != 0)
		setlocale(LC_CTYPE, "C.UTF-8");
}

/* Width of the character at s (length *n filled); control -> 1. */
static int
char_width(const char *s, size_t *n)
{
	mbstate_t st;
	wchar_t wc;
	size_t r;
	int w;

	memset(&st, 0, sizeof st);
	r = mbrtowc(&wc, s, MB_CUR_MAX, &st);
	if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
		*n = 1;
		return 1;
	}
	*n = r;
	w = wcwidth(wc);
	return w < 0 ? 1 : w;
}

size_t
text_width(const char *s)
{
	size_t w = 0, n;

	ensure_utf8_locale();
	while (*s != '\0') {
		w += (size_t)char_width(s, &n);
		s += n;
	}
	return w;
}

char *
text_fit(const char *s, size_t maxwidth)
{
	size_t len = strlen(s), w = 0, n, o = 0;
	char *out = xmalloc(len + 4);
	const char *p;

	ensure_utf8_locale();
	if (text_width(s) <= maxwidth) {
		for (p = s; *p != '\0'; p++)
			out[o++] = (*p == '\n' || *p == '\t' || *p == '\r') ?
			    ' ' : *p;
		out[o] = '\0';
		return out;
	}
	if (maxwidth == 0) {
		/* Not even the ellipsis fits. */
		out[0] = '\0';
		return out;
	}
	for (p = s; *p != '\0'; p += n) {
		int cw = char_width(p, &n);
		if (w + (size_t)cw + 1 > maxwidth)
			break;
		if (*p == '\n' || *p == '\t' || *p == '\r')
			out[o++] = ' ';
		else {
			memcpy(out + o, p, n);
			o += n;
		}
		w += (size_t)cw;
	}
	memcpy(out + o, "\xe2\x80\xa6", 3); /* U+2026, one column */
	out[o + 3] = '\0';
	return out;
}

/* The code point at s (not at its end) and its length in bytes; a byte
 * that does not start valid UTF-8 stands for itself, apart from every
 * code point. */
static size_t
next_code_point(const char *s, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = u[0] < 0x80 ? 1 : u[0] < 0xe0 ? 2 : u[0] < 0xf0 ? 3 : 4;
	size_t k;

	if (n == 1 || strnlen(s, n) < n || !utf8_valid(s, n)) {
		*cp = u[0] < 0x80 ? u[0] : 0x80000000u | u[0];
		return 1;
	}
	*cp = u[0] & (0x7f >> n);
	for (k = 1; k < n; k++)
		*cp = (*cp << 6) | (u[k] & 0x3f);
	return n;
}

/* Decodes s into cps (room for TEXT_DISTANCE_MAX); SIZE_MAX if longer. */
static size_t
code_points(const char *s, uint32_t *cps)
{
	size_t n = 0;

	while (*s != '\0') {
		if (n == TEXT_DISTANCE_MAX)
			return SIZE_MAX;
		s += next_code_point(s, &cps[n++]);
	}
	return n;
}

size_t
text_distance(const char *a, const char *b)
{
	uint32_t *ca = xcalloc(2 * TEXT_DISTANCE_MAX, sizeof *ca);
	uint32_t *cb = ca + TEXT_DISTANCE_MAX;
	size_t la = code_points(a, ca), lb = code_points(b, cb), i, j, d;
	size_t row[TEXT_DISTANCE_MAX + 1];

	if (la == SIZE_MAX || lb == SIZE_MAX) {
		free(ca);
		return SIZE_MAX;
	}
	/* One row of the table: row[j] is the distance between the first
	 * i code points of a and the first j of b. */
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j];
			d = diag + (ca[i - 1] != cb[j - 1]);
			if (up + 1 < d)
				d = up + 1;
			if (row[j - 1] + 1 < d)
				d = row[j - 1] + 1;
			row[j] = d;
			diag = up;
		}
	}
	d = row[lb];
	free(ca);
	return d;
}
