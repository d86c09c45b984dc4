/*
 * out.h - what the agent prints on stdout: aligned tables for people and
 * versioned JSON documents for scripts.
 *
 * Tables align by display width (a Chinese character takes two columns)
 * and cut long cells with an ellipsis. JSON documents always carry
 * {"v": OUT_JSON_VERSION, "kind": "..."} at the top; fields are only ever
 * added, never renamed, within one version.
 */
#ifndef LD_OUT_H
#define LD_OUT_H

#include <stdio.h>
#include <jansson.h>

#include "cli.h" /* out_doc, out_json */


struct table;

/* headers: ncols strings (borrowed, must outlive the table). */
struct table *table_new(size_t ncols, const char *const *headers);
/* Widest a column may print (default 40 columns). */
void table_max(struct table *t, size_t col, size_t width);
/* Adds a row of ncols cells (copied; NULL prints as "-"). */
void table_row(struct table *t, const char *const *cells);
void table_print(struct table *t, FILE *f);
void table_free(struct table *t);


/*
 * Lists and shows declared, not written: a list command gives its columns
 * and a show command its lines, each naming a key of the projection and
 * how to print it; out_list and out_show do the rest.
 *
 * Keys may be paths into objects: "answer.officer_sent".
 */
enum out_how {
	OUT_TEXT,     /* the string at key */
	OUT_STATUS,   /* the string at key, marked when "urgent" is true:
			 " !" in a list, " (urgent)" in a show */
	OUT_TIME,     /* a canonical time string: "2026-11-21 09:30" */
	OUT_MS,       /* an integer of milliseconds (created_at) */
	OUT_DUE,      /* a deadline object: its "due" in a list; in a show,
			 the deadline line (form_show_deadline) */
	OUT_ENUM,     /* the label of the enum value at key (values) */
	OUT_YESNO,    /* a boolean: "yes" or "no" */
	OUT_LIST,     /* an array of strings, joined by "、" */
	OUT_EACH,     /* an array of objects: one line per item, its string
			 at sub (shows only) */
	OUT_OPEN,     /* an array of objects: how many have a "status" that
			 is not "done" */
	OUT_LINES,    /* an array: one line per item, the label on the first
			 only; a string item as it is, an object its string
			 at alt, and its "unit" in brackets when it has one
			 (an act, fold_act) (shows only) */
	OUT_DIFFERS,  /* the string at key, only when it is not the string
			 at alt (a handler other than the addressee) */
	OUT_ATTACHMENTS, /* a record's "attachments" (fold.c): one line
			 each, name, type, size, hash, caption, unit
			 (shows only) */
};

struct out_col {
	const char *label;  /* N_(): a list's header, a show's "label:" */
	const char *key;    /* projection key (path); NULL ends the spec */
	enum out_how how;
	const struct enum_value *values; /* OUT_ENUM */
	const char *alt;    /* a list's OUT_TEXT: the key shown when key is
			       unset; a show's OUT_TEXT: a key shown after
			       it, in brackets; OUT_EACH, OUT_LINES: the
			       items' key */
	size_t max;         /* a list column's widest; 0: the default */
};

/* A size in bytes as people read it: "512 bytes", "2.1 MB". */
void out_size(long long bytes, char *buf, size_t len);

/* Prints docs (an array of projections) as a table of cols on stdout. */
void out_list(const struct out_col *cols, const json_t *docs);

/*
 * The same table streamed, for lists that may be long: rows are printed
 * as they come. The widths are those of the first OUT_PAGE rows (each
 * column at most its max, as out_list): a table that fits in one page
 * prints exactly as out_list prints it; later rows are cut to those
 * widths with an ellipsis, except the first column (the record's id,
 * which a user copies), printed whole.
 */
#define OUT_PAGE 100
struct out_stream;
struct out_stream *out_list_begin(const struct out_col *cols);
/* Adds the row of doc (borrowed only during the call). */
void out_list_row(struct out_stream *s, const json_t *doc);
/* Prints what is left, then frees s. */
void out_list_end(struct out_stream *s);
/* The keys the cells of cols read (key, alt, "urgent" for OUT_STATUS),
 * each once, into keys (at most max); returns how many. Borrowed. */
size_t out_list_keys(const struct out_col *cols, const char **keys,
    size_t max);
/* Adds the row of a record read with ledger_query_each, without parsing
 * it: the value at keys[i] (from out_list_keys) has the JSON type
 * types[i] and the text vals[i], as ledger_query_each gives them. */
void out_list_vals(struct out_stream *s, const char *const *keys,
    const char *const *types, const char *const *vals, size_t n);

/* Prints the lines of doc that have a value, "label:  value", on stdout. */
void out_show(const struct out_col *lines, const json_t *doc);

/* Prints one line of a show written by hand, aligned as out_show aligns
 * its own: label (N_(); "" continues the line above) and the value. For
 * the irregular part of a show, printed after out_show. */
void out_line(const char *label, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prints a deadline line: "label due <time> (rule)[, done <time>[, LATE]]
 * [, OVERDUE]". Nothing when d is NULL. */
void out_deadline(const char *label, const json_t *d);

/* "2026-11-21 09:30" from a canonical time string (or "-"). */
const char *out_time(const char *canonical, char *buf, size_t len);

#endif
