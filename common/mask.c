/*
 * mask.c - private data taken out of a text before it is published (see
 * mask.h).
 */
#include <stdlib.h>
#include <string.h>

#include "mask.h"
#include "text.h"
#include "util.h"

/* The fewest digits masked as a phone or an identity number. */
#define MASK_DIGITS 11

/* A growing string. */
struct buf {
	char *s;
	size_t n, cap;
};

static void
put(struct buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

/* The length in bytes of the UTF-8 character at s (1 for a stray byte). */
static size_t
char_len(const char *s)
{
	unsigned char c = (unsigned char)*s;
	size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4, i;

	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 1;
	return n;
}

char *
mask_name(const char *name)
{
	struct buf b = { NULL, 0, 0 };
	size_t first = *name != '\0' ? char_len(name) : 0, n;
	const char *p;

	put(&b, name, first);
	for (p = name + first; *p != '\0'; p += n) {
		n = char_len(p);
		put(&b, "某", strlen("某"));
	}
	if (b.s == NULL)
		put(&b, "", 0);
	return b.s;
}

/* The length in bytes of a digit at s, ASCII or full-width (０-９), or 0. */
static size_t
digit_at(const char *s)
{
	if (*s >= '0' && *s <= '9')
		return 1;
	if ((unsigned char)s[0] == 0xef && (unsigned char)s[1] == 0xbc &&
	    (unsigned char)s[2] >= 0x90 && (unsigned char)s[2] <= 0x99)
		return 3;
	return 0;
}

/*
 * The number starting at s: its length in bytes (*len) and digits
 * (*digits): digits, one space or hyphen at most between two of them
 * (138-0000-1111, 0974 8512345), and a final X after 17 digits (an
 * identity card).
 */
static void
number_at(const char *s, size_t *len, size_t *digits)
{
	size_t i = 0, d = 0, n;

	for (;;) {
		if ((n = digit_at(s + i)) > 0) {
			i += n;
			d++;
		} else if ((s[i] == ' ' || s[i] == '-') && d > 0 &&
		    digit_at(s + i + 1) > 0) {
			i++;
		} else
			break;
	}
	if (d == 17 && (s[i] == 'X' || s[i] == 'x'))
		i++, d++;
	*len = i;
	*digits = d;
}

/* Appends the number s (len bytes, digits digits) masked: all but its
 * first 3 and last 2 digits an asterisk, what joins them kept. */
static void
put_masked_number(struct buf *b, const char *s, size_t len, size_t digits)
{
	size_t i = 0, seen = 0, n;

	while (i < len) {
		n = digit_at(s + i);
		if (n == 0 && (s[i] == ' ' || s[i] == '-')) {
			put(b, s + i, 1);
			i++;
			continue;
		}
		if (n == 0)
			n = 1; /* the final X */
		seen++;
		if (seen <= 3 || seen > digits - 2)
			put(b, s + i, n);
		else
			put(b, "*", 1);
		i += n;
	}
}

/* Longer names first, so that a name inside another is masked as part of
 * the longer one. */
static int
by_length(const void *a, const void *b)
{
	size_t x = strlen(*(char *const *)a), y = strlen(*(char *const *)b);

	return (x < y) - (x > y);
}

char *
mask_text(const char *text, const json_t *names)
{
	struct buf b = { NULL, 0, 0 };
	const char **v = NULL;
	size_t nv = 0, i, len, digits;
	const char *p = text;
	json_t *n;
	char *m;

	json_array_foreach((json_t *)names, i, n) {
		const char *s = json_string_value(n);
		/* One character alone would mask that character everywhere. */
		if (s == NULL || utf8_chars(s) < 2)
			continue;
		v = xrealloc(v, (nv + 1) * sizeof *v);
		v[nv++] = s;
	}
	if (nv > 0)
		qsort(v, nv, sizeof *v, by_length);
	put(&b, "", 0);
	while (*p != '\0') {
		for (i = 0; i < nv; i++)
			if (strncmp(p, v[i], strlen(v[i])) == 0)
				break;
		if (i < nv) {
			m = mask_name(v[i]);
			put(&b, m, strlen(m));
			free(m);
			p += strlen(v[i]);
			continue;
		}
		if (digit_at(p) > 0) {
			number_at(p, &len, &digits);
			if (digits >= MASK_DIGITS)
				put_masked_number(&b, p, len, digits);
			else
				put(&b, p, len);
			p += len;
			continue;
		}
		len = char_len(p);
		put(&b, p, len);
		p += len;
	}
	free(v);
	return b.s;
}
