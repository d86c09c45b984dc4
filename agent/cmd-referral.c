/*
 * cmd-referral.c - case referral (案件移送): referral send|list|show.
 *
 * A referral is its own record, sent to the receiving unit: its audience
 * is the referring unit and the receiver, and it carries the facts of the
 * case the receiver needs (the case's own events stay with the unit that
 * opened it). The acknowledgement, dispute and deadline workflow builds on
 * this record.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "event.h"
#include "form.h"
#include "ltime.h"
#include "out.h"
#include "text.h"

static const char *
str(const json_t *doc, const char *key)
{
	return json_string_value(json_object_get(doc, key));
}

static const struct cli_opt send_opts[] = {
	{ "to", CLI_VALUE, "UNIT", N_("the receiving unit, e.g. 县综合行政执法局 (required)") },
	{ "urgent", CLI_FLAG, NULL, N_("urgent referral") },
	{ "note", CLI_VALUE, "TEXT", N_("a note for the receiver") },
	{ "officer", CLI_VALUE, "NAME", N_("officer sending it") },
	{ NULL, 0, NULL, NULL },
};

static int
referral_send(struct cmd_ctx *ctx)
{
	const char *id = ctx->cli.argv[0], *to = cmd_value(ctx, "to");
	const char *note = cmd_value(ctx, "note"), *officer;
	static const char *const copy[] = { "matter", "category", "location",
		"description", "discovered_at", NULL };
	json_t *doc = NULL, *body, *aud;
	char *rid = NULL;
	size_t i;
	int rc;

	if (to == NULL || *to == '\0')
		return cmd_usage_error(ctx, _("missing required option --to"));
	if (text_check("to", to, UNIT_MAX, 0, ctx->err) != 0)
		return cmd_fail(ctx, LD_EINVAL);
	if (strcmp(to, ledger_unit(ctx->lg)) == 0)
		return cmd_error(ctx, EXIT_INVALID,
		    _("a case cannot be referred to its own unit"));
	officer = form_officer(ctx, cmd_value(ctx, "officer"));
	if (officer == NULL)
		return cmd_usage_error(ctx, _("missing required option --officer"));
	if (ledger_get(ctx->lg, id, &doc, ctx->err) != 0 ||
	    strcmp(str(doc, "type"), "case") != 0) {
		json_decref(doc);
		return cmd_error(ctx, EXIT_NOTFOUND, _("no case '%s'"), id);
	}
	if (strcmp(str(doc, "unit"), ledger_unit(ctx->lg)) != 0) {
		json_decref(doc);
		return cmd_error(ctx, EXIT_CONFLICT,
		    _("case '%s' belongs to %s: only the unit that holds a case refers it"),
		    id, str(doc, "unit"));
	}
	body = json_object();
	json_object_set_new(body, "case", json_string(id));
	json_object_set_new(body, "to", json_string(to));
	json_object_set_new(body, "urgent", json_boolean(cmd_flag(ctx, "urgent") ||
	    json_is_true(json_object_get(doc, "urgent"))));
	json_object_set_new(body, "officer", json_string(officer));
	for (i = 0; copy[i] != NULL; i++)
		if (json_object_get(doc, copy[i]) != NULL)
			json_object_set(body, copy[i], json_object_get(doc, copy[i]));
	if (note != NULL)
		json_object_set_new(body, "note", json_string(note));
	json_decref(doc);
	aud = json_array();
	json_array_append_new(aud, json_string(ledger_unit(ctx->lg)));
	json_array_append_new(aud, json_string(to));
	if ((rc = ledger_begin(ctx->lg, ctx->err)) == 0) {
		rc = ledger_record(ctx->lg, "referral.sent", NULL, officer, aud,
		    body, &rid, NULL, ctx->err);
		if (rc == 0)
			rc = ledger_commit(ctx->lg, ctx->err);
		if (rc != 0)
			ledger_rollback(ctx->lg);
	}
	json_decref(aud);
	json_decref(body);
	if (rc != 0)
		return cmd_fail(ctx, rc);
	if (ctx->json) {
		json_t *o = out_doc("recorded");
		json_object_set_new(o, "id", json_string(rid));
		out_json(o);
	} else
		printf("%s\n", rid);
	free(rid);
	return 0;
}

const struct cmd_entry cmd_referral_send_entry = {
	{ "referral", "send", "<case>", 1, 1, send_opts, CMD_DB | CMD_JSON,
	    N_("refer a case to another unit (one case, one referral)"),
	    NULL },
	referral_send,
};

static const struct cli_opt list_opts[] = {
	{ "incoming", CLI_FLAG, NULL, N_("only referrals sent to this unit") },
	{ "outgoing", CLI_FLAG, NULL, N_("only referrals sent by this unit") },
	{ NULL, 0, NULL, NULL },
};

static int
referral_list(struct cmd_ctx *ctx)
{
	static const char *const headers[] = { N_("ID"), N_("STATUS"),
		N_("FROM"), N_("TO"), N_("SENT"), N_("MATTER") };
	int in = cmd_flag(ctx, "incoming"), outg = cmd_flag(ctx, "outgoing");
	const char *unit = ledger_unit(ctx->lg);
	struct ledger_query q;
	struct table *tab = NULL;
	json_t *items, *doc, *keep;
	size_t i;
	int rc;

	memset(&q, 0, sizeof q);
	q.type = "referral";
	if ((rc = ledger_query(ctx->lg, &q, &items, ctx->err)) != 0)
		return cmd_fail(ctx, rc);
	keep = json_array();
	json_array_foreach(items, i, doc) {
		int mine_in = strcmp(str(doc, "to"), unit) == 0;
		int mine_out = strcmp(str(doc, "unit"), unit) == 0;
		if ((in && !mine_in) || (outg && !mine_out))
			continue;
		json_array_append(keep, doc);
	}
	json_decref(items);
	if (ctx->json) {
		doc = out_doc("referral.list");
		json_object_set_new(doc, "referrals", keep);
		out_json(doc);
		return 0;
	}
	tab = table_new(6, headers);
	json_array_foreach(keep, i, doc) {
		char t[LTIME_LEN], status[64];
		const char *cells[6];
		ltime_short(json_integer_value(json_object_get(doc, "created_at")), t);
		snprintf(status, sizeof status, "%s%s", str(doc, "status"),
		    json_is_true(json_object_get(doc, "urgent")) ? " !" : "");
		cells[0] = str(doc, "entity");
		cells[1] = status;
		cells[2] = str(doc, "unit");
		cells[3] = str(doc, "to");
		cells[4] = t;
		cells[5] = str(doc, "matter") ? str(doc, "matter") :
		    str(doc, "description");
		table_row(tab, cells);
	}
	table_print(tab, stdout);
	table_free(tab);
	json_decref(keep);
	return 0;
}

const struct cmd_entry cmd_referral_list_entry = {
	{ "referral", "list", NULL, 0, 0, list_opts, CMD_DB | CMD_JSON,
	    N_("list referrals sent by or to this unit ('!' marks urgent ones)"),
	    NULL },
	referral_list,
};

static int
referral_show(struct cmd_ctx *ctx)
{
	const char *id = ctx->cli.argv[0];
	json_t *doc;
	char t[LTIME_LEN];
	int rc;

	if (ledger_get(ctx->lg, id, &doc, ctx->err) != 0 ||
	    strcmp(str(doc, "type"), "referral") != 0) {
		json_decref(doc);
		return cmd_error(ctx, EXIT_NOTFOUND, _("no referral '%s'"), id);
	}
	if (ctx->json) {
		json_t *out = out_doc("referral");
		json_object_set(out, "referral", doc);
		rc = form_timeline(ctx, id, out, 0);
		json_decref(doc);
		if (rc == 0)
			out_json(out);
		else
			json_decref(out);
		return rc;
	}
	printf("%-14s %s\n", _("referral:"), id);
	printf("%-14s %s%s\n", _("status:"), str(doc, "status"),
	    json_is_true(json_object_get(doc, "urgent")) ? _(" (urgent)") : "");
	printf("%-14s %s\n", _("from:"), str(doc, "unit"));
	printf("%-14s %s\n", _("to:"), str(doc, "to"));
	printf("%-14s %s\n", _("case:"), str(doc, "case"));
	if (str(doc, "matter"))
		printf("%-14s %s\n", _("matter:"), str(doc, "matter"));
	printf("%-14s %s\n", _("category:"), str(doc, "category"));
	printf("%-14s %s\n", _("location:"), str(doc, "location"));
	printf("%-14s %s\n", _("discovered:"), out_time(str(doc,
	    "discovered_at"), t, sizeof t));
	printf("%-14s %s\n", _("description:"), str(doc, "description"));
	if (str(doc, "note"))
		printf("%-14s %s\n", _("note:"), str(doc, "note"));
	form_conflicts(doc);
	json_decref(doc);
	return form_timeline(ctx, id, NULL, 0);
}

const struct cmd_entry cmd_referral_show_entry = {
	{ "referral", "show", "<id>", 1, 1, NULL, CMD_DB | CMD_JSON,
	    N_("show a referral and its timeline"),
	    NULL },
	referral_show,
};
