/*
 * projection.h - the county's projections kept in the server's store
 * (issue 17): each record's county-wide fold, stored when an event of it
 * is stored, so that the county's figures read the records that can
 * count in a period instead of folding every record on each request.
 *
 * What is stored for a record is what figures_fold hands out for the
 * county (unit NULL: every event of it but the private ones, in fold
 * order) less the complainant's identity ("identity"), and the times
 * stats_times gives for it, which the store indexes. Both backends keep
 * them through store_ops (projection_put, projections_read,
 * projections_stale, projections_clear); their event_insert marks the
 * event's record stale, and projection_ensure, run before the stored
 * rows are read, refolds what was marked: the fold and the times are
 * made here, once for both, off the push's path. A unit's view
 * is the stored projection where the unit holds every event the county
 * sees of the record and none kept to it, else its own fold.
 *
 * Versions: meta PROJECTION_META holds PROJECTION_STORED; a store whose
 * value differs (none yet: a database made or filled before this
 * release, or one folded by another fold) is rebuilt by
 * projection_ensure before its projections are read.
 */
#ifndef LD_PROJECTION_H
#define LD_PROJECTION_H

#include <stdint.h>

#include <jansson.h>

struct store;

#define PROJECTION_META "projections_version"
/* The fold's version (fold.h) and this table's own (1: the doc less
 * "identity", the times of stats_times): a change of either rebuilds. */
#define PROJECTION_FORMAT 1

/* The version string of this release's projections, e.g. "fold 2/1". */
const char *projection_stored_version(void);

/*
 * Folds entity from every event the county sees of it (store_ops
 * entity_events with no unit) and writes the result with
 * store_ops.projection_put, which takes its stale mark off, in the
 * caller's transaction; an entity with no such event has its row
 * dropped. Returns 0 or the store's LD_E* code; LD_EINTEGRITY if a
 * stored event does not parse.
 */
int projection_refold(struct store *s, const char *entity, char *err);

/*
 * Rebuilds every stored projection in one transaction of its own when
 * the store's PROJECTION_META is not this release's (or always, with
 * force), and records the version; says how far it got on stderr
 * (log_line) every 50,000 records. Nothing is written when they are
 * current (what `serve` runs before it listens: its start commits
 * nothing then). *rebuilt (may be NULL): how many records were folded,
 * 0 when nothing was to do. Returns 0 or an LD_E* code, nothing changed.
 */
int projection_rebuild(struct store *s, int force, int64_t *rebuilt,
    char *err);

/*
 * Makes the stored projections current, in transactions of its own
 * (outside the caller's): when the store's PROJECTION_META is not this
 * release's (or always, with force), rebuilds every one in one
 * transaction and records the version, saying how far it got on stderr
 * (log_line) every 50,000 records; else refolds the records
 * event_insert marked since, 500 a transaction. *rebuilt (may be NULL):
 * how many records were folded, 0 when nothing was to do. Returns 0 or
 * an LD_E* code (what was committed before stays: each transaction
 * leaves the rows current for what it folded).
 */
int projection_ensure(struct store *s, int force, int64_t *rebuilt,
    char *err);

/*
 * Hands fn, in entity order, the projection of every record that can
 * count in [from, to) (some time of stats_times in it); with
 * from == INT64_MIN and to == INT64_MAX, of every record. With unit
 * NULL, the county's stored ones. With a unit, every record it sees as
 * figures_fold(unit) would fold it: the stored projection where the
 * unit holds exactly the county's events of it (projections_read,
 * store.h), else folded here from the unit's events, whatever its
 * times. doc is borrowed for the call; stored ones lack "identity".
 * Reads what is stored: the caller runs projection_ensure first.
 * Returns 0, the store's LD_E* code, or LD_EINTEGRITY for a stored
 * text that does not parse or an event that does not.
 */
int projection_each(struct store *s, const char *unit, int64_t from,
    int64_t to, void (*fn)(const json_t *doc, void *arg), void *arg,
    char *err);

#endif
