/*
 * figures.c - the county's records folded and counted (see figures.h).
 */
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "figures.h"
#include "fold.h"
#include "ltime.h"
#include "stats.h"
#include "store.h"
#include "util.h"

/* One pass over the entities: each one's events, folded, handed on. */
struct fold_pass {
	struct store *store;
	const char *unit;
	struct event *evs;
	size_t n;
	int bad;
	int rc;    /* a store error (an identity that does not open...) */
	char *err; /* its message: the caller's error buffer */
	void (*fn)(const json_t *doc, void *arg);
	void *arg;
};

static int
pass_event(int64_t cursor, int64_t received_at, const char *raw, size_t len,
    void *arg)
{
	struct fold_pass *d = arg;

	d->evs = xrealloc(d->evs, (d->n + 1) * sizeof *d->evs);
	if (event_parse(raw, len, &d->evs[d->n], NULL) != 0) {
		d->bad = 1;
		return 1;
	}
	d->n++;
	return 0;
}

static int
pass_entity(const char *entity, void *arg)
{
	struct fold_pass *d = arg;
	json_t *doc;
	size_t i;

	d->n = 0;
	d->rc = d->store->ops->entity_events(d->store, entity, d->unit,
	    pass_event, d, d->err);
	if (d->n > 0 && d->rc == 0) {
		doc = fold_events(d->evs, d->n);
		d->fn(doc, d->arg);
		json_decref(doc);
	}
	for (i = 0; i < d->n; i++)
		event_release(&d->evs[i]);
	return d->bad || d->rc != 0;
}

int
figures_fold(struct store *s, const char *unit,
    void (*fn)(const json_t *doc, void *arg), void *arg, char *err)
{
	struct fold_pass d;
	int rc;

	memset(&d, 0, sizeof d);
	d.store = s;
	d.unit = unit;
	d.fn = fn;
	d.arg = arg;
	d.err = err;
	rc = s->ops->entities(s, unit, pass_entity, &d, err);
	free(d.evs);
	if (rc == 0)
		rc = d.rc;
	if (rc == 0 && d.bad)
		rc = ld_fail(err, LD_EINTEGRITY, _("a stored event does not verify"));
	return rc;
}

static void
add_doc(const json_t *doc, void *arg)
{
	stats_add(arg, doc);
}

int
figures_report(struct store *s, const char *county, const char *period,
    const char *unit, const char *category, int64_t now,
    const struct stats_trail *trail,
    json_t **out, char *err)
{
	struct stats *st;
	json_t *result;
	int64_t from, to;
	char t[LTIME_LEN];
	int rc;

	*out = NULL;
	if (stats_period(period, &from, &to) != 0)
		return ld_fail(err, LD_EINVAL, _("invalid period '%s': give "
		    "2026-11, 2026-Q4, 2026 or 2026-11-03..2026-11-16"), period);
	st = stats_new(from, to, unit, now);
	stats_set_trail(st, trail);
	stats_set_category(st, category);
	if ((rc = figures_fold(s, unit, add_doc, st, err)) != 0) {
		stats_free(st);
		return rc;
	}
	result = stats_result(st);
	stats_free(st);
	/* What every output says of itself: the county, the period, its
	 * bounds and the unit asked for (null: the county). */
	json_object_set_new(result, "period", json_string(period));
	json_object_set_new(result, "county", json_string(county != NULL ?
	    county : ""));
	ltime_format(from, t);
	json_object_set_new(result, "from", json_string(t));
	ltime_format(to, t);
	json_object_set_new(result, "to", json_string(t));
	json_object_set_new(result, "unit", unit != NULL ? json_string(unit) :
	    json_null());
	json_object_set_new(result, "category", category != NULL ?
	    json_string(category) : json_null());
	*out = result;
	return 0;
}

const char *
figures_station_status(const struct station_rec *r, int64_t now)
{
	if (r->revoked_at != 0)
		return "revoked";
	/* A code not yet used up: the station has not made its first
	 * request with a token since it was added or reissued. */
	if (r->code_hash[0] != '\0')
		return r->code_expires > now ? "pending" : "expired";
	return r->enrolled_at != 0 ? "active" : "expired";
}

/* The last event of a station: its clock less the server's receipt. */
struct last_event {
	int64_t offset;
	int found;
};

static int
last_event(int64_t cursor, int64_t received_at, const char *raw, size_t len,
    void *arg)
{
	struct last_event *l = arg;
	struct event ev;

	if (event_parse(raw, len, &ev, NULL) != 0)
		return 0;
	l->offset = ev.at - received_at;
	l->found = received_at > 0;
	event_release(&ev);
	return 0;
}

int
figures_stations(struct store *s, json_t **out, char *err)
{
	struct station_rec *recs;
	struct last_event l;
	json_t *arr;
	int64_t backlog;
	size_t n, i;
	int rc, more;

	*out = NULL;
	if ((rc = s->ops->station_list(s, &recs, &n, err)) != 0)
		return rc;
	arr = json_array();
	for (i = 0; i < n && rc == 0; i++) {
		backlog = 0;
		memset(&l, 0, sizeof l);
		if ((rc = s->ops->backlog(s, recs[i].unit, recs[i].name,
		    recs[i].cursor, &backlog, err)) != 0)
			break;
		if (recs[i].head_seq > 0 && (rc = s->ops->own_events(s,
		    recs[i].name, recs[i].head_seq - 1, 1, last_event, &l, &more,
		    err)) != 0)
			break;
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:o,"
		    " s:I, s:I, s:o, s:n}", "station", recs[i].name, "unit",
		    recs[i].unit, "role", recs[i].role, "status",
		    figures_station_status(&recs[i], ltime_now()), "last_sync",
		    recs[i].last_sync != 0 ? json_integer(recs[i].last_sync) :
		    json_null(), "events", (json_int_t)recs[i].head_seq,
		    "backlog", (json_int_t)backlog, "clock_offset_ms", l.found ?
		    json_integer(l.offset) : json_null(), "version"));
	}
	station_recs_free(recs, n);
	if (rc != 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}
