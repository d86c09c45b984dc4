/*
 * directory.h - the county's unit directory (单位名录): the names of the
 * units a record may be addressed to, as the county server keeps it and
 * sends it to its stations (docs/protocol.md, "units").
 *
 * The directory is every unit with a station on the server, and the units
 * the county declares without one (the county government, a department
 * with no PC yet). On the wire and in a station's database it is a JSON
 * array of unit names, each one line of at most UNIT_MAX characters, in
 * strcmp (code point) order with no repeats, so that its canonical text,
 * and the hash a station sends back to say what it holds, is the same on
 * both ends.
 */
#ifndef LD_DIRECTORY_H
#define LD_DIRECTORY_H

#include <stddef.h>
#include <jansson.h>

/* Units in one directory, at most: a cap on what a station keeps. */
#define DIRECTORY_MAX 2000

/* Returns 0 if units is a well-formed directory (above), else LD_EINVAL
 * with err saying what is wrong. */
int directory_check(const json_t *units, char *err);

/* 1 if name is in the directory, exactly. */
int directory_has(const json_t *units, const char *name);

/*
 * The names of the directory that name most likely misspells: those at
 * the smallest edit distance (text_distance, in characters) from it, if
 * that distance is at most 2 and at most a third of the name suggested
 * (so 公安局 may suggest 县公安局, but a two-character name is never
 * "near" another). Fills best with up to max of them (borrowed from
 * units), in directory order, and returns how many.
 */
size_t directory_suggest(const json_t *units, const char *name,
    const char **best, size_t max);

#endif
