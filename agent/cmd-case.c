/*
 * cmd-case.c - the case ledger (一事一记): case open|list|show|update|close.
 *
 * The options that give a case's fields are declared with the fields, in
 * common/type-case.c (FORM_FIELDS, form.h); lists and shows are columns
 * and lines (out.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cjson.h"
#include "cmd.h"
#include "form.h"
#include "kinds.h"
#include "ltime.h"
#include "out.h"

static const struct cli_opt open_opts[] = {
	FORM_FIELDS("case.opened"),
	{ NULL, 0, NULL, NULL },
};

/* The deadline to refer, counted from discovery (refer_urgent for an
 * urgent case when the county has that rule). */
static int
refer_deadline(struct cmd_ctx *ctx, json_t *body)
{
	int urgent = json_is_true(json_object_get(body, "urgent"));
	json_t *due = NULL;
	int64_t found;
	int rc;

	if (ltime_parse(json_string_value(json_object_get(body,
	    "discovered_at")), &found) != 0)
		return EXIT_INTERNAL;
	rc = form_deadline(ctx, "refer_urgent", found, 0, &due);
	if (rc == 0 && (!urgent || due == NULL)) {
		json_decref(due);
		rc = form_deadline(ctx, "refer", found, 0, &due);
	}
	if (due != NULL)
		json_object_set_new(body, "refer_due", due);
	return rc;
}

static int
case_open(struct cmd_ctx *ctx)
{
	json_t *body = json_object();
	char *id = NULL;
	int rc;

	rc = form_kind_fill(ctx, "case.opened", body, 0);
	/* This unit's own to handle: no time to refer runs. */
	if (rc == 0 && !ld_streq(cjson_str(body, "handling"), "own"))
		rc = refer_deadline(ctx, body);
	if (rc == 0)
		rc = form_record(ctx, "case.opened", NULL, json_string_value(
		    json_object_get(body, "officer")), NULL, body, &id);
	if (rc == 0)
		rc = form_recorded(ctx, id);
	free(id);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_case_open_entry = {
	{ "case", "open", NULL, 0, 0, open_opts, CMD_DB | CMD_JSON,
	    N_("open a case ledger entry (asks for missing fields on a terminal)"),
	    NULL },
	case_open,
};

static const struct cli_opt decide_opts[] = {
	FORM_FIELDS("case.decided"),
	{ "officer", CLI_VALUE, "NAME", N_("officer deciding") },
	{ NULL, 0, NULL, NULL },
};

/* Whether this unit handles the case or must refer it; "refer" on a
 * case opened as its own starts the time to refer, from discovery. */
static int
case_decide(struct cmd_ctx *ctx)
{
	json_t *body = json_object(), *doc = NULL;
	int rc;

	if ((rc = form_kind_fill(ctx, "case.decided", body, 0)) == 0 &&
	    ld_streq(cjson_str(body, "handling"), "refer") &&
	    (rc = form_get(ctx, ctx->cli.argv[0], "case", &doc)) == 0 &&
	    json_object_get(doc, "refer_due") == NULL) {
		json_object_set(body, "discovered_at", json_object_get(doc,
		    "discovered_at"));
		json_object_set(body, "urgent", json_object_get(doc, "urgent"));
		rc = refer_deadline(ctx, body);
		json_object_del(body, "discovered_at");
		json_object_del(body, "urgent");
	}
	json_decref(doc);
	if (rc == 0)
		rc = form_step(ctx, "case", "case.decided", body, NULL);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_case_decide_entry = {
	{ "case", "decide", "<id>", 1, 1, decide_opts, CMD_DB,
	    N_("record whether this unit handles the case (自办) or must refer "
	    "it (移送)"),
	    NULL },
	case_decide,
};

static const struct cli_opt list_opts[] = {
	{ "status", CLI_VALUE, "STATUS", N_("open or closed") },
	{ "category", CLI_VALUE, "TEXT", N_("only this category") },
	{ "since", CLI_VALUE, "DATE", N_("discovered on or after DATE") },
	{ "until", CLI_VALUE, "DATE", N_("discovered before DATE") },
	{ "search", CLI_VALUE, "TEXT", N_("full-text search in the case's text") },
	{ "limit", CLI_VALUE, "N", N_("show at most N cases") },
	{ "offset", CLI_VALUE, "N", N_("skip the first N (with --limit, a page)") },
	{ NULL, 0, NULL, NULL },
};

static const struct out_col list_cols[] = {
	{ N_("ID"), "entity", OUT_TEXT, NULL, NULL, 0 },
	{ N_("STATUS"), "status", OUT_STATUS, NULL, NULL, 0 },
	{ N_("DISCOVERED"), "discovered_at", OUT_TIME, NULL, NULL, 0 },
	{ N_("CATEGORY"), "category", OUT_TEXT, NULL, NULL, 0 },
	{ N_("LOCATION"), "location", OUT_TEXT, NULL, NULL, 24 },
	{ N_("MATTER"), "matter", OUT_TEXT, NULL, "description", 0 },
	{ NULL, NULL, 0, NULL, NULL, 0 },
};

/* One row of the streamed table (ledger_query_each). */
struct list_rows {
	const char *keys[16];
	size_t nkeys;
	struct out_stream *out;
};

static int
list_row(const char *const *types, const char *const *vals, void *arg)
{
	struct list_rows *l = arg;

	out_list_vals(l->out, l->keys, types, vals, l->nkeys);
	return 0;
}

static int
case_list(struct cmd_ctx *ctx)
{
	char since[LTIME_LEN], until[LTIME_LEN];
	struct ledger_query q;
	struct list_rows l;
	json_t *items, *doc;
	int rc;

	memset(&q, 0, sizeof q);
	q.type = "case";
	q.status = cmd_value(ctx, "status");
	q.category = cmd_value(ctx, "category");
	q.search = cmd_value(ctx, "search");
	if (q.status != NULL && strcmp(q.status, "open") != 0 &&
	    strcmp(q.status, "closed") != 0)
		return cmd_error(ctx, EXIT_INVALID,
		    _("--status must be 'open' or 'closed', not '%s'"), q.status);
	if ((rc = list_range(ctx, &q, since, until)) != 0)
		return rc;
	if (ctx->json) {
		if ((rc = ledger_query(ctx->lg, &q, &items, ctx->err)) != 0)
			return cmd_fail(ctx, rc);
		doc = out_doc("case.list");
		json_object_set_new(doc, "cases", items);
		out_json(doc);
		return 0;
	}
	/* The table streams: only the listed fields are read, and the
	 * first screen is out before the last row is read. */
	l.nkeys = out_list_keys(list_cols, l.keys, 16);
	l.out = out_list_begin(list_cols);
	rc = ledger_query_each(ctx->lg, &q, l.keys, l.nkeys, list_row, &l,
	    ctx->err);
	out_list_end(l.out);
	return rc != 0 ? cmd_fail(ctx, rc) : 0;
}

const struct cmd_entry cmd_case_list_entry = {
	{ "case", "list", NULL, 0, 0, list_opts, CMD_DB | CMD_JSON,
	    N_("list cases, newest first ('!' marks urgent ones)"),
	    NULL },
	case_list,
};

static const struct out_col show_lines[] = {
	{ N_("case:"), "entity", OUT_TEXT, NULL, NULL, 0 },
	{ N_("status:"), "status", OUT_TEXT, NULL, NULL, 0 },
	{ N_("urgent:"), "urgent", OUT_YESNO, NULL, NULL, 0 },
	{ N_("source:"), "source", OUT_ENUM, case_sources, NULL, 0 },
	{ N_("matter:"), "matter", OUT_TEXT, NULL, NULL, 0 },
	{ N_("category:"), "category", OUT_TEXT, NULL, NULL, 0 },
	{ N_("location:"), "location", OUT_TEXT, NULL, NULL, 0 },
	{ N_("parties:"), "parties", OUT_LIST, NULL, NULL, 0 },
	{ N_("discovered:"), "discovered_at", OUT_TIME, NULL, NULL, 0 },
	{ N_("officer:"), "officer", OUT_TEXT, NULL, NULL, 0 },
	{ N_("unit:"), "unit", OUT_TEXT, NULL, NULL, 0 },
	{ N_("evidence:"), "evidence", OUT_LIST, NULL, NULL, 0 },
	{ N_("description:"), "description", OUT_TEXT, NULL, NULL, 0 },
	{ N_("note:"), "notes", OUT_EACH, NULL, "note", 0 },
	{ N_("handling:"), "handling", OUT_ENUM, case_handlings, NULL, 0 },
	{ N_("why:"), "handling_reason", OUT_TEXT, NULL, NULL, 0 },
	{ N_("decided:"), "decided.reason", OUT_TEXT, NULL, "decided.by", 0 },
	{ N_("refer by:"), "refer_due", OUT_DUE, NULL, NULL, 0 },
	{ NULL, NULL, 0, NULL, NULL, 0 },
};

/* The lines after the referrals (show_referrals). */
static const struct out_col closed_lines[] = {
	{ N_("closed:"), "closed.reason", OUT_TEXT, NULL, NULL, 0 },
	{ NULL, NULL, 0, NULL, NULL, 0 },
};

/* The referral the case stands referred by, "R → unit", and each one
 * withdrawn, "R → unit: reason". */
static void
show_referrals(const json_t *doc)
{
	json_t *r = json_object_get(doc, "referred");
	size_t i;

	if (r != NULL)
		out_line(N_("referred:"), "%s → %s", cjson_str(r, "referral"),
		    cjson_str(r, "to"));
	json_array_foreach(json_object_get(doc, "withdrawn_referrals"), i, r)
		out_line(N_("withdrawn:"), "%s → %s: %s", cjson_str(r, "referral"),
		    cjson_str(r, "to"), cjson_str(json_object_get(r, "withdrawn"),
		    "reason"));
}

/* After the lines: the referrals, then the close. */
static void
show_rest(const json_t *doc)
{
	show_referrals(doc);
	out_show(closed_lines, doc);
}

static int
case_show(struct cmd_ctx *ctx)
{
	return form_show(ctx, "case", show_lines, show_rest);
}

const struct cmd_entry cmd_case_show_entry = {
	{ "case", "show", "<id>", 1, 1, NULL, CMD_DB | CMD_JSON,
	    N_("show a case and the full timeline of its events"),
	    NULL },
	case_show,
};

static const struct cli_opt update_opts[] = {
	FORM_FIELDS("case.updated"),
	{ "officer", CLI_VALUE, "NAME", N_("officer making the change") },
	{ NULL, 0, NULL, NULL },
};

/* Checks id names an existing case; prints the error. */
static int
need_case(struct cmd_ctx *ctx, const char *id, json_t **doc)
{
	return form_get(ctx, id, "case", doc);
}

static const char *
need_officer(struct cmd_ctx *ctx)
{
	const char *o = form_officer(ctx, cmd_value(ctx, "officer"));

	if (o == NULL)
		cmd_usage_error(ctx, _("missing required option --officer"));
	return o;
}

static int
case_update(struct cmd_ctx *ctx)
{
	const char *id = ctx->cli.argv[0], *officer;
	json_t *body, *doc;
	int rc;

	if ((rc = need_case(ctx, id, &doc)) != 0)
		return rc;
	if (strcmp(cjson_str(doc, "status"), "closed") == 0) {
		json_decref(doc);
		return cmd_error(ctx, EXIT_CONFLICT,
		    _("case '%s' is closed and cannot be changed"), id);
	}
	json_decref(doc);
	if ((officer = need_officer(ctx)) == NULL)
		return EXIT_USAGE;
	body = json_object();
	rc = form_kind_fill(ctx, "case.updated", body, 1);
	if (rc == 0 && json_object_size(body) == 0)
		rc = cmd_usage_error(ctx, _("nothing to change: give at least one field"));
	if (rc == 0 && cmd_value(ctx, "officer") != NULL)
		json_object_set_new(body, "officer", json_string(officer));
	if (rc == 0)
		rc = form_record(ctx, "case.updated", id, officer, NULL, body,
		    NULL);
	if (rc == 0)
		rc = form_recorded(ctx, id);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_case_update_entry = {
	{ "case", "update", "<id>", 1, 1, update_opts, CMD_DB | CMD_JSON,
	    N_("change a case's fields or add a progress note"),
	    NULL },
	case_update,
};

static const struct cli_opt close_opts[] = {
	FORM_FIELDS("case.closed"),
	{ "officer", CLI_VALUE, "NAME", N_("officer closing it") },
	{ NULL, 0, NULL, NULL },
};

static int
case_close(struct cmd_ctx *ctx)
{
	const char *id = ctx->cli.argv[0], *officer = NULL;
	json_t *body, *doc;
	int rc;

	if ((rc = need_case(ctx, id, &doc)) != 0)
		return rc;
	if (strcmp(cjson_str(doc, "status"), "closed") == 0) {
		json_decref(doc);
		return cmd_error(ctx, EXIT_CONFLICT, _("case '%s' is already closed"),
		    id);
	}
	json_decref(doc);
	body = json_object();
	if ((rc = form_kind_text(ctx, "case.closed", body)) == 0 &&
	    (officer = need_officer(ctx)) == NULL)
		rc = EXIT_USAGE;
	if (rc == 0)
		rc = form_record(ctx, "case.closed", id, officer, NULL, body,
		    NULL);
	if (rc == 0)
		rc = form_recorded(ctx, id);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_case_close_entry = {
	{ "case", "close", "<id>", 1, 1, close_opts, CMD_DB | CMD_JSON,
	    N_("close a case, with the reason"),
	    NULL },
	case_close,
};
