/*
 * cmd-init.c - creating a station's database: init.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "event.h"
#include "out.h"
#include "text.h"

static const struct cli_opt init_opts[] = {
	{ "station", CLI_VALUE, "ID", N_("station id, unique in the county: lowercase letters, digits, '-', '_' (required)") },
	{ "unit", CLI_VALUE, "NAME", N_("the unit this station belongs to, e.g. 龙羊峡镇 (required)") },
	{ NULL, 0, NULL, NULL },
};

static int
cmd_init(struct cmd_ctx *ctx)
{
	const char *station = cmd_value(ctx, "station");
	const char *unit = cmd_value(ctx, "unit");
	int rc;

	if (station == NULL)
		return cmd_usage_error(ctx, _("missing required option --station"));
	if (unit == NULL)
		return cmd_usage_error(ctx, _("missing required option --unit"));
	if (!station_id_valid(station))
		return cmd_error(ctx, EXIT_INVALID,
		    _("invalid station id '%s': use 1-32 lowercase letters, digits, '-' or '_'"),
		    station);
	if ((rc = text_check("unit", unit, UNIT_MAX, 0, ctx->err)) != 0)
		return cmd_fail(ctx, rc);
	if (unit[0] == '\0')
		return cmd_error(ctx, EXIT_INVALID, _("--unit must not be empty"));
	cmd_make_parent(ctx->db_path);
	if ((rc = ledger_create(ctx->db_path, station, unit, ctx->err)) != 0)
		return cmd_fail(ctx, rc);
	if (ctx->json) {
		json_t *doc = out_doc("init");
		json_object_set_new(doc, "station", json_string(station));
		json_object_set_new(doc, "unit", json_string(unit));
		json_object_set_new(doc, "db", json_string(ctx->db_path));
		out_json(doc);
	} else
		printf(_("initialized station '%s' of %s in %s\n"), station, unit,
		    ctx->db_path);
	return 0;
}

const struct cmd_entry cmd_init_entry = {
	{ "init", NULL, NULL, 0, 0, init_opts, CMD_JSON,
	    N_("create this station's database"),
	    NULL },
	cmd_init,
};
