/*
 * blobs.c - the county server's attachment files (blobs.h): a directory
 * of whole files named by their SHA-256, parts being received, and each
 * station's quota. One mutex: a chunk is at most BLOBS_CHUNK bytes, so
 * holding it through one write and fsync keeps others waiting briefly.
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
#include "log.h"
#include "sniff.h"
#include "textfile.h"
#include "util.h"

struct blobs {
	char *dir;              /* owned */
	struct blobs_limits lim;
	pthread_mutex_t lock;
};

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
	*out = b;
	return 0;
}

void
blobs_free(struct blobs *b)
{
	if (b == NULL)
		return;
	pthread_mutex_destroy(&b->lock);
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

	(void)err;
	pthread_mutex_lock(&b->lock);
	rc = state_locked(b, w, c, have, complete);
	pthread_mutex_unlock(&b->lock);
	return rc;
}

int
blobs_whole(struct blobs *b, const char *hash)
{
	char *p = whole_path(b, hash);
	int yes;

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

int64_t
blobs_used(struct blobs *b, const char *station)
{
	int64_t n;

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

/* Counts back the size of a part of station's that is gone without
 * becoming the stored file (refused, or the file was stored by another):
 * only bytes kept are charged. */
static void
refund(struct blobs *b, const char *station, const struct blobs_claim *c)
{
	char err[LD_ERRLEN];

	if (set_used(b, station, used_locked(b, station) - c->size, err) != 0)
		log_line("error", "event=blob station=%s result=refund_failed",
		    station);
}

/* Bytes the parts being received will hold when whole (their names say). */
static int64_t
inflight_locked(struct blobs *b)
{
	DIR *d = opendir(b->dir);
	struct dirent *e;
	int64_t n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		const char *dot = strchr(e->d_name, '.');
		size_t l = strlen(e->d_name);

		if (dot != NULL && l > 5 && strcmp(e->d_name + l - 5, ".part") == 0)
			n += strtoll(dot + 1, NULL, 10);
	}
	closedir(d);
	return n;
}

/* Checks the part at path, all of c->size bytes: its hash and type;
 * then adds w's unit to the holders and makes the part the whole file,
 * or removes it when the file is held whole already (*kept 0: never
 * rewritten). Removes it when it is not right. */
static int
finish(struct blobs *b, const struct blobs_who *w, const struct blobs_claim *c,
    const char *path, int *kept, char *err)
{
	unsigned char head[SNIFF_HEAD], buf[BLOBS_CHUNK];
	char got[HASH_HEX], *whole;
	struct hash_state *h;
	const char *type;
	ssize_t n;
	size_t hn = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	*kept = 0;
	if (fd < 0)
		return ld_fail(err, LD_EFULL, _("cannot read '%s': %s"), path,
		    strerror(errno));
	h = hash_begin();
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		if (hn < sizeof head) {
			size_t k = sizeof head - hn < (size_t)n ?
			    sizeof head - hn : (size_t)n;

			memcpy(head + hn, buf, k);
			hn += k;
		}
		hash_update(h, buf, (size_t)n);
	}
	hash_end(h, got);
	if (n < 0)
		rc = ld_fail(err, LD_EFULL, _("cannot read '%s': %s"), path,
		    strerror(errno));
	else if (strcmp(got, c->hash) != 0)
		rc = ld_fail(err, LD_EINTEGRITY, _("the file received does not"
		    " hash to %.12s...: send it again"), c->hash);
	else if (sniff_type(c->name, head, hn, &type, err) != 0 ||
	    strcmp(type, c->type) != 0) {
		rc = ld_fail(err, LD_EINVAL, _("the file is not of the type its"
		    " attachment claims (%s)"), c->type);
	}
	if (rc == 0 && fsync(fd) != 0)
		rc = ld_fail(err, LD_EFULL, _("cannot write '%s': %s"), path,
		    strerror(errno));
	close(fd);
	if (rc == LD_EINTEGRITY || rc == LD_EINVAL) {
		unlink(path);
		return rc;
	}
	/* The bytes are the file's: the unit has proved it holds them. A
	 * crash after this and before the rename leaves a whole part, made
	 * the file by the next chunk sent (put_locked). */
	if (rc != 0 || (rc = add_holder_locked(b, c->hash, w->unit, err)) != 0)
		return rc;
	whole = whole_path(b, c->hash);
	if (size_of(whole) >= 0) {
		unlink(path);
		textfile_sync_dir(b->dir);
	} else if (rename(path, whole) != 0 || textfile_sync_dir(b->dir) != 0)
		rc = ld_fail(err, LD_EFULL, _("cannot write '%s': %s"), whole,
		    strerror(errno));
	else
		*kept = 1;
	free(whole);
	return rc;
}

/* A chunk of a file held whole from a station of a unit not among its
 * holders (blobs.h, invariant 5): compared with the file, never written
 * to it. A chunk that differs is told only at the end, in the words of
 * a file that does not hash to its claim, so that the answers are those
 * of a file the server does not hold. */
static int
prove_locked(struct blobs *b, const struct blobs_who *w,
    const struct blobs_claim *c, int64_t offset, const void *data,
    size_t len, int64_t *have, int *complete, const char **did, char *err)
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
		else if ((rc = add_holder_locked(b, c->hash, w->unit,
		    err)) == 0) {
			*have = at;
			*complete = 1;
		}
	} else {
		snprintf(line, sizeof line, "%lld %d\n", (long long)at, ok);
		if ((rc = replace_file(b->dir, pp, line, strlen(line),
		    err)) == 0)
			*have = at;
	}
	free(pp);
	if (rc == 0)
		*did = "proved";
	return rc;
}

/* After finish: whole, or the part removed (refused: counted back, as
 * when the file was stored already by another), or kept for a retry (a
 * failed write). */
static void
settle(struct blobs *b, const struct blobs_who *w, const struct blobs_claim *c,
    int rc, int kept, int64_t *have, int *complete)
{
	if (rc == 0)
		*complete = 1;
	if ((rc == 0 && !kept) || rc == LD_EINTEGRITY || rc == LD_EINVAL)
		refund(b, w->station, c);
	if (rc == LD_EINTEGRITY || rc == LD_EINVAL)
		*have = 0;
}

static int
put_locked(struct blobs *b, const struct blobs_who *w,
    const struct blobs_claim *c, int64_t offset, const void *data, size_t len,
    const char *chunk_hash, int64_t *have, int *complete, const char **did,
    char *err)
{
	char got[HASH_HEX], *path, *wp;
	int64_t used = 0;
	int fd, rc, whole, kept;

	*did = "held";
	state_locked(b, w, c, have, complete);
	path = part_path(b, c, w->station);
	if (*complete) {
		/* Proved by another station of the unit meanwhile. */
		if (size_of(path) >= 0 && unlink(path) == 0)
			refund(b, w->station, c);
		free(path);
		return 0;
	}
	if (*have == c->size && size_of(path) == c->size) {
		/* Whole, but not made the file yet (a crash, a failed
		 * rename): now. */
		rc = finish(b, w, c, path, &kept, err);
		settle(b, w, c, rc, kept, have, complete);
		free(path);
		return rc;
	}
	free(path);
	if (offset < 0 || offset > c->size)
		return ld_fail(err, LD_EINVAL, _("offset %lld is past the"
		    " file's %lld bytes"), (long long)offset,
		    (long long)c->size);
	if (offset + (int64_t)len <= *have)
		return 0; /* acknowledged before: nothing written again */
	if (offset != *have)
		return ld_fail(err, LD_EEXIST, _("the server holds %lld bytes"
		    " of this file, not %lld"), (long long)*have,
		    (long long)offset);
	if (len == 0 || len > BLOBS_CHUNK || offset + (int64_t)len > c->size)
		return ld_fail(err, LD_EINVAL, _("a chunk of 1 to %d bytes"
		    " within the file's %lld"), BLOBS_CHUNK, (long long)c->size);
	hash_hex(data, len, got);
	if (strcmp(got, chunk_hash) != 0)
		return ld_fail(err, LD_EINTEGRITY, _("the chunk at %lld does not"
		    " match its hash"), (long long)offset);
	path = part_path(b, c, w->station);
	wp = whole_path(b, c->hash);
	whole = size_of(wp) >= 0 && size_of(path) < 0;
	free(wp);
	if (whole) {
		free(path);
		return prove_locked(b, w, c, offset, data, len, have, complete,
		    did, err);
	}
	if (offset == 0) {
		used = used_locked(b, w->station);
		rc = 0;
		if (b->lim.max_size > 0 && c->size > b->lim.max_size)
			rc = ld_fail(err, LD_ETOOBIG, _("the file is %lld"
			    " bytes, more than the %lld this server takes"),
			    (long long)c->size, (long long)b->lim.max_size);
		else if (b->lim.station_quota > 0 &&
		    used + c->size > b->lim.station_quota)
			rc = ld_fail(err, LD_ETOOBIG, _("station %s's"
			    " attachment quota is full (%lld of %lld bytes"
			    " used): ask the county to raise it"), w->station,
			    (long long)used, (long long)b->lim.station_quota);
		else if (b->lim.max_inflight > 0 &&
		    inflight_locked(b) + c->size > b->lim.max_inflight)
			rc = ld_fail(err, LD_ELOCKED, _("the server is"
			    " receiving too many files now: try again later"));
		if (rc != 0) {
			free(path);
			return rc;
		}
	}
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	rc = 0;
	if (fd < 0 || write(fd, data, len) != (ssize_t)len || fsync(fd) != 0 ||
	    (offset == 0 && textfile_sync_dir(b->dir) != 0)) {
		rc = ld_fail(err, LD_EFULL, _("cannot write '%s': %s"), path,
		    strerror(errno));
		/* What was appended is unknown: back to what was held. */
		if (offset == 0)
			unlink(path);
		else if (fd >= 0 && ftruncate(fd, offset) != 0)
			log_line("error", "event=blob result=truncate_failed");
	}
	if (fd >= 0)
		close(fd);
	/* Charged once the first chunk is kept: a failed write charges
	 * nothing (blobs.h, invariant 3). */
	if (rc == 0 && offset == 0 &&
	    (rc = set_used(b, w->station, used + c->size, err)) != 0)
		unlink(path);
	if (rc == 0) {
		*have = offset + (int64_t)len;
		*did = "stored";
		if (*have == c->size) {
			rc = finish(b, w, c, path, &kept, err);
			settle(b, w, c, rc, kept, have, complete);
		}
	}
	free(path);
	return rc;
}

int
blobs_put(struct blobs *b, const struct blobs_who *w,
    const struct blobs_claim *c, int64_t offset, const void *data, size_t len,
    const char *chunk_hash, int64_t *have, int *complete, const char **did,
    char *err)
{
	int rc;

	pthread_mutex_lock(&b->lock);
	rc = put_locked(b, w, c, offset, data, len, chunk_hash, have,
	    complete, did, err);
	pthread_mutex_unlock(&b->lock);
	return rc;
}

int
blobs_read(struct blobs *b, const char *hash, int64_t offset, void *buf,
    size_t max, size_t *len, int64_t *size, char *err)
{
	char *p = whole_path(b, hash);
	int fd = open(p, O_RDONLY | O_CLOEXEC), rc = 0;
	struct stat st;
	ssize_t n;

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
