/*
 * cmd-serve.c - liandong-server serve: the HTTPS service in the
 * foreground, its limits, and its reload on SIGHUP.
 *
 * Everything serve runs on is a `struct serving`, made whole from
 * server.conf, the command line and the files they name; a reload makes a
 * new one and replaces the running one only when all of it is good.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "blobs.h"
#include "calendar.h"
#include "cmd.h"
#include "codec.h"
#include "hash.h"
#include "http.h"
#include "log.h"
#include "paths.h"
#include "projection.h"
#include "proto.h"
#include "rules.h"
#include "textfile.h"
#include "tls.h"
#include "util.h"

static const struct cli_opt serve_opts[] = {
	{ "listen", CLI_VALUE, "ADDR:PORT", N_("override server.conf (port 0: any free port)") },
	{ "port-file", CLI_VALUE, "FILE", N_("write the port listened on to FILE") },
	{ "insecure-http", CLI_FLAG, NULL, N_("plain HTTP, no TLS: only for local tests") },
	{ "threads", CLI_VALUE, "N", N_("worker threads (default 4)") },
	{ "max-auth-failures", CLI_VALUE, "N", N_("failed codes or tokens per address or station a minute before 429 (default 20)") },
	{ "max-clock-ahead", CLI_VALUE, "SECONDS", N_("how far an event's clock may lead the server's (default 3600, server.conf max_clock_ahead; 0: no bound)") },
	{ "max-routes", CLI_VALUE, "N", N_("events one push may route, widening included (default 20000, server.conf max_routes; 0: no bound)") },
	{ NULL, 0, NULL, NULL },
};

/* given (an option's value) or else conf (server.conf's), as a whole
 * number from 0 to max; a bad one is a config error naming name. */
static int
limit_value(const char *name, const char *given, const char *conf,
    long long max, int64_t *out, char *err)
{
	const char *v = given;
	long long n;

	if (v == NULL)
		v = conf;
	if (ld_number(v, 0, max, &n, NULL) != 0)
		return ld_fail(err, LD_ECONFIG,
		    _("%s must be a whole number from 0 to %lld, not '%s'"), name,
		    max, v);
	*out = n;
	return 0;
}

/* The next CA ([server] next_ca), announced to every station before the
 * server's certificate changes to one it signs: a file of PEM
 * certificates, refused when it holds none. */
static int
load_next_ca(const struct server_conf *conf, struct api *api, char *err)
{
	char *path = server_in_dir(conf->dir, conf->next_ca), *pem = NULL;
	int rc = textfile_read(path, 1 << 20, &pem, err);

	if (rc == 0 && strstr(pem, "-----BEGIN CERTIFICATE-----") == NULL)
		rc = ld_fail(err, LD_ECONFIG,
		    _("next_ca '%s' holds no PEM certificate"), path);
	if (rc == 0)
		api_set_next_ca(api, pem);
	else if (rc != LD_ECONFIG)
		rc = ld_fail(err, LD_ECONFIG, _("cannot read next_ca '%s'"), path);
	free(pem);
	free(path);
	return rc;
}

/* The county's rule profile ([server] rules: an installed profile's name
 * or a file, profile_path), sent to every station. */
static int
load_profile(const struct server_conf *conf, struct api *api, char *err)
{
	struct profile *prof = NULL;
	int rc;

	if (conf->rules[0] == '\0')
		return 0;
	if ((rc = profile_load_setting(conf->rules, &prof, err)) == 0)
		api_set_profile(api, prof);
	profile_free(prof);
	return rc;
}

/*
 * The county's holiday calendars, sent to every station with the profile
 * so that every station counts working days the same way: [server]
 * calendar, else $LIANDONG_CALENDAR, else the shipped ones. A bad file
 * stops the server (a station must never count on a broken schedule); a
 * missing directory only sends none, with a warning.
 */
static int
load_calendar(const struct server_conf *conf, struct api *api, char *err)
{
	const char *env = getenv("LIANDONG_CALENDAR");
	struct calendar *cal = calendar_new();
	json_t *texts = json_array();
	char *dir;
	int rc;

	if (conf->calendar[0] != '\0')
		dir = server_in_dir(conf->dir, conf->calendar);
	else if (env != NULL && *env != '\0')
		dir = xstrdup(env);
	else
		dir = xasprintf("%s/calendar", paths_data());
	rc = calendar_load_dir_texts(cal, dir, texts, err);
	if (rc == LD_ECONFIG) {
		log_line("warn", "event=calendar result=missing dir=%s", dir);
		rc = 0;
	} else if (rc == 0 && json_array_size(texts) > 0)
		api_set_calendar(api, texts);
	else if (rc != 0)
		rc = LD_ECONFIG;
	err[0] = rc == 0 ? '\0' : err[0];
	calendar_free(cal);
	json_decref(texts);
	free(dir);
	return rc;
}

/* The connection limits of server.conf (docs/protocol.md, "Limits"). */
static int
conn_limits(const struct server_conf *conf, struct http_config *hc,
    char *err)
{
	int64_t conns = 0, per = 0, kib = 0, idle = 0, wait = 0;
	int rc;

	if ((rc = limit_value("max_connections", NULL, conf->max_connections,
	    100000, &conns, err)) != 0 ||
	    (rc = limit_value("max_connections_per_address", NULL,
	    conf->max_connections_per_address, 100000, &per, err)) != 0 ||
	    (rc = limit_value("max_inflight_kib", NULL, conf->max_inflight_kib,
	    INT32_MAX, &kib, err)) != 0 ||
	    (rc = limit_value("idle_timeout", NULL, conf->idle_timeout, 86400,
	    &idle, err)) != 0 ||
	    (rc = limit_value("queue_wait", NULL, conf->queue_wait, 3600,
	    &wait, err)) != 0)
		return rc;
	/* One address may hold a quarter of it: room for one whole push. */
	if (conns == 0 || per == 0 || idle == 0 || wait == 0 ||
	    (size_t)kib * 1024 / 4 < PROTO_MAX_BODY)
		return ld_fail(err, LD_ECONFIG,
		    _("max_connections, max_connections_per_address, idle_timeout and queue_wait must be above 0, max_inflight_kib at least %u"),
		    4 * PROTO_MAX_BODY / 1024);
	hc->max_conns = (unsigned)conns;
	hc->max_conns_per_address = (unsigned)per;
	hc->max_inflight = (size_t)kib * 1024;
	hc->timeout = (unsigned)idle;
	hc->queue_wait = (unsigned)wait;
	return 0;
}

/*
 * What serve runs on, made from server.conf, the command line and the
 * files they name: the listener's settings with the certificate and key,
 * the codec, and the API holding the county's profile, calendars and
 * limits. A new one is made whole before it replaces the one that runs,
 * so that a reload that fails changes nothing (reload).
 */
struct serving;
static int open_blobs(const struct server_conf *conf, struct serving *sv,
    char *err);

struct serving {
	struct http_config hc; /* address, cert_pem, key_pem: the fields below */
	char *addr;
	char *cert, *key;      /* PEM texts; NULL with --insecure-http */
	char pin[HASH_B64];    /* of the certificate's key; "-" without */
	int64_t cert_expires;  /* the certificate's end (ms); 0: unknown */
	struct codec *codec;
	struct api *api;       /* borrows the codec and the store */
	char *journal;         /* journal.h's file, lent to the api */
	struct http_server *hs; /* while it listens */
	struct blobs *blobs;   /* attachments' files, lent to the api */
};

/* The attachments' files (blobs.h) where the store is: the server
 * directory's blobs/ beside SQLite, the database's tables on PostgreSQL
 * (shared by every instance), with server.conf's limits, lent to the
 * api. */
static int
open_blobs(const struct server_conf *conf, struct serving *sv, char *err)
{
	struct blobs_limits l;
	char *dir, *url;
	int rc;

	if ((rc = limit_value("attachment_max_kib", NULL,
	    conf->attachment_max_kib, INT64_MAX / 1024, &l.max_size, err)) != 0 ||
	    (rc = limit_value("attachment_quota_kib", NULL,
	    conf->attachment_quota_kib, INT64_MAX / 1024, &l.station_quota,
	    err)) != 0 ||
	    (rc = limit_value("attachment_inflight_kib", NULL,
	    conf->attachment_inflight_kib, INT64_MAX / 1024, &l.max_inflight,
	    err)) != 0 ||
	    (rc = limit_value("attachment_station_inflight_kib", NULL,
	    conf->attachment_station_inflight_kib, INT64_MAX / 1024,
	    &l.station_inflight, err)) != 0 ||
	    (rc = limit_value("attachment_part_days", NULL,
	    conf->attachment_part_days, 36500, &l.part_ttl_ms, err)) != 0)
		return rc;
	l.max_size *= 1024;
	l.station_quota *= 1024;
	l.max_inflight *= 1024;
	l.station_inflight *= 1024;
	l.part_ttl_ms *= 86400 * 1000LL;
	dir = server_in_dir(conf->dir, "blobs");
	url = server_store_url(conf->dir, conf->db);
	rc = blobs_open_store(dir, url, &l, &sv->blobs, err);
	free(url);
	free(dir);
	if (rc == 0)
		sv->api->blobs = sv->blobs;
	return rc;
}

static void
serving_free(struct serving *sv)
{
	if (sv == NULL)
		return;
	http_stop(sv->hs);
	if (sv->api != NULL) {
		api_release(sv->api);
		free(sv->api);
	}
	codec_free(sv->codec);
	blobs_free(sv->blobs);
	free(sv->journal);
	free(sv->cert);
	free(sv->key);
	free(sv->addr);
	free(sv);
}

/* A serving from conf and the command line, to listen on listen
 * (ADDR:PORT). Returns 0 or an LD_E* code with err. */
static int
serving_new(struct cli *c, const struct server_conf *conf, const char *listen,
    struct serving **out, char *err)
{
	struct server_ctx *x = c->app;
	struct serving *sv = xcalloc(1, sizeof *sv);
	const char *th = cli_value(c, "threads");
	const char *maf = cli_value(c, "max-auth-failures");
	char *colon, *dictpath;
	long long n;
	int rc = 0;

	*out = NULL;
	sv->addr = xstrdup(listen);
	if ((colon = strrchr(sv->addr, ':')) == NULL) {
		rc = ld_fail(err, LD_ECONFIG, _("listen must be ADDR:PORT, not '%s'"),
		    listen);
		goto out;
	}
	*colon = '\0';
	if (ld_number(colon + 1, 0, 65535, &n, NULL) != 0) {
		rc = ld_fail(err, LD_ECONFIG,
		    _("the port of listen must be a number from 0 to 65535,"
		    " not '%s'"), colon + 1);
		goto out;
	}
	sv->hc.port = (unsigned)n;
	if (ld_number(th ? th : "4", 1, 256, &n, NULL) != 0) {
		rc = ld_fail(err, LD_ECONFIG,
		    _("--threads must be a number from 1 to 256, not '%s'"), th);
		goto out;
	}
	sv->hc.threads = (unsigned)n;
	ld_strlcpy(sv->pin, "-", sizeof sv->pin);
	sv->hc.address = sv->addr;
	sv->hc.max_body = PROTO_MAX_BODY;
	sv->hc.admit = api_admit;
	if ((rc = conn_limits(conf, &sv->hc, err)) != 0)
		goto out;
	sv->hc.tls_priorities = conf->tls_priorities;
	if ((rc = tls_priorities_check(sv->hc.tls_priorities, err)) != 0)
		goto out;
	if (!cli_flag(c, "insecure-http")) {
		char *cp = server_in_dir(conf->dir, conf->cert);
		char *kp = server_in_dir(conf->dir, conf->key);
		textfile_read(cp, 1 << 20, &sv->cert, NULL);
		textfile_read(kp, 1 << 20, &sv->key, NULL);
		/* The certificate is parsed here first: a clear message, and
		 * libmicrohttpd never sees one that does not parse (its
		 * failure leaks inside GnuTLS). A key that does not match it
		 * fails in http_start. */
		if (sv->cert == NULL || sv->key == NULL)
			rc = ld_fail(err, LD_ECONFIG,
			    _("cannot read certificate '%s' or key '%s'"), cp, kp);
		else
			rc = tls_cert_pin(cp, sv->pin, err);
		if (rc == 0 && tls_cert_expiry(cp, &sv->cert_expires, NULL) != 0)
			sv->cert_expires = 0;
		free(cp);
		free(kp);
		if (rc != 0)
			goto out;
		sv->hc.cert_pem = sv->cert;
		sv->hc.key_pem = sv->key;
	}
	if (conf->dict[0] != '\0') {
		dictpath = server_in_dir(conf->dir, conf->dict);
		rc = codec_load(dictpath, 3, &sv->codec, err);
		free(dictpath);
	} else
		rc = codec_new(NULL, 0, 3, &sv->codec, err);
	if (rc != 0)
		goto out;
	sv->api = xcalloc(1, sizeof *sv->api);
	api_init(sv->api, x->store, sv->codec);
	{
		/* Admission checks tokens on a connection of its own
		 * (api.h); without one, on the store, under the API's lock. */
		char *db = server_store_url(conf->dir, conf->db);
		char rerr[LD_ERRLEN];
		struct store *reader;

		if (store_open(db, 0, x->vault, &reader, rerr) == 0)
			api_set_reader(sv->api, reader);
		else
			log_line("warn", "event=reader result=failed msg=\"%s\"",
			    rerr);
		/* And the dashboard's figures on a third (api.h). */
		if (store_open(db, 0, x->vault, &reader, rerr) == 0)
			api_set_figures(sv->api, reader);
		else
			log_line("warn", "event=figures-reader result=failed "
			    "msg=\"%s\"", rerr);
		/* Several instances may share a PostgreSQL database: the
		 * failed credentials are counted there too (api.h, shared). */
		if (store_is_pg(db)) {
			if (store_open(db, 0, x->vault, &reader, rerr) == 0)
				api_set_shared_throttle(sv->api, reader);
			else
				log_line("warn", "event=throttle result=not-shared"
				    " msg=\"%s\"", rerr);
		}
		free(db);
	}
	sv->journal = server_journal_path(x);
	sv->api->journal = sv->journal;
	sv->api->county = xstrdup(conf->county != NULL ? conf->county : "");
	sv->api->plain_http = cli_flag(c, "insecure-http");
	sv->api->cert_expires = sv->cert_expires;
	if (maf != NULL && ld_number(maf, 1, 1000000, &n, NULL) != 0) {
		rc = ld_fail(err, LD_ECONFIG, _("--max-auth-failures must be a"
		    " number from 1 to 1000000, not '%s'"), maf);
		goto out;
	}
	if (maf != NULL)
		sv->api->max_auth_failures = (int)n;
	if ((rc = limit_value("max-clock-ahead", cli_value(c,
	    "max-clock-ahead"), conf->max_clock_ahead, INT64_MAX / 1000,
	    &sv->api->max_clock_ahead_ms, err)) != 0 ||
	    (rc = limit_value("max-routes", cli_value(c, "max-routes"),
	    conf->max_routes, INT32_MAX, &sv->api->max_routes, err)) != 0)
		goto out;
	sv->api->max_clock_ahead_ms *= 1000;
	if ((rc = open_blobs(conf, sv, err)) != 0)
		goto out;
	if ((rc = load_profile(conf, sv->api, err)) == 0)
		rc = load_calendar(conf, sv->api, err);
	if (rc == 0 && conf->next_ca[0] != '\0')
		rc = load_next_ca(conf, sv->api, err);
out:
	if (rc != 0)
		serving_free(sv);
	else
		*out = sv;
	return rc;
}

/* The handler of the listener that only tries a certificate: whoever
 * reaches it in that moment is served nothing (never the store, which
 * the running listener's lock guards). */
static void
refuse_all(void *app, const struct http_request *req,
    struct http_response *resp)
{
	http_error(resp, 503, "reloading");
}

/* Lets a new serving take the old one's failed-credential counts (a
 * reload must not reset anyone's throttle), or gives them back. */
static void
swap_throttle(struct serving *a, struct serving *b)
{
	struct api_throttle *t = a->api->throttle;

	a->api->throttle = b->api->throttle;
	b->api->throttle = t;
}

/*
 * SIGHUP: reads server.conf again, and the certificate, key, dictionary,
 * rule profile and calendars it names, and when all of it is good
 * replaces the listener by one with them on the same address and port.
 * The new certificate and key are first tried on a listener of their own
 * (any free port on 127.0.0.1, serving nothing), so one that GnuTLS
 * refuses never stops the old one.
 * Requests in progress when the listener changes are cut (a station
 * retries: pushing again is harmless). listen and db keep the values the
 * server started with (a change needs a restart, and is logged). Whatever
 * fails leaves the old serving as it was, and is logged. Returns 0, or
 * LD_ENET when no listener is left (the old one could not start again).
 */
static int
reload(struct cli *c, struct serving **cur)
{
	struct server_ctx *x = c->app;
	struct serving *old = *cur, *new = NULL;
	struct server_conf conf;
	struct http_server *probe;
	struct http_config pc;
	char err[LD_ERRLEN], *listen;
	int rc;

	err[0] = '\0';
	memset(&conf, 0, sizeof conf);
	conf.dir = xstrdup(x->conf.dir);
	listen = xasprintf("%s:%u", old->addr, http_port(old->hs));
	if ((rc = server_conf_read(&conf, err)) == 0)
		rc = serving_new(c, &conf, listen, &new, err);
	free(listen);
	if (rc == 0 && new->hc.cert_pem != NULL) {
		pc = new->hc;
		pc.address = "127.0.0.1";
		pc.port = 0;
		pc.threads = 1;
		if ((rc = http_start(&pc, refuse_all, NULL, &probe, err)) == 0)
			http_stop(probe);
		else
			ld_fail(err, rc, _("the certificate and key are refused (a key that does not match?), or no port is free to try them"));
	}
	if (rc == 0) {
		http_stop(old->hs);
		old->hs = NULL;
		swap_throttle(new, old);
		if ((rc = http_start(&new->hc, api_handle, new->api, &new->hs,
		    err)) != 0) {
			swap_throttle(new, old);
			if (http_start(&old->hc, api_handle, old->api, &old->hs,
			    NULL) != 0) {
				log_line("error", "event=reload result=failed"
				    " listener=lost reason=\"%s\"", err);
				serving_free(new);
				server_conf_release(&conf);
				return LD_ENET;
			}
		}
	}
	if (rc != 0) {
		log_line("error", "event=reload result=failed kept=old reason=\"%s\"",
		    err);
		serving_free(new);
		server_conf_release(&conf);
		return 0;
	}
	log_line("info", "event=reload result=ok cert=%s pin=%s%s rules=%s"
	    " calendars=%zu dict=%u max_clock_ahead=%s max_routes=%s",
	    new->cert == NULL ? "none" : old->cert != NULL &&
	    strcmp(old->cert, new->cert) == 0 ? "same" : "new",
	    new->cert != NULL ? "sha256//" : "", new->pin,
	    *conf.rules ? conf.rules : "none",
	    json_array_size(new->api->calendar), codec_dict_id(new->codec),
	    conf.max_clock_ahead, conf.max_routes);
	if (cli_value(c, "listen") == NULL &&
	    strcmp(conf.listen, x->conf.listen) != 0)
		log_line("warn", "event=reload listen=%s running=%s"
		    " note=restart-to-apply", conf.listen, x->conf.listen);
	if (strcmp(conf.db, x->conf.db) != 0)
		log_line("warn", "event=reload db=%s running=%s"
		    " note=restart-to-apply", conf.db, x->conf.db);
	/* The running listen and db stay what x->conf says. */
	free(conf.listen);
	free(conf.db);
	conf.listen = x->conf.listen;
	conf.db = x->conf.db;
	x->conf.listen = x->conf.db = NULL;
	server_conf_release(&x->conf);
	x->conf = conf;
	serving_free(old);
	*cur = new;
	return 0;
}

/* The signals serve waits for: SIGTERM and SIGINT stop, SIGHUP reloads.
 * main blocks them before serve opens anything, so that a reload asked
 * while it starts is kept for it rather than killing it, and every
 * thread starts with them blocked. */
void
serve_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

/*
 * A socket per connection, and a few files besides (the database, its
 * journal, the log): the soft limit on open files is raised to the hard
 * one, and a limit below max_connections is said in the log (connections
 * past it are refused by the kernel's accept, not by the server).
 */
static void
more_files(unsigned max_conns)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)max_conns + 64)
		log_line("warn", "event=open-files limit=%llu max_connections=%u"
		    " msg=\"the open files limit is below max_connections:"
		    " raise it (LimitNOFILE= in the systemd unit)\"",
		    (unsigned long long)rl.rlim_cur, max_conns);
}

/*
 * The service in the foreground, until SIGTERM or SIGINT; SIGHUP reloads
 * (reload). This thread waits for the signals, blocked everywhere.
 */
static int
serve(struct cli *c)
{
	struct server_ctx *x = c->app;
	const char *listen = cli_value(c, "listen");
	const char *pf = cli_value(c, "port-file");
	struct serving *sv;
	sigset_t set;
	int sig = 0, rc;

	if (listen == NULL)
		listen = x->conf.listen;
	if ((rc = serving_new(c, &x->conf, listen, &sv, x->err)) != 0)
		return server_fail(c, rc);
	/* The county's stored projections, rebuilt now if they are not this
	 * release's rather than under the first report, whose rebuild would
	 * hold the write lock while stations push (projection.h); when they
	 * are, nothing is written (the records marked since are the first
	 * report's to refold). Not fatal: the first report tries again. */
	if (projection_rebuild(x->store, 0, NULL, x->err) != 0)
		log_line("warn", "event=projections-rebuild result=failed"
		    " msg=\"%s\"", x->err);
	serve_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	more_files(sv->hc.max_conns);
	if ((rc = http_start(&sv->hc, api_handle, sv->api, &sv->hs,
	    x->err)) != 0) {
		serving_free(sv);
		return server_fail(c, rc);
	}
	/* Port 0 took any free port: a reload keeps the one taken. */
	sv->hc.port = http_port(sv->hs);
	log_line("info", "event=listen address=%s port=%u tls=%s dict=%u pin=%s%s",
	    sv->addr, http_port(sv->hs), sv->cert ? "yes" : "NO",
	    codec_dict_id(sv->codec), sv->cert ? "sha256//" : "", sv->pin);
	if (pf != NULL) {
		char *tmp = xasprintf("%s.tmp", pf);
		FILE *f = fopen(tmp, "w");
		if (f != NULL) {
			fprintf(f, "%u\n", http_port(sv->hs));
			fclose(f);
			rename(tmp, pf);
		}
		free(tmp);
	}
	for (;;) {
		if (sigwait(&set, &sig) != 0 || sig != SIGHUP)
			break;
		if ((rc = reload(c, &sv)) != 0)
			break;
	}
	if (rc == 0)
		log_line("info", "event=stop signal=%d", sig);
	serving_free(sv);
	return rc == 0 ? 0 : cli_error(c, EXIT_UNREACHABLE,
	    _("no listener left after a reload: see the log"));
}

const struct cli_cmd cmd_serve_entry = { "serve", NULL, NULL, 0, 0,
	serve_opts, CMD_STORE, N_("run the HTTPS service in the foreground (SIGHUP reloads server.conf and the certificate, SIGTERM stops it)"),
	serve };
