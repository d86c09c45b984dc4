/*
 * accounts-pg.c - the dashboard's accounts, sessions, failed logins and
 * audit log in the PostgreSQL store (accounts.h, struct account_ops; the
 * tables are store-pg.c's migration 1), with the semantics of
 * accounts-sqlite.c. Every statement goes through store_pg_run, its
 * values as parameters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "store-pg.h"
#include "util.h"

#define ACCOUNT_COLS "name, unit, role, hash, disabled, created_at," \
	" changed_at, last_login"

static const char *
num(char buf[24], int64_t v)
{
	snprintf(buf, 24, "%lld", (long long)v);
	return buf;
}

static void
row_account(const struct pg_rows *r, size_t i, struct account *a)
{
	memset(a, 0, sizeof *a);
	ld_strlcpy(a->name, pg_rows_text(r, i, 0), sizeof a->name);
	a->unit = xstrdup(pg_rows_text(r, i, 1));
	a->role = xstrdup(pg_rows_text(r, i, 2));
	ld_strlcpy(a->hash, pg_rows_text(r, i, 3), sizeof a->hash);
	a->disabled = (int)pg_rows_int(r, i, 4);
	a->created_at = pg_rows_int(r, i, 5);
	a->changed_at = pg_rows_int(r, i, 6);
	a->last_login = pg_rows_int(r, i, 7);
}

/* a's columns in ACCOUNT_COLS order, numbers written into b. */
static void
account_params(const struct account *a, char b[4][24], const char *p[8])
{
	p[0] = a->name;
	p[1] = a->unit;
	p[2] = a->role;
	p[3] = a->hash;
	p[4] = num(b[0], a->disabled);
	p[5] = num(b[1], a->created_at);
	p[6] = num(b[2], a->changed_at);
	p[7] = num(b[3], a->last_login);
}

static int
acc_put(struct store *s, const struct account *a, char *err)
{
	char b[4][24];
	const char *p[8];

	account_params(a, b, p);
	return store_pg_run(s, "INSERT INTO accounts(" ACCOUNT_COLS ")"
	    " VALUES($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (name) DO UPDATE SET"
	    " unit=EXCLUDED.unit, role=EXCLUDED.role, hash=EXCLUDED.hash,"
	    " disabled=EXCLUDED.disabled, created_at=EXCLUDED.created_at,"
	    " changed_at=EXCLUDED.changed_at, last_login=EXCLUDED.last_login",
	    8, p, NULL, NULL, _("database write failed"), err);
}

static int
acc_add(struct store *s, const struct account *a, char *err)
{
	char b[4][24];
	const char *p[8];
	int64_t changed;
	int rc;

	account_params(a, b, p);
	if ((rc = store_pg_run(s, "INSERT INTO accounts(" ACCOUNT_COLS ")"
	    " VALUES($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT DO NOTHING", 8, p,
	    NULL, &changed, _("database write failed"), err)) != 0)
		return rc;
	if (changed == 0)
		return ld_fail(err, LD_EEXIST, _("account '%s' exists"),
		    a->name);
	return 0;
}

static int
acc_login_mark(struct store *s, const char *name, const char *hash,
    int64_t at, int *ok, char *err)
{
	char b[24];
	const char *p[3] = { num(b, at), name, hash };
	int64_t changed;
	int rc;

	*ok = 0;
	rc = store_pg_run(s, "UPDATE accounts SET last_login=$1"
	    " WHERE name=$2 AND hash=$3 AND disabled=0", 3, p, NULL, &changed,
	    _("database write failed"), err);
	if (rc == 0)
		*ok = changed == 1;
	return rc;
}

static int
acc_get(struct store *s, const char *name, struct account *out, char *err)
{
	const char *p[1] = { name };
	struct pg_rows *r;
	int rc;

	if ((rc = store_pg_run(s, "SELECT " ACCOUNT_COLS " FROM accounts"
	    " WHERE name=$1", 1, p, &r, NULL, _("database query failed"),
	    err)) != 0)
		return rc;
	if (pg_rows_count(r) == 0)
		rc = ld_fail(err, LD_ENOTFOUND, _("no account '%s'"), name);
	else
		row_account(r, 0, out);
	pg_rows_free(r);
	return rc;
}

static int
acc_list(struct store *s, struct account **out, size_t *n, char *err)
{
	struct pg_rows *r;
	size_t i;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = store_pg_run(s, "SELECT " ACCOUNT_COLS " FROM accounts"
	    " ORDER BY name", 0, NULL, &r, NULL, _("database query failed"),
	    err)) != 0)
		return rc;
	if (pg_rows_count(r) > 0)
		*out = xcalloc(pg_rows_count(r), sizeof **out);
	for (i = 0; i < pg_rows_count(r); i++)
		row_account(r, i, &(*out)[i]);
	*n = pg_rows_count(r);
	pg_rows_free(r);
	return 0;
}

static int
acc_session_put(struct store *s, const char *token_hash, const char *name,
    const char *address, int64_t created, int64_t expires, char *err)
{
	char b1[24], b2[24];
	const char *d[1] = { num(b1, created) };
	const char *p[5] = { token_hash, name, address, b1,
	    num(b2, expires) };
	int rc;

	if ((rc = store_pg_run(s, "DELETE FROM sessions WHERE expires<=$1", 1,
	    d, NULL, NULL, _("database write failed"), err)) != 0)
		return rc;
	return store_pg_run(s, "INSERT INTO sessions(token_hash, account,"
	    " address, created_at, expires) VALUES($1,$2,$3,$4,$5)", 5, p,
	    NULL, NULL, _("database write failed"), err);
}

static int
acc_session_get(struct store *s, const char *token_hash, char **name,
    int64_t *expires, char *err)
{
	const char *p[1] = { token_hash };
	struct pg_rows *r;
	int rc;

	*name = NULL;
	*expires = 0;
	if ((rc = store_pg_run(s, "SELECT account, expires FROM sessions"
	    " WHERE token_hash=$1", 1, p, &r, NULL,
	    _("database query failed"), err)) != 0)
		return rc;
	if (pg_rows_count(r) > 0) {
		*name = xstrdup(pg_rows_text(r, 0, 0));
		*expires = pg_rows_int(r, 0, 1);
	}
	pg_rows_free(r);
	return 0;
}

static int
acc_session_drop(struct store *s, const char *token_hash, const char *name,
    char *err)
{
	const char *p[1] = { token_hash != NULL ? token_hash : name };

	return store_pg_run(s, token_hash != NULL ?
	    "DELETE FROM sessions WHERE token_hash=$1" :
	    "DELETE FROM sessions WHERE account=$1", 1, p, NULL, NULL,
	    _("database write failed"), err);
}

static int
acc_failure_count(struct store *s, const char *key, int64_t since,
    int64_t *n, int64_t *last, char *err)
{
	char b[24];
	const char *p[2] = { key, num(b, since) };
	struct pg_rows *r;
	int rc;

	*n = *last = 0;
	if ((rc = store_pg_run(s, "SELECT count(*), coalesce(max(at), 0)"
	    " FROM login_failures WHERE key=$1 AND at>=$2", 2, p, &r, NULL,
	    _("database query failed"), err)) != 0)
		return rc;
	*n = pg_rows_int(r, 0, 0);
	*last = pg_rows_int(r, 0, 1);
	pg_rows_free(r);
	return 0;
}

static int
acc_failure_note(struct store *s, const char *key, int64_t at, int64_t since,
    int64_t *n, char *err)
{
	char b1[24], b2[24];
	const char *d[1] = { num(b1, since) };
	const char *p[2] = { key, num(b2, at) };
	int64_t last;
	int rc;

	/* What is older than the window counts no more: forget it. */
	if ((rc = store_pg_run(s, "DELETE FROM login_failures WHERE at<$1", 1,
	    d, NULL, NULL, _("database write failed"), err)) != 0 ||
	    (rc = store_pg_run(s, "INSERT INTO login_failures(key, at)"
	    " VALUES($1,$2)", 2, p, NULL, NULL, _("database write failed"),
	    err)) != 0)
		return rc;
	return acc_failure_count(s, key, since, n, &last, err);
}

static int
acc_failure_clear(struct store *s, const char *key, char *err)
{
	const char *p[1] = { key };

	return store_pg_run(s, "DELETE FROM login_failures WHERE key=$1", 1,
	    p, NULL, NULL, _("database write failed"), err);
}

static int
acc_audit_add(struct store *s, int64_t at, const char *name,
    const char *address, const char *event, const char *detail, char *err)
{
	char b[24];
	const char *p[5] = { num(b, at), name, address, event, detail };

	return store_pg_run(s, "INSERT INTO audit(at, account, address, event,"
	    " detail) VALUES($1,$2,$3,$4,$5)", 5, p, NULL, NULL,
	    _("database write failed"), err);
}

static int
acc_audit_each(struct store *s, int64_t since,
    int (*fn)(const json_t *entry, void *arg), void *arg, char *err)
{
	char b[24];
	const char *p[1] = { num(b, since) };
	struct pg_rows *r;
	size_t i;
	json_t *e;
	int rc, stop = 0;

	if ((rc = store_pg_run(s, "SELECT at, account, address, event, detail"
	    " FROM audit WHERE at>=$1 ORDER BY id", 1, p, &r, NULL,
	    _("database query failed"), err)) != 0)
		return rc;
	for (i = 0; !stop && i < pg_rows_count(r); i++) {
		e = json_pack("{s:I, s:s, s:s, s:s, s:s}", "at",
		    (json_int_t)pg_rows_int(r, i, 0), "account",
		    pg_rows_text(r, i, 1), "address", pg_rows_text(r, i, 2),
		    "event", pg_rows_text(r, i, 3), "detail",
		    pg_rows_text(r, i, 4));
		stop = fn(e, arg);
		json_decref(e);
	}
	pg_rows_free(r);
	return 0;
}

const struct account_ops accounts_pg_ops = {
	acc_add, acc_put, acc_login_mark, acc_get, acc_list, acc_session_put,
	acc_session_get, acc_session_drop, acc_failure_note, acc_failure_count,
	acc_failure_clear, acc_audit_add, acc_audit_each,
};
