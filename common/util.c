/*
 * util.c - allocation, error texts and the error buffer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const error_texts[] = {
	[0] = N_("success"),
	[1] = N_("invalid input"),
	[2] = N_("not found"),
	[3] = N_("database error"),
	[4] = N_("disk full or write failed"),
	[5] = N_("integrity check failed"),
	[6] = N_("configuration error"),
	[7] = N_("already exists"),
	[8] = N_("database is locked"),
	[9] = N_("database is read-only"),
	[10] = N_("internal error"),
	[11] = N_("too large"),
	[12] = N_("not authorized"),
	[13] = N_("fork: same event number with different content"),
	[14] = N_("network error"),
	[15] = N_("refused by the server"),
	[16] = N_("not allowed for this station's role"),
};

const char *
ld_strerror(int code)
{
	size_t i = (size_t)(code < 0 ? -code : code);

	if (i >= sizeof(error_texts) / sizeof(error_texts[0]))
		return _("unknown error");
	return _(error_texts[i]);
}

int
ld_fail(char *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		va_start(ap, fmt);
		vsnprintf(err, LD_ERRLEN, fmt, ap);
		va_end(ap);
	}
	return code;
}

static void
oom(void)
{
	fputs("liandong: fatal: out of memory\n", stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		oom();
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	return s;
}

size_t
ld_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size > 0) {
		size_t c = n < size - 1 ? n : size - 1;
		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}
