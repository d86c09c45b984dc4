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

static const struct cli_opt send_opts[] = {
	{ "type", CLI_VALUE, "TYPE", N_("opinion (a department on the bureau's enforcement, 书面意见) or report (the bureau's cases to a department, 执法办案通报) (required)") },
	{ "to", CLI_VALUE, "UNIT", N_("the unit that must answer (required)") },
	{ "subject", CLI_VALUE, "TEXT", N_("what it is about (required)") },
	{ "text", CLI_VALUE, "TEXT", N_("the opinion or report itself (required)") },
	{ "case", CLI_VALUE, "ID", N_("the case it concerns, held by this unit") },
	{ "officer", CLI_VALUE, "NAME", N_("officer sending") },
	{ NULL, 0, NULL, NULL },
};

static const struct form_field send_form[] = {
	{ "type", "form", FV_ENUM, FF_REQUIRED, supervision_forms, N_("type") },
	{ "to", "to", FV_STR, FF_REQUIRED, NULL, N_("unit that must answer") },
	{ "subject", "subject", FV_STR, FF_REQUIRED, NULL, N_("subject") },
	{ "text", "text", FV_TEXT, FF_REQUIRED, NULL, N_("text") },
	{ "case", "case", FV_STR, 0, NULL, NULL },
	{ "officer", "officer", FV_STR, FF_REQUIRED | FF_OFFICER, NULL, N_("officer") },
	{ NULL, NULL, 0, 0, NULL, NULL },
};

static int
supervision_send(struct cmd_ctx *ctx)
{
	json_t *body = json_object();
	int rc;

	if ((rc = form_fill(ctx, send_form, body, 0)) == 0)
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
	{ "text", CLI_VALUE, "TEXT", N_("the written reply or the supervision results (required)") },
	{ "officer", CLI_VALUE, "NAME", N_("officer answering") },
	{ NULL, 0, NULL, NULL },
};

static int
supervision_reply(struct cmd_ctx *ctx)
{
	json_t *body = json_object();
	int rc;

	if ((rc = form_text_opt(ctx, body, "text", "text", 1)) == 0)
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

static const struct cli_opt list_opts[] = {
	{ "incoming", CLI_FLAG, NULL, N_("only what this unit must answer") },
	{ "outgoing", CLI_FLAG, NULL, N_("only what this unit sent") },
	{ NULL, 0, NULL, NULL },
};

static int
supervision_list(struct cmd_ctx *ctx)
{
	static const char *const headers[] = { N_("ID"), N_("STATUS"),
		N_("FROM"), N_("TO"), N_("TYPE"), N_("DUE"), N_("SUBJECT") };
	struct table *tab;
	json_t *doc, *keep;
	size_t i;
	int rc;

	if ((rc = form_list_directed(ctx, "supervision", "supervision.list",
	    "records", &keep)) != 0 || keep == NULL)
		return rc;
	tab = table_new(7, headers);
	json_array_foreach(keep, i, doc) {
		char t[LTIME_LEN];
		const char *cells[7];
		cells[0] = cjson_str(doc, "entity");
		cells[1] = cjson_str(doc, "status");
		cells[2] = cjson_str(doc, "unit");
		cells[3] = cjson_str(doc, "to");
		cells[4] = enum_label(supervision_forms, cjson_str(doc, "form"));
		cells[5] = out_time(cjson_str(json_object_get(doc, "reply_due"), "due"),
		    t, sizeof t);
		cells[6] = cjson_str(doc, "subject");
		table_row(tab, cells);
	}
	table_print(tab, stdout);
	table_free(tab);
	json_decref(keep);
	return 0;
}

const struct cmd_entry cmd_supervision_list_entry = {
	{ "supervision", "list", NULL, 0, 0, list_opts, CMD_DB | CMD_JSON,
	    N_("list supervision opinions and case reports sent or received"),
	    NULL },
	supervision_list,
};

static int
supervision_show(struct cmd_ctx *ctx)
{
	const char *id = ctx->cli.argv[0];
	json_t *doc, *r;
	int rc;

	if ((rc = form_get(ctx, id, "supervision", &doc)) != 0)
		return rc;
	if (ctx->json)
		return form_show_json(ctx, "supervision", id, doc, 0);
	printf("%-14s %s\n", _("supervision:"), id);
	printf("%-14s %s\n", _("status:"), cjson_str(doc, "status"));
	printf("%-14s %s\n", _("type:"), enum_label(supervision_forms,
	    cjson_str(doc, "form")));
	printf("%-14s %s\n", _("from:"), cjson_str(doc, "unit"));
	printf("%-14s %s\n", _("to:"), cjson_str(doc, "to"));
	printf("%-14s %s\n", _("subject:"), cjson_str(doc, "subject"));
	printf("%-14s %s\n", _("text:"), cjson_str(doc, "text"));
	if (cjson_str(doc, "case"))
		printf("%-14s %s\n", _("case:"), cjson_str(doc, "case"));
	out_deadline(N_("reply:"), json_object_get(doc, "reply_due"));
	if ((r = json_object_get(doc, "reply")) != NULL)
		printf("%-14s %s (%s)\n", _("reply:"), cjson_str(r, "text"),
		    cjson_str(r, "unit"));
	form_conflicts(doc);
	json_decref(doc);
	return form_timeline(ctx, id, NULL, 0);
}

const struct cmd_entry cmd_supervision_show_entry = {
	{ "supervision", "show", "<id>", 1, 1, NULL, CMD_DB | CMD_JSON,
	    N_("show a supervision opinion or case report and its timeline"),
	    NULL },
	supervision_show,
};
