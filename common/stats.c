/*
 * stats.c - the county's figures over a period (see stats.h).
 *
 * Counters are kept in JSON objects keyed by unit (and category, source,
 * month, rule): a county has tens of units and a few dozen categories,
 * so a lookup by key is cheap, and the result is built from them in one
 * sorted pass. Every figure is a count of records or obligations; the
 * few derived ones (a rate, a median) are computed at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjson.h"
#include "due.h"
#include "fold.h"
#include "kinds.h"
#include "ltime.h"
#include "registry.h"
#include "stats.h"
#include "util.h"

/* An hour, in ms: the unit of the time each referral step took. */
#define HOUR_MS INT64_C(3600000)

struct stats {
	int64_t from, to, now;
	char *unit;            /* NULL: the whole county */
	json_t *cases;         /* unit -> {opened, closed, referred, own, urgent} */
	json_t *categories;    /* category -> opened */
	json_t *sources;       /* source -> opened */
	json_t *months;        /* "2026-11" -> opened */
	json_t *senders;       /* unit -> {sent, urgent} */
	json_t *receivers;     /* unit -> {received, <status>..., ack_ms: [ms]} */
	json_t *liaison;       /* unit -> logs */
	json_t *timely;        /* "unit\trule" -> {on_time, late, open, overdue} */
	json_t *steps;         /* unit -> {acknowledged: [ms], answered: [ms],
				  result: [ms]} */
	json_t *callers;       /* unit -> {called, escalated} */
	json_t *called;        /* unit -> {received, answered, on_time, late,
				  overdue, hours: [ms]} */
	json_t *assists;       /* unit -> {received, answered, on_time, late,
				  overdue, hours: [ms]} */
	json_t *meetings;      /* unit -> {scheduled, held, resolutions} */
	json_t *followup;      /* unit -> {resolutions, done, in_progress,
				  unreported} */
	json_t *activity;      /* unit -> {contact, patrol, meeting, training,
				  trained, training_tenths (学时 of its
				  people's trainings, in tenths)} */
	char *category;        /* NULL: every category */
	struct stats_trail trail; /* fn NULL: none */
	const json_t *doc;     /* the projection being added (borrowed) */
	/* stats_times: every time a period is asked about, handed here,
	 * and every period says yes; NULL: counting. */
	void (*probe)(int64_t at, void *arg);
	void *probe_arg;
};

struct stats *
stats_new(int64_t from, int64_t to, const char *unit, int64_t now)
{
	struct stats *s = xcalloc(1, sizeof *s);

	s->from = from;
	s->to = to;
	s->now = now;
	s->unit = unit != NULL ? xstrdup(unit) : NULL;
	s->cases = json_object();
	s->categories = json_object();
	s->sources = json_object();
	s->months = json_object();
	s->senders = json_object();
	s->receivers = json_object();
	s->liaison = json_object();
	s->timely = json_object();
	s->steps = json_object();
	s->callers = json_object();
	s->called = json_object();
	s->assists = json_object();
	s->meetings = json_object();
	s->followup = json_object();
	s->activity = json_object();
	return s;
}

void
stats_free(struct stats *s)
{
	if (s == NULL)
		return;
	free(s->unit);
	json_decref(s->cases);
	json_decref(s->categories);
	json_decref(s->sources);
	json_decref(s->months);
	json_decref(s->senders);
	json_decref(s->receivers);
	json_decref(s->liaison);
	json_decref(s->timely);
	json_decref(s->steps);
	json_decref(s->callers);
	json_decref(s->called);
	json_decref(s->assists);
	json_decref(s->meetings);
	json_decref(s->followup);
	json_decref(s->activity);
	free(s->category);
	free(s);
}

void
stats_set_trail(struct stats *s, const struct stats_trail *t)
{
	memset(&s->trail, 0, sizeof s->trail);
	if (t != NULL)
		s->trail = *t;
}

void
stats_set_category(struct stats *s, const char *category)
{
	free(s->category);
	s->category = category != NULL ? xstrdup(category) : NULL;
}

/* The record being added counted in table's row key under figure. */
static void
note(const struct stats *s, const char *table, const char *key,
    const char *figure)
{
	if (s->trail.fn != NULL && s->doc != NULL)
		s->trail.fn(table, key, figure, s->doc, s->trail.arg);
}

/* 1 if the figures are the county's or unit is the one asked for. */
static int
wanted(const struct stats *s, const char *unit)
{
	return unit != NULL && (s->unit == NULL || strcmp(s->unit, unit) == 0);
}

static int
in_period(const struct stats *s, int64_t at)
{
	if (s->probe != NULL) {
		s->probe(at, s->probe_arg);
		return 1;
	}
	return at >= s->from && at < s->to;
}

/* Adds n to o[key] (a count). */
static void
bump(json_t *o, const char *key, json_int_t n)
{
	json_object_set_new(o, key, json_integer(
	    json_integer_value(json_object_get(o, key)) + n));
}

/* o[key], an object made on first use (borrowed). */
static json_t *
row(json_t *o, const char *key)
{
	json_t *r = json_object_get(o, key);

	if (r == NULL) {
		r = json_object();
		json_object_set_new(o, key, r);
	}
	return r;
}

/* The time at doc[key] (a canonical time string) in *ms; 0 or -1. */
static int
time_of(const json_t *doc, const char *key, int64_t *ms)
{
	const char *t = cjson_str(doc, key);

	return t != NULL && ltime_parse(t, ms) == 0 ? 0 : -1;
}

static void
add_case(struct stats *s, const json_t *doc)
{
	const char *unit = cjson_str(doc, "unit"), *v;
	char month[LTIME_LEN];
	json_t *r;
	int64_t at;

	if (time_of(doc, "discovered_at", &at) != 0)
		at = json_integer_value(json_object_get(doc, "created_at"));
	if (!in_period(s, at) || !wanted(s, unit))
		return;
	r = row(s->cases, unit);
	bump(r, "opened", 1);
	note(s, "cases.by_unit", unit, "opened");
	if (strcmp(fold_status(doc), "closed") == 0) {
		bump(r, "closed", 1);
		note(s, "cases.by_unit", unit, "closed");
	}
	if (json_object_get(doc, "referred") != NULL) {
		bump(r, "referred", 1);
		note(s, "cases.by_unit", unit, "referred");
	}
	if ((v = cjson_str(doc, "handling")) != NULL && strcmp(v, "own") == 0) {
		bump(r, "own", 1);
		note(s, "cases.by_unit", unit, "own");
	}
	if (json_is_true(json_object_get(doc, "urgent"))) {
		bump(r, "urgent", 1);
		note(s, "cases.by_unit", unit, "urgent");
	}
	if ((v = cjson_str(doc, "category")) != NULL) {
		bump(s->categories, v, 1);
		note(s, "cases.by_category", v, "opened");
	}
	if ((v = cjson_str(doc, "source")) != NULL) {
		bump(s->sources, v, 1);
		note(s, "cases.by_source", v, "opened");
	}
	ltime_format(at, month);
	month[7] = '\0'; /* "2026-11" */
	bump(s->months, month, 1);
	note(s, "cases.by_month", month, "opened");
}

static void
add_referral(struct stats *s, const json_t *doc)
{
	const char *from = cjson_str(doc, "unit"), *to = cjson_str(doc, "to");
	const json_t *ack = json_object_get(doc, "ack_due");
	json_t *r;
	int64_t at = fold_sent_at(doc), got;

	if (!in_period(s, at))
		return;
	if (wanted(s, from)) {
		r = row(s->senders, from);
		bump(r, "sent", 1);
		note(s, "referrals.by_sender", from, "sent");
		if (json_is_true(json_object_get(doc, "urgent"))) {
			bump(r, "urgent", 1);
			note(s, "referrals.by_sender", from, "urgent");
		}
	}
	if (!wanted(s, to))
		return;
	r = row(s->receivers, to);
	bump(r, "received", 1);
	note(s, "referrals.by_receiver", to, "received");
	/* By where it stands now; "sent" is one not yet answered. */
	bump(r, strcmp(fold_status(doc), "sent") == 0 ? "unanswered" :
	    fold_status(doc), 1);
	note(s, "referrals.by_receiver", to, strcmp(fold_status(doc),
	    "sent") == 0 ? "unanswered" : fold_status(doc));
	/* How long acknowledging took, from the receipt (else the
	 * sending) to the act. */
	if (json_is_object(ack) && json_is_integer(json_object_get(ack,
	    "done_at"))) {
		if (time_of(json_object_get(doc, "received"), "at", &got) != 0)
			got = at;
		if (json_object_get(r, "ack_ms") == NULL)
			json_object_set_new(r, "ack_ms", json_array());
		/* Never negative: the acknowledging unit's clock may lag the
		 * server's stamp. */
		got = json_integer_value(json_object_get(ack, "done_at")) - got;
		json_array_append_new(json_object_get(r, "ack_ms"),
		    json_integer(got > 0 ? got : 0));
	}
}

/* Appends ms (never negative: a clock behind another's counts 0) to
 * the array r[key], made on first use. */
static void
push_ms(json_t *r, const char *key, int64_t ms)
{
	if (json_object_get(r, key) == NULL)
		json_object_set_new(r, key, json_array());
	json_array_append_new(json_object_get(r, key), json_integer(ms > 0 ?
	    ms : 0));
}

/* When a record addressed to a unit reached it: its receipt, else its
 * sending (as the deadlines counted from receipt, docs/rules.md). */
static int64_t
arrived_at(const json_t *doc)
{
	int64_t got;

	if (time_of(json_object_get(doc, "received"), "at", &got) != 0)
		got = fold_sent_at(doc);
	return got;
}

/*
 * The time each step of a referral took (its projection's "steps": when
 * each state was first reached): from its arrival to its acknowledgement
 * and to its answer (accepted, disputed or returned, whichever came
 * first), for the unit it was sent to; from its acceptance to its
 * result, for its handler.
 */
static void
add_steps(struct stats *s, const json_t *doc, int64_t got)
{
	const json_t *st = json_object_get(doc, "steps");
	const char *to = cjson_str(doc, "to"), *handler = cjson_str(doc,
	    "handler");
	static const char *const answers[] = { "accepted", "disputed",
		"returned", NULL };
	const json_t *v;
	int64_t first = -1;
	size_t i;

	if (!json_is_object(st))
		return;
	if (wanted(s, to) && json_is_integer(v = json_object_get(st,
	    "acknowledged"))) {
		push_ms(row(s->steps, to), "acknowledged", json_integer_value(v) -
		    got);
		note(s, "referrals.steps", to, "acknowledged");
	}
	for (i = 0; answers[i] != NULL; i++)
		if (json_is_integer(v = json_object_get(st, answers[i])) &&
		    (first < 0 || json_integer_value(v) < first))
			first = json_integer_value(v);
	if (wanted(s, to) && first >= 0) {
		push_ms(row(s->steps, to), "answered", first - got);
		note(s, "referrals.steps", to, "answered");
	}
	if (wanted(s, handler) && json_is_integer(v = json_object_get(st,
	    "closed")) && json_is_integer(json_object_get(st, "accepted"))) {
		push_ms(row(s->steps, handler), "result", json_integer_value(v) -
		    json_integer_value(json_object_get(st, "accepted")));
		note(s, "referrals.steps", handler, "result");
	}
}

static void
add_liaison(struct stats *s, const json_t *doc)
{
	const char *unit = cjson_str(doc, "unit"), *act = cjson_str(doc,
	    "activity");
	json_t *r;

	if (!in_period(s, json_integer_value(json_object_get(doc,
	    "created_at"))) || !wanted(s, unit))
		return;
	bump(s->liaison, unit, 1);
	note(s, "liaison", unit, "logs");
	if (act == NULL)
		return;
	r = row(s->activity, unit);
	bump(r, act, 1);
	note(s, "liaison_activity", unit, act);
	/* Training: the people trained, each participant named once per
	 * session. */
	if (strcmp(act, "training") == 0 && json_array_size(json_object_get(doc,
	    "participants")) > 0) {
		size_t i, n = json_array_size(json_object_get(doc,
		    "participants"));

		bump(r, "trained", (json_int_t)n);
		for (i = 0; i < n; i++)
			note(s, "liaison_activity", unit, "trained");
	}
}

/* A person's trainings attended in the period, their hours (学时) added
 * to the unit's liaison row, in tenths ("training_tenths", given out as
 * "training_hours"). */
static void
add_person(struct stats *s, const json_t *doc)
{
	const char *unit = cjson_str(doc, "unit"), *date, *hours;
	const json_t *tr;
	long tenths, sum = 0;
	int64_t at;
	size_t i;

	if (!wanted(s, unit))
		return;
	json_array_foreach(json_object_get(doc, "training"), i, tr) {
		date = cjson_str(tr, "date");
		hours = cjson_str(tr, "hours");
		if (date != NULL && hours != NULL &&
		    ltime_parse(date, &at) == 0 && in_period(s, at) &&
		    decimal_parse(hours, &tenths) == 0)
			sum += tenths;
	}
	if (sum == 0)
		return;
	bump(row(s->activity, unit), "training_tenths", (json_int_t)sum);
	note(s, "liaison_activity", unit, "training_hours");
}

/*
 * A request addressed to a unit and answered by it (a township's call,
 * an assistance request), in table tab of rows t: received; answered,
 * and then on time or late by its answer_due; overdue when still
 * unanswered past its due time now; the time from its arrival to the
 * answer.
 */
static void
add_answered(struct stats *s, json_t *t, const char *tab, const json_t *doc)
{
	const char *to = cjson_str(doc, "to");
	const json_t *answer = json_object_get(doc, "answer");
	const json_t *dl = json_object_get(doc, "answer_due");
	json_t *r;
	int64_t due;

	if (!wanted(s, to))
		return;
	r = row(t, to);
	bump(r, "received", 1);
	note(s, tab, to, "received");
	if (json_is_object(answer)) {
		bump(r, "answered", 1);
		note(s, tab, to, "answered");
		push_ms(r, "hours", json_integer_value(json_object_get(answer,
		    "at")) - arrived_at(doc));
		if (json_is_object(dl) && json_object_get(dl, "done_at") != NULL) {
			const char *f = json_is_true(json_object_get(dl,
			    "late")) ? "late" : "on_time";
			bump(r, f, 1);
			note(s, tab, to, f);
		}
	} else if (json_is_object(dl) && time_of(dl, "due", &due) == 0 &&
	    s->now > due) {
		bump(r, "overdue", 1);
		note(s, tab, to, "overdue");
	}
}

static void
add_whistle(struct stats *s, const json_t *doc)
{
	const char *unit = cjson_str(doc, "unit");
	json_t *r;

	if (!in_period(s, fold_sent_at(doc)))
		return;
	if (wanted(s, unit)) {
		r = row(s->callers, unit);
		bump(r, "called", 1);
		note(s, "whistles.by_caller", unit, "called");
		if (json_integer_value(json_object_get(doc,
		    "escalation_level")) > 0) {
			bump(r, "escalated", 1);
			note(s, "whistles.by_caller", unit, "escalated");
		}
	}
	add_answered(s, s->called, "whistles.by_department", doc);
}

static void
add_assist(struct stats *s, const json_t *doc)
{
	if (in_period(s, fold_sent_at(doc)))
		add_answered(s, s->assists, "assists.by_unit", doc);
}

/*
 * A joint meeting, in the period of when it is held ("at"): scheduled
 * and held for the convening unit, with its resolutions; each
 * resolution for the unit that owns it, by its follow-up: done, in
 * progress, or not yet reported on.
 */
static void
add_meeting(struct stats *s, const json_t *doc)
{
	const char *unit = cjson_str(doc, "unit"), *owner, *st;
	const json_t *rs = json_object_get(doc, "resolutions"), *x;
	json_t *r;
	int64_t at;
	size_t i;

	if (time_of(doc, "at", &at) != 0 || !in_period(s, at))
		return;
	if (wanted(s, unit)) {
		r = row(s->meetings, unit);
		bump(r, "scheduled", 1);
		note(s, "meetings.by_unit", unit, "scheduled");
		if (strcmp(fold_status(doc), "held") == 0) {
			bump(r, "held", 1);
			note(s, "meetings.by_unit", unit, "held");
		}
		if (json_array_size(rs) > 0) {
			bump(r, "resolutions", (json_int_t)json_array_size(rs));
			for (i = 0; i < json_array_size(rs); i++)
				note(s, "meetings.by_unit", unit, "resolutions");
		}
	}
	json_array_foreach(rs, i, x) {
		owner = cjson_str(x, "owner");
		if (!wanted(s, owner))
			continue;
		st = cjson_str(x, "status");
		st = st == NULL || strcmp(st, "open") == 0 ? "unreported" :
		    strcmp(st, "in-progress") == 0 ? "in_progress" : st;
		r = row(s->followup, owner);
		bump(r, "resolutions", 1);
		note(s, "meetings.followup", owner, "resolutions");
		bump(r, st, 1);
		note(s, "meetings.followup", owner, st);
	}
}

/* One obligation of unit by rule, counted under what. */
static void
timely(struct stats *s, const char *unit, const char *rule,
    const char *what)
{
	char *key;

	if (!wanted(s, unit) || rule == NULL)
		return;
	key = xasprintf("%s\t%s", unit, rule);
	bump(row(s->timely, key), what, 1);
	note(s, "timeliness.by_rule", key, what);
	note(s, "timeliness.by_unit", unit, what);
	free(key);
}

/* The open obligations: still owed, overdue or not. */
static void
owed_one(const struct obligation *o, void *arg)
{
	struct stats *s = arg;

	if (o->due == DUE_NONE || !in_period(s, o->due))
		return;
	timely(s, o->owed_by, o->rule, s->now > o->due ? "overdue" : "open");
}

/* 1 if the deadline key of t is another record's (registry.h). */
static int
carried(const struct entity_type *t, const char *key)
{
	size_t i;

	for (i = 0; t->carried != NULL && t->carried[i] != NULL; i++)
		if (strcmp(t->carried[i], key) == 0)
			return 1;
	return 0;
}

/* The deadlines done, on time or late; the open ones come from what
 * the record still owes (due_collect), so that a deadline nobody owes
 * any more (a referral withdrawn) counts nowhere. */
static void
add_timeliness(struct stats *s, const json_t *doc)
{
	const struct entity_type *t = entity_type_find(cjson_str(doc, "type"));
	const struct deadline_decl *d;
	const json_t *dl;
	int64_t due;

	for (d = t != NULL ? t->deadlines : NULL; d != NULL && d->key != NULL;
	    d++) {
		if (carried(t, d->key))
			continue;
		dl = json_object_get(doc, d->key);
		if (!json_is_object(dl) || json_object_get(dl, "done_at") == NULL ||
		    time_of(dl, "due", &due) != 0 || !in_period(s, due))
			continue;
		/* Whoever did it (a decision may have moved the duty), else,
		 * for a deadline done before the fold said, who owed it. */
		timely(s, cjson_str(dl, "done_by") != NULL ?
		    cjson_str(dl, "done_by") : due_owner(doc, d->key),
		    cjson_str(dl, "rule"),
		    json_is_true(json_object_get(dl, "late")) ? "late" :
		    "on_time");
	}
	due_collect(doc, owed_one, s);
}

void
stats_add(struct stats *s, const json_t *doc)
{
	const char *type = cjson_str(doc, "type");

	if (type == NULL || *fold_status(doc) == '\0')
		return;
	/* With a category, only the records of that category (cases and
	 * referrals) and what they owe. */
	if (s->category != NULL && (cjson_str(doc, "category") == NULL ||
	    strcmp(cjson_str(doc, "category"), s->category) != 0))
		return;
	s->doc = doc;
	if (strcmp(type, "case") == 0)
		add_case(s, doc);
	else if (strcmp(type, "referral") == 0) {
		add_referral(s, doc);
		if (in_period(s, fold_sent_at(doc)))
			add_steps(s, doc, arrived_at(doc));
	} else if (strcmp(type, "liaison") == 0)
		add_liaison(s, doc);
	else if (strcmp(type, "whistle") == 0)
		add_whistle(s, doc);
	else if (strcmp(type, "assist") == 0)
		add_assist(s, doc);
	else if (strcmp(type, "meeting") == 0)
		add_meeting(s, doc);
	else if (strcmp(type, "person") == 0)
		add_person(s, doc);
	add_timeliness(s, doc);
	s->doc = NULL;
}

/*
 * Every figure is counted in a period only after in_period said its
 * time is in it (and nothing of a record is noted before): a probe that
 * says yes to every period walks every branch a real period can take
 * and so sees every time that can make the record count anywhere.
 */
void
stats_times(const json_t *doc, void (*fn)(int64_t at, void *arg), void *arg)
{
	struct stats *s = stats_new(INT64_MIN, INT64_MAX, NULL, 0);

	s->probe = fn;
	s->probe_arg = arg;
	stats_add(s, doc);
	stats_free(s);
}

/* The keys of o, sorted (new array of borrowed strings; *n how many). */
static const char **
sorted_keys(const json_t *o, size_t *n)
{
	const char **k = xcalloc(json_object_size(o) + 1, sizeof *k);
	const char *key;
	json_t *v;

	*n = 0;
	json_object_foreach((json_t *)o, key, v)
		k[(*n)++] = key;
	qsort(k, *n, sizeof *k, ld_strcmp_p);
	return k;
}

/* [{name: key, value: count}...] of a key -> count object, by key. */
static json_t *
counts(const json_t *o, const char *name, const char *value)
{
	json_t *a = json_array();
	size_t n, i;
	const char **k = sorted_keys(o, &n);

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:O}", name, k[i],
		    value, json_object_get(o, k[i])));
	free(k);
	return a;
}

/* [{unit, f[0]: n, f[1]: n...}...] of a unit -> row object, every field
 * given, by unit. */
static json_t *
rows(const json_t *o, const char *const *f)
{
	json_t *a = json_array(), *r;
	size_t n, i, j;
	const char **k = sorted_keys(o, &n);

	for (i = 0; i < n; i++) {
		r = json_pack("{s:s}", "unit", k[i]);
		for (j = 0; f[j] != NULL; j++)
			json_object_set_new(r, f[j], json_integer(
			    json_integer_value(json_object_get(json_object_get(o,
			    k[i]), f[j]))));
		json_array_append_new(a, r);
	}
	free(k);
	return a;
}

static int
by_int(const void *a, const void *b)
{
	json_int_t x = *(const json_int_t *)a, y = *(const json_int_t *)b;

	return (x > y) - (x < y);
}

/* The median of an array of ms, in hours with one decimal; null when
 * empty. */
static json_t *
median_hours(const json_t *ms)
{
	size_t n = json_array_size(ms), i;
	json_int_t *v, m;

	if (n == 0)
		return json_null();
	v = xcalloc(n, sizeof *v);
	for (i = 0; i < n; i++)
		v[i] = json_integer_value(json_array_get(ms, i));
	qsort(v, n, sizeof *v, by_int);
	m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	free(v);
	return json_real((double)((m * 10 + HOUR_MS / 2) / HOUR_MS) / 10);
}

/* The 90th percentile (nearest rank) of an array of ms, in hours with
 * one decimal; null when empty. */
static json_t *
p90_hours(const json_t *ms)
{
	size_t n = json_array_size(ms), i;
	json_int_t *v, m;

	if (n == 0)
		return json_null();
	v = xcalloc(n, sizeof *v);
	for (i = 0; i < n; i++)
		v[i] = json_integer_value(json_array_get(ms, i));
	qsort(v, n, sizeof *v, by_int);
	m = v[(n * 9 + 9) / 10 - 1];
	free(v);
	return json_real((double)((m * 10 + HOUR_MS / 2) / HOUR_MS) / 10);
}

/* Sets row x's PREFIX_median_hours and PREFIX_p90_hours from the ms in
 * from[key]. */
static void
hours(json_t *x, const char *prefix, const json_t *from, const char *key)
{
	char *k;

	k = xasprintf("%s_median_hours", prefix);
	json_object_set_new(x, k, median_hours(json_object_get(from, key)));
	free(k);
	k = xasprintf("%s_p90_hours", prefix);
	json_object_set_new(x, k, p90_hours(json_object_get(from, key)));
	free(k);
}

/* Sums the named fields of every row of a into one object. */
static json_t *
total(const json_t *a, const char *const *f)
{
	json_t *t = json_object(), *r;
	size_t i, j;

	for (j = 0; f[j] != NULL; j++)
		json_object_set_new(t, f[j], json_integer(0));
	json_array_foreach(a, i, r)
		for (j = 0; f[j] != NULL; j++)
			bump(t, f[j], json_integer_value(json_object_get(r, f[j])));
	return t;
}

/* on_time / (on_time + late + overdue): of the obligations whose time
 * has come, the share met; null when none has. */
static json_t *
rate(const json_t *r)
{
	json_int_t ok = json_integer_value(json_object_get(r, "on_time"));
	json_int_t all = ok + json_integer_value(json_object_get(r, "late")) +
	    json_integer_value(json_object_get(r, "overdue"));

	if (all == 0)
		return json_null();
	return json_real((double)((ok * 1000 + all / 2) / all) / 1000);
}

/* The ranking: units by rate, best first (none last), then by name. */
static int
by_rate(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	const json_t *rx = json_object_get(x, "rate"),
	    *ry = json_object_get(y, "rate");

	if (json_is_null(rx) != json_is_null(ry))
		return json_is_null(rx) ? 1 : -1;
	if (!json_is_null(rx) && json_real_value(rx) != json_real_value(ry))
		return json_real_value(rx) < json_real_value(ry) ? 1 : -1;
	return strcmp(cjson_str(x, "unit"), cjson_str(y, "unit"));
}

static json_t *
timeliness(const struct stats *s)
{
	static const char *const f[] = { "on_time", "late", "open", "overdue",
		NULL };
	json_t *out = json_object(), *by_rule = json_array(), *units = json_object();
	json_t *by_unit, *r, **v;
	const char **k;
	char *unit, *rule;
	size_t n, i, j;

	k = sorted_keys(s->timely, &n);
	for (i = 0; i < n; i++) {
		unit = xstrdup(k[i]);
		rule = strchr(unit, '\t');
		*rule++ = '\0';
		r = json_pack("{s:s, s:s}", "unit", unit, "rule", rule);
		for (j = 0; f[j] != NULL; j++) {
			json_int_t c = json_integer_value(json_object_get(
			    json_object_get(s->timely, k[i]), f[j]));
			json_object_set_new(r, f[j], json_integer(c));
			bump(row(units, unit), f[j], c);
		}
		json_object_set_new(r, "rate", rate(r));
		json_array_append_new(by_rule, r);
		free(unit);
	}
	free(k);
	by_unit = rows(units, f);
	json_array_foreach(by_unit, i, r)
		json_object_set_new(r, "rate", rate(r));
	/* Ranked for assessment: best rate first. */
	n = json_array_size(by_unit);
	v = xcalloc(n + 1, sizeof *v);
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(by_unit, i));
	qsort(v, n, sizeof *v, by_rate);
	json_array_clear(by_unit);
	/* Equal rates share a rank, the next one after them skips (1, 1,
	 * 3): an assessment table's ranking. */
	for (i = 0; i < n; i++) {
		json_int_t rank = (json_int_t)i + 1;

		if (i > 0 && json_equal(json_object_get(v[i], "rate"),
		    json_object_get(v[i - 1], "rate")))
			rank = json_integer_value(json_object_get(v[i - 1],
			    "rank"));
		json_object_set_new(v[i], "rank", json_integer(rank));
		json_array_append_new(by_unit, v[i]);
	}
	free(v);
	json_object_set_new(out, "total", total(by_unit, f));
	json_object_set_new(json_object_get(out, "total"), "rate",
	    rate(json_object_get(out, "total")));
	json_object_set_new(out, "by_unit", by_unit);
	json_object_set_new(out, "by_rule", by_rule);
	json_decref(units);
	return out;
}

json_t *
stats_result(const struct stats *s)
{
	static const char *const case_f[] = { "opened", "closed", "referred",
		"own", "urgent", NULL };
	static const char *const sent_f[] = { "sent", "urgent", NULL };
	static const char *const recv_f[] = { "received", "unanswered",
		"acknowledged", "accepted", "disputed", "escalated", "decided",
		"returned", "withdrawn", "closed", NULL };
	json_t *out = json_object(), *c, *r, *by_recv, *x;
	char from[LTIME_LEN], to[LTIME_LEN];
	const char *unit;
	size_t i;

	ltime_format(s->from, from);
	ltime_format(s->to, to);
	json_object_set_new(out, "from", json_string(from));
	json_object_set_new(out, "to", json_string(to));
	json_object_set_new(out, "unit", s->unit != NULL ?
	    json_string(s->unit) : json_null());

	c = json_object();
	json_object_set_new(c, "by_unit", rows(s->cases, case_f));
	json_object_set_new(c, "total", total(json_object_get(c, "by_unit"),
	    case_f));
	json_object_set_new(c, "by_category", counts(s->categories,
	    "category", "opened"));
	json_object_set_new(c, "by_source", counts(s->sources, "source",
	    "opened"));
	json_object_set_new(c, "by_month", counts(s->months, "month",
	    "opened"));
	json_object_set_new(out, "cases", c);

	r = json_object();
	json_object_set_new(r, "by_sender", rows(s->senders, sent_f));
	by_recv = rows(s->receivers, recv_f);
	json_array_foreach(by_recv, i, x) {
		unit = cjson_str(x, "unit");
		json_object_set_new(x, "ack_hours_median", median_hours(
		    json_object_get(json_object_get(s->receivers, unit),
		    "ack_ms")));
	}
	json_object_set_new(r, "by_receiver", by_recv);
	json_object_set_new(r, "total", total(json_object_get(r, "by_sender"),
	    sent_f));
	json_object_set_new(out, "referrals", r);

	/* The time each step took, per unit: how many, median and 90th
	 * percentile hours. */
	{
		static const char *const step_f[] = { "acknowledged", "answered",
			"result", NULL };
		json_t *steps = json_object(), *st = json_array(), *y;
		size_t j;
		const char *k;

		json_object_foreach(s->steps, k, y) {
			json_t *cnt = json_object();
			for (j = 0; step_f[j] != NULL; j++)
				json_object_set_new(cnt, step_f[j], json_integer(
				    (json_int_t)json_array_size(json_object_get(y,
				    step_f[j]))));
			json_object_set_new(steps, k, cnt);
		}
		json_decref(st);
		st = rows(steps, step_f);
		json_array_foreach(st, i, x)
			for (j = 0; step_f[j] != NULL; j++)
				hours(x, step_f[j], json_object_get(s->steps,
				    cjson_str(x, "unit")), step_f[j]);
		json_object_set_new(r, "steps", st);
		json_decref(steps);
	}

	json_object_set_new(out, "liaison", counts(s->liaison, "unit", "logs"));
	{
		static const char *const act_f[] = { "contact", "patrol",
			"meeting", "training", "trained", NULL };
		json_t *a = rows(s->activity, act_f), *ar;
		size_t ai;

		/* Hours as a number with one decimal, like the steps'. */
		json_array_foreach(a, ai, ar)
			json_object_set_new(ar, "training_hours", json_real(
			    (double)json_integer_value(json_object_get(
			    json_object_get(s->activity, cjson_str(ar, "unit")),
			    "training_tenths")) / 10));
		json_object_set_new(out, "liaison_activity", a);
	}
	{
		static const char *const call_f[] = { "called", "escalated",
			NULL };
		static const char *const ans_f[] = { "received", "answered",
			"on_time", "late", "overdue", NULL };
		json_t *w = json_object(), *a = json_object(), *d;

		json_object_set_new(w, "by_caller", rows(s->callers, call_f));
		d = rows(s->called, ans_f);
		json_array_foreach(d, i, x) {
			hours(x, "answer", json_object_get(s->called,
			    cjson_str(x, "unit")), "hours");
			json_object_set_new(x, "rate", rate(x));
		}
		json_object_set_new(w, "by_department", d);
		json_object_set_new(out, "whistles", w);
		d = rows(s->assists, ans_f);
		json_array_foreach(d, i, x) {
			hours(x, "answer", json_object_get(s->assists,
			    cjson_str(x, "unit")), "hours");
			json_object_set_new(x, "rate", rate(x));
		}
		json_object_set_new(a, "by_unit", d);
		json_object_set_new(out, "assists", a);
	}
	{
		static const char *const meet_f[] = { "scheduled", "held",
			"resolutions", NULL };
		static const char *const follow_f[] = { "resolutions", "done",
			"in_progress", "unreported", NULL };
		json_t *m = json_object();

		json_object_set_new(m, "by_unit", rows(s->meetings, meet_f));
		json_object_set_new(m, "followup", rows(s->followup, follow_f));
		json_object_set_new(out, "meetings", m);
	}
	json_object_set_new(out, "timeliness", timeliness(s));
	return out;
}

/* Midnight (China Standard Time) of y-m-d, in ms; -1 if no such day. */
static int64_t
day_start(int y, int m, int d)
{
	char t[40], back[LTIME_LEN];
	int64_t ms;

	if (y < 2000 || y > 2999 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	snprintf(t, sizeof t, "%04d-%02d-%02dT00:00:00+08:00", y, m, d);
	if (ltime_parse(t, &ms) != 0)
		return -1;
	/* No 02-30: the day must read back as given. */
	ltime_format(ms, back);
	return strcmp(back, t) == 0 ? ms : -1;
}

/* 1 if text is made of digits where pattern has 9, and of the same
 * characters elsewhere: "9999-99" for a month. */
static int
shaped(const char *text, const char *pattern)
{
	for (; *pattern != '\0'; text++, pattern++)
		if (*pattern == '9' ? *text < '0' || *text > '9' :
		    *text != *pattern)
			return 0;
	return *text == '\0';
}

int
stats_period(const char *text, int64_t *from, int64_t *to)
{
	int y, m, d, y2, m2, d2, n = 0;
	char q;

	/* sscanf alone would take "2026- 1" and "2026-+1". */
	if (text == NULL || !(shaped(text, "9999-99-99..9999-99-99") ||
	    shaped(text, "9999-Q9") || shaped(text, "9999-99") ||
	    shaped(text, "9999")))
		return -1;
	if (sscanf(text, "%4d-%2d-%2d..%4d-%2d-%2d%n", &y, &m, &d, &y2, &m2,
	    &d2, &n) == 6 && text[n] == '\0') {
		*from = day_start(y, m, d);
		*to = day_start(y2, m2, d2);
		if (*from < 0 || *to < 0 || *to < *from)
			return -1;
		*to += 24 * HOUR_MS;
		return 0;
	}
	if (sscanf(text, "%4d-%c%1d%n", &y, &q, &m, &n) == 3 && q == 'Q' &&
	    text[n] == '\0' && m >= 1 && m <= 4) {
		*from = day_start(y, 3 * m - 2, 1);
		*to = m == 4 ? day_start(y + 1, 1, 1) : day_start(y, 3 * m + 1, 1);
		return *from < 0 || *to < 0 ? -1 : 0;
	}
	if (sscanf(text, "%4d-%2d%n", &y, &m, &n) == 2 && text[n] == '\0' &&
	    strlen(text) == 7) {
		*from = day_start(y, m, 1);
		*to = m == 12 ? day_start(y + 1, 1, 1) : day_start(y, m + 1, 1);
		return *from < 0 || *to < 0 ? -1 : 0;
	}
	if (sscanf(text, "%4d%n", &y, &n) == 1 && text[n] == '\0' &&
	    strlen(text) == 4) {
		*from = day_start(y, 1, 1);
		*to = day_start(y + 1, 1, 1);
		return *from < 0 || *to < 0 ? -1 : 0;
	}
	return -1;
}
