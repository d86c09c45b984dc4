/*
 * cmd-sync.c - talking to the county server: enroll, sync, daemon, status.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "cmd.h"
#include "hash.h"
#include "log.h"
#include "ltime.h"
#include "net.h"
#include "out.h"
#include "sync.h"
#include "textfile.h"
#include "ui.h"

/*
 * The station's token file. Every command that talks to the server asks
 * for it first: the TLS sessions the server hands out are kept next to
 * it from then on (DB.tls-session, agent/net.c), so that the next run
 * resumes one instead of a full handshake.
 */
static char *
token_path(struct cmd_ctx *ctx)
{
	char *sp = xasprintf("%s.tls-session", ctx->db_path);

	net_keep_sessions(sp);
	free(sp);
	return xasprintf("%s.token", ctx->db_path);
}

static const struct cli_opt enroll_opts[] = {
	{ "ca", CLI_VALUE, "FILE", N_("CA certificate that signed the server's (PEM)") },
	{ "pin", CLI_VALUE, "SHA256", N_("or the server key's pin: sha256//BASE64 as 'liandong-server init' prints") },
	{ NULL, 0, NULL, NULL },
};

static void fill_opts(struct cmd_ctx *ctx, struct sync_opts *o, char *tp);

/* The CA file's PEM (*ca_pem) or the pin (*pinv, "sha256//..."), one of
 * them given. Returns 0 or an exit code (message printed). */
static int
read_trust(struct cmd_ctx *ctx, const char *ca, const char *pin,
    char **ca_pem, char **pinv)
{
	*ca_pem = *pinv = NULL;
	if (ca == NULL && pin == NULL)
		return cmd_usage_error(ctx,
		    _("give the server's CA (--ca FILE) or its key pin (--pin)"));
	if (ca != NULL) {
		if (textfile_read(ca, 1 << 20, ca_pem, ctx->err) != 0)
			return cmd_error(ctx, EXIT_CONFIG, "%s", ctx->err);
		if (strstr(*ca_pem, "-----BEGIN CERTIFICATE-----") == NULL) {
			free(*ca_pem);
			*ca_pem = NULL;
			return cmd_error(ctx, EXIT_CONFIG,
			    _("'%s' is not a PEM certificate"), ca);
		}
	}
	if (pin != NULL)
		*pinv = strncmp(pin, "sha256//", 8) == 0 ? xstrdup(pin) :
		    xasprintf("sha256//%s", pin);
	return 0;
}

/*
 * Points the station at the county server's new CA or key pin, for a
 * station that missed the announcement of it (docs/operations.md,
 * "Replacing the CA"): what it trusted before is forgotten.
 */
static int
cmd_trust(struct cmd_ctx *ctx)
{
	char *ca_pem, *pinv;
	int rc;

	if ((rc = read_trust(ctx, cmd_value(ctx, "ca"), cmd_value(ctx, "pin"),
	    &ca_pem, &pinv)) != 0)
		return rc;
	if ((rc = ledger_begin(ctx->lg, ctx->err)) == 0 &&
	    (rc = ledger_meta_set(ctx->lg, "server_ca", ca_pem ? ca_pem : "",
	    ctx->err)) == 0 &&
	    (rc = ledger_meta_set(ctx->lg, "server_pin", pinv ? pinv : "",
	    ctx->err)) == 0 &&
	    (rc = ledger_meta_set(ctx->lg, "next_ca", "", ctx->err)) == 0 &&
	    (rc = ledger_meta_set(ctx->lg, "next_ca_hash", "", ctx->err)) == 0)
		rc = ledger_commit(ctx->lg, ctx->err);
	else
		ledger_rollback(ctx->lg);
	free(ca_pem);
	free(pinv);
	if (rc != 0)
		return cmd_fail(ctx, rc);
	printf(_("the station now trusts %s for the county server\n"),
	    cmd_value(ctx, "ca") ? cmd_value(ctx, "ca") : cmd_value(ctx, "pin"));
	return 0;
}

const struct cmd_entry cmd_trust_entry = {
	{ "trust", NULL, NULL, 0, 0, enroll_opts, CMD_DB,
	    N_("trust the county server's new CA or key pin (after it changed)"),
	    NULL },
	cmd_trust,
};

static int
cmd_enroll(struct cmd_ctx *ctx)
{
	const char *url = ctx->cli.argv[0], *code = ctx->cli.argv[1];
	const char *ca = cmd_value(ctx, "ca"), *pin = cmd_value(ctx, "pin");
	char *ca_pem = NULL, *tp, *pinv = NULL;
	int rc;

	if (strncmp(url, "https://", 8) != 0 &&
	    !(strncmp(url, "http://", 7) == 0 &&
	    getenv("LIANDONG_INSECURE_HTTP") != NULL))
		return cmd_error(ctx, EXIT_INVALID,
		    _("server address must start with https://, not '%s'"), url);
	if ((rc = read_trust(ctx, ca, pin, &ca_pem, &pinv)) != 0)
		return rc;
	tp = token_path(ctx);
	rc = sync_enroll(ctx->lg, url, code, ca_pem, pinv, tp, ctx->err);
	free(ca_pem);
	free(pinv);
	if (rc == 0) {
		/* The first request with the token tells the server the
		 * answer arrived (the code is used up then); when it does not
		 * get through, the next sync does it. */
		struct sync_opts o;
		json_t *remote = NULL;
		char e[LD_ERRLEN];

		fill_opts(ctx, &o, tp);
		o.connect_timeout = 10;
		o.stall_timeout = 20;
		sync_remote_status(ctx->lg, &o, &remote, e);
		json_decref(remote);
		printf(_("station '%s' enrolled with %s; token in %s\n"),
		    ledger_station(ctx->lg), url, tp);
	}
	free(tp);
	return rc == 0 ? 0 : cmd_fail(ctx, rc);
}

const struct cmd_entry cmd_enroll_entry = {
	{ "enroll", NULL, "<https-url> <code>", 2, 2, enroll_opts, CMD_DB,
	    N_("enroll this station with the county server using a one-time code"),
	    NULL },
	cmd_enroll,
};

/* [attachments] auto_fetch: bytes, or with K, M or G (powers of 1024);
 * 0: none; default AUTO_FETCH_DEFAULT. A bad value is warned about and
 * the default kept. -1 for none. */
#define AUTO_FETCH_DEFAULT (2 << 20)

static int64_t
auto_fetch(struct cmd_ctx *ctx)
{
	const char *v = ctx->cfg.auto_fetch;
	char *end;
	long long x;
	int64_t unit = 1;

	if (v == NULL)
		return AUTO_FETCH_DEFAULT;
	errno = 0;
	x = strtoll(v, &end, 10);
	if (*end == 'K')
		unit = 1 << 10;
	else if (*end == 'M')
		unit = 1 << 20;
	else if (*end == 'G')
		unit = 1 << 30;
	if (unit != 1)
		end++;
	if (*end == 'B')
		end++;
	if (end == v || *end != '\0' || errno != 0 || x < 0 ||
	    x > (1LL << 40) / unit) {
		fprintf(stderr, _("liandong: warning: [attachments] auto_fetch"
		    " '%s': a size in bytes, or with K, M or G; 2M used\n"), v);
		return AUTO_FETCH_DEFAULT;
	}
	return x == 0 ? -1 : (int64_t)(x * unit);
}

static void
fill_opts(struct cmd_ctx *ctx, struct sync_opts *o, char *tp)
{
	static char blob_dir[4096];
	const char *t;

	memset(o, 0, sizeof *o);
	o->token_path = tp;
	/* Attachments being received: beside the database. */
	snprintf(blob_dir, sizeof blob_dir, "%s.incoming", ctx->db_path);
	o->blob_dir = blob_dir;
	o->auto_fetch = auto_fetch(ctx);
	o->dict_path = ctx->cfg.dict;
	o->connect_timeout = 20;
	o->stall_timeout = 60;
	/* Tests shorten both link timeouts (seconds) to see a stalled link
	 * given up on without waiting a minute. */
	if ((t = getenv("LIANDONG_STALL_TIMEOUT")) != NULL && atol(t) > 0)
		o->connect_timeout = o->stall_timeout = atol(t);
}

int
cmd_fetch_blob(struct cmd_ctx *ctx, const char *hash)
{
	struct sync_opts o;
	char *tp = token_path(ctx);
	int rc;

	fill_opts(ctx, &o, tp);
	rc = sync_fetch_blob(ctx->lg, &o, hash, ctx->err);
	free(tp);
	return rc;
}

static int
cmd_sync(struct cmd_ctx *ctx)
{
	struct sync_report rep;
	struct sync_opts o;
	char *tp = token_path(ctx);
	int rc;

	fill_opts(ctx, &o, tp);
	o.progress = isatty(2) && !ctx->json;
	rc = sync_run(ctx->lg, &o, &rep, ctx->err);
	free(tp);
	if (rc != 0)
		return cmd_fail(ctx, rc);
	if (ctx->json) {
		json_t *doc = out_doc("sync");
		json_object_set_new(doc, "pushed", json_integer(rep.pushed));
		json_object_set_new(doc, "pulled", json_integer(rep.pulled));
		json_object_set_new(doc, "requests", json_integer(rep.requests));
		json_object_set_new(doc, "pending", json_integer(rep.pending));
		json_object_set_new(doc, "backlog", json_integer(rep.backlog));
		json_object_set_new(doc, "repaired", json_boolean(rep.repaired));
		json_object_set_new(doc, "bytes_up", json_integer((json_int_t)rep.bytes_up));
		json_object_set_new(doc, "bytes_down", json_integer((json_int_t)rep.bytes_down));
		json_object_set_new(doc, "attachments", json_pack("{s:i, s:i,"
		    " s:i, s:i, s:i}", "sent", (int)rep.blobs.files_up,
		    "received", (int)rep.blobs.files_down, "chunks_sent",
		    (int)rep.blobs.chunks_up, "chunks_received",
		    (int)rep.blobs.chunks_down, "waiting",
		    (int)rep.blobs.waiting));
		out_json(doc);
	} else {
		char *reqs = xasprintf(ngettext("%ld request", "%ld requests",
		    (unsigned long)rep.requests), rep.requests);

		printf(_("synced: pushed %ld, pulled %ld, %lld pending, in %s (%.1f KiB up, %.1f KiB down)%s\n"),
		    rep.pushed, rep.pulled, (long long)rep.pending, reqs,
		    rep.bytes_up / 1024, rep.bytes_down / 1024,
		    rep.repaired ? _("; digests differed, re-pulled") : "");
		free(reqs);
		if (rep.blobs.files_up + rep.blobs.files_down +
		    rep.blobs.chunks_up + rep.blobs.chunks_down > 0)
			printf(_("attachments: %ld sent, %ld received (%ld and %ld"
			    " chunks), %ld waiting at the server\n"),
			    rep.blobs.files_up, rep.blobs.files_down,
			    rep.blobs.chunks_up, rep.blobs.chunks_down,
			    rep.blobs.waiting);
	}
	return 0;
}

const struct cmd_entry cmd_sync_entry = {
	{ "sync", NULL, NULL, 0, 0, NULL, CMD_DB | CMD_JSON,
	    N_("push this station's new events and pull what the county sent it, once"),
	    NULL },
	cmd_sync,
};

/*
 * The daemon: one sync at start, then one per interval, for as long as it
 * runs (docs/protocol.md, "Retries"). Its states:
 *
 *   ok       the last sync succeeded (or none was tried yet): the next one
 *            after --interval, or at once when an urgent event is
 *            recorded (checked each second).
 *   failing  the last sync failed: the server unreachable or failing
 *            (5xx), throttling (429), refusing this station's clock (422)
 *            or anything else it refused but the token. The next attempt
 *            comes after the backoff, whatever is recorded meanwhile,
 *            urgent events included: urgency shortens the interval, never
 *            the retry after a failure. A success returns to ok.
 *   refused  the server refused this station's token (401, 403; revoked,
 *            say): no request at all until the token file changes
 *            (re-enrolment writes a new one; checked every TOKEN_CHECK
 *            seconds) or a 'liandong sync' by hand succeeds; then a sync
 *            at once. It is said once in the log, and 'liandong status'
 *            shows it (sync_token_refused).
 *
 * The backoff after the n-th failure in a row is BACKOFF_FIRST seconds
 * doubled n-1 times, at most --max-backoff, of which a random half to
 * whole is waited (so that stations cut off together do not come back
 * together); after a 429 at least the server's throttle window
 * (THROTTLE_WAIT), unless --max-backoff is shorter. A burst of attempts
 * from one station would trip the server's per-address throttle for every
 * station behind the same address (a county VPN, a NAT).
 */
#define BACKOFF_FIRST 5 /* seconds */
#define THROTTLE_WAIT 60 /* seconds: docs/protocol.md, 429 */
#define TOKEN_CHECK 2    /* seconds between looks at the token file */

enum daemon_state { D_OK, D_FAILING, D_REFUSED };

static volatile sig_atomic_t stopping;

static void
on_stop(int sig)
{
	stopping = sig;
	net_stop_waits(); /* a busy server's Retry-After, a connect's pause */
}

/* "90", "90s", "5m", "1h": seconds; a bare number is minutes. */
static long
parse_interval(const char *s)
{
	const char *end;
	long long v;

	/* At most a year, whatever the unit: no overflow below. */
	if (ld_number(s, 1, 366 * 24 * 3600, &v, &end) != 0)
		return -1;
	if (*end == '\0' || strcmp(end, "m") == 0)
		return v * 60;
	if (strcmp(end, "s") == 0)
		return v;
	if (strcmp(end, "h") == 0)
		return v * 3600;
	return -1;
}

/* Seconds to wait after the failures-th failure in a row, which ended
 * with HTTP status (0: none). */
static long
backoff(unsigned failures, long status, long max_backoff)
{
	double cap = (double)BACKOFF_FIRST *
	    (double)(1u << (failures > 1 ? (failures < 12 ? failures - 1 : 11) : 0));
	long wait;

	if (status == 429 && cap < THROTTLE_WAIT)
		cap = THROTTLE_WAIT;
	if (cap > (double)max_backoff)
		cap = (double)max_backoff;
	wait = (long)(cap * (0.5 + 0.5 * (double)rand() / RAND_MAX));
	return wait < 1 ? 1 : wait;
}

static int
urgent_pending(struct ledger *lg)
{
	return ledger_meta_int(lg, "urgent_seq", 0) >
	    ledger_meta_int(lg, "acked", 0);
}

/*
 * Waits, 100 ms at a time, until stopped or: in the ok and failing
 * states, seconds have passed; in the ok state, an urgent event is
 * recorded; in the refused state (seconds ignored), the token is no
 * longer the one refused. Returns the state to go on in.
 */
static enum daemon_state
daemon_wait(struct cmd_ctx *ctx, const char *tp, enum daemon_state st,
    long seconds, struct ui *ui)
{
	long tick;

	for (tick = 1; !stopping && (st == D_REFUSED || tick <= seconds * 10);
	    tick++) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		/* The console's 同步 (daemon --ui): a sync now, as one by
		 * hand, whatever the state. */
		if (ui_sync_wanted(ui)) {
			log_line("info", "event=console-sync");
			return D_OK;
		}
		if (st == D_OK && tick % 10 == 0 && urgent_pending(ctx->lg)) {
			log_line("info", "event=urgent-sync");
			break;
		}
		if (st == D_REFUSED && tick % (TOKEN_CHECK * 10) == 0 &&
		    !sync_token_refused(ctx->lg, tp, NULL)) {
			log_line("info", "event=token-changed msg=\"the token"
			    " file changed (or a sync by hand succeeded):"
			    " syncing again\"");
			return D_OK;
		}
	}
	return st;
}

static void
log_refused(long status, const char *why)
{
	log_line("error", "event=token-refused status=%ld error=\"%s\""
	    " msg=\"the county server refused this station's token (revoked?):"
	    " re-enrol with 'liandong enroll'; not retrying until the token"
	    " changes\"", status, why);
}

static const struct cli_opt daemon_opts[] = {
	{ "interval", CLI_VALUE, "TIME", N_("time between syncs: minutes, or 30s, 5m, 1h (default: agent.conf, else 5m)") },
	{ "max-backoff", CLI_VALUE, "TIME", N_("longest wait after failures (default 30m)") },
	{ "ui", CLI_FLAG, NULL, N_("also serve the station console on 127.0.0.1, its URL printed (not opened)") },
	{ "port", CLI_VALUE, "N", N_("the console's port with --ui (default 8731; 0: any free one)") },
	{ NULL, 0, NULL, NULL },
};

static int
cmd_daemon(struct cmd_ctx *ctx)
{
	const char *iv = cmd_value(ctx, "interval");
	const char *mb = cmd_value(ctx, "max-backoff");
	long interval = 300, max_backoff = 1800;
	enum daemon_state st = D_OK;
	struct sigaction sa;
	struct sync_opts o;
	char *tp = token_path(ctx);
	unsigned failures = 0;
	struct ui *ui = NULL;
	int rc0;

	if (iv == NULL)
		iv = ctx->cfg.interval;
	if (iv != NULL && (interval = parse_interval(iv)) < 0) {
		free(tp);
		return cmd_error(ctx, EXIT_INVALID, _("invalid interval '%s'"), iv);
	}
	if (mb != NULL && (max_backoff = parse_interval(mb)) < 0) {
		free(tp);
		return cmd_error(ctx, EXIT_INVALID, _("invalid --max-backoff '%s'"),
		    mb);
	}
	if (!cmd_flag(ctx, "ui") && cmd_value(ctx, "port") != NULL) {
		free(tp);
		return cmd_usage_error(ctx, _("--port is the console's: give --ui too"));
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* The console (agent/ui.c) in this process: its thread and its
	 * commands' children leave the signals to this one. */
	if (cmd_flag(ctx, "ui")) {
		sigset_t stop, old;
		sigemptyset(&stop);
		sigaddset(&stop, SIGINT);
		sigaddset(&stop, SIGTERM);
		pthread_sigmask(SIG_BLOCK, &stop, &old);
		rc0 = ui_start(ctx, cmd_value(ctx, "port"), 0, 1, &ui);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (rc0 != 0) {
			free(tp);
			return rc0;
		}
	}
	fill_opts(ctx, &o, tp);
	srand((unsigned)(time(NULL) ^ getpid()));
	log_line("info", "event=daemon-start station=%s interval=%ld"
	    " max_backoff=%ld", ledger_station(ctx->lg), interval, max_backoff);
	if (sync_token_refused(ctx->lg, tp, NULL)) {
		char *why = NULL;
		ledger_meta_get(ctx->lg, "last_error", &why, NULL);
		log_refused(0, why ? why : "");
		free(why);
		st = daemon_wait(ctx, tp, D_REFUSED, 0, ui);
	}
	while (!stopping) {
		struct sync_report rep;
		long wait;
		int raised, rc;

		ui_sync_begin(ui);
		rc = sync_run(ctx->lg, &o, &rep, ctx->err);
		ui_sync_end(ui, rc == 0 ? 0 : ld_exit_code(rc), ctx->err, rc != 0 ?
		    NULL : json_pack("{s:i,s:i,s:i,s:I,s:I}", "pushed", (int)rep.pushed,
		    "pulled", (int)rep.pulled, "requests", (int)rep.requests,
		    "pending", (json_int_t)rep.pending, "backlog",
		    (json_int_t)rep.backlog));

		if (rc == 0) {
			st = D_OK;
			failures = 0;
			wait = interval;
			log_line("info", "event=sync pushed=%ld pulled=%ld pending=%lld"
			    " backlog=%lld requests=%ld", rep.pushed, rep.pulled,
			    (long long)rep.pending, (long long)rep.backlog,
			    rep.requests);
		} else if (rc == LD_EAUTH) {
			st = D_REFUSED;
			wait = 0;
			log_refused(rep.status, ctx->err);
		} else {
			st = D_FAILING;
			failures++;
			wait = backoff(failures, rep.status, max_backoff);
			log_line("warn", "event=sync-failed failures=%u status=%ld"
			    " retry_in=%ld error=\"%s\"", failures, rep.status, wait,
			    ctx->err);
		}
		/* What arrived, or comes due meanwhile (alert.h): after every
		 * attempt, so a due time is seen while the link is down. */
		if (alert_mode(ctx) >= 0 &&
		    alert_check(ctx, alert_mode(ctx), &raised) != 0)
			log_line("warn", "event=alert-failed error=\"%s\"",
			    ctx->err);
		st = daemon_wait(ctx, tp, st, wait, ui);
		if (st == D_OK)
			failures = 0;
	}
	ui_stop(ui, (int)stopping);
	log_line("info", "event=daemon-stop signal=%d", (int)stopping);
	free(tp);
	return 0;
}

const struct cmd_entry cmd_daemon_entry = {
	{ "daemon", NULL, NULL, 0, 0, daemon_opts, CMD_DB,
	    N_("sync every interval, at once for urgent events, backing off after failures"),
	    NULL },
	cmd_daemon,
};

static const struct cli_opt status_opts[] = {
	{ "offline", CLI_FLAG, NULL, N_("do not ask the server, show what is known here") },
	{ NULL, 0, NULL, NULL },
};

static int
cmd_status(struct cmd_ctx *ctx)
{
	struct sync_opts o;
	char *tp = token_path(ctx), *url = NULL, *lerr = NULL, t[LTIME_LEN];
	int64_t head = 0, acked, last, backlog, refused_at = 0;
	json_t *remote = NULL, *doc;
	char rerr[LD_ERRLEN] = "";
	int refused;

	ledger_own_head(ctx->lg, &head, NULL);
	acked = ledger_meta_int(ctx->lg, "acked", 0);
	last = ledger_meta_int(ctx->lg, "last_sync", 0);
	backlog = ledger_meta_int(ctx->lg, "server_backlog", 0);
	ledger_meta_get(ctx->lg, "server_url", &url, NULL);
	ledger_meta_get(ctx->lg, "last_error", &lerr, NULL);
	fill_opts(ctx, &o, tp);
	o.connect_timeout = 5;
	o.stall_timeout = 10;
	/* A token the server refused is not shown to it again: each refusal
	 * counts towards its per-address throttle. */
	refused = sync_token_refused(ctx->lg, tp, &refused_at);
	if (url != NULL && !cmd_flag(ctx, "offline") && !refused)
		sync_remote_status(ctx->lg, &o, &remote, rerr);
	doc = out_doc("status");
	json_object_set_new(doc, "station", json_string(ledger_station(ctx->lg)));
	json_object_set_new(doc, "unit", json_string(ledger_unit(ctx->lg)));
	json_object_set_new(doc, "server", url ? json_string(url) : json_null());
	json_object_set_new(doc, "events", json_integer(head));
	json_object_set_new(doc, "pending", json_integer(head - acked));
	json_object_set_new(doc, "last_sync", json_integer(last));
	json_object_set_new(doc, "last_error", json_string(lerr ? lerr : ""));
	json_object_set_new(doc, "backlog", json_integer(backlog));
	json_object_set_new(doc, "token_refused", json_boolean(refused));
	json_object_set_new(doc, "quarantined", sync_quarantined(ctx->lg));
	json_object_set_new(doc, "beyond_server", sync_beyond(ctx->lg));
	if (remote != NULL)
		json_object_set(doc, "server_view", remote);
	if (ctx->json) {
		out_json(doc);
	} else {
		printf("%-14s %s (%s)\n", _("station:"), ledger_station(ctx->lg),
		    ledger_unit(ctx->lg));
		printf("%-14s %s\n", _("server:"), url ? url : _("not enrolled"));
		printf(_("%-14s %lld of %lld events not yet at the server\n"),
		    _("pending:"), (long long)(head - acked), (long long)head);
		if (last)
			ltime_short(last, t);
		printf("%-14s %s\n", _("last sync:"), last ? t : _("never"));
		printf("%-14s %s\n", _("last error:"),
		    lerr && *lerr ? lerr : "-");
		if (refused) {
			ltime_short(refused_at, t);
			printf(_("%-14s the county server refused this station's token (revoked?) at %s: re-enrol with 'liandong enroll'; the daemon is not retrying until the token changes\n"),
			    _("token:"), t);
		}
		{
			json_t *qa = json_object_get(doc, "quarantined"), *item;
			size_t i;
			json_array_foreach(qa, i, item)
				printf(_("%-14s event %lld: %s\n"), _("quarantined:"),
				    (long long)json_integer_value(json_object_get(item,
				    "seq")), json_string_value(json_object_get(item,
				    "reason")));
		}
		{
			json_t *b = json_object_get(doc, "beyond_server");
			long long n = json_integer_value(json_object_get(b, "count"));
			if (n > 0)
				printf(ngettext("%-14s %lld event held here is not at the county server (restored from an older backup?); it returns when its station syncs\n",
				    "%-14s %lld events held here are not at the county server (restored from an older backup?); they return when their stations sync\n",
				    (unsigned long)n), _("lost there:"), n);
		}
		if (remote != NULL) {
			int64_t ls = json_integer_value(json_object_get(remote,
			    "last_sync"));
			if (ls)
				ltime_short(ls, t);
			long long waiting = json_integer_value(json_object_get(remote,
			    "backlog"));
			printf(ngettext("%-14s holds seq %lld, %lld event waiting, last sync %s\n",
			    "%-14s holds seq %lld, %lld events waiting, last sync %s\n",
			    (unsigned long)waiting), _("server view:"),
			    (long long)json_integer_value(json_object_get(remote, "acked")),
			    waiting, ls ? t : _("never"));
		} else if (url != NULL && refused)
			printf(ngettext("%-14s not asked (the token was refused); at the last sync %lld event was waiting\n",
			    "%-14s not asked (the token was refused); at the last sync %lld events were waiting\n",
			    (unsigned long)backlog), _("server view:"),
			    (long long)backlog);
		else if (url != NULL)
			printf(ngettext("%-14s unreachable now (%s); at the last sync %lld event was waiting\n",
			    "%-14s unreachable now (%s); at the last sync %lld events were waiting\n",
			    (unsigned long)backlog), _("server view:"),
			    rerr[0] ? rerr : _("not asked"), (long long)backlog);
		json_decref(doc);
	}
	json_decref(remote);
	free(url);
	free(lerr);
	free(tp);
	return 0;
}

const struct cmd_entry cmd_status_entry = {
	{ "status", NULL, NULL, 0, 0, status_opts, CMD_DB | CMD_JSON,
	    N_("pending events, last sync, last error and the server's view of this station"),
	    NULL },
	cmd_status,
};
