/*
 * cjson.c - canonical JSON on top of jansson.
 *
 * jansson does the parsing and the printing; this file only makes sure the
 * value is in the subset whose printed form is unique (see cjson.h) and
 * asks jansson for the sorted, compact form.
 */
#include <stdlib.h>
#include <string.h>

#include "cjson.h"
#include "util.h"

static int
check(const json_t *v, int depth, int maxdepth, char *err)
{
	const char *key;
	json_t *item;
	size_t i;

	if (depth > maxdepth)
		return ld_fail(err, LD_EINVAL,
		    _("JSON nested deeper than %d levels"), maxdepth);
	switch (json_typeof(v)) {
	case JSON_REAL:
		return ld_fail(err, LD_EINVAL,
		    _("real numbers are not allowed, use an integer or a string"));
	case JSON_OBJECT:
		json_object_foreach((json_t *)v, key, item) {
			int rc = check(item, depth + 1, maxdepth, err);
			if (rc != 0)
				return rc;
		}
		break;
	case JSON_ARRAY:
		json_array_foreach(v, i, item) {
			int rc = check(item, depth + 1, maxdepth, err);
			if (rc != 0)
				return rc;
		}
		break;
	default:
		break;
	}
	return 0;
}

int
cjson_check(const json_t *v, int maxdepth, char *err)
{
	return check(v, 1, maxdepth, err);
}

char *
cjson_encode(const json_t *v, char *err)
{
	char *s;

	if (cjson_check(v, CJSON_MAX_DEPTH * 4, err) != 0)
		return NULL;
	s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (s == NULL)
		ld_fail(err, LD_EINVAL, _("value cannot be encoded as JSON"));
	return s;
}

json_t *
cjson_parse(const char *buf, size_t len, int maxdepth, char *err)
{
	json_error_t je;
	json_t *v;

	v = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (v == NULL) {
		ld_fail(err, LD_EINVAL, _("invalid JSON at byte %d: %s"),
		    je.position, je.text);
		return NULL;
	}
	if (cjson_check(v, maxdepth, err) != 0) {
		json_decref(v);
		return NULL;
	}
	return v;
}

const char *
cjson_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}
