/*
 * cmd-assist.c - assistance requests (执法协助): assist
 * request|answer|extend|list|show.
 *
 * A unit investigating a violation asks a department for testing,
 * inspection, quarantine, a technical appraisal or an opinion (检测、检验、
 * 检疫、技术鉴定、认定). The request is its own record, addressed to the
 * requester and the asked unit; the time to answer comes from the
 * county's rule "assist", counted from the request. The asked unit
 * answers in writing under its seal, or extends the time before it runs
 * out when the county's document allows it (fold.c has the states).
 *
 * The options that give the body's fields are declared with the fields,
 * in common/type-assist.c (FORM_FIELDS, form.h); lists and shows are
 * declared as columns and lines (out_list, out_show: out.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cjson.h"
#include "cmd.h"
#include "form.h"
#include "kinds.h"
#include "out.h"
#include "rules.h"
#include "text.h"

/* A consultation opinion (咨询意见, 书面征询) has its own rule where the
 * county's document sets one; every other request counts by "assist". */
static const char *
rule_of(const char *form)
{
	return form != NULL && strcmp(form, "consultation") == 0 ? "consult" :
	    "assist";
}

static const struct cli_opt request_opts[] = {
	FORM_FIELDS("assist.requested"),
	{ NULL, 0, NULL, NULL },
};

static int
assist_request(struct cmd_ctx *ctx)
{
	json_t *body = json_object();
	int rc;

	if ((rc = form_kind_fill(ctx, "assist.requested", body, 0)) == 0)
		rc = form_send(ctx, "assist.requested", body,
		    rule_of(cjson_str(body, "form")), "answer_due");
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_assist_request_entry = {
	{ "assist", "request", NULL, 0, 0, request_opts, CMD_DB | CMD_JSON,
	    N_("ask a department for testing, inspection, appraisal or an opinion (执法协助)"),
	    NULL },
	assist_request,
};

static const struct cli_opt answer_opts[] = {
	FORM_FIELDS("assist.answered"),
	{ "officer", CLI_VALUE, "NAME", N_("officer answering") },
	{ NULL, 0, NULL, NULL },
};

static int
assist_answer(struct cmd_ctx *ctx)
{
	json_t *body;
	int rc;

	if (!cmd_flag(ctx, "sealed"))
		return cmd_usage_error(ctx,
		    _("an answer is given in writing under the unit's seal: add --sealed"));
	body = json_object();
	if ((rc = form_kind_text(ctx, "assist.answered", body)) == 0)
		rc = form_step(ctx, "assist", "assist.answered", body, NULL);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_assist_answer_entry = {
	{ "assist", "answer", "<id>", 1, 1, answer_opts, CMD_DB,
	    N_("answer an assistance request, as the unit asked (written, sealed)"),
	    NULL },
	assist_answer,
};

static const struct cli_opt extend_opts[] = {
	{ "days", CLI_VALUE, "N", N_("the new total time to answer, in the rule's unit, counted from the request (required)") },
	FORM_FIELDS("assist.extended"),
	{ "officer", CLI_VALUE, "NAME", N_("officer acting") },
	{ NULL, 0, NULL, NULL },
};

/* Extends the time to answer: by the asked unit, announced before it
 * passes, up to the profile's cap if it has one. */
static int
assist_extend(struct cmd_ctx *ctx)
{
	json_t *doc = NULL, *body, *due = NULL;
	int rc;

	if ((rc = form_get(ctx, ctx->cli.argv[0], "assist", &doc)) != 0)
		return rc;
	/* Counted, like the time it extends, from the receipt. */
	rc = form_extend(ctx, rule_of(cjson_str(doc, "form")),
	    form_received_from(doc),
	    json_object_get(doc, "answer_due"), &due);
	json_decref(doc);
	if (rc != 0)
		return rc;
	body = json_object();
	json_object_set_new(body, "answer_due", due);
	if ((rc = form_kind_text(ctx, "assist.extended", body)) == 0)
		rc = form_step(ctx, "assist", "assist.extended", body, NULL);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_assist_extend_entry = {
	{ "assist", "extend", "<id>", 1, 1, extend_opts, CMD_DB,
	    N_("extend the time to answer, as the unit asked, before it passes"),
	    NULL },
	assist_extend,
};

static const struct cli_opt list_opts[] = {
	{ "incoming", CLI_FLAG, NULL, N_("only requests asked of this unit") },
	{ "outgoing", CLI_FLAG, NULL, N_("only requests made by this unit") },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_opt receive_opts[] = {
	FORM_FIELDS("assist.received"),
	{ "officer", CLI_VALUE, "NAME", N_("officer recording it") },
	{ NULL, 0, NULL, NULL },
};

/* When its paper document arrived here, before it came through the
 * server: the deadlines this unit owes count from it (form_receive). */
static int
assist_receive(struct cmd_ctx *ctx)
{
	return form_receive(ctx, "assist");
}

const struct cmd_entry cmd_assist_receive_entry = {
	{ "assist", "receive", "<id>", 1, 1, receive_opts, CMD_DB,
	    N_("record when the paper request arrived here (纸质收文): the time to answer counts from then"),
	    NULL },
	assist_receive,
};

static const struct out_col list_cols[] = {
	{ N_("ID"), "entity", OUT_TEXT, NULL, NULL, 0 },
	{ N_("STATUS"), "status", OUT_STATUS, NULL, NULL, 0 },
	{ N_("FROM"), "unit", OUT_TEXT, NULL, NULL, 0 },
	{ N_("TO"), "to", OUT_TEXT, NULL, NULL, 0 },
	{ N_("TYPE"), "form", OUT_ENUM, assist_types, NULL, 0 },
	{ N_("DUE"), "answer_due", OUT_DUE, NULL, NULL, 0 },
	{ N_("SUBJECT"), "subject", OUT_TEXT, NULL, NULL, 0 },
	{ NULL, NULL, 0, NULL, NULL, 0 },
};

static int
assist_list(struct cmd_ctx *ctx)
{
	json_t *keep;
	int rc;

	if ((rc = form_list_directed(ctx, "assist", "assist.list", "requests",
	    &keep)) != 0 || keep == NULL)
		return rc;
	out_list(list_cols, keep);
	json_decref(keep);
	return 0;
}

const struct cmd_entry cmd_assist_list_entry = {
	{ "assist", "list", NULL, 0, 0, list_opts, CMD_DB | CMD_JSON,
	    N_("list assistance requests made by or asked of this unit ('!' marks urgent ones)"),
	    NULL },
	assist_list,
};

/* The answer is always sealed: the fold takes no other. */
static const struct out_col show_lines[] = {
	{ N_("assist:"), "entity", OUT_TEXT, NULL, NULL, 0 },
	{ N_("status:"), "status", OUT_STATUS, NULL, NULL, 0 },
	{ N_("from:"), "unit", OUT_TEXT, NULL, NULL, 0 },
	{ N_("to:"), "to", OUT_TEXT, NULL, NULL, 0 },
	{ N_("type:"), "form", OUT_ENUM, assist_types, NULL, 0 },
	{ N_("subject:"), "subject", OUT_TEXT, NULL, NULL, 0 },
	{ N_("case:"), "case", OUT_TEXT, NULL, NULL, 0 },
	{ N_("sent:"), "sent_at", OUT_TIME, NULL, NULL, 0 },
	{ N_("entered:"), "created_at", OUT_MS, NULL, NULL, 0 },
	{ N_("received:"), "received.at", OUT_TIME, NULL, "received.basis", 0 },
	{ N_("receipt entered:"), "received.recorded_at", OUT_MS, NULL, NULL, 0 },
	{ N_("answer:"), "answer_due", OUT_DUE, NULL, NULL, 0 },
	{ N_("extended:"), "extensions", OUT_EACH, NULL, "reason", 0 },
	{ N_("conclusion:"), "answer.conclusion", OUT_TEXT, NULL,
	    "answer.unit", 0 },
	{ NULL, NULL, 0, NULL, NULL, 0 },
};

static int
assist_show(struct cmd_ctx *ctx)
{
	return form_show(ctx, "assist", show_lines, NULL);
}

const struct cmd_entry cmd_assist_show_entry = {
	{ "assist", "show", "<id>", 1, 1, NULL, CMD_DB | CMD_JSON,
	    N_("show an assistance request and its timeline"),
	    NULL },
	assist_show,
};
