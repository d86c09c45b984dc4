/*
 * main.c - the liandong station agent: sets up the locale and the crypto
 * library, then hands the command line to cmd.c.
 */
#include <locale.h>
#include <stdio.h>
#include <sys/stat.h>

#include "cmd.h"
#include "hash.h"
#include "paths.h"

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	bindtextdomain("liandong", paths_locale());
	textdomain("liandong");
	umask(077); /* databases, tokens and exports are for this user only */
	if (hash_init() != 0) {
		fputs("liandong: error: cannot initialise libsodium\n", stderr);
		return EXIT_INTERNAL;
	}
	return cmd_main(argc - 1, argv + 1);
}
