/*
 * harness.h - what every unit test starts with: cmocka, after the headers
 * it needs before it; a group setup for the tests that hash (libsodium);
 * and scratch directories for those that write files. Include it first.
 * harness.c is linked into every tests/unit/test-* program (Makefile).
 *
 * A test file is then its tests and a main:
 *
 *	#include "harness.h"
 *	...
 *	int
 *	main(void)
 *	{
 *		const struct CMUnitTest tests[] = { cmocka_unit_test(...), };
 *
 *		return cmocka_run_group_tests(tests, harness_sodium, NULL);
 *	}
 */
#ifndef LD_TESTS_HARNESS_H
#define LD_TESTS_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

/* A group setup: initialises libsodium (hash_init); -1 when it cannot. */
int harness_sodium(void **state);

/* Makes a new directory $TMPDIR/liandong-unit-<name>.XXXXXX (under /tmp
 * when TMPDIR is unset or empty), mode 0700, and returns its path (the
 * caller frees it). Fails the test when it cannot. */
char *harness_scratch(const char *name);

/* Removes dir and everything under it, symbolic links not followed.
 * Returns 0, or -1 when something could not be removed. */
int harness_remove(const char *dir);

#endif
