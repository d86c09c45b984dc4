/*
 * util.h - small things every module needs: allocation that aborts on
 * out-of-memory, the error codes of the library and their fixed texts, the
 * caller's error buffer, and the gettext marker for user-facing strings.
 *
 * Error convention (see STYLE.md): functions return 0 on success or a
 * negative LD_E* code; the detail goes into a caller-supplied buffer of
 * LD_ERRLEN bytes. Codes are numbered forever: add new ones at the end.
 */
#ifndef LD_UTIL_H
#define LD_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)
/* Marks a msgid with a context for xgettext (--keyword=NC_:1c,2);
 * translated at run time with ld_pgettext. */
#define NC_(c, s) (s)

#define LD_ERRLEN 512

enum ld_error {
	LD_OK = 0,
	LD_EINVAL = -1,     /* input is malformed or breaks a rule */
	LD_ENOTFOUND = -2,  /* no such id */
	LD_EDB = -3,        /* local database error: open, lock, read-only */
	LD_EFULL = -4,      /* disk full or a write failed */
	LD_EINTEGRITY = -5, /* hash chain or projection mismatch */
	LD_ECONFIG = -6,    /* configuration file problem */
	LD_EEXIST = -7,     /* already exists */
	LD_ELOCKED = -8,    /* database locked by another process */
	LD_EREADONLY = -9,  /* database or its directory is read-only */
	LD_EINTERNAL = -10, /* a bug: should not happen */
	LD_ETOOBIG = -11,   /* over a size limit */
	LD_EAUTH = -12,     /* not authenticated or not allowed */
	LD_EFORK = -13,     /* same (station, seq), different hash */
	LD_ENET = -14,      /* network or TLS failure */
	LD_EREFUSED = -15,  /* the server refused the request */
	LD_EPERM = -16,     /* not allowed for this station's role */
};

/*
 * Exit codes of both programs, documented in docs/exit-codes.md: fixed
 * forever, a new condition gets a new number. ld_exit_code gives the one
 * exit code of an LD_E* code (the table in util.c, beside its text).
 */
enum ld_exit {
	EXIT_OK = 0,
	EXIT_INTERNAL = 1,
	EXIT_USAGE = 2,
	EXIT_INVALID = 3,
	EXIT_NOTFOUND = 4,
	EXIT_CONFIG = 5,
	EXIT_DATABASE = 6,
	EXIT_UNREACHABLE = 7,
	EXIT_REFUSED = 8,
	EXIT_CONFLICT = 9,
	EXIT_INTEGRITY = 10,
	EXIT_FORBIDDEN = 11,
};

const char *ld_strerror(int code);
int ld_exit_code(int code);

/*
 * A whole number in decimal from min to max into *out: the whole of s
 * when rest is NULL, else its leading digits, *rest pointing after them.
 * No sign but '-', no spaces, no overflow. Returns 0 or LD_EINVAL (out
 * unchanged); the caller names the option in its message.
 */
int ld_number(const char *s, long long min, long long max, long long *out,
    const char **rest);

/* Fills err (LD_ERRLEN bytes, may be NULL) and returns code. */
int ld_fail(char *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Copies at most size-1 bytes and always terminates. Returns strlen(src). */
size_t ld_strlcpy(char *dst, const char *src, size_t size);
/* 1 if a and b are both strings and equal (either may be NULL). */
int ld_streq(const char *a, const char *b);
/* strcmp of two char * that a and b point at: qsort's comparison for an
 * array of strings. */
int ld_strcmp_p(const void *a, const void *b);
/* gettext of msgid in context ctxt (msgctxt in the catalogue), for a
 * msgid known only at run time; msgid itself when untranslated. */
const char *ld_pgettext(const char *ctxt, const char *msgid);

#endif
