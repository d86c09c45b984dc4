/*
 * cmd-station.c - the county's stations: station add, list, revoke,
 * reissue and remove.
 *
 * A station is added with a one-time enrolment code, which it trades for
 * a token at its first request. Every change of a station's credentials
 * goes to the journal (journal.h) before the database, so that a
 * database restored from an older backup gets it back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "event.h"
#include "figures.h"
#include "hash.h"
#include "journal.h"
#include "log.h"
#include "ltime.h"
#include "roles.h"
#include "store.h"
#include "text.h"
#include "tls.h"
#include "util.h"

static const struct cli_opt add_opts[] = {
	{ "name", CLI_VALUE, "STATION", N_("station id: lowercase letters, digits, '-', '_' (required)") },
	{ "unit", CLI_VALUE, "UNIT", N_("the unit it belongs to, e.g. 龙羊峡镇 (required)") },
	{ "role", CLI_VALUE, "ROLE", N_("township (default), department, bureau, legal, police, government or admin") },
	{ "expires", CLI_VALUE, "HOURS", N_("how long the enrolment code is valid (default 72)") },
	{ NULL, 0, NULL, NULL },
};

static int
unit_role_check(struct cli *c, const char *unit, const char *role)
{
	struct server_ctx *x = c->app;
	struct station_rec *recs;
	char declared[ROLE_LEN];
	size_t n, i;
	int rc;

	if ((rc = x->store->ops->station_list(x->store, &recs, &n, x->err)) != 0)
		return server_fail(c, rc);
	for (i = 0; rc == 0 && i < n; i++)
		if (strcmp(recs[i].unit, unit) == 0 &&
		    strcmp(recs[i].role, role) != 0)
			rc = cli_error(c, EXIT_INVALID,
			    _("%s already has station '%s' as %s: a unit has one role"),
			    unit, recs[i].name, recs[i].role);
	station_recs_free(recs, n);
	if (rc == 0 && (rc = server_declared_role(c, unit, declared)) == 0 &&
	    *declared != '\0' && strcmp(declared, role) != 0)
		rc = cli_error(c, EXIT_INVALID,
		    _("%s is in the directory as %s: a unit has one role"), unit,
		    declared);
	return rc;
}

static int
journal_append_station(struct server_ctx *x, const struct station_rec *r)
{
	char *path = server_journal_path(x);
	int rc = journal_station(path, x->store, r, x->err);

	free(path);
	return rc;
}

/*
 * The station as the database holds it, in a transaction that holds it
 * (store.h, station_lock) until station_put or station_let_go: a sync of
 * it that a serving instance (this host's, or another's on a shared
 * PostgreSQL) stores meanwhile waits, and is not written over with the
 * older head, cursor or epoch read here, nor this change with its.
 */
static int
station_take(struct server_ctx *x, const char *name, struct station_rec *r)
{
	int rc;

	memset(r, 0, sizeof *r);
	if ((rc = x->store->ops->begin(x->store, x->err)) != 0)
		return rc;
	if ((rc = x->store->ops->station_lock(x->store, name, r,
	    x->err)) != 0)
		x->store->ops->rollback(x->store);
	return rc;
}

static void
station_let_go(struct server_ctx *x)
{
	x->store->ops->rollback(x->store);
}

/* Journals r (journal.h: the journal first), writes it and commits. */
static int
station_put(struct server_ctx *x, const struct station_rec *r)
{
	int rc;

	if ((rc = journal_append_station(x, r)) == 0 &&
	    (rc = x->store->ops->station_update(x->store, r, x->err)) == 0)
		return x->store->ops->commit(x->store, x->err);
	x->store->ops->rollback(x->store);
	return rc;
}

/* --expires HOURS of an enrolment code, when given, into *hours. */
static int
code_hours(struct cli *c, const char *exp, long *hours)
{
	long long n;

	if (exp == NULL)
		return 0;
	if (ld_number(exp, 1, 24 * 365, &n, NULL) != 0)
		return cli_error(c, EXIT_INVALID,
		    _("--expires must be 1 to 8760 hours"));
	*hours = (long)n;
	return 0;
}

/*
 * Inside the transaction station_add holds: the role (the unit's, if the
 * county declared it with one, else "township") and the checks that need
 * the database, then the journal's line and the station (journal.h, rule
 * 7: a name taken is refused before the line). r->role is pointed at
 * the role, which role_buf holds when it is the unit's. 0 or an exit
 * code.
 */
static int
station_add_held(struct cli *c, struct station_rec *r, const char *role,
    char role_buf[ROLE_LEN])
{
	struct server_ctx *x = c->app;
	struct station_rec had;
	int rc;

	if (role == NULL) {
		if ((rc = server_declared_role(c, r->unit, role_buf)) != 0)
			return rc;
		role = *role_buf != '\0' ? role_buf : "township";
	}
	if (!role_valid(role))
		return cli_error(c, EXIT_INVALID, _("unknown role '%s'"), role);
	r->role = (char *)role;
	if ((rc = unit_role_check(c, r->unit, role)) != 0)
		return rc;
	rc = x->store->ops->station_get(x->store, r->name, &had, x->err);
	if (rc == 0) {
		station_rec_release(&had);
		rc = ld_fail(x->err, LD_EEXIST,
		    _("station '%s' already exists"), r->name);
	} else if (rc == LD_ENOTFOUND &&
	    (rc = journal_append_station(x, r)) == 0)
		rc = x->store->ops->station_add(x->store, r, x->err);
	return rc != 0 ? server_fail(c, rc) : 0;
}

static int
station_add(struct cli *c)
{
	struct server_ctx *x = c->app;
	const char *name = cli_value(c, "name"), *unit = cli_value(c, "unit");
	const char *role = cli_value(c, "role"), *exp = cli_value(c, "expires");
	struct station_rec r;
	char code[32], given[ROLE_LEN];
	long hours = 72;
	int rc;

	if (name == NULL || unit == NULL)
		return cli_usage_error(c, _("missing required option --%s"),
		    name == NULL ? "name" : "unit");
	if (!station_id_valid(name))
		return cli_error(c, EXIT_INVALID, _("invalid station id '%s'"),
		    name);
	if ((rc = text_check("unit", unit, UNIT_MAX, 0, x->err)) != 0 ||
	    unit[0] == '\0')
		return rc ? server_fail(c, rc) : cli_error(c, EXIT_INVALID,
		    _("--unit must not be empty"));
	if (role != NULL && !role_valid(role))
		return cli_error(c, EXIT_INVALID, _("unknown role '%s'"), role);
	if ((rc = code_hours(c, exp, &hours)) != 0)
		return rc;
	random_code(12, code);
	memset(&r, 0, sizeof r);
	ld_strlcpy(r.name, name, sizeof r.name);
	r.unit = (char *)unit;
	r.added_at = ltime_now();
	r.code_expires = r.added_at + hours * 3600 * 1000;
	hash_hex(code, strlen(code), r.code_hash);
	/* The station and, for a role that sees more, what it sees already,
	 * in one transaction with its journal line. */
	if ((rc = x->store->ops->begin(x->store, x->err)) != 0)
		return server_fail(c, rc);
	if ((rc = station_add_held(c, &r, role, given)) == 0 &&
	    (rc = x->store->ops->commit(x->store, x->err)) != 0)
		rc = server_fail(c, rc);
	if (rc != 0) {
		x->store->ops->rollback(x->store);
		return rc;
	}
	if (cli_common_flag(c, "json")) {
		json_t *o = out_doc("station.add");
		json_object_set_new(o, "station", json_string(name));
		json_object_set_new(o, "unit", json_string(unit));
		json_object_set_new(o, "code", json_string(code));
		out_json(o);
	} else {
		printf(ngettext("station '%s' (%s) added; enrolment code, valid %ld hour, once:\n",
		    "station '%s' (%s) added; enrolment code, valid %ld hours, once:\n",
		    (unsigned long)hours), name, unit, hours);
		printf("%s\n", code);
	}
	return 0;
}

static const char *
station_status(const struct station_rec *r)
{
	return figures_station_status(r, ltime_now());
}

/* Days before the certificate's end when station list warns. */
#define CERT_WARN_DAYS 30

/* Says when the server's certificate ends: as "certificate_expires" (ms)
 * in o, or a line on stdout, with a warning on stderr in its last
 * CERT_WARN_DAYS days: stations cannot sync once it has ended. */
static void
cert_expiry(struct server_ctx *x, json_t *o)
{
	char *path = server_in_dir(x->conf.dir, x->conf.cert), t[LTIME_LEN];
	int64_t end, days;

	if (tls_cert_expiry(path, &end, NULL) == 0) {
		days = (end - ltime_now()) / (24 * 3600 * 1000LL);
		ltime_short(end, t);
		if (o != NULL)
			json_object_set_new(o, "certificate_expires",
			    json_integer(end));
		else
			printf(ngettext("certificate: valid until %s (%lld day)\n",
			    "certificate: valid until %s (%lld days)\n",
			    (unsigned long)days), t, (long long)days);
		if (days < CERT_WARN_DAYS)
			fprintf(stderr, _("liandong-server: warning: the server's certificate '%s' ends on %s: put a new one in place (docs/operations.md) before stations can no longer sync\n"),
			    path, t);
	}
	free(path);
}

static int
station_list(struct cli *c)
{
	struct server_ctx *x = c->app;
	struct station_rec *recs;
	json_t *arr = json_array();
	size_t n, i;
	int rc;

	if ((rc = x->store->ops->station_list(x->store, &recs, &n, x->err)) != 0) {
		json_decref(arr);
		return server_fail(c, rc);
	}
	if (!cli_common_flag(c, "json"))
		printf("%-16s %-8s %-10s %-17s %8s %8s  %s\n", _("STATION"),
		    _("STATUS"), _("ROLE"), _("LAST SYNC"), _("EVENTS"),
		    _("BACKLOG"), _("UNIT"));
	for (i = 0; i < n; i++) {
		int64_t backlog = 0;
		char t[LTIME_LEN] = "-";

		if ((rc = x->store->ops->backlog(x->store, recs[i].unit,
		    recs[i].name, recs[i].cursor, &backlog, x->err)) != 0)
			break;
		if (recs[i].last_sync)
			ltime_short(recs[i].last_sync, t);
		if (cli_common_flag(c, "json")) {
			json_t *o = json_object();
			json_object_set_new(o, "station", json_string(recs[i].name));
			json_object_set_new(o, "unit", json_string(recs[i].unit));
			json_object_set_new(o, "role", json_string(recs[i].role));
			json_object_set_new(o, "status",
			    json_string(station_status(&recs[i])));
			json_object_set_new(o, "last_sync",
			    json_integer(recs[i].last_sync));
			json_object_set_new(o, "events",
			    json_integer(recs[i].head_seq));
			json_object_set_new(o, "backlog", json_integer(backlog));
			json_array_append_new(arr, o);
		} else
			printf("%-16s %-8s %-10s %-17s %8lld %8lld  %s\n",
			    recs[i].name, station_status(&recs[i]), recs[i].role,
			    t, (long long)recs[i].head_seq, (long long)backlog,
			    recs[i].unit);
	}
	if (rc != 0) {
		json_decref(arr);
		station_recs_free(recs, n);
		return server_fail(c, rc);
	}
	if (cli_common_flag(c, "json")) {
		json_t *o = out_doc("station.list");
		json_object_set(o, "stations", arr);
		cert_expiry(x, o);
		out_json(o);
	} else
		cert_expiry(x, NULL);
	json_decref(arr);
	station_recs_free(recs, n);
	return 0;
}

static const struct cli_opt reissue_opts[] = {
	{ "expires", CLI_VALUE, "HOURS", N_("how long the new code is valid (default 72)") },
	{ NULL, 0, NULL, NULL },
};

/*
 * A new enrolment code for a station that exists: a lost laptop, a token
 * file deleted, a revocation taken back. Its id, unit, role and the chain
 * the server holds of it are kept; its old token stops working now. The
 * station enrols again with the code and syncs on from where it was.
 */
static int
station_reissue(struct cli *c)
{
	struct server_ctx *x = c->app;
	const char *exp = cli_value(c, "expires");
	struct station_rec r;
	char code[32];
	long hours = 72;
	int rc;

	if ((rc = code_hours(c, exp, &hours)) != 0)
		return rc;
	if ((rc = station_take(x, c->argv[0], &r)) != 0)
		return server_fail(c, rc);
	random_code(12, code);
	hash_hex(code, strlen(code), r.code_hash);
	r.code_expires = ltime_now() + hours * 3600 * 1000;
	r.token_hash[0] = '\0';
	r.revoked_at = 0;
	rc = station_put(x, &r);
	station_rec_release(&r);
	if (rc != 0)
		return server_fail(c, rc);
	log_line("warn", "event=reissue station=%s", c->argv[0]);
	printf(ngettext("station '%s' has a new enrolment code, valid %ld hour, once (its old token no longer works):\n",
	    "station '%s' has a new enrolment code, valid %ld hours, once (its old token no longer works):\n",
	    (unsigned long)hours), c->argv[0], hours);
	printf("%s\n", code);
	return 0;
}

/* Removes a station added by mistake: one the server holds no event of.
 * The check, the journal's line and the removal in one transaction
 * (journal.h, rule 7). */
static int
station_remove(struct cli *c)
{
	struct server_ctx *x = c->app;
	struct station_rec r;
	char *path;
	int rc;

	if ((rc = x->store->ops->begin(x->store, x->err)) != 0)
		return server_fail(c, rc);
	if ((rc = x->store->ops->station_get(x->store, c->argv[0], &r,
	    x->err)) == 0) {
		if (r.head_seq > 0)
			rc = ld_fail(x->err, LD_EEXIST,
			    _("station '%s' has events on the server: revoke it instead"),
			    c->argv[0]);
		station_rec_release(&r);
	}
	if (rc == 0) {
		path = server_journal_path(x);
		rc = journal_station_removed(path, x->store, c->argv[0],
		    x->err);
		free(path);
	}
	if (rc == 0 && (rc = x->store->ops->station_remove(x->store,
	    c->argv[0], x->err)) == 0)
		rc = x->store->ops->commit(x->store, x->err);
	if (rc != 0)
		x->store->ops->rollback(x->store);
	if (rc == LD_EEXIST)
		return cli_error(c, EXIT_INVALID, "%s", x->err);
	if (rc != 0)
		return server_fail(c, rc);
	printf(_("station '%s' removed\n"), c->argv[0]);
	return 0;
}

static int
station_revoke(struct cli *c)
{
	struct server_ctx *x = c->app;
	struct station_rec r;
	int rc;

	if ((rc = station_take(x, c->argv[0], &r)) != 0)
		return server_fail(c, rc);
	if (r.revoked_at == 0) {
		r.revoked_at = ltime_now();
		r.token_hash[0] = '\0';
		r.code_hash[0] = '\0';
		rc = station_put(x, &r);
	} else
		station_let_go(x);
	station_rec_release(&r);
	if (rc != 0)
		return server_fail(c, rc);
	printf(_("station '%s' revoked\n"), c->argv[0]);
	return 0;
}

const struct cli_cmd cmd_station_add_entry = { "station", "add", NULL, 0, 0,
	add_opts, CMD_STORE | CMD_JSON, N_("add a station; prints its one-time enrolment code"),
	station_add };
const struct cli_cmd cmd_station_list_entry = { "station", "list", NULL, 0, 0,
	NULL, CMD_STORE | CMD_JSON, N_("list stations with their last sync and backlog"),
	station_list };
const struct cli_cmd cmd_station_revoke_entry = { "station", "revoke",
	"<station>", 1, 1, NULL, CMD_STORE, N_("revoke a station's token (effective on its next request)"),
	station_revoke };
const struct cli_cmd cmd_station_reissue_entry = { "station", "reissue",
	"<station>", 1, 1, reissue_opts, CMD_STORE,
	N_("a new enrolment code for a station (lost laptop, revoked by mistake); its old token stops working"),
	station_reissue };
const struct cli_cmd cmd_station_remove_entry = { "station", "remove",
	"<station>", 1, 1, NULL, CMD_STORE,
	N_("remove a station added by mistake (one that never pushed an event)"),
	station_remove };
