/*
 * alert.c - what cannot wait, said once (see alert.h).
 *
 * State, in the station's database (meta), written in one transaction:
 *   alert_cursor  the local id of the last event looked at for arrivals;
 *                 unset until the first look, which starts from the end
 *                 (what arrived before alerts began is left to the due
 *                 times below, not announced in a flood);
 *   alerted       {key: ms} of the obligations alerted about, kept only
 *                 while they stay open; a key holds the due time, so a
 *                 deadline counted again (a receipt) is alerted again;
 *   alerts        the last ALERT_KEEP alerts, newest last: {at, kind,
 *                 record, title, text, urgent, read}.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "alert.h"
#include "cjson.h"
#include "cmd.h"
#include "due.h"
#include "event.h"
#include "form.h"
#include "kinds.h"
#include "ledger.h"
#include "log.h"
#include "ltime.h"
#include "registry.h"
#include "rules.h"
#include "util.h"

extern char **environ;

#define HOUR_MS INT64_C(3600000)

struct look {
	struct cmd_ctx *ctx;
	const char *me;
	int64_t now;
	int desktop;
	json_t *alerted;  /* the old keys */
	json_t *kept;     /* the keys still open, and the new ones */
	json_t *alerts;
	int64_t cursor;
	int raised;
};

/* What a record is about, in a few words: never a complainant's
 * identity (kept in its own confidential kind), only the matter, the
 * category or the subject, and the place. New string. */
static char *
about(const json_t *doc)
{
	static const char *const keys[] = { "matter", "subject", "category",
		NULL };
	const char *what = NULL, *where = cjson_str(doc, "location");
	size_t i;

	for (i = 0; keys[i] != NULL && what == NULL; i++)
		what = cjson_str(doc, keys[i]);
	if (what == NULL)
		what = "";
	return where != NULL ? xasprintf("%s, %s", what, where) :
	    xstrdup(what);
}

/* text with <, > and & as entities (new string): notification servers
 * read a body as markup. */
static char *
markup_escaped(const char *text)
{
	size_t n = 0;
	const char *p;
	char *out, *q;

	for (p = text; *p != '\0'; p++)
		n += *p == '&' ? 5 : (*p == '<' || *p == '>') ? 4 : 1;
	out = q = xmalloc(n + 1);
	for (p = text; *p != '\0'; p++) {
		if (*p == '&')
			q = stpcpy(q, "&amp;");
		else if (*p == '<')
			q = stpcpy(q, "&lt;");
		else if (*p == '>')
			q = stpcpy(q, "&gt;");
		else
			*q++ = *p;
	}
	*q = '\0';
	return out;
}

/* Shows an alert on the desktop (notify-send, freedesktop
 * notifications); a missing notify-send is said in the log once. */
static void
desktop(const char *title, const char *text, int urgent)
{
	static int missing;
	char *body = markup_escaped(text);
	char *argv[] = { "notify-send", "--app-name=liandong",
		urgent ? "--urgency=critical" : "--urgency=normal", "--",
		(char *)title, body, NULL };
	pid_t pid;
	int st;

	if (missing) {
		free(body);
		return;
	}
	if (posix_spawnp(&pid, "notify-send", NULL, NULL, argv, environ) != 0) {
		missing = 1;
		log_line("warn", "event=alert-desktop msg=\"no notify-send:"
		    " alerts are kept and logged, not shown on the desktop\"");
		free(body);
		return;
	}
	free(body);
	if (waitpid(pid, &st, 0) == pid && (!WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0))
		log_line("warn", "event=alert-desktop status=%d", st);
}

static void
raise_alert(struct look *l, const char *kind, const char *record,
    const char *title, const char *text, int urgent)
{
	char at[LTIME_LEN];

	ltime_format(l->now, at);
	json_array_append_new(l->alerts, json_pack("{s:s, s:s, s:s, s:s, s:s,"
	    " s:b, s:b}", "at", at, "kind", kind, "record", record, "title",
	    title, "text", text, "urgent", urgent, "read", 0));
	while (json_array_size(l->alerts) > ALERT_KEEP)
		json_array_remove(l->alerts, 0);
	log_line("notice", "event=alert kind=%s record=%s", kind, record);
	if (l->desktop)
		desktop(title, text, urgent);
	l->raised++;
}

/* An event just taken in: the creation of a record addressed to this
 * unit by another one is an arrival. */
static int
arrival(const struct event *ev, int64_t id, void *arg)
{
	struct look *l = arg;
	const struct kind_info *k = kind_find(ev->kind);
	json_t *doc = NULL;
	char *title, *text, *what;
	int urgent;

	l->cursor = id;
	if (k == NULL || !k->creates || k->auth.part != PART_ADDRESSEE ||
	    k->auth.grant == NULL || strcmp(ev->unit, l->me) == 0 ||
	    !ld_streq(cjson_str(ev->body, k->auth.grant), l->me))
		return 0;
	/* As it stands now (a record refused by the fold has none). */
	if (ledger_get(l->ctx->lg, ev->entity, &doc, l->ctx->err) != 0)
		return 0;
	urgent = json_is_true(json_object_get(doc, "urgent"));
	what = about(doc);
	title = xasprintf(urgent ? _("URGENT: %s from %s") : _("%s from %s"),
	    ev->entity, ev->unit);
	text = xasprintf(_("%s (%s) arrived for %s: %s"), ev->entity,
	    _(k->etype->label), l->me, what);
	raise_alert(l, "arrival", ev->entity, title, text, urgent);
	free(title);
	free(text);
	free(what);
	json_decref(doc);
	return 0;
}

/* How long before its due time an obligation of rule is alerted about:
 * its last day, or its last 4 hours for a rule of a day or less (and at
 * once for "immediately"). */
static int64_t
lead_time(struct cmd_ctx *ctx, const char *rule)
{
	const struct profile *p = form_profile(ctx);
	const char *slash = rule != NULL ? strchr(rule, '/') : NULL;
	const struct rule *r = p != NULL && slash != NULL ?
	    profile_rule(p, slash + 1) : NULL;

	if (r != NULL && (r->unit == RULE_IMMEDIATE ||
	    (r->unit == RULE_HOURS && r->amount <= 24)))
		return 4 * HOUR_MS;
	return 24 * HOUR_MS;
}

static void
owed(const struct obligation *o, void *arg)
{
	struct look *l = arg;
	char *key, *title, *text, due[LTIME_LEN];
	int overdue;

	if (o->due == DUE_NONE || strcmp(o->owed_by, l->me) != 0)
		return;
	ltime_format(o->due, due);
	key = xasprintf("%s\t%s\t%s", o->entity, o->what, due);
	if (json_object_get(l->alerted, key) != NULL) {
		json_object_set(l->kept, key, json_object_get(l->alerted, key));
	} else if (l->now >= o->due - lead_time(l->ctx, o->rule)) {
		overdue = l->now > o->due;
		ltime_short(o->due, due);
		title = xasprintf(overdue ? _("OVERDUE: %s") : _("Due soon: %s"),
		    _(o->what));
		text = xasprintf(_("%s: %s by %s"), o->entity, _(o->what), due);
		raise_alert(l, "due", o->entity, title, text, 1);
		json_object_set_new(l->kept, key, json_integer(l->now));
		free(title);
		free(text);
	}
	free(key);
}

int
alert_mode(struct cmd_ctx *ctx)
{
	const char *v = ctx->cfg.alerts;

	if (v == NULL || strcmp(v, "desktop") == 0)
		return 1;
	if (strcmp(v, "quiet") == 0)
		return 0;
	return -1;
}

/* meta[key] as JSON of type (object or array), or a new empty one. */
static json_t *
meta_json(struct ledger *lg, const char *key, int array)
{
	char *text = NULL;
	json_t *v = NULL;

	if (ledger_meta_get(lg, key, &text, NULL) == 0 && text != NULL)
		v = json_loads(text, 0, NULL);
	free(text);
	if (v != NULL && (array ? json_is_array(v) : json_is_object(v)))
		return v;
	json_decref(v);
	return array ? json_array() : json_object();
}

static int
meta_put(struct ledger *lg, const char *key, const json_t *v, char *err)
{
	char *text = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII);
	int rc = ledger_meta_set(lg, key, text, err);

	free(text);
	return rc;
}

/* Counts events, to start the first look at the end. */
static int
last_id(const struct event *ev, int64_t id, void *arg)
{
	*(int64_t *)arg = id;
	return 0;
}

int
alert_check(struct cmd_ctx *ctx, int show, int *raised)
{
	struct look l;
	json_t *all = NULL, *doc;
	char num[32];
	size_t i;
	int rc, first;

	/* One transaction for the read and the write of the state: the
	 * daemon and a command looking at once neither lose nor repeat an
	 * alert. */
	if ((rc = ledger_begin(ctx->lg, ctx->err)) != 0)
		return cmd_fail(ctx, rc);
	memset(&l, 0, sizeof l);
	l.ctx = ctx;
	l.me = ledger_unit(ctx->lg);
	l.now = ltime_now();
	l.desktop = show;
	first = ledger_meta_int(ctx->lg, "alert_cursor", -1) < 0;
	l.cursor = first ? 0 : ledger_meta_int(ctx->lg, "alert_cursor", 0);
	l.alerted = meta_json(ctx->lg, "alerted", 0);
	l.kept = json_object();
	l.alerts = meta_json(ctx->lg, "alerts", 1);
	*raised = 0;
	rc = ledger_foreach(ctx->lg, l.cursor, first ? last_id : arrival,
	    first ? (void *)&l.cursor : (void *)&l, ctx->err);
	if (rc != 0) {
		ledger_rollback(ctx->lg);
		rc = cmd_fail(ctx, rc);
		goto out;
	}
	if ((rc = form_all_records(ctx, &all)) != 0) {
		ledger_rollback(ctx->lg);
		goto out;
	}
	json_array_foreach(all, i, doc)
		due_collect(doc, owed, &l);
	snprintf(num, sizeof num, "%lld", (long long)l.cursor);
	if ((rc = ledger_meta_set(ctx->lg, "alert_cursor", num,
	    ctx->err)) == 0 &&
	    (rc = meta_put(ctx->lg, "alerted", l.kept, ctx->err)) == 0 &&
	    (rc = meta_put(ctx->lg, "alerts", l.alerts, ctx->err)) == 0)
		rc = ledger_commit(ctx->lg, ctx->err);
	if (rc != 0) {
		ledger_rollback(ctx->lg);
		rc = cmd_fail(ctx, rc);
	}
out:
	*raised = l.raised;
	json_decref(all);
	json_decref(l.alerted);
	json_decref(l.kept);
	json_decref(l.alerts);
	return rc;
}
