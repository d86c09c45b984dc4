/*
 * store-sqlite.c - the county server's default storage: one SQLite file.
 *
 * Tables: meta, stations, events (cursor = rowid, in receipt order),
 * routes (who receives what: its id is the cursor a unit pulls by),
 * digests (per unit) and units (the units the county declares without a
 * station: with the stations' units, the county's directory).
 *
 * Widening: when an event names a unit that has received nothing of its
 * entity yet (a referral escalated to the legal office), the entity's
 * earlier events are routed to that unit first, with new route ids, so
 * that it folds the whole history. Confidential events (the
 * complainant's identity, a confidential attachment: the events column
 * confidential, kind_body_confidential) are never widened nor seen by
 * role, nor are private ones.
 * Only an event the merge found entitled reaches here unprivate, so only
 * such an event widens (merge.h); no route ever names a unit outside the
 * county's directory.
 *
 * Parties: who holds which part on an entity (merge.h), granted by the
 * entitled events as they are stored; the merge asks for them through
 * sq_parts before deciding the next event. Migration 2 granted them for
 * the events stored before it, with the kinds' grants of its day written
 * as SQL: a migration is fixed once shipped, and a kind added later had
 * no events before it.
 *
 * Budget: every route made while storing one push takes one from the
 * caller's budget (s->budget, set for the length of one event_insert), so
 * that a push cannot make unbounded work by widening long records.
 *
 * Statements: every query is prepared once, when the store opens
 * (SQLITE_PREPARE_PERSISTENT), and kept in struct sqlite_store; stmt()
 * hands one out and done() resets it and clears its bindings after each
 * use, on every path, so that no statement holds a read open between
 * calls. No statement is used again while it is being stepped.
 *
 * Watchers: the (unit, role) pairs of the active stations, which every
 * event is routed by, are read once per transaction. Inside one (BEGIN
 * IMMEDIATE) no other process can add or revoke a station; the list is
 * dropped when the transaction ends and when this store changes a
 * station, and is not kept outside a transaction. So are the answers
 * of sq_unit_known (the directory), which the merge and the routing
 * ask for every event of a push: kept for the transaction, dropped
 * with the watchers and when this store declares or removes a unit.
 *
 * Routed and marked: inside a transaction, the (unit, entity) pairs
 * known to have a route and the entities marked stale (projections)
 * are kept in memory once a statement has made or found them, so that a
 * push's later events of the same record ask again neither whether its
 * audience holds the record (widen) nor mark it again. Routes are never
 * deleted; a mark is (projection_put, projections_clear), and forgets
 * the entities kept. Both are forgotten when the transaction ends.
 *
 * Heads: inside a transaction, the station whose events are being
 * stored has its head (head_seq, head_hash, head_hlc) written by its
 * first event, checked against the table there, then moved in memory
 * (s->head) by the next ones, each checked to follow it, and written
 * once when the transaction commits, or before the stations are read
 * (station_get, station_list) or another station's event is stored; a
 * rollback forgets it.
 *
 * Digests: inside a transaction, the digests a route changes are kept
 * in memory (read from the table the first time) and written once each,
 * when the transaction commits; a rollback forgets them. sq_digest reads
 * them there first. Outside a transaction route writes them at once.
 *
 * Confidential events (the complainant's identity): events.raw holds
 * their text sealed (vault.h), bound to the row's station and seq; it is
 * sealed in sq_event_insert and opened by row_raw wherever raw is read
 * (pull, entity events), so that callers see the canonical text only.
 * No other column holds anything of a body. reseal's statements, run
 * once per rotation, are prepared when used.
 *
 * Projections (projection.h): projections holds each record's county
 * projection, projection_times the times it can count by (one row
 * each), which a period reads by; sq_event_insert marks the entity of
 * every event it stores in projections_stale, for projection_ensure to
 * refold.
 * Their statements are kept apart from the others' (pj[]).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "kinds.h"
#include "ltime.h"
#include "merge.h"
#include "roles.h"
#include "store.h"
#include "store-sqlite.h"
#include "util.h"
#include "vault.h"

enum stmt_id {
	ST_STATION_ADD, ST_STATION_GET, ST_STATION_LIST, ST_STATION_UPDATE,
	ST_UNIT_KNOWN, ST_EVENT_HASH, ST_EVENT_INSERT, ST_HEAD_UPDATE,
	ST_PARTS, ST_GRANT,
	ST_DIGEST_GET, ST_DIGEST_SET, ST_ROUTE, ST_ROUTED, ST_EARLIER,
	ST_WATCHERS, ST_ALL_EVENTS, ST_PULL, ST_BACKLOG, ST_ENTITY_EVENTS,
	ST_ENTITY_EVENTS_ALL, ST_ENTITIES, ST_ENTITIES_ALL, ST_META_GET,
	ST_META_SET,
	ST_UNIT_ADD, ST_UNIT_REMOVE, ST_UNIT_LIST, ST_STATION_REMOVE, ST_OWN,
	ST_HEADS, ST_ROUTE_HEAD, ST_COUNT
};

#define STATION_COLS "name, unit, role, added_at, enrolled_at, revoked_at," \
	" code_hash, code_expires, token_hash, last_sync, cursor, head_seq," \
	" head_hash, head_hlc, epoch, replaced_lo, replaced_hi"

/* Not an event kept to its author's unit (merge.h): what every other
 * unit, widening and the county's view leave out. */
#define SHARED " private=0"

static const char *const stmt_sql[ST_COUNT] = {
	[ST_STATION_ADD] = "INSERT INTO stations(name, unit, role, added_at,"
	    " code_hash, code_expires) VALUES(?,?,?,?,?,?)",
	[ST_STATION_GET] = "SELECT " STATION_COLS " FROM stations WHERE name=?",
	[ST_STATION_LIST] = "SELECT " STATION_COLS " FROM stations"
	    " ORDER BY name",
	[ST_STATION_UPDATE] = "UPDATE stations SET enrolled_at=?,"
	    " revoked_at=?, code_hash=?, code_expires=?, token_hash=?,"
	    " last_sync=?, cursor=?, epoch=?, replaced_lo=?, replaced_hi=?"
	    " WHERE name=?",
	/* The directory: a station's unit, or one the county declared. */
	[ST_UNIT_KNOWN] = "SELECT 1 FROM stations WHERE unit=?1"
	    " UNION ALL SELECT 1 FROM units WHERE name=?1 LIMIT 1",
	[ST_EVENT_HASH] = "SELECT hash FROM events WHERE station=? AND seq=?",
	[ST_EVENT_INSERT] = "INSERT INTO events(station, seq, hlc, kind,"
	    " entity, hash, raw, quarantine, private, received_at,"
	    " confidential) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
	[ST_HEAD_UPDATE] = "UPDATE stations SET head_seq=?, head_hash=?,"
	    " head_hlc=? WHERE name=? AND head_seq=?",
	[ST_PARTS] = "SELECT coalesce(sum(part), 0) FROM parties"
	    " WHERE entity=? AND unit=?",
	[ST_GRANT] = "INSERT OR IGNORE INTO parties(entity, unit, part)"
	    " VALUES(?,?,?)",
	[ST_DIGEST_GET] = "SELECT count, xor FROM digests WHERE unit=?",
	[ST_DIGEST_SET] = "INSERT OR REPLACE INTO digests(unit, count, xor)"
	    " VALUES(?,?,?)",
	[ST_ROUTE] = "INSERT OR IGNORE INTO routes(unit, event, entity,"
	    " station) VALUES(?,?,?,?)",
	[ST_ROUTED] = "SELECT 1 FROM routes WHERE unit=? AND entity=? LIMIT 1",
	[ST_EARLIER] = "SELECT cursor, station, hash FROM events"
	    " WHERE entity=? AND cursor<? AND confidential=0"
	    " AND" SHARED
	    " ORDER BY hlc, station, seq",
	[ST_WATCHERS] = "SELECT DISTINCT unit, role FROM stations"
	    " WHERE revoked_at = 0",
	[ST_ALL_EVENTS] = "SELECT cursor, entity, station, hash, kind"
	    " FROM events WHERE" SHARED " AND confidential=0"
	    " ORDER BY cursor",
	[ST_PULL] = "SELECT r.id, e.raw, e.station, e.seq, e.received_at"
	    " FROM routes r"
	    " JOIN events e ON e.cursor=r.event"
	    " WHERE r.unit=? AND r.id>? AND r.station<>?"
	    " ORDER BY r.id LIMIT ?",
	[ST_BACKLOG] = "SELECT count(*) FROM routes WHERE unit=? AND id>?"
	    " AND station<>?",
	[ST_ROUTE_HEAD] = "SELECT max(id) FROM routes WHERE unit=?",
	[ST_ENTITY_EVENTS] = "SELECT e.cursor, e.raw, e.station, e.seq,"
	    " e.received_at"
	    " FROM events e JOIN routes r"
	    " ON r.event=e.cursor AND r.unit=?2 WHERE e.entity=?1"
	    " ORDER BY e.hlc, e.station, e.seq",
	/* The county's view: without what a role may not write (kept to
	 * its author's unit, merge.h). */
	[ST_ENTITY_EVENTS_ALL] = "SELECT cursor, raw, station, seq, received_at"
	    " FROM events"
	    " WHERE entity=?1"
	    " AND" SHARED
	    " ORDER BY hlc, station, seq",
	[ST_ENTITIES] = "SELECT DISTINCT entity FROM routes WHERE unit=?"
	    " ORDER BY entity",
	[ST_ENTITIES_ALL] = "SELECT DISTINCT entity FROM events"
	    " WHERE" SHARED
	    " ORDER BY entity",
	[ST_META_GET] = "SELECT value FROM meta WHERE key=?",
	[ST_META_SET] = "INSERT OR REPLACE INTO meta(key, value) VALUES(?,?)",
	[ST_UNIT_ADD] = "INSERT INTO units(name, role, added_at) VALUES(?,?,?)",
	[ST_UNIT_REMOVE] = "DELETE FROM units WHERE name=?",
	[ST_OWN] = "SELECT 0, raw, station, seq, received_at FROM events"
	    " WHERE station=? AND seq>?"
	    " ORDER BY seq LIMIT ?",
	[ST_HEADS] = "SELECT r.station, max(e.seq) FROM routes r"
	    " JOIN events e ON e.cursor=r.event WHERE r.unit=?"
	    " GROUP BY r.station ORDER BY r.station",
	[ST_STATION_REMOVE] = "DELETE FROM stations WHERE name=?1 AND head_seq=0"
	    " AND NOT EXISTS (SELECT 1 FROM events WHERE station=?1)",
	/* Each unit once: declared, with stations, or both (a unit has one
	 * role: the declared one is '' or its stations' one). */
	[ST_UNIT_LIST] = "SELECT name, max(role), max(declared),"
	    " sum(active), min(added_at) FROM ("
	    "  SELECT name, role, 1 AS declared, 0 AS active, added_at"
	    "   FROM units"
	    "  UNION ALL SELECT unit, role, 0, revoked_at = 0, added_at"
	    "   FROM stations)"
	    " GROUP BY name ORDER BY name",
};

/* The statements of the stored projections (projection.h). */
#define PJ_SAME "coalesce(p.private, 1)=0 AND coalesce(p.events, -1)=u.n"
enum proj_stmt_id {
	PJ_PUT, PJ_DROP, PJ_DROP_TIMES, PJ_TIME, PJ_READ, PJ_ALL, PJ_UNIT,
	PJ_UNIT_ALL, PJ_MARK, PJ_UNMARK, PJ_STALE, PJ_COUNT
};

static const char *const proj_sql[PJ_COUNT] = {
	[PJ_PUT] = "INSERT OR REPLACE INTO projections(entity, events, private,"
	    " doc) VALUES(?1, ?3, (SELECT count(*) FROM events"
	    "  WHERE entity=?1 AND private<>0), ?2)",
	[PJ_DROP] = "DELETE FROM projections WHERE entity=?",
	[PJ_DROP_TIMES] = "DELETE FROM projection_times WHERE entity=?",
	[PJ_TIME] = "INSERT OR IGNORE INTO projection_times(at, entity)"
	    " VALUES(?,?)",
	/* The records with a time in the period, each once, by entity. */
	[PJ_READ] = "SELECT p.entity, p.doc FROM projections p"
	    " WHERE p.entity IN (SELECT entity FROM projection_times"
	    "  WHERE at>=?1 AND at<?2)"
	    " ORDER BY p.entity",
	[PJ_ALL] = "SELECT entity, doc FROM projections ORDER BY entity",
	[PJ_MARK] = "INSERT OR IGNORE INTO projections_stale(entity) VALUES(?)",
	[PJ_UNMARK] = "DELETE FROM projections_stale WHERE entity=?",
	[PJ_STALE] = "SELECT entity FROM projections_stale ORDER BY entity"
	    " LIMIT ?",
	/* A unit's records: the stored projection where the unit holds
	 * every event the county sees of it (as many, none private), if it
	 * can count in the period; else NULL, whatever its times. */
	[PJ_UNIT] = "SELECT u.entity, CASE WHEN " PJ_SAME " THEN p.doc END"
	    " FROM (SELECT entity, count(*) AS n FROM routes WHERE unit=?3"
	    "  GROUP BY entity) u"
	    " LEFT JOIN projections p ON p.entity=u.entity"
	    " WHERE NOT (" PJ_SAME ") OR u.entity IN (SELECT entity"
	    "  FROM projection_times WHERE at>=?1 AND at<?2)"
	    " ORDER BY u.entity",
	[PJ_UNIT_ALL] = "SELECT u.entity, CASE WHEN " PJ_SAME " THEN p.doc END"
	    " FROM (SELECT entity, count(*) AS n FROM routes WHERE unit=?1"
	    "  GROUP BY entity) u"
	    " LEFT JOIN projections p ON p.entity=u.entity"
	    " ORDER BY u.entity",
};

/* A unit's digest changed in the open transaction, not yet written. */
struct pending_digest {
	char *unit;  /* owned */
	struct digest d;
};

/* A unit and the role of its stations. */
struct watcher {
	char *unit;  /* owned */
	char *role;  /* owned */
};

/* Whether a unit is in the county's directory (sq_unit_known). */
struct known_unit {
	char *unit;  /* owned */
	int known;
};

struct sqlite_store {
	struct store base;
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
	struct watcher *watchers; /* owned; valid while have_watchers */
	size_t nwatchers;
	int have_watchers;
	struct known_unit *units; /* owned; only inside a transaction */
	size_t nunits;
	struct pending_digest *digests; /* owned */
	json_t *routed;           /* owned: "unit\nentity" keys, or NULL */
	json_t *marked;           /* owned: entity keys, or NULL */
	struct {                  /* the head moved in the transaction */
		int held;             /* station's row last written at written */
		int64_t written;
		char station[STATION_MAX + 1];
		int64_t seq;
		char hash[HASH_HEX];
		hlc_t hlc;
	} head;
	size_t ndigests;
	int64_t *budget;          /* borrowed: routes left, or NULL */
	const struct vault *vault; /* borrowed: seals and opens identities */
	sqlite3_stmt *pj[PJ_COUNT]; /* the projections' statements */
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
	/* 2: authority (merge.h): parties, the station's last hlc, and the
	 * private events as a column rather than a reason's prefix. The
	 * parts of the events already held are granted as merge_grants
	 * would have (creator: an event whose entity is its own id). */
	"CREATE TABLE parties(entity TEXT NOT NULL, unit TEXT NOT NULL,"
	"  part INTEGER NOT NULL, PRIMARY KEY(entity, unit, part))"
	"  WITHOUT ROWID;"
	"ALTER TABLE stations ADD COLUMN head_hlc INTEGER NOT NULL DEFAULT 0;"
	"UPDATE stations SET head_hlc=coalesce((SELECT hlc FROM events e"
	"  WHERE e.station=stations.name AND e.seq=stations.head_seq), 0);"
	"ALTER TABLE events ADD COLUMN private INTEGER NOT NULL DEFAULT 0;"
	"UPDATE events SET private=1"
	"  WHERE coalesce(quarantine, '') LIKE 'role_forbidden%';"
	"INSERT OR IGNORE INTO parties SELECT entity,"
	"  json_extract(raw, '$.unit'), 1 FROM events WHERE private=0"
	"  AND entity=substr(entity, 1, 2) || station || '-' || seq;"
	"INSERT OR IGNORE INTO parties SELECT e.entity,"
	"  json_extract(e.raw, k.path), k.part FROM"
	"  events e JOIN (SELECT 'referral.sent' kind, '$.body.to' path, 2 part"
	"  UNION ALL SELECT 'referral.decided', '$.body.handler', 2"
	"  UNION ALL SELECT 'referral.escalated', '$.body.to', 4"
	"  UNION ALL SELECT 'complaint.referred', '$.body.to', 2"
	"  UNION ALL SELECT 'assist.requested', '$.body.to', 2"
	"  UNION ALL SELECT 'whistle.called', '$.body.to', 2"
	"  UNION ALL SELECT 'whistle.escalated', '$.body.to', 4"
	"  UNION ALL SELECT 'supervision.sent', '$.body.to', 2"
	"  UNION ALL SELECT 'meeting.resolution', '$.body.owner', 16) k"
	"  ON k.kind=e.kind WHERE e.private=0"
	"  AND json_extract(e.raw, k.path) IS NOT NULL;"
	"INSERT OR IGNORE INTO parties SELECT e.entity, j.value, 8 FROM events e,"
	"  json_each(e.raw, '$.body.units') j"
	"  WHERE e.kind='meeting.scheduled' AND e.private=0",
	/* 3: the units the county declares without a station. */
	"CREATE TABLE units(name TEXT PRIMARY KEY, role TEXT NOT NULL DEFAULT '',"
	"  added_at INTEGER NOT NULL) WITHOUT ROWID",
	/* 4: the copies of a station's database (api.c, copies). */
	"ALTER TABLE stations ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE stations ADD COLUMN replaced_lo INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE stations ADD COLUMN replaced_hi INTEGER NOT NULL DEFAULT 0",
	/* 5: when the server first held each event, in ms of its clock
	 * (ltime_now, which a test pins) rather than seconds of SQLite's:
	 * a receiving unit's deadlines count from it (docs/rules.md). */
	"UPDATE events SET received_at=received_at*1000",
	/* 6: the dashboard's accounts (accounts.h, accounts-sqlite.c). */
	"CREATE TABLE accounts(name TEXT PRIMARY KEY, unit TEXT NOT NULL,"
	"  role TEXT NOT NULL, hash TEXT NOT NULL,"
	"  disabled INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,"
	"  changed_at INTEGER NOT NULL, last_login INTEGER NOT NULL DEFAULT 0)"
	"  WITHOUT ROWID;"
	"CREATE TABLE sessions(token_hash TEXT PRIMARY KEY,"
	"  account TEXT NOT NULL, address TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX sessions_account ON sessions(account);"
	"CREATE TABLE login_failures(key TEXT NOT NULL, at INTEGER NOT NULL);"
	"CREATE INDEX login_failures_key ON login_failures(key, at);"
	"CREATE TABLE audit(id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  at INTEGER NOT NULL, account TEXT NOT NULL, address TEXT NOT NULL,"
	"  event TEXT NOT NULL, detail TEXT NOT NULL)",
	/* 7: the county's projections (projection.h), filled by the first
	 * projection_ensure (meta projections_version) and kept by
	 * event_insert. */
	"CREATE TABLE projections(entity TEXT PRIMARY KEY,"
	"  events INTEGER NOT NULL, private INTEGER NOT NULL,"
	"  doc TEXT NOT NULL);"
	"CREATE TABLE projection_times(at INTEGER NOT NULL,"
	"  entity TEXT NOT NULL, PRIMARY KEY(at, entity)) WITHOUT ROWID;"
	"CREATE INDEX projection_times_entity ON projection_times(entity);"
	"CREATE TABLE projections_stale(entity TEXT PRIMARY KEY) WITHOUT ROWID",
	/* 8: the events kept from everyone not addressed, as a column
	 * (kind_body_confidential): the complainant's identity, and the
	 * attachments marked confidential, whose body is sealed like it. No
	 * such attachment was routed before: the merge kept it private. */
	"ALTER TABLE events ADD COLUMN confidential INTEGER NOT NULL"
	"  DEFAULT 0;"
	"UPDATE events SET confidential=1 WHERE kind='complaint.identity'"
	"  OR CASE WHEN kind LIKE '%.attached' THEN"
	"  json_extract(raw, '$.body.confidential') = 1 ELSE 0 END",
	NULL,
};


#define SQ(s) ((struct sqlite_store *)(s))

/* The statement id, ready to bind; give it back with done(). */
static sqlite3_stmt *
stmt(struct sqlite_store *s, enum stmt_id id)
{
	return s->st[id];
}

/* Ends a statement's run and frees its bindings. */
static void
done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static void
drop_watchers(struct sqlite_store *s)
{
	size_t i;

	for (i = 0; i < s->nwatchers; i++) {
		free(s->watchers[i].unit);
		free(s->watchers[i].role);
	}
	free(s->watchers);
	s->watchers = NULL;
	s->nwatchers = 0;
	s->have_watchers = 0;
	for (i = 0; i < s->nunits; i++)
		free(s->units[i].unit);
	free(s->units);
	s->units = NULL;
	s->nunits = 0;
}

static void
drop_digests(struct sqlite_store *s)
{
	size_t i;

	for (i = 0; i < s->ndigests; i++)
		free(s->digests[i].unit);
	free(s->digests);
	s->digests = NULL;
	s->ndigests = 0;
}

static int flush_digests(struct sqlite_store *s, char *err);
static int flush_head(struct sqlite_store *s, char *err);

/* Forgets the routed pairs and marked entities kept (the transaction
 * ended, or a mark was deleted). */
static void
drop_seen(struct sqlite_store *s)
{
	json_decref(s->routed);
	json_decref(s->marked);
	s->routed = NULL;
	s->marked = NULL;
}

/* "unit\nentity" in buf, or NULL when it does not fit. */
static const char *
pair_key(char *buf, size_t size, const char *unit, const char *entity)
{
	int n = snprintf(buf, size, "%s\n%s", unit, entity);

	return n < 0 || (size_t)n >= size ? NULL : buf;
}

/* Whether key is in *set, kept for the open transaction. */
static int
seen(struct sqlite_store *s, json_t *set, const char *key)
{
	return key != NULL && set != NULL && !sqlite3_get_autocommit(s->db) &&
	    json_object_get(set, key) != NULL;
}

/* Keeps key in *set for the open transaction (none outside one). */
static void
see(struct sqlite_store *s, json_t **set, const char *key)
{
	if (key == NULL || sqlite3_get_autocommit(s->db))
		return;
	if (*set == NULL)
		*set = json_object();
	json_object_set_new_nocheck(*set, key, json_true());
}

static void
sq_close(struct store *base)
{
	struct sqlite_store *s = SQ(base);
	int i;

	drop_watchers(s);
	drop_digests(s);
	drop_seen(s);
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	for (i = 0; i < PJ_COUNT; i++)
		sqlite3_finalize(s->pj[i]);
	db_close(s->db);
	free(s);
}

static int
sq_begin(struct store *s, char *err)
{
	drop_watchers(SQ(s));
	drop_digests(SQ(s));
	drop_seen(SQ(s));
	SQ(s)->head.held = 0;
	return db_begin(SQ(s)->db, err);
}

static int
sq_commit(struct store *base, char *err)
{
	struct sqlite_store *s = SQ(base);
	int rc = flush_head(s, err);

	if (rc == 0)
		rc = flush_digests(s, err);
	drop_watchers(s);
	drop_digests(s);
	drop_seen(s);
	s->head.held = 0;
	if (rc != 0) {
		db_rollback(s->db);
		return rc;
	}
	return db_commit(s->db, err);
}

static void
sq_rollback(struct store *s)
{
	drop_watchers(SQ(s));
	drop_digests(SQ(s));
	drop_seen(SQ(s));
	SQ(s)->head.held = 0;
	db_rollback(SQ(s)->db);
}

/* Runs a statement that returns no rows, and resets it. what is the
 * message's msgid (N_): translated only when the statement fails, not
 * on every one of a push's rows. */
static int
step_done(sqlite3 *db, sqlite3_stmt *st, const char *what, char *err)
{
	int rc = sqlite3_step(st);

	rc = rc == SQLITE_DONE ? 0 : db_fail(db, rc, _(what), err);
	done(st);
	return rc;
}

static int route_backfill(struct sqlite_store *s, const char *unit,
    const char *role, char *err);

static int
sq_station_add(struct store *base, const struct station_rec *r, char *err)
{
	struct sqlite_store *s = SQ(base);
	sqlite3_stmt *st = stmt(s, ST_STATION_ADD);
	int rc;

	drop_watchers(s);
	db_bind_text(st, 1, r->name);
	db_bind_text(st, 2, r->unit);
	db_bind_text(st, 3, r->role);
	db_bind_int(st, 4, r->added_at);
	db_bind_text(st, 5, r->code_hash);
	db_bind_int(st, 6, r->code_expires);
	rc = step_done(s->db, st, N_("cannot add the station"), err);
	if (rc == LD_EEXIST)
		rc = ld_fail(err, LD_EEXIST, _("station '%s' already exists"),
		    r->name);
	if (rc == 0)
		rc = route_backfill(s, r->unit, r->role, err);
	return rc;
}

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
	r->head_hlc = sqlite3_column_int64(st, 13);
	r->epoch = sqlite3_column_int64(st, 14);
	r->replaced_lo = sqlite3_column_int64(st, 15);
	r->replaced_hi = sqlite3_column_int64(st, 16);
}

static int
sq_station_get(struct store *base, const char *name, struct station_rec *out,
    char *err)
{
	struct sqlite_store *s = SQ(base);
	sqlite3_stmt *st = stmt(s, ST_STATION_GET);
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = flush_head(s, err)) != 0)
		return rc;
	db_bind_text(st, 1, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		row_station(st, out);
		rc = 0;
	} else if (rc == SQLITE_DONE)
		rc = ld_fail(err, LD_ENOTFOUND, _("no station '%s'"), name);
	else
		rc = db_fail(s->db, rc, _("cannot read stations"), err);
	done(st);
	return rc;
}

static int
sq_station_list(struct store *base, struct station_rec **out, size_t *n,
    char *err)
{
	struct sqlite_store *s = SQ(base);
	sqlite3_stmt *st = stmt(s, ST_STATION_LIST);
	struct station_rec *recs = NULL;
	size_t cnt = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = flush_head(s, err)) != 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		recs = xrealloc(recs, (cnt + 1) * sizeof *recs);
		row_station(st, &recs[cnt++]);
	}
	if (rc != SQLITE_DONE) {
		rc = db_fail(s->db, rc, _("cannot read stations"), err);
		done(st);
		station_recs_free(recs, cnt);
		return rc;
	}
	done(st);
	*out = recs;
	*n = cnt;
	return 0;
}

static int
sq_station_update(struct store *base, const struct station_rec *r, char *err)
{
	struct sqlite_store *s = SQ(base);
	sqlite3_stmt *st = stmt(s, ST_STATION_UPDATE);
	int rc;

	drop_watchers(s);
	db_bind_int(st, 1, r->enrolled_at);
	db_bind_int(st, 2, r->revoked_at);
	db_bind_text(st, 3, r->code_hash);
	db_bind_int(st, 4, r->code_expires);
	db_bind_text(st, 5, r->token_hash);
	db_bind_int(st, 6, r->last_sync);
	db_bind_int(st, 7, r->cursor);
	db_bind_int(st, 8, r->epoch);
	db_bind_int(st, 9, r->replaced_lo);
	db_bind_int(st, 10, r->replaced_hi);
	db_bind_text(st, 11, r->name);
	if ((rc = step_done(s->db, st, N_("cannot update the station"),
	    err)) != 0)
		return rc;
	return sqlite3_changes(s->db) == 0 ? ld_fail(err, LD_ENOTFOUND,
	    _("no station '%s'"), r->name) : 0;
}

/* Whether unit is in the directory: read once per transaction (the
 * answers kept in s->units until drop_watchers), each time outside one. */
static int
sq_unit_known(struct store *base, const char *unit, int *known, char *err)
{
	struct sqlite_store *s = SQ(base);
	sqlite3_stmt *st;
	int rc, held = !sqlite3_get_autocommit(s->db);
	size_t i;

	if (held)
		for (i = 0; i < s->nunits; i++)
			if (strcmp(s->units[i].unit, unit) == 0) {
				*known = s->units[i].known;
				return 0;
			}
	st = stmt(s, ST_UNIT_KNOWN);
	db_bind_text(st, 1, unit);
	rc = sqlite3_step(st);
	*known = rc == SQLITE_ROW;
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
	    db_fail(s->db, rc, _("cannot read stations"), err);
	done(st);
	if (rc == 0 && held) {
		s->units = xrealloc(s->units, (s->nunits + 1) *
		    sizeof *s->units);
		s->units[s->nunits].unit = xstrdup(unit);
		s->units[s->nunits++].known = *known;
	}
	return rc;
}

static int
sq_event_hash(struct store *base, const char *station, int64_t seq,
    char hash[HASH_HEX], char *err)
{
	struct sqlite_store *s = SQ(base);
	sqlite3_stmt *st = stmt(s, ST_EVENT_HASH);
	int rc;

	db_bind_text(st, 1, station);
	db_bind_int(st, 2, seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		ld_strlcpy(hash, (const char *)sqlite3_column_text(st, 0),
		    HASH_HEX);
		rc = 0;
	} else if (rc == SQLITE_DONE)
		rc = ld_fail(err, LD_ENOTFOUND, _("no event %s/%lld"), station,
		    (long long)seq);
	else
		rc = db_fail(s->db, rc, _("cannot read events"), err);
	done(st);
	return rc;
}

static int
read_digest(struct sqlite_store *s, const char *unit, struct digest *d,
    char *err)
{
	sqlite3_stmt *st = stmt(s, ST_DIGEST_GET);
	int rc;

	digest_init(d);
	db_bind_text(st, 1, unit);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		d->count = sqlite3_column_int64(st, 0);
		ld_strlcpy(d->xor, (const char *)sqlite3_column_text(st, 1),
		    HASH_HEX);
	}
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
	    db_fail(s->db, rc, _("cannot read digests"), err);
	done(st);
	return rc;
}

static int
write_digest(struct sqlite_store *s, const char *unit,
    const struct digest *d, char *err)
{
	sqlite3_stmt *st = stmt(s, ST_DIGEST_SET);

	db_bind_text(st, 1, unit);
	db_bind_int(st, 2, d->count);
	db_bind_text(st, 3, d->xor);
	return step_done(s->db, st, N_("cannot update digests"), err);
}

/* The digest of unit changed in the open transaction, or NULL. */
static struct pending_digest *
pending_digest(struct sqlite_store *s, const char *unit)
{
	size_t i;

	if (sqlite3_get_autocommit(s->db))
		return NULL;
	for (i = 0; i < s->ndigests; i++)
		if (strcmp(s->digests[i].unit, unit) == 0)
			return &s->digests[i];
	return NULL;
}

static int
get_digest(struct sqlite_store *s, const char *unit, struct digest *d,
    char *err)
{
	struct pending_digest *p = pending_digest(s, unit);

	if (p == NULL)
		return read_digest(s, unit, d, err);
	*d = p->d;
	return 0;
}

/* Adds hash to unit's digest: in memory until the commit inside a
 * transaction, in the table at once outside one. */
static int
digest_add_unit(struct sqlite_store *s, const char *unit, const char *hash,
    char *err)
{
	struct pending_digest *p = pending_digest(s, unit);
	struct digest d;
	int rc;

	if (p == NULL) {
		if ((rc = read_digest(s, unit, &d, err)) != 0)
			return rc;
		if (sqlite3_get_autocommit(s->db)) {
			digest_add(&d, hash);
			return write_digest(s, unit, &d, err);
		}
		s->digests = xrealloc(s->digests, (s->ndigests + 1) *
		    sizeof *s->digests);
		p = &s->digests[s->ndigests++];
		p->unit = xstrdup(unit);
		p->d = d;
	}
	digest_add(&p->d, hash);
	return 0;
}

/* Writes the digests changed in the transaction. */
static int
flush_digests(struct sqlite_store *s, char *err)
{
	size_t i;
	int rc;

	for (i = 0; i < s->ndigests; i++)
		if ((rc = write_digest(s, s->digests[i].unit,
		    &s->digests[i].d, err)) != 0)
			return rc;
	return 0;
}

/* Routes event (cursor) to unit and adds it to the unit's digest. */
static int
route(struct sqlite_store *s, const char *unit, int64_t cursor,
    const char *entity, const char *station, const char *hash, char *err)
{
	sqlite3_stmt *st = stmt(s, ST_ROUTE);
	char buf[512];
	int rc;

	db_bind_text(st, 1, unit);
	db_bind_int(st, 2, cursor);
	db_bind_text(st, 3, entity);
	db_bind_text(st, 4, station);
	if ((rc = step_done(s->db, st, N_("cannot route the event"), err)) != 0)
		return rc;
	see(s, &s->routed, pair_key(buf, sizeof buf, unit, entity));
	if (sqlite3_changes(s->db) == 0)
		return 0; /* routed already (a watcher in the audience) */
	/* Only a route made takes one; past zero the caller rolls back. */
	if (s->budget != NULL && --*s->budget < 0)
		return ld_fail(err, LD_ETOOBIG,
		    _("the push would route too many events"));
	return digest_add_unit(s, unit, hash, err);
}

/* Before a unit receives its first event of entity, routes it the
 * entity's earlier events (not the confidential ones, nor those kept to
 * their own unit). */
static int
widen(struct sqlite_store *s, const char *unit, const char *entity,
    int64_t cursor, char *err)
{
	sqlite3_stmt *st = stmt(s, ST_ROUTED);
	char buf[512];
	const char *key = pair_key(buf, sizeof buf, unit, entity);
	int rc, known;

	if (seen(s, s->routed, key))
		return 0;
	db_bind_text(st, 1, unit);
	db_bind_text(st, 2, entity);
	rc = sqlite3_step(st);
	known = rc == SQLITE_ROW;
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
	    db_fail(s->db, rc, _("cannot read routes"), err);
	done(st);
	if (rc == 0 && known)
		see(s, &s->routed, key);
	if (rc != 0 || known)
		return rc;
	st = stmt(s, ST_EARLIER);
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
		if ((rrc = route(s, unit, c, entity, station, hash, err)) != 0) {
			done(st);
			return rrc;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(s->db, rc,
	    _("cannot read events"), err);
	done(st);
	return rc;
}

/* Fills s->watchers with the distinct (unit, role) of the active
 * stations, unless it holds them for this transaction already. */
static int
load_watchers(struct sqlite_store *s, char *err)
{
	sqlite3_stmt *st;
	int rc;

	if (s->have_watchers && !sqlite3_get_autocommit(s->db))
		return 0;
	drop_watchers(s);
	st = stmt(s, ST_WATCHERS);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct watcher *w;

		s->watchers = xrealloc(s->watchers, (s->nwatchers + 1) *
		    sizeof *s->watchers);
		w = &s->watchers[s->nwatchers++];
		w->unit = xstrdup((const char *)sqlite3_column_text(st, 0));
		w->role = xstrdup((const char *)sqlite3_column_text(st, 1));
	}
	if (rc != SQLITE_DONE) {
		rc = db_fail(s->db, rc, _("cannot read stations"), err);
		done(st);
		drop_watchers(s);
		return rc;
	}
	done(st);
	s->have_watchers = 1;
	return 0;
}

/* Routes an event to every unit whose role sees its type county-wide
 * (roles.h), with the entity's earlier events if the unit lacks them.
 * confidential: kind_body_confidential of the event. */
static int
route_watchers(struct sqlite_store *s, const struct event *ev,
    int64_t cursor, int confidential, char *err)
{
	const struct entity_type *t = entity_type_of(ev->entity);
	size_t i;
	int rc;

	/* A confidential event reaches its audience only, as the
	 * complainant's identity does: no role sees it county-wide. */
	if (t == NULL || confidential)
		return 0;
	if ((rc = load_watchers(s, err)) != 0)
		return rc;
	for (i = 0; i < s->nwatchers; i++) {
		const struct watcher *w = &s->watchers[i];

		if (!role_watches(w->role, t->name, ev->kind))
			continue;
		if ((rc = widen(s, w->unit, ev->entity, cursor, err)) != 0 ||
		    (rc = route(s, w->unit, cursor, ev->entity, ev->station,
		    ev->hash, err)) != 0)
			return rc;
	}
	return 0;
}

/* A unit given a role that sees more receives what the county already
 * holds of those types, in receipt order. */
static int
route_backfill(struct sqlite_store *s, const char *unit, const char *role,
    char *err)
{
	sqlite3_stmt *st = stmt(s, ST_ALL_EVENTS);
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *entity = (const char *)sqlite3_column_text(st, 1);
		const struct entity_type *t = entity_type_of(entity);
		int rrc;

		if (t == NULL || !role_watches(role, t->name,
		    (const char *)sqlite3_column_text(st, 4)))
			continue;
		if ((rrc = route(s, unit, sqlite3_column_int64(st, 0), entity,
		    (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3), err)) != 0) {
			done(st);
			return rrc;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(s->db, rc,
	    _("cannot read events"), err);
	done(st);
	return rc;
}

/*
 * The text of the event whose raw, station and seq are st's columns col,
 * col + 1 and col + 2, opened when it is sealed: *text is then *owned
 * (free it with vault_plain_free(*owned, *len)), else borrowed from st
 * (*owned NULL). Returns 0 or vault_open's error.
 */
static int
row_raw(struct sqlite_store *s, sqlite3_stmt *st, int col, const char **text,
    size_t *len, char **owned, char *err)
{
	const char *raw = (const char *)sqlite3_column_text(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);
	int rc;

	*owned = NULL;
	*text = raw;
	*len = n;
	if (!vault_is_sealed(raw, n))
		return 0;
	if (s->vault == NULL)
		return ld_fail(err, LD_ECONFIG,
		    _("no identity key to open a sealed event with"));
	rc = vault_open(s->vault, (const char *)sqlite3_column_text(st, col + 1),
	    sqlite3_column_int64(st, col + 2), raw, n, owned, len, err);
	*text = *owned;
	return rc;
}

/* The text to store for ev: raw, or *sealed (owned) for a confidential
 * event (confidential, kind_body_confidential: the complainant's
 * identity, a confidential attachment). */
static int
stored_raw(struct sqlite_store *s, const struct event *ev, const char *raw,
    int confidential, char **sealed, char *err)
{
	*sealed = NULL;
	if (!confidential)
		return 0;
	if (s->vault == NULL)
		return ld_fail(err, LD_EINTERNAL,
		    "no identity key: a %s event is never stored in plain text",
		    ev->kind);
	return vault_seal(s->vault, NULL, ev->station, ev->seq, raw,
	    strlen(raw), sealed, err);
}

static int
sq_parts(struct store *base, const char *entity, const char *unit,
    int *parts, char *err)
{
	struct sqlite_store *s = SQ(base);
	sqlite3_stmt *st = stmt(s, ST_PARTS);
	int rc;

	*parts = 0;
	db_bind_text(st, 1, entity);
	db_bind_text(st, 2, unit);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*parts = (int)sqlite3_column_int64(st, 0);
	rc = rc == SQLITE_ROW ? 0 : db_fail(s->db, rc,
	    _("cannot read parties"), err);
	done(st);
	return rc;
}

struct grant_arg {
	struct sqlite_store *s;
	const char *entity;
	char *err;
};

static int
grant(const char *unit, int part, void *arg)
{
	struct grant_arg *g = arg;
	sqlite3_stmt *st = stmt(g->s, ST_GRANT);

	db_bind_text(st, 1, g->entity);
	db_bind_text(st, 2, unit);
	db_bind_int(st, 3, part);
	return step_done(g->s->db, st, N_("cannot record parties"), g->err);
}

/* Routes an entitled event to its audience units of the county's
 * directory, widening the entity to those that lack it, then to the
 * units whose role sees it. */
static int
route_audience(struct sqlite_store *s, const struct event *ev,
    int64_t cursor, int confidential, char *err)
{
	json_t *u;
	size_t i;
	int rc, known;

	json_array_foreach(ev->audience, i, u) {
		const char *unit = json_string_value(u);

		if ((rc = sq_unit_known(&s->base, unit, &known, err)) != 0)
			return rc;
		if (!known)
			continue;
		if ((rc = widen(s, unit, ev->entity, cursor, err)) != 0 ||
		    (rc = route(s, unit, cursor, ev->entity, ev->station,
		    ev->hash, err)) != 0)
			return rc;
	}
	return route_watchers(s, ev, cursor, confidential, err);
}

/* Moves station's head from seq from to (seq, hash, hlc) in the table;
 * 1 when it was not at from (and nothing changed), else 0 or the
 * store's error. */
static int
head_update(struct sqlite_store *s, const char *station, int64_t from,
    int64_t seq, const char *hash, hlc_t hlc, char *err)
{
	sqlite3_stmt *st = stmt(s, ST_HEAD_UPDATE);
	int rc;

	db_bind_int(st, 1, seq);
	db_bind_text(st, 2, hash);
	db_bind_int(st, 3, hlc);
	db_bind_text(st, 4, station);
	db_bind_int(st, 5, from);
	if ((rc = step_done(s->db, st, N_("cannot update the station"),
	    err)) != 0)
		return rc;
	return sqlite3_changes(s->db) != 1;
}

/* Writes the station's head moved in memory (s->head), checked to be
 * where it was written last. */
static int
flush_head(struct sqlite_store *s, char *err)
{
	int rc;

	if (!s->head.held || s->head.seq == s->head.written)
		return 0;
	if ((rc = head_update(s, s->head.station, s->head.written,
	    s->head.seq, s->head.hash, s->head.hlc, err)) < 0)
		return rc;
	if (rc == 1)
		return ld_fail(err, LD_EINTERNAL,
		    "station %s's head moved while its events were stored",
		    s->head.station);
	s->head.written = s->head.seq;
	return 0;
}

/* Moves ev's station's head to ev, which must follow it: in memory
 * when this transaction holds that station's head already, else in the
 * table (then held, inside a transaction). */
static int
move_head(struct sqlite_store *s, const struct event *ev, char *err)
{
	int rc;

	if (!s->head.held || strcmp(s->head.station, ev->station) != 0) {
		if ((rc = flush_head(s, err)) != 0)
			return rc;
		s->head.held = 0;
		if ((rc = head_update(s, ev->station, ev->seq - 1, ev->seq,
		    ev->hash, ev->hlc, err)) < 0)
			return rc;
		if (rc == 1)
			return ld_fail(err, LD_EINTERNAL,
			    "event %s/%lld does not follow the station's head",
			    ev->station, (long long)ev->seq);
		if (sqlite3_get_autocommit(s->db))
			return 0;
		s->head.held = 1;
		s->head.written = ev->seq;
		ld_strlcpy(s->head.station, ev->station,
		    sizeof s->head.station);
	} else if (ev->seq != s->head.seq + 1)
		return ld_fail(err, LD_EINTERNAL,
		    "event %s/%lld does not follow the station's head",
		    ev->station, (long long)ev->seq);
	s->head.seq = ev->seq;
	memcpy(s->head.hash, ev->hash, HASH_HEX);
	s->head.hlc = ev->hlc;
	return 0;
}

static int
sq_event_insert(struct store *base, const struct event *ev, const char *raw,
    const char *quarantine, int private_, int64_t *budget, int64_t *cursor,
    char *err)
{
	struct sqlite_store *s = SQ(base);
	sqlite3_stmt *st = stmt(s, ST_EVENT_INSERT);
	struct grant_arg g = { s, ev->entity, err };
	int confidential = kind_body_confidential(kind_find(ev->kind),
	    ev->body);
	char *sealed;
	int rc;

	if ((rc = stored_raw(s, ev, raw, confidential, &sealed, err)) != 0)
		return rc;
	db_bind_text(st, 1, ev->station);
	db_bind_int(st, 2, ev->seq);
	db_bind_int(st, 3, ev->hlc);
	db_bind_text(st, 4, ev->kind);
	db_bind_text(st, 5, ev->entity);
	db_bind_text(st, 6, ev->hash);
	db_bind_text(st, 7, sealed != NULL ? sealed : raw);
	free(sealed);
	db_bind_text(st, 8, quarantine);
	db_bind_int(st, 9, private_ != 0);
	db_bind_int(st, 10, ltime_now());
	db_bind_int(st, 11, confidential);
	if ((rc = step_done(s->db, st, N_("cannot store the event"), err)) != 0)
		return rc;
	*cursor = sqlite3_last_insert_rowid(s->db);

	if ((rc = move_head(s, ev, err)) != 0)
		return rc;

	s->budget = budget;
	/* An event without the right to be written where it says stays
	 * with its own unit (merge.h). */
	if (private_)
		rc = route(s, ev->unit, *cursor, ev->entity, ev->station,
		    ev->hash, err);
	else if ((rc = merge_grants(ev, grant, &g)) == 0)
		rc = route_audience(s, ev, *cursor, confidential, err);
	s->budget = NULL;
	/* The county's projection of the entity is to be folded again (a
	 * private event changes only how many of those it has). */
	if (rc == 0 && !seen(s, s->marked, ev->entity)) {
		st = s->pj[PJ_MARK];
		db_bind_text(st, 1, ev->entity);
		rc = step_done(s->db, st, N_("cannot store the event"), err);
		if (rc == 0)
			see(s, &s->marked, ev->entity);
	}
	return rc;
}

/*
 * Steps st, a bound statement whose rows are (cursor, raw, station, seq,
 * received_at), and hands each event's plain text to fn: at most limit of them and about
 * max_bytes (the first always), *more (when not NULL) set when a row
 * remains after them. fn returning non-zero stops early. Finalizes st.
 */
static int
each_event(struct sqlite_store *s, sqlite3_stmt *st, size_t limit,
    size_t max_bytes, store_event_fn fn, void *arg, int *more, char *err)
{
	size_t n = 0, bytes = 0;
	int rc, orc = 0;

	if (more != NULL)
		*more = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *raw;
		char *owned;
		size_t len;
		int stop;

		if ((orc = row_raw(s, st, 1, &raw, &len, &owned, err)) != 0)
			break;
		if (n == limit || (n > 0 && bytes + len > max_bytes)) {
			if (more != NULL)
				*more = 1;
			stop = 1;
		} else
			stop = fn(sqlite3_column_int64(st, 0),
			    sqlite3_column_int64(st, 4), raw, len, arg);
		vault_plain_free(owned, len);
		if (stop) {
			rc = SQLITE_DONE;
			break;
		}
		n++;
		bytes += len;
	}
	rc = orc != 0 ? orc : rc == SQLITE_DONE ? 0 : db_fail(s->db, rc,
	    _("cannot read events"), err);
	done(st);
	return rc;
}

static int
sq_events_for_unit(struct store *base, const char *unit,
    const char *exclude_station, int64_t after, size_t limit,
    size_t max_bytes, store_event_fn fn, void *arg, int *more, char *err)
{
	struct sqlite_store *s = SQ(base);
	sqlite3_stmt *st = stmt(s, ST_PULL);

	db_bind_text(st, 1, unit);
	db_bind_int(st, 2, after);
	db_bind_text(st, 3, exclude_station ? exclude_station : "");
	/* A limit of SIZE_MAX (every one) is no LIMIT at all, not a sum that
	 * wraps to LIMIT 0. */
	db_bind_int(st, 4, limit >= (size_t)LLONG_MAX ? -1 :
	    (long long)limit + 1);
	return each_event(s, st, limit, max_bytes, fn, arg, more, err);
}

static int
sq_backlog(struct store *base, const char *unit, const char *station,
    int64_t after, int64_t *n, char *err)
{
	struct sqlite_store *s = SQ(base);
	sqlite3_stmt *st = stmt(s, ST_BACKLOG);
	int rc;

	db_bind_text(st, 1, unit);
	db_bind_int(st, 2, after);
	db_bind_text(st, 3, station);
	rc = sqlite3_step(st);
	*n = sqlite3_column_int64(st, 0);
	rc = rc == SQLITE_ROW ? 0 : db_fail(s->db, rc,
	    _("cannot count events"), err);
	done(st);
	return rc;
}

static int
sq_route_head(struct store *base, const char *unit, int64_t *id, char *err)
{
	struct sqlite_store *s = SQ(base);
	sqlite3_stmt *st = stmt(s, ST_ROUTE_HEAD);
	int rc;

	db_bind_text(st, 1, unit);
	rc = sqlite3_step(st);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	rc = rc == SQLITE_ROW ? 0 : db_fail(s->db, rc,
	    _("cannot read events"), err);
	done(st);
	return rc;
}

static int
sq_digest(struct store *s, const char *unit, struct digest *d, char *err)
{
	return get_digest(SQ(s), unit, d, err);
}

static int
sq_entity_events(struct store *base, const char *entity, const char *unit,
    store_event_fn fn, void *arg, char *err)
{
	struct sqlite_store *s = SQ(base);
	sqlite3_stmt *st = stmt(s, unit != NULL ? ST_ENTITY_EVENTS :
	    ST_ENTITY_EVENTS_ALL);

	db_bind_text(st, 1, entity);
	if (unit != NULL)
		db_bind_text(st, 2, unit);
	return each_event(s, st, SIZE_MAX, SIZE_MAX, fn, arg, NULL, err);
}

static int
sq_entities(struct store *base, const char *unit,
    int (*fn)(const char *entity, void *arg), void *arg, char *err)
{
	struct sqlite_store *s = SQ(base);
	sqlite3_stmt *st = stmt(s, unit != NULL ? ST_ENTITIES :
	    ST_ENTITIES_ALL);
	int rc;

	if (unit != NULL)
		db_bind_text(st, 1, unit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn((const char *)sqlite3_column_text(st, 0), arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	rc = rc == SQLITE_DONE ? 0 : db_fail(s->db, rc,
	    _("cannot read events"), err);
	done(st);
	return rc;
}

static int
sq_heads(struct store *base, const char *unit,
    int (*fn)(const char *station, int64_t seq, void *arg), void *arg,
    char *err)
{
	struct sqlite_store *s = SQ(base);
	sqlite3_stmt *st = stmt(s, ST_HEADS);
	int rc;

	db_bind_text(st, 1, unit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn((const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int64(st, 1), arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	rc = rc == SQLITE_DONE ? 0 : db_fail(s->db, rc,
	    _("cannot read events"), err);
	done(st);
	return rc;
}

static int
sq_meta_get(struct store *base, const char *key, char **val, char *err)
{
	struct sqlite_store *s = SQ(base);
	sqlite3_stmt *st = stmt(s, ST_META_GET);
	int rc;

	*val = NULL;
	db_bind_text(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*val = xstrdup((const char *)sqlite3_column_text(st, 0));
		rc = 0;
	} else if (rc == SQLITE_DONE)
		rc = ld_fail(err, LD_ENOTFOUND, _("no setting '%s'"), key);
	else
		rc = db_fail(s->db, rc, _("cannot read settings"), err);
	done(st);
	return rc;
}

static int
sq_meta_set(struct store *base, const char *key, const char *val, char *err)
{
	struct sqlite_store *s = SQ(base);
	sqlite3_stmt *st = stmt(s, ST_META_SET);

	db_bind_text(st, 1, key);
	db_bind_text(st, 2, val);
	return step_done(s->db, st, N_("cannot save settings"), err);
}

/* Seals every confidential event under keyid (store.h). The cursors are
 * read first: no row is changed while a statement runs over the table. */
static int
sq_reseal(struct store *base, const char *keyid, int64_t *n, char *err)
{
	struct sqlite_store *s = SQ(base);
	sqlite3_stmt *sel = NULL, *get = NULL, *upd = NULL;
	int64_t *cursors = NULL;
	size_t ncur = 0, i;
	int rc;

	*n = 0;
	if ((rc = db_prepare(s->db, "SELECT cursor FROM events"
	    " WHERE confidential=1 ORDER BY cursor", &sel, err)) != 0 ||
	    (rc = db_prepare(s->db, "SELECT raw, station, seq FROM events"
	    " WHERE cursor=?", &get, err)) != 0 ||
	    (rc = db_prepare(s->db, "UPDATE events SET raw=? WHERE cursor=?",
	    &upd, err)) != 0)
		goto out;
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		cursors = xrealloc(cursors, (ncur + 1) * sizeof *cursors);
		cursors[ncur++] = sqlite3_column_int64(sel, 0);
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(s->db, rc,
	    _("cannot read events"), err);
	for (i = 0; rc == 0 && i < ncur; i++) {
		const char *raw;
		char *owned = NULL, *sealed = NULL;
		size_t len = 0;

		db_bind_int(get, 1, cursors[i]);
		if ((rc = sqlite3_step(get)) != SQLITE_ROW)
			rc = db_fail(s->db, rc == SQLITE_DONE ? SQLITE_INTERNAL :
			    rc, _("cannot read events"), err);
		else if ((rc = row_raw(s, get, 0, &raw, &len, &owned,
		    err)) == 0)
			rc = vault_seal(s->vault, keyid,
			    (const char *)sqlite3_column_text(get, 1),
			    sqlite3_column_int64(get, 2), raw, len, &sealed, err);
		vault_plain_free(owned, len);
		done(get);
		if (rc != 0)
			break;
		db_bind_text(upd, 1, sealed);
		db_bind_int(upd, 2, cursors[i]);
		free(sealed);
		if ((rc = step_done(s->db, upd, N_("cannot seal the identity"),
		    err)) == 0)
			(*n)++;
	}
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(get);
	sqlite3_finalize(upd);
	free(cursors);
	return rc;
}

static int
sq_unit_add(struct store *base, const char *name, const char *role,
    int64_t at, char *err)
{
	struct sqlite_store *s = SQ(base);
	sqlite3_stmt *st = stmt(s, ST_UNIT_ADD);
	int rc;

	drop_watchers(s); /* the directory changes */
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, role != NULL ? role : "");
	db_bind_int(st, 3, at);
	rc = step_done(s->db, st, N_("cannot add the unit"), err);
	if (rc == LD_EEXIST)
		rc = ld_fail(err, LD_EEXIST,
		    _("unit '%s' is already in the directory"), name);
	return rc;
}

static int
sq_compact(struct store *base, char *err)
{
	return db_compact(SQ(base)->db, err);
}

static int
sq_backup(struct store *base, const char *path, char *err)
{
	return db_backup(SQ(base)->db, path, err);
}

static int
sq_unit_remove(struct store *base, const char *name, char *err)
{
	struct sqlite_store *s = SQ(base);
	sqlite3_stmt *st = stmt(s, ST_UNIT_REMOVE);
	int rc;

	drop_watchers(s); /* the directory changes */
	db_bind_text(st, 1, name);
	if ((rc = step_done(s->db, st, N_("cannot remove the unit"), err)) != 0)
		return rc;
	if (sqlite3_changes(s->db) == 0)
		return ld_fail(err, LD_ENOTFOUND,
		    _("no unit '%s' declared in the directory"), name);
	return 0;
}

static int
sq_unit_list(struct store *base, struct unit_rec **out, size_t *n,
    char *err)
{
	struct sqlite_store *s = SQ(base);
	sqlite3_stmt *st = stmt(s, ST_UNIT_LIST);
	struct unit_rec *recs = NULL, *u;
	size_t cnt = 0;
	int rc;

	*out = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		recs = xrealloc(recs, (cnt + 1) * sizeof *recs);
		u = &recs[cnt++];
		u->name = xstrdup((const char *)sqlite3_column_text(st, 0));
		u->role = xstrdup((const char *)sqlite3_column_text(st, 1));
		u->declared = sqlite3_column_int(st, 2);
		u->stations = sqlite3_column_int(st, 3);
		u->added_at = sqlite3_column_int64(st, 4);
	}
	if (rc != SQLITE_DONE) {
		rc = db_fail(s->db, rc, _("cannot read the unit directory"), err);
		done(st);
		unit_recs_free(recs, cnt);
		return rc;
	}
	done(st);
	*out = recs;
	*n = cnt;
	return 0;
}

static int
sq_station_remove(struct store *base, const char *name, char *err)
{
	struct sqlite_store *s = SQ(base);
	sqlite3_stmt *st = stmt(s, ST_STATION_REMOVE);
	struct station_rec r;
	int rc;

	if ((rc = sq_station_get(base, name, &r, err)) != 0)
		return rc;
	station_rec_release(&r);
	drop_watchers(s);
	db_bind_text(st, 1, name);
	if ((rc = step_done(s->db, st, N_("cannot remove the station"),
	    err)) != 0)
		return rc;
	if (sqlite3_changes(s->db) == 0)
		return ld_fail(err, LD_EEXIST,
		    _("station '%s' has events on the server: revoke it instead"),
		    name);
	return 0;
}

static int
sq_own_events(struct store *base, const char *station, int64_t after,
    size_t limit, store_event_fn fn, void *arg, int *more, char *err)
{
	struct sqlite_store *s = SQ(base);
	sqlite3_stmt *st = stmt(s, ST_OWN);

	db_bind_text(st, 1, station);
	db_bind_int(st, 2, after);
	db_bind_int(st, 3, (long long)limit + 1);
	return each_event(s, st, limit, SIZE_MAX, fn, arg, more, err);
}

/* The stored projections (projection.h). */
static int
sq_projection_put(struct store *base, const char *entity, const char *doc,
    int64_t events, const int64_t *times, size_t ntimes, char *err)
{
	struct sqlite_store *s = SQ(base);
	sqlite3_stmt *st = s->pj[PJ_UNMARK];
	size_t i;
	int rc;

	drop_seen(s); /* no longer marked */
	db_bind_text(st, 1, entity);
	if ((rc = step_done(s->db, st, N_("cannot store a projection"),
	    err)) != 0)
		return rc;
	st = s->pj[PJ_DROP_TIMES];
	db_bind_text(st, 1, entity);
	if ((rc = step_done(s->db, st, N_("cannot store a projection"),
	    err)) != 0)
		return rc;
	st = s->pj[doc != NULL ? PJ_PUT : PJ_DROP];
	db_bind_text(st, 1, entity);
	if (doc != NULL) {
		db_bind_text(st, 2, doc);
		db_bind_int(st, 3, events);
	}
	if ((rc = step_done(s->db, st, N_("cannot store a projection"),
	    err)) != 0)
		return rc;
	for (i = 0; doc != NULL && i < ntimes; i++) {
		st = s->pj[PJ_TIME];
		db_bind_int(st, 1, times[i]);
		db_bind_text(st, 2, entity);
		if ((rc = step_done(s->db, st, N_("cannot store a projection"),
		    err)) != 0)
			return rc;
	}
	return 0;
}

static int
sq_projections_read(struct store *base, const char *unit, int64_t from,
    int64_t to,
    int (*fn)(const char *entity, const char *doc, size_t len, void *arg),
    void *arg, char *err)
{
	struct sqlite_store *s = SQ(base);
	int all = from == INT64_MIN && to == INT64_MAX;
	sqlite3_stmt *st = s->pj[unit == NULL ? (all ? PJ_ALL : PJ_READ) :
	    all ? PJ_UNIT_ALL : PJ_UNIT];
	int rc;

	if (!all) {
		db_bind_int(st, 1, from);
		db_bind_int(st, 2, to);
	}
	if (unit != NULL)
		db_bind_text(st, all ? 1 : 3, unit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn((const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1), arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	rc = rc == SQLITE_DONE ? 0 : db_fail(s->db, rc,
	    _("cannot read projections"), err);
	done(st);
	return rc;
}

static int
sq_projections_stale(struct store *base, size_t limit,
    int (*fn)(const char *entity, void *arg), void *arg, char *err)
{
	struct sqlite_store *s = SQ(base);
	sqlite3_stmt *st = s->pj[PJ_STALE];
	char **names = NULL;
	size_t n = 0, i;
	int rc;

	/* Read whole first: fn refolds, which takes the marks off. */
	db_bind_int(st, 1, limit >= (size_t)LLONG_MAX ? -1 : (long long)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		names = xrealloc(names, (n + 1) * sizeof *names);
		names[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(s->db, rc,
	    _("cannot read projections"), err);
	done(st);
	for (i = 0; i < n; i++) {
		if (rc == 0 && fn(names[i], arg) != 0)
			rc = 1;
		free(names[i]);
	}
	free(names);
	return rc < 0 ? rc : 0;
}

static int
sq_projections_clear(struct store *base, char *err)
{
	struct sqlite_store *s = SQ(base);
	int rc;

	drop_seen(s); /* no longer marked */
	rc = sqlite3_exec(s->db, "DELETE FROM projection_times;"
	    " DELETE FROM projections; DELETE FROM projections_stale",
	    NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : db_fail(s->db, rc,
	    _("cannot store a projection"), err);
}

/* SQLite's busy handler: a statement that meets another connection's
 * lock is tried again for ms, then fails SQLITE_BUSY (LD_ELOCKED). */
static int
sq_set_lock_wait(struct store *base, long ms, char *err)
{
	(void)err;
	sqlite3_busy_timeout(SQ(base)->db, (int)ms);
	return 0;
}

static const struct store_ops sqlite_ops = {
	"sqlite",
	sq_close, sq_begin, sq_commit, sq_rollback,
	sq_station_add, sq_station_get, sq_station_list, sq_station_update,
	sq_station_get, /* station_lock: BEGIN IMMEDIATE holds the database */
	sq_unit_known,
	sq_event_hash, sq_event_insert, sq_parts, sq_events_for_unit, sq_backlog,
	sq_digest, sq_entity_events, sq_entities,
	sq_meta_get, sq_meta_set,
	sq_reseal, sq_compact, sq_backup,
	sq_unit_add, sq_unit_remove, sq_unit_list, sq_station_remove,
	sq_own_events, sq_heads, sq_route_head, &accounts_sqlite_ops,
	sq_projection_put, sq_projections_read, sq_projections_stale,
	sq_projections_clear, sq_set_lock_wait,
};

sqlite3 *
store_sqlite_db(struct store *s)
{
	return SQ(s)->db;
}

/*
 * What the roles watch (each type's watched_by, registry.h) as the
 * routes were made: "case=64,complaint=64,...". When a release widens
 * what a role watches (the bureau's liaison supervisor now sees the
 * liaison ledger), the units of that role receive, once, when the
 * database is next opened, what the county already holds of it, as a
 * unit given a new role does; nothing is routed twice.
 */
static char *
watchers_sig(void)
{
	const struct entity_type *t;
	char *sig = xstrdup(""), *next;
	size_t i;

	for (i = 0; (t = entity_type_at(i)) != NULL; i++) {
		next = xasprintf("%s%s=%d,", sig, t->name, t->watched_by);
		free(sig);
		sig = next;
	}
	return sig;
}

/* The roles (ROLE_* bits) that watch a type now and did not in had, a
 * signature as watchers_sig writes it; every role when had is NULL (a
 * database from before the signature). A type had does not name is new:
 * it has no records yet, so no role gains any. */
static int
watchers_gained(const char *had)
{
	const struct entity_type *t;
	char key[48];
	const char *at;
	size_t i;
	int gained = 0;

	if (had == NULL)
		return ROLE_ALL;
	for (i = 0; (t = entity_type_at(i)) != NULL; i++) {
		snprintf(key, sizeof key, "%s=", t->name);
		for (at = strstr(had, key); at != NULL && at != had &&
		    at[-1] != ','; at = strstr(at + 1, key))
			;
		if (at != NULL)
			gained |= t->watched_by & ~atoi(at + strlen(key));
	}
	return gained;
}

static int
watchers_current(struct sqlite_store *s, char *err)
{
	char *sig = watchers_sig(), *had = NULL;
	size_t i;
	int rc, gained;

	if ((rc = sq_begin(&s->base, err)) != 0) {
		free(sig);
		return rc;
	}
	/* Read under the write lock: a second process opening at once
	 * finds the signature already current. */
	rc = sq_meta_get(&s->base, "watchers", &had, err);
	if (rc == 0 && strcmp(had, sig) == 0) {
		sq_rollback(&s->base);
		free(had);
		free(sig);
		return 0;
	}
	gained = rc == LD_ENOTFOUND ? ROLE_ALL : watchers_gained(had);
	if (rc == LD_ENOTFOUND)
		rc = 0;
	if (rc == 0)
		rc = load_watchers(s, err);
	for (i = 0; rc == 0 && i < s->nwatchers; i++)
		if (role_bit(s->watchers[i].role) & gained)
			rc = route_backfill(s, s->watchers[i].unit,
			    s->watchers[i].role, err);
	if (rc == 0 && (rc = sq_meta_set(&s->base, "watchers", sig, err)) == 0)
		rc = sq_commit(&s->base, err);
	else
		sq_rollback(&s->base);
	free(had);
	free(sig);
	return rc;
}

int
store_sqlite_open(const char *path, int create, const struct vault *vault,
    struct store **out, char *err)
{
	struct sqlite_store *s = xcalloc(1, sizeof *s);
	char werr[LD_ERRLEN];
	int i, rc;

	*out = NULL;
	s->base.ops = &sqlite_ops;
	s->vault = vault;
	rc = db_open(path, create ? DB_CREATE | DB_EXCLUSIVE : 0, migrations,
	    &s->db, err);
	if (rc != 0) {
		free(s);
		return rc;
	}
	for (i = 0; i < ST_COUNT; i++) {
		rc = sqlite3_prepare_v3(s->db, stmt_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL);
		if (rc != SQLITE_OK) {
			rc = db_fail(s->db, rc, _("database query failed"), err);
			sq_close(&s->base);
			return rc;
		}
	}
	for (i = 0; i < PJ_COUNT; i++) {
		rc = sqlite3_prepare_v3(s->db, proj_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->pj[i], NULL);
		if (rc != SQLITE_OK) {
			rc = db_fail(s->db, rc, _("database query failed"), err);
			sq_close(&s->base);
			return rc;
		}
	}
	/* Not fatal: the store works as before, and the next open tries
	 * again (a full disk must not keep every command from opening). */
	if (watchers_current(s, werr) != 0)
		fprintf(stderr, _("liandong-server: warning: cannot yet route"
		    " to each role what it newly watches: %s; tried again at"
		    " the next start\n"), werr);
	*out = &s->base;
	return 0;
}
