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
#include "harness-pg.h"
#include "hash.h"
#include "store.h"
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

/* Where the test's files are kept: NULL for the directory (a server on
 * SQLite); with LIANDONG_TEST_STORE, a new database of the test's own
 * with the store's tables (blobs-pg.c). */
static char *store_url;

static void
new_store(void)
{
	struct store *s;
	char err[LD_ERRLEN] = "";

	free(store_url);
	store_url = NULL;
	if (harness_pg() == NULL)
		return;
	store_url = harness_pg_new("blobs");
	if (store_open(store_url, 1, NULL, &s, err) != 0)
		fail_msg("cannot make the store: %s", err);
	s->ops->close(s);
}

static int
open_b(const char *dir, const struct blobs_limits *l, struct blobs **b,
    char *err)
{
	return blobs_open_store(dir, store_url, l, b, err);
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
	new_store();
	clock_at(T0);
	assert_int_equal(open_b(dir, &l, &b, err), 0);
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
	new_store();
	clock_at(T0);
	assert_int_equal(open_b(dir, &l, &b, err), 0);
	assert_int_equal(send(b, &ST1, &c1, f1, 0, 65536, err), 0);
	/* The part's time is the server's clock (on disk, its mtime). */
	if (store_url == NULL) {
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
	assert_true(blobs_part(b, &c1, "st1") >= 0);
	assert_int_equal(send(b, &ST1, &c2, f2, 0, 65536, err), LD_ELOCKED);
	assert_int_equal(blobs_used(b, "st1"), 150000);
	/* Fourteen days: st1's part is abandoned when its second file wants
	 * the space (no sweep asked for); st2's, three days younger, kept. */
	clock_at(T0 + 14 * DAY_MS);
	assert_int_equal(send(b, &ST1, &c2, f2, 0, 65536, err), 0);
	assert_false(blobs_part(b, &c1, "st1") >= 0);
	assert_true(blobs_part(b, &c3, "st2") >= 0);
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
	assert_int_equal(open_b(dir, &l, &b, err), 0);
	assert_false(blobs_part(b, &c3, "st2") >= 0);
	assert_int_equal(blobs_used(b, "st2"), 0);
	assert_int_equal(blobs_used(b, "st1"), 100000);
	blobs_free(b);
	/* 0 days: never abandoned. */
	l.part_ttl_ms = 0;
	clock_at(T0 + 400 * DAY_MS);
	assert_int_equal(open_b(dir, &l, &b, err), 0);
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
	new_store();
	clock_at(T0);
	assert_int_equal(open_b(dir, &l, &b, err), 0);
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

/* Reads the whole file hash through b in pieces of step bytes from
 * first, and compares it with p. */
static void
read_back(struct blobs *b, const char *hash, const unsigned char *p,
    size_t n, int64_t first, size_t step)
{
	unsigned char *buf = xmalloc(BLOBS_CHUNK);
	char err[LD_ERRLEN] = "";
	int64_t off = first, size = 0;
	size_t len;

	while (off < (int64_t)n) {
		assert_int_equal(blobs_read(b, hash, off, buf, step, &len,
		    &size, err), 0);
		assert_int_equal(size, (int64_t)n);
		assert_true(len > 0 && len <= step);
		assert_memory_equal(buf, p + off, len);
		off += (int64_t)len;
	}
	assert_int_equal(off, (int64_t)n);
	/* Past the end: refused. */
	assert_int_equal(blobs_read(b, hash, (int64_t)n + 1, buf, step, &len,
	    &size, err), LD_EINVAL);
	free(buf);
}

/* Two servers on the same files (two instances on one database): a part
 * begun through one resumes through the other from what the first
 * acknowledged, no chunk stored again; the file whole through both; one
 * station's parts and quota charged through one count through the other
 * (blobs.h, invariant 3). */
static void
test_two_instances(void **state)
{
	struct blobs_limits l = { 0, 500000, 300000, 250000, 14 * DAY_MS };
	struct blobs_claim c1, c2, c3, c4;
	unsigned char *f1 = jpeg(200000, 1, &c1), *f2 = jpeg(150000, 2, &c2);
	unsigned char *f3 = jpeg(150000, 3, &c3), *f4 = jpeg(160000, 4, &c4);
	char *dir = harness_scratch("blobs"), err[LD_ERRLEN] = "", ch[HASH_HEX];
	struct blobs *a, *b;
	const char *did;
	int64_t have;
	int complete;

	(void)state;
	new_store();
	clock_at(T0);
	assert_int_equal(open_b(dir, &l, &a, err), 0);
	assert_int_equal(open_b(dir, &l, &b, err), 0);
	assert_int_equal(send(a, &ST1, &c1, f1, 0, 65536, err), 0);
	assert_int_equal(send(a, &ST1, &c1, f1, 65536, 65536, err), 0);
	/* Through the other: what the first acknowledged. */
	assert_int_equal(blobs_state(b, &ST1, &c1, &have, &complete, err), 0);
	assert_int_equal(have, 131072);
	assert_false(complete);
	/* A chunk acknowledged through a, sent again through b: held. */
	hash_hex(f1 + 65536, 65536, ch);
	assert_int_equal(blobs_put(b, &ST1, &c1, 65536, f1 + 65536, 65536, ch,
	    &have, &complete, &did, err), 0);
	assert_string_equal(did, "held");
	assert_int_equal(have, 131072);
	assert_int_equal(blobs_part(a, &c1, "st1"), 131072);
	/* The rest through b makes it whole for both. */
	assert_int_equal(send(b, &ST1, &c1, f1, 131072, 65536, err), 0);
	hash_hex(f1 + 196608, 200000 - 196608, ch);
	assert_int_equal(blobs_put(b, &ST1, &c1, 196608, f1 + 196608,
	    200000 - 196608, ch, &have, &complete, &did, err), 0);
	assert_string_equal(did, "stored");
	assert_true(complete);
	assert_true(blobs_whole(a, c1.hash));
	assert_true(blobs_holds(a, c1.hash, "unit1"));
	assert_false(blobs_holds(a, c1.hash, "unit2"));
	assert_int_equal(blobs_part(a, &c1, "st1"), -1);
	read_back(a, c1.hash, f1, 200000, 0, BLOBS_CHUNK);
	read_back(b, c1.hash, f1, 200000, 7, 50000);
	assert_int_equal(blobs_used(a, "st1"), 200000);
	assert_int_equal(blobs_used(b, "st1"), 200000);
	/* st1's file in flight through a counts through b: its own limit... */
	assert_int_equal(send(a, &ST1, &c2, f2, 0, 65536, err), 0);
	assert_int_equal(send(b, &ST1, &c3, f3, 0, 65536, err), LD_ELOCKED);
	assert_non_null(strstr(err, "station st1 has 150000 bytes of files"
	    " being received (at most 250000 at once)"));
	/* ...and the county's. */
	assert_int_equal(send(b, &ST2, &c4, f4, 0, 65536, err), LD_ELOCKED);
	assert_non_null(strstr(err, "too many files"));
	/* Its quota, charged through a, counts through b. */
	assert_int_equal(send(a, &ST1, &c2, f2, 65536, 65536, err), 0);
	assert_int_equal(send(a, &ST1, &c2, f2, 131072, 150000 - 131072, err),
	    0);
	assert_int_equal(blobs_used(b, "st1"), 350000);
	assert_int_equal(send(b, &ST1, &c4, f4, 0, 65536, err), LD_ETOOBIG);
	assert_non_null(strstr(err, "quota is full (350000 of 500000"));
	/* st2 now fits the county's room. */
	assert_int_equal(send(b, &ST2, &c4, f4, 0, 65536, err), 0);
	blobs_free(a);
	blobs_free(b);
	assert_int_equal(harness_remove(dir), 0);
	free(dir);
	free(f1);
	free(f2);
	free(f3);
	free(f4);
	unsetenv("LIANDONG_NOW");
}

/* Chunks not on 64 KiB boundaries are held as they came, read back at
 * any offset; a whole file of another type than claimed is refused and
 * leaves nothing, counted back (blobs.h, invariants 1 and 3). */
static void
test_odd_chunks(void **state)
{
	struct blobs_limits l = { 0, 0, 0, 0, 14 * DAY_MS };
	struct blobs_claim c1, c2;
	unsigned char *f1 = jpeg(200000, 1, &c1), *f2 = jpeg(70000, 2, &c2);
	char *dir = harness_scratch("blobs"), err[LD_ERRLEN] = "";
	static const size_t steps[] = { 1000, 65536, 1, 65535, 30000 };
	struct blobs *b;
	int64_t off = 0;
	size_t i = 0;

	(void)state;
	new_store();
	clock_at(T0);
	assert_int_equal(open_b(dir, &l, &b, err), 0);
	while (off < 200000) {
		size_t n = steps[i++ % 5];

		if (off + (int64_t)n > 200000)
			n = (size_t)(200000 - off);
		assert_int_equal(send(b, &ST1, &c1, f1, off, n, err), 0);
		off += (int64_t)n;
		if (off < 200000)
			assert_int_equal(blobs_part(b, &c1, "st1"), off);
	}
	assert_true(blobs_whole(b, c1.hash));
	read_back(b, c1.hash, f1, 200000, 0, BLOBS_CHUNK);
	read_back(b, c1.hash, f1, 200000, 65535, 1000);
	read_back(b, c1.hash, f1, 200000, 131071, BLOBS_CHUNK);
	/* A JPEG claimed as a PNG: refused whole, nothing kept. */
	ld_strlcpy(c2.type, "image/png", sizeof c2.type);
	ld_strlcpy(c2.name, "a.png", sizeof c2.name);
	assert_int_equal(send(b, &ST2, &c2, f2, 0, 65536, err), 0);
	assert_int_equal(blobs_used(b, "st2"), 70000);
	assert_int_equal(send(b, &ST2, &c2, f2, 65536, 70000 - 65536, err),
	    LD_EINVAL);
	assert_false(blobs_whole(b, c2.hash));
	assert_int_equal(blobs_part(b, &c2, "st2"), -1);
	assert_int_equal(blobs_used(b, "st2"), 0);
	blobs_free(b);
	assert_int_equal(harness_remove(dir), 0);
	free(dir);
	free(f1);
	free(f2);
	unsetenv("LIANDONG_NOW");
}

/* A file left whole in blobs/ by a server before (its holders beside
 * it) is served: on PostgreSQL imported at start, the directory then
 * renamed blobs.imported; a file there that does not hash to its name is
 * not. */
static void
test_files_before(void **state)
{
	struct blobs_limits l = { 0, 0, 0, 0, 14 * DAY_MS };
	struct blobs_claim c1, c2;
	unsigned char *f1 = jpeg(150000, 1, &c1), *f2 = jpeg(1000, 2, &c2);
	char *dir = harness_scratch("blobs"), err[LD_ERRLEN] = "";
	char *p = xasprintf("%s/%s", dir, c1.hash);
	char *u = xasprintf("%s/%s.units", dir, c1.hash);
	char *bad = xasprintf("%s/%s", dir, c2.hash);
	char *moved = xasprintf("%s.imported", dir);
	struct blobs *b;
	FILE *f;

	(void)state;
	new_store();
	assert_non_null(f = fopen(p, "w"));
	assert_int_equal(fwrite(f1, 1, 150000, f), 150000);
	fclose(f);
	assert_non_null(f = fopen(u, "w"));
	fputs("unit1\n", f);
	fclose(f);
	assert_non_null(f = fopen(bad, "w"));
	f2[10] ^= 1; /* not the bytes its name says */
	assert_int_equal(fwrite(f2, 1, 1000, f), 1000);
	fclose(f);
	assert_int_equal(open_b(dir, &l, &b, err), 0);
	assert_true(blobs_whole(b, c1.hash));
	assert_true(blobs_holds(b, c1.hash, "unit1"));
	read_back(b, c1.hash, f1, 150000, 0, BLOBS_CHUNK);
	if (store_url != NULL) {
		assert_false(blobs_whole(b, c2.hash));
		assert_int_equal(access(dir, F_OK), -1);
		assert_int_equal(access(moved, F_OK), 0);
		/* Opened again: served from the database alone. */
		blobs_free(b);
		assert_int_equal(open_b(dir, &l, &b, err), 0);
		assert_true(blobs_holds(b, c1.hash, "unit1"));
		read_back(b, c1.hash, f1, 150000, 1, 65536);
		assert_int_equal(harness_remove(moved), 0);
	} else
		assert_int_equal(harness_remove(dir), 0);
	blobs_free(b);
	free(dir);
	free(p);
	free(u);
	free(bad);
	free(moved);
	free(f1);
	free(f2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_station_inflight),
		cmocka_unit_test(test_abandoned_parts),
		cmocka_unit_test(test_hash_outside_lock),
		cmocka_unit_test(test_two_instances),
		cmocka_unit_test(test_odd_chunks),
		cmocka_unit_test(test_files_before),
	};
	int rc;

	rc = cmocka_run_group_tests_name(harness_pg() != NULL ?
	    "blobs@postgresql" : "blobs", tests, harness_sodium, NULL);
	if (harness_pg() != NULL)
		harness_pg_drop_all();
	free(store_url);
	return rc;
}
