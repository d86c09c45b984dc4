/*
 * cmd-referral.c - case referral (案件移送): referral send|list|show.
 *
 * A referral is its own record, sent to the receiving unit: its audience
 * is the referring unit and the receiver, and it carries the facts of the
 * case the receiver needs (the case's own events stay with the unit that
 * opened it). The acknowledgement, dispute and deadline workflow builds on
 * this record.
 *
 * The options that give the fields are declared with them, in
 * common/type-referral.c (FORM_FIELDS, form.h); lists and shows are
 * columns and lines (out.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cjson.h"
#include "cmd.h"
#include "event.h"
#include "fold.h"
#include "form.h"
#include "rules.h"
#include "ltime.h"
#include "out.h"
#include "text.h"
#include "units.h"

static const struct cli_opt send_opts[] = {
	FORM_FIELDS("referral.sent"),
	{ "officer", CLI_VALUE, "NAME", N_("officer sending it") },
	{ NULL, 0, NULL, NULL },
};

/* The referral by officer, with what it carries of case doc, in body
 * (filled from the options). Returns 0 or an exit code (message
 * printed). */
static int
referral_body(struct cmd_ctx *ctx, const json_t *doc, const char *officer,
    json_t *body)
{
	static const char *const copy[] = { "matter", "category", "location",
		"description", "discovered_at", NULL };
	json_t *ack = NULL, *onsite = NULL;
	int64_t sent, found;
	size_t i;
	int rc;

	json_object_set(body, "case", json_object_get(doc, "entity"));
	json_object_set_new(body, "officer", json_string(officer));
	json_object_set_new(body, "urgent", json_boolean(json_is_true(
	    json_object_get(body, "urgent")) || json_is_true(json_object_get(doc,
	    "urgent"))));
	if (json_object_get(doc, "refer_due") != NULL)
		json_object_set(body, "refer_due", json_object_get(doc, "refer_due"));
	for (i = 0; copy[i] != NULL; i++)
		if (json_object_get(doc, copy[i]) != NULL)
			json_object_set(body, copy[i], json_object_get(doc, copy[i]));
	/* Counted from the paper letter's leaving (--sent-at) until the
	 * receiver records its receipt (fold_received). */
	if ((rc = form_sent_at(ctx, body, &sent)) != 0)
		return rc;
	/* A paper letter's day not before the matter was found: the fold
	 * would count it from then anyway (fold_acted_at). Without one, the
	 * sending is now, whatever this computer's clock says. */
	if (json_object_get(body, "sent_at") != NULL &&
	    ltime_parse(cjson_str(doc, "discovered_at"), &found) == 0 &&
	    sent < found)
		return cmd_error(ctx, EXIT_INVALID, _("--sent-at is before the "
		    "case was discovered (%s)"), cjson_str(doc, "discovered_at"));
	if ((rc = form_deadline(ctx, "acknowledge", sent, 0, &ack)) != 0)
		return rc;
	if (ack != NULL)
		json_object_set_new(body, "ack_due", ack);
	/* An urgent one: the receiver's officers to the scene, where the
	 * county's profile says by when (白碱滩区 三(一)5). */
	if (json_is_true(json_object_get(body, "urgent")) &&
	    (rc = form_deadline(ctx, "onsite_urgent", sent, 0, &onsite)) != 0)
		return rc;
	if (onsite != NULL)
		json_object_set_new(body, "onsite_due", onsite);
	return 0;
}

static int
referral_send(struct cmd_ctx *ctx)
{
	const char *id = ctx->cli.argv[0], *to = cmd_value(ctx, "to"), *officer;
	json_t *doc = NULL, *body = NULL, *aud = NULL, *r;
	char *rid = NULL;
	int rc;

	if (to == NULL || *to == '\0')
		return cmd_usage_error(ctx, _("missing required option --to"));
	if (text_check("to", to, UNIT_MAX, 0, ctx->err) != 0)
		return cmd_fail(ctx, LD_EINVAL);
	if (strcmp(to, ledger_unit(ctx->lg)) == 0)
		return cmd_error(ctx, EXIT_INVALID,
		    _("a case cannot be referred to its own unit"));
	officer = form_officer(ctx, cmd_value(ctx, "officer"));
	if (officer == NULL)
		return cmd_usage_error(ctx, _("missing required option --officer"));
	/* One case, one referral, with the three required materials. */
	if (cmd_value(ctx, "letter") == NULL)
		return cmd_usage_error(ctx,
		    _("missing the referral letter: --letter (移送函)"));
	if (cmd_list(ctx, "source-material") == NULL)
		return cmd_usage_error(ctx,
		    _("missing the case-source materials: --source-material (案件来源材料)"));
	if (cmd_list(ctx, "evidence") == NULL)
		return cmd_usage_error(ctx,
		    _("missing the preliminary evidence: --evidence (初步证据)"));
	body = json_object();
	if ((rc = form_kind_fill(ctx, "referral.sent", body, 1)) != 0 ||
	    (rc = form_get(ctx, id, "case", &doc)) != 0)
		goto out;
	if (strcmp(cjson_str(doc, "unit"), ledger_unit(ctx->lg)) != 0) {
		rc = cmd_error(ctx, EXIT_CONFLICT,
		    _("case '%s' belongs to %s: only the unit that holds a case refers it"),
		    id, cjson_str(doc, "unit"));
		goto out;
	}
	if ((r = json_object_get(doc, "referred")) != NULL ||
	    strcmp(cjson_str(doc, "status"), "closed") == 0) {
		rc = cmd_error(ctx, EXIT_CONFLICT,
		    _("case '%s' is already %s: one case, one referral"), id,
		    r ? _("referred") : _("closed"));
		/* The one that stands is corrected by withdrawing it. */
		if (r != NULL && cjson_str(r, "referral") != NULL)
			fprintf(stderr, _("hint: it went to %s as %s; to send it elsewhere, withdraw that first: 'liandong referral withdraw %s --reason ...'\n"),
			    cjson_str(r, "to"), cjson_str(r, "referral"),
			    cjson_str(r, "referral"));
		goto out;
	}
	if ((rc = ledger_may_write(ctx->lg, "referral.sent", ctx->err)) != 0 ||
	    (rc = units_check(ctx, to)) != 0) {
		rc = rc < 0 ? cmd_fail(ctx, rc) : rc;
		goto out;
	}
	if ((rc = referral_body(ctx, doc, officer, body)) != 0)
		goto out;
	aud = json_array();
	json_array_append_new(aud, json_string(ledger_unit(ctx->lg)));
	json_array_append_new(aud, json_string(to));
	/* The referral and the case's note of it, both or neither. */
	if ((rc = ledger_begin(ctx->lg, ctx->err)) == 0) {
		rc = ledger_record(ctx->lg, "referral.sent", NULL, officer, aud,
		    body, &rid, NULL, ctx->err);
		if (rc == 0) {
			json_t *cb = json_object();
			json_object_set_new(cb, "referral", json_string(rid));
			json_object_set_new(cb, "to", json_string(to));
			if (json_object_get(body, "sent_at") != NULL)
				json_object_set(cb, "sent_at",
				    json_object_get(body, "sent_at"));
			rc = ledger_record(ctx->lg, "case.referred", id, officer,
			    NULL, cb, NULL, NULL, ctx->err);
			json_decref(cb);
		}
		if (rc == 0)
			rc = ledger_commit(ctx->lg, ctx->err);
		if (rc != 0)
			ledger_rollback(ctx->lg);
	}
	rc = rc != 0 ? cmd_fail(ctx, rc) : form_recorded(ctx, rid);
out:
	free(rid);
	json_decref(aud);
	json_decref(doc);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_referral_send_entry = {
	{ "referral", "send", "<case>", 1, 1, send_opts, CMD_DB | CMD_JSON,
	    N_("refer a case to another unit (one case, one referral)"),
	    NULL },
	referral_send,
};

static const struct cli_opt list_opts[] = {
	{ "incoming", CLI_FLAG, NULL, N_("only referrals sent to this unit") },
	{ "outgoing", CLI_FLAG, NULL, N_("only referrals sent by this unit") },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_opt receive_opts[] = {
	FORM_FIELDS("referral.received"),
	{ "officer", CLI_VALUE, "NAME", N_("officer recording it") },
	{ NULL, 0, NULL, NULL },
};

/* When its paper document arrived here, before it came through the
 * server: the deadlines this unit owes count from it (form_receive). */
static int
referral_receive(struct cmd_ctx *ctx)
{
	return form_receive(ctx, "referral");
}

const struct cmd_entry cmd_referral_receive_entry = {
	{ "referral", "receive", "<id>", 1, 1, receive_opts, CMD_DB,
	    N_("record when the paper referral arrived here (纸质收文): the time to acknowledge (and an urgent one's time to reach the scene) counts from then"),
	    NULL },
	referral_receive,
};

static const struct out_col list_cols[] = {
	{ N_("ID"), "entity", OUT_TEXT, NULL, NULL, 0 },
	{ N_("STATUS"), "status", OUT_STATUS, NULL, NULL, 0 },
	{ N_("FROM"), "unit", OUT_TEXT, NULL, NULL, 0 },
	{ N_("TO"), "to", OUT_TEXT, NULL, NULL, 0 },
	{ N_("SENT"), "created_at", OUT_MS, NULL, NULL, 0 },
	{ N_("MATTER"), "matter", OUT_TEXT, NULL, "description", 0 },
	{ NULL, NULL, 0, NULL, NULL, 0 },
};

static int
referral_list(struct cmd_ctx *ctx)
{
	json_t *keep;
	int rc;

	if ((rc = form_list_directed(ctx, "referral", "referral.list", "referrals",
	    &keep)) != 0 || keep == NULL)
		return rc;
	out_list(list_cols, keep);
	json_decref(keep);
	return 0;
}

const struct cmd_entry cmd_referral_list_entry = {
	{ "referral", "list", NULL, 0, 0, list_opts, CMD_DB | CMD_JSON,
	    N_("list referrals sent by or to this unit ('!' marks urgent ones)"),
	    NULL },
	referral_list,
};

static const struct out_col show_lines[] = {
	{ N_("referral:"), "entity", OUT_TEXT, NULL, NULL, 0 },
	{ N_("status:"), "status", OUT_STATUS, NULL, NULL, 0 },
	{ N_("from:"), "unit", OUT_TEXT, NULL, NULL, 0 },
	{ N_("to:"), "to", OUT_TEXT, NULL, NULL, 0 },
	{ N_("case:"), "case", OUT_TEXT, NULL, NULL, 0 },
	{ N_("matter:"), "matter", OUT_TEXT, NULL, NULL, 0 },
	{ N_("category:"), "category", OUT_TEXT, NULL, NULL, 0 },
	{ N_("location:"), "location", OUT_TEXT, NULL, NULL, 0 },
	{ N_("discovered:"), "discovered_at", OUT_TIME, NULL, NULL, 0 },
	{ N_("description:"), "description", OUT_TEXT, NULL, NULL, 0 },
	{ N_("note:"), "note", OUT_TEXT, NULL, NULL, 0 },
	{ N_("refer by:"), "refer_due", OUT_DUE, NULL, NULL, 0 },
	{ N_("sent:"), "sent_at", OUT_TIME, NULL, NULL, 0 },
	{ N_("entered:"), "created_at", OUT_MS, NULL, NULL, 0 },
	{ N_("received:"), "received.at", OUT_TIME, NULL, "received.basis", 0 },
	{ N_("receipt entered:"), "received.recorded_at", OUT_MS, NULL, NULL, 0 },
	{ N_("acknowledge:"), "ack_due", OUT_DUE, NULL, NULL, 0 },
	{ N_("on the scene by:"), "onsite_due", OUT_DUE, NULL, NULL, 0 },
	{ N_("on the scene:"), "arrived_at", OUT_TIME, NULL, NULL, 0 },
	{ N_("result:"), "result_due", OUT_DUE, NULL, NULL, 0 },
	{ N_("handler:"), "handler", OUT_DIFFERS, NULL, "to", 0 },
	{ N_("reason:"), "reason", OUT_TEXT, NULL, NULL, 0 },
	{ N_("decision:"), "decision", OUT_TEXT, NULL, NULL, 0 },
	{ NULL, NULL, 0, NULL, NULL, 0 },
};

static int
referral_show(struct cmd_ctx *ctx)
{
	return form_show(ctx, "referral", show_lines, NULL);
}

const struct cmd_entry cmd_referral_show_entry = {
	{ "referral", "show", "<id>", 1, 1, NULL, CMD_DB | CMD_JSON,
	    N_("show a referral and its timeline"),
	    NULL },
	referral_show,
};

/* Records one step of referral id (see form_step). */
static int
referral_step(struct cmd_ctx *ctx, const char *kind, json_t *body,
    const char *extra)
{
	return form_step(ctx, "referral", kind, body, extra);
}

/* The options of a step: its kind's fields, and the officer acting. */
#define STEP_OPTS(var, kind) \
	static const struct cli_opt var[] = { \
		FORM_FIELDS(kind), \
		{ "officer", CLI_VALUE, "NAME", N_("officer acting") }, \
		{ NULL, 0, NULL, NULL }, \
	}

STEP_OPTS(acknowledge_opts, "referral.acknowledged");
STEP_OPTS(accept_opts, "referral.accepted");
STEP_OPTS(dispute_opts, "referral.disputed");
STEP_OPTS(withdraw_opts, "referral.withdrawn");
STEP_OPTS(return_opts, "referral.returned");
STEP_OPTS(escalate_opts, "referral.escalated");
STEP_OPTS(decide_opts, "referral.decided");
STEP_OPTS(result_opts, "referral.result");
STEP_OPTS(arrive_opts, "referral.arrived");

/* Records kind with the body its options give; the unit named by the
 * option unit (NULL: none) joins the audience. */
static int
simple_step(struct cmd_ctx *ctx, const char *kind, const char *unit)
{
	json_t *body = json_object();
	int rc = form_kind_text(ctx, kind, body);

	if (rc == 0)
		rc = referral_step(ctx, kind, body, unit != NULL ?
		    cmd_value(ctx, unit) : NULL);
	json_decref(body);
	return rc;
}

static int
referral_acknowledge(struct cmd_ctx *ctx)
{
	return simple_step(ctx, "referral.acknowledged", NULL);
}

static int
referral_accept(struct cmd_ctx *ctx)
{
	return simple_step(ctx, "referral.accepted", NULL);
}

static int
referral_dispute(struct cmd_ctx *ctx)
{
	return simple_step(ctx, "referral.disputed", NULL);
}

/* 1 if case (a projection, or NULL) is this unit's, open, and stands
 * referred by referral rid: the case's side of withdrawing it applies. */
static int
case_stands_referred(struct cmd_ctx *ctx, const json_t *cdoc, const char *rid)
{
	const char *type = cjson_str(cdoc, "type"), *unit = cjson_str(cdoc, "unit");
	const char *st = cjson_str(cdoc, "status");
	const char *r = cjson_str(json_object_get(cdoc, "referred"), "referral");

	return type != NULL && strcmp(type, "case") == 0 && unit != NULL &&
	    strcmp(unit, ledger_unit(ctx->lg)) == 0 && st != NULL &&
	    strcmp(st, "closed") != 0 && r != NULL && strcmp(r, rid) == 0;
}

/*
 * Withdraws a referral, as the referring unit, and with it, in the same
 * transaction, the case's note that it was referred (case.referral_withdrawn),
 * so that one case, one referral holds for the referral that stands: the
 * case may be referred again (to the unit it should have gone to) and owes
 * its referral until then (fold.c). A case closed meanwhile, or not held
 * here, keeps its note; the referral is withdrawn all the same.
 */
static int
referral_withdraw(struct cmd_ctx *ctx)
{
	const char *id = ctx->cli.argv[0], *officer, *cs;
	json_t *body = json_object(), *doc = NULL, *cdoc = NULL, *aud = NULL;
	json_t *cb = NULL;
	int rc;

	if ((rc = form_kind_text(ctx, "referral.withdrawn", body)) != 0)
		goto out;
	if ((officer = form_officer(ctx, cmd_value(ctx, "officer"))) == NULL) {
		rc = cmd_usage_error(ctx, _("missing required option --officer"));
		goto out;
	}
	if ((rc = form_get(ctx, id, "referral", &doc)) != 0 ||
	    (rc = form_precheck(ctx, doc, "referral.withdrawn", body)) != 0)
		goto out;
	cs = cjson_str(doc, "case");
	if (cs != NULL && ledger_get(ctx->lg, cs, &cdoc, NULL) == 0 &&
	    case_stands_referred(ctx, cdoc, id)) {
		cb = json_object();
		json_object_set_new(cb, "referral", json_string(id));
		json_object_set(cb, "reason", json_object_get(body, "reason"));
	}
	aud = json_deep_copy(json_object_get(doc, "audience"));
	form_audience_add(aud, ledger_unit(ctx->lg));
	{
		const struct form_event evs[] = {
			{ "referral.withdrawn", id, aud, body },
			{ "case.referral_withdrawn", cs, NULL, cb },
		};
		if ((rc = form_record_all(ctx, officer, evs, 2, NULL)) == 0)
			printf("%s\n", id);
	}
out:
	json_decref(cb);
	json_decref(aud);
	json_decref(cdoc);
	json_decref(doc);
	json_decref(body);
	return rc;
}

static int
referral_return(struct cmd_ctx *ctx)
{
	return simple_step(ctx, "referral.returned", NULL);
}

#define STEP_ENTRY(var, verb, opts, summary, fn) \
	const struct cmd_entry var = { \
		{ "referral", verb, "<id>", 1, 1, opts, CMD_DB, summary, NULL }, \
		fn, \
	}

STEP_ENTRY(cmd_referral_acknowledge_entry, "acknowledge", acknowledge_opts,
    N_("acknowledge receipt of a referral (受理告知), as the receiving unit"),
    referral_acknowledge);
STEP_ENTRY(cmd_referral_accept_entry, "accept", accept_opts,
    N_("accept a referral as this unit's case"), referral_accept);
STEP_ENTRY(cmd_referral_dispute_entry, "dispute", dispute_opts,
    N_("dispute jurisdiction: the receiver never refers a case onward"),
    referral_dispute);
STEP_ENTRY(cmd_referral_withdraw_entry, "withdraw", withdraw_opts,
    N_("withdraw a referral, as the referring unit: the case may then be referred again"),
    referral_withdraw);
STEP_ENTRY(cmd_referral_return_entry, "return", return_opts,
    N_("send a criminal referral back: no criminal liability (police)"),
    referral_return);

/* Not before the referral reached this unit: the fold would count it
 * from then anyway (fold_acted_at). */
static int
referral_arrive(struct cmd_ctx *ctx)
{
	const char *at = cmd_value(ctx, "arrived-at");
	json_t *doc = NULL;
	int64_t when, got;
	char t[LTIME_LEN];
	int rc;

	if (at != NULL && ltime_parse(at, &when) == 0) {
		if ((rc = form_get(ctx, ctx->cli.argv[0], "referral", &doc)) != 0)
			return rc;
		got = form_received_from(doc);
		json_decref(doc);
		if (when < got) {
			ltime_format(got, t);
			return cmd_error(ctx, EXIT_INVALID, _("--arrived-at is "
			    "before the referral reached this unit (%s)"), t);
		}
	}
	return simple_step(ctx, "referral.arrived", NULL);
}

STEP_ENTRY(cmd_referral_arrive_entry, "arrive", arrive_opts,
    N_("record that officers reached the scene of an urgent referral (派员到达现场), as the unit handling it"),
    referral_arrive);

static int
referral_escalate(struct cmd_ctx *ctx)
{
	return simple_step(ctx, "referral.escalated", "to");
}

STEP_ENTRY(cmd_referral_escalate_entry, "escalate", escalate_opts,
    N_("escalate a disputed referral to the legal office or the county government"),
    referral_escalate);

static int
referral_decide(struct cmd_ctx *ctx)
{
	return simple_step(ctx, "referral.decided", "handler");
}

STEP_ENTRY(cmd_referral_decide_entry, "decide", decide_opts,
    N_("decide a jurisdiction dispute (legal office or county government)"),
    referral_decide);

/* The time to report the result counts from the decision served. */
static int
referral_result(struct cmd_ctx *ctx)
{
	json_t *body = json_object(), *due = NULL;
	int64_t ms = ltime_now();
	int rc;

	/* decided_at is then set: as given, or now. */
	if ((rc = form_kind_text(ctx, "referral.result", body)) == 0 &&
	    ltime_parse(cjson_str(body, "decided_at"), &ms) != 0)
		rc = EXIT_INTERNAL;
	if (rc == 0 && (rc = form_deadline(ctx, "result", ms, 0, &due)) == 0) {
		if (due != NULL)
			json_object_set_new(body, "result_due", due);
		rc = referral_step(ctx, "referral.result", body, NULL);
	}
	json_decref(body);
	return rc;
}

STEP_ENTRY(cmd_referral_result_entry, "result", result_opts,
    N_("report the decision back to the referring unit (处理结果反馈)"),
    referral_result);

static const struct cli_opt extend_opts[] = {
	{ "days", CLI_VALUE, "N", N_("the new total time to refer, at most the county's cap (required)") },
	FORM_FIELDS("case.extended"),
	{ "officer", CLI_VALUE, "NAME", N_("officer acting") },
	{ NULL, 0, NULL, NULL },
};

/* Extends the time to refer a case: announced before the deadline, up
 * to the profile's cap (e.g. Gonghe: 5 working days, at most 10). */
static int
referral_extend(struct cmd_ctx *ctx)
{
	const char *id = ctx->cli.argv[0], *officer;
	json_t *doc = NULL, *body, *due = NULL;
	int64_t found = 0;
	int rc;

	if ((officer = form_officer(ctx, cmd_value(ctx, "officer"))) == NULL)
		return cmd_usage_error(ctx, _("missing required option --officer"));
	if ((rc = form_get(ctx, id, "case", &doc)) != 0)
		return rc;
	ltime_parse(cjson_str(doc, "discovered_at"), &found);
	rc = form_extend(ctx, "refer", found, json_object_get(doc, "refer_due"),
	    &due);
	json_decref(doc);
	if (rc != 0)
		return rc;
	body = json_object();
	json_object_set_new(body, "refer_due", due);
	if ((rc = form_kind_text(ctx, "case.extended", body)) == 0)
		rc = form_record(ctx, "case.extended", id, officer, NULL,
		    body, NULL);
	if (rc == 0)
		printf("%s\n", id);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_referral_extend_entry = {
	{ "referral", "extend", "<case>", 1, 1, extend_opts, CMD_DB,
	    N_("extend the time to refer a case, before it passes, up to the cap"),
	    NULL },
	referral_extend,
};
