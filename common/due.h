/*
 * due.h - the open obligations a projection holds, with their legal due
 * times (computed when each obligation started, see rules.h). Used by
 * `liandong due` on a station and `liandong-server due` county-wide.
 *
 * What a record owes depends on its type: each type's row (registry.h)
 * has the function that says it, which calls due_emit for each
 * obligation open.
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

/* For the types' obligations: calls fn for the obligation of doc owed by
 * unit owed_by (nothing when NULL), described by what (N_() text), due by
 * the deadline object (NULL: the law sets no time; nothing when it is
 * done already or its due time cannot be read). */
void due_emit(const json_t *doc, const char *owed_by, const char *what,
    const json_t *deadline,
    void (*fn)(const struct obligation *o, void *arg), void *arg);

/* The unit that owes (or owed) the deadline doc[key], done or not: the
 * field its type's owners names for it (registry.h), else the unit it
 * was addressed to for one owed from receipt, else the record's unit.
 * NULL when the record names none; borrowed from doc. */
const char *due_owner(const json_t *doc, const char *key);

#endif
