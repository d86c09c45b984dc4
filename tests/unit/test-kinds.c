/*
 * test-kinds.c - the kind registry and body validation.
 *
 * The tests walk the registry with kind_at() and derive their bodies from
 * each kind's field table, so a kind added to kinds.c is covered without
 * touching this file: a valid body passes, and every way of breaking one
 * field (missing, wrong type, unknown name, value outside its enum, too
 * long, empty, control characters) is refused with the field named.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "kinds.h"
#include "unit.h"

/* Checks that body (consumed) fails for k with LD_EINVAL and, when name
 * is not NULL, that the message names it. */
static void
assert_body_refused(const struct kind_info *k, json_t *body,
    const char *name, const char *why)
{
	char err[LD_ERRLEN] = "";
	int rc = kind_validate_body(k, body, err);
	char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);

	if (rc != LD_EINVAL)
		fail_msg("%s: %s accepted (rc %d) %s", k->name, why, rc, text);
	if (name != NULL && strstr(err, name) == NULL)
		fail_msg("%s: %s: message does not name '%s': %s", k->name, why,
		    name, err);
	free(text);
	json_decref(body);
}

static void
assert_body_ok(const struct kind_info *k, json_t *body, const char *why)
{
	char err[LD_ERRLEN] = "";
	int rc = kind_validate_body(k, body, err);

	if (rc != 0)
		fail_msg("%s: %s refused: %s", k->name, why, err);
	json_decref(body);
}

/* A full body of k with field f set to v (consumed). */
static json_t *
with(const struct kind_info *k, const struct field *f, json_t *v)
{
	json_t *body = unit_body(k, 0);

	json_object_set_new(body, f->name, v);
	return body;
}

static size_t
nkinds(void)
{
	size_t n = 0;

	while (kind_at(n) != NULL)
		n++;
	return n;
}

static void
test_registry(void **state)
{
	const struct kind_info *k, *k2;
	const struct field *f;
	size_t i, j, creators;

	assert_true(nkinds() >= 6);
	for (i = 0; (k = kind_at(i)) != NULL; i++) {
		char id[16];

		assert_ptr_equal(kind_find(k->name), k);
		assert_non_null(k->etype);
		assert_ptr_equal(entity_type_find(k->etype->name), k->etype);
		/* Letters are distinct: an id names its type. */
		snprintf(id, sizeof id, "%c-s1-1", k->etype->letter);
		assert_ptr_equal(entity_type_of(id), k->etype);
		/* "case.opened" belongs to "case". */
		assert_int_equal(strncmp(k->name, k->etype->name,
		    strlen(k->etype->name)), 0);
		assert_int_equal(k->name[strlen(k->etype->name)], '.');
		for (j = 0; j < i; j++)
			assert_string_not_equal(kind_at(j)->name, k->name);
		for (f = k->fields; f->name != NULL; f++) {
			assert_ptr_equal(kind_field(k, f->name), f);
			if (f->type == F_ENUM) {
				assert_non_null(f->values);
				assert_non_null(f->values[0].name);
			}
			if (f->type == F_STR || f->type == F_TEXT ||
			    f->type == F_STRS || f->type == F_PHONE)
				assert_true(f->max > 0);
		}
		assert_null(kind_field(k, "no_such_field"));
	}
	assert_null(kind_at(i));
	assert_null(kind_at(i + 100));
	assert_null(kind_find("case.deleted"));
	assert_null(kind_find(""));

	/* Each entity type is created by exactly one kind. */
	for (j = 0; (k = kind_at(j)) != NULL; j++) {
		creators = 0;
		for (i = 0; (k2 = kind_at(i)) != NULL; i++)
			if (k2->creates && k2->etype == k->etype)
				creators++;
		assert_int_equal(creators, 1);
	}
}

static void
test_entity_types(void **state)
{
	char *id;

	assert_int_equal(entity_type_find("case")->letter, 'C');
	assert_int_equal(entity_type_find("complaint")->letter, 'T');
	assert_int_equal(entity_type_find("liaison")->letter, 'L');
	assert_null(entity_type_find("no_such_type"));
	assert_string_equal(entity_type_of("C-s1-1")->name, "case");
	assert_string_equal(entity_type_of("T-s1-1")->name, "complaint");
	assert_string_equal(entity_type_of("L-s1-1")->name, "liaison");
	assert_null(entity_type_of("X-s1-1"));
	assert_null(entity_type_of("c-s1-1"));
	assert_null(entity_type_of("C"));
	assert_null(entity_type_of("Cs1"));
	assert_null(entity_type_of(""));
	assert_null(entity_type_of(NULL));

	id = entity_id_new(entity_type_find("case"), "longyangxia", 7);
	assert_string_equal(id, "C-longyangxia-7");
	assert_int_equal(kind_check_entity(kind_find("case.updated"), id, NULL),
	    0);
	free(id);
}

static void
test_enums(void **state)
{
	assert_string_equal(enum_lookup(case_sources, "patrol")->label,
	    "辖区巡查");
	assert_string_equal(enum_lookup(case_sources, "群众举报")->name,
	    "report");
	assert_string_equal(enum_lookup(complaint_channels, "12345热线")->name,
	    "hotline");
	assert_string_equal(enum_lookup(liaison_types, "培训")->name,
	    "training");
	assert_string_equal(enum_lookup(complaint_types, "petition")->label,
	    "信访");
	assert_null(enum_lookup(case_sources, "Patrol"));
	assert_null(enum_lookup(case_sources, ""));
	assert_string_equal(enum_label(case_sources, "notice"),
	    "业务主管部门通报");
	assert_string_equal(enum_label(case_sources, "other"), "other");
}

static void
test_valid_bodies_pass(void **state)
{
	const struct kind_info *k;
	const struct field *f;
	size_t i;

	for (i = 0; (k = kind_at(i)) != NULL; i++) {
		assert_body_ok(k, unit_body(k, 0), "full body");
		if (!k->at_least_one)
			assert_body_ok(k, unit_body(k, 1), "required fields only");
		/* Each optional field alone on top of the required ones. */
		for (f = k->fields; f->name != NULL; f++) {
			json_t *b;
			if (f->required)
				continue;
			b = unit_body(k, 1);
			json_object_set_new(b, f->name, unit_field_value(f));
			assert_body_ok(k, b, f->name);
		}
	}
}

static void
test_missing_required_fields_fail(void **state)
{
	const struct kind_info *k;
	const struct field *f;
	size_t i, checked = 0;

	for (i = 0; (k = kind_at(i)) != NULL; i++) {
		for (f = k->fields; f->name != NULL; f++) {
			json_t *b;
			if (!f->required)
				continue;
			b = unit_body(k, 0);
			json_object_del(b, f->name);
			assert_body_refused(k, b, f->name, "missing field");
			checked++;
		}
		/* A kind that must change something refuses an empty body. */
		if (k->at_least_one)
			assert_body_refused(k, json_object(), k->name,
			    "empty body");
	}
	assert_true(checked >= 10);
}

/* Values of the wrong JSON type for f, as an array (new reference). */
static json_t *
wrong_values(const struct field *f)
{
	json_t *w = json_array();

	json_array_append_new(w, json_null());
	json_array_append_new(w, json_integer(7));
	json_array_append_new(w, json_object());
	switch (f->type) {
	case F_BOOL:
		json_array_append_new(w, json_string("true"));
		json_array_append_new(w, json_integer(1));
		json_array_append_new(w, json_array());
		break;
	case F_STRS:
		json_array_append_new(w, json_string("甲"));
		json_array_append_new(w, json_true());
		json_array_append_new(w, json_pack("[i]", 1));
		json_array_append_new(w, json_pack("[s,n]", "甲", NULL));
		json_array_append_new(w, json_pack("[[s]]", "甲"));
		json_array_append_new(w, json_pack("[s,s]", "甲", ""));
		json_array_append_new(w, json_pack("[s]", "一\n二"));
		break;
	default:
		json_array_append_new(w, json_true());
		json_array_append_new(w, json_pack("[s]", "甲"));
		break;
	}
	return w;
}

static void
test_wrong_types_fail(void **state)
{
	const struct kind_info *k;
	const struct field *f;
	json_t *w, *v;
	size_t i, j;

	for (i = 0; (k = kind_at(i)) != NULL; i++) {
		for (f = k->fields; f->name != NULL; f++) {
			w = wrong_values(f);
			json_array_foreach(w, j, v)
				assert_body_refused(k, with(k, f, json_incref(v)),
				    f->name, "wrong type");
			json_decref(w);
		}
		/* The body itself must be an object. */
		v = json_array();
		assert_int_equal(kind_validate_body(k, v, NULL), LD_EINVAL);
		json_decref(v);
		assert_int_equal(kind_validate_body(k, NULL, NULL), LD_EINVAL);
	}
}

static void
test_unknown_fields_fail(void **state)
{
	static const char *const names[] = { "unknown", "Matter", "hash",
		"identity", "status", "", NULL };
	const struct kind_info *k;
	size_t i, j;
	json_t *b;

	for (i = 0; (k = kind_at(i)) != NULL; i++) {
		for (j = 0; names[j] != NULL; j++) {
			if (kind_field(k, names[j]) != NULL)
				continue;
			b = unit_body(k, 0);
			json_object_set_new(b, names[j], json_string("x"));
			assert_body_refused(k, b, NULL, "unknown field");
		}
	}
	/* A field of another kind is unknown here too. */
	assert_body_refused(kind_find("case.closed"),
	    unit_json("{\"reason\":\"已办结\",\"urgent\":true}"), "urgent",
	    "field of another kind");
}

static void
test_enum_values_outside_list_fail(void **state)
{
	const struct kind_info *k;
	const struct field *f;
	const struct enum_value *ev;
	size_t i, n = 0;

	for (i = 0; (k = kind_at(i)) != NULL; i++) {
		for (f = k->fields; f->name != NULL; f++) {
			char *upper;
			size_t c;
			if (f->type != F_ENUM)
				continue;
			n++;
			/* Every listed value passes. */
			for (ev = f->values; ev->name != NULL; ev++)
				assert_body_ok(k, with(k, f, json_string(ev->name)),
				    ev->name);
			assert_body_refused(k, with(k, f, json_string("bogus")),
			    f->name, "unlisted value");
			assert_body_refused(k, with(k, f, json_string("")),
			    f->name, "empty value");
			upper = xstrdup(f->values[0].name);
			for (c = 0; upper[c] != '\0'; c++)
				upper[c] = (char)(upper[c] - 'a' + 'A');
			assert_body_refused(k, with(k, f, json_string(upper)),
			    f->name, "upper-case value");
			free(upper);
			/* Bodies store the value, never its Chinese label. */
			assert_body_refused(k,
			    with(k, f, json_string(f->values[0].label)), f->name,
			    "label instead of value");
		}
	}
	assert_true(n >= 4);
}

/* Text fields: max characters pass, max+1 fail, whatever the script. */
static void
test_over_long_text_fails(void **state)
{
	const struct kind_info *k;
	const struct field *f;
	size_t i, n = 0;
	char *s;

	for (i = 0; (k = kind_at(i)) != NULL; i++) {
		for (f = k->fields; f->name != NULL; f++) {
			json_t *a;
			size_t j;
			switch (f->type) {
			case F_STR:
			case F_TEXT:
				n++;
				s = unit_repeat("字", f->max);
				assert_body_ok(k, with(k, f, json_string(s)),
				    f->name);
				free(s);
				s = unit_repeat("字", f->max + 1);
				assert_body_refused(k, with(k, f, json_string(s)),
				    f->name, "too long");
				free(s);
				s = unit_repeat("a", f->max + 1);
				assert_body_refused(k, with(k, f, json_string(s)),
				    f->name, "too long (ASCII)");
				free(s);
				break;
			case F_STRS:
				n++;
				a = json_array();
				for (j = 0; j < f->max; j++)
					json_array_append_new(a, json_string("甲"));
				assert_body_ok(k, with(k, f, json_incref(a)),
				    f->name);
				json_array_append_new(a, json_string("甲"));
				assert_body_refused(k, with(k, f, a), f->name,
				    "too many entries");
				s = unit_repeat("字", FIELD_STR_MAX);
				assert_body_ok(k, with(k, f, json_pack("[s]", s)),
				    f->name);
				free(s);
				s = unit_repeat("字", FIELD_STR_MAX + 1);
				assert_body_refused(k, with(k, f, json_pack("[s]", s)),
				    f->name, "entry too long");
				free(s);
				break;
			case F_PHONE:
				n++;
				s = unit_repeat("1", f->max);
				assert_body_ok(k, with(k, f, json_string(s)),
				    f->name);
				free(s);
				s = unit_repeat("1", f->max + 1);
				assert_body_refused(k, with(k, f, json_string(s)),
				    f->name, "too long");
				free(s);
				break;
			default:
				break;
			}
		}
	}
	assert_true(n >= 15);
}

static void
test_bad_text_content_fails(void **state)
{
	const struct kind_info *k;
	const struct field *f;
	size_t i;

	for (i = 0; (k = kind_at(i)) != NULL; i++) {
		for (f = k->fields; f->name != NULL; f++) {
			if (f->type != F_STR && f->type != F_TEXT)
				continue;
			assert_body_refused(k, with(k, f, json_string("")),
			    f->name, "empty");
			assert_body_refused(k, with(k, f, json_string(" \t ")),
			    f->name, "blank");
			assert_body_refused(k, with(k, f, json_string("a\x01" "b")),
			    f->name, "control character");
			assert_body_refused(k, with(k, f, json_string("a\rb")),
			    f->name, "carriage return");
			if (f->type == F_STR)
				assert_body_refused(k,
				    with(k, f, json_string("一\n二")), f->name,
				    "newline in one-line text");
			else
				assert_body_ok(k, with(k, f, json_string("一\n二")),
				    f->name);
		}
	}
}

static void
test_bad_times_phones_entities_fail(void **state)
{
	static const char *const times[] = { "2026-11-21", "2026-11-21 09:30",
		"2026-11-21T09:30:00", "2026-11-21T01:30:00Z",
		"2026-11-21T09:30:00+09:00", "2026-02-30T09:30:00+08:00",
		"now", NULL };
	static const char *const phones[] = { "", "138abc", "138 0000 x",
		"(0974) 123", "１３８", NULL };
	static const char *const ids[] = { "", "C", "C-", "C-s1", "C-s1-",
		"C-s1-0", "C-s1-01", "C-S1-1", "C--1", "C-s1-1x", "case-1",
		"C_s1_1", "C-s1-1234567890123456789", "X-s1-1", "c-s1-1",
		"1-s1-1", NULL };
	const struct kind_info *k;
	const struct field *f;
	size_t i, j;

	for (i = 0; (k = kind_at(i)) != NULL; i++) {
		for (f = k->fields; f->name != NULL; f++) {
			const char *const *bad = f->type == F_TIME ? times :
			    f->type == F_PHONE ? phones :
			    f->type == F_ENTITY ? ids : NULL;
			if (bad == NULL)
				continue;
			for (j = 0; bad[j] != NULL; j++)
				assert_body_refused(k, with(k, f,
				    json_string(bad[j])), f->name, bad[j]);
		}
	}
}

static void
test_entity_ids(void **state)
{
	static const char *const bad[] = { "", "C", "C-", "C-s1", "C-s1-",
		"C-s1-0", "C-s1-01", "C-S1-1", "C--1", "C-_a-1",
		"C-s1-1x", "C-s1-1-", "C-s1-+1", "C-s1- 1", "c-s1-1", "CC-s1-1",
		"C_s1_1", "C-龙羊峡-1", "C-s1-1234567890123456789",
		"C-abcdefghijklmnopqrstuvwxyz0123456-1", NULL };
	const struct kind_info *k;
	char err[LD_ERRLEN];
	char id[128];
	size_t i, j;

	for (i = 0; (k = kind_at(i)) != NULL; i++) {
		char letter = k->etype->letter;

		snprintf(id, sizeof id, "%c-s1-1", letter);
		assert_int_equal(kind_check_entity(k, id, err), 0);
		/* Stations may contain '-': the seq is after the last one. */
		snprintf(id, sizeof id, "%c-longyangxia-02-123", letter);
		assert_int_equal(kind_check_entity(k, id, err), 0);
		snprintf(id, sizeof id, "%c-s1-123456789012345678", letter);
		assert_int_equal(kind_check_entity(k, id, err), 0);
		snprintf(id, sizeof id, "%c-abcdefghijklmnopqrstuvwxyz012345-1",
		    letter);
		assert_int_equal(kind_check_entity(k, id, err), 0);

		for (j = 0; bad[j] != NULL; j++) {
			/* Put the kind's own letter in front of each. */
			snprintf(id, sizeof id, "%s", bad[j]);
			if (id[0] == 'C')
				id[0] = letter;
			err[0] = '\0';
			if (kind_check_entity(k, id, err) != LD_EINVAL)
				fail_msg("%s: entity '%s' accepted", k->name, id);
			assert_true(err[0] != '\0');
		}
		/* Another type's id. */
		for (j = 0; kind_at(j) != NULL; j++) {
			const struct entity_type *other = kind_at(j)->etype;
			if (other == k->etype)
				continue;
			snprintf(id, sizeof id, "%c-s1-1", other->letter);
			assert_int_equal(kind_check_entity(k, id, err), LD_EINVAL);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_entity_types),
		cmocka_unit_test(test_enums),
		cmocka_unit_test(test_valid_bodies_pass),
		cmocka_unit_test(test_missing_required_fields_fail),
		cmocka_unit_test(test_wrong_types_fail),
		cmocka_unit_test(test_unknown_fields_fail),
		cmocka_unit_test(test_enum_values_outside_list_fail),
		cmocka_unit_test(test_over_long_text_fails),
		cmocka_unit_test(test_bad_text_content_fails),
		cmocka_unit_test(test_bad_times_phones_entities_fail),
		cmocka_unit_test(test_entity_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
