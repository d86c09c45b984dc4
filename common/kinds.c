/*
 * kinds.c - event kinds, their body schemas and entity ids. The kinds
 * themselves are declared by their record types (common/type-*.c),
 * found through the registry (registry.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "hash.h"
#include "kinds.h"
#include "ltime.h"
#include "text.h"
#include "util.h"

const char *
kind_label(const char *name)
{
	return ld_pgettext("kind", name);
}

const struct kind_info *
kind_find(const char *name)
{
	const struct entity_type *t;
	const struct kind_info *k;
	size_t i;

	for (i = 0; (t = entity_type_at(i)) != NULL; i++)
		for (k = t->kinds; k != NULL && k->name != NULL; k++)
			if (strcmp(k->name, name) == 0)
				return k;
	return NULL;
}

const struct kind_info *
kind_at(size_t i)
{
	const struct entity_type *t;
	const struct kind_info *k;
	size_t j;

	for (j = 0; (t = entity_type_at(j)) != NULL; j++)
		for (k = t->kinds; k != NULL && k->name != NULL; k++)
			if (i-- == 0)
				return k;
	return NULL;
}

const struct field *
kind_field(const struct kind_info *k, const char *name)
{
	const struct field *f;

	for (f = k->fields; f->name != NULL; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

/* "<letter>-<station>-<seq>": the letter of a known entity type, station
 * syntax, then a positive number. */
static int
entity_valid(const char *e)
{
	const char *dash = strrchr(e, '-');
	char station[STATION_MAX + 1];
	size_t n;
	const char *p;

	if (strlen(e) > ENTITY_MAX || entity_type_of(e) == NULL ||
	    dash == NULL || dash <= e + 2)
		return 0;
	n = (size_t)(dash - (e + 2));
	if (n > STATION_MAX)
		return 0;
	memcpy(station, e + 2, n);
	station[n] = '\0';
	if (!station_id_valid(station))
		return 0;
	if (dash[1] < '1' || dash[1] > '9')
		return 0;
	for (p = dash + 1; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return dash - e + 1 < (long)strlen(e) && strlen(dash + 1) <= 18;
}

int
kind_check_entity(const struct kind_info *k, const char *entity, char *err)
{
	if (!entity_valid(entity) || entity[0] != k->etype->letter)
		return ld_fail(err, LD_EINVAL,
		    _("'%.70s' is not a valid %s id"), entity, k->etype->name);
	return 0;
}

char *
entity_id_new(const struct entity_type *t, const char *station, long long seq)
{
	return xasprintf("%c-%s-%lld", t->letter, station, seq);
}

const struct enum_value *
enum_lookup(const struct enum_value *vals, const char *s)
{
	for (; vals->name != NULL; vals++)
		if (strcmp(vals->name, s) == 0 || strcmp(vals->label, s) == 0)
			return vals;
	return NULL;
}

const char *
enum_label(const struct enum_value *vals, const char *name)
{
	const struct enum_value *v = enum_lookup(vals, name);

	return v != NULL ? v->label : name;
}

int
decimal_parse(const char *s, long *tenths)
{
	size_t n = strspn(s, "0123456789");
	long v = 0;
	size_t i;

	if (n == 0 || n > 6)
		return LD_EINVAL;
	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	v *= 10;
	if (s[n] == '.') {
		if (s[n + 1] < '0' || s[n + 1] > '9' || s[n + 2] != '\0')
			return LD_EINVAL;
		v += s[n + 1] - '0';
	} else if (s[n] != '\0')
		return LD_EINVAL;
	*tenths = v;
	return 0;
}

void
decimal_format(long tenths, char *buf)
{
	if (tenths % 10 == 0)
		snprintf(buf, DECIMAL_LEN, "%ld", tenths / 10);
	else
		snprintf(buf, DECIMAL_LEN, "%ld.%ld", tenths / 10, tenths % 10);
}

/* A positive decimal in its canonical text, at most f->max. */
static int
check_decimal(const struct field *f, const char *s, char *err)
{
	char canon[DECIMAL_LEN];
	long t;

	if (decimal_parse(s, &t) != 0 || t <= 0 ||
	    (decimal_format(t, canon), strcmp(canon, s) != 0))
		return ld_fail(err, LD_EINVAL,
		    _("'%s' must be a positive number with at most one decimal, "
		    "like 2 or 2.5"), f->name);
	if (t > (long)f->max * 10)
		return ld_fail(err, LD_EINVAL, _("'%s' must be at most %zu"),
		    f->name, f->max);
	return 0;
}

/* A deadline computed when its obligation started (rules.h). */
static int
check_deadline(const struct field *f, const json_t *v, char *err)
{
	const char *key;
	json_t *item;

	if (!json_is_object(v) ||
	    !json_is_string(json_object_get(v, "due")) ||
	    !ltime_canonical(json_string_value(json_object_get(v, "due"))) ||
	    !json_is_string(json_object_get(v, "rule")) ||
	    !json_is_boolean(json_object_get(v, "assumed")))
		return ld_fail(err, LD_EINVAL,
		    _("'%s' must be a deadline {due, rule, basis, assumed}"), f->name);
	json_object_foreach((json_t *)v, key, item) {
		if (strcmp(key, "due") == 0 || strcmp(key, "assumed") == 0)
			continue;
		if (strcmp(key, "rule") != 0 && strcmp(key, "basis") != 0)
			return ld_fail(err, LD_EINVAL,
			    _("'%s' has an unknown key '%.20s'"), f->name, key);
		if (!json_is_string(item) ||
		    text_check(f->name, json_string_value(item), 60, 0, err) != 0)
			return ld_fail(err, LD_EINVAL, _("'%s' has a bad '%s'"),
			    f->name, key);
	}
	return 0;
}

static int
check_field(const struct field *f, const json_t *v, char *err)
{
	const char *s;
	json_t *item;
	size_t i;
	int rc;

	switch (f->type) {
	case F_BOOL:
		if (!json_is_boolean(v))
			return ld_fail(err, LD_EINVAL, _("'%s' must be true or false"),
			    f->name);
		return 0;
	case F_DEADLINE:
		return check_deadline(f, v, err);
	case F_COUNT:
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    (json_int_t)f->max < json_integer_value(v))
			return ld_fail(err, LD_EINVAL,
			    _("'%s' must be a whole number from 1 to %zu"), f->name,
			    f->max);
		return 0;
	case F_STRS:
		if (!json_is_array(v))
			return ld_fail(err, LD_EINVAL, _("'%s' must be a list"),
			    f->name);
		if (json_array_size(v) > f->max)
			return ld_fail(err, LD_EINVAL,
			    _("'%s' has more than %zu entries"), f->name, f->max);
		json_array_foreach(v, i, item) {
			if (!json_is_string(item))
				return ld_fail(err, LD_EINVAL,
				    _("'%s' entries must be text"), f->name);
			if ((rc = text_check(f->name, json_string_value(item),
			    FIELD_STR_MAX, 0, err)) != 0)
				return rc;
			if (json_string_value(item)[0] == '\0')
				return ld_fail(err, LD_EINVAL,
				    _("'%s' has an empty entry"), f->name);
		}
		return 0;
	default:
		break;
	}
	if (!json_is_string(v))
		return ld_fail(err, LD_EINVAL, _("'%s' must be text"), f->name);
	s = json_string_value(v);
	switch (f->type) {
	case F_STR:
	case F_TEXT:
		if ((rc = text_check(f->name, s, f->max,
		    f->type == F_TEXT ? TEXT_MULTILINE : 0, err)) != 0)
			return rc;
		if (s[strspn(s, " \t\n")] == '\0')
			return ld_fail(err, LD_EINVAL, _("'%s' must not be empty"),
			    f->name);
		return 0;
	case F_TIME:
		if (!ltime_canonical(s))
			return ld_fail(err, LD_EINVAL,
			    _("'%s' must be a time like 2026-11-21T09:30:00+08:00"),
			    f->name);
		return 0;
	case F_ENUM:
		for (i = 0; f->values[i].name != NULL; i++)
			if (strcmp(f->values[i].name, s) == 0)
				return 0;
		return ld_fail(err, LD_EINVAL, _("'%s' has an unknown value"),
		    f->name);
	case F_PHONE:
		if (s[0] == '\0' || strlen(s) > f->max ||
		    s[strspn(s, "0123456789+- ")] != '\0')
			return ld_fail(err, LD_EINVAL,
			    _("'%s' must be a phone number"), f->name);
		return 0;
	case F_ENTITY:
		if (!entity_valid(s))
			return ld_fail(err, LD_EINVAL, _("'%s' is not a valid id"),
			    f->name);
		return 0;
	case F_DECIMAL:
		return check_decimal(f, s, err);
	case F_SHA256:
		if (!hash_valid(s))
			return ld_fail(err, LD_EINVAL,
			    _("'%s' must be a SHA-256 in 64 lowercase hex digits"),
			    f->name);
		return 0;
	default:
		return ld_fail(err, LD_EINTERNAL, "bad field type");
	}
}

int
kind_validate_body(const struct kind_info *k, const json_t *body, char *err)
{
	const struct field *f;
	const char *key;
	json_t *v;
	int rc;

	if (!json_is_object(body))
		return ld_fail(err, LD_EINVAL, _("body must be an object"));
	json_object_foreach((json_t *)body, key, v) {
		if (kind_field(k, key) == NULL)
			return ld_fail(err, LD_EINVAL,
			    _("unknown field '%.40s' for %s"), key, k->name);
	}
	for (f = k->fields; f->name != NULL; f++) {
		v = json_object_get(body, f->name);
		if (v == NULL) {
			if (f->required)
				return ld_fail(err, LD_EINVAL,
				    _("missing required field '%s'"), f->name);
			continue;
		}
		if ((rc = check_field(f, v, err)) != 0)
			return rc;
	}
	if (k->at_least_one && json_object_size(body) == 0)
		return ld_fail(err, LD_EINVAL, _("%s changes nothing"), k->name);
	return 0;
}

json_t *
kind_example_value(const struct field *f)
{
	json_t *a;

	switch (f->type) {
	case F_STR:
		return json_string("甲乙");
	case F_TEXT:
		return json_string("第一行\n\t第二行");
	case F_BOOL:
		return json_true();
	case F_TIME:
		return json_string("2026-11-21T09:30:00+08:00");
	case F_ENUM:
		return json_string(f->values[0].name);
	case F_STRS:
		a = json_array();
		json_array_append_new(a, json_string("甲"));
		json_array_append_new(a, json_string("乙 丙"));
		return a;
	case F_PHONE:
		return json_string("+86 138-0000-0000");
	case F_ENTITY:
		return json_string("C-s1-1");
	case F_DEADLINE:
		return json_pack("{s:s, s:s, s:s, s:b}", "due",
		    "2026-11-27T23:59:59+08:00", "rule", "gonghe/refer",
		    "basis", "5 workdays", "assumed", 0);
	case F_DECIMAL:
		return json_string("2.5");
	case F_SHA256:
		return json_string("e3b0c44298fc1c149afbf4c8996fb924"
		    "27ae41e4649b934ca495991b7852b855");
	case F_COUNT:
		return json_integer(1);
	}
	return NULL;
}

json_t *
kind_example_body(const struct kind_info *k, int required_only)
{
	const struct field *f;
	json_t *body = json_object();

	for (f = k->fields; f->name != NULL; f++)
		if (f->required || !required_only)
			json_object_set_new(body, f->name, kind_example_value(f));
	/* An attachment as most are: not confidential (one that is goes to
	 * its audience only, as a complainant's identity). */
	if (kind_is_attached(k))
		json_object_set_new(body, "confidential", json_false());
	return body;
}

/*
 * Attachments (kinds.h): the one body every "<type>.attached" kind has,
 * and what tells them apart.
 */

/* The media types an attachment may have: those sniff.c recognises by
 * their first bytes, and application/octet-stream for a file whose name
 * claims none of them. */
const struct enum_value attachment_types[] = {
	{ "image/jpeg", "JPEG 图片" },
	{ "image/png", "PNG 图片" },
	{ "application/pdf", "PDF 文档" },
	{ "audio/mpeg", "MP3 录音" },
	{ "audio/amr", "AMR 录音" },
	{ "audio/mp4", "M4A 录音" },
	{ "video/mp4", "MP4 视频" },
	{ "application/octet-stream", "其他文件" },
	{ NULL, NULL },
};

const struct field attached_fields[] = {
	{ "hash", F_SHA256, 1, 0, NULL, NULL },
	{ "size", F_COUNT, 1, ATTACH_SIZE_MAX, NULL, NULL },
	{ "type", F_ENUM, 1, 0, attachment_types, NULL },
	{ "name", F_STR, 1, ATTACH_NAME_MAX, NULL, NULL },
	{ "caption", F_TEXT, 0, ATTACH_CAPTION_MAX, NULL, NULL },
	{ "confidential", F_BOOL, 1, 0, NULL, NULL },
	/* A photo reduced on its station (agent/photo.h): the file as the
	 * officer gave it, kept there only. */
	{ "original", F_SHA256, 0, 0, NULL, NULL },
	{ "original_size", F_COUNT, 0, ATTACH_SIZE_MAX, NULL, NULL },
	{ NULL, 0, 0, 0, NULL, NULL },
};

int
kind_is_attached(const struct kind_info *k)
{
	return k != NULL && k->fields == attached_fields;
}

const struct kind_info *
kind_attached_of(const struct entity_type *t)
{
	const struct kind_info *k;

	for (k = t != NULL ? t->kinds : NULL; k != NULL && k->name != NULL; k++)
		if (kind_is_attached(k))
			return k;
	return NULL;
}

int
kind_body_confidential(const struct kind_info *k, const json_t *body)
{
	if (k == NULL)
		return 0;
	if (k->confidential)
		return 1;
	return kind_is_attached(k) &&
	    json_is_true(json_object_get(body, "confidential"));
}

int
kind_grants(const struct event *ev,
    int (*fn)(const char *unit, int part, void *arg), void *arg)
{
	const struct kind_info *k = kind_find(ev->kind);
	json_t *v, *u;
	size_t i;
	int rc;

	if (k == NULL)
		return 0;
	if (k->creates && (rc = fn(ev->unit, PART_CREATOR, arg)) != 0)
		return rc;
	if (k->auth.grant == NULL)
		return 0;
	v = json_object_get(ev->body, k->auth.grant);
	if (json_is_string(v))
		return fn(json_string_value(v), k->auth.part, arg);
	json_array_foreach(v, i, u)
		if (json_is_string(u) && (rc = fn(json_string_value(u),
		    k->auth.part, arg)) != 0)
			return rc;
	return 0;
}

struct parts_for {
	const char *unit;
	int parts;
};

static int
part_for(const char *unit, int part, void *arg)
{
	struct parts_for *p = arg;

	if (strcmp(unit, p->unit) == 0)
		p->parts |= part;
	return 0;
}

int
kind_parts_for(const struct event *ev, const char *unit)
{
	struct parts_for p = { unit, 0 };

	kind_grants(ev, part_for, &p);
	return p.parts;
}
