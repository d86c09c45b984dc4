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

#include "cmd.h"
#include "fold.h"
#include "form.h"
#include "out.h"

static const char *
str(const json_t *doc, const char *key)
{
	return json_string_value(json_object_get(doc, key));
}

static int
cmd_conflicts(struct cmd_ctx *ctx)
{
	static const char *const headers[] = { N_("RECORD"), N_("EVENT"),
		N_("KIND"), N_("BY"), N_("REASON") };
	json_t *all, *doc, *c, *list, *quar = NULL;
	struct table *tab;
	char *q = NULL;
	size_t i, j;
	int rc;

	if ((rc = form_all_records(ctx, &all)) != 0)
		return rc;
	if (ledger_meta_get(ctx->lg, "quarantined", &q, NULL) == 0 && q != NULL)
		quar = json_loads(q, 0, NULL);
	free(q);
	if (!json_is_array(quar)) {
		json_decref(quar);
		quar = json_array();
	}
	list = json_array();
	tab = table_new(5, headers);
	json_array_foreach(all, i, doc) {
		json_array_foreach(json_object_get(doc, "conflicts"), j, c) {
			char ev[64];
			const char *cells[5];
			json_t *o = json_deep_copy(c);

			json_object_set_new(o, "record", json_string(str(doc,
			    "entity")));
			json_object_set_new(o, "text", json_string(
			    fold_reason_text(str(c, "reason"))));
			json_array_append_new(list, o);
			snprintf(ev, sizeof ev, "%s/%lld", str(c, "station"),
			    (long long)json_integer_value(json_object_get(c,
			    "seq")));
			cells[0] = str(doc, "entity");
			cells[1] = ev;
			cells[2] = str(c, "kind");
			cells[3] = str(c, "author");
			cells[4] = fold_reason_text(str(c, "reason"));
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
			    json_object_get(c, "seq")), str(c, "reason"));
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
