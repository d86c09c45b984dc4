/*
 * cmd-move.c - moving a station to another computer: export, import.
 *
 * export FILE writes a consistent copy of the station's database (every
 * event, unsynced ones included, its cursors, profile and directory) to
 * FILE, mode 0600, and its token to FILE.token, then marks the database
 * here moved: it refuses to record or sync from then on (ledger.h), so
 * one station's chain is never written on two computers. import FILE
 * puts the copy where this computer keeps the station's database and
 * checks it; the station records and syncs on there, from where it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "out.h"
#include "textfile.h"

/* Copies the file src to a new file dst, mode 0600, made durable: its
 * content and its name. */
static int
copy_new(const char *src, const char *dst, char *err)
{
	char buf[65536];
	ssize_t n = 0;
	int in, out, rc = 0;

	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0)
		return ld_fail(err, LD_ENOTFOUND, _("cannot read '%s': %s"), src,
		    strerror(errno));
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		rc = errno == EEXIST ? ld_fail(err, LD_EEXIST,
		    _("'%s' already exists: nothing was overwritten"), dst) :
		    ld_fail(err, LD_EFULL, _("cannot create '%s': %s"), dst,
		    strerror(errno));
		close(in);
		return rc;
	}
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	if (n < 0 || fsync(out) != 0)
		rc = ld_fail(err, LD_EFULL, _("cannot write '%s': %s"), dst,
		    strerror(errno));
	close(in);
	if (close(out) != 0 && rc == 0)
		rc = ld_fail(err, LD_EFULL, _("cannot write '%s': %s"), dst,
		    strerror(errno));
	if (rc == 0 && textfile_sync_parent(dst) != 0)
		rc = ld_fail(err, LD_EFULL, _("cannot write '%s': %s"), dst,
		    strerror(errno));
	if (rc != 0)
		unlink(dst);
	return rc;
}

/* 1 when a and b both hold the same text (a token, at most 4 KiB). */
static int
same_file_text(const char *a, const char *b)
{
	char *ta = NULL, *tb = NULL;
	int same = textfile_read(a, 4096, &ta, NULL) == 0 &&
	    textfile_read(b, 4096, &tb, NULL) == 0 && strcmp(ta, tb) == 0;

	free(ta);
	free(tb);
	return same;
}

static int
cmd_export(struct cmd_ctx *ctx)
{
	const char *file = ctx->cli.argv[0];
	char *tok = xasprintf("%s.token", ctx->db_path);
	char *ftok = xasprintf("%s.token", file);
	int64_t head = 0;
	int rc;

	if ((rc = ledger_check_not_moved(ctx->lg, ctx->err)) != 0)
		goto out;
	if ((rc = ledger_backup(ctx->lg, file, ctx->err)) != 0)
		goto out;
	if (access(tok, F_OK) == 0 && (rc = copy_new(tok, ftok, ctx->err)) != 0) {
		unlink(file);
		goto out;
	}
	/* Only once the copy is whole: the database here stops writing. */
	if ((rc = ledger_mark_moved(ctx->lg, ctx->err)) != 0) {
		unlink(file);
		unlink(ftok);
		goto out;
	}
	ledger_own_head(ctx->lg, &head, NULL);
	printf(ngettext("station '%s' exported to %s (%lld event, %lld not yet at the server)%s; this computer no longer records or syncs for it: on the new one, 'liandong import %s'\n",
	    "station '%s' exported to %s (%lld events, %lld not yet at the server)%s; this computer no longer records or syncs for it: on the new one, 'liandong import %s'\n",
	    (unsigned long)head), ledger_station(ctx->lg), file, (long long)head,
	    (long long)(head - ledger_meta_int(ctx->lg, "acked", 0)),
	    access(tok, F_OK) == 0 ? _(", with its token") : "", file);
out:
	free(tok);
	free(ftok);
	return rc == 0 ? 0 : rc == LD_EEXIST ? cmd_error(ctx, EXIT_INVALID, "%s",
	    ctx->err) : cmd_fail(ctx, rc);
}

static int
cmd_import(struct cmd_ctx *ctx)
{
	const char *file = ctx->cli.argv[0];
	char *ftok = xasprintf("%s.token", file);
	char *tok = xasprintf("%s.token", ctx->db_path);
	struct verify_report vr;
	struct ledger *lg = NULL;
	int rc;

	cmd_make_parent(ctx->db_path);
	/* The token first, the database last: the database is what says the
	 * station is here. An import cut short between the two (power, a
	 * kill) left the same token alone, and is taken up again. */
	if (access(ctx->db_path, F_OK) == 0) {
		rc = ld_fail(ctx->err, LD_EEXIST,
		    _("'%s' already exists: nothing was overwritten"),
		    ctx->db_path);
		goto out;
	}
	if (access(ftok, F_OK) == 0 && !same_file_text(ftok, tok) &&
	    (rc = copy_new(ftok, tok, ctx->err)) != 0)
		goto out;
	if ((rc = copy_new(file, ctx->db_path, ctx->err)) != 0) {
		unlink(tok);
		goto out;
	}
	if ((rc = ledger_open(ctx->db_path, &lg, ctx->err)) == 0 &&
	    (rc = ledger_check_not_moved(lg, ctx->err)) == 0)
		rc = ledger_verify(lg, &vr, ctx->err);
	if (rc != 0) {
		if (rc == LD_EINTEGRITY)
			ld_fail(ctx->err, LD_EINTEGRITY, _("'%s' does not verify: %s"),
			    file, vr.first);
		ledger_free(lg);
		lg = NULL;
		unlink(ctx->db_path);
		unlink(tok);
		goto out;
	}
	printf(ngettext("station '%s' of %s imported into %s (%lld event); it records and syncs here now\n",
	    "station '%s' of %s imported into %s (%lld events); it records and syncs here now\n",
	    (unsigned long)vr.events), ledger_station(lg), ledger_unit(lg),
	    ctx->db_path,
	    (long long)vr.events);
out:
	ledger_free(lg);
	free(tok);
	free(ftok);
	return rc == 0 ? 0 : rc == LD_EEXIST ? cmd_error(ctx, EXIT_INVALID, "%s",
	    ctx->err) : cmd_fail(ctx, rc);
}

const struct cmd_entry cmd_export_entry = {
	{ "export", NULL, "<file>", 1, 1, NULL, CMD_DB,
	    N_("move this station to another computer: a copy of everything, unsynced records included; this computer stops writing for it"),
	    NULL },
	cmd_export,
};

const struct cmd_entry cmd_import_entry = {
	{ "import", NULL, "<file>", 1, 1, NULL, 0,
	    N_("take over a station exported from another computer"),
	    NULL },
	cmd_import,
};
