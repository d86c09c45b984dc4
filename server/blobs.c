/*
 * blobs.c - the county server's attachment files (blobs.h): a directory
 * of whole files named by their SHA-256, parts being received, and each
 * station's quota. One mutex over the names, the holders and the quotas
 * (blobs.h, invariant 7); the bytes are written, fsynced and hashed
 * outside it, each station's part of a file by one request at a time
 * (the busy list: "HASH.STATION", waited for on idle).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "blobs.h"
#include "blobs-backend.h"
#include "event.h"
#include "log.h"
#include "ltime.h"
#include "sniff.h"
#include "textfile.h"
#include "util.h"

struct blobs {
	/* Another backend's (blobs-backend.h), when not NULL: every public
	 * function is its, and the fields below are unused. */
	const struct blobs_backend *be;
	void *impl;             /* owned, freed by be->free */
	char *dir;              /* owned */
	struct blobs_limits lim;
	pthread_mutex_t lock;
	pthread_cond_t idle;    /* a busy key dropped */
	char **busy;            /* "HASH.STATION" being worked on (owned) */
	size_t nbusy;
	int64_t swept_at;       /* ltime_now() of the last sweep */
	void (*finish_hook)(void *, const char *);
	void *finish_arg;
};

#define SWEEP_EVERY_MS (3600 * 1000LL)

static int sweep_locked(struct blobs *b);
static void clock_times(struct timespec ts[2]);

/* A station's part and proof of one file are worked on by one request at
 * a time (blobs.h, invariant 7): the key that says so. */
static char *
busy_key(const char *hash, const char *station)
{
	return xasprintf("%s.%s", hash, station);
}

static int
busy_find(const struct blobs *b, const char *key)
{
	size_t i;

	for (i = 0; i < b->nbusy; i++)
		if (strcmp(b->busy[i], key) == 0)
			return (int)i;
	return -1;
}

/* Under the lock: waits until key is free, then takes it (take) or
 * only returns (to read a settled state). */
static void
busy_wait(struct blobs *b, const char *key, int take)
{
	while (busy_find(b, key) >= 0)
		pthread_cond_wait(&b->idle, &b->lock);
	if (take) {
		b->busy = xrealloc(b->busy, (b->nbusy + 1) * sizeof *b->busy);
		b->busy[b->nbusy++] = xstrdup(key);
	}
}

static void
busy_drop(struct blobs *b, const char *key)
{
	int i = busy_find(b, key);

	if (i < 0)
		return;
	free(b->busy[i]);
	b->busy[i] = b->busy[--b->nbusy];
	pthread_cond_broadcast(&b->idle);
}

static char *
whole_path(const struct blobs *b, const char *hash)
{
	return xasprintf("%s/%s", b->dir, hash);
}

/* A station's own part: what it sent is proof of what it holds only
 * when nothing else went into the same file. */
static char *
part_path(const struct blobs *b, const struct blobs_claim *c,
    const char *station)
{
	return xasprintf("%s/%s.%lld.%s.part", b->dir, c->hash,
	    (long long)c->size, station);
}

static char *
proof_path(const struct blobs *b, const char *hash, const char *station)
{
	return xasprintf("%s/%s.%s.proof", b->dir, hash, station);
}

static char *
units_path(const struct blobs *b, const char *hash)
{
	return xasprintf("%s/%s.units", b->dir, hash);
}

int
blobs_open(const char *dir, const struct blobs_limits *l, struct blobs **out,
    char *err)
{
	struct blobs *b;
	char *q = xasprintf("%s/quota", dir);

	*out = NULL;
	if ((mkdir(dir, 0700) != 0 && errno != EEXIST) ||
	    (mkdir(q, 0700) != 0 && errno != EEXIST)) {
		int e = errno;

		free(q);
		return ld_fail(err, LD_EFULL, _("cannot make '%s': %s"), dir,
		    strerror(e));
	}
	free(q);
	b = xcalloc(1, sizeof *b);
	b->dir = xstrdup(dir);
	b->lim = *l;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->idle, NULL);
	/* Abandoned parts go at start (blobs.h, invariant 6). */
	sweep_locked(b);
	*out = b;
	return 0;
}

void
blobs_free(struct blobs *b)
{
	if (b == NULL)
		return;
	if (b->be != NULL) {
		b->be->free(b->impl);
		free(b);
		return;
	}
	pthread_cond_destroy(&b->idle);
	pthread_mutex_destroy(&b->lock);
	free(b->busy);
	free(b->dir);
	free(b);
}

/* Size of path, or -1 when it does not exist. */
static int64_t
size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* Whether unit is one of hash's holders (blobs.h, invariant 4). */
static int
holds_locked(struct blobs *b, const char *hash, const char *unit)
{
	char *p = units_path(b, hash), line[512];
	FILE *f = fopen(p, "r");
	int yes = 0;

	free(p);
	if (f == NULL)
		return 0;
	while (!yes && fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		yes = strcmp(line, unit) == 0;
	}
	fclose(f);
	return yes;
}

/* Replaces path whole with len bytes of buf: a temporary file, fsync,
 * rename, the directory's fsync. */
static int
replace_file(const char *dir, const char *path, const char *buf, size_t len,
    char *err)
{
	char *t = xasprintf("%s.new", path);
	int fd = open(t, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int rc = 0;

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len || fsync(fd) != 0 ||
	    rename(t, path) != 0 || textfile_sync_dir(dir) != 0)
		rc = ld_fail(err, LD_EFULL, _("cannot write '%s': %s"), path,
		    strerror(errno));
	if (fd >= 0)
		close(fd);
	if (rc != 0)
		unlink(t);
	free(t);
	return rc;
}

/* Adds unit to hash's holders, durably. */
static int
add_holder_locked(struct blobs *b, const char *hash, const char *unit,
    char *err)
{
	char *p, *buf = NULL, *all;
	size_t n = 0;
	FILE *f;
	int rc;

	if (holds_locked(b, hash, unit))
		return 0;
	p = units_path(b, hash);
	if ((f = fopen(p, "r")) != NULL) {
		char line[512];

		while (fgets(line, sizeof line, f) != NULL) {
			size_t l = strlen(line);

			buf = xrealloc(buf, n + l + 1);
			memcpy(buf + n, line, l);
			n += l;
		}
		fclose(f);
	}
	all = xasprintf("%.*s%s\n", (int)n, buf != NULL ? buf : "", unit);
	rc = replace_file(b->dir, p, all, strlen(all), err);
	free(all);
	free(buf);
	free(p);
	return rc;
}

/* How far station has proved a file held whole (blobs.h, invariant 5):
 * *at bytes, *ok when each was the file's. */
static void
proof_get(struct blobs *b, const char *hash, const char *station,
    int64_t *at, int *ok)
{
	char *p = proof_path(b, hash, station);
	FILE *f = fopen(p, "r");
	long long n = 0;
	int k = 1;

	free(p);
	*at = 0;
	*ok = 1;
	if (f == NULL)
		return;
	if (fscanf(f, "%lld %d", &n, &k) == 2 && n > 0) {
		*at = n;
		*ok = k != 0;
	}
	fclose(f);
}

static int
state_locked(struct blobs *b, const struct blobs_who *w,
    const struct blobs_claim *c, int64_t *have, int *complete)
{
	char *p = whole_path(b, c->hash);
	int64_t whole = size_of(p), n;
	int ok;

	free(p);
	*complete = 0;
	if (whole >= 0 && holds_locked(b, c->hash, w->unit)) {
		*complete = 1;
		*have = whole;
		return 0;
	}
	p = part_path(b, c, w->station);
	n = size_of(p);
	free(p);
	if (n >= 0 || whole < 0) {
		*have = n > 0 ? n : 0;
		return 0;
	}
	/* Held whole, not by this unit: as if nothing were held here. */
	proof_get(b, c->hash, w->station, have, &ok);
	return 0;
}

int
blobs_state(struct blobs *b, const struct blobs_who *w,
    const struct blobs_claim *c, int64_t *have, int *complete, char *err)
{
	int rc;
	char *key;

	if (b->be != NULL)
		return b->be->state(b->impl, w, c, have, complete, err);
	key = busy_key(c->hash, w->station);
	(void)err;
	pthread_mutex_lock(&b->lock);
	/* Not while a chunk is half written or the file is being hashed:
	 * what is said is what is held. */
	busy_wait(b, key, 0);
	rc = state_locked(b, w, c, have, complete);
	if (b->lim.part_ttl_ms > 0 &&
	    ltime_now() - b->swept_at >= SWEEP_EVERY_MS)
		sweep_locked(b);
	pthread_mutex_unlock(&b->lock);
	free(key);
	return rc;
}

int
blobs_whole(struct blobs *b, const char *hash)
{
	char *p;
	int yes;

	if (b->be != NULL)
		return b->be->whole(b->impl, hash);
	p = whole_path(b, hash);
	pthread_mutex_lock(&b->lock);
	yes = size_of(p) >= 0;
	pthread_mutex_unlock(&b->lock);
	free(p);
	return yes;
}

int
blobs_holds(struct blobs *b, const char *hash, const char *unit)
{
	int yes;

	if (b->be != NULL)
		return b->be->holds(b->impl, hash, unit);
	pthread_mutex_lock(&b->lock);
	yes = holds_locked(b, hash, unit);
	pthread_mutex_unlock(&b->lock);
	return yes;
}

int
blobs_add_holder(struct blobs *b, const char *hash, const char *unit,
    char *err)
{
	int rc;

	if (b->be != NULL)
		return b->be->add_holder(b->impl, hash, unit, err);
	pthread_mutex_lock(&b->lock);
	rc = add_holder_locked(b, hash, unit, err);
	pthread_mutex_unlock(&b->lock);
	return rc;
}

static char *
quota_path(const struct blobs *b, const char *station)
{
	return xasprintf("%s/quota/%s", b->dir, station);
}

static int64_t
used_locked(struct blobs *b, const char *station)
{
	char *p = quota_path(b, station);
	FILE *f = fopen(p, "r");
	long long n = 0;

	free(p);
	if (f == NULL)
		return 0;
	if (fscanf(f, "%lld", &n) != 1)
		n = 0;
	fclose(f);
	return n;
}

int
blobs_each(struct blobs *b, int (*fn)(void *arg, const char *hash),
    void *arg, char *err)
{
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (b->be != NULL)
		return b->be->each(b->impl, fn, arg, err);
	if ((d = opendir(b->dir)) == NULL)
		return ld_fail(err, LD_EFULL, _("cannot read '%s': %s"), b->dir,
		    strerror(errno));
	/* Only whole files are named by their hash alone (invariant 1). */
	while (rc == 0 && (e = readdir(d)) != NULL)
		if (hash_valid(e->d_name))
			rc = fn(arg, e->d_name);
	closedir(d);
	return rc;
}

struct verify_run {
	struct blobs *b;
	int64_t held, bad;
	void (*bad_fn)(void *, const char *, const char *);
	void *arg;
	unsigned char *buf;
};

/* One file read back whole through blobs_read, whichever the backend. */
static int
verify_one(void *arg, const char *hash)
{
	struct verify_run *v = arg;
	struct hash_state *h = hash_begin();
	char got[HASH_HEX], err[LD_ERRLEN], why[LD_ERRLEN + 64];
	int64_t off = 0, size = 0;
	size_t len;
	int rc;

	v->held++;
	do {
		rc = blobs_read(v->b, hash, off, v->buf, BLOBS_CHUNK, &len,
		    &size, err);
		if (rc == 0)
			hash_update(h, v->buf, len);
		off += (int64_t)len;
	} while (rc == 0 && len > 0 && off < size);
	hash_end(h, got);
	why[0] = '\0';
	if (rc != 0)
		snprintf(why, sizeof why, "%s", err);
	else if (off != size)
		snprintf(why, sizeof why, _("%lld bytes read of %lld"),
		    (long long)off, (long long)size);
	else if (strcmp(got, hash) != 0)
		snprintf(why, sizeof why, _("its bytes hash to %.12s..."), got);
	if (why[0] != '\0') {
		v->bad++;
		log_line("error", "event=blob_verify hash=%.12s result=bad", hash);
		if (v->bad_fn != NULL)
			v->bad_fn(v->arg, hash, why);
	}
	return 0;
}

int
blobs_verify(struct blobs *b, int64_t *held, int64_t *bad,
    void (*bad_fn)(void *arg, const char *hash, const char *why),
    void *arg, char *err)
{
	struct verify_run v = { b, 0, 0, bad_fn, arg, NULL };
	int rc;

	v.buf = xmalloc(BLOBS_CHUNK);
	rc = blobs_each(b, verify_one, &v, err);
	free(v.buf);
	*held = v.held;
	*bad = v.bad;
	return rc;
}

int64_t
blobs_used(struct blobs *b, const char *station)
{
	int64_t n;

	if (b->be != NULL)
		return b->be->used(b->impl, station);
	pthread_mutex_lock(&b->lock);
	n = used_locked(b, station);
	pthread_mutex_unlock(&b->lock);
	return n;
}

/* Replaces station's count whole (never below 0). */
static int
set_used(struct blobs *b, const char *station, int64_t n, char *err)
{
	char *p = quota_path(b, station), *q = xasprintf("%s/quota", b->dir);
	char buf[32];
	int len = snprintf(buf, sizeof buf, "%lld\n", (long long)(n > 0 ? n : 0));
	int rc = replace_file(q, p, buf, (size_t)len, err);

	free(q);
	free(p);
	return rc;
}

/* Counts back size bytes of a part of station's that is gone without
 * becoming the stored file (refused, stored meanwhile by another, or
 * abandoned): only bytes kept are charged. */
static void
refund(struct blobs *b, const char *station, int64_t size)
{
	char err[LD_ERRLEN];

	if (set_used(b, station, used_locked(b, station) - size, err) != 0)
		log_line("error", "event=blob station=%s result=refund_failed",
		    station);
}

/* What a part's name says: HASH.SIZE.STATION.part. 0, or -1 when name is
 * not a part's. */
static int
part_name(const char *name, char hash[HASH_HEX], int64_t *size,
    char station[STATION_MAX + 1])
{
	const char *dot = strchr(name, '.'), *st;
	size_t l = strlen(name), sl;
	char *end;

	if (dot == NULL || (size_t)(dot - name) != HASH_HEX - 1 || l < 5 ||
	    strcmp(name + l - 5, ".part") != 0)
		return -1;
	*size = strtoll(dot + 1, &end, 10);
	if (*end != '.' || *size < 0)
		return -1;
	st = end + 1;
	sl = (size_t)(name + l - 5 - st);
	if (sl == 0 || sl > STATION_MAX)
		return -1;
	memcpy(hash, name, HASH_HEX - 1);
	hash[HASH_HEX - 1] = '\0';
	memcpy(station, st, sl);
	station[sl] = '\0';
	return 0;
}

/* Bytes the parts being received will hold when whole (their names say):
 * *all of them, *mine those of station's. */
static void
inflight_locked(struct blobs *b, const char *station, int64_t *all,
    int64_t *mine)
{
	DIR *d = opendir(b->dir);
	struct dirent *e;
	char hash[HASH_HEX], st[STATION_MAX + 1];
	int64_t size;

	*all = *mine = 0;
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (part_name(e->d_name, hash, &size, st) != 0)
			continue;
		*all += size;
		if (strcmp(st, station) == 0)
			*mine += size;
	}
	closedir(d);
}

/* Removes the parts and proofs not written for part_ttl_ms (blobs.h,
 * invariant 6), but those a request is working on; counts a part's size
 * back from its station's quota. Under the lock. The number removed. */
static int
sweep_locked(struct blobs *b)
{
	DIR *d;
	struct dirent *e;
	char **gone = NULL;
	size_t ngone = 0, i;
	int64_t now = ltime_now();

	b->swept_at = now;
	if (b->lim.part_ttl_ms <= 0 || (d = opendir(b->dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		char *p;
		struct stat st;
		int64_t mtime;

		if (l < HASH_HEX + 6 || e->d_name[HASH_HEX - 1] != '.' ||
		    (strcmp(e->d_name + l - 5, ".part") != 0 &&
		    strcmp(e->d_name + l - 6, ".proof") != 0))
			continue;
		p = xasprintf("%s/%s", b->dir, e->d_name);
		if (stat(p, &st) == 0) {
			mtime = (int64_t)st.st_mtim.tv_sec * 1000 +
			    st.st_mtim.tv_nsec / 1000000;
			if (now - mtime >= b->lim.part_ttl_ms) {
				gone = xrealloc(gone, (ngone + 1) *
				    sizeof *gone);
				gone[ngone++] = xstrdup(e->d_name);
			}
		}
		free(p);
	}
	closedir(d);
	for (i = 0; i < ngone; i++) {
		char hash[HASH_HEX], st[STATION_MAX + 1], *key, *p;
		const char *station;
		int64_t size = -1;
		size_t l = strlen(gone[i]);

		if (part_name(gone[i], hash, &size, st) == 0)
			station = st;
		else {
			/* HASH.STATION.proof */
			gone[i][l - 6] = '\0';
			station = gone[i] + HASH_HEX;
			ld_strlcpy(hash, gone[i], HASH_HEX);
		}
		key = busy_key(hash, station);
		if (busy_find(b, key) < 0) {
			if (size >= 0)
				p = xasprintf("%s/%s", b->dir, gone[i]);
			else
				p = xasprintf("%s/%s.proof", b->dir, gone[i]);
			if (unlink(p) == 0) {
				if (size >= 0)
					refund(b, station, size);
				log_line("info", "event=blob_expired station=%s"
				    " hash=%.12s size=%lld", station, hash,
				    (long long)size);
			}
			free(p);
		}
		free(key);
		free(gone[i]);
	}
	free(gone);
	if (ngone > 0)
		textfile_sync_dir(b->dir);
	return (int)ngone;
}

int
blobs_sweep(struct blobs *b)
{
	int n;

	if (b->be != NULL)
		return b->be->sweep(b->impl);
	pthread_mutex_lock(&b->lock);
	n = sweep_locked(b);
	pthread_mutex_unlock(&b->lock);
	return n;
}

void
blobs_set_finish_hook(struct blobs *b, void (*fn)(void *, const char *),
    void *arg)
{
	if (b->be != NULL) {
		b->be->set_finish_hook(b->impl, fn, arg);
		return;
	}
	pthread_mutex_lock(&b->lock);
	b->finish_hook = fn;
	b->finish_arg = arg;
	pthread_mutex_unlock(&b->lock);
}

/* Checks the part at path, all of c->size bytes: its hash and type, and
 * fsyncs it. Outside the lock, the part busy (blobs.h, invariant 7). */
static int
check_whole(struct blobs *b, const struct blobs_claim *c, const char *path,
    char *err)
{
	unsigned char head[SNIFF_HEAD], *buf = xmalloc(BLOBS_CHUNK);
	char got[HASH_HEX];
	struct hash_state *h;
	ssize_t n;
	size_t hn = 0;
	int fd, rc = 0;

	if (b->finish_hook != NULL)
		b->finish_hook(b->finish_arg, path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		free(buf);
		return ld_fail(err, LD_EFULL, _("cannot read '%s': %s"), path,
		    strerror(errno));
	}
	h = hash_begin();
	while ((n = read(fd, buf, BLOBS_CHUNK)) > 0) {
		if (hn < sizeof head) {
			size_t k = sizeof head - hn < (size_t)n ?
			    sizeof head - hn : (size_t)n;

			memcpy(head + hn, buf, k);
			hn += k;
		}
		hash_update(h, buf, (size_t)n);
	}
	hash_end(h, got);
	free(buf);
	if (n < 0)
		rc = ld_fail(err, LD_EFULL, _("cannot read '%s': %s"), path,
		    strerror(errno));
	else
		rc = blobs_whole_check(c, got, head, hn, err);
	if (rc == 0 && fsync(fd) != 0)
		rc = ld_fail(err, LD_EFULL, _("cannot write '%s': %s"), path,
		    strerror(errno));
	close(fd);
	return rc;
}

/* After check_whole said rc, under the lock: a part refused is removed
 * and counted back (sent again from 0); a right one adds w's unit to the
 * holders (the unit has proved it holds the bytes) and becomes the whole
 * file, or is removed and counted back when the file is held whole
 * already (never rewritten). A crash before the rename leaves a whole
 * part, made the file by the next chunk sent. A failed write keeps it
 * for a retry. */
static int
finish_locked(struct blobs *b, const struct blobs_who *w,
    const struct blobs_claim *c, const char *path, int rc, int64_t *have,
    int *complete, char *err)
{
	char *whole;

	if (rc == LD_EINTEGRITY || rc == LD_EINVAL) {
		if (unlink(path) == 0)
			refund(b, w->station, c->size);
		*have = 0;
		return rc;
	}
	if (rc != 0 || (rc = add_holder_locked(b, c->hash, w->unit, err)) != 0)
		return rc;
	whole = whole_path(b, c->hash);
	if (size_of(whole) >= 0) {
		if (unlink(path) == 0)
			refund(b, w->station, c->size);
		textfile_sync_dir(b->dir);
		*complete = 1;
	} else if (rename(path, whole) != 0 || textfile_sync_dir(b->dir) != 0)
		rc = ld_fail(err, LD_EFULL, _("cannot write '%s': %s"), whole,
		    strerror(errno));
	else
		*complete = 1;
	free(whole);
	return rc;
}

/* A chunk of a file held whole from a station of a unit not among its
 * holders (blobs.h, invariant 5): compared with the file, never written
 * to it. A chunk that differs is told only at the end, in the words of
 * a file that does not hash to its claim, so that the answers are those
 * of a file the server does not hold. Outside the lock, the proof busy;
 * takes the lock to add the holder. */
static int
prove(struct blobs *b, const struct blobs_who *w, const struct blobs_claim *c,
    int64_t offset, const void *data, size_t len, int64_t *have,
    int *complete, const char **did, char *err)
{
	char *p = whole_path(b, c->hash), *pp, *buf = xmalloc(len), line[48];
	int fd = open(p, O_RDONLY | O_CLOEXEC), ok, rc = 0;
	struct stat st;
	int64_t at;

	free(p);
	proof_get(b, c->hash, w->station, &at, &ok);
	/* The whole file, not a prefix: a claim of another size proves
	 * nothing (a one-byte claim and its first byte would). */
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_size != c->size ||
	    pread(fd, buf, len, offset) != (ssize_t)len ||
	    memcmp(buf, data, len) != 0)
		ok = 0;
	if (fd >= 0)
		close(fd);
	free(buf);
	pp = proof_path(b, c->hash, w->station);
	at = offset + (int64_t)len;
	if (at == c->size) {
		unlink(pp);
		textfile_sync_dir(b->dir);
		*have = 0;
		if (!ok)
			rc = ld_fail(err, LD_EINTEGRITY, _("the file received"
			    " does not hash to %.12s...: send it again"),
			    c->hash);
		else {
			pthread_mutex_lock(&b->lock);
			rc = add_holder_locked(b, c->hash, w->unit, err);
			pthread_mutex_unlock(&b->lock);
			if (rc == 0) {
				*have = at;
				*complete = 1;
			}
		}
	} else {
		snprintf(line, sizeof line, "%lld %d\n", (long long)at, ok);
		if ((rc = replace_file(b->dir, pp, line, strlen(line),
		    err)) == 0) {
			struct timespec ts[2];

			/* Its time the server's clock, as a part's. */
			clock_times(ts);
			utimensat(AT_FDCWD, pp, ts, 0);
			*have = at;
		}
	}
	free(pp);
	if (rc == 0)
		*did = "proved";
	return rc;
}

int
blobs_admit_alone(const struct blobs_limits *l, const struct blobs_claim *c,
    char *err)
{
	if (l->max_size > 0 && c->size > l->max_size)
		return ld_fail(err, LD_ETOOBIG, _("the file is %lld bytes, more"
		    " than the %lld this server takes"), (long long)c->size,
		    (long long)l->max_size);
	if (l->station_inflight > 0 && c->size > l->station_inflight)
		return ld_fail(err, LD_ETOOBIG, _("the file is %lld bytes, more"
		    " than the %lld this server receives from one station at"
		    " once"), (long long)c->size,
		    (long long)l->station_inflight);
	return 0;
}

int
blobs_admit_sums(const struct blobs_limits *l, const struct blobs_who *w,
    const struct blobs_claim *c, int64_t used, int64_t all, int64_t mine,
    char *err)
{
	if (l->station_quota > 0 && used + c->size > l->station_quota)
		return ld_fail(err, LD_ETOOBIG, _("station %s's attachment quota"
		    " is full (%lld of %lld bytes used): ask the county to"
		    " raise it"), w->station, (long long)used,
		    (long long)l->station_quota);
	if (l->station_inflight > 0 && mine + c->size > l->station_inflight)
		return ld_fail(err, LD_ELOCKED, _("station %s has %lld bytes of"
		    " files being received (at most %lld at once): let them"
		    " finish, or try again later"), w->station,
		    (long long)mine, (long long)l->station_inflight);
	if (l->max_inflight > 0 && all + c->size > l->max_inflight)
		return ld_fail(err, LD_ELOCKED, _("the server is receiving too"
		    " many files now: try again later"));
	return 0;
}

/* The limits a new file's first chunk must fit (blobs.h): 0, or the
 * refusal. Sweeps first when one would be passed, or hourly. */
static int
admit_locked(struct blobs *b, const struct blobs_who *w,
    const struct blobs_claim *c, int64_t *used, char *err)
{
	const struct blobs_limits *l = &b->lim;
	int64_t all, mine;
	int rc;

	if ((rc = blobs_admit_alone(l, c, err)) != 0)
		return rc;
	if (l->part_ttl_ms > 0 && ltime_now() - b->swept_at >= SWEEP_EVERY_MS)
		sweep_locked(b);
	*used = used_locked(b, w->station);
	inflight_locked(b, w->station, &all, &mine);
	if (blobs_admit_sums(l, w, c, *used, all, mine, NULL) != 0 &&
	    l->part_ttl_ms > 0 && sweep_locked(b) > 0) {
		/* Space is wanted: the abandoned parts go first. */
		*used = used_locked(b, w->station);
		inflight_locked(b, w->station, &all, &mine);
	}
	return blobs_admit_sums(l, w, c, *used, all, mine, err);
}

/* The server's clock as a file time (blobs.h, invariant 6). */
static void
clock_times(struct timespec ts[2])
{
	int64_t now = ltime_now();

	ts[0].tv_sec = ts[1].tv_sec = (time_t)(now / 1000);
	ts[0].tv_nsec = ts[1].tv_nsec = (long)(now % 1000) * 1000000;
}

/* Appends the chunk to the part at path and fsyncs it, its mtime the
 * server's clock (blobs.h, invariant 6). Outside the lock, the part
 * busy. A failed write goes back to what was held. */
static int
append(const char *dir, const char *path, int64_t offset, const void *data,
    size_t len, char *err)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	struct timespec ts[2];
	int rc = 0;

	clock_times(ts);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len ||
	    futimens(fd, ts) != 0 || fsync(fd) != 0 ||
	    (offset == 0 && textfile_sync_dir(dir) != 0)) {
		rc = ld_fail(err, LD_EFULL, _("cannot write '%s': %s"), path,
		    strerror(errno));
		/* What was appended is unknown: back to what was held. */
		if (fd >= 0 && ftruncate(fd, offset) != 0)
			log_line("error", "event=blob result=truncate_failed");
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

int
blobs_chunk_check(const struct blobs_claim *c, int64_t offset, size_t len,
    int64_t have, const char *got, const char *chunk_hash, char *err)
{
	if (offset < 0 || offset > c->size)
		return ld_fail(err, LD_EINVAL, _("offset %lld is past the"
		    " file's %lld bytes"), (long long)offset,
		    (long long)c->size);
	if (offset + (int64_t)len <= have)
		return 1;
	if (offset != have)
		return ld_fail(err, LD_EEXIST, _("the server holds %lld bytes"
		    " of this file, not %lld"), (long long)have,
		    (long long)offset);
	if (len == 0 || len > BLOBS_CHUNK || offset + (int64_t)len > c->size)
		return ld_fail(err, LD_EINVAL, _("a chunk of 1 to %d bytes"
		    " within the file's %lld"), BLOBS_CHUNK,
		    (long long)c->size);
	if (strcmp(got, chunk_hash) != 0)
		return ld_fail(err, LD_EINTEGRITY, _("the chunk at %lld does not"
		    " match its hash"), (long long)offset);
	return 0;
}

int
blobs_whole_check(const struct blobs_claim *c, const char *got,
    const unsigned char *head, size_t hn, char *err)
{
	const char *type;

	if (strcmp(got, c->hash) != 0)
		return ld_fail(err, LD_EINTEGRITY, _("the file received does not"
		    " hash to %.12s...: send it again"), c->hash);
	if (sniff_type(c->name, head, hn, &type, err) != 0 ||
	    strcmp(type, c->type) != 0)
		return ld_fail(err, LD_EINVAL, _("the file is not of the type its"
		    " attachment claims (%s)"), c->type);
	return 0;
}

enum put_step { PUT_DONE, PUT_APPEND, PUT_FINISH, PUT_PROVE };

/* Under the lock, the part busy: where the chunk goes. PUT_DONE with rc
 * when nothing is to be written. A new file's part is made here, empty,
 * and charged (it counts in flight from now: blobs.h, invariant 3). */
static enum put_step
put_plan(struct blobs *b, const struct blobs_who *w,
    const struct blobs_claim *c, int64_t offset, size_t len,
    const char *got, const char *chunk_hash, const char *path,
    int64_t *have, int *complete, int *rc, char *err)
{
	char *wp;
	int64_t used = 0, psize;
	int whole, fd;

	*rc = 0;
	state_locked(b, w, c, have, complete);
	psize = size_of(path);
	if (*complete) {
		/* Proved by another station of the unit meanwhile. */
		if (psize >= 0 && unlink(path) == 0)
			refund(b, w->station, c->size);
		return PUT_DONE;
	}
	if (*have == c->size && psize == c->size)
		return PUT_FINISH; /* whole, not made the file yet (a crash) */
	if ((*rc = blobs_chunk_check(c, offset, len, *have, got, chunk_hash,
	    err)) != 0) {
		if (*rc > 0)
			*rc = 0; /* acknowledged before: nothing written again */
		return PUT_DONE;
	}
	wp = whole_path(b, c->hash);
	whole = size_of(wp) >= 0 && psize < 0;
	free(wp);
	if (whole)
		return PUT_PROVE;
	if (psize >= 0)
		return PUT_APPEND; /* made and charged already */
	if ((*rc = admit_locked(b, w, c, &used, err)) != 0)
		return PUT_DONE;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) < 0) {
		*rc = ld_fail(err, LD_EFULL, _("cannot write '%s': %s"), path,
		    strerror(errno));
		return PUT_DONE;
	}
	close(fd);
	/* The part's name durable before its charge: a crash between the
	 * two then leaves a part a sweep counts back from a quota that did
	 * not yet hold it (floored at 0), never a charge no part explains,
	 * which nothing would ever refund. */
	if (textfile_sync_dir(b->dir) != 0 ||
	    (*rc = set_used(b, w->station, used + c->size, err)) != 0) {
		unlink(path);
		if (*rc == 0)
			*rc = ld_fail(err, LD_EFULL, _("cannot write '%s': %s"),
			    b->dir, strerror(errno));
		return PUT_DONE;
	}
	return PUT_APPEND;
}

int
blobs_put(struct blobs *b, const struct blobs_who *w,
    const struct blobs_claim *c, int64_t offset, const void *data, size_t len,
    const char *chunk_hash, int64_t *have, int *complete, const char **did,
    char *err)
{
	char got[HASH_HEX], *key, *path;
	enum put_step step;
	int rc;

	if (b->be != NULL)
		return b->be->put(b->impl, w, c, offset, data, len, chunk_hash,
		    have, complete, did, err);
	key = busy_key(c->hash, w->station);
	path = part_path(b, c, w->station);
	*did = "held";
	/* The chunk's hash before any lock. */
	hash_hex(data, len, got);
	pthread_mutex_lock(&b->lock);
	busy_wait(b, key, 1);
	step = put_plan(b, w, c, offset, len, got, chunk_hash, path, have,
	    complete, &rc, err);
	pthread_mutex_unlock(&b->lock);
	if (step == PUT_PROVE)
		rc = prove(b, w, c, offset, data, len, have, complete, did,
		    err);
	else if (step == PUT_APPEND) {
		if ((rc = append(b->dir, path, offset, data, len, err)) == 0) {
			*have = offset + (int64_t)len;
			*did = "stored";
			if (*have == c->size)
				step = PUT_FINISH;
		} else if (offset == 0) {
			/* Nothing of it kept: nothing charged. */
			pthread_mutex_lock(&b->lock);
			if (unlink(path) == 0)
				refund(b, w->station, c->size);
			pthread_mutex_unlock(&b->lock);
		}
	}
	if (step == PUT_FINISH) {
		/* The whole file's hash and fsync, without the lock. */
		rc = check_whole(b, c, path, err);
		pthread_mutex_lock(&b->lock);
		rc = finish_locked(b, w, c, path, rc, have, complete, err);
		pthread_mutex_unlock(&b->lock);
	}
	pthread_mutex_lock(&b->lock);
	busy_drop(b, key);
	pthread_mutex_unlock(&b->lock);
	free(path);
	free(key);
	return rc;
}

int
blobs_read(struct blobs *b, const char *hash, int64_t offset, void *buf,
    size_t max, size_t *len, int64_t *size, char *err)
{
	char *p;
	int fd, rc = 0;
	struct stat st;
	ssize_t n;

	if (b->be != NULL)
		return b->be->read(b->impl, hash, offset, buf, max, len, size,
		    err);
	p = whole_path(b, hash);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	free(p);
	*len = 0;
	if (fd < 0)
		return ld_fail(err, LD_ENOTFOUND, _("the server does not hold"
		    " this file whole yet"));
	if (fstat(fd, &st) != 0 || offset < 0 || offset > st.st_size)
		rc = ld_fail(err, LD_EINVAL, _("offset %lld is past the file's"
		    " end"), (long long)offset);
	else if ((n = pread(fd, buf, max, offset)) < 0)
		rc = ld_fail(err, LD_EFULL, _("cannot read the file: %s"),
		    strerror(errno));
	else {
		*len = (size_t)n;
		*size = st.st_size;
	}
	close(fd);
	return rc;
}

int64_t
blobs_part(struct blobs *b, const struct blobs_claim *c, const char *station)
{
	char *p;
	int64_t n;

	if (b->be != NULL)
		return b->be->part(b->impl, c, station);
	p = part_path(b, c, station);
	pthread_mutex_lock(&b->lock);
	n = size_of(p);
	pthread_mutex_unlock(&b->lock);
	free(p);
	return n;
}

struct blobs *
blobs_wrap(const struct blobs_backend *be, void *impl)
{
	struct blobs *b = xcalloc(1, sizeof *b);

	b->be = be;
	b->impl = impl;
	return b;
}
