/*
 * cmd-init.c - liandong-server init: a new server directory, with
 * server.conf written as the example conf/server.conf (every key and its
 * comment), the database, the identity key and a trial CA and
 * certificate.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "hash.h"
#include "paths.h"
#include "rules.h"
#include "store.h"
#include "text.h"
#include "tls.h"
#include "util.h"
#include "vault.h"

static const struct cli_opt init_opts[] = {
	{ "county", CLI_VALUE, "NAME", N_("the county this server serves, e.g. 共和县 (required)") },
	{ "listen", CLI_VALUE, "ADDR:PORT", N_("where to listen (default 127.0.0.1:8443)") },
	{ "dict", CLI_VALUE, "FILE", N_("zstd dictionary to use (default: the one shipped; 'none' for none)") },
	{ "rules", CLI_VALUE, "PROFILE", N_("the county's rule profile: an installed one (gonghe, gu, yicheng, baijiantan, yantai), a file, or 'none'") },
	{ "hostname", CLI_LIST, "NAME", N_("a name stations reach the server by, put in the trial certificate (repeat for several)") },
	{ "ip", CLI_LIST, "ADDR", N_("an address stations reach the server at, put in the trial certificate (repeat)") },
	{ "store", CLI_VALUE, "URL", N_("the database: a PostgreSQL URL (postgresql://...) of an existing, empty database; default: server.db (SQLite) in the directory") },
	{ NULL, 0, NULL, NULL },
};

/* The dictionary init writes into server.conf: --dict ('none': none),
 * else $LIANDONG_DICT, else the shipped one when it is there. */
static char *
init_dict(const char *opt)
{
	char *shipped;

	if (opt != NULL)
		return xstrdup(strcmp(opt, "none") == 0 ? "" : opt);
	if ((opt = getenv("LIANDONG_DICT")) != NULL)
		return xstrdup(opt);
	shipped = xasprintf("%s/liandong.dict", paths_data());
	if (access(shipped, R_OK) == 0)
		return shipped;
	free(shipped);
	return xstrdup("");
}

/* server.conf as init writes it: the keys and comments of the example
 * conf/server.conf, with this county's values (t0050 compares them). */
static int
write_conf(FILE *f, const char *county, const char *listen, const char *db,
    const char *dict, const char *rules)
{
	fprintf(f, "; Liandong county server, made by 'liandong-server init'. Every key:\n"
	    "; liandong-server.conf(5). Relative paths are in this directory.\n"
	    "; SIGHUP (systemctl reload liandong-server) reads it again.\n"
	    "\n[server]\n"
	    "; the county this server serves (the database keeps its own copy)\n"
	    "county = %s\n"
	    "; where to listen, ADDR:PORT; a change needs a restart\n"
	    "listen = %s\n"
	    "; the database: a SQLite file, or a PostgreSQL URL\n"
	    "; (postgresql://...); a change needs a restart\n"
	    "db = %s\n"
	    "; the TLS certificate (PEM, chain after it) and its key: a trial\n"
	    "; certificate made by init; set your own for production\n"
	    "cert = server.pem\n"
	    "key = server-key.pem\n"
	    "; zstd dictionary shared with the stations (empty: none)\n"
	    "dict = %s\n"
	    "; the county's rule profile, sent to every station: a shipped\n"
	    "; profile's name or a file (empty: none)\n"
	    "rules = %s\n"
	    "; holiday calendars (<year>.ini), sent to every station (empty:\n"
	    "; $LIANDONG_CALENDAR, else the shipped ones)\n"
	    "calendar =\n"
	    "; seconds an event's clock may lead this server's (0: no bound)\n"
	    "max_clock_ahead = 3600\n"
	    "; routes one push may make, widening included (0: no bound)\n"
	    "max_routes = 20000\n"
	    "; connections in all, and from one client address\n"
	    "max_connections = 4000\n"
	    "max_connections_per_address = 64\n"
	    "; KiB of request bodies read at once (one address: a quarter)\n"
	    "max_inflight_kib = 65536\n"
	    "; seconds before an idle connection is closed\n"
	    "idle_timeout = 60\n"
	    "; seconds a request may wait for its turn before 503 and Retry-After\n"
	    "queue_wait = 20\n"
	    "; debug, info, warn or error: the least level logged\n"
	    "log_level = info\n"
	    "; GnuTLS priority string (empty: TLS 1.2/1.3, AEAD only)\n"
	    "tls_priorities =\n"
	    "; the CA of the next certificate, announced to stations (empty: none)\n"
	    "next_ca =\n"
	    "; KiB of one attachment's file, of all one station sends, of\n"
	    "; the files being received at once and of one station's of them\n"
	    "; (0: no bound); days a part not written is kept (0: for ever)\n"
	    "attachment_max_kib = 102400\n"
	    "attachment_quota_kib = 4194304\n"
	    "attachment_inflight_kib = 1048576\n"
	    "attachment_station_inflight_kib = 262144\n"
	    "attachment_part_days = 14\n", county, listen, db, dict, rules);
	return fflush(f) != 0 || ferror(f) ? -1 : 0;
}

static int
server_init(struct cli *c)
{
	struct server_ctx *x = c->app;
	const char *county = cli_value(c, "county");
	const char *listen = cli_value(c, "listen");
	const char *rules = cli_value(c, "rules");
	const char *store = cli_value(c, "store");
	struct profile *prof = NULL;
	char pin[HASH_B64];
	char *path = NULL, *dict = NULL;
	FILE *f;
	int rc;

	if (county == NULL)
		return cli_usage_error(c, _("missing required option --county"));
	if (store != NULL && !store_is_pg(store))
		return cli_usage_error(c, _("--store takes a PostgreSQL URL"
		    " (postgresql://...); leave it out for SQLite"));
	if ((rc = text_check("county", county, 40, 0, x->err)) != 0)
		return server_fail(c, rc);
	/* "none" is the explicit choice of no profile; leaving --rules out
	 * is allowed (a trial server) but said, since no deadline is then
	 * counted anywhere in the county. */
	if (rules != NULL && strcmp(rules, "none") == 0)
		rules = "";
	else if (rules != NULL) {
		rc = profile_load_setting(rules, &prof, x->err);
		profile_free(prof);
		if (rc != 0)
			return server_fail(c, rc);
	} else {
		char *names = profile_installed();
		fprintf(stderr, _("liandong-server: warning: no rule profile "
		    "(--rules): no deadline will be counted, here or on the "
		    "stations; give --rules with %s or a file, or --rules none to "
		    "say so (later: rules = in server.conf, then reload)\n"),
		    *names ? names : "-");
		free(names);
	}
	if (mkdir(x->conf.dir, 0700) != 0 && errno != EEXIST)
		return cli_error(c, EXIT_CONFIG, _("cannot create '%s': %s"),
		    x->conf.dir, strerror(errno));
	path = xasprintf("%s/server.conf", x->conf.dir);
	if (access(path, F_OK) == 0) {
		rc = cli_error(c, EXIT_DATABASE,
		    _("'%s' already exists: this directory has a server"), path);
		goto out;
	}
	{
		json_t *hosts = json_array(), *ips = cli_list(c, "ip"), *v;
		unsigned char a[16];
		size_t i;

		json_array_extend(hosts, cli_list(c, "hostname"));
		json_array_foreach(ips, i, v)
			if (inet_pton(AF_INET, json_string_value(v), a) != 1 &&
			    inet_pton(AF_INET6, json_string_value(v), a) != 1) {
				rc = cli_error(c, EXIT_INVALID,
				    _("--ip '%s' is not an IP address"),
				    json_string_value(v));
				json_decref(hosts);
				goto out;
			}
		json_array_extend(hosts, ips);
		rc = tls_make_trial_certs(x->conf.dir, county, hosts, pin, x->err);
		json_decref(hosts);
	}
	if (rc != 0) {
		rc = server_fail(c, rc);
		goto out;
	}
	free(x->conf.db);
	x->conf.db = xstrdup(store != NULL ? store : "server.db");
	if ((rc = server_open_store(c, 1)) != 0)
		goto out;
	if ((rc = x->store->ops->meta_set(x->store, "county", county,
	    x->err)) != 0) {
		rc = server_fail(c, rc);
		goto out;
	}
	dict = init_dict(cli_value(c, "dict"));
	if ((f = fopen(path, "w")) == NULL ||
	    write_conf(f, county, listen ? listen : "127.0.0.1:8443",
	    x->conf.db, dict, rules ? rules : "") != 0) {
		rc = cli_error(c, EXIT_CONFIG, _("cannot write '%s': %s"), path,
		    strerror(errno));
		if (f != NULL)
			fclose(f);
		goto out;
	}
	if (fclose(f) != 0) {
		rc = cli_error(c, EXIT_CONFIG, _("cannot write '%s': %s"), path,
		    strerror(errno));
		goto out;
	}
	printf(_("county server for %s initialized in %s\n"), county,
	    x->conf.dir);
	printf(_("trial CA certificate: %s/ca.pem\n"), x->conf.dir);
	printf(_("server key pin: sha256//%s\n"), pin);
	printf(_("identity key: %s/%s (back it up apart from the database)\n"),
	    x->conf.dir, VAULT_KEY_FILE);
out:
	free(dict);
	free(path);
	return rc;
}

const struct cli_cmd cmd_init_entry = { "init", NULL, NULL, 0, 0,
	init_opts, 0, N_("create a server directory: config, database, trial certificates"),
	server_init };
