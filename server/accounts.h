/*
 * accounts.h - the named people who use the county's dashboard (issue
 * 17): their accounts, logins, sessions, lock-outs and the audit log.
 *
 * An account has a name, a role (roles.h: government for the county's
 * leadership, bureau, legal, department...) and a unit; what it may see
 * follows from them (a department its own unit's figures, a county-wide
 * role the county's). Passwords are kept only as Argon2id hashes
 * (libsodium's crypto_pwhash_str); a session is a random token the
 * browser holds, kept here only as its SHA-256.
 *
 * Lock-out: ACCOUNT_FAILS failed logins of one account from one address
 * within LOCK_WINDOW lock the account from that address for LOCK_WINDOW
 * from the last one, whatever the password then; a stranger who guesses
 * thus locks out himself, not the account's owner at her own desk.
 * ACCOUNT_FAILS_ALL failures of the account from any addresses lock it
 * from every address (guesses spread over many); ADDRESS_FAILS from one
 * address lock that address out of every account. An attempt is counted
 * against its account and address before its password is checked, so
 * parallel guesses get no more than the limit; a success clears that
 * count (the account's from every address runs out with its window). A disabled account
 * answers as a wrong password does. Every login, failed or not, every
 * lock-out and every change of an account goes to the audit log, with
 * the account, the address and the time, never a password.
 *
 * All the state is in the store (store.h, accounts), so that several
 * server processes share it.
 */
#ifndef LD_ACCOUNTS_H
#define LD_ACCOUNTS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct store;

#define ACCOUNT_FAILS 5
#define ACCOUNT_FAILS_ALL 30
#define ADDRESS_FAILS 20
#define LOCK_WINDOW (15 * 60 * INT64_C(1000))  /* ms */
#define SESSION_LIFE (8 * 3600 * INT64_C(1000)) /* ms */
#define PASSWORD_MIN 10                          /* characters */
#define ACCOUNT_HASHES_AT_ONCE 2                 /* password checks */
#define ACCOUNT_NAME_MAX 32                      /* characters */
#define SESSION_TOKEN_LEN 65                     /* hex, with its NUL */
#define ACCOUNT_HASH_LEN 128                     /* crypto_pwhash_STRBYTES */

struct account {
	char name[4 * ACCOUNT_NAME_MAX + 1];
	char *unit;            /* owned */
	char *role;            /* owned */
	char hash[ACCOUNT_HASH_LEN];
	int disabled;
	int64_t created_at;
	int64_t changed_at;    /* password or state */
	int64_t last_login;    /* 0: never */
};

void account_release(struct account *a);
void accounts_free(struct account *a, size_t n);

/* The store's side (one per backend; store.h, ops->accounts). Each
 * returns 0 or an LD_E* code with err set; get: LD_ENOTFOUND. */
struct account_ops {
	/* Adds a new account: LD_EEXIST when the name is taken. */
	int (*add)(struct store *s, const struct account *a, char *err);
	/* Replaces the account of that name. */
	int (*put)(struct store *s, const struct account *a, char *err);
	/* Sets last_login to at if the account name still has hash and is
	 * not disabled: *ok 1, else 0 (changed meanwhile). */
	int (*login_mark)(struct store *s, const char *name, const char *hash,
	    int64_t at, int *ok, char *err);
	int (*get)(struct store *s, const char *name, struct account *out,
	    char *err);
	/* Every account, by name; free with accounts_free. */
	int (*list)(struct store *s, struct account **out, size_t *n,
	    char *err);
	int (*session_put)(struct store *s, const char *token_hash,
	    const char *name, const char *address, int64_t created,
	    int64_t expires, char *err);
	/* The account a session is of, and when it expires: *name NULL
	 * (and 0 returned) when there is no such session. */
	int (*session_get)(struct store *s, const char *token_hash,
	    char **name, int64_t *expires, char *err);
	/* Drops one session (token_hash), or every session of name. */
	int (*session_drop)(struct store *s, const char *token_hash,
	    const char *name, char *err);
	/* Notes a failed login under key ("pair:NAME@IP", "account:NAME",
	 * "address:IP") at at, and counts those since since (*n, this one
	 * included). */
	int (*failure_note)(struct store *s, const char *key, int64_t at,
	    int64_t since, int64_t *n, char *err);
	/* The failures under key since since (*n) and the last one's time
	 * (*last, 0 when none). */
	int (*failure_count)(struct store *s, const char *key, int64_t since,
	    int64_t *n, int64_t *last, char *err);
	int (*failure_clear)(struct store *s, const char *key, char *err);
	int (*audit_add)(struct store *s, int64_t at, const char *name,
	    const char *address, const char *event, const char *detail,
	    char *err);
	/* The audit log since since, oldest first, as {at, account, address,
	 * event, detail} objects to fn; stops when fn returns non-zero. */
	int (*audit_each)(struct store *s, int64_t since,
	    int (*fn)(const json_t *entry, void *arg), void *arg, char *err);
};

/* 1 if name has an account name's shape: one word of at most
 * ACCOUNT_NAME_MAX characters, no control character. */
int account_name_valid(const char *name);

/* A password's hash (Argon2id), in hash. 0, or LD_EINVAL for a password
 * too short (err says so), or LD_EINTERNAL. */
int account_hash(const char *password, char hash[ACCOUNT_HASH_LEN],
    char *err);

/*
 * A login of name with password from address at now: on success a new
 * session's token (the browser's secret) in token, the account in *out
 * if not NULL, and 0. Otherwise LD_EAUTH with err saying only "wrong
 * name or password" or that it is locked (never which of name or
 * password was wrong, nor that the account is disabled), after noting
 * the failure and auditing it. Every attempt is audited. lock (may be
 * NULL) is the store's: held for each step on the store, never while the
 * password is checked (Argon2id, the slow part; at most
 * ACCOUNT_HASHES_AT_ONCE at a time).
 */
int account_login(struct store *s, pthread_mutex_t *lock, const char *name,
    const char *password, const char *address, int64_t now,
    char token[SESSION_TOKEN_LEN], struct account *out, char *err);

/* The account a session token is of, at now: 0 with *out filled, or
 * LD_EAUTH (no such session, expired, or its account disabled). */
int account_session(struct store *s, const char *token, int64_t now,
    struct account *out, char *err);

/* Ends a session (a logout); audited. */
int account_logout(struct store *s, const char *token, const char *address,
    int64_t now, char *err);

#endif
