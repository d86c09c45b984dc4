/*
 * ledger.h - a replica's event log and projections in one SQLite file.
 *
 * Invariants (proved by ledger_verify, i.e. `liandong verify`):
 *  1. Every stored event passes event_validate, and its columns equal its
 *     canonical text.
 *  2. This station's own events form a gap-free hash chain from seq 1;
 *     events of other stations chain wherever consecutive seqs are held.
 *  3. Every projection equals fold_events() of its entity's events, byte
 *     for byte, and its search row equals fold_search_text() of it.
 *  4. An event and the projection it changes are written in one
 *     transaction; a commit that returned is durable (WAL, FULL sync).
 */
#ifndef LD_LEDGER_H
#define LD_LEDGER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "event.h"
#include "util.h"

struct ledger;

/* Creates a new database for station/unit; fails with LD_EEXIST if path
 * already exists. */
int ledger_create(const char *path, const char *station, const char *unit,
    char *err);

int ledger_open(const char *path, struct ledger **out, char *err);
void ledger_free(struct ledger *lg);

const char *ledger_station(const struct ledger *lg);
const char *ledger_unit(const struct ledger *lg);

/* 0 if this station's role (meta "role", given by the server at
 * enrolment) may write kind (roles.h), else LD_EPERM with err saying so.
 * A station not enrolled has no role yet: the server checks on arrival. */
int ledger_may_write(struct ledger *lg, const char *kind, char *err);

/* Write transaction around one or more ledger_record calls. */
int ledger_begin(struct ledger *lg, char *err);
int ledger_commit(struct ledger *lg, char *err);
void ledger_rollback(struct ledger *lg);

/*
 * Records one event of this station: assigns seq, prev, hlc and at,
 * validates, stores and projects it. Must run inside ledger_begin. When
 * entity is NULL the kind must create an entity, whose new id is made
 * from this station and seq. audience NULL means this unit only. body is
 * borrowed. On success *entity_out (if not NULL) gets the entity id, which
 * the caller frees, and *ev_out (if not NULL) a copy of the event.
 * Returns 0, LD_EINVAL (bad body), LD_ENOTFOUND (entity unknown here),
 * LD_EPERM (see ledger_may_write) or a database code.
 */
int ledger_record(struct ledger *lg, const char *kind, const char *entity,
    const char *author, const json_t *audience, const json_t *body,
    char **entity_out, struct event *ev_out, char *err);

/* The projection of entity (new reference), or LD_ENOTFOUND. */
int ledger_get(struct ledger *lg, const char *entity, json_t **doc,
    char *err);

/* All events of entity in fold order. Free with events_free. */
int ledger_events_of(struct ledger *lg, const char *entity,
    struct event **evs, size_t *n, char *err);
void events_free(struct event *evs, size_t n);

struct ledger_query {
	const char *type;     /* entity type, required */
	const char *status;   /* NULL: any */
	const char *category; /* NULL: any */
	const char *since;    /* canonical time, NULL: open */
	const char *until;    /* canonical time, exclusive, NULL: open */
	const char *search;   /* full-text, NULL: none */
	const char *subtype;  /* complaint form or liaison activity */
	long limit;           /* 0: no limit */
	long offset;          /* skip as many first (a page) */
};

/* Projections matching q, newest first (array, new reference). */
int ledger_query(struct ledger *lg, const struct ledger_query *q,
    json_t **items, char *err);

/* Streams the projections matching q, in ledger_query's order, without
 * parsing them: fn gets, for each, the value at each of paths (keys, "a.b"
 * for nested ones; at most 16): types[i] its JSON type as SQLite's
 * json_type names it ("text", "integer", "real", "true", "false",
 * "object", "array"), NULL when absent or null, and vals[i] its text: a
 * string's as it is (not quoted), a number's, an object's or array's
 * compact JSON; NULL for true, false, null and absent. Both borrowed
 * during the call. Stops early when fn returns non-zero. */
int ledger_query_each(struct ledger *lg, const struct ledger_query *q,
    const char *const *paths, size_t npaths,
    int (*fn)(const char *const *types, const char *const *vals, void *arg),
    void *arg, char *err);

/* Folds every record afresh from its events, in one scan of them in fold
 * order, and calls fn with each entity id, in order, and its fresh
 * projection (borrowed during the call), or doc NULL when one of its
 * events no longer parses or validates as when it was stored (hash
 * included); stops early when fn returns non-zero. Nothing is written:
 * the caller compares or saves. With LEDGER_FOLD_STORED in flags the
 * events are parsed for their shape only, their schema and hash taken as
 * stored: for a caller that has just checked every event (verify). */
#define LEDGER_FOLD_STORED 1
int ledger_fold_all(struct ledger *lg, int flags,
    int (*fn)(const char *entity, const json_t *doc, void *arg), void *arg,
    char *err);

/* Calls fn for every event in local receipt order (after > 0 skips the
 * first ones); stops early when fn returns non-zero. */
int ledger_foreach(struct ledger *lg, int64_t after,
    int (*fn)(const struct event *ev, int64_t id, void *arg), void *arg,
    char *err);

/* Settings kept in the database. *val is NULL (and 0 returned) when the
 * key is unset; the caller frees it. */
int ledger_meta_get(struct ledger *lg, const char *key, char **val,
    char *err);
int ledger_meta_set(struct ledger *lg, const char *key, const char *val,
    char *err);
/* A setting as a number, def when unset. */
int64_t ledger_meta_int(struct ledger *lg, const char *key, int64_t def);

/*
 * Stores an event received from the server: parses and validates raw,
 * ignores an event already held, refuses a different one under the same
 * (station, seq) with LD_EFORK, advances the clock past it and projects
 * it. Must run inside ledger_begin. *added is 1 when it was new.
 */
int ledger_receive(struct ledger *lg, const char *raw, size_t len,
    int *added, char *err);
/* The same, and when the event was new (*added 1), the event as parsed
 * into *out (initialised here; release it with event_release whatever
 * this returns), so that a caller wanting its kind or body does not
 * parse raw again. */
int ledger_receive_event(struct ledger *lg, const char *raw, size_t len,
    int *added, struct event *out, char *err);
/* The same for an event already parsed and validated by
 * event_parse_canonical (done apart, on another thread, while the last
 * one is stored): takes *parsed (left empty) and canon (its canonical
 * text, freed here) whatever this returns. */
int ledger_receive_parsed(struct ledger *lg, struct event *parsed,
    char *canon, int *added, struct event *out, char *err);

/* This station's events with seq > after, in order: at most limit, and
 * no more once max_bytes are passed. fn gets each canonical text. *more
 * is set when some were left. */
int ledger_own_after(struct ledger *lg, int64_t after, size_t limit,
    size_t max_bytes, int (*fn)(const char *raw, size_t len, void *arg),
    void *arg, int *more, char *err);

/* Number of this station's events (its last seq). */
int ledger_own_head(struct ledger *lg, int64_t *seq, char *err);

/*
 * When this database went back in time (restored from an older copy), the
 * server holds events of this station it lacks. ledger_receive takes them
 * when they continue its own chain. ledger_set_aside takes this station's
 * own events from seq from on out of the database (appending each, as
 * JSON, to out), their records folded again without them: those recorded
 * here that the server never got. ledger_rerecord records them again,
 * after the server's, with new seq, hlc and hash: a record they created
 * gets the new id of its new seq, and every later event naming it (its
 * entity, an id or "station/seq" in its body) follows; renamed gets
 * {"old id": "new id"} for the notice to the user. Nothing acknowledged
 * by the server is ever rewritten. Both in the caller's transaction.
 */
int ledger_set_aside(struct ledger *lg, int64_t from, json_t *out,
    char *err);
int ledger_rerecord(struct ledger *lg, const json_t *events,
    json_t *renamed, char *err);

/* A consistent copy of the whole database, as of one moment, into a new
 * file path (mode 0600; an existing file: LD_EEXIST). */
int ledger_backup(struct ledger *lg, const char *path, char *err);

/* Marks this database moved to another computer (meta "moved_at", ms):
 * from then on ledger_record refuses to write, and sync refuses to run,
 * so that one station's chain is never written on two computers. */
int ledger_mark_moved(struct ledger *lg, char *err);

/* LD_EPERM with err when the database was moved away, else 0. */
int ledger_check_not_moved(struct ledger *lg, char *err);

/* Count and XOR of the hashes of every event held (hash.h). */
int ledger_digest(struct ledger *lg, struct digest *d, char *err);

/* The digest of the events held whose seq is at most their station's
 * entry in heads ({"station": seq}: what the server holds of each chain;
 * a station absent counts as 0), and in *beyond how many are left out:
 * what this replica holds that the server does not (a server restored
 * from an older backup). by_station (if not NULL) gets {"station": n} of
 * those. */
int ledger_digest_within(struct ledger *lg, const json_t *heads,
    struct digest *d, int64_t *beyond, json_t *by_station, char *err);

/* Writes every projection's canonical text, one per line, sorted by
 * entity id (the same form as `liandong-server dump`). */
int ledger_dump(struct ledger *lg, FILE *out, char *err);

struct verify_report {
	long events;
	long stations;
	long entities;
	long blobs;    /* attachments' blobs held (blob.h) */
	long awaited;  /* other stations' attachments not held yet */
	long orphans;  /* blobs no event names (a note, not a problem) */
	long problems;
	char first[LD_ERRLEN]; /* the first problem found */
};

/* How many records a flush had encoded on its second thread (see
 * pending_flush_docs in ledger.c) since the process started: for tests. */
long ledger_encoded_aside(void);

/* The connection, for blob.c only (the blobs live in the same file,
 * written in the ledger's transactions). */
struct sqlite3 *ledger_sqlite(struct ledger *lg);

/* Checks invariants 1-3, blob.h's (every blob re-hashed) and SQLite's
 * own quick_check. Returns 0 when all
 * hold, LD_EINTEGRITY when a problem was found (report filled), or a
 * database code. */
int ledger_verify(struct ledger *lg, struct verify_report *r, char *err);

#endif
