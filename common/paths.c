/*
 * paths.c - the build's or the installation's directories (paths.h). The
 * Makefile compiles this file alone with LIANDONG_DATADIR and LOCALEDIR,
 * and again for make install. For the programs make builds, LOCALEDIR is
 * the build's own $(B)/locale (where msgfmt puts po/<lang>.po), so that
 * they speak the locale's language uninstalled, as the tests run them;
 * installed, $(PREFIX)/share/locale.
 */
#include "paths.h"

#ifndef LIANDONG_DATADIR
#error "LIANDONG_DATADIR must be defined (the Makefile does)"
#endif
#ifndef LOCALEDIR
#error "LOCALEDIR must be defined (the Makefile does)"
#endif

const char *
paths_data(void)
{
	return LIANDONG_DATADIR;
}

const char *
paths_locale(void)
{
	return LOCALEDIR;
}
