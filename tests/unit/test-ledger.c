/*
 * test-ledger.c - the replica store: recording, reading, querying and
 * verifying a station database.
 *
 * Each test gets a fresh database in its own mkdtemp directory, removed
 * afterwards. The verify tests tamper with the file behind the ledger's
 * back through a plain sqlite3 connection, the way a disk error or a
 * hand edit would, and expect `liandong verify` to say so.
 */
#include "harness.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include <sqlite3.h>

#include "blob.h"
#include "fold.h"
#include "ledger.h"
#include "unit.h"

#define STATION "s1"
#define DAY INT64_C(86400000)

struct fixture {
	char dir[PATH_MAX];
	char path[PATH_MAX + 16];
	struct ledger *lg;
};

/* Case bodies for the query tests: distinct categories, times, words. */
#define CASE_A \
	"{\"source\":\"patrol\",\"category\":\"市容环境\",\"urgent\":true," \
	"\"location\":\"龙羊峡镇中街\",\"description\":\"占道经营，堵塞消防通道\"," \
	"\"discovered_at\":\"2026-11-01T09:00:00+08:00\",\"officer\":\"张三\"}"
#define CASE_B \
	"{\"source\":\"report\",\"category\":\"违法建设\",\"urgent\":false," \
	"\"location\":\"龙羊峡镇东村\",\"description\":\"未批先建彩钢房\"," \
	"\"discovered_at\":\"2026-11-10T09:00:00+08:00\",\"officer\":\"李四\"," \
	"\"parties\":[\"王某某\"]}"
#define CASE_C \
	"{\"source\":\"patrol\",\"category\":\"市容环境\",\"urgent\":false," \
	"\"location\":\"龙羊峡镇西街\",\"description\":\"流动摊贩摆摊设点\"," \
	"\"discovered_at\":\"2026-11-20T09:00:00+08:00\",\"officer\":\"张三\"}"
#define CASE_D \
	"{\"source\":\"notice\",\"category\":\"环境保护\",\"urgent\":false," \
	"\"location\":\"龙羊峡镇北山\",\"description\":\"露天焚烧垃圾\"," \
	"\"discovered_at\":\"2026-10-15T09:00:00+08:00\",\"officer\":\"张三\"}"

/* Removes dir and the files in it (the database, its WAL and SHM). */
static void
remove_dir(const char *dir)
{
	assert_int_equal(harness_remove(dir), 0);
}

static void
open_ledger(struct fixture *fx)
{
	char err[LD_ERRLEN] = "";

	if (ledger_open(fx->path, &fx->lg, err) != 0)
		fail_msg("cannot open %s: %s", fx->path, err);
}

static int
setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof *fx);
	char err[LD_ERRLEN] = "", *dir = harness_scratch("ledger");

	unsetenv("LIANDONG_NOW");
	ld_strlcpy(fx->dir, dir, sizeof fx->dir);
	free(dir);
	snprintf(fx->path, sizeof fx->path, "%s/station.db", fx->dir);
	if (ledger_create(fx->path, STATION, UNIT_UNIT, err) != 0 ||
	    ledger_open(fx->path, &fx->lg, err) != 0) {
		fprintf(stderr, "cannot make a station database in %s: %s\n",
		    fx->dir, err);
		remove_dir(fx->dir);
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	ledger_free(fx->lg);
	remove_dir(fx->dir);
	free(fx);
	unsetenv("LIANDONG_NOW");
	return 0;
}

/* Records one event in its own transaction; returns ledger_record's code
 * (the transaction is rolled back when it fails). */
static int
record_ev(struct fixture *fx, const char *kind, const char *entity,
    const json_t *audience, const json_t *body, char **entity_out,
    struct event *ev_out, char *err)
{
	int rc;

	if ((rc = ledger_begin(fx->lg, err)) != 0)
		return rc;
	rc = ledger_record(fx->lg, kind, entity, "张三", audience, body,
	    entity_out, ev_out, err);
	if (rc != 0) {
		ledger_rollback(fx->lg);
		return rc;
	}
	return ledger_commit(fx->lg, err);
}

/* Records kind with a body given as JSON text; must succeed. Returns the
 * entity id (caller frees). */
static char *
record(struct fixture *fx, const char *kind, const char *entity,
    const char *body)
{
	char err[LD_ERRLEN] = "";
	json_t *b = unit_json(body);
	char *id = NULL;
	int rc;

	rc = record_ev(fx, kind, entity, NULL, b, &id, NULL, err);
	json_decref(b);
	if (rc != 0)
		fail_msg("cannot record %s: %s", kind, err);
	return id;
}

/* Expects recording to fail with code; the body is JSON text. */
static void
assert_record_fails(struct fixture *fx, const char *kind, const char *entity,
    const char *body, int code)
{
	char err[LD_ERRLEN] = "";
	json_t *b = unit_json(body);
	char *id = NULL;
	int rc;

	rc = record_ev(fx, kind, entity, NULL, b, &id, NULL, err);
	json_decref(b);
	free(id);
	if (rc != code)
		fail_msg("%s on %s: got %d, want %d (%s)", kind,
		    entity != NULL ? entity : "(new)", rc, code, err);
	assert_true(err[0] != '\0');
}

static void
assert_verify_ok(struct fixture *fx, struct verify_report *r)
{
	char err[LD_ERRLEN] = "";
	int rc = ledger_verify(fx->lg, r, err);

	if (rc != 0)
		fail_msg("verify: %d (%s) %ld problems, first: %s", rc, err,
		    r->problems, r->first);
	assert_int_equal(r->problems, 0);
}

/* A query of type with the other fields from q; returns the entity ids,
 * newest first, joined by spaces (caller frees). */
static char *
query(struct fixture *fx, struct ledger_query q)
{
	char err[LD_ERRLEN] = "";
	char *out = xstrdup(""), *t;
	json_t *items, *doc;
	size_t i;

	if (ledger_query(fx->lg, &q, &items, err) != 0)
		fail_msg("query failed: %s", err);
	json_array_foreach(items, i, doc) {
		t = xasprintf("%s%s%s", out, i > 0 ? " " : "",
		    json_string_value(json_object_get(doc, "entity")));
		free(out);
		out = t;
	}
	json_decref(items);
	return out;
}

#define ASSERT_QUERY(fx, want, ...) do { \
		char *got_ = query(fx, (struct ledger_query){ __VA_ARGS__ }); \
		if (strcmp(got_, want) != 0) \
			fail_msg("query %s: got '%s', want '%s'", #__VA_ARGS__, \
			    got_, want); \
		free(got_); \
	} while (0)

/* Runs sql on the database file behind the ledger's back. */
static void
tamper(struct fixture *fx, const char *sql)
{
	char *msg = NULL;
	sqlite3 *db;

	ledger_free(fx->lg);
	fx->lg = NULL;
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	if (sqlite3_changes(db) < 1)
		fail_msg("%s changed nothing", sql);
	sqlite3_close(db);
	open_ledger(fx);
}

/* A case opened, updated twice and closed: four events, seqs 1-4. */
static char *
case_history(struct fixture *fx)
{
	char *id = record(fx, "case.opened", NULL, BODY_CASE_OPENED);

	free(record(fx, "case.updated", id, BODY_CASE_UPDATED));
	free(record(fx, "case.updated", id, "{\"note\":\"已下达整改通知书\"}"));
	free(record(fx, "case.closed", id, BODY_CASE_CLOSED));
	return id;
}

static void
test_create_and_open(void **state)
{
	struct fixture *fx = *state;
	static const char *const bad[] = { "", "S1", "-s1", "s 1", "镇一",
		"abcdefghijklmnopqrstuvwxyz0123456", NULL };
	char err[LD_ERRLEN] = "";
	char other[PATH_MAX + 16];
	struct ledger *lg = NULL;
	FILE *f;
	size_t i;

	assert_string_equal(ledger_station(fx->lg), STATION);
	assert_string_equal(ledger_unit(fx->lg), UNIT_UNIT);

	/* An existing path is never overwritten. */
	assert_int_equal(ledger_create(fx->path, "s2", "别的单位", err),
	    LD_EEXIST);
	assert_true(err[0] != '\0');
	assert_string_equal(ledger_station(fx->lg), STATION);

	/* Invalid station ids are refused before any file is made. */
	snprintf(other, sizeof other, "%s/other.db", fx->dir);
	for (i = 0; bad[i] != NULL; i++) {
		err[0] = '\0';
		assert_int_equal(ledger_create(other, bad[i], UNIT_UNIT, err),
		    LD_EINVAL);
		assert_true(err[0] != '\0');
		assert_int_equal(access(other, F_OK), -1);
	}

	/* Opening what is not there, or not a station database, fails. */
	assert_int_not_equal(ledger_open(other, &lg, err), 0);
	assert_null(lg);
	assert_int_equal(access(other, F_OK), -1);
	f = fopen(other, "w");
	assert_non_null(f);
	fputs("not a database, just some text that is long enough to look "
	    "like a file header to anyone who only reads the first bytes\n", f);
	fclose(f);
	err[0] = '\0';
	assert_true(ledger_open(other, &lg, err) < 0);
	assert_null(lg);
	assert_true(err[0] != '\0');
	assert_int_equal(unlink(other), 0);

	/* A second station database next to the first is fine. */
	assert_int_equal(ledger_create(other, "s2", "县综合行政执法局", err), 0);
	assert_int_equal(ledger_open(other, &lg, err), 0);
	assert_string_equal(ledger_station(lg), "s2");
	assert_string_equal(ledger_unit(lg), "县综合行政执法局");
	ledger_free(lg);
}

/* Every kind in the registry: creating kinds first, then the others on
 * the entity their type's creating kind made. */
static void
test_record_each_kind(void **state)
{
	struct fixture *fx = *state;
	const struct kind_info *k;
	struct verify_report r;
	char prev[HASH_HEX], err[LD_ERRLEN] = "";
	char *ids[128] = { NULL };
	hlc_t last_hlc = 0;
	int64_t seq = 0;
	size_t i, pass, created = 0;

	memcpy(prev, HASH_ZERO, HASH_HEX);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; (k = kind_at(i)) != NULL; i++) {
			const char *entity = NULL;
			struct event ev;
			char *id = NULL;
			json_t *body, *doc;
			size_t j;

			assert_true(i < sizeof ids / sizeof ids[0]);
			if ((pass == 0) != (k->creates != 0))
				continue;
			if (!k->creates) {
				for (j = 0; kind_at(j) != NULL; j++)
					if (kind_at(j)->creates &&
					    kind_at(j)->etype == k->etype)
						entity = ids[j];
				assert_non_null(entity);
			}
			body = unit_body(k, 0);
			if (kind_is_attached(k)) {
				/* Its file, held here (verify checks it is). */
				char h[HASH_HEX];
				int added;

				assert_int_equal(blob_put(fx->lg, "现场照片", 12, h,
				    &added, err), 0);
				json_object_set_new(body, "hash", json_string(h));
				json_object_set_new(body, "size", json_integer(12));
			}
			event_init(&ev);
			if (record_ev(fx, k->name, entity, NULL, body, &id, &ev,
			    err) != 0)
				fail_msg("%s: %s", k->name, err);
			seq++;
			/* The event as stored: this station's next link. */
			unit_assert_valid(&ev);
			assert_string_equal(ev.station, STATION);
			assert_int_equal(ev.seq, seq);
			assert_string_equal(ev.prev, prev);
			assert_true(ev.hlc > last_hlc);
			assert_string_equal(ev.kind, k->name);
			assert_string_equal(ev.unit, UNIT_UNIT);
			assert_string_equal(ev.author, "张三");
			assert_string_equal(ev.entity, id);
			assert_int_equal(json_array_size(ev.audience), 1);
			assert_true(json_equal(ev.body, body));
			memcpy(prev, ev.hash, HASH_HEX);
			last_hlc = ev.hlc;
			if (k->creates) {
				char want[64];
				snprintf(want, sizeof want, "%c-%s-%lld",
				    k->etype->letter, STATION, (long long)seq);
				assert_string_equal(id, want);
				ids[i] = id;
				created++;
			} else {
				assert_string_equal(id, entity);
				free(id);
			}
			/* Its projection is there and counts it. */
			assert_int_equal(ledger_get(fx->lg, ev.entity, &doc, err), 0);
			assert_string_equal(json_string_value(json_object_get(doc,
			    "type")), k->etype->name);
			assert_int_not_equal(json_integer_value(json_object_get(doc,
			    "events")), 0);
			json_decref(doc);
			json_decref(body);
			event_release(&ev);
		}
	}
	assert_verify_ok(fx, &r);
	assert_int_equal(r.events, seq);
	assert_int_equal(r.stations, 1);
	assert_int_equal(r.entities, created);
	for (i = 0; i < sizeof ids / sizeof ids[0]; i++)
		free(ids[i]);
}

static void
test_record_refusals(void **state)
{
	struct fixture *fx = *state;
	struct verify_report r;
	char err[LD_ERRLEN] = "";
	struct event ev;
	json_t *body, *aud, *doc;
	char *id;

	/* Nothing is stored, and no seq used, by a refused event. */
	assert_record_fails(fx, "case.opened", NULL,
	    "{\"source\":\"patrol\"}", LD_EINVAL);
	assert_record_fails(fx, "case.opened", NULL,
	    "{\"source\":\"辖区巡查\",\"category\":\"市容环境\","
	    "\"location\":\"中街\",\"description\":\"占道\","
	    "\"discovered_at\":\"2026-11-21T09:30:00+08:00\",\"urgent\":false,"
	    "\"officer\":\"张三\"}", LD_EINVAL);
	assert_record_fails(fx, "case.reopened", NULL, "{}", LD_EINVAL);
	body = unit_json(BODY_CASE_OPENED);
	json_object_set_new(body, "score", json_real(0.5));
	assert_int_equal(record_ev(fx, "case.opened", NULL, NULL, body, NULL,
	    NULL, err), LD_EINVAL);
	json_decref(body);

	id = record(fx, "case.opened", NULL, BODY_CASE_OPENED);
	assert_string_equal(id, "C-s1-1");

	/* Entities that are unknown here, malformed or of another type. */
	assert_record_fails(fx, "case.updated", "C-s1-99", BODY_CASE_UPDATED,
	    LD_ENOTFOUND);
	assert_record_fails(fx, "case.updated", "C-s2-1", BODY_CASE_UPDATED,
	    LD_ENOTFOUND);
	assert_record_fails(fx, "complaint.identity", "T-s1-1",
	    BODY_COMPLAINT_IDENTITY, LD_ENOTFOUND);
	assert_record_fails(fx, "case.updated", "C-s1-0", BODY_CASE_UPDATED,
	    LD_EINVAL);
	assert_record_fails(fx, "case.updated", "case-1", BODY_CASE_UPDATED,
	    LD_EINVAL);
	assert_record_fails(fx, "complaint.identity", id,
	    BODY_COMPLAINT_IDENTITY, LD_EINVAL);
	assert_record_fails(fx, "case.updated", id, "{}", LD_EINVAL);

	/* The audience must include this unit, once. */
	body = unit_json(BODY_CASE_UPDATED);
	aud = json_pack("[s]", "县司法局");
	assert_int_equal(record_ev(fx, "case.updated", id, aud, body, NULL, NULL,
	    err), LD_EINVAL);
	json_decref(aud);
	aud = json_pack("[s,s]", UNIT_UNIT, UNIT_UNIT);
	assert_int_equal(record_ev(fx, "case.updated", id, aud, body, NULL, NULL,
	    err), LD_EINVAL);
	json_decref(aud);
	aud = json_pack("[s,s]", UNIT_UNIT, "县综合行政执法局");
	event_init(&ev);
	assert_int_equal(record_ev(fx, "case.updated", id, aud, body, NULL, &ev,
	    err), 0);
	assert_int_equal(ev.seq, 2);
	assert_true(json_equal(ev.audience, aud));
	event_release(&ev);
	json_decref(aud);
	json_decref(body);

	assert_int_equal(ledger_get(fx->lg, id, &doc, err), 0);
	assert_int_equal(json_integer_value(json_object_get(doc, "events")), 2);
	json_decref(doc);
	assert_verify_ok(fx, &r);
	assert_int_equal(r.events, 2);
	free(id);
}

static void
test_get_and_events_of(void **state)
{
	struct fixture *fx = *state;
	static const char *const kinds[] = { "case.opened", "case.updated",
		"case.updated", "case.closed" };
	char err[LD_ERRLEN] = "";
	struct event *evs = NULL;
	json_t *doc, *fresh;
	char *id, *a, *b;
	size_t n = 99, i;

	id = case_history(fx);
	free(record(fx, "liaison.logged", NULL, BODY_LIAISON_LOGGED));

	assert_int_equal(ledger_get(fx->lg, id, &doc, err), 0);
	assert_string_equal(json_string_value(json_object_get(doc, "status")),
	    "closed");
	assert_string_equal(json_string_value(json_object_get(doc, "location")),
	    "龙羊峡镇东街");
	assert_int_equal(json_integer_value(json_object_get(doc, "events")), 4);

	assert_int_equal(ledger_events_of(fx->lg, id, &evs, &n, err), 0);
	assert_int_equal(n, 4);
	for (i = 0; i < n; i++) {
		unit_assert_valid(&evs[i]);
		assert_string_equal(evs[i].kind, kinds[i]);
		assert_string_equal(evs[i].entity, id);
		assert_int_equal(evs[i].seq, (int64_t)i + 1);
		if (i > 0) {
			assert_string_equal(evs[i].prev, evs[i - 1].hash);
			assert_true(event_cmp(&evs[i - 1], &evs[i]) < 0);
		}
	}
	/* The stored projection is the fold of the stored events. */
	fresh = fold_events(evs, n);
	a = cjson_encode(doc, NULL);
	b = cjson_encode(fresh, NULL);
	assert_string_equal(a, b);
	free(a);
	free(b);
	json_decref(fresh);
	json_decref(doc);
	events_free(evs, n);

	/* Unknown: no events, and no record. */
	assert_int_equal(ledger_events_of(fx->lg, "C-s1-77", &evs, &n, err), 0);
	assert_int_equal(n, 0);
	events_free(evs, n);
	fresh = json_object();
	doc = fresh; /* must be reset, not left pointing at anything */
	err[0] = '\0';
	assert_int_equal(ledger_get(fx->lg, "C-s1-77", &doc, err), LD_ENOTFOUND);
	assert_null(doc);
	json_decref(fresh);
	assert_non_null(strstr(err, "C-s1-77"));
	free(id);
}

static void
test_query_filters(void **state)
{
	struct fixture *fx = *state;
	char *a, *b, *c, *d, *t, *l;

	a = record(fx, "case.opened", NULL, CASE_A);
	b = record(fx, "case.opened", NULL, CASE_B);
	c = record(fx, "case.opened", NULL, CASE_C);
	d = record(fx, "case.opened", NULL, CASE_D);
	free(record(fx, "case.closed", d, "{\"reason\":\"已移送生态环境局\"}"));
	free(record(fx, "case.updated", b,
	    "{\"note\":\"已下达限期拆除通知书\"}"));
	t = record(fx, "complaint.recorded", NULL, BODY_COMPLAINT_RECORDED);
	free(record(fx, "complaint.identity", t, BODY_COMPLAINT_IDENTITY));
	l = record(fx, "liaison.logged", NULL, BODY_LIAISON_LOGGED);
	assert_string_equal(a, "C-s1-1");
	assert_string_equal(b, "C-s1-2");
	assert_string_equal(c, "C-s1-3");
	assert_string_equal(d, "C-s1-4");

	/* Newest discovery first; types kept apart. */
	ASSERT_QUERY(fx, "C-s1-3 C-s1-2 C-s1-1 C-s1-4", .type = "case");
	ASSERT_QUERY(fx, "T-s1-7", .type = "complaint");
	ASSERT_QUERY(fx, "L-s1-9", .type = "liaison");
	ASSERT_QUERY(fx, "", .type = "referral");
	ASSERT_QUERY(fx, "C-s1-3 C-s1-2", .type = "case", .limit = 2);

	/* Status and category. */
	ASSERT_QUERY(fx, "C-s1-3 C-s1-2 C-s1-1", .type = "case",
	    .status = "open");
	ASSERT_QUERY(fx, "C-s1-4", .type = "case", .status = "closed");
	ASSERT_QUERY(fx, "C-s1-3 C-s1-1", .type = "case", .category = "市容环境");
	ASSERT_QUERY(fx, "", .type = "case", .category = "市容");
	ASSERT_QUERY(fx, "C-s1-1", .type = "case", .category = "市容环境",
	    .until = "2026-11-20T09:00:00+08:00");

	/* since is inclusive, until exclusive. */
	ASSERT_QUERY(fx, "C-s1-3 C-s1-2", .type = "case",
	    .since = "2026-11-10T09:00:00+08:00");
	ASSERT_QUERY(fx, "C-s1-1 C-s1-4", .type = "case",
	    .until = "2026-11-10T09:00:00+08:00");
	ASSERT_QUERY(fx, "C-s1-2 C-s1-1", .type = "case",
	    .since = "2026-11-01T00:00:00+08:00",
	    .until = "2026-11-11T00:00:00+08:00");
	ASSERT_QUERY(fx, "", .type = "case",
	    .since = "2026-12-01T00:00:00+08:00");

	/* Subtypes: a complaint's form, a liaison's activity. */
	ASSERT_QUERY(fx, "T-s1-7", .type = "complaint", .subtype = "complaint");
	ASSERT_QUERY(fx, "", .type = "complaint", .subtype = "petition");
	ASSERT_QUERY(fx, "L-s1-9", .type = "liaison", .subtype = "meeting");
	ASSERT_QUERY(fx, "", .type = "liaison", .subtype = "training");

	free(a);
	free(b);
	free(c);
	free(d);
	free(t);
	free(l);
}

static void
test_query_search(void **state)
{
	struct fixture *fx = *state;
	char *a, *b, *c, *d, *t;

	a = record(fx, "case.opened", NULL, CASE_A);
	b = record(fx, "case.opened", NULL, CASE_B);
	c = record(fx, "case.opened", NULL, CASE_C);
	d = record(fx, "case.opened", NULL, CASE_D);
	t = record(fx, "complaint.recorded", NULL, BODY_COMPLAINT_RECORDED);
	free(record(fx, "complaint.identity", t, BODY_COMPLAINT_IDENTITY));

	/* Three or more characters: the trigram index, any substring. */
	ASSERT_QUERY(fx, "C-s1-1", .type = "case", .search = "占道经营");
	ASSERT_QUERY(fx, "C-s1-2", .type = "case", .search = "彩钢房");
	ASSERT_QUERY(fx, "C-s1-2", .type = "case", .search = "批先建");
	ASSERT_QUERY(fx, "C-s1-3 C-s1-1", .type = "case", .search = "市容环境");
	ASSERT_QUERY(fx, "C-s1-2", .type = "case", .search = "王某某");
	ASSERT_QUERY(fx, "C-s1-3 C-s1-2 C-s1-1 C-s1-4", .type = "case",
	    .search = "龙羊峡镇");
	ASSERT_QUERY(fx, "", .type = "case", .search = "不存在的事");
	/* One or two characters: still found. */
	ASSERT_QUERY(fx, "C-s1-3", .type = "case", .search = "摆摊");
	ASSERT_QUERY(fx, "C-s1-4", .type = "case", .search = "焚");
	ASSERT_QUERY(fx, "C-s1-3 C-s1-1 C-s1-4", .type = "case", .search = "张三");
	ASSERT_QUERY(fx, "", .type = "case", .search = "火");
	/* LIKE wildcards and FTS syntax are plain text. */
	ASSERT_QUERY(fx, "", .type = "case", .search = "%");
	ASSERT_QUERY(fx, "", .type = "case", .search = "_");
	ASSERT_QUERY(fx, "", .type = "case", .search = "占道\"OR\"焚烧");
	ASSERT_QUERY(fx, "", .type = "case", .search = "* OR *");
	/* Combined with other filters. */
	ASSERT_QUERY(fx, "C-s1-1", .type = "case", .search = "龙羊峡镇",
	    .until = "2026-11-10T00:00:00+08:00",
	    .since = "2026-11-01T00:00:00+08:00");

	/* The index follows updates, notes and closes. */
	free(record(fx, "case.updated", b, "{\"note\":\"已下达限期拆除通知书\"}"));
	free(record(fx, "case.updated", a, "{\"location\":\"龙羊峡镇南门广场\"}"));
	free(record(fx, "case.closed", d, "{\"reason\":\"已移送生态环境局\"}"));
	ASSERT_QUERY(fx, "C-s1-2", .type = "case", .search = "限期拆除");
	ASSERT_QUERY(fx, "C-s1-1", .type = "case", .search = "南门广场");
	ASSERT_QUERY(fx, "", .type = "case", .search = "龙羊峡镇中街");
	ASSERT_QUERY(fx, "C-s1-4", .type = "case", .search = "生态环境局",
	    .status = "closed");
	ASSERT_QUERY(fx, "", .type = "case", .search = "生态环境局",
	    .status = "open");

	/* Complaints are searchable by their matter, never by who
	 * complained. */
	ASSERT_QUERY(fx, "T-s1-5", .type = "complaint", .search = "噪音扰民");
	ASSERT_QUERY(fx, "T-s1-5", .type = "complaint", .search = "噪音");
	ASSERT_QUERY(fx, "", .type = "complaint", .search = "王五");
	ASSERT_QUERY(fx, "", .type = "complaint", .search = "138 0000");

	free(a);
	free(b);
	free(c);
	free(d);
	free(t);
}

struct seen {
	int64_t last_id;
	int64_t seqs[16];
	size_t n;
	size_t stop_after; /* 0: never stop */
};

/* What ledger_query_each gave, one line per record: "type=value" per
 * path ("-" for NULL), appended to a string; n paths. */
static int
each_row_n(const char *const *types, const char *const *vals, char **out,
    size_t n)
{
	char *t;
	size_t i;

	for (i = 0; i < n; i++) {
		t = xasprintf("%s%s%s=%s", *out, i ? " " : "",
		    types[i] ? types[i] : "-", vals[i] ? vals[i] : "-");
		free(*out);
		*out = t;
	}
	t = xasprintf("%s\n", *out);
	free(*out);
	*out = t;
	return 0;
}

static int
each_row(const char *const *types, const char *const *vals, void *arg)
{
	return each_row_n(types, vals, arg, 5);
}

static int
each_row4(const char *const *types, const char *const *vals, void *arg)
{
	return each_row_n(types, vals, arg, 4);
}

/* The listed values come as SQLite's json_type names them, strings
 * unquoted, arrays as JSON, booleans and absent keys without a value, in
 * ledger_query's order and with its filters. */
static void
test_query_each(void **state)
{
	static const char *const paths[] = { "entity", "urgent", "parties",
	    "nothing", "created_at" };
	struct fixture *fx = *state;
	struct ledger_query q = { .type = "case" };
	char err[LD_ERRLEN] = "", *out = xstrdup(""), *want;
	json_t *items;

	free(record(fx, "case.opened", NULL, CASE_A));
	free(record(fx, "case.opened", NULL, CASE_B));
	assert_int_equal(ledger_query(fx->lg, &q, &items, err), 0);
	want = xasprintf(
	    "text=C-s1-2 false=- array=[\"王某某\"] -=- integer=%lld\n"
	    "text=C-s1-1 true=- -=- -=- integer=%lld\n",
	    (long long)json_integer_value(json_object_get(
	    json_array_get(items, 0), "created_at")),
	    (long long)json_integer_value(json_object_get(
	    json_array_get(items, 1), "created_at")));
	json_decref(items);
	if (ledger_query_each(fx->lg, &q, paths, 5, each_row, &out, err) != 0)
		fail_msg("query_each: %s", err);
	assert_string_equal(out, want);
	free(out);
	out = xstrdup("");
	q.category = "市容环境";
	assert_int_equal(ledger_query_each(fx->lg, &q, paths, 5, each_row,
	    &out, err), 0);
	assert_true(strncmp(out, "text=C-s1-1 ", 12) == 0);
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
	free(out);
	free(want);
}

static int
each_one(const char *const *types, const char *const *vals, void *arg)
{
	char **out = arg, *t;

	t = xasprintf("%s%s=%s|", *out, types[0] ? types[0] : "-",
	    vals[0] ? vals[0] : "-");
	free(*out);
	*out = t;
	return 0;
}

/* Values whose text looks like JSON, holds quotes, backslashes, commas
 * and brackets come as they are; arrays whole; one path alone too. */
/* A path into an object, the object itself, and a key it lacks. */
static void
test_query_each_nested(void **state)
{
	static const char *const paths[] = { "last.station", "last.seq",
	    "last", "last.none", "entity" };
	struct fixture *fx = *state;
	struct ledger_query q = { .type = "case" };
	char err[LD_ERRLEN] = "", *out = xstrdup("");

	free(record(fx, "case.opened", NULL, CASE_A));
	assert_int_equal(ledger_query_each(fx->lg, &q, paths, 5, each_row,
	    &out, err), 0);
	if (strncmp(out, "text=s1 integer=1 object={\"hlc\":", 32) != 0 ||
	    strstr(out, ",\"seq\":1,\"station\":\"s1\"} -=- text=C-s1-1\n")
	    == NULL)
		fail_msg("got '%s'", out);
	free(out);
}

static void
test_query_each_odd_text(void **state)
{
	static const char *const paths[] = { "location", "parties",
	    "description", "category" };
	struct fixture *fx = *state;
	struct ledger_query q = { .type = "case" };
	char err[LD_ERRLEN] = "", *out = xstrdup("");

	free(record(fx, "case.opened", NULL, "{\"source\":\"patrol\","
	    "\"category\":\"[1,\\\"x\\\"]\",\"urgent\":false,"
	    "\"location\":\"a,\\\"b]}\\\\c\","
	    "\"description\":\"{\\\"k\\\": 1} \\u4e2d\","
	    "\"discovered_at\":\"2026-11-01T09:00:00+08:00\","
	    "\"officer\":\"张三\",\"parties\":[\"王,]\\\"某\",\"李四\"]}"));
	assert_int_equal(ledger_query_each(fx->lg, &q, paths, 4, each_row4,
	    &out, err), 0);
	assert_string_equal(out, "text=a,\"b]}\\c "
	    "array=[\"王,]\\\"某\",\"李四\"] "
	    "text={\"k\": 1} 中 text=[1,\"x\"]\n");
	free(out);
	out = xstrdup("");
	assert_int_equal(ledger_query_each(fx->lg, &q, paths + 3, 1, each_one,
	    &out, err), 0);
	assert_string_equal(out, "text=[1,\"x\"]|");
	free(out);
}

static int
collect(const struct event *ev, int64_t id, void *arg)
{
	struct seen *s = arg;

	assert_true(id > s->last_id);
	assert_true(s->n < 16);
	unit_assert_valid(ev);
	s->last_id = id;
	s->seqs[s->n++] = ev->seq;
	return s->stop_after != 0 && s->n >= s->stop_after;
}

static void
test_foreach(void **state)
{
	struct fixture *fx = *state;
	char err[LD_ERRLEN] = "";
	struct seen s;
	char *id;
	size_t i;

	id = case_history(fx);
	free(record(fx, "liaison.logged", NULL, BODY_LIAISON_LOGGED));

	memset(&s, 0, sizeof s);
	assert_int_equal(ledger_foreach(fx->lg, 0, collect, &s, err), 0);
	assert_int_equal(s.n, 5);
	for (i = 0; i < s.n; i++)
		assert_int_equal(s.seqs[i], (int64_t)i + 1);

	/* after skips what was seen: resume from the last id. */
	memset(&s, 0, sizeof s);
	s.stop_after = 2;
	assert_int_equal(ledger_foreach(fx->lg, 0, collect, &s, err), 0);
	assert_int_equal(s.n, 2);
	s.n = 0;
	s.stop_after = 0;
	assert_int_equal(ledger_foreach(fx->lg, s.last_id, collect, &s, err),
	    0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.seqs[0], 3);
	assert_int_equal(s.seqs[2], 5);

	/* Nothing after the end. */
	s.n = 0;
	assert_int_equal(ledger_foreach(fx->lg, s.last_id, collect, &s, err),
	    0);
	assert_int_equal(s.n, 0);
	free(id);
}

/* ledger_fold_all's records, "entity=ok" when the fresh fold equals the
 * stored projection, "entity=NULL" when its events could not be read,
 * appended to a string. */
struct folded {
	struct fixture *fx;
	char *out;
};

static int
fold_each(const char *entity, const json_t *doc, void *arg)
{
	struct folded *f = arg;
	char err[LD_ERRLEN] = "", *a = NULL, *b = NULL, *t;
	json_t *stored;

	if (doc != NULL) {
		assert_int_equal(ledger_get(f->fx->lg, entity, &stored, err), 0);
		a = cjson_encode(doc, NULL);
		b = cjson_encode(stored, NULL);
		json_decref(stored);
	}
	t = xasprintf("%s%s%s=%s", f->out, f->out[0] ? " " : "", entity,
	    doc == NULL ? "NULL" : strcmp(a, b) == 0 ? "ok" : "differs");
	free(f->out);
	f->out = t;
	free(a);
	free(b);
	return 0;
}

static char *
fold_all(struct fixture *fx, int flags)
{
	struct folded f = { fx, xstrdup("") };
	char err[LD_ERRLEN] = "";

	if (ledger_fold_all(fx->lg, flags, fold_each, &f, err) != 0)
		fail_msg("fold_all: %s", err);
	return f.out;
}

/* The re-fold in one scan gives every record, in entity order, as its
 * events fold; an event changed behind the ledger's back makes its record
 * unreadable, unless the caller took the events as stored (verify, whose
 * chain pass reports it). */
static void
test_fold_all(void **state)
{
	struct fixture *fx = *state;
	char *c = case_history(fx), *l, *out;

	free(record(fx, "case.opened", NULL, CASE_B));
	l = record(fx, "liaison.logged", NULL, BODY_LIAISON_LOGGED);
	free(record(fx, "case.updated", c, "{\"note\":\"补充材料\"}"));
	out = fold_all(fx, 0);
	assert_string_equal(out, "C-s1-1=ok C-s1-5=ok L-s1-6=ok");
	free(out);
	out = fold_all(fx, LEDGER_FOLD_STORED);
	assert_string_equal(out, "C-s1-1=ok C-s1-5=ok L-s1-6=ok");
	free(out);

	tamper(fx, "UPDATE events SET raw = replace(raw, '已下达整改通知书',"
	    " '未下达') WHERE seq = 3");
	out = fold_all(fx, 0);
	assert_string_equal(out, "C-s1-1=NULL C-s1-5=ok L-s1-6=ok");
	free(out);
	out = fold_all(fx, LEDGER_FOLD_STORED);
	assert_string_equal(out, "C-s1-1=differs C-s1-5=ok L-s1-6=ok");
	free(out);
	free(c);
	free(l);
}

static void
test_verify_good(void **state)
{
	struct fixture *fx = *state;
	struct verify_report r;
	char *id, *t;

	assert_verify_ok(fx, &r);
	assert_int_equal(r.events, 0);
	assert_int_equal(r.entities, 0);

	id = case_history(fx);
	t = record(fx, "complaint.recorded", NULL, BODY_COMPLAINT_RECORDED);
	free(record(fx, "complaint.identity", t, BODY_COMPLAINT_IDENTITY));
	free(record(fx, "liaison.logged", NULL, BODY_LIAISON_LOGGED));
	assert_verify_ok(fx, &r);
	assert_int_equal(r.events, 7);
	assert_int_equal(r.stations, 1);
	assert_int_equal(r.entities, 3);
	assert_string_equal(r.first, "");
	free(id);
	free(t);
}

/* Tampering of each kind is reported as an integrity problem whose first
 * message contains expect. */
static void
assert_tamper_detected(struct fixture *fx, const char *sql,
    const char *expect)
{
	struct verify_report r;
	char err[LD_ERRLEN] = "";
	int rc;

	tamper(fx, sql);
	rc = ledger_verify(fx->lg, &r, err);
	if (rc != LD_EINTEGRITY)
		fail_msg("after %s: verify gave %d (%s)", sql, rc, err);
	assert_true(r.problems >= 1);
	if (strstr(r.first, expect) == NULL)
		fail_msg("after %s: first problem '%s' lacks '%s'", sql, r.first,
		    expect);
}

static void
test_verify_tampered_event(void **state)
{
	struct fixture *fx = *state;
	char err[LD_ERRLEN] = "";
	struct event *evs;
	json_t *doc;
	size_t n;
	char *id;

	id = case_history(fx);
	/* The description in the stored text of the first event. */
	assert_tamper_detected(fx,
	    "UPDATE events SET raw = replace(raw, '占道经营', '无照经营')"
	    " WHERE seq = 1", "s1/1");
	/* Reading the entity's events now fails loudly, not quietly. */
	assert_int_equal(ledger_events_of(fx->lg, id, &evs, &n, err),
	    LD_EINTEGRITY);
	/* The projection itself is untouched and still readable. */
	assert_int_equal(ledger_get(fx->lg, id, &doc, err), 0);
	json_decref(doc);
	free(id);
}

static void
test_verify_tampered_projection(void **state)
{
	struct fixture *fx = *state;
	char *id;

	id = record(fx, "case.opened", NULL, BODY_CASE_OPENED);
	free(record(fx, "case.updated", id, BODY_CASE_UPDATED));
	assert_tamper_detected(fx,
	    "UPDATE projections SET doc = replace(doc, '\"status\":\"open\"',"
	    " '\"status\":\"closed\"')", id);
	free(id);
}

static void
test_verify_tampered_columns(void **state)
{
	struct fixture *fx = *state;
	char *id;

	id = case_history(fx);
	/* The raw text intact, a column beside it changed. */
	assert_tamper_detected(fx,
	    "UPDATE events SET author = '李四' WHERE seq = 2", "s1/2");
	free(id);
}

static void
test_verify_tampered_search(void **state)
{
	struct fixture *fx = *state;
	char *id;

	id = case_history(fx);
	assert_tamper_detected(fx, "UPDATE search SET body = 'x'", id);
	free(id);
}

static void
test_verify_missing_event(void **state)
{
	struct fixture *fx = *state;
	char *id;

	id = case_history(fx);
	/* A gap in this station's own chain. */
	assert_tamper_detected(fx, "DELETE FROM events WHERE seq = 2", "3");
	free(id);
}

static void
test_verify_reordered_chain(void **state)
{
	struct fixture *fx = *state;
	char *id;

	id = case_history(fx);
	/* Two events swapped wholesale: each is valid alone, the links and
	 * the clock are not. */
	assert_tamper_detected(fx,
	    "UPDATE events SET seq = -seq WHERE seq IN (2, 3);"
	    "UPDATE events SET seq = 3 WHERE seq = -2;"
	    "UPDATE events SET seq = 2 WHERE seq = -3", "s1/");
	free(id);
}

/* The chain and the clock carry on across a reopen, even when the wall
 * clock has been set back a day in between. */
static void
test_reopen_continues_chain_and_clock(void **state)
{
	struct fixture *fx = *state;
	struct verify_report r;
	char err[LD_ERRLEN] = "";
	struct event a, b;
	json_t *body = unit_json(BODY_CASE_UPDATED);
	char *id;

	assert_int_equal(setenv("LIANDONG_NOW", "2026-11-21T09:30:00+08:00", 1),
	    0);
	id = record(fx, "case.opened", NULL, BODY_CASE_OPENED);
	event_init(&a);
	assert_int_equal(record_ev(fx, "case.updated", id, NULL, body, NULL, &a,
	    err), 0);
	assert_int_equal(a.at, UNIT_T0_MS);
	/* Same millisecond as the first: the counter moved. */
	assert_int_equal(hlc_ms(a.hlc), UNIT_T0_MS);
	assert_int_equal(hlc_counter(a.hlc), 1);

	ledger_free(fx->lg);
	open_ledger(fx);
	assert_int_equal(setenv("LIANDONG_NOW", "2026-11-20T09:30:00+08:00", 1),
	    0);
	event_init(&b);
	assert_int_equal(record_ev(fx, "case.updated", id, NULL, body, NULL, &b,
	    err), 0);
	assert_int_equal(b.seq, 3);
	assert_string_equal(b.prev, a.hash);
	/* The author's wall clock as it was; the hlc still after a. */
	assert_int_equal(b.at, UNIT_T0_MS - DAY);
	assert_true(b.hlc > a.hlc);
	assert_verify_ok(fx, &r);
	assert_int_equal(r.events, 3);
	event_release(&a);
	event_release(&b);
	json_decref(body);
	free(id);
}

/* Collects the canonical texts ledger_own_after gives. */
static int
collect_raw(const char *raw, size_t len, void *arg)
{
	json_array_append_new(arg, json_stringn(raw, len));
	return 0;
}

/* A replica "r" beside fx's database, at dir/name. */
static struct ledger *
replica(struct fixture *fx, const char *name)
{
	char err[LD_ERRLEN] = "", *path = xasprintf("%s/%s", fx->dir, name);
	struct ledger *lg = NULL;

	if (ledger_create(path, "r", UNIT_UNIT, err) != 0 ||
	    ledger_open(path, &lg, err) != 0)
		fail_msg("cannot make %s: %s", path, err);
	free(path);
	return lg;
}

/* Every projection of lg, as ledger_dump writes them (caller frees). */
static char *
dump(struct ledger *lg)
{
	char err[LD_ERRLEN] = "", *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (ledger_dump(lg, f, err) != 0)
		fail_msg("dump: %s", err);
	fclose(f);
	return buf;
}

/*
 * A pulled batch is applied in one transaction with its records kept in
 * memory until the commit: the result must equal receiving each event
 * in its own transaction, in order, even when the batch comes in reverse
 * (every record folded afresh), and what is read inside the transaction
 * must already show the batch. A rollback leaves nothing.
 */
static void
test_receive_batch(void **state)
{
	struct fixture *fx = *state;
	struct ledger *one = replica(fx, "one.db"), *batch = replica(fx, "batch.db");
	struct ledger_query q = { .type = "case" };
	char err[LD_ERRLEN] = "", *a, *b, *c = case_history(fx), *d;
	json_t *raws = json_array(), *items, *doc;
	struct verify_report r;
	struct digest d1, d2;
	int more, added;
	size_t i, n;

	d = record(fx, "case.opened", NULL, CASE_B);
	free(record(fx, "case.updated", c, "{\"note\":\"复查\"}"));
	assert_int_equal(ledger_own_after(fx->lg, 0, 100, 1 << 20, collect_raw,
	    raws, &more, err), 0);
	n = json_array_size(raws);
	assert_int_equal(n, 6);
	for (i = 0; i < n; i++) {
		const char *raw = json_string_value(json_array_get(raws, i));
		assert_int_equal(ledger_begin(one, err), 0);
		assert_int_equal(ledger_receive(one, raw, strlen(raw), &added,
		    err), 0);
		assert_int_equal(added, 1);
		assert_int_equal(ledger_commit(one, err), 0);
	}

	/* Reverse order, then rolled back: nothing held. */
	assert_int_equal(ledger_begin(batch, err), 0);
	for (i = n; i-- > 0;) {
		const char *raw = json_string_value(json_array_get(raws, i));
		assert_int_equal(ledger_receive(batch, raw, strlen(raw), &added,
		    err), 0);
	}
	ledger_rollback(batch);
	assert_int_equal(ledger_get(batch, c, &doc, err), LD_ENOTFOUND);
	assert_int_equal(ledger_digest(batch, &d2, err), 0);
	assert_int_equal(d2.count, 0);

	/* Reverse order, read inside the transaction, committed. */
	assert_int_equal(ledger_begin(batch, err), 0);
	for (i = n; i-- > 0;) {
		const char *raw = json_string_value(json_array_get(raws, i));
		assert_int_equal(ledger_receive(batch, raw, strlen(raw), &added,
		    err), 0);
		assert_int_equal(added, 1);
	}
	assert_int_equal(ledger_digest(batch, &d2, err), 0);
	assert_int_equal(d2.count, 6);
	assert_int_equal(ledger_get(batch, c, &doc, err), 0);
	assert_int_equal(json_integer_value(json_object_get(doc, "events")), 5);
	json_decref(doc);
	assert_int_equal(ledger_query(batch, &q, &items, err), 0);
	assert_int_equal(json_array_size(items), 2);
	json_decref(items);
	assert_int_equal(ledger_commit(batch, err), 0);

	a = dump(one);
	b = dump(batch);
	assert_string_equal(a, b);
	assert_int_equal(ledger_digest(one, &d1, err), 0);
	assert_int_equal(ledger_digest(batch, &d2, err), 0);
	assert_int_equal(d1.count, d2.count);
	assert_string_equal(d1.xor, d2.xor);
	assert_int_equal(ledger_verify(batch, &r, err), 0);
	assert_int_equal(r.problems, 0);
	assert_int_equal(r.entities, 2);
	q.search = "未批先建";
	assert_int_equal(ledger_query(batch, &q, &items, err), 0);
	assert_int_equal(json_array_size(items), 1);
	json_decref(items);
	free(a);
	free(b);
	free(c);
	free(d);
	json_decref(raws);
	ledger_free(one);
	ledger_free(batch);
}

/* ledger_receive_event hands back the event it parsed when it was new
 * (its kind, record and body, as the line says), and nothing for one
 * already held. */
static void
test_receive_event(void **state)
{
	struct fixture *fx = *state;
	struct ledger *lg = replica(fx, "ev.db");
	char err[LD_ERRLEN] = "", *c = record(fx, "case.opened", NULL, CASE_B);
	json_t *raws = json_array(), *line;
	const char *raw;
	struct event ev;
	int more, added;

	assert_int_equal(ledger_own_after(fx->lg, 0, 100, 1 << 20, collect_raw,
	    raws, &more, err), 0);
	assert_int_equal(json_array_size(raws), 1);
	raw = json_string_value(json_array_get(raws, 0));
	line = json_loads(raw, 0, NULL);
	assert_int_equal(ledger_begin(lg, err), 0);
	assert_int_equal(ledger_receive_event(lg, raw, strlen(raw), &added, &ev,
	    err), 0);
	assert_int_equal(added, 1);
	assert_string_equal(ev.kind, "case.opened");
	assert_string_equal(ev.entity, c);
	assert_true(json_equal(ev.body, json_object_get(line, "body")));
	assert_int_equal(ev.seq, 1);
	event_release(&ev);
	/* Already held: added 0, nothing handed back. */
	assert_int_equal(ledger_receive_event(lg, raw, strlen(raw), &added, &ev,
	    err), 0);
	assert_int_equal(added, 0);
	assert_null(ev.kind);
	assert_null(ev.body);
	event_release(&ev);
	assert_int_equal(ledger_commit(lg, err), 0);
	json_decref(line);
	json_decref(raws);
	free(c);
	ledger_free(lg);
}

/*
 * A pulled batch's search rows go to SQLite as one JSON text written by
 * hand (ledger.c, struct search_rows): each record's search row must be
 * its search text exactly, whatever it holds that JSON escapes (quotes,
 * backslashes, a newline, a tab, and "\\n" as two characters), and be
 * found by it.
 */
static void
test_receive_batch_search_text(void **state)
{
	struct fixture *fx = *state;
	struct ledger *lg = replica(fx, "text.db");
	char err[LD_ERRLEN] = "", *c, *text;
	const char *body = "{\"source\":\"patrol\",\"category\":\"市容环境\","
	    "\"urgent\":false,\"location\":\"龙羊峡镇\\\"南门\\\"广场\","
	    "\"description\":\"占道\\\\n经营\\n第二行\\t\\\"引号\\\"\\\\反斜\","
	    "\"discovered_at\":\"2026-11-01T09:00:00+08:00\",\"officer\":\"张三\"}";
	struct ledger_query q = { .type = "case" };
	json_t *raws = json_array(), *doc, *items;
	sqlite3_stmt *st;
	size_t i;
	int more, added;

	c = record(fx, "case.opened", NULL, body);
	free(record(fx, "case.opened", NULL, CASE_B));
	assert_int_equal(ledger_own_after(fx->lg, 0, 100, 1 << 20, collect_raw,
	    raws, &more, err), 0);
	assert_int_equal(json_array_size(raws), 2);
	assert_int_equal(ledger_begin(lg, err), 0);
	for (i = 0; i < json_array_size(raws); i++) {
		const char *raw = json_string_value(json_array_get(raws, i));
		assert_int_equal(ledger_receive(lg, raw, strlen(raw), &added,
		    err), 0);
		assert_int_equal(added, 1);
	}
	assert_int_equal(ledger_commit(lg, err), 0);

	assert_int_equal(ledger_get(lg, c, &doc, err), 0);
	text = fold_search_text(doc);
	assert_non_null(strstr(text, "\"引号\"\\反斜"));
	assert_non_null(strstr(text, "\\n经营\n第二行\t"));
	assert_int_equal(sqlite3_prepare_v2(ledger_sqlite(lg),
	    "SELECT body FROM search WHERE rowid ="
	    " (SELECT id FROM projections WHERE entity = ?)", -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, c, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), text);
	sqlite3_finalize(st);
	q.search = "\"引号\"\\反斜";
	assert_int_equal(ledger_query(lg, &q, &items, err), 0);
	assert_int_equal(json_array_size(items), 1);
	json_decref(items);
	q.search = "南门\"广场";
	assert_int_equal(ledger_query(lg, &q, &items, err), 0);
	assert_int_equal(json_array_size(items), 1);
	json_decref(items);
	q.search = "未批先建";
	assert_int_equal(ledger_query(lg, &q, &items, err), 0);
	assert_int_equal(json_array_size(items), 1);
	json_decref(items);
	free(text);
	json_decref(doc);
	free(c);
	json_decref(raws);
	ledger_free(lg);
}

/*
 * A flush of many records (more than ledger.c's ENCODE_AHEAD_MIN: their
 * encoding on a second thread, which takes some of them once it runs)
 * saves each record's own text and search row: 200 cases, 100 of them
 * updated, received in one transaction in reverse order (every updated
 * case folded afresh at the flush), equal to the source's records and to
 * each record's search text, each found by its own words.
 */
#define NMANY 200
static void
test_receive_batch_many(void **state)
{
	struct fixture *fx = *state;
	struct ledger *lg = NULL;
	struct ledger_query q = { .type = "case" };
	char err[LD_ERRLEN] = "", *ids[NMANY], *a, *b;
	json_t *raws = json_array(), *items, *doc;
	sqlite3_stmt *st;
	size_t i, n;
	int more, added, round;

	for (i = 0; i < NMANY; i++) {
		char *body = xasprintf("{\"source\":\"patrol\","
		    "\"category\":\"市容环境\",\"urgent\":false,"
		    "\"location\":\"龙羊峡镇中街\",\"description\":"
		    "\"第%zu号摊点占道经营\",\"discovered_at\":"
		    "\"2026-11-01T09:00:00+08:00\",\"officer\":\"张三\"}", i);
		ids[i] = record(fx, "case.opened", NULL, body);
		free(body);
	}
	for (i = 0; i < NMANY; i += 2)
		free(record(fx, "case.updated", ids[i], "{\"note\":\"复查\"}"));
	assert_int_equal(ledger_own_after(fx->lg, 0, 1000, 1 << 24, collect_raw,
	    raws, &more, err), 0);
	n = json_array_size(raws);
	assert_int_equal(n, NMANY * 3 / 2);
	a = dump(fx->lg);
	/* Until the second thread took some of a flush's records (when
	 * it is scheduled at all before the main thread is done), at most
	 * 50 times, each time into a new replica. */
	for (round = 0; round < 50; round++) {
		long aside = ledger_encoded_aside();
		char *name = xasprintf("many%d.db", round);

		ledger_free(lg);
		lg = replica(fx, name);
		free(name);
		assert_int_equal(ledger_begin(lg, err), 0);
		for (i = n; i-- > 0;) {
			const char *raw = json_string_value(json_array_get(raws,
			    i));
			assert_int_equal(ledger_receive(lg, raw, strlen(raw),
			    &added, err), 0);
			assert_int_equal(added, 1);
		}
		assert_int_equal(ledger_commit(lg, err), 0);
		b = dump(lg);
		assert_string_equal(a, b);
		free(b);
		if (ledger_encoded_aside() > aside)
			break;
	}
	assert_true(round < 50);
	assert_int_equal(sqlite3_prepare_v2(ledger_sqlite(lg),
	    "SELECT body FROM search WHERE rowid ="
	    " (SELECT id FROM projections WHERE entity = ?)", -1, &st, NULL),
	    SQLITE_OK);
	for (i = 0; i < NMANY; i++) {
		char *text, *words = xasprintf("第%zu号摊点", i);

		assert_int_equal(ledger_get(lg, ids[i], &doc, err), 0);
		assert_int_equal(json_integer_value(json_object_get(doc,
		    "events")), i % 2 == 0 ? 2 : 1);
		text = fold_search_text(doc);
		sqlite3_bind_text(st, 1, ids[i], -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(st, 0),
		    text);
		sqlite3_reset(st);
		q.search = words;
		assert_int_equal(ledger_query(lg, &q, &items, err), 0);
		assert_int_equal(json_array_size(items), 1);
		assert_string_equal(json_string_value(json_object_get(
		    json_array_get(items, 0), "entity")), ids[i]);
		json_decref(items);
		free(words);
		free(text);
		json_decref(doc);
		free(ids[i]);
	}
	sqlite3_finalize(st);
	free(a);
	json_decref(raws);
	ledger_free(lg);
}

/* The re-fold reads a stored text member by member when it is canonical
 * (event_from_text) and gives any other to jansson: a text stored with
 * spaces or an escape, the same event, folds the same way checked or
 * taken as stored; one without its hash is unreadable when checked (as
 * event_parse has it) and folds when taken as stored (its shape is
 * whole); one cut short, in neither. */
static void
test_fold_all_stored_texts(void **state)
{
	struct fixture *fx = *state;
	char *c = case_history(fx), *out;

	free(record(fx, "liaison.logged", NULL, BODY_LIAISON_LOGGED));
	tamper(fx, "UPDATE events SET raw = replace(replace(raw, '{\"at\":',"
	    " '{ \"at\": '), '\"author\":\"张', '\"author\":\"\\u5f20')"
	    " WHERE seq = 2");
	out = fold_all(fx, 0);
	assert_string_equal(out, "C-s1-1=ok L-s1-5=ok");
	free(out);
	out = fold_all(fx, LEDGER_FOLD_STORED);
	assert_string_equal(out, "C-s1-1=ok L-s1-5=ok");
	free(out);
	tamper(fx, "UPDATE events SET raw = substr(raw, 1, instr(raw,"
	    " ',\"hash\":') - 1) || substr(raw, instr(raw, ',\"hlc\":'))"
	    " WHERE seq = 3");
	out = fold_all(fx, 0);
	assert_string_equal(out, "C-s1-1=NULL L-s1-5=ok");
	free(out);
	out = fold_all(fx, LEDGER_FOLD_STORED);
	assert_string_equal(out, "C-s1-1=ok L-s1-5=ok");
	free(out);
	tamper(fx, "UPDATE events SET raw = substr(raw, 1, length(raw) - 1)"
	    " WHERE seq = 5");
	out = fold_all(fx, 0);
	assert_string_equal(out, "C-s1-1=NULL L-s1-5=NULL");
	free(out);
	out = fold_all(fx, LEDGER_FOLD_STORED);
	assert_string_equal(out, "C-s1-1=ok L-s1-5=NULL");
	free(out);
	free(c);
}

/*
 * The re-fold over more rows than one batch of a scan that reads 512
 * rows at a time (3f0999e, parsing on a second thread; reverted, and the
 * test kept for the next attempt): 2,800 events,
 * records of one to eleven events and one of 1,201 that spans three
 * such batches;
 * every record given once, in order, as its stored projection (a row
 * dropped, given twice or out of place changes a record's event count,
 * its last event or the order); an event broken in the middle of a
 * batch breaks its record only, and fn stopping anywhere (mid-batch,
 * after the long record, at the last one) stops the scan there.
 */
#define NBATCHED 300
#define LONG_UPDATES 1200

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The ids joined as fold_each joins them, each "=ok" but bad's. */
static char *
expected_folds(char **ids, size_t n, const char *bad, const char *as)
{
	char *out = xstrdup(""), *t;
	size_t i;

	for (i = 0; i < n; i++) {
		t = xasprintf("%s%s%s=%s", out, i > 0 ? " " : "", ids[i],
		    bad != NULL && strcmp(ids[i], bad) == 0 ? as : "ok");
		free(out);
		out = t;
	}
	return out;
}

struct stopping {
	long calls, at;
	char *seen;
};

static int
stop_at(const char *entity, const json_t *doc, void *arg)
{
	struct stopping *s = arg;
	char *t = xasprintf("%s%s%s", s->seen, s->seen[0] ? " " : "", entity);

	free(s->seen);
	s->seen = t;
	return ++s->calls == s->at;
}

static void
test_fold_all_batches(void **state)
{
	struct fixture *fx = *state;
	char err[LD_ERRLEN] = "", *ids[NBATCHED + 1], *want, *out, *t;
	char *body, *sql, *longest;
	long stops[4];
	size_t i, j, n = 0;
	sqlite3_stmt *st;
	sqlite3 *db;
	int64_t bad = 0;
	long at = 0, first = -1;

	assert_int_equal(ledger_begin(fx->lg, err), 0);
	for (i = 0; i < NBATCHED + 1; i++) {
		size_t updates = i == NBATCHED / 2 ? LONG_UPDATES : i * 7 % 11;
		json_t *b = unit_json(BODY_CASE_OPENED);

		assert_int_equal(ledger_record(fx->lg, "case.opened", NULL,
		    "张三", NULL, b, &ids[i], NULL, err), 0);
		json_decref(b);
		for (j = 0; j < updates; j++) {
			body = xasprintf("{\"note\":\"第%zu次\"}", j);
			b = unit_json(body);
			assert_int_equal(ledger_record(fx->lg, "case.updated",
			    ids[i], "张三", NULL, b, NULL, NULL, err), 0);
			json_decref(b);
			free(body);
		}
		n += 1 + updates;
	}
	assert_int_equal(ledger_commit(fx->lg, err), 0);
	assert_true(n > 4 * 512);
	longest = xstrdup(ids[NBATCHED / 2]);
	qsort(ids, NBATCHED + 1, sizeof *ids, cmp_str);

	want = expected_folds(ids, NBATCHED + 1, NULL, NULL);
	out = fold_all(fx, 0);
	assert_string_equal(out, want);
	free(out);
	out = fold_all(fx, LEDGER_FOLD_STORED);
	assert_string_equal(out, want);
	free(out);
	free(want);

	/* Where the long record starts in fold order, and one of its
	 * events in the middle of a batch with more of them after it. */
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT id, entity FROM events"
	    " ORDER BY entity, hlc, station, seq", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *e = (const char *)sqlite3_column_text(st, 1);

		if (strcmp(e, longest) == 0) {
			if (first < 0)
				first = at;
			else if (bad == 0 && at % 512 == 300 &&
			    at - first > 200)
				bad = sqlite3_column_int64(st, 0);
		}
		at++;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_int_equal(at, (long)n);
	assert_true(bad != 0);

	/* Stopped mid-batch (the 40th record ends inside the first batch),
	 * after the long record, at the last one and at the first. */
	for (i = 0; i < NBATCHED + 1 && strcmp(ids[i], longest) != 0; i++)
		;
	stops[0] = 40;
	stops[1] = (long)i + 2;
	stops[2] = NBATCHED + 1;
	stops[3] = 1;
	for (j = 0; j < 4; j++) {
		struct stopping s = { 0, stops[j], xstrdup("") };

		assert_int_equal(ledger_fold_all(fx->lg, 0, stop_at, &s, err), 0);
		assert_int_equal(s.calls, stops[j]);
		want = xstrdup("");
		for (i = 0; i < (size_t)stops[j]; i++) {
			t = xasprintf("%s%s%s", want, i > 0 ? " " : "", ids[i]);
			free(want);
			want = t;
		}
		assert_string_equal(s.seen, want);
		free(want);
		free(s.seen);
	}

	sql = xasprintf("UPDATE events SET raw = replace(raw, '第', '弟')"
	    " WHERE id = %" PRId64, bad);
	tamper(fx, sql);
	free(sql);
	want = expected_folds(ids, NBATCHED + 1, longest, "NULL");
	out = fold_all(fx, 0);
	assert_string_equal(out, want);
	free(out);
	free(want);
	want = expected_folds(ids, NBATCHED + 1, longest, "differs");
	out = fold_all(fx, LEDGER_FOLD_STORED);
	assert_string_equal(out, want);
	free(out);
	free(want);
	for (i = 0; i < NBATCHED + 1; i++)
		free(ids[i]);
	free(longest);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_create_and_open),
		T(test_receive_event),
		T(test_record_each_kind),
		T(test_record_refusals),
		T(test_get_and_events_of),
		T(test_query_filters),
		T(test_query_search),
		T(test_query_each),
		T(test_query_each_odd_text),
		T(test_query_each_nested),
		T(test_foreach),
		T(test_fold_all),
		T(test_verify_good),
		T(test_verify_tampered_event),
		T(test_verify_tampered_projection),
		T(test_verify_tampered_columns),
		T(test_verify_tampered_search),
		T(test_verify_missing_event),
		T(test_verify_reordered_chain),
		T(test_reopen_continues_chain_and_clock),
		T(test_receive_batch),
		T(test_receive_batch_search_text),
		T(test_receive_batch_many),
		T(test_fold_all_stored_texts),
		T(test_fold_all_batches),
	};
#undef T

	return cmocka_run_group_tests(tests, harness_sodium, NULL);
}
