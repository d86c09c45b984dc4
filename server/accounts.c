/*
 * accounts.c - logins, sessions and lock-outs of the dashboard's
 * accounts (see accounts.h); the store keeps the state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "accounts.h"
#include "hash.h"
#include "store.h"
#include "text.h"
#include "util.h"

void
account_release(struct account *a)
{
	free(a->unit);
	free(a->role);
	a->unit = a->role = NULL;
}

void
accounts_free(struct account *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		account_release(&a[i]);
	free(a);
}

int
account_hash(const char *password, char hash[ACCOUNT_HASH_LEN], char *err)
{
	if (utf8_chars(password) < PASSWORD_MIN)
		return ld_fail(err, LD_EINVAL, _("a password has at least %d "
		    "characters"), PASSWORD_MIN);
	if (crypto_pwhash_str(hash, password, strlen(password),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return ld_fail(err, LD_EINTERNAL, _("cannot hash the password "
		    "(out of memory?)"));
	return 0;
}

static const struct account_ops *
ops(struct store *s)
{
	return s->ops->accounts;
}

/* The keys failures are counted under. */
static void
keys(const char *name, const char *address, char **by_name, char **by_addr)
{
	*by_name = xasprintf("account:%s", name);
	*by_addr = xasprintf("address:%s", address);
}

/* 1 in *locked if key has its limit of failures within the window
 * before now. */
static int
is_locked(struct store *s, const char *key, int64_t limit, int64_t now,
    int *locked, char *err)
{
	int64_t n, last;
	int rc;

	*locked = 0;
	if ((rc = ops(s)->failure_count(s, key, now - LOCK_WINDOW, &n, &last,
	    err)) != 0)
		return rc;
	*locked = n >= limit;
	return 0;
}

static int
audit(struct store *s, int64_t now, const char *name, const char *address,
    const char *event, const char *detail, char *err)
{
	return ops(s)->audit_add(s, now, name, address, event, detail, err);
}

/* A failed login, noted and audited, in one transaction; then
 * LD_EAUTH with why. */
static int
failed(struct store *s, const char *name, const char *address, int64_t now,
    const char *event, const char *why, char *err)
{
	char *by_name, *by_addr, e[LD_ERRLEN];
	int64_t n;
	int rc;

	keys(name, address, &by_name, &by_addr);
	if ((rc = s->ops->begin(s, e)) == 0) {
		if ((rc = ops(s)->failure_note(s, by_name, now, now - LOCK_WINDOW,
		    &n, e)) == 0 && n == ACCOUNT_FAILS)
			rc = audit(s, now, name, address, "account-locked", "", e);
		if (rc == 0 && (rc = ops(s)->failure_note(s, by_addr, now,
		    now - LOCK_WINDOW, &n, e)) == 0 && n == ADDRESS_FAILS)
			rc = audit(s, now, name, address, "address-locked", "", e);
		if (rc == 0)
			rc = audit(s, now, name, address, event, "", e);
		if (rc == 0)
			rc = s->ops->commit(s, e);
		if (rc != 0)
			s->ops->rollback(s);
	}
	free(by_name);
	free(by_addr);
	if (rc != 0)
		return ld_fail(err, rc, "%s", e);
	return ld_fail(err, LD_EAUTH, "%s", why);
}

int
account_login(struct store *s, const char *name, const char *password,
    const char *address, int64_t now, char token[SESSION_TOKEN_LEN],
    struct account *out, char *err)
{
	unsigned char secret[32];
	char th[HASH_HEX], *by_name, *by_addr;
	struct account a;
	int rc, locked_name = 0, locked_addr = 0, found;

	memset(&a, 0, sizeof a);
	keys(name, address, &by_name, &by_addr);
	rc = is_locked(s, by_name, ACCOUNT_FAILS, now, &locked_name, err);
	if (rc == 0)
		rc = is_locked(s, by_addr, ADDRESS_FAILS, now, &locked_addr, err);
	free(by_name);
	free(by_addr);
	if (rc != 0)
		return rc;
	if (locked_name || locked_addr)
		return failed(s, name, address, now, "login-locked",
		    _("too many failed logins: try again in 15 minutes"), err);
	rc = ops(s)->get(s, name, &a, err);
	if (rc != 0 && rc != LD_ENOTFOUND)
		return rc;
	found = rc == 0;
	/* The same work whether the account exists or not: a stranger
	 * learns nothing from the time a wrong name takes. */
	if (!found) {
		char dummy[ACCOUNT_HASH_LEN];
		if (crypto_pwhash_str(dummy, password, strlen(password),
		    crypto_pwhash_OPSLIMIT_INTERACTIVE,
		    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
			dummy[0] = '\0'; /* the time is what counts here */
	}
	if (!found || crypto_pwhash_str_verify(a.hash, password,
	    strlen(password)) != 0) {
		account_release(&a);
		return failed(s, name, address, now, "login-failed",
		    _("wrong name or password"), err);
	}
	if (a.disabled) {
		account_release(&a);
		return failed(s, name, address, now, "login-disabled",
		    _("this account is disabled"), err);
	}
	randombytes_buf(secret, sizeof secret);
	sodium_bin2hex(token, SESSION_TOKEN_LEN, secret, sizeof secret);
	sodium_memzero(secret, sizeof secret);
	hash_hex(token, strlen(token), th);
	a.last_login = now;
	by_name = xasprintf("account:%s", name);
	if ((rc = s->ops->begin(s, err)) == 0) {
		if ((rc = ops(s)->session_put(s, th, name, address, now,
		    now + SESSION_LIFE, err)) == 0 &&
		    (rc = ops(s)->put(s, &a, err)) == 0 &&
		    (rc = ops(s)->failure_clear(s, by_name, err)) == 0 &&
		    (rc = audit(s, now, name, address, "login", "", err)) == 0)
			rc = s->ops->commit(s, err);
		if (rc != 0)
			s->ops->rollback(s);
	}
	free(by_name);
	if (rc == 0 && out != NULL)
		*out = a;
	else
		account_release(&a);
	if (rc != 0)
		sodium_memzero(token, SESSION_TOKEN_LEN);
	return rc;
}

int
account_session(struct store *s, const char *token, int64_t now,
    struct account *out, char *err)
{
	char th[HASH_HEX], *name = NULL;
	int64_t expires;
	int rc;

	memset(out, 0, sizeof *out);
	if (token == NULL || strlen(token) != SESSION_TOKEN_LEN - 1)
		return ld_fail(err, LD_EAUTH, _("not logged in"));
	hash_hex(token, strlen(token), th);
	if ((rc = ops(s)->session_get(s, th, &name, &expires, err)) != 0)
		return rc;
	if (name == NULL || now >= expires) {
		free(name);
		return ld_fail(err, LD_EAUTH, _("not logged in"));
	}
	rc = ops(s)->get(s, name, out, err);
	free(name);
	if (rc == LD_ENOTFOUND || (rc == 0 && out->disabled)) {
		account_release(out);
		return ld_fail(err, LD_EAUTH, _("not logged in"));
	}
	return rc;
}

int
account_logout(struct store *s, const char *token, const char *address,
    int64_t now, char *err)
{
	struct account a;
	char th[HASH_HEX];
	int rc;

	if ((rc = account_session(s, token, now, &a, err)) != 0)
		return rc;
	hash_hex(token, strlen(token), th);
	if ((rc = s->ops->begin(s, err)) == 0) {
		if ((rc = ops(s)->session_drop(s, th, NULL, err)) == 0 &&
		    (rc = audit(s, now, a.name, address, "logout", "", err)) == 0)
			rc = s->ops->commit(s, err);
		if (rc != 0)
			s->ops->rollback(s);
	}
	account_release(&a);
	return rc;
}
