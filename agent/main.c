/*
 * main.c - the liandong station agent: the start-up both programs share
 * (cli_start: locale, umask, crypto library), then the command line goes
 * to cmd.c.
 */
#include "cmd.h"

int
main(int argc, char **argv)
{
	int rc = cli_start("liandong");

	return rc != 0 ? rc : cmd_main(argc - 1, argv + 1);
}
