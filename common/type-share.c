/*
 * type-share.c - the record type "share" (registry.h): information a
 * unit must pass on (信息共享): approvals, superior documents, penalty
 * decisions, letters for help with execution.
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

/* What information a unit passes on (信息共享), each with its own rule in
 * the profiles that set one (docs/rules.md). */
const struct enum_value share_forms[] = {
	{ "approval", "行政审批" },
	{ "document", "上级文件" },
	{ "penalty", "处罚决定" },
	{ "enforcement", "配合执行函" },
	{ "info", "执法信息" },
	{ NULL, NULL },
};

const struct enum_value share_channels[] = {
	{ "platform", "平台" },
	{ "written", "书面" },
	{ "phone", "电话" },
	{ NULL, NULL },
};

/*
 * The fields of a share's kinds are declared once, with the options that
 * give them (agent/cmd-share.c: share record|send|extend; record takes
 * the sending's options too, to pass it on at once) and the labels they
 * are asked for with. send_due is the county's rule's, not an option.
 */

/* Information a unit holds and must pass on: an approval it made, a
 * superior department's document it received, a penalty decision, a
 * letter asking for help to execute one, other enforcement information.
 * "formed_at" is when it formed (made or received); the time to pass it
 * on counts from then (fold.c: formed -> shared). */
static const struct field share_formed_fields[] = {
	{ "form", F_ENUM, 1, 0, share_forms, FIELD_UI("type", "TYPE",
	    N_("approval, document, penalty, enforcement or info (行政审批, 上级文件, 处罚决定, 配合执行函, 执法信息) (required)"),
	    N_("type"), 0) },
	{ "title", F_STR, 1, 100, NULL, FIELD_UI(NULL, "TEXT",
	    N_("its title or document number (required)"), N_("title"), 0) },
	{ "summary", F_TEXT, 0, 2000, NULL, FIELD_UI(NULL, "TEXT",
	    N_("what it says"), NULL, 0) },
	{ "formed_at", F_TIME, 1, 0, NULL, FIELD_UI(NULL, "TIME",
	    N_("when the approval or decision was made or the document received (default: now)"),
	    N_("formed at"), FIELD_NOW) },
	{ "urgent", F_BOOL, 1, 0, NULL, FIELD_UI(NULL, NULL,
	    N_("urgent: pass it on at once where the county's rules say so"),
	    NULL, 0) },
	{ "case", F_ENTITY, 0, 0, NULL, FIELD_UI(NULL, "ID",
	    N_("the case it concerns, held by this unit"), NULL, 0) },
	{ "officer", F_STR, 1, 32, NULL, FIELD_UI(NULL, "NAME",
	    N_("officer recording"), N_("officer"), FIELD_OFFICER) },
	{ "send_due", F_DEADLINE, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* Passed on to units (copied, told, sent); may happen more than once.
 * "via" is the platform unless the command says otherwise. */
static const struct field share_sent_fields[] = {
	{ "to", F_STRS, 1, 20, NULL, FIELD_UI(NULL, "UNIT",
	    N_("pass it on to UNIT (repeatable; required to send, optional when recording)"),
	    NULL, 0) },
	{ "via", F_ENUM, 1, 0, share_channels, FIELD_UI(NULL, "HOW",
	    N_("with --to: platform (default), written or phone (平台, 书面, 电话)"),
	    NULL, 0) },
	{ "note", F_TEXT, 0, 500, NULL, FIELD_UI(NULL, "TEXT",
	    N_("with --to: a note for the units"), NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* The time to pass it on extended, before it passed, where allowed (the
 * new send_due from --days: form_extend). */
static const struct field share_extended_fields[] = {
	{ "send_due", F_DEADLINE, 1, 0, NULL, NULL },
	{ "reason", F_TEXT, 1, 500, NULL, FIELD_UI(NULL, "TEXT",
	    N_("why, e.g. the records are still being collected (required)"),
	    NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

static const struct kind_info share_kinds[] = {
	{ NC_("kind", "share.formed"), &type_share,
	    1, 0, share_formed_fields, 0, 0, AUTHORITY_NONE },
	{ NC_("kind", "share.sent"), &type_share, 0, 0, share_sent_fields, 0, 0,
	    AUTHORITY(PART_CREATOR, NULL, 0) },
	{ NC_("kind", "share.extended"), &type_share,
	    0, 0, share_extended_fields, 0, 0,
	    AUTHORITY(PART_CREATOR, NULL, 0) },
	ATTACHED_KIND(NC_("kind", "share.attached"), share, 0,
	    PART_CREATOR),
	{ 0 },
};

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
	const char *st = fold_status(doc), *k = ev->kind;
	const char *unit = json_string_value(json_object_get(doc, "unit"));

	if (strcmp(k, "share.formed") == 0) {
		if (*st != '\0')
			return "already_created";
		fold_created(doc, ev, "formed");
		fold_stamp(doc, ev);
		return NULL;
	}
	if (*st == '\0')
		return "before_creation";
	if (unit == NULL || strcmp(ev->unit, unit) != 0)
		return "not_holder";
	if (strcmp(k, "share.sent") == 0) {
		json_t *a = fold_act(ev);
		json_object_set(a, "to", json_object_get(ev->body, "to"));
		json_object_set(a, "via", json_object_get(ev->body, "via"));
		if (json_object_get(ev->body, "note") != NULL)
			json_object_set(a, "note", json_object_get(ev->body, "note"));
		fold_append(doc, "sent", a);
		json_object_set_new(doc, "status", json_string("shared"));
		fold_stamp(doc, ev);
		return NULL;
	}
	if (strcmp(k, "share.extended") == 0) {
		if (strcmp(st, "shared") == 0)
			return "already_shared";
		return fold_extend(doc, ev, "send_due");
	}
	return "unknown_kind";
}

static void
share_owed(const json_t *doc, const char *st,
    void (*fn)(const struct obligation *o, void *arg), void *arg)
{
	static const struct { const char *form, *what; } owed[] = {
		{ "approval", N_("copy the approval to the bureau (抄送审批)") },
		{ "document", N_("tell the bureau of the superior document (告知上级文件)") },
		{ "penalty", N_("copy the penalty decision to the units concerned (抄送处罚决定)") },
		{ "enforcement", N_("write to the unit whose help the execution needs (书面函告)") },
		{ "info", N_("share the information (信息共享)") },
	};
	const char *form = cjson_str(doc, "form");
	size_t i;

	if (strcmp(st, "formed") != 0 || form == NULL)
		return;
	for (i = 0; i < sizeof owed / sizeof owed[0]; i++)
		if (strcmp(owed[i].form, form) == 0)
			due_emit(doc, cjson_str(doc, "unit"), owed[i].what,
			    json_object_get(doc, "send_due"), fn, arg);
}

/* The time to pass it on, by the form of the information (and its
 * urgency): agent/cmd-share.c picks the rule. Each sending marks it done;
 * the first one counts. */
static const char *const share_send_rules[] = { "copy_approval",
	"copy_approval_urgent", "pass_documents", "pass_documents_urgent",
	"copy_penalty", "enforce_request", "share_info", NULL };
static const char *const share_send_done[] = { "share.sent", NULL };

static const struct deadline_decl share_deadlines[] = {
	{ "send_due", share_send_rules, share_send_done, "share.extended" },
	{ NULL, NULL, NULL, NULL },
};

/* What the full-text index holds of it (fold_search_text). */
static const char *const share_search[] = { "summary", "officer", NULL };

static const struct fold_reason share_reasons[] = {
	{ "not_holder", N_("only the unit holding the information may pass it on") },
	{ "already_shared", N_("it was already passed on") },
	{ NULL, NULL },
};

/* The states its records go through (fold step above), as `show` and
 * `list` name them: pgettext("status", ...). */
static const char *const share_statuses[] = {
	NC_("status", "formed"), NC_("status", "shared"), NULL,
};

const struct entity_type type_share = {
	.name = "share",
	.statuses = share_statuses,
	.label = N_("shared information"),
	.letter = 'S',
	.kinds = share_kinds,
	.apply = apply_share,
	.owed = share_owed,
	.deadlines = share_deadlines,
	.audience = AUDIENCE_GROWS,
	.search = share_search,
	.watched_by = ROLE_ADMIN | ROLE_LEGAL,
	.written_by = ROLES_UNITS,
	.reasons = share_reasons,
};
