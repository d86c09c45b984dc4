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

static char *
part_path(const struct blobs *b, const struct blobs_claim *c)
{
	return xasprintf("%s/%s.%lld.part", b->dir, c->hash,
	    (long long)c->size);
}

static int
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
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

static int
state_locked(struct blobs *b, const struct blobs_claim *c, int64_t *have,
    int *complete)
{
	char *p = whole_path(b, c->hash);
	int64_t n = size_of(p);

	free(p);
	*complete = n >= 0;
	if (n >= 0) {
		*have = n;
		return 0;
	}
	p = part_path(b, c);
	n = size_of(p);
	free(p);
	*have = n > 0 ? n : 0;
	return 0;
}

int
blobs_state(struct blobs *b, const struct blobs_claim *c, int64_t *have,
    int *complete, char *err)
{
	int rc;

	pthread_mutex_lock(&b->lock);
	rc = state_locked(b, c, have, complete);
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

/* Replaces station's count whole: a temporary file, fsync, rename. */
static int
set_used(struct blobs *b, const char *station, int64_t n, char *err)
{
	char *p = quota_path(b, station), *t = xasprintf("%s.new", p);
	char buf[32];
	int fd = open(t, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int len = snprintf(buf, sizeof buf, "%lld\n", (long long)n), rc = 0;

	if (fd < 0 || write(fd, buf, (size_t)len) != len || fsync(fd) != 0 ||
	    rename(t, p) != 0)
		rc = ld_fail(err, LD_EFULL, _("cannot write '%s': %s"), p,
		    strerror(errno));
	if (fd >= 0)
		close(fd);
	free(t);
	free(p);
	if (rc == 0) {
		char *q = xasprintf("%s/quota", b->dir);

		fsync_dir(q);
		free(q);
	}
	return rc;
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
 * then makes it the whole file. Removes it when it is not right. */
static int
finish(struct blobs *b, const struct blobs_claim *c, const char *path,
    char *err)
{
	unsigned char head[SNIFF_HEAD], buf[BLOBS_CHUNK];
	char got[HASH_HEX], *whole;
	struct hash_state *h;
	const char *type;
	ssize_t n;
	size_t hn = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

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
	if (rc != 0)
		return rc;
	whole = whole_path(b, c->hash);
	if (rename(path, whole) != 0 || fsync_dir(b->dir) != 0)
		rc = ld_fail(err, LD_EFULL, _("cannot write '%s': %s"), whole,
		    strerror(errno));
	free(whole);
	return rc;
}

static int
put_locked(struct blobs *b, const char *station, const struct blobs_claim *c,
    int64_t offset, const void *data, size_t len, const char *chunk_hash,
    int64_t *have, int *complete, char *err)
{
	char got[HASH_HEX], *path;
	int fd, rc;

	state_locked(b, c, have, complete);
	if (*complete || offset + (int64_t)len <= *have)
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
	if (offset == 0) {
		int64_t used = used_locked(b, station);

		if (b->lim.max_size > 0 && c->size > b->lim.max_size)
			return ld_fail(err, LD_ETOOBIG, _("the file is %lld"
			    " bytes, more than the %lld this server takes"),
			    (long long)c->size, (long long)b->lim.max_size);
		if (b->lim.station_quota > 0 &&
		    used + c->size > b->lim.station_quota)
			return ld_fail(err, LD_ETOOBIG, _("station %s's"
			    " attachment quota is full (%lld of %lld bytes"
			    " used): ask the county to raise it"), station,
			    (long long)used, (long long)b->lim.station_quota);
		if (b->lim.max_inflight > 0 &&
		    inflight_locked(b) + c->size > b->lim.max_inflight)
			return ld_fail(err, LD_ELOCKED, _("the server is"
			    " receiving too many files now: try again later"));
		if ((rc = set_used(b, station, used + c->size, err)) != 0)
			return rc;
	}
	path = part_path(b, c);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	rc = 0;
	if (fd < 0 || write(fd, data, len) != (ssize_t)len || fsync(fd) != 0 ||
	    (offset == 0 && fsync_dir(b->dir) != 0)) {
		rc = ld_fail(err, LD_EFULL, _("cannot write '%s': %s"), path,
		    strerror(errno));
		/* What was appended is unknown: back to what was held. */
		if (fd >= 0 && ftruncate(fd, offset) != 0)
			log_line("error", "event=blob result=truncate_failed");
	}
	if (fd >= 0)
		close(fd);
	if (rc == 0) {
		*have = offset + (int64_t)len;
		if (*have == c->size) {
			rc = finish(b, c, path, err);
			if (rc == 0)
				*complete = 1;
			else
				*have = 0;
		}
	}
	free(path);
	return rc;
}

int
blobs_put(struct blobs *b, const char *station, const struct blobs_claim *c,
    int64_t offset, const void *data, size_t len, const char *chunk_hash,
    int64_t *have, int *complete, char *err)
{
	int rc;

	pthread_mutex_lock(&b->lock);
	rc = put_locked(b, station, c, offset, data, len, chunk_hash, have,
	    complete, err);
	pthread_mutex_unlock(&b->lock);
	return rc;
}

int
blobs_read(struct blobs *b, const char *hash, int64_t offset, void *buf,
    size_t max, size_t *len, char *err)
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
	else
		*len = (size_t)n;
	close(fd);
	return rc;
}
