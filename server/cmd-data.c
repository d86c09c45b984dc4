/*
 * cmd-data.c - what the database holds, for the county's administrator:
 * dump (every projection), due (every open obligation), backup (a copy
 * of the database while it serves) and verify (every attachment's file
 * read back and hashed again).
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blobs.h"
#include "cjson.h"
#include "cmd.h"
#include "due.h"
#include "figures.h"
#include "log.h"
#include "ltime.h"
#include "rules.h"
#include "store.h"
#include "util.h"

static const struct cli_opt dump_opts[] = {
	{ "unit", CLI_VALUE, "UNIT", N_("only what this unit may see") },
	{ "identities", CLI_FLAG, NULL, N_("also print complainants' names and phones (confidential: the use is logged)") },
	{ NULL, 0, NULL, NULL },
};

int
fold_all(struct cli *c, const char *unit,
    void (*fn)(const json_t *doc, void *arg), void *arg)
{
	struct server_ctx *x = c->app;
	int rc = figures_fold(x->store, unit, fn, arg, x->err);

	if (rc == LD_EINTEGRITY)
		return cli_error(c, EXIT_DATABASE, "%s", x->err);
	return rc != 0 ? server_fail(c, rc) : 0;
}

static void
print_doc(const json_t *doc, void *arg)
{
	char *text = cjson_encode(doc, NULL);

	printf("%s\n", text);
	free(text);
}

/* A projection without the complainant's identity. */
static void
print_doc_redacted(const json_t *doc, void *arg)
{
	json_t *d = json_copy((json_t *)doc);

	json_object_del(d, "identity");
	print_doc(d, arg);
	json_decref(d);
}

/* One log line, before anything is shown: who asked to see
 * complainants' identities, where, with which command (never what). */
static void
log_identities_shown(const char *command, const char *unit)
{
	struct passwd *pw = getpwuid(getuid());
	const char *sudo = getenv("SUDO_USER");

	log_line("notice", "event=identities-shown command=%s unit=%s uid=%ld"
	    " user=%s sudo_user=%s", command, unit != NULL ? unit : "(county)",
	    (long)getuid(), pw != NULL ? pw->pw_name : "?",
	    sudo != NULL && *sudo != '\0' ? sudo : "-");
}

static int
dump(struct cli *c)
{
	const char *unit = cli_value(c, "unit");

	if (!cli_flag(c, "identities"))
		return fold_all(c, unit, print_doc_redacted, NULL);
	log_identities_shown("dump", unit);
	return fold_all(c, unit, print_doc, NULL);
}

static const struct cli_opt due_opts[] = {
	{ "unit", CLI_VALUE, "UNIT", N_("only what this unit owes") },
	{ "overdue", CLI_FLAG, NULL, N_("only what is past its due time") },
	{ NULL, 0, NULL, NULL },
};

struct due_list {
	const char *unit;
	int overdue_only;
	json_t *out;
};

static void
due_one(const struct obligation *o, void *arg)
{
	struct due_list *l = arg;
	int overdue = o->due != DUE_NONE && ltime_now() > o->due;
	json_t *j;
	char t[LTIME_LEN];

	if ((l->unit != NULL && strcmp(l->unit, o->owed_by) != 0) ||
	    (l->overdue_only && !overdue))
		return;
	j = json_object();
	if (o->due != DUE_NONE) {
		ltime_format(o->due, t);
		json_object_set_new(j, "due", json_string(t));
	} else
		json_object_set_new(j, "due", json_null());
	json_object_set_new(j, "overdue", json_boolean(overdue));
	json_object_set_new(j, "owed_by", json_string(o->owed_by));
	json_object_set_new(j, "obligation", json_string(o->what));
	json_object_set_new(j, "record", json_string(o->entity));
	json_object_set_new(j, "rule", o->rule ? json_string(o->rule) :
	    json_null());
	json_object_set_new(j, "calendar_assumed", json_boolean(o->assumed));
	json_array_append_new(l->out, j);
}

static void
due_doc(const json_t *doc, void *arg)
{
	due_collect(doc, due_one, arg);
}

static int
by_due(const void *a, const void *b)
{
	const char *x = json_string_value(json_object_get(*(json_t *const *)a,
	    "due"));
	const char *y = json_string_value(json_object_get(*(json_t *const *)b,
	    "due"));

	if (x == NULL || y == NULL)
		return (x == NULL) - (y == NULL);
	return strcmp(x, y);
}

/*
 * The profile server.conf names, loaded to say which one new deadlines
 * are counted by: NULL, with a line on stderr, when it names none or one
 * that does not load (serve would refuse to start on that), so that a
 * county that counts nothing is told on every due.
 */
static struct profile *
due_profile(struct cli *c)
{
	struct server_ctx *x = c->app;
	struct profile *p = NULL;
	char why[LD_ERRLEN] = "";

	if (x->conf.rules == NULL || x->conf.rules[0] == '\0')
		fprintf(stderr, _("liandong-server: warning: no rule profile "
		    "(rules = in server.conf): the county and its stations count no "
		    "deadlines, so new records get no due time\n"));
	else if (profile_load_setting(x->conf.rules, &p, why) != 0)
		fprintf(stderr, _("liandong-server: warning: no rule profile in "
		    "force: %s\n"), why);
	else if (p->n == 0)
		fprintf(stderr, _("liandong-server: note: the rule profile %s (%s) "
		    "sets no time for any obligation: nothing is ever overdue\n"),
		    p->name, p->county);
	return p;
}

static int
due(struct cli *c)
{
	struct due_list l;
	struct profile *prof = due_profile(c);
	json_t **v, *o;
	size_t n, i;
	int rc;

	l.unit = cli_value(c, "unit");
	l.overdue_only = cli_flag(c, "overdue");
	l.out = json_array();
	if ((rc = fold_all(c, NULL, due_doc, &l)) != 0) {
		json_decref(l.out);
		profile_free(prof);
		return rc;
	}
	n = json_array_size(l.out);
	v = xcalloc(n, sizeof *v);
	for (i = 0; i < n; i++)
		v[i] = json_array_get(l.out, i);
	qsort(v, n, sizeof *v, by_due);
	if (cli_common_flag(c, "json")) {
		json_t *doc = out_doc("due"), *arr = json_array();
		/* The profile new deadlines are counted by (null: none). */
		json_object_set_new(doc, "profile", prof != NULL ?
		    json_string(prof->name) : json_null());
		for (i = 0; i < n; i++)
			json_array_append(arr, v[i]);
		json_object_set_new(doc, "obligations", arr);
		out_json(doc);
	} else {
		printf("%-26s %-8s %-14s %s\n", _("DUE"), _("STATE"), _("RECORD"),
		    _("OWED BY / OBLIGATION"));
		for (i = 0; i < n; i++) {
			o = v[i];
			printf("%-26s %-8s %-14s %s: %s\n",
			    json_is_string(json_object_get(o, "due")) ?
			    json_string_value(json_object_get(o, "due")) : "-",
			    json_is_true(json_object_get(o, "overdue")) ?
			    "OVERDUE" : "due",
			    json_string_value(json_object_get(o, "record")),
			    json_string_value(json_object_get(o, "owed_by")),
			    _(json_string_value(json_object_get(o, "obligation"))));
		}
	}
	free(v);
	json_decref(l.out);
	profile_free(prof);
	return 0;
}

static int
backup(struct cli *c)
{
	struct server_ctx *x = c->app;
	int rc = x->store->ops->backup(x->store, c->argv[0], x->err);

	if (rc != 0)
		return server_fail(c, rc);
	printf(_("database copied to %s (identities sealed; the key files are not in it: back them up apart)\n"),
	    c->argv[0]);
	return 0;
}

static void
verify_bad(void *arg, const char *hash, const char *why)
{
	json_t *bad = arg;

	if (bad != NULL)
		json_array_append_new(bad, json_pack("{s:s, s:s}", "hash", hash,
		    "why", why));
	else
		printf(_("damaged: %s: %s\n"), hash, why);
}

/* Every attachment's file the county holds, wherever the store keeps
 * them (blobs/ beside SQLite, the database on PostgreSQL), read back
 * whole and hashed again: a disk that rotted a photo is found before a
 * unit asks for it. */
static int
verify(struct cli *c)
{
	struct server_ctx *x = c->app;
	struct blobs_limits none = { 0 };
	struct blobs *b;
	json_t *bad = cli_common_flag(c, "json") ? json_array() : NULL;
	char *dir = server_in_dir(x->conf.dir, "blobs");
	char *url = server_store_url(x->conf.dir, x->conf.db);
	int64_t held = 0, nbad = 0;
	int rc = blobs_open_store(dir, url, &none, &b, x->err);

	free(url);
	free(dir);
	if (rc == 0) {
		rc = blobs_verify(b, &held, &nbad, verify_bad, bad, x->err);
		blobs_free(b);
	}
	if (rc != 0) {
		json_decref(bad);
		return server_fail(c, rc);
	}
	if (bad != NULL) {
		json_t *doc = out_doc("verify");

		json_object_set_new(doc, "attachments", json_integer(held));
		json_object_set_new(doc, "damaged", bad);
		out_json(doc);
	} else
		printf(_("%lld attachments held, each re-hashed; %lld damaged\n"),
		    (long long)held, (long long)nbad);
	if (nbad > 0)
		return cli_error(c, EXIT_DATABASE,
		    _("%lld attachments do not hash to their names: restore them from a backup, or have a unit that holds them send them again"),
		    (long long)nbad);
	return 0;
}

const struct cli_cmd cmd_dump_entry = { "dump", NULL, NULL, 0, 0,
	dump_opts, CMD_STORE, N_("print every projection (canonical JSON, one per line)"),
	dump };
const struct cli_cmd cmd_due_entry = { "due", NULL, NULL, 0, 0,
	due_opts, CMD_STORE | CMD_JSON, N_("every open obligation in the county with its legal due time"),
	due };
const struct cli_cmd cmd_verify_entry = { "verify", NULL, NULL, 0, 0,
	NULL, CMD_STORE | CMD_JSON, N_("read every attachment's file back and hash it again"),
	verify };
const struct cli_cmd cmd_backup_entry = { "backup", NULL, "<file>", 1, 1,
	NULL, CMD_STORE, N_("copy the database, while it serves, to a new file only its owner may read"),
	backup };
