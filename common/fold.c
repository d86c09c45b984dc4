/*
 * fold.c - projections: the state of each record as a fold of its events.
 *
 * Every projection has: v, type, entity, status, events (count), last
 * ({hlc, station, seq} of the last event applied) and conflicts (list of
 * {kind, station, seq, reason}). The rest depends on the type: its fold
 * step, in its file (common/type-<name>.c), found through the registry
 * (registry.h). A step is a pure function of (doc, event): no clock, no
 * I/O, no randomness.
 *
 * What happens around every step is here: a record is created only
 * under its own station's id; a step that does not apply is recorded as
 * a conflict; a step that applies marks done the deadlines its type
 * says it discharges, and adds, when its type's audience grows, the units
 * it was addressed to (a call escalated to the county, a
 * resolution's owner, the unit a complaint was referred to, the units
 * information was shared with), so that a station's next step reaches
 * them too. A type that says nothing of its audience keeps the one it
 * was created with.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fold.h"
#include "kinds.h"
#include "ltime.h"
#include "util.h"

json_t *
fold_new(const char *entity)
{
	const struct entity_type *t = entity_type_of(entity);
	json_t *doc;

	if (t == NULL)
		return NULL;
	doc = json_object();
	json_object_set_new(doc, "v", json_integer(PROJECTION_VERSION));
	json_object_set_new(doc, "type", json_string(t->name));
	json_object_set_new(doc, "entity", json_string(entity));
	json_object_set_new(doc, "status", json_null());
	json_object_set_new(doc, "events", json_integer(0));
	json_object_set_new(doc, "conflicts", json_array());
	return doc;
}

static void
conflict(json_t *doc, const struct event *ev, const char *reason)
{
	json_t *c = json_object();

	json_object_set_new(c, "kind", json_string(ev->kind));
	json_object_set_new(c, "station", json_string(ev->station));
	json_object_set_new(c, "seq", json_integer(ev->seq));
	json_object_set_new(c, "author", json_string(ev->author));
	json_object_set_new(c, "reason", json_string(reason));
	json_array_append_new(json_object_get(doc, "conflicts"), c);
}

const char *
fold_status(const json_t *doc)
{
	const char *s = json_string_value(json_object_get(doc, "status"));

	return s != NULL ? s : "";
}

/*
 * A value of an event for its projection (new reference): its objects
 * and arrays copied, as a later step may change them in place (a
 * deadline marked done, an audience grown), its strings, numbers and
 * literals shared, as nothing changes one in place (the steps share
 * them already, json_object_set of a body member). What json_deep_copy
 * gives, members in the same order, with fewer allocations: the copies
 * of a record's body fields took a fifth of fold_apply.
 */
static json_t *
fold_copy(json_t *v)
{
	const char *key;
	json_t *c, *item;
	size_t i, klen;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		c = json_object();
		json_object_keylen_foreach(v, key, klen, item)
			json_object_setn_new_nocheck(c, key, klen, fold_copy(item));
		return c;
	case JSON_ARRAY:
		c = json_array();
		json_array_foreach(v, i, item)
			json_array_append_new(c, fold_copy(item));
		return c;
	default:
		return json_incref(v);
	}
}

/* Copies every body field into doc, except those named in skip. */
void
fold_copy_body(json_t *doc, const json_t *body, const char *skip)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)body, key, v) {
		if (skip != NULL && strcmp(key, skip) == 0)
			continue;
		json_object_set_new(doc, key, fold_copy(v));
	}
}

void
fold_created(json_t *doc, const struct event *ev, const char *status)
{
	json_object_set_new(doc, "status", json_string(status));
	json_object_set_new(doc, "unit", json_string(ev->unit));
	json_object_set_new(doc, "station", json_string(ev->station));
	json_object_set_new(doc, "created_at", json_integer(ev->at));
	json_object_set_new(doc, "created_by", json_string(ev->author));
	json_object_set_new(doc, "audience", fold_copy(ev->audience));
	fold_copy_body(doc, ev->body, NULL);
}

void
fold_stamp(json_t *doc, const struct event *ev)
{
	json_object_set_new(doc, "updated_at", json_integer(ev->at));
	json_object_set_new(doc, "updated_by", json_string(ev->author));
}

/* 1 if the wall time at (ms) is past the deadline object's due. */
int
fold_past_due(const json_t *deadline, int64_t at)
{
	const char *due = json_string_value(json_object_get(deadline, "due"));
	int64_t ms;

	return due != NULL && ltime_parse(due, &ms) == 0 && at > ms;
}

/* Marks the obligation under key done at time at by unit, late or not. */
void
fold_done(json_t *doc, const char *key, int64_t at, const char *unit)
{
	json_t *d = json_object_get(doc, key);

	if (!json_is_object(d) || json_object_get(d, "done_at") != NULL)
		return;
	json_object_set_new(d, "done_at", json_integer(at));
	json_object_set_new(d, "late", json_boolean(fold_past_due(d, at)));
	json_object_set_new(d, "done_by", json_string(unit));
}

/* A note of who did what when, for the lists kept on a record. */
json_t *
fold_act(const struct event *ev)
{
	json_t *o = json_object();

	json_object_set_new(o, "at", json_integer(ev->at));
	json_object_set_new(o, "by", json_string(ev->author));
	json_object_set_new(o, "unit", json_string(ev->unit));
	return o;
}

/* Appends item (stolen) to the array doc[key], creating it. */
void
fold_append(json_t *doc, const char *key, json_t *item)
{
	json_t *a = json_object_get(doc, key);

	if (a == NULL) {
		a = json_array();
		json_object_set_new(doc, key, a);
	}
	json_array_append_new(a, item);
}

/* An extension of the deadline doc[key] to the event's body[key], with
 * its reason kept in "extensions": only before the deadline passed. */
const char *
fold_extend(json_t *doc, const struct event *ev, const char *key)
{
	json_t *x;

	if (fold_past_due(json_object_get(doc, key), ev->at))
		return "extension_after_deadline";
	json_object_set_new(doc, key, json_deep_copy(json_object_get(ev->body,
	    key)));
	x = fold_act(ev);
	json_object_set(x, "reason", json_object_get(ev->body, "reason"));
	fold_append(doc, "extensions", x);
	fold_stamp(doc, ev);
	return NULL;
}

/* 1 if v is the unit name unit. */
int
fold_is_unit(const json_t *v, const char *unit)
{
	return json_is_string(v) && strcmp(json_string_value(v), unit) == 0;
}

/* Reopens the obligation under key: not done after all. */
void
fold_reopen(json_t *doc, const char *key)
{
	json_t *d = json_object_get(doc, key);

	if (!json_is_object(d))
		return;
	json_object_del(d, "done_at");
	json_object_del(d, "late");
	json_object_del(d, "done_by");
}

/* How a receipt's time is known (fold_received). */
const struct enum_value receipt_bases[] = {
	{ "server", "服务器送达" },
	{ "paper", "纸质收文" },
	{ NULL, NULL },
};

/* The time at doc[key] (a canonical time string) in *ms; 0 or -1. */
static int
time_at(const json_t *doc, const char *key, int64_t *ms)
{
	const char *t = json_string_value(json_object_get(doc, key));

	return t != NULL && ltime_parse(t, ms) == 0 ? 0 : -1;
}

int64_t
fold_sent_at(const json_t *doc)
{
	int64_t sent;

	if (time_at(doc, "sent_at", &sent) != 0)
		sent = json_integer_value(json_object_get(doc, "created_at"));
	return sent;
}

const char *
fold_receipt_refused(const json_t *doc, int64_t at, int64_t now, int flags)
{
	int64_t sent;

	if (flags & RECEIPT_ENTERED)
		sent = fold_sent_at(doc);
	else if (time_at(doc, "sent_at", &sent) != 0)
		sent = INT64_MIN;
	if (at < sent)
		return "received_before_sent";
	if (now > 0 && at > now)
		return "received_in_future";
	return NULL;
}

const char *
fold_received(json_t *doc, const struct event *ev, const char *to_key)
{
	const struct kind_info *k = kind_find(ev->kind);
	json_t *held = json_object_get(doc, "received"), *r, *d;
	const struct field *f;
	const char *why;
	int64_t at, before;

	if (*fold_status(doc) == '\0')
		return "before_creation";
	if (!fold_is_unit(json_object_get(doc, to_key), ev->unit))
		return "receipt_not_addressed";
	if (k == NULL || time_at(ev->body, "received_at", &at) != 0)
		return "unknown_kind";
	if ((why = fold_receipt_refused(doc, at, 0, 0)) != NULL)
		return why;
	if (held != NULL && time_at(held, "at", &before) == 0 && before <= at)
		return NULL; /* an earlier receipt stands */
	r = json_object();
	json_object_set(r, "at", json_object_get(ev->body, "received_at"));
	json_object_set(r, "basis", json_object_get(ev->body, "basis"));
	json_object_set_new(r, "by", json_string(ev->author));
	json_object_set_new(r, "unit", json_string(ev->unit));
	json_object_set_new(r, "recorded_at", json_integer(ev->at));
	json_object_set_new(doc, "received", r);
	for (f = k->fields; f->name != NULL; f++) {
		if (f->type != F_DEADLINE ||
		    json_object_get(ev->body, f->name) == NULL)
			continue;
		d = json_object_get(doc, f->name);
		if (json_object_get(d, "done_at") != NULL ||
		    json_array_size(json_object_get(doc, "extensions")) > 0)
			continue;
		json_object_set_new(doc, f->name, json_deep_copy(
		    json_object_get(ev->body, f->name)));
	}
	fold_stamp(doc, ev);
	return NULL;
}

/* Adds the units an applied event was addressed to that the record's
 * audience lacks (a call escalated to the county, a resolution's owner),
 * so that the next step reaches them too. */
static void
audience_merge(json_t *doc, const struct event *ev)
{
	json_t *aud = json_object_get(doc, "audience"), *u, *v;
	size_t i, j;

	if (!json_is_array(aud))
		return;
	json_array_foreach(ev->audience, i, u) {
		int held = 0;
		json_array_foreach(aud, j, v)
			held |= json_equal(u, v);
		if (!held)
			json_array_append(aud, u);
	}
}

int64_t
fold_acted_at(const json_t *doc, const struct event *ev)
{
	const struct kind_info *k = kind_find(ev->kind);
	const char *const *p;
	int64_t at = ev->at, t, floor;

	for (p = k != NULL ? k->etype->acted_at : NULL; p != NULL && *p != NULL;
	    p += 3) {
		if (strcmp(p[0], ev->kind) != 0 ||
		    time_at(ev->body, p[1], &t) != 0 || t >= ev->at)
			continue;
		at = t;
		/* Never before what it answers: the matter's discovery, the
		 * record's receipt (else its sending). */
		if (strcmp(p[2], "received") == 0) {
			if (time_at(json_object_get(doc, "received"), "at",
			    &floor) != 0)
				floor = fold_sent_at(doc);
		} else if (time_at(doc, p[2], &floor) != 0)
			floor = at;
		if (at < floor)
			at = floor;
	}
	return at;
}

/* Marks done the deadlines of t that the kind of ev, just applied,
 * discharges, when the act was done (fold_acted_at). */
static void
deadlines_done(const struct entity_type *t, json_t *doc,
    const struct event *ev)
{
	const struct deadline_decl *d;
	size_t i;

	for (d = t->deadlines; d != NULL && d->key != NULL; d++)
		for (i = 0; d->done_by != NULL && d->done_by[i] != NULL; i++)
			if (strcmp(d->done_by[i], ev->kind) == 0)
				fold_done(doc, d->key, fold_acted_at(doc, ev),
				    ev->unit);
}

/* An attachment ("<type>.attached", kinds.h), the same step for every
 * type: the record must exist; the file joins its "attachments" list,
 * in fold order, as {hash, name, size, type, caption, confidential,
 * original, original_size (a photo reduced on its station), at, by,
 * unit, station, seq}. Any state will do: evidence may come after a
 * close. Who may attach is the server's to decide (the kind's authority);
 * a station that folds one the server quarantined lists it among its
 * conflicts, as for any kind. A confidential one is kept here whole, as
 * the complainant's identity is: the commands hide it
 * (kind_body_confidential). */
static const char *
fold_attached(json_t *doc, const struct event *ev)
{
	static const char *const keys[] = { "hash", "name", "size", "type",
		"caption", "confidential", "original", "original_size", NULL };
	json_t *a;
	size_t i;

	if (*fold_status(doc) == '\0')
		return "before_creation";
	a = fold_act(ev);
	for (i = 0; keys[i] != NULL; i++)
		if (json_object_get(ev->body, keys[i]) != NULL)
			json_object_set(a, keys[i], json_object_get(ev->body,
			    keys[i]));
	json_object_set_new(a, "station", json_string(ev->station));
	json_object_set_new(a, "seq", json_integer(ev->seq));
	fold_append(doc, "attachments", a);
	return NULL;
}

/* 1 if a creating event's entity is the id its own station and seq
 * make: nobody creates a record under another station's id. */
static int
own_id(const struct kind_info *k, const struct event *ev)
{
	char *id = entity_id_new(k->etype, ev->station, ev->seq);
	int ok = strcmp(id, ev->entity) == 0;

	free(id);
	return ok;
}

int
fold_apply(json_t *doc, const struct event *ev)
{
	const struct entity_type *t = entity_type_find(json_string_value(
	    json_object_get(doc, "type")));
	const struct kind_info *k = kind_find(ev->kind);
	const char *reason;
	json_t *last;

	if (k != NULL && k->creates && !own_id(k, ev))
		reason = "not_own_id";
	else if (t == NULL || t->apply == NULL)
		reason = "unknown_kind";
	else if (kind_is_attached(k))
		reason = fold_attached(doc, ev);
	else
		reason = t->apply(doc, ev);
	if (reason != NULL)
		conflict(doc, ev, reason);
	else {
		deadlines_done(t, doc, ev);
		if (t->audience == AUDIENCE_GROWS)
			audience_merge(doc, ev);
	}
	json_object_set_new(doc, "events", json_integer(
	    json_integer_value(json_object_get(doc, "events")) + 1));
	last = json_object();
	json_object_set_new(last, "hlc", json_integer(ev->hlc));
	json_object_set_new(last, "station", json_string(ev->station));
	json_object_set_new(last, "seq", json_integer(ev->seq));
	json_object_set_new(doc, "last", last);
	return reason != NULL;
}

int
fold_is_next(const json_t *doc, const struct event *ev)
{
	json_t *last = json_object_get(doc, "last");
	struct event l;

	if (last == NULL)
		return 1;
	memset(&l, 0, sizeof l);
	l.hlc = json_integer_value(json_object_get(last, "hlc"));
	ld_strlcpy(l.station, json_string_value(json_object_get(last, "station")),
	    sizeof l.station);
	l.seq = json_integer_value(json_object_get(last, "seq"));
	return event_cmp(&l, ev) < 0;
}

static int
cmp_ptr(const void *a, const void *b)
{
	return event_cmp(*(const struct event *const *)a,
	    *(const struct event *const *)b);
}

json_t *
fold_events(const struct event *evs, size_t n)
{
	const struct event **order;
	json_t *doc;
	size_t i;

	if (n == 0)
		return NULL;
	order = xcalloc(n, sizeof *order);
	for (i = 0; i < n; i++)
		order[i] = &evs[i];
	qsort(order, n, sizeof *order, cmp_ptr);
	doc = fold_new(evs[0].entity);
	for (i = 0; doc != NULL && i < n; i++)
		fold_apply(doc, order[i]);
	free(order);
	return doc;
}

/* Prints the text at path of doc, one line each: "key" (a text), "key[]"
 * (a list of texts), "key.sub" and "key[].sub" (the text sub of an
 * object, or of each in a list). Anything else there is left out. */
static void
search_path(FILE *f, const json_t *doc, const char *path)
{
	const char *dot = strchr(path, '.'), *br = strchr(path, '[');
	size_t n = br != NULL ? (size_t)(br - path) : dot != NULL ?
	    (size_t)(dot - path) : strlen(path);
	char key[64];
	json_t *v, *item;
	size_t i;

	if (n >= sizeof key)
		return;
	memcpy(key, path, n);
	key[n] = '\0';
	v = json_object_get(doc, key);
	if (br != NULL) {
		json_array_foreach(v, i, item) {
			if (dot != NULL)
				item = json_object_get(item, dot + 1);
			if (json_is_string(item))
				fprintf(f, "%s\n", json_string_value(item));
		}
		return;
	}
	if (dot != NULL)
		v = json_object_get(v, dot + 1);
	if (json_is_string(v))
		fprintf(f, "%s\n", json_string_value(v));
}

char *
fold_search_text(const json_t *doc)
{
	const struct entity_type *t = entity_type_find(json_string_value(
	    json_object_get(doc, "type")));
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	for (i = 0; t != NULL && t->search != NULL && t->search[i] != NULL; i++)
		search_path(f, doc, t->search[i]);
	fclose(f);
	return buf;
}

const char *
fold_reason_text(const char *code)
{
	/* The reasons of more than one type; each type has its own. */
	static const struct fold_reason reasons[] = {
		{ "already_created", N_("the record was already created") },
		{ "before_creation", N_("arrived before the record was created") },
		{ "unknown_kind", N_("event kind does not apply here") },
		{ "extension_after_deadline", N_("extension announced after the deadline") },
		{ "already_answered", N_("it was already answered") },
		{ "not_own_id", N_("a record can only be created under its own station's id") },
		{ "not_creator", N_("only the unit that created the record may do this") },
		{ "receipt_not_addressed", N_("only the unit it was addressed to may record its receipt") },
		{ "received_before_sent", N_("received before it was sent") },
	};
	const struct entity_type *t;
	const struct fold_reason *r;
	size_t i;

	for (i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
		if (strcmp(reasons[i].code, code) == 0)
			return _(reasons[i].text);
	for (i = 0; (t = entity_type_at(i)) != NULL; i++)
		for (r = t->reasons; r != NULL && r->code != NULL; r++)
			if (strcmp(r->code, code) == 0)
				return _(r->text);
	return code;
}

void
fold_drop_confidential(json_t *doc)
{
	json_t *list = json_object_get(doc, "attachments");
	size_t i = 0;

	json_object_del(doc, "identity");
	while (i < json_array_size(list))
		if (json_is_true(json_object_get(json_array_get(list, i),
		    "confidential")))
			json_array_remove(list, i);
		else
			i++;
}
