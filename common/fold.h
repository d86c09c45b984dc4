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
 *
 * What a step does to a record is its type's fold step (registry.h,
 * common/type-<name>.c); fold_apply finds it by the record's type. The
 * helpers at the end are for those steps.
 */
#ifndef LD_FOLD_H
#define LD_FOLD_H

#include <stddef.h>
#include <jansson.h>

#include "event.h"

#define PROJECTION_VERSION 1
/* What the fold does, as of this release: a station whose database was
 * folded by an earlier one folds every record again when it opens it
 * (ledger.c, meta "fold_version"), so that its projections are what
 * this fold makes of its events. 2: a deadline keeps who did it
 * (done_by); an act dated by its own field (acted_at) is never dated
 * before its floor; a receipt is held to sent_at alone. */
#define FOLD_VERSION 2

/* An empty projection of entity (new reference); NULL if the id is bad. */
json_t *fold_new(const char *entity);

/* Applies ev (which must belong to the doc's entity and be valid).
 * Returns 0 if applied, 1 if recorded as a conflict. */
int fold_apply(json_t *doc, const struct event *ev);

/* Takes out of doc what only the units handling the record may read:
 * the complainant's identity and the attachments marked confidential
 * (their name and caption may name the complainant). */
void fold_drop_confidential(json_t *doc);

/* Folds n events of one entity from scratch, in event_cmp order; the array
 * itself is not reordered. Returns a new reference. */
json_t *fold_events(const struct event *evs, size_t n);

/* 1 if ev sorts after the last event applied to doc, so that applying it
 * on top equals a full re-fold. */
int fold_is_next(const json_t *doc, const struct event *ev);

/* Text for the full-text index (never confidential fields). Caller frees. */
char *fold_search_text(const json_t *doc);

/* Human text for a conflict reason code: fold.c's common ones, then
 * each type's own; the code itself if none has it. */
const char *fold_reason_text(const char *code);

/*
 * For the fold steps of the record types (common/type-*.c).
 */

/* The record's status, "" before it was created. Borrowed from doc. */
const char *fold_status(const json_t *doc);
/* Copies every body field into doc, except the one named skip (or NULL). */
void fold_copy_body(json_t *doc, const json_t *body, const char *skip);
/* Creates the record from its first event: status, unit, station,
 * created_at/by, audience and every body field. */
void fold_created(json_t *doc, const struct event *ev, const char *status);
/* updated_at/by: the event's. */
void fold_stamp(json_t *doc, const struct event *ev);
/* 1 if the wall time at (ms) is past the deadline object's due. */
int fold_past_due(const json_t *deadline, int64_t at);
/* Marks the obligation doc[key] done at time at by unit ("done_by"),
 * late or not; nothing if there is none or it is done already. */
void fold_done(json_t *doc, const char *key, int64_t at, const char *unit);
/* Reopens the obligation doc[key]: not done after all. */
void fold_reopen(json_t *doc, const char *key);
/* {at, by, unit} of the event, for the lists kept on a record (new). */
json_t *fold_act(const struct event *ev);
/* Appends item (stolen) to the array doc[key], creating it. */
void fold_append(json_t *doc, const char *key, json_t *item);
/* Extends the deadline doc[key] to the event's body[key], the reason kept
 * in "extensions": NULL, or "extension_after_deadline" once it passed. */
const char *fold_extend(json_t *doc, const struct event *ev, const char *key);
/* 1 if v is the unit name unit. */
int fold_is_unit(const json_t *v, const char *unit);
/*
 * The step of a receipt kind, "<type>.received" (registry.h,
 * from_receipt), by the unit named by doc[to_key]: when the record was
 * delivered to it, body received_at, by the server's stamp or a paper
 * document's date (basis). The earliest receipt stands: a later one
 * changes nothing. One that stands is kept as "received" {at, basis, by,
 * unit, recorded_at} and replaces each deadline it carries, counted from
 * it, unless that deadline is done already or was extended. NULL, or
 * the reason: "before_creation", "receipt_not_addressed",
 * "received_before_sent" (before the record's own sent_at).
 */
const char *fold_received(json_t *doc, const struct event *ev,
    const char *to_key);
/* When the act ev records on doc was done (ms): the time field its
 * type's acted_at names for its kind (registry.h), if given and earlier
 * than the event, but not before the floor the row names; else the
 * event's own time. */
int64_t fold_acted_at(const json_t *doc, const struct event *ev);
/* When doc was sent (ms): its sent_at, the day the letter was sent,
 * else when the sender recorded it (created_at). */
int64_t fold_sent_at(const json_t *doc);
/*
 * Whether a receipt of doc may be dated at (ms): NULL, or the reason,
 * "received_before_sent" (before doc's sent_at, the day the letter was
 * sent; with RECEIPT_ENTERED and no sent_at, before the sender recorded
 * it) or "received_in_future" (after now; now 0 leaves this out, as the
 * fold does). The fold and the receipt the agent records by itself
 * check sent_at alone: the sender's clock, which created_at is, may lead
 * the receiver's, and a replica's clock decides nothing. A receipt
 * entered by hand (RECEIPT_ENTERED) is also held to when the record was
 * entered.
 */
#define RECEIPT_ENTERED 1
const char *fold_receipt_refused(const json_t *doc, int64_t at,
    int64_t now, int flags);

#endif
