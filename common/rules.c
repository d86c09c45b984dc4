/*
 * rules.c - rule profiles (see rules.h).
 *
 * A profile is read with inih. Lines longer than CALENDAR_LINE_MAX bytes
 * are refused rather than split by inih; a long clause is written on
 * indented continuation lines, which inih hands over as more values of
 * the same key and which are joined here. Every other key may be given
 * once per rule, and every name must be known, so that a typo in a
 * county's file is an error and not a rule silently missing.
 */
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "rules.h"
#include "text.h"
#include "textfile.h"
#include "util.h"

#define PROFILE_FILE_MAX (256 * 1024)

static const char *const unit_names[] = { "workdays", "days", "hours",
	"immediate" };
static const char *const direction_names[] = { "after", "before" };

/* Keys of a rule, as bits, to refuse one given twice. */
enum {
	KEY_AMOUNT = 1 << 0,
	KEY_UNIT = 1 << 1,
	KEY_EXTEND_MAX = 1 << 2,
	KEY_DIRECTION = 1 << 3,
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

static int
unit_of(const char *s, enum rule_unit *u)
{
	size_t i;

	for (i = 0; i < sizeof unit_names / sizeof unit_names[0]; i++)
		if (strcmp(unit_names[i], s) == 0) {
			*u = (enum rule_unit)i;
			return 0;
		}
	return LD_EINVAL;
}

static int
direction_of(const char *s, enum rule_direction *d)
{
	size_t i;

	for (i = 0; i < sizeof direction_names / sizeof direction_names[0]; i++)
		if (strcmp(direction_names[i], s) == 0) {
			*d = (enum rule_direction)i;
			return 0;
		}
	return LD_EINVAL;
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
	free(p->rules);
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
	r->direction = RULE_AFTER;
	return r;
}

/* A whole decimal number in 0..RULE_AMOUNT_MAX. */
static int
number_of(const char *s, int *v)
{
	char *end;
	long n;

	if (s[0] < '0' || s[0] > '9')
		return LD_EINVAL;
	n = strtol(s, &end, 10);
	if (*end != '\0' || n > RULE_AMOUNT_MAX)
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
on_profile_key(struct parse *ps, const char *name, const char *value)
{
	struct profile *p = ps->p;
	char **slot;

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

static int
on_rule_key(struct parse *ps, struct rule *r, unsigned *seen,
    const char *name, const char *value)
{
	unsigned bit;

	if (strcmp(name, "clause") == 0) {
		/* Continuation lines arrive as more clause values. */
		if (r->clause == NULL)
			r->clause = xstrdup(value);
		else
			append(&r->clause, value);
		return 0;
	}
	if (strcmp(name, "amount") == 0)
		bit = KEY_AMOUNT;
	else if (strcmp(name, "unit") == 0)
		bit = KEY_UNIT;
	else if (strcmp(name, "extend_max") == 0)
		bit = KEY_EXTEND_MAX;
	else if (strcmp(name, "direction") == 0)
		bit = KEY_DIRECTION;
	else
		return ld_fail(ps->err, LD_EINVAL, _("rule %s: unknown key '%s'"),
		    r->name, name);
	if (*seen & bit)
		return ld_fail(ps->err, LD_EINVAL, _("rule %s: '%s' given twice"),
		    r->name, name);
	*seen |= bit;
	switch (bit) {
	case KEY_AMOUNT:
		if (number_of(value, &r->amount) != 0)
			return ld_fail(ps->err, LD_EINVAL,
			    _("rule %s: amount must be a whole number from 0 to %d"),
			    r->name, RULE_AMOUNT_MAX);
		break;
	case KEY_EXTEND_MAX:
		if (number_of(value, &r->extend_max) != 0)
			return ld_fail(ps->err, LD_EINVAL,
			    _("rule %s: extend_max must be a whole number from 0 "
			    "to %d"), r->name, RULE_AMOUNT_MAX);
		break;
	case KEY_UNIT:
		if (unit_of(value, &r->unit) != 0)
			return ld_fail(ps->err, LD_EINVAL,
			    _("rule %s: unit must be workdays, days, hours or "
			    "immediate, not '%s'"), r->name, value);
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
on_entry(void *user, const char *section, const char *name,
    const char *value)
{
	struct parse *ps = user;
	struct profile *p = ps->p;
	const char *rname;
	struct rule *r;
	size_t i;

	if (ps->rc != 0)
		return 1;
	if (strcmp(section, "profile") == 0) {
		ps->rc = on_profile_key(ps, name, value);
		return 1;
	}
	if (strncmp(section, "rule ", 5) != 0) {
		ps->rc = ld_fail(ps->err, LD_EINVAL, _("unknown section [%s]"),
		    section);
		return 1;
	}
	rname = section + 5;
	if (!name_ok(rname)) {
		ps->rc = ld_fail(ps->err, LD_EINVAL, _("bad rule name '%s'"),
		    rname);
		return 1;
	}
	if (!rule_known(rname)) {
		ps->rc = ld_fail(ps->err, LD_EINVAL,
		    _("unknown rule '%s' (the names are listed in docs/rules.md)"),
		    rname);
		return 1;
	}
	r = rule_for(p, rname);
	i = (size_t)(r - p->rules);
	if (p->n > ps->nseen) {
		ps->seen = xrealloc(ps->seen, p->n * sizeof *ps->seen);
		while (ps->nseen < p->n)
			ps->seen[ps->nseen++] = 0;
	}
	ps->rc = on_rule_key(ps, r, &ps->seen[i], name, value);
	return 1;
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
		if (r->extend_max != 0 && r->extend_max < r->amount)
			return ld_fail(err, LD_EINVAL,
			    _("rule %s: extend_max is below amount"), r->name);
		if (r->direction == RULE_BEFORE && r->unit != RULE_WORKDAYS &&
		    r->unit != RULE_DAYS)
			return ld_fail(err, LD_EINVAL,
			    _("rule %s: direction before needs unit workdays or days"),
			    r->name);
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
	ps.p = xcalloc(1, sizeof *ps.p);
	ps.seen = NULL;
	ps.nseen = 0;
	ps.err = err;
	ps.rc = 0;
	rc = ini_parse_string(text, on_entry, &ps);
	if (rc > 0 && ps.rc == 0)
		rc = ld_fail(err, LD_EINVAL, _("profile: syntax error on line %d"),
		    rc);
	else if (rc >= 0)
		rc = ps.rc;
	else
		rc = ld_fail(err, LD_EINVAL, _("profile: cannot be parsed"));
	if (rc == 0)
		rc = check(ps.p, err);
	free(ps.seen);
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
		json_object_set_new(j, "amount", json_integer(r->amount));
		json_object_set_new(j, "unit", json_string(unit_names[r->unit]));
		if (r->extend_max)
			json_object_set_new(j, "extend_max",
			    json_integer(r->extend_max));
		if (r->direction != RULE_AFTER)
			json_object_set_new(j, "direction",
			    json_string(direction_names[r->direction]));
		json_object_set_new(j, "clause", json_string(r->clause));
		json_object_set_new(rules, r->name, j);
	}
	json_object_set_new(o, "rules", rules);
	return o;
}

/* A JSON integer in 0..RULE_AMOUNT_MAX. */
static int
json_number(const json_t *v, int *out)
{
	json_int_t n;

	if (!json_is_integer(v))
		return LD_EINVAL;
	n = json_integer_value(v);
	if (n < 0 || n > RULE_AMOUNT_MAX)
		return LD_EINVAL;
	*out = (int)n;
	return 0;
}

static int
rule_from_json(struct profile *p, const char *key, const json_t *j)
{
	const json_t *ext = json_object_get(j, "extend_max");
	const json_t *dir = json_object_get(j, "direction");
	struct rule *r;
	int amount, extend_max = 0;
	enum rule_unit unit;
	enum rule_direction direction = RULE_AFTER;

	if (!name_ok(key) || !json_is_object(j) ||
	    json_number(json_object_get(j, "amount"), &amount) != 0 ||
	    !json_is_string(json_object_get(j, "unit")) ||
	    unit_of(json_string_value(json_object_get(j, "unit")), &unit) != 0 ||
	    !json_is_string(json_object_get(j, "clause")) ||
	    (ext != NULL && json_number(ext, &extend_max) != 0) ||
	    (dir != NULL && (!json_is_string(dir) ||
	    direction_of(json_string_value(dir), &direction) != 0)))
		return LD_EINVAL;
	r = rule_for(p, key);
	r->amount = amount;
	r->unit = unit;
	r->extend_max = extend_max;
	r->direction = direction;
	r->clause = xstrdup(json_string_value(json_object_get(j, "clause")));
	return 0;
}

int
profile_from_json(const json_t *o, struct profile **out, char *err)
{
	struct profile *p;
	const char *key;
	json_t *j;
	int rc;

	*out = NULL;
	if (!json_is_string(json_object_get(o, "name")) ||
	    !json_is_string(json_object_get(o, "county")) ||
	    !json_is_object(json_object_get(o, "rules")) ||
	    (json_object_get(o, "source") != NULL &&
	    !json_is_string(json_object_get(o, "source"))))
		return ld_fail(err, LD_EINVAL, _("malformed rule profile"));
	p = xcalloc(1, sizeof *p);
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
	if ((rc = check(p, err)) != 0) {
		profile_free(p);
		return rc;
	}
	*out = p;
	return 0;
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
	switch (r->unit) {
	case RULE_WORKDAYS:
		return calendar_add_workdays(c, from_ms, n, assumed);
	case RULE_DAYS:
		return calendar_add_days(from_ms, n);
	case RULE_HOURS:
		return from_ms + (int64_t)n * 3600 * 1000;
	case RULE_IMMEDIATE:
	default:
		return from_ms + RULE_IMMEDIATE_MS;
	}
}
