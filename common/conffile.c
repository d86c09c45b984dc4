/*
 * conffile.c - configuration files through inih, with line numbers
 * (conffile.h). Debian's inih does not pass the line to the handler
 * (INI_HANDLER_LINENO), so the reader given to ini_parse_stream counts
 * the lines it hands over: when the handler runs, the count is the line
 * of the entry (of its last part, for a value continued on indented
 * lines), and it remembers the line of the last section header.
 */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <string.h>

#include "conffile.h"
#include "text.h"
#include "util.h"

struct reading {
	FILE *f;
	int line;
	int section_line; /* of the last "[section]" read */
	const char *path;
	const char *prog;
	const struct conffile_key *keys;
	conffile_fn fn;
	void *user;
	char warned_section[64]; /* an unknown section is said once */
};

static char *
read_line(char *buf, int size, void *stream)
{
	struct reading *r = stream;
	const char *s;

	if (fgets(buf, size, r->f) == NULL)
		return NULL;
	r->line++;
	s = buf + strspn(buf, " \t");
	if (*s == '[')
		r->section_line = r->line;
	return buf;
}

static int
section_known(const struct conffile_key *keys, const char *section)
{
	for (; keys->name != NULL; keys++)
		if (strcmp(keys->section, section) == 0)
			return 1;
	return 0;
}

/* The known key of the section nearest name, at most 2 edits away. */
static const char *
near_key(const struct conffile_key *keys, const char *section,
    const char *name)
{
	const char *best = NULL;
	size_t d, bd = 3;

	for (; keys->name != NULL; keys++) {
		if (strcmp(keys->section, section) != 0)
			continue;
		if ((d = text_distance(name, keys->name)) < bd) {
			bd = d;
			best = keys->name;
		}
	}
	return best;
}

static int
on_entry(void *user, const char *section, const char *name,
    const char *value)
{
	struct reading *r = user;
	const struct conffile_key *k;
	const char *near;

	for (k = r->keys; k->name != NULL; k++)
		if (strcmp(k->section, section) == 0 &&
		    strcmp(k->name, name) == 0)
			return r->fn(r->user, section, name, value);
	if (*section == '\0')
		fprintf(stderr, _("%s: warning: '%s' line %d: key '%s' outside any section\n"),
		    r->prog, r->path, r->line, name);
	else if (!section_known(r->keys, section)) {
		if (strcmp(r->warned_section, section) == 0)
			return 1;
		fprintf(stderr, _("%s: warning: '%s' line %d: unknown section [%s]\n"),
		    r->prog, r->path, r->section_line, section);
		ld_strlcpy(r->warned_section, section, sizeof r->warned_section);
	} else if ((near = near_key(r->keys, section, name)) != NULL)
		fprintf(stderr, _("%s: warning: '%s' line %d: unknown key '%s' in [%s] (did you mean '%s'?)\n"),
		    r->prog, r->path, r->line, name, section, near);
	else
		fprintf(stderr, _("%s: warning: '%s' line %d: unknown key '%s' in [%s]\n"),
		    r->prog, r->path, r->line, name, section);
	return 1;
}

int
conffile_read(const char *path, const char *prog,
    const struct conffile_key *keys, conffile_fn fn, void *user)
{
	struct reading r;
	int rc, saved;

	memset(&r, 0, sizeof r);
	if ((r.f = fopen(path, "r")) == NULL)
		return -1;
	r.path = path;
	r.prog = prog;
	r.keys = keys;
	r.fn = fn;
	r.user = user;
	rc = ini_parse_stream(read_line, &r, on_entry, &r);
	saved = errno;
	fclose(r.f);
	errno = saved;
	return rc;
}
