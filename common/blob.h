/*
 * blob.h - the bytes of attachments (issue 18), content-addressed by
 * their SHA-256 and kept in the station's own database (ledger.h), apart
 * from the events that name them ("<type>.attached", kinds.h).
 *
 * Invariants (checked by blob_verify_all, i.e. `liandong verify`):
 *  1. A blob is one row of `blobs` (hash, size, chunks) and its chunks
 *     0..chunks-1 in `blob_chunks`, each BLOB_CHUNK bytes but the last;
 *     their bytes, in order, have that size and hash to that hash.
 *  2. A blob is written whole in the caller's transaction, the one that
 *     records the event naming it (agent/cmd-attach.c): a crash leaves
 *     both or neither. There is no half-stored blob, and an orphan (a
 *     blob no event names) is never made by a crash; verify reports one,
 *     as a note, should a set-aside event (ledger_set_aside) leave it.
 *  3. The same bytes are stored once, whatever records name them.
 *  4. Every attachment this station recorded has its blob here; one of
 *     another station's may not have arrived yet (attachments do not
 *     move over sync yet: "awaited", not a problem).
 *
 * Why SQLite and not files: docs/architecture.md, "Attachments".
 */
#ifndef LD_BLOB_H
#define LD_BLOB_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "hash.h"

struct ledger;

/* The size of a chunk row: the unit a later sync slice moves and
 * acknowledges (DESIGN.md 2: resumable chunks). */
#define BLOB_CHUNK (256 * 1024)

/* SHA-256 (hex) and size of everything fd holds from its start, read
 * BLOB_CHUNK at a time. Returns 0 or LD_EINVAL (a read failed; err says
 * why). */
int blob_hash_fd(int fd, char hash[HASH_HEX], int64_t *size, char *err);

/*
 * Stores what fd holds (from its start) as a blob, in the caller's
 * transaction (ledger_begin): hash gets its SHA-256 and *added is 1 when
 * it was new, 0 when the same bytes were held already (nothing written).
 * expect (may be NULL) is the hash the caller read before (blob_hash_fd):
 * a file that changed since is refused with LD_EINVAL rather than stored
 * under another hash than its event names; so is one whose size is not
 * size. Returns 0, LD_EINVAL, LD_ETOOBIG (more than size) or a database
 * code.
 */
int blob_put_fd(struct ledger *lg, int fd, int64_t size, const char *expect,
    char hash[HASH_HEX], int *added, char *err);
/* The same for len bytes in memory (tests, tools). */
int blob_put(struct ledger *lg, const void *data, size_t len,
    char hash[HASH_HEX], int *added, char *err);

/* *size (if size is not NULL) of the blob hash: 0, LD_ENOTFOUND, or a database code. */
int blob_stat(struct ledger *lg, const char *hash, int64_t *size, char *err);

/* The one held blob whose hash begins with prefix (8 to 64 lowercase hex
 * digits) in hash: 0, LD_ENOTFOUND, LD_EINVAL (not hex, too short, or
 * more than one: err names two), or a database code. */
int blob_find(struct ledger *lg, const char *prefix, char hash[HASH_HEX],
    char *err);

/* Writes the blob hash to fd, checking as it goes that the chunks are
 * all there and hash to hash: LD_EINTEGRITY when not (what was written
 * then is not the file: the caller removes it), LD_ENOTFOUND when the
 * blob is not held, LD_EFULL when a write fails. */
int blob_write(struct ledger *lg, const char *hash, int fd, char *err);

/* Re-hashes the blob hash: 0, LD_EINTEGRITY (err says what is wrong),
 * LD_ENOTFOUND, or a database code. */
int blob_verify(struct ledger *lg, const char *hash, char *err);

/* The projections of the records held here that name hash among their
 * "attachments" (fold.c), in *docs (a new array). 0 or a database
 * code. */
int blob_records(struct ledger *lg, const char *hash, json_t **docs,
    char *err);

struct blob_report {
	long blobs;      /* held */
	long bytes_mb;   /* their size, in whole MiB */
	long awaited;    /* other stations' attachments not held (yet) */
	long orphans;    /* held, named by no event (a note) */
	long problems;   /* corrupt, or own attachments missing */
	char first[512]; /* the first problem */
};

/* Checks invariants 1 and 4 over the whole database. Returns 0 (r says
 * whether problems were found) or a database code. */
int blob_verify_all(struct ledger *lg, struct blob_report *r, char *err);

/* Reads at most max bytes of the blob hash from offset into buf (*len of
 * them: fewer only at its end). 0, LD_ENOTFOUND or a database code. */
int blob_read_at(struct ledger *lg, const char *hash, int64_t offset,
    void *buf, size_t max, size_t *len, char *err);

/* One attachment named by an event held here, for sync (agent/blobsync.c). */
struct blob_ref {
	char *record;        /* owned: the entity of the event naming it */
	char hash[HASH_HEX];
	int64_t size;
	int held;            /* its blob is here */
	int urgent;          /* its record is urgent */
	int own;             /* an event of this station's unit names it */
	int original;        /* some event names it as a photo's original */
};

/* Every distinct (record, hash) named by an attachment event, the urgent
 * records' first, then in the order the events came, in *refs (a new
 * array of *n; blob_refs_free it). 0 or a database code. */
int blob_refs(struct ledger *lg, struct blob_ref **refs, size_t *n,
    char *err);
void blob_refs_free(struct blob_ref *refs, size_t n);

#endif
