/*
 * paths.h - where the programs find what is installed beside them: the
 * shipped data (zstd dictionary, rule profiles, holiday calendars) and
 * the message catalogues.
 *
 * paths.c is the only file compiled with DATADIR and LOCALEDIR. The
 * programs make builds read the source tree's conf/; make install links
 * the same objects with a paths.o of its own, compiled for $(PREFIX)
 * (Makefile, "Install"), so that an installed program never reads the
 * source tree and installing compiles one file. Use these functions,
 * never a path of the build.
 */
#ifndef LD_PATHS_H
#define LD_PATHS_H

/* The shipped data: liandong.dict, rules/<profile>.ini,
 * calendar/<year>.ini. No trailing slash. */
const char *paths_data(void);

/* The message catalogues (bindtextdomain). */
const char *paths_locale(void);

#endif
