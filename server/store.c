/*
 * store.c - what every storage backend shares: choosing one, digests,
 * freeing station and unit records.
 */
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "util.h"

void
station_rec_release(struct station_rec *r)
{
	free(r->unit);
	free(r->role);
	r->unit = r->role = NULL;
}

void
station_recs_free(struct station_rec *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		station_rec_release(&r[i]);
	free(r);
}

void
unit_recs_free(struct unit_rec *u, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(u[i].name);
		free(u[i].role);
	}
	free(u);
}

int
store_is_pg(const char *url)
{
	return strncmp(url, "postgresql://", 13) == 0 ||
	    strncmp(url, "postgres://", 11) == 0;
}

int
store_open(const char *url, int create, const struct vault *vault,
    struct store **out, char *err)
{
	if (store_is_pg(url))
		return store_pg_open(url, create, vault, out, err);
	return store_sqlite_open(url, create, vault, out, err);
}
