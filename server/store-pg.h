/*
 * store-pg.h - what the PostgreSQL store's other files reach of it: one
 * way to run a statement with parameters on its connection, for the
 * parts kept apart from store-pg.c (the dashboard's accounts:
 * accounts-pg.c). Only these two files include libpq-fe.h.
 */
#ifndef LD_STORE_PG_H
#define LD_STORE_PG_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct account_ops;

/* The rows of one statement: a PGresult, opaque outside store-pg.c. */
struct pg_rows;

/*
 * Runs sql (placeholders $1..$n) with the n text parameters p (NULL for
 * SQL NULL) on s's connection. Rows (when not NULL) receives the result
 * (free with pg_rows_free), *changed (when not NULL) the rows a write
 * touched. Returns 0 or an LD_E* code with err saying what failed:
 * LD_EEXIST for a unique key taken, LD_ELOCKED for a lock that could not
 * be had (timeout, deadlock, serialization), LD_EDB otherwise.
 */
int store_pg_run(struct store *s, const char *sql, int n,
    const char *const *p, struct pg_rows **rows, int64_t *changed,
    const char *what, char *err);

size_t pg_rows_count(const struct pg_rows *r);
/* Column col of row i as text ("" for NULL; borrowed from r). */
const char *pg_rows_text(const struct pg_rows *r, size_t i, int col);
int64_t pg_rows_int(const struct pg_rows *r, size_t i, int col);
void pg_rows_free(struct pg_rows *r);

extern const struct account_ops accounts_pg_ops;

#endif
