/*
 * due.h - the open obligations a projection holds, with their legal due
 * times (computed when each obligation started, see rules.h). Used by
 * `liandong due` on a station and `liandong-server due` county-wide.
 */
#ifndef LD_DUE_H
#define LD_DUE_H

#include <stdint.h>
#include <jansson.h>

#define DUE_NONE INT64_MAX /* the law sets no time */

struct obligation {
	int64_t due;
	const char *owed_by; /* unit */
	const char *what;    /* N_() text */
	const char *entity;
	const char *rule;    /* "gonghe/refer" or NULL */
	int assumed;         /* counted on weekdays: no calendar for the year */
};

/* Calls fn for each open obligation of doc; strings are borrowed from
 * doc and live as long as it. */
void due_collect(const json_t *doc,
    void (*fn)(const struct obligation *o, void *arg), void *arg);

#endif
