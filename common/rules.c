/*
 * rules.c - rule profiles (see rules.h).
 *
 * A profile is read with inih. Lines longer than CALENDAR_LINE_MAX bytes
 * are refused rather than split by inih; a long clause is written on
 * indented continuation lines, which inih hands over as more values of
 * the same key and which are joined here. Every other key may be given
 * once per rule, and every name must be known, so that a typo in a
 * county's file is an error and not a rule silently missing.
 *
 * Defaults a rule does not set (extend_unit, rest_day,
 * immediate_minutes) are filled in once the whole file is read, so that
 * [profile] may come anywhere; a parsed profile holds every value
 * resolved, and so does its JSON.
 */
#include <dirent.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"
#include "registry.h"
#include "rules.h"
#include "text.h"
#include "textfile.h"
#include "util.h"

#define PROFILE_FILE_MAX (256 * 1024)

static const char *const unit_names[] = { "workdays", "days", "hours",
	"immediate", "months" };
static const char *const direction_names[] = { "after", "before" };
static const char *const origin_names[] = { "start", "due" };
static const char *const rest_day_names[] = { "stay", "next_workday" };

/* Quota names (docs/rules.md): what the people register reads. */
static const char *const quota_names[] = {
	"training_hours", /* each officer's training, hours a year */
	NULL,
};

/* Keys of a rule, as bits, to refuse one given twice. */
enum {
	KEY_AMOUNT = 1 << 0,
	KEY_UNIT = 1 << 1,
	KEY_EXTEND_MAX = 1 << 2,
	KEY_DIRECTION = 1 << 3,
	KEY_EXTEND_UNIT = 1 << 4,
	KEY_EXTEND_FROM = 1 << 5,
	KEY_REST_DAY = 1 << 6,
	KEY_IMMEDIATE = 1 << 7,
	KEY_PER = 1 << 8,
	KEY_PHOTO_SIDE = 1 << 9,    /* [photos], in pseen */
	KEY_PHOTO_QUALITY = 1 << 10,
	KEY_PHOTO_EXIF = 1 << 11,
};

const char *
rule_unit_name(enum rule_unit u)
{
	return unit_names[u];
}

const char *
rule_direction_name(enum rule_direction d)
{
	return direction_names[d];
}

const char *
rule_origin_name(enum rule_origin o)
{
	return origin_names[o];
}

const char *
rule_rest_day_name(enum rule_rest_day d)
{
	return rest_day_names[d];
}

/* The vocabulary (docs/rules.md) is what the record types' deadlines
 * name (registry.h): a rule is declared with the deadline it computes.
 * Never rename one: profiles in the field use the names. */
int
rule_known(const char *name)
{
	const struct entity_type *t;
	const struct deadline_decl *d;
	size_t i, j;

	for (i = 0; (t = entity_type_at(i)) != NULL; i++)
		for (d = t->deadlines; d != NULL && d->key != NULL; d++)
			for (j = 0; d->rules != NULL && d->rules[j] != NULL; j++)
				if (strcmp(d->rules[j], name) == 0)
					return 1;
	return 0;
}

int
quota_known(const char *name)
{
	size_t i;

	for (i = 0; quota_names[i] != NULL; i++)
		if (strcmp(quota_names[i], name) == 0)
			return 1;
	return 0;
}

/* The index of s in names[0..n), or -1. */
static int
name_index(const char *const *names, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

static int
unit_of(const char *s, enum rule_unit *u)
{
	int i = name_index(unit_names, sizeof unit_names / sizeof unit_names[0],
	    s);

	if (i < 0)
		return LD_EINVAL;
	*u = (enum rule_unit)i;
	return 0;
}

static int
direction_of(const char *s, enum rule_direction *d)
{
	int i = name_index(direction_names, 2, s);

	if (i < 0)
		return LD_EINVAL;
	*d = (enum rule_direction)i;
	return 0;
}

static int
origin_of(const char *s, enum rule_origin *o)
{
	int i = name_index(origin_names, 2, s);

	if (i < 0)
		return LD_EINVAL;
	*o = (enum rule_origin)i;
	return 0;
}

static int
rest_day_of(const char *s, enum rule_rest_day *d)
{
	int i = name_index(rest_day_names, 2, s);

	if (i < 0)
		return LD_EINVAL;
	*d = (enum rule_rest_day)i;
	return 0;
}

void
profile_free(struct profile *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		free(p->rules[i].name);
		free(p->rules[i].clause);
	}
	for (i = 0; i < p->nquotas; i++) {
		free(p->quotas[i].name);
		free(p->quotas[i].clause);
	}
	free(p->rules);
	free(p->quotas);
	free(p->name);
	free(p->county);
	free(p->source);
	free(p);
}

const struct rule *
profile_rule(const struct profile *p, const char *name)
{
	size_t i;

	for (i = 0; p != NULL && i < p->n; i++)
		if (strcmp(p->rules[i].name, name) == 0)
			return &p->rules[i];
	return NULL;
}

const struct quota *
profile_quota(const struct profile *p, const char *name)
{
	size_t i;

	for (i = 0; p != NULL && i < p->nquotas; i++)
		if (strcmp(p->quotas[i].name, name) == 0)
			return &p->quotas[i];
	return NULL;
}

static struct profile *
profile_new(void)
{
	struct profile *p = xcalloc(1, sizeof *p);

	p->rest_day = RULE_REST_STAY;
	p->immediate_minutes = RULE_IMMEDIATE_MINUTES;
	p->photo_quality = PROFILE_PHOTO_QUALITY;
	return p;
}

static int
name_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
			return 0;
	return i > 0 && i <= 32;
}

struct parse {
	struct profile *p;
	unsigned *seen;    /* KEY_* bits per rule, parallel to p->rules */
	size_t nseen;
	unsigned *qseen;   /* the same per quota, parallel to p->quotas */
	size_t nqseen;
	unsigned pseen;    /* [profile]'s rest_day and immediate_minutes */
	char *err;
	int rc;
};

static struct rule *
rule_for(struct profile *p, const char *name)
{
	struct rule *r = (struct rule *)profile_rule(p, name);

	if (r != NULL)
		return r;
	p->rules = xrealloc(p->rules, (p->n + 1) * sizeof *p->rules);
	r = &p->rules[p->n++];
	memset(r, 0, sizeof *r);
	r->name = xstrdup(name);
	r->amount = -1;
	r->unit = RULE_WORKDAYS;
	r->extend_unit = RULE_WORKDAYS;
	r->extend_from = RULE_FROM_START;
	r->direction = RULE_AFTER;
	r->rest_day = RULE_REST_STAY;
	r->immediate_minutes = RULE_IMMEDIATE_MINUTES;
	return r;
}

static struct quota *
quota_for(struct profile *p, const char *name)
{
	struct quota *q = (struct quota *)profile_quota(p, name);

	if (q != NULL)
		return q;
	p->quotas = xrealloc(p->quotas, (p->nquotas + 1) * sizeof *p->quotas);
	q = &p->quotas[p->nquotas++];
	memset(q, 0, sizeof *q);
	q->name = xstrdup(name);
	q->amount = -1;
	q->unit = QUOTA_HOURS;
	q->per = QUOTA_YEAR;
	return q;
}

/* A whole decimal number in 0..max. */
static int
number_of(const char *s, int max, int *v)
{
	char *end;
	long n;

	if (s[0] < '0' || s[0] > '9')
		return LD_EINVAL;
	n = strtol(s, &end, 10);
	if (*end != '\0' || n > max)
		return LD_EINVAL;
	*v = (int)n;
	return 0;
}

/* Appends a continuation line to a text value. */
static void
append(char **slot, const char *value)
{
	char *joined = xasprintf("%s%s", *slot, value);

	free(*slot);
	*slot = joined;
}

static int
immediate_of(const char *value, int *minutes)
{
	return number_of(value, RULE_IMMEDIATE_MINUTES_MAX, minutes) != 0 ||
	    *minutes < 1 ? LD_EINVAL : 0;
}

/* [photos]: max_side (required when the section is there), quality,
 * exif strip|keep. */
static int
on_photos_key(struct parse *ps, const char *name, const char *value)
{
	struct profile *p = ps->p;
	unsigned bit;

	if (strcmp(name, "max_side") == 0)
		bit = KEY_PHOTO_SIDE;
	else if (strcmp(name, "quality") == 0)
		bit = KEY_PHOTO_QUALITY;
	else if (strcmp(name, "exif") == 0)
		bit = KEY_PHOTO_EXIF;
	else
		return ld_fail(ps->err, LD_EINVAL,
		    _("[photos]: unknown key '%s' (max_side, quality, exif)"),
		    name);
	if (ps->pseen & bit)
		return ld_fail(ps->err, LD_EINVAL,
		    _("[photos]: '%s' given twice"), name);
	ps->pseen |= bit;
	if (bit == KEY_PHOTO_SIDE) {
		if (number_of(value, PROFILE_PHOTO_SIDE_MAX,
		    &p->photo_max_side) != 0 ||
		    p->photo_max_side < PROFILE_PHOTO_SIDE_MIN)
			return ld_fail(ps->err, LD_EINVAL,
			    _("[photos]: max_side must be a whole number of pixels from %d to %d"),
			    PROFILE_PHOTO_SIDE_MIN, PROFILE_PHOTO_SIDE_MAX);
	} else if (bit == KEY_PHOTO_QUALITY) {
		if (number_of(value, 100, &p->photo_quality) != 0 ||
		    p->photo_quality < 1)
			return ld_fail(ps->err, LD_EINVAL,
			    _("[photos]: quality must be a whole number from 1 to 100"));
	} else if (strcmp(value, "keep") == 0 || strcmp(value, "strip") == 0)
		p->photo_exif_keep = strcmp(value, "keep") == 0;
	else
		return ld_fail(ps->err, LD_EINVAL,
		    _("[photos]: exif must be strip or keep, not '%s'"), value);
	return 0;
}

static int
on_profile_key(struct parse *ps, const char *name, const char *value)
{
	struct profile *p = ps->p;
	char **slot;
	unsigned bit = 0;

	if (strcmp(name, "rest_day") == 0)
		bit = KEY_REST_DAY;
	else if (strcmp(name, "immediate_minutes") == 0)
		bit = KEY_IMMEDIATE;
	if (bit != 0 && (ps->pseen & bit))
		return ld_fail(ps->err, LD_EINVAL,
		    _("[profile]: '%s' given twice"), name);
	ps->pseen |= bit;
	if (bit == KEY_REST_DAY) {
		if (rest_day_of(value, &p->rest_day) != 0)
			return ld_fail(ps->err, LD_EINVAL,
			    _("[profile]: rest_day must be stay or next_workday, "
			    "not '%s'"), value);
		return 0;
	}
	if (bit == KEY_IMMEDIATE) {
		if (immediate_of(value, &p->immediate_minutes) != 0)
			return ld_fail(ps->err, LD_EINVAL,
			    _("[profile]: immediate_minutes must be a whole number "
			    "from 1 to %d"), RULE_IMMEDIATE_MINUTES_MAX);
		return 0;
	}
	if (strcmp(name, "name") == 0)
		slot = &p->name;
	else if (strcmp(name, "county") == 0)
		slot = &p->county;
	else if (strcmp(name, "source") == 0)
		slot = &p->source;
	else
		return ld_fail(ps->err, LD_EINVAL,
		    _("[profile]: unknown key '%s'"), name);
	if (*slot != NULL && slot == &p->source) {
		append(slot, value); /* a long title continued */
		return 0;
	}
	if (*slot != NULL)
		return ld_fail(ps->err, LD_EINVAL,
		    _("[profile]: '%s' given twice"), name);
	*slot = xstrdup(value);
	return 0;
}

/* The bit of a rule's key, 0 for clause, -1 for an unknown key. */
static long
rule_key_bit(const char *name)
{
	static const struct {
		const char *name;
		unsigned bit;
	} keys[] = {
		{ "amount", KEY_AMOUNT },
		{ "unit", KEY_UNIT },
		{ "extend_max", KEY_EXTEND_MAX },
		{ "extend_unit", KEY_EXTEND_UNIT },
		{ "extend_from", KEY_EXTEND_FROM },
		{ "direction", KEY_DIRECTION },
		{ "rest_day", KEY_REST_DAY },
		{ "immediate_minutes", KEY_IMMEDIATE },
		{ "clause", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (strcmp(keys[i].name, name) == 0)
			return keys[i].bit;
	return -1;
}

static int
on_rule_key(struct parse *ps, struct rule *r, unsigned *seen,
    const char *name, const char *value)
{
	long bit = rule_key_bit(name);

	if (bit == 0) {
		/* Continuation lines arrive as more clause values. */
		if (r->clause == NULL)
			r->clause = xstrdup(value);
		else
			append(&r->clause, value);
		return 0;
	}
	if (bit < 0)
		return ld_fail(ps->err, LD_EINVAL, _("rule %s: unknown key '%s'"),
		    r->name, name);
	if (*seen & bit)
		return ld_fail(ps->err, LD_EINVAL, _("rule %s: '%s' given twice"),
		    r->name, name);
	*seen |= (unsigned)bit;
	switch (bit) {
	case KEY_AMOUNT:
		if (number_of(value, RULE_AMOUNT_MAX, &r->amount) != 0)
			return ld_fail(ps->err, LD_EINVAL,
			    _("rule %s: amount must be a whole number from 0 to %d"),
			    r->name, RULE_AMOUNT_MAX);
		break;
	case KEY_EXTEND_MAX:
		if (number_of(value, RULE_AMOUNT_MAX, &r->extend_max) != 0)
			return ld_fail(ps->err, LD_EINVAL,
			    _("rule %s: extend_max must be a whole number from 0 "
			    "to %d"), r->name, RULE_AMOUNT_MAX);
		break;
	case KEY_UNIT:
		if (unit_of(value, &r->unit) != 0)
			return ld_fail(ps->err, LD_EINVAL,
			    _("rule %s: unit must be workdays, days, months, hours or "
			    "immediate, not '%s'"), r->name, value);
		break;
	case KEY_EXTEND_UNIT:
		if (unit_of(value, &r->extend_unit) != 0 ||
		    r->extend_unit == RULE_IMMEDIATE)
			return ld_fail(ps->err, LD_EINVAL,
			    _("rule %s: extend_unit must be workdays, days, months or "
			    "hours, not '%s'"), r->name, value);
		break;
	case KEY_EXTEND_FROM:
		if (origin_of(value, &r->extend_from) != 0)
			return ld_fail(ps->err, LD_EINVAL,
			    _("rule %s: extend_from must be start or due, not '%s'"),
			    r->name, value);
		break;
	case KEY_REST_DAY:
		if (rest_day_of(value, &r->rest_day) != 0)
			return ld_fail(ps->err, LD_EINVAL,
			    _("rule %s: rest_day must be stay or next_workday, not "
			    "'%s'"), r->name, value);
		break;
	case KEY_IMMEDIATE:
		if (immediate_of(value, &r->immediate_minutes) != 0)
			return ld_fail(ps->err, LD_EINVAL,
			    _("rule %s: immediate_minutes must be a whole number "
			    "from 1 to %d"), r->name, RULE_IMMEDIATE_MINUTES_MAX);
		break;
	default:
		if (direction_of(value, &r->direction) != 0)
			return ld_fail(ps->err, LD_EINVAL,
			    _("rule %s: direction must be after or before, not '%s'"),
			    r->name, value);
		break;
	}
	return 0;
}

static int
on_quota_key(struct parse *ps, struct quota *q, unsigned *seen,
    const char *name, const char *value)
{
	unsigned bit;

	if (strcmp(name, "clause") == 0) {
		if (q->clause == NULL)
			q->clause = xstrdup(value);
		else
			append(&q->clause, value);
		return 0;
	}
	if (strcmp(name, "amount") == 0)
		bit = KEY_AMOUNT;
	else if (strcmp(name, "unit") == 0)
		bit = KEY_UNIT;
	else if (strcmp(name, "per") == 0)
		bit = KEY_PER;
	else
		return ld_fail(ps->err, LD_EINVAL, _("quota %s: unknown key '%s'"),
		    q->name, name);
	if (*seen & bit)
		return ld_fail(ps->err, LD_EINVAL, _("quota %s: '%s' given twice"),
		    q->name, name);
	*seen |= bit;
	if (bit == KEY_AMOUNT && number_of(value, RULE_AMOUNT_MAX,
	    &q->amount) != 0)
		return ld_fail(ps->err, LD_EINVAL,
		    _("quota %s: amount must be a whole number from 0 to %d"),
		    q->name, RULE_AMOUNT_MAX);
	if (bit == KEY_UNIT && strcmp(value, "hours") != 0)
		return ld_fail(ps->err, LD_EINVAL,
		    _("quota %s: unit must be hours, not '%s'"), q->name, value);
	if (bit == KEY_PER && strcmp(value, "year") != 0)
		return ld_fail(ps->err, LD_EINVAL,
		    _("quota %s: per must be year, not '%s'"), q->name, value);
	return 0;
}

/* Grows a seen array to n entries, the new ones 0. */
static void
grow_seen(unsigned **seen, size_t *nseen, size_t n)
{
	if (n <= *nseen)
		return;
	*seen = xrealloc(*seen, n * sizeof **seen);
	while (*nseen < n)
		(*seen)[(*nseen)++] = 0;
}

static int
on_entry(void *user, const char *section, const char *name,
    const char *value)
{
	struct parse *ps = user;
	struct profile *p = ps->p;
	int quota = strncmp(section, "quota ", 6) == 0;
	const char *rname;
	size_t i;

	if (ps->rc != 0)
		return 1;
	if (strcmp(section, "profile") == 0) {
		ps->rc = on_profile_key(ps, name, value);
		return 1;
	}
	if (strcmp(section, "photos") == 0) {
		ps->rc = on_photos_key(ps, name, value);
		return 1;
	}
	if (strncmp(section, "rule ", 5) != 0 && !quota) {
		ps->rc = ld_fail(ps->err, LD_EINVAL, _("unknown section [%s]"),
		    section);
		return 1;
	}
	rname = section + (quota ? 6 : 5);
	if (!name_ok(rname)) {
		ps->rc = ld_fail(ps->err, LD_EINVAL, quota ?
		    _("bad quota name '%s'") : _("bad rule name '%s'"), rname);
		return 1;
	}
	if (quota ? !quota_known(rname) : !rule_known(rname)) {
		ps->rc = ld_fail(ps->err, LD_EINVAL, quota ?
		    _("unknown quota '%s' (the names are listed in docs/rules.md)") :
		    _("unknown rule '%s' (the names are listed in docs/rules.md)"),
		    rname);
		return 1;
	}
	if (quota) {
		struct quota *q = quota_for(p, rname);
		i = (size_t)(q - p->quotas);
		grow_seen(&ps->qseen, &ps->nqseen, p->nquotas);
		ps->rc = on_quota_key(ps, q, &ps->qseen[i], name, value);
	} else {
		struct rule *r = rule_for(p, rname);
		i = (size_t)(r - p->rules);
		grow_seen(&ps->seen, &ps->nseen, p->n);
		ps->rc = on_rule_key(ps, r, &ps->seen[i], name, value);
	}
	return 1;
}

/* Once the whole file is read: each rule's defaults, from its unit and
 * from [profile], and what only makes sense with another key. */
static int
resolve(struct parse *ps)
{
	struct profile *p = ps->p;
	size_t i;

	if ((ps->pseen & (KEY_PHOTO_QUALITY | KEY_PHOTO_EXIF)) &&
	    !(ps->pseen & KEY_PHOTO_SIDE))
		return ld_fail(ps->err, LD_EINVAL,
		    _("[photos]: quality and exif need max_side"));
	for (i = 0; i < p->n; i++) {
		struct rule *r = &p->rules[i];
		unsigned seen = ps->seen[i];

		if (!(seen & KEY_EXTEND_UNIT))
			r->extend_unit = r->unit;
		if (!(seen & KEY_REST_DAY))
			r->rest_day = p->rest_day;
		if (!(seen & KEY_IMMEDIATE))
			r->immediate_minutes = p->immediate_minutes;
		if ((seen & (KEY_EXTEND_UNIT | KEY_EXTEND_FROM)) &&
		    !(seen & KEY_EXTEND_MAX))
			return ld_fail(ps->err, LD_EINVAL,
			    _("rule %s: extend_unit and extend_from need extend_max"),
			    r->name);
		if ((seen & KEY_IMMEDIATE) && r->unit != RULE_IMMEDIATE)
			return ld_fail(ps->err, LD_EINVAL,
			    _("rule %s: immediate_minutes needs unit immediate"),
			    r->name);
		if (r->extend_unit == RULE_IMMEDIATE && r->extend_max != 0)
			return ld_fail(ps->err, LD_EINVAL,
			    _("rule %s: an immediate rule has no extend_max"),
			    r->name);
	}
	return 0;
}

static int
check(struct profile *p, char *err)
{
	size_t i;

	if (p->name == NULL || !name_ok(p->name) || p->county == NULL ||
	    p->county[0] == '\0')
		return ld_fail(err, LD_EINVAL,
		    _("profile needs [profile] name (a-z, _) and county"));
	/* Text that is not UTF-8 could not be sent to stations as JSON. */
	if (!utf8_valid(p->county, strlen(p->county)) ||
	    (p->source != NULL && !utf8_valid(p->source, strlen(p->source))))
		return ld_fail(err, LD_EINVAL,
		    _("[profile]: county and source must be UTF-8"));
	for (i = 0; i < p->n; i++) {
		struct rule *r = &p->rules[i];
		if (r->clause != NULL && !utf8_valid(r->clause, strlen(r->clause)))
			return ld_fail(err, LD_EINVAL,
			    _("rule %s: clause is not UTF-8"), r->name);
		if (r->unit == RULE_IMMEDIATE && r->amount < 0)
			r->amount = 0;
		if (r->amount < 0)
			return ld_fail(err, LD_EINVAL, _("rule %s has no amount"),
			    r->name);
		if (r->clause == NULL || r->clause[0] == '\0')
			return ld_fail(err, LD_EINVAL,
			    _("rule %s does not cite its clause"), r->name);
		/* A total counts in the rule's own unit and must allow the
		 * rule's time; a cap after the due time may be shorter than it
		 * ("二十日内……可以延长十日"), in any unit. So the cap never
		 * ends before the rule's own due time. */
		if (r->extend_max != 0 && r->extend_from == RULE_FROM_START &&
		    r->extend_unit != r->unit)
			return ld_fail(err, LD_EINVAL,
			    _("rule %s: extend_unit differs from unit: give extend_from "
			    "= due (a total counts in the rule's unit)"), r->name);
		if (r->extend_max != 0 && r->extend_from == RULE_FROM_START &&
		    r->extend_max < r->amount)
			return ld_fail(err, LD_EINVAL,
			    _("rule %s: extend_max is below amount"), r->name);
		if (r->direction == RULE_BEFORE && r->unit != RULE_WORKDAYS &&
		    r->unit != RULE_DAYS)
			return ld_fail(err, LD_EINVAL,
			    _("rule %s: direction before needs unit workdays or days"),
			    r->name);
	}
	for (i = 0; i < p->nquotas; i++) {
		struct quota *q = &p->quotas[i];
		if (q->amount < 0)
			return ld_fail(err, LD_EINVAL, _("quota %s has no amount"),
			    q->name);
		if (q->clause == NULL || q->clause[0] == '\0')
			return ld_fail(err, LD_EINVAL,
			    _("quota %s does not cite its clause"), q->name);
		if (!utf8_valid(q->clause, strlen(q->clause)))
			return ld_fail(err, LD_EINVAL,
			    _("quota %s: clause is not UTF-8"), q->name);
	}
	return 0;
}

int
profile_parse(const char *text, struct profile **out, char *err)
{
	struct parse ps;
	int rc, line;

	*out = NULL;
	if ((line = textfile_long_line(text, CALENDAR_LINE_MAX)) != 0)
		return ld_fail(err, LD_EINVAL,
		    _("profile: line %d is longer than %d bytes (continue a clause "
		    "on an indented line)"), line, CALENDAR_LINE_MAX);
	memset(&ps, 0, sizeof ps);
	ps.p = profile_new();
	ps.err = err;
	rc = ini_parse_string(text, on_entry, &ps);
	if (rc > 0 && ps.rc == 0)
		rc = ld_fail(err, LD_EINVAL, _("profile: syntax error on line %d"),
		    rc);
	else if (rc >= 0)
		rc = ps.rc;
	else
		rc = ld_fail(err, LD_EINVAL, _("profile: cannot be parsed"));
	if (rc == 0)
		rc = resolve(&ps);
	if (rc == 0)
		rc = check(ps.p, err);
	free(ps.seen);
	free(ps.qseen);
	if (rc != 0) {
		profile_free(ps.p);
		return rc;
	}
	*out = ps.p;
	return 0;
}

int
profile_load(const char *path, struct profile **out, char *err)
{
	char *text, why[LD_ERRLEN] = "";
	int rc;

	*out = NULL;
	if ((rc = textfile_read(path, PROFILE_FILE_MAX, &text, err)) != 0)
		return rc;
	if ((rc = profile_parse(text, out, why)) != 0)
		ld_fail(err, rc, "%s: %s", path, why);
	free(text);
	return rc;
}

char *
profile_installed(void)
{
	char *dir = xasprintf("%s/rules", paths_data()), **names = NULL;
	char *list = xstrdup("");
	struct dirent *de;
	size_t n = 0, i;
	DIR *d = opendir(dir);

	while (d != NULL && (de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".ini") != 0)
			continue;
		names = xrealloc(names, (n + 1) * sizeof *names);
		names[n++] = xasprintf("%.*s", (int)(len - 4), de->d_name);
	}
	if (d != NULL)
		closedir(d);
	if (n > 0)
		qsort(names, n, sizeof *names, ld_strcmp_p);
	for (i = 0; i < n; i++) {
		char *next = xasprintf("%s%s%s", list, i > 0 ? ", " : "",
		    names[i]);
		free(list);
		list = next;
		free(names[i]);
	}
	free(names);
	free(dir);
	return list;
}

int
profile_path(const char *setting, char **path, char *err)
{
	size_t len = strlen(setting);
	char *installed;

	*path = NULL;
	if (strchr(setting, '/') != NULL ||
	    (len >= 4 && strcmp(setting + len - 4, ".ini") == 0)) {
		*path = xstrdup(setting);
		return 0;
	}
	if (name_ok(setting)) {
		*path = xasprintf("%s/rules/%s.ini", paths_data(), setting);
		if (access(*path, F_OK) == 0)
			return 0;
	}
	installed = profile_installed();
	if (*path != NULL)
		ld_fail(err, LD_ECONFIG,
		    _("no rule profile '%s': there is no %s (installed: %s); "
		    "give an installed name or a file's path"), setting, *path,
		    *installed ? installed : _("none"));
	else
		ld_fail(err, LD_ECONFIG,
		    _("'%.64s' is neither a rule profile's name (a-z, _; "
		    "installed: %s) nor a file (a path with '/' or ending in .ini)"),
		    setting, *installed ? installed : _("none"));
	free(installed);
	free(*path);
	*path = NULL;
	return LD_ECONFIG;
}

int
profile_load_setting(const char *setting, struct profile **out, char *err)
{
	char *path;
	int rc;

	*out = NULL;
	if ((rc = profile_path(setting, &path, err)) != 0)
		return rc;
	rc = profile_load(path, out, err);
	free(path);
	return rc;
}

/* What stations before months counted a month period as: 6 months 182
 * days, 3 months 91. */
static int
months_as_days(int months)
{
	return (int)((long)months * 365 / 12);
}

json_t *
profile_json(const struct profile *p)
{
	json_t *o = json_object(), *rules = json_object();
	size_t i;

	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "county", json_string(p->county));
	if (p->source != NULL)
		json_object_set_new(o, "source", json_string(p->source));
	for (i = 0; i < p->n; i++) {
		const struct rule *r = &p->rules[i];
		json_t *j = json_object();
		if (r->unit == RULE_MONTHS) {
			json_object_set_new(j, "amount",
			    json_integer(months_as_days(r->amount)));
			json_object_set_new(j, "unit",
			    json_string(unit_names[RULE_DAYS]));
			json_object_set_new(j, "months", json_integer(r->amount));
		} else {
			json_object_set_new(j, "amount", json_integer(r->amount));
			json_object_set_new(j, "unit",
			    json_string(unit_names[r->unit]));
		}
		if (r->extend_max) {
			json_object_set_new(j, "extend_max",
			    json_integer(r->extend_max));
			if (r->extend_unit != r->unit)
				json_object_set_new(j, "extend_unit",
				    json_string(unit_names[r->extend_unit]));
			if (r->extend_from != RULE_FROM_START)
				json_object_set_new(j, "extend_from",
				    json_string(origin_names[r->extend_from]));
		}
		if (r->direction != RULE_AFTER)
			json_object_set_new(j, "direction",
			    json_string(direction_names[r->direction]));
		if (r->rest_day != RULE_REST_STAY)
			json_object_set_new(j, "rest_day",
			    json_string(rest_day_names[r->rest_day]));
		if (r->unit == RULE_IMMEDIATE &&
		    r->immediate_minutes != RULE_IMMEDIATE_MINUTES)
			json_object_set_new(j, "immediate_minutes",
			    json_integer(r->immediate_minutes));
		json_object_set_new(j, "clause", json_string(r->clause));
		json_object_set_new(rules, r->name, j);
	}
	json_object_set_new(o, "rules", rules);
	if (p->nquotas > 0) {
		json_t *quotas = json_object();
		for (i = 0; i < p->nquotas; i++) {
			const struct quota *q = &p->quotas[i];
			json_t *j = json_object();
			json_object_set_new(j, "amount", json_integer(q->amount));
			json_object_set_new(j, "unit", json_string("hours"));
			json_object_set_new(j, "per", json_string("year"));
			json_object_set_new(j, "clause", json_string(q->clause));
			json_object_set_new(quotas, q->name, j);
		}
		json_object_set_new(o, "quotas", quotas);
	}
	if (p->photo_max_side > 0)
		json_object_set_new(o, "photos", json_pack("{s:i, s:i, s:s}",
		    "max_side", p->photo_max_side, "quality", p->photo_quality,
		    "exif", p->photo_exif_keep ? "keep" : "strip"));
	return o;
}

/* A JSON integer in lo..hi. */
static int
json_number(const json_t *v, int lo, int hi, int *out)
{
	json_int_t n;

	if (!json_is_integer(v))
		return LD_EINVAL;
	n = json_integer_value(v);
	if (n < lo || n > hi)
		return LD_EINVAL;
	*out = (int)n;
	return 0;
}

/* An optional JSON string naming one of names[0..n): *out unchanged when
 * absent. */
static int
json_name(const json_t *v, const char *const *names, size_t n, int *out)
{
	int i;

	if (v == NULL)
		return 0;
	if (!json_is_string(v) ||
	    (i = name_index(names, n, json_string_value(v))) < 0)
		return LD_EINVAL;
	*out = i;
	return 0;
}

static int
rule_from_json(struct profile *p, const char *key, const json_t *j)
{
	const json_t *ext = json_object_get(j, "extend_max");
	const json_t *months = json_object_get(j, "months");
	const json_t *imm = json_object_get(j, "immediate_minutes");
	struct rule *r;
	int amount, extend_max = 0, unit = RULE_WORKDAYS, extend_unit, extend_from =
	    RULE_FROM_START, direction = RULE_AFTER, rest_day = RULE_REST_STAY,
	    minutes = RULE_IMMEDIATE_MINUTES;

	if (!name_ok(key) || !json_is_object(j) ||
	    json_number(json_object_get(j, "amount"), 0, RULE_AMOUNT_MAX,
	    &amount) != 0 ||
	    json_name(json_object_get(j, "unit"), unit_names,
	    sizeof unit_names / sizeof unit_names[0], &unit) != 0 ||
	    json_object_get(j, "unit") == NULL ||
	    !json_is_string(json_object_get(j, "clause")) ||
	    (ext != NULL && json_number(ext, 0, RULE_AMOUNT_MAX,
	    &extend_max) != 0) ||
	    (months != NULL && json_number(months, 0, RULE_AMOUNT_MAX,
	    &amount) != 0) ||
	    (imm != NULL && json_number(imm, 1, RULE_IMMEDIATE_MINUTES_MAX,
	    &minutes) != 0) ||
	    json_name(json_object_get(j, "direction"), direction_names, 2,
	    &direction) != 0 ||
	    json_name(json_object_get(j, "extend_from"), origin_names, 2,
	    &extend_from) != 0 ||
	    json_name(json_object_get(j, "rest_day"), rest_day_names, 2,
	    &rest_day) != 0)
		return LD_EINVAL;
	if (months != NULL)
		unit = RULE_MONTHS;
	extend_unit = unit;
	if (json_name(json_object_get(j, "extend_unit"), unit_names,
	    sizeof unit_names / sizeof unit_names[0], &extend_unit) != 0 ||
	    (extend_unit == RULE_IMMEDIATE && extend_max != 0))
		return LD_EINVAL;
	r = rule_for(p, key);
	r->amount = amount;
	r->unit = (enum rule_unit)unit;
	r->extend_max = extend_max;
	r->extend_unit = (enum rule_unit)extend_unit;
	r->extend_from = (enum rule_origin)extend_from;
	r->direction = (enum rule_direction)direction;
	r->rest_day = (enum rule_rest_day)rest_day;
	r->immediate_minutes = minutes;
	free(r->clause);
	r->clause = xstrdup(json_string_value(json_object_get(j, "clause")));
	return 0;
}

static int
quota_from_json(struct profile *p, const char *key, const json_t *j)
{
	struct quota *q;
	int amount;

	if (!name_ok(key) || !json_is_object(j) ||
	    json_number(json_object_get(j, "amount"), 0, RULE_AMOUNT_MAX,
	    &amount) != 0 ||
	    !json_is_string(json_object_get(j, "clause")) ||
	    !json_is_string(json_object_get(j, "unit")) ||
	    strcmp(json_string_value(json_object_get(j, "unit")), "hours") != 0 ||
	    !json_is_string(json_object_get(j, "per")) ||
	    strcmp(json_string_value(json_object_get(j, "per")), "year") != 0)
		return LD_EINVAL;
	q = quota_for(p, key);
	q->amount = amount;
	free(q->clause);
	q->clause = xstrdup(json_string_value(json_object_get(j, "clause")));
	return 0;
}

int
profile_from_json(const json_t *o, struct profile **out, char *err)
{
	const json_t *quotas = json_object_get(o, "quotas");
	struct profile *p;
	const char *key;
	json_t *j;
	int rc;

	*out = NULL;
	if (!json_is_string(json_object_get(o, "name")) ||
	    !json_is_string(json_object_get(o, "county")) ||
	    !json_is_object(json_object_get(o, "rules")) ||
	    (quotas != NULL && !json_is_object(quotas)) ||
	    (json_object_get(o, "source") != NULL &&
	    !json_is_string(json_object_get(o, "source"))))
		return ld_fail(err, LD_EINVAL, _("malformed rule profile"));
	p = profile_new();
	p->name = xstrdup(json_string_value(json_object_get(o, "name")));
	p->county = xstrdup(json_string_value(json_object_get(o, "county")));
	if (json_is_string(json_object_get(o, "source")))
		p->source = xstrdup(json_string_value(json_object_get(o, "source")));
	json_object_foreach(json_object_get(o, "rules"), key, j) {
		if (rule_from_json(p, key, j) != 0) {
			profile_free(p);
			return ld_fail(err, LD_EINVAL, _("malformed rule '%.32s'"), key);
		}
	}
	if (quotas != NULL) json_object_foreach((json_t *)quotas, key, j) {
		if (quota_from_json(p, key, j) != 0) {
			profile_free(p);
			return ld_fail(err, LD_EINVAL, _("malformed quota '%.32s'"),
			    key);
		}
	}
	if ((j = json_object_get(o, "photos")) != NULL) {
		const char *exif = json_string_value(json_object_get(j, "exif"));
		if (json_number(json_object_get(j, "max_side"),
		    PROFILE_PHOTO_SIDE_MIN, PROFILE_PHOTO_SIDE_MAX,
		    &p->photo_max_side) != 0 ||
		    json_number(json_object_get(j, "quality"), 1, 100,
		    &p->photo_quality) != 0 || exif == NULL ||
		    (strcmp(exif, "keep") != 0 && strcmp(exif, "strip") != 0)) {
			profile_free(p);
			return ld_fail(err, LD_EINVAL, _("malformed [photos]"));
		}
		p->photo_exif_keep = strcmp(exif, "keep") == 0;
	}
	if ((rc = check(p, err)) != 0) {
		profile_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

/* Civil Code art. 203 where the rule asks for it: a period of one or
 * more days or months ending on a rest day runs to the next working
 * day. */
static int64_t
rest_day_rule(const struct rule *r, const struct calendar *c,
    enum rule_unit unit, int n, int64_t due, int *assumed)
{
	if (r->rest_day != RULE_REST_NEXT_WORKDAY || n < 1 ||
	    (unit != RULE_DAYS && unit != RULE_MONTHS))
		return due;
	return calendar_rest_day_forward(c, due, assumed);
}

/* n units of unit after from_ms, forwards. */
static int64_t
add(const struct rule *r, const struct calendar *c, enum rule_unit unit,
    int64_t from_ms, int n, int *assumed)
{
	switch (unit) {
	case RULE_WORKDAYS:
		return calendar_add_workdays(c, from_ms, n, assumed);
	case RULE_DAYS:
		return rest_day_rule(r, c, unit, n, calendar_add_days(from_ms, n),
		    assumed);
	case RULE_MONTHS:
		return rest_day_rule(r, c, unit, n, calendar_add_months(from_ms,
		    n), assumed);
	case RULE_HOURS:
		return from_ms + (int64_t)n * 3600 * 1000;
	case RULE_IMMEDIATE:
	default:
		return from_ms + (int64_t)r->immediate_minutes * 60 * 1000;
	}
}

int64_t
rule_due(const struct rule *r, const struct calendar *c, int64_t from_ms,
    int amount, int *assumed)
{
	int n = amount > 0 ? amount : r->amount;

	if (r->direction == RULE_BEFORE) {
		if (r->unit == RULE_WORKDAYS)
			return calendar_sub_workdays(c, from_ms, n, assumed);
		if (r->unit == RULE_DAYS)
			return calendar_sub_days(from_ms, n);
		/* check() refuses "before" with any other unit. */
	}
	return add(r, c, r->unit, from_ms, n, assumed);
}

int64_t
rule_extend_cap(const struct rule *r, const struct calendar *c,
    int64_t from_ms, int *assumed)
{
	int64_t origin = from_ms;

	if (r->extend_max == 0 || r->direction == RULE_BEFORE)
		return INT64_MAX;
	if (r->extend_from == RULE_FROM_DUE)
		origin = rule_due(r, c, from_ms, 0, assumed);
	return add(r, c, r->extend_unit, origin, r->extend_max, assumed);
}

const char *
rule_clause_ref(const struct rule *r, char *buf, size_t len)
{
	static const char colon[] = "\xef\xbc\x9a"; /* ： */
	const char *end = r->clause != NULL ? strstr(r->clause, colon) : NULL;

	/* A section number is short: 三(五)3, 《联席会议制度》第六条. */
	if (end != NULL && end - r->clause <= 64)
		snprintf(buf, len, "%.*s", (int)(end - r->clause), r->clause);
	else
		snprintf(buf, len, "%s", r->name);
	return buf;
}
