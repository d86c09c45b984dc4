/*
 * test-store.c - the contract of struct store_ops (server/store.h), which
 * every storage backend of the county server must keep.
 *
 * The tests call the ops table only, never a backend's own functions or
 * files, and run once per row of backends[]: SQLite, on a real file in a
 * scratch directory; or, when LIANDONG_TEST_STORE names a PostgreSQL
 * database (tests/run.sh starts a throwaway server, tests/tools/pg.sh,
 * and runs this program a second time), PostgreSQL: each store a new
 * database made through that URL's server, dropped after the test.
 *
 * Each test starts from the same small county (county()): stations a1
 * and a2 of the township 甲镇, b1 of the department 乙局, and the
 * declared unit 丙办 without a station; none has a role that receives
 * events county-wide, so that every route a test expects comes from an
 * audience (test_watchers adds such units). Events are built and sealed
 * like a station's (common/event.h) and inserted the way the server's
 * push does (server/api.c): in a transaction, with the merge's verdict.
 */
#include "harness.h"
#include "harness-pg.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cjson.h"
#include "figures.h"
#include "fold.h"
#include "ltime.h"
#include "merge.h"
#include "projection.h"
#include "stats.h"
#include "store.h"
#include "unit.h"
#include "vault.h"

#define NELEM(a) (sizeof (a) / sizeof (a)[0])

#define TOWN "甲镇"
#define DEPT "乙局"
#define DECLARED "丙办"
#define STRANGER "不存在的单位"

#define AUD(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* ---- backends ---- */

struct backend {
	const char *name;
	/* Names a new store called name in the scratch directory dir. */
	char *(*place)(const char *dir, const char *name);
	int (*open)(const char *where, int create, const struct vault *vault,
	    struct store **out, char *err);
	/* Opens the file ops->backup wrote, to read it back. */
	int (*open_backup)(const char *path, const struct vault *vault,
	    struct store **out, char *err);
	/* A read holds the database only inside a transaction: results
	 * are read whole before the rows are handed out (PostgreSQL). */
	int read_in_txn;
};

static char *
sqlite_place(const char *dir, const char *name)
{
	return xasprintf("%s/%s.db", dir, name);
}

static int
sqlite_open_backup(const char *path, const struct vault *vault,
    struct store **out, char *err)
{
	return store_sqlite_open(path, 0, vault, out, err);
}

/* PostgreSQL: a store is a new database on the test server. */
static char *
pg_place(const char *dir, const char *name)
{
	return harness_pg_new(name);
}

/* A backup is pg_dump's custom format: restored into a new database. */
static int
pg_open_backup(const char *path, const struct vault *vault,
    struct store **out, char *err)
{
	char *url = harness_pg_new("restored");
	char *cmd = xasprintf("pg_restore --no-owner --exit-on-error"
	    " --dbname '%s' '%s'", url, path);
	int rc;

	if (system(cmd) != 0)
		fail_msg("%s failed", cmd);
	free(cmd);
	rc = store_pg_open(url, 0, vault, out, err);
	free(url);
	return rc;
}

static const struct backend backends[] = {
	{ "sqlite", sqlite_place, store_sqlite_open, sqlite_open_backup, 0 },
	{ "postgresql", pg_place, store_pg_open, pg_open_backup, 1 },
};

/* ---- the fixture ---- */

/* One station's chain as the test writes it. */
struct chain {
	const char *station;
	const char *unit;
	int64_t seq;           /* of its last event */
	char prev[HASH_HEX];
	hlc_t hlc;             /* of its last event */
	hlc_t next_hlc;        /* the next event's, when not 0 */
};

/* An event the test stored (or tried to). */
struct rec {
	char station[STATION_MAX + 1];
	int64_t seq;
	int64_t cursor;
	hlc_t hlc;
	char hash[HASH_HEX];
	char *raw;             /* owned: canonical text */
	char *entity;          /* owned */
};

#define MAX_RECS 128

struct fx {
	const struct backend *be;
	char dir[PATH_MAX];
	char *where;           /* owned */
	struct vault *vault;
	struct store *s;
	const struct store_ops *op;
	char err[LD_ERRLEN];
	struct chain a1, a2, b1;
	struct rec recs[MAX_RECS];
	size_t nrecs;
};

#define OK(fx, call) ok_((fx), (call), #call)

static void
ok_(struct fx *fx, int rc, const char *what)
{
	if (rc != 0)
		fail_msg("%s: %d (%s): %s", what, rc, ld_strerror(rc), fx->err);
	fx->err[0] = '\0';
}

static void
chain_init(struct chain *ch, const char *station, const char *unit)
{
	memset(ch, 0, sizeof *ch);
	ch->station = station;
	ch->unit = unit;
	memcpy(ch->prev, HASH_ZERO, HASH_HEX);
	ch->hlc = (hlc_t)UNIT_T0_MS << HLC_SHIFT;
}

static void
add_station(struct fx *fx, const char *name, const char *unit,
    const char *role)
{
	struct station_rec r;

	memset(&r, 0, sizeof r);
	ld_strlcpy(r.name, name, sizeof r.name);
	r.unit = (char *)unit;
	r.role = (char *)role;
	r.added_at = UNIT_T0_MS / 1000;
	OK(fx, fx->op->station_add(fx->s, &r, fx->err));
}

static void
county(struct fx *fx)
{
	add_station(fx, "a1", TOWN, "township");
	add_station(fx, "a2", TOWN, "township");
	add_station(fx, "b1", DEPT, "department");
	OK(fx, fx->op->unit_add(fx->s, DECLARED, "", UNIT_T0_MS / 1000,
	    fx->err));
	chain_init(&fx->a1, "a1", TOWN);
	chain_init(&fx->a2, "a2", TOWN);
	chain_init(&fx->b1, "b1", DEPT);
}

static int
setup(void **state)
{
	const struct backend *be = *state;
	struct fx *fx = xcalloc(1, sizeof *fx);
	char *dir = harness_scratch("store");

	fx->be = be;
	ld_strlcpy(fx->dir, dir, sizeof fx->dir);
	free(dir);
	fx->vault = vault_new();
	vault_generate(fx->vault);
	fx->where = be->place(fx->dir, "server");
	if (be->open(fx->where, 1, fx->vault, &fx->s, fx->err) != 0) {
		fprintf(stderr, "cannot make a %s store in %s: %s\n", be->name,
		    fx->dir, fx->err);
		vault_free(fx->vault);
		harness_remove(fx->dir);
		free(fx->where);
		free(fx);
		harness_pg_drop_all();
		return -1;
	}
	fx->op = fx->s->ops;
	county(fx);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	size_t i;

	if (fx->s != NULL)
		fx->op->close(fx->s);
	vault_free(fx->vault);
	for (i = 0; i < fx->nrecs; i++) {
		free(fx->recs[i].raw);
		free(fx->recs[i].entity);
	}
	assert_int_equal(harness_remove(fx->dir), 0);
	free(fx->where);
	free(fx);
	harness_pg_drop_all();
	return 0;
}

/* ---- events ---- */

/* An example body of kind with its required fields, field (when not
 * NULL) set to value (stolen). */
static json_t *
body(const char *kind, const char *field, json_t *value)
{
	const struct kind_info *k = kind_find(kind);
	json_t *b;

	assert_non_null(k);
	b = unit_body(k, 1);
	if (field != NULL)
		json_object_set_new(b, field, value);
	return b;
}

/*
 * Builds ch's next event (entity NULL: the id it creates), inserts it
 * with quarantine and private_ and budget as the push would, and on
 * success advances ch. *idx (when not NULL) is its row in fx->recs.
 * b is stolen (NULL: the kind's example). Returns event_insert's code.
 */
static int
put(struct fx *fx, struct chain *ch, const char *kind, const char *entity,
    json_t *b, const char *const *aud, const char *quarantine, int private_,
    int64_t *budget, size_t *idx)
{
	const struct kind_info *k = kind_find(kind);
	struct event ev;
	struct rec *r;
	int rc;

	assert_non_null(k);
	assert_true(fx->nrecs < MAX_RECS);
	event_init(&ev);
	ld_strlcpy(ev.station, ch->station, sizeof ev.station);
	ev.seq = ch->seq + 1;
	ev.hlc = ch->next_hlc != 0 ? ch->next_hlc :
	    ch->hlc + ((hlc_t)1000 << HLC_SHIFT);
	ev.at = hlc_ms(ev.hlc);
	ev.unit = xstrdup(ch->unit);
	ev.author = xstrdup("张三");
	ev.kind = xstrdup(kind);
	ev.entity = entity != NULL ? xstrdup(entity) :
	    entity_id_new(k->etype, ch->station, ev.seq);
	ev.audience = json_array();
	for (; aud != NULL && *aud != NULL; aud++)
		json_array_append_new(ev.audience, json_string(*aud));
	ev.body = b != NULL ? b : unit_body(k, 1);
	memcpy(ev.prev, ch->prev, HASH_HEX);
	event_seal(&ev);
	unit_assert_valid(&ev);

	r = &fx->recs[fx->nrecs++];
	memset(r, 0, sizeof *r);
	ld_strlcpy(r->station, ev.station, sizeof r->station);
	r->seq = ev.seq;
	r->hlc = ev.hlc;
	memcpy(r->hash, ev.hash, HASH_HEX);
	r->raw = event_canonical(&ev, 1);
	r->entity = xstrdup(ev.entity);
	r->cursor = -1;
	if (idx != NULL)
		*idx = fx->nrecs - 1;

	rc = fx->op->event_insert(fx->s, &ev, r->raw, quarantine, private_,
	    budget, &r->cursor, fx->err);
	if (rc == 0) {
		ch->seq = ev.seq;
		ch->hlc = ev.hlc;
		ch->next_hlc = 0;
		memcpy(ch->prev, ev.hash, HASH_HEX);
	}
	event_release(&ev);
	return rc;
}

/* put in a transaction of its own, which must succeed. */
static size_t
push(struct fx *fx, struct chain *ch, const char *kind, const char *entity,
    json_t *b, const char *const *aud)
{
	size_t i;

	OK(fx, fx->op->begin(fx->s, fx->err));
	OK(fx, put(fx, ch, kind, entity, b, aud, NULL, 0, NULL, &i));
	OK(fx, fx->op->commit(fx->s, fx->err));
	return i;
}

/* The same, kept to its author's unit (merge.h: not entitled). */
static size_t
push_private(struct fx *fx, struct chain *ch, const char *kind,
    const char *entity, json_t *b, const char *const *aud)
{
	size_t i;

	OK(fx, fx->op->begin(fx->s, fx->err));
	OK(fx, put(fx, ch, kind, entity, b, aud, MERGE_NOT_ENTITLED
	    ": test", 1, NULL, &i));
	OK(fx, fx->op->commit(fx->s, fx->err));
	return i;
}

/* ---- reading back ---- */

#define MAX_GOT 128

struct got {
	size_t n;
	int64_t cursor[MAX_GOT];
	int64_t received[MAX_GOT]; /* when the server first held it */
	long idx[MAX_GOT];     /* row of fx->recs, by its text */
	size_t bytes;
	struct fx *fx;
};

static long
rec_of(struct fx *fx, const char *raw, size_t len)
{
	size_t i;

	/* The latest: an event rolled back and put again has the same
	 * text as the first try. */
	for (i = fx->nrecs; i-- > 0;)
		if (strlen(fx->recs[i].raw) == len &&
		    memcmp(fx->recs[i].raw, raw, len) == 0)
			return (long)i;
	fail_msg("the store handed out a text the test never stored: %.*s",
	    (int)(len > 200 ? 200 : len), raw);
	return -1;
}

static int
got_one(int64_t cursor, int64_t received_at, const char *raw, size_t len,
    void *arg)
{
	struct got *g = arg;

	assert_true(g->n < MAX_GOT);
	assert_int_equal(strlen(raw), len);
	g->cursor[g->n] = cursor;
	g->received[g->n] = received_at;
	g->idx[g->n] = rec_of(g->fx, raw, len);
	g->bytes += len;
	g->n++;
	return 0;
}

static void
pull(struct fx *fx, const char *unit, const char *exclude, int64_t after,
    size_t limit, size_t max_bytes, struct got *g, int *more)
{
	memset(g, 0, sizeof *g);
	g->fx = fx;
	*more = -1;
	OK(fx, fx->op->events_for_unit(fx->s, unit, exclude, after, limit,
	    max_bytes, got_one, g, more, fx->err));
	assert_true(*more == 0 || *more == 1);
}

/* Asserts that g holds the rows want (ending with -1), in that order. */
static void
expect_rows(const struct got *g, const long *want, const char *what)
{
	size_t n = 0;

	while (want[n] >= 0)
		n++;
	if (g->n != n)
		fail_msg("%s: %zu events, expected %zu", what, g->n, n);
	for (n = 0; n < g->n; n++)
		if (g->idx[n] != want[n])
			fail_msg("%s: event %zu is row %ld, expected row %ld",
			    what, n, g->idx[n], want[n]);
}

#define ROWS(...) ((const long[]){ __VA_ARGS__, -1 })
#define NO_ROWS ((const long[]){ -1 })

/* Everything routed to unit, in cursor order. */
static void
pull_all(struct fx *fx, const char *unit, struct got *g)
{
	int more;

	pull(fx, unit, NULL, 0, MAX_GOT, SIZE_MAX, g, &more);
	assert_int_equal(more, 0);
}

static void
expect_pull(struct fx *fx, const char *unit, const long *want)
{
	struct got g;
	char *what = xasprintf("events routed to %s", unit);

	pull_all(fx, unit, &g);
	expect_rows(&g, want, what);
	free(what);
}

static void
entity_events(struct fx *fx, const char *entity, const char *unit,
    struct got *g)
{
	memset(g, 0, sizeof *g);
	g->fx = fx;
	OK(fx, fx->op->entity_events(fx->s, entity, unit, got_one, g,
	    fx->err));
}

static void
expect_entity(struct fx *fx, const char *entity, const char *unit,
    const long *want)
{
	struct got g;
	char *what = xasprintf("events of %s seen by %s", entity,
	    unit != NULL ? unit : "the county");

	entity_events(fx, entity, unit, &g);
	expect_rows(&g, want, what);
	free(what);
}

static int
parts_of(struct fx *fx, const char *entity, const char *unit)
{
	int p = -1;

	OK(fx, fx->op->parts(fx->s, entity, unit, &p, fx->err));
	return p;
}

static void
get_station(struct fx *fx, const char *name, struct station_rec *r)
{
	OK(fx, fx->op->station_get(fx->s, name, r, fx->err));
}

/* The digest of the rows want (ending with -1), computed here: their
 * count and the XOR of their hashes' bytes. */
static void
expected_digest(struct fx *fx, const long *want, struct digest *d)
{
	unsigned char acc[32] = { 0 };
	size_t i, j;

	d->count = 0;
	for (i = 0; want[i] >= 0; i++) {
		const char *h = fx->recs[want[i]].hash;

		for (j = 0; j < 32; j++) {
			unsigned v;

			assert_int_equal(sscanf(h + 2 * j, "%2x", &v), 1);
			acc[j] ^= (unsigned char)v;
		}
		d->count++;
	}
	for (j = 0; j < 32; j++)
		snprintf(d->xor + 2 * j, 3, "%02x", acc[j]);
}

static void
expect_digest(struct fx *fx, const char *unit, const long *want)
{
	struct digest have, exp;

	memset(&have, 0, sizeof have);
	OK(fx, fx->op->digest(fx->s, unit, &have, fx->err));
	expected_digest(fx, want, &exp);
	if (have.count != exp.count || strcmp(have.xor, exp.xor) != 0)
		fail_msg("digest of %s: %lld %s, expected %lld %s", unit,
		    have.count, have.xor, exp.count, exp.xor);
}

/* The digest of unit against what events_for_unit hands it. */
static void
expect_digest_of_routes(struct fx *fx, const char *unit)
{
	struct got g;
	long want[MAX_GOT + 1];
	size_t i;

	pull_all(fx, unit, &g);
	for (i = 0; i < g.n; i++)
		want[i] = g.idx[i];
	want[g.n] = -1;
	expect_digest(fx, unit, want);
}

/* ---- stations ---- */

static void
test_station_add_get(void **state)
{
	struct fx *fx = *state;
	struct station_rec r, got;

	memset(&r, 0, sizeof r);
	ld_strlcpy(r.name, "c7", sizeof r.name);
	r.unit = (char *)"丁所";
	r.role = (char *)"police";
	r.added_at = 1795224600;
	r.code_expires = 1795311000;
	memcpy(r.code_hash,
	    "c0dec0dec0dec0dec0dec0dec0dec0dec0dec0dec0dec0dec0dec0dec0dec0de",
	    HASH_HEX);
	OK(fx, fx->op->station_add(fx->s, &r, fx->err));

	get_station(fx, "c7", &got);
	assert_string_equal(got.name, "c7");
	assert_string_equal(got.unit, "丁所");
	assert_string_equal(got.role, "police");
	assert_int_equal(got.added_at, 1795224600);
	assert_int_equal(got.code_expires, 1795311000);
	assert_string_equal(got.code_hash, r.code_hash);
	/* What a new station has not done yet. */
	assert_int_equal(got.enrolled_at, 0);
	assert_int_equal(got.revoked_at, 0);
	assert_int_equal(got.last_sync, 0);
	assert_int_equal(got.cursor, 0);
	assert_int_equal(got.head_seq, 0);
	assert_string_equal(got.head_hash, HASH_ZERO);
	assert_int_equal(got.head_hlc, 0);
	assert_int_equal(got.epoch, 0);
	assert_string_equal(got.token_hash, "");
	station_rec_release(&got);

	/* A second station of the name: refused, the first unchanged. */
	r.unit = (char *)"戊站";
	assert_int_equal(fx->op->station_add(fx->s, &r, fx->err), LD_EEXIST);
	assert_true(fx->err[0] != '\0');
	get_station(fx, "c7", &got);
	assert_string_equal(got.unit, "丁所");
	station_rec_release(&got);

	fx->err[0] = '\0';
	assert_int_equal(fx->op->station_get(fx->s, "nobody", &got, fx->err),
	    LD_ENOTFOUND);
	assert_true(fx->err[0] != '\0');
}

static void
test_station_list_order(void **state)
{
	struct fx *fx = *state;
	static const char *const want[] = { "0z", "a1", "a10", "a2", "b1",
	    "c3" };
	struct station_rec *list;
	size_t n, i;

	add_station(fx, "c3", DEPT, "department");
	add_station(fx, "a10", TOWN, "township");
	add_station(fx, "0z", "丁所", "police");
	OK(fx, fx->op->station_list(fx->s, &list, &n, fx->err));
	assert_int_equal(n, NELEM(want));
	for (i = 0; i < n; i++)
		assert_string_equal(list[i].name, want[i]);
	assert_string_equal(list[0].unit, "丁所");
	assert_string_equal(list[0].role, "police");
	station_recs_free(list, n);
}

/* station_update writes the mutable fields, and only those: never the
 * unit, the role or the head, which only event_insert moves. */
/* A lookup of what is not there says so, in err too (store.h: every
 * LD_E* return fills err); updating a station that is not there is
 * LD_ENOTFOUND, not a silent nothing. */
static void
test_not_found_says_so(void **state)
{
	struct fx *fx = *state;
	struct station_rec r;
	char hash[HASH_HEX], *val = NULL;

	fx->err[0] = '\0';
	assert_int_equal(fx->op->event_hash(fx->s, "a1", 99, hash, fx->err),
	    LD_ENOTFOUND);
	assert_true(fx->err[0] != '\0');
	fx->err[0] = '\0';
	assert_int_equal(fx->op->meta_get(fx->s, "no-such-key", &val,
	    fx->err), LD_ENOTFOUND);
	assert_null(val);
	assert_true(fx->err[0] != '\0');
	get_station(fx, "a1", &r);
	ld_strlcpy(r.name, "nobody", sizeof r.name);
	fx->err[0] = '\0';
	assert_int_equal(fx->op->station_update(fx->s, &r, fx->err),
	    LD_ENOTFOUND);
	assert_true(fx->err[0] != '\0');
	station_rec_release(&r);
	assert_int_equal(fx->op->station_get(fx->s, "nobody", &r, fx->err),
	    LD_ENOTFOUND);
}

static void
test_station_update_mutable_only(void **state)
{
	struct fx *fx = *state;
	struct station_rec r, got;
	char *unit, *role;

	push(fx, &fx->a1, "case.opened", NULL, NULL, AUD(TOWN));
	get_station(fx, "a1", &r);
	unit = r.unit;
	role = r.role;
	r.unit = (char *)"别的单位";
	r.role = (char *)"admin";
	r.added_at = 1;
	r.enrolled_at = 1795224601;
	r.revoked_at = 1795224602;
	r.code_expires = 1795224603;
	r.last_sync = 1795224604;
	r.cursor = 77;
	r.epoch = 9;
	r.replaced_lo = 3;
	r.replaced_hi = 5;
	r.head_seq = 40;
	r.head_hlc = 41;
	memcpy(r.head_hash, HASH_ZERO, HASH_HEX);
	memcpy(r.token_hash,
	    "7070707070707070707070707070707070707070707070707070707070707070",
	    HASH_HEX);
	memcpy(r.code_hash, "", 1);
	OK(fx, fx->op->station_update(fx->s, &r, fx->err));

	get_station(fx, "a1", &got);
	assert_int_equal(got.enrolled_at, 1795224601);
	assert_int_equal(got.revoked_at, 1795224602);
	assert_int_equal(got.code_expires, 1795224603);
	assert_int_equal(got.last_sync, 1795224604);
	assert_int_equal(got.cursor, 77);
	assert_int_equal(got.epoch, 9);
	assert_int_equal(got.replaced_lo, 3);
	assert_int_equal(got.replaced_hi, 5);
	assert_string_equal(got.token_hash, r.token_hash);
	assert_string_equal(got.code_hash, "");
	assert_string_equal(got.unit, TOWN);
	assert_string_equal(got.role, "township");
	assert_int_equal(got.added_at, UNIT_T0_MS / 1000);
	assert_int_equal(got.head_seq, 1);
	assert_string_equal(got.head_hash, fx->recs[0].hash);
	assert_int_equal(got.head_hlc, fx->recs[0].hlc);
	station_rec_release(&got);
	free(unit);
	free(role);
}

static void
test_station_remove(void **state)
{
	struct fx *fx = *state;
	struct station_rec got;
	int known = -1;

	assert_int_equal(fx->op->station_remove(fx->s, "nobody", fx->err),
	    LD_ENOTFOUND);

	add_station(fx, "c3", "丁所", "police");
	OK(fx, fx->op->station_remove(fx->s, "c3", fx->err));
	assert_int_equal(fx->op->station_get(fx->s, "c3", &got, fx->err),
	    LD_ENOTFOUND);
	/* Its unit had nothing else in the directory. */
	OK(fx, fx->op->unit_known(fx->s, "丁所", &known, fx->err));
	assert_int_equal(known, 0);

	/* A station with an event is kept: revoke it instead. */
	push(fx, &fx->b1, "case.opened", NULL, NULL, AUD(DEPT));
	assert_int_equal(fx->op->station_remove(fx->s, "b1", fx->err),
	    LD_EEXIST);
	get_station(fx, "b1", &got);
	station_rec_release(&got);
}

/* ---- the unit directory ---- */

static int
by_strcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const struct unit_rec *
find_unit(const struct unit_rec *u, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(u[i].name, name) == 0)
			return &u[i];
	fail_msg("unit %s is not in the directory", name);
	return NULL;
}

static int
known(struct fx *fx, const char *unit)
{
	int k = -1;

	OK(fx, fx->op->unit_known(fx->s, unit, &k, fx->err));
	return k;
}

static void
test_unit_directory(void **state)
{
	struct fx *fx = *state;
	const char *names[] = { TOWN, DEPT, DECLARED, "Zeta", "abc", "县法制办" };
	struct unit_rec *list;
	const struct unit_rec *u;
	struct station_rec r;
	size_t n, i;

	OK(fx, fx->op->unit_add(fx->s, "Zeta", "", 10, fx->err));
	OK(fx, fx->op->unit_add(fx->s, "abc", "", 20, fx->err));
	OK(fx, fx->op->unit_add(fx->s, "县法制办", "legal", 30, fx->err));
	assert_int_equal(fx->op->unit_add(fx->s, "abc", "", 40, fx->err),
	    LD_EEXIST);
	assert_true(fx->err[0] != '\0');
	fx->err[0] = '\0';
	assert_int_equal(fx->op->unit_remove(fx->s, "无此单位", fx->err),
	    LD_ENOTFOUND);
	assert_true(fx->err[0] != '\0');
	/* A unit of stations was never declared: nothing to take back. */
	assert_int_equal(fx->op->unit_remove(fx->s, TOWN, fx->err),
	    LD_ENOTFOUND);

	/* Each unit once, in strcmp order. */
	qsort(names, NELEM(names), sizeof names[0], by_strcmp);
	OK(fx, fx->op->unit_list(fx->s, &list, &n, fx->err));
	assert_int_equal(n, NELEM(names));
	for (i = 0; i < n; i++)
		assert_string_equal(list[i].name, names[i]);
	u = find_unit(list, n, TOWN);
	assert_string_equal(u->role, "township");
	assert_int_equal(u->declared, 0);
	assert_int_equal(u->stations, 2);
	u = find_unit(list, n, DECLARED);
	assert_string_equal(u->role, "");
	assert_int_equal(u->declared, 1);
	assert_int_equal(u->stations, 0);
	u = find_unit(list, n, "县法制办");
	assert_string_equal(u->role, "legal");
	assert_int_equal(u->added_at, 30);
	unit_recs_free(list, n);

	assert_int_equal(known(fx, TOWN), 1);
	assert_int_equal(known(fx, DECLARED), 1);
	assert_int_equal(known(fx, STRANGER), 0);

	/* Declared and then given a station: one row, both; the
	 * declaration taken back, it stays by its station. */
	add_station(fx, "f1", "abc", "township");
	OK(fx, fx->op->unit_list(fx->s, &list, &n, fx->err));
	assert_int_equal(n, NELEM(names));
	u = find_unit(list, n, "abc");
	assert_int_equal(u->declared, 1);
	assert_int_equal(u->stations, 1);
	assert_string_equal(u->role, "township");
	assert_int_equal(u->added_at, 20);
	unit_recs_free(list, n);
	OK(fx, fx->op->unit_remove(fx->s, "abc", fx->err));
	assert_int_equal(known(fx, "abc"), 1);
	OK(fx, fx->op->unit_list(fx->s, &list, &n, fx->err));
	assert_int_equal(n, NELEM(names));
	u = find_unit(list, n, "abc");
	assert_int_equal(u->declared, 0);
	assert_int_equal(u->stations, 1);
	unit_recs_free(list, n);

	/* A declaration taken back leaves the directory. */
	OK(fx, fx->op->unit_remove(fx->s, "Zeta", fx->err));
	assert_int_equal(known(fx, "Zeta"), 0);

	/* Only stations not revoked are counted. */
	get_station(fx, "a2", &r);
	r.revoked_at = 1795224700;
	OK(fx, fx->op->station_update(fx->s, &r, fx->err));
	station_rec_release(&r);
	OK(fx, fx->op->unit_list(fx->s, &list, &n, fx->err));
	assert_int_equal(n, NELEM(names) - 1);
	u = find_unit(list, n, TOWN);
	assert_int_equal(u->stations, 1);
	unit_recs_free(list, n);
}

/* ---- events ---- */

static void
test_event_insert_head_hash_cursor(void **state)
{
	struct fx *fx = *state;
	struct station_rec r;
	char hash[HASH_HEX];
	size_t e1, e2, e3;

	e1 = push(fx, &fx->a1, "case.opened", NULL, NULL, AUD(TOWN));
	e2 = push(fx, &fx->b1, "case.opened", NULL, NULL, AUD(DEPT));
	e3 = push(fx, &fx->a1, "case.updated", "C-a1-1",
	    unit_json(BODY_CASE_UPDATED), AUD(TOWN));

	/* Cursors in receipt order, across stations. */
	assert_true(fx->recs[e1].cursor > 0);
	assert_true(fx->recs[e2].cursor > fx->recs[e1].cursor);
	assert_true(fx->recs[e3].cursor > fx->recs[e2].cursor);

	OK(fx, fx->op->event_hash(fx->s, "a1", 1, hash, fx->err));
	assert_string_equal(hash, fx->recs[e1].hash);
	OK(fx, fx->op->event_hash(fx->s, "a1", 2, hash, fx->err));
	assert_string_equal(hash, fx->recs[e3].hash);
	OK(fx, fx->op->event_hash(fx->s, "b1", 1, hash, fx->err));
	assert_string_equal(hash, fx->recs[e2].hash);
	assert_int_equal(fx->op->event_hash(fx->s, "a1", 3, hash, fx->err),
	    LD_ENOTFOUND);
	assert_int_equal(fx->op->event_hash(fx->s, "a2", 1, hash, fx->err),
	    LD_ENOTFOUND);

	get_station(fx, "a1", &r);
	assert_int_equal(r.head_seq, 2);
	assert_string_equal(r.head_hash, fx->recs[e3].hash);
	assert_int_equal(r.head_hlc, fx->recs[e3].hlc);
	station_rec_release(&r);
	get_station(fx, "a2", &r);
	assert_int_equal(r.head_seq, 0);
	station_rec_release(&r);
}

/* A station's chain has no gap and no second event at one seq
 * (event.h, invariant 1): an insert that breaks it fails, and the
 * caller's rollback leaves nothing of it. */
static void
test_event_insert_must_follow_head(void **state)
{
	struct fx *fx = *state;
	struct chain saved;
	struct station_rec r;
	char hash[HASH_HEX];
	size_t e1;

	e1 = push(fx, &fx->a1, "case.opened", NULL, NULL, AUD(TOWN));

	saved = fx->a1;
	fx->a1.seq = 2;           /* the next one would be seq 3 */
	OK(fx, fx->op->begin(fx->s, fx->err));
	assert_int_not_equal(put(fx, &fx->a1, "case.opened", NULL, NULL,
	    AUD(TOWN), NULL, 0, NULL, NULL), 0);
	fx->op->rollback(fx->s);
	fx->a1 = saved;

	fx->a1.seq = 0;           /* a second seq 1 */
	memcpy(fx->a1.prev, HASH_ZERO, HASH_HEX);
	OK(fx, fx->op->begin(fx->s, fx->err));
	assert_int_not_equal(put(fx, &fx->a1, "case.opened", NULL,
	    unit_json(BODY_CASE_OPENED), AUD(TOWN), NULL, 0, NULL, NULL), 0);
	fx->op->rollback(fx->s);
	fx->a1 = saved;

	assert_int_equal(fx->op->event_hash(fx->s, "a1", 3, hash, fx->err),
	    LD_ENOTFOUND);
	OK(fx, fx->op->event_hash(fx->s, "a1", 1, hash, fx->err));
	assert_string_equal(hash, fx->recs[e1].hash);
	get_station(fx, "a1", &r);
	assert_int_equal(r.head_seq, 1);
	assert_string_equal(r.head_hash, fx->recs[e1].hash);
	station_rec_release(&r);
	expect_pull(fx, TOWN, ROWS((long)e1));
}

/* One route per audience unit of the directory (a declared unit
 * included), never one outside it, whatever the verdict said. */
static void
test_routes_audience_directory_only(void **state)
{
	struct fx *fx = *state;
	size_t e1, e2;

	e1 = push(fx, &fx->a1, "case.opened", NULL, NULL,
	    AUD(TOWN, DEPT, DECLARED));
	OK(fx, fx->op->begin(fx->s, fx->err));
	OK(fx, put(fx, &fx->a1, "case.updated", "C-a1-1",
	    unit_json(BODY_CASE_UPDATED), AUD(TOWN, STRANGER),
	    MERGE_UNKNOWN_UNIT, 0, NULL, &e2));
	OK(fx, fx->op->commit(fx->s, fx->err));

	expect_pull(fx, TOWN, ROWS((long)e1, (long)e2));
	expect_pull(fx, DEPT, ROWS((long)e1));
	expect_pull(fx, DECLARED, ROWS((long)e1));
	expect_pull(fx, STRANGER, NO_ROWS);
	expect_digest(fx, STRANGER, NO_ROWS);
	expect_pull(fx, "a1", NO_ROWS);  /* a station is not a unit */

	/* Declaring the unit later routes it nothing already held. */
	OK(fx, fx->op->unit_add(fx->s, STRANGER, "", 50, fx->err));
	expect_pull(fx, STRANGER, NO_ROWS);
}

/* route_head: the last cursor events_for_unit hands a unit, 0 when it
 * has none. */
static void
test_route_head(void **state)
{
	struct fx *fx = *state;
	struct got g;
	int64_t top = -1;

	OK(fx, fx->op->route_head(fx->s, DEPT, &top, fx->err));
	assert_int_equal(top, 0);
	push(fx, &fx->a1, "case.opened", NULL, NULL, AUD(TOWN, DEPT));
	push(fx, &fx->a1, "case.opened", NULL, NULL, AUD(TOWN));
	pull_all(fx, DEPT, &g);
	assert_int_equal(g.n, 1);
	OK(fx, fx->op->route_head(fx->s, DEPT, &top, fx->err));
	assert_int_equal(top, g.cursor[0]);
	pull_all(fx, TOWN, &g);
	assert_int_equal(g.n, 2);
	OK(fx, fx->op->route_head(fx->s, TOWN, &top, fx->err));
	assert_int_equal(top, g.cursor[1]);
}

/* A private event is routed to its author's unit only, widens nothing,
 * grants nothing, and is left out of the county's views. */
static void
test_private_event(void **state)
{
	struct fx *fx = *state;
	size_t c1, p1, p2;
	int64_t n = -1;

	c1 = push(fx, &fx->a1, "case.opened", NULL, NULL, AUD(TOWN));
	/* A referral the merge found not entitled, addressed to DEPT. */
	p1 = push_private(fx, &fx->a1, "referral.sent", NULL,
	    body("referral.sent", "to", json_string(DEPT)), AUD(TOWN, DEPT));
	/* And an event on the case naming DEPT: the case's first event
	 * would have been widened to DEPT, were it entitled. */
	p2 = push_private(fx, &fx->a1, "case.updated", "C-a1-1",
	    unit_json(BODY_CASE_UPDATED), AUD(TOWN, DEPT));

	expect_pull(fx, TOWN, ROWS((long)c1, (long)p1, (long)p2));
	expect_pull(fx, DEPT, NO_ROWS);
	expect_digest(fx, DEPT, NO_ROWS);
	expect_digest(fx, TOWN, ROWS((long)c1, (long)p1, (long)p2));
	OK(fx, fx->op->backlog(fx->s, DEPT, "b1", 0, &n, fx->err));
	assert_int_equal(n, 0);

	assert_int_equal(parts_of(fx, "R-a1-2", TOWN), 0);
	assert_int_equal(parts_of(fx, "R-a1-2", DEPT), 0);

	/* Its unit sees it; the county's view does not. */
	expect_entity(fx, "R-a1-2", TOWN, ROWS((long)p1));
	expect_entity(fx, "R-a1-2", NULL, NO_ROWS);
	expect_entity(fx, "C-a1-1", TOWN, ROWS((long)c1, (long)p2));
	expect_entity(fx, "C-a1-1", NULL, ROWS((long)c1));
	expect_entity(fx, "C-a1-1", DEPT, NO_ROWS);
}

/* The parts an entitled event grants on its entity (merge.h), kept
 * and added up; an event quarantined for an unknown unit still grants
 * (it is not private). */
static void
test_parts(void **state)
{
	struct fx *fx = *state;

	push(fx, &fx->a1, "referral.sent", NULL,
	    body("referral.sent", "to", json_string(DEPT)), AUD(TOWN, DEPT));
	assert_int_equal(parts_of(fx, "R-a1-1", TOWN), PART_CREATOR);
	assert_int_equal(parts_of(fx, "R-a1-1", DEPT), PART_ADDRESSEE);
	assert_int_equal(parts_of(fx, "R-a1-1", DECLARED), 0);
	assert_int_equal(parts_of(fx, "R-zz-9", TOWN), 0);

	push(fx, &fx->b1, "referral.escalated", "R-a1-1",
	    body("referral.escalated", "to", json_string(TOWN)),
	    AUD(TOWN, DEPT));
	assert_int_equal(parts_of(fx, "R-a1-1", TOWN),
	    PART_CREATOR | PART_ESCALATED);
	/* The same part twice is still that part. */
	push(fx, &fx->a1, "referral.escalated", "R-a1-1",
	    body("referral.escalated", "to", json_string(TOWN)),
	    AUD(TOWN, DEPT));
	assert_int_equal(parts_of(fx, "R-a1-1", TOWN),
	    PART_CREATOR | PART_ESCALATED);

	push(fx, &fx->b1, "meeting.scheduled", NULL,
	    body("meeting.scheduled", "units", json_pack("[s, s]", TOWN,
	    DECLARED)), AUD(DEPT, TOWN, DECLARED));
	assert_int_equal(parts_of(fx, "M-b1-2", DEPT), PART_CREATOR);
	assert_int_equal(parts_of(fx, "M-b1-2", TOWN), PART_MEMBER);
	assert_int_equal(parts_of(fx, "M-b1-2", DECLARED), PART_MEMBER);

	OK(fx, fx->op->begin(fx->s, fx->err));
	OK(fx, put(fx, &fx->a2, "assist.requested", NULL,
	    body("assist.requested", "to", json_string(DECLARED)),
	    AUD(TOWN, DECLARED, STRANGER), MERGE_UNKNOWN_UNIT, 0, NULL, NULL));
	OK(fx, fx->op->commit(fx->s, fx->err));
	assert_int_equal(parts_of(fx, "A-a2-1", TOWN), PART_CREATOR);
	assert_int_equal(parts_of(fx, "A-a2-1", DECLARED), PART_ADDRESSEE);
}


/* a1 refers to DEPT, b1 acknowledges and disputes: their rows in
 * r[0..2]. Returns the referral's id (borrowed from fx->recs). */
static const char *
dispute(struct fx *fx, size_t r[3])
{
	const char *id;

	r[0] = push(fx, &fx->a1, "referral.sent", NULL,
	    body("referral.sent", "to", json_string(DEPT)), AUD(TOWN, DEPT));
	id = fx->recs[r[0]].entity;
	r[1] = push(fx, &fx->b1, "referral.acknowledged", id, NULL,
	    AUD(DEPT, TOWN));
	r[2] = push(fx, &fx->b1, "referral.disputed", id, NULL,
	    AUD(DEPT, TOWN));
	return id;
}

static int
has_row(const struct got *g, long row, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to && i < g->n; i++)
		if (g->idx[i] == row)
			return 1;
	return 0;
}

/* A unit first named on an entity receives its earlier shared events
 * before the event that names it, and nothing of other entities; never
 * a private one. */
static void
test_widening(void **state)
{
	struct fx *fx = *state;
	struct got g;
	size_t r[3], c, p, esc, i;
	const char *id;

	c = push(fx, &fx->a1, "case.opened", NULL, NULL, AUD(TOWN));
	id = dispute(fx, r);
	p = push_private(fx, &fx->b1, "referral.result", id, NULL,
	    AUD(DEPT, TOWN));
	esc = push(fx, &fx->a1, "referral.escalated", id,
	    body("referral.escalated", "to", json_string(DECLARED)),
	    AUD(TOWN, DEPT, DECLARED));

	pull_all(fx, DECLARED, &g);
	assert_int_equal(g.n, 4);
	for (i = 0; i < 3; i++)
		assert_true(has_row(&g, (long)r[i], 0, 3));
	assert_int_equal(g.idx[3], (long)esc);
	for (i = 1; i < g.n; i++)
		assert_true(g.cursor[i] > g.cursor[i - 1]);
	assert_false(has_row(&g, (long)c, 0, g.n));
	assert_false(has_row(&g, (long)p, 0, g.n));

	/* The units that held the entity get the event only. */
	expect_pull(fx, TOWN, ROWS((long)c, (long)r[0], (long)r[1],
	    (long)r[2], (long)esc));
	expect_pull(fx, DEPT, ROWS((long)r[0], (long)r[1], (long)r[2],
	    (long)p, (long)esc));
	expect_digest_of_routes(fx, DECLARED);
	expect_digest_of_routes(fx, TOWN);
	expect_digest_of_routes(fx, DEPT);
}

/* A push of many events in one transaction, as a station's batch is:
 * more writes than the PostgreSQL store sends before it reads their
 * answers (store-pg.c, PIPE_MAX), cases opened in the transaction and
 * widened to a unit later in it, a duplicate refused in the middle
 * without spoiling the rest. The result is that of the events pushed
 * one by one: cursors in order, each event routed once to each unit of
 * its audience, the earlier events of a case to the unit that joins it
 * before the event that brings it in, the digests those of the routes,
 * the heads where the chains end. */
static void
test_push_one_transaction(void **state)
{
	struct fx *fx = *state;
	long town[MAX_RECS], dept[MAX_RECS];
	size_t nt = 0, nd = 0, i, e[3], first = fx->nrecs;
	struct chain saved;
	struct station_rec r;
	char id[32];

	OK(fx, fx->op->begin(fx->s, fx->err));
	for (i = 0; i < 24; i++) {
		OK(fx, put(fx, &fx->a1, "case.opened", NULL, NULL, AUD(TOWN),
		    NULL, 0, NULL, &e[0]));
		snprintf(id, sizeof id, "C-a1-%lld", (long long)fx->a1.seq);
		OK(fx, put(fx, &fx->a1, "case.updated", id,
		    unit_json(BODY_CASE_UPDATED), AUD(TOWN), NULL, 0, NULL,
		    &e[1]));
		town[nt++] = (long)e[0];
		town[nt++] = (long)e[1];
		if (i % 3 == 0) {
			/* Brings DEPT in: the case's earlier events first. */
			OK(fx, put(fx, &fx->a1, "case.updated", id,
			    unit_json(BODY_CASE_UPDATED), AUD(TOWN, DEPT), NULL,
			    0, NULL, &e[2]));
			town[nt++] = (long)e[2];
			dept[nd++] = (long)e[0];
			dept[nd++] = (long)e[1];
			dept[nd++] = (long)e[2];
		}
		if (i % 4 == 1) {
			OK(fx, put(fx, &fx->b1, "case.opened", NULL, NULL,
			    AUD(DEPT), NULL, 0, NULL, &e[0]));
			dept[nd++] = (long)e[0];
		}
		if (i == 12) {
			/* a1's first event once more: refused, nothing sent. */
			saved = fx->a1;
			fx->a1.seq = 0;
			memcpy(fx->a1.prev, HASH_ZERO, HASH_HEX);
			assert_int_not_equal(put(fx, &fx->a1, "case.opened", NULL,
			    NULL, AUD(TOWN), NULL, 0, NULL, NULL), 0);
			fx->a1 = saved;
		}
	}
	OK(fx, fx->op->commit(fx->s, fx->err));
	town[nt] = dept[nd] = -1;

	for (i = first + 1; i < fx->nrecs; i++)
		if (fx->recs[i].cursor > 0 && fx->recs[i - 1].cursor > 0)
			assert_true(fx->recs[i].cursor > fx->recs[i - 1].cursor);
	expect_pull(fx, TOWN, town);
	expect_pull(fx, DEPT, dept);
	expect_digest_of_routes(fx, TOWN);
	expect_digest_of_routes(fx, DEPT);
	get_station(fx, "a1", &r);
	assert_int_equal(r.head_seq, fx->a1.seq);
	assert_string_equal(r.head_hash, fx->a1.prev);
	station_rec_release(&r);
	get_station(fx, "b1", &r);
	assert_int_equal(r.head_seq, fx->b1.seq);
	station_rec_release(&r);
}

/* The complainant's identity is never widened: a unit a complaint is
 * referred to receives the complaint, not who made it. */
static void
test_widening_not_identity(void **state)
{
	struct fx *fx = *state;
	size_t t, idn, ref;
	const char *id;

	t = push(fx, &fx->a1, "complaint.recorded", NULL,
	    unit_json(BODY_COMPLAINT_RECORDED), AUD(TOWN));
	id = fx->recs[t].entity;
	idn = push(fx, &fx->a1, "complaint.identity", id,
	    unit_json(BODY_COMPLAINT_IDENTITY), AUD(TOWN));
	ref = push(fx, &fx->a1, "complaint.referred", id,
	    body("complaint.referred", "to", json_string(DEPT)),
	    AUD(TOWN, DEPT));
	expect_pull(fx, DEPT, ROWS((long)t, (long)ref));
	expect_pull(fx, TOWN, ROWS((long)t, (long)idn, (long)ref));
	expect_digest_of_routes(fx, DEPT);
}

/* Each route made storing an event, widening included, takes one from
 * the budget; past zero the insert fails with LD_ETOOBIG and the
 * caller's rollback leaves nothing of it. */
static void
test_budget(void **state)
{
	struct fx *fx = *state;
	struct chain saved;
	struct station_rec st;
	char hash[HASH_HEX];
	size_t r[3], esc;
	int64_t budget;
	const char *id;

	id = dispute(fx, r);

	/* To TOWN and DEPT one each; to DECLARED the three earlier events
	 * and this one: six. */
	saved = fx->a1;
	budget = 5;
	OK(fx, fx->op->begin(fx->s, fx->err));
	assert_int_equal(put(fx, &fx->a1, "referral.escalated", id,
	    body("referral.escalated", "to", json_string(DECLARED)),
	    AUD(TOWN, DEPT, DECLARED), NULL, 0, &budget, NULL), LD_ETOOBIG);
	assert_true(fx->err[0] != '\0');
	fx->op->rollback(fx->s);
	fx->a1 = saved;

	assert_int_equal(fx->op->event_hash(fx->s, "a1", 2, hash, fx->err),
	    LD_ENOTFOUND);
	get_station(fx, "a1", &st);
	assert_int_equal(st.head_seq, 1);
	assert_string_equal(st.head_hash, fx->recs[r[0]].hash);
	station_rec_release(&st);
	expect_pull(fx, DECLARED, NO_ROWS);
	expect_digest(fx, DECLARED, NO_ROWS);
	expect_pull(fx, TOWN, ROWS((long)r[0], (long)r[1], (long)r[2]));
	expect_digest(fx, TOWN, ROWS((long)r[0], (long)r[1], (long)r[2]));
	assert_int_equal(parts_of(fx, id, DECLARED), 0);

	budget = 6;
	OK(fx, fx->op->begin(fx->s, fx->err));
	OK(fx, put(fx, &fx->a1, "referral.escalated", id,
	    body("referral.escalated", "to", json_string(DECLARED)),
	    AUD(TOWN, DEPT, DECLARED), NULL, 0, &budget, &esc));
	OK(fx, fx->op->commit(fx->s, fx->err));
	assert_int_equal(budget, 0);
	expect_digest_of_routes(fx, DECLARED);
	assert_int_equal(parts_of(fx, id, DECLARED), PART_ESCALATED);

	/* One budget for a whole push: two events of one route each fit
	 * in two, a third does not, and the rollback takes all three. */
	saved = fx->a2;
	budget = 2;
	OK(fx, fx->op->begin(fx->s, fx->err));
	OK(fx, put(fx, &fx->a2, "case.opened", NULL, NULL, AUD(TOWN), NULL, 0,
	    &budget, NULL));
	/* A private event's one route counts too. */
	OK(fx, put(fx, &fx->a2, "case.updated", "C-a2-1",
	    unit_json(BODY_CASE_UPDATED), AUD(TOWN, DEPT),
	    MERGE_NOT_ENTITLED ": test", 1, &budget, NULL));
	assert_int_equal(budget, 0);
	assert_int_equal(put(fx, &fx->a2, "case.closed", "C-a2-1",
	    unit_json(BODY_CASE_CLOSED), AUD(TOWN), NULL, 0, &budget, NULL),
	    LD_ETOOBIG);
	fx->op->rollback(fx->s);
	fx->a2 = saved;
	assert_int_equal(fx->op->event_hash(fx->s, "a2", 1, hash, fx->err),
	    LD_ENOTFOUND);
	expect_pull(fx, TOWN, ROWS((long)r[0], (long)r[1], (long)r[2],
	    (long)esc));
	expect_digest_of_routes(fx, TOWN);
}

/* Begins a transaction holding station's row, as a sync does. */
static void
hold(struct fx *fx, const char *station)
{
	struct station_rec r;

	OK(fx, fx->op->begin(fx->s, fx->err));
	OK(fx, fx->op->station_lock(fx->s, station, &r, fx->err));
	station_rec_release(&r);
}

/* In one transaction holding a2, a case opened and closed for TOWN with
 * one route budget; a read (route_head) between the two when read_between;
 * then a commit, or a read when read_last. Rolls back and returns the
 * first failure; on PostgreSQL, where such a read sent part of the
 * queue, a commit after the failure is refused too. A failed one leaves
 * nothing: a2's head where it was, its next event not stored. */
static int
open_close(struct fx *fx, int64_t budget, int read_between, int read_last)
{
	struct chain saved = fx->a2;
	struct station_rec r;
	char hash[HASH_HEX];
	int64_t top = 0;
	int rc;

	hold(fx, "a2");
	OK(fx, put(fx, &fx->a2, "case.opened", NULL, NULL, AUD(TOWN), NULL, 0,
	    &budget, NULL));
	if (read_between)
		OK(fx, fx->op->route_head(fx->s, TOWN, &top, fx->err));
	rc = put(fx, &fx->a2, "case.closed", "C-a2-1",
	    unit_json(BODY_CASE_CLOSED), AUD(TOWN), NULL, 0, &budget, NULL);
	if (rc == 0)
		rc = read_last ? fx->op->route_head(fx->s, TOWN, &top, fx->err) :
		    fx->op->commit(fx->s, fx->err);
	if (rc != 0 && read_last && strcmp(fx->be->name, "postgresql") == 0)
		assert_int_not_equal(fx->op->commit(fx->s, fx->err), 0);
	fx->op->rollback(fx->s);
	fx->a2 = saved;
	if (rc != 0) {
		assert_int_equal(fx->op->event_hash(fx->s, "a2", saved.seq + 1,
		    hash, fx->err), LD_ENOTFOUND);
		get_station(fx, "a2", &r);
		assert_int_equal(r.head_seq, saved.seq);
		station_rec_release(&r);
	}
	return rc;
}

/*
 * A push as the server stores it: the station held (station_lock), then
 * its events. On PostgreSQL they wait for their cursors until the
 * transaction's first read or its commit (store-pg.c, settle_queue), and
 * the cursor lock is not held meanwhile: another connection (another
 * instance) stores and commits an event of another station in between,
 * and it comes first, in commit order, to every unit; it enrols a
 * station whose role watches cases too, and the push's events, routed
 * when they are numbered, reach its unit (the watchers are read under
 * the lock, after that station was committed). The push's own
 * duplicate is found (event_hash) and refused; routes, widening, digests
 * and heads are those of the events pushed one by one; a push over its
 * budget is told so, at its event or at the commit, and leaves nothing.
 */
static void
test_push_held(void **state)
{
	struct fx *fx = *state;
	int pg = strcmp(fx->be->name, "postgresql") == 0;
	struct store *other = NULL, *mine = fx->s;
	struct station_rec r;
	struct chain saved;
	char hash[HASH_HEX];
	size_t e[3], o = 0;
	const char *id;

	if (pg) {
		setenv("LIANDONG_BUSY_TIMEOUT_MS", "200", 1);
		OK(fx, fx->be->open(fx->where, 0, fx->vault, &other, fx->err));
		unsetenv("LIANDONG_BUSY_TIMEOUT_MS");
	}
	hold(fx, "a1");
	OK(fx, put(fx, &fx->a1, "case.opened", NULL, NULL, AUD(TOWN), NULL, 0,
	    NULL, &e[0]));
	id = fx->recs[e[0]].entity;
	OK(fx, put(fx, &fx->a1, "case.updated", id,
	    unit_json(BODY_CASE_UPDATED), AUD(TOWN), NULL, 0, NULL, &e[1]));
	/* Brings DEPT in: the case's two earlier events first. */
	OK(fx, put(fx, &fx->a1, "case.updated", id,
	    unit_json(BODY_CASE_UPDATED), AUD(TOWN, DEPT), NULL, 0, NULL,
	    &e[2]));
	OK(fx, fx->op->event_hash(fx->s, "a1", 2, hash, fx->err));
	assert_string_equal(hash, fx->recs[e[1]].hash);
	saved = fx->a1;
	fx->a1.seq = 1;
	memcpy(fx->a1.prev, fx->recs[e[0]].hash, HASH_HEX);
	assert_int_equal(put(fx, &fx->a1, "case.closed", id,
	    unit_json(BODY_CASE_CLOSED), AUD(TOWN), NULL, 0, NULL, NULL),
	    LD_EEXIST);
	fx->a1 = saved;
	if (pg) {
		/* Not waiting for the cursor lock (200 ms, then LD_ELOCKED). */
		fx->s = other;
		OK(fx, fx->op->begin(fx->s, fx->err));
		OK(fx, put(fx, &fx->b1, "case.opened", NULL, NULL,
		    AUD(DEPT, TOWN), NULL, 0, NULL, &o));
		OK(fx, fx->op->commit(fx->s, fx->err));
		add_station(fx, "z1", "县政务办", "admin");
		fx->s = mine;
	}
	OK(fx, fx->op->commit(fx->s, fx->err));
	if (pg) {
		expect_pull(fx, "县政务办", ROWS((long)o, (long)e[0], (long)e[1],
		    (long)e[2]));
		expect_pull(fx, TOWN, ROWS((long)o, (long)e[0], (long)e[1],
		    (long)e[2]));
		expect_pull(fx, DEPT, ROWS((long)o, (long)e[0], (long)e[1],
		    (long)e[2]));
		other->ops->close(other);
	} else {
		add_station(fx, "z1", "县政务办", "admin");
		expect_pull(fx, "县政务办", ROWS((long)e[0], (long)e[1],
		    (long)e[2]));
		expect_pull(fx, TOWN, ROWS((long)e[0], (long)e[1], (long)e[2]));
		expect_pull(fx, DEPT, ROWS((long)e[0], (long)e[1], (long)e[2]));
	}
	expect_digest_of_routes(fx, TOWN);
	expect_digest_of_routes(fx, DEPT);
	expect_digest_of_routes(fx, "县政务办");
	get_station(fx, "a1", &r);
	assert_int_equal(r.head_seq, 3);
	assert_string_equal(r.head_hash, fx->recs[e[2]].hash);
	station_rec_release(&r);

	/* Two events of two routes each (TOWN, and 县政务办 watching), a
	 * budget of three. */
	assert_int_equal(open_close(fx, 3, 0, 0), LD_ETOOBIG);
	expect_digest_of_routes(fx, TOWN);
}

/*
 * A push's later events are decided on the parties its earlier ones
 * grant, queued or not (parts), and a rollback takes them back; an event
 * stored after a read of the same transaction (its queue numbered by
 * then) still widens an entity whose earlier events were committed
 * before, which the queue's prefetch had not asked about.
 */
static void
test_push_held_after_read(void **state)
{
	struct fx *fx = *state;
	struct chain saved = fx->a2;
	size_t e[4];
	const char *old;
	int64_t top = 0;
	int parts;

	OK(fx, put(fx, &fx->a1, "case.opened", NULL, NULL, AUD(TOWN), NULL, 0,
	    NULL, &e[0]));
	old = fx->recs[e[0]].entity;

	hold(fx, "a1");
	OK(fx, put(fx, &fx->a1, "case.opened", NULL, NULL, AUD(TOWN), NULL, 0,
	    NULL, &e[1]));
	OK(fx, fx->op->parts(fx->s, fx->recs[e[1]].entity, TOWN, &parts,
	    fx->err));
	assert_true(parts & PART_CREATOR);
	OK(fx, fx->op->parts(fx->s, fx->recs[e[1]].entity, DEPT, &parts,
	    fx->err));
	assert_int_equal(parts, 0);
	/* A read: the queue is numbered from here on. */
	OK(fx, fx->op->route_head(fx->s, TOWN, &top, fx->err));
	OK(fx, put(fx, &fx->a1, "case.updated", old,
	    unit_json(BODY_CASE_UPDATED), AUD(TOWN, DEPT), NULL, 0, NULL,
	    &e[2]));
	OK(fx, fx->op->commit(fx->s, fx->err));
	expect_pull(fx, DEPT, ROWS((long)e[0], (long)e[2]));
	expect_pull(fx, TOWN, ROWS((long)e[0], (long)e[1], (long)e[2]));
	expect_digest_of_routes(fx, DEPT);

	/* A queue of a private event alone: its unit's digest, which the
	 * prefetch does not read (it routes to no audience), goes on from
	 * the one stored. */
	hold(fx, "a1");
	OK(fx, put(fx, &fx->a1, "case.updated", old,
	    unit_json(BODY_CASE_UPDATED), AUD(TOWN, DEPT), MERGE_NOT_ENTITLED
	    ": test", 1, NULL, &e[3]));
	OK(fx, fx->op->commit(fx->s, fx->err));
	expect_pull(fx, TOWN, ROWS((long)e[0], (long)e[1], (long)e[2],
	    (long)e[3]));
	expect_digest_of_routes(fx, TOWN);
	expect_digest_of_routes(fx, DEPT);

	/* Rolled back: neither the event nor its parties. */
	hold(fx, "a2");
	OK(fx, put(fx, &fx->a2, "case.opened", NULL, NULL, AUD(TOWN), NULL, 0,
	    NULL, &e[3]));
	fx->op->rollback(fx->s);
	OK(fx, fx->op->parts(fx->s, fx->recs[e[3]].entity, TOWN, &parts,
	    fx->err));
	assert_int_equal(parts, 0);
	fx->a2 = saved;

	/* One budget a transaction: a route each, a budget of one. The
	 * second event, stored after a read, spends what the first left;
	 * the same two refused by the read that numbers them (some of it
	 * sent then) never commit. */
	assert_int_equal(open_close(fx, 1, 1, 0), LD_ETOOBIG);
	assert_int_equal(open_close(fx, 1, 0, 1), LD_ETOOBIG);
}

/*
 * Pushes as syncs make them, at once on several connections (instances),
 * while another pulls DEPT as a sync does: each writer holds its
 * station's row, stores two events for TOWN and DEPT (queued on
 * PostgreSQL), sometimes reads (which numbers them and takes the cursor
 * lock) and waits a moment before it commits, sometimes waits before its
 * events are numbered, so that transactions overlap and end in another
 * order than they began. The reader's cursor only grows, and it receives
 * every route DEPT ends with, once: a route numbered below a cursor the
 * reader had passed and committed after would be missing (what
 * test-cursors checks of event_insert alone).
 */
#define HELD_ROUNDS 20

struct held_writer {
	struct fx *fx;
	const char *station;
	unsigned seed;
	char err[LD_ERRLEN];
};

struct held_reader {
	struct fx *fx;
	volatile int *done;
	int64_t cursor, last;
	size_t n;
	char err[LD_ERRLEN];
};

static void
held_pause(unsigned *seed)
{
	struct timespec ts = { 0, (long)(rand_r(seed) % 2000) * 1000 };

	nanosleep(&ts, NULL);
}

static void *
held_write(void *arg)
{
	struct held_writer *w = arg;
	const struct kind_info *k = kind_find("case.opened");
	char prev[HASH_HEX];
	struct station_rec r;
	struct store *s;
	int64_t seq = 0, cursor, round;
	int rc = 0, i;

	memcpy(prev, HASH_ZERO, HASH_HEX);
	if (w->fx->be->open(w->fx->where, 0, w->fx->vault, &s, w->err) != 0)
		return NULL;
	for (round = 0; rc == 0 && round < HELD_ROUNDS; round++) {
		if ((rc = s->ops->begin(s, w->err)) != 0)
			break;
		if ((rc = s->ops->station_lock(s, w->station, &r, w->err)) == 0)
			station_rec_release(&r);
		for (i = 0; rc == 0 && i < 2; i++) {
			struct event ev;
			char *raw;

			event_init(&ev);
			ld_strlcpy(ev.station, w->station, sizeof ev.station);
			ev.seq = seq + 1;
			ev.hlc = ((hlc_t)UNIT_T0_MS << HLC_SHIFT) +
			    ((hlc_t)ev.seq << HLC_SHIFT);
			ev.at = hlc_ms(ev.hlc);
			ev.unit = xstrdup(TOWN);
			ev.author = xstrdup("张三");
			ev.kind = xstrdup(k->name);
			ev.entity = entity_id_new(k->etype, w->station, ev.seq);
			ev.audience = json_pack("[s, s]", TOWN, DEPT);
			ev.body = unit_body(k, 1);
			memcpy(ev.prev, prev, HASH_HEX);
			event_seal(&ev);
			raw = event_canonical(&ev, 1);
			if ((rc = s->ops->event_insert(s, &ev, raw, NULL, 0, NULL,
			    &cursor, w->err)) == 0) {
				memcpy(prev, ev.hash, HASH_HEX);
				seq = ev.seq;
			}
			free(raw);
			event_release(&ev);
		}
		/* Waits before its events are numbered, or numbers them (a
		 * read, as the sync's pull) and waits with the lock held. */
		if (rc == 0 && round % 2 == 1) {
			int64_t top;

			rc = s->ops->route_head(s, TOWN, &top, w->err);
		}
		held_pause(&w->seed);
		if (rc == 0)
			rc = s->ops->commit(s, w->err);
		else
			s->ops->rollback(s);
	}
	s->ops->close(s);
	return NULL;
}

static int
held_got(int64_t cursor, int64_t received_at, const char *raw, size_t len,
    void *arg)
{
	struct held_reader *r = arg;

	if (cursor <= r->last && r->err[0] == '\0')
		snprintf(r->err, sizeof r->err, "cursor %lld after %lld",
		    (long long)cursor, (long long)r->last);
	r->last = cursor;
	r->n++;
	return 0;
}

static void *
held_read(void *arg)
{
	struct held_reader *r = arg;
	struct store *s;
	int done = 0, more = 0, rc = 0;

	if (r->fx->be->open(r->fx->where, 0, r->fx->vault, &s, r->err) != 0)
		return NULL;
	while (rc == 0 && r->err[0] == '\0' && (!done || more)) {
		int64_t top = 0;

		done = *r->done;
		r->last = r->cursor;
		if ((rc = s->ops->begin(s, r->err)) != 0)
			break;
		rc = s->ops->events_for_unit(s, DEPT, "", r->cursor, 5, SIZE_MAX,
		    held_got, r, &more, r->err);
		if (rc == 0 && !more && (rc = s->ops->route_head(s, DEPT, &top,
		    r->err)) == 0 && top > r->last)
			r->last = top;
		if (rc == 0)
			rc = s->ops->commit(s, r->err);
		else
			s->ops->rollback(s);
		if (rc == 0)
			r->cursor = r->last;
		/* A lock waited out is passing: the sync comes back. */
		if (rc == LD_ELOCKED) {
			r->err[0] = '\0';
			rc = 0;
		}
	}
	s->ops->close(s);
	return NULL;
}

static void
test_push_held_concurrent(void **state)
{
	struct fx *fx = *state;
	static const char *const names[] = { "a1", "a2", "b1" };
	struct held_writer w[3];
	struct held_reader r;
	pthread_t tw[3], tr;
	struct held_reader all;
	volatile int done = 0;
	size_t i;
	int more;

	memset(&r, 0, sizeof r);
	r.fx = fx;
	r.done = &done;
	assert_int_equal(pthread_create(&tr, NULL, held_read, &r), 0);
	for (i = 0; i < 3; i++) {
		memset(&w[i], 0, sizeof w[i]);
		w[i].fx = fx;
		w[i].station = names[i];
		w[i].seed = (unsigned)(i + 1) * 7919u;
		assert_int_equal(pthread_create(&tw[i], NULL, held_write, &w[i]),
		    0);
	}
	for (i = 0; i < 3; i++) {
		pthread_join(tw[i], NULL);
		if (w[i].err[0] != '\0')
			fail_msg("writer %s: %s", w[i].station, w[i].err);
	}
	done = 1;
	pthread_join(tr, NULL);
	if (r.err[0] != '\0')
		fail_msg("reader: %s", r.err);
	memset(&all, 0, sizeof all);
	OK(fx, fx->op->events_for_unit(fx->s, DEPT, "", 0, 100000, SIZE_MAX,
	    held_got, &all, &more, fx->err));
	assert_int_equal(all.n, 3 * 2 * HELD_ROUNDS);
	assert_int_equal(r.n, all.n);
}

/* An update longer than the others, so that sizes differ. */
#define BODY_LONGER_UPDATE \
	"{\"location\":\"龙羊峡镇北街，靠近十字路口的第三家\"}"

/* TOWN's pull: 4 events of a1, 2 of a2, 1 of b1 addressed to it, in
 * that receipt order interleaved. Rows in r[0..6] by receipt. */
static void
town_pull(struct fx *fx, size_t r[7])
{
	r[0] = push(fx, &fx->a1, "case.opened", NULL, NULL, AUD(TOWN));
	r[1] = push(fx, &fx->a2, "case.opened", NULL, NULL, AUD(TOWN));
	r[2] = push(fx, &fx->a1, "case.updated", "C-a1-1",
	    unit_json(BODY_CASE_UPDATED), AUD(TOWN));
	r[3] = push(fx, &fx->b1, "case.opened", NULL, NULL, AUD(DEPT, TOWN));
	r[4] = push(fx, &fx->a1, "case.updated", "C-a1-1",
	    unit_json(BODY_LONGER_UPDATE), AUD(TOWN));
	r[5] = push(fx, &fx->a2, "case.closed", "C-a2-1",
	    unit_json(BODY_CASE_CLOSED), AUD(TOWN));
	r[6] = push(fx, &fx->a1, "case.closed", "C-a1-1",
	    unit_json(BODY_CASE_CLOSED), AUD(TOWN));
}

/* events_for_unit hands out at most limit events, in cursor order from
 * after; *more says whether any remain; a page's last cursor is where
 * the next starts. */
static void
test_pull_limit(void **state)
{
	struct fx *fx = *state;
	struct got g;
	size_t r[7];
	int more;

	town_pull(fx, r);

	pull(fx, TOWN, NULL, 0, 3, SIZE_MAX, &g, &more);
	expect_rows(&g, ROWS((long)r[0], (long)r[1], (long)r[2]), "page 1");
	assert_int_equal(more, 1);
	assert_true(g.cursor[0] > 0);
	assert_true(g.cursor[1] > g.cursor[0]);
	assert_true(g.cursor[2] > g.cursor[1]);

	pull(fx, TOWN, NULL, g.cursor[2], 3, SIZE_MAX, &g, &more);
	expect_rows(&g, ROWS((long)r[3], (long)r[4], (long)r[5]), "page 2");
	assert_int_equal(more, 1);

	/* Exactly the last one: nothing remains. */
	pull(fx, TOWN, NULL, g.cursor[2], 1, SIZE_MAX, &g, &more);
	expect_rows(&g, ROWS((long)r[6]), "page 3");
	assert_int_equal(more, 0);

	pull(fx, TOWN, NULL, g.cursor[0], 5, SIZE_MAX, &g, &more);
	assert_int_equal(g.n, 0);
	assert_int_equal(more, 0);

	pull(fx, TOWN, NULL, 0, 7, SIZE_MAX, &g, &more);
	assert_int_equal(g.n, 7);
	assert_int_equal(more, 0);
	pull(fx, TOWN, NULL, 0, 6, SIZE_MAX, &g, &more);
	assert_int_equal(g.n, 6);
	assert_int_equal(more, 1);

	pull(fx, DECLARED, NULL, 0, 10, SIZE_MAX, &g, &more);
	assert_int_equal(g.n, 0);
	assert_int_equal(more, 0);
}

/* max_bytes: the first event is always given, however large; pages cut
 * by size still hand out every event once, in order. */
static void
test_pull_max_bytes(void **state)
{
	struct fx *fx = *state;
	struct got g;
	long seen[8];
	size_t r[7], n = 0, i, total = 0;
	int64_t after = 0;
	int more, pages = 0;

	town_pull(fx, r);
	for (i = 0; i < 7; i++)
		total += strlen(fx->recs[r[i]].raw);

	pull(fx, TOWN, NULL, 0, 100, 1, &g, &more);
	expect_rows(&g, ROWS((long)r[0]), "max_bytes 1");
	assert_int_equal(more, 1);

	pull(fx, TOWN, NULL, 0, 100, total, &g, &more);
	assert_int_equal(g.n, 7);
	assert_int_equal(more, 0);

	do {
		pull(fx, TOWN, NULL, after, 100,
		    strlen(fx->recs[r[0]].raw) + 1, &g, &more);
		assert_true(g.n >= 1);
		assert_true(g.n < 7);
		for (i = 0; i < g.n; i++) {
			assert_true(n < NELEM(seen));
			seen[n++] = g.idx[i];
		}
		after = g.cursor[g.n - 1];
		pages++;
	} while (more);
	assert_true(pages > 1);
	assert_int_equal(n, 7);
	for (i = 0; i < 7; i++)
		assert_int_equal(seen[i], (long)r[i]);
}

/* exclude_station leaves out what that station wrote (its unit's other
 * stations' events stay); backlog counts the same from any cursor. */
static void
test_pull_exclude_and_backlog(void **state)
{
	struct fx *fx = *state;
	struct got all, g;
	size_t r[7], i;
	int64_t n;
	int more;

	town_pull(fx, r);
	pull(fx, TOWN, "a1", 0, 100, SIZE_MAX, &g, &more);
	expect_rows(&g, ROWS((long)r[1], (long)r[3], (long)r[5]),
	    "TOWN without a1");
	assert_int_equal(more, 0);
	pull(fx, TOWN, "b1", 0, 100, SIZE_MAX, &g, &more);
	expect_rows(&g, ROWS((long)r[0], (long)r[1], (long)r[2], (long)r[4],
	    (long)r[5], (long)r[6]), "TOWN without b1");

	/* Paged by limit, the exclusion holds on every page. */
	pull(fx, TOWN, "a1", 0, 2, SIZE_MAX, &g, &more);
	expect_rows(&g, ROWS((long)r[1], (long)r[3]), "TOWN without a1, 2");
	assert_int_equal(more, 1);

	pull_all(fx, TOWN, &all);
	for (i = 0; i <= all.n; i++) {
		int64_t after = i == 0 ? 0 : all.cursor[i - 1];
		size_t j, want = 0;

		for (j = i; j < all.n; j++)
			want += strcmp(fx->recs[all.idx[j]].station, "a1") != 0;
		n = -1;
		OK(fx, fx->op->backlog(fx->s, TOWN, "a1", after, &n, fx->err));
		assert_int_equal(n, want);
		pull(fx, TOWN, "a1", after, 100, SIZE_MAX, &g, &more);
		assert_int_equal(g.n, want);
	}
	OK(fx, fx->op->backlog(fx->s, DECLARED, "a1", 0, &n, fx->err));
	assert_int_equal(n, 0);
}

/* A unit's digest is the count and XOR of the hashes of the events
 * routed to it: inside a transaction as it goes, after a commit, after
 * a rollback (unchanged), and in a store opened again. */
static void
test_digest(void **state)
{
	struct fx *fx = *state;
	struct chain saved;
	size_t r[3], e;
	const char *id;

	expect_digest(fx, TOWN, NO_ROWS);
	id = dispute(fx, r);
	expect_digest(fx, TOWN, ROWS((long)r[0], (long)r[1], (long)r[2]));
	expect_digest(fx, DEPT, ROWS((long)r[0], (long)r[1], (long)r[2]));

	OK(fx, fx->op->begin(fx->s, fx->err));
	OK(fx, put(fx, &fx->b1, "referral.accepted", id, NULL, AUD(DEPT),
	    NULL, 0, NULL, &e));
	expect_digest(fx, DEPT, ROWS((long)r[0], (long)r[1], (long)r[2],
	    (long)e));
	expect_digest(fx, TOWN, ROWS((long)r[0], (long)r[1], (long)r[2]));
	OK(fx, fx->op->commit(fx->s, fx->err));
	expect_digest(fx, DEPT, ROWS((long)r[0], (long)r[1], (long)r[2],
	    (long)e));

	saved = fx->a1;
	OK(fx, fx->op->begin(fx->s, fx->err));
	OK(fx, put(fx, &fx->a1, "referral.escalated", id,
	    body("referral.escalated", "to", json_string(DECLARED)),
	    AUD(TOWN, DEPT, DECLARED), NULL, 0, NULL, NULL));
	expect_digest_of_routes(fx, DECLARED);
	fx->op->rollback(fx->s);
	fx->a1 = saved;
	expect_digest(fx, DECLARED, NO_ROWS);
	expect_digest(fx, TOWN, ROWS((long)r[0], (long)r[1], (long)r[2]));

	fx->op->close(fx->s);
	fx->s = NULL;
	OK(fx, fx->be->open(fx->where, 0, fx->vault, &fx->s, fx->err));
	expect_digest(fx, DEPT, ROWS((long)r[0], (long)r[1], (long)r[2],
	    (long)e));
	expect_digest_of_routes(fx, TOWN);
}

/* An entity's events in fold order, (hlc, station, seq), whatever
 * order they arrived in; a unit sees those routed to it, the county
 * (NULL) all but the private ones, which only their unit sees. */
static void
test_entity_events(void **state)
{
	struct fx *fx = *state;
	hlc_t t0 = (hlc_t)UNIT_T0_MS << HLC_SHIFT, s = (hlc_t)1000 << HLC_SHIFT;
	size_t o1, a2u, a1u, b1u, a1c, p;

	fx->a1.next_hlc = t0 + 1 * s;
	o1 = push(fx, &fx->a1, "case.opened", NULL, NULL, AUD(TOWN, DEPT));
	fx->a2.next_hlc = t0 + 5 * s;
	a2u = push(fx, &fx->a2, "case.updated", "C-a1-1",
	    unit_json(BODY_CASE_UPDATED), AUD(TOWN));
	fx->a1.next_hlc = t0 + 3 * s;
	a1u = push(fx, &fx->a1, "case.updated", "C-a1-1",
	    unit_json(BODY_CASE_UPDATED), AUD(TOWN, DEPT));
	fx->b1.next_hlc = t0 + 5 * s;
	b1u = push(fx, &fx->b1, "case.updated", "C-a1-1",
	    unit_json(BODY_CASE_UPDATED), AUD(DEPT, TOWN));
	fx->a1.next_hlc = t0 + 5 * s;
	a1c = push(fx, &fx->a1, "case.closed", "C-a1-1",
	    unit_json(BODY_CASE_CLOSED), AUD(TOWN));
	fx->b1.next_hlc = t0 + 2 * s;
	p = push_private(fx, &fx->b1, "case.updated", "C-a1-1",
	    unit_json(BODY_CASE_UPDATED), AUD(DEPT, TOWN));
	/* Another entity's event, which no view of C-a1-1 shows. */
	push(fx, &fx->a2, "case.opened", NULL, NULL, AUD(TOWN, DEPT));

	expect_entity(fx, "C-a1-1", NULL, ROWS((long)o1, (long)a1u, (long)a1c,
	    (long)a2u, (long)b1u));
	expect_entity(fx, "C-a1-1", TOWN, ROWS((long)o1, (long)a1u, (long)a1c,
	    (long)a2u, (long)b1u));
	expect_entity(fx, "C-a1-1", DEPT, ROWS((long)o1, (long)p, (long)a1u,
	    (long)b1u));
	expect_entity(fx, "C-a1-1", DECLARED, NO_ROWS);
	expect_entity(fx, "C-zz-1", NULL, NO_ROWS);
}

struct names {
	char *v[16];
	size_t n;
};

static int
name_one(const char *entity, void *arg)
{
	struct names *ns = arg;

	assert_true(ns->n < NELEM(ns->v));
	ns->v[ns->n++] = xstrdup(entity);
	return 0;
}

static void
expect_entities(struct fx *fx, const char *unit, const char *const *want)
{
	struct names ns = { .n = 0 };
	size_t i;

	OK(fx, fx->op->entities(fx->s, unit, name_one, &ns, fx->err));
	for (i = 0; want[i] != NULL; i++) {
		if (i >= ns.n)
			fail_msg("entities of %s: %zu, expected more",
			    unit != NULL ? unit : "the county", ns.n);
		assert_string_equal(ns.v[i], want[i]);
	}
	assert_int_equal(ns.n, i);
	for (i = 0; i < ns.n; i++)
		free(ns.v[i]);
}

/* Distinct entities, sorted, of what a unit sees, or of the county
 * (NULL) without those only private events name. */
static void
test_entities(void **state)
{
	struct fx *fx = *state;
	int i;

	/* a1's seqs 1..10: the ids sort as text, C-a1-10 before C-a1-2. */
	for (i = 0; i < 9; i++)
		push(fx, &fx->a1, "case.opened", NULL, NULL, AUD(TOWN));
	push(fx, &fx->a1, "case.opened", NULL, NULL, AUD(TOWN, DEPT));
	push(fx, &fx->b1, "case.opened", NULL, NULL, AUD(DEPT));
	push(fx, &fx->b1, "case.updated", "C-a1-10",
	    unit_json(BODY_CASE_UPDATED), AUD(DEPT));
	push_private(fx, &fx->a2, "liaison.logged", NULL,
	    unit_json(BODY_LIAISON_LOGGED), AUD(TOWN));

	expect_entities(fx, NULL, (const char *const[]){ "C-a1-1", "C-a1-10",
	    "C-a1-2", "C-a1-3", "C-a1-4", "C-a1-5", "C-a1-6", "C-a1-7",
	    "C-a1-8", "C-a1-9", "C-b1-1", NULL });
	expect_entities(fx, TOWN, (const char *const[]){ "C-a1-1", "C-a1-10",
	    "C-a1-2", "C-a1-3", "C-a1-4", "C-a1-5", "C-a1-6", "C-a1-7",
	    "C-a1-8", "C-a1-9", "L-a2-1", NULL });
	expect_entities(fx, DEPT, AUD("C-a1-10", "C-b1-1"));
	expect_entities(fx, DECLARED, (const char *const[]){ NULL });
}

/* A station's own events, seq after after, in seq order, private and
 * confidential ones included (in plain text), cursors 0. */
static void
test_own_events(void **state)
{
	struct fx *fx = *state;
	struct got g;
	size_t r[5], i;
	int more;

	r[0] = push(fx, &fx->a1, "complaint.recorded", NULL,
	    unit_json(BODY_COMPLAINT_RECORDED), AUD(TOWN));
	push(fx, &fx->b1, "case.opened", NULL, NULL, AUD(DEPT, TOWN));
	r[1] = push(fx, &fx->a1, "complaint.identity", "T-a1-1",
	    unit_json(BODY_COMPLAINT_IDENTITY), AUD(TOWN));
	r[2] = push_private(fx, &fx->a1, "case.updated", "C-b1-1",
	    unit_json(BODY_CASE_UPDATED), AUD(TOWN, DEPT));
	push(fx, &fx->a2, "case.opened", NULL, NULL, AUD(TOWN));
	r[3] = push(fx, &fx->a1, "case.opened", NULL, NULL, AUD(TOWN));
	r[4] = push(fx, &fx->a1, "case.closed", "C-a1-4",
	    unit_json(BODY_CASE_CLOSED), AUD(TOWN));

	memset(&g, 0, sizeof g);
	g.fx = fx;
	more = -1;
	OK(fx, fx->op->own_events(fx->s, "a1", 0, 10, got_one, &g, &more,
	    fx->err));
	expect_rows(&g, ROWS((long)r[0], (long)r[1], (long)r[2], (long)r[3],
	    (long)r[4]), "a1's own events");
	assert_int_equal(more, 0);
	for (i = 0; i < g.n; i++)
		assert_int_equal(g.cursor[i], 0);

	memset(&g, 0, sizeof g);
	g.fx = fx;
	OK(fx, fx->op->own_events(fx->s, "a1", 1, 2, got_one, &g, &more,
	    fx->err));
	expect_rows(&g, ROWS((long)r[1], (long)r[2]), "a1 after 1, 2");
	assert_int_equal(more, 1);

	memset(&g, 0, sizeof g);
	g.fx = fx;
	OK(fx, fx->op->own_events(fx->s, "a1", 3, 2, got_one, &g, &more,
	    fx->err));
	expect_rows(&g, ROWS((long)r[3], (long)r[4]), "a1 after 3, 2");
	assert_int_equal(more, 0);

	memset(&g, 0, sizeof g);
	g.fx = fx;
	OK(fx, fx->op->own_events(fx->s, "a1", 5, 10, got_one, &g, &more,
	    fx->err));
	assert_int_equal(g.n, 0);
	assert_int_equal(more, 0);

	memset(&g, 0, sizeof g);
	g.fx = fx;
	OK(fx, fx->op->own_events(fx->s, "nobody", 0, 10, got_one, &g, &more,
	    fx->err));
	assert_int_equal(g.n, 0);
	assert_int_equal(more, 0);
}

/* Every read hands out, with each event, when the store first held it:
 * the server's clock (ltime_now) at the insert, in ms, the same on
 * every read and whatever was stored after it. */
static void
test_received_at(void **state)
{
	struct fx *fx = *state;
	struct got g;
	int64_t first, second;
	int more;

	assert_int_equal(ltime_parse("2026-04-30T10:00:00+08:00", &first), 0);
	assert_int_equal(ltime_parse("2026-05-20T09:30:00+08:00", &second), 0);
	setenv("LIANDONG_NOW", "2026-04-30T10:00:00+08:00", 1);
	push(fx, &fx->a1, "case.opened", NULL, NULL, AUD(TOWN, DEPT));
	setenv("LIANDONG_NOW", "2026-05-20T09:30:00+08:00", 1);
	push(fx, &fx->a1, "case.opened", NULL, NULL, AUD(TOWN, DEPT));
	unsetenv("LIANDONG_NOW");

	pull(fx, DEPT, NULL, 0, 10, SIZE_MAX, &g, &more);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.received[0], first);
	assert_int_equal(g.received[1], second);

	memset(&g, 0, sizeof g);
	g.fx = fx;
	OK(fx, fx->op->own_events(fx->s, "a1", 0, 10, got_one, &g, &more,
	    fx->err));
	assert_int_equal(g.n, 2);
	assert_int_equal(g.received[0], first);
	assert_int_equal(g.received[1], second);

	memset(&g, 0, sizeof g);
	g.fx = fx;
	OK(fx, fx->op->entity_events(fx->s, "C-a1-2", DEPT, got_one, &g,
	    fx->err));
	assert_int_equal(g.n, 1);
	assert_int_equal(g.received[0], second);
	memset(&g, 0, sizeof g);
	g.fx = fx;
	OK(fx, fx->op->entity_events(fx->s, "C-a1-1", NULL, got_one, &g,
	    fx->err));
	assert_int_equal(g.n, 1);
	assert_int_equal(g.received[0], first);
}

struct heads {
	char station[8][STATION_MAX + 1];
	int64_t seq[8];
	size_t n;
};

static int
head_one(const char *station, int64_t seq, void *arg)
{
	struct heads *h = arg;

	assert_true(h->n < NELEM(h->seq));
	ld_strlcpy(h->station[h->n], station, sizeof h->station[h->n]);
	h->seq[h->n] = seq;
	h->n++;
	return 0;
}

/* want: "station", seq, ..., NULL */
static void
expect_heads(struct fx *fx, const char *unit, ...)
{
	struct heads h = { .n = 0 };
	const char *st;
	size_t i = 0;
	va_list ap;

	OK(fx, fx->op->heads(fx->s, unit, head_one, &h, fx->err));
	va_start(ap, unit);
	while ((st = va_arg(ap, const char *)) != NULL) {
		int64_t seq = va_arg(ap, int64_t);

		if (i >= h.n)
			fail_msg("heads of %s: %zu, expected more", unit, h.n);
		assert_string_equal(h.station[i], st);
		assert_int_equal(h.seq[i], seq);
		i++;
	}
	va_end(ap);
	assert_int_equal(h.n, i);
}

/* For each station with events routed to the unit, by name, the highest
 * seq of those: nothing of what the unit cannot see. */
static void
test_heads(void **state)
{
	struct fx *fx = *state;
	size_t r[3];
	const char *id;

	expect_heads(fx, TOWN, NULL);
	push(fx, &fx->b1, "case.opened", NULL, NULL, AUD(DEPT));
	id = dispute(fx, r);                   /* a1/1, b1/2, b1/3 */
	push(fx, &fx->a1, "case.opened", NULL, NULL, AUD(TOWN));      /* a1/2 */
	push_private(fx, &fx->a1, "case.updated", "C-b1-1",
	    unit_json(BODY_CASE_UPDATED), AUD(TOWN, DEPT));           /* a1/3 */
	push(fx, &fx->b1, "case.updated", "C-b1-1",
	    unit_json(BODY_CASE_UPDATED), AUD(DEPT));                 /* b1/4 */

	expect_heads(fx, TOWN, "a1", INT64_C(3), "b1", INT64_C(3), NULL);
	expect_heads(fx, DEPT, "a1", INT64_C(1), "b1", INT64_C(4), NULL);
	expect_heads(fx, DECLARED, NULL);
	expect_heads(fx, STRANGER, NULL);

	/* Widened to DECLARED: the referral's chains, as far as it sees. */
	push(fx, &fx->a1, "referral.escalated", id,
	    body("referral.escalated", "to", json_string(DECLARED)),
	    AUD(TOWN, DEPT, DECLARED));                               /* a1/4 */
	expect_heads(fx, DECLARED, "a1", INT64_C(4), "b1", INT64_C(3), NULL);
	expect_heads(fx, TOWN, "a1", INT64_C(4), "b1", INT64_C(3), NULL);

	/* a2 wrote only to TOWN: it comes between a1 and b1. */
	push(fx, &fx->a2, "case.opened", NULL, NULL, AUD(TOWN));
	expect_heads(fx, TOWN, "a1", INT64_C(4), "a2", INT64_C(1), "b1",
	    INT64_C(3), NULL);
}

static void
test_meta(void **state)
{
	struct fx *fx = *state;
	char *v = (char *)"unset";

	assert_int_equal(fx->op->meta_get(fx->s, "color", &v, fx->err),
	    LD_ENOTFOUND);
	assert_null(v);
	OK(fx, fx->op->meta_set(fx->s, "color", "蓝", fx->err));
	OK(fx, fx->op->meta_get(fx->s, "color", &v, fx->err));
	assert_string_equal(v, "蓝");
	free(v);
	OK(fx, fx->op->meta_set(fx->s, "color", "", fx->err));
	OK(fx, fx->op->meta_get(fx->s, "color", &v, fx->err));
	assert_string_equal(v, "");
	free(v);
	assert_int_equal(fx->op->meta_get(fx->s, "colour", &v, fx->err),
	    LD_ENOTFOUND);
}

/* What a rolled-back transaction did is gone, whatever op did it; what
 * a committed one did is there, in a store opened again too. */
static void
test_transactions(void **state)
{
	struct fx *fx = *state;
	struct station_rec r, add;
	struct chain saved = fx->a1;
	char hash[HASH_HEX], *v;
	size_t e;

	OK(fx, fx->op->begin(fx->s, fx->err));
	OK(fx, put(fx, &fx->a1, "referral.sent", NULL,
	    body("referral.sent", "to", json_string(DEPT)), AUD(TOWN, DEPT),
	    NULL, 0, NULL, &e));
	get_station(fx, "a2", &r);
	r.last_sync = 1795224999;
	OK(fx, fx->op->station_update(fx->s, &r, fx->err));
	station_rec_release(&r);
	OK(fx, fx->op->meta_set(fx->s, "k", "v", fx->err));
	OK(fx, fx->op->unit_add(fx->s, "新单位", "", 1, fx->err));
	memset(&add, 0, sizeof add);
	ld_strlcpy(add.name, "n1", sizeof add.name);
	add.unit = (char *)"新单位";
	add.role = (char *)"township";
	OK(fx, fx->op->station_add(fx->s, &add, fx->err));
	/* Seen inside the transaction. */
	OK(fx, fx->op->event_hash(fx->s, "a1", 1, hash, fx->err));
	expect_pull(fx, DEPT, ROWS((long)e));
	assert_int_equal(parts_of(fx, "R-a1-1", DEPT), PART_ADDRESSEE);
	fx->op->rollback(fx->s);
	fx->a1 = saved;

	assert_int_equal(fx->op->event_hash(fx->s, "a1", 1, hash, fx->err),
	    LD_ENOTFOUND);
	get_station(fx, "a1", &r);
	assert_int_equal(r.head_seq, 0);
	assert_int_equal(r.head_hlc, 0);
	station_rec_release(&r);
	get_station(fx, "a2", &r);
	assert_int_equal(r.last_sync, 0);
	station_rec_release(&r);
	expect_pull(fx, TOWN, NO_ROWS);
	expect_pull(fx, DEPT, NO_ROWS);
	expect_digest(fx, DEPT, NO_ROWS);
	assert_int_equal(parts_of(fx, "R-a1-1", TOWN), 0);
	assert_int_equal(parts_of(fx, "R-a1-1", DEPT), 0);
	expect_entity(fx, "R-a1-1", NULL, NO_ROWS);
	assert_int_equal(fx->op->meta_get(fx->s, "k", &v, fx->err),
	    LD_ENOTFOUND);
	assert_int_equal(known(fx, "新单位"), 0);
	assert_int_equal(fx->op->station_get(fx->s, "n1", &r, fx->err),
	    LD_ENOTFOUND);

	/* The same, committed, and the store opened again. */
	OK(fx, fx->op->begin(fx->s, fx->err));
	OK(fx, put(fx, &fx->a1, "referral.sent", NULL,
	    body("referral.sent", "to", json_string(DEPT)), AUD(TOWN, DEPT),
	    NULL, 0, NULL, &e));
	OK(fx, fx->op->meta_set(fx->s, "k", "v", fx->err));
	OK(fx, fx->op->commit(fx->s, fx->err));
	fx->op->close(fx->s);
	fx->s = NULL;
	OK(fx, fx->be->open(fx->where, 0, fx->vault, &fx->s, fx->err));
	OK(fx, fx->op->event_hash(fx->s, "a1", 1, hash, fx->err));
	assert_string_equal(hash, fx->recs[e].hash);
	get_station(fx, "a1", &r);
	assert_int_equal(r.head_seq, 1);
	assert_int_equal(r.head_hlc, fx->recs[e].hlc);
	station_rec_release(&r);
	expect_pull(fx, DEPT, ROWS((long)e));
	expect_digest(fx, DEPT, ROWS((long)e));
	assert_int_equal(parts_of(fx, "R-a1-1", DEPT), PART_ADDRESSEE);
	OK(fx, fx->op->meta_get(fx->s, "k", &v, fx->err));
	assert_string_equal(v, "v");
	free(v);
}

/* station_lock: the station as station_get reads it, held to the end of
 * the caller's transaction: another connection to the same database (on
 * PostgreSQL, another server instance) can neither take it nor change
 * it meanwhile (LD_ELOCKED past the lock timeout, at its begin on
 * SQLite, at its station_lock on PostgreSQL), and takes it, changed,
 * once the holder commits. */
static void
test_station_lock(void **state)
{
	struct fx *fx = *state;
	struct station_rec r, g;
	struct store *other;
	int rc;

	setenv("LIANDONG_BUSY_TIMEOUT_MS", "200", 1);
	OK(fx, fx->be->open(fx->where, 0, fx->vault, &other, fx->err));
	OK(fx, fx->op->begin(fx->s, fx->err));
	OK(fx, fx->op->station_lock(fx->s, "a1", &r, fx->err));
	get_station(fx, "a1", &g);
	assert_string_equal(r.unit, g.unit);
	assert_string_equal(r.token_hash, g.token_hash);
	assert_int_equal(r.head_seq, g.head_seq);
	station_rec_release(&g);
	assert_int_equal(fx->op->station_lock(fx->s, "nobody", &g, fx->err),
	    LD_ENOTFOUND);
	station_rec_release(&g);

	if ((rc = other->ops->begin(other, fx->err)) == 0) {
		rc = other->ops->station_lock(other, "a1", &g, fx->err);
		station_rec_release(&g);
		other->ops->rollback(other);
	}
	assert_int_equal(rc, LD_ELOCKED);

	r.last_sync = 1795224999;
	OK(fx, fx->op->station_update(fx->s, &r, fx->err));
	OK(fx, fx->op->commit(fx->s, fx->err));
	station_rec_release(&r);
	OK(fx, other->ops->begin(other, fx->err));
	OK(fx, other->ops->station_lock(other, "a1", &g, fx->err));
	assert_int_equal(g.last_sync, 1795224999);
	station_rec_release(&g);
	other->ops->rollback(other);
	other->ops->close(other);
	unsetenv("LIANDONG_BUSY_TIMEOUT_MS");
}

/* set_lock_wait: a connection opened to wait 30 s for a lock waits what
 * it is set to instead (the server's admission, api.c: a quarter of a
 * second), then LD_ELOCKED; past the holder's commit it takes the lock. */
static void
test_set_lock_wait(void **state)
{
	struct fx *fx = *state;
	struct station_rec g;
	struct store *other;
	struct timespec t0, t1;
	int rc;

	setenv("LIANDONG_BUSY_TIMEOUT_MS", "30000", 1);
	OK(fx, fx->be->open(fx->where, 0, fx->vault, &other, fx->err));
	unsetenv("LIANDONG_BUSY_TIMEOUT_MS");
	OK(fx, other->ops->set_lock_wait(other, 100, fx->err));
	hold(fx, "a1");

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((rc = other->ops->begin(other, fx->err)) == 0) {
		rc = other->ops->station_lock(other, "a1", &g, fx->err);
		station_rec_release(&g);
		other->ops->rollback(other);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(rc, LD_ELOCKED);
	/* Not the 30 s it was opened with (however slow the machine). */
	assert_true(t1.tv_sec - t0.tv_sec < 15);

	OK(fx, fx->op->commit(fx->s, fx->err));
	OK(fx, other->ops->begin(other, fx->err));
	OK(fx, other->ops->station_lock(other, "a1", &g, fx->err));
	station_rec_release(&g);
	other->ops->rollback(other);
	other->ops->close(other);
}

/* ---- files ---- */

/* The bytes of path (caller frees), *len their count. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, got;
	char chunk[65536];

	assert_non_null(f);
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
		buf = xrealloc(buf, n + got + 1);
		memcpy(buf + n, chunk, got);
		n += got;
	}
	assert_int_equal(ferror(f), 0);
	fclose(f);
	if (buf == NULL)
		buf = xcalloc(1, 1);
	*len = n;
	return buf;
}

static void
spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int
contains(const char *buf, size_t len, const char *needle)
{
	return memmem(buf, len, needle, strlen(needle)) != NULL;
}

/* The complainant's identity: sealed at rest (the backup, a copy of
 * what the store holds, never has it in plain text), handed out as the
 * canonical text by every read. */
static void
test_identity_sealed(void **state)
{
	struct fx *fx = *state;
	struct got g;
	size_t t, idn, len;
	char *copy, *bytes;
	int more;

	t = push(fx, &fx->a1, "complaint.recorded", NULL,
	    unit_json(BODY_COMPLAINT_RECORDED), AUD(TOWN));
	idn = push(fx, &fx->a1, "complaint.identity", fx->recs[t].entity,
	    unit_json(BODY_COMPLAINT_IDENTITY), AUD(TOWN));

	expect_pull(fx, TOWN, ROWS((long)t, (long)idn));
	expect_entity(fx, fx->recs[t].entity, TOWN, ROWS((long)t, (long)idn));
	memset(&g, 0, sizeof g);
	g.fx = fx;
	OK(fx, fx->op->own_events(fx->s, "a1", 1, 10, got_one, &g, &more,
	    fx->err));
	expect_rows(&g, ROWS((long)idn), "a1's identity");
	/* Its hash is in the digest, as any event's. */
	expect_digest(fx, TOWN, ROWS((long)t, (long)idn));

	copy = xasprintf("%s/copy", fx->dir);
	OK(fx, fx->op->backup(fx->s, copy, fx->err));
	bytes = slurp(copy, &len);
	/* The complaint itself is in plain text; who made it is not. */
	assert_true(contains(bytes, len, "夜间施工噪音"));
	assert_false(contains(bytes, len, "王五"));
	assert_false(contains(bytes, len, "138 0000 0000"));
	free(bytes);
	free(copy);
}

/* A confidential attachment goes as the complainant's identity does: to
 * its audience only (no role watching the type receives it, now or when
 * its station is added), never widened to a unit named later, sealed at
 * rest; one that is not confidential goes to the watchers as well. */
static void
test_confidential_attachment(void **state)
{
	struct fx *fx = *state;
	size_t r, open_, conf, esc, len;
	char *copy, *bytes;
	json_t *b;
	const char *id;

	add_station(fx, "l1", "县法制办", "legal");
	r = push(fx, &fx->a1, "referral.sent", NULL,
	    body("referral.sent", "to", json_string(DEPT)), AUD(TOWN, DEPT));
	id = fx->recs[r].entity;
	open_ = push(fx, &fx->a1, "referral.attached", id,
	    body("referral.attached", "caption", json_string("现场照片")),
	    AUD(TOWN, DEPT));
	b = body("referral.attached", "caption", json_string("举报人陈述录音"));
	json_object_set_new(b, "confidential", json_true());
	conf = push(fx, &fx->a1, "referral.attached", id, b, AUD(TOWN, DEPT));
	expect_pull(fx, "县法制办", ROWS((long)r, (long)open_));
	expect_pull(fx, DEPT, ROWS((long)r, (long)open_, (long)conf));
	expect_entity(fx, id, DEPT, ROWS((long)r, (long)open_, (long)conf));
	expect_digest_of_routes(fx, "县法制办");

	/* Widened to a unit named later: the rest, not the confidential. */
	esc = push(fx, &fx->a1, "referral.escalated", id,
	    body("referral.escalated", "to", json_string(DECLARED)),
	    AUD(TOWN, DEPT, DECLARED));
	expect_pull(fx, DECLARED, ROWS((long)r, (long)open_, (long)esc));
	/* A watcher added later is not given it either. */
	add_station(fx, "z1", "县政务办", "admin");
	expect_pull(fx, "县政务办", ROWS((long)r, (long)open_, (long)esc));

	copy = xasprintf("%s/copy", fx->dir);
	OK(fx, fx->op->backup(fx->s, copy, fx->err));
	bytes = slurp(copy, &len);
	assert_true(contains(bytes, len, "现场照片"));
	assert_false(contains(bytes, len, "举报人陈述录音"));
	free(bytes);
	free(copy);
}

/* Without a vault, an identity is never stored, and one stored with a
 * vault is not handed out sealed. */
static void
test_identity_needs_vault(void **state)
{
	struct fx *fx = *state;
	struct store *plain;
	struct station_rec r;
	struct chain ch;
	struct got g;
	char hash[HASH_HEX], *where;
	size_t t;
	int more;

	t = push(fx, &fx->a1, "complaint.recorded", NULL,
	    unit_json(BODY_COMPLAINT_RECORDED), AUD(TOWN));
	push(fx, &fx->a1, "complaint.identity", fx->recs[t].entity,
	    unit_json(BODY_COMPLAINT_IDENTITY), AUD(TOWN));

	/* The same store, opened without the vault. */
	OK(fx, fx->be->open(fx->where, 0, NULL, &plain, fx->err));
	memset(&g, 0, sizeof g);
	g.fx = fx;
	assert_int_not_equal(plain->ops->events_for_unit(plain, TOWN, NULL, 0,
	    10, SIZE_MAX, got_one, &g, &more, fx->err), 0);
	assert_true(fx->err[0] != '\0');
	assert_true(g.n <= 1);   /* at most the complaint before it */
	plain->ops->close(plain);

	/* A new store without one refuses to take an identity. */
	where = fx->be->place(fx->dir, "plain");
	OK(fx, fx->be->open(where, 1, NULL, &plain, fx->err));
	fx->op->close(fx->s);
	fx->s = plain;
	add_station(fx, "a1", TOWN, "township");
	chain_init(&ch, "a1", TOWN);
	push(fx, &ch, "complaint.recorded", NULL,
	    unit_json(BODY_COMPLAINT_RECORDED), AUD(TOWN));
	OK(fx, fx->op->begin(fx->s, fx->err));
	assert_int_not_equal(put(fx, &ch, "complaint.identity", "T-a1-1",
	    unit_json(BODY_COMPLAINT_IDENTITY), AUD(TOWN), NULL, 0, NULL,
	    NULL), 0);
	fx->op->rollback(fx->s);
	assert_int_equal(fx->op->event_hash(fx->s, "a1", 2, hash, fx->err),
	    LD_ENOTFOUND);
	get_station(fx, "a1", &r);
	assert_int_equal(r.head_seq, 1);
	station_rec_release(&r);
	free(where);
}

/* Copies path's key file into a directory of its own (mode 0700, the
 * file 0600), so that a vault can hold that key alone. */
static char *
key_alone(struct fx *fx, const char *keys, const char *name)
{
	char *dir = xasprintf("%s/%s", fx->dir, name);
	char *from = xasprintf("%s/%s", keys, VAULT_KEY_FILE);
	char *to = xasprintf("%s/%s", dir, VAULT_KEY_FILE);
	size_t len;
	char *bytes;
	FILE *f;

	assert_int_equal(mkdir(dir, 0700), 0);
	bytes = slurp(from, &len);
	f = fopen(to, "wb");
	assert_non_null(f);
	assert_int_equal(fchmod(fileno(f), 0600), 0);
	assert_int_equal(fwrite(bytes, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	free(bytes);
	free(from);
	free(to);
	return dir;
}

static struct vault *
vault_of(const char *dir)
{
	char err[LD_ERRLEN] = "";
	struct vault *v = vault_new();

	if (vault_load(v, dir, err) != 0)
		fail_msg("vault_load %s: %s", dir, err);
	return v;
}

/* reseal seals every identity under the key it names: afterwards that
 * key alone opens them, the old one alone does not. */
static void
test_reseal(void **state)
{
	struct fx *fx = *state;
	char *keys = xasprintf("%s/keys", fx->dir), *old, *new, *where, *v;
	struct vault *vk = vault_new(), *vold, *vnew;
	struct store *s2;
	struct chain ch;
	struct got g;
	size_t t1, i1, t2, i2;
	int64_t n = -1;
	int more;

	assert_int_equal(mkdir(keys, 0700), 0);
	OK(fx, vault_create(vk, keys, fx->err));
	old = key_alone(fx, keys, "old");
	where = fx->be->place(fx->dir, "resealed");
	OK(fx, fx->be->open(where, 1, vk, &s2, fx->err));
	fx->op->close(fx->s);
	fx->s = s2;
	add_station(fx, "a1", TOWN, "township");
	chain_init(&ch, "a1", TOWN);
	t1 = push(fx, &ch, "complaint.recorded", NULL,
	    unit_json(BODY_COMPLAINT_RECORDED), AUD(TOWN));
	i1 = push(fx, &ch, "complaint.identity", fx->recs[t1].entity,
	    unit_json(BODY_COMPLAINT_IDENTITY), AUD(TOWN));
	t2 = push(fx, &ch, "complaint.recorded", NULL,
	    unit_json(BODY_COMPLAINT_RECORDED), AUD(TOWN));
	i2 = push(fx, &ch, "complaint.identity", fx->recs[t2].entity,
	    unit_json("{\"name\":\"赵七\"}"), AUD(TOWN));

	OK(fx, vault_rotate_begin(vk, keys, fx->err));
	OK(fx, fx->op->begin(fx->s, fx->err));
	OK(fx, fx->op->reseal(fx->s, vault_pending_id(vk), &n, fx->err));
	assert_int_equal(n, 2);
	OK(fx, fx->op->meta_set(fx->s, STORE_META_IDENTITY_KEY,
	    vault_pending_id(vk), fx->err));
	OK(fx, fx->op->commit(fx->s, fx->err));
	OK(fx, vault_rotate_finish(vk, keys, fx->err));
	new = key_alone(fx, keys, "new");
	expect_pull(fx, TOWN, ROWS((long)t1, (long)i1, (long)t2, (long)i2));
	OK(fx, fx->op->meta_get(fx->s, STORE_META_IDENTITY_KEY, &v, fx->err));
	assert_string_equal(v, vault_current_id(vk));
	free(v);
	fx->op->close(fx->s);
	fx->s = NULL;

	vnew = vault_of(new);
	OK(fx, fx->be->open(where, 0, vnew, &fx->s, fx->err));
	expect_pull(fx, TOWN, ROWS((long)t1, (long)i1, (long)t2, (long)i2));
	fx->op->close(fx->s);

	vold = vault_of(old);
	OK(fx, fx->be->open(where, 0, vold, &fx->s, fx->err));
	memset(&g, 0, sizeof g);
	g.fx = fx;
	assert_int_not_equal(fx->op->events_for_unit(fx->s, TOWN, NULL, 0, 10,
	    SIZE_MAX, got_one, &g, &more, fx->err), 0);
	fx->op->close(fx->s);
	fx->s = NULL;

	vault_free(vk);
	vault_free(vold);
	vault_free(vnew);
	free(keys);
	free(old);
	free(new);
	free(where);
}

/* A backup is a new file, mode 0600, never over an existing one, that
 * opens as a store holding what the store held at that moment. */
static void
test_backup(void **state)
{
	struct fx *fx = *state;
	char *copy = xasprintf("%s/copy", fx->dir);
	char *other = xasprintf("%s/other", fx->dir);
	char hash[HASH_HEX], *v, *before, *after;
	size_t r[3], lb, la;
	struct station_rec st;
	struct store *saved;
	struct stat sb;

	dispute(fx, r);
	OK(fx, fx->op->meta_set(fx->s, "k", "备份前", fx->err));
	OK(fx, fx->op->backup(fx->s, copy, fx->err));
	assert_int_equal(stat(copy, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0600);
	before = slurp(copy, &lb);

	/* Written after: not in the copy. */
	push(fx, &fx->a2, "case.opened", NULL, NULL, AUD(TOWN));
	OK(fx, fx->op->meta_set(fx->s, "k", "备份后", fx->err));

	/* Never over a file: neither the copy nor any other. */
	assert_int_equal(fx->op->backup(fx->s, copy, fx->err), LD_EEXIST);
	assert_true(fx->err[0] != '\0');
	after = slurp(copy, &la);
	assert_int_equal(la, lb);
	assert_memory_equal(after, before, lb);
	free(before);
	free(after);
	spit(other, "keep me");
	assert_int_equal(fx->op->backup(fx->s, other, fx->err), LD_EEXIST);
	after = slurp(other, &la);
	assert_int_equal(la, 7);
	assert_memory_equal(after, "keep me", 7);
	free(after);

	saved = fx->s;
	OK(fx, fx->be->open_backup(copy, fx->vault, &fx->s, fx->err));
	OK(fx, fx->op->event_hash(fx->s, "b1", 2, hash, fx->err));
	assert_string_equal(hash, fx->recs[r[2]].hash);
	assert_int_equal(fx->op->event_hash(fx->s, "a2", 1, hash, fx->err),
	    LD_ENOTFOUND);
	get_station(fx, "b1", &st);
	assert_int_equal(st.head_seq, 2);
	station_rec_release(&st);
	expect_pull(fx, TOWN, ROWS((long)r[0], (long)r[1], (long)r[2]));
	expect_digest(fx, DEPT, ROWS((long)r[0], (long)r[1], (long)r[2]));
	assert_int_equal(parts_of(fx, fx->recs[r[0]].entity, DEPT),
	    PART_ADDRESSEE);
	assert_int_equal(known(fx, DECLARED), 1);
	OK(fx, fx->op->meta_get(fx->s, "k", &v, fx->err));
	assert_string_equal(v, "备份前");
	free(v);
	fx->op->close(fx->s);
	fx->s = saved;
	free(copy);
	free(other);
}

struct compact_arg {
	struct fx *fx;
	int rc;
	int calls;
};

/* Compacts the fixture's store while another store's read is open. */
static int
compact_in_read(int64_t cursor, int64_t received_at, const char *raw, size_t len,
    void *arg)
{
	struct compact_arg *c = arg;

	if (c->calls++ == 0)
		c->rc = c->fx->op->compact(c->fx->s, c->fx->err);
	return 0;
}

/* compact leaves what the store holds as it was; while another reader
 * has a read open it fails with LD_ELOCKED, and works once it ends. */
static void
test_compact(void **state)
{
	struct fx *fx = *state;
	struct compact_arg c = { fx, 1, 0 };
	struct store *reader;
	char hash[HASH_HEX];
	struct chain saved;
	size_t r[3];
	int more;

	dispute(fx, r);
	/* Something rolled back, for compact to drop. */
	saved = fx->a2;
	OK(fx, fx->op->begin(fx->s, fx->err));
	OK(fx, put(fx, &fx->a2, "case.opened", NULL, NULL, AUD(TOWN), NULL, 0,
	    NULL, NULL));
	fx->op->rollback(fx->s);
	fx->a2 = saved;

	OK(fx, fx->op->compact(fx->s, fx->err));
	expect_pull(fx, TOWN, ROWS((long)r[0], (long)r[1], (long)r[2]));
	expect_digest(fx, DEPT, ROWS((long)r[0], (long)r[1], (long)r[2]));
	OK(fx, fx->op->event_hash(fx->s, "b1", 2, hash, fx->err));
	assert_string_equal(hash, fx->recs[r[2]].hash);

	/* Short waits for the lock in this test: it is to fail, not to
	 * wait for a reader that waits for it. */
	setenv("LIANDONG_BUSY_TIMEOUT_MS", "50", 1);
	fx->op->close(fx->s);
	OK(fx, fx->be->open(fx->where, 0, fx->vault, &fx->s, fx->err));
	OK(fx, fx->be->open(fx->where, 0, fx->vault, &reader, fx->err));
	unsetenv("LIANDONG_BUSY_TIMEOUT_MS");
	if (fx->be->read_in_txn)
		OK(fx, reader->ops->begin(reader, fx->err));
	OK(fx, reader->ops->events_for_unit(reader, TOWN, NULL, 0, 10,
	    SIZE_MAX, compact_in_read, &c, &more, fx->err));
	assert_int_equal(c.calls, 3);
	assert_int_equal(c.rc, LD_ELOCKED);
	if (fx->be->read_in_txn)
		reader->ops->rollback(reader);
	reader->ops->close(reader);

	OK(fx, fx->op->compact(fx->s, fx->err));
	expect_pull(fx, TOWN, ROWS((long)r[0], (long)r[1], (long)r[2]));
	expect_digest_of_routes(fx, DEPT);
}

/* The roles that receive record types county-wide (docs/protocol.md,
 * "Roles"): a unit given one receives what the county holds of them in
 * receipt order when its station is added, and what comes after; never
 * an identity or a private event; not once its station is revoked. Its
 * routes take from the budget like any. */
static void
test_watchers(void **state)
{
	struct fx *fx = *state;
	struct station_rec st;
	size_t c, t, r, ack, upd, res;
	int64_t budget;
	const char *id;

	c = push(fx, &fx->a1, "case.opened", NULL, NULL, AUD(TOWN));
	t = push(fx, &fx->a1, "complaint.recorded", NULL,
	    unit_json(BODY_COMPLAINT_RECORDED), AUD(TOWN));
	push(fx, &fx->a1, "complaint.identity", fx->recs[t].entity,
	    unit_json(BODY_COMPLAINT_IDENTITY), AUD(TOWN));
	r = push(fx, &fx->a1, "referral.sent", NULL,
	    body("referral.sent", "to", json_string(DEPT)), AUD(TOWN, DEPT));
	id = fx->recs[r].entity;
	push_private(fx, &fx->a1, "case.updated", "C-a1-1",
	    unit_json(BODY_CASE_UPDATED), AUD(TOWN));

	add_station(fx, "z1", "县政务办", "admin");
	add_station(fx, "l1", "县法制办", "legal");
	expect_pull(fx, "县政务办", ROWS((long)c, (long)t, (long)r));
	expect_pull(fx, "县法制办", ROWS((long)r));

	/* To DEPT, TOWN, and the two that watch referrals: four routes. */
	budget = 4;
	OK(fx, fx->op->begin(fx->s, fx->err));
	OK(fx, put(fx, &fx->b1, "referral.acknowledged", id, NULL,
	    AUD(DEPT, TOWN), NULL, 0, &budget, &ack));
	OK(fx, fx->op->commit(fx->s, fx->err));
	assert_int_equal(budget, 0);
	upd = push(fx, &fx->a2, "case.updated", "C-a1-1",
	    unit_json(BODY_CASE_UPDATED), AUD(TOWN));
	expect_pull(fx, "县政务办", ROWS((long)c, (long)t, (long)r, (long)ack,
	    (long)upd));
	expect_pull(fx, "县法制办", ROWS((long)r, (long)ack));

	get_station(fx, "l1", &st);
	st.revoked_at = 1795225000;
	OK(fx, fx->op->station_update(fx->s, &st, fx->err));
	station_rec_release(&st);
	res = push(fx, &fx->b1, "referral.result", id, NULL, AUD(DEPT, TOWN));
	expect_pull(fx, "县法制办", ROWS((long)r, (long)ack));
	expect_pull(fx, "县政务办", ROWS((long)c, (long)t, (long)r, (long)ack,
	    (long)upd, (long)res));
	expect_digest_of_routes(fx, "县政务办");
	expect_digest_of_routes(fx, "县法制办");

	/* A watcher also in the audience is one route, and takes one: to
	 * TOWN and 县政务办 (which watches cases) two, not three. */
	budget = 2;
	OK(fx, fx->op->begin(fx->s, fx->err));
	OK(fx, put(fx, &fx->a2, "case.opened", NULL, NULL,
	    AUD(TOWN, "县政务办"), NULL, 0, &budget, NULL));
	OK(fx, fx->op->commit(fx->s, fx->err));
	assert_int_equal(budget, 0);
}

/*
 * The SQLite store keeps the directory's answers (unit_known) for the
 * length of a transaction, as the merge and the routing ask them for
 * every event of a push (PostgreSQL reads them each time): a unit
 * declared, removed or given a station in that transaction is known or
 * not from then on, its events routed to it or not; one declared
 * through another connection is known from the next transaction.
 */
static void
test_directory_held(void **state)
{
	struct fx *fx = *state;
	struct store *other;
	size_t c, u;

	OK(fx, fx->op->begin(fx->s, fx->err));
	assert_int_equal(known(fx, "新单位"), 0);
	OK(fx, put(fx, &fx->a1, "case.opened", NULL, NULL,
	    AUD(TOWN, "新单位"), NULL, 0, NULL, &c));
	OK(fx, fx->op->unit_add(fx->s, "新单位", "", 1, fx->err));
	assert_int_equal(known(fx, "新单位"), 1);
	OK(fx, put(fx, &fx->a1, "case.updated", fx->recs[c].entity,
	    unit_json(BODY_CASE_UPDATED), AUD(TOWN, "新单位"), NULL, 0, NULL,
	    &u));
	OK(fx, fx->op->unit_remove(fx->s, "新单位", fx->err));
	assert_int_equal(known(fx, "新单位"), 0);
	assert_int_equal(known(fx, "新站单位"), 0);
	add_station(fx, "n1", "新站单位", "township");
	assert_int_equal(known(fx, "新站单位"), 1);
	OK(fx, fx->op->commit(fx->s, fx->err));
	/* Widened to it when it came in, then the update. */
	expect_pull(fx, "新单位", ROWS((long)c, (long)u));

	OK(fx, fx->op->begin(fx->s, fx->err));
	assert_int_equal(known(fx, "别处"), 0);
	OK(fx, fx->op->commit(fx->s, fx->err));
	OK(fx, fx->be->open(fx->where, 0, fx->vault, &other, fx->err));
	OK(fx, other->ops->unit_add(other, "别处", "", 2, fx->err));
	other->ops->close(other);
	OK(fx, fx->op->begin(fx->s, fx->err));
	assert_int_equal(known(fx, "别处"), 1);
	OK(fx, fx->op->commit(fx->s, fx->err));
}

/*
 * A store keeps, for the length of a transaction, which records it
 * marked stale (and the SQLite store which (unit, record) pairs have a
 * route), for a push's later events of the same record. Rolled back, a
 * route is gone: the record is widened to the unit again at its next
 * event. A mark deleted in the transaction (projection_put) is made
 * again by the record's next event there.
 */
static void
test_push_same_record(void **state)
{
	struct fx *fx = *state;
	struct chain saved;
	struct names ns = { .n = 0 };
	size_t c, u, v;
	int64_t n = -1;

	OK(fx, projection_ensure(fx->s, 0, &n, fx->err));
	c = push(fx, &fx->a1, "case.opened", NULL, NULL, AUD(TOWN));
	saved = fx->a1;
	OK(fx, fx->op->begin(fx->s, fx->err));
	OK(fx, put(fx, &fx->a1, "case.updated", fx->recs[c].entity,
	    unit_json(BODY_CASE_UPDATED), AUD(TOWN, DEPT), NULL, 0, NULL,
	    &u));
	fx->op->rollback(fx->s);
	fx->a1 = saved;
	OK(fx, fx->op->begin(fx->s, fx->err));
	OK(fx, put(fx, &fx->a1, "case.updated", fx->recs[c].entity,
	    unit_json(BODY_CASE_UPDATED), AUD(TOWN, DEPT), NULL, 0, NULL,
	    &v));
	OK(fx, fx->op->commit(fx->s, fx->err));
	expect_pull(fx, DEPT, ROWS((long)c, (long)v));

	/* A mark deleted inside the transaction (projection_put) is made
	 * again by the next event of the record. */
	OK(fx, projection_ensure(fx->s, 0, &n, fx->err));
	OK(fx, fx->op->begin(fx->s, fx->err));
	OK(fx, put(fx, &fx->a1, "case.updated", fx->recs[c].entity,
	    unit_json(BODY_CASE_UPDATED), AUD(TOWN), NULL, 0, NULL, &u));
	OK(fx, fx->op->projection_put(fx->s, fx->recs[c].entity,
	    "{\"entity\":\"old\"}", 1, NULL, 0, fx->err));
	OK(fx, put(fx, &fx->a1, "case.updated", fx->recs[c].entity,
	    unit_json(BODY_CASE_UPDATED), AUD(TOWN), NULL, 0, NULL, &v));
	OK(fx, fx->op->commit(fx->s, fx->err));
	OK(fx, fx->op->projections_stale(fx->s, 10, name_one, &ns, fx->err));
	assert_int_equal(ns.n, 1);
	assert_string_equal(ns.v[0], fx->recs[c].entity);
	free(ns.v[0]);
}

static void
expect_head(struct fx *fx, const char *name, size_t rec)
{
	struct station_rec r;

	get_station(fx, name, &r);
	assert_int_equal(r.head_seq, fx->recs[rec].seq);
	assert_string_equal(r.head_hash, fx->recs[rec].hash);
	assert_int_equal(r.head_hlc, fx->recs[rec].hlc);
	station_rec_release(&r);
}

/*
 * A push moves its station's head with each event, as a station read
 * in the transaction, the list of them, and the transaction's end see
 * (the SQLite store writes it once, at the commit or before a read);
 * each event must follow the last, whichever station came between.
 */
static void
test_heads_in_push(void **state)
{
	struct fx *fx = *state;
	struct station_rec *list;
	struct chain saved;
	size_t a, b, n, i;

	OK(fx, fx->op->begin(fx->s, fx->err));
	OK(fx, put(fx, &fx->a1, "case.opened", NULL, NULL, AUD(TOWN), NULL, 0,
	    NULL, &a));
	OK(fx, put(fx, &fx->a1, "case.updated", fx->recs[a].entity,
	    unit_json(BODY_CASE_UPDATED), AUD(TOWN), NULL, 0, NULL, &a));
	expect_head(fx, "a1", a);
	OK(fx, put(fx, &fx->a1, "case.updated", fx->recs[a].entity,
	    unit_json(BODY_CASE_UPDATED), AUD(TOWN), NULL, 0, NULL, &a));
	OK(fx, put(fx, &fx->b1, "case.opened", NULL, NULL, AUD(DEPT), NULL, 0,
	    NULL, &b));
	OK(fx, put(fx, &fx->a1, "case.updated", fx->recs[a].entity,
	    unit_json(BODY_CASE_UPDATED), AUD(TOWN), NULL, 0, NULL, &a));
	OK(fx, put(fx, &fx->a1, "case.updated", fx->recs[a].entity,
	    unit_json(BODY_CASE_UPDATED), AUD(TOWN), NULL, 0, NULL, &a));
	OK(fx, fx->op->station_list(fx->s, &list, &n, fx->err));
	for (i = 0; i < n; i++)
		if (strcmp(list[i].name, "a1") == 0)
			assert_int_equal(list[i].head_seq, 5);
		else if (strcmp(list[i].name, "b1") == 0)
			assert_int_equal(list[i].head_seq, 1);
	for (i = 0; i < n; i++)
		station_rec_release(&list[i]);
	free(list);
	OK(fx, put(fx, &fx->a1, "case.updated", fx->recs[a].entity,
	    unit_json(BODY_CASE_UPDATED), AUD(TOWN), NULL, 0, NULL, &a));
	OK(fx, fx->op->commit(fx->s, fx->err));
	expect_head(fx, "a1", a);
	expect_head(fx, "b1", b);

	/* Not following the last one in the transaction: refused. */
	saved = fx->a1;
	OK(fx, fx->op->begin(fx->s, fx->err));
	OK(fx, put(fx, &fx->a1, "case.opened", NULL, NULL, AUD(TOWN), NULL, 0,
	    NULL, NULL));
	fx->a1.seq++;
	assert_int_equal(put(fx, &fx->a1, "case.opened", NULL, NULL,
	    AUD(TOWN), NULL, 0, NULL, NULL), LD_EINTERNAL);
	fx->op->rollback(fx->s);
	fx->a1 = saved;
	expect_head(fx, "a1", a);

	/* Rolled back, the head is where the last commit left it. */
	OK(fx, fx->op->begin(fx->s, fx->err));
	OK(fx, put(fx, &fx->a1, "case.opened", NULL, NULL, AUD(TOWN), NULL, 0,
	    NULL, NULL));
	OK(fx, put(fx, &fx->a1, "case.opened", NULL, NULL, AUD(TOWN), NULL, 0,
	    NULL, NULL));
	fx->op->rollback(fx->s);
	fx->a1 = saved;
	expect_head(fx, "a1", a);
	OK(fx, fx->op->begin(fx->s, fx->err));
	OK(fx, put(fx, &fx->a1, "case.opened", NULL, NULL, AUD(TOWN), NULL, 0,
	    NULL, &a));
	OK(fx, fx->op->commit(fx->s, fx->err));
	expect_head(fx, "a1", a);
}

/* ---- the county's stored projections (projection.h) ---- */

struct folded {
	struct event evs[MAX_GOT];
	size_t n;
};

static int
folded_one(int64_t cursor, int64_t received_at, const char *raw, size_t len,
    void *arg)
{
	struct folded *f = arg;

	assert_true(f->n < MAX_GOT);
	assert_int_equal(event_parse(raw, len, &f->evs[f->n], NULL), 0);
	f->n++;
	return 0;
}

/* entity folded afresh from every event the county sees of it, less
 * the identity, as canonical text (owned). */
static char *
fresh_fold(struct fx *fx, const char *entity)
{
	struct folded f;
	json_t *doc;
	char *text;
	size_t i;

	f.n = 0;
	OK(fx, fx->op->entity_events(fx->s, entity, NULL, folded_one, &f,
	    fx->err));
	assert_true(f.n > 0);
	doc = fold_events(f.evs, f.n);
	json_object_del(doc, "identity");
	text = cjson_encode(doc, NULL);
	json_decref(doc);
	for (i = 0; i < f.n; i++)
		event_release(&f.evs[i]);
	return text;
}

struct stored {
	struct fx *fx;
	char *entity[32];
	char *doc[32];
	size_t n;
};

static int
stored_one(const char *entity, const char *doc, size_t len, void *arg)
{
	struct stored *st = arg;

	assert_true(st->n < NELEM(st->entity));
	assert_int_equal(strlen(doc), len);
	st->entity[st->n] = xstrdup(entity);
	st->doc[st->n] = xstrdup(doc);
	st->n++;
	return 0;
}

static void
stored_read(struct fx *fx, int64_t from, int64_t to, struct stored *st)
{
	memset(st, 0, sizeof *st);
	st->fx = fx;
	OK(fx, fx->op->projections_read(fx->s, NULL, from, to, stored_one, st,
	    fx->err));
}

static void
stored_free(struct stored *st)
{
	size_t i;

	for (i = 0; i < st->n; i++) {
		free(st->entity[i]);
		free(st->doc[i]);
	}
}

/* Once the records event_insert marked are refolded (projection_ensure,
 * n of them: -1 for any number), every stored projection is its
 * record's fresh fold, and every record of the county has one, in
 * entity order. */
static void
expect_projections_fresh(struct fx *fx, int64_t n)
{
	struct names ns = { .n = 0 };
	struct stored st;
	int64_t refolded = -1;
	char *want;
	size_t i;

	OK(fx, projection_ensure(fx->s, 0, &refolded, fx->err));
	if (n >= 0)
		assert_int_equal(refolded, n);
	OK(fx, fx->op->entities(fx->s, NULL, name_one, &ns, fx->err));
	stored_read(fx, INT64_MIN, INT64_MAX, &st);
	assert_int_equal(st.n, ns.n);
	for (i = 0; i < ns.n; i++) {
		assert_string_equal(st.entity[i], ns.v[i]);
		want = fresh_fold(fx, ns.v[i]);
		if (strcmp(st.doc[i], want) != 0)
			fail_msg("stored projection of %s:\n%s\nfresh fold:\n%s",
			    ns.v[i], st.doc[i], want);
		assert_null(strstr(st.doc[i], "王五"));
		free(want);
		free(ns.v[i]);
	}
	stored_free(&st);
}

/* A few records, some of whose events arrive late and out of order,
 * one with a complainant's identity, one with a private event. */
static void
projections_county(struct fx *fx)
{
	hlc_t t0 = (hlc_t)UNIT_T0_MS << HLC_SHIFT, s = (hlc_t)1000 << HLC_SHIFT;
	int64_t n = -1;
	size_t t, r;

	/* Made current while empty: from here on, only what event_insert
	 * marks is refolded, never a rebuild. */
	OK(fx, projection_ensure(fx->s, 0, &n, fx->err));
	assert_int_equal(n, 0);
	fx->a1.next_hlc = t0 + 1 * s;
	push(fx, &fx->a1, "case.opened", NULL, NULL, AUD(TOWN, DEPT));
	expect_projections_fresh(fx, 1);
	fx->a1.next_hlc = t0 + 5 * s;
	push(fx, &fx->a1, "case.closed", "C-a1-1",
	    unit_json(BODY_CASE_CLOSED), AUD(TOWN, DEPT));
	/* Late: written before the close, received after it. */
	fx->b1.next_hlc = t0 + 3 * s;
	push(fx, &fx->b1, "case.updated", "C-a1-1",
	    unit_json(BODY_CASE_UPDATED), AUD(DEPT, TOWN));
	expect_projections_fresh(fx, 1);
	fx->a2.next_hlc = t0 + 2 * s;
	push(fx, &fx->a2, "case.updated", "C-a1-1",
	    unit_json(BODY_CASE_UPDATED), AUD(TOWN));
	push_private(fx, &fx->b1, "case.updated", "C-a1-1",
	    unit_json(BODY_CASE_UPDATED), AUD(DEPT, TOWN));
	t = push(fx, &fx->a1, "complaint.recorded", NULL,
	    unit_json(BODY_COMPLAINT_RECORDED), AUD(TOWN));
	push(fx, &fx->a1, "complaint.identity", fx->recs[t].entity,
	    unit_json(BODY_COMPLAINT_IDENTITY), AUD(TOWN));
	r = push(fx, &fx->a1, "referral.sent", NULL,
	    body("referral.sent", "to", json_string(DEPT)), AUD(TOWN, DEPT));
	push(fx, &fx->b1, "referral.acknowledged", fx->recs[r].entity, NULL,
	    AUD(DEPT, TOWN));
	push(fx, &fx->a2, "liaison.logged", NULL,
	    unit_json(BODY_LIAISON_LOGGED), AUD(TOWN));
	/* Only private: no record of the county's. */
	push_private(fx, &fx->b1, "case.opened", NULL, NULL, AUD(DEPT));
}

static void
time_seen(int64_t at, void *arg)
{
	int64_t *first = arg;

	if (*first == INT64_MIN || at < *first)
		*first = at;
}

/* Marked by event_insert, in its transaction, and refolded by
 * projection_ensure, whatever order the events come in: with no
 * rebuild, each stored projection is a fresh fold. A rolled-back insert
 * marks nothing. */
static void
test_projections_refolded(void **state)
{
	struct fx *fx = *state;
	struct chain saved;
	struct stored st, one;
	size_t i;

	projections_county(fx);
	/* C-a1-1 (and a private event), a complaint, a referral, a
	 * liaison log and a case of private events only. */
	expect_projections_fresh(fx, 5);
	expect_projections_fresh(fx, 0);

	saved = fx->a1;
	OK(fx, fx->op->begin(fx->s, fx->err));
	OK(fx, put(fx, &fx->a1, "case.updated", "C-a1-1",
	    unit_json(BODY_CASE_UPDATED), AUD(TOWN), NULL, 0, NULL, NULL));
	fx->op->rollback(fx->s);
	fx->a1 = saved;
	expect_projections_fresh(fx, 0);

	/* By time: each record is read for a period holding the first of
	 * its times, and none for a period before them all. */
	stored_read(fx, INT64_MIN, INT64_MAX, &st);
	for (i = 0; i < st.n; i++) {
		json_t *doc = json_loads(st.doc[i], 0, NULL);
		int64_t first = INT64_MIN;
		size_t j, found = 0;

		assert_non_null(doc);
		stats_times(doc, time_seen, &first);
		json_decref(doc);
		if (first == INT64_MIN)
			continue;
		stored_read(fx, first, first + 1, &one);
		for (j = 0; j < one.n; j++)
			found += strcmp(one.entity[j], st.entity[i]) == 0;
		assert_int_equal(found, 1);
		stored_free(&one);
	}
	stored_read(fx, 0, 1000, &one);
	assert_int_equal(one.n, 0);
	stored_free(&st);
}

/* A store whose projections are of another release's fold is rebuilt
 * once, on first use; then left alone. */
static void
test_projections_rebuilt(void **state)
{
	struct fx *fx = *state;
	struct names ns = { .n = 0 };
	int64_t n = -1;
	char *v = NULL;
	size_t i;

	projections_county(fx);
	OK(fx, projection_ensure(fx->s, 0, &n, fx->err));
	OK(fx, fx->op->entities(fx->s, NULL, name_one, &ns, fx->err));
	OK(fx, projection_ensure(fx->s, 1, &n, fx->err));
	assert_int_equal(n, (int64_t)ns.n);
	OK(fx, fx->op->meta_get(fx->s, PROJECTION_META, &v, fx->err));
	assert_string_equal(v, projection_stored_version());
	free(v);
	OK(fx, projection_ensure(fx->s, 0, &n, fx->err));
	assert_int_equal(n, 0);

	/* What an older fold left: one record wrong, one missing. */
	OK(fx, fx->op->begin(fx->s, fx->err));
	OK(fx, fx->op->projection_put(fx->s, ns.v[0], "{\"entity\":\"old\"}",
	    1, NULL, 0, fx->err));
	OK(fx, fx->op->projection_put(fx->s, ns.v[1], NULL, 0, NULL, 0,
	    fx->err));
	OK(fx, fx->op->meta_set(fx->s, PROJECTION_META, "fold 1/1", fx->err));
	OK(fx, fx->op->commit(fx->s, fx->err));
	fx->op->close(fx->s);
	OK(fx, fx->be->open(fx->where, 0, fx->vault, &fx->s, fx->err));
	OK(fx, projection_ensure(fx->s, 0, &n, fx->err));
	assert_int_equal(n, (int64_t)ns.n);
	expect_projections_fresh(fx, 0);
	for (i = 0; i < ns.n; i++)
		free(ns.v[i]);
}

/* figures_report reads the stored projections (a unit's where it sees
 * a record as the county does, else its own fold); the same report by
 * folding every record the unit sees (figures_fold) says the same,
 * byte for byte, drill-down trail included, for the county and each
 * unit. */
struct trail_text {
	char *text;
};

static void
trail_note(const char *table, const char *key, const char *figure,
    const json_t *doc, void *arg)
{
	struct trail_text *t = arg;
	char *more = xasprintf("%s%s|%s|%s|%s\n", t->text, table, key, figure,
	    cjson_str(doc, "entity"));

	free(t->text);
	t->text = more;
}

static void
folded_add(const json_t *doc, void *arg)
{
	stats_add(arg, doc);
}

static void
test_projections_report(void **state)
{
	static const char *const periods[] = { "2026-11", "2026", "2026-Q4",
		"2025", "2026-11-21..2026-11-21", NULL };
	static const char *const units[] = { NULL, TOWN, DEPT, DECLARED };
	struct fx *fx = *state;
	struct trail_text t1 = { NULL }, t2 = { NULL };
	struct stats_trail trail;
	struct stats *st;
	json_t *stored, *folded;
	int64_t from, to, now = UNIT_T0_MS + 40LL * 86400000;
	char *a, *b;
	size_t i, u;

	projections_county(fx);
	trail.fn = trail_note;
	for (u = 0; u < NELEM(units); u++)
	for (i = 0; periods[i] != NULL; i++) {
		t1.text = xstrdup("");
		t2.text = xstrdup("");
		trail.arg = &t1;
		OK(fx, figures_report(fx->s, "县", periods[i], units[u], NULL,
		    now, &trail, &stored, fx->err));
		assert_int_equal(stats_period(periods[i], &from, &to), 0);
		st = stats_new(from, to, units[u], now);
		trail.arg = &t2;
		stats_set_trail(st, &trail);
		OK(fx, figures_fold(fx->s, units[u], folded_add, st, fx->err));
		folded = stats_result(st);
		stats_free(st);
		figures_heading(folded, "县", periods[i], from, to, units[u]);
		json_object_set_new(folded, "category", json_null());
		/* Not cjson_encode: a report holds numbers with decimals
		 * (hours), which canonical JSON has not. */
		a = json_dumps(stored, JSON_COMPACT | JSON_SORT_KEYS);
		b = json_dumps(folded, JSON_COMPACT | JSON_SORT_KEYS);
		assert_non_null(a);
		assert_non_null(b);
		assert_string_equal(a, b);
		assert_string_equal(t1.text, t2.text);
		if (strcmp(periods[i], "2026") == 0 && u < 2)
			assert_non_null(strstr(t1.text, "-a1-1"));
		free(a);
		free(b);
		free(t1.text);
		free(t2.text);
		json_decref(stored);
		json_decref(folded);
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		T(test_station_add_get),
		T(test_station_list_order),
		T(test_station_update_mutable_only),
		T(test_not_found_says_so),
		T(test_station_remove),
		T(test_unit_directory),
		T(test_event_insert_head_hash_cursor),
		T(test_event_insert_must_follow_head),
		T(test_push_one_transaction),
		T(test_routes_audience_directory_only),
		T(test_route_head),
		T(test_private_event),
		T(test_parts),
		T(test_widening),
		T(test_widening_not_identity),
		T(test_budget),
		T(test_push_held),
		T(test_push_held_after_read),
		T(test_push_held_concurrent),
		T(test_pull_limit),
		T(test_pull_max_bytes),
		T(test_pull_exclude_and_backlog),
		T(test_digest),
		T(test_entity_events),
		T(test_entities),
		T(test_own_events),
		T(test_received_at),
		T(test_heads),
		T(test_meta),
		T(test_transactions),
		T(test_station_lock),
		T(test_set_lock_wait),
		T(test_identity_sealed),
		T(test_identity_needs_vault),
		T(test_confidential_attachment),
		T(test_reseal),
		T(test_projections_refolded),
		T(test_projections_rebuilt),
		T(test_projections_report),
		T(test_backup),
		T(test_compact),
		T(test_watchers),
		T(test_directory_held),
		T(test_push_same_record),
		T(test_heads_in_push),
	};
	struct CMUnitTest run[NELEM(tests)];
	size_t b, i;
	int failed = 0;

	/* SQLite, or PostgreSQL when the runner gives a database. */
	for (b = 0; b < NELEM(backends); b++) {
		char *name;

		if ((harness_pg() != NULL) !=
		    (strcmp(backends[b].name, "postgresql") == 0))
			continue;
		name = xasprintf("store_ops/%s", backends[b].name);

		for (i = 0; i < NELEM(tests); i++) {
			run[i] = tests[i];
			run[i].initial_state = (void *)&backends[b];
		}
		failed += cmocka_run_group_tests_name(name, run, NULL, NULL);
		free(name);
	}
	return failed;
}
