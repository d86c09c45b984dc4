/*
 * type-complaint.c - the record type "complaint" (registry.h): a
 * complaint, report or petition (投诉、举报、信访) and the complainant's
 * identity, kept apart.
 *
 * Here: its kinds and their body fields, its fold step, what its records
 * owe, and its row in the registry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjson.h"
#include "due.h"
#include "fold.h"
#include "kinds.h"
#include "registry.h"
#include "roles.h"
#include "util.h"

const struct enum_value complaint_types[] = {
	{ "complaint", "投诉" },
	{ "report", "举报" },
	{ "petition", "信访" },
	{ NULL, NULL },
};

const struct enum_value complaint_channels[] = {
	{ "phone", "电话" },
	{ "visit", "来访" },
	{ "letter", "来信" },
	{ "online", "网上" },
	{ "hotline", "12345热线" },
	{ NULL, NULL },
};

/*
 * The fields of a complaint's kinds are declared once, with the options
 * that give them (agent/cmd-complaint.c: complaint record|refer|notify|
 * reply) and the labels they are asked for with.
 */
static const struct field complaint_recorded_fields[] = {
	{ "form", F_ENUM, 1, 0, complaint_types, FIELD_UI("type", "TYPE",
	    N_("complaint, report or petition (投诉, 举报, 信访)"), N_("type"),
	    0) },
	{ "channel", F_ENUM, 1, 0, complaint_channels, FIELD_UI(NULL,
	    "CHANNEL", N_("phone, visit, letter, online or hotline"),
	    N_("channel"), 0) },
	{ "matter", F_STR, 1, 60, NULL, FIELD_UI(NULL, "TEXT",
	    N_("short title of the matter"), N_("matter"), 0) },
	{ "description", F_TEXT, 1, 2000, NULL, FIELD_UI(NULL, "TEXT",
	    N_("what the complainant reports"), N_("description"), 0) },
	{ "received_at", F_TIME, 1, 0, NULL, FIELD_UI(NULL, "DATE",
	    N_("when it was received (default: now)"),
	    N_("received at (empty: now)"), FIELD_NOW) },
	{ "location", F_STR, 0, 100, NULL, FIELD_UI(NULL, "TEXT",
	    N_("where the matter is"), NULL, 0) },
	{ "officer", F_STR, 1, 32, NULL, FIELD_UI(NULL, "NAME",
	    N_("officer receiving it (first contact)"), N_("officer"),
	    FIELD_OFFICER) },
	{ "case", F_ENTITY, 0, 0, NULL, FIELD_UI(NULL, "ID",
	    N_("the case it led to, if any"), NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* The complainant's identity travels in its own event so that its
 * audience can be narrower than the complaint's. Never asked for: a
 * complainant may stay anonymous. */
static const struct field complaint_identity_fields[] = {
	{ "name", F_STR, 1, 32, NULL, FIELD_UI(NULL, "NAME",
	    N_("complainant's name (confidential)"), NULL, 0) },
	{ "phone", F_PHONE, 0, 20, NULL, FIELD_UI(NULL, "PHONE",
	    N_("complainant's phone (confidential)"), NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* The complaint referred to the unit that handles it; the audience of
 * this event is what brings the complaint to that unit. */
static const struct field complaint_referred_fields[] = {
	{ "to", F_STR, 1, 40, NULL, FIELD_UI(NULL, "UNIT",
	    N_("the unit that handles it (required)"), NULL, 0) },
	{ "note", F_TEXT, 0, 500, NULL, FIELD_UI(NULL, "TEXT",
	    N_("a note for that unit"), NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* The complainant was told where the complaint went. */
static const struct field complaint_notified_fields[] = {
	{ "text", F_TEXT, 1, 500, NULL, FIELD_UI(NULL, "TEXT",
	    N_("what the complainant was told (required)"), NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* The handling unit's reply with the result. */
static const struct field complaint_replied_fields[] = {
	{ "result", F_TEXT, 1, 2000, NULL, FIELD_UI(NULL, "TEXT",
	    N_("the result replied to the complainant (required)"), NULL,
	    0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

static const struct kind_info complaint_kinds[] = {
	{ NC_("kind", "complaint.recorded"), &type_complaint,
	    1, 0, complaint_recorded_fields, 0, 0, AUTHORITY_NONE },
	{ NC_("kind", "complaint.identity"), &type_complaint,
	    0, 0, complaint_identity_fields,
	    1, 0, AUTHORITY(PART_CREATOR, NULL, 0) },
	{ NC_("kind", "complaint.referred"), &type_complaint,
	    0, 0, complaint_referred_fields,
	    0, 0, AUTHORITY(PART_CREATOR, "to", PART_ADDRESSEE) },
	{ NC_("kind", "complaint.notified"), &type_complaint,
	    0, 0, complaint_notified_fields,
	    0, 0, AUTHORITY(PART_CREATOR, NULL, 0) },
	{ NC_("kind", "complaint.replied"), &type_complaint,
	    0, 0, complaint_replied_fields,
	    0, 0, AUTHORITY(PART_ADDRESSEE, NULL, 0) },
	ATTACHED_KIND(NC_("kind", "complaint.attached"), complaint, 0,
	    PART_CREATOR | PART_ADDRESSEE),
	{ 0 },
};

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
	const char *st = fold_status(doc);
	const char *unit = json_string_value(json_object_get(doc, "unit"));

	if (strcmp(ev->kind, "complaint.recorded") == 0) {
		if (*st != '\0')
			return "already_created";
		fold_created(doc, ev, "received");
		fold_stamp(doc, ev);
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
			fold_append(doc, "earlier_referrals", r);
		}
		r = fold_act(ev);
		json_object_set(r, "to", json_object_get(ev->body, "to"));
		if (json_object_get(ev->body, "note") != NULL)
			json_object_set(r, "note", json_object_get(ev->body, "note"));
		json_object_set_new(doc, "referred", r);
		json_object_set(doc, "handler", json_object_get(ev->body, "to"));
		json_object_set_new(doc, "status", json_string("referred"));
		fold_stamp(doc, ev);
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
		n = fold_act(ev);
		json_object_set(n, "text", json_object_get(ev->body, "text"));
		json_object_set_new(doc, "notified", n);
		fold_stamp(doc, ev);
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
		r = fold_act(ev);
		json_object_set(r, "result", json_object_get(ev->body, "result"));
		json_object_set_new(doc, "reply", r);
		json_object_set_new(doc, "status", json_string("replied"));
		fold_stamp(doc, ev);
		return NULL;
	}
	return "unknown_kind";
}

static void
complaint_owed(const json_t *doc, const char *st,
    void (*fn)(const struct obligation *o, void *arg), void *arg)
{
	if (json_object_get(doc, "referred") != NULL &&
	    json_object_get(doc, "notified") == NULL)
		due_emit(doc, cjson_str(doc, "unit"),
		    N_("tell the complainant where the complaint went"),
		    NULL, fn, arg);
	if (strcmp(st, "referred") == 0)
		due_emit(doc, cjson_str(doc, "handler"),
		    N_("reply with the result (结果答复)"), NULL, fn, arg);
}

/* What the full-text index holds of it (fold_search_text). */
static const char *const complaint_search[] = {
	"matter", "location", "description", "officer", NULL
};

static const struct fold_reason complaint_reasons[] = {
	{ "identity_twice", N_("the identity was already recorded") },
	{ "not_first_contact", N_("only the unit that received the complaint first may do this") },
	{ "already_referred", N_("the complaint was already referred to that unit") },
	{ "not_referred", N_("the complaint has not been referred") },
	{ "already_notified", N_("the complainant was already told where it went") },
	{ "not_handler", N_("only the unit handling the complaint may reply") },
	{ "already_replied", N_("the result was already replied") },
	{ NULL, NULL },
};

/* The states its records go through (fold step above), as `show` and
 * `list` name them: pgettext("status", ...). */
static const char *const complaint_statuses[] = {
	NC_("status", "received"), NC_("status", "referred"),
	NC_("status", "replied"), NULL,
};

const struct entity_type type_complaint = {
	.name = "complaint",
	.statuses = complaint_statuses,
	.label = N_("complaint"),
	.letter = 'T',
	.kinds = complaint_kinds,
	.apply = apply_complaint,
	.owed = complaint_owed,
	.audience = AUDIENCE_GROWS,
	.search = complaint_search,
	.watched_by = ROLE_ADMIN,
	.written_by = ROLES_UNITS,
	.reasons = complaint_reasons,
};
