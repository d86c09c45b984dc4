/*
 * rules.h - a county's rule profile: the legal deadlines it counts, as
 * data (conf/rules/<county>.ini), each rule citing the clause of the
 * county document it comes from.
 *
 * Rule names are a fixed vocabulary (see docs/rules.md); a profile gives
 * the rules its county has and omits the others. A deadline is computed
 * once, when its obligation starts, and written into the event that
 * starts it, so that a later profile change never rewrites history.
 *
 * Most rules count forwards from the event that starts the obligation
 * (discovery, receipt, decision). A "before" rule counts backwards from
 * a future event it prepares (a meeting): its deadline is when a notice
 * must have gone out at the latest.
 */
#ifndef LD_RULES_H
#define LD_RULES_H

#include <stdint.h>
#include <jansson.h>

#include "calendar.h"

enum rule_unit {
	RULE_WORKDAYS,  /* 工作日: calendar_add_workdays */
	RULE_DAYS,      /* calendar days */
	RULE_HOURS,     /* clock hours, Asia/Shanghai */
	RULE_IMMEDIATE, /* 立即: due within RULE_IMMEDIATE_MS */
};

/* "Immediately" counted as one hour, so that it can be late. */
#define RULE_IMMEDIATE_MS (3600 * 1000LL)

/* The largest amount or extend_max a profile may give (ten years). */
#define RULE_AMOUNT_MAX 3650

enum rule_direction {
	RULE_AFTER,     /* due amount units after the event (the default) */
	RULE_BEFORE,    /* due amount units before the event; workdays or
			   days only */
};

struct rule {
	char *name;        /* "refer" */
	int amount;
	enum rule_unit unit;
	int extend_max;    /* total cap after extensions, same unit; 0: none */
	enum rule_direction direction;
	char *clause;      /* the county document's words, with its number */
};

struct profile {
	char *name;        /* "gonghe" */
	char *county;      /* "共和县" */
	char *source;      /* the document */
	struct rule *rules;
	size_t n;
};

/* Parses a profile from .ini text (format in docs/rules.md). Returns 0
 * or LD_EINVAL (err says which line or rule is wrong): unknown section,
 * key or rule name, a key given twice, no clause, no or bad amount,
 * unknown unit or direction, extend_max below amount, "before" with
 * hours or immediate, a line longer than CALENDAR_LINE_MAX bytes. */
int profile_parse(const char *text, struct profile **out, char *err);
/* profile_parse of a file of at most 256 KiB: also LD_ECONFIG (cannot
 * read) and LD_ETOOBIG; err names the file. */
int profile_load(const char *path, struct profile **out, char *err);
void profile_free(struct profile *p);

/* 1 if name is in the vocabulary of rule names (docs/rules.md): a rule
 * some record type's deadline is computed by (registry.h). */
int rule_known(const char *name);

const struct rule *profile_rule(const struct profile *p, const char *name);

/* As JSON (for stations to receive it), and back. "direction" appears
 * only for "before" rules. profile_from_json keeps rule names it does
 * not know (a newer server may send them); profile_parse refuses them. */
json_t *profile_json(const struct profile *p);
int profile_from_json(const json_t *o, struct profile **out, char *err);

/* The due time of rule r for an obligation that started at from_ms.
 * *assumed is set when a working day had to be guessed (no calendar for
 * its year); it is never cleared. amount overrides r->amount when > 0
 * (an extension). For a "before" rule from_ms is the event prepared for
 * (the meeting) and the result is the start (00:00 CST) of the day
 * amount working or calendar days before its day. */
int64_t rule_due(const struct rule *r, const struct calendar *c,
    int64_t from_ms, int amount, int *assumed);

const char *rule_unit_name(enum rule_unit u);
const char *rule_direction_name(enum rule_direction d);

#endif
