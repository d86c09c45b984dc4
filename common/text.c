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
