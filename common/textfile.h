/*
 * textfile.h - reading small text files whole (configuration, calendars,
 * rule profiles, certificates, tokens), with a size cap; making a new
 * file's name durable.
 */
#ifndef LD_TEXTFILE_H
#define LD_TEXTFILE_H

#include <stddef.h>

/* Reads path into a new NUL-terminated string. Returns 0, LD_ECONFIG
 * (cannot read), LD_ETOOBIG (over max bytes) or LD_EINVAL (a NUL byte);
 * err names the file. */
int textfile_read(const char *path, size_t max, char **text, char *err);

/* The number of the first line of text longer than max bytes, or 0
 * (inih would read such a line in pieces). */
int textfile_long_line(const char *text, size_t max);

/* What tells a file's states apart without reading it: "dev:ino:size:
 * mtime.ns" into buf (TEXTFILE_SIG_LEN bytes). 0, or -1 when it cannot
 * be looked at (buf is then ""). */
#define TEXTFILE_SIG_LEN 96
int textfile_signature(const char *path, char buf[TEXTFILE_SIG_LEN]);

/* Syncs the directory dir itself: a file's name made or changed in it
 * is durable only then, not with the file's own fsync. 0, or -1 with
 * errno. */
int textfile_sync_dir(const char *dir);
/* The same for the directory that holds path. */
int textfile_sync_parent(const char *path);

#endif
