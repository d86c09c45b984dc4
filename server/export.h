/*
 * export.h - the county's figures as files for Excel: the tables of
 * `liandong-server report` and `publish` (their titles, the path of
 * their rows in the result, their columns), written as CSV (UTF-8 with
 * a byte order mark, RFC 4180, formulas defused) or an .xlsx workbook
 * (a first sheet with the county, the period and the unit, then a sheet
 * per table). cmd-report.c and the dashboard (dash.c) write the same
 * files from the same result.
 */
#ifndef LD_EXPORT_H
#define LD_EXPORT_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* A column of a table: its header, and the key of a row's value. */
struct export_col {
	const char *header; /* N_() */
	const char *key;
};

/* A table: its title, the path of its rows in the result
 * ("cases.by_unit") and its columns. */
struct export_table {
	const char *title; /* N_() */
	const char *rows;
	const struct export_col *cols;
};

/* Ended by a title NULL. */
extern const struct export_table export_report_tables[];
extern const struct export_table export_publish_tables[];

/* The largest workbook export_xlsx_bytes reads back (bytes). */
#define EXPORT_XLSX_MAX (64u << 20)

/* The array at a dotted path of the result (borrowed; NULL if none). */
const json_t *export_rows(const json_t *result, const char *path);
/* A cell as text (new string): a count, a rate or hours, a name; "-"
 * for none. */
char *export_cell(const json_t *row, const char *key);

/* Every table of tabs as CSV on f, after a byte order mark. */
void export_csv(FILE *f, const struct export_table *tabs,
    const json_t *result);

/* The workbook at path, written beside it, synced and renamed (whole or
 * untouched; a new file is mode 0600). 0, or -1 with err set. */
int export_xlsx(const char *path, const struct export_table *tabs,
    const json_t *result, char *err);

/* The workbook in memory (*buf new, *len bytes), written through a file
 * of its own in $TMPDIR (else /tmp), removed after. 0, or -1 with err
 * set. */
int export_xlsx_bytes(const struct export_table *tabs, const json_t *result,
    char **buf, size_t *len, char *err);

#endif
