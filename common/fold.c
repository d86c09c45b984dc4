/*
 * fold.c - the projection of each entity type.
 *
 * Every projection has: v, type, entity, status, events (count), last
 * ({hlc, station, seq} of the last event applied) and conflicts (list of
 * {kind, station, seq, reason}). The rest depends on the type. To add a
 * type or kind, add a branch to fold_apply and keep it a pure function of
 * (doc, event): no clock, no I/O, no randomness.
 *
 * The audience of every record but a case, a liaison log or a referral
 * grows with the units its applied events were addressed to (a call
 * escalated to the county, a resolution's owner, the unit a complaint
 * was referred to, the units information was shared with), so that a
 * station's next step reaches them too. A referral keeps the audience it
 * was sent with.
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

/* A note of who did what when, for the lists kept on a record. */
static json_t *
act(const struct event *ev)
{
	json_t *o = json_object();

	json_object_set_new(o, "at", json_integer(ev->at));
	json_object_set_new(o, "by", json_string(ev->author));
	json_object_set_new(o, "unit", json_string(ev->unit));
	return o;
}

/* Appends item (stolen) to the array doc[key], creating it. */
static void
append(json_t *doc, const char *key, json_t *item)
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
static const char *
extend(json_t *doc, const struct event *ev, const char *key)
{
	json_t *x;

	if (past_due(json_object_get(doc, key), ev->at))
		return "extension_after_deadline";
	json_object_set_new(doc, key, json_deep_copy(json_object_get(ev->body,
	    key)));
	x = act(ev);
	json_object_set(x, "reason", json_object_get(ev->body, "reason"));
	append(doc, "extensions", x);
	stamp(doc, ev);
	return NULL;
}

/* 1 if v is the unit name unit. */
static int
is_unit(const json_t *v, const char *unit)
{
	return json_is_string(v) && strcmp(json_string_value(v), unit) == 0;
}

/* Reopens the obligation under key: not done after all. */
static void
obligation_reopen(json_t *doc, const char *key)
{
	json_t *d = json_object_get(doc, key);

	if (!json_is_object(d))
		return;
	json_object_del(d, "done_at");
	json_object_del(d, "late");
}

/*
 * A case (一事一记):
 *
 *   open --updated, extended (before refer_due, not referred)--> open
 *     --referred (its referral sent, same transaction)--> open, "referred"
 *     --referral_withdrawn (the referring unit withdrew that referral)-->
 *        open, not referred: the case may be referred again
 *     --closed--> closed
 *
 * One case, one referral: "referred" names the referral that stands, and
 * refer_due (the time to refer) is done by it alone. When the referring
 * unit withdraws it (sent to the wrong unit, say), the case's
 * referral_withdrawn, written with the referral's withdrawal, moves it to
 * "withdrawn_referrals" and opens refer_due again, as due as it ever was:
 * the next referral does it, late or not. A withdrawal naming another
 * referral than the one standing, or after the close, is a conflict.
 */
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
	if (strcmp(ev->unit, json_string_value(json_object_get(doc, "unit"))) != 0)
		return "not_creator";
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
	if (strcmp(ev->kind, "case.referral_withdrawn") == 0) {
		json_t *r = json_object_get(doc, "referred"), *w;
		const char *rid = json_string_value(json_object_get(r, "referral"));
		if (strcmp(st, "closed") == 0)
			return "edit_after_close";
		if (rid == NULL || strcmp(rid, json_string_value(
		    json_object_get(ev->body, "referral"))) != 0)
			return "not_standing_referral";
		r = json_deep_copy(r);
		w = act(ev);
		json_object_set(w, "reason", json_object_get(ev->body, "reason"));
		json_object_set_new(r, "withdrawn", w);
		append(doc, "withdrawn_referrals", r);
		json_object_del(doc, "referred");
		obligation_reopen(doc, "refer_due");
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

/*
 * A complaint (投诉、举报、信访) under first-contact responsibility:
 *
 *   received --referred (first-contact unit)--> referred
 *       --notified (first-contact unit: the complainant told where it went)
 *       --replied (the handling unit: the result)--> replied
 *   referred --referred again (first-contact unit, to another unit,
 *       before any reply)--> referred, to the new handler
 *
 * The identity is recorded once; the first-contact unit's copy of the
 * same identity, addressed to the handling unit, changes nothing here.
 *
 * Referring again corrects a complaint sent to the wrong unit: the new
 * unit becomes the handler (only it may reply from then on), the earlier
 * referral is kept in "earlier_referrals" with what the complainant was
 * told of it ("notified" moves there too: the complainant must be told
 * again where it went). It stays a conflict to refer again after the
 * reply (already_replied), to the handler it already has
 * (already_referred), or as any unit but the first contact.
 */
static const char *
apply_complaint(json_t *doc, const struct event *ev)
{
	const char *st = status_of(doc);
	const char *unit = json_string_value(json_object_get(doc, "unit"));

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
		json_t *held = json_object_get(doc, "identity");
		if (unit == NULL || strcmp(ev->unit, unit) != 0)
			return "not_first_contact";
		/* The same identity again from the first-contact unit is its
		 * copy addressed to the unit a complaint was referred to. */
		if (held != NULL && json_equal(held, ev->body) &&
		    unit != NULL && strcmp(ev->unit, unit) == 0)
			return NULL;
		if (held != NULL)
			return "identity_twice";
		json_object_set_new(doc, "identity", json_deep_copy(ev->body));
		return NULL;
	}
	if (strcmp(ev->kind, "complaint.referred") == 0) {
		json_t *r;
		const char *h = json_string_value(json_object_get(doc, "handler"));
		if (unit == NULL || strcmp(ev->unit, unit) != 0)
			return "not_first_contact";
		if (json_object_get(doc, "reply") != NULL)
			return "already_replied";
		if (h != NULL && strcmp(h, json_string_value(json_object_get(
		    ev->body, "to"))) == 0)
			return "already_referred";
		if ((r = json_object_get(doc, "referred")) != NULL) {
			r = json_deep_copy(r);
			if (json_object_get(doc, "notified") != NULL) {
				json_object_set(r, "notified",
				    json_object_get(doc, "notified"));
				json_object_del(doc, "notified");
			}
			append(doc, "earlier_referrals", r);
		}
		r = act(ev);
		json_object_set(r, "to", json_object_get(ev->body, "to"));
		if (json_object_get(ev->body, "note") != NULL)
			json_object_set(r, "note", json_object_get(ev->body, "note"));
		json_object_set_new(doc, "referred", r);
		json_object_set(doc, "handler", json_object_get(ev->body, "to"));
		json_object_set_new(doc, "status", json_string("referred"));
		stamp(doc, ev);
		return NULL;
	}
	if (strcmp(ev->kind, "complaint.notified") == 0) {
		json_t *n;
		if (unit == NULL || strcmp(ev->unit, unit) != 0)
			return "not_first_contact";
		if (json_object_get(doc, "referred") == NULL)
			return "not_referred";
		if (json_object_get(doc, "notified") != NULL)
			return "already_notified";
		n = act(ev);
		json_object_set(n, "text", json_object_get(ev->body, "text"));
		json_object_set_new(doc, "notified", n);
		stamp(doc, ev);
		return NULL;
	}
	if (strcmp(ev->kind, "complaint.replied") == 0) {
		const char *h = json_string_value(json_object_get(doc, "handler"));
		json_t *r;
		if (h == NULL)
			return "not_referred";
		if (strcmp(ev->unit, h) != 0)
			return "not_handler";
		if (json_object_get(doc, "reply") != NULL)
			return "already_replied";
		r = act(ev);
		json_object_set(r, "result", json_object_get(ev->body, "result"));
		json_object_set_new(doc, "reply", r);
		json_object_set_new(doc, "status", json_string("replied"));
		stamp(doc, ev);
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
		/* Sending it is what the time to refer asked for. */
		obligation_done(doc, "refer_due", ev->at);
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
		if (!is_handler && strcmp(ev->unit, sender) != 0 &&
		    !is_unit(json_object_get(doc, "escalated_to"), ev->unit))
			return "not_party";
		if (strcmp(st, "disputed") != 0 && strcmp(st, "escalated") != 0)
			return "not_disputed";
		json_object_set_new(doc, "escalation_level", json_integer(
		    json_integer_value(json_object_get(doc, "escalation_level")) + 1));
		json_object_set(doc, "escalated_to", json_object_get(ev->body, "to"));
		goto move;
	}
	if (strcmp(k, "referral.decided") == 0) {
		if (!is_unit(json_object_get(doc, "escalated_to"), ev->unit))
			return "not_escalated_to";
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

/*
 * An assistance request (执法协助):
 *
 *   requested --answered (the asked unit, sealed)--> answered
 *       \--extended (the asked unit, before answer_due)--> requested
 *
 * A second answer, an answer or extension by another unit, an extension
 * after the deadline and an unsealed answer are conflicts.
 */
static const char *
apply_assist(json_t *doc, const struct event *ev)
{
	const char *st = status_of(doc), *k = ev->kind;
	const char *to = json_string_value(json_object_get(doc, "to"));

	if (strcmp(k, "assist.requested") == 0) {
		if (*st != '\0')
			return "already_created";
		created(doc, ev, "requested");
		stamp(doc, ev);
		return NULL;
	}
	if (*st == '\0')
		return "before_creation";
	if (strcmp(k, "assist.answered") == 0) {
		json_t *a;
		if (strcmp(st, "answered") == 0)
			return "already_answered";
		if (to == NULL || strcmp(ev->unit, to) != 0)
			return "not_asked_unit";
		if (!json_is_true(json_object_get(ev->body, "sealed")))
			return "not_sealed";
		a = act(ev);
		json_object_set(a, "conclusion", json_object_get(ev->body,
		    "conclusion"));
		json_object_set_new(doc, "answer", a);
		obligation_done(doc, "answer_due", ev->at);
		json_object_set_new(doc, "status", json_string("answered"));
		stamp(doc, ev);
		return NULL;
	}
	if (strcmp(k, "assist.extended") == 0) {
		if (strcmp(st, "answered") == 0)
			return "already_answered";
		if (to == NULL || strcmp(ev->unit, to) != 0)
			return "not_asked_unit";
		return extend(doc, ev, "answer_due");
	}
	return "unknown_kind";
}

/*
 * Information passed on (信息共享: approvals, superior documents, penalty
 * decisions, letters asking for help with execution):
 *
 *   formed --sent (the holding unit)--> shared --sent--> shared
 *     \--extended (the holding unit, before send_due)--> formed
 *
 * The first sending discharges send_due (late or not); later ones add
 * units. Sending or extending by another unit, and an extension after
 * the deadline or after sending, are conflicts.
 */
static const char *
apply_share(json_t *doc, const struct event *ev)
{
	const char *st = status_of(doc), *k = ev->kind;
	const char *unit = json_string_value(json_object_get(doc, "unit"));

	if (strcmp(k, "share.formed") == 0) {
		if (*st != '\0')
			return "already_created";
		created(doc, ev, "formed");
		stamp(doc, ev);
		return NULL;
	}
	if (*st == '\0')
		return "before_creation";
	if (unit == NULL || strcmp(ev->unit, unit) != 0)
		return "not_holder";
	if (strcmp(k, "share.sent") == 0) {
		json_t *a = act(ev);
		json_object_set(a, "to", json_object_get(ev->body, "to"));
		json_object_set(a, "via", json_object_get(ev->body, "via"));
		if (json_object_get(ev->body, "note") != NULL)
			json_object_set(a, "note", json_object_get(ev->body, "note"));
		append(doc, "sent", a);
		obligation_done(doc, "send_due", ev->at);
		json_object_set_new(doc, "status", json_string("shared"));
		stamp(doc, ev);
		return NULL;
	}
	if (strcmp(k, "share.extended") == 0) {
		if (strcmp(st, "shared") == 0)
			return "already_shared";
		return extend(doc, ev, "send_due");
	}
	return "unknown_kind";
}

/*
 * Supervision (监督): a department's written opinion on the bureau's
 * enforcement, or the bureau's report of its cases to a department:
 *
 *   sent --replied (the unit addressed)--> replied
 *
 * A second reply, or a reply by another unit, is a conflict.
 */
static const char *
apply_supervision(json_t *doc, const struct event *ev)
{
	const char *st = status_of(doc), *k = ev->kind;
	const char *to = json_string_value(json_object_get(doc, "to"));
	json_t *a;

	if (strcmp(k, "supervision.sent") == 0) {
		if (*st != '\0')
			return "already_created";
		created(doc, ev, "sent");
		stamp(doc, ev);
		return NULL;
	}
	if (*st == '\0')
		return "before_creation";
	if (strcmp(k, "supervision.replied") != 0)
		return "unknown_kind";
	if (strcmp(st, "replied") == 0)
		return "already_answered";
	if (to == NULL || strcmp(ev->unit, to) != 0)
		return "not_addressed";
	a = act(ev);
	json_object_set(a, "text", json_object_get(ev->body, "text"));
	json_object_set_new(doc, "reply", a);
	obligation_done(doc, "reply_due", ev->at);
	json_object_set_new(doc, "status", json_string("replied"));
	stamp(doc, ev);
	return NULL;
}

/*
 * "Township whistles, departments report" (乡镇吹哨、部门报到):
 *
 *   called --answered (the called department)--> answered
 *     \--escalated (not the called department)--> escalated --answered--/
 *
 * Escalation is only for an unanswered call; answering twice or by
 * another unit is a conflict.
 */
static const char *
apply_whistle(json_t *doc, const struct event *ev)
{
	const char *st = status_of(doc), *k = ev->kind;
	const char *to = json_string_value(json_object_get(doc, "to"));

	if (strcmp(k, "whistle.called") == 0) {
		if (*st != '\0')
			return "already_created";
		created(doc, ev, "called");
		stamp(doc, ev);
		return NULL;
	}
	if (*st == '\0')
		return "before_creation";
	if (strcmp(st, "answered") == 0)
		return "already_answered";
	if (strcmp(k, "whistle.answered") == 0) {
		json_t *a;
		if (to == NULL || strcmp(ev->unit, to) != 0)
			return "not_called_unit";
		a = act(ev);
		json_object_set(a, "officer_sent", json_object_get(ev->body,
		    "officer_sent"));
		if (json_object_get(ev->body, "note") != NULL)
			json_object_set(a, "note", json_object_get(ev->body, "note"));
		json_object_set_new(doc, "answer", a);
		obligation_done(doc, "answer_due", ev->at);
		json_object_set_new(doc, "status", json_string("answered"));
		stamp(doc, ev);
		return NULL;
	}
	if (strcmp(k, "whistle.escalated") == 0) {
		if (to != NULL && strcmp(ev->unit, to) == 0)
			return "escalated_by_called_unit";
		if (strcmp(ev->unit, json_string_value(json_object_get(doc,
		    "unit"))) != 0)
			return "not_caller";
		json_object_set_new(doc, "escalation_level", json_integer(
		    json_integer_value(json_object_get(doc, "escalation_level")) + 1));
		json_object_set(doc, "escalated_to", json_object_get(ev->body, "to"));
		json_object_set(doc, "reason", json_object_get(ev->body, "reason"));
		json_object_set_new(doc, "status", json_string("escalated"));
		stamp(doc, ev);
		return NULL;
	}
	return "unknown_kind";
}

/* The resolution named by the text idx: its ref ("zf1/14", the station
 * and seq of the event that made it), or, as followups recorded before
 * refs existed say, its number in fold order ("1", "2"...). NULL if none. */
static json_t *
resolution_at(const json_t *doc, const char *idx)
{
	json_t *rs = json_object_get(doc, "resolutions"), *r;
	char *end;
	size_t i;
	long n;

	if (idx != NULL && strchr(idx, '/') != NULL) {
		json_array_foreach(rs, i, r)
			if (strcmp(json_string_value(json_object_get(r, "ref")),
			    idx) == 0)
				return r;
		return NULL;
	}
	if (idx == NULL || *idx < '1' || *idx > '9')
		return NULL;
	n = strtol(idx, &end, 10);
	if (*end != '\0' || n < 1 || (size_t)n > json_array_size(rs))
		return NULL;
	return json_array_get(rs, (size_t)n - 1);
}

/*
 * A joint meeting (联席会议) or consultation (会商):
 *
 *   scheduled --topic (any unit, before topics_due)--> scheduled
 *       \--minutes (the convening unit)--> held --resolution (convener)--> held
 *                                                  --followup (owner)--> held
 *
 * Scheduling is the notice to the member units: notice_due is done when
 * the meeting is scheduled. The minutes of a regular meeting carry
 * next_due (rule meeting_interval), done when the convener schedules the
 * next one (meeting.followed, any state). Resolutions are numbered in
 * fold order for people, and named for followups by a ref that a
 * resolution recorded elsewhere, folded in before it, cannot shift; each
 * is open until its owner reports it done.
 */
static const char *
apply_meeting(json_t *doc, const struct event *ev)
{
	const char *st = status_of(doc), *k = ev->kind;
	const char *convener = json_string_value(json_object_get(doc, "unit"));

	if (strcmp(k, "meeting.scheduled") == 0) {
		if (*st != '\0')
			return "already_created";
		created(doc, ev, "scheduled");
		obligation_done(doc, "notice_due", ev->at);
		json_object_set_new(doc, "topics", json_array());
		json_object_set_new(doc, "resolutions", json_array());
		stamp(doc, ev);
		return NULL;
	}
	if (*st == '\0')
		return "before_creation";
	if (strcmp(k, "meeting.topic") == 0) {
		json_t *t, *due = json_object_get(doc, "topics_due"), *u;
		size_t i;
		int invited = convener != NULL && strcmp(ev->unit, convener) == 0;
		json_array_foreach(json_object_get(doc, "units"), i, u)
			invited |= is_unit(u, ev->unit);
		if (!invited)
			return "not_invited";
		if (strcmp(st, "held") == 0)
			return "topic_after_meeting";
		if (due != NULL && past_due(due, ev->at))
			return "topic_after_deadline";
		t = act(ev);
		json_object_set(t, "topic", json_object_get(ev->body, "topic"));
		append(doc, "topics", t);
		stamp(doc, ev);
		return NULL;
	}
	if (strcmp(k, "meeting.minutes") == 0) {
		json_t *m;
		if (strcmp(st, "held") == 0)
			return "minutes_twice";
		if (convener == NULL || strcmp(ev->unit, convener) != 0)
			return "not_convener";
		m = act(ev);
		json_object_set(m, "text", json_object_get(ev->body, "text"));
		json_object_set_new(doc, "minutes", m);
		if (json_object_get(ev->body, "next_due") != NULL) {
			json_object_set_new(doc, "next_due", json_deep_copy(
			    json_object_get(ev->body, "next_due")));
			if (json_object_get(doc, "followed_by") != NULL)
				obligation_done(doc, "next_due", ev->at);
		}
		json_object_set_new(doc, "status", json_string("held"));
		stamp(doc, ev);
		return NULL;
	}
	if (strcmp(k, "meeting.resolution") == 0) {
		json_t *rs = json_object_get(doc, "resolutions"), *r;
		char ref[STATION_MAX + 24];
		if (strcmp(st, "held") != 0)
			return "resolution_before_minutes";
		if (convener == NULL || strcmp(ev->unit, convener) != 0)
			return "not_convener";
		r = act(ev);
		json_object_set_new(r, "index", json_integer(
		    (json_int_t)json_array_size(rs) + 1));
		snprintf(ref, sizeof ref, "%s/%lld", ev->station,
		    (long long)ev->seq);
		json_object_set_new(r, "ref", json_string(ref));
		json_object_set(r, "text", json_object_get(ev->body, "text"));
		json_object_set(r, "owner", json_object_get(ev->body, "owner"));
		json_object_set_new(r, "status", json_string("open"));
		json_array_append_new(rs, r);
		stamp(doc, ev);
		return NULL;
	}
	if (strcmp(k, "meeting.followed") == 0) {
		if (convener == NULL || strcmp(ev->unit, convener) != 0)
			return "not_convener";
		if (json_object_get(doc, "followed_by") != NULL)
			return "already_followed";
		json_object_set(doc, "followed_by", json_object_get(ev->body,
		    "next"));
		obligation_done(doc, "next_due", ev->at);
		stamp(doc, ev);
		return NULL;
	}
	if (strcmp(k, "meeting.followup") == 0) {
		json_t *r = resolution_at(doc, json_string_value(
		    json_object_get(ev->body, "resolution"))), *f;
		const char *owner;
		if (r == NULL)
			return "no_such_resolution";
		owner = json_string_value(json_object_get(r, "owner"));
		if (owner == NULL || strcmp(ev->unit, owner) != 0)
			return "not_owner";
		if (strcmp(json_string_value(json_object_get(r, "status")),
		    "done") == 0)
			return "resolution_done";
		json_object_set(r, "status", json_object_get(ev->body, "status"));
		f = act(ev);
		json_object_set(f, "status", json_object_get(ev->body, "status"));
		json_object_set(f, "note", json_object_get(ev->body, "note"));
		append(r, "followups", f);
		stamp(doc, ev);
		return NULL;
	}
	return "unknown_kind";
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
	const char *type = json_string_value(json_object_get(doc, "type"));
	const struct kind_info *k = kind_find(ev->kind);
	const char *reason;
	json_t *last;

	if (k != NULL && k->creates && !own_id(k, ev))
		reason = "not_own_id";
	else if (strcmp(type, "case") == 0)
		reason = apply_case(doc, ev);
	else if (strcmp(type, "complaint") == 0)
		reason = apply_complaint(doc, ev);
	else if (strcmp(type, "liaison") == 0)
		reason = apply_liaison(doc, ev);
	else if (strcmp(type, "referral") == 0)
		reason = apply_referral(doc, ev);
	else if (strcmp(type, "assist") == 0)
		reason = apply_assist(doc, ev);
	else if (strcmp(type, "whistle") == 0)
		reason = apply_whistle(doc, ev);
	else if (strcmp(type, "meeting") == 0)
		reason = apply_meeting(doc, ev);
	else if (strcmp(type, "share") == 0)
		reason = apply_share(doc, ev);
	else if (strcmp(type, "supervision") == 0)
		reason = apply_supervision(doc, ev);
	else
		reason = "unknown_kind";
	if (reason != NULL)
		conflict(doc, ev, reason);
	else if (strcmp(type, "case") != 0 && strcmp(type, "liaison") != 0 &&
	    strcmp(type, "referral") != 0)
		audience_merge(doc, ev);
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
		"description", "summary", "counterpart", "place", "officer", "subject",
		NULL };
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
		{ "already_answered", N_("it was already answered") },
		{ "not_asked_unit", N_("only the unit asked for assistance may do this") },
		{ "not_sealed", N_("the answer must be in writing under the unit's seal") },
		{ "not_called_unit", N_("only the department called may report") },
		{ "escalated_by_called_unit", N_("the department called cannot escalate its own call") },
		{ "topic_after_meeting", N_("the meeting was already held") },
		{ "topic_after_deadline", N_("topics were due before the collection deadline") },
		{ "minutes_twice", N_("the minutes were already recorded") },
		{ "not_convener", N_("only the convening unit may do this") },
		{ "resolution_before_minutes", N_("resolutions come with the minutes: record the minutes first") },
		{ "no_such_resolution", N_("the meeting has no such resolution") },
		{ "not_owner", N_("only the unit owning the resolution may report on it") },
		{ "resolution_done", N_("the resolution was already reported done") },
		{ "already_followed", N_("the next meeting was already scheduled") },
		{ "not_first_contact", N_("only the unit that received the complaint first may do this") },
		{ "already_referred", N_("the complaint was already referred to that unit") },
		{ "not_standing_referral", N_("it is not the referral the case stands referred by") },
		{ "not_referred", N_("the complaint has not been referred") },
		{ "already_notified", N_("the complainant was already told where it went") },
		{ "not_handler", N_("only the unit handling the complaint may reply") },
		{ "already_replied", N_("the result was already replied") },
		{ "not_holder", N_("only the unit holding the information may pass it on") },
		{ "already_shared", N_("it was already passed on") },
		{ "not_addressed", N_("only the unit it was addressed to may reply") },
		{ "not_own_id", N_("a record can only be created under its own station's id") },
		{ "not_creator", N_("only the unit that created the record may do this") },
		{ "not_party", N_("only the units of the dispute may take it further") },
		{ "not_escalated_to", N_("only the unit the dispute was taken to may decide it") },
		{ "not_caller", N_("only the township that called may escalate") },
		{ "not_invited", N_("only the convener and the invited units may propose topics") },
	};
	size_t i;

	for (i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
		if (strcmp(reasons[i].code, code) == 0)
			return _(reasons[i].text);
	return code;
}
