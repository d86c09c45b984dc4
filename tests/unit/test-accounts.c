/*
 * test-accounts.c - the dashboard's accounts (server/accounts.h) on a
 * real SQLite store in a scratch directory, or on a new PostgreSQL
 * database when LIANDONG_TEST_STORE names one (harness-pg.h): hashes, logins, sessions and
 * their expiry, lock-out per account and per address, disabled accounts,
 * and the audit log of all of it. Times are given, not read.
 */
#include "harness.h"
#include "harness-pg.h"

#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "hash.h"
#include "store.h"
#include "util.h"

#define T0 INT64_C(1795224600000)
#define MIN (60 * INT64_C(1000))
#define PW "长期有效的口令-2026"

struct fix {
	char *dir;
	struct store *s;
};

static int
setup(void **state)
{
	struct fix *f = xcalloc(1, sizeof *f);
	char *path, err[LD_ERRLEN];
	struct account a;

	f->dir = harness_scratch("accounts");
	path = harness_pg() != NULL ? harness_pg_new("accounts") :
	    xasprintf("%s/server.db", f->dir);
	assert_int_equal(store_open(path, 1, NULL, &f->s, err), 0);
	free(path);
	memset(&a, 0, sizeof a);
	strcpy(a.name, "wangfang");
	a.unit = xstrdup("县司法局");
	a.role = xstrdup("legal");
	a.created_at = a.changed_at = T0;
	assert_int_equal(account_hash(PW, a.hash, err), 0);
	assert_int_equal(f->s->ops->accounts->put(f->s, &a, err), 0);
	account_release(&a);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	f->s->ops->close(f->s);
	harness_remove(f->dir);
	free(f->dir);
	free(f);
	if (harness_pg() != NULL)
		harness_pg_drop_all();
	return 0;
}

static int
login(struct fix *f, const char *name, const char *pw, const char *addr,
    int64_t at, char token[SESSION_TOKEN_LEN], char *err)
{
	return account_login(f->s, NULL, name, pw, addr, at, token, NULL, err);
}

struct tally {
	const char *event;
	long n;
};

static int
count_event(const json_t *e, void *arg)
{
	struct tally *t = arg;

	if (strcmp(json_string_value(json_object_get(e, "event")),
	    t->event) == 0)
		t->n++;
	/* Never a password. */
	assert_null(strstr(json_string_value(json_object_get(e, "detail")), PW));
	return 0;
}

/* How many audit entries of event there are. */
static long
audited(struct fix *f, const char *event)
{
	struct tally t = { event, 0 };
	char err[LD_ERRLEN];

	assert_int_equal(f->s->ops->accounts->audit_each(f->s, 0, count_event,
	    &t, err), 0);
	return t.n;
}

static void
test_hash(void **state)
{
	char h[ACCOUNT_HASH_LEN], err[LD_ERRLEN];

	assert_int_equal(account_hash("short", h, err), LD_EINVAL);
	assert_int_equal(account_hash(PW, h, err), 0);
	/* Argon2id, salted: never the password, never twice the same. */
	assert_non_null(strstr(h, "$argon2id$"));
	assert_null(strstr(h, PW));
}

static void
test_login_and_session(void **state)
{
	struct fix *f = *state;
	char token[SESSION_TOKEN_LEN], err[LD_ERRLEN];
	struct account a;

	assert_int_equal(login(f, "wangfang", "wrong password!", "10.0.0.1", T0,
	    token, err), LD_EAUTH);
	assert_string_equal(err, "wrong name or password");
	/* A name that does not exist reads the same. */
	assert_int_equal(login(f, "nobody", PW, "10.0.0.1", T0, token, err),
	    LD_EAUTH);
	assert_string_equal(err, "wrong name or password");
	assert_int_equal(login(f, "wangfang", PW, "10.0.0.1", T0, token, err),
	    0);
	assert_int_equal(strlen(token), SESSION_TOKEN_LEN - 1);
	assert_int_equal(account_session(f->s, token, T0 + MIN, &a, err), 0);
	assert_string_equal(a.name, "wangfang");
	assert_string_equal(a.unit, "县司法局");
	assert_int_equal(a.last_login, T0);
	account_release(&a);
	/* Expired after SESSION_LIFE; a token not given out is nobody's. */
	assert_int_equal(account_session(f->s, token, T0 + SESSION_LIFE, &a,
	    err), LD_EAUTH);
	token[0] = token[0] == 'a' ? 'b' : 'a';
	assert_int_equal(account_session(f->s, token, T0 + MIN, &a, err),
	    LD_EAUTH);
	assert_int_equal(account_session(f->s, "short", T0, &a, err), LD_EAUTH);
	assert_int_equal(audited(f, "login"), 1);
	assert_int_equal(audited(f, "login-failed"), 2);
}

static void
test_logout(void **state)
{
	struct fix *f = *state;
	char token[SESSION_TOKEN_LEN], err[LD_ERRLEN];
	struct account a;

	assert_int_equal(login(f, "wangfang", PW, "10.0.0.1", T0, token, err),
	    0);
	assert_int_equal(account_logout(f->s, token, "10.0.0.1", T0 + MIN, err),
	    0);
	assert_int_equal(account_session(f->s, token, T0 + MIN, &a, err),
	    LD_EAUTH);
	assert_int_equal(audited(f, "logout"), 1);
}

/* Five failures from one address lock the account from that address,
 * even against the right password, for the window after the last; then
 * it opens again. Its owner at another address is not locked out. */
static void
test_account_lockout(void **state)
{
	struct fix *f = *state;
	char token[SESSION_TOKEN_LEN], err[LD_ERRLEN];
	int i;

	for (i = 0; i < ACCOUNT_FAILS; i++)
		assert_int_equal(login(f, "wangfang", "guess number x", "10.0.0.2",
		    T0 + i * MIN, token, err), LD_EAUTH);
	assert_int_equal(login(f, "wangfang", PW, "10.0.0.2", T0 + 5 * MIN,
	    token, err), LD_EAUTH);
	assert_non_null(strstr(err, "too many"));
	assert_int_equal(audited(f, "account-locked"), 1);
	assert_int_equal(audited(f, "login-locked"), 1);
	assert_int_equal(login(f, "wangfang", PW, "10.0.0.3", T0 + 5 * MIN,
	    token, err), 0);
	/* The window counts from the failures: after it, the right
	 * password opens the account and clears its count. */
	assert_int_equal(login(f, "wangfang", PW, "10.0.0.2",
	    T0 + 5 * MIN + LOCK_WINDOW + MIN, token, err), 0);
	assert_int_equal(login(f, "wangfang", "guess number x", "10.0.0.2",
	    T0 + 5 * MIN + LOCK_WINDOW + 2 * MIN, token, err), LD_EAUTH);
	assert_int_equal(login(f, "wangfang", PW, "10.0.0.2",
	    T0 + 5 * MIN + LOCK_WINDOW + 3 * MIN, token, err), 0);
}

/* A made-up name holding '@' counts under its own key, never under a
 * real account's from one address: "wangfang@10.0.0.3" failing five
 * times does not lock wangfang out at 10.0.0.3. */
static void
test_lockout_name_with_at(void **state)
{
	struct fix *f = *state;
	char token[SESSION_TOKEN_LEN], err[LD_ERRLEN];
	int i;

	for (i = 0; i < ACCOUNT_FAILS + 1; i++)
		assert_int_equal(login(f, "wangfang@10.0.0.3", "guess number x",
		    "10.0.0.9", T0 + i * MIN, token, err), LD_EAUTH);
	assert_int_equal(login(f, "wangfang", PW, "10.0.0.3", T0 + 7 * MIN,
	    token, err), 0);
}

/* Guesses spread over many addresses, each under its own limit, lock
 * the account from every address once they reach ACCOUNT_FAILS_ALL. */
static void
test_account_lockout_spread(void **state)
{
	struct fix *f = *state;
	char token[SESSION_TOKEN_LEN], err[LD_ERRLEN], addr[32];
	int i;

	for (i = 0; i < ACCOUNT_FAILS_ALL; i++) {
		snprintf(addr, sizeof addr, "10.1.%d.%d", i / 200, i % 200 + 1);
		assert_int_equal(login(f, "wangfang", "guess number x", addr,
		    T0 + i * 1000, token, err), LD_EAUTH);
		assert_null(strstr(err, "too many"));
	}
	assert_int_equal(login(f, "wangfang", PW, "10.0.0.3", T0 + MIN,
	    token, err), LD_EAUTH);
	assert_non_null(strstr(err, "too many"));
	assert_int_equal(audited(f, "account-locked"), 1);
	assert_int_equal(login(f, "wangfang", PW, "10.0.0.3",
	    T0 + MIN + LOCK_WINDOW, token, err), 0);
}

/* An address that fails for many names is locked out of every one. */
static void
test_address_lockout(void **state)
{
	struct fix *f = *state;
	char token[SESSION_TOKEN_LEN], err[LD_ERRLEN], name[32];
	int i;

	for (i = 0; i < ADDRESS_FAILS; i++) {
		snprintf(name, sizeof name, "user%d", i);
		assert_int_equal(login(f, name, "a wrong password", "10.9.9.9",
		    T0 + i * 1000, token, err), LD_EAUTH);
	}
	assert_int_equal(login(f, "wangfang", PW, "10.9.9.9", T0 + MIN, token,
	    err), LD_EAUTH);
	assert_non_null(strstr(err, "too many"));
	/* Another address is not locked out. */
	assert_int_equal(login(f, "wangfang", PW, "10.0.0.4", T0 + MIN, token,
	    err), 0);
	assert_int_equal(audited(f, "address-locked"), 1);
}

static void
test_disabled(void **state)
{
	struct fix *f = *state;
	char token[SESSION_TOKEN_LEN], err[LD_ERRLEN];
	struct account a;

	assert_int_equal(login(f, "wangfang", PW, "10.0.0.1", T0, token, err),
	    0);
	assert_int_equal(f->s->ops->accounts->get(f->s, "wangfang", &a, err), 0);
	a.disabled = 1;
	assert_int_equal(f->s->ops->accounts->put(f->s, &a, err), 0);
	account_release(&a);
	/* Its open session no longer works, and it cannot log in. */
	assert_int_equal(account_session(f->s, token, T0 + MIN, &a, err),
	    LD_EAUTH);
	/* As a wrong password would: nobody learns the password was right. */
	assert_int_equal(login(f, "wangfang", PW, "10.0.0.1", T0 + MIN, token,
	    err), LD_EAUTH);
	assert_string_equal(err, "wrong name or password");
}

/* A login marks the account only if it is still the one checked: a
 * password changed or the account disabled meanwhile wins. */
static void
test_login_mark(void **state)
{
	struct fix *f = *state;
	const struct account_ops *o = f->s->ops->accounts;
	char err[LD_ERRLEN], old[ACCOUNT_HASH_LEN];
	struct account a;
	int ok;

	assert_int_equal(o->get(f->s, "wangfang", &a, err), 0);
	strcpy(old, a.hash);
	assert_int_equal(o->login_mark(f->s, "wangfang", old, T0, &ok, err), 0);
	assert_int_equal(ok, 1);
	assert_int_equal(account_hash("又一个足够长的口令2026", a.hash, err), 0);
	assert_int_equal(o->put(f->s, &a, err), 0);
	assert_int_equal(o->login_mark(f->s, "wangfang", old, T0, &ok, err), 0);
	assert_int_equal(ok, 0);
	a.disabled = 1;
	assert_int_equal(o->put(f->s, &a, err), 0);
	assert_int_equal(o->login_mark(f->s, "wangfang", a.hash, T0, &ok, err),
	    0);
	assert_int_equal(ok, 0);
	/* Adding a name taken is refused, never a replacement. */
	assert_int_equal(o->add(f->s, &a, err), LD_EEXIST);
	account_release(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash),
		cmocka_unit_test_setup_teardown(test_login_and_session, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_logout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_account_lockout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_account_lockout_spread, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lockout_name_with_at, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_address_lockout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_disabled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_mark, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, harness_sodium, NULL);
}
