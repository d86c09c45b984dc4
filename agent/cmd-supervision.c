/*
 * cmd-supervision.c - supervision between the bureau and the departments
 * (监督): supervision send|reply|list|show.
 *
 * A department that finds the bureau's enforcement wrong sends it a
 * written opinion (书面意见), which the bureau answers in writing; the
 * bureau reports its cases to a department (执法办案通报), which sends its
 * supervision results back. The time to answer comes from the county's
 * rules supervision_reply and supervision_result, counted from the
 * sending (fold.c: sent -> replied).
 *
 * The options that give the body's fields are declared with the fields,
 * in common/type-supervision.c (FORM_FIELDS, form.h); lists and shows are
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

static const struct cli_opt send_opts[] = {
	FORM_FIELDS("supervision.sent"),
	{ NULL, 0, NULL, NULL },
};

static int
supervision_send(struct cmd_ctx *ctx)
{
	json_t *body = json_object();
	int rc;

	if ((rc = form_kind_fill(ctx, "supervision.sent", body, 0)) == 0)
		rc = form_send(ctx, "supervision.sent", body,
		    strcmp(cjson_str(body, "form"), "opinion") == 0 ?
		    "supervision_reply" : "supervision_result", "reply_due");
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_supervision_send_entry = {
	{ "supervision", "send", NULL, 0, 0, send_opts, CMD_DB | CMD_JSON,
	    N_("send a written supervision opinion to the bureau, or the bureau's case report to a department (监督)"),
	    NULL },
	supervision_send,
};

static const struct cli_opt reply_opts[] = {
	FORM_FIELDS("supervision.replied"),
	{ "officer", CLI_VALUE, "NAME", N_("officer answering") },
	{ NULL, 0, NULL, NULL },
};

static int
supervision_reply(struct cmd_ctx *ctx)
{
	json_t *body = json_object();
	int rc;

	if ((rc = form_kind_text(ctx, "supervision.replied", body)) == 0)
		rc = form_step(ctx, "supervision", "supervision.replied", body,
		    NULL);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_supervision_reply_entry = {
	{ "supervision", "reply", "<id>", 1, 1, reply_opts, CMD_DB,
	    N_("answer in writing, as the unit the opinion or report was sent to"),
	    NULL },
	supervision_reply,
};

static const struct cli_opt receive_opts[] = {
	FORM_FIELDS("supervision.received"),
	{ "officer", CLI_VALUE, "NAME", N_("officer recording it") },
	{ NULL, 0, NULL, NULL },
};

/* When its paper document arrived here, before it came through the
 * server: the deadlines this unit owes count from it (form_receive). */
static int
supervision_receive(struct cmd_ctx *ctx)
{
	return form_receive(ctx, "supervision");
}

const struct cmd_entry cmd_supervision_receive_entry = {
	{ "supervision", "receive", "<id>", 1, 1, receive_opts, CMD_DB,
	    N_("record when the paper opinion or report arrived here (纸质收文): the time to reply counts from then"),
	    NULL },
	supervision_receive,
};

static const struct cli_opt list_opts[] = {
	{ "incoming", CLI_FLAG, NULL, N_("only what this unit must answer") },
	{ "outgoing", CLI_FLAG, NULL, N_("only what this unit sent") },
	{ NULL, 0, NULL, NULL },
};

static const struct out_col list_cols[] = {
	{ N_("ID"), "entity", OUT_TEXT, NULL, NULL, 0 },
	{ N_("STATUS"), "status", OUT_TEXT, NULL, NULL, 0 },
	{ N_("FROM"), "unit", OUT_TEXT, NULL, NULL, 0 },
	{ N_("TO"), "to", OUT_TEXT, NULL, NULL, 0 },
	{ N_("TYPE"), "form", OUT_ENUM, supervision_forms, NULL, 0 },
	{ N_("DUE"), "reply_due", OUT_DUE, NULL, NULL, 0 },
	{ N_("SUBJECT"), "subject", OUT_TEXT, NULL, NULL, 0 },
	{ NULL, NULL, 0, NULL, NULL, 0 },
};

static int
supervision_list(struct cmd_ctx *ctx)
{
	json_t *keep;
	int rc;

	if ((rc = form_list_directed(ctx, "supervision", "supervision.list",
	    "records", &keep)) != 0 || keep == NULL)
		return rc;
	out_list(list_cols, keep);
	json_decref(keep);
	return 0;
}

const struct cmd_entry cmd_supervision_list_entry = {
	{ "supervision", "list", NULL, 0, 0, list_opts, CMD_DB | CMD_JSON,
	    N_("list supervision opinions and case reports sent or received"),
	    NULL },
	supervision_list,
};

static const struct out_col show_lines[] = {
	{ N_("supervision:"), "entity", OUT_TEXT, NULL, NULL, 0 },
	{ N_("status:"), "status", OUT_TEXT, NULL, NULL, 0 },
	{ N_("type:"), "form", OUT_ENUM, supervision_forms, NULL, 0 },
	{ N_("from:"), "unit", OUT_TEXT, NULL, NULL, 0 },
	{ N_("to:"), "to", OUT_TEXT, NULL, NULL, 0 },
	{ N_("subject:"), "subject", OUT_TEXT, NULL, NULL, 0 },
	{ N_("text:"), "text", OUT_TEXT, NULL, NULL, 0 },
	{ N_("case:"), "case", OUT_TEXT, NULL, NULL, 0 },
	{ N_("sent:"), "sent_at", OUT_TIME, NULL, NULL, 0 },
	{ N_("entered:"), "created_at", OUT_MS, NULL, NULL, 0 },
	{ N_("received:"), "received.at", OUT_TIME, NULL, "received.basis", 0 },
	{ N_("receipt entered:"), "received.recorded_at", OUT_MS, NULL, NULL, 0 },
	{ N_("reply:"), "reply_due", OUT_DUE, NULL, NULL, 0 },
	{ N_("reply:"), "reply.text", OUT_TEXT, NULL, "reply.unit", 0 },
	{ NULL, NULL, 0, NULL, NULL, 0 },
};

static int
supervision_show(struct cmd_ctx *ctx)
{
	return form_show(ctx, "supervision", show_lines, NULL);
}

const struct cmd_entry cmd_supervision_show_entry = {
	{ "supervision", "show", "<id>", 1, 1, NULL, CMD_DB | CMD_JSON,
	    N_("show a supervision opinion or case report and its timeline"),
	    NULL },
	supervision_show,
};
