/*
 * journal.c - credentials and directory outside the database (rules in
 * journal.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "accounts.h"
#include "journal.h"
#include "log.h"
#include "textfile.h"
#include "util.h"

/*
 * Appends one line and makes it durable, inside s's write transaction
 * (rule 7). A database up to the file before it (meta "journal", rule 3)
 * is up to it after it too, its change being in the same transaction:
 * the new signature goes there, so that the next open need not read the
 * file again; a rollback takes it back with the change (and the next
 * open replays the line).
 */
static int
append(const char *path, struct store *s, json_t *o, char *err)
{
	char *line = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	char *seen = NULL, sig[TEXTFILE_SIG_LEN], e[LD_ERRLEN];
	size_t len = strlen(line);
	int fd, rc = 0, up_to_date;

	json_decref(o);
	if (path == NULL) { /* no journal: the store is PostgreSQL's */
		free(line);
		return 0;
	}
	textfile_signature(path, sig);
	up_to_date = sig[0] != '\0' &&
	    s->ops->meta_get(s, "journal", &seen, e) == 0 &&
	    strcmp(seen, sig) == 0;
	free(seen);
	line = xrealloc(line, len + 2);
	line[len++] = '\n';
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, line, len) != (ssize_t)len || fdatasync(fd) != 0)
		rc = ld_fail(err, LD_EFULL, _("cannot write the journal '%s': %s"),
		    path, strerror(errno));
	if (fd >= 0 && close(fd) != 0 && rc == 0)
		rc = ld_fail(err, LD_EFULL, _("cannot write the journal '%s': %s"),
		    path, strerror(errno));
	free(line);
	if (rc == 0 && up_to_date && textfile_signature(path, sig) == 0)
		rc = s->ops->meta_set(s, "journal", sig, err);
	return rc;
}

int
journal_station(const char *path, struct store *s,
    const struct station_rec *r, char *err)
{
	return append(path, s, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I,"
	    " s:s, s:I, s:s}", "op", "station", "name", r->name, "unit",
	    r->unit, "role", r->role, "added_at", (json_int_t)r->added_at,
	    "enrolled_at", (json_int_t)r->enrolled_at, "revoked_at",
	    (json_int_t)r->revoked_at, "code_hash", r->code_hash,
	    "code_expires", (json_int_t)r->code_expires, "token_hash",
	    r->token_hash), err);
}

int
journal_unit(const char *path, struct store *s, const char *name,
    const char *role, int64_t added_at, char *err)
{
	return append(path, s, json_pack("{s:s, s:s, s:s, s:I}", "op", "unit",
	    "name", name, "role", role != NULL ? role : "", "added_at",
	    (json_int_t)added_at), err);
}

int
journal_account(const char *path, struct store *s, const struct account *a,
    char *err)
{
	return append(path, s, json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:I,"
	    " s:I}", "op", "account", "name", a->name, "unit", a->unit,
	    "role", a->role, "hash", a->hash, "disabled", a->disabled,
	    "created_at", (json_int_t)a->created_at, "changed_at",
	    (json_int_t)a->changed_at), err);
}

int
journal_station_removed(const char *path, struct store *s,
    const char *name, char *err)
{
	return append(path, s, json_pack("{s:s, s:s}", "op", "station_removed",
	    "name", name), err);
}

int
journal_unit_removed(const char *path, struct store *s, const char *name,
    char *err)
{
	return append(path, s, json_pack("{s:s, s:s}", "op", "unit_removed",
	    "name", name), err);
}

/* Rule 4: the stations and declared units the database holds. */
static int
bootstrap(const char *path, struct store *s, char *err)
{
	struct station_rec *st = NULL;
	struct unit_rec *u = NULL;
	size_t ns = 0, nu = 0, i;
	int rc;

	if ((rc = s->ops->station_list(s, &st, &ns, err)) != 0 ||
	    (rc = s->ops->unit_list(s, &u, &nu, err)) != 0)
		goto out;
	for (i = 0; rc == 0 && i < ns; i++)
		rc = journal_station(path, s, &st[i], err);
	for (i = 0; rc == 0 && i < nu; i++)
		if (u[i].declared)
			rc = journal_unit(path, s, u[i].name, u[i].role,
			    u[i].added_at, err);
	if (rc == 0 && ns + nu == 0) /* an empty journal says it was made */
		rc = append(path, s, json_pack("{s:s}", "op", "start"), err);
out:
	station_recs_free(st, ns);
	unit_recs_free(u, nu);
	return rc;
}

/* Sets the station to the journal's state j. *changed += 1 if it did. */
static int
replay_station(struct store *s, const json_t *j, int64_t *changed,
    char *err)
{
	struct station_rec want, have;
	const char *name = json_string_value(json_object_get(j, "name"));
	int rc;

	memset(&want, 0, sizeof want);
	if (name == NULL || !station_id_valid(name))
		return 0;
	if (strcmp(json_string_value(json_object_get(j, "op")),
	    "station_removed") == 0) {
		rc = s->ops->station_remove(s, name, err);
		if (rc == 0)
			(*changed)++;
		/* Gone already, or it has events since: nothing to do. */
		return rc == LD_ENOTFOUND || rc == LD_EEXIST ? 0 : rc;
	}
	ld_strlcpy(want.name, name, sizeof want.name);
	want.unit = (char *)json_string_value(json_object_get(j, "unit"));
	want.role = (char *)json_string_value(json_object_get(j, "role"));
	want.added_at = json_integer_value(json_object_get(j, "added_at"));
	want.enrolled_at = json_integer_value(json_object_get(j, "enrolled_at"));
	want.revoked_at = json_integer_value(json_object_get(j, "revoked_at"));
	want.code_expires = json_integer_value(json_object_get(j,
	    "code_expires"));
	ld_strlcpy(want.code_hash, json_string_value(json_object_get(j,
	    "code_hash")) ?: "", sizeof want.code_hash);
	ld_strlcpy(want.token_hash, json_string_value(json_object_get(j,
	    "token_hash")) ?: "", sizeof want.token_hash);
	if (want.unit == NULL || want.role == NULL)
		return 0;
	rc = s->ops->station_get(s, name, &have, err);
	if (rc == LD_ENOTFOUND) {
		if ((rc = s->ops->station_add(s, &want, err)) != 0)
			return rc;
		rc = s->ops->station_get(s, name, &have, err);
		(*changed)++;
	}
	if (rc != 0)
		return rc;
	if (have.enrolled_at != want.enrolled_at ||
	    have.revoked_at != want.revoked_at ||
	    have.code_expires != want.code_expires ||
	    strcmp(have.code_hash, want.code_hash) != 0 ||
	    strcmp(have.token_hash, want.token_hash) != 0) {
		have.enrolled_at = want.enrolled_at;
		have.revoked_at = want.revoked_at;
		have.code_expires = want.code_expires;
		memcpy(have.code_hash, want.code_hash, sizeof have.code_hash);
		memcpy(have.token_hash, want.token_hash, sizeof have.token_hash);
		rc = s->ops->station_update(s, &have, err);
		(*changed)++;
	}
	station_rec_release(&have);
	return rc;
}

/* Rule 4 for accounts: those of the database, once, into a journal that
 * has none of them yet. */
static int
bootstrap_accounts(const char *path, struct store *s, char *err)
{
	const struct account_ops *o = s->ops->accounts;
	struct account *a = NULL;
	char *done = NULL;
	size_t n = 0, i;
	int rc;

	rc = s->ops->meta_get(s, "journal_accounts", &done, err);
	free(done);
	if (rc != LD_ENOTFOUND)
		return rc;
	if ((rc = o->list(s, &a, &n, err)) != 0)
		return rc;
	for (i = 0; rc == 0 && i < n; i++)
		rc = journal_account(path, s, &a[i], err);
	accounts_free(a, n);
	return rc != 0 ? rc : s->ops->meta_set(s, "journal_accounts", "1", err);
}

/* Sets the account to the journal's state j (its last login kept).
 * *changed += 1 if it did. */
static int
replay_account(struct store *s, const char *name, const json_t *j,
    int64_t *changed, char *err)
{
	const struct account_ops *o = s->ops->accounts;
	const char *unit = json_string_value(json_object_get(j, "unit"));
	const char *role = json_string_value(json_object_get(j, "role"));
	const char *hash = json_string_value(json_object_get(j, "hash"));
	struct account have;
	int rc, found;

	if (unit == NULL || role == NULL || hash == NULL ||
	    strlen(name) >= sizeof have.name ||
	    strlen(hash) >= sizeof have.hash)
		return 0;
	memset(&have, 0, sizeof have);
	rc = o->get(s, name, &have, err);
	if (rc != 0 && rc != LD_ENOTFOUND)
		return rc;
	found = rc == 0;
	if (found && strcmp(have.unit, unit) == 0 &&
	    strcmp(have.role, role) == 0 && strcmp(have.hash, hash) == 0 &&
	    have.disabled == json_is_true(json_object_get(j, "disabled")) &&
	    have.changed_at == json_integer_value(json_object_get(j,
	    "changed_at"))) {
		account_release(&have);
		return 0;
	}
	if (!found)
		ld_strlcpy(have.name, name, sizeof have.name);
	free(have.unit);
	free(have.role);
	have.unit = xstrdup(unit);
	have.role = xstrdup(role);
	ld_strlcpy(have.hash, hash, sizeof have.hash);
	have.disabled = json_is_true(json_object_get(j, "disabled"));
	have.created_at = json_integer_value(json_object_get(j, "created_at"));
	have.changed_at = json_integer_value(json_object_get(j, "changed_at"));
	rc = found ? o->put(s, &have, err) : o->add(s, &have, err);
	/* A password or state that changed since the backup ends the
	 * sessions the older database kept. */
	if (rc == 0 && found)
		rc = o->session_drop(s, NULL, name, err);
	if (rc == 0)
		(*changed)++;
	account_release(&have);
	return rc;
}

/* The last state of each unit: declared (role) or removed. */
static int
replay_units(struct store *s, const json_t *units, int64_t *changed,
    char *err)
{
	struct unit_rec *u = NULL;
	const char *name;
	json_t *j;
	size_t n = 0, i;
	int rc;

	if ((rc = s->ops->unit_list(s, &u, &n, err)) != 0)
		return rc;
	json_object_foreach((json_t *)units, name, j) {
		int declared = 0;

		for (i = 0; i < n; i++)
			if (strcmp(u[i].name, name) == 0)
				declared = u[i].declared;
		if (strcmp(json_string_value(json_object_get(j, "op")),
		    "unit") == 0 && !declared) {
			rc = s->ops->unit_add(s, name, json_string_value(
			    json_object_get(j, "role")), json_integer_value(
			    json_object_get(j, "added_at")), err);
			(*changed)++;
		} else if (strcmp(json_string_value(json_object_get(j, "op")),
		    "unit_removed") == 0 && declared) {
			rc = s->ops->unit_remove(s, name, err);
			(*changed)++;
		}
		if (rc != 0)
			break;
	}
	unit_recs_free(u, n);
	return rc;
}

/*
 * Rules 3 to 5, inside the caller's write transaction (rule 7): a line
 * read here belongs to a transaction that has ended.
 */
static int
replay_held(const char *path, struct store *s, int64_t *changed,
    char *err)
{
	json_t *stations = json_object(), *units = json_object(), *j;
	json_t *accounts = json_object();
	char *text = NULL, *seen = NULL, *line, *next, sig[TEXTFILE_SIG_LEN];
	const char *key;
	int rc;

	if (access(path, F_OK) != 0 && (rc = bootstrap(path, s, err)) != 0)
		goto out;
	if ((rc = bootstrap_accounts(path, s, err)) != 0)
		goto out;
	/* Another process may have brought the database up to the file
	 * while this one waited for the transaction. */
	textfile_signature(path, sig);
	if ((rc = s->ops->meta_get(s, "journal", &seen, err)) != 0 &&
	    rc != LD_ENOTFOUND)
		goto out;
	rc = 0;
	if (seen != NULL && strcmp(seen, sig) == 0)
		goto out;
	if ((rc = textfile_read(path, 64u << 20, &text, err)) != 0)
		goto out;
	/* The last line of each station and unit is its state. */
	for (line = text; line != NULL && *line != '\0'; line = next) {
		const char *op, *name;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (*line == '\0')
			continue;
		j = json_loads(line, 0, NULL);
		op = json_string_value(json_object_get(j, "op"));
		name = json_string_value(json_object_get(j, "name"));
		if (op == NULL || (name == NULL && strcmp(op, "start") != 0)) {
			log_line("warn", "event=journal result=bad-line path=%s", path);
			json_decref(j);
			continue;
		}
		if (strcmp(op, "station") == 0 ||
		    strcmp(op, "station_removed") == 0)
			json_object_set_new(stations, name, j);
		else if (strcmp(op, "unit") == 0 || strcmp(op, "unit_removed") == 0)
			json_object_set_new(units, name, j);
		else if (strcmp(op, "account") == 0)
			json_object_set_new(accounts, name, j);
		else
			json_decref(j);
	}
	json_object_foreach(stations, key, j)
		if ((rc = replay_station(s, j, changed, err)) != 0)
			break;
	if (rc == 0)
		rc = replay_units(s, units, changed, err);
	if (rc == 0)
		json_object_foreach(accounts, key, j)
			if ((rc = replay_account(s, key, j, changed, err)) != 0)
				break;
	if (rc == 0 && sig[0] != '\0')
		rc = s->ops->meta_set(s, "journal", sig, err);
out:
	free(seen);
	free(text);
	json_decref(stations);
	json_decref(units);
	json_decref(accounts);
	return rc;
}

/* Rule 3's shortcut, read without a transaction: 1 when the database was
 * brought up to this very file (and its accounts journaled, rule 4)
 * already. A line appended meanwhile only makes it 0, never 1 wrongly:
 * the signature read here is of the file before that line. */
static int
replayed_already(const char *path, struct store *s)
{
	char *seen = NULL, *done = NULL, sig[TEXTFILE_SIG_LEN], e[LD_ERRLEN];
	int yes;

	textfile_signature(path, sig);
	yes = sig[0] != '\0' &&
	    s->ops->meta_get(s, "journal_accounts", &done, e) == 0 &&
	    s->ops->meta_get(s, "journal", &seen, e) == 0 &&
	    strcmp(seen, sig) == 0;
	free(seen);
	free(done);
	return yes;
}

int
journal_replay(const char *path, struct store *s, int64_t *changed,
    char *err)
{
	int rc;

	*changed = 0;
	if (path == NULL) /* no journal: the store is PostgreSQL's */
		return 0;
	/* While the file keeps the signature the database holds, nothing is
	 * read or written, nor the write lock waited for. */
	if (replayed_already(path, s))
		return 0;
	if ((rc = s->ops->begin(s, err)) != 0)
		return rc;
	if ((rc = replay_held(path, s, changed, err)) == 0)
		return s->ops->commit(s, err);
	s->ops->rollback(s);
	*changed = 0;
	return rc;
}
