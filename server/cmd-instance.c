/*
 * cmd-instance.c - liandong-server instance add: the directory of another
 * instance of this server, for several 'serve' processes on one
 * PostgreSQL database (docs/operations.md, "Several instances").
 *
 * What an instance shares with the others is in the database; what it
 * must hold the same as they do is in its directory, copied from this
 * one: server.conf (db, county, rules, calendar, dict, next_ca: what a
 * sync hands the stations), the certificate and its key (the stations pin
 * the CA or the key), ca.pem, and every identity key (they open the
 * complainants' identities sealed in the database). Not the trial CA's
 * key (ca-key.pem): it stays where it is. Files the configuration names
 * by an absolute path are left where they are, and said so: the new
 * directory names them by the same path. Every file is written new
 * (O_EXCL), mode 0600, and made durable; the directory is made 0700 and
 * must be new or empty.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "store.h"
#include "util.h"
#include "vault.h"

static const struct cli_opt add_opts[] = {
	{ "listen", CLI_VALUE, "ADDR:PORT", N_("where the new instance listens (default: as this one; another port if both run on one host)") },
	{ NULL, 0, NULL, NULL },
};

/* Writes len bytes of buf to a new file path, mode 0600, made durable. */
static int
write_new(const char *path, const char *buf, size_t len, char *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int rc = 0;

	if (fd < 0)
		return ld_fail(err, LD_EFULL, _("cannot create '%s': %s"), path,
		    strerror(errno));
	while (len > 0 && rc == 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			rc = ld_fail(err, LD_EFULL, _("cannot write '%s': %s"), path,
			    strerror(errno));
		else {
			buf += n;
			len -= (size_t)n;
		}
	}
	if (rc == 0 && fsync(fd) != 0)
		rc = ld_fail(err, LD_EFULL, _("cannot write '%s': %s"), path,
		    strerror(errno));
	if (close(fd) != 0 && rc == 0)
		rc = ld_fail(err, LD_EFULL, _("cannot write '%s': %s"), path,
		    strerror(errno));
	return rc;
}

/* The whole of a file (at most 16 MiB) into *out (caller frees). */
static int
read_all(const char *path, char **out, size_t *len, char *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, got;
	char chunk[8192];

	*out = NULL;
	if (f == NULL)
		return ld_fail(err, LD_ECONFIG, _("cannot read '%s': %s"), path,
		    strerror(errno));
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0 &&
	    n + got <= 16 << 20) {
		buf = xrealloc(buf, n + got + 1);
		memcpy(buf + n, chunk, got);
		n += got;
	}
	if (ferror(f) || got > 0) {
		fclose(f);
		free(buf);
		return ld_fail(err, LD_ECONFIG, _("cannot read '%s': %s"), path,
		    got > 0 ? _("too large") : strerror(errno));
	}
	fclose(f);
	if (buf == NULL)
		buf = xcalloc(1, 1);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* Copies from/name to to/name. */
static int
copy_file(const char *from, const char *to, const char *name, char *err)
{
	char *src = xasprintf("%s/%s", from, name);
	char *dst = xasprintf("%s/%s", to, name);
	char *buf;
	size_t len;
	int rc;

	if ((rc = read_all(src, &buf, &len, err)) == 0) {
		rc = write_new(dst, buf, len, err);
		free(buf);
	}
	free(src);
	free(dst);
	return rc;
}

/* A file the configuration names (value of key): copied when it is a
 * relative path (in the directory), left where it is, and said so, when
 * it is absolute; nothing when the value is empty or a name that is no
 * file here (a shipped rule profile's). */
static int
copy_named(const char *from, const char *to, const char *key,
    const char *value, char *err)
{
	struct stat st;
	char *src;
	int here;

	if (value == NULL || value[0] == '\0')
		return 0;
	if (value[0] == '/') {
		fprintf(stderr, _("liandong-server: note: %s = %s is an absolute"
		    " path: the new instance reads it there; copy it too if it"
		    " runs on another host\n"), key, value);
		return 0;
	}
	src = xasprintf("%s/%s", from, value);
	here = stat(src, &st) == 0;
	free(src);
	if (here && !S_ISREG(st.st_mode)) {
		fprintf(stderr, _("liandong-server: note: %s = %s is not a file:"
		    " copy it to the new directory yourself\n"), key, value);
		return 0;
	}
	if (!here || strchr(value, '/') != NULL)
		return here ? ld_fail(err, LD_EINVAL, _("%s = %s: only a file"
		    " in the server directory or an absolute path can be"
		    " copied"), key, value) : 0;
	return copy_file(from, to, value, err);
}

/* server.conf, with listen = ADDR:PORT when listen is not NULL. */
static int
copy_conf(const char *from, const char *to, const char *listen, char *err)
{
	char *src = xasprintf("%s/server.conf", from);
	char *dst = xasprintf("%s/server.conf", to);
	char *buf, *line, *next;
	size_t len;
	FILE *out;
	char *text = NULL;
	size_t tlen = 0;
	int rc;

	if ((rc = read_all(src, &buf, &len, err)) != 0)
		goto out;
	out = open_memstream(&text, &tlen);
	for (line = buf; *line != '\0'; line = next) {
		const char *p = line;

		next = strchr(line, '\n');
		next = next != NULL ? next + 1 : line + strlen(line);
		while (*p == ' ' || *p == '\t')
			p++;
		if (listen != NULL && strncmp(p, "listen", 6) == 0 &&
		    strspn(p + 6, " \t=") > 0 && strchr(p + 6, '=') != NULL &&
		    strchr(p + 6, '=') < next)
			fprintf(out, "listen = %s\n", listen);
		else
			fwrite(line, 1, (size_t)(next - line), out);
	}
	fclose(out);
	free(buf);
	rc = write_new(dst, text, tlen, err);
	free(text);
out:
	free(src);
	free(dst);
	return rc;
}

/* Every identity key of from (identity.key and identity.key.<id>); a
 * rotation left half done (identity.key.new) is refused: it is finished
 * at the next start of this directory's server, then copy. */
static int
copy_keys(const char *from, const char *to, char *err)
{
	size_t klen = strlen(VAULT_KEY_FILE);
	struct dirent *e;
	DIR *d = opendir(from);
	int rc = 0;

	if (d == NULL)
		return ld_fail(err, LD_ECONFIG, _("cannot read '%s': %s"), from,
		    strerror(errno));
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, VAULT_KEY_FILE, klen) != 0 ||
		    (e->d_name[klen] != '\0' && e->d_name[klen] != '.'))
			continue;
		if (strcmp(e->d_name + klen, ".new") == 0)
			rc = ld_fail(err, LD_EINVAL, _("a key rotation is not"
			    " finished in '%s' (%s): start its server once, then"
			    " make the instance"), from, e->d_name);
		else
			rc = copy_file(from, to, e->d_name, err);
	}
	closedir(d);
	return rc;
}

/* 1 if dir is missing or empty (made 0700 then), else 0. */
static int
new_dir(const char *dir)
{
	struct dirent *e;
	DIR *d;
	int empty = 1;

	if (mkdir(dir, 0700) == 0)
		return 1;
	if (errno != EEXIST || (d = opendir(dir)) == NULL)
		return 0;
	while (empty && (e = readdir(d)) != NULL)
		empty = strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0;
	closedir(d);
	return empty && chmod(dir, 0700) == 0;
}

static int
instance_add(struct cli *c)
{
	struct server_ctx *x = c->app;
	const struct server_conf *sc = &x->conf;
	const char *to = c->argv[0];
	char ca[] = "ca.pem";
	int rc;

	if (!store_is_pg(sc->db))
		return cli_error(c, EXIT_INVALID, _("this server's database is"
		    " SQLite's, which one server process serves: several"
		    " instances share a PostgreSQL database (init --store)"));
	if (!new_dir(to))
		return cli_error(c, EXIT_CONFIG, _("'%s' must be a new or empty"
		    " directory"), to);
	if ((rc = copy_conf(sc->dir, to, cli_value(c, "listen"), x->err)) ||
	    (rc = copy_named(sc->dir, to, "cert", sc->cert, x->err)) ||
	    (rc = copy_named(sc->dir, to, "key", sc->key, x->err)) ||
	    (rc = copy_named(sc->dir, to, "ca", ca, x->err)) ||
	    (rc = copy_named(sc->dir, to, "dict", sc->dict, x->err)) ||
	    (rc = copy_named(sc->dir, to, "rules", sc->rules, x->err)) ||
	    (rc = copy_named(sc->dir, to, "calendar", sc->calendar, x->err)) ||
	    (rc = copy_named(sc->dir, to, "next_ca", sc->next_ca, x->err)) ||
	    (rc = copy_keys(sc->dir, to, x->err)))
		return server_fail(c, rc);
	printf(_("instance directory made in %s, on the same database: start"
	    " it with 'liandong-server serve --dir %s'\n"), to, to);
	return 0;
}

const struct cli_cmd cmd_instance_add_entry = { "instance", "add", "<dir>",
	1, 1, add_opts, CMD_STORE, N_("make the directory of another instance of this server on its PostgreSQL database (certificate, keys, server.conf)"),
	instance_add };
