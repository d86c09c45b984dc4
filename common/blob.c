/*
 * blob.c - attachments' bytes in the station database (rules in blob.h).
 *
 * Two tables, made by the ledger's migration 2: `blobs` has a row per
 * whole blob (hash, size, number of chunks), `blob_chunks` its bytes in
 * rows of BLOB_CHUNK. A blob is written in the caller's transaction, the
 * one that records its event, so SQLite's commit is the one point where
 * both appear; a chunk row without its blob row is never left behind.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blob.h"
#include "db.h"
#include "ledger.h"
#include "ltime.h"
#include "util.h"

/* Reads up to len bytes (fewer only at the end of the file). */
static ssize_t
read_full(int fd, unsigned char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int
blob_hash_fd(int fd, char hash[HASH_HEX], int64_t *size, char *err)
{
	unsigned char *buf;
	struct hash_state *h;
	ssize_t n;
	int64_t total = 0;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return ld_fail(err, LD_EINVAL, _("cannot read the file: %s"),
		    strerror(errno));
	buf = xmalloc(BLOB_CHUNK);
	h = hash_begin();
	while ((n = read_full(fd, buf, BLOB_CHUNK)) > 0) {
		hash_update(h, buf, (size_t)n);
		total += n;
	}
	hash_end(h, hash);
	free(buf);
	if (n < 0)
		return ld_fail(err, LD_EINVAL, _("cannot read the file: %s"),
		    strerror(errno));
	*size = total;
	return 0;
}

/* A statement for this call only. */
static int
prep(struct ledger *lg, const char *sql, sqlite3_stmt **st, char *err)
{
	return db_prepare(ledger_sqlite(lg), sql, st, err);
}

int
blob_stat(struct ledger *lg, const char *hash, int64_t *size, char *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = prep(lg, "SELECT size FROM blobs WHERE hash=?", &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, hash);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (size != NULL)
			*size = sqlite3_column_int64(st, 0);
		rc = 0;
	} else if (rc == SQLITE_DONE)
		rc = ld_fail(err, LD_ENOTFOUND, _("no attachment %.64s here"),
		    hash);
	else
		rc = db_fail(ledger_sqlite(lg), rc, _("cannot read attachments"),
		    err);
	sqlite3_finalize(st);
	return rc;
}

/* Where the bytes of a blob being stored come from. */
struct source {
	int fd;               /* a file, from its start, or -1 */
	const unsigned char *data; /* else len bytes in memory */
	size_t len, off;
};

/* The next chunk of src into buf: its length, 0 at the end, -1 on a read
 * error. */
static ssize_t
next_chunk(struct source *src, unsigned char *buf)
{
	size_t n;

	if (src->fd >= 0)
		return read_full(src->fd, buf, BLOB_CHUNK);
	n = src->len - src->off;
	if (n > BLOB_CHUNK)
		n = BLOB_CHUNK;
	memcpy(buf, src->data + src->off, n);
	src->off += n;
	return (ssize_t)n;
}

static int
put(struct ledger *lg, struct source *src, int64_t size, const char *hash,
    char *err)
{
	sqlite3 *db = ledger_sqlite(lg);
	sqlite3_stmt *st = NULL;
	unsigned char *buf = xmalloc(BLOB_CHUNK);
	struct hash_state *h = hash_begin();
	char got[HASH_HEX];
	int64_t total = 0, n = 0;
	ssize_t len;
	int rc;

	if ((rc = prep(lg, "INSERT INTO blob_chunks(hash, n, data)"
	    " VALUES(?, ?, ?)", &st, err)) != 0)
		goto out;
	while ((len = next_chunk(src, buf)) > 0) {
		hash_update(h, buf, (size_t)len);
		total += len;
		if (total > size) {
			rc = ld_fail(err, LD_ETOOBIG,
			    _("the file grew while it was being attached"));
			goto out;
		}
		db_bind_text(st, 1, hash);
		db_bind_int(st, 2, n++);
		sqlite3_bind_blob(st, 3, buf, (int)len, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			rc = db_fail(db, rc, _("cannot store the attachment"), err);
			goto out;
		}
	}
	if (len < 0) {
		rc = ld_fail(err, LD_EINVAL, _("cannot read the file: %s"),
		    strerror(errno));
		goto out;
	}
	hash_end(h, got);
	h = NULL;
	if (total != size || strcmp(got, hash) != 0) {
		rc = ld_fail(err, LD_EINVAL,
		    _("the file changed while it was being attached"));
		goto out;
	}
	sqlite3_finalize(st);
	if ((rc = prep(lg, "INSERT INTO blobs(hash, size, chunks, stored_at)"
	    " VALUES(?, ?, ?, ?)", &st, err)) != 0)
		goto out;
	db_bind_text(st, 1, hash);
	db_bind_int(st, 2, size);
	db_bind_int(st, 3, n);
	db_bind_int(st, 4, ltime_now());
	rc = sqlite3_step(st);
	rc = rc == SQLITE_DONE ? 0 : db_fail(db, rc,
	    _("cannot store the attachment"), err);
out:
	if (h != NULL)
		hash_end(h, got);
	sqlite3_finalize(st);
	free(buf);
	return rc;
}

/* Stores src under its hash unless held; want: the hash the caller
 * expects, or NULL to work it out first. */
static int
put_src(struct ledger *lg, struct source *src, int64_t size, const char *want,
    char hash[HASH_HEX], int *added, char *err)
{
	int64_t held;
	int rc;

	*added = 0;
	if (want != NULL) {
		if (want != hash)
			ld_strlcpy(hash, want, HASH_HEX);
	}
	else if (src->fd >= 0) {
		int64_t sz;
		if ((rc = blob_hash_fd(src->fd, hash, &sz, err)) != 0)
			return rc;
		if (sz != size)
			return ld_fail(err, LD_EINVAL,
			    _("the file changed while it was being attached"));
	} else
		hash_hex(src->data, src->len, hash);
	rc = blob_stat(lg, hash, &held, err);
	if (rc == 0)
		return 0; /* the same bytes are here: deduplicated */
	if (rc != LD_ENOTFOUND)
		return rc;
	if (src->fd >= 0 && lseek(src->fd, 0, SEEK_SET) < 0)
		return ld_fail(err, LD_EINVAL, _("cannot read the file: %s"),
		    strerror(errno));
	if ((rc = put(lg, src, size, hash, err)) != 0)
		return rc;
	*added = 1;
	return 0;
}

int
blob_put_fd(struct ledger *lg, int fd, int64_t size, const char *expect,
    char hash[HASH_HEX], int *added, char *err)
{
	struct source src = { fd, NULL, 0, 0 };

	return put_src(lg, &src, size, expect, hash, added, err);
}

int
blob_put(struct ledger *lg, const void *data, size_t len, char hash[HASH_HEX],
    int *added, char *err)
{
	struct source src = { -1, data, len, 0 };

	return put_src(lg, &src, (int64_t)len, NULL, hash, added, err);
}

int
blob_find(struct ledger *lg, const char *prefix, char hash[HASH_HEX],
    char *err)
{
	size_t len = strlen(prefix);
	sqlite3_stmt *st;
	char *hi;
	int rc, n = 0;

	if (len < 8 || len > 64 || prefix[strspn(prefix, "0123456789abcdef")])
		return ld_fail(err, LD_EINVAL,
		    _("'%.70s' is not an attachment's hash: 8 to 64 lowercase hex digits"),
		    prefix);
	if ((rc = prep(lg, "SELECT hash FROM blobs WHERE hash >= ? AND hash < ?"
	    " ORDER BY hash LIMIT 2", &st, err)) != 0)
		return rc;
	/* The prefix's range: prefix <= hash < prefix followed by 'g'. */
	hi = xasprintf("%sg", prefix);
	db_bind_text(st, 1, prefix);
	db_bind_text(st, 2, hi);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 0);
		if (n++ == 1) {
			rc = ld_fail(err, LD_EINVAL,
			    _("'%s' is the start of more than one attachment's hash (%.12s..., %.12s...): give more of it"),
			    prefix, hash, h);
			break;
		}
		ld_strlcpy(hash, h, HASH_HEX);
	}
	if (rc == SQLITE_DONE)
		rc = n == 1 ? 0 : ld_fail(err, LD_ENOTFOUND,
		    _("no attachment %s here"), prefix);
	else if (rc == SQLITE_ROW)
		rc = db_fail(ledger_sqlite(lg), rc, _("cannot read attachments"),
		    err);
	free(hi);
	sqlite3_finalize(st);
	return rc;
}

/* Writes all len bytes to fd. */
static int
write_full(int fd, const void *data, size_t len, char *err)
{
	const unsigned char *p = data;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ld_fail(err, LD_EFULL, _("cannot write: %s"),
			    strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads the blob hash's chunks in order, hashing them and writing each
 * to fd when fd >= 0: LD_EINTEGRITY when a chunk is missing or out of
 * place, or the bytes do not have the blob's size and hash. */
static int
read_blob(struct ledger *lg, const char *hash, int fd, char *err)
{
	sqlite3 *db = ledger_sqlite(lg);
	sqlite3_stmt *st;
	struct hash_state *h;
	char got[HASH_HEX];
	int64_t size, chunks, total = 0, n = 0;
	int rc;

	if ((rc = blob_stat(lg, hash, &size, err)) != 0)
		return rc;
	if ((rc = prep(lg, "SELECT chunks FROM blobs WHERE hash=?", &st,
	    err)) != 0)
		return rc;
	db_bind_text(st, 1, hash);
	chunks = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if ((rc = prep(lg, "SELECT n, data FROM blob_chunks WHERE hash=?"
	    " ORDER BY n", &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, hash);
	h = hash_begin();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *data = sqlite3_column_blob(st, 1);
		int len = sqlite3_column_bytes(st, 1);

		if (sqlite3_column_int64(st, 0) != n++) {
			rc = ld_fail(err, LD_EINTEGRITY,
			    _("attachment %.12s...: chunk %lld is missing"),
			    hash, (long long)(n - 1));
			break;
		}
		hash_update(h, data, (size_t)len);
		total += len;
		if (fd >= 0 && (rc = write_full(fd, data, (size_t)len, err)) != 0)
			break;
	}
	hash_end(h, got);
	if (rc == SQLITE_DONE) {
		if (n < chunks)
			rc = ld_fail(err, LD_EINTEGRITY,
			    _("attachment %.12s...: chunk %lld is missing"),
			    hash, (long long)n);
		else if (total != size)
			rc = ld_fail(err, LD_EINTEGRITY,
			    _("attachment %.12s...: %lld bytes held, %lld expected"),
			    hash, (long long)total, (long long)size);
		else if (strcmp(got, hash) != 0)
			rc = ld_fail(err, LD_EINTEGRITY,
			    _("attachment %.12s...: its bytes do not match its hash (damaged)"),
			    hash);
		else
			rc = 0;
	} else if (rc > 0) /* SQLite's, not ours (negative) */
		rc = db_fail(db, rc, _("cannot read attachments"), err);
	sqlite3_finalize(st);
	return rc;
}

int
blob_write(struct ledger *lg, const char *hash, int fd, char *err)
{
	return read_blob(lg, hash, fd, err);
}

int
blob_verify(struct ledger *lg, const char *hash, char *err)
{
	return read_blob(lg, hash, -1, err);
}

int
blob_records(struct ledger *lg, const char *hash, json_t **docs, char *err)
{
	sqlite3_stmt *st;
	json_t *doc;
	int rc;

	*docs = json_array();
	if ((rc = prep(lg, "SELECT doc FROM projections AS p WHERE EXISTS"
	    " (SELECT 1 FROM json_each(p.doc, '$.attachments') AS a"
	    "  WHERE json_extract(a.value, '$.hash') = ?) ORDER BY entity",
	    &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, hash);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((doc = json_loads((const char *)sqlite3_column_text(st, 0),
		    0, NULL)) != NULL)
			json_array_append_new(*docs, doc);
	rc = rc == SQLITE_DONE ? 0 : db_fail(ledger_sqlite(lg), rc,
	    _("cannot read records"), err);
	sqlite3_finalize(st);
	return rc;
}

static void
blob_problem(struct blob_report *r, const char *msg)
{
	if (r->problems++ == 0)
		ld_strlcpy(r->first, msg, sizeof r->first);
}

int
blob_verify_all(struct ledger *lg, struct blob_report *r, char *err)
{
	sqlite3 *db = ledger_sqlite(lg);
	sqlite3_stmt *st;
	char **hashes = NULL, e[LD_ERRLEN];
	size_t n = 0, i;
	int64_t bytes = 0;
	int rc;

	memset(r, 0, sizeof *r);
	/* 1: every blob held, re-hashed. */
	if ((rc = prep(lg, "SELECT hash, size FROM blobs ORDER BY hash", &st,
	    err)) != 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		hashes = xrealloc(hashes, (n + 1) * sizeof *hashes);
		hashes[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
		bytes += sqlite3_column_int64(st, 1);
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(db, rc,
	    _("cannot read attachments"), err);
	sqlite3_finalize(st);
	for (i = 0; rc == 0 && i < n; i++) {
		int vrc = blob_verify(lg, hashes[i], e);
		if (vrc == LD_EINTEGRITY)
			blob_problem(r, e);
		else if (vrc != 0)
			rc = ld_fail(err, vrc, "%s", e);
	}
	for (i = 0; i < n; i++)
		free(hashes[i]);
	free(hashes);
	if (rc != 0)
		return rc;
	r->blobs = (long)n;
	r->bytes_mb = (long)(bytes >> 20);
	/* 4: the attachments named by events, each held or awaited. */
	if ((rc = prep(lg, "SELECT e.station, e.seq, e.h FROM"
	    " (SELECT station, seq, json_extract(raw, '$.body.hash') AS h"
	    "  FROM events WHERE kind GLOB '*.attached') AS e"
	    " LEFT JOIN blobs AS b ON b.hash = e.h WHERE b.hash IS NULL"
	    " ORDER BY e.station, e.seq", &st, err)) != 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *station = (const char *)sqlite3_column_text(st, 0);
		if (strcmp(station, ledger_station(lg)) != 0) {
			r->awaited++;
			continue;
		}
		snprintf(e, sizeof e,
		    _("attachment %.12s... of event %s/%lld is missing"),
		    (const char *)sqlite3_column_text(st, 2), station,
		    (long long)sqlite3_column_int64(st, 1));
		blob_problem(r, e);
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(db, rc,
	    _("cannot read events"), err);
	sqlite3_finalize(st);
	if (rc != 0)
		return rc;
	/* 2: orphans, a note. */
	if ((rc = prep(lg, "SELECT count(*) FROM blobs WHERE hash NOT IN"
	    " (SELECT json_extract(raw, '$.body.hash') FROM events"
	    "  WHERE kind GLOB '*.attached')", &st, err)) != 0)
		return rc;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r->orphans = (long)sqlite3_column_int64(st, 0);
		rc = 0;
	} else
		rc = db_fail(db, rc, _("cannot read attachments"), err);
	sqlite3_finalize(st);
	return rc;
}

int
blob_read_at(struct ledger *lg, const char *hash, int64_t offset, void *buf,
    size_t max, size_t *len, char *err)
{
	sqlite3_stmt *st;
	int rc;

	*len = 0;
	if ((rc = prep(lg, "SELECT substr(data, ?, ?) FROM blob_chunks"
	    " WHERE hash=? AND n=?", &st, err)) != 0)
		return rc;
	db_bind_int(st, 1, offset % BLOB_CHUNK + 1);
	db_bind_int(st, 2, (long long)max);
	db_bind_text(st, 3, hash);
	db_bind_int(st, 4, offset / BLOB_CHUNK);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(st, 0);

		if (n > max)
			n = max;
		memcpy(buf, sqlite3_column_blob(st, 0), n);
		*len = n;
		rc = 0;
	} else if (rc == SQLITE_DONE)
		rc = ld_fail(err, LD_ENOTFOUND, _("attachment %.12s... is not"
		    " held here"), hash);
	else
		rc = db_fail(ledger_sqlite(lg), rc, _("cannot read attachments"),
		    err);
	sqlite3_finalize(st);
	return rc;
}

int
blob_refs(struct ledger *lg, struct blob_ref **refs, size_t *n, char *err)
{
	sqlite3_stmt *st;
	int rc;

	*refs = NULL;
	*n = 0;
	/* own: some event naming it was written by this station's unit;
	 * original: some event names it as a reduced photo's original. */
	if ((rc = prep(lg, "SELECT e.entity, e.h, e.size, b.hash IS NOT NULL,"
	    " coalesce(json_extract(p.doc, '$.urgent'), 0) = 1 AS urgent,"
	    " e.own, e.h IN (SELECT json_extract(raw, '$.body.original')"
	    "  FROM events WHERE kind GLOB '*.attached'"
	    "  AND json_extract(raw, '$.body.original') IS NOT NULL)"
	    " FROM (SELECT entity, json_extract(raw, '$.body.hash') AS h,"
	    "  json_extract(raw, '$.body.size') AS size, min(id) AS id,"
	    "  max(coalesce(json_extract(raw, '$.unit') = ?, 0)) AS own"
	    "  FROM events WHERE kind GLOB '*.attached'"
	    "  GROUP BY entity, h) AS e"
	    " LEFT JOIN blobs AS b ON b.hash = e.h"
	    " LEFT JOIN projections AS p ON p.entity = e.entity"
	    " ORDER BY urgent DESC, e.id", &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, ledger_unit(lg));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *rec = (const char *)sqlite3_column_text(st, 0);
		const char *h = (const char *)sqlite3_column_text(st, 1);
		struct blob_ref *r;

		if (rec == NULL || h == NULL || !hash_valid(h))
			continue;
		*refs = xrealloc(*refs, (*n + 1) * sizeof **refs);
		r = &(*refs)[(*n)++];
		r->record = xstrdup(rec);
		ld_strlcpy(r->hash, h, sizeof r->hash);
		r->size = sqlite3_column_int64(st, 2);
		r->held = sqlite3_column_int(st, 3);
		r->urgent = sqlite3_column_int(st, 4);
		r->own = sqlite3_column_int(st, 5);
		r->original = sqlite3_column_int(st, 6);
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(ledger_sqlite(lg), rc,
	    _("cannot read events"), err);
	sqlite3_finalize(st);
	if (rc != 0) {
		blob_refs_free(*refs, *n);
		*refs = NULL;
		*n = 0;
	}
	return rc;
}

void
blob_refs_free(struct blob_ref *refs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(refs[i].record);
	free(refs);
}
