/*
 * ui.c - the station console: `liandong ui [--port N] [--no-open]`, and
 * `liandong daemon --ui [--port N]` (ui_start, ui.h), one process that
 * syncs and serves.
 *
 * A small HTTP server (libmicrohttpd) on 127.0.0.1 only, plain HTTP on
 * loopback, serving the pages built into the binary (agent/ui/) and a
 * local JSON API (docs/console-api.md) that they, and other local tools,
 * use. It runs until SIGINT or SIGTERM.
 *
 * The API runs the agent's own commands: a request becomes the command
 * line of `liandong <noun> <verb> --json ...`, run as a child of this
 * process (this binary, /proc/self/exe), whose stdout is the answer and
 * whose error message, with the field it names, the error. So the
 * console reads the same JSON documents as `--json`, and a record opened
 * here is filled and validated by the very code of `liandong case open`
 * (agent/form.c), with the same messages, in the language the request
 * asks for (Accept-Language) or else this process's. UI_CONNECTIONS
 * requests run at once, so that one command waiting (on the database a
 * sync writes, say) does not hold the pages' other requests: the
 * station's database sees what it would see from a few clerks. The
 * child is /proc/self/exe, this very program even when an upgrade has
 * replaced or removed its file. A sync, which can take minutes on
 * 2G, runs apart in a thread of its own, one at a time (POST /api/sync;
 * with `daemon --ui`, the daemon's own loop runs it).
 *
 * The record pages run only the commands of ui_cmds (every record
 * command; nothing that configures the station or moves its data out),
 * with only the options each declares (GET /api/commands/NOUN/VERB says
 * which), values as "--opt=value" and ids after "--": whatever a page
 * sends stays a value of that command.
 *
 * Safety on a shared PC (issue 16, item 4). Rules, in the order every
 * request meets them, before anything of it is read or kept:
 *
 *  1. Host must be 127.0.0.1:PORT or localhost:PORT (a page of another
 *     name resolving to 127.0.0.1, DNS rebinding): else 421.
 *  2. GET /login?k=SECRET, SECRET drawn at each start (libsodium) and
 *     given only in the URL printed and opened, sets the session cookie
 *     (HttpOnly, SameSite=Strict, its name carrying the port) and
 *     redirects to /#t=TOKEN: the API's token, in the fragment, which
 *     no browser sends on; a wrong or missing k is 403.
 *  3. Every other request needs that cookie: else 401. Every /api/
 *     request also needs the header X-CSRF-Token with that token, for
 *     reading too: the cookie alone is no proof (browsers send it to
 *     every port of 127.0.0.1, another local user's server included).
 *  4. Any method but GET and HEAD needs Origin http://HOST (the Host
 *     it came with) and the token: else 403. Then a method other than
 *     POST is 405.
 *  5. A body longer than UI_MAX_BODY is refused with 413: by its
 *     Content-Length at once, else (chunked) once it ends, what passed
 *     the cap read and dropped (libmicrohttpd answers only after the
 *     upload), so that no more than the cap is ever kept.
 *
 * Answers are never cached and never framed (Cache-Control, CSP). The
 * console writes no file but, for attachments (attach, attachment get),
 * the file sent or given, each in a directory of its own (0700, the file
 * 0600) beside the database, removed as soon as the command is done or
 * the request ends. A file to attach is bounded by [attachments]
 * max_size, as attach bounds it, not by UI_MAX_BODY: refused by its
 * Content-Length before its body, else counted as it comes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <microhttpd.h>

#include "cmd.h"
#include "form.h"
#include "hash.h"
#include "log.h"
#include "out.h"
#include "registry.h"
#include "ui.h"

extern char **environ;

#define UI_DEFAULT_PORT 8731
#define UI_TOKEN_BYTES 24
#define UI_TOKEN_LEN 40 /* base64url of 24 bytes (32) and NUL, rounded */
#define UI_MAX_OUT (16 * 1024 * 1024) /* a command's answer */
#define UI_MAX_ERR (64 * 1024)        /* its messages */
#define UI_CONNECTIONS 16             /* at once, each its own thread */
#define UI_COMMAND_MS 60000           /* the longest a command may be silent */
#define UI_SYNC_MS (20 * 60000)       /* ... and a sync (2G, a backlog) */

/* The sync the console started (POST /api/sync), run in a thread of its
 * own so that the pages go on answering while it lasts; one at a time. */
enum ui_sync_state { SYNC_IDLE, SYNC_RUNNING, SYNC_DONE, SYNC_FAILED };

struct ui_sync {
	enum ui_sync_state state;
	long long started, finished; /* ms, wall clock */
	int exit;
	char *error;       /* owned: the command's message when failed */
	json_t *result;    /* owned: `sync --json`'s document when done */
	const char *locale; /* borrowed (request_locale's constants) */
	pid_t pid;         /* the child while it runs, else 0 */
	pthread_t thread;
	int joinable;
	int wanted;        /* with the daemon: a sync asked for, not begun */
};

struct ui {
	struct MHD_Daemon *d;
	unsigned port;
	char secret[UI_TOKEN_LEN];  /* k= of the login URL */
	char session[UI_TOKEN_LEN]; /* the cookie's value */
	char csrf[UI_TOKEN_LEN];
	char cookie[48];            /* the cookie's name */
	const char *db;             /* borrowed from the command's context */
	char *url_file;             /* owned: daemon --ui's file with the URL */
	const char *config;
	pthread_mutex_t mu;         /* guards sync */
	struct ui_sync sync;
	int daemon;                 /* served by `liandong daemon --ui` */
	char *dir;                  /* owned: the station's directory (the
				     * database's), where uploads wait */
	int64_t attach_max;         /* [attachments] max_size; -1: malformed */
	char *page;                 /* the page given xdg-open, or NULL */
	pid_t browser;
};

/* A request past rules 1-4: its body, up to UI_MAX_BODY; or, for an
 * upload (POST /api/attachments/RECORD), the file it carries, written
 * as it comes into a directory of its own (0700) in the station's
 * directory, as a file of mode 0600 named as the user's file (attach
 * takes its name and type from it), both removed once attached or
 * refused (upload_remove). */
struct ui_req {
	char *body;
	size_t len;
	int too_big; /* past its limit: the rest is read and dropped */
	int upload;
	char *up_dir;  /* owned, or NULL */
	char *up_path; /* owned, or NULL */
	int up_fd;     /* -1 once closed */
	int64_t up_len;
	int up_errno;  /* a write failed: the rest is dropped */
};

/* The strings of the pages (agent/ui/app.js asks for them by their
 * English text): GET /api/strings gives them translated. */
static const char *const page_strings[] = {
	/* What stands for a complainant's identity in --json (form.c,
	 * cmd-complaint.c): the page shows it in its language. */
	N_("(confidential)"),
	N_("Liandong station console"),
	N_("Previous page"),
	N_("Next page"),
	N_("Workbench"),
	N_("Cases"),
	N_("Open a case"),
	N_("What this unit owes, soonest first"),
	N_("Nothing is owed."),
	N_("Due"),
	N_("Obligation"),
	N_("Owed by"),
	N_("Record"),
	N_("Overdue"),
	N_("no due time"),
	N_("Search"),
	N_("All"),
	N_("In progress"),
	N_("Closed"),
	N_("No cases."),
	N_("Status"),
	N_("Discovered"),
	N_("Category"),
	N_("Location"),
	N_("Matter"),
	N_("Timeline"),
	N_("Save"),
	N_("Last sync:"),
	N_("never"),
	N_("Events not yet at the county server:"),
	N_("Urgent"),
	N_("yes"),
	N_("no"),
	N_("one per line"),
	N_("Please correct the field marked below."),
	N_("The console cannot be reached: is 'liandong ui' still running?"),
	N_("Officer"),
	N_("Unit"),
	N_("Description"),
	N_("Refer by"),
	N_("Parties"),
	N_("Evidence"),
	N_("Handling"),
	N_("Why"),
	N_("Discovered from"),
	N_("Discovered before"),
	N_("Syncing with the county server..."),
	N_("Sync done:"),
	N_("events sent"),
	N_("events received"),
	N_("Sync failed:"),
	N_("unread alerts"),
	N_("Waiting for this unit"),
	N_("Nothing is waiting."),
	N_("Type"),
	N_("Sync"),
	N_("Sync now"),
	N_("Conflicts to look at"),
	N_("No conflicts."),
	N_("Step"),
	N_("Mark all read"),
	N_("Alerts"),
	N_("No alerts."),
	N_("Units concerned"),
	N_("Recorded at"),
	N_("Last changed"),
	N_("Accept"),
	N_("Acknowledge by"),
	N_("Acknowledge"),
	N_("Add a resolution"),
	N_("Add a topic"),
	N_("Answer"),
	N_("Arrived at the scene"),
	N_("Back"),
	N_("Cancel"),
	N_("Case"),
	N_("Close"),
	N_("Complainant:"),
	N_("Convened by"),
	N_("Decide how to handle"),
	N_("Decide"),
	N_("Dispute"),
	N_("Escalate"),
	N_("Extend the deadline"),
	N_("Extend the time to refer"),
	N_("Follow up a resolution"),
	N_("Form"),
	N_("Left the unit"),
	N_("Meeting"),
	N_("Minutes of the meeting"),
	N_("Minutes"),
	N_("New"),
	N_("None."),
	N_("Note"),
	N_("Nothing here."),
	N_("Notify"),
	N_("Owner"),
	N_("Police notified"),
	N_("Print"),
	N_("Printed"),
	N_("Received by"),
	N_("Received on paper"),
	N_("Received"),
	N_("Record the minutes"),
	N_("Refer the case"),
	N_("Refer to a unit"),
	N_("Referral letter"),
	N_("Reply"),
	N_("Report the result"),
	N_("Resolution"),
	N_("Resolutions"),
	N_("Return"),
	N_("Send"),
	N_("Sent by"),
	N_("Sent"),
	N_("Show the complainant"),
	N_("Source materials"),
	N_("Time"),
	N_("To"),
	N_("Topics"),
	N_("Training"),
	N_("Units"),
	N_("Update"),
	N_("Withdraw"),
	N_("done"),
	N_("Attachments"),
	N_("No attachments."),
	N_("File name"),
	N_("Size"),
	N_("Caption"),
	N_("Confidential"),
	N_("On this station"),
	N_("To fetch from the county server"),
	N_("Download"),
	N_("Fetch"),
	N_("Show confidential attachments"),
	N_("Attach a file"),
	N_("File"),
	N_("Attach"),
	N_("Only the units handling the record may see it, as a complainant's identity"),
	N_("Choose a file to attach."),
	N_("Attached."),
	N_("Downloaded."),
	N_("Fetching from the county server..."),
	N_("Uploading..."),
	N_("The file is over the limit of this station ([attachments] max_size):"),
};

/* ---- answers ---- */

/* Answers with body (taken), of type, with the headers every answer
 * has and up to two more (h1, h2: NULL for none). */
static enum MHD_Result
reply2(struct MHD_Connection *conn, unsigned status, const char *type,
    char *body, size_t len, const char *h1, const char *v1, const char *h2,
    const char *v2)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Content-Security-Policy",
	    "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
	    "form-action 'self'");
	if (h1 != NULL)
		MHD_add_response_header(r, h1, v1);
	if (h2 != NULL)
		MHD_add_response_header(r, h2, v2);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned status, const char *type,
    char *body, size_t len)
{
	return reply2(conn, status, type, body, len, NULL, NULL, NULL, NULL);
}

static enum MHD_Result
reply_json(struct MHD_Connection *conn, unsigned status, json_t *doc)
{
	char *s = json_dumps(doc, JSON_SORT_KEYS | JSON_INDENT(2));

	json_decref(doc);
	if (s == NULL)
		return MHD_NO;
	return reply(conn, status, "application/json; charset=utf-8", s,
	    strlen(s));
}

/* {"v": 1, "kind": "error", "error": message}. */
static enum MHD_Result
reply_error(struct MHD_Connection *conn, unsigned status, const char *msg)
{
	json_t *doc = out_doc("error");

	json_object_set_new(doc, "error", json_string(msg));
	return reply_json(conn, status, doc);
}

/* A request refused by the rules at the top of the file: one log line
 * (the rule, never the request's text), and the error. */
static enum MHD_Result
refuse(struct MHD_Connection *conn, unsigned status, const char *rule,
    const char *msg)
{
	log_line("info", "event=ui-refused status=%u rule=%s", status, rule);
	return reply_error(conn, status, msg);
}

/* ---- the commands, run as children ---- */

static char *
strndup_x(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static void *
memdup_bytes(const void *p, size_t n)
{
	void *d = xmalloc(n > 0 ? n : 1);

	memcpy(d, p, n);
	return d;
}

/* The locale a request's Accept-Language asks for, among those the
 * agent speaks, or NULL (this process's). */
static const char *
request_locale(struct MHD_Connection *conn)
{
	const char *al = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Accept-Language");

	if (al == NULL)
		return NULL;
	while (*al == ' ')
		al++;
	if (strncasecmp(al, "zh", 2) == 0)
		return "zh_CN.UTF-8";
	if (strncasecmp(al, "en", 2) == 0 || *al == '*')
		return "C.UTF-8";
	return NULL;
}

/* This process's environment for a child: never asked on a terminal,
 * in locale when not NULL, and with words (borrowed, may be NULL) as
 * LIANDONG_UI_ARGV. New array of borrowed or new strings (*own, the
 * locale's, and *own_words are new). */
static char **
child_env(const char *locale, char **own, const char *words,
    char **own_words)
{
	size_t n = 0, i, k = 0;
	char **env;

	for (n = 0; environ[n] != NULL; n++)
		;
	env = xcalloc(n + 3, sizeof *env);
	*own = NULL;
	*own_words = NULL;
	if (words != NULL)
		env[k++] = *own_words = xasprintf("LIANDONG_UI_ARGV=%s", words);
	for (i = 0; i < n; i++) {
		const char *e = environ[i];
		if (strncmp(e, "LIANDONG_PROMPT=", 16) == 0 ||
		    strncmp(e, "LIANDONG_UI_ARGV=", 17) == 0)
			continue;
		if (locale != NULL && (strncmp(e, "LC_ALL=", 7) == 0 ||
		    strncmp(e, "LC_MESSAGES=", 12) == 0 ||
		    strncmp(e, "LANGUAGE=", 9) == 0))
			continue;
		env[k++] = environ[i];
	}
	if (locale != NULL)
		env[k++] = *own = xasprintf("LC_ALL=%s", locale);
	env[k] = NULL;
	return env;
}

/* Appends what fd has to read to *buf (at most cap bytes in all).
 * Returns 1 at end of file, 0 to read again, -1 when over cap. */
static int
drain(int fd, char **buf, size_t *len, size_t cap)
{
	char chunk[8192];
	ssize_t n = read(fd, chunk, sizeof chunk);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : 1;
	if (n == 0)
		return 1;
	if (*len + (size_t)n > cap)
		return -1;
	*buf = xrealloc(*buf, *len + (size_t)n + 1);
	memcpy(*buf + *len, chunk, (size_t)n);
	*len += (size_t)n;
	(*buf)[*len] = '\0';
	return 0;
}

/* Runs `liandong --db DB [--config FILE] ARGS...` with stdin from
 * /dev/null, in locale (NULL: this process's). *out and *err get its
 * stdout and stderr (new, NUL-terminated, maybe empty), *status its exit
 * code (EXIT_INTERNAL when it could not run, died, said more than
 * UI_MAX_OUT or UI_MAX_ERR, or was silent timeout_ms: then it is
 * killed). While it runs, *child (when not NULL) is its pid, under
 * ui->mu, so that the console can stop it; then 0 again, before it is
 * reaped (its pid cannot be another's while *child names it). Returns 0,
 * or the errno value of why it could not be started. */
static int
run_command(struct ui *ui, const char *locale, json_t *args, int timeout_ms,
    pid_t *child, char **out, size_t *out_len, char **err, int *status)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	int po[2], pe[2], rc, open_fds = 2;
	siginfo_t info;
	size_t n = json_array_size(args), i, k = 0, err_len = 0;
	char **argv = xcalloc(n + 6, sizeof *argv), **env, *own, *own_words;
	char *words;
	struct pollfd pfd[2];
	pid_t pid;

	*out = xstrdup("");
	*err = xstrdup("");
	*out_len = 0;
	*status = EXIT_INTERNAL;
	argv[k++] = (char *)"liandong";
	argv[k++] = (char *)"--db";
	argv[k++] = (char *)ui->db;
	if (ui->config != NULL) {
		argv[k++] = (char *)"--config";
		argv[k++] = (char *)ui->config;
	}
	/* The command's words go in the environment, which only this user
	 * may read, never in argv, which every local user can
	 * (/proc/PID/cmdline): a complainant's name is one of them. */
	argv[k] = NULL;
	if (pipe2(po, O_CLOEXEC) != 0) {
		rc = errno;
		free(argv);
		return rc;
	}
	if (pipe2(pe, O_CLOEXEC) != 0) {
		rc = errno;
		close(po[0]);
		close(po[1]);
		free(argv);
		return rc;
	}
	words = json_dumps(args, JSON_COMPACT);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	env = child_env(locale, &own, words, &own_words);
	rc = posix_spawn(&pid, "/proc/self/exe", &fa, &attr, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	free(env);
	free(own);
	free(own_words);
	free(words);
	free(argv);
	close(po[1]);
	close(pe[1]);
	if (rc != 0) {
		close(po[0]);
		close(pe[0]);
		return rc;
	}
	if (child != NULL) {
		pthread_mutex_lock(&ui->mu);
		*child = pid;
		pthread_mutex_unlock(&ui->mu);
	}
	pfd[0].fd = po[0];
	pfd[1].fd = pe[0];
	pfd[0].events = pfd[1].events = POLLIN;
	while (open_fds > 0) {
		int ready = poll(pfd, 2, timeout_ms);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0) { /* stuck: the console must answer */
			kill(pid, SIGKILL);
			break;
		}
		for (i = 0; i < 2; i++) {
			int d;
			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			d = i == 0 ? drain(pfd[0].fd, out, out_len, UI_MAX_OUT) :
			    drain(pfd[1].fd, err, &err_len, UI_MAX_ERR);
			if (d < 0)
				kill(pid, SIGKILL);
			if (d != 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				open_fds--;
			}
		}
	}
	for (i = 0; i < 2; i++)
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	/* Waited for, not yet reaped: until *child is 0 the pid is this
	 * child's, whatever sync_stop does with it. */
	memset(&info, 0, sizeof info);
	while (waitid(P_PID, pid, &info, WEXITED | WNOWAIT) < 0 &&
	    errno == EINTR)
		;
	if (child != NULL) {
		pthread_mutex_lock(&ui->mu);
		*child = 0;
		pthread_mutex_unlock(&ui->mu);
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (info.si_pid == pid && info.si_code == CLD_EXITED)
		*status = info.si_status;
	return 0;
}

/* The error a command said on stderr: its last "liandong: <level>: "
 * line, without that prefix (whatever language the level is in).
 * New string. */
static char *
command_message(const char *err)
{
	const char *p = err, *last = NULL, *e, *c;
	char *msg;

	for (; *p != '\0'; p = *e != '\0' ? e + 1 : e) {
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		if (strncmp(p, "liandong: ", 10) == 0)
			last = p;
	}
	if (last == NULL) {
		e = strchr(err, '\n');
		return e != NULL ? strndup_x(err, (size_t)(e - err)) : xstrdup(err);
	}
	last += 10;
	e = strchr(last, '\n');
	if (e == NULL)
		e = last + strlen(last);
	c = strstr(last, ": ");
	if (c != NULL && c < e && c - last <= 16)
		last = c + 2;
	msg = strndup_x(last, (size_t)(e - last));
	return msg;
}

/* The first option "--name" in msg that is one of kind's fields. */
static const char *
message_field(const char *kind, const char *msg)
{
	const char *p = msg, *f;
	size_t n;

	while (kind != NULL && (p = strstr(p, "--")) != NULL) {
		p += 2;
		for (n = 0; (p[n] >= 'a' && p[n] <= 'z') || p[n] == '-'; n++)
			;
		if (n > 0 && (f = form_kind_field(kind, p, n)) != NULL)
			return f;
	}
	return NULL;
}

static unsigned
exit_status_http(int code)
{
	switch (code) {
	case EXIT_USAGE:
	case EXIT_INVALID:
		return MHD_HTTP_BAD_REQUEST;
	case EXIT_NOTFOUND:
		return MHD_HTTP_NOT_FOUND;
	case EXIT_CONFLICT:
		return MHD_HTTP_CONFLICT;
	case EXIT_FORBIDDEN:
		return MHD_HTTP_FORBIDDEN;
	case EXIT_CONFIG:
	case EXIT_DATABASE:
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	default:
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
}

/* Answers a command that failed with exit code: {"kind": "error",
 * "error": msg, "exit", "field" (the option msg names, or null),
 * "messages": err (all it said)}. Frees msg and err. */
static enum MHD_Result
reply_command_error(struct MHD_Connection *conn, char *msg, char *err,
    int code, const char *field)
{
	json_t *doc = out_doc("error");

	json_object_set_new(doc, "error", json_string(msg));
	json_object_set_new(doc, "exit", json_integer(code));
	json_object_set_new(doc, "field", field != NULL ? json_string(field) :
	    json_null());
	json_object_set_new(doc, "messages", json_string(err));
	free(msg);
	free(err);
	return reply_json(conn, exit_status_http(code), doc);
}

/* Runs a command (args, taken) and answers with its JSON document, or
 * with {"kind": "error", "error", "exit", "field" (when the message
 * names an option of kind, which may be NULL), "messages" (all it said)}. */
static enum MHD_Result
answer_command(struct ui *ui, struct MHD_Connection *conn, json_t *args,
    const char *kind, unsigned ok_status, void (*adjust)(json_t *doc))
{
	char *out, *err, *msg;
	size_t out_len;
	int code, rc;
	json_t *doc;
	const char *verb;

	rc = run_command(ui, request_locale(conn), args, UI_COMMAND_MS, NULL,
	    &out, &out_len, &err, &code);
	verb = json_string_value(json_array_get(args, 1));
	if (verb != NULL && verb[0] == '-')
		verb = NULL;
	log_line("info", "event=ui-command command=\"%s%s%s\" exit=%d",
	    json_string_value(json_array_get(args, 0)), verb != NULL ? " " : "",
	    verb != NULL ? verb : "", rc != 0 ? -1 : code);
	if (rc != 0) {
		json_decref(args);
		free(out);
		free(err);
		return reply_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    strerror(rc));
	}
	json_decref(args);
	if (code == 0 && adjust != NULL &&
	    (doc = json_loadb(out, out_len, 0, NULL)) != NULL) {
		free(out);
		free(err);
		adjust(doc);
		return reply_json(conn, ok_status, doc);
	}
	if (code == 0) {
		free(err);
		return reply(conn, ok_status, "application/json; charset=utf-8",
		    out, out_len);
	}
	free(out);
	msg = command_message(err);
	return reply_command_error(conn, msg, err, code, message_field(kind,
	    msg));
}

/* Adds "--name=value" for each query argument of names given. */
static void
query_options(struct MHD_Connection *conn, json_t *args,
    const char *const *names)
{
	const char *v;

	for (; *names != NULL; names++)
		if ((v = MHD_lookup_connection_value(conn,
		    MHD_GET_ARGUMENT_KIND, *names)) != NULL && *v != '\0')
			json_array_append_new(args, json_sprintf("--%s=%s",
			    *names, v));
}

/* ---- the API ---- */

/* `due --json` and, for the pages, each obligation's text translated
 * as the table of `liandong due` shows it: "obligation_label". */
static void
due_labels(json_t *doc)
{
	json_t *o;
	size_t i;

	json_array_foreach(json_object_get(doc, "obligations"), i, o)
		json_object_set_new(o, "obligation_label", json_string(
		    _(json_string_value(json_object_get(o, "obligation")))));
}

/* Adds "status_label", the state in the user's language as `show` and
 * `list` print it (ld_pgettext), to every object of doc that has a
 * string "status" and no label yet. */
static void
status_labels(json_t *doc)
{
	const char *key;
	json_t *v, *st;
	size_t i;

	if (json_is_array(doc)) {
		json_array_foreach(doc, i, v)
			status_labels(v);
		return;
	}
	if (!json_is_object(doc))
		return;
	st = json_object_get(doc, "status");
	if (json_is_string(st) && json_object_get(doc, "status_label") == NULL)
		json_object_set_new(doc, "status_label", json_string(
		    ld_pgettext("status", json_string_value(st))));
	json_object_foreach(doc, key, v)
		if (json_is_object(v) || json_is_array(v))
			status_labels(v);
}

/*
 * The commands the console runs for its record pages (GET and POST
 * /api/run/NOUN/VERB): every record command of the agent, none that
 * configures the station, moves its data out or talks to the server
 * (sync has its own endpoint). A read command answers GET, a write one
 * POST only.
 */
struct ui_cmd {
	const struct cmd_entry *e;
	int write;
};

static const struct ui_cmd ui_cmds[] = {
	{ &cmd_case_open_entry, 1 }, { &cmd_case_list_entry, 0 },
	{ &cmd_case_show_entry, 0 }, { &cmd_case_update_entry, 1 },
	{ &cmd_case_decide_entry, 1 }, { &cmd_case_close_entry, 1 },
	{ &cmd_complaint_record_entry, 1 }, { &cmd_complaint_list_entry, 0 },
	{ &cmd_complaint_show_entry, 0 }, { &cmd_complaint_refer_entry, 1 },
	{ &cmd_complaint_notify_entry, 1 }, { &cmd_complaint_reply_entry, 1 },
	{ &cmd_liaison_log_entry, 1 }, { &cmd_liaison_list_entry, 0 },
	{ &cmd_referral_send_entry, 1 }, { &cmd_referral_list_entry, 0 },
	{ &cmd_referral_show_entry, 0 }, { &cmd_referral_extend_entry, 1 },
	{ &cmd_referral_receive_entry, 1 },
	{ &cmd_referral_acknowledge_entry, 1 },
	{ &cmd_referral_arrive_entry, 1 }, { &cmd_referral_accept_entry, 1 },
	{ &cmd_referral_dispute_entry, 1 },
	{ &cmd_referral_escalate_entry, 1 },
	{ &cmd_referral_decide_entry, 1 },
	{ &cmd_referral_withdraw_entry, 1 },
	{ &cmd_referral_return_entry, 1 }, { &cmd_referral_result_entry, 1 },
	{ &cmd_assist_request_entry, 1 }, { &cmd_assist_list_entry, 0 },
	{ &cmd_assist_show_entry, 0 }, { &cmd_assist_receive_entry, 1 },
	{ &cmd_assist_answer_entry, 1 }, { &cmd_assist_extend_entry, 1 },
	{ &cmd_whistle_call_entry, 1 }, { &cmd_whistle_list_entry, 0 },
	{ &cmd_whistle_show_entry, 0 }, { &cmd_whistle_receive_entry, 1 },
	{ &cmd_whistle_answer_entry, 1 }, { &cmd_whistle_escalate_entry, 1 },
	{ &cmd_meeting_schedule_entry, 1 }, { &cmd_meeting_list_entry, 0 },
	{ &cmd_meeting_show_entry, 0 }, { &cmd_meeting_topic_entry, 1 },
	{ &cmd_meeting_minutes_entry, 1 },
	{ &cmd_meeting_resolution_entry, 1 },
	{ &cmd_meeting_followup_entry, 1 },
	{ &cmd_share_record_entry, 1 }, { &cmd_share_list_entry, 0 },
	{ &cmd_share_show_entry, 0 }, { &cmd_share_send_entry, 1 },
	{ &cmd_share_extend_entry, 1 },
	{ &cmd_supervision_send_entry, 1 },
	{ &cmd_supervision_list_entry, 0 },
	{ &cmd_supervision_show_entry, 0 },
	{ &cmd_supervision_receive_entry, 1 },
	{ &cmd_supervision_reply_entry, 1 },
	{ &cmd_operation_plan_entry, 1 }, { &cmd_operation_list_entry, 0 },
	{ &cmd_operation_show_entry, 0 }, { &cmd_operation_answer_entry, 1 },
	{ &cmd_operation_police_entry, 1 },
	{ &cmd_operation_result_entry, 1 },
	{ &cmd_operation_cancel_entry, 1 },
	{ &cmd_person_add_entry, 1 }, { &cmd_person_list_entry, 0 },
	{ &cmd_person_show_entry, 0 }, { &cmd_person_update_entry, 1 },
	{ &cmd_person_leave_entry, 1 }, { &cmd_person_train_entry, 1 },
	{ &cmd_unit_list_entry, 0 },
	{ NULL, 0 },
};

/* The console command at "NOUN/VERB" (or "NOUN" for one without a
 * verb), or NULL. */
static const struct ui_cmd *
ui_cmd_find(const char *path)
{
	const struct ui_cmd *c;
	const char *slash = strchr(path, '/');
	size_t n = slash != NULL ? (size_t)(slash - path) : strlen(path);

	for (c = ui_cmds; c->e != NULL; c++) {
		const struct cli_cmd *b = &c->e->base;
		if (strlen(b->noun) != n || strncmp(b->noun, path, n) != 0)
			continue;
		if (b->verb == NULL ? slash == NULL :
		    slash != NULL && strcmp(b->verb, slash + 1) == 0)
			return c;
	}
	return NULL;
}

/* The option of c's named len bytes at name (FORM_FIELDS expanded), or
 * NULL. The expansion is kept for the life of the program. */
static const struct cli_opt *
ui_cmd_opt(const struct ui_cmd *c, const char *name, size_t len)
{
	static const struct cli_opt *expanded[sizeof ui_cmds / sizeof *ui_cmds];
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	size_t at = (size_t)(c - ui_cmds);
	const struct cli_opt *o, *all;

	/* Requests run in threads of their own. */
	pthread_mutex_lock(&mu);
	if (expanded[at] == NULL)
		expanded[at] = form_opts(c->e->base.opts);
	all = expanded[at];
	pthread_mutex_unlock(&mu);
	for (o = all; o != NULL && o->name != NULL; o++)
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
	return NULL;
}

/* The first option "--name" in msg that is one of c's, or NULL. */
static const char *
message_option(const struct ui_cmd *c, const char *msg)
{
	const char *p = msg;
	const struct cli_opt *o;
	size_t n;

	while ((p = strstr(p, "--")) != NULL) {
		p += 2;
		for (n = 0; (p[n] >= 'a' && p[n] <= 'z') || p[n] == '-'; n++)
			;
		if (n > 0 && (o = ui_cmd_opt(c, p, n)) != NULL)
			return o->name;
	}
	return NULL;
}

/* GET /api/commands/NOUN/VERB: what the command takes. */
static enum MHD_Result
api_command_describe(struct MHD_Connection *conn, const struct ui_cmd *c)
{
	const struct cli_cmd *b = &c->e->base;
	json_t *doc = out_doc("command");

	json_object_set_new(doc, "noun", json_string(b->noun));
	json_object_set_new(doc, "verb", b->verb != NULL ?
	    json_string(b->verb) : json_null());
	json_object_set_new(doc, "args", b->args != NULL ?
	    json_string(b->args) : json_null());
	json_object_set_new(doc, "min_args", json_integer(b->min_args));
	json_object_set_new(doc, "max_args", json_integer(b->max_args));
	json_object_set_new(doc, "write", json_boolean(c->write));
	json_object_set_new(doc, "summary", json_string(b->summary != NULL ?
	    _(b->summary) : ""));
	json_object_set_new(doc, "options", form_opts_describe(b->opts));
	return reply_json(conn, MHD_HTTP_OK, doc);
}

struct query_ctx {
	const struct ui_cmd *c;
	json_t *args;
	json_t *pos;
	const char *bad;
};

static enum MHD_Result
query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct query_ctx *q = cls;
	const struct cli_opt *o;

	(void)kind;
	if (q->bad != NULL)
		return MHD_NO;
	if (strcmp(key, "id") == 0) {
		if (value != NULL && *value != '\0')
			json_array_append_new(q->pos, json_string(value));
		return MHD_YES;
	}
	if ((o = ui_cmd_opt(q->c, key, strlen(key))) == NULL) {
		q->bad = key;
		return MHD_NO;
	}
	if (value == NULL || *value == '\0')
		return MHD_YES;
	if (o->type == CLI_FLAG) {
		if (strcmp(value, "1") == 0 || strcmp(value, "true") == 0)
			json_array_append_new(q->args, json_sprintf("--%s", o->name));
	} else
		json_array_append_new(q->args, json_sprintf("--%s=%s", o->name,
		    value));
	return MHD_YES;
}

/* Runs c with args (taken), the positional ones pos (taken) after "--",
 * and answers: the command's JSON document with status labels, or
 * {"kind": "done", "output"} for one that prints no JSON, or the error
 * with "field" the option it names. */
static enum MHD_Result
run_ui_cmd(struct ui *ui, struct MHD_Connection *conn, const struct ui_cmd *c,
    json_t *args, json_t *pos, unsigned ok_status)
{
	char *out, *err, *msg;
	size_t out_len;
	int code, rc;
	json_t *doc, *all = json_pack("[s]", c->e->base.noun);

	if (c->e->base.verb != NULL)
		json_array_append_new(all, json_string(c->e->base.verb));
	json_array_extend(all, args);
	json_decref(args);
	if (c->e->base.flags & CMD_JSON)
		json_array_append_new(all, json_string("--json"));
	json_array_append_new(all, json_string("--"));
	json_array_extend(all, pos);
	json_decref(pos);
	rc = run_command(ui, request_locale(conn), all, UI_COMMAND_MS, NULL,
	    &out, &out_len, &err, &code);
	log_line("info", "event=ui-command command=\"%s%s%s\" exit=%d",
	    c->e->base.noun, c->e->base.verb != NULL ? " " : "",
	    c->e->base.verb != NULL ? c->e->base.verb : "", rc != 0 ? -1 : code);
	json_decref(all);
	if (rc != 0) {
		free(out);
		free(err);
		return reply_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    strerror(rc));
	}
	if (code == 0) {
		doc = json_loadb(out, out_len, 0, NULL);
		if (!json_is_object(doc)) {
			json_decref(doc);
			doc = out_doc("done");
			json_object_set_new(doc, "output", json_stringn(out,
			    out_len));
		} else
			status_labels(doc);
		free(out);
		free(err);
		return reply_json(conn, ok_status, doc);
	}
	free(out);
	msg = command_message(err);
	return reply_command_error(conn, msg, err, code, message_option(c,
	    msg));
}

/* GET /api/run/NOUN/VERB[?id=ID&OPTION=VALUE...]: a read command. */
static enum MHD_Result
api_run_get(struct ui *ui, struct MHD_Connection *conn, const struct ui_cmd *c)
{
	struct query_ctx q = { c, json_array(), json_array(), NULL };
	json_t *doc;

	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, query_arg, &q);
	if (q.bad != NULL) {
		doc = out_doc("error");
		json_object_set_new(doc, "error", json_sprintf(
		    _("'%s' is not an option of this command"), q.bad));
		json_object_set_new(doc, "field", json_string(q.bad));
		json_decref(q.args);
		json_decref(q.pos);
		return reply_json(conn, MHD_HTTP_BAD_REQUEST, doc);
	}
	return run_ui_cmd(ui, conn, c, q.args, q.pos, MHD_HTTP_OK);
}

/* POST /api/run/NOUN/VERB with {"args": [...], "options": {OPTION:
 * string, true or [strings]}}: a write command. */
static enum MHD_Result
api_run_post(struct ui *ui, struct MHD_Connection *conn,
    const struct ui_cmd *c, json_t *body)
{
	json_t *opts = json_object_get(body, "options"), *pos,
	    *given = json_object_get(body, "args"), *args, *val, *item, *doc;
	const struct cli_opt *o;
	const char *key, *bad = NULL;
	size_t i;

	if ((opts != NULL && !json_is_object(opts)) ||
	    (given != NULL && !json_is_array(given))) {
		json_decref(body);
		return reply_error(conn, MHD_HTTP_BAD_REQUEST,
		    _("the request body must be {\"args\": [...], \"options\": {...}}"));
	}
	args = json_array();
	pos = json_array();
	json_array_foreach(given, i, item) {
		if (!json_is_string(item)) {
			bad = "args";
			break;
		}
		json_array_append(pos, item);
	}
	json_object_foreach(opts, key, val) {
		if (bad != NULL)
			break;
		o = ui_cmd_opt(c, key, strlen(key));
		bad = key;
		if (o == NULL)
			break;
		if (o->type == CLI_FLAG) {
			if (!json_is_boolean(val))
				break;
			if (json_is_true(val))
				json_array_append_new(args, json_sprintf("--%s",
				    o->name));
		} else if (o->type == CLI_LIST && json_is_array(val)) {
			json_array_foreach(val, i, item) {
				if (!json_is_string(item))
					break;
				json_array_append_new(args, json_sprintf("--%s=%s",
				    o->name, json_string_value(item)));
			}
			if (i < json_array_size(val))
				break;
		} else if (json_is_string(val)) {
			if (*json_string_value(val) != '\0')
				json_array_append_new(args, json_sprintf("--%s=%s",
				    o->name, json_string_value(val)));
		} else if (!json_is_null(val))
			break;
		bad = NULL;
	}
	if (bad != NULL) {
		doc = out_doc("error");
		json_object_set_new(doc, "error", json_sprintf(
		    _("'%s' is not an option of this command, or not of its type"),
		    bad));
		json_object_set_new(doc, "field", json_string(bad));
		json_decref(body);
		json_decref(args);
		json_decref(pos);
		return reply_json(conn, MHD_HTTP_BAD_REQUEST, doc);
	}
	json_decref(body);
	return run_ui_cmd(ui, conn, c, args, pos, MHD_HTTP_OK);
}

/* ---- attachments (issue 18): through attach and attachment list|get ---- */

/*
 * GET  /api/attachments/RECORD[?confidential=1]   attachment list --json
 * GET  /api/attachments/RECORD/N[?confidential=1] attachment get RECORD:N:
 *      its bytes (fetched from the county server first when not here)
 * POST /api/attachments/RECORD?name=NAME[&caption=TEXT][&confidential=1]
 *      [&officer=NAME], the file as the body: attach
 *
 * Each runs the command as the command line would, so that what the
 * console shows, gives or records is what the CLI would, with the same
 * rules (a confidential attachment, a unit's part in the record) and
 * messages. Only RECORD:N names an attachment here: never a hash, so
 * that nothing the station holds is given but as an attachment of a
 * record it holds.
 */

/* The record and, after a slash, the position in url past
 * "/api/attachments/": 1 for a record, 2 with N (a number from 1), else
 * 0. *rec new. */
static int
attachment_path(const char *rest, char **rec, long *n)
{
	const char *slash = strchr(rest, '/');
	char *end;

	*rec = NULL;
	if (rest[0] == '\0' || slash == rest)
		return 0;
	if (slash == NULL) {
		*rec = xstrdup(rest);
		return 1;
	}
	if (slash[1] < '1' || slash[1] > '9')
		return 0;
	errno = 0;
	*n = strtol(slash + 1, &end, 10);
	if (*end != '\0' || errno != 0 || *n > 100000)
		return 0;
	*rec = strndup_x(rest, (size_t)(slash - rest));
	return 2;
}

static int
query_flag(struct MHD_Connection *conn, const char *name)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
	    name);

	return v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
}

/* Removes dir, a request's private directory, and the files in it (a
 * partial file a killed child left among them). */
static void
upload_dir_remove(const char *dir)
{
	struct dirent *e;
	DIR *d;

	if (rmdir(dir) == 0 || (d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(dir);
}

/* The private directories a console killed or a power cut left beside
 * the database (an upload, or a confidential file fetched for the page,
 * in plain), removed at start once older than twice the longest
 * command's limit: another console's request of the moment is younger. */
static void
upload_sweep(const char *dir)
{
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(dir);
	time_t now = time(NULL);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char *p;

		if (strncmp(e->d_name, ".liandong-ui-", 13) != 0)
			continue;
		p = xasprintf("%s/%s", dir, e->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode) &&
		    now - st.st_mtime > 2 * UI_SYNC_MS / 1000)
			upload_dir_remove(p);
		free(p);
	}
	closedir(d);
}

/* Closes and removes what an upload wrote: its file and its directory,
 * with whatever else is in it (the ".part" file of an attachment get
 * killed mid-way: run_command's time limit). */
static void
upload_remove(struct ui_req *rq)
{
	if (rq->up_fd >= 0)
		close(rq->up_fd);
	rq->up_fd = -1;
	if (rq->up_path != NULL)
		unlink(rq->up_path);
	if (rq->up_dir != NULL)
		upload_dir_remove(rq->up_dir);
	free(rq->up_path);
	free(rq->up_dir);
	rq->up_path = rq->up_dir = NULL;
}

/* A name the file may be written under in a directory of its own: not
 * empty, no slash, not "." or "..", at most NAME_MAX bytes. */
static int
upload_name_ok(const char *name)
{
	return name != NULL && name[0] != '\0' && strchr(name, '/') == NULL &&
	    strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
	    strlen(name) <= NAME_MAX;
}

/* Makes the upload's directory (0700, in the station's directory) and
 * its file name (0600): 0, or an errno value. */
static int
upload_open(struct ui *ui, struct ui_req *rq, const char *name)
{
	int e;

	rq->up_dir = xasprintf("%s/.liandong-ui-XXXXXX", ui->dir);
	if (mkdtemp(rq->up_dir) == NULL) {
		e = errno;
		free(rq->up_dir);
		rq->up_dir = NULL;
		return e;
	}
	rq->up_path = xasprintf("%s/%s", rq->up_dir, name);
	rq->up_fd = open(rq->up_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (rq->up_fd < 0) {
		e = errno;
		free(rq->up_path);
		rq->up_path = NULL;
		upload_remove(rq);
		return e;
	}
	return 0;
}

/* Writes a piece of the upload as it comes: at most ui->attach_max
 * bytes in all, past which the file is removed and the rest dropped. */
static void
upload_write(struct ui *ui, struct ui_req *rq, const char *data, size_t len)
{
	ssize_t n;

	if (rq->too_big || rq->up_errno != 0)
		return;
	if (rq->up_len + (int64_t)len > ui->attach_max) {
		rq->too_big = 1;
		upload_remove(rq);
		return;
	}
	rq->up_len += (int64_t)len;
	while (len > 0) {
		n = write(rq->up_fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rq->up_errno = n < 0 ? errno : EIO;
			upload_remove(rq);
			return;
		}
		data += n;
		len -= (size_t)n;
	}
}

/* 413 for an upload over the limit: the file's size when known (its
 * Content-Length, or -1). */
static enum MHD_Result
refuse_upload_size(struct ui *ui, struct MHD_Connection *conn, long long size)
{
	char msg[512], a[32], b[32];

	out_size(ui->attach_max, b, sizeof b);
	if (size >= 0) {
		out_size(size, a, sizeof a);
		snprintf(msg, sizeof msg, _("the file is %s, over the limit of %s ([attachments] max_size in agent.conf)"),
		    a, b);
	} else
		snprintf(msg, sizeof msg, _("the file is over the limit of %s ([attachments] max_size in agent.conf)"),
		    b);
	return refuse(conn, MHD_HTTP_CONTENT_TOO_LARGE, "size", msg);
}

/* An answer of the bytes of the open file fd (taken), as a download. */
static enum MHD_Result
reply_file(struct MHD_Connection *conn, int fd)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	struct stat st;

	if (fstat(fd, &st) != 0 ||
	    (r = MHD_create_response_from_fd((uint64_t)st.st_size, fd)) == NULL) {
		close(fd);
		return reply_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    strerror(errno));
	}
	MHD_add_response_header(r, "Content-Type", "application/octet-stream");
	MHD_add_response_header(r, "Content-Disposition", "attachment");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Content-Security-Policy",
	    "default-src 'none'; sandbox");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* GET /api/attachments/RECORD/N: `attachment get RECORD:N --output
 * FILE`, FILE in a directory of its own beside the database, answered
 * from the open file once it is removed. A file not here yet is
 * fetched from the county server by the command (a sync's time limit:
 * on 2G that takes long); when the link is down its messages say so. */
static enum MHD_Result
api_attachment_get(struct ui *ui, struct MHD_Connection *conn,
    const char *rec, long n)
{
	struct ui_req tmp = { .up_fd = -1 };
	json_t *args;
	char *out, *err, *msg;
	size_t out_len;
	int code, rc, fd;

	if ((rc = upload_open(ui, &tmp, "file")) != 0)
		return reply_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    strerror(rc));
	close(tmp.up_fd);
	tmp.up_fd = -1;
	args = json_pack("[sss]", "attachment", "get", "--json");
	json_array_append_new(args, json_string("--force"));
	json_array_append_new(args, json_sprintf("--output=%s", tmp.up_path));
	if (query_flag(conn, "confidential"))
		json_array_append_new(args, json_string("--confidential"));
	json_array_append_new(args, json_string("--"));
	json_array_append_new(args, json_sprintf("%s:%ld", rec, n));
	rc = run_command(ui, request_locale(conn), args, UI_SYNC_MS, NULL, &out,
	    &out_len, &err, &code);
	json_decref(args);
	free(out);
	log_line("info", "event=ui-command command=\"attachment get\" exit=%d",
	    rc != 0 ? -1 : code);
	if (rc != 0) {
		upload_remove(&tmp);
		free(err);
		return reply_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    strerror(rc));
	}
	if (code != 0) {
		upload_remove(&tmp);
		msg = command_message(err);
		return reply_command_error(conn, msg, err, code, NULL);
	}
	free(err);
	fd = open(tmp.up_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	upload_remove(&tmp);
	if (fd < 0)
		return reply_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    strerror(errno));
	return reply_file(conn, fd);
}

/* POST /api/attachments/RECORD, its body written to rq's file: `attach
 * --json RECORD FILE` with the query's caption, confidential and
 * officer; then the file and its directory removed. 201 and the
 * command's document. */
static enum MHD_Result
api_attach(struct ui *ui, struct MHD_Connection *conn, const char *rec,
    struct ui_req *rq)
{
	static const char *const opts[] = { "caption", "officer", NULL };
	enum MHD_Result r;
	json_t *args;
	char msg[256];

	if (rq->up_errno != 0) {
		snprintf(msg, sizeof msg, _("cannot write the file: %s"),
		    strerror(rq->up_errno));
		upload_remove(rq);
		return reply_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, msg);
	}
	close(rq->up_fd);
	rq->up_fd = -1;
	args = json_pack("[ss]", "attach", "--json");
	query_options(conn, args, opts);
	if (query_flag(conn, "confidential"))
		json_array_append_new(args, json_string("--confidential"));
	json_array_append_new(args, json_string("--"));
	json_array_append_new(args, json_string(rec));
	json_array_append_new(args, json_string(rq->up_path));
	r = answer_command(ui, conn, args, NULL, MHD_HTTP_CREATED, NULL);
	upload_remove(rq);
	return r;
}

/* GET /api/attachments/...: the list or a file. */
static enum MHD_Result
api_attachments_get(struct ui *ui, struct MHD_Connection *conn,
    const char *rest)
{
	enum MHD_Result r;
	json_t *args;
	char *rec;
	long n = 0;
	int how = attachment_path(rest, &rec, &n);

	if (how == 0)
		return reply_error(conn, MHD_HTTP_NOT_FOUND, _("no such page"));
	if (how == 2) {
		r = api_attachment_get(ui, conn, rec, n);
		free(rec);
		return r;
	}
	args = json_pack("[sss]", "attachment", "list", "--json");
	if (query_flag(conn, "confidential"))
		json_array_append_new(args, json_string("--confidential"));
	json_array_append_new(args, json_string("--"));
	json_array_append_new(args, json_string(rec));
	free(rec);
	return answer_command(ui, conn, args, NULL, MHD_HTTP_OK, NULL);
}

/* ---- the sync the console starts ---- */

static long long
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* {"kind": "sync_job", "state": idle|running|done|failed, "started",
 * "finished" (ms, 0 for none), "exit", "error", "result"}. Takes the
 * lock. */
static json_t *
sync_doc(struct ui *ui)
{
	static const char *const names[] = { "idle", "running", "done",
		"failed" };
	json_t *doc = out_doc("sync_job");

	pthread_mutex_lock(&ui->mu);
	json_object_set_new(doc, "state", json_string(names[ui->sync.state]));
	json_object_set_new(doc, "started", json_integer(ui->sync.started));
	json_object_set_new(doc, "finished", json_integer(ui->sync.finished));
	json_object_set_new(doc, "exit", ui->sync.state >= SYNC_DONE ?
	    json_integer(ui->sync.exit) : json_null());
	json_object_set_new(doc, "error", ui->sync.error != NULL ?
	    json_string(ui->sync.error) : json_null());
	json_object_set_new(doc, "result", ui->sync.result != NULL ?
	    json_deep_copy(ui->sync.result) : json_null());
	pthread_mutex_unlock(&ui->mu);
	return doc;
}

static void *
sync_thread(void *arg)
{
	struct ui *ui = arg;
	json_t *args = json_pack("[ss]", "sync", "--json"), *res = NULL;
	char *out, *err, *msg = NULL;
	size_t out_len;
	int code = EXIT_INTERNAL, rc;

	rc = run_command(ui, ui->sync.locale, args, UI_SYNC_MS, &ui->sync.pid,
	    &out, &out_len, &err, &code);
	json_decref(args);
	log_line("info", "event=ui-command command=\"sync\" exit=%d",
	    rc != 0 ? -1 : code);
	if (rc != 0)
		msg = xstrdup(strerror(rc));
	else if (code == 0)
		res = json_loadb(out, out_len, 0, NULL);
	else
		msg = command_message(err);
	free(out);
	free(err);
	/* What arrived or comes due, as the daemon looks after each sync
	 * (agent/alert.h): the badge and a desktop notification. */
	if (rc == 0) {
		int acode;
		args = json_pack("[ss]", "alerts", "--check");
		if (run_command(ui, ui->sync.locale, args, UI_COMMAND_MS,
		    &ui->sync.pid, &out, &out_len, &err, &acode) == 0) {
			log_line("info", "event=ui-command command=\"alerts\" "
			    "exit=%d", acode);
			free(out);
			free(err);
		}
		json_decref(args);
	}
	pthread_mutex_lock(&ui->mu);
	ui->sync.state = rc == 0 && code == 0 ? SYNC_DONE : SYNC_FAILED;
	ui->sync.exit = rc != 0 ? -1 : code;
	ui->sync.error = msg;
	ui->sync.result = res;
	ui->sync.finished = wall_ms();
	pthread_mutex_unlock(&ui->mu);
	return NULL;
}

/* POST /api/sync: starts `liandong sync` unless one runs (409). */
static enum MHD_Result
api_sync_start(struct ui *ui, struct MHD_Connection *conn)
{
	int running, rc = 0;

	pthread_mutex_lock(&ui->mu);
	running = ui->sync.state == SYNC_RUNNING || ui->sync.wanted;
	if (!running && ui->daemon) {
		/* The daemon syncs in its own loop: it is asked to now, and
		 * says how it goes (ui_sync_begin, ui_sync_end). */
		ui->sync.wanted = 1;
		free(ui->sync.error);
		json_decref(ui->sync.result);
		ui->sync.error = NULL;
		ui->sync.result = NULL;
		ui->sync.state = SYNC_RUNNING;
		ui->sync.started = wall_ms();
		ui->sync.finished = 0;
	} else if (!running) {
		if (ui->sync.joinable)
			pthread_join(ui->sync.thread, NULL);
		ui->sync.joinable = 0;
		free(ui->sync.error);
		ui->sync.error = NULL;
		json_decref(ui->sync.result);
		ui->sync.result = NULL;
		ui->sync.state = SYNC_RUNNING;
		ui->sync.started = wall_ms();
		ui->sync.finished = 0;
		ui->sync.locale = request_locale(conn);
		rc = pthread_create(&ui->sync.thread, NULL, sync_thread, ui);
		if (rc == 0)
			ui->sync.joinable = 1;
		else
			ui->sync.state = SYNC_IDLE;
	}
	pthread_mutex_unlock(&ui->mu);
	if (rc != 0)
		return reply_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    strerror(rc));
	return reply_json(conn, running ? MHD_HTTP_CONFLICT :
	    MHD_HTTP_ACCEPTED, sync_doc(ui));
}

/* Stops a sync still running (its child killed) and waits for its
 * thread. */
static void
sync_stop(struct ui *ui)
{
	pthread_mutex_lock(&ui->mu);
	if (ui->sync.state == SYNC_RUNNING && ui->sync.pid > 0)
		kill(ui->sync.pid, SIGTERM);
	pthread_mutex_unlock(&ui->mu);
	if (ui->sync.joinable)
		pthread_join(ui->sync.thread, NULL);
	ui->sync.joinable = 0;
	free(ui->sync.error);
	json_decref(ui->sync.result);
	ui->sync.error = NULL;
	ui->sync.result = NULL;
}

static enum MHD_Result
api_strings(struct MHD_Connection *conn)
{
	json_t *doc = out_doc("strings"), *s = json_object(), *types =
	    json_object(), *kinds = json_object(), *t, *st, *at;
	const struct entity_type *et;
	const struct kind_info *k;
	const char *const *sn;
	size_t i;

	/* Each record type: its letter, what people call it and its
	 * states, in the user's language. */
	for (i = 0; (et = entity_type_at(i)) != NULL; i++) {
		st = json_object();
		for (sn = et->statuses; sn != NULL && *sn != NULL; sn++)
			json_object_set_new(st, *sn, json_string(
			    ld_pgettext("status", *sn)));
		t = json_pack("{s:s#,s:s,s:o}", "letter", &et->letter, (size_t)1,
		    "label", _(et->label), "statuses", st);
		json_object_set_new(types, et->name, t);
		for (k = et->kinds; k != NULL && k->name != NULL; k++)
			json_object_set_new(kinds, k->name,
			    json_string(kind_label(k->name)));
	}

	for (i = 0; i < sizeof page_strings / sizeof *page_strings; i++)
		json_object_set_new(s, page_strings[i],
		    json_string(_(page_strings[i])));
	/* An attachment's type as `show` prints it. */
	at = json_object();
	for (i = 0; attachment_types[i].name != NULL; i++)
		json_object_set_new(at, attachment_types[i].name, json_string(
		    enum_label(attachment_types, attachment_types[i].name)));
	json_object_set_new(doc, "attachment_types", at);
	json_object_set_new(doc, "strings", s);
	json_object_set_new(doc, "types", types);
	json_object_set_new(doc, "kinds", kinds);
	/* The language the pages are in: they ask the API for its errors
	 * in the same one. */
	json_object_set_new(doc, "lang", json_string(strcmp(_("Workbench"),
	    "Workbench") != 0 ? "zh-CN" : "en"));
	return reply_json(conn, MHD_HTTP_OK, doc);
}

static enum MHD_Result
api_get(struct ui *ui, struct MHD_Connection *conn, const char *url)
{
	static const char *const list_q[] = { "status", "category", "since",
		"until", "search", "limit", "offset", NULL };
	static const char *const due_q[] = { "unit", NULL };
	json_t *args;
	const char *v;

	/* Logged in: the token came with the login, never from here. The
	 * largest file the console takes to attach (bytes; null when
	 * [attachments] max_size is malformed), that a page says so before
	 * it sends one. */
	if (strcmp(url, "/api/session") == 0) {
		json_t *doc = out_doc("session");
		json_object_set_new(doc, "attach_max", ui->attach_max >= 0 ?
		    json_integer(ui->attach_max) : json_null());
		return reply_json(conn, MHD_HTTP_OK, doc);
	}
	if (strcmp(url, "/api/strings") == 0)
		return api_strings(conn);
	if (strncmp(url, "/api/forms/", 11) == 0) {
		json_t *f = form_kind_describe(url + 11), *doc;
		if (f == NULL || strcmp(url + 11, "case.opened") != 0) {
			json_decref(f);
			return reply_error(conn, MHD_HTTP_NOT_FOUND, _("no such form"));
		}
		doc = out_doc("form");
		json_object_set_new(doc, "form", json_string(url + 11));
		json_object_set_new(doc, "fields", f);
		return reply_json(conn, MHD_HTTP_OK, doc);
	}
	if (strcmp(url, "/api/due") == 0) {
		args = json_pack("[s]", "due");
		query_options(conn, args, due_q);
		v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
		    "overdue");
		if (v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0))
			json_array_append_new(args, json_string("--overdue"));
		json_array_append_new(args, json_string("--json"));
		return answer_command(ui, conn, args, NULL, MHD_HTTP_OK,
		    due_labels);
	}
	if (strcmp(url, "/api/status") == 0)
		return answer_command(ui, conn, json_pack("[sss]", "status",
		    "--offline", "--json"), NULL, MHD_HTTP_OK, NULL);
	if (strcmp(url, "/api/sync") == 0)
		return reply_json(conn, MHD_HTTP_OK, sync_doc(ui));
	if (strcmp(url, "/api/alerts") == 0)
		return answer_command(ui, conn, json_pack("[ss]", "alerts",
		    "--json"), NULL, MHD_HTTP_OK, NULL);
	if (strcmp(url, "/api/conflicts") == 0)
		return answer_command(ui, conn, json_pack("[ss]", "conflicts",
		    "--json"), NULL, MHD_HTTP_OK, status_labels);
	if (strcmp(url, "/api/cases") == 0) {
		args = json_pack("[ss]", "case", "list");
		query_options(conn, args, list_q);
		json_array_append_new(args, json_string("--json"));
		return answer_command(ui, conn, args, NULL, MHD_HTTP_OK,
		    status_labels);
	}
	if (strncmp(url, "/api/cases/", 11) == 0 && url[11] != '\0' &&
	    strchr(url + 11, '/') == NULL)
		return answer_command(ui, conn, json_pack("[sssss]", "case",
		    "show", "--json", "--", url + 11), NULL, MHD_HTTP_OK,
		    status_labels);
	if (strncmp(url, "/api/attachments/", 17) == 0)
		return api_attachments_get(ui, conn, url + 17);
	if (strncmp(url, "/api/commands/", 14) == 0) {
		const struct ui_cmd *c = ui_cmd_find(url + 14);
		if (c == NULL)
			return reply_error(conn, MHD_HTTP_NOT_FOUND,
			    _("no such command"));
		return api_command_describe(conn, c);
	}
	if (strncmp(url, "/api/run/", 9) == 0) {
		const struct ui_cmd *c = ui_cmd_find(url + 9);
		if (c == NULL)
			return reply_error(conn, MHD_HTTP_NOT_FOUND,
			    _("no such command"));
		if (c->write)
			return reply_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
			    _("this command changes records: POST it"));
		return api_run_get(ui, conn, c);
	}
	return reply_error(conn, MHD_HTTP_NOT_FOUND, _("no such page"));
}

static enum MHD_Result
api_post(struct ui *ui, struct MHD_Connection *conn, const char *url,
    struct ui_req *rq)
{
	json_t *body, *args, *doc;
	json_error_t jerr;
	const char *bad;

	const struct ui_cmd *c = NULL;

	if (strcmp(url, "/api/sync") == 0)
		return api_sync_start(ui, conn);
	if (rq->upload)
		return api_attach(ui, conn, url + 17, rq);
	if (strcmp(url, "/api/alerts/read") == 0)
		return answer_command(ui, conn, json_pack("[sss]", "alerts",
		    "--read", "--json"), NULL, MHD_HTTP_OK, NULL);
	if (strncmp(url, "/api/run/", 9) == 0) {
		c = ui_cmd_find(url + 9);
		if (c == NULL)
			return reply_error(conn, MHD_HTTP_NOT_FOUND,
			    _("no such command"));
		if (!c->write)
			return reply_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
			    _("this command only reads: GET it"));
	} else if (strcmp(url, "/api/cases") != 0)
		return reply_error(conn, MHD_HTTP_NOT_FOUND, _("no such page"));
	body = json_loadb(rq->body != NULL ? rq->body : "", rq->len,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(body)) {
		json_decref(body);
		return reply_error(conn, MHD_HTTP_BAD_REQUEST,
		    _("the request body must be a JSON object"));
	}
	if (c != NULL)
		return api_run_post(ui, conn, c, body);
	args = json_pack("[ss]", "case", "open");
	if (form_kind_args("case.opened", body, args, &bad) != 0) {
		doc = out_doc("error");
		json_object_set_new(doc, "error", json_sprintf(
		    _("'%s' is not a field of a case, or not of its type"),
		    bad != NULL ? bad : ""));
		json_object_set_new(doc, "field", bad != NULL ?
		    json_string(bad) : json_null());
		json_decref(body);
		json_decref(args);
		return reply_json(conn, MHD_HTTP_BAD_REQUEST, doc);
	}
	json_decref(body);
	json_array_append_new(args, json_string("--json"));
	return answer_command(ui, conn, args, "case.opened", MHD_HTTP_CREATED, NULL);
}

/* ---- the rules every request meets (see the top of the file) ---- */

static int
host_ok(struct ui *ui, const char *host)
{
	char a[64], b[64];

	if (host == NULL)
		return 0;
	snprintf(a, sizeof a, "127.0.0.1:%u", ui->port);
	snprintf(b, sizeof b, "localhost:%u", ui->port);
	return strcmp(host, a) == 0 || strcasecmp(host, b) == 0;
}

static int
token_ok(const char *given, const char *want)
{
	size_t n = strlen(want);

	return given != NULL && strlen(given) == n &&
	    hash_equal(given, want, n);
}

static enum MHD_Result
login(struct ui *ui, struct MHD_Connection *conn)
{
	const char *k = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
	    "k");
	char *cookie, *location;
	enum MHD_Result r;

	if (!token_ok(k, ui->secret))
		return refuse(conn, MHD_HTTP_FORBIDDEN, "key",
		    _("wrong or missing key: open the URL 'liandong ui' printed"));
	cookie = xasprintf("%s=%s; Path=/; HttpOnly; SameSite=Strict",
	    ui->cookie, ui->session);
	/* The API's token travels in the fragment, which the browser
	 * keeps to the page and sends to no server; the page keeps it in
	 * this origin's localStorage (one per port, shared by its tabs: a
	 * record opened in a new tab works too; a new start draws a new
	 * one). */
	location = xasprintf("/#t=%s", ui->csrf);
	r = reply2(conn, MHD_HTTP_SEE_OTHER, "text/plain; charset=utf-8",
	    xstrdup(""), 0, "Set-Cookie", cookie, "Location", location);
	free(cookie);
	free(location);
	return r;
}

/* POST /api/attachments/RECORD: a file to attach, its own limit. */
static int
is_upload(const char *url)
{
	return strncmp(url, "/api/attachments/", 17) == 0 && url[17] != '\0' &&
	    strchr(url + 17, '/') == NULL;
}

/* Rules 1 to 5 on a request's headers: 0 to go on, else it was answered
 * (*answered is what MHD gets back). */
static int
admit(struct ui *ui, struct MHD_Connection *conn, const char *url,
    const char *method, enum MHD_Result *answered)
{
	const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Host");
	const char *cl, *origin, *csrf;
	char want[80];

	if (!host_ok(ui, host)) {
		*answered = refuse(conn, MHD_HTTP_MISDIRECTED_REQUEST, "host", _("wrong Host: the console "
		    "answers only to 127.0.0.1 and localhost"));
		return 1;
	}
	if (strcmp(url, "/login") == 0 && strcmp(method, "GET") == 0) {
		*answered = login(ui, conn);
		return 1;
	}
	if (!token_ok(MHD_lookup_connection_value(conn, MHD_COOKIE_KIND,
	    ui->cookie), ui->session)) {
		*answered = refuse(conn, MHD_HTTP_UNAUTHORIZED, "cookie",
		    _("not logged in: open the URL 'liandong ui' printed"));
		return 1;
	}
	/* The cookie alone opens no API: browsers send it to every port
	 * of 127.0.0.1, so another local user's server could be given it.
	 * The token only this tab holds is needed too, for reading as for
	 * writing. */
	csrf = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "X-CSRF-Token");
	if (strncmp(url, "/api/", 5) == 0 && !token_ok(csrf, ui->csrf)) {
		*answered = refuse(conn, MHD_HTTP_FORBIDDEN, "csrf",
		    _("wrong or missing CSRF token"));
		return 1;
	}
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
		return 0;
	/* Every other method changes something, or would: its Origin and
	 * token first, then whether it is one the console takes. */
	origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
	snprintf(want, sizeof want, "http://%s", host);
	if (origin == NULL || strcasecmp(origin, want) != 0) {
		*answered = refuse(conn, MHD_HTTP_FORBIDDEN, "origin",
		    _("wrong or missing Origin"));
		return 1;
	}
	if (!token_ok(csrf, ui->csrf)) {
		*answered = refuse(conn, MHD_HTTP_FORBIDDEN, "csrf",
		    _("wrong or missing CSRF token"));
		return 1;
	}
	if (strcmp(method, "POST") != 0) {
		*answered = refuse(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method",
		    _("method not allowed"));
		return 1;
	}
	cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Content-Length");
	if (is_upload(url)) {
		/* A file to attach: at most what attach takes. */
		if (cl != NULL && ui->attach_max >= 0 &&
		    strtoull(cl, NULL, 10) > (unsigned long long)ui->attach_max) {
			*answered = refuse_upload_size(ui, conn,
			    (long long)strtoull(cl, NULL, 10));
			return 1;
		}
		return 0;
	}
	if (cl != NULL && strtoull(cl, NULL, 10) > UI_MAX_BODY) {
		*answered = refuse(conn, MHD_HTTP_CONTENT_TOO_LARGE, "size",
		    _("request body too large"));
		return 1;
	}
	return 0;
}

static const struct ui_asset *
asset(const char *url)
{
	const struct ui_asset *a;

	if (strcmp(url, "/") == 0)
		url = "/index.html";
	for (a = ui_assets; a->path != NULL; a++)
		if (strcmp(a->path, url) == 0)
			return a;
	return NULL;
}

/* The start of an upload, before its body: its name checked and its
 * file made, or it is answered now. */
static enum MHD_Result
upload_begin(struct ui *ui, struct MHD_Connection *conn, struct ui_req *rq)
{
	const char *name = MHD_lookup_connection_value(conn,
	    MHD_GET_ARGUMENT_KIND, "name");
	char msg[256];
	int e;

	if (ui->attach_max < 0)
		return reply_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    _("[attachments] max_size in agent.conf is not a size: see 'liandong attach'"));
	if (!upload_name_ok(name))
		return reply_error(conn, MHD_HTTP_BAD_REQUEST,
		    _("the file's name (name=) is missing, too long or holds a '/'"));
	if ((e = upload_open(ui, rq, name)) != 0) {
		snprintf(msg, sizeof msg, _("cannot write the file: %s"),
		    strerror(e));
		return reply_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, msg);
	}
	rq->upload = 1;
	return MHD_YES;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct ui *ui = cls;
	struct ui_req *rq = *con_cls;
	const struct ui_asset *a;
	enum MHD_Result answered;

	if (rq == NULL) {
		if (admit(ui, conn, url, method, &answered))
			return answered;
		rq = xcalloc(1, sizeof *rq);
		rq->up_fd = -1;
		*con_cls = rq;
		if (strcmp(method, "POST") == 0 && is_upload(url))
			return upload_begin(ui, conn, rq);
		return MHD_YES;
	}
	if (rq->upload && *upload_data_size > 0) {
		upload_write(ui, rq, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (rq->upload && rq->too_big)
		return refuse_upload_size(ui, conn, -1);
	if (*upload_data_size > 0) {
		if (!rq->too_big && rq->len + *upload_data_size <= UI_MAX_BODY) {
			rq->body = xrealloc(rq->body, rq->len + *upload_data_size);
			memcpy(rq->body + rq->len, upload_data, *upload_data_size);
			rq->len += *upload_data_size;
		} else {
			rq->too_big = 1;
			free(rq->body);
			rq->body = NULL;
			rq->len = 0;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (rq->too_big)
		return refuse(conn, MHD_HTTP_CONTENT_TOO_LARGE, "size",
		    _("request body too large"));
	if (strcmp(method, "POST") == 0)
		return api_post(ui, conn, url, rq);
	if (strncmp(url, "/api/", 5) == 0)
		return api_get(ui, conn, url);
	if ((a = asset(url)) != NULL)
		return reply(conn, MHD_HTTP_OK, a->type,
		    memdup_bytes(a->data, a->len), a->len);
	return reply_error(conn, MHD_HTTP_NOT_FOUND, _("no such page"));
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct ui_req *rq = *con_cls;

	if (rq != NULL) {
		upload_remove(rq);
		free(rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

/* ---- the command ---- */

/* A new file of this user's, mode 0600, in $XDG_RUNTIME_DIR (else
 * beside the database), named liandong-ui-PORT.EXT, holding text: its
 * path (new), or NULL when it could not be written. */
static char *
private_file(const char *db, unsigned port, const char *ext,
    const char *text)
{
	const char *run = getenv("XDG_RUNTIME_DIR");
	char *path, *dir;
	FILE *f;
	int fd;

	if (run != NULL && *run == '/')
		path = xasprintf("%s/liandong-ui-%u.%s", run, port, ext);
	else {
		dir = xstrdup(db);
		if (strrchr(dir, '/') != NULL)
			*strrchr(dir, '/') = '\0';
		else
			strcpy(dir, ".");
		path = xasprintf("%s/liandong-ui-%u.%s", dir, port, ext);
		free(dir);
	}
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		if (fd >= 0)
			close(fd);
		free(path);
		return NULL;
	}
	fputs(text, f);
	if (fclose(f) != 0) {
		unlink(path);
		free(path);
		return NULL;
	}
	return path;
}

/* The page that sends the browser to url, written for xdg-open, so that
 * the key travels in no command line another local user could read
 * (ps). Its path (new), or NULL. */
static char *
login_page(const char *url, const char *db, unsigned port)
{
	char *html = xasprintf("<!doctype html><meta charset=\"utf-8\">"
	    "<meta http-equiv=\"refresh\" content=\"0;url=%s\">"
	    "<a href=\"%s\">liandong</a>\n", url, url);
	char *path = private_file(db, port, "html", html);

	free(html);
	return path;
}

/* xdg-open target, not waited for; a missing xdg-open is only said. */
static pid_t
open_browser(const char *target)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { (char *)"xdg-open", (char *)target, NULL };
	pid_t pid = -1;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&pid, "xdg-open", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		fprintf(stderr, _("liandong: note: cannot start xdg-open (%s): "
		    "open the URL above in a browser\n"), strerror(rc));
		return -1;
	}
	return pid;
}

static const struct cli_opt ui_opts[] = {
	{ "port", CLI_VALUE, "N", N_("port on 127.0.0.1 (default 8731; 0: any free one)") },
	{ "no-open", CLI_FLAG, NULL, N_("print the URL only: do not open a browser") },
	{ NULL, 0, NULL, NULL },
};

int
ui_start(struct cmd_ctx *ctx, const char *p, int open, int daemon,
    struct ui **out)
{
	const union MHD_DaemonInfo *di;
	struct sockaddr_in sin;
	struct ui *ui;
	char *end, *url;
	long port = UI_DEFAULT_PORT;

	*out = NULL;
	if (p != NULL) {
		errno = 0;
		port = strtol(p, &end, 10);
		if (*p == '\0' || *end != '\0' || errno != 0 || port < 0 ||
		    port > 65535)
			return cmd_usage_error(ctx,
			    _("--port must be a number from 0 to 65535, not '%s'"), p);
	}
	ui = xcalloc(1, sizeof *ui);
	ui->browser = -1;
	ui->daemon = daemon;
	ui->db = ctx->db_path;
	ui->config = ctx->cfg.path;
	ui->dir = xstrdup(ui->db);
	if (strrchr(ui->dir, '/') == ui->dir)
		strcpy(ui->dir, "/");
	else if (strrchr(ui->dir, '/') != NULL)
		*strrchr(ui->dir, '/') = '\0';
	else
		strcpy(ui->dir, ".");
	upload_sweep(ui->dir);
	/* What attach takes: a larger upload is refused before its body
	 * is read. Malformed, uploads are refused (attach would be). */
	if (attach_max_size(ctx, &ui->attach_max) != 0)
		ui->attach_max = -1;
	pthread_mutex_init(&ui->mu, NULL);
	random_token(UI_TOKEN_BYTES, ui->secret, sizeof ui->secret);
	random_token(UI_TOKEN_BYTES, ui->session, sizeof ui->session);
	random_token(UI_TOKEN_BYTES, ui->csrf, sizeof ui->csrf);

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ui->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_THREAD_PER_CONNECTION, 0, NULL, NULL, on_request, ui,
	    MHD_OPTION_SOCK_ADDR, &sin,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)UI_CONNECTIONS,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, ui,
	    MHD_OPTION_END);
	if (ui->d == NULL) {
		pthread_mutex_destroy(&ui->mu);
		free(ui->dir);
		free(ui);
		return cmd_error(ctx, EXIT_INTERNAL,
		    _("cannot listen on 127.0.0.1:%ld (in use? try --port 0)"),
		    port);
	}
	di = MHD_get_daemon_info(ui->d, MHD_DAEMON_INFO_BIND_PORT);
	ui->port = di != NULL ? di->port : (unsigned)port;
	snprintf(ui->cookie, sizeof ui->cookie, "liandong_ui_%u", ui->port);
	log_line("info", "event=ui-start port=%u", ui->port);
	url = xasprintf("http://127.0.0.1:%u/login?k=%s", ui->port, ui->secret);
	if (daemon) {
		/* A daemon's output goes to a log others may read (the
		 * journal): the key goes in a file of this user's instead,
		 * and the output names the file. */
		char *text = xasprintf("%s\n", url);
		ui->url_file = private_file(ui->db, ui->port, "url", text);
		free(text);
		if (ui->url_file == NULL) {
			free(url);
			MHD_stop_daemon(ui->d);
			pthread_mutex_destroy(&ui->mu);
			free(ui->dir);
			free(ui);
			return cmd_error(ctx, EXIT_DATABASE, _("cannot write the "
			    "console's address: %s"), strerror(errno));
		}
		printf("%s\n", ui->url_file);
		fflush(stdout);
		fprintf(stderr, _("liandong: the console's address, with its "
		    "key, is in the file above, readable by this user only\n"));
	} else {
		printf("%s\n", url);
		fflush(stdout);
		fprintf(stderr, _("liandong: the console is at the URL above; "
		    "Ctrl-C stops it\n"));
	}
	if (open) {
		ui->page = login_page(url, ui->db, ui->port);
		if (ui->page == NULL)
			fprintf(stderr, _("liandong: note: cannot write the page "
			    "that opens the console (%s): open the URL above in a "
			    "browser\n"), strerror(errno));
		else if ((ui->browser = open_browser(ui->page)) < 0) {
			unlink(ui->page);
			free(ui->page);
			ui->page = NULL;
		}
	}
	free(url);
	*out = ui;
	return 0;
}

void
ui_stop(struct ui *ui, int sig)
{
	if (ui == NULL)
		return;
	MHD_stop_daemon(ui->d);
	sync_stop(ui);
	pthread_mutex_destroy(&ui->mu);
	log_line("info", "event=ui-stop signal=%d", sig);
	if (ui->browser > 0)
		waitpid(ui->browser, NULL, WNOHANG);
	if (ui->page != NULL)
		unlink(ui->page);
	free(ui->page);
	if (ui->url_file != NULL)
		unlink(ui->url_file);
	free(ui->url_file);
	free(ui->dir);
	free(ui);
}

int
ui_sync_wanted(struct ui *ui)
{
	int w;

	if (ui == NULL)
		return 0;
	pthread_mutex_lock(&ui->mu);
	w = ui->sync.wanted;
	ui->sync.wanted = 0;
	pthread_mutex_unlock(&ui->mu);
	return w;
}

void
ui_sync_begin(struct ui *ui)
{
	if (ui == NULL)
		return;
	pthread_mutex_lock(&ui->mu);
	free(ui->sync.error);
	json_decref(ui->sync.result);
	ui->sync.error = NULL;
	ui->sync.result = NULL;
	ui->sync.state = SYNC_RUNNING;
	ui->sync.started = wall_ms();
	ui->sync.finished = 0;
	pthread_mutex_unlock(&ui->mu);
}

void
ui_sync_end(struct ui *ui, int code, const char *error, json_t *result)
{
	if (ui == NULL) {
		json_decref(result);
		return;
	}
	pthread_mutex_lock(&ui->mu);
	ui->sync.state = code == 0 ? SYNC_DONE : SYNC_FAILED;
	ui->sync.exit = code;
	ui->sync.error = code != 0 && error != NULL ? xstrdup(error) : NULL;
	ui->sync.result = result;
	ui->sync.finished = wall_ms();
	pthread_mutex_unlock(&ui->mu);
}

static int
cmd_ui(struct cmd_ctx *ctx)
{
	sigset_t stop;
	struct ui *ui;
	int sig, rc;

	/* The server's thread and the commands' children start with these
	 * blocked: this thread alone waits for them. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	if ((rc = ui_start(ctx, cmd_value(ctx, "port"), !cmd_flag(ctx,
	    "no-open"), 0, &ui)) != 0)
		return rc;
	while (sigwait(&stop, &sig) != 0)
		;
	ui_stop(ui, sig);
	return 0;
}

const struct cmd_entry cmd_ui_entry = {
	{ "ui", NULL, NULL, 0, 0, ui_opts, CMD_DB,
	    N_("serve the station console on 127.0.0.1 and open it in the browser"),
	    NULL },
	cmd_ui,
};
