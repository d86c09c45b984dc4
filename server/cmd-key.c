/*
 * cmd-key.c - liandong-server key rotate: a new identity key for the
 * complainants' identities sealed at rest (vault.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "log.h"
#include "store.h"
#include "util.h"
#include "vault.h"

/*
 * A new identity key, every identity re-sealed under it, the old key kept
 * as identity.key.<id> for older backups (the steps and what a crash
 * leaves: vault.h). The directory is this command's alone (CMD_ALONE).
 */
static int
key_rotate(struct cli *c)
{
	struct server_ctx *x = c->app;
	struct store *s = x->store;
	char *old = xstrdup(vault_current_id(x->vault)), *new = NULL;
	int64_t n = 0;
	int rc;

	if ((rc = vault_rotate_begin(x->vault, x->conf.dir, x->err)) != 0)
		goto out;
	new = xstrdup(vault_pending_id(x->vault));
	if ((rc = s->ops->begin(s, x->err)) == 0 &&
	    (rc = s->ops->reseal(s, new, &n, x->err)) == 0 &&
	    (rc = s->ops->meta_set(s, STORE_META_IDENTITY_KEY, new,
	    x->err)) != 0)
		s->ops->rollback(s);
	if (rc != 0) { /* nothing sealed under the new key was stored */
		char e[LD_ERRLEN];
		vault_rotate_abandon(x->vault, x->conf.dir, e);
		goto out;
	}
	/* A failed commit may be stored all the same (db.h): the new key
	 * stays, and the next command finishes or undoes the rotation by
	 * what the database holds (keys_ready). */
	if ((rc = s->ops->commit(s, x->err)) != 0) {
		char e[LD_ERRLEN];
		s->ops->rollback(s);
		ld_strlcpy(e, x->err, sizeof e);
		ld_fail(x->err, rc, _("%s; the next command finishes or undoes the rotation by what was stored"),
		    e);
		goto out;
	}
	/* Committed: from here a crash is finished by the next command. */
	if ((rc = vault_rotate_finish(x->vault, x->conf.dir, x->err)) != 0)
		goto out;
	log_line("info", "event=key-rotate result=ok old=%s new=%s identities=%lld",
	    old, new, (long long)n);
	if ((rc = s->ops->compact(s, x->err)) != 0)
		goto out;
	printf(ngettext("identity key rotated: %s -> %s, %lld identity re-sealed\n",
	    "identity key rotated: %s -> %s, %lld identities re-sealed\n",
	    (unsigned long)n), old, new, (long long)n);
	printf(_("the old key is kept as %s/%s.%s, for backups made before: store it with them, apart from the database\n"),
	    x->conf.dir, VAULT_KEY_FILE, old);
out:
	free(old);
	free(new);
	return rc != 0 ? server_fail(c, rc) : 0;
}

const struct cli_cmd cmd_key_rotate_entry = { "key", "rotate", NULL, 0, 0,
	NULL, CMD_STORE | CMD_ALONE, N_("make a new identity key and re-seal every complainant's identity under it (stop the server first)"),
	key_rotate };
