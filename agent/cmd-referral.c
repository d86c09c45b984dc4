/*
 * cmd-referral.c - case referral (案件移送): referral send|list|show.
 *
 * A referral is its own record, sent to the receiving unit: its audience
 * is the referring unit and the receiver, and it carries the facts of the
 * case the receiver needs (the case's own events stay with the unit that
 * opened it). The acknowledgement, dispute and deadline workflow builds on
 * this record.
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
	{ "to", CLI_VALUE, "UNIT", N_("the receiving unit, e.g. 县综合行政执法局 (required)") },
	{ "letter", CLI_VALUE, "TEXT", N_("the referral letter (移送函): its number or title (required)") },
	{ "source-material", CLI_LIST, "TEXT", N_("case-source material: inspection record, complaint, photos... (required, repeat)") },
	{ "evidence", CLI_LIST, "TEXT", N_("preliminary evidence (required, repeat)") },
	{ "criminal", CLI_FLAG, NULL, N_("a suspected crime referred to the police (行刑衔接)") },
	{ "urgent", CLI_FLAG, NULL, N_("urgent referral") },
	{ "note", CLI_VALUE, "TEXT", N_("a note for the receiver") },
	{ "officer", CLI_VALUE, "NAME", N_("officer sending it") },
	{ NULL, 0, NULL, NULL },
};

static int
referral_send(struct cmd_ctx *ctx)
{
	const char *id = ctx->cli.argv[0], *to = cmd_value(ctx, "to");
	const char *note = cmd_value(ctx, "note"), *officer;
	static const char *const copy[] = { "matter", "category", "location",
		"description", "discovered_at", NULL };
	json_t *doc = NULL, *body, *aud;
	char *rid = NULL;
	size_t i;
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
	if (!utf8_valid(cmd_value(ctx, "letter"), strlen(cmd_value(ctx, "letter"))))
		return cmd_error(ctx, EXIT_INVALID, _("'--letter' is not valid UTF-8"));
	if ((rc = form_get(ctx, id, "case", &doc)) != 0)
		return rc;
	if (strcmp(cjson_str(doc, "unit"), ledger_unit(ctx->lg)) != 0) {
		json_decref(doc);
		return cmd_error(ctx, EXIT_CONFLICT,
		    _("case '%s' belongs to %s: only the unit that holds a case refers it"),
		    id, cjson_str(doc, "unit"));
	}
	if (json_object_get(doc, "referred") != NULL ||
	    strcmp(cjson_str(doc, "status"), "closed") == 0) {
		json_t *r = json_object_get(doc, "referred");
		rc = cmd_error(ctx, EXIT_CONFLICT,
		    _("case '%s' is already %s: one case, one referral"), id,
		    r ? _("referred") : _("closed"));
		/* The one that stands is corrected by withdrawing it. */
		if (r != NULL && cjson_str(r, "referral") != NULL)
			fprintf(stderr, _("hint: it went to %s as %s; to send it elsewhere, withdraw that first: 'liandong referral withdraw %s --reason ...'\n"),
			    cjson_str(r, "to"), cjson_str(r, "referral"),
			    cjson_str(r, "referral"));
		json_decref(doc);
		return rc;
	}
	if ((rc = ledger_may_write(ctx->lg, "referral.sent", ctx->err)) != 0 ||
	    (rc = units_check(ctx, to)) != 0) {
		json_decref(doc);
		return rc < 0 ? cmd_fail(ctx, rc) : rc;
	}
	body = json_object();
	json_object_set_new(body, "case", json_string(id));
	json_object_set_new(body, "to", json_string(to));
	json_object_set_new(body, "urgent", json_boolean(cmd_flag(ctx, "urgent") ||
	    json_is_true(json_object_get(doc, "urgent"))));
	json_object_set_new(body, "officer", json_string(officer));
	json_object_set_new(body, "letter", json_string(cmd_value(ctx, "letter")));
	json_object_set(body, "sources", cmd_list(ctx, "source-material"));
	json_object_set(body, "evidence", cmd_list(ctx, "evidence"));
	if (cmd_flag(ctx, "criminal"))
		json_object_set_new(body, "criminal", json_true());
	if (json_object_get(doc, "refer_due") != NULL)
		json_object_set(body, "refer_due", json_object_get(doc, "refer_due"));
	for (i = 0; copy[i] != NULL; i++)
		if (json_object_get(doc, copy[i]) != NULL)
			json_object_set(body, copy[i], json_object_get(doc, copy[i]));
	if (note != NULL)
		json_object_set_new(body, "note", json_string(note));
	json_decref(doc);
	aud = json_array();
	json_array_append_new(aud, json_string(ledger_unit(ctx->lg)));
	json_array_append_new(aud, json_string(to));
	{
		json_t *ack = NULL;
		if ((rc = form_deadline(ctx, "acknowledge", ltime_now(), 0,
		    &ack)) != 0) {
			json_decref(aud);
			json_decref(body);
			return rc;
		}
		if (ack != NULL)
			json_object_set_new(body, "ack_due", ack);
	}
	/* The referral and the case's note of it, both or neither. */
	if ((rc = ledger_begin(ctx->lg, ctx->err)) == 0) {
		rc = ledger_record(ctx->lg, "referral.sent", NULL, officer, aud,
		    body, &rid, NULL, ctx->err);
		if (rc == 0) {
			json_t *cb = json_object();
			json_object_set_new(cb, "referral", json_string(rid));
			json_object_set_new(cb, "to", json_string(to));
			rc = ledger_record(ctx->lg, "case.referred", id, officer,
			    NULL, cb, NULL, NULL, ctx->err);
			json_decref(cb);
		}
		if (rc == 0)
			rc = ledger_commit(ctx->lg, ctx->err);
		if (rc != 0)
			ledger_rollback(ctx->lg);
	}
	json_decref(aud);
	json_decref(body);
	if (rc != 0)
		return cmd_fail(ctx, rc);
	if (ctx->json) {
		json_t *o = out_doc("recorded");
		json_object_set_new(o, "id", json_string(rid));
		out_json(o);
	} else
		printf("%s\n", rid);
	free(rid);
	return 0;
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

static int
referral_list(struct cmd_ctx *ctx)
{
	static const char *const headers[] = { N_("ID"), N_("STATUS"),
		N_("FROM"), N_("TO"), N_("SENT"), N_("MATTER") };
	struct table *tab = NULL;
	json_t *doc, *keep;
	size_t i;
	int rc;

	if ((rc = form_list_directed(ctx, "referral", "referral.list", "referrals",
	    &keep)) != 0 ||
	    keep == NULL)
		return rc;
	tab = table_new(6, headers);
	json_array_foreach(keep, i, doc) {
		char t[LTIME_LEN], status[64];
		const char *cells[6];
		ltime_short(json_integer_value(json_object_get(doc, "created_at")), t);
		snprintf(status, sizeof status, "%s%s", cjson_str(doc, "status"),
		    json_is_true(json_object_get(doc, "urgent")) ? " !" : "");
		cells[0] = cjson_str(doc, "entity");
		cells[1] = status;
		cells[2] = cjson_str(doc, "unit");
		cells[3] = cjson_str(doc, "to");
		cells[4] = t;
		cells[5] = cjson_str(doc, "matter") ? cjson_str(doc, "matter") :
		    cjson_str(doc, "description");
		table_row(tab, cells);
	}
	table_print(tab, stdout);
	table_free(tab);
	json_decref(keep);
	return 0;
}

const struct cmd_entry cmd_referral_list_entry = {
	{ "referral", "list", NULL, 0, 0, list_opts, CMD_DB | CMD_JSON,
	    N_("list referrals sent by or to this unit ('!' marks urgent ones)"),
	    NULL },
	referral_list,
};

static int
referral_show(struct cmd_ctx *ctx)
{
	const char *id = ctx->cli.argv[0];
	json_t *doc;
	char t[LTIME_LEN];
	int rc;

	if ((rc = form_get(ctx, id, "referral", &doc)) != 0)
		return rc;
	if (ctx->json)
		return form_show_json(ctx, "referral", id, doc, 0);
	printf("%-14s %s\n", _("referral:"), id);
	printf("%-14s %s%s\n", _("status:"), cjson_str(doc, "status"),
	    json_is_true(json_object_get(doc, "urgent")) ? _(" (urgent)") : "");
	printf("%-14s %s\n", _("from:"), cjson_str(doc, "unit"));
	printf("%-14s %s\n", _("to:"), cjson_str(doc, "to"));
	printf("%-14s %s\n", _("case:"), cjson_str(doc, "case"));
	if (cjson_str(doc, "matter"))
		printf("%-14s %s\n", _("matter:"), cjson_str(doc, "matter"));
	printf("%-14s %s\n", _("category:"), cjson_str(doc, "category"));
	printf("%-14s %s\n", _("location:"), cjson_str(doc, "location"));
	printf("%-14s %s\n", _("discovered:"), out_time(cjson_str(doc,
	    "discovered_at"), t, sizeof t));
	printf("%-14s %s\n", _("description:"), cjson_str(doc, "description"));
	if (cjson_str(doc, "note"))
		printf("%-14s %s\n", _("note:"), cjson_str(doc, "note"));
	out_deadline(N_("refer by:"), json_object_get(doc, "refer_due"));
	out_deadline(N_("acknowledge:"), json_object_get(doc, "ack_due"));
	out_deadline(N_("result:"), json_object_get(doc, "result_due"));
	if (cjson_str(doc, "handler") && strcmp(cjson_str(doc, "handler"), cjson_str(doc, "to")))
		printf("%-14s %s\n", _("handler:"), cjson_str(doc, "handler"));
	if (cjson_str(doc, "reason"))
		printf("%-14s %s\n", _("reason:"), cjson_str(doc, "reason"));
	if (cjson_str(doc, "decision"))
		printf("%-14s %s\n", _("decision:"), cjson_str(doc, "decision"));
	form_conflicts(doc);
	json_decref(doc);
	return form_timeline(ctx, id, NULL, 0);
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

static const struct cli_opt note_opts[] = {
	{ "note", CLI_VALUE, "TEXT", N_("a note for the referring unit") },
	{ "officer", CLI_VALUE, "NAME", N_("officer acting") },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_opt reason_opts[] = {
	{ "reason", CLI_VALUE, "TEXT", N_("why (required)") },
	{ "officer", CLI_VALUE, "NAME", N_("officer acting") },
	{ NULL, 0, NULL, NULL },
};

static int
simple_step(struct cmd_ctx *ctx, const char *kind, const char *opt,
    int required)
{
	json_t *body = json_object();
	int rc = form_text_opt(ctx, body, opt, opt, required);

	if (rc == 0)
		rc = referral_step(ctx, kind, body, NULL);
	json_decref(body);
	return rc;
}

static int
referral_acknowledge(struct cmd_ctx *ctx)
{
	return simple_step(ctx, "referral.acknowledged", "note", 0);
}

static int
referral_accept(struct cmd_ctx *ctx)
{
	return simple_step(ctx, "referral.accepted", "note", 0);
}

static int
referral_dispute(struct cmd_ctx *ctx)
{
	return simple_step(ctx, "referral.disputed", "reason", 1);
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

	if ((rc = form_text_opt(ctx, body, "reason", "reason", 1)) != 0)
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
	return simple_step(ctx, "referral.returned", "reason", 1);
}

#define STEP_ENTRY(var, verb, opts, summary, fn) \
	const struct cmd_entry var = { \
		{ "referral", verb, "<id>", 1, 1, opts, CMD_DB, summary, NULL }, \
		fn, \
	}

STEP_ENTRY(cmd_referral_acknowledge_entry, "acknowledge", note_opts,
    N_("acknowledge receipt of a referral (受理告知), as the receiving unit"),
    referral_acknowledge);
STEP_ENTRY(cmd_referral_accept_entry, "accept", note_opts,
    N_("accept a referral as this unit's case"), referral_accept);
STEP_ENTRY(cmd_referral_dispute_entry, "dispute", reason_opts,
    N_("dispute jurisdiction: the receiver never refers a case onward"),
    referral_dispute);
STEP_ENTRY(cmd_referral_withdraw_entry, "withdraw", reason_opts,
    N_("withdraw a referral, as the referring unit: the case may then be referred again"),
    referral_withdraw);
STEP_ENTRY(cmd_referral_return_entry, "return", reason_opts,
    N_("send a criminal referral back: no criminal liability (police)"),
    referral_return);

static const struct cli_opt escalate_opts[] = {
	{ "to", CLI_VALUE, "UNIT", N_("the legal office, then the county government (required)") },
	{ "reason", CLI_VALUE, "TEXT", N_("why (required)") },
	{ "officer", CLI_VALUE, "NAME", N_("officer acting") },
	{ NULL, 0, NULL, NULL },
};

static int
referral_escalate(struct cmd_ctx *ctx)
{
	json_t *body = json_object();
	int rc;

	if ((rc = form_text_opt(ctx, body, "to", "to", 1)) == 0 &&
	    (rc = form_text_opt(ctx, body, "reason", "reason", 1)) == 0)
		rc = referral_step(ctx, "referral.escalated", body,
		    cmd_value(ctx, "to"));
	json_decref(body);
	return rc;
}

STEP_ENTRY(cmd_referral_escalate_entry, "escalate", escalate_opts,
    N_("escalate a disputed referral to the legal office or the county government"),
    referral_escalate);

static const struct cli_opt decide_opts[] = {
	{ "handler", CLI_VALUE, "UNIT", N_("the unit that must handle the case (required)") },
	{ "reason", CLI_VALUE, "TEXT", N_("the decision (required)") },
	{ "officer", CLI_VALUE, "NAME", N_("officer acting") },
	{ NULL, 0, NULL, NULL },
};

static int
referral_decide(struct cmd_ctx *ctx)
{
	json_t *body = json_object();
	int rc;

	if ((rc = form_text_opt(ctx, body, "handler", "handler", 1)) == 0 &&
	    (rc = form_text_opt(ctx, body, "reason", "reason", 1)) == 0)
		rc = referral_step(ctx, "referral.decided", body,
		    cmd_value(ctx, "handler"));
	json_decref(body);
	return rc;
}

STEP_ENTRY(cmd_referral_decide_entry, "decide", decide_opts,
    N_("decide a jurisdiction dispute (legal office or county government)"),
    referral_decide);

static const struct cli_opt result_opts[] = {
	{ "decision", CLI_VALUE, "TEXT", N_("the decision served (required)") },
	{ "decided-at", CLI_VALUE, "DATE", N_("when it was served (default: now)") },
	{ "officer", CLI_VALUE, "NAME", N_("officer acting") },
	{ NULL, 0, NULL, NULL },
};

static int
referral_result(struct cmd_ctx *ctx)
{
	const char *when = cmd_value(ctx, "decided-at");
	json_t *body = json_object(), *due = NULL;
	char t[LTIME_LEN];
	int64_t ms = ltime_now();
	int rc;

	if (when != NULL && ltime_parse(when, &ms) != 0) {
		json_decref(body);
		return cmd_error(ctx, EXIT_INVALID,
		    _("invalid date '%s' for --decided-at"), when);
	}
	ltime_format(ms, t);
	json_object_set_new(body, "decided_at", json_string(t));
	if ((rc = form_text_opt(ctx, body, "decision", "decision", 1)) == 0 &&
	    (rc = form_deadline(ctx, "result", ms, 0, &due)) == 0) {
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
	{ "reason", CLI_VALUE, "TEXT", N_("why, e.g. investigation needs more time (required)") },
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
	if ((rc = form_text_opt(ctx, body, "reason", "reason", 1)) == 0)
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
