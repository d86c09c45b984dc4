/*
 * cmd-due.c - open obligations and their legal due times: due.
 *
 * Every deadline is stored in the record that started it (rules.h), so
 * this only reads projections: the case's time to refer, the receiver's
 * time to acknowledge a referral, a result still to report, a dispute
 * waiting for a decision. Soonest first; overdue ones marked.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "fold.h"
#include "ltime.h"
#include "out.h"

struct item {
	int64_t due;       /* INT64_MAX when the law sets no time */
	const char *owed_by;
	const char *what;
	const char *entity;
	const char *rule;
	int assumed;
};

static const char *
str(const json_t *doc, const char *key)
{
	return json_string_value(json_object_get(doc, key));
}

static void
add(struct item **items, size_t *n, const json_t *doc, const char *owed_by,
    const char *what, const json_t *deadline)
{
	struct item *it;
	int64_t due = INT64_MAX;

	if (deadline != NULL && (json_object_get(deadline, "done_at") != NULL ||
	    ltime_parse(str(deadline, "due"), &due) != 0))
		return;
	*items = xrealloc(*items, (*n + 1) * sizeof **items);
	it = &(*items)[(*n)++];
	it->due = due;
	it->owed_by = owed_by;
	it->what = what;
	it->entity = str(doc, "entity");
	it->rule = deadline ? str(deadline, "rule") : NULL;
	it->assumed = deadline && json_is_true(json_object_get(deadline,
	    "assumed"));
}

static void
collect(const json_t *doc, struct item **items, size_t *n)
{
	const char *type = str(doc, "type"), *st = str(doc, "status");
	const char *handler = str(doc, "handler");

	if (strcmp(type, "case") == 0) {
		if (strcmp(st, "open") == 0 && !json_object_get(doc, "referred") &&
		    json_object_get(doc, "refer_due") != NULL)
			add(items, n, doc, str(doc, "unit"), N_("refer the case (移送)"),
			    json_object_get(doc, "refer_due"));
		return;
	}
	if (strcmp(type, "referral") != 0)
		return;
	if (strcmp(st, "sent") == 0 && json_object_get(doc, "ack_due") != NULL)
		add(items, n, doc, handler, N_("acknowledge the referral (受理告知)"),
		    json_object_get(doc, "ack_due"));
	else if (strcmp(st, "sent") == 0 || strcmp(st, "acknowledged") == 0 ||
	    strcmp(st, "decided") == 0)
		add(items, n, doc, handler, N_("accept or dispute the referral"),
		    NULL);
	else if (strcmp(st, "accepted") == 0)
		add(items, n, doc, handler,
		    N_("report the result when the decision is served"), NULL);
	else if (strcmp(st, "disputed") == 0 || strcmp(st, "escalated") == 0)
		add(items, n, doc, str(doc, "escalated_to") ?
		    str(doc, "escalated_to") : str(doc, "unit"),
		    N_("settle the jurisdiction dispute"), NULL);
}

static int
by_due(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

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
	static const char *const types[] = { "case", "referral" };
	struct item *items = NULL;
	size_t n = 0, i, t;
	int64_t now = ltime_now();
	json_t *all = json_array(), *arr, *doc, *out;
	struct table *tab;
	int rc;

	for (t = 0; t < 2; t++) {
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
		collect(doc, &items, &n);
	qsort(items, n, sizeof *items, by_due);
	out = json_array();
	tab = table_new(6, headers);
	for (i = 0; i < n; i++) {
		struct item *it = &items[i];
		int overdue = it->due != INT64_MAX && now > it->due;
		char t1[LTIME_LEN] = "-", state[64];
		const char *cells[6];

		/* A referral held here concerns this unit at either end. */
		int concerns = unit != NULL ? strcmp(it->owed_by, unit) == 0 :
		    strcmp(it->owed_by, me) == 0 || it->entity[0] == 'R';

		if (!concerns)
			continue;
		if (cmd_flag(ctx, "overdue") && !overdue)
			continue;
		if (it->due != INT64_MAX)
			ltime_short(it->due, t1);
		snprintf(state, sizeof state, "%s%s", overdue ? _("OVERDUE") :
		    it->due != INT64_MAX ? _("due") : _("open"),
		    it->assumed ? _(" (weekdays only)") : "");
		if (ctx->json) {
			json_t *o = json_object();
			char t2[LTIME_LEN];
			if (it->due != INT64_MAX) {
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
	free(items);
	json_decref(all);
	return 0;
}

const struct cmd_entry cmd_due_entry = {
	{ "due", NULL, NULL, 0, 0, due_opts, CMD_DB | CMD_JSON,
	    N_("open obligations with their legal due time, soonest first"),
	    NULL },
	cmd_due,
};
