/*
 * merge.h - what the server does with one pushed event: a pure decision,
 * no HTTP and no SQL (the caller looks up what it needs first, through
 * the callbacks of struct merge_env).
 *
 * Rules (DESIGN.md 2 and 3), in order:
 *  1. the author's station must be the authenticated station, and its
 *     unit the station's unit: otherwise FORGED (403);
 *  2. seq <= head: the same hash is a DUPLICATE (harmless re-send), a
 *     different one is a FORK (409);
 *  3. seq > head + 1: a GAP (409: re-send from head + 1);
 *  4. seq == head + 1 with prev != head hash: a FORK (409);
 *  5. an hlc not above the station's previous event's, or whose physical
 *     part is further ahead of the server's clock than max_ahead_ms: a
 *     CLOCK refusal (422: the station's clock is wrong, and an event
 *     that moved every receiver's clock would be a weapon);
 *  6. otherwise ACCEPT, or QUARANTINE when the event breaks a business
 *     rule, never refused, so that the chain stays whole:
 *     - a kind the station's role may not write (roles.h): stored and
 *       kept to its own unit ("role_forbidden", private);
 *     - an event without authority over its entity (the authority table
 *       below): stored and kept to its own unit ("not_entitled",
 *       private), with a reason that says nothing of the entity, not even
 *       whether it exists;
 *     - an audience unit outside the county's directory: stored, routed
 *       to the units of the directory only ("unknown_unit").
 *     A private event widens nothing and grants nothing.
 *
 * Authority. A creating event's entity must be the id its own station
 * and seq make ("<letter>-<station>-<seq>", kinds.h). Any other event is
 * entitled only when its unit holds one of the parts the table in
 * merge.c gives its kind on that entity; parts are granted only by
 * events that were themselves entitled (merge_grants):
 *
 *   creator    the unit that created the entity
 *   addressee  the unit it was addressed to or is handled by (a
 *              referral's receiver or decided handler, the unit a
 *              complaint was referred to, asked for assistance, called,
 *              or sent a supervision opinion)
 *   escalated  a unit a disputed referral was taken to
 *   member     a unit invited to a meeting
 *   owner      a unit owning a meeting resolution
 *
 * docs/protocol.md, "Authority", is the same table for people.
 */
#ifndef LD_MERGE_H
#define LD_MERGE_H

#include "event.h"

/* The start of the reasons of the quarantines that keep an event to its
 * author's unit. */
#define MERGE_ROLE_FORBIDDEN "role_forbidden"
#define MERGE_NOT_ENTITLED "not_entitled"
#define MERGE_UNKNOWN_UNIT "unknown_unit"

enum merge_verdict {
	MERGE_ACCEPT,
	MERGE_QUARANTINE,
	MERGE_DUPLICATE,
	MERGE_FORGED,
	MERGE_FORK,
	MERGE_GAP,
	MERGE_CLOCK,
	MERGE_UNAVAILABLE,     /* the state could not be read: decide later */
};

struct merge_station {
	const char *name;
	const char *unit;
	const char *role;
	int64_t head_seq;
	const char *head_hash;
	int64_t head_hlc;      /* hlc of the event at head_seq, 0 for none */
};

/* What the decision may ask of the server's state, and its settings. */
struct merge_env {
	int64_t now_ms;        /* the server's clock */
	int64_t max_ahead_ms;  /* how far an hlc may lead it */
	/* 1 if unit is in the county's directory, 0 if not, negative when
	 * that cannot be read now (MERGE_UNAVAILABLE: never a quarantine). */
	int (*unit_known)(const char *unit, void *arg);
	/* The parts (enum part, kinds.h) unit holds on entity; 0 when none or
	 * when the entity is unknown; negative when they cannot be read. */
	int (*parts)(const char *entity, const char *unit, void *arg);
	void *arg;
};

struct merge_decision {
	enum merge_verdict verdict;
	int private_;          /* QUARANTINE: kept to the author's unit */
	char reason[256];
};

/*
 * ev has passed event_validate. existing_hash is the stored hash of
 * (ev->station, ev->seq) when ev->seq <= head_seq, else NULL.
 */
void merge_decide(const struct merge_station *st, const struct event *ev,
    const char *existing_hash, const struct merge_env *env,
    struct merge_decision *d);

/*
 * Calls fn for each (unit, part) that ev, once stored as entitled (not
 * private), gives on its entity: the creator, and the units its body
 * addresses. A pure function of ev; returns the first non-zero fn
 * returned, or 0.
 */
int merge_grants(const struct event *ev,
    int (*fn)(const char *unit, int part, void *arg), void *arg);

#endif
