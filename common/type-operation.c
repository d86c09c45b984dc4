/*
 * type-operation.c - the record type "operation" (registry.h): a joint
 * enforcement operation (联合执法), a special campaign (专项整治), a joint
 * patrol (联合巡察) or a joint inspection of one trade (一业一查), led by
 * one unit with others taking part.
 *
 * The seeds: Gonghe 三(八)4 (会商 "组织协调推进联合执法"), Gu 三(四) and
 * 三(五)3 (joint enforcement agreed between townships and departments),
 * Yicheng 一(二)4 and 七(二) (the bureau notifies the police in advance of
 * a major or special operation, "提前通知公安机关"), Baijiantan 三(三)2
 * ("一业一查" joint inspections), Yantai 三 (联合巡察, 综合执法).
 *
 * Here: its kinds and their body fields (with the options that give
 * them: agent/cmd-operation.c), its fold step, what its records owe, and
 * its row in the registry.
 */
#include <string.h>

#include "cjson.h"
#include "due.h"
#include "fold.h"
#include "kinds.h"
#include "ltime.h"
#include "registry.h"
#include "roles.h"
#include "util.h"

const struct enum_value operation_forms[] = {
	{ "joint", "联合执法" },
	{ "campaign", "专项整治" },
	{ "patrol", "联合巡察" },
	{ "inspection", "一业一查" },
	{ NULL, NULL },
};

const struct enum_value operation_answers[] = {
	{ "join", "参加" },
	{ "decline", "不参加" },
	{ NULL, NULL },
};

/* The plan: the lead unit (its author), the units taking part, when and
 * where; police: the police are to be told in advance (Yicheng 七(二)).
 * answer_due: by when each unit says whether it takes part (rule
 * operation_answer, where the county sets one). */
static const struct field operation_planned_fields[] = {
	{ "form", F_ENUM, 1, 0, operation_forms, FIELD_UI("type", "TYPE",
	    N_("joint, campaign, patrol or inspection (联合执法, 专项整治, "
	    "联合巡察, 一业一查)"), N_("Type"), 0) },
	{ "matter", F_STR, 1, 60, NULL, FIELD_UI(NULL, "TEXT",
	    N_("what the operation is about (required)"), N_("Matter"), 0) },
	{ "units", F_STRS, 1, 20, NULL, FIELD_UI("unit", "UNIT",
	    N_("a unit taking part (repeat; required)"), NULL, 0) },
	{ "at", F_TIME, 1, 0, NULL, FIELD_UI(NULL, "DATE",
	    N_("when it starts (required)"), N_("Starts at"), FIELD_FUTURE) },
	{ "place", F_STR, 1, 100, NULL, FIELD_UI(NULL, "TEXT",
	    N_("where (required)"), N_("Place"), 0) },
	{ "police", F_BOOL, 0, 0, NULL, FIELD_UI(NULL, NULL,
	    N_("the police must be told in advance (提前通知公安机关)"), NULL,
	    0) },
	{ "officer", F_STR, 1, 32, NULL, FIELD_UI(NULL, "NAME",
	    N_("officer planning it (default: configured officer)"),
	    N_("Officer"), FIELD_OFFICER) },
	{ "answer_due", F_DEADLINE, 0, 0, NULL, NULL },
	{ "police_due", F_DEADLINE, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* A unit's answer: whether it takes part, and whom it sends. */
static const struct field operation_answered_fields[] = {
	{ "answer", F_ENUM, 1, 0, operation_answers, FIELD_UI(NULL, "ANSWER",
	    N_("join or decline (参加, 不参加; required)"), NULL, 0) },
	{ "officers_sent", F_STR, 0, 100, NULL, FIELD_UI(NULL, "NAMES",
	    N_("the officers this unit sends"), NULL, 0) },
	{ "note", F_TEXT, 0, 500, NULL, FIELD_UI(NULL, "TEXT",
	    N_("a note for the lead unit (why not, for a decline)"), NULL,
	    0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* The lead told the police: when, and whom. */
static const struct field operation_police_fields[] = {
	{ "notified_at", F_TIME, 1, 0, NULL, FIELD_UI(NULL, "DATE",
	    N_("when the police were told (default: now)"), NULL,
	    FIELD_NOW) },
	{ "contact", F_STR, 1, 60, NULL, FIELD_UI(NULL, "TEXT",
	    N_("the police station or officer told (required)"), NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* What it found and did: the cases opened from it are linked here. */
static const struct field operation_result_fields[] = {
	{ "summary", F_TEXT, 1, 2000, NULL, FIELD_UI(NULL, "TEXT",
	    N_("what was inspected, found and done (required)"), NULL, 0) },
	{ "cases", F_STRS, 0, 50, NULL, FIELD_UI("case", "ID",
	    N_("a case opened from it (repeat)"), NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* Called off, with the reason. */
static const struct field operation_cancelled_fields[] = {
	{ "reason", F_TEXT, 1, 500, NULL, FIELD_UI(NULL, "TEXT",
	    N_("why it is called off (required)"), NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

static const struct kind_info operation_kinds[] = {
	{ NC_("kind", "operation.planned"), &type_operation, 1, 0,
	    operation_planned_fields, 0, 0,
	    AUTHORITY(0, "units", PART_MEMBER) },
	{ NC_("kind", "operation.answered"), &type_operation, 0, 0,
	    operation_answered_fields, 0, 0,
	    AUTHORITY(PART_MEMBER, NULL, 0) },
	{ NC_("kind", "operation.police_notified"), &type_operation, 0, 0,
	    operation_police_fields, 0, 0,
	    AUTHORITY(PART_CREATOR, NULL, 0) },
	{ NC_("kind", "operation.result"), &type_operation,
	    0, 0, operation_result_fields,
	    0, 0, AUTHORITY(PART_CREATOR, NULL, 0) },
	{ NC_("kind", "operation.cancelled"), &type_operation, 0, 0,
	    operation_cancelled_fields, 0, 0,
	    AUTHORITY(PART_CREATOR, NULL, 0) },
	ATTACHED_KIND(NC_("kind", "operation.attached"), operation, 0,
	    PART_CREATOR | PART_MEMBER),
	{ 0 },
};

/* 1 if unit is one of the units taking part. */
static int
taking_part(const json_t *doc, const char *unit)
{
	const json_t *u;
	size_t i;

	json_array_foreach(json_object_get(doc, "units"), i, u)
		if (fold_is_unit(u, unit))
			return 1;
	return 0;
}

/* The answer unit gave, or NULL. */
static json_t *
answer_of(const json_t *doc, const char *unit)
{
	json_t *a;
	size_t i;

	json_array_foreach(json_object_get(doc, "answers"), i, a)
		if (strcmp(cjson_str(a, "unit"), unit) == 0)
			return a;
	return NULL;
}

/*
 * A joint operation:
 *
 *   planned --answered (each unit taking part, once)--> planned
 *           --police_notified (the lead)--> planned
 *           --result (the lead)--> done
 *           --cancelled (the lead)--> cancelled
 *
 * With "police" set, the police are to be told before it starts: the
 * plan carries police_due, by the county's rule operation_police (a
 * "before" rule counted back from the start: Yicheng 七(二), whose
 * "提前" sets no number, is the start of the operation's day), else the
 * start itself; the lead owes it until it records when it told them,
 * done late when that was after police_due.
 */
static const char *
apply_operation(json_t *doc, const struct event *ev)
{
	const char *st = fold_status(doc), *k = ev->kind;
	const char *lead = cjson_str(doc, "unit");
	int64_t told;
	json_t *a;

	if (strcmp(k, "operation.planned") == 0) {
		if (*st != '\0')
			return "already_created";
		fold_created(doc, ev, "planned");
		json_object_set_new(doc, "answers", json_array());
		fold_stamp(doc, ev);
		return NULL;
	}
	if (*st == '\0')
		return "before_creation";
	if (strcmp(st, "planned") != 0)
		return "operation_over";
	if (strcmp(k, "operation.answered") == 0) {
		if (!taking_part(doc, ev->unit))
			return "not_taking_part";
		if (answer_of(doc, ev->unit) != NULL)
			return "answered_twice";
		a = fold_act(ev);
		json_object_set(a, "answer", json_object_get(ev->body, "answer"));
		if (json_object_get(ev->body, "officers_sent") != NULL)
			json_object_set(a, "officers_sent",
			    json_object_get(ev->body, "officers_sent"));
		if (json_object_get(ev->body, "note") != NULL)
			json_object_set(a, "note", json_object_get(ev->body, "note"));
		fold_append(doc, "answers", a);
		fold_stamp(doc, ev);
		return NULL;
	}
	if (lead == NULL || strcmp(ev->unit, lead) != 0)
		return "not_lead";
	if (strcmp(k, "operation.police_notified") == 0) {
		if (json_object_get(doc, "police_notified") != NULL)
			return "police_told_twice";
		a = fold_act(ev);
		json_object_set(a, "notified_at", json_object_get(ev->body,
		    "notified_at"));
		json_object_set(a, "contact", json_object_get(ev->body,
		    "contact"));
		json_object_set_new(doc, "police_notified", a);
		if (ltime_parse(cjson_str(ev->body, "notified_at"), &told) == 0)
			fold_done(doc, "police_due", told, ev->unit);
		fold_stamp(doc, ev);
		return NULL;
	}
	if (strcmp(k, "operation.result") == 0) {
		a = fold_act(ev);
		json_object_set(a, "summary", json_object_get(ev->body, "summary"));
		if (json_object_get(ev->body, "cases") != NULL)
			json_object_set(a, "cases", json_object_get(ev->body,
			    "cases"));
		json_object_set_new(doc, "result", a);
		json_object_set_new(doc, "status", json_string("done"));
		fold_stamp(doc, ev);
		return NULL;
	}
	if (strcmp(k, "operation.cancelled") == 0) {
		json_object_set(doc, "reason", json_object_get(ev->body, "reason"));
		json_object_set_new(doc, "status", json_string("cancelled"));
		fold_stamp(doc, ev);
		return NULL;
	}
	return "unknown_kind";
}

static void
operation_owed(const json_t *doc, const char *st,
    void (*fn)(const struct obligation *o, void *arg), void *arg)
{
	const json_t *u;
	size_t i;

	if (strcmp(st, "planned") != 0)
		return;
	json_array_foreach(json_object_get(doc, "units"), i, u)
		if (answer_of(doc, json_string_value(u)) == NULL)
			due_emit(doc, json_string_value(u),
			    N_("say whether this unit takes part in the joint "
			    "operation (联合执法)"),
			    json_object_get(doc, "answer_due"), fn, arg);
	if (json_object_get(doc, "police_due") != NULL)
		due_emit(doc, cjson_str(doc, "unit"),
		    N_("tell the police before the operation (提前通知公安机关)"),
		    json_object_get(doc, "police_due"), fn, arg);
	due_emit(doc, cjson_str(doc, "unit"),
	    N_("record the operation's result"), NULL, fn, arg);
}

/* The time to answer, where the county's document sets one (none of the
 * five seeds does); answered per unit (operation_owed), so no one kind
 * discharges it. The police notice is done at the time the lead says it
 * told them (apply_operation), not when that was recorded. */
static const char *const operation_answer_rules[] = { "operation_answer",
	NULL };
static const char *const operation_police_rules[] = { "operation_police",
	NULL };

static const struct deadline_decl operation_deadlines[] = {
	{ "answer_due", operation_answer_rules, NULL, NULL },
	{ "police_due", operation_police_rules, NULL, NULL },
	{ NULL, NULL, NULL, NULL },
};

static const char *const operation_search[] = {
	"matter", "place", "result.summary", NULL
};

static const struct fold_reason operation_reasons[] = {
	{ "operation_over", N_("the operation is done or called off") },
	{ "not_taking_part", N_("only a unit taking part may answer") },
	{ "answered_twice", N_("this unit has answered already") },
	{ "not_lead", N_("only the lead unit may do that") },
	{ "police_told_twice", N_("the police were told already") },
	{ NULL, NULL },
};

/* The states its records go through (fold step above), as `show` and
 * `list` name them: pgettext("status", ...). */
static const char *const operation_statuses[] = {
	NC_("status", "planned"), NC_("status", "done"),
	NC_("status", "cancelled"), NULL,
};

const struct entity_type type_operation = {
	.name = "operation",
	.statuses = operation_statuses,
	.label = N_("joint operation"),
	.letter = 'O',
	.kinds = operation_kinds,
	.apply = apply_operation,
	.owed = operation_owed,
	.deadlines = operation_deadlines,
	.audience = AUDIENCE_CLOSED,
	.search = operation_search,
	.watched_by = ROLE_ADMIN | ROLE_LEGAL | ROLE_BUREAU,
	.written_by = ROLES_HANDLERS,
	.reasons = operation_reasons,
};
