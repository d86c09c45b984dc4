/*
 * main.c - liandong-server: the county server's command table and what
 * runs before every command (server.conf, the identity keys, the
 * database), and the helpers its commands share (cmd.h).
 *
 * Its commands, by the file that holds them:
 *
 * cmd-init.c
 *   init            a server directory: server.conf, database, trial certs
 * cmd-station.c
 *   station add     a station and its one-time enrolment code
 *   station list    every station, its last sync and backlog
 *   station revoke  takes effect on the station's next request
 *   station reissue a new enrolment code; the old token stops working
 *   station remove  a station added by mistake (no events)
 * cmd-unit.c
 *   unit add        a unit of the county's directory without a station
 *   unit list       the directory: the stations' units and those added
 *   unit remove     takes back a unit added without a station
 * cmd-serve.c
 *   serve           the HTTPS service (foreground; SIGHUP reloads its
 *                   configuration and certificate, SIGTERM stops it)
 * cmd-data.c
 *   dump            projections as a unit sees them (for checks)
 *   due             every open obligation in the county
 *   backup          a copy of the database (mode 0600)
 * cmd-key.c
 *   key rotate      a new identity key; every identity re-sealed under it
 *
 * The server directory is --dir, else $LIANDONG_SERVER_DIR, else
 * ~/.local/share/liandong-server; it holds server.conf and whatever it
 * names with relative paths, and the identity key files (vault.h), which
 * every command that opens the database reads first (open_keys).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "conffile.h"
#include "journal.h"
#include "log.h"
#include "paths.h"
#include "store.h"
#include "util.h"
#include "vault.h"

int
server_fail(struct cli *c, int code)
{
	return cli_fail(c, code, ((struct server_ctx *)c->app)->err);
}

/* dir/name unless name is absolute. */
char *
server_in_dir(const char *dir, const char *name)
{
	return name[0] == '/' ? xstrdup(name) : xasprintf("%s/%s", dir, name);
}

char *
server_store_url(const char *dir, const char *db)
{
	return store_is_pg(db) ? xstrdup(db) : server_in_dir(dir, db);
}

static char *
default_dir(struct cli *c)
{
	const char *d = cli_common_value(c, "dir");
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");

	if (d != NULL && *d != '\0')
		return xstrdup(d);
	if ((d = getenv("LIANDONG_SERVER_DIR")) != NULL && *d != '\0')
		return xstrdup(d);
	if (xdg != NULL && *xdg != '\0')
		return xasprintf("%s/liandong-server", xdg);
	return xasprintf("%s/.local/share/liandong-server", home ? home : ".");
}

/* Every key of server.conf (conf/server.conf, liandong-server.conf(5)). */
static const struct conffile_key conf_keys[] = {
	{ "server", "county" },
	{ "server", "listen" },
	{ "server", "db" },
	{ "server", "cert" },
	{ "server", "key" },
	{ "server", "dict" },
	{ "server", "rules" },
	{ "server", "calendar" },
	{ "server", "max_clock_ahead" },
	{ "server", "max_routes" },
	{ "server", "max_connections" },
	{ "server", "max_connections_per_address" },
	{ "server", "max_inflight_kib" },
	{ "server", "idle_timeout" },
	{ "server", "queue_wait" },
	{ "server", "log_level" },
	{ "server", "tls_priorities" },
	{ "server", "next_ca" },
	{ "server", "attachment_max_kib" },
	{ "server", "attachment_quota_kib" },
	{ "server", "attachment_inflight_kib" },
	{ "server", "attachment_station_inflight_kib" },
	{ "server", "attachment_part_days" },
	{ NULL, NULL },
};

/* Only the keys of conf_keys reach it. */
static int
conf_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct server_conf *sc = user;
	char **slot = &sc->max_routes;

	if (strcmp(name, "county") == 0)
		slot = &sc->county;
	else if (strcmp(name, "listen") == 0)
		slot = &sc->listen;
	else if (strcmp(name, "db") == 0)
		slot = &sc->db;
	else if (strcmp(name, "cert") == 0)
		slot = &sc->cert;
	else if (strcmp(name, "key") == 0)
		slot = &sc->key;
	else if (strcmp(name, "dict") == 0)
		slot = &sc->dict;
	else if (strcmp(name, "rules") == 0)
		slot = &sc->rules;
	else if (strcmp(name, "calendar") == 0)
		slot = &sc->calendar;
	else if (strcmp(name, "max_clock_ahead") == 0)
		slot = &sc->max_clock_ahead;
	else if (strcmp(name, "max_connections") == 0)
		slot = &sc->max_connections;
	else if (strcmp(name, "max_connections_per_address") == 0)
		slot = &sc->max_connections_per_address;
	else if (strcmp(name, "max_inflight_kib") == 0)
		slot = &sc->max_inflight_kib;
	else if (strcmp(name, "idle_timeout") == 0)
		slot = &sc->idle_timeout;
	else if (strcmp(name, "queue_wait") == 0)
		slot = &sc->queue_wait;
	else if (strcmp(name, "log_level") == 0)
		slot = &sc->log_level;
	else if (strcmp(name, "tls_priorities") == 0)
		slot = &sc->tls_priorities;
	else if (strcmp(name, "next_ca") == 0)
		slot = &sc->next_ca;
	else if (strcmp(name, "attachment_max_kib") == 0)
		slot = &sc->attachment_max_kib;
	else if (strcmp(name, "attachment_quota_kib") == 0)
		slot = &sc->attachment_quota_kib;
	else if (strcmp(name, "attachment_inflight_kib") == 0)
		slot = &sc->attachment_inflight_kib;
	else if (strcmp(name, "attachment_station_inflight_kib") == 0)
		slot = &sc->attachment_station_inflight_kib;
	else if (strcmp(name, "attachment_part_days") == 0)
		slot = &sc->attachment_part_days;
	free(*slot);
	*slot = xstrdup(value);
	return 1;
}

void
server_conf_release(struct server_conf *sc)
{
	free(sc->dir);
	free(sc->county);
	free(sc->listen);
	free(sc->db);
	free(sc->cert);
	free(sc->key);
	free(sc->dict);
	free(sc->rules);
	free(sc->calendar);
	free(sc->max_clock_ahead);
	free(sc->max_routes);
	free(sc->max_connections);
	free(sc->max_connections_per_address);
	free(sc->max_inflight_kib);
	free(sc->idle_timeout);
	free(sc->queue_wait);
	free(sc->log_level);
	free(sc->tls_priorities);
	free(sc->next_ca);
	free(sc->attachment_max_kib);
	free(sc->attachment_quota_kib);
	free(sc->attachment_inflight_kib);
	free(sc->attachment_station_inflight_kib);
	free(sc->attachment_part_days);
}

/* Reads sc->dir's server.conf into sc, with the default of each key it
 * leaves out; warns (conffile.h) about keys it does not know. Returns 0
 * or LD_ECONFIG. */
int
server_conf_read(struct server_conf *sc, char *err)
{
	char *path = xasprintf("%s/server.conf", sc->dir);
	int rc = conffile_read(path, "liandong-server", conf_keys,
	    conf_handler, sc);

	if (rc < 0)
		rc = ld_fail(err, LD_ECONFIG,
		    _("cannot read '%s': %s (run 'liandong-server init')"), path,
		    strerror(errno));
	else if (rc > 0)
		rc = ld_fail(err, LD_ECONFIG, _("'%s': syntax error on line %d"),
		    path, rc);
	free(path);
	if (rc != 0)
		return rc;
#define DEFAULT(f, v) if (sc->f == NULL) sc->f = xstrdup(v)
	DEFAULT(county, "");
	DEFAULT(listen, "127.0.0.1:8443");
	DEFAULT(db, "server.db");
	DEFAULT(cert, "server.pem");
	DEFAULT(key, "server-key.pem");
	DEFAULT(dict, "");
	DEFAULT(rules, "");
	DEFAULT(calendar, "");
	DEFAULT(max_clock_ahead, "3600");
	DEFAULT(max_routes, "20000");
	DEFAULT(max_connections, "4000");
	DEFAULT(max_connections_per_address, "64");
	DEFAULT(max_inflight_kib, "65536");
	DEFAULT(idle_timeout, "60");
	DEFAULT(queue_wait, "20");
	DEFAULT(log_level, "info");
	DEFAULT(next_ca, "");
	DEFAULT(attachment_max_kib, "102400");
	DEFAULT(attachment_quota_kib, "4194304");
	DEFAULT(attachment_inflight_kib, "1048576");
	DEFAULT(attachment_station_inflight_kib, "262144");
	DEFAULT(attachment_part_days, "14");
#undef DEFAULT
	if (log_set_level(sc->log_level) != 0)
		return ld_fail(err, LD_ECONFIG,
		    _("log_level must be debug, info, warn or error, not '%s'"),
		    sc->log_level);
	return 0;
}

static int
load_conf(struct cli *c)
{
	struct server_ctx *x = c->app;
	int rc = server_conf_read(&x->conf, x->err);

	return rc != 0 ? server_fail(c, rc) : 0;
}

/*
 * Takes the directory's lock and reads the identity key files (vault.h).
 * A command that needs the directory alone (key rotate) takes it
 * exclusively or fails; any other takes it exclusively when it is free,
 * to finish what a crash left (keys_ready), else shared.
 */
static int
open_keys(struct cli *c)
{
	struct server_ctx *x = c->app;
	int alone = c->cmd != NULL && (c->cmd->flags & CMD_ALONE);
	int rc;

	rc = vault_lock(x->conf.dir, 1, &x->lock, x->err);
	x->lock_exclusive = rc == 0;
	if (rc == LD_ELOCKED && !alone)
		rc = vault_lock(x->conf.dir, 0, &x->lock, x->err);
	if (rc != 0)
		return server_fail(c, rc);
	x->vault = vault_new();
	return (rc = vault_load(x->vault, x->conf.dir, x->err)) != 0 ?
	    server_fail(c, rc) : 0;
}

/* The meta key set once every confidential event is sealed, those too
 * that a server older than the confidential column (SQLite's migration 8,
 * PostgreSQL's 3) kept in plain text: the attachments marked confidential,
 * held back from everyone then (an interim quarantine) but not sealed. */
#define META_CONFIDENTIAL_SEALED "confidential_sealed"

/*
 * After the database is open: ends a rotation a crash interrupted (only
 * with the lock exclusive), makes the key of a directory that has none,
 * and, the first time, seals every identity a server older than the key
 * files stored in plain text, in one transaction, then leaves nothing of
 * the plain texts in the files; and the first time after an upgrade over
 * the confidential column, the same for every confidential event
 * (META_CONFIDENTIAL_SEALED; sealing again what is sealed already under
 * the current key changes nothing of what it says, so a pass cut short
 * by a crash is simply done again).
 */
static int
keys_ready(struct cli *c, int create)
{
	struct server_ctx *x = c->app;
	struct store *s = x->store;
	const char *what;
	char *db_key = NULL;
	int64_t n = 0;
	int rc, unsealed = 0;

	rc = s->ops->meta_get(s, STORE_META_IDENTITY_KEY, &db_key, x->err);
	if (rc != 0 && rc != LD_ENOTFOUND)
		return server_fail(c, rc);
	rc = 0;
	if (vault_pending_id(x->vault) != NULL && x->lock_exclusive) {
		char *pending = xstrdup(vault_pending_id(x->vault));
		if ((rc = vault_recover(x->vault, x->conf.dir, db_key, &what,
		    x->err)) == 0 && what != NULL)
			log_line("warn", "event=key-rotate result=%s key=%s",
			    what, pending);
		free(pending);
	}
	if (rc == 0 && vault_current_id(x->vault) == NULL) {
		if (db_key != NULL)
			rc = ld_fail(x->err, LD_ECONFIG,
			    _("no key file '%s/%s', but the database's identities are sealed with key %s: restore the key file (docs/operations.md)"),
			    x->conf.dir, VAULT_KEY_FILE, db_key);
		else if ((rc = vault_create(x->vault, x->conf.dir,
		    x->err)) == 0 && !create) /* init says so itself */
			log_line("info", "event=identity-key result=created key=%s",
			    vault_current_id(x->vault));
	}
	if (rc == 0) {
		char *sealed = NULL;

		rc = s->ops->meta_get(s, META_CONFIDENTIAL_SEALED, &sealed,
		    x->err);
		free(sealed);
		if (rc == LD_ENOTFOUND)
			unsealed = 1;
		rc = rc == LD_ENOTFOUND ? 0 : rc;
	}
	if (rc == 0 && (db_key == NULL || unsealed)) {
		const char *id = vault_current_id(x->vault);
		if ((rc = s->ops->begin(s, x->err)) == 0 &&
		    (rc = s->ops->reseal(s, id, &n, x->err)) == 0 &&
		    (rc = s->ops->meta_set(s, STORE_META_IDENTITY_KEY, id,
		    x->err)) == 0 &&
		    (rc = s->ops->meta_set(s, META_CONFIDENTIAL_SEALED, "1",
		    x->err)) == 0)
			rc = s->ops->commit(s, x->err);
		if (rc != 0)
			s->ops->rollback(s);
		else if (n > 0) {
			char e[LD_ERRLEN];
			log_line("info", "event=identity-seal result=ok rows=%lld key=%s",
			    (long long)n, id);
			if (s->ops->compact(s, e) != 0)
				log_line("warn", "event=identity-seal result=not-compacted"
				    " hint=run-key-rotate-with-the-server-stopped");
		}
	}
	free(db_key);
	if (rc == 0 && x->lock_exclusive && !(c->cmd->flags & CMD_ALONE)) {
		vault_lock_downgrade(x->lock);
		x->lock_exclusive = 0;
	}
	return rc != 0 ? server_fail(c, rc) : 0;
}

/* The journal's path (journal.h); the caller frees it. NULL when the
 * store is PostgreSQL's, which keeps no journal (journal.h, rule 6). */
char *
server_journal_path(const struct server_ctx *x)
{
	if (x->conf.db != NULL && store_is_pg(x->conf.db))
		return NULL;
	return xasprintf("%s/%s", x->conf.dir, JOURNAL_FILE);
}

/* Brings the database up to the journal (a restored older database gets
 * back the credentials and units changed since its backup). */
static int
replay_journal(struct cli *c)
{
	struct server_ctx *x = c->app;
	char *path = server_journal_path(x);
	int64_t changed = 0;
	int rc = journal_replay(path, x->store, &changed, x->err);

	if (rc == 0 && changed > 0)
		log_line("warn", "event=journal result=replayed changed=%lld"
		    " hint=the-database-was-older-than-the-journal",
		    (long long)changed);
	free(path);
	return rc != 0 ? server_fail(c, rc) : 0;
}

int
server_open_store(struct cli *c, int create)
{
	struct server_ctx *x = c->app;
	char *db;
	int rc;

	if ((rc = open_keys(c)) != 0)
		return rc;
	/* db: a SQLite file (relative: in the server directory) or a
	 * PostgreSQL URL (store.h), taken as it is. */
	db = server_store_url(x->conf.dir, x->conf.db);
	rc = store_open(db, create, x->vault, &x->store, x->err);
	free(db);
	if (rc != 0)
		return server_fail(c, rc);
	if ((rc = keys_ready(c, create)) != 0)
		return rc;
	return replay_journal(c);
}

static const struct cli_cmd *const cmds[] = {
	&cmd_init_entry, &cmd_station_add_entry, &cmd_station_list_entry,
	&cmd_station_revoke_entry, &cmd_station_reissue_entry,
	&cmd_station_remove_entry, &cmd_unit_add_entry, &cmd_unit_list_entry,
	&cmd_unit_remove_entry, &cmd_user_add_entry, &cmd_user_list_entry,
	&cmd_user_disable_entry, &cmd_user_enable_entry, &cmd_user_passwd_entry,
	&cmd_audit_entry, &cmd_serve_entry, &cmd_dump_entry,
	&cmd_due_entry, &cmd_report_entry, &cmd_publish_entry, &cmd_key_rotate_entry,
	&cmd_backup_entry, &cmd_verify_entry, &cmd_instance_add_entry, NULL,
};

static const struct cli_opt common_opts[] = {
	{ "dir", CLI_VALUE, "DIR", N_("server directory (default: $LIANDONG_SERVER_DIR, ~/.local/share/liandong-server)") },
	{ "json", CLI_FLAG, NULL, N_("print one versioned JSON document") },
	{ "help", CLI_FLAG, NULL, N_("show this help") },
	{ NULL, 0, NULL, NULL },
};

static const struct cli_program program = {
	"liandong-server",
	N_("Liandong county server: receives every station's events and routes them."),
	cmds, common_opts,
	N_("Run 'liandong-server <command> --help' for its options."),
	CMD_JSON, LIANDONG_VERSION,
};

int
main(int argc, char **argv)
{
	struct server_ctx x;
	struct cli c;
	int rc;

	if ((rc = cli_start(program.name)) != 0)
		return rc;
	memset(&x, 0, sizeof x);
	x.lock = -1;
	rc = cli_parse(&program, argc - 1, argv + 1, &c);
	if (rc >= 0) {
		cli_release(&c);
		return rc;
	}
	c.app = &x;
	x.conf.dir = default_dir(&c);
	if (c.cmd == &cmd_serve_entry) {
		sigset_t set;
		serve_signals(&set);
		pthread_sigmask(SIG_BLOCK, &set, NULL);
	}
	if (c.cmd->flags & CMD_STORE) {
		if ((rc = load_conf(&c)) != 0 ||
		    (rc = server_open_store(&c, 0)) != 0)
			goto out;
	}
	rc = c.cmd->exec(&c);
out:
	if (x.store != NULL)
		x.store->ops->close(x.store);
	vault_free(x.vault);
	vault_unlock(x.lock);
	server_conf_release(&x.conf);
	cli_release(&c);
	return rc;
}
