/*
 * store-pg.c - the county server's storage on PostgreSQL, through libpq:
 * for a county (or a province) that runs several server processes on one
 * database. The same contract as store-sqlite.c (store.h), the same
 * tables and the same semantics; what differs is said here.
 *
 * Statements: every query is prepared once on the connection when the
 * store opens (PQprepare) and run with its parameters as text
 * (PQexecPrepared): nothing a station or a user sends is ever pasted into
 * SQL. Every result is read whole before the rows are handed to a
 * callback, so that a callback may call the store again (figures.c folds
 * each entity from inside entities()). Inside a transaction the writes
 * of a push go in libpq's pipeline, answered together with the next read
 * or the commit ("the pipeline", below): a push costs a few round trips
 * under the cursor lock, not several an event.
 *
 * Cursors in commit order (docs/architecture.md, "Cursors on
 * PostgreSQL"). Event cursors and route ids are not taken from a
 * sequence: a sequence hands out numbers in the order transactions ask,
 * and they commit in another, so that a station pulling "after 41" could
 * read 43 before 42 is committed, move its cursor to 43 and never see 42.
 * Instead a transaction that stores an event or makes a route first takes
 * the cursor lock, a transaction-level advisory lock (CURSOR_LOCK)
 * exclusive, held until it commits or rolls back, and only then reads the
 * highest cursor and route id committed and counts on from them
 * (next_event, next_route). So the transactions that assign cursors run
 * one after the other, each starting after the previous one committed:
 * cursor order is commit order, and whatever a reader sees is a prefix
 * of the cursors. PostgreSQL makes a transaction visible before it
 * releases its locks, so the next holder's first read sees it.
 *
 * A push takes the lock late (the queue: insert_event, settle_queue). In
 * a transaction that holds the station's row (station_lock), an event is
 * checked against the head, then waits in memory without a cursor (the
 * parties it grants answered from there: pg_parts); the first statement
 * that could see it (a read of events, routes, digests or stations, not
 * the push's own unit, parties, head and duplicate lookups) or the
 * commit takes the lock, reads at once what routing needs (prefetch),
 * and numbers, routes and sends the queue. The lock is held from there to the commit, not while the push
 * decides its events; everything routing depends on is read under it.
 *
 * Readers: one statement sees a prefix, but the server's sync reads the
 * unit's events, then its highest route id, backlog and digest with
 * separate statements of one transaction, and at READ COMMITTED each
 * takes a new snapshot: a route committed in between would move the
 * station's cursor past an event it was never sent. So a read of routes
 * inside a transaction first takes the same lock shared (readers share
 * it, writers wait for them and they for writers): from then to the end
 * of the transaction no route is added, and every statement sees the
 * same routes and digests. Outside a transaction each read is one
 * statement and needs no lock.
 *
 * Digests, widening, watchers, budget and confidential events as in
 * store-sqlite.c: digests changed in a transaction are kept in memory and
 * written at its commit (always under the exclusive lock, so no other
 * process changes them meanwhile); the watchers are read once the
 * exclusive lock is held. A write that routes outside the caller's
 * transaction runs in one of its own.
 *
 * Errors: a statement that fails aborts PostgreSQL's transaction; the
 * caller rolls back, as it does on any error. A connection PostgreSQL
 * dropped (a restart, a failover) is made again, with its statements,
 * at the next begin or statement outside a transaction; a statement
 * outside one that finds it dropped runs once more on the new one (the
 * few writes made so, a failed login noted, an audit line, may then be
 * written twice if the first one did reach the database before the
 * drop); a transaction it ended fails whole (the server answers 503). Inserts that may meet an
 * existing key say ON CONFLICT DO NOTHING and count the rows, so that
 * "exists already" is an answer, not an aborted transaction.
 *
 * Migrations: schema_version holds the version; each migration runs in a
 * transaction of its own, under an advisory lock (MIGRATE_LOCK) so that
 * two processes opening one database at once do not both apply it.
 * Migration 1 is the SQLite store's schema as of its migration 6.
 *
 * Backup runs pg_dump (custom format, a new file mode 0600); compact is
 * VACUUM FULL, which fails with LD_ELOCKED while another transaction
 * holds the tables.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "kinds.h"
#include "ltime.h"
#include "merge.h"
#include "registry.h"
#include "roles.h"
#include "store.h"
#include "store-pg.h"
#include "util.h"
#include "vault.h"

/* The advisory lock keys (pg_advisory_xact_lock, per database). */
#define CURSOR_LOCK "7301962001"
#define MIGRATE_LOCK "7301962002"

/* The kind sealed at rest before the confidential column (migration 3),
 * which now marks every event sealed (kind_body_confidential). */
#define CONFIDENTIAL "complaint.identity"

#define C " COLLATE \"C\""

static const char *const migrations[] = {
	"CREATE TABLE meta(key text" C " PRIMARY KEY, value text NOT NULL);"
	"CREATE TABLE stations("
	"  name text" C " PRIMARY KEY, unit text" C " NOT NULL,"
	"  role text" C " NOT NULL, added_at bigint NOT NULL,"
	"  enrolled_at bigint NOT NULL DEFAULT 0,"
	"  revoked_at bigint NOT NULL DEFAULT 0,"
	"  code_hash text NOT NULL DEFAULT '',"
	"  code_expires bigint NOT NULL DEFAULT 0,"
	"  token_hash text NOT NULL DEFAULT '',"
	"  last_sync bigint NOT NULL DEFAULT 0,"
	"  cursor bigint NOT NULL DEFAULT 0,"
	"  head_seq bigint NOT NULL DEFAULT 0,"
	"  head_hash text NOT NULL DEFAULT"
	"   '0000000000000000000000000000000000000000000000000000000000000000',"
	"  head_hlc bigint NOT NULL DEFAULT 0,"
	"  epoch bigint NOT NULL DEFAULT 0,"
	"  replaced_lo bigint NOT NULL DEFAULT 0,"
	"  replaced_hi bigint NOT NULL DEFAULT 0);"
	"CREATE INDEX stations_unit ON stations(unit);"
	"CREATE TABLE events(cursor bigint PRIMARY KEY,"
	"  station text" C " NOT NULL, seq bigint NOT NULL,"
	"  hlc bigint NOT NULL, kind text" C " NOT NULL,"
	"  entity text" C " NOT NULL, hash text NOT NULL, raw text NOT NULL,"
	"  quarantine text, private integer NOT NULL DEFAULT 0,"
	"  received_at bigint NOT NULL, UNIQUE(station, seq));"
	"CREATE INDEX events_entity ON events(entity, hlc, station, seq);"
	"CREATE TABLE routes(id bigint PRIMARY KEY, unit text" C " NOT NULL,"
	"  event bigint NOT NULL REFERENCES events(cursor),"
	"  entity text" C " NOT NULL, station text" C " NOT NULL,"
	"  UNIQUE(unit, event));"
	"CREATE INDEX routes_pull ON routes(unit, id);"
	"CREATE INDEX routes_entity ON routes(unit, entity);"
	"CREATE TABLE digests(unit text" C " PRIMARY KEY,"
	"  count bigint NOT NULL, xor text NOT NULL);"
	"CREATE TABLE parties(entity text" C " NOT NULL, unit text" C
	"  NOT NULL, part integer NOT NULL, PRIMARY KEY(entity, unit, part));"
	"CREATE TABLE units(name text" C " PRIMARY KEY,"
	"  role text" C " NOT NULL DEFAULT '', added_at bigint NOT NULL);"
	"CREATE TABLE accounts(name text" C " PRIMARY KEY, unit text NOT NULL,"
	"  role text NOT NULL, hash text NOT NULL,"
	"  disabled integer NOT NULL DEFAULT 0, created_at bigint NOT NULL,"
	"  changed_at bigint NOT NULL, last_login bigint NOT NULL DEFAULT 0);"
	"CREATE TABLE sessions(token_hash text PRIMARY KEY,"
	"  account text" C " NOT NULL, address text NOT NULL,"
	"  created_at bigint NOT NULL, expires bigint NOT NULL);"
	"CREATE INDEX sessions_account ON sessions(account);"
	"CREATE TABLE login_failures(key text" C " NOT NULL,"
	"  at bigint NOT NULL);"
	"CREATE INDEX login_failures_key ON login_failures(key, at);"
	"CREATE TABLE audit(id bigserial PRIMARY KEY, at bigint NOT NULL,"
	"  account text NOT NULL, address text NOT NULL, event text NOT NULL,"
	"  detail text NOT NULL)",
	/* 2: the county's projections (projection.h), filled by the first
	 * projection_ensure and kept by event_insert. */
	"CREATE TABLE projections(entity text" C " PRIMARY KEY,"
	"  events bigint NOT NULL, private bigint NOT NULL,"
	"  doc text NOT NULL);"
	"CREATE TABLE projection_times(at bigint NOT NULL,"
	"  entity text" C " NOT NULL, PRIMARY KEY(at, entity));"
	"CREATE INDEX projection_times_entity ON projection_times(entity);"
	"CREATE TABLE projections_stale(entity text" C " PRIMARY KEY)",
	/* 3: the events kept from everyone not addressed, as a column
	 * (kind_body_confidential): the complainant's identity and the
	 * confidential attachments, sealed alike (SQLite's migration 8). */
	"ALTER TABLE events ADD COLUMN confidential integer NOT NULL"
	"  DEFAULT 0;"
	"UPDATE events SET confidential=1 WHERE kind='" CONFIDENTIAL "'"
	"  OR CASE WHEN kind LIKE '%.attached' THEN"
	"  (raw::jsonb)->'body'->>'confidential' = 'true' ELSE false END",
	/* 4: the attachments' files (blobs-pg.c), shared by every instance:
	 * whole files, their 64 KiB rows (station '' for a whole file's, a
	 * station's name for its part's), the parts being received, the
	 * holders, the proofs and each station's quota. The rows are stored
	 * uncompressed out of line (EXTERNAL): photos do not compress, and a
	 * read of a range fetches only the pieces it needs. */
	"CREATE TABLE blob_files(hash text" C " PRIMARY KEY,"
	"  size bigint NOT NULL);"
	"CREATE TABLE blob_chunks(hash text" C " NOT NULL, size bigint NOT NULL,"
	"  station text" C " NOT NULL, idx bigint NOT NULL,"
	"  data bytea NOT NULL, PRIMARY KEY(hash, size, station, idx));"
	"ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;"
	"CREATE TABLE blob_parts(hash text" C " NOT NULL, size bigint NOT NULL,"
	"  station text" C " NOT NULL, have bigint NOT NULL,"
	"  touched bigint NOT NULL, PRIMARY KEY(hash, size, station));"
	"CREATE INDEX blob_parts_touched ON blob_parts(touched);"
	"CREATE TABLE blob_holders(hash text" C " NOT NULL,"
	"  unit text" C " NOT NULL, PRIMARY KEY(hash, unit));"
	"CREATE TABLE blob_proofs(hash text" C " NOT NULL,"
	"  station text" C " NOT NULL, at bigint NOT NULL, ok integer NOT NULL,"
	"  touched bigint NOT NULL, PRIMARY KEY(hash, station));"
	"CREATE TABLE blob_quota(station text" C " PRIMARY KEY,"
	"  used bigint NOT NULL)",
	NULL,
};

enum stmt_id {
	ST_STATION_ADD, ST_STATION_GET, ST_STATION_LIST, ST_STATION_UPDATE,
	ST_UNIT_KNOWN, ST_EVENT_HASH, ST_EVENT_INSERT, ST_HEAD_UPDATE,
	ST_PARTS, ST_GRANT, ST_DIGEST_GET, ST_DIGEST_SET, ST_ROUTE, ST_ROUTED,
	ST_EARLIER, ST_WATCHERS, ST_ALL_EVENTS, ST_PULL, ST_BACKLOG,
	ST_ENTITY_EVENTS, ST_ENTITY_EVENTS_ALL, ST_ENTITIES, ST_ENTITIES_ALL,
	ST_META_GET, ST_META_SET, ST_UNIT_ADD, ST_UNIT_REMOVE, ST_UNIT_LIST,
	ST_STATION_REMOVE, ST_OWN, ST_HEADS, ST_ROUTE_HEAD, ST_LOCK,
	ST_LOCK_SHARED, ST_TOPS, ST_IDENTITIES, ST_RESEAL, ST_SET_LOCK_TIMEOUT,
	ST_STATION_LOCK, ST_STALE, ST_HEAD_GET, ST_WIDEN, ST_PREFETCH,
	ST_COUNT
};

#define STATION_COLS "name, unit, role, added_at, enrolled_at, revoked_at," \
	" code_hash, code_expires, token_hash, last_sync, cursor, head_seq," \
	" head_hash, head_hlc, epoch, replaced_lo, replaced_hi"

#define SHARED " private=0"

static const char *const stmt_sql[ST_COUNT] = {
	[ST_STATION_ADD] = "INSERT INTO stations(name, unit, role, added_at,"
	    " code_hash, code_expires) VALUES($1,$2,$3,$4,$5,$6)"
	    " ON CONFLICT DO NOTHING",
	[ST_STATION_GET] = "SELECT " STATION_COLS " FROM stations WHERE name=$1",
	[ST_STATION_LIST] = "SELECT " STATION_COLS " FROM stations"
	    " ORDER BY name",
	[ST_STATION_UPDATE] = "UPDATE stations SET enrolled_at=$1,"
	    " revoked_at=$2, code_hash=$3, code_expires=$4, token_hash=$5,"
	    " last_sync=$6, cursor=$7, epoch=$8, replaced_lo=$9,"
	    " replaced_hi=$10 WHERE name=$11",
	[ST_UNIT_KNOWN] = "SELECT 1 FROM stations WHERE unit=$1"
	    " UNION ALL SELECT 1 FROM units WHERE name=$1 LIMIT 1",
	[ST_EVENT_HASH] = "SELECT hash FROM events WHERE station=$1 AND seq=$2",
	[ST_EVENT_INSERT] = "INSERT INTO events(cursor, station, seq, hlc,"
	    " kind, entity, hash, raw, quarantine, private, received_at,"
	    " confidential) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)"
	    " ON CONFLICT DO NOTHING",
	[ST_HEAD_UPDATE] = "UPDATE stations SET head_seq=$1, head_hash=$2,"
	    " head_hlc=$3 WHERE name=$4 AND head_seq=$5",
	[ST_PARTS] = "SELECT coalesce(sum(part), 0) FROM parties"
	    " WHERE entity=$1 AND unit=$2",
	[ST_GRANT] = "INSERT INTO parties(entity, unit, part)"
	    " VALUES($1,$2,$3) ON CONFLICT DO NOTHING",
	[ST_DIGEST_GET] = "SELECT count, xor FROM digests WHERE unit=$1",
	[ST_DIGEST_SET] = "INSERT INTO digests(unit, count, xor)"
	    " VALUES($1,$2,$3) ON CONFLICT (unit) DO UPDATE"
	    " SET count=EXCLUDED.count, xor=EXCLUDED.xor",
	[ST_ROUTE] = "INSERT INTO routes(id, unit, event, entity, station)"
	    " VALUES($1,$2,$3,$4,$5) ON CONFLICT (unit, event) DO NOTHING",
	[ST_ROUTED] = "SELECT 1 FROM routes WHERE unit=$1 AND entity=$2"
	    " LIMIT 1",
	[ST_EARLIER] = "SELECT cursor, station, hash FROM events"
	    " WHERE entity=$1 AND cursor<$2 AND confidential=0"
	    " AND" SHARED " ORDER BY hlc, station, seq",
	[ST_WATCHERS] = "SELECT DISTINCT unit, role FROM stations"
	    " WHERE revoked_at = 0 ORDER BY unit, role",
	[ST_ALL_EVENTS] = "SELECT cursor, entity, station, hash, kind"
	    " FROM events WHERE" SHARED " AND confidential=0"
	    " ORDER BY cursor",
	[ST_PULL] = "SELECT r.id, e.raw, e.station, e.seq, e.received_at"
	    " FROM routes r JOIN events e ON e.cursor=r.event"
	    " WHERE r.unit=$1 AND r.id>$2 AND r.station<>$3"
	    " ORDER BY r.id LIMIT $4",
	[ST_BACKLOG] = "SELECT count(*) FROM routes WHERE unit=$1 AND id>$2"
	    " AND station<>$3",
	[ST_ENTITY_EVENTS] = "SELECT e.cursor, e.raw, e.station, e.seq,"
	    " e.received_at FROM events e JOIN routes r"
	    " ON r.event=e.cursor AND r.unit=$2 WHERE e.entity=$1"
	    " ORDER BY e.hlc, e.station, e.seq",
	[ST_ENTITY_EVENTS_ALL] = "SELECT cursor, raw, station, seq,"
	    " received_at FROM events WHERE entity=$1 AND" SHARED
	    " ORDER BY hlc, station, seq",
	[ST_ENTITIES] = "SELECT DISTINCT entity FROM routes WHERE unit=$1"
	    " ORDER BY entity",
	[ST_ENTITIES_ALL] = "SELECT DISTINCT entity FROM events"
	    " WHERE" SHARED " ORDER BY entity",
	[ST_META_GET] = "SELECT value FROM meta WHERE key=$1",
	[ST_META_SET] = "INSERT INTO meta(key, value) VALUES($1,$2)"
	    " ON CONFLICT (key) DO UPDATE SET value=EXCLUDED.value",
	[ST_UNIT_ADD] = "INSERT INTO units(name, role, added_at)"
	    " VALUES($1,$2,$3) ON CONFLICT DO NOTHING",
	[ST_UNIT_REMOVE] = "DELETE FROM units WHERE name=$1",
	[ST_UNIT_LIST] = "SELECT name, max(role), max(declared),"
	    " sum(active), min(added_at) FROM ("
	    "  SELECT name, role, 1 AS declared, 0 AS active, added_at"
	    "   FROM units"
	    "  UNION ALL SELECT unit, role, 0, (revoked_at = 0)::integer,"
	    "   added_at FROM stations) u"
	    " GROUP BY name ORDER BY name",
	[ST_STATION_REMOVE] = "DELETE FROM stations WHERE name=$1"
	    " AND head_seq=0"
	    " AND NOT EXISTS (SELECT 1 FROM events WHERE station=$1)",
	[ST_OWN] = "SELECT 0, raw, station, seq, received_at FROM events"
	    " WHERE station=$1 AND seq>$2 ORDER BY seq LIMIT $3",
	[ST_HEADS] = "SELECT r.station, max(e.seq) FROM routes r"
	    " JOIN events e ON e.cursor=r.event WHERE r.unit=$1"
	    " GROUP BY r.station ORDER BY r.station",
	[ST_ROUTE_HEAD] = "SELECT coalesce(max(id), 0) FROM routes"
	    " WHERE unit=$1",
	[ST_LOCK] = "SELECT pg_advisory_xact_lock($1::bigint)",
	[ST_LOCK_SHARED] = "SELECT pg_advisory_xact_lock_shared($1::bigint)",
	[ST_TOPS] = "SELECT (SELECT coalesce(max(cursor), 0) FROM events),"
	    " (SELECT coalesce(max(id), 0) FROM routes)",
	[ST_IDENTITIES] = "SELECT cursor, raw, station, seq FROM events"
	    " WHERE confidential=1 ORDER BY cursor",
	[ST_RESEAL] = "UPDATE events SET raw=$1 WHERE cursor=$2",
	[ST_SET_LOCK_TIMEOUT] = "SELECT set_config('lock_timeout', $1, false)",
	[ST_STATION_LOCK] = "SELECT " STATION_COLS " FROM stations"
	    " WHERE name=$1 FOR UPDATE",
	[ST_STALE] = "INSERT INTO projections_stale(entity) VALUES($1)"
	    " ON CONFLICT DO NOTHING",
	[ST_HEAD_GET] = "SELECT head_seq FROM stations WHERE name=$1",
	/* ST_ROUTED and ST_EARLIER in one: the earlier events only when
	 * the unit has no route of the entity yet. */
	[ST_WIDEN] = "SELECT cursor, station, hash FROM events"
	    " WHERE entity=$1 AND cursor<$2 AND confidential=0"
	    " AND" SHARED " AND NOT EXISTS (SELECT 1 FROM routes"
	    " WHERE unit=$3 AND entity=$1) ORDER BY hlc, station, seq",
	/* What settle_queue reads once under the exclusive lock: the
	 * digests of the units $2 (0), which of the entities $1 have events
	 * (1), and which of the (unit, entity) pairs ($2, $3) have routes
	 * (2). */
	[ST_PREFETCH] = "SELECT 0, unit, count, xor FROM digests"
	    " WHERE unit = ANY($2::text[]) UNION ALL SELECT 1, e, 0, '' FROM unnest($1::text[]) AS e"
	    " WHERE EXISTS (SELECT 1 FROM events WHERE entity=e)"
	    " UNION ALL SELECT 2, u, 0, e FROM unnest($2::text[], $3::text[])"
	    " AS p(u, e) WHERE EXISTS (SELECT 1 FROM routes"
	    " WHERE unit=u AND entity=e)",
};

struct pending_digest {
	char *unit;  /* owned */
	struct digest d;
	int changed; /* to be written at the commit */
};

struct watcher {
	char *unit;  /* owned */
	char *role;  /* owned */
};

/* A write sent in the pipeline whose answer is still to be read. */
enum pipe_want { WANT_ANY, WANT_ONE, WANT_COMMIT };
struct pipe_wait {
	enum pipe_want want;  /* what its answer must say */
	int code;             /* LD_E* when it does not */
	const char *what;     /* the message of a failed statement */
	char msg[STATION_MAX + 96]; /* the one for a row count not 1 */
};

/* The most writes in flight: their answers fill PostgreSQL's socket
 * buffer while nothing reads them, and a blocking send of ours would
 * then wait for a server waiting for us. */
#define PIPE_MAX 200

struct known_unit {
	char *unit;  /* owned */
	int known;
};

struct known_head {
	char station[STATION_MAX + 1];
	int64_t seq;
	int held;  /* read under the station's row lock (station_lock) */
};

/* An event stored in a transaction before it has its cursor (the
 * queue, at insert_event): what numbered() needs, owned. */
struct queued {
	struct event ev;
	char *text;        /* the text to store: raw, or sealed */
	char *quarantine;  /* or NULL */
	int private_;
	int budgeted;      /* its routes taken from the queue's budget */
	int64_t head_from; /* heads_once */
};

/* A set of strings (unit NUL entity), open addressing. */
struct strset {
	char **slot; /* owned, each owned */
	size_t cap, n;
};

struct pg_store {
	struct store base;
	PGconn *conn;
	char *url;                 /* owned: for pg_dump */
	const struct vault *vault; /* borrowed */
	int in_txn;                /* between begin and commit/rollback */
	int excl, shared;          /* the cursor lock held in it */
	int64_t next_event;        /* the last cursor given, while excl */
	int64_t next_route;        /* the last route id given, while excl */
	struct watcher *watchers;  /* owned; valid while have_watchers */
	size_t nwatchers;
	int have_watchers;
	struct pending_digest *digests; /* owned */
	size_t ndigests;
	int64_t *budget;           /* borrowed, or NULL */
	long lock_ms;              /* the longest wait for a lock */
	/* Writes sent without waiting (pipeline mode), in a transaction. */
	struct pipe_wait pend[PIPE_MAX];
	size_t npend;
	int piping;                /* the connection in pipeline mode */
	/* What the transaction knows without asking again (txn_reset). */
	struct known_unit *units;  /* owned: unit_known's answers */
	size_t nunits;
	struct known_head *heads;  /* owned: heads read under a lock */
	size_t nheads;
	struct strset routed;      /* (unit, entity) with a route, excl */
	const char **cur_units;    /* owned array: the event's routed units */
	size_t ncur, curcap;
	int64_t cur_cursor;        /* the event being inserted, or 0 */
	/* Events waiting for their cursors (insert_event, settle_queue). */
	struct queued *queue;      /* owned */
	size_t nqueue, queuecap;
	int64_t qbudget;           /* the queue's budget, when have_qbudget */
	int have_qbudget;
	/* Read by settle_queue under the exclusive lock (prefetched): the
	 * digests as committed (in digests, not changed), and the entities
	 * that have events before the one being numbered (seen: "" NUL
	 * entity; widen asks only about those). */
	int prefetched;
	struct strset seen;
	struct strset asked;       /* the entities prefetch asked about */
	struct strset dasked;      /* the units whose digests it read */
	int settle_failed;         /* a queue sent in part: no commit */
	struct strset marked;      /* ("", entity) marked stale already */
	/* LIANDONG_PG_LOCK_TIMES=1 (the benchmark's, tests/bench/pg.sh):
	 * each push's times logged at its commit (lock_times). */
	int times;
	struct timespec t_begin, t_ask, t_lock, t_done;
};

#define PG(s) ((struct pg_store *)(s))

static const char *
num(char buf[24], int64_t v)
{
	snprintf(buf, 24, "%lld", (long long)v);
	return buf;
}

/* The message of a failed result, without its trailing newline. */
static void
fail_text(PGconn *conn, PGresult *res, char *buf, size_t size)
{
	const char *m = res != NULL ? PQresultErrorMessage(res) : "";
	size_t n;

	if (m == NULL || *m == '\0')
		m = PQerrorMessage(conn);
	ld_strlcpy(buf, m != NULL ? m : "", size);
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
}

/* 0 for a result that went well; else the LD_E* code for it, err set. */
static int
check(PGconn *conn, PGresult *res, const char *what, char *err)
{
	ExecStatusType st = res != NULL ? PQresultStatus(res) :
	    PGRES_FATAL_ERROR;
	const char *state;
	char msg[LD_ERRLEN];
	int code = LD_EDB;

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return 0;
	state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (state != NULL) {
		if (strcmp(state, "23505") == 0)
			code = LD_EEXIST;
		else if (strcmp(state, "55P03") == 0 ||
		    strcmp(state, "40P01") == 0 || strcmp(state, "40001") == 0)
			code = LD_ELOCKED;
		else if (strcmp(state, "53100") == 0)
			code = LD_EFULL;
	}
	fail_text(conn, res, msg, sizeof msg);
	return ld_fail(err, code, "%s: %s", what, msg);
}

static int reconnect(struct pg_store *s, char *err);

static int64_t
cmd_tuples(PGresult *res)
{
	const char *t = PQcmdTuples(res);

	return t != NULL && *t != '\0' ? strtoll(t, NULL, 10) : 0;
}

/*
 * ---- the pipeline ----
 *
 * Inside a transaction, the writes of a push whose answers decide
 * nothing at once (the event, its head, its routes, grants and marks,
 * the digests, the commit) are sent without waiting (libpq's pipeline
 * mode): the first statement that needs an answer (a read, or the
 * end of the transaction) goes after them and waits for all of them in
 * one round trip. What the store needs to decide meanwhile, it knows
 * in memory (the station's head, the routes the transaction made; see
 * insert_event). Each write still says what its answer must be (a row
 * count of 1, a COMMIT): one that does not fails the statement that
 * waited for it, and so the transaction, as a statement that failed at
 * once would have. Outside a transaction nothing is pipelined: a Sync
 * there would commit each statement on its own.
 */

/* Reads the answers to the writes sent, then (when out is not NULL)
 * the read sent after them into *out, then the Sync, and leaves
 * pipeline mode. The first error is returned; every answer is read. */
static int
pipe_settle(struct pg_store *s, PGresult **out, const char *what, char *err)
{
	PGresult *res;
	size_t i;
	int rc = 0, nulls;

	if (out != NULL)
		*out = NULL;
	if (!s->piping)
		return 0;
	if (PQpipelineSync(s->conn) != 1)
		rc = check(s->conn, NULL, what, err);
	for (i = 0; rc == 0 && i < s->npend; i++) {
		const struct pipe_wait *w = &s->pend[i];
		int r;

		res = PQgetResult(s->conn);
		if ((r = check(s->conn, res, w->what, err)) != 0)
			rc = r;
		else if (w->want == WANT_ONE && cmd_tuples(res) != 1)
			rc = ld_fail(err, w->code, "%s", w->msg);
		else if (w->want == WANT_COMMIT &&
		    strcmp(PQcmdStatus(res), "COMMIT") != 0)
			rc = ld_fail(err, w->code, "%s", w->msg);
		/* A result is followed by NULL; a lost connection gives
		 * NULL at once, and nothing more is to come. */
		if (res != NULL) {
			PQclear(res);
			PQclear(PQgetResult(s->conn));
		}
	}
	if (rc == 0 && out != NULL) {
		res = PQgetResult(s->conn);
		if ((rc = check(s->conn, res, what, err)) != 0)
			PQclear(res);
		else
			*out = res;
		if (res != NULL)
			PQclear(PQgetResult(s->conn));
	}
	s->npend = 0;
	s->piping = 0;
	/* Up to the Sync's answer (past any left unread after an error:
	 * the caller then rolls back, and finds the connection idle). */
	for (nulls = 0; nulls < 2; ) {
		if (PQpipelineStatus(s->conn) == PQ_PIPELINE_OFF ||
		    PQexitPipelineMode(s->conn) == 1)
			break;
		if ((res = PQgetResult(s->conn)) == NULL) {
			if (PQstatus(s->conn) != CONNECTION_OK)
				break;
			nulls++;
			continue;
		}
		nulls = 0;
		PQclear(res);
	}
	if (rc != 0 && out != NULL) {
		PQclear(*out);
		*out = NULL;
	}
	return rc;
}

static int run(struct pg_store *s, enum stmt_id id, int n,
    const char *const *p, PGresult **out, int64_t *changed,
    const char *what, char *err);
static int settle_queue(struct pg_store *s, char *err);

/*
 * Sends statement id (or, id < 0, the constant sql) with n parameters
 * in the pipeline; its answer must say want, else it fails with code
 * and the message fmt. Outside a transaction a statement runs at once.
 */
static int
pipe_send(struct pg_store *s, int id, const char *sql, int n,
    const char *const *p, enum pipe_want want, int code, const char *what,
    char *err, const char *fmt, ...) __attribute__((format(printf, 10, 11)));

static int
pipe_send(struct pg_store *s, int id, const char *sql, int n,
    const char *const *p, enum pipe_want want, int code, const char *what,
    char *err, const char *fmt, ...)
{
	struct pipe_wait *w;
	char name[16];
	va_list ap;
	int ok, rc;

	if (!s->in_txn && id >= 0) {
		int64_t changed;

		if ((rc = run(s, (enum stmt_id)id, n, p, NULL, &changed, what,
		    err)) != 0 || want != WANT_ONE || changed == 1)
			return rc;
		w = &s->pend[0];
		va_start(ap, fmt);
		vsnprintf(w->msg, sizeof w->msg, fmt, ap);
		va_end(ap);
		return ld_fail(err, code, "%s", w->msg);
	}
	if (!s->in_txn)
		return ld_fail(err, LD_EINTERNAL, "a pipelined %s outside a"
		    " transaction", sql);
	if (s->npend == PIPE_MAX && (rc = pipe_settle(s, NULL, what, err)) != 0)
		return rc;
	if (!s->piping) {
		if (PQenterPipelineMode(s->conn) != 1)
			return check(s->conn, NULL, what, err);
		s->piping = 1;
	}
	snprintf(name, sizeof name, "ld%d", id);
	ok = id >= 0 ? PQsendQueryPrepared(s->conn, name, n, p, NULL, NULL,
	    0) : PQsendQueryParams(s->conn, sql, n, NULL, p, NULL, NULL, 0);
	if (ok != 1)
		return check(s->conn, NULL, what, err);
	w = &s->pend[s->npend++];
	w->want = want;
	w->code = code;
	w->what = what;
	w->msg[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(w->msg, sizeof w->msg, fmt, ap);
		va_end(ap);
	}
	return 0;
}

/* Runs prepared statement id with n parameters; *out (when not NULL)
 * gets the result, *changed (when not NULL) the rows a write touched.
 * With writes in the pipeline it goes after them, in their round trip. */
static int
run(struct pg_store *s, enum stmt_id id, int n, const char *const *p,
    PGresult **out, int64_t *changed, const char *what, char *err)
{
	char name[16];
	PGresult *res;
	int rc;

	if (out != NULL)
		*out = NULL;
	if ((rc = reconnect(s, err)) != 0)
		return rc;
	/* Events waiting for their cursors are stored before any statement
	 * that could see them or what they make (routes, digests, heads):
	 * all but the reads a push's decisions make meanwhile (the units,
	 * the parties, heads of stations and duplicates: insert_event). */
	if (s->nqueue > 0 && id != ST_UNIT_KNOWN && id != ST_PARTS &&
	    id != ST_HEAD_GET && id != ST_EVENT_HASH &&
	    (rc = settle_queue(s, err)) != 0)
		return rc;
	snprintf(name, sizeof name, "ld%d", (int)id);
	if (s->piping) {
		if (PQsendQueryPrepared(s->conn, name, n, p, NULL, NULL, 0) != 1) {
			rc = check(s->conn, NULL, what, err);
			pipe_settle(s, NULL, what, NULL);
			return rc;
		}
		if ((rc = pipe_settle(s, &res, what, err)) != 0)
			return rc;
	} else
		res = PQexecPrepared(s->conn, name, n, p, NULL, NULL, 0);
	/* Outside a transaction, a connection found dropped by this
	 * statement: once more on a new one. */
	if (!s->in_txn && PQstatus(s->conn) != CONNECTION_OK) {
		PQclear(res);
		if ((rc = reconnect(s, err)) != 0)
			return rc;
		res = PQexecPrepared(s->conn, name, n, p, NULL, NULL, 0);
	}
	if ((rc = check(s->conn, res, what, err)) != 0) {
		PQclear(res);
		return rc;
	}
	if (changed != NULL) {
		const char *t = PQcmdTuples(res);

		*changed = t != NULL && *t != '\0' ? strtoll(t, NULL, 10) : 0;
	}
	if (out != NULL)
		*out = res;
	else
		PQclear(res);
	return 0;
}

/* Runs constant SQL (no parameters: migrations, transactions). */
static int
exec_sql(struct pg_store *s, const char *sql, const char *what, char *err)
{
	PGresult *res;
	int rc;

	if ((rc = pipe_settle(s, NULL, what, err)) != 0)
		return rc;
	res = PQexec(s->conn, sql);
	rc = check(s->conn, res, what, err);

	PQclear(res);
	return rc;
}

/* Runs constant sql with n parameters (the migrations' own). */
static int
run_sql(struct pg_store *s, const char *sql, int n, const char *const *p,
    PGresult **out, const char *what, char *err)
{
	PGresult *res;
	int rc;

	if ((rc = pipe_settle(s, NULL, what, err)) != 0)
		return rc;
	res = PQexecParams(s->conn, sql, n, NULL, p, NULL, NULL, 0);
	rc = check(s->conn, res, what, err);

	if (rc != 0 || out == NULL)
		PQclear(res);
	else
		*out = res;
	return rc;
}

static const char *
col(PGresult *res, int row, int c)
{
	return PQgetisnull(res, row, c) ? "" : PQgetvalue(res, row, c);
}

static int64_t
col_int(PGresult *res, int row, int c)
{
	return PQgetisnull(res, row, c) ? 0 :
	    strtoll(PQgetvalue(res, row, c), NULL, 10);
}

/* ---- what accounts-pg.c reaches (store-pg.h) ---- */

int
store_pg_run(struct store *base, const char *sql, int n,
    const char *const *p, struct pg_rows **rows, int64_t *changed,
    const char *what, char *err)
{
	struct pg_store *s = PG(base);
	PGresult *res;
	int rc;

	if (rows != NULL)
		*rows = NULL;
	if ((rc = reconnect(s, err)) != 0 ||
	    (rc = settle_queue(s, err)) != 0 ||
	    (rc = pipe_settle(s, NULL, what, err)) != 0)
		return rc;
	res = PQexecParams(s->conn, sql, n, NULL, p, NULL, NULL, 0);
	if (!s->in_txn && PQstatus(s->conn) != CONNECTION_OK) {
		PQclear(res);
		if ((rc = reconnect(s, err)) != 0)
			return rc;
		res = PQexecParams(s->conn, sql, n, NULL, p, NULL, NULL, 0);
	}
	if ((rc = check(s->conn, res, what, err)) != 0) {
		PQclear(res);
		return rc;
	}
	if (changed != NULL) {
		const char *t = PQcmdTuples(res);

		*changed = t != NULL && *t != '\0' ? strtoll(t, NULL, 10) : 0;
	}
	if (rows != NULL)
		*rows = (struct pg_rows *)res;
	else
		PQclear(res);
	return 0;
}

size_t
pg_rows_count(const struct pg_rows *r)
{
	return (size_t)PQntuples((const PGresult *)r);
}

const char *
pg_rows_text(const struct pg_rows *r, size_t i, int c)
{
	return col((PGresult *)r, (int)i, c);
}

int64_t
pg_rows_int(const struct pg_rows *r, size_t i, int c)
{
	return col_int((PGresult *)r, (int)i, c);
}

void
pg_rows_free(struct pg_rows *r)
{
	PQclear((PGresult *)r);
}

/* ---- transactions and the cursor lock ---- */

static void
drop_watchers(struct pg_store *s)
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
}

static void
drop_digests(struct pg_store *s)
{
	size_t i;

	for (i = 0; i < s->ndigests; i++)
		free(s->digests[i].unit);
	free(s->digests);
	s->digests = NULL;
	s->ndigests = 0;
}

static void
strset_clear(struct strset *set)
{
	size_t i;

	for (i = 0; i < set->cap; i++)
		free(set->slot[i]);
	free(set->slot);
	memset(set, 0, sizeof *set);
}

/* FNV-1a of the len bytes at k. */
static size_t
strset_hash(const char *k, size_t len)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)k[i]) * 1099511628211ULL;
	return (size_t)h;
}

/* The slot of key a NUL b: where it is, or the empty one it would go. */
static char **
strset_slot(const struct strset *set, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;

	i = strset_hash(a, la) ^ (strset_hash(b, lb) * 31);
	for (;; i++) {
		char *k = set->slot[i & (set->cap - 1)];

		if (k == NULL || (strcmp(k, a) == 0 &&
		    strcmp(k + la + 1, b) == 0))
			return &set->slot[i & (set->cap - 1)];
	}
}

static int
strset_has(const struct strset *set, const char *a, const char *b)
{
	return set->n > 0 && *strset_slot(set, a, b) != NULL;
}

static void
strset_add(struct strset *set, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char **slot;

	if (2 * (set->n + 1) > set->cap) {
		struct strset grown = { NULL, set->cap ? 2 * set->cap : 64, 0 };
		size_t i;

		grown.slot = xcalloc(grown.cap, sizeof *grown.slot);
		for (i = 0; i < set->cap; i++) {
			char *k = set->slot[i];

			if (k != NULL)
				*strset_slot(&grown, k, k + strlen(k) + 1) = k;
		}
		grown.n = set->n;
		free(set->slot);
		*set = grown;
	}
	slot = strset_slot(set, a, b);
	if (*slot != NULL)
		return;
	*slot = xmalloc(la + lb + 2);
	memcpy(*slot, a, la + 1);
	memcpy(*slot + la + 1, b, lb + 1);
	set->n++;
}

static void
drop_units(struct pg_store *s)
{
	size_t i;

	for (i = 0; i < s->nunits; i++)
		free(s->units[i].unit);
	free(s->units);
	s->units = NULL;
	s->nunits = 0;
}

/* Notes station's head, read under its row lock or the exclusive one. */
static struct known_head *
remember_head(struct pg_store *s, const char *station, int64_t seq,
    int held)
{
	struct known_head *h;
	size_t i;

	for (i = 0; i < s->nheads; i++)
		if (strcmp(s->heads[i].station, station) == 0)
			break;
	if (i == s->nheads) {
		s->heads = xrealloc(s->heads, (s->nheads + 1) * sizeof *s->heads);
		s->nheads++;
	}
	h = &s->heads[i];
	ld_strlcpy(h->station, station, sizeof h->station);
	h->seq = seq;
	h->held = held;
	return h;
}

static void
drop_queue(struct pg_store *s)
{
	size_t i;

	for (i = 0; i < s->nqueue; i++) {
		event_release(&s->queue[i].ev);
		free(s->queue[i].text);
		free(s->queue[i].quarantine);
	}
	s->nqueue = 0;
}

static void
txn_reset(struct pg_store *s)
{
	pipe_settle(s, NULL, "", NULL);
	drop_queue(s);
	s->have_qbudget = 0;
	s->prefetched = 0;
	s->settle_failed = 0;
	strset_clear(&s->seen);
	strset_clear(&s->asked);
	strset_clear(&s->dasked);
	strset_clear(&s->marked);
	drop_watchers(s);
	drop_digests(s);
	drop_units(s);
	free(s->heads);
	s->heads = NULL;
	s->nheads = 0;
	strset_clear(&s->routed);
	s->ncur = 0;
	s->cur_cursor = 0;
	s->in_txn = s->excl = s->shared = 0;
	s->next_event = s->next_route = 0;
	s->t_done.tv_sec = 0;
}

static int
pg_begin(struct store *base, char *err)
{
	struct pg_store *s = PG(base);
	int rc;

	txn_reset(s);
	if ((rc = reconnect(s, err)) != 0)
		return rc;
	rc = exec_sql(s, "BEGIN", _("cannot start a transaction"), err);
	/* A connection found dropped only now: nothing was done on it. */
	if (rc != 0 && PQstatus(s->conn) != CONNECTION_OK &&
	    (rc = reconnect(s, err)) == 0)
		rc = exec_sql(s, "BEGIN", _("cannot start a transaction"), err);
	if (rc == 0)
		s->in_txn = 1;
	if (s->times)
		clock_gettime(CLOCK_MONOTONIC, &s->t_begin);
	return rc;
}

static void
pg_rollback(struct store *base)
{
	struct pg_store *s = PG(base);
	PGresult *res;

	pipe_settle(s, NULL, "", NULL);
	res = PQexec(s->conn, "ROLLBACK");
	PQclear(res);
	txn_reset(s);
}

static int flush_digests(struct pg_store *s, char *err);

/* 1 when a write in flight must have touched exactly one row. */
static int
pipe_wants_one(const struct pg_store *s)
{
	size_t i;

	for (i = 0; i < s->npend; i++)
		if (s->pend[i].want == WANT_ONE)
			return 1;
	return 0;
}

static double
ms_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

/* One line a transaction whose events were queued, at its commit, in
 * ms: from its begin to the cursor lock asked for (the push decided,
 * outside the lock), waiting for it, numbering, routing and the writes
 * answered (under it), then the pull's reads, the station and the
 * commit (under it). */
static void
lock_times(const struct pg_store *s)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	fprintf(stderr, "pg-lock-times outside=%.2f wait=%.2f numbering=%.2f"
	    " rest=%.2f\n", ms_between(&s->t_begin, &s->t_ask),
	    ms_between(&s->t_ask, &s->t_lock), ms_between(&s->t_lock,
	    &s->t_done), ms_between(&s->t_done, &now));
}

static int
pg_commit(struct store *base, char *err)
{
	struct pg_store *s = PG(base);
	int rc;

	/* The digests and the COMMIT after the push's writes, all
	 * answered in one round trip. COMMIT of a transaction an error
	 * aborted answers ROLLBACK; but a write that touched no row is no
	 * error to PostgreSQL, which would commit the rest after it: such
	 * writes are settled first (a sync's are already, by the pull's
	 * read after them; event_insert's own transaction's are not). A
	 * queue that failed part sent is never committed. */
	rc = s->settle_failed ? ld_fail(err, LD_EDB, "%s",
	    _("cannot commit")) : 0;
	if (rc != 0 || (rc = settle_queue(s, err)) != 0 ||
	    (pipe_wants_one(s) &&
	    (rc = pipe_settle(s, NULL, _("cannot commit"), err)) != 0) ||
	    (rc = flush_digests(s, err)) != 0 ||
	    (rc = pipe_send(s, -1, "COMMIT", 0, NULL, WANT_COMMIT, LD_EDB,
	    _("cannot commit"), err, "%s", _("cannot commit"))) != 0 ||
	    (rc = pipe_settle(s, NULL, _("cannot commit"), err)) != 0) {
		pg_rollback(base);
		return rc;
	}
	if (s->times && s->t_done.tv_sec != 0)
		lock_times(s);
	txn_reset(s);
	return 0;
}

/* A transaction of the store's own when the caller is in none (*own). */
static int
own_begin(struct pg_store *s, int *own, char *err)
{
	int rc;

	*own = 0;
	if (s->in_txn)
		return 0;
	if ((rc = pg_begin(&s->base, err)) == 0)
		*own = 1;
	return rc;
}

static int
own_end(struct pg_store *s, int own, int rc, char *err)
{
	if (!own)
		return rc;
	if (rc == 0)
		return pg_commit(&s->base, err);
	pg_rollback(&s->base);
	return rc;
}

/* Takes the cursor lock exclusive (once per transaction) and reads the
 * highest cursor and route id committed: see the top of the file. */
static int
lock_cursors(struct pg_store *s, char *err)
{
	const char *p[1] = { CURSOR_LOCK };
	PGresult *res;
	int rc;

	if (s->excl)
		return 0;
	/* The lock and the read after it in one round trip. */
	if ((rc = pipe_send(s, ST_LOCK, NULL, 1, p, WANT_ANY, 0,
	    _("cannot lock the cursors"), err, "%s", "")) != 0 ||
	    (rc = run(s, ST_TOPS, 0, NULL, &res, NULL,
	    _("cannot read events"), err)) != 0)
		return rc;
	s->next_event = col_int(res, 0, 0);
	s->next_route = col_int(res, 0, 1);
	PQclear(res);
	s->excl = 1;
	if (s->times)
		clock_gettime(CLOCK_MONOTONIC, &s->t_lock);
	drop_watchers(s);
	return 0;
}

/* Inside a transaction, the cursor lock shared before reading routes,
 * so that every later read of the transaction sees the same routes. */
static int
read_lock(struct pg_store *s, char *err)
{
	const char *p[1] = { CURSOR_LOCK };
	int rc;

	if (!s->in_txn || s->excl || s->shared)
		return 0;
	if ((rc = run(s, ST_LOCK_SHARED, 1, p, NULL, NULL,
	    _("cannot lock the cursors"), err)) == 0)
		s->shared = 1;
	return rc;
}

/* ---- stations and units ---- */

static int route_backfill(struct pg_store *s, const char *unit,
    const char *role, char *err);

static int
pg_station_add(struct store *base, const struct station_rec *r, char *err)
{
	struct pg_store *s = PG(base);
	char b1[24], b2[24];
	const char *p[6] = { r->name, r->unit, r->role, num(b1, r->added_at),
	    r->code_hash, num(b2, r->code_expires) };
	int64_t changed;
	int rc, own;

	if ((rc = own_begin(s, &own, err)) != 0)
		return rc;
	drop_watchers(s);
	drop_units(s);
	if ((rc = lock_cursors(s, err)) == 0 &&
	    (rc = run(s, ST_STATION_ADD, 6, p, NULL, &changed,
	    _("cannot add the station"), err)) == 0 && changed == 0)
		rc = ld_fail(err, LD_EEXIST, _("station '%s' already exists"),
		    r->name);
	if (rc == 0)
		rc = route_backfill(s, r->unit, r->role, err);
	drop_watchers(s);
	return own_end(s, own, rc, err);
}

static void
row_station(PGresult *res, int i, struct station_rec *r)
{
	memset(r, 0, sizeof *r);
	ld_strlcpy(r->name, col(res, i, 0), sizeof r->name);
	r->unit = xstrdup(col(res, i, 1));
	r->role = xstrdup(col(res, i, 2));
	r->added_at = col_int(res, i, 3);
	r->enrolled_at = col_int(res, i, 4);
	r->revoked_at = col_int(res, i, 5);
	ld_strlcpy(r->code_hash, col(res, i, 6), sizeof r->code_hash);
	r->code_expires = col_int(res, i, 7);
	ld_strlcpy(r->token_hash, col(res, i, 8), sizeof r->token_hash);
	r->last_sync = col_int(res, i, 9);
	r->cursor = col_int(res, i, 10);
	r->head_seq = col_int(res, i, 11);
	ld_strlcpy(r->head_hash, col(res, i, 12), sizeof r->head_hash);
	r->head_hlc = col_int(res, i, 13);
	r->epoch = col_int(res, i, 14);
	r->replaced_lo = col_int(res, i, 15);
	r->replaced_hi = col_int(res, i, 16);
}

/* One station's row by statement ST (a plain read or one FOR UPDATE). */
static int
station_read(struct pg_store *s, enum stmt_id st, const char *name,
    struct station_rec *out, char *err)
{
	const char *p[1] = { name };
	PGresult *res;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = run(s, st, 1, p, &res, NULL, _("cannot read stations"),
	    err)) != 0)
		return rc;
	if (PQntuples(res) == 0)
		rc = ld_fail(err, LD_ENOTFOUND, _("no station '%s'"), name);
	else
		row_station(res, 0, out);
	PQclear(res);
	return rc;
}

static int
pg_station_get(struct store *base, const char *name,
    struct station_rec *out, char *err)
{
	return station_read(PG(base), ST_STATION_GET, name, out, err);
}

/* The station's row locked (SELECT ... FOR UPDATE) to the end of the
 * caller's transaction: two instances taking one station's push at once
 * run one after the other, the second on the head the first left. */
static int
pg_station_lock(struct store *base, const char *name,
    struct station_rec *out, char *err)
{
	struct pg_store *s = PG(base);
	int rc;

	memset(out, 0, sizeof *out);
	if (!s->in_txn)
		return ld_fail(err, LD_EINTERNAL, "station_lock outside a"
		    " transaction");
	if ((rc = station_read(s, ST_STATION_LOCK, name, out, err)) != 0)
		return rc;
	/* Its head, which only this transaction moves from now on, for
	 * insert_event (head_of) to know without asking. */
	remember_head(s, name, out->head_seq, 1);
	return 0;
}

static int
pg_station_list(struct store *base, struct station_rec **out, size_t *n,
    char *err)
{
	struct pg_store *s = PG(base);
	PGresult *res;
	int rc, i;

	*out = NULL;
	*n = 0;
	if ((rc = run(s, ST_STATION_LIST, 0, NULL, &res, NULL,
	    _("cannot read stations"), err)) != 0)
		return rc;
	if (PQntuples(res) > 0) {
		*out = xcalloc((size_t)PQntuples(res), sizeof **out);
		for (i = 0; i < PQntuples(res); i++)
			row_station(res, i, &(*out)[i]);
		*n = (size_t)PQntuples(res);
	}
	PQclear(res);
	return 0;
}

static int
pg_station_update(struct store *base, const struct station_rec *r,
    char *err)
{
	struct pg_store *s = PG(base);
	char b[8][24];
	const char *p[11] = { num(b[0], r->enrolled_at), num(b[1], r->revoked_at),
	    r->code_hash, num(b[2], r->code_expires), r->token_hash,
	    num(b[3], r->last_sync), num(b[4], r->cursor), num(b[5], r->epoch),
	    num(b[6], r->replaced_lo), num(b[7], r->replaced_hi), r->name };
	int64_t changed;
	int rc;

	drop_watchers(s);
	if ((rc = run(s, ST_STATION_UPDATE, 11, p, NULL, &changed,
	    _("cannot update the station"), err)) != 0)
		return rc;
	return changed == 0 ? ld_fail(err, LD_ENOTFOUND, _("no station '%s'"),
	    r->name) : 0;
}

static int
pg_unit_known(struct store *base, const char *unit, int *known, char *err)
{
	struct pg_store *s = PG(base);
	const char *p[1] = { unit };
	PGresult *res;
	size_t i;
	int rc;

	/* In a transaction, each unit is looked up once: a push asks for
	 * the same few units event after event. The directory is then as
	 * of the first look, as if the push had been made at that moment;
	 * this store's own changes to it forget the answers (drop_units). */
	*known = 0;
	for (i = 0; s->in_txn && i < s->nunits; i++)
		if (strcmp(s->units[i].unit, unit) == 0) {
			*known = s->units[i].known;
			return 0;
		}
	if ((rc = run(s, ST_UNIT_KNOWN, 1, p, &res, NULL,
	    _("cannot read stations"), err)) != 0)
		return rc;
	*known = PQntuples(res) > 0;
	PQclear(res);
	if (s->in_txn) {
		s->units = xrealloc(s->units, (s->nunits + 1) * sizeof *s->units);
		s->units[s->nunits].unit = xstrdup(unit);
		s->units[s->nunits++].known = *known;
	}
	return 0;
}

static int
pg_event_hash(struct store *base, const char *station, int64_t seq,
    char hash[HASH_HEX], char *err)
{
	struct pg_store *s = PG(base);
	char b[24];
	const char *p[2] = { station, num(b, seq) };
	PGresult *res;
	size_t i;
	int rc;

	for (i = 0; i < s->nqueue; i++)
		if (s->queue[i].ev.seq == seq &&
		    strcmp(s->queue[i].ev.station, station) == 0) {
			ld_strlcpy(hash, s->queue[i].ev.hash, HASH_HEX);
			return 0;
		}
	if ((rc = run(s, ST_EVENT_HASH, 2, p, &res, NULL,
	    _("cannot read events"), err)) != 0)
		return rc;
	if (PQntuples(res) == 0)
		rc = ld_fail(err, LD_ENOTFOUND, _("no event %s/%lld"), station,
		    (long long)seq);
	else
		ld_strlcpy(hash, col(res, 0, 0), HASH_HEX);
	PQclear(res);
	return rc;
}

/* ---- digests ---- */

static int
read_digest(struct pg_store *s, const char *unit, struct digest *d,
    char *err)
{
	const char *p[1] = { unit };
	PGresult *res;
	int rc;

	digest_init(d);
	if ((rc = run(s, ST_DIGEST_GET, 1, p, &res, NULL,
	    _("cannot read digests"), err)) != 0)
		return rc;
	if (PQntuples(res) > 0) {
		d->count = col_int(res, 0, 0);
		ld_strlcpy(d->xor, col(res, 0, 1), HASH_HEX);
	}
	PQclear(res);
	return 0;
}

static int
write_digest(struct pg_store *s, const char *unit, const struct digest *d,
    char *err)
{
	char b[24];
	const char *p[3] = { unit, num(b, d->count), d->xor };

	return pipe_send(s, ST_DIGEST_SET, NULL, 3, p, WANT_ANY, 0,
	    _("cannot update digests"), err, "%s", "");
}

static struct pending_digest *
pending_digest(struct pg_store *s, const char *unit)
{
	size_t i;

	for (i = 0; i < s->ndigests; i++)
		if (strcmp(s->digests[i].unit, unit) == 0)
			return &s->digests[i];
	return NULL;
}

/* Adds hash to unit's digest, in memory until the commit (routes are
 * made only inside a transaction, under the exclusive lock). */
static int
digest_add_unit(struct pg_store *s, const char *unit, const char *hash,
    char *err)
{
	struct pending_digest *p = pending_digest(s, unit);
	struct digest d;
	int rc;

	if (p == NULL) {
		/* Prefetched for this unit: one without a row has none. */
		if (s->prefetched && strset_has(&s->dasked, unit, ""))
			digest_init(&d);
		else if ((rc = read_digest(s, unit, &d, err)) != 0)
			return rc;
		s->digests = xrealloc(s->digests, (s->ndigests + 1) *
		    sizeof *s->digests);
		p = &s->digests[s->ndigests++];
		p->unit = xstrdup(unit);
		p->d = d;
	}
	digest_add(&p->d, hash);
	p->changed = 1;
	return 0;
}

static int
flush_digests(struct pg_store *s, char *err)
{
	size_t i;
	int rc;

	for (i = 0; i < s->ndigests; i++)
		if (s->digests[i].changed &&
		    (rc = write_digest(s, s->digests[i].unit,
		    &s->digests[i].d, err)) != 0)
			return rc;
	return 0;
}

/* ---- routing ---- */

/* Whether the event being inserted is routed to unit already. */
static int
cur_routed(struct pg_store *s, const char *unit)
{
	size_t i;

	for (i = 0; i < s->ncur; i++)
		if (strcmp(s->cur_units[i], unit) == 0)
			return 1;
	if (s->ncur == s->curcap) {
		s->curcap = s->curcap ? 2 * s->curcap : 8;
		s->cur_units = xrealloc(s->cur_units, s->curcap *
		    sizeof *s->cur_units);
	}
	s->cur_units[s->ncur++] = unit;
	return 0;
}

/*
 * Routes event (cursor) to unit with the next route id, and adds it to
 * the unit's digest; nothing when it is routed there already. Inside
 * insert_event (s->cur_cursor set) the store knows that without asking:
 * the event's own routes are in cur_units, and the earlier events widen
 * routes have none to the unit (it had no route of their entity). So
 * the route is pipelined, and its row must be inserted. Elsewhere (the
 * backfills) the answer says.
 */
static int
route(struct pg_store *s, const char *unit, int64_t cursor,
    const char *entity, const char *station, const char *hash, char *err)
{
	char b1[24], b2[24];
	const char *p[5] = { num(b1, s->next_route + 1), unit, num(b2, cursor),
	    entity, station };
	int64_t changed = 1;
	int rc;

	if (!s->excl)
		return ld_fail(err, LD_EINTERNAL,
		    "a route made without the cursor lock");
	if (s->cur_cursor != 0) {
		if (cursor == s->cur_cursor && cur_routed(s, unit))
			return 0;
		rc = pipe_send(s, ST_ROUTE, NULL, 5, p, WANT_ONE, LD_EINTERNAL,
		    _("cannot route the event"), err,
		    "event %lld was routed to %s already", (long long)cursor,
		    unit);
	} else
		rc = run(s, ST_ROUTE, 5, p, NULL, &changed,
		    _("cannot route the event"), err);
	if (rc != 0 || changed == 0)
		return rc;
	s->next_route++;
	strset_add(&s->routed, unit, entity);
	if (s->budget != NULL && --*s->budget < 0)
		return ld_fail(err, LD_ETOOBIG,
		    _("the push would route too many events"));
	return digest_add_unit(s, unit, hash, err);
}

/* Routes to unit the earlier events of entity when it has none of them
 * yet. Routes are made under the exclusive lock only, so a unit and
 * entity found routed (s->routed) stay so to the commit. */
static int
widen(struct pg_store *s, const char *unit, const char *entity,
    int64_t cursor, char *err)
{
	char b[24];
	const char *p[3] = { entity, num(b, cursor), unit };
	PGresult *res;
	int rc, i;

	if (strset_has(&s->routed, unit, entity))
		return 0;
	/* No event of the entity before this one: nothing to widen (known
	 * for the entities prefetch asked about; seen grows as they are
	 * numbered). */
	if (s->prefetched && strset_has(&s->asked, "", entity) &&
	    !strset_has(&s->seen, "", entity))
		return 0;
	if ((rc = run(s, ST_WIDEN, 3, p, &res, NULL,
	    _("cannot read events"), err)) != 0)
		return rc;
	for (i = 0; rc == 0 && i < PQntuples(res); i++)
		rc = route(s, unit, col_int(res, i, 0), entity, col(res, i, 1),
		    col(res, i, 2), err);
	PQclear(res);
	return rc;
}

static int
load_watchers(struct pg_store *s, char *err)
{
	PGresult *res;
	int rc, i;

	if (s->have_watchers)
		return 0;
	drop_watchers(s);
	if ((rc = run(s, ST_WATCHERS, 0, NULL, &res, NULL,
	    _("cannot read stations"), err)) != 0)
		return rc;
	if (PQntuples(res) > 0)
		s->watchers = xcalloc((size_t)PQntuples(res),
		    sizeof *s->watchers);
	for (i = 0; i < PQntuples(res); i++) {
		s->watchers[i].unit = xstrdup(col(res, i, 0));
		s->watchers[i].role = xstrdup(col(res, i, 1));
	}
	s->nwatchers = (size_t)PQntuples(res);
	PQclear(res);
	s->have_watchers = 1;
	return 0;
}

static int
route_watchers(struct pg_store *s, const struct event *ev, int64_t cursor,
    char *err)
{
	const struct entity_type *t = entity_type_of(ev->entity);
	size_t i;
	int rc;

	/* A confidential event reaches its audience only, as the
	 * complainant's identity does: no role sees it county-wide. */
	if (t == NULL || kind_body_confidential(kind_find(ev->kind), ev->body))
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

static int
route_backfill(struct pg_store *s, const char *unit, const char *role,
    char *err)
{
	PGresult *res;
	int rc, i;

	if ((rc = run(s, ST_ALL_EVENTS, 0, NULL, &res, NULL,
	    _("cannot read events"), err)) != 0)
		return rc;
	for (i = 0; rc == 0 && i < PQntuples(res); i++) {
		const char *entity = col(res, i, 1);
		const struct entity_type *t = entity_type_of(entity);

		if (t == NULL || !role_watches(role, t->name, col(res, i, 4)))
			continue;
		rc = route(s, unit, col_int(res, i, 0), entity, col(res, i, 2),
		    col(res, i, 3), err);
	}
	PQclear(res);
	return rc;
}

/* ---- confidential text ---- */

/* The text of row i (raw, station, seq at col, col + 1, col + 2),
 * opened when sealed: then *owned (vault_plain_free it). */
static int
row_raw(struct pg_store *s, PGresult *res, int i, int c, const char **text,
    size_t *len, char **owned, char *err)
{
	const char *raw = col(res, i, c);
	size_t n = (size_t)PQgetlength(res, i, c);
	int rc;

	*owned = NULL;
	*text = raw;
	*len = n;
	if (!vault_is_sealed(raw, n))
		return 0;
	if (s->vault == NULL)
		return ld_fail(err, LD_ECONFIG,
		    _("no identity key to open a sealed event with"));
	rc = vault_open(s->vault, col(res, i, c + 1), col_int(res, i, c + 2),
	    raw, n, owned, len, err);
	*text = *owned;
	return rc;
}

static int
stored_raw(struct pg_store *s, const struct event *ev, const char *raw,
    char **sealed, char *err)
{
	*sealed = NULL;
	if (!kind_body_confidential(kind_find(ev->kind), ev->body))
		return 0;
	if (s->vault == NULL)
		return ld_fail(err, LD_EINTERNAL,
		    "no identity key: a %s event is never stored in plain text",
		    ev->kind);
	return vault_seal(s->vault, NULL, ev->station, ev->seq, raw,
	    strlen(raw), sealed, err);
}

/* ---- events ---- */

/* The parts unit holds on entity: those stored, and those the queue's
 * events will grant (insert_event). */
static int
pg_parts(struct store *base, const char *entity, const char *unit,
    int *parts, char *err)
{
	struct pg_store *s = PG(base);
	const char *p[2] = { entity, unit };
	PGresult *res;
	size_t i;
	int rc, queued = 0;

	*parts = 0;
	if ((rc = run(s, ST_PARTS, 2, p, &res, NULL,
	    _("cannot read parties"), err)) != 0)
		return rc;
	for (i = 0; i < s->nqueue; i++)
		if (!s->queue[i].private_ &&
		    strcmp(s->queue[i].ev.entity, entity) == 0)
			queued |= kind_parts_for(&s->queue[i].ev, unit);
	*parts = (int)col_int(res, 0, 0) | queued;
	PQclear(res);
	return 0;
}

struct grant_arg {
	struct pg_store *s;
	const char *entity;
	char *err;
};

static int
grant(const char *unit, int part, void *arg)
{
	struct grant_arg *g = arg;
	char b[24];
	const char *p[3] = { g->entity, unit, num(b, part) };

	return pipe_send(g->s, ST_GRANT, NULL, 3, p, WANT_ANY, 0,
	    _("cannot record parties"), g->err, "%s", "");
}

static int
route_audience(struct pg_store *s, const struct event *ev, int64_t cursor,
    char *err)
{
	json_t *u;
	size_t i;
	int rc, known;

	json_array_foreach(ev->audience, i, u) {
		const char *unit = json_string_value(u);

		if ((rc = pg_unit_known(&s->base, unit, &known, err)) != 0)
			return rc;
		if (!known)
			continue;
		if ((rc = widen(s, unit, ev->entity, cursor, err)) != 0 ||
		    (rc = route(s, unit, cursor, ev->entity, ev->station,
		    ev->hash, err)) != 0)
			return rc;
	}
	return route_watchers(s, ev, cursor, err);
}

/* *h: the station's head as this transaction left it, read once under
 * the exclusive lock (or the station's row lock: station_lock), which
 * every writer of a head holds; NULL for no such station. */
static int
head_of(struct pg_store *s, const char *station, struct known_head **h,
    char *err)
{
	const char *p[1] = { station };
	PGresult *res;
	size_t i;
	int rc;

	*h = NULL;
	for (i = 0; i < s->nheads; i++)
		if (strcmp(s->heads[i].station, station) == 0) {
			*h = &s->heads[i];
			return 0;
		}
	if ((rc = run(s, ST_HEAD_GET, 1, p, &res, NULL,
	    _("cannot read stations"), err)) != 0)
		return rc;
	if (PQntuples(res) > 0)
		*h = remember_head(s, station, col_int(res, 0, 0), 0);
	PQclear(res);
	return 0;
}

/*
 * Stores ev (its text to store, text) with the next cursor, moves its
 * station's head, records its parties, routes it and marks its record
 * for the projection; the head checked and the cursor lock held. The
 * writes go in the pipeline (the top of the pipeline's part): what would
 * have been their answers is decided
 * from what the transaction knows; the reads left are the unit
 * directory's (once a unit a transaction), widening's (once a unit and
 * entity) and the digests' (once a unit).
 */
static int
numbered(struct pg_store *s, const struct event *ev, const char *text,
    const char *quarantine, int private_, int64_t head_from,
    int64_t *budget, int64_t *cursor, char *err)
{
	struct grant_arg g = { s, ev->entity, err };
	char b[8][24];
	int rc;

	{
		const char *p[12] = { num(b[0], s->next_event + 1), ev->station,
		    num(b[1], ev->seq), num(b[2], ev->hlc), ev->kind,
		    ev->entity, ev->hash, text, quarantine, private_ ? "1" : "0",
		    num(b[3], ltime_now()),
		    kind_body_confidential(kind_find(ev->kind), ev->body) ?
		    "1" : "0" };

		if ((rc = pipe_send(s, ST_EVENT_INSERT, NULL, 12, p, WANT_ONE,
		    LD_EEXIST, _("cannot store the event"), err,
		    "event %s/%lld is stored already", ev->station,
		    (long long)ev->seq)) != 0)
			return rc;
	}
	*cursor = ++s->next_event;
	/* The head moved from head_from to this event (< 0: not here, by
	 * a later event of the queue: settle_queue). */
	if (head_from >= 0) {
		const char *p[5] = { num(b[4], ev->seq), ev->hash,
		    num(b[5], ev->hlc), ev->station, num(b[6], head_from) };

		if ((rc = pipe_send(s, ST_HEAD_UPDATE, NULL, 5, p, WANT_ONE,
		    LD_EINTERNAL, _("cannot update the station"), err,
		    "event %s/%lld does not follow the station's head",
		    ev->station, (long long)ev->seq)) != 0)
			return rc;
	}
	s->budget = budget;
	s->cur_cursor = *cursor;
	s->ncur = 0;
	if (private_)
		rc = route(s, ev->unit, *cursor, ev->entity, ev->station,
		    ev->hash, err);
	else if ((rc = merge_grants(ev, grant, &g)) == 0)
		rc = route_audience(s, ev, *cursor, err);
	s->budget = NULL;
	s->cur_cursor = 0;
	if (s->prefetched)
		strset_add(&s->seen, "", ev->entity);
	/* The county's projection of the entity is to be folded again (a
	 * private event changes only how many of those it has): once a
	 * transaction. */
	if (rc == 0 && !strset_has(&s->marked, "", ev->entity)) {
		const char *p[1] = { ev->entity };

		strset_add(&s->marked, "", ev->entity);
		rc = pipe_send(s, ST_STALE, NULL, 1, p, WANT_ANY, 0,
		    _("cannot store the event"), err, "%s", "");
	}
	return rc;
}

/* Appends text to the array literal being made in *buf (*len bytes,
 * room for *cap), an element quoted; array_end closes it. */
static void
array_add(char **buf, size_t *len, size_t *cap, const char *text)
{
	size_t need = *len + 2 * strlen(text) + 5;
	const char *c;
	char sep = *len == 0 ? '{' : ',';

	if (need > *cap) {
		*cap = need > 2 * *cap ? need : 2 * *cap;
		*buf = xrealloc(*buf, *cap);
	}
	(*buf)[(*len)++] = sep;
	(*buf)[(*len)++] = '"';
	for (c = text; *c != '\0'; c++) {
		if (*c == '"' || *c == '\\')
			(*buf)[(*len)++] = '\\';
		(*buf)[(*len)++] = *c;
	}
	(*buf)[(*len)++] = '"';
}

static const char *
array_end(char *buf, size_t len)
{
	if (buf == NULL)
		return "{}";
	buf[len] = '}';
	buf[len + 1] = '\0';
	return buf;
}

/* The array literals prefetch sends. */
struct prefetch_arg {
	struct pg_store *s;
	char *buf[3];
	size_t len[3], cap[3];
	struct strset pairs;  /* (unit, entity) added */
};

static void
prefetch_pair(struct prefetch_arg *a, const char *unit, const char *entity)
{
	if (strset_has(&a->pairs, unit, entity))
		return;
	strset_add(&a->pairs, unit, entity);
	strset_add(&a->s->dasked, unit, "");
	array_add(&a->buf[1], &a->len[1], &a->cap[1], unit);
	array_add(&a->buf[2], &a->len[2], &a->cap[2], entity);
}

/* The units event q would widen to (route_audience), with entity. */
static int
prefetch_units(struct pg_store *s, const struct queued *q,
    struct prefetch_arg *a, char *err)
{
	const struct event *ev = &q->ev;
	const struct entity_type *t = entity_type_of(ev->entity);
	json_t *u;
	size_t i;
	int rc, known;

	if (q->private_)
		return 0;
	json_array_foreach(ev->audience, i, u) {
		if ((rc = pg_unit_known(&s->base, json_string_value(u), &known,
		    err)) != 0)
			return rc;
		if (known)
			prefetch_pair(a, json_string_value(u), ev->entity);
	}
	if (t == NULL || kind_body_confidential(kind_find(ev->kind), ev->body))
		return 0;
	for (i = 0; i < s->nwatchers; i++)
		if (role_watches(s->watchers[i].role, t->name, ev->kind))
			prefetch_pair(a, s->watchers[i].unit, ev->entity);
	return 0;
}

/*
 * Reads at once, under the exclusive lock, what routing the queue's n
 * events would otherwise ask one at a time: the digests of the units they
 * route to (kept as pending, unchanged; a private event's unit is read
 * when routed, as outside a queue), which of their entities have events already
 * (seen), and which of the units they would widen to have routes of
 * their entity already (routed). Widening an entity none of whose events
 * is stored yet, in the database or earlier in the queue, or to a unit
 * that has a route of it, routes nothing, and is not asked. No other
 * transaction stores an event, makes a route or changes a digest while
 * the lock is held, so all three stay true to the commit.
 */
static int
prefetch(struct pg_store *s, const struct queued *q, size_t n, char *err)
{
	struct prefetch_arg a;
	const char *p[3];
	PGresult *res;
	size_t i;
	int rc = 0, r;

	if (s->prefetched)
		return 0;
	memset(&a, 0, sizeof a);
	a.s = s;
	if ((rc = load_watchers(s, err)) != 0)
		return rc;
	for (i = 0; rc == 0 && i < n; i++) {
		array_add(&a.buf[0], &a.len[0], &a.cap[0], q[i].ev.entity);
		strset_add(&s->asked, "", q[i].ev.entity);
		rc = prefetch_units(s, &q[i], &a, err);
	}
	for (i = 0; i < 3; i++)
		p[i] = array_end(a.buf[i], a.len[i]);
	if (rc == 0)
		rc = run(s, ST_PREFETCH, 3, p, &res, NULL,
		    _("cannot read events"), err);
	for (i = 0; i < 3; i++)
		free(a.buf[i]);
	strset_clear(&a.pairs);
	if (rc != 0)
		return rc;
	for (r = 0; r < PQntuples(res); r++) {
		int64_t kind = col_int(res, r, 0);

		if (kind == 1) {
			strset_add(&s->seen, "", col(res, r, 1));
			continue;
		}
		if (kind == 2) {
			strset_add(&s->routed, col(res, r, 1), col(res, r, 3));
			continue;
		}
		if (pending_digest(s, col(res, r, 1)) != NULL)
			continue;
		s->digests = xrealloc(s->digests, (s->ndigests + 1) *
		    sizeof *s->digests);
		s->digests[s->ndigests].unit = xstrdup(col(res, r, 1));
		digest_init(&s->digests[s->ndigests].d);
		s->digests[s->ndigests].d.count = col_int(res, r, 2);
		ld_strlcpy(s->digests[s->ndigests].d.xor, col(res, r, 3),
		    HASH_HEX);
		s->digests[s->ndigests++].changed = 0;
	}
	PQclear(res);
	s->prefetched = 1;
	return 0;
}

/* Sets each queued event's head_from: where its station's head was
 * before the first of its events in the queue for the last of them, -1
 * for the others (a station's queued events follow each other: the
 * head is checked at insert_event). */
static void
heads_once(struct queued *q, size_t n)
{
	struct { const char *station; int64_t count; } *st = NULL;
	size_t nst = 0, i, k;

	for (i = n; i-- > 0; ) {
		for (k = 0; k < nst; k++)
			if (strcmp(st[k].station, q[i].ev.station) == 0)
				break;
		if (k == nst) {
			st = xrealloc(st, (nst + 1) * sizeof *st);
			st[nst].station = q[i].ev.station;
			st[nst++].count = 0;
		}
		q[i].head_from = st[k].count++ == 0 ? -2 : -1;
	}
	/* The last of each (-2): back by its station's count. */
	for (i = 0; i < n; i++)
		if (q[i].head_from == -2)
			for (k = 0; k < nst; k++)
				if (strcmp(st[k].station, q[i].ev.station) == 0)
					q[i].head_from = q[i].ev.seq -
					    st[k].count;
	free(st);
}

/*
 * Numbers and stores the events waiting in the queue, in their order:
 * takes the cursor lock exclusive first (once a transaction). Reached
 * by the first statement after them that could see them (run), or the
 * commit. Under the lock from here on: the routing's reads (the
 * watchers, widening, the digests), so that what an event is routed to
 * is decided on the grants, watchers and routes as they are committed
 * when it is numbered, as if it had been stored then.
 */
static int
settle_queue(struct pg_store *s, char *err)
{
	struct queued *q;
	size_t n, i;
	int64_t cursor;
	int rc;

	if (s->nqueue == 0)
		return 0;
	/* Taken out while it is stored: the statements run meanwhile do
	 * not come back here. */
	q = s->queue;
	n = s->nqueue;
	s->queue = NULL;
	s->nqueue = s->queuecap = 0;
	heads_once(q, n);
	if (s->times)
		clock_gettime(CLOCK_MONOTONIC, &s->t_ask);
	if ((rc = lock_cursors(s, err)) == 0)
		rc = prefetch(s, q, n, err);
	/* A station's head is moved once, by its last event of the queue,
	 * from where it was before its first (its row is held: no one sees
	 * the heads between; the update still checks where it was). */
	for (i = 0; rc == 0 && i < n; i++)
		rc = numbered(s, &q[i].ev, q[i].text, q[i].quarantine,
		    q[i].private_, q[i].head_from, q[i].budgeted ?
		    &s->qbudget : NULL, &cursor, err);
	/* Timed: the writes' answers waited for here, so that the time to
	 * the commit is the pull's and the commit's alone. */
	if (rc == 0 && s->times) {
		rc = pipe_settle(s, NULL, _("cannot store the event"), err);
		clock_gettime(CLOCK_MONOTONIC, &s->t_done);
	}
	for (i = 0; i < n; i++) {
		event_release(&q[i].ev);
		free(q[i].text);
		free(q[i].quarantine);
	}
	free(q);
	/* Some of it may be sent: the transaction is not to commit. */
	if (rc != 0)
		s->settle_failed = 1;
	return rc;
}

/*
 * Stores ev. Checked at once against its station's head (a duplicate, a
 * gap: before anything is sent). In a transaction that holds the
 * station's row (station_lock: a push) and not yet the cursor lock, the
 * event waits in the queue for its cursor (*cursor 0) and is stored,
 * its parties granted included, when a statement could see it
 * (settle_queue), so that the cursor lock, which orders every writer of
 * events, is held for the numbering and the writes only, not for the
 * push's decisions between its events. A later event of the push that
 * needs those parties has them from the queue (pg_parts); they are not
 * written before the lock, where two pushes granting the same parties in
 * another order would wait for each other. Elsewhere an event is
 * numbered at once, on the queue's budget when a queue had one (one
 * budget a transaction).
 */
static int
insert_event(struct pg_store *s, const struct event *ev, const char *raw,
    const char *quarantine, int private_, int64_t *budget, int64_t *cursor,
    char *err)
{
	struct known_head *h = NULL;
	char *sealed;
	size_t i;
	int rc = 0, defer;

	*cursor = 0;
	/* Sealing is work of this process: not under the lock. */
	if ((rc = stored_raw(s, ev, raw, &sealed, err)) != 0)
		return rc;
	for (i = 0; i < s->nheads; i++)
		if (strcmp(s->heads[i].station, ev->station) == 0)
			h = &s->heads[i];
	defer = s->in_txn && !s->excl && h != NULL && h->held;
	if (!defer && (rc = lock_cursors(s, err)) == 0)
		rc = head_of(s, ev->station, &h, err);
	if (rc == 0) {
		if (h != NULL && ev->seq <= h->seq)
			rc = ld_fail(err, LD_EEXIST,
			    "event %s/%lld is stored already", ev->station,
			    (long long)ev->seq);
		else if (h == NULL || ev->seq != h->seq + 1)
			rc = ld_fail(err, LD_EINTERNAL,
			    "event %s/%lld does not follow the station's head",
			    ev->station, (long long)ev->seq);
	}
	if (rc != 0 || !defer) {
		if (budget != NULL && s->have_qbudget)
			budget = &s->qbudget;
		if (rc == 0)
			rc = numbered(s, ev, sealed != NULL ? sealed : raw,
			    quarantine, private_, ev->seq - 1, budget, cursor,
			    err);
		free(sealed);
		if (rc == 0)
			h->seq = ev->seq;
		return rc;
	}
	if (s->nqueue == s->queuecap) {
		s->queuecap = s->queuecap ? 2 * s->queuecap : 64;
		s->queue = xrealloc(s->queue, s->queuecap * sizeof *s->queue);
	}
	{
		struct queued *q = &s->queue[s->nqueue++];

		event_init(&q->ev);
		event_copy(&q->ev, ev);
		q->text = sealed != NULL ? sealed : xstrdup(raw);
		q->quarantine = quarantine != NULL ? xstrdup(quarantine) : NULL;
		q->private_ = private_;
		q->budgeted = budget != NULL;
	}
	/* One budget for the push (the caller's, spent when its events are
	 * numbered, after this call: its value now). */
	if (budget != NULL && !s->have_qbudget) {
		s->qbudget = *budget;
		s->have_qbudget = 1;
	}
	h->seq = ev->seq;
	return 0;
}

static int
pg_event_insert(struct store *base, const struct event *ev, const char *raw,
    const char *quarantine, int private_, int64_t *budget, int64_t *cursor,
    char *err)
{
	struct pg_store *s = PG(base);
	int rc, own;

	if ((rc = own_begin(s, &own, err)) != 0)
		return rc;
	rc = insert_event(s, ev, raw, quarantine, private_, budget, cursor,
	    err);
	return own_end(s, own, rc, err);
}

/*
 * Hands each row of res, (cursor, raw, station, seq, received_at), to
 * fn in plain text: at most limit and about max_bytes (the first
 * always); *more set when a row remains. Clears res.
 */
static int
each_event(struct pg_store *s, PGresult *res, size_t limit,
    size_t max_bytes, store_event_fn fn, void *arg, int *more, char *err)
{
	size_t n = 0, bytes = 0;
	int i, rc = 0;

	if (more != NULL)
		*more = 0;
	for (i = 0; i < PQntuples(res); i++) {
		const char *raw;
		char *owned;
		size_t len;
		int stop;

		if ((rc = row_raw(s, res, i, 1, &raw, &len, &owned, err)) != 0)
			break;
		if (n == limit || (n > 0 && bytes + len > max_bytes)) {
			if (more != NULL)
				*more = 1;
			stop = 1;
		} else
			stop = fn(col_int(res, i, 0), col_int(res, i, 4), raw,
			    len, arg);
		vault_plain_free(owned, len);
		if (stop)
			break;
		n++;
		bytes += len;
	}
	PQclear(res);
	return rc;
}

static int
pg_events_for_unit(struct store *base, const char *unit,
    const char *exclude_station, int64_t after, size_t limit,
    size_t max_bytes, store_event_fn fn, void *arg, int *more, char *err)
{
	struct pg_store *s = PG(base);
	char b1[24], b2[24];
	const char *p[4] = { unit, num(b1, after),
	    exclude_station != NULL ? exclude_station : "",
	    num(b2, limit >= (size_t)INT64_MAX ? INT64_MAX :
	    (int64_t)limit + 1) };
	PGresult *res;
	int rc;

	if (more != NULL)
		*more = 0;
	if ((rc = read_lock(s, err)) != 0 ||
	    (rc = run(s, ST_PULL, 4, p, &res, NULL, _("cannot read events"),
	    err)) != 0)
		return rc;
	return each_event(s, res, limit, max_bytes, fn, arg, more, err);
}

static int
pg_backlog(struct store *base, const char *unit, const char *station,
    int64_t after, int64_t *n, char *err)
{
	struct pg_store *s = PG(base);
	char b[24];
	const char *p[3] = { unit, num(b, after), station };
	PGresult *res;
	int rc;

	*n = 0;
	if ((rc = read_lock(s, err)) != 0 ||
	    (rc = run(s, ST_BACKLOG, 3, p, &res, NULL,
	    _("cannot count events"), err)) != 0)
		return rc;
	*n = col_int(res, 0, 0);
	PQclear(res);
	return 0;
}

static int
pg_route_head(struct store *base, const char *unit, int64_t *id, char *err)
{
	struct pg_store *s = PG(base);
	const char *p[1] = { unit };
	PGresult *res;
	int rc;

	*id = 0;
	if ((rc = read_lock(s, err)) != 0 ||
	    (rc = run(s, ST_ROUTE_HEAD, 1, p, &res, NULL,
	    _("cannot read events"), err)) != 0)
		return rc;
	*id = col_int(res, 0, 0);
	PQclear(res);
	return 0;
}

static int
pg_digest(struct store *base, const char *unit, struct digest *d, char *err)
{
	struct pg_store *s = PG(base);
	struct pending_digest *p = pending_digest(s, unit);
	int rc;

	if (p != NULL) {
		*d = p->d;
		return 0;
	}
	if ((rc = read_lock(s, err)) != 0)
		return rc;
	return read_digest(s, unit, d, err);
}

static int
pg_entity_events(struct store *base, const char *entity, const char *unit,
    store_event_fn fn, void *arg, char *err)
{
	struct pg_store *s = PG(base);
	const char *p[2] = { entity, unit };
	PGresult *res;
	int rc;

	if ((rc = run(s, unit != NULL ? ST_ENTITY_EVENTS :
	    ST_ENTITY_EVENTS_ALL, unit != NULL ? 2 : 1, p, &res, NULL,
	    _("cannot read events"), err)) != 0)
		return rc;
	return each_event(s, res, SIZE_MAX, SIZE_MAX, fn, arg, NULL, err);
}

static int
pg_entities(struct store *base, const char *unit,
    int (*fn)(const char *entity, void *arg), void *arg, char *err)
{
	struct pg_store *s = PG(base);
	const char *p[1] = { unit };
	PGresult *res;
	int rc, i;

	if ((rc = run(s, unit != NULL ? ST_ENTITIES : ST_ENTITIES_ALL,
	    unit != NULL ? 1 : 0, p, &res, NULL, _("cannot read events"),
	    err)) != 0)
		return rc;
	for (i = 0; i < PQntuples(res); i++)
		if (fn(col(res, i, 0), arg) != 0)
			break;
	PQclear(res);
	return 0;
}

static int
pg_heads(struct store *base, const char *unit,
    int (*fn)(const char *station, int64_t seq, void *arg), void *arg,
    char *err)
{
	struct pg_store *s = PG(base);
	const char *p[1] = { unit };
	PGresult *res;
	int rc, i;

	if ((rc = read_lock(s, err)) != 0 ||
	    (rc = run(s, ST_HEADS, 1, p, &res, NULL, _("cannot read events"),
	    err)) != 0)
		return rc;
	for (i = 0; i < PQntuples(res); i++)
		if (fn(col(res, i, 0), col_int(res, i, 1), arg) != 0)
			break;
	PQclear(res);
	return 0;
}

static int
pg_meta_get(struct store *base, const char *key, char **val, char *err)
{
	struct pg_store *s = PG(base);
	const char *p[1] = { key };
	PGresult *res;
	int rc;

	*val = NULL;
	if ((rc = run(s, ST_META_GET, 1, p, &res, NULL,
	    _("cannot read settings"), err)) != 0)
		return rc;
	if (PQntuples(res) == 0)
		rc = ld_fail(err, LD_ENOTFOUND, _("no setting '%s'"), key);
	else
		*val = xstrdup(col(res, 0, 0));
	PQclear(res);
	return rc;
}

static int
pg_meta_set(struct store *base, const char *key, const char *val, char *err)
{
	const char *p[2] = { key, val };

	return run(PG(base), ST_META_SET, 2, p, NULL, NULL,
	    _("cannot save settings"), err);
}

static int
pg_reseal(struct store *base, const char *keyid, int64_t *n, char *err)
{
	struct pg_store *s = PG(base);
	PGresult *res;
	int rc, i;

	*n = 0;
	if ((rc = run(s, ST_IDENTITIES, 0, NULL, &res, NULL,
	    _("cannot read events"), err)) != 0)
		return rc;
	for (i = 0; rc == 0 && i < PQntuples(res); i++) {
		const char *raw;
		char *owned = NULL, *sealed = NULL;
		size_t len = 0;

		if ((rc = row_raw(s, res, i, 1, &raw, &len, &owned, err)) == 0)
			rc = vault_seal(s->vault, keyid, col(res, i, 2),
			    col_int(res, i, 3), raw, len, &sealed, err);
		vault_plain_free(owned, len);
		if (rc == 0) {
			const char *p[2] = { sealed, col(res, i, 0) };

			rc = run(s, ST_RESEAL, 2, p, NULL, NULL,
			    _("cannot seal the identity"), err);
		}
		free(sealed);
		if (rc == 0)
			(*n)++;
	}
	PQclear(res);
	return rc;
}

/* VACUUM FULL: every table rewritten, nothing of old rows left in its
 * files; waits lock_ms at most (the session's lock_timeout) for another
 * transaction's hold on a table: LD_ELOCKED. */
static int
pg_compact(struct store *base, char *err)
{
	struct pg_store *s = PG(base);
	int rc;

	if (s->in_txn)
		return ld_fail(err, LD_EINTERNAL, "compact inside a transaction");
	if ((rc = reconnect(s, err)) != 0)
		return rc;
	return exec_sql(s, "VACUUM FULL", _("cannot compact the database"),
	    err);
}

/* pg_dump of the database, as of one moment (its snapshot), custom
 * format uncompressed, into a new file path made 0600. */
static int
pg_backup(struct store *base, const char *path, char *err)
{
	struct pg_store *s = PG(base);
	int fd, status;
	pid_t pid;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return ld_fail(err, errno == EEXIST ? LD_EEXIST : LD_EFULL,
		    _("cannot write '%s': %s"), path, strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(fd);
		unlink(path);
		return ld_fail(err, LD_EINTERNAL, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		if (dup2(fd, 1) < 0)
			_exit(126);
		execlp("pg_dump", "pg_dump", "--format=custom", "--compress=0",
		    "--no-owner", "--dbname", s->url, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || fsync(fd) != 0) {
		close(fd);
		unlink(path);
		return ld_fail(err, LD_EDB, "pg_dump failed (status %d)",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	if (close(fd) != 0) {
		unlink(path);
		return ld_fail(err, LD_EFULL, _("cannot write '%s': %s"), path,
		    strerror(errno));
	}
	return 0;
}

static int
pg_unit_add(struct store *base, const char *name, const char *role,
    int64_t at, char *err)
{
	struct pg_store *s = PG(base);
	char b[24];
	const char *p[3] = { name, role != NULL ? role : "", num(b, at) };
	int64_t changed;
	int rc;

	drop_units(s);
	if ((rc = run(s, ST_UNIT_ADD, 3, p, NULL, &changed,
	    _("cannot add the unit"), err)) != 0)
		return rc;
	if (changed == 0)
		return ld_fail(err, LD_EEXIST,
		    _("unit '%s' is already in the directory"), name);
	return 0;
}

static int
pg_unit_remove(struct store *base, const char *name, char *err)
{
	const char *p[1] = { name };
	int64_t changed;
	int rc;

	drop_units(PG(base));
	if ((rc = run(PG(base), ST_UNIT_REMOVE, 1, p, NULL, &changed,
	    _("cannot remove the unit"), err)) != 0)
		return rc;
	if (changed == 0)
		return ld_fail(err, LD_ENOTFOUND,
		    _("no unit '%s' declared in the directory"), name);
	return 0;
}

static int
pg_unit_list(struct store *base, struct unit_rec **out, size_t *n,
    char *err)
{
	struct pg_store *s = PG(base);
	PGresult *res;
	int rc, i;

	*out = NULL;
	*n = 0;
	if ((rc = run(s, ST_UNIT_LIST, 0, NULL, &res, NULL,
	    _("cannot read the unit directory"), err)) != 0)
		return rc;
	if (PQntuples(res) > 0)
		*out = xcalloc((size_t)PQntuples(res), sizeof **out);
	for (i = 0; i < PQntuples(res); i++) {
		struct unit_rec *u = &(*out)[i];

		u->name = xstrdup(col(res, i, 0));
		u->role = xstrdup(col(res, i, 1));
		u->declared = (int)col_int(res, i, 2);
		u->stations = (int)col_int(res, i, 3);
		u->added_at = col_int(res, i, 4);
	}
	*n = (size_t)PQntuples(res);
	PQclear(res);
	return 0;
}

static int
pg_station_remove(struct store *base, const char *name, char *err)
{
	struct pg_store *s = PG(base);
	const char *p[1] = { name };
	struct station_rec r;
	int64_t changed;
	int rc;

	if ((rc = pg_station_get(base, name, &r, err)) != 0)
		return rc;
	station_rec_release(&r);
	drop_watchers(s);
	drop_units(s);
	if ((rc = run(s, ST_STATION_REMOVE, 1, p, NULL, &changed,
	    _("cannot remove the station"), err)) != 0)
		return rc;
	if (changed == 0)
		return ld_fail(err, LD_EEXIST,
		    _("station '%s' has events on the server: revoke it instead"),
		    name);
	return 0;
}

static int
pg_own_events(struct store *base, const char *station, int64_t after,
    size_t limit, store_event_fn fn, void *arg, int *more, char *err)
{
	struct pg_store *s = PG(base);
	char b1[24], b2[24];
	const char *p[3] = { station, num(b1, after),
	    num(b2, limit >= (size_t)INT64_MAX ? INT64_MAX :
	    (int64_t)limit + 1) };
	PGresult *res;
	int rc;

	if (more != NULL)
		*more = 0;
	if ((rc = run(s, ST_OWN, 3, p, &res, NULL, _("cannot read events"),
	    err)) != 0)
		return rc;
	return each_event(s, res, limit, SIZE_MAX, fn, arg, more, err);
}

static void
pg_close(struct store *base)
{
	struct pg_store *s = PG(base);

	if (s->in_txn)
		pg_rollback(base);
	txn_reset(s);
	PQfinish(s->conn);
	free(s->queue);
	free(s->cur_units);
	free(s->url);
	free(s);
}

/* ---- the stored projections (projection.h) ---- */

static int
pg_projection_put(struct store *base, const char *entity, const char *doc,
    int64_t events, const int64_t *times, size_t ntimes, char *err)
{
	struct pg_store *s = PG(base);
	char b[24], e[24];
	const char *p[3] = { entity, doc, num(e, events) };
	size_t i;
	int rc;

	/* Its mark deleted here: a later event of the transaction marks
	 * it again. */
	strset_clear(&s->marked);
	if ((rc = run_sql(s, "DELETE FROM projections_stale WHERE entity=$1",
	    1, p, NULL, _("cannot store a projection"), err)) != 0 ||
	    (rc = run_sql(s, "DELETE FROM projection_times WHERE entity=$1", 1,
	    p, NULL, _("cannot store a projection"), err)) != 0)
		return rc;
	if (doc == NULL)
		return run_sql(s, "DELETE FROM projections WHERE entity=$1", 1,
		    p, NULL, _("cannot store a projection"), err);
	if ((rc = run_sql(s, "INSERT INTO projections(entity, events, private,"
	    " doc) VALUES($1, $3::bigint, (SELECT count(*) FROM events"
	    "  WHERE entity=$1 AND private<>0), $2)"
	    " ON CONFLICT(entity) DO UPDATE SET events=EXCLUDED.events,"
	    " private=EXCLUDED.private, doc=EXCLUDED.doc", 3, p,
	    NULL, _("cannot store a projection"), err)) != 0)
		return rc;
	for (i = 0; i < ntimes; i++) {
		const char *q[2] = { num(b, times[i]), entity };

		if ((rc = run_sql(s, "INSERT INTO projection_times(at, entity)"
		    " VALUES($1,$2) ON CONFLICT DO NOTHING", 2, q, NULL,
		    _("cannot store a projection"), err)) != 0)
			return rc;
	}
	return 0;
}

/* Read through a cursor, a batch at a time: a year of a county's
 * records is more than a result to hold at once. */
#define PROJ_BATCH "1000"

static int
pg_projections_read(struct store *base, const char *unit, int64_t from,
    int64_t to,
    int (*fn)(const char *entity, const char *doc, size_t len, void *arg),
    void *arg, char *err)
{
	/* As store-sqlite.c's PJ_ statements. */
#define PG_SAME "coalesce(p.private, 1)=0 AND coalesce(p.events, -1)=u.n"
#define PG_UNIT "DECLARE ld_proj NO SCROLL CURSOR FOR" \
	" SELECT u.entity, CASE WHEN " PG_SAME " THEN p.doc END" \
	" FROM (SELECT entity, count(*) AS n FROM routes WHERE unit=$3" \
	"  GROUP BY entity) u" \
	" LEFT JOIN projections p ON p.entity=u.entity"
	static const char *const sql[4] = {
		"DECLARE ld_proj NO SCROLL CURSOR FOR"
		" SELECT p.entity, p.doc FROM projections p"
		" WHERE p.entity IN (SELECT entity FROM projection_times"
		"  WHERE at>=$1::bigint AND at<$2::bigint)"
		" ORDER BY p.entity",
		"DECLARE ld_proj NO SCROLL CURSOR FOR"
		" SELECT entity, doc FROM projections ORDER BY entity",
		PG_UNIT " WHERE NOT (" PG_SAME ") OR u.entity IN (SELECT entity"
		"  FROM projection_times WHERE at>=$1::bigint AND at<$2::bigint)"
		" ORDER BY u.entity",
		PG_UNIT " WHERE $1::bigint IS NOT NULL AND $2::bigint IS NOT NULL"
		" ORDER BY u.entity",
	};
	struct pg_store *s = PG(base);
	int all = from == INT64_MIN && to == INT64_MAX;
	char b1[24], b2[24];
	const char *p[3] = { num(b1, from), num(b2, to), unit };
	PGresult *res;
	int rc, own, i, n, stop = 0;

	if ((rc = own_begin(s, &own, err)) != 0)
		return rc;
	rc = run_sql(s, sql[(unit != NULL ? 2 : 0) + all],
	    unit != NULL ? 3 : all ? 0 : 2, p, NULL,
	    _("cannot read projections"), err);
	while (rc == 0 && !stop) {
		if ((rc = run_sql(s, "FETCH " PROJ_BATCH " FROM ld_proj", 0,
		    NULL, &res, _("cannot read projections"), err)) != 0)
			break;
		n = PQntuples(res);
		for (i = 0; i < n && !stop; i++)
			stop = fn(col(res, i, 0), PQgetisnull(res, i, 1) ?
			    NULL : col(res, i, 1),
			    (size_t)PQgetlength(res, i, 1), arg) != 0;
		PQclear(res);
		if (n == 0)
			break;
	}
	if (rc == 0)
		rc = exec_sql(s, "CLOSE ld_proj", _("cannot read projections"),
		    err);
	return own_end(s, own, rc, err);
}

static int
pg_projections_stale(struct store *base, size_t limit,
    int (*fn)(const char *entity, void *arg), void *arg, char *err)
{
	struct pg_store *s = PG(base);
	char b[24];
	const char *p[1] = { num(b, limit >= (size_t)INT64_MAX ? INT64_MAX :
	    (int64_t)limit) };
	PGresult *res;
	int rc, i;

	/* Under the cursors' lock, as a push is: a push that marks a
	 * record while it is being refolded would otherwise find the mark
	 * there, add none, and see it taken off after it (the records are
	 * refolded in the caller's transaction, which holds the lock). */
	if ((rc = lock_cursors(s, err)) != 0)
		return rc;
	if ((rc = run_sql(s, "SELECT entity FROM projections_stale"
	    " ORDER BY entity LIMIT $1::bigint", 1, p, &res,
	    _("cannot read projections"), err)) != 0)
		return rc;
	for (i = 0; i < PQntuples(res); i++)
		if (fn(col(res, i, 0), arg) != 0)
			break;
	PQclear(res);
	return 0;
}

static int
pg_projections_clear(struct store *base, char *err)
{
	int rc;

	/* The rebuild that follows is under the cursors' lock: see
	 * pg_projections_stale. */
	if ((rc = lock_cursors(PG(base), err)) != 0)
		return rc;
	return exec_sql(PG(base), "DELETE FROM projection_times;"
	    " DELETE FROM projections; DELETE FROM projections_stale",
	    _("cannot store a projection"), err);
}

/* The session's lock_timeout, now and on every connection made again. */
static int
pg_set_lock_wait(struct store *base, long ms, char *err)
{
	struct pg_store *s = PG(base);
	char b[24];
	const char *p[1] = { num(b, ms) };

	s->lock_ms = ms;
	return run(s, ST_SET_LOCK_TIMEOUT, 1, p, NULL, NULL,
	    _("database query failed"), err);
}

static const struct store_ops pg_ops = {
	"postgresql",
	pg_close, pg_begin, pg_commit, pg_rollback,
	pg_station_add, pg_station_get, pg_station_list, pg_station_update,
	pg_station_lock, pg_unit_known,
	pg_event_hash, pg_event_insert, pg_parts, pg_events_for_unit,
	pg_backlog, pg_digest, pg_entity_events, pg_entities,
	pg_meta_get, pg_meta_set,
	pg_reseal, pg_compact, pg_backup,
	pg_unit_add, pg_unit_remove, pg_unit_list, pg_station_remove,
	pg_own_events, pg_heads, pg_route_head, &accounts_pg_ops,
	pg_projection_put, pg_projections_read, pg_projections_stale,
	pg_projections_clear, pg_set_lock_wait,
};

/* ---- what the roles watch (as store-sqlite.c, watchers_current) ---- */

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

/* The roles that watch a type now and did not in had (watchers_sig's
 * form); every role for NULL; a type had does not name is new. */
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
watchers_current(struct pg_store *s, char *err)
{
	char *sig = watchers_sig(), *had = NULL;
	size_t i;
	int rc, gained;

	if ((rc = pg_begin(&s->base, err)) != 0) {
		free(sig);
		return rc;
	}
	/* Under the exclusive lock: a second process opening at once
	 * finds the signature current. */
	if ((rc = lock_cursors(s, err)) == 0)
		rc = pg_meta_get(&s->base, "watchers", &had, err);
	if (rc == 0 && strcmp(had, sig) == 0) {
		pg_rollback(&s->base);
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
	if (rc == 0 && (rc = pg_meta_set(&s->base, "watchers", sig, err)) == 0)
		rc = pg_commit(&s->base, err);
	else
		pg_rollback(&s->base);
	free(had);
	free(sig);
	return rc;
}

/* ---- opening ---- */

static void
quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Brings the schema to the last migration, one transaction each; with
 * create, the database must hold no store yet. */
static int
migrate(struct pg_store *s, int create, char *err)
{
	const char *lock[1] = { MIGRATE_LOCK };
	int n, rc, had, first;
	PGresult *res;
	char b[24];

	for (n = 0; migrations[n] != NULL; n++)
		;
	for (first = 1;; first = 0) {
		if ((rc = exec_sql(s, "BEGIN", _("cannot start a transaction"),
		    err)) != 0)
			return rc;
		s->in_txn = 1;
		if ((rc = run_sql(s, "SELECT pg_advisory_xact_lock($1::bigint)",
		    1, lock, &res, _("cannot lock the schema"), err)) != 0)
			goto fail;
		PQclear(res);
		if ((rc = run_sql(s, "SELECT to_regclass('schema_version')"
		    " IS NOT NULL", 0, NULL, &res, _("cannot read the schema version"),
		    err)) != 0)
			goto fail;
		had = strcmp(col(res, 0, 0), "t") == 0;
		PQclear(res);
		if (!had) {
			if (!create) {
				rc = ld_fail(err, LD_EDB, "%s",
				    _("no Liandong store in this PostgreSQL"
				    " database (liandong-server init makes"
				    " one)"));
				goto fail;
			}
			if ((rc = exec_sql(s, "CREATE TABLE schema_version("
			    "version integer NOT NULL)",
			    _("cannot make the schema"), err)) != 0)
				goto fail;
		}
		if ((rc = run_sql(s, "SELECT coalesce(max(version), 0)"
		    " FROM schema_version", 0, NULL, &res,
		    _("cannot read the schema version"), err)) != 0)
			goto fail;
		had = (int)col_int(res, 0, 0);
		PQclear(res);
		if (create && first && had > 0) {
			rc = ld_fail(err, LD_EEXIST, "%s",
			    _("this PostgreSQL database holds a Liandong store"
			    " already"));
			goto fail;
		}
		if (had > n) {
			rc = ld_fail(err, LD_EDB,
			    _("the database was made by a newer liandong-server"
			    " (schema %d, this one knows %d)"), had, n);
			goto fail;
		}
		if (had == n)
			break;
		if ((rc = exec_sql(s, migrations[had],
		    _("cannot make the schema"), err)) != 0)
			goto fail;
		{
			const char *p[1] = { num(b, had + 1) };

			if ((rc = run_sql(s, "INSERT INTO schema_version"
			    " VALUES($1)", 1, p, NULL,
			    _("cannot make the schema"), err)) != 0)
				goto fail;
		}
		if ((rc = exec_sql(s, "COMMIT", _("cannot commit"), err)) != 0)
			goto fail;
		s->in_txn = 0;
	}
	rc = exec_sql(s, "COMMIT", _("cannot commit"), err);
	s->in_txn = 0;
	return rc;
fail:
	pg_rollback(&s->base);
	return rc;
}

/* Prepares every statement on the connection (again after a reset). */
static int
prepare_all(struct pg_store *s, char *err)
{
	char name[16];
	PGresult *res;
	int i, rc;

	for (i = 0; i < ST_COUNT; i++) {
		snprintf(name, sizeof name, "ld%d", i);
		res = PQprepare(s->conn, name, stmt_sql[i], 0, NULL);
		rc = check(s->conn, res, _("database query failed"), err);
		PQclear(res);
		if (rc != 0)
			return rc;
	}
	/* No lock is waited for longer than SQLite's busy timeout: past
	 * it, LD_ELOCKED (the server answers 503, the station retries). */
	{
		char b[24];
		const char *p[1] = { num(b, s->lock_ms) };

		snprintf(name, sizeof name, "ld%d", (int)ST_SET_LOCK_TIMEOUT);
		res = PQexecPrepared(s->conn, name, 1, p, NULL, NULL, 0);
		rc = check(s->conn, res, _("database query failed"), err);
		PQclear(res);
	}
	return rc;
}

/*
 * Outside a transaction, a connection PostgreSQL dropped (a restart, a
 * failover, a network cut) is made again, with its statements, before
 * the next statement: 0, or LD_EDB while PostgreSQL cannot be reached
 * (the server answers 503 meanwhile). A transaction the drop ended fails
 * as a whole; its caller rolls back.
 */
static int
reconnect(struct pg_store *s, char *err)
{
	char msg[LD_ERRLEN];

	if (s->in_txn || PQstatus(s->conn) == CONNECTION_OK)
		return 0;
	PQreset(s->conn);
	if (PQstatus(s->conn) != CONNECTION_OK) {
		fail_text(s->conn, NULL, msg, sizeof msg);
		return ld_fail(err, LD_EDB, _("cannot connect to PostgreSQL: %s"),
		    msg);
	}
	return prepare_all(s, err);
}

int
store_pg_open(const char *url, int create, const struct vault *vault,
    struct store **out, char *err)
{
	struct pg_store *s;
	const char *ms = getenv("LIANDONG_BUSY_TIMEOUT_MS");
	char werr[LD_ERRLEN], msg[LD_ERRLEN];
	int rc;

	*out = NULL;
	s = xcalloc(1, sizeof *s);
	s->times = getenv("LIANDONG_PG_LOCK_TIMES") != NULL &&
	    strcmp(getenv("LIANDONG_PG_LOCK_TIMES"), "1") == 0;
	s->base.ops = &pg_ops;
	s->vault = vault;
	s->url = xstrdup(url);
	s->lock_ms = ms != NULL && atol(ms) > 0 && atol(ms) <= 3600000 ?
	    atol(ms) : 5000;
	/* The URL (its connect_timeout, if any, over ours of 10 s) with
	 * UTF-8 as the client's encoding, both kept by a reset. */
	{
		const char *const keys[] = { "connect_timeout", "dbname",
		    "client_encoding", NULL };
		const char *const vals[] = { "10", url, "UTF8", NULL };

		s->conn = PQconnectdbParams(keys, vals, 1);
	}
	if (PQstatus(s->conn) != CONNECTION_OK) {
		fail_text(s->conn, NULL, msg, sizeof msg);
		rc = ld_fail(err, LD_EDB, _("cannot connect to PostgreSQL: %s"),
		    msg);
		pg_close(&s->base);
		return rc;
	}
	PQsetNoticeProcessor(s->conn, quiet, NULL);
	if ((rc = migrate(s, create, err)) != 0 ||
	    (rc = prepare_all(s, err)) != 0) {
		pg_close(&s->base);
		return rc;
	}
	if (watchers_current(s, werr) != 0)
		fprintf(stderr, _("liandong-server: warning: cannot yet route"
		    " to each role what it newly watches: %s; tried again at"
		    " the next start\n"), werr);
	*out = &s->base;
	return 0;
}
