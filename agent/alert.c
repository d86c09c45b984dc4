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
 *                 record, title, text, urgent, read};
 *   alert_watch   {unit, fold, full, open}: the records holding an open
 *                 obligation of this unit with a due time (open: [ids]),
 *                 as of the look that wrote it, for that unit and fold
 *                 version (meta fold_version), and when the last full
 *                 look was (full, ms).
 *
 * What a look reads, so that it stays small on a station of 100,000
 * records (the daemon looks after every sync):
 *   - the events taken in since alert_cursor (arrivals, and the records
 *     they touched);
 *   - the records of alert_watch's open list and those touched: a
 *     record's obligations change only with its events (a projection is
 *     the fold of its own events; a due time is fixed when its
 *     obligation starts; only the clock moves, and the lead time is
 *     taken from the rule profile at each look), so a record neither on
 *     the list nor touched since has none of this unit's open with a due
 *     time, and nothing to alert or keep in alerted;
 *   - every record of the types that can owe something by a due time
 *     (registry: an owed step and deadlines) in a full look: the first
 *     one, one after the unit or the fold version changed, or when
 *     alert_watch is missing or unreadable, and one every
 *     ALERT_FULL_EVERY in any case, which mends what an unforeseen change
 *     of the projections (a record set aside and renumbered) left behind.
 * Both looks go through the records in the same order (owe_order), so
 * that the alerts raised together are kept in the same order.
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
#define ALERT_FULL_EVERY (6 * HOUR_MS)

struct look {
	struct cmd_ctx *ctx;
	const char *me;
	int64_t now;
	int desktop;
	json_t *alerted;  /* the old keys */
	json_t *kept;     /* the keys still open, and the new ones */
	json_t *alerts;
	json_t *touched;  /* {entity: true} of the events taken in */
	json_t *open;     /* {entity: true}: an obligation of this unit open,
			     with a due time */
	const char *doc_entity; /* the record due_collect is looking at */
	int64_t cursor;
	int raised;
	size_t read;      /* records read for obligations */
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
	json_object_set_new(l->touched, ev->entity, json_true());
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
	if (o->entity != NULL)
		json_object_set_new(l->open, o->entity, json_true());
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

/* 1 when records of type t can owe something by a due time: an owed
 * step and deadlines (due_emit has a due time only from a deadline). */
static int
owes_by_time(const struct entity_type *t)
{
	return t != NULL && t->owed != NULL && t->deadlines != NULL &&
	    t->deadlines[0].key != NULL;
}

/* The order records are looked at in: by type (the registry's), then
 * newest first (ledger_query's sort_at), then by id. */
static size_t
type_index(const char *name)
{
	const struct entity_type *t;
	size_t i;

	for (i = 0; (t = entity_type_at(i)) != NULL; i++)
		if (strcmp(t->name, name) == 0)
			return i;
	return i;
}

static const char *
sort_at(const json_t *doc)
{
	static const char *const keys[] = { "discovered_at", "received_at",
		"date", NULL };
	const char *v;
	size_t i;

	for (i = 0; keys[i] != NULL; i++)
		if ((v = cjson_str(doc, keys[i])) != NULL)
			return v;
	return "";
}

static int
owe_order(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	const char *tx = cjson_str(x, "type"), *ty = cjson_str(y, "type");
	size_t ix = type_index(tx != NULL ? tx : ""),
	    iy = type_index(ty != NULL ? ty : "");
	int c;

	if (ix != iy)
		return ix < iy ? -1 : 1;
	if ((c = strcmp(sort_at(y), sort_at(x))) != 0)
		return c;
	return -strcmp(cjson_str(y, "entity") ? cjson_str(y, "entity") : "",
	    cjson_str(x, "entity") ? cjson_str(x, "entity") : "");
}

/* The records of want's keys that still exist and can owe by a due
 * time, into docs. */
static int
read_some(struct look *l, const json_t *want, json_t *docs)
{
	const char *id;
	json_t *v, *doc;
	int rc;

	json_object_foreach((json_t *)want, id, v) {
		if (!owes_by_time(entity_type_of(id)))
			continue;
		doc = NULL;
		rc = ledger_get(l->ctx->lg, id, &doc, l->ctx->err);
		if (rc == LD_ENOTFOUND)
			continue;
		if (rc != 0)
			return rc;
		if (doc != NULL)
			json_array_append_new(docs, doc);
	}
	return 0;
}

/* alert_watch as the look before left it, or NULL when a full look is
 * due (none, unreadable, another unit or fold version, or the last full
 * look ALERT_FULL_EVERY ago). Borrowed from w. */
static const json_t *
watch_open(struct look *l, const json_t *w, const char *fold)
{
	const json_t *open = json_object_get(w, "open");
	json_int_t full = json_integer_value(json_object_get(w, "full"));

	if (!json_is_object(w) || !json_is_array(open) ||
	    !ld_streq(cjson_str(w, "unit"), l->me) ||
	    !ld_streq(cjson_str(w, "fold"), fold) ||
	    !json_is_integer(json_object_get(w, "full")) ||
	    l->now < full || l->now - full >= ALERT_FULL_EVERY)
		return NULL;
	return open;
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
	json_t *docs = json_array(), *want = NULL, *watch, *openlist, *v;
	const json_t *was;
	char num[32], *fold = NULL;
	const char *id;
	size_t i;
	int64_t full;
	int rc, first;

	/* One transaction for the read and the write of the state: the
	 * daemon and a command looking at once neither lose nor repeat an
	 * alert. */
	if ((rc = ledger_begin(ctx->lg, ctx->err)) != 0) {
		json_decref(docs);
		return cmd_fail(ctx, rc);
	}
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
	l.touched = json_object();
	l.open = json_object();
	watch = meta_json(ctx->lg, "alert_watch", 0);
	if (ledger_meta_get(ctx->lg, "fold_version", &fold, NULL) != 0)
		fold = NULL;
	*raised = 0;
	rc = ledger_foreach(ctx->lg, l.cursor, first ? last_id : arrival,
	    first ? (void *)&l.cursor : (void *)&l, ctx->err);
	if (rc != 0) {
		ledger_rollback(ctx->lg);
		rc = cmd_fail(ctx, rc);
		goto out;
	}
	was = first ? NULL : watch_open(&l, watch, fold != NULL ? fold : "");
	if (was == NULL) {
		full = l.now;
		json_decref(docs);
		rc = form_all_records(ctx, owes_by_time, &docs);
	} else {
		full = json_integer_value(json_object_get(watch, "full"));
		want = json_deep_copy(l.touched);
		json_array_foreach(was, i, v)
			if (json_is_string(v))
				json_object_set_new(want, json_string_value(v),
				    json_true());
		if ((rc = read_some(&l, want, docs)) != 0)
			rc = cmd_fail(ctx, rc);
	}
	if (rc != 0) {
		ledger_rollback(ctx->lg);
		goto out;
	}
	l.read = json_array_size(docs);
	if (l.read > 0) {
		json_t **sorted = xmalloc(l.read * sizeof *sorted);

		for (i = 0; i < l.read; i++)
			sorted[i] = json_array_get(docs, i);
		qsort(sorted, l.read, sizeof *sorted, owe_order);
		for (i = 0; i < l.read; i++)
			due_collect(sorted[i], owed, &l);
		free(sorted);
	}
	/* Tests look at this (t0080): not for users, not translated. */
	if (getenv("LIANDONG_ALERT_TRACE") != NULL)
		fprintf(stderr, "alerts: full=%d read=%zu open=%zu\n",
		    was == NULL, l.read, json_object_size(l.open));
	openlist = json_array();
	json_object_foreach(l.open, id, v)
		json_array_append_new(openlist, json_string(id));
	json_decref(watch);
	watch = json_pack("{s:s, s:s, s:I, s:o}", "unit", l.me, "fold",
	    fold != NULL ? fold : "", "full", (json_int_t)full, "open",
	    openlist);
	if (watch == NULL)
		watch = json_object(); /* the next look is a full one */
	snprintf(num, sizeof num, "%lld", (long long)l.cursor);
	if ((rc = ledger_meta_set(ctx->lg, "alert_cursor", num,
	    ctx->err)) == 0 &&
	    (rc = meta_put(ctx->lg, "alerted", l.kept, ctx->err)) == 0 &&
	    (rc = meta_put(ctx->lg, "alerts", l.alerts, ctx->err)) == 0 &&
	    (rc = meta_put(ctx->lg, "alert_watch", watch, ctx->err)) == 0)
		rc = ledger_commit(ctx->lg, ctx->err);
	if (rc != 0) {
		ledger_rollback(ctx->lg);
		rc = cmd_fail(ctx, rc);
	}
out:
	*raised = l.raised;
	free(fold);
	json_decref(docs);
	json_decref(want);
	json_decref(watch);
	json_decref(l.touched);
	json_decref(l.open);
	json_decref(l.alerted);
	json_decref(l.kept);
	json_decref(l.alerts);
	return rc;
}
