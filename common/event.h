/*
 * event.h - the event: the one record type every replica stores.
 *
 * Invariants (checked by event_validate and by `liandong verify`):
 *  1. (station, seq) is unique county-wide; a station's seqs are 1, 2, 3...
 *     with no gaps.
 *  2. prev is the hash of the same station's event seq-1, HASH_ZERO for
 *     seq 1; hash is SHA-256 of the canonical JSON of every other field.
 *  3. hlc is strictly increasing along one station's chain.
 *  4. audience always contains unit.
 *  5. body satisfies the schema of kind (see kinds.h), and entity names an
 *     entity of the type kind belongs to.
 * An event is never edited or deleted once written.
 */
#ifndef LD_EVENT_H
#define LD_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "hash.h"
#include "hlc.h"

#define EVENT_VERSION 1
#define STATION_MAX 32
#define UNIT_MAX 40    /* characters */
#define AUTHOR_MAX 32  /* characters */
#define ENTITY_MAX 64  /* bytes */
#define AUDIENCE_MAX 32
#define EVENT_MAX_BYTES 65536 /* canonical text of one event */

struct event {
	char station[STATION_MAX + 1];
	int64_t seq;
	hlc_t hlc;
	int64_t at;       /* author's wall clock, ms */
	char *unit;       /* owned */
	char *author;     /* owned */
	char *kind;       /* owned */
	char *entity;     /* owned */
	json_t *audience; /* owned reference: array of unit names */
	json_t *body;     /* owned reference: object */
	char prev[HASH_HEX];
	char hash[HASH_HEX];
};

/* Frees the contents; the struct may be reused after event_init. */
void event_release(struct event *ev);
void event_init(struct event *ev);

/* Deep copy of src into dst (dst must be released or fresh). */
void event_copy(struct event *dst, const struct event *src);

/* The event as a JSON object (new reference), with or without "hash". */
json_t *event_json(const struct event *ev, int with_hash);

/* Canonical text (caller frees) of the event with or without its hash. */
char *event_canonical(const struct event *ev, int with_hash);

/* Computes ev->hash from the other fields. */
void event_seal(struct event *ev);

/* Fills ev from a parsed JSON object; checks shape and types only.
 * Unknown top-level keys are refused. Returns 0 or LD_EINVAL. */
int event_from_json(const json_t *o, struct event *ev, char *err);

/* Fills ev from the text of one event: its shape only, as cjson_parse
 * then event_from_json would (the same event, the same refusals), but a
 * canonical text, as the ledger stores and stations send them, is read
 * without giving more than its audience and body to jansson; any other
 * text goes to jansson whole. The re-fold of stored events uses it
 * alone; event_parse_canonical validates what it gives. 0 or LD_EINVAL;
 * on failure ev is empty. */
int event_from_text(const char *text, size_t len, struct event *ev,
    char *err);

/* Parses, checks shape, validates and checks the hash of one event in
 * canonical or any other JSON text. Returns 0, LD_EINVAL or LD_EINTEGRITY
 * (hash does not match the content). */
int event_parse(const char *text, size_t len, struct event *ev, char *err);

/* event_parse, and on success *canon is the event's canonical text with
 * its hash (caller frees): the text to store, whatever form it came in.
 * On failure *canon is NULL. */
int event_parse_canonical(const char *text, size_t len, struct event *ev,
    char **canon, char *err);

/* Checks invariants 2 (hash, not prev linkage), 4 and 5 and the syntax of
 * every field. Returns 0, LD_EINVAL or LD_EINTEGRITY. */
int event_validate(const struct event *ev, char *err);

/* 1 if s is a valid station id: 1..32 of [a-z0-9_-], starting alnum. */
int station_id_valid(const char *s);

/* Total order used by the fold: (hlc, station, seq). */
int event_cmp(const struct event *a, const struct event *b);

#endif
