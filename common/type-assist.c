/*
 * type-assist.c - the record type "assist" (registry.h): an assistance
 * request (执法协助): testing, inspection, quarantine, appraisal or an
 * opinion asked of a department.
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

const struct enum_value assist_types[] = {
	{ "testing", "检测" },
	{ "inspection", "检验" },
	{ "quarantine", "检疫" },
	{ "appraisal", "技术鉴定" },
	{ "opinion", "认定" },
	{ "consultation", "咨询意见" },
	{ NULL, NULL },
};

/*
 * The fields of an assistance request's kinds are declared once, with the
 * options that give them (agent/cmd-assist.c: assist
 * request|answer|extend) and the labels they are asked for with.
 * answer_due is the county's rule's, not an option.
 */

/* An assistance request (执法协助): testing, inspection, quarantine,
 * technical appraisal or an opinion asked of a department, answered in
 * writing under its seal (fold.c: requested -> answered). */
static const struct field assist_requested_fields[] = {
	{ "to", F_STR, 1, 40, NULL, FIELD_UI(NULL, "UNIT",
	    N_("the department asked, e.g. 县市场监管局 (required)"),
	    N_("department asked"), 0) },
	{ "form", F_ENUM, 1, 0, assist_types, FIELD_UI("type", "TYPE",
	    N_("testing, inspection, quarantine, appraisal, opinion or consultation (检测, 检验, 检疫, 技术鉴定, 认定, 咨询意见) (required)"),
	    N_("type"), 0) },
	{ "subject", F_TEXT, 1, 500, NULL, FIELD_UI(NULL, "TEXT",
	    N_("what is to be tested or determined (required)"),
	    N_("subject"), 0) },
	{ "case", F_ENTITY, 0, 0, NULL, FIELD_UI(NULL, "ID",
	    N_("the case it serves, held by this unit"), NULL, 0) },
	{ "urgent", F_BOOL, 1, 0, NULL, FIELD_UI(NULL, NULL,
	    N_("urgent request"), NULL, 0) },
	{ "officer", F_STR, 1, 32, NULL, FIELD_UI(NULL, "NAME",
	    N_("officer asking"), N_("officer"), FIELD_OFFICER) },
	{ "sent_at", F_TIME, 0, 0, NULL, FIELD_UI(NULL, "DATE",
	    N_("when the paper letter really left, if before it is entered here (default: now)"),
	    NULL, 0) },
	{ "answer_due", F_DEADLINE, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* The written answer; sealed must be true (the unit's seal is on it). */
static const struct field assist_answered_fields[] = {
	{ "conclusion", F_TEXT, 1, 2000, NULL, FIELD_UI(NULL, "TEXT",
	    N_("the written conclusion or opinion (required)"), NULL, 0) },
	{ "sealed", F_BOOL, 1, 0, NULL, FIELD_UI(NULL, NULL,
	    N_("the answer bears the unit's seal (required: answers are sealed, in writing)"),
	    NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* The time to answer extended by the asked unit, before it passed (the
 * new answer_due from --days: form_extend). */
static const struct field assist_extended_fields[] = {
	{ "answer_due", F_DEADLINE, 1, 0, NULL, NULL },
	{ "reason", F_TEXT, 1, 500, NULL, FIELD_UI(NULL, "TEXT",
	    N_("why, e.g. the appraisal needs a site survey (required)"),
	    NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* Its receipt by the department asked (fold_received): the time to
 * answer counts from it (共和县 三(二)4: "自收到协助通知书之日起3个工作
 * 日内"; 峄城区 四(二)2: "自收到书面征询之日起五日内"). */
static const struct field assist_received_fields[] = {
	RECEIPT_FIELDS("answer_due"),
};

static const struct kind_info assist_kinds[] = {
	{ NC_("kind", "assist.requested"), &type_assist,
	    1, 0, assist_requested_fields,
	    0, 0, AUTHORITY(0, "to", PART_ADDRESSEE) },
	{ NC_("kind", "assist.answered"), &type_assist,
	    0, 0, assist_answered_fields, 0, 0,
	    AUTHORITY(PART_ADDRESSEE, NULL, 0) },
	{ NC_("kind", "assist.extended"), &type_assist,
	    0, 0, assist_extended_fields, 0, 0,
	    AUTHORITY(PART_ADDRESSEE, NULL, 0) },
	{ NC_("kind", "assist.received"), &type_assist,
	    0, 0, assist_received_fields, 0, 0,
	    AUTHORITY(PART_ADDRESSEE, NULL, 0) },
	ATTACHED_KIND(NC_("kind", "assist.attached"), assist, 0,
	    PART_CREATOR | PART_ADDRESSEE),
	{ 0 },
};

/*
 * An assistance request (执法协助):
 *
 *   requested --answered (the asked unit, sealed)--> answered
 *       \--extended (the asked unit, before answer_due)--> requested
 *
 * and, in any state, received (the asked unit): when the request
 * arrived there, from which the time to answer counts.
 *
 * A second answer, an answer or extension by another unit, an extension
 * after the deadline and an unsealed answer are conflicts.
 */
static const char *
apply_assist(json_t *doc, const struct event *ev)
{
	const char *st = fold_status(doc), *k = ev->kind;
	const char *to = json_string_value(json_object_get(doc, "to"));

	if (strcmp(k, "assist.requested") == 0) {
		if (*st != '\0')
			return "already_created";
		fold_created(doc, ev, "requested");
		fold_stamp(doc, ev);
		return NULL;
	}
	if (*st == '\0')
		return "before_creation";
	if (strcmp(k, "assist.received") == 0)
		return fold_received(doc, ev, "to");
	if (strcmp(k, "assist.answered") == 0) {
		json_t *a;
		if (strcmp(st, "answered") == 0)
			return "already_answered";
		if (to == NULL || strcmp(ev->unit, to) != 0)
			return "not_asked_unit";
		if (!json_is_true(json_object_get(ev->body, "sealed")))
			return "not_sealed";
		a = fold_act(ev);
		json_object_set(a, "conclusion", json_object_get(ev->body,
		    "conclusion"));
		json_object_set_new(doc, "answer", a);
		json_object_set_new(doc, "status", json_string("answered"));
		fold_stamp(doc, ev);
		return NULL;
	}
	if (strcmp(k, "assist.extended") == 0) {
		if (strcmp(st, "answered") == 0)
			return "already_answered";
		if (to == NULL || strcmp(ev->unit, to) != 0)
			return "not_asked_unit";
		return fold_extend(doc, ev, "answer_due");
	}
	return "unknown_kind";
}

static void
assist_owed(const json_t *doc, const char *st,
    void (*fn)(const struct obligation *o, void *arg), void *arg)
{
	if (strcmp(st, "requested") == 0)
		due_emit(doc, cjson_str(doc, "to"),
		    N_("answer the assistance request in writing, sealed (执法协助)"),
		    json_object_get(doc, "answer_due"), fn, arg);
}

/* The time to answer: "consult" for a consultation opinion, else
 * "assist" (agent/cmd-assist.c). */
static const char *const assist_answer_rules[] = { "assist", "consult", NULL };
static const char *const assist_answer_done[] = { "assist.answered", NULL };

/* Owed by the department asked, from when it received the request. */
static const char *const assist_from_receipt[] = { "answer_due", NULL };

static const struct deadline_decl assist_deadlines[] = {
	{ "answer_due", assist_answer_rules, assist_answer_done,
	    "assist.extended" },
	{ NULL, NULL, NULL, NULL },
};

/* What the full-text index holds of it (fold_search_text). */
static const char *const assist_search[] = { "officer", "subject", NULL };

static const struct fold_reason assist_reasons[] = {
	{ "not_asked_unit", N_("only the unit asked for assistance may do this") },
	{ "not_sealed", N_("the answer must be in writing under the unit's seal") },
	{ NULL, NULL },
};

/* The states its records go through (fold step above), as `show` and
 * `list` name them: pgettext("status", ...). */
static const char *const assist_statuses[] = {
	NC_("status", "requested"), NC_("status", "answered"), NULL,
};

const struct entity_type type_assist = {
	.name = "assist",
	.statuses = assist_statuses,
	.label = N_("assistance request"),
	.letter = 'A',
	.kinds = assist_kinds,
	.apply = apply_assist,
	.owed = assist_owed,
	.deadlines = assist_deadlines,
	.audience = AUDIENCE_GROWS,
	.search = assist_search,
	.watched_by = ROLE_ADMIN | ROLE_LEGAL,
	.written_by = ROLES_HANDLERS,
	.from_receipt = assist_from_receipt,
	.reasons = assist_reasons,
};
