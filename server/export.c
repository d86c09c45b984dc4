/*
 * export.c - the report's and the publication's tables as files for
 * Excel (see export.h): CSV and .xlsx (libxlsxwriter, included here
 * only).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "cjson.h"
#include "export.h"
#include "textfile.h"
#include "util.h"

static const struct export_col case_cols[] = {
	{ N_("UNIT"), "unit" }, { N_("OPENED"), "opened" },
	{ N_("CLOSED"), "closed" }, { N_("REFERRED"), "referred" },
	{ N_("OWN"), "own" }, { N_("URGENT"), "urgent" }, { NULL, NULL },
};
static const struct export_col category_cols[] = {
	{ N_("CATEGORY"), "category" }, { N_("OPENED"), "opened" },
	{ NULL, NULL },
};
static const struct export_col source_cols[] = {
	{ N_("SOURCE"), "source" }, { N_("OPENED"), "opened" }, { NULL, NULL },
};
static const struct export_col month_cols[] = {
	{ N_("MONTH"), "month" }, { N_("OPENED"), "opened" }, { NULL, NULL },
};
static const struct export_col sent_cols[] = {
	{ N_("UNIT"), "unit" }, { N_("SENT"), "sent" },
	{ N_("URGENT"), "urgent" }, { NULL, NULL },
};
static const struct export_col received_cols[] = {
	{ N_("UNIT"), "unit" }, { N_("RECEIVED"), "received" },
	{ N_("UNANSWERED"), "unanswered" },
	{ N_("ACKNOWLEDGED"), "acknowledged" }, { N_("ACCEPTED"), "accepted" },
	{ N_("DISPUTED"), "disputed" }, { N_("ESCALATED"), "escalated" },
	{ N_("DECIDED"), "decided" }, { N_("RETURNED"), "returned" },
	{ N_("WITHDRAWN"), "withdrawn" }, { N_("CLOSED"), "closed" },
	{ N_("HOURS TO ACKNOWLEDGE"), "ack_hours_median" }, { NULL, NULL },
};
static const struct export_col liaison_cols[] = {
	{ N_("UNIT"), "unit" }, { N_("LOGS"), "logs" }, { NULL, NULL },
};
static const struct export_col steps_cols[] = {
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
static const struct export_col activity_cols[] = {
	{ N_("UNIT"), "unit" }, { N_("CONTACTS"), "contact" },
	{ N_("PATROLS"), "patrol" }, { N_("MEETINGS"), "meeting" },
	{ N_("TRAININGS"), "training" }, { N_("PEOPLE TRAINED"), "trained" },
	{ N_("TRAINING HOURS"), "training_hours" }, { NULL, NULL },
};
static const struct export_col caller_cols[] = {
	{ N_("UNIT"), "unit" }, { N_("CALLS"), "called" },
	{ N_("ESCALATED"), "escalated" }, { NULL, NULL },
};
static const struct export_col answered_cols[] = {
	{ N_("UNIT"), "unit" }, { N_("RECEIVED"), "received" },
	{ N_("ANSWERED"), "answered" }, { N_("ON TIME"), "on_time" },
	{ N_("LATE"), "late" }, { N_("OVERDUE"), "overdue" },
	{ N_("RATE"), "rate" },
	{ N_("MEDIAN HOURS"), "answer_median_hours" },
	{ N_("P90 HOURS"), "answer_p90_hours" }, { NULL, NULL },
};
static const struct export_col meeting_cols[] = {
	{ N_("UNIT"), "unit" }, { N_("SCHEDULED"), "scheduled" },
	{ N_("HELD"), "held" }, { N_("RESOLUTIONS"), "resolutions" },
	{ NULL, NULL },
};
static const struct export_col followup_cols[] = {
	{ N_("UNIT"), "unit" }, { N_("RESOLUTIONS"), "resolutions" },
	{ N_("DONE"), "done" }, { N_("IN PROGRESS"), "in_progress" },
	{ N_("NOT REPORTED"), "unreported" }, { NULL, NULL },
};
static const struct export_col rank_cols[] = {
	{ N_("RANK"), "rank" }, { N_("UNIT"), "unit" },
	{ N_("ON TIME"), "on_time" }, { N_("LATE"), "late" },
	{ N_("OPEN"), "open" }, { N_("OVERDUE"), "overdue" },
	{ N_("RATE"), "rate" }, { NULL, NULL },
};
static const struct export_col rule_cols[] = {
	{ N_("UNIT"), "unit" }, { N_("RULE"), "rule" },
	{ N_("ON TIME"), "on_time" }, { N_("LATE"), "late" },
	{ N_("OPEN"), "open" }, { N_("OVERDUE"), "overdue" },
	{ N_("RATE"), "rate" }, { NULL, NULL },
};

const struct export_table export_report_tables[] = {
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
const json_t *
export_rows(const json_t *result, const char *path)
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
char *
export_cell(const json_t *row, const char *key)
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

static const struct export_col publish_cols[] = {
	{ N_("UNIT"), "unit" }, { N_("DECIDED ON"), "decided" },
	{ N_("DOCUMENT"), "title" }, { N_("CATEGORY"), "category" },
	{ N_("PARTIES"), "parties" }, { N_("DECISION"), "text" },
	{ NULL, NULL },
};

static const struct export_col held_cols[] = {
	{ N_("RECORD"), "record" }, { N_("UNIT"), "unit" },
	{ N_("DECIDED ON"), "decided" }, { NULL, NULL },
};

const struct export_table export_publish_tables[] = {
	{ N_("Decisions to publish"), "decisions", publish_cols },
	{ N_("Held back (no parties)"), "held_back", held_cols },
	{ NULL, NULL, NULL },
};

/* One CSV field: quoted when it holds a comma, a quote or a line
 * break, quotes doubled (RFC 4180). */
static void
csv_field(FILE *f, const char *s, int first)
{
	if (!first)
		putc(',', f);
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	putc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			putc('"', f);
		putc(*s, f);
	}
	putc('"', f);
}

static void
csv_table(FILE *f, const struct export_table *t, const json_t *rows)
{
	size_t i, j;
	char *s;

	csv_field(f, _(t->title), 1);
	fputs("\r\n", f);
	for (j = 0; t->cols[j].key != NULL; j++)
		csv_field(f, _(t->cols[j].header), j == 0);
	fputs("\r\n", f);
	for (i = 0; i < json_array_size(rows); i++) {
		for (j = 0; t->cols[j].key != NULL; j++) {
			s = export_cell(json_array_get(rows, i), t->cols[j].key);
			/* A name Excel would read as a formula stays text
			 * (a leading TAB or CR hides one from a check of
			 * the first visible character). */
			if (s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL &&
			    strcmp(s, "-") != 0) {
				char *q = xasprintf("'%s", s);
				free(s);
				s = q;
			}
			csv_field(f, s, j == 0);
			free(s);
		}
		fputs("\r\n", f);
	}
	fputs("\r\n", f);
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
int
export_xlsx(const char *path, const struct export_table *tabs, const json_t *result,
    char *err)
{
	char *tmp = xasprintf("%s.XXXXXX", path);
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *bold, *pct, *day, *hours;
	lxw_datetime d;
	const struct export_table *t;
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
		rows = export_rows(result, t->rows);
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

void
export_csv(FILE *f, const struct export_table *tabs, const json_t *result)
{
	const struct export_table *t;

	fputs("\xef\xbb\xbf", f); /* so that Excel reads UTF-8 */
	for (t = tabs; t->title != NULL; t++)
		csv_table(f, t, export_rows(result, t->rows));
}

/* A binary file whole, at most EXPORT_XLSX_MAX bytes: 0 or -1. */
static int
read_whole(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	size_t n;

	if (f == NULL)
		return -1;
	b = xmalloc(EXPORT_XLSX_MAX + 1);
	n = fread(b, 1, EXPORT_XLSX_MAX + 1, f);
	if (ferror(f) || n > EXPORT_XLSX_MAX) {
		fclose(f);
		free(b);
		return -1;
	}
	fclose(f);
	*buf = b;
	*len = n;
	return 0;
}

int
export_xlsx_bytes(const struct export_table *tabs, const json_t *result,
    char **buf, size_t *len, char *err)
{
	const char *dir = getenv("TMPDIR");
	char *path, *tmp;
	int fd, rc;

	*buf = NULL;
	*len = 0;
	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	/* A name of our own (mode 0600) for export_xlsx to write beside
	 * and rename onto; read back, then gone. */
	path = xasprintf("%s/liandong-export-XXXXXX", dir);
	if ((fd = mkstemp(path)) < 0) {
		snprintf(err, LD_ERRLEN, _("cannot write '%s': %s"), path,
		    strerror(errno));
		free(path);
		return -1;
	}
	close(fd);
	rc = export_xlsx(path, tabs, result, err);
	if (rc == 0 && read_whole(path, &tmp, len) != 0) {
		snprintf(err, LD_ERRLEN, _("cannot read '%s'"), path);
		rc = -1;
	} else if (rc == 0)
		*buf = tmp;
	(void)unlink(path);
	free(path);
	return rc;
}
