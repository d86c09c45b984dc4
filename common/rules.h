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
 * A profile may also state yearly quotas (struct quota) that are not
 * deadlines, for the people register.
 *
 * Most rules count forwards from the event that starts the obligation
 * (discovery, receipt, decision). A "before" rule counts backwards from
 * a future event it prepares (a meeting): its deadline is when a notice
 * must have gone out at the latest.
 */
#ifndef LD_RULES_H
#define LD_RULES_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "calendar.h"

enum rule_unit {
	RULE_WORKDAYS,  /* 工作日: calendar_add_workdays */
	RULE_DAYS,      /* calendar days */
	RULE_HOURS,     /* clock hours, Asia/Shanghai */
	RULE_IMMEDIATE, /* 立即: due within the rule's immediate_minutes */
	RULE_MONTHS,    /* months: the same date of the final month (Civil
			   Code art. 202) */
};

/* "Immediately" counted as an hour unless the profile sets its own
 * number (immediate_minutes), so that it can be late. */
#define RULE_IMMEDIATE_MINUTES 60
#define RULE_IMMEDIATE_MS (RULE_IMMEDIATE_MINUTES * 60 * 1000LL)
/* The most minutes a profile may give "immediately" (a day). */
#define RULE_IMMEDIATE_MINUTES_MAX 1440

/* The largest amount or extend_max a profile may give (ten years). */
#define RULE_AMOUNT_MAX 3650

enum rule_direction {
	RULE_AFTER,     /* due amount units after the event (the default) */
	RULE_BEFORE,    /* due amount units before the event; workdays or
			   days only */
};

/* Where an extension cap counts from. */
enum rule_origin {
	RULE_FROM_START, /* the event: extend_max is the total (the default) */
	RULE_FROM_DUE,   /* the rule's own due time: extend_max is the
			    extension itself ("延长期限不得超过十日") */
};

/* A period in days or months whose last day is a rest day. */
enum rule_rest_day {
	RULE_REST_STAY,         /* ends there (the default) */
	RULE_REST_NEXT_WORKDAY, /* runs to the next working day (Civil Code
				   art. 203) */
};

struct rule {
	char *name;        /* "refer" */
	int amount;
	enum rule_unit unit;
	int extend_max;    /* cap of extensions, in extend_unit counted from
			      extend_from; 0: none */
	enum rule_unit extend_unit;   /* default: unit; another only with
					 RULE_FROM_DUE */
	enum rule_origin extend_from; /* default: RULE_FROM_START */
	enum rule_direction direction;
	enum rule_rest_day rest_day;  /* default: the profile's */
	int immediate_minutes; /* RULE_IMMEDIATE: default the profile's */
	char *clause;      /* the county document's words, with its number */
};

/* A yearly quota the county sets (not a deadline): "at least 60 hours of
 * training per officer per year". Names are a fixed vocabulary too
 * (quota_known); the people register reads them. */
enum quota_unit { QUOTA_HOURS };
enum quota_period { QUOTA_YEAR };

struct quota {
	char *name;        /* "training_hours" */
	int amount;        /* at least this many units per period */
	enum quota_unit unit;
	enum quota_period per;
	char *clause;
};

struct profile {
	char *name;        /* "gonghe" */
	char *county;      /* "共和县" */
	char *source;      /* the document */
	struct rule *rules;
	size_t n;
	struct quota *quotas;
	size_t nquotas;
	/* Defaults for the rules that do not set their own. */
	enum rule_rest_day rest_day;
	int immediate_minutes;
	/* [photos]: photos reduced on the station before upload (issue 18).
	 * photo_max_side 0: no [photos], no reduction. */
	int photo_max_side;  /* longest side, pixels */
	int photo_quality;   /* JPEG quality, 1..100 */
	int photo_exif_keep; /* 1: keep EXIF and other metadata; 0: strip */
};

/* [photos] bounds: max_side in PROFILE_PHOTO_SIDE_MIN..MAX, quality
 * 1..100 (default PROFILE_PHOTO_QUALITY), exif strip (default) or keep. */
#define PROFILE_PHOTO_SIDE_MIN 64
#define PROFILE_PHOTO_SIDE_MAX 20000
#define PROFILE_PHOTO_QUALITY 80

/* Parses a profile from .ini text (format in docs/rules.md). Returns 0
 * or LD_EINVAL (err says which line or rule is wrong): unknown section,
 * key, rule or quota name, a key given twice, no clause, no or bad
 * amount, unknown unit, direction, origin or rest_day value, extend_max
 * below amount or extend_unit other than unit for a total (extend_from
 * start), extend_unit or extend_from without extend_max, an immediate
 * rule with extend_max, "before" with hours, months or
 * immediate, immediate_minutes on a rule that is not immediate or out of
 * 1..RULE_IMMEDIATE_MINUTES_MAX, a line longer than CALENDAR_LINE_MAX
 * bytes. */
int profile_parse(const char *text, struct profile **out, char *err);
/* profile_parse of a file of at most 256 KiB: also LD_ECONFIG (cannot
 * read) and LD_ETOOBIG; err names the file. */
int profile_load(const char *path, struct profile **out, char *err);
void profile_free(struct profile *p);

/*
 * A profile as a deployment names it (server.conf's rules, the agent's
 * $LIANDONG_RULES or [rules] profile): the name of an installed profile
 * (a-z and _: <paths_data()>/rules/<name>.ini) or a file (a value with a
 * '/' or ending in ".ini"). profile_path gives the file (the caller
 * frees *path) or LD_ECONFIG when a name is not installed, err naming
 * the file looked for and the installed names. profile_load_setting is
 * profile_path then profile_load.
 */
int profile_path(const char *setting, char **path, char *err);
int profile_load_setting(const char *setting, struct profile **out,
    char *err);
/* The installed profiles' names, sorted, ", " between them ("" when
 * there are none); the caller frees it. */
char *profile_installed(void);

/* 1 if name is in the vocabulary of rule names (docs/rules.md): a rule
 * some record type's deadline is computed by (registry.h). */
int rule_known(const char *name);
/* 1 if name is in the vocabulary of quota names (training_hours). */
int quota_known(const char *name);

const struct rule *profile_rule(const struct profile *p, const char *name);
const struct quota *profile_quota(const struct profile *p, const char *name);

/* As JSON (for stations to receive it), and back. "direction" appears
 * only for "before" rules, "extend_unit" and "extend_from" only with a
 * cap that differs from a total in the rule's unit, "rest_day" and
 * "immediate_minutes" only when not the default, "quotas" only when
 * there are some. A rule in months is sent as its days ("unit": "days",
 * amount * 365 / 12, what stations before months counted) with
 * "months": amount, which newer stations count by. profile_from_json
 * keeps rule and quota names it does not know (a newer server may send
 * them); profile_parse refuses them. */
json_t *profile_json(const struct profile *p);
int profile_from_json(const json_t *o, struct profile **out, char *err);

/* The due time of rule r for an obligation that started at from_ms.
 * *assumed is set when a working day had to be guessed (no calendar for
 * its year); it is never cleared. amount overrides r->amount when > 0
 * (an extension: the new total, in the rule's unit, from from_ms). For
 * a "before" rule from_ms is the event prepared for (the meeting) and
 * the result is the start (00:00 CST) of the day amount working or
 * calendar days before its day. A period of one or more days or months
 * whose last day is a rest day runs to the end of the next working day
 * when r->rest_day says so. */
int64_t rule_due(const struct rule *r, const struct calendar *c,
    int64_t from_ms, int amount, int *assumed);

/* The latest due time an extension of r may reach for an obligation
 * started at from_ms: extend_max units of extend_unit after from_ms
 * (RULE_FROM_START) or after r's own due time (RULE_FROM_DUE), moved as
 * rule_due moves a period's end; INT64_MAX when r has no cap. */
int64_t rule_extend_cap(const struct rule *r, const struct calendar *c,
    int64_t from_ms, int *assumed);

/* The section number a clause starts with ("三(五)3" of "三(五)3：…"),
 * into buf, for short messages; the rule's name when the clause has
 * none. Returns buf. */
const char *rule_clause_ref(const struct rule *r, char *buf, size_t len);

const char *rule_unit_name(enum rule_unit u);
const char *rule_direction_name(enum rule_direction d);
const char *rule_origin_name(enum rule_origin o);
const char *rule_rest_day_name(enum rule_rest_day d);

#endif
