/*
 * roles.c - the role matrix (see roles.h), read from the registry.
 */
#include <string.h>

#include "kinds.h"
#include "registry.h"
#include "roles.h"

const char *const role_names[] = { "township", "department", "bureau",
	"legal", "police", "government", "admin", NULL };

int
role_bit(const char *name)
{
	int i;

	for (i = 0; name != NULL && role_names[i] != NULL; i++)
		if (strcmp(role_names[i], name) == 0)
			return 1 << i;
	return 0;
}

int
role_valid(const char *name)
{
	return role_bit(name) != 0;
}

int
role_may_write(const char *role, const char *kind)
{
	int bit = role_bit(role);
	const struct kind_info *k;

	if (bit == 0 || kind == NULL || (k = kind_find(kind)) == NULL)
		return 0;
	return ((k->written_by != 0 ? k->written_by : k->etype->written_by) &
	    bit) != 0;
}

int
role_watches(const char *role, const char *type, const char *kind)
{
	int bit = role_bit(role);
	const struct entity_type *t;
	const struct kind_info *k;

	if (bit == 0 || type == NULL || kind == NULL ||
	    (t = entity_type_find(type)) == NULL)
		return 0;
	if ((k = kind_find(kind)) != NULL && k->confidential)
		return 0;
	return (t->watched_by & bit) != 0;
}
