/*
 * conffile.h - reading agent.conf and server.conf: inih with each
 * entry's line number, and the keys a program knows declared in one
 * table, so that a key or section it does not know (a typo such as
 * "max_route = 5") is reported with its line instead of being ignored.
 *
 * An unknown key is a warning, not an error: an older program still reads
 * a file written for a newer one. Each is one line on stderr:
 *
 *   liandong-server: warning: '/srv/county/server.conf' line 12: unknown
 *   key 'max_route' in [server] (did you mean 'max_routes'?)
 */
#ifndef LD_CONFFILE_H
#define LD_CONFFILE_H

struct conffile_key {
	const char *section; /* "server" */
	const char *name;    /* "max_routes" */
};

/* Called for each entry of a known key; return nonzero to go on. */
typedef int (*conffile_fn)(void *user, const char *section,
    const char *name, const char *value);

/*
 * Reads the INI file at path, handing every entry whose section and name
 * are in keys (ended by a NULL name) to fn, and warning about every other
 * one as above, prog naming the program ("liandong"). Returns, as
 * ini_parse does, 0; -1 when the file cannot be opened (errno says why);
 * or the line of the first syntax error (the lines after it are still
 * read).
 */
int conffile_read(const char *path, const char *prog,
    const struct conffile_key *keys, conffile_fn fn, void *user);

#endif
