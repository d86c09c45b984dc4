/*
 * harness-pg.h - the unit tests' PostgreSQL: when LIANDONG_TEST_STORE
 * is the URL of a database on a test server (tests/run.sh starts a
 * throwaway one with tests/tools/pg.sh), the tests of the server's store
 * make a new database beside it for each store and drop it after.
 */
#ifndef LD_HARNESS_PG_H
#define LD_HARNESS_PG_H

/* LIANDONG_TEST_STORE, or NULL when it is unset or empty. */
const char *harness_pg(void);

/* A new empty database on that server, named after the process, a
 * counter and name (lowercase letters): its URL, to free. */
char *harness_pg_new(const char *name);

/* Drops every database harness_pg_new made, its connections forced. */
void harness_pg_drop_all(void);

#endif
