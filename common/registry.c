/*
 * registry.c - the table of record types (see registry.h) and its
 * lookups. The rows themselves are in common/type-*.c.
 */
#include <stdio.h>
#include <string.h>

#include "kinds.h"
#include "registry.h"
#include "roles.h"
#include "util.h"

#define REGISTRY_ROW(name) &type_##name,
static const struct entity_type *const registry[] = {
	REGISTRY_TYPES(REGISTRY_ROW)
};
#undef REGISTRY_ROW

#define NTYPES (sizeof registry / sizeof registry[0])

const struct entity_type *
entity_type_at(size_t i)
{
	return i < NTYPES ? registry[i] : NULL;
}

const struct entity_type *
entity_type_find(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < NTYPES; i++)
		if (strcmp(registry[i]->name, name) == 0)
			return registry[i];
	return NULL;
}

const struct entity_type *
entity_type_of(const char *entity)
{
	size_t i;

	if (entity == NULL || entity[0] == '\0' || entity[1] != '-')
		return NULL;
	for (i = 0; i < NTYPES; i++)
		if (registry[i]->letter == entity[0])
			return registry[i];
	return NULL;
}

/* 1 if s is a lowercase word (a-z, _), at most 32 characters. */
static int
word(const char *s)
{
	size_t i;

	for (i = 0; s != NULL && s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
			return 0;
	return i > 0 && i <= 32;
}

/* The kind named name among the kinds of t, or NULL. */
static const struct kind_info *
kind_of(const struct entity_type *t, const char *name)
{
	const struct kind_info *k;

	for (k = t->kinds; name != NULL && k != NULL && k->name != NULL; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

/* 1 if a kind of t has a field name of type ft; with confidential set,
 * only the confidential kinds are looked at. */
static int
has_field(const struct entity_type *t, const char *name, int ft,
    int confidential)
{
	const struct kind_info *k;
	const struct field *f;

	for (k = t->kinds; k != NULL && k->name != NULL; k++) {
		if (confidential && !k->confidential)
			continue;
		for (f = k->fields; f != NULL && f->name != NULL; f++)
			if (strcmp(f->name, name) == 0 &&
			    (ft < 0 || (int)f->type == ft))
				return 1;
	}
	return 0;
}

/* A creating kind is written only on its own new entity; any other by
 * the holders of some part; a grant names units in one of its fields. */
static int
check_authority(const struct kind_info *k, char *err)
{
	const struct authority *a = &k->auth;
	const struct field *f;

	if ((a->writers & ~PART_ALL) != 0 || (k->creates && a->writers != 0) ||
	    (!k->creates && a->writers == 0))
		return ld_fail(err, LD_EINVAL, "kind %s: %s", k->name, k->creates ?
		    "a creating kind has no writers but its own station" :
		    "no part may write it on the server, or an unknown one");
	if (a->grant == NULL)
		return a->part == 0 ? 0 : ld_fail(err, LD_EINVAL,
		    "kind %s grants a part through no field", k->name);
	f = kind_field(k, a->grant);
	if (f == NULL || (f->type != F_STR && f->type != F_STRS) ||
	    a->part == 0 || (a->part & (a->part - 1)) != 0 ||
	    (a->part & ~PART_ALL) != 0)
		return ld_fail(err, LD_EINVAL, "kind %s grants through %s, which "
		    "is no unit field of it, or no single part", k->name,
		    a->grant);
	return 0;
}

static int
check_kinds(const struct entity_type *const *types, size_t at, char *err)
{
	const struct entity_type *t = types[at];
	const struct kind_info *k, *k2;
	const struct field *f;
	size_t len = strlen(t->name), creators = 0, i;
	int rc;

	if (t->kinds == NULL || t->kinds[0].name == NULL)
		return ld_fail(err, LD_EINVAL, "type %s has no kinds", t->name);
	for (k = t->kinds; k->name != NULL; k++) {
		if (strncmp(k->name, t->name, len) != 0 || k->name[len] != '.' ||
		    !word(k->name + len + 1))
			return ld_fail(err, LD_EINVAL,
			    "kind %s of type %s is not named %s.<step>", k->name,
			    t->name, t->name);
		if (k->etype != t)
			return ld_fail(err, LD_EINVAL,
			    "kind %s does not point back at type %s", k->name,
			    t->name);
		if (k->fields == NULL)
			return ld_fail(err, LD_EINVAL, "kind %s has no fields array",
			    k->name);
		for (f = k->fields; f->name != NULL; f++)
			if (f->ui != NULL && (f->type == F_DEADLINE ||
			    f->ui->help == NULL || (f->type != F_BOOL &&
			    f->ui->arg == NULL)))
				return ld_fail(err, LD_EINVAL,
				    "field %s of %s: an option needs a help and a "
				    "placeholder, and a deadline is no option",
				    f->name, k->name);
		if ((k->written_by & ~ROLE_ALL) != 0 ||
		    (k->written_by == 0 && t->written_by == 0))
			return ld_fail(err, LD_EINVAL,
			    "kind %s is written by no role, or by an unknown one",
			    k->name);
		creators += k->creates != 0;
		for (i = 0; i <= at; i++)
			for (k2 = types[i]->kinds; k2 != NULL && k2->name != NULL &&
			    k2 != k; k2++)
				if (strcmp(k2->name, k->name) == 0)
					return ld_fail(err, LD_EINVAL,
					    "kind %s is declared twice", k->name);
	}
	if (creators != 1)
		return ld_fail(err, LD_EINVAL,
		    "type %s has %zu kinds that create its record, not one",
		    t->name, creators);
	/* Rule 11: one attachment kind, "<type>.attached". */
	for (i = 0, k = t->kinds; k->name != NULL; k++)
		if (kind_is_attached(k)) {
			if (k->creates || strcmp(k->name + len + 1,
			    "attached") != 0)
				return ld_fail(err, LD_EINVAL,
				    "the attachment kind of type %s is %s, not "
				    "a step %s.attached", t->name, k->name,
				    t->name);
			i++;
		} else if (strcmp(k->name + len + 1, "attached") == 0)
			return ld_fail(err, LD_EINVAL,
			    "kind %s is not an attachment kind (ATTACHED_KIND)",
			    k->name);
	if (i != 1)
		return ld_fail(err, LD_EINVAL,
		    "type %s has %zu attachment kinds (ATTACHED_KIND), not one",
		    t->name, i);
	for (k = t->kinds; k->name != NULL; k++)
		if ((rc = check_authority(k, err)) != 0)
			return rc;
	return 0;
}

static int
check_deadlines(const struct entity_type *t, char *err)
{
	const struct deadline_decl *d;
	const struct kind_info *k;
	size_t i;

	for (d = t->deadlines; d != NULL && d->key != NULL; d++) {
		if (!has_field(t, d->key, F_DEADLINE, 0))
			return ld_fail(err, LD_EINVAL,
			    "deadline %s of type %s is no deadline field of its kinds",
			    d->key, t->name);
		if (d->rules == NULL || d->rules[0] == NULL)
			return ld_fail(err, LD_EINVAL,
			    "deadline %s of type %s has no rule", d->key, t->name);
		for (i = 0; d->rules[i] != NULL; i++)
			if (!word(d->rules[i]))
				return ld_fail(err, LD_EINVAL,
				    "deadline %s of type %s: bad rule name '%s'",
				    d->key, t->name, d->rules[i]);
		for (i = 0; d->done_by != NULL && d->done_by[i] != NULL; i++)
			if (kind_of(t, d->done_by[i]) == NULL)
				return ld_fail(err, LD_EINVAL,
				    "deadline %s of type %s is done by %s, not its kind",
				    d->key, t->name, d->done_by[i]);
		if (d->extended_by != NULL &&
		    ((k = kind_of(t, d->extended_by)) == NULL ||
		    kind_field(k, d->key) == NULL))
			return ld_fail(err, LD_EINVAL,
			    "deadline %s of type %s is extended by %s, which is not "
			    "its kind or does not carry it", d->key, t->name,
			    d->extended_by);
	}
	return 0;
}

/* Rule 8: the deadlines a receiving unit owes from receipt. */
static int
check_receipt(const struct entity_type *t, char *err)
{
	const struct deadline_decl *d;
	const struct kind_info *k, *creator = NULL;
	const struct field *f;
	char name[64];
	size_t i;

	if (t->from_receipt == NULL || t->from_receipt[0] == NULL)
		return 0;
	for (k = t->kinds; k != NULL && k->name != NULL; k++)
		if (k->creates)
			creator = k;
	if (creator == NULL || creator->auth.grant == NULL ||
	    creator->auth.part != PART_ADDRESSEE)
		return ld_fail(err, LD_EINVAL,
		    "type %s counts deadlines from receipt but its records are"
		    " addressed to no unit", t->name);
	snprintf(name, sizeof name, "%s.received", t->name);
	if ((k = kind_of(t, name)) == NULL || k->creates ||
	    k->auth.writers != PART_ADDRESSEE ||
	    (f = kind_field(k, "received_at")) == NULL || f->type != F_TIME ||
	    !f->required || (f = kind_field(k, "basis")) == NULL ||
	    f->type != F_ENUM || !f->required)
		return ld_fail(err, LD_EINVAL,
		    "type %s counts deadlines from receipt without a kind %s"
		    " written by its addressee with received_at and basis",
		    t->name, name);
	for (i = 0; t->from_receipt[i] != NULL; i++) {
		for (d = t->deadlines; d != NULL && d->key != NULL; d++)
			if (strcmp(d->key, t->from_receipt[i]) == 0)
				break;
		if (d == NULL || d->key == NULL)
			return ld_fail(err, LD_EINVAL,
			    "type %s: %s counted from receipt is not its deadline",
			    t->name, t->from_receipt[i]);
		if ((f = kind_field(k, d->key)) == NULL || f->type != F_DEADLINE)
			return ld_fail(err, LD_EINVAL,
			    "type %s: %s does not carry %s, counted from receipt",
			    t->name, name, d->key);
	}
	return 0;
}

/* 1 if a kind of t has a time field name. */
static int
has_time_field(const struct entity_type *t, const char *name)
{
	const struct kind_info *k;
	const struct field *f;

	for (k = t->kinds; name != NULL && k->name != NULL; k++)
		if ((f = kind_field(k, name)) != NULL && f->type == F_TIME)
			return 1;
	return 0;
}

/* Rule 9: the time a discharging act was done, and its floor. */
static int
check_acted_at(const struct entity_type *t, char *err)
{
	const char *const *p;
	const struct deadline_decl *d;
	const struct kind_info *k;
	const struct field *f;
	size_t i;
	int discharges, floor_ok;

	for (p = t->acted_at; p != NULL && *p != NULL; p += 3) {
		discharges = 0;
		for (d = t->deadlines; d != NULL && d->key != NULL; d++)
			for (i = 0; d->done_by != NULL && d->done_by[i] != NULL;
			    i++)
				discharges |= strcmp(d->done_by[i], p[0]) == 0;
		floor_ok = p[1] != NULL && p[2] != NULL &&
		    (strcmp(p[2], "received") == 0 ? t->from_receipt != NULL :
		    has_time_field(t, p[2]));
		if ((k = kind_of(t, p[0])) == NULL || !discharges || !floor_ok ||
		    (f = kind_field(k, p[1])) == NULL || f->type != F_TIME)
			return ld_fail(err, LD_EINVAL,
			    "type %s: acted_at %s is not a kind discharging one"
			    " of its deadlines with that time field and a floor",
			    t->name, p[0]);
	}
	return 0;
}

/* 1 if key is one of t's deadlines. */
static int
is_deadline(const struct entity_type *t, const char *key)
{
	const struct deadline_decl *d;

	for (d = t->deadlines; key != NULL && d != NULL && d->key != NULL; d++)
		if (strcmp(d->key, key) == 0)
			return 1;
	return 0;
}

/* Rule 10: who owes a deadline, and the deadlines counted elsewhere. */
static int
check_owners(const struct entity_type *t, char *err)
{
	const char *const *p;
	const struct kind_info *k;
	const struct field *f;
	int unit_field;

	for (p = t->owners; p != NULL && *p != NULL; p += 2) {
		unit_field = 0;
		for (k = t->kinds; p[1] != NULL && k->name != NULL; k++)
			unit_field |= (f = kind_field(k, p[1])) != NULL &&
			    f->type == F_STR;
		if (!is_deadline(t, p[0]) || !unit_field)
			return ld_fail(err, LD_EINVAL,
			    "type %s: owner of %s is not a deadline's unit field",
			    t->name, p[0]);
	}
	for (p = t->carried; p != NULL && *p != NULL; p++)
		if (!is_deadline(t, *p))
			return ld_fail(err, LD_EINVAL,
			    "type %s: carried %s is not its deadline", t->name, *p);
	return 0;
}

/* "key", "key[]", "key.sub" or "key[].sub", words all. */
static int
search_key_ok(const struct entity_type *t, const char *path, char *err)
{
	char key[40], *p;
	const char *sub;

	if (path == NULL || strlen(path) >= sizeof key)
		return ld_fail(err, LD_EINVAL, "type %s: bad search key", t->name);
	strcpy(key, path);
	sub = NULL;
	if ((p = strchr(key, '.')) != NULL) {
		*p = '\0';
		sub = p + 1;
	}
	if ((p = strstr(key, "[]")) != NULL && p[2] == '\0')
		*p = '\0';
	if (!word(key) || (sub != NULL && !word(sub)))
		return ld_fail(err, LD_EINVAL, "type %s: bad search key '%s'",
		    t->name, path);
	if (has_field(t, key, -1, 1))
		return ld_fail(err, LD_EINVAL,
		    "type %s: search key '%s' is a confidential field", t->name,
		    path);
	return 0;
}

static int
check_reasons(const struct entity_type *const *types, size_t at, char *err)
{
	const struct entity_type *t = types[at];
	const struct fold_reason *r, *r2;
	size_t i;

	for (r = t->reasons; r != NULL && r->code != NULL; r++) {
		if (!word(r->code) || r->text == NULL || r->text[0] == '\0')
			return ld_fail(err, LD_EINVAL,
			    "type %s: reason '%s' without a text", t->name, r->code);
		for (i = 0; i <= at; i++)
			for (r2 = types[i]->reasons; r2 != NULL &&
			    r2->code != NULL && r2 != r; r2++)
				if (strcmp(r2->code, r->code) == 0)
					return ld_fail(err, LD_EINVAL,
					    "reason %s is declared twice", r->code);
	}
	return 0;
}

int
registry_check_types(const struct entity_type *const *types, size_t n,
    char *err)
{
	const struct entity_type *t;
	size_t i, j;
	int rc;

	for (i = 0; i < n; i++) {
		t = types[i];
		if (!word(t->name) || t->letter < 'A' || t->letter > 'Z')
			return ld_fail(err, LD_EINVAL,
			    "type '%s' needs a lowercase name and a capital letter",
			    t->name ? t->name : "");
		for (j = 0; j < i; j++)
			if (strcmp(types[j]->name, t->name) == 0 ||
			    types[j]->letter == t->letter)
				return ld_fail(err, LD_EINVAL,
				    "types %s and %s share a name or the letter %c",
				    types[j]->name, t->name, t->letter);
		if (t->apply == NULL || t->label == NULL ||
		    t->statuses == NULL || t->statuses[0] == NULL)
			return ld_fail(err, LD_EINVAL,
			    "type %s has no fold step, label or states", t->name);
		if (t->audience != AUDIENCE_CLOSED &&
		    t->audience != AUDIENCE_GROWS)
			return ld_fail(err, LD_EINVAL,
			    "type %s does not say its audience policy", t->name);
		if ((t->watched_by & ~ROLE_ALL) != 0 ||
		    (t->written_by & ~ROLE_ALL) != 0)
			return ld_fail(err, LD_EINVAL,
			    "type %s is watched or written by an unknown role",
			    t->name);
		if ((rc = check_kinds(types, i, err)) != 0 ||
		    (rc = check_deadlines(t, err)) != 0 ||
		    (rc = check_receipt(t, err)) != 0 ||
		    (rc = check_acted_at(t, err)) != 0 ||
		    (rc = check_owners(t, err)) != 0 ||
		    (rc = check_reasons(types, i, err)) != 0)
			return rc;
		for (j = 0; t->search != NULL && t->search[j] != NULL; j++)
			if ((rc = search_key_ok(t, t->search[j], err)) != 0)
				return rc;
	}
	return 0;
}

int
registry_check(char *err)
{
	return registry_check_types(registry, NTYPES, err);
}
