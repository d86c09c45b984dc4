/*
 * scenario.h - order-free folding for the unit tests: a scenario is a
 * list of events of one entity from several stations; assert_order_free
 * folds it in ROUNDS random arrival orders, from scratch and the way a
 * replica does as events trickle in, and every result must be the bytes
 * of the fold in written order. Include after unit.h.
 *
 * The shuffles come from a fixed-seed xorshift generator so that a
 * failure can be replayed exactly.
 */
#ifndef LD_TESTS_SCENARIO_H
#define LD_TESTS_SCENARIO_H

#include <stdio.h>

#include "fold.h"

#define MIN INT64_C(60000)
#define MAX_EVENTS 16
#define ROUNDS 2000

struct scenario {
	struct event evs[MAX_EVENTS];
	size_t n;
};

/* Appends an event of station at T0 + offset with the given seq, or with
 * the station's next seq when seq is 0, chained to its previous event. (An
 * explicit seq stands for events of other entities in between; its prev is
 * then any valid hash.) */
static inline void
add_seq(struct scenario *sc, const char *station, int64_t seq,
    int64_t offset, const char *kind, const char *entity, const char *body,
    const char *author)
{
	const struct event *last = NULL;
	struct event *ev = &sc->evs[sc->n];
	size_t i;

	assert_true(sc->n < MAX_EVENTS);
	for (i = 0; i < sc->n; i++)
		if (strcmp(sc->evs[i].station, station) == 0)
			last = &sc->evs[i];
	if (seq == 0)
		seq = last != NULL ? last->seq + 1 : 1;
	unit_event(ev, station, seq, (UNIT_T0_MS + offset) << HLC_SHIFT, kind,
	    entity, body, last != NULL ? last->hash : seq > 1 ?
	    "6f24351d9f52af86505a775ad1ab39ba93b166fdffe4a6ba5e844e8a6a0db208" :
	    NULL);
	if (author != NULL) {
		free(ev->author);
		ev->author = xstrdup(author);
		event_seal(ev);
	}
	unit_assert_valid(ev);
	sc->n++;
}

/* As add_seq, but written by unit on station, addressed to it and to
 * UNIT_UNIT. */
static inline void
add_unit(struct scenario *sc, const char *station, const char *unit,
    int64_t offset, const char *kind, const char *entity, const char *body,
    const char *author)
{
	struct event *ev;

	add_seq(sc, station, 0, offset, kind, entity, body, author);
	ev = &sc->evs[sc->n - 1];
	free(ev->unit);
	ev->unit = xstrdup(unit);
	if (strcmp(unit, UNIT_UNIT) != 0)
		json_array_append_new(ev->audience, json_string(unit));
	event_seal(ev);
	unit_assert_valid(ev);
}

static inline void
add(struct scenario *sc, const char *station, int64_t offset,
    const char *kind, const char *entity, const char *body,
    const char *author)
{
	add_seq(sc, station, 0, offset, kind, entity, body, author);
}

static inline void
scenario_free(struct scenario *sc)
{
	size_t i;

	for (i = 0; i < sc->n; i++)
		event_release(&sc->evs[i]);
	free(sc);
}

/* xorshift64 (Marsaglia 2003): small, fixed and reproducible. */
static inline uint64_t
xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* Fisher-Yates: a random permutation of 0..n-1 into perm. */
static inline void
shuffle(size_t *perm, size_t n, uint64_t *rng)
{
	size_t i, j, t;

	for (i = 0; i < n; i++)
		perm[i] = i;
	for (i = n - 1; i > 0; i--) {
		j = (size_t)(xorshift64(rng) % (i + 1));
		t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
}

static inline char *
encode(const json_t *doc)
{
	char *s;

	assert_non_null(doc);
	s = cjson_encode(doc, NULL);
	assert_non_null(s);
	return s;
}

/* What a replica does as events of one entity arrive in the order of arr:
 * apply on top when next, else re-fold everything held so far. */
static inline json_t *
fold_incremental(const struct event *arr, size_t n, long *refolds)
{
	json_t *doc = NULL;
	size_t k;

	for (k = 0; k < n; k++) {
		if (doc == NULL)
			doc = fold_new(arr[k].entity);
		if (fold_is_next(doc, &arr[k])) {
			fold_apply(doc, &arr[k]);
		} else {
			json_decref(doc);
			doc = fold_events(arr, k + 1);
			(*refolds)++;
		}
	}
	return doc;
}

/* Folds sc in ROUNDS random orders both ways; every result must be the
 * bytes of the fold in the order the events were written. Returns the
 * reference projection. */
static inline json_t *
assert_order_free(const struct scenario *sc, uint64_t seed)
{
	struct event arr[MAX_EVENTS];
	size_t perm[MAX_EVENTS], i;
	long refolds = 0, round;
	uint64_t rng = seed;
	json_t *ref, *doc;
	char *want, *got;

	ref = fold_events(sc->evs, sc->n);
	want = encode(ref);
	for (round = 0; round < ROUNDS; round++) {
		shuffle(perm, sc->n, &rng);
		/* Shallow copies: the events stay owned by sc. */
		for (i = 0; i < sc->n; i++)
			arr[i] = sc->evs[perm[i]];

		doc = fold_events(arr, sc->n);
		got = encode(doc);
		if (strcmp(got, want) != 0)
			fail_msg("fold_events, round %ld (seed %llu):\n%s\nwant\n%s",
			    round, (unsigned long long)seed, got, want);
		free(got);
		json_decref(doc);
		/* fold_events sorts a copy, not the caller's array. */
		for (i = 0; i < sc->n; i++)
			assert_string_equal(arr[i].hash, sc->evs[perm[i]].hash);

		doc = fold_incremental(arr, sc->n, &refolds);
		got = encode(doc);
		if (strcmp(got, want) != 0)
			fail_msg("incremental, round %ld (seed %llu):\n%s\nwant\n%s",
			    round, (unsigned long long)seed, got, want);
		free(got);
		json_decref(doc);
	}
	/* Some orders took the re-fold path, not only fold_apply. */
	assert_true(refolds > 0);
	free(want);
	return ref;
}

/* Asserts doc's conflicts are exactly the given "station/seq reason"
 * strings, in order. */
static inline void
assert_conflicts(const json_t *doc, const char *const *want)
{
	json_t *cs = json_object_get(doc, "conflicts"), *c;
	char got[128];
	size_t i, n = 0;

	while (want[n] != NULL)
		n++;
	assert_non_null(cs);
	assert_int_equal(json_array_size(cs), n);
	json_array_foreach(cs, i, c) {
		snprintf(got, sizeof got, "%s/%lld %s",
		    json_string_value(json_object_get(c, "station")),
		    (long long)json_integer_value(json_object_get(c, "seq")),
		    json_string_value(json_object_get(c, "reason")));
		assert_string_equal(got, want[i]);
		assert_non_null(json_string_value(json_object_get(c, "kind")));
		assert_non_null(json_string_value(json_object_get(c, "author")));
	}
}

static inline const char *
str(const json_t *doc, const char *key)
{
	const char *s = json_string_value(json_object_get(doc, key));

	if (s == NULL)
		fail_msg("projection has no text '%s'", key);
	return s;
}

#endif
