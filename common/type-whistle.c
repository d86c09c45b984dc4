/*
 * type-whistle.c - the record type "whistle" (registry.h): a township's
 * call to a department (乡镇吹哨、部门报到).
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

/*
 * The fields of a whistle's kinds are declared once, with the options
 * that give them (agent/cmd-whistle.c: whistle call|answer|escalate) and
 * the labels they are asked for with: the schema, the options and the
 * form are this one table. answer_due is the county's rule's, not an
 * option.
 */

/* "Township whistles, departments report" (乡镇吹哨、部门报到). */
static const struct field whistle_called_fields[] = {
	{ "to", F_STR, 1, 40, NULL, FIELD_UI(NULL, "UNIT",
	    N_("the department called, e.g. 县应急管理局 (required)"),
	    N_("department called"), 0) },
	{ "matter", F_STR, 1, 60, NULL, FIELD_UI(NULL, "TEXT",
	    N_("the problem it is called to (required)"), N_("matter"), 0) },
	{ "location", F_STR, 1, 100, NULL, FIELD_UI(NULL, "TEXT",
	    N_("where to report (required)"), N_("location"), 0) },
	{ "officer", F_STR, 1, 32, NULL, FIELD_UI(NULL, "NAME",
	    N_("officer calling"), N_("officer"), FIELD_OFFICER) },
	{ "sent_at", F_TIME, 0, 0, NULL, FIELD_UI(NULL, "DATE",
	    N_("when the paper letter really left, if before it is entered here (default: now)"),
	    NULL, 0) },
	{ "answer_due", F_DEADLINE, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL },
};

static const struct field whistle_answered_fields[] = {
	{ "officer_sent", F_STR, 1, 32, NULL, FIELD_UI(NULL, "NAME",
	    N_("the officer(s) the department sends (required)"), NULL, 0) },
	{ "note", F_TEXT, 0, 500, NULL, FIELD_UI(NULL, "TEXT",
	    N_("a note for the calling unit"), NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* An unanswered call taken to the county. */
static const struct field whistle_escalated_fields[] = {
	{ "to", F_STR, 1, 40, NULL, FIELD_UI(NULL, "UNIT",
	    N_("the county unit taking it up, e.g. 县人民政府 (required)"),
	    NULL, 0) },
	{ "reason", F_TEXT, 1, 500, NULL, FIELD_UI(NULL, "TEXT",
	    N_("why, e.g. no one came (required)"), NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* Its receipt by the department called (fold_received): the time to
 * report counts from it. */
static const struct field whistle_received_fields[] = {
	RECEIPT_FIELDS("answer_due"),
};

static const struct kind_info whistle_kinds[] = {
	{ NC_("kind", "whistle.called"), &type_whistle,
	    1, 0, whistle_called_fields,
	    0, ROLE_TOWNSHIP, AUTHORITY(0, "to", PART_ADDRESSEE) },
	{ NC_("kind", "whistle.answered"), &type_whistle,
	    0, 0, whistle_answered_fields,
	    0, ROLE_DEPARTMENT | ROLE_BUREAU | ROLE_POLICE,
	    AUTHORITY(PART_ADDRESSEE, NULL, 0) },
	{ NC_("kind", "whistle.escalated"), &type_whistle,
	    0, 0, whistle_escalated_fields,
	    0, ROLE_TOWNSHIP, AUTHORITY(PART_CREATOR, "to", PART_ESCALATED) },
	{ NC_("kind", "whistle.received"), &type_whistle,
	    0, 0, whistle_received_fields,
	    0, ROLE_DEPARTMENT | ROLE_BUREAU | ROLE_POLICE,
	    AUTHORITY(PART_ADDRESSEE, NULL, 0) },
	ATTACHED_KIND(NC_("kind", "whistle.attached"), whistle,
	    ROLE_TOWNSHIP | ROLE_DEPARTMENT | ROLE_BUREAU | ROLE_POLICE,
	    PART_CREATOR | PART_ADDRESSEE),
	{ 0 },
};

/*
 * "Township whistles, departments report" (乡镇吹哨、部门报到):
 *
 *   called --answered (the called department)--> answered
 *     \--escalated (not the called department)--> escalated --answered--/
 *
 * and, in any state, received (the called department): when the call
 * arrived there, from which the time to report counts.
 *
 * Escalation is only for an unanswered call; answering twice or by
 * another unit is a conflict.
 */
static const char *
apply_whistle(json_t *doc, const struct event *ev)
{
	const char *st = fold_status(doc), *k = ev->kind;
	const char *to = json_string_value(json_object_get(doc, "to"));

	if (strcmp(k, "whistle.called") == 0) {
		if (*st != '\0')
			return "already_created";
		fold_created(doc, ev, "called");
		fold_stamp(doc, ev);
		return NULL;
	}
	if (*st == '\0')
		return "before_creation";
	if (strcmp(k, "whistle.received") == 0)
		return fold_received(doc, ev, "to");
	if (strcmp(st, "answered") == 0)
		return "already_answered";
	if (strcmp(k, "whistle.answered") == 0) {
		json_t *a;
		if (to == NULL || strcmp(ev->unit, to) != 0)
			return "not_called_unit";
		a = fold_act(ev);
		json_object_set(a, "officer_sent", json_object_get(ev->body,
		    "officer_sent"));
		if (json_object_get(ev->body, "note") != NULL)
			json_object_set(a, "note", json_object_get(ev->body, "note"));
		json_object_set_new(doc, "answer", a);
		json_object_set_new(doc, "status", json_string("answered"));
		fold_stamp(doc, ev);
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
		fold_stamp(doc, ev);
		return NULL;
	}
	return "unknown_kind";
}

static void
whistle_owed(const json_t *doc, const char *st,
    void (*fn)(const struct obligation *o, void *arg), void *arg)
{
	if (strcmp(st, "called") != 0 && strcmp(st, "escalated") != 0)
		return;
	due_emit(doc, cjson_str(doc, "to"),
	    N_("report to the township's call (部门报到)"),
	    json_object_get(doc, "answer_due"), fn, arg);
	if (strcmp(st, "escalated") == 0)
		due_emit(doc, cjson_str(doc, "escalated_to"),
		    N_("see that the department reports (吹哨升级)"), NULL,
		    fn, arg);
}

/* The time to report, where the county's document sets one. */
static const char *const whistle_answer_rules[] = { "whistle_answer", NULL };
static const char *const whistle_answer_done[] = { "whistle.answered", NULL };

/* Owed by the department called, from when it received the call. */
static const char *const whistle_from_receipt[] = { "answer_due", NULL };

static const struct deadline_decl whistle_deadlines[] = {
	{ "answer_due", whistle_answer_rules, whistle_answer_done, NULL },
	{ NULL, NULL, NULL, NULL },
};

/* What the full-text index holds of it (fold_search_text). */
static const char *const whistle_search[] = {
	"matter", "location", "officer", NULL
};

static const struct fold_reason whistle_reasons[] = {
	{ "not_called_unit", N_("only the department called may report") },
	{ "escalated_by_called_unit", N_("the department called cannot escalate its own call") },
	{ "not_caller", N_("only the township that called may escalate") },
	{ NULL, NULL },
};

/* The states its records go through (fold step above), as `show` and
 * `list` name them: pgettext("status", ...). */
static const char *const whistle_statuses[] = {
	NC_("status", "called"), NC_("status", "escalated"),
	NC_("status", "answered"), NULL,
};

const struct entity_type type_whistle = {
	.name = "whistle",
	.statuses = whistle_statuses,
	.label = N_("township call"),
	.letter = 'W',
	.kinds = whistle_kinds,
	.apply = apply_whistle,
	.owed = whistle_owed,
	.deadlines = whistle_deadlines,
	.audience = AUDIENCE_GROWS,
	.search = whistle_search,
	.watched_by = ROLE_ADMIN | ROLE_LEGAL | ROLE_BUREAU,
	/* written_by: each kind says. */
	.from_receipt = whistle_from_receipt,
	.reasons = whistle_reasons,
};
