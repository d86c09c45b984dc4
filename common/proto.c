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

static json_t *
digest_json(const struct digest *d)
{
	return json_pack("{s:I, s:s}", "count", (json_int_t)d->count, "xor",
	    d->xor);
}

/* {"count": N, "xor": "64 hex"} into d; 0 or -1 when it is not that. */
static int
digest_of(const json_t *o, struct digest *d)
{
	const json_t *c = json_object_get(o, "count");
	const char *x = json_string_value(json_object_get(o, "xor"));

	if (!json_is_integer(c) || x == NULL || strlen(x) != HASH_HEX - 1)
		return -1;
	d->count = json_integer_value(c);
	memcpy(d->xor, x, HASH_HEX);
	return 0;
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
	int i;

	json_object_set_new(h, "v", json_integer(PROTO_VERSION));
	json_object_set_new(h, "cursor", json_integer(r->cursor));
	json_object_set_new(h, "acked", json_integer(r->acked));
	json_object_set_new(h, "digest", digest_json(&r->digest));
	json_object_set_new(h, "epoch", json_integer(r->epoch));
	json_object_set_new(h, "final", json_boolean(r->final));
	if (r->heads)
		json_object_set_new(h, "heads", json_true());
	if (r->own >= 0)
		json_object_set_new(h, "own", json_integer(r->own));
	for (i = 0; i < PROTO_DOCS; i++)
		if (r->held[i][0] != '\0')
			json_object_set_new(h, proto_doc_names[i],
			    json_string(r->held[i]));
	return dump(h);
}

int
proto_request_decode(const char *line, size_t len, struct proto_request *r,
    char *err)
{
	json_t *h = cjson_parse(line, len, PROTO_HEADER_DEPTH, err);
	const json_t *v;
	int i;

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
	if ((r->cursor = int_of(h, "cursor", -1)) < 0) {
		json_decref(h);
		return ld_fail(err, LD_EINVAL, "sync header needs a 'cursor' >= 0");
	}
	r->acked = int_of(h, "acked", 0);
	r->epoch = int_of(h, "epoch", 0);
	if ((r->own = int_of(h, "own", -1)) < 0)
		r->own = -1;
	r->heads = json_is_true(json_object_get(h, "heads"));
	r->final = json_is_true(json_object_get(h, "final"));
	(void)digest_of(json_object_get(h, "digest"), &r->digest);
	for (i = 0; i < PROTO_DOCS; i++) {
		const char *s = json_string_value(json_object_get(h,
		    proto_doc_names[i]));

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
	int i;

	json_object_set_new(h, "v", json_integer(PROTO_VERSION));
	json_object_set_new(h, "acked", json_integer(a->acked));
	json_object_set_new(h, "cursor", json_integer(a->cursor));
	json_object_set_new(h, "more", json_boolean(a->more));
	json_object_set_new(h, "epoch", json_integer(a->epoch));
	if (a->own > 0) {
		json_object_set_new(h, "own", json_integer(a->own));
		json_object_set_new(h, "own_more", json_boolean(a->own_more));
	}
	json_object_set_new(h, "backlog", json_integer(a->backlog));
	json_object_set_new(h, "time", json_integer(a->time));
	if (a->has_digest)
		json_object_set_new(h, "digest", digest_json(&a->digest));
	json_object_set_new(h, "quarantined", a->quarantined != NULL ?
	    json_incref(a->quarantined) : json_array());
	if (a->received != NULL)
		json_object_set(h, "received", a->received);
	if (a->heads != NULL)
		json_object_set(h, "heads", a->heads);
	for (i = 0; i < PROTO_DOCS; i++)
		if (a->docs[i] != NULL)
			json_object_set(h, proto_doc_names[i], a->docs[i]);
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
	int i;

	memset(a, 0, sizeof *a);
	if (h == NULL)
		return LD_EINVAL;
	if (!json_is_object(h) ||
	    !json_is_integer(json_object_get(h, "cursor")) ||
	    !json_is_integer(json_object_get(h, "acked"))) {
		json_decref(h);
		return ld_fail(err, LD_EINVAL, "an answer header needs"
		    " 'acked' and 'cursor'");
	}
	a->acked = int_of(h, "acked", 0);
	a->cursor = int_of(h, "cursor", 0);
	a->backlog = int_of(h, "backlog", 0);
	a->epoch = int_of(h, "epoch", 0);
	a->time = int_of(h, "time", 0);
	a->own = int_of(h, "own", 0);
	a->more = json_is_true(json_object_get(h, "more"));
	a->own_more = json_is_true(json_object_get(h, "own_more"));
	a->has_digest = digest_of(json_object_get(h, "digest"),
	    &a->digest) == 0;
	if ((a->quarantined = take(h, "quarantined", is_array)) == NULL)
		a->quarantined = json_array();
	a->heads = take(h, "heads", is_object);
	if ((a->received = take(h, "received", is_array)) != NULL) {
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
		a->docs[i] = take(h, proto_doc_names[i], is_any);
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
