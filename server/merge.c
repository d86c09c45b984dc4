/*
 * merge.c - the decision for one pushed event (rules in merge.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "merge.h"
#include "roles.h"
#include "util.h"

static void
decide(struct merge_decision *d, enum merge_verdict v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
decide(struct merge_decision *d, enum merge_verdict v, const char *fmt, ...)
{
	va_list ap;

	d->verdict = v;
	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof d->reason, fmt, ap);
	va_end(ap);
}

void
merge_decide(const struct merge_station *st, const struct event *ev,
    const char *existing_hash, int (*unit_known)(const char *unit, void *arg),
    void *arg, struct merge_decision *d)
{
	json_t *u;
	size_t i;

	if (strcmp(ev->station, st->name) != 0) {
		decide(d, MERGE_FORGED, "event %s/%lld is not from station %s",
		    ev->station, (long long)ev->seq, st->name);
		return;
	}
	if (strcmp(ev->unit, st->unit) != 0) {
		decide(d, MERGE_FORGED, "event %s/%lld claims a unit that is not the station's",
		    ev->station, (long long)ev->seq);
		return;
	}
	if (ev->seq <= st->head_seq) {
		if (existing_hash != NULL && strcmp(existing_hash, ev->hash) == 0)
			decide(d, MERGE_DUPLICATE, "already held");
		else
			decide(d, MERGE_FORK,
			    "fork: event %s/%lld differs from the one already held",
			    ev->station, (long long)ev->seq);
		return;
	}
	if (ev->seq > st->head_seq + 1) {
		decide(d, MERGE_GAP, "gap: expected seq %lld, got %lld",
		    (long long)st->head_seq + 1, (long long)ev->seq);
		return;
	}
	if (strcmp(ev->prev, st->head_hash) != 0) {
		decide(d, MERGE_FORK,
		    "fork: event %s/%lld does not chain to seq %lld held here",
		    ev->station, (long long)ev->seq, (long long)st->head_seq);
		return;
	}
	if (!role_may_write(st->role, ev->kind)) {
		decide(d, MERGE_QUARANTINE,
		    MERGE_ROLE_FORBIDDEN ": a %s station may not write %s",
		    st->role, ev->kind);
		return;
	}
	json_array_foreach(ev->audience, i, u) {
		if (!unit_known(json_string_value(u), arg)) {
			decide(d, MERGE_QUARANTINE, "unknown_unit");
			return;
		}
	}
	decide(d, MERGE_ACCEPT, "ok");
}
