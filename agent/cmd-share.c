/*
 * cmd-share.c - information passed on (信息共享): share
 * record|send|extend|list|show.
 *
 * A unit records what it holds and must pass on: an administrative
 * approval touching the transferred powers (抄送审批), a superior
 * department's document (告知上级文件), a penalty decision (抄送处罚决定),
 * a letter asking a unit to help execute one (书面函告), or other
 * enforcement information. The time to pass it on counts from when it
 * formed, by the county's rule for that kind of information, else by its
 * general rule for sharing (share_info); sending it to the units
 * concerned discharges it (fold.c has the states).
 *
 * The options that give the body's fields are declared with the fields,
 * in common/type-share.c (FORM_FIELDS, form.h); lists and shows are
 * declared as columns and lines (out_list, out_show: out.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cjson.h"
#include "cmd.h"
#include "form.h"
#include "kinds.h"
#include "ltime.h"
#include "out.h"
#include "rules.h"
#include "text.h"
#include "units.h"

/*
 * The rule for a form of information: its own (the urgent one first when
 * urgent), else the county's general rule for sharing information. NULL
 * when the county sets no time at all.
 */
static const char *
rule_for(struct cmd_ctx *ctx, const char *form, int urgent)
{
	static const struct { const char *form, *urgent, *plain; } rules[] = {
		{ "approval", "copy_approval_urgent", "copy_approval" },
		{ "document", "pass_documents_urgent", "pass_documents" },
		{ "penalty", NULL, "copy_penalty" },
		{ "enforcement", NULL, "enforce_request" },
		{ "info", NULL, "share_info" },
	};
	const struct profile *p = form_profile(ctx);
	size_t i;

	for (i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		if (strcmp(rules[i].form, form) != 0)
			continue;
		if (urgent && rules[i].urgent != NULL &&
		    profile_rule(p, rules[i].urgent) != NULL)
			return rules[i].urgent;
		if (profile_rule(p, rules[i].plain) != NULL)
			return rules[i].plain;
	}
	return profile_rule(p, "share_info") != NULL ? "share_info" : NULL;
}

/* The units to send to (--to, at least one, not this unit) and the
 * channel (--via, default the platform) as a share.sent body. Returns 0
 * or an exit code. */
static int
sent_body(struct cmd_ctx *ctx, json_t **out)
{
	json_t *to = cmd_list(ctx, "to"), *body, *u;
	size_t i;
	int rc;

	*out = NULL;
	if (json_array_size(to) == 0)
		return cmd_usage_error(ctx, _("missing required option --to"));
	json_array_foreach(to, i, u) {
		if (text_check("to", json_string_value(u), UNIT_MAX, 0,
		    ctx->err) != 0)
			return cmd_fail(ctx, LD_EINVAL);
		if (strcmp(json_string_value(u), ledger_unit(ctx->lg)) == 0)
			return cmd_error(ctx, EXIT_INVALID,
			    _("information is passed on to other units, not to '%s' itself"),
			    ledger_unit(ctx->lg));
		if ((rc = units_check(ctx, json_string_value(u))) != 0)
			return rc;
	}
	body = json_object();
	if (cmd_value(ctx, "via") == NULL)
		json_object_set_new(body, "via", json_string("platform"));
	if ((rc = form_kind_text(ctx, "share.sent", body)) == 0) {
		*out = body;
		return 0;
	}
	json_decref(body);
	return rc;
}

/* This unit and the units of a share.sent body. */
static json_t *
sent_audience(struct cmd_ctx *ctx, const json_t *base, const json_t *sent)
{
	json_t *aud = base ? json_deep_copy(base) : json_array(), *u;
	size_t i;

	form_audience_add(aud, ledger_unit(ctx->lg));
	json_array_foreach(json_object_get(sent, "to"), i, u)
		form_audience_add(aud, json_string_value(u));
	return aud;
}

/* With --to (--via, --note), the information is passed on at once. */
static const struct cli_opt record_opts[] = {
	FORM_FIELDS("share.formed"),
	FORM_FIELDS("share.sent"),
	{ NULL, 0, NULL, NULL },
};

/* Records the information and, with --to, its sending: both or neither. */
static int
share_record(struct cmd_ctx *ctx)
{
	json_t *body = json_object(), *sent = NULL, *doc = NULL, *due = NULL;
	json_t *aud = NULL;
	const char *rule;
	char *id = NULL;
	int64_t formed;
	int rc;

	if ((rc = form_kind_fill(ctx, "share.formed", body, 0)) != 0)
		goto out;
	if (cmd_list(ctx, "to") != NULL) {
		if ((rc = sent_body(ctx, &sent)) != 0)
			goto out;
	} else if (cmd_value(ctx, "via") != NULL || cmd_value(ctx, "note") != NULL) {
		rc = cmd_usage_error(ctx, _("--via and --note go with --to"));
		goto out;
	}
	if (cjson_str(body, "case") != NULL &&
	    (rc = form_get(ctx, cjson_str(body, "case"), "case", &doc)) != 0)
		goto out;
	rule = rule_for(ctx, cjson_str(body, "form"),
	    json_is_true(json_object_get(body, "urgent")));
	ltime_parse(cjson_str(body, "formed_at"), &formed);
	if (rule != NULL &&
	    (rc = form_deadline(ctx, rule, formed, 0, &due)) != 0)
		goto out;
	if (due != NULL)
		json_object_set_new(body, "send_due", due);
	if ((rc = ledger_begin(ctx->lg, ctx->err)) != 0) {
		rc = cmd_fail(ctx, rc);
		goto out;
	}
	rc = ledger_record(ctx->lg, "share.formed", NULL, cjson_str(body, "officer"),
	    NULL, body, &id, NULL, ctx->err);
	if (rc == 0 && sent != NULL) {
		aud = sent_audience(ctx, NULL, sent);
		rc = ledger_record(ctx->lg, "share.sent", id, cjson_str(body, "officer"),
		    aud, sent, NULL, NULL, ctx->err);
	}
	if (rc == 0)
		rc = ledger_commit(ctx->lg, ctx->err);
	if (rc != 0) {
		ledger_rollback(ctx->lg);
		rc = cmd_fail(ctx, rc);
	} else
		rc = form_recorded(ctx, id);
out:
	free(id);
	json_decref(doc);
	json_decref(aud);
	json_decref(sent);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_share_record_entry = {
	{ "share", "record", NULL, 0, 0, record_opts, CMD_DB | CMD_JSON,
	    N_("record an approval, superior document, penalty decision or information to pass on (信息共享)"),
	    NULL },
	share_record,
};

static const struct cli_opt send_opts[] = {
	FORM_FIELDS("share.sent"),
	{ "officer", CLI_VALUE, "NAME", N_("officer acting") },
	{ NULL, 0, NULL, NULL },
};

static int
share_send(struct cmd_ctx *ctx)
{
	const char *id = ctx->cli.argv[0];
	const char *officer = form_officer(ctx, cmd_value(ctx, "officer"));
	json_t *doc = NULL, *body = NULL, *aud;
	int rc;

	if (officer == NULL)
		return cmd_usage_error(ctx, _("missing required option --officer"));
	if ((rc = sent_body(ctx, &body)) != 0)
		return rc;
	if ((rc = form_get(ctx, id, "share", &doc)) == 0 &&
	    (rc = form_precheck(ctx, doc, "share.sent", body)) == 0) {
		aud = sent_audience(ctx, json_object_get(doc, "audience"), body);
		rc = form_record(ctx, "share.sent", id, officer, aud, body, NULL);
		json_decref(aud);
		if (rc == 0)
			printf("%s\n", id);
	}
	json_decref(doc);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_share_send_entry = {
	{ "share", "send", "<id>", 1, 1, send_opts, CMD_DB,
	    N_("pass recorded information on to the units concerned (抄送, 告知)"),
	    NULL },
	share_send,
};

static const struct cli_opt extend_opts[] = {
	{ "days", CLI_VALUE, "N", N_("the new total time, in the rule's unit, counted from when it formed (required)") },
	FORM_FIELDS("share.extended"),
	{ "officer", CLI_VALUE, "NAME", N_("officer acting") },
	{ NULL, 0, NULL, NULL },
};

/* Extends the time to pass it on, before it runs out, where the county's
 * rule allows (sharing "may be extended" in Gonghe and Gu). */
static int
share_extend(struct cmd_ctx *ctx)
{
	json_t *doc = NULL, *body, *due = NULL, *cur;
	const char *rule;
	int64_t formed = 0;
	int rc;

	if ((rc = form_get(ctx, ctx->cli.argv[0], "share", &doc)) != 0)
		return rc;
	cur = json_object_get(doc, "send_due");
	rule = cjson_str(cur, "rule") ? strchr(cjson_str(cur, "rule"), '/') : NULL;
	ltime_parse(cjson_str(doc, "formed_at"), &formed);
	if (rule == NULL) {
		json_decref(doc);
		return cmd_error(ctx, EXIT_CONFLICT,
		    _("'%s' has no time to pass it on: nothing to extend"),
		    ctx->cli.argv[0]);
	}
	/* The rule it started under ("gonghe/share_info"), not today's. */
	rc = form_extend(ctx, rule + 1, formed, cur, &due);
	json_decref(doc);
	if (rc != 0)
		return rc;
	body = json_object();
	json_object_set_new(body, "send_due", due);
	if ((rc = form_kind_text(ctx, "share.extended", body)) == 0)
		rc = form_step(ctx, "share", "share.extended", body, NULL);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_share_extend_entry = {
	{ "share", "extend", "<id>", 1, 1, extend_opts, CMD_DB,
	    N_("extend the time to pass information on, before it runs out"),
	    NULL },
	share_extend,
};

static const struct cli_opt list_opts[] = {
	{ "incoming", CLI_FLAG, NULL, N_("only what other units passed to this one") },
	{ "outgoing", CLI_FLAG, NULL, N_("only what this unit holds or passed on") },
	{ NULL, 0, NULL, NULL },
};

static const struct out_col list_cols[] = {
	{ N_("ID"), "entity", OUT_TEXT, NULL, NULL, 0 },
	{ N_("STATUS"), "status", OUT_STATUS, NULL, NULL, 0 },
	{ N_("FROM"), "unit", OUT_TEXT, NULL, NULL, 0 },
	{ N_("TYPE"), "form", OUT_ENUM, share_forms, NULL, 0 },
	{ N_("DUE"), "send_due", OUT_DUE, NULL, NULL, 0 },
	{ N_("TITLE"), "title", OUT_TEXT, NULL, NULL, 0 },
	{ NULL, NULL, 0, NULL, NULL, 0 },
};

static int
share_list(struct cmd_ctx *ctx)
{
	json_t *keep;
	int rc;

	if ((rc = form_list_directed(ctx, "share", "share.list", "records",
	    &keep)) != 0 || keep == NULL)
		return rc;
	out_list(list_cols, keep);
	json_decref(keep);
	return 0;
}

const struct cmd_entry cmd_share_list_entry = {
	{ "share", "list", NULL, 0, 0, list_opts, CMD_DB | CMD_JSON,
	    N_("list information this unit holds or received ('!' marks urgent)"),
	    NULL },
	share_list,
};

static const struct out_col show_lines[] = {
	{ N_("share:"), "entity", OUT_TEXT, NULL, NULL, 0 },
	{ N_("status:"), "status", OUT_STATUS, NULL, NULL, 0 },
	{ N_("unit:"), "unit", OUT_TEXT, NULL, NULL, 0 },
	{ N_("type:"), "form", OUT_ENUM, share_forms, NULL, 0 },
	{ N_("title:"), "title", OUT_TEXT, NULL, NULL, 0 },
	{ N_("summary:"), "summary", OUT_TEXT, NULL, NULL, 0 },
	{ N_("formed at:"), "formed_at", OUT_TEXT, NULL, NULL, 0 },
	{ N_("case:"), "case", OUT_TEXT, NULL, NULL, 0 },
	{ N_("pass on:"), "send_due", OUT_DUE, NULL, NULL, 0 },
	{ N_("extended:"), "extensions", OUT_EACH, NULL, "reason", 0 },
	{ NULL, NULL, 0, NULL, NULL, 0 },
};

/* Each sending: "<time> <channel>: <unit> <unit>...", after the lines. */
static void
show_sent(const json_t *doc)
{
	char t[LTIME_LEN], *units, *more;
	const json_t *x, *u;
	size_t i, j;

	json_array_foreach(json_object_get(doc, "sent"), i, x) {
		ltime_short(json_integer_value(json_object_get(x, "at")), t);
		units = xstrdup("");
		json_array_foreach(json_object_get(x, "to"), j, u) {
			more = xasprintf("%s %s", units, json_string_value(u));
			free(units);
			units = more;
		}
		out_line(N_("sent:"), "%s %s:%s", t, enum_label(share_channels,
		    cjson_str(x, "via")), units);
		free(units);
	}
}

static int
share_show(struct cmd_ctx *ctx)
{
	return form_show(ctx, "share", show_lines, show_sent);
}

const struct cmd_entry cmd_share_show_entry = {
	{ "share", "show", "<id>", 1, 1, NULL, CMD_DB | CMD_JSON,
	    N_("show information recorded for sharing and its timeline"),
	    NULL },
	share_show,
};
