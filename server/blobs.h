/*
 * blobs.h - the county server's copies of attachments (issue 18): files
 * in the server directory's blobs/, received in chunks that resume where
 * a dropped link, a restart or a day's wait left them (docs/protocol.md,
 * "Attachments"; why files and not the database: docs/architecture.md).
 * On PostgreSQL the same interface keeps them in the database, shared
 * by every instance (blobs_open_store, blobs-pg.c): the invariants below
 * hold there by rows, transactions and advisory locks, as its header
 * says, where this one speaks of files, fsyncs and the mutex.
 *
 * Invariants:
 *  1. blobs/HASH exists only whole: its bytes hash to HASH, their size is
 *     the size the event naming it claims, and their first bytes are of
 *     the type it claims (sniff.h). It is made by renaming a part after
 *     that check and an fsync, then the directory's fsync.
 *  2. a part (3) holds a prefix of the file, each chunk of it
 *     checked against its SHA-256 and fsynced before it is acknowledged:
 *     what a station was told is held survives a crash, so no
 *     acknowledged chunk is ever asked for again.
 *  3. A station's part is its own, blobs/HASH.SIZE.STATION.part: what
 *     went into it came from that station alone. Its size counts against
 *     the station's quota (blobs/quota/STATION, bytes, replaced whole)
 *     from when it is made for its first chunk (a first write that fails
 *     removes it and counts it back), and is counted back when the part
 *     goes without becoming the stored file (refused whole, the file
 *     was stored meanwhile by another, or abandoned, 6): only bytes kept
 *     are charged. The parts' sizes together stay under the in-flight
 *     limit, and one station's under its own.
 *  4. blobs/HASH.units lists, one a line, the units that hold the file
 *     legitimately: those that sent all its bytes themselves (a part of
 *     theirs that hashed to HASH, or a proof, 5), and those it was given
 *     to by right (api.c). A unit is added, never removed, by replacing
 *     the list whole (fsync, rename, the directory's fsync).
 *  5. A station of a unit not among a whole file's holders is answered
 *     as if the server held nothing of it: the chunks it sends are
 *     compared with the file, never written to it, its progress kept in
 *     blobs/HASH.STATION.proof ("OFFSET OK", replaced whole); when all
 *     the bytes were the file's, its unit becomes a holder. Nothing is
 *     charged for them.
 *  6. A part or a proof not written for part_ttl_ms (by ltime_now: each
 *     chunk sets its file's mtime to it) is abandoned: removed, and a
 *     part's size counted back (3), when the directory is opened, when a
 *     new file would pass a limit, and at most hourly otherwise. A part
 *     a request is working on is never removed (7).
 *  7. One lock guards the directory's names, the holders and the quotas;
 *     a station's part (and proof) of one file is worked on by one
 *     request at a time (the others of the same station and file wait),
 *     so that the chunk's write and fsync and the whole file's hash are
 *     done without the lock: another station is never kept waiting by a
 *     large file being finished.
 * Authority is the caller's (api.c): these functions store and hand out
 * bytes, never decide who may.
 */
#ifndef LD_BLOBS_H
#define LD_BLOBS_H

#include <stddef.h>
#include <stdint.h>

#include "hash.h"

/* The most bytes one chunk carries, either way. */
#define BLOBS_CHUNK (64 * 1024)

struct blobs_limits {
	int64_t max_size;      /* bytes of one file; 0: no bound */
	int64_t station_quota; /* bytes one station may send in all; 0: none */
	int64_t max_inflight;  /* bytes of the parts being received; 0: none */
	int64_t station_inflight; /* of one station's parts; 0: none */
	int64_t part_ttl_ms;   /* a part not written for so long is abandoned
	                        * (invariant 6); 0: never */
};

/* What the event naming a file says of it. */
struct blobs_claim {
	char hash[HASH_HEX];
	int64_t size;
	char type[64];   /* media type, kinds.c's attachment_types */
	char name[256];  /* the file's name, for sniff_type */
};

struct blobs;

/* Who sends or asks: a station and its unit (borrowed). */
struct blobs_who {
	const char *station;
	const char *unit;
};

/* Opens (making it when missing) the directory dir. 0 or LD_EFULL. */
int blobs_open(const char *dir, const struct blobs_limits *l,
    struct blobs **out, char *err);

/*
 * The server's files where its store keeps them: in dir as blobs_open
 * when store_url names SQLite (or is NULL); in the PostgreSQL database
 * store_url names when it is one (blobs-pg.c), shared by every instance
 * on it, the same invariants held by tables, transactions and advisory
 * locks instead of files and a mutex. There, whole files left in dir by
 * a server before this one are imported once (their holders with them;
 * parts and proofs are not: those stations send again from 0), and dir
 * is renamed DIR.imported when it held any. 0, LD_EDB (PostgreSQL unreachable) or
 * LD_EFULL.
 */
int blobs_open_store(const char *dir, const char *store_url,
    const struct blobs_limits *l, struct blobs **out, char *err);
void blobs_free(struct blobs *b);

/* How much of c's file w's station has sent: *have bytes of it,
 * *complete when the file is whole and w's unit among its holders; a file
 * whole but not held by w's unit is answered as invariant 5 says. 0. */
int blobs_state(struct blobs *b, const struct blobs_who *w,
    const struct blobs_claim *c, int64_t *have, int *complete, char *err);

/* Whether hash is held whole. */
int blobs_whole(struct blobs *b, const char *hash);

/* Whether unit is among hash's holders (invariant 4). */
int blobs_holds(struct blobs *b, const char *hash, const char *unit);

/* Adds unit to hash's holders: it was given the file by right. 0 or
 * LD_EFULL. */
int blobs_add_holder(struct blobs *b, const char *hash, const char *unit,
    char *err);

/*
 * Adds len bytes at offset of c's file for w's station, chunk_hash (hex)
 * their SHA-256. Already held (offset + len <= *have, or complete as
 * blobs_state says): 0 and nothing written. Else offset must be what is
 * held (LD_EEXIST, *have saying where to go on), the bytes must hash to
 * chunk_hash (LD_EINTEGRITY) and fit in the file's size (LD_EINVAL). The
 * first chunk of a part is refused with LD_ETOOBIG over max_size,
 * station_quota or (the file alone) station_inflight, and with
 * LD_ELOCKED past station_inflight or max_inflight (try later); a
 * failed write is LD_EFULL. The last makes the file whole: refused, and
 * the part removed, when its hash is not c->hash (LD_EINTEGRITY) or its
 * type not c->type (LD_EINVAL). A file held whole already is proved, not
 * written (invariant 5): the last chunk is refused with LD_EINTEGRITY
 * when any of them differed. *have and *complete say where it stands
 * after; *did is "held" (nothing new), "stored" or "proved". Thread-safe.
 */
int blobs_put(struct blobs *b, const struct blobs_who *w,
    const struct blobs_claim *c, int64_t offset, const void *data,
    size_t len, const char *chunk_hash, int64_t *have, int *complete,
    const char **did, char *err);

/* Reads at most max bytes of the whole file hash from offset into buf
 * (*len of them; *size the file's). 0, LD_ENOTFOUND (not held whole),
 * LD_EINVAL (offset past the end) or LD_EFULL. */
int blobs_read(struct blobs *b, const char *hash, int64_t offset,
    void *buf, size_t max, size_t *len, int64_t *size, char *err);

/* Bytes of c's file station's part holds, or -1 when it has none. */
int64_t blobs_part(struct blobs *b, const struct blobs_claim *c,
    const char *station);

/* Calls fn with the hash of every file held whole, until fn returns
 * non-zero (which is returned). 0, or LD_EFULL / LD_EDB when the list
 * cannot be read. */
int blobs_each(struct blobs *b, int (*fn)(void *arg, const char *hash),
    void *arg, char *err);
/* Reads every file held whole again and hashes it (liandong-server
 * verify): *held of them, *bad not the bytes their hash names, each
 * given to bad_fn (when not NULL) with why. 0, or blobs_each's error. */
int blobs_verify(struct blobs *b, int64_t *held, int64_t *bad,
    void (*bad_fn)(void *arg, const char *hash, const char *why),
    void *arg, char *err);
/* Bytes counted against station's quota. */
int64_t blobs_used(struct blobs *b, const char *station);

/* Removes the abandoned parts and proofs (invariant 6) now; the number
 * removed. */
int blobs_sweep(struct blobs *b);

/* For tests, before any put: fn(arg, the part's path) is called when a
 * part is whole, before it is hashed (outside the lock, invariant 7). */
void blobs_set_finish_hook(struct blobs *b,
    void (*fn)(void *, const char *), void *arg);

#endif
