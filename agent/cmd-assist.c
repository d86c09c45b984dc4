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

/* A consultation opinion (咨询意见, 书面征询) has its own rule where the
 * county's document sets one; every other request counts by "assist". */
static const char *
rule_of(const char *form)
{
	return form != NULL && strcmp(form, "consultation") == 0 ? "consult" :
	    "assist";
}

static const struct cli_opt request_opts[] = {
	{ "to", CLI_VALUE, "UNIT", N_("the department asked, e.g. 县市场监管局 (required)") },
	{ "type", CLI_VALUE, "TYPE", N_("testing, inspection, quarantine, appraisal, opinion or consultation (检测, 检验, 检疫, 技术鉴定, 认定, 咨询意见) (required)") },
	{ "subject", CLI_VALUE, "TEXT", N_("what is to be tested or determined (required)") },
	{ "case", CLI_VALUE, "ID", N_("the case it serves, held by this unit") },
	{ "urgent", CLI_FLAG, NULL, N_("urgent request") },
	{ "officer", CLI_VALUE, "NAME", N_("officer asking") },
	{ NULL, 0, NULL, NULL },
};

static const struct form_field request_form[] = {
	{ "to", "to", FV_STR, FF_REQUIRED, NULL, N_("department asked") },
	{ "type", "form", FV_ENUM, FF_REQUIRED, assist_types, N_("type") },
	{ "subject", "subject", FV_TEXT, FF_REQUIRED, NULL, N_("subject") },
	{ "case", "case", FV_STR, 0, NULL, NULL },
	{ "urgent", "urgent", FV_BOOL, 0, NULL, NULL },
	{ "officer", "officer", FV_STR, FF_REQUIRED | FF_OFFICER, NULL, N_("officer") },
	{ NULL, NULL, 0, 0, NULL, NULL },
};

static int
assist_request(struct cmd_ctx *ctx)
{
	json_t *body = json_object();
	int rc;

	if ((rc = form_fill(ctx, request_form, body, 0)) == 0)
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
	{ "conclusion", CLI_VALUE, "TEXT", N_("the written conclusion or opinion (required)") },
	{ "sealed", CLI_FLAG, NULL, N_("the answer bears the unit's seal (required: answers are sealed, in writing)") },
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
	json_object_set_new(body, "sealed", json_true());
	if ((rc = form_text_opt(ctx, body, "conclusion", "conclusion", 1)) == 0)
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
	{ "reason", CLI_VALUE, "TEXT", N_("why, e.g. the appraisal needs a site survey (required)") },
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
	rc = form_extend(ctx, rule_of(cjson_str(doc, "form")),
	    json_integer_value(json_object_get(doc, "created_at")),
	    json_object_get(doc, "answer_due"), &due);
	json_decref(doc);
	if (rc != 0)
		return rc;
	body = json_object();
	json_object_set_new(body, "answer_due", due);
	if ((rc = form_text_opt(ctx, body, "reason", "reason", 1)) == 0)
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

static int
assist_list(struct cmd_ctx *ctx)
{
	static const char *const headers[] = { N_("ID"), N_("STATUS"),
		N_("FROM"), N_("TO"), N_("TYPE"), N_("DUE"), N_("SUBJECT") };
	struct table *tab;
	json_t *doc, *keep;
	size_t i;
	int rc;

	if ((rc = form_list_directed(ctx, "assist", "assist.list", "requests",
	    &keep)) != 0 ||
	    keep == NULL)
		return rc;
	tab = table_new(7, headers);
	json_array_foreach(keep, i, doc) {
		char t[LTIME_LEN], status[64];
		const char *cells[7];
		snprintf(status, sizeof status, "%s%s", cjson_str(doc, "status"),
		    json_is_true(json_object_get(doc, "urgent")) ? " !" : "");
		cells[0] = cjson_str(doc, "entity");
		cells[1] = status;
		cells[2] = cjson_str(doc, "unit");
		cells[3] = cjson_str(doc, "to");
		cells[4] = enum_label(assist_types, cjson_str(doc, "form"));
		cells[5] = out_time(cjson_str(json_object_get(doc, "answer_due"), "due"),
		    t, sizeof t);
		cells[6] = cjson_str(doc, "subject");
		table_row(tab, cells);
	}
	table_print(tab, stdout);
	table_free(tab);
	json_decref(keep);
	return 0;
}

const struct cmd_entry cmd_assist_list_entry = {
	{ "assist", "list", NULL, 0, 0, list_opts, CMD_DB | CMD_JSON,
	    N_("list assistance requests made by or asked of this unit ('!' marks urgent ones)"),
	    NULL },
	assist_list,
};

static int
assist_show(struct cmd_ctx *ctx)
{
	const char *id = ctx->cli.argv[0];
	json_t *doc, *a, *x;
	size_t i;
	int rc;

	if ((rc = form_get(ctx, id, "assist", &doc)) != 0)
		return rc;
	if (ctx->json)
		return form_show_json(ctx, "assist", id, doc, 0);
	printf("%-14s %s\n", _("assist:"), id);
	printf("%-14s %s%s\n", _("status:"), cjson_str(doc, "status"),
	    json_is_true(json_object_get(doc, "urgent")) ? _(" (urgent)") : "");
	printf("%-14s %s\n", _("from:"), cjson_str(doc, "unit"));
	printf("%-14s %s\n", _("to:"), cjson_str(doc, "to"));
	printf("%-14s %s\n", _("type:"), enum_label(assist_types,
	    cjson_str(doc, "form")));
	printf("%-14s %s\n", _("subject:"), cjson_str(doc, "subject"));
	if (cjson_str(doc, "case"))
		printf("%-14s %s\n", _("case:"), cjson_str(doc, "case"));
	out_deadline(N_("answer:"), json_object_get(doc, "answer_due"));
	json_array_foreach(json_object_get(doc, "extensions"), i, x)
		printf("%-14s %s\n", _("extended:"), cjson_str(x, "reason"));
	if ((a = json_object_get(doc, "answer")) != NULL)
		printf("%-14s %s (%s, %s)\n", _("conclusion:"),
		    cjson_str(a, "conclusion"), cjson_str(a, "unit"), _("sealed"));
	form_conflicts(doc);
	json_decref(doc);
	return form_timeline(ctx, id, NULL, 0);
}

const struct cmd_entry cmd_assist_show_entry = {
	{ "assist", "show", "<id>", 1, 1, NULL, CMD_DB | CMD_JSON,
	    N_("show an assistance request and its timeline"),
	    NULL },
	assist_show,
};
