/*
 * figures.c - the county's records folded and counted (see figures.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cjson.h"
#include "event.h"
#include "figures.h"
#include "fold.h"
#include "ltime.h"
#include "mask.h"
#include "projection.h"
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

/*
 * The projections that can count in [from, to) (every one: INT64_MIN,
 * INT64_MAX) of what unit (NULL: the county) sees, handed to fn in
 * entity order: the stored ones (projection.h), rebuilt first when they
 * are not this release's, which differ from figures_fold's by
 * "identity" alone, which no figure reads; a record a unit does not see
 * as the county does (it lacks an event, or holds one kept to it) is
 * folded from what it sees, as figures_fold does.
 */
static int
figures_read(struct store *s, const char *unit, int64_t from, int64_t to,
    void (*fn)(const json_t *doc, void *arg), void *arg, char *err)
{
	int rc;

	if ((rc = projection_ensure(s, 0, NULL, err)) != 0)
		return rc;
	return projection_each(s, unit, from, to, fn, arg, err);
}

void
figures_heading(json_t *result, const char *county, const char *period,
    int64_t from, int64_t to, const char *unit)
{
	char t[LTIME_LEN];

	json_object_set_new(result, "period", json_string(period));
	json_object_set_new(result, "county", json_string(county != NULL ?
	    county : ""));
	ltime_format(from, t);
	json_object_set_new(result, "from", json_string(t));
	ltime_format(to, t);
	json_object_set_new(result, "to", json_string(t));
	json_object_set_new(result, "unit", unit != NULL ? json_string(unit) :
	    json_null());
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
	int rc;

	*out = NULL;
	if (stats_period(period, &from, &to) != 0)
		return ld_fail(err, LD_EINVAL, _("invalid period '%s': give "
		    "2026-11, 2026-Q4, 2026 or 2026-11-03..2026-11-16"), period);
	st = stats_new(from, to, unit, now);
	stats_set_trail(st, trail);
	stats_set_category(st, category);
	if ((rc = figures_read(s, unit, from, to, add_doc, st, err)) != 0) {
		stats_free(st);
		return rc;
	}
	result = stats_result(st);
	stats_free(st);
	figures_heading(result, county, period, from, to, unit);
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
	char *key, *version;
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
		key = xasprintf("station_version:%s", recs[i].name);
		version = NULL;
		/* None yet: a station not synced since it could tell. */
		if ((rc = s->ops->meta_get(s, key, &version, err)) ==
		    LD_ENOTFOUND)
			rc = 0;
		free(key);
		if (rc != 0)
			break;
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:o,"
		    " s:I, s:I, s:o, s:o}", "station", recs[i].name, "unit",
		    recs[i].unit, "role", recs[i].role, "status",
		    figures_station_status(&recs[i], ltime_now()), "last_sync",
		    recs[i].last_sync != 0 ? json_integer(recs[i].last_sync) :
		    json_null(), "events", (json_int_t)recs[i].head_seq,
		    "backlog", (json_int_t)backlog, "clock_offset_ms", l.found ?
		    json_integer(l.offset) : json_null(), "version", version !=
		    NULL ? json_string(version) : json_null()));
		free(version);
	}
	station_recs_free(recs, n);
	if (rc != 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

/*
 * The publication: the penalty decisions of the period, for publication (Gonghe
 * 三(六)6 "公开……去除个人隐私信息"; Baijiantan 三(三)1): a penalty decision
 * a unit recorded to share (share record --type penalty), by when it was
 * made, and the decision served on a referral (referral result), by when
 * it was served; each with its case's parties and every name, phone and
 * identity number masked (common/mask.h). A complainant's identity is
 * never read.
 */
struct publication {
	int64_t from, to;
	const char *unit;
	json_t *parties;   /* case -> its parties */
	json_t *decisions; /* rows, their case's parties still to mask */
};

static void
add_decision(struct publication *p, const json_t *doc, const char *unit,
    const char *at, const char *title, const char *text)
{
	int64_t ms;

	if (at == NULL || ltime_parse(at, &ms) != 0 || ms < p->from ||
	    ms >= p->to || unit == NULL || text == NULL ||
	    (p->unit != NULL && strcmp(p->unit, unit) != 0))
		return;
	json_array_append_new(p->decisions, json_pack("{s:s, s:s, s:s*, s:s*,"
	    " s:s, s:s*}", "record", cjson_str(doc, "entity"), "unit", unit,
	    "title", title, "category", cjson_str(doc, "category"),
	    "decided", at, "case", cjson_str(doc, "case")));
	json_object_set_new(json_array_get(p->decisions,
	    json_array_size(p->decisions) - 1), "text", json_string(text));
}

static void
publish_doc(const json_t *doc, void *arg)
{
	struct publication *p = arg;
	const char *type = cjson_str(doc, "type");

	if (type == NULL)
		return;
	if (strcmp(type, "case") == 0 && json_is_array(json_object_get(doc,
	    "parties")))
		json_object_set(p->parties, cjson_str(doc, "entity"),
		    json_object_get(doc, "parties"));
	else if (strcmp(type, "share") == 0 &&
	    ld_streq(cjson_str(doc, "form"), "penalty"))
		add_decision(p, doc, cjson_str(doc, "unit"),
		    cjson_str(doc, "formed_at"), cjson_str(doc, "title"),
		    cjson_str(doc, "summary") ? cjson_str(doc, "summary") :
		    cjson_str(doc, "title"));
	else if (strcmp(type, "referral") == 0 &&
	    ld_streq(cjson_str(doc, "status"), "closed"))
		add_decision(p, doc, cjson_str(doc, "handler"),
		    cjson_str(doc, "decided_at"), NULL,
		    cjson_str(doc, "decision"));
}

int
figures_publication(struct store *s, const char *period, const char *unit,
    json_t **out, char *err)
{
	struct publication p;
	json_t *result, *d, *names, *held;
	int64_t from, to;
	size_t i, j;
	char *m, *list;
	int rc;

	*out = NULL;
	if (stats_period(period, &from, &to) != 0)
		return ld_fail(err, LD_EINVAL, _("invalid period '%s': give "
		    "2026-11, 2026-Q4, 2026 or 2026-11-03..2026-11-16"), period);
	memset(&p, 0, sizeof p);
	p.from = from;
	p.to = to;
	p.unit = unit;
	p.parties = json_object();
	p.decisions = json_array();
	if ((rc = figures_read(s, p.unit, INT64_MIN, INT64_MAX, publish_doc,
	    &p, err)) != 0)
		goto out;
	/* Without its case's parties nobody knows which names to mask:
	 * held back, for a person to mask by hand. */
	held = json_array();
	for (i = json_array_size(p.decisions); i > 0; i--) {
		d = json_array_get(p.decisions, i - 1);
		names = json_object_get(p.parties, cjson_str(d, "case") ?
		    cjson_str(d, "case") : "");
		if (json_array_size(names) == 0) {
			json_array_insert_new(held, 0, json_pack("{s:s, s:s,"
			    " s:s}", "record", cjson_str(d, "record"), "unit",
			    cjson_str(d, "unit"), "decided", cjson_str(d,
			    "decided")));
			json_array_remove(p.decisions, i - 1);
		}
	}
	json_array_foreach(p.decisions, i, d) {
		names = json_object_get(p.parties, cjson_str(d, "case") ?
		    cjson_str(d, "case") : "");
		m = mask_text(cjson_str(d, "text"), names);
		json_object_set_new(d, "text", json_string(m));
		free(m);
		if (cjson_str(d, "title") != NULL) {
			m = mask_text(cjson_str(d, "title"), names);
			json_object_set_new(d, "title", json_string(m));
			free(m);
		}
		list = xstrdup("");
		for (j = 0; j < json_array_size(names); j++) {
			char *one = mask_name(json_string_value(
			    json_array_get(names, j)));
			char *more = xasprintf("%s%s%s", list, j ? "、" : "", one);
			free(one);
			free(list);
			list = more;
		}
		json_object_set_new(d, "parties", json_string(list));
		free(list);
		json_object_del(d, "case");
	}
	result = json_pack("{s:O, s:o}", "decisions", p.decisions, "held_back",
	    held);
	*out = result;
out:
	json_decref(p.parties);
	json_decref(p.decisions);
	return rc;
}

