/*
 * cmd-liaison.c - the liaison officer's ledger (联络员工作台账):
 * liaison log|list. Contacts, patrols, meetings and trainings.
 *
 * The options of an entry's fields are declared with the fields, in
 * common/type-liaison.c (FORM_FIELDS, form.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cjson.h"
#include "cmd.h"
#include "form.h"
#include "kinds.h"
#include "ltime.h"
#include "out.h"

static const struct cli_opt log_opts[] = {
	FORM_FIELDS("liaison.logged"),
	{ NULL, 0, NULL, NULL },
};

static int
liaison_log(struct cmd_ctx *ctx)
{
	json_t *body = json_object();
	char *id = NULL;
	int rc;

	rc = form_kind_fill(ctx, "liaison.logged", body, 0);
	if (rc == 0)
		rc = form_record(ctx, "liaison.logged", NULL,
		    cjson_str(body, "officer"), NULL, body, &id);
	if (rc == 0)
		rc = form_recorded(ctx, id);
	free(id);
	json_decref(body);
	return rc;
}

const struct cmd_entry cmd_liaison_log_entry = {
	{ "liaison", "log", NULL, 0, 0, log_opts, CMD_DB | CMD_JSON,
	    N_("add an entry to the liaison officer's ledger"),
	    NULL },
	liaison_log,
};

static const struct cli_opt list_opts[] = {
	{ "type", CLI_VALUE, "TYPE", N_("only this type") },
	{ "since", CLI_VALUE, "DATE", N_("on or after DATE") },
	{ "until", CLI_VALUE, "DATE", N_("before DATE") },
	{ "search", CLI_VALUE, "TEXT", N_("full-text search") },
	{ "limit", CLI_VALUE, "N", N_("show at most N") },
	{ "offset", CLI_VALUE, "N", N_("skip the first N (with --limit, a page)") },
	{ NULL, 0, NULL, NULL },
};

static const struct out_col list_cols[] = {
	{ N_("ID"), "entity", OUT_TEXT, NULL, NULL, 0 },
	{ N_("DATE"), "date", OUT_TIME, NULL, NULL, 0 },
	{ N_("TYPE"), "activity", OUT_ENUM, liaison_types, NULL, 0 },
	{ N_("OFFICER"), "officer", OUT_TEXT, NULL, NULL, 0 },
	{ N_("COUNTERPART"), "counterpart", OUT_TEXT, NULL, NULL, 0 },
	{ N_("SUMMARY"), "summary", OUT_TEXT, NULL, NULL, 0 },
	{ NULL, NULL, 0, NULL, NULL, 0 },
};

static int
liaison_list(struct cmd_ctx *ctx)
{
	char since[LTIME_LEN], until[LTIME_LEN];
	struct ledger_query q;
	json_t *items, *doc;
	int rc;

	memset(&q, 0, sizeof q);
	q.type = "liaison";
	q.search = cmd_value(ctx, "search");
	if (cmd_value(ctx, "type") != NULL) {
		const struct enum_value *v = enum_lookup(liaison_types,
		    cmd_value(ctx, "type"));
		if (v == NULL)
			return cmd_error(ctx, EXIT_INVALID,
			    _("unknown --type '%s': contact, patrol, meeting or training"),
			    cmd_value(ctx, "type"));
		q.subtype = v->name;
	}
	if ((rc = list_range(ctx, &q, since, until)) != 0)
		return rc;
	if ((rc = ledger_query(ctx->lg, &q, &items, ctx->err)) != 0)
		return cmd_fail(ctx, rc);
	if (ctx->json) {
		doc = out_doc("liaison.list");
		json_object_set_new(doc, "entries", items);
		out_json(doc);
		return 0;
	}
	out_list(list_cols, items);
	json_decref(items);
	return 0;
}

const struct cmd_entry cmd_liaison_list_entry = {
	{ "liaison", "list", NULL, 0, 0, list_opts, CMD_DB | CMD_JSON,
	    N_("list the liaison ledger, newest first"),
	    NULL },
	liaison_list,
};
