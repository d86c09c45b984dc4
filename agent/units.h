/*
 * units.h - the units a record is addressed to, checked against the
 * county's unit directory this station holds (common/directory.h; kept
 * by sync.c as meta "units" from the enrolment and sync answers), offline
 * and before anything is recorded.
 *
 * Every command that addresses a unit (--to, --handler, --owner, --units)
 * calls units_check for each one it names; none checks on its own.
 */
#ifndef LD_UNITS_H
#define LD_UNITS_H

#include <jansson.h>

#include "cmd.h"

/*
 * 0 if unit is in the directory. Otherwise prints "no unit 'X' in the
 * county's directory" with a hint (the near misses, or how to see the
 * directory and fetch a newer one) and returns EXIT_USAGE. A station
 * that holds no directory yet (never synced with a server that sends
 * one) cannot check: it warns, once per command, and returns 0.
 */
int units_check(struct cmd_ctx *ctx, const char *unit);

/* The directory this station holds (borrowed from ctx), or NULL. */
const json_t *units_held(struct cmd_ctx *ctx);

#endif
