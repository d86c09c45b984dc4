/*
 * cmd-due.c - open obligations and their legal due times: due.
 *
 * Every deadline is stored in the record that started it (rules.h), so
 * this only reads projections: the case's time to refer, the receiver's
 * time to acknowledge a referral, a result still to report, a dispute
 * waiting for a decision, an assistance request or a township's call
 * unanswered, a meeting's resolution not yet carried out. Soonest first; overdue ones marked.
 *
 * A station that counts by no rule profile says so on every run (stderr,
 * and "profile": null with --json): what it records has no due time, so
 * a short list may only mean that nothing was counted (docs/rules.md).
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "due.h"
#include "fold.h"
#include "form.h"
#include "ltime.h"
#include "out.h"
#include "rules.h"

struct items {
	struct obligation *v;
	size_t n;
	const char *me;   /* this station's unit */
	const char *unit; /* --unit, or NULL */
	int addressed;    /* the record being collected is addressed to me */
};

/* Keeps the obligations that concern the unit asked about: what it owes
 * and, for a referral, assistance request or call addressed to it, what
 * it waits for at the other end. */
static void
keep(const struct obligation *o, void *arg)
{
	struct items *it = arg;
	int concerns = it->unit != NULL ? strcmp(o->owed_by, it->unit) == 0 :
	    strcmp(o->owed_by, it->me) == 0 || (it->addressed &&
	    (o->entity[0] == 'R' || o->entity[0] == 'A' || o->entity[0] == 'W'));

	if (!concerns)
		return;
	it->v = xrealloc(it->v, (it->n + 1) * sizeof *it->v);
	it->v[it->n++] = *o;
}

/* 1 if unit is in the record's audience: the records a unit only sees by
 * its role (the bureau following every referral) are not its business. */
static int
addressed(const json_t *doc, const char *unit)
{
	json_t *u;
	size_t i;

	json_array_foreach(json_object_get(doc, "audience"), i, u)
		if (strcmp(json_string_value(u), unit) == 0)
			return 1;
	return 0;
}

static int
by_due(const void *a, const void *b)
{
	const struct obligation *x = a, *y = b;

	if (x->due != y->due)
		return x->due < y->due ? -1 : 1;
	return strcmp(x->entity, y->entity);
}

/* Says on stderr when no profile is in force here, or when it sets no
 * time at all. */
static void
say_profile(struct cmd_ctx *ctx, const struct profile *p)
{
	if (ctx->profile_loaded < 0)
		fprintf(stderr, _("liandong: warning: no rule profile in force "
		    "(records that start a deadline are refused until it is "
		    "fixed): %s\n"), ctx->err);
	else if (p == NULL)
		fprintf(stderr, _("liandong: warning: no rule profile: this "
		    "station computes no deadlines, so new records get no due time "
		    "(the county server sends its profile when the station enrols; "
		    "else set $LIANDONG_RULES or [rules] profile)\n"));
	else if (p->n == 0)
		fprintf(stderr, _("liandong: note: the rule profile %s (%s) sets no "
		    "time for any obligation: nothing here is ever overdue\n"),
		    p->name, p->county);
}

static const struct cli_opt due_opts[] = {
	{ "overdue", CLI_FLAG, NULL, N_("only what is past its due time") },
	{ "unit", CLI_VALUE, "UNIT", N_("only what this unit owes (default: what concerns this station's unit)") },
	{ NULL, 0, NULL, NULL },
};

static int
cmd_due(struct cmd_ctx *ctx)
{
	static const char *const headers[] = { N_("DUE"), N_("STATE"),
		N_("OWED BY"), N_("OBLIGATION"), N_("RECORD"), N_("RULE") };
	const char *unit = cmd_value(ctx, "unit"), *me = ledger_unit(ctx->lg);
	struct items items = { NULL, 0, NULL, NULL, 0 };
	size_t i;
	int64_t now = ltime_now();
	json_t *all, *doc, *out;
	struct table *tab;
	const struct profile *p = form_profile(ctx);
	int rc;

	say_profile(ctx, p);
	if ((rc = form_all_records(ctx, NULL, &all)) != 0)
		return rc;
	items.me = me;
	items.unit = unit;
	json_array_foreach(all, i, doc) {
		items.addressed = addressed(doc, me);
		due_collect(doc, keep, &items);
	}
	if (items.n > 0) /* qsort(NULL, 0...) is undefined behaviour */
		qsort(items.v, items.n, sizeof *items.v, by_due);
	out = json_array();
	tab = table_new(6, headers);
	for (i = 0; i < items.n; i++) {
		struct obligation *it = &items.v[i];
		int overdue = it->due != DUE_NONE && now > it->due;
		char t1[LTIME_LEN] = "-", state[64];
		const char *cells[6];

		if (cmd_flag(ctx, "overdue") && !overdue)
			continue;
		if (it->due != DUE_NONE)
			ltime_short(it->due, t1);
		snprintf(state, sizeof state, "%s%s", overdue ? _("OVERDUE") :
		    it->due != DUE_NONE ? _("due") : _("open"),
		    it->assumed ? _(" (weekdays only)") : "");
		if (ctx->json) {
			json_t *o = json_object();
			char t2[LTIME_LEN];
			if (it->due != DUE_NONE) {
				ltime_format(it->due, t2);
				json_object_set_new(o, "due", json_string(t2));
			} else
				json_object_set_new(o, "due", json_null());
			json_object_set_new(o, "overdue", json_boolean(overdue));
			json_object_set_new(o, "owed_by", json_string(it->owed_by));
			json_object_set_new(o, "obligation", json_string(it->what));
			json_object_set_new(o, "record", json_string(it->entity));
			json_object_set_new(o, "rule", it->rule ?
			    json_string(it->rule) : json_null());
			json_object_set_new(o, "calendar_assumed",
			    json_boolean(it->assumed));
			json_array_append_new(out, o);
			continue;
		}
		cells[0] = t1;
		cells[1] = state;
		cells[2] = it->owed_by;
		cells[3] = _(it->what);
		cells[4] = it->entity;
		cells[5] = it->rule;
		table_row(tab, cells);
	}
	if (ctx->json) {
		json_t *d = out_doc("due");
		/* The profile new deadlines are counted by (null: none). */
		json_object_set_new(d, "profile", p != NULL ?
		    json_string(p->name) : json_null());
		json_object_set_new(d, "obligations", out);
		out_json(d);
	} else {
		json_decref(out);
		table_print(tab, stdout);
	}
	table_free(tab);
	free(items.v);
	json_decref(all);
	return 0;
}

const struct cmd_entry cmd_due_entry = {
	{ "due", NULL, NULL, 0, 0, due_opts, CMD_DB | CMD_JSON,
	    N_("open obligations with their legal due time, soonest first"),
	    NULL },
	cmd_due,
};
