/*
 * out.c - tables and JSON documents on stdout.
 */
#include <stdlib.h>
#include <string.h>

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

static void
pad(FILE *f, const char *s, size_t width, int last)
{
	size_t w = text_width(s);

	fputs(s, f);
	if (last)
		return;
	for (; w < width + 2; w++)
		fputc(' ', f);
}

void
table_print(struct table *t, FILE *f)
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
