/*
 * replay.c - runs a fuzz target without libFuzzer: calls
 * LLVMFuzzerTestOneInput on every file named, or in the directories
 * named, on the command line (directories in name order, not
 * recursively), so that `make check` replays the corpora with any
 * compiler and under SAN=1.
 *
 *   fuzz-event-replay tests/fuzz/corpus/fuzz-event [FILE...]
 *
 * Prints "ok N - FILE" per input (TAP-like, as tests/run.sh counts) and
 * "N passed, 0 failed" at the end. A bug aborts the process, and the
 * last line printed before it names the input before the one that
 * crashed: the file being run is printed to stderr first.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_MAX (16 << 20)

static int failed;
static int n;

static void
run_file(const char *path)
{
	struct stat stbuf;
	uint8_t *buf;
	size_t len;
	FILE *f;

	f = fopen(path, "rb");
	if (f == NULL || fstat(fileno(f), &stbuf) != 0 ||
	    stbuf.st_size > REPLAY_MAX) {
		printf("not ok %d - %s: %s\n", ++n, path,
		    f ? "too big" : strerror(errno));
		failed++;
		if (f)
			fclose(f);
		return;
	}
	len = (size_t)stbuf.st_size;
	/* Exactly len bytes, so that ASan sees any overread. */
	buf = malloc(len ? len : 1);
	if (buf == NULL || fread(buf, 1, len, f) != len) {
		printf("not ok %d - %s: cannot read\n", ++n, path);
		failed++;
		free(buf);
		fclose(f);
		return;
	}
	fclose(f);
	fprintf(stderr, "running %s\n", path);
	fflush(stdout);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	printf("ok %d - %s\n", ++n, path);
}

static int
visible(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int
main(int argc, char **argv)
{
	int i, j, k;

	for (i = 1; i < argc; i++) {
		struct dirent **names;
		struct stat stbuf;

		if (stat(argv[i], &stbuf) != 0) {
			printf("not ok %d - %s: %s\n", ++n, argv[i],
			    strerror(errno));
			failed++;
			continue;
		}
		if (!S_ISDIR(stbuf.st_mode)) {
			run_file(argv[i]);
			continue;
		}
		k = scandir(argv[i], &names, visible, alphasort);
		if (k < 0) {
			printf("not ok %d - %s: %s\n", ++n, argv[i],
			    strerror(errno));
			failed++;
			continue;
		}
		for (j = 0; j < k; j++) {
			char *path = malloc(strlen(argv[i]) +
			    strlen(names[j]->d_name) + 2);
			sprintf(path, "%s/%s", argv[i], names[j]->d_name);
			run_file(path);
			free(path);
			free(names[j]);
		}
		free(names);
	}
	printf("%d passed, %d failed\n", n - failed, failed);
	return failed ? 1 : 0;
}
