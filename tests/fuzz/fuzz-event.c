/*
 * fuzz-event.c - one event's decoding and validation (event_parse).
 *
 * Whatever parses must re-encode canonically, and the canonical text must
 * parse again to the same bytes and the same hash: an event that changes
 * on a round trip would fork every replica's chain.
 *
 * A mutated event almost never carries the right hash, so the input is
 * also read field by field (event_from_json) and, when everything but
 * the hash is valid, sealed afresh and put through the same round trip.
 *
 * event_parse reads a canonical text member by member (event_from_text)
 * and gives anything else to jansson: both ways must take or refuse the
 * same texts and give the same event. The canonical form's own reader
 * (cjson_read, an event's body) must read a value as jansson does.
 */
#include <string.h>

#include "cjson.h"
#include "event.h"
#include "fuzz.h"
#include "util.h"

/* ev is valid: its canonical text must parse back to the same event. */
static void
round_trip(const struct event *ev)
{
	char err[LD_ERRLEN];
	struct event again;
	char *canon, *canon2;

	canon = event_canonical(ev, 1);
	event_init(&again);
	if (event_parse(canon, strlen(canon), &again, err) != 0) {
		fprintf(stderr, "canonical text does not parse: %s\n", err);
		abort();
	}
	canon2 = event_canonical(&again, 1);
	FUZZ_CHECK(strcmp(canon, canon2) == 0);
	FUZZ_CHECK(strcmp(ev->hash, again.hash) == 0);
	FUZZ_CHECK(event_cmp(ev, &again) == 0);
	FUZZ_CHECK(event_validate(&again, err) == 0);
	free(canon);
	free(canon2);
	event_release(&again);
}

static void
resealed(const uint8_t *data, size_t size)
{
	char err[LD_ERRLEN];
	struct event ev;
	json_t *o;
	int rc;

	o = cjson_parse((const char *)data, size, CJSON_MAX_DEPTH, err);
	if (o == NULL)
		return;
	event_init(&ev);
	if (event_from_json(o, &ev, err) == 0) {
		rc = event_validate(&ev, err);
		if (rc == 0 || rc == LD_EINTEGRITY) {
			event_seal(&ev);
			if (event_validate(&ev, err) != 0) {
				fprintf(stderr, "sealed event does not validate: "
				    "%s\n", err);
				abort();
			}
			round_trip(&ev);
		}
	}
	event_release(&ev);
	json_decref(o);
}

/* event_from_text against cjson_parse and event_from_json, on a copy of
 * exactly size bytes (a read past them is ASan's to see). */
static void
both_ways(const uint8_t *data, size_t size)
{
	char err[LD_ERRLEN], *t = xmalloc(size ? size : 1), *ca, *cb;
	struct event a, b;
	json_t *o;
	int ra, rb;

	memcpy(t, data, size);
	ra = event_from_text(t, size, &a, err);
	event_init(&b);
	rb = LD_EINVAL;
	if ((o = cjson_parse(t, size, CJSON_MAX_DEPTH, err)) != NULL) {
		rb = event_from_json(o, &b, err);
		json_decref(o);
	}
	FUZZ_CHECK((ra == 0) == (rb == 0));
	if (ra == 0) {
		ca = event_canonical(&a, 1);
		cb = event_canonical(&b, 1);
		FUZZ_CHECK(strcmp(ca, cb) == 0);
		FUZZ_CHECK(strcmp(a.hash, b.hash) == 0);
		free(ca);
		free(cb);
	}
	event_release(&a);
	event_release(&b);
	free(t);
}

/* cjson_read against cjson_parse at maxdepth: what it reads of the input,
 * cjson_parse must give the same value for, members in the same order. */
static void
read_fast_at(const char *t, size_t size, int maxdepth)
{
	char err[LD_ERRLEN], *a, *b;
	size_t used;
	json_t *r, *p;

	if ((r = cjson_read(t, size, maxdepth, &used)) == NULL)
		return;
	FUZZ_CHECK(used > 0 && used <= size);
	p = cjson_parse(t, used, maxdepth, err);
	FUZZ_CHECK(p != NULL);
	a = json_dumps(r, JSON_COMPACT | JSON_ENCODE_ANY);
	b = json_dumps(p, JSON_COMPACT | JSON_ENCODE_ANY);
	FUZZ_CHECK(a != NULL && b != NULL && strcmp(a, b) == 0);
	free(a);
	free(b);
	json_decref(p);
	json_decref(r);
}

/* On a copy of exactly size bytes; at the limits an event and its body
 * are read with, and at one the input's size picks (1 to 17). */
static void
read_fast(const uint8_t *data, size_t size)
{
	char *t = xmalloc(size ? size : 1);

	memcpy(t, data, size);
	read_fast_at(t, size, CJSON_MAX_DEPTH);
	read_fast_at(t, size, CJSON_MAX_DEPTH - 1);
	read_fast_at(t, size, 1 + (int)(size % 17));
	free(t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	struct event ev;
	char err[LD_ERRLEN];

	if (!inited) {
		FUZZ_CHECK(hash_init() == 0);
		inited = 1;
	}
	if (size > EVENT_MAX_BYTES * 2)
		return 0;
	event_init(&ev);
	if (event_parse((const char *)data, size, &ev, err) == 0)
		round_trip(&ev);
	event_release(&ev);
	both_ways(data, size);
	read_fast(data, size);
	resealed(data, size);
	return 0;
}
