/*
 * cmd-user.c - the dashboard's accounts (accounts.h): user add, list,
 * disable, enable, passwd; and audit, the log of logins and changes.
 *
 * A password is read from standard input (its first line), so that
 * scripts can give it without a command line other users may read; at a
 * terminal it is asked for twice, not echoed. Every change is audited as
 * done from the command line ("cli").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "accounts.h"
#include "cjson.h"
#include "cmd.h"
#include "journal.h"
#include "ltime.h"
#include "roles.h"
#include "store.h"
#include "text.h"
#include "util.h"

#define PASSWORD_MAX 256

/* Reads a line of stdin into buf without its newline; prompt and no
 * echo at a terminal. 0, -1 at the end of input, -2 for a line too
 * long. */
static int
read_line(const char *prompt, char buf[PASSWORD_MAX])
{
	struct termios old, quiet;
	int tty = isatty(0), ok;
	size_t n;

	if (tty) {
		fputs(prompt, stderr);
		tcgetattr(0, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(0, TCSAFLUSH, &quiet);
	}
	ok = fgets(buf, PASSWORD_MAX, stdin) != NULL;
	if (tty) {
		tcsetattr(0, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (!ok)
		return -1;
	/* A line longer than the buffer: never cut a password short. */
	if (strchr(buf, '\n') == NULL && !feof(stdin))
		return -2;
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return 0;
}

/* The new password's hash into hash. Returns 0 or an exit code. */
static int
new_password(struct cli *c, char hash[ACCOUNT_HASH_LEN])
{
	struct server_ctx *x = c->app;
	char pw[PASSWORD_MAX], again[PASSWORD_MAX];
	int rc;

	if ((rc = read_line(_("New password: "), pw)) == -2)
		return cli_error(c, EXIT_INVALID, _("a password has at most %d "
		    "bytes"), PASSWORD_MAX - 2);
	if (rc != 0)
		return cli_usage_error(c, _("no password on standard input"));
	if (isatty(0) && (read_line(_("Again: "), again) != 0 ||
	    strcmp(pw, again) != 0)) {
		memset(pw, 0, sizeof pw);
		return cli_error(c, EXIT_INVALID, _("the passwords differ"));
	}
	if (!utf8_valid(pw, strlen(pw))) {
		memset(pw, 0, sizeof pw);
		return cli_error(c, EXIT_INVALID, _("the password is not UTF-8"));
	}
	rc = account_hash(pw, hash, x->err);
	memset(pw, 0, sizeof pw);
	memset(again, 0, sizeof again);
	return rc == LD_EINVAL ? cli_error(c, EXIT_INVALID, "%s", x->err) :
	    rc != 0 ? server_fail(c, rc) : 0;
}

/* Inside the caller's transaction: a name taken is refused, then the
 * journal's line (journal.h, rule 7: before the database, and only for a
 * change that can be made), the account and the audit. 0, or the store's
 * or the journal's error in err. */
static int
save_held(struct server_ctx *x, const struct account *a, const char *event,
    int drop_sessions, int adding)
{
	struct store *s = x->store;
	const struct account_ops *o = s->ops->accounts;
	struct account old;
	char *path;
	int rc;

	if (adding) {
		memset(&old, 0, sizeof old);
		rc = o->get(s, a->name, &old, x->err);
		account_release(&old);
		if (rc == 0)
			return ld_fail(x->err, LD_EEXIST,
			    _("account '%s' exists already"), a->name);
		if (rc != LD_ENOTFOUND)
			return rc;
	}
	path = server_journal_path(x);
	rc = journal_account(path, s, a, x->err);
	free(path);
	if (rc == 0)
		rc = adding ? o->add(s, a, x->err) : o->put(s, a, x->err);
	if (rc == 0 && drop_sessions)
		rc = o->session_drop(s, NULL, a->name, x->err);
	if (rc == 0)
		rc = o->audit_add(s, ltime_now(), a->name, "cli", event, "",
		    x->err);
	return rc;
}

/* Adds a and audits it, in one transaction. Returns 0 or an exit code. */
static int
add(struct cli *c, const struct account *a)
{
	struct server_ctx *x = c->app;
	struct store *s = x->store;
	int rc;

	if ((rc = s->ops->begin(s, x->err)) == 0) {
		if ((rc = save_held(x, a, "account-added", 0, 1)) == 0)
			rc = s->ops->commit(s, x->err);
		if (rc != 0)
			s->ops->rollback(s);
	}
	if (rc == LD_EEXIST)
		return cli_error(c, EXIT_INVALID, "%s", x->err);
	return rc != 0 ? server_fail(c, rc) : 0;
}

/* The account name's rules: a word people type, no spaces. */
static int
name_check(struct cli *c, const char *name)
{
	struct server_ctx *x = c->app;

	if (*name == '\0' || strpbrk(name, " \t") != NULL)
		return cli_error(c, EXIT_INVALID,
		    _("an account name is one word: '%s'"), name);
	if (text_check("name", name, ACCOUNT_NAME_MAX, 0, x->err) != 0)
		return server_fail(c, LD_EINVAL);
	return account_name_valid(name) ? 0 : server_fail(c, LD_EINVAL);
}

static const struct cli_opt add_opts[] = {
	{ "role", CLI_VALUE, "ROLE", N_("government (county leadership), bureau, legal, department, township, police or admin (required)") },
	{ "unit", CLI_VALUE, "UNIT", N_("the person's unit, in the county's directory (required)") },
	{ NULL, 0, NULL, NULL },
};

static int
user_add(struct cli *c)
{
	struct server_ctx *x = c->app;
	const char *name = c->argv[0], *role = cli_value(c, "role");
	const char *unit = cli_value(c, "unit");
	struct account a;
	int rc, known;

	if ((rc = name_check(c, name)) != 0)
		return rc;
	if (role == NULL || unit == NULL)
		return cli_usage_error(c, _("missing required option --%s"),
		    role == NULL ? "role" : "unit");
	if (!role_valid(role))
		return cli_error(c, EXIT_INVALID, _("unknown role '%s'"), role);
	if ((rc = x->store->ops->unit_known(x->store, unit, &known,
	    x->err)) != 0)
		return server_fail(c, rc);
	if (!known)
		return cli_error(c, EXIT_INVALID, _("unit '%s' is not in the "
		    "county's directory (liandong-server unit add)"), unit);
	memset(&a, 0, sizeof a);
	ld_strlcpy(a.name, name, sizeof a.name);
	a.unit = xstrdup(unit);
	a.role = xstrdup(role);
	a.created_at = a.changed_at = ltime_now();
	if ((rc = new_password(c, a.hash)) == 0 &&
	    (rc = add(c, &a)) == 0)
		printf(_("account '%s' added (%s, %s)\n"), name, role, unit);
	account_release(&a);
	return rc;
}

/* The account argv[0] into a. Returns 0 or an exit code. */
static int
get(struct cli *c, struct account *a)
{
	struct server_ctx *x = c->app;
	int rc = x->store->ops->accounts->get(x->store, c->argv[0], a, x->err);

	if (rc == LD_ENOTFOUND)
		return cli_error(c, EXIT_NOTFOUND, "%s", x->err);
	return rc != 0 ? server_fail(c, rc) : 0;
}

/*
 * Changes the account argv[0] as the database holds it, read in the
 * transaction that writes it (so that two commands at once each keep the
 * other's change): disabled when disabled >= 0, the password hash when
 * hash is not NULL. Audits event; drop_sessions ends its sessions. The
 * account as written into a. Returns 0 or an exit code.
 */
static int
change(struct cli *c, struct account *a, int disabled, const char *hash,
    const char *event, int drop_sessions)
{
	struct server_ctx *x = c->app;
	struct store *s = x->store;
	int rc;

	if ((rc = s->ops->begin(s, x->err)) != 0)
		return server_fail(c, rc);
	if ((rc = get(c, a)) == 0) {
		if (disabled >= 0)
			a->disabled = disabled;
		if (hash != NULL)
			ld_strlcpy(a->hash, hash, sizeof a->hash);
		a->changed_at = ltime_now();
		if ((rc = save_held(x, a, event, drop_sessions, 0)) == 0)
			rc = s->ops->commit(s, x->err);
		if (rc != 0)
			rc = server_fail(c, rc);
	}
	if (rc != 0)
		s->ops->rollback(s);
	return rc;
}

static int
set_disabled(struct cli *c, int disabled)
{
	struct account a;
	int rc;

	memset(&a, 0, sizeof a);
	/* Disabling ends its sessions at once. */
	rc = change(c, &a, disabled, NULL, disabled ? "account-disabled" :
	    "account-enabled", disabled);
	if (rc == 0)
		printf(disabled ? _("account '%s' disabled: its sessions ended\n") :
		    _("account '%s' enabled\n"), a.name);
	account_release(&a);
	return rc;
}

static int
user_disable(struct cli *c)
{
	return set_disabled(c, 1);
}

static int
user_enable(struct cli *c)
{
	return set_disabled(c, 0);
}

static int
user_passwd(struct cli *c)
{
	struct account a;
	char hash[ACCOUNT_HASH_LEN];
	int rc;

	/* An unknown name is said before the password is asked for. */
	memset(&a, 0, sizeof a);
	if ((rc = get(c, &a)) != 0)
		return rc;
	account_release(&a);
	memset(&a, 0, sizeof a);
	if ((rc = new_password(c, hash)) == 0 &&
	    (rc = change(c, &a, -1, hash, "password-changed", 1)) == 0)
		printf(_("password of '%s' changed: its sessions ended\n"),
		    a.name);
	account_release(&a);
	return rc;
}

static int
user_list(struct cli *c)
{
	struct server_ctx *x = c->app;
	struct account *v;
	char t[LTIME_LEN];
	size_t n, i;
	int rc;

	if ((rc = x->store->ops->accounts->list(x->store, &v, &n, x->err)) != 0)
		return server_fail(c, rc);
	if (cli_common_flag(c, "json")) {
		json_t *d = out_doc("users"), *arr = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:b,"
			    " s:I, s:I}", "name", v[i].name, "role", v[i].role,
			    "unit", v[i].unit, "disabled", v[i].disabled,
			    "created_at", (json_int_t)v[i].created_at,
			    "last_login", (json_int_t)v[i].last_login));
		json_object_set_new(d, "users", arr);
		out_json(d);
	} else {
		printf("%-16s %-12s %-10s %-18s %s\n", _("NAME"), _("ROLE"),
		    _("STATE"), _("LAST LOGIN"), _("UNIT"));
		for (i = 0; i < n; i++) {
			if (v[i].last_login != 0)
				ltime_short(v[i].last_login, t);
			else
				strcpy(t, "-");
			printf("%-16s %-12s %-10s %-18s %s\n", v[i].name, v[i].role,
			    v[i].disabled ? _("disabled") : _("active"), t,
			    v[i].unit);
		}
	}
	accounts_free(v, n);
	return 0;
}

/* s with every control character a '?': what a log entry says, never
 * a line or an escape of its own on the reader's terminal. New string. */
static char *
printable(const char *s)
{
	char *out = xstrdup(s), *p;

	for (p = out; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return out;
}

static int
print_entry(const json_t *e, void *arg)
{
	char t[LTIME_LEN], *ev, *who, *from;

	if (arg != NULL) {
		json_array_append((json_t *)arg, (json_t *)e);
		return 0;
	}
	ltime_short(json_integer_value(json_object_get(e, "at")), t);
	ev = printable(cjson_str(e, "event"));
	who = printable(cjson_str(e, "account"));
	from = printable(cjson_str(e, "address"));
	printf("%-17s %-18s %-16s %s\n", t, ev, who, from);
	free(ev);
	free(who);
	free(from);
	return 0;
}

static const struct cli_opt audit_opts[] = {
	{ "since", CLI_VALUE, "DATE", N_("only entries from this day or time on") },
	{ NULL, 0, NULL, NULL },
};

static int
audit(struct cli *c)
{
	struct server_ctx *x = c->app;
	const char *since = cli_value(c, "since");
	json_t *arr = NULL;
	int64_t from = 0;
	int rc;

	if (since != NULL && ltime_parse(since, &from) != 0)
		return cli_error(c, EXIT_INVALID, _("invalid date '%s' for --%s"),
		    since, "since");
	if (cli_common_flag(c, "json"))
		arr = json_array();
	else
		printf("%-17s %-18s %-16s %s\n", _("AT"), _("EVENT"), _("ACCOUNT"),
		    _("ADDRESS"));
	rc = x->store->ops->accounts->audit_each(x->store, from, print_entry,
	    arr, x->err);
	if (rc != 0) {
		json_decref(arr);
		return server_fail(c, rc);
	}
	if (arr != NULL) {
		json_t *d = out_doc("audit");
		json_object_set_new(d, "entries", arr);
		out_json(d);
	}
	return 0;
}

const struct cli_cmd cmd_user_add_entry = { "user", "add", "<name>", 1, 1,
	add_opts, CMD_STORE,
	N_("add an account for the county's dashboard (the password on standard input)"),
	user_add };
const struct cli_cmd cmd_user_list_entry = { "user", "list", NULL, 0, 0,
	NULL, CMD_STORE | CMD_JSON, N_("the dashboard's accounts"), user_list };
const struct cli_cmd cmd_user_disable_entry = { "user", "disable", "<name>",
	1, 1, NULL, CMD_STORE,
	N_("disable an account and end its sessions"), user_disable };
const struct cli_cmd cmd_user_enable_entry = { "user", "enable", "<name>",
	1, 1, NULL, CMD_STORE, N_("enable an account again"), user_enable };
const struct cli_cmd cmd_user_passwd_entry = { "user", "passwd", "<name>",
	1, 1, NULL, CMD_STORE,
	N_("set an account's password (on standard input) and end its sessions"),
	user_passwd };
const struct cli_cmd cmd_audit_entry = { "audit", NULL, NULL, 0, 0,
	audit_opts, CMD_STORE | CMD_JSON,
	N_("the log of logins, lock-outs, account changes and exports"), audit };
