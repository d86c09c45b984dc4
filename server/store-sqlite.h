/*
 * store-sqlite.h - what the SQLite store's other files reach of it: its
 * database handle, for the parts kept apart from store-sqlite.c (the
 * dashboard's accounts: accounts-sqlite.c).
 */
#ifndef LD_STORE_SQLITE_H
#define LD_STORE_SQLITE_H

#include <sqlite3.h>

struct store;
struct account_ops;

/* The database of a store opened by store_sqlite_open. */
sqlite3 *store_sqlite_db(struct store *s);

extern const struct account_ops accounts_sqlite_ops;

#endif
