/*
 * blobs-pg.c - the attachments' files in PostgreSQL (blobs.h,
 * blobs-backend.h), for a server whose store is there: every instance on
 * one database holds the same files, parts, holders, proofs and quotas,
 * so that a station may send half a file through one instance and the
 * rest through another, and a unit fetch it through a third. The tables
 * are store-pg.c's migration 4.
 *
 * blobs.h's invariants, held here so:
 *  1. blob_files names a file only whole: its row is inserted in the
 *     transaction that checked the part's hash and type, and that turns
 *     the part's rows into the file's (station ''), so that either all of
 *     it is there or none.
 *  2. a chunk is acknowledged only once its transaction committed (the
 *     rows and the part's new length together): a crash loses only what
 *     was not acknowledged.
 *  3. blob_parts, one row a station and file; its size is charged to
 *     blob_quota in the transaction that makes it, counted back in the
 *     one that removes it without its becoming the file. The admission
 *     (the sums of the parts in flight, the station's quota) runs under
 *     one advisory lock (ADMIT_LOCK, the transaction's), so that two
 *     instances admitting at once cannot both pass a limit room for one.
 *  4. blob_holders, added to, never removed from.
 *  5. blob_proofs, one row a station and file.
 *  6. a part or proof's touched is ltime_now() of its last chunk; the
 *     sweep removes those older than part_ttl_ms, but a part some request
 *     is working on (it fails to take its lock, and skips it).
 *  7. a station's part of a file is worked on by one request at a time,
 *     in every instance: a session advisory lock on (PART_LOCK, the hash
 *     of "HASH.STATION") held from the state read to the last write. The
 *     whole file's hash is taken under that lock alone, on a connection
 *     of the pool: another station is never kept waiting by it.
 *
 * The whole file's hash is taken by reading its rows back, in the
 * transaction that makes it the file, not kept as it arrives: what is
 * checked is what the database holds, not what went past; a running
 * SHA-256 would have to be saved with each chunk (libsodium's state is
 * not meant to be stored) and trusted across crashes and instances. It
 * costs one read of the file when it is complete, once.
 *
 * The rows: 64 KiB each (BLOBS_CHUNK), row i holding bytes
 * [i * 64 KiB, (i + 1) * 64 KiB); a chunk not on that boundary fills the
 * last row first. Bytes go to and from PostgreSQL as hex text through
 * store_pg_run (libpq stays in store-pg.c).
 *
 * Connections: a pool of up to POOL_MAX of the store's (store_open),
 * made when first needed; a request takes one for its whole call.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blobs.h"
#include "blobs-backend.h"
#include "log.h"
#include "ltime.h"
#include "sniff.h"
#include "store.h"
#include "store-pg.h"
#include "util.h"

#define POOL_MAX 8
/* Advisory lock keys: the admission's (one key), the parts' (two keys,
 * the second the hash of "HASH.STATION"). */
#define ADMIT_LOCK "7301962003"
#define PART_LOCK "7301963"
#define SWEEP_EVERY_MS (3600 * 1000LL)

struct bpg {
	char *url;                    /* owned */
	struct blobs_limits lim;
	pthread_mutex_t lock;         /* over the pool and swept_at */
	pthread_cond_t freed;
	struct store *conn[POOL_MAX]; /* owned; NULL: not made yet */
	int busy[POOL_MAX];
	int64_t swept_at;
	void (*finish_hook)(void *, const char *);
	void *finish_arg;
};

static const char *
num(char buf[24], int64_t v)
{
	snprintf(buf, 24, "%lld", (long long)v);
	return buf;
}

/* ---- the pool ---- */

static int
take(struct bpg *g, struct store **out, char *err)
{
	int i, rc;

	pthread_mutex_lock(&g->lock);
	for (;;) {
		for (i = 0; i < POOL_MAX; i++)
			if (!g->busy[i] && g->conn[i] != NULL)
				break;
		if (i == POOL_MAX)
			for (i = 0; i < POOL_MAX; i++)
				if (!g->busy[i])
					break;
		if (i < POOL_MAX)
			break;
		pthread_cond_wait(&g->freed, &g->lock);
	}
	g->busy[i] = 1;
	if (g->conn[i] != NULL) {
		*out = g->conn[i];
		pthread_mutex_unlock(&g->lock);
		return 0;
	}
	pthread_mutex_unlock(&g->lock);
	rc = store_open(g->url, 0, NULL, out, err);
	pthread_mutex_lock(&g->lock);
	if (rc == 0)
		g->conn[i] = *out;
	else {
		g->busy[i] = 0;
		pthread_cond_signal(&g->freed);
	}
	pthread_mutex_unlock(&g->lock);
	return rc;
}

static void
give(struct bpg *g, struct store *s)
{
	int i;

	pthread_mutex_lock(&g->lock);
	for (i = 0; i < POOL_MAX; i++)
		if (g->conn[i] == s)
			g->busy[i] = 0;
	pthread_cond_signal(&g->freed);
	pthread_mutex_unlock(&g->lock);
}

/* ---- statements ---- */

static int
q(struct store *s, const char *sql, int n, const char *const *p,
    struct pg_rows **rows, int64_t *changed, char *err)
{
	return store_pg_run(s, sql, n, p, rows, changed,
	    _("database query failed"), err);
}

static char *
to_hex(const void *data, size_t len)
{
	static const char d[] = "0123456789abcdef";
	const unsigned char *b = data;
	char *h = xmalloc(2 * len + 1);
	size_t i;

	for (i = 0; i < len; i++) {
		h[2 * i] = d[b[i] >> 4];
		h[2 * i + 1] = d[b[i] & 15];
	}
	h[2 * len] = '\0';
	return h;
}

static int
nibble(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	    c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The bytes of hex text h (encode(..., 'hex')): a new buffer, *len. */
static unsigned char *
from_hex(const char *h, size_t *len)
{
	size_t n = strlen(h) / 2, i;
	unsigned char *b = xmalloc(n > 0 ? n : 1);

	for (i = 0; i < n; i++)
		b[i] = (unsigned char)(nibble(h[2 * i]) << 4 |
		    nibble(h[2 * i + 1]));
	*len = n;
	return b;
}

/* "HASH.STATION": the part's lock's name. */
static char *
part_key(const char *hash, const char *station)
{
	return xasprintf("%s.%s", hash, station);
}

/* ---- holders, quotas ---- */

static int
holds(struct store *s, const char *hash, const char *unit, char *err)
{
	const char *p[2] = { hash, unit };
	struct pg_rows *r;
	int yes;

	if (q(s, "SELECT 1 FROM blob_holders WHERE hash=$1 AND unit=$2", 2,
	    p, &r, NULL, err) != 0)
		return 0;
	yes = pg_rows_count(r) > 0;
	pg_rows_free(r);
	return yes;
}

static int
add_holder(struct store *s, const char *hash, const char *unit, char *err)
{
	const char *p[2] = { hash, unit };

	return q(s, "INSERT INTO blob_holders VALUES($1, $2)"
	    " ON CONFLICT DO NOTHING", 2, p, NULL, NULL, err);
}

/* Counts size bytes back from station's quota (never below 0). */
static int
refund(struct store *s, const char *station, int64_t size, char *err)
{
	char b[24];
	const char *p[2] = { station, num(b, size) };

	return q(s, "UPDATE blob_quota SET used=greatest(used - $2::bigint, 0)"
	    " WHERE station=$1", 2, p, NULL, NULL, err);
}

/* Removes station's part of c's file and its rows, counting it back. */
static int
drop_part(struct store *s, const struct blobs_claim *c, const char *station,
    char *err)
{
	char b[24];
	const char *p[3] = { c->hash, num(b, c->size), station };
	int64_t n = 0;
	int rc;

	if ((rc = q(s, "DELETE FROM blob_chunks WHERE hash=$1 AND"
	    " size=$2::bigint AND station=$3", 3, p, NULL, NULL, err)) != 0 ||
	    (rc = q(s, "DELETE FROM blob_parts WHERE hash=$1 AND"
	    " size=$2::bigint AND station=$3", 3, p, NULL, &n, err)) != 0)
		return rc;
	return n > 0 ? refund(s, station, c->size, err) : 0;
}

/* ---- the sweep (invariant 6) ---- */

/* Inside a transaction: removes the parts and proofs not written for
 * part_ttl_ms that no request is working on; the number removed. */
static int
sweep_in(struct bpg *g, struct store *s, char *err)
{
	char b[24], sz[24];
	const char *p[1];
	struct pg_rows *r;
	size_t i;
	int n = 0, pass;

	if (g->lim.part_ttl_ms <= 0)
		return 0;
	p[0] = num(b, ltime_now() - g->lim.part_ttl_ms);
	for (pass = 0; pass < 2; pass++) {
		if (q(s, pass == 0 ? "SELECT hash, size, station FROM"
		    " blob_parts WHERE touched <= $1::bigint" :
		    "SELECT hash, -1, station FROM blob_proofs"
		    " WHERE touched <= $1::bigint", 1, p, &r, NULL, err) != 0)
			return n;
		for (i = 0; i < pg_rows_count(r); i++) {
			struct blobs_claim c;
			const char *station = pg_rows_text(r, i, 2);
			char *key = part_key(pg_rows_text(r, i, 0), station);
			const char *lp[1] = { key };
			const char *dp[3];
			struct pg_rows *l;
			int64_t gone = 0;
			int got;

			memset(&c, 0, sizeof c);
			ld_strlcpy(c.hash, pg_rows_text(r, i, 0), sizeof c.hash);
			c.size = pg_rows_int(r, i, 1);
			if (q(s, "SELECT pg_try_advisory_xact_lock(" PART_LOCK
			    ", hashtext($1))", 1, lp, &l, NULL, err) != 0) {
				free(key);
				break;
			}
			got = strcmp(pg_rows_text(l, 0, 0), "t") == 0;
			pg_rows_free(l);
			free(key);
			if (!got)
				continue; /* a request is working on it */
			dp[0] = c.hash;
			dp[1] = station;
			dp[2] = p[0];
			if (pass == 1) {
				if (q(s, "DELETE FROM blob_proofs WHERE hash=$1"
				    " AND station=$2 AND touched <= $3::bigint",
				    3, dp, NULL, &gone, err) != 0)
					break;
			} else {
				const char *pp[4] = { c.hash, num(sz, c.size),
				    station, p[0] };

				if (q(s, "SELECT 1 FROM blob_parts WHERE hash=$1"
				    " AND size=$2::bigint AND station=$3 AND"
				    " touched <= $4::bigint", 4, pp, &l, NULL,
				    err) != 0)
					break;
				gone = (int64_t)pg_rows_count(l);
				pg_rows_free(l);
				if (gone > 0 && drop_part(s, &c, station,
				    err) != 0)
					break;
			}
			if (gone > 0) {
				n++;
				log_line("info", "event=blob_expired station=%s"
				    " hash=%.12s size=%lld", station, c.hash,
				    (long long)c.size);
			}
		}
		pg_rows_free(r);
	}
	return n;
}

static int
sweep_txn(struct bpg *g, struct store *s)
{
	char err[LD_ERRLEN];
	int n;

	pthread_mutex_lock(&g->lock);
	g->swept_at = ltime_now();
	pthread_mutex_unlock(&g->lock);
	if (g->lim.part_ttl_ms <= 0 || s->ops->begin(s, err) != 0)
		return 0;
	n = sweep_in(g, s, err);
	if (s->ops->commit(s, err) != 0) {
		log_line("error", "event=blob result=sweep_failed");
		return 0;
	}
	return n;
}

static int
sweep_due(struct bpg *g)
{
	int due;

	pthread_mutex_lock(&g->lock);
	due = g->lim.part_ttl_ms > 0 &&
	    ltime_now() - g->swept_at >= SWEEP_EVERY_MS;
	pthread_mutex_unlock(&g->lock);
	return due;
}

/* ---- state ---- */

struct where {
	int64_t whole;   /* the whole file's size, or -1 */
	int holder;      /* w's unit among its holders */
	int64_t part;    /* bytes of w's station's part, or -1 */
	int64_t proof;   /* bytes proved, or -1 */
	int proof_ok;
};

static int
where_is(struct store *s, const struct blobs_who *w,
    const struct blobs_claim *c, struct where *x, char *err)
{
	char b[24];
	const char *p[4] = { c->hash, num(b, c->size), w->station, w->unit };
	struct pg_rows *r;
	const char *t;
	int rc;

	if ((rc = q(s, "SELECT (SELECT size FROM blob_files WHERE hash=$1),"
	    " EXISTS(SELECT 1 FROM blob_holders WHERE hash=$1 AND unit=$4),"
	    " (SELECT have FROM blob_parts WHERE hash=$1 AND size=$2::bigint"
	    "  AND station=$3),"
	    " (SELECT at FROM blob_proofs WHERE hash=$1 AND station=$3),"
	    " (SELECT ok FROM blob_proofs WHERE hash=$1 AND station=$3)",
	    4, p, &r, NULL, err)) != 0)
		return rc;
	t = pg_rows_text(r, 0, 0);
	x->whole = *t != '\0' ? pg_rows_int(r, 0, 0) : -1;
	x->holder = strcmp(pg_rows_text(r, 0, 1), "t") == 0;
	t = pg_rows_text(r, 0, 2);
	x->part = *t != '\0' ? pg_rows_int(r, 0, 2) : -1;
	t = pg_rows_text(r, 0, 3);
	x->proof = *t != '\0' ? pg_rows_int(r, 0, 3) : -1;
	x->proof_ok = x->proof < 0 || pg_rows_int(r, 0, 4) != 0;
	pg_rows_free(r);
	return 0;
}

/* What blobs_state says of x (blobs.h). */
static void
say(const struct where *x, int64_t *have, int *complete)
{
	*complete = 0;
	*have = 0;
	if (x->whole >= 0 && x->holder) {
		*complete = 1;
		*have = x->whole;
	} else if (x->part >= 0 || x->whole < 0)
		*have = x->part > 0 ? x->part : 0;
	else
		*have = x->proof > 0 ? x->proof : 0; /* invariant 5 */
}

static int
lock_part(struct store *s, const char *key, int on, char *err)
{
	const char *p[1] = { key };

	return q(s, on ? "SELECT pg_advisory_lock(" PART_LOCK ", hashtext($1))" :
	    "SELECT pg_advisory_unlock(" PART_LOCK ", hashtext($1))", 1, p,
	    NULL, NULL, err);
}

static int
pg_state(void *impl, const struct blobs_who *w, const struct blobs_claim *c,
    int64_t *have, int *complete, char *err)
{
	struct bpg *g = impl;
	struct store *s;
	struct where x;
	char *key;
	int rc;

	*have = 0;
	*complete = 0;
	if ((rc = take(g, &s, err)) != 0)
		return rc;
	key = part_key(c->hash, w->station);
	/* Not while a chunk is being stored or the file hashed: the part's
	 * lock, for as long as the read. */
	if ((rc = s->ops->begin(s, err)) == 0) {
		const char *p[1] = { key };

		if ((rc = q(s, "SELECT pg_advisory_xact_lock(" PART_LOCK
		    ", hashtext($1))", 1, p, NULL, NULL, err)) == 0 &&
		    (rc = where_is(s, w, c, &x, err)) == 0)
			say(&x, have, complete);
		s->ops->rollback(s);
	}
	free(key);
	if (rc == 0 && sweep_due(g))
		sweep_txn(g, s);
	give(g, s);
	return rc;
}

static int
pg_whole(void *impl, const char *hash)
{
	struct bpg *g = impl;
	const char *p[1] = { hash };
	struct pg_rows *r;
	struct store *s;
	char err[LD_ERRLEN];
	int yes = 0;

	if (take(g, &s, err) != 0)
		return 0;
	if (q(s, "SELECT 1 FROM blob_files WHERE hash=$1", 1, p, &r, NULL,
	    err) == 0) {
		yes = pg_rows_count(r) > 0;
		pg_rows_free(r);
	}
	give(g, s);
	return yes;
}

static int
pg_holds(void *impl, const char *hash, const char *unit)
{
	struct bpg *g = impl;
	struct store *s;
	char err[LD_ERRLEN];
	int yes;

	if (take(g, &s, err) != 0)
		return 0;
	yes = holds(s, hash, unit, err);
	give(g, s);
	return yes;
}

static int
pg_add_holder(void *impl, const char *hash, const char *unit, char *err)
{
	struct bpg *g = impl;
	struct store *s;
	int rc;

	if ((rc = take(g, &s, err)) != 0)
		return rc;
	rc = add_holder(s, hash, unit, err);
	give(g, s);
	return rc;
}

static int64_t
pg_used(void *impl, const char *station)
{
	struct bpg *g = impl;
	const char *p[1] = { station };
	struct pg_rows *r;
	struct store *s;
	char err[LD_ERRLEN];
	int64_t n = 0;

	if (take(g, &s, err) != 0)
		return 0;
	if (q(s, "SELECT used FROM blob_quota WHERE station=$1", 1, p, &r,
	    NULL, err) == 0) {
		if (pg_rows_count(r) > 0)
			n = pg_rows_int(r, 0, 0);
		pg_rows_free(r);
	}
	give(g, s);
	return n;
}

static int64_t
pg_part(void *impl, const struct blobs_claim *c, const char *station)
{
	struct bpg *g = impl;
	char b[24], err[LD_ERRLEN];
	const char *p[3] = { c->hash, num(b, c->size), station };
	struct pg_rows *r;
	struct store *s;
	int64_t n = -1;

	if (take(g, &s, err) != 0)
		return -1;
	if (q(s, "SELECT have FROM blob_parts WHERE hash=$1 AND"
	    " size=$2::bigint AND station=$3", 3, p, &r, NULL, err) == 0) {
		if (pg_rows_count(r) > 0)
			n = pg_rows_int(r, 0, 0);
		pg_rows_free(r);
	}
	give(g, s);
	return n;
}

static int
pg_sweep(void *impl)
{
	struct bpg *g = impl;
	struct store *s;
	char err[LD_ERRLEN];
	int n;

	if (take(g, &s, err) != 0)
		return 0;
	n = sweep_txn(g, s);
	give(g, s);
	return n;
}

static void
pg_set_finish_hook(void *impl, void (*fn)(void *, const char *), void *arg)
{
	struct bpg *g = impl;

	pthread_mutex_lock(&g->lock);
	g->finish_hook = fn;
	g->finish_arg = arg;
	pthread_mutex_unlock(&g->lock);
}

/* ---- reading ---- */

/* Bytes [offset, offset + max) of the rows of (hash, size, station)
 * into buf, *len of them (up to the end, size). */
static int
read_rows(struct store *s, const char *hash, int64_t size,
    const char *station, int64_t offset, unsigned char *buf, size_t max,
    size_t *len, char *err)
{
	char b1[24], b2[24], b3[24];
	int64_t end = offset + (int64_t)max < size ? offset + (int64_t)max :
	    size;
	const char *p[5] = { hash, num(b1, size), station,
	    num(b2, offset / BLOBS_CHUNK), num(b3, (end - 1) / BLOBS_CHUNK) };
	struct pg_rows *r;
	size_t i;
	int rc;

	*len = 0;
	if (end <= offset)
		return 0;
	if ((rc = q(s, "SELECT idx, encode(data, 'hex') FROM blob_chunks"
	    " WHERE hash=$1 AND size=$2::bigint AND station=$3 AND"
	    " idx BETWEEN $4::bigint AND $5::bigint ORDER BY idx", 5, p, &r,
	    NULL, err)) != 0)
		return rc;
	for (i = 0; i < pg_rows_count(r); i++) {
		size_t n;
		unsigned char *d = from_hex(pg_rows_text(r, i, 1), &n);
		int64_t at = pg_rows_int(r, i, 0) * BLOBS_CHUNK;
		int64_t from = offset > at ? offset : at;
		int64_t to = end < at + (int64_t)n ? end : at + (int64_t)n;

		if (to > from)
			memcpy(buf + (from - offset), d + (from - at),
			    (size_t)(to - from));
		free(d);
	}
	pg_rows_free(r);
	*len = (size_t)(end - offset);
	return 0;
}

static int
pg_read(void *impl, const char *hash, int64_t offset, void *buf, size_t max,
    size_t *len, int64_t *size, char *err)
{
	struct bpg *g = impl;
	const char *p[1] = { hash };
	struct pg_rows *r;
	struct store *s;
	int rc;

	*len = 0;
	if ((rc = take(g, &s, err)) != 0)
		return rc;
	if ((rc = q(s, "SELECT size FROM blob_files WHERE hash=$1", 1, p, &r,
	    NULL, err)) != 0)
		goto out;
	if (pg_rows_count(r) == 0)
		rc = ld_fail(err, LD_ENOTFOUND, _("the server does not hold"
		    " this file whole yet"));
	else
		*size = pg_rows_int(r, 0, 0);
	pg_rows_free(r);
	if (rc != 0)
		goto out;
	if (offset < 0 || offset > *size)
		rc = ld_fail(err, LD_EINVAL, _("offset %lld is past the file's"
		    " end"), (long long)offset);
	else
		rc = read_rows(s, hash, *size, "", offset, buf, max, len, err);
out:
	give(g, s);
	return rc;
}

/* ---- receiving ---- */

/* Inside a transaction, the part made: the limits of a new file
 * (blobs_admit_*) under the admission lock, sweeping first when one
 * would be passed or hourly, then the part, charged. */
static int
admit(struct bpg *g, struct store *s, const struct blobs_who *w,
    const struct blobs_claim *c, char *err)
{
	char b[24], t[24];
	const char *p[1] = { w->station };
	const char *lp[1] = { ADMIT_LOCK };
	struct pg_rows *r;
	int64_t used = 0, all = 0, mine = 0;
	int rc, tries;

	if ((rc = blobs_admit_alone(&g->lim, c, err)) != 0 ||
	    (rc = q(s, "SELECT pg_advisory_xact_lock($1::bigint)", 1, lp,
	    NULL, NULL, err)) != 0)
		return rc;
	if (sweep_due(g)) {
		pthread_mutex_lock(&g->lock);
		g->swept_at = ltime_now();
		pthread_mutex_unlock(&g->lock);
		sweep_in(g, s, err);
	}
	for (tries = 0; tries < 2; tries++) {
		if ((rc = q(s, "SELECT coalesce((SELECT used FROM blob_quota"
		    " WHERE station=$1), 0), coalesce(sum(size), 0),"
		    " coalesce(sum(size) FILTER (WHERE station=$1), 0)"
		    " FROM blob_parts", 1, p, &r, NULL, err)) != 0)
			return rc;
		used = pg_rows_int(r, 0, 0);
		all = pg_rows_int(r, 0, 1);
		mine = pg_rows_int(r, 0, 2);
		pg_rows_free(r);
		/* Space is wanted: the abandoned parts go first. */
		if (tries > 0 || blobs_admit_sums(&g->lim, w, c, used, all,
		    mine, NULL) == 0 || sweep_in(g, s, err) == 0)
			break;
	}
	if ((rc = blobs_admit_sums(&g->lim, w, c, used, all, mine, err)) != 0)
		return rc;
	{
		const char *pp[4] = { c->hash, num(b, c->size), w->station,
		    num(t, ltime_now()) };
		const char *qp[2] = { w->station, b };

		if ((rc = q(s, "INSERT INTO blob_parts VALUES($1, $2::bigint,"
		    " $3, 0, $4::bigint)", 4, pp, NULL, NULL, err)) != 0 ||
		    (rc = q(s, "INSERT INTO blob_quota VALUES($1, $2::bigint)"
		    " ON CONFLICT(station) DO UPDATE SET"
		    " used=blob_quota.used + excluded.used", 2, qp, NULL, NULL,
		    err)) != 0)
			return rc;
	}
	return 0;
}

/* Inside a transaction: the chunk's bytes into the part's rows, the
 * part's length and time. */
static int
append(struct store *s, const struct blobs_claim *c, const char *station,
    int64_t offset, const unsigned char *data, size_t len, char *err)
{
	char b1[24], b2[24], b3[24], b4[24];
	size_t done = 0;
	int64_t n = 0;
	int rc;

	/* Each statement checks where the part stands (the chunk row's
	 * length, the part's have), not only the part's lock: a connection
	 * remade between the lock and the transaction holds none, and two
	 * appends of one chunk must not both land. */
	while (done < len) {
		int64_t at = offset + (int64_t)done;
		size_t room = BLOBS_CHUNK - (size_t)(at % BLOBS_CHUNK);
		size_t k = len - done < room ? len - done : room;
		char *hex = to_hex(data + done, k);
		const char *p[6] = { c->hash, num(b1, c->size), station,
		    num(b2, at / BLOBS_CHUNK), hex, num(b3, at % BLOBS_CHUNK) };

		n = 0;
		if (at % BLOBS_CHUNK != 0)
			rc = q(s, "UPDATE blob_chunks SET data = data ||"
			    " decode($5, 'hex') WHERE hash=$1 AND"
			    " size=$2::bigint AND station=$3 AND"
			    " idx=$4::bigint AND length(data)=$6::bigint", 6, p,
			    NULL, &n, err);
		else
			rc = q(s, "INSERT INTO blob_chunks VALUES($1,"
			    " $2::bigint, $3, $4::bigint, decode($5, 'hex'))",
			    5, p, NULL, &n, err);
		free(hex);
		if (rc == 0 && n != 1)
			rc = ld_fail(err, LD_EDB, "%s",
			    _("database query failed"));
		if (rc != 0)
			return rc;
		done += k;
	}
	{
		const char *p[6] = { c->hash, num(b1, c->size), station,
		    num(b2, offset + (int64_t)len), num(b3, ltime_now()),
		    num(b4, offset) };

		n = 0;
		rc = q(s, "UPDATE blob_parts SET have=$4::bigint,"
		    " touched=$5::bigint WHERE hash=$1 AND size=$2::bigint AND"
		    " station=$3 AND have=$6::bigint", 6, p, NULL, &n, err);
		if (rc == 0 && n != 1)
			rc = ld_fail(err, LD_EDB, "%s",
			    _("database query failed"));
		return rc;
	}
}

/* Inside the transaction that stored its last chunk: the part read back
 * whole, hashed and sniffed (blobs_whole_check). Refused: the part
 * removed and counted back (rc, committed by the caller). Right: w's unit
 * a holder, and the part the file, or removed and counted back when the
 * file was stored meanwhile by another. */
static int
finish(struct bpg *g, struct store *s, const struct blobs_who *w,
    const struct blobs_claim *c, int64_t *have, int *complete, int *refused,
    char *err)
{
	unsigned char head[SNIFF_HEAD], *buf = xmalloc(BLOBS_CHUNK);
	char got[HASH_HEX], b[24];
	struct hash_state *h = hash_begin();
	size_t hn = 0, n;
	int64_t off, changed = 0;
	int rc = 0;

	if (g->finish_hook != NULL) {
		char *name = xasprintf("%s.%lld.%s.part", c->hash,
		    (long long)c->size, w->station);

		g->finish_hook(g->finish_arg, name);
		free(name);
	}
	for (off = 0; rc == 0 && off < c->size; off += BLOBS_CHUNK) {
		if ((rc = read_rows(s, c->hash, c->size, w->station, off, buf,
		    BLOBS_CHUNK, &n, err)) != 0)
			break;
		if (hn < sizeof head) {
			size_t k = sizeof head - hn < n ? sizeof head - hn : n;

			memcpy(head + hn, buf, k);
			hn += k;
		}
		hash_update(h, buf, n);
	}
	hash_end(h, got);
	free(buf);
	if (rc != 0)
		return rc;
	*refused = 0;
	if ((rc = blobs_whole_check(c, got, head, hn, err)) != 0) {
		char e2[LD_ERRLEN];

		*refused = 1;
		*have = 0;
		if (drop_part(s, c, w->station, e2) != 0) {
			ld_strlcpy(err, e2, LD_ERRLEN);
			return LD_EDB;
		}
		return rc;
	}
	{
		const char *p[3] = { c->hash, num(b, c->size), w->station };

		if ((rc = add_holder(s, c->hash, w->unit, err)) != 0 ||
		    (rc = q(s, "INSERT INTO blob_files VALUES($1, $2::bigint)"
		    " ON CONFLICT DO NOTHING", 2, p, NULL, &changed,
		    err)) != 0)
			return rc;
		if (changed == 0)
			rc = drop_part(s, c, w->station, err);
		else if ((rc = q(s, "UPDATE blob_chunks SET station=''"
		    " WHERE hash=$1 AND size=$2::bigint AND station=$3", 3, p,
		    NULL, NULL, err)) == 0)
			rc = q(s, "DELETE FROM blob_parts WHERE hash=$1 AND"
			    " size=$2::bigint AND station=$3", 3, p, NULL,
			    NULL, err);
	}
	if (rc == 0)
		*complete = 1;
	return rc;
}

/* Inside a transaction: a chunk of a file held whole from a station of a
 * unit not among its holders (blobs.h, invariant 5), compared, never
 * written; told only at the end. */
static int
prove(struct store *s, const struct blobs_who *w, const struct blobs_claim *c,
    const struct where *x, int64_t offset, const unsigned char *data,
    size_t len, int64_t *have, int *complete, char *err)
{
	unsigned char *buf = xmalloc(len);
	char b1[24], b2[24], b3[24];
	int64_t at = offset + (int64_t)len;
	int ok = x->proof_ok, rc = 0;
	size_t n = 0;

	/* The whole file, not a prefix: a claim of another size proves
	 * nothing. */
	if (x->whole != c->size || read_rows(s, c->hash, x->whole, "", offset,
	    buf, len, &n, err) != 0 || n != len ||
	    memcmp(buf, data, len) != 0)
		ok = 0;
	free(buf);
	if (at == c->size) {
		const char *p[2] = { c->hash, w->station };

		*have = 0;
		if ((rc = q(s, "DELETE FROM blob_proofs WHERE hash=$1 AND"
		    " station=$2", 2, p, NULL, NULL, err)) != 0)
			return rc;
		if (!ok)
			return ld_fail(err, LD_EINTEGRITY, _("the file received"
			    " does not hash to %.12s...: send it again"),
			    c->hash);
		if ((rc = add_holder(s, c->hash, w->unit, err)) == 0) {
			*have = at;
			*complete = 1;
		}
		return rc;
	}
	{
		const char *p[5] = { c->hash, w->station, num(b1, at),
		    num(b2, ok), num(b3, ltime_now()) };

		if ((rc = q(s, "INSERT INTO blob_proofs VALUES($1, $2,"
		    " $3::bigint, $4::integer, $5::bigint) ON CONFLICT(hash,"
		    " station) DO UPDATE SET at=excluded.at, ok=excluded.ok,"
		    " touched=excluded.touched", 5, p, NULL, NULL, err)) == 0)
			*have = at;
	}
	return rc;
}

enum step { STEP_DONE, STEP_APPEND, STEP_PROVE };

/*
 * The part's lock held by the caller (invariant 7): where the chunk goes,
 * as blobs.c's put_plan, in a transaction of its own committed before
 * the chunk is written (a part made here is charged from now; the
 * chunk's write failing at offset 0 removes it, counted back).
 */
static enum step
plan(struct bpg *g, struct store *s, const struct blobs_who *w,
    const struct blobs_claim *c, int64_t offset, size_t len, const char *got,
    const char *chunk_hash, struct where *x, int64_t *have, int *complete,
    int *rc, char *err)
{
	enum step st = STEP_DONE;

	if ((*rc = s->ops->begin(s, err)) != 0)
		return STEP_DONE;
	if ((*rc = where_is(s, w, c, x, err)) != 0)
		goto out;
	say(x, have, complete);
	if (*complete) {
		/* Proved by another station of the unit meanwhile. */
		if (x->part >= 0)
			*rc = drop_part(s, c, w->station, err);
		goto out;
	}
	if ((*rc = blobs_chunk_check(c, offset, len, *have, got, chunk_hash,
	    err)) != 0) {
		if (*rc > 0)
			*rc = 0; /* acknowledged before: nothing written */
		goto out;
	}
	if (x->whole >= 0 && x->part < 0)
		st = STEP_PROVE;
	else if (x->part >= 0)
		st = STEP_APPEND;
	else if ((*rc = admit(g, s, w, c, err)) == 0)
		st = STEP_APPEND;
out:
	if (*rc != 0) {
		/* A refusal or a failure: nothing written stays. */
		s->ops->rollback(s);
		return STEP_DONE;
	}
	if ((*rc = s->ops->commit(s, err)) != 0)
		return STEP_DONE;
	return st;
}

static int
pg_put(void *impl, const struct blobs_who *w, const struct blobs_claim *c,
    int64_t offset, const void *data, size_t len, const char *chunk_hash,
    int64_t *have, int *complete, const char **did, char *err)
{
	struct bpg *g = impl;
	char got[HASH_HEX], *key;
	struct store *s;
	struct where x;
	enum step st;
	int rc, refused = 0;

	*did = "held";
	*have = 0;
	*complete = 0;
	hash_hex(data, len, got);
	if ((rc = take(g, &s, err)) != 0)
		return rc;
	key = part_key(c->hash, w->station);
	if ((rc = lock_part(s, key, 1, err)) != 0)
		goto out;
	st = plan(g, s, w, c, offset, len, got, chunk_hash, &x, have,
	    complete, &rc, err);
	if (st == STEP_DONE)
		goto unlock;
	if ((rc = s->ops->begin(s, err)) != 0)
		goto unlock;
	if (st == STEP_PROVE) {
		rc = prove(s, w, c, &x, offset, data, len, have, complete,
		    err);
		if (rc == 0 || rc == LD_EINTEGRITY) {
			/* The proof's end is kept, refused or not. */
			int r2 = s->ops->commit(s, err);

			if (r2 != 0)
				rc = r2;
			else if (rc == 0)
				*did = "proved";
		} else
			s->ops->rollback(s);
		goto unlock;
	}
	rc = append(s, c, w->station, offset, data, len, err);
	if (rc == 0 && offset + (int64_t)len == c->size)
		rc = finish(g, s, w, c, have, complete, &refused, err);
	if (rc == 0 || refused) {
		int r2 = s->ops->commit(s, err);

		if (r2 != 0)
			rc = r2;
		else if (rc == 0) {
			*did = "stored";
			*have = offset + (int64_t)len;
		}
	} else {
		s->ops->rollback(s);
		if (offset == 0) {
			/* Nothing of it kept: nothing charged. */
			char e2[LD_ERRLEN];

			if (s->ops->begin(s, e2) == 0) {
				if (drop_part(s, c, w->station, e2) == 0)
					s->ops->commit(s, e2);
				else
					s->ops->rollback(s);
			}
		}
	}
unlock:
	{
		char e2[LD_ERRLEN];

		lock_part(s, key, 0, e2);
	}
out:
	free(key);
	give(g, s);
	return rc;
}

static void
pg_free(void *impl)
{
	struct bpg *g = impl;
	int i;

	if (g == NULL)
		return;
	for (i = 0; i < POOL_MAX; i++)
		if (g->conn[i] != NULL)
			g->conn[i]->ops->close(g->conn[i]);
	pthread_cond_destroy(&g->freed);
	pthread_mutex_destroy(&g->lock);
	free(g->url);
	free(g);
}

/* The hashes of the files held whole, read in one query (64 hex
 * characters each: a county's files fit in memory as names). */
static int
pg_each(void *impl, int (*fn)(void *arg, const char *hash), void *arg,
    char *err)
{
	struct bpg *g = impl;
	struct pg_rows *r;
	struct store *s;
	size_t i, n;
	char **hashes;
	int rc;

	if ((rc = take(g, &s, err)) != 0)
		return rc;
	rc = q(s, "SELECT hash FROM blob_files ORDER BY hash", 0, NULL, &r,
	    NULL, err);
	if (rc != 0) {
		give(g, s);
		return rc;
	}
	n = pg_rows_count(r);
	hashes = xcalloc(n + 1, sizeof *hashes);
	for (i = 0; i < n; i++)
		hashes[i] = xstrdup(pg_rows_text(r, i, 0));
	pg_rows_free(r);
	/* Given back first: fn reads the files through this backend. */
	give(g, s);
	for (i = 0; i < n && rc == 0; i++)
		rc = fn(arg, hashes[i]);
	for (i = 0; i < n; i++)
		free(hashes[i]);
	free(hashes);
	return rc;
}

static const struct blobs_backend pg_backend = {
	pg_state, pg_whole, pg_holds, pg_add_holder, pg_put, pg_read,
	pg_used, pg_part, pg_sweep, pg_set_finish_hook, pg_free, pg_each,
};

/* ---- the files of the release before ---- */

/* Imports dir/HASH (and its holders, HASH.units) when it hashes to its
 * name; one transaction, so that a crash imports it again whole. */
static int
import_one(struct store *s, const char *dir, const char *hash, char *err)
{
	char *path = xasprintf("%s/%s", dir, hash), line[512], b[24], got[HASH_HEX];
	unsigned char *buf = xmalloc(BLOBS_CHUNK);
	struct hash_state *h = hash_begin();
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
	int64_t size = 0, changed = 0;
	struct blobs_claim c;
	ssize_t n;
	FILE *f;

	memset(&c, 0, sizeof c);
	ld_strlcpy(c.hash, hash, sizeof c.hash);
	/* No lock_timeout here: another instance importing the same file
	 * at its start holds its rows until it commits, maybe longer than
	 * the timeout for a large file; this one waits, then finds it
	 * imported (LD_EEXIST), instead of failing to start. */
	if (fd < 0 || (rc = s->ops->begin(s, err)) != 0) {
		hash_end(h, got);
		goto out;
	}
	if ((rc = q(s, "SET LOCAL lock_timeout = 0", 0, NULL, NULL, NULL,
	    err)) != 0) {
		s->ops->rollback(s);
		hash_end(h, got);
		goto out;
	}
	while ((n = read(fd, buf, BLOBS_CHUNK)) > 0) {
		char *hex = to_hex(buf, (size_t)n);
		char ib[24];
		const char *p[5] = { hash, "-1", "", num(ib, size /
		    BLOBS_CHUNK), hex };

		hash_update(h, buf, (size_t)n);
		/* Written under size -1, then set to the size once known. */
		rc = q(s, "INSERT INTO blob_chunks VALUES($1, $2::bigint, $3,"
		    " $4::bigint, decode($5, 'hex'))", 5, p, NULL, NULL, err);
		free(hex);
		size += n;
		if (rc != 0)
			break;
	}
	hash_end(h, got);
	if (rc == 0 && (n < 0 || strcmp(got, hash) != 0)) {
		log_line("warn", "event=blob_import hash=%.12s result=damaged",
		    hash);
		s->ops->rollback(s);
		goto out;
	}
	if (rc == 0) {
		const char *p[2] = { hash, num(b, size) };

		if ((rc = q(s, "INSERT INTO blob_files VALUES($1, $2::bigint)"
		    " ON CONFLICT DO NOTHING", 2, p, NULL, &changed,
		    err)) == 0 && changed > 0)
			rc = q(s, "UPDATE blob_chunks SET size=$2::bigint WHERE"
			    " hash=$1 AND size=-1 AND station=''", 2, p, NULL,
			    NULL, err);
	}
	free(path);
	path = xasprintf("%s/%s.units", dir, hash);
	if (rc == 0 && (f = fopen(path, "r")) != NULL) {
		while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			if (line[0] != '\0')
				rc = add_holder(s, hash, line, err);
		}
		fclose(f);
	}
	if (rc == LD_EEXIST)
		rc = 0; /* another instance importing it at once */
	if (rc != 0 || changed == 0)
		s->ops->rollback(s); /* imported already (by another) */
	else {
		rc = s->ops->commit(s, err);
		if (rc == 0)
			log_line("info", "event=blob_import hash=%.12s size=%lld",
			    hash, (long long)size);
	}
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(path);
	return rc;
}

/* The whole files of dir, each once; then dir, when it held any,
 * renamed DIR.imported. */
static int
import_dir(struct store *s, const char *dir, char *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *to;
	int rc = 0, any = 0;

	if (d == NULL)
		return 0;
	while (rc == 0 && (e = readdir(d)) != NULL)
		if (hash_valid(e->d_name)) {
			any = 1;
			rc = import_one(s, dir, e->d_name, err);
		}
	closedir(d);
	if (rc != 0 || !any)
		return rc;
	to = xasprintf("%s.imported", dir);
	if (rename(dir, to) != 0)
		log_line("warn", "event=blob_import result=not_renamed dir=%s",
		    dir);
	free(to);
	return 0;
}

int
blobs_open_store(const char *dir, const char *store_url,
    const struct blobs_limits *l, struct blobs **out, char *err)
{
	struct bpg *g;
	struct store *s;
	int rc;

	if (store_url == NULL || !store_is_pg(store_url))
		return blobs_open(dir, l, out, err);
	*out = NULL;
	g = xcalloc(1, sizeof *g);
	g->url = xstrdup(store_url);
	g->lim = *l;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->freed, NULL);
	if ((rc = take(g, &s, err)) != 0) {
		pg_free(g);
		return rc;
	}
	/* Abandoned parts go at start (blobs.h, invariant 6). */
	sweep_txn(g, s);
	rc = dir != NULL ? import_dir(s, dir, err) : 0;
	give(g, s);
	if (rc != 0) {
		pg_free(g);
		return rc;
	}
	*out = blobs_wrap(&pg_backend, g);
	return 0;
}
