/*
 * projection.c - the county's projections kept in the store (see
 * projection.h): the fold and the times made once for both backends.
 *
 * Invariants:
 *  1. every committed transaction that stored an event of a record
 *     (store_ops.event_insert) also marked the record stale
 *     (projections_stale); a record not marked has as its stored
 *     projection the fold of every non-private event the store holds of
 *     it, less what only the units handling it may read (the identity,
 *     confidential attachments: fold_drop_confidential):
 *     projection_refold writes it and takes the
 *     mark off in one transaction, and a late or out-of-order event
 *     refolds its record from all of its events, as a station does;
 *  2. a record's stored times are every time that can make it count in
 *     a period (stats_times), so reading by time never misses a record
 *     stats_add would count;
 *  3. the stored rows are read only after projection_ensure: rebuilt
 *     when meta PROJECTION_META is not this release's, else with every
 *     marked record refolded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjson.h"
#include "event.h"
#include "fold.h"
#include "log.h"
#include "projection.h"
#include "stats.h"
#include "store.h"
#include "util.h"

/* Records between two lines of a rebuild's progress. */
#define REBUILD_STEP 50000

const char *
projection_stored_version(void)
{
	static char v[32];

	snprintf(v, sizeof v, "fold %d/%d", FOLD_VERSION, PROJECTION_FORMAT);
	return v;
}

struct gather {
	struct event *evs;
	size_t n, cap;
	int bad;
};

static int
gather_event(int64_t cursor, int64_t received_at, const char *raw,
    size_t len, void *arg)
{
	struct gather *g = arg;

	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 8;
		g->evs = xrealloc(g->evs, g->cap * sizeof *g->evs);
	}
	if (event_parse(raw, len, &g->evs[g->n], NULL) != 0) {
		g->bad = 1;
		return 1;
	}
	g->n++;
	return 0;
}

struct times {
	int64_t *at;
	size_t n, cap;
};

static void
add_time(int64_t at, void *arg)
{
	struct times *t = arg;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->at[i] == at)
			return;
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 8;
		t->at = xrealloc(t->at, t->cap * sizeof *t->at);
	}
	t->at[t->n++] = at;
}

int
projection_refold(struct store *s, const char *entity, char *err)
{
	struct gather g;
	struct times t;
	json_t *doc;
	char *text;
	size_t i;
	int rc;

	memset(&g, 0, sizeof g);
	memset(&t, 0, sizeof t);
	rc = s->ops->entity_events(s, entity, NULL, gather_event, &g, err);
	if (rc == 0 && g.bad)
		rc = ld_fail(err, LD_EINTEGRITY, _("a stored event does not verify"));
	if (rc == 0 && g.n == 0)
		rc = s->ops->projection_put(s, entity, NULL, 0, NULL, 0, err);
	else if (rc == 0) {
		doc = fold_events(g.evs, g.n);
		fold_drop_confidential(doc);
		stats_times(doc, add_time, &t);
		text = cjson_encode(doc, NULL);
		json_decref(doc);
		rc = s->ops->projection_put(s, entity, text, (int64_t)g.n, t.at,
		    t.n, err);
		free(text);
	}
	for (i = 0; i < g.n; i++)
		event_release(&g.evs[i]);
	free(g.evs);
	free(t.at);
	return rc;
}

struct rebuild {
	struct store *s;
	int64_t n;
	int rc;
	char *err;
};

static int
rebuild_one(const char *entity, void *arg)
{
	struct rebuild *r = arg;

	if ((r->rc = projection_refold(r->s, entity, r->err)) != 0)
		return 1;
	if (++r->n % REBUILD_STEP == 0)
		log_line("notice", "event=projections-rebuild records=%lld",
		    (long long)r->n);
	return 0;
}

/* Refolds the records event_insert marked, STALE_BATCH a transaction,
 * until none is left; *n counts them. */
#define STALE_BATCH 500

static int
refresh(struct store *s, int64_t *n, char *err)
{
	struct rebuild r;
	int rc;

	memset(&r, 0, sizeof r);
	r.s = s;
	r.err = err;
	for (;;) {
		int64_t before = r.n;

		if ((rc = s->ops->begin(s, err)) != 0)
			return rc;
		rc = s->ops->projections_stale(s, STALE_BATCH, rebuild_one, &r,
		    err);
		if (rc == 0)
			rc = r.rc;
		if (rc != 0 || (rc = s->ops->commit(s, err)) != 0) {
			s->ops->rollback(s);
			return rc;
		}
		*n = r.n;
		if (r.n - before < STALE_BATCH)
			return 0;
	}
}

int
projection_rebuild(struct store *s, int force, int64_t *rebuilt, char *err)
{
	struct rebuild r;
	char *have = NULL;
	int rc;

	if (rebuilt != NULL)
		*rebuilt = 0;
	if (!force) {
		if ((rc = s->ops->meta_get(s, PROJECTION_META, &have, err)) != 0 &&
		    rc != LD_ENOTFOUND)
			return rc;
		rc = have != NULL && strcmp(have, projection_stored_version()) == 0;
		free(have);
		if (rc)
			return 0;
	}
	if ((rc = s->ops->begin(s, err)) != 0)
		return rc;
	/* Looked at again inside the transaction: another process may have
	 * rebuilt them while this one waited for the lock. */
	have = NULL;
	if (!force && (rc = s->ops->meta_get(s, PROJECTION_META, &have,
	    err)) != 0 && rc != LD_ENOTFOUND)
		goto fail;
	if (have != NULL && strcmp(have, projection_stored_version()) == 0) {
		free(have);
		s->ops->rollback(s);
		return 0;
	}
	free(have);
	log_line("notice", "event=projections-rebuild version=\"%s\"",
	    projection_stored_version());
	memset(&r, 0, sizeof r);
	r.s = s;
	r.err = err;
	if ((rc = s->ops->projections_clear(s, err)) != 0)
		goto fail;
	rc = s->ops->entities(s, NULL, rebuild_one, &r, err);
	if (rc == 0)
		rc = r.rc;
	if (rc != 0 || (rc = s->ops->meta_set(s, PROJECTION_META,
	    projection_stored_version(), err)) != 0 ||
	    (rc = s->ops->commit(s, err)) != 0)
		goto fail;
	log_line("notice", "event=projections-rebuilt records=%lld",
	    (long long)r.n);
	if (rebuilt != NULL)
		*rebuilt = r.n;
	return 0;
fail:
	s->ops->rollback(s);
	return rc;
}

int
projection_ensure(struct store *s, int force, int64_t *rebuilt, char *err)
{
	int64_t n = 0;
	int rc;

	if ((rc = projection_rebuild(s, force, &n, err)) != 0)
		return rc;
	/* Nothing marked after a rebuild: it was under the write lock. */
	if (n == 0 && !force)
		rc = refresh(s, &n, err);
	if (rebuilt != NULL)
		*rebuilt = n;
	return rc;
}

struct each {
	struct store *s;
	const char *unit;
	void (*fn)(const json_t *doc, void *arg);
	void *arg;
	struct gather g;
	int rc;
	char *err;
};

/* A record the unit does not see as the county does: folded from what
 * it sees, as figures_fold does. */
static int
each_fold(struct each *e, const char *entity)
{
	json_t *doc;
	size_t i;

	e->g.n = 0;
	e->rc = e->s->ops->entity_events(e->s, entity, e->unit, gather_event,
	    &e->g, e->err);
	if (e->rc == 0 && e->g.bad)
		e->rc = ld_fail(e->err, LD_EINTEGRITY,
		    _("a stored event does not verify"));
	if (e->rc == 0 && e->g.n > 0) {
		doc = fold_events(e->g.evs, e->g.n);
		/* The figures read no identity: none is handed on. */
		fold_drop_confidential(doc);
		e->fn(doc, e->arg);
		json_decref(doc);
	}
	for (i = 0; i < e->g.n; i++)
		event_release(&e->g.evs[i]);
	return e->rc != 0;
}

static int
each_doc(const char *entity, const char *text, size_t len, void *arg)
{
	struct each *e = arg;
	json_t *doc;

	if (text == NULL)
		return each_fold(e, entity);
	if ((doc = json_loadb(text, len, JSON_ALLOW_NUL, NULL)) == NULL) {
		e->rc = ld_fail(e->err, LD_EINTEGRITY,
		    _("a stored projection does not parse"));
		return 1;
	}
	e->fn(doc, e->arg);
	json_decref(doc);
	return 0;
}

int
projection_each(struct store *s, const char *unit, int64_t from, int64_t to,
    void (*fn)(const json_t *doc, void *arg), void *arg, char *err)
{
	struct each e;
	int rc;

	memset(&e, 0, sizeof e);
	e.s = s;
	e.unit = unit;
	e.fn = fn;
	e.arg = arg;
	e.err = err;
	rc = s->ops->projections_read(s, unit, from, to, each_doc, &e, err);
	free(e.g.evs);
	return rc != 0 ? rc : e.rc;
}
