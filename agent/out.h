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


/* "2026-11-21 09:30" from a canonical time string (or "-"). */
const char *out_time(const char *canonical, char *buf, size_t len);

#endif
