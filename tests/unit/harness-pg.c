/*
 * harness-pg.c - making and dropping the tests' PostgreSQL databases
 * (harness-pg.h), through libpq; the names are the test's own.
 */
#include "harness.h"
#include "harness-pg.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "util.h"

#define MAX_DBS 64

static char *dbs[MAX_DBS];
static size_t ndbs;

const char *
harness_pg(void)
{
	const char *u = getenv("LIANDONG_TEST_STORE");

	return u != NULL && *u != '\0' ? u : NULL;
}

/* Runs sql on the database LIANDONG_TEST_STORE names. */
static void
admin_run(const char *sql)
{
	PGconn *c = PQconnectdb(harness_pg());
	PGresult *r;

	if (PQstatus(c) != CONNECTION_OK)
		fail_msg("cannot connect to %s: %s", harness_pg(),
		    PQerrorMessage(c));
	r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
}

char *
harness_pg_new(const char *name)
{
	static unsigned counter;
	const char *admin = harness_pg(), *slash;
	char *db, *sql, *url;

	assert_non_null(admin);
	assert_true(ndbs < MAX_DBS);
	slash = strrchr(admin, '/');
	assert_non_null(slash);
	db = xasprintf("ld_%ld_%u_%s", (long)getpid(), counter++, name);
	sql = xasprintf("CREATE DATABASE %s TEMPLATE template0"
	    " ENCODING 'UTF8'", db);
	admin_run(sql);
	free(sql);
	dbs[ndbs++] = db;
	url = xasprintf("%.*s/%s", (int)(slash - admin), admin, db);
	return url;
}

void
harness_pg_drop_all(void)
{
	size_t i;

	for (i = 0; i < ndbs; i++) {
		char *sql = xasprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)",
		    dbs[i]);

		admin_run(sql);
		free(sql);
		free(dbs[i]);
	}
	ndbs = 0;
}
