/*
 * harness.c - the helpers every unit test may use (harness.h).
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "hash.h"
#include "util.h"

int
harness_sodium(void **state)
{
	return hash_init() == 0 ? 0 : -1;
}

char *
harness_scratch(const char *name)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = xasprintf("%s/liandong-unit-%s.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp", name);

	if (mkdtemp(dir) == NULL)
		fail_msg("cannot make a scratch directory %s", dir);
	return dir;
}

static int
remove_one(const char *path, const struct stat *st, int type,
    struct FTW *ftw)
{
	return (type == FTW_DP ? rmdir(path) : unlink(path)) == 0 ? 0 : -1;
}

int
harness_remove(const char *dir)
{
	return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}
