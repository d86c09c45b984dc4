/*
 * cmd-unit.c - the county's unit directory (directory.h): unit add,
 * list and remove.
 *
 * The directory holds every unit with a station, and the units the
 * county adds without one. Stations receive it at enrolment and with the
 * next sync after it changes, and check every unit a record is addressed
 * to against it before recording.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "directory.h"
#include "event.h"
#include "journal.h"
#include "ltime.h"
#include "roles.h"
#include "store.h"
#include "text.h"
#include "util.h"

/* The directory's record of unit into *u (NULL when it is not there). */
static int
unit_find(struct cli *c, const char *unit, struct unit_rec **recs,
    size_t *n, struct unit_rec **u)
{
	struct server_ctx *x = c->app;
	size_t i;
	int rc;

	*u = NULL;
	if ((rc = x->store->ops->unit_list(x->store, recs, n, x->err)) != 0)
		return server_fail(c, rc);
	for (i = 0; i < *n; i++)
		if (strcmp((*recs)[i].name, unit) == 0)
			*u = &(*recs)[i];
	return 0;
}

/* The role unit was declared with ("" when none, or not declared). */
int
server_declared_role(struct cli *c, const char *unit, char role[ROLE_LEN])
{
	struct unit_rec *recs, *u;
	size_t n;
	int rc;

	role[0] = '\0';
	if ((rc = unit_find(c, unit, &recs, &n, &u)) != 0)
		return rc;
	if (u != NULL && u->declared)
		ld_strlcpy(role, u->role, ROLE_LEN);
	unit_recs_free(recs, n);
	return 0;
}

/* A unit's name as the directory takes it: what every record addressed
 * to it will carry, so no stray spaces either. */
static int
unit_name_check(struct cli *c, const char *name)
{
	struct server_ctx *x = c->app;
	size_t len = strlen(name);

	if (len == 0)
		return cli_error(c, EXIT_INVALID, _("a unit's name must not be empty"));
	if (text_check("unit", name, UNIT_MAX, 0, x->err) != 0)
		return server_fail(c, LD_EINVAL);
	if (name[0] == ' ' || name[len - 1] == ' ')
		return cli_error(c, EXIT_INVALID,
		    _("unit '%s' begins or ends with a space"), name);
	return 0;
}

static const struct cli_opt unit_add_opts[] = {
	{ "role", CLI_VALUE, "ROLE", N_("the role its stations will have: township, department, bureau, legal, police, government or admin") },
	{ NULL, 0, NULL, NULL },
};

/*
 * Inside the transaction unit_add holds: the name free, a warning for a
 * near twin, then the journal's line and the unit (journal.h, rule 7: a
 * name taken is refused before the line). 0 or an exit code.
 */
static int
unit_add_held(struct cli *c, const char *name, const char *role)
{
	struct server_ctx *x = c->app;
	const char *near[3];
	struct unit_rec *recs, *u;
	json_t *names;
	char *path;
	size_t n, i, k;
	int64_t now;
	int rc;

	if ((rc = unit_find(c, name, &recs, &n, &u)) != 0)
		return rc;
	if (u != NULL) {
		rc = cli_error(c, EXIT_INVALID, u->declared ?
		    _("unit '%s' is already in the directory") :
		    _("unit '%s' is already in the directory: it has a station"),
		    name);
		unit_recs_free(recs, n);
		return rc;
	}
	/* A near twin is a typo more often than a new unit: say so. */
	names = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(names, json_string(recs[i].name));
	k = directory_suggest(names, name, near, 3);
	for (i = 0; i < k; i++)
		fprintf(stderr, _("liandong-server: warning: '%s' is close to '%s', already in the directory\n"),
		    name, near[i]);
	json_decref(names);
	unit_recs_free(recs, n);
	path = server_journal_path(x);
	now = ltime_now();
	rc = journal_unit(path, x->store, name, role, now, x->err);
	free(path);
	if (rc == 0)
		rc = x->store->ops->unit_add(x->store, name, role, now, x->err);
	if (rc != 0)
		return rc == LD_EEXIST ? cli_error(c, EXIT_INVALID, "%s", x->err) :
		    server_fail(c, rc);
	return 0;
}

static int
unit_add(struct cli *c)
{
	struct server_ctx *x = c->app;
	const char *name = c->argv[0], *role = cli_value(c, "role");
	int rc;

	if ((rc = unit_name_check(c, name)) != 0)
		return rc;
	if (role != NULL && !role_valid(role))
		return cli_error(c, EXIT_INVALID, _("unknown role '%s'"), role);
	if ((rc = x->store->ops->begin(x->store, x->err)) != 0)
		return server_fail(c, rc);
	if ((rc = unit_add_held(c, name, role)) == 0 &&
	    (rc = x->store->ops->commit(x->store, x->err)) != 0)
		rc = server_fail(c, rc);
	if (rc != 0) {
		x->store->ops->rollback(x->store);
		return rc;
	}
	if (cli_common_flag(c, "json")) {
		json_t *o = out_doc("unit.add");
		json_object_set_new(o, "unit", json_string(name));
		json_object_set_new(o, "role", json_string(role ? role : ""));
		out_json(o);
	} else
		printf(_("unit '%s' added to the directory; stations receive it with their next sync\n"),
		    name);
	return 0;
}

static int
unit_list(struct cli *c)
{
	struct server_ctx *x = c->app;
	struct unit_rec *recs;
	json_t *arr;
	size_t n, i;
	int rc;

	if ((rc = x->store->ops->unit_list(x->store, &recs, &n, x->err)) != 0)
		return server_fail(c, rc);
	if (cli_common_flag(c, "json")) {
		json_t *o = out_doc("unit.list");
		arr = json_array();
		for (i = 0; i < n; i++) {
			json_t *u = json_object();
			json_object_set_new(u, "unit", json_string(recs[i].name));
			json_object_set_new(u, "role", json_string(recs[i].role));
			json_object_set_new(u, "stations",
			    json_integer(recs[i].stations));
			json_object_set_new(u, "declared",
			    json_boolean(recs[i].declared));
			json_array_append_new(arr, u);
		}
		json_object_set_new(o, "units", arr);
		out_json(o);
	} else {
		printf("%-10s %8s  %-8s  %s\n", _("ROLE"), _("STATIONS"),
		    _("DECLARED"), _("UNIT"));
		for (i = 0; i < n; i++)
			printf("%-10s %8d  %-8s  %s\n",
			    *recs[i].role ? recs[i].role : "-", recs[i].stations,
			    recs[i].declared ? _("yes") : _("no"), recs[i].name);
	}
	unit_recs_free(recs, n);
	return 0;
}

/* Inside the transaction unit_remove holds: the unit without a station,
 * declared, then the journal's line and the removal (journal.h, rule 7).
 * 0 or an exit code. */
static int
unit_remove_held(struct cli *c, const char *name)
{
	struct server_ctx *x = c->app;
	struct station_rec *recs;
	struct unit_rec *units, *u;
	char *path;
	size_t n, i;
	int rc;

	if ((rc = x->store->ops->station_list(x->store, &recs, &n, x->err)) != 0)
		return server_fail(c, rc);
	for (i = 0; rc == 0 && i < n; i++)
		if (strcmp(recs[i].unit, name) == 0)
			rc = cli_error(c, EXIT_INVALID,
			    _("unit '%s' has station '%s': a unit with a station stays in the directory"),
			    name, recs[i].name);
	station_recs_free(recs, n);
	if (rc != 0 || (rc = unit_find(c, name, &units, &n, &u)) != 0)
		return rc;
	if (u == NULL || !u->declared)
		rc = ld_fail(x->err, LD_ENOTFOUND,
		    _("no unit '%s' declared in the directory"), name);
	unit_recs_free(units, n);
	if (rc != 0)
		return server_fail(c, rc);
	path = server_journal_path(x);
	rc = journal_unit_removed(path, x->store, name, x->err);
	free(path);
	if (rc != 0 ||
	    (rc = x->store->ops->unit_remove(x->store, name, x->err)) != 0)
		return server_fail(c, rc);
	return 0;
}

static int
unit_remove(struct cli *c)
{
	struct server_ctx *x = c->app;
	int rc;

	if ((rc = x->store->ops->begin(x->store, x->err)) != 0)
		return server_fail(c, rc);
	if ((rc = unit_remove_held(c, c->argv[0])) == 0 &&
	    (rc = x->store->ops->commit(x->store, x->err)) != 0)
		rc = server_fail(c, rc);
	if (rc != 0) {
		x->store->ops->rollback(x->store);
		return rc;
	}
	printf(_("unit '%s' removed from the directory\n"), c->argv[0]);
	return 0;
}

const struct cli_cmd cmd_unit_add_entry = { "unit", "add", "<name>", 1, 1,
	unit_add_opts, CMD_STORE | CMD_JSON, N_("add a unit to the county's directory without a station (e.g. 县人民政府)"),
	unit_add };
const struct cli_cmd cmd_unit_list_entry = { "unit", "list", NULL, 0, 0,
	NULL, CMD_STORE | CMD_JSON, N_("list the county's unit directory: the stations' units and those added"),
	unit_list };
const struct cli_cmd cmd_unit_remove_entry = { "unit", "remove", "<name>",
	1, 1, NULL, CMD_STORE, N_("remove a unit added without a station from the directory"),
	unit_remove };
