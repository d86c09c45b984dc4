/*
 * type-supervision.c - the record type "supervision" (registry.h):
 * supervision (监督): a department's written opinion on the bureau's
 * enforcement, or the bureau's report of its cases, answered in writing.
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

/* Supervision between the bureau and the departments (共和县 三(七)). */
const struct enum_value supervision_forms[] = {
	{ "opinion", "书面意见" },
	{ "report", "执法办案通报" },
	{ NULL, NULL },
};

/*
 * The fields of a supervision's kinds are declared once, with the options
 * that give them (agent/cmd-supervision.c: supervision send|reply) and the
 * labels they are asked for with. reply_due is the county's rule's, not
 * an option.
 */

/* A department's written opinion on the bureau's enforcement, or the
 * bureau's report of its cases to a department; the unit addressed owes
 * a written reply (fold.c: sent -> replied). */
static const struct field supervision_sent_fields[] = {
	{ "form", F_ENUM, 1, 0, supervision_forms, FIELD_UI("type", "TYPE",
	    N_("opinion (a department on the bureau's enforcement, 书面意见) or report (the bureau's cases to a department, 执法办案通报) (required)"),
	    N_("type"), 0) },
	{ "to", F_STR, 1, 40, NULL, FIELD_UI(NULL, "UNIT",
	    N_("the unit that must answer (required)"),
	    N_("unit that must answer"), 0) },
	{ "subject", F_STR, 1, 100, NULL, FIELD_UI(NULL, "TEXT",
	    N_("what it is about (required)"), N_("subject"), 0) },
	{ "text", F_TEXT, 1, 2000, NULL, FIELD_UI(NULL, "TEXT",
	    N_("the opinion or report itself (required)"), N_("text"), 0) },
	{ "case", F_ENTITY, 0, 0, NULL, FIELD_UI(NULL, "ID",
	    N_("the case it concerns, held by this unit"), NULL, 0) },
	{ "officer", F_STR, 1, 32, NULL, FIELD_UI(NULL, "NAME",
	    N_("officer sending"), N_("officer"), FIELD_OFFICER) },
	{ "sent_at", F_TIME, 0, 0, NULL, FIELD_UI(NULL, "DATE",
	    N_("when the paper letter really left, if before it is entered here (default: now)"),
	    NULL, 0) },
	{ "reply_due", F_DEADLINE, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL },
};

static const struct field supervision_replied_fields[] = {
	{ "text", F_TEXT, 1, 2000, NULL, FIELD_UI(NULL, "TEXT",
	    N_("the written reply or the supervision results (required)"),
	    NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* Its receipt by the unit addressed (fold_received): the time to reply
 * counts from it (共和县 三(七)1: "在收到书面意见7个工作日内书面回复"). */
static const struct field supervision_received_fields[] = {
	RECEIPT_FIELDS("reply_due"),
};

static const struct kind_info supervision_kinds[] = {
	{ NC_("kind", "supervision.sent"), &type_supervision,
	    1, 0, supervision_sent_fields,
	    0, 0, AUTHORITY(0, "to", PART_ADDRESSEE) },
	{ NC_("kind", "supervision.replied"), &type_supervision,
	    0, 0, supervision_replied_fields,
	    0, 0, AUTHORITY(PART_ADDRESSEE, NULL, 0) },
	{ NC_("kind", "supervision.received"), &type_supervision,
	    0, 0, supervision_received_fields, 0, 0,
	    AUTHORITY(PART_ADDRESSEE, NULL, 0) },
	ATTACHED_KIND(NC_("kind", "supervision.attached"), supervision, 0,
	    PART_CREATOR | PART_ADDRESSEE),
	{ 0 },
};

/*
 * Supervision (监督): a department's written opinion on the bureau's
 * enforcement, or the bureau's report of its cases to a department:
 *
 *   sent --replied (the unit addressed)--> replied
 *
 * and, in any state, received (the unit addressed): when it arrived
 * there, from which the time to reply counts.
 * A second reply, or a reply by another unit, is a conflict.
 */
static const char *
apply_supervision(json_t *doc, const struct event *ev)
{
	const char *st = fold_status(doc), *k = ev->kind;
	const char *to = json_string_value(json_object_get(doc, "to"));
	json_t *a;

	if (strcmp(k, "supervision.sent") == 0) {
		if (*st != '\0')
			return "already_created";
		fold_created(doc, ev, "sent");
		fold_stamp(doc, ev);
		return NULL;
	}
	if (*st == '\0')
		return "before_creation";
	if (strcmp(k, "supervision.received") == 0)
		return fold_received(doc, ev, "to");
	if (strcmp(k, "supervision.replied") != 0)
		return "unknown_kind";
	if (strcmp(st, "replied") == 0)
		return "already_answered";
	if (to == NULL || strcmp(ev->unit, to) != 0)
		return "not_addressed";
	a = fold_act(ev);
	json_object_set(a, "text", json_object_get(ev->body, "text"));
	json_object_set_new(doc, "reply", a);
	json_object_set_new(doc, "status", json_string("replied"));
	fold_stamp(doc, ev);
	return NULL;
}

static void
supervision_owed(const json_t *doc, const char *st,
    void (*fn)(const struct obligation *o, void *arg), void *arg)
{
	const char *form = cjson_str(doc, "form");

	if (strcmp(st, "sent") == 0 && form != NULL)
		due_emit(doc, cjson_str(doc, "to"), strcmp(form, "opinion") == 0 ?
		    N_("reply in writing to the supervision opinion (书面回复)") :
		    N_("send the supervision results back in writing (监督结果反馈)"),
		    json_object_get(doc, "reply_due"), fn, arg);
}

/* The time to reply: to an opinion, or with the results of a report. */
static const char *const supervision_reply_rules[] = { "supervision_reply",
	"supervision_result", NULL };
static const char *const supervision_reply_done[] = { "supervision.replied",
	NULL };

/* Owed by the unit addressed, from when it received the record. */
static const char *const supervision_from_receipt[] = { "reply_due", NULL };

static const struct deadline_decl supervision_deadlines[] = {
	{ "reply_due", supervision_reply_rules, supervision_reply_done, NULL },
	{ NULL, NULL, NULL, NULL },
};

/* What the full-text index holds of it (fold_search_text). */
static const char *const supervision_search[] = {
	"officer", "subject", NULL
};

static const struct fold_reason supervision_reasons[] = {
	{ "not_addressed", N_("only the unit it was addressed to may reply") },
	{ NULL, NULL },
};

/* The states its records go through (fold step above), as `show` and
 * `list` name them: pgettext("status", ...). */
static const char *const supervision_statuses[] = {
	NC_("status", "sent"), NC_("status", "replied"), NULL,
};

const struct entity_type type_supervision = {
	.name = "supervision",
	.statuses = supervision_statuses,
	.label = N_("supervision"),
	.letter = 'V',
	.kinds = supervision_kinds,
	.apply = apply_supervision,
	.owed = supervision_owed,
	.deadlines = supervision_deadlines,
	.audience = AUDIENCE_GROWS,
	.search = supervision_search,
	.watched_by = ROLE_ADMIN | ROLE_LEGAL,
	.written_by = ROLE_TOWNSHIP | ROLE_DEPARTMENT | ROLE_BUREAU,
	.reasons = supervision_reasons,
	.from_receipt = supervision_from_receipt,
};
