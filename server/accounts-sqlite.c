/*
 * accounts-sqlite.c - the dashboard's accounts, sessions, failed logins
 * and audit log in the SQLite store (accounts.h, struct account_ops; the
 * tables are store-sqlite.c's migration 6). Logins are rare next to
 * syncs: each statement is prepared when used.
 */
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "cjson.h"
#include "db.h"
#include "store-sqlite.h"
#include "util.h"

/* Prepares sql on s's database; NULL (err set) on failure. */
static sqlite3_stmt *
prep(struct store *s, const char *sql, char *err)
{
	sqlite3_stmt *st = NULL;

	if (db_prepare(store_sqlite_db(s), sql, &st, err) != 0)
		return NULL;
	return st;
}

/* Steps a statement that returns no row, and finalizes it. */
static int
run(struct store *s, sqlite3_stmt *st, char *err)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(store_sqlite_db(s), rc, _("database write failed"),
		    err);
	return 0;
}

static const char *
col(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);

	return t != NULL ? t : "";
}

#define ACCOUNT_COLS "name, unit, role, hash, disabled, created_at," \
	" changed_at, last_login"

static void
row_account(sqlite3_stmt *st, struct account *a)
{
	memset(a, 0, sizeof *a);
	ld_strlcpy(a->name, col(st, 0), sizeof a->name);
	a->unit = xstrdup(col(st, 1));
	a->role = xstrdup(col(st, 2));
	ld_strlcpy(a->hash, col(st, 3), sizeof a->hash);
	a->disabled = sqlite3_column_int(st, 4);
	a->created_at = sqlite3_column_int64(st, 5);
	a->changed_at = sqlite3_column_int64(st, 6);
	a->last_login = sqlite3_column_int64(st, 7);
}

/* Binds a's columns, in ACCOUNT_COLS order. */
static void
bind_account(sqlite3_stmt *st, const struct account *a)
{
	db_bind_text(st, 1, a->name);
	db_bind_text(st, 2, a->unit);
	db_bind_text(st, 3, a->role);
	db_bind_text(st, 4, a->hash);
	db_bind_int(st, 5, a->disabled);
	db_bind_int(st, 6, a->created_at);
	db_bind_int(st, 7, a->changed_at);
	db_bind_int(st, 8, a->last_login);
}

static int
acc_put(struct store *s, const struct account *a, char *err)
{
	sqlite3_stmt *st = prep(s, "INSERT OR REPLACE INTO accounts("
	    ACCOUNT_COLS ") VALUES(?,?,?,?,?,?,?,?)", err);

	if (st == NULL)
		return LD_EDB;
	bind_account(st, a);
	return run(s, st, err);
}

static int
acc_add(struct store *s, const struct account *a, char *err)
{
	sqlite3_stmt *st = prep(s, "INSERT INTO accounts(" ACCOUNT_COLS ")"
	    " VALUES(?,?,?,?,?,?,?,?)", err);
	int rc;

	if (st == NULL)
		return LD_EDB;
	bind_account(st, a);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT)
		return ld_fail(err, LD_EEXIST, _("account '%s' exists"),
		    a->name);
	if (rc != SQLITE_DONE)
		return db_fail(store_sqlite_db(s), rc, _("database write failed"),
		    err);
	return 0;
}

static int
acc_login_mark(struct store *s, const char *name, const char *hash,
    int64_t at, int *ok, char *err)
{
	sqlite3_stmt *st = prep(s, "UPDATE accounts SET last_login=?"
	    " WHERE name=? AND hash=? AND disabled=0", err);
	int rc;

	*ok = 0;
	if (st == NULL)
		return LD_EDB;
	db_bind_int(st, 1, at);
	db_bind_text(st, 2, name);
	db_bind_text(st, 3, hash);
	rc = run(s, st, err);
	if (rc == 0)
		*ok = sqlite3_changes(store_sqlite_db(s)) == 1;
	return rc;
}

static int
acc_get(struct store *s, const char *name, struct account *out, char *err)
{
	sqlite3_stmt *st = prep(s, "SELECT " ACCOUNT_COLS " FROM accounts"
	    " WHERE name=?", err);
	int rc;

	if (st == NULL)
		return LD_EDB;
	db_bind_text(st, 1, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row_account(st, out);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return ld_fail(err, LD_ENOTFOUND, _("no account '%s'"), name);
	return db_fail(store_sqlite_db(s), rc, _("database query failed"), err);
}

static int
acc_list(struct store *s, struct account **out, size_t *n, char *err)
{
	sqlite3_stmt *st = prep(s, "SELECT " ACCOUNT_COLS " FROM accounts"
	    " ORDER BY name", err);
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return LD_EDB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = xrealloc(*out, (*n + 1) * sizeof **out);
		row_account(st, &(*out)[(*n)++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		accounts_free(*out, *n);
		*out = NULL;
		*n = 0;
		return db_fail(store_sqlite_db(s), rc, _("database query failed"),
		    err);
	}
	return 0;
}

static int
acc_session_put(struct store *s, const char *token_hash, const char *name,
    const char *address, int64_t created, int64_t expires, char *err)
{
	sqlite3_stmt *st = prep(s, "DELETE FROM sessions WHERE expires<=?",
	    err);
	int rc;

	if (st == NULL)
		return LD_EDB;
	db_bind_int(st, 1, created);
	if ((rc = run(s, st, err)) != 0)
		return rc;
	if ((st = prep(s, "INSERT INTO sessions(token_hash, account, address,"
	    " created_at, expires) VALUES(?,?,?,?,?)", err)) == NULL)
		return LD_EDB;
	db_bind_text(st, 1, token_hash);
	db_bind_text(st, 2, name);
	db_bind_text(st, 3, address);
	db_bind_int(st, 4, created);
	db_bind_int(st, 5, expires);
	return run(s, st, err);
}

static int
acc_session_get(struct store *s, const char *token_hash, char **name,
    int64_t *expires, char *err)
{
	sqlite3_stmt *st = prep(s, "SELECT account, expires FROM sessions"
	    " WHERE token_hash=?", err);
	int rc;

	*name = NULL;
	*expires = 0;
	if (st == NULL)
		return LD_EDB;
	db_bind_text(st, 1, token_hash);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*name = xstrdup(col(st, 0));
		*expires = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(store_sqlite_db(s), rc, _("database query failed"),
		    err);
	return 0;
}

static int
acc_session_drop(struct store *s, const char *token_hash, const char *name,
    char *err)
{
	sqlite3_stmt *st = prep(s, token_hash != NULL ?
	    "DELETE FROM sessions WHERE token_hash=?" :
	    "DELETE FROM sessions WHERE account=?", err);

	if (st == NULL)
		return LD_EDB;
	db_bind_text(st, 1, token_hash != NULL ? token_hash : name);
	return run(s, st, err);
}

static int
acc_failure_count(struct store *s, const char *key, int64_t since,
    int64_t *n, int64_t *last, char *err)
{
	sqlite3_stmt *st = prep(s, "SELECT count(*), coalesce(max(at), 0)"
	    " FROM login_failures WHERE key=? AND at>=?", err);
	int rc;

	*n = *last = 0;
	if (st == NULL)
		return LD_EDB;
	db_bind_text(st, 1, key);
	db_bind_int(st, 2, since);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*n = sqlite3_column_int64(st, 0);
		*last = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_fail(store_sqlite_db(s), rc, _("database query failed"),
		    err);
	return 0;
}

static int
acc_failure_note(struct store *s, const char *key, int64_t at, int64_t since,
    int64_t *n, char *err)
{
	/* What is older than the window counts no more: forget it (every
	 * key's, so that a spray of addresses leaves nothing behind). */
	sqlite3_stmt *st = prep(s, "DELETE FROM login_failures WHERE at<?", err);
	int64_t last;
	int rc;

	if (st == NULL)
		return LD_EDB;
	db_bind_int(st, 1, since);
	if ((rc = run(s, st, err)) != 0)
		return rc;
	if ((st = prep(s, "INSERT INTO login_failures(key, at) VALUES(?,?)",
	    err)) == NULL)
		return LD_EDB;
	db_bind_text(st, 1, key);
	db_bind_int(st, 2, at);
	if ((rc = run(s, st, err)) != 0)
		return rc;
	return acc_failure_count(s, key, since, n, &last, err);
}

static int
acc_failure_clear(struct store *s, const char *key, char *err)
{
	sqlite3_stmt *st = prep(s, "DELETE FROM login_failures WHERE key=?",
	    err);

	if (st == NULL)
		return LD_EDB;
	db_bind_text(st, 1, key);
	return run(s, st, err);
}

static int
acc_audit_add(struct store *s, int64_t at, const char *name,
    const char *address, const char *event, const char *detail, char *err)
{
	sqlite3_stmt *st = prep(s, "INSERT INTO audit(at, account, address,"
	    " event, detail) VALUES(?,?,?,?,?)", err);

	if (st == NULL)
		return LD_EDB;
	db_bind_int(st, 1, at);
	db_bind_text(st, 2, name);
	db_bind_text(st, 3, address);
	db_bind_text(st, 4, event);
	db_bind_text(st, 5, detail);
	return run(s, st, err);
}

static int
acc_audit_each(struct store *s, int64_t since,
    int (*fn)(const json_t *entry, void *arg), void *arg, char *err)
{
	sqlite3_stmt *st = prep(s, "SELECT at, account, address, event, detail"
	    " FROM audit WHERE at>=? ORDER BY id", err);
	json_t *e;
	int rc, stop = 0;

	if (st == NULL)
		return LD_EDB;
	db_bind_int(st, 1, since);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		e = json_pack("{s:I, s:s, s:s, s:s, s:s}", "at",
		    (json_int_t)sqlite3_column_int64(st, 0), "account", col(st, 1),
		    "address", col(st, 2), "event", col(st, 3), "detail",
		    col(st, 4));
		stop = fn(e, arg);
		json_decref(e);
	}
	sqlite3_finalize(st);
	if (!stop && rc != SQLITE_DONE)
		return db_fail(store_sqlite_db(s), rc, _("database query failed"),
		    err);
	return 0;
}

const struct account_ops accounts_sqlite_ops = {
	acc_add, acc_put, acc_login_mark, acc_get, acc_list, acc_session_put, acc_session_get,
	acc_session_drop, acc_failure_note, acc_failure_count,
	acc_failure_clear, acc_audit_add, acc_audit_each,
};
