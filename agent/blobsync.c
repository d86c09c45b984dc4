/*
 * blobsync.c - attachments' files to and from the county server
 * (blobsync.h; the two ends agree in docs/protocol.md, "Attachments",
 * whose server side is server/api.c's blob_).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "blob.h"
#include "blobsync.h"
#include "hash.h"
#include "proto.h"
#include "util.h"

/* The chunk both ends move (server/blobs.h's BLOBS_CHUNK). */
#define CHUNK (64 * 1024)

/* The query naming one file of one record: hash=H&record=R (R escaped). */
static char *
query(const char *hash, const char *record)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(record), i, o = 0;
	char *r = xmalloc(3 * n + 1), *q;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)record[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~')
			r[o++] = (char)c;
		else {
			r[o++] = '%';
			r[o++] = hex[c >> 4];
			r[o++] = hex[c & 15];
		}
	}
	r[o] = '\0';
	q = xasprintf("hash=%s&record=%s", hash, r);
	free(r);
	return q;
}

/* Not this station's to send or fetch (403): the event naming the file
 * was kept to this unit by a quarantine, say. Skipped, never a failed
 * sync: the token is good, and the events went through. */
#define SKIP 2

/* The error of a refusal: its JSON "error" text, and the code sync.c
 * gives the same status (401: the token, LD_EAUTH; 5xx: the server for
 * now, LD_ENET); 403 is SKIP, err set all the same. */
static int
refusal(const struct net_response *rs, const char *hash, char *err)
{
	json_t *o = json_loadb(rs->body, rs->len, 0, NULL);
	const char *msg = json_string_value(json_object_get(o, "error"));
	int code = rs->status == 401 ? LD_EAUTH : rs->status == 403 ? SKIP :
	    rs->status >= 500 ? LD_ENET : LD_EREFUSED;

	if (rs->status < 500)
		ld_fail(err, code, _("the server refused attachment %.12s..."
		    " (%ld): %s"), hash, rs->status,
		    msg ? msg : "no reason given");
	else
		ld_fail(err, code, _("the server is unavailable (%ld) for"
		    " attachment %.12s...: %s; try again later"), rs->status,
		    hash, msg ? msg : "no reason given");
	json_decref(o);
	return code;
}

/* Reads "have" and "complete" of an answer: -1 when "have" is missing,
 * or not within [0, size] (a server's word is not trusted past the file). */
static int
answer_state(const struct net_response *rs, int64_t size, int64_t *have,
    int *complete)
{
	json_t *o = json_loadb(rs->body, rs->len, 0, NULL);
	json_t *h = json_object_get(o, "have");
	int ok = json_is_integer(h) && json_integer_value(h) >= 0 &&
	    json_integer_value(h) <= size;

	if (ok) {
		*have = json_integer_value(h);
		*complete = json_is_true(json_object_get(o, "complete"));
	}
	json_decref(o);
	return ok ? 0 : -1;
}

/* Answers in a row that do not move the offset before an upload stops. */
#define STALLS 3

/* The error of an answer whose "have" is missing or out of the file. */
static int
bad_have(const char *hash, char *err)
{
	return ld_fail(err, LD_EREFUSED, _("the server's answer for attachment"
	    " %.12s... gives no offset within the file"), hash);
}

static int
marked_up(struct ledger *lg, const char *hash)
{
	char key[HASH_HEX + 16], *v = NULL;
	int up;

	snprintf(key, sizeof key, "blob_up:%s", hash);
	up = ledger_meta_get(lg, key, &v, NULL) == 0 && v != NULL;
	free(v);
	return up;
}

static int
mark_up(struct ledger *lg, const char *hash, char *err)
{
	char key[HASH_HEX + 16];
	int rc;

	snprintf(key, sizeof key, "blob_up:%s", hash);
	if ((rc = ledger_begin(lg, err)) != 0)
		return rc;
	if ((rc = ledger_meta_set(lg, key, "1", err)) != 0) {
		ledger_rollback(lg);
		return rc;
	}
	return ledger_commit(lg, err);
}

/* Sends ref's file from where the server holds it. */
static int
upload(struct ledger *lg, struct net *n, const struct blob_ref *ref,
    struct blobsync_report *r, char *err)
{
	char *q = query(ref->hash, ref->record), *path, ch[HASH_HEX];
	struct net_response rs;
	unsigned char *buf = NULL;
	int64_t have = 0, was;
	int complete = 0, stalls = 0, rc;

	path = xasprintf("%s?%s", PATH_BLOB, q);
	rc = net_request(n, "GET", path, NULL, NULL, NULL, 0, 65536, &rs, err);
	free(path);
	if (rc != 0)
		goto out;
	r->requests++;
	/* 404: a server older than attachments' files; they wait for it. */
	if (rs.status == 404)
		rc = SKIP;
	else if (rs.status != 200)
		rc = refusal(&rs, ref->hash, err);
	else if (answer_state(&rs, ref->size, &have, &complete) != 0)
		rc = bad_have(ref->hash, err);
	net_response_release(&rs);
	buf = xmalloc(CHUNK);
	while (rc == 0 && !complete) {
		size_t len = 0;
		int64_t want = ref->size - have < CHUNK ? ref->size - have : CHUNK;

		if (want <= 0) {
			rc = ld_fail(err, LD_EREFUSED, _("the server holds more"
			    " of attachment %.12s... than its size"), ref->hash);
			break;
		}
		if ((rc = blob_read_at(lg, ref->hash, have, buf, (size_t)want,
		    &len, err)) != 0)
			break;
		if (len == 0) {
			rc = ld_fail(err, LD_EINTEGRITY, _("attachment %.12s..."
			    " is shorter here than its event says"), ref->hash);
			break;
		}
		hash_hex(buf, len, ch);
		path = xasprintf("%s?%s&offset=%lld&chunk=%s", PATH_BLOB, q,
		    (long long)have, ch);
		rc = net_request(n, "POST", path, "application/octet-stream",
		    NULL, buf, len, 65536, &rs, err);
		free(path);
		if (rc != 0)
			break;
		r->requests++;
		was = have;
		if (rs.status != 200 && rs.status != 409)
			rc = refusal(&rs, ref->hash, err);
		else if (answer_state(&rs, ref->size, &have, &complete) != 0)
			rc = bad_have(ref->hash, err);
		else {
			if (rs.status == 200)
				r->chunks_up++;
			/* A server that never moves on is not asked forever. */
			if (complete || have > was)
				stalls = 0;
			else if (++stalls >= STALLS)
				rc = ld_fail(err, LD_EREFUSED, _("the server does"
				    " not take attachment %.12s... past byte %lld:"
				    " sent again later"), ref->hash,
				    (long long)have);
		}
		net_response_release(&rs);
	}
	if (rc == 0) {
		r->files_up++;
		rc = mark_up(lg, ref->hash, err);
	}
out:
	free(buf);
	free(q);
	return rc;
}

/* Stores the whole part at path as the blob hash, and removes it. */
static int
store_part(struct ledger *lg, const char *path, const char *hash,
    int64_t size, char *err)
{
	char got[HASH_HEX];
	int64_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), added, rc;

	if (fd < 0)
		return ld_fail(err, LD_EFULL, _("cannot read '%s': %s"), path,
		    strerror(errno));
	if ((rc = blob_hash_fd(fd, got, &n, err)) == 0 &&
	    (strcmp(got, hash) != 0 || n != size)) {
		/* Never stored: fetched again from the start next time. */
		unlink(path);
		rc = ld_fail(err, LD_EINTEGRITY, _("attachment %.12s... came"
		    " with other bytes than its hash: fetched again later"),
		    hash);
	}
	if (rc == 0 && (rc = ledger_begin(lg, err)) == 0) {
		char key[HASH_HEX + 16];

		snprintf(key, sizeof key, "blob_up:%s", hash);
		if ((rc = blob_put_fd(lg, fd, size, hash, got, &added,
		    err)) != 0 || (rc = ledger_meta_set(lg, key, "1",
		    err)) != 0)
			ledger_rollback(lg);
		else
			rc = ledger_commit(lg, err);
	}
	close(fd);
	if (rc == 0)
		unlink(path);
	return rc;
}

/* Receives ref's file from the end of its part. 1: not whole at the
 * server yet. */
static int
download(struct ledger *lg, struct net *n, const char *dir,
    const struct blob_ref *ref, struct blobsync_report *r, char *err)
{
	char *q = query(ref->hash, ref->record), *part, *path;
	struct net_response rs;
	struct stat st;
	int64_t have;
	int fd, rc = 0;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		free(q);
		return ld_fail(err, LD_EFULL, _("cannot make '%s': %s"), dir,
		    strerror(errno));
	}
	part = xasprintf("%s/%s.part", dir, ref->hash);
	fd = open(part, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = ld_fail(err, LD_EFULL, _("cannot write '%s': %s"), part,
		    strerror(errno));
		goto out;
	}
	have = st.st_size;
	if (have > ref->size) {
		if (ftruncate(fd, 0) != 0)
			have = -1;
		else
			have = 0;
	}
	while (rc == 0 && have >= 0 && have < ref->size) {
		path = xasprintf("%s?%s&offset=%lld", PATH_BLOB_DATA, q,
		    (long long)have);
		rc = net_request(n, "GET", path, NULL, NULL, NULL, 0,
		    CHUNK + 1024, &rs, err);
		free(path);
		if (rc != 0)
			break;
		r->requests++;
		if (rs.status == 404) {
			rc = 1;
		} else if (rs.status != 200)
			rc = refusal(&rs, ref->hash, err);
		else if (rs.len == 0 || have + (int64_t)rs.len > ref->size)
			rc = ld_fail(err, LD_EREFUSED, _("the server sent more"
			    " of attachment %.12s... than its size"), ref->hash);
		else if (write(fd, rs.body, rs.len) != (ssize_t)rs.len ||
		    fsync(fd) != 0)
			rc = ld_fail(err, LD_EFULL, _("cannot write '%s': %s"),
			    part, strerror(errno));
		else {
			have += (int64_t)rs.len;
			r->chunks_down++;
		}
		net_response_release(&rs);
	}
	if (have < 0)
		rc = ld_fail(err, LD_EFULL, _("cannot write '%s': %s"), part,
		    strerror(errno));
	close(fd);
	fd = -1;
	if (rc == 0 && (rc = store_part(lg, part, ref->hash, ref->size,
	    err)) == 0)
		r->files_down++;
out:
	if (fd >= 0)
		close(fd);
	free(part);
	free(q);
	return rc;
}

/* A refusal is kept for the end (the others are still tried); anything
 * else ends the run. */
static int
keep_first(int rc, int *first, char *first_err, char *err)
{
	if (rc == LD_EREFUSED || rc == LD_EINTEGRITY) {
		if (*first == 0) {
			*first = rc;
			ld_strlcpy(first_err, err, LD_ERRLEN);
		}
		return 0;
	}
	return rc;
}

int
blobsync_run(struct ledger *lg, struct net *n, const char *dir,
    int64_t auto_fetch, struct blobsync_report *r, char *err)
{
	struct blob_ref *refs;
	char first_err[LD_ERRLEN] = "";
	size_t nrefs, i;
	int rc, first = 0;

	if ((rc = blob_refs(lg, &refs, &nrefs, err)) != 0)
		return rc;
	for (i = 0; rc == 0 && i < nrefs; i++) {
		const struct blob_ref *ref = &refs[i];

		/* Sent only when this unit attached it, and never a
		 * reduced photo's original: another unit's event naming a
		 * file held here (an original it saw named) must not make
		 * this station send it. */
		if (ref->held && (!ref->own || ref->original))
			continue;
		if (ref->held && !marked_up(lg, ref->hash))
			rc = upload(lg, n, ref, r, err);
		else if (!ref->held && auto_fetch >= 0 &&
		    ref->size <= auto_fetch) {
			/* Named by two records, fetched for the first of them
			 * in this run: once is enough. */
			if (blob_stat(lg, ref->hash, NULL, err) == 0)
				continue;
			rc = download(lg, n, dir, ref, r, err);
			if (rc == 1) {
				r->waiting++;
				rc = 0;
			}
		} else
			continue;
		if (rc == SKIP) {
			r->refused++;
			rc = 0;
			continue;
		}
		if (rc != 0 && rc != LD_ENET)
			r->refused++;
		rc = keep_first(rc, &first, first_err, err);
	}
	blob_refs_free(refs, nrefs);
	if (rc == 0 && first != 0) {
		ld_strlcpy(err, first_err, LD_ERRLEN);
		rc = first;
	}
	return rc;
}

int
blobsync_fetch(struct ledger *lg, struct net *n, const char *dir,
    const char *hash, struct blobsync_report *r, char *err)
{
	struct blob_ref *refs;
	size_t nrefs, i;
	int rc;

	if ((rc = blob_refs(lg, &refs, &nrefs, err)) != 0)
		return rc;
	rc = ld_fail(err, LD_ENOTFOUND, _("no record held here names"
	    " attachment %.12s..."), hash);
	for (i = 0; i < nrefs; i++) {
		if (strcmp(refs[i].hash, hash) != 0)
			continue;
		if (refs[i].held) {
			rc = 0;
			break;
		}
		rc = download(lg, n, dir, &refs[i], r, err);
		if (rc == 1)
			rc = ld_fail(err, LD_ENOTFOUND, _("the server does not"
			    " hold attachment %.12s... whole yet: it has not"
			    " arrived there from its station"), hash);
		/* Another record may name it where this one is refused. */
		if (rc == SKIP)
			rc = LD_EREFUSED;
		else
			break;
	}
	blob_refs_free(refs, nrefs);
	return rc;
}
