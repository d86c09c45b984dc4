/*
 * util.c - allocation, error texts and the error buffer.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Each LD_E* code's text and the exit code it gives, by -code. */
static const struct {
	const char *text;
	int exit;
} errors[] = {
	[0] = { N_("success"), EXIT_OK },
	[1] = { N_("invalid input"), EXIT_INVALID },
	[2] = { N_("not found"), EXIT_NOTFOUND },
	[3] = { N_("database error"), EXIT_DATABASE },
	[4] = { N_("disk full or write failed"), EXIT_DATABASE },
	[5] = { N_("integrity check failed"), EXIT_INTEGRITY },
	[6] = { N_("configuration error"), EXIT_CONFIG },
	[7] = { N_("already exists"), EXIT_DATABASE },
	[8] = { N_("database is locked"), EXIT_DATABASE },
	[9] = { N_("database is read-only"), EXIT_DATABASE },
	[10] = { N_("internal error"), EXIT_INTERNAL },
	[11] = { N_("too large"), EXIT_INVALID },
	[12] = { N_("not authorized"), EXIT_REFUSED },
	[13] = { N_("fork: same event number with different content"),
	    EXIT_CONFLICT },
	[14] = { N_("network error"), EXIT_UNREACHABLE },
	[15] = { N_("refused by the server"), EXIT_REFUSED },
	[16] = { N_("not allowed for this station's role"), EXIT_FORBIDDEN },
};

#define NERRORS (sizeof errors / sizeof errors[0])

const char *
ld_strerror(int code)
{
	size_t i = (size_t)(code < 0 ? -code : code);

	return i < NERRORS ? _(errors[i].text) : _("unknown error");
}

int
ld_exit_code(int code)
{
	size_t i = (size_t)(code < 0 ? -code : code);

	return i < NERRORS ? errors[i].exit : EXIT_INTERNAL;
}

int
ld_number(const char *s, long long min, long long max, long long *out,
    const char **rest)
{
	long long n;
	char *end;

	if (s == NULL || !(*s == '-' || (*s >= '0' && *s <= '9')))
		return LD_EINVAL;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || end == s || (rest == NULL && *end != '\0') ||
	    n < min || n > max)
		return LD_EINVAL;
	if (rest != NULL)
		*rest = end;
	*out = n;
	return 0;
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

int
ld_streq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

const char *
ld_pgettext(const char *ctxt, const char *msgid)
{
	char key[256];
	const char *t;

	/* The catalogue keys a context as "ctxt\004msgid". */
	if (snprintf(key, sizeof key, "%s\004%s", ctxt, msgid) >=
	    (int)sizeof key)
		return msgid;
	t = gettext(key);
	return t == key ? msgid : t;
}

int
ld_strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}
