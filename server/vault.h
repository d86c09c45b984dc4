/*
 * vault.h - the county server's protection at rest of what must never lie
 * on its disk in plain text (the complainant's identity, DESIGN.md 3):
 * authenticated encryption with libsodium, and the key files. vault.c is
 * the server's one file that calls libsodium's encryption.
 *
 * Keys: 32 random bytes for XChaCha20-Poly1305 (IETF). A key's id is 12
 * hex digits of a keyed BLAKE2b hash of a fixed label under the key: it
 * names the key without telling anything about it.
 *
 * Sealed text, stored in place of the plain text:
 *
 *     ldv1:<key id>:<base64url of nonce (24 bytes) | ciphertext | tag>
 *
 * The associated data is "ldv1 <station>/<seq>": a sealed text opens only
 * in the row of the event it was made for. Canonical JSON begins with
 * '{', so sealed and plain texts cannot be confused.
 *
 * Key files, in the server directory, one line of base64 each, mode 0600
 * (a file that group or others may read is refused, as the agent refuses
 * its token file):
 *
 *     identity.key            the current key: seals every new row
 *     identity.key.<key id>   a retired key: opens rows sealed before a
 *                             rotation (an older backup of the database)
 *     identity.key.new        a rotation's new key until the rotation is
 *                             finished (it opens, and seals only when named)
 *
 * Rotation (liandong-server key rotate; docs/operations.md), so that a
 * crash at any point loses nothing:
 *   1. vault_rotate_begin writes identity.key.new (fsync'd);
 *   2. the store re-seals every row under it and records its id as the
 *      database's key, in one transaction;
 *   3. vault_rotate_finish keeps the old key as identity.key.<old id> and
 *      renames identity.key.new over identity.key.
 * On the next start, a leftover identity.key.new is finished when the
 * database names it (step 2 committed) and removed when it does not (no
 * row can be sealed under it): vault_recover.
 *
 * The directory lock (vault_lock) keeps a rotation apart from every other
 * command on the same directory, and a running server apart from it.
 */
#ifndef LD_VAULT_H
#define LD_VAULT_H

#include <stddef.h>
#include <stdint.h>

#define VAULT_ID_LEN 13 /* 12 hex digits and a NUL */
#define VAULT_KEY_FILE "identity.key"

struct vault;

/*
 * A new, empty key ring: nothing seals and nothing opens until a key is
 * loaded or made. The keys are held in memory that is locked (not
 * swapped) where the system allows it, and wiped by vault_free. Aborts
 * when out of memory.
 */
struct vault *vault_new(void);
void vault_free(struct vault *v);

/*
 * Reads dir's key files (above) into v, replacing what it held: the
 * current key if identity.key exists (else vault_current_id is NULL),
 * every retired key and a pending identity.key.new. Returns 0, or
 * LD_ECONFIG with err naming the file: readable by group or others, not
 * a regular file, unreadable, not one base64 key, or a retired key whose
 * file name is not its id.
 */
int vault_load(struct vault *v, const char *dir, char *err);

/*
 * Makes a random key the current one, in memory only (no file): for
 * tests and fuzzing. Returns 0.
 */
int vault_generate(struct vault *v);

/*
 * Makes a random key and writes it as dir/identity.key (mode 0600,
 * fsync'd, the directory too) without replacing one that is there: if
 * another process made it first, that one is loaded instead. v must have
 * no current key. Returns 0, LD_EFULL (cannot write) or LD_ECONFIG (the
 * one found is refused, as by vault_load); err says which.
 */
int vault_create(struct vault *v, const char *dir, char *err);

/* The id of the current key (seals new rows), of the pending key of a
 * rotation, or NULL when there is none. Borrowed from v. */
const char *vault_current_id(const struct vault *v);
const char *vault_pending_id(const struct vault *v);

/*
 * Rotation, step 1: makes a new key, different from every key held,
 * writes it as dir/identity.key.new (0600, fsync'd) and holds it as
 * pending. v must have a current key and no pending one. Returns 0 or
 * LD_EFULL.
 */
int vault_rotate_begin(struct vault *v, const char *dir, char *err);

/*
 * Rotation, step 3 (after the database names the pending key): links
 * identity.key to identity.key.<its id> (kept for backups made before),
 * renames identity.key.new over identity.key and fsyncs dir. In v the
 * pending key becomes current and the old current one retired. Safe to
 * call again after a crash inside it. Returns 0 or LD_EFULL.
 */
int vault_rotate_finish(struct vault *v, const char *dir, char *err);

/*
 * Undoes step 1 of a rotation that the database never named: removes
 * dir/identity.key.new and forgets the pending key. Returns 0 or
 * LD_EFULL.
 */
int vault_rotate_abandon(struct vault *v, const char *dir, char *err);

/*
 * Ends an interrupted rotation, given the id of the key the database
 * names (NULL: none): finishes it when that is the pending key, abandons
 * it otherwise, and removes temporary files a crash left. Only while
 * holding the directory's lock exclusively. *what is set to "finished",
 * "abandoned" or NULL (nothing pending). Returns 0 or LD_EFULL.
 */
int vault_recover(struct vault *v, const char *dir, const char *db_key,
    const char **what, char *err);

/*
 * Takes dir's lock, which the process holds until it ends or calls
 * vault_unlock. exclusive = 0: shared, waiting for an exclusive holder
 * (a rotation) to finish; exclusive = 1: at once or LD_ELOCKED (another
 * command or a running server holds it). Returns 0 with *fd the lock,
 * LD_ELOCKED or LD_ECONFIG (cannot open dir).
 */
int vault_lock(const char *dir, int exclusive, int *fd, char *err);
/* Makes an exclusive lock shared. */
void vault_lock_downgrade(int fd);
void vault_unlock(int fd);

/* 1 if text (len bytes) is in the sealed form, else 0. */
int vault_is_sealed(const char *text, size_t len);

/*
 * Seals len bytes of plain for the event (station, seq) under the key
 * keyid (the current key when NULL). Returns 0 with *out a new
 * NUL-terminated sealed text, LD_ECONFIG when there is no such key
 * (err says so).
 */
int vault_seal(const struct vault *v, const char *keyid, const char *station,
    int64_t seq, const char *plain, size_t len, char **out, char *err);

/*
 * Opens a sealed text (len bytes) of the event (station, seq) under
 * whichever key it names. Returns 0 with *plain a new NUL-terminated
 * text of *plain_len bytes (free it with vault_plain_free), LD_ECONFIG
 * when its key is not held (err names the key file to restore), or
 * LD_EINTEGRITY when it is malformed, altered or belongs to another row.
 */
int vault_open(const struct vault *v, const char *station, int64_t seq,
    const char *text, size_t len, char **plain, size_t *plain_len,
    char *err);

/* Wipes and frees what vault_open returned (NULL is fine). */
void vault_plain_free(char *plain, size_t len);

#endif
