/*
 * cmd-report.c - `liandong-server report`: the county's figures over a
 * period (common/stats.h), as tables, JSON, CSV or an Excel workbook.
 *
 * The numbers are computed once, by stats.c, from every projection the
 * county (or the unit asked for) holds; each output prints the same
 * result. docs/report.md says what each figure counts.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accounts.h"
#include "cjson.h"
#include "cmd.h"
#include "export.h"
#include "figures.h"
#include "log.h"
#include "ltime.h"
#include "mask.h"
#include "stats.h"
#include "store.h"
#include "text.h"
#include "textfile.h"
#include "util.h"

static const struct cli_opt report_opts[] = {
	{ "period", CLI_VALUE, "PERIOD", N_("2026-11 (a month), 2026-Q4, 2026, or 2026-11-03..2026-11-16 (required)") },
	{ "unit", CLI_VALUE, "UNIT", N_("only this unit's figures") },
	{ "category", CLI_VALUE, "CATEGORY", N_("only the cases and referrals of this category, e.g. 违法建设") },
	{ "csv", CLI_FLAG, NULL, N_("every table as CSV for Excel (UTF-8 with a byte order mark)") },
	{ "xlsx", CLI_VALUE, "FILE", N_("every table in an Excel workbook FILE, a sheet each (written whole, or not at all)") },
	{ NULL, 0, NULL, NULL },
};

/* A cell for people: a rate as a percentage. */
static char *
cell_shown(const json_t *row, const char *key)
{
	const json_t *v = json_object_get(row, key);

	if (strcmp(key, "rate") == 0 && json_is_real(v))
		return xasprintf("%.1f%%", json_real_value(v) * 100);
	return export_cell(row, key);
}

/* Prints one table, its columns padded to their display widths. */
static void
print_table(const struct export_table *t, const json_t *rows)
{
	size_t ncol = 0, i, j, w[16], n = json_array_size(rows);
	char *s;

	while (t->cols[ncol].key != NULL && ncol < 16)
		ncol++;
	for (j = 0; j < ncol; j++)
		w[j] = text_width(_(t->cols[j].header));
	for (i = 0; i < n; i++)
		for (j = 0; j < ncol; j++) {
			s = cell_shown(json_array_get(rows, i), t->cols[j].key);
			if (text_width(s) > w[j])
				w[j] = text_width(s);
			free(s);
		}
	printf("%s\n", _(t->title));
	for (j = 0; j < ncol; j++)
		printf("%s%s%*s", j ? "  " : "", _(t->cols[j].header),
		    j + 1 < ncol ? (int)(w[j] - text_width(_(t->cols[j].header))) :
		    0, "");
	printf("\n");
	for (i = 0; i < n; i++) {
		for (j = 0; j < ncol; j++) {
			s = cell_shown(json_array_get(rows, i), t->cols[j].key);
			printf("%s%s%*s", j ? "  " : "", s, j + 1 < ncol ?
			    (int)(w[j] - text_width(s)) : 0, "");
			free(s);
		}
		printf("\n");
	}
	if (n == 0)
		printf("%s\n", _("(none)"));
}

/* An export (a file for Excel) in the log and the audit log (accounts.h):
 * who ran it, of what, as what. 0, or an LD_ code with x->err set. */
static int
audit_export(struct cli *c, const char *kind, const char *format,
    const char *period, const char *unit)
{
	struct server_ctx *x = c->app;
	struct passwd *pw = getpwuid(getuid());
	char *event = xasprintf("%s-export", kind);
	char *detail = xasprintf("format=%s period=%s unit=%s", format,
	    period, unit != NULL ? unit : "(county)");
	int rc;

	log_line("notice", "event=%s %s uid=%ld", event, detail,
	    (long)getuid());
	rc = x->store->ops->accounts->audit_add(x->store, ltime_now(),
	    pw != NULL ? pw->pw_name : "?", "cli", event, detail, x->err);
	free(event);
	free(detail);
	return rc;
}

/* Prints result (a "report" or "publication" of kind) as --json,
 * --xlsx, --csv or tables for people say. Returns 0 or an exit code. */
static int
emit(struct cli *c, const char *kind, const struct export_table *tabs,
    json_t *result)
{
	struct server_ctx *x = c->app;
	const char *unit = cjson_str(result, "unit");
	const char *period = cjson_str(result, "period");
	const struct export_table *t;

	const char *format = cli_common_flag(c, "json") ? "json" :
	    cli_value(c, "xlsx") != NULL ? "xlsx" : cli_flag(c, "csv") ? "csv" :
	    "table";

	/* Every figure that leaves is on the record first. */
	if (audit_export(c, kind, format, period, unit) != 0)
		return server_fail(c, LD_EDB);
	if (cli_common_flag(c, "json")) {
		json_t *doc = out_doc(kind);

		json_object_set(doc, kind, result);
		out_json(doc);
		return 0;
	}
	if (cli_value(c, "xlsx") != NULL) {
		if (export_xlsx(cli_value(c, "xlsx"), tabs, result, x->err) != 0)
			return cli_error(c, EXIT_DATABASE, "%s", x->err);
		printf(_("report written to %s\n"), cli_value(c, "xlsx"));
		return 0;
	}
	if (cli_flag(c, "csv")) {
		export_csv(stdout, tabs, result);
		return 0;
	}
	printf(_("%s, %s (%s to %s)%s%s\n\n"), cjson_str(result, "county"),
	    period, cjson_str(result, "from"), cjson_str(result, "to"),
	    unit != NULL ? ": " : "", unit != NULL ? unit : "");
	for (t = tabs; t->title != NULL; t++) {
		print_table(t, export_rows(result, t->rows));
		printf("\n");
	}
	return 0;
}

/* --period read into [*from, *to). Returns 0 or an exit code (message
 * printed). */
static int
period_of(struct cli *c, int64_t *from, int64_t *to)
{
	const char *period = cli_value(c, "period");

	if (period == NULL)
		return cli_usage_error(c, _("missing required option --%s"),
		    "period");
	if (stats_period(period, from, to) != 0)
		return cli_error(c, EXIT_USAGE, _("invalid period '%s': give "
		    "2026-11, 2026-Q4, 2026 or 2026-11-03..2026-11-16"), period);
	return 0;
}

/* What every output says of itself: the county, the period, its bounds
 * and the unit asked for (null: the county). */
static void
heading(struct cli *c, json_t *result, int64_t from, int64_t to)
{
	struct server_ctx *x = c->app;

	figures_heading(result, x->conf.county, cli_value(c, "period"), from,
	    to, cli_value(c, "unit"));
}

/* The figures: computed by figures_report, the dashboard's too. */
static int
report(struct cli *c)
{
	struct server_ctx *x = c->app;
	json_t *result;
	int64_t from, to;
	int rc;

	if ((rc = period_of(c, &from, &to)) != 0)
		return rc;
	if ((rc = figures_report(x->store, x->conf.county, cli_value(c,
	    "period"), cli_value(c, "unit"), cli_value(c, "category"),
	    ltime_now(), NULL, &result, x->err)) != 0) {
		if (rc == LD_EINTEGRITY)
			return cli_error(c, EXIT_DATABASE, "%s", x->err);
		return server_fail(c, rc);
	}
	rc = emit(c, "report", export_report_tables, result);
	json_decref(result);
	return rc;
}

static int
publish(struct cli *c)
{
	struct server_ctx *x = c->app;
	json_t *result;
	int64_t from, to;
	size_t held;
	int rc;

	if ((rc = period_of(c, &from, &to)) != 0)
		return rc;
	if ((rc = figures_publication(x->store, cli_value(c, "period"),
	    cli_value(c, "unit"), &result, x->err)) != 0) {
		if (rc == LD_EINTEGRITY)
			return cli_error(c, EXIT_DATABASE, "%s", x->err);
		return server_fail(c, rc);
	}
	held = json_array_size(json_object_get(result, "held_back"));
	if (held > 0)
		fprintf(stderr, _("liandong-server: warning: %zu decisions held "
		    "back: no parties recorded on their case, so no name can be "
		    "masked (record them with 'case open --party', or mask them "
		    "by hand)\n"), held);
	heading(c, result, from, to);
	rc = emit(c, "publication", export_publish_tables, result);
	json_decref(result);
	return rc;
}

static const struct cli_opt publish_opts[] = {
	{ "period", CLI_VALUE, "PERIOD", N_("2026-11 (a month), 2026-Q4, 2026, or 2026-11-03..2026-11-16 (required)") },
	{ "unit", CLI_VALUE, "UNIT", N_("only this unit's decisions") },
	{ "csv", CLI_FLAG, NULL, N_("every table as CSV for Excel (UTF-8 with a byte order mark)") },
	{ "xlsx", CLI_VALUE, "FILE", N_("every table in an Excel workbook FILE, a sheet each (written whole, or not at all)") },
	{ NULL, 0, NULL, NULL },
};

const struct cli_cmd cmd_publish_entry = { "publish", NULL, NULL, 0, 0,
	publish_opts, CMD_STORE | CMD_JSON,
	N_("the period's penalty decisions for publication, names, phones and identity numbers masked"),
	publish };

const struct cli_cmd cmd_report_entry = { "report", NULL, NULL, 0, 0,
	report_opts, CMD_STORE | CMD_JSON,
	N_("the county's figures over a period: cases, referrals, liaison, timeliness per unit"),
	report };
