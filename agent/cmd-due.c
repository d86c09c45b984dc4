/*
 * cmd-due.c - open obligations and their legal due times: due.
 *
 * Every deadline is stored in the record that started it (rules.h), so
 * this only reads projections: the case's time to refer, the receiver's
 * time to acknowledge a referral, a result still to report, a dispute
 * waiting for a decision, an assistance request or a township's call
 * unanswered, a meeting's resolution not yet carried out. Soonest first; overdue ones marked.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "due.h"
#include "fold.h"
#include "ltime.h"
#include "out.h"

struct items {
	struct obligation *v;
	size_t n;
};

static void
keep(const struct obligation *o, void *arg)
{
	struct items *it = arg;

	it->v = xrealloc(it->v, (it->n + 1) * sizeof *it->v);
	it->v[it->n++] = *o;
}

static int
by_due(const void *a, const void *b)
{
	const struct obligation *x = a, *y = b;

	if (x->due != y->due)
		return x->due < y->due ? -1 : 1;
	return strcmp(x->entity, y->entity);
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
	static const char *const types[] = { "case", "referral", "complaint",
		"assist", "whistle", "meeting", "share", "supervision" };
	struct items items = { NULL, 0 };
	size_t i, t;
	int64_t now = ltime_now();
	json_t *all = json_array(), *arr, *doc, *out;
	struct table *tab;
	int rc;

	for (t = 0; t < sizeof types / sizeof types[0]; t++) {
		struct ledger_query q;
		memset(&q, 0, sizeof q);
		q.type = types[t];
		if ((rc = ledger_query(ctx->lg, &q, &arr, ctx->err)) != 0) {
			json_decref(all);
			return cmd_fail(ctx, rc);
		}
		json_array_extend(all, arr);
		json_decref(arr);
	}
	json_array_foreach(all, i, doc)
		due_collect(doc, keep, &items);
	if (items.n > 0) /* qsort(NULL, 0...) is undefined behaviour */
		qsort(items.v, items.n, sizeof *items.v, by_due);
	out = json_array();
	tab = table_new(6, headers);
	for (i = 0; i < items.n; i++) {
		struct obligation *it = &items.v[i];
		int overdue = it->due != DUE_NONE && now > it->due;
		char t1[LTIME_LEN] = "-", state[64];
		const char *cells[6];

		/* A referral, assistance request or whistle call held here
		 * concerns this unit at either end. */
		int concerns = unit != NULL ? strcmp(it->owed_by, unit) == 0 :
		    strcmp(it->owed_by, me) == 0 || it->entity[0] == 'R' ||
		    it->entity[0] == 'A' || it->entity[0] == 'W';

		if (!concerns)
			continue;
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
