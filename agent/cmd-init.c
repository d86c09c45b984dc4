/*
 * cmd-init.c - creating a station's database: init.
 *
 * init has no --rules of its own: a station counts by the county's rule
 * profile, which the server sends when it enrols, and until then (or
 * for good, if it never syncs) by the one $LIANDONG_RULES or [rules]
 * profile names. A clerk who runs init then expects to be told whether
 * deadlines will be counted, so init says which profile is in force or
 * that none is (its output, and "profile" with --json), and refuses to
 * create the station when the profile named here does not exist: the
 * next record would be refused anyway.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "event.h"
#include "form.h"
#include "out.h"
#include "rules.h"
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
	const struct profile *p;
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
	p = form_profile(ctx);
	if (ctx->profile_loaded < 0)
		return cmd_error(ctx, EXIT_CONFIG, "%s", ctx->err);
	cmd_make_parent(ctx->db_path);
	if ((rc = ledger_create(ctx->db_path, station, unit, ctx->err)) != 0)
		return cmd_fail(ctx, rc);
	if (ctx->json) {
		json_t *doc = out_doc("init");
		json_object_set_new(doc, "station", json_string(station));
		json_object_set_new(doc, "unit", json_string(unit));
		json_object_set_new(doc, "db", json_string(ctx->db_path));
		json_object_set_new(doc, "profile", p != NULL ?
		    json_string(p->name) : json_null());
		out_json(doc);
		return 0;
	}
	printf(_("initialized station '%s' of %s in %s\n"), station, unit,
	    ctx->db_path);
	if (p != NULL)
		printf(_("deadlines are counted by the rule profile %s (%s) until "
		    "the county server sends its own\n"), p->name, p->county);
	else {
		char *names = profile_installed();
		printf(_("no rule profile yet: no deadline is counted until the "
		    "station enrols and the county server sends its profile; a "
		    "station that never syncs sets $LIANDONG_RULES or [rules] "
		    "profile (%s, or a file)\n"), *names ? names : "-");
		free(names);
	}
	return 0;
}

const struct cmd_entry cmd_init_entry = {
	{ "init", NULL, NULL, 0, 0, init_opts, CMD_JSON,
	    N_("create this station's database"),
	    NULL },
	cmd_init,
};
