/*
 * figures.h - the county's records folded and counted for the people who
 * read them: `liandong-server report`/`dump`/`due` (cmd-report.c,
 * cmd-data.c) and the dashboard (dash.c) call the same functions, so
 * that a figure the dashboard shows is the one `report --json` prints,
 * computed once, by common/stats.c.
 *
 * No HTTP and no command line here: a store, a unit (or the county), and
 * what to hand each projection to.
 */
#ifndef LD_FIGURES_H
#define LD_FIGURES_H

#include <stdint.h>

#include <jansson.h>

struct store;
struct stats;

/* Folds every entity the unit (NULL: the county) may see and hands each
 * projection to fn, in entity order (`dump`, `due`: what needs a
 * record's identity or every record whatever its times). Returns 0, an LD_E* code of the
 * store with err set, or LD_EINTEGRITY when a stored event does not
 * parse. The caller holds whatever lock the store needs. */
int figures_fold(struct store *s, const char *unit,
    void (*fn)(const json_t *doc, void *arg), void *arg, char *err);

/*
 * The figures of period (stats_period's text) for unit (NULL: the
 * county), of category alone when it is not NULL (stats_set_category),
 * at now, in *out (new reference): stats_result's object with
 * "period", "county", "from", "to", "unit" and "category" set, as `report --json`
 * prints it under "report". With trail (may be NULL), every record
 * counted is also handed to it (stats_trail, stats.h). The records are
 * the stored projections (projection.h), made current first
 * (projection_ensure: a write transaction of the caller's connection,
 * outside any the caller holds), read by the period's times; the
 * figures are those of folding every record the unit sees. Returns 0,
 * LD_EINVAL for a period that is none (err says so), the store's
 * LD_E* codes, or LD_EINTEGRITY when a stored event or projection does
 * not parse.
 */
/* What every output says of itself, set in result: the county, the
 * period and its bounds [from, to), the unit asked for (null: the
 * county). */
void figures_heading(json_t *result, const char *county, const char *period,
    int64_t from, int64_t to, const char *unit);

struct stats_trail;
int figures_report(struct store *s, const char *county, const char *period,
    const char *unit, const char *category, int64_t now, const struct stats_trail *trail,
    json_t **out, char *err);

/*
 * The penalty decisions of period for publication (`liandong-server
 * publish`, the dashboard's publication export), of unit alone when it
 * is not NULL, in *out (new reference): {"decisions": [{record, unit,
 * title, category, decided, parties, text}], "held_back": [{record,
 * unit, decided}]}, every party's name, phone and identity number
 * masked (mask.h); a decision whose case names no party is held back.
 * Reads every stored projection the unit sees (as figures_report).
 * Returns 0, LD_EINVAL for a bad period, or figures_report's errors.
 */
int figures_publication(struct store *s, const char *period,
    const char *unit, json_t **out, char *err);

/* What `station list` says of a station: "active", "pending" (its code
 * not yet used), "expired" or "revoked". */
struct station_rec;
const char *figures_station_status(const struct station_rec *r,
    int64_t now);

/*
 * The county's stations as the dashboard's stations page shows them, in
 * *out (new reference): an array of {station, unit, role, status,
 * last_sync (ms, or null: never), events (the highest contiguous seq
 * held), backlog (events routed to its unit it has not pulled),
 * clock_offset_ms (its last event's clock, "at", less the server's
 * clock when it received that event; null: no event) and version
 * (null: the server does not keep it)}, in name order. The clock
 * offset is what the store keeps: a station that wrote its last event
 * offline and pushed it later reads negative by that delay; one whose
 * clock is ahead reads positive. Returns 0 or the store's LD_E* code
 * with err set. The caller holds whatever lock the store needs.
 */
int figures_stations(struct store *s, json_t **out, char *err);

#endif
