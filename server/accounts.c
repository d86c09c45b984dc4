/*
 * accounts.c - logins, sessions and lock-outs of the dashboard's
 * accounts (see accounts.h); the store keeps the state.
 */
#include <pthread.h>
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

int
account_name_valid(const char *name)
{
	return *name != '\0' && strpbrk(name, " \t") == NULL &&
	    text_check("name", name, ACCOUNT_NAME_MAX, 0, NULL) == 0;
}

static const struct account_ops *
ops(struct store *s)
{
	return s->ops->accounts;
}

/* The keys failures are counted under: the account from this address,
 * the account from anywhere, the address for any account. */
struct fail_keys {
	char *pair, *name, *addr;
};

static void
keys(const char *name, const char *address, struct fail_keys *k)
{
	/* A prefix of its own: a name may hold '@', and "bob@1.2.3.4"
	 * must not be bob's key from 1.2.3.4. */
	k->pair = xasprintf("pair:%s@%s", name, address);
	k->name = xasprintf("account:%s", name);
	k->addr = xasprintf("address:%s", address);
}

static void
keys_free(struct fail_keys *k)
{
	free(k->pair);
	free(k->name);
	free(k->addr);
}

static int
audit(struct store *s, int64_t now, const char *name, const char *address,
    const char *event, const char *detail, char *err)
{
	return ops(s)->audit_add(s, now, name, address, event, detail, err);
}

/*
 * The attempt counted before the password is checked, so that parallel
 * guesses (several server processes share the store) cannot outrun the
 * count: one more under the account's key from this address, and
 * *locked when that passes its limit, or the account's failures from
 * every address or the address's own have reached theirs. A locked
 * attempt is audited here.
 */
static int
attempt(struct store *s, const char *name, const char *address, int64_t now,
    int *locked, char *err)
{
	struct fail_keys k;
	int64_t n_pair, n_name, n_addr, last;
	int rc;

	*locked = 0;
	keys(name, address, &k);
	if ((rc = s->ops->begin(s, err)) == 0) {
		if ((rc = ops(s)->failure_note(s, k.pair, now, now - LOCK_WINDOW,
		    &n_pair, err)) == 0 &&
		    (rc = ops(s)->failure_count(s, k.name, now - LOCK_WINDOW,
		    &n_name, &last, err)) == 0 &&
		    (rc = ops(s)->failure_count(s, k.addr, now - LOCK_WINDOW,
		    &n_addr, &last, err)) == 0) {
			*locked = n_pair > ACCOUNT_FAILS ||
			    n_name >= ACCOUNT_FAILS_ALL ||
			    n_addr >= ADDRESS_FAILS;
			if (*locked)
				rc = audit(s, now, name, address, "login-locked",
				    "", err);
		}
		if (rc == 0)
			rc = s->ops->commit(s, err);
		if (rc != 0)
			s->ops->rollback(s);
	}
	keys_free(&k);
	return rc;
}

/* A failed login: the account's and the address's failures noted, the
 * lock-outs they make and the failure audited, in one transaction; then
 * LD_EAUTH. */
static int
failed(struct store *s, const char *name, const char *address, int64_t now,
    char *err)
{
	struct fail_keys k;
	char e[LD_ERRLEN];
	int64_t n, last;
	int rc;

	keys(name, address, &k);
	if ((rc = s->ops->begin(s, e)) == 0) {
		if ((rc = ops(s)->failure_count(s, k.pair, now - LOCK_WINDOW, &n,
		    &last, e)) == 0 && n == ACCOUNT_FAILS)
			rc = audit(s, now, name, address, "account-locked",
			    "from this address", e);
		if (rc == 0 && (rc = ops(s)->failure_note(s, k.name, now,
		    now - LOCK_WINDOW, &n, e)) == 0 && n == ACCOUNT_FAILS_ALL)
			rc = audit(s, now, name, address, "account-locked",
			    "from every address", e);
		if (rc == 0 && (rc = ops(s)->failure_note(s, k.addr, now,
		    now - LOCK_WINDOW, &n, e)) == 0 && n == ADDRESS_FAILS)
			rc = audit(s, now, name, address, "address-locked", "", e);
		if (rc == 0)
			rc = audit(s, now, name, address, "login-failed", "", e);
		if (rc == 0)
			rc = s->ops->commit(s, e);
		if (rc != 0)
			s->ops->rollback(s);
	}
	keys_free(&k);
	if (rc != 0)
		return ld_fail(err, rc, "%s", e);
	return ld_fail(err, LD_EAUTH, _("wrong name or password"));
}

static void
hold(pthread_mutex_t *lock)
{
	if (lock != NULL)
		pthread_mutex_lock(lock);
}

static void
let_go(pthread_mutex_t *lock)
{
	if (lock != NULL)
		pthread_mutex_unlock(lock);
}

/* At most ACCOUNT_HASHES_AT_ONCE password checks at a time in this
 * process: each takes crypto_pwhash_MEMLIMIT_INTERACTIVE (64 MiB) for a
 * moment, and a stranger may send logins from many addresses at once. */
static pthread_mutex_t hashes_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hashes_cv = PTHREAD_COND_INITIALIZER;
static int hashes_running;

/* 1 if password is a's (an account found and not disabled), checked with
 * the same work whether or not it is: a stranger learns nothing from the
 * time a wrong name takes. */
static int
password_matches(const struct account *a, int found, const char *password)
{
	char dummy[ACCOUNT_HASH_LEN];
	int ok = 0;

	pthread_mutex_lock(&hashes_mu);
	while (hashes_running >= ACCOUNT_HASHES_AT_ONCE)
		pthread_cond_wait(&hashes_cv, &hashes_mu);
	hashes_running++;
	pthread_mutex_unlock(&hashes_mu);
	if (!found) {
		if (crypto_pwhash_str(dummy, password, strlen(password),
		    crypto_pwhash_OPSLIMIT_INTERACTIVE,
		    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
			dummy[0] = '\0'; /* the time is what counts here */
	} else
		ok = crypto_pwhash_str_verify(a->hash, password,
		    strlen(password)) == 0;
	pthread_mutex_lock(&hashes_mu);
	hashes_running--;
	pthread_cond_signal(&hashes_cv);
	pthread_mutex_unlock(&hashes_mu);
	/* A disabled account reads as a wrong password: nobody learns that
	 * its password was right. */
	return ok && !a->disabled;
}

int
account_login(struct store *s, pthread_mutex_t *lock, const char *name,
    const char *password, const char *address, int64_t now,
    char token[SESSION_TOKEN_LEN], struct account *out, char *err)
{
	unsigned char secret[32];
	char th[HASH_HEX];
	struct fail_keys k;
	struct account a;
	int rc, locked, found, ok;

	memset(&a, 0, sizeof a);
	hold(lock);
	if ((rc = attempt(s, name, address, now, &locked, err)) == 0 &&
	    !locked)
		rc = ops(s)->get(s, name, &a, err);
	let_go(lock);
	if (rc != 0 && rc != LD_ENOTFOUND)
		return rc;
	if (locked)
		return ld_fail(err, LD_EAUTH,
		    _("too many failed logins: try again in 15 minutes"));
	found = rc == 0;
	/* The password is checked outside the store's lock: the syncs it
	 * guards never wait on a hash. */
	if (!password_matches(&a, found, password)) {
		account_release(&a);
		hold(lock);
		rc = failed(s, name, address, now, err);
		let_go(lock);
		return rc;
	}
	randombytes_buf(secret, sizeof secret);
	sodium_bin2hex(token, SESSION_TOKEN_LEN, secret, sizeof secret);
	sodium_memzero(secret, sizeof secret);
	hash_hex(token, strlen(token), th);
	keys(name, address, &k);
	ok = 0;
	hold(lock);
	if ((rc = s->ops->begin(s, err)) == 0) {
		/* Only if it is still the account checked: a password changed
		 * or the account disabled meanwhile wins. */
		if ((rc = ops(s)->login_mark(s, name, a.hash, now, &ok,
		    err)) == 0 && ok &&
		    (rc = ops(s)->session_put(s, th, name, address, now,
		    now + SESSION_LIFE, err)) == 0 &&
		    (rc = ops(s)->failure_clear(s, k.pair, err)) == 0)
			rc = audit(s, now, name, address, "login", "", err);
		if (rc == 0 && ok)
			rc = s->ops->commit(s, err);
		else
			s->ops->rollback(s);
	}
	keys_free(&k);
	sodium_memzero(a.hash, sizeof a.hash);
	if (rc == 0 && !ok) {
		account_release(&a);
		sodium_memzero(token, SESSION_TOKEN_LEN);
		rc = failed(s, name, address, now, err);
		let_go(lock);
		return rc;
	}
	let_go(lock);
	a.last_login = now;
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
