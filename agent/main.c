/*
 * main.c - the liandong station agent: the start-up both programs share
 * (cli_start: locale, umask, crypto library), then the command line goes
 * to cmd.c.
 *
 * The station console (agent/ui.c) runs the agent's own commands for its
 * pages, and hands each command's words in the environment, as a JSON
 * array in LIANDONG_UI_ARGV appended to argv, rather than in argv, which
 * any local user can read (/proc/PID/cmdline); a complainant's name is
 * one of those words. The variable is taken out of the environment once
 * read, so that nothing the command starts inherits it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "util.h"

/* argv with LIANDONG_UI_ARGV's words after it (a new array, its words
 * after argv's new strings too: main frees them; *argc updated), or argv
 * itself when it is unset; NULL when it is not an array of strings. */
static char **
argv_with_env(int *argc, char **argv)
{
	const char *words = getenv("LIANDONG_UI_ARGV");
	json_t *a, *w;
	char **out;
	size_t i, n;

	if (words == NULL)
		return argv;
	a = json_loads(words, 0, NULL);
	unsetenv("LIANDONG_UI_ARGV");
	if (!json_is_array(a)) {
		json_decref(a);
		return NULL;
	}
	n = json_array_size(a);
	out = xcalloc((size_t)*argc + n + 1, sizeof *out);
	memcpy(out, argv, (size_t)*argc * sizeof *out);
	json_array_foreach(a, i, w) {
		if (!json_is_string(w)) {
			json_decref(a);
			while (i-- > 0)
				free(out[*argc + (int)i]);
			free(out);
			return NULL;
		}
		out[*argc + (int)i] = xstrdup(json_string_value(w));
	}
	*argc += (int)n;
	json_decref(a);
	return out;
}

int
main(int argc, char **argv)
{
	int rc = cli_start("liandong"), given = argc;
	char **all;

	if (rc != 0)
		return rc;
	if ((all = argv_with_env(&argc, argv)) == NULL) {
		fprintf(stderr, _("liandong: error: LIANDONG_UI_ARGV is not a "
		    "list of words\n"));
		return EXIT_USAGE;
	}
	rc = cmd_main(argc - 1, all + 1);
	if (all != argv) {
		while (argc > given)
			free(all[--argc]);
		free(all);
	}
	return rc;
}
