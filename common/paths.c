/*
 * paths.c - the build's or the installation's directories (paths.h). The
 * Makefile compiles this file alone with LIANDONG_DATADIR and LOCALEDIR,
 * and again for make install.
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
