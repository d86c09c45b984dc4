/*
 * cmd-alerts.c - alerts: what the daemon (or --check) said cannot wait,
 * newest first, unread ones marked (agent/alert.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "cjson.h"
#include "cmd.h"
#include "ledger.h"
#include "out.h"

static const struct cli_opt alerts_opts[] = {
	{ "check", CLI_FLAG, NULL, N_("look now for arrivals and due times, as the daemon does after each sync") },
	{ "read", CLI_FLAG, NULL, N_("mark every alert read") },
	{ NULL, 0, NULL, NULL },
};

/* Marks every alert read, reading them again in the transaction that
 * writes them: one the daemon raised meanwhile is not lost. */
static int
mark_read(struct cmd_ctx *ctx)
{
	char *text = NULL;
	json_t *all, *a;
	size_t i;
	int rc;

	if ((rc = ledger_begin(ctx->lg, ctx->err)) != 0)
		return rc;
	if ((rc = ledger_meta_get(ctx->lg, "alerts", &text, ctx->err)) == 0 &&
	    text != NULL) {
		if ((all = json_loads(text, 0, NULL)) != NULL &&
		    json_is_array(all)) {
			json_array_foreach(all, i, a)
				json_object_set_new(a, "read", json_true());
			free(text);
			text = json_dumps(all, JSON_COMPACT | JSON_ENSURE_ASCII);
			rc = ledger_meta_set(ctx->lg, "alerts", text, ctx->err);
		}
		json_decref(all);
	}
	free(text);
	if (rc == 0)
		rc = ledger_commit(ctx->lg, ctx->err);
	if (rc != 0)
		ledger_rollback(ctx->lg);
	return rc;
}

static int
cmd_alerts(struct cmd_ctx *ctx)
{
	static const char *const headers[] = { N_("AT"), N_("RECORD"),
		N_("ALERT"), N_("WHAT") };
	char *text = NULL;
	json_t *all = NULL, *a;
	struct table *tab;
	size_t i;
	int rc = 0, raised, mode = alert_mode(ctx);

	if (cmd_flag(ctx, "check") && mode >= 0 &&
	    (rc = alert_check(ctx, mode, &raised)) != 0)
		return rc;
	if ((rc = ledger_meta_get(ctx->lg, "alerts", &text, ctx->err)) != 0)
		return cmd_fail(ctx, rc);
	all = text != NULL ? json_loads(text, 0, NULL) : NULL;
	free(text);
	if (!json_is_array(all)) {
		json_decref(all);
		all = json_array();
	}
	if (ctx->json) {
		json_t *d = out_doc("alerts"), *newest = json_array();
		for (i = json_array_size(all); i > 0; i--)
			json_array_append(newest, json_array_get(all, i - 1));
		json_object_set_new(d, "alerts", newest);
		out_json(d);
	} else {
		tab = table_new(4, headers);
		for (i = json_array_size(all); i > 0; i--) {
			const char *cells[4];
			char at[32];

			a = json_array_get(all, i - 1);
			snprintf(at, sizeof at, "%s%.16s", json_is_true(json_object_get(
			    a, "read")) ? " " : "*", cjson_str(a, "at"));
			cells[0] = at;
			cells[1] = cjson_str(a, "record");
			cells[2] = cjson_str(a, "title");
			cells[3] = cjson_str(a, "text");
			table_row(tab, cells);
		}
		table_print(tab, stdout);
		table_free(tab);
	}
	json_decref(all);
	if (cmd_flag(ctx, "read") && (rc = mark_read(ctx)) != 0)
		return cmd_fail(ctx, rc);
	return 0;
}

const struct cmd_entry cmd_alerts_entry = {
	{ "alerts", NULL, NULL, 0, 0, alerts_opts, CMD_DB | CMD_JSON,
	    N_("what could not wait: referrals, calls and requests that arrived, obligations entering their last day"),
	    NULL },
	cmd_alerts,
};
