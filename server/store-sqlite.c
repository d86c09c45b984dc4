/*
 * store-sqlite.c - the county server's default storage: one SQLite file.
 *
 * Tables: meta, stations, events (cursor = rowid, in receipt order),
 * routes (who receives what: its id is the cursor a unit pulls by) and
 * digests (per unit).
 *
 * Widening: when an event names a unit that has received nothing of its
 * entity yet (a referral escalated to the legal office), the entity's
 * earlier events are routed to that unit first, with new route ids, so
 * that it folds the whole history. Confidential events (the
 * complainant's identity) are never widened.
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "kinds.h"
#include "roles.h"
#include "store.h"
#include "util.h"

struct sqlite_store {
	struct store base;
	sqlite3 *db;
};

static const char *const migrations[] = {
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)"
	"  WITHOUT ROWID;"
	"CREATE TABLE stations("
	"  name TEXT PRIMARY KEY, unit TEXT NOT NULL, role TEXT NOT NULL,"
	"  added_at INTEGER NOT NULL, enrolled_at INTEGER NOT NULL DEFAULT 0,"
	"  revoked_at INTEGER NOT NULL DEFAULT 0,"
	"  code_hash TEXT NOT NULL DEFAULT '', code_expires INTEGER NOT NULL DEFAULT 0,"
	"  token_hash TEXT NOT NULL DEFAULT '',"
	"  last_sync INTEGER NOT NULL DEFAULT 0, cursor INTEGER NOT NULL DEFAULT 0,"
	"  head_seq INTEGER NOT NULL DEFAULT 0,"
	"  head_hash TEXT NOT NULL DEFAULT"
	"   '0000000000000000000000000000000000000000000000000000000000000000'"
	") WITHOUT ROWID;"
	"CREATE INDEX stations_unit ON stations(unit);"
	"CREATE TABLE events("
	"  cursor INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  station TEXT NOT NULL, seq INTEGER NOT NULL, hlc INTEGER NOT NULL,"
	"  kind TEXT NOT NULL, entity TEXT NOT NULL, hash TEXT NOT NULL,"
	"  raw TEXT NOT NULL, quarantine TEXT,"
	"  received_at INTEGER NOT NULL,"
	"  UNIQUE(station, seq));"
	"CREATE INDEX events_entity ON events(entity, hlc, station, seq);"
	"CREATE TABLE routes(id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  unit TEXT NOT NULL, event INTEGER NOT NULL, entity TEXT NOT NULL,"
	"  station TEXT NOT NULL, UNIQUE(unit, event));"
	"CREATE INDEX routes_pull ON routes(unit, id);"
	"CREATE INDEX routes_entity ON routes(unit, entity);"
	"CREATE TABLE digests(unit TEXT PRIMARY KEY, count INTEGER NOT NULL,"
	"  xor TEXT NOT NULL) WITHOUT ROWID",
	NULL,
};

#define S(s) (((struct sqlite_store *)(s))->db)

static void
sq_close(struct store *s)
{
	db_close(S(s));
	free(s);
}

static int
sq_begin(struct store *s, char *err)
{
	return db_begin(S(s), err);
}

static int
sq_commit(struct store *s, char *err)
{
	return db_commit(S(s), err);
}

static void
sq_rollback(struct store *s)
{
	db_rollback(S(s));
}

/* Runs a statement that returns no rows. */
static int
step_done(sqlite3 *db, sqlite3_stmt *st, const char *what, char *err)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, rc, what, err);
}

static int route_backfill(sqlite3 *db, const char *unit, const char *role,
    char *err);

static int
sq_station_add(struct store *s, const struct station_rec *r, char *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(S(s), "INSERT INTO stations(name, unit, role,"
	    " added_at, code_hash, code_expires) VALUES(?,?,?,?,?,?)", &st,
	    err)) != 0)
		return rc;
	db_bind_text(st, 1, r->name);
	db_bind_text(st, 2, r->unit);
	db_bind_text(st, 3, r->role);
	db_bind_int(st, 4, r->added_at);
	db_bind_text(st, 5, r->code_hash);
	db_bind_int(st, 6, r->code_expires);
	rc = step_done(S(s), st, _("cannot add the station"), err);
	if (rc == LD_EEXIST)
		rc = ld_fail(err, LD_EEXIST, _("station '%s' already exists"),
		    r->name);
	if (rc == 0)
		rc = route_backfill(S(s), r->unit, r->role, err);
	return rc;
}

#define STATION_COLS "name, unit, role, added_at, enrolled_at, revoked_at," \
	" code_hash, code_expires, token_hash, last_sync, cursor, head_seq," \
	" head_hash"

static void
row_station(sqlite3_stmt *st, struct station_rec *r)
{
	memset(r, 0, sizeof *r);
	ld_strlcpy(r->name, (const char *)sqlite3_column_text(st, 0),
	    sizeof r->name);
	r->unit = xstrdup((const char *)sqlite3_column_text(st, 1));
	r->role = xstrdup((const char *)sqlite3_column_text(st, 2));
	r->added_at = sqlite3_column_int64(st, 3);
	r->enrolled_at = sqlite3_column_int64(st, 4);
	r->revoked_at = sqlite3_column_int64(st, 5);
	ld_strlcpy(r->code_hash, (const char *)sqlite3_column_text(st, 6),
	    sizeof r->code_hash);
	r->code_expires = sqlite3_column_int64(st, 7);
	ld_strlcpy(r->token_hash, (const char *)sqlite3_column_text(st, 8),
	    sizeof r->token_hash);
	r->last_sync = sqlite3_column_int64(st, 9);
	r->cursor = sqlite3_column_int64(st, 10);
	r->head_seq = sqlite3_column_int64(st, 11);
	ld_strlcpy(r->head_hash, (const char *)sqlite3_column_text(st, 12),
	    sizeof r->head_hash);
}

static int
sq_station_get(struct store *s, const char *name, struct station_rec *out,
    char *err)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = db_prepare(S(s), "SELECT " STATION_COLS " FROM stations"
	    " WHERE name=?", &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		row_station(st, out);
		rc = 0;
	} else if (rc == SQLITE_DONE)
		rc = ld_fail(err, LD_ENOTFOUND, _("no station '%s'"), name);
	else
		rc = db_fail(S(s), rc, _("cannot read stations"), err);
	sqlite3_finalize(st);
	return rc;
}

static int
sq_station_list(struct store *s, struct station_rec **out, size_t *n,
    char *err)
{
	struct station_rec *recs = NULL;
	size_t cnt = 0;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(S(s), "SELECT " STATION_COLS " FROM stations"
	    " ORDER BY name", &st, err)) != 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		recs = xrealloc(recs, (cnt + 1) * sizeof *recs);
		row_station(st, &recs[cnt++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		station_recs_free(recs, cnt);
		return db_fail(S(s), rc, _("cannot read stations"), err);
	}
	*out = recs;
	*n = cnt;
	return 0;
}

static int
sq_station_update(struct store *s, const struct station_rec *r, char *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(S(s), "UPDATE stations SET enrolled_at=?,"
	    " revoked_at=?, code_hash=?, code_expires=?, token_hash=?,"
	    " last_sync=?, cursor=? WHERE name=?", &st, err)) != 0)
		return rc;
	db_bind_int(st, 1, r->enrolled_at);
	db_bind_int(st, 2, r->revoked_at);
	db_bind_text(st, 3, r->code_hash);
	db_bind_int(st, 4, r->code_expires);
	db_bind_text(st, 5, r->token_hash);
	db_bind_int(st, 6, r->last_sync);
	db_bind_int(st, 7, r->cursor);
	db_bind_text(st, 8, r->name);
	return step_done(S(s), st, _("cannot update the station"), err);
}

static int
sq_unit_known(struct store *s, const char *unit, int *known, char *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(S(s), "SELECT 1 FROM stations WHERE unit=?"
	    " LIMIT 1", &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, unit);
	rc = sqlite3_step(st);
	*known = rc == SQLITE_ROW;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
	    db_fail(S(s), rc, _("cannot read stations"), err);
}

static int
sq_event_hash(struct store *s, const char *station, int64_t seq,
    char hash[HASH_HEX], char *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(S(s), "SELECT hash FROM events WHERE station=?"
	    " AND seq=?", &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, station);
	db_bind_int(st, 2, seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ld_strlcpy(hash, (const char *)sqlite3_column_text(st, 0),
		    HASH_HEX);
		rc = 0;
	} else if (rc == SQLITE_DONE)
		rc = LD_ENOTFOUND;
	else
		rc = db_fail(S(s), rc, _("cannot read events"), err);
	sqlite3_finalize(st);
	return rc;
}

static int
get_digest(sqlite3 *db, const char *unit, struct digest *d, char *err)
{
	sqlite3_stmt *st;
	int rc;

	digest_init(d);
	if ((rc = db_prepare(db, "SELECT count, xor FROM digests WHERE unit=?",
	    &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, unit);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		d->count = sqlite3_column_int64(st, 0);
		ld_strlcpy(d->xor, (const char *)sqlite3_column_text(st, 1),
		    HASH_HEX);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
	    db_fail(db, rc, _("cannot read digests"), err);
}

/* Routes event (cursor) to unit and adds it to the unit's digest. */
static int
route(sqlite3 *db, const char *unit, int64_t cursor, const char *entity,
    const char *station, const char *hash, char *err)
{
	struct digest d;
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "INSERT OR IGNORE INTO routes(unit, event,"
	    " entity, station) VALUES(?,?,?,?)", &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, unit);
	db_bind_int(st, 2, cursor);
	db_bind_text(st, 3, entity);
	db_bind_text(st, 4, station);
	if ((rc = step_done(db, st, _("cannot route the event"), err)) != 0)
		return rc;
	if (sqlite3_changes(db) == 0)
		return 0;
	if ((rc = get_digest(db, unit, &d, err)) != 0)
		return rc;
	digest_add(&d, hash);
	if ((rc = db_prepare(db, "INSERT OR REPLACE INTO digests(unit,"
	    " count, xor) VALUES(?,?,?)", &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, unit);
	db_bind_int(st, 2, d.count);
	db_bind_text(st, 3, d.xor);
	return step_done(db, st, _("cannot update digests"), err);
}

/* Before a unit receives its first event of entity, routes it the
 * entity's earlier events (not the confidential ones, nor those kept to
 * their own unit). */
static int
widen(sqlite3 *db, const char *unit, const char *entity, int64_t cursor,
    char *err)
{
	sqlite3_stmt *st;
	int rc, known;

	if ((rc = db_prepare(db, "SELECT 1 FROM routes WHERE unit=? AND"
	    " entity=? LIMIT 1", &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, unit);
	db_bind_text(st, 2, entity);
	rc = sqlite3_step(st);
	known = rc == SQLITE_ROW;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, rc, _("cannot read routes"), err);
	if (known)
		return 0;
	if ((rc = db_prepare(db, "SELECT cursor, station, hash FROM events"
	    " WHERE entity=? AND cursor<? AND kind<>'complaint.identity'"
	    " AND coalesce(quarantine, '') NOT LIKE 'role_forbidden%'"
	    " ORDER BY hlc, station, seq", &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, entity);
	db_bind_int(st, 2, cursor);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char station[STATION_MAX + 1], hash[HASH_HEX];
		int64_t c = sqlite3_column_int64(st, 0);
		int rrc;

		ld_strlcpy(station, (const char *)sqlite3_column_text(st, 1),
		    sizeof station);
		ld_strlcpy(hash, (const char *)sqlite3_column_text(st, 2),
		    sizeof hash);
		if ((rrc = route(db, unit, c, entity, station, hash, err)) != 0) {
			sqlite3_finalize(st);
			return rrc;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, rc,
	    _("cannot read events"), err);
}

/* 1 if a quarantine reason keeps the event to its own unit. */
static int
role_private(const char *quarantine)
{
	return quarantine != NULL &&
	    strncmp(quarantine, "role_forbidden", 14) == 0;
}

/* Routes an event to every unit whose role sees its type county-wide
 * (roles.h), with the entity's earlier events if the unit lacks them. */
static int
route_watchers(sqlite3 *db, const struct event *ev, int64_t cursor,
    char *err)
{
	const struct entity_type *t = entity_type_of(ev->entity);
	sqlite3_stmt *st;
	int rc;

	if (t == NULL)
		return 0;
	if ((rc = db_prepare(db, "SELECT DISTINCT unit, role FROM stations"
	    " WHERE revoked_at = 0", &st, err)) != 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char unit[UNIT_MAX * 4 + 1];
		int rrc;

		if (!role_watches((const char *)sqlite3_column_text(st, 1),
		    t->name, ev->kind))
			continue;
		ld_strlcpy(unit, (const char *)sqlite3_column_text(st, 0),
		    sizeof unit);
		if ((rrc = widen(db, unit, ev->entity, cursor, err)) != 0 ||
		    (rrc = route(db, unit, cursor, ev->entity, ev->station,
		    ev->hash, err)) != 0) {
			sqlite3_finalize(st);
			return rrc;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, rc,
	    _("cannot read stations"), err);
}

/* A unit given a role that sees more receives what the county already
 * holds of those types, in receipt order. */
static int
route_backfill(sqlite3 *db, const char *unit, const char *role, char *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "SELECT cursor, entity, station, hash, kind,"
	    " quarantine FROM events ORDER BY cursor", &st, err)) != 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *entity = (const char *)sqlite3_column_text(st, 1);
		const struct entity_type *t = entity_type_of(entity);
		int rrc;

		if (t == NULL || role_private((const char *)
		    sqlite3_column_text(st, 5)) || !role_watches(role, t->name,
		    (const char *)sqlite3_column_text(st, 4)))
			continue;
		if ((rrc = route(db, unit, sqlite3_column_int64(st, 0), entity,
		    (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3), err)) != 0) {
			sqlite3_finalize(st);
			return rrc;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, rc,
	    _("cannot read events"), err);
}

static int
sq_event_insert(struct store *s, const struct event *ev, const char *raw,
    const char *quarantine, int64_t *cursor, char *err)
{
	sqlite3 *db = S(s);
	sqlite3_stmt *st;
	json_t *u;
	size_t i;
	int rc;

	if ((rc = db_prepare(db, "INSERT INTO events(station, seq, hlc, kind,"
	    " entity, hash, raw, quarantine, received_at)"
	    " VALUES(?,?,?,?,?,?,?,?,strftime('%s','now'))", &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, ev->station);
	db_bind_int(st, 2, ev->seq);
	db_bind_int(st, 3, ev->hlc);
	db_bind_text(st, 4, ev->kind);
	db_bind_text(st, 5, ev->entity);
	db_bind_text(st, 6, ev->hash);
	db_bind_text(st, 7, raw);
	db_bind_text(st, 8, quarantine);
	if ((rc = step_done(db, st, _("cannot store the event"), err)) != 0)
		return rc;
	*cursor = sqlite3_last_insert_rowid(db);

	if ((rc = db_prepare(db, "UPDATE stations SET head_seq=?, head_hash=?"
	    " WHERE name=? AND head_seq=?", &st, err)) != 0)
		return rc;
	db_bind_int(st, 1, ev->seq);
	db_bind_text(st, 2, ev->hash);
	db_bind_text(st, 3, ev->station);
	db_bind_int(st, 4, ev->seq - 1);
	if ((rc = step_done(db, st, _("cannot update the station"), err)) != 0)
		return rc;
	if (sqlite3_changes(db) != 1)
		return ld_fail(err, LD_EINTERNAL,
		    "event %s/%lld does not follow the station's head",
		    ev->station, (long long)ev->seq);

	/* An event of a kind its station's role may not write stays with
	 * its own unit (merge.h). */
	if (role_private(quarantine))
		return route(db, ev->unit, *cursor, ev->entity, ev->station,
		    ev->hash, err);
	json_array_foreach(ev->audience, i, u) {
		const char *unit = json_string_value(u);

		if ((rc = widen(db, unit, ev->entity, *cursor, err)) != 0 ||
		    (rc = route(db, unit, *cursor, ev->entity, ev->station,
		    ev->hash, err)) != 0)
			return rc;
	}
	return route_watchers(db, ev, *cursor, err);
}

static int
sq_events_for_unit(struct store *s, const char *unit,
    const char *exclude_station, int64_t after, size_t limit,
    size_t max_bytes, store_event_fn fn, void *arg, int *more, char *err)
{
	sqlite3_stmt *st;
	size_t n = 0, bytes = 0;
	int rc;

	*more = 0;
	if ((rc = db_prepare(S(s), "SELECT r.id, e.raw FROM routes r"
	    " JOIN events e ON e.cursor=r.event"
	    " WHERE r.unit=? AND r.id>? AND r.station<>?"
	    " ORDER BY r.id LIMIT ?", &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, unit);
	db_bind_int(st, 2, after);
	db_bind_text(st, 3, exclude_station ? exclude_station : "");
	db_bind_int(st, 4, (long long)limit + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t len = (size_t)sqlite3_column_bytes(st, 1);
		if (n == limit || (n > 0 && bytes + len > max_bytes)) {
			*more = 1;
			rc = SQLITE_DONE;
			break;
		}
		if (fn(sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1), len, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
		n++;
		bytes += len;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(S(s), rc,
	    _("cannot read events"), err);
}

static int
sq_backlog(struct store *s, const char *unit, const char *station,
    int64_t after, int64_t *n, char *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(S(s), "SELECT count(*) FROM routes WHERE unit=?"
	    " AND id>? AND station<>?", &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, unit);
	db_bind_int(st, 2, after);
	db_bind_text(st, 3, station);
	rc = sqlite3_step(st);
	*n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : db_fail(S(s), rc,
	    _("cannot count events"), err);
}

static int
sq_digest(struct store *s, const char *unit, struct digest *d, char *err)
{
	return get_digest(S(s), unit, d, err);
}

static int
sq_entity_events(struct store *s, const char *entity, const char *unit,
    store_event_fn fn, void *arg, char *err)
{
	sqlite3_stmt *st;
	int rc;

	rc = db_prepare(S(s), unit != NULL ?
	    "SELECT e.cursor, e.raw FROM events e JOIN routes r"
	    " ON r.event=e.cursor AND r.unit=?2 WHERE e.entity=?1"
	    " ORDER BY e.hlc, e.station, e.seq" :
	    "SELECT cursor, raw FROM events WHERE entity=?1"
	    " ORDER BY hlc, station, seq", &st, err);
	if (rc != 0)
		return rc;
	db_bind_text(st, 1, entity);
	if (unit != NULL)
		db_bind_text(st, 2, unit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1), arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(S(s), rc,
	    _("cannot read events"), err);
}

static int
sq_entities(struct store *s, const char *unit,
    int (*fn)(const char *entity, void *arg), void *arg, char *err)
{
	sqlite3_stmt *st;
	int rc;

	rc = db_prepare(S(s), unit != NULL ?
	    "SELECT DISTINCT entity FROM routes WHERE unit=? ORDER BY entity" :
	    "SELECT DISTINCT entity FROM events ORDER BY entity", &st, err);
	if (rc != 0)
		return rc;
	if (unit != NULL)
		db_bind_text(st, 1, unit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn((const char *)sqlite3_column_text(st, 0), arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(S(s), rc,
	    _("cannot read events"), err);
}

static int
sq_meta_get(struct store *s, const char *key, char **val, char *err)
{
	sqlite3_stmt *st;
	int rc;

	*val = NULL;
	if ((rc = db_prepare(S(s), "SELECT value FROM meta WHERE key=?", &st,
	    err)) != 0)
		return rc;
	db_bind_text(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*val = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? LD_ENOTFOUND : db_fail(S(s), rc,
	    _("cannot read settings"), err);
}

static int
sq_meta_set(struct store *s, const char *key, const char *val, char *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(S(s), "INSERT OR REPLACE INTO meta(key, value)"
	    " VALUES(?,?)", &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, val);
	return step_done(S(s), st, _("cannot save settings"), err);
}

static const struct store_ops sqlite_ops = {
	"sqlite",
	sq_close, sq_begin, sq_commit, sq_rollback,
	sq_station_add, sq_station_get, sq_station_list, sq_station_update,
	sq_unit_known,
	sq_event_hash, sq_event_insert, sq_events_for_unit, sq_backlog,
	sq_digest, sq_entity_events, sq_entities,
	sq_meta_get, sq_meta_set,
};

int
store_sqlite_open(const char *path, int create, struct store **out,
    char *err)
{
	struct sqlite_store *s = xcalloc(1, sizeof *s);
	int rc;

	*out = NULL;
	rc = db_open(path, create ? DB_CREATE | DB_EXCLUSIVE : 0, migrations,
	    &s->db, err);
	if (rc != 0) {
		free(s);
		return rc;
	}
	s->base.ops = &sqlite_ops;
	*out = &s->base;
	return 0;
}
