/*
 * test-blobs.c - the county server's attachment files (server/blobs.c):
 * one station's files being received held under a limit of its own, so
 * that it cannot hold the county's; parts abandoned for
 * attachment_part_days removed and counted back from the quota and the
 * files in flight, and kept before (the clock is LIANDONG_NOW, which each
 * chunk writes into the part's mtime); and a large file being hashed
 * keeping no other station waiting (blobs.h, invariants 3, 6 and 7).
 */
#include "harness.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "blobs.h"
#include "hash.h"
#include "util.h"

#define DAY_MS (86400 * 1000LL)
/* 2026-11-20T10:00:00+08:00, in ms. */
#define T0 1795140000000LL

static void
clock_at(int64_t ms)
{
	char v[32];

	snprintf(v, sizeof v, "%lld", (long long)ms);
	assert_int_equal(setenv("LIANDONG_NOW", v, 1), 0);
}

/* A file of n bytes that sniffs as a JPEG, its bytes differing by seed;
 * *c the claim naming it truly. */
static unsigned char *
jpeg(size_t n, unsigned seed, struct blobs_claim *c)
{
	unsigned char *p = xmalloc(n);
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)((i * 131 + seed * 17 + (i >> 9)) & 0xff);
	memcpy(p, "\377\330\377\340", 4);
	memset(c, 0, sizeof *c);
	hash_hex(p, n, c->hash);
	c->size = (int64_t)n;
	ld_strlcpy(c->type, "image/jpeg", sizeof c->type);
	ld_strlcpy(c->name, "a.jpg", sizeof c->name);
	return p;
}

/* Sends bytes [off, off + len) of p for w: the status of blobs_put. */
static int
send(struct blobs *b, const struct blobs_who *w, const struct blobs_claim *c,
    const unsigned char *p, int64_t off, size_t len, char *err)
{
	char ch[HASH_HEX];
	const char *did;
	int64_t have;
	int complete;

	hash_hex(p + off, len, ch);
	return blobs_put(b, w, c, off, p + off, len, ch, &have, &complete,
	    &did, err);
}

static int
exists(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	int yes = access(p, F_OK) == 0;

	free(p);
	return yes;
}

static char *
part_name(const struct blobs_claim *c, const char *station)
{
	return xasprintf("%s.%lld.%s.part", c->hash, (long long)c->size,
	    station);
}

static const struct blobs_who ST1 = { "st1", "unit1" };
static const struct blobs_who ST2 = { "st2", "unit2" };

/* One station's parts stay under attachment_station_inflight_kib: its
 * next new file waits (ELOCKED, the message says why), another station's
 * does not; a file larger than the limit alone is refused (ETOOBIG). */
static void
test_station_inflight(void **state)
{
	struct blobs_limits l = { 0, 0, 1000000, 200000, 14 * DAY_MS };
	struct blobs_claim c1, c2, c3, c4;
	unsigned char *f1 = jpeg(150000, 1, &c1), *f2 = jpeg(100000, 2, &c2);
	unsigned char *f3 = jpeg(100000, 3, &c3), *f4 = jpeg(200001, 4, &c4);
	char *dir = harness_scratch("blobs"), err[LD_ERRLEN] = "";
	struct blobs *b;

	(void)state;
	clock_at(T0);
	assert_int_equal(blobs_open(dir, &l, &b, err), 0);
	assert_int_equal(send(b, &ST1, &c1, f1, 0, 65536, err), 0);
	/* 150000 + 100000 > 200000: st1's second file waits. */
	assert_int_equal(send(b, &ST1, &c2, f2, 0, 65536, err), LD_ELOCKED);
	assert_non_null(strstr(err, "station st1 has 150000 bytes of files"
	    " being received (at most 200000 at once)"));
	assert_int_equal(blobs_used(b, "st1"), 150000);
	/* The county's space is not st1's: st2 starts its own. */
	assert_int_equal(send(b, &ST2, &c3, f3, 0, 65536, err), 0);
	/* Larger than the limit alone: waiting would not help. */
	assert_int_equal(send(b, &ST2, &c4, f4, 0, 65536, err), LD_ETOOBIG);
	assert_non_null(strstr(err, "more than the 200000 this server"
	    " receives from one station at once"));
	/* st1's first file done, its second goes. */
	assert_int_equal(send(b, &ST1, &c1, f1, 65536, 65536, err), 0);
	assert_int_equal(send(b, &ST1, &c1, f1, 131072, 150000 - 131072, err),
	    0);
	assert_true(blobs_whole(b, c1.hash));
	assert_int_equal(send(b, &ST1, &c2, f2, 0, 65536, err), 0);
	blobs_free(b);
	assert_int_equal(harness_remove(dir), 0);
	free(dir);
	free(f1);
	free(f2);
	free(f3);
	free(f4);
	unsetenv("LIANDONG_NOW");
}

/* A part not written for attachment_part_days is removed (at start, by a
 * sweep, and when space is wanted), counted back from the quota and the
 * files in flight; one written within the days is kept, and resumes. */
static void
test_abandoned_parts(void **state)
{
	struct blobs_limits l = { 0, 0, 0, 200000, 14 * DAY_MS };
	struct blobs_claim c1, c2, c3;
	unsigned char *f1 = jpeg(150000, 1, &c1), *f2 = jpeg(100000, 2, &c2);
	unsigned char *f3 = jpeg(100000, 3, &c3);
	char *dir = harness_scratch("blobs"), err[LD_ERRLEN] = "";
	char *p1 = part_name(&c1, "st1"), *p3 = part_name(&c3, "st2");
	struct blobs *b;
	struct stat st;
	int64_t have;
	int complete;

	(void)state;
	clock_at(T0);
	assert_int_equal(blobs_open(dir, &l, &b, err), 0);
	assert_int_equal(send(b, &ST1, &c1, f1, 0, 65536, err), 0);
	/* The part's time is the server's clock. */
	{
		char *pp = xasprintf("%s/%s", dir, p1);

		assert_int_equal(stat(pp, &st), 0);
		assert_int_equal((int64_t)st.st_mtime, T0 / 1000);
		free(pp);
	}
	clock_at(T0 + 3 * DAY_MS);
	assert_int_equal(send(b, &ST2, &c3, f3, 0, 65536, err), 0);
	/* Thirteen days and a bit on: nothing is abandoned yet. */
	clock_at(T0 + 14 * DAY_MS - 1000);
	assert_int_equal(blobs_sweep(b), 0);
	assert_true(exists(dir, p1));
	assert_int_equal(send(b, &ST1, &c2, f2, 0, 65536, err), LD_ELOCKED);
	assert_int_equal(blobs_used(b, "st1"), 150000);
	/* Fourteen days: st1's part is abandoned when its second file wants
	 * the space (no sweep asked for); st2's, three days younger, kept. */
	clock_at(T0 + 14 * DAY_MS);
	assert_int_equal(send(b, &ST1, &c2, f2, 0, 65536, err), 0);
	assert_false(exists(dir, p1));
	assert_true(exists(dir, p3));
	assert_int_equal(blobs_used(b, "st1"), 100000);
	/* st1 asks again for the first: nothing held, sent from 0. */
	assert_int_equal(blobs_state(b, &ST1, &c1, &have, &complete, err), 0);
	assert_int_equal(have, 0);
	/* st2 resumes within its days... */
	assert_int_equal(blobs_state(b, &ST2, &c3, &have, &complete, err), 0);
	assert_int_equal(have, 65536);
	blobs_free(b);
	/* ...and a server started after them removes its part at start,
	 * counting it back. */
	clock_at(T0 + 17 * DAY_MS);
	assert_int_equal(blobs_open(dir, &l, &b, err), 0);
	assert_false(exists(dir, p3));
	assert_int_equal(blobs_used(b, "st2"), 0);
	assert_int_equal(blobs_used(b, "st1"), 100000);
	blobs_free(b);
	/* 0 days: never abandoned. */
	l.part_ttl_ms = 0;
	clock_at(T0 + 400 * DAY_MS);
	assert_int_equal(blobs_open(dir, &l, &b, err), 0);
	assert_int_equal(blobs_sweep(b), 0);
	assert_int_equal(blobs_used(b, "st1"), 100000);
	blobs_free(b);
	assert_int_equal(harness_remove(dir), 0);
	free(dir);
	free(p1);
	free(p3);
	free(f1);
	free(f2);
	free(f3);
	unsetenv("LIANDONG_NOW");
}

/* The lock test: the hook parks st1's last chunk after its part is whole
 * and before it is hashed, until released. */
struct park {
	pthread_mutex_t m;
	pthread_cond_t c;
	int parked, released, other_done;
};

static void
park_here(void *arg, const char *part)
{
	struct park *k = arg;

	if (strstr(part, ".st1.part") == NULL)
		return;
	pthread_mutex_lock(&k->m);
	k->parked = 1;
	pthread_cond_broadcast(&k->c);
	while (!k->released)
		pthread_cond_wait(&k->c, &k->m);
	pthread_mutex_unlock(&k->m);
}

struct job {
	struct blobs *b;
	const struct blobs_who *w;
	const struct blobs_claim *c;
	const unsigned char *p;
	int64_t off;
	size_t len;
	int rc;
	struct park *k;
};

static void *
last_chunk(void *arg)
{
	struct job *j = arg;
	char err[LD_ERRLEN];

	j->rc = send(j->b, j->w, j->c, j->p, j->off, j->len, err);
	return NULL;
}

/* Another station's whole small file, its state and holders asked. */
static void *
other_station(void *arg)
{
	struct job *j = arg;
	char err[LD_ERRLEN];
	int64_t have = 0;
	int complete = 0;

	j->rc = send(j->b, j->w, j->c, j->p, 0, (size_t)j->c->size, err);
	if (j->rc == 0)
		j->rc = blobs_state(j->b, j->w, j->c, &have, &complete, err);
	if (j->rc == 0 && (!complete || !blobs_holds(j->b, j->c->hash,
	    j->w->unit)))
		j->rc = -1;
	pthread_mutex_lock(&j->k->m);
	j->k->other_done = 1;
	pthread_cond_broadcast(&j->k->c);
	pthread_mutex_unlock(&j->k->m);
	return NULL;
}

/* While st1's file is whole and being hashed, st2's file goes through:
 * the hash is taken outside the lock (blobs.h, invariant 7). Waited for
 * at most 60 s (a hang, not a speed: st2 needs no more than its own
 * chunk's fsync); st1 is released either way, so that a failure ends.
 * The hook parks st1's part alone. */
static void
test_hash_outside_lock(void **state)
{
	struct blobs_limits l = { 0, 0, 0, 0, 14 * DAY_MS };
	struct blobs_claim c1, c2;
	unsigned char *f1 = jpeg(200000, 1, &c1), *f2 = jpeg(1000, 2, &c2);
	char *dir = harness_scratch("blobs"), err[LD_ERRLEN] = "";
	struct park k = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
	    0, 0, 0 };
	struct job j1, j2;
	pthread_t t1, t2;
	struct timespec until;
	struct blobs *b;
	int64_t off;
	int done_while_parked;

	(void)state;
	clock_at(T0);
	assert_int_equal(blobs_open(dir, &l, &b, err), 0);
	for (off = 0; off + 65536 < 200000; off += 65536)
		assert_int_equal(send(b, &ST1, &c1, f1, off, 65536, err), 0);
	blobs_set_finish_hook(b, park_here, &k);
	j1 = (struct job){ b, &ST1, &c1, f1, off, (size_t)(200000 - off), -9,
	    &k };
	j2 = (struct job){ b, &ST2, &c2, f2, 0, 0, -9, &k };
	assert_int_equal(pthread_create(&t1, NULL, last_chunk, &j1), 0);
	pthread_mutex_lock(&k.m);
	while (!k.parked)
		pthread_cond_wait(&k.c, &k.m);
	pthread_mutex_unlock(&k.m);
	assert_int_equal(pthread_create(&t2, NULL, other_station, &j2), 0);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 60;
	pthread_mutex_lock(&k.m);
	while (!k.other_done &&
	    pthread_cond_timedwait(&k.c, &k.m, &until) != ETIMEDOUT)
		;
	done_while_parked = k.other_done;
	k.released = 1;
	pthread_cond_broadcast(&k.c);
	pthread_mutex_unlock(&k.m);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	assert_true(done_while_parked);
	assert_int_equal(j2.rc, 0);
	assert_int_equal(j1.rc, 0);
	assert_true(blobs_whole(b, c1.hash));
	assert_true(blobs_holds(b, c1.hash, "unit1"));
	blobs_free(b);
	assert_int_equal(harness_remove(dir), 0);
	free(dir);
	free(f1);
	free(f2);
	unsetenv("LIANDONG_NOW");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_station_inflight),
		cmocka_unit_test(test_abandoned_parts),
		cmocka_unit_test(test_hash_outside_lock),
	};

	return cmocka_run_group_tests(tests, harness_sodium, NULL);
}
