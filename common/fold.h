/*
 * fold.h - projections: the state of one entity as a pure fold of its
 * events in (hlc, station, seq) order.
 *
 * A projection is a JSON object. fold_apply is the step function; folding
 * the same set of events from fold_new in event_cmp order gives the same
 * canonical bytes on every replica, whatever order they arrived in.
 * An event that is illegal where it falls in that order (an edit after a
 * close, a second close) is counted, recorded under "conflicts" with a
 * reason code, and changes nothing else.
 */
#ifndef LD_FOLD_H
#define LD_FOLD_H

#include <stddef.h>
#include <jansson.h>

#include "event.h"

#define PROJECTION_VERSION 1

/* An empty projection of entity (new reference); NULL if the id is bad. */
json_t *fold_new(const char *entity);

/* Applies ev (which must belong to the doc's entity and be valid).
 * Returns 0 if applied, 1 if recorded as a conflict. */
int fold_apply(json_t *doc, const struct event *ev);

/* Folds n events of one entity from scratch, in event_cmp order; the array
 * itself is not reordered. Returns a new reference. */
json_t *fold_events(const struct event *evs, size_t n);

/* 1 if ev sorts after the last event applied to doc, so that applying it
 * on top equals a full re-fold. */
int fold_is_next(const json_t *doc, const struct event *ev);

/* Text for the full-text index (never confidential fields). Caller frees. */
char *fold_search_text(const json_t *doc);

/* Human text for a conflict reason code. */
const char *fold_reason_text(const char *code);

#endif
