/*
 * directory.c - the county's unit directory (see directory.h).
 */
#include <stdint.h>
#include <string.h>

#include "directory.h"
#include "event.h"
#include "text.h"
#include "util.h"

int
directory_check(const json_t *units, char *err)
{
	const char *prev = NULL, *name;
	char why[LD_ERRLEN];
	json_t *v;
	size_t i;

	if (!json_is_array(units))
		return ld_fail(err, LD_EINVAL, _("the unit directory is not a list"));
	if (json_array_size(units) > DIRECTORY_MAX)
		return ld_fail(err, LD_EINVAL,
		    _("the unit directory has more than %d units"), DIRECTORY_MAX);
	json_array_foreach(units, i, v) {
		if ((name = json_string_value(v)) == NULL || *name == '\0')
			return ld_fail(err, LD_EINVAL,
			    _("unit %zu of the directory is not a name"), i + 1);
		if (text_check("unit", name, UNIT_MAX, 0, why) != 0)
			return ld_fail(err, LD_EINVAL,
			    _("unit %zu of the directory: %s"), i + 1, why);
		if (prev != NULL && strcmp(prev, name) >= 0)
			return ld_fail(err, LD_EINVAL,
			    _("the unit directory is not sorted or repeats '%s'"),
			    name);
		prev = name;
	}
	return 0;
}

int
directory_has(const json_t *units, const char *name)
{
	json_t *v;
	size_t i;

	json_array_foreach(units, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), name) == 0)
			return 1;
	return 0;
}

size_t
directory_suggest(const json_t *units, const char *name, const char **best,
    size_t max)
{
	size_t i, n = 0, bd = SIZE_MAX, d;
	const char *u;
	json_t *v;

	json_array_foreach(units, i, v) {
		if ((u = json_string_value(v)) == NULL)
			continue;
		d = text_distance(name, u);
		if (d == 0 || d > 2 || 3 * d > utf8_chars(u) || d > bd)
			continue;
		if (d < bd) {
			bd = d;
			n = 0;
		}
		if (n < max)
			best[n++] = u;
	}
	return n;
}
