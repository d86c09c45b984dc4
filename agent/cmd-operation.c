/*
 * cmd-operation.c - joint enforcement operations (联合执法, 专项整治,
 * 联合巡察, 一业一查): operation plan|answer|police|result|cancel|list|show.
 *
 * The lead unit plans it with the units taking part; each answers
 * whether it joins; where the police are to be told in advance (Yicheng
 * 七(二)), the lead records when it told them, before the start; the lead
 * records the result, linking the cases opened from it. The record
 * reaches the lead and the units taking part, and the county's bureau
 * and legal office.
 *
 * The options that give the body's fields are declared with the fields,
 * in common/type-operation.c (FORM_FIELDS, form.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cjson.h"
#include "cmd.h"
#include "form.h"
#include "ledger.h"
#include "ltime.h"
#include "out.h"
#include "units.h"

static const struct cli_opt plan_opts[] = {
	FORM_FIELDS("operation.planned"),
	{ NULL, 0, NULL, NULL },
};

/* Every unit taking part is in the county's directory and not this one;
 * the audience is this unit and them. */
static int
plan_units(struct cmd_ctx *ctx, const json_t *units, json_t *aud)
{
	const json_t *u;
	size_t i;
	int rc;

	form_audience_add(aud, ledger_unit(ctx->lg));
	json_array_foreach(units, i, u) {
		if (strcmp(json_string_value(u), ledger_unit(ctx->lg)) == 0)
			return cmd_error(ctx, EXIT_USAGE, _("--unit names this "
			    "unit, which leads the operation"));
		if ((rc = units_check(ctx, json_string_value(u))) != 0)
			return rc;
		form_audience_add(aud, json_string_value(u));
	}
	return 0;
}

/* Where the county's profile has the rule operation_police, every plan
 * owes the police notice by it, counted back from the start; --police
 * without the rule owes it by the start itself. */
static int
police_deadline(struct cmd_ctx *ctx, json_t *body)
{
	json_t *due = NULL;
	int64_t at;
	char t[LTIME_LEN];
	int rc;

	if (ltime_parse(cjson_str(body, "at"), &at) != 0)
		return EXIT_INTERNAL;
	if ((rc = form_deadline(ctx, "operation_police", at, 0, &due)) != 0)
		return rc;
	if (due == NULL && !json_is_true(json_object_get(body, "police")))
		return 0;
	if (due == NULL) {
		ltime_format(at, t);
		due = json_pack("{s:s, s:s, s:s, s:b}", "due", t, "rule",
		    "operation_start", "basis", "the operation's start",
		    "assumed", 0);
	}
	json_object_set_new(body, "police", json_true());
	json_object_set_new(body, "police_due", due);
	return 0;
}

static int
operation_plan(struct cmd_ctx *ctx)
{
	json_t *body = json_object(), *aud = json_array(), *due = NULL;
	char *id = NULL;
	int rc;

	if ((rc = form_kind_fill(ctx, "operation.planned", body, 0)) == 0 &&
	    (rc = plan_units(ctx, json_object_get(body, "units"), aud)) == 0 &&
	    (rc = police_deadline(ctx, body)) == 0 &&
	    (rc = form_deadline(ctx, "operation_answer", ltime_now(), 0,
	    &due)) == 0) {
		if (due != NULL)
			json_object_set_new(body, "answer_due", due);
		rc = form_record(ctx, "operation.planned", NULL,
		    cjson_str(body, "officer"), aud, body, &id);
	}
	if (rc == 0)
		rc = form_recorded(ctx, id);
	free(id);
	json_decref(aud);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_operation_plan_entry = {
	{ "operation", "plan", NULL, 0, 0, plan_opts, CMD_DB | CMD_JSON,
	    N_("plan a joint operation with other units (联合执法)"),
	    NULL },
	operation_plan,
};

static const struct cli_opt answer_opts[] = {
	FORM_FIELDS("operation.answered"),
	{ "officer", CLI_VALUE, "NAME", N_("officer acting") },
	{ NULL, 0, NULL, NULL },
};

static int
operation_answer(struct cmd_ctx *ctx)
{
	return form_kind_step(ctx, "operation", "operation.answered");
}

const struct cmd_entry cmd_operation_answer_entry = {
	{ "operation", "answer", "<id>", 1, 1, answer_opts, CMD_DB,
	    N_("say whether this unit takes part, as a unit asked to"),
	    NULL },
	operation_answer,
};

static const struct cli_opt police_opts[] = {
	FORM_FIELDS("operation.police_notified"),
	{ "officer", CLI_VALUE, "NAME", N_("officer acting") },
	{ NULL, 0, NULL, NULL },
};

static int
operation_police(struct cmd_ctx *ctx)
{
	return form_kind_step(ctx, "operation", "operation.police_notified");
}

const struct cmd_entry cmd_operation_police_entry = {
	{ "operation", "police", "<id>", 1, 1, police_opts, CMD_DB,
	    N_("record that the police were told in advance (提前通知公安机关)"),
	    NULL },
	operation_police,
};

static const struct cli_opt result_opts[] = {
	FORM_FIELDS("operation.result"),
	{ "officer", CLI_VALUE, "NAME", N_("officer acting") },
	{ NULL, 0, NULL, NULL },
};

/* The cases linked must be held here: opened from the operation. */
static int
operation_result(struct cmd_ctx *ctx)
{
	json_t *body = json_object(), *c, *doc;
	size_t i;
	int rc;

	rc = form_kind_fill(ctx, "operation.result", body, 0);
	json_array_foreach(json_object_get(body, "cases"), i, c) {
		if (rc != 0)
			break;
		if ((rc = form_get(ctx, json_string_value(c), "case", &doc)) == 0)
			json_decref(doc);
	}
	if (rc == 0)
		rc = form_step(ctx, "operation", "operation.result", body, NULL);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_operation_result_entry = {
	{ "operation", "result", "<id>", 1, 1, result_opts, CMD_DB,
	    N_("record what the operation found and did, as the lead unit"),
	    NULL },
	operation_result,
};

static const struct cli_opt cancel_opts[] = {
	FORM_FIELDS("operation.cancelled"),
	{ "officer", CLI_VALUE, "NAME", N_("officer acting") },
	{ NULL, 0, NULL, NULL },
};

static int
operation_cancel(struct cmd_ctx *ctx)
{
	return form_kind_step(ctx, "operation", "operation.cancelled");
}

const struct cmd_entry cmd_operation_cancel_entry = {
	{ "operation", "cancel", "<id>", 1, 1, cancel_opts, CMD_DB,
	    N_("call an operation off, as the lead unit"),
	    NULL },
	operation_cancel,
};

static const struct cli_opt list_opts[] = {
	{ "incoming", CLI_FLAG, NULL, N_("only operations this unit takes "
	    "part in") },
	{ "outgoing", CLI_FLAG, NULL, N_("only operations this unit leads") },
	{ NULL, 0, NULL, NULL },
};

static const struct out_col list_cols[] = {
	{ N_("ID"), "entity", OUT_TEXT, NULL, NULL, 0 },
	{ N_("STATUS"), "status", OUT_TEXT, NULL, NULL, 0 },
	{ N_("LEAD"), "unit", OUT_TEXT, NULL, NULL, 0 },
	{ N_("STARTS"), "at", OUT_TIME, NULL, NULL, 0 },
	{ N_("PLACE"), "place", OUT_TEXT, NULL, NULL, 24 },
	{ N_("MATTER"), "matter", OUT_TEXT, NULL, NULL, 0 },
	{ NULL, NULL, 0, NULL, NULL, 0 },
};

static int
operation_list(struct cmd_ctx *ctx)
{
	json_t *keep;
	int rc;

	if ((rc = form_list_directed(ctx, "operation", "operation.list",
	    "operations", &keep)) != 0 || keep == NULL)
		return rc;
	out_list(list_cols, keep);
	json_decref(keep);
	return 0;
}

const struct cmd_entry cmd_operation_list_entry = {
	{ "operation", "list", NULL, 0, 0, list_opts, CMD_DB | CMD_JSON,
	    N_("list joint operations led by or joined by this unit"),
	    NULL },
	operation_list,
};

static const struct out_col show_lines[] = {
	{ N_("operation:"), "entity", OUT_TEXT, NULL, NULL, 0 },
	{ N_("status:"), "status", OUT_TEXT, NULL, NULL, 0 },
	{ N_("type:"), "form", OUT_ENUM, operation_forms, NULL, 0 },
	{ N_("matter:"), "matter", OUT_TEXT, NULL, NULL, 0 },
	{ N_("lead:"), "unit", OUT_TEXT, NULL, NULL, 0 },
	{ N_("units:"), "units", OUT_LIST, NULL, NULL, 0 },
	{ N_("starts:"), "at", OUT_TIME, NULL, NULL, 0 },
	{ N_("place:"), "place", OUT_TEXT, NULL, NULL, 0 },
	{ N_("answer:"), "answer_due", OUT_DUE, NULL, NULL, 0 },
	{ N_("police:"), "police_due", OUT_DUE, NULL, NULL, 0 },
	{ N_("police told:"), "police_notified.contact", OUT_TEXT, NULL,
	    "police_notified.notified_at", 0 },
	{ N_("result:"), "result.summary", OUT_TEXT, NULL, NULL, 0 },
	{ N_("cases:"), "result.cases", OUT_LIST, NULL, NULL, 0 },
	{ N_("called off:"), "reason", OUT_TEXT, NULL, NULL, 0 },
	{ NULL, NULL, 0, NULL, NULL, 0 },
};

/* Each unit's answer, or that it has not answered. */
static void
show_answers(const json_t *doc)
{
	const json_t *u, *a;
	size_t i, j;

	json_array_foreach(json_object_get(doc, "units"), i, u) {
		const json_t *found = NULL;
		json_array_foreach(json_object_get(doc, "answers"), j, a)
			if (json_equal(json_object_get(a, "unit"), u))
				found = a;
		out_line(i == 0 ? N_("answers:") : "", "%s: %s%s%s",
		    json_string_value(u), found == NULL ? _("not yet") :
		    enum_label(operation_answers, cjson_str(found, "answer")),
		    cjson_str(found, "officers_sent") != NULL ? ", " : "",
		    cjson_str(found, "officers_sent") != NULL ?
		    cjson_str(found, "officers_sent") : "");
	}
}

static int
operation_show(struct cmd_ctx *ctx)
{
	return form_show(ctx, "operation", show_lines, show_answers);
}

const struct cmd_entry cmd_operation_show_entry = {
	{ "operation", "show", "<id>", 1, 1, NULL, CMD_DB | CMD_JSON,
	    N_("show an operation, each unit's answer and its timeline"),
	    NULL },
	operation_show,
};
