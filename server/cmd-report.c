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

#include <xlsxwriter.h>

#include "accounts.h"
#include "cjson.h"
#include "cmd.h"
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

/* A column of a table: its header, and the key of a row's value. */
struct col {
	const char *header; /* N_() */
	const char *key;
};

/* A table of the report: its title, the path of its rows in the
 * result ("cases.by_unit") and its columns. */
struct table {
	const char *title; /* N_() */
	const char *rows;
	const struct col *cols;
};

static const struct col case_cols[] = {
	{ N_("UNIT"), "unit" }, { N_("OPENED"), "opened" },
	{ N_("CLOSED"), "closed" }, { N_("REFERRED"), "referred" },
	{ N_("OWN"), "own" }, { N_("URGENT"), "urgent" }, { NULL, NULL },
};
static const struct col category_cols[] = {
	{ N_("CATEGORY"), "category" }, { N_("OPENED"), "opened" },
	{ NULL, NULL },
};
static const struct col source_cols[] = {
	{ N_("SOURCE"), "source" }, { N_("OPENED"), "opened" }, { NULL, NULL },
};
static const struct col month_cols[] = {
	{ N_("MONTH"), "month" }, { N_("OPENED"), "opened" }, { NULL, NULL },
};
static const struct col sent_cols[] = {
	{ N_("UNIT"), "unit" }, { N_("SENT"), "sent" },
	{ N_("URGENT"), "urgent" }, { NULL, NULL },
};
static const struct col received_cols[] = {
	{ N_("UNIT"), "unit" }, { N_("RECEIVED"), "received" },
	{ N_("UNANSWERED"), "unanswered" },
	{ N_("ACKNOWLEDGED"), "acknowledged" }, { N_("ACCEPTED"), "accepted" },
	{ N_("DISPUTED"), "disputed" }, { N_("ESCALATED"), "escalated" },
	{ N_("DECIDED"), "decided" }, { N_("RETURNED"), "returned" },
	{ N_("WITHDRAWN"), "withdrawn" }, { N_("CLOSED"), "closed" },
	{ N_("HOURS TO ACKNOWLEDGE"), "ack_hours_median" }, { NULL, NULL },
};
static const struct col liaison_cols[] = {
	{ N_("UNIT"), "unit" }, { N_("LOGS"), "logs" }, { NULL, NULL },
};
static const struct col steps_cols[] = {
	{ N_("UNIT"), "unit" }, { N_("ACKNOWLEDGED"), "acknowledged" },
	{ N_("MEDIAN HOURS"), "acknowledged_median_hours" },
	{ N_("P90 HOURS"), "acknowledged_p90_hours" },
	{ N_("ANSWERED"), "answered" },
	{ N_("MEDIAN HOURS"), "answered_median_hours" },
	{ N_("P90 HOURS"), "answered_p90_hours" },
	{ N_("RESULTS"), "result" },
	{ N_("MEDIAN HOURS"), "result_median_hours" },
	{ N_("P90 HOURS"), "result_p90_hours" }, { NULL, NULL },
};
static const struct col activity_cols[] = {
	{ N_("UNIT"), "unit" }, { N_("CONTACTS"), "contact" },
	{ N_("PATROLS"), "patrol" }, { N_("MEETINGS"), "meeting" },
	{ N_("TRAININGS"), "training" }, { N_("PEOPLE TRAINED"), "trained" },
	{ NULL, NULL },
};
static const struct col caller_cols[] = {
	{ N_("UNIT"), "unit" }, { N_("CALLS"), "called" },
	{ N_("ESCALATED"), "escalated" }, { NULL, NULL },
};
static const struct col answered_cols[] = {
	{ N_("UNIT"), "unit" }, { N_("RECEIVED"), "received" },
	{ N_("ANSWERED"), "answered" }, { N_("ON TIME"), "on_time" },
	{ N_("LATE"), "late" }, { N_("OVERDUE"), "overdue" },
	{ N_("RATE"), "rate" },
	{ N_("MEDIAN HOURS"), "answer_median_hours" },
	{ N_("P90 HOURS"), "answer_p90_hours" }, { NULL, NULL },
};
static const struct col meeting_cols[] = {
	{ N_("UNIT"), "unit" }, { N_("SCHEDULED"), "scheduled" },
	{ N_("HELD"), "held" }, { N_("RESOLUTIONS"), "resolutions" },
	{ NULL, NULL },
};
static const struct col followup_cols[] = {
	{ N_("UNIT"), "unit" }, { N_("RESOLUTIONS"), "resolutions" },
	{ N_("DONE"), "done" }, { N_("IN PROGRESS"), "in_progress" },
	{ N_("NOT REPORTED"), "unreported" }, { NULL, NULL },
};
static const struct col rank_cols[] = {
	{ N_("RANK"), "rank" }, { N_("UNIT"), "unit" },
	{ N_("ON TIME"), "on_time" }, { N_("LATE"), "late" },
	{ N_("OPEN"), "open" }, { N_("OVERDUE"), "overdue" },
	{ N_("RATE"), "rate" }, { NULL, NULL },
};
static const struct col rule_cols[] = {
	{ N_("UNIT"), "unit" }, { N_("RULE"), "rule" },
	{ N_("ON TIME"), "on_time" }, { N_("LATE"), "late" },
	{ N_("OPEN"), "open" }, { N_("OVERDUE"), "overdue" },
	{ N_("RATE"), "rate" }, { NULL, NULL },
};

static const struct table tables[] = {
	{ N_("Cases by unit"), "cases.by_unit", case_cols },
	{ N_("Cases by category"), "cases.by_category", category_cols },
	{ N_("Cases by source"), "cases.by_source", source_cols },
	{ N_("Cases by month"), "cases.by_month", month_cols },
	{ N_("Referrals sent"), "referrals.by_sender", sent_cols },
	{ N_("Referrals received"), "referrals.by_receiver", received_cols },
	{ N_("Referral steps, hours"), "referrals.steps", steps_cols },
	{ N_("Liaison logs"), "liaison", liaison_cols },
	{ N_("Liaison by activity"), "liaison_activity", activity_cols },
	{ N_("Township calls by caller"), "whistles.by_caller", caller_cols },
	{ N_("Township calls by department"), "whistles.by_department",
	    answered_cols },
	{ N_("Assistance answered"), "assists.by_unit", answered_cols },
	{ N_("Joint meetings"), "meetings.by_unit", meeting_cols },
	{ N_("Resolutions followed up"), "meetings.followup", followup_cols },
	{ N_("Timeliness by unit, ranked"), "timeliness.by_unit", rank_cols },
	{ N_("Timeliness by unit and rule"), "timeliness.by_rule", rule_cols },
	{ NULL, NULL, NULL },
};

/* The array at a dotted path of the result (borrowed). */
static const json_t *
rows_at(const json_t *result, const char *path)
{
	char *p = xstrdup(path), *dot = strchr(p, '.');
	const json_t *v;

	if (dot != NULL)
		*dot = '\0';
	v = json_object_get(result, p);
	if (dot != NULL)
		v = json_object_get(v, dot + 1);
	free(p);
	return v;
}

/* A cell as text (new string): a count, a rate or hours, a name; "-"
 * for none. */
static char *
cell(const json_t *row, const char *key)
{
	const json_t *v = json_object_get(row, key);

	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return xasprintf("%g", json_real_value(v));
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	return xstrdup("-");
}

/* A cell for people: a rate as a percentage. */
static char *
cell_shown(const json_t *row, const char *key)
{
	const json_t *v = json_object_get(row, key);

	if (strcmp(key, "rate") == 0 && json_is_real(v))
		return xasprintf("%.1f%%", json_real_value(v) * 100);
	return cell(row, key);
}

/* Prints one table, its columns padded to their display widths. */
static void
print_table(const struct table *t, const json_t *rows)
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

/* One CSV field: quoted when it holds a comma, a quote or a line
 * break, quotes doubled (RFC 4180). */
static void
csv_field(const char *s, int first)
{
	if (!first)
		putchar(',');
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static void
csv_table(const struct table *t, const json_t *rows)
{
	size_t i, j;
	char *s;

	csv_field(_(t->title), 1);
	fputs("\r\n", stdout);
	for (j = 0; t->cols[j].key != NULL; j++)
		csv_field(_(t->cols[j].header), j == 0);
	fputs("\r\n", stdout);
	for (i = 0; i < json_array_size(rows); i++) {
		for (j = 0; t->cols[j].key != NULL; j++) {
			s = cell(json_array_get(rows, i), t->cols[j].key);
			/* A name Excel would read as a formula stays text. */
			if (strchr("=+-@", s[0]) != NULL && s[0] != '\0' &&
			    strcmp(s, "-") != 0) {
				char *q = xasprintf("'%s", s);
				free(s);
				s = q;
			}
			csv_field(s, j == 0);
			free(s);
		}
		fputs("\r\n", stdout);
	}
	fputs("\r\n", stdout);
}

/* A time of the result ("from", "to") as an Excel date. */
static lxw_datetime
excel_day(const json_t *result, const char *key)
{
	lxw_datetime d;
	const char *t = cjson_str(result, key);

	memset(&d, 0, sizeof d);
	if (t != NULL)
		sscanf(t, "%4d-%2d-%2d", &d.year, &d.month, &d.day);
	return d;
}

/* Writes path's workbook: a first sheet saying what it is, then a sheet
 * per table, counts and rates as numbers, headers bold. Written beside
 * it and renamed, synced, so that path is whole or untouched. Returns 0
 * or -1 with err set. */
static int
write_xlsx(const char *path, const struct table *tabs, const json_t *result,
    char *err)
{
	char *tmp = xasprintf("%s.XXXXXX", path);
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *bold, *pct, *day, *hours;
	lxw_datetime d;
	const struct table *t;
	const json_t *rows, *v;
	lxw_error e;
	size_t i, j;
	int fd, synced, rc = -1;

	/* A name of its own, made here (never one planted beforehand);
	 * the workbook library opens it again by name. */
	if ((fd = mkstemp(tmp)) < 0) {
		snprintf(err, LD_ERRLEN, _("cannot write '%s': %s"), path,
		    strerror(errno));
		free(tmp);
		return -1;
	}
	close(fd);
	if ((wb = workbook_new(tmp)) == NULL) {
		snprintf(err, LD_ERRLEN, _("cannot write '%s'"), tmp);
		(void)unlink(tmp);
		free(tmp);
		return -1;
	}
	bold = workbook_add_format(wb);
	format_set_bold(bold);
	pct = workbook_add_format(wb);
	format_set_num_format(pct, "0.0%");
	day = workbook_add_format(wb);
	format_set_num_format(day, "yyyy-mm-dd");
	hours = workbook_add_format(wb);
	format_set_num_format(hours, "0.0");

	if ((ws = workbook_add_worksheet(wb, _("Report"))) == NULL) {
		snprintf(err, LD_ERRLEN, _("cannot write '%s'"), tmp);
		workbook_close(wb);
		goto out;
	}
	worksheet_set_column(ws, 0, 1, 24, NULL);
	worksheet_write_string(ws, 0, 0, _("County"), bold);
	worksheet_write_string(ws, 0, 1, cjson_str(result, "county"), NULL);
	worksheet_write_string(ws, 1, 0, _("Period"), bold);
	worksheet_write_string(ws, 1, 1, cjson_str(result, "period"), NULL);
	worksheet_write_string(ws, 2, 0, _("From"), bold);
	d = excel_day(result, "from");
	worksheet_write_datetime(ws, 2, 1, &d, day);
	worksheet_write_string(ws, 3, 0, _("To (not included)"), bold);
	d = excel_day(result, "to");
	worksheet_write_datetime(ws, 3, 1, &d, day);
	worksheet_write_string(ws, 4, 0, _("Unit"), bold);
	worksheet_write_string(ws, 4, 1, cjson_str(result, "unit") ?
	    cjson_str(result, "unit") : _("the whole county"), NULL);

	for (t = tabs; t->title != NULL; t++) {
		/* NULL for a name Excel refuses (over 31 characters...). */
		if ((ws = workbook_add_worksheet(wb, _(t->title))) == NULL) {
			snprintf(err, LD_ERRLEN, _("cannot write '%s': %s"), tmp,
			    _(t->title));
			workbook_close(wb);
			goto out;
		}
		rows = rows_at(result, t->rows);
		for (j = 0; t->cols[j].key != NULL; j++) {
			worksheet_write_string(ws, 0, (lxw_col_t)j,
			    _(t->cols[j].header), bold);
			worksheet_set_column(ws, (lxw_col_t)j, (lxw_col_t)j,
			    j == 0 || strcmp(t->cols[j].key, "rule") == 0 ? 20 : 12,
			    NULL);
		}
		for (i = 0; i < json_array_size(rows); i++)
			for (j = 0; t->cols[j].key != NULL; j++) {
				lxw_row_t r = (lxw_row_t)i + 1;
				lxw_col_t c = (lxw_col_t)j;
				const char *key = t->cols[j].key;

				v = json_object_get(json_array_get(rows, i), key);
				if (json_is_integer(v))
					worksheet_write_number(ws, r, c,
					    (double)json_integer_value(v), NULL);
				else if (json_is_real(v))
					worksheet_write_number(ws, r, c,
					    json_real_value(v),
					    strcmp(key, "rate") == 0 ? pct : hours);
				else if (json_is_string(v))
					worksheet_write_string(ws, r, c,
					    json_string_value(v), NULL);
			}
	}
	if ((e = workbook_close(wb)) != LXW_NO_ERROR) {
		snprintf(err, LD_ERRLEN, _("cannot write '%s': %s"), tmp,
		    lxw_strerror(e));
		goto out;
	}
	synced = (fd = open(tmp, O_RDONLY | O_CLOEXEC)) >= 0 && fsync(fd) == 0;
	if (fd >= 0)
		close(fd);
	if (!synced || rename(tmp, path) != 0 ||
	    textfile_sync_parent(path) != 0) {
		snprintf(err, LD_ERRLEN, _("cannot write '%s': %s"), path,
		    strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		(void)unlink(tmp);
	free(tmp);
	return rc;
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
emit(struct cli *c, const char *kind, const struct table *tabs,
    json_t *result)
{
	struct server_ctx *x = c->app;
	const char *unit = cjson_str(result, "unit");
	const char *period = cjson_str(result, "period");
	const struct table *t;

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
		if (write_xlsx(cli_value(c, "xlsx"), tabs, result, x->err) != 0)
			return cli_error(c, EXIT_DATABASE, "%s", x->err);
		printf(_("report written to %s\n"), cli_value(c, "xlsx"));
		return 0;
	}
	if (cli_flag(c, "csv")) {
		fputs("\xef\xbb\xbf", stdout); /* so that Excel reads UTF-8 */
		for (t = tabs; t->title != NULL; t++)
			csv_table(t, rows_at(result, t->rows));
		return 0;
	}
	printf(_("%s, %s (%s to %s)%s%s\n\n"), cjson_str(result, "county"),
	    period, cjson_str(result, "from"), cjson_str(result, "to"),
	    unit != NULL ? ": " : "", unit != NULL ? unit : "");
	for (t = tabs; t->title != NULL; t++) {
		print_table(t, rows_at(result, t->rows));
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
	const char *unit = cli_value(c, "unit");
	char t[LTIME_LEN];

	json_object_set_new(result, "period", json_string(cli_value(c,
	    "period")));
	json_object_set_new(result, "county", json_string(x->conf.county ?
	    x->conf.county : ""));
	ltime_format(from, t);
	json_object_set_new(result, "from", json_string(t));
	ltime_format(to, t);
	json_object_set_new(result, "to", json_string(t));
	json_object_set_new(result, "unit", unit != NULL ? json_string(unit) :
	    json_null());
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
	rc = emit(c, "report", tables, result);
	json_decref(result);
	return rc;
}

/*
 * publish: the penalty decisions of the period, for publication (Gonghe
 * 三(六)6 "公开……去除个人隐私信息"; Baijiantan 三(三)1): a penalty decision
 * a unit recorded to share (share record --type penalty), by when it was
 * made, and the decision served on a referral (referral result), by when
 * it was served; each with its case's parties and every name, phone and
 * identity number masked (common/mask.h). A complainant's identity is
 * never read.
 */
struct publication {
	int64_t from, to;
	const char *unit;
	json_t *parties;   /* case -> its parties */
	json_t *decisions; /* rows, their case's parties still to mask */
};

static void
add_decision(struct publication *p, const json_t *doc, const char *unit,
    const char *at, const char *title, const char *text)
{
	int64_t ms;

	if (at == NULL || ltime_parse(at, &ms) != 0 || ms < p->from ||
	    ms >= p->to || unit == NULL || text == NULL ||
	    (p->unit != NULL && strcmp(p->unit, unit) != 0))
		return;
	json_array_append_new(p->decisions, json_pack("{s:s, s:s, s:s*, s:s*,"
	    " s:s, s:s*}", "record", cjson_str(doc, "entity"), "unit", unit,
	    "title", title, "category", cjson_str(doc, "category"),
	    "decided", at, "case", cjson_str(doc, "case")));
	json_object_set_new(json_array_get(p->decisions,
	    json_array_size(p->decisions) - 1), "text", json_string(text));
}

static void
publish_doc(const json_t *doc, void *arg)
{
	struct publication *p = arg;
	const char *type = cjson_str(doc, "type");

	if (type == NULL)
		return;
	if (strcmp(type, "case") == 0 && json_is_array(json_object_get(doc,
	    "parties")))
		json_object_set(p->parties, cjson_str(doc, "entity"),
		    json_object_get(doc, "parties"));
	else if (strcmp(type, "share") == 0 &&
	    ld_streq(cjson_str(doc, "form"), "penalty"))
		add_decision(p, doc, cjson_str(doc, "unit"),
		    cjson_str(doc, "formed_at"), cjson_str(doc, "title"),
		    cjson_str(doc, "summary") ? cjson_str(doc, "summary") :
		    cjson_str(doc, "title"));
	else if (strcmp(type, "referral") == 0 &&
	    ld_streq(cjson_str(doc, "status"), "closed"))
		add_decision(p, doc, cjson_str(doc, "handler"),
		    cjson_str(doc, "decided_at"), NULL,
		    cjson_str(doc, "decision"));
}

static const struct col publish_cols[] = {
	{ N_("UNIT"), "unit" }, { N_("DECIDED ON"), "decided" },
	{ N_("DOCUMENT"), "title" }, { N_("CATEGORY"), "category" },
	{ N_("PARTIES"), "parties" }, { N_("DECISION"), "text" },
	{ NULL, NULL },
};

static const struct col held_cols[] = {
	{ N_("RECORD"), "record" }, { N_("UNIT"), "unit" },
	{ N_("DECIDED ON"), "decided" }, { NULL, NULL },
};

static const struct table publish_tables[] = {
	{ N_("Decisions to publish"), "decisions", publish_cols },
	{ N_("Held back (no parties)"), "held_back", held_cols },
	{ NULL, NULL, NULL },
};

static int
publish(struct cli *c)
{
	struct publication p;
	json_t *result, *d, *names, *held;
	int64_t from, to;
	size_t i, j;
	char *m, *list;
	int rc;

	if ((rc = period_of(c, &from, &to)) != 0)
		return rc;
	memset(&p, 0, sizeof p);
	p.from = from;
	p.to = to;
	p.unit = cli_value(c, "unit");
	p.parties = json_object();
	p.decisions = json_array();
	if ((rc = fold_all(c, p.unit, publish_doc, &p)) != 0)
		goto out;
	/* Without its case's parties nobody knows which names to mask:
	 * held back, for a person to mask by hand. */
	held = json_array();
	for (i = json_array_size(p.decisions); i > 0; i--) {
		d = json_array_get(p.decisions, i - 1);
		names = json_object_get(p.parties, cjson_str(d, "case") ?
		    cjson_str(d, "case") : "");
		if (json_array_size(names) == 0) {
			json_array_insert_new(held, 0, json_pack("{s:s, s:s,"
			    " s:s}", "record", cjson_str(d, "record"), "unit",
			    cjson_str(d, "unit"), "decided", cjson_str(d,
			    "decided")));
			json_array_remove(p.decisions, i - 1);
		}
	}
	if (json_array_size(held) > 0)
		fprintf(stderr, _("liandong-server: warning: %zu decisions held "
		    "back: no parties recorded on their case, so no name can be "
		    "masked (record them with 'case open --party', or mask them "
		    "by hand)\n"), json_array_size(held));
	json_array_foreach(p.decisions, i, d) {
		names = json_object_get(p.parties, cjson_str(d, "case") ?
		    cjson_str(d, "case") : "");
		m = mask_text(cjson_str(d, "text"), names);
		json_object_set_new(d, "text", json_string(m));
		free(m);
		if (cjson_str(d, "title") != NULL) {
			m = mask_text(cjson_str(d, "title"), names);
			json_object_set_new(d, "title", json_string(m));
			free(m);
		}
		list = xstrdup("");
		for (j = 0; j < json_array_size(names); j++) {
			char *one = mask_name(json_string_value(
			    json_array_get(names, j)));
			char *more = xasprintf("%s%s%s", list, j ? "、" : "", one);
			free(one);
			free(list);
			list = more;
		}
		json_object_set_new(d, "parties", json_string(list));
		free(list);
		json_object_del(d, "case");
	}
	result = json_pack("{s:O, s:o}", "decisions", p.decisions, "held_back",
	    held);
	heading(c, result, from, to);
	rc = emit(c, "publication", publish_tables, result);
	json_decref(result);
out:
	json_decref(p.parties);
	json_decref(p.decisions);
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
