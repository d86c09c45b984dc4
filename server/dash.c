/*
 * dash.c - the county dashboard (dash.h; docs/dashboard.md): its pages
 * and its JSON API under /dash, on serve's HTTPS port.
 *
 * The figures are figures_report's (figures.h), the very object `report
 * --json` prints, so that the dashboard and the command line never
 * disagree; a drill-down runs the same count with a trail (stats.h) and
 * lists the records counted in the cell asked for. Nothing is computed
 * twice, nothing is cached: each answer is folded from the store under
 * the API's lock (api.h), as a sync is.
 *
 * Rules, in the order a request meets them (dash_admit, before anything
 * of its body is read):
 *
 *  1. GET (or HEAD) /dash/ and the files of server/dash/ (the pages,
 *     their script, ECharts) and /dash/strings (the pages' words): for
 *     anyone; they hold no figure. Any other method there: 405.
 *  2. POST /dash/login: Origin must be this server's own (scheme://Host)
 *     else 403; a body of at most DASH_LOGIN_MAX bytes (413 beyond,
 *     unread), form or JSON: account, password. The login is accounts.h's:
 *     counted before the password is checked, lock-outs per account and
 *     per address, every attempt audited. A wrong password, an unknown
 *     or disabled account and a lock-out all get the same 401 and the
 *     same words. A success sets the session cookie (DASH_COOKIE:
 *     Secure, HttpOnly, SameSite=Strict, Path=/dash, 8 hours) and gives
 *     the page the session's CSRF token.
 *  3. Every other path (/dash/api/..., POST /dash/logout) needs a live
 *     session: else 401; the header X-CSRF-Token equal to the session's
 *     token (the SHA-256 of "csrf:" and the session's secret, so nothing
 *     more is stored), except GET /dash/api/session which gives it: else
 *     403; a POST its own Origin: else 403. None reads a body: one is 413.
 *
 * Scope: an account of a county-wide role (government, bureau, legal,
 * admin) sees the county and any unit; any other account (department,
 * township, police) only its own unit: without unit= it gets its unit's
 * figures, with another unit 403. A record outside its scope is 404, as
 * one that does not exist.
 *
 * Every figure and record that leaves is audited first (accounts.h's
 * audit log: report-export with format=dashboard, records-view,
 * record-view), with the account and the address. A complainant's
 * identity never leaves: the identity event is left out of a timeline,
 * the projection's copy deleted, and the name and phone it held masked
 * (mask.h) wherever the record's texts repeat them.
 */
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "accounts.h"
#include "api.h"
#include "cjson.h"
#include "dash.h"
#include "event.h"
#include "export.h"
#include "figures.h"
#include "fold.h"
#include "hash.h"
#include "kinds.h"
#include "log.h"
#include "ltime.h"
#include "mask.h"
#include "registry.h"
#include "roles.h"
#include "stats.h"
#include "store.h"
#include "util.h"

#define CSP "default-src 'self'; script-src 'self'; " \
	"style-src 'self' 'unsafe-inline'; img-src 'self' data:; " \
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; " \
	"form-action 'self'"

/* The words of the pages (server/dash/app.js asks for them by their
 * English text): GET /dash/strings gives them translated. */
static const char *const page_strings[] = {
	N_("County dashboard"),
	N_("Account"),
	N_("Password"),
	N_("Log in"),
	N_("Log out"),
	N_("Overview"),
	N_("Period"),
	N_("Month"),
	N_("Quarter"),
	N_("Year"),
	N_("Custom"),
	N_("From"),
	N_("Until"),
	N_("Unit"),
	N_("the whole county"),
	N_("Show"),
	N_("Cases"),
	N_("Opened"),
	N_("Closed"),
	N_("Referred"),
	N_("Handled itself"),
	N_("Urgent"),
	N_("Cases by unit"),
	N_("Cases by category"),
	N_("Cases by source"),
	N_("Cases by month"),
	N_("Category"),
	N_("Source"),
	N_("Referrals"),
	N_("Referrals sent"),
	N_("Referrals received"),
	N_("Number sent"),
	N_("Number received"),
	N_("Unanswered"),
	N_("Acknowledged"),
	N_("Accepted"),
	N_("Disputed"),
	N_("Returned"),
	N_("Hours to acknowledge"),
	N_("Liaison logs"),
	N_("Logs"),
	N_("Timeliness"),
	N_("Timeliness by unit, ranked"),
	N_("Timeliness by unit and rule"),
	N_("Rank"),
	N_("Rule"),
	N_("On time"),
	N_("Late"),
	N_("Open"),
	N_("Overdue"),
	N_("Rate"),
	N_("Total"),
	N_("Records behind the figure"),
	N_("Record"),
	N_("Type"),
	N_("Status"),
	N_("Discovered"),
	N_("Timeline"),
	N_("When"),
	N_("What"),
	N_("By"),
	N_("Back"),
	N_("No records."),
	N_("more records than shown"),
	N_("Loading..."),
	N_("The server cannot be reached."),
	N_("Click a number to see the records behind it."),
	N_("Signed in as"),
	N_("Referral steps, hours"),
	N_("Median hours"),
	N_("90th percentile hours"),
	N_("Answered"),
	N_("Results"),
	N_("Liaison by activity"),
	N_("Contacts"),
	N_("Patrols"),
	N_("Meetings"),
	N_("Trainings"),
	N_("People trained"),
	N_("Training hours"),
	N_("Township calls by caller"),
	N_("Township calls by department"),
	N_("Calls"),
	N_("Escalated"),
	N_("Assistance answered"),
	N_("Joint meetings"),
	N_("Scheduled"),
	N_("Held"),
	N_("Resolutions"),
	N_("Resolutions followed up"),
	N_("Done"),
	N_("In progress"),
	N_("Not reported"),
	N_("Stations"),
	N_("Station"),
	N_("Role"),
	N_("Last sync"),
	N_("Events"),
	N_("Backlog"),
	N_("Clock offset (minutes)"),
	N_("Version"),
	N_("Server certificate valid until"),
	N_("active"),
	N_("pending"),
	N_("expired"),
	N_("revoked"),
	N_("Every table in Excel"),
	N_("Every table as CSV"),
	N_("Penalty decisions for publication (Excel)"),
	N_("Printable report"),
	N_("Print"),
	N_("Statistical report"),
};

/* The locales a request may ask for (Accept-Language), made once. */
static pthread_once_t locales_once = PTHREAD_ONCE_INIT;
static locale_t locale_zh, locale_en;

static void
locales_make(void)
{
	locale_zh = newlocale(LC_MESSAGES_MASK | LC_CTYPE_MASK, "zh_CN.UTF-8",
	    (locale_t)0);
	locale_en = newlocale(LC_MESSAGES_MASK | LC_CTYPE_MASK, "C.UTF-8",
	    (locale_t)0);
}

/* The locale of req's Accept-Language among those the server speaks,
 * or 0 (this process's). */
static locale_t
request_locale(const struct http_request *req)
{
	const char *al = http_header(req, "Accept-Language");

	pthread_once(&locales_once, locales_make);
	if (al == NULL)
		return (locale_t)0;
	while (*al == ' ')
		al++;
	if (strncasecmp(al, "zh", 2) == 0)
		return locale_zh;
	if (strncasecmp(al, "en", 2) == 0 || *al == '*')
		return locale_en;
	return (locale_t)0;
}

/* This thread speaks the language req asks for, until unspeak(the
 * value returned). */
static locale_t
speak(const struct http_request *req)
{
	locale_t loc = request_locale(req);

	return loc != (locale_t)0 ? uselocale(loc) : (locale_t)0;
}

static void
unspeak(locale_t old)
{
	if (old != (locale_t)0)
		uselocale(old);
}

int
dash_path(const char *path)
{
	return strcmp(path, "/dash") == 0 || strncmp(path, "/dash/", 6) == 0;
}

/* The answer: doc as `--json` prints it (indented, sorted keys, a
 * newline), never cached. Takes doc. */
static void
reply_doc(struct http_response *resp, int status, json_t *doc)
{
	char *text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);

	json_decref(doc);
	free(resp->body);
	resp->body = xasprintf("%s\n", text);
	free(text);
	resp->body_len = strlen(resp->body);
	resp->status = status;
	resp->content_type = "application/json; charset=utf-8";
	resp->no_store = 1;
}

static void
reply_error(struct http_response *resp, int status, const char *msg)
{
	http_error(resp, status, "%s", msg);
	resp->no_store = 1;
}

/* The session's secret from the Cookie header, in token: 0, or -1 when
 * there is none of the right shape. */
static int
cookie_token(const struct http_request *req, char token[SESSION_TOKEN_LEN])
{
	const char *c = http_header(req, "Cookie"), *p;
	size_t n = strlen(DASH_COOKIE), len;

	for (p = c; p != NULL && *p != '\0'; ) {
		while (*p == ' ' || *p == ';')
			p++;
		len = strcspn(p, ";");
		if (strncmp(p, DASH_COOKIE, n) == 0 && p[n] == '=' &&
		    len - n - 1 == SESSION_TOKEN_LEN - 1 &&
		    strspn(p + n + 1, "0123456789abcdef") >= len - n - 1) {
			memcpy(token, p + n + 1, SESSION_TOKEN_LEN - 1);
			token[SESSION_TOKEN_LEN - 1] = '\0';
			return 0;
		}
		p += len;
	}
	return -1;
}

/* The CSRF token of a session: derived from its secret, never stored. */
static void
csrf_of(const char *token, char out[HASH_HEX])
{
	char *t = xasprintf("csrf:%s", token);

	hash_hex(t, strlen(t), out);
	sodium_memzero(t, strlen(t));
	free(t);
}

/* 1 if the request's Origin is this server's own: its scheme and the
 * Host it was sent to. */
static int
origin_ok(const struct api *a, const struct http_request *req)
{
	const char *origin = http_header(req, "Origin");
	const char *host = http_header(req, "Host");
	const char *scheme = a->plain_http ? "http://" : "https://";

	return origin != NULL && host != NULL && *host != '\0' &&
	    strncmp(origin, scheme, strlen(scheme)) == 0 &&
	    strcmp(origin + strlen(scheme), host) == 0;
}

/* The unit an account is held to, or NULL for a county-wide role. */
static const char *
scope_of(const struct account *acct)
{
	static const char *const county_wide[] = { "government", "bureau",
		"legal", "admin", NULL };
	size_t i;

	for (i = 0; county_wide[i] != NULL; i++)
		if (acct->role != NULL && strcmp(acct->role, county_wide[i]) == 0)
			return NULL;
	return acct->unit != NULL ? acct->unit : "";
}

/* The account of req's session cookie: 0 with *acct filled (and token
 * its secret), or LD_EAUTH, or a store error. Takes the API's lock. */
static int
session_of(struct api *a, const struct http_request *req,
    struct account *acct, char token[SESSION_TOKEN_LEN], char *err)
{
	int rc;

	memset(acct, 0, sizeof *acct);
	if (cookie_token(req, token) != 0)
		return ld_fail(err, LD_EAUTH, _("not logged in"));
	/* Admission runs on MHD's threads: on the reader (api.h), never
	 * waiting for a sync being stored. */
	if (a->reader != NULL) {
		pthread_mutex_lock(&a->reader_lock);
		rc = account_session(a->reader, token, ltime_now(), acct, err);
		pthread_mutex_unlock(&a->reader_lock);
		return rc;
	}
	pthread_mutex_lock(&a->lock);
	rc = account_session(a->store, token, ltime_now(), acct, err);
	pthread_mutex_unlock(&a->lock);
	return rc;
}

/* The store the figures are read from, held: the api's figures
 * connection under its own lock, so that a report over years of records
 * holds neither a sync nor an admission; else the store under the API's
 * lock. Let go with done_reading. While another request has the figures
 * connection, NULL with resp a 503 (Retry-After): a request never waits
 * for it on a worker, so that dashboards cannot take every worker from
 * the syncs. */
static struct store *
reading(struct api *a, struct http_response *resp)
{
	if (a->figures != NULL) {
		/* Beside the syncs, not before them: its time is not
		 * theirs to wait (http.h). */
		resp->off_pace = 1;
		if (pthread_mutex_trylock(&a->figures_lock) == 0)
			return a->figures;
		reply_error(resp, 503, _("the figures are being worked out "
		    "for another request: try again in a moment"));
		resp->retry_after = DASH_BUSY_RETRY;
		return NULL;
	}
	pthread_mutex_lock(&a->lock);
	return a->store;
}

static void
done_reading(struct api *a)
{
	pthread_mutex_unlock(a->figures != NULL ? &a->figures_lock :
	    &a->lock);
}

/* An entry in the audit log, under the API's lock. */
static int
audit(struct api *a, const char *account, const char *client,
    const char *event, const char *detail, char *err)
{
	int rc;

	log_line("notice", "event=%s account=%s client=%s", event, account,
	    client);
	pthread_mutex_lock(&a->lock);
	rc = a->store->ops->accounts->audit_add(a->store, ltime_now(), account,
	    client, event, detail, err);
	pthread_mutex_unlock(&a->lock);
	return rc;
}

static int
is_get(const struct http_request *req)
{
	return strcmp(req->method, "GET") == 0 ||
	    strcmp(req->method, "HEAD") == 0;
}

/* 1 for the paths anyone may GET: the pages, their files, their words. */
static int
public_path(const char *path)
{
	return strncmp(path, "/dash/api/", 10) != 0 &&
	    strcmp(path, "/dash/login") != 0 &&
	    strcmp(path, "/dash/logout") != 0;
}

static void asset(const struct http_request *req,
    struct http_response *resp);

int
dash_admit(struct api *a, const struct http_request *req, size_t *max_body,
    struct http_response *resp)
{
	struct account acct;
	char token[SESSION_TOKEN_LEN], csrf[HASH_HEX], err[LD_ERRLEN];
	const char *sent;
	int rc, post = strcmp(req->method, "POST") == 0;

	*max_body = 0;
	if (public_path(req->path)) {
		if (!is_get(req)) {
			reply_error(resp, 405, "use GET");
			return -1;
		}
		/* A built-in file is answered here, from the program's own
		 * memory: no worker's turn, no copy. */
		if (strcmp(req->path, "/dash/strings") != 0) {
			locale_t old = speak(req);

			asset(req, resp);
			unspeak(old);
			return -1;
		}
		return 0;
	}
	if (strcmp(req->path, "/dash/login") == 0 ||
	    strcmp(req->path, "/dash/logout") == 0) {
		if (!post) {
			reply_error(resp, 405, "use POST");
			return -1;
		}
	} else if (!is_get(req)) {
		reply_error(resp, 405, "use GET");
		return -1;
	}
	if (post && !origin_ok(a, req)) {
		reply_error(resp, 403, "cross-origin request refused");
		return -1;
	}
	if (strcmp(req->path, "/dash/login") == 0) {
		/* An address that failed too often is refused before it
		 * reaches the store (no row written, no lock taken). */
		if (api_throttled(a, req->client)) {
			reply_error(resp, 429, "too many failed attempts: wait a "
			    "minute");
			return -1;
		}
		*max_body = DASH_LOGIN_MAX;
		return 0;
	}
	if ((rc = session_of(a, req, &acct, token, err)) != 0) {
		reply_error(resp, rc == LD_EAUTH ? 401 : 500, rc == LD_EAUTH ?
		    "not logged in" : "the server cannot read its database");
		return -1;
	}
	account_release(&acct);
	if (strcmp(req->path, "/dash/api/session") != 0) {
		csrf_of(token, csrf);
		sent = http_header(req, "X-CSRF-Token");
		if (sent == NULL || strlen(sent) != HASH_HEX - 1 ||
		    sodium_memcmp(sent, csrf, HASH_HEX - 1) != 0) {
			sodium_memzero(token, sizeof token);
			reply_error(resp, 403, "missing or wrong X-CSRF-Token");
			return -1;
		}
	}
	sodium_memzero(token, sizeof token);
	return 0;
}

/* --- the pages ------------------------------------------------------ */

static void
asset(const struct http_request *req, struct http_response *resp)
{
	const char *name = strcmp(req->path, "/dash") == 0 ||
	    strcmp(req->path, "/dash/") == 0 ? "/index.html" : req->path + 5;
	const struct dash_asset *as;

	for (as = dash_assets; as->path != NULL; as++)
		if (strcmp(as->path, name) == 0)
			break;
	if (as->path == NULL) {
		reply_error(resp, 404, _("no such page"));
		return;
	}
	resp->status = 200;
	resp->body = (char *)as->data;
	resp->body_static = 1;
	resp->body_len = as->len;
	resp->content_type = as->type;
	resp->csp = CSP;
	resp->no_store = 1;
}

static void
strings(struct http_response *resp)
{
	json_t *doc = json_object(), *s = json_object();
	size_t i;

	json_object_set_new(doc, "v", json_integer(1));
	json_object_set_new(doc, "kind", json_string("strings"));
	for (i = 0; i < sizeof page_strings / sizeof *page_strings; i++)
		json_object_set_new(s, page_strings[i],
		    json_string(_(page_strings[i])));
	json_object_set_new(doc, "strings", s);
	json_object_set_new(doc, "lang", json_string(strcmp(_("Overview"),
	    "Overview") != 0 ? "zh-CN" : "en"));
	reply_doc(resp, 200, doc);
}

/* --- login and logout --------------------------------------------- */

/* A field of the login body: JSON or a form. New string or NULL. */
static char *
login_field(const struct http_request *req, const json_t *j,
    const char *name)
{
	if (j != NULL)
		return cjson_str(j, name) != NULL ? xstrdup(cjson_str(j, name)) :
		    NULL;
	return http_form_value(req->body, name);
}

static json_t *
session_doc(const struct account *acct, const char *token)
{
	json_t *doc = json_object();
	const char *scope = scope_of(acct);
	char csrf[HASH_HEX];

	csrf_of(token, csrf);
	json_object_set_new(doc, "v", json_integer(1));
	json_object_set_new(doc, "kind", json_string("session"));
	json_object_set_new(doc, "account", json_string(acct->name));
	json_object_set_new(doc, "role", json_string(acct->role));
	json_object_set_new(doc, "unit", json_string(acct->unit));
	json_object_set_new(doc, "scope", scope != NULL ? json_string(scope) :
	    json_null());
	json_object_set_new(doc, "csrf", json_string(csrf));
	return doc;
}

static void
login(struct api *a, const struct http_request *req,
    struct http_response *resp)
{
	const char *ct = http_header(req, "Content-Type");
	char token[SESSION_TOKEN_LEN], err[LD_ERRLEN];
	char *name, *password;
	struct account acct;
	json_t *j = NULL;
	int rc;

	if (ct != NULL && strncmp(ct, "application/json", 16) == 0) {
		j = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES,
		    NULL);
		if (!json_is_object(j)) {
			json_decref(j);
			reply_error(resp, 400, _("the login is not a JSON object"));
			return;
		}
	} else if (ct == NULL || strncmp(ct,
	    "application/x-www-form-urlencoded", 33) != 0) {
		reply_error(resp, 415, _("send the login as a form or as JSON"));
		return;
	}
	name = login_field(req, j, "account");
	password = login_field(req, j, "password");
	json_decref(j);
	if (name == NULL || password == NULL || *name == '\0') {
		free(name);
		if (password != NULL)
			sodium_memzero(password, strlen(password));
		free(password);
		reply_error(resp, 400, _("give an account and a password"));
		return;
	}
	memset(&acct, 0, sizeof acct);
	/* A name no account can have is refused as a wrong password, and
	 * never reaches the audit log (a stranger's text, its lines and
	 * escapes, would). */
	rc = account_name_valid(name) ? account_login(a->store, &a->lock,
	    name, password, req->client, ltime_now(), token, &acct, err) :
	    LD_EAUTH;
	if (rc == LD_EAUTH)
		api_failed_attempt(a, req->client);
	sodium_memzero(password, strlen(password));
	free(password);
	log_line(rc == 0 ? "notice" : "warn", "event=dash-login result=%s "
	    "client=%s", rc == 0 ? "ok" : "refused", req->client);
	free(name);
	if (rc == LD_EAUTH) {
		/* One answer for a wrong name, a wrong password, a disabled
		 * account and a lock-out: a guesser learns nothing of which. */
		reply_error(resp, 401, _("login refused: wrong account or "
		    "password, or too many failed attempts (wait 15 minutes)"));
		return;
	}
	if (rc != 0) {
		reply_error(resp, 500, _("the server cannot read its database"));
		return;
	}
	reply_doc(resp, 200, session_doc(&acct, token));
	resp->set_cookie = xasprintf("%s=%s; Path=/dash; Max-Age=%lld; Secure; "
	    "HttpOnly; SameSite=Strict", DASH_COOKIE, token,
	    (long long)(SESSION_LIFE / 1000));
	sodium_memzero(token, sizeof token);
	account_release(&acct);
}

static void
logout(struct api *a, const struct http_request *req,
    struct http_response *resp)
{
	char token[SESSION_TOKEN_LEN], err[LD_ERRLEN];
	int rc;

	if (cookie_token(req, token) != 0) {
		reply_error(resp, 401, _("not logged in"));
		return;
	}
	pthread_mutex_lock(&a->lock);
	rc = account_logout(a->store, token, req->client, ltime_now(), err);
	pthread_mutex_unlock(&a->lock);
	sodium_memzero(token, sizeof token);
	if (rc != 0) {
		reply_error(resp, rc == LD_EAUTH ? 401 : 500, rc == LD_EAUTH ?
		    _("not logged in") : _("the server cannot read its database"));
		return;
	}
	reply_doc(resp, 200, json_pack("{s:i, s:s}", "v", 1, "kind", "logout"));
	/* The browser forgets it too. */
	resp->set_cookie = xasprintf("%s=; Path=/dash; Max-Age=0; Secure; "
	    "HttpOnly; SameSite=Strict", DASH_COOKIE);
}

/* --- the figures ---------------------------------------------------- */

/* The unit the figures are of, from ?unit= and the account's scope, in
 * *unit (borrowed; NULL: the county): 0, or -1 with resp set (403). */
static int
unit_asked(const struct http_request *req, const struct account *acct,
    const char **unit, struct http_response *resp)
{
	const char *asked = http_query(req, "unit"), *scope = scope_of(acct);

	if (asked != NULL && *asked == '\0')
		asked = NULL;
	*unit = asked;
	if (scope == NULL)
		return 0;
	if (asked != NULL && strcmp(asked, scope) != 0) {
		reply_error(resp, 403, _("this account sees only its own unit's "
		    "figures"));
		return -1;
	}
	*unit = scope;
	return 0;
}

/* The period of ?period=: 0, or -1 with resp set (400). */
static int
period_asked(const struct http_request *req, const char **period,
    struct http_response *resp)
{
	int64_t from, to;

	*period = http_query(req, "period");
	if (*period == NULL || stats_period(*period, &from, &to) != 0) {
		reply_error(resp, 400, _("give period=2026-11, 2026-Q4, 2026 or "
		    "2026-11-03..2026-11-16"));
		return -1;
	}
	return 0;
}

/* The category of ?category=, NULL for none or empty: every one. */
static const char *
category_asked(const struct http_request *req)
{
	const char *c = http_query(req, "category");

	return c != NULL && *c != '\0' ? c : NULL;
}

static void
fail_store(struct http_response *resp, int rc, const char *err)
{
	log_line("error", "event=dash-error code=%d error=%s", rc, err);
	reply_error(resp, 500, _("the server cannot read its database"));
}

/*
 * Puts the figures a page or an export asks for in *result: the audit
 * line first (nothing leaves unrecorded), then the figures connection.
 * format is "dashboard" for the page, else the export's; publication
 * picks the masked penalty decisions instead of the report. Returns 0,
 * or -1 with resp answered.
 */
static int
audited_figures(struct api *a, const struct http_request *req,
    const struct account *acct, const char *format, int publication,
    const char *period, const char *unit, json_t **result,
    struct http_response *resp)
{
	struct store *st;
	const char *category = publication ? NULL : category_asked(req);
	char err[LD_ERRLEN], *detail;
	int rc;

	detail = xasprintf("format=%s%s period=%s unit=%s%s%s", format,
	    strcmp(format, "dashboard") != 0 ? " via=dashboard" : "", period,
	    unit != NULL ? unit : "(county)", category != NULL ?
	    " category=" : "", category != NULL ? category : "");
	rc = audit(a, acct->name, req->client, publication ?
	    "publication-export" : "report-export", detail, err);
	free(detail);
	if (rc != 0) {
		fail_store(resp, rc, err);
		return -1;
	}
	if ((st = reading(a, resp)) == NULL)
		return -1;
	rc = publication ? figures_publication(st, period, unit, result,
	    err) : figures_report(st, a->county, period, unit, category,
	    ltime_now(), NULL, result, err);
	done_reading(a);
	if (rc != 0) {
		fail_store(resp, rc, err);
		return -1;
	}
	return 0;
}

static void
report(struct api *a, const struct http_request *req,
    const struct account *acct, struct http_response *resp)
{
	const char *unit, *period;
	json_t *result, *doc;

	if (unit_asked(req, acct, &unit, resp) != 0 ||
	    period_asked(req, &period, resp) != 0)
		return;
	if (audited_figures(a, req, acct, "dashboard", 0, period, unit,
	    &result, resp) != 0)
		return;
	doc = json_pack("{s:i, s:s, s:o}", "v", 1, "kind", "report", "report",
	    result);
	reply_doc(resp, 200, doc);
}

/* The cell a drill-down asks for, and the records counted in it. */
struct drill {
	const char *table;
	char *key;          /* NULL: every row */
	const char *figure; /* NULL: every figure of the row */
	json_t *records;    /* entity -> its line */
	json_t *order;      /* entities, as first counted */
};

/* The tables of stats_result a drill-down may name. */
static const char *const drill_tables[] = { "cases.by_unit",
	"cases.by_category", "cases.by_source", "cases.by_month",
	"referrals.by_sender", "referrals.by_receiver", "referrals.steps",
	"liaison", "liaison_activity", "whistles.by_caller",
	"whistles.by_department", "assists.by_unit", "meetings.by_unit",
	"meetings.followup", "timeliness.by_unit", "timeliness.by_rule", NULL };

/* A record's line in a list: what it is and where it stands, nothing
 * a person wrote (descriptions and the like are in its page). */
static json_t *
record_line(const json_t *doc)
{
	static const char *const keys[] = { "entity", "type", "unit",
		"category", "source", "to", "handler", "discovered_at",
		"sent_at", NULL };
	json_t *line = json_object();
	const char *status = fold_status(doc);
	const struct entity_type *t = entity_type_find(cjson_str(doc, "type"));
	size_t i;

	for (i = 0; keys[i] != NULL; i++)
		if (json_is_string(json_object_get(doc, keys[i])))
			json_object_set(line, keys[i], json_object_get(doc,
			    keys[i]));
	json_object_set_new(line, "status", json_string(status));
	json_object_set_new(line, "status_label", json_string(*status != '\0' ?
	    ld_pgettext("status", status) : ""));
	json_object_set_new(line, "type_label", json_string(t != NULL ?
	    _(t->label) : ""));
	json_object_set_new(line, "counted", json_integer(0));
	return line;
}

static void
drill_note(const char *table, const char *key, const char *figure,
    const json_t *doc, void *arg)
{
	struct drill *d = arg;
	const char *entity = cjson_str(doc, "entity");
	json_t *line;

	if (entity == NULL || strcmp(table, d->table) != 0 ||
	    (d->key != NULL && strcmp(key, d->key) != 0) ||
	    (d->figure != NULL && strcmp(figure, d->figure) != 0))
		return;
	if ((line = json_object_get(d->records, entity)) == NULL) {
		line = record_line(doc);
		json_object_set_new(d->records, entity, line);
		json_array_append_new(d->order, json_string(entity));
	}
	json_object_set_new(line, "counted", json_integer(
	    json_integer_value(json_object_get(line, "counted")) + 1));
}

static void
records(struct api *a, const struct http_request *req,
    const struct account *acct, struct http_response *resp)
{
	struct store *st;
	const char *unit, *period, *limit_text = http_query(req, "limit");
	const char *key = http_query(req, "key"), *rule = http_query(req,
	    "rule");
	struct stats_trail trail;
	struct drill d;
	char err[LD_ERRLEN], *detail;
	json_t *result, *list, *doc;
	long long limit = DASH_RECORDS_DEFAULT;
	size_t i;
	int rc;

	if (unit_asked(req, acct, &unit, resp) != 0 ||
	    period_asked(req, &period, resp) != 0)
		return;
	memset(&d, 0, sizeof d);
	d.table = http_query(req, "table");
	d.figure = http_query(req, "figure");
	for (i = 0; d.table != NULL && drill_tables[i] != NULL; i++)
		if (strcmp(d.table, drill_tables[i]) == 0)
			break;
	if (d.table == NULL || drill_tables[i] == NULL) {
		reply_error(resp, 400, _("give table= one of the report's tables "
		    "(cases.by_unit...)"));
		return;
	}
	if (limit_text != NULL && ld_number(limit_text, 1, DASH_RECORDS_MAX,
	    &limit, NULL) != 0) {
		char msg[128];
		snprintf(msg, sizeof msg, _("limit must be a number from 1 to %d"),
		    DASH_RECORDS_MAX);
		reply_error(resp, 400, msg);
		return;
	}
	if (d.figure != NULL && *d.figure == '\0')
		d.figure = NULL;
	if (key != NULL && *key != '\0')
		d.key = rule != NULL && *rule != '\0' ?
		    xasprintf("%s\t%s", key, rule) : xstrdup(key);
	detail = xasprintf("period=%s unit=%s table=%s key=%s figure=%s",
	    period, unit != NULL ? unit : "(county)", d.table,
	    key != NULL ? key : "", d.figure != NULL ? d.figure : "");
	rc = audit(a, acct->name, req->client, "records-view", detail, err);
	free(detail);
	if (rc != 0) {
		free(d.key);
		fail_store(resp, rc, err);
		return;
	}
	if ((st = reading(a, resp)) == NULL) {
		free(d.key);
		return;
	}
	d.records = json_object();
	d.order = json_array();
	trail.fn = drill_note;
	trail.arg = &d;
	rc = figures_report(st, a->county, period, unit,
	    category_asked(req), ltime_now(), &trail, &result, err);
	done_reading(a);
	free(d.key);
	if (rc != 0) {
		json_decref(d.records);
		json_decref(d.order);
		fail_store(resp, rc, err);
		return;
	}
	json_decref(result);
	list = json_array();
	for (i = 0; i < json_array_size(d.order) && i < (size_t)limit; i++)
		json_array_append(list, json_object_get(d.records,
		    json_string_value(json_array_get(d.order, i))));
	doc = json_pack("{s:i, s:s, s:s, s:s?, s:s, s:o, s:I, s:b}", "v", 1,
	    "kind", "records", "period", period, "unit", unit, "table", d.table,
	    "records", list, "total", (json_int_t)json_array_size(d.order),
	    "more", json_array_size(d.order) > (size_t)limit);
	json_decref(d.records);
	json_decref(d.order);
	reply_doc(resp, 200, doc);
}

/* --- one record ---------------------------------------------------- */

struct events {
	struct event *evs;
	size_t n;
	int bad;
};

static int
collect_event(int64_t cursor, int64_t received_at, const char *raw,
    size_t len, void *arg)
{
	struct events *e = arg;

	e->evs = xrealloc(e->evs, (e->n + 1) * sizeof *e->evs);
	if (event_parse(raw, len, &e->evs[e->n], NULL) != 0) {
		e->bad = 1;
		return 1;
	}
	e->n++;
	return 0;
}

/* Every string in v masked (mask.h: the names given, long numbers). */
static void
mask_all(json_t *v, const json_t *names)
{
	const char *k;
	json_t *x;
	size_t i;
	char *m;

	if (json_is_object(v)) {
		json_object_foreach(v, k, x) {
			if (json_is_string(x)) {
				m = mask_text(json_string_value(x), names);
				json_object_set_new(v, k, json_string(m));
				free(m);
			} else
				mask_all(x, names);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x) {
			if (json_is_string(x)) {
				m = mask_text(json_string_value(x), names);
				json_array_set_new(v, i, json_string(m));
				free(m);
			} else
				mask_all(x, names);
		}
	}
}

/* 1 if id looks like a record's id (letters, digits, '-', '_', '.'). */
static int
id_shaped(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && n <= 80 && strspn(id, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

static void
record(struct api *a, const struct http_request *req,
    const struct account *acct, struct http_response *resp)
{
	struct store *st;
	const char *id = req->path + strlen("/dash/api/record/");
	const char *scope = scope_of(acct), *status;
	struct events e;
	char err[LD_ERRLEN], *detail, at[LTIME_LEN];
	json_t *doc, *names, *identity, *timeline, *item;
	size_t i;
	int rc;

	if (!id_shaped(id)) {
		reply_error(resp, 404, _("no such record"));
		return;
	}
	detail = xasprintf("record=%s", id);
	rc = audit(a, acct->name, req->client, "record-view", detail, err);
	free(detail);
	if (rc != 0) {
		fail_store(resp, rc, err);
		return;
	}
	memset(&e, 0, sizeof e);
	if ((st = reading(a, resp)) == NULL)
		return;
	rc = st->ops->entity_events(st, id, scope, collect_event, &e, err);
	done_reading(a);
	if (rc != 0 || e.bad || e.n == 0) {
		for (i = 0; i < e.n; i++)
			event_release(&e.evs[i]);
		free(e.evs);
		if (rc != 0)
			fail_store(resp, rc, err);
		else if (e.bad)
			fail_store(resp, LD_EINTEGRITY, "an event does not parse");
		else
			reply_error(resp, 404, _("no such record"));
		return;
	}
	doc = fold_events(e.evs, e.n);
	/* The complainant's identity: its words masked wherever the
	 * record repeats them, the identity itself never sent. */
	names = json_array();
	identity = json_object_get(doc, "identity");
	if (json_is_string(json_object_get(identity, "name")))
		json_array_append(names, json_object_get(identity, "name"));
	if (json_is_string(json_object_get(identity, "phone")))
		json_array_append(names, json_object_get(identity, "phone"));
	json_object_del(doc, "identity");
	fold_drop_confidential(doc);
	timeline = json_array();
	for (i = 0; i < e.n; i++) {
		/* Neither the identity nor a confidential attachment (its
		 * name and caption may name the complainant). */
		if (!kind_body_confidential(kind_find(e.evs[i].kind),
		    e.evs[i].body)) {
			ltime_format(e.evs[i].at, at);
			item = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O}", "at", at,
			    "kind", e.evs[i].kind, "kind_label", ld_pgettext("kind",
			    e.evs[i].kind), "unit", e.evs[i].unit, "author",
			    e.evs[i].author, "body", e.evs[i].body);
			json_array_append_new(timeline, item);
		}
		event_release(&e.evs[i]);
	}
	free(e.evs);
	mask_all(doc, names);
	mask_all(timeline, names);
	json_decref(names);
	status = fold_status(doc);
	reply_doc(resp, 200, json_pack("{s:i, s:s, s:o, s:o, s:s}", "v", 1,
	    "kind", "record", "record", doc, "timeline", timeline,
	    "status_label", *status != '\0' ? ld_pgettext("status", status) :
	    ""));
}

/*
 * An export (docs/dashboard.md, "Exports"): the report's tables (what=
 * report, the default) or the publication's (what=publication), every
 * one or one (table=), as an .xlsx workbook or CSV (format=), written by
 * export.c as `report --xlsx|--csv` and `publish` write them; audited
 * as theirs, with the account. The period, unit and category as for
 * the report.
 */
static void
export(struct api *a, const struct http_request *req,
    const struct account *acct, struct http_response *resp)
{
	const char *unit, *period, *what = http_query(req, "what");
	const char *format = http_query(req, "format"), *one;
	const struct export_table *tabs, *t;
	struct export_table pick[2];
	char err[LD_ERRLEN], *buf = NULL, tm[LTIME_LEN];
	int64_t from, to;
	json_t *result;
	size_t len = 0;
	FILE *f;
	int rc, publication;

	if (unit_asked(req, acct, &unit, resp) != 0 ||
	    period_asked(req, &period, resp) != 0)
		return;
	publication = what != NULL && strcmp(what, "publication") == 0;
	if ((what != NULL && !publication && strcmp(what, "report") != 0) ||
	    format == NULL || (strcmp(format, "xlsx") != 0 &&
	    strcmp(format, "csv") != 0)) {
		reply_error(resp, 400, _("give format=xlsx or csv, and what= "
		    "report or publication"));
		return;
	}
	tabs = publication ? export_publish_tables : export_report_tables;
	if ((one = http_query(req, "table")) != NULL && *one != '\0') {
		for (t = tabs; t->title != NULL && strcmp(t->rows, one) != 0; t++)
			;
		if (t->title == NULL) {
			reply_error(resp, 400, _("no such table"));
			return;
		}
		pick[0] = *t;
		memset(&pick[1], 0, sizeof pick[1]);
		tabs = pick;
	}
	if (audited_figures(a, req, acct, format, publication, period, unit,
	    &result, resp) != 0)
		return;
	if (publication) {
		/* What the workbook's first sheet says of itself. */
		(void)stats_period(period, &from, &to);
		json_object_set_new(result, "period", json_string(period));
		json_object_set_new(result, "county", json_string(a->county));
		ltime_format(from, tm);
		json_object_set_new(result, "from", json_string(tm));
		ltime_format(to, tm);
		json_object_set_new(result, "to", json_string(tm));
		json_object_set_new(result, "unit", unit != NULL ?
		    json_string(unit) : json_null());
	}
	if (strcmp(format, "xlsx") == 0) {
		rc = export_xlsx_bytes(tabs, result, &buf, &len, err);
		resp->content_type = "application/vnd.openxmlformats-"
		    "officedocument.spreadsheetml.sheet";
	} else {
		f = open_memstream(&buf, &len);
		export_csv(f, tabs, result);
		rc = fclose(f) == 0 ? 0 : -1;
		resp->content_type = "text/csv; charset=utf-8";
	}
	json_decref(result);
	if (rc != 0) {
		free(buf);
		log_line("error", "event=dash-error error=%s", err);
		reply_error(resp, 500, _("the export cannot be written"));
		return;
	}
	free(resp->body);
	resp->body = buf;
	resp->body_len = len;
	resp->status = 200;
	resp->no_store = 1;
}

/* The county's stations (county-wide accounts only): their last sync,
 * backlog, clock offset, version and the certificate's end. */
static void
stations(struct api *a, const struct http_request *req,
    const struct account *acct, struct http_response *resp)
{
	struct store *st;
	char err[LD_ERRLEN], t[LTIME_LEN];
	json_t *list, *x, *v;
	size_t i;
	int rc;

	if (scope_of(acct) != NULL) {
		reply_error(resp, 403, _("only a county-wide account sees the "
		    "stations"));
		return;
	}
	if ((rc = audit(a, acct->name, req->client, "stations-view", "", err))
	    != 0) {
		fail_store(resp, rc, err);
		return;
	}
	if ((st = reading(a, resp)) == NULL)
		return;
	rc = figures_stations(st, &list, err);
	done_reading(a);
	if (rc != 0) {
		fail_store(resp, rc, err);
		return;
	}
	/* Times as people read them, in China Standard Time. */
	json_array_foreach(list, i, x)
		if (json_is_integer(v = json_object_get(x, "last_sync"))) {
			ltime_format(json_integer_value(v), t);
			json_object_set_new(x, "last_sync", json_string(t));
		}
	if (a->cert_expires != 0)
		ltime_format(a->cert_expires, t);
	reply_doc(resp, 200, json_pack("{s:i, s:s, s:o, s:s?}", "v", 1, "kind",
	    "stations", "stations", list, "certificate_expires",
	    a->cert_expires != 0 ? t : NULL));
}

/* --- routing -------------------------------------------------------- */

static void
route(struct api *a, const struct http_request *req,
    struct http_response *resp)
{
	char token[SESSION_TOKEN_LEN], err[LD_ERRLEN];
	struct account acct;
	int rc;

	if (strcmp(req->path, "/dash/strings") == 0) {
		strings(resp);
		return;
	}
	if (public_path(req->path)) {
		asset(req, resp); /* dash_admit answers these itself */
		return;
	}
	if (strcmp(req->path, "/dash/login") == 0) {
		login(a, req, resp);
		return;
	}
	if (strcmp(req->path, "/dash/logout") == 0) {
		logout(a, req, resp);
		return;
	}
	/* Admitted with a live session; it may have ended since. */
	if ((rc = session_of(a, req, &acct, token, err)) != 0) {
		reply_error(resp, rc == LD_EAUTH ? 401 : 500, rc == LD_EAUTH ?
		    _("not logged in") : _("the server cannot read its database"));
		return;
	}
	if (strcmp(req->path, "/dash/api/session") == 0)
		reply_doc(resp, 200, session_doc(&acct, token));
	else if (strcmp(req->path, "/dash/api/report") == 0)
		report(a, req, &acct, resp);
	else if (strcmp(req->path, "/dash/api/records") == 0)
		records(a, req, &acct, resp);
	else if (strcmp(req->path, "/dash/api/export") == 0)
		export(a, req, &acct, resp);
	else if (strcmp(req->path, "/dash/api/stations") == 0)
		stations(a, req, &acct, resp);
	else if (strncmp(req->path, "/dash/api/record/", 17) == 0)
		record(a, req, &acct, resp);
	else
		reply_error(resp, 404, _("no such endpoint"));
	sodium_memzero(token, sizeof token);
	account_release(&acct);
}

void
dash_handle(struct api *a, const struct http_request *req,
    struct http_response *resp)
{
	locale_t old = speak(req);

	route(a, req, resp);
	unspeak(old);
}
