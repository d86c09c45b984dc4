/*
 * type-referral.c - the record type "referral" (registry.h): a referral
 * (案件移送): a case sent to the unit that should handle it.
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
 * The fields of a referral's kinds are declared once, with the options
 * that give them (agent/cmd-referral.c: referral send and its steps):
 * the schema, the options and their help are this one table. The
 * deadlines are the county's rules', never options.
 */

/* A case referred to another unit (案件移送). The receiver does not see
 * the case's own events, so the referral carries what it needs of it:
 * the fields after officer are copied from the case, and "urgent" is
 * the case's too. The fields with options come first, in the order
 * `referral send --help` lists them; the officer is the author, whom
 * the command finds itself (--officer, agent.conf). */
static const struct field referral_sent_fields[] = {
	{ "case", F_ENTITY, 1, 0, NULL, NULL },
	{ "to", F_STR, 1, 40, NULL, FIELD_UI(NULL, "UNIT",
	    N_("the receiving unit, e.g. 县综合行政执法局 (required)"), NULL,
	    0) },
	{ "letter", F_STR, 1, 100, NULL, FIELD_UI(NULL, "TEXT",
	    N_("the referral letter (移送函): its number or title (required)"),
	    NULL, 0) },
	{ "sources", F_STRS, 1, 20, NULL, FIELD_UI("source-material", "TEXT",
	    N_("case-source material: inspection record, complaint, photos... (required, repeat)"),
	    NULL, 0) },
	{ "evidence", F_STRS, 1, 20, NULL, FIELD_UI(NULL, "TEXT",
	    N_("preliminary evidence (required, repeat)"), NULL, 0) },
	{ "criminal", F_BOOL, 0, 0, NULL, FIELD_UI(NULL, NULL,
	    N_("a suspected crime referred to the police (行刑衔接)"), NULL,
	    0) },
	{ "urgent", F_BOOL, 1, 0, NULL, FIELD_UI(NULL, NULL,
	    N_("urgent referral"), NULL, 0) },
	{ "note", F_TEXT, 0, 500, NULL, FIELD_UI(NULL, "TEXT",
	    N_("a note for the receiver"), NULL, 0) },
	{ "sent_at", F_TIME, 0, 0, NULL, FIELD_UI(NULL, "DATE",
	    N_("when the paper letter really left, if before it is entered here (default: now)"),
	    NULL, 0) },
	{ "officer", F_STR, 1, 32, NULL, NULL },
	{ "matter", F_STR, 0, 60, NULL, NULL },
	{ "category", F_STR, 1, 32, NULL, NULL },
	{ "location", F_STR, 1, 100, NULL, NULL },
	{ "description", F_TEXT, 1, 2000, NULL, NULL },
	{ "discovered_at", F_TIME, 1, 0, NULL, NULL },
	{ "ack_due", F_DEADLINE, 0, 0, NULL, NULL },
	{ "refer_due", F_DEADLINE, 0, 0, NULL, NULL },
	{ "onsite_due", F_DEADLINE, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* The steps of a referral after it is sent; each is a state-machine
 * transition checked in fold.c. */
static const struct field referral_note_fields[] = {
	{ "note", F_TEXT, 0, 500, NULL, FIELD_UI(NULL, "TEXT",
	    N_("a note for the referring unit"), NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

static const struct field referral_reason_fields[] = {
	{ "reason", F_TEXT, 1, 500, NULL, FIELD_UI(NULL, "TEXT",
	    N_("why (required)"), NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

static const struct field referral_escalated_fields[] = {
	{ "to", F_STR, 1, 40, NULL, FIELD_UI(NULL, "UNIT",
	    N_("the legal office, then the county government (required)"),
	    NULL, 0) },
	{ "reason", F_TEXT, 1, 500, NULL, FIELD_UI(NULL, "TEXT",
	    N_("why (required)"), NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

static const struct field referral_decided_fields[] = {
	{ "handler", F_STR, 1, 40, NULL, FIELD_UI(NULL, "UNIT",
	    N_("the unit that must handle the case (required)"), NULL, 0) },
	{ "reason", F_TEXT, 1, 500, NULL, FIELD_UI(NULL, "TEXT",
	    N_("the decision (required)"), NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* Officers of the unit handling an urgent referral reached the scene
 * (白碱滩区 三(一)5: "情况紧急的应立即派员到达现场进行执法"). */
static const struct field referral_arrived_fields[] = {
	{ "arrived_at", F_TIME, 1, 0, NULL, FIELD_UI(NULL, "DATE",
	    N_("when the officers reached the scene (default: now)"), NULL,
	    FIELD_NOW) },
	{ "note", F_TEXT, 0, 500, NULL, FIELD_UI(NULL, "TEXT",
	    N_("who went, what they found"), NULL, 0) },
	{ NULL, 0, 0, 0, NULL, NULL },
};

static const struct field referral_result_fields[] = {
	{ "decision", F_TEXT, 1, 2000, NULL, FIELD_UI(NULL, "TEXT",
	    N_("the decision served (required)"), NULL, 0) },
	{ "decided_at", F_TIME, 1, 0, NULL, FIELD_UI(NULL, "DATE",
	    N_("when it was served (default: now)"), NULL, FIELD_NOW) },
	{ "result_due", F_DEADLINE, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL },
};

/* Its receipt by the unit it was sent to (fold_received): the time to
 * acknowledge counts from it (共和县 三(五)3: "县综合行政执法局应在5个
 * 工作日内书面告知移送部门案件受理情况"; 峄城区 二(二)2: "接受移送的单位
 * 要在三日内反馈意见"; docs/rules.md), and so does an urgent one's time
 * to reach the scene (白碱滩区 三(一)5). */
static const struct field referral_received_fields[] = {
	RECEIPT_HEAD,
	{ "ack_due", F_DEADLINE, 0, 0, NULL, NULL },
	{ "onsite_due", F_DEADLINE, 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL },
};

static const struct kind_info referral_kinds[] = {
	{ NC_("kind", "referral.sent"), &type_referral,
	    1, 0, referral_sent_fields, 0, 0,
	    AUTHORITY(0, "to", PART_ADDRESSEE) },
	{ NC_("kind", "referral.acknowledged"), &type_referral,
	    0, 0, referral_note_fields,
	    0, 0, AUTHORITY(PART_ADDRESSEE, NULL, 0) },
	{ NC_("kind", "referral.accepted"), &type_referral,
	    0, 0, referral_note_fields,
	    0, 0, AUTHORITY(PART_ADDRESSEE, NULL, 0) },
	{ NC_("kind", "referral.disputed"), &type_referral,
	    0, 0, referral_reason_fields,
	    0, 0, AUTHORITY(PART_ADDRESSEE, NULL, 0) },
	{ NC_("kind", "referral.escalated"), &type_referral,
	    0, 0, referral_escalated_fields, 0, ROLES_HANDLERS | ROLE_LEGAL,
	    AUTHORITY(PART_CREATOR | PART_ADDRESSEE | PART_ESCALATED, "to",
	    PART_ESCALATED) },
	{ NC_("kind", "referral.decided"), &type_referral,
	    0, 0, referral_decided_fields, 0, ROLE_LEGAL | ROLE_GOVERNMENT,
	    AUTHORITY(PART_ESCALATED, "handler", PART_ADDRESSEE) },
	{ NC_("kind", "referral.withdrawn"), &type_referral,
	    0, 0, referral_reason_fields,
	    0, 0, AUTHORITY(PART_CREATOR, NULL, 0) },
	{ NC_("kind", "referral.returned"), &type_referral,
	    0, 0, referral_reason_fields,
	    0, ROLE_POLICE, AUTHORITY(PART_ADDRESSEE, NULL, 0) },
	{ NC_("kind", "referral.result"), &type_referral,
	    0, 0, referral_result_fields,
	    0, 0, AUTHORITY(PART_ADDRESSEE, NULL, 0) },
	{ NC_("kind", "referral.received"), &type_referral,
	    0, 0, referral_received_fields, 0, 0,
	    AUTHORITY(PART_ADDRESSEE, NULL, 0) },
	{ NC_("kind", "referral.arrived"), &type_referral,
	    0, 0, referral_arrived_fields,
	    0, 0, AUTHORITY(PART_ADDRESSEE, NULL, 0) },
	ATTACHED_KIND(NC_("kind", "referral.attached"), referral,
	    ROLES_HANDLERS | ROLE_LEGAL | ROLE_GOVERNMENT,
	    PART_CREATOR | PART_ADDRESSEE | PART_ESCALATED),
	{ 0 },
};

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
 * and, in any state, received (the unit it was sent to): when it arrived
 * there, from which the time to acknowledge counts.
 *
 * The handler is the receiving unit until a decision names another. An
 * event out of place is a conflict; the state does not move.
 */
static const char *
apply_referral(json_t *doc, const struct event *ev)
{
	const char *st = fold_status(doc), *k = ev->kind;
	const char *handler = json_string_value(json_object_get(doc, "handler"));
	const char *sender = json_string_value(json_object_get(doc, "unit"));
	int is_handler = handler != NULL && strcmp(ev->unit, handler) == 0;

	if (strcmp(k, "referral.sent") == 0) {
		if (*st != '\0')
			return "already_created";
		fold_created(doc, ev, "sent");
		json_object_set(doc, "handler", json_object_get(ev->body, "to"));
		fold_stamp(doc, ev);
		return NULL;
	}
	if (*st == '\0')
		return "before_creation";
	if (strcmp(k, "referral.received") == 0)
		return fold_received(doc, ev, "to");
	if (strcmp(st, "withdrawn") == 0)
		return "after_withdrawn";
	if (strcmp(st, "closed") == 0 || strcmp(st, "returned") == 0)
		return "after_closed";
	if (strcmp(k, "referral.arrived") == 0) {
		if (!is_handler)
			return "not_receiver";
		if (json_object_get(doc, "arrived_at") != NULL)
			return "already_arrived";
		json_object_set(doc, "arrived_at", json_object_get(ev->body,
		    "arrived_at"));
		fold_stamp(doc, ev);
		return NULL;
	}
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
		goto move;
	}
	if (strcmp(k, "referral.disputed") == 0) {
		if (!is_handler)
			return "not_receiver";
		if (strcmp(st, "sent") != 0 && strcmp(st, "acknowledged") != 0)
			return "dispute_out_of_place";
		goto move;
	}
	if (strcmp(k, "referral.escalated") == 0) {
		if (!is_handler && strcmp(ev->unit, sender) != 0 &&
		    !fold_is_unit(json_object_get(doc, "escalated_to"), ev->unit))
			return "not_party";
		if (strcmp(st, "disputed") != 0 && strcmp(st, "escalated") != 0)
			return "not_disputed";
		json_object_set_new(doc, "escalation_level", json_integer(
		    json_integer_value(json_object_get(doc, "escalation_level")) + 1));
		json_object_set(doc, "escalated_to", json_object_get(ev->body, "to"));
		goto move;
	}
	if (strcmp(k, "referral.decided") == 0) {
		if (!fold_is_unit(json_object_get(doc, "escalated_to"), ev->unit))
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
		if (json_object_get(ev->body, "result_due") != NULL)
			json_object_set_new(doc, "result_due", json_deep_copy(
			    json_object_get(ev->body, "result_due")));
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
		json_t *steps;
		for (i = 0; i < sizeof next / sizeof next[0]; i++)
			if (strcmp(next[i].kind, k) == 0) {
				json_object_set_new(doc, "status",
				    json_string(next[i].status));
				/* When each state was first reached (the
				 * author's clock): the time each step took
				 * (stats.c). */
				if ((steps = json_object_get(doc, "steps")) ==
				    NULL) {
					steps = json_object();
					json_object_set_new(doc, "steps", steps);
				}
				if (json_object_get(steps, next[i].status) ==
				    NULL)
					json_object_set_new(steps, next[i].status,
					    json_integer(ev->at));
			}
		if (json_object_get(ev->body, "reason") != NULL &&
		    strcmp(k, "referral.decided") != 0)
			json_object_set(doc, "reason", json_object_get(ev->body,
			    "reason"));
		fold_stamp(doc, ev);
	}
	return NULL;
}

static void
referral_owed(const json_t *doc, const char *st,
    void (*fn)(const struct obligation *o, void *arg), void *arg)
{
	const char *handler = cjson_str(doc, "handler");

	/* Besides the steps below, while the referral is live. */
	if (json_object_get(doc, "onsite_due") != NULL &&
	    strcmp(st, "withdrawn") != 0 && strcmp(st, "closed") != 0 &&
	    strcmp(st, "returned") != 0)
		due_emit(doc, handler,
		    N_("send officers to the scene (派员到达现场)"),
		    json_object_get(doc, "onsite_due"), fn, arg);
	if (strcmp(st, "sent") == 0 && json_object_get(doc, "ack_due") != NULL)
		due_emit(doc, handler, N_("acknowledge the referral (受理告知)"),
		    json_object_get(doc, "ack_due"), fn, arg);
	else if (strcmp(st, "sent") == 0 || strcmp(st, "acknowledged") == 0 ||
	    strcmp(st, "decided") == 0)
		due_emit(doc, handler, N_("accept or dispute the referral"), NULL,
		    fn, arg);
	else if (strcmp(st, "accepted") == 0)
		due_emit(doc, handler,
		    N_("report the result when the decision is served"), NULL,
		    fn, arg);
	else if (strcmp(st, "disputed") == 0 || strcmp(st, "escalated") == 0)
		due_emit(doc, cjson_str(doc, "escalated_to") ?
		    cjson_str(doc, "escalated_to") : cjson_str(doc, "unit"),
		    N_("settle the jurisdiction dispute"), NULL, fn, arg);
}

/* The case's time to refer, carried by the referral that does it; the
 * time to acknowledge, which accepting or disputing also answers; the
 * time to report the result, counted from the decision. */
static const char *const referral_refer_rules[] = { "refer", "refer_urgent",
	NULL };
static const char *const referral_refer_done[] = { "referral.sent", NULL };
static const char *const referral_ack_rules[] = { "acknowledge", NULL };
static const char *const referral_ack_done[] = { "referral.acknowledged",
	"referral.accepted", "referral.disputed", NULL };
static const char *const referral_result_rules[] = { "result", NULL };
static const char *const referral_result_done[] = { "referral.result", NULL };
/* An urgent referral's time to reach the scene (白碱滩区 三(一)5). */
static const char *const referral_onsite_rules[] = { "onsite_urgent", NULL };
static const char *const referral_onsite_done[] = { "referral.arrived",
	NULL };

/* A paper letter's day, and when the officers really arrived: what the
 * deadlines they discharge are done at, never before the matter was
 * discovered, or the referral received. */
static const char *const referral_acted_at[] = {
	"referral.sent", "sent_at", "discovered_at",
	"referral.arrived", "arrived_at", "received",
	NULL,
};

/* The result is reported by the unit that handles the case, which a
 * decision may have changed. */
static const char *const referral_owners[] = { "result_due", "handler",
	NULL };

/* The case's time to refer, which the case counts. */
static const char *const referral_carried[] = { "refer_due", NULL };

/* Owed by the unit it was sent to, from when it received the referral. */
static const char *const referral_from_receipt[] = { "ack_due",
	"onsite_due", NULL };

static const struct deadline_decl referral_deadlines[] = {
	{ "refer_due", referral_refer_rules, referral_refer_done, NULL },
	{ "ack_due", referral_ack_rules, referral_ack_done, NULL },
	{ "result_due", referral_result_rules, referral_result_done, NULL },
	{ "onsite_due", referral_onsite_rules, referral_onsite_done, NULL },
	{ NULL, NULL, NULL, NULL },
};

/* What the full-text index holds of it (fold_search_text). */
static const char *const referral_search[] = {
	"matter", "category", "location", "description", "officer", NULL
};

static const struct fold_reason referral_reasons[] = {
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
	{ "not_party", N_("only the units of the dispute may take it further") },
	{ "not_escalated_to", N_("only the unit the dispute was taken to may decide it") },
	{ "already_arrived", N_("officers were already recorded at the scene") },
	{ NULL, NULL },
};

/* The states its records go through (fold step above), as `show` and
 * `list` name them: pgettext("status", ...). */
static const char *const referral_statuses[] = {
	NC_("status", "sent"), NC_("status", "acknowledged"),
	NC_("status", "accepted"), NC_("status", "disputed"),
	NC_("status", "escalated"), NC_("status", "decided"),
	NC_("status", "returned"), NC_("status", "withdrawn"),
	NC_("status", "closed"), NULL,
};

const struct entity_type type_referral = {
	.name = "referral",
	.statuses = referral_statuses,
	.label = N_("referral"),
	.letter = 'R',
	.kinds = referral_kinds,
	.apply = apply_referral,
	.owed = referral_owed,
	.deadlines = referral_deadlines,
	.audience = AUDIENCE_CLOSED,
	.search = referral_search,
	.watched_by = ROLE_ADMIN | ROLE_LEGAL | ROLE_BUREAU,
	.written_by = ROLES_HANDLERS,
	.reasons = referral_reasons,
	.from_receipt = referral_from_receipt,
	.acted_at = referral_acted_at,
	.owners = referral_owners,
	.carried = referral_carried,
};
