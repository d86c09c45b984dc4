/*
 * scenario.h - order-free folding for the unit tests: a scenario is a
 * list of events of one entity from several stations. A projection is by
 * design the fold of its entity's events in (hlc, station, seq) order
 * (fold.h), whatever order they arrived in. What a station does when they
 * arrive out of that order is ledger.c's project(): apply the event on
 * top when it sorts after the last one applied, else fold the entity
 * again from the events stored, read back in fold order.
 *
 * assert_order_free takes a scenario's events in every arrival order when
 * there are at most ROUNDS of them, else in ROUNDS random ones, and for
 * each: folds them as project() does, one arrival at a time (on top, or
 * again from all held so far), and the record must be the bytes of the
 * fold in (hlc, station, seq) order; it counts the arrivals that took each
 * path and requires both. The first LEDGER_ROUNDS orders go to a real
 * station database as well (ledger_receive into SQLite in a scratch
 * directory, one rolled-back transaction per order), whose record must be
 * the same bytes. And each order is folded naively, fold_apply in arrival
 * order with no re-sort, to show what the sort is for: unless the
 * scenario says it commutes (ORDER_FREE_COMMUTES), some orders must give
 * another record that way.
 *
 * Include after unit.h.
 *
 * The shuffles come from a fixed-seed xorshift generator so that a
 * failure can be replayed exactly.
 */
#ifndef LD_TESTS_SCENARIO_H
#define LD_TESTS_SCENARIO_H

#include <stdio.h>
#include <unistd.h>

#include "fold.h"
#include "registry.h"
#include "ledger.h"

#define MIN INT64_C(60000)
#define MAX_EVENTS 16
#define ROUNDS 2000
#define LEDGER_ROUNDS 50

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

/* Next permutation of perm[0..n) in lexicographic order; 0 after the
 * last one. */
static inline int
next_perm(size_t *perm, size_t n)
{
	size_t i, j, t;

	if (n < 2)
		return 0;
	for (i = n - 1; i > 0 && perm[i - 1] >= perm[i]; i--)
		;
	if (i == 0)
		return 0;
	for (j = n - 1; perm[j] <= perm[i - 1]; j--)
		;
	t = perm[i - 1], perm[i - 1] = perm[j], perm[j] = t;
	for (j = n - 1; i < j; i++, j--)
		t = perm[i], perm[i] = perm[j], perm[j] = t;
	return 1;
}

/* n!, or SIZE_MAX once it passes limit. */
static inline size_t
orders_of(size_t n, size_t limit)
{
	size_t f = 1, i;

	for (i = 2; i <= n; i++) {
		f *= i;
		if (f > limit)
			return SIZE_MAX;
	}
	return f;
}

/* A station database in a scratch directory, for a replica that receives
 * the scenario's events ("r0" is no station of any scenario). */
struct replica {
	char dir[256], path[300];
	struct ledger *lg;
};

static inline void
replica_open(struct replica *r)
{
	char err[LD_ERRLEN] = "", *dir = harness_scratch("scenario");

	ld_strlcpy(r->dir, dir, sizeof r->dir);
	free(dir);
	snprintf(r->path, sizeof r->path, "%s/r0.db", r->dir);
	if (ledger_create(r->path, "r0", UNIT_UNIT, err) != 0 ||
	    ledger_open(r->path, &r->lg, err) != 0)
		fail_msg("cannot make a station database in %s: %s", r->dir, err);
}

static inline void
replica_close(struct replica *r)
{
	ledger_free(r->lg);
	assert_int_equal(harness_remove(r->dir), 0);
}

/* The projection of entity after the replica received canon[order[k]]
 * for k in 0..n, in that order, in one transaction, rolled back. */
static inline char *
replica_fold(struct replica *r, char *const *canon, const size_t *order,
    size_t n, const char *entity)
{
	char err[LD_ERRLEN] = "";
	json_t *doc = NULL;
	char *got;
	size_t k;
	int added;

	if (ledger_begin(r->lg, err) != 0)
		fail_msg("begin: %s", err);
	for (k = 0; k < n; k++) {
		const char *raw = canon[order[k]];
		if (ledger_receive(r->lg, raw, strlen(raw), &added, err) != 0 ||
		    !added)
			fail_msg("receive %s: %s", raw, err);
	}
	if (ledger_get(r->lg, entity, &doc, err) != 0)
		fail_msg("get %s: %s", entity, err);
	ledger_rollback(r->lg);
	got = encode(doc);
	json_decref(doc);
	return got;
}

/* The projection without its bookkeeping ("last", the key of the last
 * event applied): what a naive fold gets wrong or right. */
static inline char *
encode_state(const json_t *doc)
{
	json_t *c = json_deep_copy(doc);
	char *s;

	json_object_del(c, "last");
	s = encode(c);
	json_decref(c);
	return s;
}

/* The status doc has (none yet, or one its type declares: registry.h,
 * statuses), so that `show` and `list` can name it in every language. */
static inline void
assert_status_declared(const json_t *doc)
{
	const struct entity_type *t = entity_type_find(json_string_value(
	    json_object_get(doc, "type")));
	const char *st = json_string_value(json_object_get(doc, "status"));
	size_t i;

	if (st == NULL || t == NULL)
		return;
	for (i = 0; t->statuses[i] != NULL; i++)
		if (strcmp(t->statuses[i], st) == 0)
			return;
	fail_msg("type %s: status '%s' is not among its statuses", t->name, st);
}

/* What a station does as events of one entity arrive in the order of arr
 * (ledger.c, project()): apply on top when next, else fold again all held
 * so far. Counts the arrivals after the first that took each path. */
static inline json_t *
fold_incremental(const struct event *arr, size_t n, long *on_top,
    long *refolded)
{
	json_t *doc = NULL;
	size_t k;

	for (k = 0; k < n; k++) {
		if (doc == NULL) {
			doc = fold_new(arr[k].entity);
		} else if (fold_is_next(doc, &arr[k])) {
			(*on_top)++;
		} else {
			json_decref(doc);
			doc = fold_events(arr, k + 1);
			(*refolded)++;
			continue;
		}
		fold_apply(doc, &arr[k]);
		assert_status_declared(doc);
	}
	return doc;
}

/* Options of assert_order_free_opt. */
enum {
	ORDER_FREE_COMMUTES = 1, /* every naive arrival-order fold is right */
};

/* Folds sc in its arrival orders (all of them up to ROUNDS, else ROUNDS
 * random ones) as a station does, the first LEDGER_ROUNDS in a station
 * database too: every record must be the bytes of the fold in (hlc,
 * station, seq) order. Unless flags has ORDER_FREE_COMMUTES, some naive
 * arrival-order folds must differ from it. Returns the reference
 * projection. */
static inline json_t *
assert_order_free_opt(const struct scenario *sc, uint64_t seed, int flags)
{
	struct event arr[MAX_EVENTS];
	char *canon[MAX_EVENTS];
	size_t perm[MAX_EVENTS], i, k, orders, total, every, round;
	size_t in_ledger = 0;
	long on_top = 0, refolded = 0, naive_differs = 0;
	uint64_t rng = seed;
	struct replica r;
	json_t *ref, *doc;
	char *want, *want_state, *got;

	assert_true(sc->n >= 2);
	ref = fold_events(sc->evs, sc->n);
	want = encode(ref);
	want_state = encode_state(ref);
	for (i = 0; i < sc->n; i++) {
		canon[i] = event_canonical(&sc->evs[i], 1);
		perm[i] = i;
	}
	/* fold_events sorts a copy: the result does not depend on the order
	 * of its array, which it leaves as it was. */
	shuffle(perm, sc->n, &rng);
	for (i = 0; i < sc->n; i++)
		arr[i] = sc->evs[perm[i]];
	doc = fold_events(arr, sc->n);
	got = encode(doc);
	assert_string_equal(got, want);
	free(got);
	json_decref(doc);
	for (i = 0; i < sc->n; i++)
		assert_string_equal(arr[i].hash, sc->evs[perm[i]].hash);

	replica_open(&r);
	orders = orders_of(sc->n, ROUNDS);
	total = orders != SIZE_MAX ? orders : ROUNDS;
	every = total > LEDGER_ROUNDS ? total / LEDGER_ROUNDS : 1;
	for (i = 0; i < sc->n; i++)
		perm[i] = i;
	for (round = 0; round < total; round++) {
		if (orders == SIZE_MAX)
			shuffle(perm, sc->n, &rng);
		else if (round > 0)
			assert_true(next_perm(perm, sc->n));
		/* Shallow copies: the events stay owned by sc. */
		for (i = 0; i < sc->n; i++)
			arr[i] = sc->evs[perm[i]];

		/* As a station folds them, one arrival at a time. */
		doc = fold_incremental(arr, sc->n, &on_top, &refolded);
		got = encode(doc);
		if (strcmp(got, want) != 0)
			fail_msg("arrival order %zu (seed %llu):\n%s\nwant\n%s",
			    round, (unsigned long long)seed, got, want);
		free(got);
		json_decref(doc);

		/* The same in a station's database, for LEDGER_ROUNDS orders
		 * spread over all. */
		if (round % every == 0) {
			in_ledger++;
			got = replica_fold(&r, canon, perm, sc->n,
			    sc->evs[0].entity);
			if (strcmp(got, want) != 0)
				fail_msg("station database, arrival order %zu"
				    " (seed %llu):\n%s\nwant\n%s", round,
				    (unsigned long long)seed, got, want);
			free(got);
		}

		/* Naively, in arrival order with no re-sort. */
		doc = fold_new(sc->evs[0].entity);
		for (k = 0; k < sc->n; k++)
			fold_apply(doc, &arr[k]);
		got = encode_state(doc);
		if (strcmp(got, want_state) != 0)
			naive_differs++;
		free(got);
		json_decref(doc);
	}
	if (orders != SIZE_MAX)
		assert_false(next_perm(perm, sc->n)); /* every order was tried */
	replica_close(&r);
	for (i = 0; i < sc->n; i++)
		free(canon[i]);

	assert_true(in_ledger >= (total < LEDGER_ROUNDS ? total : LEDGER_ROUNDS));
	/* Both paths of project() were taken. */
	assert_true(on_top > 0);
	assert_true(refolded > 0);
	if (flags & ORDER_FREE_COMMUTES)
		assert_int_equal(naive_differs, 0);
	else if (naive_differs == 0)
		fail_msg("seed %llu: every naive arrival-order fold gave the same"
		    " record: the scenario does not depend on order (say so"
		    " with ORDER_FREE_COMMUTES)", (unsigned long long)seed);
	free(want);
	free(want_state);
	return ref;
}

static inline json_t *
assert_order_free(const struct scenario *sc, uint64_t seed)
{
	return assert_order_free_opt(sc, seed, 0);
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
