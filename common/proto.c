/*
 * proto.c - NDJSON framing for sync bodies, and the one codec of their
 * headers (proto.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cjson.h"
#include "proto.h"
#include "util.h"

int
ndjson_next(const char *buf, size_t buf_len, size_t *pos, const char **line,
    size_t *len)
{
	while (*pos < buf_len) {
		const char *start = buf + *pos;
		const char *nl = memchr(start, '\n', buf_len - *pos);
		size_t n = nl ? (size_t)(nl - start) : buf_len - *pos;

		*pos += n + (nl != NULL);
		if (n > 0 && start[n - 1] == '\r')
			n--;
		if (n == 0)
			continue;
		*line = start;
		*len = n;
		return 1;
	}
	return 0;
}

const char *const proto_doc_names[PROTO_DOCS] = {
	[PROTO_PROFILE] = "profile",
	[PROTO_CALENDAR] = "calendar",
	[PROTO_UNITS] = "units",
	[PROTO_NEXT_CA] = "next_ca",
};

/* An integer member, or def when it is absent or not an integer. */
static int64_t
int_of(const json_t *o, const char *key, int64_t def)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : def;
}

/*
 * The compact form of a header (since issue 15): the same members under
 * names of one or two letters, flags as 1 (absent when false) and the
 * digest as [count, "xor"], about 40 bytes less a request and 35 an
 * answer (docs/protocol.md, "Compact headers"). A header is compact when
 * it has "c" and no "cursor".
 */
static const struct {
	const char *name, *compact;
} members[] = {
	{ "acked", "a" }, { "backlog", "b" }, { "cursor", "c" },
	{ "digest", "d" }, { "epoch", "e" }, { "final", "f" },
	{ "heads", "h" }, { "more", "m" }, { "own", "o" },
	{ "own_more", "om" }, { "quarantined", "q" }, { "received", "r" },
	{ "time", "t" }, { "profile", "p" }, { "calendar", "k" },
	{ "units", "u" }, { "next_ca", "n" },
};

/* The name of the member called name in the long form, in the form
 * compact says. */
static const char *
nm(int compact, const char *name)
{
	size_t i;

	if (compact)
		for (i = 0; i < sizeof members / sizeof members[0]; i++)
			if (strcmp(members[i].name, name) == 0)
				return members[i].compact;
	return name;
}

/* 1 when the header h is in the compact form. */
static int
is_compact(const json_t *h)
{
	return json_object_get(h, "cursor") == NULL &&
	    json_object_get(h, "c") != NULL;
}

/* A flag: true (1 in the compact form), or absent when false. */
static void
set_flag(json_t *h, int compact, const char *name, int v)
{
	if (v)
		json_object_set_new(h, nm(compact, name), compact ?
		    json_integer(1) : json_true());
}

/* A flag as set_flag writes it: in the long form true only, in the
 * compact form 1 or true; anything else is false. */
static int
flag_of(const json_t *h, int compact, const char *name)
{
	const json_t *v = json_object_get(h, nm(compact, name));

	return json_is_true(v) || (compact && json_is_integer(v) &&
	    json_integer_value(v) == 1);
}

/* {"count": N, "xor": X}, or [N, X] in the compact form: X the first len
 * hex digits of d's. */
static json_t *
digest_json(const struct digest *d, size_t len, int compact)
{
	if (compact)
		return json_pack("[I, s%]", (json_int_t)d->count, d->xor,
		    strnlen(d->xor, len));
	return json_pack("{s:I, s:s%}", "count", (json_int_t)d->count, "xor",
	    d->xor, strnlen(d->xor, len));
}

/* {"count": N, "xor": "HEX"} or [N, "HEX"] into d, HEX of
 * PROTO_HASH_SHORT to 64 digits; 0 or -1 when it is not that. */
static int
digest_of(const json_t *o, struct digest *d)
{
	const json_t *c = json_is_array(o) ? json_array_get(o, 0) :
	    json_object_get(o, "count");
	const char *x = json_string_value(json_is_array(o) ?
	    json_array_get(o, 1) : json_object_get(o, "xor"));
	size_t len = x != NULL ? strlen(x) : 0;

	if (!json_is_integer(c) || len < PROTO_HASH_SHORT ||
	    len > HASH_HEX - 1 || (json_is_array(o) && json_array_size(o) != 2))
		return -1;
	d->count = json_integer_value(c);
	memset(d->xor, 0, sizeof d->xor);
	memcpy(d->xor, x, len);
	return 0;
}

int
proto_hash_matches(const char *held, const char *hash)
{
	size_t len = strlen(held);

	return len >= PROTO_HASH_SHORT && len <= strlen(hash) &&
	    strncmp(held, hash, len) == 0;
}

int
proto_digest_same(const struct digest *a, const struct digest *b)
{
	size_t la = strnlen(a->xor, HASH_HEX), lb = strnlen(b->xor, HASH_HEX);
	size_t len = la < lb ? la : lb;

	return a->count == b->count && len >= PROTO_HASH_SHORT &&
	    strncmp(a->xor, b->xor, len) == 0;
}

void
proto_answer_like(struct proto_answer *a, const struct proto_request *r)
{
	size_t len = strnlen(r->digest.xor, HASH_HEX);

	if (len >= PROTO_HASH_SHORT && len < strnlen(a->digest.xor, HASH_HEX))
		a->digest.xor[len] = '\0';
	a->compact = r->compact;
	a->reads_compact = 1;
}

static char *
dump(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);

	json_decref(o);
	if (s == NULL)
		abort(); /* only out of memory: every value here encodes */
	return s;
}

char *
proto_request_encode(const struct proto_request *r)
{
	json_t *h = json_object();
	int c = r->compact, i;

	json_object_set_new(h, "v", json_integer(PROTO_VERSION));
	json_object_set_new(h, nm(c, "cursor"), json_integer(r->cursor));
	json_object_set_new(h, nm(c, "acked"), json_integer(r->acked));
	json_object_set_new(h, nm(c, "digest"), digest_json(&r->digest,
	    PROTO_HASH_SHORT, c));
	json_object_set_new(h, nm(c, "epoch"), json_integer(r->epoch));
	if (c)
		set_flag(h, c, "final", r->final);
	else
		json_object_set_new(h, "final", json_boolean(r->final));
	set_flag(h, c, "heads", r->heads);
	if (r->own >= 0)
		json_object_set_new(h, nm(c, "own"), json_integer(r->own));
	for (i = 0; i < PROTO_DOCS; i++)
		if (r->held[i][0] != '\0')
			json_object_set_new(h, nm(c, proto_doc_names[i]),
			    json_stringn(r->held[i], strnlen(r->held[i],
			    PROTO_HASH_SHORT)));
	return dump(h);
}

int
proto_request_decode(const char *line, size_t len, struct proto_request *r,
    char *err)
{
	json_t *h = cjson_parse(line, len, PROTO_HEADER_DEPTH, err);
	const json_t *v;
	int c, i;

	memset(r, 0, sizeof *r);
	digest_init(&r->digest);
	r->own = -1;
	if (h == NULL)
		return LD_EINVAL; /* err says why */
	if (!json_is_object(h)) {
		json_decref(h);
		return ld_fail(err, LD_EINVAL, "not an object");
	}
	v = json_object_get(h, "v");
	if (!json_is_integer(v) || json_integer_value(v) != PROTO_VERSION) {
		json_decref(h);
		return ld_fail(err, LD_EINVAL, "unsupported protocol version");
	}
	c = r->compact = is_compact(h);
	if ((r->cursor = int_of(h, nm(c, "cursor"), -1)) < 0) {
		json_decref(h);
		return ld_fail(err, LD_EINVAL, "sync header needs a 'cursor' >= 0");
	}
	r->acked = int_of(h, nm(c, "acked"), 0);
	r->epoch = int_of(h, nm(c, "epoch"), 0);
	if ((r->own = int_of(h, nm(c, "own"), -1)) < 0)
		r->own = -1;
	r->heads = flag_of(h, c, "heads");
	r->final = flag_of(h, c, "final");
	(void)digest_of(json_object_get(h, nm(c, "digest")), &r->digest);
	for (i = 0; i < PROTO_DOCS; i++) {
		const char *s = json_string_value(json_object_get(h,
		    nm(c, proto_doc_names[i])));

		if (s != NULL && strlen(s) < HASH_HEX)
			memcpy(r->held[i], s, strlen(s) + 1);
	}
	json_decref(h);
	return 0;
}

char *
proto_answer_encode(const struct proto_answer *a)
{
	json_t *h = json_object();
	int c = a->compact, i;

	json_object_set_new(h, "v", json_integer(PROTO_VERSION));
	json_object_set_new(h, nm(c, "acked"), json_integer(a->acked));
	json_object_set_new(h, nm(c, "cursor"), json_integer(a->cursor));
	/* The compact form leaves out what reads as its default when
	 * absent (backlog 0, more false, nothing quarantined, no line that
	 * follows); the long form is written as it always was. */
	if (c)
		set_flag(h, c, "more", a->more);
	else
		json_object_set_new(h, "more", json_boolean(a->more));
	json_object_set_new(h, nm(c, "epoch"), json_integer(a->epoch));
	if (a->own > 0) {
		json_object_set_new(h, nm(c, "own"), json_integer(a->own));
		if (c)
			set_flag(h, c, "own_more", a->own_more);
		else
			json_object_set_new(h, "own_more",
			    json_boolean(a->own_more));
	}
	if (!c || a->backlog != 0)
		json_object_set_new(h, nm(c, "backlog"),
		    json_integer(a->backlog));
	json_object_set_new(h, nm(c, "time"), json_integer(a->time));
	if (a->has_digest)
		json_object_set_new(h, nm(c, "digest"),
		    digest_json(&a->digest, HASH_HEX - 1, c));
	if (!c)
		json_object_set_new(h, "quarantined", a->quarantined != NULL ?
		    json_incref(a->quarantined) : json_array());
	else if (json_array_size(a->quarantined) > 0)
		json_object_set(h, "q", a->quarantined);
	if (a->received != NULL && (!c || json_array_size(a->received) > 0))
		json_object_set(h, nm(c, "received"), a->received);
	if (a->heads != NULL)
		json_object_set(h, nm(c, "heads"), a->heads);
	for (i = 0; i < PROTO_DOCS; i++)
		if (a->docs[i] != NULL)
			json_object_set(h, nm(c, proto_doc_names[i]),
			    a->docs[i]);
	/* Said to a long request: the next may be compact. */
	if (!c && a->reads_compact)
		json_object_set_new(h, "compact", json_integer(1));
	return dump(h);
}

/* A member of h, with a new reference, when it is of the type wanted. */
static json_t *
take(json_t *h, const char *key, int (*is)(const json_t *))
{
	json_t *v = json_object_get(h, key);

	return v != NULL && is(v) ? json_incref(v) : NULL;
}

static int
is_array(const json_t *v)
{
	return json_is_array(v);
}

static int
is_object(const json_t *v)
{
	return json_is_object(v);
}

static int
is_any(const json_t *v)
{
	return v != NULL && !json_is_null(v);
}

int
proto_answer_decode(const char *line, size_t len, struct proto_answer *a,
    char *err)
{
	json_t *h = cjson_parse(line, len, PROTO_ANSWER_DEPTH, err);
	int c, i;

	memset(a, 0, sizeof *a);
	if (h == NULL)
		return LD_EINVAL;
	c = json_is_object(h) && is_compact(h);
	if (!json_is_object(h) ||
	    !json_is_integer(json_object_get(h, nm(c, "cursor"))) ||
	    !json_is_integer(json_object_get(h, nm(c, "acked")))) {
		json_decref(h);
		return ld_fail(err, LD_EINVAL, "an answer header needs"
		    " 'acked' and 'cursor'");
	}
	a->compact = c;
	a->reads_compact = c || flag_of(h, 1, "compact");
	a->acked = int_of(h, nm(c, "acked"), 0);
	a->cursor = int_of(h, nm(c, "cursor"), 0);
	a->backlog = int_of(h, nm(c, "backlog"), 0);
	a->epoch = int_of(h, nm(c, "epoch"), 0);
	a->time = int_of(h, nm(c, "time"), 0);
	a->own = int_of(h, nm(c, "own"), 0);
	a->more = flag_of(h, c, "more");
	a->own_more = flag_of(h, c, "own_more");
	a->has_digest = digest_of(json_object_get(h, nm(c, "digest")),
	    &a->digest) == 0;
	if ((a->quarantined = take(h, nm(c, "quarantined"), is_array)) == NULL)
		a->quarantined = json_array();
	a->heads = take(h, nm(c, "heads"), is_object);
	if ((a->received = take(h, nm(c, "received"), is_array)) != NULL) {
		json_t *v;
		size_t j;

		json_array_foreach(a->received, j, v)
			if (!json_is_integer(v)) {
				json_decref(a->received);
				a->received = NULL;
				break;
			}
	}
	for (i = 0; i < PROTO_DOCS; i++)
		a->docs[i] = take(h, nm(c, proto_doc_names[i]), is_any);
	json_decref(h);
	return 0;
}

void
proto_answer_release(struct proto_answer *a)
{
	int i;

	json_decref(a->quarantined);
	json_decref(a->heads);
	json_decref(a->received);
	for (i = 0; i < PROTO_DOCS; i++)
		json_decref(a->docs[i]);
	memset(a, 0, sizeof *a);
}

long
proto_connect_pause_ms(long connect_timeout, int k, uint32_t r)
{
	long base = connect_timeout * 500;

	if (base < 500)
		base = 500;
	/* base * [0.5, 1.5) * 2^(k-1) */
	return (long)((double)base * (0.5 + (double)r / 4294967296.0) *
	    (double)(1L << (k - 1)));
}

int
proto_busy_wait(int tries, long waited, long retry_after, long max_wait)
{
	return retry_after > 0 && tries < PROTO_BUSY_TRIES &&
	    waited + retry_after <= max_wait &&
	    (retry_after <= PROTO_BUSY_LONG || tries == 0);
}
