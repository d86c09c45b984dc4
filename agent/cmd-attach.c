/*
 * cmd-attach.c - files attached to records (issue 18, on the station):
 * attach, attachment list, attachment get.
 *
 * `attach RECORD FILE...` records, per file, an event "<type>.attached"
 * of the record (kinds.h: hash, size, type, name, caption, confidential)
 * and stores the file's bytes as a blob (blob.h), all files and all
 * events in one transaction: a crash leaves all or nothing. Before
 * anything is written each file is checked: a regular file, not empty,
 * at most [attachments] max_size of agent.conf, and of the type its name
 * claims (sniff.h); and the station's unit must be entitled to act on
 * the record as the server will judge it (the kind's authority, from the
 * parts the record's events give: kind_grants), so that the officer
 * hears "no" at once rather than a quarantine after the next sync.
 *
 * A confidential attachment follows the complainant-identity rule
 * (form_attachments_redact): only a unit that handles the record, and
 * only when asked (--confidential here, --show-identity in a complaint's
 * show), sees its name and caption or gets its bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob.h"
#include "cjson.h"
#include "cmd.h"
#include "event.h"
#include "fold.h"
#include "form.h"
#include "hash.h"
#include "kinds.h"
#include "ltime.h"
#include "out.h"
#include "photo.h"
#include "rules.h"
#include "sniff.h"
#include "text.h"

#define MAX_SIZE_DEFAULT ((int64_t)20 << 20) /* 20 MB */
#define MAX_FILES 32 /* files one command attaches */

/* [attachments] max_size: bytes, or a number with K, M or G (KB, MB,
 * GB: powers of 1024); at most ATTACH_SIZE_MAX (cmd.h). */
int
attach_max_size(struct cmd_ctx *ctx, int64_t *out)
{
	const char *v = ctx->cfg.max_size;
	char num[32];
	size_t n;
	long long x, unit = 1;

	*out = MAX_SIZE_DEFAULT;
	if (v == NULL)
		return 0;
	n = strspn(v, "0123456789");
	if (n == 0 || n >= sizeof num)
		goto bad;
	memcpy(num, v, n);
	num[n] = '\0';
	if (strcmp(v + n, "") == 0 || strcmp(v + n, "B") == 0)
		unit = 1;
	else if (strcmp(v + n, "K") == 0 || strcmp(v + n, "KB") == 0)
		unit = 1 << 10;
	else if (strcmp(v + n, "M") == 0 || strcmp(v + n, "MB") == 0)
		unit = 1 << 20;
	else if (strcmp(v + n, "G") == 0 || strcmp(v + n, "GB") == 0)
		unit = 1 << 30;
	else
		goto bad;
	if (ld_number(num, 1, (long long)(ATTACH_SIZE_MAX / (size_t)unit), &x,
	    NULL) != 0)
		goto bad;
	*out = (int64_t)(x * unit);
	return 0;
bad:
	return cmd_error(ctx, EXIT_CONFIG,
	    _("[attachments] max_size '%s' in %s: a size in bytes, or with K, M or G, at most 1G"),
	    v, ctx->cfg.path != NULL ? ctx->cfg.path : "agent.conf");
}

/* 0 if this unit may write kind k on entity as the server will judge it
 * (docs/protocol.md, "Authority"), else EXIT_FORBIDDEN with the reason. */
static int
entitled(struct cmd_ctx *ctx, const struct kind_info *k, const char *entity)
{
	const char *unit = ledger_unit(ctx->lg);
	struct event *evs;
	size_t n, i;
	int rc, parts = 0;

	/* The parts this unit holds on entity, from its events as held
	 * here. */
	if ((rc = ledger_events_of(ctx->lg, entity, &evs, &n, ctx->err)) != 0)
		return cmd_fail(ctx, rc);
	for (i = 0; i < n; i++)
		parts |= kind_parts_for(&evs[i], unit);
	events_free(evs, n);
	if ((parts & k->auth.writers) != 0)
		return 0;
	return cmd_error(ctx, EXIT_FORBIDDEN,
	    _("unit %s may not attach files to %s: only the units that act on it may (docs/protocol.md, \"Authority\")"),
	    unit, entity);
}

/* One file to attach, checked. */
struct attaching {
	const char *path;
	const char *name; /* its base name, in path */
	int fd;
	int64_t size;
	const char *type;
	char hash[HASH_HEX]; /* what is attached: the reduced photo's, if any */
	int added;        /* its blob is new */
	/* A photo reduced (photo.h): the JPEG that travels (owned, freed
	 * with photo_free), its name (owned: a PNG's gets ".jpg"), and the
	 * file as given, kept on this station only. */
	void *reduced;
	size_t rlen;
	char *rname;
	char original[HASH_HEX];
	int64_t osize;
	int oadded;
};

/* Reads the whole of a->fd (a->size bytes) into *buf (new). */
static int
read_all(struct cmd_ctx *ctx, struct attaching *a, unsigned char **buf)
{
	size_t got = 0;
	ssize_t n = -1;

	*buf = xmalloc((size_t)a->size);
	if (lseek(a->fd, 0, SEEK_SET) < 0)
		goto fail;
	while (got < (size_t)a->size) {
		n = read(a->fd, *buf + got, (size_t)a->size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		got += (size_t)n;
	}
	return 0;
fail:
	free(*buf);
	*buf = NULL;
	return cmd_error(ctx, EXIT_INVALID, _("cannot read '%s': %s"), a->path,
	    n == 0 ? _("it changed while it was read") : strerror(errno));
}

/* A JPEG or PNG photo, where the profile has [photos] and the officer
 * did not ask for the file as it is: reduced (photo.h), the reduced JPEG
 * to be attached and the file as given kept here as the original. A
 * photo libvips cannot decode as its type is refused. */
static int
reduce(struct cmd_ctx *ctx, struct attaching *a, const struct profile *p)
{
	unsigned char *buf;
	const char *dot;
	int rc;

	if (p == NULL || p->photo_max_side <= 0 ||
	    (strcmp(a->type, "image/jpeg") != 0 &&
	    strcmp(a->type, "image/png") != 0))
		return 0;
	if ((rc = read_all(ctx, a, &buf)) != 0)
		return rc;
	rc = photo_reduce(buf, (size_t)a->size, a->type, p, &a->reduced,
	    &a->rlen, ctx->err);
	free(buf);
	if (rc != 0)
		return cmd_error(ctx, EXIT_INVALID, "'%s': %s", a->path, ctx->err);
	if (a->reduced == NULL)
		return 0;
	memcpy(a->original, a->hash, sizeof a->original);
	a->osize = a->size;
	hash_hex(a->reduced, a->rlen, a->hash);
	a->size = (int64_t)a->rlen;
	dot = strrchr(a->name, '.');
	if (strcmp(a->type, "image/jpeg") != 0) {
		a->rname = xasprintf("%.*s.jpg", (int)(dot != NULL ?
		    (size_t)(dot - a->name) : strlen(a->name)), a->name);
		if (text_check("name", a->rname, ATTACH_NAME_MAX, 0,
		    ctx->err) != 0)
			return cmd_error(ctx, EXIT_INVALID,
			    _("'%s': its name must be at most %d characters of text"),
			    a->path, ATTACH_NAME_MAX);
		a->name = a->rname;
		a->type = "image/jpeg";
	}
	return 0;
}

/* Opens and checks the file at a->path: a regular file, not empty, at
 * most max bytes, its content of the type its name claims. */
static int
check_file(struct cmd_ctx *ctx, struct attaching *a, int64_t max,
    const struct profile *photos)
{
	unsigned char head[SNIFF_HEAD];
	const char *slash = strrchr(a->path, '/');
	char size[32], limit[32];
	struct stat st;
	ssize_t n;
	int rc;

	a->name = slash != NULL ? slash + 1 : a->path;
	a->fd = open(a->path, O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (a->fd < 0)
		return cmd_error(ctx, errno == ENOENT ? EXIT_NOTFOUND :
		    EXIT_INVALID, _("cannot open '%s': %s"), a->path,
		    strerror(errno));
	if (fstat(a->fd, &st) != 0)
		return cmd_error(ctx, EXIT_INVALID, _("cannot read '%s': %s"),
		    a->path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return cmd_error(ctx, EXIT_INVALID,
		    _("'%s' is a directory: attach the files in it"), a->path);
	if (!S_ISREG(st.st_mode))
		return cmd_error(ctx, EXIT_INVALID,
		    _("'%s' is not a regular file"), a->path);
	if (st.st_size == 0)
		return cmd_error(ctx, EXIT_INVALID, _("'%s' is empty"), a->path);
	if (st.st_size > max) {
		out_size(st.st_size, size, sizeof size);
		out_size(max, limit, sizeof limit);
		if (strcmp(size, limit) == 0) { /* 20.0 MB over 20.0 MB */
			snprintf(size, sizeof size, ngettext("%lld byte",
			    "%lld bytes", (unsigned long)st.st_size),
			    (long long)st.st_size);
			snprintf(limit, sizeof limit, ngettext("%lld byte",
			    "%lld bytes", (unsigned long)max), (long long)max);
		}
		return cmd_error(ctx, EXIT_INVALID,
		    _("'%s' is %s, over the limit of %s ([attachments] max_size in agent.conf)"),
		    a->path, size, limit);
	}
	if (a->name[0] == '\0' || text_check("name", a->name, ATTACH_NAME_MAX,
	    0, ctx->err) != 0)
		return cmd_error(ctx, EXIT_INVALID,
		    _("'%s': its name must be at most %d characters of text"),
		    a->path, ATTACH_NAME_MAX);
	if ((rc = blob_hash_fd(a->fd, a->hash, &a->size, ctx->err)) != 0)
		return cmd_fail(ctx, rc);
	if (a->size != st.st_size)
		return cmd_error(ctx, EXIT_INVALID,
		    _("'%s' changed while it was read"), a->path);
	if (lseek(a->fd, 0, SEEK_SET) < 0 ||
	    (n = read(a->fd, head, sizeof head)) < 0)
		return cmd_error(ctx, EXIT_INVALID, _("cannot read '%s': %s"),
		    a->path, strerror(errno));
	if ((rc = sniff_type(a->name, head, (size_t)n, &a->type, ctx->err)) != 0)
		return cmd_fail(ctx, rc);
	return reduce(ctx, a, photos);
}

/* 1 if doc's attachments hold hash already. */
static int
attached_already(const json_t *doc, const char *hash)
{
	json_t *a;
	size_t i;

	json_array_foreach(json_object_get(doc, "attachments"), i, a)
		if (strcmp(cjson_str(a, "hash") != NULL ? cjson_str(a, "hash") :
		    "", hash) == 0)
			return 1;
	return 0;
}

static json_t *
attached_body(const struct attaching *a, const char *caption, int conf)
{
	json_t *b = json_object();

	json_object_set_new(b, "hash", json_string(a->hash));
	json_object_set_new(b, "size", json_integer(a->size));
	json_object_set_new(b, "type", json_string(a->type));
	json_object_set_new(b, "name", json_string(a->name));
	if (caption != NULL)
		json_object_set_new(b, "caption", json_string(caption));
	json_object_set_new(b, "confidential", json_boolean(conf));
	if (a->reduced != NULL) {
		json_object_set_new(b, "original", json_string(a->original));
		json_object_set_new(b, "original_size", json_integer(a->osize));
	}
	return b;
}

static const struct cli_opt attach_opts[] = {
	{ "caption", CLI_VALUE, "TEXT", N_("what the files show (each file gets it)") },
	{ "confidential", CLI_FLAG, NULL, N_("only the units handling the record may see them, as a complainant's identity") },
	{ "officer", CLI_VALUE, "NAME", N_("officer attaching them") },
	{ "original", CLI_FLAG, NULL, N_("attach photos as they are, not reduced as the county's profile says") },
	{ NULL, 0, NULL, NULL },
};

static int
cmd_attach(struct cmd_ctx *ctx)
{
	const char *id = ctx->cli.argv[0], *caption = cmd_value(ctx, "caption");
	const char *officer;
	int conf = cmd_flag(ctx, "confidential");
	const struct profile *photos = NULL;
	struct attaching files[MAX_FILES];
	const struct entity_type *t;
	const struct kind_info *k;
	json_t *doc = NULL, *aud = NULL, *out = NULL, *body;
	int64_t max;
	size_t nf = (size_t)ctx->cli.argc - 1, i, j;
	int rc;

	memset(files, 0, sizeof files);
	for (i = 0; i < MAX_FILES; i++)
		files[i].fd = -1;
	if (nf > MAX_FILES)
		return cmd_usage_error(ctx, _("at most %d files at a time"),
		    MAX_FILES);
	if (caption != NULL && text_check("caption", caption,
	    ATTACH_CAPTION_MAX, TEXT_MULTILINE, ctx->err) != 0)
		return cmd_fail(ctx, LD_EINVAL);
	if ((officer = form_officer(ctx, cmd_value(ctx, "officer"))) == NULL)
		return cmd_usage_error(ctx, _("missing required option --officer"));
	if ((rc = attach_max_size(ctx, &max)) != 0)
		return rc;
	if ((rc = ledger_get(ctx->lg, id, &doc, ctx->err)) != 0) {
		if (rc != LD_ENOTFOUND)
			return cmd_fail(ctx, rc);
		return cmd_error(ctx, EXIT_NOTFOUND, _("no record '%s'"), id);
	}
	/* A profile named here that cannot be read might have said to
	 * strip a photo's GPS: nothing attached rather than sent whole. */
	if (!cmd_flag(ctx, "original") && (photos = form_profile(ctx)) == NULL &&
	    ctx->profile_loaded < 0) {
		rc = cmd_error(ctx, EXIT_CONFIG,
		    _("%s (nothing attached: its [photos] could say how to reduce photos; --original attaches them as they are)"),
		    ctx->err);
		goto out;
	}
	t = entity_type_find(cjson_str(doc, "type"));
	if ((k = kind_attached_of(t)) == NULL) {
		rc = cmd_error(ctx, EXIT_INTERNAL, "no attachment kind for %s", id);
		goto out;
	}
	for (i = 0; i < nf; i++) {
		files[i].path = ctx->cli.argv[i + 1];
		if ((rc = check_file(ctx, &files[i], max, photos)) != 0)
			goto out;
		for (j = 0; j < i; j++)
			if (strcmp(files[j].hash, files[i].hash) == 0) {
				rc = cmd_error(ctx, EXIT_INVALID,
				    _("'%s' and '%s' are the same file"),
				    files[j].path, files[i].path);
				goto out;
			}
		if (attached_already(doc, files[i].hash)) {
			rc = cmd_error(ctx, EXIT_CONFLICT,
			    _("'%s' is attached to %s already"), files[i].path,
			    id);
			goto out;
		}
	}
	/* The role, the record's state, then the unit's part on it. */
	body = attached_body(&files[0], caption, conf);
	rc = form_precheck(ctx, doc, k->name, body);
	json_decref(body);
	if (rc != 0 || (rc = entitled(ctx, k, id)) != 0)
		goto out;
	aud = json_deep_copy(json_object_get(doc, "audience"));
	if (aud == NULL)
		aud = json_array();
	form_audience_add(aud, ledger_unit(ctx->lg));
	if ((rc = ledger_begin(ctx->lg, ctx->err)) != 0) {
		rc = cmd_fail(ctx, rc);
		goto out;
	}
	for (i = 0; rc == 0 && i < nf; i++) {
		struct attaching *a = &files[i];
		/* A reduced photo: the JPEG that travels, and the file as
		 * given, kept here (never uploaded: no event's hash names
		 * it, blobsync.h). */
		if (a->reduced != NULL)
			rc = blob_put(ctx->lg, a->reduced, a->rlen, a->hash,
			    &a->added, ctx->err);
		if (rc == 0)
			rc = blob_put_fd(ctx->lg, a->fd, a->reduced != NULL ?
			    a->osize : a->size, a->reduced != NULL ?
			    a->original : a->hash, a->reduced != NULL ?
			    a->original : a->hash, a->reduced != NULL ?
			    &a->oadded : &a->added, ctx->err);
		if (rc != 0)
			break;
		body = attached_body(&files[i], caption, conf);
		rc = ledger_record(ctx->lg, k->name, id, officer, aud, body, NULL,
		    NULL, ctx->err);
		json_decref(body);
	}
	if (rc == 0)
		rc = ledger_commit(ctx->lg, ctx->err);
	if (rc != 0) {
		ledger_rollback(ctx->lg);
		rc = cmd_fail(ctx, rc);
		goto out;
	}
	if (ctx->json) {
		json_t *arr = json_array();
		out = out_doc("attached");
		json_object_set_new(out, "record", json_string(id));
		for (i = 0; i < nf; i++) {
			body = attached_body(&files[i], caption, conf);
			json_object_set_new(body, "stored", json_boolean(
			    files[i].added));
			json_array_append_new(arr, body);
		}
		json_object_set_new(out, "attachments", arr);
		out_json(out);
	} else
		for (i = 0; i < nf; i++)
			printf("%s  %s\n", files[i].hash, files[i].name);
out:
	for (i = 0; i < MAX_FILES; i++) {
		if (files[i].fd >= 0)
			close(files[i].fd);
		if (files[i].reduced != NULL)
			photo_free(files[i].reduced);
		free(files[i].rname);
	}
	json_decref(aud);
	json_decref(doc);
	return rc;
}

const struct cmd_entry cmd_attach_entry = {
	{ "attach", NULL, "<record> <file>...", 2, MAX_FILES + 1, attach_opts,
	    CMD_DB | CMD_JSON,
	    N_("attach files (photos, scans, recordings, video) to a record"),
	    NULL },
	cmd_attach,
};

/*
 * attachment list RECORD / attachment get HASH-or-RECORD:N
 */

static const struct cli_opt list_opts[] = {
	{ "confidential", CLI_FLAG, NULL, N_("also show confidential ones, where this unit handles the record") },
	{ NULL, 0, NULL, NULL },
};

static int
cmd_attachment_list(struct cmd_ctx *ctx)
{
	const char *id = ctx->cli.argv[0];
	json_t *doc = NULL, *out, *a;
	size_t i;
	int rc;

	if ((rc = ledger_get(ctx->lg, id, &doc, ctx->err)) != 0) {
		if (rc != LD_ENOTFOUND)
			return cmd_fail(ctx, rc);
		return cmd_error(ctx, EXIT_NOTFOUND, _("no record '%s'"), id);
	}
	if (ctx->json) {
		form_attachments_redact(ctx, doc, cmd_flag(ctx, "confidential"),
		    "(confidential)");
		/* Whether its file is on this station (the console offers to
		 * save it) or still to come (to fetch: attachment get). */
		json_array_foreach(json_object_get(doc, "attachments"), i, a) {
			if (cjson_str(a, "hash") == NULL)
				continue;
			rc = blob_stat(ctx->lg, cjson_str(a, "hash"), NULL,
			    ctx->err);
			if (rc != 0 && rc != LD_ENOTFOUND) {
				json_decref(doc);
				return cmd_fail(ctx, rc);
			}
			json_object_set_new(a, "held", json_boolean(rc == 0));
		}
		out = out_doc("attachment.list");
		json_object_set_new(out, "record", json_string(id));
		/* A record with none: an empty list (new, not leaked). */
		json_object_set_new(out, "attachments", json_object_get(doc,
		    "attachments") != NULL ? json_incref(json_object_get(doc,
		    "attachments")) : json_array());
		out_json(out);
	} else {
		form_attachments_redact(ctx, doc, cmd_flag(ctx, "confidential"),
		    form_handles(ctx, doc) ? _("(confidential: add --confidential)") :
		    _("(confidential: only the units handling the record)"));
		out_show(form_attachment_lines, doc);
	}
	json_decref(doc);
	return 0;
}

const struct cmd_entry cmd_attachment_list_entry = {
	{ "attachment", "list", "<record>", 1, 1, list_opts, CMD_DB | CMD_JSON,
	    N_("list a record's attachments"),
	    NULL },
	cmd_attachment_list,
};

/* The attachment "RECORD:N" (the n-th of the record, from 1) into *att
 * (new reference) and its record into *doc. */
static int
by_position(struct cmd_ctx *ctx, const char *arg, json_t **doc, json_t **att)
{
	const char *colon = strrchr(arg, ':');
	char *rec = xasprintf("%.*s", (int)(colon - arg), arg);
	long long n;
	int rc;

	if (ld_number(colon + 1, 1, 100000, &n, NULL) != 0) {
		rc = cmd_usage_error(ctx,
		    _("'%s' is neither a hash nor RECORD:N (the n-th attachment of a record)"),
		    arg);
		goto out;
	}
	if ((rc = ledger_get(ctx->lg, rec, doc, ctx->err)) != 0) {
		rc = rc != LD_ENOTFOUND ? cmd_fail(ctx, rc) :
		    cmd_error(ctx, EXIT_NOTFOUND, _("no record '%s'"), rec);
		goto out;
	}
	*att = json_incref(json_array_get(json_object_get(*doc, "attachments"),
	    (size_t)n - 1));
	if (*att == NULL)
		rc = cmd_error(ctx, EXIT_NOTFOUND, _("%s has no attachment %lld"),
		    rec, n);
out:
	free(rec);
	return rc;
}

/* Whether the blob hash may be given out here: as an attachment not
 * confidential of some record held, or as a confidential one of a record
 * this unit handles when asked (--confidential). *name gets an
 * attachment's name (new string). 0 or an exit code, said. */
static int
may_give(struct cmd_ctx *ctx, const char *hash, int asked, char **name)
{
	json_t *all = NULL, *doc, *a;
	size_t i, j;
	int rc, open = 0, hidden = 0;

	*name = NULL;
	if ((rc = blob_records(ctx->lg, hash, &all, ctx->err)) != 0) {
		json_decref(all);
		return cmd_fail(ctx, rc);
	}
	json_array_foreach(all, i, doc)
		json_array_foreach(json_object_get(doc, "attachments"), j, a) {
			if (cjson_str(a, "hash") == NULL ||
			    strcmp(cjson_str(a, "hash"), hash) != 0)
				continue;
			if (!json_is_true(json_object_get(a, "confidential")) ||
			    (asked && form_handles(ctx, doc)))
				open = 1;
			else
				hidden = 1;
			if (open && *name == NULL)
				*name = xstrdup(cjson_str(a, "name"));
		}
	json_decref(all);
	if (open)
		return 0;
	if (hidden)
		return cmd_error(ctx, EXIT_FORBIDDEN, asked ?
		    _("attachment %.12s... is confidential: only the units handling its record may read it") :
		    _("attachment %.12s... is confidential: add --confidential (only the units handling its record may)"),
		    hash);
	return cmd_error(ctx, EXIT_NOTFOUND,
	    _("attachment %.12s... belongs to no record held here"), hash);
}

/* A name to write the file under in the current directory: the
 * attachment's, unless it could name anything but a plain file here. */
static const char *
safe_name(const char *name, const char *hash)
{
	if (name == NULL || name[0] == '\0' || name[0] == '.' ||
	    name[0] == '-' || strchr(name, '/') != NULL)
		return hash;
	return name;
}

static const struct cli_opt get_opts[] = {
	{ "output", CLI_VALUE, "FILE", N_("write it to FILE ('-': standard output; default: its name, in this directory)") },
	{ "force", CLI_FLAG, NULL, N_("replace FILE if it exists") },
	{ "confidential", CLI_FLAG, NULL, N_("give a confidential one, where this unit handles the record") },
	{ "original", CLI_FLAG, NULL, N_("a reduced photo's original, kept on the station that attached it (RECORD:N only)") },
	{ NULL, 0, NULL, NULL },
};

static int
cmd_attachment_get(struct cmd_ctx *ctx)
{
	const char *arg = ctx->cli.argv[0], *outp = cmd_value(ctx, "output");
	int force = cmd_flag(ctx, "force"), original = cmd_flag(ctx, "original");
	char hash[HASH_HEX], *name = NULL, *tmp = NULL;
	json_t *doc = NULL, *att = NULL;
	int64_t size;
	int rc, fd = -1;

	if (original && strchr(arg, ':') == NULL)
		return cmd_usage_error(ctx,
		    _("--original names the attachment as RECORD:N"));
	if (strchr(arg, ':') != NULL) {
		if ((rc = by_position(ctx, arg, &doc, &att)) != 0)
			goto out;
		ld_strlcpy(hash, cjson_str(att, "hash"), sizeof hash);
		if (original && cjson_str(att, "original") == NULL) {
			rc = cmd_error(ctx, EXIT_NOTFOUND,
			    _("%s is not a reduced photo: it has no original"),
			    arg);
			goto out;
		}
	} else if ((rc = blob_find(ctx->lg, arg, hash, ctx->err)) != 0) {
		rc = cmd_fail(ctx, rc);
		goto out;
	}
	if ((rc = may_give(ctx, hash, cmd_flag(ctx, "confidential"), &name)) != 0)
		goto out;
	/* The original of a reduced photo: only on the station that
	 * attached it, never uploaded. */
	if (original) {
		ld_strlcpy(hash, cjson_str(att, "original"), sizeof hash);
		if ((rc = blob_stat(ctx->lg, hash, &size, ctx->err)) != 0) {
			rc = rc == LD_ENOTFOUND ? cmd_error(ctx, EXIT_NOTFOUND,
			    _("the original of %s is kept only on the station that attached it"),
			    arg) : cmd_fail(ctx, rc);
			goto out;
		}
	}
	/* Not here yet: from the county server, when it can be reached. */
	if (original)
		rc = 0;
	else if ((rc = blob_stat(ctx->lg, hash, &size, ctx->err)) == LD_ENOTFOUND &&
	    (rc = cmd_fetch_blob(ctx, hash)) == 0)
		rc = blob_stat(ctx->lg, hash, &size, ctx->err);
	else if (rc == LD_ENOTFOUND || rc == LD_ECONFIG || rc == LD_ENET) {
		if (rc == LD_ENET)
			fprintf(stderr, "liandong: %s\n", ctx->err);
		rc = LD_ENOTFOUND;
	}
	if (rc != 0) {
		rc = rc == LD_ENOTFOUND ? cmd_error(ctx, EXIT_NOTFOUND,
		    _("attachment %.12s... has not arrived here yet"), hash) :
		    cmd_fail(ctx, rc);
		goto out;
	}
	if (outp == NULL)
		/* RECORD:N: that attachment's name, unless it is hidden here
		 * (then that of a record where the same bytes are not). */
		outp = safe_name(att != NULL && (!json_is_true(json_object_get(
		    att, "confidential")) || (cmd_flag(ctx, "confidential") &&
		    form_handles(ctx, doc))) ? cjson_str(att, "name") : name,
		    hash);
	if (strcmp(outp, "-") == 0) {
		rc = blob_write(ctx->lg, hash, STDOUT_FILENO, ctx->err);
		rc = rc == 0 ? 0 : cmd_fail(ctx, rc);
		goto out;
	}
	if (!force && access(outp, F_OK) == 0) {
		rc = cmd_error(ctx, EXIT_CONFLICT,
		    _("'%s' exists: give another --output, or --force to replace it"),
		    outp);
		goto out;
	}
	/* Written beside it, synced, then put in place: never a half file
	 * under its name, and never over one unless --force. */
	tmp = xasprintf("%s.part-%ld", outp, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0) {
		rc = cmd_error(ctx, EXIT_INVALID, _("cannot write '%s': %s"), tmp,
		    strerror(errno));
		goto out;
	}
	rc = blob_write(ctx->lg, hash, fd, ctx->err);
	if (rc == 0 && fsync(fd) != 0)
		rc = ld_fail(ctx->err, LD_EFULL, _("cannot write '%s': %s"), tmp,
		    strerror(errno));
	if (close(fd) != 0 && rc == 0)
		rc = ld_fail(ctx->err, LD_EFULL, _("cannot write '%s': %s"), tmp,
		    strerror(errno));
	fd = -1;
	if (rc == 0) {
		if (force)
			rc = rename(tmp, outp);
		else if ((rc = link(tmp, outp)) == 0)
			unlink(tmp);
		if (rc != 0)
			rc = ld_fail(ctx->err, errno == EEXIST ? LD_EEXIST :
			    LD_EFULL, _("cannot write '%s': %s"), outp,
			    strerror(errno));
	}
	if (rc != 0) {
		unlink(tmp);
		rc = rc == LD_EEXIST ? cmd_error(ctx, EXIT_CONFLICT, "%s",
		    ctx->err) : cmd_fail(ctx, rc);
		goto out;
	}
	if (ctx->json) {
		json_t *o = out_doc("attachment.get");
		json_object_set_new(o, "hash", json_string(hash));
		json_object_set_new(o, "size", json_integer(size));
		json_object_set_new(o, "file", json_string(outp));
		out_json(o);
	} else
		printf("%s\n", outp);
out:
	if (fd >= 0)
		close(fd);
	free(tmp);
	free(name);
	json_decref(att);
	json_decref(doc);
	return rc;
}

const struct cmd_entry cmd_attachment_get_entry = {
	{ "attachment", "get", "<hash|record:n>", 1, 1, get_opts,
	    CMD_DB | CMD_JSON,
	    N_("write an attachment's file, checked against its hash"),
	    NULL },
	cmd_attachment_get,
};
