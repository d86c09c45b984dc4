/*
 * store.h - the county server's storage, behind a table of functions so
 * that a PostgreSQL backend can sit beside the SQLite one without the HTTP
 * or merge code knowing which it talks to.
 *
 * Contract for every backend:
 *  - events are never changed or deleted; each gets an event cursor,
 *    strictly increasing in receipt order (event_insert's *cursor);
 *  - each route (an event to a unit, widening included) gets a route
 *    cursor, strictly increasing: what stations pull by (the cursor
 *    events_for_unit hands out, and a station's cursor). The two differ
 *    as soon as an event widens or watchers are routed;
 *  - event_insert updates, in the caller's transaction, the station's head
 *    (seq, hash, hlc), the routing rows (one per audience unit in the
 *    county's directory, never one outside it) and the digest (count and
 *    XOR of event hashes) of every audience unit, and records the parts
 *    the event grants on its entity (merge.h) unless it is private;
 *  - a private event (quarantined to its author's unit, merge.h) is
 *    routed to that unit only, widens nothing, grants nothing, and is
 *    left out of the county's views;
 *  - the text of a confidential event (the complainant's identity) is
 *    never written in plain text: the store seals it with the vault it
 *    was opened with, and every read hands out the canonical text again;
 *  - event_insert marks the event's entity for its stored projection to
 *    be refolded (projections_stale, projection.h), in the caller's
 *    transaction;
 *  - each call returns 0 or an LD_E* code with err filled.
 */
#ifndef LD_STORE_H
#define LD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct vault;
struct account_ops;

/* The meta key naming the identity key (vault.h) every confidential
 * event was last sealed under by store_ops.reseal. */
#define STORE_META_IDENTITY_KEY "identity_key"

struct station_rec {
	char name[STATION_MAX + 1];
	char *unit;            /* owned */
	char *role;            /* owned */
	int64_t added_at;
	int64_t enrolled_at;   /* 0: not yet */
	int64_t revoked_at;    /* 0: active */
	int64_t code_expires;  /* 0: no code pending */
	int64_t last_sync;     /* 0: never */
	int64_t cursor;        /* last cursor the station acknowledged */
	int64_t head_seq;      /* highest contiguous seq held */
	char head_hash[HASH_HEX];
	int64_t head_hlc;      /* hlc of the event at head_seq, 0 for none */
	int64_t epoch;         /* the last given to its database, 0: none */
	int64_t replaced_lo;   /* epochs in (lo, hi] went to a copy that */
	int64_t replaced_hi;   /* another one replaced (api.c, copies) */
	char token_hash[HASH_HEX]; /* "" when none */
	char code_hash[HASH_HEX];  /* "" when none */
};

void station_rec_release(struct station_rec *r);

/* A unit of the county's directory (directory.h): declared by the
 * county, or the unit of a station, or both. */
struct unit_rec {
	char *name;            /* owned */
	char *role;            /* owned; "" when declared without one */
	int declared;          /* added by 'liandong-server unit add' */
	int stations;          /* its stations not revoked */
	int64_t added_at;      /* the earliest declaration or station */
};

void unit_recs_free(struct unit_rec *u, size_t n);

/* One event handed out: its cursor (0 where none applies), when the
 * server first held it (ms of the server's clock: a receiving unit's
 * deadlines count from it, docs/rules.md) and its canonical text. */
typedef int (*store_event_fn)(int64_t cursor, int64_t received_at,
    const char *raw, size_t len, void *arg);

struct store;

struct store_ops {
	const char *name;
	void (*close)(struct store *s);
	int (*begin)(struct store *s, char *err);
	int (*commit)(struct store *s, char *err);
	void (*rollback)(struct store *s);

	int (*station_add)(struct store *s, const struct station_rec *r,
	    char *err);
	int (*station_get)(struct store *s, const char *name,
	    struct station_rec *out, char *err);
	/* All stations, ordered by name; free with station_recs_free. */
	int (*station_list)(struct store *s, struct station_rec **out,
	    size_t *n, char *err);
	/* Writes the mutable fields of r (token, code, dates, cursor);
	 * LD_ENOTFOUND when there is no such station. */
	int (*station_update)(struct store *s, const struct station_rec *r,
	    char *err);
	/* Inside the caller's transaction, reads the station as station_get
	 * does and holds it until the transaction ends: no other
	 * transaction, of this process or another one on the same database,
	 * changes the station (its head, cursor, epoch, token) meanwhile;
	 * one that asks for it too waits (LD_ELOCKED past the store's lock
	 * timeout). What a push decides on the head it reads stays true up
	 * to its commit. */
	int (*station_lock)(struct store *s, const char *name,
	    struct station_rec *out, char *err);
	/* 1 in *known if unit is in the county's directory: some station
	 * belongs to it, or the county declared it (unit_add). */
	int (*unit_known)(struct store *s, const char *unit, int *known,
	    char *err);

	/* The hash of (station, seq), or LD_ENOTFOUND. */
	int (*event_hash)(struct store *s, const char *station, int64_t seq,
	    char hash[HASH_HEX], char *err);
	/* Stores a validated event (raw is its canonical text). quarantine
	 * is NULL or the reason it breaks a business rule; private_ keeps it
	 * to its author's unit. Each route it makes (widening included)
	 * takes one from *budget (NULL: no limit): past zero it stops and
	 * returns LD_ETOOBIG, and the caller rolls back. The head is checked
	 * at once (LD_EEXIST, a gap). On PostgreSQL, in a transaction that
	 * holds ev's station (station_lock), the event may wait for its
	 * cursor (*cursor 0) until the transaction's next read of events,
	 * routes, digests or stations, or its commit: it is numbered and
	 * routed there, and what it would have returned (LD_ETOOBIG, its
	 * budget being the one of the transaction's first such call, as
	 * it was then) that call returns. event_hash, unit_known and parts
	 * answer as if it were stored. */
	int (*event_insert)(struct store *s, const struct event *ev,
	    const char *raw, const char *quarantine, int private_,
	    int64_t *budget, int64_t *cursor, char *err);
	/* The parts (merge.h) unit holds on entity, 0 when none. */
	int (*parts)(struct store *s, const char *entity, const char *unit,
	    int *parts, char *err);
	/* Events routed to unit with cursor > after, not written by
	 * exclude_station, in cursor order, at most limit of them and about
	 * max_bytes; *more says whether any remain after them. */
	int (*events_for_unit)(struct store *s, const char *unit,
	    const char *exclude_station, int64_t after, size_t limit,
	    size_t max_bytes, store_event_fn fn, void *arg, int *more,
	    char *err);
	/* How many events routed to unit, not by station, are after cursor. */
	int (*backlog)(struct store *s, const char *unit, const char *station,
	    int64_t after, int64_t *n, char *err);
	int (*digest)(struct store *s, const char *unit, struct digest *d,
	    char *err);
	/* Events of entity visible to unit (NULL: all), in fold order. */
	int (*entity_events)(struct store *s, const char *entity,
	    const char *unit, store_event_fn fn, void *arg, char *err);
	/* Distinct entities visible to unit (NULL: all), sorted. */
	int (*entities)(struct store *s, const char *unit,
	    int (*fn)(const char *entity, void *arg), void *arg, char *err);
	int (*meta_get)(struct store *s, const char *key, char **val,
	    char *err);
	int (*meta_set)(struct store *s, const char *key, const char *val,
	    char *err);

	/* Seals every confidential event under the vault's key keyid, in
	 * the caller's transaction: re-seals those sealed under other keys,
	 * seals those a server older than the vault stored in plain text.
	 * *n: how many. The old texts may stay in free space until compact. */
	int (*reseal)(struct store *s, const char *keyid, int64_t *n,
	    char *err);
	/* Leaves nothing of overwritten rows in the files (rebuilds the
	 * database, empties its log); outside a transaction, with no other
	 * process reading (LD_ELOCKED otherwise). */
	int (*compact)(struct store *s, char *err);
	/* Copies the database as of one moment into a new file path, mode
	 * 0600, while others may write; an existing file: LD_EEXIST. */
	int (*backup)(struct store *s, const char *path, char *err);
	/* The county's unit directory: the units of the stations, and the
	 * units the county declares without one. unit_add declares one
	 * (role "" for none; LD_EEXIST if declared already), unit_remove
	 * takes a declaration back (LD_ENOTFOUND if there is none; a unit
	 * with a station stays in the directory by its station). */
	int (*unit_add)(struct store *s, const char *name, const char *role,
	    int64_t at, char *err);
	int (*unit_remove)(struct store *s, const char *name, char *err);
	/* Every unit of the directory once, in strcmp order of names;
	 * free with unit_recs_free. */
	int (*unit_list)(struct store *s, struct unit_rec **out, size_t *n,
	    char *err);
	/* Removes a station the server holds no event of (added by mistake,
	 * never used): LD_ENOTFOUND if there is none, LD_EEXIST if it has
	 * events (revoke it instead). */
	int (*station_remove)(struct store *s, const char *name, char *err);
	/* The events of station with seq > after, in seq order, at most limit
	 * (their cursors passed as 0); *more says whether any remain. */
	int (*own_events)(struct store *s, const char *station, int64_t after,
	    size_t limit, store_event_fn fn, void *arg, int *more, char *err);
	/* For each station with events routed to unit, in name order, the
	 * highest seq of those events: how far the unit's digest reaches
	 * into each chain, and nothing of events the unit cannot see. */
	int (*heads)(struct store *s, const char *unit,
	    int (*fn)(const char *station, int64_t seq, void *arg), void *arg,
	    char *err);
	/* The highest route cursor of unit, 0 when it has none. */
	int (*route_head)(struct store *s, const char *unit, int64_t *id,
	    char *err);
	/* The dashboard's accounts, sessions and audit log (accounts.h). */
	const struct account_ops *accounts;

	/* The county's stored projections (projection.h). projection_put
	 * replaces entity's: doc (its text), events (how many events of it
	 * the county sees: every one not private) and its times (ntimes
	 * of them, no two equal), or with doc NULL drops it; the store adds
	 * how many private events it holds of entity, and takes entity off
	 * the records to refold; in the caller's transaction.
	 * projections_read hands fn, in entity order, each
	 * record with a time in [from, to), once, or every one when from is
	 * INT64_MIN and to INT64_MAX: with unit NULL, every stored
	 * projection; with a unit, every entity routed to it, its stored
	 * projection when the unit holds as many of its events as the
	 * county sees and it has no private one (the unit then sees exactly
	 * the county's events), else with doc NULL, whatever its times, for
	 * the caller to fold from what the unit sees. fn returning non-zero
	 * stops. projections_stale hands fn at most limit of the records
	 * event_insert marked to refold (every event it stores marks its
	 * entity), in entity order. projections_clear drops them all, and
	 * every mark. */
	int (*projection_put)(struct store *s, const char *entity,
	    const char *doc, int64_t events, const int64_t *times,
	    size_t ntimes, char *err);
	int (*projections_read)(struct store *s, const char *unit,
	    int64_t from, int64_t to,
	    int (*fn)(const char *entity, const char *doc, size_t len,
	    void *arg), void *arg, char *err);
	int (*projections_stale)(struct store *s, size_t limit,
	    int (*fn)(const char *entity, void *arg), void *arg, char *err);
	int (*projections_clear)(struct store *s, char *err);

	/* The longest wait, in milliseconds, for a lock another holds,
	 * from now on on this store's connection (and those it makes
	 * again): past it the statement fails, LD_ELOCKED. 5 s at open
	 * (LIANDONG_BUSY_TIMEOUT_MS). */
	int (*set_lock_wait)(struct store *s, long ms, char *err);
};

struct store {
	const struct store_ops *ops;
};

void station_recs_free(struct station_rec *r, size_t n);

/* Opens the backend named by url: a postgresql:// or postgres:// URL
 * (libpq's, store-pg.c), else a path (SQLite). create: make a new
 * database (on PostgreSQL: the store's tables in an existing database
 * that holds none yet). vault (borrowed, must outlive the store) seals and opens the
 * confidential events; without one, storing such an event fails. */
int store_open(const char *url, int create, const struct vault *vault,
    struct store **out, char *err);

int store_sqlite_open(const char *path, int create,
    const struct vault *vault, struct store **out, char *err);

int store_pg_open(const char *url, int create, const struct vault *vault,
    struct store **out, char *err);

/* 1 if url names a PostgreSQL database (store_pg_open's). */
int store_is_pg(const char *url);

#endif
