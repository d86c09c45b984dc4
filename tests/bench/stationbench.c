/*
 * stationbench.c - the in-process half of the benchmarks: filling station
 * databases, timing the agent's ledger, and the raw SQLite ceilings the
 * figures are divided by (the scripts in tests/bench/ call it).
 *
 *   stationbench fill --db F --events NDJSON [--kind K] [--tx N]
 *       Records the events of F's station in NDJSON (e.g. genevents
 *       --stations 1) through ledger_record, as the agent records them
 *       (so seq, prev and hlc are this station's), and receives every
 *       other station's through ledger_receive, as a pull does; N events a
 *       transaction (default 1000). --kind keeps only that kind.
 *   stationbench own --db F [--after SEQ]
 *       Prints F's own events after SEQ, canonical, one a line: what a
 *       push carries.
 *   stationbench record --db F [--count N]
 *       N single events (liaison.logged), each in its own durable commit,
 *       against N single-row inserts with a durable commit into a scratch
 *       database beside F (the fsync floor).
 *   stationbench refold --db F
 *       Re-folds every projection from the events in one ordered scan
 *       (ledger_fold_all), as `liandong verify` does after checking every
 *       event (secs), and again validating every event (checked_secs),
 *       against a plain scan of the same rows in the same order; the
 *       same in this process's CPU time (cpu_secs, scan_cpu_secs,
 *       cpu_ratio, checked_cpu_secs), the figures to trust under load.
 *   stationbench rawpull --db F --events NDJSON [--tx N]
 *       The ceiling of a pull: the rows of NDJSON inserted as they are
 *       into F's events table (same schema and indexes: F is made by
 *       `liandong init`), N a transaction (default 500, one pull batch).
 *   stationbench rawrows --db F --from PULLED [--tx N]
 *       The ceiling of a pull, every row it writes: the events rows of
 *       PULLED (a station database a pull filled), its records and their
 *       search rows, inserted as they are into F (made by `liandong
 *       init`) with plain prepared INSERTs, N events a transaction
 *       (default 500) with the records' and search rows' share of it;
 *       the same in CPU time (cpu_secs).
 *   stationbench rawserverrows --db F --from SERVER [--tx N]
 *       The same for a push: the events, routes, parties and records
 *       marked stale of SERVER (a server database pushes filled), into F
 *       (made by `liandong-server init`).
 *   stationbench rawserver --db F --events NDJSON [--tx N]
 *       The ceiling of server ingest: into F, a server database made by
 *       `liandong-server init`, the same events rows and one routes row
 *       per audience unit, N a transaction (default 500, one push).
 *   stationbench rawlist --db F
 *       The query `case list` makes, alone: every case's projection in
 *       its order, read from SQLite and nothing more.
 *
 * Every mode ends with one line on stdout, "STATION mode=... key=value".
 * Events are parsed before a ceiling's clock starts: a ceiling is SQLite
 * alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cjson.h"
#include "db.h"
#include "event.h"
#include "fold.h"
#include "hash.h"
#include "kinds.h"
#include "ledger.h"
#include "proto.h"
#include "textfile.h"
#include "util.h"

struct opts {
	const char *db, *events, *kind, *from;
	long tx, count, after;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
die(const char *what, const char *detail)
{
	fprintf(stderr, "stationbench: error: %s%s%s\n", what,
	    detail ? ": " : "", detail ? detail : "");
	exit(2);
}

static int
by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The p-th percentile (nearest rank) of v, sorted in place. */
static double
percentile(double *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, by_double);
	k = (size_t)(p / 100 * (double)n + 0.999999);
	return v[k == 0 ? 0 : k - 1];
}

/* Every line of path parsed into events; *n of them. */
static struct event *
read_events(const char *path, size_t *n)
{
	char *text = NULL, err[LD_ERRLEN];
	struct event *evs = NULL;
	size_t pos = 0, len, cap = 0, all;
	const char *line;

	*n = 0;
	if (textfile_read(path, 1u << 31, &text, err) != 0)
		die("cannot read events", err);
	all = strlen(text);
	while (ndjson_next(text, all, &pos, &line, &len)) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 4096;
			evs = xrealloc(evs, cap * sizeof *evs);
		}
		if (event_parse(line, len, &evs[*n], err) != 0)
			die("bad event", err);
		(*n)++;
	}
	free(text);
	return evs;
}

static struct ledger *
open_ledger(const char *path)
{
	char err[LD_ERRLEN];
	struct ledger *lg;

	if (ledger_open(path, &lg, err) != 0)
		die("cannot open", err);
	return lg;
}

/* The database at path with the project's pragmas (db.h), for plain
 * SQLite work beside the ledger or the server's store. */
static sqlite3 *
raw_open(const char *path)
{
	char err[LD_ERRLEN];
	sqlite3 *db;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		die("cannot open", sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 5000);
	if (db_exec(db, "PRAGMA journal_mode=WAL", err) != 0 ||
	    db_exec(db, "PRAGMA synchronous=FULL", err) != 0)
		die("cannot set pragmas", err);
	return db;
}

/* Records or receives ev; returns 1 if it was stored. */
static int
fill_one(struct ledger *lg, const struct event *ev, char *err)
{
	const struct kind_info *k = kind_find(ev->kind);
	char *raw;
	int added = 0, rc;

	if (strcmp(ev->station, ledger_station(lg)) == 0) {
		rc = ledger_record(lg, ev->kind, k->creates ? NULL : ev->entity,
		    ev->author, ev->audience, ev->body, NULL, NULL, err);
		return rc == 0;
	}
	raw = event_canonical(ev, 1);
	rc = ledger_receive(lg, raw, strlen(raw), &added, err);
	free(raw);
	return rc == 0 && added;
}

static void
fill(const struct opts *o)
{
	struct ledger *lg = open_ledger(o->db);
	char err[LD_ERRLEN];
	size_t n, i, done = 0, skipped = 0;
	struct event *evs = read_events(o->events, &n);
	double t0 = now_s(), secs;

	for (i = 0; i < n; i++) {
		if (o->kind != NULL && strcmp(evs[i].kind, o->kind) != 0)
			continue;
		if (done % (size_t)o->tx == 0 && ledger_begin(lg, err) != 0)
			die("cannot begin", err);
		if (fill_one(lg, &evs[i], err))
			done++;
		else if (skipped++ < 3)
			fprintf(stderr, "stationbench: skipped %s/%lld: %s\n",
			    evs[i].station, (long long)evs[i].seq, err);
		if (done % (size_t)o->tx == 0 && ledger_commit(lg, err) != 0)
			die("cannot commit", err);
	}
	if (done % (size_t)o->tx != 0 && ledger_commit(lg, err) != 0)
		die("cannot commit", err);
	secs = now_s() - t0;
	ledger_free(lg);
	events_free(evs, n);
	printf("STATION mode=fill events=%zu skipped=%zu secs=%.3f"
	    " events_per_s=%.1f\n", done, skipped, secs, done / secs);
}

static int
print_raw(const char *raw, size_t len, void *arg)
{
	fwrite(raw, 1, len, stdout);
	putchar('\n');
	return 0;
}

static void
own(const struct opts *o)
{
	struct ledger *lg = open_ledger(o->db);
	char err[LD_ERRLEN];
	int more;

	if (ledger_own_after(lg, o->after, (size_t)-1 / 2, (size_t)-1 / 2,
	    print_raw, NULL, &more, err) != 0)
		die("cannot read events", err);
	ledger_free(lg);
}

/* n single-row durable commits into a scratch database; ms each in v. */
static void
fsync_floor(const char *beside, double *v, long n)
{
	static const char *const schema[] = {
		"CREATE TABLE t(id INTEGER PRIMARY KEY, raw TEXT NOT NULL)", NULL };
	char *path = xasprintf("%s.floor", beside), err[LD_ERRLEN];
	sqlite3_stmt *st;
	sqlite3 *db;
	long i;

	remove(path);
	if (db_open(path, DB_CREATE, schema, &db, err) != 0)
		die("cannot open", err);
	if (db_prepare(db, "INSERT INTO t(raw) VALUES(?)", &st, err) != 0)
		die("cannot prepare", err);
	for (i = 0; i < n; i++) {
		double t0 = now_s();
		db_begin(db, NULL);
		db_bind_text(st, 1, "{\"a fixed row of about the size of an"
		    " event, for the cost of a durable commit alone\"}");
		sqlite3_step(st);
		sqlite3_reset(st);
		if (db_commit(db, err) != 0)
			die("cannot commit", err);
		v[i] = (now_s() - t0) * 1000;
	}
	sqlite3_finalize(st);
	db_close(db);
	free(path);
}

static void
record(const struct opts *o)
{
	struct ledger *lg = open_ledger(o->db);
	double *v = xcalloc((size_t)o->count, sizeof *v);
	double *f = xcalloc((size_t)o->count, sizeof *f);
	char err[LD_ERRLEN];
	json_t *body;
	long i;
	double p50, p99, f50, f99;

	for (i = 0; i < o->count; i++) {
		double t0 = now_s();
		body = json_pack("{s:s, s:s, s:s, s:s}", "activity", "contact",
		    "date", "2026-11-20T10:00:00+08:00", "summary",
		    "与县市场监管局电话联络，通报夜市食品安全检查安排。", "officer", "卓玛");
		if (ledger_begin(lg, err) != 0 ||
		    ledger_record(lg, "liaison.logged", NULL, "卓玛", NULL, body,
		    NULL, NULL, err) != 0 || ledger_commit(lg, err) != 0)
			die("cannot record", err);
		json_decref(body);
		v[i] = (now_s() - t0) * 1000;
	}
	ledger_free(lg);
	fsync_floor(o->db, f, o->count);
	p50 = percentile(v, (size_t)o->count, 50);
	p99 = percentile(v, (size_t)o->count, 99);
	f50 = percentile(f, (size_t)o->count, 50);
	f99 = percentile(f, (size_t)o->count, 99);
	printf("STATION mode=record count=%ld p50_ms=%.3f p99_ms=%.3f"
	    " floor_p50_ms=%.3f floor_p99_ms=%.3f ratio_p50=%.2f\n", o->count,
	    p50, p99, f50, f99, p50 / f50);
	free(v);
	free(f);
}

/* This process's CPU time (user and system), seconds: on a loaded
 * machine the re-fold's figures to compare. */
static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reads every event's text in fold order, as a refold must; returns
 * the seconds it took, and its CPU seconds in *cpu. */
static double
scan(const char *path, long *rows, double *cpu)
{
	char err[LD_ERRLEN];
	sqlite3_stmt *st;
	sqlite3 *db;
	double t0, c0;

	db = raw_open(path);
	t0 = now_s();
	c0 = cpu_s();
	if (db_prepare(db, "SELECT entity, raw FROM events"
	    " ORDER BY entity, hlc, station, seq", &st, err) != 0)
		die("cannot prepare", err);
	*rows = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 1) > 0)
			(*rows)++;
	}
	sqlite3_finalize(st);
	*cpu = cpu_s() - c0;
	t0 = now_s() - t0;
	db_close(db);
	return t0;
}

/* One record of the re-fold: encoded, as verify encodes it to compare. */
static int
refold_one(const char *entity, const json_t *doc, void *arg)
{
	long *entities = arg;
	char *text;

	if (doc == NULL)
		die("cannot fold", entity);
	text = cjson_encode(doc, NULL);
	free(text);
	(*entities)++;
	return 0;
}

/* Seconds of ledger_fold_all with flags over the database at path; its
 * CPU seconds in *cpu. */
static double
refold_pass(const char *path, int flags, long *entities, double *cpu)
{
	struct ledger *lg = open_ledger(path);
	char err[LD_ERRLEN];
	double t0, c0;

	*entities = 0;
	t0 = now_s();
	c0 = cpu_s();
	if (ledger_fold_all(lg, flags, refold_one, entities, err) != 0)
		die("cannot re-fold", err);
	*cpu = cpu_s() - c0;
	t0 = now_s() - t0;
	ledger_free(lg);
	return t0;
}

static void
refold(const struct opts *o)
{
	char err[LD_ERRLEN];
	sqlite3_stmt *st;
	sqlite3 *db;
	long entities, events = 0, rows;
	double secs, checked_secs, scan_secs, cpu, checked_cpu, scan_cpu;

	db = raw_open(o->db);
	if (db_prepare(db, "SELECT count(*) FROM events", &st, err) != 0)
		die("cannot prepare", err);
	if (sqlite3_step(st) == SQLITE_ROW)
		events = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	db_close(db);
	/* As verify re-folds (the events checked by its chain pass), then
	 * with every event validated again, SHA-256 included. */
	secs = refold_pass(o->db, LEDGER_FOLD_STORED, &entities, &cpu);
	checked_secs = refold_pass(o->db, 0, &entities, &checked_cpu);
	scan_secs = scan(o->db, &rows, &scan_cpu);
	printf("STATION mode=refold events=%ld entities=%ld secs=%.3f"
	    " events_per_s=%.1f scan_secs=%.3f ratio=%.2f checked_secs=%.3f"
	    " checked_ratio=%.2f cpu_secs=%.3f scan_cpu_secs=%.3f"
	    " cpu_ratio=%.2f checked_cpu_secs=%.3f\n", events, entities, secs,
	    events / secs, scan_secs, secs / scan_secs, checked_secs,
	    checked_secs / scan_secs, cpu, scan_cpu, cpu / scan_cpu,
	    checked_cpu);
}

/*
 * The events of a file, a chunk at a time: parsed (with their canonical
 * text) before the clock runs, so that a ceiling times SQLite alone and
 * a million events never sit in memory at once.
 */
struct chunks {
	char *text;
	size_t all, pos;
	struct event *evs;
	char **raw;
	size_t n, cap;
};

static void
chunks_open(struct chunks *c, const char *path, size_t cap)
{
	char err[LD_ERRLEN];

	memset(c, 0, sizeof *c);
	if (textfile_read(path, 1u << 31, &c->text, err) != 0)
		die("cannot read events", err);
	c->all = strlen(c->text);
	c->cap = cap;
	c->evs = xcalloc(cap, sizeof *c->evs);
	c->raw = xcalloc(cap, sizeof *c->raw);
}

static void
chunks_clear(struct chunks *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		event_release(&c->evs[i]);
		free(c->raw[i]);
	}
	c->n = 0;
}

/* The next chunk into c->evs and c->raw; 0 at the end. */
static int
chunks_next(struct chunks *c)
{
	char err[LD_ERRLEN];
	const char *line;
	size_t len;

	chunks_clear(c);
	while (c->n < c->cap && ndjson_next(c->text, c->all, &c->pos, &line,
	    &len)) {
		if (event_parse(line, len, &c->evs[c->n], err) != 0)
			die("bad event", err);
		c->raw[c->n] = xasprintf("%.*s", (int)len, line);
		c->n++;
	}
	return c->n > 0;
}

static void
chunks_close(struct chunks *c)
{
	chunks_clear(c);
	free(c->evs);
	free(c->raw);
	free(c->text);
}

static void
rawpull_one(sqlite3 *db, sqlite3_stmt *st, const struct event *ev,
    const char *raw)
{
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
	if (sqlite3_step(st) != SQLITE_DONE)
		die("cannot insert", sqlite3_errmsg(db));
	sqlite3_reset(st);
}

/* Events rows as the ledger stores them, N a transaction. */
static void
rawpull(const struct opts *o)
{
	struct chunks c;
	char err[LD_ERRLEN];
	sqlite3_stmt *st;
	sqlite3 *db = raw_open(o->db);
	double secs = 0;
	size_t n = 0, i;

	if (db_prepare(db, "INSERT INTO events(station, seq, hlc, at, unit,"
	    " author, kind, entity, prev, hash, raw)"
	    " VALUES(?,?,?,?,?,?,?,?,?,?,?)", &st, err) != 0)
		die("cannot prepare", err);
	chunks_open(&c, o->events, (size_t)o->tx);
	while (chunks_next(&c)) {
		double t0 = now_s();
		if (db_begin(db, err) != 0)
			die("cannot begin", err);
		for (i = 0; i < c.n; i++)
			rawpull_one(db, st, &c.evs[i], c.raw[i]);
		if (db_commit(db, err) != 0)
			die("cannot commit", err);
		secs += now_s() - t0;
		n += c.n;
	}
	chunks_close(&c);
	sqlite3_finalize(st);
	db_close(db);
	printf("STATION mode=rawpull events=%zu secs=%.3f events_per_s=%.1f\n",
	    n, secs, n / secs);
}

/* The rows of one table of a database, read whole (each value as
 * SQLite holds it, its type kept), before any clock starts. */
struct table_rows {
	const char *table, *cols; /* cols: its columns, comma-separated */
	sqlite3_value **v;        /* n * ncols, owned */
	size_t n;
	int ncols;
	sqlite3_stmt *ins;        /* INSERT INTO table(cols) VALUES(?, ...) */
};

static void
table_read(sqlite3 *src, sqlite3 *db, struct table_rows *t)
{
	char err[LD_ERRLEN], *sql = xasprintf("SELECT %s FROM %s ORDER BY 1",
	    t->cols, t->table), *q;
	sqlite3_stmt *st;
	size_t cap = 0;
	int c, rc;

	if (db_prepare(src, sql, &st, err) != 0)
		die("cannot prepare", err);
	free(sql);
	t->ncols = sqlite3_column_count(st);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (t->n == cap) {
			cap = cap ? cap * 2 : 1024;
			t->v = xrealloc(t->v, cap * t->ncols * sizeof *t->v);
		}
		for (c = 0; c < t->ncols; c++)
			t->v[t->n * t->ncols + c] = sqlite3_value_dup(
			    sqlite3_column_value(st, c));
		t->n++;
	}
	if (rc != SQLITE_DONE)
		die("cannot read", sqlite3_errmsg(src));
	sqlite3_finalize(st);
	q = xcalloc(1, (size_t)t->ncols * 2 + 1);
	for (c = 0; c < t->ncols; c++)
		strcat(q, c > 0 ? ",?" : "?");
	sql = xasprintf("INSERT INTO %s(%s) VALUES(%s)", t->table, t->cols, q);
	if (db_prepare(db, sql, &t->ins, err) != 0)
		die("cannot prepare", err);
	free(sql);
	free(q);
}

/* Inserts rows [from, to) of t. */
static void
table_insert(sqlite3 *db, const struct table_rows *t, size_t from,
    size_t to)
{
	size_t i;
	int c;

	for (i = from; i < to; i++) {
		for (c = 0; c < t->ncols; c++)
			sqlite3_bind_value(t->ins, c + 1, t->v[i * t->ncols + c]);
		if (sqlite3_step(t->ins) != SQLITE_DONE)
			die("cannot insert", sqlite3_errmsg(db));
		sqlite3_reset(t->ins);
	}
}

static void
table_free(struct table_rows *t)
{
	size_t i;

	for (i = 0; i < t->n * (size_t)t->ncols; i++)
		sqlite3_value_free(t->v[i]);
	free(t->v);
	sqlite3_finalize(t->ins);
}

/* Every row of the tables t[0..nt) of o->from written again into o->db,
 * o->tx rows of t[0] (the events) a transaction with the other tables'
 * share; prints the figures as mode. */
static void
copy_rows(const struct opts *o, const char *mode, struct table_rows *t,
    int nt)
{
	char err[LD_ERRLEN];
	sqlite3 *src = raw_open(o->from), *db = raw_open(o->db);
	size_t done[8] = { 0 }, ev;
	double secs = 0, cpu = 0;
	int k;

	if (nt > (int)(sizeof done / sizeof done[0]))
		die("copy_rows", "too many tables");
	for (k = 0; k < nt; k++)
		table_read(src, db, &t[k]);
	db_close(src);
	if (t[0].n == 0)
		die("copy_rows", "no events to copy");
	for (ev = 0; ev < t[0].n; ) {
		double t0 = now_s(), c0 = cpu_s();

		ev = ev + (size_t)o->tx < t[0].n ? ev + (size_t)o->tx : t[0].n;
		if (db_begin(db, err) != 0)
			die("cannot begin", err);
		for (k = 0; k < nt; k++) {
			size_t to = t[k].n * ev / t[0].n;

			table_insert(db, &t[k], done[k], to);
			done[k] = to;
		}
		if (db_commit(db, err) != 0)
			die("cannot commit", err);
		secs += now_s() - t0;
		cpu += cpu_s() - c0;
	}
	printf("STATION mode=%s events=%zu", mode, t[0].n);
	for (k = 1; k < nt; k++)
		printf(" %s=%zu", t[k].table, t[k].n);
	printf(" secs=%.3f cpu_secs=%.3f events_per_s=%.1f\n", secs, cpu,
	    t[0].n / secs);
	for (k = 0; k < nt; k++)
		table_free(&t[k]);
	db_close(db);
}

/* Every row a pull wrote into o->from: events, records, search rows. */
static void
rawrows(const struct opts *o)
{
	struct table_rows t[] = {
		{ .table = "events", .cols = "id, station, seq, hlc, at, unit,"
		    " author, kind, entity, prev, hash, raw" },
		{ .table = "projections", .cols = "id, entity, doc" },
		{ .table = "search", .cols = "rowid, body" },
	};

	copy_rows(o, "rawrows", t, (int)(sizeof t / sizeof t[0]));
}

/* Every row a push wrote into o->from, a server database: events,
 * routes, parties, the records marked for the next rebuild. (Not the
 * station's head, one UPDATE a push, nor the digests, one row a unit:
 * rows rewritten, not added.) */
static void
rawserverrows(const struct opts *o)
{
	struct table_rows t[] = {
		{ .table = "events", .cols = "cursor, station, seq, hlc, kind,"
		    " entity, hash, raw, quarantine, received_at, private,"
		    " confidential" },
		{ .table = "routes", .cols = "id, unit, event, entity, station" },
		{ .table = "parties", .cols = "entity, unit, part" },
		{ .table = "projections_stale", .cols = "entity" },
	};

	copy_rows(o, "rawserverrows", t, (int)(sizeof t / sizeof t[0]));
}

/* One events row and its routes, as the server's store writes them. */
static void
rawserver_one(sqlite3 *db, sqlite3_stmt *ins, sqlite3_stmt *rt,
    const struct event *ev, const char *raw)
{
	json_t *u;
	size_t j;
	int64_t cursor;

	db_bind_text(ins, 1, ev->station);
	db_bind_int(ins, 2, ev->seq);
	db_bind_int(ins, 3, ev->hlc);
	db_bind_text(ins, 4, ev->kind);
	db_bind_text(ins, 5, ev->entity);
	db_bind_text(ins, 6, ev->hash);
	db_bind_text(ins, 7, raw);
	if (sqlite3_step(ins) != SQLITE_DONE)
		die("cannot insert", sqlite3_errmsg(db));
	sqlite3_reset(ins);
	cursor = sqlite3_last_insert_rowid(db);
	json_array_foreach(ev->audience, j, u) {
		db_bind_text(rt, 1, json_string_value(u));
		db_bind_int(rt, 2, cursor);
		db_bind_text(rt, 3, ev->entity);
		db_bind_text(rt, 4, ev->station);
		if (sqlite3_step(rt) != SQLITE_DONE)
			die("cannot route", sqlite3_errmsg(db));
		sqlite3_reset(rt);
	}
}

static void
rawserver(const struct opts *o)
{
	struct chunks c;
	char err[LD_ERRLEN];
	sqlite3_stmt *ins, *rt;
	sqlite3 *db = raw_open(o->db);
	double secs = 0;
	size_t n = 0, i;

	if (db_prepare(db, "INSERT INTO events(station, seq, hlc, kind,"
	    " entity, hash, raw, quarantine, received_at)"
	    " VALUES(?,?,?,?,?,?,?,NULL,strftime('%s','now'))", &ins, err) != 0 ||
	    db_prepare(db, "INSERT INTO routes(unit, event, entity, station)"
	    " VALUES(?,?,?,?)", &rt, err) != 0)
		die("cannot prepare", err);
	chunks_open(&c, o->events, (size_t)o->tx);
	while (chunks_next(&c)) {
		double t0 = now_s();
		if (db_begin(db, err) != 0)
			die("cannot begin", err);
		for (i = 0; i < c.n; i++)
			rawserver_one(db, ins, rt, &c.evs[i], c.raw[i]);
		if (db_commit(db, err) != 0)
			die("cannot commit", err);
		secs += now_s() - t0;
		n += c.n;
	}
	chunks_close(&c);
	sqlite3_finalize(ins);
	sqlite3_finalize(rt);
	db_close(db);
	printf("STATION mode=rawserver events=%zu secs=%.3f events_per_s=%.1f\n",
	    n, secs, n / secs);
}

/* What `case list` asks of SQLite, with nothing around it: the same
 * query, every row's text read. */
static void
rawlist(const struct opts *o)
{
	char err[LD_ERRLEN];
	sqlite3_stmt *st;
	sqlite3 *db = raw_open(o->db);
	long rows = 0;
	double t0 = now_s(), secs;

	if (db_prepare(db, "SELECT p.doc FROM projections p WHERE p.type=?"
	    " ORDER BY p.sort_at DESC, p.id DESC", &st, err) != 0)
		die("cannot prepare", err);
	db_bind_text(st, 1, "case");
	while (sqlite3_step(st) == SQLITE_ROW)
		if (sqlite3_column_bytes(st, 0) > 0)
			rows++;
	sqlite3_finalize(st);
	secs = now_s() - t0;
	db_close(db);
	printf("STATION mode=rawlist rows=%ld secs=%.4f\n", rows, secs);
}

static void
usage(void)
{
	fprintf(stderr, "usage: stationbench fill|own|record|refold|rawpull|rawrows|rawserver|rawserverrows|rawlist"
	    " --db F [--events NDJSON] [--from DB] [--kind K] [--tx N]"
	    " [--count N] [--after SEQ]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct opts o = { NULL, NULL, NULL, NULL, 0, 200, 0 };
	const char *mode;
	int i;

	if (argc < 2)
		usage();
	mode = argv[1];
	for (i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--db") == 0)
			o.db = argv[i + 1];
		else if (strcmp(argv[i], "--events") == 0)
			o.events = argv[i + 1];
		else if (strcmp(argv[i], "--kind") == 0)
			o.kind = argv[i + 1];
		else if (strcmp(argv[i], "--from") == 0)
			o.from = argv[i + 1];
		else if (strcmp(argv[i], "--tx") == 0)
			o.tx = atol(argv[i + 1]);
		else if (strcmp(argv[i], "--count") == 0)
			o.count = atol(argv[i + 1]);
		else if (strcmp(argv[i], "--after") == 0)
			o.after = atol(argv[i + 1]);
		else
			usage();
	}
	if (i != argc || o.db == NULL || o.count < 1 || o.tx < 0 || o.after < 0)
		usage();
	hash_init();
	if (strcmp(mode, "fill") == 0 && o.events != NULL) {
		o.tx = o.tx ? o.tx : 1000;
		fill(&o);
	} else if (strcmp(mode, "record") == 0)
		record(&o);
	else if (strcmp(mode, "own") == 0)
		own(&o);
	else if (strcmp(mode, "rawlist") == 0)
		rawlist(&o);
	else if (strcmp(mode, "refold") == 0)
		refold(&o);
	else if (strcmp(mode, "rawpull") == 0 && o.events != NULL) {
		o.tx = o.tx ? o.tx : PROTO_PULL_BATCH;
		rawpull(&o);
	} else if (strcmp(mode, "rawrows") == 0 && o.from != NULL) {
		o.tx = o.tx ? o.tx : PROTO_PULL_BATCH;
		rawrows(&o);
	} else if (strcmp(mode, "rawserverrows") == 0 && o.from != NULL) {
		o.tx = o.tx ? o.tx : PROTO_PUSH_BATCH;
		rawserverrows(&o);
	} else if (strcmp(mode, "rawserver") == 0 && o.events != NULL) {
		o.tx = o.tx ? o.tx : PROTO_PUSH_BATCH;
		rawserver(&o);
	} else
		usage();
	return 0;
}
