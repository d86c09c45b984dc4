/*
 * cmd-liaison.c - the liaison officer's ledger (联络员工作台账):
 * liaison log|list. Contacts, patrols, meetings and trainings.
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
	{ "type", CLI_VALUE, "TYPE", N_("contact, patrol, meeting or training (联络, 巡查, 会议, 培训)") },
	{ "date", CLI_VALUE, "DATE", N_("when (default: now)") },
	{ "counterpart", CLI_VALUE, "TEXT", N_("unit or person contacted") },
	{ "place", CLI_VALUE, "TEXT", N_("where") },
	{ "summary", CLI_VALUE, "TEXT", N_("what was done or agreed") },
	{ "officer", CLI_VALUE, "NAME", N_("liaison officer") },
	{ "participant", CLI_LIST, "NAME", N_("a participant (repeat for several)") },
	{ NULL, 0, NULL, NULL },
};

static const struct form_field log_form[] = {
	{ "type", "activity", FV_ENUM, FF_REQUIRED, liaison_types, N_("type") },
	{ "date", "date", FV_TIME, FF_REQUIRED | FF_NOW, NULL, N_("date (empty: now)") },
	{ "counterpart", "counterpart", FV_STR, 0, NULL, NULL },
	{ "place", "place", FV_STR, 0, NULL, NULL },
	{ "summary", "summary", FV_TEXT, FF_REQUIRED, NULL, N_("summary") },
	{ "officer", "officer", FV_STR, FF_REQUIRED | FF_OFFICER, NULL, N_("officer") },
	{ "participant", "participants", FV_LIST, 0, NULL, NULL },
	{ NULL, NULL, 0, 0, NULL, NULL },
};

static int
liaison_log(struct cmd_ctx *ctx)
{
	json_t *body = json_object();
	char *id = NULL;
	int rc;

	rc = form_fill(ctx, log_form, body, 0);
	if (rc == 0)
		rc = form_record(ctx, "liaison.logged", NULL,
		    cjson_str(body, "officer"), NULL, body, &id);
	if (rc == 0) {
		if (ctx->json) {
			json_t *o = out_doc("recorded");
			json_object_set_new(o, "id", json_string(id));
			out_json(o);
		} else
			printf("%s\n", id);
	}
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
	{ NULL, 0, NULL, NULL },
};

static int
liaison_list(struct cmd_ctx *ctx)
{
	static const char *const headers[] = { N_("ID"), N_("DATE"),
		N_("TYPE"), N_("OFFICER"), N_("COUNTERPART"), N_("SUMMARY") };
	char since[LTIME_LEN], until[LTIME_LEN], t[LTIME_LEN];
	struct ledger_query q;
	struct table *tab;
	json_t *items, *doc;
	size_t i;
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
	tab = table_new(6, headers);
	json_array_foreach(items, i, doc) {
		const char *cells[6];
		cells[0] = cjson_str(doc, "entity");
		cells[1] = out_time(cjson_str(doc, "date"), t, sizeof t);
		cells[2] = enum_label(liaison_types, cjson_str(doc, "activity"));
		cells[3] = cjson_str(doc, "officer");
		cells[4] = cjson_str(doc, "counterpart");
		cells[5] = cjson_str(doc, "summary");
		table_row(tab, cells);
	}
	table_print(tab, stdout);
	table_free(tab);
	json_decref(items);
	return 0;
}

const struct cmd_entry cmd_liaison_list_entry = {
	{ "liaison", "list", NULL, 0, 0, list_opts, CMD_DB | CMD_JSON,
	    N_("list the liaison ledger, newest first"),
	    NULL },
	liaison_list,
};
