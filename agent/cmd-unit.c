/*
 * cmd-unit.c - the county's unit directory as this station holds it:
 * unit list.
 *
 * The server sends the directory at enrolment and with the first sync
 * after it changes (docs/protocol.md); every unit a record is addressed
 * to is checked against it (units.c).
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "out.h"
#include "units.h"

static int
unit_list(struct cmd_ctx *ctx)
{
	static const char *const headers[] = { N_("UNIT"), N_("NOTE") };
	const json_t *dir = units_held(ctx);
	const char *own = ledger_unit(ctx->lg);
	struct table *tab;
	json_t *v;
	size_t i;

	if (ctx->json) {
		json_t *o = out_doc("unit.list");
		json_object_set_new(o, "held", json_boolean(dir != NULL));
		json_object_set_new(o, "units", dir != NULL ?
		    json_deep_copy(dir) : json_array());
		out_json(o);
	}
	if (dir == NULL) {
		fputs(_("liandong: warning: this station holds no unit directory yet: it comes with 'liandong sync'\n"),
		    stderr);
		return 0;
	}
	if (ctx->json)
		return 0;
	tab = table_new(2, headers);
	json_array_foreach(dir, i, v) {
		const char *cells[2];
		cells[0] = json_string_value(v);
		cells[1] = strcmp(cells[0], own) == 0 ? _("(this unit)") : "";
		table_row(tab, cells);
	}
	table_print(tab, stdout);
	table_free(tab);
	return 0;
}

const struct cmd_entry cmd_unit_list_entry = {
	{ "unit", "list", NULL, 0, 0, NULL, CMD_DB | CMD_JSON,
	    N_("list the county's units this station may address (from the server)"),
	    NULL },
	unit_list,
};
