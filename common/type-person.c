/*
 * type-person.c - the record type "person" (registry.h): one person in
 * a unit's register (人员名册): an enforcement officer and his or her
 * certificate (持证上岗), a designated liaison officer (执法联络员), the
 * bureau's liaison supervisor (执法联络监督员), and the trainings each
 * attended.
 *
 * The seeds: Gonghe 三(一)1-6 (every department and township designates
 * one liaison officer, the bureau several and a liaison supervisor; all
 * of them are trained every year), Yicheng 三(二) and 四(五) (each unit
 * names its contact, "具体联络人", "指定专人"), Baijiantan 三(二)1 (only
 * certified officers enforce, "持证上岗") and 三(二)2 (at least 60 hours
 * of training a year for every officer, "不少于60个学时").
 *
 * A unit keeps its own register: only the unit that registered a person
 * changes the record (the server's authority, and not_creator in the
 * fold). The bureau's liaison supervisor and the county government see
 * every unit's register, by role, as they see the liaison ledger.
 *
 * Here: its kinds and their body fields (with the options that give
 * them: agent/cmd-person.c), its fold step and its row in the registry.
 * It owes nothing: the training quota is the county's, counted by
 * `person list --training`.
 */
#include <string.h>

#include "cjson.h"
#include "fold.h"
#include "kinds.h"
#include "registry.h"
#include "roles.h"
#include "util.h"

/* Who a person is, as registered and as updated. */
static const struct field person_registered_fields[] = {
	{ "name", F_STR, 1, 32, NULL, FIELD_UI(NULL, "NAME",
	    N_("the person's name, as officers are named in records "
	    "(required)"), N_("Name"), 0) },
	{ "post", F_STR, 0, 40, NULL, FIELD_UI(NULL, "TEXT",
	    N_("post or title (职务)"), NULL, 0) },
	{ "certificate", F_STR, 0, 40, NULL, FIELD_UI(NULL, "NUMBER",
	    N_("enforcement certificate number (执法证号), with "
	    "--certificate-expires"), NULL, 0) },
	{ "certificate_expires", F_TIME, 0, 0, NULL, FIELD_UI(NULL, "DATE",
	    N_("the last day the certificate is valid (有效期至)"), NULL,
	    FIELD_FUTURE) },
	{ "liaison", F_BOOL, 0, 0, NULL, FIELD_UI(NULL, NULL,
	    N_("a designated liaison officer (执法联络员)"), NULL, 0) },
	{ "supervisor", F_BOOL, 0, 0, NULL, FIELD_UI(NULL, NULL,
	    N_("the liaison supervisor (执法联络监督员)"), NULL, 0) },
	{ "phone", F_PHONE, 0, 20, NULL, FIELD_UI(NULL, "PHONE",
	    N_("phone number"), NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* What changed: any of the fields above (a renewed certificate, a role
 * given or taken away). */
static const struct field person_updated_fields[] = {
	{ "name", F_STR, 0, 32, NULL, FIELD_UI(NULL, "NAME",
	    N_("the person's name, corrected"), NULL, 0) },
	{ "post", F_STR, 0, 40, NULL, FIELD_UI(NULL, "TEXT",
	    N_("post or title (职务)"), NULL, 0) },
	{ "certificate", F_STR, 0, 40, NULL, FIELD_UI(NULL, "NUMBER",
	    N_("enforcement certificate number (执法证号), with "
	    "--certificate-expires"), NULL, 0) },
	{ "certificate_expires", F_TIME, 0, 0, NULL, FIELD_UI(NULL, "DATE",
	    N_("the last day the certificate is valid (有效期至)"), NULL,
	    FIELD_FUTURE) },
	{ "liaison", F_BOOL, 0, 0, NULL, FIELD_UI(NULL, NULL,
	    N_("now a designated liaison officer (--no-liaison: no longer)"),
	    NULL, 0) },
	{ "supervisor", F_BOOL, 0, 0, NULL, FIELD_UI(NULL, NULL,
	    N_("now the liaison supervisor (--no-supervisor: no longer)"),
	    NULL, 0) },
	{ "phone", F_PHONE, 0, 20, NULL, FIELD_UI(NULL, "PHONE",
	    N_("phone number"), NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* No longer at the unit: moved, retired (the certificate is then
 * cancelled, Baijiantan 三(二)1 "注销"). */
static const struct field person_left_fields[] = {
	{ "reason", F_TEXT, 1, 500, NULL, FIELD_UI(NULL, "TEXT",
	    N_("why: moved, retired... (required)"), N_("Reason"), 0) },
	{ "date", F_TIME, 1, 0, NULL, FIELD_UI(NULL, "DATE",
	    N_("when the person left (default: now)"), NULL, FIELD_NOW) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* A training attended: its day, its hours (学时: 2, 2.5; at most 200 in
 * one entry, a course of several weeks) and its topic. */
static const struct field person_trained_fields[] = {
	{ "date", F_TIME, 1, 0, NULL, FIELD_UI(NULL, "DATE",
	    N_("the day of the training (required)"), N_("Date"), 0) },
	{ "hours", F_DECIMAL, 1, 200, NULL, FIELD_UI(NULL, "HOURS",
	    N_("hours attended (学时), like 2 or 2.5 (required)"),
	    N_("Hours"), 0) },
	{ "topic", F_STR, 1, 100, NULL, FIELD_UI(NULL, "TEXT",
	    N_("what it was about (required)"), N_("Topic"), 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

static const struct kind_info person_kinds[] = {
	{ NC_("kind", "person.registered"), &type_person,
	    1, 0, person_registered_fields, 0, 0, AUTHORITY_NONE },
	{ NC_("kind", "person.updated"), &type_person,
	    0, 1, person_updated_fields, 0, 0,
	    AUTHORITY(PART_CREATOR, NULL, 0) },
	{ NC_("kind", "person.left"), &type_person,
	    0, 0, person_left_fields, 0, 0, AUTHORITY(PART_CREATOR, NULL, 0) },
	{ NC_("kind", "person.trained"), &type_person,
	    0, 0, person_trained_fields, 0, 0,
	    AUTHORITY(PART_CREATOR, NULL, 0) },
	ATTACHED_KIND(NC_("kind", "person.attached"), person, 0,
	    PART_CREATOR),
	{ 0 },
};

/*
 * A person in a unit's register:
 *
 *   active --updated--> active
 *          --trained--> active (appended to "training")
 *          --left--> left
 *
 * Every step is the registering unit's (not_creator otherwise). Once the
 * person left, the record is not changed (person_left), but a training
 * attended before the day of leaving may still be entered.
 */
static const char *
apply_person(json_t *doc, const struct event *ev)
{
	const char *st = fold_status(doc), *k = ev->kind, *left;
	json_t *a;

	if (strcmp(k, "person.registered") == 0) {
		if (*st != '\0')
			return "already_created";
		fold_created(doc, ev, "active");
		fold_stamp(doc, ev);
		return NULL;
	}
	if (*st == '\0')
		return "before_creation";
	if (strcmp(ev->unit, cjson_str(doc, "unit")) != 0)
		return "not_creator";
	left = cjson_str(json_object_get(doc, "left"), "date");
	if (strcmp(k, "person.trained") == 0) {
		/* Canonical times of one offset compare as text. */
		if (left != NULL && strcmp(cjson_str(ev->body, "date"), left) > 0)
			return "person_left";
		a = fold_act(ev);
		json_object_set(a, "date", json_object_get(ev->body, "date"));
		json_object_set(a, "hours", json_object_get(ev->body, "hours"));
		json_object_set(a, "topic", json_object_get(ev->body, "topic"));
		fold_append(doc, "training", a);
		fold_stamp(doc, ev);
		return NULL;
	}
	if (left != NULL)
		return "person_left";
	if (strcmp(k, "person.updated") == 0) {
		fold_copy_body(doc, ev->body, NULL);
		fold_stamp(doc, ev);
		return NULL;
	}
	if (strcmp(k, "person.left") == 0) {
		a = fold_act(ev);
		json_object_set(a, "date", json_object_get(ev->body, "date"));
		json_object_set(a, "reason", json_object_get(ev->body, "reason"));
		json_object_set_new(doc, "left", a);
		json_object_set_new(doc, "status", json_string("left"));
		fold_stamp(doc, ev);
		return NULL;
	}
	return "unknown_kind";
}

static const char *const person_search[] = {
	"name", "post", "certificate", NULL
};

static const struct fold_reason person_reasons[] = {
	{ "person_left", N_("the person has left the unit") },
	{ NULL, NULL },
};

/* The states its records go through (fold step above), as `show` and
 * `list` name them: pgettext("status", ...). */
static const char *const person_statuses[] = {
	NC_("status", "active"), NC_("status", "left"), NULL,
};

const struct entity_type type_person = {
	.name = "person",
	.statuses = person_statuses,
	.label = N_("person"),
	.letter = 'P',
	.kinds = person_kinds,
	.apply = apply_person,
	.audience = AUDIENCE_CLOSED,
	.search = person_search,
	/* The bureau's liaison supervisor (Gonghe 三(一)4) and the county
	 * government, who check the designations and the yearly training,
	 * as for the liaison ledger (type-liaison.c). */
	.watched_by = ROLE_ADMIN | ROLE_BUREAU | ROLE_GOVERNMENT,
	.written_by = ROLES_UNITS,
	.reasons = person_reasons,
};
