/*
 * merge.c - the decision for one pushed event (rules in merge.h).
 *
 * Who may write a kind on an entity, and the part its body gives, are
 * the kind's authority in its type's file (struct authority, kinds.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hlc.h"
#include "kinds.h"
#include "ltime.h"
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
	d->private_ = 0;
	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof d->reason, fmt, ap);
	va_end(ap);
}

/* 1 if ev may write on its entity: its own new entity for a creating
 * kind, otherwise a part among its kind's writers; negative when the
 * parts cannot be read. */
static int
entitled(const struct event *ev, const struct merge_env *env)
{
	const struct kind_info *k = kind_find(ev->kind);
	int p;

	if (k == NULL)
		return 0;
	if (k->creates) {
		char *own = entity_id_new(k->etype, ev->station, ev->seq);
		int ok = strcmp(own, ev->entity) == 0;

		free(own);
		return ok;
	}
	if (k->auth.writers == 0)
		return 0;
	p = env->parts(ev->entity, ev->unit, env->arg);
	return p < 0 ? p : (p & k->auth.writers) != 0;
}

/* Refuses an hlc that does not follow the station's last one, or that
 * leads the server's clock by more than the bound. */
static int
clock_wrong(const struct merge_station *st, const struct event *ev,
    const struct merge_env *env, struct merge_decision *d)
{
	char have[HLC_LEN], now[HLC_LEN];
	int64_t ahead = hlc_ms(ev->hlc) - env->now_ms;

	if (ev->hlc <= st->head_hlc) {
		hlc_format(ev->hlc, have);
		hlc_format(st->head_hlc, now);
		decide(d, MERGE_CLOCK, "event %s/%lld: its clock %s is not after"
		    " the station's previous event (%s): the station's database"
		    " or clock was set back", ev->station, (long long)ev->seq,
		    have, now);
		return 1;
	}
	if (env->max_ahead_ms > 0 && ahead > env->max_ahead_ms) {
		ltime_format(hlc_ms(ev->hlc), have);
		ltime_format(env->now_ms, now);
		decide(d, MERGE_CLOCK, "event %s/%lld: its time %s is %lld minutes"
		    " ahead of the county server's clock (%s): set this"
		    " station's clock right; events already recorded with it"
		    " are accepted once the server's clock reaches them",
		    ev->station, (long long)ev->seq, have,
		    (long long)(ahead / 60000), now);
		return 1;
	}
	return 0;
}

void
merge_decide(const struct merge_station *st, const struct event *ev,
    const char *existing_hash, const struct merge_env *env,
    struct merge_decision *d)
{
	json_t *u;
	size_t i;
	int rc;

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
	if (clock_wrong(st, ev, env, d))
		return;
	if (!role_may_write(st->role, ev->kind)) {
		decide(d, MERGE_QUARANTINE,
		    MERGE_ROLE_FORBIDDEN ": a %s station may not write %s",
		    st->role, ev->kind);
		d->private_ = 1;
		return;
	}
	if ((rc = entitled(ev, env)) < 0) {
		decide(d, MERGE_UNAVAILABLE, "the server cannot read its"
		    " records now: try again later");
		return;
	}
	if (rc == 0) {
		/* The same words whether the entity exists or not. */
		decide(d, MERGE_QUARANTINE,
		    MERGE_NOT_ENTITLED ": unit %s may not write %s on %s",
		    ev->unit, ev->kind, ev->entity);
		d->private_ = 1;
		return;
	}
	json_array_foreach(ev->audience, i, u) {
		if ((rc = env->unit_known(json_string_value(u), env->arg)) < 0) {
			decide(d, MERGE_UNAVAILABLE, "the server cannot read"
			    " its unit directory now: try again later");
			return;
		}
		if (rc == 0) {
			decide(d, MERGE_QUARANTINE, MERGE_UNKNOWN_UNIT);
			return;
		}
	}
	decide(d, MERGE_ACCEPT, "ok");
}

int
merge_grants(const struct event *ev,
    int (*fn)(const char *unit, int part, void *arg), void *arg)
{
	/* The station judges its own steps by the same rule (kinds.h). */
	return kind_grants(ev, fn, arg);
}
