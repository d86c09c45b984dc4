/*
 * ledger.c - the replica store on SQLite (see ledger.h for invariants).
 *
 * Schema: meta (station, unit, hlc), events (one row per event with its
 * canonical text in raw), projections (one JSON doc per entity, with
 * generated columns for filtering) and search (FTS5, trigram tokenizer so
 * that Chinese text matches on any substring of three or more characters;
 * shorter queries fall back to LIKE over the same table).
 *
 * Projecting: after an event is inserted, its entity's projection is
 * advanced by fold_apply when the event sorts after the last one applied
 * (the common case), otherwise re-folded from all of the entity's events.
 *
 * The batch. Inside a transaction the projections an event changes, the
 * clock and the digest are kept in memory (struct ledger's pending part)
 * and written once, by pending_flush: at ledger_commit, before anything
 * reads them from the database, and when more than PENDING_MAX records
 * wait. So a pulled batch of 500 events parses, encodes and saves each
 * record it touches once, folds it once from its events when one of them
 * arrived out of order, and writes the search rows of the batch in one
 * statement (FTS5 flushes its pending terms at every statement that
 * touches it inside a transaction: one per row cost more than the rest of
 * the row). The rules that keep this exact:
 *  1. Everything pending belongs to the open transaction: ledger_commit
 *     flushes it before COMMIT, ledger_rollback and ledger_begin drop it,
 *     and a change made outside a transaction is flushed at once.
 *  2. Every read of a projection, the search table, "hlc" or "digest"
 *     from outside this file goes through a function that flushes first
 *     (or reads the pending value).
 *  3. Applying an event on the pending doc is the same step as on the
 *     stored one; a record whose event arrived out of order is folded
 *     afresh from all of its events at the flush (they are all stored by
 *     then), as it was at once before.
 *  4. The clock and digest are cached only inside a transaction (BEGIN
 *     IMMEDIATE: no other writer), never across one.
 *
 * Statements used per event are prepared once per open (stmt(), kept in
 * struct ledger) and reset after each use.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aside.h"
#include "blob.h"
#include "cjson.h"
#include "db.h"
#include "fold.h"
#include "kinds.h"
#include "ledger.h"
#include "ltime.h"
#include "roles.h"
#include "text.h"

/* The statements kept prepared, by stmt(). */
enum {
	ST_META_GET,
	ST_META_SET,
	ST_EVENT_HASH,
	ST_EVENT_INSERT,
	ST_CHAIN_HEAD,
	ST_EVENTS_OF,
	ST_PROJ_GET,
	ST_PROJ_EXISTS,
	ST_PROJ_SAVE,
	ST_SEARCH_SAVE,
	ST_SEARCH_BATCH,
	ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_META_GET] = "SELECT value FROM meta WHERE key=?",
	[ST_META_SET] = "INSERT INTO meta(key, value) VALUES(?, ?)"
	    " ON CONFLICT(key) DO UPDATE SET value=excluded.value",
	[ST_EVENT_HASH] = "SELECT hash FROM events WHERE station=? AND seq=?",
	[ST_EVENT_INSERT] = "INSERT INTO events(station, seq, hlc, at, unit,"
	    " author, kind, entity, prev, hash, raw)"
	    " VALUES(?,?,?,?,?,?,?,?,?,?,?)",
	[ST_CHAIN_HEAD] = "SELECT seq, hash FROM events"
	    " WHERE station=? ORDER BY seq DESC LIMIT 1",
	[ST_EVENTS_OF] = "SELECT raw FROM events WHERE entity=?"
	    " ORDER BY hlc, station, seq",
	[ST_PROJ_GET] = "SELECT doc FROM projections WHERE entity=?",
	[ST_PROJ_EXISTS] = "SELECT 1 FROM projections WHERE entity=?",
	[ST_PROJ_SAVE] = "INSERT INTO projections(entity, doc) VALUES(?, ?)"
	    " ON CONFLICT(entity) DO UPDATE SET doc=excluded.doc"
	    " RETURNING id",
	[ST_SEARCH_SAVE] = "INSERT OR REPLACE INTO search(rowid, body)"
	    " VALUES(?, ?)",
	/* [[rowid, body], ...]: a batch's search rows in one statement. */
	[ST_SEARCH_BATCH] = "INSERT OR REPLACE INTO search(rowid, body)"
	    " SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]')"
	    " FROM json_each(?)",
};

/* Records kept in memory before a flush (a pull batch is 500 events). */
#define PENDING_MAX 2048

struct ledger {
	sqlite3 *db;
	char *path;
	char station[STATION_MAX + 1];
	char *unit;
	sqlite3_stmt *st[ST_COUNT]; /* owned, prepared on first use */

	/* The transaction's pending changes (rules 1-4 above). */
	json_t *docs;         /* owned: {entity: doc, or null to re-fold} */
	int hlc_known, hlc_dirty;
	hlc_t hlc;
	int digest_known, digest_dirty;
	struct digest digest;
};

/* The kept statement id, ready to bind; reset it with done() after use. */
static int
stmt(struct ledger *lg, int id, sqlite3_stmt **st, char *err)
{
	int rc;

	if (lg->st[id] == NULL && (rc = db_prepare_kept(lg->db, stmt_sql[id],
	    &lg->st[id], err)) != 0)
		return rc;
	*st = lg->st[id];
	return 0;
}

static void
done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* FOLD_VERSION (fold.h) as the text meta keeps. */
#define STR_(x) #x
#define STR(x) STR_(x)
#define FOLD_VERSION_TEXT STR(FOLD_VERSION)

static const char *const migrations[] = {
	/* 1: the first schema */
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)"
	"  WITHOUT ROWID;"
	"CREATE TABLE events("
	"  id INTEGER PRIMARY KEY,"
	"  station TEXT NOT NULL, seq INTEGER NOT NULL,"
	"  hlc INTEGER NOT NULL, at INTEGER NOT NULL,"
	"  unit TEXT NOT NULL, author TEXT NOT NULL,"
	"  kind TEXT NOT NULL, entity TEXT NOT NULL,"
	"  prev TEXT NOT NULL, hash TEXT NOT NULL,"
	"  raw TEXT NOT NULL,"
	"  UNIQUE(station, seq));"
	"CREATE INDEX events_entity ON events(entity, hlc, station, seq);"
	"CREATE TABLE projections("
	"  id INTEGER PRIMARY KEY,"
	"  entity TEXT NOT NULL UNIQUE,"
	"  doc TEXT NOT NULL,"
	"  type TEXT GENERATED ALWAYS AS (json_extract(doc, '$.type')) VIRTUAL,"
	"  status TEXT GENERATED ALWAYS AS (json_extract(doc, '$.status')) VIRTUAL,"
	"  category TEXT GENERATED ALWAYS AS (json_extract(doc, '$.category')) VIRTUAL,"
	"  subtype TEXT GENERATED ALWAYS AS (coalesce(json_extract(doc, '$.form'),"
	"    json_extract(doc, '$.activity'))) VIRTUAL,"
	"  sort_at TEXT GENERATED ALWAYS AS (coalesce("
	"    json_extract(doc, '$.discovered_at'),"
	"    json_extract(doc, '$.received_at'),"
	"    json_extract(doc, '$.date'))) VIRTUAL);"
	"CREATE INDEX projections_type ON projections(type, sort_at);"
	"CREATE VIRTUAL TABLE search USING fts5(body, tokenize='trigram')",
	/* 2: attachments' blobs (blob.h), a row each when whole, and their
	 * chunks */
	"CREATE TABLE blobs(hash TEXT PRIMARY KEY, size INTEGER NOT NULL,"
	"  chunks INTEGER NOT NULL, stored_at INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE blob_chunks(id INTEGER PRIMARY KEY,"
	"  hash TEXT NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL,"
	"  UNIQUE(hash, n))",
	NULL,
};

static int
meta_get(struct ledger *lg, const char *key, char **val, char *err)
{
	sqlite3_stmt *st;
	int rc;

	*val = NULL;
	if ((rc = stmt(lg, ST_META_GET, &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*val = xstrdup((const char *)sqlite3_column_text(st, 0));
		rc = 0;
	} else if (rc == SQLITE_DONE)
		rc = ld_fail(err, LD_ENOTFOUND, _("database has no '%s': not a station database"),
		    key);
	else
		rc = db_fail(lg->db, rc, _("cannot read station settings"), err);
	done(st);
	return rc;
}

static int pending_flush_meta(struct ledger *lg, char *err);

/* 1 for the settings this file keeps pending inside a transaction. */
static int
meta_pending_key(const char *key)
{
	return strcmp(key, "hlc") == 0 || strcmp(key, "digest") == 0;
}

int
ledger_meta_get(struct ledger *lg, const char *key, char **val, char *err)
{
	int rc;

	*val = NULL;
	if (meta_pending_key(key) && (rc = pending_flush_meta(lg, err)) != 0)
		return rc;
	rc = meta_get(lg, key, val, err);
	return rc == LD_ENOTFOUND ? 0 : rc;
}

int64_t
ledger_meta_int(struct ledger *lg, const char *key, int64_t def)
{
	char *v = NULL;
	int64_t n = def;

	if (ledger_meta_get(lg, key, &v, NULL) == 0 && v != NULL)
		n = strtoll(v, NULL, 10);
	free(v);
	return n;
}

static int
meta_set(sqlite3 *db, const char *key, const char *val, char *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(db,
	    "INSERT INTO meta(key, value) VALUES(?, ?)"
	    " ON CONFLICT(key) DO UPDATE SET value=excluded.value", &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, val);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, rc,
	    _("cannot save station settings"), err);
}

/* meta_set on the kept statement. */
static int
meta_put(struct ledger *lg, const char *key, const char *val, char *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = stmt(lg, ST_META_SET, &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, val);
	rc = sqlite3_step(st);
	done(st);
	return rc == SQLITE_DONE ? 0 : db_fail(lg->db, rc,
	    _("cannot save station settings"), err);
}

int
ledger_meta_set(struct ledger *lg, const char *key, const char *val,
    char *err)
{
	int rc;

	if (meta_pending_key(key)) {
		if ((rc = pending_flush_meta(lg, err)) != 0)
			return rc;
		lg->hlc_known = lg->digest_known = 0;
	}
	return meta_put(lg, key, val, err);
}

int
ledger_create(const char *path, const char *station, const char *unit,
    char *err)
{
	sqlite3 *db;
	int rc;

	if (!station_id_valid(station))
		return ld_fail(err, LD_EINVAL,
		    _("invalid station id '%s': use 1-32 lowercase letters, digits, '-' or '_'"),
		    station);
	if ((rc = db_open(path, DB_CREATE | DB_EXCLUSIVE, migrations, &db,
	    err)) != 0)
		return rc;
	if ((rc = db_begin(db, err)) == 0 &&
	    (rc = meta_set(db, "station", station, err)) == 0 &&
	    (rc = meta_set(db, "unit", unit, err)) == 0 &&
	    (rc = meta_set(db, "hlc", "0", err)) == 0 &&
	    (rc = meta_set(db, "fold_version", FOLD_VERSION_TEXT, err)) == 0)
		rc = db_commit(db, err);
	if (rc != 0) {
		db_rollback(db);
		db_close(db);
		remove(path);
		return rc;
	}
	db_close(db);
	return 0;
}

struct search_rows;
static int save_projection(struct ledger *lg, const json_t *doc,
    struct search_rows *rows, char *err);

struct refold {
	struct ledger *lg;
	char *err;
	int rc;
};

static int
refold_one(const char *entity, const json_t *doc, void *arg)
{
	struct refold *r = arg;

	/* A record whose events no longer validate keeps what it had:
	 * verify says so. */
	if (doc == NULL)
		return 0;
	r->rc = save_projection(r->lg, doc, NULL, r->err);
	return r->rc != 0;
}

/*
 * Folds every record again when the database was folded by an earlier
 * release than this one (meta "fold_version" below FOLD_VERSION, fold.h;
 * unset: the first), in one transaction, and says so on stderr.
 */
static int
refold_if_older(struct ledger *lg, char *err)
{
	struct refold r = { lg, err, 0 };
	char *v = NULL;
	int rc;

	if ((rc = meta_get(lg, "fold_version", &v, err)) != 0 &&
	    rc != LD_ENOTFOUND)
		return rc;
	rc = v != NULL && atoi(v) >= FOLD_VERSION;
	free(v);
	if (rc)
		return 0;
	if ((rc = db_begin(lg->db, err)) != 0)
		return rc;
	rc = ledger_fold_all(lg, 0, refold_one, &r, err);
	if (rc == 0)
		rc = r.rc;
	if (rc == 0)
		rc = meta_set(lg->db, "fold_version", FOLD_VERSION_TEXT, err);
	if (rc == 0)
		rc = db_commit(lg->db, err);
	if (rc != 0) {
		db_rollback(lg->db);
		return rc;
	}
	fprintf(stderr, _("liandong: note: this station's records were folded "
	    "again for this release\n"));
	return 0;
}

int
ledger_open(const char *path, struct ledger **out, char *err)
{
	struct ledger *lg = xcalloc(1, sizeof *lg);
	char *station = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_open(path, 0, migrations, &lg->db, err)) != 0) {
		free(lg);
		return rc;
	}
	lg->path = xstrdup(path);
	lg->docs = json_object();
	if ((rc = meta_get(lg, "station", &station, err)) != 0 ||
	    (rc = meta_get(lg, "unit", &lg->unit, err)) != 0) {
		if (rc == LD_ENOTFOUND)
			rc = LD_EDB;
		free(station);
		ledger_free(lg);
		return rc;
	}
	ld_strlcpy(lg->station, station, sizeof lg->station);
	free(station);
	/* Not fatal: a database that cannot be written (read-only, a full
	 * disk) still opens, folded as before; the next open tries again. */
	if (refold_if_older(lg, err) != 0)
		fprintf(stderr, _("liandong: warning: cannot fold the records "
		    "again for this version: %s\n"), err);
	*out = lg;
	return 0;
}

static void pending_drop(struct ledger *lg);

void
ledger_free(struct ledger *lg)
{
	int i;

	if (lg == NULL)
		return;
	pending_drop(lg);
	json_decref(lg->docs);
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(lg->st[i]);
	db_close(lg->db);
	free(lg->path);
	free(lg->unit);
	free(lg);
}

const char *
ledger_station(const struct ledger *lg)
{
	return lg->station;
}

const char *
ledger_unit(const struct ledger *lg)
{
	return lg->unit;
}

static int pending_flush(struct ledger *lg, char *err);

int
ledger_begin(struct ledger *lg, char *err)
{
	pending_drop(lg);
	return db_begin(lg->db, err);
}

int
ledger_commit(struct ledger *lg, char *err)
{
	int rc;

	if ((rc = pending_flush(lg, err)) != 0) {
		ledger_rollback(lg);
		return rc;
	}
	rc = db_commit(lg->db, err);
	pending_drop(lg);
	return rc;
}

void
ledger_rollback(struct ledger *lg)
{
	pending_drop(lg);
	db_rollback(lg->db);
}

/* Reads one events row (columns: raw) into ev, re-validating it. */
static int
row_event(sqlite3_stmt *st, int col, struct event *ev, char *err)
{
	const char *raw = (const char *)sqlite3_column_text(st, col);
	int len = sqlite3_column_bytes(st, col);

	return event_parse(raw, (size_t)len, ev, err);
}

static void
free_events(struct event *evs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		event_release(&evs[i]);
	free(evs);
}

void
events_free(struct event *evs, size_t n)
{
	free_events(evs, n);
}

int
ledger_events_of(struct ledger *lg, const char *entity, struct event **out,
    size_t *n, char *err)
{
	struct event *evs = NULL;
	size_t cap = 0, cnt = 0;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = stmt(lg, ST_EVENTS_OF, &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, entity);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 8;
			evs = xrealloc(evs, cap * sizeof *evs);
		}
		if ((rc = row_event(st, 0, &evs[cnt], err)) != 0) {
			done(st);
			free_events(evs, cnt);
			return LD_EINTEGRITY;
		}
		cnt++;
	}
	if (rc != SQLITE_DONE) {
		rc = db_fail(lg->db, rc, _("cannot read events"), err);
		done(st);
		free_events(evs, cnt);
		return rc;
	}
	done(st);
	*out = evs;
	*n = cnt;
	return 0;
}

/* The stored projection of entity, parsed (new reference), or
 * LD_ENOTFOUND; pending changes not included. */
static int
proj_load(struct ledger *lg, const char *entity, json_t **doc, char *err)
{
	sqlite3_stmt *st;
	int rc;

	*doc = NULL;
	if ((rc = stmt(lg, ST_PROJ_GET, &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, entity);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*doc = cjson_parse((const char *)sqlite3_column_text(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0), 64, err);
		rc = *doc != NULL ? 0 : LD_EINTEGRITY;
	} else if (rc == SQLITE_DONE)
		rc = ld_fail(err, LD_ENOTFOUND, _("no record '%s'"), entity);
	else
		rc = db_fail(lg->db, rc, _("cannot read a record"), err);
	done(st);
	return rc;
}

int
ledger_get(struct ledger *lg, const char *entity, json_t **doc, char *err)
{
	int rc;

	*doc = NULL;
	if ((rc = pending_flush(lg, err)) != 0)
		return rc;
	return proj_load(lg, entity, doc, err);
}

/* 0 if entity has a record (stored or pending), else LD_ENOTFOUND. */
static int
entity_known(struct ledger *lg, const char *entity, char *err)
{
	sqlite3_stmt *st;
	int rc;

	if (json_object_get(lg->docs, entity) != NULL)
		return 0;
	if ((rc = stmt(lg, ST_PROJ_EXISTS, &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, entity);
	rc = sqlite3_step(st);
	done(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return ld_fail(err, LD_ENOTFOUND, _("no record '%s'"), entity);
	return db_fail(lg->db, rc, _("cannot read a record"), err);
}

/*
 * A batch's search rows as the JSON text ST_SEARCH_BATCH reads,
 * [[rowid,"body"],...], written here as they come rather than built as
 * jansson values and dumped: one buffer grown by doubling, the body
 * escaped as JSON wants (quote, backslash, control characters; the rest,
 * UTF-8 included, as it is), which json_extract gives back unchanged.
 */
struct search_rows {
	char *s;      /* owned; NUL-terminated when n > 0 */
	size_t len, cap;
	size_t n;     /* rows */
};

static void
rows_reserve(struct search_rows *r, size_t more)
{
	size_t cap = r->cap ? r->cap : 4096;

	if (r->len + more + 1 <= r->cap)
		return;
	while (cap < r->len + more + 1)
		cap *= 2;
	r->s = xrealloc(r->s, cap);
	r->cap = cap;
}

static void
rows_add(struct search_rows *r, sqlite3_int64 id, const char *text)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	size_t tl = strlen(text);
	char *o;

	/* At most 6 bytes a byte (\u00XX), the rowid and the brackets. */
	rows_reserve(r, tl * 6 + 32);
	o = r->s + r->len;
	o += sprintf(o, "%s[%lld,\"", r->n ? "," : "[", (long long)id);
	for (p = (const unsigned char *)text; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			*o++ = '\\';
			*o++ = (char)*p;
		} else if (*p < 0x20) {
			*o++ = '\\';
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		} else
			*o++ = (char)*p;
	}
	*o++ = '"';
	*o++ = ']';
	*o = '\0';
	r->len = (size_t)(o - r->s);
	r->n++;
}

/* Stores text (doc's canonical encoding) as the projection of entity;
 * its search row, search (fold_search_text's), is written at once when
 * rows is NULL, else added to rows for search_save_rows. Takes text and
 * search. */
static int
save_encoded(struct ledger *lg, const char *entity, char *text,
    char *search, struct search_rows *rows, char *err)
{
	sqlite3_stmt *st;
	sqlite3_int64 id;
	int rc;

	if ((rc = stmt(lg, ST_PROJ_SAVE, &st, err)) != 0) {
		free(text);
		free(search);
		return rc;
	}
	db_bind_text(st, 1, entity);
	sqlite3_bind_text(st, 2, text, -1, free);
	rc = sqlite3_step(st);
	id = sqlite3_column_int64(st, 0);
	if (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	done(st);
	if (rc != SQLITE_DONE) {
		free(search);
		return db_fail(lg->db, rc, _("cannot save a record"), err);
	}

	if (rows != NULL) {
		rows_add(rows, id, search);
		free(search);
		return 0;
	}
	if ((rc = stmt(lg, ST_SEARCH_SAVE, &st, err)) != 0) {
		free(search);
		return rc;
	}
	db_bind_int(st, 1, id);
	sqlite3_bind_text(st, 2, search, -1, free);
	rc = sqlite3_step(st);
	done(st);
	return rc == SQLITE_DONE ? 0 : db_fail(lg->db, rc,
	    _("cannot update the search index"), err);
}

/* Stores doc as the projection of its entity, and its search row (see
 * save_encoded). */
static int
save_projection(struct ledger *lg, const json_t *doc,
    struct search_rows *rows, char *err)
{
	char *text = cjson_encode(doc, err);

	if (text == NULL)
		return LD_EINTERNAL;
	return save_encoded(lg, json_string_value(json_object_get(doc,
	    "entity")), text, fold_search_text(doc), rows, err);
}

/* Writes the search rows collected by save_projection, in one statement
 * (one FTS5 flush instead of one per row); takes rows' text. */
static int
search_save_rows(struct ledger *lg, struct search_rows *rows, char *err)
{
	sqlite3_stmt *st;
	int rc;

	if (rows->n == 0)
		return 0;
	if ((rc = stmt(lg, ST_SEARCH_BATCH, &st, err)) != 0)
		return rc;
	rows_reserve(rows, 1);
	rows->s[rows->len++] = ']';
	rows->s[rows->len] = '\0';
	sqlite3_bind_text(st, 1, rows->s, (int)rows->len, free);
	rows->s = NULL;
	rows->len = rows->cap = rows->n = 0;
	rc = sqlite3_step(st);
	done(st);
	return rc == SQLITE_DONE ? 0 : db_fail(lg->db, rc,
	    _("cannot update the search index"), err);
}

/*
 * A flush's records are encoded (cjson_encode, fold_search_text: a fifth
 * of what the main thread does in a pull) on a second thread while the
 * main thread saves the ones before them (aside.h), as the parser of an
 * answer checks its events (agent/sync.c): the records are folded
 * already and nothing changes them until the flush ends; the encoder
 * reads them and writes its own slots, the connection stays with the
 * main thread. The texts are the same, made elsewhere.
 */
#define ENCODE_AHEAD_MIN 16

struct encoded {
	char *text;           /* cjson_encode's, owned until saved */
	char *search;         /* fold_search_text's, owned until saved */
	char err[LD_ERRLEN];
};

struct encoder {
	struct aside aside;
	json_t **docs;        /* borrowed */
	struct encoded *e;    /* owned: one slot per record */
	size_t n;
};

/* Records encoded on the encoder's thread since the process started. */
static long encoded_aside;

long
ledger_encoded_aside(void)
{
	return __atomic_load_n(&encoded_aside, __ATOMIC_RELAXED);
}

static void
encode_one(void *arg, size_t i)
{
	struct encoder *k = arg;
	struct encoded *e = &k->e[i];

	e->err[0] = '\0';
	if ((e->text = cjson_encode(k->docs[i], e->err)) != NULL)
		e->search = fold_search_text(k->docs[i]);
}

static void
encoder_start(struct encoder *k, json_t **docs, size_t n)
{
	memset(k, 0, sizeof *k);
	k->docs = docs;
	k->n = n;
	k->e = xcalloc(n ? n : 1, sizeof *k->e);
	aside_start(&k->aside, n, ENCODE_AHEAD_MIN, encode_one, k);
}

/* Record i, encoded. */
static struct encoded *
encoder_get(struct encoder *k, size_t i)
{
	aside_take(&k->aside, i);
	return &k->e[i];
}

/* Stops the encoder and drops what was not saved. */
static void
encoder_end(struct encoder *k)
{
	size_t i;

	__atomic_add_fetch(&encoded_aside, (long)aside_end(&k->aside),
	    __ATOMIC_RELAXED);
	for (i = 0; i < k->n; i++) {
		free(k->e[i].text);
		free(k->e[i].search);
	}
	free(k->e);
}

/* Saves every pending record, folding afresh those marked so (rule 3),
 * then their search rows at once; empties lg->docs. */
static int
pending_flush_docs(struct ledger *lg, char *err)
{
	struct search_rows rows = { NULL, 0, 0, 0 };
	size_t n = json_object_size(lg->docs), i = 0, j;
	struct encoder k;
	const char *entity;
	json_t *doc, **docs;
	int rc = 0;

	if (n == 0)
		return 0;
	/* The records as they will be saved: folded afresh first where an
	 * event came out of order (their events are all stored by now). */
	docs = xcalloc(n, sizeof *docs);
	json_object_foreach(lg->docs, entity, doc) {
		json_t *fresh = NULL;
		struct event *evs;
		size_t ne;

		if (json_is_null(doc)) {
			if ((rc = ledger_events_of(lg, entity, &evs, &ne,
			    err)) != 0)
				break;
			fresh = fold_events(evs, ne);
			free_events(evs, ne);
		}
		docs[i++] = fresh != NULL ? fresh : json_incref(doc);
	}
	if (rc == 0) {
		encoder_start(&k, docs, n);
		for (j = 0; j < n; j++) {
			struct encoded *e = encoder_get(&k, j);

			if (e->text == NULL) {
				ld_strlcpy(err, e->err, LD_ERRLEN);
				rc = LD_EINTERNAL;
				break;
			}
			rc = save_encoded(lg, json_string_value(json_object_get(
			    docs[j], "entity")), e->text, e->search, &rows,
			    err);
			e->text = e->search = NULL;
			if (rc != 0)
				break;
		}
		encoder_end(&k);
	}
	for (j = 0; j < i; j++)
		json_decref(docs[j]);
	free(docs);
	json_object_clear(lg->docs);
	if (rc == 0)
		rc = search_save_rows(lg, &rows, err);
	free(rows.s);
	return rc;
}

/* Writes the pending clock and digest to meta. */
static int
pending_flush_meta(struct ledger *lg, char *err)
{
	char num[32], *v;
	int rc;

	if (lg->hlc_dirty) {
		snprintf(num, sizeof num, "%lld", (long long)lg->hlc);
		if ((rc = meta_put(lg, "hlc", num, err)) != 0)
			return rc;
		lg->hlc_dirty = 0;
	}
	if (lg->digest_dirty) {
		v = xasprintf("%lld:%.*s", lg->digest.count, HASH_HEX,
		    lg->digest.xor);
		rc = meta_put(lg, "digest", v, err);
		free(v);
		if (rc != 0)
			return rc;
		lg->digest_dirty = 0;
	}
	if (sqlite3_get_autocommit(lg->db))
		lg->hlc_known = lg->digest_known = 0;
	return 0;
}

static int
pending_flush(struct ledger *lg, char *err)
{
	int rc;

	if ((rc = pending_flush_docs(lg, err)) != 0)
		return rc;
	return pending_flush_meta(lg, err);
}

static void
pending_drop(struct ledger *lg)
{
	if (lg->docs != NULL)
		json_object_clear(lg->docs);
	lg->hlc_known = lg->hlc_dirty = 0;
	lg->digest_known = lg->digest_dirty = 0;
}

/* Brings the projection of ev's entity up to date after ev was stored:
 * in lg->docs, saved by the next flush (or at once outside a
 * transaction). */
static int
project(struct ledger *lg, const struct event *ev, char *err)
{
	json_t *doc = json_object_get(lg->docs, ev->entity);
	int rc;

	if (doc == NULL) {
		rc = proj_load(lg, ev->entity, &doc, err);
		if (rc == LD_ENOTFOUND)
			doc = fold_new(ev->entity);
		else if (rc != 0)
			return rc;
		json_object_set_new(lg->docs, ev->entity, doc);
	}
	if (json_is_null(doc))
		; /* folded afresh at the flush */
	else if (fold_is_next(doc, ev))
		fold_apply(doc, ev);
	else
		json_object_set_new(lg->docs, ev->entity, json_null());
	if (json_object_size(lg->docs) > PENDING_MAX ||
	    sqlite3_get_autocommit(lg->db))
		return pending_flush_docs(lg, err);
	return 0;
}

/* The clock as of the last event stored (pending inside a transaction). */
static int
hlc_get(struct ledger *lg, hlc_t *h, char *err)
{
	char *v = NULL;
	int rc;

	if (!lg->hlc_known) {
		if ((rc = meta_get(lg, "hlc", &v, err)) != 0)
			return rc;
		lg->hlc = strtoll(v, NULL, 10);
		free(v);
		lg->hlc_known = !sqlite3_get_autocommit(lg->db);
	}
	*h = lg->hlc;
	return 0;
}

static void
hlc_put(struct ledger *lg, hlc_t h)
{
	lg->hlc = h;
	lg->hlc_known = lg->hlc_dirty = 1;
}

/* The digest lives in meta as "<count>:<xor>", kept with every insert. */
static int
digest_read(struct ledger *lg, struct digest *d, char *err)
{
	char *v = NULL, *colon;
	int rc;

	if (lg->digest_known) {
		*d = lg->digest;
		return 0;
	}
	digest_init(d);
	if ((rc = meta_get(lg, "digest", &v, err)) != 0 && rc != LD_ENOTFOUND)
		return rc;
	if (v != NULL && (colon = strchr(v, ':')) != NULL &&
	    hash_valid(colon + 1)) {
		d->count = strtoll(v, NULL, 10);
		memcpy(d->xor, colon + 1, HASH_HEX);
	}
	free(v);
	if (!sqlite3_get_autocommit(lg->db)) {
		lg->digest = *d;
		lg->digest_known = 1;
	}
	return 0;
}

/* Adds hash to the digest, or takes it out again when removing (XOR is
 * its own inverse). */
static int
digest_change(struct ledger *lg, const char *hash, int removing, char *err)
{
	struct digest d;
	int rc;

	if ((rc = digest_read(lg, &d, err)) != 0)
		return rc;
	digest_add(&d, hash);
	if (removing)
		d.count -= 2;
	lg->digest = d;
	lg->digest_known = lg->digest_dirty = 1;
	if (sqlite3_get_autocommit(lg->db))
		return pending_flush_meta(lg, err);
	return 0;
}

int
ledger_digest(struct ledger *lg, struct digest *d, char *err)
{
	return digest_read(lg, d, err);
}

int
ledger_digest_within(struct ledger *lg, const json_t *heads,
    struct digest *d, int64_t *beyond, json_t *by_station, char *err)
{
	sqlite3_stmt *st;
	int rc;

	digest_init(d);
	*beyond = 0;
	if ((rc = db_prepare(lg->db, "SELECT station, seq, hash FROM events",
	    &st, err)) != 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *station = (const char *)sqlite3_column_text(st, 0);
		json_t *h = json_object_get(heads, station);

		if (sqlite3_column_int64(st, 1) <= json_integer_value(h)) {
			digest_add(d, (const char *)sqlite3_column_text(st, 2));
			continue;
		}
		(*beyond)++;
		if (by_station != NULL)
			json_object_set_new(by_station, station, json_integer(
			    json_integer_value(json_object_get(by_station,
			    station)) + 1));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(lg->db, rc,
	    _("cannot read events"), err);
}

/* Stores ev; canon is its canonical text with the hash when the caller
 * has it already (a received event, checked by event_parse_canonical),
 * else NULL and it is encoded here. */
static int
insert_event(struct ledger *lg, const struct event *ev, const char *canon,
    char *err)
{
	char *own = canon ? NULL : event_canonical(ev, 1);
	const char *raw = canon ? canon : own;
	sqlite3_stmt *st;
	int rc;

	if ((rc = stmt(lg, ST_EVENT_INSERT, &st, err)) != 0) {
		free(own);
		return rc;
	}
	db_bind_text(st, 1, ev->station);
	db_bind_int(st, 2, ev->seq);
	db_bind_int(st, 3, ev->hlc);
	db_bind_int(st, 4, ev->at);
	db_bind_text(st, 5, ev->unit);
	db_bind_text(st, 6, ev->author);
	db_bind_text(st, 7, ev->kind);
	db_bind_text(st, 8, ev->entity);
	db_bind_text(st, 9, ev->prev);
	db_bind_text(st, 10, ev->hash);
	db_bind_text(st, 11, raw);
	free(own);
	rc = sqlite3_step(st);
	done(st);
	if (rc != SQLITE_DONE)
		return db_fail(lg->db, rc, _("cannot store the event"), err);
	return digest_change(lg, ev->hash, 0, err);
}

/* Last seq and hash of this station's chain (0 and HASH_ZERO if empty). */
static int
chain_head(struct ledger *lg, int64_t *seq, char hash[HASH_HEX], char *err)
{
	sqlite3_stmt *st;
	int rc;

	*seq = 0;
	memcpy(hash, HASH_ZERO, HASH_HEX);
	if ((rc = stmt(lg, ST_CHAIN_HEAD, &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, lg->station);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		ld_strlcpy(hash, (const char *)sqlite3_column_text(st, 1), HASH_HEX);
		rc = SQLITE_DONE;
	}
	done(st);
	return rc == SQLITE_DONE ? 0 : db_fail(lg->db, rc,
	    _("cannot read the event chain"), err);
}

int
ledger_backup(struct ledger *lg, const char *path, char *err)
{
	int rc;

	if ((rc = pending_flush(lg, err)) != 0)
		return rc;
	return db_backup(lg->db, path, err);
}

int
ledger_mark_moved(struct ledger *lg, char *err)
{
	char num[32];

	snprintf(num, sizeof num, "%lld", (long long)ltime_now());
	return meta_set(lg->db, "moved_at", num, err);
}

int
ledger_check_not_moved(struct ledger *lg, char *err)
{
	int64_t at = ledger_meta_int(lg, "moved_at", 0);
	char t[LTIME_LEN];

	if (at == 0)
		return 0;
	ltime_format(at, t);
	return ld_fail(err, LD_EPERM,
	    _("this station's database was exported on %s to move to another computer: use it there ('liandong import'); here it is kept only to read"),
	    t);
}

int
ledger_may_write(struct ledger *lg, const char *kind, char *err)
{
	char *role = NULL;
	int rc;

	if ((rc = meta_get(lg, "role", &role, err)) == LD_ENOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (!role_may_write(role, kind))
		rc = ld_fail(err, LD_EPERM,
		    _("a %s station may not record %s (the county's roles: docs/protocol.md)"),
		    role, kind);
	free(role);
	return rc;
}

int
ledger_record(struct ledger *lg, const char *kind, const char *entity,
    const char *author, const json_t *audience, const json_t *body,
    char **entity_out, struct event *ev_out, char *err)
{
	const struct kind_info *k = kind_find(kind);
	struct event ev;
	char *hlcs = NULL;
	hlc_t hlc;
	int rc;

	if (k == NULL)
		return ld_fail(err, LD_EINVAL, _("unknown event kind '%s'"), kind);
	if ((entity == NULL) != (k->creates != 0))
		return ld_fail(err, LD_EINTERNAL, "entity/creates mismatch");
	if ((rc = ledger_may_write(lg, kind, err)) != 0 ||
	    (rc = ledger_check_not_moved(lg, err)) != 0)
		return rc;
	event_init(&ev);
	ld_strlcpy(ev.station, lg->station, sizeof ev.station);
	if ((rc = chain_head(lg, &ev.seq, ev.prev, err)) != 0)
		return rc;
	ev.seq++;
	if ((rc = hlc_get(lg, &hlc, err)) != 0)
		return rc;
	ev.at = ltime_now();
	ev.hlc = hlc_tick(hlc, ev.at);
	ev.unit = xstrdup(lg->unit);
	ev.author = xstrdup(author);
	ev.kind = xstrdup(kind);
	if (entity == NULL) {
		ev.entity = entity_id_new(k->etype, lg->station, ev.seq);
	} else {
		ev.entity = xstrdup(entity);
		if ((rc = kind_check_entity(k, entity, err)) != 0)
			goto out;
		if ((rc = entity_known(lg, entity, err)) != 0)
			goto out;
	}
	if (audience != NULL)
		ev.audience = json_deep_copy(audience);
	else {
		ev.audience = json_array();
		json_array_append_new(ev.audience, json_string(lg->unit));
	}
	ev.body = json_deep_copy(body);
	if ((rc = cjson_check(ev.body, CJSON_MAX_DEPTH, err)) != 0)
		goto out;
	event_seal(&ev);
	if ((rc = event_validate(&ev, err)) != 0)
		goto out;
	if ((rc = insert_event(lg, &ev, NULL, err)) != 0 ||
	    (rc = project(lg, &ev, err)) != 0)
		goto out;
	hlc_put(lg, ev.hlc);
	if (sqlite3_get_autocommit(lg->db) &&
	    (rc = pending_flush_meta(lg, err)) != 0)
		goto out;
	if (json_is_true(json_object_get(ev.body, "urgent"))) {
		/* The daemon syncs at once when this passes "acked". */
		hlcs = xasprintf("%lld", (long long)ev.seq);
		rc = meta_put(lg, "urgent_seq", hlcs, err);
		free(hlcs);
		if (rc != 0)
			goto out;
	}
	if (entity_out != NULL)
		*entity_out = xstrdup(ev.entity);
	if (ev_out != NULL)
		event_copy(ev_out, &ev);
out:
	event_release(&ev);
	return rc;
}

/* An FTS5 string literal matching text as one phrase. */
static char *
fts_phrase(const char *text)
{
	char *out = xmalloc(strlen(text) * 2 + 3), *o = out;

	*o++ = '"';
	for (; *text != '\0'; text++) {
		if (*text == '"')
			*o++ = '"';
		*o++ = *text;
	}
	*o++ = '"';
	*o = '\0';
	return out;
}

/* A LIKE pattern matching text anywhere, with %, _ and \ escaped. */
static char *
like_pattern(const char *text)
{
	char *out = xmalloc(strlen(text) * 2 + 3), *o = out;

	*o++ = '%';
	for (; *text != '\0'; text++) {
		if (*text == '%' || *text == '_' || *text == '\\')
			*o++ = '\\';
		*o++ = *text;
	}
	*o++ = '%';
	*o = '\0';
	return out;
}

/* The statement of a query: what it selects (a list of result columns),
 * then the filters of q bound. */
static int
query_prepare(struct ledger *lg, const struct ledger_query *q,
    const char *what, sqlite3_stmt **out, char *err)
{
	char *sql, *like = NULL;
	sqlite3_stmt *st;
	int rc, i = 1, fts;

	if ((rc = pending_flush(lg, err)) != 0)
		return rc;
	fts = q->search != NULL && utf8_chars(q->search) >= 3;
	sql = xasprintf("SELECT %s FROM projections p%s WHERE p.type=?%s%s%s%s%s%s"
	    " ORDER BY p.sort_at DESC, p.id DESC%s", what,
	    q->search ? " JOIN search s ON s.rowid=p.id" : "",
	    q->status ? " AND p.status=?" : "",
	    q->category ? " AND p.category=?" : "",
	    q->subtype ? " AND p.subtype=?" : "",
	    q->since ? " AND p.sort_at>=?" : "",
	    q->until ? " AND p.sort_at<?" : "",
	    q->search ? (fts ? " AND search MATCH ?" : " AND s.body LIKE ? ESCAPE '\\'") : "",
	    q->limit > 0 ? " LIMIT ? OFFSET ?" :
	    q->offset > 0 ? " LIMIT -1 OFFSET ?" : "");
	rc = db_prepare(lg->db, sql, &st, err);
	free(sql);
	if (rc != 0)
		return rc;
	db_bind_text(st, i++, q->type);
	if (q->status)
		db_bind_text(st, i++, q->status);
	if (q->category)
		db_bind_text(st, i++, q->category);
	if (q->subtype)
		db_bind_text(st, i++, q->subtype);
	if (q->since)
		db_bind_text(st, i++, q->since);
	if (q->until)
		db_bind_text(st, i++, q->until);
	if (q->search) {
		like = fts ? fts_phrase(q->search) : like_pattern(q->search);
		db_bind_text(st, i++, like);
		free(like);
	}
	if (q->limit > 0)
		db_bind_int(st, i++, q->limit);
	if (q->limit > 0 || q->offset > 0)
		db_bind_int(st, i++, q->offset);
	*out = st;
	return 0;
}

int
ledger_query(struct ledger *lg, const struct ledger_query *q, json_t **items,
    char *err)
{
	sqlite3_stmt *st;
	json_t *arr;
	int rc;

	*items = NULL;
	if ((rc = query_prepare(lg, q, "p.doc", &st, err)) != 0)
		return rc;
	arr = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *doc = cjson_parse((const char *)sqlite3_column_text(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0), 64, NULL);
		if (doc != NULL)
			json_array_append_new(arr, doc);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return db_fail(lg->db, rc, _("cannot list records"), err);
	}
	*items = arr;
	return 0;
}

/*
 * ledger_query_each reads no JSON through SQLite: a json_type and a
 * json_extract per path cost eight times the query itself on a list of
 * a hundred thousand records (and "->>" needs SQLite 3.38). It takes each
 * stored projection's text, which cjson_encode wrote (compact, valid),
 * and cuts out the members it wants by their first character, without
 * decoding them: a string's text is its text between the quotes unless
 * it holds an escape, which jansson decodes (rare: a quote or a
 * backslash in the text); an object or array is its JSON text.
 */

/* Past the JSON value at s (valid, as cjson_encode writes it); at a NUL
 * at worst. */
static const char *
value_end(const char *s)
{
	int depth = 0;

	do {
		if (*s == '"') {
			for (s++; *(s += strcspn(s, "\"\\")) == '\\'; s++)
				if (s[1] != '\0')
					s++;
		} else if (*s == '[' || *s == '{')
			depth++;
		else if (*s == ']' || *s == '}')
			depth--;
		else if (depth == 0) {
			while (*s != '\0' && *s != ',' && *s != ']' && *s != '}')
				s++;
			return s;
		}
		if (*s != '\0')
			s++;
	} while (depth > 0 && *s != '\0');
	return s;
}

/* The value of member key (klen bytes) of the object at obj, or NULL. */
static const char *
member_value(const char *obj, const char *key, size_t klen)
{
	const char *p = obj, *kend;

	if (*p++ != '{')
		return NULL;
	while (*p == '"') {
		kend = value_end(p);
		if (*kend != ':')
			return NULL;
		if ((size_t)(kend - p) == klen + 2 &&
		    memcmp(p + 1, key, klen) == 0)
			return kend + 1;
		p = value_end(kend + 1);
		if (*p == ',')
			p++;
	}
	return NULL;
}

/* The value at path ("a.b") in the object at doc, or NULL. */
static const char *
path_value(const char *doc, const char *path)
{
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL) {
		if ((doc = member_value(doc, path, (size_t)(dot - path))) == NULL)
			return NULL;
		path = dot + 1;
	}
	return member_value(doc, path, strlen(path));
}

/* The type and text of the JSON value at p, as ledger_query_each gives
 * them, the text written at *buf (moved past it; never longer than the
 * value's JSON, plus one). */
static void
cut_value(const char *p, const char **type, const char **val, char **buf)
{
	size_t len = (size_t)(value_end(p) - p);
	json_t *j;

	*type = *val = NULL;
	switch (*p) {
	case '"':
		if (len < 2)
			return;
		if (memchr(p, '\\', len) == NULL) {
			*type = "text";
			*val = *buf;
			memcpy(*buf, p + 1, len - 2);
			*buf += len - 2;
			*(*buf)++ = '\0';
		} else if ((j = json_loadb(p, len, JSON_DECODE_ANY, NULL))
		    != NULL) {
			*type = "text";
			*val = *buf;
			memcpy(*buf, json_string_value(j),
			    json_string_length(j) + 1);
			*buf += json_string_length(j) + 1;
			json_decref(j);
		}
		return;
	case 't':
		*type = "true";
		return;
	case 'f':
		*type = "false";
		return;
	case 'n':
	case '\0':
		return;
	}
	*type = *p == '{' ? "object" : *p == '[' ? "array" :
	    strcspn(p, ".eE,]}") < len ? "real" : "integer";
	*val = *buf;
	memcpy(*buf, p, len);
	*buf += len;
	*(*buf)++ = '\0';
}

/* The values at paths in the object at doc into types and vals, in one
 * pass over its members (a nested path looked up within its member);
 * plen[i]: the length of the first key of paths[i]. */
static void
doc_values(const char *doc, const char *const *paths, const size_t *plen,
    size_t npaths, const char **types, const char **vals, char **buf)
{
	const char *p = doc, *kend, *v, *w;
	size_t i, klen;

	for (i = 0; i < npaths; i++)
		types[i] = vals[i] = NULL;
	if (*p++ != '{')
		return;
	while (*p == '"') {
		kend = value_end(p);
		if (*kend != ':')
			return;
		klen = (size_t)(kend - p) - 2;
		v = kend + 1;
		for (i = 0; i < npaths; i++) {
			if (plen[i] != klen || memcmp(paths[i], p + 1, klen) != 0)
				continue;
			w = paths[i][klen] == '\0' ? v :
			    path_value(v, paths[i] + klen + 1);
			if (w != NULL)
				cut_value(w, &types[i], &vals[i], buf);
		}
		p = value_end(v);
		if (*p == ',')
			p++;
	}
}

int
ledger_query_each(struct ledger *lg, const struct ledger_query *q,
    const char *const *paths, size_t npaths,
    int (*fn)(const char *const *types, const char *const *vals, void *arg),
    void *arg, char *err)
{
	const char *types[16], *vals[16], *doc;
	size_t plen[16], cap = 0, len, i;
	char *buf = NULL, *b;
	sqlite3_stmt *st;
	int rc, stop = 0;

	if (npaths == 0 || npaths > 16)
		return ld_fail(err, LD_EINTERNAL, "ledger_query_each: %zu paths",
		    npaths);
	for (i = 0; i < npaths; i++)
		plen[i] = strcspn(paths[i], ".");
	for (i = 0; i < npaths; i++)
		plen[i] = strcspn(paths[i], ".");
	if ((rc = query_prepare(lg, q, "p.doc", &st, err)) != 0)
		return rc;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		doc = (const char *)sqlite3_column_text(st, 0);
		/* Each value at most the whole text, and its NUL. */
		len = ((size_t)sqlite3_column_bytes(st, 0) + 1) * npaths;
		if (len > cap) {
			cap = len * 2;
			buf = xrealloc(buf, cap);
		}
		b = buf;
		doc_values(doc != NULL ? doc : "", paths, plen, npaths, types,
		    vals, &b);
		stop = fn(types, vals, arg) != 0;
	}
	free(buf);
	sqlite3_finalize(st);
	return stop || rc == SQLITE_DONE ? 0 : db_fail(lg->db, rc,
	    _("cannot list records"), err);
}

int
ledger_foreach(struct ledger *lg, int64_t after,
    int (*fn)(const struct event *ev, int64_t id, void *arg), void *arg,
    char *err)
{
	sqlite3_stmt *st;
	struct event ev;
	int rc;

	if ((rc = db_prepare(lg->db, "SELECT id, raw FROM events WHERE id>?"
	    " ORDER BY id", &st, err)) != 0)
		return rc;
	db_bind_int(st, 1, after);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int stop;
		if (row_event(st, 1, &ev, err) != 0) {
			sqlite3_finalize(st);
			return LD_EINTEGRITY;
		}
		stop = fn(&ev, sqlite3_column_int64(st, 0), arg);
		event_release(&ev);
		if (stop) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(lg->db, rc,
	    _("cannot read events"), err);
}

/*
 * The re-fold: every record folded afresh from its events in one scan of
 * them in fold order (entity, then hlc, station, seq: the events_entity
 * index), a record's projection finished when the scan passes its last
 * event, instead of one query per record.
 *
 * What it checks of the events: with FOLD_STORED, their shape only
 * (event_from_text, which reads a canonical text without giving its
 * envelope to jansson): their schema and hash are taken as stored, for a
 * caller that checked every event already (ledger_verify's chain pass,
 * which names in bad the ids of those that failed, sorted; a record
 * holding one is given with doc NULL, as a record whose events cannot be
 * read). Without it, each event is parsed and validated as it was when
 * stored (event_parse, SHA-256 included), and a record holding one that
 * fails is given with doc NULL.
 */
#define FOLD_STORED LEDGER_FOLD_STORED

struct fold_scan {
	const int64_t *bad;   /* borrowed, sorted */
	size_t nbad;
	int flags;
	int (*fn)(const char *entity, const json_t *doc, void *arg);
	void *arg;
};

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Parses the event of one row as fs says; 0 or non-zero. */
static int
scan_event(const struct fold_scan *fs, int64_t id, const char *raw,
    size_t len, struct event *ev)
{
	char e[LD_ERRLEN];
	int rc;

	if (fs->nbad > 0 && bsearch(&id, fs->bad, fs->nbad, sizeof id,
	    cmp_id) != NULL) {
		event_init(ev);
		return LD_EINTEGRITY;
	}
	/* The shape, as cjson_parse and event_from_json give it. */
	if ((rc = event_from_text(raw, len, ev, e)) != 0 ||
	    (fs->flags & FOLD_STORED))
		return rc;
	/* And the rest of what event_parse checks (SHA-256 included): its
	 * text read as above rather than parsed whole by jansson. */
	if (len > EVENT_MAX_BYTES * 2 || ev->hash[0] == '\0')
		rc = LD_EINVAL;
	else
		rc = event_validate(ev, e);
	if (rc != 0)
		event_release(ev);
	return rc;
}

static int
fold_scan(struct ledger *lg, const struct fold_scan *fs, char *err)
{
	char *entity = NULL;
	json_t *doc = NULL;
	int broken = 0, stop = 0, rc;
	sqlite3_stmt *st;
	struct event ev;

	if ((rc = db_prepare(lg->db, "SELECT id, entity, raw FROM events"
	    " ORDER BY entity, hlc, station, seq", &st, err)) != 0)
		return rc;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *e = (const char *)sqlite3_column_text(st, 1);

		if (entity == NULL || strcmp(e, entity) != 0) {
			if (entity != NULL)
				stop = fs->fn(entity, broken ? NULL : doc,
				    fs->arg);
			json_decref(doc);
			doc = NULL;
			free(entity);
			entity = xstrdup(e);
			broken = 0;
			if (stop)
				break;
		}
		if (broken)
			continue;
		if (scan_event(fs, sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 2),
		    (size_t)sqlite3_column_bytes(st, 2), &ev) != 0) {
			broken = 1;
			continue;
		}
		if (doc == NULL && (doc = fold_new(ev.entity)) == NULL)
			broken = 1;
		else
			fold_apply(doc, &ev);
		event_release(&ev);
	}
	if (!stop && entity != NULL && (rc == SQLITE_DONE || rc == SQLITE_ROW))
		stop = fs->fn(entity, broken ? NULL : doc, fs->arg);
	json_decref(doc);
	free(entity);
	sqlite3_finalize(st);
	return stop || rc == SQLITE_DONE ? 0 : db_fail(lg->db, rc,
	    _("cannot read events"), err);
}

int
ledger_fold_all(struct ledger *lg, int flags,
    int (*fn)(const char *entity, const json_t *doc, void *arg), void *arg,
    char *err)
{
	struct fold_scan fs = { NULL, 0, flags & FOLD_STORED, fn, arg };
	int rc;

	if ((rc = pending_flush(lg, err)) != 0)
		return rc;
	return fold_scan(lg, &fs, err);
}

static void
problem(struct verify_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
problem(struct verify_report *r, const char *fmt, ...)
{
	va_list ap;

	if (r->problems++ == 0) {
		va_start(ap, fmt);
		vsnprintf(r->first, sizeof r->first, fmt, ap);
		va_end(ap);
	}
}

/* Invariants 1 and 2: every event re-validates, columns match raw, and
 * chains link. */
static int
verify_chains(struct ledger *lg, struct verify_report *r, int64_t **bad,
    size_t *nbad, char *err)
{
	size_t cap = 0;
	char prev_station[STATION_MAX + 1] = "", prev_hash[HASH_HEX] = "";
	int64_t prev_seq = 0;
	hlc_t prev_hlc = 0;
	char e[LD_ERRLEN];
	sqlite3_stmt *st;
	struct event ev;
	int rc;

	*bad = NULL;
	*nbad = 0;
	if ((rc = db_prepare(lg->db, "SELECT station, seq, hlc, at, unit,"
	    " author, kind, entity, prev, hash, raw, id FROM events"
	    " ORDER BY station, seq", &st, err)) != 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *station = (const char *)sqlite3_column_text(st, 0);
		int64_t seq = sqlite3_column_int64(st, 1);
		int own = strcmp(station, lg->station) == 0;

		r->events++;
		if (strcmp(station, prev_station) != 0) {
			r->stations++;
			ld_strlcpy(prev_station, station, sizeof prev_station);
			prev_seq = 0;
			prev_hlc = 0;
			memcpy(prev_hash, HASH_ZERO, HASH_HEX);
		}
		if (row_event(st, 10, &ev, e) != 0) {
			problem(r, _("event %s/%lld: %s"), station, (long long)seq, e);
			prev_seq = 0;
			if (*nbad == cap) {
				cap = cap ? 2 * cap : 16;
				*bad = xrealloc(*bad, cap * sizeof **bad);
			}
			(*bad)[(*nbad)++] = sqlite3_column_int64(st, 11);
			continue;
		}
		if (ev.seq != seq || strcmp(ev.station, station) != 0 ||
		    ev.hlc != sqlite3_column_int64(st, 2) ||
		    ev.at != sqlite3_column_int64(st, 3) ||
		    strcmp(ev.unit, (const char *)sqlite3_column_text(st, 4)) ||
		    strcmp(ev.author, (const char *)sqlite3_column_text(st, 5)) ||
		    strcmp(ev.kind, (const char *)sqlite3_column_text(st, 6)) ||
		    strcmp(ev.entity, (const char *)sqlite3_column_text(st, 7)) ||
		    strcmp(ev.prev, (const char *)sqlite3_column_text(st, 8)) ||
		    strcmp(ev.hash, (const char *)sqlite3_column_text(st, 9)))
			problem(r, _("event %s/%lld: stored columns differ from its content"),
			    station, (long long)seq);
		if (own && seq != prev_seq + 1)
			problem(r, _("own chain has a gap before seq %lld"),
			    (long long)seq);
		if (seq == prev_seq + 1 && strcmp(ev.prev, prev_hash) != 0)
			problem(r, _("event %s/%lld: prev does not match the hash of seq %lld"),
			    station, (long long)seq, (long long)prev_seq);
		if (seq == prev_seq + 1 && ev.hlc <= prev_hlc)
			problem(r, _("event %s/%lld: clock went backwards"), station,
			    (long long)seq);
		prev_seq = seq;
		prev_hlc = ev.hlc;
		memcpy(prev_hash, ev.hash, HASH_HEX);
		event_release(&ev);
	}
	sqlite3_finalize(st);
	if (*nbad > 1)
		qsort(*bad, *nbad, sizeof **bad, cmp_id);
	return rc == SQLITE_DONE ? 0 : db_fail(lg->db, rc,
	    _("cannot read events"), err);
}

/* Invariant 3, for one record: its fresh fold (NULL: its events cannot
 * be read) against its stored projection and search row, read in the
 * same entity order as the re-fold gives records (a merge of the two). */
struct verify_fold {
	struct ledger *lg;
	struct verify_report *r;
	sqlite3_stmt *proj;  /* entity, doc, search body; by entity */
	int proj_row;        /* SQLITE_ROW while proj holds a row */
	long orphans;        /* projections without events */
	char orphan[ENTITY_MAX + 1]; /* the first of them */
};

/* Steps past the projections sorting before entity (none: NULL, all):
 * projections without events. */
static void
verify_orphans(struct verify_fold *vf, const char *entity)
{
	while (vf->proj_row == SQLITE_ROW) {
		const char *pe = (const char *)sqlite3_column_text(vf->proj, 0);
		if (entity != NULL && strcmp(pe, entity) >= 0)
			break;
		if (vf->orphans++ == 0)
			ld_strlcpy(vf->orphan, pe, sizeof vf->orphan);
		vf->r->entities++;
		vf->proj_row = sqlite3_step(vf->proj);
	}
}

static int
verify_record(const char *entity, const json_t *doc, void *arg)
{
	struct verify_fold *vf = arg;
	struct verify_report *r = vf->r;
	const char *stored = NULL, *body = NULL;
	char *fresh, *search;

	verify_orphans(vf, entity);
	if (vf->proj_row == SQLITE_ROW && strcmp((const char *)
	    sqlite3_column_text(vf->proj, 0), entity) == 0) {
		stored = (const char *)sqlite3_column_text(vf->proj, 1);
		body = (const char *)sqlite3_column_text(vf->proj, 2);
	}
	r->entities++;
	if (stored == NULL)
		problem(r, _("record %s: projection missing or without events"),
		    entity);
	else if (doc == NULL)
		problem(r, _("record %s: cannot read its events"), entity);
	else {
		fresh = cjson_encode(doc, NULL);
		search = fold_search_text(doc);
		if (fresh == NULL || strcmp(fresh, stored) != 0)
			problem(r, _("record %s: projection differs from a fresh fold of its events"),
			    entity);
		else if (body == NULL || strcmp(search, body) != 0)
			problem(r, _("record %s: search index differs from the record"),
			    entity);
		free(fresh);
		free(search);
	}
	if (stored != NULL)
		vf->proj_row = sqlite3_step(vf->proj);
	return 0;
}

/* Invariant 3: each projection and search row equals a fresh fold, the
 * events taken as verify_chains checked them (bad: the ids of those that
 * failed, sorted). */
static int
verify_projections(struct ledger *lg, struct verify_report *r,
    const int64_t *bad, size_t nbad, char *err)
{
	struct verify_fold vf = { lg, r, NULL, 0, 0, "" };
	struct fold_scan fs = { bad, nbad, FOLD_STORED, verify_record, &vf };
	long i;
	int rc;

	if ((rc = db_prepare(lg->db, "SELECT p.entity, p.doc, s.body"
	    " FROM projections p LEFT JOIN search s ON s.rowid=p.id"
	    " ORDER BY p.entity", &vf.proj, err)) != 0)
		return rc;
	vf.proj_row = sqlite3_step(vf.proj);
	rc = fold_scan(lg, &fs, err);
	if (rc == 0) {
		verify_orphans(&vf, NULL);
		if (vf.proj_row != SQLITE_DONE)
			rc = db_fail(lg->db, vf.proj_row,
			    _("cannot read records"), err);
	}
	sqlite3_finalize(vf.proj);
	/* Reported after the records with events, as they always were. */
	for (i = 0; rc == 0 && i < vf.orphans; i++)
		problem(r, _("record %s: projection missing or without events"),
		    vf.orphan);
	return rc;
}

struct sqlite3 *
ledger_sqlite(struct ledger *lg)
{
	return lg->db;
}

/* blob.h's invariants, into r. */
static int
verify_blobs(struct ledger *lg, struct verify_report *r, char *err)
{
	struct blob_report b;
	int rc;

	if ((rc = blob_verify_all(lg, &b, err)) != 0)
		return rc;
	r->blobs = b.blobs;
	r->awaited = b.awaited;
	r->orphans = b.orphans;
	if (b.problems > 0) {
		if (r->problems == 0)
			ld_strlcpy(r->first, b.first, sizeof r->first);
		r->problems += b.problems;
	}
	return 0;
}

int
ledger_verify(struct ledger *lg, struct verify_report *r, char *err)
{
	int64_t *bad = NULL;
	size_t nbad = 0;
	sqlite3_stmt *st;
	int rc;

	memset(r, 0, sizeof *r);
	if ((rc = pending_flush(lg, err)) != 0 ||
	    (rc = db_exec(lg->db, "BEGIN", err)) != 0)
		return rc;
	if ((rc = db_prepare(lg->db, "PRAGMA quick_check", &st, err)) == 0) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *m = (const char *)sqlite3_column_text(st, 0);
			if (strcmp(m, "ok") != 0)
				problem(r, _("database: %s"), m);
		}
		sqlite3_finalize(st);
	}
	if (rc == 0)
		rc = verify_chains(lg, r, &bad, &nbad, err);
	if (rc == 0)
		rc = verify_projections(lg, r, bad, nbad, err);
	if (rc == 0)
		rc = verify_blobs(lg, r, err);
	free(bad);
	db_exec(lg->db, "COMMIT", NULL);
	if (rc != 0)
		return rc;
	return r->problems ? LD_EINTEGRITY : 0;
}

int
ledger_receive(struct ledger *lg, const char *raw, size_t len, int *added,
    char *err)
{
	return ledger_receive_event(lg, raw, len, added, NULL, err);
}

int
ledger_receive_event(struct ledger *lg, const char *raw, size_t len,
    int *added, struct event *out, char *err)
{
	struct event ev;
	char *canon;
	int rc;

	*added = 0;
	if (out != NULL)
		event_init(out);
	if ((rc = event_parse_canonical(raw, len, &ev, &canon, err)) != 0)
		return rc;
	return ledger_receive_parsed(lg, &ev, canon, added, out, err);
}

int
ledger_receive_parsed(struct ledger *lg, struct event *parsed, char *canon,
    int *added, struct event *out, char *err)
{
	char have[HASH_HEX] = "";
	struct event ev = *parsed;
	sqlite3_stmt *st;
	hlc_t hlc;
	int rc;

	*added = 0;
	event_init(parsed);
	if (out != NULL)
		event_init(out);
	if ((rc = stmt(lg, ST_EVENT_HASH, &st, err)) != 0)
		goto out;
	db_bind_text(st, 1, ev.station);
	db_bind_int(st, 2, ev.seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		ld_strlcpy(have, (const char *)sqlite3_column_text(st, 0),
		    sizeof have);
	done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		rc = db_fail(lg->db, rc, _("cannot read events"), err);
		goto out;
	}
	if (have[0] != '\0') {
		rc = strcmp(have, ev.hash) == 0 ? 0 : ld_fail(err, LD_EFORK,
		    _("fork: event %s/%lld differs from the one held here"),
		    ev.station, (long long)ev.seq);
		goto out;
	}
	if (strcmp(ev.station, lg->station) == 0) {
		/* The server gives a station back its own events that this
		 * database lacks (restored from an older copy): taken only
		 * when they continue its own chain. */
		char head_hash[HASH_HEX];
		int64_t head;

		if ((rc = chain_head(lg, &head, head_hash, err)) != 0)
			goto out;
		if (ev.seq != head + 1 || strcmp(ev.prev, head_hash) != 0) {
			rc = ld_fail(err, LD_EFORK,
			    _("the server holds event %s/%lld of this station that this database lacks"),
			    ev.station, (long long)ev.seq);
			goto out;
		}
	}
	if ((rc = insert_event(lg, &ev, canon, err)) != 0 ||
	    (rc = project(lg, &ev, err)) != 0)
		goto out;
	if ((rc = hlc_get(lg, &hlc, err)) != 0)
		goto out;
	hlc_put(lg, hlc_recv(hlc, ev.hlc, ltime_now()));
	if (sqlite3_get_autocommit(lg->db))
		rc = pending_flush_meta(lg, err);
	if (rc == 0)
		*added = 1;
out:
	free(canon);
	if (out != NULL && *added)
		*out = ev; /* handed over */
	else
		event_release(&ev);
	return rc;
}

/* Folds entity again from the events it has left, or drops its record
 * and search row when none is left. */
static int
refold(struct ledger *lg, const char *entity, char *err)
{
	struct event *evs;
	sqlite3_stmt *st;
	json_t *doc;
	size_t n;
	int rc;

	if ((rc = ledger_events_of(lg, entity, &evs, &n, err)) != 0)
		return rc;
	if (n > 0) {
		doc = fold_events(evs, n);
		free_events(evs, n);
		rc = save_projection(lg, doc, NULL, err);
		json_decref(doc);
		return rc;
	}
	free(evs);
	if ((rc = db_prepare(lg->db, "DELETE FROM search WHERE rowid IN"
	    " (SELECT id FROM projections WHERE entity=?)", &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, entity);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(lg->db, rc, _("cannot update the search index"), err);
	if ((rc = db_prepare(lg->db, "DELETE FROM projections WHERE entity=?",
	    &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, entity);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(lg->db, rc,
	    _("cannot save a record"), err);
}

int
ledger_set_aside(struct ledger *lg, int64_t from, json_t *out, char *err)
{
	json_t *entities = json_object(), *v;
	const char *entity;
	sqlite3_stmt *st;
	int rc;

	if ((rc = pending_flush(lg, err)) != 0)
		goto out;
	if ((rc = db_prepare(lg->db, "SELECT raw, hash, entity FROM events"
	    " WHERE station=? AND seq>=? ORDER BY seq", &st, err)) != 0)
		goto out;
	db_bind_text(st, 1, lg->station);
	db_bind_int(st, 2, from);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = json_loads((const char *)sqlite3_column_text(st, 0),
		    0, NULL);
		if (o == NULL) {
			rc = ld_fail(err, LD_EINTEGRITY, _("an event here does not parse"));
			break;
		}
		json_array_append_new(out, o);
		json_object_set_new(entities, (const char *)sqlite3_column_text(st,
		    2), json_true());
		if ((rc = digest_change(lg, (const char *)sqlite3_column_text(st,
		    1), 1, err)) != 0)
			break;
	}
	sqlite3_finalize(st);
	if (rc > 0 && rc != SQLITE_DONE)
		rc = db_fail(lg->db, rc, _("cannot read events"), err);
	if (rc != SQLITE_DONE)
		goto out;
	if ((rc = db_prepare(lg->db, "DELETE FROM events WHERE station=?"
	    " AND seq>=?", &st, err)) != 0)
		goto out;
	db_bind_text(st, 1, lg->station);
	db_bind_int(st, 2, from);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		rc = db_fail(lg->db, rc, _("cannot store the event"), err);
		goto out;
	}
	rc = 0;
	json_object_foreach(entities, entity, v)
		if ((rc = refold(lg, entity, err)) != 0)
			break;
out:
	json_decref(entities);
	return rc;
}

/* A copy of v with every string found in map replaced by its value (the
 * ids of renumbered records), at any depth. */
static json_t *
remap(const json_t *v, const json_t *map)
{
	json_t *out, *item;
	const char *key;
	size_t i;

	if (json_is_string(v)) {
		json_t *to = json_object_get(map, json_string_value(v));
		return json_incref(to != NULL ? to : (json_t *)v);
	}
	if (json_is_array(v)) {
		out = json_array();
		json_array_foreach(v, i, item)
			json_array_append_new(out, remap(item, map));
		return out;
	}
	if (json_is_object(v)) {
		out = json_object();
		json_object_foreach((json_t *)v, key, item)
			json_object_set_new(out, key, remap(item, map));
		return out;
	}
	return json_incref((json_t *)v);
}

int
ledger_rerecord(struct ledger *lg, const json_t *events, json_t *renamed,
    char *err)
{
	json_t *map = json_object(), *o;
	size_t i;
	int rc = 0;

	json_array_foreach(events, i, o) {
		const char *kind = json_string_value(json_object_get(o, "kind"));
		const char *entity = json_string_value(json_object_get(o, "entity"));
		const struct kind_info *k = kind_find(kind);
		json_t *body, *id_to;
		char *id = NULL, ref[STATION_MAX + 24];
		struct event ev;

		if (k == NULL || entity == NULL) {
			rc = ld_fail(err, LD_EINTEGRITY, _("an event here does not parse"));
			break;
		}
		/* Ids of records renumbered before this one, and refs
		 * "station/seq" of its events (meeting resolutions). */
		body = remap(json_object_get(o, "body"), map);
		id_to = json_object_get(map, entity);
		event_init(&ev);
		rc = ledger_record(lg, kind, k->creates ? NULL : id_to != NULL ?
		    json_string_value(id_to) : entity,
		    json_string_value(json_object_get(o, "author")),
		    json_object_get(o, "audience"), body, &id, &ev, err);
		json_decref(body);
		if (rc != 0) {
			event_release(&ev);
			break;
		}
		snprintf(ref, sizeof ref, "%s/%lld", lg->station, (long long)
		    json_integer_value(json_object_get(o, "seq")));
		json_object_set_new(map, ref, json_sprintf("%s/%lld", lg->station,
		    (long long)ev.seq));
		if (k->creates && strcmp(entity, id) != 0) {
			json_object_set_new(map, entity, json_string(id));
			json_object_set_new(renamed, entity, json_string(id));
		}
		event_release(&ev);
		free(id);
	}
	json_decref(map);
	return rc;
}

int
ledger_own_after(struct ledger *lg, int64_t after, size_t limit,
    size_t max_bytes, int (*fn)(const char *raw, size_t len, void *arg),
    void *arg, int *more, char *err)
{
	size_t n = 0, bytes = 0;
	sqlite3_stmt *st;
	int rc;

	*more = 0;
	if ((rc = db_prepare(lg->db, "SELECT raw FROM events WHERE station=?"
	    " AND seq>? ORDER BY seq LIMIT ?", &st, err)) != 0)
		return rc;
	db_bind_text(st, 1, lg->station);
	db_bind_int(st, 2, after);
	db_bind_int(st, 3, (long long)limit + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t len = (size_t)sqlite3_column_bytes(st, 0);
		if (n == limit || (n > 0 && bytes + len > max_bytes)) {
			*more = 1;
			rc = SQLITE_DONE;
			break;
		}
		fn((const char *)sqlite3_column_text(st, 0), len, arg);
		n++;
		bytes += len;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(lg->db, rc,
	    _("cannot read events"), err);
}

int
ledger_own_head(struct ledger *lg, int64_t *seq, char *err)
{
	char hash[HASH_HEX];

	return chain_head(lg, seq, hash, err);
}

int
ledger_dump(struct ledger *lg, FILE *out, char *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = pending_flush(lg, err)) != 0 ||
	    (rc = db_prepare(lg->db, "SELECT doc FROM projections"
	    " ORDER BY entity", &st, err)) != 0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fprintf(out, "%s\n", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(lg->db, rc,
	    _("cannot read records"), err);
}
