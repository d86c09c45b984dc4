/*
 * test-cursors.c - a station pulling by cursor never skips an event (the
 * contract of store.h: route cursors strictly increase in receipt order),
 * with several connections storing events at once and one reading while
 * they do, as several server processes sharing one database would.
 *
 * Writers: WRITERS threads, each with a store of its own (its own
 * connection) and a station of its own, store EVENTS events each, one
 * transaction per event, holding each transaction open a random moment
 * after the insert before it commits, so that transactions overlap and
 * commit in another order than they began: what makes the classic gap of
 * sequence ids (a reader sees 43, moves its cursor there, and 42 commits
 * after). Every event goes to TOWN and DEPT.
 *
 * Reader: one more store pulls DEPT's events the way the server's sync
 * does (server/api.c, sync_apply): in a transaction, the events after its
 * cursor in small batches, then, when none remain, the unit's highest
 * route id, and the cursor moves to the larger of the two. It checks
 * that cursors only grow, and at the end that what it received along the
 * way is every route DEPT has, once: a route committed later below its
 * cursor would be missing.
 *
 * SQLite on a file in a scratch directory; PostgreSQL when
 * LIANDONG_TEST_STORE names a database (harness-pg.h).
 */
#include "harness.h"
#include "harness-pg.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kinds.h"
#include "store.h"
#include "unit.h"
#include "vault.h"

#define TOWN "甲镇"
#define DEPT "乙局"
#define WRITERS 4
#define EVENTS 60
#define TOTAL (WRITERS * EVENTS)

struct shared {
	char *where;               /* the store every thread opens */
	volatile int writers_done;
	pthread_mutex_t lock;
};

struct writer {
	struct shared *sh;
	char station[16];
	unsigned seed;
	char err[LD_ERRLEN];       /* "" while all is well */
};

struct reader {
	struct shared *sh;
	int64_t seen[TOTAL + 16];  /* cursors received, in order */
	size_t n;
	int64_t cursor;
	int pulls;
	char err[LD_ERRLEN];
};

static void
pause_us(unsigned us)
{
	struct timespec ts = { 0, (long)us * 1000 };

	nanosleep(&ts, NULL);
}

static int
open_store(const char *where, int create, struct store **s, char *err)
{
	return store_open(where, create, NULL, s, err);
}

/* Stores station's event seq (prev: the hash before it; updated). */
static int
insert_one(struct store *s, const char *station, int64_t seq,
    char prev[HASH_HEX], char *err)
{
	const struct kind_info *k = kind_find("case.opened");
	struct event ev;
	int64_t cursor;
	char *raw;
	int rc;

	event_init(&ev);
	ld_strlcpy(ev.station, station, sizeof ev.station);
	ev.seq = seq;
	ev.hlc = ((hlc_t)UNIT_T0_MS << HLC_SHIFT) + ((hlc_t)seq << HLC_SHIFT);
	ev.at = hlc_ms(ev.hlc);
	ev.unit = xstrdup(TOWN);
	ev.author = xstrdup("张三");
	ev.kind = xstrdup(k->name);
	ev.entity = entity_id_new(k->etype, station, seq);
	ev.audience = json_pack("[s, s]", TOWN, DEPT);
	ev.body = unit_body(k, 1);
	memcpy(ev.prev, prev, HASH_HEX);
	event_seal(&ev);
	raw = event_canonical(&ev, 1);
	rc = s->ops->event_insert(s, &ev, raw, NULL, 0, NULL, &cursor, err);
	if (rc == 0)
		memcpy(prev, ev.hash, HASH_HEX);
	free(raw);
	event_release(&ev);
	return rc;
}

static void *
write_events(void *arg)
{
	struct writer *w = arg;
	char prev[HASH_HEX];
	struct store *s;
	int64_t seq;
	int rc;

	memcpy(prev, HASH_ZERO, HASH_HEX);
	if (open_store(w->sh->where, 0, &s, w->err) != 0)
		return NULL;
	for (seq = 1; seq <= EVENTS; seq++) {
		if ((rc = s->ops->begin(s, w->err)) != 0)
			break;
		if ((rc = insert_one(s, w->station, seq, prev, w->err)) != 0) {
			s->ops->rollback(s);
			break;
		}
		/* Open a while after the cursor is given: others begin,
		 * insert and try to commit meanwhile. */
		pause_us(rand_r(&w->seed) % 3000);
		if ((rc = s->ops->commit(s, w->err)) != 0)
			break;
	}
	s->ops->close(s);
	return NULL;
}

struct batch {
	struct reader *r;
	int64_t last;
};

static int
got(int64_t cursor, int64_t received_at, const char *raw, size_t len,
    void *arg)
{
	struct batch *b = arg;
	struct reader *r = b->r;

	if (cursor <= b->last && r->err[0] == '\0')
		snprintf(r->err, sizeof r->err, "cursor %lld after %lld",
		    (long long)cursor, (long long)b->last);
	if (r->n < sizeof r->seen / sizeof r->seen[0])
		r->seen[r->n++] = cursor;
	b->last = cursor;
	return 0;
}

/* One sync's pull, as sync_apply does it: 0, or an error in r->err;
 * *more: whether events remain. */
static int
pull_once(struct store *s, struct reader *r, int *more)
{
	struct batch b = { r, r->cursor };
	int64_t top = 0;
	int rc;

	if ((rc = s->ops->begin(s, r->err)) != 0)
		return rc;
	rc = s->ops->events_for_unit(s, DEPT, "", r->cursor, 7, SIZE_MAX,
	    got, &b, more, r->err);
	if (rc == 0 && !*more && (rc = s->ops->route_head(s, DEPT, &top,
	    r->err)) == 0 && top > b.last)
		b.last = top;
	if (rc == 0)
		rc = s->ops->commit(s, r->err);
	else
		s->ops->rollback(s);
	if (rc == 0) {
		if (b.last < r->cursor)
			snprintf(r->err, sizeof r->err, "cursor went back");
		r->cursor = b.last;
	}
	r->pulls++;
	return rc;
}

static void *
read_events(void *arg)
{
	struct reader *r = arg;
	struct store *s;
	int done, more;

	if (open_store(r->sh->where, 0, &s, r->err) != 0)
		return NULL;
	for (;;) {
		done = r->sh->writers_done;
		if (pull_once(s, r, &more) != 0 || r->err[0] != '\0')
			break;
		/* Pulls on after the writers ended, to the last ones. */
		if (done && !more)
			break;
		if (!more)
			pause_us(200);
	}
	s->ops->close(s);
	return NULL;
}

struct all {
	int64_t c[TOTAL + 16];
	size_t n;
};

static int
all_one(int64_t cursor, int64_t received_at, const char *raw, size_t len,
    void *arg)
{
	struct all *a = arg;

	if (a->n < sizeof a->c / sizeof a->c[0])
		a->c[a->n++] = cursor;
	return 0;
}

static void
test_no_gap_filled_later(void **state)
{
	char *dir = harness_scratch("cursors"), err[LD_ERRLEN];
	struct shared sh;
	struct writer w[WRITERS];
	struct reader *r = xcalloc(1, sizeof *r);
	struct all *a = xcalloc(1, sizeof *a);
	pthread_t wt[WRITERS], rt;
	struct station_rec rec;
	struct store *s;
	int more, i;
	size_t j;

	memset(&sh, 0, sizeof sh);
	sh.where = harness_pg() != NULL ? harness_pg_new("cursors") :
	    xasprintf("%s/server.db", dir);
	if (open_store(sh.where, 1, &s, err) != 0)
		fail_msg("open: %s", err);
	for (i = 0; i < WRITERS; i++) {
		memset(&rec, 0, sizeof rec);
		snprintf(rec.name, sizeof rec.name, "w%d", i);
		rec.unit = (char *)TOWN;
		rec.role = (char *)"township";
		assert_int_equal(s->ops->station_add(s, &rec, err), 0);
	}
	memset(&rec, 0, sizeof rec);
	ld_strlcpy(rec.name, "d1", sizeof rec.name);
	rec.unit = (char *)DEPT;
	rec.role = (char *)"department";
	assert_int_equal(s->ops->station_add(s, &rec, err), 0);

	r->sh = &sh;
	assert_int_equal(pthread_create(&rt, NULL, read_events, r), 0);
	for (i = 0; i < WRITERS; i++) {
		memset(&w[i], 0, sizeof w[i]);
		w[i].sh = &sh;
		snprintf(w[i].station, sizeof w[i].station, "w%d", i);
		w[i].seed = 7u + (unsigned)i;
		assert_int_equal(pthread_create(&wt[i], NULL, write_events,
		    &w[i]), 0);
	}
	for (i = 0; i < WRITERS; i++) {
		pthread_join(wt[i], NULL);
		if (w[i].err[0] != '\0')
			fail_msg("writer %d: %s", i, w[i].err);
	}
	sh.writers_done = 1;
	pthread_join(rt, NULL);
	if (r->err[0] != '\0')
		fail_msg("reader: %s", r->err);

	/* Everything DEPT has, read at once now. */
	assert_int_equal(s->ops->events_for_unit(s, DEPT, "", 0, TOTAL + 8,
	    SIZE_MAX, all_one, a, &more, err), 0);
	assert_int_equal(a->n, TOTAL);
	print_message("reader: %d pulls while %d writers stored %d events\n",
	    r->pulls, WRITERS, TOTAL);
	for (j = 0; j < a->n; j++)
		if (j >= r->n || r->seen[j] != a->c[j])
			fail_msg("route %lld (%zu of %zu) was never pulled: the"
			    " reader's cursor passed it before it committed",
			    (long long)a->c[j], j + 1, a->n);
	assert_int_equal(r->n, a->n);
	s->ops->close(s);
	harness_remove(dir);
	free(dir);
	free(sh.where);
	free(r);
	free(a);
	if (harness_pg() != NULL)
		harness_pg_drop_all();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_gap_filled_later),
	};

	return cmocka_run_group_tests_name(harness_pg() != NULL ?
	    "cursors/postgresql" : "cursors/sqlite", tests, harness_sodium,
	    NULL);
}
