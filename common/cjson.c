/*
 * cjson.c - canonical JSON on top of jansson.
 *
 * jansson does the parsing; this file makes sure the value is in the
 * subset whose printed form is unique (see cjson.h) and prints the
 * sorted, compact form, the bytes jansson's would be (cjson_encode). Text
 * already in that form is read here (cjson_read), and anything else left
 * to jansson.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cjson.h"
#include "util.h"

static int
check(const json_t *v, int depth, int maxdepth, char *err)
{
	const char *key;
	json_t *item;
	size_t i;

	if (depth > maxdepth)
		return ld_fail(err, LD_EINVAL,
		    _("JSON nested deeper than %d levels"), maxdepth);
	switch (json_typeof(v)) {
	case JSON_REAL:
		return ld_fail(err, LD_EINVAL,
		    _("real numbers are not allowed, use an integer or a string"));
	case JSON_OBJECT:
		json_object_foreach((json_t *)v, key, item) {
			int rc = check(item, depth + 1, maxdepth, err);
			if (rc != 0)
				return rc;
		}
		break;
	case JSON_ARRAY:
		json_array_foreach(v, i, item) {
			int rc = check(item, depth + 1, maxdepth, err);
			if (rc != 0)
				return rc;
		}
		break;
	default:
		break;
	}
	return 0;
}

int
cjson_check(const json_t *v, int maxdepth, char *err)
{
	return check(v, 1, maxdepth, err);
}

/*
 * The canonical text, written here rather than by json_dumps (which looks
 * every key up again after sorting them, and goes through a callback and
 * snprintf for each piece): the same bytes as json_dumps(v, JSON_COMPACT |
 * JSON_SORT_KEYS | JSON_ENCODE_ANY) in jansson 2.14, which test-cjson
 * checks against jansson itself. Keys sorted by their bytes (memcmp, the
 * shorter first); in strings '"', '\\' and the control characters escaped
 * (\b \f \n \r \t, else \u00XX in capitals), every other byte as it is;
 * a string that is not valid UTF-8 as jansson reads it (no overlong
 * forms, surrogates or code points past U+10FFFF) cannot be encoded
 * (a key, see encode_object).
 */
struct out {
	char *s;	/* owned */
	size_t len, cap;
};

static void
out_more(struct out *o, size_t n)
{
	while (o->len + n > o->cap)
		o->cap = o->cap ? o->cap * 2 : 1024;
	o->s = xrealloc(o->s, o->cap);
}

static inline void
out_put(struct out *o, const char *s, size_t n)
{
	if (o->len + n > o->cap)
		out_more(o, n);
	memcpy(o->s + o->len, s, n);
	o->len += n;
}

static inline void
out_char(struct out *o, char c)
{
	if (o->len + 1 > o->cap)
		out_more(o, 1);
	o->s[o->len++] = c;
}

/* Bytes of the UTF-8 sequence at s (n > 0 bytes left), 0 if invalid. */
static inline size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xc2)
		return 0;
	if (s[0] >= 0xe0 && s[0] < 0xf0 && n >= 3) {
		/* Three bytes, as most Chinese text: checked at once. */
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		cp = (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 |
		    (s[2] & 0x3f);
		return cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff) ? 0 : 3;
	}
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : s[0] < 0xf5 ? 4 : 0;
	if (len == 0 || len > n)
		return 0;
	cp = s[0] & (0xff >> (len + 1));
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

int
cjson_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = utf8_len(p + i, n - i)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

/* A JSON string of the n bytes at s; -1 if they are not UTF-8. */
static int
out_string(struct out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, k;

	out_char(o, '"');
	while (i < n) {
		unsigned char c = p[i];
		char esc[6];
		size_t elen = 2;

		if (c >= 0x80) {
			if ((k = utf8_len(p + i, n - i)) == 0)
				return -1;
			i += k;
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		out_put(o, s + run, i - run);
		esc[0] = '\\';
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			elen = 6;
		}
		out_put(o, esc, elen);
		run = ++i;
	}
	out_put(o, s + run, n - run);
	out_char(o, '"');
	return 0;
}

static void
out_int(struct out *o, json_int_t v)
{
	char buf[24], *p = buf + sizeof buf;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	out_put(o, p, (size_t)(buf + sizeof buf - p));
}

struct member {
	const char *key;
	size_t klen;
	json_t *v;
};

static inline int
member_cmp(const struct member *a, const struct member *b)
{
	int c;

	/* Most keys differ in their first byte: no call for those. */
	if (a->klen > 0 && b->klen > 0 && a->key[0] != b->key[0])
		return (unsigned char)a->key[0] < (unsigned char)b->key[0] ?
		    -1 : 1;
	c = memcmp(a->key, b->key, a->klen < b->klen ? a->klen : b->klen);

	if (c != 0)
		return c;
	return a->klen < b->klen ? -1 : a->klen > b->klen;
}

static int
member_qcmp(const void *a, const void *b)
{
	return member_cmp(a, b);
}

static int encode(struct out *o, const json_t *v, int depth);

static int
encode_object(struct out *o, const json_t *v, int depth)
{
	struct member small[64], *m = small;
	size_t n = json_object_size(v), i = 0, j, klen;
	const char *key;
	json_t *item;
	int rc = 0;

	if (n > sizeof small / sizeof small[0])
		m = xcalloc(n, sizeof *m);
	json_object_keylen_foreach((json_t *)v, key, klen, item) {
		struct member x = { key, klen, item };
		/* Insertion sort: a projection holds a few dozen keys. */
		for (j = i; m == small && j > 0 && member_cmp(&m[j - 1], &x) > 0;
		    j--)
			m[j] = m[j - 1];
		m[j] = x;
		i++;
	}
	if (m != small)
		qsort(m, n, sizeof *m, member_qcmp);
	out_char(o, '{');
	for (i = 0; rc == 0 && i < n; i++) {
		if (i > 0)
			out_char(o, ',');
		/* A key that is not UTF-8 (set by json_object_setn_nocheck)
		 * is cut where it stops being so, without its closing quote,
		 * and the rest written on: what jansson does. */
		(void)out_string(o, m[i].key, m[i].klen);
		out_char(o, ':');
		rc = encode(o, m[i].v, depth + 1);
	}
	out_char(o, '}');
	if (m != small)
		free(m);
	return rc;
}

/* v at nesting depth (the top 1); -1 if it cannot be encoded. */
static int
encode(struct out *o, const json_t *v, int depth)
{
	size_t i, n;
	int rc = 0;

	if (depth > CJSON_MAX_DEPTH * 4)
		return -1;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return encode_object(o, v, depth);
	case JSON_ARRAY:
		out_char(o, '[');
		n = json_array_size(v);
		for (i = 0; rc == 0 && i < n; i++) {
			if (i > 0)
				out_char(o, ',');
			rc = encode(o, json_array_get(v, i), depth + 1);
		}
		out_char(o, ']');
		return rc;
	case JSON_STRING:
		return out_string(o, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		out_int(o, json_integer_value(v));
		return 0;
	case JSON_TRUE:
		out_put(o, "true", 4);
		return 0;
	case JSON_FALSE:
		out_put(o, "false", 5);
		return 0;
	case JSON_NULL:
		out_put(o, "null", 4);
		return 0;
	default:
		return -1; /* a real */
	}
}

char *
cjson_encode(const json_t *v, char *err)
{
	struct out o = { NULL, 0, 0 };

	if (encode(&o, v, 1) != 0) {
		/* The reason, as cjson_check gives it (it walks in another
		 * order, and would have refused before anything was written);
		 * else a string that is not UTF-8. */
		free(o.s);
		if (cjson_check(v, CJSON_MAX_DEPTH * 4, err) == 0)
			ld_fail(err, LD_EINVAL,
			    _("value cannot be encoded as JSON"));
		return NULL;
	}
	out_char(&o, '\0');
	return o.s;
}

json_t *
cjson_parse(const char *buf, size_t len, int maxdepth, char *err)
{
	json_error_t je;
	json_t *v;

	v = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (v == NULL) {
		ld_fail(err, LD_EINVAL, _("invalid JSON at byte %d: %s"),
		    je.position, je.text);
		return NULL;
	}
	if (cjson_check(v, maxdepth, err) != 0) {
		json_decref(v);
		return NULL;
	}
	return v;
}

/*
 * Reading the canonical form (cjson_read): the text cjson_encode writes,
 * which is nearly all a station stores or is sent, read without jansson's
 * lexer (which takes the text a character at a time through a callback,
 * copies each string into a buffer, and checks its UTF-8 again when the
 * value is made: two fifths of a re-fold). Whatever this reader does not
 * expect is not an error here but a reason to give up: an escape, a
 * space, keys out of order or twice, a real, a number written otherwise
 * than cjson_encode writes it, nesting deeper than maxdepth, bytes that
 * are not UTF-8. The caller then asks cjson_parse, which decides; so what
 * this reader accepts, cjson_parse gives the same value for (test-cjson;
 * fuzz-event compares the two on every input).
 */
struct rd {
	const char *p, *end;
	int maxdepth;
};

size_t
cjson_plain_str(const char *s, const char *end)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *e = (const unsigned char *)end;
	size_t k;

	if (p >= e || *p != '"')
		return 0;
	/* A '"' cannot sit inside a UTF-8 sequence (its bytes after the
	 * first are 0x80-0xbf), so the first one ends the string. */
	for (p++; p < e; p += k) {
		if (*p == '"')
			return (size_t)((const char *)p + 1 - s);
		if (*p < 0x20 || *p == '\\')
			return 0;
		if ((k = utf8_len(p, (size_t)(e - p))) == 0)
			return 0;
	}
	return 0;
}

/* An integer as cjson_encode writes it (no "-0", no leading zero) of at
 * most 18 digits, which cannot overflow. */
static json_t *
rd_int(struct rd *r)
{
	const char *q = r->p;
	int64_t x = 0;
	int neg = 0, n = 0;

	if (*q == '-') {
		neg = 1;
		q++;
	}
	if (q >= r->end || *q < '0' || *q > '9' || (neg && *q == '0'))
		return NULL;
	if (*q == '0')
		q++;	/* what follows cannot be a digit where it is read */
	else
		while (q < r->end && *q >= '0' && *q <= '9') {
			if (++n > 18)
				return NULL;
			x = x * 10 + (*q++ - '0');
		}
	r->p = q;
	return json_integer(neg ? -x : x);
}

/* The literal lit (true, false, null) as v. */
static json_t *
rd_lit(struct rd *r, const char *lit, json_t *v)
{
	size_t n = strlen(lit);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, lit, n) != 0)
		return NULL;
	r->p += n;
	return v;
}

static json_t *rd_value(struct rd *r, int depth);

/* 1 if the next byte is c, stepped past. */
static inline int
rd_next(struct rd *r, char c)
{
	if (r->p < r->end && *r->p == c) {
		r->p++;
		return 1;
	}
	return 0;
}

static json_t *
rd_object(struct rd *r, int depth)
{
	const char *key, *prev = NULL;
	size_t klen, plen = 0, len;
	json_t *o = json_object(), *v;
	int c;

	r->p++;
	if (rd_next(r, '}'))
		return o;
	do {
		if ((len = cjson_plain_str(r->p, r->end)) == 0)
			goto fail;
		key = r->p + 1;
		klen = len - 2;
		r->p += len;
		/* Sorted by their bytes, the shorter first: so no key twice. */
		if (prev != NULL && ((c = memcmp(prev, key, plen < klen ?
		    plen : klen)) > 0 || (c == 0 && plen >= klen)))
			goto fail;
		if (!rd_next(r, ':') || (v = rd_value(r, depth + 1)) == NULL)
			goto fail;
		json_object_setn_new_nocheck(o, key, klen, v);
		prev = key;
		plen = klen;
	} while (rd_next(r, ','));
	if (rd_next(r, '}'))
		return o;
fail:
	json_decref(o);
	return NULL;
}

static json_t *
rd_array(struct rd *r, int depth)
{
	json_t *a = json_array(), *v;

	r->p++;
	if (rd_next(r, ']'))
		return a;
	do {
		if ((v = rd_value(r, depth + 1)) == NULL)
			goto fail;
		json_array_append_new(a, v);
	} while (rd_next(r, ','));
	if (rd_next(r, ']'))
		return a;
fail:
	json_decref(a);
	return NULL;
}

/* The value at r->p, at nesting depth (the top 1, as cjson_check counts). */
static json_t *
rd_value(struct rd *r, int depth)
{
	size_t len;
	json_t *v;

	if (depth > r->maxdepth || r->p >= r->end)
		return NULL;
	switch (*r->p) {
	case '{':
		return rd_object(r, depth);
	case '[':
		return rd_array(r, depth);
	case '"':
		if ((len = cjson_plain_str(r->p, r->end)) == 0)
			return NULL;
		v = json_stringn_nocheck(r->p + 1, len - 2);
		r->p += len;
		return v;
	case 't':
		return rd_lit(r, "true", json_true());
	case 'f':
		return rd_lit(r, "false", json_false());
	case 'n':
		return rd_lit(r, "null", json_null());
	default:
		return rd_int(r);
	}
}

/* jansson 2.14 refuses anything nested deeper than this (its
 * JSON_PARSER_MAX_DEPTH), whatever the caller allows. */
#define JANSSON_MAX_DEPTH 2048

json_t *
cjson_read(const char *buf, size_t len, int maxdepth, size_t *used)
{
	struct rd r = { buf, buf + len,
	    maxdepth < JANSSON_MAX_DEPTH ? maxdepth : JANSSON_MAX_DEPTH };
	json_t *v;

	if ((v = rd_value(&r, 1)) != NULL)
		*used = (size_t)(r.p - buf);
	return v;
}

const char *
cjson_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}
