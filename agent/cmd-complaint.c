/*
 * cmd-complaint.c - complaints, reports and petitions (投诉、举报、信访)
 * received under first-contact responsibility: complaint record|list|show.
 *
 * The complainant's name and phone go into a separate complaint.identity
 * event, written in the same transaction, so that its audience can later
 * be narrower than the complaint's. They are printed only by `complaint
 * show --show-identity`, never by a list.
 *
 * complaint refer|notify|reply: a complaint the first-contact unit cannot
 * handle is referred to the unit that can (its audience widens to that
 * unit); the complainant is told where it went; the handling unit replies
 * with the result. The server never widens an identity event, so the
 * referral writes a copy of the identity addressed to both units, which
 * the handling unit needs to reply to the complainant.
 *
 * The options that give the fields are declared with them, in
 * common/type-complaint.c (FORM_FIELDS, form.h); lists and shows are
 * columns and lines (out.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cjson.h"
#include "cmd.h"
#include "form.h"
#include "kinds.h"
#include "ltime.h"
#include "out.h"
#include "text.h"
#include "units.h"

/* The complaint's fields, then the complainant's (complaint.identity). */
static const struct cli_opt record_opts[] = {
	FORM_FIELDS("complaint.recorded"),
	FORM_FIELDS("complaint.identity"),
	{ NULL, 0, NULL, NULL },
};

static int
complaint_record(struct cmd_ctx *ctx)
{
	json_t *body = json_object(), *who = json_object(), *doc = NULL;
	const char *officer;
	char *id = NULL;
	int rc;

	rc = form_kind_fill(ctx, "complaint.recorded", body, 0);
	if (rc == 0)
		rc = form_kind_fill(ctx, "complaint.identity", who, 1);
	if (rc == 0 && json_object_get(who, "phone") != NULL &&
	    json_object_get(who, "name") == NULL)
		rc = cmd_usage_error(ctx, _("--phone needs --name"));
	if (rc == 0 && cjson_str(body, "case") != NULL)
		rc = form_get(ctx, cjson_str(body, "case"), "case", &doc);
	json_decref(doc);
	if (rc != 0)
		goto out;
	officer = cjson_str(body, "officer");
	/* Both events or neither. */
	if ((rc = ledger_begin(ctx->lg, ctx->err)) != 0) {
		rc = cmd_fail(ctx, rc);
		goto out;
	}
	rc = ledger_record(ctx->lg, "complaint.recorded", NULL, officer, NULL,
	    body, &id, NULL, ctx->err);
	if (rc == 0 && json_object_size(who) > 0)
		rc = ledger_record(ctx->lg, "complaint.identity", id, officer,
		    NULL, who, NULL, NULL, ctx->err);
	if (rc == 0)
		rc = ledger_commit(ctx->lg, ctx->err);
	if (rc != 0) {
		ledger_rollback(ctx->lg);
		rc = cmd_fail(ctx, rc);
		goto out;
	}
	rc = form_recorded(ctx, id);
out:
	free(id);
	json_decref(body);
	json_decref(who);
	return rc;
}

const struct cmd_entry cmd_complaint_record_entry = {
	{ "complaint", "record", NULL, 0, 0, record_opts, CMD_DB | CMD_JSON,
	    N_("record a complaint, report or petition received here"),
	    NULL },
	complaint_record,
};

static const struct cli_opt list_opts[] = {
	{ "type", CLI_VALUE, "TYPE", N_("only complaints, reports or petitions") },
	{ "since", CLI_VALUE, "DATE", N_("received on or after DATE") },
	{ "until", CLI_VALUE, "DATE", N_("received before DATE") },
	{ "search", CLI_VALUE, "TEXT", N_("full-text search (never the complainant)") },
	{ "limit", CLI_VALUE, "N", N_("show at most N") },
	{ "offset", CLI_VALUE, "N", N_("skip the first N (with --limit, a page)") },
	{ NULL, 0, NULL, NULL },
};

/* Puts text in place of the complainant's identity in a projection. */
static void
redact(json_t *doc, const char *text)
{
	if (json_object_get(doc, "identity") != NULL)
		json_object_set_new(doc, "identity", json_string(text));
}

static const struct out_col list_cols[] = {
	{ N_("ID"), "entity", OUT_TEXT, NULL, NULL, 0 },
	{ N_("TYPE"), "form", OUT_ENUM, complaint_types, NULL, 0 },
	{ N_("RECEIVED"), "received_at", OUT_TIME, NULL, NULL, 0 },
	{ N_("CHANNEL"), "channel", OUT_ENUM, complaint_channels, NULL, 0 },
	{ N_("STATUS"), "status", OUT_TEXT, NULL, NULL, 0 },
	{ N_("MATTER"), "matter", OUT_TEXT, NULL, NULL, 0 },
	{ NULL, NULL, 0, NULL, NULL, 0 },
};

static int
complaint_list(struct cmd_ctx *ctx)
{
	char since[LTIME_LEN], until[LTIME_LEN];
	const struct enum_value *type = NULL;
	struct ledger_query q;
	json_t *items, *doc;
	size_t i;
	int rc;

	memset(&q, 0, sizeof q);
	q.type = "complaint";
	q.search = cmd_value(ctx, "search");
	if (cmd_value(ctx, "type") != NULL) {
		type = enum_lookup(complaint_types, cmd_value(ctx, "type"));
		if (type == NULL)
			return cmd_error(ctx, EXIT_INVALID,
			    _("unknown --type '%s': complaint, report or petition"),
			    cmd_value(ctx, "type"));
		q.subtype = type->name;
	}
	if ((rc = list_range(ctx, &q, since, until)) != 0)
		return rc;
	if ((rc = ledger_query(ctx->lg, &q, &items, ctx->err)) != 0)
		return cmd_fail(ctx, rc);
	json_array_foreach(items, i, doc)
		redact(doc, "(confidential)");
	if (ctx->json) {
		doc = out_doc("complaint.list");
		json_object_set_new(doc, "complaints", items);
		out_json(doc);
		return 0;
	}
	out_list(list_cols, items);
	json_decref(items);
	return 0;
}

const struct cmd_entry cmd_complaint_list_entry = {
	{ "complaint", "list", NULL, 0, 0, list_opts, CMD_DB | CMD_JSON,
	    N_("list complaints, newest first (never shows the complainant)"),
	    NULL },
	complaint_list,
};

static const struct cli_opt show_opts[] = {
	{ "show-identity", CLI_FLAG, NULL, N_("also show the complainant's name and phone (confidential)") },
	{ NULL, 0, NULL, NULL },
};

/* The identity is an object with --show-identity, else the text
 * redact put in its place (complaint_show): one of the two complainant
 * lines prints. */
static const struct out_col show_lines[] = {
	{ N_("complaint:"), "entity", OUT_TEXT, NULL, NULL, 0 },
	{ N_("type:"), "form", OUT_ENUM, complaint_types, NULL, 0 },
	{ N_("channel:"), "channel", OUT_ENUM, complaint_channels, NULL, 0 },
	{ N_("status:"), "status", OUT_TEXT, NULL, NULL, 0 },
	{ N_("matter:"), "matter", OUT_TEXT, NULL, NULL, 0 },
	{ N_("received:"), "received_at", OUT_TIME, NULL, NULL, 0 },
	{ N_("location:"), "location", OUT_TEXT, NULL, NULL, 0 },
	{ N_("first contact:"), "officer", OUT_TEXT, NULL, NULL, 0 },
	{ N_("unit:"), "unit", OUT_TEXT, NULL, NULL, 0 },
	{ N_("case:"), "case", OUT_TEXT, NULL, NULL, 0 },
	{ N_("description:"), "description", OUT_TEXT, NULL, NULL, 0 },
	{ N_("referred to:"), "referred.to", OUT_TEXT, NULL, NULL, 0 },
	{ N_("earlier:"), "earlier_referrals", OUT_EACH, NULL, "to", 0 },
	{ N_("told:"), "notified.text", OUT_TEXT, NULL, NULL, 0 },
	{ N_("reply:"), "reply.result", OUT_TEXT, NULL, NULL, 0 },
	{ N_("complainant:"), "identity", OUT_TEXT, NULL, NULL, 0 },
	{ N_("complainant:"), "identity.name", OUT_TEXT, NULL, NULL, 0 },
	{ N_("phone:"), "identity.phone", OUT_TEXT, NULL, NULL, 0 },
	{ NULL, NULL, 0, NULL, NULL, 0 },
};

static int
complaint_show(struct cmd_ctx *ctx)
{
	const char *id = ctx->cli.argv[0];
	int show = cmd_flag(ctx, "show-identity");
	json_t *doc;
	int rc;

	if ((rc = form_get(ctx, id, "complaint", &doc)) != 0)
		return rc;
	if (ctx->json) {
		if (!show)
			redact(doc, "(confidential)");
		form_attachments_redact(ctx, doc, show, "(confidential)");
		return form_show_json(ctx, "complaint", id, doc, show);
	}
	if (!show)
		redact(doc, _("(confidential: add --show-identity)"));
	out_show(show_lines, doc);
	/* A confidential attachment follows the identity's rule. */
	form_attachments_redact(ctx, doc, show,
	    _("(confidential: add --show-identity)"));
	out_show(form_attachment_lines, doc);
	form_conflicts(doc);
	json_decref(doc);
	return form_timeline(ctx, id, NULL, show);
}

const struct cmd_entry cmd_complaint_show_entry = {
	{ "complaint", "show", "<id>", 1, 1, show_opts, CMD_DB | CMD_JSON,
	    N_("show a complaint and its timeline"),
	    NULL },
	complaint_show,
};

static const struct cli_opt refer_opts[] = {
	FORM_FIELDS("complaint.referred"),
	{ "officer", CLI_VALUE, "NAME", N_("officer acting") },
	{ NULL, 0, NULL, NULL },
};

/* The referral and the identity's copy for the handling unit, both or
 * neither. Referring again, before the reply, replaces the handler (a
 * complaint sent to the wrong unit): fold.c keeps the earlier one. */
static int
complaint_refer(struct cmd_ctx *ctx)
{
	const char *id = ctx->cli.argv[0], *to = cmd_value(ctx, "to"), *officer;
	json_t *body = json_object(), *doc = NULL, *aud = NULL, *who;
	json_t *who_aud = NULL;
	int rc;

	if ((rc = form_kind_text(ctx, "complaint.referred", body)) != 0)
		goto out;
	if (text_check("to", to, UNIT_MAX, 0, ctx->err) != 0) {
		rc = cmd_fail(ctx, LD_EINVAL);
		goto out;
	}
	if (strcmp(to, ledger_unit(ctx->lg)) == 0) {
		rc = cmd_error(ctx, EXIT_INVALID,
		    _("a complaint is referred to another unit"));
		goto out;
	}
	if ((officer = form_officer(ctx, cmd_value(ctx, "officer"))) == NULL) {
		rc = cmd_usage_error(ctx, _("missing required option --officer"));
		goto out;
	}
	if ((rc = form_get(ctx, id, "complaint", &doc)) != 0 ||
	    (rc = form_precheck(ctx, doc, "complaint.referred", body)) != 0 ||
	    (rc = units_check(ctx, to)) != 0)
		goto out;
	/* The referral reaches every unit of the complaint (the one it
	 * leaves, when referred again, learns that it does); the identity
	 * only this unit and the one that handles it now. */
	aud = json_deep_copy(json_object_get(doc, "audience"));
	form_audience_add(aud, ledger_unit(ctx->lg));
	form_audience_add(aud, to);
	who_aud = json_array();
	form_audience_add(who_aud, ledger_unit(ctx->lg));
	form_audience_add(who_aud, to);
	who = json_object_get(doc, "identity");
	{
		const struct form_event evs[] = {
			{ "complaint.referred", id, aud, body },
			{ "complaint.identity", id, who_aud,
			    json_is_object(who) ? who : NULL },
		};
		if ((rc = form_record_all(ctx, officer, evs, 2, NULL)) == 0)
			printf("%s\n", id);
	}
out:
	json_decref(who_aud);
	json_decref(aud);
	json_decref(doc);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_complaint_refer_entry = {
	{ "complaint", "refer", "<id>", 1, 1, refer_opts, CMD_DB,
	    N_("refer a complaint to the unit that handles it (with the complainant's identity); again, before the reply, to correct the unit"),
	    NULL },
	complaint_refer,
};

static const struct cli_opt notify_opts[] = {
	FORM_FIELDS("complaint.notified"),
	{ "officer", CLI_VALUE, "NAME", N_("officer acting") },
	{ NULL, 0, NULL, NULL },
};

static int
complaint_notify(struct cmd_ctx *ctx)
{
	json_t *body = json_object();
	int rc;

	if ((rc = form_kind_text(ctx, "complaint.notified", body)) == 0)
		rc = form_step(ctx, "complaint", "complaint.notified", body, NULL);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_complaint_notify_entry = {
	{ "complaint", "notify", "<id>", 1, 1, notify_opts, CMD_DB,
	    N_("record that the complainant was told where the complaint went"),
	    NULL },
	complaint_notify,
};

static const struct cli_opt reply_opts[] = {
	FORM_FIELDS("complaint.replied"),
	{ "officer", CLI_VALUE, "NAME", N_("officer acting") },
	{ NULL, 0, NULL, NULL },
};

static int
complaint_reply(struct cmd_ctx *ctx)
{
	json_t *body = json_object();
	int rc;

	if ((rc = form_kind_text(ctx, "complaint.replied", body)) == 0)
		rc = form_step(ctx, "complaint", "complaint.replied", body, NULL);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_complaint_reply_entry = {
	{ "complaint", "reply", "<id>", 1, 1, reply_opts, CMD_DB,
	    N_("reply with the result, as the unit handling a referred complaint"),
	    NULL },
	complaint_reply,
};
