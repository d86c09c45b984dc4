/*
 * cmd-conflicts.c - every business conflict held here: conflicts.
 *
 * A conflict is an event that was illegal in its place in the order (two
 * units accepting one referral, an edit racing a close, an extension after
 * the deadline): the fold keeps it in its record's projection, with the
 * reason, and applies nothing of it (fold.c). This lists them all, and the
 * station's own events the server quarantined (sync.c), so that nothing is
 * ever dropped silently.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjson.h"
#include "cmd.h"
#include "fold.h"
#include "form.h"
#include "kinds.h"
#include "out.h"
#include "sync.h"

static int
cmd_conflicts(struct cmd_ctx *ctx)
{
	static const char *const headers[] = { N_("RECORD"), N_("EVENT"),
		N_("KIND"), N_("BY"), N_("REASON") };
	json_t *all, *doc, *c, *list, *quar;
	struct table *tab;
	size_t i, j;
	int rc;

	if ((rc = form_all_records(ctx, NULL, &all)) != 0)
		return rc;
	quar = sync_quarantined(ctx->lg);
	list = json_array();
	tab = table_new(5, headers);
	json_array_foreach(all, i, doc) {
		json_array_foreach(json_object_get(doc, "conflicts"), j, c) {
			char ev[64];
			const char *cells[5];
			json_t *o = json_deep_copy(c);

			json_object_set_new(o, "record", json_string(cjson_str(doc,
			    "entity")));
			json_object_set_new(o, "text", json_string(
			    fold_reason_text(cjson_str(c, "reason"))));
			json_array_append_new(list, o);
			snprintf(ev, sizeof ev, "%s/%lld", cjson_str(c, "station"),
			    (long long)json_integer_value(json_object_get(c,
			    "seq")));
			cells[0] = cjson_str(doc, "entity");
			cells[1] = ev;
			cells[2] = kind_label(cjson_str(c, "kind"));
			cells[3] = cjson_str(c, "author");
			cells[4] = fold_reason_text(cjson_str(c, "reason"));
			table_row(tab, cells);
		}
	}
	if (ctx->json) {
		json_t *d = out_doc("conflicts");
		json_object_set_new(d, "conflicts", list);
		json_object_set_new(d, "quarantined", quar);
		out_json(d);
	} else {
		if (json_array_size(list) > 0)
			table_print(tab, stdout);
		else
			printf("%s\n", _("no conflicts"));
		json_array_foreach(quar, i, c)
			printf(_("quarantined by the server: %s/%lld: %s\n"),
			    ledger_station(ctx->lg), (long long)json_integer_value(
			    json_object_get(c, "seq")), cjson_str(c, "reason"));
		json_decref(list);
		json_decref(quar);
	}
	table_free(tab);
	json_decref(all);
	return 0;
}

const struct cmd_entry cmd_conflicts_entry = {
	{ "conflicts", NULL, NULL, 0, 0, NULL, CMD_DB | CMD_JSON,
	    N_("list every conflict kept in the records here, with its reason, and events the server quarantined"),
	    NULL },
	cmd_conflicts,
};
