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
	resealed(data, size);
	return 0;
}
