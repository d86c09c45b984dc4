/*
 * merge.h - what the server does with one pushed event: a pure decision,
 * no HTTP and no SQL (the caller looks up what it needs first).
 *
 * Rules (DESIGN.md 2 and 3), in order:
 *  1. the author's station must be the authenticated station, and its
 *     unit the station's unit: otherwise FORGED (403);
 *  2. seq <= head: the same hash is a DUPLICATE (harmless re-send), a
 *     different one is a FORK (409);
 *  3. seq > head + 1: a GAP (409: re-send from head + 1);
 *  4. seq == head + 1 with prev != head hash: a FORK (409);
 *  5. otherwise ACCEPT, or QUARANTINE when the event breaks a business
 *     rule, never refused, so that the chain stays whole: a kind the
 *     station's role may not write (roles.h) is stored and kept to its
 *     own unit ("role_forbidden"); an audience unit unknown to the county
 *     is stored, routed and shown as a conflict ("unknown_unit").
 */
#ifndef LD_MERGE_H
#define LD_MERGE_H

#include "event.h"

/* The start of the reason of a quarantine for a kind the station's role
 * may not write: the store keeps such an event to its author's unit. */
#define MERGE_ROLE_FORBIDDEN "role_forbidden"

enum merge_verdict {
	MERGE_ACCEPT,
	MERGE_QUARANTINE,
	MERGE_DUPLICATE,
	MERGE_FORGED,
	MERGE_FORK,
	MERGE_GAP,
};

struct merge_station {
	const char *name;
	const char *unit;
	const char *role;
	int64_t head_seq;
	const char *head_hash;
};

struct merge_decision {
	enum merge_verdict verdict;
	char reason[256];
};

/*
 * ev has passed event_validate. existing_hash is the stored hash of
 * (ev->station, ev->seq) when ev->seq <= head_seq, else NULL. unit_known
 * answers whether a unit exists in the county.
 */
void merge_decide(const struct merge_station *st, const struct event *ev,
    const char *existing_hash, int (*unit_known)(const char *unit, void *arg),
    void *arg, struct merge_decision *d);

#endif
