/*
 * db.c - SQLite helpers (see db.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "textfile.h"
#include "util.h"

int
db_fail(sqlite3 *db, int rc, const char *what, char *err)
{
	const char *msg = db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
	int code;

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		code = LD_ELOCKED;
		msg = _("database is locked by another process");
		break;
	case SQLITE_READONLY:
		code = LD_EREADONLY;
		break;
	case SQLITE_FULL:
		code = LD_EFULL;
		msg = _("disk is full");
		break;
	case SQLITE_IOERR:
		code = LD_EFULL;
		break;
	case SQLITE_CONSTRAINT:
		code = LD_EEXIST;
		break;
	default:
		code = LD_EDB;
		break;
	}
	return ld_fail(err, code, "%s: %s", what, msg);
}

int
db_exec(sqlite3 *db, const char *sql, char *err)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : db_fail(db, rc, _("database write failed"),
	    err);
}

int
db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, char *err)
{
	int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);

	return rc == SQLITE_OK ? 0 : db_fail(db, rc, _("database query failed"),
	    err);
}

int
db_prepare_kept(sqlite3 *db, const char *sql, sqlite3_stmt **st, char *err)
{
	int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
	    NULL);

	return rc == SQLITE_OK ? 0 : db_fail(db, rc, _("database query failed"),
	    err);
}

int
db_begin(sqlite3 *db, char *err)
{
	int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : db_fail(db, rc,
	    _("cannot start a transaction"), err);
}

int
db_commit(sqlite3 *db, char *err)
{
	char msg[LD_ERRLEN];
	int rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	int code;

	if (rc == SQLITE_OK)
		return 0;
	code = db_fail(db, rc, _("cannot commit"), msg);
	/* An I/O error (a failed fsync) can leave the commit's frames in the
	 * WAL, where a later recovery finds them whole: its fate is unknown. */
	if ((rc & 0xff) == SQLITE_IOERR)
		ld_fail(err, code, _("%s (the change may have been stored all the "
		    "same: check before making it again)"), msg);
	else
		ld_fail(err, code, "%s", msg);
	db_rollback(db);
	return code;
}

void
db_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

void
db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

void
db_bind_int(sqlite3_stmt *st, int i, long long v)
{
	sqlite3_bind_int64(st, i, v);
}

static int
user_version(sqlite3 *db, int *v, char *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(db, "PRAGMA user_version", &st, err)) != 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		rc = db_fail(db, rc, _("cannot read the schema version"), err);
		sqlite3_finalize(st);
		return rc;
	}
	*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

static int
migrate(sqlite3 *db, const char *const *migrations, char *err)
{
	int have = 0, want = 0, rc;
	char *sql;

	while (migrations[want] != NULL)
		want++;
	if ((rc = user_version(db, &have, err)) != 0)
		return rc;
	if (have > want)
		return ld_fail(err, LD_EDB,
		    _("database schema %d is newer than this program (%d): upgrade liandong"),
		    have, want);
	for (; have < want; have++) {
		if ((rc = db_begin(db, err)) != 0)
			return rc;
		sql = xasprintf("%s;\nPRAGMA user_version=%d;", migrations[have],
		    have + 1);
		rc = db_exec(db, sql, err);
		free(sql);
		if (rc == 0)
			rc = db_commit(db, err);
		if (rc != 0) {
			db_rollback(db);
			return rc;
		}
	}
	return 0;
}

int
db_open(const char *path, int flags, const char *const *migrations,
    sqlite3 **out, char *err)
{
	int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	const char *bt = getenv("LIANDONG_BUSY_TIMEOUT_MS");
	struct stat sb;
	long long ms;
	sqlite3 *db;
	int rc;

	*out = NULL;
	if (stat(path, &sb) == 0) {
		if ((flags & DB_EXCLUSIVE))
			return ld_fail(err, LD_EEXIST,
			    _("database '%s' already exists"), path);
		if (!S_ISREG(sb.st_mode))
			return ld_fail(err, LD_EDB,
			    _("database '%s' is not a regular file"), path);
		if (access(path, W_OK) != 0 && (errno == EROFS || errno == EACCES))
			return ld_fail(err, LD_EREADONLY,
			    _("database '%s' is read-only: %s"), path,
			    strerror(errno));
	} else if (errno == ENOENT) {
		if (!(flags & DB_CREATE))
			return ld_fail(err, LD_EDB,
			    _("no database at '%s' (run 'liandong init' first)"),
			    path);
		oflags |= SQLITE_OPEN_CREATE;
	} else
		return ld_fail(err, LD_EDB, _("cannot open database '%s': %s"),
		    path, strerror(errno));

	rc = sqlite3_open_v2(path, &db, oflags, NULL);
	if (rc != SQLITE_OK) {
		char what[LD_ERRLEN];
		snprintf(what, sizeof what, _("cannot open database '%s'"), path);
		rc = db_fail(db, rc, what, err);
		sqlite3_close(db);
		return rc;
	}
	sqlite3_extended_result_codes(db, 0);
	/* LIANDONG_BUSY_TIMEOUT_MS (tests): a bad one is the default. */
	if (bt == NULL || ld_number(bt, 0, 3600000, &ms, NULL) != 0)
		ms = 5000;
	sqlite3_busy_timeout(db, (int)ms);
	if ((rc = db_exec(db, "PRAGMA journal_mode=WAL", err)) != 0 ||
	    (rc = db_exec(db, "PRAGMA synchronous=FULL", err)) != 0 ||
	    (rc = db_exec(db, "PRAGMA foreign_keys=ON", err)) != 0 ||
	    (rc = migrate(db, migrations, err)) != 0) {
		sqlite3_close(db);
		return rc;
	}
	*out = db;
	return 0;
}

void
db_close(sqlite3 *db)
{
	sqlite3_close(db);
}

int
db_backup(sqlite3 *db, const char *path, char *err)
{
	sqlite3_backup *b;
	sqlite3 *dst = NULL;
	int fd, rc, tries = 0;
	char *side;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? ld_fail(err, LD_EEXIST,
		    _("'%s' already exists: a backup never overwrites a file"),
		    path) : ld_fail(err, LD_EFULL, _("cannot create '%s': %s"),
		    path, strerror(errno));
	close(fd);
	rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(dst, "PRAGMA synchronous=FULL", NULL, NULL,
		    NULL);
	if (rc != SQLITE_OK) {
		rc = db_fail(dst, rc, _("cannot open the backup"), err);
		goto fail;
	}
	if ((b = sqlite3_backup_init(dst, "main", db, "main")) == NULL) {
		rc = db_fail(dst, sqlite3_errcode(dst),
		    _("cannot back up the database"), err);
		goto fail;
	}
	/* All pages in one step: one consistent moment of the source. */
	while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY ||
	    rc == SQLITE_LOCKED) {
		if (++tries == 100)
			break;
		sqlite3_sleep(50);
	}
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		rc = db_fail(dst, rc, _("cannot back up the database"), err);
		goto fail;
	}
	if (sqlite3_close(dst) != SQLITE_OK || textfile_sync_parent(path) != 0) {
		dst = NULL;
		rc = ld_fail(err, LD_EFULL, _("cannot sync the backup '%s'"), path);
		goto fail;
	}
	return 0;
fail:
	sqlite3_close(dst);
	unlink(path);
	side = xasprintf("%s-journal", path);
	unlink(side);
	free(side);
	return rc;
}

int
db_compact(sqlite3 *db, char *err)
{
	int rc;

	if ((rc = db_exec(db, "VACUUM", err)) != 0)
		return rc;
	rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
	    NULL, NULL);
	return rc == SQLITE_OK ? 0 : db_fail(db, rc,
	    _("cannot empty the write-ahead log"), err);
}
