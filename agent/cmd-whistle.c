/*
 * cmd-whistle.c - "township whistles, departments report" (乡镇吹哨、部门
 * 报到): whistle call|answer|escalate|list|show.
 *
 * A township meets a problem in a department's field and calls it to
 * come (吹哨); the department reports (报到) by sending officers. The call
 * is addressed to the caller and the department; its time to answer
 * comes from the county's rule "whistle_answer" when the profile has one
 * (Gu county: serious hazards, immediately), else the law sets none and
 * the call is open without a due time. A call left unanswered is
 * escalated to the county, which then receives the whole record.
 *
 * The options that give the body's fields are declared with the fields,
 * in common/type-whistle.c (FORM_FIELDS, form.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cjson.h"
#include "cmd.h"
#include "form.h"
#include "ltime.h"
#include "out.h"
#include "text.h"

static const struct cli_opt call_opts[] = {
	FORM_FIELDS("whistle.called"),
	{ NULL, 0, NULL, NULL },
};

static int
whistle_call(struct cmd_ctx *ctx)
{
	json_t *body = json_object();
	int rc;

	if ((rc = form_kind_fill(ctx, "whistle.called", body, 0)) == 0)
		rc = form_send(ctx, "whistle.called", body, "whistle_answer",
		    "answer_due");
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_whistle_call_entry = {
	{ "whistle", "call", NULL, 0, 0, call_opts, CMD_DB | CMD_JSON,
	    N_("call a department to come (乡镇吹哨)"),
	    NULL },
	whistle_call,
};

static const struct cli_opt answer_opts[] = {
	FORM_FIELDS("whistle.answered"),
	{ "officer", CLI_VALUE, "NAME", N_("officer acting") },
	{ NULL, 0, NULL, NULL },
};

static int
whistle_answer(struct cmd_ctx *ctx)
{
	json_t *body = json_object();
	int rc;

	if ((rc = form_kind_text(ctx, "whistle.answered", body)) == 0)
		rc = form_step(ctx, "whistle", "whistle.answered", body, NULL);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_whistle_answer_entry = {
	{ "whistle", "answer", "<id>", 1, 1, answer_opts, CMD_DB,
	    N_("report to a call, as the department called (部门报到)"),
	    NULL },
	whistle_answer,
};

static const struct cli_opt escalate_opts[] = {
	FORM_FIELDS("whistle.escalated"),
	{ "officer", CLI_VALUE, "NAME", N_("officer acting") },
	{ NULL, 0, NULL, NULL },
};

static int
whistle_escalate(struct cmd_ctx *ctx)
{
	json_t *body = json_object();
	int rc;

	if ((rc = form_kind_text(ctx, "whistle.escalated", body)) == 0)
		rc = form_step(ctx, "whistle", "whistle.escalated", body,
		    cmd_value(ctx, "to"));
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_whistle_escalate_entry = {
	{ "whistle", "escalate", "<id>", 1, 1, escalate_opts, CMD_DB,
	    N_("take an unanswered call to the county"),
	    NULL },
	whistle_escalate,
};

static const struct cli_opt list_opts[] = {
	{ "incoming", CLI_FLAG, NULL, N_("only calls to this unit") },
	{ "outgoing", CLI_FLAG, NULL, N_("only calls made by this unit") },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_opt receive_opts[] = {
	FORM_FIELDS("whistle.received"),
	{ "officer", CLI_VALUE, "NAME", N_("officer recording it") },
	{ NULL, 0, NULL, NULL },
};

/* When its paper document arrived here, before it came through the
 * server: the deadlines this unit owes count from it (form_receive). */
static int
whistle_receive(struct cmd_ctx *ctx)
{
	return form_receive(ctx, "whistle");
}

const struct cmd_entry cmd_whistle_receive_entry = {
	{ "whistle", "receive", "<id>", 1, 1, receive_opts, CMD_DB,
	    N_("record when the call arrived here on paper or by phone: the time to report counts from then"),
	    NULL },
	whistle_receive,
};

static const struct out_col list_cols[] = {
	{ N_("ID"), "entity", OUT_TEXT, NULL, NULL, 0 },
	{ N_("STATUS"), "status", OUT_TEXT, NULL, NULL, 0 },
	{ N_("FROM"), "unit", OUT_TEXT, NULL, NULL, 0 },
	{ N_("TO"), "to", OUT_TEXT, NULL, NULL, 0 },
	{ N_("CALLED"), "created_at", OUT_MS, NULL, NULL, 0 },
	{ N_("DUE"), "answer_due", OUT_DUE, NULL, NULL, 0 },
	{ N_("MATTER"), "matter", OUT_TEXT, NULL, NULL, 0 },
	{ NULL, NULL, 0, NULL, NULL, 0 },
};

static int
whistle_list(struct cmd_ctx *ctx)
{
	json_t *keep;
	int rc;

	if ((rc = form_list_directed(ctx, "whistle", "whistle.list", "calls",
	    &keep)) != 0 || keep == NULL)
		return rc;
	out_list(list_cols, keep);
	json_decref(keep);
	return 0;
}

const struct cmd_entry cmd_whistle_list_entry = {
	{ "whistle", "list", NULL, 0, 0, list_opts, CMD_DB | CMD_JSON,
	    N_("list calls made by or to this unit"),
	    NULL },
	whistle_list,
};

static const struct out_col show_lines[] = {
	{ N_("whistle:"), "entity", OUT_TEXT, NULL, NULL, 0 },
	{ N_("status:"), "status", OUT_TEXT, NULL, NULL, 0 },
	{ N_("from:"), "unit", OUT_TEXT, NULL, NULL, 0 },
	{ N_("to:"), "to", OUT_TEXT, NULL, NULL, 0 },
	{ N_("matter:"), "matter", OUT_TEXT, NULL, NULL, 0 },
	{ N_("location:"), "location", OUT_TEXT, NULL, NULL, 0 },
	{ N_("sent:"), "sent_at", OUT_TIME, NULL, NULL, 0 },
	{ N_("entered:"), "created_at", OUT_MS, NULL, NULL, 0 },
	{ N_("received:"), "received.at", OUT_TIME, NULL, "received.basis", 0 },
	{ N_("receipt entered:"), "received.recorded_at", OUT_MS, NULL, NULL, 0 },
	{ N_("report:"), "answer_due", OUT_DUE, NULL, NULL, 0 },
	{ N_("escalated:"), "escalated_to", OUT_TEXT, NULL, "reason", 0 },
	{ N_("reported:"), "answer.officer_sent", OUT_TEXT, NULL, NULL, 0 },
	{ NULL, NULL, 0, NULL, NULL, 0 },
};

static int
whistle_show(struct cmd_ctx *ctx)
{
	return form_show(ctx, "whistle", show_lines, NULL);
}

const struct cmd_entry cmd_whistle_show_entry = {
	{ "whistle", "show", "<id>", 1, 1, NULL, CMD_DB | CMD_JSON,
	    N_("show a call and its timeline"),
	    NULL },
	whistle_show,
};
