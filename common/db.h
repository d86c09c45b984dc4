/*
 * db.h - SQLite helpers: opening with the project's pragmas, versioned
 * migrations, transactions, and the one place SQLite result codes are
 * turned into LD_E* codes with a message.
 *
 * Every database is in WAL mode with synchronous=FULL: a commit that
 * returned is on disk. LIANDONG_BUSY_TIMEOUT_MS (default 5000) bounds how
 * long a writer waits for another process's lock.
 */
#ifndef LD_DB_H
#define LD_DB_H

#include <sqlite3.h>

#define DB_CREATE 1    /* create the file if missing */
#define DB_EXCLUSIVE 2 /* with DB_CREATE: fail if it exists */

/* Migrations: migrations[i] brings user_version from i to i+1; the array
 * ends with NULL. Applied in one transaction each. */
int db_open(const char *path, int flags, const char *const *migrations,
    sqlite3 **out, char *err);
void db_close(sqlite3 *db);

/* Translates rc (not SQLITE_OK) into an LD_E* code and a message that
 * names what was being done. */
int db_fail(sqlite3 *db, int rc, const char *what, char *err);

int db_exec(sqlite3 *db, const char *sql, char *err);
int db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, char *err);
/* The same for a statement kept for the life of the connection (reset,
 * not finalized, after each use; finalized before db_close). */
int db_prepare_kept(sqlite3 *db, const char *sql, sqlite3_stmt **st,
    char *err);
int db_begin(sqlite3 *db, char *err); /* BEGIN IMMEDIATE */
int db_commit(sqlite3 *db, char *err);
void db_rollback(sqlite3 *db);

/*
 * Copies db, as of one moment, into a new file path created with mode
 * 0600 (never over an existing file: LD_EEXIST), by SQLite's online
 * backup, while other connections go on writing; the copy and its
 * directory are synced before it returns, and removed on failure.
 * Returns 0 or an LD_E* code with err filled.
 */
int db_backup(sqlite3 *db, const char *path, char *err);

/*
 * Leaves nothing of overwritten or deleted rows in db's files: rebuilds
 * the database (VACUUM), then copies the write-ahead log into it and
 * truncates the log. Not inside a transaction. LD_ELOCKED when another
 * connection's read keeps the log from being emptied.
 */
int db_compact(sqlite3 *db, char *err);

/* Binds text (may be NULL) / int64 by 1-based position. */
void db_bind_text(sqlite3_stmt *st, int i, const char *s);
void db_bind_int(sqlite3_stmt *st, int i, long long v);

#endif
