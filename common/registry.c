/*
 * registry.c - the table of record types (see registry.h) and its
 * lookups. The rows themselves are in common/type-*.c.
 */
#include <string.h>

#include "registry.h"

#define REGISTRY_ROW(name) &type_##name,
static const struct entity_type *const types[] = {
	REGISTRY_TYPES(REGISTRY_ROW)
};
#undef REGISTRY_ROW

#define NTYPES (sizeof types / sizeof types[0])

const struct entity_type *
entity_type_at(size_t i)
{
	return i < NTYPES ? types[i] : NULL;
}

const struct entity_type *
entity_type_find(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < NTYPES; i++)
		if (strcmp(types[i]->name, name) == 0)
			return types[i];
	return NULL;
}

const struct entity_type *
entity_type_of(const char *entity)
{
	size_t i;

	if (entity == NULL || entity[0] == '\0' || entity[1] != '-')
		return NULL;
	for (i = 0; i < NTYPES; i++)
		if (types[i]->letter == entity[0])
			return types[i];
	return NULL;
}
