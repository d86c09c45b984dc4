/*
 * textfile.c - small text files read whole (see textfile.h).
 */
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "textfile.h"
#include "util.h"

int
textfile_read(const char *path, size_t max, char **out, char *err)
{
	FILE *f = fopen(path, "r");
	char *text;
	size_t n;
	int bad;

	*out = NULL;
	if (f == NULL)
		return ld_fail(err, LD_ECONFIG, _("cannot read '%s'"), path);
	text = xmalloc(max + 2);
	n = fread(text, 1, max + 1, f);
	bad = ferror(f);
	fclose(f);
	text[n] = '\0';
	if (bad) {
		free(text);
		return ld_fail(err, LD_ECONFIG, _("cannot read '%s'"), path);
	}
	if (n > max) {
		free(text);
		return ld_fail(err, LD_ETOOBIG, _("'%s' is larger than %zu KiB"),
		    path, max / 1024);
	}
	if (strlen(text) != n) {
		free(text);
		return ld_fail(err, LD_EINVAL, _("'%s' contains a NUL byte"), path);
	}
	*out = text;
	return 0;
}

int
textfile_long_line(const char *text, size_t max)
{
	int lineno = 1;
	size_t len;

	for (;;) {
		len = strcspn(text, "\n");
		if (len > max)
			return lineno;
		if (text[len] == '\0')
			return 0;
		text += len + 1;
		lineno++;
	}
}

int
textfile_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int
textfile_sync_parent(const char *path)
{
	char *copy = xstrdup(path);
	int rc = textfile_sync_dir(dirname(copy));

	free(copy);
	return rc;
}

int
textfile_signature(const char *path, char buf[TEXTFILE_SIG_LEN])
{
	struct stat st;

	buf[0] = '\0';
	if (stat(path, &st) != 0)
		return -1;
	snprintf(buf, TEXTFILE_SIG_LEN, "%llu:%llu:%lld:%lld.%09ld",
	    (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
	    (long long)st.st_size, (long long)st.st_mtim.tv_sec,
	    (long)st.st_mtim.tv_nsec);
	return 0;
}
