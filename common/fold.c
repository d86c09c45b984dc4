/*
 * fold.c - the projection of each entity type.
 *
 * Every projection has: v, type, entity, status, events (count), last
 * ({hlc, station, seq} of the last event applied) and conflicts (list of
 * {kind, station, seq, reason}). The rest depends on the type. To add a
 * type or kind, add a branch to fold_apply and keep it a pure function of
 * (doc, event): no clock, no I/O, no randomness.
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

static const char *
status_of(const json_t *doc)
{
	const char *s = json_string_value(json_object_get(doc, "status"));

	return s != NULL ? s : "";
}

/* Copies every body field into doc, except those named in skip. */
static void
copy_body(json_t *doc, const json_t *body, const char *skip)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)body, key, v) {
		if (skip != NULL && strcmp(key, skip) == 0)
			continue;
		json_object_set_new(doc, key, json_deep_copy(v));
	}
}

static void
created(json_t *doc, const struct event *ev, const char *status)
{
	json_object_set_new(doc, "status", json_string(status));
	json_object_set_new(doc, "unit", json_string(ev->unit));
	json_object_set_new(doc, "station", json_string(ev->station));
	json_object_set_new(doc, "created_at", json_integer(ev->at));
	json_object_set_new(doc, "created_by", json_string(ev->author));
	json_object_set_new(doc, "audience", json_deep_copy(ev->audience));
	copy_body(doc, ev->body, NULL);
}

static void
stamp(json_t *doc, const struct event *ev)
{
	json_object_set_new(doc, "updated_at", json_integer(ev->at));
	json_object_set_new(doc, "updated_by", json_string(ev->author));
}

/* 1 if the wall time at (ms) is past the deadline object's due. */
static int
past_due(const json_t *deadline, int64_t at)
{
	const char *due = json_string_value(json_object_get(deadline, "due"));
	int64_t ms;

	return due != NULL && ltime_parse(due, &ms) == 0 && at > ms;
}

/* Marks the obligation under key done at time at, late or not. */
static void
obligation_done(json_t *doc, const char *key, int64_t at)
{
	json_t *d = json_object_get(doc, key);

	if (!json_is_object(d) || json_object_get(d, "done_at") != NULL)
		return;
	json_object_set_new(d, "done_at", json_integer(at));
	json_object_set_new(d, "late", json_boolean(past_due(d, at)));
}

/* Returns a reason code, or NULL when applied. */
static const char *
apply_case(json_t *doc, const struct event *ev)
{
	const char *st = status_of(doc);

	if (strcmp(ev->kind, "case.opened") == 0) {
		if (*st != '\0')
			return "already_created";
		created(doc, ev, "open");
		stamp(doc, ev);
		return NULL;
	}
	if (*st == '\0')
		return "before_creation";
	if (strcmp(ev->kind, "case.updated") == 0) {
		json_t *note = json_object_get(ev->body, "note");
		if (strcmp(st, "closed") == 0)
			return "edit_after_close";
		copy_body(doc, ev->body, "note");
		if (note != NULL) {
			json_t *n = json_object(), *notes;
			json_object_set_new(n, "at", json_integer(ev->at));
			json_object_set_new(n, "by", json_string(ev->author));
			json_object_set_new(n, "unit", json_string(ev->unit));
			json_object_set(n, "note", note);
			notes = json_object_get(doc, "notes");
			if (notes == NULL) {
				notes = json_array();
				json_object_set_new(doc, "notes", notes);
			}
			json_array_append_new(notes, n);
		}
		stamp(doc, ev);
		return NULL;
	}
	if (strcmp(ev->kind, "case.referred") == 0) {
		json_t *r;
		if (strcmp(st, "closed") == 0)
			return "edit_after_close";
		r = json_object();
		json_object_set(r, "referral", json_object_get(ev->body, "referral"));
		json_object_set(r, "to", json_object_get(ev->body, "to"));
		json_object_set_new(r, "at", json_integer(ev->at));
		json_object_set_new(doc, "referred", r);
		obligation_done(doc, "refer_due", ev->at);
		stamp(doc, ev);
		return NULL;
	}
	if (strcmp(ev->kind, "case.extended") == 0) {
		json_t *old = json_object_get(doc, "refer_due");
		if (strcmp(st, "closed") == 0 || json_object_get(doc, "referred"))
			return "edit_after_close";
		if (old != NULL && past_due(old, ev->at))
			return "extension_after_deadline";
		json_object_set_new(doc, "refer_due", json_deep_copy(
		    json_object_get(ev->body, "refer_due")));
		json_object_set(doc, "extension_reason",
		    json_object_get(ev->body, "reason"));
		stamp(doc, ev);
		return NULL;
	}
	if (strcmp(ev->kind, "case.closed") == 0) {
		json_t *c;
		if (strcmp(st, "closed") == 0)
			return "already_closed";
		c = json_object();
		json_object_set(c, "reason", json_object_get(ev->body, "reason"));
		json_object_set_new(c, "at", json_integer(ev->at));
		json_object_set_new(c, "by", json_string(ev->author));
		json_object_set_new(c, "unit", json_string(ev->unit));
		json_object_set_new(doc, "closed", c);
		json_object_set_new(doc, "status", json_string("closed"));
		stamp(doc, ev);
		return NULL;
	}
	return "unknown_kind";
}

static const char *
apply_complaint(json_t *doc, const struct event *ev)
{
	const char *st = status_of(doc);

	if (strcmp(ev->kind, "complaint.recorded") == 0) {
		if (*st != '\0')
			return "already_created";
		created(doc, ev, "received");
		stamp(doc, ev);
		return NULL;
	}
	if (*st == '\0')
		return "before_creation";
	if (strcmp(ev->kind, "complaint.identity") == 0) {
		if (json_object_get(doc, "identity") != NULL)
			return "identity_twice";
		json_object_set_new(doc, "identity", json_deep_copy(ev->body));
		return NULL;
	}
	return "unknown_kind";
}

static const char *
apply_liaison(json_t *doc, const struct event *ev)
{
	if (strcmp(ev->kind, "liaison.logged") == 0) {
		if (*status_of(doc) != '\0')
			return "already_created";
		created(doc, ev, "logged");
		return NULL;
	}
	return "unknown_kind";
}

/*
 * The referral workflow (案件移送). States and who may move them:
 *
 *   sent --acknowledged--> acknowledged --accepted--> accepted --result--> closed
 *     |  (handler)            |  (handler)              (handler)
 *     +--disputed (handler)---+--> disputed --escalated--> escalated
 *     |                                 \------decided--------/ --> decided
 *     +--withdrawn (sender) --> withdrawn        (then the decided handler accepts)
 *     +--returned (handler of a criminal referral) --> returned
 *
 * The handler is the receiving unit until a decision names another. An
 * event out of place is a conflict; the state does not move.
 */
static const char *
apply_referral(json_t *doc, const struct event *ev)
{
	const char *st = status_of(doc), *k = ev->kind;
	const char *handler = json_string_value(json_object_get(doc, "handler"));
	const char *sender = json_string_value(json_object_get(doc, "unit"));
	int is_handler = handler != NULL && strcmp(ev->unit, handler) == 0;

	if (strcmp(k, "referral.sent") == 0) {
		if (*st != '\0')
			return "already_created";
		created(doc, ev, "sent");
		json_object_set(doc, "handler", json_object_get(ev->body, "to"));
		stamp(doc, ev);
		return NULL;
	}
	if (*st == '\0')
		return "before_creation";
	if (strcmp(st, "withdrawn") == 0)
		return "after_withdrawn";
	if (strcmp(st, "closed") == 0 || strcmp(st, "returned") == 0)
		return "after_closed";
	if (strcmp(k, "referral.withdrawn") == 0) {
		if (strcmp(ev->unit, sender) != 0)
			return "not_sender";
		if (strcmp(st, "accepted") == 0)
			return "withdraw_after_accept";
		goto move;
	}
	if (strcmp(k, "referral.acknowledged") == 0) {
		if (!is_handler)
			return "not_receiver";
		if (strcmp(st, "sent") != 0)
			return "already_acknowledged";
		obligation_done(doc, "ack_due", ev->at);
		goto move;
	}
	if (strcmp(k, "referral.accepted") == 0) {
		if (!is_handler)
			return strcmp(st, "accepted") == 0 ? "accepted_twice" :
			    "not_receiver";
		if (strcmp(st, "accepted") == 0)
			return "accepted_twice";
		if (strcmp(st, "disputed") == 0 || strcmp(st, "escalated") == 0)
			return "disputed";
		obligation_done(doc, "ack_due", ev->at);
		goto move;
	}
	if (strcmp(k, "referral.disputed") == 0) {
		if (!is_handler)
			return "not_receiver";
		if (strcmp(st, "sent") != 0 && strcmp(st, "acknowledged") != 0)
			return "dispute_out_of_place";
		obligation_done(doc, "ack_due", ev->at);
		goto move;
	}
	if (strcmp(k, "referral.escalated") == 0) {
		if (strcmp(st, "disputed") != 0 && strcmp(st, "escalated") != 0)
			return "not_disputed";
		json_object_set_new(doc, "escalation_level", json_integer(
		    json_integer_value(json_object_get(doc, "escalation_level")) + 1));
		json_object_set(doc, "escalated_to", json_object_get(ev->body, "to"));
		goto move;
	}
	if (strcmp(k, "referral.decided") == 0) {
		if (strcmp(st, "disputed") != 0 && strcmp(st, "escalated") != 0)
			return "not_disputed";
		json_object_set(doc, "handler", json_object_get(ev->body, "handler"));
		json_object_set(doc, "decision", json_object_get(ev->body, "reason"));
		json_object_set_new(doc, "decided_by", json_string(ev->unit));
		goto move;
	}
	if (strcmp(k, "referral.returned") == 0) {
		if (!is_handler)
			return "not_receiver";
		if (!json_is_true(json_object_get(doc, "criminal")))
			return "not_criminal";
		goto move;
	}
	if (strcmp(k, "referral.result") == 0) {
		if (!is_handler)
			return "not_receiver";
		if (strcmp(st, "accepted") != 0)
			return "result_before_accept";
		json_object_set(doc, "decision", json_object_get(ev->body, "decision"));
		json_object_set(doc, "decided_at", json_object_get(ev->body,
		    "decided_at"));
		if (json_object_get(ev->body, "result_due") != NULL) {
			json_object_set_new(doc, "result_due", json_deep_copy(
			    json_object_get(ev->body, "result_due")));
			obligation_done(doc, "result_due", ev->at);
		}
		goto move;
	}
	return "unknown_kind";
move:
	{
		static const struct { const char *kind, *status; } next[] = {
			{ "referral.withdrawn", "withdrawn" },
			{ "referral.acknowledged", "acknowledged" },
			{ "referral.accepted", "accepted" },
			{ "referral.disputed", "disputed" },
			{ "referral.escalated", "escalated" },
			{ "referral.decided", "decided" },
			{ "referral.returned", "returned" },
			{ "referral.result", "closed" },
		};
		size_t i;
		for (i = 0; i < sizeof next / sizeof next[0]; i++)
			if (strcmp(next[i].kind, k) == 0)
				json_object_set_new(doc, "status",
				    json_string(next[i].status));
		if (json_object_get(ev->body, "reason") != NULL &&
		    strcmp(k, "referral.decided") != 0)
			json_object_set(doc, "reason", json_object_get(ev->body,
			    "reason"));
		stamp(doc, ev);
	}
	return NULL;
}

int
fold_apply(json_t *doc, const struct event *ev)
{
	const char *type = json_string_value(json_object_get(doc, "type"));
	const char *reason;
	json_t *last;

	if (strcmp(type, "case") == 0)
		reason = apply_case(doc, ev);
	else if (strcmp(type, "complaint") == 0)
		reason = apply_complaint(doc, ev);
	else if (strcmp(type, "liaison") == 0)
		reason = apply_liaison(doc, ev);
	else if (strcmp(type, "referral") == 0)
		reason = apply_referral(doc, ev);
	else
		reason = "unknown_kind";
	if (reason != NULL)
		conflict(doc, ev, reason);
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

char *
fold_search_text(const json_t *doc)
{
	static const char *const keys[] = { "matter", "category", "location",
		"description", "summary", "counterpart", "place", "officer", NULL };
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);
	json_t *v, *item;

	for (i = 0; keys[i] != NULL; i++) {
		v = json_object_get(doc, keys[i]);
		if (json_is_string(v))
			fprintf(f, "%s\n", json_string_value(v));
	}
	v = json_object_get(doc, "parties");
	json_array_foreach(v, i, item)
		fprintf(f, "%s\n", json_string_value(item));
	v = json_object_get(json_object_get(doc, "closed"), "reason");
	if (json_is_string(v))
		fprintf(f, "%s\n", json_string_value(v));
	v = json_object_get(doc, "notes");
	json_array_foreach(v, i, item)
		fprintf(f, "%s\n", json_string_value(json_object_get(item, "note")));
	fclose(f);
	return buf;
}

const char *
fold_reason_text(const char *code)
{
	static const struct { const char *code, *text; } reasons[] = {
		{ "already_created", N_("the record was already created") },
		{ "before_creation", N_("arrived before the record was created") },
		{ "edit_after_close", N_("edit after the case was closed") },
		{ "already_closed", N_("the case was already closed") },
		{ "identity_twice", N_("the identity was already recorded") },
		{ "unknown_kind", N_("event kind does not apply here") },
		{ "extension_after_deadline", N_("extension announced after the deadline") },
		{ "after_withdrawn", N_("the referral was already withdrawn") },
		{ "after_closed", N_("the referral was already closed") },
		{ "not_sender", N_("only the referring unit may do this") },
		{ "not_receiver", N_("only the unit handling the referral may do this") },
		{ "withdraw_after_accept", N_("withdrawn after it was accepted") },
		{ "already_acknowledged", N_("the referral was already acknowledged") },
		{ "accepted_twice", N_("the referral was already accepted") },
		{ "disputed", N_("the referral is disputed: wait for the decision") },
		{ "dispute_out_of_place", N_("only a sent or acknowledged referral can be disputed") },
		{ "not_disputed", N_("the referral is not disputed") },
		{ "not_criminal", N_("only a criminal referral can be sent back") },
		{ "result_before_accept", N_("result reported before the referral was accepted") },
	};
	size_t i;

	for (i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
		if (strcmp(reasons[i].code, code) == 0)
			return _(reasons[i].text);
	return code;
}
