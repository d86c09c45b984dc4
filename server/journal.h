/*
 * journal.h - the server's journal of credentials and of its unit
 * directory, kept outside the database (journal.log in the server
 * directory, mode 0600), so that restoring an older database loses none
 * of them: a station revoked after the backup stays revoked, one enrolled
 * or added after it keeps working, a unit declared after it stays in the
 * directory, an account added, disabled or given a new password after
 * it keeps that state (docs/operations.md, "Restoring").
 *
 * Rules:
 *  1. Every change of a station's credentials (added, enrolled, revoked),
 *     of the declared units and of the dashboard's accounts is appended
 *     and made durable (fdatasync) before the database is changed: the
 *     journal is never older than the database.
 *  2. One JSON object a line: {"op":"station", the station's name, unit,
 *     role and credential fields}, {"op":"station_removed", name},
 *     {"op":"unit", name, role, added_at}, {"op":"unit_removed", name} or
 *     {"op":"account", name, unit, role, hash (Argon2id), disabled,
 *     created_at, changed_at}. The last line of a station, unit or
 *     account is its state. (Sessions, lock-outs and the audit log are
 *     the database's: a restore ends the sessions.)
 *  3. journal_replay brings the database up to the journal, in one
 *     transaction, every time the server directory is opened: it adds the
 *     stations and units the database lacks and sets each station's
 *     credentials to the journal's, and each account to its last line.
 *     Events, cursors and heads are the
 *     database's alone. The database keeps the signature of the journal
 *     it was last brought up to (meta "journal": device, inode, size,
 *     mtime): while the file keeps it, the open reads and writes nothing.
 *     An append in the transaction of a database so up to the file moves
 *     the signature on in that transaction (rule 7).
 *  4. A journal that does not exist yet (a directory made before it) is
 *     made from the database first; the accounts of a database whose
 *     journal has none yet (made before accounts were journaled: meta
 *     "journal_accounts" unset) are appended to it once.
 *  5. A line that does not parse (a torn last write) is skipped, and
 *     said so in the log.
 *  6. A server on PostgreSQL keeps no journal (server_journal_path gives
 *     NULL, and every function here takes a NULL path as "no journal":
 *     appends nothing, replays nothing). Several instances, each with a
 *     directory of its own, share that database: each directory's
 *     journal would hold only its own instance's changes, and replaying
 *     one would undo what another did since (a revocation made through
 *     another instance). The database is the one truth there, and a
 *     restore is PostgreSQL's own (docs/operations.md, "PostgreSQL").
 *     Commands at once meet there in the database's own constraints.
 *  7. The database's write lock is the journal's too: every line is
 *     appended inside a write transaction (store.h begin: BEGIN IMMEDIATE
 *     on SQLite), which commits or rolls back right after, and
 *     journal_replay reads the file inside one of its own. So the lines
 *     are in the order of the commits, and a line replay reads belongs to
 *     a transaction that has ended, never to another process's between
 *     its append and its commit (commands run at once replayed each
 *     other's lines so: a station added that way made the add that had
 *     journaled it fail as a duplicate, its code never printed). What a
 *     change needs (a name free, a station without events) is checked
 *     in that transaction before the append, so that a refused change
 *     leaves no line behind. Waiting for the lock is bounded by the
 *     database's busy timeout (db.h: 5 s), then fails saying the
 *     database is locked; a command holds it for its one change, the
 *     server for one request's transaction.
 */
#ifndef LD_JOURNAL_H
#define LD_JOURNAL_H

#include <stdint.h>

#include "store.h"

#define JOURNAL_FILE "journal.log"

/* Appends the credential state of r, inside s's write transaction (rule
 * 7; a database up to the file before stays marked so: rule 3). Returns
 * 0, LD_EFULL with err, or the store's error. The other appends alike. */
int journal_station(const char *path, struct store *s,
    const struct station_rec *r, char *err);

/* Appends a declared unit (role "" for none), or its removal. */
int journal_unit(const char *path, struct store *s, const char *name,
    const char *role, int64_t added_at, char *err);
int journal_unit_removed(const char *path, struct store *s,
    const char *name, char *err);

struct account;

/* Appends an account's state (accounts.h). */
int journal_account(const char *path, struct store *s,
    const struct account *a, char *err);

/* Appends a station's removal (one without events). */
int journal_station_removed(const char *path, struct store *s,
    const char *name, char *err);

/* Rules 3 and 4, in a transaction of its own (rule 7): the caller has
 * none open. *changed: how many stations and units it changed. */
int journal_replay(const char *path, struct store *s, int64_t *changed,
    char *err);

#endif
