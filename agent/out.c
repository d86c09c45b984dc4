/*
 * out.c - tables and JSON documents on stdout.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cjson.h"
#include "kinds.h"
#include "ltime.h"
#include "out.h"
#include "text.h"
#include "util.h"

struct table {
	size_t ncols;
	const char *const *headers;
	size_t *max;
	char **cells; /* nrows * ncols, already fitted */
	size_t nrows;
};

struct table *
table_new(size_t ncols, const char *const *headers)
{
	struct table *t = xcalloc(1, sizeof *t);
	size_t i;

	t->ncols = ncols;
	t->headers = headers;
	t->max = xcalloc(ncols, sizeof *t->max);
	for (i = 0; i < ncols; i++)
		t->max[i] = 40;
	return t;
}

void
table_max(struct table *t, size_t col, size_t width)
{
	t->max[col] = width;
}

void
table_row(struct table *t, const char *const *cells)
{
	size_t i;

	t->cells = xrealloc(t->cells, (t->nrows + 1) * t->ncols * sizeof *t->cells);
	for (i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = text_fit(
		    cells[i] != NULL && cells[i][0] != '\0' ? cells[i] : "-",
		    t->max[i]);
	t->nrows++;
}

/* Prints s, w columns wide, padded to width and the gap after it. */
static void
pad_known(FILE *f, const char *s, size_t w, size_t width, int last)
{
	fputs(s, f);
	if (last)
		return;
	for (; w < width + 2; w++)
		fputc(' ', f);
}

static void
pad(FILE *f, const char *s, size_t width, int last)
{
	pad_known(f, s, text_width(s), width, last);
}

/* Column widths of t's header and rows. */
static size_t *
table_widths(const struct table *t)
{
	size_t *w = xcalloc(t->ncols, sizeof *w), r, c;

	for (c = 0; c < t->ncols; c++)
		w[c] = text_width(_(t->headers[c]));
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			size_t cw = text_width(t->cells[r * t->ncols + c]);
			if (cw > w[c])
				w[c] = cw;
		}
	return w;
}

void
table_print(struct table *t, FILE *f)
{
	size_t *w = table_widths(t), r, c;

	for (c = 0; c < t->ncols; c++)
		pad(f, _(t->headers[c]), w[c], c + 1 == t->ncols);
	fputc('\n', f);
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++)
			pad(f, t->cells[r * t->ncols + c], w[c], c + 1 == t->ncols);
		fputc('\n', f);
	}
	free(w);
}

void
table_free(struct table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->max);
	free(t);
}

const char *
out_time(const char *canonical, char *buf, size_t len)
{
	char tmp[LTIME_LEN];
	int64_t ms;

	if (canonical == NULL || ltime_parse(canonical, &ms) != 0)
		return "-";
	ltime_short(ms, tmp);
	ld_strlcpy(buf, tmp, len);
	return buf;
}

/* The value at a path of keys ("answer.officer_sent"), or NULL. */
static const json_t *
out_get(const json_t *doc, const char *path)
{
	const char *dot;
	char key[64];

	while ((dot = strchr(path, '.')) != NULL) {
		size_t n = (size_t)(dot - path);
		if (n >= sizeof key)
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		doc = json_object_get(doc, key);
		path = dot + 1;
	}
	return json_object_get(doc, path);
}

static const char *
out_str(const json_t *doc, const char *path)
{
	return json_string_value(out_get(doc, path));
}

/*
 * Where the values of a row or a show come from: a parsed projection
 * (doc), or what ledger_query_each read of one (keys, types, vals: the
 * value at keys[i] has JSON type types[i], NULL when absent, and text
 * vals[i]), read without parsing JSON unless a cell needs an object or
 * an array.
 */
struct out_src {
	const json_t *doc;
	const char *const *keys;
	const char *const *types;
	const char *const *vals;
	size_t n;
};

/* The index of path among src's keys, or -1. */
static int
src_find(const struct out_src *src, const char *path)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		if (strcmp(src->keys[i], path) == 0)
			return src->types[i] != NULL ? (int)i : -1;
	return -1;
}

static int
src_type(const struct out_src *src, const char *path, const char *type)
{
	int i = src_find(src, path);

	return i >= 0 && strcmp(src->types[i], type) == 0;
}

/* The string at path, or NULL (absent, or not a string). */
static const char *
src_str(const struct out_src *src, const char *path)
{
	if (src->doc != NULL)
		return out_str(src->doc, path);
	return src_type(src, path, "text") ? src->vals[src_find(src, path)] :
	    NULL;
}

/* 1 if the value at path is true. */
static int
src_true(const struct out_src *src, const char *path)
{
	if (src->doc != NULL)
		return json_is_true(out_get(src->doc, path));
	return src_type(src, path, "true");
}

/* 1 and *v if the value at path is an integer, else 0. */
static int
src_int(const struct out_src *src, const char *path, int64_t *v)
{
	const json_t *j;

	if (src->doc != NULL) {
		j = out_get(src->doc, path);
		*v = json_integer_value(j);
		return json_is_integer(j);
	}
	if (!src_type(src, path, "integer"))
		return 0;
	*v = strtoll(src->vals[src_find(src, path)], NULL, 10);
	return 1;
}

/* The value at path as JSON (new reference, NULL when absent): for the
 * cells that read inside an object or an array. */
static json_t *
src_json(const struct out_src *src, const char *path)
{
	int i;

	if (src->doc != NULL)
		return json_incref((json_t *)out_get(src->doc, path));
	if ((i = src_find(src, path)) < 0 || src->vals[i] == NULL ||
	    (strcmp(src->types[i], "object") != 0 &&
	    strcmp(src->types[i], "array") != 0))
		return NULL;
	return json_loads(src->vals[i], 0, NULL);
}

/* The text of one value as col says, in buf (or a string it points to). */
static const char *
out_cell(const struct out_col *col, const struct out_src *src, int in_list,
    char *buf, size_t len)
{
	const char *s = src_str(src, col->key);
	char t[LTIME_LEN];
	size_t i, n = 0;
	const json_t *item;
	json_t *v;
	int64_t ms;

	switch (col->how) {
	case OUT_TEXT:
		return s != NULL || col->alt == NULL || !in_list ? s :
		    src_str(src, col->alt);
	case OUT_STATUS:
		if (s == NULL)
			return NULL;
		snprintf(buf, len, "%s%s", ld_pgettext("status", s),
		    !src_true(src, "urgent") ? "" :
		    in_list ? " !" : _(" (urgent)"));
		return buf;
	case OUT_TIME:
		return s == NULL ? NULL : out_time(s, buf, len);
	case OUT_MS:
		if (!src_int(src, col->key, &ms))
			return NULL;
		ltime_short(ms, t);
		ld_strlcpy(buf, t, len);
		return buf;
	case OUT_DUE:
		v = src_json(src, col->key);
		s = cjson_str(v, "due");
		s = s == NULL ? NULL : out_time(s, buf, len);
		json_decref(v);
		return s;
	case OUT_ENUM:
		return s == NULL ? NULL : enum_label(col->values, s);
	case OUT_YESNO:
		return src_true(src, col->key) ? _("yes") : _("no");
	case OUT_LIST:
		v = src_json(src, col->key);
		buf[0] = '\0';
		json_array_foreach(v, i, item)
			if (json_is_string(item) && n < len)
				n += (size_t)snprintf(buf + n, len - n, "%s%s",
				    i ? "、" : "", json_string_value(item));
		json_decref(v);
		return buf[0] != '\0' ? buf : NULL;
	case OUT_OPEN:
		v = src_json(src, col->key);
		json_array_foreach(v, i, item) {
			const char *st = cjson_str(item, "status");
			n += st == NULL || strcmp(st, "done") != 0;
		}
		json_decref(v);
		snprintf(buf, len, "%zu", n);
		return buf;
	case OUT_DIFFERS:
		return s == NULL || (col->alt != NULL && src_str(src, col->alt) !=
		    NULL && strcmp(s, src_str(src, col->alt)) == 0) ? NULL : s;
	case OUT_EACH:
	case OUT_LINES:
	case OUT_ATTACHMENTS:
		break;
	}
	return NULL;
}

/* How wide column c may print: its declared max, else 40 columns; the
 * first, a record's id, whole (people copy it: "C-<station>-<seq>" is
 * at most 54 characters). */
static size_t
col_max(const struct out_col *cols, size_t c)
{
	if (cols[c].max != 0)
		return cols[c].max;
	return c == 0 ? 64 : 40;
}

void
out_list(const struct out_col *cols, const json_t *docs)
{
	const char *headers[16] = { NULL }, *cells[16];
	char bufs[16][256];
	struct table *tab;
	struct out_src src = { NULL, NULL, NULL, NULL, 0 };
	const json_t *doc;
	size_t n, i, c;

	for (n = 0; cols[n].key != NULL && n < 16; n++)
		headers[n] = cols[n].label;
	tab = table_new(n, headers);
	for (c = 0; c < n; c++)
		table_max(tab, c, col_max(cols, c));
	json_array_foreach(docs, i, doc) {
		src.doc = doc;
		for (c = 0; c < n; c++)
			cells[c] = out_cell(&cols[c], &src, 1, bufs[c],
			    sizeof bufs[c]);
		table_row(tab, cells);
	}
	table_print(tab, stdout);
	table_free(tab);
}

struct out_stream {
	const struct out_col *cols;
	size_t ncols;
	const char *headers[16];
	struct table *tab;    /* the first page, until it is printed */
	size_t *w;            /* the widths, once the first page is printed */
};

struct out_stream *
out_list_begin(const struct out_col *cols)
{
	struct out_stream *s = xcalloc(1, sizeof *s);
	size_t c;

	s->cols = cols;
	for (s->ncols = 0; cols[s->ncols].key != NULL && s->ncols < 16; s->ncols++)
		s->headers[s->ncols] = cols[s->ncols].label;
	s->tab = table_new(s->ncols, s->headers);
	for (c = 0; c < s->ncols; c++)
		table_max(s->tab, c, col_max(cols, c));
	return s;
}

/* Prints the first page and keeps its widths for the rows after it. */
static void
stream_first_page(struct out_stream *s)
{
	s->w = table_widths(s->tab);
	table_print(s->tab, stdout);
	table_free(s->tab);
	s->tab = NULL;
}

/* Adds the row of the values src holds. */
static void
stream_row(struct out_stream *s, const struct out_src *src)
{
	const char *cells[16];
	char bufs[16][256];
	size_t c;

	for (c = 0; c < s->ncols; c++)
		cells[c] = out_cell(&s->cols[c], src, 1, bufs[c], sizeof bufs[c]);
	if (s->tab != NULL) {
		table_row(s->tab, cells);
		if (s->tab->nrows == OUT_PAGE)
			stream_first_page(s);
		return;
	}
	for (c = 0; c < s->ncols; c++) {
		const char *v = cells[c] != NULL && cells[c][0] != '\0' ?
		    cells[c] : "-";
		size_t max = col_max(s->cols, c), w;
		char *fit = text_fit_width(v, c == 0 || s->w[c] > max ? max :
		    s->w[c], &w);

		pad_known(stdout, fit, w, s->w[c], c + 1 == s->ncols);
		free(fit);
	}
	putchar('\n');
}

void
out_list_row(struct out_stream *s, const json_t *doc)
{
	struct out_src src = { doc, NULL, NULL, NULL, 0 };

	stream_row(s, &src);
}

void
out_list_vals(struct out_stream *s, const char *const *keys,
    const char *const *types, const char *const *vals, size_t n)
{
	struct out_src src = { NULL, keys, types, vals, n };

	stream_row(s, &src);
}

void
out_list_end(struct out_stream *s)
{
	if (s->tab != NULL)
		stream_first_page(s);
	free(s->w);
	free(s);
}

size_t
out_list_keys(const struct out_col *cols, const char **keys, size_t max)
{
	const char *want[3];
	size_t n = 0, c, i, j;

	for (c = 0; cols[c].key != NULL; c++) {
		want[0] = cols[c].key;
		want[1] = cols[c].alt;
		want[2] = cols[c].how == OUT_STATUS ? "urgent" : NULL;
		for (i = 0; i < 3; i++) {
			if (want[i] == NULL)
				continue;
			for (j = 0; j < n && strcmp(keys[j], want[i]) != 0; j++)
				;
			if (j == n && n < max)
				keys[n++] = want[i];
		}
	}
	return n;
}

/* "label:" padded to the value's column ("" pads only). */
static void
out_label(const char *label)
{
	const char *l = *label != '\0' ? _(label) : "";
	size_t w = text_width(l);

	fputs(l, stdout);
	do
		putchar(' ');
	while (++w < 15);
}

void
out_line(const char *label, const char *fmt, ...)
{
	va_list ap;

	out_label(label);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* The lines of an OUT_LINES array. */
static void
out_lines(const struct out_col *l, const json_t *arr)
{
	const char *label = l->label, *s, *unit;
	const json_t *item;
	size_t i;

	json_array_foreach(arr, i, item) {
		s = json_is_string(item) ? json_string_value(item) :
		    l->alt != NULL ? cjson_str(item, l->alt) : NULL;
		if (s == NULL)
			continue;
		unit = json_is_object(item) ? cjson_str(item, "unit") : NULL;
		if (unit != NULL)
			out_line(label, "%s (%s)", s, unit);
		else
			out_line(label, "%s", s);
		label = "";
	}
}

void
out_deadline(const char *label, const json_t *d)
{
	char t[LTIME_LEN], t2[LTIME_LEN];
	json_t *done;
	int64_t due;

	if (d == NULL)
		return;
	done = json_object_get(d, "done_at");
	out_label(label);
	printf("%s %s (%s)", _("due"), out_time(cjson_str(d, "due"), t,
	    sizeof t), cjson_str(d, "rule"));
	if (done != NULL) {
		ltime_short(json_integer_value(done), t2);
		printf(", %s %s%s", _("done"), t2,
		    json_is_true(json_object_get(d, "late")) ? _(", LATE") : "");
	} else if (ltime_now() > 0 && ltime_parse(cjson_str(d, "due"),
	    &due) == 0 && ltime_now() > due)
		printf(", %s", _("OVERDUE"));
	if (json_is_true(json_object_get(d, "assumed")))
		printf(" %s", _("(weekdays only: no calendar for that year)"));
	putchar('\n');
}

void
out_size(long long bytes, char *buf, size_t len)
{
	if (bytes < 1024)
		snprintf(buf, len, ngettext("%lld byte", "%lld bytes",
		    (unsigned long)bytes), bytes);
	else if (bytes < 1024 * 1024)
		snprintf(buf, len, "%.1f KB", bytes / 1024.0);
	else
		snprintf(buf, len, "%.1f MB", bytes / (1024.0 * 1024.0));
}

/* A record's attachments (fold.c), one line each: its name, type, size,
 * the start of its hash (what `attachment get` takes), its caption and
 * who attached it; a hidden one (form_attachments_redact) its hint. */
static void
out_attachments(const char *label, const json_t *list)
{
	const json_t *a;
	const char *s;
	char size[32];
	size_t i;

	json_array_foreach(list, i, a) {
		out_label(label);
		if ((s = cjson_str(a, "hidden")) != NULL) {
			printf("%s [%s]\n", s, cjson_str(a, "unit"));
			continue;
		}
		out_size(json_integer_value(json_object_get(a, "size")), size,
		    sizeof size);
		printf("%s (%s, %s) %.12s", cjson_str(a, "name"),
		    enum_label(attachment_types, cjson_str(a, "type")), size,
		    cjson_str(a, "hash"));
		/* A photo reduced on its station (agent/photo.h). */
		if (json_is_integer(json_object_get(a, "original_size"))) {
			out_size(json_integer_value(json_object_get(a,
			    "original_size")), size, sizeof size);
			printf(" ");
			printf(_("(reduced from %s)"), size);
		}
		if (json_is_true(json_object_get(a, "confidential")))
			printf(" %s", _("(confidential)"));
		if ((s = cjson_str(a, "caption")) != NULL)
			printf(" — %s", s);
		printf(" [%s]\n", cjson_str(a, "unit"));
	}
}

void
out_show(const struct out_col *lines, const json_t *doc)
{
	struct out_src src = { doc, NULL, NULL, NULL, 0 };
	const struct out_col *l;
	const json_t *item;
	const char *s;
	char buf[1024];
	size_t i, n;

	for (l = lines; l->key != NULL; l++) {
		if (l->how == OUT_DUE) {
			out_deadline(l->label, out_get(doc, l->key));
			continue;
		}
		if (l->how == OUT_LINES) {
			out_lines(l, out_get(doc, l->key));
			continue;
		}
		if (l->how == OUT_ATTACHMENTS) {
			out_attachments(l->label, out_get(doc, l->key));
			continue;
		}
		if (l->how == OUT_EACH) {
			json_array_foreach(out_get(doc, l->key), i, item)
				if ((s = cjson_str(item, l->alt)) != NULL) {
					out_label(l->label);
					printf("%s\n", s);
				}
			continue;
		}
		if (l->how == OUT_LIST) { /* whole, however long */
			n = 0;
			json_array_foreach(out_get(doc, l->key), i, item)
				if ((s = json_string_value(item)) != NULL) {
					if (n++ == 0)
						out_label(l->label);
					printf("%s%s", n > 1 ? "、" : "", s);
				}
			if (n > 0)
				putchar('\n');
			continue;
		}
		s = out_cell(l, &src, 0, buf, sizeof buf);
		if (s == NULL || *s == '\0')
			continue;
		out_label(l->label);
		if (l->how == OUT_TEXT && l->alt != NULL &&
		    out_str(doc, l->alt) != NULL)
			printf("%s (%s)\n", s, out_str(doc, l->alt));
		else
			printf("%s\n", s);
	}
}
