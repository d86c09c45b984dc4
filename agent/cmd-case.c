/*
 * cmd-case.c - the case ledger (一事一记): case open|list|show|update|close.
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

static const struct cli_opt open_opts[] = {
	{ "source", CLI_VALUE, "SOURCE", N_("patrol, assignment, notice or report (or 辖区巡查, 县级转派, 业务主管部门通报, 群众举报)") },
	{ "category", CLI_VALUE, "TEXT", N_("domain of the matter, e.g. 违法建设") },
	{ "location", CLI_VALUE, "TEXT", N_("where it was found") },
	{ "party", CLI_LIST, "NAME", N_("a party concerned (repeat for several)") },
	{ "matter", CLI_VALUE, "TEXT", N_("short title of the matter") },
	{ "description", CLI_VALUE, "TEXT", N_("what was found") },
	{ "discovered-at", CLI_VALUE, "DATE", N_("when it was found (default: now)") },
	{ "urgent", CLI_FLAG, NULL, N_("urgent: evidence may be lost or harm is going on") },
	{ "officer", CLI_VALUE, "NAME", N_("officer recording it (default: agent.conf, $LIANDONG_OFFICER)") },
	{ "evidence", CLI_LIST, "TEXT", N_("evidence item (repeat for several)") },
	{ NULL, 0, NULL, NULL },
};

static const struct form_field open_form[] = {
	{ "source", "source", FV_ENUM, FF_REQUIRED, case_sources, N_("source") },
	{ "category", "category", FV_STR, FF_REQUIRED, NULL, N_("category") },
	{ "location", "location", FV_STR, FF_REQUIRED, NULL, N_("location") },
	{ "party", "parties", FV_LIST, 0, NULL, NULL },
	{ "matter", "matter", FV_STR, 0, NULL, NULL },
	{ "description", "description", FV_TEXT, FF_REQUIRED, NULL, N_("description") },
	{ "discovered-at", "discovered_at", FV_TIME, FF_REQUIRED | FF_NOW, NULL, N_("discovered at (empty: now)") },
	{ "urgent", "urgent", FV_BOOL, 0, NULL, NULL },
	{ "officer", "officer", FV_STR, FF_REQUIRED | FF_OFFICER, NULL, N_("officer") },
	{ "evidence", "evidence", FV_LIST, 0, NULL, NULL },
	{ NULL, NULL, 0, 0, NULL, NULL },
};

static int
print_id(struct cmd_ctx *ctx, const char *id)
{
	if (ctx->json) {
		json_t *doc = out_doc("recorded");
		json_object_set_new(doc, "id", json_string(id));
		out_json(doc);
	} else
		printf("%s\n", id);
	return 0;
}

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

	rc = form_fill(ctx, open_form, body, 0);
	if (rc == 0)
		rc = refer_deadline(ctx, body);
	if (rc == 0)
		rc = form_record(ctx, "case.opened", NULL, json_string_value(
		    json_object_get(body, "officer")), NULL, body, &id);
	if (rc == 0)
		rc = print_id(ctx, id);
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

static const struct cli_opt list_opts[] = {
	{ "status", CLI_VALUE, "STATUS", N_("open or closed") },
	{ "category", CLI_VALUE, "TEXT", N_("only this category") },
	{ "since", CLI_VALUE, "DATE", N_("discovered on or after DATE") },
	{ "until", CLI_VALUE, "DATE", N_("discovered before DATE") },
	{ "search", CLI_VALUE, "TEXT", N_("full-text search in the case's text") },
	{ "limit", CLI_VALUE, "N", N_("show at most N cases") },
	{ NULL, 0, NULL, NULL },
};

static int
case_list(struct cmd_ctx *ctx)
{
	static const char *const headers[] = { N_("ID"), N_("STATUS"),
		N_("DISCOVERED"), N_("CATEGORY"), N_("LOCATION"), N_("MATTER") };
	char since[LTIME_LEN], until[LTIME_LEN], t[LTIME_LEN];
	struct ledger_query q;
	struct table *tab;
	json_t *items, *doc;
	size_t i;
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
	if ((rc = ledger_query(ctx->lg, &q, &items, ctx->err)) != 0)
		return cmd_fail(ctx, rc);
	if (ctx->json) {
		doc = out_doc("case.list");
		json_object_set_new(doc, "cases", items);
		out_json(doc);
		return 0;
	}
	tab = table_new(6, headers);
	table_max(tab, 4, 24);
	json_array_foreach(items, i, doc) {
		const char *matter = cjson_str(doc, "matter");
		char status[64];
		const char *cells[6];

		snprintf(status, sizeof status, "%s%s", cjson_str(doc, "status"),
		    json_is_true(json_object_get(doc, "urgent")) ? " !" : "");
		cells[0] = cjson_str(doc, "entity");
		cells[1] = status;
		cells[2] = out_time(cjson_str(doc, "discovered_at"), t, sizeof t);
		cells[3] = cjson_str(doc, "category");
		cells[4] = cjson_str(doc, "location");
		cells[5] = matter != NULL ? matter : cjson_str(doc, "description");
		table_row(tab, cells);
	}
	table_print(tab, stdout);
	table_free(tab);
	json_decref(items);
	return 0;
}

const struct cmd_entry cmd_case_list_entry = {
	{ "case", "list", NULL, 0, 0, list_opts, CMD_DB | CMD_JSON,
	    N_("list cases, newest first ('!' marks urgent ones)"),
	    NULL },
	case_list,
};

static void
show_line(const char *label, const char *value)
{
	if (value != NULL && *value != '\0')
		printf("%-14s %s\n", _(label), value);
}

static void
show_list(const char *label, const json_t *arr)
{
	json_t *v;
	size_t i;

	if (json_array_size(arr) == 0)
		return;
	printf("%-14s", _(label));
	json_array_foreach(arr, i, v)
		printf("%s%s", i ? "、" : " ", json_string_value(v));
	putchar('\n');
}

static int
case_show(struct cmd_ctx *ctx)
{
	const char *id = ctx->cli.argv[0];
	char t[LTIME_LEN];
	json_t *doc, *closed, *notes, *n, *r;
	size_t i;
	int rc;

	if ((rc = form_get(ctx, id, "case", &doc)) != 0)
		return rc;
	if (ctx->json)
		return form_show_json(ctx, "case", id, doc, 0);
	show_line(N_("case:"), id);
	show_line(N_("status:"), cjson_str(doc, "status"));
	show_line(N_("urgent:"), json_is_true(json_object_get(doc, "urgent")) ?
	    _("yes") : _("no"));
	show_line(N_("source:"), enum_label(case_sources, cjson_str(doc, "source")));
	show_line(N_("matter:"), cjson_str(doc, "matter"));
	show_line(N_("category:"), cjson_str(doc, "category"));
	show_line(N_("location:"), cjson_str(doc, "location"));
	show_list(N_("parties:"), json_object_get(doc, "parties"));
	show_line(N_("discovered:"), out_time(cjson_str(doc, "discovered_at"), t,
	    sizeof t));
	show_line(N_("officer:"), cjson_str(doc, "officer"));
	show_line(N_("unit:"), cjson_str(doc, "unit"));
	show_list(N_("evidence:"), json_object_get(doc, "evidence"));
	show_line(N_("description:"), cjson_str(doc, "description"));
	notes = json_object_get(doc, "notes");
	json_array_foreach(notes, i, n)
		show_line(N_("note:"), cjson_str(n, "note"));
	out_deadline(N_("refer by:"), json_object_get(doc, "refer_due"));
	if ((r = json_object_get(doc, "referred")) != NULL) {
		char *s = xasprintf("%s → %s", cjson_str(r, "referral"),
		    cjson_str(r, "to"));
		show_line(N_("referred:"), s);
		free(s);
	}
	json_array_foreach(json_object_get(doc, "withdrawn_referrals"), i, r) {
		char *s = xasprintf("%s → %s: %s", cjson_str(r, "referral"),
		    cjson_str(r, "to"), cjson_str(json_object_get(r, "withdrawn"),
		    "reason"));
		show_line(N_("withdrawn:"), s);
		free(s);
	}
	closed = json_object_get(doc, "closed");
	if (closed != NULL)
		show_line(N_("closed:"), cjson_str(closed, "reason"));
	form_conflicts(doc);
	json_decref(doc);
	return form_timeline(ctx, id, NULL, 0);
}

const struct cmd_entry cmd_case_show_entry = {
	{ "case", "show", "<id>", 1, 1, NULL, CMD_DB | CMD_JSON,
	    N_("show a case and the full timeline of its events"),
	    NULL },
	case_show,
};

static const struct cli_opt update_opts[] = {
	{ "category", CLI_VALUE, "TEXT", N_("new category") },
	{ "location", CLI_VALUE, "TEXT", N_("new location") },
	{ "party", CLI_LIST, "NAME", N_("parties (replaces the list)") },
	{ "matter", CLI_VALUE, "TEXT", N_("new title") },
	{ "description", CLI_VALUE, "TEXT", N_("new description") },
	{ "urgent", CLI_FLAG, NULL, N_("mark as urgent") },
	{ "officer", CLI_VALUE, "NAME", N_("officer making the change") },
	{ "evidence", CLI_LIST, "TEXT", N_("evidence (replaces the list)") },
	{ "note", CLI_VALUE, "TEXT", N_("a progress note") },
	{ NULL, 0, NULL, NULL },
};

static const struct form_field update_form[] = {
	{ "category", "category", FV_STR, 0, NULL, NULL },
	{ "location", "location", FV_STR, 0, NULL, NULL },
	{ "party", "parties", FV_LIST, 0, NULL, NULL },
	{ "matter", "matter", FV_STR, 0, NULL, NULL },
	{ "description", "description", FV_TEXT, 0, NULL, NULL },
	{ "urgent", "urgent", FV_BOOL, 0, NULL, NULL },
	{ "evidence", "evidence", FV_LIST, 0, NULL, NULL },
	{ "note", "note", FV_TEXT, 0, NULL, NULL },
	{ NULL, NULL, 0, 0, NULL, NULL },
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
	rc = form_fill(ctx, update_form, body, 1);
	if (rc == 0 && json_object_size(body) == 0)
		rc = cmd_usage_error(ctx, _("nothing to change: give at least one field"));
	if (rc == 0 && cmd_value(ctx, "officer") != NULL)
		json_object_set_new(body, "officer", json_string(officer));
	if (rc == 0)
		rc = form_record(ctx, "case.updated", id, officer, NULL, body,
		    NULL);
	if (rc == 0)
		rc = print_id(ctx, id);
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
	{ "reason", CLI_VALUE, "TEXT", N_("why the case is closed (required)") },
	{ "officer", CLI_VALUE, "NAME", N_("officer closing it") },
	{ NULL, 0, NULL, NULL },
};

static int
case_close(struct cmd_ctx *ctx)
{
	const char *id = ctx->cli.argv[0], *officer, *reason;
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
	if ((reason = cmd_value(ctx, "reason")) == NULL || *reason == '\0')
		return cmd_usage_error(ctx, _("missing required option --reason"));
	if ((officer = need_officer(ctx)) == NULL)
		return EXIT_USAGE;
	if (!utf8_valid(reason, strlen(reason)))
		return cmd_error(ctx, EXIT_INVALID, _("'--reason' is not valid UTF-8"));
	body = json_object();
	json_object_set_new(body, "reason", json_string(reason));
	rc = form_record(ctx, "case.closed", id, officer, NULL, body, NULL);
	if (rc == 0)
		rc = print_id(ctx, id);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_case_close_entry = {
	{ "case", "close", "<id>", 1, 1, close_opts, CMD_DB | CMD_JSON,
	    N_("close a case, with the reason"),
	    NULL },
	case_close,
};
