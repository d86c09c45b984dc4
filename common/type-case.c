/*
 * type-case.c - the record type "case" (registry.h): a case (一事一记): a
 * matter a unit found or was given, until it is referred or closed.
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

const struct enum_value case_sources[] = {
	{ "patrol", "辖区巡查" },
	{ "assignment", "县级转派" },
	{ "notice", "业务主管部门通报" },
	{ "report", "群众举报" },
	{ NULL, NULL },
};

/* Whether the unit that found the matter handles it itself (立案自办) or
 * must refer it, the matter being outside its competence (移送): the time
 * to refer runs only for the latter (Gonghe 三(五)1,3; Gu 三(一)2;
 * Yicheng 二(二)1). */
const struct enum_value case_handlings[] = {
	{ "own", "自办" },
	{ "refer", "移送" },
	{ NULL, NULL },
};

/*
 * The fields of a case's kinds are declared once, with the options that
 * give them (agent/cmd-case.c: case open|update|close; referral extend)
 * and the labels they are asked for with. refer_due is the county's
 * rule's, and referred/referral_withdrawn are written with a referral's
 * steps: no option gives them.
 */

/* Fields a case can be opened with; updates may change the mutable ones. */
static const struct field case_opened_fields[] = {
	{ "source", F_ENUM, 1, 0, case_sources, FIELD_UI(NULL, "SOURCE",
	    N_("patrol, assignment, notice or report (or 辖区巡查, 县级转派, 业务主管部门通报, 群众举报)"),
	    N_("source"), 0) },
	{ "category", F_STR, 1, 32, NULL, FIELD_UI(NULL, "TEXT",
	    N_("domain of the matter, e.g. 违法建设"), N_("category"), 0) },
	{ "location", F_STR, 1, 100, NULL, FIELD_UI(NULL, "TEXT",
	    N_("where it was found"), N_("location"), 0) },
	{ "parties", F_STRS, 0, 20, NULL, FIELD_UI("party", "NAME",
	    N_("a party concerned (repeat for several)"), NULL, 0) },
	{ "matter", F_STR, 0, 60, NULL, FIELD_UI(NULL, "TEXT",
	    N_("short title of the matter"), NULL, 0) },
	{ "description", F_TEXT, 1, 2000, NULL, FIELD_UI(NULL, "TEXT",
	    N_("what was found"), N_("description"), 0) },
	{ "discovered_at", F_TIME, 1, 0, NULL, FIELD_UI(NULL, "DATE",
	    N_("when it was found (default: now)"),
	    N_("discovered at (empty: now)"), FIELD_NOW) },
	{ "urgent", F_BOOL, 1, 0, NULL, FIELD_UI(NULL, NULL,
	    N_("urgent: evidence may be lost or harm is going on"), NULL, 0) },
	{ "officer", F_STR, 1, 32, NULL, FIELD_UI(NULL, "NAME",
	    N_("officer recording it (default: agent.conf, $LIANDONG_OFFICER)"),
	    N_("officer"), FIELD_OFFICER) },
	{ "evidence", F_STRS, 0, 20, NULL, FIELD_UI(NULL, "TEXT",
	    N_("evidence item (repeat for several)"), NULL, 0) },
	{ "handling", F_ENUM, 0, 0, case_handlings, FIELD_UI("handle", "HOW",
	    N_("own: this unit handles it (自办); refer: outside its "
	    "competence, to be referred (移送); unsaid: decide later "
	    "(case decide)"), NULL, 0) },
	{ "handling_reason", F_TEXT, 0, 500, NULL, FIELD_UI("why", "TEXT",
	    N_("why this unit handles it or refers it"), NULL, 0) },
	{ "refer_due", F_DEADLINE, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* The decision, after the opening: who, when (the event's) and why. For
 * "refer", refer_due counted from discovery when the case had none. */
static const struct field case_decided_fields[] = {
	{ "handling", F_ENUM, 1, 0, case_handlings, FIELD_UI("handle", "HOW",
	    N_("own (自办) or refer (移送) (required)"), NULL, 0) },
	{ "reason", F_TEXT, 1, 500, NULL, FIELD_UI("why", "TEXT",
	    N_("why (required)"), NULL, 0) },
	{ "refer_due", F_DEADLINE, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* The case was referred (written with the referral, same transaction). */
static const struct field case_referred_fields[] = {
	{ "referral", F_ENTITY, 1, 0, NULL, NULL },
	{ "to", F_STR, 1, 40, NULL, NULL },
	{ "sent_at", F_TIME, 0, 0, NULL, NULL }, /* the referral's --sent-at */
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* The case's referral was withdrawn by the referring unit (written with
 * the withdrawal, same transaction): the case may be referred again. */
static const struct field case_referral_withdrawn_fields[] = {
	{ "referral", F_ENTITY, 1, 0, NULL, NULL },
	{ "reason", F_TEXT, 1, 500, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* The deadline to refer was extended, announced before it passed. */
static const struct field case_extended_fields[] = {
	{ "refer_due", F_DEADLINE, 1, 0, NULL, NULL },
	{ "reason", F_TEXT, 1, 500, NULL, FIELD_UI(NULL, "TEXT",
	    N_("why, e.g. investigation needs more time (required)"), NULL,
	    0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* officer: the one making the change, when --officer gives it (the
 * command reads that option itself: it is also the author). */
static const struct field case_updated_fields[] = {
	{ "category", F_STR, 0, 32, NULL, FIELD_UI(NULL, "TEXT",
	    N_("new category"), NULL, 0) },
	{ "location", F_STR, 0, 100, NULL, FIELD_UI(NULL, "TEXT",
	    N_("new location"), NULL, 0) },
	{ "parties", F_STRS, 0, 20, NULL, FIELD_UI("party", "NAME",
	    N_("parties (replaces the list)"), NULL, 0) },
	{ "matter", F_STR, 0, 60, NULL, FIELD_UI(NULL, "TEXT",
	    N_("new title"), NULL, 0) },
	{ "description", F_TEXT, 0, 2000, NULL, FIELD_UI(NULL, "TEXT",
	    N_("new description"), NULL, 0) },
	{ "urgent", F_BOOL, 0, 0, NULL, FIELD_UI(NULL, NULL,
	    N_("mark as urgent"), NULL, 0) },
	{ "officer", F_STR, 0, 32, NULL, NULL },
	{ "evidence", F_STRS, 0, 20, NULL, FIELD_UI(NULL, "TEXT",
	    N_("evidence (replaces the list)"), NULL, 0) },
	{ "note", F_TEXT, 0, 500, NULL, FIELD_UI(NULL, "TEXT",
	    N_("a progress note"), NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

static const struct field case_closed_fields[] = {
	{ "reason", F_TEXT, 1, 500, NULL, FIELD_UI(NULL, "TEXT",
	    N_("why the case is closed (required)"), NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

static const struct kind_info case_kinds[] = {
	{ NC_("kind", "case.opened"), &type_case,
	    1, 0, case_opened_fields, 0, 0, AUTHORITY_NONE },
	{ NC_("kind", "case.updated"), &type_case,
	    0, 1, case_updated_fields, 0, 0, AUTHORITY(PART_CREATOR, NULL, 0) },
	{ NC_("kind", "case.closed"), &type_case,
	    0, 0, case_closed_fields, 0, 0, AUTHORITY(PART_CREATOR, NULL, 0) },
	{ NC_("kind", "case.referred"), &type_case,
	    0, 0, case_referred_fields, 0, 0,
	    AUTHORITY(PART_CREATOR, NULL, 0) },
	{ NC_("kind", "case.extended"), &type_case,
	    0, 0, case_extended_fields, 0, 0,
	    AUTHORITY(PART_CREATOR, NULL, 0) },
	{ NC_("kind", "case.referral_withdrawn"), &type_case,
	    0, 0, case_referral_withdrawn_fields,
	    0, 0, AUTHORITY(PART_CREATOR, NULL, 0) },
	{ NC_("kind", "case.decided"), &type_case,
	    0, 0, case_decided_fields, 0, 0, AUTHORITY(PART_CREATOR, NULL, 0) },
	ATTACHED_KIND(NC_("kind", "case.attached"), case, 0,
	    PART_CREATOR),
	{ 0 },
};

/*
 * A case (一事一记):
 *
 *   open --updated, extended (before refer_due, not referred)--> open
 *     --referred (its referral sent, same transaction)--> open, "referred"
 *     --referral_withdrawn (the referring unit withdrew that referral)-->
 *        open, not referred: the case may be referred again
 *     --decided (own or refer, not once referred)--> open
 *     --closed--> closed
 *
 * Handling: a case opened with "handling" own is this unit's to handle
 * and owes no referral; refer owes it from discovery; a case opened
 * without saying (and every case opened before the field existed) owes
 * it as it always did, until decided. A decision may be changed while the
 * case is open and not referred: "own" marks refer_due done (late if it
 * had passed: nothing vanishes without trace), "refer" opens it again, or
 * gives a case that had none the one the decision carries.
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
	const char *st = fold_status(doc);

	if (strcmp(ev->kind, "case.opened") == 0) {
		if (*st != '\0')
			return "already_created";
		fold_created(doc, ev, "open");
		fold_stamp(doc, ev);
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
		fold_copy_body(doc, ev->body, "note");
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
		fold_stamp(doc, ev);
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
		fold_stamp(doc, ev);
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
		w = fold_act(ev);
		json_object_set(w, "reason", json_object_get(ev->body, "reason"));
		json_object_set_new(r, "withdrawn", w);
		fold_append(doc, "withdrawn_referrals", r);
		json_object_del(doc, "referred");
		fold_reopen(doc, "refer_due");
		fold_stamp(doc, ev);
		return NULL;
	}
	if (strcmp(ev->kind, "case.extended") == 0) {
		json_t *old = json_object_get(doc, "refer_due");
		if (strcmp(st, "closed") == 0 || json_object_get(doc, "referred"))
			return "edit_after_close";
		if (old != NULL && fold_past_due(old, ev->at))
			return "extension_after_deadline";
		json_object_set_new(doc, "refer_due", json_deep_copy(
		    json_object_get(ev->body, "refer_due")));
		json_object_set(doc, "extension_reason",
		    json_object_get(ev->body, "reason"));
		fold_stamp(doc, ev);
		return NULL;
	}
	if (strcmp(ev->kind, "case.decided") == 0) {
		json_t *d;
		if (strcmp(st, "closed") == 0)
			return "edit_after_close";
		if (json_object_get(doc, "referred") != NULL)
			return "decided_after_referral";
		json_object_set(doc, "handling", json_object_get(ev->body,
		    "handling"));
		d = fold_act(ev);
		json_object_set(d, "handling", json_object_get(ev->body,
		    "handling"));
		json_object_set(d, "reason", json_object_get(ev->body, "reason"));
		json_object_set_new(doc, "decided", d);
		if (json_object_get(doc, "refer_due") == NULL &&
		    json_object_get(ev->body, "refer_due") != NULL)
			json_object_set_new(doc, "refer_due", json_deep_copy(
			    json_object_get(ev->body, "refer_due")));
		/* "own" ends the time to refer, late if it had passed (the
		 * record keeps that); "refer" opens it again. */
		if (strcmp(json_string_value(json_object_get(ev->body,
		    "handling")), "own") == 0)
			fold_done(doc, "refer_due", ev->at, ev->unit);
		else
			fold_reopen(doc, "refer_due");
		fold_stamp(doc, ev);
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
		fold_stamp(doc, ev);
		return NULL;
	}
	return "unknown_kind";
}

static void
case_owed(const json_t *doc, const char *st,
    void (*fn)(const struct obligation *o, void *arg), void *arg)
{
	const char *how = cjson_str(doc, "handling");

	if (strcmp(st, "open") != 0 || json_object_get(doc, "referred") != NULL)
		return;
	if (how != NULL && strcmp(how, "refer") == 0)
		due_emit(doc, cjson_str(doc, "unit"), N_("refer the case (移送)"),
		    json_object_get(doc, "refer_due"), fn, arg);
	else if (how == NULL && json_object_get(doc, "refer_due") != NULL)
		due_emit(doc, cjson_str(doc, "unit"),
		    N_("refer the case (移送), or decide that this unit handles "
		    "it (case decide)"), json_object_get(doc, "refer_due"), fn,
		    arg);
}

/* The time to refer (移送): started when the case is opened, done when it
 * is referred; a withdrawn referral reopens it (apply_case). */
static const char *const case_refer_rules[] = { "refer", "refer_urgent",
	NULL };
static const char *const case_refer_done[] = { "case.referred", NULL };

/* The referral's --sent-at: the time to refer is done when the paper
 * letter left. */
static const char *const case_acted_at[] = { "case.referred", "sent_at",
	"discovered_at", NULL };

static const struct deadline_decl case_deadlines[] = {
	{ "refer_due", case_refer_rules, case_refer_done, "case.extended" },
	{ NULL, NULL, NULL, NULL },
};

/* What the full-text index holds of it (fold_search_text). */
static const char *const case_search[] = {
	"matter", "category", "location", "description", "officer",
	"parties[]", "closed.reason", "notes[].note", "decided.reason", NULL
};

static const struct fold_reason case_reasons[] = {
	{ "edit_after_close", N_("edit after the case was closed") },
	{ "already_closed", N_("the case was already closed") },
	{ "not_standing_referral", N_("it is not the referral the case stands referred by") },
	{ "decided_after_referral", N_("the case was referred already") },
	{ NULL, NULL },
};

/* The states its records go through (fold step above), as `show` and
 * `list` name them: pgettext("status", ...). */
static const char *const case_statuses[] = {
	NC_("status", "open"), NC_("status", "closed"), NULL,
};

const struct entity_type type_case = {
	.name = "case",
	.statuses = case_statuses,
	.label = N_("case"),
	.letter = 'C',
	.kinds = case_kinds,
	.apply = apply_case,
	.owed = case_owed,
	.deadlines = case_deadlines,
	.audience = AUDIENCE_CLOSED,
	.search = case_search,
	.watched_by = ROLE_ADMIN,
	.written_by = ROLES_UNITS,
	.reasons = case_reasons,
	.acted_at = case_acted_at,
};
